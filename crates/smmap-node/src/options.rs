//! A manager's options as JavaScript passes them: one object whose fields may be left out.
//! Defaults are the core's (`smmap_core::Config::new`); nothing here chooses a value.

use napi_derive::napi;

use crate::numbers::{to_i64, to_u64};

/// How new regions are advised to the kernel (`madvise`).
#[napi(string_enum = "lowercase")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Advice {
    Normal,
    Sequential,
    Random,
    WillNeed,
}

/// Every advice, in the order the facade lists them in errors.
const ADVICE: [Advice; 4] = [
    Advice::Normal,
    Advice::Sequential,
    Advice::Random,
    Advice::WillNeed,
];

impl From<Advice> for smmap_core::Advice {
    fn from(advice: Advice) -> Self {
        match advice {
            Advice::Normal => smmap_core::Advice::Normal,
            Advice::Sequential => smmap_core::Advice::Sequential,
            Advice::Random => smmap_core::Advice::Random,
            Advice::WillNeed => smmap_core::Advice::WillNeed,
        }
    }
}

impl Advice {
    fn name(self) -> &'static str {
        match self {
            Advice::Normal => "normal",
            Advice::Sequential => "sequential",
            Advice::Random => "random",
            Advice::WillNeed => "willneed",
        }
    }
}

/// The names `advice` accepts, for the facade's argument check.
#[napi]
pub fn advice_names() -> Vec<&'static str> {
    ADVICE.iter().map(|advice| advice.name()).collect()
}

/// Manager options; the facade has checked every value's type and range.
#[napi(object)]
#[derive(Default)]
pub struct ManagerOptions {
    /// Bytes per window; left out picks the manager's default, negative smmap's default window.
    pub window_size: Option<f64>,
    /// Soft budget of mapped bytes; left out or 0 picks the default.
    pub max_memory_size: Option<f64>,
    /// Hard limit on mapped regions; left out or `Infinity` for none.
    pub max_open_handles: Option<f64>,
    pub advice: Option<Advice>,
    pub populate: Option<bool>,
}

impl From<&ManagerOptions> for smmap_core::Options {
    fn from(options: &ManagerOptions) -> Self {
        smmap_core::Options {
            window_size: options.window_size.map(to_i64),
            max_memory_size: options.max_memory_size.map(to_u64),
            max_open_handles: options.max_open_handles.map(to_u64),
            advice: options.advice.map(Into::into),
            populate: options.populate,
        }
    }
}
