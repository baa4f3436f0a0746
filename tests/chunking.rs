//! Output never depends on how input is chunked, nor on the order in which
//! the host answers pipelined requests.

mod common;
use common::*;
use epp::{Limits, LoginAnswer, PollAnswer, Request, ServerConfig, Session};

/// A whole scripted session touching every kind of frame.
fn script() -> Vec<u8> {
    let mut v = Vec::new();
    for x in [
        hello_xml(),
        login_xml("registrar1", "wrong-pass", Some("T-1")),
        login_xml("registrar1", "secret-pw1", Some("T-2")),
        hello_xml(),
        poll_req_xml(Some("T-3")),
        poll_ack_xml("101", Some("T-4")),
        poll_req_xml(None),
        "<epp xmlns='urn:ietf:params:xml:ns:epp-1.0'><command><poll op='ack' msgID='102'/><clTRID>T-5 &amp; &lt;x&gt;</clTRID></command></epp>\r\n".to_string(),
        poll_req_xml(Some("T-6")),
        domain_check_xml(Some("T-7")),
        "<epp xmlns='urn:ietf:params:xml:ns:epp-1.0'><command><poll op='req'></command></epp>".to_string(),
        cmd("<poll op=\"ack\"/>", Some("T-8")),
        logout_xml(Some("T-9")),
    ] {
        v.extend(frame(&x));
    }
    v
}

fn run(chunks: &[usize]) -> Vec<u8> {
    let mut s = Session::new(server(), t0());
    let mut host = Host::demo();
    let out = run_chunks(&mut s, &mut host, &script(), chunks, t0());
    assert!(s.is_finished(), "session should end with logout");
    out
}

#[test]
fn whole_script_gives_expected_responses() {
    let out = run(&[]);
    let frames = unframe(&out);
    let codes: Vec<_> = frames
        .iter()
        .skip(1)
        .map(|f| {
            if f.contains("<greeting>") {
                0
            } else {
                code_of(f)
            }
        })
        .collect();
    assert_eq!(
        codes,
        [0, 2200, 1000, 0, 1301, 1000, 1301, 1000, 1300, 2101, 2001, 2003, 1500]
    );
    let trids: Vec<_> = frames.iter().map(|f| cltrid_of(f)).collect();
    assert_eq!(trids[7], None, "no clTRID sent, none echoed");
    assert_eq!(
        trids[8].as_deref(),
        Some("T-5 &amp; &lt;x&gt;"),
        "clTRID echoed escaped"
    );
    assert_eq!(trids[11], None, "malformed frame: no clTRID");
}

#[test]
fn byte_by_byte_equals_whole() {
    let whole = run(&[]);
    let n = script().len();
    assert_eq!(run(&vec![1; n]), whole);
}

#[test]
fn random_chunks_equal_whole() {
    let whole = run(&[]);
    let n = script().len();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..200 {
        let max = [2, 3, 7, 64, 500, 5000][round % 6];
        let chunks: Vec<usize> = (0..n).map(|_| 1 + (rng.next() % max) as usize).collect();
        assert_eq!(run(&chunks), whole, "round {round} with chunks up to {max}");
    }
}

#[test]
fn split_at_every_byte_equals_whole() {
    let whole = run(&[]);
    let n = script().len();
    for cut in 1..n {
        assert_eq!(run(&[cut, n - cut]), whole, "split at {cut}");
    }
}

/// Answers that depend only on the request, not on the order of answering.
fn stateless_answer(s: &mut Session, r: Request) {
    use epp::{AckAnswer, PollAnswer, PollMessage, Response, ResultCode};
    match r {
        Request::Poll(p) => {
            let text = format!(
                "message for {:?}",
                p.client_transaction_id.as_ref().map(|t| t.as_str())
            );
            let m = PollMessage::new(p.id.get() * 10, 3, t0(), text);
            s.answer_poll(p.id, PollAnswer::Message(m)).unwrap()
        }
        Request::PollAck(a) if a.message_id == 999 => {
            s.answer_ack(a.id, AckAnswer::UnknownMessage).unwrap()
        }
        Request::PollAck(a) => s
            .answer_ack(
                a.id,
                AckAnswer::Acked {
                    remaining: a.message_id % 7,
                },
            )
            .unwrap(),
        Request::Command(c) => s
            .answer_command(
                c.id,
                Response::new(ResultCode::UnimplementedCommand)
                    .with_message(format!("{} not here", c.verb)),
            )
            .unwrap(),
        Request::SessionEnd(_) => {}
        other => panic!("unexpected {other:?}"),
    }
}

/// Runs a pipelined batch in one write; the host collects every request
/// first and answers them in the order `order` leaves them.
fn pipelined(mut order: impl FnMut(&mut Vec<Request>)) -> Vec<u8> {
    let mut s = Session::new(server(), t0());
    let mut host = Host::demo();
    let mut out = s.take_output().unwrap();
    let login = frame(&login_xml("registrar1", "secret-pw1", Some("L-1")));
    s.feed_input(&login, t0()).unwrap();
    host.serve(&mut s);
    let mut input = Vec::new();
    for x in [
        poll_req_xml(Some("P-1")),
        domain_check_xml(Some("C-1")),
        hello_xml(),
        poll_ack_xml("101", Some("A-1")),
        poll_ack_xml("999", Some("A-2")),
        cmd(r#"<poll op="req" msgID="1"/>"#, Some("E-1")),
        poll_req_xml(Some("P-2")),
        domain_check_xml(None),
        logout_xml(Some("Z-1")),
    ] {
        input.extend(frame(&x));
    }
    s.feed_input(&input, t0()).unwrap();
    assert_eq!(s.buffered_input(), 0);
    let mut reqs: Vec<Request> = s.drain_queue().collect();
    assert_eq!(
        reqs.len(),
        7,
        "six commands and the session end after logout"
    );
    assert!(matches!(reqs.last(), Some(Request::SessionEnd(_))));
    order(&mut reqs);
    for r in reqs {
        stateless_answer(&mut s, r);
    }
    out.extend(s.take_output().unwrap());
    assert!(s.is_finished());
    out
}

#[test]
fn out_of_order_answers_come_out_in_order() {
    let in_order = pipelined(|_| {});
    let frames = unframe(&in_order);
    let codes: Vec<_> = frames
        .iter()
        .skip(2)
        .map(|f| {
            if f.contains("<greeting>") {
                0
            } else {
                code_of(f)
            }
        })
        .collect();
    assert_eq!(codes, [1301, 2101, 0, 1000, 2303, 2005, 1301, 2101, 1500]);
    let trids: Vec<_> = frames.iter().skip(2).map(|f| cltrid_of(f)).collect();
    let want = [
        Some("P-1"),
        Some("C-1"),
        None,
        Some("A-1"),
        Some("A-2"),
        Some("E-1"),
        Some("P-2"),
        None,
        Some("Z-1"),
    ];
    assert_eq!(trids, want.map(|t| t.map(String::from)));
    assert_eq!(pipelined(|r| r.reverse()), in_order, "reverse answer order");
    let mut rng = Rng(42);
    for round in 0..50 {
        let shuffled = pipelined(|r| {
            for i in (1..r.len()).rev() {
                let j = (rng.next() % (i as u64 + 1)) as usize;
                r.swap(i, j);
            }
        });
        assert_eq!(shuffled, in_order, "shuffle round {round}");
    }
}

#[test]
fn in_flight_bound_applies_backpressure() {
    let cfg = ServerConfig::builder("libepp test server")
        .object_uri(DOMAIN)
        .limits(Limits {
            max_in_flight: 4,
            ..Limits::default()
        })
        .sv_trid_epoch(7)
        .build()
        .unwrap();
    let mut s = Session::new(server_on(cfg), t0());
    let mut host = Host::demo();
    s.take_output();
    let login = frame(&cmd(
        &format!("<login><clID>registrar1</clID><pw>secret-pw1</pw><options><version>1.0</version><lang>en</lang></options><svcs><objURI>{DOMAIN}</objURI></svcs></login>"),
        Some("L-1"),
    ));
    // A login blocks reading until the host answers it.
    let mut input = login.clone();
    input.extend(frame(&poll_req_xml(Some("P-0"))));
    s.feed_input(&input, t0()).unwrap();
    assert_eq!(s.state(), epp::SessionState::LoginPending);
    assert!(!s.wants_input());
    let one = frame(&poll_req_xml(Some("P-0"))).len();
    assert_eq!(s.buffered_input(), one, "the poll waits behind the login");
    // Answering the login reads the held poll, answered in the same turn.
    assert_eq!(host.serve(&mut s), ["Login", "Poll"]);
    assert_eq!(s.buffered_input(), 0);
    let mut input = Vec::new();
    for i in 1..10 {
        input.extend(frame(&poll_req_xml(Some(&format!("P-{i}")))));
    }
    s.feed_input(&input, t0()).unwrap();
    assert!(!s.wants_input(), "stops after 4 in flight");
    assert_eq!(s.buffered_input(), 5 * one);
    let mut answered = 1;
    while s.outstanding() > 0 {
        let served = host.serve(&mut s).len();
        assert!(served > 0);
        answered += served;
        assert!(s.buffered_input() == 0 || !s.wants_input());
    }
    assert_eq!(answered, 10);
    assert!(s.wants_input());
    let frames = unframe(&s.take_output().unwrap());
    assert_eq!(frames.len(), 11);
    for (i, f) in frames[1..].iter().enumerate() {
        assert_eq!(cltrid_of(f), Some(format!("P-{i}")));
    }
}

/// A server whose sessions hold at most `max_buffered_input` bytes.
fn bounded_input_server(max_buffered_input: usize) -> std::sync::Arc<epp::Server> {
    with_limits(Limits {
        max_frame_size: 1024,
        max_buffered_input,
        ..Limits::default()
    })
}

#[test]
fn input_held_behind_a_login_is_bounded_and_a_refused_feed_takes_nothing() {
    let mut s = Session::new(bounded_input_server(2048), t0());
    s.take_output();
    let login = frame(&login_xml("registrar1", "secret-pw1", Some("L-1")));
    s.feed_input(&login, t0()).unwrap();
    assert_eq!(s.state(), epp::SessionState::LoginPending);
    assert!(!s.wants_input());
    let hello = frame(&hello_xml());
    // Reading on while no input is wanted is accepted up to the bound.
    let mut held = 0;
    while held + hello.len() <= 2048 {
        s.feed_input(&hello, t0()).unwrap();
        held += hello.len();
    }
    assert_eq!(s.buffered_input(), held);
    assert_eq!(
        s.feed_input(&hello, t0()),
        Err(epp::SessionError::InputBufferFull { limit: 2048 })
    );
    assert_eq!(s.buffered_input(), held, "a refused feed takes nothing");
    // Answering the login lets every held hello through, in order.
    let Some(Request::Login(l)) = s.poll_queue() else {
        panic!("a login")
    };
    s.answer_login(l.id, LoginAnswer::Accepted).unwrap();
    let frames = unframe(&s.take_output().unwrap());
    assert_eq!(frames.len(), 1 + held / hello.len());
    assert_eq!(code_of(&frames[0]), 1000);
    assert!(frames[1..].iter().all(|f| f.contains("<greeting>")));
    assert_eq!(s.buffered_input(), 0);
    assert!(s.wants_input());
}

#[test]
fn a_read_larger_than_the_bound_is_taken_while_input_is_wanted() {
    let mut s = Session::new(bounded_input_server(1024), t0());
    s.take_output();
    let hello = frame(&hello_xml());
    let read: Vec<u8> = hello.repeat(4096 / hello.len() + 1);
    assert!(read.len() > 1024);
    s.feed_input(&read, t0()).unwrap();
    let frames = unframe(&s.take_output().unwrap());
    assert_eq!(frames.len(), read.len() / hello.len());
    assert_eq!(s.buffered_input(), 0);
}

#[test]
fn end_of_input_waits_for_held_input_and_refuses_more() {
    let mut s = Session::new(server(), t0());
    s.take_output();
    let mut input = frame(&login_xml("registrar1", "secret-pw1", Some("L-1")));
    input.extend(frame(&poll_req_xml(Some("P-1"))));
    input.extend(&frame(&hello_xml())[..7]); // and half a frame
    s.feed_input(&input, t0()).unwrap();
    s.handle_eof(at(1));
    assert_eq!(
        s.feed_input(&frame(&hello_xml()), at(1)),
        Err(epp::SessionError::InputAfterEof)
    );
    assert_eq!(s.state(), epp::SessionState::LoginPending, "not yet");
    let Some(Request::Login(l)) = s.poll_queue() else {
        panic!("a login")
    };
    s.answer_login(l.id, LoginAnswer::Accepted).unwrap();
    // The held poll is read before the end of input takes effect.
    let Some(Request::Poll(p)) = s.poll_queue() else {
        panic!("the held poll")
    };
    let Some(Request::SessionEnd(end)) = s.poll_queue() else {
        panic!("then the end")
    };
    assert_eq!(
        end.reason,
        epp::CloseReason::PeerClosedMidFrame { received: 7 }
    );
    s.answer_poll(p.id, PollAnswer::Empty).unwrap();
    let frames = unframe(&s.take_output().unwrap());
    assert_eq!(
        frames.iter().map(|f| code_of(f)).collect::<Vec<_>>(),
        [1000, 1300]
    );
    assert!(s.is_finished());
}
