//! What the eppd end-to-end tests share: the `eppd` binary on 127.0.0.1 port 0 (killed when
//! its test ends), and [`EppClient`], libepp's client engine (`epp::client::ClientSession`)
//! driven over a tokio `TcpStream`, for talking EPP to it. Every wait is bounded.

#![allow(dead_code)] // each test file uses part of it

/// The TLS, durability, administration and PostgreSQL tests' helpers.
pub mod store;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use epp::client::{
    ClientCloseReason, ClientConfig, ClientSession, Command as EppCommand, Event, Greeting,
    Response,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const DOMAIN: &str = "urn:ietf:params:xml:ns:domain-1.0";
pub const HOST: &str = "urn:ietf:params:xml:ns:host-1.0";
pub const CONTACT: &str = "urn:ietf:params:xml:ns:contact-1.0";
pub const SECDNS: &str = "urn:ietf:params:xml:ns:secDNS-1.1";
pub const RGP: &str = "urn:ietf:params:xml:ns:rgp-1.0";

pub const IO_TIMEOUT: Duration = Duration::from_secs(10);
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// the server

/// A fresh data directory (the store), removed when dropped.
pub struct DataDir(pub PathBuf);

impl DataDir {
    pub fn new() -> DataDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let d = std::env::temp_dir().join(format!(
            "eppd-server-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&d);
        DataDir(d)
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub struct Eppd {
    pub child: Child,
    pub addr: SocketAddr,
    stderr: Arc<Mutex<Vec<u8>>>,
    _dir: DataDir,
}

impl Drop for Eppd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Eppd {
    /// Starts eppd on port 0 with `extra` flags after `--listen 127.0.0.1:0 --plain`, on a
    /// fresh store.
    pub fn start(extra: &[&str]) -> Eppd {
        let dir = DataDir::new();
        let mut child = Command::new(env!("CARGO_BIN_EXE_eppd"))
            .args(["--listen", "127.0.0.1:0", "--plain"])
            .arg("--data-dir")
            .arg(&dir.0)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start eppd");
        let stderr = collect(child.stderr.take().unwrap());
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let mut line = String::new();
            let _ = tx.send(r.read_line(&mut line).map(|_| line));
            let mut rest = Vec::new();
            let _ = r.read_to_end(&mut rest);
        });
        let mut eppd = Eppd {
            child,
            addr: "127.0.0.1:1".parse().unwrap(),
            stderr,
            _dir: dir,
        };
        let line = match rx.recv_timeout(STARTUP_TIMEOUT) {
            Ok(Ok(line)) => line,
            other => panic!("no listening line ({other:?}); stderr:\n{}", eppd.log()),
        };
        let addr = line
            .trim_end()
            .strip_prefix("eppd listening on ")
            .unwrap_or_else(|| panic!("bad first line {line:?}"));
        eppd.addr = addr.parse().expect("an address");
        assert_ne!(eppd.addr.port(), 0);
        eppd
    }

    pub fn log(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Waits (bounded) until the log contains `needle`.
    pub fn wait_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + IO_TIMEOUT;
        loop {
            let log = self.log();
            if log.contains(needle) {
                return log;
            }
            assert!(
                Instant::now() < deadline,
                "log never had {needle:?}:\n{log}"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}

pub fn collect<R: Read + Send + 'static>(mut r: R) -> Arc<Mutex<Vec<u8>>> {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&buf);
    thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = r.read(&mut chunk) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    buf
}

// ---------------------------------------------------------------------------------------------
// an EPP client: libepp's client engine over tokio

/// The engine's configuration for `clid`: domain and contact objects, secDNS and RGP
/// extensions (what the tests' logins have always asked for), no keep-alive, responses due
/// within [`IO_TIMEOUT`].
pub fn config(clid: &str, password: &str) -> Arc<ClientConfig> {
    config_builder(clid, password)
        .build()
        .expect("client config")
}

pub fn config_builder(clid: &str, password: &str) -> epp::client::ClientConfigBuilder {
    let mut b = ClientConfig::builder(clid, password);
    b.object_uri(DOMAIN)
        .object_uri(CONTACT)
        .extension_uri(SECDNS)
        .extension_uri(RGP)
        .keep_alive(None)
        .response_deadline(IO_TIMEOUT);
    b
}

/// A `ClientSession` on a TCP connection to eppd. Each call writes the engine's output,
/// reads until the engine has the event awaited, and panics on anything else (bounded by
/// [`IO_TIMEOUT`]).
pub struct EppClient {
    stream: TcpStream,
    session: ClientSession,
    /// The bytes of the connection's greeting, to start another session on the same
    /// connection ([`EppClient::switch_credentials`]).
    greeting_bytes: Vec<u8>,
    buf: Vec<u8>,
}

impl EppClient {
    /// Connects as `clid` and waits for the greeting.
    pub async fn open(addr: SocketAddr, clid: &str, password: &str) -> (EppClient, Greeting) {
        EppClient::open_with(addr, config(clid, password)).await
    }

    /// Connects with this configuration and waits for the greeting.
    pub async fn open_with(addr: SocketAddr, config: Arc<ClientConfig>) -> (EppClient, Greeting) {
        let stream = tokio::time::timeout(IO_TIMEOUT, TcpStream::connect(addr))
            .await
            .expect("connect: timed out")
            .expect("connect");
        stream.set_nodelay(true).unwrap();
        let mut c = EppClient {
            stream,
            session: ClientSession::new(config, SystemTime::now()),
            greeting_bytes: Vec::new(),
            buf: vec![0; 64 * 1024],
        };
        let greeting = match c.next_event().await {
            Event::Greeting {
                greeting,
                hello: None,
            } => *greeting,
            other => panic!("expected the greeting, got {other:?}"),
        };
        (c, greeting)
    }

    /// The engine.
    pub fn session(&mut self) -> &mut ClientSession {
        &mut self.session
    }

    /// Logs in (clTRID generated).
    pub async fn login(&mut self) -> Response {
        self.login_with(EppCommand::login()).await
    }

    /// Sends this login command; returns its response.
    pub async fn login_with(&mut self, command: EppCommand) -> Response {
        let sent = self.send(command);
        match self.next_event().await {
            Event::Login {
                command, response, ..
            } if command.id == sent.id => *response,
            other => panic!("expected the login response, got {other:?}"),
        }
    }

    /// Sends `<hello>`; returns the greeting answering it.
    pub async fn hello(&mut self) -> Greeting {
        let sent = self.send(EppCommand::hello());
        match self.next_event().await {
            Event::Greeting {
                greeting,
                hello: Some(h),
            } if h.id == sent.id => *greeting,
            other => panic!("expected a greeting, got {other:?}"),
        }
    }

    /// Sends a command other than hello and login; returns its response.
    pub async fn call(&mut self, command: EppCommand) -> Response {
        let sent = self.send(command);
        match self.next_event().await {
            Event::Response { command, response } if command.id == sent.id => *response,
            other => panic!("expected the response to {sent:?}, got {other:?}"),
        }
    }

    fn send(&mut self, command: EppCommand) -> epp::client::SentCommand {
        self.session
            .send(command, SystemTime::now())
            .unwrap_or_else(|e| panic!("the engine refused the command: {e}"))
    }

    /// Starts another engine session on this connection, for another clID or password: the
    /// engine's credentials are fixed per session, so it is primed with the connection's
    /// greeting. Only between commands, when not logged in.
    pub fn switch_credentials(&mut self, config: Arc<ClientConfig>) {
        assert_eq!(self.session.in_flight(), 0);
        let now = SystemTime::now();
        let mut session = ClientSession::new(config, now);
        session.feed_input(&self.greeting_bytes, now).unwrap();
        match session.poll_queue() {
            Some(Event::Greeting { hello: None, .. }) => {}
            other => panic!("priming with the greeting gave {other:?}"),
        }
        self.session = session;
    }

    /// Waits for the server to close the connection (no greeting or response may come
    /// first); returns why the engine says the session ended.
    pub async fn expect_closed(&mut self) -> ClientCloseReason {
        let mut reason = None;
        loop {
            self.write_output().await;
            while let Some(event) = self.session.poll_queue() {
                match event {
                    Event::Closed { reason: r, .. } => reason = Some(r),
                    other => panic!("expected the connection to close, got {other:?}"),
                }
            }
            if self.session.is_finished() {
                return reason.expect("a Closed event");
            }
            self.read_once().await;
        }
    }

    /// Writes the engine's output, then reads until it has an event.
    pub async fn next_event(&mut self) -> Event {
        loop {
            self.write_output().await;
            if let Some(event) = self.session.poll_queue() {
                return event;
            }
            assert!(
                self.session.wants_input(),
                "the session ended without an event"
            );
            self.read_once().await;
        }
    }

    async fn write_output(&mut self) {
        while !self.session.output().is_empty() {
            let n = tokio::time::timeout(IO_TIMEOUT, self.stream.write(self.session.output()))
                .await
                .expect("write: timed out")
                .expect("write");
            self.session.consume_output(n);
        }
    }

    /// One read (or the engine's deadline) fed to the engine.
    async fn read_once(&mut self) {
        let engine_due = self
            .session
            .next_timeout()
            .map(|t| t.duration_since(SystemTime::now()).unwrap_or_default());
        let wait = engine_due.map_or(IO_TIMEOUT, |d| d.min(IO_TIMEOUT));
        let read = tokio::time::timeout(wait, self.stream.read(&mut self.buf)).await;
        let now = SystemTime::now();
        match read {
            Err(_) if engine_due.is_some_and(|d| d <= IO_TIMEOUT) => {
                self.session.handle_timeout(now);
            }
            Err(_) => panic!("nothing from the server within {IO_TIMEOUT:?}"),
            Ok(Ok(0)) => self.session.handle_eof(now),
            Ok(Ok(n)) => {
                if self.session.greeting().is_none() {
                    self.greeting_bytes.extend_from_slice(&self.buf[..n]);
                }
                self.session.feed_input(&self.buf[..n], now).unwrap();
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                self.session.handle_eof(now)
            }
            Ok(Err(e)) => panic!("read: {e}"),
        }
    }
}

/// The code of a response's first result, as a number.
pub fn code(r: &Response) -> u16 {
    r.code().code()
}

/// A `<domain:check>` object command for example.test.
pub fn domain_check(cl_trid: &str) -> EppCommand {
    EppCommand::object(
        epp::CommandVerb::Check,
        format!(
            r#"<domain:check xmlns:domain="{DOMAIN}"><domain:name>example.test</domain:name></domain:check>"#
        ),
    )
    .with_cl_trid(cl_trid)
}
