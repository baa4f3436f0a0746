//! `loadgen run`: sessions on libepp's client engine, over tokio (plain TCP or tokio-rustls).
//!
//! Every session connects, reads the greeting, logs in (at most `--login-parallel` at once),
//! and waits; when all are logged in (or failed), the measured window opens for all at once.
//! In it each session keeps `--pipeline` commands in flight, counting the responses read
//! before the window closes and the latency of each (from writing the command to reading its
//! response: the engine stamps each command with a tag holding its writing time). Then each
//! session waits for its last responses, logs out and closes.

use std::collections::{BTreeMap, VecDeque};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use epp::client::{ClientConfig, ClientSession, Command, CommandKind, Event};
use epp::CommandVerb;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{watch, Semaphore};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::TlsConnector;

const DOMAIN_NS: &str = "urn:ietf:params:xml:ns:domain-1.0";

/// What each session does in the measured window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Pattern {
    /// `<hello>` after `<hello>`.
    Hello,
    /// In turn: hello, poll request (and the ack of the message it returns), domain check.
    Mix,
}

/// `loadgen run` flags.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The server (eppd, or `loadgen floor`).
    #[arg(long, value_name = "HOST:PORT")]
    connect: String,

    /// TLS (RFC 5734), trusting --ca-file.
    #[arg(long, requires = "ca_file")]
    tls: bool,

    /// The CA certificate(s) to trust (PEM), e.g. eppd --demo's DIR/ca.pem.
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,

    /// The name the server certificate must hold.
    #[arg(long, value_name = "NAME", default_value = "localhost")]
    server_name: String,

    /// The registrar's clID.
    #[arg(long, default_value = "demo-registrar")]
    clid: String,

    /// The registrar's password (a test server's: it is visible in the process list).
    #[arg(long, default_value = "demo-pass1")]
    password: String,

    /// Concurrent sessions.
    #[arg(long, default_value_t = 1)]
    sessions: usize,

    /// Seconds of the measured window.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,

    /// What each session sends.
    #[arg(long, value_enum, default_value_t = Pattern::Mix)]
    pattern: Pattern,

    /// Commands in flight per session.
    #[arg(long, default_value_t = 1)]
    pipeline: usize,

    /// Sessions connecting or logging in at once (eppd refuses more than 64 per address
    /// before login by default).
    #[arg(long, default_value_t = 32)]
    login_parallel: usize,

    /// The server's process id: its resident set (VmRSS) is sampled and reported.
    #[arg(long)]
    pid: Option<u32>,

    /// Seconds between resident-set samples (with --pid).
    #[arg(long, default_value_t = 5.0)]
    rss_every: f64,

    /// Runtime worker threads (0: one per core).
    #[arg(long, default_value_t = 1)]
    threads: usize,

    /// Seconds allowed for all sessions to connect and log in.
    #[arg(long, default_value_t = 900)]
    login_timeout: u64,

    /// A name for this run in the output (e.g. `eppd-tls-mix-100`).
    #[arg(long, default_value = "run")]
    label: String,

    /// Also write the figures as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

/// One session's figures from the measured window.
#[derive(Debug, Default)]
struct Stats {
    /// Responses read in the window, per command kind.
    ops: BTreeMap<&'static str, u64>,
    /// Responses whose code is not a success, per code.
    errors: BTreeMap<u16, u64>,
    /// Latency of each response in the window, microseconds.
    latencies: Vec<u32>,
    bytes_in: u64,
    bytes_out: u64,
}

impl Stats {
    fn merge(&mut self, o: Stats) {
        for (k, v) in o.ops {
            *self.ops.entry(k).or_default() += v;
        }
        for (k, v) in o.errors {
            *self.errors.entry(k).or_default() += v;
        }
        self.latencies.extend(o.latencies);
        self.bytes_in += o.bytes_in;
        self.bytes_out += o.bytes_out;
    }
}

fn kind_name(k: CommandKind) -> &'static str {
    match k {
        CommandKind::Hello => "hello",
        CommandKind::Login => "login",
        CommandKind::Logout => "logout",
        CommandKind::PollRequest => "poll-req",
        CommandKind::PollAck => "poll-ack",
        CommandKind::Object(CommandVerb::Check) => "domain-check",
        CommandKind::Object(_) => "object",
    }
}

struct Shared {
    /// Every time stamp is measured from here (command tags hold nanoseconds since it).
    t0: Instant,
    login_slots: Arc<Semaphore>,
    logged_in: AtomicUsize,
    failed: AtomicUsize,
    first_error: Mutex<Option<String>>,
    /// The measured window: (start, end), once every session is logged in.
    window: watch::Receiver<Option<(Instant, Instant)>>,
}

impl Shared {
    fn fail(&self, e: String) {
        let mut first = self.first_error.lock().unwrap();
        if first.is_none() {
            *first = Some(e);
        }
    }
}

/// A session's connection: its stream and the bytes moved.
struct Conn<S> {
    io: S,
    buf: Vec<u8>,
    bytes_in: u64,
    bytes_out: u64,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    /// Writes what the engine has to send.
    async fn flush(&mut self, client: &mut ClientSession) -> Result<(), String> {
        let out = client.output();
        if !out.is_empty() {
            let n = out.len();
            self.io
                .write_all(out)
                .await
                .map_err(|e| format!("write: {e}"))?;
            self.bytes_out += n as u64;
            client.consume_output(n);
        }
        Ok(())
    }

    /// Reads once (within `timeout`) and feeds the engine.
    async fn fill(&mut self, client: &mut ClientSession, timeout: Duration) -> Result<(), String> {
        let n = tokio::time::timeout(timeout, self.io.read(&mut self.buf))
            .await
            .map_err(|_| format!("no answer within {} s", timeout.as_secs()))?
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            client.handle_eof(SystemTime::now());
        } else {
            self.bytes_in += n as u64;
            client
                .feed_input(&self.buf[..n], SystemTime::now())
                .map_err(|e| format!("feed: {e}"))?;
        }
        Ok(())
    }
}

const TIMEOUT: Duration = Duration::from_secs(60);

fn closed(reason: impl std::fmt::Debug, phase: &str) -> String {
    format!("session closed {phase}: {reason:?}")
}

/// One session, from the greeting to the logout.
async fn drive<S: AsyncRead + AsyncWrite + Unpin>(
    io: S,
    config: Arc<ClientConfig>,
    shared: Arc<Shared>,
    args: Arc<RunArgs>,
    permit: tokio::sync::OwnedSemaphorePermit,
) -> Result<Stats, String> {
    let mut conn = Conn {
        io,
        buf: vec![0; 8192],
        bytes_in: 0,
        bytes_out: 0,
    };
    let mut client = ClientSession::new(config, SystemTime::now());

    // The greeting and the login.
    'login: loop {
        conn.flush(&mut client).await?;
        conn.fill(&mut client, TIMEOUT).await?;
        while let Some(ev) = client.poll_queue() {
            match ev {
                Event::Greeting { hello: None, .. } => {
                    client
                        .login(SystemTime::now())
                        .map_err(|e| format!("login: {e}"))?;
                }
                Event::Login { response, .. } if response.is_success() => break 'login,
                Event::Login { response, .. } => {
                    return Err(format!(
                        "login refused: {} {}",
                        response.code().code(),
                        response.message()
                    ))
                }
                Event::Closed { reason, .. } => return Err(closed(reason, "before login")),
                _ => {}
            }
        }
    }
    drop(permit);
    shared.logged_in.fetch_add(1, Ordering::Relaxed);

    let mut window = shared.window.clone();
    let (start, end) = window
        .wait_for(|w| w.is_some())
        .await
        .map_err(|_| "the run ended".to_string())?
        .expect("waited for");
    tokio::time::sleep_until(start.into()).await;

    let mut stats = Stats::default();
    let (in0, out0) = (conn.bytes_in, conn.bytes_out);
    let mut seq: u64 = 0;
    let mut acks: VecDeque<String> = VecDeque::new();
    let mut last_ack = String::new();
    let pipeline = args.pipeline.max(1);
    loop {
        let now = Instant::now();
        if now < end {
            while client.in_flight() + client.queued() < pipeline {
                let tag = shared.t0.elapsed().as_nanos() as u64;
                let command = if let Some(id) = acks.pop_front() {
                    Command::poll_ack(id)
                } else {
                    seq += 1;
                    match (args.pattern, seq % 3) {
                        (Pattern::Hello, _) | (Pattern::Mix, 1) => Command::hello(),
                        (Pattern::Mix, 2) => Command::poll_request(),
                        (Pattern::Mix, _) => Command::object(
                            CommandVerb::Check,
                            format!(
                                r#"<domain:check xmlns:domain="{DOMAIN_NS}"><domain:name>load{}.example</domain:name></domain:check>"#,
                                seq % 1000
                            ),
                        ),
                    }
                };
                client
                    .send(command.with_tag(tag), SystemTime::now())
                    .map_err(|e| format!("send: {e}"))?;
            }
        } else if client.in_flight() + client.queued() == 0 {
            break;
        }
        conn.flush(&mut client).await?;
        conn.fill(&mut client, TIMEOUT).await?;
        let done = Instant::now();
        let done_ns = done.duration_since(shared.t0).as_nanos() as u64;
        while let Some(ev) = client.poll_queue() {
            let (command, code, queue) = match ev {
                Event::Greeting {
                    hello: Some(command),
                    ..
                } => (command, 1000, None),
                Event::Response { command, response } => {
                    let code = response.code().code();
                    let queue = match command.kind {
                        CommandKind::PollRequest => response.message_queue.map(|q| q.id),
                        _ => None,
                    };
                    (command, code, queue)
                }
                Event::Closed { reason, .. } => return Err(closed(reason, "while measured")),
                _ => continue,
            };
            if let Some(id) = queue {
                if !id.is_empty() && id != last_ack {
                    last_ack.clone_from(&id);
                    acks.push_back(id);
                }
            }
            if done <= end {
                *stats.ops.entry(kind_name(command.kind)).or_default() += 1;
                if code >= 2000 {
                    *stats.errors.entry(code).or_default() += 1;
                }
                let sent = command.tag.unwrap_or(done_ns);
                stats
                    .latencies
                    .push((done_ns.saturating_sub(sent) / 1000).min(u32::MAX as u64) as u32);
            }
        }
    }
    stats.bytes_in = conn.bytes_in - in0;
    stats.bytes_out = conn.bytes_out - out0;

    // The logout (eppd answers 1500 and closes; the floor answers 1000).
    client
        .logout(SystemTime::now())
        .map_err(|e| format!("logout: {e}"))?;
    'logout: loop {
        conn.flush(&mut client).await?;
        if conn.fill(&mut client, TIMEOUT).await.is_err() {
            break;
        }
        while let Some(ev) = client.poll_queue() {
            match ev {
                Event::Response { command, .. } if command.kind == CommandKind::Logout => {
                    break 'logout
                }
                Event::Closed { .. } => break 'logout,
                _ => {}
            }
        }
    }
    Ok(stats)
}

/// Connects (and shakes hands), then drives one session.
async fn session(
    index: usize,
    config: Arc<ClientConfig>,
    shared: Arc<Shared>,
    args: Arc<RunArgs>,
    tls: Option<(TlsConnector, ServerName<'static>)>,
) -> Option<Stats> {
    let result = async {
        let permit = shared
            .login_slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| e.to_string())?;
        let sock = tokio::time::timeout(TIMEOUT, TcpStream::connect(&args.connect))
            .await
            .map_err(|_| "connect timed out".to_string())?
            .map_err(|e| format!("connect: {e}"))?;
        let _ = sock.set_nodelay(true);
        match tls {
            Some((connector, name)) => {
                let tls = tokio::time::timeout(TIMEOUT, connector.connect(name, sock))
                    .await
                    .map_err(|_| "TLS handshake timed out".to_string())?
                    .map_err(|e| format!("TLS: {e}"))?;
                drive(tls, config, shared.clone(), args, permit).await
            }
            None => drive(sock, config, shared.clone(), args, permit).await,
        }
    }
    .await;
    match result {
        Ok(s) => Some(s),
        Err(e) => {
            shared.fail(format!("session {index}: {e}"));
            shared.failed.fetch_add(1, Ordering::Relaxed);
            None
        }
    }
}

/// The resident set of `pid` in KiB (Linux: /proc/PID/status).
fn rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// CPU seconds (user + system) used so far by `pid` (Linux: /proc/PID/stat, in clock ticks
/// of 1/100 s, the kernel's USER_HZ on every common configuration).
fn cpu_secs(pid: u32) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name (which may hold spaces, in parentheses).
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let (utime, stime): (f64, f64) = (f.get(11)?.parse().ok()?, f.get(12)?.parse().ok()?);
    Some((utime + stime) / 100.0)
}

fn tls_connector(args: &RunArgs) -> Result<Option<(TlsConnector, ServerName<'static>)>, String> {
    if !args.tls {
        return Ok(None);
    }
    let ca = args.ca_file.as_ref().ok_or("--tls needs --ca-file")?;
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(ca)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("--ca-file {}: {e}", ca.display()))?;
    for c in certs {
        roots
            .add(c)
            .map_err(|e| format!("--ca-file {}: {e}", ca.display()))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(args.server_name.clone())
        .map_err(|e| format!("--server-name: {e}"))?;
    Ok(Some((TlsConnector::from(Arc::new(config)), name)))
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Runs `loadgen run`.
pub fn main(args: RunArgs) -> Result<(), String> {
    if args.sessions == 0 || args.duration <= 0.0 {
        return Err("--sessions and --duration must be positive".into());
    }
    let limit = crate::raise_nofile(args.sessions as u64 + 1024);
    if limit < args.sessions as u64 + 64 {
        return Err(format!(
            "the open-file limit is {limit}: too low for {} sessions",
            args.sessions
        ));
    }
    let tls = tls_connector(&args)?;
    let config = ClientConfig::builder(args.clid.as_str(), args.password.as_str())
        .required_object_uri(DOMAIN_NS)
        .max_in_flight(args.pipeline.max(1))
        .keep_alive(None)
        .response_deadline(TIMEOUT)
        .build()
        .map_err(|e| format!("client configuration: {e}"))?;
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if args.threads > 0 {
        rt.worker_threads(args.threads);
    }
    let rt = rt
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let args = Arc::new(args);
    rt.block_on(run(args, config, tls))
}

async fn run(
    args: Arc<RunArgs>,
    config: Arc<ClientConfig>,
    tls: Option<(TlsConnector, ServerName<'static>)>,
) -> Result<(), String> {
    let t0 = Instant::now();
    let (window_tx, window_rx) = watch::channel(None);
    let shared = Arc::new(Shared {
        t0,
        login_slots: Arc::new(Semaphore::new(args.login_parallel.max(1))),
        logged_in: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        first_error: Mutex::new(None),
        window: window_rx,
    });

    // The server's resident set, sampled from the start to the end.
    let series: Arc<Mutex<Vec<(f64, u64)>>> = Arc::default();
    let rss_before = args.pid.and_then(rss_kib);
    let sampler = args.pid.map(|pid| {
        let series = series.clone();
        let every = Duration::from_secs_f64(args.rss_every.max(0.1));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if let Some(kib) = rss_kib(pid) {
                    series
                        .lock()
                        .unwrap()
                        .push((t0.elapsed().as_secs_f64(), kib));
                }
            }
        })
    });

    let tasks: Vec<_> = (0..args.sessions)
        .map(|i| {
            tokio::spawn(session(
                i,
                config.clone(),
                shared.clone(),
                args.clone(),
                tls.clone(),
            ))
        })
        .collect();

    // Wait for every session to log in (or fail).
    let login_deadline = t0 + Duration::from_secs(args.login_timeout);
    let mut last_report = Instant::now();
    loop {
        let (ok, failed) = (
            shared.logged_in.load(Ordering::Relaxed),
            shared.failed.load(Ordering::Relaxed),
        );
        if ok + failed >= args.sessions {
            break;
        }
        if Instant::now() > login_deadline {
            return Err(format!(
                "{ok} of {} sessions logged in after {} s",
                args.sessions, args.login_timeout
            ));
        }
        if last_report.elapsed() > Duration::from_secs(10) {
            eprintln!(
                "loadgen: {ok} of {} logged in ({failed} failed) after {:.0} s",
                args.sessions,
                t0.elapsed().as_secs_f64()
            );
            last_report = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let login_secs = t0.elapsed().as_secs_f64();
    let logged_in = shared.logged_in.load(Ordering::Relaxed);
    // Let the server settle (its last answers written, its buffers returned) before sampling.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_logged_in = args.pid.and_then(rss_kib);

    let start = Instant::now() + Duration::from_millis(100);
    let end = start + Duration::from_secs_f64(args.duration);
    let _ = window_tx.send(Some((start, end)));
    // CPU used by the server and by loadgen itself in the measured window.
    tokio::time::sleep_until(start.into()).await;
    let me = std::process::id();
    let cpu0 = (args.pid.and_then(cpu_secs), cpu_secs(me));
    let cpu_at_end = {
        let pid = args.pid;
        tokio::spawn(async move {
            tokio::time::sleep_until(end.into()).await;
            (pid.and_then(cpu_secs), cpu_secs(me))
        })
    };

    let mut total = Stats::default();
    for t in tasks {
        if let Ok(Some(s)) = t.await {
            total.merge(s);
        }
    }
    let rss_end = args.pid.and_then(rss_kib);
    let cpu1 = cpu_at_end.await.unwrap_or((None, None));
    let server_cpu = cpu0.0.zip(cpu1.0).map(|(a, b)| b - a);
    let client_cpu = cpu0.1.zip(cpu1.1).map(|(a, b)| b - a);
    if let Some(s) = sampler {
        s.abort();
    }

    total.latencies.sort_unstable();
    let ops: u64 = total.ops.values().sum();
    let secs = args.duration;
    let failed = shared.failed.load(Ordering::Relaxed);
    let (p50, p99, max) = (
        percentile(&total.latencies, 0.50),
        percentile(&total.latencies, 0.99),
        total.latencies.last().copied().unwrap_or(0),
    );
    let per_session_kib = match (rss_before, rss_logged_in) {
        (Some(a), Some(b)) if logged_in > 0 => Some((b as f64 - a as f64) / logged_in as f64),
        _ => None,
    };
    let first_error = shared.first_error.lock().unwrap().clone();

    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{}: {} sessions ({} failed), {} {}, pipeline {}, {:.1} s: {:.0} ops/s, {:.2} MB/s in, \
         {:.2} MB/s out; latency p50 {} us, p99 {} us, max {} us; logged in after {:.1} s",
        args.label,
        logged_in,
        failed,
        if args.tls { "TLS" } else { "plain" },
        match args.pattern {
            Pattern::Hello => "hello",
            Pattern::Mix => "mix",
        },
        args.pipeline,
        secs,
        ops as f64 / secs,
        total.bytes_in as f64 / secs / 1e6,
        total.bytes_out as f64 / secs / 1e6,
        p50,
        p99,
        max,
        login_secs
    );
    let _ = writeln!(out, "  responses: {:?}", total.ops);
    let per_op = |cpu: Option<f64>| cpu.map(|c| c * 1e6 / ops.max(1) as f64);
    let _ = writeln!(
        out,
        "  CPU in the window: server {} ({} us per response), loadgen {} ({} us per response)",
        server_cpu.map_or("-".into(), |c| format!("{:.0}%", c * 100.0 / secs)),
        per_op(server_cpu).map_or("-".into(), |c| format!("{c:.1}")),
        client_cpu.map_or("-".into(), |c| format!("{:.0}%", c * 100.0 / secs)),
        per_op(client_cpu).map_or("-".into(), |c| format!("{c:.1}")),
    );
    if !total.errors.is_empty() {
        let _ = writeln!(out, "  error codes: {:?}", total.errors);
    }
    if let (Some(a), Some(b), Some(c)) = (rss_before, rss_logged_in, rss_end) {
        let _ = writeln!(
            out,
            "  server RSS: {a} KiB before, {b} KiB all logged in ({:.1} KiB per session), {c} KiB at the end",
            per_session_kib.unwrap_or(0.0)
        );
    }
    if let Some(e) = &first_error {
        let _ = writeln!(out, "  first failure: {e}");
    }
    drop(out);

    if let Some(path) = &args.json {
        let series = series.lock().unwrap().clone();
        let doc = json!({
            "label": args.label,
            "connect": args.connect,
            "tls": args.tls,
            "pattern": match args.pattern { Pattern::Hello => "hello", Pattern::Mix => "mix" },
            "sessions": args.sessions,
            "logged_in": logged_in,
            "failed": failed,
            "first_error": first_error,
            "pipeline": args.pipeline,
            "duration_s": secs,
            "login_s": login_secs,
            "ops": ops,
            "ops_per_s": ops as f64 / secs,
            "responses": total.ops,
            "error_codes": total.errors.iter().map(|(k, v)| (k.to_string(), *v)).collect::<BTreeMap<_, _>>(),
            "bytes_in_per_s": total.bytes_in as f64 / secs,
            "bytes_out_per_s": total.bytes_out as f64 / secs,
            "cpu": { "server_s": server_cpu, "loadgen_s": client_cpu,
                     "server_us_per_op": per_op(server_cpu), "loadgen_us_per_op": per_op(client_cpu) },
            "latency_us": { "p50": p50, "p99": p99, "max": max },
            "rss_kib": { "before": rss_before, "logged_in": rss_logged_in, "end": rss_end,
                         "per_session_logged_in": per_session_kib },
            "rss_series": series,
        });
        std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap() + "\n")
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if logged_in == 0 {
        return Err(format!(
            "no session logged in: {}",
            first_error.unwrap_or_default()
        ));
    }
    if failed > 0 {
        return Err(format!("{failed} sessions failed"));
    }
    Ok(())
}
