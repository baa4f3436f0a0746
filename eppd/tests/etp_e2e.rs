//! End-to-end ETP 1.1: the `eppd etp` binary over plain WebSocket on 127.0.0.1, driven by
//! `tests/e2e/etp_client.py`, a client built on third-party libraries only (Python `websockets`
//! for the WebSocket, `fastavro` with the ETP 1.1 schemas of `tests/e2e/etp_schemas/` for Avro).
//!
//! Each test starts its own `eppd etp --listen 127.0.0.1:0 --plain ...`, reads the bound address
//! from its first stdout line (`etp listening on ADDR`), runs the client and requires exit 0
//! and an `ok` line per scenario. eppd is killed when the test ends, whatever happens (Drop
//! guard); every wait is bounded.
//!
//! fastavro and websockets are installed by `tests/e2e/install-peers.sh`. When they are missing
//! the tests that need them fail if `CI` is set, and print a skip notice and pass otherwise (the
//! policy of `e2e_peers.rs`). The interpreter can be overridden with `E2E_PYTHON`. The tests of
//! the command line need no Python.
//!
//! Only `std` is used (no dev-dependencies).

use std::env;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);
const PROBE_TIMEOUT: Duration = Duration::from_secs(20);

/// The scenarios `etp_client.py` runs by default, each of which must print `ok NAME: ...`.
const SCENARIOS: &[&str] = &[
    "schemas",
    "happy_path",
    "partial_subset",
    "role_mismatch",
    "none_supported",
    "messages_before_open",
    "second_request_session",
    "unknown_protocol",
    "unknown_message_type",
    "malformed_bodies",
    "text_frame",
    "oversized_message",
    "client_close_session",
    "handshake",
    "fresh_session",
];

// ---------------------------------------------------------------------------------------------
// process helpers

/// Kills (and reaps) the child when dropped, so no test leaves a process behind.
struct KillOnDrop {
    child: Child,
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads a pipe to its end in a background thread, into a shared buffer.
struct Collector {
    buf: Arc<Mutex<Vec<u8>>>,
    handle: JoinHandle<()>,
}

impl Collector {
    fn start<R: Read + Send + 'static>(mut pipe: R) -> Collector {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&buf);
        let handle = thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            loop {
                match pipe.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => sink.lock().unwrap().extend_from_slice(&chunk[..n]),
                }
            }
        });
        Collector { buf, handle }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.buf.lock().unwrap()).into_owned()
    }

    /// Waits a little for end-of-file (bounded: a stray grandchild could hold the pipe open).
    fn finish(self, wait: Duration) -> String {
        let deadline = Instant::now() + wait;
        while !self.handle.is_finished() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        self.text()
    }
}

struct Outcome {
    /// None when the time limit was hit and the process was killed.
    status: Option<ExitStatus>,
    stdout: String,
    stderr: String,
}

/// A running child with its output collected; `wait` bounds it.
struct Running {
    guard: KillOnDrop,
    stdout: Collector,
    stderr: Collector,
}

impl Running {
    fn spawn(mut cmd: Command) -> std::io::Result<Running> {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut guard = KillOnDrop {
            child: cmd.spawn()?,
        };
        let stdout = Collector::start(guard.child.stdout.take().expect("piped stdout"));
        let stderr = Collector::start(guard.child.stderr.take().expect("piped stderr"));
        Ok(Running {
            guard,
            stdout,
            stderr,
        })
    }

    /// Waits until stdout has `needle` (true) or the child exits or `limit` passes (false).
    fn wait_for_output(&mut self, needle: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.stdout.text().contains(needle) {
                return true;
            }
            if let Ok(Some(_)) = self.guard.child.try_wait() {
                return self.stdout.text().contains(needle);
            }
            thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Waits for the exit (killing the child after `limit`) and the output.
    fn wait(mut self, limit: Duration) -> std::io::Result<Outcome> {
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = self.guard.child.try_wait()? {
                break Some(status);
            }
            if Instant::now() >= deadline {
                let _ = self.guard.child.kill();
                let _ = self.guard.child.wait();
                break None;
            }
            thread::sleep(Duration::from_millis(20));
        };
        drop(self.guard);
        Ok(Outcome {
            status,
            stdout: self.stdout.finish(Duration::from_secs(2)),
            stderr: self.stderr.finish(Duration::from_secs(2)),
        })
    }
}

fn run_with_timeout(cmd: Command, limit: Duration) -> std::io::Result<Outcome> {
    Running::spawn(cmd)?.wait(limit)
}

// ---------------------------------------------------------------------------------------------
// eppd etp

struct EtpServer {
    guard: KillOnDrop,
    addr: SocketAddr,
    stderr: Collector,
}

impl EtpServer {
    /// `eppd etp --listen 127.0.0.1:0 --plain` with `extra` flags.
    fn start(extra: &[&str]) -> EtpServer {
        let exe = env!("CARGO_BIN_EXE_eppd");
        let mut child = Command::new(exe)
            .args(["etp", "--listen", "127.0.0.1:0", "--plain"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {exe}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = Collector::start(child.stderr.take().expect("piped stderr"));
        let mut guard = KillOnDrop { child };
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let res = reader.read_line(&mut line).map(|_| line);
            let _ = tx.send(res);
            let mut rest = Vec::new();
            let _ = reader.read_to_end(&mut rest);
        });
        let line = match rx.recv_timeout(STARTUP_TIMEOUT) {
            Ok(Ok(line)) => line,
            other => {
                let _ = guard.child.kill();
                let _ = guard.child.wait();
                panic!(
                    "no 'etp listening on ...' line ({other:?})\neppd stderr:\n{}",
                    stderr.text()
                )
            }
        };
        let addr = parse_listening_line(&line).unwrap_or_else(|why| {
            let _ = guard.child.kill();
            let _ = guard.child.wait();
            panic!(
                "bad first line {line:?}: {why}\neppd stderr:\n{}",
                stderr.text()
            )
        });
        EtpServer {
            guard,
            addr,
            stderr,
        }
    }

    fn assert_running(&mut self, after: &str) {
        match self.guard.child.try_wait() {
            Ok(None) => {}
            Ok(Some(status)) => {
                thread::sleep(Duration::from_millis(100));
                panic!(
                    "eppd etp exited ({status}) after {after}\neppd stderr:\n{}",
                    self.stderr.text()
                )
            }
            Err(e) => panic!("cannot poll eppd: {e}"),
        }
    }
}

/// `etp listening on 127.0.0.1:PORT` -> the address (127.0.0.1 with a real port).
fn parse_listening_line(line: &str) -> Result<SocketAddr, String> {
    let line = line.trim_end_matches(['\n', '\r']);
    if line.is_empty() {
        return Err("eppd closed stdout without printing it (did it exit?)".into());
    }
    let rest = line
        .strip_prefix("etp listening on ")
        .ok_or("expected exactly 'etp listening on 127.0.0.1:PORT'")?;
    let addr: SocketAddr = rest
        .parse()
        .map_err(|e| format!("{rest:?} is not an address: {e}"))?;
    if addr.ip().to_string() != "127.0.0.1" || addr.port() == 0 {
        return Err(format!(
            "expected 127.0.0.1 and a non-zero port, got {addr}"
        ));
    }
    Ok(addr)
}

// ---------------------------------------------------------------------------------------------
// the Python peer (the policy of e2e_peers.rs)

fn ci() -> bool {
    match env::var("CI") {
        Ok(v) => !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"),
        Err(_) => false,
    }
}

fn python() -> String {
    env::var("E2E_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Whether `program args...` exits 0 (bounded); Err carries why not.
fn probe(program: &str, args: &[&str]) -> Result<(), String> {
    let mut cmd = Command::new(program);
    cmd.args(args);
    match run_with_timeout(cmd, PROBE_TIMEOUT) {
        Err(e) => Err(format!("cannot run {program}: {e}")),
        Ok(o) => match o.status {
            Some(s) if s.success() => Ok(()),
            Some(s) => Err(format!(
                "`{program} {}` failed ({s}): {}",
                args.join(" "),
                o.stderr.trim()
            )),
            None => Err(format!("`{program} {}` timed out", args.join(" "))),
        },
    }
}

/// What to do about a peer, given whether it is installed and whether this is CI.
#[derive(Debug, PartialEq)]
enum Decision {
    Run,
    Skip(String),
    Fail(String),
}

fn decide(peer: &str, check: Result<(), String>, ci: bool) -> Decision {
    match check {
        Ok(()) => Decision::Run,
        Err(why) if ci => Decision::Fail(format!(
            "{peer} is not installed, and CI is set so this test may not be skipped: {why}\n\
             install it with: bash tests/e2e/install-peers.sh"
        )),
        Err(why) => Decision::Skip(format!(
            "SKIP: {peer} is not installed ({why}); run `bash tests/e2e/install-peers.sh` \
             to enable this end-to-end test"
        )),
    }
}

const PEER: &str = "Python fastavro and websockets (pip install fastavro websockets)";

/// true = run the test; false = skip (only outside CI). Panics in CI when the peer is missing.
fn etp_peer_available() -> bool {
    let check = probe(
        &python(),
        &["-c", "import fastavro, websockets.sync.client"],
    );
    match decide(PEER, check, ci()) {
        Decision::Run => true,
        Decision::Fail(message) => panic!("{message}"),
        Decision::Skip(notice) => {
            // The real stderr (eprintln! is captured by the harness), so the notice is seen.
            let _ = writeln!(std::io::stderr(), "{notice}");
            false
        }
    }
}

fn client_script() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in manifest.ancestors() {
        let candidate = dir.join("tests").join("e2e").join("etp_client.py");
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!(
        "cannot find tests/e2e/etp_client.py above {}",
        manifest.display()
    )
}

fn client_command(server: &EtpServer, args: &[&str]) -> Command {
    let mut cmd = Command::new(python());
    cmd.arg(client_script())
        .args(["127.0.0.1", &server.addr.port().to_string()])
        .args(args)
        .env("E2E_TIMEOUT", "10")
        .env("E2E_TOTAL_TIMEOUT", "100")
        .env("PYTHONWARNINGS", "error::DeprecationWarning");
    cmd
}

/// Runs the client with `args`, requires exit 0, an `ok` line per scenario of `expected` and
/// the PASS line; returns its stdout.
fn run_client(server: &mut EtpServer, args: &[&str], expected: &[&str]) -> String {
    let started = Instant::now();
    let outcome = run_with_timeout(client_command(server, args), SCRIPT_TIMEOUT)
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python()));
    let report = || {
        format!(
            "--- etp_client.py stdout:\n{}\n--- etp_client.py stderr:\n{}\n--- eppd etp ({}) \
             stderr:\n{}",
            outcome.stdout.trim_end(),
            outcome.stderr.trim_end(),
            server.addr,
            server.stderr.text().trim_end()
        )
    };
    match outcome.status {
        None => panic!(
            "etp_client.py: no result within {SCRIPT_TIMEOUT:?}, killed\n{}",
            report()
        ),
        Some(status) if !status.success() => {
            panic!("etp_client.py: failed ({status})\n{}", report())
        }
        Some(_) => {}
    }
    for name in expected {
        let line = format!("ok {name}: ");
        assert!(
            outcome.stdout.lines().any(|l| l.starts_with(&line)),
            "no {line:?} line\n{}",
            report()
        );
    }
    assert!(
        outcome.stdout.contains("PASS etp_client: "),
        "no PASS line\n{}",
        report()
    );
    println!(
        "etp_client.py: passed in {:?}\n{}",
        started.elapsed(),
        outcome.stdout.trim_end()
    );
    server.assert_running("the client's sessions");
    outcome.stdout
}

// ---------------------------------------------------------------------------------------------
// tests

/// Every scenario against the default configuration (Discovery and Store, role store).
#[test]
fn etp_client_scenarios() {
    if !etp_peer_available() {
        return;
    }
    let mut server = EtpServer::start(&[]);
    run_client(&mut server, &[], SCENARIOS);
    let log = server.stderr.text();
    for needle in [
        "serving ETP 1.1 over WebSocket at ws://127.0.0.1:",
        "sent ProtocolException protocol=3 code=7 (ENOTSUPPORTED)",
        "sent ProtocolException protocol=0 code=2 (ENOSUPPORTEDPROTOCOLS)",
        "refused at the handshake: 400 Bad Request",
        "reason=\"text message (closed with 1008)\"",
        "RenewSecurityToken accepted",
    ] {
        assert!(log.contains(needle), "{needle:?} not in the log:\n{log}");
    }
}

/// `--protocol` (repeatable, replacing the defaults) and `--application-name` reach OpenSession.
#[test]
fn etp_configured_protocols_and_name() {
    if !etp_peer_available() {
        return;
    }
    let mut server = EtpServer::start(&[
        "--protocol",
        "2:1.1.0.0:producer",
        "--protocol",
        "3:1.1.0.0:store",
        "--application-name",
        "Test Store",
    ]);
    run_client(
        &mut server,
        &[
            "--expect-application",
            "Test Store",
            "--expect-protocol",
            "2:1.1.0.0:producer",
            "--expect-protocol",
            "3:1.1.0.0:store",
            "happy_path",
            "role_mismatch",
        ],
        &["happy_path", "role_mismatch"],
    );
}

/// SIGTERM: an open session gets CloseSession("server shutting down"), then close 1001; eppd
/// exits 0.
#[cfg(unix)]
#[test]
fn etp_stops_on_sigterm() {
    if !etp_peer_available() {
        return;
    }
    let mut server = EtpServer::start(&[]);
    let mut client = Running::spawn(client_command(&server, &["server_shutdown"]))
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python()));
    assert!(
        client.wait_for_output("ready:", Duration::from_secs(30)),
        "the client did not open its session\n{}\n{}\n{}",
        client.stdout.text(),
        client.stderr.text(),
        server.stderr.text()
    );
    let status = Command::new("kill")
        .args(["-TERM", &server.guard.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let outcome = client.wait(SCRIPT_TIMEOUT).expect("wait for the client");
    assert!(
        outcome.status.is_some_and(|s| s.success())
            && outcome.stdout.contains("ok server_shutdown"),
        "client:\n{}\n{}\neppd:\n{}",
        outcome.stdout,
        outcome.stderr,
        server.stderr.text()
    );
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    let status = loop {
        if let Some(s) = server.guard.child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "eppd etp did not stop");
        thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    assert!(server.stderr.text().contains("SIGTERM: shutting down"));
}

/// Reads one unmasked server frame: (opcode, payload).
fn read_frame(stream: &mut std::net::TcpStream) -> (u8, Vec<u8>) {
    let mut head = [0u8; 2];
    stream.read_exact(&mut head).expect("a frame header");
    assert_eq!(head[0] & 0x80, 0x80, "a fragmented frame");
    assert_eq!(head[1] & 0x80, 0, "a masked server frame");
    let len = match head[1] & 0x7f {
        126 => {
            let mut n = [0u8; 2];
            stream.read_exact(&mut n).unwrap();
            u16::from_be_bytes(n) as usize
        }
        127 => panic!("an unexpectedly large frame"),
        n => n as usize,
    };
    let mut payload = vec![0u8; len];
    stream.read_exact(&mut payload).expect("a frame payload");
    (head[0] & 0x0f, payload)
}

/// `--open-deadline`: a client that opens the WebSocket but sends no RequestSession gets
/// CloseSession, then a close frame. A raw WebSocket client (std only, no Python).
#[test]
fn etp_open_deadline_closes_an_idle_connection() {
    let server = EtpServer::start(&["--open-deadline", "1"]);
    let mut stream = std::net::TcpStream::connect(server.addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET / HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Protocol: energistics-tp\r\n\r\n",
        server.addr
    )
    .unwrap();
    let mut response = Vec::new();
    while !response.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        stream
            .read_exact(&mut byte)
            .expect("the handshake response");
        response.push(byte[0]);
        assert!(response.len() < 4096, "an endless handshake response");
    }
    let response = String::from_utf8_lossy(&response).to_ascii_lowercase();
    assert!(response.starts_with("http/1.1 101 "), "{response}");
    assert!(
        response.contains("sec-websocket-protocol: energistics-tp\r\n"),
        "{response}"
    );
    assert!(
        response.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n"),
        "{response}"
    );
    let started = Instant::now();
    let (opcode, message) = read_frame(&mut stream);
    assert!(started.elapsed() >= Duration::from_millis(500), "too early");
    assert_eq!(opcode, 2, "a binary message");
    // Header: Core (0), CloseSession (5), correlationId 0, messageId 1, flags 0; then the reason.
    assert_eq!(&message[..6], [0x00, 0x0a, 0x00, 0x02, 0x00, 0x02]);
    assert!(
        String::from_utf8_lossy(&message).contains("no RequestSession in time"),
        "{message:?}"
    );
    let (opcode, payload) = read_frame(&mut stream);
    assert_eq!(opcode, 8, "a close frame");
    assert_eq!(payload[..2], 1000u16.to_be_bytes());
}

/// Without --plain, `eppd etp` would serve wss://, which needs TLS: it refuses to start.
#[test]
fn etp_without_plain_refuses_to_start() {
    let out = Command::new(env!("CARGO_BIN_EXE_eppd"))
        .args(["etp", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .output()
        .expect("run eppd");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("TLS for ETP needs --tls-cert/--tls-key (not yet available); use --plain"),
        "{err}"
    );
}

#[test]
fn etp_rejects_bad_flags() {
    for (args, says) in [
        (
            &["--protocol", "3:1.1:store"][..],
            "MAJOR.MINOR.REVISION.PATCH",
        ),
        (&["--protocol", "0:1.1.0.0:store"], "above 0"),
        (&["--protocol", "3"], "ID:VERSION:ROLE"),
        (
            &[
                "--protocol",
                "3:1.1.0.0:store",
                "--protocol",
                "3:1.1.0.0:customer",
            ],
            "listed twice",
        ),
        (&["--open-deadline", "0"], "open-deadline"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_eppd"))
            .args(["etp", "--listen", "127.0.0.1:0", "--plain"])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run eppd");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} started");
        assert!(err.contains(says), "{args:?}: {says:?} not in {err}");
    }
    // EPP's flags belong to EPP: `eppd --plain etp` is refused, not half-applied.
    let out = Command::new(env!("CARGO_BIN_EXE_eppd"))
        .args(["--plain", "etp", "--plain"])
        .stdin(Stdio::null())
        .output()
        .expect("run eppd");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn a_missing_peer_fails_in_ci_and_is_skipped_outside() {
    let why = || Err("No module named 'fastavro'".to_string());
    assert_eq!(decide(PEER, Ok(()), true), Decision::Run);
    assert_eq!(decide(PEER, Ok(()), false), Decision::Run);
    for (ci, decision) in [
        (true, decide(PEER, why(), true)),
        (false, decide(PEER, why(), false)),
    ] {
        let text = match (ci, decision) {
            (true, Decision::Fail(text)) | (false, Decision::Skip(text)) => text,
            (ci, other) => panic!("CI {ci}: {other:?}"),
        };
        for part in [
            "fastavro",
            "websockets",
            "No module named",
            "bash tests/e2e/install-peers.sh",
        ] {
            assert!(text.contains(part), "CI {ci}: {part:?} not in {text:?}");
        }
    }
}

#[test]
fn listening_line_parser() {
    assert_eq!(
        parse_listening_line("etp listening on 127.0.0.1:7701\n").unwrap(),
        "127.0.0.1:7701".parse::<SocketAddr>().unwrap()
    );
    assert!(parse_listening_line("").is_err());
    assert!(parse_listening_line("eppd listening on 127.0.0.1:7701\n").is_err());
    assert!(parse_listening_line("etp listening on 127.0.0.1:0\n").is_err());
    assert!(parse_listening_line("etp listening on 0.0.0.0:7701\n").is_err());
}
