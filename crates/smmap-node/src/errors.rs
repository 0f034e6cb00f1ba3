//! Core errors become JavaScript errors the way Node's own modules shape them: an `Error`
//! subclass with a stable `code`, and for OS failures the `errno`, `syscall` and `path` that
//! `fs` sets, so callers can handle both with the same code.

use std::ffi::CString;
use std::ptr;

use napi::{sys, Env, Status};
use smmap_core::Error;

/// Which JavaScript constructor an error is thrown with.
#[derive(Clone, Copy)]
enum Class {
    Error,
    RangeError,
    TypeError,
}

/// Throws `err` as a JavaScript exception and returns the marker napi-rs uses to leave it
/// pending instead of throwing a second error over it.
pub fn throw(env: &Env, err: Error) -> napi::Error {
    let (class, code, message) = describe(&err);
    // SAFETY: `env` is the live environment of the current call; every value created here is
    // used before the call returns, inside its handle scope.
    unsafe {
        if let Some(error) = create(env.raw(), class, &code, &message) {
            if let Error::Io {
                source,
                syscall,
                path,
            } = &err
            {
                set_number(env.raw(), error, "errno", os_errno(source));
                set_string(env.raw(), error, "syscall", syscall);
                if let Some(path) = path {
                    set_string(env.raw(), error, "path", &path.to_string_lossy());
                }
            }
            sys::napi_throw(env.raw(), error);
        }
    }
    napi::Error::new(Status::PendingException, message)
}

/// Throws a `TypeError` with `code: 'ERR_INVALID_ARG_TYPE'` for arguments the facade could not
/// have validated (it always does; this keeps the binding safe when called directly).
pub fn invalid_arg(env: &Env, message: &str) -> napi::Error {
    // SAFETY: as in `throw`.
    unsafe {
        if let Some(error) = create(env.raw(), Class::TypeError, "ERR_INVALID_ARG_TYPE", message) {
            sys::napi_throw(env.raw(), error);
        }
    }
    napi::Error::new(Status::PendingException, message.to_owned())
}

fn describe(err: &Error) -> (Class, String, String) {
    match err {
        Error::Io {
            source,
            syscall,
            path,
        } => {
            let code = os_code(source).to_owned();
            let detail = os_detail(source);
            let mut message = match path {
                Some(path) => format!("{code}: {detail}, {syscall} '{}'", path.display()),
                None => format!("{code}: {detail}, {syscall}"),
            };
            if let Some(hint) = err.hint() {
                message.push_str("; ");
                message.push_str(hint);
            }
            (Class::Error, code, message)
        }
        Error::OutOfRange(message) => (
            Class::RangeError,
            "ERR_OUT_OF_RANGE".into(),
            message.clone(),
        ),
        Error::Limit { .. } => (Class::Error, "ERR_SMMAP_LIMIT".into(), err.to_string()),
        Error::ClientCount(message) => (
            Class::Error,
            "ERR_SMMAP_CLIENT_COUNT".into(),
            message.clone(),
        ),
        Error::Closed => (
            Class::Error,
            "ERR_SMMAP_CLOSED".into(),
            "the manager is closed".into(),
        ),
        Error::UnknownRegion(_) => (
            Class::Error,
            "ERR_SMMAP_INVALID_CURSOR".into(),
            err.to_string(),
        ),
        Error::UnknownFile(_) => (
            Class::Error,
            "ERR_SMMAP_UNASSOCIATED".into(),
            err.to_string(),
        ),
    }
}

/// The OS's description in the lower-case form libuv (and so `fs`) uses.
fn os_detail(source: &std::io::Error) -> String {
    let text = source.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text);
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Node reports `errno` as the negated POSIX number (libuv's convention).
fn os_errno(source: &std::io::Error) -> f64 {
    -f64::from(source.raw_os_error().unwrap_or(0))
}

#[cfg(unix)]
fn os_code(source: &std::io::Error) -> &'static str {
    match source.raw_os_error() {
        Some(libc::ENOENT) => "ENOENT",
        Some(libc::EACCES) => "EACCES",
        Some(libc::EPERM) => "EPERM",
        Some(libc::EBADF) => "EBADF",
        Some(libc::EMFILE) => "EMFILE",
        Some(libc::ENFILE) => "ENFILE",
        Some(libc::ENOMEM) => "ENOMEM",
        Some(libc::EINVAL) => "EINVAL",
        Some(libc::EISDIR) => "EISDIR",
        Some(libc::ENOTDIR) => "ENOTDIR",
        Some(libc::ENODEV) => "ENODEV",
        Some(libc::ELOOP) => "ELOOP",
        Some(libc::ENAMETOOLONG) => "ENAMETOOLONG",
        Some(libc::EOVERFLOW) => "EOVERFLOW",
        Some(libc::EAGAIN) => "EAGAIN",
        Some(libc::EFBIG) => "EFBIG",
        Some(libc::EIO) => "EIO",
        _ => "UNKNOWN",
    }
}

#[cfg(windows)]
fn os_code(source: &std::io::Error) -> &'static str {
    // Win32 error numbers, mapped as libuv maps them.
    match source.raw_os_error() {
        Some(2) | Some(3) => "ENOENT",
        Some(5) => "EACCES",
        Some(6) => "EBADF",
        Some(4) => "EMFILE",
        Some(8) | Some(14) => "ENOMEM",
        Some(87) => "EINVAL",
        _ => "UNKNOWN",
    }
}

// The helpers below share one contract.
//
// # Safety
//
// `env` is the live environment of the current Node-API call and `object` a value created in
// it during that call; the values they make are used before the call returns.

unsafe fn create(
    env: sys::napi_env,
    class: Class,
    code: &str,
    message: &str,
) -> Option<sys::napi_value> {
    let code = js_string(env, code)?;
    let message = js_string(env, message)?;
    let mut error = ptr::null_mut();
    let status = match class {
        Class::Error => sys::napi_create_error(env, code, message, &mut error),
        Class::RangeError => sys::napi_create_range_error(env, code, message, &mut error),
        Class::TypeError => sys::napi_create_type_error(env, code, message, &mut error),
    };
    (status == sys::Status::napi_ok).then_some(error)
}

unsafe fn js_string(env: sys::napi_env, text: &str) -> Option<sys::napi_value> {
    let mut value = ptr::null_mut();
    let status =
        sys::napi_create_string_utf8(env, text.as_ptr().cast(), text.len() as isize, &mut value);
    (status == sys::Status::napi_ok).then_some(value)
}

unsafe fn set_string(env: sys::napi_env, object: sys::napi_value, key: &str, text: &str) {
    if let Some(value) = js_string(env, text) {
        set(env, object, key, value);
    }
}

unsafe fn set_number(env: sys::napi_env, object: sys::napi_value, key: &str, number: f64) {
    let mut value = ptr::null_mut();
    if sys::napi_create_double(env, number, &mut value) == sys::Status::napi_ok {
        set(env, object, key, value);
    }
}

unsafe fn set(env: sys::napi_env, object: sys::napi_value, key: &str, value: sys::napi_value) {
    if let Ok(key) = CString::new(key) {
        sys::napi_set_named_property(env, object, key.as_ptr(), value);
    }
}
