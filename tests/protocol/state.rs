//! protocol.md, "Session state machine" (every row), the timers, and
//! "Greeting".

use std::time::Duration;

use epp::{
    CloseReason, Dcp, DcpAccess, DcpExpiry, DcpPurpose, DcpRecipient, DcpRetention, DcpStatement,
    Limits, LoginAnswer, PollAnswer, RegistrarSessions, Request, Response, ResultCode,
    ServerConfig, SessionError, SessionState,
};

use crate::common::*;
use crate::support::*;

/// The session is over: closed once its output is taken, reports `reason`,
/// and takes no more input.
#[track_caller]
fn assert_closed(c: &mut Conn, reason: CloseReason) {
    assert!(c.s.is_finished(), "finished");
    assert_eq!(c.s.state(), SessionState::Closed);
    assert_eq!(c.end_reason(), reason.clone());
    c.no_req();
    assert_eq!(
        c.try_feed(&frame(&hello_xml())),
        Err(SessionError::Closed(reason))
    );
    c.silent();
}

/// Sends `xml` (one object command) and returns its request id.
fn command_id(c: &mut Conn, xml: &str) -> epp::RequestId {
    c.send(xml);
    match c.req() {
        Request::Command(cm) => cm.id,
        other => panic!("expected a Command, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// connection opens | greeting, before any input is read
// ---------------------------------------------------------------------------

#[test]
fn greeting_is_written_on_connect_before_any_input() {
    let mut c = Conn::at(config(), at(5) + Duration::from_millis(250));
    assert_eq!(c.s.state(), SessionState::AwaitingLogin);
    let g = c.one();
    assert_eq!(g, expected_greeting("2027-01-15T08:00:05.250Z"));
    c.no_req();
}

// ---------------------------------------------------------------------------
// <hello>, in any state | greeting (svDate is the current time)
// ---------------------------------------------------------------------------

#[test]
fn hello_before_login_gets_greeting_with_current_time() {
    let mut c = Conn::new();
    c.now = at(10) + Duration::from_millis(123);
    assert_eq!(
        c.ask(&hello_xml()),
        expected_greeting("2027-01-15T08:00:10.123Z")
    );
    assert_eq!(c.s.state(), SessionState::AwaitingLogin);
}

#[test]
fn hello_after_failed_login_and_after_2001_gets_greeting() {
    let mut c = Conn::new();
    let r = c.login_as(&LoginXml::default(), LoginAnswer::BadCredentials);
    assert_eq!(code_of(&r), 2200);
    c.now = at(20);
    assert_eq!(
        c.ask(&hello_xml()),
        expected_greeting("2027-01-15T08:00:20.000Z")
    );
    assert_2001(&c.ask("<epp"), "epp");
    c.now = at(21);
    assert_eq!(
        c.ask(&hello_xml()),
        expected_greeting("2027-01-15T08:00:21.000Z")
    );
}

#[test]
fn hello_when_logged_in_gets_greeting() {
    let mut c = Conn::logged_in();
    c.now = at(30);
    assert_eq!(
        c.ask(&hello_xml()),
        expected_greeting("2027-01-15T08:00:30.000Z")
    );
    assert_eq!(c.s.state(), SessionState::LoggedIn);
}

#[test]
fn hello_behind_a_pending_command_is_answered_in_order() {
    let mut c = Conn::logged_in();
    c.now = at(31);
    c.send(&poll_req_xml(Some("ORDER-1")));
    c.send(&hello_xml());
    let Request::Poll(p) = c.req() else { panic!() };
    c.no_req();
    c.silent();
    c.now = at(99); // the greeting carries the time the hello was read
    c.s.answer_poll(p.id, PollAnswer::Empty).unwrap();
    let out = c.out();
    assert_eq!(out.len(), 2);
    assert_resp(
        &out[0],
        &simple(ResultCode::SuccessNoMessages, Some("ORDER-1")),
    );
    assert_eq!(out[1], expected_greeting("2027-01-15T08:00:31.000Z"));
}

#[test]
fn hello_while_login_pending_is_read_after_the_login_is_decided() {
    let mut c = Conn::new();
    c.send(&LoginXml::default().xml());
    assert_eq!(c.s.state(), SessionState::LoginPending);
    let Request::Login(l) = c.req() else { panic!() };
    let hello = frame(&hello_xml());
    assert!(
        !c.s.wants_input(),
        "no input is wanted while a login is pending"
    );
    // Fed anyway (one read too many), it is held, not read.
    c.now = at(40);
    c.feed(&hello);
    assert_eq!(c.s.buffered_input(), hello.len());
    c.silent();
    c.s.answer_login(l.id, LoginAnswer::Accepted).unwrap();
    // The answer lets the held hello through; its greeting is dated when
    // it was fed.
    let out = c.out();
    assert_eq!(out.len(), 2, "{out:#?}");
    assert_eq!(code_of(&out[0]), 1000);
    assert_eq!(out[1], expected_greeting("2027-01-15T08:00:40.000Z"));
    assert_eq!(c.s.buffered_input(), 0);
    assert!(c.s.wants_input());
}

// ---------------------------------------------------------------------------
// any command but hello/login before login | 2002
// ---------------------------------------------------------------------------

#[test]
fn commands_before_login_are_2002() {
    let mut c = Conn::new();
    let object = |verb: &str, attr: &str| {
        format!("<{verb}{attr}><d:{verb} xmlns:d=\"{DOMAIN}\"><d:name>a.example</d:name></d:{verb}></{verb}>")
    };
    let mut commands = vec![
        "<logout/>".to_string(),
        r#"<poll op="req"/>"#.to_string(),
        r#"<poll op="ack" msgID="101"/>"#.to_string(),
    ];
    for verb in ["check", "info", "create", "update", "delete", "renew"] {
        commands.push(object(verb, ""));
    }
    commands.push(object("transfer", " op=\"query\""));
    for (i, inner) in commands.iter().enumerate() {
        let cl = format!("PRE-{i}");
        let r = c.ask(&cmd(inner, Some(&cl)));
        assert_resp(
            &r,
            &response(
                &result_msg(ResultCode::CommandUseError, "log in first", ""),
                "",
                Some(&cl),
            ),
        );
        assert_eq!(c.s.state(), SessionState::AwaitingLogin);
    }
    c.login();
}

// ---------------------------------------------------------------------------
// <login> while logged in | 2002
// ---------------------------------------------------------------------------

#[test]
fn login_while_logged_in_is_2002() {
    let mut c = Conn::logged_in();
    let l = LoginXml {
        clid: "registrar2".into(),
        pw: "secret-pw2".into(),
        cl: Some("AGAIN-1".into()),
        ..LoginXml::default()
    };
    let r = c.ask(&l.xml());
    assert_resp(
        &r,
        &response(
            &result_msg(ResultCode::CommandUseError, "already logged in", ""),
            "",
            Some("AGAIN-1"),
        ),
    );
    assert_eq!(c.s.state(), SessionState::LoggedIn);
    assert_eq!(c.s.client_id(), Some("registrar1"));
}

// ---------------------------------------------------------------------------
// login version / lang / objURI / extURI not offered | 2100 / 2102 / 2307 / 2103
// ---------------------------------------------------------------------------

/// The login is refused by the session (the host is not asked) with
/// `expected`; the session stays before login and can still log in.
#[track_caller]
fn assert_login_refused(l: &LoginXml, expected: String) {
    let mut c = Conn::new();
    let r = c.ask(&l.xml());
    assert_resp(&r, &expected);
    assert_eq!(c.s.state(), SessionState::AwaitingLogin);
    c.login();
}

/// epp-1.0.xsd's versionType enumerates 1.0 alone, so any other version is
/// a schema violation (2001), never 2100: the input is refused exactly when
/// the schema refuses it.
#[test]
fn login_version_other_than_1_0_is_2001() {
    let l = LoginXml {
        version: "2.0".into(),
        ..LoginXml::default()
    };
    assert_login_refused(
        &l,
        response(
            &result(ResultCode::CommandSyntaxError, &ext_value("version", "2.0")),
            "",
            Some("LOGIN-1"),
        ),
    );
}

#[test]
fn login_lang_not_offered_is_2102() {
    let l = LoginXml {
        lang: "fr".into(),
        ..LoginXml::default()
    };
    assert_login_refused(
        &l,
        response(
            &result(ResultCode::UnimplementedOption, &ext_value("lang", "fr")),
            "",
            Some("LOGIN-1"),
        ),
    );
}

#[test]
fn login_obj_uri_not_offered_is_2307() {
    let l = LoginXml {
        objs: vec![DOMAIN.into(), WIDGET.into()],
        ..LoginXml::default()
    };
    assert_login_refused(
        &l,
        response(
            &result(
                ResultCode::UnimplementedObjectService,
                &ext_value("objURI", WIDGET),
            ),
            "",
            Some("LOGIN-1"),
        ),
    );
}

#[test]
fn login_ext_uri_not_offered_is_2103() {
    let l = LoginXml {
        exts: vec![SECDNS.into(), EXT_X.into()],
        ..LoginXml::default()
    };
    assert_login_refused(
        &l,
        response(
            &result(
                ResultCode::UnimplementedExtension,
                &ext_value("extURI", EXT_X),
            ),
            "",
            Some("LOGIN-1"),
        ),
    );
    // A login command extension in a namespace not offered.
    let l = LoginXml {
        extension: Some(format!("<x:data xmlns:x=\"{EXT_X}\"/>")),
        ..LoginXml::default()
    };
    assert_login_refused(
        &l,
        response(
            &result(
                ResultCode::UnimplementedExtension,
                &ext_value("extURI", EXT_X),
            ),
            "",
            Some("LOGIN-1"),
        ),
    );
}

// ---------------------------------------------------------------------------
// credentials rejected | 2200; the failure reaching max_failed_logins is 2501, close
// ---------------------------------------------------------------------------

#[test]
fn third_failed_login_is_2501_and_close() {
    let mut c = Conn::new();
    for i in 1..=2 {
        let l = LoginXml {
            cl: Some(format!("BAD-{i}")),
            ..LoginXml::default()
        };
        let r = c.login_as(&l, LoginAnswer::BadCredentials);
        assert_resp(
            &r,
            &simple(ResultCode::AuthenticationError, Some(&format!("BAD-{i}"))),
        );
        assert_eq!(c.s.state(), SessionState::AwaitingLogin);
    }
    let l = LoginXml {
        cl: Some("BAD-3".into()),
        ..LoginXml::default()
    };
    c.send(&l.xml());
    let Request::Login(req) = c.req() else {
        panic!()
    };
    c.s.answer_login(req.id, LoginAnswer::BadCredentials)
        .unwrap();
    assert!(!c.s.is_finished(), "not closed before the 2501 is flushed");
    assert_eq!(c.s.state(), SessionState::Closing);
    let r = c.one();
    assert_resp(
        &r,
        &simple(
            ResultCode::AuthenticationErrorServerClosingConnection,
            Some("BAD-3"),
        ),
    );
    assert_closed(&mut c, CloseReason::TooManyFailedLogins);
}

#[test]
fn max_failed_logins_is_configurable() {
    for max in [1u32, 5] {
        let cfg = with_limits(Limits {
            max_failed_logins: max,
            ..Limits::default()
        });
        let mut c = Conn::open(cfg);
        for i in 1..=max {
            let r = c.login_as(&LoginXml::default(), LoginAnswer::BadCredentials);
            if i < max {
                assert_eq!(code_of(&r), 2200, "failure {i} of {max}");
            } else {
                assert_eq!(code_of(&r), 2501, "failure {i} of {max}");
            }
        }
        assert_closed(&mut c, CloseReason::TooManyFailedLogins);
    }
}

#[test]
fn failed_logins_count_per_connection() {
    // Two failures in each of two connections: never 2501.
    for _ in 0..2 {
        let mut c = Conn::new();
        for _ in 0..2 {
            let r = c.login_as(&LoginXml::default(), LoginAnswer::BadCredentials);
            assert_eq!(code_of(&r), 2200);
        }
        // The next attempt may still succeed.
        c.login();
    }
}

// ---------------------------------------------------------------------------
// account disabled (host says) | 2201
// ---------------------------------------------------------------------------

#[test]
fn account_disabled_is_2201() {
    let mut c = Conn::new();
    let r = c.login_as(&LoginXml::default(), LoginAnswer::AccountDisabled);
    assert_resp(&r, &simple(ResultCode::AuthorizationError, Some("LOGIN-1")));
    assert_eq!(c.s.state(), SessionState::AwaitingLogin);
    c.still_alive();
}

// ---------------------------------------------------------------------------
// registrar over its session limit (host or server-wide counter) | 2502, close
// ---------------------------------------------------------------------------

#[test]
fn host_session_limit_is_2502_and_close() {
    let mut c = Conn::new();
    c.send(&LoginXml::default().xml());
    let Request::Login(l) = c.req() else { panic!() };
    c.s.answer_login(l.id, LoginAnswer::SessionLimitExceeded)
        .unwrap();
    assert!(!c.s.is_finished());
    let r = c.one();
    assert_resp(
        &r,
        &simple(
            ResultCode::SessionLimitExceededServerClosingConnection,
            Some("LOGIN-1"),
        ),
    );
    assert_closed(&mut c, CloseReason::SessionLimitExceeded);
}

#[test]
fn shared_counter_session_limit_is_2502_and_close() {
    let counter = RegistrarSessions::new(1);
    let cfg = with_counter(&counter);
    let mut a = Conn::open(cfg.clone());
    a.login();
    assert_eq!(counter.count("registrar1"), 1);
    // The host accepts the credentials, but the counter is full.
    let mut b = Conn::open(cfg.clone());
    let r = b.login_as(&LoginXml::default(), LoginAnswer::Accepted);
    assert_resp(
        &r,
        &simple(
            ResultCode::SessionLimitExceededServerClosingConnection,
            Some("LOGIN-1"),
        ),
    );
    assert_closed(&mut b, CloseReason::SessionLimitExceeded);
    assert_eq!(
        counter.count("registrar1"),
        1,
        "a refused session holds no slot"
    );
    // Other registrars are not affected.
    let mut other = Conn::open(cfg.clone());
    let l2 = LoginXml {
        clid: "registrar2".into(),
        ..LoginXml::default()
    };
    assert_eq!(code_of(&other.login_as(&l2, LoginAnswer::Accepted)), 1000);
    assert_eq!(counter.count("registrar2"), 1);
    // Logging out frees the slot.
    assert_eq!(code_of(&a.logout(None)), 1500);
    assert_eq!(counter.count("registrar1"), 0);
    let mut d = Conn::open(cfg);
    d.login();
    assert_eq!(counter.count("registrar1"), 1);
}

#[test]
fn shared_counter_is_released_however_a_session_ends() {
    let counter = RegistrarSessions::new(1);
    let cfg = with_counter(&counter);
    type End = fn(&mut Conn);
    let ends: [(&str, End); 4] = [
        ("eof", |c| c.s.handle_eof(c.now)),
        ("host close", |c| c.s.close()),
        ("idle timeout", |c| {
            assert!(c.s.handle_timeout(at(3600)));
        }),
        ("2500 answer", |c| {
            let id = command_id(c, &domain_check_xml(None));
            c.s.answer_command(
                id,
                Response::new(ResultCode::CommandFailedServerClosingConnection),
            )
            .unwrap();
        }),
    ];
    for (what, end) in ends {
        let mut c = Conn::open(cfg.clone());
        c.login();
        assert_eq!(counter.count("registrar1"), 1);
        end(&mut c);
        let _ = c.out();
        assert_eq!(counter.count("registrar1"), 0, "released on {what}");
    }
    // And when the session is simply dropped.
    let mut c = Conn::open(cfg);
    c.login();
    drop(c);
    assert_eq!(counter.count("registrar1"), 0, "released on drop");
}

// ---------------------------------------------------------------------------
// unknown command element | 2000
// ---------------------------------------------------------------------------

#[test]
fn unknown_command_element_is_2000() {
    let mut c = Conn::logged_in();
    let r = c.ask(&cmd("<frobnicate/>", Some("UNK-1")));
    assert_resp(
        &r,
        &response(
            &result(ResultCode::UnknownCommand, &ext_value("frobnicate", "")),
            "",
            Some("UNK-1"),
        ),
    );
    // A command element in a namespace other than EPP's.
    let r = c.ask(&cmd(
        &format!("<w:check xmlns:w=\"{WIDGET}\"><w:name>a</w:name></w:check>"),
        Some("UNK-2"),
    ));
    assert_resp(
        &r,
        &response(
            &result(ResultCode::UnknownCommand, &ext_value("check", "")),
            "",
            Some("UNK-2"),
        ),
    );
    assert_eq!(c.s.state(), SessionState::LoggedIn);
    c.still_alive();
}

// ---------------------------------------------------------------------------
// object command whose namespace was not in login's objURIs | 2307
// ---------------------------------------------------------------------------

#[test]
fn object_namespace_not_logged_in_is_2307() {
    // Logged in with DOMAIN and CONTACT: HOST is offered but not chosen.
    let mut c = Conn::logged_in();
    for (ns, cl) in [(HOST, "OBJ-1"), (WIDGET, "OBJ-2")] {
        let r = c.ask(&check_xml(ns, None, Some(cl)));
        assert_resp(
            &r,
            &response(
                &result(
                    ResultCode::UnimplementedObjectService,
                    &ext_value("objURI", ns),
                ),
                "",
                Some(cl),
            ),
        );
    }
    // DOMAIN goes to the host.
    let id = command_id(&mut c, &check_xml(DOMAIN, None, Some("OBJ-3")));
    c.s.answer_command(id, Response::success()).unwrap();
    assert_resp(&c.one(), &simple(ResultCode::Success, Some("OBJ-3")));
}

// ---------------------------------------------------------------------------
// command extension whose namespace was not in login's extURIs | 2103
// ---------------------------------------------------------------------------

#[test]
fn extension_namespace_not_logged_in_is_2103() {
    let mut c = Conn::new();
    let l = LoginXml {
        exts: vec![],
        ..LoginXml::default()
    };
    assert_eq!(code_of(&c.login_as(&l, LoginAnswer::Accepted)), 1000);
    let secdns =
        format!("<s:create xmlns:s=\"{SECDNS}\"><s:maxSigLife>604800</s:maxSigLife></s:create>");
    let r = c.ask(&check_xml(DOMAIN, Some(&secdns), Some("EXT-1")));
    assert_resp(
        &r,
        &response(
            &result(
                ResultCode::UnimplementedExtension,
                &ext_value("extURI", SECDNS),
            ),
            "",
            Some("EXT-1"),
        ),
    );
    // With the extension logged in, an unknown one is still refused.
    let mut c = Conn::logged_in();
    let x = format!("<x:data xmlns:x=\"{EXT_X}\"/>");
    let r = c.ask(&check_xml(
        DOMAIN,
        Some(&format!("{secdns}{x}")),
        Some("EXT-2"),
    ));
    assert_resp(
        &r,
        &response(
            &result(
                ResultCode::UnimplementedExtension,
                &ext_value("extURI", EXT_X),
            ),
            "",
            Some("EXT-2"),
        ),
    );
    // And the logged-in one reaches the host.
    c.send(&check_xml(DOMAIN, Some(&secdns), Some("EXT-3")));
    let Request::Command(cm) = c.req() else {
        panic!()
    };
    assert_eq!(cm.extension_uris, [SECDNS]);
    c.s.answer_command(cm.id, Response::success()).unwrap();
    assert_eq!(code_of(&c.one()), 1000);
}

// ---------------------------------------------------------------------------
// host failure / host gives up | 2400
// ---------------------------------------------------------------------------

#[test]
fn host_failure_on_login_is_2400_and_login_can_be_retried() {
    let mut c = Conn::new();
    let r = c.login_as(&LoginXml::default(), LoginAnswer::Failed);
    assert_resp(&r, &simple(ResultCode::CommandFailed, Some("LOGIN-1")));
    assert_eq!(c.s.state(), SessionState::AwaitingLogin);
    c.send(&LoginXml::default().xml());
    let Request::Login(l) = c.req() else { panic!() };
    c.s.answer_failure(l.id, Some("directory unreachable"))
        .unwrap();
    assert_resp(
        &c.one(),
        &response(
            &result_msg(ResultCode::CommandFailed, "directory unreachable", ""),
            "",
            Some("LOGIN-1"),
        ),
    );
    assert_eq!(c.s.state(), SessionState::AwaitingLogin);
    c.login();
}

#[test]
fn host_failure_on_poll_ack_and_command_is_2400() {
    let mut c = Conn::logged_in();
    c.send(&poll_req_xml(Some("FAIL-1")));
    let id = c.req().id().unwrap();
    c.s.answer_failure(id, Some("database down")).unwrap();
    assert_resp(
        &c.one(),
        &response(
            &result_msg(ResultCode::CommandFailed, "database down", ""),
            "",
            Some("FAIL-1"),
        ),
    );
    c.send(&poll_ack_xml("101", Some("FAIL-2")));
    let id = c.req().id().unwrap();
    c.s.answer_failure(id, None).unwrap();
    assert_resp(&c.one(), &simple(ResultCode::CommandFailed, Some("FAIL-2")));
    let id = command_id(&mut c, &domain_check_xml(Some("FAIL-3")));
    c.s.answer_failure(id, None).unwrap();
    assert_resp(&c.one(), &simple(ResultCode::CommandFailed, Some("FAIL-3")));
    let id = command_id(&mut c, &domain_check_xml(Some("FAIL-4")));
    c.s.answer_command(id, Response::new(ResultCode::CommandFailed))
        .unwrap();
    assert_resp(&c.one(), &simple(ResultCode::CommandFailed, Some("FAIL-4")));
    assert_eq!(c.s.state(), SessionState::LoggedIn);
    c.still_alive();
}

// ---------------------------------------------------------------------------
// <logout> | 1500, close once the response is flushed
// ---------------------------------------------------------------------------

#[test]
fn logout_is_1500_then_close() {
    let mut c = Conn::logged_in();
    let logout = frame(&logout_xml(Some("BYE-1")));
    let mut input = logout.clone();
    input.extend(frame(&hello_xml()));
    // Nothing after the logout is read.
    c.feed(&input);
    assert_eq!(c.s.buffered_input(), 0, "input after a logout is dropped");
    assert!(!c.s.wants_input());
    assert_eq!(c.s.state(), SessionState::Closing);
    assert!(!c.s.is_finished(), "the 1500 is not yet flushed");
    let r = c.one();
    assert_resp(&r, &simple(ResultCode::SuccessEndingSession, Some("BYE-1")));
    assert_closed(&mut c, CloseReason::Logout);
}

#[test]
fn logout_with_partial_writes_closes_after_the_last_byte() {
    let mut c = Conn::logged_in();
    c.send(&logout_xml(None));
    let total = c.s.output().len();
    assert!(total > 10);
    c.s.consume_output(total - 1);
    assert!(!c.s.is_finished());
    assert_eq!(c.s.output().len(), 1);
    c.s.consume_output(1);
    assert!(c.s.is_finished());
    assert_eq!(c.s.state(), SessionState::Closed);
}

#[test]
fn logout_behind_pending_commands_waits_for_them() {
    let mut c = Conn::logged_in();
    let mut input = frame(&poll_req_xml(Some("Q-1")));
    input.extend(frame(&logout_xml(Some("BYE-2"))));
    c.feed(&input);
    let Request::Poll(p) = c.req() else { panic!() };
    c.silent();
    assert!(!c.s.is_finished());
    c.s.answer_poll(p.id, PollAnswer::Empty).unwrap();
    let out = c.out();
    assert_eq!(out.len(), 2);
    assert_resp(&out[0], &simple(ResultCode::SuccessNoMessages, Some("Q-1")));
    assert_resp(
        &out[1],
        &simple(ResultCode::SuccessEndingSession, Some("BYE-2")),
    );
    assert_closed(&mut c, CloseReason::Logout);
}

// ---------------------------------------------------------------------------
// any 25xx code | close once the response is flushed
// ---------------------------------------------------------------------------

#[test]
fn any_25xx_answer_closes_after_flush() {
    for code in [
        ResultCode::CommandFailedServerClosingConnection,
        ResultCode::AuthenticationErrorServerClosingConnection,
        ResultCode::SessionLimitExceededServerClosingConnection,
    ] {
        let mut c = Conn::logged_in();
        let id = command_id(&mut c, &domain_check_xml(Some("CLOSE-1")));
        c.s.answer_command(id, Response::new(code)).unwrap();
        assert_eq!(c.s.state(), SessionState::Closing);
        assert!(!c.s.is_finished());
        assert_resp(&c.one(), &simple(code, Some("CLOSE-1")));
        assert_closed(&mut c, CloseReason::ClosingResponse(code));
    }
    // Also as the answer to a poll.
    let mut c = Conn::logged_in();
    c.send(&poll_req_xml(None));
    let id = c.req().id().unwrap();
    c.s.answer_command(
        id,
        Response::new(ResultCode::CommandFailedServerClosingConnection),
    )
    .unwrap();
    assert_resp(
        &c.one(),
        &simple(ResultCode::CommandFailedServerClosingConnection, None),
    );
    assert_closed(
        &mut c,
        CloseReason::ClosingResponse(ResultCode::CommandFailedServerClosingConnection),
    );
}

#[test]
fn nothing_is_written_after_a_25xx() {
    let mut c = Conn::logged_in();
    let mut input = Vec::new();
    for i in 1..=3 {
        input.extend(frame(&domain_check_xml(Some(&format!("PIPE-{i}")))));
    }
    input.extend(frame(&hello_xml()));
    c.feed(&input);
    let ids: Vec<_> = (0..3).map(|_| c.req().id().unwrap()).collect();
    // The host answers the second first, with 2500.
    c.s.answer_command(
        ids[1],
        Response::new(ResultCode::CommandFailedServerClosingConnection),
    )
    .unwrap();
    c.silent();
    assert!(
        c.try_feed(&frame(&hello_xml())).is_err(),
        "no input after a 25xx"
    );
    c.s.answer_command(ids[0], Response::new(ResultCode::UnimplementedCommand))
        .unwrap();
    let out = c.out();
    assert_eq!(out.len(), 2, "{out:#?}");
    assert_resp(
        &out[0],
        &simple(ResultCode::UnimplementedCommand, Some("PIPE-1")),
    );
    assert_resp(
        &out[1],
        &simple(
            ResultCode::CommandFailedServerClosingConnection,
            Some("PIPE-2"),
        ),
    );
    assert!(c.s.answer_command(ids[2], Response::success()).is_err());
    assert!(c.s.is_finished());
    assert_eq!(
        c.end_reason(),
        CloseReason::ClosingResponse(ResultCode::CommandFailedServerClosingConnection)
    );
    c.no_req();
    c.silent();
}

// ---------------------------------------------------------------------------
// login deadline (60 s) or idle timeout (600 s) | close with no response; the host learns why
// ---------------------------------------------------------------------------

#[test]
fn login_deadline_default_60s_closes_silently() {
    let mut c = Conn::new();
    assert_eq!(c.s.next_timeout(), Some(at(60)));
    // Neither hellos nor failed logins extend it.
    c.now = at(30);
    c.still_alive();
    c.now = at(40);
    assert_eq!(
        code_of(&c.login_as(&LoginXml::default(), LoginAnswer::BadCredentials)),
        2200
    );
    assert_eq!(c.s.next_timeout(), Some(at(60)));
    assert!(!c.s.handle_timeout(at(60) - Duration::from_millis(1)));
    assert!(c.s.handle_timeout(at(60)));
    c.silent();
    assert_closed(&mut c, CloseReason::LoginDeadline);
}

#[test]
fn login_deadline_is_configurable() {
    let cfg = with_limits(Limits {
        login_deadline: Duration::from_secs(5),
        ..Limits::default()
    });
    let mut c = Conn::open(cfg);
    assert_eq!(c.s.next_timeout(), Some(at(5)));
    assert!(!c.s.handle_timeout(at(4)));
    assert!(c.s.handle_timeout(at(5)));
    assert_closed(&mut c, CloseReason::LoginDeadline);
}

#[test]
fn login_deadline_stops_applying_after_login() {
    let mut c = Conn::new();
    c.now = at(50);
    c.login();
    assert!(!c.s.handle_timeout(at(61)));
    assert_eq!(c.s.next_timeout(), Some(at(650)));
}

#[test]
fn idle_timeout_default_600s_closes_silently() {
    let mut c = Conn::new();
    c.now = at(1);
    c.login();
    assert_eq!(c.s.next_timeout(), Some(at(601)));
    // A hello is a frame: it counts as activity (some clients keep alive so).
    c.now = at(300);
    c.still_alive();
    assert_eq!(c.s.next_timeout(), Some(at(900)));
    // Part of a frame is not a frame.
    c.now = at(500);
    let f = frame(&hello_xml());
    c.feed(&f[..6]);
    assert_eq!(c.s.next_timeout(), Some(at(900)));
    assert!(!c.s.handle_timeout(at(899)));
    assert!(c.s.handle_timeout(at(900)));
    c.silent();
    assert_closed(&mut c, CloseReason::IdleTimeout);
}

#[test]
fn idle_timeout_is_configurable() {
    let cfg = with_limits(Limits {
        idle_timeout: Duration::from_secs(30),
        ..Limits::default()
    });
    let mut c = Conn::open(cfg);
    c.now = at(2);
    c.login();
    assert_eq!(c.s.next_timeout(), Some(at(32)));
    assert!(c.s.handle_timeout(at(32)));
    assert_closed(&mut c, CloseReason::IdleTimeout);
}

// ---------------------------------------------------------------------------
// Greeting
// ---------------------------------------------------------------------------

#[test]
fn greeting_comes_from_the_configuration() {
    let cfg = ServerConfig::builder("Registry & <Co> EPP")
        .language("en")
        .language("fr")
        .object_uri(DOMAIN)
        .object_uri(CONTACT)
        .extension_uri(SECDNS)
        .extension_uri(EXT_X)
        .dcp(Dcp {
            access: DcpAccess::PersonalAndOther,
            statements: vec![
                DcpStatement {
                    purposes: vec![
                        DcpPurpose::Prov,
                        DcpPurpose::Other,
                        DcpPurpose::Contact,
                        DcpPurpose::Admin,
                    ],
                    recipients: vec![
                        DcpRecipient::Unrelated,
                        DcpRecipient::Public,
                        DcpRecipient::Ours(Some("registrars & <partners>".into())),
                        DcpRecipient::Same,
                        DcpRecipient::Other,
                        DcpRecipient::Ours(None),
                    ],
                    retention: DcpRetention::Legal,
                },
                DcpStatement {
                    purposes: vec![DcpPurpose::Other],
                    recipients: vec![DcpRecipient::Same],
                    retention: DcpRetention::None,
                },
            ],
            expiry: Some(DcpExpiry::Relative(Duration::from_secs(86_400))),
        })
        .build()
        .unwrap();
    let mut c = Conn::at(cfg, t0());
    let g = c.one();
    assert_eq!(
        g,
        format!(
            "{DECL}<epp xmlns=\"{EPP_NS}\"><greeting><svID>Registry &amp; &lt;Co&gt; EPP</svID>\
             <svDate>2027-01-15T08:00:00.000Z</svDate><svcMenu><version>1.0</version><lang>en</lang><lang>fr</lang>\
             <objURI>{DOMAIN}</objURI><objURI>{CONTACT}</objURI><svcExtension><extURI>{SECDNS}</extURI>\
             <extURI>{EXT_X}</extURI></svcExtension></svcMenu><dcp><access><personalAndOther/></access>\
             <statement><purpose><admin/><contact/><other/><prov/></purpose><recipient><other/>\
             <ours><recDesc>registrars &amp; &lt;partners&gt;</recDesc></ours><ours/><public/><same/><unrelated/>\
             </recipient><retention><legal/></retention></statement><statement><purpose><other/></purpose>\
             <recipient><same/></recipient><retention><none/></retention></statement>\
             <expiry><relative>PT86400S</relative></expiry></dcp></greeting></epp>"
        )
    );
    // An absolute expiry, and every access value, validate too.
    for access in [
        DcpAccess::All,
        DcpAccess::None,
        DcpAccess::Null,
        DcpAccess::Other,
        DcpAccess::Personal,
    ] {
        let cfg = ServerConfig::builder("libepp test server")
            .object_uri(DOMAIN)
            .dcp(Dcp {
                access,
                expiry: Some(DcpExpiry::Absolute(at(86_400 * 365))),
                ..Dcp::default()
            })
            .build()
            .unwrap();
        let mut c = Conn::at(cfg, t0());
        let g = c.one();
        assert!(
            g.contains("<expiry><absolute>2028-01-15T08:00:00.000Z</absolute></expiry>"),
            "{g}"
        );
    }
}

#[test]
fn greeting_differs_only_in_svdate() {
    let cfg = config();
    let mut a = Conn::at(cfg.clone(), at(1));
    let mut b = Conn::at(cfg.clone(), at(7200) + Duration::from_millis(999));
    let ga = a.one();
    let gb = b.one();
    assert_eq!(ga, expected_greeting("2027-01-15T08:00:01.000Z"));
    assert_eq!(gb, expected_greeting("2027-01-15T10:00:00.999Z"));
    b.now = at(86_400);
    assert_eq!(
        b.ask(&hello_xml()),
        expected_greeting("2027-01-16T08:00:00.000Z")
    );
    assert_eq!(cfg.greeting_xml(at(1)), ga);
}
