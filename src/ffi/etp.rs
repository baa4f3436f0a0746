//! `epp_etp_*`: the ETP 1.1 server engine (`epp::etp`, `docs/etp.md`) in
//! the C API: `epp_etp_config_builder`, `epp_etp_config`,
//! `epp_etp_session` and `epp_etp_request`.
//!
//! The same conventions as the EPP half: opaque handles, `epp_result`
//! codes (the ETP session's errors reuse the EPP session's values, which
//! mean the same), out-parameters written only on success, every pointer
//! and length checked, a panic boundary on every export (a panic poisons
//! the ETP session it happened in).

use std::cell::{Cell, RefCell};
use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::boundary::{
    bytes, free_handle, guard, guard_void, handle, handle_mut, into_handle, invalid, opt_array,
    opt_string, out, out_str, panic_message, string, Res,
};
use super::result::epp_result;
use crate::etp::{
    CloseReason, Config, ConfigBuilder, DataValue, ErrorCode, Limits, MessageHeader, Request,
    Session, SessionError, SessionState, SupportedProtocol, Uuid, Version,
};
use crate::RequestId;

// ---------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------

/// The length of an ETP session id (a UUID) in bytes, as
/// `epp_etp_session_new` takes it.
pub const EPP_ETP_SESSION_ID_LEN: usize = 16;

/// The Core protocol (session management), which libepp runs itself.
pub const EPP_ETP_PROTOCOL_CORE: i32 = 0;
/// The Discovery protocol.
pub const EPP_ETP_PROTOCOL_DISCOVERY: i32 = 3;
/// The Store protocol.
pub const EPP_ETP_PROTOCOL_STORE: i32 = 4;

/// `messageFlags` bit: the message is a part of a multi-part message.
pub const EPP_ETP_FLAG_MULTI_PART: i32 = 0x01;
/// `messageFlags` bit: the final part of a multi-part message.
pub const EPP_ETP_FLAG_FINAL_PART: i32 = 0x02;

/// The `messageType` of ProtocolException, in every protocol.
pub const EPP_ETP_MESSAGE_TYPE_PROTOCOL_EXCEPTION: i32 = 1000;
/// The `messageType` of Acknowledge, in every protocol.
pub const EPP_ETP_MESSAGE_TYPE_ACKNOWLEDGE: i32 = 1001;

/// ETP error code (ProtocolException `errorCode`): the agent does not
/// support the requested role.
pub const EPP_ETP_ERROR_ENOROLE: i32 = 1;
/// ETP error code: the server supports none of the requested protocols.
pub const EPP_ETP_ERROR_ENOSUPPORTEDPROTOCOLS: i32 = 2;
/// ETP error code: the message type is invalid for its protocol.
pub const EPP_ETP_ERROR_EINVALID_MESSAGETYPE: i32 = 3;
/// ETP error code: the agent does not support the protocol of a message.
pub const EPP_ETP_ERROR_EUNSUPPORTED_PROTOCOL: i32 = 4;
/// ETP error code: a logically invalid argument (libepp also sends it for
/// a body that does not decode).
pub const EPP_ETP_ERROR_EINVALID_ARGUMENT: i32 = 5;
/// ETP error code: permission denied.
pub const EPP_ETP_ERROR_EPERMISSION_DENIED: i32 = 6;
/// ETP error code: the operation is not supported.
pub const EPP_ETP_ERROR_ENOTSUPPORTED: i32 = 7;
/// ETP error code: the message is not allowed in the protocol's current
/// state.
pub const EPP_ETP_ERROR_EINVALID_STATE: i32 = 8;
/// ETP error code: the URI does not exist.
pub const EPP_ETP_ERROR_EINVALID_URI: i32 = 9;
/// ETP error code: the security token expired.
pub const EPP_ETP_ERROR_EEXPIRED_TOKEN: i32 = 10;
/// ETP error code: a resource was not found.
pub const EPP_ETP_ERROR_ENOT_FOUND: i32 = 11;

// The values above are the Rust API's.
const _: () = {
    use crate::etp;
    assert!(EPP_ETP_PROTOCOL_CORE == etp::PROTOCOL_CORE);
    assert!(EPP_ETP_PROTOCOL_DISCOVERY == etp::PROTOCOL_DISCOVERY);
    assert!(EPP_ETP_PROTOCOL_STORE == etp::PROTOCOL_STORE);
    assert!(EPP_ETP_FLAG_MULTI_PART == etp::FLAG_MULTI_PART);
    assert!(EPP_ETP_FLAG_FINAL_PART == etp::FLAG_FINAL_PART);
    assert!(EPP_ETP_ERROR_ENOROLE == ErrorCode::ENOROLE.0);
    assert!(EPP_ETP_ERROR_ENOSUPPORTEDPROTOCOLS == ErrorCode::ENOSUPPORTEDPROTOCOLS.0);
    assert!(EPP_ETP_ERROR_EINVALID_MESSAGETYPE == ErrorCode::EINVALID_MESSAGETYPE.0);
    assert!(EPP_ETP_ERROR_EUNSUPPORTED_PROTOCOL == ErrorCode::EUNSUPPORTED_PROTOCOL.0);
    assert!(EPP_ETP_ERROR_EINVALID_ARGUMENT == ErrorCode::EINVALID_ARGUMENT.0);
    assert!(EPP_ETP_ERROR_EPERMISSION_DENIED == ErrorCode::EPERMISSION_DENIED.0);
    assert!(EPP_ETP_ERROR_ENOTSUPPORTED == ErrorCode::ENOTSUPPORTED.0);
    assert!(EPP_ETP_ERROR_EINVALID_STATE == ErrorCode::EINVALID_STATE.0);
    assert!(EPP_ETP_ERROR_EINVALID_URI == ErrorCode::EINVALID_URI.0);
    assert!(EPP_ETP_ERROR_EEXPIRED_TOKEN == ErrorCode::EEXPIRED_TOKEN.0);
    assert!(EPP_ETP_ERROR_ENOT_FOUND == ErrorCode::ENOT_FOUND.0);
};

/// Selects a limit for `epp_etp_config_builder_set_limit`: one of the
/// `EPP_ETP_LIMIT_*` values.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct epp_etp_limit(pub u32);

/// Requests handed to the host and not yet finished (default 32); past it
/// the session takes no more input until the host answers.
pub const EPP_ETP_LIMIT_MAX_IN_FLIGHT: epp_etp_limit = epp_etp_limit(1);
/// Bytes of output not yet consumed past which the session takes no more
/// input (default 1048576).
pub const EPP_ETP_LIMIT_MAX_PENDING_OUTPUT: epp_etp_limit = epp_etp_limit(2);
/// Bytes of messages fed while the session could not take them that it
/// holds (default 1048576). A host that reads only while
/// `epp_etp_session_wants_input` says true never reaches it; a message
/// that would go past it is refused whole with
/// `EPP_RESULT_INPUT_BUFFER_FULL`.
pub const EPP_ETP_LIMIT_MAX_BUFFERED_INPUT: epp_etp_limit = epp_etp_limit(3);

/// Where an ETP session is, as the host sees it.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum epp_etp_session_state {
    /// Waiting for RequestSession.
    AwaitingRequest = 1,
    /// OpenSession sent: the session is open.
    Open = 2,
    /// No more input is processed; messages already sent are still to be
    /// taken.
    Closing = 3,
    /// Nothing more will be sent: close the WebSocket.
    Closed = 4,
}

/// Why an ETP session ended.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum epp_etp_close_reason {
    /// The session has not ended.
    None = 0,
    /// The client sent CloseSession.
    ClientClosed = 1,
    /// The server supports none of the requested protocols
    /// (ProtocolException ENOSUPPORTEDPROTOCOLS, then CloseSession).
    NoSupportedProtocols = 2,
    /// The host ended the session with CloseSession
    /// (`epp_etp_session_close_session`).
    HostClosedSession = 3,
    /// The peer closed the WebSocket (`epp_etp_session_handle_eof`).
    PeerClosed = 4,
    /// The host closed the session without a message
    /// (`epp_etp_session_close`).
    Host = 5,
}

/// What kind of item an `epp_etp_request` is; it says which getters apply.
/// Values are never reused; new kinds are added at the end (give a
/// `switch` on the kind a `default`). Only `EPP_ETP_REQUEST_KIND_MESSAGE`
/// and `EPP_ETP_REQUEST_KIND_RENEW_TOKEN` take an answer (they have an
/// id); the others are news.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum epp_etp_request_kind {
    /// The session opened (OpenSession was sent). Getters: header (of the
    /// RequestSession), application name and version (the client's),
    /// protocols (those negotiated, as sent in OpenSession), supported
    /// objects (the client's).
    Opened = 1,
    /// A message of a negotiated protocol, for the host to decode and
    /// answer: `epp_etp_session_respond`, `epp_etp_session_raise` or
    /// `epp_etp_session_finish`. Getters: id, header, body.
    Message = 2,
    /// The client sent RenewSecurityToken: `epp_etp_session_finish`
    /// accepts the token, `epp_etp_session_raise` refuses it (for example
    /// with `EPP_ETP_ERROR_EEXPIRED_TOKEN`). Getters: id, header, token.
    RenewToken = 3,
    /// The client sent a Core ProtocolException. Getters: header, error
    /// code, error message.
    PeerException = 4,
    /// The client sent a Core Acknowledge. Getters: header.
    Acknowledged = 5,
    /// The session ended (or is ending): no more requests will come; take
    /// the remaining output and close the WebSocket once
    /// `epp_etp_session_is_finished`. Getters: close reason, close message
    /// (the client's CloseSession reason), close reason text.
    SessionEnd = 6,
}

/// An ETP `MessageHeader` (`Energistics.Datatypes.MessageHeader`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct epp_etp_message_header {
    /// The protocol the message belongs to.
    pub protocol: i32,
    /// The message type within the protocol.
    pub message_type: i32,
    /// The `messageId` of the message this one answers (0: none).
    pub correlation_id: i64,
    /// The sender's id for this message.
    pub message_id: i64,
    /// Bit flags (`EPP_ETP_FLAG_MULTI_PART`, `EPP_ETP_FLAG_FINAL_PART`...).
    pub message_flags: i32,
}

impl From<&MessageHeader> for epp_etp_message_header {
    fn from(h: &MessageHeader) -> epp_etp_message_header {
        epp_etp_message_header {
            protocol: h.protocol,
            message_type: h.message_type,
            correlation_id: h.correlation_id,
            message_id: h.message_id,
            message_flags: h.message_flags,
        }
    }
}

/// An ETP protocol version (`Energistics.Datatypes.Version`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct epp_etp_version {
    /// Major.
    pub major: i32,
    /// Minor.
    pub minor: i32,
    /// Revision.
    pub revision: i32,
    /// Patch.
    pub patch: i32,
}

impl From<Version> for epp_etp_version {
    fn from(v: Version) -> epp_etp_version {
        epp_etp_version {
            major: v.major,
            minor: v.minor,
            revision: v.revision,
            patch: v.patch,
        }
    }
}

fn close_reason_value(r: Option<CloseReason>) -> epp_etp_close_reason {
    // Exhaustive on purpose: a new CloseReason needs its own value.
    match r {
        None => epp_etp_close_reason::None,
        Some(CloseReason::ClientClosed) => epp_etp_close_reason::ClientClosed,
        Some(CloseReason::NoSupportedProtocols) => epp_etp_close_reason::NoSupportedProtocols,
        Some(CloseReason::HostClosedSession) => epp_etp_close_reason::HostClosedSession,
        Some(CloseReason::PeerClosed) => epp_etp_close_reason::PeerClosed,
        Some(CloseReason::Host) => epp_etp_close_reason::Host,
    }
}

/// Borrows bytes for C: an empty slice gets a valid (static) pointer, so
/// that a present empty item is never `(NULL, 0)`.
fn bytes_ptr(b: &[u8]) -> *const u8 {
    if b.is_empty() {
        static EMPTY: u8 = 0;
        &EMPTY
    } else {
        b.as_ptr()
    }
}

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

/// An ETP server configuration being built: made by
/// `epp_etp_config_builder_new`, filled by the `epp_etp_config_builder_*`
/// setters, turned into an `epp_etp_config` by
/// `epp_etp_config_builder_build` (which may be called more than once),
/// freed by `epp_etp_config_builder_free`. Use it from one thread at a
/// time.
pub struct epp_etp_config_builder {
    inner: ConfigBuilder,
    /// The protocols added with `epp_etp_config_builder_add_protocol`;
    /// `None`: libepp's defaults.
    protocols: Option<Vec<SupportedProtocol<'static>>>,
    limits: Limits,
    last_error: Option<String>,
}

/// A validated ETP server configuration: immutable data shared by the
/// sessions made from it.
///
/// Immutable: any number of threads may use one `epp_etp_config` at the
/// same time. Each session keeps its own reference, so the config may be
/// freed while its sessions live on.
pub struct epp_etp_config {
    inner: Arc<Config>,
}

fn with_etp_builder(
    b: *mut epp_etp_config_builder,
    f: impl FnOnce(&mut epp_etp_config_builder) -> Res,
) -> epp_result {
    guard(|| f(unsafe { handle_mut(b)? }))
}

/// Starts an ETP server configuration with libepp's defaults: application
/// name "libepp" at libepp's version, the protocols 3 (Discovery) and 4
/// (Store) at version 1.1.0.0 in the role "store" without capabilities, no
/// supported objects, the default limits. On success `*out_builder`
/// receives a builder to free with `epp_etp_config_builder_free`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_config_builder_new(
    out_builder: *mut *mut epp_etp_config_builder,
) -> epp_result {
    guard(|| {
        let o = unsafe { out(out_builder)? };
        o.write(into_handle(epp_etp_config_builder {
            inner: Config::builder(),
            protocols: None,
            limits: Limits::default(),
            last_error: None,
        }));
        Ok(())
    })
}

/// Frees a builder (NULL is ignored). Configs built from it are not
/// affected.
#[no_mangle]
pub unsafe extern "C" fn epp_etp_config_builder_free(builder: *mut epp_etp_config_builder) {
    guard_void(|| unsafe { free_handle(builder) })
}

/// Sets the `applicationName` sent in OpenSession.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_config_builder_set_application_name(
    builder: *mut epp_etp_config_builder,
    name: *const c_char,
    name_len: usize,
) -> epp_result {
    with_etp_builder(builder, |b| {
        b.inner.application_name(unsafe { string(name, name_len)? });
        Ok(())
    })
}

/// Sets the `applicationVersion` sent in OpenSession.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_config_builder_set_application_version(
    builder: *mut epp_etp_config_builder,
    version: *const c_char,
    version_len: usize,
) -> epp_result {
    with_etp_builder(builder, |b| {
        b.inner
            .application_version(unsafe { string(version, version_len)? });
        Ok(())
    })
}

/// Supports a protocol: its id, the version the server speaks
/// (`major.minor.revision.patch`, sent in OpenSession) and the role the
/// server plays in it (such as "store"), without capabilities (add them
/// with the `epp_etp_config_builder_add_capability_*` calls that follow).
/// The first call replaces libepp's default protocols; later calls add to
/// the list, in the order OpenSession lists them. A client's RequestSession
/// matches an entry by protocol id and role, exactly. Checked by
/// `epp_etp_config_builder_build`: 1 to 64 protocols, none Core (0) or
/// negative, none twice, no empty role.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_config_builder_add_protocol(
    builder: *mut epp_etp_config_builder,
    protocol: i32,
    major: i32,
    minor: i32,
    revision: i32,
    patch: i32,
    role: *const c_char,
    role_len: usize,
) -> epp_result {
    with_etp_builder(builder, |b| {
        let role = unsafe { string(role, role_len)? };
        let version = Version::new(major, minor, revision, patch);
        b.protocols
            .get_or_insert_with(Vec::new)
            .push(SupportedProtocol::new(protocol, version, role));
        Ok(())
    })
}

/// Adds a capability to the protocol added last.
fn add_capability(
    builder: *mut epp_etp_config_builder,
    name: *const c_char,
    name_len: usize,
    value: impl FnOnce() -> Result<DataValue<'static>, epp_result>,
) -> epp_result {
    with_etp_builder(builder, |b| {
        let name = unsafe { string(name, name_len)? }.to_owned();
        let value = value()?;
        let last = b
            .protocols
            .as_mut()
            .and_then(|p| p.last_mut())
            .ok_or(epp_result::NotApplicable)?;
        last.protocol_capabilities.push((name.into(), value));
        Ok(())
    })
}

/// Adds the capability `name` with no value (`DataValue` null) to the
/// protocol added last by `epp_etp_config_builder_add_protocol`
/// (`EPP_RESULT_NOT_APPLICABLE` when none was added). Capabilities are
/// sent in OpenSession's `protocolCapabilities` in the order added.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_config_builder_add_capability_null(
    builder: *mut epp_etp_config_builder,
    name: *const c_char,
    name_len: usize,
) -> epp_result {
    add_capability(builder, name, name_len, || Ok(DataValue::Null))
}

/// Adds the capability `name` with a boolean value to the protocol added
/// last (as `epp_etp_config_builder_add_capability_null`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_config_builder_add_capability_boolean(
    builder: *mut epp_etp_config_builder,
    name: *const c_char,
    name_len: usize,
    value: bool,
) -> epp_result {
    add_capability(builder, name, name_len, || Ok(DataValue::Boolean(value)))
}

/// Adds the capability `name` with an int (32-bit) value to the protocol
/// added last (as `epp_etp_config_builder_add_capability_null`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_config_builder_add_capability_int(
    builder: *mut epp_etp_config_builder,
    name: *const c_char,
    name_len: usize,
    value: i32,
) -> epp_result {
    add_capability(builder, name, name_len, || Ok(DataValue::Int(value)))
}

/// Adds the capability `name` with a long (64-bit) value to the protocol
/// added last (as `epp_etp_config_builder_add_capability_null`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_config_builder_add_capability_long(
    builder: *mut epp_etp_config_builder,
    name: *const c_char,
    name_len: usize,
    value: i64,
) -> epp_result {
    add_capability(builder, name, name_len, || Ok(DataValue::Long(value)))
}

/// Adds the capability `name` with a double value to the protocol added
/// last (as `epp_etp_config_builder_add_capability_null`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_config_builder_add_capability_double(
    builder: *mut epp_etp_config_builder,
    name: *const c_char,
    name_len: usize,
    value: f64,
) -> epp_result {
    add_capability(builder, name, name_len, || Ok(DataValue::Double(value)))
}

/// Adds the capability `name` with a string value to the protocol added
/// last (as `epp_etp_config_builder_add_capability_null`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_config_builder_add_capability_string(
    builder: *mut epp_etp_config_builder,
    name: *const c_char,
    name_len: usize,
    value: *const c_char,
    value_len: usize,
) -> epp_result {
    add_capability(builder, name, name_len, || {
        let v = unsafe { string(value, value_len)? };
        Ok(DataValue::String(v.to_owned().into()))
    })
}

/// Adds a data object (for example "witsml14.well") to the
/// `supportedObjects` sent in OpenSession, after those already added.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_config_builder_add_supported_object(
    builder: *mut epp_etp_config_builder,
    object: *const c_char,
    object_len: usize,
) -> epp_result {
    with_etp_builder(builder, |b| {
        b.inner
            .supported_object(unsafe { string(object, object_len)? });
        Ok(())
    })
}

/// Sets one limit (a count of requests or bytes).
/// `EPP_RESULT_INVALID_ARGUMENT` for an unknown `limit` or a value that
/// does not fit in a `size_t`; a limit of 0 is refused by
/// `epp_etp_config_builder_build`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_config_builder_set_limit(
    builder: *mut epp_etp_config_builder,
    limit: epp_etp_limit,
    value: u64,
) -> epp_result {
    with_etp_builder(builder, |b| {
        let v = usize::try_from(value).map_err(|_| {
            invalid(format!(
                "value: {value} is out of range for limit {} (at most {})",
                limit.0,
                usize::MAX
            ))
        })?;
        match limit {
            EPP_ETP_LIMIT_MAX_IN_FLIGHT => b.limits.max_in_flight = v,
            EPP_ETP_LIMIT_MAX_PENDING_OUTPUT => b.limits.max_pending_output = v,
            EPP_ETP_LIMIT_MAX_BUFFERED_INPUT => b.limits.max_buffered_input = v,
            other => {
                return Err(invalid(format!(
                    "limit: {} is not an EPP_ETP_LIMIT_* value",
                    other.0
                )))
            }
        }
        Ok(())
    })
}

/// Validates the builder's settings and, on success, writes a new config
/// to `*out_config` (free it with `epp_etp_config_free`). The builder is
/// unchanged and may build again. `EPP_RESULT_INVALID_CONFIG` when a
/// setting is not acceptable: `epp_etp_config_builder_get_last_error` says
/// which and why.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_config_builder_build(
    builder: *mut epp_etp_config_builder,
    out_config: *mut *mut epp_etp_config,
) -> epp_result {
    with_etp_builder(builder, |b| {
        let o = unsafe { out(out_config)? };
        let mut inner = b.inner.clone();
        inner.limits(b.limits);
        if let Some(p) = &b.protocols {
            inner.protocols(p.iter().cloned());
        }
        match inner.build() {
            Ok(inner) => {
                b.last_error = None;
                o.write(into_handle(epp_etp_config { inner }));
                Ok(())
            }
            Err(e) => {
                let r = epp_result::from(&e);
                b.last_error = Some(e.to_string());
                super::boundary::detail(e.to_string());
                Err(r)
            }
        }
    })
}

/// Why the last `epp_etp_config_builder_build` on this builder failed, as
/// UTF-8 text (not NUL-terminated); (NULL, 0) when it succeeded or was
/// never called. Valid until the next call given this builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_config_builder_get_last_error(
    builder: *const epp_etp_config_builder,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    guard(|| {
        let b = unsafe { handle(builder)? };
        let o = unsafe { out_str(out_ptr, out_len)? };
        o.write(b.last_error.as_deref());
        Ok(())
    })
}

/// Frees a config (NULL is ignored). Sessions made from it keep their own
/// reference and are not affected.
#[no_mangle]
pub unsafe extern "C" fn epp_etp_config_free(config: *mut epp_etp_config) {
    guard_void(|| unsafe { free_handle(config) })
}

// ---------------------------------------------------------------------------
// Session
// ---------------------------------------------------------------------------

/// One ETP 1.1 server session on one WebSocket, without any I/O: made by
/// `epp_etp_session_new` once the WebSocket is upgraded (and the client
/// authenticated, as the host sees fit), freed by `epp_etp_session_free`
/// once it is closed.
///
/// A session may move between threads but must be used by one thread at a
/// time (no call on a session may overlap another call on the same
/// session).
pub struct epp_etp_session {
    inner: Session,
    poisoned: Cell<bool>,
    last_error: RefCell<Option<String>>,
    close_text: RefCell<Option<String>>,
}

impl epp_etp_session {
    fn set_error(&self, msg: String) {
        super::boundary::detail(msg.clone());
        if let Ok(mut slot) = self.last_error.try_borrow_mut() {
            *slot = Some(msg);
        }
    }

    fn check<T>(&self, r: Result<T, SessionError>) -> Result<T, epp_result> {
        r.map_err(|e| {
            let code = epp_result::from(&e);
            self.set_error(e.to_string());
            code
        })
    }
}

fn poison(s: &epp_etp_session, payload: Box<dyn std::any::Any + Send>) -> epp_result {
    s.poisoned.set(true);
    let msg = panic_message(payload);
    s.set_error(format!("panic in libepp (the session is unusable): {msg}"));
    epp_result::Panic
}

/// Runs an export on a session given by mutable pointer, inside the panic
/// boundary; a panic poisons the session. The session's last error is
/// this call's.
pub(crate) fn etp_session_mut(
    p: *mut epp_etp_session,
    f: impl FnOnce(&mut epp_etp_session) -> Res,
) -> epp_result {
    guard(|| {
        let s = unsafe { handle_mut(p)? };
        if s.poisoned.get() {
            return Err(epp_result::Panic);
        }
        if let Ok(mut slot) = s.last_error.try_borrow_mut() {
            *slot = None;
        }
        match catch_unwind(AssertUnwindSafe(|| f(&mut *s))) {
            Ok(Err(r)) => {
                if let Ok(mut slot) = s.last_error.try_borrow_mut() {
                    slot.get_or_insert_with(|| {
                        super::boundary::peek_detail().unwrap_or_else(|| r.text().to_owned())
                    });
                }
                Err(r)
            }
            Ok(r) => r,
            Err(payload) => Err(poison(s, payload)),
        }
    })
}

/// Like [`etp_session_mut`], for calls given a const session (which leave
/// the last error alone).
fn etp_session_ref(
    p: *const epp_etp_session,
    f: impl FnOnce(&epp_etp_session) -> Res,
) -> epp_result {
    guard(|| {
        let s = unsafe { handle(p)? };
        if s.poisoned.get() {
            return Err(epp_result::Panic);
        }
        match catch_unwind(AssertUnwindSafe(|| f(s))) {
            Ok(r) => r,
            Err(payload) => Err(poison(s, payload)),
        }
    })
}

/// session-create: makes a session of `config` waiting for the client's
/// RequestSession. `session_id` points to the session's UUID,
/// `EPP_ETP_SESSION_ID_LEN` (16) bytes, sent in OpenSession as
/// lowercase hyphenated text; libepp reads no random source: for a
/// version 4 UUID, take 16 random bytes and set `id[6] = (id[6] & 0x0f) |
/// 0x40` and `id[8] = (id[8] & 0x3f) | 0x80`. The session keeps its own
/// reference to `config`. Nothing is sent before the client's first
/// message. On success `*out_session` receives a session to free with
/// `epp_etp_session_free`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_new(
    config: *const epp_etp_config,
    session_id: *const u8,
    out_session: *mut *mut epp_etp_session,
) -> epp_result {
    guard(|| {
        let c = unsafe { handle(config)? };
        let id = unsafe { bytes(session_id, EPP_ETP_SESSION_ID_LEN)? };
        let o = unsafe { out(out_session)? };
        let id: [u8; EPP_ETP_SESSION_ID_LEN] =
            id.try_into().map_err(|_| epp_result::InvalidLength)?;
        o.write(into_handle(epp_etp_session {
            inner: Session::new(Arc::clone(&c.inner), Uuid::from_bytes(id)),
            poisoned: Cell::new(false),
            last_error: RefCell::new(None),
            close_text: RefCell::new(None),
        }));
        Ok(())
    })
}

/// Frees a session (NULL is ignored), poisoned or not. Requests taken from
/// it stay valid (they own their data) but can no longer be answered.
#[no_mangle]
pub unsafe extern "C" fn epp_etp_session_free(session: *mut epp_etp_session) {
    guard_void(|| unsafe { free_handle(session) })
}

/// feed-input: hands the session one WebSocket binary message from the
/// client (`len` bytes: the header then the body), copied as needed. It is
/// handled at once when the session can take it, else held and handled as
/// answers and consumed output make room. Afterwards, take output and poll
/// the queue. A message the engine cannot accept (a header or Core body
/// that does not decode, a message out of place) is answered on the wire
/// with a ProtocolException, never with an `epp_result`. An empty message
/// is `(pointer, 0)` with a non-NULL pointer.
///
/// Read from the WebSocket only while `epp_etp_session_wants_input` says
/// true. Fails, taking nothing:
/// - `EPP_RESULT_SESSION_CLOSED` once the session processes no more input
///   (sticky): stop reading, send what is left, close when finished;
/// - `EPP_RESULT_INPUT_AFTER_EOF` after `epp_etp_session_handle_eof`;
/// - `EPP_RESULT_INPUT_BUFFER_FULL` when the session cannot handle the
///   message now and holding it would exceed
///   `EPP_ETP_LIMIT_MAX_BUFFERED_INPUT` (the host read on although
///   `epp_etp_session_wants_input` said false).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_feed_message(
    session: *mut epp_etp_session,
    data: *const u8,
    len: usize,
) -> epp_result {
    etp_session_mut(session, |s| {
        let message = unsafe { bytes(data, len)? };
        let r = s.inner.feed_message(message);
        s.check(r)
    })
}

/// Writes to `*out_wants` whether the host should read more from the
/// WebSocket now: false while `EPP_ETP_LIMIT_MAX_IN_FLIGHT` requests are
/// outstanding, `EPP_ETP_LIMIT_MAX_PENDING_OUTPUT` bytes wait to be
/// consumed or `EPP_ETP_LIMIT_MAX_BUFFERED_INPUT` bytes are held, after
/// `epp_etp_session_handle_eof`, and once the session is closing. Ask
/// again after every call that changes the session (answers and consumed
/// output make room).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_wants_input(
    session: *const epp_etp_session,
    out_wants: *mut bool,
) -> epp_result {
    etp_session_ref(session, |s| {
        let o = unsafe { out(out_wants)? };
        o.write(s.inner.wants_input());
        Ok(())
    })
}

/// Writes to `*out_len` how many bytes of messages fed with
/// `epp_etp_session_feed_message` the session holds and has not handled
/// yet.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_get_buffered_input(
    session: *const epp_etp_session,
    out_len: *mut usize,
) -> epp_result {
    etp_session_ref(session, |s| {
        let o = unsafe { out(out_len)? };
        o.write(s.inner.buffered_input());
        Ok(())
    })
}

/// Tells the session the WebSocket closed (or the client went away). It
/// takes effect once every message fed before it has been handled; then
/// the session is closing, outstanding requests are dropped and an
/// `EPP_ETP_REQUEST_KIND_SESSION_END` item follows. Feeding afterwards is
/// `EPP_RESULT_INPUT_AFTER_EOF`. Nothing happens once the session has
/// ended.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_handle_eof(session: *mut epp_etp_session) -> epp_result {
    etp_session_mut(session, |s| {
        s.inner.handle_eof();
        Ok(())
    })
}

/// take-output: writes to `*out_ptr` and `*out_len` the next message to
/// send, whole, as one WebSocket binary message; `(NULL, 0)` when none is
/// pending (a message is never empty). The bytes belong to the session and
/// stay valid until the next call given this session: send them, then call
/// `epp_etp_session_consume_output`. Peeking again without consuming gives
/// the same message.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_peek_output(
    session: *const epp_etp_session,
    out_ptr: *mut *const u8,
    out_len: *mut usize,
) -> epp_result {
    etp_session_ref(session, |s| {
        let p = unsafe { out(out_ptr)? };
        let l = unsafe { out(out_len)? };
        match s.inner.peek_output() {
            Some(m) => {
                p.write(m.as_ptr());
                l.write(m.len());
            }
            None => {
                p.write(std::ptr::null());
                l.write(0);
            }
        }
        Ok(())
    })
}

/// Drops the message `epp_etp_session_peek_output` gives (it was sent),
/// which may let the session handle input it holds: poll the queue again.
/// `EPP_RESULT_NOT_APPLICABLE` when no message is pending.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_consume_output(
    session: *mut epp_etp_session,
) -> epp_result {
    etp_session_mut(session, |s| {
        if s.inner.consume_output() {
            Ok(())
        } else {
            Err(epp_result::NotApplicable)
        }
    })
}

/// Writes to `*out_count` how many messages wait to be sent.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_get_pending_output(
    session: *const epp_etp_session,
    out_count: *mut usize,
) -> epp_result {
    etp_session_ref(session, |s| {
        let o = unsafe { out(out_count)? };
        o.write(s.inner.pending_output());
        Ok(())
    })
}

/// poll-queue: takes the next request or news for the host, in the order
/// the messages came, and writes it to `*out_request`; writes NULL when
/// the queue is empty (that is still `EPP_RESULT_OK`). Free each item with
/// `epp_etp_request_free`; answer those with an id through this session.
/// Poll after every feed, answer and consumed message.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_poll_queue(
    session: *mut epp_etp_session,
    out_request: *mut *mut epp_etp_request,
) -> epp_result {
    etp_session_mut(session, |s| {
        let o = unsafe { out(out_request)? };
        o.write(match s.inner.poll_queue() {
            Some(r) => into_handle(epp_etp_request::new(r)),
            None => std::ptr::null_mut(),
        });
        Ok(())
    })
}

fn id(raw: u64) -> RequestId {
    RequestId::from_raw(raw)
}

/// Sends a message answering request `request_id` (an
/// `EPP_ETP_REQUEST_KIND_MESSAGE`): its header is the request's protocol,
/// `message_type`, `correlationId` = the request's `messageId`, the
/// session's next `messageId`, and `message_flags`; then `body` as given
/// (Avro binary of the message type's schema; `(NULL, 0)` is an empty
/// body). With `EPP_ETP_FLAG_MULTI_PART` and without
/// `EPP_ETP_FLAG_FINAL_PART` the request stays outstanding for the parts
/// that follow; any other answer finishes it. Fails, sending nothing, with
/// `EPP_RESULT_UNKNOWN_REQUEST` (never issued by this session),
/// `EPP_RESULT_ALREADY_ANSWERED` (finished) or `EPP_RESULT_SESSION_CLOSED`
/// (the session has ended).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_respond(
    session: *mut epp_etp_session,
    request_id: u64,
    message_type: i32,
    message_flags: i32,
    body: *const u8,
    body_len: usize,
) -> epp_result {
    etp_session_mut(session, |s| {
        let body = unsafe { opt_array(body, body_len)? };
        let r = s
            .inner
            .respond(id(request_id), message_type, message_flags, body);
        s.check(r)
    })
}

/// Answers request `request_id` with a ProtocolException (`error_code`,
/// one of the `EPP_ETP_ERROR_*` values or any other; `message`, UTF-8,
/// `(NULL, 0)` for an empty one) in the request's protocol, correlated to
/// it; finishes the request. For a RenewSecurityToken this refuses the
/// token. Fails as `epp_etp_session_respond` does.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_raise(
    session: *mut epp_etp_session,
    request_id: u64,
    error_code: i32,
    message: *const c_char,
    message_len: usize,
) -> epp_result {
    etp_session_mut(session, |s| {
        let m = unsafe { opt_string(message, message_len)? }.unwrap_or("");
        let r = s.inner.raise(id(request_id), ErrorCode(error_code), m);
        s.check(r)
    })
}

/// Finishes request `request_id` without sending anything (more): a
/// token accepted (RenewSecurityToken), a message that takes no answer,
/// the end of the parts already sent. Fails as `epp_etp_session_respond`
/// does.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_finish(
    session: *mut epp_etp_session,
    request_id: u64,
) -> epp_result {
    etp_session_mut(session, |s| {
        let r = s.inner.finish(id(request_id));
        s.check(r)
    })
}

/// Ends the session with CloseSession, sent after the messages already
/// sent, carrying `reason` (UTF-8; `(NULL, 0)` for none, the union's
/// null). Outstanding requests are dropped (their answers are then
/// `EPP_RESULT_SESSION_CLOSED`) and an `EPP_ETP_REQUEST_KIND_SESSION_END`
/// item follows; the session is closed once every message is consumed.
/// `EPP_RESULT_SESSION_CLOSED` once the session has ended.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_close_session(
    session: *mut epp_etp_session,
    reason: *const c_char,
    reason_len: usize,
) -> epp_result {
    etp_session_mut(session, |s| {
        let reason = unsafe { opt_string(reason, reason_len)? };
        let r = s.inner.close_session(reason);
        s.check(r)
    })
}

/// Ends the session at the host's wish without a message: nothing more is
/// sent (output not yet consumed is dropped), and
/// `epp_etp_session_is_finished` becomes true. Nothing happens once the
/// session is closed.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_close(session: *mut epp_etp_session) -> epp_result {
    etp_session_mut(session, |s| {
        s.inner.close();
        Ok(())
    })
}

/// Writes the session's state to `*out_state`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_get_state(
    session: *const epp_etp_session,
    out_state: *mut epp_etp_session_state,
) -> epp_result {
    etp_session_ref(session, |s| {
        let o = unsafe { out(out_state)? };
        o.write(match s.inner.state() {
            SessionState::AwaitingRequest => epp_etp_session_state::AwaitingRequest,
            SessionState::Open => epp_etp_session_state::Open,
            SessionState::Closing => epp_etp_session_state::Closing,
            SessionState::Closed => epp_etp_session_state::Closed,
        });
        Ok(())
    })
}

/// Writes to `*out_finished` whether the WebSocket should be closed now:
/// the session has ended and every message it sent has been consumed.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_is_finished(
    session: *const epp_etp_session,
    out_finished: *mut bool,
) -> epp_result {
    etp_session_ref(session, |s| {
        let o = unsafe { out(out_finished)? };
        o.write(s.inner.is_finished());
        Ok(())
    })
}

/// Writes to `*out_count` how many requests were handed out (or are
/// queued) and not yet finished.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_get_outstanding(
    session: *const epp_etp_session,
    out_count: *mut usize,
) -> epp_result {
    etp_session_ref(session, |s| {
        let o = unsafe { out(out_count)? };
        o.write(s.inner.outstanding());
        Ok(())
    })
}

/// Writes to `*out_reason` why the session ended or is ending;
/// `EPP_ETP_CLOSE_REASON_NONE` while it is open.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_get_close_reason(
    session: *const epp_etp_session,
    out_reason: *mut epp_etp_close_reason,
) -> epp_result {
    etp_session_ref(session, |s| {
        let o = unsafe { out(out_reason)? };
        o.write(close_reason_value(s.inner.close_reason()));
        Ok(())
    })
}

/// The close reason as English text for logs; (NULL, 0) while the session
/// is open. Valid until the next call given this session.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_get_close_reason_text(
    session: *const epp_etp_session,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    etp_session_ref(session, |s| {
        let o = unsafe { out_str(out_ptr, out_len)? };
        let mut text = s.close_text.borrow_mut();
        *text = s.inner.close_reason().map(|r| r.to_string());
        o.write(text.as_deref());
        Ok(())
    })
}

/// Why the latest call given this session as a non-const
/// `epp_etp_session *` failed, as English text: the detail behind
/// `EPP_RESULT_SESSION_CLOSED`, `EPP_RESULT_PANIC`..., or the result's
/// description for an argument error. (NULL, 0) when that call succeeded.
/// Works on a poisoned session (the panic's text). Valid until the next
/// call given this session.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_session_get_last_error(
    session: *const epp_etp_session,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    guard(|| {
        let s = unsafe { handle(session)? };
        let o = unsafe { out_str(out_ptr, out_len)? };
        let e = s.last_error.try_borrow().map_err(|_| epp_result::Panic)?;
        o.write(e.as_deref());
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

/// An item of an ETP session's queue, taken by `epp_etp_session_poll_queue`:
/// a request to answer or news. It owns its data, independent of the
/// session: what it hands out stays valid until it is freed with
/// `epp_etp_request_free`. Answer it through the session, naming its id
/// (`epp_etp_request_get_id`); freeing it does not answer it.
pub struct epp_etp_request {
    inner: Request,
    close_text: Option<String>,
}

impl epp_etp_request {
    fn new(inner: Request) -> epp_etp_request {
        let close_text = match &inner {
            Request::SessionEnd(e) => Some(e.reason.to_string()),
            _ => None,
        };
        epp_etp_request { inner, close_text }
    }
}

const NA: epp_result = epp_result::NotApplicable;

fn with_etp_request(
    r: *const epp_etp_request,
    f: impl FnOnce(&epp_etp_request) -> Res,
) -> epp_result {
    guard(|| f(unsafe { handle(r)? }))
}

/// A string getter: checks the out-parameters, then writes what `get`
/// returns (`Err` for an item of another kind).
fn etp_string_getter(
    r: *const epp_etp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
    get: impl FnOnce(&epp_etp_request) -> Result<Option<&str>, epp_result>,
) -> epp_result {
    with_etp_request(r, |r| {
        let o = unsafe { out_str(out_ptr, out_len)? };
        o.write(get(r)?);
        Ok(())
    })
}

/// Frees a request (NULL is ignored). What was obtained from it becomes
/// invalid. An unanswered request stays outstanding in its session.
#[no_mangle]
pub unsafe extern "C" fn epp_etp_request_free(request: *mut epp_etp_request) {
    guard_void(|| unsafe { free_handle(request) })
}

/// Writes the item's kind to `*out_kind`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_request_get_kind(
    request: *const epp_etp_request,
    out_kind: *mut epp_etp_request_kind,
) -> epp_result {
    with_etp_request(request, |r| {
        let o = unsafe { out(out_kind)? };
        // Exhaustive on purpose: a new Request variant needs its own kind.
        o.write(match r.inner {
            Request::Opened(_) => epp_etp_request_kind::Opened,
            Request::Message(_) => epp_etp_request_kind::Message,
            Request::RenewToken(_) => epp_etp_request_kind::RenewToken,
            Request::PeerException(_) => epp_etp_request_kind::PeerException,
            Request::Acknowledged(_) => epp_etp_request_kind::Acknowledged,
            Request::SessionEnd(_) => epp_etp_request_kind::SessionEnd,
        });
        Ok(())
    })
}

/// Message or renew-token: writes to `*out_id` the id to answer with
/// (unique within its session, never reused).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_request_get_id(
    request: *const epp_etp_request,
    out_id: *mut u64,
) -> epp_result {
    with_etp_request(request, |r| {
        let o = unsafe { out(out_id)? };
        o.write(r.inner.id().ok_or(NA)?.get());
        Ok(())
    })
}

/// Every kind but session end: writes to `*out_header` the header of the
/// client's message (for opened, its RequestSession).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_request_get_header(
    request: *const epp_etp_request,
    out_header: *mut epp_etp_message_header,
) -> epp_result {
    with_etp_request(request, |r| {
        let o = unsafe { out(out_header)? };
        let h = match &r.inner {
            Request::Opened(o) => &o.header,
            Request::Message(m) => &m.header,
            Request::RenewToken(t) => &t.header,
            Request::PeerException(e) => &e.header,
            Request::Acknowledged(h) => h,
            Request::SessionEnd(_) => return Err(NA),
        };
        o.write(h.into());
        Ok(())
    })
}

/// Message: the body, Avro binary of the schema its protocol and message
/// type name, not decoded by libepp; possibly empty (length 0, with a
/// non-NULL pointer).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_request_get_body(
    request: *const epp_etp_request,
    out_ptr: *mut *const u8,
    out_len: *mut usize,
) -> epp_result {
    with_etp_request(request, |r| {
        let p = unsafe { out(out_ptr)? };
        let l = unsafe { out(out_len)? };
        let Request::Message(m) = &r.inner else {
            return Err(NA);
        };
        p.write(bytes_ptr(&m.body));
        l.write(m.body.len());
        Ok(())
    })
}

/// Renew-token: the new security token (never log it).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_request_get_token(
    request: *const epp_etp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    etp_string_getter(request, out_ptr, out_len, |r| match &r.inner {
        Request::RenewToken(t) => Ok(Some(t.token.as_str())),
        _ => Err(NA),
    })
}

/// Opened: the client's `applicationName`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_request_get_application_name(
    request: *const epp_etp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    etp_string_getter(request, out_ptr, out_len, |r| match &r.inner {
        Request::Opened(o) => Ok(Some(o.application_name.as_str())),
        _ => Err(NA),
    })
}

/// Opened: the client's `applicationVersion`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_request_get_application_version(
    request: *const epp_etp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    etp_string_getter(request, out_ptr, out_len, |r| match &r.inner {
        Request::Opened(o) => Ok(Some(o.application_version.as_str())),
        _ => Err(NA),
    })
}

/// Opened: how many protocols were negotiated (at least one).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_request_get_protocol_count(
    request: *const epp_etp_request,
    out_count: *mut usize,
) -> epp_result {
    with_etp_request(request, |r| {
        let o = unsafe { out(out_count)? };
        let Request::Opened(opened) = &r.inner else {
            return Err(NA);
        };
        o.write(opened.protocols.len());
        Ok(())
    })
}

/// Opened: the negotiated protocol at `index` (below
/// `epp_etp_request_get_protocol_count`), as sent in OpenSession, in
/// configuration order: its id to `*out_protocol`, its version to
/// `*out_version`, the role the server plays to `(*out_role,
/// *out_role_len)`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_request_get_protocol(
    request: *const epp_etp_request,
    index: usize,
    out_protocol: *mut i32,
    out_version: *mut epp_etp_version,
    out_role: *mut *const c_char,
    out_role_len: *mut usize,
) -> epp_result {
    with_etp_request(request, |r| {
        let o_protocol = unsafe { out(out_protocol)? };
        let o_version = unsafe { out(out_version)? };
        let o_role = unsafe { out_str(out_role, out_role_len)? };
        let Request::Opened(opened) = &r.inner else {
            return Err(NA);
        };
        let p = opened
            .protocols
            .get(index)
            .ok_or(epp_result::IndexOutOfRange)?;
        o_protocol.write(p.protocol);
        o_version.write(p.protocol_version.into());
        o_role.write(Some(&*p.role));
        Ok(())
    })
}

/// Opened: how many `supportedObjects` the client listed.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_request_get_supported_object_count(
    request: *const epp_etp_request,
    out_count: *mut usize,
) -> epp_result {
    with_etp_request(request, |r| {
        let o = unsafe { out(out_count)? };
        let Request::Opened(opened) = &r.inner else {
            return Err(NA);
        };
        o.write(opened.supported_objects.len());
        Ok(())
    })
}

/// Opened: the client's supported object at `index` (below
/// `epp_etp_request_get_supported_object_count`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_request_get_supported_object(
    request: *const epp_etp_request,
    index: usize,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    etp_string_getter(request, out_ptr, out_len, |r| match &r.inner {
        Request::Opened(o) => o
            .supported_objects
            .get(index)
            .map(|s| Some(s.as_str()))
            .ok_or(epp_result::IndexOutOfRange),
        _ => Err(NA),
    })
}

/// Peer exception: writes the client's `errorCode` to `*out_code`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_request_get_error_code(
    request: *const epp_etp_request,
    out_code: *mut i32,
) -> epp_result {
    with_etp_request(request, |r| {
        let o = unsafe { out(out_code)? };
        let Request::PeerException(e) = &r.inner else {
            return Err(NA);
        };
        o.write(e.error_code.0);
        Ok(())
    })
}

/// Peer exception: the client's `errorMessage`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_request_get_error_message(
    request: *const epp_etp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    etp_string_getter(request, out_ptr, out_len, |r| match &r.inner {
        Request::PeerException(e) => Ok(Some(e.error_message.as_str())),
        _ => Err(NA),
    })
}

/// Session end: writes why the session ended to `*out_reason`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_request_get_close_reason(
    request: *const epp_etp_request,
    out_reason: *mut epp_etp_close_reason,
) -> epp_result {
    with_etp_request(request, |r| {
        let o = unsafe { out(out_reason)? };
        let Request::SessionEnd(e) = &r.inner else {
            return Err(NA);
        };
        o.write(close_reason_value(Some(e.reason)));
        Ok(())
    })
}

/// Session end: the reason the client gave in its CloseSession; (NULL, 0)
/// when it gave none or the session ended otherwise.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_request_get_close_message(
    request: *const epp_etp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    etp_string_getter(request, out_ptr, out_len, |r| match &r.inner {
        Request::SessionEnd(e) => Ok(e.message.as_deref()),
        _ => Err(NA),
    })
}

/// Session end: the close reason as English text for logs.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_etp_request_get_close_reason_text(
    request: *const epp_etp_request,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    etp_string_getter(request, out_ptr, out_len, |r| match &r.inner {
        Request::SessionEnd(_) => Ok(r.close_text.as_deref()),
        _ => Err(NA),
    })
}
