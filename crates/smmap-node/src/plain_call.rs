//! Calls made once per read, registered as plain N-API callbacks instead of through
//! `#[napi]`. The wrapper napi-rs generates around a function tracks every argument's borrow
//! in thread-local scopes so that asynchronous work can root them; a synchronous call pays
//! for that all the same, about 150 ns (measured: a random 4-byte pread over a 2 GiB file in
//! the page cache went from 1.01 to 0.86 µs with its call made plain). Where the call is a
//! system call that costs 0.7 µs, that is the difference between beating `fs.readSync` and
//! losing to it. So the few calls on such paths read their arguments here, by hand, and
//! nothing else does: napi-rs's wrapper stays the rule.
//!
//! The facade declares these functions' types itself (`lib/native.ts`): napi-rs generates
//! types only for what `#[napi]` exports.

use std::ptr;

use napi::bindgen_prelude::{External, Object, Unknown};
use napi::{sys, Env, JsValue};
use napi_derive::napi;

/// A plain N-API callback: the environment and the call's info in, a value (or null with an
/// exception pending) out.
pub type PlainCallback =
    unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// Adds the plain calls to the module's exports, beside what `#[napi]` registers.
#[napi(module_exports)]
pub fn export_plain_calls(exports: Object, env: Env) -> napi::Result<()> {
    let calls: [(&std::ffi::CStr, PlainCallback); 1] =
        [(c"readThrough", crate::positional::read_through)];
    for (name, callback) in calls {
        let mut function = ptr::null_mut();
        // SAFETY: `env` is the environment being initialised; `name` is a NUL-terminated
        // string whose length is passed; the callback has N-API's signature and reads its
        // arguments only through `Args`.
        let status = unsafe {
            sys::napi_create_function(
                env.raw(),
                name.as_ptr(),
                name.count_bytes() as isize,
                Some(callback),
                ptr::null_mut(),
                &mut function,
            )
        };
        if status != sys::Status::napi_ok {
            return Err(napi::Error::from_reason(
                "could not create a native function",
            ));
        }
        // SAFETY: `exports` and `function` are values of this environment.
        let status = unsafe {
            sys::napi_set_named_property(env.raw(), exports.raw(), name.as_ptr(), function)
        };
        if status != sys::Status::napi_ok {
            return Err(napi::Error::from_reason(
                "could not export a native function",
            ));
        }
    }
    Ok(())
}

/// The first `N` arguments of one plain call; missing ones read as `undefined`, which every
/// accessor rejects.
pub struct Args<const N: usize> {
    env: Env,
    argv: [sys::napi_value; N],
}

impl<const N: usize> Args<N> {
    /// Reads the arguments of the call `info`.
    ///
    /// # Safety
    ///
    /// `env` and `info` must be those the current plain callback was called with, and the
    /// `Args` must not outlive that call.
    pub unsafe fn new(env: sys::napi_env, info: sys::napi_callback_info) -> Option<Self> {
        let mut argc = N;
        let mut argv = [ptr::null_mut(); N];
        // SAFETY: the caller passes this call's `env` and `info`; `argv` has room for `argc`.
        let status = unsafe {
            sys::napi_get_cb_info(
                env,
                info,
                &mut argc,
                argv.as_mut_ptr(),
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        (status == sys::Status::napi_ok).then(|| Self {
            env: Env::from(env),
            argv,
        })
    }

    pub fn env(&self) -> &Env {
        &self.env
    }

    /// Argument `index` as a value of this call.
    fn value(&self, index: usize) -> Unknown<'_> {
        // SAFETY: argument values stay alive for the whole call, which `self` does not outlive.
        unsafe { Unknown::from_raw_unchecked(self.env.raw(), self.argv[index]) }
    }

    /// Argument `index`, which must be an `External<T>` this binary created (napi-rs keeps a
    /// registry of those: an external from other native code is refused, not read).
    pub fn external<T: 'static>(&self, index: usize) -> Option<&T> {
        let mut data = ptr::null_mut();
        // SAFETY: a value of this call's environment; the out-pointer is a local.
        let status =
            unsafe { sys::napi_get_value_external(self.env.raw(), self.argv[index], &mut data) };
        if status != sys::Status::napi_ok {
            return None;
        }
        // SAFETY: `inner_from_raw` dereferences `data` only once the registry has confirmed it
        // is a live External<T> of this binary; the external, an argument, outlives the call.
        unsafe { External::<T>::inner_from_raw(data) }
    }

    /// Argument `index` as the bytes of a Uint8Array, for the rest of this call.
    pub fn uint8_array(&self, index: usize) -> napi::Result<&mut [u8]> {
        crate::bytes::uint8_array(&self.env, &self.value(index))
    }

    /// Argument `index` as a number, or `None` if it is not one.
    pub fn number(&self, index: usize) -> Option<f64> {
        let mut number = 0.0;
        // SAFETY: a value of this call's environment; the out-pointer is a local.
        let status =
            unsafe { sys::napi_get_value_double(self.env.raw(), self.argv[index], &mut number) };
        (status == sys::Status::napi_ok).then_some(number)
    }

    /// `value` as a JavaScript number, or null (nothing returned) if it cannot be made.
    pub fn int32(&self, value: i32) -> sys::napi_value {
        let mut out = ptr::null_mut();
        // SAFETY: this call's environment; the out-pointer is a local.
        unsafe { sys::napi_create_int32(self.env.raw(), value, &mut out) };
        out
    }
}
