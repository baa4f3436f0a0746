//! The client's configuration: credentials, wanted services and limits,
//! validated once and immutable, shared behind an [`Arc`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::ConfigError;
use crate::parse::is_language;
use crate::xml::is_xml_text;

/// One wanted service: a URI, and whether the login must have it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Service {
    /// The namespace URI.
    pub uri: String,
    /// A login refuses early ([`ClientError::ServiceNotOffered`](super::ClientError::ServiceNotOffered))
    /// when the greeting does not offer it.
    pub required: bool,
}

/// Defaults of [`ClientConfigBuilder`].
const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);
const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(300);
const DEFAULT_MAX_FRAME: u32 = 16 * 1024 * 1024;

/// What a client session needs: credentials, the services it wants and its
/// limits. Immutable once built; build it with [`ClientConfig::builder`].
#[derive(Clone, PartialEq, Eq)]
pub struct ClientConfig {
    pub(crate) client_id: String,
    pub(crate) password: String,
    pub(crate) new_password: Option<String>,
    pub(crate) lang: String,
    pub(crate) object_services: Vec<Service>,
    pub(crate) extension_services: Vec<Service>,
    pub(crate) max_in_flight: usize,
    pub(crate) keep_alive: Option<Duration>,
    pub(crate) response_deadline: Duration,
    pub(crate) cl_trid_prefix: String,
    pub(crate) max_frame_size: u32,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print passwords.
        f.debug_struct("ClientConfig")
            .field("client_id", &self.client_id)
            .field("password", &"<redacted>")
            .field(
                "new_password",
                &self.new_password.as_ref().map(|_| "<redacted>"),
            )
            .field("lang", &self.lang)
            .field("object_services", &self.object_services)
            .field("extension_services", &self.extension_services)
            .field("max_in_flight", &self.max_in_flight)
            .field("keep_alive", &self.keep_alive)
            .field("response_deadline", &self.response_deadline)
            .field("cl_trid_prefix", &self.cl_trid_prefix)
            .field("max_frame_size", &self.max_frame_size)
            .finish()
    }
}

impl ClientConfig {
    /// Starts a configuration for the registrar `client_id` (clID, 3 to 16
    /// characters) logging in with `password` (at least 6 characters; more
    /// than 16 only where the server offers RFC 8807 login security).
    pub fn builder(
        client_id: impl Into<String>,
        password: impl Into<String>,
    ) -> ClientConfigBuilder {
        ClientConfigBuilder {
            client_id: client_id.into(),
            password: password.into(),
            new_password: None,
            lang: "en".into(),
            object_services: Vec::new(),
            extension_services: Vec::new(),
            max_in_flight: 1,
            keep_alive: Some(DEFAULT_KEEP_ALIVE),
            response_deadline: DEFAULT_DEADLINE,
            cl_trid_prefix: None,
            max_frame_size: DEFAULT_MAX_FRAME,
        }
    }

    /// The clID.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Whether a new password is set for the login.
    pub fn has_new_password(&self) -> bool {
        self.new_password.is_some()
    }

    /// The response language asked for.
    pub fn lang(&self) -> &str {
        &self.lang
    }

    /// The wanted object services, in order.
    pub fn object_services(&self) -> &[Service] {
        &self.object_services
    }

    /// The wanted extension services, in order.
    pub fn extension_services(&self) -> &[Service] {
        &self.extension_services
    }

    /// Commands written and not yet answered, at most.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight
    }

    /// Idle time after which a logged-in session sends a `<hello>`.
    pub fn keep_alive(&self) -> Option<Duration> {
        self.keep_alive
    }

    /// How long the server may take to answer.
    pub fn response_deadline(&self) -> Duration {
        self.response_deadline
    }

    /// The prefix of generated clTRIDs.
    pub fn cl_trid_prefix(&self) -> &str {
        &self.cl_trid_prefix
    }

    /// The largest frame accepted from the server, header included.
    pub fn max_frame_size(&self) -> u32 {
        self.max_frame_size
    }
}

/// Builds a [`ClientConfig`]; see [`ClientConfig::builder`]. Setters take
/// `&mut self` and [`ClientConfigBuilder::build`] takes `&self`, like
/// [`ServerConfigBuilder`](crate::ServerConfigBuilder).
#[derive(Clone)]
pub struct ClientConfigBuilder {
    client_id: String,
    password: String,
    new_password: Option<String>,
    lang: String,
    object_services: Vec<Service>,
    extension_services: Vec<Service>,
    max_in_flight: usize,
    keep_alive: Option<Duration>,
    response_deadline: Duration,
    cl_trid_prefix: Option<String>,
    max_frame_size: u32,
}

impl fmt::Debug for ClientConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfigBuilder")
            .field("client_id", &self.client_id)
            .field("password", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl ClientConfigBuilder {
    /// Sets a new password (`<newPW>`) for the login; it is in force once
    /// a login answered 1000 (keep it then).
    pub fn new_password(&mut self, password: impl Into<String>) -> &mut Self {
        self.new_password = Some(password.into());
        self
    }

    /// The response language (`<options><lang>`, default `en`).
    pub fn lang(&mut self, lang: impl Into<String>) -> &mut Self {
        self.lang = lang.into();
        self
    }

    /// Wants an object service, used when the server offers it.
    pub fn object_uri(&mut self, uri: impl Into<String>) -> &mut Self {
        self.object_services.push(Service {
            uri: uri.into(),
            required: false,
        });
        self
    }

    /// Wants an object service the login cannot do without.
    pub fn required_object_uri(&mut self, uri: impl Into<String>) -> &mut Self {
        self.object_services.push(Service {
            uri: uri.into(),
            required: true,
        });
        self
    }

    /// Wants an extension, used when the server offers it.
    pub fn extension_uri(&mut self, uri: impl Into<String>) -> &mut Self {
        self.extension_services.push(Service {
            uri: uri.into(),
            required: false,
        });
        self
    }

    /// Wants an extension the login cannot do without.
    pub fn required_extension_uri(&mut self, uri: impl Into<String>) -> &mut Self {
        self.extension_services.push(Service {
            uri: uri.into(),
            required: true,
        });
        self
    }

    /// Commands written and not yet answered, at most (default 1: many
    /// servers answer one command at a time). Commands given beyond it
    /// wait in the session and go out as responses come back.
    pub fn max_in_flight(&mut self, n: usize) -> &mut Self {
        self.max_in_flight = n;
        self
    }

    /// Idle time after which a logged-in session sends a `<hello>` of its
    /// own (default 300 s; `None`: never).
    pub fn keep_alive(&mut self, interval: Option<Duration>) -> &mut Self {
        self.keep_alive = interval;
        self
    }

    /// How long the server may take (default 60 s): for the greeting from
    /// the start, for each response from the later of its command's sending
    /// and the previous response, and for closing the connection after
    /// 1500 or 25xx.
    pub fn response_deadline(&mut self, deadline: Duration) -> &mut Self {
        self.response_deadline = deadline;
        self
    }

    /// The prefix of generated clTRIDs, which are the prefix followed by a
    /// sequence number from 1 (2 to 44 characters without white space;
    /// default: the clID and `-`).
    pub fn cl_trid_prefix(&mut self, prefix: impl Into<String>) -> &mut Self {
        self.cl_trid_prefix = Some(prefix.into());
        self
    }

    /// The largest frame accepted from the server, header included
    /// (default 16 MiB, at least 1024).
    pub fn max_frame_size(&mut self, bytes: u32) -> &mut Self {
        self.max_frame_size = bytes;
        self
    }

    /// Validates and builds.
    pub fn build(&self) -> Result<Arc<ClientConfig>, ConfigError> {
        let bad = |field: &'static str, reason: String| Err(ConfigError::Invalid { field, reason });
        let n = self.client_id.chars().count();
        if !(3..=16).contains(&n) || !is_token(&self.client_id) {
            return bad(
                "client_id",
                format!(
                    "must be 3 to 16 characters without surrounding white space, got {:?}",
                    self.client_id
                ),
            );
        }
        for (field, pw) in [
            ("password", Some(&self.password)),
            ("new_password", self.new_password.as_ref()),
        ] {
            let Some(pw) = pw else { continue };
            if pw.chars().count() < 6 || !is_token(pw) {
                return bad(
                    field,
                    "must be at least 6 characters, without control characters or surrounding or repeated white space".into(),
                );
            }
        }
        if !is_language(&self.lang) {
            return bad("lang", format!("{:?} is not a language tag", self.lang));
        }
        if self.object_services.is_empty() {
            return bad("object_services", "at least one objURI is required".into());
        }
        for s in self.object_services.iter().chain(&self.extension_services) {
            if s.uri.is_empty() || !is_token(&s.uri) || s.uri.contains(' ') {
                return bad("services", format!("{:?} is not a URI", s.uri));
            }
        }
        if self.max_in_flight == 0 {
            return bad("max_in_flight", "must be at least 1".into());
        }
        if self.response_deadline.is_zero() {
            return bad("response_deadline", "must be more than zero".into());
        }
        if self.keep_alive.is_some_and(|k| k.is_zero()) {
            return bad("keep_alive", "must be more than zero (None: never)".into());
        }
        let prefix = match &self.cl_trid_prefix {
            Some(p) => p.clone(),
            None => format!("{}-", self.client_id),
        };
        let n = prefix.chars().count();
        if !(2..=44).contains(&n)
            || !is_xml_text(&prefix)
            || prefix.chars().any(char::is_whitespace)
        {
            return bad(
                "cl_trid_prefix",
                format!("must be 2 to 44 characters without white space, got {prefix:?}"),
            );
        }
        if self.max_frame_size < 1024 {
            return bad("max_frame_size", "must be at least 1024".into());
        }
        Ok(Arc::new(ClientConfig {
            client_id: self.client_id.clone(),
            password: self.password.clone(),
            new_password: self.new_password.clone(),
            lang: self.lang.clone(),
            object_services: self.object_services.clone(),
            extension_services: self.extension_services.clone(),
            max_in_flight: self.max_in_flight,
            keep_alive: self.keep_alive,
            response_deadline: self.response_deadline,
            cl_trid_prefix: prefix,
            max_frame_size: self.max_frame_size,
        }))
    }
}

/// An xs:token that stays what it is: XML characters, no tab or line
/// break, no leading, trailing or repeated space.
pub(crate) fn is_token(s: &str) -> bool {
    is_xml_text(s)
        && !s.contains(['\t', '\r', '\n'])
        && !s.starts_with(' ')
        && !s.ends_with(' ')
        && !s.contains("  ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates() {
        let ok = ClientConfig::builder("ClientX", "foo-BAR2")
            .object_uri("urn:ietf:params:xml:ns:domain-1.0")
            .build()
            .unwrap();
        assert_eq!(ok.cl_trid_prefix(), "ClientX-");
        assert!(!format!("{ok:?}").contains("foo-BAR2"));
        for (b, field) in [
            (ClientConfig::builder("X", "foo-BAR2"), "client_id"),
            (ClientConfig::builder("ClientX", "short"), "password"),
            (ClientConfig::builder("ClientX", " foo-BAR2"), "password"),
        ] {
            let mut b = b;
            b.object_uri("urn:x");
            let e = b.build().unwrap_err();
            assert!(matches!(e, ConfigError::Invalid { field: f, .. } if f == field));
        }
        let mut b = ClientConfig::builder("ClientX", "foo-BAR2");
        assert!(b.build().is_err(), "no objURI");
        b.object_uri("urn:x").max_in_flight(0);
        assert!(b.build().is_err());
        b.max_in_flight(4).cl_trid_prefix("a b");
        assert!(b.build().is_err());
        b.cl_trid_prefix("AB").lang("not a tag");
        assert!(b.build().is_err());
        b.lang("fr");
        assert_eq!(b.build().unwrap().lang(), "fr");
        assert!(is_token("a b") && !is_token("a  b") && !is_token("a\tb"));
    }
}
