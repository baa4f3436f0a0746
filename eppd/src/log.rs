//! Logging through `tracing`: timestamped lines on stderr (or `--log-file`), one per command
//! (from libepp's transaction log, target `eppd::command`) and one per connection event.
//!
//! Lines are handed to a writer thread through a bounded queue (tracing-appender's
//! non-blocking writer, lossy): a stderr pipe that nobody reads, or a slow disk, loses lines
//! (counted: `eppd_log_lines_dropped_total`) instead of freezing sessions. Writing never
//! panics. The level comes from `--log-level` (an `EnvFilter` directive: `info`, `warn`,
//! `info,eppd::command=warn` to turn the per-command lines down), else `RUST_LOG`, else the
//! configuration file, else `info`. SIGHUP reopens `--log-file` (after logrotate moved it).

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

/// The target of the per-command lines, so that they can be turned down alone.
pub const COMMAND_TARGET: &str = "eppd::command";

/// The level when nothing says otherwise.
pub const DEFAULT_LEVEL: &str = "info";

/// Lines queued for the writer thread at most; past it lines are dropped (and counted).
const QUEUED_LINES: usize = 16 * 1024;

/// `log!("...", args)`: one line at level INFO, target the calling module.
macro_rules! log {
    ($($t:tt)*) => { ::tracing::info!($($t)*) };
}
pub(crate) use log;

/// `log_command!("...", args)`: a per-command line (target [`COMMAND_TARGET`], level INFO).
macro_rules! log_command {
    ($($t:tt)*) => { ::tracing::info!(target: $crate::log::COMMAND_TARGET, $($t)*) };
}
pub(crate) use log_command;

/// What the running server's logging shares with the rest of eppd.
struct State {
    /// Set by SIGHUP; the writer thread reopens the file before its next line.
    reopen: Arc<AtomicBool>,
    dropped: tracing_appender::non_blocking::ErrorCounter,
    file: Option<PathBuf>,
}

static STATE: OnceLock<State> = OnceLock::new();
/// Lines the writer could not write (stderr closed, disk full...).
static WRITE_ERRORS: AtomicU64 = AtomicU64::new(0);

/// Keeps the writer thread; dropping it flushes what is queued (waiting at most about a
/// second when the output is blocked).
pub struct Guard(#[allow(dead_code)] tracing_appender::non_blocking::WorkerGuard);

/// The filter directives: `--log-level` (or the file's `log-level`, given here as `flag`
/// when the command line has none and RUST_LOG is unset), checked.
pub fn directives(flag: Option<&str>, file: Option<&str>) -> Result<String, String> {
    let env = std::env::var("RUST_LOG")
        .ok()
        .filter(|s| !s.trim().is_empty());
    let (what, d) = match (flag, env, file) {
        (Some(f), _, _) => ("--log-level", f.to_string()),
        (None, Some(e), _) => ("RUST_LOG", e),
        (None, None, Some(f)) => ("log-level", f.to_string()),
        (None, None, None) => ("", DEFAULT_LEVEL.to_string()),
    };
    let bad = |why: String| {
        format!("{what} {d:?}: {why} (expected e.g. info, warn, or info,eppd::command=warn)")
    };
    // A bare word is a target to tracing ("inof" would log nothing else): only levels here.
    const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];
    for part in d.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let level = part.to_ascii_lowercase();
        if !part.contains('=') && !part.contains('[') && !LEVELS.contains(&level.as_str()) {
            return Err(bad(format!("{part:?} is not a level")));
        }
    }
    EnvFilter::builder()
        .parse(&d)
        .map_err(|e| bad(e.to_string()))?;
    Ok(d)
}

/// Starts logging for the server: to `file` (appended, created owner-and-group-readable) or to
/// stderr, filtered by `directives` (see [`directives`]).
pub fn init(directives: &str, file: Option<&Path>) -> Result<Guard, String> {
    let filter = EnvFilter::builder()
        .parse(directives)
        .map_err(|e| format!("log level {directives:?}: {e}"))?;
    let reopen = Arc::new(AtomicBool::new(false));
    let sink = match file {
        None => Sink::Stderr,
        Some(p) => Sink::File(open_log(p)?),
    };
    let writer = LogWriter {
        sink,
        path: file.map(Path::to_path_buf),
        reopen: Arc::clone(&reopen),
    };
    let (non_blocking, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(QUEUED_LINES)
        .lossy(true)
        .thread_name("eppd-log")
        .finish(writer);
    let state = State {
        reopen,
        dropped: non_blocking.error_counter(),
        file: file.map(Path::to_path_buf),
    };
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(non_blocking)
        .event_format(LineFormat)
        .finish();
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|e| format!("cannot start logging: {e}"))?;
    let _ = STATE.set(state);
    Ok(Guard(guard))
}

/// SIGHUP: reopen the log file before the next line. Returns the file, if logging to one.
pub fn reopen() -> Option<PathBuf> {
    let s = STATE.get()?;
    s.reopen.store(true, Ordering::SeqCst);
    s.file.clone()
}

/// Lines lost so far: dropped because the queue was full, or not written.
pub fn lost_lines() -> u64 {
    let dropped = STATE.get().map_or(0, |s| s.dropped.dropped_lines() as u64);
    dropped + WRITE_ERRORS.load(Ordering::Relaxed)
}

fn open_log(path: &Path) -> Result<File, String> {
    let mut o = OpenOptions::new();
    o.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.mode(0o640);
    }
    o.open(path)
        .map_err(|e| format!("cannot open the log file {}: {e}", path.display()))
}

enum Sink {
    Stderr,
    File(File),
}

/// The writer thread's end: never fails (a line that cannot be written is counted and lost),
/// and reopens the file when asked.
struct LogWriter {
    sink: Sink,
    path: Option<PathBuf>,
    reopen: Arc<AtomicBool>,
}

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.reopen.swap(false, Ordering::SeqCst) {
            if let Some(path) = &self.path {
                match open_log(path) {
                    Ok(f) => self.sink = Sink::File(f),
                    Err(e) => {
                        let line = format!(
                            "{} ERROR reopening the log file failed, still writing to the old \
                             one: {e}\n",
                            epp::format_rfc3339(SystemTime::now())
                        );
                        let _ = self.write_raw(line.as_bytes());
                    }
                }
            }
        }
        if self.write_raw(buf).is_err() {
            WRITE_ERRORS.fetch_add(1, Ordering::Relaxed);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogWriter {
    fn write_raw(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match &mut self.sink {
            Sink::Stderr => std::io::stderr().lock().write_all(buf),
            Sink::File(f) => f.write_all(buf),
        }
    }
}

/// `TIMESTAMP message` for INFO, `TIMESTAMP LEVEL message` otherwise.
struct LineFormat;

impl<S, N> FormatEvent<S, N> for LineFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        writer.write_str(&epp::format_rfc3339(SystemTime::now()))?;
        writer.write_char(' ')?;
        let level = *event.metadata().level();
        if level != Level::INFO {
            write!(writer, "{level} ")?;
        }
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writer.write_char('\n')
    }
}

/// Milliseconds with three decimals, for the log.
pub fn millis(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

/// Makes a client-supplied string safe for one `key=value` log field.
pub fn clean(s: &str) -> String {
    s.chars()
        .take(64)
        .map(|c| {
            if c.is_control() || c.is_whitespace() || c == '"' {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// At most one line per key per interval: says whether to log now, and how many were held
/// back since the last line. Bounded: keys not seen for an interval are forgotten when the
/// table grows.
pub struct RateLimit<K> {
    every: Duration,
    seen: std::sync::Mutex<std::collections::HashMap<K, (std::time::Instant, u64)>>,
}

/// Keys kept before the table is pruned.
const RATE_LIMIT_KEYS: usize = 4096;

impl<K: std::hash::Hash + Eq + Clone> RateLimit<K> {
    pub fn new(every: Duration) -> RateLimit<K> {
        RateLimit {
            every,
            seen: Default::default(),
        }
    }

    /// `Some(held back since the last line)` when a line for `key` may be written now.
    pub fn check(&self, key: &K) -> Option<u64> {
        let now = std::time::Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= RATE_LIMIT_KEYS && !seen.contains_key(key) {
            let every = self.every;
            seen.retain(|_, (at, _)| now.duration_since(*at) < every);
        }
        match seen.get_mut(key) {
            Some((at, held)) if now.duration_since(*at) < self.every => {
                *held += 1;
                None
            }
            Some((at, held)) => {
                *at = now;
                Some(std::mem::take(held))
            }
            None => {
                if seen.len() < RATE_LIMIT_KEYS {
                    seen.insert(key.clone(), (now, 0));
                }
                Some(0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_strips_controls() {
        assert_eq!(clean("reg1"), "reg1");
        assert_eq!(clean("a b\n\"c"), "a_b__c");
        assert_eq!(clean(&"x".repeat(100)).len(), 64);
    }

    #[test]
    fn millis_has_three_decimals() {
        assert_eq!(millis(Duration::from_micros(1500)), "1.500");
    }

    #[test]
    fn rate_limit_holds_lines_back() {
        let r = RateLimit::new(Duration::from_secs(3600));
        assert_eq!(r.check(&"a"), Some(0));
        assert_eq!(r.check(&"a"), None);
        assert_eq!(r.check(&"a"), None);
        assert_eq!(r.check(&"b"), Some(0), "per key");
        let r = RateLimit::new(Duration::ZERO);
        assert_eq!(r.check(&"a"), Some(0));
        assert_eq!(r.check(&"a"), Some(0));
    }

    #[test]
    fn directives_are_checked() {
        assert!(directives(Some("warn"), None).is_ok());
        assert!(directives(Some("info,eppd::command=warn"), None).is_ok());
        assert!(directives(Some("info,eppd::command=loud"), None).is_err());
        assert!(
            directives(Some("inof"), None).is_err(),
            "a typo is no target"
        );
        assert!(directives(Some("WARN"), None).is_ok());
    }
}
