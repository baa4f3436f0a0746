//! What the host must decide: the items [`Session::poll_queue`] hands out.
//!
//! [`Session::poll_queue`]: crate::Session::poll_queue

use std::fmt;

use std::sync::Arc;

use crate::login_security::UserAgent;
use crate::result_code::ResultCode;
use crate::trid::{ServerTransactionId, TransactionId};

/// Identifies one request handed to the host; the answer names it.
///
/// Ids are unique within a session and never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub(crate) u64);

impl RequestId {
    /// The id as a number (for logs and foreign bindings).
    pub const fn get(self) -> u64 {
        self.0
    }

    /// Rebuilds an id from [`RequestId::get`] (for foreign bindings).
    pub const fn from_raw(raw: u64) -> RequestId {
        RequestId(raw)
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The next thing the host must decide.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Request {
    /// A `<login>` passed every protocol check; authenticate it and answer
    /// with [`Session::answer_login`](crate::Session::answer_login).
    /// (Boxed, as is [`Request::Command`], so that the queue stays small.)
    Login(Box<LoginRequest>),
    /// `<poll op="req">`: answer with
    /// [`Session::answer_poll`](crate::Session::answer_poll).
    Poll(PollRequest),
    /// `<poll op="ack" msgID>`: answer with
    /// [`Session::answer_ack`](crate::Session::answer_ack).
    PollAck(PollAckRequest),
    /// An object command (check, info, create, ...): answer with
    /// [`Session::answer_command`](crate::Session::answer_command).
    Command(Box<ObjectCommand>),
    /// A protocol extension (RFC 3735: `<epp><extension>`, a command outside
    /// `<command>`) whose every element's namespace the client logged in
    /// with: answer with
    /// [`Session::answer_command`](crate::Session::answer_command) (or
    /// [`Session::answer_failure`](crate::Session::answer_failure)).
    Extension(Box<ExtensionCommand>),
    /// The session will process no more input. Answer what is still
    /// outstanding (or not: the answers may be dropped), write the remaining
    /// output, and close the connection once
    /// [`Session::is_finished`](crate::Session::is_finished). Needs no answer.
    SessionEnd(SessionEnd),
}

impl Request {
    /// The id to answer with; `None` for [`Request::SessionEnd`].
    pub fn id(&self) -> Option<RequestId> {
        match self {
            Request::Login(r) => Some(r.id),
            Request::Poll(r) => Some(r.id),
            Request::PollAck(r) => Some(r.id),
            Request::Command(r) => Some(r.id),
            Request::Extension(r) => Some(r.id),
            Request::SessionEnd(_) => None,
        }
    }

    /// What kind of request this is.
    pub fn kind(&self) -> RequestKind {
        match self {
            Request::Login(_) => RequestKind::Login,
            Request::Poll(_) => RequestKind::Poll,
            Request::PollAck(_) => RequestKind::PollAck,
            Request::Command(_) => RequestKind::Command,
            Request::Extension(_) => RequestKind::Extension,
            Request::SessionEnd(_) => RequestKind::SessionEnd,
        }
    }
}

/// The kinds of [`Request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// [`Request::Login`].
    Login,
    /// [`Request::Poll`].
    Poll,
    /// [`Request::PollAck`].
    PollAck,
    /// [`Request::Command`].
    Command,
    /// [`Request::Extension`].
    Extension,
    /// [`Request::SessionEnd`].
    SessionEnd,
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequestKind::Login => "login",
            RequestKind::Poll => "poll",
            RequestKind::PollAck => "poll ack",
            RequestKind::Command => "command",
            RequestKind::Extension => "extension",
            RequestKind::SessionEnd => "session end",
        })
    }
}

/// A `<login>` to authenticate. Version, language, objURIs and extURIs have
/// already been checked against the server configuration.
#[derive(Clone, PartialEq)]
pub struct LoginRequest {
    /// The id to answer with.
    pub id: RequestId,
    /// `<clID>`: the registrar's client identifier.
    pub client_id: String,
    /// `<pw>`: the current password. When the server offers RFC 8807
    /// ([`ServerConfigBuilder::login_security`](crate::ServerConfigBuilder::login_security))
    /// and `<pw>` is `[LOGIN-SECURITY]`, this is `<loginSec:pw>`: always
    /// the real password, however it came.
    pub password: String,
    /// `<newPW>`: a new password to set if the login succeeds (the real
    /// one, from `<loginSec:newPW>` behind `[LOGIN-SECURITY]`, likewise).
    pub new_password: Option<String>,
    /// `<options><lang>`.
    pub lang: String,
    /// `<svcs><objURI>`s the client asked for.
    pub object_uris: Vec<String>,
    /// `<svcExtension><extURI>`s the client asked for.
    pub extension_uris: Vec<String>,
    /// The children of the command's `<extension>`, each standing alone.
    /// `<loginSec:loginSec>` is not among them when the server offers RFC
    /// 8807: it is read into `password`, `new_password` and `user_agent`.
    pub extension_xml: Option<String>,
    /// `<loginSec:userAgent>` (RFC 8807): the client software, when it said.
    pub user_agent: Option<UserAgent>,
    /// `<clTRID>`, when the client sent a valid one.
    pub client_transaction_id: Option<TransactionId>,
    /// The svTRID the response to this request will carry, for the host's
    /// own records (it is set aside when the frame is read).
    pub server_transaction_id: ServerTransactionId,
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print passwords.
        f.debug_struct("LoginRequest")
            .field("id", &self.id)
            .field("client_id", &self.client_id)
            .field("password", &"<redacted>")
            .field(
                "new_password",
                &self.new_password.as_ref().map(|_| "<redacted>"),
            )
            .field("lang", &self.lang)
            .field("object_uris", &self.object_uris)
            .field("extension_uris", &self.extension_uris)
            .field("user_agent", &self.user_agent)
            .field("client_transaction_id", &self.client_transaction_id)
            .field("server_transaction_id", &self.server_transaction_id)
            .finish()
    }
}

/// `<poll op="req"/>`: return the oldest message of the logged-in client.
#[derive(Debug, Clone, PartialEq)]
pub struct PollRequest {
    /// The id to answer with.
    pub id: RequestId,
    /// The logged-in client (`<clID>` of its login).
    pub client_id: Arc<str>,
    /// The command's `<extension>` children (in namespaces the client
    /// logged in with), concatenated, each standing alone.
    pub extension_xml: Option<String>,
    /// `<clTRID>`, when the client sent a valid one.
    pub client_transaction_id: Option<TransactionId>,
    /// The svTRID the response to this request will carry, for the host's
    /// own records (it is set aside when the frame is read).
    pub server_transaction_id: ServerTransactionId,
}

/// `<poll op="ack" msgID="..."/>`: remove a message from the logged-in
/// client's queue.
#[derive(Debug, Clone, PartialEq)]
pub struct PollAckRequest {
    /// The id to answer with.
    pub id: RequestId,
    /// The logged-in client (`<clID>` of its login).
    pub client_id: Arc<str>,
    /// The message to remove. Message ids are numeric (`protocol.md`); a
    /// non-numeric `msgID` is answered 2303 without asking the host.
    pub message_id: u64,
    /// The command's `<extension>` children (in namespaces the client
    /// logged in with), concatenated, each standing alone.
    pub extension_xml: Option<String>,
    /// `<clTRID>`, when the client sent a valid one.
    pub client_transaction_id: Option<TransactionId>,
    /// The svTRID the response to this request will carry, for the host's
    /// own records (it is set aside when the frame is read).
    pub server_transaction_id: ServerTransactionId,
}

/// The command verbs that act on objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandVerb {
    /// `<check>`.
    Check,
    /// `<info>`.
    Info,
    /// `<create>`.
    Create,
    /// `<update>`.
    Update,
    /// `<delete>`.
    Delete,
    /// `<renew>`.
    Renew,
    /// `<transfer>`.
    Transfer,
}

impl CommandVerb {
    /// The element name.
    pub fn as_str(self) -> &'static str {
        match self {
            CommandVerb::Check => "check",
            CommandVerb::Info => "info",
            CommandVerb::Create => "create",
            CommandVerb::Update => "update",
            CommandVerb::Delete => "delete",
            CommandVerb::Renew => "renew",
            CommandVerb::Transfer => "transfer",
        }
    }
}

impl fmt::Display for CommandVerb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `<transfer op>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferOp {
    /// `op="request"`.
    Request,
    /// `op="approve"`.
    Approve,
    /// `op="cancel"`.
    Cancel,
    /// `op="query"`.
    Query,
    /// `op="reject"`.
    Reject,
}

impl TransferOp {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            TransferOp::Request => "request",
            TransferOp::Approve => "approve",
            TransferOp::Cancel => "cancel",
            TransferOp::Query => "query",
            TransferOp::Reject => "reject",
        }
    }
}

/// An object command for the host's business logic. The object namespace is
/// one the client logged in with, and every extension namespace one of its
/// extURIs.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectCommand {
    /// The id to answer with.
    pub id: RequestId,
    /// The logged-in client (`<clID>` of its login).
    pub client_id: Arc<str>,
    /// The command verb.
    pub verb: CommandVerb,
    /// For [`CommandVerb::Transfer`], its `op`.
    pub transfer_op: Option<TransferOp>,
    /// The namespace URI of the object element (e.g.
    /// `urn:ietf:params:xml:ns:domain-1.0`).
    pub object_uri: String,
    /// The object element (e.g. `<domain:check>...</domain:check>`) with
    /// the namespace declarations it inherits added, so it parses alone.
    pub object_xml: String,
    /// The namespace URIs of the `<extension>` children, in order.
    pub extension_uris: Vec<String>,
    /// The `<extension>` children, concatenated, each standing alone.
    pub extension_xml: Option<String>,
    /// `<clTRID>`, when the client sent a valid one.
    pub client_transaction_id: Option<TransactionId>,
    /// The svTRID the response to this request will carry, for the host's
    /// own records (it is set aside when the frame is read).
    pub server_transaction_id: ServerTransactionId,
}

/// A protocol extension command (RFC 3735): the children of
/// `<epp><extension>`, a command that stands outside `<command>`
/// (epp-1.0.xsd `extAnyType`). Every element's namespace is one of the
/// client's login extURIs. It carries no EPP `<clTRID>`: a transaction id,
/// if any, is the extension's own.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtensionCommand {
    /// The id to answer with.
    pub id: RequestId,
    /// The logged-in client (`<clID>` of its login).
    pub client_id: Arc<str>,
    /// The namespace URIs of the `<extension>` children, in order.
    pub extension_uris: Vec<String>,
    /// The `<extension>` children, concatenated, each standing alone (the
    /// namespace declarations it inherits added).
    pub extension_xml: String,
    /// The svTRID the response to this request will carry, for the host's
    /// own records (it is set aside when the frame is read).
    pub server_transaction_id: ServerTransactionId,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The client sent `<logout>`.
    Logout,
    /// The client did not log in before the login deadline.
    LoginDeadline,
    /// No frame arrived for the idle timeout.
    IdleTimeout,
    /// A frame length could not be accepted (2500 was sent).
    BadFrameLength {
        /// The length the client announced.
        length: u32,
        /// The largest length the server accepts.
        limit: u32,
    },
    /// The peer closed its side between frames.
    PeerClosed,
    /// The peer closed its side in the middle of a frame.
    PeerClosedMidFrame {
        /// Bytes of the unfinished frame received (header included).
        received: usize,
    },
    /// Too many failed logins (2501 was sent).
    TooManyFailedLogins,
    /// The registrar is over its session limit (2502 was sent).
    SessionLimitExceeded,
    /// The host answered with a 25xx code, which closes the session.
    ClosingResponse(ResultCode),
    /// The host closed the session.
    Host,
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseReason::Logout => f.write_str("client logged out"),
            CloseReason::LoginDeadline => f.write_str("login deadline passed"),
            CloseReason::IdleTimeout => f.write_str("idle timeout"),
            CloseReason::BadFrameLength { length, limit } => {
                write!(f, "frame length {length} outside 5..={limit}")
            }
            CloseReason::PeerClosed => f.write_str("peer closed the connection"),
            CloseReason::PeerClosedMidFrame { received } => {
                write!(
                    f,
                    "peer closed the connection inside a frame ({received} bytes received)"
                )
            }
            CloseReason::TooManyFailedLogins => f.write_str("too many failed logins"),
            CloseReason::SessionLimitExceeded => f.write_str("registrar session limit exceeded"),
            CloseReason::ClosingResponse(code) => write!(f, "closing response {}", code.code()),
            CloseReason::Host => f.write_str("closed by the host"),
        }
    }
}

/// The session will process no more input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionEnd {
    /// Why.
    pub reason: CloseReason,
}
