//! `etp`: the ETP Avro decoder and the ETP session over arbitrary
//! messages and host calls.
//!
//! Input: a flags byte (bit 0: small limits), then operations, each a
//! byte and its operands:
//!
//! | op % 8 | operation |
//! |---|---|
//! | 0, 1 | feed a message: 2-byte big-endian length, then that many bytes (fewer at the end) |
//! | 2 | the same, fed even when `wants_input` is false |
//! | 3 | answer a pending request: index byte, kind byte (finish, respond, raise), for respond a length byte and a body |
//! | 4 | take one output message |
//! | 5 | the host sends CloseSession |
//! | 6 | the peer's EOF |
//! | 7 | the host closes |
//!
//! Every message fed is also decoded as each Core record (a record that
//! decodes re-encodes to bytes that decode to the same). The session's
//! output: every message splits into a header and a body, its
//! `messageId`s count 1, 2, 3... and a Core message's body decodes.
//! After the operations: EOF, every request answered, all output taken,
//! and the session must be finished.

use std::sync::{Arc, OnceLock};

use epp::etp::{
    decode, encode, split_message, Acknowledge, CloseSession, Config, ErrorCode, Limits,
    OpenSession, ProtocolException, RenewSecurityToken, Request, RequestId, RequestSession,
    Session, SessionError, SessionState, Uuid, FLAG_FINAL_PART, FLAG_MULTI_PART,
};

fn configs() -> &'static [Arc<Config>; 2] {
    static CONFIGS: OnceLock<[Arc<Config>; 2]> = OnceLock::new();
    CONFIGS.get_or_init(|| {
        let small = {
            Config::builder()
                .limits(Limits {
                    max_in_flight: 2,
                    max_pending_output: 256,
                    max_buffered_input: 256,
                })
                .build()
                .expect("small ETP configuration")
        };
        [Config::builder().build().expect("ETP configuration"), small]
    })
}

/// Decodes `bytes` as `$t`; a success re-encodes stably.
macro_rules! roundtrip {
    ($t:ty, $bytes:expr) => {{
        if let Ok(v) = decode::<$t>($bytes) {
            let once = encode(&v);
            match decode::<$t>(&once) {
                Ok(again) => assert_eq!(encode(&again), once, "re-encoding differs"),
                Err(e) => panic!("a decoded record re-encodes to bytes that do not decode: {e}"),
            }
        }
    }};
}

/// Every Core record over `bytes`.
pub fn decode_all(bytes: &[u8]) {
    roundtrip!(RequestSession<'_>, bytes);
    roundtrip!(OpenSession<'_>, bytes);
    roundtrip!(CloseSession<'_>, bytes);
    roundtrip!(RenewSecurityToken<'_>, bytes);
    roundtrip!(ProtocolException<'_>, bytes);
    roundtrip!(Acknowledge, bytes);
}

struct Run {
    s: Session,
    /// Ids of the requests handed out and not finished.
    pending: Vec<RequestId>,
    next_id: i64,
    eof: bool,
    host_closed: bool,
    ends: usize,
}

impl Run {
    fn closed(&self) -> bool {
        matches!(self.s.state(), SessionState::Closing | SessionState::Closed)
    }

    fn poll(&mut self) {
        while let Some(r) = self.s.poll_queue() {
            if let Request::SessionEnd(_) = r {
                self.ends += 1;
                assert_eq!(self.ends, 1, "a second SessionEnd");
            } else if let Some(id) = r.id() {
                self.pending.push(id);
            }
        }
    }

    fn check_output(&mut self, m: &[u8]) {
        let (h, body) = match split_message(m) {
            Ok(x) => x,
            Err(e) => panic!("output message without a header: {e}"),
        };
        assert_eq!(h.message_id, self.next_id, "output messageIds out of order");
        self.next_id += 1;
        if h.protocol == 0 {
            match h.message_type {
                2 => {
                    decode::<OpenSession<'_>>(body).expect("OpenSession");
                }
                5 => {
                    decode::<CloseSession<'_>>(body).expect("CloseSession");
                }
                1000 => {
                    decode::<ProtocolException<'_>>(body).expect("ProtocolException");
                }
                _ => {}
            }
        } else if h.message_type == 1000 {
            decode::<ProtocolException<'_>>(body).expect("ProtocolException");
        }
    }

    fn take(&mut self) -> bool {
        match self.s.poll_output() {
            Some(m) => {
                self.check_output(&m);
                true
            }
            None => false,
        }
    }

    fn feed(&mut self, m: &[u8]) {
        let wants = self.s.wants_input();
        let closed = self.closed();
        match self.s.feed_message(m) {
            Ok(()) => assert!(!closed && !self.eof, "a closed session took input"),
            Err(SessionError::Closed(_)) => assert!(closed, "feed refused as closed"),
            Err(SessionError::InputAfterEof) => assert!(self.eof),
            Err(SessionError::InputBufferFull { .. }) => assert!(!wants),
            Err(e) => panic!("feed_message: {e}"),
        }
        self.poll();
    }

    fn answer(&mut self, index: usize, kind: u8, body: &[u8]) {
        if self.pending.is_empty() {
            return;
        }
        let id = self.pending.remove(index % self.pending.len());
        let result = match kind % 4 {
            0 => self.s.finish(id),
            1 => {
                let flags = [0, FLAG_MULTI_PART, FLAG_MULTI_PART | FLAG_FINAL_PART][body.len() % 3];
                // Types 100 to 163: never a Core type the output check decodes
                // (the host's bodies are its own business; a RenewToken is
                // a Core request).
                let r = self.s.respond(id, 100 + (kind >> 2) as i32, flags, body);
                if r.is_ok() && flags == FLAG_MULTI_PART {
                    // A part that is not the last: still outstanding.
                    self.pending.push(id);
                }
                r
            }
            _ => self.s.raise(
                id,
                ErrorCode(i32::from(kind >> 2)),
                std::str::from_utf8(body).unwrap_or("not UTF-8"),
            ),
        };
        match result {
            Ok(()) => {}
            Err(SessionError::Closed(_) | SessionError::AlreadyAnswered(_)) => {
                assert!(
                    self.closed() || self.eof || self.host_closed,
                    "answer refused while open: {result:?}"
                );
            }
            Err(e) => panic!("answer: {e}"),
        }
        self.poll();
    }
}

/// The `etp` target.
pub fn etp(data: &[u8]) {
    let Some((&flags, mut ops)) = data.split_first() else {
        return;
    };
    let config = configs()[usize::from(flags & 1)].clone();
    let mut run = Run {
        s: Session::new(config, Uuid::from_bytes([flags; 16])),
        pending: Vec::new(),
        next_id: 1,
        eof: false,
        host_closed: false,
        ends: 0,
    };
    let take = |ops: &mut &[u8], n: usize| -> Vec<u8> {
        let n = n.min(ops.len());
        let (a, b) = ops.split_at(n);
        *ops = b;
        a.to_vec()
    };
    while let Some((&op, rest)) = ops.split_first() {
        ops = rest;
        match op % 8 {
            0..=2 => {
                let len = take(&mut ops, 2);
                let len = match len[..] {
                    [a, b] => usize::from(u16::from_be_bytes([a, b])),
                    [a] => usize::from(a),
                    _ => 0,
                };
                let m = take(&mut ops, len);
                decode_all(&m);
                if let Ok((_, body)) = split_message(&m) {
                    decode_all(body);
                }
                if op % 8 == 2 || run.s.wants_input() {
                    run.feed(&m);
                } else {
                    while run.take() {}
                    if run.s.wants_input() {
                        run.feed(&m);
                    }
                }
            }
            3 => {
                let a = take(&mut ops, 2);
                let (index, kind) = (
                    usize::from(*a.first().unwrap_or(&0)),
                    *a.get(1).unwrap_or(&0),
                );
                let body = if kind % 4 == 0 {
                    Vec::new()
                } else {
                    let n = take(&mut ops, 1);
                    take(&mut ops, usize::from(*n.first().unwrap_or(&0)))
                };
                run.answer(index, kind, &body);
            }
            4 => {
                run.take();
            }
            5 => {
                let closed = run.closed() || run.host_closed;
                match run.s.close_session(Some("host closes")) {
                    Ok(()) => {}
                    Err(SessionError::Closed(_)) => {
                        assert!(closed || run.s.state() == SessionState::AwaitingRequest || run.eof)
                    }
                    Err(e) => panic!("close_session: {e}"),
                }
                run.poll();
            }
            6 => {
                run.s.handle_eof();
                run.eof = true;
                run.poll();
            }
            _ => {
                run.s.close();
                run.host_closed = true;
                run.poll();
            }
        }
    }
    // The end: EOF, every request answered, every message taken.
    run.s.handle_eof();
    run.eof = true;
    for _ in 0..100_000 {
        // Taking output makes room for held messages, which may queue
        // more requests: poll after taking.
        while run.take() {}
        run.poll();
        if run.pending.is_empty() && run.s.peek_output().is_none() {
            break;
        }
        run.answer(0, 0, &[]);
    }
    while run.take() {}
    assert!(
        run.s.is_finished(),
        "not finished after EOF with everything answered: {:?}",
        run.s.state()
    );
    assert_eq!(run.s.outstanding(), 0);
}
