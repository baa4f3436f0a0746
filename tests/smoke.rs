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
