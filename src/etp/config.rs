//! The ETP server's configuration: validated immutable data shared by its
//! sessions behind an [`Arc`].

use std::borrow::Cow;
use std::sync::Arc;

use super::messages::{SupportedProtocol, Version, PROTOCOL_DISCOVERY, PROTOCOL_STORE};
use crate::error::ConfigError;

/// Most protocols a configuration may list (a session's negotiated set is
/// a bit mask over them).
pub const MAX_PROTOCOLS: usize = 64;

/// Limits that bound what one session may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Requests handed to the host and not yet finished (default 32).
    /// Past it the session takes no more input until the host answers.
    pub max_in_flight: usize,
    /// Bytes of output not yet taken past which the session takes no more
    /// input (default 1 MiB).
    pub max_pending_output: usize,
    /// Bytes of messages fed while the session could not take them that it
    /// holds (default 1 MiB). A host that reads only while
    /// [`Session::wants_input`](super::Session::wants_input) is true never
    /// reaches it; a message that would go past it is refused whole.
    pub max_buffered_input: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_in_flight: 32,
            max_pending_output: 1024 * 1024,
            max_buffered_input: 1024 * 1024,
        }
    }
}

/// What an ETP server offers: its name and version, the protocols it
/// supports (each with the role it plays), its data objects, and limits.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub(crate) application_name: String,
    pub(crate) application_version: String,
    pub(crate) protocols: Vec<SupportedProtocol<'static>>,
    pub(crate) supported_objects: Vec<Cow<'static, str>>,
    pub(crate) limits: Limits,
}

impl Config {
    /// A builder with the defaults: application `libepp` at this crate's
    /// version, protocols 3 (Discovery) and 4 (Store) at version 1.1.0.0 in
    /// the role `store` without capabilities, no data objects, default
    /// limits.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder {
            application_name: "libepp".into(),
            application_version: env!("CARGO_PKG_VERSION").into(),
            protocols: vec![
                SupportedProtocol::new(PROTOCOL_DISCOVERY, Version::V1_1, "store"),
                SupportedProtocol::new(PROTOCOL_STORE, Version::V1_1, "store"),
            ],
            supported_objects: Vec::new(),
            limits: Limits::default(),
        }
    }

    /// The server's `applicationName`.
    pub fn application_name(&self) -> &str {
        &self.application_name
    }

    /// The server's `applicationVersion`.
    pub fn application_version(&self) -> &str {
        &self.application_version
    }

    /// The protocols the server supports, each with the role it plays.
    pub fn protocols(&self) -> &[SupportedProtocol<'static>] {
        &self.protocols
    }

    /// The server's `supportedObjects`.
    pub fn supported_objects(&self) -> &[Cow<'static, str>] {
        &self.supported_objects
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }
}

/// Builds a [`Config`]; reusable (`build` takes `&self`).
#[derive(Debug, Clone)]
pub struct ConfigBuilder {
    application_name: String,
    application_version: String,
    protocols: Vec<SupportedProtocol<'static>>,
    supported_objects: Vec<Cow<'static, str>>,
    limits: Limits,
}

impl ConfigBuilder {
    /// The `applicationName` sent in OpenSession.
    pub fn application_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.application_name = name.into();
        self
    }

    /// The `applicationVersion` sent in OpenSession.
    pub fn application_version(&mut self, version: impl Into<String>) -> &mut Self {
        self.application_version = version.into();
        self
    }

    /// Replaces the supported protocols (the defaults included).
    pub fn protocols(
        &mut self,
        protocols: impl IntoIterator<Item = SupportedProtocol<'static>>,
    ) -> &mut Self {
        self.protocols = protocols.into_iter().collect();
        self
    }

    /// Adds a supported protocol after those already set.
    pub fn protocol(&mut self, protocol: SupportedProtocol<'static>) -> &mut Self {
        self.protocols.push(protocol);
        self
    }

    /// Adds a data object to `supportedObjects`.
    pub fn supported_object(&mut self, object: impl Into<String>) -> &mut Self {
        self.supported_objects.push(Cow::Owned(object.into()));
        self
    }

    /// The limits.
    pub fn limits(&mut self, limits: Limits) -> &mut Self {
        self.limits = limits;
        self
    }

    /// Checks and freezes the configuration: at least one and at most
    /// [`MAX_PROTOCOLS`] protocols, none of them Core (0, always there) or
    /// negative, no protocol twice, every role non-empty; limits at least
    /// 1.
    pub fn build(&self) -> Result<Arc<Config>, ConfigError> {
        let invalid = |field: &'static str, reason: String| ConfigError::Invalid { field, reason };
        if self.protocols.is_empty() {
            return Err(invalid("protocols", "at least one is needed".into()));
        }
        if self.protocols.len() > MAX_PROTOCOLS {
            return Err(invalid(
                "protocols",
                format!("at most {MAX_PROTOCOLS} are supported"),
            ));
        }
        for (i, p) in self.protocols.iter().enumerate() {
            if p.protocol <= 0 {
                return Err(invalid(
                    "protocols",
                    format!(
                        "protocol {} is not a sub-protocol (Core, 0, is always supported)",
                        p.protocol
                    ),
                ));
            }
            if self.protocols[..i].iter().any(|q| q.protocol == p.protocol) {
                return Err(invalid(
                    "protocols",
                    format!("protocol {} is listed twice", p.protocol),
                ));
            }
            if p.role.is_empty() {
                return Err(invalid(
                    "protocols",
                    format!("protocol {} has an empty role", p.protocol),
                ));
            }
        }
        let l = &self.limits;
        if l.max_in_flight == 0 || l.max_pending_output == 0 || l.max_buffered_input == 0 {
            return Err(invalid("limits", "every limit must be at least 1".into()));
        }
        Ok(Arc::new(Config {
            application_name: self.application_name.clone(),
            application_version: self.application_version.clone(),
            protocols: self.protocols.clone(),
            supported_objects: self.supported_objects.clone(),
            limits: self.limits,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_discovery_and_store() {
        let c = Config::builder().build().unwrap();
        let ids: Vec<_> = c.protocols().iter().map(|p| p.protocol).collect();
        assert_eq!(ids, [3, 4]);
        assert!(c
            .protocols()
            .iter()
            .all(|p| p.role == "store" && p.protocol_version == Version::V1_1));
        assert!(c.supported_objects().is_empty());
    }

    #[test]
    fn bad_configurations_are_refused() {
        let mut b = Config::builder();
        b.protocols([]);
        assert!(b.build().is_err());
        b.protocols([SupportedProtocol::new(0, Version::V1_1, "store")]);
        assert!(b.build().is_err());
        b.protocols([
            SupportedProtocol::new(3, Version::V1_1, "store"),
            SupportedProtocol::new(3, Version::V1_1, "customer"),
        ]);
        assert!(b.build().is_err());
        b.protocols([SupportedProtocol::new(3, Version::V1_1, "")]);
        assert!(b.build().is_err());
        b.protocols([SupportedProtocol::new(3, Version::V1_1, "store")]);
        b.limits(Limits {
            max_in_flight: 0,
            ..Limits::default()
        });
        assert!(b.build().is_err());
    }
}
