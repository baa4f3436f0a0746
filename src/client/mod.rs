//! # The EPP client engine (the registrar's side), sans I/O
//!
//! [`ClientSession`] is the registrar's end of an RFC 5730 session framed
//! by RFC 5734, on the machinery the server engine uses: the same framing
//! (it writes and reads frames), the same strict XML cursor, its own
//! transition table (one function over one state enum, documented in
//! `docs/client.md`), and the shared pipeline, whose slots match each
//! response to the command it answers, in order.
//!
//! The same four verbs drive it:
//!
//! - **session-create**: [`ClientSession::new`] with a [`ClientConfig`]
//!   (credentials, wanted services, limits);
//! - **feed-input**: [`ClientSession::feed_input`] takes every byte read
//!   from the server ([`ClientSession::wants_input`] says whether to read);
//! - **take-output**: [`ClientSession::output`] and
//!   [`ClientSession::consume_output`] (or [`ClientSession::take_output`])
//!   hand out the commands to write;
//! - **poll-queue**: [`ClientSession::poll_queue`] returns the next
//!   [`Event`]: the greeting, the login result, each response matched to
//!   the [`SentCommand`] that caused it, keep-alives, overdue responses,
//!   and the end of the session with its [`ClientCloseReason`].
//!
//! Commands ([`Command`]) are given with [`ClientSession::send`]: hello,
//! login (services negotiated against the greeting; RFC 8807 long
//! passwords when offered), logout, poll request and acknowledgement, and
//! any object command as XML with optional extension XML. At most
//! `max_in_flight` are written and unanswered; the rest wait in order.
//! Time is always an argument; [`ClientSession::next_timeout`] says when
//! to call [`ClientSession::handle_timeout`].
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use epp::client::{ClientConfig, ClientSession, Command, Event};
//! use epp::{CommandVerb, Request, Response, ResultCode, Server, ServerConfig, Session};
//!
//! const DOMAIN: &str = "urn:ietf:params:xml:ns:domain-1.0";
//! let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
//! // The crate's own server, in memory.
//! let server = Server::new(ServerConfig::builder("Example EPP").object_uri(DOMAIN).build().unwrap(), now);
//! let mut server = Session::new(server, now);
//! let config = ClientConfig::builder("ClientX", "foo-BAR2").required_object_uri(DOMAIN).build().unwrap();
//! let mut client = ClientSession::new(config, now);
//!
//! let mut check = None;
//! for _ in 0..8 {
//!     // Connect the two: each side's output is the other's input.
//!     if let Some(bytes) = server.take_output() { client.feed_input(&bytes, now).unwrap(); }
//!     if let Some(bytes) = client.take_output() { server.feed_input(&bytes, now).unwrap(); }
//!     while let Some(r) = server.poll_queue() {
//!         match r {
//!             Request::Login(l) => { server.answer_login(l.id, epp::LoginAnswer::Accepted).unwrap(); }
//!             Request::Command(c) => server.answer_command(c.id, Response::success()).unwrap(),
//!             _ => {}
//!         }
//!     }
//!     while let Some(event) = client.poll_queue() {
//!         match event {
//!             Event::Greeting { hello: None, .. } => { client.login(now).unwrap(); }
//!             Event::Login { response, .. } => {
//!                 assert_eq!(response.code(), ResultCode::Success);
//!                 let xml = format!(r#"<domain:check xmlns:domain="{DOMAIN}"><domain:name>example.com</domain:name></domain:check>"#);
//!                 client.send(Command::object(CommandVerb::Check, xml).with_tag(42), now).unwrap();
//!             }
//!             Event::Response { command, response } => check = Some((command.tag, response.code())),
//!             _ => {}
//!         }
//!     }
//! }
//! assert_eq!(check, Some((Some(42), ResultCode::Success)));
//! ```

mod config;
mod error;
mod machine;
mod parse;
mod render;
mod session;
mod types;

pub use config::{ClientConfig, ClientConfigBuilder, Service};
pub use error::{ClientError, ServiceKind};
pub use parse::parse_server_frame;
pub use session::{ClientSession, ClientState};
pub use types::{
    ClientCloseReason, Command, CommandId, CommandKind, Event, Greeting, LoginSecurityEvent,
    MessageQueue, ProtocolError, Response, SentCommand, ServerFrame, Services, LOGIN_SEC_NS,
    LOGIN_SEC_PLACEHOLDER,
};
