//! Integration tests: the `eppd` binary on 127.0.0.1 port 0, driven by libepp's own client
//! engine (`epp::client::ClientSession` over a tokio `TcpStream`: `common::EppClient`).
//!
//! Where a test sends what a client engine never would, it writes raw bytes
//! ([`RawClient`]): bad frame lengths and non-XML frames (garbage), a flood of pipelined
//! `<hello>`s never read (write timeout), and a login pipelined with the commands after it,
//! a `<hello>` after `<logout>` and a half-close (pipelining). Those frames are still read
//! with the engine's parser (`parse_server_frame`).
//!
//! Every eppd is killed when its test ends (Drop guard) and every wait is bounded.

mod common;

use std::io::Write;
use std::net::{SocketAddr, TcpStream as StdTcpStream};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::{
    code, domain_check, DataDir, EppClient, Eppd, CONTACT, DOMAIN, HOST, IO_TIMEOUT, RGP, SECDNS,
};
use epp::client::{
    parse_server_frame, ClientCloseReason, Command as EppCommand, Response, ServerFrame,
};
use epp::ResultCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn poll_req(cl_trid: &str) -> EppCommand {
    EppCommand::poll_request().with_cl_trid(cl_trid)
}

fn poll_ack(id: &str, cl_trid: &str) -> EppCommand {
    EppCommand::poll_ack(id).with_cl_trid(cl_trid)
}

fn logout(cl_trid: &str) -> EppCommand {
    EppCommand::logout().with_cl_trid(cl_trid)
}

fn msg_id(r: &Response) -> String {
    r.message_queue
        .as_ref()
        .unwrap_or_else(|| panic!("no msgQ in {r:?}"))
        .id
        .clone()
}

fn msg_count(r: &Response) -> u64 {
    r.message_queue
        .as_ref()
        .unwrap_or_else(|| panic!("no msgQ in {r:?}"))
        .count
}

// ---------------------------------------------------------------------------------------------
// raw bytes, for what a client engine never sends

/// RFC 5734 framing by hand: a 4-byte big-endian length that counts itself.
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

fn raw_hello() -> String {
    epp("<hello/>")
}

fn raw_cmd(inner: &str, cl_trid: &str) -> String {
    epp(&format!(
        "<command>{inner}<clTRID>{cl_trid}</clTRID></command>"
    ))
}

fn raw_login(clid: &str, pw: &str, cl_trid: &str) -> String {
    raw_cmd(
        &format!(
            "<login><clID>{clid}</clID><pw>{pw}</pw><options><version>1.0</version><lang>en</lang></options>\
             <svcs><objURI>{DOMAIN}</objURI><objURI>{CONTACT}</objURI>\
             <svcExtension><extURI>{SECDNS}</extURI><extURI>{RGP}</extURI></svcExtension></svcs></login>"
        ),
        cl_trid,
    )
}

struct RawClient {
    s: TcpStream,
}

impl RawClient {
    /// Connects and reads the greeting.
    async fn open(addr: SocketAddr) -> RawClient {
        let s = tokio::time::timeout(IO_TIMEOUT, TcpStream::connect(addr))
            .await
            .expect("connect: timed out")
            .expect("connect");
        let mut c = RawClient { s };
        assert!(matches!(c.recv().await, ServerFrame::Greeting(_)));
        c
    }

    async fn send_raw(&mut self, bytes: &[u8]) {
        tokio::time::timeout(IO_TIMEOUT, self.s.write_all(bytes))
            .await
            .expect("write: timed out")
            .expect("write");
    }

    /// Reads one frame and parses it with the client engine's parser.
    async fn recv(&mut self) -> ServerFrame {
        let read = async {
            let mut h = [0u8; 4];
            self.s.read_exact(&mut h).await?;
            let len = u32::from_be_bytes(h) as usize;
            assert!((5..=1 << 20).contains(&len), "bad frame length {len}");
            let mut body = vec![0u8; len - 4];
            self.s.read_exact(&mut body).await?;
            std::io::Result::Ok(body)
        };
        let body = tokio::time::timeout(IO_TIMEOUT, read)
            .await
            .expect("no frame in time")
            .expect("no frame");
        parse_server_frame(&body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&body)))
    }

    async fn recv_response(&mut self) -> Response {
        match self.recv().await {
            ServerFrame::Response(r) => r,
            other => panic!("expected a response, got {other:?}"),
        }
    }

    async fn call(&mut self, xml: &str) -> ServerFrame {
        self.send_raw(&frame(xml)).await;
        self.recv().await
    }

    /// Waits (bounded) for the server to close the connection.
    async fn expect_closed(&mut self) {
        let mut b = [0u8; 64];
        match tokio::time::timeout(IO_TIMEOUT, self.s.read(&mut b)).await {
            Ok(Ok(0)) => {}
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            Ok(Ok(n)) => panic!("expected close, got {n} more bytes: {:?}", &b[..n]),
            Ok(Err(e)) => panic!("expected close, got {e}"),
            Err(_) => panic!("not closed within {IO_TIMEOUT:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// tests

#[tokio::test]
async fn full_session() {
    let eppd = Eppd::start(&[
        "--registrar",
        "registrar1:secret-pw1",
        "--message",
        "registrar1:first <message> & more",
        "--message",
        "registrar1:second message",
    ]);
    let (mut c, g) = EppClient::open(eppd.addr, "registrar1", "secret-pw1").await;
    for uri in [DOMAIN, HOST, CONTACT] {
        assert!(g.offers_object(uri), "greeting lacks {uri}: {g:?}");
    }
    for uri in [SECDNS, RGP] {
        assert!(g.offers_extension(uri), "greeting lacks {uri}: {g:?}");
    }
    assert!(g.languages.iter().any(|l| l == "en"), "{g:?}");

    let r = c.login_with(EppCommand::login().with_cl_trid("L-1")).await;
    assert_eq!(code(&r), 1000, "{r:?}");
    assert_eq!(r.cl_trid.as_deref(), Some("L-1"));
    let sv1 = r.sv_trid.clone().unwrap();

    assert_eq!(c.hello().await.server_id, "eppd");

    let r = c.call(poll_req("P-1")).await;
    assert_eq!(code(&r), 1301, "{r:?}");
    assert_eq!(msg_count(&r), 2);
    let q = r.message_queue.as_ref().unwrap();
    assert_eq!(
        q.message.as_deref(),
        Some("first <message> & more"),
        "{r:?}"
    );
    assert!(q.queued_at.is_some(), "{r:?}");
    let id1 = msg_id(&r);

    let r = c.call(poll_ack(&id1, "A-1")).await;
    assert_eq!(code(&r), 1000, "{r:?}");
    assert_eq!(msg_count(&r), 1);

    let r = c.call(poll_ack(&id1, "A-2")).await;
    assert_eq!(code(&r), 2303, "acking twice: {r:?}");

    let r = c.call(poll_req("P-2")).await;
    assert_eq!(code(&r), 1301, "{r:?}");
    assert_eq!(
        r.message_queue.as_ref().unwrap().message.as_deref(),
        Some("second message"),
        "{r:?}"
    );
    let id2 = msg_id(&r);
    assert_ne!(id1, id2);
    assert_eq!(code(&c.call(poll_ack(&id2, "A-3")).await), 1000);
    assert_eq!(code(&c.call(poll_req("P-3")).await), 1300);

    let r = c.call(domain_check("C-1")).await;
    assert_eq!(code(&r), 2101, "object commands are unimplemented: {r:?}");

    let r = c.call(logout("O-1")).await;
    assert_eq!(code(&r), 1500, "{r:?}");
    assert_eq!(r.cl_trid.as_deref(), Some("O-1"));
    assert_eq!(c.expect_closed().await, ClientCloseReason::Logout);

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

#[tokio::test]
async fn messages_survive_connections_and_stay_with_their_registrar() {
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
    let (mut a, _) = EppClient::open(eppd.addr, "registrar1", "secret-pw1").await;
    assert_eq!(code(&a.login().await), 1000);
    let r = a.call(poll_req("P-1")).await;
    let id1 = msg_id(&r);
    drop(a);

    // registrar2 cannot ack registrar1's message.
    let (mut b, _) = EppClient::open(eppd.addr, "registrar2", "secret-pw2").await;
    assert_eq!(code(&b.login().await), 1000);
    assert_eq!(code(&b.call(poll_ack(&id1, "A-1")).await), 2303);
    let r = b.call(poll_req("P-2")).await;
    assert_eq!(
        r.message_queue.as_ref().unwrap().message.as_deref(),
        Some("for two"),
        "{r:?}"
    );

    // Two sessions of registrar1 share one queue.
    let (mut c1, _) = EppClient::open(eppd.addr, "registrar1", "secret-pw1").await;
    let (mut c2, _) = EppClient::open(eppd.addr, "registrar1", "secret-pw1").await;
    assert_eq!(code(&c1.login().await), 1000);
    assert_eq!(code(&c2.login().await), 1000);
    let r = c1.call(poll_req("P-3")).await;
    assert_eq!(
        msg_id(&r),
        id1,
        "the message survived the dropped connection"
    );
    assert_eq!(code(&c2.call(poll_ack(&id1, "A-2")).await), 1000);
    assert_eq!(code(&c1.call(poll_req("P-4")).await), 1300);
    assert_eq!(
        code(&b.call(poll_req("P-5")).await),
        1301,
        "registrar2's message is untouched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_concurrent_sessions() {
    let eppd = Eppd::start(&[
        "--registrar",
        "registrar1:secret-pw1",
        "--registrar",
        "registrar2:secret-pw2",
        "--message",
        "registrar1:hello",
    ]);
    let addr = eppd.addr;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        tasks.spawn(async move {
            let (clid, pw) = if i % 2 == 0 {
                ("registrar1", "secret-pw1")
            } else {
                ("registrar2", "secret-pw2")
            };
            let (mut c, _) = EppClient::open(addr, clid, pw).await;
            let r = c
                .login_with(EppCommand::login().with_cl_trid(format!("T{i}-login")))
                .await;
            assert_eq!(code(&r), 1000, "{r:?}");
            c.hello().await;
            let r = c.call(poll_req(&format!("T{i}-poll"))).await;
            let want = if i % 2 == 0 { 1301 } else { 1300 };
            assert_eq!(code(&r), want, "{r:?}");
            assert_eq!(r.cl_trid.as_deref(), Some(format!("T{i}-poll").as_str()));
            assert_eq!(
                code(&c.call(domain_check(&format!("T{i}-check"))).await),
                2101
            );
            assert_eq!(code(&c.call(logout(&format!("T{i}-logout"))).await), 1500);
            assert_eq!(c.expect_closed().await, ClientCloseReason::Logout);
            r.sv_trid.unwrap()
        });
    }
    let mut sv = Vec::new();
    while let Some(done) = tasks.join_next().await {
        sv.push(done.expect("a client task failed"));
    }
    sv.sort();
    sv.dedup();
    assert_eq!(sv.len(), 50, "svTRIDs are unique");
}

/// Raw bytes: bad frame lengths and a frame that is not XML.
#[tokio::test]
async fn garbage_closes_only_its_own_connection() {
    let eppd = Eppd::start(&["--registrar", "registrar1:secret-pw1"]);
    let (mut good, _) = EppClient::open(eppd.addr, "registrar1", "secret-pw1").await;
    assert_eq!(code(&good.login().await), 1000);

    // A length below 5 (it counts its own 4 bytes), then junk.
    let mut bad = RawClient::open(eppd.addr).await;
    bad.send_raw(&[0, 0, 0, 1, b'x', b'y', b'z']).await;
    let r = bad.recv_response().await;
    assert_eq!(code(&r), 2500, "{r:?}");
    bad.expect_closed().await;

    // An absurd length, announced and never sent.
    let mut huge = RawClient::open(eppd.addr).await;
    huge.send_raw(&u32::MAX.to_be_bytes()).await;
    assert_eq!(code(&huge.recv_response().await), 2500);
    huge.expect_closed().await;

    // Not XML at all: 2001, and the session goes on.
    let mut junk = RawClient::open(eppd.addr).await;
    match junk.call("this is not xml").await {
        ServerFrame::Response(r) => assert_eq!(code(&r), 2001, "{r:?}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        junk.call(&raw_hello()).await,
        ServerFrame::Greeting(_)
    ));

    // The other session is undisturbed.
    good.hello().await;
    assert_eq!(code(&good.call(poll_req("P-1")).await), 1300);
    assert_eq!(code(&good.call(logout("O-1")).await), 1500);
    assert_eq!(good.expect_closed().await, ClientCloseReason::Logout);
    eppd.wait_log("cmd=frame code=2500");
}

#[tokio::test]
async fn login_deadline_closes_idle_connection() {
    let eppd = Eppd::start(&[
        "--registrar",
        "registrar1:secret-pw1",
        "--login-deadline",
        "1",
    ]);
    let (mut idle, _) = EppClient::open(eppd.addr, "registrar1", "secret-pw1").await;
    let started = Instant::now();
    assert_eq!(idle.expect_closed().await, ClientCloseReason::PeerClosed);
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
    let (mut c, _) = EppClient::open(eppd.addr, "registrar1", "secret-pw1").await;
    assert_eq!(code(&c.login().await), 1000);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(code(&c.call(poll_req("P-1")).await), 1300);
}

/// Raw bytes: a flood of pipelined `<hello>`s from a client that never reads.
#[tokio::test]
async fn a_client_that_never_reads_is_closed_after_the_write_timeout() {
    let eppd = Eppd::start(&["--write-timeout", "1", "--login-deadline", "3600"]);
    let stream = StdTcpStream::connect(eppd.addr).expect("connect");
    // Pipeline far more greetings than socket buffers and libepp's pending
    // output hold, and never read one.
    let mut writer = stream.try_clone().expect("clone");
    writer
        .set_write_timeout(Some(IO_TIMEOUT))
        .expect("write timeout");
    let hellos: Vec<u8> = frame(&raw_hello()).repeat(40_000);
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
    let (mut c, _) = EppClient::open(eppd.addr, "registrar1", "secret-pw1").await;
    c.hello().await;
}

#[tokio::test]
async fn idle_timeout_closes_logged_in_connection() {
    let eppd = Eppd::start(&[
        "--registrar",
        "registrar1:secret-pw1",
        "--idle-timeout",
        "1",
    ]);
    let (mut c, _) = EppClient::open(eppd.addr, "registrar1", "secret-pw1").await;
    assert_eq!(code(&c.login().await), 1000);
    assert_eq!(c.expect_closed().await, ClientCloseReason::PeerClosed);
    eppd.wait_log("reason=\"idle timeout\"");
}

/// The engine's credentials are fixed per session: trying other credentials on the same
/// connection starts another engine session on it (`switch_credentials`).
#[tokio::test]
async fn credentials_and_new_password() {
    let eppd = Eppd::start(&["--registrar", "registrar1:secret-pw1"]);
    let cfg = common::config;
    let (mut c, _) = EppClient::open(eppd.addr, "registrar1", "wrong-pass").await;
    assert_eq!(code(&c.login().await), 2200);
    c.switch_credentials(cfg("nobody", "secret-pw1"));
    assert_eq!(code(&c.login().await), 2200);
    c.switch_credentials(
        common::config_builder("registrar1", "secret-pw1")
            .new_password("changed-pw1")
            .build()
            .unwrap(),
    );
    let r = c.login_with(EppCommand::login().with_cl_trid("L-2")).await;
    assert_eq!(code(&r), 1000, "{r:?}");
    assert_eq!(code(&c.call(logout("O-1")).await), 1500);
    assert_eq!(c.expect_closed().await, ClientCloseReason::Logout);

    let (mut c, _) = EppClient::open(eppd.addr, "registrar1", "secret-pw1").await;
    assert_eq!(code(&c.login().await), 2200, "old password");
    c.switch_credentials(cfg("registrar1", "changed-pw1"));
    assert_eq!(code(&c.login().await), 1000, "new password");

    // The third failure in one connection closes it.
    let (mut d, _) = EppClient::open(eppd.addr, "registrar1", "wrong-pass1").await;
    assert_eq!(code(&d.login().await), 2200);
    d.switch_credentials(cfg("registrar1", "wrong-pass2"));
    assert_eq!(code(&d.login().await), 2200);
    d.switch_credentials(cfg("registrar1", "wrong-pass3"));
    assert_eq!(code(&d.login().await), 2501);
    assert_eq!(
        d.expect_closed().await,
        ClientCloseReason::ServerClosing(ResultCode::AuthenticationErrorServerClosingConnection)
    );

    let log = eppd.wait_log("cmd=login code=2501");
    assert!(log.contains("clID=nobody cmd=login code=2200"), "{log}");
    for pw in ["secret-pw1", "changed-pw1", "wrong-pass"] {
        assert!(!log.contains(pw), "password {pw} in the log:\n{log}");
    }
}

#[tokio::test]
async fn session_limit_per_registrar() {
    let eppd = Eppd::start(&[
        "--registrar",
        "registrar1:secret-pw1",
        "--max-sessions-per-registrar",
        "1",
    ]);
    let (mut a, _) = EppClient::open(eppd.addr, "registrar1", "secret-pw1").await;
    assert_eq!(code(&a.login().await), 1000);
    let (mut b, _) = EppClient::open(eppd.addr, "registrar1", "secret-pw1").await;
    assert_eq!(code(&b.login().await), 2502);
    assert!(matches!(
        b.expect_closed().await,
        ClientCloseReason::ServerClosing(_)
    ));
    assert_eq!(code(&a.call(logout("O-1")).await), 1500);
    assert_eq!(a.expect_closed().await, ClientCloseReason::Logout);
    // The slot is free again (released when the session ended).
    let (mut c, _) = EppClient::open(eppd.addr, "registrar1", "secret-pw1").await;
    assert_eq!(code(&c.login().await), 1000);
}

/// Raw bytes: the client engine sends nothing after a login until it is answered, nothing
/// after a logout, and does not half-close; this pipelines all of it in one write.
#[tokio::test]
async fn pipelined_commands_and_half_close() {
    let eppd = Eppd::start(&["--registrar", "registrar1:secret-pw1"]);
    let mut c = RawClient::open(eppd.addr).await;
    let mut all = frame(&raw_login("registrar1", "secret-pw1", "X-1"));
    for i in 2..=20 {
        all.extend(frame(&raw_cmd(r#"<poll op="req"/>"#, &format!("X-{i}"))));
    }
    all.extend(frame(&raw_cmd("<logout/>", "X-21")));
    all.extend(frame(&raw_hello())); // after logout: never answered
    c.send_raw(&all).await;
    c.s.shutdown().await.unwrap();
    for i in 1..=21 {
        let r = c.recv_response().await;
        assert_eq!(r.cl_trid.as_deref(), Some(format!("X-{i}").as_str()));
    }
    c.expect_closed().await;
}

#[test]
fn refuses_to_start_without_a_certificate_plain_or_demo() {
    let dir = DataDir::new();
    let out = Command::new(env!("CARGO_BIN_EXE_eppd"))
        .args(["--listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(&dir.0)
        .stdin(Stdio::null())
        .output()
        .expect("run eppd");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    for part in ["TLS", "--tls-cert", "--tls-key", "--demo", "--plain"] {
        assert!(err.contains(part), "{part} not in {err}");
    }
    assert!(
        !dir.0.exists(),
        "nothing is written before the settings are good"
    );
}

#[test]
fn rejects_bad_flags() {
    for args in [
        &["--plain", "--registrar", "ab:secret-pw1"][..],
        &["--plain", "--registrar", "registrar1:short"],
        &["--plain", "--message", "nobody:text"],
        &["--plain", "--login-deadline", "0"],
        // Server flags do not go with a subcommand.
        &["--plain", "client", "--connect", "127.0.0.1:1", "--plain"],
    ] {
        let dir = DataDir::new();
        let out = Command::new(env!("CARGO_BIN_EXE_eppd"))
            .args(["--listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(&dir.0)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run eppd");
        assert!(!out.status.success(), "{args:?} accepted");
        assert!(out.stdout.is_empty(), "{args:?} started");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn stops_on_sigterm() {
    let mut eppd = Eppd::start(&["--registrar", "registrar1:secret-pw1"]);
    let (mut c, _) = EppClient::open(eppd.addr, "registrar1", "secret-pw1").await;
    assert_eq!(code(&c.login().await), 1000);
    let status = Command::new("kill")
        .args(["-TERM", &eppd.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    assert_eq!(c.expect_closed().await, ClientCloseReason::PeerClosed);
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
