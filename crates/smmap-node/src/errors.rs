//! Core errors become JavaScript errors through one factory the facade registers at load
//! (`setErrorFactory`): this side only describes an error (its class, code, message and, for
//! OS failures, the `errno`, `syscall` and `path` that `fs` sets), so every error the package
//! throws is built in one place and worded once.

use std::cell::Cell;
use std::ptr;

use napi::{sys, Env, JsValue, Status};
use napi_derive::napi;
use smmap_core::Error;

thread_local! {
    /// The factory of the environment on this thread (the main thread or one worker each),
    /// as `(env, reference)`. Never freed: it lives as long as the environment's thread.
    static FACTORY: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// Registers `factory(className, code, message, errno?, syscall?, path?) => Error`, the one
/// place errors are built.
#[napi(
    ts_args_type = "factory: (className: string, code: string, message: string, errno?: number, syscall?: string, path?: string) => Error"
)]
pub fn set_error_factory(env: Env, factory: napi::bindgen_prelude::Unknown) -> napi::Result<()> {
    let mut reference = ptr::null_mut();
    // SAFETY: `factory` is a value of this call's environment; a strong reference keeps the
    // function alive for the life of the environment.
    let status = unsafe { sys::napi_create_reference(env.raw(), factory.raw(), 1, &mut reference) };
    if status != sys::Status::napi_ok {
        return Err(napi::Error::from_reason("could not keep the error factory"));
    }
    FACTORY.with(|cell| cell.set((env.raw() as usize, reference as usize)));
    Ok(())
}

/// Throws `err` as a JavaScript exception and returns the marker napi-rs uses to leave it
/// pending instead of throwing a second error over it.
pub fn throw(env: &Env, err: Error) -> napi::Error {
    throw_with(env, err, None)
}

/// [`throw`], with `more` to say after the core's own hint: what only the host knows.
pub fn throw_with(env: &Env, err: Error, more: Option<String>) -> napi::Error {
    let mut description = describe(&err);
    if let Some(more) = more {
        description.message.push_str("; ");
        description.message.push_str(&more);
    }
    // SAFETY: `env` is the live environment of the current call.
    unsafe { throw_described(env.raw(), &description) };
    napi::Error::new(Status::PendingException, description.message)
}

/// Throws a `TypeError` with `code: 'ERR_INVALID_ARG_TYPE'` for arguments the facade could not
/// have validated (it always does; this keeps the binding safe when called directly).
pub fn invalid_arg(env: &Env, message: &str) -> napi::Error {
    let description = Description {
        class: "TypeError",
        code: "ERR_INVALID_ARG_TYPE".into(),
        message: message.to_owned(),
        os: None,
    };
    // SAFETY: as in `throw`.
    unsafe { throw_described(env.raw(), &description) };
    napi::Error::new(Status::PendingException, message.to_owned())
}

struct Description {
    class: &'static str,
    code: String,
    message: String,
    /// `errno`, `syscall` and `path`, for OS failures.
    os: Option<(f64, &'static str, Option<String>)>,
}

fn describe(err: &Error) -> Description {
    let (class, code) = match err {
        Error::Io { source, .. } => ("Error", os_code(source)),
        Error::OutOfRange(_) => ("RangeError", "ERR_OUT_OF_RANGE".into()),
        Error::Limit { .. } => ("Error", "ERR_SMMAP_LIMIT".into()),
        Error::ClientCount(_) => ("Error", "ERR_SMMAP_CLIENT_COUNT".into()),
        Error::Closed => ("Error", "ERR_SMMAP_CLOSED".into()),
        Error::UnknownRegion(_) => ("Error", "ERR_SMMAP_INVALID_CURSOR".into()),
        Error::UnknownFile(_) => ("Error", "ERR_SMMAP_UNASSOCIATED".into()),
    };
    let Error::Io {
        source,
        syscall,
        path,
    } = err
    else {
        return Description {
            class,
            code,
            message: err.to_string(),
            os: None,
        };
    };
    // Worded as `fs` words it: "ENOENT: no such file or directory, open '/x'", then the hint.
    let mut message = format!("{code}: {}, {syscall}", os_detail(source));
    if let Some(path) = path {
        message.push_str(&format!(" '{}'", path.display()));
    }
    if let Some(hint) = err.hint() {
        message.push_str("; ");
        message.push_str(hint);
    }
    let path = path.as_ref().map(|p| p.to_string_lossy().into_owned());
    Description {
        class,
        code,
        message,
        os: Some((os_errno(source), syscall, path)),
    }
}

/// # Safety
///
/// `env` is the live environment of the current Node-API call.
unsafe fn throw_described(env: sys::napi_env, description: &Description) {
    let error = unsafe { build(env, description) };
    if let Some(error) = error {
        // SAFETY: as above; `error` was made in this call.
        unsafe { sys::napi_throw(env, error) };
    }
}

/// The error object, from the facade's factory (or, if none was registered because the
/// binding is used on its own, a plain `Error` with the code).
///
/// # Safety
///
/// As [`throw_described`].
unsafe fn build(env: sys::napi_env, d: &Description) -> Option<sys::napi_value> {
    let (factory_env, reference) = FACTORY.with(Cell::get);
    // SAFETY: every value below is created in `env` during this call.
    unsafe {
        let code = js_string(env, &d.code)?;
        let message = js_string(env, &d.message)?;
        if factory_env != env as usize || reference == 0 {
            let mut error = ptr::null_mut();
            let status = sys::napi_create_error(env, code, message, &mut error);
            return (status == sys::Status::napi_ok).then_some(error);
        }
        let mut factory = ptr::null_mut();
        let status = sys::napi_get_reference_value(env, reference as sys::napi_ref, &mut factory);
        if status != sys::Status::napi_ok {
            return None;
        }
        let mut args = vec![js_string(env, d.class)?, code, message];
        if let Some((errno, syscall, path)) = &d.os {
            args.push(js_number(env, *errno)?);
            args.push(js_string(env, syscall)?);
            if let Some(path) = path {
                args.push(js_string(env, path)?);
            }
        }
        let mut global = ptr::null_mut();
        sys::napi_get_global(env, &mut global);
        let mut error = ptr::null_mut();
        let status =
            sys::napi_call_function(env, global, factory, args.len(), args.as_ptr(), &mut error);
        (status == sys::Status::napi_ok).then_some(error)
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
#[cfg(unix)]
fn os_errno(source: &std::io::Error) -> f64 {
    -f64::from(source.raw_os_error().unwrap_or(0))
}

#[cfg(unix)]
fn os_code(source: &std::io::Error) -> String {
    unix_code(source).to_owned()
}

#[cfg(unix)]
fn unix_code(source: &std::io::Error) -> &'static str {
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
        // libuv has no name for it; `fs` never meets it, this package does (a file replaced
        // at its path once nothing of the old one is mapped).
        Some(libc::ESTALE) => "ESTALE",
        _ => "UNKNOWN",
    }
}

/// On Windows `fs` reports libuv's own numbers (ENOENT is -4058), translated from the Win32
/// error: asked of the libuv inside node.exe, which exports its translation for addons, so the
/// code and errno are exactly what `fs` gives for the same failure.
#[cfg(windows)]
fn os_errno(source: &std::io::Error) -> f64 {
    f64::from(uv_error(source).0)
}

#[cfg(windows)]
fn os_code(source: &std::io::Error) -> String {
    uv_error(source).1
}

/// libuv's (errno, code) for the Win32 error in `source`.
#[cfg(windows)]
fn uv_error(source: &std::io::Error) -> (i32, String) {
    use std::ffi::{c_char, CStr};
    type Translate = unsafe extern "C" fn(i32) -> i32;
    type ErrName = unsafe extern "C" fn(i32) -> *const c_char;
    type Exported = unsafe extern "system" fn() -> isize;
    static HOST: std::sync::OnceLock<Option<(Translate, ErrName)>> = std::sync::OnceLock::new();
    let Some(win32) = source.raw_os_error() else {
        return (0, "UNKNOWN".into());
    };
    let host = *HOST.get_or_init(|| {
        let translate = smmap_core::host_symbol(c"uv_translate_sys_error")?;
        let err_name = smmap_core::host_symbol(c"uv_err_name")?;
        // SAFETY: libuv declares `int uv_translate_sys_error(int sys_errno)` and `const char*
        // uv_err_name(int err)`: the exported addresses have exactly these types.
        unsafe {
            Some((
                std::mem::transmute::<Exported, Translate>(translate),
                std::mem::transmute::<Exported, ErrName>(err_name),
            ))
        }
    });
    if let Some((translate, err_name)) = host {
        // SAFETY: translate is a pure mapping; uv_err_name returns a NUL-terminated string for
        // every code (static for the ones translate returns).
        unsafe {
            let errno = translate(win32);
            let name = err_name(errno);
            if !name.is_null() {
                return (errno, CStr::from_ptr(name).to_string_lossy().into_owned());
            }
        }
    }
    // A host without libuv's exports: the Win32 errors the core meets, translated as libuv does.
    let (errno, code) = match win32 {
        2 | 3 | 15 | 123 | 161 => (-4058, "ENOENT"),
        5 => (-4048, "EPERM"),
        998 => (-4092, "EACCES"),
        1 => (-4068, "EISDIR"),
        267 => (-4052, "ENOTDIR"),
        6 => (-4083, "EBADF"),
        4 => (-4066, "EMFILE"),
        8 | 14 => (-4057, "ENOMEM"),
        87 => (-4071, "EINVAL"),
        32 | 33 => (-4082, "EBUSY"),
        80 | 183 => (-4075, "EEXIST"),
        206 => (-4064, "ENAMETOOLONG"),
        112 => (-4055, "ENOSPC"),
        _ => (-4094, "UNKNOWN"),
    };
    (errno, code.into())
}

// The helpers below share one contract.
//
// # Safety
//
// `env` is the live environment of the current Node-API call; the values they make are used
// before the call returns.

unsafe fn js_string(env: sys::napi_env, text: &str) -> Option<sys::napi_value> {
    let mut value = ptr::null_mut();
    // SAFETY: the caller's contract; `text` outlives the call.
    let status = unsafe {
        sys::napi_create_string_utf8(env, text.as_ptr().cast(), text.len() as isize, &mut value)
    };
    (status == sys::Status::napi_ok).then_some(value)
}

unsafe fn js_number(env: sys::napi_env, number: f64) -> Option<sys::napi_value> {
    let mut value = ptr::null_mut();
    // SAFETY: the caller's contract.
    let status = unsafe { sys::napi_create_double(env, number, &mut value) };
    (status == sys::Status::napi_ok).then_some(value)
}
