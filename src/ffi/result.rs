//! `epp_result` and its descriptions.

use std::ffi::c_char;

use super::boundary::{guard, invalid, out, out_bytes, out_str, with_last_error};
use crate::{ConfigError, SessionError};

/// What a call did. `EPP_RESULT_OK` is zero; every other value is a failure,
/// and out-parameters are left untouched.
///
/// Values are explicit and never reused: a value that is retired stays
/// reserved, and new values are only ever added. 1 to 99 report misuse of
/// the C API itself, 100 to 199 configuration errors, 200 to 299 session
/// errors (a call the session could not carry out), 300 to 399 errors of
/// client sessions (a command the client session refused; a client session
/// also reports `EPP_RESULT_SESSION_CLOSED` and `EPP_RESULT_INVALID_XML`).
/// Protocol errors of the EPP peer are never an `epp_result`: the server
/// session answers them on the wire itself, and a client session closes
/// with a reason.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum epp_result {
    /// Success.
    Ok = 0,
    /// A Rust panic was caught at the API boundary. If the call was given a
    /// session, that session is poisoned: every later call on it, except
    /// `epp_session_get_last_error` and `epp_session_free` (for an ETP
    /// session, `epp_etp_session_get_last_error` and
    /// `epp_etp_session_free`), returns `EPP_RESULT_PANIC`. Free it and
    /// drop the connection. Panics are bugs in libepp; please report them.
    Panic = 1,
    /// A pointer argument that must not be NULL was NULL.
    NullParameter = 2,
    /// A length is larger than `PTRDIFF_MAX`, or larger than the data it
    /// counts (`epp_session_consume_output`).
    InvalidLength = 3,
    /// The caller's buffer is too small for the result; nothing was written.
    InsufficientSize = 4,
    /// A string argument is not valid UTF-8.
    InvalidUtf8 = 5,
    /// An argument is outside its documented set of values (an unknown
    /// enumeration value or flag, an EPP result code RFC 5730 does not
    /// define, a number out of range, a misaligned out-pointer or array).
    InvalidArgument = 6,
    /// An index is not below the matching count.
    IndexOutOfRange = 7,
    /// The item asked for does not exist for this object: a request getter
    /// used on a request of another kind, a close detail of a session that
    /// is open or ended for a reason without that detail, a DCP recDesc
    /// with no statement to add it to, an ETP capability with no protocol
    /// to add it to, an ETP message to consume when none is pending.
    NotApplicable = 8,
    /// `epp_config_builder_build` refused the configuration;
    /// `epp_config_builder_get_last_error` says why.
    InvalidConfig = 100,
    /// The session processes no more input or answers (sticky).
    SessionClosed = 200,
    /// This session never issued a request with this id (a request already
    /// answered is `EPP_RESULT_ALREADY_ANSWERED`).
    UnknownRequest = 201,
    /// The answer does not fit the request (for example a poll answer to a
    /// login).
    WrongAnswer = 202,
    /// XML the host passed through (a value, resData, extension; for a
    /// client session, a command's object or extension XML) is not a
    /// well-formed sequence of namespaced elements.
    InvalidXml = 203,
    /// Another part of the answer is unacceptable (for example a language
    /// tag).
    InvalidAnswer = 204,
    /// The request with this id was already answered (in a session that
    /// has ended, answers are `EPP_RESULT_SESSION_CLOSED` instead).
    AlreadyAnswered = 205,
    /// Input was fed after `epp_session_handle_eof` (or
    /// `epp_etp_session_handle_eof`); nothing was taken.
    InputAfterEof = 206,
    /// The session could not handle a frame now and holding the input fed
    /// would exceed `EPP_LIMIT_MAX_BUFFERED_INPUT`; nothing was taken. The
    /// host read on although `epp_session_wants_input` said false. (For an
    /// ETP session: a message, `EPP_ETP_LIMIT_MAX_BUFFERED_INPUT`,
    /// `epp_etp_session_wants_input`.)
    InputBufferFull = 207,
    /// Client sessions: the command cannot be sent in the session's state
    /// (before the greeting, a second login, a command before login or
    /// after logout...); nothing was sent.
    WrongState = 300,
    /// Client sessions: a service the configuration requires is not in the
    /// server's greeting; the login was not sent.
    ServiceNotOffered = 301,
    /// Client sessions: none of the wanted objURIs is in the server's
    /// greeting; the login was not sent.
    NoObjectService = 302,
    /// Client sessions: the greeting does not offer EPP version 1.0; the
    /// login was not sent.
    VersionNotOffered = 303,
    /// Client sessions: the greeting does not offer the configured
    /// language; the login was not sent.
    LanguageNotOffered = 304,
    /// Client sessions: a password (or new password) longer than 16
    /// characters, and the greeting does not offer RFC 8807 login security;
    /// the login was not sent.
    PasswordTooLong = 305,
    /// Client sessions: the command uses an object or extension namespace
    /// the session did not log in with; nothing was sent.
    NotLoggedInWith = 306,
    /// Client sessions: a part of the command other than its XML is not
    /// acceptable (a clTRID, a message id, a transfer without its op, a
    /// hello with a clTRID...); nothing was sent.
    InvalidCommand = 307,
}

/// A buffer of this many bytes always holds the description that
/// `epp_result_describe` writes, terminating NUL included.
pub const EPP_RESULT_DESCRIBE_MAX: usize = 128;

impl epp_result {
    /// Every value, in ascending order.
    pub(crate) const ALL: [epp_result; 26] = [
        epp_result::Ok,
        epp_result::Panic,
        epp_result::NullParameter,
        epp_result::InvalidLength,
        epp_result::InsufficientSize,
        epp_result::InvalidUtf8,
        epp_result::InvalidArgument,
        epp_result::IndexOutOfRange,
        epp_result::NotApplicable,
        epp_result::InvalidConfig,
        epp_result::SessionClosed,
        epp_result::UnknownRequest,
        epp_result::WrongAnswer,
        epp_result::InvalidXml,
        epp_result::InvalidAnswer,
        epp_result::AlreadyAnswered,
        epp_result::InputAfterEof,
        epp_result::InputBufferFull,
        epp_result::WrongState,
        epp_result::ServiceNotOffered,
        epp_result::NoObjectService,
        epp_result::VersionNotOffered,
        epp_result::LanguageNotOffered,
        epp_result::PasswordTooLong,
        epp_result::NotLoggedInWith,
        epp_result::InvalidCommand,
    ];

    fn from_u32(v: u32) -> Option<epp_result> {
        epp_result::ALL.iter().copied().find(|r| *r as u32 == v)
    }

    pub(crate) fn text(self) -> &'static str {
        match self {
            epp_result::Ok => "success",
            epp_result::Panic => "a panic was caught in libepp; the session is unusable",
            epp_result::NullParameter => "a required pointer argument was NULL",
            epp_result::InvalidLength => "a length is too large",
            epp_result::InsufficientSize => "the buffer is too small",
            epp_result::InvalidUtf8 => "a string argument is not valid UTF-8",
            epp_result::InvalidArgument => "an argument is outside its documented values",
            epp_result::IndexOutOfRange => "an index is out of range",
            epp_result::NotApplicable => "not applicable to this object",
            epp_result::InvalidConfig => "the configuration is invalid",
            epp_result::SessionClosed => "the session is closed",
            epp_result::UnknownRequest => "this session issued no request with this id",
            epp_result::WrongAnswer => "the answer does not fit the request",
            epp_result::InvalidXml => "XML in the answer is not acceptable",
            epp_result::InvalidAnswer => "the answer is not acceptable",
            epp_result::AlreadyAnswered => "the request was already answered",
            epp_result::InputAfterEof => "input was fed after the end of input",
            epp_result::InputBufferFull => {
                "the session holds the most input it may; read only while it wants input"
            }
            epp_result::WrongState => "the command cannot be sent in the session's state",
            epp_result::ServiceNotOffered => "a required service is not offered by the server",
            epp_result::NoObjectService => "none of the wanted objURIs is offered by the server",
            epp_result::VersionNotOffered => "the server does not offer EPP version 1.0",
            epp_result::LanguageNotOffered => "the server does not offer the configured language",
            epp_result::PasswordTooLong => {
                "a password over 16 characters needs RFC 8807, which the server does not offer"
            }
            epp_result::NotLoggedInWith => {
                "the command uses a namespace the session did not log in with"
            }
            epp_result::InvalidCommand => "the command is not acceptable",
        }
    }
}

impl From<&SessionError> for epp_result {
    fn from(e: &SessionError) -> epp_result {
        // Exhaustive on purpose: a new SessionError variant must get its own
        // epp_result value before this compiles.
        match e {
            SessionError::Closed(_) => epp_result::SessionClosed,
            SessionError::UnknownRequest(_) => epp_result::UnknownRequest,
            SessionError::AlreadyAnswered(_) => epp_result::AlreadyAnswered,
            SessionError::InputAfterEof => epp_result::InputAfterEof,
            SessionError::InputBufferFull { .. } => epp_result::InputBufferFull,
            SessionError::WrongAnswer { .. } => epp_result::WrongAnswer,
            SessionError::InvalidXml { .. } => epp_result::InvalidXml,
            SessionError::InvalidAnswer(_) => epp_result::InvalidAnswer,
        }
    }
}

impl From<&crate::etp::SessionError> for epp_result {
    fn from(e: &crate::etp::SessionError) -> epp_result {
        use crate::etp::SessionError as E;
        // Exhaustive on purpose, as above: the ETP session's errors reuse
        // the EPP session's values, which mean the same.
        match e {
            E::Closed(_) => epp_result::SessionClosed,
            E::UnknownRequest(_) => epp_result::UnknownRequest,
            E::AlreadyAnswered(_) => epp_result::AlreadyAnswered,
            E::InputAfterEof => epp_result::InputAfterEof,
            E::InputBufferFull { .. } => epp_result::InputBufferFull,
        }
    }
}

impl From<&ConfigError> for epp_result {
    fn from(e: &ConfigError) -> epp_result {
        match e {
            ConfigError::Invalid { .. } => epp_result::InvalidConfig,
        }
    }
}

/// Writes a short English description of `result` (an `epp_result` value)
/// into `buf`, terminated by a NUL, and its length without the NUL into
/// `*written`. A buffer of `EPP_RESULT_DESCRIBE_MAX` bytes always suffices.
///
/// Returns `EPP_RESULT_INSUFFICIENT_SIZE` when the description and its NUL
/// do not fit in `len` bytes, and `EPP_RESULT_INVALID_ARGUMENT` when
/// `result` is not an `epp_result` value; nothing is written then.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_result_describe(
    result: u32,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> epp_result {
    guard(|| {
        let written = out(written)?;
        let text = epp_result::from_u32(result)
            .ok_or_else(|| invalid(format!("result: {result} is not an epp_result value")))?
            .text();
        unsafe { out_bytes(buf.cast::<u8>(), len, text.as_bytes())? };
        written.write(text.len());
        Ok(())
    })
}

/// The text of the latest call on this thread that failed (of any libepp
/// function returning an `epp_result`): what went wrong, naming the
/// argument and its value for an argument error ("result_code: 1234 is
/// not an EPP result code (RFC 5730 section 3)"), the session's detail for
/// a session error (the same text as `epp_session_get_last_error`), else
/// the result's description. (NULL, 0) when no call has failed on this
/// thread. Like errno, it is only meaningful right after a call returned
/// something other than `EPP_RESULT_OK`: successful calls leave it as it
/// is. The text is valid until the next failed call on this thread.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_last_error(
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    guard(|| {
        let o = unsafe { out_str(out_ptr, out_len)? };
        with_last_error(|e| o.write(e));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_distinct_sorted_and_described() {
        for w in epp_result::ALL.windows(2) {
            assert!((w[0] as u32) < (w[1] as u32));
        }
        for r in epp_result::ALL {
            assert_eq!(epp_result::from_u32(r as u32), Some(r));
            assert!(r.text().len() < EPP_RESULT_DESCRIBE_MAX);
        }
        assert_eq!(epp_result::from_u32(9999), None);
    }
}
