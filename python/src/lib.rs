//! `libepp._libepp`: the Python binding of the libepp session engine.
//!
//! Everything here mirrors the Rust API of the `epp` crate; the Python
//! package `libepp` re-exports it and adds the asyncio server
//! (`libepp.asyncio`). The binding is a crate of its own so that the core's
//! own artifacts never link Python.
//!
//! Concurrency: a [`Session`] is a frozen pyclass holding the core session
//! in a mutex, so one session may be shared between Python threads. The
//! mutex is never held while Python code can run (no Python object is
//! created or dropped under it), and the GIL is released while the core
//! works on a large input and while a thread waits for another one's lock.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use parking_lot::{Mutex, MutexGuard};
use pyo3::exceptions::{PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pyclass::CompareOp;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyMemoryView, PyString};
use pyo3::BoundObject;

use epp::{
    AckAnswer, CloseReason as CoreCloseReason, CommandVerb, ConfigError as CoreConfigError,
    EppResult, Limits, LoginAnswer, PollAnswer, PollMessage as CorePollMessage,
    Request as CoreRequest, Response as CoreResponse, ResultCode, ResultValue, ServerConfig,
    SessionError, SessionState, TransferOp,
};

/// Inputs at least this long are fed with the GIL released.
const DETACH_INPUT: usize = 4096;

// ---------------------------------------------------------------------------
// exceptions
// ---------------------------------------------------------------------------

pyo3::create_exception!(
    libepp,
    EppError,
    PyException,
    "Base class of every error libepp raises."
);
pyo3::create_exception!(
    libepp,
    ConfigError,
    EppError,
    "A configuration libepp cannot use (attributes: field, reason)."
);
pyo3::create_exception!(
    libepp,
    SessionClosedError,
    EppError,
    "The session takes no more input or answers (attribute: reason, a CloseReason)."
);
pyo3::create_exception!(
    libepp,
    UnknownRequestError,
    EppError,
    "No outstanding request has this id: never issued, already answered, or dropped because the session ended (attribute: request_id)."
);
pyo3::create_exception!(
    libepp,
    AlreadyAnsweredError,
    UnknownRequestError,
    "The request object was answered before (attribute: request_id)."
);
pyo3::create_exception!(
    libepp,
    WrongAnswerError,
    EppError,
    "The answer does not fit the request (attributes: request_id, kind, answer)."
);
pyo3::create_exception!(
    libepp,
    InvalidXmlError,
    EppError,
    "XML passed through in an answer is not a well-formed sequence of namespaced elements (attributes: field, reason)."
);
pyo3::create_exception!(
    libepp,
    InvalidAnswerError,
    EppError,
    "Some other part of an answer is unacceptable, such as an unknown result code or a bad language tag (attribute: reason)."
);

fn with_attrs(py: Python<'_>, err: PyErr, attrs: &[(&str, Py<PyAny>)]) -> PyErr {
    let value = err.value(py);
    for (k, v) in attrs {
        // Setting an attribute on a fresh exception instance cannot fail.
        let _ = value.setattr(*k, v.bind(py));
    }
    err
}

fn obj<'py, T>(py: Python<'py>, v: T) -> Py<PyAny>
where
    T: IntoPyObject<'py>,
{
    match v.into_pyobject(py) {
        Ok(o) => o.into_any().unbind(),
        Err(_) => py.None(),
    }
}

fn kind_name(kind: epp::RequestKind) -> &'static str {
    match kind {
        epp::RequestKind::Login => "login",
        epp::RequestKind::Poll => "poll",
        epp::RequestKind::PollAck => "poll_ack",
        epp::RequestKind::Command => "command",
        epp::RequestKind::SessionEnd => "session_end",
    }
}

fn session_error(py: Python<'_>, e: SessionError) -> PyErr {
    let msg = e.to_string();
    match e {
        SessionError::Closed(reason) => {
            let reason = CloseReason::from_core(&reason);
            let reason = Py::new(py, reason)
                .map(|r| r.into_any())
                .unwrap_or_else(|_| py.None());
            with_attrs(py, SessionClosedError::new_err(msg), &[("reason", reason)])
        }
        SessionError::UnknownRequest(id) => with_attrs(
            py,
            UnknownRequestError::new_err(msg),
            &[("request_id", obj(py, id.get()))],
        ),
        SessionError::WrongAnswer { id, kind, answer } => with_attrs(
            py,
            WrongAnswerError::new_err(msg),
            &[
                ("request_id", obj(py, id.get())),
                ("kind", obj(py, kind_name(kind))),
                ("answer", obj(py, answer)),
            ],
        ),
        SessionError::InvalidXml { field, reason } => with_attrs(
            py,
            InvalidXmlError::new_err(msg),
            &[("field", obj(py, field)), ("reason", obj(py, reason))],
        ),
        SessionError::InvalidAnswer(reason) => with_attrs(
            py,
            InvalidAnswerError::new_err(msg),
            &[("reason", obj(py, reason))],
        ),
        _ => EppError::new_err(msg),
    }
}

fn config_error(py: Python<'_>, e: CoreConfigError) -> PyErr {
    let msg = e.to_string();
    match e {
        CoreConfigError::Invalid { field, reason } => with_attrs(
            py,
            ConfigError::new_err(msg),
            &[("field", obj(py, field)), ("reason", obj(py, reason))],
        ),
        _ => ConfigError::new_err(msg),
    }
}

fn invalid_answer(py: Python<'_>, reason: String) -> PyErr {
    with_attrs(
        py,
        InvalidAnswerError::new_err(format!("invalid answer: {reason}")),
        &[("reason", obj(py, reason))],
    )
}

// ---------------------------------------------------------------------------
// time
// ---------------------------------------------------------------------------

fn secs_to_time(secs: f64, what: &str) -> PyResult<SystemTime> {
    if !secs.is_finite() || secs < 0.0 {
        return Err(PyValueError::new_err(format!(
            "{what} must be a finite, non-negative number of seconds since the Unix epoch, got {secs}"
        )));
    }
    Duration::try_from_secs_f64(secs)
        .ok()
        .and_then(|d| UNIX_EPOCH.checked_add(d))
        .ok_or_else(|| PyValueError::new_err(format!("{what} is out of range: {secs}")))
}

/// A point in time from `None` (now), a float or int (Unix seconds) or an
/// object with a `timestamp()` method (a `datetime`).
fn to_time(value: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<SystemTime> {
    let Some(v) = value else {
        return Ok(SystemTime::now());
    };
    if v.is_none() {
        return Ok(SystemTime::now());
    }
    if v.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a float (Unix seconds), a datetime or None, not str"
        )));
    }
    let secs = match v.extract::<f64>() {
        Ok(f) => f,
        Err(_) => {
            if v.hasattr("timestamp")? {
                v.call_method0("timestamp")?.extract::<f64>()?
            } else {
                return Err(PyTypeError::new_err(format!(
                    "{what} must be a float (Unix seconds), a datetime or None, not {}",
                    v.get_type().name()?
                )));
            }
        }
    };
    secs_to_time(secs, what)
}

fn from_time(t: SystemTime) -> f64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

fn duration(secs: f64, what: &str) -> PyResult<Duration> {
    if !secs.is_finite() || secs < 0.0 {
        return Err(PyValueError::new_err(format!(
            "{what} must be a finite, non-negative number of seconds, got {secs}"
        )));
    }
    Duration::try_from_secs_f64(secs)
        .map_err(|_| PyValueError::new_err(format!("{what} is out of range: {secs}")))
}

fn result_code(py: Python<'_>, code: i64) -> PyResult<ResultCode> {
    u16::try_from(code)
        .ok()
        .and_then(ResultCode::from_u16)
        .ok_or_else(|| invalid_answer(py, format!("{code} is not an EPP result code")))
}

// ---------------------------------------------------------------------------
// RegistrarSessions, Config
// ---------------------------------------------------------------------------

/// Counts logged-in sessions per registrar, shared by every session (and
/// thread) of a server, to enforce a per-registrar session limit (2502).
#[pyclass(frozen, module = "libepp")]
struct RegistrarSessions {
    inner: Arc<epp::RegistrarSessions>,
}

#[pymethods]
impl RegistrarSessions {
    #[new]
    fn new(max_per_client: usize) -> Self {
        RegistrarSessions {
            inner: epp::RegistrarSessions::new(max_per_client),
        }
    }

    /// Sessions `client_id` has logged in now.
    fn count(&self, client_id: &str) -> usize {
        self.inner.count(client_id)
    }

    /// The limit per registrar.
    #[getter]
    fn max_per_client(&self) -> usize {
        self.inner.max_per_client()
    }

    fn __repr__(&self) -> String {
        format!(
            "RegistrarSessions(max_per_client={})",
            self.inner.max_per_client()
        )
    }
}

const DEFAULT_OBJECT_URIS: [&str; 3] = [
    "urn:ietf:params:xml:ns:domain-1.0",
    "urn:ietf:params:xml:ns:contact-1.0",
    "urn:ietf:params:xml:ns:host-1.0",
];

/// The server's configuration: validated once (ConfigError otherwise),
/// immutable, shared by every session.
///
/// Config(server_id, *, object_uris=None, extension_uris=None, languages=None,
/// versions=None, max_frame_size=None, max_in_flight=None,
/// max_pending_output=None, max_failed_logins=None, login_deadline=None,
/// idle_timeout=None, max_xml_depth=None, max_xml_attributes=None,
/// max_xml_text=None, registrar_sessions=None, sv_trid_prefix=None,
/// sv_trid_epoch=None, transaction_log=False)
///
/// server_id is the svID (3 to 64 characters). object_uris defaults to the
/// domain, contact and host objects; languages to ["en"]. Limits left None
/// keep libepp's defaults; login_deadline and idle_timeout are in seconds.
/// registrar_sessions (a RegistrarSessions shared by several configurations
/// or servers) enforces a per-registrar session limit (2502).
/// transaction_log=True keeps one TransactionRecord per response
/// (Session.poll_transaction).
#[pyclass(frozen, module = "libepp")]
struct Config {
    inner: Arc<ServerConfig>,
    registrar_sessions: Option<Py<RegistrarSessions>>,
    transaction_log: bool,
}

#[pymethods]
impl Config {
    #[new]
    #[pyo3(signature = (
        server_id,
        *,
        object_uris = None,
        extension_uris = None,
        languages = None,
        versions = None,
        max_frame_size = None,
        max_in_flight = None,
        max_pending_output = None,
        max_failed_logins = None,
        login_deadline = None,
        idle_timeout = None,
        max_xml_depth = None,
        max_xml_attributes = None,
        max_xml_text = None,
        registrar_sessions = None,
        sv_trid_prefix = None,
        sv_trid_epoch = None,
        transaction_log = false,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        server_id: String,
        object_uris: Option<Vec<String>>,
        extension_uris: Option<Vec<String>>,
        languages: Option<Vec<String>>,
        versions: Option<Vec<String>>,
        max_frame_size: Option<u32>,
        max_in_flight: Option<usize>,
        max_pending_output: Option<usize>,
        max_failed_logins: Option<u32>,
        login_deadline: Option<f64>,
        idle_timeout: Option<f64>,
        max_xml_depth: Option<usize>,
        max_xml_attributes: Option<usize>,
        max_xml_text: Option<usize>,
        registrar_sessions: Option<Py<RegistrarSessions>>,
        sv_trid_prefix: Option<String>,
        sv_trid_epoch: Option<u64>,
        transaction_log: bool,
    ) -> PyResult<Self> {
        let mut b = ServerConfig::builder(server_id);
        match object_uris {
            Some(uris) => {
                for u in uris {
                    b = b.object_uri(u);
                }
            }
            None => {
                for u in DEFAULT_OBJECT_URIS {
                    b = b.object_uri(u);
                }
            }
        }
        for u in extension_uris.unwrap_or_default() {
            b = b.extension_uri(u);
        }
        for l in languages.unwrap_or_default() {
            b = b.language(l);
        }
        if let Some(v) = versions {
            b = b.versions(v);
        }
        let mut limits = Limits::default();
        if let Some(v) = max_frame_size {
            limits.max_frame_size = v;
        }
        if let Some(v) = max_in_flight {
            limits.max_in_flight = v;
        }
        if let Some(v) = max_pending_output {
            limits.max_pending_output = v;
        }
        if let Some(v) = max_failed_logins {
            limits.max_failed_logins = v;
        }
        if let Some(v) = login_deadline {
            limits.login_deadline = duration(v, "login_deadline")?;
        }
        if let Some(v) = idle_timeout {
            limits.idle_timeout = duration(v, "idle_timeout")?;
        }
        if let Some(v) = max_xml_depth {
            limits.max_xml_depth = v;
        }
        if let Some(v) = max_xml_attributes {
            limits.max_xml_attributes = v;
        }
        if let Some(v) = max_xml_text {
            limits.max_xml_text = v;
        }
        b = b.limits(limits);
        if let Some(rs) = &registrar_sessions {
            b = b.registrar_sessions(Arc::clone(&rs.get().inner));
        }
        if let Some(p) = sv_trid_prefix {
            b = b.sv_trid_prefix(p);
        }
        if let Some(e) = sv_trid_epoch {
            b = b.sv_trid_epoch(e);
        }
        b = b.transaction_log(transaction_log);
        let inner = b.build().map_err(|e| config_error(py, e))?;
        Ok(Config {
            inner,
            registrar_sessions,
            transaction_log,
        })
    }

    /// The svID.
    #[getter]
    fn server_id(&self) -> &str {
        self.inner.server_id()
    }

    /// The object URIs offered.
    #[getter]
    fn object_uris(&self) -> Vec<String> {
        self.inner.object_uris().to_vec()
    }

    /// The extension URIs offered.
    #[getter]
    fn extension_uris(&self) -> Vec<String> {
        self.inner.extension_uris().to_vec()
    }

    /// The languages offered.
    #[getter]
    fn languages(&self) -> Vec<String> {
        self.inner.languages().to_vec()
    }

    /// The protocol versions offered.
    #[getter]
    fn versions(&self) -> Vec<String> {
        self.inner.versions().to_vec()
    }

    /// Whether sessions keep a transaction log (Session.poll_transaction).
    #[getter]
    fn transaction_log(&self) -> bool {
        self.transaction_log
    }

    /// The shared per-registrar session counter, if one is configured.
    #[getter]
    fn registrar_sessions(&self, py: Python<'_>) -> Option<Py<RegistrarSessions>> {
        self.registrar_sessions.as_ref().map(|r| r.clone_ref(py))
    }

    /// The limits, as a dict (durations in seconds).
    #[getter]
    fn limits<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let l = self.inner.limits();
        let d = PyDict::new(py);
        d.set_item("max_frame_size", l.max_frame_size)?;
        d.set_item("max_in_flight", l.max_in_flight)?;
        d.set_item("max_pending_output", l.max_pending_output)?;
        d.set_item("max_failed_logins", l.max_failed_logins)?;
        d.set_item("login_deadline", l.login_deadline.as_secs_f64())?;
        d.set_item("idle_timeout", l.idle_timeout.as_secs_f64())?;
        d.set_item("max_xml_depth", l.max_xml_depth)?;
        d.set_item("max_xml_attributes", l.max_xml_attributes)?;
        d.set_item("max_xml_text", l.max_xml_text)?;
        Ok(d)
    }

    /// The greeting's XML for `now` (without the frame header).
    #[pyo3(signature = (now = None))]
    fn greeting_xml(&self, now: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        Ok(self.inner.greeting_xml(to_time(now, "now")?))
    }

    fn __repr__(&self) -> String {
        format!(
            "Config(server_id={}, object_uris={}, extension_uris={}, languages={})",
            pyr(self.inner.server_id()),
            pyr_list(self.inner.object_uris()),
            pyr_list(self.inner.extension_uris()),
            pyr_list(self.inner.languages())
        )
    }
}

// ---------------------------------------------------------------------------
// value types: CloseReason, TransactionRecord, PollMessage, Response
// ---------------------------------------------------------------------------

/// Why a session ended. Compares equal to its `kind` string.
#[pyclass(frozen, module = "libepp")]
struct CloseReason {
    /// `logout`, `login_deadline`, `idle_timeout`, `bad_frame_length`,
    /// `peer_closed`, `peer_closed_mid_frame`, `too_many_failed_logins`,
    /// `session_limit_exceeded`, `closing_response` or `host`.
    #[pyo3(get)]
    kind: &'static str,
    /// For `closing_response`: the 25xx code.
    #[pyo3(get)]
    code: Option<u16>,
    /// For `bad_frame_length`: the length announced.
    #[pyo3(get)]
    length: Option<u32>,
    /// For `bad_frame_length`: the largest accepted.
    #[pyo3(get)]
    limit: Option<u32>,
    /// For `peer_closed_mid_frame`: bytes of the unfinished frame.
    #[pyo3(get)]
    received: Option<usize>,
    message: String,
}

impl CloseReason {
    fn from_core(r: &CoreCloseReason) -> CloseReason {
        let mut c = CloseReason {
            kind: "",
            code: None,
            length: None,
            limit: None,
            received: None,
            message: r.to_string(),
        };
        c.kind = match r {
            CoreCloseReason::Logout => "logout",
            CoreCloseReason::LoginDeadline => "login_deadline",
            CoreCloseReason::IdleTimeout => "idle_timeout",
            CoreCloseReason::BadFrameLength { length, limit } => {
                c.length = Some(*length);
                c.limit = Some(*limit);
                "bad_frame_length"
            }
            CoreCloseReason::PeerClosed => "peer_closed",
            CoreCloseReason::PeerClosedMidFrame { received } => {
                c.received = Some(*received);
                "peer_closed_mid_frame"
            }
            CoreCloseReason::TooManyFailedLogins => "too_many_failed_logins",
            CoreCloseReason::SessionLimitExceeded => "session_limit_exceeded",
            CoreCloseReason::ClosingResponse(code) => {
                c.code = Some(*code);
                "closing_response"
            }
            CoreCloseReason::Host => "host",
            _ => "other",
        };
        c
    }
}

#[pymethods]
impl CloseReason {
    fn __str__(&self) -> &str {
        &self.message
    }

    fn __repr__(&self) -> String {
        format!("<CloseReason {}: {}>", self.kind, pyr(&self.message))
    }

    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> Py<PyAny> {
        let py = other.py();
        let eq = if let Ok(s) = other.extract::<String>() {
            Some(s == self.kind)
        } else if let Ok(o) = other.cast::<CloseReason>() {
            let o = o.get();
            Some(
                o.kind == self.kind
                    && o.code == self.code
                    && o.length == self.length
                    && o.limit == self.limit
                    && o.received == self.received,
            )
        } else {
            None
        };
        match (eq, op) {
            (Some(e), CompareOp::Eq) => obj(py, e),
            (Some(e), CompareOp::Ne) => obj(py, !e),
            _ => py.NotImplemented(),
        }
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        PyString::new(py, self.kind).hash()
    }
}

/// One response written, for an audit log (see Config(transaction_log=True)).
#[pyclass(frozen, module = "libepp")]
struct TransactionRecord {
    /// `hello`, `login`, `logout`, `poll req`, `poll ack`, an object verb,
    /// `invalid` or `frame`.
    #[pyo3(get)]
    command: &'static str,
    /// The result code; None for a greeting.
    #[pyo3(get)]
    code: Option<u16>,
    /// The logged-in client, or for a login the clID it tried.
    #[pyo3(get)]
    client_id: Option<String>,
    #[pyo3(get)]
    client_transaction_id: Option<String>,
    #[pyo3(get)]
    server_transaction_id: Option<String>,
    /// When the frame was read (Unix seconds).
    #[pyo3(get)]
    received_at: f64,
}

#[pymethods]
impl TransactionRecord {
    fn __repr__(&self) -> String {
        format!(
            "TransactionRecord(command={}, code={}, client_id={}, client_transaction_id={}, server_transaction_id={}, received_at={:?})",
            pyr(self.command),
            self.code.map_or("None".into(), |c| c.to_string()),
            py_opt_str(&self.client_id),
            py_opt_str(&self.client_transaction_id),
            py_opt_str(&self.server_transaction_id),
            self.received_at
        )
    }
}

/// `repr(s)` as Python writes it for a str.
fn pyr(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut o = String::with_capacity(s.len() + 2);
    o.push(q);
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if c == q => {
                o.push('\\');
                o.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                o.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => o.push(c),
        }
    }
    o.push(q);
    o
}

/// `repr()` of an optional str.
fn py_opt_str(s: &Option<String>) -> String {
    match s {
        Some(s) => pyr(s),
        None => "None".into(),
    }
}

/// `repr()` of a list of str.
fn pyr_list(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| pyr(s)).collect();
    format!("[{}]", items.join(", "))
}

/// A queued service message, as a poll handler returns it.
#[pyclass(frozen, module = "libepp")]
struct PollMessage {
    #[pyo3(get)]
    id: u64,
    #[pyo3(get)]
    count: u64,
    queued_at: SystemTime,
    #[pyo3(get)]
    text: String,
    #[pyo3(get)]
    lang: Option<String>,
    #[pyo3(get)]
    res_data: Option<String>,
    #[pyo3(get)]
    extension: Option<String>,
}

#[pymethods]
impl PollMessage {
    #[new]
    #[pyo3(signature = (id, count, queued_at, text, *, lang = None, res_data = None, extension = None))]
    fn new(
        id: u64,
        count: u64,
        queued_at: &Bound<'_, PyAny>,
        text: String,
        lang: Option<String>,
        res_data: Option<String>,
        extension: Option<String>,
    ) -> PyResult<Self> {
        Ok(PollMessage {
            id,
            count,
            queued_at: to_time(Some(queued_at), "queued_at")?,
            text,
            lang,
            res_data,
            extension,
        })
    }

    /// When the message was queued (Unix seconds).
    #[getter]
    fn queued_at(&self) -> f64 {
        from_time(self.queued_at)
    }

    fn __repr__(&self) -> String {
        format!(
            "PollMessage(id={}, count={}, queued_at={:?}, text={})",
            self.id,
            self.count,
            from_time(self.queued_at),
            pyr(&self.text)
        )
    }
}

/// A complete answer to a command: a result code with optional text, values
/// and passed-through XML. libepp renders the envelope and the trID.
#[pyclass(frozen, module = "libepp")]
struct Response {
    #[pyo3(get)]
    code: u16,
    #[pyo3(get)]
    message: Option<String>,
    #[pyo3(get)]
    lang: Option<String>,
    #[pyo3(get)]
    res_data: Option<String>,
    #[pyo3(get)]
    extension: Option<String>,
    #[pyo3(get)]
    values: Vec<String>,
    #[pyo3(get)]
    ext_values: Vec<(String, String)>,
}

#[pymethods]
impl Response {
    #[new]
    #[pyo3(signature = (code = 1000, message = None, *, lang = None, res_data = None, extension = None, values = None, ext_values = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        code: i64,
        message: Option<String>,
        lang: Option<String>,
        res_data: Option<String>,
        extension: Option<String>,
        values: Option<Vec<String>>,
        ext_values: Option<Vec<(String, String)>>,
    ) -> PyResult<Self> {
        let code = result_code(py, code)?.code();
        Ok(Response {
            code,
            message,
            lang,
            res_data,
            extension,
            values: values.unwrap_or_default(),
            ext_values: ext_values.unwrap_or_default(),
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Response(code={}, message={}, res_data={}, extension={})",
            self.code,
            py_opt_str(&self.message),
            py_opt_str(&self.res_data),
            py_opt_str(&self.extension)
        )
    }
}

impl Response {
    fn to_core(&self) -> CoreResponse {
        let code = ResultCode::from_u16(self.code).unwrap_or(ResultCode::CommandFailed);
        let mut values: Vec<ResultValue> = self
            .values
            .iter()
            .cloned()
            .map(ResultValue::Value)
            .collect();
        values.extend(
            self.ext_values
                .iter()
                .map(|(value, reason)| ResultValue::ExtValue {
                    value: value.clone(),
                    reason: reason.clone(),
                }),
        );
        CoreResponse {
            results: vec![EppResult {
                code,
                message: self.message.clone(),
                lang: self.lang.clone(),
                values,
            }],
            res_data: self.res_data.clone(),
            extension: self.extension.clone(),
        }
    }
}

// ---------------------------------------------------------------------------
// Session
// ---------------------------------------------------------------------------

/// One EPP session on one connection, without any I/O.
///
/// Session(config, now=None) queues the greeting at once. Pass the bytes read
/// from the peer to feed_input, write what take_output returns, and answer
/// every request that poll_queue (or iterating over the session) hands out,
/// through the request's own methods. Call handle_timeout when next_timeout
/// passes, handle_eof when the peer closes, and close the connection once
/// is_finished. `now` arguments are Unix seconds, a datetime, or None for the
/// current time. A Session may be shared between threads.
#[pyclass(frozen, module = "libepp")]
struct Session {
    inner: Mutex<epp::Session>,
    config: Py<Config>,
}

impl Session {
    /// Locks the core session. While another thread holds the lock (possibly
    /// for a long feed), waits with the GIL released.
    fn lock<'a>(&'a self, py: Python<'_>) -> MutexGuard<'a, epp::Session> {
        loop {
            if let Some(g) = self.inner.try_lock() {
                return g;
            }
            py.detach(|| drop(self.inner.lock()));
        }
    }
}

fn input_bytes<'a>(data: &'a Bound<'_, PyAny>) -> PyResult<std::borrow::Cow<'a, [u8]>> {
    if let Ok(b) = data.cast::<PyBytes>() {
        return Ok(std::borrow::Cow::Borrowed(b.as_bytes()));
    }
    if let Ok(b) = data.cast::<PyByteArray>() {
        return Ok(std::borrow::Cow::Owned(b.to_vec()));
    }
    if data.is_instance_of::<PyMemoryView>() {
        let b = data.py().get_type::<PyBytes>().call1((data,))?;
        let b = b.cast::<PyBytes>()?;
        return Ok(std::borrow::Cow::Owned(b.as_bytes().to_vec()));
    }
    Err(PyTypeError::new_err(format!(
        "data must be bytes, bytearray or memoryview, not {}",
        data.get_type().name()?
    )))
}

fn state_name(s: SessionState) -> &'static str {
    match s {
        SessionState::AwaitingLogin => "awaiting_login",
        SessionState::LoginPending => "login_pending",
        SessionState::LoggedIn => "logged_in",
        SessionState::Closing => "closing",
        SessionState::Closed => "closed",
        #[allow(unreachable_patterns)]
        _ => "unknown",
    }
}

#[pymethods]
impl Session {
    /// Creates a session for a new connection at `now`; the greeting is
    /// queued at once.
    #[new]
    #[pyo3(signature = (config, now = None))]
    fn new(config: Py<Config>, now: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let now = to_time(now, "now")?;
        let inner = epp::Session::new(Arc::clone(&config.get().inner), now);
        Ok(Session {
            inner: Mutex::new(inner),
            config,
        })
    }

    /// The configuration.
    #[getter]
    fn config(&self, py: Python<'_>) -> Py<Config> {
        self.config.clone_ref(py)
    }

    /// Takes bytes read from the peer and returns how many were taken. Fewer
    /// than len(data) means backpressure: keep the rest and feed it again
    /// after answering requests or taking output. Large inputs are processed
    /// with the GIL released.
    #[pyo3(signature = (data, now = None))]
    fn feed_input(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<usize> {
        let now = to_time(now, "now")?;
        let input = input_bytes(data)?;
        let input: &[u8] = &input;
        let r = if input.len() >= DETACH_INPUT {
            py.detach(|| self.inner.lock().feed_input(input, now))
        } else {
            self.lock(py).feed_input(input, now)
        };
        r.map_err(|e| session_error(py, e))
    }

    /// Tells the session the peer closed its sending side.
    #[pyo3(signature = (now = None))]
    fn handle_eof(&self, py: Python<'_>, now: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let now = to_time(now, "now")?;
        self.lock(py).handle_eof(now);
        Ok(())
    }

    /// Ends the session at the host's wish: nothing more is written.
    fn close(&self, py: Python<'_>) {
        self.lock(py).close();
    }

    /// When handle_timeout should next be called (Unix seconds), if ever.
    fn next_timeout(&self, py: Python<'_>) -> Option<f64> {
        self.lock(py).next_timeout().map(from_time)
    }

    /// Closes the session if a deadline has passed by `now`; returns whether
    /// it did.
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

    /// Marks `n` bytes of output() as written.
    fn consume_output(&self, py: Python<'_>, n: usize) {
        self.lock(py).consume_output(n);
    }

    /// Takes all pending output at once (b"" when nothing is pending).
    fn take_output<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let v = self.lock(py).take_output().unwrap_or_default();
        PyBytes::new(py, &v)
    }

    /// The next request to decide, in command order, or None.
    fn poll_queue(slf: &Bound<'_, Self>) -> PyResult<Option<Py<PyAny>>> {
        let py = slf.py();
        let (req, client_id) = {
            let mut s = slf.get().lock(py);
            let r = s.poll_queue();
            (r, s.client_id().unwrap_or("").to_owned())
        };
        match req {
            None => Ok(None),
            Some(r) => wrap_request(py, slf, r, client_id).map(Some),
        }
    }

    /// Takes every request waiting in the queue.
    fn drain_queue(slf: &Bound<'_, Self>) -> PyResult<Vec<Py<PyAny>>> {
        let mut out = Vec::new();
        while let Some(r) = Session::poll_queue(slf)? {
            out.push(r);
        }
        Ok(out)
    }

    /// Iterates over the pending requests, taking them.
    fn __iter__(slf: &Bound<'_, Self>) -> RequestIterator {
        RequestIterator {
            session: slf.clone().unbind(),
        }
    }

    /// The next transaction log record, when the configuration keeps one.
    fn poll_transaction(&self, py: Python<'_>) -> Option<TransactionRecord> {
        let rec = self.lock(py).poll_transaction()?;
        Some(record(rec))
    }

    /// Takes every transaction log record waiting.
    fn drain_transactions(&self, py: Python<'_>) -> Vec<TransactionRecord> {
        let recs: Vec<_> = {
            let mut s = self.lock(py);
            std::iter::from_fn(|| s.poll_transaction()).collect()
        };
        recs.into_iter().map(record).collect()
    }

    /// `awaiting_login`, `login_pending`, `logged_in`, `closing` or `closed`.
    #[getter]
    fn state(&self, py: Python<'_>) -> &'static str {
        state_name(self.lock(py).state())
    }

    /// The logged-in client's identifier.
    #[getter]
    fn client_id(&self, py: Python<'_>) -> Option<String> {
        self.lock(py).client_id().map(str::to_owned)
    }

    /// Why the session ended (or is ending).
    #[getter]
    fn close_reason(&self, py: Python<'_>) -> Option<CloseReason> {
        self.lock(py).close_reason().map(CloseReason::from_core)
    }

    /// True when the connection should be closed now.
    #[getter]
    fn is_finished(&self, py: Python<'_>) -> bool {
        self.lock(py).is_finished()
    }

    /// Requests handed out (or queued) and not yet answered.
    #[getter]
    fn outstanding(&self, py: Python<'_>) -> usize {
        self.lock(py).outstanding()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let (state, client, out) = {
            let s = self.lock(py);
            (
                state_name(s.state()),
                s.client_id().map(str::to_owned),
                s.outstanding(),
            )
        };
        format!(
            "<Session state={state} client_id={} outstanding={out}>",
            py_opt_str(&client)
        )
    }
}

fn record(r: epp::TransactionRecord) -> TransactionRecord {
    TransactionRecord {
        command: r.command,
        code: r.code.map(|c| c.code()),
        client_id: r.client_id,
        client_transaction_id: r.client_transaction_id.map(|t| t.as_str().to_owned()),
        server_transaction_id: r.server_transaction_id,
        received_at: from_time(r.received_at),
    }
}

/// Iterates over a session's pending requests, taking them.
#[pyclass(frozen, module = "libepp")]
struct RequestIterator {
    session: Py<Session>,
}

#[pymethods]
impl RequestIterator {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        Session::poll_queue(self.session.bind(py))
    }
}

fn verb_name(v: CommandVerb) -> &'static str {
    v.as_str()
}

fn transfer_name(op: TransferOp) -> &'static str {
    op.as_str()
}

fn wrap_request(
    py: Python<'_>,
    session: &Bound<'_, Session>,
    r: CoreRequest,
    client_id: String,
) -> PyResult<Py<PyAny>> {
    let session = session.clone().unbind();
    let cl = |t: Option<epp::TransactionId>| t.map(|t| t.as_str().to_owned());
    Ok(match r {
        CoreRequest::Login(l) => Py::new(
            py,
            LoginRequest {
                req: Pending::new(session, l.id.get()),
                client_id: l.client_id,
                password: l.password,
                new_password: l.new_password,
                lang: l.lang,
                object_uris: l.object_uris,
                extension_uris: l.extension_uris,
                extension_xml: l.extension_xml,
                client_transaction_id: cl(l.client_transaction_id),
            },
        )?
        .into_any(),
        CoreRequest::Poll(p) => Py::new(
            py,
            PollRequest {
                req: Pending::new(session, p.id.get()),
                client_id,
                client_transaction_id: cl(p.client_transaction_id),
            },
        )?
        .into_any(),
        CoreRequest::PollAck(a) => Py::new(
            py,
            PollAckRequest {
                req: Pending::new(session, a.id.get()),
                client_id,
                message_id: a.message_id,
                client_transaction_id: cl(a.client_transaction_id),
            },
        )?
        .into_any(),
        CoreRequest::Command(c) => Py::new(
            py,
            CommandRequest {
                req: Pending::new(session, c.id.get()),
                client_id,
                verb: verb_name(c.verb),
                transfer_op: c.transfer_op.map(transfer_name),
                object_uri: c.object_uri,
                object_xml: c.object_xml,
                extension_uris: c.extension_uris,
                extension_xml: c.extension_xml,
                client_transaction_id: cl(c.client_transaction_id),
            },
        )?
        .into_any(),
        CoreRequest::SessionEnd(e) => Py::new(
            py,
            SessionEnd {
                session,
                reason: Py::new(py, CloseReason::from_core(&e.reason))?,
            },
        )?
        .into_any(),
        other => {
            return Err(EppError::new_err(format!(
                "request kind {} is not supported by this binding",
                other.kind()
            )))
        }
    })
}

// ---------------------------------------------------------------------------
// requests
// ---------------------------------------------------------------------------

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// Builds the core response for `respond(code, ...)` or `respond(Response)`.
#[allow(clippy::too_many_arguments)]
fn build_response(
    py: Python<'_>,
    code: &Bound<'_, PyAny>,
    message: Option<String>,
    lang: Option<String>,
    res_data: Option<String>,
    extension: Option<String>,
    values: Option<Vec<String>>,
    ext_values: Option<Vec<(String, String)>>,
) -> PyResult<CoreResponse> {
    if let Ok(r) = code.cast::<Response>() {
        if message.is_some()
            || lang.is_some()
            || res_data.is_some()
            || extension.is_some()
            || values.is_some()
            || ext_values.is_some()
        {
            return Err(PyTypeError::new_err(
                "respond(Response) takes no other arguments",
            ));
        }
        return Ok(r.get().to_core());
    }
    if code.is_instance_of::<pyo3::types::PyBool>() {
        return Err(PyTypeError::new_err(
            "code must be an int result code or a Response, not bool",
        ));
    }
    let code: i64 = code
        .extract()
        .map_err(|_| PyTypeError::new_err("code must be an int result code or a Response"))?;
    let r = Response::new(
        py, code, message, lang, res_data, extension, values, ext_values,
    )?;
    Ok(r.to_core())
}

/// What every request that takes an answer holds: its session, its id and
/// whether it has been answered.
struct Pending {
    session: Py<Session>,
    id: u64,
    answered: AtomicBool,
}

impl Pending {
    fn new(session: Py<Session>, id: u64) -> Self {
        Pending {
            session,
            id,
            answered: AtomicBool::new(false),
        }
    }

    fn is_answered(&self) -> bool {
        self.answered.load(Ordering::Acquire)
    }

    /// Runs an answer under the session's lock unless the request was
    /// answered already; marks it answered on success.
    fn answer(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut epp::Session, epp::RequestId) -> Result<(), SessionError>,
    ) -> PyResult<()> {
        let id = self.id;
        let result = {
            let mut s = self.session.get().lock(py);
            if self.is_answered() {
                None
            } else {
                let r = f(&mut s, epp::RequestId::from_raw(id));
                if r.is_ok() {
                    self.answered.store(true, Ordering::Release);
                }
                Some(r)
            }
        };
        match result {
            None => Err(with_attrs(
                py,
                AlreadyAnsweredError::new_err(format!("request #{id} was already answered")),
                &[("request_id", obj(py, id))],
            )),
            Some(Ok(())) => Ok(()),
            Some(Err(e)) => Err(session_error(py, e)),
        }
    }
}

/// The `#[pymethods]` block of a request class that holds a [`Pending`] as
/// `req`: the class's own methods, then what every such class shares, written
/// once here: `kind`, the `session`, `id` and `answered` getters, `fail`
/// (2400) and, when listed, `respond` (any response), each with the docs
/// given.
macro_rules! request_pymethods {
    (
        $ty:ident $kind:literal { $($own:tt)* }
        $(#[$fail_doc:meta])* fn fail;
        $( $(#[$respond_doc:meta])* fn respond; )?
    ) => {
        #[pymethods]
        impl $ty {
            #[classattr]
            fn kind() -> &'static str {
                $kind
            }

            /// The session this request belongs to.
            #[getter]
            fn session(&self, py: Python<'_>) -> Py<Session> {
                self.req.session.clone_ref(py)
            }

            #[getter]
            fn id(&self) -> u64 {
                self.req.id
            }

            /// Whether this request has been answered.
            #[getter]
            fn answered(&self) -> bool {
                self.req.is_answered()
            }

            $($own)*

            $(
                $(#[$respond_doc])*
                #[pyo3(
                    signature = (code = None, message = None, *, lang = None, res_data = None, extension = None, values = None, ext_values = None),
                    text_signature = "(self, /, code=1000, message=None, *, lang=None, res_data=None, extension=None, values=None, ext_values=None)"
                )]
                #[allow(clippy::too_many_arguments)]
                fn respond(
                    &self,
                    py: Python<'_>,
                    code: Option<&Bound<'_, PyAny>>,
                    message: Option<String>,
                    lang: Option<String>,
                    res_data: Option<String>,
                    extension: Option<String>,
                    values: Option<Vec<String>>,
                    ext_values: Option<Vec<(String, String)>>,
                ) -> PyResult<()> {
                    let default = 1000i64.into_pyobject(py)?.into_any();
                    let r = build_response(
                        py,
                        code.unwrap_or(&default),
                        message,
                        lang,
                        res_data,
                        extension,
                        values,
                        ext_values,
                    )?;
                    self.req.answer(py, |s, id| s.answer_command(id, r))
                }
            )?

            $(#[$fail_doc])*
            #[pyo3(signature = (message = None))]
            fn fail(&self, py: Python<'_>, message: Option<String>) -> PyResult<()> {
                self.req
                    .answer(py, |s, id| s.answer_failure(id, message.as_deref()))
            }
        }
    };
}

/// A `<login>` to authenticate. Version, language, objURIs and extURIs have
/// already been checked against the configuration.
#[pyclass(frozen, module = "libepp")]
struct LoginRequest {
    req: Pending,
    #[pyo3(get)]
    client_id: String,
    #[pyo3(get)]
    password: String,
    #[pyo3(get)]
    new_password: Option<String>,
    #[pyo3(get)]
    lang: String,
    #[pyo3(get)]
    object_uris: Vec<String>,
    #[pyo3(get)]
    extension_uris: Vec<String>,
    #[pyo3(get)]
    extension_xml: Option<String>,
    #[pyo3(get)]
    client_transaction_id: Option<String>,
}

impl LoginRequest {
    /// Answers and returns the result code sent (an accepted login becomes
    /// 2502 when the registrar is over a shared session limit).
    fn login(&self, py: Python<'_>, a: LoginAnswer) -> PyResult<u16> {
        let mut code = 0;
        self.req.answer(py, |s, id| {
            code = s.answer_login(id, a)?.code();
            Ok(())
        })?;
        Ok(code)
    }
}

request_pymethods! {
    LoginRequest "login" {
        /// Credentials accepted (and the new password set, if one was given):
        /// 1000, and the session is logged in (or 2502 when a configured
        /// per-registrar session limit is reached).
        fn accept(&self, py: Python<'_>) -> PyResult<u16> {
            self.login(py, LoginAnswer::Accepted)
        }

        /// Credentials rejected: 2200, or 2501 and close once max_failed_logins
        /// is reached.
        fn reject_credentials(&self, py: Python<'_>) -> PyResult<u16> {
            self.login(py, LoginAnswer::BadCredentials)
        }

        /// The account exists but may not log in: 2201.
        fn account_disabled(&self, py: Python<'_>) -> PyResult<u16> {
            self.login(py, LoginAnswer::AccountDisabled)
        }

        /// The registrar has too many sessions: 2502, and close.
        fn session_limit_exceeded(&self, py: Python<'_>) -> PyResult<u16> {
            self.login(py, LoginAnswer::SessionLimitExceeded)
        }

        fn __repr__(&self) -> String {
            format!(
                "LoginRequest(id={}, client_id={}, password=<redacted>, new_password={}, lang={}, client_transaction_id={}, answered={})",
                self.req.id,
                pyr(&self.client_id),
                if self.new_password.is_some() { "<redacted>" } else { "None" },
                pyr(&self.lang),
                py_opt_str(&self.client_transaction_id),
                py_bool(self.req.is_answered()),
            )
        }
    }
    /// The host could not decide: 2400, with an optional message.
    fn fail;
}

/// `<poll op="req"/>`: return the oldest message of the logged-in client.
#[pyclass(frozen, module = "libepp")]
struct PollRequest {
    req: Pending,
    /// The logged-in client.
    #[pyo3(get)]
    client_id: String,
    #[pyo3(get)]
    client_transaction_id: Option<String>,
}

request_pymethods! {
    PollRequest "poll" {
        /// The oldest message: 1301 with `<msgQ>`.
        #[pyo3(signature = (id, count, queued_at, text, *, lang = None, res_data = None, extension = None))]
        #[allow(clippy::too_many_arguments)]
        fn message(
            &self,
            py: Python<'_>,
            id: u64,
            count: u64,
            queued_at: &Bound<'_, PyAny>,
            text: String,
            lang: Option<String>,
            res_data: Option<String>,
            extension: Option<String>,
        ) -> PyResult<()> {
            let m = CorePollMessage {
                id,
                count,
                queued_at: to_time(Some(queued_at), "queued_at")?,
                lang,
                text,
                res_data,
                extension,
            };
            self.req
                .answer(py, |s, rid| s.answer_poll(rid, PollAnswer::Message(m)))
        }

        /// The client's queue is empty: 1300.
        fn empty(&self, py: Python<'_>) -> PyResult<()> {
            self.req.answer(py, |s, id| s.answer_poll(id, PollAnswer::Empty))
        }

        fn __repr__(&self) -> String {
            format!(
                "PollRequest(id={}, client_id={}, client_transaction_id={}, answered={})",
                self.req.id,
                pyr(&self.client_id),
                py_opt_str(&self.client_transaction_id),
                py_bool(self.req.is_answered()),
            )
        }
    }
    /// 2400 (command failed), with an optional message.
    fn fail;
    /// Answers with a complete response of the host's choice.
    fn respond;
}

/// `<poll op="ack" msgID="..."/>`: remove a message from the logged-in
/// client's queue.
#[pyclass(frozen, module = "libepp")]
struct PollAckRequest {
    req: Pending,
    #[pyo3(get)]
    client_id: String,
    /// The message to remove.
    #[pyo3(get)]
    message_id: u64,
    #[pyo3(get)]
    client_transaction_id: Option<String>,
}

request_pymethods! {
    PollAckRequest "poll_ack" {
        /// The message was removed: 1000 with `<msgQ count=remaining>`.
        fn acked(&self, py: Python<'_>, remaining: u64) -> PyResult<()> {
            self.req
                .answer(py, |s, id| s.answer_ack(id, AckAnswer::Acked { remaining }))
        }

        /// No such message for this client: 2303.
        fn unknown(&self, py: Python<'_>) -> PyResult<()> {
            self.req
                .answer(py, |s, id| s.answer_ack(id, AckAnswer::UnknownMessage))
        }

        fn __repr__(&self) -> String {
            format!(
                "PollAckRequest(id={}, client_id={}, message_id={}, client_transaction_id={}, answered={})",
                self.req.id,
                pyr(&self.client_id),
                self.message_id,
                py_opt_str(&self.client_transaction_id),
                py_bool(self.req.is_answered()),
            )
        }
    }
    /// 2400 (command failed), with an optional message.
    fn fail;
    /// Answers with a complete response of the host's choice.
    fn respond;
}

/// An object command (check, info, create, ...) for the host's business
/// logic.
#[pyclass(frozen, module = "libepp")]
struct CommandRequest {
    req: Pending,
    #[pyo3(get)]
    client_id: String,
    /// `check`, `info`, `create`, `update`, `delete`, `renew` or `transfer`.
    #[pyo3(get)]
    verb: &'static str,
    /// For `transfer`: `request`, `approve`, `cancel`, `query` or `reject`.
    #[pyo3(get)]
    transfer_op: Option<&'static str>,
    #[pyo3(get)]
    object_uri: String,
    #[pyo3(get)]
    object_xml: String,
    #[pyo3(get)]
    extension_uris: Vec<String>,
    #[pyo3(get)]
    extension_xml: Option<String>,
    #[pyo3(get)]
    client_transaction_id: Option<String>,
}

request_pymethods! {
    CommandRequest "command" {
        fn __repr__(&self) -> String {
            format!(
                "CommandRequest(id={}, client_id={}, verb={}, transfer_op={}, object_uri={}, client_transaction_id={}, answered={})",
                self.req.id,
                pyr(&self.client_id),
                pyr(self.verb),
                match self.transfer_op {
                    Some(op) => pyr(op),
                    None => "None".into(),
                },
                pyr(&self.object_uri),
                py_opt_str(&self.client_transaction_id),
                py_bool(self.req.is_answered()),
            )
        }
    }
    /// 2400 (command failed), with an optional message.
    fn fail;
    /// Answers with a result code (default 1000) and optional text, values
    /// and passed-through XML, or with a Response. A 25xx code closes the
    /// session once written.
    fn respond;
}

/// The session will process no more input: write what remains and close
/// once Session.is_finished. Needs no answer.
#[pyclass(frozen, module = "libepp")]
struct SessionEnd {
    session: Py<Session>,
    #[pyo3(get)]
    reason: Py<CloseReason>,
}

#[pymethods]
impl SessionEnd {
    #[classattr]
    fn kind() -> &'static str {
        "session_end"
    }

    #[getter]
    fn session(&self, py: Python<'_>) -> Py<Session> {
        self.session.clone_ref(py)
    }

    fn __repr__(&self) -> String {
        let r = self.reason.get();
        format!("SessionEnd(reason={})", pyr(r.kind))
    }
}

// ---------------------------------------------------------------------------
// module
// ---------------------------------------------------------------------------

#[pymodule]
fn _libepp(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("EPP_NS", epp::EPP_NS)?;
    let codes = PyDict::new(py);
    for c in ResultCode::ALL {
        codes.set_item(c.code(), c.text())?;
    }
    m.add("RESULT_CODES", codes)?;
    m.add_class::<Config>()?;
    m.add_class::<RegistrarSessions>()?;
    m.add_class::<Session>()?;
    m.add_class::<RequestIterator>()?;
    m.add_class::<LoginRequest>()?;
    m.add_class::<PollRequest>()?;
    m.add_class::<PollAckRequest>()?;
    m.add_class::<CommandRequest>()?;
    m.add_class::<SessionEnd>()?;
    m.add_class::<CloseReason>()?;
    m.add_class::<TransactionRecord>()?;
    m.add_class::<PollMessage>()?;
    m.add_class::<Response>()?;
    m.add("EppError", py.get_type::<EppError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("SessionClosedError", py.get_type::<SessionClosedError>())?;
    m.add("UnknownRequestError", py.get_type::<UnknownRequestError>())?;
    m.add(
        "AlreadyAnsweredError",
        py.get_type::<AlreadyAnsweredError>(),
    )?;
    m.add("WrongAnswerError", py.get_type::<WrongAnswerError>())?;
    m.add("InvalidXmlError", py.get_type::<InvalidXmlError>())?;
    m.add("InvalidAnswerError", py.get_type::<InvalidAnswerError>())?;
    Ok(())
}
