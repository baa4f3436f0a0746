//! The transaction log: one record per response written, for the host's
//! audit lines.

use std::fmt;
use std::time::SystemTime;

use crate::request::CommandVerb;
use crate::result_code::ResultCode;
use crate::trid::TransactionId;

/// What a response answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandName {
    /// `<hello>` (answered by a greeting).
    Hello,
    /// `<login>`.
    Login,
    /// `<logout>`.
    Logout,
    /// `<poll op="req">`.
    PollReq,
    /// `<poll op="ack">`.
    PollAck,
    /// An object command.
    Object(CommandVerb),
    /// A protocol extension (`<epp><extension>`, RFC 3735).
    Extension,
    /// A frame refused with 2000 or 2001.
    Invalid,
    /// A frame length refused with 2500.
    FrameLength,
}

impl CommandName {
    /// The name for logs: `hello`, `login`, `logout`, `poll req`,
    /// `poll ack`, the object verb (`check`, `info`, ...), `extension`,
    /// `invalid` or `frame`.
    pub fn as_str(self) -> &'static str {
        match self {
            CommandName::Hello => "hello",
            CommandName::Login => "login",
            CommandName::Logout => "logout",
            CommandName::PollReq => "poll req",
            CommandName::PollAck => "poll ack",
            CommandName::Object(v) => v.as_str(),
            CommandName::Extension => "extension",
            CommandName::Invalid => "invalid",
            CommandName::FrameLength => "frame",
        }
    }
}

impl fmt::Display for CommandName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One response written, for the host's audit log (kept only when the
/// configuration asks for it: [`ServerConfigBuilder::transaction_log`]).
///
/// [`ServerConfigBuilder::transaction_log`]: crate::ServerConfigBuilder::transaction_log
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionRecord {
    /// What was answered.
    pub command: CommandName,
    /// The result code; `None` for a greeting.
    pub code: Option<ResultCode>,
    /// The logged-in client, or for a login the clID it tried.
    pub client_id: Option<String>,
    /// The client's clTRID, as echoed.
    pub client_transaction_id: Option<TransactionId>,
    /// The svTRID; `None` for a greeting.
    pub server_transaction_id: Option<String>,
    /// When the frame was read (the `now` passed with it).
    pub received_at: SystemTime,
}
