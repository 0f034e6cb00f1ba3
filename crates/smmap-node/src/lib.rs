//! Node-API binding of `smmap-core`. Deliberately thin: argument shapes are checked by the
//! TypeScript facade, algorithms and defaults live in the core, and this crate moves numbers
//! across, describes core errors to the facade's error factory, and owns the one rule the
//! core cannot: every JavaScript view of a region is detached before the region is unmapped.

mod accounting;
mod bytes;
mod errors;
mod flags;
mod mailbox;
mod manager;
mod numbers;
mod options;
mod pinned;
mod plain_call;
mod positional;
mod read_ahead;
mod region;
mod release;
mod retire;
#[cfg(feature = "test-hooks")]
mod test_hooks;
mod view;

use napi::bindgen_prelude::Either;
use napi::Env;
use napi_derive::napi;
use smmap_core::{FileKey, MapWindow};

use numbers::{i64_to_js, to_i64};

pub use errors::set_error_factory;
pub use manager::NativeManager;
pub use options::{advice_names, Advice, ManagerOptions};
pub use plain_call::export_plain_calls;
pub use positional::{in_page_cache, read_through};
pub use read_ahead::{populate_view, read_ahead};
pub use region::NativeRegion;

/// Runs as the addon loads: opens what giving let-go windows' pages back needs (Linux keeps
/// one descriptor for it), so it exists before any code counts this process's descriptors.
#[napi_derive::module_init]
fn prepare() {
    smmap_core::prepare_page_release();
}

/// The OS allocation granularity every region offset is a multiple of.
#[napi]
pub fn allocation_granularity() -> f64 {
    smmap_core::allocation_granularity() as f64
}

/// Open flags as the core uses them for a read-only open (those that would write dropped),
/// for the facade's positional reads.
#[napi]
pub fn read_only_open_flags(flags: i32) -> i32 {
    smmap_core::read_only_open_flags(flags)
}

#[napi]
pub fn is_64_bit() -> bool {
    smmap_core::is_64_bit()
}

/// Whether a Buffer keeps its window mapped after the manager lets it go (false on Windows,
/// where let-go windows are unmapped at once and their Buffers emptied).
#[napi]
pub fn mappings_outlive_use() -> bool {
    smmap_core::MAPPINGS_MAY_OUTLIVE_USE
}

#[napi]
pub fn align_to_mmap(num: f64, round_up: bool) -> f64 {
    i64_to_js(smmap_core::align_to_mmap(to_i64(num), round_up))
}

/// `MapWindow.align()`: returns the aligned `[ofs, size]`.
#[napi]
pub fn window_align(ofs: f64, size: f64) -> Vec<f64> {
    let mut window = MapWindow::new(to_i64(ofs), to_i64(size));
    window.align();
    window_to_js(window)
}

/// `MapWindow.extendLeftTo(other, maxSize)`: returns the new `[ofs, size]`.
#[napi]
pub fn window_extend_left_to(
    ofs: f64,
    size: f64,
    other_ofs: f64,
    other_size: f64,
    max_size: f64,
) -> Vec<f64> {
    extend(
        ofs,
        size,
        [other_ofs, other_size],
        max_size,
        MapWindow::extend_left_to,
    )
}

/// `MapWindow.extendRightTo(other, maxSize)`: returns the new `[ofs, size]`.
#[napi]
pub fn window_extend_right_to(
    ofs: f64,
    size: f64,
    other_ofs: f64,
    other_size: f64,
    max_size: f64,
) -> Vec<f64> {
    extend(
        ofs,
        size,
        [other_ofs, other_size],
        max_size,
        MapWindow::extend_right_to,
    )
}

/// The current size of a file (stat for a path, fstat for an fd), as `MapRegionList.fileSize()`.
#[napi]
pub fn file_size(env: Env, path_or_fd: Either<String, u32>) -> napi::Result<f64> {
    let key = file_key(&env, path_or_fd)?;
    smmap_core::file_size(&key)
        .map(numbers::to_js)
        .map_err(|e| errors::throw(&env, e))
}

/// Runs one of `MapWindow`'s extend methods on JavaScript numbers.
fn extend(
    ofs: f64,
    size: f64,
    [other_ofs, other_size]: [f64; 2],
    max_size: f64,
    method: fn(&mut MapWindow, &MapWindow, i64),
) -> Vec<f64> {
    let mut window = MapWindow::new(to_i64(ofs), to_i64(size));
    let other = MapWindow::new(to_i64(other_ofs), to_i64(other_size));
    method(&mut window, &other, to_i64(max_size));
    window_to_js(window)
}

fn window_to_js(window: MapWindow) -> Vec<f64> {
    vec![i64_to_js(window.ofs), i64_to_js(window.size)]
}

/// A path string or an fd; fds above i32 cannot name a file.
fn file_key(env: &Env, path_or_fd: Either<String, u32>) -> napi::Result<FileKey> {
    match path_or_fd {
        Either::A(path) => Ok(FileKey::Path(path.into())),
        Either::B(fd) => i32::try_from(fd).map(FileKey::Fd).map_err(|_| {
            errors::invalid_arg(
                env,
                "a file descriptor must be a non-negative 32-bit integer",
            )
        }),
    }
}
