//! The host's answers. libepp renders every one of them; the host never
//! writes envelope XML.

use std::time::SystemTime;

use crate::result_code::ResultCode;

/// How the host decided a [`LoginRequest`](crate::LoginRequest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoginAnswer {
    /// Credentials accepted (and the new password set, if one was given):
    /// 1000, and the session is logged in.
    Accepted,
    /// Credentials rejected: 2200, or 2501 and close when this failure
    /// reaches the configured `max_failed_logins`.
    BadCredentials,
    /// The account exists but may not log in: 2201.
    AccountDisabled,
    /// The registrar has too many sessions: 2502, and close.
    SessionLimitExceeded,
    /// The host could not decide (database down...): 2400.
    Failed,
}

/// How the host answered a [`PollRequest`](crate::PollRequest).
#[derive(Debug, Clone, PartialEq)]
pub enum PollAnswer {
    /// The client's queue is empty: 1300.
    Empty,
    /// The oldest message: 1301 with `<msgQ>`.
    Message(PollMessage),
}

/// A queued service message, as the host stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct PollMessage {
    /// Message id, written as `msgQ@id`.
    pub id: u64,
    /// Messages in the queue, this one included (`msgQ@count`): at least
    /// 1 ([`Session::answer_poll`](crate::Session::answer_poll) refuses 0).
    pub count: u64,
    /// When the message was queued (`<qDate>`).
    pub queued_at: SystemTime,
    /// Language of `text` (`<msg lang>`); `None` means `en`.
    pub lang: Option<String>,
    /// Human-readable text (`<msg>`).
    pub text: String,
    /// Structured content of `<msg>` (epp-1.0.xsd `mixedMsgType`), written
    /// after `text`: one or more namespaced elements, for example FRED's
    /// `<fred:lowCreditData xmlns:fred="...">`, each made to stand alone.
    /// An element whose namespace the client did not log in with (as an
    /// objURI or an extURI) is moved into `<extValue>` (RFC 9038), as for
    /// `res_data`.
    pub msg_xml: Option<String>,
    /// Object-specific data (`<resData>` children), passed through. An
    /// element whose namespace the client did not log in with is moved into
    /// `<extValue>` (RFC 9038).
    pub res_data: Option<String>,
    /// Extension data (`<extension>` children), passed through, with the
    /// same RFC 9038 rule against the client's extURIs.
    pub extension: Option<String>,
}

impl PollMessage {
    /// A text-only message.
    pub fn new(id: u64, count: u64, queued_at: SystemTime, text: impl Into<String>) -> PollMessage {
        PollMessage {
            id,
            count,
            queued_at,
            lang: None,
            text: text.into(),
            msg_xml: None,
            res_data: None,
            extension: None,
        }
    }

    /// Sets the structured content of `<msg>` ([`PollMessage::msg_xml`]).
    pub fn with_msg_xml(mut self, xml: impl Into<String>) -> PollMessage {
        self.msg_xml = Some(xml.into());
        self
    }
}

/// How the host answered a [`PollAckRequest`](crate::PollAckRequest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckAnswer {
    /// The message was removed: 1000 with `<msgQ count=remaining id=acked>`.
    Acked {
        /// Messages left in the client's queue.
        remaining: u64,
    },
    /// No such message for this client: 2303.
    UnknownMessage,
}

/// One `<result>` of a response.
#[derive(Debug, Clone, PartialEq)]
pub struct EppResult {
    /// The result code.
    pub code: ResultCode,
    /// `<msg>` text; `None` uses the code's standard text.
    pub message: Option<String>,
    /// `<msg lang>`; `None` means `en`.
    pub lang: Option<String>,
    /// `<value>` and `<extValue>` elements, in order.
    pub values: Vec<ResultValue>,
}

impl EppResult {
    /// A result with the code's standard text.
    pub fn new(code: ResultCode) -> EppResult {
        EppResult {
            code,
            message: None,
            lang: None,
            values: Vec::new(),
        }
    }
}

/// A `<value>` or `<extValue>` of a result.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultValue {
    /// `<value>` holding this XML element (for example
    /// `<domain:name xmlns:domain="...">x</domain:name>`).
    Value(String),
    /// `<extValue><value>{value}</value><reason>{reason}</reason></extValue>`.
    ExtValue {
        /// The XML element inside `<value>`.
        value: String,
        /// Plain text for `<reason>`.
        reason: String,
    },
}

/// A complete answer to an object command (or to any request when the host
/// wants full control): result codes and passed-through XML. The envelope,
/// `<trID>` and the RFC 9038 rules are libepp's.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// At least one result; the first gives the response its code.
    pub results: Vec<EppResult>,
    /// `<resData>` children.
    pub res_data: Option<String>,
    /// `<extension>` children.
    pub extension: Option<String>,
}

impl Response {
    /// A response with one result with the code's standard text.
    pub fn new(code: ResultCode) -> Response {
        Response {
            results: vec![EppResult::new(code)],
            res_data: None,
            extension: None,
        }
    }

    /// 1000.
    pub fn success() -> Response {
        Response::new(ResultCode::Success)
    }

    /// Sets the first result's message text.
    pub fn with_message(mut self, text: impl Into<String>) -> Response {
        self.results[0].message = Some(text.into());
        self
    }

    /// Sets the first result's message language.
    pub fn with_lang(mut self, lang: impl Into<String>) -> Response {
        self.results[0].lang = Some(lang.into());
        self
    }

    /// Adds a `<value>` to the first result.
    pub fn with_value(mut self, xml: impl Into<String>) -> Response {
        self.results[0].values.push(ResultValue::Value(xml.into()));
        self
    }

    /// Adds an `<extValue>` to the first result.
    pub fn with_ext_value(mut self, xml: impl Into<String>, reason: impl Into<String>) -> Response {
        self.results[0].values.push(ResultValue::ExtValue {
            value: xml.into(),
            reason: reason.into(),
        });
        self
    }

    /// Adds another result.
    pub fn with_result(mut self, result: EppResult) -> Response {
        self.results.push(result);
        self
    }

    /// Sets `<resData>` content.
    pub fn with_res_data(mut self, xml: impl Into<String>) -> Response {
        self.res_data = Some(xml.into());
        self
    }

    /// Sets `<extension>` content.
    pub fn with_extension(mut self, xml: impl Into<String>) -> Response {
        self.extension = Some(xml.into());
        self
    }

    /// The code of the first result.
    pub fn code(&self) -> ResultCode {
        self.results[0].code
    }
}
