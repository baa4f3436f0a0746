//! protocol.md, "XML": what is accepted, what is refused with 2001, and the
//! schema strictness of session commands.

use epp::{CloseReason, Limits, Request, ResultCode};

use crate::common::*;
use crate::support::*;

/// `<epp>` around `inner`, in the EPP default namespace, no declaration.
fn bare(inner: &str) -> String {
    format!("<epp xmlns=\"{EPP_NS}\">{inner}</epp>")
}

const POLL_CMD: &str = r#"<command><poll op="req"/><clTRID>ENC-1</clTRID></command>"#;

/// The document must be read: a hello gets the greeting, and a poll before
/// login gets 2002 with its clTRID (so the command was parsed).
#[track_caller]
fn assert_accepted(before: &[u8], after: &[u8]) {
    let doc = |inner: &str| {
        let mut v = before.to_vec();
        v.extend_from_slice(bare(inner).as_bytes());
        v.extend_from_slice(after);
        v
    };
    let mut c = Conn::new();
    c.send_bytes(&doc("<hello/>"));
    c.no_req();
    let g = c.one();
    assert_eq!(
        normalize(&g),
        normalize(&expected_greeting("x")),
        "hello in {:?}",
        String::from_utf8_lossy(&doc("<hello/>"))
    );
    c.send_bytes(&doc(POLL_CMD));
    c.no_req();
    assert_resp(
        &c.one(),
        &response(
            &result_msg(ResultCode::CommandUseError, "log in first", ""),
            "",
            Some("ENC-1"),
        ),
    );
}

/// The frame gets 2001 (naming `element`), nothing reaches the host, and
/// the session goes on.
#[track_caller]
fn assert_refused_bytes(c: &mut Conn, body: &[u8], element: &str) -> String {
    c.send_bytes(body);
    c.no_req();
    let r = c.one();
    assert_2001(&r, element);
    c.still_alive();
    r
}

#[track_caller]
fn assert_refused(body: &str, element: &str) -> String {
    let mut c = Conn::new();
    assert_refused_bytes(&mut c, body.as_bytes(), element)
}

// ---------------------------------------------------------------------------
// Encodings and declarations
// ---------------------------------------------------------------------------

#[test]
fn no_xml_declaration_is_accepted() {
    assert_accepted(b"", b"");
}

#[test]
fn single_quoted_declaration_is_accepted() {
    assert_accepted(b"<?xml version='1.0'?>", b"");
    assert_accepted(
        b"<?xml version='1.0' encoding='UTF-8' standalone='no'?>",
        b"",
    );
}

#[test]
fn encoding_labels_utf8_are_accepted() {
    for label in ["UTF-8", "utf-8", "UTF8"] {
        assert_accepted(
            format!("<?xml version=\"1.0\" encoding=\"{label}\"?>").as_bytes(),
            b"",
        );
    }
}

#[test]
fn standalone_no_is_accepted() {
    assert_accepted(b"<?xml version=\"1.0\" standalone=\"no\"?>", b"");
    assert_accepted(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>",
        b"",
    );
}

#[test]
fn byte_order_mark_is_accepted() {
    assert_accepted(b"\xEF\xBB\xBF", b"");
    assert_accepted(
        b"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        b"",
    );
}

#[test]
fn whitespace_and_crlf_around_the_root_are_accepted() {
    assert_accepted(b"  \r\n\t\n", b"");
    assert_accepted(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n\r\n", b"");
    assert_accepted(b"", b"\n");
    assert_accepted(b"", b"\r\n");
    assert_accepted(b"\r\n", b" \r\n\t\r\n");
    assert_accepted(b"<?xml version=\"1.0\"?>\n", b"\r\n");
}

#[test]
fn non_utf8_is_refused() {
    let mut c = Conn::new();
    // A Latin-1 byte and a stray 0xFF in a clTRID.
    for bad in [&b"\xE9t\xE9"[..], b"AB\xFFC", b"\xED\xA0\x80abc"] {
        let mut doc =
            format!("<epp xmlns=\"{EPP_NS}\"><command><poll op=\"req\"/><clTRID>").into_bytes();
        doc.extend_from_slice(bad);
        doc.extend_from_slice(b"</clTRID></command></epp>");
        let r = assert_refused_bytes(&mut c, &doc, "epp");
        assert_eq!(echoed(&r), None);
    }
    // Declared in another encoding (the bytes are ASCII).
    for enc in ["ISO-8859-1", "UTF-16", "US-ASCII", "latin1"] {
        let doc = format!(
            "<?xml version=\"1.0\" encoding=\"{enc}\"?>{}",
            bare("<hello/>")
        );
        assert_refused_bytes(&mut c, doc.as_bytes(), "epp");
    }
    // UTF-16LE with its BOM.
    let mut utf16 = vec![0xFF, 0xFE];
    for u in bare("<hello/>").encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    assert_refused_bytes(&mut c, &utf16, "epp");
}

// ---------------------------------------------------------------------------
// DTDs and entities
// ---------------------------------------------------------------------------

#[test]
fn doctype_is_2001() {
    for dt in [
        "<!DOCTYPE epp>",
        "<!DOCTYPE epp SYSTEM \"file:///etc/passwd\">",
        "<!DOCTYPE epp [<!ELEMENT epp ANY>]>",
    ] {
        assert_refused(&format!("{dt}{}", bare("<hello/>")), "epp");
    }
}

#[test]
fn entity_declarations_are_2001() {
    let declared = format!(
        "<!DOCTYPE epp [<!ENTITY x \"boom\">]>{}",
        bare("<command><poll op=\"req\"/><clTRID>&x;-1</clTRID></command>")
    );
    let r = assert_refused(&declared, "epp");
    assert!(!r.contains("boom"), "the entity must not be expanded: {r}");
    let external = format!(
        "<!DOCTYPE epp [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>{}",
        bare("<command><poll op=\"req\"/><clTRID>&x;-1</clTRID></command>")
    );
    let r = assert_refused(&external, "epp");
    assert!(!r.contains("root:"), "{r}");
    let laughs = format!(
        "<!DOCTYPE epp [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\
         <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]>{}",
        bare("<command><poll op=\"req\"/><clTRID>&d;</clTRID></command>")
    );
    assert_refused(&laughs, "epp");
}

#[test]
fn undefined_entity_references_are_2001() {
    let mut c = Conn::new();
    c.login();
    // In text of an EPP element, in an attribute, in object content.
    let r = assert_refused_bytes(
        &mut c,
        bare("<command><poll op=\"req\"/><clTRID>A&nbsp;BC</clTRID></command>").as_bytes(),
        "clTRID",
    );
    assert_eq!(echoed(&r), None);
    assert_refused_bytes(
        &mut c,
        bare("<command><poll op=\"&req;\"/><clTRID>ENT-2</clTRID></command>").as_bytes(),
        "poll",
    );
    let obj = cmd(
        &format!(
            "<info><d:info xmlns:d=\"{DOMAIN}\"><d:name>&eacute;.example</d:name></d:info></info>"
        ),
        Some("ENT-3"),
    );
    assert_refused_bytes(&mut c, obj.as_bytes(), "name");
}

#[test]
fn predefined_entities_and_character_references_are_expanded() {
    let mut c = Conn::logged_in();
    c.send(&bare(
        "<command><poll op=\"req\"/><clTRID>&lt;&gt;&amp;&apos;&quot;&#65;&#x42;-z</clTRID></command>",
    ));
    let Request::Poll(p) = c.req() else { panic!() };
    assert_eq!(
        p.client_transaction_id.as_ref().map(|t| t.as_str()),
        Some("<>&'\"AB-z")
    );
    c.s.answer_poll(p.id, epp::PollAnswer::Empty).unwrap();
    let r = c.one();
    assert_eq!(unescape(&echoed(&r).unwrap()), "<>&'\"AB-z");
    // In an attribute too.
    c.send(&bare(
        "<command><poll op=\"&#97;ck\" msgID=\"&#49;0&#x31;\"/><clTRID>ENT-4</clTRID></command>",
    ));
    let Request::PollAck(a) = c.req() else {
        panic!()
    };
    assert_eq!(a.message_id, 101);
    c.s.answer_ack(a.id, epp::AckAnswer::UnknownMessage)
        .unwrap();
    assert_eq!(code_of(&c.one()), 2303);
}

// ---------------------------------------------------------------------------
// Namespaces
// ---------------------------------------------------------------------------

#[test]
fn epp_elements_are_matched_by_uri_not_prefix() {
    let mut c = Conn::new();
    // A fully prefixed login.
    let login = format!(
        "<e:epp xmlns:e=\"{EPP_NS}\"><e:command><e:login><e:clID>registrar1</e:clID><e:pw>secret-pw1</e:pw>\
         <e:options><e:version>1.0</e:version><e:lang>en</e:lang></e:options><e:svcs><e:objURI>{DOMAIN}</e:objURI>\
         </e:svcs></e:login><e:clTRID>NS-1</e:clTRID></e:command></e:epp>"
    );
    c.send(&login);
    let Request::Login(l) = c.req() else { panic!() };
    assert_eq!(l.object_uris, [DOMAIN]);
    assert_eq!(l.client_transaction_id.unwrap(), "NS-1");
    c.s.answer_login(l.id, epp::LoginAnswer::Accepted).unwrap();
    assert_resp(&c.one(), &simple(ResultCode::Success, Some("NS-1")));
    // The EPP namespace bound on a child, under another prefix.
    c.send(&format!(
        "<e:epp xmlns:e=\"{EPP_NS}\"><e:command xmlns:q=\"{EPP_NS}\"><q:poll op=\"req\"/><e:clTRID>NS-2</e:clTRID></e:command></e:epp>"
    ));
    let Request::Poll(p) = c.req() else { panic!() };
    assert_eq!(p.client_transaction_id.unwrap(), "NS-2");
    c.s.answer_poll(p.id, epp::PollAnswer::Empty).unwrap();
    assert_eq!(code_of(&c.one()), 1300);
    // The default namespace declared on a child.
    c.send(&format!(
        "<e:epp xmlns:e=\"{EPP_NS}\"><command xmlns=\"{EPP_NS}\"><poll op=\"req\"/><clTRID>NS-3</clTRID></command></e:epp>"
    ));
    let Request::Poll(p) = c.req() else { panic!() };
    assert_eq!(p.client_transaction_id.unwrap(), "NS-3");
    c.s.answer_poll(p.id, epp::PollAnswer::Empty).unwrap();
    assert_eq!(code_of(&c.one()), 1300);
}

#[test]
fn right_names_in_the_wrong_namespace_are_refused() {
    for doc in [
        "<epp xmlns=\"urn:ietf:params:xml:ns:epp-0.4\"><hello/></epp>".to_string(),
        "<epp:epp xmlns:epp=\"urn:example:not-epp\"><epp:hello/></epp:epp>".to_string(),
        "<epp><hello/></epp>".to_string(),
    ] {
        assert_refused(&doc, "epp");
    }
    assert_refused(&bare("<hello xmlns=\"urn:example:x\"/>"), "hello");
    assert_refused(
        &bare("<command><x:poll op=\"req\"/><clTRID>NS-4</clTRID></command>"),
        "poll",
    );
}

#[test]
fn object_and_extension_namespaces_are_matched_by_uri() {
    let mut c = Conn::logged_in();
    // Object namespace declared on the root under an unusual prefix.
    c.send(&format!(
        "<epp xmlns=\"{EPP_NS}\" xmlns:zz=\"{DOMAIN}\" xmlns:s=\"{SECDNS}\"><command><check><zz:check><zz:name>a.example</zz:name>\
         </zz:check></check><extension><s:create><s:maxSigLife>604800</s:maxSigLife></s:create></extension><clTRID>NS-5</clTRID></command></epp>"
    ));
    let Request::Command(cm) = c.req() else {
        panic!()
    };
    assert_eq!(cm.object_uri, DOMAIN);
    assert_eq!(cm.extension_uris, [SECDNS]);
    // The object XML stands alone: it carries the declarations it inherits.
    assert!(
        cm.object_xml.starts_with("<zz:check")
            && cm.object_xml.contains(&format!("xmlns:zz=\"{DOMAIN}\"")),
        "{}",
        cm.object_xml
    );
    assert!(cm
        .extension_xml
        .as_deref()
        .unwrap()
        .contains(&format!("xmlns:s=\"{SECDNS}\"")));
    c.s.answer_command(cm.id, epp::Response::success()).unwrap();
    assert_resp(&c.one(), &simple(ResultCode::Success, Some("NS-5")));
    // Object namespace as the default namespace of the object element.
    c.send(&cmd(
        &format!("<info><info xmlns=\"{DOMAIN}\"><name>a.example</name></info></info>"),
        Some("NS-6"),
    ));
    let Request::Command(cm) = c.req() else {
        panic!()
    };
    assert_eq!(cm.object_uri, DOMAIN);
    c.s.answer_command(cm.id, epp::Response::success()).unwrap();
    assert_eq!(code_of(&c.one()), 1000);
    // The usual prefix bound to another URI is another namespace: 2307.
    let r = c.ask(&cmd(
        &format!("<check><domain:check xmlns:domain=\"{WIDGET}\"><domain:name>a</domain:name></domain:check></check>"),
        Some("NS-7"),
    ));
    assert_resp(
        &r,
        &response(
            &result(
                ResultCode::UnimplementedObjectService,
                &ext_value("objURI", WIDGET),
            ),
            "",
            Some("NS-7"),
        ),
    );
}

#[test]
fn undeclared_prefix_is_2001() {
    assert_refused(&bare("<command><x:logout/></command>"), "logout");
    assert_refused("<e:epp><e:hello/></e:epp>", "epp");
}

// ---------------------------------------------------------------------------
// Bounds
// ---------------------------------------------------------------------------

/// A domain info whose `<d:name>` sits under `extra` more wrapping levels;
/// the deepest element is at depth 5 + extra.
fn nested_info(extra: usize) -> String {
    let open = "<d:x>".repeat(extra);
    let close = "</d:x>".repeat(extra);
    cmd(
        &format!("<info><d:info xmlns:d=\"{DOMAIN}\">{open}<d:name>a.example</d:name>{close}</d:info></info>"),
        Some("DEPTH-1"),
    )
}

/// Sends `xml` and expects the host to get it (answered 1000).
#[track_caller]
fn assert_passes(c: &mut Conn, xml: &str) {
    c.send(xml);
    let Request::Command(cm) = c.req() else {
        panic!("expected a Command, got {:?}", c.out())
    };
    c.s.answer_command(cm.id, epp::Response::success()).unwrap();
    assert_eq!(code_of(&c.one()), 1000);
}

#[track_caller]
fn assert_bounded(c: &mut Conn, xml: &str) -> String {
    c.send(xml);
    c.no_req();
    let r = c.one();
    assert_eq!(code_of(&r), 2001, "{r}");
    assert!(r.contains("<extValue><value><"), "{r}");
    assert!(!reason_of(&r).is_empty());
    c.still_alive();
    r
}

#[test]
fn depth_bound_is_2001() {
    let cfg = with_limits(Limits {
        max_xml_depth: 8,
        ..Limits::default()
    });
    let mut c = Conn::open(cfg);
    c.login();
    assert_passes(&mut c, &nested_info(3)); // depth 8
    assert_bounded(&mut c, &nested_info(4)); // depth 9
                                             // The default (64).
    let mut c = Conn::logged_in();
    assert_passes(&mut c, &nested_info(59));
    assert_bounded(&mut c, &nested_info(60));
}

#[test]
fn absurd_depth_is_2001_without_panic() {
    let mut c = Conn::logged_in();
    let doc = format!("<epp xmlns=\"{EPP_NS}\">{}", "<a>".repeat(80_000));
    assert!(doc.len() + 4 < 256 * 1024);
    assert_bounded(&mut c, &doc);
    let doc = cmd(
        &format!(
            "<info><d:info xmlns:d=\"{DOMAIN}\">{}{}</d:info></info>",
            "<d:x>".repeat(20_000),
            "</d:x>".repeat(20_000)
        ),
        None,
    );
    assert_bounded(&mut c, &doc);
}

fn info_with_attributes(n: usize, value_len: usize) -> String {
    let attrs: String = (0..n)
        .map(|i| format!(" a{i}=\"{}\"", "v".repeat(value_len)))
        .collect();
    cmd(
        &format!(
            "<info><d:info xmlns:d=\"{DOMAIN}\"><d:name{attrs}>a.example</d:name></d:info></info>"
        ),
        Some("ATTR-1"),
    )
}

#[test]
fn attribute_count_bound_is_2001() {
    let cfg = with_limits(Limits {
        max_xml_attributes: 4,
        ..Limits::default()
    });
    let mut c = Conn::open(cfg);
    c.login();
    assert_passes(&mut c, &info_with_attributes(4, 1));
    let r = assert_bounded(&mut c, &info_with_attributes(5, 1));
    assert!(r.contains("<value><name>"), "{r}");
    // The default (32), and a flood.
    let mut c = Conn::logged_in();
    assert_passes(&mut c, &info_with_attributes(32, 1));
    assert_bounded(&mut c, &info_with_attributes(33, 1));
    assert_bounded(&mut c, &info_with_attributes(20_000, 1));
}

#[test]
fn attribute_value_length_bound_is_2001() {
    let cfg = with_limits(Limits {
        max_xml_text: 64,
        ..Limits::default()
    });
    let mut c = Conn::open(cfg);
    c.login();
    assert_passes(&mut c, &info_with_attributes(1, 64));
    assert_bounded(&mut c, &info_with_attributes(1, 65));
}

#[test]
fn text_length_bound_in_epp_elements_is_2001() {
    // An objURI is an anyURI without a length limit: only the text bound
    // can refuse it (else it would be 2307, not offered).
    let cfg = with_limits(Limits {
        max_xml_text: 64,
        ..Limits::default()
    });
    let mut c = Conn::open(cfg);
    let long_uri = format!("urn:example:{}", "x".repeat(60));
    assert!(long_uri.len() > 64);
    let l = LoginXml {
        objs: vec![long_uri],
        ..LoginXml::default()
    };
    c.send(&l.xml());
    c.no_req();
    let r = c.one();
    assert_2001(&r, "objURI");
    c.still_alive();
}

#[test]
fn text_length_bound_in_object_content_is_2001() {
    // protocol.md: text length is bounded (2001), wherever the text is.
    let cfg = with_limits(Limits {
        max_xml_text: 64,
        ..Limits::default()
    });
    let mut c = Conn::open(cfg);
    c.login();
    let name = |n: usize| {
        cmd(
            &format!(
                "<info><d:info xmlns:d=\"{DOMAIN}\"><d:name>{}</d:name></d:info></info>",
                "a".repeat(n)
            ),
            Some("TEXT-1"),
        )
    };
    assert_passes(&mut c, &name(64));
    assert_bounded(&mut c, &name(65));
    // The default bound (64 KiB) in a frame under the default size.
    let mut c = Conn::logged_in();
    assert_bounded(&mut c, &name(64 * 1024 + 1));
}

// ---------------------------------------------------------------------------
// Schema strictness of session commands
// ---------------------------------------------------------------------------

const CL: &str = "<clID>registrar1</clID>";
const PW: &str = "<pw>secret-pw1</pw>";
const OPT: &str = "<options><version>1.0</version><lang>en</lang></options>";

fn svcs() -> String {
    format!("<svcs><objURI>{DOMAIN}</objURI></svcs>")
}

fn login_of(parts: &str) -> String {
    cmd(&format!("<login>{parts}</login>"), Some("STRICT-1"))
}

/// A login-phase 2001: names `element`, echoes the valid clTRID, and the
/// session still takes a login.
#[track_caller]
fn assert_login_2001(xml: &str, element: &str) -> String {
    let mut c = Conn::new();
    c.send(xml);
    c.no_req();
    let r = c.one();
    assert_2001(&r, element);
    assert_eq!(echoed(&r).as_deref(), Some("STRICT-1"), "{r}");
    c.still_alive();
    c.login();
    r
}

#[test]
fn login_element_order_is_enforced() {
    let s = svcs();
    let cases = [
        (format!("{PW}{CL}{OPT}{s}"), "pw"),
        (format!("{CL}{OPT}{PW}{s}"), "options"),
        (format!("{CL}{PW}{s}{OPT}"), "svcs"),
        (format!("{CL}<newPW>new-secret-1</newPW>{PW}{OPT}{s}"), "newPW"),
        (
            format!("{CL}{PW}<options><lang>en</lang><version>1.0</version></options>{s}"),
            "lang",
        ),
        (
            format!(
                "{CL}{PW}{OPT}<svcs><svcExtension><extURI>{SECDNS}</extURI></svcExtension><objURI>{DOMAIN}</objURI></svcs>"
            ),
            "svcExtension",
        ),
        (
            format!(
                "{CL}{PW}{OPT}<svcs><objURI>{DOMAIN}</objURI><svcExtension><extURI>{SECDNS}</extURI></svcExtension><objURI>{HOST}</objURI></svcs>"
            ),
            "objURI",
        ),
    ];
    for (parts, element) in cases {
        assert_login_2001(&login_of(&parts), element);
    }
}

#[test]
fn login_required_elements_are_enforced() {
    let s = svcs();
    let cases = [
        (format!("{PW}{OPT}{s}"), "pw"), // no clID: pw where clID must be
        (format!("{CL}{OPT}{s}"), "options"), // no pw
        (format!("{CL}{PW}{s}"), "svcs"), // no options
        (format!("{CL}{PW}{OPT}"), "login"), // no svcs
        (String::new(), "login"),
        (
            format!("{CL}{PW}<options><version>1.0</version></options>{s}"),
            "options",
        ),
        (
            format!("{CL}{PW}<options><lang>en</lang></options>{s}"),
            "lang",
        ),
        (format!("{CL}{PW}{OPT}<svcs/>"), "svcs"),
        (
            format!("{CL}{PW}{OPT}<svcs><objURI>{DOMAIN}</objURI><svcExtension/></svcs>"),
            "svcExtension",
        ),
    ];
    for (parts, element) in cases {
        assert_login_2001(&login_of(&parts), element);
    }
    // An empty objURI is a valid anyURI (the schema takes it) that names no
    // service offered: 2307, like any other.
    let mut c = Conn::new();
    let r = c.ask(&login_of(&format!(
        "{CL}{PW}{OPT}<svcs><objURI></objURI></svcs>"
    )));
    assert_eq!(code_of(&r), 2307, "{r}");
}

#[test]
fn login_unexpected_content_is_refused() {
    let s = svcs();
    assert_login_2001(&login_of(&format!("{CL}{PW}{OPT}{s}<foo/>")), "foo");
    assert_login_2001(&login_of(&format!("{CL}{PW}{OPT}{s}text")), "login");
    assert_login_2001(
        &cmd(
            &format!("<login id=\"1\">{CL}{PW}{OPT}{s}</login>"),
            Some("STRICT-1"),
        ),
        "login",
    );
    assert_login_2001(
        &login_of(&format!(
            "{CL}{PW}<options><version>1.0</version><lang>en</lang><x/></options>{s}"
        )),
        "x",
    );
}

#[test]
fn schema_violation_inside_a_text_element_still_echoes_the_cltrid() {
    // Well-formed XML, valid clTRID, an element where only text may be: a
    // schema violation like any other (2001), so the clTRID is echoed.
    let s = svcs();
    assert_login_2001(
        &login_of(&format!("<clID>reg<b/>x</clID>{PW}{OPT}{s}")),
        "clID",
    );
}

/// The login must reach the host; returns the request.
fn login_passes(l: &LoginXml) -> epp::LoginRequest {
    let mut c = Conn::new();
    c.send(&l.xml());
    let Request::Login(r) = c.req() else {
        panic!("expected Login for {l:?}, got {:?}", c.out())
    };
    c.s.answer_login(r.id, epp::LoginAnswer::Accepted).unwrap();
    assert_eq!(code_of(&c.one()), 1000);
    *r
}

#[test]
fn clid_is_3_to_16_characters() {
    for ok in ["abc", "abcdefghijklmnop", "ééé"] {
        let r = login_passes(&LoginXml {
            clid: ok.into(),
            ..LoginXml::default()
        });
        assert_eq!(r.client_id, ok);
    }
    for bad in ["ab", "abcdefghijklmnopq", "", &"é".repeat(17)] {
        let l = LoginXml {
            clid: bad.to_string(),
            cl: Some("STRICT-1".into()),
            ..LoginXml::default()
        };
        let r = assert_login_2001(&l.xml(), "clID");
        assert!(
            r.contains(&format!("<value><clID>{bad}</clID></value>")),
            "{r}"
        );
    }
}

#[test]
fn pw_and_new_pw_are_6_to_16_characters() {
    for ok in ["abcdef", "abcdefghijklmnop", &"é".repeat(16)] {
        let r = login_passes(&LoginXml {
            pw: ok.to_string(),
            new_pw: Some(ok.to_string()),
            ..LoginXml::default()
        });
        assert_eq!(r.password, ok);
        assert_eq!(r.new_password.as_deref(), Some(ok));
    }
    for bad in ["abcde", "abcdefghijklmnopq", &"é".repeat(17)] {
        let l = LoginXml {
            pw: bad.to_string(),
            cl: Some("STRICT-1".into()),
            ..LoginXml::default()
        };
        let r = assert_login_2001(&l.xml(), "pw");
        assert!(!r.contains(bad), "a refused password is not echoed: {r}");
        let l = LoginXml {
            new_pw: Some(bad.to_string()),
            cl: Some("STRICT-1".into()),
            ..LoginXml::default()
        };
        let r = assert_login_2001(&l.xml(), "newPW");
        assert!(!r.contains(bad), "a refused password is not echoed: {r}");
        assert!(!r.contains("secret-pw1"), "{r}");
    }
}

#[test]
fn version_must_be_a_version() {
    for bad in ["1", "1.0.0", "v1", "", "0.1"] {
        let l = LoginXml {
            version: bad.into(),
            cl: Some("STRICT-1".into()),
            ..LoginXml::default()
        };
        assert_login_2001(&l.xml(), "version");
    }
    // Of the pattern but not the enumeration (1.0 alone): the schema
    // refuses these too, so they are 2001 as well, never 2100.
    for other in ["2.0", "1.1", "1.00"] {
        let l = LoginXml {
            version: other.into(),
            cl: Some("STRICT-1".into()),
            ..LoginXml::default()
        };
        assert_login_2001(&l.xml(), "version");
    }
    // <logout> has no declared type (anyType): any attribute will do.
    let mut c = Conn::logged_in();
    c.send(&cmd("<logout x=\"1\"/>", Some("BYE-1")));
    assert_eq!(c.end_reason(), CloseReason::Logout);
    let r = c.one();
    assert_eq!(code_of(&r), 1500, "{r}");
}

#[test]
fn lang_must_be_a_language() {
    for bad in ["en_GB", "", "abcdefghi", "e n"] {
        let l = LoginXml {
            lang: bad.into(),
            cl: Some("STRICT-1".into()),
            ..LoginXml::default()
        };
        assert_login_2001(&l.xml(), "lang");
    }
}

#[test]
fn cltrid_is_3_to_64_characters() {
    let mut c = Conn::logged_in();
    for ok in ["abc".to_string(), "x".repeat(64), "é".repeat(64)] {
        c.send(&poll_req_xml(Some(&ok)));
        let Request::Poll(p) = c.req() else { panic!() };
        c.s.answer_poll(p.id, epp::PollAnswer::Empty).unwrap();
        assert_eq!(echoed(&c.one()).as_deref(), Some(ok.as_str()));
    }
    for bad in [
        "ab".to_string(),
        "x".repeat(65),
        "é".repeat(65),
        String::new(),
    ] {
        let r = c.ask(&poll_req_xml(Some(&bad)));
        assert_2001(&r, "clTRID");
        assert_eq!(echoed(&r), None, "an invalid clTRID is not echoed: {r}");
    }
}

#[test]
fn command_element_order_is_enforced() {
    let mut c = Conn::logged_in();
    // <extension> after <clTRID>.
    let r = c.ask(&bare(&format!(
        "<command><check><d:check xmlns:d=\"{DOMAIN}\"><d:name>a</d:name></d:check></check>\
         <clTRID>ORD-1</clTRID><extension><s:x xmlns:s=\"{SECDNS}\"/></extension></command>"
    )));
    assert_2001(&r, "extension");
    // Two clTRIDs.
    let r = c.ask(&bare(
        "<command><poll op=\"req\"/><clTRID>ORD-2</clTRID><clTRID>ORD-3</clTRID></command>",
    ));
    assert_2001(&r, "clTRID");
    // Two command elements.
    let r = c.ask(&bare(
        "<command><poll op=\"req\"/><logout/><clTRID>ORD-4</clTRID></command>",
    ));
    assert_2001(&r, "logout");
    assert_eq!(echoed(&r).as_deref(), Some("ORD-4"));
    c.still_alive();
}

#[test]
fn cltrid_before_the_command_element_is_2001() {
    // epp-1.0.xsd commandType is a sequence: command element, extension?,
    // clTRID?. A clTRID first is an order violation (2001), not an unknown
    // command.
    let mut c = Conn::logged_in();
    let r = c.ask(&bare(
        "<command><clTRID>ORD-5</clTRID><poll op=\"req\"/></command>",
    ));
    assert_eq!(code_of(&r), 2001, "{r}");
    let r = c.ask(&bare("<command><clTRID>ORD-6</clTRID></command>"));
    assert_eq!(
        code_of(&r),
        2001,
        "a command without a command element: {r}"
    );
}

#[test]
fn poll_and_transfer_are_checked() {
    let mut c = Conn::logged_in();
    for (inner, element) in [
        ("<poll/>", "poll"),
        ("<poll op=\"bogus\"/>", "poll"),
        ("<poll op=\"req\" extra=\"1\"/>", "poll"),
        ("<poll op=\"req\"><x/></poll>", "poll"),
        ("<poll op=\"req\">text</poll>", "poll"),
    ] {
        let r = c.ask(&cmd(inner, Some("STRICT-2")));
        assert_2001(&r, element);
        assert_eq!(echoed(&r).as_deref(), Some("STRICT-2"));
    }
    for (inner, element) in [
        (
            format!("<transfer><d:transfer xmlns:d=\"{DOMAIN}\"><d:name>a</d:name></d:transfer></transfer>"),
            "transfer",
        ),
        (
            format!("<transfer op=\"steal\"><d:transfer xmlns:d=\"{DOMAIN}\"><d:name>a</d:name></d:transfer></transfer>"),
            "transfer",
        ),
        ("<check/>".to_string(), "check"),
        (
            format!("<check><d:check xmlns:d=\"{DOMAIN}\"/><d:check xmlns:d=\"{DOMAIN}\"/></check>"),
            "check",
        ),
        ("<check><name>a</name></check>".to_string(), "name"),
    ] {
        let r = c.ask(&cmd(&inner, Some("STRICT-3")));
        assert_2001(&r, element);
        assert_eq!(echoed(&r).as_deref(), Some("STRICT-3"));
    }
    c.still_alive();
}

#[test]
fn epp_envelope_is_checked() {
    for (doc, element) in [
        (bare(""), "epp"),
        (bare("<hello/><hello/>"), "epp"),
        (bare("text<hello/>"), "epp"),
        (bare("<greeting/>"), "greeting"),
        (bare("<response/>"), "response"),
        (format!("{}<epp/>", bare("<hello/>")), "epp"),
    ] {
        assert_refused(&doc, element);
    }
    let mut c = Conn::logged_in();
    let r = c.ask(&check_xml(DOMAIN, Some(""), Some("STRICT-4")));
    assert_2001(&r, "extension");
    let r = c.ask(&check_xml(
        DOMAIN,
        Some("<clTRID>x</clTRID>"),
        Some("STRICT-4"),
    ));
    assert_2001(&r, "clTRID");
}

#[test]
fn a_2001_names_the_element_and_gives_a_reason() {
    // The whole response for a typical violation.
    let mut c = Conn::new();
    let l = LoginXml {
        clid: "ab".into(),
        cl: Some("WHOLE-1".into()),
        ..LoginXml::default()
    };
    let r = c.ask(&l.xml());
    assert_resp(
        &r,
        &response(
            &result(ResultCode::CommandSyntaxError, &ext_value("clID", "ab")),
            "",
            Some("WHOLE-1"),
        ),
    );
    let reason = reason_of(&r);
    assert!(
        reason.contains("clID") && reason.contains('3') && reason.contains("16"),
        "{reason}"
    );
}
