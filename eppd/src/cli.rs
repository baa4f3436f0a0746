//! Command-line flags, the administration subcommands, and the TOML configuration file.
//!
//! A setting comes from the command line, else from `--config FILE`, else its default.

use std::path::{Path, PathBuf};

use clap::{ArgGroup, Args as ClapArgs, Parser, Subcommand};
use serde::Deserialize;

/// Timeouts are bounded so that deadlines stay far from clock overflow.
const MAX_TIMEOUT_SECS: u64 = 30 * 86_400;

pub const DEFAULT_DATA_DIR: &str = "./eppd-data";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7700";

const AFTER_HELP: &str = "\
Administration (on the store, whether or not a server runs on it):
  eppd [--data-dir D | --store URL] registrar add CLID --password-file F [--max-sessions N]
  eppd [--data-dir D | --store URL] registrar list
  eppd [--data-dir D | --store URL] registrar disable|enable CLID
  eppd [--data-dir D | --store URL] registrar passwd CLID --password-file F
  eppd [--data-dir D | --store URL] registrar bind-cert CLID (--cert FILE [--by-subject]
                                        | --fingerprint HEX | --subject DN | --none)
  eppd [--data-dir D | --store URL] registrar limit CLID (N | none)
  eppd [--data-dir D | --store URL] message add CLID (--text T | --file resdata.xml) [--lang L]
  (`eppd help registrar add` and so on for each one's flags; F may be - for standard input)

Examples:
  eppd --demo                                     TLS demo: generated CA in ./eppd-data/ca.pem,
                                                  sandbox domains
  eppd --tls-cert cert.pem --tls-key key.pem --backend http://127.0.0.1:8700/epp
  eppd --data-dir /var/lib/eppd --listen 0.0.0.0:700 --tls-cert cert.pem --tls-key key.pem
  eppd --config /etc/eppd.toml

The configuration file (TOML) takes the long flags' names as keys, e.g.
  listen = \"0.0.0.0:700\"
  tls-cert = \"/etc/eppd/cert.pem\"      # relative paths: from the file's directory
  max-sessions-per-registrar = 4
  registrar = [\"registrar1:secret-pw1\"]
A flag given on the command line wins over the file.";

/// eppd: an EPP (RFC 5730/5734) server built on libepp.
///
/// Serves EPP over TLS (RFC 5734), with registrars and their service messages in a store:
/// SQLite in the data directory by default, or PostgreSQL (--store postgres://...), which
/// several eppd instances can share. Object commands (check, info, create...) go to a back
/// end: the registry's own system over HTTP (--backend URL), or the sandbox (RFC 5731 domains
/// in the store, the default with --demo).
///
/// `eppd etp` serves ETP 1.1 instead (see `eppd etp --help`); `eppd client` is a command-line
/// EPP client (see `eppd client --help`).
#[derive(Debug, Parser)]
#[command(name = "eppd", version, after_help = AFTER_HELP)]
pub struct Args {
    /// Read settings from this TOML file (keys: the long flags' names).
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,

    /// Where eppd keeps its files: the SQLite store (eppd.sqlite3) and the demo CA.
    /// [default: ./eppd-data]
    #[arg(long, value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,

    /// The store: postgres://USER:PASSWORD@HOST:PORT/DATABASE (PostgreSQL, shared by several
    /// eppd) or sqlite:FILE. [default: DIR/eppd.sqlite3]
    #[arg(long, value_name = "URL", global = true)]
    pub store: Option<String>,

    #[command(flatten)]
    pub server: ServerArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The server's flags.
#[derive(Debug, Default, PartialEq, Eq, ClapArgs)]
pub struct ServerArgs {
    /// Address to listen on (port 0 picks a free port). On start eppd prints
    /// `eppd listening on ADDR` on stdout. [default: 127.0.0.1:7700]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,

    /// The server's certificate chain (PEM, leaf first): TLS per RFC 5734.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Require client certificates signed by this CA (PEM). A registrar bound to a
    /// certificate (`registrar bind-cert`) can log in only over that certificate.
    #[arg(long, value_name = "FILE")]
    pub client_ca: Option<PathBuf>,

    /// Serve EPP over plain TCP, without TLS: credentials travel in clear text. For tests.
    #[arg(long)]
    pub plain: bool,

    /// Demo mode: a demo registrar (demo-registrar / demo-pass1) with a few service messages,
    /// and connection help on stderr. Without --tls-cert, TLS with a CA generated on the first
    /// run (DIR/ca.pem, reused later; its server certificate names localhost and 127.0.0.1);
    /// with --plain, plain TCP.
    #[arg(long)]
    pub demo: bool,

    /// Add a registrar, or set its password, at start (repeatable). For throwaway servers:
    /// local users can read the password in the process list; use `registrar add` otherwise.
    /// clID: 3-16 characters; password: 6-128 (more than 16 only through RFC 8807 login
    /// security, which eppd offers).
    #[arg(long = "registrar", value_name = "CLID:PASSWORD")]
    pub registrar_args: Vec<String>,

    /// Queue a service message for a registrar at start (repeatable; in the order given).
    /// Queued again at every start: for throwaway servers (`message add` otherwise).
    #[arg(long = "message", value_name = "CLID:TEXT")]
    pub message_args: Vec<String>,

    /// What answers object commands (check, info, create...): `http://HOST:PORT/PATH` (each
    /// command POSTed as JSON to the registry's own system: README.md, "Object commands over
    /// HTTP"),
    /// `sandbox` (RFC 5731 domains in the store) or `none` (2101).
    /// [default: sandbox with --demo, else none]
    #[arg(long, value_name = "URL|sandbox|none")]
    pub backend: Option<String>,

    /// Seconds an HTTP back end has to answer a command (2400 after). [default: 10]
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub backend_timeout: Option<u64>,

    /// The server name in the greeting (svID, 3-64 characters). [default: eppd]
    #[arg(long, value_name = "NAME")]
    pub server_id: Option<String>,

    /// Most concurrent logged-in sessions per registrar (2502 beyond it), counted across every
    /// eppd on the store; `registrar limit` sets one registrar's own. [default: no limit]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_sessions_per_registrar: Option<u64>,

    /// Close a logged-in session after this many seconds without a command. [default: 600]
    #[arg(long, value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS))]
    pub idle_timeout: Option<u64>,

    /// Close a connection that has not logged in this many seconds after connecting (and one
    /// whose TLS handshake takes longer). [default: 60]
    #[arg(long, value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS))]
    pub login_deadline: Option<u64>,

    /// Close a connection whose client takes none of the pending output for this many
    /// seconds. [default: 30]
    #[arg(long, value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS))]
    pub write_timeout: Option<u64>,

    /// Most concurrent connections; a client beyond it gets 2502 and the connection is
    /// closed. eppd raises its open-file limit to fit. [default: 1024]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: Option<u64>,

    /// Most connections from one IP address that have not logged in yet; beyond it a new one
    /// gets 2502 and is closed (logged at most once per address every 10 seconds).
    /// [default: 64]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections_per_ip_before_login: Option<u64>,

    /// The listen backlog: connections the kernel queues before eppd accepts them (capped
    /// by net.core.somaxconn). [default: 1024]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=65_535))]
    pub listen_backlog: Option<u64>,

    /// Most commands per second per registrar (across its sessions on this eppd, with a
    /// burst of one second's worth); beyond it commands are delayed, not refused.
    /// [default: no limit]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_commands_per_second: Option<u64>,

    /// Failed logins (wrong password, unknown clID, certificate mismatch) from one IP
    /// address within --failed-login-window after which the address is locked out until the
    /// window has passed since its oldest counted failure: a new connection from it gets
    /// 2501 ("Authentication error; server closing connection") instead of the greeting and
    /// is closed, and a login on a connection already open is refused (2200, 2501 at the
    /// connection's third) without the password being checked. [default: 10]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_failed_logins_per_ip: Option<u64>,

    /// The window of --max-failed-logins-per-ip, in seconds. [default: 300]
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub failed_login_window: Option<u64>,

    /// Serve Prometheus metrics over HTTP on this address (GET /metrics), e.g.
    /// 127.0.0.1:9700. [default: none]
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<String>,

    /// What to log: a level (error, warn, info, debug, trace) or tracing directives, e.g.
    /// `info,eppd::command=warn` to drop the per-command lines. [default: RUST_LOG, else info]
    #[arg(long, value_name = "LEVEL")]
    pub log_level: Option<String>,

    /// Write the log to this file (appended; SIGHUP reopens it) instead of stderr.
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,

    /// This eppd's sessions stop counting toward the registrars' limits this many seconds
    /// after its last heartbeat (it renews every third of it), e.g. when it was killed.
    /// [default: 30]
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub instance_ttl: Option<u64>,
}

/// What eppd does instead of serving EPP: administration, another protocol, or a client.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve ETP 1.1 (Energistics Transfer Protocol) over WebSocket instead of EPP.
    ///
    /// Clients connect to ws://ADDR/ with the subprotocol energistics-tp. The sub-protocols
    /// have no back end yet: their messages are answered with ProtocolException 7
    /// (ENOTSUPPORTED). TLS (wss://) is not implemented yet: --plain is required.
    Etp(crate::etp::EtpArgs),
    /// Log in to an EPP server, send command documents, print the responses, log out.
    Client(crate::client::ClientArgs),
    /// Manage registrars (clID, password, disabled flag, certificate, session limit).
    #[command(subcommand)]
    Registrar(RegistrarCommand),
    /// Queue service messages.
    #[command(subcommand)]
    Message(MessageCommand),
}

#[derive(Debug, Subcommand)]
pub enum RegistrarCommand {
    /// Add a registrar.
    Add {
        /// The registrar's clID (3-16 characters).
        clid: String,
        /// A file holding the password (6-128 characters, more than 16 through RFC 8807; one
        /// trailing newline is ignored); `-` reads standard input.
        #[arg(long, value_name = "F")]
        password_file: PathBuf,
        /// The registrar's own session limit (else the server's).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        max_sessions: Option<u64>,
    },
    /// List the registrars.
    List,
    /// Refuse the registrar's logins (2201) until enabled again.
    Disable {
        /// The registrar's clID.
        clid: String,
    },
    /// Accept the registrar's logins again.
    Enable {
        /// The registrar's clID.
        clid: String,
    },
    /// Set the registrar's password.
    Passwd {
        /// The registrar's clID.
        clid: String,
        /// A file holding the password; `-` reads standard input.
        #[arg(long, value_name = "F")]
        password_file: PathBuf,
    },
    /// Bind the registrar to its client certificate: a login over another certificate (or
    /// none) is refused with 2200 and logged. Needs --client-ca on the server.
    #[command(group(ArgGroup::new("binding").required(true)
        .args(["cert", "fingerprint", "subject", "none"])))]
    BindCert {
        /// The registrar's clID.
        clid: String,
        /// The certificate (PEM); binds its SHA-256 fingerprint (or, with --by-subject, its
        /// subject).
        #[arg(long, value_name = "FILE")]
        cert: Option<PathBuf>,
        /// With --cert: bind the certificate's subject rather than its fingerprint (so that a
        /// renewed certificate with the same subject still logs in).
        #[arg(long, requires = "cert")]
        by_subject: bool,
        /// The SHA-256 fingerprint of the certificate's DER (hex, colons allowed), as
        /// `openssl x509 -noout -fingerprint -sha256` prints it.
        #[arg(long, value_name = "HEX")]
        fingerprint: Option<String>,
        /// The certificate's subject, as eppd writes it (`CN=..., O=...`: see the server log
        /// or `--cert FILE --by-subject`).
        #[arg(long, value_name = "DN")]
        subject: Option<String>,
        /// Remove the binding.
        #[arg(long)]
        none: bool,
    },
    /// Set the registrar's own session limit, or `none` for the server's.
    Limit {
        /// The registrar's clID.
        clid: String,
        /// A number of sessions, or `none`.
        #[arg(value_name = "N|none")]
        limit: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum MessageCommand {
    /// Queue a service message for a registrar (delivered by `<poll op="req">`, removed by
    /// its ack).
    #[command(group(ArgGroup::new("content").required(true).multiple(true)
        .args(["text", "file"])))]
    Add {
        /// The registrar's clID.
        clid: String,
        /// The message text (`<msg>`).
        #[arg(long, value_name = "T")]
        text: Option<String>,
        /// A file holding the `<resData>` content (XML elements in their own namespaces).
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// The language of the text (`<msg lang>`). [default: en]
        #[arg(long, value_name = "L")]
        lang: Option<String>,
    },
}

// ---------------------------------------------------------------------------------------------
// the configuration file

/// `--config FILE`: the long flags' names as keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub store: Option<String>,
    pub listen: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub client_ca: Option<PathBuf>,
    pub plain: Option<bool>,
    pub demo: Option<bool>,
    #[serde(default)]
    pub registrar: Vec<String>,
    #[serde(default)]
    pub message: Vec<String>,
    pub backend: Option<String>,
    pub backend_timeout: Option<u64>,
    pub server_id: Option<String>,
    pub max_sessions_per_registrar: Option<u64>,
    pub idle_timeout: Option<u64>,
    pub login_deadline: Option<u64>,
    pub write_timeout: Option<u64>,
    pub max_connections: Option<u64>,
    pub instance_ttl: Option<u64>,
    pub max_connections_per_ip_before_login: Option<u64>,
    pub listen_backlog: Option<u64>,
    pub max_commands_per_second: Option<u64>,
    pub max_failed_logins_per_ip: Option<u64>,
    pub failed_login_window: Option<u64>,
    pub metrics: Option<String>,
    pub log_level: Option<String>,
    pub log_file: Option<PathBuf>,
}

impl FileConfig {
    pub fn load(path: &Path) -> Result<FileConfig, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read --config {}: {e}", path.display()))?;
        let mut c =
            FileConfig::parse(&text).map_err(|e| format!("--config {}: {e}", path.display()))?;
        // Relative paths are the file's: it works from any directory.
        let base = path.parent().unwrap_or(Path::new(""));
        for p in [
            &mut c.data_dir,
            &mut c.tls_cert,
            &mut c.tls_key,
            &mut c.client_ca,
            &mut c.log_file,
        ]
        .into_iter()
        .flatten()
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(c)
    }

    pub fn parse(text: &str) -> Result<FileConfig, String> {
        toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())
    }
}

// ---------------------------------------------------------------------------------------------
// resolved settings

/// Where the store is, from the flags and the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSettings {
    pub data_dir: PathBuf,
    pub store: Option<String>,
}

impl StoreSettings {
    pub fn resolve(args: &Args, file: &FileConfig) -> StoreSettings {
        StoreSettings {
            data_dir: args
                .data_dir
                .clone()
                .or_else(|| file.data_dir.clone())
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
            store: args.store.clone().or_else(|| file.store.clone()),
        }
    }
}

/// Everything a server needs, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub store: StoreSettings,
    pub listen: String,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub client_ca: Option<PathBuf>,
    pub plain: bool,
    pub demo: bool,
    pub registrars: Vec<(String, String)>,
    pub messages: Vec<(String, String)>,
    pub backend: crate::backend::BackendChoice,
    pub backend_timeout: u64,
    pub server_id: String,
    pub max_sessions_per_registrar: Option<u64>,
    pub idle_timeout: u64,
    pub login_deadline: u64,
    pub write_timeout: u64,
    pub max_connections: u64,
    pub instance_ttl: u64,
    pub max_connections_per_ip_before_login: u64,
    pub listen_backlog: u64,
    pub max_commands_per_second: Option<u64>,
    pub max_failed_logins_per_ip: u64,
    pub failed_login_window: u64,
    pub metrics: Option<String>,
    /// Tracing filter directives (--log-level, else RUST_LOG, else the file's, else info).
    pub log_directives: String,
    pub log_file: Option<PathBuf>,
}

impl Settings {
    pub fn resolve(args: &Args, file: &FileConfig) -> Result<Settings, String> {
        let a = &args.server;
        let ranged = |name: &str, flag: Option<u64>, conf: Option<u64>, default, max| {
            let v = flag.or(conf).unwrap_or(default);
            if (1..=max).contains(&v) {
                Ok(v)
            } else {
                Err(format!("{name} = {v}: expected 1 to {max}"))
            }
        };
        let (tls_cert, tls_key) = match (&a.tls_cert, &a.tls_key) {
            (Some(c), Some(k)) => (Some(c.clone()), Some(k.clone())),
            _ => (file.tls_cert.clone(), file.tls_key.clone()),
        };
        if tls_cert.is_some() != tls_key.is_some() {
            return Err("tls-cert and tls-key go together".into());
        }
        let mut registrar_args = file.registrar.clone();
        registrar_args.extend(a.registrar_args.iter().cloned());
        let registrars = registrar_args
            .iter()
            .map(|s| {
                parse_registrar(s).map_err(|e| {
                    let clid = s.split_once(':').map_or("?", |(c, _)| c);
                    format!("invalid --registrar for clID {clid:?}: {e}")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut message_args = file.message.clone();
        message_args.extend(a.message_args.iter().cloned());
        let messages = message_args
            .iter()
            .map(|s| parse_message(s).map_err(|e| format!("invalid --message {s:?}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let server_id = a
            .server_id
            .clone()
            .or_else(|| file.server_id.clone())
            .unwrap_or_else(|| "eppd".into());
        let max_sessions = a
            .max_sessions_per_registrar
            .or(file.max_sessions_per_registrar);
        if max_sessions == Some(0) {
            return Err("max-sessions-per-registrar must be at least 1".into());
        }
        let s = Settings {
            store: StoreSettings::resolve(args, file),
            listen: a
                .listen
                .clone()
                .or_else(|| file.listen.clone())
                .unwrap_or_else(|| DEFAULT_LISTEN.into()),
            tls_cert,
            tls_key,
            client_ca: a.client_ca.clone().or_else(|| file.client_ca.clone()),
            plain: a.plain || file.plain.unwrap_or(false),
            demo: a.demo || file.demo.unwrap_or(false),
            registrars,
            messages,
            backend: match a.backend.as_deref().or(file.backend.as_deref()) {
                Some(b) => crate::backend::BackendChoice::parse(b)?,
                None if a.demo || file.demo.unwrap_or(false) => {
                    crate::backend::BackendChoice::Sandbox
                }
                None => crate::backend::BackendChoice::None,
            },
            backend_timeout: ranged(
                "backend-timeout",
                a.backend_timeout,
                file.backend_timeout,
                10,
                3600,
            )?,
            server_id,
            max_sessions_per_registrar: max_sessions,
            idle_timeout: ranged(
                "idle-timeout",
                a.idle_timeout,
                file.idle_timeout,
                600,
                MAX_TIMEOUT_SECS,
            )?,
            login_deadline: ranged(
                "login-deadline",
                a.login_deadline,
                file.login_deadline,
                60,
                MAX_TIMEOUT_SECS,
            )?,
            write_timeout: ranged(
                "write-timeout",
                a.write_timeout,
                file.write_timeout,
                30,
                MAX_TIMEOUT_SECS,
            )?,
            max_connections: ranged(
                "max-connections",
                a.max_connections,
                file.max_connections,
                1024,
                1_000_000,
            )?,
            instance_ttl: ranged("instance-ttl", a.instance_ttl, file.instance_ttl, 30, 3600)?,
            max_connections_per_ip_before_login: ranged(
                "max-connections-per-ip-before-login",
                a.max_connections_per_ip_before_login,
                file.max_connections_per_ip_before_login,
                64,
                1_000_000,
            )?,
            max_failed_logins_per_ip: ranged(
                "max-failed-logins-per-ip",
                a.max_failed_logins_per_ip,
                file.max_failed_logins_per_ip,
                10,
                1_000_000,
            )?,
            failed_login_window: ranged(
                "failed-login-window",
                a.failed_login_window,
                file.failed_login_window,
                300,
                86_400,
            )?,
            listen_backlog: ranged(
                "listen-backlog",
                a.listen_backlog,
                file.listen_backlog,
                1024,
                65_535,
            )?,
            max_commands_per_second: match a
                .max_commands_per_second
                .or(file.max_commands_per_second)
            {
                None => None,
                Some(v) => Some(ranged(
                    "max-commands-per-second",
                    Some(v),
                    None,
                    1,
                    1_000_000,
                )?),
            },
            metrics: a.metrics.clone().or_else(|| file.metrics.clone()),
            log_directives: crate::log::directives(
                a.log_level.as_deref(),
                file.log_level.as_deref(),
            )?,
            log_file: a.log_file.clone().or_else(|| file.log_file.clone()),
        };
        if s.plain && (s.tls_cert.is_some() || s.client_ca.is_some()) {
            return Err(
                "--plain serves without TLS: drop --tls-cert/--client-ca, or --plain".into(),
            );
        }
        Ok(s)
    }
}

// ---------------------------------------------------------------------------------------------
// values

/// `CLID:PASSWORD`, split at the first colon, with the lengths a login can have.
pub fn parse_registrar(s: &str) -> Result<(String, String), String> {
    let (clid, pw) = s
        .split_once(':')
        .ok_or("expected CLID:PASSWORD (no colon found)")?;
    check_clid(clid)?;
    check_password(pw)?;
    Ok((clid.to_owned(), pw.to_owned()))
}

/// Up to 16 characters fit EPP's `<pw>`; longer ones (up to the login security policy's
/// maximum) travel through RFC 8807's <loginSec:pw>, which eppd offers. eppd also refuses
/// control characters and surrounding spaces (which no client would type on purpose).
pub fn check_password(pw: &str) -> Result<(), String> {
    let n = pw.chars().count();
    let max = epp::LoginSecurity::default().max_password_len;
    if !(6..=max).contains(&n) {
        return Err(format!(
            "the password must be 6 to {max} characters (longer than 16 only through RFC 8807 \
             login security), got {n}"
        ));
    }
    if pw.chars().any(char::is_control) || pw.trim() != pw {
        return Err("the password must not have control characters or surrounding spaces".into());
    }
    Ok(())
}

/// `CLID:TEXT`, split at the first colon.
pub fn parse_message(s: &str) -> Result<(String, String), String> {
    let (clid, text) = s
        .split_once(':')
        .ok_or("expected CLID:TEXT (no colon found)")?;
    check_clid(clid)?;
    check_message_text(text)?;
    Ok((clid.to_owned(), text.to_owned()))
}

pub fn check_message_text(text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err("the message text is empty".into());
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("the message text must not have control characters".into());
    }
    Ok(())
}

pub fn check_clid(clid: &str) -> Result<(), String> {
    let n = clid.chars().count();
    if !(3..=16).contains(&n) {
        return Err(format!(
            "the clID {clid:?} must be 3 to 16 characters (EPP clIDType), got {n}"
        ));
    }
    if clid.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "the clID {clid:?} must not have spaces or control characters"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn flags_are_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn registrar_flag() {
        assert_eq!(
            parse_registrar("registrar1:secret-pw1"),
            Ok(("registrar1".into(), "secret-pw1".into()))
        );
        assert_eq!(
            parse_registrar("reg:pass:word"),
            Ok(("reg".into(), "pass:word".into()))
        );
        assert!(parse_registrar("registrar1").is_err());
        assert!(parse_registrar("ab:secret-pw1").is_err());
        assert!(parse_registrar("registrar1:short").is_err());
        // Longer than 16: only through RFC 8807, which eppd offers; up to its maximum.
        assert!(parse_registrar("registrar1:seventeen-chars-x").is_ok());
        assert!(parse_registrar(&format!("registrar1:{}", "x".repeat(129))).is_err());
        assert!(parse_registrar("reg istrar:secret-pw1").is_err());
    }

    #[test]
    fn message_flag() {
        assert_eq!(
            parse_message("registrar1:Renewal R&D <notice>: soon"),
            Ok(("registrar1".into(), "Renewal R&D <notice>: soon".into()))
        );
        assert!(parse_message("registrar1:").is_err());
        assert!(parse_message("no-colon").is_err());
        assert!(parse_message("registrar1:bell\u{7}").is_err());
    }

    fn settings(argv: &[&str], file: &str) -> Result<Settings, String> {
        let args = Args::try_parse_from(argv).map_err(|e| e.to_string())?;
        Settings::resolve(&args, &FileConfig::parse(file)?)
    }

    #[test]
    fn parses_command_line() {
        let s = settings(
            &[
                "eppd",
                "--listen",
                "127.0.0.1:0",
                "--plain",
                "--registrar",
                "reg1:secret-pw1",
                "--registrar",
                "reg2:secret-pw2",
                "--message",
                "reg1:one",
                "--message",
                "reg1:two",
                "--login-deadline",
                "1",
            ],
            "",
        )
        .unwrap();
        assert!(s.plain && !s.demo);
        assert_eq!(s.registrars.len(), 2);
        assert_eq!(s.messages[1], ("reg1".into(), "two".into()));
        assert_eq!(s.login_deadline, 1);
        assert_eq!(s.idle_timeout, 600);
        assert_eq!(s.listen, "127.0.0.1:0");
        assert_eq!(s.store.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
        let e = settings(&["eppd", "--registrar", "r1:secret-pw1"], "").unwrap_err();
        assert!(e.contains("\"r1\"") && !e.contains("secret"), "{e}");
        assert!(Args::try_parse_from(["eppd", "--idle-timeout", "0"]).is_err());
        assert!(Args::try_parse_from(["eppd", "--tls-cert", "c.pem"]).is_err());
        assert!(settings(
            &["eppd", "--plain", "--tls-cert", "c", "--tls-key", "k"],
            ""
        )
        .is_err());
    }

    #[test]
    fn the_file_fills_what_the_flags_leave() {
        let file = r#"
            listen = "127.0.0.1:7000"
            data-dir = "/var/lib/eppd"
            tls-cert = "/etc/eppd/cert.pem"
            tls-key = "/etc/eppd/key.pem"
            idle-timeout = 30
            max-sessions-per-registrar = 2
            registrar = ["reg1:secret-pw1"]
            message = ["reg1:hello"]
        "#;
        let s = settings(
            &[
                "eppd",
                "--idle-timeout",
                "5",
                "--registrar",
                "reg2:secret-pw2",
            ],
            file,
        )
        .unwrap();
        assert_eq!(s.listen, "127.0.0.1:7000");
        assert_eq!(s.store.data_dir, PathBuf::from("/var/lib/eppd"));
        assert_eq!(s.idle_timeout, 5, "the flag wins");
        assert_eq!(s.max_sessions_per_registrar, Some(2));
        assert_eq!(s.tls_cert, Some(PathBuf::from("/etc/eppd/cert.pem")));
        assert_eq!(s.registrars.len(), 2);
        assert_eq!(s.messages, [("reg1".into(), "hello".into())]);
        assert!(FileConfig::parse("lisen = \"x\"")
            .unwrap_err()
            .contains("lisen"));
        assert!(settings(&["eppd"], "idle-timeout = 0").is_err());
        assert!(settings(&["eppd"], "tls-cert = \"c.pem\"").is_err());
    }

    #[test]
    fn backend_choice() {
        use crate::backend::BackendChoice;
        let b = |argv: &[&str], file: &str| settings(argv, file).map(|s| s.backend);
        assert_eq!(b(&["eppd"], ""), Ok(BackendChoice::None));
        assert_eq!(b(&["eppd", "--demo"], ""), Ok(BackendChoice::Sandbox));
        assert_eq!(b(&["eppd"], "demo = true"), Ok(BackendChoice::Sandbox));
        assert_eq!(
            b(&["eppd", "--demo", "--backend", "none"], ""),
            Ok(BackendChoice::None)
        );
        let url = "http://127.0.0.1:8700/epp";
        assert_eq!(
            b(&["eppd"], &format!("backend = \"{url}\"")),
            Ok(BackendChoice::Http(url.into()))
        );
        assert_eq!(
            b(
                &["eppd", "--backend", "sandbox"],
                &format!("backend = \"{url}\"")
            ),
            Ok(BackendChoice::Sandbox),
            "the flag wins"
        );
        assert!(b(&["eppd", "--backend", "https://x/"], "").is_err());
        let s = settings(&["eppd"], "backend-timeout = 3").unwrap();
        assert_eq!(s.backend_timeout, 3);
        assert_eq!(settings(&["eppd"], "").unwrap().backend_timeout, 10);
        assert!(settings(&["eppd"], "backend-timeout = 0").is_err());
    }

    #[test]
    fn subcommands() {
        let a = Args::try_parse_from([
            "eppd",
            "--data-dir",
            "/tmp/d",
            "registrar",
            "add",
            "reg1",
            "--password-file",
            "-",
        ])
        .unwrap();
        assert_eq!(a.data_dir, Some(PathBuf::from("/tmp/d")));
        assert!(matches!(
            a.command,
            Some(Command::Registrar(RegistrarCommand::Add { ref clid, .. })) if clid == "reg1"
        ));
        // The global flags are taken after the subcommand too.
        let a = Args::try_parse_from([
            "eppd",
            "message",
            "add",
            "reg1",
            "--text",
            "hi",
            "--data-dir",
            "/tmp/d",
        ])
        .unwrap();
        assert_eq!(a.data_dir, Some(PathBuf::from("/tmp/d")));
        assert!(Args::try_parse_from(["eppd", "message", "add", "reg1"]).is_err());
        assert!(Args::try_parse_from(["eppd", "registrar", "bind-cert", "reg1"]).is_err());
        assert!(Args::try_parse_from([
            "eppd",
            "registrar",
            "bind-cert",
            "reg1",
            "--none",
            "--fingerprint",
            "ab"
        ])
        .is_err());
    }

    #[test]
    fn operations_settings() {
        let s = settings(&["eppd", "--plain"], "").unwrap();
        assert_eq!(s.max_connections_per_ip_before_login, 64);
        assert_eq!(s.listen_backlog, 1024);
        assert_eq!(s.max_commands_per_second, None);
        assert_eq!(s.metrics, None);
        assert_eq!(s.log_file, None);
        let s = settings(
            &[
                "eppd",
                "--plain",
                "--max-connections-per-ip-before-login",
                "8",
                "--max-commands-per-second",
                "50",
                "--metrics",
                "127.0.0.1:9700",
                "--log-level",
                "info,eppd::command=warn",
            ],
            "listen-backlog = 128\nmax-commands-per-second = 5\nlog-level = \"debug\"\n",
        )
        .unwrap();
        assert_eq!(s.max_connections_per_ip_before_login, 8);
        assert_eq!(s.listen_backlog, 128);
        assert_eq!(s.max_commands_per_second, Some(50), "the flag wins");
        assert_eq!(s.metrics.as_deref(), Some("127.0.0.1:9700"));
        assert_eq!(s.log_directives, "info,eppd::command=warn");
        assert!(settings(&["eppd", "--plain", "--log-level", "loud"], "").is_err());
        assert!(settings(&["eppd", "--plain"], "max-commands-per-second = 0").is_err());
        assert!(Args::try_parse_from(["eppd", "--listen-backlog", "0"]).is_err());
        let dir = std::env::temp_dir().join(format!("eppd-cli-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("eppd.toml");
        std::fs::write(&file, "log-file = \"eppd.log\"\n").unwrap();
        let c = FileConfig::load(&file).unwrap();
        assert_eq!(
            c.log_file,
            Some(dir.join("eppd.log")),
            "relative to the file"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
