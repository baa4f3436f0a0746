//! Figures for the core, in one run: for five pipelined streams (hello, login+logout, poll
//! req+ack, a 1 KB domain:info passed through, the ETP handshake) the operations and bytes
//! per second of the Rust API and of the C API (the `epp_*` functions), against two floors
//! measured on the same bytes in the same run: a bare quick-xml scan of the XML fed in (the
//! parsing floor) and a memcpy of every byte in and out (the copy floor). Then allocations
//! per operation (a counting global allocator) and the memory of an idle logged-in session.
//!
//! Run: `cargo bench --bench session` (`EPP_BENCH_QUICK=1` for fewer, shorter rounds). The
//! figures are also written to `target/bench-results/core.json`, which
//! `benches/python_bench.py` and `benches/charts.py` read.
//!
//! `EPP_BENCH_PROFILE=hello|poll|login|info|etp` runs one Rust-API loop only, long, for a
//! profiler (`EPP_BENCH_ITERS` batches).

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use epp::ffi::*;
use epp::{
    AckAnswer, LoginAnswer, PollAnswer, PollMessage, Request, Response, Server, ServerConfig,
    Session,
};

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        LIVE.fetch_add(n as isize - l.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Counting = Counting;

const DOMAIN: &str = "urn:ietf:params:xml:ns:domain-1.0";
const NOW_SECS: u64 = 1_800_000_000;
const NOW_MS: u64 = NOW_SECS * 1000;
/// Operations fed in one `feed_input` (a pipelined stream): well within the session's
/// `max_in_flight` (32).
const BATCH: usize = 16;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW_SECS)
}

fn frame(xml: &str) -> Vec<u8> {
    let mut v = ((xml.len() + 4) as u32).to_be_bytes().to_vec();
    v.extend_from_slice(xml.as_bytes());
    v
}

const HELLO: &str = r#"<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>"#;
const POLL_REQ: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><poll op="req"/><clTRID>ABC-12345-XYZ</clTRID></command></epp>"#;
const POLL_ACK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><poll op="ack" msgID="1234"/><clTRID>ABC-12346-XYZ</clTRID></command></epp>"#;
const LOGOUT: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><logout/><clTRID>LOGOUT-1</clTRID></command></epp>"#;
const INFO: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><info><domain:info xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name hosts="all">example.com</domain:name></domain:info></info><clTRID>INFO-12345</clTRID></command></epp>"#;

fn login_xml() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><login><clID>registrar1</clID><pw>secret-pw1</pw><options><version>1.0</version><lang>en</lang></options><svcs><objURI>{DOMAIN}</objURI></svcs></login><clTRID>LOGIN-1</clTRID></command></epp>"#
    )
}

/// The host's answer to the domain:info: an RFC 5731 infData of about 1 KB.
fn inf_data() -> String {
    let mut x = format!(
        r#"<domain:infData xmlns:domain="{DOMAIN}"><domain:name>example.com</domain:name><domain:roid>EXAMPLE1-REP</domain:roid><domain:status s="ok"/><domain:registrant>jd1234</domain:registrant><domain:contact type="admin">sh8013</domain:contact><domain:contact type="tech">sh8013</domain:contact><domain:ns>"#
    );
    for i in 1..=8 {
        let _ = write!(
            x,
            "<domain:hostObj>ns{i}.example-hosting-provider.net</domain:hostObj>"
        );
    }
    x.push_str("</domain:ns>");
    for i in 1..=4 {
        let _ = write!(x, "<domain:host>ns{i}.example.com</domain:host>");
    }
    x.push_str("<domain:clID>ClientX</domain:clID><domain:crID>ClientY</domain:crID><domain:crDate>1999-04-03T22:00:00.0Z</domain:crDate><domain:upID>ClientX</domain:upID><domain:upDate>1999-12-03T09:00:00.0Z</domain:upDate><domain:exDate>2005-04-03T22:00:00.0Z</domain:exDate><domain:trDate>2000-04-08T09:00:00.0Z</domain:trDate><domain:authInfo><domain:pw>2fooBAR</domain:pw></domain:authInfo></domain:infData>");
    x
}

/// ETP 1.1 RequestSession (protocol 0, message 1) for Discovery as "store", message id 1.
const ETP_REQUEST: [u8; 28] = [
    0x00, 0x02, 0x00, 0x02, 0x00, 0x0a, b'p', b'r', b'o', b'b', b'e', 0x02, b'0', 0x02, 0x06, 0x02,
    0x02, 0x00, 0x00, 0x0a, b's', b't', b'o', b'r', b'e', 0x00, 0x00, 0x00,
];

fn logged_in(server: &Arc<Server>) -> Session {
    let mut s = Session::new(server.clone(), now());
    s.feed_input(&frame(&login_xml()), now()).unwrap();
    while let Some(r) = s.poll_queue() {
        if let Request::Login(l) = r {
            s.answer_login(l.id, LoginAnswer::Accepted).unwrap();
        }
    }
    let n = s.output().len();
    s.consume_output(n);
    s
}

/// A bare quick-xml scan: every event read, nothing done with it.
fn bare_scan(xml: &[u8]) -> usize {
    let mut r = quick_xml::Reader::from_reader(xml);
    let mut n = 0;
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Eof) | Err(_) => return n,
            Ok(_) => n += 1,
        }
    }
}

fn quick() -> bool {
    std::env::var_os("EPP_BENCH_QUICK").is_some()
}

/// One measurement: the fastest round (a noisy machine disturbs the ratios less) and the
/// allocations per operation over all rounds.
struct Measured {
    ns_per_op: f64,
    allocs_per_op: f64,
}

/// Rounds per measurement and the length of each: short rounds, many of them, so that on a
/// busy machine some rounds run without being preempted (the fastest is kept).
fn rounds() -> (usize, Duration) {
    if quick() {
        (20, Duration::from_millis(1))
    } else {
        (100, Duration::from_millis(2))
    }
}

/// Runs `f` (which does `ops_per_call` operations) in [`rounds`] and keeps the fastest.
fn measure(ops_per_call: usize, mut f: impl FnMut()) -> Measured {
    let (rounds, round_time) = rounds();
    // Warm up and calibrate.
    let t = Instant::now();
    let mut calls = 0usize;
    while t.elapsed() < round_time * 5 || calls < 3 {
        f();
        calls += 1;
    }
    let per_call = t.elapsed().as_secs_f64() / calls as f64;
    let per_round = ((round_time.as_secs_f64() / per_call) as usize).max(1);
    let a0 = ALLOCS.load(Ordering::Relaxed);
    let mut best = f64::INFINITY;
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..per_round {
            f();
        }
        best = best.min(t.elapsed().as_nanos() as f64 / (per_round * ops_per_call) as f64);
    }
    let allocs =
        (ALLOCS.load(Ordering::Relaxed) - a0) as f64 / (per_round * rounds * ops_per_call) as f64;
    Measured {
        ns_per_op: best,
        allocs_per_op: allocs,
    }
}

/// What one pattern's operation is made of, and its figures.
struct Pattern {
    name: &'static str,
    /// What one operation is.
    op: &'static str,
    /// The XML documents one operation feeds (scanned by the parsing floor).
    docs_in: Vec<Vec<u8>>,
    /// Bytes in and out per operation (frames, headers included).
    bytes_in: usize,
    bytes_out: usize,
    rust: Measured,
    capi: Option<Measured>,
    scan_ns: Option<f64>,
    copy_ns: f64,
}

/// Takes all output; returns its length.
fn drain_output(s: &mut Session) -> usize {
    let n = s.output().len();
    s.consume_output(n);
    n
}

/// Answers every queued request as the patterns' host does.
fn answer_all(s: &mut Session, message: &PollMessage, info: &str) {
    while let Some(r) = s.poll_queue() {
        match r {
            Request::Login(l) => {
                s.answer_login(l.id, LoginAnswer::Accepted).unwrap();
            }
            Request::Poll(p) => s
                .answer_poll(p.id, PollAnswer::Message(message.clone()))
                .unwrap(),
            Request::PollAck(a) => s
                .answer_ack(a.id, AckAnswer::Acked { remaining: 4 })
                .unwrap(),
            Request::Command(c) => s
                .answer_command(c.id, Response::success().with_res_data(info))
                .unwrap(),
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// the C API host: the same streams through the epp_* functions

struct CHost {
    server: *mut epp_server,
    message: *mut epp_poll_message,
    info: *mut epp_response,
}

fn ok(r: epp_result) {
    assert!(matches!(r, epp_result::Ok), "{r:?}");
}

impl CHost {
    fn new(info: &str) -> CHost {
        unsafe {
            let mut b = std::ptr::null_mut();
            let id = "bench server";
            ok(epp_config_builder_new(id.as_ptr().cast(), id.len(), &mut b));
            ok(epp_config_builder_add_object_uri(
                b,
                DOMAIN.as_ptr().cast(),
                DOMAIN.len(),
            ));
            let mut config = std::ptr::null_mut();
            ok(epp_config_builder_build(b, &mut config));
            epp_config_builder_free(b);
            let mut server = std::ptr::null_mut();
            ok(epp_server_new(
                config,
                NOW_MS,
                std::ptr::null(),
                &mut server,
            ));
            epp_config_free(config);
            let mut message = std::ptr::null_mut();
            let text = "Transfer requested.";
            ok(epp_poll_message_new(
                1234,
                5,
                NOW_MS,
                text.as_ptr().cast(),
                text.len(),
                &mut message,
            ));
            let mut resp = std::ptr::null_mut();
            ok(epp_response_new(1000, &mut resp));
            ok(epp_response_set_res_data(
                resp,
                info.as_ptr().cast(),
                info.len(),
            ));
            CHost {
                server,
                message,
                info: resp,
            }
        }
    }

    fn session(&self) -> *mut epp_session {
        let mut s = std::ptr::null_mut();
        unsafe { ok(epp_session_new(self.server, NOW_MS, &mut s)) };
        s
    }

    fn logged_in(&self, login: &[u8]) -> *mut epp_session {
        let s = self.session();
        self.round(s, login);
        s
    }

    /// Feeds `input`, answers every request, takes the output; returns its length.
    fn round(&self, s: *mut epp_session, input: &[u8]) -> usize {
        unsafe {
            ok(epp_session_feed_input(
                s,
                input.as_ptr(),
                input.len(),
                NOW_MS,
            ));
            loop {
                let mut req = std::ptr::null_mut();
                ok(epp_session_poll_queue(s, &mut req));
                if req.is_null() {
                    break;
                }
                let mut kind = epp_request_kind::SessionEnd;
                ok(epp_request_get_kind(req, &mut kind));
                let mut id = 0u64;
                let _ = epp_request_get_id(req, &mut id);
                match kind {
                    epp_request_kind::Login => {
                        let mut code = 0u16;
                        ok(epp_session_answer_login(
                            s,
                            id,
                            EPP_LOGIN_ANSWER_ACCEPTED,
                            &mut code,
                        ));
                    }
                    epp_request_kind::Poll => {
                        ok(epp_session_answer_poll_message(s, id, self.message));
                    }
                    epp_request_kind::PollAck => ok(epp_session_answer_ack(s, id, 4)),
                    epp_request_kind::Command => {
                        ok(epp_session_answer_command(s, id, self.info));
                    }
                    _ => {}
                }
                epp_request_free(req);
            }
            let mut p = std::ptr::null();
            let mut n = 0usize;
            ok(epp_session_take_output(s, &mut p, &mut n));
            black_box(p);
            if n > 0 {
                ok(epp_session_consume_output(s, n));
            }
            n
        }
    }
}

impl Drop for CHost {
    fn drop(&mut self) {
        unsafe {
            epp_poll_message_free(self.message);
            epp_response_free(self.info);
            epp_server_free(self.server);
        }
    }
}

// ---------------------------------------------------------------------------------------------

fn repeat(frames: &[&[u8]], times: usize) -> Vec<u8> {
    let mut v = Vec::new();
    for _ in 0..times {
        for f in frames {
            v.extend_from_slice(f);
        }
    }
    v
}

/// The copy floor: every byte in and out of one operation copied once.
fn copy_floor(bytes_in: usize, bytes_out: usize) -> f64 {
    let src = vec![0x5au8; bytes_in.max(bytes_out)];
    let mut dst = vec![0u8; bytes_in.max(bytes_out)];
    measure(1, || {
        let s = black_box(&src[..]);
        dst[..bytes_in].copy_from_slice(&s[..bytes_in]);
        black_box(&mut dst);
        dst[..bytes_out].copy_from_slice(&s[..bytes_out]);
        black_box(&mut dst);
    })
    .ns_per_op
}

fn scan_floor(docs: &[Vec<u8>]) -> f64 {
    measure(1, || {
        for d in docs {
            black_box(bare_scan(black_box(d)));
        }
    })
    .ns_per_op
}

fn profile(which: &str, cfg: &Arc<Server>, info: &str, message: &PollMessage) {
    let n: usize = std::env::var("EPP_BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300_000);
    let login = frame(&login_xml());
    let stream = match which {
        "poll" => repeat(&[&frame(POLL_REQ), &frame(POLL_ACK)], BATCH / 2),
        "info" => repeat(&[&frame(INFO)], BATCH),
        "login" => repeat(&[&login, &frame(LOGOUT)], 1),
        _ => repeat(&[&frame(HELLO)], BATCH),
    };
    if which == "etp" {
        let config = epp::etp::Config::builder()
            .application_name("bench")
            .build()
            .unwrap();
        for i in 0..n {
            let mut s =
                epp::etp::Session::new(config.clone(), epp::etp::Uuid::from_random([i as u8; 16]));
            s.feed_message(&ETP_REQUEST).unwrap();
            black_box(s.poll_output());
            black_box(s.poll_queue());
        }
        return;
    }
    let mut s = logged_in(cfg);
    for _ in 0..n {
        if which == "login" {
            s = Session::new(cfg.clone(), now());
        }
        s.feed_input(&stream, now()).unwrap();
        answer_all(&mut s, message, info);
        drain_output(&mut s);
    }
}

fn main() {
    // `cargo bench` passes --bench; nothing else is taken.
    let config = ServerConfig::builder("bench server")
        .object_uri(DOMAIN)
        .build()
        .unwrap();
    let cfg = Server::new(config, now());
    let info = inf_data();
    let message = PollMessage::new(1234, 5, now(), "Transfer requested.");
    if let Ok(which) = std::env::var("EPP_BENCH_PROFILE") {
        profile(&which, &cfg, &info, &message);
        return;
    }
    let chost = CHost::new(&info);

    let hello = frame(HELLO);
    let login = frame(&login_xml());
    let logout = frame(LOGOUT);
    let poll_req = frame(POLL_REQ);
    let poll_ack = frame(POLL_ACK);
    let info_cmd = frame(INFO);

    println!(
        "libepp core benchmark: fastest of {} rounds of {} ms; ratios are within this run{}",
        rounds().0,
        rounds().1.as_millis(),
        if quick() { " (quick)" } else { "" }
    );
    let mut patterns = Vec::new();

    // hello: BATCH pipelined hellos on a logged-in session.
    {
        let stream = repeat(&[&hello], BATCH);
        let mut s = logged_in(&cfg);
        s.feed_input(&stream, now()).unwrap();
        let out = drain_output(&mut s) / BATCH;
        let rust = measure(BATCH, || {
            s.feed_input(&stream, now()).unwrap();
            drain_output(&mut s);
        });
        let cs = chost.logged_in(&login);
        let capi = measure(BATCH, || {
            chost.round(cs, &stream);
        });
        unsafe { epp_session_free(cs) };
        patterns.push(Pattern {
            name: "hello",
            op: "one <hello> and its greeting",
            docs_in: vec![hello[4..].to_vec()],
            bytes_in: hello.len(),
            bytes_out: out,
            rust,
            capi: Some(capi),
            scan_ns: None,
            copy_ns: 0.0,
        });
    }
    // login+logout: a new session (its greeting), login and logout pipelined.
    {
        let stream = repeat(&[&login, &logout], 1);
        let mut s = Session::new(cfg.clone(), now());
        s.feed_input(&stream, now()).unwrap();
        answer_all(&mut s, &message, &info);
        let out = drain_output(&mut s);
        let rust = measure(1, || {
            let mut s = Session::new(cfg.clone(), now());
            s.feed_input(&stream, now()).unwrap();
            answer_all(&mut s, &message, &info);
            drain_output(&mut s);
        });
        let capi = measure(1, || {
            let cs = chost.session();
            chost.round(cs, &stream);
            unsafe { epp_session_free(cs) };
        });
        patterns.push(Pattern {
            name: "login+logout",
            op: "a new session: greeting, login (accepted), logout",
            docs_in: vec![login[4..].to_vec(), logout[4..].to_vec()],
            bytes_in: stream.len(),
            bytes_out: out,
            rust,
            capi: Some(capi),
            scan_ns: None,
            copy_ns: 0.0,
        });
    }
    // poll req+ack: a message (cloned from the host's) and its ack.
    {
        let stream = repeat(&[&poll_req, &poll_ack], BATCH / 2);
        let mut s = logged_in(&cfg);
        s.feed_input(&stream, now()).unwrap();
        answer_all(&mut s, &message, &info);
        let out = drain_output(&mut s) / (BATCH / 2);
        let rust = measure(BATCH / 2, || {
            s.feed_input(&stream, now()).unwrap();
            answer_all(&mut s, &message, &info);
            drain_output(&mut s);
        });
        let cs = chost.logged_in(&login);
        let capi = measure(BATCH / 2, || {
            chost.round(cs, &stream);
        });
        unsafe { epp_session_free(cs) };
        patterns.push(Pattern {
            name: "poll req+ack",
            op: "<poll op=\"req\"> answered with a message, and its ack",
            docs_in: vec![poll_req[4..].to_vec(), poll_ack[4..].to_vec()],
            bytes_in: poll_req.len() + poll_ack.len(),
            bytes_out: out,
            rust,
            capi: Some(capi),
            scan_ns: None,
            copy_ns: 0.0,
        });
    }
    // domain:info with a 1 KB infData passed through.
    {
        let stream = repeat(&[&info_cmd], BATCH);
        let mut s = logged_in(&cfg);
        s.feed_input(&stream, now()).unwrap();
        answer_all(&mut s, &message, &info);
        let out = drain_output(&mut s) / BATCH;
        let rust = measure(BATCH, || {
            s.feed_input(&stream, now()).unwrap();
            answer_all(&mut s, &message, &info);
            drain_output(&mut s);
        });
        let cs = chost.logged_in(&login);
        let capi = measure(BATCH, || {
            chost.round(cs, &stream);
        });
        unsafe { epp_session_free(cs) };
        patterns.push(Pattern {
            name: "info 1 KB",
            op: "<domain:info> answered with 1 KB of <resData> passed through",
            docs_in: vec![info_cmd[4..].to_vec()],
            bytes_in: info_cmd.len(),
            bytes_out: out,
            rust,
            capi: Some(capi),
            scan_ns: None,
            copy_ns: 0.0,
        });
    }
    // The ETP 1.1 handshake: a new session, RequestSession in, OpenSession out.
    {
        let config = epp::etp::Config::builder()
            .application_name("bench")
            .build()
            .unwrap();
        let mut i = 0u8;
        let mut out = 0;
        {
            let mut s =
                epp::etp::Session::new(config.clone(), epp::etp::Uuid::from_random([1; 16]));
            s.feed_message(&ETP_REQUEST).unwrap();
            while let Some(m) = s.poll_output() {
                out += m.len();
            }
        }
        let rust = measure(1, || {
            i = i.wrapping_add(1);
            let mut s =
                epp::etp::Session::new(config.clone(), epp::etp::Uuid::from_random([i; 16]));
            s.feed_message(&ETP_REQUEST).unwrap();
            black_box(s.poll_output());
            black_box(s.poll_queue());
        });
        patterns.push(Pattern {
            name: "ETP handshake",
            op: "a new ETP session: RequestSession in, OpenSession out",
            docs_in: Vec::new(),
            bytes_in: ETP_REQUEST.len(),
            bytes_out: out,
            rust,
            capi: None,
            scan_ns: None,
            copy_ns: 0.0,
        });
    }
    for p in &mut patterns {
        if !p.docs_in.is_empty() {
            p.scan_ns = Some(scan_floor(&p.docs_in));
        }
        p.copy_ns = copy_floor(p.bytes_in, p.bytes_out);
    }

    // Allocations per steady-state hello and poll (the targets' operations).
    let mut s = logged_in(&cfg);
    let hello_allocs = measure(1, || {
        s.feed_input(&hello, now()).unwrap();
        drain_output(&mut s);
    })
    .allocs_per_op;
    let mut s = logged_in(&cfg);
    let poll_allocs = measure(1, || {
        s.feed_input(&poll_req, now()).unwrap();
        if let Some(Request::Poll(p)) = s.poll_queue() {
            s.answer_poll(p.id, PollAnswer::Empty).unwrap();
        }
        drain_output(&mut s);
    })
    .allocs_per_op;

    // Memory per idle logged-in session.
    let n = if quick() { 2_000 } else { 10_000 };
    let before = LIVE.load(Ordering::Relaxed);
    let sessions: Vec<Session> = (0..n).map(|_| logged_in(&cfg)).collect();
    let after = LIVE.load(Ordering::Relaxed);
    let heap = (after - before) as f64 / n as f64;
    let inline = std::mem::size_of::<Session>();
    drop(sessions);
    let idle = heap; // the Vec holding the sessions is the inline part

    // The report.
    println!(
        "\n{:<14} {:>9} {:>10} {:>9} {:>7} {:>9} {:>9} {:>7} {:>7} {:>7}",
        "pattern",
        "ns/op",
        "ops/s",
        "MB/s",
        "allocs",
        "scan ns",
        "copy ns",
        "/scan",
        "/copy",
        "C/Rust"
    );
    let mut json = String::from("{\n  \"patterns\": [\n");
    let (mut scan_sum, mut core_sum) = (0.0, 0.0);
    for (i, p) in patterns.iter().enumerate() {
        let ns = p.rust.ns_per_op;
        let bytes = (p.bytes_in + p.bytes_out) as f64;
        let ops = 1e9 / ns;
        let scan_ratio = p.scan_ns.map(|s| s / ns);
        let copy_ratio = p.copy_ns / ns;
        let c_ratio = p.capi.as_ref().map(|c| ns / c.ns_per_op);
        if let Some(s) = p.scan_ns {
            scan_sum += s;
            core_sum += ns;
        }
        let opt = |v: Option<f64>, d: usize| v.map_or("-".to_string(), |v| format!("{v:.d$}"));
        println!(
            "{:<14} {:>9.0} {:>10.0} {:>9.1} {:>7.2} {:>9} {:>9.1} {:>7} {:>7.3} {:>7}",
            p.name,
            ns,
            ops,
            ops * bytes / 1e6,
            p.rust.allocs_per_op,
            opt(p.scan_ns, 0),
            p.copy_ns,
            opt(scan_ratio, 2),
            copy_ratio,
            opt(c_ratio, 2),
        );
        let _ = write!(
            json,
            "    {{\"name\": \"{}\", \"op\": \"{}\", \"bytes_in\": {}, \"bytes_out\": {}, \
             \"ns_per_op\": {:.1}, \"ops_per_s\": {:.0}, \"bytes_per_s\": {:.0}, \
             \"allocs_per_op\": {:.3}, \"scan_ns\": {}, \"copy_ns\": {:.1}, \
             \"ratio_to_scan\": {}, \"ratio_to_copy\": {:.4}, \"capi_ns_per_op\": {}, \
             \"capi_allocs_per_op\": {}, \"capi_ratio\": {}}}{}",
            p.name,
            p.op.replace('"', "\\\""),
            p.bytes_in,
            p.bytes_out,
            ns,
            ops,
            ops * bytes,
            p.rust.allocs_per_op,
            opt(p.scan_ns, 1).replace('-', "null"),
            p.copy_ns,
            opt(scan_ratio, 4).replace('-', "null"),
            copy_ratio,
            opt(p.capi.as_ref().map(|c| c.ns_per_op), 1).replace('-', "null"),
            opt(p.capi.as_ref().map(|c| c.allocs_per_op), 3).replace('-', "null"),
            opt(c_ratio, 4).replace('-', "null"),
            if i + 1 < patterns.len() { "," } else { "" }
        );
        json.push('\n');
    }
    let mix_ratio = scan_sum / core_sum;
    let c_mix = {
        let (r, c): (f64, f64) = patterns
            .iter()
            .filter_map(|p| p.capi.as_ref().map(|c| (p.rust.ns_per_op, c.ns_per_op)))
            .fold((0.0, 0.0), |(a, b), (r, c)| (a + r, b + c));
        r / c
    };
    println!("\nop: what one operation is");
    for p in &patterns {
        println!("  {:<14} {}", p.name, p.op);
    }
    println!(
        "MB/s: bytes in and out (frames) of the Rust API; scan: a bare quick-xml scan of the XML \
         fed in; copy: a memcpy of every byte in and out; /scan, /copy: the core's speed as a \
         fraction of each floor's; C/Rust: the C API's speed as a fraction of the Rust API's."
    );
    println!(
        "the XML patterns together (one operation each): core at {mix_ratio:.2} of the bare scan \
         (target >= 0.5); C API at {c_mix:.2} of the Rust API (target >= 0.9)"
    );
    println!(
        "allocations per steady-state hello {hello_allocs:.2}, poll (answered empty) \
         {poll_allocs:.2} (target <= 2)"
    );
    println!(
        "idle logged-in session: {idle:.0} bytes (heap, {inline} of them the Session itself; \
         {n} sessions; target <= 2048)"
    );
    let _ = write!(
        json,
        "  ],\n  \"mix_ratio_to_scan\": {mix_ratio:.4},\n  \"capi_mix_ratio\": {c_mix:.4},\n  \
         \"hello_allocs\": {hello_allocs:.3},\n  \"poll_allocs\": {poll_allocs:.3},\n  \
         \"idle_session_bytes\": {idle:.0},\n  \"session_inline_bytes\": {inline},\n  \
         \"batch\": {BATCH},\n  \"quick\": {}\n}}\n",
        quick()
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-results");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("core.json");
    match std::fs::write(&path, json) {
        Ok(()) => println!("written: {}", path.display()),
        Err(e) => eprintln!("cannot write {}: {e}", path.display()),
    }
}
