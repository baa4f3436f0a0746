//! The client engine's typed errors: calls it could not carry out. The
//! server's mistakes are never `ClientError`s: they close the session with
//! a [`ClientCloseReason`].

use super::session::ClientState;
use super::types::{ClientCloseReason, CommandKind};

/// Which list of services a URI belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceKind {
    /// An `<objURI>`.
    Object,
    /// An `<extURI>`.
    Extension,
}

impl std::fmt::Display for ServiceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ServiceKind::Object => "objURI",
            ServiceKind::Extension => "extURI",
        })
    }
}

/// A call the client session could not carry out; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The session has ended (sticky: every later call fails the same way).
    #[error("session closed: {0}")]
    Closed(ClientCloseReason),
    /// The command cannot be sent in this state (before the greeting, a
    /// second login, a command before login or after logout...).
    #[error("a {command} cannot be sent while the session is {state:?}")]
    WrongState {
        /// The command.
        command: CommandKind,
        /// Where the session is.
        state: ClientState,
    },
    /// A service the configuration requires is not in the greeting.
    #[error("required {kind} {uri} is not offered by the server")]
    ServiceNotOffered {
        /// Object or extension.
        kind: ServiceKind,
        /// The URI.
        uri: String,
    },
    /// None of the wanted object URIs is offered (a login needs one).
    #[error("none of the wanted objURIs is offered by the server")]
    NoObjectService,
    /// The greeting does not offer EPP version 1.0.
    #[error("the server does not offer EPP version 1.0")]
    VersionNotOffered,
    /// The greeting does not offer the configured language.
    #[error("the server does not offer language {0}")]
    LanguageNotOffered(String),
    /// A password (or new password) longer than 16 characters, and the
    /// greeting does not offer RFC 8807 login security
    /// (`urn:ietf:params:xml:ns:epp:loginSec-1.0`).
    #[error("a {field} of {length} characters needs RFC 8807 login security, which the server does not offer (at most 16 otherwise)")]
    PasswordTooLong {
        /// `pw` or `newPW`.
        field: &'static str,
        /// Its length in characters.
        length: usize,
    },
    /// The command uses a namespace the session did not log in with.
    #[error("{kind} {uri} is not one of this session's login services")]
    NotLoggedInWith {
        /// Object or extension.
        kind: ServiceKind,
        /// The namespace.
        uri: String,
    },
    /// XML given for the command is not acceptable.
    #[error("invalid {field} XML: {reason}")]
    InvalidXml {
        /// `object` or `extension`.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Some other part of the command is not acceptable (a clTRID, a
    /// message id, a transfer without its op...).
    #[error("invalid command: {0}")]
    InvalidCommand(String),
}
