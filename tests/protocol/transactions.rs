//! protocol.md, "Transactions": clTRID echo, svTRID, pipelining, and
//! recovery after 2001.

use std::collections::HashSet;

use epp::{
    AckAnswer, Limits, LoginAnswer, PollAnswer, PollMessage, Request, Response, ResultCode,
    ServerConfig, Session, SessionState,
};

use crate::common::*;
use crate::support::*;

/// A clTRID with markup characters, non-ASCII text and an inner space, as
/// written in XML, and its value.
const TRICKY_XML: &str = "ÄBC-&lt;&amp;&gt;\"'-日本 x";
const TRICKY: &str = "ÄBC-<&>\"'-日本 x";

fn login_cl(cl: Option<&str>) -> LoginXml {
    LoginXml {
        cl: cl.map(str::to_string),
        ..LoginXml::default()
    }
}

/// One response of every kind libepp writes, each to a command carrying
/// `cl` (raw XML text) or no clTRID.
fn every_kind_of_response(cl: Option<&str>) -> Vec<(&'static str, String)> {
    let mut v = Vec::new();
    // Before login.
    let mut c = Conn::new();
    v.push(("2002 before login", c.ask(&poll_req_xml(cl))));
    v.push(("2001 schema", c.ask(&cmd("<poll op=\"bogus\"/>", cl))));
    v.push(("2000 unknown", c.ask(&cmd("<frobnicate/>", cl))));
    for (label, l) in [
        (
            "2100",
            LoginXml {
                version: "2.0".into(),
                ..login_cl(cl)
            },
        ),
        (
            "2102",
            LoginXml {
                lang: "de".into(),
                ..login_cl(cl)
            },
        ),
        (
            "2307 login",
            LoginXml {
                objs: vec![WIDGET.into()],
                ..login_cl(cl)
            },
        ),
        (
            "2103 login",
            LoginXml {
                exts: vec![EXT_X.into()],
                ..login_cl(cl)
            },
        ),
    ] {
        v.push((label, c.ask(&l.xml())));
    }
    v.push((
        "2200",
        c.login_as(&login_cl(cl), LoginAnswer::BadCredentials),
    ));
    v.push((
        "2201",
        c.login_as(&login_cl(cl), LoginAnswer::AccountDisabled),
    ));
    v.push(("2400 login", c.login_as(&login_cl(cl), LoginAnswer::Failed)));
    c.send(&login_cl(cl).xml());
    let id = c.req().id().unwrap();
    c.s.answer_failure(id, None).unwrap();
    v.push(("2400 login failure", c.one()));
    v.push((
        "2200 (second failure)",
        c.login_as(&login_cl(cl), LoginAnswer::BadCredentials),
    ));
    v.push((
        "2501 (third failure)",
        c.login_as(&login_cl(cl), LoginAnswer::BadCredentials),
    ));
    let mut c = Conn::new();
    v.push((
        "2502",
        c.login_as(&login_cl(cl), LoginAnswer::SessionLimitExceeded),
    ));
    // Logged in.
    let mut c = Conn::new();
    v.push((
        "1000 login",
        c.login_as(&login_cl(cl), LoginAnswer::Accepted),
    ));
    v.push(("2002 login again", c.ask(&login_cl(cl).xml())));
    c.send(&poll_req_xml(cl));
    let id = c.req().id().unwrap();
    c.s.answer_poll(id, PollAnswer::Empty).unwrap();
    v.push(("1300", c.one()));
    c.send(&poll_req_xml(cl));
    let id = c.req().id().unwrap();
    c.s.answer_poll(
        id,
        PollAnswer::Message(PollMessage::new(5, 1, t0(), "hello")),
    )
    .unwrap();
    v.push(("1301", c.one()));
    v.push(("2005", c.ask(&cmd(r#"<poll op="req" msgID="5"/>"#, cl))));
    v.push(("2003", c.ask(&cmd(r#"<poll op="ack"/>"#, cl))));
    v.push(("2303 non-numeric", c.ask(&poll_ack_xml("x5", cl))));
    c.send(&poll_ack_xml("5", cl));
    let id = c.req().id().unwrap();
    c.s.answer_ack(id, AckAnswer::UnknownMessage).unwrap();
    v.push(("2303", c.one()));
    c.send(&poll_ack_xml("5", cl));
    let id = c.req().id().unwrap();
    c.s.answer_ack(id, AckAnswer::Acked { remaining: 0 })
        .unwrap();
    v.push(("1000 ack", c.one()));
    v.push(("2307", c.ask(&check_xml(HOST, None, cl))));
    v.push((
        "2103",
        c.ask(&check_xml(
            DOMAIN,
            Some(&format!("<x:data xmlns:x=\"{EXT_X}\"/>")),
            cl,
        )),
    ));
    for (label, answer) in [
        ("1000 command", Response::success()),
        ("2101", Response::new(ResultCode::UnimplementedCommand)),
        (
            "2302 with values",
            Response::new(ResultCode::ObjectExists)
                .with_value(format!("<d:name xmlns:d=\"{DOMAIN}\">a.example</d:name>")),
        ),
    ] {
        c.send(&check_xml(DOMAIN, None, cl));
        let id = c.req().id().unwrap();
        c.s.answer_command(id, answer).unwrap();
        v.push((label, c.one()));
    }
    c.send(&check_xml(DOMAIN, None, cl));
    let id = c.req().id().unwrap();
    c.s.answer_failure(id, Some("down")).unwrap();
    v.push(("2400 command", c.one()));
    v.push(("1500", c.logout(cl)));
    let mut c = Conn::logged_in();
    c.send(&check_xml(DOMAIN, None, cl));
    let id = c.req().id().unwrap();
    c.s.answer_command(
        id,
        Response::new(ResultCode::CommandFailedServerClosingConnection),
    )
    .unwrap();
    v.push(("2500", c.one()));
    v
}

#[test]
fn cltrid_is_echoed_exactly_on_every_kind_of_response() {
    let all = every_kind_of_response(Some(TRICKY_XML));
    assert!(all.len() >= 30);
    for (label, r) in &all {
        let echoed = echoed(r).unwrap_or_else(|| panic!("{label}: no clTRID in {r}"));
        assert_eq!(unescape(&echoed), TRICKY, "{label}: {r}");
    }
    // And as plain bytes for a plain value.
    for (label, r) in every_kind_of_response(Some("ABC-12345")) {
        assert!(
            r.contains("<trID><clTRID>ABC-12345</clTRID><svTRID>"),
            "{label}: {r}"
        );
    }
}

#[test]
fn cltrid_is_omitted_when_absent() {
    for (label, r) in every_kind_of_response(None) {
        assert!(!r.contains("clTRID"), "{label}: {r}");
        assert!(r.contains("<trID><svTRID>"), "{label}: {r}");
    }
}

#[test]
fn cltrid_reaches_the_host_unescaped() {
    let mut c = Conn::new();
    c.send(&login_cl(Some(TRICKY_XML)).xml());
    let Request::Login(l) = c.req() else { panic!() };
    assert_eq!(l.client_transaction_id.unwrap(), TRICKY);
    c.s.answer_login(l.id, LoginAnswer::Accepted).unwrap();
    let _ = c.one();
    c.send(&check_xml(DOMAIN, None, Some(TRICKY_XML)));
    let Request::Command(cm) = c.req() else {
        panic!()
    };
    assert_eq!(cm.client_transaction_id.unwrap(), TRICKY);
    c.s.answer_command(cm.id, Response::success()).unwrap();
    let _ = c.one();
}

#[test]
fn invalid_cltrid_is_not_echoed() {
    for bad in ["ab", &"x".repeat(65), "", "   ", &"日".repeat(65)] {
        // On a login: 2001, not a Login for the host.
        let mut c = Conn::new();
        let r = c.ask(&login_cl(Some(bad)).xml());
        assert_resp(
            &r,
            &response(
                &result(
                    ResultCode::CommandSyntaxError,
                    &ext_value("clTRID", bad.trim()),
                ),
                "",
                None,
            ),
        );
        // With another violation in the same command.
        let r = c.ask(&cmd("<poll op=\"bogus\"/>", Some(bad)));
        assert_eq!(code_of(&r), 2001);
        assert_eq!(echoed(&r), None, "{r}");
        c.login();
    }
}

#[test]
fn cltrid_whitespace_is_collapsed_like_an_xs_token() {
    // clTRID is an epp:trIDStringType (xs:token): its value has no leading,
    // trailing or doubled whitespace, and that value is what is echoed.
    let mut c = Conn::logged_in();
    c.send(&poll_req_xml(Some("  ABC \t\r\n 123  ")));
    let Request::Poll(p) = c.req() else { panic!() };
    assert_eq!(p.client_transaction_id.unwrap(), "ABC 123");
    c.s.answer_poll(p.id, PollAnswer::Empty).unwrap();
    assert_eq!(echoed(&c.one()).as_deref(), Some("ABC 123"));
}

#[test]
fn svtrid_is_unique_and_3_to_64_characters() {
    // Sessions of one server share its svTRID sequence.
    let server = server();
    let mut seen = HashSet::new();
    let mut sessions: Vec<Conn> = (0..3).map(|_| Conn::open(server.clone())).collect();
    for c in &mut sessions {
        c.login();
    }
    for round in 0..20 {
        for c in &mut sessions {
            c.send(&poll_req_xml(Some(&format!("R-{round}"))));
            let id = c.req().id().unwrap();
            c.s.answer_poll(id, PollAnswer::Empty).unwrap();
            let _ = c.one();
            let _ = c.ask("<epp/>"); // 2001s get svTRIDs too
        }
    }
    for c in &mut sessions {
        let _ = c.logout(None);
        for f in &c.frames {
            if f.contains("<response>") {
                let sv = sv_trid_of(f);
                assert!((3..=64).contains(&sv.chars().count()), "{sv}");
                assert!(seen.insert(sv.clone()), "duplicate svTRID {sv}");
            }
        }
    }
    assert_eq!(seen.len(), 3 * (1 + 40 + 1));
}

#[test]
fn svtrid_is_unique_across_restarts() {
    // Two runs of the same server (no explicit epoch): the second starts
    // later; their svTRIDs never collide.
    let run = |start: u64| {
        let cfg = ServerConfig::builder("libepp restart test")
            .object_uri(DOMAIN)
            .build()
            .unwrap();
        let mut c = Conn::at(cfg, at(start));
        let _ = c.one();
        let mut v = Vec::new();
        for _ in 0..5 {
            v.push(sv_trid_of(&c.ask(&poll_req_xml(None))));
        }
        v
    };
    let first: HashSet<_> = run(0).into_iter().collect();
    let second: HashSet<_> = run(1).into_iter().collect();
    assert_eq!(first.len(), 5);
    assert!(first.is_disjoint(&second), "{first:?} / {second:?}");
}

#[test]
fn svtrid_stays_within_64_characters_at_the_extremes() {
    let cfg =
        ServerConfig::builder("A very long server identifier that goes on and on, 64 characters")
            .object_uri(DOMAIN)
            .sv_trid_epoch(u64::MAX)
            .build()
            .unwrap();
    let mut c = Conn::open(cfg);
    let r = c.ask(&poll_req_xml(None));
    let sv = sv_trid_of(&r);
    assert!((3..=64).contains(&sv.len()), "{sv}");
}

#[test]
fn session_goes_on_after_2001() {
    let mut c = Conn::new();
    for garbage in [
        "<".to_string(),
        "not xml at all".to_string(),
        "<epp/>".to_string(),
        "<epp xmlns=\"urn:example\"><hello/></epp>".to_string(),
        login_xml("ab", "secret-pw1", Some("G-1")),
        "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><login>".to_string(),
    ] {
        let r = c.ask(&garbage);
        assert_eq!(code_of(&r), 2001, "{garbage}: {r}");
        assert_eq!(c.s.state(), SessionState::AwaitingLogin);
    }
    c.login();
    let r = c.ask(
        "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><poll op=\"req\"></command></epp>",
    );
    assert_eq!(code_of(&r), 2001);
    assert_eq!(c.s.state(), SessionState::LoggedIn);
    c.send(&poll_req_xml(Some("AFTER-1")));
    let Request::Poll(p) = c.req() else { panic!() };
    c.s.answer_poll(p.id, PollAnswer::Empty).unwrap();
    assert_resp(
        &c.one(),
        &simple(ResultCode::SuccessNoMessages, Some("AFTER-1")),
    );
}

#[test]
fn pipelined_commands_are_answered_in_order() {
    let mut c = Conn::logged_in();
    let mut input = Vec::new();
    for x in [
        poll_req_xml(Some("PL-1")),
        domain_check_xml(Some("PL-2")),
        "<epp>broken".to_string(),
        poll_ack_xml("101", Some("PL-4")),
        hello_xml(),
        cmd(r#"<poll op="req" msgID="1"/>"#, Some("PL-6")),
        check_xml(HOST, None, Some("PL-7")),
        domain_check_xml(Some("PL-8")),
    ] {
        input.extend(frame(&x));
    }
    c.feed(&input);
    let mut reqs = Vec::new();
    while let Some(r) = c.s.poll_queue() {
        reqs.push(r);
    }
    let kinds: Vec<_> = reqs.iter().map(|r| r.kind()).collect();
    use epp::RequestKind as K;
    assert_eq!(kinds, [K::Poll, K::Command, K::PollAck, K::Command]);
    c.silent();
    // Answered last to first.
    for r in reqs.into_iter().rev() {
        match r {
            Request::Poll(p) => c.s.answer_poll(p.id, PollAnswer::Empty).unwrap(),
            Request::PollAck(a) => {
                c.s.answer_ack(a.id, AckAnswer::Acked { remaining: 0 })
                    .unwrap()
            }
            Request::Command(cm) => {
                c.s.answer_command(cm.id, Response::new(ResultCode::UnimplementedCommand))
                    .unwrap()
            }
            other => panic!("{other:?}"),
        }
    }
    let out = c.out();
    let got: Vec<_> = out
        .iter()
        .map(|f| {
            if f.contains("<greeting>") {
                ("greeting".to_string(), None)
            } else {
                (code_of(f).to_string(), echoed(f))
            }
        })
        .collect();
    let want = [
        ("1300", Some("PL-1")),
        ("2101", Some("PL-2")),
        ("2001", None),
        ("1000", Some("PL-4")),
        ("greeting", None),
        ("2005", Some("PL-6")),
        ("2307", Some("PL-7")),
        ("2101", Some("PL-8")),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(c, t)| (c.to_string(), t.map(str::to_string)))
        .collect();
    assert_eq!(got, want);
    // svTRIDs follow command order.
    let svs: Vec<u64> = out
        .iter()
        .filter(|f| f.contains("<svTRID>"))
        .map(|f| sv_trid_of(f).rsplit('-').next().unwrap().parse().unwrap())
        .collect();
    assert!(svs.windows(2).all(|w| w[0] < w[1]), "{svs:?}");
}

fn in_flight_config(max: usize) -> std::sync::Arc<ServerConfig> {
    ServerConfig::builder("libepp test server")
        .object_uri(DOMAIN)
        .object_uri(CONTACT)
        .extension_uri(SECDNS)
        .limits(Limits {
            max_in_flight: max,
            ..Limits::default()
        })
        .build()
        .unwrap()
}

#[test]
fn in_flight_bound_stops_input_until_responses_drain() {
    for (cfg, max) in [(config(), 32), (in_flight_config(2), 2)] {
        let mut c = Conn::open(cfg);
        c.login();
        let one = frame(&poll_req_xml(Some("FLIGHT")));
        let input: Vec<u8> = one.repeat(max + 8);
        c.feed(&input);
        assert!(!c.s.wants_input(), "at most {max} in flight");
        assert_eq!(c.s.buffered_input(), one.len() * 8, "the rest is held");
        let mut ids = Vec::new();
        while let Some(r) = c.s.poll_queue() {
            ids.push(r.id().unwrap());
        }
        assert_eq!(ids.len(), max);
        // One answer frees one place: one held command is read.
        c.s.answer_poll(ids.remove(0), PollAnswer::Empty).unwrap();
        assert_eq!(c.out().len(), 1);
        assert_eq!(c.s.buffered_input(), one.len() * 7);
        ids.push(c.req().id().unwrap());
        c.no_req();
        // Draining everything reads the rest.
        for id in ids {
            c.s.answer_poll(id, PollAnswer::Empty).unwrap();
        }
        while let Some(r) = c.s.poll_queue() {
            c.s.answer_poll(r.id().unwrap(), PollAnswer::Empty).unwrap();
        }
        assert_eq!(c.out().len(), max + 7);
        assert_eq!(c.s.outstanding(), 0);
        assert_eq!(c.s.buffered_input(), 0);
        assert!(c.s.wants_input());
    }
}

#[test]
fn input_waits_while_a_login_is_pending() {
    let mut c = Conn::new();
    let login = frame(&LoginXml::default().xml());
    let mut input = login.clone();
    input.extend(frame(&poll_req_xml(Some("AFTER-LOGIN"))));
    c.feed(&input);
    assert_eq!(c.s.state(), SessionState::LoginPending);
    assert_eq!(c.s.buffered_input(), input.len() - login.len());
    let Request::Login(l) = c.req() else { panic!() };
    c.no_req();
    c.s.answer_login(l.id, LoginAnswer::Accepted).unwrap();
    assert_eq!(code_of(&c.one()), 1000);
    // The poll is read only now, in the logged-in state.
    assert!(matches!(c.req(), Request::Poll(_)));
    assert_eq!(c.s.buffered_input(), 0);
}

/// The svTRID handed to the host with each request is the one its response
/// carries, whatever the order of the answers and with frames libepp
/// answers itself (a 2001, a hello) in between.
#[test]
fn requests_carry_the_svtrid_of_their_response() {
    let mut s = Session::new(server(), t0());
    let t = t0();
    let ext = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0" xmlns:secDNS="{SECDNS}"><extension><secDNS:update><secDNS:rem><secDNS:all>true</secDNS:all></secDNS:rem></secDNS:update></extension></epp>"#
    );
    let mut input = Vec::new();
    for xml in [
        login_xml("registrar1", "secret-pw1", Some("C-LOGIN")),
        poll_req_xml(Some("C-POLL")),
        cmd("<poll op=\"bogus\"/>", Some("C-BAD")),
        poll_ack_xml("12", Some("C-ACK")),
        hello_xml(),
        domain_check_xml(Some("C-CHECK")),
        ext,
    ] {
        input.extend(frame(&xml));
    }
    s.feed_input(&input, t).unwrap();
    // The login first (everything behind it waits for its answer).
    let Some(Request::Login(login)) = s.poll_queue() else {
        panic!("a login request first")
    };
    let mut by_cl = vec![("C-LOGIN".to_string(), login.server_transaction_id.clone())];
    s.answer_login(login.id, LoginAnswer::Accepted).unwrap();
    let mut requests = Vec::new();
    while let Some(r) = s.poll_queue() {
        requests.push(r);
    }
    assert_eq!(requests.len(), 4, "{requests:?}");
    let mut extension_sv = None;
    // Answer in reverse order.
    for r in requests.into_iter().rev() {
        match r {
            Request::Poll(p) => {
                by_cl.push(("C-POLL".into(), p.server_transaction_id.clone()));
                s.answer_poll(p.id, PollAnswer::Empty).unwrap();
            }
            Request::PollAck(a) => {
                by_cl.push(("C-ACK".into(), a.server_transaction_id.clone()));
                s.answer_ack(a.id, AckAnswer::UnknownMessage).unwrap();
            }
            Request::Command(c) => {
                by_cl.push(("C-CHECK".into(), c.server_transaction_id.clone()));
                s.answer_command(c.id, Response::new(ResultCode::Success))
                    .unwrap();
            }
            Request::Extension(x) => {
                extension_sv = Some(x.server_transaction_id.clone());
                s.answer_command(x.id, Response::new(ResultCode::Success))
                    .unwrap();
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let responses = unframe(s.output());
    // greeting, login, poll, 2001, ack, greeting, check, extension
    assert_eq!(responses.len(), 8, "{responses:#?}");
    let sv_of = |xml: &str| sv_trid_of(xml);
    for (cl, sv) in &by_cl {
        let r = responses
            .iter()
            .find(|r| cltrid_of(r).as_deref() == Some(cl.as_str()))
            .unwrap_or_else(|| panic!("no response for {cl}"));
        assert_eq!(sv.to_string(), sv_of(r), "{cl}");
        assert!(*sv == *sv_of(r).as_str(), "{cl}");
    }
    assert_eq!(
        extension_sv.as_ref().unwrap().to_string(),
        sv_of(&responses[7])
    );
    // Set aside in frame order: login, poll, (the 2001), ack, check, extension.
    let seq = |cl: &str| by_cl.iter().find(|(c, _)| c == cl).unwrap().1.sequence();
    let bad: u64 = sv_of(&responses[3])
        .rsplit('-')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let order = [
        seq("C-LOGIN"),
        seq("C-POLL"),
        bad,
        seq("C-ACK"),
        seq("C-CHECK"),
        extension_sv.map(|x| x.sequence()).unwrap(),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
}
