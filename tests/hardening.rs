//! Hardening: bugs an adversarial review found (each test failed on the core
//! before its fix) and the rule each checks (RFC 5730/5734, XML 1.0 and
//! Namespaces in XML, or protocol.md): bounded memory, well-formed output
//! whatever the client or the host sends, strict well-formedness of input,
//! registrar slots, timers, svTRID uniqueness. Each test's doc says what it
//! asserts, then the bug (now fixed) it was written for.
//!
//! Well-formedness is checked with `xmllint --noout -` (libxml2-utils, as
//! the protocol tests already require).

mod common;
#[path = "common/xsd.rs"]
mod xsd;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

use common::*;
use epp::*;

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// Per-thread live/peak heap bytes and largest single allocation.
struct Tracking;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(delta: isize, size: usize) {
    let _ = LIVE.try_with(|l| {
        l.set(l.get() + delta);
        let _ = PEAK.try_with(|p| p.set(p.get().max(l.get())));
    });
    let _ = LARGEST.try_with(|m| m.set(m.get().max(size)));
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        note(l.size() as isize, l.size());
        System.alloc(l)
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        note(l.size() as isize, l.size());
        System.alloc_zeroed(l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        note(n as isize - l.size() as isize, n);
        System.realloc(p, l, n)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        note(-(l.size() as isize), 0);
        System.dealloc(p, l)
    }
}

#[global_allocator]
static GLOBAL: Tracking = Tracking;

/// Runs `f` and returns the extra peak heap it needed on this thread.
fn peak_during(f: impl FnOnce()) -> usize {
    let base = LIVE.with(|l| l.get());
    PEAK.with(|p| p.set(base));
    f();
    (PEAK.with(|p| p.get()) - base).max(0) as usize
}

/// `Err(reason)` when libxml2 says `xml` is not well-formed (namespace-aware).
fn well_formed(xml: &str) -> Result<(), String> {
    let child = Command::new("xmllint")
        .args(["--noout", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        // Under CI this panics: a check that cannot run must not pass.
        xsd::xmllint_available("well-formedness");
        return Ok(());
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(xml.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() && out.stderr.is_empty() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[track_caller]
fn assert_well_formed(xml: &str) {
    if let Err(e) = well_formed(xml) {
        panic!("libepp wrote a frame that is not well-formed XML:\n{e}\n{xml:?}");
    }
}

fn session(server: Arc<Server>) -> Session {
    let mut s = Session::new(server, t0());
    s.take_output();
    s
}

fn logged_in_with(cfg: Arc<ServerConfig>) -> Session {
    let mut s = session(server_on(cfg));
    s.feed_input(
        &frame(&login_xml("registrar1", "secret-pw1", Some("L-1"))),
        t0(),
    )
    .unwrap();
    let Some(Request::Login(l)) = s.poll_queue() else {
        panic!("login request")
    };
    assert_eq!(
        s.answer_login(l.id, LoginAnswer::Accepted).unwrap(),
        ResultCode::Success
    );
    s.take_output();
    s
}

fn logged_in() -> Session {
    logged_in_with(config())
}

fn frames_out(s: &mut Session) -> Vec<String> {
    unframe(&s.take_output().unwrap_or_default())
}

/// A check of a domain whose `<domain:check>` holds `inner`.
fn check_with(inner: &str) -> String {
    cmd(
        &format!(r#"<check><d:check xmlns:d="{DOMAIN}">{inner}</d:check></check>"#),
        Some("CHK-1"),
    )
}

/// Sends a check, answers it with `response`; returns the answer's result.
fn answer_check(s: &mut Session, response: Response) -> Result<(), SessionError> {
    s.feed_input(&frame(&domain_check_xml(Some("C-1"))), t0())
        .unwrap();
    let Some(Request::Command(c)) = s.poll_queue() else {
        panic!("command request")
    };
    s.answer_command(c.id, response)
}

// ---------------------------------------------------------------------------
// Memory bounds
// ---------------------------------------------------------------------------

/// protocol.md (XML): "Depth and size bounds ... fail with 2001, never with a
/// panic or unbounded memory". Asserts that a 40 KB frame, sent before
/// login, with 16 KB of namespace declarations and 4000 `<extension>`
/// children is refused and needs less heap than 16 times its size.
///
/// The bug: `Cursor::capture` (xml.rs) prefixed every `<extension>` child
/// with every namespace declaration in scope, so memory was (declaration
/// bytes) x (number of children), quadratic in the frame, and reachable
/// before login (parse_frame runs before the state check): this frame cost
/// ~64 MB, and at the default 256 KiB frame limit the worst case was ~128
/// KiB of declarations x ~21 000 `<e:x/>` children, about 2.7 GB.
#[test]
fn extension_capture_memory_is_bounded_by_the_frame_not_quadratic() {
    let decls: String = (0..4)
        .map(|i| format!(r#" xmlns:j{i}="urn:{}""#, "a".repeat(4000)))
        .collect();
    let kids = "<e:x/>".repeat(4000);
    let doc = format!(
        r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"{decls}><command><logout/><extension xmlns:e="urn:x">{kids}</extension></command></epp>"#
    );
    let f = frame(&doc);
    let mut s = session(server());
    let peak = peak_during(|| {
        s.feed_input(&f, t0()).unwrap();
    });
    let r = frames_out(&mut s);
    // Refused either for the copy bound (2001) or for the state (2002).
    assert!(matches!(code_of(&r[0]), 2001 | 2002), "{}", r[0]);
    assert!(
        peak < 16 * f.len(),
        "a {} byte frame (before login!) needed {peak} bytes of heap",
        f.len()
    );
}

/// Asserts that the output buffer is proportional to what is pending, not to
/// what was ever written: 20 000 hellos, each response written but for one
/// byte, leave 1 byte pending and never a buffer of 1 MiB.
///
/// The bug: `consume_output` (session.rs) freed the consumed prefix only
/// once the buffer was drained completely. A host doing ordinary partial
/// writes to a client that keeps pipelining never drained it, so `out` grew
/// for the life of the session although `max_pending_output` was respected.
#[test]
fn output_buffer_does_not_grow_under_partial_writes() {
    let mut s = session(server());
    let hello = frame(&hello_xml());
    LARGEST.with(|m| m.set(0));
    for _ in 0..20_000 {
        s.feed_input(&hello, t0()).unwrap();
        let n = s.output().len();
        s.consume_output(n - 1); // the socket took all but one byte
    }
    assert_eq!(s.output().len(), 1);
    let largest = LARGEST.with(|m| m.get());
    assert!(
        largest < 1024 * 1024,
        "1 byte pending, yet the session grew a {largest}-byte buffer"
    );
}

// ---------------------------------------------------------------------------
// Ill-formed input accepted (and echoed into ill-formed output)
// ---------------------------------------------------------------------------

/// XML 1.0 section 2.2 (Char) excludes C0 controls other than TAB/LF/CR,
/// and U+FFFE/U+FFFF: a frame holding one is not XML and gets 2001 (RFC 5730
/// section 3; protocol.md). Asserts that a poll whose clTRID holds U+0001 or
/// U+FFFE is answered 2001 by libepp itself (the host is not asked), in a
/// well-formed response.
///
/// The bug: the cursor (xml.rs `Event::Text`) did not check Char, so the
/// clTRID "AB\x01C" was accepted, handed to the host, and echoed raw in
/// `<trID>`: the response was not XML. Same for a raw U+FFFE.
#[test]
fn non_xml_characters_in_cltrid_are_2001_and_never_echoed() {
    for bad in ["AB\u{1}C", "AB\u{FFFE}C"] {
        let mut s = logged_in();
        s.feed_input(&frame(&poll_req_xml(Some(bad))), t0())
            .unwrap();
        assert_eq!(s.poll_queue(), None, "handed to the host: {bad:?}");
        let r = frames_out(&mut s).remove(0);
        assert_well_formed(&r);
        assert_eq!(code_of(&r), 2001, "{r}");
    }
}

/// Character references must match Char too (XML 1.0 section 4.1, WFC Legal
/// Character). Asserts that a reference to U+0001 in an attribute value
/// (poll `msgID` and `op`, an object namespace) is answered 2001 by libepp
/// itself (the host is not asked), in a well-formed response.
///
/// The bug: `&#1;` was refused in text, but attribute values went through
/// quick-xml's `normalized_value`, which refuses only `&#0;`. So
/// `msgID="a&#1;b"` was accepted and echoed in the 2005 `<extValue>`, and an
/// object namespace `urn:&#1;` in the 2307: neither response was XML.
#[test]
fn char_refs_to_non_xml_chars_in_attributes_are_2001_and_never_echoed() {
    let cases = [
        cmd(r#"<poll op="req" msgID="a&#1;b"/>"#, Some("P-1")),
        cmd(r#"<poll op="ack" msgID="a&#1;b"/>"#, Some("P-2")),
        cmd(r#"<poll op="r&#1;q"/>"#, Some("P-3")),
        cmd(
            r#"<check><o:check xmlns:o="urn:&#1;x"><o:name>a</o:name></o:check></check>"#,
            Some("P-4"),
        ),
    ];
    for x in cases {
        let mut s = logged_in();
        s.feed_input(&frame(&x), t0()).unwrap();
        assert!(s.poll_queue().is_none(), "handed to the host: {x}");
        let r = frames_out(&mut s).remove(0);
        assert_well_formed(&r);
        assert_eq!(code_of(&r), 2001, "{x}\n{r}");
    }
}

/// Asserts that a command with an element whose name holds U+0001 gets a
/// 2001 that is well-formed XML.
///
/// The bug: the `<reason>` of a 2001 quotes element names, and names were
/// not checked against the Name production, so the control character was
/// copied into the response.
#[test]
fn refusal_reason_quoting_a_bad_element_name_is_well_formed() {
    let mut s = logged_in();
    s.feed_input(
        &frame(&cmd("<poll op=\"req\"/><a\u{1}b/>", Some("ABC-1"))),
        t0(),
    )
    .unwrap();
    let r = frames_out(&mut s).remove(0);
    assert_eq!(code_of(&r), 2001);
    assert_well_formed(&r);
}

/// Asserts that object content that is not well-formed XML (XML 1.0
/// sections 2.2, 2.4, 2.8/3.1, 3.3.3, Namespaces section 7; one case per
/// rule below) is never handed to the host as `ObjectCommand::object_xml`,
/// and is answered 2001 in a well-formed response, as RFC 5730 requires.
///
/// The bug: object content was captured raw for the host after only
/// quick-xml's lenient tokenising, so every one of these reached the host,
/// whose strict parser then failed on XML that libepp had passed.
#[test]
fn ill_formed_object_content_is_2001_not_passed_to_the_host() {
    let cases = [
        r#"<d:name x="<">a</d:name>"#,              // '<' in an attribute value
        r#"<d:name x="1"y="2">a</d:name>"#,         // no space between attributes
        "<d:name>a]]>b</d:name>",                   // ']]>' in content
        "<d:name>a\u{1}b</d:name>",                 // C0 control
        "<d:name>a\u{FFFF}b</d:name>",              // non-character
        "<d:name x=\"&#1;\">a</d:name>",            // char ref to a non-Char
        "<d:1name>a</d:1name>",                     // not a Name
        "<d:name><?XML x?>a</d:name>",              // reserved PI target
        "<d:name xmlns:xmlns=\"urn:y\">a</d:name>", // xmlns prefix declared
        "<d:name xmlns:xml=\"urn:y\">a</d:name>",   // xml prefix rebound
        "<d:na:me>a</d:na:me>",                     // two colons: not a QName
        "<d:name xmlns:p=\"urn:p\" xmlns:q=\"urn:p\" p:a=\"1\" q:a=\"2\">a</d:name>", // same expanded attribute twice
    ];
    let mut accepted = Vec::new();
    for inner in cases {
        let mut s = logged_in();
        s.feed_input(&frame(&check_with(inner)), t0()).unwrap();
        match s.poll_queue() {
            Some(Request::Command(c)) => accepted.push(format!("{inner:?} -> {}", c.object_xml)),
            _ => {
                let r = frames_out(&mut s).remove(0);
                assert_eq!(code_of(&r), 2001, "{r}");
                assert_well_formed(&r);
            }
        }
    }
    assert!(
        accepted.is_empty(),
        "ill-formed XML handed to the host as object_xml:\n{}",
        accepted.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Valid input refused
// ---------------------------------------------------------------------------

/// Namespaces in XML 1.0 section 6: a declaration applies to the whole start
/// tag it is on, whatever the attribute order. Asserts that a hello whose
/// `xsi:schemaLocation` comes before `xmlns:xsi` (as common serialisers
/// write it) gets the greeting.
///
/// The bug: `Cursor::start` resolved each prefixed attribute while
/// iterating, before later `xmlns:` attributes were recorded, so this valid
/// hello got 2001.
#[test]
fn namespace_declared_after_its_use_in_the_same_start_tag_is_accepted() {
    let mut s = session(server());
    let hello = r#"<epp xsi:schemaLocation="urn:ietf:params:xml:ns:epp-1.0 epp-1.0.xsd" xmlns="urn:ietf:params:xml:ns:epp-1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><hello/></epp>"#;
    s.feed_input(&frame(hello), t0()).unwrap();
    let r = frames_out(&mut s).remove(0);
    assert!(r.contains("<greeting>"), "{r}");
}

// ---------------------------------------------------------------------------
// Host passthrough XML that breaks the envelope
// ---------------------------------------------------------------------------

/// Asserts that resData from the host that is not well-formed (one case per
/// rule below) never yields an ill-formed frame: `answer_command` refuses it
/// with `SessionError::InvalidXml`, or what is written is well-formed.
///
/// The bug: `fragment_elements` (xml.rs), the only guard on
/// resData/extension/value XML from the host, relied on the same lenient
/// tokeniser, so each of these was accepted by `answer_command` and written
/// into the response, which was then not well-formed (e.g. `a="</resData>"`).
#[test]
fn host_passthrough_that_is_not_well_formed_is_refused() {
    let cases = [
        format!(r#"<d:chkData xmlns:d="{DOMAIN}" a="</resData>"/>"#),
        format!(r#"<d:chkData xmlns:d="{DOMAIN}" a="1"b="2"/>"#),
        format!(r#"<d:chkData xmlns:d="{DOMAIN}">]]></d:chkData>"#),
        format!("<d:chkData xmlns:d=\"{DOMAIN}\">\u{B}</d:chkData>"),
        format!(r#"<d:chkData xmlns:d="{DOMAIN}" a="&#xFFFE;"/>"#),
        format!(r#"<d:chkData xmlns:d="{DOMAIN}"><1x/></d:chkData>"#),
        format!(r#"<d:chkData xmlns:d="{DOMAIN}"><?XML x?></d:chkData>"#),
    ];
    let mut broken = Vec::new();
    for x in cases {
        let mut s = logged_in();
        match answer_check(&mut s, Response::success().with_res_data(x.clone())) {
            Err(SessionError::InvalidXml { .. }) => {}
            other => {
                let r = frames_out(&mut s).join("");
                if let Err(e) = well_formed(&r) {
                    broken.push(format!("{x:?}: answer {other:?}; output: {e}"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

/// Asserts that the host's plain text holding non-Chars (NUL in a
/// response's `<msg>`, ESC in a poll message) never yields an ill-formed
/// frame: the answer is refused, or what is written is well-formed.
///
/// The bug: the host's plain-text fields (`<msg>`, `<reason>`, poll `<msg>`)
/// were escaped by `push_text` (render.rs), which escaped `<>&` and CR but
/// let NUL and other non-Chars through into the frame.
#[test]
fn host_text_with_non_xml_characters_never_yields_ill_formed_output() {
    let mut s = logged_in();
    let res = answer_check(&mut s, Response::success().with_message("x\u{0}y"));
    if res.is_ok() {
        assert_well_formed(&frames_out(&mut s).join(""));
    }

    let mut s = logged_in();
    s.feed_input(&frame(&poll_req_xml(Some("P-1"))), t0())
        .unwrap();
    let Some(Request::Poll(p)) = s.poll_queue() else {
        panic!()
    };
    let m = PollMessage::new(5, 1, t0(), "transfer\u{1B}[31m requested");
    if s.answer_poll(p.id, PollAnswer::Message(m)).is_ok() {
        assert_well_formed(&frames_out(&mut s).join(""));
    }
}

/// Asserts that an unprefixed descendant with no default namespace
/// declaration in the host's resData (`<name>` below) is still in no
/// namespace once written into the response (xmllint's XPath
/// `namespace-uri()`), unless the fragment is refused.
///
/// The bug: the host's fragment was checked inside a neutral `<r>` (no
/// default namespace) but written inside
/// `<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">`, so `<name>` was in no
/// namespace as checked and in the EPP namespace as written: the copy
/// silently changed meaning.
#[test]
fn passthrough_does_not_move_unqualified_descendants_into_the_epp_namespace() {
    let mut s = logged_in();
    let x = format!(r#"<d:chkData xmlns:d="{DOMAIN}"><name>a.example</name></d:chkData>"#);
    if answer_check(&mut s, Response::success().with_res_data(x)).is_err() {
        return; // refusing it is fine too
    }
    let r = frames_out(&mut s).remove(0);
    let ns = Command::new("xmllint")
        .args(["--xpath", "namespace-uri(//*[local-name()='name'])", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(r.as_bytes())?;
            c.wait_with_output()
        });
    let Ok(ns) = ns else {
        xsd::xmllint_available("the namespace of a passed-through descendant");
        return;
    };
    let ns = String::from_utf8_lossy(&ns.stdout).trim().to_string();
    assert_eq!(ns, "", "<name> was in no namespace in the host's XML: {r}");
}

// ---------------------------------------------------------------------------
// Session state
// ---------------------------------------------------------------------------

/// protocol.md: "command extension whose namespace was not in login's
/// extURIs | 2103", for every command. Asserts that a poll carrying such an
/// extension is answered by libepp itself, without asking the host: the
/// whole 2103 response, the extURI in `<extValue>`, and the session goes on.
///
/// The bug: the check lived only in the `CommandKind::Object` arm of
/// `Session::command`; poll (and logout) silently dropped `<extension>`, so
/// this poll reached the host and was answered 1300, and a poll extension
/// the client did log in with never reached the host either (`PollRequest`
/// had no field for it).
#[test]
fn poll_with_an_extension_not_logged_in_is_2103() {
    let mut s = logged_in();
    s.feed_input(
        &frame(&cmd(
            r#"<poll op="req"/><extension><x:e xmlns:x="urn:example:ext-1.0"/></extension>"#,
            Some("P-1"),
        )),
        t0(),
    )
    .unwrap();
    assert_eq!(s.poll_queue(), None, "the host was asked");
    assert_eq!(
        frames_out(&mut s),
        [epp(concat!(
            r#"<response><result code="2103"><msg>Unimplemented extension</msg>"#,
            "<extValue><value><extURI>urn:example:ext-1.0</extURI></value>",
            "<reason>urn:example:ext-1.0 is not one of this session's login extURIs</reason>",
            "</extValue></result>",
            "<trID><clTRID>P-1</clTRID><svTRID>libepptestserver-7-2</svTRID></trID></response>",
        ))]
    );
    assert_eq!(s.state(), SessionState::LoggedIn);
}

/// protocol.md/tests: the RegistrarSessions slot is released however a
/// session ends. Asserts that when the peer closes while its login is with
/// the host and the host then accepts the login, the finished session holds
/// none of the registrar's slots.
///
/// The bug: the session ended at the end of file (no client yet, nothing to
/// release); then `answer_login` acquired a slot and stored it in the new
/// `Client`, and nothing released it until the Session was dropped: the
/// registrar was locked out (2502) meanwhile.
#[test]
fn registrar_slot_is_not_held_by_a_login_accepted_after_eof() {
    let counter = RegistrarSessions::new(1);
    let mut s = session(with_counter(&counter));
    s.feed_input(
        &frame(&login_xml("registrar1", "secret-pw1", Some("L-1"))),
        t0(),
    )
    .unwrap();
    let Some(Request::Login(l)) = s.poll_queue() else {
        panic!()
    };
    s.handle_eof(t0());
    let _ = s.answer_login(l.id, LoginAnswer::Accepted);
    let _ = s.take_output();
    assert!(s.is_finished());
    assert_eq!(
        counter.count("registrar1"),
        0,
        "a finished session still holds the registrar's only slot"
    );
}

/// Timers stop while the host holds a request. After a slow answer (here
/// 690 s) the idle deadline may already have passed; a timeout then must not
/// discard the answer: `is_finished()` stays false until it is written.
#[test]
fn a_timeout_never_discards_a_response_the_host_already_gave() {
    let mut s = logged_in();
    s.feed_input(&frame(&domain_check_xml(Some("C-1"))), at(10))
        .unwrap();
    let Some(Request::Command(c)) = s.poll_queue() else {
        panic!()
    };
    assert_eq!(
        s.next_timeout(),
        None,
        "timers stop while the host holds it"
    );
    // The host answers at t = 700 s and then runs its timer wheel.
    s.answer_command(c.id, Response::success()).unwrap();
    let timed_out = s.handle_timeout(at(700));
    assert!(
        !s.is_finished() || s.output().is_empty(),
        "is_finished() with the host's 1000 still unwritten (timed_out = {timed_out})"
    );
    // Answers carry no `now`, so the core cannot tell a late answer from a
    // prompt one: the idle clock runs from the client's last frame and may
    // fire right after a slow answer. What must hold is that the answer is
    // still written before the connection closes.
    if timed_out {
        assert!(!s.is_finished(), "the 1000 must be written first");
        let out = frames_out(&mut s);
        assert_eq!(code_of(&out[0]), 1000);
        assert!(s.is_finished());
    }
}

/// protocol.md: "svTRID is unique per server". Asserts that two
/// configurations of one server built alike (default epoch), whose first
/// sessions start at the same instant, issue different svTRIDs.
///
/// The bug: the sequence lived in each ServerConfig and the default epoch
/// was the first session's `now` in milliseconds, so two configurations of
/// one server (two listeners, two TLD configs, a worker per core) whose
/// first sessions started in the same millisecond issued identical svTRIDs.
#[test]
fn sv_trids_are_unique_across_configurations_of_one_server() {
    let build = || {
        ServerConfig::builder("example registry")
            .object_uri(DOMAIN)
            .build()
            .unwrap()
    };
    let mut seen = Vec::new();
    for cfg in [build(), build()] {
        let mut s = session(server_on(cfg));
        s.feed_input(&frame(&poll_req_xml(None)), t0()).unwrap();
        let r = frames_out(&mut s).remove(0);
        let i = r.find("<svTRID>").unwrap() + 8;
        let j = r.find("</svTRID>").unwrap();
        seen.push(r[i..j].to_string());
    }
    assert_ne!(seen[0], seen[1], "duplicate svTRID");
}

// ---------------------------------------------------------------------------
// Schema strictness
// ---------------------------------------------------------------------------

/// protocol.md: "Session commands are checked as strictly as
/// epp-1.0.xsd/eppcom-1.0.xsd would". commandType and trIDStringType take no
/// attributes: asserts that a poll with an attribute on `<command>` or on
/// `<clTRID>` is answered 2001 by libepp itself (the host is not asked).
///
/// The bug: `command()` (parse.rs) did not look at the attributes of
/// `<command>` or `<clTRID>` (`no_attributes` was not called on them), so
/// these polls reached the host.
#[test]
fn unqualified_attributes_on_command_and_cltrid_are_2001() {
    for x in [
        epp(r#"<command foo="1"><poll op="req"/><clTRID>ABC-1</clTRID></command>"#),
        epp(r#"<command><poll op="req"/><clTRID foo="1">ABC-1</clTRID></command>"#),
    ] {
        let mut s = logged_in();
        s.feed_input(&frame(&x), t0()).unwrap();
        assert_eq!(s.poll_queue(), None, "handed to the host: {x}");
        let r = frames_out(&mut s).remove(0);
        assert_eq!(code_of(&r), 2001, "{x}\n{r}");
    }
}
