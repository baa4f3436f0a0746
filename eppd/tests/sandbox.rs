//! The sandbox back end (`--backend sandbox`, the default with `--demo`): RFC 5731 domain
//! commands against eppd's store, over plain TCP on 127.0.0.1 (TLS is the e2e tests').
//!
//! Every response's `<resData>` is checked against RFC 5731's schema for its element (order,
//! occurrences, required attributes, enumerations, date formats) by [`check_res_data`], a
//! transcription of domain-1.0.xsd's response types: the XSD itself is not in the repository.

mod common;

use common::store::*;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

const SECDNS: &str = "urn:ietf:params:xml:ns:secDNS-1.1";

fn sandbox(dir: &TempDir, extra: &[&str]) -> Eppd {
    let d = dir.path().to_str().unwrap();
    let mut args = vec![
        "--demo",
        "--plain",
        "--data-dir",
        d,
        "--listen",
        "127.0.0.1:0",
        "--registrar",
        "registrar2:secret-pw2",
    ];
    args.extend_from_slice(extra);
    Eppd::start(&args)
}

fn connect(eppd: &Eppd, clid: &str, pw: &str) -> Client {
    let mut c = Client::plain(eppd.addr).open();
    let r = c.login(clid, pw);
    assert_eq!(code(&r), 1000, "{r}");
    c
}

/// `<VERB><domain:VERB>BODY</domain:VERB></VERB>` (`verb` may carry attributes: `transfer
/// op="request"`).
fn dom(verb: &str, body: &str, cl: &str) -> String {
    let name = verb.split(' ').next().unwrap();
    cmd(
        &format!(
            "<{verb}><domain:{name} xmlns:domain=\"{DOMAIN}\">{body}</domain:{name}></{name}>"
        ),
        &format!("sbx-{cl}"),
    )
}

fn name(n: &str) -> String {
    format!("<domain:name>{n}</domain:name>")
}

fn auth(pw: &str) -> String {
    format!("<domain:authInfo><domain:pw>{pw}</domain:pw></domain:authInfo>")
}

fn create(n: &str, extra: &str, pw: &str) -> String {
    dom("create", &format!("{}{extra}{}", name(n), auth(pw)), "C")
}

fn info(n: &str, pw: Option<&str>) -> String {
    dom(
        "info",
        &format!("{}{}", name(n), pw.map(auth).unwrap_or_default()),
        "I",
    )
}

fn transfer(op: &str, n: &str, pw: Option<&str>) -> String {
    dom(
        &format!("transfer op=\"{op}\""),
        &format!("{}{}", name(n), pw.map(auth).unwrap_or_default()),
        "T",
    )
}

/// The text of the first `<domain:LOCAL>` in `xml`.
fn field(xml: &str, local: &str) -> String {
    between(
        xml,
        &format!("<domain:{local}>"),
        &format!("</domain:{local}>"),
    )
    .unwrap_or_else(|| panic!("no domain:{local} in {xml}"))
    .to_string()
}

/// The `<msg>` of the first result.
fn result_msg(xml: &str) -> String {
    between(xml, "<msg>", "</msg>")
        .unwrap_or_default()
        .to_string()
}

/// Asserts the result code, and (for a success) RFC 5731 structure of the `<resData>`.
#[track_caller]
fn expect(r: &str, want: u16) -> &str {
    assert_eq!(code(r), want, "{r}");
    if want < 2000 {
        check_res_data(r);
    } else {
        assert!(!r.contains("<resData>"), "an error with resData: {r}");
    }
    r
}

// ---------------------------------------------------------------------------------------------
// RFC 5731's response types (domain-1.0.xsd), checked on a namespace-aware tree

#[derive(Debug, Default)]
struct El {
    ns: String,
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    kids: Vec<El>,
}

impl El {
    fn attr(&self, n: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
    }
}

fn tree(xml: &str) -> El {
    let mut r = NsReader::from_str(xml);
    let mut stack: Vec<El> = vec![El::default()];
    loop {
        let (res, ev) = r.read_resolved_event().expect("well-formed XML");
        let ns = match res {
            ResolveResult::Bound(n) => n.as_ref().to_owned(),
            _ => String::new(),
        };
        let element = |s: &quick_xml::events::BytesStart<'_>| {
            let mut el = El {
                ns: ns.clone(),
                name: s.local_name().as_ref().to_owned(),
                ..El::default()
            };
            for a in s.attributes() {
                let a = a.unwrap();
                let k = a.key.as_ref().to_owned();
                if !k.starts_with("xmlns") {
                    let v = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .unwrap()
                        .into_owned();
                    el.attrs.push((k, v));
                }
            }
            el
        };
        match ev {
            Event::Start(s) => stack.push(element(&s)),
            Event::Empty(s) => stack.last_mut().unwrap().kids.push(element(&s)),
            Event::End(_) => {
                let el = stack.pop().unwrap();
                stack.last_mut().unwrap().kids.push(el);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.xml10_content()),
            Event::GeneralRef(g) => {
                let s = match &*g {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("entity {other}"),
                };
                stack.last_mut().unwrap().text.push_str(s);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    stack.pop().unwrap().kids.pop().expect("a root element")
}

/// `el`'s children in domain-1.0 against a sequence (name, min, max).
#[track_caller]
fn seq<'a>(el: &'a El, spec: &[(&str, usize, usize)]) -> Vec<Vec<&'a El>> {
    assert!(
        el.text.trim().is_empty(),
        "text in {}: {:?}",
        el.name,
        el.text
    );
    let mut groups: Vec<Vec<&El>> = vec![Vec::new(); spec.len()];
    let mut at = 0;
    for k in &el.kids {
        assert_eq!(k.ns, DOMAIN, "{} in {}", k.name, el.name);
        let i = (at..spec.len())
            .find(|&i| spec[i].0 == k.name)
            .unwrap_or_else(|| panic!("<domain:{}> out of order in <domain:{}>", k.name, el.name));
        at = i;
        groups[i].push(k);
    }
    for (i, (n, min, max)) in spec.iter().enumerate() {
        let c = groups[i].len();
        assert!(
            (*min..=*max).contains(&c),
            "<domain:{}>: {c} <domain:{n}>, expected {min} to {max}",
            el.name
        );
    }
    groups
}

#[track_caller]
fn simple(el: &El) -> &str {
    assert!(el.kids.is_empty(), "<domain:{}> has children", el.name);
    &el.text
}

#[track_caller]
fn date_time(el: &El) {
    let t = simple(el);
    let b = t.as_bytes();
    assert!(
        b.len() >= 20
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && b[16] == b':'
            && (t.ends_with('Z') || t.contains('+')),
        "<domain:{}> {t:?} is not a dateTime",
        el.name
    );
}

#[track_caller]
fn label(el: &El) {
    let t = simple(el);
    assert!((1..=255).contains(&t.len()), "<domain:{}> {t:?}", el.name);
}

#[track_caller]
fn cl_id(el: &El) {
    let t = simple(el);
    assert!((3..=16).contains(&t.chars().count()), "clIDType {t:?}");
}

const STATUS: &[&str] = &[
    "clientDeleteProhibited",
    "clientHold",
    "clientRenewProhibited",
    "clientTransferProhibited",
    "clientUpdateProhibited",
    "inactive",
    "ok",
    "pendingCreate",
    "pendingDelete",
    "pendingRenew",
    "pendingTransfer",
    "pendingUpdate",
    "serverDeleteProhibited",
    "serverHold",
    "serverRenewProhibited",
    "serverTransferProhibited",
    "serverUpdateProhibited",
];
const TR_STATUS: &[&str] = &[
    "clientApproved",
    "clientCancelled",
    "clientRejected",
    "pending",
    "serverApproved",
    "serverCancelled",
];

/// RFC 5731 section 3's responses: chkData, creData, infData, renData, trnData.
#[track_caller]
fn check_domain_data(el: &El) {
    assert_eq!(el.ns, DOMAIN);
    const MANY: usize = usize::MAX;
    match el.name.as_str() {
        "chkData" => {
            for cd in &seq(el, &[("cd", 1, MANY)])[0] {
                let g = seq(cd, &[("name", 1, 1), ("reason", 0, 1)]);
                label(g[0][0]);
                let avail = g[0][0].attr("avail").expect("avail is required");
                assert!(["0", "1", "true", "false"].contains(&avail), "{avail}");
                if let Some(r) = g[1].first() {
                    assert!(!simple(r).is_empty());
                }
            }
        }
        "creData" => {
            let g = seq(el, &[("name", 1, 1), ("crDate", 1, 1), ("exDate", 0, 1)]);
            label(g[0][0]);
            date_time(g[1][0]);
            g[2].iter().for_each(|e| date_time(e));
        }
        "infData" => {
            let g = seq(
                el,
                &[
                    ("name", 1, 1),
                    ("roid", 1, 1),
                    ("status", 0, 11),
                    ("registrant", 0, 1),
                    ("contact", 0, MANY),
                    ("ns", 0, 1),
                    ("host", 0, MANY),
                    ("clID", 1, 1),
                    ("crID", 0, 1),
                    ("crDate", 0, 1),
                    ("upID", 0, 1),
                    ("upDate", 0, 1),
                    ("exDate", 0, 1),
                    ("trDate", 0, 1),
                    ("authInfo", 0, 1),
                ],
            );
            label(g[0][0]);
            let roid = simple(g[1][0]);
            let (a, b) = roid.rsplit_once('-').expect("roidType: X-Y");
            assert!(
                !a.is_empty()
                    && (1..=8).contains(&b.len())
                    && roid
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                "roid {roid:?}"
            );
            for s in &g[2] {
                assert!(s.kids.is_empty());
                assert!(STATUS.contains(&s.attr("s").expect("status s")), "{s:?}");
            }
            g[3].iter().for_each(|e| cl_id(e));
            for c in &g[4] {
                cl_id(c);
                assert!(["admin", "billing", "tech"].contains(&c.attr("type").unwrap()));
            }
            if let Some(ns) = g[5].first() {
                assert!(!ns.kids.is_empty());
                let obj = ns.kids[0].name == "hostObj";
                for h in &ns.kids {
                    if obj {
                        assert_eq!(h.name, "hostObj");
                        label(h);
                    } else {
                        let hg = seq(h, &[("hostName", 1, 1), ("hostAddr", 0, MANY)]);
                        label(hg[0][0]);
                        for a in &hg[1] {
                            assert!(["v4", "v6"].contains(&a.attr("ip").unwrap_or("v4")));
                        }
                    }
                }
            }
            g[6].iter().for_each(|e| label(e));
            cl_id(g[7][0]);
            g[8].iter().for_each(|e| cl_id(e));
            g[9].iter().for_each(|e| date_time(e));
            g[10].iter().for_each(|e| cl_id(e));
            g[11].iter().for_each(|e| date_time(e));
            g[12].iter().for_each(|e| date_time(e));
            g[13].iter().for_each(|e| date_time(e));
            if let Some(a) = g[14].first() {
                assert_eq!(a.kids.len(), 1);
                assert!(["pw", "ext"].contains(&a.kids[0].name.as_str()));
            }
        }
        "renData" => {
            let g = seq(el, &[("name", 1, 1), ("exDate", 0, 1)]);
            label(g[0][0]);
            g[1].iter().for_each(|e| date_time(e));
        }
        "trnData" => {
            let g = seq(
                el,
                &[
                    ("name", 1, 1),
                    ("trStatus", 1, 1),
                    ("reID", 1, 1),
                    ("reDate", 1, 1),
                    ("acID", 1, 1),
                    ("acDate", 1, 1),
                    ("exDate", 0, 1),
                ],
            );
            label(g[0][0]);
            assert!(TR_STATUS.contains(&simple(g[1][0])));
            cl_id(g[2][0]);
            date_time(g[3][0]);
            cl_id(g[4][0]);
            date_time(g[5][0]);
            g[6].iter().for_each(|e| date_time(e));
        }
        other => panic!("unexpected domain:{other}"),
    }
}

/// Checks every domain-1.0 element of the response's `<resData>` (and none elsewhere is
/// malformed).
#[track_caller]
fn check_res_data(xml: &str) {
    let root = tree(xml);
    let resp = root.kids.iter().find(|k| k.name == "response");
    let Some(resp) = resp else { return };
    for part in &resp.kids {
        if part.name == "resData" {
            for d in &part.kids {
                check_domain_data(d);
            }
        }
    }
}

/// The years between two dateTimes' dates (same month and day; February 29 becomes 28).
fn years_between(from: &str, to: &str) -> i32 {
    if !(&from[4..10] == "-02-29" && &to[4..10] == "-02-28") {
        assert_eq!(from[4..10], to[4..10], "{from} -> {to}");
    }
    to[..4].parse::<i32>().unwrap() - from[..4].parse::<i32>().unwrap()
}

// ---------------------------------------------------------------------------------------------
// tests

#[test]
fn domain_lifecycle_between_two_registrars() {
    let dir = TempDir::new("sandbox");
    let eppd = sandbox(&dir, &[]);
    eppd.wait_log("object commands: sandbox");
    let mut a = connect(&eppd, "demo-registrar", "demo-pass1");

    // check: two free names, one invalid.
    let r = a.call(&dom(
        "check",
        &format!(
            "{}{}{}",
            name("a.example"),
            name("B.Example"),
            name("bad_name.example")
        ),
        "K1",
    ));
    expect(&r, 1000);
    assert!(
        r.contains("<domain:name avail=\"1\">a.example</domain:name>"),
        "{r}"
    );
    assert!(
        r.contains("<domain:name avail=\"1\">B.Example</domain:name>"),
        "{r}"
    );
    assert!(r.contains("<domain:name avail=\"0\">bad_name.example</domain:name><domain:reason>Invalid domain name"), "{r}");

    // create, with everything RFC 5731 has.
    let r = a.call(&create(
        "a.example",
        "<domain:period unit=\"y\">2</domain:period><domain:ns>\
         <domain:hostObj>ns1.a.example</domain:hostObj><domain:hostObj>ns2.example.net</domain:hostObj>\
         </domain:ns><domain:registrant>C-REG</domain:registrant>\
         <domain:contact type=\"admin\">C-ADM</domain:contact><domain:contact type=\"tech\">C-TEC</domain:contact>",
        "a-secret&amp;1",
    ));
    expect(&r, 1000);
    assert_eq!(field(&r, "name"), "a.example");
    let cr = field(&r, "crDate");
    let ex = field(&r, "exDate");
    assert_eq!(years_between(&cr, &ex), 2);
    // Names are case-insensitive.
    let r = a.call(&create("A.EXAMPLE", "", "other-pw1"));
    expect(&r, 2302);
    let r = a.call(&dom("check", &name("a.example"), "K2"));
    expect(&r, 1000);
    assert!(
        r.contains("avail=\"0\">a.example</domain:name><domain:reason>In use</domain:reason>"),
        "{r}"
    );

    // info by the sponsor: everything, authInfo included.
    let r = a.call(&info("a.example", None));
    expect(&r, 1000);
    for part in [
        "<domain:status s=\"ok\"/>",
        "<domain:registrant>C-REG</domain:registrant>",
        "<domain:contact type=\"admin\">C-ADM</domain:contact>",
        "<domain:hostObj>ns1.a.example</domain:hostObj><domain:hostObj>ns2.example.net</domain:hostObj>",
        "<domain:clID>demo-registrar</domain:clID><domain:crID>demo-registrar</domain:crID>",
        "<domain:pw>a-secret&amp;1</domain:pw>",
    ] {
        assert!(r.contains(part), "{part} not in {r}");
    }
    let roid = field(&r, "roid");
    assert!(roid.ends_with("-EPPD"), "{roid}");
    assert_eq!(field(&r, "exDate"), ex);

    // renew: the current expiry date must be given.
    let r = a.call(&dom(
        "renew",
        &format!(
            "{}<domain:curExpDate>2000-01-01</domain:curExpDate>",
            name("a.example")
        ),
        "R1",
    ));
    expect(&r, 2004);
    let r = a.call(&dom(
        "renew",
        &format!(
            "{}<domain:curExpDate>{}</domain:curExpDate><domain:period unit=\"y\">1</domain:period>",
            name("a.example"),
            &ex[..10]
        ),
        "R2",
    ));
    expect(&r, 1000);
    let ex2 = field(&r, "exDate");
    assert_eq!(years_between(&ex, &ex2), 1);
    // More than 10 years away: refused.
    let r = a.call(&dom(
        "renew",
        &format!(
            "{}<domain:curExpDate>{}</domain:curExpDate><domain:period unit=\"y\">9</domain:period>",
            name("a.example"),
            &ex2[..10]
        ),
        "R3",
    ));
    expect(&r, 2004);

    // Another registrar: authorization.
    let mut b = connect(&eppd, "registrar2", "secret-pw2");
    expect(&b.call(&info("a.example", None)), 2201);
    expect(&b.call(&info("a.example", Some("wrong-pw"))), 2202);
    let r = b.call(&info("a.example", Some("a-secret&amp;1")));
    expect(&r, 1000);
    assert_eq!(field(&r, "clID"), "demo-registrar");
    expect(&b.call(&dom("delete", &name("a.example"), "D1")), 2201);
    let r = b.call(&dom(
        "renew",
        &format!(
            "{}<domain:curExpDate>{}</domain:curExpDate>",
            name("a.example"),
            &ex2[..10]
        ),
        "R4",
    ));
    expect(&r, 2201);
    expect(&b.call(&transfer("query", "a.example", None)), 2201);
    expect(
        &b.call(&transfer("query", "a.example", Some("a-secret&amp;1"))),
        2301,
    );
    expect(&b.call(&transfer("request", "a.example", None)), 2202);
    expect(
        &b.call(&transfer("request", "a.example", Some("nope-pw"))),
        2202,
    );
    expect(
        &a.call(&transfer("request", "a.example", Some("a-secret&amp;1"))),
        2106,
    );

    // The transfer request: 1001 pending, and a poll message for the sponsor.
    let r = b.call(&transfer("request", "a.example", Some("a-secret&amp;1")));
    expect(&r, 1001);
    assert_eq!(field(&r, "trStatus"), "pending");
    assert_eq!(field(&r, "reID"), "registrar2");
    assert_eq!(field(&r, "acID"), "demo-registrar");
    assert_eq!(years_between(&ex2, &field(&r, "exDate")), 1);
    expect(
        &b.call(&transfer("request", "a.example", Some("a-secret&amp;1"))),
        2300,
    );
    let r = b.call(&transfer("query", "a.example", None));
    expect(&r, 1000);
    assert_eq!(field(&r, "trStatus"), "pending");
    let r = a.call(&info("a.example", None));
    assert!(r.contains("<domain:status s=\"pendingTransfer\"/>"), "{r}");
    expect(&a.call(&dom("delete", &name("a.example"), "D2")), 2304);

    // The sponsor's queue: the demo's messages, then the transfer's.
    let mut transfer_msg = None;
    for i in 0..10 {
        let r = a.call(&poll_req(&format!("poll-{i}")));
        assert_eq!(code(&r), 1301, "{r}");
        let id = msg_id(&r);
        if r.contains("trnData") {
            transfer_msg = Some(r.clone());
        }
        assert_eq!(code(&a.call(&poll_ack(&id, &format!("ack-{i}")))), 1000);
        if transfer_msg.is_some() {
            break;
        }
    }
    let m = transfer_msg.expect("a transfer message for the sponsor");
    check_res_data(&m);
    assert!(
        msg_text(&m).contains("Transfer of a.example requested by registrar2"),
        "{m}"
    );
    assert_eq!(field(&m, "trStatus"), "pending");
    assert_eq!(code(&a.call(&poll_req("poll-end"))), 1300);

    // Approved: the requester is told, and sponsors it from now on.
    let r = a.call(&transfer("approve", "a.example", None));
    expect(&r, 1000);
    assert_eq!(field(&r, "trStatus"), "clientApproved");
    expect(&a.call(&transfer("approve", "a.example", None)), 2201);
    let r = b.call(&poll_req("poll-BP1"));
    assert_eq!(code(&r), 1301, "{r}");
    check_res_data(&r);
    assert_eq!(field(&r, "trStatus"), "clientApproved");
    assert!(msg_text(&r).contains("approved by demo-registrar"), "{r}");
    assert_eq!(code(&b.call(&poll_ack(&msg_id(&r), "ack-BA1"))), 1000);
    let r = b.call(&info("a.example", None));
    expect(&r, 1000);
    assert_eq!(field(&r, "clID"), "registrar2");
    assert_eq!(years_between(&ex2, &field(&r, "exDate")), 1);
    assert!(r.contains("<domain:trDate>"), "{r}");
    assert!(r.contains("<domain:status s=\"ok\"/>"), "{r}");
    expect(&a.call(&info("a.example", None)), 2201);

    // Delete by the new sponsor; gone.
    expect(&b.call(&dom("delete", &name("a.example"), "D3")), 1000);
    expect(&b.call(&info("a.example", None)), 2303);
    let r = a.call(&dom("check", &name("a.example"), "K3"));
    assert!(r.contains("avail=\"1\""), "{r}");

    for c in [&mut a, &mut b] {
        assert_eq!(code(&c.call(&logout("bye"))), 1500);
    }
    let log = eppd.log();
    assert!(log.contains("cmd=transfer code=1001"), "{log}");
    assert!(!log.contains("a-secret"), "an authInfo in the log:\n{log}");
}

#[test]
fn rejected_and_cancelled_transfers_notify_the_other_side() {
    let dir = TempDir::new("sandbox-reject");
    let eppd = sandbox(&dir, &[]);
    let mut a = connect(&eppd, "demo-registrar", "demo-pass1");
    let mut b = connect(&eppd, "registrar2", "secret-pw2");
    // An empty <domain:pw/> gets a random authInfo (the registry's policy).
    let r = a.call(&dom(
        "create",
        &format!(
            "{}<domain:authInfo><domain:pw/></domain:authInfo>",
            name("r.example")
        ),
        "C1",
    ));
    expect(&r, 1000);
    let pw = field(&a.call(&info("r.example", None)), "pw");
    assert_eq!(pw.len(), 16, "{pw}");

    expect(&b.call(&transfer("request", "r.example", Some(&pw))), 1001);
    expect(&b.call(&transfer("reject", "r.example", None)), 2201);
    let r = a.call(&transfer("reject", "r.example", None));
    expect(&r, 1000);
    assert_eq!(field(&r, "trStatus"), "clientRejected");
    let r = b.call(&poll_req("poll-P1"));
    assert!(msg_text(&r).contains("rejected by demo-registrar"), "{r}");
    assert_eq!(field(&r, "trStatus"), "clientRejected");
    assert_eq!(code(&b.call(&poll_ack(&msg_id(&r), "ack-A1"))), 1000);

    expect(&b.call(&transfer("request", "r.example", Some(&pw))), 1001);
    expect(&a.call(&transfer("cancel", "r.example", None)), 2201);
    let r = b.call(&transfer("cancel", "r.example", None));
    expect(&r, 1000);
    assert_eq!(field(&r, "trStatus"), "clientCancelled");
    expect(&b.call(&transfer("cancel", "r.example", None)), 2301);
    let r = a.call(&info("r.example", None));
    assert_eq!(field(&r, "clID"), "demo-registrar");
    assert!(r.contains("<domain:status s=\"ok\"/>"), "{r}");
}

#[test]
fn commands_are_checked_as_rfc5731_describes_them() {
    let dir = TempDir::new("sandbox-syntax");
    // --backend sandbox without --demo.
    let d = dir.path().to_str().unwrap();
    let eppd = Eppd::start(&[
        "--plain",
        "--data-dir",
        d,
        "--listen",
        "127.0.0.1:0",
        "--registrar",
        "registrar1:secret-pw1",
        "--backend",
        "sandbox",
    ]);
    let mut c = Client::plain(eppd.addr).open();
    // Logged in with secDNS too, to send a command extension.
    let login = cmd(
        &format!(
            "<login><clID>registrar1</clID><pw>secret-pw1</pw><options><version>1.0</version>\
             <lang>en</lang></options><svcs><objURI>{DOMAIN}</objURI><objURI>{CONTACT}</objURI>\
             <svcExtension><extURI>{SECDNS}</extURI></svcExtension></svcs></login>"
        ),
        "login-1",
    );
    assert_eq!(code(&c.call(&login)), 1000);

    let cases: Vec<(String, u16, &str)> = vec![
        (create("-bad-.example", "", "pw-123456"), 2005, "invalid name"),
        (create("single", "", "pw-123456"), 2005, "one label"),
        (
            dom("create", &name("x.example"), "C"),
            2001,
            "authInfo missing",
        ),
        (
            create("x.example", "<domain:period unit=\"y\">11</domain:period>", "pw-123456"),
            2004,
            "period over 10 years",
        ),
        (
            create("x.example", "<domain:period unit=\"d\">1</domain:period>", "pw-123456"),
            2001,
            "period unit",
        ),
        (
            dom(
                "create",
                &format!("{}{}<domain:period unit=\"y\">1</domain:period>", name("x.example"), auth("pw")),
                "C",
            ),
            2001,
            "element order",
        ),
        (
            create("x.example", "<domain:contact type=\"owner\">C-1</domain:contact>", "pw-123456"),
            2005,
            "contact type",
        ),
        (
            create(
                "x.example",
                "<domain:ns><domain:hostObj>ns1.example</domain:hostObj>\
                 <domain:hostAttr><domain:hostName>ns2.example</domain:hostName></domain:hostAttr></domain:ns>",
                "pw-123456",
            ),
            2001,
            "hostObj and hostAttr mixed",
        ),
        (
            create(
                "x.example",
                "<domain:ns><domain:hostAttr><domain:hostName>ns2.example</domain:hostName>\
                 <domain:hostAddr ip=\"v4\">::1</domain:hostAddr></domain:hostAttr></domain:ns>",
                "pw-123456",
            ),
            2005,
            "hostAddr not v4",
        ),
        (
            dom(
                "create",
                &format!(
                    "{}<domain:authInfo><domain:ext><x:y xmlns:x=\"urn:x\"/></domain:ext></domain:authInfo>",
                    name("x.example")
                ),
                "C",
            ),
            2102,
            "ext authInfo",
        ),
        (dom("check", "", "K"), 2001, "check without a name"),
        (
            dom("check", &(0..101).map(|i| name(&format!("n{i}.example"))).collect::<String>(), "K"),
            2306,
            "101 names",
        ),
        (dom("check", "<domain:nom>x.example</domain:nom>", "K"), 2001, "unknown element"),
        (info("nobody.example", None), 2303, "unknown info"),
        (dom("delete", &name("nobody.example"), "D"), 2303, "unknown delete"),
        (
            dom(
                "renew",
                &format!("{}<domain:curExpDate>2030-01-01</domain:curExpDate>", name("nobody.example")),
                "R",
            ),
            2303,
            "unknown renew",
        ),
        (
            dom(
                "renew",
                &format!("{}<domain:curExpDate>1 Jan 2030</domain:curExpDate>", name("x.example")),
                "R",
            ),
            2005,
            "curExpDate syntax",
        ),
        (transfer("request", "nobody.example", Some("pw")), 2303, "unknown transfer"),
        (
            dom("update", &format!("{}<domain:chg/>", name("x.example")), "U"),
            2101,
            "update",
        ),
        (
            cmd(
                &format!(
                    "<check><contact:check xmlns:contact=\"{CONTACT}\"><contact:id>C-1</contact:id>\
                     </contact:check></check>"
                ),
                "contact-check",
            ),
            2101,
            "contact",
        ),
        (
            cmd(
                &format!(
                    "<create><domain:create xmlns:domain=\"{DOMAIN}\">{}{}</domain:create></create>\
                     <extension><secDNS:create xmlns:secDNS=\"{SECDNS}\"><secDNS:dsData>\
                     <secDNS:keyTag>1</secDNS:keyTag><secDNS:alg>8</secDNS:alg>\
                     <secDNS:digestType>2</secDNS:digestType><secDNS:digest>AB</secDNS:digest>\
                     </secDNS:dsData></secDNS:create></extension>",
                    name("x.example"),
                    auth("pw-123456")
                ),
                "create-ext",
            ),
            2103,
            "secDNS extension",
        ),
    ];
    for (xml, want, what) in &cases {
        let r = c.call(xml);
        assert_eq!(code(&r), *want, "{what}: {r}");
        assert!(!result_msg(&r).is_empty(), "{what}: a reason is given: {r}");
    }
    // None of them created anything.
    let r = c.call(&dom("check", &name("x.example"), "K"));
    assert!(r.contains("avail=\"1\""), "{r}");
    // hostAttr and a period in months are accepted, and shown back.
    let r = c.call(&create(
        "x.example",
        "<domain:period unit=\"m\">24</domain:period><domain:ns><domain:hostAttr>\
         <domain:hostName>ns1.x.example</domain:hostName><domain:hostAddr ip=\"v4\">192.0.2.1</domain:hostAddr>\
         <domain:hostAddr ip=\"v6\">2001:db8::1</domain:hostAddr></domain:hostAttr></domain:ns>",
        "pw-123456",
    ));
    expect(&r, 1000);
    assert_eq!(years_between(&field(&r, "crDate"), &field(&r, "exDate")), 2);
    let r = c.call(&info("x.example", None));
    expect(&r, 1000);
    assert!(r.contains("<domain:hostAttr><domain:hostName>ns1.x.example</domain:hostName>\
        <domain:hostAddr ip=\"v4\">192.0.2.1</domain:hostAddr><domain:hostAddr ip=\"v6\">2001:db8::1</domain:hostAddr></domain:hostAttr>"), "{r}");
    let r = c.call(&dom(
        "info",
        "<domain:name hosts=\"none\">x.example</domain:name>",
        "I",
    ));
    expect(&r, 1000);
    assert!(!r.contains("<domain:ns>"), "{r}");
}

#[test]
fn domains_survive_a_restart() {
    let dir = TempDir::new("sandbox-restart");
    let roid;
    {
        let eppd = sandbox(&dir, &[]);
        let mut c = connect(&eppd, "demo-registrar", "demo-pass1");
        expect(&c.call(&create("kept.example", "", "pw-123456")), 1000);
        roid = field(&c.call(&info("kept.example", None)), "roid");
    }
    let eppd = sandbox(&dir, &[]);
    let mut c = connect(&eppd, "demo-registrar", "demo-pass1");
    let r = c.call(&info("kept.example", None));
    expect(&r, 1000);
    assert_eq!(field(&r, "roid"), roid);
    expect(&c.call(&create("kept.example", "", "pw-123456")), 2302);
    // roids are never reused.
    expect(&c.call(&create("new.example", "", "pw-123456")), 1000);
    assert_ne!(field(&c.call(&info("new.example", None)), "roid"), roid);
}

#[test]
fn without_a_back_end_object_commands_are_unimplemented() {
    let dir = TempDir::new("sandbox-none");
    let d = dir.path().to_str().unwrap();
    let eppd = Eppd::start(&[
        "--demo",
        "--plain",
        "--backend",
        "none",
        "--data-dir",
        d,
        "--listen",
        "127.0.0.1:0",
    ]);
    let mut c = connect(&eppd, "demo-registrar", "demo-pass1");
    expect(&c.call(&dom("check", &name("a.example"), "K")), 2101);
    eppd.wait_log("object commands: none");
}
