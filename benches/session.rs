//! Figures for the core: throughput against a bare quick-xml scan of the
//! same bytes, allocations per steady-state hello and poll, and memory per
//! idle logged-in session. Run: `cargo bench --bench session`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use epp::{LoginAnswer, PollAnswer, PollMessage, Request, Server, ServerConfig, Session};

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

fn frame(xml: &str) -> Vec<u8> {
    let mut v = ((xml.len() + 4) as u32).to_be_bytes().to_vec();
    v.extend_from_slice(xml.as_bytes());
    v
}

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn logged_in(server: &std::sync::Arc<Server>) -> Session {
    let mut s = Session::new(server.clone(), now());
    let login = frame(&format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><login><clID>registrar1</clID><pw>secret-pw1</pw><options><version>1.0</version><lang>en</lang></options><svcs><objURI>{DOMAIN}</objURI></svcs></login><clTRID>LOGIN-1</clTRID></command></epp>"#
    ));
    s.feed_input(&login, now()).unwrap();
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
    let mut r = quick_xml::Reader::from_str(std::str::from_utf8(xml).unwrap());
    let mut n = 0;
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Eof) | Err(_) => return n,
            Ok(_) => n += 1,
        }
    }
}

/// Rounds per measurement: the fastest round is quoted, so that a noisy
/// machine (other processes, frequency changes) disturbs the ratios less.
const ROUNDS: usize = 10;

fn measure(name: &str, iters: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..iters / 10 {
        f();
    }
    let per_round = (iters / ROUNDS).max(1);
    let a0 = ALLOCS.load(Ordering::Relaxed);
    let mut best = f64::INFINITY;
    for _ in 0..ROUNDS {
        let t = Instant::now();
        for _ in 0..per_round {
            f();
        }
        best = best.min(t.elapsed().as_nanos() as f64 / per_round as f64);
    }
    let allocs = (ALLOCS.load(Ordering::Relaxed) - a0) as f64 / (per_round * ROUNDS) as f64;
    println!("{name:<44} {best:>9.0} ns/op {allocs:>6.2} allocs/op (fastest of {ROUNDS} rounds)");
    best
}

fn main() {
    let config = ServerConfig::builder("bench server")
        .object_uri(DOMAIN)
        .build()
        .unwrap();
    let cfg = Server::new(config, now());
    let hello = frame(
        r#"<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>"#,
    );
    let poll = frame(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><poll op="req"/><clTRID>ABC-12345-XYZ</clTRID></command></epp>"#,
    );
    let iters = 200_000;
    // EPP_BENCH_PROFILE=hello|poll: one loop only, long, for a profiler.
    if let Ok(which) = std::env::var("EPP_BENCH_PROFILE") {
        let mut s = logged_in(&cfg);
        let frame = if which == "poll" { &poll } else { &hello };
        let n: usize = std::env::var("EPP_BENCH_ITERS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(5_000_000);
        for _ in 0..n {
            s.feed_input(frame, now()).unwrap();
            if let Some(Request::Poll(p)) = s.poll_queue() {
                s.answer_poll(p.id, PollAnswer::Empty).unwrap();
            }
            let n = s.output().len();
            s.consume_output(n);
        }
        return;
    }

    println!("libepp core benchmark ({iters} iterations each; ratios are within this run)");
    let mut s = logged_in(&cfg);
    let hello_core = measure("hello: feed + greeting + take output", iters, || {
        s.feed_input(&hello, now()).unwrap();
        let n = s.output().len();
        s.consume_output(n);
    });
    let hello_scan = measure("hello: bare quick-xml scan of the same XML", iters, || {
        std::hint::black_box(bare_scan(&hello[4..]));
    });
    let mut s = logged_in(&cfg);
    let poll_core = measure("poll req: feed + answer Empty + take output", iters, || {
        s.feed_input(&poll, now()).unwrap();
        if let Some(Request::Poll(p)) = s.poll_queue() {
            s.answer_poll(p.id, PollAnswer::Empty).unwrap();
        }
        let n = s.output().len();
        s.consume_output(n);
    });
    let mut s = logged_in(&cfg);
    measure("poll req: answer with a message (text)", iters, || {
        s.feed_input(&poll, now()).unwrap();
        if let Some(Request::Poll(p)) = s.poll_queue() {
            let m = PollMessage::new(1234, 5, now(), "Transfer requested.");
            s.answer_poll(p.id, PollAnswer::Message(m)).unwrap();
        }
        let n = s.output().len();
        s.consume_output(n);
    });
    let poll_scan = measure(
        "poll req: bare quick-xml scan of the same XML",
        iters,
        || {
            std::hint::black_box(bare_scan(&poll[4..]));
        },
    );
    println!(
        "core speed relative to a bare scan: hello {:.2}, poll {:.2} (target >= 0.5)",
        hello_scan / hello_core,
        poll_scan / poll_core
    );

    // Memory per idle logged-in session.
    let n = 10_000;
    let before = LIVE.load(Ordering::Relaxed);
    let sessions: Vec<Session> = (0..n).map(|_| logged_in(&cfg)).collect();
    let after = LIVE.load(Ordering::Relaxed);
    let heap = (after - before) as f64 / n as f64;
    let inline = std::mem::size_of::<Session>();
    println!(
        "idle logged-in session: {inline} bytes inline + {heap:.0} bytes heap = {:.0} bytes (target <= 2048)",
        inline as f64 + heap - inline as f64 * 0.0
    );
    drop(sessions);
}
