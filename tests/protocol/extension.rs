//! RFC 3735 protocol extensions: `<epp><extension>` (epp-1.0.xsd
//! `extAnyType`), a command that stands outside `<command>`. 2002 before
//! login; handed to the host as `Request::Extension` when every element's
//! namespace is among the login's extURIs; 2103 naming the first that is
//! not; answered with `answer_command` or `answer_failure`.

use epp::{CommandName, Request, RequestKind, Response, ResultCode, SessionError};

use crate::common::*;
use crate::support::*;

/// A secDNS element (the test login's extURI), declared on the element.
const SEC: &str = r#"<secDNS:update xmlns:secDNS="urn:ietf:params:xml:ns:secDNS-1.1"><secDNS:rem><secDNS:all>true</secDNS:all></secDNS:rem></secDNS:update>"#;

fn protocol_extension(elements: &str) -> String {
    epp(&format!("<extension>{elements}</extension>"))
}

#[test]
fn before_login_it_is_2002() {
    let mut c = Conn::new();
    let r = c.ask(&protocol_extension(SEC));
    assert_eq!(code_of(&r), 2002, "{r}");
    assert_eq!(cltrid_of(&r), None);
}

#[test]
fn logged_in_it_is_handed_to_the_host_and_answered_like_a_command() {
    let mut c = Conn::at(
        config_builder().transaction_log(true).build().unwrap(),
        t0(),
    );
    c.one();
    c.login();
    while c.s.poll_transaction().is_some() {}
    // Declarations inherited from <epp> are copied onto the element.
    c.send(&format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0" xmlns:secDNS="{SECDNS}"><extension><secDNS:update><secDNS:rem><secDNS:all>true</secDNS:all></secDNS:rem></secDNS:update></extension></epp>"#
    ));
    let r = c.req();
    assert_eq!(r.kind(), RequestKind::Extension);
    assert_eq!(RequestKind::Extension.to_string(), "extension");
    let Request::Extension(x) = r else { panic!() };
    assert_eq!(&*x.client_id, "registrar1");
    assert_eq!(x.extension_uris, [SECDNS]);
    assert_eq!(
        x.extension_xml,
        format!(
            r#"<secDNS:update xmlns:secDNS="{SECDNS}" xmlns="{EPP_NS}"><secDNS:rem><secDNS:all>true</secDNS:all></secDNS:rem></secDNS:update>"#
        )
    );
    c.silent();
    // A login answer is the wrong answer.
    let e =
        c.s.answer_login(x.id, epp::LoginAnswer::Accepted)
            .unwrap_err();
    assert!(
        matches!(
            e,
            SessionError::WrongAnswer {
                kind: RequestKind::Extension,
                ..
            }
        ),
        "{e}"
    );
    c.s.answer_command(
        x.id,
        Response::success().with_extension(format!(
            r#"<secDNS:infData xmlns:secDNS="{SECDNS}"><secDNS:maxSigLife>604800</secDNS:maxSigLife></secDNS:infData>"#
        )),
    )
    .unwrap();
    let r = c.one();
    assert_eq!(code_of(&r), 1000, "{r}");
    assert!(r.contains("<extension><secDNS:infData"), "{r}");
    // No clTRID: a protocol extension has none in the EPP namespace.
    assert!(!r.contains("<clTRID>"), "{r}");
    let t = c.s.poll_transaction().expect("a record");
    assert_eq!(t.command, CommandName::Extension);
    assert_eq!(t.command.to_string(), "extension");
    assert_eq!(t.code, Some(ResultCode::Success));
    assert_eq!(t.client_transaction_id, None);

    // Two elements; answer_failure.
    c.send(&protocol_extension(&format!("{SEC}{SEC}")));
    let Request::Extension(x) = c.req() else {
        panic!()
    };
    assert_eq!(x.extension_uris, [SECDNS, SECDNS]);
    c.s.answer_failure(x.id, Some("not today")).unwrap();
    let r = c.one();
    assert_eq!(code_of(&r), 2400, "{r}");
    assert!(r.contains("<msg>not today</msg>"), "{r}");
}

#[test]
fn an_element_outside_the_login_extensions_is_2103() {
    let mut c = Conn::logged_in();
    for (elements, named) in [
        (format!(r#"<x:data xmlns:x="{EXT_X}">1</x:data>"#), EXT_X),
        (
            format!(r#"{SEC}<x:data xmlns:x="{EXT_X}">1</x:data>"#),
            EXT_X,
        ),
    ] {
        let r = c.ask(&protocol_extension(&elements));
        assert_eq!(code_of(&r), 2103, "{r}");
        assert!(
            r.contains(&format!("<value><extURI>{named}</extURI></value>")),
            "{r}"
        );
    }
    // Offered by the server but not chosen at login: 2103 too.
    let mut c = Conn::new();
    c.login_as(
        &LoginXml {
            exts: vec![],
            ..LoginXml::default()
        },
        epp::LoginAnswer::Accepted,
    );
    let r = c.ask(&protocol_extension(SEC));
    assert_eq!(code_of(&r), 2103, "{r}");
    c.still_alive();
}

#[test]
fn what_ext_any_type_refuses_is_2001() {
    let mut c = Conn::logged_in();
    for bad in [
        "<extension/>".to_string(),
        "<extension>text</extension>".to_string(),
        "<extension><hello/></extension>".to_string(),
        "<extension><plain/></extension>".to_string(),
        format!("<extension>{SEC}</extension><extension>{SEC}</extension>"),
        format!(r#"<extension a="1">{SEC}</extension>"#),
    ] {
        let r = c.ask(&epp(&bad));
        assert_eq!(code_of(&r), 2001, "{bad}: {r}");
    }
    c.still_alive();
}
