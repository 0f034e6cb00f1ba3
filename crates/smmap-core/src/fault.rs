//! A test-only fault injector for the mapping call, so the collect-and-retry path and the
//! error a user sees when the OS refuses a mapping (`ENOMEM`, `vm.max_map_count`) can be
//! tested without exhausting the machine.
//!
//! `SMMAP_TEST_FAIL_MMAP=N` makes the N-th mapping of the process (counting from 1) fail
//! with `ENOMEM`; `SMMAP_TEST_FAIL_MMAP=N..` makes the N-th and every later one fail. The
//! variable is read once, at the first mapping; unset (the normal case) costs one relaxed
//! atomic load per mapping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// Which mapping attempts fail: `first` (1-based) and, when `onwards`, all after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Plan {
    first: u64,
    onwards: bool,
}

static PLAN: OnceLock<Option<Plan>> = OnceLock::new();
static ATTEMPTS: AtomicU64 = AtomicU64::new(0);

/// Counts one mapping attempt and returns the injected error if the plan says it fails.
pub(crate) fn mmap_attempt() -> Option<std::io::Error> {
    let plan = (*PLAN.get_or_init(|| parse(std::env::var("SMMAP_TEST_FAIL_MMAP").ok()?.as_str())))?;
    let attempt = ATTEMPTS.fetch_add(1, Ordering::Relaxed) + 1;
    let fails = attempt == plan.first || (plan.onwards && attempt > plan.first);
    fails.then(|| std::io::Error::from_raw_os_error(enomem()))
}

fn parse(text: &str) -> Option<Plan> {
    let (number, onwards) = match text.trim().strip_suffix("..") {
        Some(number) => (number, true),
        None => (text.trim(), false),
    };
    let first = number.parse().ok().filter(|&n| n > 0)?;
    Some(Plan { first, onwards })
}

#[cfg(unix)]
fn enomem() -> i32 {
    libc::ENOMEM
}

#[cfg(windows)]
fn enomem() -> i32 {
    8 // ERROR_NOT_ENOUGH_MEMORY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_one_attempt_or_a_range() {
        assert_eq!(
            parse("3"),
            Some(Plan {
                first: 3,
                onwards: false
            })
        );
        assert_eq!(
            parse(" 2.. "),
            Some(Plan {
                first: 2,
                onwards: true
            })
        );
        assert_eq!(parse("0"), None, "attempts count from 1");
        assert_eq!(parse("x"), None);
        assert_eq!(parse(""), None);
    }
}
