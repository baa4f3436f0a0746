//! Command-line flags.

use clap::{Parser, Subcommand};

/// Timeouts are bounded so that deadlines stay far from clock overflow.
const MAX_TIMEOUT_SECS: u64 = 30 * 86_400;

/// eppd: an EPP (RFC 5730/5734) server built on libepp.
///
/// Registrars and service messages live in memory. Object commands (check, info, create...)
/// are answered 2101 (unimplemented) until a back end exists. TLS is not implemented yet:
/// --plain (or --demo) serves EPP over plain TCP, for testing only.
///
/// `eppd etp` serves ETP 1.1 instead (see `eppd etp --help`); `eppd client` is a command-line
/// EPP client (see `eppd client --help`).
#[derive(Debug, Parser)]
#[command(name = "eppd", version, args_conflicts_with_subcommands = true)]
pub struct Args {
    /// A subcommand: serve another protocol instead of EPP, or act as a client.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7700")]
    pub listen: String,

    /// Serve EPP over plain TCP, without TLS (the only mode implemented yet; required).
    #[arg(long)]
    pub plain: bool,

    /// Demo mode: plain TCP, a demo registrar (demo-registrar / demo-pass1) with a few queued
    /// service messages, and connection help on stderr.
    #[arg(long)]
    pub demo: bool,

    /// A registrar that may log in (repeatable). clID: 3-16 characters; password: 6-128 (more
    /// than 16 only through RFC 8807 login security).
    /// Checked after parsing (see `Args::registrars`), so that an error never
    /// repeats the password.
    #[arg(long = "registrar", value_name = "CLID:PASSWORD")]
    pub registrar_args: Vec<String>,

    /// A service message queued for a registrar (repeatable; queued in the order given).
    #[arg(long = "message", value_name = "CLID:TEXT", value_parser = parse_message)]
    pub messages: Vec<(String, String)>,

    /// The server name in the greeting (svID, 3-64 characters).
    #[arg(long, value_name = "NAME", default_value = "eppd")]
    pub server_id: String,

    /// Most concurrent logged-in sessions per registrar (2502 beyond it). Default: no limit.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_sessions_per_registrar: Option<u64>,

    /// Close a logged-in session after this many seconds without a command.
    #[arg(long, value_name = "SECS", default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS))]
    pub idle_timeout: u64,

    /// Close a connection that has not logged in this many seconds after connecting.
    #[arg(long, value_name = "SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS))]
    pub login_deadline: u64,

    /// Close a connection whose client takes none of the pending output for this many
    /// seconds (a client that never reads must not hold a connection forever).
    #[arg(long, value_name = "SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS))]
    pub write_timeout: u64,

    /// Most concurrent connections; further clients wait in the listen backlog.
    #[arg(long, value_name = "N", default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,
}

/// What eppd does instead of serving EPP.
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
}

/// `CLID:PASSWORD`, split at the first colon, with the lengths a login can have.
impl Args {
    /// The `--registrar` values, checked. An error names the clID, never
    /// the password (clap would quote the whole value).
    pub fn registrars(&self) -> Result<Vec<(String, String)>, String> {
        self.registrar_args
            .iter()
            .map(|s| {
                parse_registrar(s).map_err(|e| {
                    let clid = s.split_once(':').map_or("?", |(c, _)| c);
                    format!("invalid --registrar for clID {clid:?}: {e}")
                })
            })
            .collect()
    }
}

pub fn parse_registrar(s: &str) -> Result<(String, String), String> {
    let (clid, pw) = s
        .split_once(':')
        .ok_or("expected CLID:PASSWORD (no colon found)")?;
    check_clid(clid)?;
    // Up to 16 characters fit EPP's <pw>; longer ones (up to the login security policy's
    // maximum) travel through RFC 8807's <loginSec:pw>, which eppd offers.
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
    Ok((clid.to_owned(), pw.to_owned()))
}

/// `CLID:TEXT`, split at the first colon.
pub fn parse_message(s: &str) -> Result<(String, String), String> {
    let (clid, text) = s
        .split_once(':')
        .ok_or("expected CLID:TEXT (no colon found)")?;
    check_clid(clid)?;
    if text.is_empty() {
        return Err("the message text is empty".into());
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("the message text must not have control characters".into());
    }
    Ok((clid.to_owned(), text.to_owned()))
}

fn check_clid(clid: &str) -> Result<(), String> {
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

    #[test]
    fn parses_command_line() {
        let a = Args::try_parse_from([
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
        ])
        .unwrap();
        assert!(a.plain && !a.demo);
        assert_eq!(a.registrars().unwrap().len(), 2);
        let bad = Args::try_parse_from(["eppd", "--registrar", "r1:secret-pw1"]).unwrap();
        let e = bad.registrars().unwrap_err();
        assert!(e.contains("\"r1\"") && !e.contains("secret"), "{e}");
        assert_eq!(a.messages[1], ("reg1".into(), "two".into()));
        assert_eq!(a.login_deadline, 1);
        assert_eq!(a.idle_timeout, 600);
        assert!(Args::try_parse_from(["eppd", "--idle-timeout", "0"]).is_err());
    }
}
