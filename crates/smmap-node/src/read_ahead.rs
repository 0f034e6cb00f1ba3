//! Reading a range into the page cache on libuv's thread pool (`prefetch()`, the asynchronous
//! iterator): the task owns a descriptor of its own on the file and never touches a mapping, so
//! closing or collecting the manager while it runs cannot unmap anything under it. Then
//! bringing those pages into the page tables of a window that holds them, also on the pool:
//! that task holds a Buffer over the window, which keeps its mapping alive where a Buffer
//! outlives its window (`mappings_outlive_use`), closed manager or not.

use std::fs::File;

use napi::bindgen_prelude::{AsyncTask, Buffer};
use napi::{Env, Task};
use napi_derive::napi;
use smmap_core::FileId;

use crate::errors::throw;
use crate::manager::NativeManager;
use crate::numbers::to_u64;

pub struct ReadAhead {
    file: File,
    offset: u64,
    len: u64,
}

impl Task for ReadAhead {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<()> {
        smmap_core::read_ahead(&self.file, self.offset, self.len)
            .map_err(|e| napi::Error::from_reason(e.to_string()))
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> napi::Result<()> {
        Ok(())
    }
}

#[napi]
impl NativeManager {
    /// A descriptor of its own on `file`, as a number that `readAhead` takes over and closes.
    #[napi]
    pub fn reader(&mut self, env: Env, file: u32) -> napi::Result<f64> {
        self.core
            .reader(file as FileId)
            .map(|reader| smmap_core::file_into_number(reader) as f64)
            .map_err(|e| throw(&env, e))
    }
}

/// Reads `[offset, offset + length)` of the file behind `reader` (from `NativeManager.reader`,
/// whose descriptor this takes over and closes when done) into the page cache off the
/// JavaScript thread; the promise resolves when it is there. Not a manager method: napi-rs
/// keeps a native object borrowed while a promise it made is pending, which would refuse every
/// other call on the manager meanwhile.
#[napi(ts_return_type = "Promise<void>")]
pub fn read_ahead(reader: f64, offset: f64, length: f64) -> AsyncTask<ReadAhead> {
    // SAFETY: the facade passes the number `reader()` just returned, once.
    let file = unsafe { smmap_core::file_from_number(reader as u64) };
    AsyncTask::new(ReadAhead {
        file,
        offset: to_u64(offset),
        len: to_u64(length),
    })
}

pub struct Populate {
    /// Holds the view's Buffer, and with it the window's mapping, until the task is dropped
    /// on the JavaScript thread after it completes.
    view: Buffer,
}

impl Task for Populate {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<()> {
        // SAFETY: `view` is a Buffer over a region the facade marked exposed, on a platform
        // where such a Buffer keeps its region, mapping and fault guard alive whatever the
        // manager does (`mappings_outlive_use`), and the task holds it throughout.
        unsafe { smmap_core::populate(&self.view) };
        Ok(())
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> napi::Result<()> {
        Ok(())
    }
}

/// Brings the pages under `view`, a Buffer over a window of an exposed region, into memory
/// and into the window's page tables on libuv's thread pool, so the JavaScript thread's reads
/// that follow take no page fault; advisory, it never rejects. Only where a Buffer keeps its
/// mapping alive (`mappingsOutliveUse()`), which the facade checks.
#[napi(ts_return_type = "Promise<void>")]
pub fn populate_view(view: Buffer) -> AsyncTask<Populate> {
    AsyncTask::new(Populate { view })
}
