//! What an ETP session hands the host through
//! [`Session::poll_queue`](super::Session::poll_queue).

use super::messages::{ErrorCode, MessageHeader, SupportedProtocol};
use super::session::CloseReason;
use crate::request::RequestId;

/// Something the host must decide, or be told, in the order it happened.
///
/// [`Request::Message`] and [`Request::RenewToken`] carry a [`RequestId`]
/// and stay outstanding until the host finishes them
/// ([`Session::respond`](super::Session::respond) with a final message,
/// [`Session::raise`](super::Session::raise) or
/// [`Session::finish`](super::Session::finish)); the others are news and
/// take no answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Request {
    /// The session opened (OpenSession was sent).
    Opened(SessionOpened),
    /// A message of a negotiated protocol other than Core.
    Message(ProtocolMessage),
    /// The client sent RenewSecurityToken: [`Session::finish`](super::Session::finish)
    /// accepts the token; [`Session::raise`](super::Session::raise) refuses it.
    RenewToken(TokenRenewal),
    /// The client sent a Core ProtocolException.
    PeerException(PeerException),
    /// The client sent a Core Acknowledge.
    Acknowledged(MessageHeader),
    /// The session ended (or is ending): no more requests will come.
    SessionEnd(SessionEnd),
}

impl Request {
    /// The id to answer with, for a request that takes an answer.
    pub fn id(&self) -> Option<RequestId> {
        match self {
            Request::Message(m) => Some(m.id),
            Request::RenewToken(t) => Some(t.id),
            _ => None,
        }
    }
}

/// The session opened.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionOpened {
    /// The RequestSession's header.
    pub header: MessageHeader,
    /// The client's `applicationName`.
    pub application_name: String,
    /// The client's `applicationVersion`.
    pub application_version: String,
    /// The protocols negotiated, as sent in OpenSession.
    pub protocols: Vec<SupportedProtocol<'static>>,
    /// The client's `supportedObjects`.
    pub supported_objects: Vec<String>,
}

/// A message of a negotiated protocol, for the host to decode and answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolMessage {
    /// The id to answer with.
    pub id: RequestId,
    /// Its header.
    pub header: MessageHeader,
    /// Its body: Avro binary of the schema its protocol and message type
    /// name, not decoded by libepp.
    pub body: Vec<u8>,
}

/// The client's RenewSecurityToken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRenewal {
    /// The id to answer with.
    pub id: RequestId,
    /// Its header.
    pub header: MessageHeader,
    /// The new token.
    pub token: String,
}

/// The client's ProtocolException.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerException {
    /// Its header (`correlationId` names the server's message).
    pub header: MessageHeader,
    /// The error code.
    pub error_code: ErrorCode,
    /// The error message.
    pub error_message: String,
}

/// The session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEnd {
    /// Why.
    pub reason: CloseReason,
    /// The reason the client gave in its CloseSession, if any.
    pub message: Option<String>,
}
