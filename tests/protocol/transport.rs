//! protocol.md, "Transport (RFC 5734)" and the client habits about framing
//! in "What real clients do".

use epp::{CloseReason, Limits, ResultCode, SessionError, SessionState};

use crate::common::*;
use crate::support::*;
use crate::{largest_allocation, reset_largest_allocation};

const DEFAULT_MAX: u32 = 256 * 1024;

fn header(len: u32) -> [u8; 4] {
    len.to_be_bytes()
}

/// The one 2500 a bad length gets, then the session is over.
#[track_caller]
fn assert_bad_length_closes(c: &mut Conn, length: u32, limit: u32) {
    let r = c.one();
    assert_resp(
        &r,
        &response(
            &result(
                ResultCode::CommandFailedServerClosingConnection,
                &ext_value("frameLength", &length.to_string()),
            ),
            "",
            None,
        ),
    );
    let reason = reason_of(&r);
    assert!(
        reason.contains(&length.to_string()) && reason.contains(&limit.to_string()),
        "the reason must state the length {length} and the limit {limit}: {reason:?}"
    );
    assert!(c.s.is_finished(), "closed once the 2500 is taken");
    assert_eq!(c.s.state(), SessionState::Closed);
    assert_eq!(
        c.end_reason(),
        CloseReason::BadFrameLength { length, limit }
    );
    c.no_req();
    assert!(matches!(
        c.try_feed(&frame(&hello_xml())),
        Err(SessionError::Closed(_))
    ));
    c.silent();
}

#[test]
fn length_counts_the_four_header_bytes() {
    // A frame announcing exactly 4 + body is one frame: the hello is
    // answered and the next frame starts right after it.
    let mut c = Conn::new();
    let mut two = frame(&hello_xml());
    two.extend(frame(&hello_xml()));
    c.feed(&two);
    let g = c.out();
    assert_eq!(g.len(), 2);
    for f in g {
        assert_eq!(normalize(&f), normalize(&expected_greeting("x")));
    }
}

#[test]
fn length_five_is_the_smallest_frame() {
    // 5 = header + one byte: a frame (not well-formed XML: 2001), not a
    // framing error; the session goes on.
    let mut c = Conn::new();
    let mut f = header(5).to_vec();
    f.push(b'<');
    c.feed(&f);
    c.no_req();
    assert_2001(&c.one(), "epp");
    c.still_alive();
}

#[test]
fn length_below_five_is_2500_then_close() {
    for len in 0..5u32 {
        let mut c = Conn::new();
        // A valid frame follows in the same read: it must not be processed.
        let mut input = header(len).to_vec();
        input.extend(frame(&hello_xml()));
        c.feed(&input);
        assert_bad_length_closes(&mut c, len, DEFAULT_MAX);
    }
}

#[test]
fn length_above_max_frame_size_is_2500_then_close() {
    for len in [DEFAULT_MAX + 1, 1 << 20, u32::MAX] {
        let mut c = Conn::new();
        let mut input = header(len).to_vec();
        input.extend_from_slice(hello_xml().as_bytes());
        c.feed(&input);
        assert_bad_length_closes(&mut c, len, DEFAULT_MAX);
    }
}

#[test]
fn max_frame_size_is_configurable_and_inclusive() {
    let cfg = with_limits(Limits {
        max_frame_size: 1024,
        ..Limits::default()
    });
    // Exactly 1024 bytes, header included: accepted.
    let mut c = Conn::open(cfg.clone());
    let mut xml = hello_xml();
    xml.push_str(&" ".repeat(1024 - 4 - xml.len()));
    assert_eq!(frame(&xml).len(), 1024);
    c.send(&xml);
    assert!(c.one().contains("<greeting>"));
    // 1025: refused.
    let mut c = Conn::open(cfg);
    xml.push(' ');
    c.feed(&frame(&xml));
    assert_bad_length_closes(&mut c, 1025, 1024);
}

#[test]
fn bad_length_split_across_reads_is_still_2500() {
    // The header arrives one byte at a time.
    let mut c = Conn::new();
    for b in header(u32::MAX) {
        c.feed(&[b]);
    }
    assert_bad_length_closes(&mut c, u32::MAX, DEFAULT_MAX);
}

#[test]
fn announced_length_is_never_allocated_up_front() {
    // A 64 MiB limit, a 60 MiB announcement, and only a little data: the
    // session must not reserve the announced size.
    let cfg = with_limits(Limits {
        max_frame_size: 64 << 20,
        max_pending_output: 64 << 20,
        max_buffered_input: 64 << 20,
        ..Limits::default()
    });
    let announced: u32 = 60 << 20;
    for split_header in [false, true] {
        let mut c = Conn::open(cfg.clone());
        let mut input = header(announced).to_vec();
        input.extend(std::iter::repeat_n(b' ', 4000));
        reset_largest_allocation();
        if split_header {
            c.feed(&input[..2]);
            c.feed(&input[2..1000]);
            c.feed(&input[1000..]);
        } else {
            c.feed(&input);
        }
        let largest = largest_allocation();
        assert!(
            largest < 1 << 20,
            "allocated {largest} bytes for a frame announcing {announced} with 4000 received"
        );
        c.silent();
        c.no_req();
        c.s.handle_eof(c.now);
        assert_eq!(
            c.end_reason(),
            CloseReason::PeerClosedMidFrame { received: 4004 }
        );
    }
    // And a refused announcement allocates nothing of its size either.
    let mut c = Conn::new();
    reset_largest_allocation();
    c.feed(&header(u32::MAX));
    assert!(largest_allocation() < 1 << 20);
    assert_bad_length_closes(&mut c, u32::MAX, DEFAULT_MAX);
}

#[test]
fn eof_mid_frame_closes_and_dispatches_nothing() {
    let login = frame(&login_xml("registrar1", "secret-pw1", Some("ABC-1")));
    for cut in [1, 2, 3, 4, 5, login.len() / 2, login.len() - 1] {
        let mut c = Conn::new();
        // Fed in two reads to exercise the incremental reader as well.
        let half = cut / 2;
        c.feed(&login[..half]);
        c.feed(&login[half..cut]);
        c.s.handle_eof(c.now);
        c.silent();
        assert_eq!(
            c.end_reason(),
            CloseReason::PeerClosedMidFrame { received: cut },
            "cut at {cut}"
        );
        c.no_req(); // in particular no Login
        assert!(c.s.is_finished());
        assert_eq!(c.s.state(), SessionState::Closed);
        assert!(c.try_feed(&login[cut..]).is_err());
    }
}

#[test]
fn eof_between_frames_closes_as_peer_closed() {
    let mut c = Conn::logged_in();
    c.s.handle_eof(c.now);
    c.silent();
    assert_eq!(c.end_reason(), CloseReason::PeerClosed);
    assert!(c.s.is_finished());
}

#[test]
fn length_leaving_out_the_header_is_2001_then_2500() {
    // A client bug: the length counts only the XML. The session reads the
    // XML minus its last 4 bytes (a broken frame: 2001), then takes "epp>"
    // as the next length (2500 stating it, then close).
    for trailer in ["", "\r\n"] {
        let mut c = Conn::new();
        let xml = format!(
            "{}{trailer}",
            login_xml("registrar1", "secret-pw1", Some("ABC-1"))
        );
        let mut input = (xml.len() as u32).to_be_bytes().to_vec();
        input.extend_from_slice(xml.as_bytes());
        c.feed(&input);
        let tail: [u8; 4] = xml.as_bytes()[xml.len() - 4..].try_into().unwrap();
        let bogus = u32::from_be_bytes(tail);
        let frames = c.out();
        assert_eq!(frames.len(), 2, "{frames:#?}");
        assert_2001(&frames[0], "epp");
        assert_eq!(echoed(&frames[0]), None);
        let second = &frames[1];
        assert_resp(
            second,
            &response(
                &result(
                    ResultCode::CommandFailedServerClosingConnection,
                    &ext_value("frameLength", &bogus.to_string()),
                ),
                "",
                None,
            ),
        );
        let reason = reason_of(second);
        assert!(reason.contains(&bogus.to_string()) && reason.contains("262144"));
        assert_eq!(
            c.end_reason(),
            CloseReason::BadFrameLength {
                length: bogus,
                limit: DEFAULT_MAX
            }
        );
        c.no_req(); // the login was never dispatched
        assert!(c.s.is_finished());
    }
}

/// A scripted session touching every kind of frame, answered by the demo
/// host; returns the raw output.
fn scripted(chunks: &[usize]) -> Vec<u8> {
    let mut input = Vec::new();
    for x in [
        hello_xml(),
        poll_req_xml(Some("PRE-1")),
        "<epp xmlns='urn:ietf:params:xml:ns:epp-1.0'><hello/></epp>\r\n".to_string(),
        login_xml("registrar1", "wrong-pw-1", Some("L-1")),
        login_xml("registrar1", "secret-pw1", Some("L-2")),
        poll_req_xml(Some("P-1")),
        poll_ack_xml("101", Some("A-1")),
        "<epp xmlns='urn:ietf:params:xml:ns:epp-1.0'><command><poll op='req'></command></epp>"
            .to_string(),
        domain_check_xml(None),
        poll_req_xml(Some("P-2")),
        hello_xml(),
        logout_xml(Some("BYE-1")),
    ] {
        input.extend(frame(&x));
    }
    let mut s = epp::Session::new(server(), t0());
    let mut host = Host::demo();
    let out = run_chunks(&mut s, &mut host, &input, chunks, t0());
    assert!(s.is_finished());
    out
}

#[test]
fn output_does_not_depend_on_chunking() {
    let whole = scripted(&[]);
    let frames = unframe(&whole);
    assert_eq!(frames.len(), 13);
    schema_check(&frames);
    let len = frames.iter().map(|f| f.len() + 4).sum::<usize>();
    assert_eq!(len, whole.len());
    let plans: Vec<Vec<usize>> = vec![
        vec![1; 20_000],          // byte by byte
        vec![3; 10_000],          // odd chunks straddling headers
        vec![4096; 10],           // several frames per read
        vec![2, 2, 9, 1, 500, 4], // header split from body, then the rest
    ];
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    let mut random = Vec::new();
    for _ in 0..5_000 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        random.push((rng % 23 + 1) as usize);
    }
    for plan in plans.iter().chain(std::iter::once(&random)) {
        assert_eq!(
            scripted(plan),
            whole,
            "output changed with chunking {:?}...",
            &plan[..plan.len().min(8)]
        );
    }
}

#[test]
fn several_frames_in_one_read_and_header_split_from_body() {
    let mut c = Conn::new();
    // hello + hello + login + hello in one read: both hellos are answered,
    // the login is handed to the host, and input stops there until it is
    // answered (the rest is held).
    let mut input = frame(&hello_xml());
    input.extend(frame(&hello_xml()));
    let login = frame(&login_xml("registrar1", "secret-pw1", Some("ABC-1")));
    input.extend(&login);
    let upto_login = input.len();
    input.extend(frame(&hello_xml()));
    c.feed(&input);
    assert_eq!(c.s.buffered_input(), input.len() - upto_login);
    let g = c.out();
    assert_eq!(g.len(), 2);
    let epp::Request::Login(l) = c.req() else {
        panic!()
    };
    c.s.answer_login(l.id, epp::LoginAnswer::Accepted).unwrap();
    // The held hello is read once the login is answered.
    let out = c.out();
    assert_eq!(out.len(), 2);
    assert_eq!(code_of(&out[0]), 1000);
    assert!(out[1].contains("<greeting>"));
    // The header alone, then the body.
    let hello = frame(&hello_xml());
    c.feed(&hello[..4]);
    c.silent();
    c.feed(&hello[4..]);
    assert!(c.one().contains("<greeting>"));
}

#[test]
fn bad_length_behind_a_pending_command_comes_after_its_response() {
    let mut c = Conn::logged_in();
    let mut input = frame(&poll_req_xml(Some("BEFORE-1")));
    input.extend(header(2));
    c.feed(&input);
    let epp::Request::Poll(p) = c.req() else {
        panic!()
    };
    c.silent();
    assert!(!c.s.is_finished());
    c.s.answer_poll(p.id, epp::PollAnswer::Empty).unwrap();
    let out = c.out();
    assert_eq!(out.len(), 2, "{out:#?}");
    assert_resp(
        &out[0],
        &simple(ResultCode::SuccessNoMessages, Some("BEFORE-1")),
    );
    assert_eq!(code_of(&out[1]), 2500);
    assert!(c.s.is_finished());
    assert_eq!(
        c.end_reason(),
        CloseReason::BadFrameLength {
            length: 2,
            limit: DEFAULT_MAX
        }
    );
}

#[test]
fn the_schema_check_itself_rejects_invalid_responses() {
    // Guards the harness: a response that epp-1.0.xsd refuses must fail.
    if !schema_available() {
        return;
    }
    let bad = [
        // clTRID too short.
        simple(ResultCode::Success, Some("ab")).replace("<svTRID>*", "<svTRID>abc-1"),
        // msgQ without id.
        response(
            &result(ResultCode::Success, ""),
            "<msgQ count=\"1\"/>",
            None,
        )
        .replace("<svTRID>*", "<svTRID>abc-1"),
        // resData in an undeclared element of a known namespace.
        response(
            &result(ResultCode::Success, ""),
            &format!("<resData><d:nope xmlns:d=\"{DOMAIN}\"/></resData>"),
            None,
        )
        .replace("<svTRID>*", "<svTRID>abc-1"),
    ];
    for b in bad {
        let r = std::panic::catch_unwind(|| schema_check(std::slice::from_ref(&b)));
        assert!(r.is_err(), "accepted by the schema check: {b}");
    }
    let good = simple(ResultCode::Success, Some("abc")).replace("<svTRID>*", "<svTRID>abc-1");
    schema_check(&[good]);
}
