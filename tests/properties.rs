//! Properties (issue 13), checked with proptest on generated sessions, not
//! only random bytes: hello, login (good and bad), logout, poll req/ack,
//! object commands with and without extensions, malformed XML, DOCTYPEs,
//! deep nesting, bad frame lengths, garbage bytes, waits that reach the
//! timeouts, and the end of input.
//!
//! The EPP server engine ([`epp::Session`]):
//!
//! - **chunking**: any cutting of the input into reads gives the same output,
//!   byte for byte;
//! - **answer order**: any order of the host's answers gives the same output,
//!   and the responses carry the clTRIDs in command order;
//! - **no panic**, and every output frame has a correct length header and is
//!   UTF-8; all the frames of all the cases are then validated by xmllint
//!   against epp-1.0.xsd (one batch of processes at the end);
//! - **memory**: for any input and a host that answers late or never takes
//!   output, what the session holds (buffered input, pending output,
//!   outstanding requests) stays within its [`Limits`], and the bytes it has
//!   allocated (a per-thread counting allocator) stay under a bound.
//!
//! The client engine ([`epp::client::ClientSession`]): any chunking of the
//! server's bytes gives the same events (waits between them let the
//! response deadline and the keep-alive fire); no panic. The ETP engine
//! ([`epp::etp::Session`]): no panic, and the messages it sends do not depend
//! on when the host takes output and answers (eagerly, or only when the
//! session stops reading).
//!
//! Cases: `PROPTEST_CASES` (default [`DEFAULT_CASES`], sized for about a
//! minute in CI's debug build on two cores; docs/robustness.md records a
//! long run).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::*;
use epp::client::{ClientConfig, ClientSession, Command as ClientCommand, Event};
use epp::{
    AckAnswer, CommandVerb, Limits, LoginAnswer, PollAnswer, PollMessage, Request, RequestId,
    Response, ResultCode, Server, Session,
};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};

// ---------------------------------------------------------------------------
// A per-thread counting allocator (each proptest runs on its own thread)
// ---------------------------------------------------------------------------

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    let _ = LIVE.try_with(|l| {
        let v = l.get() + delta;
        l.set(v);
        let _ = PEAK.try_with(|p| p.set(p.get().max(v)));
    });
}

// SAFETY: every call is passed to the system allocator unchanged; the
// counters are thread-local cells that never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        count(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f`; returns its value and the peak of this thread's live heap
/// bytes during it, above what was live when it started.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(|l| l.get());
    PEAK.with(|p| p.set(base));
    let v = f();
    let peak = PEAK.with(|p| p.get());
    (v, (peak - base).max(0) as usize)
}

// ---------------------------------------------------------------------------
// Case counts
// ---------------------------------------------------------------------------

/// Cases per property unless `PROPTEST_CASES` says otherwise.
const DEFAULT_CASES: u32 = 1024;

fn runner(weight: u32) -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    TestRunner::new(RunnerConfig {
        cases: (cases / weight).max(1),
        failure_persistence: None,
        // Shrinking replays whole sessions: bounded, so that a failure is
        // reported in seconds.
        max_shrink_iters: 2000,
        ..RunnerConfig::default()
    })
}

// ---------------------------------------------------------------------------
// EPP sessions
// ---------------------------------------------------------------------------

const EXT_UNOFFERED: &str = "urn:example:ext-not-offered";

/// One thing the client does.
#[derive(Debug, Clone)]
enum Step {
    Hello,
    /// Registrar 1 or 2, with the right password or not.
    Login {
        registrar: u8,
        good: bool,
    },
    Logout,
    PollReq,
    PollAck(u64),
    /// An object command: its verb, and an extension (none, secDNS, one not
    /// offered).
    Object {
        verb: u8,
        ext: u8,
    },
    /// A frame whose XML is wrong in one of several ways.
    BadXml(u8),
    /// Raw bytes, unframed.
    Garbage(Vec<u8>),
    /// A frame header announcing this length, then a few bytes.
    BadLength(u32),
    /// No bytes for this many seconds (the clock moves, the timers run).
    Wait(u16),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => Just(Step::Hello),
        4 => (1u8..=2, prop::bool::weighted(0.8))
            .prop_map(|(registrar, good)| Step::Login { registrar, good }),
        1 => Just(Step::Logout),
        3 => Just(Step::PollReq),
        2 => (100u64..104).prop_map(Step::PollAck),
        5 => (0u8..6, 0u8..3).prop_map(|(verb, ext)| Step::Object { verb, ext }),
        2 => (0u8..12).prop_map(Step::BadXml),
        1 => prop::collection::vec(any::<u8>(), 0..40).prop_map(Step::Garbage),
        1 => prop_oneof![
            Just(0u32),
            Just(3),
            Just(4),
            Just(5),
            Just(u32::MAX),
            Just(1 << 20),
            6u32..64
        ]
        .prop_map(Step::BadLength),
        1 => prop_oneof![Just(5u16), Just(61), Just(601)].prop_map(Step::Wait),
    ]
}

/// A generated session: its steps, and whether the client closes its side
/// at the end.
#[derive(Debug, Clone)]
struct Script {
    steps: Vec<Step>,
    eof: bool,
    small_limits: bool,
}

fn script() -> impl Strategy<Value = Script> {
    (
        prop::collection::vec(step(), 1..40),
        any::<bool>(),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(steps, eof, small_limits)| Script {
            steps,
            eof,
            small_limits,
        })
}

/// Limits small enough that generated sessions reach them.
fn small_limits() -> Limits {
    Limits {
        max_frame_size: 2048,
        max_in_flight: 3,
        max_pending_output: 4096,
        max_failed_logins: 2,
        login_deadline: Duration::from_secs(60),
        idle_timeout: Duration::from_secs(600),
        max_buffered_input: 4096,
        max_xml_depth: 16,
        max_xml_attributes: 8,
        max_xml_text: 512,
    }
}

fn limits_of(script: &Script) -> Limits {
    if script.small_limits {
        small_limits()
    } else {
        Limits::default()
    }
}

fn epp_server(limits: Limits) -> Arc<Server> {
    let mut b = config_builder();
    b.limits(limits);
    server_on(b.build().unwrap())
}

fn object_xml(verb: u8, ext: u8, cl_trid: &str) -> String {
    let (tag, body) = match verb {
        0 => ("check", "<domain:check xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\"><domain:name>a.example</domain:name><domain:name>b.example</domain:name></domain:check>"),
        1 => ("info", "<domain:info xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\"><domain:name hosts=\"all\">a.example</domain:name></domain:info>"),
        2 => ("create", "<domain:create xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\"><domain:name>a.example</domain:name><domain:authInfo><domain:pw>2fooBAR</domain:pw></domain:authInfo></domain:create>"),
        3 => ("update", "<domain:update xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\"><domain:name>a.example</domain:name></domain:update>"),
        4 => ("delete", "<contact:delete xmlns:contact=\"urn:ietf:params:xml:ns:contact-1.0\"><contact:id>c1</contact:id></contact:delete>"),
        _ => ("info", "<host:info xmlns:host=\"urn:ietf:params:xml:ns:host-1.0\"><host:name>ns1.a.example</host:name></host:info>"),
    };
    let ext = match ext {
        0 => String::new(),
        1 => format!(
            "<extension><secDNS:update xmlns:secDNS=\"{SECDNS}\"><secDNS:rem><secDNS:all>true</secDNS:all></secDNS:rem></secDNS:update></extension>"
        ),
        _ => format!("<extension><x:data xmlns:x=\"{EXT_UNOFFERED}\"/></extension>"),
    };
    epp(&format!(
        "<command><{tag}>{body}</{tag}>{ext}<clTRID>{cl_trid}</clTRID></command>"
    ))
}

fn bad_xml(kind: u8, cl_trid: &str) -> Vec<u8> {
    let xml = match kind {
        0 => "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><hello>".to_string(),
        1 => "not xml at all".to_string(),
        2 => "<?xml version=\"1.0\"?><!DOCTYPE epp [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><hello/>&b;</epp>".to_string(),
        3 => "<?xml version=\"1.0\"?><!DOCTYPE epp SYSTEM \"file:///etc/passwd\"><epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><hello/></epp>".to_string(),
        4 => epp(&format!("<command>{}x{}</command>", "<a>".repeat(100), "</a>".repeat(100))),
        5 => epp(&format!("<command><hello a=\"{}\"/></command>", "v".repeat(3000))),
        6 => "<epp xmlns=\"urn:example:wrong\"><hello/></epp>".to_string(),
        7 => cmd("<poll op=\"sideways\"/>", Some(cl_trid)),
        8 => cmd("<login><clID>r</clID></login>", Some(cl_trid)),
        9 => cmd("<hello/>", Some(&"T".repeat(70))),
        10 => epp("<extension><x:cmd xmlns:x=\"urn:example:ext-not-offered\"/></extension>"),
        _ => {
            let mut v = frame_bytes(epp("<hello/>").as_bytes());
            v[10] = 0xff;
            v.insert(12, 0);
            return v;
        }
    };
    frame(&xml)
}

fn frame_bytes(body: &[u8]) -> Vec<u8> {
    let mut v = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

/// The input, cut at the waits: `(bytes, then wait this long)`; commands
/// carry clTRIDs `c0`, `c1`... in order.
type Segment = (Vec<u8>, Option<Duration>);

fn segments(script: &Script) -> Vec<Segment> {
    let mut segs = vec![(Vec::new(), None)];
    for (i, s) in script.steps.iter().enumerate() {
        let t = format!("c{i}");
        let bytes = match s {
            Step::Hello => frame(&hello_xml()),
            Step::Login { registrar, good } => frame(&login_xml(
                &format!("registrar{registrar}"),
                if *good {
                    if *registrar == 1 {
                        "secret-pw1"
                    } else {
                        "secret-pw2"
                    }
                } else {
                    "wrong-pass"
                },
                Some(&t),
            )),
            Step::Logout => frame(&logout_xml(Some(&t))),
            Step::PollReq => frame(&poll_req_xml(Some(&t))),
            Step::PollAck(id) => frame(&poll_ack_xml(&id.to_string(), Some(&t))),
            Step::Object { verb, ext } => frame(&object_xml(*verb, *ext, &t)),
            Step::BadXml(k) => bad_xml(*k, &t),
            Step::Garbage(g) => g.clone(),
            Step::BadLength(n) => {
                let mut v = n.to_be_bytes().to_vec();
                v.extend_from_slice(b"<epp");
                v
            }
            Step::Wait(secs) => {
                segs.last_mut().unwrap().1 = Some(Duration::from_secs(u64::from(*secs)));
                segs.push((Vec::new(), None));
                continue;
            }
        };
        segs.last_mut().unwrap().0.extend(bytes);
    }
    segs
}

/// The host: registrars, message queues, and answers decided when a request
/// is taken (in command order), whenever they are given.
struct EppHost {
    queue: Vec<(u64, String)>,
    /// Requests taken and not answered yet, with their answers.
    pending: Vec<(RequestId, Answer)>,
    /// Which pending answer to give next (indices, cycled).
    order: Vec<usize>,
    turn: usize,
}

enum Answer {
    Login(LoginAnswer),
    Poll(PollAnswer),
    Ack(AckAnswer),
    Command(Response),
}

impl EppHost {
    fn new(order: Vec<usize>) -> EppHost {
        EppHost {
            queue: vec![
                (101, "first message".into()),
                (102, "second <message> & more".into()),
                (103, "third".into()),
            ],
            pending: Vec::new(),
            order,
            turn: 0,
        }
    }

    fn decide(&mut self, r: Request) -> Option<(RequestId, Answer)> {
        let answer = match &r {
            Request::Login(l) => Answer::Login(
                if matches!(
                    (l.client_id.as_str(), l.password.as_str()),
                    ("registrar1", "secret-pw1") | ("registrar2", "secret-pw2")
                ) {
                    LoginAnswer::Accepted
                } else {
                    LoginAnswer::BadCredentials
                },
            ),
            Request::Poll(_) => Answer::Poll(match self.queue.first() {
                None => PollAnswer::Empty,
                Some((id, text)) => PollAnswer::Message(PollMessage::new(
                    *id,
                    self.queue.len() as u64,
                    t0(),
                    text.clone(),
                )),
            }),
            Request::PollAck(a) => Answer::Ack(
                match self.queue.iter().position(|(id, _)| *id == a.message_id) {
                    Some(i) => {
                        self.queue.remove(i);
                        AckAnswer::Acked {
                            remaining: self.queue.len() as u64,
                        }
                    }
                    None => AckAnswer::UnknownMessage,
                },
            ),
            Request::Command(c) => Answer::Command(match c.verb {
                CommandVerb::Check => Response::new(ResultCode::Success).with_message("checked"),
                CommandVerb::Create => Response::new(ResultCode::ObjectExists)
                    .with_value("<domain:name xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\">a.example</domain:name>"),
                CommandVerb::Info => Response::new(ResultCode::ObjectDoesNotExist),
                _ => Response::new(ResultCode::UnimplementedCommand),
            }),
            Request::Extension(_) => Answer::Command(Response::new(ResultCode::CommandFailed)),
            _ => return None,
        };
        Some((r.id()?, answer))
    }

    /// Takes every request, answers them all in the host's order (answering
    /// may release more).
    fn serve(&mut self, s: &mut Session) {
        loop {
            while let Some(r) = s.poll_queue() {
                if let Some(p) = self.decide(r) {
                    self.pending.push(p);
                }
            }
            if self.pending.is_empty() {
                return;
            }
            let k = self.order.get(self.turn % self.order.len().max(1)).copied();
            self.turn += 1;
            let i = k.unwrap_or(0) % self.pending.len();
            let (id, a) = self.pending.remove(i);
            let r = match a {
                Answer::Login(a) => s.answer_login(id, a).map(|_| ()),
                Answer::Poll(a) => s.answer_poll(id, a),
                Answer::Ack(a) => s.answer_ack(id, a),
                Answer::Command(a) => s.answer_command(id, a),
            };
            // The session may have ended meanwhile (its requests dropped).
            if let Err(e) = r {
                assert!(s.is_finished() || !s.wants_input(), "answer refused: {e}");
            }
        }
    }
}

/// What a run gave.
struct Run {
    out: Vec<u8>,
    peak_buffered: usize,
    peak_outstanding: usize,
}

/// Runs `script` like a host would: reads (cut after the sizes in `cuts`,
/// cycled; whole when empty) only while the session wants input; answers in
/// the order `order` picks; takes all output after each step.
fn run_epp(script: &Script, cuts: &[usize], order: Vec<usize>) -> Run {
    let limits = limits_of(script);
    let mut now = t0();
    let mut s = Session::new(epp_server(limits), now);
    let mut host = EppHost::new(order);
    let mut run = Run {
        out: Vec::new(),
        peak_buffered: 0,
        peak_outstanding: 0,
    };
    let mut ci = 0;
    'segments: for (bytes, wait) in segments(script) {
        let mut pos = 0;
        loop {
            host.serve(&mut s);
            run.peak_outstanding = run.peak_outstanding.max(s.outstanding());
            // Taking output lets the session handle input it held.
            let took = s.take_output().inspect(|o| run.out.extend(o)).is_some();
            if s.is_finished() {
                break 'segments;
            }
            if took {
                continue;
            }
            if pos == bytes.len() || !s.wants_input() {
                break;
            }
            let n = if cuts.is_empty() {
                bytes.len() - pos
            } else {
                ci += 1;
                cuts[(ci - 1) % cuts.len()].clamp(1, bytes.len() - pos)
            };
            if s.feed_input(&bytes[pos..pos + n], now).is_err() {
                break 'segments;
            }
            pos += n;
            run.peak_buffered = run.peak_buffered.max(s.buffered_input());
        }
        if let Some(w) = wait {
            now += w;
            s.handle_timeout(now);
        }
    }
    if script.eof {
        s.handle_eof(now);
    }
    host.serve(&mut s);
    if let Some(o) = s.take_output() {
        run.out.extend(o);
    }
    run
}

/// Splits output into frames, checking every length header; each frame's
/// XML must be UTF-8.
fn frames_of(out: &[u8]) -> Result<Vec<String>, TestCaseError> {
    let mut v = Vec::new();
    let mut rest = out;
    while !rest.is_empty() {
        prop_assert!(rest.len() >= 4, "truncated header");
        let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
        prop_assert!(len > 4 && len <= rest.len(), "bad frame length {len}");
        let xml = std::str::from_utf8(&rest[4..len]);
        prop_assert!(xml.is_ok(), "output frame not UTF-8");
        v.push(xml.unwrap().to_string());
        rest = &rest[len..];
    }
    Ok(v)
}

/// The clTRIDs `cN` of the responses, as N, in output order.
fn cltrid_indices(frames: &[String]) -> Vec<usize> {
    frames
        .iter()
        .filter_map(|f| cltrid_of(f))
        .filter_map(|t| t.strip_prefix('c')?.parse().ok())
        .collect()
}

thread_local! {
    /// Output frames seen, for the schema check at the end.
    static FRAMES: RefCell<BTreeSet<String>> = const { RefCell::new(BTreeSet::new()) };
}

/// Frames kept for xmllint (distinct ones; plenty to cover every shape).
const MAX_SCHEMA_FRAMES: usize = 4000;

#[test]
fn epp_output_is_independent_of_chunking_and_answer_order_and_schema_valid() {
    let strategy = (
        script(),
        prop::collection::vec(1usize..80, 0..16),
        prop::collection::vec(any::<usize>(), 0..8),
    );
    runner(1)
        .run(&strategy, |(script, cuts, order)| {
            let whole = run_epp(&script, &[], Vec::new());
            let frames = frames_of(&whole.out)?;
            prop_assert!(!frames.is_empty() && frames[0].contains("<greeting>"));
            // Responses come in command order.
            let idx = cltrid_indices(&frames);
            prop_assert!(
                idx.windows(2).all(|w| w[0] < w[1]),
                "responses out of command order: {idx:?}"
            );
            // Byte by byte.
            let bytes = run_epp(&script, &[1], Vec::new());
            prop_assert!(bytes.out == whole.out, "byte-by-byte output differs");
            // Generated cuts, and answers in a generated order.
            let cut = run_epp(&script, &cuts, Vec::new());
            prop_assert!(cut.out == whole.out, "output differs with cuts {cuts:?}");
            let shuffled = run_epp(&script, &cuts, order.clone());
            prop_assert!(
                shuffled.out == whole.out,
                "output differs with answer order {order:?}"
            );
            FRAMES.with(|f| {
                let mut f = f.borrow_mut();
                for x in frames {
                    if f.len() < MAX_SCHEMA_FRAMES {
                        f.insert(x);
                    }
                }
            });
            Ok(())
        })
        .unwrap();
    let frames: Vec<String> = FRAMES.with(|f| f.borrow().iter().cloned().collect());
    validate(&frames);
}

#[test]
fn epp_memory_stays_bounded_for_any_input_and_any_host() {
    // Floods of pipelined commands and big frames besides the scripts, and
    // hosts that answer late or never take output.
    let strategy = (
        script(),
        0u8..3,
        prop_oneof![Just(0usize), 1usize..4096, Just(16 * 1024)],
        0usize..2000,
    );
    runner(2)
        .run(&strategy, |(mut script, host_kind, read, flood)| {
            for _ in 0..flood {
                script.steps.push(Step::Hello);
            }
            if flood % 3 == 0 {
                script.steps.push(Step::BadXml(5));
            }
            let limits = limits_of(&script);
            // The input is made before the measure starts.
            let segs = segments(&script);
            let (held, peak) = peak_of(|| lazy_host(&segs, limits, host_kind, read));
            // What the session holds, against its Limits (a read is taken
            // whole while the session wants input).
            let read_max = if read == 0 { 64 * 1024 } else { read };
            prop_assert!(
                held.buffered <= limits.max_buffered_input + read_max,
                "buffered {} > {} + {read_max}",
                held.buffered,
                limits.max_buffered_input
            );
            prop_assert!(held.outstanding <= limits.max_in_flight);
            prop_assert!(
                held.output <= limits.max_pending_output + 8 * 1024,
                "pending output {} > {} + 8 KiB",
                held.output,
                limits.max_pending_output
            );
            // Heap: the limits, a read, and a constant.
            let bound = 3 * (limits.max_buffered_input + limits.max_pending_output)
                + 2 * limits.max_frame_size as usize
                + 2 * read_max
                + 256 * 1024;
            prop_assert!(peak <= bound, "peak heap {peak} > {bound}");
            MEMORY_PEAK.with(|m| m.set(m.get().max(peak)));
            Ok(())
        })
        .unwrap();
    let peak = MEMORY_PEAK.with(|m| m.get());
    eprintln!("epp memory property: largest heap peak of a session {peak} bytes");
}

thread_local! {
    static MEMORY_PEAK: Cell<usize> = const { Cell::new(0) };
}

struct Held {
    buffered: usize,
    outstanding: usize,
    output: usize,
}

/// A host that reads `read` bytes at a time (0: 64 KiB) while the session
/// wants input; `kind` 0 answers and writes everything, 1 answers every
/// other turn and writes 100 bytes a turn, 2 never answers nor writes
/// (commands pipelined and never read back). Returns the most the session
/// held.
fn lazy_host(segs: &[Segment], limits: Limits, kind: u8, read: usize) -> Held {
    let mut now = t0();
    let mut s = Session::new(epp_server(limits), now);
    let mut host = EppHost::new(Vec::new());
    let mut held = Held {
        buffered: 0,
        outstanding: 0,
        output: 0,
    };
    let read = if read == 0 { 64 * 1024 } else { read };
    let mut turn = 0u64;
    'segments: for (bytes, wait) in segs {
        let mut pos = 0;
        let mut idle = 0;
        while pos < bytes.len() && !s.is_finished() {
            turn += 1;
            match kind {
                0 => {
                    host.serve(&mut s);
                    s.take_output();
                }
                1 => {
                    if turn % 2 == 0 {
                        host.serve(&mut s);
                    }
                    let n = s.output().len().min(100);
                    s.consume_output(n);
                }
                _ => {}
            }
            held.outstanding = held.outstanding.max(s.outstanding());
            held.output = held.output.max(s.output().len());
            if !s.wants_input() {
                idle += 1;
                if kind == 2 || idle > 10_000 {
                    // Nothing will ever make room: the host stops reading.
                    break 'segments;
                }
                continue;
            }
            let n = read.min(bytes.len() - pos);
            if s.feed_input(&bytes[pos..pos + n], now).is_err() {
                break 'segments;
            }
            pos += n;
            held.buffered = held.buffered.max(s.buffered_input());
            held.outstanding = held.outstanding.max(s.outstanding());
            held.output = held.output.max(s.output().len());
        }
        if let Some(w) = wait {
            now += *w;
            s.handle_timeout(now);
        }
    }
    held
}

// ---------------------------------------------------------------------------
// xmllint over the output frames
// ---------------------------------------------------------------------------

fn have_xmllint() -> bool {
    let ok = Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!(
                "xmllint is required in CI (Debian package libxml2-utils): the output \
                 frames cannot be validated without it"
            );
        }
        eprintln!(
            "NOTICE: xmllint not found; output frames NOT validated against epp-1.0.xsd \
             (apt-get install -y libxml2-utils)"
        );
    }
    ok
}

/// Every frame must validate against epp-1.0.xsd (the result values the
/// host gives and the object namespaces are declared by stub schemas, as
/// `anyType`, beside a driver that imports the unmodified epp-1.0.xsd).
fn validate(frames: &[String]) {
    if !have_xmllint() {
        return;
    }
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/schemas/epp-1.0.xsd");
    let xsd = xsd
        .canonicalize()
        .unwrap_or_else(|e| panic!("{}: {e}", xsd.display()));
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("properties-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut driver = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<schema xmlns=\"http://www.w3.org/2001/XMLSchema\" \
         targetNamespace=\"urn:libepp:test:driver\">\n<import namespace=\"urn:ietf:params:xml:ns:epp-1.0\" \
         schemaLocation=\"{}\"/>\n",
        xsd.display()
    );
    for (i, (ns, name)) in [(DOMAIN, "name")].iter().enumerate() {
        let stub = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<schema xmlns=\"http://www.w3.org/2001/XMLSchema\" \
             targetNamespace=\"{ns}\" elementFormDefault=\"qualified\">\n<element name=\"{name}\" \
             type=\"anyType\"/>\n</schema>\n"
        );
        std::fs::write(dir.join(format!("stub-{i}.xsd")), stub).unwrap();
        driver.push_str(&format!(
            "<import namespace=\"{ns}\" schemaLocation=\"stub-{i}.xsd\"/>\n"
        ));
    }
    driver.push_str("</schema>\n");
    let driver_path = dir.join("driver.xsd");
    std::fs::write(&driver_path, driver).unwrap();
    let files: Vec<_> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let p = dir.join(format!("f{i:05}.xml"));
            std::fs::write(&p, f).unwrap();
            p
        })
        .collect();
    let failures: Vec<String> = std::thread::scope(|sc| {
        let handles: Vec<_> = files
            .chunks(files.len().div_ceil(2).max(1))
            .map(|chunk| {
                let driver = &driver_path;
                sc.spawn(move || {
                    let out = Command::new("xmllint")
                        .args(["--noout", "--nonet", "--schema"])
                        .arg(driver)
                        .args(chunk)
                        .output()
                        .expect("run xmllint");
                    let err = String::from_utf8_lossy(&out.stderr).into_owned();
                    let ok = err.lines().filter(|l| l.ends_with(" validates")).count();
                    if ok == chunk.len() {
                        Vec::new()
                    } else {
                        err.lines()
                            .filter(|l| !l.ends_with(" validates"))
                            .map(str::to_string)
                            .collect()
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "output frames that do not validate against epp-1.0.xsd (in {}):\n{}",
        dir.display(),
        failures.join("\n")
    );
    eprintln!(
        "{} distinct output frames validate against epp-1.0.xsd",
        frames.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// The client engine
// ---------------------------------------------------------------------------

/// What the server sends the client after its greeting.
#[derive(Debug, Clone)]
enum ServerStep {
    /// A response to the n-th command sent (mod the number sent), or with an
    /// unknown clTRID, with this code.
    Response {
        to: u8,
        code: u16,
        known: bool,
    },
    /// A response carrying a message queue.
    Queue {
        to: u8,
    },
    /// Another greeting.
    Greeting,
    /// Not XML, or not EPP.
    BadFrame(u8),
    Garbage(Vec<u8>),
    BadLength(u32),
    /// Nothing for this many seconds (the response deadline, 60 s, and the
    /// keep-alive, 300 s, may pass).
    Wait(u16),
}

fn server_step() -> impl Strategy<Value = ServerStep> {
    prop_oneof![
        8 => (any::<u8>(), prop::sample::select(vec![1000u16, 1001, 1300, 1301, 1500, 2001, 2200, 2303, 2400, 2500, 2501, 2502]), prop::bool::weighted(0.9))
            .prop_map(|(to, code, known)| ServerStep::Response { to, code, known }),
        2 => any::<u8>().prop_map(|to| ServerStep::Queue { to }),
        1 => Just(ServerStep::Greeting),
        1 => (0u8..4).prop_map(ServerStep::BadFrame),
        1 => prop::collection::vec(any::<u8>(), 0..20).prop_map(ServerStep::Garbage),
        1 => prop_oneof![Just(0u32), Just(3), Just(4), Just(u32::MAX), 5u32..40].prop_map(ServerStep::BadLength),
        1 => prop_oneof![Just(30u16), Just(61), Just(301)].prop_map(ServerStep::Wait),
    ]
}

fn client_config() -> Arc<ClientConfig> {
    let mut b = ClientConfig::builder("registrar1", "secret-pw1");
    b.object_uri(DOMAIN)
        .object_uri(CONTACT)
        .extension_uri(SECDNS)
        .max_in_flight(4)
        .cl_trid_prefix("C-");
    b.build().unwrap()
}

fn greeting_bytes() -> Vec<u8> {
    frame(&config().greeting_xml(t0()))
}

fn response_xml(code: u16, cl_trid: &str, queue: bool) -> String {
    let q = if queue {
        "<msgQ count=\"2\" id=\"101\"><qDate>2027-01-15T08:00:00Z</qDate><msg>hi</msg></msgQ>"
    } else {
        ""
    };
    epp(&format!(
        "<response><result code=\"{code}\"><msg>m</msg></result>{q}<trID><clTRID>{cl_trid}</clTRID><svTRID>S-1</svTRID></trID></response>"
    ))
}

/// The commands the client sends after the greeting: login, then `n` more.
fn client_commands(c: &mut ClientSession, n: u8, now: SystemTime) {
    let _ = c.send(ClientCommand::login().with_cl_trid("C-L"), now);
    for i in 0..n {
        let cmd = match i % 4 {
            0 => ClientCommand::hello(),
            1 => ClientCommand::poll_request(),
            2 => ClientCommand::poll_ack("101"),
            _ => ClientCommand::object(
                CommandVerb::Check,
                format!(
                    r#"<domain:check xmlns:domain="{DOMAIN}"><domain:name>x{i}.example</domain:name></domain:check>"#
                ),
            ),
        };
        let _ = c.send(cmd.with_cl_trid(format!("C-{i}")), now);
    }
}

/// The server's bytes after the greeting, cut at the waits.
fn server_bytes(steps: &[ServerStep], n: u8) -> Vec<Segment> {
    let mut segs: Vec<Segment> = vec![(Vec::new(), None)];
    let trid = |to: u8| {
        let k = to % (n + 1);
        if k == 0 {
            "C-L".to_string()
        } else {
            format!("C-{}", k - 1)
        }
    };
    for s in steps {
        if let ServerStep::Wait(secs) = s {
            segs.last_mut().unwrap().1 = Some(Duration::from_secs(u64::from(*secs)));
            segs.push((Vec::new(), None));
            continue;
        }
        let v = &mut segs.last_mut().unwrap().0;
        match s {
            ServerStep::Wait(_) => {}
            ServerStep::Response { to, code, known } => {
                let t = if *known { trid(*to) } else { "other".into() };
                v.extend(frame(&response_xml(*code, &t, false)));
            }
            ServerStep::Queue { to } => v.extend(frame(&response_xml(1301, &trid(*to), true))),
            ServerStep::Greeting => v.extend(greeting_bytes()),
            ServerStep::BadFrame(k) => v.extend(frame(match k {
                0 => "<epp",
                1 => "<epp xmlns=\"urn:example:x\"><response/></epp>",
                2 => "<?xml version=\"1.0\"?><!DOCTYPE epp [<!ENTITY a \"a\">]><epp/>",
                _ => "plain text",
            })),
            ServerStep::Garbage(g) => v.extend(g),
            ServerStep::BadLength(n) => {
                v.extend(n.to_be_bytes());
                v.extend(b"<epp");
            }
        }
    }
    segs
}

/// Feeds the greeting then the rest, each cut after `cuts` (cycled; whole
/// when empty); events in order, and the output the client wrote.
fn run_client(
    greeting_cut: usize,
    rest: &[Segment],
    n: u8,
    cuts: &[usize],
    eof: bool,
) -> (Vec<Event>, Vec<u8>) {
    let mut now = t0();
    let mut c = ClientSession::new(client_config(), now);
    let mut events = Vec::new();
    let mut written = Vec::new();
    let g = greeting_bytes();
    let k = greeting_cut.min(g.len());
    for part in [&g[..k], &g[k..]] {
        if !part.is_empty() && c.feed_input(part, now).is_err() {
            break;
        }
        events.extend(c.drain_queue());
    }
    client_commands(&mut c, n, now);
    let mut ci = 0;
    'segments: for (bytes, wait) in rest {
        let mut pos = 0;
        while pos < bytes.len() && c.wants_input() {
            events.extend(c.drain_queue());
            written.extend(c.take_output().unwrap_or_default());
            let m = if cuts.is_empty() {
                bytes.len() - pos
            } else {
                ci += 1;
                cuts[(ci - 1) % cuts.len()].clamp(1, bytes.len() - pos)
            };
            if c.feed_input(&bytes[pos..pos + m], now).is_err() {
                break 'segments;
            }
            pos += m;
        }
        if let Some(w) = wait {
            now += *w;
            c.handle_timeout(now);
        }
    }
    if eof {
        c.handle_eof(now);
    }
    events.extend(c.drain_queue());
    written.extend(c.take_output().unwrap_or_default());
    (events, written)
}

#[test]
fn client_events_are_independent_of_chunking() {
    let strategy = (
        prop::collection::vec(server_step(), 0..24),
        0u8..8,
        0usize..2000,
        prop::collection::vec(1usize..60, 1..12),
        any::<bool>(),
    );
    runner(2)
        .run(&strategy, |(steps, n, gcut, cuts, eof)| {
            let rest = server_bytes(&steps, n);
            let whole = run_client(usize::MAX, &rest, n, &[], eof);
            let cut = run_client(gcut, &rest, n, &cuts, eof);
            prop_assert_eq!(&cut, &whole);
            let bytes = run_client(1, &rest, n, &[1], eof);
            prop_assert_eq!(&bytes, &whole);
            // What the client wrote is well framed.
            let _ = frames_of(&whole.1)?;
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------------------
// The ETP engine
// ---------------------------------------------------------------------------

mod etp_gen {
    use super::*;
    use epp::etp::{
        encode_message, Acknowledge, CloseSession, Config, ErrorCode, Limits, MessageHeader,
        ProtocolException, Record, RenewSecurityToken, Request, RequestSession, Session,
        SupportedProtocol, Uuid, Version,
    };

    /// One WebSocket message from the client.
    #[derive(Debug, Clone)]
    pub enum Msg {
        RequestSession(Vec<i32>),
        Close,
        Renew,
        Ack,
        Exception,
        /// A message of a protocol, with a raw body.
        Other {
            protocol: i32,
            message_type: i32,
            flags: i32,
            body: Vec<u8>,
        },
        Garbage(Vec<u8>),
    }

    pub fn msg() -> impl Strategy<Value = Msg> {
        prop_oneof![
            3 => prop::collection::vec(prop_oneof![Just(3), Just(4), 0i32..30], 0..4)
                .prop_map(Msg::RequestSession),
            1 => Just(Msg::Close),
            1 => Just(Msg::Renew),
            1 => Just(Msg::Ack),
            1 => Just(Msg::Exception),
            8 => (
                prop_oneof![Just(0), Just(3), Just(4), -2i32..40],
                prop_oneof![0i32..10, Just(1000), Just(1001)],
                prop_oneof![Just(0), Just(2), Just(3), any::<i32>()],
                prop::collection::vec(any::<u8>(), 0..24)
            )
                .prop_map(|(protocol, message_type, flags, body)| Msg::Other {
                    protocol,
                    message_type,
                    flags,
                    body
                }),
            2 => prop::collection::vec(any::<u8>(), 0..30).prop_map(Msg::Garbage),
        ]
    }

    fn header(protocol: i32, message_type: i32, id: i64, flags: i32) -> MessageHeader {
        MessageHeader {
            protocol,
            message_type,
            correlation_id: 0,
            message_id: id,
            message_flags: flags,
        }
    }

    pub fn bytes(m: &Msg, id: i64) -> Vec<u8> {
        match m {
            Msg::RequestSession(ps) => encode_message(
                &header(0, 1, id, 0),
                &RequestSession {
                    application_name: "probe".into(),
                    application_version: "0".into(),
                    requested_protocols: ps
                        .iter()
                        .map(|&p| SupportedProtocol::new(p, Version::V1_1, "store"))
                        .collect(),
                    supported_objects: vec!["obj".into()],
                },
            ),
            Msg::Close => encode_message(
                &header(0, 5, id, 0),
                &CloseSession {
                    reason: Some("bye".into()),
                },
            ),
            Msg::Renew => encode_message(
                &header(0, 6, id, 0),
                &RenewSecurityToken {
                    token: "tok".into(),
                },
            ),
            Msg::Ack => encode_message(&header(0, 1001, id, 0), &Acknowledge),
            Msg::Exception => encode_message(
                &header(0, 1000, id, 0),
                &ProtocolException {
                    error_code: ErrorCode(5),
                    error_message: "x".into(),
                },
            ),
            Msg::Other {
                protocol,
                message_type,
                flags,
                body,
            } => {
                let mut v = Vec::new();
                header(*protocol, *message_type, id, *flags).encode(&mut v);
                v.extend_from_slice(body);
                v
            }
            Msg::Garbage(g) => g.clone(),
        }
    }

    pub fn session(small: bool) -> Session {
        let mut b = Config::builder();
        b.application_name("libepp test server")
            .application_version("1.0")
            .supported_object("application/x-witsml+xml;version=1.4.1.1;type=well");
        if small {
            b.limits(Limits {
                max_in_flight: 2,
                max_pending_output: 256,
                max_buffered_input: 512,
            });
        }
        Session::new(b.build().unwrap(), Uuid::from_bytes([7; 16]))
    }

    /// Answers one request the way the host always does (by its id).
    pub fn answer(s: &mut Session, r: Request) {
        let r = match r {
            Request::Message(m) => match m.header.message_id % 3 {
                0 => s.raise(m.id, ErrorCode(7), "not supported"),
                1 => s.respond(m.id, 2, 0, &[0, 2, 4]),
                _ => s.finish(m.id),
            },
            Request::RenewToken(t) => s.finish(t.id),
            _ => Ok(()),
        };
        if let Err(e) = r {
            assert!(s.is_finished(), "answer refused: {e}");
        }
    }
}

/// Runs the messages; the host answers every request as soon as it comes.
/// `eager` takes output after every message, else only when the session
/// stops reading and at the end. Returns every message sent.
fn run_etp(msgs: &[etp_gen::Msg], small: bool, eager: bool, eof: bool) -> Vec<Vec<u8>> {
    fn answer_all(s: &mut epp::etp::Session) {
        while let Some(r) = s.poll_queue() {
            etp_gen::answer(s, r);
        }
    }
    let mut s = etp_gen::session(small);
    let mut sent = Vec::new();
    let mut take = |s: &mut epp::etp::Session| loop {
        answer_all(s);
        match s.poll_output() {
            Some(m) => sent.push(m),
            None => break,
        }
    };
    for (i, m) in msgs.iter().enumerate() {
        answer_all(&mut s);
        if s.is_finished() {
            break;
        }
        if eager || !s.wants_input() {
            take(&mut s);
        }
        if !s.wants_input() {
            break;
        }
        if s.feed_message(&etp_gen::bytes(m, i as i64 + 1)).is_err() {
            break;
        }
    }
    answer_all(&mut s);
    if eof {
        s.handle_eof();
    }
    take(&mut s);
    sent
}

#[test]
fn etp_output_is_independent_of_when_the_host_takes_it_and_never_panics() {
    let strategy = (
        prop::collection::vec(etp_gen::msg(), 0..40),
        any::<bool>(),
        any::<bool>(),
    );
    runner(2)
        .run(&strategy, |(msgs, small, eof)| {
            let eager = run_etp(&msgs, small, true, eof);
            let lazy = run_etp(&msgs, small, false, eof);
            prop_assert_eq!(eager, lazy);
            Ok(())
        })
        .unwrap();
}
