//! Server configuration: plain validated data, immutable once built and
//! shared by every session behind an [`Arc`], with the greeting rendered
//! once. What changes while a server runs (svTRIDs, the per-registrar
//! session count) lives in [`Server`](crate::Server).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::error::ConfigError;
use crate::login_security::{LoginSecurity, LOGIN_SECURITY_NS};
use crate::parse::is_language;
use crate::render::{push_text, EPP_CLOSE, EPP_OPEN};
use crate::time::{write_rfc3339, RFC3339_LEN};
use crate::trid::push_decimal;

/// The extURI by which server and client signal RFC 9038 (unhandled
/// namespaces) support: offered in the greeting when
/// [`ServerConfigBuilder::unhandled_namespaces`] is on, and then accepted in
/// a login's `<svcExtension>`.
pub const UNHANDLED_NAMESPACES_URI: &str = "urn:ietf:params:xml:ns:epp:unhandled-namespaces-1.0";

/// Limits that bound what one session may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest frame accepted, header included (default 256 KiB). A larger
    /// announced length is answered 2500 and the session closes.
    pub max_frame_size: u32,
    /// Commands read but not yet answered (default 32). Past it, the session
    /// takes no more input until responses drain.
    pub max_in_flight: usize,
    /// Bytes of rendered output not yet taken by the host past which the
    /// session takes no more input (default 1 MiB).
    pub max_pending_output: usize,
    /// Failed logins in one connection; the one that reaches it is answered
    /// 2501 and the session closes (default 3).
    pub max_failed_logins: u32,
    /// Time from connection to a successful login (default 60 s).
    pub login_deadline: Duration,
    /// Time without a frame from the client (default 600 s).
    pub idle_timeout: Duration,
    /// Bytes fed but not yet handled that the session holds while it cannot
    /// handle another frame (default 512 KiB; at least `max_frame_size`).
    /// While the session wants no input
    /// ([`Session::wants_input`](crate::Session::wants_input)) the host
    /// should stop reading; a feed then that would hold more than this is
    /// refused whole. (A feed made while the session wanted input is always
    /// taken, so what is held stays within this plus one read.)
    pub max_buffered_input: usize,
    /// Element nesting depth (default 64).
    pub max_xml_depth: usize,
    /// Attributes on one element (default 32).
    pub max_xml_attributes: usize,
    /// Bytes in one text node or attribute value (default 64 KiB).
    pub max_xml_text: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_frame_size: 256 * 1024,
            max_in_flight: 32,
            max_pending_output: 1024 * 1024,
            max_failed_logins: 3,
            login_deadline: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(600),
            max_buffered_input: 512 * 1024,
            max_xml_depth: 64,
            max_xml_attributes: 32,
            max_xml_text: 64 * 1024,
        }
    }
}

/// `<dcp><access>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum DcpAccess {
    All,
    None,
    Null,
    Other,
    Personal,
    PersonalAndOther,
}

/// `<dcp><statement><purpose>` members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum DcpPurpose {
    Admin,
    Contact,
    Other,
    Prov,
}

/// `<dcp><statement><recipient>` members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DcpRecipient {
    /// `<other/>`.
    Other,
    /// `<ours>`, with an optional `<recDesc>`.
    Ours(Option<String>),
    /// `<public/>`.
    Public,
    /// `<same/>`.
    Same,
    /// `<unrelated/>`.
    Unrelated,
}

/// `<dcp><statement><retention>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum DcpRetention {
    Business,
    Indefinite,
    Legal,
    None,
    Stated,
}

/// One `<dcp><statement>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DcpStatement {
    /// At least one purpose.
    pub purposes: Vec<DcpPurpose>,
    /// At least one recipient.
    pub recipients: Vec<DcpRecipient>,
    /// The retention.
    pub retention: DcpRetention,
}

/// `<dcp><expiry>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DcpExpiry {
    /// `<absolute>`: the policy expires at this instant.
    Absolute(SystemTime),
    /// `<relative>`: the policy expires this long after the greeting.
    Relative(Duration),
}

/// The data collection policy announced in the greeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dcp {
    /// `<access>`.
    pub access: DcpAccess,
    /// At least one `<statement>`.
    pub statements: Vec<DcpStatement>,
    /// `<expiry>`.
    pub expiry: Option<DcpExpiry>,
}

impl Default for Dcp {
    /// Access to all data; collected for administration and provisioning,
    /// shared with us and the public, kept as stated.
    fn default() -> Dcp {
        Dcp {
            access: DcpAccess::All,
            statements: vec![DcpStatement {
                purposes: vec![DcpPurpose::Admin, DcpPurpose::Prov],
                recipients: vec![DcpRecipient::Ours(None), DcpRecipient::Public],
                retention: DcpRetention::Stated,
            }],
            expiry: None,
        }
    }
}

/// The server's configuration: validated data, immutable once built,
/// shared by every session. Build it with [`ServerConfig::builder`]; run
/// sessions on it through a [`Server`](crate::Server).
#[derive(Debug, PartialEq, Eq)]
pub struct ServerConfig {
    pub(crate) server_id: String,
    pub(crate) versions: Vec<String>,
    pub(crate) languages: Vec<String>,
    pub(crate) object_uris: Vec<String>,
    pub(crate) extension_uris: Vec<String>,
    pub(crate) dcp: Dcp,
    pub(crate) limits: Limits,
    pub(crate) transaction_log: bool,
    pub(crate) sv_trid_prefix: String,
    pub(crate) sv_trid_epoch: Option<u64>,
    /// RFC 8807, when offered.
    pub(crate) login_security: Option<LoginSecurity>,
    /// The framed greeting with a placeholder svDate at `greeting_date_at`.
    greeting: Vec<u8>,
    greeting_date_at: usize,
}

impl ServerConfig {
    /// Starts a configuration for the server called `server_id` (svID,
    /// 3 to 64 characters).
    pub fn builder(server_id: impl Into<String>) -> ServerConfigBuilder {
        ServerConfigBuilder {
            server_id: server_id.into(),
            versions: vec!["1.0".into()],
            languages: Vec::new(),
            object_uris: Vec::new(),
            extension_uris: Vec::new(),
            dcp: Dcp::default(),
            limits: Limits::default(),
            sv_trid_prefix: None,
            sv_trid_epoch: None,
            transaction_log: false,
            unhandled_namespaces: false,
            login_security: None,
        }
    }

    /// The svID.
    pub fn server_id(&self) -> &str {
        &self.server_id
    }

    /// The protocol versions offered.
    pub fn versions(&self) -> &[String] {
        &self.versions
    }

    /// The languages offered.
    pub fn languages(&self) -> &[String] {
        &self.languages
    }

    /// The object URIs offered.
    pub fn object_uris(&self) -> &[String] {
        &self.object_uris
    }

    /// The extension URIs offered.
    pub fn extension_uris(&self) -> &[String] {
        &self.extension_uris
    }

    /// Whether RFC 9038 support ([`UNHANDLED_NAMESPACES_URI`]) is offered.
    pub fn unhandled_namespaces(&self) -> bool {
        self.extension_uris
            .iter()
            .any(|u| u == UNHANDLED_NAMESPACES_URI)
    }

    /// The data collection policy.
    pub fn dcp(&self) -> &Dcp {
        &self.dcp
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Whether sessions keep a transaction log
    /// ([`ServerConfigBuilder::transaction_log`]).
    pub fn transaction_log(&self) -> bool {
        self.transaction_log
    }

    /// The svTRID prefix.
    pub fn sv_trid_prefix(&self) -> &str {
        &self.sv_trid_prefix
    }

    /// The svTRID epoch set on the builder, if any.
    pub fn sv_trid_epoch(&self) -> Option<u64> {
        self.sv_trid_epoch
    }

    /// The RFC 8807 policy, when the login security extension is offered
    /// ([`ServerConfigBuilder::login_security`]).
    pub fn login_security(&self) -> Option<LoginSecurity> {
        self.login_security
    }

    /// Appends the framed greeting for `now` to `out`.
    pub(crate) fn write_greeting(&self, out: &mut Vec<u8>, now: SystemTime) {
        let at = out.len() + self.greeting_date_at;
        out.extend_from_slice(&self.greeting);
        let mut date = [0u8; RFC3339_LEN];
        write_rfc3339(now, &mut date);
        out[at..at + RFC3339_LEN].copy_from_slice(&date);
    }

    /// The greeting frame's XML for `now` (without the length header).
    pub fn greeting_xml(&self, now: SystemTime) -> String {
        let mut v = Vec::new();
        self.write_greeting(&mut v, now);
        String::from_utf8_lossy(&v[4..]).into_owned()
    }
}

/// Builds a [`ServerConfig`]; see [`ServerConfig::builder`]. Setters take
/// `&mut self` and [`ServerConfigBuilder::build`] takes `&self`, so one
/// builder can be kept, changed and built again (a reload, a test matrix).
#[derive(Debug, Clone)]
pub struct ServerConfigBuilder {
    server_id: String,
    versions: Vec<String>,
    languages: Vec<String>,
    object_uris: Vec<String>,
    extension_uris: Vec<String>,
    dcp: Dcp,
    limits: Limits,
    sv_trid_prefix: Option<String>,
    sv_trid_epoch: Option<u64>,
    transaction_log: bool,
    unhandled_namespaces: bool,
    login_security: Option<LoginSecurity>,
}

impl ServerConfigBuilder {
    /// Replaces the offered protocol versions (default `1.0`, the only EPP
    /// version).
    pub fn versions<I: IntoIterator<Item = S>, S: Into<String>>(&mut self, v: I) -> &mut Self {
        self.versions = v.into_iter().map(Into::into).collect();
        self
    }

    /// Offers a language (`en` if none is added).
    pub fn language(&mut self, lang: impl Into<String>) -> &mut Self {
        self.languages.push(lang.into());
        self
    }

    /// Offers an object URI (at least one is required).
    pub fn object_uri(&mut self, uri: impl Into<String>) -> &mut Self {
        self.object_uris.push(uri.into());
        self
    }

    /// Offers an extension URI.
    pub fn extension_uri(&mut self, uri: impl Into<String>) -> &mut Self {
        self.extension_uris.push(uri.into());
        self
    }

    /// Offers RFC 9038 (unhandled namespaces): [`UNHANDLED_NAMESPACES_URI`]
    /// is added to the extension URIs (after the others, unless already
    /// listed), so the greeting announces it and a login may ask for it
    /// (default off). Content in a namespace the client did not log in with
    /// is moved into `<extValue>` either way; see the README.
    pub fn unhandled_namespaces(&mut self, on: bool) -> &mut Self {
        self.unhandled_namespaces = on;
        self
    }

    /// Offers RFC 8807 (login security) with `policy`:
    /// [`LOGIN_SECURITY_NS`] is added to the extension URIs (after the
    /// others, unless already listed), so the greeting announces it. A login
    /// may then carry `<loginSec:loginSec>`: passwords longer than 16
    /// characters behind the `[LOGIN-SECURITY]` placeholder, and the client's
    /// user agent. The host gets the real passwords in
    /// [`LoginRequest`](crate::LoginRequest) and may answer with security
    /// events ([`Session::answer_login_with`](crate::Session::answer_login_with)).
    /// Default: not offered, and a login using the extension is answered 2103.
    pub fn login_security(&mut self, policy: LoginSecurity) -> &mut Self {
        self.login_security = Some(policy);
        self
    }

    /// Sets the data collection policy.
    pub fn dcp(&mut self, dcp: Dcp) -> &mut Self {
        self.dcp = dcp;
        self
    }

    /// The limits set so far, to change one in place.
    pub fn limits_mut(&mut self) -> &mut Limits {
        &mut self.limits
    }

    /// The data collection policy set so far, to change it in place.
    pub fn dcp_mut(&mut self) -> &mut Dcp {
        &mut self.dcp
    }

    /// The versions set so far (default `1.0`), to change them in place.
    pub fn versions_mut(&mut self) -> &mut Vec<String> {
        &mut self.versions
    }

    /// Sets the limits.
    pub fn limits(&mut self, limits: Limits) -> &mut Self {
        self.limits = limits;
        self
    }

    /// Sets the svTRID prefix (1 to 20 characters, letters, digits, `.`,
    /// `_` or `-`; default: the server id's first such characters).
    pub fn sv_trid_prefix(&mut self, prefix: impl Into<String>) -> &mut Self {
        self.sv_trid_prefix = Some(prefix.into());
        self
    }

    /// Sets the svTRID epoch: a number that differs between runs of the
    /// server (for example its start time in milliseconds). Default: the
    /// `now` passed to [`Server::new`](crate::Server::new), in
    /// milliseconds, times 1000, plus that server's number in the process
    /// modulo 1000.
    pub fn sv_trid_epoch(&mut self, epoch: u64) -> &mut Self {
        self.sv_trid_epoch = Some(epoch);
        self
    }

    /// Keeps a record of every response for the host to read with
    /// [`Session::poll_transaction`](crate::Session::poll_transaction), for
    /// per-command log lines (default off; at most 1024 untaken records are
    /// kept per session, the oldest dropped first).
    pub fn transaction_log(&mut self, on: bool) -> &mut Self {
        self.transaction_log = on;
        self
    }

    /// Validates and builds.
    pub fn build(&self) -> Result<Arc<ServerConfig>, ConfigError> {
        let bad = |field: &'static str, reason: String| Err(ConfigError::Invalid { field, reason });
        let n = self.server_id.chars().count();
        if !(3..=64).contains(&n)
            || self.server_id.contains(['\t', '\r', '\n'])
            || !crate::xml::is_xml_text(&self.server_id)
        {
            return bad(
                "server_id",
                format!(
                    "must be 3 to 64 characters on one line, got {:?}",
                    self.server_id
                ),
            );
        }
        if self.versions.is_empty() {
            return bad("versions", "at least one is required".into());
        }
        for v in &self.versions {
            if v != "1.0" {
                return bad(
                    "versions",
                    format!("{v:?} is not an EPP version (only 1.0 exists)"),
                );
            }
        }
        let languages = if self.languages.is_empty() {
            vec!["en".to_owned()]
        } else {
            self.languages.clone()
        };
        for l in &languages {
            if !is_language(l) {
                return bad("languages", format!("{l:?} is not a language tag"));
            }
        }
        if self.object_uris.is_empty() {
            return bad("object_uris", "at least one is required".into());
        }
        let mut extension_uris = self.extension_uris.clone();
        if self.unhandled_namespaces
            && !extension_uris.iter().any(|u| u == UNHANDLED_NAMESPACES_URI)
        {
            extension_uris.push(UNHANDLED_NAMESPACES_URI.to_owned());
        }
        match &self.login_security {
            Some(p) => {
                if p.min_password_len < LoginSecurity::SCHEMA_MIN_PASSWORD_LEN
                    || p.max_password_len < p.min_password_len
                    || p.max_password_len > LoginSecurity::MAX_PASSWORD_LEN_LIMIT
                    || p.max_password_len > self.limits.max_xml_text
                {
                    return bad(
                        "login_security",
                        format!(
                            "password bounds {} to {} must lie within {} to {} (and max_xml_text)",
                            p.min_password_len,
                            p.max_password_len,
                            LoginSecurity::SCHEMA_MIN_PASSWORD_LEN,
                            LoginSecurity::MAX_PASSWORD_LEN_LIMIT
                        ),
                    );
                }
                if !extension_uris.iter().any(|u| u == LOGIN_SECURITY_NS) {
                    extension_uris.push(LOGIN_SECURITY_NS.to_owned());
                }
            }
            // The extension needs the engine's support: offered as a plain
            // extURI, its placeholder password would reach the host as one.
            None if extension_uris.iter().any(|u| u == LOGIN_SECURITY_NS) => {
                return bad(
                    "extension_uris",
                    format!("offer {LOGIN_SECURITY_NS} with login_security(), not extension_uri()"),
                );
            }
            None => {}
        }
        for (field, list) in [
            ("object_uris", &self.object_uris),
            ("extension_uris", &extension_uris),
        ] {
            if list.len() > 64 {
                return bad(field, "at most 64 are supported".into());
            }
            for (i, u) in list.iter().enumerate() {
                if u.is_empty()
                    || u.chars().any(|c| c.is_whitespace() || c.is_control())
                    || !crate::xml::is_xml_text(u)
                {
                    return bad(field, format!("{u:?} is not a URI"));
                }
                if list[..i].contains(u) {
                    return bad(field, format!("{u:?} is listed twice"));
                }
            }
        }
        if self.dcp.statements.is_empty() {
            return bad("dcp", "at least one statement is required".into());
        }
        for s in &self.dcp.statements {
            if s.purposes.is_empty() || s.recipients.is_empty() {
                return bad(
                    "dcp",
                    "every statement needs a purpose and a recipient".into(),
                );
            }
            for r in &s.recipients {
                if let DcpRecipient::Ours(Some(d)) = r {
                    if d.is_empty() || d.chars().count() > 255 {
                        return bad("dcp", "recDesc must be 1 to 255 characters".into());
                    }
                }
            }
        }
        let l = &self.limits;
        if l.max_frame_size < 64 {
            return bad(
                "max_frame_size",
                format!("{} is too small (at least 64)", l.max_frame_size),
            );
        }
        if l.max_in_flight == 0
            || l.max_failed_logins == 0
            || l.max_xml_depth < 8
            || l.max_xml_attributes < 4
            || l.max_xml_text < 64
        {
            return bad("limits", format!("limits too small: {l:?}"));
        }
        if l.login_deadline.is_zero() || l.idle_timeout.is_zero() {
            return bad(
                "limits",
                "login_deadline and idle_timeout must be positive".into(),
            );
        }
        if l.max_buffered_input < l.max_frame_size as usize {
            return bad(
                "max_buffered_input",
                "must be at least max_frame_size".into(),
            );
        }
        if l.max_pending_output < l.max_frame_size as usize {
            return bad(
                "max_pending_output",
                "must be at least max_frame_size".into(),
            );
        }
        let prefix = match &self.sv_trid_prefix {
            Some(p) => p.clone(),
            None => {
                let p: String = self
                    .server_id
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                    .take(20)
                    .collect();
                if p.is_empty() {
                    "EPP".into()
                } else {
                    p
                }
            }
        };
        if prefix.is_empty()
            || prefix.len() > 20
            || !prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return bad(
                "sv_trid_prefix",
                format!("{prefix:?} must be 1 to 20 of A-Z a-z 0-9 . _ -"),
            );
        }
        let (greeting, greeting_date_at) = render_greeting(self, &languages, &extension_uris);
        Ok(Arc::new(ServerConfig {
            server_id: self.server_id.clone(),
            versions: self.versions.clone(),
            languages,
            object_uris: self.object_uris.clone(),
            extension_uris,
            dcp: self.dcp.clone(),
            limits: self.limits,
            transaction_log: self.transaction_log,
            sv_trid_prefix: prefix,
            sv_trid_epoch: self.sv_trid_epoch,
            login_security: self.login_security,
            greeting,
            greeting_date_at,
        }))
    }
}

fn render_greeting(
    b: &ServerConfigBuilder,
    languages: &[String],
    extension_uris: &[String],
) -> (Vec<u8>, usize) {
    let mut o = Vec::with_capacity(1024);
    let at = crate::framing::begin_frame(&mut o);
    o.extend_from_slice(EPP_OPEN.as_bytes());
    o.extend_from_slice(b"<greeting><svID>");
    push_text(&mut o, &b.server_id);
    o.extend_from_slice(b"</svID><svDate>");
    let date_at = o.len();
    o.extend_from_slice(&[b'0'; RFC3339_LEN]);
    o.extend_from_slice(b"</svDate><svcMenu>");
    let el = |o: &mut Vec<u8>, name: &str, v: &str| {
        o.push(b'<');
        o.extend_from_slice(name.as_bytes());
        o.push(b'>');
        push_text(o, v);
        o.extend_from_slice(b"</");
        o.extend_from_slice(name.as_bytes());
        o.push(b'>');
    };
    for v in &b.versions {
        el(&mut o, "version", v);
    }
    for l in languages {
        el(&mut o, "lang", l);
    }
    for u in &b.object_uris {
        el(&mut o, "objURI", u);
    }
    if !extension_uris.is_empty() {
        o.extend_from_slice(b"<svcExtension>");
        for u in extension_uris {
            el(&mut o, "extURI", u);
        }
        o.extend_from_slice(b"</svcExtension>");
    }
    o.extend_from_slice(b"</svcMenu><dcp><access>");
    o.extend_from_slice(match b.dcp.access {
        DcpAccess::All => b"<all/>".as_slice(),
        DcpAccess::None => b"<none/>",
        DcpAccess::Null => b"<null/>",
        DcpAccess::Other => b"<other/>",
        DcpAccess::Personal => b"<personal/>",
        DcpAccess::PersonalAndOther => b"<personalAndOther/>",
    });
    o.extend_from_slice(b"</access>");
    for s in &b.dcp.statements {
        o.extend_from_slice(b"<statement><purpose>");
        // Schema order: admin, contact, other, prov.
        for (p, tag) in [
            (DcpPurpose::Admin, "<admin/>"),
            (DcpPurpose::Contact, "<contact/>"),
            (DcpPurpose::Other, "<other/>"),
            (DcpPurpose::Prov, "<prov/>"),
        ] {
            if s.purposes.contains(&p) {
                o.extend_from_slice(tag.as_bytes());
            }
        }
        o.extend_from_slice(b"</purpose><recipient>");
        // Schema order: other, ours*, public, same, unrelated.
        if s.recipients.contains(&DcpRecipient::Other) {
            o.extend_from_slice(b"<other/>");
        }
        for r in &s.recipients {
            match r {
                DcpRecipient::Ours(None) => o.extend_from_slice(b"<ours/>"),
                DcpRecipient::Ours(Some(d)) => {
                    o.extend_from_slice(b"<ours><recDesc>");
                    push_text(&mut o, d);
                    o.extend_from_slice(b"</recDesc></ours>");
                }
                _ => {}
            }
        }
        for (r, tag) in [
            (DcpRecipient::Public, "<public/>"),
            (DcpRecipient::Same, "<same/>"),
            (DcpRecipient::Unrelated, "<unrelated/>"),
        ] {
            if s.recipients.contains(&r) {
                o.extend_from_slice(tag.as_bytes());
            }
        }
        o.extend_from_slice(b"</recipient><retention>");
        o.extend_from_slice(match s.retention {
            DcpRetention::Business => b"<business/>".as_slice(),
            DcpRetention::Indefinite => b"<indefinite/>",
            DcpRetention::Legal => b"<legal/>",
            DcpRetention::None => b"<none/>",
            DcpRetention::Stated => b"<stated/>",
        });
        o.extend_from_slice(b"</retention></statement>");
    }
    match b.dcp.expiry {
        None => {}
        Some(DcpExpiry::Absolute(t)) => {
            o.extend_from_slice(b"<expiry><absolute>");
            let mut d = [0u8; RFC3339_LEN];
            write_rfc3339(t, &mut d);
            o.extend_from_slice(&d);
            o.extend_from_slice(b"</absolute></expiry>");
        }
        Some(DcpExpiry::Relative(d)) => {
            o.extend_from_slice(b"<expiry><relative>PT");
            push_decimal(&mut o, d.as_secs());
            o.extend_from_slice(b"S</relative></expiry>");
        }
    }
    o.extend_from_slice(b"</dcp></greeting>");
    o.extend_from_slice(EPP_CLOSE.as_bytes());
    crate::framing::end_frame(&mut o, at);
    (o, date_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn base() -> ServerConfigBuilder {
        let mut b = ServerConfig::builder("Example EPP server");
        b.object_uri("urn:ietf:params:xml:ns:domain-1.0");
        b
    }

    #[test]
    fn validates() {
        assert!(base().build().is_ok());
        assert!(ServerConfig::builder("ab")
            .object_uri("urn:x")
            .build()
            .is_err());
        assert!(ServerConfig::builder("abc").build().is_err());
        assert!(base().language("en_GB").build().is_err());
        assert!(base().versions(["2.0"]).build().is_err());
        assert!(base()
            .object_uri("urn:ietf:params:xml:ns:domain-1.0")
            .build()
            .is_err());
        assert!(base().sv_trid_prefix("has space").build().is_err());
        let l = Limits {
            max_in_flight: 0,
            ..Limits::default()
        };
        assert!(base().limits(l).build().is_err());
    }

    #[test]
    fn greeting_has_date_and_menu() {
        let c = base()
            .language("fr")
            .extension_uri("urn:ietf:params:xml:ns:secDNS-1.1")
            .build()
            .unwrap();
        let g = c.greeting_xml(UNIX_EPOCH + Duration::from_secs(86_400));
        assert!(
            g.contains("<svID>Example EPP server</svID><svDate>1970-01-02T00:00:00.000Z</svDate>")
        );
        assert!(g.contains("<lang>fr</lang><objURI>urn:ietf:params:xml:ns:domain-1.0</objURI><svcExtension><extURI>urn:ietf:params:xml:ns:secDNS-1.1</extURI></svcExtension>"));
    }
}
