//! The client engine's C API (`epp::client`, the registrar's side):
//! `epp_client_config_builder`, `epp_client_config`, `epp_client_session`,
//! `epp_client_event` and `epp_client_command`.
//!
//! The same conventions as the server API: opaque handles, `epp_result`,
//! out-parameters written only on success, every export inside the panic
//! boundary (a panic poisons the client session it happened in), borrowed
//! data documented per getter.

use std::cell::{Cell, RefCell};
use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use super::boundary::{
    bytes, free_handle, guard, guard_void, handle, handle_mut, into_handle, invalid, ms_from_time,
    opt_string, out, out_str, panic_message, string, time_from_ms, Res,
};
use super::request::{
    epp_close_detail, epp_transfer_op, EPP_CLOSE_DETAIL_BYTES_RECEIVED,
    EPP_CLOSE_DETAIL_COMMAND_ID, EPP_CLOSE_DETAIL_COMMAND_KIND, EPP_CLOSE_DETAIL_FRAME_LENGTH,
    EPP_CLOSE_DETAIL_FRAME_LIMIT, EPP_CLOSE_DETAIL_RESULT_CODE,
};
use super::result::epp_result;
use super::session::EPP_TIMEOUT_NONE;
use crate::client::{
    ClientCloseReason, ClientConfig, ClientConfigBuilder, ClientError, ClientSession, ClientState,
    Command, CommandKind, Event, Greeting, ProtocolError, Response, SentCommand, Services,
};
use crate::{CommandVerb, EppResult, ResultValue, TransferOp};

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

/// A client configuration being built: made by
/// `epp_client_config_builder_new` with the credentials, filled by the
/// `epp_client_config_builder_*` setters, turned into an
/// `epp_client_config` by `epp_client_config_builder_build` (which may be
/// called more than once), freed by `epp_client_config_builder_free`. Use
/// it from one thread at a time.
pub struct epp_client_config_builder {
    inner: ClientConfigBuilder,
    last_error: Option<String>,
}

/// A validated client configuration (credentials, wanted services,
/// limits): immutable, shared by any number of client sessions
/// (`epp_client_session_new`) on any number of threads at the same time.
/// Each session keeps its own reference, so the config may be freed while
/// sessions made from it live on.
pub struct epp_client_config {
    inner: Arc<ClientConfig>,
}

/// One EPP client session (the registrar's side) on one connection to a
/// server, without any I/O: made by `epp_client_session_new` once the
/// connection is up, freed by `epp_client_session_free`.
///
/// May move between threads but must be used by one thread at a time.
pub struct epp_client_session {
    inner: ClientSession,
    poisoned: Cell<bool>,
    last_error: RefCell<Option<String>>,
    close_text: RefCell<Option<String>>,
}

/// What `epp_client_session_poll_queue` hands out: the greeting, a login
/// result, a response matched to its command, a keep-alive, an overdue
/// response, or the end of the session. It owns its data, independent of
/// the session: strings and commands it hands out stay valid until it is
/// freed with `epp_client_event_free`.
pub struct epp_client_event {
    inner: Event,
    /// The commands handed out as borrowed handles: the event's own (when
    /// it has one), or for a closed event every unanswered command.
    commands: Vec<epp_client_command>,
    close_text: Option<String>,
}

/// A command a client session took (`SentCommand`): its id, kind, the
/// caller's tag, its clTRID and when it was written. Handed out by the
/// command calls (`epp_client_session_send` and the shortcuts: owned, free
/// it with `epp_client_command_free`) and by event getters
/// (`epp_client_event_get_command`, `epp_client_event_get_unanswered`:
/// borrowed from the event, valid until the event is freed, never freed by
/// the caller).
pub struct epp_client_command {
    inner: SentCommand,
}

/// What kind of command an `epp_client_command` is (and what
/// `epp_client_session_send` sends). Values are never reused; new kinds
/// are added at the end.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum epp_client_command_kind {
    /// `<hello>`: answered by a greeting. It has no clTRID.
    Hello = 1,
    /// `<login>`.
    Login = 2,
    /// `<logout>`.
    Logout = 3,
    /// `<poll op="req">`.
    PollRequest = 4,
    /// `<poll op="ack" msgID>`.
    PollAck = 5,
    /// `<check>` around an object element.
    Check = 6,
    /// `<info>`.
    Info = 7,
    /// `<create>`.
    Create = 8,
    /// `<update>`.
    Update = 9,
    /// `<delete>`.
    Delete = 10,
    /// `<renew>`.
    Renew = 11,
    /// `<transfer op>`.
    Transfer = 12,
}

/// Where a client session is.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum epp_client_state {
    /// Connected; the server's greeting has not come.
    AwaitingGreeting = 1,
    /// Greeting received, not logged in (also after a failed login).
    GreetingReceived = 2,
    /// A login is in flight.
    LoginSent = 3,
    /// Logged in.
    LoggedIn = 4,
    /// A logout is in flight (or waits for room); no more commands.
    LogoutSent = 5,
    /// The server said it ends the session (1500 or 25xx): nothing more is
    /// sent; the session waits for the server to close the connection (or
    /// for the response deadline). The host may close it now.
    Closing = 6,
    /// Over: close the connection.
    Closed = 7,
}

/// What an `epp_client_event` is; it says which getters apply. Values are
/// never reused; new kinds are added at the end.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum epp_client_event_kind {
    /// A greeting: the connection's first frame, or the answer to a
    /// `<hello>` (`epp_client_event_get_command` gives the hello, NULL for
    /// the first). Getters: the `epp_client_event_get_greeting_*` ones.
    Greeting = 1,
    /// The answer to a `<login>`. Getters: command, the response getters,
    /// and on 1000 the services now in force
    /// (`epp_client_event_has_services` and the `_get_service_*` ones).
    Login = 2,
    /// The response to a command other than hello and login, matched to it
    /// in order. Getters: command and the response getters.
    Response = 3,
    /// The session sent a `<hello>` of its own after the keep-alive
    /// interval without traffic; its greeting comes as a greeting event.
    /// Getter: command.
    KeepAlive = 4,
    /// A response did not come within the response deadline; a closed
    /// event follows. Getter: command (the command still waiting).
    ResponseOverdue = 5,
    /// The session ended (or is ending: after 1500 or 25xx it waits for the
    /// server to close the connection). Comes once; no event follows it.
    /// Getters: close reason, protocol error, close detail, clTRIDs of a
    /// mismatch, close reason text, unanswered commands.
    Closed = 6,
}

/// Why a client session ended.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum epp_client_close_reason {
    /// The session has not ended.
    None = 0,
    /// The server answered 1500 (normally to `<logout>`).
    Logout = 1,
    /// The server answered with a 25xx code and closes the connection.
    /// Detail: `EPP_CLOSE_DETAIL_RESULT_CODE`.
    ServerClosing = 2,
    /// The server closed the connection between frames.
    PeerClosed = 3,
    /// The server closed the connection inside a frame. Detail:
    /// `EPP_CLOSE_DETAIL_BYTES_RECEIVED`.
    PeerClosedMidFrame = 4,
    /// The server sent something that is not EPP as expected; the
    /// protocol error getter says what.
    Protocol = 5,
    /// No greeting came within the response deadline.
    GreetingOverdue = 6,
    /// A response did not come within the response deadline. Detail:
    /// `EPP_CLOSE_DETAIL_COMMAND_ID`.
    ResponseOverdue = 7,
    /// The host closed the session (`epp_client_session_close`).
    Host = 8,
}

/// What was wrong with the server's input, when a client session closed
/// with `EPP_CLIENT_CLOSE_REASON_PROTOCOL`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum epp_client_protocol_error {
    /// The session did not close for a protocol error.
    None = 0,
    /// A frame header announced a length outside 5 to the maximum frame
    /// size. Details: `EPP_CLOSE_DETAIL_FRAME_LENGTH`,
    /// `EPP_CLOSE_DETAIL_FRAME_LIMIT`.
    BadFrameLength = 1,
    /// A frame is not well-formed XML, or not an EPP greeting or response
    /// (the close reason text says why).
    Malformed = 2,
    /// A response came where a greeting was due.
    GreetingExpected = 3,
    /// A greeting came where the answer to another command was due.
    /// Detail: `EPP_CLOSE_DETAIL_COMMAND_KIND`.
    UnexpectedGreeting = 4,
    /// A greeting or response came with no command outstanding.
    Unsolicited = 5,
    /// A response's clTRID is not the clTRID of the command it answers:
    /// `epp_client_event_get_close_expected_cl_trid` and
    /// `epp_client_event_get_close_received_cl_trid`.
    ClTridMismatch = 6,
}

/// `epp_client_config_builder_set_keep_alive_ms` with this value: never
/// send a keep-alive `<hello>`.
pub const EPP_KEEP_ALIVE_NEVER: u64 = u64::MAX;

// ---------------------------------------------------------------------------
// Conversions
// ---------------------------------------------------------------------------

impl From<&ClientError> for epp_result {
    fn from(e: &ClientError) -> epp_result {
        // Exhaustive on purpose: a new ClientError variant must get its own
        // epp_result value before this compiles.
        match e {
            ClientError::Closed(_) => epp_result::SessionClosed,
            ClientError::WrongState { .. } => epp_result::WrongState,
            ClientError::ServiceNotOffered { .. } => epp_result::ServiceNotOffered,
            ClientError::NoObjectService => epp_result::NoObjectService,
            ClientError::VersionNotOffered => epp_result::VersionNotOffered,
            ClientError::LanguageNotOffered(_) => epp_result::LanguageNotOffered,
            ClientError::PasswordTooLong { .. } => epp_result::PasswordTooLong,
            ClientError::NotLoggedInWith { .. } => epp_result::NotLoggedInWith,
            ClientError::InvalidXml { .. } => epp_result::InvalidXml,
            ClientError::InvalidCommand(_) => epp_result::InvalidCommand,
        }
    }
}

fn kind_value(k: CommandKind) -> epp_client_command_kind {
    use epp_client_command_kind as K;
    match k {
        CommandKind::Hello => K::Hello,
        CommandKind::Login => K::Login,
        CommandKind::Logout => K::Logout,
        CommandKind::PollRequest => K::PollRequest,
        CommandKind::PollAck => K::PollAck,
        CommandKind::Object(CommandVerb::Check) => K::Check,
        CommandKind::Object(CommandVerb::Info) => K::Info,
        CommandKind::Object(CommandVerb::Create) => K::Create,
        CommandKind::Object(CommandVerb::Update) => K::Update,
        CommandKind::Object(CommandVerb::Delete) => K::Delete,
        CommandKind::Object(CommandVerb::Renew) => K::Renew,
        CommandKind::Object(CommandVerb::Transfer) => K::Transfer,
    }
}

/// Reads an enumeration value given by C, which may be any number.
fn command_kind_from_u32(v: u32) -> Option<epp_client_command_kind> {
    use epp_client_command_kind as K;
    Some(match v {
        1 => K::Hello,
        2 => K::Login,
        3 => K::Logout,
        4 => K::PollRequest,
        5 => K::PollAck,
        6 => K::Check,
        7 => K::Info,
        8 => K::Create,
        9 => K::Update,
        10 => K::Delete,
        11 => K::Renew,
        12 => K::Transfer,
        _ => return None,
    })
}

fn verb_from_u32(v: u32) -> Option<CommandVerb> {
    Some(match v {
        1 => CommandVerb::Check,
        2 => CommandVerb::Info,
        3 => CommandVerb::Create,
        4 => CommandVerb::Update,
        5 => CommandVerb::Delete,
        6 => CommandVerb::Renew,
        7 => CommandVerb::Transfer,
        _ => return None,
    })
}

fn op_from_u32(v: u32) -> Result<Option<TransferOp>, epp_result> {
    Ok(match v {
        0 => None,
        1 => Some(TransferOp::Request),
        2 => Some(TransferOp::Approve),
        3 => Some(TransferOp::Cancel),
        4 => Some(TransferOp::Query),
        5 => Some(TransferOp::Reject),
        _ => {
            return Err(invalid(format!(
                "op: {v} is not an EPP_CLIENT_TRANSFER_OP_* value"
            )))
        }
    })
}

fn state_value(s: ClientState) -> epp_client_state {
    match s {
        ClientState::AwaitingGreeting => epp_client_state::AwaitingGreeting,
        ClientState::GreetingReceived => epp_client_state::GreetingReceived,
        ClientState::LoginSent => epp_client_state::LoginSent,
        ClientState::LoggedIn => epp_client_state::LoggedIn,
        ClientState::LogoutSent => epp_client_state::LogoutSent,
        ClientState::Closing => epp_client_state::Closing,
        ClientState::Closed => epp_client_state::Closed,
    }
}

fn close_reason_value(r: Option<&ClientCloseReason>) -> epp_client_close_reason {
    use epp_client_close_reason as R;
    // Exhaustive on purpose: a new ClientCloseReason needs its own value.
    match r {
        None => R::None,
        Some(ClientCloseReason::Logout) => R::Logout,
        Some(ClientCloseReason::ServerClosing(_)) => R::ServerClosing,
        Some(ClientCloseReason::PeerClosed) => R::PeerClosed,
        Some(ClientCloseReason::PeerClosedMidFrame { .. }) => R::PeerClosedMidFrame,
        Some(ClientCloseReason::Protocol(_)) => R::Protocol,
        Some(ClientCloseReason::GreetingOverdue) => R::GreetingOverdue,
        Some(ClientCloseReason::ResponseOverdue { .. }) => R::ResponseOverdue,
        Some(ClientCloseReason::Host) => R::Host,
    }
}

fn protocol_error_value(r: Option<&ClientCloseReason>) -> epp_client_protocol_error {
    use epp_client_protocol_error as P;
    match r {
        Some(ClientCloseReason::Protocol(e)) => match e {
            ProtocolError::BadFrameLength { .. } => P::BadFrameLength,
            ProtocolError::Malformed { .. } => P::Malformed,
            ProtocolError::GreetingExpected => P::GreetingExpected,
            ProtocolError::UnexpectedGreeting { .. } => P::UnexpectedGreeting,
            ProtocolError::Unsolicited => P::Unsolicited,
            ProtocolError::ClTridMismatch { .. } => P::ClTridMismatch,
        },
        _ => P::None,
    }
}

fn close_detail(r: Option<&ClientCloseReason>, which: epp_close_detail) -> Result<u64, epp_result> {
    if !super::request::is_close_detail(which) {
        return Err(invalid(format!(
            "which: {} is not an EPP_CLOSE_DETAIL_* value",
            which.0
        )));
    }
    use ClientCloseReason as C;
    match (r, which) {
        (Some(C::ServerClosing(code)), EPP_CLOSE_DETAIL_RESULT_CODE) => Ok(u64::from(code.code())),
        (Some(C::PeerClosedMidFrame { received }), EPP_CLOSE_DETAIL_BYTES_RECEIVED) => {
            Ok(*received as u64)
        }
        (
            Some(C::Protocol(ProtocolError::BadFrameLength { length, .. })),
            EPP_CLOSE_DETAIL_FRAME_LENGTH,
        ) => Ok(u64::from(*length)),
        (
            Some(C::Protocol(ProtocolError::BadFrameLength { limit, .. })),
            EPP_CLOSE_DETAIL_FRAME_LIMIT,
        ) => Ok(u64::from(*limit)),
        (
            Some(C::Protocol(ProtocolError::UnexpectedGreeting { answering })),
            EPP_CLOSE_DETAIL_COMMAND_KIND,
        ) => Ok(kind_value(*answering) as u64),
        (Some(C::ResponseOverdue { command }), EPP_CLOSE_DETAIL_COMMAND_ID) => Ok(command.get()),
        _ => Err(epp_result::NotApplicable),
    }
}

/// Parses an xs:dateTime with a time zone (`2027-01-15T08:00:00.0Z`,
/// `...+02:00`) to Unix milliseconds (fractions below a millisecond cut).
/// `None` for anything else, or a time before 1970.
pub(crate) fn parse_datetime_ms(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let num = |from: usize, n: usize| -> Option<i64> {
        let d = b.get(from..from + n)?;
        if !d.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(d).ok()?.parse().ok()
    };
    // Four-digit years only (what EPP servers send).
    let year = num(0, 4)?;
    let (month, day) = (num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || b.get(10) != Some(&b'T')
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return None;
    }
    let days_in = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=days_in).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 3 {
                millis = millis * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..3 {
            millis *= 10;
        }
    }
    let offset_min = match b.get(i) {
        Some(b'Z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let (h, m) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if h > 14 || m > 59 {
                return None;
            }
            let v = h * 60 + m;
            if sign == b'-' {
                -v
            } else {
                v
            }
        }
        _ => return None,
    };
    // Days from the civil date (H. Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_min * 60;
    let ms = secs.checked_mul(1000)?.checked_add(millis)?;
    u64::try_from(ms).ok()
}

// ---------------------------------------------------------------------------
// Config builder
// ---------------------------------------------------------------------------

fn with_builder(
    b: *mut epp_client_config_builder,
    f: impl FnOnce(&mut epp_client_config_builder) -> Res,
) -> epp_result {
    guard(|| f(unsafe { handle_mut(b)? }))
}

/// Starts a client configuration for the registrar `client_id` (clID, 3 to
/// 16 characters) logging in with `password` (at least 6 characters; more
/// than 16 only where the server offers RFC 8807 login security), both
/// checked by `epp_client_config_builder_build`. Defaults: language "en",
/// 1 command in flight, a keep-alive `<hello>` after 300000 ms idle, a
/// response deadline of 60000 ms, clTRIDs the clID and "-" followed by a
/// sequence number, frames up to 16 MiB. At least one objURI must be
/// added. On success `*out_builder` receives a builder to free with
/// `epp_client_config_builder_free`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_config_builder_new(
    client_id: *const c_char,
    client_id_len: usize,
    password: *const c_char,
    password_len: usize,
    out_builder: *mut *mut epp_client_config_builder,
) -> epp_result {
    guard(|| {
        let id = unsafe { string(client_id, client_id_len)? };
        let pw = unsafe { string(password, password_len)? };
        let o = unsafe { out(out_builder)? };
        o.write(into_handle(epp_client_config_builder {
            inner: ClientConfig::builder(id, pw),
            last_error: None,
        }));
        Ok(())
    })
}

/// Frees a client config builder (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn epp_client_config_builder_free(builder: *mut epp_client_config_builder) {
    guard_void(|| unsafe { free_handle(builder) })
}

/// Sets a new password (`<newPW>`) for the login; it is in force once a
/// login answered 1000.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_config_builder_set_new_password(
    builder: *mut epp_client_config_builder,
    password: *const c_char,
    password_len: usize,
) -> epp_result {
    with_builder(builder, |b| {
        let pw = unsafe { string(password, password_len)? };
        b.inner.new_password(pw);
        Ok(())
    })
}

/// Sets the response language (`<options><lang>`, default "en"); the
/// greeting must offer it.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_config_builder_set_lang(
    builder: *mut epp_client_config_builder,
    lang: *const c_char,
    lang_len: usize,
) -> epp_result {
    with_builder(builder, |b| {
        let l = unsafe { string(lang, lang_len)? };
        b.inner.lang(l);
        Ok(())
    })
}

/// Wants an object service (objURI), in order. With `required`, a login
/// to a server whose greeting does not offer it is refused
/// (`EPP_RESULT_SERVICE_NOT_OFFERED`); otherwise it is used when offered.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_config_builder_add_object_uri(
    builder: *mut epp_client_config_builder,
    uri: *const c_char,
    uri_len: usize,
    required: bool,
) -> epp_result {
    with_builder(builder, |b| {
        let u = unsafe { string(uri, uri_len)? };
        if required {
            b.inner.required_object_uri(u);
        } else {
            b.inner.object_uri(u);
        }
        Ok(())
    })
}

/// Wants an extension service (extURI), in order; `required` as for
/// `epp_client_config_builder_add_object_uri`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_config_builder_add_extension_uri(
    builder: *mut epp_client_config_builder,
    uri: *const c_char,
    uri_len: usize,
    required: bool,
) -> epp_result {
    with_builder(builder, |b| {
        let u = unsafe { string(uri, uri_len)? };
        if required {
            b.inner.required_extension_uri(u);
        } else {
            b.inner.extension_uri(u);
        }
        Ok(())
    })
}

/// Sets how many commands may be written and unanswered at once (default
/// 1; at least 1). Commands given beyond it wait in the session and go out
/// as responses come back.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_config_builder_set_max_in_flight(
    builder: *mut epp_client_config_builder,
    max_in_flight: usize,
) -> epp_result {
    with_builder(builder, |b| {
        b.inner.max_in_flight(max_in_flight);
        Ok(())
    })
}

/// Sets the idle time in milliseconds after which a logged-in session with
/// nothing in flight sends a `<hello>` of its own (default 300000; more
/// than 0); `EPP_KEEP_ALIVE_NEVER` for never.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_config_builder_set_keep_alive_ms(
    builder: *mut epp_client_config_builder,
    interval_ms: u64,
) -> epp_result {
    with_builder(builder, |b| {
        b.inner.keep_alive(if interval_ms == EPP_KEEP_ALIVE_NEVER {
            None
        } else {
            Some(Duration::from_millis(interval_ms))
        });
        Ok(())
    })
}

/// Sets how long in milliseconds the server may take (default 60000; more
/// than 0): for the greeting from the start, for each response from the
/// later of its command's writing and the previous response, and for
/// closing the connection after 1500 or 25xx.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_config_builder_set_response_deadline_ms(
    builder: *mut epp_client_config_builder,
    deadline_ms: u64,
) -> epp_result {
    with_builder(builder, |b| {
        b.inner
            .response_deadline(Duration::from_millis(deadline_ms));
        Ok(())
    })
}

/// Sets the prefix of generated clTRIDs, which are the prefix followed by
/// a sequence number from 1 (2 to 44 characters without white space;
/// default: the clID and "-").
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_config_builder_set_cl_trid_prefix(
    builder: *mut epp_client_config_builder,
    prefix: *const c_char,
    prefix_len: usize,
) -> epp_result {
    with_builder(builder, |b| {
        let p = unsafe { string(prefix, prefix_len)? };
        b.inner.cl_trid_prefix(p);
        Ok(())
    })
}

/// Sets the largest frame accepted from the server, header included
/// (default 16777216; at least 1024).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_config_builder_set_max_frame_size(
    builder: *mut epp_client_config_builder,
    max_frame_size: u32,
) -> epp_result {
    with_builder(builder, |b| {
        b.inner.max_frame_size(max_frame_size);
        Ok(())
    })
}

/// Validates the configuration and writes it to `*out_config` (free it
/// with `epp_client_config_free`). `EPP_RESULT_INVALID_CONFIG` when it is
/// not acceptable: `epp_client_config_builder_get_last_error` says why. The
/// builder stays usable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_config_builder_build(
    builder: *mut epp_client_config_builder,
    out_config: *mut *mut epp_client_config,
) -> epp_result {
    with_builder(builder, |b| {
        let o = unsafe { out(out_config)? };
        match b.inner.build() {
            Ok(inner) => {
                b.last_error = None;
                o.write(into_handle(epp_client_config { inner }));
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

/// Why the last `epp_client_config_builder_build` on this builder failed;
/// (NULL, 0) when it succeeded or was never called. Valid until the next
/// call given this builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_config_builder_get_last_error(
    builder: *const epp_client_config_builder,
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

/// Frees a client config (NULL is ignored). Sessions made from it keep
/// their own reference.
#[no_mangle]
pub unsafe extern "C" fn epp_client_config_free(config: *mut epp_client_config) {
    guard_void(|| unsafe { free_handle(config) })
}

// ---------------------------------------------------------------------------
// Session
// ---------------------------------------------------------------------------

impl epp_client_session {
    fn set_error(&self, msg: String) {
        super::boundary::detail(msg.clone());
        if let Ok(mut slot) = self.last_error.try_borrow_mut() {
            *slot = Some(msg);
        }
    }

    fn clear_error(&self) {
        if let Ok(mut slot) = self.last_error.try_borrow_mut() {
            *slot = None;
        }
    }

    fn note_failure(&self, r: epp_result) {
        if let Ok(mut slot) = self.last_error.try_borrow_mut() {
            if slot.is_none() {
                *slot = Some(super::boundary::peek_detail().unwrap_or_else(|| r.text().to_owned()));
            }
        }
    }

    fn check<T>(&self, r: Result<T, ClientError>) -> Result<T, epp_result> {
        r.map_err(|e| {
            self.set_error(e.to_string());
            epp_result::from(&e)
        })
    }
}

fn poison(s: &epp_client_session, payload: Box<dyn std::any::Any + Send>) -> epp_result {
    s.poisoned.set(true);
    let msg = panic_message(payload);
    s.set_error(format!("panic in libepp (the session is unusable): {msg}"));
    epp_result::Panic
}

/// Runs an export on a client session given by mutable pointer, inside the
/// panic boundary; a panic poisons the session.
pub(crate) fn client_mut(
    p: *mut epp_client_session,
    f: impl FnOnce(&mut epp_client_session) -> Res,
) -> epp_result {
    guard(|| {
        let s = unsafe { handle_mut(p)? };
        if s.poisoned.get() {
            return Err(epp_result::Panic);
        }
        s.clear_error();
        match catch_unwind(AssertUnwindSafe(|| f(&mut *s))) {
            Ok(Err(r)) => {
                s.note_failure(r);
                Err(r)
            }
            Ok(r) => r,
            Err(payload) => Err(poison(s, payload)),
        }
    })
}

/// Like [`client_mut`], for getters.
fn client_ref(
    p: *const epp_client_session,
    f: impl FnOnce(&epp_client_session) -> Res,
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

/// session-create: a client session of `config` for a connection made at
/// `now_ms` (Unix milliseconds, as every `now_ms`). Nothing is sent until
/// the greeting has come. On success `*out_session` receives a session to
/// free with `epp_client_session_free`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_new(
    config: *const epp_client_config,
    now_ms: u64,
    out_session: *mut *mut epp_client_session,
) -> epp_result {
    guard(|| {
        let config = unsafe { handle(config)? };
        let o = unsafe { out(out_session)? };
        let now = time_from_ms(now_ms)?;
        o.write(into_handle(epp_client_session {
            inner: ClientSession::new(Arc::clone(&config.inner), now),
            poisoned: Cell::new(false),
            last_error: RefCell::new(None),
            close_text: RefCell::new(None),
        }));
        Ok(())
    })
}

/// Frees a client session (NULL is ignored), poisoned or not. Events and
/// commands taken from it stay valid.
#[no_mangle]
pub unsafe extern "C" fn epp_client_session_free(session: *mut epp_client_session) {
    guard_void(|| unsafe { free_handle(session) })
}

/// feed-input: hands the session `len` bytes read from the server at
/// `now_ms`; it takes them all. Each whole frame is handled at once
/// (events queued, commands waiting for room written); an unfinished one
/// is held. While closing, input is dropped. Afterwards, take output and
/// poll the queue. `EPP_RESULT_SESSION_CLOSED` once the session is closed
/// (sticky; nothing was taken).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_feed_input(
    session: *mut epp_client_session,
    data: *const u8,
    len: usize,
    now_ms: u64,
) -> epp_result {
    client_mut(session, |s| {
        let input = unsafe { bytes(data, len)? };
        let now = time_from_ms(now_ms)?;
        let r = s.inner.feed_input(input, now);
        s.check(r)
    })
}

/// Writes to `*out_wants` whether the host should read from the server:
/// true until the session is closed (while closing, input is read only to
/// see the connection end).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_wants_input(
    session: *const epp_client_session,
    out_wants: *mut bool,
) -> epp_result {
    client_ref(session, |s| {
        let o = unsafe { out(out_wants)? };
        o.write(s.inner.wants_input());
        Ok(())
    })
}

/// Writes to `*out_len` how many bytes of an unfinished frame the session
/// holds.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_get_buffered_input(
    session: *const epp_client_session,
    out_len: *mut usize,
) -> epp_result {
    client_ref(session, |s| {
        let o = unsafe { out(out_len)? };
        o.write(s.inner.buffered_input());
        Ok(())
    })
}

/// Tells the session the server closed the connection (read returned 0)
/// at `now_ms`. Before the session ends that closes it
/// (`EPP_CLIENT_CLOSE_REASON_PEER_CLOSED`, or `_PEER_CLOSED_MID_FRAME`
/// inside a frame); while closing it is the expected end.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_handle_eof(
    session: *mut epp_client_session,
    now_ms: u64,
) -> epp_result {
    client_mut(session, |s| {
        let now = time_from_ms(now_ms)?;
        s.inner.handle_eof(now);
        Ok(())
    })
}

/// Ends the session at the host's wish (`EPP_CLIENT_CLOSE_REASON_HOST`):
/// output not yet consumed is dropped; a closed event lists the commands
/// left unanswered.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_close(session: *mut epp_client_session) -> epp_result {
    client_mut(session, |s| {
        s.inner.close();
        Ok(())
    })
}

/// take-output: writes to `*out_ptr` and `*out_len` the bytes to write to
/// the server (`*out_len` is 0 when nothing is pending; `*out_ptr` is then
/// not to be read). The bytes belong to the session and stay valid until
/// the next call given this session. Write some or all, then call
/// `epp_client_session_consume_output` with the number written.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_take_output(
    session: *mut epp_client_session,
    out_ptr: *mut *const u8,
    out_len: *mut usize,
) -> epp_result {
    client_mut(session, |s| {
        let p = unsafe { out(out_ptr)? };
        let l = unsafe { out(out_len)? };
        let pending = s.inner.output();
        p.write(pending.as_ptr());
        l.write(pending.len());
        Ok(())
    })
}

/// Marks the first `n` bytes of the pending output as written.
/// `EPP_RESULT_INVALID_LENGTH` when fewer than `n` bytes are pending.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_consume_output(
    session: *mut epp_client_session,
    n: usize,
) -> epp_result {
    client_mut(session, |s| {
        if n > s.inner.output().len() {
            return Err(epp_result::InvalidLength);
        }
        s.inner.consume_output(n);
        Ok(())
    })
}

/// poll-queue: takes the next event, in the order things happened, and
/// writes it to `*out_event`; writes NULL when there is none (still
/// `EPP_RESULT_OK`). Free each event with `epp_client_event_free`. Poll
/// after every feed, command, timeout and close.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_poll_queue(
    session: *mut epp_client_session,
    out_event: *mut *mut epp_client_event,
) -> epp_result {
    client_mut(session, |s| {
        let o = unsafe { out(out_event)? };
        o.write(match s.inner.poll_queue() {
            Some(e) => into_handle(epp_client_event::new(e)),
            None => std::ptr::null_mut(),
        });
        Ok(())
    })
}

/// Writes to `*out_at_ms` when `epp_client_session_handle_timeout` should
/// next be called (Unix milliseconds), or `EPP_TIMEOUT_NONE` when never:
/// the greeting's or the oldest response's deadline, the keep-alive after
/// idle, or the end of waiting for the server to close the connection. Ask
/// again after every call that changes the session.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_get_next_timeout(
    session: *const epp_client_session,
    out_at_ms: *mut u64,
) -> epp_result {
    client_ref(session, |s| {
        let o = unsafe { out(out_at_ms)? };
        o.write(
            s.inner
                .next_timeout()
                .map_or(EPP_TIMEOUT_NONE, ms_from_time),
        );
        Ok(())
    })
}

/// Acts on the deadline due by `now_ms`, if one is: a keep-alive
/// `<hello>` (a keep-alive event), or closing for an overdue greeting or
/// response (a response-overdue event, then a closed event). Writes to
/// `*out_due` whether a deadline had passed.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_handle_timeout(
    session: *mut epp_client_session,
    now_ms: u64,
    out_due: *mut bool,
) -> epp_result {
    client_mut(session, |s| {
        let o = unsafe { out(out_due)? };
        let now = time_from_ms(now_ms)?;
        o.write(s.inner.handle_timeout(now));
        Ok(())
    })
}

/// Gives a command at `now_ms`: it is written to the output at once, or
/// waits (in order) while the configured number of commands are in
/// flight; every event about it carries its id and tag.
///
/// - `kind`: an `epp_client_command_kind` value (others are
///   `EPP_RESULT_INVALID_ARGUMENT`).
/// - `argument`: the object element's XML for an object command (it must
///   declare its namespaces, one of the session's objURIs); the message id
///   for `EPP_CLIENT_COMMAND_KIND_POLL_ACK`; (NULL, 0) for the others
///   (required or refused with `EPP_RESULT_NULL_PARAMETER` /
///   `EPP_RESULT_INVALID_ARGUMENT`).
/// - `op`: an `epp_transfer_op` value: the op of a transfer,
///   `EPP_TRANSFER_OP_NONE` for other kinds (anything else is
///   `EPP_RESULT_INVALID_ARGUMENT`). A transfer without an op is refused
///   by the session (`EPP_RESULT_INVALID_COMMAND`).
/// - `extension`: optional `<extension>` content, elements in the
///   session's extURIs, each declaring its namespaces; (NULL, 0) for none.
/// - `cl_trid`: optional clTRID (3 to 64 characters); (NULL, 0) for a
///   generated one (the configured prefix and a sequence number).
/// - `tag`: optional pointer to a number of the caller's, returned with
///   every event about the command; NULL for none.
/// - `out_command`: optional; when not NULL it receives the command taken
///   (free it with `epp_client_command_free`).
///
/// Nothing is sent on error: `EPP_RESULT_SESSION_CLOSED` once the session
/// is closing or closed; `EPP_RESULT_WRONG_STATE` when the state does not
/// allow the command; for a login, `EPP_RESULT_VERSION_NOT_OFFERED`,
/// `EPP_RESULT_LANGUAGE_NOT_OFFERED`, `EPP_RESULT_SERVICE_NOT_OFFERED`,
/// `EPP_RESULT_NO_OBJECT_SERVICE` or `EPP_RESULT_PASSWORD_TOO_LONG` when it
/// cannot be negotiated with the latest greeting;
/// `EPP_RESULT_NOT_LOGGED_IN_WITH`, `EPP_RESULT_INVALID_XML` or
/// `EPP_RESULT_INVALID_COMMAND` for the command's content.
/// `epp_client_session_get_last_error` says why.
#[no_mangle]
#[must_use]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn epp_client_session_send(
    session: *mut epp_client_session,
    kind: u32,
    argument: *const c_char,
    argument_len: usize,
    op: u32,
    extension: *const c_char,
    extension_len: usize,
    cl_trid: *const c_char,
    cl_trid_len: usize,
    tag: *const u64,
    now_ms: u64,
    out_command: *mut *mut epp_client_command,
) -> epp_result {
    client_mut(session, |s| {
        use epp_client_command_kind as K;
        let kind = command_kind_from_u32(kind).ok_or_else(|| {
            invalid(format!(
                "kind: {kind} is not an EPP_CLIENT_COMMAND_KIND_* value"
            ))
        })?;
        let op = op_from_u32(op)?;
        let argument = unsafe { opt_string(argument, argument_len)? };
        let extension = unsafe { opt_string(extension, extension_len)? };
        let cl_trid = unsafe { opt_string(cl_trid, cl_trid_len)? };
        let tag = if tag.is_null() {
            None
        } else if (tag as usize) % std::mem::align_of::<u64>() != 0 {
            return Err(invalid(format!("tag: {tag:p} is not aligned to 8 bytes")));
        } else {
            // SAFETY: non-NULL and aligned; the caller promised it is readable.
            Some(unsafe { tag.read() })
        };
        if op.is_some() && kind != K::Transfer {
            return Err(invalid(format!(
                "op: a transfer op with kind {}, which is not EPP_CLIENT_COMMAND_KIND_TRANSFER",
                kind as u32
            )));
        }
        let needs_argument = !matches!(kind, K::Hello | K::Login | K::Logout | K::PollRequest);
        let command = match (kind, argument) {
            (K::Hello | K::Login | K::Logout | K::PollRequest, Some(_)) => {
                return Err(invalid(format!(
                    "argument: kind {} takes no argument; pass (NULL, 0)",
                    kind as u32
                )))
            }
            (_, None) if needs_argument => return Err(epp_result::NullParameter),
            (K::Hello, None) => Command::hello(),
            (K::Login, None) => Command::login(),
            (K::Logout, None) => Command::logout(),
            (K::PollRequest, None) => Command::poll_request(),
            (K::PollAck, Some(id)) => Command::poll_ack(id),
            (K::Transfer, Some(xml)) => match op {
                Some(op) => Command::transfer(op, xml),
                None => Command::object(CommandVerb::Transfer, xml),
            },
            (k, Some(xml)) => {
                let verb = verb_from_u32(k as u32 - 5).ok_or_else(|| {
                    invalid(format!(
                        "kind: {} is not an EPP_CLIENT_COMMAND_KIND_* value",
                        k as u32
                    ))
                })?;
                Command::object(verb, xml)
            }
            (_, None) => unreachable!("checked above"),
        };
        send(s, command, extension, cl_trid, tag, now_ms, out_command)
    })
}

/// Checks `out_command`, sends, and hands the command out.
fn send(
    s: &mut epp_client_session,
    mut command: Command,
    extension: Option<&str>,
    cl_trid: Option<&str>,
    tag: Option<u64>,
    now_ms: u64,
    out_command: *mut *mut epp_client_command,
) -> Res {
    let o = if out_command.is_null() {
        None
    } else {
        Some(unsafe { out(out_command)? })
    };
    let now = time_from_ms(now_ms)?;
    if let Some(x) = extension {
        command = command.with_extension(x);
    }
    if let Some(t) = cl_trid {
        command = command.with_cl_trid(t);
    }
    if let Some(t) = tag {
        command = command.with_tag(t);
    }
    let r = s.inner.send(command, now);
    let sent = s.check(r)?;
    if let Some(o) = o {
        o.write(into_handle(epp_client_command { inner: sent }));
    }
    Ok(())
}

/// Sends `<hello>` (no extension, no clTRID, no tag); its answer is a
/// greeting event. `out_command` is optional, as for
/// `epp_client_session_send`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_hello(
    session: *mut epp_client_session,
    now_ms: u64,
    out_command: *mut *mut epp_client_command,
) -> epp_result {
    client_mut(session, |s| {
        send(s, Command::hello(), None, None, None, now_ms, out_command)
    })
}

/// Sends `<login>`: the configuration's credentials and the wanted
/// services the latest greeting offers (refused early when a required one
/// is not offered); a password over 16 characters goes in the RFC 8807
/// extension when the greeting offers it. Answered by a login event.
/// `out_command` is optional. Errors as for `epp_client_session_send`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_login(
    session: *mut epp_client_session,
    now_ms: u64,
    out_command: *mut *mut epp_client_command,
) -> epp_result {
    client_mut(session, |s| {
        send(s, Command::login(), None, None, None, now_ms, out_command)
    })
}

/// Sends `<logout>`; a 1500 answer ends the session (closing, then closed
/// when the server closes the connection). `out_command` is optional.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_logout(
    session: *mut epp_client_session,
    now_ms: u64,
    out_command: *mut *mut epp_client_command,
) -> epp_result {
    client_mut(session, |s| {
        send(s, Command::logout(), None, None, None, now_ms, out_command)
    })
}

/// Sends `<poll op="req">`. `out_command` is optional.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_poll_request(
    session: *mut epp_client_session,
    now_ms: u64,
    out_command: *mut *mut epp_client_command,
) -> epp_result {
    client_mut(session, |s| {
        send(
            s,
            Command::poll_request(),
            None,
            None,
            None,
            now_ms,
            out_command,
        )
    })
}

/// Sends `<poll op="ack" msgID>` for the message `message_id` (the id of
/// a poll response's message queue). `out_command` is optional.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_poll_ack(
    session: *mut epp_client_session,
    message_id: *const c_char,
    message_id_len: usize,
    now_ms: u64,
    out_command: *mut *mut epp_client_command,
) -> epp_result {
    client_mut(session, |s| {
        let id = unsafe { string(message_id, message_id_len)? };
        send(
            s,
            Command::poll_ack(id),
            None,
            None,
            None,
            now_ms,
            out_command,
        )
    })
}

/// Sends an object command: `verb` (an `epp_command_verb` value) around
/// `object_xml`, the object element, which must declare its namespaces
/// (one of the session's objURIs), with optional `<extension>` content
/// ((NULL, 0) for none) and an optional `tag` (NULL for none). A transfer
/// needs its op: use `epp_client_session_send`. `out_command` is
/// optional. Errors as for `epp_client_session_send`.
#[no_mangle]
#[must_use]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn epp_client_session_object(
    session: *mut epp_client_session,
    verb: u32,
    object_xml: *const c_char,
    object_xml_len: usize,
    extension: *const c_char,
    extension_len: usize,
    tag: *const u64,
    now_ms: u64,
    out_command: *mut *mut epp_client_command,
) -> epp_result {
    let kind = match verb_from_u32(verb) {
        Some(v) => kind_value(CommandKind::Object(v)) as u32,
        None => 0,
    };
    unsafe {
        epp_client_session_send(
            session,
            kind,
            object_xml,
            object_xml_len,
            epp_transfer_op::None as u32,
            extension,
            extension_len,
            std::ptr::null(),
            0,
            tag,
            now_ms,
            out_command,
        )
    }
}

/// Writes the session's state to `*out_state`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_get_state(
    session: *const epp_client_session,
    out_state: *mut epp_client_state,
) -> epp_result {
    client_ref(session, |s| {
        let o = unsafe { out(out_state)? };
        o.write(state_value(s.inner.state()));
        Ok(())
    })
}

/// Writes to `*out_finished` whether the connection should be closed now
/// (the session is closed).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_is_finished(
    session: *const epp_client_session,
    out_finished: *mut bool,
) -> epp_result {
    client_ref(session, |s| {
        let o = unsafe { out(out_finished)? };
        o.write(s.inner.is_finished());
        Ok(())
    })
}

/// Writes to `*out_count` how many commands are written and unanswered.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_get_in_flight(
    session: *const epp_client_session,
    out_count: *mut usize,
) -> epp_result {
    client_ref(session, |s| {
        let o = unsafe { out(out_count)? };
        o.write(s.inner.in_flight());
        Ok(())
    })
}

/// Writes to `*out_count` how many commands wait for room to be written.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_get_queued(
    session: *const epp_client_session,
    out_count: *mut usize,
) -> epp_result {
    client_ref(session, |s| {
        let o = unsafe { out(out_count)? };
        o.write(s.inner.queued());
        Ok(())
    })
}

/// Writes to `*out_reason` why the session ended or is ending;
/// `EPP_CLIENT_CLOSE_REASON_NONE` while it is open.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_get_close_reason(
    session: *const epp_client_session,
    out_reason: *mut epp_client_close_reason,
) -> epp_result {
    client_ref(session, |s| {
        let o = unsafe { out(out_reason)? };
        o.write(close_reason_value(s.inner.close_reason()));
        Ok(())
    })
}

/// Writes to `*out_error` what was wrong with the server's input when the
/// session closed for a protocol error; `EPP_CLIENT_PROTOCOL_ERROR_NONE`
/// otherwise.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_get_protocol_error(
    session: *const epp_client_session,
    out_error: *mut epp_client_protocol_error,
) -> epp_result {
    client_ref(session, |s| {
        let o = unsafe { out(out_error)? };
        o.write(protocol_error_value(s.inner.close_reason()));
        Ok(())
    })
}

/// Writes to `*out_value` a number that comes with the close reason
/// (`EPP_CLOSE_DETAIL_*`, see the close reasons and protocol errors);
/// `EPP_RESULT_NOT_APPLICABLE` while the session is open or when its
/// reason has no such number.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_get_close_detail(
    session: *const epp_client_session,
    which: epp_close_detail,
    out_value: *mut u64,
) -> epp_result {
    client_ref(session, |s| {
        let o = unsafe { out(out_value)? };
        o.write(close_detail(s.inner.close_reason(), which)?);
        Ok(())
    })
}

/// The close reason as English text for logs; (NULL, 0) while the session
/// is open. Valid until the next call given this session.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_get_close_reason_text(
    session: *const epp_client_session,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    client_ref(session, |s| {
        let o = unsafe { out_str(out_ptr, out_len)? };
        let mut text = s.close_text.borrow_mut();
        *text = s.inner.close_reason().map(|r| r.to_string());
        o.write(text.as_deref());
        Ok(())
    })
}

/// Why the latest call that changes this session (every
/// `epp_client_session_*` call but the getters) failed, as English text;
/// (NULL, 0) when that call succeeded. Works on a poisoned session (the
/// panic's text). Valid until the next call given this session.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_session_get_last_error(
    session: *const epp_client_session,
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
// Commands
// ---------------------------------------------------------------------------

fn with_command(c: *const epp_client_command, f: impl FnOnce(&SentCommand) -> Res) -> epp_result {
    guard(|| f(&unsafe { handle(c)? }.inner))
}

/// Frees a command handed out by a command call (NULL is ignored). Never
/// free the commands an event hands out: they belong to the event.
#[no_mangle]
pub unsafe extern "C" fn epp_client_command_free(command: *mut epp_client_command) {
    guard_void(|| unsafe { free_handle(command) })
}

/// Writes to `*out_id` the command's id: unique within its session, never
/// reused, increasing in the order commands were given (keep-alive hellos
/// included).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_command_get_id(
    command: *const epp_client_command,
    out_id: *mut u64,
) -> epp_result {
    with_command(command, |c| {
        let o = unsafe { out(out_id)? };
        o.write(c.id.get());
        Ok(())
    })
}

/// Writes the command's kind to `*out_kind`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_command_get_kind(
    command: *const epp_client_command,
    out_kind: *mut epp_client_command_kind,
) -> epp_result {
    with_command(command, |c| {
        let o = unsafe { out(out_kind)? };
        o.write(kind_value(c.kind));
        Ok(())
    })
}

/// Writes to `*out_tag` the caller's tag; `EPP_RESULT_NOT_APPLICABLE` when
/// the command was given without one.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_command_get_tag(
    command: *const epp_client_command,
    out_tag: *mut u64,
) -> epp_result {
    with_command(command, |c| {
        let o = unsafe { out(out_tag)? };
        o.write(c.tag.ok_or(epp_result::NotApplicable)?);
        Ok(())
    })
}

/// The command's clTRID; (NULL, 0) for a `<hello>`. Valid as long as the
/// command handle.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_command_get_cl_trid(
    command: *const epp_client_command,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    with_command(command, |c| {
        let o = unsafe { out_str(out_ptr, out_len)? };
        o.write(c.cl_trid.as_deref());
        Ok(())
    })
}

/// Writes to `*out_at_ms` when the command was written to the output;
/// `EPP_RESULT_NOT_APPLICABLE` while it waits for room (and for a command
/// that never went out).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_command_get_sent_at(
    command: *const epp_client_command,
    out_at_ms: *mut u64,
) -> epp_result {
    with_command(command, |c| {
        let o = unsafe { out(out_at_ms)? };
        o.write(ms_from_time(c.sent_at.ok_or(epp_result::NotApplicable)?));
        Ok(())
    })
}

/// Writes to `*out_keep_alive` whether the command is a `<hello>` the
/// session sent on its own to keep the connection alive.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_command_is_keep_alive(
    command: *const epp_client_command,
    out_keep_alive: *mut bool,
) -> epp_result {
    with_command(command, |c| {
        let o = unsafe { out(out_keep_alive)? };
        o.write(c.keep_alive);
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

impl epp_client_event {
    fn new(inner: Event) -> epp_client_event {
        let wrap = |c: &SentCommand| epp_client_command { inner: c.clone() };
        let (commands, close_text) = match &inner {
            Event::Greeting { hello, .. } => (hello.iter().map(wrap).collect(), None),
            Event::Login { command, .. }
            | Event::Response { command, .. }
            | Event::KeepAlive { command }
            | Event::ResponseOverdue { command } => (vec![wrap(command)], None),
            Event::Closed { reason, unanswered } => (
                unanswered.iter().map(wrap).collect(),
                Some(reason.to_string()),
            ),
        };
        epp_client_event {
            inner,
            commands,
            close_text,
        }
    }

    fn response(&self) -> Result<&Response, epp_result> {
        match &self.inner {
            Event::Login { response, .. } | Event::Response { response, .. } => Ok(response),
            _ => Err(NA),
        }
    }

    fn result(&self, index: usize) -> Result<&EppResult, epp_result> {
        self.response()?
            .results
            .get(index)
            .ok_or(epp_result::IndexOutOfRange)
    }

    fn greeting(&self) -> Result<&Greeting, epp_result> {
        match &self.inner {
            Event::Greeting { greeting, .. } => Ok(greeting),
            _ => Err(NA),
        }
    }

    /// The services of a login event: `Ok(None)` for a login without them.
    fn services(&self) -> Result<Option<&Services>, epp_result> {
        match &self.inner {
            Event::Login { services, .. } => Ok(services.as_ref()),
            _ => Err(NA),
        }
    }

    fn closed(&self) -> Result<&ClientCloseReason, epp_result> {
        match &self.inner {
            Event::Closed { reason, .. } => Ok(reason),
            _ => Err(NA),
        }
    }
}

const NA: epp_result = epp_result::NotApplicable;

fn with_event(e: *const epp_client_event, f: impl FnOnce(&epp_client_event) -> Res) -> epp_result {
    guard(|| f(unsafe { handle(e)? }))
}

/// A string getter on an event: checks the out-parameters, then writes
/// what `get` returns.
fn event_str(
    e: *const epp_client_event,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
    get: impl FnOnce(&epp_client_event) -> Result<Option<&str>, epp_result>,
) -> epp_result {
    with_event(e, |e| {
        let o = unsafe { out_str(out_ptr, out_len)? };
        o.write(get(e)?);
        Ok(())
    })
}

/// A number getter on an event.
fn event_value<T>(
    e: *const epp_client_event,
    out_value: *mut T,
    get: impl FnOnce(&epp_client_event) -> Result<T, epp_result>,
) -> epp_result {
    with_event(e, |e| {
        let o = unsafe { out(out_value)? };
        o.write(get(e)?);
        Ok(())
    })
}

/// The string at `index` of a list.
fn item(list: &[String], index: usize) -> Result<Option<&str>, epp_result> {
    list.get(index)
        .map(|s| Some(s.as_str()))
        .ok_or(epp_result::IndexOutOfRange)
}

/// Frees an event (NULL is ignored). Strings and commands obtained from
/// it become invalid.
#[no_mangle]
pub unsafe extern "C" fn epp_client_event_free(event: *mut epp_client_event) {
    guard_void(|| unsafe { free_handle(event) })
}

/// Writes the event's kind to `*out_kind`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_kind(
    event: *const epp_client_event,
    out_kind: *mut epp_client_event_kind,
) -> epp_result {
    event_value(event, out_kind, |e| {
        Ok(match e.inner {
            Event::Greeting { .. } => epp_client_event_kind::Greeting,
            Event::Login { .. } => epp_client_event_kind::Login,
            Event::Response { .. } => epp_client_event_kind::Response,
            Event::KeepAlive { .. } => epp_client_event_kind::KeepAlive,
            Event::ResponseOverdue { .. } => epp_client_event_kind::ResponseOverdue,
            Event::Closed { .. } => epp_client_event_kind::Closed,
        })
    })
}

/// Writes to `*out_command` the command the event is about, borrowed from
/// the event (valid until the event is freed; never free it): a login,
/// response, keep-alive or response-overdue event's command; for a
/// greeting, the `<hello>` it answers, or NULL for the connection's first
/// greeting. `EPP_RESULT_NOT_APPLICABLE` for a closed event (see
/// `epp_client_event_get_unanswered`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_command(
    event: *const epp_client_event,
    out_command: *mut *const epp_client_command,
) -> epp_result {
    event_value(event, out_command, |e| match e.inner {
        Event::Closed { .. } => Err(NA),
        _ => Ok(e
            .commands
            .first()
            .map_or(std::ptr::null(), |c| c as *const epp_client_command)),
    })
}

// --- responses (login and response events) -------------------------------

/// Login or response event: writes to `*out_code` the result code of the
/// response (its first result).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_code(
    event: *const epp_client_event,
    out_code: *mut u16,
) -> epp_result {
    event_value(event, out_code, |e| Ok(e.response()?.code().code()))
}

/// Login or response event: writes to `*out_count` the number of
/// `<result>`s (at least 1).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_result_count(
    event: *const epp_client_event,
    out_count: *mut usize,
) -> epp_result {
    event_value(event, out_count, |e| Ok(e.response()?.results.len()))
}

/// Login or response event: writes to `*out_code` the code of the result
/// at `index` (below `epp_client_event_get_result_count`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_result_code(
    event: *const epp_client_event,
    index: usize,
    out_code: *mut u16,
) -> epp_result {
    event_value(event, out_code, |e| Ok(e.result(index)?.code.code()))
}

/// Login or response event: the `<msg>` text of the result at `index`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_result_message(
    event: *const epp_client_event,
    index: usize,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        Ok(Some(
            e.result(index)?.message.as_deref().unwrap_or_default(),
        ))
    })
}

/// Login or response event: the `lang` of the `<msg>` of the result at
/// `index`; (NULL, 0) when absent (meaning "en").
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_result_lang(
    event: *const epp_client_event,
    index: usize,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        Ok(e.result(index)?.lang.as_deref())
    })
}

/// Login or response event: writes to `*out_count` how many `<value>` and
/// `<extValue>` elements the result at `index` has.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_result_value_count(
    event: *const epp_client_event,
    index: usize,
    out_count: *mut usize,
) -> epp_result {
    event_value(event, out_count, |e| Ok(e.result(index)?.values.len()))
}

fn value(e: &epp_client_event, index: usize, value: usize) -> Result<&ResultValue, epp_result> {
    e.result(index)?
        .values
        .get(value)
        .ok_or(epp_result::IndexOutOfRange)
}

/// Login or response event: the XML element of the `<value>` (or of the
/// `<extValue><value>`) number `value` of the result at `index`, standing
/// alone (the namespace declarations it inherits copied in).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_result_value(
    event: *const epp_client_event,
    index: usize,
    value_index: usize,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        Ok(Some(match value(e, index, value_index)? {
            ResultValue::Value(x) => x.as_str(),
            ResultValue::ExtValue { value, .. } => value.as_str(),
        }))
    })
}

/// Login or response event: the `<reason>` of the `<extValue>` number
/// `value` of the result at `index`; (NULL, 0) for a plain `<value>`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_result_value_reason(
    event: *const epp_client_event,
    index: usize,
    value_index: usize,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        Ok(match value(e, index, value_index)? {
            ResultValue::Value(_) => None,
            ResultValue::ExtValue { reason, .. } => Some(reason.as_str()),
        })
    })
}

/// Login or response event: the response's `<clTRID>`; (NULL, 0) when the
/// server sent none (a response with another command's clTRID closes the
/// session instead).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_response_cl_trid(
    event: *const epp_client_event,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        Ok(e.response()?.cl_trid.as_deref())
    })
}

/// Login or response event: the response's `<svTRID>`; (NULL, 0) when the
/// server sent none.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_sv_trid(
    event: *const epp_client_event,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        Ok(e.response()?.sv_trid.as_deref())
    })
}

/// Login or response event: the children of `<resData>`, each standing
/// alone, concatenated; (NULL, 0) when there is none.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_res_data(
    event: *const epp_client_event,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        Ok(e.response()?.res_data.as_deref())
    })
}

/// Login or response event: the children of `<extension>`, each standing
/// alone, concatenated (an RFC 8807 `<loginSec:loginSecData>` of a login
/// response included); (NULL, 0) when there is none.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_extension(
    event: *const epp_client_event,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        Ok(e.response()?.extension.as_deref())
    })
}

/// Login or response event: writes to `*out_has` whether the response has
/// a `<msgQ>` (the `epp_client_event_get_msgq_*` getters are
/// `EPP_RESULT_NOT_APPLICABLE` without one).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_has_msgq(
    event: *const epp_client_event,
    out_has: *mut bool,
) -> epp_result {
    event_value(event, out_has, |e| {
        Ok(e.response()?.message_queue.is_some())
    })
}

fn msgq(e: &epp_client_event) -> Result<&crate::client::MessageQueue, epp_result> {
    e.response()?.message_queue.as_ref().ok_or(NA)
}

/// Login or response event with a `<msgQ>`: writes its `count` (messages
/// queued) to `*out_count`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_msgq_count(
    event: *const epp_client_event,
    out_count: *mut u64,
) -> epp_result {
    event_value(event, out_count, |e| Ok(msgq(e)?.count))
}

/// Login or response event with a `<msgQ>`: its `id` (for a poll
/// response, the message to acknowledge with
/// `epp_client_session_poll_ack`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_msgq_id(
    event: *const epp_client_event,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| Ok(Some(msgq(e)?.id.as_str())))
}

/// Login or response event with a `<msgQ>`: its `<qDate>` as sent;
/// (NULL, 0) when absent.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_msgq_date(
    event: *const epp_client_event,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        Ok(msgq(e)?.queued_at.as_deref())
    })
}

/// Login or response event with a `<msgQ>`: writes its `<qDate>` as Unix
/// milliseconds to `*out_ms`; `EPP_RESULT_NOT_APPLICABLE` when there is no
/// `<qDate>` or it is not an xs:dateTime with a time zone.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_msgq_date_ms(
    event: *const epp_client_event,
    out_ms: *mut u64,
) -> epp_result {
    event_value(event, out_ms, |e| {
        msgq(e)?
            .queued_at
            .as_deref()
            .and_then(parse_datetime_ms)
            .ok_or(NA)
    })
}

/// Login or response event with a `<msgQ>`: the text of its `<msg>` (the
/// character data of any markup in it included); (NULL, 0) when absent.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_msgq_message(
    event: *const epp_client_event,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| Ok(msgq(e)?.message.as_deref()))
}

/// Login or response event with a `<msgQ>`: the `lang` of its `<msg>`;
/// (NULL, 0) when absent (meaning "en").
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_msgq_lang(
    event: *const epp_client_event,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| Ok(msgq(e)?.lang.as_deref()))
}

// --- login services ------------------------------------------------------

/// Login event: writes to `*out_has` whether it carries the services now
/// in force (the login succeeded: 1000). Without them the
/// `epp_client_event_get_service_*` getters are
/// `EPP_RESULT_NOT_APPLICABLE`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_has_services(
    event: *const epp_client_event,
    out_has: *mut bool,
) -> epp_result {
    event_value(event, out_has, |e| Ok(e.services()?.is_some()))
}

fn services(e: &epp_client_event) -> Result<&Services, epp_result> {
    e.services()?.ok_or(NA)
}

/// Successful login event: writes to `*out_count` how many objURIs the
/// session logged in with.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_service_obj_uri_count(
    event: *const epp_client_event,
    out_count: *mut usize,
) -> epp_result {
    event_value(event, out_count, |e| Ok(services(e)?.object_uris.len()))
}

/// Successful login event: the objURI at `index`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_service_obj_uri(
    event: *const epp_client_event,
    index: usize,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        item(&services(e)?.object_uris, index)
    })
}

/// Successful login event: writes to `*out_count` how many extURIs the
/// session logged in with (RFC 8807's included when it was used).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_service_ext_uri_count(
    event: *const epp_client_event,
    out_count: *mut usize,
) -> epp_result {
    event_value(event, out_count, |e| Ok(services(e)?.extension_uris.len()))
}

/// Successful login event: the extURI at `index`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_service_ext_uri(
    event: *const epp_client_event,
    index: usize,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        item(&services(e)?.extension_uris, index)
    })
}

/// Successful login event: the language of the session.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_service_lang(
    event: *const epp_client_event,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        Ok(Some(services(e)?.lang.as_str()))
    })
}

/// Successful login event: writes to `*out_used` whether the login used
/// RFC 8807 login security (a password longer than 16 characters).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_service_login_security(
    event: *const epp_client_event,
    out_used: *mut bool,
) -> epp_result {
    event_value(event, out_used, |e| Ok(services(e)?.login_security))
}

// --- greetings -----------------------------------------------------------

/// Greeting event: the `<svID>`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_greeting_sv_id(
    event: *const epp_client_event,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        Ok(Some(e.greeting()?.server_id.as_str()))
    })
}

/// Greeting event: the `<svDate>` as sent.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_greeting_sv_date(
    event: *const epp_client_event,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        Ok(Some(e.greeting()?.server_date.as_str()))
    })
}

/// Greeting event: writes the `<svDate>` as Unix milliseconds to
/// `*out_ms`; `EPP_RESULT_NOT_APPLICABLE` when it is not an xs:dateTime
/// with a time zone (or before 1970).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_greeting_sv_date_ms(
    event: *const epp_client_event,
    out_ms: *mut u64,
) -> epp_result {
    event_value(event, out_ms, |e| {
        parse_datetime_ms(&e.greeting()?.server_date).ok_or(NA)
    })
}

/// Greeting event: writes to `*out_count` how many `<version>`s it has.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_greeting_version_count(
    event: *const epp_client_event,
    out_count: *mut usize,
) -> epp_result {
    event_value(event, out_count, |e| Ok(e.greeting()?.versions.len()))
}

/// Greeting event: the `<version>` at `index`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_greeting_version(
    event: *const epp_client_event,
    index: usize,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        item(&e.greeting()?.versions, index)
    })
}

/// Greeting event: writes to `*out_count` how many `<lang>`s it has.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_greeting_lang_count(
    event: *const epp_client_event,
    out_count: *mut usize,
) -> epp_result {
    event_value(event, out_count, |e| Ok(e.greeting()?.languages.len()))
}

/// Greeting event: the `<lang>` at `index`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_greeting_lang(
    event: *const epp_client_event,
    index: usize,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        item(&e.greeting()?.languages, index)
    })
}

/// Greeting event: writes to `*out_count` how many `<objURI>`s it offers.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_greeting_obj_uri_count(
    event: *const epp_client_event,
    out_count: *mut usize,
) -> epp_result {
    event_value(event, out_count, |e| Ok(e.greeting()?.object_uris.len()))
}

/// Greeting event: the `<objURI>` at `index`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_greeting_obj_uri(
    event: *const epp_client_event,
    index: usize,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        item(&e.greeting()?.object_uris, index)
    })
}

/// Greeting event: writes to `*out_count` how many `<extURI>`s it offers.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_greeting_ext_uri_count(
    event: *const epp_client_event,
    out_count: *mut usize,
) -> epp_result {
    event_value(event, out_count, |e| Ok(e.greeting()?.extension_uris.len()))
}

/// Greeting event: the `<extURI>` at `index`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_greeting_ext_uri(
    event: *const epp_client_event,
    index: usize,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        item(&e.greeting()?.extension_uris, index)
    })
}

/// Greeting event: the `<dcp>` element standing alone (the namespace
/// declarations it inherits copied in); (NULL, 0) when the server sent
/// none.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_greeting_dcp(
    event: *const epp_client_event,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        Ok(e.greeting()?.dcp.as_deref())
    })
}

// --- the end of the session ----------------------------------------------

/// Closed event: writes to `*out_reason` why the session ended.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_close_reason(
    event: *const epp_client_event,
    out_reason: *mut epp_client_close_reason,
) -> epp_result {
    event_value(event, out_reason, |e| {
        Ok(close_reason_value(Some(e.closed()?)))
    })
}

/// Closed event: writes to `*out_error` what was wrong with the server's
/// input (`EPP_CLIENT_PROTOCOL_ERROR_NONE` unless the reason is
/// `EPP_CLIENT_CLOSE_REASON_PROTOCOL`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_protocol_error(
    event: *const epp_client_event,
    out_error: *mut epp_client_protocol_error,
) -> epp_result {
    event_value(event, out_error, |e| {
        Ok(protocol_error_value(Some(e.closed()?)))
    })
}

/// Closed event: writes to `*out_value` a number that comes with the
/// close reason (`EPP_CLOSE_DETAIL_*`); `EPP_RESULT_NOT_APPLICABLE` when
/// this reason has no such number.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_close_detail(
    event: *const epp_client_event,
    which: epp_close_detail,
    out_value: *mut u64,
) -> epp_result {
    event_value(event, out_value, |e| close_detail(Some(e.closed()?), which))
}

fn mismatch(e: &epp_client_event) -> Result<(&str, &str), epp_result> {
    match e.closed()? {
        ClientCloseReason::Protocol(ProtocolError::ClTridMismatch { expected, received }) => {
            Ok((expected, received))
        }
        _ => Err(NA),
    }
}

/// Closed event for `EPP_CLIENT_PROTOCOL_ERROR_CL_TRID_MISMATCH`: the
/// clTRID of the command the response should have answered.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_close_expected_cl_trid(
    event: *const epp_client_event,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| Ok(Some(mismatch(e)?.0)))
}

/// Closed event for `EPP_CLIENT_PROTOCOL_ERROR_CL_TRID_MISMATCH`: the
/// clTRID the response carried.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_close_received_cl_trid(
    event: *const epp_client_event,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| Ok(Some(mismatch(e)?.1)))
}

/// Closed event: the close reason as English text for logs (for a
/// malformed frame, what is wrong with it).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_close_reason_text(
    event: *const epp_client_event,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    event_str(event, out_ptr, out_len, |e| {
        e.closed()?;
        Ok(e.close_text.as_deref())
    })
}

/// Closed event: writes to `*out_count` how many commands were given and
/// never answered (written or still waiting).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_unanswered_count(
    event: *const epp_client_event,
    out_count: *mut usize,
) -> epp_result {
    event_value(event, out_count, |e| {
        e.closed()?;
        Ok(e.commands.len())
    })
}

/// Closed event: writes to `*out_command` the unanswered command at
/// `index` (oldest first), borrowed from the event (valid until the event
/// is freed; never free it).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_client_event_get_unanswered(
    event: *const epp_client_event,
    index: usize,
    out_command: *mut *const epp_client_command,
) -> epp_result {
    event_value(event, out_command, |e| {
        e.closed()?;
        e.commands
            .get(index)
            .map(|c| c as *const epp_client_command)
            .ok_or(epp_result::IndexOutOfRange)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_datetimes() {
        assert_eq!(
            parse_datetime_ms("2027-01-15T08:00:00.0Z"),
            Some(1_800_000_000_000)
        );
        assert_eq!(
            parse_datetime_ms("2027-01-15T08:00:00.123456Z"),
            Some(1_800_000_000_123)
        );
        assert_eq!(
            parse_datetime_ms("2027-01-15T10:00:00.5+02:00"),
            Some(1_800_000_000_500)
        );
        assert_eq!(parse_datetime_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_datetime_ms("2024-02-29T00:00:00-00:30"),
            Some(1_709_166_600_000)
        );
        for bad in [
            "",
            "2027-01-15",
            "2027-01-15T08:00:00",
            "2027-01-15T08:00:00.Z",
            "2027-13-15T08:00:00Z",
            "2023-02-29T08:00:00Z",
            "2027-01-15T24:00:00Z",
            "2027-01-15 08:00:00Z",
            "2027-01-15T08:00:00Zx",
            "1969-12-31T23:59:59Z",
            "2027-01-15T08:00:00+2:00",
        ] {
            assert_eq!(parse_datetime_ms(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_client_error_has_a_result() {
        let e = ClientError::NoObjectService;
        assert_eq!(epp_result::from(&e), epp_result::NoObjectService);
        for v in 1..=12 {
            let k = command_kind_from_u32(v).unwrap();
            assert_eq!(k as u32, v);
        }
        assert!(command_kind_from_u32(0).is_none() && command_kind_from_u32(13).is_none());
    }
}
