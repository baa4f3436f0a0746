//! `libepp._libepp`: the Python binding of the libepp session engine.
//!
//! Everything here mirrors the Rust API of the `epp` crate; the Python
//! package `libepp` re-exports it and adds the asyncio server
//! (`libepp.asyncio`). The binding is a crate of its own so that the core's
//! own artifacts never link Python. The ETP engine (`epp::etp`) is bound in
//! the submodule `etp` (`etp.rs`), importable as `libepp.etp`.
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
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyMemoryView, PyString, PyTuple};
use pyo3::BoundObject;

mod args;
mod client;
mod etp;

use epp::{
    AckAnswer, CloseReason as CoreCloseReason, ConfigError as CoreConfigError, DcpAccess,
    DcpExpiry, DcpPurpose, DcpRecipient, DcpRetention, EppResult, Limits, LoginAnswer,
    LoginSecurity as CoreLoginSecurity, PollAnswer, PollMessage as CorePollMessage,
    Request as CoreRequest, Response as CoreResponse, ResultCode, ResultValue,
    SecurityEvent as CoreSecurityEvent, SecurityEventLevel, SecurityEventType, ServerConfig,
    SessionError, SessionState, UserAgent as CoreUserAgent,
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
    "This session never issued a request with this id (attribute: request_id)."
);
pyo3::create_exception!(
    libepp,
    AlreadyAnsweredError,
    UnknownRequestError,
    "The request was already answered, or dropped after a closing response (attribute: request_id)."
);
pyo3::create_exception!(
    libepp,
    InputAfterEofError,
    EppError,
    "Input was fed after Session.handle_eof."
);
pyo3::create_exception!(
    libepp,
    InputBufferFullError,
    EppError,
    "Holding this input would exceed the configuration's max_buffered_input, so none of it was taken: the host read on although Session.wants_input() was False (attribute: limit)."
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
        epp::RequestKind::Extension => "extension",
        epp::RequestKind::SessionEnd => "session_end",
    }
}

/// The one Python exception class of each core error.
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
        SessionError::AlreadyAnswered(id) => with_attrs(
            py,
            AlreadyAnsweredError::new_err(msg),
            &[("request_id", obj(py, id.get()))],
        ),
        SessionError::InputAfterEof => InputAfterEofError::new_err(msg),
        SessionError::InputBufferFull { limit } => with_attrs(
            py,
            InputBufferFullError::new_err(msg),
            &[("limit", obj(py, limit))],
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

/// A non-negative number of seconds as a duration, rounded to the nearest
/// microsecond: a float holds Unix time in seconds only to about a quarter
/// of a microsecond, so `1800000000.123` means 123 ms, not 122.999... ms.
fn secs_to_duration(secs: f64, what: &str, unit: &str) -> PyResult<Duration> {
    if !secs.is_finite() || secs < 0.0 {
        return Err(PyValueError::new_err(format!(
            "{what} must be a finite, non-negative number of seconds{unit}, got {secs}"
        )));
    }
    let micros = (secs * 1e6).round();
    if micros >= u64::MAX as f64 {
        return Err(PyValueError::new_err(format!(
            "{what} is out of range: {secs}"
        )));
    }
    Ok(Duration::from_micros(micros as u64))
}

fn secs_to_time(secs: f64, what: &str) -> PyResult<SystemTime> {
    let d = secs_to_duration(secs, what, " since the Unix epoch")?;
    UNIX_EPOCH
        .checked_add(d)
        .ok_or_else(|| PyValueError::new_err(format!("{what} is out of range: {secs}")))
}

/// A point in time from `None` (now), a float or int (Unix seconds) or an
/// object with a `timestamp()` method (a `datetime`).
fn to_time(value: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<SystemTime> {
    match value {
        Some(v) if !v.is_none() => given_time(v, what),
        _ => Ok(SystemTime::now()),
    }
}

/// A point in time that must be given: a float or int (Unix seconds) or a
/// `datetime`.
fn given_time(v: &Bound<'_, PyAny>, what: &str) -> PyResult<SystemTime> {
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
    secs_to_duration(secs, what, "")
}

fn result_code(py: Python<'_>, code: i64) -> PyResult<ResultCode> {
    u16::try_from(code)
        .ok()
        .and_then(ResultCode::from_u16)
        .ok_or_else(|| invalid_answer(py, format!("{code} is not an EPP result code")))
}

// ---------------------------------------------------------------------------
// RegistrarSessions, the data collection policy, Config, Server
// ---------------------------------------------------------------------------

/// Counts logged-in sessions per registrar, shared by every session (and
/// thread) of one or more servers, to enforce a per-registrar session limit
/// (2502). Pass it to Server(config, registrar_sessions=...).
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

/// Name <-> value tables of the DCP enumerations (the element names,
/// `personalAndOther` written `personal_and_other`).
const DCP_ACCESS: [(&str, DcpAccess); 6] = [
    ("all", DcpAccess::All),
    ("none", DcpAccess::None),
    ("null", DcpAccess::Null),
    ("other", DcpAccess::Other),
    ("personal", DcpAccess::Personal),
    ("personal_and_other", DcpAccess::PersonalAndOther),
];
const DCP_PURPOSES: [(&str, DcpPurpose); 4] = [
    ("admin", DcpPurpose::Admin),
    ("contact", DcpPurpose::Contact),
    ("other", DcpPurpose::Other),
    ("prov", DcpPurpose::Prov),
];
const DCP_RETENTIONS: [(&str, DcpRetention); 5] = [
    ("business", DcpRetention::Business),
    ("indefinite", DcpRetention::Indefinite),
    ("legal", DcpRetention::Legal),
    ("none", DcpRetention::None),
    ("stated", DcpRetention::Stated),
];

fn dcp_value<T: Copy>(table: &[(&'static str, T)], name: &str, what: &str) -> PyResult<T> {
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

fn dcp_name<T: Copy + PartialEq>(table: &[(&'static str, T)], v: T) -> &'static str {
    table
        .iter()
        .find(|(_, x)| *x == v)
        .map_or("unknown", |(n, _)| *n)
}

const DCP_RECIPIENT_NAMES: &str = "other, ours, public, same, unrelated or (\"ours\", description)";

fn dcp_recipient(r: &Bound<'_, PyAny>) -> PyResult<DcpRecipient> {
    if let Ok(s) = r.extract::<String>() {
        return Ok(match s.as_str() {
            "other" => DcpRecipient::Other,
            "ours" => DcpRecipient::Ours(None),
            "public" => DcpRecipient::Public,
            "same" => DcpRecipient::Same,
            "unrelated" => DcpRecipient::Unrelated,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "a recipient must be {DCP_RECIPIENT_NAMES}, not {s:?}"
                )))
            }
        });
    }
    if let Ok(t) = r.cast::<PyTuple>() {
        if let Ok((kind, desc)) = t.extract::<(String, String)>() {
            if kind == "ours" {
                return Ok(DcpRecipient::Ours(Some(desc)));
            }
        }
    }
    Err(PyTypeError::new_err(format!(
        "a recipient must be {DCP_RECIPIENT_NAMES}, not {}",
        r.repr()?
    )))
}

fn dcp_recipient_py(py: Python<'_>, r: &DcpRecipient) -> PyResult<Py<PyAny>> {
    Ok(match r {
        DcpRecipient::Other => obj(py, "other"),
        DcpRecipient::Ours(None) => obj(py, "ours"),
        DcpRecipient::Ours(Some(d)) => PyTuple::new(py, ["ours", d.as_str()])?.into_any().unbind(),
        DcpRecipient::Public => obj(py, "public"),
        DcpRecipient::Same => obj(py, "same"),
        DcpRecipient::Unrelated => obj(py, "unrelated"),
    })
}

fn dcp_recipient_repr(r: &DcpRecipient) -> String {
    match r {
        DcpRecipient::Other => pyr("other"),
        DcpRecipient::Ours(None) => pyr("ours"),
        DcpRecipient::Ours(Some(d)) => format!("({}, {})", pyr("ours"), pyr(d)),
        DcpRecipient::Public => pyr("public"),
        DcpRecipient::Same => pyr("same"),
        DcpRecipient::Unrelated => pyr("unrelated"),
    }
}

/// One `<dcp><statement>` of the greeting.
///
/// DcpStatement(purposes, recipients, retention): purposes from "admin",
/// "contact", "other", "prov"; recipients from "other", "ours", "public",
/// "same", "unrelated", and ("ours", description) for an `<ours>` with a
/// `<recDesc>`; retention one of "business", "indefinite", "legal", "none",
/// "stated". Unknown names are a ValueError; whether the statement is
/// complete (a purpose and a recipient at least, descriptions of 1 to 255
/// characters) is checked with the configuration (ConfigError).
#[pyclass(frozen, eq, module = "libepp")]
#[derive(PartialEq)]
struct DcpStatement {
    inner: epp::DcpStatement,
}

#[pymethods]
impl DcpStatement {
    #[new]
    fn new(
        #[pyo3(from_py_with = purposes_arg)] purposes: Vec<String>,
        #[pyo3(from_py_with = recipients_arg)] recipients: Vec<Bound<'_, PyAny>>,
        retention: &str,
    ) -> PyResult<Self> {
        let purposes = purposes
            .iter()
            .map(|p| dcp_value(&DCP_PURPOSES, p, "a purpose"))
            .collect::<PyResult<_>>()?;
        let recipients = recipients
            .iter()
            .map(dcp_recipient)
            .collect::<PyResult<_>>()?;
        let retention = dcp_value(&DCP_RETENTIONS, retention, "retention")?;
        Ok(DcpStatement {
            inner: epp::DcpStatement {
                purposes,
                recipients,
                retention,
            },
        })
    }

    #[getter]
    fn purposes(&self) -> Vec<&'static str> {
        self.inner
            .purposes
            .iter()
            .map(|p| dcp_name(&DCP_PURPOSES, *p))
            .collect()
    }

    /// Names, and ("ours", description) for an `<ours>` with a `<recDesc>`.
    #[getter]
    fn recipients(&self, py: Python<'_>) -> PyResult<Vec<Py<PyAny>>> {
        self.inner
            .recipients
            .iter()
            .map(|r| dcp_recipient_py(py, r))
            .collect()
    }

    #[getter]
    fn retention(&self) -> &'static str {
        dcp_name(&DCP_RETENTIONS, self.inner.retention)
    }

    fn __repr__(&self) -> String {
        statement_repr(&self.inner)
    }
}

fn statement_repr(s: &epp::DcpStatement) -> String {
    let purposes: Vec<String> = s
        .purposes
        .iter()
        .map(|p| pyr(dcp_name(&DCP_PURPOSES, *p)))
        .collect();
    let recipients: Vec<String> = s.recipients.iter().map(dcp_recipient_repr).collect();
    format!(
        "DcpStatement([{}], [{}], {})",
        purposes.join(", "),
        recipients.join(", "),
        pyr(dcp_name(&DCP_RETENTIONS, s.retention))
    )
}

/// The data collection policy the greeting announces (`<dcp>`).
///
/// Dcp(access="all", statements=None, *, expiry_absolute=None,
/// expiry_relative=None): access one of "all", "none", "null", "other",
/// "personal", "personal_and_other"; statements a list of DcpStatement
/// (None: libepp's default statement, admin and prov purposes, ours and
/// public recipients, stated retention; at least one is required);
/// expiry_absolute (Unix seconds or a datetime) or expiry_relative (seconds
/// after the greeting, sent in whole seconds), at most one of them.
/// Dcp() is libepp's default policy.
#[pyclass(frozen, eq, module = "libepp")]
#[derive(PartialEq)]
struct Dcp {
    inner: epp::Dcp,
}

#[pymethods]
impl Dcp {
    #[new]
    #[pyo3(signature = (access = "all", statements = None, *, expiry_absolute = None, expiry_relative = None))]
    fn new(
        access: &str,
        #[pyo3(from_py_with = opt_statements)] statements: Option<Vec<Py<DcpStatement>>>,
        expiry_absolute: Option<&Bound<'_, PyAny>>,
        expiry_relative: Option<f64>,
    ) -> PyResult<Self> {
        let mut inner = epp::Dcp {
            access: dcp_value(&DCP_ACCESS, access, "access")?,
            ..epp::Dcp::default()
        };
        if let Some(s) = statements {
            inner.statements = s.iter().map(|s| s.get().inner.clone()).collect();
        }
        let absolute = expiry_absolute.filter(|v| !v.is_none());
        inner.expiry = match (absolute, expiry_relative) {
            (Some(_), Some(_)) => {
                return Err(PyValueError::new_err(
                    "give expiry_absolute or expiry_relative, not both",
                ))
            }
            (Some(t), None) => Some(DcpExpiry::Absolute(given_time(t, "expiry_absolute")?)),
            (None, Some(d)) => Some(DcpExpiry::Relative(duration(d, "expiry_relative")?)),
            (None, None) => None,
        };
        Ok(Dcp { inner })
    }

    #[getter]
    fn access(&self) -> &'static str {
        dcp_name(&DCP_ACCESS, self.inner.access)
    }

    #[getter]
    fn statements(&self) -> Vec<DcpStatement> {
        self.inner
            .statements
            .iter()
            .map(|s| DcpStatement { inner: s.clone() })
            .collect()
    }

    /// When the policy expires (Unix seconds), for an absolute expiry.
    #[getter]
    fn expiry_absolute(&self) -> Option<f64> {
        match self.inner.expiry {
            Some(DcpExpiry::Absolute(t)) => Some(from_time(t)),
            _ => None,
        }
    }

    /// Seconds after the greeting the policy expires, for a relative expiry.
    #[getter]
    fn expiry_relative(&self) -> Option<f64> {
        match self.inner.expiry {
            Some(DcpExpiry::Relative(d)) => Some(d.as_secs_f64()),
            _ => None,
        }
    }

    fn __repr__(&self) -> String {
        let statements: Vec<String> = self.inner.statements.iter().map(statement_repr).collect();
        let expiry = match self.inner.expiry {
            None => String::new(),
            Some(DcpExpiry::Absolute(t)) => format!(", expiry_absolute={:?}", from_time(t)),
            Some(DcpExpiry::Relative(d)) => format!(", expiry_relative={:?}", d.as_secs_f64()),
        };
        format!(
            "Dcp({}, [{}]{expiry})",
            pyr(dcp_name(&DCP_ACCESS, self.inner.access)),
            statements.join(", ")
        )
    }
}

/// The server's RFC 8807 (login security) policy, for
/// Config(login_security=...): passwords in `<loginSec:pw>` and
/// `<loginSec:newPW>` (behind the `[LOGIN-SECURITY]` placeholder) must be
/// `min_password_len` to `max_password_len` characters (else 2306). The
/// bounds are checked with the configuration (ConfigError): the minimum at
/// least 6, the maximum at most 1024 and max_xml_text. The plain `<pw>`
/// stays 6 to 16 characters.
#[pyclass(frozen, eq, hash, module = "libepp")]
#[derive(PartialEq, Eq, Hash)]
struct LoginSecurity {
    inner: CoreLoginSecurity,
}

#[pymethods]
impl LoginSecurity {
    #[new]
    #[pyo3(signature = (min_password_len = 6, max_password_len = 128))]
    fn new(min_password_len: usize, max_password_len: usize) -> Self {
        LoginSecurity {
            inner: CoreLoginSecurity {
                min_password_len,
                max_password_len,
            },
        }
    }

    /// The schema's minimum password length (6).
    #[classattr]
    #[allow(non_snake_case)]
    fn SCHEMA_MIN_PASSWORD_LEN() -> usize {
        CoreLoginSecurity::SCHEMA_MIN_PASSWORD_LEN
    }

    /// The largest max_password_len a configuration accepts (1024).
    #[classattr]
    #[allow(non_snake_case)]
    fn MAX_PASSWORD_LEN_LIMIT() -> usize {
        CoreLoginSecurity::MAX_PASSWORD_LEN_LIMIT
    }

    /// Fewest characters of a password (after whitespace collapse).
    #[getter]
    fn min_password_len(&self) -> usize {
        self.inner.min_password_len
    }

    /// Most characters of a password.
    #[getter]
    fn max_password_len(&self) -> usize {
        self.inner.max_password_len
    }

    fn __repr__(&self) -> String {
        format!(
            "LoginSecurity(min_password_len={}, max_password_len={})",
            self.inner.min_password_len, self.inner.max_password_len
        )
    }
}

/// `<loginSec:userAgent>` (RFC 8807): the client software, as the client
/// describes it, in LoginRequest.user_agent. Each part is optional (a
/// client sends at least one), whitespace-collapsed.
#[pyclass(frozen, eq, hash, module = "libepp")]
#[derive(PartialEq, Eq, Hash)]
struct UserAgent {
    inner: CoreUserAgent,
}

#[pymethods]
impl UserAgent {
    #[new]
    #[pyo3(signature = (app = None, tech = None, os = None))]
    fn new(app: Option<String>, tech: Option<String>, os: Option<String>) -> Self {
        UserAgent {
            inner: CoreUserAgent { app, tech, os },
        }
    }

    /// `<loginSec:app>`: application and version.
    #[getter]
    fn app(&self) -> Option<&str> {
        self.inner.app.as_deref()
    }

    /// `<loginSec:tech>`: technology and version.
    #[getter]
    fn tech(&self) -> Option<&str> {
        self.inner.tech.as_deref()
    }

    /// `<loginSec:os>`: operating system and version.
    #[getter]
    fn os(&self) -> Option<&str> {
        self.inner.os.as_deref()
    }

    fn __repr__(&self) -> String {
        format!(
            "UserAgent(app={}, tech={}, os={})",
            py_opt_str(&self.inner.app),
            py_opt_str(&self.inner.tech),
            py_opt_str(&self.inner.os)
        )
    }
}

/// RFC 8807's event types, by their `type` attribute.
const EVENT_TYPES: &str = "password, certificate, cipher, tlsProtocol, newPW, stat or custom";

/// One RFC 8807 security event of a login response: a password or
/// certificate about to expire, a weak cipher or TLS protocol, a statistic,
/// a custom event. Given to the login answers (LoginRequest.accept(events=...),
/// Session.answer_login(..., events)), whatever the outcome.
///
/// SecurityEvent(type, level, *, name=None, expires_at=None, value=None,
/// duration=None, lang=None, text=None): type is the RFC's `type`
/// ("password", "certificate", "cipher", "tlsProtocol", "newPW", "stat",
/// "custom"), level "warning" or "error"; name is the statistic's or custom
/// event's name (only for "stat" and "custom"); expires_at (`exDate`, Unix
/// seconds or a datetime); value (a cipher suite, a TLS protocol, a
/// statistic's figure); duration (a statistic's period: seconds or a
/// timedelta); lang (of text); text (the description). Unknown names are a
/// ValueError; what RFC 8807 requires (exDate for password and certificate,
/// a name for stat and custom, a language tag in lang) is checked when the
/// event is sent (InvalidAnswerError, answering nothing).
#[pyclass(frozen, eq, hash, module = "libepp")]
#[derive(PartialEq, Eq, Hash)]
struct SecurityEvent {
    inner: CoreSecurityEvent,
}

fn event_level(level: &str) -> PyResult<SecurityEventLevel> {
    match level {
        "warning" => Ok(SecurityEventLevel::Warning),
        "error" => Ok(SecurityEventLevel::Error),
        other => Err(PyValueError::new_err(format!(
            "level must be warning or error, not {other:?}"
        ))),
    }
}

fn event_type(kind: &str, name: Option<String>) -> PyResult<SecurityEventType> {
    let named = |t: fn(String) -> SecurityEventType| Ok(t(name.clone().unwrap_or_default()));
    let t = match kind {
        "stat" => return named(SecurityEventType::Stat),
        "custom" => return named(SecurityEventType::Custom),
        "password" => SecurityEventType::Password,
        "certificate" => SecurityEventType::Certificate,
        "cipher" => SecurityEventType::Cipher,
        "tlsProtocol" => SecurityEventType::TlsProtocol,
        "newPW" => SecurityEventType::NewPassword,
        other => {
            return Err(PyValueError::new_err(format!(
                "type must be {EVENT_TYPES}, not {other:?}"
            )))
        }
    };
    if name.is_some() {
        return Err(PyValueError::new_err(format!(
            "a {kind} event takes no name (only stat and custom do)"
        )));
    }
    Ok(t)
}

/// A non-negative duration from seconds (int or float) or a `timedelta`.
fn given_duration(v: &Bound<'_, PyAny>, what: &str) -> PyResult<Duration> {
    if v.is_instance_of::<PyString>() || v.is_instance_of::<pyo3::types::PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a number of seconds or a timedelta, not {}",
            v.get_type().name()?
        )));
    }
    let secs = match v.extract::<f64>() {
        Ok(f) => f,
        Err(_) if v.hasattr("total_seconds")? => v.call_method0("total_seconds")?.extract()?,
        Err(_) => {
            return Err(PyTypeError::new_err(format!(
                "{what} must be a number of seconds or a timedelta, not {}",
                v.get_type().name()?
            )))
        }
    };
    duration(secs, what)
}

#[pymethods]
impl SecurityEvent {
    #[new]
    #[pyo3(signature = (r#type, level, *, name = None, expires_at = None, value = None, duration = None, lang = None, text = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        r#type: &str,
        level: &str,
        name: Option<String>,
        expires_at: Option<&Bound<'_, PyAny>>,
        value: Option<String>,
        duration: Option<&Bound<'_, PyAny>>,
        lang: Option<String>,
        text: Option<String>,
    ) -> PyResult<Self> {
        let mut e = CoreSecurityEvent::new(event_type(r#type, name)?, event_level(level)?);
        e.expires_at = match expires_at.filter(|v| !v.is_none()) {
            Some(t) => Some(given_time(t, "expires_at")?),
            None => None,
        };
        e.duration = match duration.filter(|v| !v.is_none()) {
            Some(d) => Some(given_duration(d, "duration")?),
            None => None,
        };
        e.value = value;
        e.lang = lang;
        e.text = text;
        Ok(SecurityEvent { inner: e })
    }

    /// The RFC 8807 `type`: password, certificate, cipher, tlsProtocol,
    /// newPW, stat or custom.
    #[getter(r#type)]
    fn event_type(&self) -> &'static str {
        self.inner.event_type.as_str()
    }

    /// "warning" or "error".
    #[getter]
    fn level(&self) -> &'static str {
        self.inner.level.as_str()
    }

    /// The name of a stat or custom event.
    #[getter]
    fn name(&self) -> Option<&str> {
        self.inner.event_type.name()
    }

    /// `exDate` (Unix seconds).
    #[getter]
    fn expires_at(&self) -> Option<f64> {
        self.inner.expires_at.map(from_time)
    }

    #[getter]
    fn value(&self) -> Option<&str> {
        self.inner.value.as_deref()
    }

    /// A statistic's period (seconds).
    #[getter]
    fn duration(&self) -> Option<f64> {
        self.inner.duration.map(|d| d.as_secs_f64())
    }

    #[getter]
    fn lang(&self) -> Option<&str> {
        self.inner.lang.as_deref()
    }

    #[getter]
    fn text(&self) -> Option<&str> {
        self.inner.text.as_deref()
    }

    fn __repr__(&self) -> String {
        let e = &self.inner;
        let mut s = format!(
            "SecurityEvent({}, {}",
            pyr(e.event_type.as_str()),
            pyr(e.level.as_str())
        );
        if let Some(n) = e.event_type.name() {
            s.push_str(&format!(", name={}", pyr(n)));
        }
        if let Some(t) = e.expires_at {
            s.push_str(&format!(", expires_at={:?}", from_time(t)));
        }
        if let Some(v) = &e.value {
            s.push_str(&format!(", value={}", pyr(v)));
        }
        if let Some(d) = e.duration {
            s.push_str(&format!(", duration={:?}", d.as_secs_f64()));
        }
        if let Some(l) = &e.lang {
            s.push_str(&format!(", lang={}", pyr(l)));
        }
        if let Some(t) = &e.text {
            s.push_str(&format!(", text={}", pyr(t)));
        }
        s.push(')');
        s
    }
}

// Sequence arguments (see `args`): each error names the argument and what it got.
args::seq_arg!(opt opt_object_uris, "object_uris", String, "str");
args::seq_arg!(opt opt_extension_uris, "extension_uris", String, "str");
args::seq_arg!(opt opt_languages, "languages", String, "str");
args::seq_arg!(opt opt_versions, "versions", String, "str");
args::seq_arg!(opt opt_events, "events", Py<SecurityEvent>, "libepp.SecurityEvent");
args::seq_arg!(opt opt_values, "values", String, "str");
args::seq_arg!(opt opt_ext_values, "ext_values", (String, String), "(str, str) pair");
args::seq_arg!(opt opt_more_results, "more_results", Py<ResultItem>, "libepp.Result");
args::seq_arg!(purposes_arg, "purposes", String, "str");
args::seq_arg!(opt opt_statements, "statements", Py<DcpStatement>, "libepp.DcpStatement");

args::str_arg!(server_id_arg, "server_id");
args::str_arg!(text_arg, "text");
args::int_arg!(msg_id_arg, "id", u64);
args::int_arg!(count_arg, "count", u64);
args::int_arg!(code_arg, "code", i64);
args::int_arg!(remaining_arg, "remaining", u64);

fn recipients_arg<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyAny>>> {
    args::seq(obj, "recipients", "recipient (a str or a (str, str) pair)")
}

/// A poll message's `count` is the number of messages queued, this one
/// included: 0 would be a 1301 ("ack to dequeue") that contradicts itself.
fn check_poll_count(count: u64) -> PyResult<()> {
    if count == 0 {
        return Err(PyValueError::new_err(
            "count must be at least 1: it is the number of messages queued, this one included \
             (an empty queue is PollRequest.empty(), 1300)",
        ));
    }
    Ok(())
}

/// The core events of an `events` argument (None: none).
fn core_events(events: Option<Vec<Py<SecurityEvent>>>) -> Vec<CoreSecurityEvent> {
    events
        .unwrap_or_default()
        .iter()
        .map(|e| e.get().inner.clone())
        .collect()
}

/// The server's configuration: plain data, validated once (ConfigError
/// otherwise) and immutable. Run sessions on it through a Server.
///
/// Config(server_id, *, object_uris=None, extension_uris=None,
/// languages=None, versions=None, dcp=None, max_frame_size=None,
/// max_in_flight=None, max_pending_output=None, max_failed_logins=None,
/// login_deadline=None, idle_timeout=None, max_buffered_input=None,
/// max_xml_depth=None, max_xml_attributes=None, max_xml_text=None,
/// sv_trid_prefix=None, sv_trid_epoch=None, transaction_log=False,
/// login_security=None, unhandled_namespaces=False)
///
/// server_id is the svID (3 to 64 characters). object_uris must name at
/// least one object. languages defaults to ["en"], versions to ["1.0"], dcp
/// to Dcp(). Limits left None keep libepp's defaults; login_deadline and
/// idle_timeout are in seconds. sv_trid_prefix defaults to the server id's
/// first letters, digits, ".", "_" and "-"; sv_trid_epoch to the Server's
/// start time. transaction_log=True keeps one TransactionRecord per response
/// (Session.poll_transaction). login_security (a LoginSecurity) offers RFC 8807
/// with its password bounds; unhandled_namespaces=True offers RFC 9038. Each
/// adds its extURI to extension_uris (after the others).
#[pyclass(frozen, module = "libepp")]
struct Config {
    inner: Arc<ServerConfig>,
    /// What built it, for with_transaction_log().
    builder: epp::ServerConfigBuilder,
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
        dcp = None,
        max_frame_size = None,
        max_in_flight = None,
        max_pending_output = None,
        max_failed_logins = None,
        login_deadline = None,
        idle_timeout = None,
        max_buffered_input = None,
        max_xml_depth = None,
        max_xml_attributes = None,
        max_xml_text = None,
        sv_trid_prefix = None,
        sv_trid_epoch = None,
        transaction_log = false,
        login_security = None,
        unhandled_namespaces = false,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        #[pyo3(from_py_with = server_id_arg)] server_id: String,
        #[pyo3(from_py_with = opt_object_uris)] object_uris: Option<Vec<String>>,
        #[pyo3(from_py_with = opt_extension_uris)] extension_uris: Option<Vec<String>>,
        #[pyo3(from_py_with = opt_languages)] languages: Option<Vec<String>>,
        #[pyo3(from_py_with = opt_versions)] versions: Option<Vec<String>>,
        dcp: Option<Py<Dcp>>,
        max_frame_size: Option<u32>,
        max_in_flight: Option<usize>,
        max_pending_output: Option<usize>,
        max_failed_logins: Option<u32>,
        login_deadline: Option<f64>,
        idle_timeout: Option<f64>,
        max_buffered_input: Option<usize>,
        max_xml_depth: Option<usize>,
        max_xml_attributes: Option<usize>,
        max_xml_text: Option<usize>,
        sv_trid_prefix: Option<String>,
        sv_trid_epoch: Option<u64>,
        transaction_log: bool,
        login_security: Option<Py<LoginSecurity>>,
        unhandled_namespaces: bool,
    ) -> PyResult<Self> {
        let mut b = ServerConfig::builder(server_id);
        if let Some(v) = versions {
            b.versions(v);
        }
        for u in object_uris.unwrap_or_default() {
            b.object_uri(u);
        }
        for u in extension_uris.unwrap_or_default() {
            b.extension_uri(u);
        }
        for l in languages.unwrap_or_default() {
            b.language(l);
        }
        if let Some(d) = dcp {
            b.dcp(d.get().inner.clone());
        }
        let mut limits = Limits::default();
        let set = |slot: &mut usize, v: Option<usize>| {
            if let Some(v) = v {
                *slot = v;
            }
        };
        if let Some(v) = max_frame_size {
            limits.max_frame_size = v;
        }
        set(&mut limits.max_in_flight, max_in_flight);
        set(&mut limits.max_pending_output, max_pending_output);
        if let Some(v) = max_failed_logins {
            limits.max_failed_logins = v;
        }
        if let Some(v) = login_deadline {
            limits.login_deadline = duration(v, "login_deadline")?;
        }
        if let Some(v) = idle_timeout {
            limits.idle_timeout = duration(v, "idle_timeout")?;
        }
        set(&mut limits.max_buffered_input, max_buffered_input);
        set(&mut limits.max_xml_depth, max_xml_depth);
        set(&mut limits.max_xml_attributes, max_xml_attributes);
        set(&mut limits.max_xml_text, max_xml_text);
        b.limits(limits);
        if let Some(p) = sv_trid_prefix {
            b.sv_trid_prefix(p);
        }
        if let Some(e) = sv_trid_epoch {
            b.sv_trid_epoch(e);
        }
        b.transaction_log(transaction_log);
        if let Some(p) = login_security {
            b.login_security(p.get().inner);
        }
        b.unhandled_namespaces(unhandled_namespaces);
        let inner = b.build().map_err(|e| config_error(py, e))?;
        Ok(Config { inner, builder: b })
    }

    /// This configuration with transaction_log=True (itself when it already
    /// keeps the log). libepp.asyncio.serve() runs on it for its per-command
    /// log.
    fn with_transaction_log(slf: &Bound<'_, Self>, py: Python<'_>) -> PyResult<Py<Config>> {
        let this = slf.get();
        if this.inner.transaction_log() {
            return Ok(slf.clone().unbind());
        }
        let mut b = this.builder.clone();
        b.transaction_log(true);
        let inner = b.build().map_err(|e| config_error(py, e))?;
        Py::new(py, Config { inner, builder: b })
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

    /// The data collection policy.
    #[getter]
    fn dcp(&self) -> Dcp {
        Dcp {
            inner: self.inner.dcp().clone(),
        }
    }

    /// Whether sessions keep a transaction log (Session.poll_transaction).
    #[getter]
    fn transaction_log(&self) -> bool {
        self.inner.transaction_log()
    }

    /// The RFC 8807 policy, when login security is offered.
    #[getter]
    fn login_security(&self) -> Option<LoginSecurity> {
        self.inner
            .login_security()
            .map(|inner| LoginSecurity { inner })
    }

    /// Whether RFC 9038 (unhandled namespaces) is offered.
    #[getter]
    fn unhandled_namespaces(&self) -> bool {
        self.inner.unhandled_namespaces()
    }

    /// The svTRID prefix.
    #[getter]
    fn sv_trid_prefix(&self) -> &str {
        self.inner.sv_trid_prefix()
    }

    /// The svTRID epoch given, if any (else each Server takes its start time).
    #[getter]
    fn sv_trid_epoch(&self) -> Option<u64> {
        self.inner.sv_trid_epoch()
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
        d.set_item("max_buffered_input", l.max_buffered_input)?;
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

/// One running server: its configuration and what its sessions share (the
/// svTRID sequence and, when given, the per-registrar session counter).
/// Create it once and pass it to every Session.
///
/// Server(config, now=None, registrar_sessions=None): `now` is the start
/// time (the default svTRID epoch derives from it); registrar_sessions (a
/// RegistrarSessions, which several servers may share) enforces a
/// per-registrar session limit (2502).
#[pyclass(frozen, module = "libepp")]
struct Server {
    inner: Arc<epp::Server>,
    config: Py<Config>,
    registrar_sessions: Option<Py<RegistrarSessions>>,
}

#[pymethods]
impl Server {
    #[new]
    #[pyo3(signature = (config, now = None, registrar_sessions = None))]
    fn new(
        config: Py<Config>,
        now: Option<&Bound<'_, PyAny>>,
        registrar_sessions: Option<Py<RegistrarSessions>>,
    ) -> PyResult<Self> {
        let now = to_time(now, "now")?;
        let c = Arc::clone(&config.get().inner);
        let inner = match &registrar_sessions {
            Some(rs) => epp::Server::with_registrar_sessions(c, Arc::clone(&rs.get().inner), now),
            None => epp::Server::new(c, now),
        };
        Ok(Server {
            inner,
            config,
            registrar_sessions,
        })
    }

    /// The configuration.
    #[getter]
    fn config(&self, py: Python<'_>) -> Py<Config> {
        self.config.clone_ref(py)
    }

    /// The per-registrar session counter, if one is enforced.
    #[getter]
    fn registrar_sessions(&self, py: Python<'_>) -> Option<Py<RegistrarSessions>> {
        self.registrar_sessions.as_ref().map(|r| r.clone_ref(py))
    }

    fn __repr__(&self) -> String {
        let rs = match &self.registrar_sessions {
            Some(r) => format!(
                ", registrar_sessions=RegistrarSessions(max_per_client={})",
                r.get().inner.max_per_client()
            ),
            None => String::new(),
        };
        format!(
            "Server(server_id={}{rs})",
            pyr(self.config.get().inner.server_id())
        )
    }
}

// ---------------------------------------------------------------------------
// value types: CloseReason, TransactionRecord, PollMessage, Response
// ---------------------------------------------------------------------------

/// Why a session ended. Compares equal to its `kind` string.
#[pyclass(frozen, module = "libepp")]
struct CloseReason {
    /// An EPP session's: `logout`, `login_deadline`, `idle_timeout`,
    /// `bad_frame_length`, `peer_closed`, `peer_closed_mid_frame`,
    /// `too_many_failed_logins`, `session_limit_exceeded`,
    /// `closing_response` or `host`; an ETP session's (`libepp.etp`):
    /// `client_closed`, `no_supported_protocols`, `host_closed_session`,
    /// `peer_closed` or `host`.
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
                c.code = Some(code.code());
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
    /// `extension` (a protocol extension command), `invalid` or `frame`.
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
///
/// PollMessage(id, count, queued_at, text, *, lang=None, msg_xml=None,
/// res_data=None, extension=None): msg_xml is structured content of `<msg>`
/// after the text (namespaced elements, such as FRED's
/// `<fred:lowCreditData>`); like res_data and extension, an element in a
/// namespace the client did not log in with moves into `<extValue>`
/// (RFC 9038).
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
    msg_xml: Option<String>,
    #[pyo3(get)]
    res_data: Option<String>,
    #[pyo3(get)]
    extension: Option<String>,
}

#[pymethods]
impl PollMessage {
    #[new]
    #[pyo3(signature = (id, count, queued_at, text, *, lang = None, msg_xml = None, res_data = None, extension = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        #[pyo3(from_py_with = msg_id_arg)] id: u64,
        #[pyo3(from_py_with = count_arg)] count: u64,
        queued_at: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = text_arg)] text: String,
        lang: Option<String>,
        msg_xml: Option<String>,
        res_data: Option<String>,
        extension: Option<String>,
    ) -> PyResult<Self> {
        check_poll_count(count)?;
        Ok(PollMessage {
            id,
            count,
            queued_at: to_time(Some(queued_at), "queued_at")?,
            text,
            lang,
            msg_xml,
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

impl PollMessage {
    fn to_core(&self) -> CorePollMessage {
        CorePollMessage {
            id: self.id,
            count: self.count,
            queued_at: self.queued_at,
            lang: self.lang.clone(),
            text: self.text.clone(),
            msg_xml: self.msg_xml.clone(),
            res_data: self.res_data.clone(),
            extension: self.extension.clone(),
        }
    }
}

/// One `<result>`: the core's result value from the Python fields.
fn core_result(
    code: u16,
    message: &Option<String>,
    lang: &Option<String>,
    values: &[String],
    ext_values: &[(String, String)],
) -> EppResult {
    let code = ResultCode::from_u16(code).unwrap_or(ResultCode::CommandFailed);
    let mut v: Vec<ResultValue> = values.iter().cloned().map(ResultValue::Value).collect();
    v.extend(
        ext_values
            .iter()
            .map(|(value, reason)| ResultValue::ExtValue {
                value: value.clone(),
                reason: reason.clone(),
            }),
    );
    EppResult {
        code,
        message: message.clone(),
        lang: lang.clone(),
        values: v,
    }
}

/// Another `<result>` of a response, after its first:
/// Response(..., more_results=[Result(2302, "taken", values=[...])]).
#[pyclass(frozen, name = "Result", module = "libepp")]
struct ResultItem {
    #[pyo3(get)]
    code: u16,
    #[pyo3(get)]
    message: Option<String>,
    #[pyo3(get)]
    lang: Option<String>,
    #[pyo3(get)]
    values: Vec<String>,
    #[pyo3(get)]
    ext_values: Vec<(String, String)>,
}

#[pymethods]
impl ResultItem {
    #[new]
    #[pyo3(signature = (code, message = None, *, lang = None, values = None, ext_values = None))]
    fn new(
        py: Python<'_>,
        #[pyo3(from_py_with = code_arg)] code: i64,
        message: Option<String>,
        lang: Option<String>,
        #[pyo3(from_py_with = opt_values)] values: Option<Vec<String>>,
        #[pyo3(from_py_with = opt_ext_values)] ext_values: Option<Vec<(String, String)>>,
    ) -> PyResult<Self> {
        Ok(ResultItem {
            code: result_code(py, code)?.code(),
            message,
            lang,
            values: values.unwrap_or_default(),
            ext_values: ext_values.unwrap_or_default(),
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Result(code={}, message={})",
            self.code,
            py_opt_str(&self.message)
        )
    }
}

/// A complete answer to a command: a result code with optional text, values
/// and passed-through XML (and, in `more_results`, further results). libepp
/// renders the envelope and the trID.
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
    more_results: Vec<Py<ResultItem>>,
}

#[pymethods]
impl Response {
    #[new]
    #[pyo3(signature = (code = 1000, message = None, *, lang = None, res_data = None, extension = None, values = None, ext_values = None, more_results = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        #[pyo3(from_py_with = code_arg)] code: i64,
        message: Option<String>,
        lang: Option<String>,
        res_data: Option<String>,
        extension: Option<String>,
        #[pyo3(from_py_with = opt_values)] values: Option<Vec<String>>,
        #[pyo3(from_py_with = opt_ext_values)] ext_values: Option<Vec<(String, String)>>,
        #[pyo3(from_py_with = opt_more_results)] more_results: Option<Vec<Py<ResultItem>>>,
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
            more_results: more_results.unwrap_or_default(),
        })
    }

    /// The results after the first.
    #[getter]
    fn more_results(&self, py: Python<'_>) -> Vec<Py<ResultItem>> {
        self.more_results.iter().map(|r| r.clone_ref(py)).collect()
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
        let mut results = vec![core_result(
            self.code,
            &self.message,
            &self.lang,
            &self.values,
            &self.ext_values,
        )];
        results.extend(self.more_results.iter().map(|r| {
            let r = r.get();
            core_result(r.code, &r.message, &r.lang, &r.values, &r.ext_values)
        }));
        CoreResponse {
            results,
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
/// Session(server, now=None) queues the greeting at once. Feed every byte
/// read from the peer to feed_input (read no more while wants_input() is
/// False), write what take_output returns, and answer every request that
/// poll_queue (or iterating over the session) hands out, through the
/// request's own methods or the session's answer_* methods. Call
/// handle_timeout when next_timeout passes, handle_eof when the peer closes,
/// and close the connection once is_finished. `now` arguments are Unix
/// seconds, a datetime, or None for the current time. A Session may be
/// shared between threads.
#[pyclass(frozen, module = "libepp")]
struct Session {
    inner: Mutex<epp::Session>,
    server: Py<Server>,
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
    /// Creates a session of `server` for a new connection at `now`; the
    /// greeting is queued at once.
    #[new]
    #[pyo3(signature = (server, now = None))]
    fn new(server: &Bound<'_, PyAny>, now: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let server = match server.cast::<Server>() {
            Ok(s) => s.clone().unbind(),
            Err(_) if server.is_instance_of::<Config>() => {
                return Err(PyTypeError::new_err(
                    "Session takes a libepp.Server, not a Config: create one \
                     libepp.Server(config) for the server and pass it to every Session",
                ))
            }
            Err(_) => {
                return Err(PyTypeError::new_err(format!(
                    "server must be a libepp.Server, not {}",
                    server.get_type().name()?
                )))
            }
        };
        let now = to_time(now, "now")?;
        let inner = epp::Session::new(Arc::clone(&server.get().inner), now);
        Ok(Session {
            inner: Mutex::new(inner),
            server,
        })
    }

    /// The server this session belongs to.
    #[getter]
    fn server(&self, py: Python<'_>) -> Py<Server> {
        self.server.clone_ref(py)
    }

    /// The configuration.
    #[getter]
    fn config(&self, py: Python<'_>) -> Py<Config> {
        self.server.get().config.clone_ref(py)
    }

    /// Takes every byte read from the peer (bytes, bytearray or memoryview).
    /// Whole frames are handled at once while the session can take them;
    /// the rest is held and handled as answers and taken output make room.
    /// Raises SessionClosedError once the session processes no more input,
    /// InputAfterEofError after handle_eof, and InputBufferFullError
    /// (taking nothing) when the bytes held would exceed max_buffered_input:
    /// read no more while wants_input() is False. Large inputs are
    /// processed with the GIL released.
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
        r.map_err(|e| session_error(py, e))
    }

    /// Whether the host should read more from the peer. False while the
    /// session cannot make progress on what it holds (a login is with the
    /// host, max_in_flight requests are unanswered, too much output is
    /// waiting), after handle_eof, and once the session is closing.
    fn wants_input(&self, py: Python<'_>) -> bool {
        self.lock(py).wants_input()
    }

    /// Bytes fed and not yet handled (an unfinished frame, or frames waiting
    /// behind backpressure). A read should take at most
    /// config.limits["max_buffered_input"] minus this.
    #[getter]
    fn buffered_input(&self, py: Python<'_>) -> usize {
        self.lock(py).buffered_input()
    }

    /// Tells the session the peer closed its sending side. It takes effect
    /// once every byte fed before it has been handled: commands already read
    /// are still answered, and an unfinished frame is dropped.
    #[pyo3(signature = (now = None))]
    fn handle_eof(&self, py: Python<'_>, now: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let now = to_time(now, "now")?;
        self.lock(py).handle_eof(now);
        Ok(())
    }

    /// Ends the session at the host's wish: nothing more is written, and
    /// output not yet taken is dropped.
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
        let req = slf.get().lock(py).poll_queue();
        match req {
            None => Ok(None),
            Some(r) => wrap_request(py, slf, r).map(Some),
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

    /// Answers login request `request_id` with "accepted",
    /// "bad_credentials", "account_disabled", "session_limit_exceeded" or
    /// "failed", and RFC 8807 security events if given (a list of
    /// SecurityEvent); returns the result code sent (an accepted login
    /// becomes 2502 when the registrar is over a shared session limit). The
    /// request objects' own methods (LoginRequest.accept, ...) do the same.
    #[pyo3(signature = (request_id, answer, events = None))]
    fn answer_login(
        &self,
        py: Python<'_>,
        request_id: u64,
        answer: &str,
        #[pyo3(from_py_with = opt_events)] events: Option<Vec<Py<SecurityEvent>>>,
    ) -> PyResult<u16> {
        let a = match answer {
            "accepted" => LoginAnswer::Accepted,
            "bad_credentials" => LoginAnswer::BadCredentials,
            "account_disabled" => LoginAnswer::AccountDisabled,
            "session_limit_exceeded" => LoginAnswer::SessionLimitExceeded,
            "failed" => LoginAnswer::Failed,
            other => {
                return Err(PyValueError::new_err(format!(
                    "answer must be \"accepted\", \"bad_credentials\", \"account_disabled\", \
                     \"session_limit_exceeded\" or \"failed\", not {other:?}"
                )))
            }
        };
        let events = core_events(events);
        let r = self
            .lock(py)
            .answer_login_with(epp::RequestId::from_raw(request_id), a, events);
        r.map(|c| c.code()).map_err(|e| session_error(py, e))
    }

    /// Answers poll request `request_id`: with `message` (a PollMessage),
    /// 1301; without, 1300.
    #[pyo3(signature = (request_id, message = None))]
    fn answer_poll(
        &self,
        py: Python<'_>,
        request_id: u64,
        message: Option<Py<PollMessage>>,
    ) -> PyResult<()> {
        let a = match message {
            Some(m) => PollAnswer::Message(m.get().to_core()),
            None => PollAnswer::Empty,
        };
        let r = self
            .lock(py)
            .answer_poll(epp::RequestId::from_raw(request_id), a);
        r.map_err(|e| session_error(py, e))
    }

    /// Answers poll ack request `request_id`: with the number of messages
    /// `remaining`, 1000; without, 2303 (no such message).
    #[pyo3(signature = (request_id, remaining = None))]
    fn answer_ack(&self, py: Python<'_>, request_id: u64, remaining: Option<u64>) -> PyResult<()> {
        let a = match remaining {
            Some(remaining) => AckAnswer::Acked { remaining },
            None => AckAnswer::UnknownMessage,
        };
        let r = self
            .lock(py)
            .answer_ack(epp::RequestId::from_raw(request_id), a);
        r.map_err(|e| session_error(py, e))
    }

    /// Answers request `request_id` (a command, or a poll or ack when the
    /// host wants full control) with a Response. A 25xx code closes the
    /// session once written.
    fn answer_command(
        &self,
        py: Python<'_>,
        request_id: u64,
        response: Py<Response>,
    ) -> PyResult<()> {
        let resp = response.get().to_core();
        let r = self
            .lock(py)
            .answer_command(epp::RequestId::from_raw(request_id), resp);
        r.map_err(|e| session_error(py, e))
    }

    /// Answers any request `request_id` with 2400 (command failed), with an
    /// optional message.
    #[pyo3(signature = (request_id, message = None))]
    fn answer_failure(
        &self,
        py: Python<'_>,
        request_id: u64,
        message: Option<String>,
    ) -> PyResult<()> {
        let r = self
            .lock(py)
            .answer_failure(epp::RequestId::from_raw(request_id), message.as_deref());
        r.map_err(|e| session_error(py, e))
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
        command: r.command.as_str(),
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

fn wrap_request(
    py: Python<'_>,
    session: &Bound<'_, Session>,
    r: CoreRequest,
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
                user_agent: match l.user_agent {
                    Some(inner) => Some(Py::new(py, UserAgent { inner })?),
                    None => None,
                },
                client_transaction_id: cl(l.client_transaction_id),
                server_transaction_id: l.server_transaction_id.to_string(),
            },
        )?
        .into_any(),
        CoreRequest::Poll(p) => Py::new(
            py,
            PollRequest {
                req: Pending::new(session, p.id.get()),
                client_id: p.client_id.to_string(),
                extension_xml: p.extension_xml,
                client_transaction_id: cl(p.client_transaction_id),
                server_transaction_id: p.server_transaction_id.to_string(),
            },
        )?
        .into_any(),
        CoreRequest::PollAck(a) => Py::new(
            py,
            PollAckRequest {
                req: Pending::new(session, a.id.get()),
                client_id: a.client_id.to_string(),
                message_id: a.message_id,
                extension_xml: a.extension_xml,
                client_transaction_id: cl(a.client_transaction_id),
                server_transaction_id: a.server_transaction_id.to_string(),
            },
        )?
        .into_any(),
        CoreRequest::Command(c) => Py::new(
            py,
            CommandRequest {
                req: Pending::new(session, c.id.get()),
                client_id: c.client_id.to_string(),
                verb: c.verb.as_str(),
                transfer_op: c.transfer_op.map(|op| op.as_str()),
                object_uri: c.object_uri,
                object_xml: c.object_xml,
                extension_uris: c.extension_uris,
                extension_xml: c.extension_xml,
                client_transaction_id: cl(c.client_transaction_id),
                server_transaction_id: c.server_transaction_id.to_string(),
            },
        )?
        .into_any(),
        CoreRequest::Extension(x) => Py::new(
            py,
            ExtensionRequest {
                req: Pending::new(session, x.id.get()),
                client_id: x.client_id.to_string(),
                extension_uris: x.extension_uris,
                extension_xml: x.extension_xml,
                server_transaction_id: x.server_transaction_id.to_string(),
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
    more_results: Option<Vec<Py<ResultItem>>>,
) -> PyResult<CoreResponse> {
    if let Ok(r) = code.cast::<Response>() {
        if message.is_some()
            || lang.is_some()
            || res_data.is_some()
            || extension.is_some()
            || values.is_some()
            || ext_values.is_some()
            || more_results.is_some()
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
        py,
        code,
        message,
        lang,
        res_data,
        extension,
        values,
        ext_values,
        more_results,
    )?;
    Ok(r.to_core())
}

/// What every request that takes an answer holds: its session, its id and
/// whether it has been answered through this object.
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

    /// Runs an answer under the session's lock; marks the request answered
    /// on success. Every refusal (a second answer included) is the core's.
    fn answer(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut epp::Session, epp::RequestId) -> Result<(), SessionError>,
    ) -> PyResult<()> {
        let result = {
            let mut s = self.session.get().lock(py);
            let r = f(&mut s, epp::RequestId::from_raw(self.id));
            if r.is_ok() {
                self.answered.store(true, Ordering::Release);
            }
            r
        };
        result.map_err(|e| session_error(py, e))
    }
}

/// The `#[pymethods]` block of a request class that holds a [`Pending`] as
/// `req`: the class's own methods, then what every such class shares, written
/// once here: `kind`, the `session`, `id` and `answered` getters, `fail`
/// (2400) and, when listed, `respond` (any response), each with the docs
/// given. A class with a `fail` of its own (a login's takes security events)
/// is written `Name "kind" own_fail { ... }`.
macro_rules! request_pymethods {
    (@impl $ty:ident $kind:literal { $($body:tt)* }) => {
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

            /// Whether this request has been answered through this object.
            #[getter]
            fn answered(&self) -> bool {
                self.req.is_answered()
            }

            $($body)*
        }
    };
    ($ty:ident $kind:literal own_fail { $($own:tt)* }) => {
        request_pymethods!(@impl $ty $kind { $($own)* });
    };
    (
        $ty:ident $kind:literal { $($own:tt)* }
        $(#[$fail_doc:meta])* fn fail;
        $( $(#[$respond_doc:meta])* fn respond; )?
    ) => {
        request_pymethods!(@impl $ty $kind {
            $($own)*

            $(
                $(#[$respond_doc])*
                #[pyo3(
                    signature = (code = None, message = None, *, lang = None, res_data = None, extension = None, values = None, ext_values = None, more_results = None),
                    text_signature = "(self, /, code=1000, message=None, *, lang=None, res_data=None, extension=None, values=None, ext_values=None, more_results=None)"
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
                    #[pyo3(from_py_with = opt_values)] values: Option<Vec<String>>,
                    #[pyo3(from_py_with = opt_ext_values)] ext_values: Option<Vec<(String, String)>>,
                    #[pyo3(from_py_with = opt_more_results)] more_results: Option<Vec<Py<ResultItem>>>,
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
                        more_results,
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
        });
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
    /// `<loginSec:userAgent>` (RFC 8807), when the client sent one.
    #[pyo3(get)]
    user_agent: Option<Py<UserAgent>>,
    #[pyo3(get)]
    client_transaction_id: Option<String>,
    /// The svTRID the response to this request will carry.
    #[pyo3(get)]
    server_transaction_id: String,
}

impl LoginRequest {
    /// Answers (with RFC 8807 security events, if any) and returns the
    /// result code sent (an accepted login becomes 2502 when the registrar
    /// is over a shared session limit).
    fn login(
        &self,
        py: Python<'_>,
        a: LoginAnswer,
        events: Option<Vec<Py<SecurityEvent>>>,
    ) -> PyResult<u16> {
        let events = core_events(events);
        let mut code = 0;
        self.req.answer(py, |s, id| {
            code = s.answer_login_with(id, a, events)?.code();
            Ok(())
        })?;
        Ok(code)
    }
}

request_pymethods! {
    LoginRequest "login" own_fail {
        /// Credentials accepted (and the new password set, if one was given):
        /// 1000, and the session is logged in (or 2502 when a configured
        /// per-registrar session limit is reached). Every answer of a login
        /// may carry RFC 8807 security events (a list of SecurityEvent):
        /// `<loginSec:loginSecData>` for a client that logged in with the
        /// extension, moved into `<extValue>` otherwise.
        #[pyo3(signature = (*, events = None))]
        fn accept(&self, py: Python<'_>, #[pyo3(from_py_with = opt_events)] events: Option<Vec<Py<SecurityEvent>>>) -> PyResult<u16> {
            self.login(py, LoginAnswer::Accepted, events)
        }

        /// Credentials rejected: 2200, or 2501 and close once max_failed_logins
        /// is reached.
        #[pyo3(signature = (*, events = None))]
        fn reject_credentials(&self, py: Python<'_>, #[pyo3(from_py_with = opt_events)] events: Option<Vec<Py<SecurityEvent>>>) -> PyResult<u16> {
            self.login(py, LoginAnswer::BadCredentials, events)
        }

        /// The account exists but may not log in: 2201.
        #[pyo3(signature = (*, events = None))]
        fn account_disabled(&self, py: Python<'_>, #[pyo3(from_py_with = opt_events)] events: Option<Vec<Py<SecurityEvent>>>) -> PyResult<u16> {
            self.login(py, LoginAnswer::AccountDisabled, events)
        }

        /// The registrar has too many sessions: 2502, and close.
        #[pyo3(signature = (*, events = None))]
        fn session_limit_exceeded(&self, py: Python<'_>, #[pyo3(from_py_with = opt_events)] events: Option<Vec<Py<SecurityEvent>>>) -> PyResult<u16> {
            self.login(py, LoginAnswer::SessionLimitExceeded, events)
        }

        /// The host could not decide: 2400, with an optional message, or
        /// with security events (the core's login failure carries one or
        /// the other, so giving both is a TypeError).
        #[pyo3(signature = (message = None, *, events = None))]
        fn fail(
            &self,
            py: Python<'_>,
            message: Option<String>,
            #[pyo3(from_py_with = opt_events)] events: Option<Vec<Py<SecurityEvent>>>,
        ) -> PyResult<()> {
            match (message, events) {
                (Some(_), Some(e)) if !e.is_empty() => Err(PyTypeError::new_err(
                    "a login failure carries a message or security events, not both",
                )),
                (None, Some(e)) if !e.is_empty() => {
                    self.login(py, LoginAnswer::Failed, Some(e)).map(|_| ())
                }
                (message, _) => self
                    .req
                    .answer(py, |s, id| s.answer_failure(id, message.as_deref())),
            }
        }

        fn __repr__(&self) -> String {
            let ua = match &self.user_agent {
                Some(u) => u.get().__repr__(),
                None => "None".into(),
            };
            format!(
                "LoginRequest(id={}, client_id={}, password=<redacted>, new_password={}, lang={}, user_agent={ua}, client_transaction_id={}, answered={})",
                self.req.id,
                pyr(&self.client_id),
                if self.new_password.is_some() { "<redacted>" } else { "None" },
                pyr(&self.lang),
                py_opt_str(&self.client_transaction_id),
                py_bool(self.req.is_answered()),
            )
        }
    }
}

/// `<poll op="req"/>`: return the oldest message of the logged-in client.
#[pyclass(frozen, module = "libepp")]
struct PollRequest {
    req: Pending,
    /// The logged-in client.
    #[pyo3(get)]
    client_id: String,
    /// The command's `<extension>` children (in namespaces the client logged
    /// in with), concatenated, each standing alone.
    #[pyo3(get)]
    extension_xml: Option<String>,
    #[pyo3(get)]
    client_transaction_id: Option<String>,
    /// The svTRID the response to this request will carry.
    #[pyo3(get)]
    server_transaction_id: String,
}

request_pymethods! {
    PollRequest "poll" {
        /// The oldest message: 1301 with `<msgQ>` (msg_xml: structured
        /// content of `<msg>`, as in PollMessage).
        #[pyo3(signature = (id, count, queued_at, text, *, lang = None, msg_xml = None, res_data = None, extension = None))]
        #[allow(clippy::too_many_arguments)]
        fn message(
            &self,
            py: Python<'_>,
            #[pyo3(from_py_with = msg_id_arg)] id: u64,
            #[pyo3(from_py_with = count_arg)] count: u64,
            queued_at: &Bound<'_, PyAny>,
            #[pyo3(from_py_with = text_arg)] text: String,
            lang: Option<String>,
            msg_xml: Option<String>,
            res_data: Option<String>,
            extension: Option<String>,
        ) -> PyResult<()> {
            check_poll_count(count)?;
            let m = CorePollMessage {
                id,
                count,
                queued_at: to_time(Some(queued_at), "queued_at")?,
                lang,
                text,
                msg_xml,
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
    /// The logged-in client.
    #[pyo3(get)]
    client_id: String,
    /// The message to remove.
    #[pyo3(get)]
    message_id: u64,
    /// The command's `<extension>` children (in namespaces the client logged
    /// in with), concatenated, each standing alone.
    #[pyo3(get)]
    extension_xml: Option<String>,
    #[pyo3(get)]
    client_transaction_id: Option<String>,
    /// The svTRID the response to this request will carry.
    #[pyo3(get)]
    server_transaction_id: String,
}

request_pymethods! {
    PollAckRequest "poll_ack" {
        /// The message was removed: 1000 with `<msgQ count=remaining>`.
        fn acked(&self, py: Python<'_>, #[pyo3(from_py_with = remaining_arg)] remaining: u64) -> PyResult<()> {
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
    /// The svTRID the response to this request will carry.
    #[pyo3(get)]
    server_transaction_id: String,
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

/// A protocol extension command (RFC 3735: `<epp><extension>`, a command
/// outside `<command>`) whose every element's namespace the client logged in
/// with. Answer it like a command (respond, fail). It carries no EPP clTRID
/// (a transaction id, if any, is the extension's own), so its response has
/// none either.
#[pyclass(frozen, module = "libepp")]
struct ExtensionRequest {
    req: Pending,
    /// The logged-in client.
    #[pyo3(get)]
    client_id: String,
    /// The namespace URI of each `<extension>` child, in order.
    #[pyo3(get)]
    extension_uris: Vec<String>,
    /// The `<extension>` children, concatenated, each standing alone.
    #[pyo3(get)]
    extension_xml: String,
    /// The svTRID the response to this request will carry.
    #[pyo3(get)]
    server_transaction_id: String,
}

request_pymethods! {
    ExtensionRequest "extension" {
        fn __repr__(&self) -> String {
            format!(
                "ExtensionRequest(id={}, client_id={}, extension_uris={}, answered={})",
                self.req.id,
                pyr(&self.client_id),
                pyr_list(&self.extension_uris),
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
    m.add("LOGIN_SECURITY_NS", epp::LOGIN_SECURITY_NS)?;
    m.add("LOGIN_SECURITY_PASSWORD", epp::LOGIN_SECURITY_PASSWORD)?;
    m.add("UNHANDLED_NAMESPACES_URI", epp::UNHANDLED_NAMESPACES_URI)?;
    let codes = PyDict::new(py);
    for c in ResultCode::ALL {
        codes.set_item(c.code(), c.text())?;
    }
    m.add("RESULT_CODES", codes)?;
    m.add_class::<Config>()?;
    m.add_class::<Dcp>()?;
    m.add_class::<DcpStatement>()?;
    m.add_class::<Server>()?;
    m.add_class::<RegistrarSessions>()?;
    m.add_class::<Session>()?;
    m.add_class::<RequestIterator>()?;
    m.add_class::<LoginRequest>()?;
    m.add_class::<PollRequest>()?;
    m.add_class::<PollAckRequest>()?;
    m.add_class::<CommandRequest>()?;
    m.add_class::<ExtensionRequest>()?;
    m.add_class::<SessionEnd>()?;
    m.add_class::<LoginSecurity>()?;
    m.add_class::<UserAgent>()?;
    m.add_class::<SecurityEvent>()?;
    m.add_class::<CloseReason>()?;
    m.add_class::<TransactionRecord>()?;
    m.add_class::<PollMessage>()?;
    m.add_class::<Response>()?;
    m.add_class::<ResultItem>()?;
    m.add("EppError", py.get_type::<EppError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("SessionClosedError", py.get_type::<SessionClosedError>())?;
    m.add("UnknownRequestError", py.get_type::<UnknownRequestError>())?;
    m.add(
        "AlreadyAnsweredError",
        py.get_type::<AlreadyAnsweredError>(),
    )?;
    m.add("InputAfterEofError", py.get_type::<InputAfterEofError>())?;
    m.add(
        "InputBufferFullError",
        py.get_type::<InputBufferFullError>(),
    )?;
    m.add("WrongAnswerError", py.get_type::<WrongAnswerError>())?;
    m.add("InvalidXmlError", py.get_type::<InvalidXmlError>())?;
    m.add("InvalidAnswerError", py.get_type::<InvalidAnswerError>())?;
    etp::register(m)?;
    client::register(m)?;
    Ok(())
}
