//! # ETP 1.1 server sessions, sans I/O
//!
//! The server side of the Energistics Transfer Protocol 1.1 Core protocol
//! (protocol 0: RequestSession, OpenSession, CloseSession,
//! RenewSecurityToken, ProtocolException, Acknowledge), as a second engine
//! over libepp's shared machinery. The host owns the WebSocket (and so the
//! framing: one ETP message is one WebSocket binary message), the security
//! token and everything the other protocols do; the engine owns the Core
//! protocol: negotiation, message ids and correlation ids, the errors of
//! the Core protocol, and the routing of every other message to the host.
//!
//! The four verbs:
//!
//! - **session-create**: [`Session::new`] with the configuration and the
//!   session's UUID (the host's: libepp reads no random source and no
//!   clock);
//! - **feed-input**: [`Session::feed_message`], one WebSocket binary
//!   message per call ([`Session::wants_input`] says when to stop
//!   reading);
//! - **take-output**: [`Session::poll_output`] (or
//!   [`Session::peek_output`] + [`Session::consume_output`]), one message
//!   per call, each to be sent as one WebSocket binary message;
//! - **poll-queue**: [`Session::poll_queue`] returns the next [`Request`];
//!   a message of a negotiated protocol is answered with
//!   [`Session::respond`] or [`Session::raise`] (or [`Session::finish`]).
//!
//! ```
//! use epp::etp::{self, Config, Request, Session, Uuid};
//!
//! let config = Config::builder().application_name("Example store").build().unwrap();
//! let mut session = Session::new(config, Uuid::from_random([7; 16]));
//!
//! // RequestSession for Discovery (3) in the role "store", message id 1.
//! let request = [
//!     0x00, 0x02, 0x00, 0x02, 0x00, 0x0a, b'p', b'r', b'o', b'b', b'e', 0x02, b'0', 0x02, 0x06,
//!     0x02, 0x02, 0x00, 0x00, 0x0a, b's', b't', b'o', b'r', b'e', 0x00, 0x00, 0x00,
//! ];
//! session.feed_message(&request).unwrap();
//! let open = session.poll_output().unwrap(); // send as a WebSocket binary message
//! let (header, _) = etp::split_message(&open).unwrap();
//! assert_eq!((header.message_type, header.correlation_id, header.message_id), (2, 1, 1));
//! assert!(matches!(session.poll_queue(), Some(Request::Opened(_))));
//!
//! // A Discovery message goes to the host, which answers it.
//! let get_resources = [0x06, 0x02, 0x00, 0x04, 0x00, 0x02, b'/'];
//! session.feed_message(&get_resources).unwrap();
//! let Some(Request::Message(m)) = session.poll_queue() else { panic!() };
//! assert_eq!(m.body, [0x02, b'/']);
//! session.raise(m.id, etp::ErrorCode::ENOT_FOUND, "ENOT_FOUND: /").unwrap();
//! let exception = session.poll_output().unwrap();
//! let (header, _) = etp::split_message(&exception).unwrap();
//! assert_eq!((header.protocol, header.message_type, header.correlation_id), (3, 1000, 2));
//! ```
//!
//! The transition table is in [`machine`](self) (`src/etp/machine.rs`) and
//! `docs/etp.md`, which also lists what was taken from the specification
//! and what was decided where it is silent.

pub mod avro;
mod config;
mod machine;
mod messages;
mod request;
mod session;

pub use crate::error::ConfigError;
pub use crate::request::RequestId;
pub use config::{Config, ConfigBuilder, Limits, MAX_PROTOCOLS};
pub use messages::{
    decode, encode, encode_message, split_message, Acknowledge, CloseSession, CoreMessage,
    DataValue, ErrorCode, MessageHeader, OpenSession, ProtocolException, Record,
    RenewSecurityToken, RequestSession, SupportedProtocol, Version, FLAG_FINAL_PART,
    FLAG_MULTI_PART, PROTOCOL_CORE, PROTOCOL_DISCOVERY, PROTOCOL_STORE,
};
pub use request::{
    PeerException, ProtocolMessage, Request, SessionEnd, SessionOpened, TokenRenewal,
};
pub use session::{CloseReason, Session, SessionError, SessionState, Uuid};
