//! `epp_transaction`: the per-response audit records of the transaction
//! log.

use std::ffi::c_char;

use super::boundary::{free_handle, guard, guard_void, handle, ms_from_time, out, out_str, Res};
use super::result::epp_result;
use crate::TransactionRecord;

/// One response the session wrote, for the host's audit log: taken by
/// `epp_session_poll_transaction` when the config keeps a transaction log
/// (`epp_config_builder_set_transaction_log`). It owns its data: strings it
/// hands out stay valid until it is freed with `epp_transaction_free`.
pub struct epp_transaction {
    pub(crate) inner: TransactionRecord,
}

fn with_transaction(
    t: *const epp_transaction,
    f: impl FnOnce(&TransactionRecord) -> Res,
) -> epp_result {
    guard(|| f(&unsafe { handle(t)? }.inner))
}

fn string_getter(
    t: *const epp_transaction,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
    get: impl FnOnce(&TransactionRecord) -> Option<&str>,
) -> epp_result {
    with_transaction(t, |t| {
        let o = unsafe { out_str(out_ptr, out_len)? };
        o.write(get(t));
        Ok(())
    })
}

/// Frees a record (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn epp_transaction_free(transaction: *mut epp_transaction) {
    guard_void(|| unsafe { free_handle(transaction) })
}

/// What was answered: "hello", "login", "logout", "poll req", "poll ack",
/// an object verb ("check", "info", ...), "extension" (a protocol
/// extension, `<epp><extension>`), "invalid" (a frame refused with 2000 or
/// 2001) or "frame" (a frame length refused with 2500).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_transaction_get_command(
    transaction: *const epp_transaction,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    string_getter(transaction, out_ptr, out_len, |t| Some(t.command.as_str()))
}

/// Writes the result code of the response to `*out_code`; 0 for a greeting.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_transaction_get_result_code(
    transaction: *const epp_transaction,
    out_code: *mut u16,
) -> epp_result {
    with_transaction(transaction, |t| {
        let o = unsafe { out(out_code)? };
        o.write(t.code.map_or(0, |c| c.code()));
        Ok(())
    })
}

/// The logged-in client, or for a login the clID it tried; (NULL, 0) when
/// there is none.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_transaction_get_client_id(
    transaction: *const epp_transaction,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    string_getter(transaction, out_ptr, out_len, |t| t.client_id.as_deref())
}

/// The clTRID as echoed; (NULL, 0) when the response has none.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_transaction_get_client_transaction_id(
    transaction: *const epp_transaction,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    string_getter(transaction, out_ptr, out_len, |t| {
        t.client_transaction_id.as_ref().map(|c| c.as_str())
    })
}

/// The svTRID; (NULL, 0) for a greeting.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_transaction_get_server_transaction_id(
    transaction: *const epp_transaction,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    string_getter(transaction, out_ptr, out_len, |t| {
        t.server_transaction_id.as_deref()
    })
}

/// Writes to `*out_at_ms` when the frame answered was read: the `now_ms` passed
/// with it.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_transaction_get_received_at(
    transaction: *const epp_transaction,
    out_at_ms: *mut u64,
) -> epp_result {
    with_transaction(transaction, |t| {
        let o = unsafe { out(out_at_ms)? };
        o.write(ms_from_time(t.received_at));
        Ok(())
    })
}
