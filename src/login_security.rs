//! RFC 8807, the Login Security Extension: what the host configures
//! ([`LoginSecurity`]), reads ([`UserAgent`], in a
//! [`LoginRequest`](crate::LoginRequest)) and answers ([`SecurityEvent`],
//! with [`Session::answer_login_with`](crate::Session::answer_login_with)).
//!
//! The `<loginSec:loginSec>` element is read in `parse.rs` as strictly as
//! its schema, and checked against the login in `machine.rs` (the
//! `[LOGIN-SECURITY]` placeholders, the password bounds). The
//! `<loginSec:loginSecData>` of a login response is written here and sorted
//! by `passthrough.rs` like any host extension, so that a client that did
//! not log in with the extension gets it in `<extValue>` (RFC 9038).

use std::time::{Duration, SystemTime};

use crate::error::SessionError;
use crate::render::{push_attr, push_text};
use crate::time::format_rfc3339;
use crate::trid::push_decimal;

/// The RFC 8807 namespace (`<extURI>` in the greeting and the login).
pub const LOGIN_SECURITY_NS: &str = "urn:ietf:params:xml:ns:epp:loginSec-1.0";

/// The predefined value a client puts in `<pw>` or `<newPW>` when the real
/// password travels in `<loginSec:pw>` or `<loginSec:newPW>` (RFC 8807
/// section 3.2). On a server that offers the extension it is never a
/// password.
pub const LOGIN_SECURITY_PASSWORD: &str = "[LOGIN-SECURITY]";

/// The server's RFC 8807 policy: set with
/// [`ServerConfigBuilder::login_security`](crate::ServerConfigBuilder::login_security),
/// which also offers [`LOGIN_SECURITY_NS`] in the greeting.
///
/// The bounds apply to `<loginSec:pw>` and `<loginSec:newPW>` only: the
/// plain `<pw>` and `<newPW>` stay 6 to 16 characters (epp-1.0.xsd). RFC
/// 8807's schema sets no maximum ("up to server policy"); a password outside
/// the bounds is answered 2306, one under the schema's 6 characters 2001.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LoginSecurity {
    /// Fewest characters (after whitespace collapse; default 6, the
    /// schema's `minLength`, and never less).
    pub min_password_len: usize,
    /// Most characters (default 128; at most 1024 and at most
    /// [`Limits::max_xml_text`](crate::Limits::max_xml_text)).
    pub max_password_len: usize,
}

impl LoginSecurity {
    /// The schema's minimum (`loginSec:pwType`'s `minLength`).
    pub const SCHEMA_MIN_PASSWORD_LEN: usize = 6;
    /// The largest `max_password_len` a configuration accepts.
    pub const MAX_PASSWORD_LEN_LIMIT: usize = 1024;
}

impl Default for LoginSecurity {
    /// 6 to 128 characters.
    fn default() -> LoginSecurity {
        LoginSecurity {
            min_password_len: LoginSecurity::SCHEMA_MIN_PASSWORD_LEN,
            max_password_len: 128,
        }
    }
}

/// `<loginSec:userAgent>`: the client software, as the client describes it
/// (RFC 8807 section 4.1). At least one part is present; each is
/// whitespace-collapsed (`token`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct UserAgent {
    /// `<loginSec:app>`: application and version, such as `EPP SDK 1.0.0`.
    pub app: Option<String>,
    /// `<loginSec:tech>`: technology and version, such as
    /// `Vendor Java 11.0.6`.
    pub tech: Option<String>,
    /// `<loginSec:os>`: operating system and version.
    pub os: Option<String>,
}

/// The `type` of a [`SecurityEvent`] (RFC 8807 section 3.1), with the
/// `name` attribute where the type needs one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecurityEventType {
    /// `password`: the password expires (or expired) at `exDate`, which
    /// must be set.
    Password,
    /// `certificate`: the client certificate expires (or expired) at
    /// `exDate`, which must be set.
    Certificate,
    /// `cipher`: an insecure or deprecated TLS cipher suite (its name in
    /// `value`).
    Cipher,
    /// `tlsProtocol`: an insecure or deprecated TLS protocol (its name in
    /// `value`).
    TlsProtocol,
    /// `newPW`: the new password does not meet the server's requirements.
    NewPassword,
    /// `stat` with the statistic's `name`, such as `failedLogins` (its
    /// figure in `value`, its period in `duration`).
    Stat(String),
    /// `custom` with the custom event's `name`.
    Custom(String),
}

impl SecurityEventType {
    /// The `type` attribute's value.
    pub fn as_str(&self) -> &'static str {
        match self {
            SecurityEventType::Password => "password",
            SecurityEventType::Certificate => "certificate",
            SecurityEventType::Cipher => "cipher",
            SecurityEventType::TlsProtocol => "tlsProtocol",
            SecurityEventType::NewPassword => "newPW",
            SecurityEventType::Stat(_) => "stat",
            SecurityEventType::Custom(_) => "custom",
        }
    }

    /// The `name` attribute's value, for `stat` and `custom`.
    pub fn name(&self) -> Option<&str> {
        match self {
            SecurityEventType::Stat(n) | SecurityEventType::Custom(n) => Some(n),
            _ => None,
        }
    }
}

/// The `level` of a [`SecurityEvent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecurityEventLevel {
    /// `warning`: the client should act on it.
    Warning,
    /// `error`: the event made the login fail.
    Error,
}

impl SecurityEventLevel {
    /// The `level` attribute's value.
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityEventLevel::Warning => "warning",
            SecurityEventLevel::Error => "error",
        }
    }
}

/// One `<loginSec:event>` of a login response (RFC 8807 sections 3.1 and
/// 4.2), given to
/// [`Session::answer_login_with`](crate::Session::answer_login_with).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecurityEvent {
    /// `type` (and `name`).
    pub event_type: SecurityEventType,
    /// `level`.
    pub level: SecurityEventLevel,
    /// `exDate`: when the password or certificate expires (required for
    /// those two types). Written with second precision unless it has a
    /// fraction.
    pub expires_at: Option<SystemTime>,
    /// `value`: the cipher suite, the TLS protocol, the statistic's figure.
    pub value: Option<String>,
    /// `duration`: the period of a statistic (written as an XML Schema
    /// duration, such as `P1D`).
    pub duration: Option<Duration>,
    /// `lang` of `text` (the schema's default is `en`; `None` writes no
    /// attribute).
    pub lang: Option<String>,
    /// The human-readable description (the element's text).
    pub text: Option<String>,
}

impl SecurityEvent {
    /// An event with no attribute but `type` and `level`, and no text.
    pub fn new(event_type: SecurityEventType, level: SecurityEventLevel) -> SecurityEvent {
        SecurityEvent {
            event_type,
            level,
            expires_at: None,
            value: None,
            duration: None,
            lang: None,
            text: None,
        }
    }

    /// Sets `exDate`.
    pub fn with_expires_at(mut self, at: SystemTime) -> SecurityEvent {
        self.expires_at = Some(at);
        self
    }

    /// Sets `value`.
    pub fn with_value(mut self, value: impl Into<String>) -> SecurityEvent {
        self.value = Some(value.into());
        self
    }

    /// Sets `duration`.
    pub fn with_duration(mut self, duration: Duration) -> SecurityEvent {
        self.duration = Some(duration);
        self
    }

    /// Sets `lang`.
    pub fn with_lang(mut self, lang: impl Into<String>) -> SecurityEvent {
        self.lang = Some(lang.into());
        self
    }

    /// Sets the text.
    pub fn with_text(mut self, text: impl Into<String>) -> SecurityEvent {
        self.text = Some(text.into());
        self
    }
}

/// Checks what the schema and RFC 8807 section 3.1 require of the host's
/// events.
pub(crate) fn check_events(events: &[SecurityEvent]) -> Result<(), SessionError> {
    let bad = |reason: String| Err(SessionError::InvalidAnswer(reason));
    for e in events {
        let kind = e.event_type.as_str();
        if matches!(
            e.event_type,
            SecurityEventType::Password | SecurityEventType::Certificate
        ) && e.expires_at.is_none()
        {
            return bad(format!(
                "a {kind} security event needs its expiry (exDate, RFC 8807 section 3.1)"
            ));
        }
        if let Some(name) = e.event_type.name() {
            if name.trim().is_empty() {
                return bad(format!("a {kind} security event needs a name"));
            }
        }
        if let Some(l) = &e.lang {
            if !crate::parse::is_language(l) {
                return bad(format!("{l:?} is not a language tag"));
            }
        }
    }
    Ok(())
}

/// `<loginSec:loginSecData>` holding `events` (at least one), standing
/// alone.
pub(crate) fn login_sec_data_xml(events: &[SecurityEvent]) -> String {
    let mut o = Vec::with_capacity(128 + 160 * events.len());
    o.extend_from_slice(b"<loginSec:loginSecData xmlns:loginSec=\"");
    o.extend_from_slice(LOGIN_SECURITY_NS.as_bytes());
    o.extend_from_slice(b"\">");
    for e in events {
        // Attributes in the schema's order.
        o.extend_from_slice(b"<loginSec:event type=\"");
        o.extend_from_slice(e.event_type.as_str().as_bytes());
        if let Some(name) = e.event_type.name() {
            o.extend_from_slice(b"\" name=\"");
            push_attr(&mut o, name);
        }
        o.extend_from_slice(b"\" level=\"");
        o.extend_from_slice(e.level.as_str().as_bytes());
        if let Some(t) = e.expires_at {
            o.extend_from_slice(b"\" exDate=\"");
            o.extend_from_slice(date_time(t).as_bytes());
        }
        if let Some(v) = &e.value {
            o.extend_from_slice(b"\" value=\"");
            push_attr(&mut o, v);
        }
        if let Some(d) = e.duration {
            o.extend_from_slice(b"\" duration=\"");
            push_duration(&mut o, d);
        }
        if let Some(l) = &e.lang {
            o.extend_from_slice(b"\" lang=\"");
            push_attr(&mut o, l);
        }
        match e.text.as_deref() {
            None | Some("") => o.extend_from_slice(b"\"/>"),
            Some(text) => {
                o.extend_from_slice(b"\">");
                push_text(&mut o, text);
                o.extend_from_slice(b"</loginSec:event>");
            }
        }
    }
    o.extend_from_slice(b"</loginSec:loginSecData>");
    String::from_utf8(o).expect("escaped UTF-8")
}

/// An `xs:dateTime` in UTC: `2020-03-25T00:00:00Z`, with milliseconds only
/// when there are some.
fn date_time(t: SystemTime) -> String {
    let s = format_rfc3339(t);
    match s.strip_suffix(".000Z") {
        Some(whole) => format!("{whole}Z"),
        None => s,
    }
}

/// An `xs:duration`: days, then hours, minutes and seconds (`P1D`,
/// `PT1H30M`, `PT0.5S`, `PT0S`).
fn push_duration(o: &mut Vec<u8>, d: Duration) {
    let secs = d.as_secs();
    let nanos = d.subsec_nanos();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (h, m, s) = (rem / 3600, rem / 60 % 60, rem % 60);
    o.push(b'P');
    if days > 0 {
        push_decimal(o, days);
        o.push(b'D');
    }
    if rem == 0 && nanos == 0 {
        if days == 0 {
            o.extend_from_slice(b"T0S");
        }
        return;
    }
    o.push(b'T');
    if h > 0 {
        push_decimal(o, h);
        o.push(b'H');
    }
    if m > 0 {
        push_decimal(o, m);
        o.push(b'M');
    }
    if s > 0 || nanos > 0 {
        push_decimal(o, s);
        if nanos > 0 {
            let frac = format!("{nanos:09}");
            o.push(b'.');
            o.extend_from_slice(frac.trim_end_matches('0').as_bytes());
        }
        o.push(b'S');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn duration(d: Duration) -> String {
        let mut o = Vec::new();
        push_duration(&mut o, d);
        String::from_utf8(o).unwrap()
    }

    #[test]
    fn durations_are_xml_schema_durations() {
        assert_eq!(duration(Duration::from_secs(86_400)), "P1D");
        assert_eq!(duration(Duration::ZERO), "PT0S");
        assert_eq!(duration(Duration::from_secs(5400)), "PT1H30M");
        assert_eq!(duration(Duration::from_millis(500)), "PT0.5S");
        assert_eq!(duration(Duration::from_secs(86_400 * 2 + 61)), "P2DT1M1S");
    }

    #[test]
    fn dates_have_seconds_unless_there_is_a_fraction() {
        let t = UNIX_EPOCH + Duration::from_secs(1_585_094_400);
        assert_eq!(date_time(t), "2020-03-25T00:00:00Z");
        assert_eq!(
            date_time(t + Duration::from_millis(7)),
            "2020-03-25T00:00:00.007Z"
        );
    }

    #[test]
    fn events_are_checked() {
        let w = SecurityEventLevel::Warning;
        assert!(check_events(&[SecurityEvent::new(SecurityEventType::Password, w)]).is_err());
        assert!(
            check_events(&[SecurityEvent::new(SecurityEventType::Custom(" ".into()), w)]).is_err()
        );
        assert!(check_events(&[
            SecurityEvent::new(SecurityEventType::Cipher, w).with_lang("en_GB")
        ])
        .is_err());
        assert!(check_events(&[SecurityEvent::new(SecurityEventType::NewPassword, w)]).is_ok());
    }
}
