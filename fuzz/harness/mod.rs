//! The bodies of the fuzz targets, shared by `fuzz/fuzz_targets/*.rs`
//! (cargo-fuzz, nightly) and `tests/fuzz_regressions.rs` (stable `cargo
//! test`, which replays the inputs the fuzzers found), both through
//! `#[path]`. Each body takes the fuzzer's bytes and panics when an
//! invariant breaks; a panic inside libepp is of course a failure too.

#![allow(dead_code)]

pub mod capi;
pub mod client;
pub mod etp;
pub mod server;

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

/// xorshift64*: the host's decisions and the chunking where the input does
/// not spell them out, so that every run of an input is the same.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value, 0 included).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// True once in `n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// A chunk length for `remaining` bytes: often tiny, sometimes all.
    pub fn chunk(&mut self, remaining: usize) -> usize {
        let n = match self.below(6) {
            0 => 1,
            1 => 1 + self.below(8),
            2 => 1 + self.below(64),
            3 => 1 + self.below(4096),
            _ => remaining,
        };
        n.clamp(1, remaining.max(1))
    }
}

/// Splits EPP output (RFC 5734 frames) into bodies, checking each
/// header: a length of at least 5 that the bytes hold. With
/// `allow_truncated`, a last frame cut short (the host closed the session
/// and dropped output) is ignored.
pub fn split_frames(mut out: &[u8], allow_truncated: bool) -> Vec<&[u8]> {
    let mut bodies = Vec::new();
    while !out.is_empty() {
        if out.len() < 4 {
            assert!(
                allow_truncated,
                "output ends inside a frame header: {out:02x?}"
            );
            break;
        }
        let len = u32::from_be_bytes([out[0], out[1], out[2], out[3]]) as usize;
        assert!(len > 4, "output frame length {len}");
        if len > out.len() {
            assert!(
                allow_truncated,
                "output frame length {len} but {} bytes follow",
                out.len()
            );
            break;
        }
        bodies.push(&out[4..len]);
        out = &out[len..];
    }
    bodies
}

/// Checks that `body` is one well-formed, namespace-well-formed XML
/// document whose root is `root` (a local name): quick-xml reads it
/// without error, end tags match, attributes are unique, every prefix is
/// bound, every entity reference is predefined or a valid character.
pub fn check_xml(body: &[u8], root: &str) {
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => panic!("output is not UTF-8: {e}"),
    };
    let fail = |why: String| -> ! { panic!("output not well-formed: {why}\n{text}") };
    let mut reader = NsReader::from_reader(body);
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        let (ns, event) = match reader.read_resolved_event() {
            Ok(e) => e,
            Err(e) => fail(format!("{e}")),
        };
        let bound = !matches!(ns, ResolveResult::Unknown(_));
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if !bound {
                    fail("unbound prefix".into());
                }
                if depth == 0 {
                    roots += 1;
                    if e.local_name().as_ref() != root {
                        fail(format!("root is not <{root}>"));
                    }
                }
                for a in e.attributes() {
                    if let Err(err) = a {
                        fail(format!("attribute: {err}"));
                    }
                }
                if matches!(event, Event::Start(_)) {
                    depth += 1;
                }
            }
            Event::End(_) => {
                if depth == 0 {
                    fail("end tag without start".into());
                }
                depth -= 1;
            }
            Event::GeneralRef(ref r) => {
                if r.is_char_ref() {
                    if !matches!(r.resolve_char_ref(), Ok(Some(_))) {
                        fail("bad character reference".into());
                    }
                } else if !matches!(
                    &*r.borrow().into_inner(),
                    "amp" | "lt" | "gt" | "quot" | "apos"
                ) {
                    fail("undeclared entity".into());
                }
            }
            Event::Text(ref t)
                if depth == 0 && !t.as_ref().chars().all(|c| c.is_ascii_whitespace()) =>
            {
                fail("text outside the root".into());
            }
            Event::DocType(_) => fail("DOCTYPE in output".into()),
            Event::Eof => break,
            _ => {}
        }
    }
    if depth != 0 {
        fail("unclosed element".into());
    }
    if roots != 1 {
        fail(format!("{roots} root elements"));
    }
}

/// The text of the first `<name>...</name>` in `body`, as libepp renders
/// it (no attributes).
pub fn element_text<'a>(body: &'a [u8], name: &str) -> Option<&'a str> {
    let text = std::str::from_utf8(body).ok()?;
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = text.find(&open)? + open.len();
    let end = text[start..].find(&close)? + start;
    Some(&text[start..end])
}
