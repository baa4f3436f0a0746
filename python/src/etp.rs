//! `libepp.etp`: the binding of the ETP 1.1 server engine (`epp::etp`).
//!
//! A submodule of the extension, registered by [`register`] as
//! `libepp._libepp.etp` and, in `sys.modules`, as `libepp.etp` (the name its
//! classes carry). It mirrors the Rust API: a [`Config`] (plain data,
//! validated once by the core), a [`Session`] fed one WebSocket binary
//! message per call and giving one per `poll_output`, and the request
//! objects of `poll_queue`, which answer themselves. The Avro codec of the
//! Core messages is exposed too, for hosts and tests that build or read
//! messages.
//!
//! Concurrency is the EPP binding's: the core session sits in a mutex that
//! is never held while Python code can run, and large messages are fed with
//! the GIL released.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyList, PyMemoryView, PyString, PyTuple,
};

use epp::etp as core;
use epp::RequestId;

use crate::{
    config_error, input_bytes, obj, py_opt_str, pyr, pyr_list, with_attrs, AlreadyAnsweredError,
    CloseReason, EppError, InputAfterEofError, InputBufferFullError, SessionClosedError,
    UnknownRequestError, DETACH_INPUT,
};

pyo3::create_exception!(
    libepp.etp,
    DecodeError,
    EppError,
    "Bytes that are not the Avro binary of what was asked for (attributes: offset, reason)."
);

// ---------------------------------------------------------------------------
// errors
// ---------------------------------------------------------------------------

impl CloseReason {
    /// The Python value of an ETP session's close reason: the same class as
    /// the EPP engine's, with the ETP kinds.
    pub(crate) fn from_etp(r: &core::CloseReason) -> CloseReason {
        let kind = match r {
            core::CloseReason::ClientClosed => "client_closed",
            core::CloseReason::NoSupportedProtocols => "no_supported_protocols",
            core::CloseReason::HostClosedSession => "host_closed_session",
            core::CloseReason::PeerClosed => "peer_closed",
            core::CloseReason::Host => "host",
            _ => "other",
        };
        CloseReason {
            kind,
            code: None,
            length: None,
            limit: None,
            received: None,
            message: r.to_string(),
        }
    }
}

/// The Python exception of each ETP session error: the EPP binding's classes,
/// which mean the same.
fn session_error(py: Python<'_>, e: core::SessionError) -> PyErr {
    let msg = e.to_string();
    match e {
        core::SessionError::Closed(reason) => {
            let reason = Py::new(py, CloseReason::from_etp(&reason))
                .map(|r| r.into_any())
                .unwrap_or_else(|_| py.None());
            with_attrs(py, SessionClosedError::new_err(msg), &[("reason", reason)])
        }
        core::SessionError::UnknownRequest(id) => with_attrs(
            py,
            UnknownRequestError::new_err(msg),
            &[("request_id", obj(py, id.get()))],
        ),
        core::SessionError::AlreadyAnswered(id) => with_attrs(
            py,
            AlreadyAnsweredError::new_err(msg),
            &[("request_id", obj(py, id.get()))],
        ),
        core::SessionError::InputAfterEof => InputAfterEofError::new_err(msg),
        core::SessionError::InputBufferFull { limit } => with_attrs(
            py,
            InputBufferFullError::new_err(msg),
            &[("limit", obj(py, limit))],
        ),
        _ => EppError::new_err(msg),
    }
}

fn decode_error(py: Python<'_>, what: &str, e: core::avro::DecodeError) -> PyErr {
    let reason = e.kind.to_string();
    with_attrs(
        py,
        DecodeError::new_err(format!("{what} does not decode: {e}")),
        &[("offset", obj(py, e.offset)), ("reason", obj(py, reason))],
    )
}

// ---------------------------------------------------------------------------
// values: DataValue, Protocol, MessageHeader
// ---------------------------------------------------------------------------

const DATA_KINDS: &str = "\"null\", \"double\", \"float\", \"int\", \"long\", \"string\", \
                          \"array_of_double\", \"boolean\" or \"bytes\"";

fn data_kind(v: &core::DataValue<'_>) -> &'static str {
    match v {
        core::DataValue::Null => "null",
        core::DataValue::Double(_) => "double",
        core::DataValue::Float(_) => "float",
        core::DataValue::Int(_) => "int",
        core::DataValue::Long(_) => "long",
        core::DataValue::String(_) => "string",
        core::DataValue::ArrayOfDouble(_) => "array_of_double",
        core::DataValue::Boolean(_) => "boolean",
        core::DataValue::Bytes(_) => "bytes",
    }
}

fn data_py(py: Python<'_>, v: &core::DataValue<'_>) -> Py<PyAny> {
    match v {
        core::DataValue::Null => py.None(),
        core::DataValue::Double(d) => obj(py, *d),
        core::DataValue::Float(f) => obj(py, f64::from(*f)),
        core::DataValue::Int(i) => obj(py, *i),
        core::DataValue::Long(l) => obj(py, *l),
        core::DataValue::String(s) => obj(py, s.as_ref()),
        core::DataValue::ArrayOfDouble(a) => obj(py, a.clone()),
        core::DataValue::Boolean(b) => obj(py, *b),
        core::DataValue::Bytes(b) => PyBytes::new(py, b).into_any().unbind(),
    }
}

/// A plain Python value as a DataValue: None, bool, int (int when it fits 32
/// bits, else long), float (double), str, bytes-like, or a list or tuple of
/// numbers (array_of_double).
fn data_infer(v: &Bound<'_, PyAny>) -> PyResult<core::DataValue<'static>> {
    if let Ok(d) = v.cast::<DataValue>() {
        return Ok(d.get().inner.clone());
    }
    if v.is_none() {
        return Ok(core::DataValue::Null);
    }
    if v.is_instance_of::<PyBool>() {
        return Ok(core::DataValue::Boolean(v.extract()?));
    }
    if v.is_instance_of::<pyo3::types::PyInt>() {
        let l: i64 = v.extract()?;
        return Ok(match i32::try_from(l) {
            Ok(i) => core::DataValue::Int(i),
            Err(_) => core::DataValue::Long(l),
        });
    }
    if v.is_instance_of::<PyFloat>() {
        return Ok(core::DataValue::Double(v.extract()?));
    }
    if v.is_instance_of::<PyString>() {
        return Ok(core::DataValue::String(Cow::Owned(v.extract()?)));
    }
    if v.is_instance_of::<PyBytes>()
        || v.is_instance_of::<PyByteArray>()
        || v.is_instance_of::<PyMemoryView>()
    {
        return Ok(core::DataValue::Bytes(Cow::Owned(
            input_bytes(v)?.into_owned(),
        )));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        return Ok(core::DataValue::ArrayOfDouble(v.extract()?));
    }
    Err(PyTypeError::new_err(format!(
        "a capability value must be a DataValue, None, bool, int, float, str, bytes or a list \
         of floats, not {}",
        v.get_type().name()?
    )))
}

/// A value of `Energistics.Datatypes.DataValue`, the union a protocol
/// capability takes.
///
/// DataValue(kind, value=None): kind is "null" (value None), "double" or
/// "float" (a float; "float" is sent as 32 bits), "int" (32 bits) or "long"
/// (64 bits), "string", "array_of_double" (a sequence of floats), "boolean"
/// or "bytes". Where a capability is given, a plain value stands for the
/// DataValue it looks like (an int is "int" when it fits 32 bits, else
/// "long"; a float is "double").
#[pyclass(frozen, eq, module = "libepp.etp")]
#[derive(Clone, PartialEq)]
struct DataValue {
    inner: core::DataValue<'static>,
}

#[pymethods]
impl DataValue {
    #[new]
    #[pyo3(signature = (kind, value = None))]
    fn new(kind: &str, value: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let missing =
            || PyTypeError::new_err(format!("a DataValue of kind {kind:?} needs a value"));
        let inner = match kind {
            "null" => match value {
                Some(v) if !v.is_none() => {
                    return Err(PyValueError::new_err("a \"null\" DataValue takes no value"))
                }
                _ => core::DataValue::Null,
            },
            _ => {
                let v = match value {
                    Some(v) if !v.is_none() => v,
                    _ => return Err(missing()),
                };
                match kind {
                    "double" => core::DataValue::Double(v.extract()?),
                    "float" => core::DataValue::Float(v.extract::<f64>()? as f32),
                    "int" => core::DataValue::Int(v.extract()?),
                    "long" => core::DataValue::Long(v.extract()?),
                    "string" => core::DataValue::String(Cow::Owned(v.extract()?)),
                    "array_of_double" => core::DataValue::ArrayOfDouble(v.extract()?),
                    "boolean" => {
                        if !v.is_instance_of::<PyBool>() {
                            return Err(PyTypeError::new_err(format!(
                                "a \"boolean\" DataValue takes a bool, not {}",
                                v.get_type().name()?
                            )));
                        }
                        core::DataValue::Boolean(v.extract()?)
                    }
                    "bytes" => core::DataValue::Bytes(Cow::Owned(input_bytes(v)?.into_owned())),
                    _ => {
                        return Err(PyValueError::new_err(format!(
                            "kind must be {DATA_KINDS}, not {kind:?}"
                        )))
                    }
                }
            }
        };
        Ok(DataValue { inner })
    }

    /// The union branch: "null", "double", "float", "int", "long", "string",
    /// "array_of_double", "boolean" or "bytes".
    #[getter]
    fn kind(&self) -> &'static str {
        data_kind(&self.inner)
    }

    /// The value as Python holds it (None for "null", a list of floats for
    /// "array_of_double").
    #[getter]
    fn value(&self, py: Python<'_>) -> Py<PyAny> {
        data_py(py, &self.inner)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(match self.inner {
            core::DataValue::Null => "DataValue('null')".into(),
            _ => format!(
                "DataValue({}, {})",
                pyr(self.kind()),
                data_py(py, &self.inner).bind(py).repr()?
            ),
        })
    }
}

fn version_from(v: Option<&Bound<'_, PyAny>>) -> PyResult<core::Version> {
    let Some(v) = v.filter(|v| !v.is_none()) else {
        return Ok(core::Version::V1_1);
    };
    let parts: Vec<i32> = if let Ok(s) = v.cast::<PyString>() {
        let s = s.to_cow()?;
        s.split('.')
            .map(|p| p.parse::<i32>())
            .collect::<Result<_, _>>()
            .map_err(|_| {
                PyValueError::new_err(format!(
                    "version {s:?} is not \"major.minor.revision.patch\""
                ))
            })?
    } else {
        v.extract().map_err(|_| {
            PyTypeError::new_err(
                "version must be a tuple of 4 ints (major, minor, revision, patch) or a \
                 \"major.minor.revision.patch\" string",
            )
        })?
    };
    match parts[..] {
        [major, minor, revision, patch] => Ok(core::Version::new(major, minor, revision, patch)),
        _ => Err(PyValueError::new_err(format!(
            "version has 4 parts (major, minor, revision, patch), not {}",
            parts.len()
        ))),
    }
}

fn version_tuple(v: core::Version) -> (i32, i32, i32, i32) {
    (v.major, v.minor, v.revision, v.patch)
}

fn capabilities_from(
    v: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<(Cow<'static, str>, core::DataValue<'static>)>> {
    let Some(v) = v.filter(|v| !v.is_none()) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    if let Ok(d) = v.cast::<PyDict>() {
        for (k, val) in d.iter() {
            out.push((Cow::Owned(k.extract::<String>()?), data_infer(&val)?));
        }
        return Ok(out);
    }
    if v.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "capabilities must be a dict or a sequence of (name, value) pairs, not str",
        ));
    }
    for item in v.try_iter()? {
        let item = item?;
        let (k, val): (String, Bound<'_, PyAny>) = item.extract().map_err(|_| {
            PyTypeError::new_err("capabilities must be a dict or a sequence of (name, value) pairs")
        })?;
        out.push((Cow::Owned(k), data_infer(&val)?));
    }
    Ok(out)
}

/// `Energistics.Datatypes.SupportedProtocol`: a protocol, its version, a role
/// and capabilities.
///
/// Protocol(id, version=(1, 1, 0, 0), role="store", capabilities=None): in a
/// Config, a protocol the server supports and the role it plays there (a
/// client asking for the protocol in that role gets it); version is a tuple
/// (major, minor, revision, patch) or a "major.minor.revision.patch" string;
/// capabilities a dict (or a sequence of pairs) from name to a DataValue or
/// a plain value, sent in that order.
#[pyclass(frozen, eq, module = "libepp.etp")]
#[derive(Clone, PartialEq)]
struct Protocol {
    inner: core::SupportedProtocol<'static>,
}

#[pymethods]
impl Protocol {
    #[new]
    #[pyo3(
        signature = (id, version = None, role = None, capabilities = None),
        text_signature = "(id, version=(1, 1, 0, 0), role='store', capabilities=None)"
    )]
    fn new(
        id: i32,
        version: Option<&Bound<'_, PyAny>>,
        role: Option<String>,
        capabilities: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut inner = core::SupportedProtocol::new(
            id,
            version_from(version)?,
            role.unwrap_or("store".into()),
        );
        inner.protocol_capabilities = capabilities_from(capabilities)?;
        Ok(Protocol { inner })
    }

    /// The protocol number (3 Discovery, 4 Store, ...).
    #[getter]
    fn id(&self) -> i32 {
        self.inner.protocol
    }

    /// (major, minor, revision, patch).
    #[getter]
    fn version(&self) -> (i32, i32, i32, i32) {
        version_tuple(self.inner.protocol_version)
    }

    #[getter]
    fn role(&self) -> &str {
        &self.inner.role
    }

    /// The capabilities, as (name, DataValue) pairs in their order on the
    /// wire.
    #[getter]
    fn capabilities(&self) -> Vec<(String, DataValue)> {
        self.inner
            .protocol_capabilities
            .iter()
            .map(|(k, v)| (k.to_string(), DataValue { inner: v.clone() }))
            .collect()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut s = format!(
            "Protocol({}, version={:?}, role={}",
            self.inner.protocol,
            version_tuple(self.inner.protocol_version),
            pyr(&self.inner.role)
        );
        if !self.inner.protocol_capabilities.is_empty() {
            let mut items = Vec::new();
            for (k, v) in &self.inner.protocol_capabilities {
                let v = DataValue { inner: v.clone() }.__repr__(py)?;
                items.push(format!("({}, {v})", pyr(k)));
            }
            s.push_str(&format!(", capabilities=[{}]", items.join(", ")));
        }
        s.push(')');
        Ok(s)
    }
}

fn protocols_py(v: &[core::SupportedProtocol<'static>]) -> Vec<Protocol> {
    v.iter().map(|p| Protocol { inner: p.clone() }).collect()
}

fn owned_protocol(p: core::SupportedProtocol<'_>) -> core::SupportedProtocol<'static> {
    p.into_owned()
}

fn owned_strings(v: Vec<Cow<'_, str>>) -> Vec<Cow<'static, str>> {
    v.into_iter().map(|s| Cow::Owned(s.into_owned())).collect()
}

fn strings_py(v: &[Cow<'_, str>]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// `Energistics.Datatypes.MessageHeader`, the header of every ETP message.
///
/// MessageHeader(protocol, message_type, correlation_id=0, message_id=0,
/// message_flags=0).
#[pyclass(frozen, eq, hash, module = "libepp.etp")]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct MessageHeader {
    inner: core::MessageHeader,
}

#[pymethods]
impl MessageHeader {
    #[new]
    #[pyo3(signature = (protocol, message_type, correlation_id = 0, message_id = 0, message_flags = 0))]
    fn new(
        protocol: i32,
        message_type: i32,
        correlation_id: i64,
        message_id: i64,
        message_flags: i32,
    ) -> Self {
        MessageHeader {
            inner: core::MessageHeader {
                protocol,
                message_type,
                correlation_id,
                message_id,
                message_flags,
            },
        }
    }

    #[getter]
    fn protocol(&self) -> i32 {
        self.inner.protocol
    }

    #[getter]
    fn message_type(&self) -> i32 {
        self.inner.message_type
    }

    /// The messageId of the message this one answers (0: none).
    #[getter]
    fn correlation_id(&self) -> i64 {
        self.inner.correlation_id
    }

    /// The sender's id of this message.
    #[getter]
    fn message_id(&self) -> i64 {
        self.inner.message_id
    }

    /// FLAG_MULTI_PART, FLAG_FINAL_PART, ...
    #[getter]
    fn message_flags(&self) -> i32 {
        self.inner.message_flags
    }

    /// Whether the message ends what it answers: not a part of a multi-part
    /// message, or its final part.
    #[getter]
    fn is_final(&self) -> bool {
        self.inner.is_final()
    }

    /// The header's Avro binary.
    fn encode<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &core::encode(&self.inner))
    }

    fn __repr__(&self) -> String {
        let h = &self.inner;
        format!(
            "MessageHeader(protocol={}, message_type={}, correlation_id={}, message_id={}, message_flags={})",
            h.protocol, h.message_type, h.correlation_id, h.message_id, h.message_flags
        )
    }
}

fn header_py(h: core::MessageHeader) -> MessageHeader {
    MessageHeader { inner: h }
}

// ---------------------------------------------------------------------------
// the Core messages (the codec)
// ---------------------------------------------------------------------------

fn protocols_from(v: Vec<Py<Protocol>>) -> Vec<core::SupportedProtocol<'static>> {
    v.iter().map(|p| p.get().inner.clone()).collect()
}

fn strings_from(v: Vec<String>) -> Vec<Cow<'static, str>> {
    v.into_iter().map(Cow::Owned).collect()
}

/// `Energistics.Protocol.Core.RequestSession` (Core message type 1, client to
/// server).
#[pyclass(frozen, eq, module = "libepp.etp")]
#[derive(Clone, PartialEq)]
struct RequestSession {
    inner: core::RequestSession<'static>,
}

// Sequence arguments: each error names the argument and what it got.
crate::args::seq_arg!(
    requested_protocols_arg,
    "requested_protocols",
    Py<Protocol>,
    "libepp.etp.Protocol"
);
crate::args::seq_arg!(
    supported_protocols_arg,
    "supported_protocols",
    Py<Protocol>,
    "libepp.etp.Protocol"
);
crate::args::seq_arg!(opt opt_protocols_arg, "protocols", Py<Protocol>, "libepp.etp.Protocol");
crate::args::seq_arg!(opt opt_supported_objects_arg, "supported_objects", String, "str");

#[pymethods]
impl RequestSession {
    #[classattr]
    const MESSAGE_TYPE: i32 = 1;

    #[new]
    #[pyo3(signature = (application_name, application_version, requested_protocols, supported_objects = None))]
    fn new(
        application_name: String,
        application_version: String,
        #[pyo3(from_py_with = requested_protocols_arg)] requested_protocols: Vec<Py<Protocol>>,
        #[pyo3(from_py_with = opt_supported_objects_arg)] supported_objects: Option<Vec<String>>,
    ) -> Self {
        RequestSession {
            inner: core::RequestSession {
                application_name: Cow::Owned(application_name),
                application_version: Cow::Owned(application_version),
                requested_protocols: protocols_from(requested_protocols),
                supported_objects: strings_from(supported_objects.unwrap_or_default()),
            },
        }
    }

    #[getter]
    fn application_name(&self) -> &str {
        &self.inner.application_name
    }

    #[getter]
    fn application_version(&self) -> &str {
        &self.inner.application_version
    }

    /// The protocols asked for, each with the role the server should play.
    #[getter]
    fn requested_protocols(&self) -> Vec<Protocol> {
        protocols_py(&self.inner.requested_protocols)
    }

    #[getter]
    fn supported_objects(&self) -> Vec<String> {
        strings_py(&self.inner.supported_objects)
    }

    /// The body's Avro binary.
    fn encode<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &core::encode(&self.inner))
    }

    /// Decodes a whole body (bytes left after it are an error).
    #[staticmethod]
    fn decode(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let data = input_bytes(data)?;
        let m: core::RequestSession<'_> =
            core::decode(&data).map_err(|e| decode_error(py, "RequestSession", e))?;
        Ok(RequestSession {
            inner: m.into_owned(),
        })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "RequestSession({}, {}, {}, {})",
            pyr(&self.inner.application_name),
            pyr(&self.inner.application_version),
            protocols_repr(py, &self.inner.requested_protocols)?,
            pyr_list(&strings_py(&self.inner.supported_objects))
        ))
    }
}

fn protocols_repr(py: Python<'_>, v: &[core::SupportedProtocol<'static>]) -> PyResult<String> {
    let mut items = Vec::new();
    for p in v {
        items.push(Protocol { inner: p.clone() }.__repr__(py)?);
    }
    Ok(format!("[{}]", items.join(", ")))
}

/// `Energistics.Protocol.Core.OpenSession` (Core message type 2, server to
/// client).
#[pyclass(frozen, eq, module = "libepp.etp")]
#[derive(Clone, PartialEq)]
struct OpenSession {
    inner: core::OpenSession<'static>,
}

#[pymethods]
impl OpenSession {
    #[classattr]
    const MESSAGE_TYPE: i32 = 2;

    #[new]
    #[pyo3(signature = (application_name, application_version, session_id, supported_protocols, supported_objects = None))]
    fn new(
        application_name: String,
        application_version: String,
        session_id: String,
        #[pyo3(from_py_with = supported_protocols_arg)] supported_protocols: Vec<Py<Protocol>>,
        #[pyo3(from_py_with = opt_supported_objects_arg)] supported_objects: Option<Vec<String>>,
    ) -> Self {
        OpenSession {
            inner: core::OpenSession {
                application_name: Cow::Owned(application_name),
                application_version: Cow::Owned(application_version),
                session_id: Cow::Owned(session_id),
                supported_protocols: protocols_from(supported_protocols),
                supported_objects: strings_from(supported_objects.unwrap_or_default()),
            },
        }
    }

    #[getter]
    fn application_name(&self) -> &str {
        &self.inner.application_name
    }

    #[getter]
    fn application_version(&self) -> &str {
        &self.inner.application_version
    }

    /// The session's UUID (lowercase, hyphenated).
    #[getter]
    fn session_id(&self) -> &str {
        &self.inner.session_id
    }

    /// The requested protocols the server supports.
    #[getter]
    fn supported_protocols(&self) -> Vec<Protocol> {
        protocols_py(&self.inner.supported_protocols)
    }

    #[getter]
    fn supported_objects(&self) -> Vec<String> {
        strings_py(&self.inner.supported_objects)
    }

    /// The body's Avro binary.
    fn encode<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &core::encode(&self.inner))
    }

    /// Decodes a whole body (bytes left after it are an error).
    #[staticmethod]
    fn decode(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let data = input_bytes(data)?;
        let m: core::OpenSession<'_> =
            core::decode(&data).map_err(|e| decode_error(py, "OpenSession", e))?;
        Ok(OpenSession {
            inner: core::OpenSession {
                application_name: Cow::Owned(m.application_name.into_owned()),
                application_version: Cow::Owned(m.application_version.into_owned()),
                session_id: Cow::Owned(m.session_id.into_owned()),
                supported_protocols: m
                    .supported_protocols
                    .into_iter()
                    .map(owned_protocol)
                    .collect(),
                supported_objects: owned_strings(m.supported_objects),
            },
        })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "OpenSession({}, {}, {}, {}, {})",
            pyr(&self.inner.application_name),
            pyr(&self.inner.application_version),
            pyr(&self.inner.session_id),
            protocols_repr(py, &self.inner.supported_protocols)?,
            pyr_list(&strings_py(&self.inner.supported_objects))
        ))
    }
}

/// `Energistics.Protocol.Core.CloseSession` (Core message type 5, either
/// side): an optional reason.
#[pyclass(frozen, eq, hash, module = "libepp.etp")]
#[derive(Clone, PartialEq, Eq, Hash)]
struct CloseSession {
    reason: Option<String>,
}

#[pymethods]
impl CloseSession {
    #[classattr]
    const MESSAGE_TYPE: i32 = 5;

    #[new]
    #[pyo3(signature = (reason = None))]
    fn new(reason: Option<String>) -> Self {
        CloseSession { reason }
    }

    #[getter]
    fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// The body's Avro binary.
    fn encode<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &core::encode(&self.core()))
    }

    /// Decodes a whole body (bytes left after it are an error).
    #[staticmethod]
    fn decode(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let data = input_bytes(data)?;
        let m: core::CloseSession<'_> =
            core::decode(&data).map_err(|e| decode_error(py, "CloseSession", e))?;
        Ok(CloseSession {
            reason: m.reason.map(Cow::into_owned),
        })
    }

    fn __repr__(&self) -> String {
        format!("CloseSession({})", py_opt_str(&self.reason))
    }
}

impl CloseSession {
    fn core(&self) -> core::CloseSession<'_> {
        core::CloseSession {
            reason: self.reason.as_deref().map(Cow::Borrowed),
        }
    }
}

/// `Energistics.Protocol.Core.RenewSecurityToken` (Core message type 6,
/// client to server).
#[pyclass(frozen, eq, hash, module = "libepp.etp")]
#[derive(Clone, PartialEq, Eq, Hash)]
struct RenewSecurityToken {
    #[pyo3(get)]
    token: String,
}

#[pymethods]
impl RenewSecurityToken {
    #[classattr]
    const MESSAGE_TYPE: i32 = 6;

    #[new]
    fn new(token: String) -> Self {
        RenewSecurityToken { token }
    }

    /// The body's Avro binary.
    fn encode<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let m = core::RenewSecurityToken {
            token: Cow::Borrowed(&self.token),
        };
        PyBytes::new(py, &core::encode(&m))
    }

    /// Decodes a whole body (bytes left after it are an error).
    #[staticmethod]
    fn decode(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let data = input_bytes(data)?;
        let m: core::RenewSecurityToken<'_> =
            core::decode(&data).map_err(|e| decode_error(py, "RenewSecurityToken", e))?;
        Ok(RenewSecurityToken {
            token: m.token.into_owned(),
        })
    }

    fn __repr__(&self) -> String {
        format!("RenewSecurityToken({})", pyr(&self.token))
    }
}

/// `Energistics.Protocol.Core.ProtocolException` (message type 1000, either
/// side, in any protocol).
#[pyclass(frozen, eq, hash, module = "libepp.etp")]
#[derive(Clone, PartialEq, Eq, Hash)]
struct ProtocolException {
    #[pyo3(get)]
    error_code: i32,
    #[pyo3(get)]
    error_message: String,
}

#[pymethods]
impl ProtocolException {
    #[classattr]
    const MESSAGE_TYPE: i32 = 1000;

    #[new]
    #[pyo3(signature = (error_code, error_message = String::new()), text_signature = "(error_code, error_message='')")]
    fn new(error_code: i32, error_message: String) -> Self {
        ProtocolException {
            error_code,
            error_message,
        }
    }

    /// The code's mnemonic (ENOROLE ... ENOT_FOUND), or None.
    #[getter]
    fn error_name(&self) -> Option<&'static str> {
        core::ErrorCode(self.error_code).mnemonic()
    }

    /// The body's Avro binary.
    fn encode<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let m = core::ProtocolException {
            error_code: core::ErrorCode(self.error_code),
            error_message: Cow::Borrowed(&self.error_message),
        };
        PyBytes::new(py, &core::encode(&m))
    }

    /// Decodes a whole body (bytes left after it are an error).
    #[staticmethod]
    fn decode(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let data = input_bytes(data)?;
        let m: core::ProtocolException<'_> =
            core::decode(&data).map_err(|e| decode_error(py, "ProtocolException", e))?;
        Ok(ProtocolException {
            error_code: m.error_code.0,
            error_message: m.error_message.into_owned(),
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "ProtocolException({}, {})",
            self.error_code,
            pyr(&self.error_message)
        )
    }
}

/// `Energistics.Protocol.Core.Acknowledge` (message type 1001, either side,
/// in any protocol): no fields.
#[pyclass(frozen, eq, hash, module = "libepp.etp")]
#[derive(Clone, PartialEq, Eq, Hash)]
struct Acknowledge {}

#[pymethods]
impl Acknowledge {
    #[classattr]
    const MESSAGE_TYPE: i32 = 1001;

    #[new]
    fn new() -> Self {
        Acknowledge {}
    }

    /// The body's Avro binary (no bytes).
    fn encode<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, b"")
    }

    /// Decodes a whole body: it must be empty.
    #[staticmethod]
    fn decode(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let data = input_bytes(data)?;
        core::decode::<core::Acknowledge>(&data).map_err(|e| decode_error(py, "Acknowledge", e))?;
        Ok(Acknowledge {})
    }

    fn __repr__(&self) -> String {
        "Acknowledge()".into()
    }
}

/// The body of an ETP message: raw bytes, or a Core message's encoding.
fn body_bytes(body: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(m) = body.cast::<RequestSession>() {
        return Ok(core::encode(&m.get().inner));
    }
    if let Ok(m) = body.cast::<OpenSession>() {
        return Ok(core::encode(&m.get().inner));
    }
    if let Ok(m) = body.cast::<CloseSession>() {
        return Ok(core::encode(&m.get().core()));
    }
    if body.is_instance_of::<RenewSecurityToken>()
        || body.is_instance_of::<ProtocolException>()
        || body.is_instance_of::<Acknowledge>()
    {
        return Ok(body
            .call_method0("encode")?
            .cast::<PyBytes>()?
            .as_bytes()
            .to_vec());
    }
    if body.is_instance_of::<PyBytes>()
        || body.is_instance_of::<PyByteArray>()
        || body.is_instance_of::<PyMemoryView>()
    {
        return Ok(input_bytes(body)?.into_owned());
    }
    Err(PyTypeError::new_err(format!(
        "body must be bytes, bytearray, memoryview or a Core message (RequestSession, ...), not {}",
        body.get_type().name()?
    )))
}

/// One ETP message: the header's Avro binary, then the body (bytes, or a
/// Core message object, which is encoded).
#[pyfunction]
fn encode_message<'py>(
    py: Python<'py>,
    header: &MessageHeader,
    body: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let mut out = core::encode(&header.inner);
    out.extend_from_slice(&body_bytes(body)?);
    Ok(PyBytes::new(py, &out))
}

/// Splits an ETP message into its header and its body's bytes. Raises
/// DecodeError when the header does not decode.
#[pyfunction]
fn split_message<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
) -> PyResult<(MessageHeader, Bound<'py, PyBytes>)> {
    let data = input_bytes(data)?;
    let (h, body) = core::split_message(&data).map_err(|e| decode_error(py, "the header", e))?;
    Ok((header_py(h), PyBytes::new(py, body)))
}

/// Splits an ETP message and decodes its body when it is a Core message
/// (protocol 0, message types 1, 2, 5, 6, 1000 and 1001) or a
/// ProtocolException (1000) or Acknowledge (1001) of any protocol; any
/// other body is returned as bytes. Raises DecodeError when the header or
/// such a body does not decode (trailing bytes included).
#[pyfunction]
fn decode_message<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
) -> PyResult<(MessageHeader, Py<PyAny>)> {
    let data = input_bytes(data)?;
    let (h, body) = core::split_message(&data).map_err(|e| decode_error(py, "the header", e))?;
    let b = PyBytes::new(py, body);
    let decoded: Py<PyAny> = match (h.protocol, h.message_type) {
        (_, 1000) => Py::new(py, ProtocolException::decode(py, &b)?)?.into_any(),
        (_, 1001) => Py::new(py, Acknowledge::decode(py, &b)?)?.into_any(),
        (core::PROTOCOL_CORE, 1) => Py::new(py, RequestSession::decode(py, &b)?)?.into_any(),
        (core::PROTOCOL_CORE, 2) => Py::new(py, OpenSession::decode(py, &b)?)?.into_any(),
        (core::PROTOCOL_CORE, 5) => Py::new(py, CloseSession::decode(py, &b)?)?.into_any(),
        (core::PROTOCOL_CORE, 6) => Py::new(py, RenewSecurityToken::decode(py, &b)?)?.into_any(),
        _ => b.into_any().unbind(),
    };
    Ok((header_py(h), decoded))
}

// ---------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------

/// What an ETP server offers: its name and version, the protocols it
/// supports (each with the role it plays), its data objects, and limits.
///
/// Config(*, application_name=None, application_version=None,
/// protocols=None, supported_objects=None, max_in_flight=None,
/// max_pending_output=None, max_buffered_input=None): what is not given is
/// libepp's default (application "libepp" at libepp's version; protocols 3
/// Discovery and 4 Store at 1.1.0.0 in the role "store"; no data objects;
/// 32 requests in flight, 1 MiB of pending output and of held input).
/// `protocols` replaces the defaults. The core checks it once
/// (libepp.ConfigError): one to 64 protocols, none Core (0) or negative,
/// none twice, no empty role, every limit at least 1.
#[pyclass(frozen, module = "libepp.etp")]
struct Config {
    inner: Arc<core::Config>,
}

#[pymethods]
impl Config {
    #[new]
    #[pyo3(signature = (
        *,
        application_name = None,
        application_version = None,
        protocols = None,
        supported_objects = None,
        max_in_flight = None,
        max_pending_output = None,
        max_buffered_input = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        application_name: Option<String>,
        application_version: Option<String>,
        #[pyo3(from_py_with = opt_protocols_arg)] protocols: Option<Vec<Py<Protocol>>>,
        #[pyo3(from_py_with = opt_supported_objects_arg)] supported_objects: Option<Vec<String>>,
        max_in_flight: Option<usize>,
        max_pending_output: Option<usize>,
        max_buffered_input: Option<usize>,
    ) -> PyResult<Self> {
        let mut b = core::Config::builder();
        if let Some(n) = application_name {
            b.application_name(n);
        }
        if let Some(v) = application_version {
            b.application_version(v);
        }
        if let Some(p) = protocols {
            b.protocols(protocols_from(p));
        }
        for o in supported_objects.unwrap_or_default() {
            b.supported_object(o);
        }
        let mut limits = core::Limits::default();
        for (slot, v) in [
            (&mut limits.max_in_flight, max_in_flight),
            (&mut limits.max_pending_output, max_pending_output),
            (&mut limits.max_buffered_input, max_buffered_input),
        ] {
            if let Some(v) = v {
                *slot = v;
            }
        }
        b.limits(limits);
        let inner = b.build().map_err(|e| config_error(py, e))?;
        Ok(Config { inner })
    }

    /// The `applicationName` sent in OpenSession.
    #[getter]
    fn application_name(&self) -> &str {
        self.inner.application_name()
    }

    /// The `applicationVersion` sent in OpenSession.
    #[getter]
    fn application_version(&self) -> &str {
        self.inner.application_version()
    }

    /// The protocols supported, each with the role the server plays.
    #[getter]
    fn protocols(&self) -> Vec<Protocol> {
        protocols_py(self.inner.protocols())
    }

    /// The server's `supportedObjects`.
    #[getter]
    fn supported_objects(&self) -> Vec<String> {
        strings_py(self.inner.supported_objects())
    }

    /// The limits, as a dict: max_in_flight, max_pending_output,
    /// max_buffered_input.
    #[getter]
    fn limits<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let l = self.inner.limits();
        let d = PyDict::new(py);
        d.set_item("max_in_flight", l.max_in_flight)?;
        d.set_item("max_pending_output", l.max_pending_output)?;
        d.set_item("max_buffered_input", l.max_buffered_input)?;
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Config(application_name={}, application_version={}, protocols={}, supported_objects={})",
            pyr(self.inner.application_name()),
            pyr(self.inner.application_version()),
            protocols_repr(py, self.inner.protocols())?,
            pyr_list(&strings_py(self.inner.supported_objects()))
        ))
    }
}

// ---------------------------------------------------------------------------
// Session
// ---------------------------------------------------------------------------

/// One ETP 1.1 server session on one WebSocket, without any I/O.
///
/// Session(config, session_id): session_id is the session's UUID, sent in
/// OpenSession (a uuid.UUID, or its 16 bytes; libepp reads no random
/// source). Feed every WebSocket binary message received to feed_message
/// (read no more while wants_input() is False), send every message
/// poll_output returns as one WebSocket binary message, and handle every
/// request poll_queue (or iterating over the session) hands out, answering
/// those that take an answer through their own methods (or the session's
/// respond, raise_exception and finish). Call handle_eof when the WebSocket
/// closes; close it once is_finished. ETP Core has no timer, so nothing
/// takes a time. A Session may be shared between threads.
#[pyclass(frozen, module = "libepp.etp")]
struct Session {
    inner: Mutex<core::Session>,
    config: Py<Config>,
}

impl Session {
    /// Locks the core session; while another thread holds the lock (possibly
    /// for a long feed), waits with the GIL released.
    fn lock<'a>(&'a self, py: Python<'_>) -> MutexGuard<'a, core::Session> {
        loop {
            if let Some(g) = self.inner.try_lock() {
                return g;
            }
            py.detach(|| drop(self.inner.lock()));
        }
    }
}

fn session_uuid(v: &Bound<'_, PyAny>) -> PyResult<core::Uuid> {
    let py = v.py();
    let bytes: Vec<u8> = if v.is_instance(&py.import("uuid")?.getattr("UUID")?)? {
        v.getattr("bytes")?.extract()?
    } else if v.is_instance_of::<PyBytes>()
        || v.is_instance_of::<PyByteArray>()
        || v.is_instance_of::<PyMemoryView>()
    {
        input_bytes(v)?.into_owned()
    } else {
        return Err(PyTypeError::new_err(format!(
            "session_id must be a uuid.UUID or its 16 bytes, not {}",
            v.get_type().name()?
        )));
    };
    let bytes: [u8; 16] = bytes.as_slice().try_into().map_err(|_| {
        PyValueError::new_err(format!("session_id takes 16 bytes, not {}", bytes.len()))
    })?;
    Ok(core::Uuid::from_bytes(bytes))
}

fn state_name(s: core::SessionState) -> &'static str {
    match s {
        core::SessionState::AwaitingRequest => "awaiting_request",
        core::SessionState::Open => "open",
        core::SessionState::Closing => "closing",
        core::SessionState::Closed => "closed",
    }
}

fn is_final(flags: i32) -> bool {
    flags & core::FLAG_MULTI_PART == 0 || flags & core::FLAG_FINAL_PART != 0
}

#[pymethods]
impl Session {
    #[new]
    fn new(config: &Bound<'_, PyAny>, session_id: &Bound<'_, PyAny>) -> PyResult<Self> {
        let config = match config.cast::<Config>() {
            Ok(c) => c.clone().unbind(),
            Err(_) => {
                return Err(PyTypeError::new_err(format!(
                    "config must be a libepp.etp.Config, not {}",
                    config.get_type().name()?
                )))
            }
        };
        let id = session_uuid(session_id)?;
        let inner = core::Session::new(Arc::clone(&config.get().inner), id);
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

    /// The session's id (a uuid.UUID), as sent in OpenSession.
    #[getter]
    fn session_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let id = self.lock(py).session_id();
        let kwargs = PyDict::new(py);
        kwargs.set_item("bytes", PyBytes::new(py, id.as_bytes()))?;
        py.import("uuid")?.getattr("UUID")?.call((), Some(&kwargs))
    }

    /// feed-input: one WebSocket binary message from the client (bytes,
    /// bytearray or memoryview). It is handled at once when the session can
    /// take it, else held and handled as answers and taken output make room.
    /// Raises SessionClosedError once the session processes no more input,
    /// InputAfterEofError after handle_eof, and InputBufferFullError (taking
    /// nothing) when holding it would exceed max_buffered_input: read no
    /// more while wants_input() is False. A client's protocol errors are
    /// never exceptions: they become ProtocolExceptions.
    fn feed_message(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<()> {
        let input = input_bytes(data)?;
        let input: &[u8] = &input;
        let r = if input.len() >= DETACH_INPUT {
            py.detach(|| self.inner.lock().feed_message(input))
        } else {
            self.lock(py).feed_message(input)
        };
        r.map_err(|e| session_error(py, e))
    }

    /// Whether the host should read more from the WebSocket: False while
    /// max_in_flight requests are outstanding or max_pending_output bytes wait
    /// to be taken, after handle_eof, and once the session is closing.
    fn wants_input(&self, py: Python<'_>) -> bool {
        self.lock(py).wants_input()
    }

    /// Bytes of messages fed and not yet handled.
    #[getter]
    fn buffered_input(&self, py: Python<'_>) -> usize {
        self.lock(py).buffered_input()
    }

    /// The peer closed the WebSocket. It takes effect after every message fed
    /// before it has been handled.
    fn handle_eof(&self, py: Python<'_>) {
        self.lock(py).handle_eof();
    }

    /// Ends the session without a message: nothing more is sent, and output
    /// not yet taken is dropped.
    fn close(&self, py: Python<'_>) {
        self.lock(py).close();
    }

    /// Ends the session with CloseSession (carrying `reason`, if any), sent
    /// after the messages already sent; outstanding requests are dropped.
    /// Raises SessionClosedError once the session has ended.
    #[pyo3(signature = (reason = None))]
    fn close_session(&self, py: Python<'_>, reason: Option<String>) -> PyResult<()> {
        let r = self.lock(py).close_session(reason.as_deref());
        r.map_err(|e| session_error(py, e))
    }

    /// take-output: the next message to send, as one WebSocket binary
    /// message, or None when nothing is pending.
    fn poll_output<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        let m = self.lock(py).poll_output()?;
        Some(PyBytes::new(py, &m))
    }

    /// The next message to send (a copy), without taking it, or None;
    /// consume_output takes it once sent.
    fn peek_output<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        let m = self.lock(py).peek_output()?.to_vec();
        Some(PyBytes::new(py, &m))
    }

    /// Takes the message peek_output returns (it was sent); returns whether
    /// there was one.
    fn consume_output(&self, py: Python<'_>) -> bool {
        self.lock(py).consume_output()
    }

    /// Messages waiting to be taken.
    #[getter]
    fn pending_output(&self, py: Python<'_>) -> usize {
        self.lock(py).pending_output()
    }

    /// poll-queue: the next request or news for the host, in the order the
    /// messages came, or None.
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

    /// Sends a message answering request `request_id`: its protocol is the
    /// request's, its correlationId the request's messageId, its messageId
    /// the session's next; `body` (the Avro binary of the message type's
    /// schema) is sent as given. With FLAG_MULTI_PART and without
    /// FLAG_FINAL_PART the request stays outstanding for the parts that
    /// follow; any other message finishes it.
    #[pyo3(signature = (request_id, message_type, body, flags = 0))]
    fn respond(
        &self,
        py: Python<'_>,
        request_id: u64,
        message_type: i32,
        body: &Bound<'_, PyAny>,
        flags: i32,
    ) -> PyResult<()> {
        let body = input_bytes(body)?;
        let r = self
            .lock(py)
            .respond(RequestId::from_raw(request_id), message_type, flags, &body);
        r.map_err(|e| session_error(py, e))
    }

    /// Answers request `request_id` with a ProtocolException (`code`, such
    /// as ENOT_FOUND, and `message`) in the request's protocol, correlated to
    /// it; finishes the request.
    #[pyo3(signature = (request_id, code, message = String::new()), text_signature = "(self, /, request_id, code, message='')")]
    fn raise_exception(
        &self,
        py: Python<'_>,
        request_id: u64,
        code: i32,
        message: String,
    ) -> PyResult<()> {
        let r = self.lock(py).raise(
            RequestId::from_raw(request_id),
            core::ErrorCode(code),
            &message,
        );
        r.map_err(|e| session_error(py, e))
    }

    /// Finishes request `request_id` without sending anything (more): a
    /// token accepted, a message that takes no answer, the end of the parts
    /// already sent.
    fn finish(&self, py: Python<'_>, request_id: u64) -> PyResult<()> {
        let r = self.lock(py).finish(RequestId::from_raw(request_id));
        r.map_err(|e| session_error(py, e))
    }

    /// "awaiting_request", "open", "closing" or "closed".
    #[getter]
    fn state(&self, py: Python<'_>) -> &'static str {
        state_name(self.lock(py).state())
    }

    /// Why the session ended (or is ending): a libepp.CloseReason of kind
    /// "client_closed", "no_supported_protocols", "host_closed_session",
    /// "peer_closed" or "host".
    #[getter]
    fn close_reason(&self, py: Python<'_>) -> Option<CloseReason> {
        let r = self.lock(py).close_reason();
        r.as_ref().map(CloseReason::from_etp)
    }

    /// True when the WebSocket should be closed now: the session has ended
    /// and every message it sent has been taken.
    #[getter]
    fn is_finished(&self, py: Python<'_>) -> bool {
        self.lock(py).is_finished()
    }

    /// Requests handed out (or queued) and not yet finished.
    #[getter]
    fn outstanding(&self, py: Python<'_>) -> usize {
        self.lock(py).outstanding()
    }

    /// The protocols negotiated (empty until the session is open), as sent
    /// in OpenSession.
    #[getter]
    fn negotiated_protocols(&self, py: Python<'_>) -> Vec<Protocol> {
        let v: Vec<_> = self.lock(py).negotiated_protocols().cloned().collect();
        protocols_py(&v)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let (state, id, out) = {
            let s = self.lock(py);
            (state_name(s.state()), s.session_id(), s.outstanding())
        };
        format!("<libepp.etp.Session state={state} session_id={id} outstanding={out}>")
    }
}

/// Iterates over a session's pending requests, taking them.
#[pyclass(frozen, module = "libepp.etp")]
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

// ---------------------------------------------------------------------------
// requests
// ---------------------------------------------------------------------------

fn wrap_request(
    py: Python<'_>,
    session: &Bound<'_, Session>,
    r: core::Request,
) -> PyResult<Py<PyAny>> {
    let s = session.clone().unbind();
    Ok(match r {
        core::Request::Opened(o) => Py::new(
            py,
            SessionOpened {
                session: s,
                header: header_py(o.header),
                application_name: o.application_name,
                application_version: o.application_version,
                protocols: o.protocols,
                supported_objects: o.supported_objects,
            },
        )?
        .into_any(),
        core::Request::Message(m) => Py::new(
            py,
            ProtocolMessage {
                req: Pending::new(s, m.id),
                header: header_py(m.header),
                body: PyBytes::new(py, &m.body).unbind(),
            },
        )?
        .into_any(),
        core::Request::RenewToken(t) => Py::new(
            py,
            TokenRenewal {
                req: Pending::new(s, t.id),
                header: header_py(t.header),
                token: t.token,
            },
        )?
        .into_any(),
        core::Request::PeerException(e) => Py::new(
            py,
            PeerException {
                session: s,
                header: header_py(e.header),
                error_code: e.error_code.0,
                error_message: e.error_message,
            },
        )?
        .into_any(),
        core::Request::Acknowledged(h) => Py::new(
            py,
            Acknowledged {
                session: s,
                header: header_py(h),
            },
        )?
        .into_any(),
        core::Request::SessionEnd(e) => Py::new(
            py,
            SessionEnd {
                session: s,
                reason: Py::new(py, CloseReason::from_etp(&e.reason))?,
                message: e.message,
            },
        )?
        .into_any(),
        other => return Err(EppError::new_err(format!("unknown ETP request: {other:?}"))),
    })
}

/// What a request that takes an answer holds: its session, its id and
/// whether it was finished through this object.
struct Pending {
    session: Py<Session>,
    id: RequestId,
    answered: AtomicBool,
}

impl Pending {
    fn new(session: Py<Session>, id: RequestId) -> Self {
        Pending {
            session,
            id,
            answered: AtomicBool::new(false),
        }
    }

    /// Runs an answer under the session's lock; marks the request answered
    /// when the answer finishes it. Every refusal is the core's.
    fn answer(
        &self,
        py: Python<'_>,
        finishes: bool,
        f: impl FnOnce(&mut core::Session, RequestId) -> Result<(), core::SessionError>,
    ) -> PyResult<()> {
        let result = {
            let mut s = self.session.get().lock(py);
            let r = f(&mut s, self.id);
            if r.is_ok() && finishes {
                self.answered.store(true, Ordering::Release);
            }
            r
        };
        result.map_err(|e| session_error(py, e))
    }
}

/// The `#[pymethods]` block of a request class that takes an answer (it holds
/// a [`Pending`] as `req` and a `header`): the class's own methods, then what
/// both share: `kind`, `session`, `id`, `answered`, `header`, and the answers
/// `respond`, `raise_exception` and `finish`.
macro_rules! answerable_pymethods {
    ($ty:ident $kind:literal { $($own:tt)* }) => {
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

            /// The id to answer with (through the session's own verbs).
            #[getter]
            fn id(&self) -> u64 {
                self.req.id.get()
            }

            /// Whether this request was finished through this object.
            #[getter]
            fn answered(&self) -> bool {
                self.req.answered.load(Ordering::Acquire)
            }

            /// The message's header.
            #[getter]
            fn header(&self) -> MessageHeader {
                self.header
            }

            /// Sends a message answering this request (its protocol, correlated
            /// to it, with the session's next messageId); `body` is sent as
            /// given. With FLAG_MULTI_PART and without FLAG_FINAL_PART the
            /// request stays outstanding for further parts; any other message
            /// finishes it.
            #[pyo3(signature = (message_type, body, flags = 0))]
            fn respond(
                &self,
                py: Python<'_>,
                message_type: i32,
                body: &Bound<'_, PyAny>,
                flags: i32,
            ) -> PyResult<()> {
                let body = input_bytes(body)?;
                self.req.answer(py, is_final(flags), |s, id| {
                    s.respond(id, message_type, flags, &body)
                })
            }

            /// Answers with a ProtocolException (`code`, such as ENOT_FOUND or
            /// EEXPIRED_TOKEN, and `message`) in the request's protocol,
            /// correlated to it; finishes the request.
            #[pyo3(signature = (code, message = String::new()), text_signature = "(self, /, code, message='')")]
            fn raise_exception(&self, py: Python<'_>, code: i32, message: String) -> PyResult<()> {
                self.req
                    .answer(py, true, |s, id| s.raise(id, core::ErrorCode(code), &message))
            }

            /// Finishes the request without sending anything (more).
            fn finish(&self, py: Python<'_>) -> PyResult<()> {
                self.req.answer(py, true, |s, id| s.finish(id))
            }

            $($own)*
        }
    };
}

/// A message of a negotiated protocol (other than Core), for the host to
/// decode and answer: respond (with the protocol's response message type),
/// raise_exception, or finish when it takes no answer.
#[pyclass(frozen, module = "libepp.etp")]
struct ProtocolMessage {
    req: Pending,
    header: MessageHeader,
    /// The body: Avro binary of the schema its protocol and message type
    /// name, not decoded by libepp.
    #[pyo3(get)]
    body: Py<PyBytes>,
}

answerable_pymethods!(ProtocolMessage "message" {
    #[getter]
    fn protocol(&self) -> i32 {
        self.header.inner.protocol
    }

    #[getter]
    fn message_type(&self) -> i32 {
        self.header.inner.message_type
    }

    #[getter]
    fn correlation_id(&self) -> i64 {
        self.header.inner.correlation_id
    }

    #[getter]
    fn message_id(&self) -> i64 {
        self.header.inner.message_id
    }

    #[getter]
    fn message_flags(&self) -> i32 {
        self.header.inner.message_flags
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let h = &self.header.inner;
        format!(
            "<ProtocolMessage id={} protocol={} message_type={} message_id={} body={} bytes>",
            self.req.id.get(),
            h.protocol,
            h.message_type,
            h.message_id,
            self.body.bind(py).as_bytes().len()
        )
    }
});

/// The client's RenewSecurityToken: finish() accepts the token (nothing is
/// sent); raise_exception(EEXPIRED_TOKEN, ...) refuses it (and the host may
/// then close_session).
#[pyclass(frozen, module = "libepp.etp")]
struct TokenRenewal {
    req: Pending,
    header: MessageHeader,
    /// The new token.
    #[pyo3(get)]
    token: String,
}

answerable_pymethods!(TokenRenewal "renew_token" {
    fn __repr__(&self) -> String {
        format!(
            "<TokenRenewal id={} message_id={}>",
            self.req.id.get(),
            self.header.inner.message_id
        )
    }
});

/// The session opened: OpenSession was sent. News; takes no answer.
#[pyclass(frozen, module = "libepp.etp")]
struct SessionOpened {
    session: Py<Session>,
    header: MessageHeader,
    /// The client's applicationName.
    #[pyo3(get)]
    application_name: String,
    /// The client's applicationVersion.
    #[pyo3(get)]
    application_version: String,
    protocols: Vec<core::SupportedProtocol<'static>>,
    /// The client's supportedObjects.
    #[pyo3(get)]
    supported_objects: Vec<String>,
}

#[pymethods]
impl SessionOpened {
    #[classattr]
    fn kind() -> &'static str {
        "opened"
    }

    #[getter]
    fn session(&self, py: Python<'_>) -> Py<Session> {
        self.session.clone_ref(py)
    }

    /// The RequestSession's header.
    #[getter]
    fn header(&self) -> MessageHeader {
        self.header
    }

    /// The protocols negotiated, as sent in OpenSession.
    #[getter]
    fn protocols(&self) -> Vec<Protocol> {
        protocols_py(&self.protocols)
    }

    fn __repr__(&self) -> String {
        let ids: Vec<String> = self
            .protocols
            .iter()
            .map(|p| p.protocol.to_string())
            .collect();
        format!(
            "<SessionOpened application_name={} protocols=[{}]>",
            pyr(&self.application_name),
            ids.join(", ")
        )
    }
}

/// The client sent a Core ProtocolException. News; takes no answer.
#[pyclass(frozen, module = "libepp.etp")]
struct PeerException {
    session: Py<Session>,
    header: MessageHeader,
    #[pyo3(get)]
    error_code: i32,
    #[pyo3(get)]
    error_message: String,
}

#[pymethods]
impl PeerException {
    #[classattr]
    fn kind() -> &'static str {
        "peer_exception"
    }

    #[getter]
    fn session(&self, py: Python<'_>) -> Py<Session> {
        self.session.clone_ref(py)
    }

    /// Its header (correlation_id names the server's message).
    #[getter]
    fn header(&self) -> MessageHeader {
        self.header
    }

    /// The code's mnemonic (ENOROLE ... ENOT_FOUND), or None.
    #[getter]
    fn error_name(&self) -> Option<&'static str> {
        core::ErrorCode(self.error_code).mnemonic()
    }

    fn __repr__(&self) -> String {
        format!(
            "<PeerException error_code={} error_message={}>",
            self.error_code,
            pyr(&self.error_message)
        )
    }
}

/// The client sent a Core Acknowledge. News; takes no answer.
#[pyclass(frozen, module = "libepp.etp")]
struct Acknowledged {
    session: Py<Session>,
    header: MessageHeader,
}

#[pymethods]
impl Acknowledged {
    #[classattr]
    fn kind() -> &'static str {
        "acknowledged"
    }

    #[getter]
    fn session(&self, py: Python<'_>) -> Py<Session> {
        self.session.clone_ref(py)
    }

    /// Its header (correlation_id names the server's message).
    #[getter]
    fn header(&self) -> MessageHeader {
        self.header
    }

    fn __repr__(&self) -> String {
        format!(
            "<Acknowledged message_id={} correlation_id={}>",
            self.header.inner.message_id, self.header.inner.correlation_id
        )
    }
}

/// The session ended (or is ending): no more requests will come. Send what
/// remains and close the WebSocket once Session.is_finished. Takes no
/// answer.
#[pyclass(frozen, module = "libepp.etp")]
struct SessionEnd {
    session: Py<Session>,
    /// Why (a libepp.CloseReason).
    #[pyo3(get)]
    reason: Py<CloseReason>,
    /// The reason the client gave in its CloseSession, if any.
    #[pyo3(get)]
    message: Option<String>,
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
        format!(
            "SessionEnd(reason={}, message={})",
            pyr(self.reason.get().kind),
            py_opt_str(&self.message)
        )
    }
}

// ---------------------------------------------------------------------------
// the module
// ---------------------------------------------------------------------------

const MODULE_DOC: &str = "ETP 1.1 server sessions without I/O (libepp's ETP engine).

Config is what the server offers (plain data, validated once); Session is one
WebSocket's session: feed every binary message received to feed_message (read
no more while wants_input() is False), send every message poll_output returns
as one binary message, and handle every request poll_queue hands out; those
that take an answer (ProtocolMessage, TokenRenewal) answer themselves with
respond, raise_exception or finish. The Core messages and MessageHeader encode
and decode Avro binary (encode_message, split_message, decode_message).";

/// Creates `libepp._libepp.etp`, registered as `libepp.etp`.
pub(crate) fn register(parent: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = parent.py();
    let m = PyModule::new(py, "libepp.etp")?;
    m.setattr("__doc__", MODULE_DOC)?;
    m.add("PROTOCOL_CORE", core::PROTOCOL_CORE)?;
    m.add("PROTOCOL_DISCOVERY", core::PROTOCOL_DISCOVERY)?;
    m.add("PROTOCOL_STORE", core::PROTOCOL_STORE)?;
    m.add("FLAG_MULTI_PART", core::FLAG_MULTI_PART)?;
    m.add("FLAG_FINAL_PART", core::FLAG_FINAL_PART)?;
    m.add("MAX_PROTOCOLS", core::MAX_PROTOCOLS)?;
    let codes = PyDict::new(py);
    // Every code the core names (ETP 1.1's are 1 to 11).
    for code in 0..=255 {
        let c = core::ErrorCode(code);
        if let Some(name) = c.mnemonic() {
            m.add(name, code)?;
            codes.set_item(code, name)?;
        }
    }
    m.add("ERROR_CODES", codes)?;
    m.add_class::<Config>()?;
    m.add_class::<Protocol>()?;
    m.add_class::<DataValue>()?;
    m.add_class::<Session>()?;
    m.add_class::<RequestIterator>()?;
    m.add_class::<SessionOpened>()?;
    m.add_class::<ProtocolMessage>()?;
    m.add_class::<TokenRenewal>()?;
    m.add_class::<PeerException>()?;
    m.add_class::<Acknowledged>()?;
    m.add_class::<SessionEnd>()?;
    m.add_class::<MessageHeader>()?;
    m.add_class::<RequestSession>()?;
    m.add_class::<OpenSession>()?;
    m.add_class::<CloseSession>()?;
    m.add_class::<RenewSecurityToken>()?;
    m.add_class::<ProtocolException>()?;
    m.add_class::<Acknowledge>()?;
    // Anything poll_queue returns, for annotations (`etp.Request`).
    let request = py
        .import("typing")?
        .getattr("Union")?
        .get_item(PyTuple::new(
            py,
            [
                py.get_type::<SessionOpened>(),
                py.get_type::<ProtocolMessage>(),
                py.get_type::<TokenRenewal>(),
                py.get_type::<PeerException>(),
                py.get_type::<Acknowledged>(),
                py.get_type::<SessionEnd>(),
            ],
        )?)?;
    m.add("Request", request)?;
    m.add_function(wrap_pyfunction!(encode_message, &m)?)?;
    m.add_function(wrap_pyfunction!(split_message, &m)?)?;
    m.add_function(wrap_pyfunction!(decode_message, &m)?)?;
    m.add("DecodeError", py.get_type::<DecodeError>())?;
    parent.add_submodule(&m)?;
    py.import("sys")?
        .getattr("modules")?
        .set_item("libepp.etp", &m)?;
    Ok(())
}
