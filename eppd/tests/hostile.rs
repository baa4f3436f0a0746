//! Hostile input at the TCP level (issue 13): the `eppd` binary on 127.0.0.1, one per test,
//! fed what no honest client sends. For each input the test asserts the exact answer (the
//! whole response, svTRID aside, or the close and when), that eppd still serves a normal
//! client afterwards, and that eppd's resident memory (VmRSS of the eppd process, sampled
//! every 5 ms from /proc while the input is sent and answered) grows by less than a stated
//! bound over its level after a warm-up session. docs/robustness.md lists the cases, their
//! answers and the growth measured.
//!
//! Every wait is bounded; eppd is killed when its test ends.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{code, EppClient, Eppd, CONTACT, DOMAIN, IO_TIMEOUT, RGP, SECDNS};
use epp::client::Command as EppCommand;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MIB: u64 = 1024;

// ---------------------------------------------------------------------------------------------
// eppd, its memory, and a normal client

/// VmRSS of process `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Samples a process's VmRSS every 5 ms until dropped; the peak.
struct RssSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    handle: Option<thread::JoinHandle<()>>,
}

impl RssSampler {
    fn start(pid: u32) -> RssSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(rss_kib(pid)));
        let (s, p) = (Arc::clone(&stop), Arc::clone(&peak));
        let handle = thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                p.fetch_max(rss_kib(pid), Ordering::Relaxed);
                thread::sleep(Duration::from_millis(5));
            }
        });
        RssSampler {
            stop,
            peak,
            handle: Some(handle),
        }
    }

    fn finish(mut self, pid: u32) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        self.peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
        self.peak.load(Ordering::Relaxed)
    }
}

/// An eppd for one test, warmed up (one whole normal session), with its RSS then.
struct Target {
    eppd: Eppd,
    pid: u32,
    base_kib: u64,
    sampler: Option<RssSampler>,
}

impl Target {
    async fn start(extra: &[&str]) -> Target {
        let mut args = vec!["--registrar", "registrar1:secret-pw1"];
        args.extend_from_slice(extra);
        let eppd = Eppd::start(&args);
        let pid = eppd.child.id();
        normal_session(eppd.addr).await;
        let base_kib = rss_kib(pid);
        assert!(base_kib > 0, "no VmRSS for eppd (pid {pid})");
        let sampler = Some(RssSampler::start(pid));
        Target {
            eppd,
            pid,
            base_kib,
            sampler,
        }
    }

    fn addr(&self) -> SocketAddr {
        self.eppd.addr
    }

    /// After the hostile input: a normal client is served, and the peak RSS grew by less
    /// than `bound_kib`. Prints the figure for docs/robustness.md.
    async fn check(mut self, case: &str, bound_kib: u64) {
        normal_session(self.addr()).await;
        let peak = self.sampler.take().unwrap().finish(self.pid);
        let growth = peak.saturating_sub(self.base_kib);
        eprintln!(
            "hostile {case}: eppd VmRSS {} KiB after warm-up, peak {peak} KiB, growth {growth} KiB \
             (bound {bound_kib} KiB)",
            self.base_kib
        );
        assert!(
            growth < bound_kib,
            "{case}: eppd's RSS grew by {growth} KiB (from {} to {peak}), bound {bound_kib} KiB",
            self.base_kib
        );
    }
}

/// A normal client: greeting, login, hello, logout, all answered.
async fn normal_session(addr: SocketAddr) {
    let (mut c, g) = EppClient::open(addr, "registrar1", "secret-pw1").await;
    assert_eq!(g.server_id, "eppd");
    let r = c.login().await;
    assert_eq!(code(&r), 1000, "{r:?}");
    assert_eq!(c.hello().await.server_id, "eppd");
    let r = c.call(EppCommand::logout()).await;
    assert_eq!(code(&r), 1500, "{r:?}");
}

// ---------------------------------------------------------------------------------------------
// raw bytes

fn frame(body: &[u8]) -> Vec<u8> {
    let mut v = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

fn epp(inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0">{inner}</epp>"#
    )
}

fn login_xml(clid: &str, pw: &str, cl_trid: &str) -> String {
    epp(&format!(
        "<command><login><clID>{clid}</clID><pw>{pw}</pw><options><version>1.0</version>\
         <lang>en</lang></options><svcs><objURI>{DOMAIN}</objURI><objURI>{CONTACT}</objURI>\
         <svcExtension><extURI>{SECDNS}</extURI><extURI>{RGP}</extURI></svcExtension></svcs>\
         </login><clTRID>{cl_trid}</clTRID></command>"
    ))
}

/// A response's XML with the svTRID's value replaced by `*`.
fn normalize(xml: &str) -> String {
    match (xml.find("<svTRID>"), xml.find("</svTRID>")) {
        (Some(i), Some(j)) if i < j => format!("{}*{}", &xml[..i + 8], &xml[j..]),
        _ => xml.to_string(),
    }
}

const DECL: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"#;

/// The whole response eppd writes for a result without clTRID (svTRID as `*`).
fn response(code: u16, msg: &str, ext: &str) -> String {
    format!(
        "{DECL}<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><response><result code=\"{code}\">\
         <msg>{msg}</msg>{ext}</result><trID><svTRID>*</svTRID></trID></response></epp>"
    )
}

/// `<extValue>` with a `<value>` and a `<reason>`.
fn ext_value(value: &str, reason: &str) -> String {
    format!("<extValue><value>{value}</value><reason>{reason}</reason></extValue>")
}

/// A connection that speaks bytes.
struct Raw {
    s: TcpStream,
}

/// What reading gave.
#[derive(Debug, PartialEq)]
enum Got {
    Frame(String),
    /// End of input (or a reset) with no more bytes; how many came before it in a partial
    /// frame.
    Closed(usize),
}

impl Raw {
    async fn connect(addr: SocketAddr) -> Raw {
        let s = tokio::time::timeout(IO_TIMEOUT, TcpStream::connect(addr))
            .await
            .expect("connect: timed out")
            .expect("connect");
        s.set_nodelay(true).unwrap();
        Raw { s }
    }

    /// Connects and reads the greeting.
    async fn open(addr: SocketAddr) -> Raw {
        let mut r = Raw::connect(addr).await;
        match r.read().await {
            Got::Frame(g) => assert!(g.contains("<greeting>"), "{g}"),
            other => panic!("no greeting: {other:?}"),
        }
        r
    }

    async fn send(&mut self, bytes: &[u8]) {
        tokio::time::timeout(IO_TIMEOUT, self.s.write_all(bytes))
            .await
            .expect("write: timed out")
            .expect("write");
    }

    /// Reads one frame, or the close.
    async fn read(&mut self) -> Got {
        let read = async {
            let mut got = Vec::new();
            let mut want = 4usize;
            let mut buf = [0u8; 8192];
            loop {
                if got.len() >= want {
                    if want == 4 {
                        want = u32::from_be_bytes(got[..4].try_into().unwrap()) as usize;
                        assert!((5..=1 << 20).contains(&want), "bad frame length {want}");
                        continue;
                    }
                    assert_eq!(got.len(), want, "more than one frame at once");
                    return Got::Frame(String::from_utf8(got[4..].to_vec()).expect("UTF-8"));
                }
                let n = want - got.len();
                match self.s.read(&mut buf[..n.min(8192)]).await {
                    Ok(0) => return Got::Closed(got.len()),
                    Ok(k) => got.extend_from_slice(&buf[..k]),
                    Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                        return Got::Closed(got.len())
                    }
                    Err(e) => panic!("read: {e}"),
                }
            }
        };
        tokio::time::timeout(IO_TIMEOUT, read)
            .await
            .expect("nothing within the I/O timeout")
    }

    /// Reads one response; returns it normalized.
    async fn response(&mut self) -> String {
        match self.read().await {
            Got::Frame(f) => normalize(&f),
            other => panic!("expected a response, got {other:?}"),
        }
    }

    async fn expect_closed(&mut self) {
        assert_eq!(self.read().await, Got::Closed(0));
    }
}

/// Sends `body` as one frame on a fresh connection; returns the response.
async fn answer_to(addr: SocketAddr, body: &[u8]) -> (Raw, String) {
    let mut r = Raw::open(addr).await;
    r.send(&frame(body)).await;
    let resp = r.response().await;
    (r, resp)
}

/// 2001 for a DOCTYPE (entities, internal or external, are never read).
fn doctype_refused() -> String {
    syntax_error("<epp></epp>", "DOCTYPE is not allowed")
}

/// 2500 for a frame length outside 5..=256 KiB.
fn bad_length(len: u64) -> String {
    response(
        2500,
        "Command failed; server closing connection",
        &ext_value(
            &format!("<frameLength>{len}</frameLength>"),
            &format!(
                "frame length {len} is outside the accepted range 5 to 262144 (the length \
                 counts its own 4 bytes)"
            ),
        ),
    )
}

fn syntax_error(value: &str, reason: &str) -> String {
    response(2001, "Command syntax error", &ext_value(value, reason))
}

// ---------------------------------------------------------------------------------------------
// XML: entities, DOCTYPE, nesting, sizes, encodings

#[tokio::test]
async fn billion_laughs() {
    let t = Target::start(&[]).await;
    let mut doc = String::from("<?xml version=\"1.0\"?><!DOCTYPE epp [<!ENTITY lol \"lol\">");
    for i in 1..=9 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        doc.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!("&{prev};").repeat(10)
        ));
    }
    doc.push_str("]><epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><hello/>&lol9;</epp>");
    let (mut r, resp) = answer_to(t.addr(), doc.as_bytes()).await;
    assert_eq!(resp, doctype_refused());
    // The session goes on.
    r.send(&frame(epp("<hello/>").as_bytes())).await;
    assert!(r.response().await.contains("<greeting>"));
    t.check("billion laughs", 8 * MIB).await;
}

#[tokio::test]
async fn external_entities_are_never_fetched() {
    let t = Target::start(&[]).await;
    // Something to fetch: a listener that counts connections.
    let bait = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    bait.set_nonblocking(true).unwrap();
    let url = format!("http://{}/x", bait.local_addr().unwrap());
    for system in ["file:///etc/passwd", url.as_str()] {
        let doc = format!(
            "<?xml version=\"1.0\"?><!DOCTYPE epp [<!ENTITY x SYSTEM \"{system}\">]>\
             <epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><login><clID>&x;</clID>\
             </login></command></epp>"
        );
        let (_r, resp) = answer_to(t.addr(), doc.as_bytes()).await;
        assert_eq!(resp, doctype_refused(), "{system}");
        assert!(!resp.contains("root:"), "{resp}");
    }
    assert!(
        bait.accept().is_err(),
        "eppd connected to the external entity's URL"
    );
    t.check("external entities", 8 * MIB).await;
}

#[tokio::test]
async fn doctype_alone() {
    let t = Target::start(&[]).await;
    let doc = "<?xml version=\"1.0\"?><!DOCTYPE epp><epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><hello/></epp>";
    let (_r, resp) = answer_to(t.addr(), doc.as_bytes()).await;
    assert_eq!(resp, doctype_refused());
    t.check("DOCTYPE", 8 * MIB).await;
}

#[tokio::test]
async fn nesting_ten_thousand_deep() {
    let t = Target::start(&[]).await;
    let doc = epp(&format!(
        "<command>{}{}</command>",
        "<a>".repeat(10_000),
        "</a>".repeat(10_000)
    ));
    let (_r, resp) = answer_to(t.addr(), doc.as_bytes()).await;
    assert_eq!(
        resp,
        syntax_error("<a></a>", "elements nested deeper than 64")
    );
    t.check("10,000-deep nesting", 8 * MIB).await;
}

#[tokio::test]
async fn one_megabyte_attribute() {
    let t = Target::start(&[]).await;
    // 1 MB: past the frame size limit (256 KiB), refused from its header.
    let doc = epp(&format!("<hello a=\"{}\"/>", "x".repeat(1 << 20)));
    let len = doc.len() + 4;
    let mut r = Raw::open(t.addr()).await;
    // eppd may close before taking it all: the write may fail.
    let bytes = frame(doc.as_bytes());
    let _ = tokio::time::timeout(IO_TIMEOUT, r.s.write_all(&bytes)).await;
    assert_eq!(r.response().await, bad_length(len as u64));
    r.expect_closed().await;
    // 200 KB: within the frame size, past the text limit (64 KiB).
    let doc = epp(&format!("<hello a=\"{}\"/>", "x".repeat(200_000)));
    let (_r, resp) = answer_to(t.addr(), doc.as_bytes()).await;
    assert_eq!(
        resp,
        syntax_error("<hello></hello>", "attribute value longer than 65536 bytes")
    );
    t.check("1 MB attribute", 8 * MIB).await;
}

#[tokio::test]
async fn invalid_utf8_and_nul_bytes() {
    let t = Target::start(&[]).await;
    let mut with_ff = epp("<hello/>").into_bytes();
    with_ff.splice(10..10, [0xff, 0xfe]);
    let (_r, resp) = answer_to(t.addr(), &with_ff).await;
    assert_eq!(
        resp,
        syntax_error(
            "<epp></epp>",
            "not UTF-8: invalid byte sequence at offset 10"
        ),
        "invalid UTF-8"
    );
    let nul = epp("\0<hello/>");
    let (_r, resp) = answer_to(t.addr(), nul.as_bytes()).await;
    assert_eq!(
        resp,
        syntax_error("<epp></epp>", "text holds a character XML does not allow"),
        "NUL byte"
    );
    t.check("invalid UTF-8, NUL", 8 * MIB).await;
}

// ---------------------------------------------------------------------------------------------
// framing

#[tokio::test]
async fn bad_lengths_are_answered_2500_and_closed() {
    let t = Target::start(&[]).await;
    for len in [0u32, 3, 4, u32::MAX] {
        let mut r = Raw::open(t.addr()).await;
        r.send(&len.to_be_bytes()).await;
        assert_eq!(
            r.response().await,
            bad_length(u64::from(len)),
            "length {len}"
        );
        r.expect_closed().await;
    }
    t.check("lengths 0, 3, 4, 2^32-1", 8 * MIB).await;
}

#[tokio::test]
async fn header_split_from_body() {
    let t = Target::start(&[]).await;
    let hello = frame(epp("<hello/>").as_bytes());
    let mut r = Raw::open(t.addr()).await;
    for split in [1, 2, 3, 4, 5] {
        r.send(&hello[..split]).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        r.send(&hello[split..]).await;
        assert!(
            r.response().await.contains("<greeting>"),
            "split at {split}"
        );
    }
    t.check("header split from body", 8 * MIB).await;
}

#[tokio::test]
async fn body_cut_by_eof() {
    let t = Target::start(&[]).await;
    let hello = frame(epp("<hello/>").as_bytes());
    let mut r = Raw::open(t.addr()).await;
    r.send(&hello[..hello.len() / 2]).await;
    r.s.shutdown().await.unwrap();
    let started = Instant::now();
    r.expect_closed().await;
    assert!(started.elapsed() < Duration::from_secs(2));
    t.eppd.wait_log(&format!(
        "reason=\"peer closed the connection inside a frame ({} bytes received)\"",
        hello.len() / 2
    ));
    t.check("body cut by EOF", 8 * MIB).await;
}

// ---------------------------------------------------------------------------------------------
// connections

#[tokio::test]
async fn slowloris() {
    // Hundreds of connections sending a hello one byte per second: eppd serves others
    // meanwhile, and closes each at its login deadline (5 s here).
    const CONNS: usize = 300;
    let t = Target::start(&[
        "--login-deadline",
        "5",
        "--max-connections-per-ip-before-login",
        "1000",
    ])
    .await;
    let addr = t.addr();
    let hello = frame(epp("<hello/>").as_bytes());
    let mut tasks = Vec::new();
    for _ in 0..CONNS {
        let hello = hello.clone();
        tasks.push(tokio::spawn(async move {
            let mut r = Raw::open(addr).await;
            let opened = Instant::now();
            for b in hello.iter().take(10) {
                if r.s.write_all(&[*b]).await.is_err() {
                    break;
                }
                let mut buf = [0u8; 64];
                match tokio::time::timeout(Duration::from_secs(1), r.s.read(&mut buf)).await {
                    Err(_) => {}
                    Ok(Ok(0)) | Ok(Err(_)) => return opened.elapsed(),
                    Ok(Ok(n)) => panic!("slowloris got {n} bytes"),
                }
            }
            r.expect_closed().await;
            opened.elapsed()
        }));
    }
    // A normal client, during the attack.
    tokio::time::sleep(Duration::from_secs(1)).await;
    normal_session(addr).await;
    for task in tasks {
        let lived = task.await.unwrap();
        assert!(
            lived >= Duration::from_millis(4500) && lived < Duration::from_secs(9),
            "a slowloris connection lived {lived:?}"
        );
    }
    // Each closed for its login deadline, having sent 5 or 6 bytes (the log is written
    // asynchronously: bounded wait).
    let deadline = Instant::now() + IO_TIMEOUT;
    loop {
        let log = t.eppd.log();
        let closed = log
            .lines()
            .filter(|l| {
                l.contains("reason=\"login deadline passed\" in=5 ")
                    || l.contains("reason=\"login deadline passed\" in=6 ")
            })
            .count();
        if closed == CONNS {
            break;
        }
        assert!(Instant::now() < deadline, "{closed} closed:\n{log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    t.check("slowloris (300 connections)", 32 * MIB).await;
}

#[tokio::test]
async fn ten_thousand_pipelined_commands_never_read() {
    // A client writes 10,000 hellos (1 KiB each, padded with white space, so that they
    // outgrow the sockets' buffers) and reads nothing: eppd stops reading once its output
    // is full, and closes the connection when the client has taken no output for the write
    // timeout (2 s here).
    let t = Target::start(&["--write-timeout", "2"]).await;
    let mut r = Raw::open(t.addr()).await;
    let hello = frame(epp(&format!("{}<hello/>", " ".repeat(900))).as_bytes());
    let all: Vec<u8> = hello.repeat(10_000);
    let started = Instant::now();
    let wrote = tokio::time::timeout(Duration::from_secs(20), async {
        let mut sent = 0;
        while sent < all.len() {
            match r.s.write(&all[sent..]).await {
                Ok(0) | Err(_) => break,
                Ok(n) => sent += n,
            }
        }
        sent
    })
    .await
    .expect("eppd neither read everything nor closed within 20 s");
    // It stopped reading: not all of it could be written, and it closed.
    assert!(wrote < all.len(), "eppd read all {} bytes", all.len());
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(10),
        "closed after {took:?}"
    );
    let log = t
        .eppd
        .wait_log("reason=\"write error: the client took no output within the write timeout\"");
    let line = log
        .lines()
        .find(|l| l.contains("conn=2 ") && l.contains(" closed "))
        .unwrap();
    let read: usize = line
        .split(" in=")
        .nth(1)
        .and_then(|v| v.split(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!(read < all.len(), "eppd read all {read} bytes: {line}");
    eprintln!("10,000 pipelined: the client wrote {wrote} bytes, eppd read {read}: {line}");
    t.check("10,000 pipelined commands never read", 16 * MIB)
        .await;
}

#[tokio::test]
async fn connections_reset_mid_frame() {
    let t = Target::start(&[]).await;
    let login = frame(login_xml("registrar1", "secret-pw1", "L-1").as_bytes());
    for i in 0..100 {
        let mut r = Raw::open(t.addr()).await;
        r.send(&login[..login.len() * (i % 9 + 1) / 10]).await;
        r.s.set_zero_linger().unwrap();
        drop(r);
    }
    t.check("100 connections reset mid-frame", 8 * MIB).await;
}

#[tokio::test]
async fn half_closed_connections_get_their_responses() {
    let t = Target::start(&[]).await;
    let mut r = Raw::open(t.addr()).await;
    let mut bytes = frame(login_xml("registrar1", "secret-pw1", "L-1").as_bytes());
    bytes.extend(frame(epp("<hello/>").as_bytes()));
    r.send(&bytes).await;
    r.s.shutdown().await.unwrap();
    assert!(r.response().await.contains("<result code=\"1000\">"));
    assert!(r.response().await.contains("<greeting>"));
    r.expect_closed().await;
    t.check("half-closed", 8 * MIB).await;
}

// ---------------------------------------------------------------------------------------------
// login

#[tokio::test]
async fn login_brute_force_locks_the_address_out() {
    // 5 failed logins from an address within 6 s lock it out until the window has passed
    // (wide enough for five Argon2id verifications on a loaded machine).
    let t = Target::start(&[
        "--max-failed-logins-per-ip",
        "5",
        "--failed-login-window",
        "6",
    ])
    .await;
    let addr = t.addr();
    // Opened before the lockout.
    let mut early = Raw::open(addr).await;
    let mut first = Instant::now();
    let mut failures = 0;
    for conn in 0..2 {
        let mut r = Raw::open(addr).await;
        for attempt in 0..3 {
            if failures == 0 {
                first = Instant::now();
            }
            if failures == 5 {
                break;
            }
            r.send(&frame(
                login_xml("registrar1", &format!("guess-{conn}-{attempt}"), "L-1").as_bytes(),
            ))
            .await;
            failures += 1;
            let resp = r.response().await;
            if attempt < 2 {
                assert!(resp.contains("<result code=\"2200\">"), "{resp}");
            } else {
                assert!(resp.contains("<result code=\"2501\">"), "{resp}");
                r.expect_closed().await;
            }
        }
    }
    // Locked out: a new connection gets 2501 instead of the greeting, and is closed.
    let mut r = Raw::connect(addr).await;
    assert_eq!(
        r.response().await,
        response(2501, "Authentication error; server closing connection", "")
    );
    r.expect_closed().await;
    // The connection opened before: even the right password is refused unchecked.
    early
        .send(&frame(
            login_xml("registrar1", "secret-pw1", "L-2").as_bytes(),
        ))
        .await;
    let resp = early.response().await;
    assert!(resp.contains("<result code=\"2200\">"), "{resp}");
    t.eppd
        .wait_log("login refused unchecked: 127.0.0.1 is locked out");
    t.eppd.wait_log("is locked out for failed logins");
    // The window passes: served again.
    let wait = Duration::from_secs(6).saturating_sub(first.elapsed()) + Duration::from_millis(300);
    tokio::time::sleep(wait).await;
    t.check("login brute force", 32 * MIB).await;
}

#[tokio::test]
async fn over_long_cltrid_and_password() {
    let t = Target::start(&[]).await;
    let long_trid = "T".repeat(65);
    let (_r, resp) = answer_to(
        t.addr(),
        login_xml("registrar1", "secret-pw1", &long_trid).as_bytes(),
    )
    .await;
    assert_eq!(
        resp,
        syntax_error(
            &format!("<clTRID>{long_trid}</clTRID>"),
            "clTRID must be 3 to 64 characters, got 65"
        )
    );
    for pw in ["p".repeat(129), "p".repeat(100_000)] {
        let (_r, resp) = answer_to(t.addr(), login_xml("registrar1", &pw, "L-1").as_bytes()).await;
        // Over the text limit the parse stops there: the clTRID after it is not read.
        let want = if pw.len() > 65_536 {
            syntax_error("<pw></pw>", "text longer than 65536 bytes")
        } else {
            syntax_error(
                "<pw></pw>",
                &format!("pw must be 6 to 16 characters, got {}", pw.len()),
            )
            .replace("<trID><svTRID>", "<trID><clTRID>L-1</clTRID><svTRID>")
        };
        assert_eq!(resp, want, "{} bytes", pw.len());
    }
    t.check("over-long clTRID and password", 8 * MIB).await;
}

#[tokio::test]
async fn connection_flood_from_one_address() {
    // Past --max-connections-per-ip-before-login (8 here), a new connection gets 2502 instead
    // of the greeting and is closed; those already open are served.
    let t = Target::start(&["--max-connections-per-ip-before-login", "8"]).await;
    let mut open = Vec::new();
    for _ in 0..8 {
        open.push(Raw::open(t.addr()).await);
    }
    for _ in 0..20 {
        let mut r = Raw::connect(t.addr()).await;
        assert_eq!(
            r.response().await,
            response(
                2502,
                "Session limit exceeded; server closing connection",
                ""
            )
        );
        r.expect_closed().await;
    }
    let mut first = open.remove(0);
    first
        .send(&frame(
            login_xml("registrar1", "secret-pw1", "L-1").as_bytes(),
        ))
        .await;
    assert!(first.response().await.contains("<result code=\"1000\">"));
    drop(open);
    t.check("connection flood from one address", 8 * MIB).await;
}
