//! The ETP 1.1 server's session state machine (Core protocol), as one pure
//! function: [`transition`] maps a state and an input to the next state
//! and one action. Everything the session does is carried out from its
//! result; nothing else changes the state.
//!
//! ```text
//! state            input                                  next             action
//! ---------------  -------------------------------------  ---------------  ---------------------------------------------
//! Closed           anything                               Closed           -
//! Closing          host close, or every message taken     Closed           -
//! Closing          anything else                          Closing          -
//! open             host close                             Closed           - (output not taken is dropped)
//! open             end of input                           Closing          -
//! open             host ends the session                  Closing          send CloseSession (the host's reason)
//! open             header does not decode                 same             ProtocolException 5 EINVALID_ARGUMENT
//! AwaitingRequest  RequestSession, body does not decode   AwaitingRequest  ProtocolException 5 EINVALID_ARGUMENT
//! AwaitingRequest  RequestSession, some protocol matches  Open(matches)    send OpenSession, tell the host (Opened)
//! AwaitingRequest  RequestSession, none matches           Closing          ProtocolException 2 ENOSUPPORTEDPROTOCOLS,
//!                                                                          then send CloseSession
//! AwaitingRequest  any other message                      AwaitingRequest  ProtocolException 8 EINVALID_STATE
//! Open             Core RequestSession                    Open             ProtocolException 8 EINVALID_STATE
//! Open             Core OpenSession or unknown type       Open             ProtocolException 3 EINVALID_MESSAGETYPE
//! Open             Core body does not decode              Open             ProtocolException 5 EINVALID_ARGUMENT
//! Open             Core CloseSession                      Closing          - (the host is told, with the reason)
//! Open             Core RenewSecurityToken                Open             ask the host (finish: accepted; raise)
//! Open             Core ProtocolException                 Open             tell the host
//! Open             Core Acknowledge                       Open             tell the host
//! Open             message of a negotiated protocol       Open             ask the host (header and raw body)
//! Open             message of any other protocol          Open             ProtocolException 4 EUNSUPPORTED_PROTOCOL
//! ```
//!
//! ("open" is AwaitingRequest or Open.) A ProtocolException the engine
//! sends is on protocol 0 and correlated to the `messageId` of the message
//! that caused it (0 when its header did not decode). A protocol matches
//! when the server supports the requested protocol id in the requested
//! role (the role the client asks the server to play). Rendering is not
//! here: an [`Action`] says what to send and the session writes it.

use std::borrow::Cow;

use super::config::Config;
use super::messages::{
    core_name, Body, CoreBody, CoreMessage, ErrorCode, MessageHeader, Parsed, ProtocolException,
    RequestSession,
};
use super::session::CloseReason;
use crate::etp::avro::DecodeError;

/// Where a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Waiting for RequestSession.
    AwaitingRequest,
    /// Open; bit i set: `config.protocols[i]` was negotiated.
    Open(u64),
    /// No more input is processed; output already sent is still taken.
    Closing(CloseReason),
    /// Nothing more will be sent.
    Closed(CloseReason),
}

impl State {
    /// Whether input is still processed.
    pub(crate) fn is_open(self) -> bool {
        matches!(self, State::AwaitingRequest | State::Open(_))
    }

    /// Why the session ended, once it has.
    pub(crate) fn close_reason(&self) -> Option<&CloseReason> {
        match self {
            State::Closing(r) | State::Closed(r) => Some(r),
            _ => None,
        }
    }
}

/// What happened.
#[derive(Debug)]
pub(crate) enum Input<'a> {
    /// A message whose header did not decode.
    BadHeader(DecodeError),
    /// A message.
    Message(Parsed<'a>),
    /// The peer closed the connection.
    PeerClosed,
    /// The host ended the session without a message.
    HostClose,
    /// The host ended the session with CloseSession (and this reason).
    HostCloseSession(Option<&'a str>),
    /// Every message sent has been taken.
    Drained,
}

/// What the session must do.
#[derive(Debug)]
pub(crate) enum Action<'a> {
    /// Nothing.
    None,
    /// Send OpenSession for the negotiated protocols (the next state's)
    /// answering `header`, and tell the host.
    Open {
        header: MessageHeader,
        request: RequestSession<'a>,
    },
    /// Send a ProtocolException (protocol 0) correlated to
    /// `correlation_id`; then CloseSession with `close` as its reason when
    /// set.
    Refuse {
        correlation_id: i64,
        code: ErrorCode,
        message: String,
        close: Option<&'static str>,
    },
    /// Send CloseSession.
    SendClose { reason: Option<&'a str> },
    /// Hand a request to the host.
    Ask(Ask<'a>),
    /// Tell the host something that takes no answer.
    Tell(Tell<'a>),
    /// The client closed the session; the host is told why.
    ClientClosed { reason: Option<Cow<'a, str>> },
}

/// A request for the host, which it finishes by answering.
#[derive(Debug)]
pub(crate) enum Ask<'a> {
    /// A message of a negotiated protocol.
    Message {
        header: MessageHeader,
        body: &'a [u8],
    },
    /// RenewSecurityToken.
    RenewToken {
        header: MessageHeader,
        token: Cow<'a, str>,
    },
}

/// News for the host.
#[derive(Debug)]
pub(crate) enum Tell<'a> {
    /// The client's ProtocolException.
    Exception {
        header: MessageHeader,
        exception: ProtocolException<'a>,
    },
    /// The client's Acknowledge.
    Acknowledge { header: MessageHeader },
}

/// What the transition reads besides the state.
pub(crate) struct Context<'c> {
    /// The configuration (the protocols supported).
    pub config: &'c Config,
}

/// The result of a transition.
#[derive(Debug)]
pub(crate) struct Step<'a> {
    /// The next state.
    pub next: State,
    /// What to do.
    pub action: Action<'a>,
}

/// The transition table (see the module documentation).
pub(crate) fn transition<'a>(state: State, input: Input<'a>, cx: &Context<'_>) -> Step<'a> {
    use Input as I;
    use State as S;
    let stay = |action| Step {
        next: state,
        action,
    };
    let go = |next, action| Step { next, action };
    match (state, input) {
        (S::Closed(_), _) => stay(Action::None),
        (S::Closing(r), I::HostClose | I::Drained) => go(S::Closed(r), Action::None),
        (S::Closing(_), _) => stay(Action::None),
        (_, I::Drained) => stay(Action::None),
        (_, I::HostClose) => go(S::Closed(CloseReason::Host), Action::None),
        (_, I::PeerClosed) => go(S::Closing(CloseReason::PeerClosed), Action::None),
        (_, I::HostCloseSession(reason)) => go(
            S::Closing(CloseReason::HostClosedSession),
            Action::SendClose { reason },
        ),
        (_, I::BadHeader(e)) => stay(refuse(
            0,
            ErrorCode::EINVALID_ARGUMENT,
            format!("EINVALID_ARGUMENT: the message header does not decode: {e}"),
        )),
        (S::AwaitingRequest, I::Message(m)) => awaiting_request(m, cx),
        (S::Open(mask), I::Message(m)) => open(mask, m, cx),
    }
}

/// A message before the session is open.
fn awaiting_request<'a>(m: Parsed<'a>, cx: &Context<'_>) -> Step<'a> {
    let header = m.header;
    let stay = |action| Step {
        next: State::AwaitingRequest,
        action,
    };
    match m.body {
        Body::Core(Ok(CoreBody::RequestSession(request))) => {
            let mask = negotiate(&request, cx.config);
            if mask == 0 {
                Step {
                    next: State::Closing(CloseReason::NoSupportedProtocols),
                    action: Action::Refuse {
                        correlation_id: header.message_id,
                        code: ErrorCode::ENOSUPPORTEDPROTOCOLS,
                        message: "ENOSUPPORTEDPROTOCOLS: the server supports none of the requested protocols in the requested role".into(),
                        close: Some("no supported protocols"),
                    },
                }
            } else {
                Step {
                    next: State::Open(mask),
                    action: Action::Open { header, request },
                }
            }
        }
        Body::Core(Err(e)) if header.message_type == RequestSession::MESSAGE_TYPE => {
            stay(bad_body(&header, &e))
        }
        _ => stay(refuse(
            header.message_id,
            ErrorCode::EINVALID_STATE,
            "EINVALID_STATE: the session is not open: the first message must be RequestSession"
                .into(),
        )),
    }
}

/// A message in an open session.
fn open<'a>(mask: u64, m: Parsed<'a>, cx: &Context<'_>) -> Step<'a> {
    let header = m.header;
    let id = header.message_id;
    let stay = |action| Step {
        next: State::Open(mask),
        action,
    };
    match m.body {
        Body::Other(body) => {
            if negotiated(mask, header.protocol, cx.config) {
                stay(Action::Ask(Ask::Message { header, body }))
            } else {
                stay(refuse(
                    id,
                    ErrorCode::EUNSUPPORTED_PROTOCOL,
                    format!(
                        "EUNSUPPORTED_PROTOCOL: protocol {} is not one of this session's protocols",
                        header.protocol
                    ),
                ))
            }
        }
        Body::Core(Ok(CoreBody::RequestSession(_))) => stay(already_open(id)),
        Body::Core(Err(_)) if header.message_type == RequestSession::MESSAGE_TYPE => {
            stay(already_open(id))
        }
        Body::Core(Ok(CoreBody::OpenSession | CoreBody::Unknown)) => {
            let t = header.message_type;
            let message = match core_name(t) {
                Some(name) => format!(
                    "EINVALID_MESSAGETYPE: a server does not take {name} (Core message type {t})"
                ),
                None => format!("EINVALID_MESSAGETYPE: {t} is not a Core message type"),
            };
            stay(refuse(id, ErrorCode::EINVALID_MESSAGETYPE, message))
        }
        Body::Core(Err(e)) => stay(bad_body(&header, &e)),
        Body::Core(Ok(CoreBody::CloseSession(c))) => Step {
            next: State::Closing(CloseReason::ClientClosed),
            action: Action::ClientClosed { reason: c.reason },
        },
        Body::Core(Ok(CoreBody::RenewSecurityToken(t))) => stay(Action::Ask(Ask::RenewToken {
            header,
            token: t.token,
        })),
        Body::Core(Ok(CoreBody::ProtocolException(exception))) => {
            stay(Action::Tell(Tell::Exception { header, exception }))
        }
        Body::Core(Ok(CoreBody::Acknowledge)) => stay(Action::Tell(Tell::Acknowledge { header })),
    }
}

/// The configured protocols the request asks for, by protocol id and role
/// (compared exactly): bit i is `config.protocols[i]`.
pub(crate) fn negotiate(request: &RequestSession<'_>, config: &Config) -> u64 {
    let mut mask = 0u64;
    for r in &request.requested_protocols {
        if let Some(i) = config
            .protocols
            .iter()
            .position(|p| p.protocol == r.protocol && p.role == r.role)
        {
            mask |= 1 << i;
        }
    }
    mask
}

/// Whether `protocol` is among the negotiated ones.
fn negotiated(mask: u64, protocol: i32, config: &Config) -> bool {
    config
        .protocols
        .iter()
        .position(|p| p.protocol == protocol)
        .is_some_and(|i| mask & (1 << i) != 0)
}

fn refuse<'a>(correlation_id: i64, code: ErrorCode, message: String) -> Action<'a> {
    Action::Refuse {
        correlation_id,
        code,
        message,
        close: None,
    }
}

fn already_open<'a>(correlation_id: i64) -> Action<'a> {
    refuse(
        correlation_id,
        ErrorCode::EINVALID_STATE,
        "EINVALID_STATE: the session is already open".into(),
    )
}

fn bad_body<'a>(header: &MessageHeader, e: &DecodeError) -> Action<'a> {
    let name = core_name(header.message_type).unwrap_or("message");
    refuse(
        header.message_id,
        ErrorCode::EINVALID_ARGUMENT,
        format!("EINVALID_ARGUMENT: the {name} body does not decode: {e}"),
    )
}
