//! EPP result codes (RFC 5730 section 3).

use std::fmt;

macro_rules! result_codes {
    ($( $(#[$doc:meta])* $name:ident = $code:literal => $text:literal, )*) => {
        /// Every result code of RFC 5730 section 3.
        ///
        /// The numeric value is the code on the wire; [`ResultCode::text`]
        /// is the standard English message that RFC 5730 gives for it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u16)]
        #[non_exhaustive]
        pub enum ResultCode {
            $( $(#[$doc])* $name = $code, )*
        }

        impl ResultCode {
            /// All result codes, in ascending numeric order.
            pub const ALL: &'static [ResultCode] = &[$(ResultCode::$name,)*];

            /// The standard English text RFC 5730 gives for this code.
            pub const fn text(self) -> &'static str {
                match self { $( ResultCode::$name => $text, )* }
            }

            /// The code for a number, if RFC 5730 defines it.
            pub const fn from_u16(code: u16) -> Option<ResultCode> {
                match code { $( $code => Some(ResultCode::$name), )* _ => None }
            }
        }
    };
}

result_codes! {
    /// 1000: the command succeeded.
    Success = 1000 => "Command completed successfully",
    /// 1001: the command succeeded; the action is pending.
    SuccessPending = 1001 => "Command completed successfully; action pending",
    /// 1300: poll request, the queue is empty.
    SuccessNoMessages = 1300 => "Command completed successfully; no messages",
    /// 1301: poll request, a message is returned.
    SuccessAckToDequeue = 1301 => "Command completed successfully; ack to dequeue",
    /// 1500: logout succeeded; the session ends.
    SuccessEndingSession = 1500 => "Command completed successfully; ending session",
    /// 2000: the command element is not known.
    UnknownCommand = 2000 => "Unknown command",
    /// 2001: the command is not valid XML or not valid against the schema.
    CommandSyntaxError = 2001 => "Command syntax error",
    /// 2002: the command is not allowed in the session's state.
    CommandUseError = 2002 => "Command use error",
    /// 2003: a required parameter is missing.
    RequiredParameterMissing = 2003 => "Required parameter missing",
    /// 2004: a parameter value is outside its range.
    ParameterValueRangeError = 2004 => "Parameter value range error",
    /// 2005: a parameter value is syntactically wrong.
    ParameterValueSyntaxError = 2005 => "Parameter value syntax error",
    /// 2100: the protocol version is not implemented.
    UnimplementedProtocolVersion = 2100 => "Unimplemented protocol version",
    /// 2101: the command is valid but not implemented by the server.
    UnimplementedCommand = 2101 => "Unimplemented command",
    /// 2102: the option (such as a language) is not implemented.
    UnimplementedOption = 2102 => "Unimplemented option",
    /// 2103: the extension is not implemented.
    UnimplementedExtension = 2103 => "Unimplemented extension",
    /// 2104: the billing system failed.
    BillingFailure = 2104 => "Billing failure",
    /// 2105: the object is not eligible for renewal.
    ObjectNotEligibleForRenewal = 2105 => "Object is not eligible for renewal",
    /// 2106: the object is not eligible for transfer.
    ObjectNotEligibleForTransfer = 2106 => "Object is not eligible for transfer",
    /// 2200: authentication failed.
    AuthenticationError = 2200 => "Authentication error",
    /// 2201: the client is not authorized.
    AuthorizationError = 2201 => "Authorization error",
    /// 2202: the authorization information is invalid.
    InvalidAuthorizationInformation = 2202 => "Invalid authorization information",
    /// 2300: a transfer is already pending for the object.
    ObjectPendingTransfer = 2300 => "Object pending transfer",
    /// 2301: the object is not pending transfer.
    ObjectNotPendingTransfer = 2301 => "Object not pending transfer",
    /// 2302: the object already exists.
    ObjectExists = 2302 => "Object exists",
    /// 2303: the object does not exist.
    ObjectDoesNotExist = 2303 => "Object does not exist",
    /// 2304: the object's status prohibits the operation.
    ObjectStatusProhibitsOperation = 2304 => "Object status prohibits operation",
    /// 2305: an association prohibits the operation.
    ObjectAssociationProhibitsOperation = 2305 => "Object association prohibits operation",
    /// 2306: a parameter value violates server policy.
    ParameterValuePolicyError = 2306 => "Parameter value policy error",
    /// 2307: the object service is not implemented or not logged in.
    UnimplementedObjectService = 2307 => "Unimplemented object service",
    /// 2308: data management policy was violated.
    DataManagementPolicyViolation = 2308 => "Data management policy violation",
    /// 2400: the server failed internally.
    CommandFailed = 2400 => "Command failed",
    /// 2500: the command failed and the server closes the connection.
    CommandFailedServerClosingConnection = 2500 => "Command failed; server closing connection",
    /// 2501: authentication failed and the server closes the connection.
    AuthenticationErrorServerClosingConnection = 2501 => "Authentication error; server closing connection",
    /// 2502: a session limit was exceeded and the server closes the connection.
    SessionLimitExceededServerClosingConnection = 2502 => "Session limit exceeded; server closing connection",
}

impl ResultCode {
    /// The numeric code as sent on the wire.
    pub const fn code(self) -> u16 {
        self as u16
    }

    /// True for 1xxx codes.
    pub const fn is_success(self) -> bool {
        (self as u16) < 2000
    }

    /// True for 25xx codes, after which the server closes the connection.
    pub const fn closes_session(self) -> bool {
        (self as u16) >= 2500
    }

    /// The code as four ASCII digits.
    pub(crate) fn digits(self) -> [u8; 4] {
        let c = self as u16;
        [
            b'0' + (c / 1000) as u8,
            b'0' + (c / 100 % 10) as u8,
            b'0' + (c / 10 % 10) as u8,
            b'0' + (c % 10) as u8,
        ]
    }
}

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_sorted() {
        assert_eq!(ResultCode::ALL.len(), 34);
        for w in ResultCode::ALL.windows(2) {
            assert!(w[0].code() < w[1].code());
        }
        for &c in ResultCode::ALL {
            assert_eq!(ResultCode::from_u16(c.code()), Some(c));
            assert_eq!(
                std::str::from_utf8(&c.digits()).unwrap(),
                c.code().to_string()
            );
        }
        assert_eq!(ResultCode::from_u16(1002), None);
        assert!(ResultCode::SuccessEndingSession.is_success());
        assert!(ResultCode::CommandFailedServerClosingConnection.closes_session());
        assert!(!ResultCode::CommandFailed.closes_session());
    }
}
