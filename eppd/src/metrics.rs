//! Prometheus metrics (`--metrics ADDR`: `GET /metrics` over HTTP, OpenMetrics text).
//!
//! Every metric lives in one process-wide registry, so that any module can count without
//! plumbing. The object back end counts its failures with [`backend_error`]:
//!
//! ```ignore
//! crate::metrics::backend_error("domain");   // a short, fixed label: the object or the part
//! ```
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `eppd_connections_open` | gauge | |
//! | `eppd_sessions_logged_in` | gauge | |
//! | `eppd_connections_accepted_total` | counter | |
//! | `eppd_connections_refused_total` | counter | `reason`: `per_ip_before_login`, `max_connections`, `overload` |
//! | `eppd_tls_handshake_failures_total` | counter | |
//! | `eppd_logins_total` | counter | `result`: `accepted`, `unknown_client`, `wrong_password`, `certificate_mismatch`, `disabled`, `session_limit`, `store_error` |
//! | `eppd_commands_total` | counter | `command` (`login`, `poll-req`, `check`...), `code` (the result code, `greeting` for a hello) |
//! | `eppd_command_duration_seconds` | histogram | `command`: from the frame read to its response rendered |
//! | `eppd_backend_errors_total` | counter | `kind`: `store`, `object` (the object back end), or what the back end passes |
//! | `eppd_throttle_delays_total`, `eppd_throttle_delay_seconds_total` | counter | reads delayed by `--max-commands-per-second`, and for how long |
//! | `eppd_log_lines_dropped_total` | counter | lines lost because the log output was blocked or failing |
//! | `eppd_tls_reloads_total` | counter | `result`: `ok`, `failed` (SIGHUP) |
//! | `eppd_open_files_limit` | gauge | the soft RLIMIT_NOFILE in force |

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::log::log;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Reason {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CommandCode {
    command: &'static str,
    code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CommandOnly {
    command: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Kind {
    kind: &'static str,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms to about 8 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

struct Metrics {
    registry: Registry,
    connections_open: Gauge,
    sessions_logged_in: Gauge,
    accepted: Counter,
    refused: Family<Reason, Counter>,
    handshake_failures: Counter,
    logins: Family<Outcome, Counter>,
    commands: Family<CommandCode, Counter>,
    latency: Family<CommandOnly, Histogram, fn() -> Histogram>,
    backend_errors: Family<Kind, Counter>,
    throttle_delays: Counter,
    throttle_seconds: Counter<f64, AtomicU64>,
    log_dropped: Counter,
    tls_reloads: Family<Outcome, Counter>,
    open_files: Gauge,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// The values of `eppd_logins_total{result}`.
const LOGIN_RESULTS: [&str; 7] = [
    "accepted",
    "unknown_client",
    "wrong_password",
    "certificate_mismatch",
    "disabled",
    "session_limit",
    "store_error",
];

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("eppd");
        let m = Metrics {
            connections_open: Gauge::default(),
            sessions_logged_in: Gauge::default(),
            accepted: Counter::default(),
            refused: Family::default(),
            handshake_failures: Counter::default(),
            logins: Family::default(),
            commands: Family::default(),
            latency: Family::new_with_constructor(latency_histogram as fn() -> Histogram),
            backend_errors: Family::default(),
            throttle_delays: Counter::default(),
            throttle_seconds: Counter::default(),
            log_dropped: Counter::default(),
            tls_reloads: Family::default(),
            open_files: Gauge::default(),
            registry: Registry::default(),
        };
        let r = &mut registry;
        r.register(
            "connections_open",
            "Connections being served",
            m.connections_open.clone(),
        );
        r.register(
            "sessions_logged_in",
            "Sessions logged in",
            m.sessions_logged_in.clone(),
        );
        r.register(
            "connections_accepted",
            "Connections accepted for service",
            m.accepted.clone(),
        );
        r.register(
            "connections_refused",
            "Connections refused (2502 sent, or closed at once when overloaded)",
            m.refused.clone(),
        );
        r.register(
            "tls_handshake_failures",
            "TLS handshakes that failed or timed out",
            m.handshake_failures.clone(),
        );
        r.register("logins", "Logins by result", m.logins.clone());
        r.register(
            "commands",
            "Responses by command and result code",
            m.commands.clone(),
        );
        r.register(
            "command_duration_seconds",
            "Time from a command read to its response rendered",
            m.latency.clone(),
        );
        r.register(
            "backend_errors",
            "Failures of the store or the object back end",
            m.backend_errors.clone(),
        );
        r.register(
            "throttle_delays",
            "Reads delayed by --max-commands-per-second",
            m.throttle_delays.clone(),
        );
        r.register(
            "throttle_delay_seconds",
            "Total delay imposed by --max-commands-per-second",
            m.throttle_seconds.clone(),
        );
        r.register(
            "log_lines_dropped",
            "Log lines lost because the log output was blocked or failing",
            m.log_dropped.clone(),
        );
        r.register(
            "tls_reloads",
            "TLS certificate reloads (SIGHUP) by result",
            m.tls_reloads.clone(),
        );
        r.register(
            "open_files_limit",
            "The soft limit on open files (RLIMIT_NOFILE)",
            m.open_files.clone(),
        );
        // Known series start at zero, so that rates and alerts see them before the first event.
        for reason in ["per_ip_before_login", "max_connections", "overload"] {
            let _ = m.refused.get_or_create(&Reason { reason });
        }
        for result in LOGIN_RESULTS {
            let _ = m.logins.get_or_create(&Outcome { result });
        }
        for result in ["ok", "failed"] {
            let _ = m.tls_reloads.get_or_create(&Outcome { result });
        }
        for kind in ["store", "object"] {
            let _ = m.backend_errors.get_or_create(&Kind { kind });
        }
        Metrics { registry, ..m }
    }
}

/// The object back end (or the store) failed: counted under `kind`, a short fixed label such
/// as `"domain"`, `"contact"`, `"database"` (not a message: each value is a time series).
pub fn backend_error(kind: &'static str) {
    METRICS.backend_errors.get_or_create(&Kind { kind }).inc();
}

/// A connection accepted for service; the gauge goes down when the guard is dropped.
pub fn connection_opened() -> OpenConnection {
    METRICS.accepted.inc();
    METRICS.connections_open.inc();
    OpenConnection(())
}

/// Counts an open connection while it lives.
pub struct OpenConnection(());

impl Drop for OpenConnection {
    fn drop(&mut self) {
        METRICS.connections_open.dec();
    }
}

/// A connection refused: `per_ip_before_login`, `max_connections` or `overload`.
pub fn connection_refused(reason: &'static str) {
    METRICS.refused.get_or_create(&Reason { reason }).inc();
}

pub fn handshake_failed() {
    METRICS.handshake_failures.inc();
}

/// A session logged in (`true`) or ended after logging in (`false`).
pub fn logged_in(yes: bool) {
    if yes {
        METRICS.sessions_logged_in.inc();
    } else {
        METRICS.sessions_logged_in.dec();
    }
}

/// A login's outcome (see the table above).
pub fn login(result: &'static str) {
    METRICS.logins.get_or_create(&Outcome { result }).inc();
}

/// A response rendered: its command (as [`command_label`] gives it), its result code (`None`
/// for a greeting), and how long since the command was read.
pub fn command(command: &'static str, code: Option<u16>, took: Duration) {
    METRICS
        .commands
        .get_or_create(&CommandCode {
            command,
            code: code_label(code),
        })
        .inc();
    METRICS
        .latency
        .get_or_create(&CommandOnly { command })
        .observe(took.as_secs_f64());
}

/// A libepp command name as a label: `poll req` becomes `poll-req`.
pub fn command_label(name: epp::CommandName) -> &'static str {
    match name.as_str() {
        "poll req" => "poll-req",
        "poll ack" => "poll-ack",
        other => other,
    }
}

/// Result codes as static labels (the codes RFC 5730 defines; anything else is `other`).
fn code_label(code: Option<u16>) -> &'static str {
    const CODES: &[(u16, &str)] = &[
        (1000, "1000"),
        (1001, "1001"),
        (1300, "1300"),
        (1301, "1301"),
        (1500, "1500"),
        (2000, "2000"),
        (2001, "2001"),
        (2002, "2002"),
        (2003, "2003"),
        (2004, "2004"),
        (2005, "2005"),
        (2100, "2100"),
        (2101, "2101"),
        (2102, "2102"),
        (2103, "2103"),
        (2104, "2104"),
        (2105, "2105"),
        (2106, "2106"),
        (2200, "2200"),
        (2201, "2201"),
        (2202, "2202"),
        (2300, "2300"),
        (2301, "2301"),
        (2302, "2302"),
        (2303, "2303"),
        (2304, "2304"),
        (2305, "2305"),
        (2306, "2306"),
        (2307, "2307"),
        (2308, "2308"),
        (2400, "2400"),
        (2500, "2500"),
        (2501, "2501"),
        (2502, "2502"),
    ];
    match code {
        None => "greeting",
        Some(c) => CODES
            .iter()
            .find(|(n, _)| *n == c)
            .map_or("other", |(_, s)| s),
    }
}

/// A read held back by the command rate limit, for `delay`.
pub fn throttled(delay: Duration) {
    METRICS.throttle_delays.inc();
    METRICS.throttle_seconds.inc_by(delay.as_secs_f64());
}

pub fn tls_reload(ok: bool) {
    let result = if ok { "ok" } else { "failed" };
    METRICS.tls_reloads.get_or_create(&Outcome { result }).inc();
}

pub fn open_files_limit(n: u64) {
    METRICS.open_files.set(i64::try_from(n).unwrap_or(i64::MAX));
}

/// The exposition, OpenMetrics text.
pub fn render() -> String {
    // Lines lost by the logger are counted there; brought up to date at each scrape.
    let lost = crate::log::lost_lines();
    let seen = METRICS.log_dropped.get();
    if lost > seen {
        METRICS.log_dropped.inc_by(lost - seen);
    }
    let mut out = String::with_capacity(8 * 1024);
    if prometheus_client::encoding::text::encode(&mut out, &METRICS.registry).is_err() {
        out.clear();
    }
    out
}

/// Scrapes served at once at most; more wait for the next accept.
const MAX_SCRAPES: usize = 16;
/// How long a scraper may take to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_REQUEST: usize = 8 * 1024;

/// Serves `GET /metrics` on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_SCRAPES));
    loop {
        let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(REQUEST_TIMEOUT * 2, answer(stream)).await;
                    drop(permit);
                });
            }
            Err(e) => {
                log!("metrics: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// One HTTP/1.x request and its answer; the connection is closed after it.
async fn answer(mut stream: TcpStream) {
    let mut req = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    let read = tokio::time::timeout(REQUEST_TIMEOUT, async {
        while !req.windows(4).any(|w| w == b"\r\n\r\n") && req.len() < MAX_REQUEST {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => req.extend_from_slice(&buf[..n]),
            }
        }
        true
    })
    .await;
    if !matches!(read, Ok(true)) {
        return;
    }
    let line = req.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let path = parts.next().unwrap_or("");
    let path = path.split('?').next().unwrap_or("");
    let (status, ctype, body) = match (method, path) {
        ("GET" | "HEAD", "/metrics") => (
            "200 OK",
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            render(),
        ),
        ("GET" | "HEAD", _) => (
            "404 Not Found",
            "text/plain; charset=utf-8",
            "eppd serves its metrics at /metrics\n".to_string(),
        ),
        _ => (
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            "GET /metrics\n".to_string(),
        ),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\
         Connection: close\r\nCache-Control: no-store\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    if method != "HEAD" {
        let _ = stream.write_all(body.as_bytes()).await;
    }
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_has_the_metrics() {
        connection_refused("max_connections");
        login("accepted");
        command("check", Some(2101), Duration::from_millis(3));
        command("hello", None, Duration::from_millis(1));
        backend_error("test");
        let text = render();
        for part in [
            "eppd_connections_open ",
            "eppd_connections_refused_total{reason=\"max_connections\"}",
            "eppd_logins_total{result=\"accepted\"}",
            "eppd_commands_total{command=\"check\",code=\"2101\"}",
            "eppd_commands_total{command=\"hello\",code=\"greeting\"}",
            "eppd_command_duration_seconds_bucket{le=",
            "eppd_backend_errors_total{kind=\"test\"}",
            "# EOF",
        ] {
            assert!(text.contains(part), "{part} not in:\n{text}");
        }
        assert_eq!(code_label(Some(1999)), "other");
    }
}
