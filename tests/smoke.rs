mod common;
use common::*;
use epp::Session;

#[test]
fn whole_session() {
    let mut s = Session::new(config(), t0());
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
    let out = run_chunks(&mut s, &mut host, &input, &[], t0());
    let frames = unframe(&out);
    for f in &frames {
        println!("{f}");
    }
    assert_eq!(frames.len(), 8);
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
    let mut s = Session::new(cfg, t0());
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
                r.command,
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
    let mut s = Session::new(cfg, t0());
    let login = frame(&cmd(&format!("<login><clID>intruder</clID><pw>guessing</pw><options><version>1.0</version><lang>en</lang></options><svcs><objURI>{DOMAIN}</objURI></svcs></login>"), None));
    run_chunks(&mut s, &mut Host::demo(), &login, &[], t0());
    let r = s.poll_transaction().unwrap();
    assert_eq!(
        (r.command, r.code.map(|c| c.code()), r.client_id.as_deref()),
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
    let mut s = Session::new(cfg, t0());
    assert_eq!(s.next_timeout(), None);
    assert!(!s.handle_timeout(at(1_000_000_000)));
}

#[test]
fn consuming_more_than_pending_takes_just_what_is_pending() {
    let mut s = Session::new(config(), t0());
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
