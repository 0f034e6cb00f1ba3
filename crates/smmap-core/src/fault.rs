//! Fault injection for the mapping call (built only with the `fault-injection` feature, which
//! the test builds enable), so the collect-and-retry path and the error a user sees when the
//! OS refuses a mapping (`ENOMEM`, `vm.max_map_count`) can be tested without exhausting the
//! machine.
//!
//! `SMMAP_TEST_FAIL_MMAP=N` makes the N-th mapping of the process (counting from 1) fail
//! with the OS's out-of-memory error; `SMMAP_TEST_FAIL_MMAP=N..` makes the N-th and every
//! later one fail. `SMMAP_TEST_MAX_MAPPINGS=M` refuses every mapping while `M` regions are
//! mapped, as `vm.max_map_count` does: only unmapping lets the next one through. The
//! variables are read once, at the first mapping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// Which mapping attempts fail: `first` (1-based) and, when `onwards`, all after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Plan {
    first: u64,
    onwards: bool,
}

static PLAN: OnceLock<Option<Plan>> = OnceLock::new();
static MAX_MAPPINGS: OnceLock<Option<u64>> = OnceLock::new();
static ATTEMPTS: AtomicU64 = AtomicU64::new(0);

/// Counts one mapping attempt and returns the injected error if a plan says it fails.
pub(crate) fn mmap_attempt() -> Option<std::io::Error> {
    let plan = *PLAN.get_or_init(|| parse(std::env::var("SMMAP_TEST_FAIL_MMAP").ok()?.as_str()));
    let max = *MAX_MAPPINGS.get_or_init(|| {
        let text = std::env::var("SMMAP_TEST_MAX_MAPPINGS").ok()?;
        text.trim().parse().ok()
    });
    let attempt = ATTEMPTS.fetch_add(1, Ordering::Relaxed) + 1;
    let planned = plan.is_some_and(|p| attempt == p.first || (p.onwards && attempt > p.first));
    let at_limit = max.is_some_and(|max| crate::source::Mappings::live() as u64 >= max);
    (planned || at_limit).then(crate::os::out_of_memory)
}

fn parse(text: &str) -> Option<Plan> {
    let (number, onwards) = match text.trim().strip_suffix("..") {
        Some(number) => (number, true),
        None => (text.trim(), false),
    };
    let first = number.parse().ok().filter(|&n| n > 0)?;
    Some(Plan { first, onwards })
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
