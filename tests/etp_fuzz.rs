//! Arbitrary bytes never panic the ETP decoder or session, and what they
//! make either allocate stays within a constant times the input's size: a
//! counting allocator measures the peak of every decode and every feed.
//! 100,000 inputs from a fixed-seed PRNG (random bytes, mutated valid
//! messages, hostile counts and lengths), so a failure reproduces.
//!
//! Besides, for every input: a body that decodes re-encodes to bytes that
//! decode to the same encoding; a session answers each message with
//! exactly one ProtocolException or OpenSession (or the two messages of a
//! refusal), or with one item for the host, never both; the server's
//! message ids count from 1 and every ProtocolException is correlated to
//! the input's message id (0 when its header does not decode).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use epp::etp::{
    decode, encode, encode_message, split_message, Acknowledge, CloseSession, Config, CoreMessage,
    DataValue, MessageHeader, OpenSession, ProtocolException, Record, RenewSecurityToken, Request,
    RequestSession, Session, SupportedProtocol, Uuid, Version,
};

// ---------------------------------------------------------------------------
// A per-thread counting allocator
// ---------------------------------------------------------------------------

struct Counting;

thread_local! {
    static CURRENT: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn add(n: usize) {
    let _ = CURRENT.try_with(|c| {
        let v = c.get() + n as isize;
        c.set(v);
        let _ = PEAK.try_with(|p| {
            if v > p.get() {
                p.set(v)
            }
        });
    });
}

fn sub(n: usize) {
    let _ = CURRENT.try_with(|c| c.set(c.get() - n as isize));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            add(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            add(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        sub(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // The old and the new block may both exist during the move.
            add(new_size);
            sub(layout.size());
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f`; returns its result and the most bytes it had allocated at
/// once beyond what was allocated before it.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = CURRENT.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let v = f();
    let peak = PEAK.with(Cell::get) - base;
    (v, peak.max(0) as usize)
}

/// The bound every decode and feed must keep: a constant times the input
/// (decoded items are larger than their encoding: a map entry of two bytes
/// is a key and a `DataValue`), plus a constant (a ProtocolException's
/// text, the queue's first allocations).
fn bound(len: usize) -> usize {
    64 * len + 2048
}

// ---------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------

/// xorshift64*, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn header(protocol: i32, message_type: i32, message_id: i64) -> MessageHeader {
    MessageHeader {
        protocol,
        message_type,
        correlation_id: 0,
        message_id,
        message_flags: 0,
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let protocol = SupportedProtocol {
        protocol: 3,
        protocol_version: Version::V1_1,
        role: "store".into(),
        protocol_capabilities: vec![
            ("a".into(), DataValue::ArrayOfDouble(vec![1.0, 2.0])),
            ("b".into(), DataValue::Bytes(vec![1, 2, 3].into())),
            ("c".into(), DataValue::String("x".into())),
            ("d".into(), DataValue::Boolean(true)),
            ("e".into(), DataValue::Null),
        ],
    };
    let request = RequestSession {
        application_name: "probe".into(),
        application_version: "0".into(),
        requested_protocols: vec![
            protocol.clone(),
            SupportedProtocol::new(4, Version::V1_1, "store"),
        ],
        supported_objects: vec!["obj".into(), "other".into()],
    };
    let open = OpenSession {
        application_name: "s".into(),
        application_version: "1".into(),
        session_id: "id".into(),
        supported_protocols: vec![protocol],
        supported_objects: vec!["obj".into()],
    };
    vec![
        encode_message(&header(0, 1, 1), &request),
        encode_message(&header(0, 2, 2), &open),
        encode_message(
            &header(0, 5, 3),
            &CloseSession {
                reason: Some("bye".into()),
            },
        ),
        encode_message(&header(0, 5, 4), &CloseSession { reason: None }),
        encode_message(
            &header(0, 6, 5),
            &RenewSecurityToken {
                token: "tok".into(),
            },
        ),
        encode_message(
            &header(0, 1000, 6),
            &ProtocolException {
                error_code: epp::etp::ErrorCode(5),
                error_message: "E".into(),
            },
        ),
        encode_message(&header(0, 1001, 7), &Acknowledge),
        encode_message(
            &header(3, 1, 8),
            &RenewSecurityToken {
                token: "/uri".into(),
            },
        ),
        encode_message(&header(4, 2, 9), &Acknowledge),
    ]
}

/// A varint that is hostile where a count or a length is read.
fn hostile_long(rng: &mut Rng) -> Vec<u8> {
    let v: i64 = match rng.below(6) {
        0 => i64::MAX,
        1 => i64::MIN,
        2 => -1,
        3 => 1 << 40,
        4 => -(1 << 40),
        _ => rng.next() as i64,
    };
    let mut out = Vec::new();
    epp::etp::avro::write_long(&mut out, v);
    out
}

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(b.len() + 1);
        match rng.below(6) {
            0 if !b.is_empty() => {
                let i = at.min(b.len() - 1);
                b[i] ^= 1 << rng.below(8);
            }
            1 => {
                let v = hostile_long(rng);
                b.splice(at..at, v);
            }
            2 if at < b.len() => {
                let end = (at + 1 + rng.below(8)).min(b.len());
                b.drain(at..end);
            }
            3 => b.truncate(at),
            4 if at < b.len() => {
                let v = hostile_long(rng);
                let end = (at + v.len()).min(b.len());
                b.splice(at..end, v);
            }
            _ => {
                let x = rng.next() as u8;
                b.insert(at, x);
            }
        }
    }
    b
}

fn input(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    match rng.below(10) {
        0..=2 => {
            let n = if rng.below(4) == 0 {
                rng.below(512)
            } else {
                rng.below(24)
            };
            (0..n).map(|_| rng.next() as u8).collect()
        }
        3 => {
            // A valid header, then hostile bytes.
            let mut m = Vec::new();
            header(0, [1, 2, 5, 6, 1000, 1001][rng.below(6)], 1).encode(&mut m);
            for _ in 0..1 + rng.below(4) {
                if rng.below(2) == 0 {
                    m.extend(hostile_long(rng));
                } else {
                    m.push(rng.next() as u8);
                }
            }
            m
        }
        _ => {
            let i = rng.below(seeds.len());
            mutate(rng, &seeds[i])
        }
    }
}

// ---------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------

/// Decodes `bytes` as `$t`, within the bound; a success re-encodes
/// stably.
macro_rules! check_decode {
    ($t:ty, $bytes:expr) => {{
        let bytes: &[u8] = $bytes;
        let (decoded, peak) = peak_of(|| decode::<$t>(bytes));
        assert!(
            peak <= bound(bytes.len()),
            "{} decode of {} bytes peaked at {peak}: {bytes:02x?}",
            <$t as CoreMessage>::NAME,
            bytes.len()
        );
        if let Ok(v) = decoded {
            let once = encode(&v);
            let again = decode::<$t>(&once)
                .unwrap_or_else(|e| panic!("{}: {e}", <$t as CoreMessage>::NAME));
            assert_eq!(encode(&again), once, "{}", <$t as CoreMessage>::NAME);
        }
    }};
}

fn config() -> std::sync::Arc<Config> {
    Config::builder().build().unwrap()
}

fn open_session(config: &std::sync::Arc<Config>) -> Session {
    let mut s = Session::new(config.clone(), Uuid::from_bytes([1; 16]));
    let request = RequestSession {
        application_name: "p".into(),
        application_version: "0".into(),
        requested_protocols: vec![SupportedProtocol::new(3, Version::V1_1, "store")],
        supported_objects: vec![],
    };
    s.feed_message(&encode_message(&header(0, 1, 1), &request))
        .unwrap();
    assert!(s.poll_output().is_some());
    s.drain_queue().for_each(drop);
    s
}

/// Feeds `m` to `s`, within the bound, and checks what comes out.
fn check_feed(mut s: Session, m: &[u8], open: bool) {
    let first_id = if open { 2 } else { 1 };
    let (r, peak) = peak_of(|| s.feed_message(m));
    r.unwrap();
    assert!(
        peak <= bound(m.len()),
        "feeding {} bytes peaked at {peak}: {m:02x?}",
        m.len()
    );
    let input_id = split_message(m).map_or(0, |(h, _)| h.message_id);
    let out: Vec<Vec<u8>> = std::iter::from_fn(|| s.poll_output()).collect();
    let queue: Vec<Request> = s.drain_queue().collect();
    let mut ids = Vec::new();
    for o in &out {
        let (h, body) = split_message(o).expect("output header");
        ids.push(h.message_id);
        assert_eq!(h.protocol, 0);
        match h.message_type {
            1000 => {
                decode::<ProtocolException<'_>>(body).expect("ProtocolException");
                assert_eq!(h.correlation_id, input_id);
            }
            2 => {
                decode::<OpenSession<'_>>(body).expect("OpenSession");
                assert_eq!(h.correlation_id, input_id);
            }
            5 => {
                decode::<CloseSession<'_>>(body).expect("CloseSession");
            }
            t => panic!("the engine sent message type {t}"),
        }
    }
    let expected: Vec<i64> = (first_id..first_id + out.len() as i64).collect();
    assert_eq!(ids, expected);
    match (out.len(), queue.len()) {
        // A ProtocolException, or OpenSession and Opened.
        (1, 0) | (1, 1) => {}
        // ENOSUPPORTEDPROTOCOLS, CloseSession, and SessionEnd.
        (2, 1) => assert!(matches!(queue[0], Request::SessionEnd(_))),
        // For the host: a message, a token, news, or the client's close.
        (0, 1) => assert!(open, "{queue:?}"),
        (0, 2) => assert!(matches!(queue[1], Request::SessionEnd(_)), "{queue:?}"),
        other => panic!("{other:?} for {m:02x?}: {queue:?}"),
    }
    if out.len() == 1 && queue.len() == 1 {
        assert!(matches!(queue[0], Request::Opened(_)), "{queue:?}");
    }
}

#[test]
fn arbitrary_bytes_never_panic_and_stay_bounded() {
    let seeds = seeds();
    for s in &seeds {
        // The seeds are valid.
        split_message(s).unwrap();
    }
    let config = config();
    let mut rng = Rng(0x5eed_e7b0_1100_0010);
    let mut decoded = [0usize; 6];
    for _ in 0..100_000 {
        let m = input(&mut rng, &seeds);
        for (i, body) in [&m[..], split_message(&m).map_or(&[][..], |(_, b)| b)]
            .into_iter()
            .enumerate()
        {
            check_decode!(RequestSession<'_>, body);
            check_decode!(OpenSession<'_>, body);
            check_decode!(CloseSession<'_>, body);
            check_decode!(RenewSecurityToken<'_>, body);
            check_decode!(ProtocolException<'_>, body);
            check_decode!(Acknowledge, body);
            if i == 1 && decode::<RequestSession<'_>>(body).is_ok() {
                decoded[0] += 1;
            }
        }
        let (_, peak) = peak_of(|| MessageHeader::decode(&mut epp::etp::avro::Reader::new(&m)));
        assert_eq!(peak, 0, "a header decode allocates nothing");
        check_feed(
            Session::new(config.clone(), Uuid::from_bytes([0; 16])),
            &m,
            false,
        );
        check_feed(open_session(&config), &m, true);
        if split_message(&m).is_ok() {
            decoded[1] += 1;
        }
    }
    // The generator reaches past the header often, and sometimes makes a
    // RequestSession that decodes.
    assert!(decoded[1] > 30_000, "{decoded:?}");
    assert!(decoded[0] > 100, "{decoded:?}");
}

#[test]
fn hostile_counts_allocate_nothing_for_themselves() {
    // The allocator counts.
    let (v, peak) = peak_of(|| vec![0u8; 1000]);
    assert!(peak >= 1000);
    drop(v);
    // requestedProtocols claiming 2^40 items, and a negative count with a
    // huge byte size, behind a valid RequestSession start.
    for tail in [
        vec![0x80, 0x80, 0x80, 0x80, 0x80, 0x40],
        vec![0x81, 0x80, 0x80, 0x80, 0x80, 0x40, 0x02],
        vec![
            0x01, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        ],
    ] {
        let mut body = vec![0x02, b'a', 0x02, b'b'];
        body.extend(tail);
        let (r, peak) = peak_of(|| decode::<RequestSession<'_>>(&body));
        assert!(r.is_err());
        assert_eq!(peak, 0, "{body:02x?}");
    }
    // A string whose length is past the input.
    let (r, peak) = peak_of(|| decode::<RenewSecurityToken<'_>>(&[0xfe, 0xff, 0xff, 0xff, 0x0f]));
    assert!(r.is_err());
    assert_eq!(peak, 0);
}
