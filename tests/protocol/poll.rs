//! protocol.md, "Poll": every row of the table, numeric msgQ ids, messages
//! kept until acked, and RFC 9038 for content in namespaces the session did
//! not log in with.

use std::time::Duration;

use epp::{
    AckAnswer, LoginAnswer, PollAnswer, PollMessage, Request, Response, ResultCode, SessionError,
};

use crate::common::*;
use crate::support::*;

/// Sends a poll request and answers it with `answer`; returns the response.
fn poll_with(c: &mut Conn, cl: Option<&str>, answer: PollAnswer) -> String {
    c.send(&poll_req_xml(cl));
    let Request::Poll(p) = c.req() else {
        panic!("expected a Poll request")
    };
    assert_eq!(p.client_transaction_id.as_ref().map(|t| t.as_str()), cl);
    c.s.answer_poll(p.id, answer).unwrap();
    c.one()
}

/// Sends an ack; the host must be asked about `expected_id`.
fn ack_with(
    c: &mut Conn,
    msg_id: &str,
    cl: Option<&str>,
    expected_id: u64,
    answer: AckAnswer,
) -> String {
    c.send(&poll_ack_xml(msg_id, cl));
    let Request::PollAck(a) = c.req() else {
        panic!("expected a PollAck request")
    };
    assert_eq!(a.message_id, expected_id);
    c.s.answer_ack(a.id, answer).unwrap();
    c.one()
}

fn msgq(count: u64, id: u64, qdate: &str, lang: &str, text: &str) -> String {
    format!("<msgQ count=\"{count}\" id=\"{id}\"><qDate>{qdate}</qDate><msg lang=\"{lang}\">{text}</msg></msgQ>")
}

const TRN_DATA: &str = "<domain:trnData xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\"><domain:name>a.example</domain:name><domain:trStatus>pending</domain:trStatus></domain:trnData>";
const HOST_DATA: &str = "<host:infData xmlns:host=\"urn:ietf:params:xml:ns:host-1.0\"><host:name>ns1.a.example</host:name></host:infData>";
const SECDNS_DATA: &str = "<secDNS:infData xmlns:secDNS=\"urn:ietf:params:xml:ns:secDNS-1.1\"><secDNS:maxSigLife>604800</secDNS:maxSigLife></secDNS:infData>";
const WIDGET_DATA: &str =
    "<w:infData xmlns:w=\"urn:example:widget-1.0\"><w:id>7</w:id></w:infData>";

// ---------------------------------------------------------------------------
// op="req", queue empty | 1300
// ---------------------------------------------------------------------------

#[test]
fn poll_req_on_empty_queue_is_1300() {
    let mut c = Conn::logged_in();
    let r = poll_with(&mut c, Some("POLL-1"), PollAnswer::Empty);
    assert_resp(&r, &simple(ResultCode::SuccessNoMessages, Some("POLL-1")));
}

// ---------------------------------------------------------------------------
// op="req", messages waiting | 1301 with <msgQ count id>, <qDate>, <msg lang>, optional resData
// ---------------------------------------------------------------------------

#[test]
fn poll_req_with_messages_is_1301_with_msgq() {
    let mut c = Conn::logged_in();
    let m = PollMessage::new(
        101,
        2,
        at(3600) + Duration::from_millis(5),
        "Transfer requested & <pending>",
    );
    let r = poll_with(&mut c, Some("POLL-2"), PollAnswer::Message(m));
    assert_resp(
        &r,
        &response(
            &result(ResultCode::SuccessAckToDequeue, ""),
            &msgq(
                2,
                101,
                "2027-01-15T09:00:00.005Z",
                "en",
                "Transfer requested &amp; &lt;pending&gt;",
            ),
            Some("POLL-2"),
        ),
    );
}

#[test]
fn poll_message_language_is_written() {
    let mut c = Conn::logged_in();
    let m = PollMessage {
        lang: Some("fr".into()),
        ..PollMessage::new(7, 1, t0(), "Transfert demandé")
    };
    let r = poll_with(&mut c, None, PollAnswer::Message(m));
    assert_resp(
        &r,
        &response(
            &result(ResultCode::SuccessAckToDequeue, ""),
            &msgq(1, 7, "2027-01-15T08:00:00.000Z", "fr", "Transfert demandé"),
            None,
        ),
    );
}

#[test]
fn poll_message_res_data_and_extension_in_login_namespaces_are_passed_through() {
    let mut c = Conn::logged_in(); // DOMAIN, CONTACT; secDNS
    let m = PollMessage {
        res_data: Some(TRN_DATA.into()),
        extension: Some(SECDNS_DATA.into()),
        ..PollMessage::new(8, 3, t0(), "Transfer requested")
    };
    let r = poll_with(&mut c, Some("POLL-3"), PollAnswer::Message(m));
    assert_resp(
        &r,
        &response(
            &result(ResultCode::SuccessAckToDequeue, ""),
            &format!(
                "{}<resData>{TRN_DATA}</resData><extension>{SECDNS_DATA}</extension>",
                msgq(3, 8, "2027-01-15T08:00:00.000Z", "en", "Transfer requested")
            ),
            Some("POLL-3"),
        ),
    );
}

// ---------------------------------------------------------------------------
// op="req" carrying a msgID | 2005
// ---------------------------------------------------------------------------

#[test]
fn poll_req_with_msgid_is_2005() {
    let mut c = Conn::logged_in();
    let r = c.ask(&cmd(r#"<poll op="req" msgID="101"/>"#, Some("POLL-4")));
    assert_resp(
        &r,
        &response(
            &result(
                ResultCode::ParameterValueSyntaxError,
                &ext_value("msgID", "101"),
            ),
            "",
            Some("POLL-4"),
        ),
    );
    c.still_alive();
}

// ---------------------------------------------------------------------------
// op="ack" without msgID | 2003
// ---------------------------------------------------------------------------

#[test]
fn poll_ack_without_msgid_is_2003() {
    let mut c = Conn::logged_in();
    let r = c.ask(&cmd(r#"<poll op="ack"/>"#, Some("POLL-5")));
    assert_eq!(code_of(&r), 2003, "{r}");
    assert_resp(
        &r,
        &response(
            &result_msg(
                ResultCode::RequiredParameterMissing,
                "poll op=\"ack\" needs a msgID",
                "",
            ),
            "",
            Some("POLL-5"),
        ),
    );
}

// ---------------------------------------------------------------------------
// op="ack", unknown id or another registrar's | 2303
// ---------------------------------------------------------------------------

#[test]
fn poll_ack_of_unknown_message_is_2303() {
    let mut c = Conn::logged_in();
    let r = ack_with(
        &mut c,
        "999",
        Some("POLL-6"),
        999,
        AckAnswer::UnknownMessage,
    );
    assert_resp(
        &r,
        &response(
            &result(ResultCode::ObjectDoesNotExist, &ext_value("msgID", "999")),
            "",
            Some("POLL-6"),
        ),
    );
    // Ids that cannot be ours (not numeric, too large) are 2303 without
    // asking the host.
    for bad in ["abc", "-1", "1.5", "99999999999999999999999"] {
        let r = c.ask(&poll_ack_xml(bad, Some("POLL-7")));
        assert_resp(
            &r,
            &response(
                &result(ResultCode::ObjectDoesNotExist, &ext_value("msgID", bad)),
                "",
                Some("POLL-7"),
            ),
        );
    }
}

#[test]
fn poll_ack_of_another_registrars_message_is_2303() {
    let mut host = Host::demo(); // registrar1 has messages 101 and 102
    let mut c = Conn::new();
    let l2 = LoginXml {
        clid: "registrar2".into(),
        pw: "secret-pw2".into(),
        ..LoginXml::default()
    };
    assert_eq!(code_of(&c.login_as(&l2, LoginAnswer::Accepted)), 1000);
    c.send(&poll_ack_xml("101", Some("THEIRS-1")));
    host.serve(&mut c.s);
    assert_resp(
        &c.one(),
        &response(
            &result(ResultCode::ObjectDoesNotExist, &ext_value("msgID", "101")),
            "",
            Some("THEIRS-1"),
        ),
    );
    // registrar1 still has it.
    let mut c1 = Conn::new();
    c1.send(&login_xml("registrar1", "secret-pw1", None));
    host.serve(&mut c1.s);
    let _ = c1.one();
    c1.send(&poll_req_xml(None));
    host.serve(&mut c1.s);
    assert!(c1.one().contains("<msgQ count=\"2\" id=\"101\">"));
}

// ---------------------------------------------------------------------------
// op="ack" success | 1000 with <msgQ count=remaining id=acked-id>, even when count is 0
// ---------------------------------------------------------------------------

#[test]
fn poll_ack_success_is_1000_with_msgq() {
    let mut c = Conn::logged_in();
    let r = ack_with(
        &mut c,
        "101",
        Some("POLL-8"),
        101,
        AckAnswer::Acked { remaining: 1 },
    );
    assert_resp(
        &r,
        &response(
            &result(ResultCode::Success, ""),
            "<msgQ count=\"1\" id=\"101\"/>",
            Some("POLL-8"),
        ),
    );
    let r = ack_with(&mut c, "102", None, 102, AckAnswer::Acked { remaining: 0 });
    assert_resp(
        &r,
        &response(
            &result(ResultCode::Success, ""),
            "<msgQ count=\"0\" id=\"102\"/>",
            None,
        ),
    );
}

// ---------------------------------------------------------------------------
// msgQ@id is numeric in everything libepp generates
// ---------------------------------------------------------------------------

#[test]
fn msgq_ids_are_numeric() {
    let mut c = Conn::logged_in();
    // A token msgID with surrounding whitespace is still the number.
    let r = ack_with(&mut c, " 42 ", None, 42, AckAnswer::Acked { remaining: 3 });
    let _ = poll_with(
        &mut c,
        None,
        PollAnswer::Message(PollMessage::new(u64::MAX, u64::MAX, t0(), "max")),
    );
    let _ = ack_with(
        &mut c,
        &u64::MAX.to_string(),
        None,
        u64::MAX,
        AckAnswer::UnknownMessage,
    );
    assert!(r.contains("id=\"42\""), "{r}");
    for f in &c.frames {
        let mut rest = f.as_str();
        while let Some(i) = rest.find("<msgQ ") {
            let tag = &rest[i..rest[i..].find('>').unwrap() + i];
            let id = tag
                .split("id=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            assert!(
                !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()),
                "{tag}"
            );
            rest = &rest[i + 1..];
        }
    }
}

// ---------------------------------------------------------------------------
// A message is removed only by its ack: a dropped connection loses nothing
// ---------------------------------------------------------------------------

#[test]
fn a_dropped_connection_loses_no_message() {
    let mut host = Host::demo();
    let session = |host: &mut Host| {
        let mut c = Conn::new();
        c.send(&login_xml("registrar1", "secret-pw1", None));
        host.serve(&mut c.s);
        assert_eq!(code_of(&c.one()), 1000);
        c.send(&poll_req_xml(None));
        let seen = host.serve(&mut c.s);
        assert_eq!(seen, ["Poll"], "libepp asks for nothing but the poll");
        c
    };
    // Polled, then the connection drops in every way a connection can.
    for end in 0..3 {
        let mut c = session(&mut host);
        assert!(c.one().contains("id=\"101\""));
        match end {
            0 => c.s.handle_eof(c.now),
            1 => c.s.close(),
            _ => {
                // Mid-frame, with an ack half sent.
                let ack = frame(&poll_ack_xml("101", None));
                c.feed(&ack[..ack.len() - 1]);
                c.s.handle_eof(c.now);
            }
        }
        let seen = host.serve(&mut c.s);
        assert_eq!(seen, ["SessionEnd"]);
    }
    // The message is still there; its ack removes it.
    let mut c = session(&mut host);
    assert!(c.one().contains("<msgQ count=\"2\" id=\"101\">"));
    c.send(&poll_ack_xml("101", None));
    host.serve(&mut c.s);
    assert!(c.one().contains("<msgQ count=\"1\" id=\"101\"/>"));
    c.send(&poll_req_xml(None));
    host.serve(&mut c.s);
    assert!(c.one().contains("<msgQ count=\"1\" id=\"102\">"));
}

// ---------------------------------------------------------------------------
// RFC 9038: content in a namespace the session did not log in with is
// moved into <extValue>, never sent raw
// ---------------------------------------------------------------------------

fn moved(xml: &str) -> String {
    format!("<extValue><value>{xml}</value><reason>*</reason></extValue>")
}

/// Each of `xmls` appears exactly once in `r`, inside an `<extValue>`, with
/// the RFC 9038 reason.
#[track_caller]
fn assert_moved(r: &str, xmls: &[(&str, &str)]) {
    for (xml, ns) in xmls {
        assert_eq!(r.matches(xml).count(), 1, "{r}");
        let want = format!(
            "<extValue><value>{xml}</value><reason>{ns} not in login services</reason></extValue>"
        );
        assert!(r.contains(&want), "expected {want} in {r}");
    }
}

#[test]
fn rfc9038_res_data_not_logged_in_is_moved_to_ext_value() {
    // Logged in with DOMAIN and CONTACT: HOST is offered but not chosen,
    // WIDGET not offered at all.
    let mut c = Conn::logged_in();
    let m = PollMessage {
        res_data: Some(HOST_DATA.into()),
        ..PollMessage::new(9, 1, t0(), "Host changed")
    };
    let r = poll_with(&mut c, Some("RFC9038-1"), PollAnswer::Message(m));
    assert_resp(
        &r,
        &response(
            &result(ResultCode::SuccessAckToDequeue, &moved(HOST_DATA)),
            &msgq(1, 9, "2027-01-15T08:00:00.000Z", "en", "Host changed"),
            Some("RFC9038-1"),
        ),
    );
    assert!(!r.contains("<resData>"), "{r}");
    assert_moved(&r, &[(HOST_DATA, HOST)]);

    // Mixed: the DOMAIN element stays in resData, the others move.
    let m = PollMessage {
        res_data: Some(format!("{HOST_DATA}{TRN_DATA}{WIDGET_DATA}")),
        ..PollMessage::new(10, 1, t0(), "Mixed")
    };
    let r = poll_with(&mut c, None, PollAnswer::Message(m));
    assert_resp(
        &r,
        &response(
            &result(
                ResultCode::SuccessAckToDequeue,
                &format!("{}{}", moved(HOST_DATA), moved(WIDGET_DATA)),
            ),
            &format!(
                "{}<resData>{TRN_DATA}</resData>",
                msgq(1, 10, "2027-01-15T08:00:00.000Z", "en", "Mixed")
            ),
            None,
        ),
    );
    assert_moved(&r, &[(HOST_DATA, HOST), (WIDGET_DATA, WIDGET)]);
}

#[test]
fn rfc9038_extension_not_logged_in_is_moved_to_ext_value() {
    let mut c = Conn::new();
    let l = LoginXml {
        exts: vec![],
        ..LoginXml::default()
    };
    assert_eq!(code_of(&c.login_as(&l, LoginAnswer::Accepted)), 1000);
    let m = PollMessage {
        res_data: Some(TRN_DATA.into()),
        extension: Some(SECDNS_DATA.into()),
        ..PollMessage::new(11, 1, t0(), "Transfer requested")
    };
    let r = poll_with(&mut c, Some("RFC9038-2"), PollAnswer::Message(m));
    assert_resp(
        &r,
        &response(
            &result(ResultCode::SuccessAckToDequeue, &moved(SECDNS_DATA)),
            &format!(
                "{}<resData>{TRN_DATA}</resData>",
                msgq(
                    1,
                    11,
                    "2027-01-15T08:00:00.000Z",
                    "en",
                    "Transfer requested"
                )
            ),
            Some("RFC9038-2"),
        ),
    );
    assert!(!r.contains("<extension>"), "{r}");
    assert_moved(&r, &[(SECDNS_DATA, SECDNS)]);
}

#[test]
fn rfc9038_applies_to_command_responses_too() {
    let mut c = Conn::logged_in();
    c.send(&domain_check_xml(Some("RFC9038-3")));
    let Request::Command(cm) = c.req() else {
        panic!()
    };
    c.s.answer_command(
        cm.id,
        Response::success()
            .with_res_data(format!("{TRN_DATA}{HOST_DATA}"))
            .with_extension(SECDNS_DATA),
    )
    .unwrap();
    let r = c.one();
    assert_resp(
        &r,
        &response(
            &result(ResultCode::Success, &moved(HOST_DATA)),
            &format!("<resData>{TRN_DATA}</resData><extension>{SECDNS_DATA}</extension>"),
            Some("RFC9038-3"),
        ),
    );
    assert_moved(&r, &[(HOST_DATA, HOST)]);
}

/// A poll message with count 0 contradicts its own 1301: the answer is
/// refused, nothing is written, and the request can still be answered.
#[test]
fn a_poll_message_with_count_0_is_refused() {
    let mut c = Conn::new();
    c.login();
    c.send(&poll_req_xml(Some("P-0")));
    let id = c.req().id().unwrap();
    let m = PollMessage::new(7, 0, t0(), "nothing");
    let e = c.s.answer_poll(id, PollAnswer::Message(m)).unwrap_err();
    assert!(
        matches!(&e, SessionError::InvalidAnswer(r) if r.contains("count is at least 1")),
        "{e:?}"
    );
    assert!(c.s.output().is_empty());
    c.s.answer_poll(id, PollAnswer::Message(PollMessage::new(7, 1, t0(), "one")))
        .unwrap();
    let r = c.one();
    assert!(r.contains(r#"<msgQ count="1" id="7">"#), "{r}");
}
