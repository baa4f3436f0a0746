//! Hostile input never panics the core: mutated frames (byte flips,
//! insertions, deletions, truncations, splices of markup) go through a
//! logged-in session, and every byte it writes is a well-framed UTF-8
//! response. Deterministic: a fixed-seed PRNG, so a failure reproduces.

mod common;
use common::*;
use epp::{Request, Session};

const PIECES: &[&str] = &[
    "<",
    ">",
    "/>",
    "</",
    "&",
    "&amp;",
    "&#x0;",
    "&#65;",
    "&ent;",
    "\"",
    "'",
    "=",
    ":",
    "xmlns=",
    "xmlns:a=",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "<?",
    "?>",
    "<!DOCTYPE x>",
    "\u{feff}",
    "\u{0}",
    "é",
    "\u{10FFFF}",
    " ",
    "\r\n",
    "epp",
    "command",
    "login",
    "poll",
    "clTRID",
    "op=\"ack\"",
    "msgID=\"18446744073709551616\"",
];

fn mutate(rng: &mut Rng, doc: &str) -> Vec<u8> {
    let mut b = doc.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(b.len() + 1);
        match rng.below(5) {
            0 if !b.is_empty() => {
                let i = at.min(b.len() - 1);
                b[i] ^= 1 << rng.below(8);
            }
            1 => {
                let p = PIECES[rng.below(PIECES.len())].as_bytes();
                b.splice(at..at, p.iter().copied());
            }
            2 if at < b.len() => {
                let end = (at + 1 + rng.below(8)).min(b.len());
                b.drain(at..end);
            }
            3 => b.truncate(at),
            _ => {
                let n = rng.below(b.len().max(1));
                let piece: Vec<u8> = b[n..(n + rng.below(16)).min(b.len())].to_vec();
                b.splice(at..at, piece);
            }
        }
    }
    b
}

fn answer_everything(s: &mut Session, host: &mut Host) {
    while let Some(r) = s.poll_queue() {
        match r {
            Request::Poll(_) | Request::PollAck(_) | Request::Command(_) | Request::Login(_) => {
                host.answer(s, r)
            }
            _ => {}
        }
    }
}

#[test]
fn mutated_frames_never_panic_and_output_stays_well_framed() {
    let docs = [
        hello_xml(),
        login_xml("registrar1", "secret-pw1", Some("ABC-1")),
        poll_req_xml(Some("ABC-2")),
        poll_ack_xml("101", Some("ABC-3")),
        domain_check_xml(Some("ABC-4")),
        cmd(
            &format!(
                r#"<transfer op="request"><domain:transfer xmlns:domain="{DOMAIN}"><domain:name>a.example</domain:name></domain:transfer></transfer><extension><s:x xmlns:s="{SECDNS}"/></extension>"#
            ),
            Some("ABC-5"),
        ),
        logout_xml(None),
    ];
    let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
    let mut host = Host::demo();
    let mut codes = std::collections::BTreeMap::new();
    for round in 0..3000 {
        let mut s = Session::new(config(), t0());
        let mut out = s.take_output().unwrap_or_default();
        // Log in cleanly, then send mutated frames.
        s.feed_input(&frame(&login_xml("registrar1", "secret-pw1", None)), t0())
            .unwrap();
        answer_everything(&mut s, &mut host);
        for _ in 0..6 {
            let doc = &docs[rng.below(docs.len())];
            let bytes = mutate(&mut rng, doc);
            let mut f = ((bytes.len() + 4) as u32).to_be_bytes().to_vec();
            f.extend_from_slice(&bytes);
            let mut rest: &[u8] = &f;
            for _ in 0..100 {
                match s.feed_input(rest, t0()) {
                    Ok(n) => rest = &rest[n..],
                    Err(_) => break,
                }
                answer_everything(&mut s, &mut host);
                if rest.is_empty() {
                    break;
                }
            }
            out.extend(s.take_output().unwrap_or_default());
        }
        s.handle_eof(t0());
        answer_everything(&mut s, &mut host);
        out.extend(s.take_output().unwrap_or_default());
        let frames = unframe(&out);
        assert!(!frames.is_empty(), "round {round}");
        for f in &frames {
            assert!(
                f.starts_with("<?xml") && f.ends_with("</epp>"),
                "round {round}: {f}"
            );
            if f.contains("<result code=") {
                *codes.entry(code_of(f)).or_insert(0) += 1;
            }
        }
    }
    // The mutations reach every layer: framing, XML, schema, state machine.
    for want in [1000, 1301, 1500, 2001, 2101] {
        assert!(codes.contains_key(&want), "no {want} among {codes:?}");
    }
}

#[test]
fn random_byte_streams_never_panic() {
    let mut rng = Rng(7);
    for _ in 0..2000 {
        let mut s = Session::new(config(), t0());
        let len = rng.below(300);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if rng.below(2) == 0 && bytes.len() >= 4 {
            let n = (rng.below(200) + 5) as u32;
            bytes[..4].copy_from_slice(&n.to_be_bytes());
        }
        let _ = s.feed_input(&bytes, t0());
        s.handle_eof(t0());
        while s.poll_queue().is_some() {}
        if let Some(out) = s.take_output() {
            unframe(&out);
        }
    }
}
