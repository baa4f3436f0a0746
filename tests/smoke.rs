mod common;
use common::*;
use epp::Session;

/// A whole document as libepp writes it: the XML declaration, `<epp>` in
/// the EPP namespace, `body`, `</epp>`. Expands to one string literal.
macro_rules! epp_doc {
    ($($body:literal),* $(,)?) => {
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0">"#,
            $($body,)*
            "</epp>"
        )
    };
}

/// The greeting of `common::config()`, with `svDate` as given.
macro_rules! greeting {
    ($sv_date:literal) => {
        epp_doc!(
            "<greeting><svID>libepp test server</svID><svDate>",
            $sv_date,
            "</svDate><svcMenu><version>1.0</version><lang>en</lang>",
            "<objURI>urn:ietf:params:xml:ns:domain-1.0</objURI>",
            "<objURI>urn:ietf:params:xml:ns:host-1.0</objURI>",
            "<objURI>urn:ietf:params:xml:ns:contact-1.0</objURI>",
            "<svcExtension><extURI>urn:ietf:params:xml:ns:secDNS-1.1</extURI></svcExtension>",
            "</svcMenu><dcp><access><all/></access><statement><purpose><admin/><prov/></purpose>",
            "<recipient><ours/><public/></recipient><retention><stated/></retention></statement>",
            "</dcp></greeting>",
        )
    };
}

/// A scripted session, every byte of every response compared. Nothing is
/// normalised: the session is created at `t0()` (2027-01-15T08:00:00Z), the
/// client's frames arrive 65 s later, the host's poll messages are dated
/// `t0()`, and the svTRID epoch is fixed (7), so the output is exact.
#[test]
fn whole_session() {
    let mut s = Session::new(server(), t0());
    let mut host = Host::demo();
    let mut input = Vec::new();
    for x in [
        hello_xml(),
        login_xml("registrar1", "secret-pw1", Some("ABC-1")),
        poll_req_xml(Some("ABC-2")),
        poll_ack_xml("101", Some("ABC-3")),
        poll_req_xml(Some("ABC-4")),
        domain_check_xml(Some("ABC-5")),
        logout_xml(Some("ABC-6")),
    ] {
        input.extend(frame(&x));
    }
    let out = run_chunks(&mut s, &mut host, &input, &[], at(65));

    let expected: [&str; 8] = [
        // On connect: svDate is the session's creation time.
        greeting!("2027-01-15T08:00:00.000Z"),
        // <hello>: svDate is when the hello was read.
        greeting!("2027-01-15T08:01:05.000Z"),
        epp_doc!(
            r#"<response><result code="1000"><msg>Command completed successfully</msg></result>"#,
            "<trID><clTRID>ABC-1</clTRID><svTRID>libepptestserver-7-1</svTRID></trID></response>",
        ),
        epp_doc!(
            r#"<response><result code="1301"><msg>Command completed successfully; ack to dequeue</msg></result>"#,
            r#"<msgQ count="2" id="101"><qDate>2027-01-15T08:00:00.000Z</qDate><msg lang="en">first message</msg></msgQ>"#,
            "<trID><clTRID>ABC-2</clTRID><svTRID>libepptestserver-7-2</svTRID></trID></response>",
        ),
        epp_doc!(
            r#"<response><result code="1000"><msg>Command completed successfully</msg></result>"#,
            r#"<msgQ count="1" id="101"/>"#,
            "<trID><clTRID>ABC-3</clTRID><svTRID>libepptestserver-7-3</svTRID></trID></response>",
        ),
        epp_doc!(
            r#"<response><result code="1301"><msg>Command completed successfully; ack to dequeue</msg></result>"#,
            r#"<msgQ count="1" id="102"><qDate>2027-01-15T08:00:00.000Z</qDate><msg lang="en">second message</msg></msgQ>"#,
            "<trID><clTRID>ABC-4</clTRID><svTRID>libepptestserver-7-4</svTRID></trID></response>",
        ),
        epp_doc!(
            r#"<response><result code="2101"><msg>Unimplemented command</msg></result>"#,
            "<trID><clTRID>ABC-5</clTRID><svTRID>libepptestserver-7-5</svTRID></trID></response>",
        ),
        epp_doc!(
            r#"<response><result code="1500"><msg>Command completed successfully; ending session</msg></result>"#,
            "<trID><clTRID>ABC-6</clTRID><svTRID>libepptestserver-7-6</svTRID></trID></response>",
        ),
    ];
    let frames = unframe(&out);
    for (i, (got, want)) in frames.iter().zip(expected).enumerate() {
        assert_eq!(got, want, "response {i}");
    }
    assert_eq!(frames.len(), expected.len(), "responses: {frames:#?}");
    // The bytes on the wire, length headers included.
    let wire: Vec<u8> = expected.iter().flat_map(|x| frame(x)).collect();
    assert_eq!(out, wire);
    assert!(s.is_finished());
}

#[test]
fn transaction_log_records_every_response() {
    let cfg = epp::ServerConfig::builder("libepp test server")
        .object_uri(DOMAIN)
        .transaction_log(true)
        .sv_trid_epoch(7)
        .build()
        .unwrap();
    let mut s = Session::new(server_on(cfg), t0());
    let mut host = Host::demo();
    let mut input = Vec::new();
    for x in [
        hello_xml(),
        cmd(&format!("<login><clID>registrar1</clID><pw>secret-pw1</pw><options><version>1.0</version><lang>en</lang></options><svcs><objURI>{DOMAIN}</objURI></svcs></login>"), Some("ABC-1")),
        poll_req_xml(None),
        "<epp/>".to_string(),
        logout_xml(Some("ABC-9")),
    ] {
        input.extend(frame(&x));
    }
    run_chunks(&mut s, &mut host, &input, &[], at(5));
    let log: Vec<_> = std::iter::from_fn(|| s.poll_transaction()).collect();
    let summary: Vec<_> = log
        .iter()
        .map(|r| {
            (
                r.command.as_str(),
                r.code.map(|c| c.code()),
                r.client_transaction_id.as_ref().map(|t| t.to_string()),
                r.server_transaction_id.clone(),
            )
        })
        .collect();
    let sv = |n: u64| Some(format!("libepptestserver-7-{n}"));
    assert_eq!(
        summary,
        [
            ("hello", None, None, None),
            ("login", Some(1000), Some("ABC-1".into()), sv(1)),
            ("poll req", Some(1301), None, sv(2)),
            ("invalid", Some(2001), None, sv(3)),
            ("logout", Some(1500), Some("ABC-9".into()), sv(4)),
        ]
    );
    assert!(log.iter().all(|r| r.received_at == at(5)));
    let clients: Vec<_> = log.iter().map(|r| r.client_id.as_deref()).collect();
    assert_eq!(
        clients,
        [
            None,
            Some("registrar1"),
            Some("registrar1"),
            Some("registrar1"),
            Some("registrar1")
        ]
    );
}

#[test]
fn failed_login_is_logged_with_the_attempted_client() {
    let cfg = epp::ServerConfig::builder("libepp test server")
        .object_uri(DOMAIN)
        .transaction_log(true)
        .build()
        .unwrap();
    let mut s = Session::new(server_on(cfg), t0());
    let login = frame(&cmd(&format!("<login><clID>intruder</clID><pw>guessing</pw><options><version>1.0</version><lang>en</lang></options><svcs><objURI>{DOMAIN}</objURI></svcs></login>"), None));
    run_chunks(&mut s, &mut Host::demo(), &login, &[], t0());
    let r = s.poll_transaction().unwrap();
    assert_eq!(
        (
            r.command.as_str(),
            r.code.map(|c| c.code()),
            r.client_id.as_deref()
        ),
        ("login", Some(2200), Some("intruder"))
    );
}

#[test]
fn huge_timeouts_mean_no_timeout() {
    let l = epp::Limits {
        idle_timeout: std::time::Duration::MAX,
        login_deadline: std::time::Duration::MAX,
        ..epp::Limits::default()
    };
    let cfg = epp::ServerConfig::builder("libepp test server")
        .object_uri(DOMAIN)
        .limits(l)
        .build()
        .unwrap();
    let mut s = Session::new(server_on(cfg), t0());
    assert_eq!(s.next_timeout(), None);
    assert!(!s.handle_timeout(at(1_000_000_000)));
}

#[test]
fn consuming_more_than_pending_takes_just_what_is_pending() {
    let mut s = Session::new(server(), t0());
    let greeting = s.output().len();
    assert!(greeting > 0);
    s.consume_output(usize::MAX);
    assert!(s.output().is_empty());
    s.feed_input(&frame(&hello_xml()), t0()).unwrap();
    let n = s.output().len();
    s.consume_output(1);
    s.consume_output(usize::MAX);
    assert!(s.output().is_empty() && n > 1);
}
