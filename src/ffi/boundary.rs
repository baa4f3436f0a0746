//! The panic boundary and argument checks every export goes through.

use std::any::Any;
use std::cell::RefCell;
use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::result::epp_result;

/// What the body of an export returns: `Err` carries the failure.
pub(crate) type Res = Result<(), epp_result>;

thread_local! {
    /// The detail of the failure being reported by the export running on
    /// this thread (set by [`detail`], moved into `LAST_ERROR` by
    /// [`guard`]).
    static DETAIL: RefCell<Option<String>> = const { RefCell::new(None) };
    /// What `epp_last_error` hands out: the text of the latest failed call
    /// on this thread.
    static LAST_ERROR: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Records the detail of the failure the running export is about to
/// return (the argument and its value, or a session's error text), for
/// `epp_last_error` and the sessions' `_get_last_error`.
pub(crate) fn detail(msg: String) {
    // try_with: never panics, even while the thread is being torn down.
    let _ = DETAIL.try_with(|d| {
        if let Ok(mut d) = d.try_borrow_mut() {
            *d = Some(msg);
        }
    });
}

/// `EPP_RESULT_INVALID_ARGUMENT`, with a text naming the argument and its
/// value (`"result_code: 1234 is not an EPP result code"`).
pub(crate) fn invalid(msg: String) -> epp_result {
    detail(msg);
    epp_result::InvalidArgument
}

/// The detail recorded so far by the running export, if any.
pub(crate) fn peek_detail() -> Option<String> {
    DETAIL
        .try_with(|d| d.try_borrow().ok().and_then(|d| d.clone()))
        .ok()
        .flatten()
}

fn take_detail() -> Option<String> {
    DETAIL
        .try_with(|d| d.try_borrow_mut().ok().and_then(|mut d| d.take()))
        .ok()
        .flatten()
}

/// Ends an export: a failure leaves its text for `epp_last_error`.
fn finish(r: epp_result) -> epp_result {
    let detail = take_detail();
    if r != epp_result::Ok {
        let text = detail.unwrap_or_else(|| r.text().to_owned());
        let _ = LAST_ERROR.try_with(|e| {
            if let Ok(mut e) = e.try_borrow_mut() {
                *e = Some(text);
            }
        });
    }
    r
}

/// Runs `f` with the text of the latest failed call on this thread (None
/// before any failure).
pub(crate) fn with_last_error<T>(f: impl FnOnce(Option<&str>) -> T) -> T {
    let mut f = Some(f);
    let r = LAST_ERROR.try_with(|e| {
        let f = f.take().expect("called once");
        match e.try_borrow() {
            Ok(e) => f(e.as_deref()),
            Err(_) => f(None),
        }
    });
    match r {
        Ok(v) => v,
        // The thread is being torn down: there is no text.
        Err(_) => (f.take().expect("not called"))(None),
    }
}

/// Runs the body of an export, turning a panic into `EPP_RESULT_PANIC`.
/// A failure's text (the detail recorded with [`detail`] or [`invalid`],
/// else the result's description) becomes `epp_last_error`'s.
pub(crate) fn guard(f: impl FnOnce() -> Res) -> epp_result {
    finish(match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => epp_result::Ok,
        Ok(Err(e)) => e,
        Err(payload) => {
            let msg = panic_message(payload);
            detail(format!("panic in libepp: {msg}"));
            epp_result::Panic
        }
    })
}

/// Runs the body of an export that returns nothing (the `_free`
/// functions): a panic is swallowed.
pub(crate) fn guard_void(f: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(f)) {
        panic_message(payload);
    }
}

/// The text of a panic payload; the payload is dropped without letting a
/// panicking destructor escape.
pub(crate) fn panic_message(payload: Box<dyn Any + Send>) -> String {
    let msg = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_owned()
    };
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
    msg
}

/// A checked out-parameter, written only once the call has succeeded.
pub(crate) struct Out<T>(NonNull<T>);

impl<T> Out<T> {
    /// Writes the value (without reading or dropping what was there).
    pub(crate) fn write(self, v: T) {
        // SAFETY: `out` checked non-NULL and alignment; the caller of `out`
        // promised the pointer is writable.
        unsafe { self.0.as_ptr().write(v) }
    }
}

/// Checks an out-parameter: NULL is `EPP_RESULT_NULL_PARAMETER`, a
/// misaligned pointer `EPP_RESULT_INVALID_ARGUMENT`.
///
/// Safety: `p`, when non-NULL and aligned, must be valid for writes of `T`.
pub(crate) unsafe fn out<T>(p: *mut T) -> Result<Out<T>, epp_result> {
    let p = NonNull::new(p).ok_or(epp_result::NullParameter)?;
    if (p.as_ptr() as usize) % std::mem::align_of::<T>() != 0 {
        return Err(invalid(format!(
            "out-parameter {:p} is not aligned to {} bytes",
            p.as_ptr(),
            std::mem::align_of::<T>()
        )));
    }
    Ok(Out(p))
}

/// A checked (pointer, length) pair of out-parameters for a string or
/// bytes handed to C.
pub(crate) struct OutSlice(Out<*const c_char>, Out<usize>);

impl OutSlice {
    /// Writes a borrowed string, or (NULL, 0) for an absent one.
    pub(crate) fn write(self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.0.write(s.as_ptr().cast());
                self.1.write(s.len());
            }
            None => {
                self.0.write(std::ptr::null());
                self.1.write(0);
            }
        }
    }
}

/// Checks the out-parameters of a string getter.
///
/// Safety: as for [`out`].
pub(crate) unsafe fn out_str(
    ptr: *mut *const c_char,
    len: *mut usize,
) -> Result<OutSlice, epp_result> {
    Ok(OutSlice(unsafe { out(ptr)? }, unsafe { out(len)? }))
}

/// Checks a length: slices may not exceed `isize::MAX` bytes.
fn check_len(len: usize) -> Result<usize, epp_result> {
    if len > isize::MAX as usize {
        Err(epp_result::InvalidLength)
    } else {
        Ok(len)
    }
}

/// Borrows `len` bytes at `p`. NULL is refused even when `len` is 0.
///
/// Safety: `p`, when non-NULL, must be valid for reads of `len` bytes for
/// `'a`.
pub(crate) unsafe fn bytes<'a>(p: *const u8, len: usize) -> Result<&'a [u8], epp_result> {
    if p.is_null() {
        return Err(epp_result::NullParameter);
    }
    let len = check_len(len)?;
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// Borrows an optional array of `len` items at `p`: (NULL, 0) is the empty
/// array; NULL with a length is `EPP_RESULT_NULL_PARAMETER`, an array of
/// more than `isize::MAX` bytes `EPP_RESULT_INVALID_LENGTH`, a misaligned
/// pointer `EPP_RESULT_INVALID_ARGUMENT`.
///
/// Safety: `p`, when non-NULL and aligned, must be valid for reads of
/// `len` items for `'a`.
pub(crate) unsafe fn opt_array<'a, T>(p: *const T, len: usize) -> Result<&'a [T], epp_result> {
    if p.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(epp_result::NullParameter)
        };
    }
    let size = std::mem::size_of::<T>().max(1);
    if len > isize::MAX as usize / size {
        return Err(epp_result::InvalidLength);
    }
    if (p as usize) % std::mem::align_of::<T>() != 0 {
        return Err(invalid(format!(
            "array {p:p} is not aligned to {} bytes",
            std::mem::align_of::<T>()
        )));
    }
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// Borrows a UTF-8 string given as (pointer, length); no NUL terminator is
/// needed and NUL bytes are part of the string.
///
/// Safety: as for [`bytes`].
pub(crate) unsafe fn string<'a>(p: *const c_char, len: usize) -> Result<&'a str, epp_result> {
    let b = unsafe { bytes(p.cast(), len)? };
    std::str::from_utf8(b).map_err(|_| epp_result::InvalidUtf8)
}

/// Like [`string`], for an optional argument: (NULL, 0) means absent.
///
/// Safety: as for [`bytes`].
pub(crate) unsafe fn opt_string<'a>(
    p: *const c_char,
    len: usize,
) -> Result<Option<&'a str>, epp_result> {
    if p.is_null() && len == 0 {
        return Ok(None);
    }
    unsafe { string(p, len) }.map(Some)
}

/// Copies `data` and a terminating NUL into the caller's buffer.
///
/// Safety: `buf`, when non-NULL, must be valid for writes of `len` bytes.
pub(crate) unsafe fn out_bytes(buf: *mut u8, len: usize, data: &[u8]) -> Res {
    if buf.is_null() {
        return Err(epp_result::NullParameter);
    }
    let len = check_len(len)?;
    if data.len() >= len {
        return Err(epp_result::InsufficientSize);
    }
    // SAFETY: checked above: non-NULL, room for data and the NUL.
    unsafe {
        std::ptr::copy_nonoverlapping(data.as_ptr(), buf, data.len());
        buf.add(data.len()).write(0);
    }
    Ok(())
}

/// Borrows a handle. NULL is `EPP_RESULT_NULL_PARAMETER`.
///
/// Safety: `p`, when non-NULL, must be a live handle of this type, not used
/// mutably elsewhere during `'a`.
pub(crate) unsafe fn handle<'a, T>(p: *const T) -> Result<&'a T, epp_result> {
    unsafe { p.as_ref() }.ok_or(epp_result::NullParameter)
}

/// Borrows a handle mutably. NULL is `EPP_RESULT_NULL_PARAMETER`.
///
/// Safety: `p`, when non-NULL, must be a live handle of this type, not used
/// elsewhere during `'a`.
pub(crate) unsafe fn handle_mut<'a, T>(p: *mut T) -> Result<&'a mut T, epp_result> {
    unsafe { p.as_mut() }.ok_or(epp_result::NullParameter)
}

/// Hands a new handle to C.
pub(crate) fn into_handle<T>(v: T) -> *mut T {
    Box::into_raw(Box::new(v))
}

/// Takes back and drops a handle; NULL is ignored.
///
/// Safety: `p` must be NULL or a live handle made by [`into_handle`], not
/// used again.
pub(crate) unsafe fn free_handle<T>(p: *mut T) {
    if !p.is_null() {
        drop(unsafe { Box::from_raw(p) });
    }
}

/// Unix milliseconds to a time.
pub(crate) fn time_from_ms(ms: u64) -> Result<SystemTime, epp_result> {
    UNIX_EPOCH
        .checked_add(Duration::from_millis(ms))
        .ok_or_else(|| invalid(format!("now_ms: {ms} is not a representable time")))
}

/// A time to Unix milliseconds, rounded up (so a deadline reported in
/// milliseconds has passed once that millisecond is reached); times before
/// the epoch are 0, times past `u64::MAX - 1` milliseconds saturate there.
pub(crate) fn ms_from_time(t: SystemTime) -> u64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => {
            let ms = d.as_millis() + u128::from(d.subsec_nanos() % 1_000_000 != 0);
            u64::try_from(ms).unwrap_or(u64::MAX - 1).min(u64::MAX - 1)
        }
        Err(_) => 0,
    }
}
