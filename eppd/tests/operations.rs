//! eppd's operations: Prometheus metrics, logging that never blocks sessions, connection
//! limits (per address before login, the total cap: both refused with 2502), the command rate
//! limit, SIGHUP (certificates reloaded, log reopened) and SIGTERM (commands already sent are
//! answered). Loopback only; every wait is bounded. The 2,000-session load check is ignored by
//! default (`cargo test -p eppd --release --test operations -- --ignored`).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::store::*;

fn plain(dir: &TempDir, extra: &[&str]) -> Eppd {
    let d = dir.path().to_str().unwrap();
    let mut args = vec![
        "--data-dir",
        d,
        "--listen",
        "127.0.0.1:0",
        "--plain",
        "--registrar",
        "registrar1:secret-pw1",
    ];
    args.extend_from_slice(extra);
    Eppd::start(&args)
}

/// Sends a signal with kill(1).
fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{name}");
}

/// Waits (bounded) for the process to exit; its status.
fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + IO_TIMEOUT;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(Instant::now() < deadline, "eppd did not stop");
        thread::sleep(Duration::from_millis(20));
    }
}

/// The address `--metrics 127.0.0.1:0` took, from the log.
fn metrics_addr(eppd: &Eppd) -> SocketAddr {
    let log = eppd.wait_log("/metrics");
    between(&log, "metrics on http://", "/metrics")
        .expect("the metrics line")
        .parse()
        .expect("an address")
}

/// A free loopback port (for a process whose log is not read).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` over HTTP/1.1: (status, body).
fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect_timeout(&addr, IO_TIMEOUT).expect("connect to metrics");
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read the answer");
    let status = out[9..12].parse().expect("a status");
    let body = out.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, body.to_string())
}

/// The value of one sample (`name` with its labels, as written), 0 when absent.
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .map_or(0.0, |v| v.trim().parse().expect("a number"))
}

fn wait_file(path: &std::path::Path, needle: &str) -> String {
    let deadline = Instant::now() + IO_TIMEOUT;
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.contains(needle) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{} never had {needle:?}:\n{text}",
            path.display()
        );
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn metrics_count_sessions_logins_and_commands() {
    let dir = TempDir::new("metrics");
    let eppd = plain(&dir, &["--metrics", "127.0.0.1:0"]);
    let at = metrics_addr(&eppd);
    let mut a = Client::plain(eppd.addr).open();
    assert_eq!(code(&a.login("registrar1", "secret-pw1")), 1000);
    assert_eq!(code(&a.call(&poll_req("P-1"))), 1300);
    assert!(a.call(&hello()).contains("<greeting>"));
    let mut b = Client::plain(eppd.addr).open();
    assert_eq!(code(&b.login("registrar1", "wrong-pass")), 2200);
    assert_eq!(code(&b.login("nobody", "secret-pw1")), 2200);

    let (status, text) = http_get(at, "/metrics");
    assert_eq!(status, 200, "{text}");
    let want = [
        ("eppd_connections_open", 2.0),
        ("eppd_sessions_logged_in", 1.0),
        ("eppd_connections_accepted_total", 2.0),
        ("eppd_logins_total{result=\"accepted\"}", 1.0),
        ("eppd_logins_total{result=\"wrong_password\"}", 1.0),
        ("eppd_logins_total{result=\"unknown_client\"}", 1.0),
        ("eppd_commands_total{command=\"login\",code=\"1000\"}", 1.0),
        ("eppd_commands_total{command=\"login\",code=\"2200\"}", 2.0),
        (
            "eppd_commands_total{command=\"poll-req\",code=\"1300\"}",
            1.0,
        ),
        (
            "eppd_commands_total{command=\"hello\",code=\"greeting\"}",
            1.0,
        ),
        (
            "eppd_command_duration_seconds_count{command=\"login\"}",
            3.0,
        ),
    ];
    for (name, value) in want {
        assert_eq!(sample(&text, name), value, "{name} in:\n{text}");
    }
    assert!(
        text.contains("# TYPE eppd_backend_errors counter"),
        "{text}"
    );
    assert!(text.contains("# TYPE eppd_command_duration_seconds histogram"));
    assert!(text.trim_end().ends_with("# EOF"));

    // The session ends: the gauges follow.
    assert_eq!(code(&a.call(&logout("O-1"))), 1500);
    a.expect_closed();
    drop(b);
    let deadline = Instant::now() + IO_TIMEOUT;
    loop {
        let (_, text) = http_get(at, "/metrics");
        if sample(&text, "eppd_connections_open") == 0.0 {
            assert_eq!(sample(&text, "eppd_sessions_logged_in"), 0.0, "{text}");
            break;
        }
        assert!(Instant::now() < deadline, "{text}");
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(http_get(at, "/other").0, 404);
}

/// A process whose stderr is a pipe that nobody reads (and whose stdout is read for the
/// listening line only); killed when dropped.
struct Unread {
    child: Child,
    addr: SocketAddr,
    _stderr: std::process::ChildStderr,
}

impl Drop for Unread {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_stderr_pipe_nobody_reads_does_not_freeze_sessions() {
    let dir = TempDir::new("unread-stderr");
    let metrics: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let mut child = Command::new(eppd_exe())
        .args(["--data-dir", dir.path().to_str().unwrap()])
        .args(["--listen", "127.0.0.1:0", "--plain"])
        .args(["--registrar", "registrar1:secret-pw1"])
        .args(["--metrics", &metrics.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start eppd");
    let stderr = child.stderr.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        let mut line = String::new();
        let _ = tx.send(r.read_line(&mut line).map(|_| line));
        let mut rest = Vec::new();
        let _ = r.read_to_end(&mut rest);
    });
    let line = rx
        .recv_timeout(STARTUP_TIMEOUT)
        .expect("the listening line")
        .unwrap();
    let addr = line
        .trim_end()
        .strip_prefix("eppd listening on ")
        .expect("the listening line")
        .parse()
        .unwrap();
    let eppd = Unread {
        child,
        addr,
        _stderr: stderr,
    };

    // 20,000 hellos: a log line each (about 2 MiB), far more than a pipe (64 KiB) and the
    // log queue hold.
    let mut c = Client::plain(eppd.addr).open();
    assert_eq!(code(&c.login("registrar1", "secret-pw1")), 1000);
    let batch: Vec<u8> = frame(&hello()).repeat(500);
    let started = Instant::now();
    for _ in 0..40 {
        c.send_raw(&batch);
        for _ in 0..500 {
            assert!(c.recv().contains("<greeting>"));
        }
    }
    // Other sessions are served as usual, at once.
    let mut d = Client::plain(eppd.addr).open();
    assert_eq!(code(&d.login("registrar1", "secret-pw1")), 1000);
    assert_eq!(code(&d.call(&poll_req("P-1"))), 1300);
    assert_eq!(code(&c.call(&poll_req("P-2"))), 1300);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    // The lines that did not fit were dropped, and counted.
    let (_, text) = http_get(metrics, "/metrics");
    assert!(
        sample(&text, "eppd_log_lines_dropped_total") > 0.0,
        "the log was never blocked?\n{text}"
    );
}

#[test]
fn connections_before_login_are_limited_per_address() {
    let dir = TempDir::new("per-ip");
    let eppd = plain(
        &dir,
        &[
            "--max-connections-per-ip-before-login",
            "3",
            "--metrics",
            "127.0.0.1:0",
        ],
    );
    let mut held: Vec<Client> = (0..3).map(|_| Client::plain(eppd.addr).open()).collect();
    for _ in 0..3 {
        let mut c = Client::plain(eppd.addr);
        let r = c.recv();
        assert_eq!(code(&r), 2502, "{r}");
        assert!(r.contains("<svTRID>eppd-refused-"), "{r}");
        c.expect_closed();
    }
    let log = eppd.wait_log("(--max-connections-per-ip-before-login); 2502 sent");
    assert_eq!(
        log.matches("(--max-connections-per-ip-before-login)")
            .count(),
        1,
        "one line per address per 10 seconds:\n{log}"
    );
    // A connection that logs in no longer counts: another one is served.
    assert_eq!(code(&held[0].login("registrar1", "secret-pw1")), 1000);
    let mut c = Client::plain(eppd.addr).open();
    assert_eq!(code(&c.login("registrar1", "secret-pw1")), 1000);
    // And the ones held are still served.
    assert!(held[1].call(&hello()).contains("<greeting>"));
    let (_, text) = http_get(metrics_addr(&eppd), "/metrics");
    assert_eq!(
        sample(
            &text,
            "eppd_connections_refused_total{reason=\"per_ip_before_login\"}"
        ),
        3.0,
        "{text}"
    );
}

#[test]
fn the_connection_cap_refuses_explicitly() {
    let dir = TempDir::new("cap");
    let eppd = plain(&dir, &["--max-connections", "2"]);
    let a = Client::plain(eppd.addr).open();
    let mut b = Client::plain(eppd.addr).open();
    let mut c = Client::plain(eppd.addr);
    let r = c.recv();
    assert_eq!(code(&r), 2502, "{r}");
    c.expect_closed();
    eppd.wait_log("(--max-connections); 2502 sent");
    // A place frees when a connection ends.
    drop(a);
    let deadline = Instant::now() + IO_TIMEOUT;
    loop {
        let mut c = Client::plain(eppd.addr);
        let r = c.recv();
        if r.contains("<greeting>") {
            assert_eq!(code(&c.login("registrar1", "secret-pw1")), 1000);
            break;
        }
        assert_eq!(code(&r), 2502, "{r}");
        assert!(Instant::now() < deadline, "no place freed");
        thread::sleep(Duration::from_millis(50));
    }
    assert!(b.call(&hello()).contains("<greeting>"));
}

#[test]
fn commands_past_the_rate_are_delayed_not_refused() {
    let dir = TempDir::new("rate");
    let eppd = plain(&dir, &["--max-commands-per-second", "5"]);
    let mut c = Client::plain(eppd.addr).open();
    assert_eq!(code(&c.login("registrar1", "secret-pw1")), 1000);
    let started = Instant::now();
    for i in 0..15 {
        let r = c.call(&poll_req(&format!("P-{i}")));
        assert_eq!(code(&r), 1300, "{r}");
    }
    // Five at once (a second's burst), then one every 200 ms.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(1400), "not delayed: {took:?}");
    assert!(took < Duration::from_secs(8), "delayed too much: {took:?}");
}

#[cfg(unix)]
#[test]
fn sighup_reloads_the_certificates_and_reopens_the_log() {
    let dir = TempDir::new("sighup");
    let d = dir.path().to_str().unwrap();
    let old_ca = TestCa::new("old CA");
    let (cert, key) = old_ca.server();
    let cert_file = dir.write("cert.pem", &cert);
    let key_file = dir.write("key.pem", &key);
    let old_trust = dir.write("old-ca.pem", &old_ca.pem);
    let log_file = dir.join("eppd.log");
    let mut eppd = Eppd::start(&[
        "--data-dir",
        d,
        "--listen",
        "127.0.0.1:0",
        "--registrar",
        "registrar1:secret-pw1",
        "--tls-cert",
        cert_file.to_str().unwrap(),
        "--tls-key",
        key_file.to_str().unwrap(),
        "--log-file",
        log_file.to_str().unwrap(),
    ]);
    let mut before = Client::tls(eppd.addr, &tls_client(&old_trust, None)).open();
    assert_eq!(code(&before.login("registrar1", "secret-pw1")), 1000);
    wait_file(&log_file, "cmd=login code=1000");

    // New certificate and key in place, the log moved away (as logrotate does), then SIGHUP.
    let new_ca = TestCa::new("new CA");
    let (cert, key) = new_ca.server();
    dir.write("cert.pem", &cert);
    dir.write("key.pem", &key);
    let new_trust = dir.write("new-ca.pem", &new_ca.pem);
    let rotated = dir.join("eppd.log.1");
    std::fs::rename(&log_file, &rotated).unwrap();
    signal(&eppd.child, "HUP");
    let log = wait_file(&log_file, "SIGHUP: log file");
    assert!(log.contains("TLS reloaded"), "{log}");
    assert!(
        eppd.child.try_wait().unwrap().is_none(),
        "SIGHUP killed eppd"
    );

    // New connections get the new certificate; the session open before goes on.
    let mut after = Client::tls(eppd.addr, &tls_client(&new_trust, None)).open();
    assert_eq!(code(&after.login("registrar1", "secret-pw1")), 1000);
    let mut stale = Client::tls(eppd.addr, &tls_client(&old_trust, None));
    assert!(
        stale.try_recv().is_err(),
        "the old certificate is still served"
    );
    assert_eq!(code(&before.call(&poll_req("P-1"))), 1300);
    wait_file(&log_file, "cmd=poll-req code=1300");
    let old_log = std::fs::read_to_string(&rotated).unwrap();
    assert!(!old_log.contains("SIGHUP"), "{old_log}");

    // A bad file: logged, and the server keeps what it had.
    dir.write("cert.pem", "not a certificate");
    signal(&eppd.child, "HUP");
    wait_file(&log_file, "reloading TLS failed");
    let mut c = Client::tls(eppd.addr, &tls_client(&new_trust, None)).open();
    assert_eq!(code(&c.login("registrar1", "secret-pw1")), 1000);
    assert!(eppd.child.try_wait().unwrap().is_none());

    // Plain TCP: SIGHUP reopens the log and does nothing else.
    let plain_eppd = plain(&TempDir::new("sighup-plain"), &[]);
    signal(&plain_eppd.child, "HUP");
    plain_eppd.wait_log("SIGHUP: logging to stderr; plain TCP");
    let mut c = Client::plain(plain_eppd.addr).open();
    assert_eq!(code(&c.login("registrar1", "secret-pw1")), 1000);
}

#[cfg(unix)]
#[test]
fn sigterm_answers_the_commands_already_sent() {
    let dir = TempDir::new("sigterm");
    let mut eppd = plain(&dir, &["--message", "registrar1:hello"]);
    let mut idle = Client::plain(eppd.addr).open();
    assert_eq!(code(&idle.login("registrar1", "secret-pw1")), 1000);

    // A login (slow: Argon2) and 20 polls behind it, sent at once; SIGTERM right after.
    let mut c = Client::plain(eppd.addr).open();
    let mut all = frame(&login_xml("registrar1", "secret-pw1", "X-1"));
    for i in 2..=21 {
        all.extend(frame(&poll_req(&format!("X-{i}"))));
    }
    c.send_raw(&all);
    signal(&eppd.child, "TERM");
    for i in 1..=21 {
        let r = c.recv();
        assert_eq!(
            between(&r, "<clTRID>", "</clTRID>"),
            Some(format!("X-{i}").as_str()),
            "{r}"
        );
        assert_eq!(code(&r), if i == 1 { 1000 } else { 1301 }, "{r}");
    }
    c.expect_closed();
    idle.expect_closed();
    let status = wait_exit(&mut eppd.child);
    assert!(status.success(), "{status}");
    let log = eppd.wait_log("stopped");
    assert!(log.contains("SIGTERM: shutting down"), "{log}");
    assert!(log.contains("reason=\"server shutting down\""), "{log}");
}

/// The resident set of a process, in bytes (Linux).
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// The load check (not in CI): 2,000 logged-in TLS sessions at once (EPPD_LOAD_SESSIONS for
/// another number), each then polls and logs out. Figures in docs/eppd-operations.md.
#[test]
#[ignore = "load check: cargo test -p eppd --release --test operations -- --ignored"]
fn load_concurrent_logged_in_tls_sessions() {
    let n: usize = std::env::var("EPPD_LOAD_SESSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let dir = TempDir::new("load");
    let d = dir.path().to_str().unwrap();
    let cap = (n + 100).to_string();
    let metrics: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let metrics_flag = metrics.to_string();
    let eppd = Eppd::start(&[
        "--demo",
        "--data-dir",
        d,
        "--listen",
        "127.0.0.1:0",
        "--max-connections",
        &cap,
        "--max-connections-per-ip-before-login",
        &cap,
        "--login-deadline",
        "600",
        "--metrics",
        &metrics_flag,
        "--log-level",
        "warn",
    ]);
    let trust = tls_client(&dir.join("ca.pem"), None);
    let base = rss(eppd.child.id());
    let started = Instant::now();
    let barrier = Arc::new(Barrier::new(n + 1));
    let (ready_tx, ready_rx) = mpsc::channel();
    // 32 logins in flight at a time (Argon2 takes one core for each, so more only wait in
    // line, past the clients' read timeout).
    let (token_tx, token_rx) = mpsc::sync_channel(32);
    for _ in 0..32 {
        token_tx.send(()).unwrap();
    }
    let token_rx = Arc::new(std::sync::Mutex::new(token_rx));
    let clients: Vec<_> = (0..n)
        .map(|i| {
            let trust = Arc::clone(&trust);
            let barrier = Arc::clone(&barrier);
            let ready = ready_tx.clone();
            let (token_tx, token_rx) = (token_tx.clone(), Arc::clone(&token_rx));
            let addr = eppd.addr;
            thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let _ = token_rx.lock().unwrap().recv();
                    // A failure is reported (0) rather than left to hang the others.
                    let login = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        let mut c = Client::tls(addr, &trust).open();
                        let r = c.call(&login_xml(
                            "demo-registrar",
                            "demo-pass1",
                            &format!("L-{i}"),
                        ));
                        (c, code(&r))
                    }));
                    let _ = token_tx.send(());
                    let Ok((mut c, login_code)) = login else {
                        let _ = ready.send(0);
                        return;
                    };
                    let _ = ready.send(login_code);
                    barrier.wait();
                    let r = c.call(&poll_req(&format!("P-{i}")));
                    assert!(matches!(code(&r), 1300 | 1301), "{r}");
                    assert_eq!(code(&c.call(&logout(&format!("O-{i}")))), 1500);
                })
                .expect("a client thread")
        })
        .collect();
    drop(ready_tx);
    let mut ok = 0;
    for _ in 0..n {
        let code = ready_rx
            .recv_timeout(Duration::from_secs(600))
            .expect("a login");
        assert_eq!(code, 1000, "a session did not log in (after {ok})");
        ok += 1;
    }
    let logged_in = started.elapsed();
    let (_, text) = http_get(metrics, "/metrics");
    let at_peak = rss(eppd.child.id());
    assert_eq!(sample(&text, "eppd_sessions_logged_in"), n as f64, "{text}");
    barrier.wait();
    for c in clients {
        c.join().expect("a client failed");
    }
    eprintln!(
        "{ok} TLS sessions logged in at once in {:.1}s; eppd RSS {:.1} MiB before, {:.1} MiB \
         with all logged in ({:.1} KiB per session, the Argon2 scratch memory included); all \
         polled and logged out in {:.1}s",
        logged_in.as_secs_f64(),
        base as f64 / 1048576.0,
        at_peak as f64 / 1048576.0,
        (at_peak.saturating_sub(base)) as f64 / 1024.0 / n as f64,
        started.elapsed().as_secs_f64(),
    );
}
