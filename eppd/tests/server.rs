//! Integration tests: the `eppd` binary on 127.0.0.1 port 0, driven by a tiny raw-TCP EPP client
//! (RFC 5734 framing: a 4-byte big-endian length that counts itself). Only `std` is used.
//!
//! Every eppd is killed when its test ends (Drop guard) and every wait is bounded.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const DOMAIN: &str = "urn:ietf:params:xml:ns:domain-1.0";
const CONTACT: &str = "urn:ietf:params:xml:ns:contact-1.0";
const SECDNS: &str = "urn:ietf:params:xml:ns:secDNS-1.1";
const RGP: &str = "urn:ietf:params:xml:ns:rgp-1.0";

const IO_TIMEOUT: Duration = Duration::from_secs(10);
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// the server

struct Eppd {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Drop for Eppd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Eppd {
    /// Starts eppd on port 0 with `extra` flags after `--listen 127.0.0.1:0 --plain`.
    fn start(extra: &[&str]) -> Eppd {
        let mut child = Command::new(env!("CARGO_BIN_EXE_eppd"))
            .args(["--listen", "127.0.0.1:0", "--plain"])
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

    fn log(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Waits (bounded) until the log contains `needle`.
    fn wait_log(&self, needle: &str) -> String {
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

fn collect<R: Read + Send + 'static>(mut r: R) -> Arc<Mutex<Vec<u8>>> {
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
// a raw EPP client

struct Client {
    s: TcpStream,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let s = TcpStream::connect_timeout(&addr, IO_TIMEOUT).expect("connect");
        s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        s.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
        Client { s }
    }

    /// Connects and reads the greeting.
    fn open(addr: SocketAddr) -> Client {
        let mut c = Client::connect(addr);
        let g = c.recv();
        assert!(g.contains("<greeting>"), "{g}");
        c
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.s.write_all(bytes).expect("write");
    }

    fn send(&mut self, xml: &str) {
        self.send_raw(&frame(xml));
    }

    /// Reads one frame (panics on EOF, timeout or a bad length).
    fn recv(&mut self) -> String {
        self.try_recv().unwrap_or_else(|e| panic!("no frame: {e}"))
    }

    fn try_recv(&mut self) -> std::io::Result<String> {
        let mut h = [0u8; 4];
        self.s.read_exact(&mut h)?;
        let len = u32::from_be_bytes(h) as usize;
        assert!((5..=1 << 20).contains(&len), "bad frame length {len}");
        let mut body = vec![0u8; len - 4];
        self.s.read_exact(&mut body)?;
        Ok(String::from_utf8(body).expect("UTF-8"))
    }

    fn call(&mut self, xml: &str) -> String {
        self.send(xml);
        self.recv()
    }

    /// Waits (bounded by the read timeout) for the server to close the connection.
    fn expect_closed(&mut self) {
        let mut b = [0u8; 64];
        match self.s.read(&mut b) {
            Ok(0) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
            Ok(n) => panic!("expected close, got {n} more bytes: {:?}", &b[..n]),
            Err(e) => panic!("expected close, got {e}"),
        }
    }

    fn login(&mut self, clid: &str, pw: &str) -> String {
        self.call(&login_xml(clid, pw, None, "L-1"))
    }
}

fn frame(xml: &str) -> Vec<u8> {
    let mut v = ((xml.len() + 4) as u32).to_be_bytes().to_vec();
    v.extend_from_slice(xml.as_bytes());
    v
}

fn epp(inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0">{inner}</epp>"#
    )
}

fn cmd(inner: &str, cl_trid: &str) -> String {
    epp(&format!(
        "<command>{inner}<clTRID>{cl_trid}</clTRID></command>"
    ))
}

fn login_xml(clid: &str, pw: &str, new_pw: Option<&str>, cl_trid: &str) -> String {
    let new_pw = new_pw
        .map(|p| format!("<newPW>{p}</newPW>"))
        .unwrap_or_default();
    cmd(
        &format!(
            "<login><clID>{clid}</clID><pw>{pw}</pw>{new_pw}<options><version>1.0</version><lang>en</lang></options>\
             <svcs><objURI>{DOMAIN}</objURI><objURI>{CONTACT}</objURI>\
             <svcExtension><extURI>{SECDNS}</extURI><extURI>{RGP}</extURI></svcExtension></svcs></login>"
        ),
        cl_trid,
    )
}

fn hello() -> String {
    epp("<hello/>")
}

fn poll_req(cl_trid: &str) -> String {
    cmd(r#"<poll op="req"/>"#, cl_trid)
}

fn poll_ack(id: &str, cl_trid: &str) -> String {
    cmd(&format!(r#"<poll op="ack" msgID="{id}"/>"#), cl_trid)
}

fn logout(cl_trid: &str) -> String {
    cmd("<logout/>", cl_trid)
}

fn domain_check(cl_trid: &str) -> String {
    cmd(
        &format!(
            r#"<check><domain:check xmlns:domain="{DOMAIN}"><domain:name>example.test</domain:name></domain:check></check>"#
        ),
        cl_trid,
    )
}

fn code(xml: &str) -> u16 {
    let i = xml
        .find("<result code=\"")
        .unwrap_or_else(|| panic!("no result in {xml}"))
        + 14;
    xml[i..i + 4].parse().unwrap()
}

/// The text between `open` and `close`.
fn between<'a>(xml: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let i = xml.find(open)? + open.len();
    let j = xml[i..].find(close)? + i;
    Some(&xml[i..j])
}

fn msg_id(xml: &str) -> String {
    between(xml, "<msgQ count=\"", "/msgQ>")
        .and_then(|q| between(q, "id=\"", "\""))
        .unwrap_or_else(|| panic!("no msgQ id in {xml}"))
        .to_string()
}

fn msg_count(xml: &str) -> u64 {
    between(xml, "<msgQ count=\"", "\"")
        .unwrap_or_else(|| panic!("no msgQ count in {xml}"))
        .parse()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// tests

#[test]
fn full_session() {
    let eppd = Eppd::start(&[
        "--registrar",
        "registrar1:secret-pw1",
        "--message",
        "registrar1:first <message> & more",
        "--message",
        "registrar1:second message",
    ]);
    let mut c = Client::connect(eppd.addr);
    let g = c.recv();
    for uri in [
        DOMAIN,
        "urn:ietf:params:xml:ns:host-1.0",
        CONTACT,
        SECDNS,
        RGP,
    ] {
        assert!(g.contains(uri), "greeting lacks {uri}: {g}");
    }
    assert!(g.contains("<lang>en</lang>"), "{g}");

    let r = c.login("registrar1", "secret-pw1");
    assert_eq!(code(&r), 1000, "{r}");
    assert_eq!(between(&r, "<clTRID>", "</clTRID>"), Some("L-1"));
    let sv1 = between(&r, "<svTRID>", "</svTRID>").unwrap().to_string();

    assert!(c.call(&hello()).contains("<greeting>"));

    let r = c.call(&poll_req("P-1"));
    assert_eq!(code(&r), 1301, "{r}");
    assert_eq!(msg_count(&r), 2);
    assert!(r.contains("first &lt;message&gt; &amp; more"), "{r}");
    assert!(r.contains("<qDate>"), "{r}");
    let id1 = msg_id(&r);

    let r = c.call(&poll_ack(&id1, "A-1"));
    assert_eq!(code(&r), 1000, "{r}");
    assert_eq!(msg_count(&r), 1);

    let r = c.call(&poll_ack(&id1, "A-2"));
    assert_eq!(code(&r), 2303, "acking twice: {r}");

    let r = c.call(&poll_req("P-2"));
    assert_eq!(code(&r), 1301, "{r}");
    assert!(r.contains("second message"), "{r}");
    let id2 = msg_id(&r);
    assert_ne!(id1, id2);
    assert_eq!(code(&c.call(&poll_ack(&id2, "A-3"))), 1000);
    assert_eq!(code(&c.call(&poll_req("P-3"))), 1300);

    let r = c.call(&domain_check("C-1"));
    assert_eq!(code(&r), 2101, "object commands are unimplemented: {r}");

    let r = c.call(&logout("O-1"));
    assert_eq!(code(&r), 1500, "{r}");
    assert_eq!(between(&r, "<clTRID>", "</clTRID>"), Some("O-1"));
    c.expect_closed();

    // One log line per command, with clID, code, svTRID and duration; never the password.
    let log = eppd.wait_log("client logged out");
    assert!(
        log.contains(&format!(
            "clID=registrar1 cmd=login code=1000 clTRID=L-1 svTRID={sv1} ms="
        )),
        "{log}"
    );
    for line in [
        "cmd=hello code=greeting",
        "cmd=poll-req code=1301",
        "cmd=poll-ack code=1000",
        "cmd=poll-ack code=2303",
        "cmd=poll-req code=1300",
        "cmd=check code=2101",
        "cmd=logout code=1500",
    ] {
        assert!(log.contains(line), "log lacks {line:?}:\n{log}");
    }
    assert!(!log.contains("secret-pw1"), "password in the log:\n{log}");
}

#[test]
fn messages_survive_connections_and_stay_with_their_registrar() {
    let eppd = Eppd::start(&[
        "--registrar",
        "registrar1:secret-pw1",
        "--registrar",
        "registrar2:secret-pw2",
        "--message",
        "registrar1:for one",
        "--message",
        "registrar2:for two",
    ]);
    // registrar1 reads its message and drops the connection without acking.
    let mut a = Client::open(eppd.addr);
    assert_eq!(code(&a.login("registrar1", "secret-pw1")), 1000);
    let r = a.call(&poll_req("P-1"));
    let id1 = msg_id(&r);
    drop(a);

    // registrar2 cannot ack registrar1's message.
    let mut b = Client::open(eppd.addr);
    assert_eq!(code(&b.login("registrar2", "secret-pw2")), 1000);
    assert_eq!(code(&b.call(&poll_ack(&id1, "A-1"))), 2303);
    let r = b.call(&poll_req("P-2"));
    assert!(r.contains("for two"), "{r}");

    // Two sessions of registrar1 share one queue.
    let mut c1 = Client::open(eppd.addr);
    let mut c2 = Client::open(eppd.addr);
    assert_eq!(code(&c1.login("registrar1", "secret-pw1")), 1000);
    assert_eq!(code(&c2.login("registrar1", "secret-pw1")), 1000);
    let r = c1.call(&poll_req("P-3"));
    assert_eq!(
        msg_id(&r),
        id1,
        "the message survived the dropped connection"
    );
    assert_eq!(code(&c2.call(&poll_ack(&id1, "A-2"))), 1000);
    assert_eq!(code(&c1.call(&poll_req("P-4"))), 1300);
    assert_eq!(
        code(&b.call(&poll_req("P-5"))),
        1301,
        "registrar2's message is untouched"
    );
}

#[test]
fn many_concurrent_sessions() {
    let eppd = Eppd::start(&[
        "--registrar",
        "registrar1:secret-pw1",
        "--registrar",
        "registrar2:secret-pw2",
        "--message",
        "registrar1:hello",
    ]);
    let addr = eppd.addr;
    let threads: Vec<_> = (0..50)
        .map(|i| {
            thread::spawn(move || {
                let (clid, pw) = if i % 2 == 0 {
                    ("registrar1", "secret-pw1")
                } else {
                    ("registrar2", "secret-pw2")
                };
                let mut c = Client::open(addr);
                let r = c.call(&login_xml(clid, pw, None, &format!("T{i}-login")));
                assert_eq!(code(&r), 1000, "{r}");
                assert!(c.call(&hello()).contains("<greeting>"));
                let r = c.call(&poll_req(&format!("T{i}-poll")));
                let want = if i % 2 == 0 { 1301 } else { 1300 };
                assert_eq!(code(&r), want, "{r}");
                assert_eq!(
                    between(&r, "<clTRID>", "</clTRID>"),
                    Some(format!("T{i}-poll").as_str())
                );
                assert_eq!(code(&c.call(&domain_check(&format!("T{i}-check")))), 2101);
                assert_eq!(code(&c.call(&logout(&format!("T{i}-logout")))), 1500);
                c.expect_closed();
                between(&r, "<svTRID>", "</svTRID>").unwrap().to_string()
            })
        })
        .collect();
    let mut sv: Vec<String> = threads
        .into_iter()
        .map(|t| t.join().expect("a client thread failed"))
        .collect();
    sv.sort();
    sv.dedup();
    assert_eq!(sv.len(), 50, "svTRIDs are unique");
}

#[test]
fn garbage_closes_only_its_own_connection() {
    let eppd = Eppd::start(&["--registrar", "registrar1:secret-pw1"]);
    let mut good = Client::open(eppd.addr);
    assert_eq!(code(&good.login("registrar1", "secret-pw1")), 1000);

    // A length below 5 (it counts its own 4 bytes), then junk.
    let mut bad = Client::open(eppd.addr);
    bad.send_raw(&[0, 0, 0, 1, b'x', b'y', b'z']);
    let r = bad.recv();
    assert_eq!(code(&r), 2500, "{r}");
    bad.expect_closed();

    // An absurd length, announced and never sent.
    let mut huge = Client::open(eppd.addr);
    huge.send_raw(&u32::MAX.to_be_bytes());
    assert_eq!(code(&huge.recv()), 2500);
    huge.expect_closed();

    // Not XML at all: 2001, and the session goes on.
    let mut junk = Client::open(eppd.addr);
    let r = junk.call("this is not xml");
    assert_eq!(code(&r), 2001, "{r}");
    assert!(junk.call(&hello()).contains("<greeting>"));

    // The other session is undisturbed.
    assert!(good.call(&hello()).contains("<greeting>"));
    assert_eq!(code(&good.call(&poll_req("P-1"))), 1300);
    assert_eq!(code(&good.call(&logout("O-1"))), 1500);
    good.expect_closed();
    eppd.wait_log("cmd=frame code=2500");
}

#[test]
fn login_deadline_closes_idle_connection() {
    let eppd = Eppd::start(&[
        "--registrar",
        "registrar1:secret-pw1",
        "--login-deadline",
        "1",
    ]);
    let mut idle = Client::open(eppd.addr);
    let started = Instant::now();
    idle.expect_closed();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(800),
        "closed too early: {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(5),
        "closed too late: {waited:?}"
    );
    eppd.wait_log("login deadline passed");

    // A client that logs in in time stays.
    let mut c = Client::open(eppd.addr);
    assert_eq!(code(&c.login("registrar1", "secret-pw1")), 1000);
    thread::sleep(Duration::from_millis(1500));
    assert_eq!(code(&c.call(&poll_req("P-1"))), 1300);
}

#[test]
fn a_client_that_never_reads_is_closed_after_the_write_timeout() {
    let eppd = Eppd::start(&["--write-timeout", "1", "--login-deadline", "3600"]);
    let stream = TcpStream::connect(eppd.addr).expect("connect");
    // Pipeline far more greetings than socket buffers and libepp's pending
    // output hold, and never read one.
    let mut writer = stream.try_clone().expect("clone");
    writer
        .set_write_timeout(Some(IO_TIMEOUT))
        .expect("write timeout");
    let hellos: Vec<u8> = frame(&hello()).repeat(40_000);
    let sender = thread::spawn(move || {
        let _ = writer.write_all(&hellos);
    });
    let started = Instant::now();
    let log = eppd.wait_log("within the write timeout");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "closed late: {:?}",
        started.elapsed()
    );
    assert!(log.contains("closed"), "{log}");
    drop(stream);
    let _ = sender.join();
    // Others are still served.
    let mut c = Client::open(eppd.addr);
    assert!(c.call(&hello()).contains("<greeting>"));
}

#[test]
fn idle_timeout_closes_logged_in_connection() {
    let eppd = Eppd::start(&[
        "--registrar",
        "registrar1:secret-pw1",
        "--idle-timeout",
        "1",
    ]);
    let mut c = Client::open(eppd.addr);
    assert_eq!(code(&c.login("registrar1", "secret-pw1")), 1000);
    c.expect_closed();
    eppd.wait_log("reason=\"idle timeout\"");
}

#[test]
fn credentials_and_new_password() {
    let eppd = Eppd::start(&["--registrar", "registrar1:secret-pw1"]);
    let mut c = Client::open(eppd.addr);
    assert_eq!(code(&c.login("registrar1", "wrong-pass")), 2200);
    assert_eq!(code(&c.login("nobody", "secret-pw1")), 2200);
    let r = c.call(&login_xml(
        "registrar1",
        "secret-pw1",
        Some("changed-pw1"),
        "L-2",
    ));
    assert_eq!(code(&r), 1000, "{r}");
    assert_eq!(code(&c.call(&logout("O-1"))), 1500);
    c.expect_closed();

    let mut c = Client::open(eppd.addr);
    assert_eq!(
        code(&c.login("registrar1", "secret-pw1")),
        2200,
        "old password"
    );
    assert_eq!(
        code(&c.login("registrar1", "changed-pw1")),
        1000,
        "new password"
    );

    // The third failure in one connection closes it.
    let mut d = Client::open(eppd.addr);
    assert_eq!(code(&d.login("registrar1", "wrong-pass1")), 2200);
    assert_eq!(code(&d.login("registrar1", "wrong-pass2")), 2200);
    assert_eq!(code(&d.login("registrar1", "wrong-pass3")), 2501);
    d.expect_closed();

    let log = eppd.wait_log("cmd=login code=2501");
    assert!(log.contains("clID=nobody cmd=login code=2200"), "{log}");
    for pw in ["secret-pw1", "changed-pw1", "wrong-pass"] {
        assert!(!log.contains(pw), "password {pw} in the log:\n{log}");
    }
}

#[test]
fn session_limit_per_registrar() {
    let eppd = Eppd::start(&[
        "--registrar",
        "registrar1:secret-pw1",
        "--max-sessions-per-registrar",
        "1",
    ]);
    let mut a = Client::open(eppd.addr);
    assert_eq!(code(&a.login("registrar1", "secret-pw1")), 1000);
    let mut b = Client::open(eppd.addr);
    assert_eq!(code(&b.login("registrar1", "secret-pw1")), 2502);
    b.expect_closed();
    assert_eq!(code(&a.call(&logout("O-1"))), 1500);
    a.expect_closed();
    // The slot is free again (released when the session ended).
    let mut c = Client::open(eppd.addr);
    assert_eq!(code(&c.login("registrar1", "secret-pw1")), 1000);
}

#[test]
fn pipelined_commands_and_half_close() {
    let eppd = Eppd::start(&["--registrar", "registrar1:secret-pw1"]);
    let mut c = Client::open(eppd.addr);
    let mut all = frame(&login_xml("registrar1", "secret-pw1", None, "X-1"));
    for i in 2..=20 {
        all.extend(frame(&poll_req(&format!("X-{i}"))));
    }
    all.extend(frame(&logout("X-21")));
    all.extend(frame(&hello())); // after logout: never answered
    c.send_raw(&all);
    c.s.shutdown(Shutdown::Write).unwrap();
    for i in 1..=21 {
        let r = c.recv();
        assert_eq!(
            between(&r, "<clTRID>", "</clTRID>"),
            Some(format!("X-{i}").as_str())
        );
    }
    c.expect_closed();
}

#[test]
fn refuses_to_start_without_plain_or_demo() {
    let out = Command::new(env!("CARGO_BIN_EXE_eppd"))
        .args(["--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .output()
        .expect("run eppd");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("TLS") && err.contains("--plain"), "{err}");
}

#[test]
fn rejects_bad_flags() {
    for args in [
        &["--plain", "--registrar", "ab:secret-pw1"][..],
        &["--plain", "--registrar", "registrar1:short"],
        &["--plain", "--message", "nobody:text"],
        &["--plain", "--login-deadline", "0"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_eppd"))
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run eppd");
        assert!(!out.status.success(), "{args:?} accepted");
        assert!(out.stdout.is_empty(), "{args:?} started");
    }
}

#[cfg(unix)]
#[test]
fn stops_on_sigterm() {
    let mut eppd = Eppd::start(&["--registrar", "registrar1:secret-pw1"]);
    let mut c = Client::open(eppd.addr);
    assert_eq!(code(&c.login("registrar1", "secret-pw1")), 1000);
    let status = Command::new("kill")
        .args(["-TERM", &eppd.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    c.expect_closed();
    let deadline = Instant::now() + IO_TIMEOUT;
    let status = loop {
        if let Some(s) = eppd.child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "eppd did not stop");
        thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    eppd.wait_log("SIGTERM: shutting down");
}
