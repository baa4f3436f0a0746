//! Every server frame in `tests/client_examples/` parses into the right
//! typed result (see the README there for where each file comes from).

use std::collections::BTreeSet;
use std::path::Path;

use epp::client::{parse_server_frame, Greeting, Response, ServerFrame};
use epp::{ResultCode, ResultValue};

const DOMAIN: &str = "urn:ietf:params:xml:ns:domain-1.0";
const HOST: &str = "urn:ietf:params:xml:ns:host-1.0";
const CONTACT: &str = "urn:ietf:params:xml:ns:contact-1.0";
const SECDNS: &str = "urn:ietf:params:xml:ns:secDNS-1.1";
const LOGIN_SEC: &str = "urn:ietf:params:xml:ns:epp:loginSec-1.0";

fn greeting(f: ServerFrame) -> Greeting {
    match f {
        ServerFrame::Greeting(g) => g,
        other => panic!("not a greeting: {other:?}"),
    }
}

fn response(f: ServerFrame) -> Response {
    match f {
        ServerFrame::Response(r) => r,
        other => panic!("not a response: {other:?}"),
    }
}

/// The start tag of passed-through XML.
fn start_tag(xml: &str) -> &str {
    &xml[..xml.find('>').expect("an element") + 1]
}

/// Passed-through XML stands alone: it parses as the content of an
/// element that declares nothing.
fn stands_alone(xml: &str) {
    let doc = format!(
        r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1000"><msg>x</msg></result><resData>{xml}</resData></response></epp>"#
    );
    let r = response(parse_server_frame(doc.as_bytes()).expect("standing alone"));
    assert_eq!(r.res_data.as_deref(), Some(xml), "copies are stable");
}

fn trids(r: &Response, cl: Option<&str>, sv: &str) {
    assert_eq!(r.cl_trid.as_deref(), cl);
    assert_eq!(r.sv_trid.as_deref(), Some(sv));
}

/// The expected typed result of each example; `false` for an unknown file.
fn check(name: &str, frame: ServerFrame) -> bool {
    match name {
        "libepp-greeting.xml" => {
            let g = greeting(frame);
            assert_eq!(g.server_id, "libepp example registry");
            assert_eq!(g.server_date, "2026-03-01T12:00:00.0Z");
            assert_eq!(g.versions, ["1.0"]);
            assert_eq!(g.languages, ["en", "de"]);
            assert_eq!(g.object_uris, [DOMAIN, HOST, CONTACT]);
            assert_eq!(g.extension_uris, [SECDNS, LOGIN_SEC]);
            assert!(g.offers_login_security() && g.offers_object(HOST));
            let dcp = g.dcp.as_deref().unwrap();
            assert!(start_tag(dcp).starts_with("<dcp"));
            assert!(dcp.contains("<relative>P1Y</relative>") && dcp.ends_with("</dcp>"));
            stands_alone(dcp);
        }
        "libepp-login.xml" => {
            let r = response(frame);
            assert_eq!(r.code(), ResultCode::Success);
            assert_eq!(r.message(), "Command completed successfully");
            assert_eq!(r.results[0].lang, None);
            assert!(r.results[0].values.is_empty());
            assert!(r.message_queue.is_none() && r.res_data.is_none() && r.extension.is_none());
            assert!(r.login_security_events().is_empty());
            trids(&r, Some("reg1-0001"), "LIBEPP-0001");
        }
        "libepp-login-security.xml" => {
            let r = response(frame);
            assert_eq!(r.code(), ResultCode::Success);
            let ev = r.login_security_events();
            assert_eq!(ev.len(), 3);
            assert_eq!(
                (ev[0].event_type.as_str(), ev[0].level.as_str()),
                ("password", "warning")
            );
            assert_eq!(ev[0].expires.as_deref(), Some("2026-04-01T00:00:00Z"));
            assert_eq!(ev[0].lang.as_deref(), Some("en"));
            assert_eq!(
                ev[0].message.as_deref(),
                Some("Your password expires in a month.")
            );
            assert_eq!(ev[1].event_type, "stat");
            assert_eq!(ev[1].name.as_deref(), Some("failedLogins"));
            assert_eq!(ev[1].level, "error");
            assert_eq!(ev[1].value.as_deref(), Some("42"));
            assert_eq!(ev[1].duration.as_deref(), Some("PT1H"));
            assert_eq!(
                (
                    ev[2].event_type.as_str(),
                    ev[2].value.as_deref(),
                    ev[2].message.as_deref()
                ),
                ("tlsProtocol", Some("TLSv1.1"), None)
            );
            stands_alone(r.extension.as_deref().unwrap());
            trids(&r, Some("reg1-0002"), "LIBEPP-0002");
        }
        "libepp-logout.xml" => {
            let r = response(frame);
            assert_eq!(r.code(), ResultCode::SuccessEndingSession);
            assert!(r.is_success() && !r.code().closes_session());
            trids(&r, Some("reg1-0099"), "LIBEPP-0099");
        }
        "libepp-poll-transfer.xml" => {
            let r = response(frame);
            assert_eq!(r.code(), ResultCode::SuccessAckToDequeue);
            let q = r.message_queue.as_ref().unwrap();
            assert_eq!((q.count, q.id.as_str()), (3, "7001"));
            assert_eq!(q.queued_at.as_deref(), Some("2026-02-27T09:30:00.0Z"));
            assert_eq!(q.message.as_deref(), Some("Transfer angefragt."));
            assert_eq!(q.lang.as_deref(), Some("de"));
            let res = r.res_data.as_deref().unwrap();
            assert!(start_tag(res).starts_with("<domain:trnData"));
            assert!(start_tag(res).contains(&format!(r#"xmlns:domain="{DOMAIN}""#)));
            assert!(res.contains("<domain:trStatus>pending</domain:trStatus>"));
            stands_alone(res);
            trids(&r, Some("reg1-0003"), "LIBEPP-0003");
        }
        "libepp-poll-empty.xml" => {
            let r = response(frame);
            assert_eq!(r.code(), ResultCode::SuccessNoMessages);
            assert!(r.message_queue.is_none());
            trids(&r, None, "LIBEPP-0004");
        }
        "libepp-poll-ack.xml" => {
            let r = response(frame);
            assert_eq!(r.code(), ResultCode::Success);
            let q = r.message_queue.as_ref().unwrap();
            assert_eq!((q.count, q.id.as_str()), (2, "7001"));
            assert_eq!((q.queued_at.as_deref(), q.message.as_deref()), (None, None));
        }
        "libepp-domain-info.xml" => {
            let r = response(frame);
            assert_eq!(r.code(), ResultCode::Success);
            let res = r.res_data.as_deref().unwrap();
            // The prefix was declared on <epp>: the copy declares it.
            assert!(start_tag(res).starts_with("<domain:infData"));
            assert!(start_tag(res).contains(&format!(r#"xmlns:domain="{DOMAIN}""#)));
            assert!(res.contains("<domain:pw>2fooBAR</domain:pw>"));
            stands_alone(res);
            let ext = r.extension.as_deref().unwrap();
            assert!(start_tag(ext).starts_with("<secDNS:infData"));
            assert!(ext.contains("<secDNS:keyTag>12345</secDNS:keyTag>"));
            stands_alone(ext);
            trids(&r, Some("reg1-0006"), "LIBEPP-0006");
        }
        "libepp-contact-check.xml" => {
            let r = response(frame);
            assert_eq!(r.code(), ResultCode::Success);
            assert_eq!(r.message(), "Command completed successfully");
            let res = r.res_data.as_deref().unwrap();
            assert!(res.contains(r#"<contact:id avail="1">sh8013</contact:id>"#));
            assert!(res.contains("<contact:reason>In use</contact:reason>"));
            stands_alone(res);
            trids(&r, Some("reg1-0007"), "LIBEPP-0007");
        }
        "libepp-host-create.xml" => {
            let r = response(frame);
            assert_eq!(r.code(), ResultCode::SuccessPending);
            let res = r.res_data.as_deref().unwrap();
            assert!(start_tag(res).contains(&format!(r#"xmlns:host="{HOST}""#)));
            assert!(res.contains("<host:name>ns1.example.test</host:name>"));
            trids(&r, Some("reg1-0008"), "LIBEPP-0008");
        }
        "libepp-errors.xml" => {
            let r = response(frame);
            assert_eq!(r.results.len(), 2);
            assert_eq!(r.code(), ResultCode::ParameterValueRangeError);
            assert!(!r.is_success());
            assert_eq!(r.message(), "Parameterwert außerhalb des Bereichs");
            assert_eq!(r.results[0].lang.as_deref(), Some("de"));
            let [ResultValue::Value(v), ResultValue::ExtValue { value, reason }] =
                &r.results[0].values[..]
            else {
                panic!("{:?}", r.results[0].values)
            };
            assert!(start_tag(v).starts_with("<obj:period"));
            assert!(start_tag(v).contains(r#"xmlns:obj="urn:example:obj""#));
            assert!(v.ends_with(">12</obj:period>"));
            stands_alone(v);
            // Declared on <value>: the copy declares it.
            assert!(start_tag(value).contains(r#"xmlns:obj="urn:example:obj""#));
            assert!(value.ends_with(">a&amp;b.test</obj:name>"));
            stands_alone(value);
            assert_eq!(reason, "Name ist ungültig");
            assert_eq!(r.results[1].code, ResultCode::ParameterValuePolicyError);
            assert_eq!(
                r.results[1].values,
                [ResultValue::Value("plain text value".into())]
            );
            trids(&r, Some("reg1-0009"), "LIBEPP-0009");
        }
        "libepp-unhandled-poll.xml" => {
            let r = response(frame);
            assert_eq!(r.code(), ResultCode::SuccessAckToDequeue);
            let [ResultValue::ExtValue { value, reason }] = &r.results[0].values[..] else {
                panic!("{:?}", r.results[0].values)
            };
            assert!(start_tag(value).starts_with("<changePoll:changeData"));
            assert!(start_tag(value).contains(r#"state="after""#));
            assert!(value.contains("<changePoll:operation>update</changePoll:operation>"));
            stands_alone(value);
            assert_eq!(
                reason,
                "urn:ietf:params:xml:ns:changePoll-1.0 not in login services"
            );
            let q = r.message_queue.as_ref().unwrap();
            assert_eq!((q.count, q.id.as_str()), (1, "7002"));
            assert!(r.res_data.as_deref().unwrap().contains("serverHold"));
            trids(&r, Some("reg1-0010"), "LIBEPP-0010");
        }
        "libepp-unhandled-object.xml" => {
            let r = response(frame);
            assert_eq!(r.code(), ResultCode::Success);
            let [ResultValue::ExtValue { value, reason }] = &r.results[0].values[..] else {
                panic!("{:?}", r.results[0].values)
            };
            assert!(start_tag(value).starts_with("<secDNS:infData"));
            stands_alone(value);
            assert_eq!(
                reason,
                "urn:ietf:params:xml:ns:secDNS-1.1 not in login services"
            );
            assert!(r.extension.is_none());
            assert!(r.res_data.as_deref().unwrap().contains("EXAMPLE1-LIBEPP"));
            trids(&r, Some("reg1-0011"), "LIBEPP-0011");
        }
        _ => return false,
    }
    true
}

/// Every file here has expectations, and every expectation a file.
const EXPECTED: &[&str] = &[
    "libepp-contact-check.xml",
    "libepp-domain-info.xml",
    "libepp-errors.xml",
    "libepp-greeting.xml",
    "libepp-host-create.xml",
    "libepp-login-security.xml",
    "libepp-login.xml",
    "libepp-logout.xml",
    "libepp-poll-ack.xml",
    "libepp-poll-empty.xml",
    "libepp-poll-transfer.xml",
    "libepp-unhandled-object.xml",
    "libepp-unhandled-poll.xml",
];

#[test]
fn every_example_parses_into_its_typed_result() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/client_examples");
    let mut seen = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("xml") {
            continue;
        }
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let bytes = std::fs::read(&path).unwrap();
        let frame = parse_server_frame(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            check(&name, frame),
            "{name} has no expectations in this test"
        );
        seen.insert(name);
    }
    let expected: BTreeSet<String> = EXPECTED.iter().map(|s| s.to_string()).collect();
    assert_eq!(seen, expected);
}

/// The same frames, fed to a session byte by byte as answers to commands,
/// give the same typed responses.
#[test]
fn examples_parse_the_same_inside_a_session() {
    use epp::client::{ClientConfig, ClientSession, Event};
    use std::time::{Duration, SystemTime};

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/client_examples");
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let greeting_xml = std::fs::read(dir.join("libepp-greeting.xml")).unwrap();
    let cfg = ClientConfig::builder("registrar1", "secret-pw1")
        .object_uri(DOMAIN)
        .keep_alive(None)
        .max_in_flight(64)
        .build()
        .unwrap();
    let mut c = ClientSession::new(cfg, now);
    let feed = |c: &mut ClientSession, xml: &[u8]| {
        let mut f = ((xml.len() + 4) as u32).to_be_bytes().to_vec();
        f.extend_from_slice(xml);
        for b in f.chunks(1) {
            c.feed_input(b, now).unwrap();
        }
    };
    feed(&mut c, &greeting_xml);
    assert!(matches!(c.poll_queue(), Some(Event::Greeting { .. })));
    c.login(now).unwrap();
    feed(
        &mut c,
        br#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1000"><msg>ok</msg></result></response></epp>"#,
    );
    assert!(matches!(c.poll_queue(), Some(Event::Login { .. })));
    let mut names: Vec<_> = EXPECTED
        .iter()
        .filter(|n| !n.contains("greeting") && !n.contains("logout"))
        .collect();
    names.sort();
    for name in names {
        let xml = std::fs::read(dir.join(name)).unwrap();
        let want = response(parse_server_frame(&xml).unwrap());
        c.poll_request(now).unwrap();
        // The examples carry clTRIDs of their own: drop them so they
        // answer the session's commands.
        let text = String::from_utf8(xml).unwrap();
        let text = match (text.find("<clTRID>"), text.find("</clTRID>")) {
            (Some(i), Some(j)) => format!("{}{}", &text[..i], &text[j + 9..]),
            _ => text,
        };
        feed(&mut c, text.as_bytes());
        let Some(Event::Response { response, .. }) = c.poll_queue() else {
            panic!("{name}: no response")
        };
        assert_eq!(
            Response {
                cl_trid: None,
                ..want
            },
            *response,
            "{name}"
        );
    }
    assert_eq!(c.in_flight(), 0);
}
