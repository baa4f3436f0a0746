//! What the client engine hands out and takes in: commands, the events of
//! [`ClientSession::poll_queue`](super::ClientSession::poll_queue), and the
//! parsed greeting and responses.

use std::fmt;
use std::time::SystemTime;

use crate::request::{CommandVerb, TransferOp};
use crate::response::EppResult;
use crate::result_code::ResultCode;

/// The RFC 8807 login security extension namespace.
pub const LOGIN_SEC_NS: &str = "urn:ietf:params:xml:ns:epp:loginSec-1.0";

/// What RFC 8807 puts in `<pw>` (and `<newPW>`) when the real password
/// travels in the extension.
pub const LOGIN_SEC_PLACEHOLDER: &str = "[LOGIN-SECURITY]";

/// Identifies one command given to a [`ClientSession`](super::ClientSession);
/// the events about it name it. Unique within a session, never reused,
/// increasing in the order the commands were given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommandId(pub(crate) u64);

impl CommandId {
    /// The id as a number (for logs and foreign bindings).
    pub const fn get(self) -> u64 {
        self.0
    }

    /// Rebuilds an id from [`CommandId::get`] (for foreign bindings).
    pub const fn from_raw(raw: u64) -> CommandId {
        CommandId(raw)
    }
}

impl fmt::Display for CommandId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The kinds of [`Command`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandKind {
    /// `<hello>`: answered by a greeting.
    Hello,
    /// `<login>`.
    Login,
    /// `<logout>`.
    Logout,
    /// `<poll op="req">`.
    PollRequest,
    /// `<poll op="ack">`.
    PollAck,
    /// An object command (`<check>`, `<info>`, ... around an object element).
    Object(CommandVerb),
}

impl fmt::Display for CommandKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandKind::Hello => f.write_str("hello"),
            CommandKind::Login => f.write_str("login"),
            CommandKind::Logout => f.write_str("logout"),
            CommandKind::PollRequest => f.write_str("poll req"),
            CommandKind::PollAck => f.write_str("poll ack"),
            CommandKind::Object(v) => write!(f, "{v}"),
        }
    }
}

/// What a command carries, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Body {
    Hello,
    Login,
    Logout,
    PollRequest,
    PollAck(String),
    Object {
        verb: CommandVerb,
        transfer_op: Option<TransferOp>,
        xml: String,
    },
}

/// A command for [`ClientSession::send`](super::ClientSession::send).
///
/// ```
/// use epp::CommandVerb;
/// use epp::client::Command;
///
/// let check = Command::object(
///     CommandVerb::Check,
///     r#"<domain:check xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">
///          <domain:name>example.com</domain:name></domain:check>"#,
/// )
/// .with_cl_trid("ABC-12345")
/// .with_tag(7);
/// assert_eq!(check.tag(), Some(7));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub(crate) body: Body,
    pub(crate) extension: Option<String>,
    pub(crate) cl_trid: Option<String>,
    pub(crate) tag: Option<u64>,
}

impl Command {
    fn new(body: Body) -> Command {
        Command {
            body,
            extension: None,
            cl_trid: None,
            tag: None,
        }
    }

    /// `<hello>` (it takes no extension and no clTRID).
    pub fn hello() -> Command {
        Command::new(Body::Hello)
    }

    /// `<login>` with the configuration's credentials and the services
    /// negotiated against the latest greeting.
    pub fn login() -> Command {
        Command::new(Body::Login)
    }

    /// `<logout>`.
    pub fn logout() -> Command {
        Command::new(Body::Logout)
    }

    /// `<poll op="req">`.
    pub fn poll_request() -> Command {
        Command::new(Body::PollRequest)
    }

    /// `<poll op="ack" msgID="...">`.
    pub fn poll_ack(message_id: impl Into<String>) -> Command {
        Command::new(Body::PollAck(message_id.into()))
    }

    /// An object command: `verb` around `object_xml`, the object element
    /// (for example `<domain:check xmlns:domain="...">...</domain:check>`),
    /// which must declare its own namespaces. For a transfer use
    /// [`Command::transfer`].
    pub fn object(verb: CommandVerb, object_xml: impl Into<String>) -> Command {
        Command::new(Body::Object {
            verb,
            transfer_op: None,
            xml: object_xml.into(),
        })
    }

    /// `<transfer op="...">` around `object_xml`.
    pub fn transfer(op: TransferOp, object_xml: impl Into<String>) -> Command {
        Command::new(Body::Object {
            verb: CommandVerb::Transfer,
            transfer_op: Some(op),
            xml: object_xml.into(),
        })
    }

    /// Adds `<extension>` content: one or more elements, each in a
    /// namespace among the session's extURIs, each declaring its own
    /// namespaces.
    pub fn with_extension(mut self, xml: impl Into<String>) -> Command {
        self.extension = Some(xml.into());
        self
    }

    /// Uses this clTRID (3 to 64 characters) instead of a generated one.
    pub fn with_cl_trid(mut self, cl_trid: impl Into<String>) -> Command {
        self.cl_trid = Some(cl_trid.into());
        self
    }

    /// A number of the caller's, returned with every event about the
    /// command.
    pub fn with_tag(mut self, tag: u64) -> Command {
        self.tag = Some(tag);
        self
    }

    /// What kind of command this is.
    pub fn kind(&self) -> CommandKind {
        match &self.body {
            Body::Hello => CommandKind::Hello,
            Body::Login => CommandKind::Login,
            Body::Logout => CommandKind::Logout,
            Body::PollRequest => CommandKind::PollRequest,
            Body::PollAck(_) => CommandKind::PollAck,
            Body::Object { verb, .. } => CommandKind::Object(*verb),
        }
    }

    /// The caller's tag.
    pub fn tag(&self) -> Option<u64> {
        self.tag
    }
}

/// A command the session took: what every event about it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentCommand {
    /// The session's id for it.
    pub id: CommandId,
    /// What it is.
    pub kind: CommandKind,
    /// The caller's tag ([`Command::with_tag`]).
    pub tag: Option<u64>,
    /// Its clTRID (`None` for `<hello>`).
    pub cl_trid: Option<String>,
    /// When it was written to the output; `None` while it waits for room
    /// (`max_in_flight` commands unanswered) and for a command that never
    /// went out.
    pub sent_at: Option<SystemTime>,
    /// A `<hello>` the session sent on its own to keep the connection
    /// alive.
    pub keep_alive: bool,
}

/// The greeting: what the server offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    /// `<svID>`.
    pub server_id: String,
    /// `<svDate>`, as sent.
    pub server_date: String,
    /// `<svcMenu><version>`s.
    pub versions: Vec<String>,
    /// `<svcMenu><lang>`s.
    pub languages: Vec<String>,
    /// `<svcMenu><objURI>`s.
    pub object_uris: Vec<String>,
    /// `<svcMenu><svcExtension><extURI>`s.
    pub extension_uris: Vec<String>,
    /// The `<dcp>` element, standing alone (namespace declarations it
    /// inherits copied in); `None` if the server sent none.
    pub dcp: Option<String>,
}

impl Greeting {
    /// Whether the server offers this object URI.
    pub fn offers_object(&self, uri: &str) -> bool {
        self.object_uris.iter().any(|u| u == uri)
    }

    /// Whether the server offers this extension URI.
    pub fn offers_extension(&self, uri: &str) -> bool {
        self.extension_uris.iter().any(|u| u == uri)
    }

    /// Whether the server offers RFC 8807 login security (long passwords).
    pub fn offers_login_security(&self) -> bool {
        self.offers_extension(LOGIN_SEC_NS)
    }
}

/// `<msgQ>`: the server's message queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageQueue {
    /// `count`: messages queued.
    pub count: u64,
    /// `id`: the message's id (for a poll response, the one to ack).
    pub id: String,
    /// `<qDate>`, as sent.
    pub queued_at: Option<String>,
    /// `<msg>`: its text (the character data of any markup in it
    /// included).
    pub message: Option<String>,
    /// `<msg lang>`; `None` means `en`.
    pub lang: Option<String>,
}

/// A response, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The `<result>`s, at least one; each `message` is `Some` (the
    /// server's `<msg>`), `lang` its `lang` attribute (`None`: `en`), and
    /// values the `<value>` and `<extValue>` contents, standing alone.
    pub results: Vec<EppResult>,
    /// `<msgQ>`.
    pub message_queue: Option<MessageQueue>,
    /// The children of `<resData>`, each standing alone, concatenated.
    pub res_data: Option<String>,
    /// The children of `<extension>`, each standing alone, concatenated.
    pub extension: Option<String>,
    /// `<trID><clTRID>`.
    pub cl_trid: Option<String>,
    /// `<trID><svTRID>`.
    pub sv_trid: Option<String>,
}

impl Response {
    /// The code of the first result.
    pub fn code(&self) -> ResultCode {
        self.results[0].code
    }

    /// Whether the first result is a success (1xxx).
    pub fn is_success(&self) -> bool {
        self.code().is_success()
    }

    /// The first result's message.
    pub fn message(&self) -> &str {
        self.results[0].message.as_deref().unwrap_or_default()
    }

    /// The RFC 8807 `<loginSec:loginSecData>` events in the extension (of
    /// a login response), in order; empty when there are none.
    pub fn login_security_events(&self) -> Vec<LoginSecurityEvent> {
        match &self.extension {
            Some(x) => super::parse::login_security_events(x),
            None => Vec::new(),
        }
    }
}

/// One RFC 8807 `<loginSec:event>` of a login response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginSecurityEvent {
    /// `type`: `password`, `certificate`, `cipher`, `tlsProtocol`,
    /// `newPW`, `stat` or `custom`.
    pub event_type: String,
    /// `name` (for `stat` and `custom` events).
    pub name: Option<String>,
    /// `level`: `warning` or `error`.
    pub level: String,
    /// `exDate`, as sent.
    pub expires: Option<String>,
    /// `value`.
    pub value: Option<String>,
    /// `duration`, as sent.
    pub duration: Option<String>,
    /// `lang`.
    pub lang: Option<String>,
    /// The element's text.
    pub message: Option<String>,
}

/// A frame from a server, parsed ([`parse_server_frame`](super::parse_server_frame)).
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // parsed once per frame, moved once
pub enum ServerFrame {
    /// `<greeting>`.
    Greeting(Greeting),
    /// `<response>`.
    Response(Response),
}

/// The services a login asked for (the intersection of what the
/// configuration wants and the greeting offers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Services {
    /// The `<objURI>`s.
    pub object_uris: Vec<String>,
    /// The `<extURI>`s.
    pub extension_uris: Vec<String>,
    /// The `<lang>`.
    pub lang: String,
    /// Whether the login used RFC 8807 (a password longer than 16
    /// characters in `<loginSec:pw>` or `<loginSec:newPW>`).
    pub login_security: bool,
}

/// A server frame that is not EPP as a client expects it. Each closes the
/// session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A frame header announced a length outside `5..=limit`.
    #[error("frame length {length} outside 5..={limit}")]
    BadFrameLength {
        /// The announced length.
        length: u32,
        /// The largest accepted (`max_frame_size`).
        limit: u32,
    },
    /// The frame is not well-formed XML, or not an EPP greeting or
    /// response.
    #[error("not an EPP greeting or response: {reason}")]
    Malformed {
        /// What is wrong, naming the element.
        reason: String,
    },
    /// A response came where a greeting was due (the connection's first
    /// frame, or the answer to a `<hello>`).
    #[error("a response came where a greeting was due")]
    GreetingExpected,
    /// A greeting came where the answer to a command other than `<hello>`
    /// was due.
    #[error("a greeting came where the response to a {answering} was due")]
    UnexpectedGreeting {
        /// The command the frame should have answered.
        answering: CommandKind,
    },
    /// A greeting or response came with no command waiting for one.
    #[error("a frame came with no command outstanding")]
    Unsolicited,
    /// A response's clTRID is not the clTRID of the command it answers (in
    /// order). A response without a clTRID is accepted.
    #[error("response clTRID {received:?} does not match the command's {expected:?}")]
    ClTridMismatch {
        /// The command's clTRID.
        expected: String,
        /// The response's.
        received: String,
    },
}

/// Why a client session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientCloseReason {
    /// The server answered 1500 (normally to `<logout>`).
    Logout,
    /// The server answered with a 25xx code and closes the connection.
    ServerClosing(ResultCode),
    /// The server closed the connection between frames.
    PeerClosed,
    /// The server closed the connection inside a frame.
    PeerClosedMidFrame {
        /// Bytes of the unfinished frame received (header included).
        received: usize,
    },
    /// The server sent something that is not EPP as expected.
    Protocol(ProtocolError),
    /// No greeting came within the response deadline.
    GreetingOverdue,
    /// A response did not come within the response deadline.
    ResponseOverdue {
        /// The command still waiting.
        command: CommandId,
    },
    /// The host closed the session.
    Host,
}

impl fmt::Display for ClientCloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientCloseReason::Logout => f.write_str("logged out"),
            ClientCloseReason::ServerClosing(c) => {
                write!(f, "server closing the connection ({})", c.code())
            }
            ClientCloseReason::PeerClosed => f.write_str("server closed the connection"),
            ClientCloseReason::PeerClosedMidFrame { received } => write!(
                f,
                "server closed the connection inside a frame ({received} bytes received)"
            ),
            ClientCloseReason::Protocol(e) => write!(f, "protocol error: {e}"),
            ClientCloseReason::GreetingOverdue => f.write_str("no greeting within the deadline"),
            ClientCloseReason::ResponseOverdue { command } => {
                write!(f, "no response to command {command} within the deadline")
            }
            ClientCloseReason::Host => f.write_str("closed by the host"),
        }
    }
}

/// What the host learns from [`ClientSession::poll_queue`](super::ClientSession::poll_queue),
/// in the order it happened.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A greeting: the connection's first frame (`hello: None`), or the
    /// answer to a `<hello>` (`hello` names it).
    Greeting {
        /// The greeting.
        greeting: Box<Greeting>,
        /// The `<hello>` it answers.
        hello: Option<SentCommand>,
    },
    /// The answer to `<login>`. On 1000 the session is logged in with
    /// `services`; otherwise it may log in again (or it closes, on 25xx).
    Login {
        /// The login command.
        command: SentCommand,
        /// The response (RFC 8807 events:
        /// [`Response::login_security_events`]).
        response: Box<Response>,
        /// The services asked for, now in force when the login succeeded.
        services: Option<Services>,
    },
    /// The response to a command other than hello and login, matched to
    /// it in order.
    Response {
        /// The command.
        command: SentCommand,
        /// The response.
        response: Box<Response>,
    },
    /// The session sent a `<hello>` of its own after `keep_alive` without
    /// traffic; its greeting comes as an [`Event::Greeting`].
    KeepAlive {
        /// The hello.
        command: SentCommand,
    },
    /// A response did not come within the response deadline; an
    /// [`Event::Closed`] follows.
    ResponseOverdue {
        /// The command still waiting.
        command: SentCommand,
    },
    /// The session ended (or is ending: after 1500 or 25xx it waits for
    /// the server to close the connection). Comes once; no event follows
    /// it.
    Closed {
        /// Why.
        reason: ClientCloseReason,
        /// Commands given and never answered, oldest first (sent or not:
        /// see [`SentCommand::sent_at`]).
        unanswered: Vec<SentCommand>,
    },
}
