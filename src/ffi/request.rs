//! `epp_request`: what `epp_session_poll_queue` hands out.

use std::ffi::c_char;

use super::boundary::{free_handle, guard, guard_void, handle, out, out_str, Res};
use super::result::epp_result;
use crate::{CloseReason, CommandVerb, Request, TransferOp, UserAgent};

/// A request the host must decide, taken from a session's queue by
/// `epp_session_poll_queue`. It owns its data, independent of the session:
/// strings it hands out stay valid until it is freed with
/// `epp_request_free`. Answer it through the session, naming its id
/// (`epp_request_get_id`); freeing it does not answer it.
pub struct epp_request {
    inner: Request,
    close_text: Option<String>,
    /// The svTRID as text, written on the first
    /// `epp_request_get_server_transaction_id` (most hosts never ask).
    sv_trid_text: std::cell::OnceCell<String>,
}

impl epp_request {
    pub(crate) fn new(inner: Request) -> epp_request {
        let close_text = match &inner {
            Request::SessionEnd(e) => Some(e.reason.to_string()),
            _ => None,
        };
        epp_request {
            inner,
            close_text,
            sv_trid_text: std::cell::OnceCell::new(),
        }
    }
}

/// What kind of request an `epp_request` is; it says which getters apply.
/// Values are never reused; new kinds are added at the end. Every kind but
/// `EPP_REQUEST_KIND_SESSION_END` takes an answer, and
/// `epp_session_answer_failure` fits them all.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum epp_request_kind {
    /// A `<login>` that passed every protocol check: authenticate it and
    /// answer with `epp_session_answer_login` (or
    /// `epp_session_answer_login_with_events`). Getters: id, client id,
    /// password, new password, lang, objURIs, extURIs, extension XML,
    /// clTRID, svTRID, user agent (app, tech, os).
    Login = 1,
    /// `<poll op="req">`: answer with `epp_session_answer_poll_empty` or
    /// `epp_session_answer_poll_message`. Getters: id, client id, extension
    /// XML, clTRID, svTRID.
    Poll = 2,
    /// `<poll op="ack" msgID>`: answer with `epp_session_answer_ack` or
    /// `epp_session_answer_ack_unknown`. Getters: id, client id, message id,
    /// extension XML, clTRID, svTRID.
    PollAck = 3,
    /// An object command (check, info, create...): answer with
    /// `epp_session_answer_command`. Getters: id, client id, verb, transfer
    /// op, object URI, object XML, extURIs, extension XML, clTRID, svTRID.
    Command = 4,
    /// The session processes no more input. Needs no answer: write the
    /// remaining output and close the connection once
    /// `epp_session_is_finished` says so. Getters: close reason, close
    /// detail, close reason text.
    SessionEnd = 5,
    /// A protocol extension (RFC 3735: `<epp><extension>`, a command
    /// outside `<command>`) whose every element's namespace the client
    /// logged in with: answer with `epp_session_answer_command` (or
    /// `epp_session_answer_failure`). Getters: id, client id, extURIs (the
    /// namespace of each element, in order), extension XML (the elements,
    /// never absent), svTRID. It has no EPP clTRID (a transaction id, if any, is
    /// the extension's own): `epp_request_get_client_transaction_id` is
    /// `EPP_RESULT_NOT_APPLICABLE`.
    Extension = 6,
}

/// The verb of an object command.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum epp_command_verb {
    /// `<check>`.
    Check = 1,
    /// `<info>`.
    Info = 2,
    /// `<create>`.
    Create = 3,
    /// `<update>`.
    Update = 4,
    /// `<delete>`.
    Delete = 5,
    /// `<renew>`.
    Renew = 6,
    /// `<transfer>`.
    Transfer = 7,
}

/// The `op` of a `<transfer>` command.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum epp_transfer_op {
    /// The command is not a transfer.
    None = 0,
    /// `op="request"`.
    Request = 1,
    /// `op="approve"`.
    Approve = 2,
    /// `op="cancel"`.
    Cancel = 3,
    /// `op="query"`.
    Query = 4,
    /// `op="reject"`.
    Reject = 5,
}

/// Why a session ended.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum epp_close_reason {
    /// The session has not ended.
    None = 0,
    /// The client sent `<logout>`.
    Logout = 1,
    /// The client did not log in before the login deadline.
    LoginDeadline = 2,
    /// No frame arrived for the idle timeout.
    IdleTimeout = 3,
    /// A frame length could not be accepted (2500 was sent). Details:
    /// `EPP_CLOSE_DETAIL_FRAME_LENGTH`, `EPP_CLOSE_DETAIL_FRAME_LIMIT`.
    BadFrameLength = 4,
    /// The peer closed its side between frames.
    PeerClosed = 5,
    /// The peer closed its side inside a frame. Detail:
    /// `EPP_CLOSE_DETAIL_BYTES_RECEIVED`.
    PeerClosedMidFrame = 6,
    /// Too many failed logins (2501 was sent).
    TooManyFailedLogins = 7,
    /// The registrar is over its session limit (2502 was sent).
    SessionLimitExceeded = 8,
    /// The host answered with a 25xx code, which closes the session.
    /// Detail: `EPP_CLOSE_DETAIL_RESULT_CODE`.
    ClosingResponse = 9,
    /// The host closed the session (`epp_session_close`).
    Host = 10,
}

/// Selects a number that comes with some close reasons: one of the
/// `EPP_CLOSE_DETAIL_*` values.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct epp_close_detail(pub u32);

/// `EPP_CLOSE_REASON_BAD_FRAME_LENGTH`: the length the client announced.
pub const EPP_CLOSE_DETAIL_FRAME_LENGTH: epp_close_detail = epp_close_detail(1);
/// `EPP_CLOSE_REASON_BAD_FRAME_LENGTH`: the largest length accepted.
pub const EPP_CLOSE_DETAIL_FRAME_LIMIT: epp_close_detail = epp_close_detail(2);
/// `EPP_CLOSE_REASON_PEER_CLOSED_MID_FRAME`: bytes of the unfinished frame
/// received, header included.
pub const EPP_CLOSE_DETAIL_BYTES_RECEIVED: epp_close_detail = epp_close_detail(3);
/// `EPP_CLOSE_REASON_CLOSING_RESPONSE`: the 25xx result code (and the
/// client's `EPP_CLIENT_CLOSE_REASON_SERVER_CLOSING`).
pub const EPP_CLOSE_DETAIL_RESULT_CODE: epp_close_detail = epp_close_detail(4);
/// Client sessions only, `EPP_CLIENT_CLOSE_REASON_RESPONSE_OVERDUE`: the id
/// of the command whose response did not come.
pub const EPP_CLOSE_DETAIL_COMMAND_ID: epp_close_detail = epp_close_detail(5);
/// Client sessions only, `EPP_CLIENT_PROTOCOL_ERROR_UNEXPECTED_GREETING`:
/// the kind (an `epp_client_command_kind` value) of the command the
/// greeting came in answer to.
pub const EPP_CLOSE_DETAIL_COMMAND_KIND: epp_close_detail = epp_close_detail(6);

/// Whether `which` is an `EPP_CLOSE_DETAIL_*` value.
pub(crate) fn is_close_detail(which: epp_close_detail) -> bool {
    (1..=6).contains(&which.0)
}

pub(crate) fn close_reason_value(r: Option<&CloseReason>) -> epp_close_reason {
    // Exhaustive on purpose: a new CloseReason needs its own value.
    match r {
        None => epp_close_reason::None,
        Some(CloseReason::Logout) => epp_close_reason::Logout,
        Some(CloseReason::LoginDeadline) => epp_close_reason::LoginDeadline,
        Some(CloseReason::IdleTimeout) => epp_close_reason::IdleTimeout,
        Some(CloseReason::BadFrameLength { .. }) => epp_close_reason::BadFrameLength,
        Some(CloseReason::PeerClosed) => epp_close_reason::PeerClosed,
        Some(CloseReason::PeerClosedMidFrame { .. }) => epp_close_reason::PeerClosedMidFrame,
        Some(CloseReason::TooManyFailedLogins) => epp_close_reason::TooManyFailedLogins,
        Some(CloseReason::SessionLimitExceeded) => epp_close_reason::SessionLimitExceeded,
        Some(CloseReason::ClosingResponse(_)) => epp_close_reason::ClosingResponse,
        Some(CloseReason::Host) => epp_close_reason::Host,
    }
}

pub(crate) fn close_detail_value(
    r: Option<&CloseReason>,
    which: epp_close_detail,
) -> Result<u64, epp_result> {
    if !is_close_detail(which) {
        return Err(super::boundary::invalid(format!(
            "which: {} is not an EPP_CLOSE_DETAIL_* value",
            which.0
        )));
    }
    match (r, which) {
        (Some(CloseReason::BadFrameLength { length, .. }), EPP_CLOSE_DETAIL_FRAME_LENGTH) => {
            Ok(u64::from(*length))
        }
        (Some(CloseReason::BadFrameLength { limit, .. }), EPP_CLOSE_DETAIL_FRAME_LIMIT) => {
            Ok(u64::from(*limit))
        }
        (Some(CloseReason::PeerClosedMidFrame { received }), EPP_CLOSE_DETAIL_BYTES_RECEIVED) => {
            Ok(*received as u64)
        }
        (Some(CloseReason::ClosingResponse(code)), EPP_CLOSE_DETAIL_RESULT_CODE) => {
            Ok(u64::from(code.code()))
        }
        _ => Err(epp_result::NotApplicable),
    }
}

fn with_request(r: *const epp_request, f: impl FnOnce(&epp_request) -> Res) -> epp_result {
    guard(|| f(unsafe { handle(r)? }))
}

/// A string getter: checks the out-parameters, then writes what `get`
/// returns (`Err` for a request of another kind).
fn string_getter(
    r: *const epp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
    get: impl FnOnce(&epp_request) -> Result<Option<&str>, epp_result>,
) -> epp_result {
    with_request(r, |r| {
        let o = unsafe { out_str(out_ptr, out_len)? };
        o.write(get(r)?);
        Ok(())
    })
}

const NA: epp_result = epp_result::NotApplicable;

/// Frees a request (NULL is ignored). Strings obtained from it become
/// invalid. An unanswered request stays outstanding in its session.
#[no_mangle]
pub unsafe extern "C" fn epp_request_free(request: *mut epp_request) {
    guard_void(|| unsafe { free_handle(request) })
}

/// Writes the request's kind to `*out_kind`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_kind(
    request: *const epp_request,
    out_kind: *mut epp_request_kind,
) -> epp_result {
    with_request(request, |r| {
        let o = unsafe { out(out_kind)? };
        o.write(match r.inner {
            Request::Login(_) => epp_request_kind::Login,
            Request::Poll(_) => epp_request_kind::Poll,
            Request::PollAck(_) => epp_request_kind::PollAck,
            Request::Command(_) => epp_request_kind::Command,
            Request::Extension(_) => epp_request_kind::Extension,
            Request::SessionEnd(_) => epp_request_kind::SessionEnd,
        });
        Ok(())
    })
}

/// Writes to `*out_id` the id to answer the request with: unique within its
/// session, never reused. Every kind but `EPP_REQUEST_KIND_SESSION_END`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_id(
    request: *const epp_request,
    out_id: *mut u64,
) -> epp_result {
    with_request(request, |r| {
        let o = unsafe { out(out_id)? };
        o.write(r.inner.id().ok_or(NA)?.get());
        Ok(())
    })
}

/// Login: the `<clID>` to authenticate. Poll, poll ack, command or
/// extension: the logged-in client (the `<clID>` of its login) the request
/// comes from.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_client_id(
    request: *const epp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    string_getter(request, out_ptr, out_len, |r| match &r.inner {
        Request::Login(l) => Ok(Some(l.client_id.as_str())),
        Request::Poll(p) => Ok(Some(&*p.client_id)),
        Request::PollAck(a) => Ok(Some(&*a.client_id)),
        Request::Command(c) => Ok(Some(&*c.client_id)),
        Request::Extension(x) => Ok(Some(&*x.client_id)),
        Request::SessionEnd(_) => Err(NA),
    })
}

/// Login: the `<pw>`. Never log it.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_password(
    request: *const epp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    string_getter(request, out_ptr, out_len, |r| match &r.inner {
        Request::Login(l) => Ok(Some(l.password.as_str())),
        _ => Err(NA),
    })
}

/// Login: the `<newPW>` to set if the login succeeds; (NULL, 0) when the
/// client sent none.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_new_password(
    request: *const epp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    string_getter(request, out_ptr, out_len, |r| match &r.inner {
        Request::Login(l) => Ok(l.new_password.as_deref()),
        _ => Err(NA),
    })
}

/// Login: the `<options><lang>` (one the server offers).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_lang(
    request: *const epp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    string_getter(request, out_ptr, out_len, |r| match &r.inner {
        Request::Login(l) => Ok(Some(l.lang.as_str())),
        _ => Err(NA),
    })
}

/// Login: how many `<svcs><objURI>` the client asked for.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_obj_uri_count(
    request: *const epp_request,
    out_count: *mut usize,
) -> epp_result {
    with_request(request, |r| {
        let o = unsafe { out(out_count)? };
        match &r.inner {
            Request::Login(l) => o.write(l.object_uris.len()),
            _ => return Err(NA),
        }
        Ok(())
    })
}

/// Login: the `<objURI>` at `index` (below `epp_request_get_obj_uri_count`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_obj_uri(
    request: *const epp_request,
    index: usize,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    string_getter(request, out_ptr, out_len, |r| match &r.inner {
        Request::Login(l) => l
            .object_uris
            .get(index)
            .map(|s| Some(s.as_str()))
            .ok_or(epp_result::IndexOutOfRange),
        _ => Err(NA),
    })
}

fn ext_uris(r: &epp_request) -> Result<&[String], epp_result> {
    match &r.inner {
        Request::Login(l) => Ok(&l.extension_uris),
        Request::Command(c) => Ok(&c.extension_uris),
        Request::Extension(x) => Ok(&x.extension_uris),
        _ => Err(NA),
    }
}

/// Login: how many `<svcExtension><extURI>` the client asked for. Command
/// or extension: how many children its `<extension>` has (their namespace
/// URIs, in order, each one the client logged in with).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_ext_uri_count(
    request: *const epp_request,
    out_count: *mut usize,
) -> epp_result {
    with_request(request, |r| {
        let o = unsafe { out(out_count)? };
        o.write(ext_uris(r)?.len());
        Ok(())
    })
}

/// Login, command or extension: the extension URI at `index` (below
/// `epp_request_get_ext_uri_count`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_ext_uri(
    request: *const epp_request,
    index: usize,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    string_getter(request, out_ptr, out_len, |r| {
        ext_uris(r)?
            .get(index)
            .map(|s| Some(s.as_str()))
            .ok_or(epp_result::IndexOutOfRange)
    })
}

/// Login, poll, poll ack or command: the children of the command's
/// `<extension>`, concatenated, each standing alone (namespace declarations
/// included); (NULL, 0) when there is none. Extension: the children of
/// `<epp><extension>`, the same way (never absent). For a login to a server
/// offering RFC 8807, `<loginSec:loginSec>` is not among them: it is read
/// into the password getters and the user agent.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_extension_xml(
    request: *const epp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    string_getter(request, out_ptr, out_len, |r| match &r.inner {
        Request::Login(l) => Ok(l.extension_xml.as_deref()),
        Request::Poll(p) => Ok(p.extension_xml.as_deref()),
        Request::PollAck(a) => Ok(a.extension_xml.as_deref()),
        Request::Command(c) => Ok(c.extension_xml.as_deref()),
        Request::Extension(x) => Ok(Some(x.extension_xml.as_str())),
        _ => Err(NA),
    })
}

/// Login, poll, poll ack or command: the `<clTRID>`, when the client sent a
/// valid one; (NULL, 0) otherwise. libepp echoes it in the response. (An
/// extension request has none: `EPP_RESULT_NOT_APPLICABLE`.)
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_client_transaction_id(
    request: *const epp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    string_getter(request, out_ptr, out_len, |r| {
        let t = match &r.inner {
            Request::Login(l) => &l.client_transaction_id,
            Request::Poll(p) => &p.client_transaction_id,
            Request::PollAck(a) => &a.client_transaction_id,
            Request::Command(c) => &c.client_transaction_id,
            Request::Extension(_) | Request::SessionEnd(_) => return Err(NA),
        };
        Ok(t.as_ref().map(|t| t.as_str()))
    })
}

/// Login, poll, poll ack, command or extension: the svTRID the response to
/// this request will carry (libepp sets it aside when it reads the frame),
/// for the host's own transaction records. (A session end has none:
/// `EPP_RESULT_NOT_APPLICABLE`.)
#[no_mangle]
pub unsafe extern "C" fn epp_request_get_server_transaction_id(
    request: *const epp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    string_getter(request, out_ptr, out_len, |r| {
        let id = match &r.inner {
            Request::Login(l) => &l.server_transaction_id,
            Request::Poll(p) => &p.server_transaction_id,
            Request::PollAck(a) => &a.server_transaction_id,
            Request::Command(c) => &c.server_transaction_id,
            Request::Extension(x) => &x.server_transaction_id,
            Request::SessionEnd(_) => return Err(NA),
        };
        Ok(Some(r.sv_trid_text.get_or_init(|| id.to_string()).as_str()))
    })
}

fn user_agent(r: &epp_request) -> Result<Option<&UserAgent>, epp_result> {
    match &r.inner {
        Request::Login(l) => Ok(l.user_agent.as_ref()),
        _ => Err(NA),
    }
}

/// Login: the `<loginSec:app>` of the RFC 8807 `<loginSec:userAgent>` (the
/// client application and its version, such as "EPP SDK 1.0.0",
/// whitespace collapsed); (NULL, 0) when the client did not say. Only a
/// server offering RFC 8807 (`epp_config_builder_set_login_security`)
/// reads it. A user agent has at least one of app, tech and os.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_user_agent_app(
    request: *const epp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    string_getter(request, out_ptr, out_len, |r| {
        Ok(user_agent(r)?.and_then(|u| u.app.as_deref()))
    })
}

/// Login: the `<loginSec:tech>` of the RFC 8807 user agent (the technology
/// and its version, such as "Vendor Java 11.0.6"); (NULL, 0) when the
/// client did not say.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_user_agent_tech(
    request: *const epp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    string_getter(request, out_ptr, out_len, |r| {
        Ok(user_agent(r)?.and_then(|u| u.tech.as_deref()))
    })
}

/// Login: the `<loginSec:os>` of the RFC 8807 user agent (the operating
/// system and its version); (NULL, 0) when the client did not say.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_user_agent_os(
    request: *const epp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    string_getter(request, out_ptr, out_len, |r| {
        Ok(user_agent(r)?.and_then(|u| u.os.as_deref()))
    })
}

/// Poll ack: the `msgID` of the message to remove (message ids are
/// numeric; libepp answers a non-numeric one itself).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_message_id(
    request: *const epp_request,
    out_id: *mut u64,
) -> epp_result {
    with_request(request, |r| {
        let o = unsafe { out(out_id)? };
        match &r.inner {
            Request::PollAck(a) => o.write(a.message_id),
            _ => return Err(NA),
        }
        Ok(())
    })
}

/// Command: the verb.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_command_verb(
    request: *const epp_request,
    out_verb: *mut epp_command_verb,
) -> epp_result {
    with_request(request, |r| {
        let o = unsafe { out(out_verb)? };
        let Request::Command(c) = &r.inner else {
            return Err(NA);
        };
        o.write(match c.verb {
            CommandVerb::Check => epp_command_verb::Check,
            CommandVerb::Info => epp_command_verb::Info,
            CommandVerb::Create => epp_command_verb::Create,
            CommandVerb::Update => epp_command_verb::Update,
            CommandVerb::Delete => epp_command_verb::Delete,
            CommandVerb::Renew => epp_command_verb::Renew,
            CommandVerb::Transfer => epp_command_verb::Transfer,
        });
        Ok(())
    })
}

/// Command: the transfer `op`; `EPP_TRANSFER_OP_NONE` unless the verb is
/// `EPP_COMMAND_VERB_TRANSFER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_transfer_op(
    request: *const epp_request,
    out_op: *mut epp_transfer_op,
) -> epp_result {
    with_request(request, |r| {
        let o = unsafe { out(out_op)? };
        let Request::Command(c) = &r.inner else {
            return Err(NA);
        };
        o.write(match c.transfer_op {
            None => epp_transfer_op::None,
            Some(TransferOp::Request) => epp_transfer_op::Request,
            Some(TransferOp::Approve) => epp_transfer_op::Approve,
            Some(TransferOp::Cancel) => epp_transfer_op::Cancel,
            Some(TransferOp::Query) => epp_transfer_op::Query,
            Some(TransferOp::Reject) => epp_transfer_op::Reject,
        });
        Ok(())
    })
}

/// Command: the namespace URI of the object element (for example
/// "urn:ietf:params:xml:ns:domain-1.0"), one the client logged in with.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_object_uri(
    request: *const epp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    string_getter(request, out_ptr, out_len, |r| match &r.inner {
        Request::Command(c) => Ok(Some(c.object_uri.as_str())),
        _ => Err(NA),
    })
}

/// Command: the object element (for example
/// `<domain:check ...>...</domain:check>`) with the namespace declarations
/// it inherits added, so it parses alone.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_object_xml(
    request: *const epp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    string_getter(request, out_ptr, out_len, |r| match &r.inner {
        Request::Command(c) => Ok(Some(c.object_xml.as_str())),
        _ => Err(NA),
    })
}

fn end_reason(r: &epp_request) -> Result<&CloseReason, epp_result> {
    match &r.inner {
        Request::SessionEnd(e) => Ok(&e.reason),
        _ => Err(NA),
    }
}

/// Session end: why the session ended.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_close_reason(
    request: *const epp_request,
    out_reason: *mut epp_close_reason,
) -> epp_result {
    with_request(request, |r| {
        let o = unsafe { out(out_reason)? };
        o.write(close_reason_value(Some(end_reason(r)?)));
        Ok(())
    })
}

/// Session end: a number that comes with the close reason (see
/// `epp_close_detail`); `EPP_RESULT_NOT_APPLICABLE` when this reason has no
/// such number.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_close_detail(
    request: *const epp_request,
    which: epp_close_detail,
    out_value: *mut u64,
) -> epp_result {
    with_request(request, |r| {
        let o = unsafe { out(out_value)? };
        o.write(close_detail_value(Some(end_reason(r)?), which)?);
        Ok(())
    })
}

/// Session end: the close reason as English text for logs (for example
/// "frame length 9999999 outside 5..=262144").
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_request_get_close_reason_text(
    request: *const epp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    string_getter(request, out_ptr, out_len, |r| {
        end_reason(r)?;
        Ok(r.close_text.as_deref())
    })
}
