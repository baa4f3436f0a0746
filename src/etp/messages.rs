//! ETP 1.1 Core messages and the records they use, with their Avro binary
//! encoding.
//!
//! Field orders and unions are those of the ETP 1.1 Avro schemas
//! (`Energistics.Datatypes.*` and `Energistics.Protocol.Core.*`, as
//! published with the ETP 1.1 specification of 2016-10-31). Decoding
//! borrows strings and bytes from the input ([`Cow::Borrowed`]);
//! `into_owned` makes a value independent of it.
//!
//! On the wire an ETP message is one WebSocket binary message: a
//! [`MessageHeader`] then the body, both Avro binary, nothing between them
//! and nothing after.

use std::borrow::Cow;
use std::fmt;

use super::avro::{
    write_array, write_boolean, write_bytes, write_double, write_float, write_int, write_long,
    write_map, write_string, write_union_index, DecodeError, Reader,
};

/// The Core protocol (session management).
pub const PROTOCOL_CORE: i32 = 0;
/// The Discovery protocol.
pub const PROTOCOL_DISCOVERY: i32 = 3;
/// The Store protocol.
pub const PROTOCOL_STORE: i32 = 4;

/// `messageFlags` bit: the message is a part of a multi-part message.
pub const FLAG_MULTI_PART: i32 = 0x01;
/// `messageFlags` bit: the final part of a multi-part message.
pub const FLAG_FINAL_PART: i32 = 0x02;

/// An Avro record of the ETP schemas: decoded in field order from a
/// [`Reader`], encoded in the same order.
pub trait Record<'a>: Sized {
    /// Reads the record's fields.
    fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError>;
    /// Appends the record's fields.
    fn encode(&self, out: &mut Vec<u8>);
}

/// A Core protocol message body.
pub trait CoreMessage<'a>: Record<'a> {
    /// Its `messageType` (with `protocol` 0).
    const MESSAGE_TYPE: i32;
    /// The schema's record name.
    const NAME: &'static str;
}

/// Decodes one whole record from `bytes`: bytes left after it are an
/// error.
pub fn decode<'a, T: Record<'a>>(bytes: &'a [u8]) -> Result<T, DecodeError> {
    let mut r = Reader::new(bytes);
    let v = T::decode(&mut r)?;
    r.finish()?;
    Ok(v)
}

/// Encodes a record on its own.
pub fn encode<'a, T: Record<'a>>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    value.encode(&mut out);
    out
}

/// Splits an ETP message into its header and its body's bytes (borrowed).
pub fn split_message(message: &[u8]) -> Result<(MessageHeader, &[u8]), DecodeError> {
    let mut r = Reader::new(message);
    let header = MessageHeader::decode(&mut r)?;
    Ok((header, r.rest()))
}

/// One ETP message: `header` then `body`.
pub fn encode_message<'a, T: Record<'a>>(header: &MessageHeader, body: &T) -> Vec<u8> {
    let mut out = Vec::new();
    header.encode(&mut out);
    body.encode(&mut out);
    out
}

/// An ETP error code, as carried by [`ProtocolException`]. The constants
/// are ETP 1.1's (specification appendix "Error Codes"); any other value
/// may be sent too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ErrorCode(pub i32);

impl ErrorCode {
    /// The agent does not support the requested role.
    pub const ENOROLE: ErrorCode = ErrorCode(1);
    /// The server supports none of the requested protocols.
    pub const ENOSUPPORTEDPROTOCOLS: ErrorCode = ErrorCode(2);
    /// The message type is invalid for its protocol.
    pub const EINVALID_MESSAGETYPE: ErrorCode = ErrorCode(3);
    /// The agent does not support the protocol of a message header.
    pub const EUNSUPPORTED_PROTOCOL: ErrorCode = ErrorCode(4);
    /// A logically invalid argument (here also: a body that does not
    /// decode).
    pub const EINVALID_ARGUMENT: ErrorCode = ErrorCode(5);
    /// Permission denied.
    pub const EPERMISSION_DENIED: ErrorCode = ErrorCode(6);
    /// The operation is not supported.
    pub const ENOTSUPPORTED: ErrorCode = ErrorCode(7);
    /// The message is not allowed in the protocol's current state.
    pub const EINVALID_STATE: ErrorCode = ErrorCode(8);
    /// The URI does not exist.
    pub const EINVALID_URI: ErrorCode = ErrorCode(9);
    /// The security token expired.
    pub const EEXPIRED_TOKEN: ErrorCode = ErrorCode(10);
    /// A resource was not found.
    pub const ENOT_FOUND: ErrorCode = ErrorCode(11);

    /// The specification's mnemonic for the code, when it is one of the
    /// above.
    pub fn mnemonic(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "ENOROLE",
            2 => "ENOSUPPORTEDPROTOCOLS",
            3 => "EINVALID_MESSAGETYPE",
            4 => "EUNSUPPORTED_PROTOCOL",
            5 => "EINVALID_ARGUMENT",
            6 => "EPERMISSION_DENIED",
            7 => "ENOTSUPPORTED",
            8 => "EINVALID_STATE",
            9 => "EINVALID_URI",
            10 => "EEXPIRED_TOKEN",
            11 => "ENOT_FOUND",
            _ => return None,
        })
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mnemonic() {
            Some(m) => write!(f, "{} ({m})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

// ---------------------------------------------------------------------------
// Datatypes
// ---------------------------------------------------------------------------

/// `Energistics.Datatypes.MessageHeader`: `protocol` int, `messageType`
/// int, `correlationId` long, `messageId` long, `messageFlags` int.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MessageHeader {
    /// The protocol the message belongs to.
    pub protocol: i32,
    /// The message type within the protocol.
    pub message_type: i32,
    /// The `messageId` of the message this one answers (0: none).
    pub correlation_id: i64,
    /// The sender's id for this message (from 1, increasing).
    pub message_id: i64,
    /// Bit flags ([`FLAG_MULTI_PART`], [`FLAG_FINAL_PART`], ...).
    pub message_flags: i32,
}

impl MessageHeader {
    /// Whether the message ends what it answers: not a part of a
    /// multi-part message, or its final part.
    pub fn is_final(&self) -> bool {
        self.message_flags & FLAG_MULTI_PART == 0 || self.message_flags & FLAG_FINAL_PART != 0
    }
}

impl Record<'_> for MessageHeader {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(MessageHeader {
            protocol: r.read_int()?,
            message_type: r.read_int()?,
            correlation_id: r.read_long()?,
            message_id: r.read_long()?,
            message_flags: r.read_int()?,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        write_int(out, self.protocol);
        write_int(out, self.message_type);
        write_long(out, self.correlation_id);
        write_long(out, self.message_id);
        write_int(out, self.message_flags);
    }
}

/// `Energistics.Datatypes.Version`: `major`, `minor`, `revision`, `patch`,
/// all int.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Version {
    /// Major.
    pub major: i32,
    /// Minor.
    pub minor: i32,
    /// Revision.
    pub revision: i32,
    /// Patch.
    pub patch: i32,
}

impl Version {
    /// 1.1.0.0, the protocol version of ETP 1.1's protocols.
    pub const V1_1: Version = Version::new(1, 1, 0, 0);

    /// A version.
    pub const fn new(major: i32, minor: i32, revision: i32, patch: i32) -> Version {
        Version {
            major,
            minor,
            revision,
            patch,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}.{}",
            self.major, self.minor, self.revision, self.patch
        )
    }
}

impl Record<'_> for Version {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Version {
            major: r.read_int()?,
            minor: r.read_int()?,
            revision: r.read_int()?,
            patch: r.read_int()?,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        write_int(out, self.major);
        write_int(out, self.minor);
        write_int(out, self.revision);
        write_int(out, self.patch);
    }
}

/// `Energistics.Datatypes.DataValue`: one field, `item`, a union of (in
/// this order, which is the branch index on the wire) `null`, `double`,
/// `float`, `int`, `long`, `string`, `Energistics.Datatypes.ArrayOfDouble`
/// (a record of one field, `values`, an array of double), `boolean`,
/// `bytes`.
#[derive(Debug, Clone, PartialEq)]
pub enum DataValue<'a> {
    /// Branch 0.
    Null,
    /// Branch 1.
    Double(f64),
    /// Branch 2.
    Float(f32),
    /// Branch 3.
    Int(i32),
    /// Branch 4.
    Long(i64),
    /// Branch 5.
    String(Cow<'a, str>),
    /// Branch 6: `ArrayOfDouble.values`.
    ArrayOfDouble(Vec<f64>),
    /// Branch 7.
    Boolean(bool),
    /// Branch 8.
    Bytes(Cow<'a, [u8]>),
}

impl DataValue<'_> {
    /// The value without borrowing from the input.
    pub fn into_owned(self) -> DataValue<'static> {
        match self {
            DataValue::Null => DataValue::Null,
            DataValue::Double(v) => DataValue::Double(v),
            DataValue::Float(v) => DataValue::Float(v),
            DataValue::Int(v) => DataValue::Int(v),
            DataValue::Long(v) => DataValue::Long(v),
            DataValue::String(v) => DataValue::String(Cow::Owned(v.into_owned())),
            DataValue::ArrayOfDouble(v) => DataValue::ArrayOfDouble(v),
            DataValue::Boolean(v) => DataValue::Boolean(v),
            DataValue::Bytes(v) => DataValue::Bytes(Cow::Owned(v.into_owned())),
        }
    }
}

impl<'a> Record<'a> for DataValue<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(match r.read_union_index(9)? {
            0 => DataValue::Null,
            1 => DataValue::Double(r.read_double()?),
            2 => DataValue::Float(r.read_float()?),
            3 => DataValue::Int(r.read_int()?),
            4 => DataValue::Long(r.read_long()?),
            5 => DataValue::String(Cow::Borrowed(r.read_string()?)),
            6 => DataValue::ArrayOfDouble(r.read_array(8, |r| r.read_double())?),
            7 => DataValue::Boolean(r.read_boolean()?),
            _ => DataValue::Bytes(Cow::Borrowed(r.read_bytes()?)),
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            DataValue::Null => write_union_index(out, 0),
            DataValue::Double(v) => {
                write_union_index(out, 1);
                write_double(out, *v);
            }
            DataValue::Float(v) => {
                write_union_index(out, 2);
                write_float(out, *v);
            }
            DataValue::Int(v) => {
                write_union_index(out, 3);
                write_int(out, *v);
            }
            DataValue::Long(v) => {
                write_union_index(out, 4);
                write_long(out, *v);
            }
            DataValue::String(v) => {
                write_union_index(out, 5);
                write_string(out, v);
            }
            DataValue::ArrayOfDouble(v) => {
                write_union_index(out, 6);
                write_array(out, v, |o, d| write_double(o, *d));
            }
            DataValue::Boolean(v) => {
                write_union_index(out, 7);
                write_boolean(out, *v);
            }
            DataValue::Bytes(v) => {
                write_union_index(out, 8);
                write_bytes(out, v);
            }
        }
    }
}

/// Fewest bytes a `DataValue` takes (its branch index).
const MIN_DATA_VALUE: usize = 1;

/// `Energistics.Datatypes.SupportedProtocol`: `protocol` int,
/// `protocolVersion` Version, `role` string, `protocolCapabilities` map of
/// DataValue.
#[derive(Debug, Clone, PartialEq)]
pub struct SupportedProtocol<'a> {
    /// The protocol id.
    pub protocol: i32,
    /// Its version.
    pub protocol_version: Version,
    /// In a request, the role the client asks the server to play; in an
    /// answer, the role the server plays.
    pub role: Cow<'a, str>,
    /// Capabilities, in their order on the wire.
    pub protocol_capabilities: Vec<(Cow<'a, str>, DataValue<'a>)>,
}

/// Fewest bytes a `SupportedProtocol` takes: an int, four ints, an empty
/// string, an empty map.
const MIN_SUPPORTED_PROTOCOL: usize = 7;

impl SupportedProtocol<'_> {
    /// A protocol entry without capabilities.
    pub fn new(
        protocol: i32,
        version: Version,
        role: impl Into<String>,
    ) -> SupportedProtocol<'static> {
        SupportedProtocol {
            protocol,
            protocol_version: version,
            role: Cow::Owned(role.into()),
            protocol_capabilities: Vec::new(),
        }
    }

    /// The entry without borrowing from the input.
    pub fn into_owned(self) -> SupportedProtocol<'static> {
        SupportedProtocol {
            protocol: self.protocol,
            protocol_version: self.protocol_version,
            role: Cow::Owned(self.role.into_owned()),
            protocol_capabilities: self
                .protocol_capabilities
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                .collect(),
        }
    }
}

impl<'a> Record<'a> for SupportedProtocol<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(SupportedProtocol {
            protocol: r.read_int()?,
            protocol_version: Version::decode(r)?,
            role: Cow::Borrowed(r.read_string()?),
            // A map is an array of (key, value) pairs on the wire; read it
            // as such so that the pairs are built once.
            protocol_capabilities: r.read_array(1 + MIN_DATA_VALUE, |r| {
                let k = Cow::Borrowed(r.read_string()?);
                Ok((k, DataValue::decode(r)?))
            })?,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        write_int(out, self.protocol);
        self.protocol_version.encode(out);
        write_string(out, &self.role);
        write_map(out, &self.protocol_capabilities, |o, v| v.encode(o));
    }
}

fn read_protocols<'a>(r: &mut Reader<'a>) -> Result<Vec<SupportedProtocol<'a>>, DecodeError> {
    r.read_array(MIN_SUPPORTED_PROTOCOL, SupportedProtocol::decode)
}

fn read_strings<'a>(r: &mut Reader<'a>) -> Result<Vec<Cow<'a, str>>, DecodeError> {
    r.read_array(1, |r| r.read_string().map(Cow::Borrowed))
}

fn write_protocols(out: &mut Vec<u8>, v: &[SupportedProtocol<'_>]) {
    write_array(out, v, |o, p| p.encode(o));
}

fn write_strings(out: &mut Vec<u8>, v: &[Cow<'_, str>]) {
    write_array(out, v, |o, s| write_string(o, s));
}

fn owned_strings(v: Vec<Cow<'_, str>>) -> Vec<Cow<'static, str>> {
    v.into_iter().map(|s| Cow::Owned(s.into_owned())).collect()
}

// ---------------------------------------------------------------------------
// Core messages
// ---------------------------------------------------------------------------

/// `Energistics.Protocol.Core.RequestSession` (message type 1, client to
/// server): `applicationName` string, `applicationVersion` string,
/// `requestedProtocols` array of SupportedProtocol, `supportedObjects`
/// array of string.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestSession<'a> {
    /// The client's name.
    pub application_name: Cow<'a, str>,
    /// The client's version.
    pub application_version: Cow<'a, str>,
    /// The protocols asked for, each with the role the server should play.
    pub requested_protocols: Vec<SupportedProtocol<'a>>,
    /// The client's data objects.
    pub supported_objects: Vec<Cow<'a, str>>,
}

impl RequestSession<'_> {
    /// The message without borrowing from the input.
    pub fn into_owned(self) -> RequestSession<'static> {
        RequestSession {
            application_name: Cow::Owned(self.application_name.into_owned()),
            application_version: Cow::Owned(self.application_version.into_owned()),
            requested_protocols: self
                .requested_protocols
                .into_iter()
                .map(SupportedProtocol::into_owned)
                .collect(),
            supported_objects: owned_strings(self.supported_objects),
        }
    }
}

impl<'a> Record<'a> for RequestSession<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(RequestSession {
            application_name: Cow::Borrowed(r.read_string()?),
            application_version: Cow::Borrowed(r.read_string()?),
            requested_protocols: read_protocols(r)?,
            supported_objects: read_strings(r)?,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        write_string(out, &self.application_name);
        write_string(out, &self.application_version);
        write_protocols(out, &self.requested_protocols);
        write_strings(out, &self.supported_objects);
    }
}

impl<'a> CoreMessage<'a> for RequestSession<'a> {
    const MESSAGE_TYPE: i32 = 1;
    const NAME: &'static str = "RequestSession";
}

/// `Energistics.Protocol.Core.OpenSession` (message type 2, server to
/// client): `applicationName` string, `applicationVersion` string,
/// `sessionId` string, `supportedProtocols` array of SupportedProtocol,
/// `supportedObjects` array of string.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenSession<'a> {
    /// The server's name.
    pub application_name: Cow<'a, str>,
    /// The server's version.
    pub application_version: Cow<'a, str>,
    /// The session's UUID.
    pub session_id: Cow<'a, str>,
    /// The requested protocols the server supports.
    pub supported_protocols: Vec<SupportedProtocol<'a>>,
    /// The server's data objects.
    pub supported_objects: Vec<Cow<'a, str>>,
}

impl<'a> Record<'a> for OpenSession<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(OpenSession {
            application_name: Cow::Borrowed(r.read_string()?),
            application_version: Cow::Borrowed(r.read_string()?),
            session_id: Cow::Borrowed(r.read_string()?),
            supported_protocols: read_protocols(r)?,
            supported_objects: read_strings(r)?,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        write_string(out, &self.application_name);
        write_string(out, &self.application_version);
        write_string(out, &self.session_id);
        write_protocols(out, &self.supported_protocols);
        write_strings(out, &self.supported_objects);
    }
}

impl<'a> CoreMessage<'a> for OpenSession<'a> {
    const MESSAGE_TYPE: i32 = 2;
    const NAME: &'static str = "OpenSession";
}

/// `Energistics.Protocol.Core.CloseSession` (message type 5, either side):
/// `reason`, a union of `null` (branch 0) and `string` (branch 1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CloseSession<'a> {
    /// Why the session ends.
    pub reason: Option<Cow<'a, str>>,
}

impl<'a> Record<'a> for CloseSession<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let reason = match r.read_union_index(2)? {
            0 => None,
            _ => Some(Cow::Borrowed(r.read_string()?)),
        };
        Ok(CloseSession { reason })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match &self.reason {
            None => write_union_index(out, 0),
            Some(s) => {
                write_union_index(out, 1);
                write_string(out, s);
            }
        }
    }
}

impl<'a> CoreMessage<'a> for CloseSession<'a> {
    const MESSAGE_TYPE: i32 = 5;
    const NAME: &'static str = "CloseSession";
}

/// `Energistics.Protocol.Core.RenewSecurityToken` (message type 6, client
/// to server): `token` string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewSecurityToken<'a> {
    /// The new token, as in the authorization header.
    pub token: Cow<'a, str>,
}

impl<'a> Record<'a> for RenewSecurityToken<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(RenewSecurityToken {
            token: Cow::Borrowed(r.read_string()?),
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        write_string(out, &self.token);
    }
}

impl<'a> CoreMessage<'a> for RenewSecurityToken<'a> {
    const MESSAGE_TYPE: i32 = 6;
    const NAME: &'static str = "RenewSecurityToken";
}

/// `Energistics.Protocol.Core.ProtocolException` (message type 1000, either
/// side, in any protocol): `errorCode` int, `errorMessage` string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolException<'a> {
    /// The error code.
    pub error_code: ErrorCode,
    /// What went wrong (starting with the code's mnemonic, as the
    /// specification suggests).
    pub error_message: Cow<'a, str>,
}

impl<'a> Record<'a> for ProtocolException<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(ProtocolException {
            error_code: ErrorCode(r.read_int()?),
            error_message: Cow::Borrowed(r.read_string()?),
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        write_int(out, self.error_code.0);
        write_string(out, &self.error_message);
    }
}

impl<'a> CoreMessage<'a> for ProtocolException<'a> {
    const MESSAGE_TYPE: i32 = 1000;
    const NAME: &'static str = "ProtocolException";
}

/// `Energistics.Protocol.Core.Acknowledge` (message type 1001, either side,
/// in any protocol): no fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Acknowledge;

impl Record<'_> for Acknowledge {
    fn decode(_: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Acknowledge)
    }

    fn encode(&self, _: &mut Vec<u8>) {}
}

impl CoreMessage<'_> for Acknowledge {
    const MESSAGE_TYPE: i32 = 1001;
    const NAME: &'static str = "Acknowledge";
}

// ---------------------------------------------------------------------------
// Parsing one input message
// ---------------------------------------------------------------------------

/// A Core message body, decoded by its message type.
#[derive(Debug)]
pub(crate) enum CoreBody<'a> {
    RequestSession(RequestSession<'a>),
    OpenSession,
    CloseSession(CloseSession<'a>),
    RenewSecurityToken(RenewSecurityToken<'a>),
    ProtocolException(ProtocolException<'a>),
    Acknowledge,
    /// A message type Core does not define.
    Unknown,
}

/// One input message: its header, and its body decoded (Core) or not.
#[derive(Debug)]
pub(crate) struct Parsed<'a> {
    pub header: MessageHeader,
    pub body: Body<'a>,
}

/// What follows the header.
#[derive(Debug)]
pub(crate) enum Body<'a> {
    /// Protocol 0: decoded, or why not.
    Core(Result<CoreBody<'a>, DecodeError>),
    /// Any other protocol: the raw bytes.
    Other(&'a [u8]),
}

fn whole<'a, T: Record<'a>>(mut r: Reader<'a>) -> Result<T, DecodeError> {
    let v = T::decode(&mut r)?;
    r.finish()?;
    Ok(v)
}

/// Parses one input message. Fails only when the header does not decode;
/// a Core body that does not decode (trailing bytes included) is reported
/// in [`Body::Core`]. Error offsets count from the start of the message.
pub(crate) fn parse_message(message: &[u8]) -> Result<Parsed<'_>, DecodeError> {
    let mut r = Reader::new(message);
    let header = MessageHeader::decode(&mut r)?;
    if header.protocol != PROTOCOL_CORE {
        return Ok(Parsed {
            header,
            body: Body::Other(r.rest()),
        });
    }
    let body = match header.message_type {
        RequestSession::MESSAGE_TYPE => whole(r).map(CoreBody::RequestSession),
        // A server never takes one, whatever its body.
        OpenSession::MESSAGE_TYPE => Ok(CoreBody::OpenSession),
        CloseSession::MESSAGE_TYPE => whole(r).map(CoreBody::CloseSession),
        RenewSecurityToken::MESSAGE_TYPE => whole(r).map(CoreBody::RenewSecurityToken),
        ProtocolException::MESSAGE_TYPE => whole(r).map(CoreBody::ProtocolException),
        Acknowledge::MESSAGE_TYPE => whole::<Acknowledge>(r).map(|_| CoreBody::Acknowledge),
        _ => Ok(CoreBody::Unknown),
    };
    Ok(Parsed {
        header,
        body: Body::Core(body),
    })
}

/// The name of Core message type `t`, if Core defines it.
pub(crate) fn core_name(t: i32) -> Option<&'static str> {
    Some(match t {
        RequestSession::MESSAGE_TYPE => RequestSession::NAME,
        OpenSession::MESSAGE_TYPE => OpenSession::NAME,
        CloseSession::MESSAGE_TYPE => CloseSession::NAME,
        RenewSecurityToken::MESSAGE_TYPE => RenewSecurityToken::NAME,
        ProtocolException::MESSAGE_TYPE => ProtocolException::NAME,
        Acknowledge::MESSAGE_TYPE => Acknowledge::NAME,
        _ => return None,
    })
}
