//! `libepp.client`: the binding of the registrar-side engine `epp::client`.
//!
//! The classes live in `libepp._libepp` (their `__module__` is
//! `libepp.client`, which re-exports them); the one whose name the server
//! side already uses there, `Response`, is registered as `ClientResponse`.
//!
//! Concurrency is the server session's: a [`ClientSession`] is a frozen
//! pyclass holding the core session in a mutex that is never held while
//! Python code runs; the GIL is released while the core works on a large
//! input and while a thread waits for another one's lock.

use std::sync::Arc;
use std::time::SystemTime;

use parking_lot::{Mutex, MutexGuard};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pyclass::CompareOp;
use pyo3::types::{PyBytes, PyInt, PyString};

use epp::client::{
    ClientCloseReason as CoreCloseReason, ClientConfig as CoreConfig, ClientError as CoreError,
    ClientSession as CoreSession, ClientState, Command, CommandKind, Event as CoreEvent,
    Greeting as CoreGreeting, LoginSecurityEvent as CoreLoginSecurityEvent,
    MessageQueue as CoreMessageQueue, ProtocolError, Response as CoreResponse,
    SentCommand as CoreSent, ServiceKind, Services as CoreServices,
};
use epp::{CommandVerb, EppResult, ResultValue, TransferOp};

use crate::{
    config_error, duration, from_time, input_bytes, obj, py_bool, py_opt_str, pyr, pyr_list,
    to_time, with_attrs, EppError, DETACH_INPUT,
};

// ---------------------------------------------------------------------------
// exceptions
// ---------------------------------------------------------------------------

pyo3::create_exception!(
    libepp.client,
    ClientError,
    EppError,
    "Base class of the client engine's errors: a call it could not carry out; nothing was sent."
);
pyo3::create_exception!(
    libepp.client,
    ClientClosedError,
    ClientError,
    "The client session has ended (sticky: every later call fails the same way; attributes: reason, a ClientCloseReason, and command, the SentCommand left unanswered when the asyncio client raises it for one, else None)."
);
pyo3::create_exception!(
    libepp.client,
    WrongStateError,
    ClientError,
    "The command cannot be sent in this state: before the greeting, a second login, a command before login or after logout... (attributes: command, state)."
);
pyo3::create_exception!(
    libepp.client,
    NegotiationError,
    ClientError,
    "A login cannot be negotiated with the server's greeting (the base of ServiceNotOfferedError, NoObjectServiceError, VersionNotOfferedError, LanguageNotOfferedError and PasswordTooLongError)."
);
pyo3::create_exception!(
    libepp.client,
    ServiceNotOfferedError,
    NegotiationError,
    "A service the configuration requires is not in the greeting (attributes: service_kind, \"object\" or \"extension\", and uri)."
);
pyo3::create_exception!(
    libepp.client,
    NoObjectServiceError,
    NegotiationError,
    "None of the wanted objURIs is offered by the server."
);
pyo3::create_exception!(
    libepp.client,
    VersionNotOfferedError,
    NegotiationError,
    "The greeting does not offer EPP version 1.0."
);
pyo3::create_exception!(
    libepp.client,
    LanguageNotOfferedError,
    NegotiationError,
    "The greeting does not offer the configured language (attribute: lang)."
);
pyo3::create_exception!(
    libepp.client,
    PasswordTooLongError,
    NegotiationError,
    "A password over 16 characters, and the server does not offer RFC 8807 login security (attributes: field, \"pw\" or \"newPW\", and length)."
);
pyo3::create_exception!(
    libepp.client,
    NotLoggedInWithError,
    ClientError,
    "The command uses a namespace the session did not log in with (attributes: service_kind, \"object\" or \"extension\", and uri)."
);
pyo3::create_exception!(
    libepp.client,
    InvalidCommandXmlError,
    ClientError,
    "XML given for a command is not acceptable (attributes: field, \"object\" or \"extension\", and reason)."
);
pyo3::create_exception!(
    libepp.client,
    InvalidCommandError,
    ClientError,
    "Some other part of a command is not acceptable: a clTRID, a message id, a transfer without its op... (attribute: reason)."
);

fn service_kind(k: ServiceKind) -> &'static str {
    match k {
        ServiceKind::Object => "object",
        ServiceKind::Extension => "extension",
    }
}

/// The one Python exception class of each core error.
fn client_error(py: Python<'_>, e: CoreError) -> PyErr {
    let msg = e.to_string();
    match e {
        CoreError::Closed(reason) => {
            let reason = Py::new(py, ClientCloseReason { inner: reason })
                .map(|r| r.into_any())
                .unwrap_or_else(|_| py.None());
            with_attrs(
                py,
                ClientClosedError::new_err(msg),
                &[("reason", reason), ("command", py.None())],
            )
        }
        CoreError::WrongState { command, state } => with_attrs(
            py,
            WrongStateError::new_err(msg),
            &[
                ("command", obj(py, kind_name(command))),
                ("state", obj(py, state_name(state))),
            ],
        ),
        CoreError::ServiceNotOffered { kind, uri } => with_attrs(
            py,
            ServiceNotOfferedError::new_err(msg),
            &[
                ("service_kind", obj(py, service_kind(kind))),
                ("uri", obj(py, uri)),
            ],
        ),
        CoreError::NoObjectService => NoObjectServiceError::new_err(msg),
        CoreError::VersionNotOffered => VersionNotOfferedError::new_err(msg),
        CoreError::LanguageNotOffered(lang) => with_attrs(
            py,
            LanguageNotOfferedError::new_err(msg),
            &[("lang", obj(py, lang))],
        ),
        CoreError::PasswordTooLong { field, length } => with_attrs(
            py,
            PasswordTooLongError::new_err(msg),
            &[("field", obj(py, field)), ("length", obj(py, length))],
        ),
        CoreError::NotLoggedInWith { kind, uri } => with_attrs(
            py,
            NotLoggedInWithError::new_err(msg),
            &[
                ("service_kind", obj(py, service_kind(kind))),
                ("uri", obj(py, uri)),
            ],
        ),
        CoreError::InvalidXml { field, reason } => with_attrs(
            py,
            InvalidCommandXmlError::new_err(msg),
            &[("field", obj(py, field)), ("reason", obj(py, reason))],
        ),
        CoreError::InvalidCommand(reason) => with_attrs(
            py,
            InvalidCommandError::new_err(msg),
            &[("reason", obj(py, reason))],
        ),
        _ => ClientError::new_err(msg),
    }
}

// ---------------------------------------------------------------------------
// names
// ---------------------------------------------------------------------------

const VERBS: [(&str, CommandVerb); 7] = [
    ("check", CommandVerb::Check),
    ("info", CommandVerb::Info),
    ("create", CommandVerb::Create),
    ("update", CommandVerb::Update),
    ("delete", CommandVerb::Delete),
    ("renew", CommandVerb::Renew),
    ("transfer", CommandVerb::Transfer),
];

const TRANSFER_OPS: [(&str, TransferOp); 5] = [
    ("request", TransferOp::Request),
    ("approve", TransferOp::Approve),
    ("cancel", TransferOp::Cancel),
    ("query", TransferOp::Query),
    ("reject", TransferOp::Reject),
];

fn lookup<T: Copy>(table: &[(&'static str, T)], name: &str, what: &str) -> PyResult<T> {
    table
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
            PyValueError::new_err(format!(
                "{what} must be one of {}, not {name:?}",
                names.join(", ")
            ))
        })
}

/// A command kind as Python names it (as the server's request kinds):
/// `hello`, `login`, `logout`, `poll`, `poll_ack`, or the verb of an object
/// command.
fn kind_name(k: CommandKind) -> &'static str {
    match k {
        CommandKind::Hello => "hello",
        CommandKind::Login => "login",
        CommandKind::Logout => "logout",
        CommandKind::PollRequest => "poll",
        CommandKind::PollAck => "poll_ack",
        CommandKind::Object(v) => v.as_str(),
    }
}

fn state_name(s: ClientState) -> &'static str {
    match s {
        ClientState::AwaitingGreeting => "awaiting_greeting",
        ClientState::GreetingReceived => "greeting_received",
        ClientState::LoginSent => "login_sent",
        ClientState::LoggedIn => "logged_in",
        ClientState::LogoutSent => "logout_sent",
        ClientState::Closing => "closing",
        ClientState::Closed => "closed",
        #[allow(unreachable_patterns)]
        _ => "unknown",
    }
}

fn opt_f64(v: Option<f64>) -> String {
    v.map_or("None".into(), |v| format!("{v:?}"))
}

fn opt_num<T: ToString>(v: Option<T>) -> String {
    v.map_or("None".into(), |v| v.to_string())
}

fn opt_time(t: Option<SystemTime>) -> Option<f64> {
    t.map(from_time)
}

/// `__eq__`/`__ne__` from an equality that is None for another type.
fn richcmp(py: Python<'_>, eq: Option<bool>, op: CompareOp) -> Py<PyAny> {
    match (eq, op) {
        (Some(e), CompareOp::Eq) => obj(py, e),
        (Some(e), CompareOp::Ne) => obj(py, !e),
        _ => py.NotImplemented(),
    }
}

// ---------------------------------------------------------------------------
// ClientConfig
// ---------------------------------------------------------------------------

/// A client session's configuration: credentials, wanted services and
/// limits, validated once (libepp.ConfigError otherwise) and immutable.
///
/// ClientConfig(client_id, password, *, new_password=None, lang="en",
/// object_uris=(), required_object_uris=(), extension_uris=(),
/// required_extension_uris=(), max_in_flight=1, keep_alive=300.0,
/// response_deadline=60.0, cl_trid_prefix=None, max_frame_size=None)
///
/// client_id is the clID (3 to 16 characters), password at least 6
/// characters (over 16 only with a server offering RFC 8807 login
/// security). The login asks for the wanted services the greeting offers,
/// in the order given: object_uris, then the required_object_uris not
/// already in it (a URI in both lists is required at its place in
/// object_uris); a login refuses early (ServiceNotOfferedError) when a
/// required one is not offered. At least one objURI is needed. Likewise
/// extension_uris and required_extension_uris. max_in_flight commands may
/// be written and unanswered at once (the rest wait in order); keep_alive
/// is the idle time (seconds) after which a logged-in session sends a
/// <hello> of its own (None: never); response_deadline (seconds) is how
/// long the server may take to send the greeting, each response, and to
/// close the connection after 1500 or 25xx. cl_trid_prefix defaults to the
/// clID and "-" (clTRIDs are the prefix and a number from 1);
/// max_frame_size (bytes, header included) defaults to 16 MiB.
#[pyclass(frozen, module = "libepp.client")]
pub(crate) struct ClientConfig {
    inner: Arc<CoreConfig>,
}

// Sequence arguments: each error names the argument and what it got.
crate::args::seq_arg!(object_uris_arg, "object_uris", String, "str");
crate::args::seq_arg!(
    required_object_uris_arg,
    "required_object_uris",
    String,
    "str"
);
crate::args::seq_arg!(extension_uris_arg, "extension_uris", String, "str");
crate::args::seq_arg!(
    required_extension_uris_arg,
    "required_extension_uris",
    String,
    "str"
);

#[pymethods]
impl ClientConfig {
    #[new]
    #[pyo3(
        signature = (
            client_id,
            password,
            *,
            new_password = None,
            lang = "en".to_owned(),
            object_uris = Vec::new(),
            required_object_uris = Vec::new(),
            extension_uris = Vec::new(),
            required_extension_uris = Vec::new(),
            max_in_flight = 1,
            keep_alive = Some(300.0),
            response_deadline = 60.0,
            cl_trid_prefix = None,
            max_frame_size = None,
        ),
        text_signature = "(client_id, password, *, new_password=None, lang='en', object_uris=(), required_object_uris=(), extension_uris=(), required_extension_uris=(), max_in_flight=1, keep_alive=300.0, response_deadline=60.0, cl_trid_prefix=None, max_frame_size=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        client_id: String,
        password: String,
        new_password: Option<String>,
        lang: String,
        #[pyo3(from_py_with = object_uris_arg)] object_uris: Vec<String>,
        #[pyo3(from_py_with = required_object_uris_arg)] required_object_uris: Vec<String>,
        #[pyo3(from_py_with = extension_uris_arg)] extension_uris: Vec<String>,
        #[pyo3(from_py_with = required_extension_uris_arg)] required_extension_uris: Vec<String>,
        max_in_flight: usize,
        keep_alive: Option<f64>,
        response_deadline: f64,
        cl_trid_prefix: Option<String>,
        max_frame_size: Option<u32>,
    ) -> PyResult<Self> {
        let mut b = CoreConfig::builder(client_id, password);
        if let Some(p) = new_password {
            b.new_password(p);
        }
        b.lang(lang);
        for u in &object_uris {
            if required_object_uris.contains(u) {
                b.required_object_uri(u.clone());
            } else {
                b.object_uri(u.clone());
            }
        }
        for u in required_object_uris {
            if !object_uris.contains(&u) {
                b.required_object_uri(u);
            }
        }
        for u in &extension_uris {
            if required_extension_uris.contains(u) {
                b.required_extension_uri(u.clone());
            } else {
                b.extension_uri(u.clone());
            }
        }
        for u in required_extension_uris {
            if !extension_uris.contains(&u) {
                b.required_extension_uri(u);
            }
        }
        b.max_in_flight(max_in_flight);
        b.keep_alive(match keep_alive {
            Some(k) => Some(duration(k, "keep_alive")?),
            None => None,
        });
        b.response_deadline(duration(response_deadline, "response_deadline")?);
        if let Some(p) = cl_trid_prefix {
            b.cl_trid_prefix(p);
        }
        if let Some(n) = max_frame_size {
            b.max_frame_size(n);
        }
        let inner = b.build().map_err(|e| config_error(py, e))?;
        Ok(ClientConfig { inner })
    }

    /// The clID.
    #[getter]
    fn client_id(&self) -> &str {
        self.inner.client_id()
    }

    /// Whether the login sets a new password.
    #[getter]
    fn has_new_password(&self) -> bool {
        self.inner.has_new_password()
    }

    /// The response language asked for.
    #[getter]
    fn lang(&self) -> &str {
        self.inner.lang()
    }

    /// Every wanted object URI, in the login's order (required or not).
    #[getter]
    fn object_uris(&self) -> Vec<String> {
        self.inner
            .object_services()
            .iter()
            .map(|s| s.uri.clone())
            .collect()
    }

    /// The object URIs a login cannot do without.
    #[getter]
    fn required_object_uris(&self) -> Vec<String> {
        self.inner
            .object_services()
            .iter()
            .filter(|s| s.required)
            .map(|s| s.uri.clone())
            .collect()
    }

    /// Every wanted extension URI, in the login's order (required or not).
    #[getter]
    fn extension_uris(&self) -> Vec<String> {
        self.inner
            .extension_services()
            .iter()
            .map(|s| s.uri.clone())
            .collect()
    }

    /// The extension URIs a login cannot do without.
    #[getter]
    fn required_extension_uris(&self) -> Vec<String> {
        self.inner
            .extension_services()
            .iter()
            .filter(|s| s.required)
            .map(|s| s.uri.clone())
            .collect()
    }

    /// Commands written and not yet answered, at most.
    #[getter]
    fn max_in_flight(&self) -> usize {
        self.inner.max_in_flight()
    }

    /// Idle seconds after which a logged-in session sends a <hello>; None: never.
    #[getter]
    fn keep_alive(&self) -> Option<f64> {
        self.inner.keep_alive().map(|d| d.as_secs_f64())
    }

    /// Seconds the server may take to answer.
    #[getter]
    fn response_deadline(&self) -> f64 {
        self.inner.response_deadline().as_secs_f64()
    }

    /// The prefix of generated clTRIDs.
    #[getter]
    fn cl_trid_prefix(&self) -> &str {
        self.inner.cl_trid_prefix()
    }

    /// The largest frame accepted from the server, header included.
    #[getter]
    fn max_frame_size(&self) -> u32 {
        self.inner.max_frame_size()
    }

    fn __repr__(&self) -> String {
        format!(
            "ClientConfig(client_id={}, password=<redacted>, object_uris={}, extension_uris={}, max_in_flight={})",
            pyr(self.inner.client_id()),
            pyr_list(&self.object_uris()),
            pyr_list(&self.extension_uris()),
            self.inner.max_in_flight()
        )
    }
}

// ---------------------------------------------------------------------------
// value types
// ---------------------------------------------------------------------------

/// Why a client session ended (or is ending). Compares equal to its `kind`
/// string; str() is the core's description.
///
/// kind: "logout" (the server answered 1500), "server_closing" (a 25xx
/// code: `code`), "peer_closed", "peer_closed_mid_frame" (`received` bytes
/// of the unfinished frame), "protocol" (the server sent something that is
/// not EPP as expected: `protocol_error`, with `length` and `limit`,
/// `detail`, `answering`, or `expected_cl_trid` and `received_cl_trid` by
/// error), "greeting_overdue", "response_overdue" (`command_id` waited too
/// long) or "host".
#[pyclass(frozen, module = "libepp.client")]
pub(crate) struct ClientCloseReason {
    inner: CoreCloseReason,
}

impl ClientCloseReason {
    fn kind_str(&self) -> &'static str {
        match &self.inner {
            CoreCloseReason::Logout => "logout",
            CoreCloseReason::ServerClosing(_) => "server_closing",
            CoreCloseReason::PeerClosed => "peer_closed",
            CoreCloseReason::PeerClosedMidFrame { .. } => "peer_closed_mid_frame",
            CoreCloseReason::Protocol(_) => "protocol",
            CoreCloseReason::GreetingOverdue => "greeting_overdue",
            CoreCloseReason::ResponseOverdue { .. } => "response_overdue",
            CoreCloseReason::Host => "host",
            _ => "other",
        }
    }
}

fn protocol_error_name(e: &ProtocolError) -> &'static str {
    match e {
        ProtocolError::BadFrameLength { .. } => "bad_frame_length",
        ProtocolError::Malformed { .. } => "malformed",
        ProtocolError::GreetingExpected => "greeting_expected",
        ProtocolError::UnexpectedGreeting { .. } => "unexpected_greeting",
        ProtocolError::Unsolicited => "unsolicited",
        ProtocolError::ClTridMismatch { .. } => "cl_trid_mismatch",
        _ => "other",
    }
}

#[pymethods]
impl ClientCloseReason {
    /// logout, server_closing, peer_closed, peer_closed_mid_frame, protocol,
    /// greeting_overdue, response_overdue or host.
    #[getter]
    fn kind(&self) -> &'static str {
        self.kind_str()
    }

    /// For server_closing: the 25xx code.
    #[getter]
    fn code(&self) -> Option<u16> {
        match &self.inner {
            CoreCloseReason::ServerClosing(c) => Some(c.code()),
            _ => None,
        }
    }

    /// For peer_closed_mid_frame: bytes of the unfinished frame received.
    #[getter]
    fn received(&self) -> Option<usize> {
        match &self.inner {
            CoreCloseReason::PeerClosedMidFrame { received } => Some(*received),
            _ => None,
        }
    }

    /// For response_overdue: the id of the command still waiting.
    #[getter]
    fn command_id(&self) -> Option<u64> {
        match &self.inner {
            CoreCloseReason::ResponseOverdue { command } => Some(command.get()),
            _ => None,
        }
    }

    /// For protocol: bad_frame_length, malformed, greeting_expected,
    /// unexpected_greeting, unsolicited or cl_trid_mismatch.
    #[getter]
    fn protocol_error(&self) -> Option<&'static str> {
        match &self.inner {
            CoreCloseReason::Protocol(e) => Some(protocol_error_name(e)),
            _ => None,
        }
    }

    /// For protocol error bad_frame_length: the length announced.
    #[getter]
    fn length(&self) -> Option<u32> {
        match &self.inner {
            CoreCloseReason::Protocol(ProtocolError::BadFrameLength { length, .. }) => {
                Some(*length)
            }
            _ => None,
        }
    }

    /// For protocol error bad_frame_length: the largest accepted
    /// (max_frame_size).
    #[getter]
    fn limit(&self) -> Option<u32> {
        match &self.inner {
            CoreCloseReason::Protocol(ProtocolError::BadFrameLength { limit, .. }) => Some(*limit),
            _ => None,
        }
    }

    /// For protocol error malformed: what is wrong.
    #[getter]
    fn detail(&self) -> Option<&str> {
        match &self.inner {
            CoreCloseReason::Protocol(ProtocolError::Malformed { reason }) => Some(reason),
            _ => None,
        }
    }

    /// For protocol error unexpected_greeting: the kind of the command the
    /// frame should have answered.
    #[getter]
    fn answering(&self) -> Option<&'static str> {
        match &self.inner {
            CoreCloseReason::Protocol(ProtocolError::UnexpectedGreeting { answering }) => {
                Some(kind_name(*answering))
            }
            _ => None,
        }
    }

    /// For protocol error cl_trid_mismatch: the command's clTRID.
    #[getter]
    fn expected_cl_trid(&self) -> Option<&str> {
        match &self.inner {
            CoreCloseReason::Protocol(ProtocolError::ClTridMismatch { expected, .. }) => {
                Some(expected)
            }
            _ => None,
        }
    }

    /// For protocol error cl_trid_mismatch: the response's clTRID.
    #[getter]
    fn received_cl_trid(&self) -> Option<&str> {
        match &self.inner {
            CoreCloseReason::Protocol(ProtocolError::ClTridMismatch { received, .. }) => {
                Some(received)
            }
            _ => None,
        }
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }

    fn __repr__(&self) -> String {
        format!(
            "<ClientCloseReason {}: {}>",
            self.kind_str(),
            pyr(&self.inner.to_string())
        )
    }

    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> Py<PyAny> {
        let py = other.py();
        let eq = if other.is_instance_of::<PyString>() {
            Some(
                other
                    .extract::<String>()
                    .is_ok_and(|s| s == self.kind_str()),
            )
        } else if let Ok(o) = other.cast::<ClientCloseReason>() {
            Some(o.get().inner == self.inner)
        } else {
            None
        };
        richcmp(py, eq, op)
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        PyString::new(py, self.kind_str()).hash()
    }
}

/// A command the session took: what every event about it carries.
///
/// id (unique in the session, increasing), kind ("hello", "login",
/// "logout", "poll", "poll_ack", or the verb of an object command),
/// tag (the caller's), cl_trid (None for <hello>), sent_at (Unix seconds it
/// was written; None while it waits for room in flight, and for a command
/// that never went out), keep_alive (a <hello> the session sent on its own).
#[pyclass(frozen, eq, module = "libepp.client")]
#[derive(PartialEq)]
pub(crate) struct SentCommand {
    inner: CoreSent,
}

#[pymethods]
impl SentCommand {
    #[classattr]
    fn __match_args__() -> (&'static str, &'static str, &'static str) {
        ("id", "kind", "tag")
    }

    #[getter]
    fn id(&self) -> u64 {
        self.inner.id.get()
    }

    #[getter]
    fn kind(&self) -> &'static str {
        kind_name(self.inner.kind)
    }

    #[getter]
    fn tag(&self) -> Option<u64> {
        self.inner.tag
    }

    #[getter]
    fn cl_trid(&self) -> Option<&str> {
        self.inner.cl_trid.as_deref()
    }

    #[getter]
    fn sent_at(&self) -> Option<f64> {
        opt_time(self.inner.sent_at)
    }

    #[getter]
    fn keep_alive(&self) -> bool {
        self.inner.keep_alive
    }

    fn __repr__(&self) -> String {
        sent_repr(&self.inner)
    }
}

fn sent_repr(s: &CoreSent) -> String {
    let mut out = format!(
        "SentCommand(id={}, kind={}, tag={}, cl_trid={}, sent_at={}",
        s.id.get(),
        pyr(kind_name(s.kind)),
        opt_num(s.tag),
        py_opt_str(&s.cl_trid),
        opt_f64(opt_time(s.sent_at)),
    );
    if s.keep_alive {
        out.push_str(", keep_alive=True");
    }
    out.push(')');
    out
}

fn sent(py: Python<'_>, s: &CoreSent) -> PyResult<Py<SentCommand>> {
    Py::new(py, SentCommand { inner: s.clone() })
}

/// The services a login asked for (the wanted ones the greeting offers),
/// in force once it succeeded: object_uris, extension_uris, lang, and
/// login_security (whether it used RFC 8807 for a long password).
#[pyclass(frozen, eq, module = "libepp.client")]
#[derive(PartialEq)]
pub(crate) struct Services {
    inner: CoreServices,
}

#[pymethods]
impl Services {
    #[getter]
    fn object_uris(&self) -> Vec<String> {
        self.inner.object_uris.clone()
    }

    #[getter]
    fn extension_uris(&self) -> Vec<String> {
        self.inner.extension_uris.clone()
    }

    #[getter]
    fn lang(&self) -> &str {
        &self.inner.lang
    }

    #[getter]
    fn login_security(&self) -> bool {
        self.inner.login_security
    }

    fn __repr__(&self) -> String {
        format!(
            "Services(object_uris={}, extension_uris={}, lang={}, login_security={})",
            pyr_list(&self.inner.object_uris),
            pyr_list(&self.inner.extension_uris),
            pyr(&self.inner.lang),
            py_bool(self.inner.login_security)
        )
    }
}

/// The server's greeting: what it offers. As an event (kind "greeting"),
/// `hello` is the <hello> it answers (None for the connection's first
/// greeting; keep_alive is true for the answer to a keep-alive).
#[pyclass(frozen, eq, module = "libepp.client")]
#[derive(PartialEq)]
pub(crate) struct Greeting {
    inner: CoreGreeting,
    hello: Option<CoreSent>,
}

#[pymethods]
impl Greeting {
    #[classattr]
    fn kind() -> &'static str {
        "greeting"
    }

    #[classattr]
    fn __match_args__() -> (&'static str, &'static str) {
        ("server_id", "hello")
    }

    /// <svID>.
    #[getter]
    fn server_id(&self) -> &str {
        &self.inner.server_id
    }

    /// <svDate>, as sent.
    #[getter]
    fn server_date(&self) -> &str {
        &self.inner.server_date
    }

    #[getter]
    fn versions(&self) -> Vec<String> {
        self.inner.versions.clone()
    }

    #[getter]
    fn languages(&self) -> Vec<String> {
        self.inner.languages.clone()
    }

    #[getter]
    fn object_uris(&self) -> Vec<String> {
        self.inner.object_uris.clone()
    }

    #[getter]
    fn extension_uris(&self) -> Vec<String> {
        self.inner.extension_uris.clone()
    }

    /// The <dcp> element standing alone (namespace declarations it
    /// inherits copied in), or None.
    #[getter]
    fn dcp(&self) -> Option<&str> {
        self.inner.dcp.as_deref()
    }

    /// The <hello> this greeting answers; None for the connection's first.
    #[getter]
    fn hello(&self, py: Python<'_>) -> PyResult<Option<Py<SentCommand>>> {
        self.hello.as_ref().map(|h| sent(py, h)).transpose()
    }

    /// Whether it answers a keep-alive <hello> the session sent on its own.
    #[getter]
    fn keep_alive(&self) -> bool {
        self.hello.as_ref().is_some_and(|h| h.keep_alive)
    }

    fn offers_object(&self, uri: &str) -> bool {
        self.inner.offers_object(uri)
    }

    fn offers_extension(&self, uri: &str) -> bool {
        self.inner.offers_extension(uri)
    }

    /// Whether the server offers RFC 8807 login security (long passwords).
    fn offers_login_security(&self) -> bool {
        self.inner.offers_login_security()
    }

    fn __repr__(&self) -> String {
        format!(
            "Greeting(server_id={}, server_date={}, versions={}, languages={}, object_uris={}, extension_uris={}, hello={})",
            pyr(&self.inner.server_id),
            pyr(&self.inner.server_date),
            pyr_list(&self.inner.versions),
            pyr_list(&self.inner.languages),
            pyr_list(&self.inner.object_uris),
            pyr_list(&self.inner.extension_uris),
            self.hello.as_ref().map_or("None".into(), sent_repr)
        )
    }
}

/// <msgQ>: the server's message queue. count; id (for a poll response,
/// the message to acknowledge); queued_at (<qDate>, as sent); message
/// (<msg> text) and lang (None: en).
#[pyclass(frozen, eq, module = "libepp.client")]
#[derive(PartialEq)]
pub(crate) struct MessageQueue {
    inner: CoreMessageQueue,
}

#[pymethods]
impl MessageQueue {
    #[getter]
    fn count(&self) -> u64 {
        self.inner.count
    }

    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    #[getter]
    fn queued_at(&self) -> Option<&str> {
        self.inner.queued_at.as_deref()
    }

    #[getter]
    fn message(&self) -> Option<&str> {
        self.inner.message.as_deref()
    }

    #[getter]
    fn lang(&self) -> Option<&str> {
        self.inner.lang.as_deref()
    }

    fn __repr__(&self) -> String {
        format!(
            "MessageQueue(count={}, id={}, queued_at={}, message={})",
            self.inner.count,
            pyr(&self.inner.id),
            py_opt_str(&self.inner.queued_at),
            py_opt_str(&self.inner.message)
        )
    }
}

/// One <result> of a response: code, message (<msg>), lang (None: en),
/// values (each <value>'s content, standing alone) and ext_values ((value,
/// reason) of each <extValue>).
#[pyclass(frozen, eq, module = "libepp.client")]
#[derive(PartialEq)]
pub(crate) struct ResponseResult {
    inner: EppResult,
}

#[pymethods]
impl ResponseResult {
    #[classattr]
    fn __match_args__() -> (&'static str, &'static str) {
        ("code", "message")
    }

    #[getter]
    fn code(&self) -> u16 {
        self.inner.code.code()
    }

    #[getter]
    fn message(&self) -> Option<&str> {
        self.inner.message.as_deref()
    }

    #[getter]
    fn lang(&self) -> Option<&str> {
        self.inner.lang.as_deref()
    }

    #[getter]
    fn values(&self) -> Vec<String> {
        self.inner
            .values
            .iter()
            .filter_map(|v| match v {
                ResultValue::Value(x) => Some(x.clone()),
                _ => None,
            })
            .collect()
    }

    #[getter]
    fn ext_values(&self) -> Vec<(String, String)> {
        self.inner
            .values
            .iter()
            .filter_map(|v| match v {
                ResultValue::ExtValue { value, reason } => Some((value.clone(), reason.clone())),
                _ => None,
            })
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "ResponseResult(code={}, message={})",
            self.inner.code.code(),
            py_opt_str(&self.inner.message)
        )
    }
}

/// One RFC 8807 <loginSec:event> of a login response (all as sent): type,
/// name (stat and custom events), level ("warning" or "error"), expires
/// (exDate), value, duration, lang, message (the element's text).
#[pyclass(frozen, eq, module = "libepp.client")]
#[derive(PartialEq)]
pub(crate) struct LoginSecurityEvent {
    inner: CoreLoginSecurityEvent,
}

#[pymethods]
impl LoginSecurityEvent {
    #[getter(r#type)]
    fn event_type(&self) -> &str {
        &self.inner.event_type
    }

    #[getter]
    fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }

    #[getter]
    fn level(&self) -> &str {
        &self.inner.level
    }

    #[getter]
    fn expires(&self) -> Option<&str> {
        self.inner.expires.as_deref()
    }

    #[getter]
    fn value(&self) -> Option<&str> {
        self.inner.value.as_deref()
    }

    #[getter]
    fn duration(&self) -> Option<&str> {
        self.inner.duration.as_deref()
    }

    #[getter]
    fn lang(&self) -> Option<&str> {
        self.inner.lang.as_deref()
    }

    #[getter]
    fn message(&self) -> Option<&str> {
        self.inner.message.as_deref()
    }

    fn __repr__(&self) -> String {
        format!(
            "LoginSecurityEvent(type={}, level={}, name={}, expires={}, value={}, message={})",
            pyr(&self.inner.event_type),
            pyr(&self.inner.level),
            py_opt_str(&self.inner.name),
            py_opt_str(&self.inner.expires),
            py_opt_str(&self.inner.value),
            py_opt_str(&self.inner.message)
        )
    }
}

/// A response from the server, parsed: code and message (of the first
/// result), results (every <result>), msgq (<msgQ>), res_data and
/// extension (the children of <resData> and <extension>, each standing
/// alone, concatenated), cl_trid and sv_trid.
#[pyclass(frozen, eq, name = "Response", module = "libepp.client")]
#[derive(PartialEq)]
pub(crate) struct ClientResponse {
    inner: CoreResponse,
}

#[pymethods]
impl ClientResponse {
    #[classattr]
    fn __match_args__() -> (&'static str, &'static str) {
        ("code", "message")
    }

    /// The code of the first result.
    #[getter]
    fn code(&self) -> u16 {
        self.inner.code().code()
    }

    /// The first result's message.
    #[getter]
    fn message(&self) -> &str {
        self.inner.message()
    }

    /// Whether the first result is a success (1xxx).
    #[getter]
    fn is_success(&self) -> bool {
        self.inner.is_success()
    }

    #[getter]
    fn results(&self) -> Vec<ResponseResult> {
        self.inner
            .results
            .iter()
            .map(|r| ResponseResult { inner: r.clone() })
            .collect()
    }

    #[getter]
    fn msgq(&self) -> Option<MessageQueue> {
        self.inner
            .message_queue
            .as_ref()
            .map(|m| MessageQueue { inner: m.clone() })
    }

    #[getter]
    fn res_data(&self) -> Option<&str> {
        self.inner.res_data.as_deref()
    }

    #[getter]
    fn extension(&self) -> Option<&str> {
        self.inner.extension.as_deref()
    }

    #[getter]
    fn cl_trid(&self) -> Option<&str> {
        self.inner.cl_trid.as_deref()
    }

    #[getter]
    fn sv_trid(&self) -> Option<&str> {
        self.inner.sv_trid.as_deref()
    }

    /// The RFC 8807 <loginSec:loginSecData> events in the extension (of a
    /// login response), in order.
    fn login_security_events(&self) -> Vec<LoginSecurityEvent> {
        self.inner
            .login_security_events()
            .into_iter()
            .map(|inner| LoginSecurityEvent { inner })
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "Response(code={}, message={}, cl_trid={}, sv_trid={})",
            self.inner.code().code(),
            pyr(self.inner.message()),
            py_opt_str(&self.inner.cl_trid),
            py_opt_str(&self.inner.sv_trid)
        )
    }
}

// ---------------------------------------------------------------------------
// events
// ---------------------------------------------------------------------------

/// The answer to a <login> (kind "login"): command, response, and services
/// (the ones in force when the login succeeded with 1000, else None).
#[pyclass(frozen, eq, module = "libepp.client")]
#[derive(PartialEq)]
pub(crate) struct LoginEvent {
    command: CoreSent,
    response: CoreResponse,
    services: Option<CoreServices>,
}

#[pymethods]
impl LoginEvent {
    #[classattr]
    fn kind() -> &'static str {
        "login"
    }

    #[classattr]
    fn __match_args__() -> (&'static str, &'static str, &'static str) {
        ("command", "response", "services")
    }

    #[getter]
    fn command(&self, py: Python<'_>) -> PyResult<Py<SentCommand>> {
        sent(py, &self.command)
    }

    #[getter]
    fn response(&self) -> ClientResponse {
        ClientResponse {
            inner: self.response.clone(),
        }
    }

    #[getter]
    fn services(&self) -> Option<Services> {
        self.services.clone().map(|inner| Services { inner })
    }

    fn __repr__(&self) -> String {
        format!(
            "LoginEvent(command={}, response={}, services={})",
            sent_repr(&self.command),
            ClientResponse {
                inner: self.response.clone()
            }
            .__repr__(),
            match &self.services {
                Some(s) => Services { inner: s.clone() }.__repr__(),
                None => "None".into(),
            }
        )
    }
}

/// The response to a command other than hello and login (kind "response"),
/// matched to it in order: command and response.
#[pyclass(frozen, eq, module = "libepp.client")]
#[derive(PartialEq)]
pub(crate) struct ResponseEvent {
    command: CoreSent,
    response: CoreResponse,
}

#[pymethods]
impl ResponseEvent {
    #[classattr]
    fn kind() -> &'static str {
        "response"
    }

    #[classattr]
    fn __match_args__() -> (&'static str, &'static str) {
        ("command", "response")
    }

    #[getter]
    fn command(&self, py: Python<'_>) -> PyResult<Py<SentCommand>> {
        sent(py, &self.command)
    }

    #[getter]
    fn response(&self) -> ClientResponse {
        ClientResponse {
            inner: self.response.clone(),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "ResponseEvent(command={}, response={})",
            sent_repr(&self.command),
            ClientResponse {
                inner: self.response.clone()
            }
            .__repr__()
        )
    }
}

/// The session sent a <hello> of its own after keep_alive seconds without
/// traffic (kind "keep_alive"); its greeting comes as a Greeting event.
#[pyclass(frozen, eq, module = "libepp.client")]
#[derive(PartialEq)]
pub(crate) struct KeepAlive {
    command: CoreSent,
}

#[pymethods]
impl KeepAlive {
    #[classattr]
    fn kind() -> &'static str {
        "keep_alive"
    }

    #[classattr]
    fn __match_args__() -> (&'static str,) {
        ("command",)
    }

    #[getter]
    fn command(&self, py: Python<'_>) -> PyResult<Py<SentCommand>> {
        sent(py, &self.command)
    }

    fn __repr__(&self) -> String {
        format!("KeepAlive(command={})", sent_repr(&self.command))
    }
}

/// A response did not come within the response deadline (kind
/// "response_overdue"); a Closed event follows.
#[pyclass(frozen, eq, module = "libepp.client")]
#[derive(PartialEq)]
pub(crate) struct ResponseOverdue {
    command: CoreSent,
}

#[pymethods]
impl ResponseOverdue {
    #[classattr]
    fn kind() -> &'static str {
        "response_overdue"
    }

    #[classattr]
    fn __match_args__() -> (&'static str,) {
        ("command",)
    }

    #[getter]
    fn command(&self, py: Python<'_>) -> PyResult<Py<SentCommand>> {
        sent(py, &self.command)
    }

    fn __repr__(&self) -> String {
        format!("ResponseOverdue(command={})", sent_repr(&self.command))
    }
}

/// The session ended, or is ending (kind "closed"): after 1500 or 25xx it
/// waits for the server to close the connection. Comes once, last. reason
/// (a ClientCloseReason) and unanswered (every command given and never
/// answered, oldest first, sent or not).
#[pyclass(frozen, eq, module = "libepp.client")]
#[derive(PartialEq)]
pub(crate) struct Closed {
    reason: CoreCloseReason,
    unanswered: Vec<CoreSent>,
}

#[pymethods]
impl Closed {
    #[classattr]
    fn kind() -> &'static str {
        "closed"
    }

    #[classattr]
    fn __match_args__() -> (&'static str, &'static str) {
        ("reason", "unanswered")
    }

    #[getter]
    fn reason(&self) -> ClientCloseReason {
        ClientCloseReason {
            inner: self.reason.clone(),
        }
    }

    #[getter]
    fn unanswered(&self, py: Python<'_>) -> PyResult<Vec<Py<SentCommand>>> {
        self.unanswered.iter().map(|s| sent(py, s)).collect()
    }

    fn __repr__(&self) -> String {
        let un: Vec<String> = self.unanswered.iter().map(sent_repr).collect();
        format!(
            "Closed(reason={}, unanswered=[{}])",
            ClientCloseReason {
                inner: self.reason.clone()
            }
            .__repr__(),
            un.join(", ")
        )
    }
}

fn wrap_event(py: Python<'_>, e: CoreEvent) -> PyResult<Py<PyAny>> {
    Ok(match e {
        CoreEvent::Greeting { greeting, hello } => Py::new(
            py,
            Greeting {
                inner: *greeting,
                hello,
            },
        )?
        .into_any(),
        CoreEvent::Login {
            command,
            response,
            services,
        } => Py::new(
            py,
            LoginEvent {
                command,
                response: *response,
                services,
            },
        )?
        .into_any(),
        CoreEvent::Response { command, response } => Py::new(
            py,
            ResponseEvent {
                command,
                response: *response,
            },
        )?
        .into_any(),
        CoreEvent::KeepAlive { command } => Py::new(py, KeepAlive { command })?.into_any(),
        CoreEvent::ResponseOverdue { command } => {
            Py::new(py, ResponseOverdue { command })?.into_any()
        }
        CoreEvent::Closed { reason, unanswered } => {
            Py::new(py, Closed { reason, unanswered })?.into_any()
        }
        other => {
            return Err(EppError::new_err(format!(
                "event {other:?} is not supported by this binding"
            )))
        }
    })
}

// ---------------------------------------------------------------------------
// ClientSession
// ---------------------------------------------------------------------------

/// The registrar's side of one EPP session on one connection, without any
/// I/O.
///
/// ClientSession(config, now=None) for a connection made at `now`. Feed
/// every byte read from the server to feed_input (read while wants_input()),
/// write what take_output returns (or output() and consume_output(n)), and
/// handle every event poll_queue (or iterating over the session) hands out:
/// Greeting, LoginEvent, ResponseEvent, KeepAlive, ResponseOverdue, Closed.
/// Give commands with hello, login, logout, poll_request, poll_ack and
/// command: each returns the SentCommand the events about it carry, or
/// raises a ClientError subclass and sends nothing. Call handle_timeout
/// when next_timeout passes and handle_eof when the server closes. `now`
/// arguments are Unix seconds, a datetime, or None for the current time. A
/// ClientSession may be shared between threads.
#[pyclass(frozen, module = "libepp.client")]
pub(crate) struct ClientSession {
    inner: Mutex<CoreSession>,
    config: Py<ClientConfig>,
}

impl ClientSession {
    fn lock<'a>(&'a self, py: Python<'_>) -> MutexGuard<'a, CoreSession> {
        loop {
            if let Some(g) = self.inner.try_lock() {
                return g;
            }
            py.detach(|| drop(self.inner.lock()));
        }
    }

    fn send(&self, py: Python<'_>, command: Command, now: SystemTime) -> PyResult<SentCommand> {
        let r = self.lock(py).send(command, now);
        match r {
            Ok(inner) => Ok(SentCommand { inner }),
            Err(e) => Err(client_error(py, e)),
        }
    }
}

/// A command's options.
fn decorate(
    mut c: Command,
    extension: Option<String>,
    cl_trid: Option<String>,
    tag: Option<u64>,
) -> Command {
    if let Some(x) = extension {
        c = c.with_extension(x);
    }
    if let Some(t) = cl_trid {
        c = c.with_cl_trid(t);
    }
    if let Some(t) = tag {
        c = c.with_tag(t);
    }
    c
}

#[pymethods]
impl ClientSession {
    #[new]
    #[pyo3(signature = (config, now = None))]
    fn new(config: &Bound<'_, PyAny>, now: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let config = match config.cast::<ClientConfig>() {
            Ok(c) => c.clone().unbind(),
            Err(_) => {
                return Err(PyTypeError::new_err(format!(
                    "config must be a libepp.client.ClientConfig, not {}",
                    config.get_type().name()?
                )))
            }
        };
        let now = to_time(now, "now")?;
        let inner = CoreSession::new(Arc::clone(&config.get().inner), now);
        Ok(ClientSession {
            inner: Mutex::new(inner),
            config,
        })
    }

    /// The configuration.
    #[getter]
    fn config(&self, py: Python<'_>) -> Py<ClientConfig> {
        self.config.clone_ref(py)
    }

    /// feed-input: takes every byte read from the server (bytes, bytearray
    /// or memoryview). Each whole frame is handled at once; an unfinished
    /// one is held. Raises ClientClosedError once the session is closed.
    #[pyo3(signature = (data, now = None))]
    fn feed_input(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let now = to_time(now, "now")?;
        let input = input_bytes(data)?;
        let input: &[u8] = &input;
        let r = if input.len() >= DETACH_INPUT {
            py.detach(|| self.inner.lock().feed_input(input, now))
        } else {
            self.lock(py).feed_input(input, now)
        };
        r.map_err(|e| client_error(py, e))
    }

    /// Whether the host should read from the server: until the session is
    /// closed (while closing, only to see the connection end).
    fn wants_input(&self, py: Python<'_>) -> bool {
        self.lock(py).wants_input()
    }

    /// Bytes of an unfinished frame held.
    #[getter]
    fn buffered_input(&self, py: Python<'_>) -> usize {
        self.lock(py).buffered_input()
    }

    /// Tells the session the server closed the connection.
    #[pyo3(signature = (now = None))]
    fn handle_eof(&self, py: Python<'_>, now: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let now = to_time(now, "now")?;
        self.lock(py).handle_eof(now);
        Ok(())
    }

    /// Ends the session at the host's wish: output not yet taken is dropped.
    fn close(&self, py: Python<'_>) {
        self.lock(py).close();
    }

    /// When handle_timeout should next be called (Unix seconds), if ever.
    fn next_timeout(&self, py: Python<'_>) -> Option<f64> {
        self.lock(py).next_timeout().map(from_time)
    }

    /// Acts on the deadline due by `now`, if one is (a keep-alive <hello>,
    /// or closing for an overdue greeting or response); returns whether one
    /// had passed.
    #[pyo3(signature = (now = None))]
    fn handle_timeout(&self, py: Python<'_>, now: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
        let now = to_time(now, "now")?;
        Ok(self.lock(py).handle_timeout(now))
    }

    /// The bytes waiting to be written (a copy; empty when none). Write some
    /// or all, then call consume_output.
    fn output<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let v = self.lock(py).output().to_vec();
        PyBytes::new(py, &v)
    }

    /// Marks `n` bytes of output() as written (at most all of it, as the
    /// server session's).
    fn consume_output(&self, py: Python<'_>, n: usize) {
        self.lock(py).consume_output(n);
    }

    /// Takes all pending output at once (b"" when nothing is pending).
    fn take_output<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let v = self.lock(py).take_output().unwrap_or_default();
        PyBytes::new(py, &v)
    }

    /// poll-queue: the next event, in the order things happened, or None.
    fn poll_queue(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let e = self.lock(py).poll_queue();
        e.map(|e| wrap_event(py, e)).transpose()
    }

    /// Takes every event waiting.
    fn drain_queue(&self, py: Python<'_>) -> PyResult<Vec<Py<PyAny>>> {
        let events: Vec<CoreEvent> = {
            let mut s = self.lock(py);
            s.drain_queue().collect()
        };
        events.into_iter().map(|e| wrap_event(py, e)).collect()
    }

    /// Iterates over the waiting events, taking them.
    fn __iter__(slf: &Bound<'_, Self>) -> EventIterator {
        EventIterator {
            session: slf.clone().unbind(),
        }
    }

    /// Sends <hello>; its answer is a Greeting event naming it. (A hello
    /// takes no extension and no clTRID: giving one is InvalidCommandError;
    /// the options are there for uniformity with the other commands.)
    #[pyo3(signature = (*, extension = None, cl_trid = None, tag = None, now = None))]
    fn hello(
        &self,
        py: Python<'_>,
        extension: Option<String>,
        cl_trid: Option<String>,
        tag: Option<u64>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<SentCommand> {
        let now = to_time(now, "now")?;
        let c = decorate(Command::hello(), extension, cl_trid, tag);
        self.send(py, c, now)
    }

    /// Sends <login>: the configuration's credentials and the wanted
    /// services the latest greeting offers (a password over 16 characters
    /// in the RFC 8807 extension when the greeting offers it). Answered by
    /// a LoginEvent.
    #[pyo3(signature = (*, extension = None, cl_trid = None, tag = None, now = None))]
    fn login(
        &self,
        py: Python<'_>,
        extension: Option<String>,
        cl_trid: Option<String>,
        tag: Option<u64>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<SentCommand> {
        let now = to_time(now, "now")?;
        let c = decorate(Command::login(), extension, cl_trid, tag);
        self.send(py, c, now)
    }

    /// Sends <logout>; a 1500 answer ends the session.
    #[pyo3(signature = (*, extension = None, cl_trid = None, tag = None, now = None))]
    fn logout(
        &self,
        py: Python<'_>,
        extension: Option<String>,
        cl_trid: Option<String>,
        tag: Option<u64>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<SentCommand> {
        let now = to_time(now, "now")?;
        let c = decorate(Command::logout(), extension, cl_trid, tag);
        self.send(py, c, now)
    }

    /// Sends <poll op="req">.
    #[pyo3(signature = (*, extension = None, cl_trid = None, tag = None, now = None))]
    fn poll_request(
        &self,
        py: Python<'_>,
        extension: Option<String>,
        cl_trid: Option<String>,
        tag: Option<u64>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<SentCommand> {
        let now = to_time(now, "now")?;
        let c = decorate(Command::poll_request(), extension, cl_trid, tag);
        self.send(py, c, now)
    }

    /// Sends <poll op="ack" msgID="...">; message_id is the msgQ id (a str,
    /// or an int).
    #[pyo3(signature = (message_id, *, extension = None, cl_trid = None, tag = None, now = None))]
    fn poll_ack(
        &self,
        py: Python<'_>,
        message_id: &Bound<'_, PyAny>,
        extension: Option<String>,
        cl_trid: Option<String>,
        tag: Option<u64>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<SentCommand> {
        let id = if message_id.is_instance_of::<PyString>() {
            message_id.extract::<String>()?
        } else if message_id.is_instance_of::<PyInt>()
            && !message_id.is_instance_of::<pyo3::types::PyBool>()
        {
            message_id.str()?.extract::<String>()?
        } else {
            return Err(PyTypeError::new_err(format!(
                "message_id must be a str or an int, not {}",
                message_id.get_type().name()?
            )));
        };
        let now = to_time(now, "now")?;
        let c = decorate(Command::poll_ack(id), extension, cl_trid, tag);
        self.send(py, c, now)
    }

    /// Sends an object command: `verb` ("check", "info", "create",
    /// "update", "delete", "renew" or "transfer", which needs `op`:
    /// "request", "approve", "cancel", "query" or "reject") around `xml`,
    /// the object element (it declares its own namespace, one of the
    /// session's objURIs). extension is <extension> content (elements in
    /// the session's extURIs), cl_trid the caller's clTRID (3 to 64
    /// characters) instead of a generated one, tag a number returned with
    /// every event about the command.
    #[pyo3(signature = (verb, xml, extension = None, cl_trid = None, tag = None, *, op = None, now = None))]
    #[allow(clippy::too_many_arguments)]
    fn command(
        &self,
        py: Python<'_>,
        verb: &str,
        xml: String,
        extension: Option<String>,
        cl_trid: Option<String>,
        tag: Option<u64>,
        op: Option<&str>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<SentCommand> {
        let verb = lookup(&VERBS, verb, "verb")?;
        let c = match (verb, op) {
            (CommandVerb::Transfer, Some(op)) => {
                Command::transfer(lookup(&TRANSFER_OPS, op, "op")?, xml)
            }
            (_, Some(_)) => return Err(PyTypeError::new_err("op is only for verb=\"transfer\"")),
            (v, None) => Command::object(v, xml),
        };
        let now = to_time(now, "now")?;
        let c = decorate(c, extension, cl_trid, tag);
        self.send(py, c, now)
    }

    /// awaiting_greeting, greeting_received, login_sent, logged_in,
    /// logout_sent, closing or closed.
    #[getter]
    fn state(&self, py: Python<'_>) -> &'static str {
        state_name(self.lock(py).state())
    }

    /// Why the session ended (or is ending).
    #[getter]
    fn close_reason(&self, py: Python<'_>) -> Option<ClientCloseReason> {
        let r = self.lock(py).close_reason().cloned();
        r.map(|inner| ClientCloseReason { inner })
    }

    /// True when the connection should be closed now.
    #[getter]
    fn is_finished(&self, py: Python<'_>) -> bool {
        self.lock(py).is_finished()
    }

    /// The latest greeting received.
    #[getter]
    fn greeting(&self, py: Python<'_>) -> Option<Greeting> {
        let g = self.lock(py).greeting().cloned();
        g.map(|inner| Greeting { inner, hello: None })
    }

    /// The services of the session's successful login.
    #[getter]
    fn services(&self, py: Python<'_>) -> Option<Services> {
        let s = self.lock(py).services().cloned();
        s.map(|inner| Services { inner })
    }

    /// Commands written and not yet answered.
    #[getter]
    fn in_flight(&self, py: Python<'_>) -> usize {
        self.lock(py).in_flight()
    }

    /// Commands given and waiting for room (max_in_flight) to be written.
    #[getter]
    fn queued(&self, py: Python<'_>) -> usize {
        self.lock(py).queued()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let (state, in_flight, queued) = {
            let s = self.lock(py);
            (state_name(s.state()), s.in_flight(), s.queued())
        };
        format!(
            "<ClientSession client_id={} state={state} in_flight={in_flight} queued={queued}>",
            pyr(self.config.get().inner.client_id())
        )
    }
}

/// Iterates over a client session's waiting events, taking them.
#[pyclass(frozen, module = "libepp.client")]
pub(crate) struct EventIterator {
    session: Py<ClientSession>,
}

#[pymethods]
impl EventIterator {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.session.get().poll_queue(py)
    }
}

// ---------------------------------------------------------------------------
// registration
// ---------------------------------------------------------------------------

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<ClientConfig>()?;
    m.add_class::<ClientSession>()?;
    m.add_class::<EventIterator>()?;
    m.add_class::<ClientCloseReason>()?;
    m.add_class::<SentCommand>()?;
    m.add_class::<Services>()?;
    m.add_class::<Greeting>()?;
    m.add_class::<MessageQueue>()?;
    m.add_class::<ResponseResult>()?;
    m.add_class::<LoginSecurityEvent>()?;
    // Named Response in libepp.client; libepp.Response is the server's.
    m.add("ClientResponse", py.get_type::<ClientResponse>())?;
    m.add_class::<LoginEvent>()?;
    m.add_class::<ResponseEvent>()?;
    m.add_class::<KeepAlive>()?;
    m.add_class::<ResponseOverdue>()?;
    m.add_class::<Closed>()?;
    m.add("ClientError", py.get_type::<ClientError>())?;
    m.add("ClientClosedError", py.get_type::<ClientClosedError>())?;
    m.add("WrongStateError", py.get_type::<WrongStateError>())?;
    m.add("NegotiationError", py.get_type::<NegotiationError>())?;
    m.add(
        "ServiceNotOfferedError",
        py.get_type::<ServiceNotOfferedError>(),
    )?;
    m.add(
        "NoObjectServiceError",
        py.get_type::<NoObjectServiceError>(),
    )?;
    m.add(
        "VersionNotOfferedError",
        py.get_type::<VersionNotOfferedError>(),
    )?;
    m.add(
        "LanguageNotOfferedError",
        py.get_type::<LanguageNotOfferedError>(),
    )?;
    m.add(
        "PasswordTooLongError",
        py.get_type::<PasswordTooLongError>(),
    )?;
    m.add(
        "NotLoggedInWithError",
        py.get_type::<NotLoggedInWithError>(),
    )?;
    m.add(
        "InvalidCommandXmlError",
        py.get_type::<InvalidCommandXmlError>(),
    )?;
    m.add("InvalidCommandError", py.get_type::<InvalidCommandError>())?;
    Ok(())
}
