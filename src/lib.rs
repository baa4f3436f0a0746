//! # libepp: the EPP session engine, sans I/O
//!
//! libepp implements the server side of the Extensible Provisioning
//! Protocol session layer (RFC 5730 section 2, framed over TCP by RFC 5734)
//! without doing any I/O. The host owns sockets, TLS, storage and business
//! logic; libepp owns the protocol: framing, the greeting, login and logout,
//! hello, poll request and acknowledgement, transaction ids, result codes,
//! pipelining and limits.
//!
//! Four verbs drive a session:
//!
//! - **session-create**: [`Session::new`] queues the greeting at once;
//! - **feed-input**: [`Session::feed_input`] takes every byte read from the
//!   peer ([`Session::wants_input`] says when to stop reading);
//! - **take-output**: [`Session::output`] and [`Session::consume_output`]
//!   (or [`Session::take_output`]) hand out the bytes to write;
//! - **poll-queue**: [`Session::poll_queue`] returns the next [`Request`]
//!   the host must decide, which it answers through the session
//!   ([`Session::answer_login`], [`Session::answer_poll`],
//!   [`Session::answer_ack`], [`Session::answer_command`]).
//!
//! Time is always an argument, so the core is deterministic. The
//! configuration ([`ServerConfig`]) is immutable data; what a running
//! server's sessions share (svTRIDs, the per-registrar session count) is a
//! [`Server`].
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use epp::{LoginAnswer, PollAnswer, Request, Server, ServerConfig, Session};
//!
//! let config = ServerConfig::builder("Example EPP server")
//!     .object_uri("urn:ietf:params:xml:ns:domain-1.0")
//!     .build()
//!     .unwrap();
//! let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
//! let server = Server::new(config, now);
//! let mut session = Session::new(server.clone(), now);
//! let greeting = session.take_output().unwrap(); // write this to the socket
//! assert!(greeting.len() > 4);
//!
//! let login = br#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><login>
//!   <clID>registrar1</clID><pw>secret-pw1</pw>
//!   <options><version>1.0</version><lang>en</lang></options>
//!   <svcs><objURI>urn:ietf:params:xml:ns:domain-1.0</objURI></svcs>
//!   </login><clTRID>ABC-1</clTRID></command></epp>"#;
//! let mut frame = ((login.len() + 4) as u32).to_be_bytes().to_vec();
//! frame.extend_from_slice(login);
//! session.feed_input(&frame, now).unwrap();
//!
//! while let Some(request) = session.poll_queue() {
//!     match request {
//!         Request::Login(l) => {
//!             let ok = l.client_id == "registrar1" && l.password == "secret-pw1";
//!             let answer = if ok { LoginAnswer::Accepted } else { LoginAnswer::BadCredentials };
//!             session.answer_login(l.id, answer).unwrap();
//!         }
//!         Request::Poll(p) => session.answer_poll(p.id, PollAnswer::Empty).unwrap(),
//!         _ => {}
//!     }
//! }
//! let response = session.take_output().unwrap();
//! assert!(String::from_utf8_lossy(&response).contains(r#"<result code="1000">"#));
//! ```
//!
//! How the parts fit (framing, parse, the transition table, the pipeline,
//! render) is in `docs/architecture.md`.
//!
//! [`etp`] is a second engine over the same machinery: the server side of
//! the Energistics Transfer Protocol 1.1 Core protocol (`docs/etp.md`).
//!
//! The registrar's side is [`client`]: a [`client::ClientSession`] with the
//! same four verbs and the same machinery (framing, the XML cursor, a
//! transition table, the pipeline).
//!
//! The behaviour where the RFCs are loose is fixed by the project's protocol
//! contract (`protocol.md`).

#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod client;
mod config;
mod error;
pub mod etp;
/// The C API (`include/epp.h`): opaque handles, `epp_result` codes, a panic boundary on every export.
#[cfg(feature = "capi")]
pub mod ffi;
mod framing;
mod login_security;
mod machine;
mod parse;
mod passthrough;
mod pipeline;
mod render;
mod request;
mod response;
mod result_code;
mod server;
mod session;
mod time;
mod transaction;
mod trid;
mod xml;

pub use config::{
    Dcp, DcpAccess, DcpExpiry, DcpPurpose, DcpRecipient, DcpRetention, DcpStatement, Limits,
    ServerConfig, ServerConfigBuilder, UNHANDLED_NAMESPACES_URI,
};
pub use error::{ConfigError, SessionError};
pub use login_security::{
    LoginSecurity, SecurityEvent, SecurityEventLevel, SecurityEventType, UserAgent,
    LOGIN_SECURITY_NS, LOGIN_SECURITY_PASSWORD,
};
pub use request::{
    CloseReason, CommandVerb, ExtensionCommand, LoginRequest, ObjectCommand, PollAckRequest,
    PollRequest, Request, RequestId, RequestKind, SessionEnd, TransferOp,
};
pub use response::{
    AckAnswer, EppResult, LoginAnswer, PollAnswer, PollMessage, Response, ResultValue,
};
pub use result_code::ResultCode;
pub use server::{RegistrarSessions, Server};
pub use session::{Session, SessionState};
pub use time::format_rfc3339;
pub use transaction::{CommandName, TransactionRecord};
pub use trid::{ServerTransactionId, TransactionId};
pub use xml::EPP_NS;
