//! Typed errors.

use crate::request::{CloseReason, RequestId, RequestKind};

/// A configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A field's value is not acceptable.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The builder field.
        field: &'static str,
        /// Why.
        reason: String,
    },
}

/// A call the session could not carry out. Protocol errors of the peer are
/// never `SessionError`s: they become EPP responses. These are the host's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The session takes no more input or answers (sticky).
    #[error("session closed: {0}")]
    Closed(CloseReason),
    /// This session never issued a request with this id.
    #[error("no request {0} was issued by this session")]
    UnknownRequest(RequestId),
    /// The request was already answered (or, in a session that goes on,
    /// dropped after a closing response).
    #[error("request {0} was already answered")]
    AlreadyAnswered(RequestId),
    /// Input was fed after [`Session::handle_eof`](crate::Session::handle_eof).
    #[error("input fed after the end of input")]
    InputAfterEof,
    /// The session cannot handle a frame now and holding this input would
    /// exceed [`Limits::max_buffered_input`](crate::Limits::max_buffered_input);
    /// nothing was taken. The host read on although
    /// [`Session::wants_input`](crate::Session::wants_input) was false.
    #[error("input buffer full: at most {limit} bytes are held; stop reading while wants_input() is false")]
    InputBufferFull {
        /// The bound.
        limit: usize,
    },
    /// The answer does not fit the request.
    #[error("request {id} is a {kind} request and cannot take a {answer} answer")]
    WrongAnswer {
        /// The request.
        id: RequestId,
        /// What it is.
        kind: RequestKind,
        /// What was attempted.
        answer: &'static str,
    },
    /// XML the host passed through is not a well-formed sequence of
    /// namespaced elements.
    #[error("invalid {field} XML in answer: {reason}")]
    InvalidXml {
        /// Which part of the answer.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Some other part of the answer is unacceptable.
    #[error("invalid answer: {0}")]
    InvalidAnswer(String),
}
