//! The harness of the protocol tests: a scripted connection (`Conn`) that
//! keeps every frame the session wrote and validates them all against the
//! RFC 5730 schema when it is dropped (with the shared xmllint harness,
//! `tests/common/xsd.rs`), and builders for expected responses.
#![allow(dead_code)]

use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use epp::{
    CloseReason, LoginAnswer, Request, ResultCode, Server, ServerConfig, Session, SessionError,
};

use crate::common::*;
use crate::xsd;

pub const EPP_NS: &str = "urn:ietf:params:xml:ns:epp-1.0";
/// The declaration every frame libepp writes starts with.
pub const DECL: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"#;
/// An object namespace no test configuration offers.
pub const WIDGET: &str = "urn:example:widget-1.0";
/// An extension namespace no test configuration offers.
pub const EXT_X: &str = "urn:example:ext-1.0";

// ---------------------------------------------------------------------------
// Schema validation
// ---------------------------------------------------------------------------

/// Elements declared (as `xs:anyType`) for the non-EPP namespaces that
/// responses may carry in `<resData>`/`<extension>`: epp-1.0.xsd's wildcards
/// there are strict, so they need a declaration to validate against. The
/// EPP envelope itself is validated by the unmodified epp-1.0.xsd.
const STUBS: &[(&str, &[&str])] = &[
    (
        DOMAIN,
        &[
            "chkData", "infData", "trnData", "panData", "creData", "renData",
        ],
    ),
    (HOST, &["chkData", "infData"]),
    (CONTACT, &["chkData", "infData"]),
    (SECDNS, &["infData"]),
    (EXT_X, &["data"]),
    (WIDGET, &["infData"]),
];

static SCHEMA: OnceLock<Option<xsd::Schema>> = OnceLock::new();

/// The driver schema (epp-1.0.xsd plus the stubs of [`STUBS`]), or `None`
/// without xmllint outside CI ([`xsd::xmllint_available`]).
fn schema() -> Option<&'static xsd::Schema> {
    SCHEMA
        .get_or_init(|| {
            xsd::xmllint_available("responses against epp-1.0.xsd")
                .then(|| xsd::Schema::new("protocol-schema", &xsd::epp_xsd(), &[], STUBS))
        })
        .as_ref()
}

/// Whether frames are really validated here (xmllint found).
pub fn schema_available() -> bool {
    schema().is_some()
}

/// Validates every frame against epp-1.0.xsd (and the stubs of [`STUBS`]).
#[track_caller]
pub fn schema_check(frames: &[String]) {
    if let Some(schema) = schema() {
        schema.assert_valid(frames, "response frames");
    }
}

// ---------------------------------------------------------------------------
// The scripted connection
// ---------------------------------------------------------------------------

/// A server, or a configuration to start one on.
pub trait IntoServer {
    fn into_server(self, now: SystemTime) -> Arc<Server>;
}

impl IntoServer for Arc<Server> {
    fn into_server(self, _: SystemTime) -> Arc<Server> {
        self
    }
}

impl IntoServer for Arc<ServerConfig> {
    fn into_server(self, now: SystemTime) -> Arc<Server> {
        Server::new(self, now)
    }
}

/// One connection: a session, the client's clock, and every frame the
/// session has written (all schema-checked on drop).
pub struct Conn {
    pub s: Session,
    pub now: SystemTime,
    pub frames: Vec<String>,
}

impl Conn {
    /// A session on `server` (or on a server started at `now` on a
    /// configuration) created at `now`; the greeting is not taken.
    pub fn at(server: impl IntoServer, now: SystemTime) -> Conn {
        Conn {
            s: Session::new(server.into_server(now), now),
            now,
            frames: Vec::new(),
        }
    }

    /// A session on `server` at t0 whose greeting has been taken.
    pub fn open(server: impl IntoServer) -> Conn {
        let mut c = Conn::at(server, t0());
        let g = c.one();
        assert!(g.contains("<greeting>"), "{g}");
        c
    }

    /// A session on the common test configuration, greeting taken.
    pub fn new() -> Conn {
        Conn::open(server())
    }

    /// A session on the common configuration logged in as registrar1 with
    /// DOMAIN and CONTACT and the secDNS extension.
    pub fn logged_in() -> Conn {
        let mut c = Conn::new();
        c.login();
        c
    }

    pub fn try_feed(&mut self, bytes: &[u8]) -> Result<(), SessionError> {
        self.s.feed_input(bytes, self.now)
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        self.try_feed(bytes).expect("feed_input")
    }

    /// Frames `xml` and feeds it; all of it must be taken.
    pub fn send(&mut self, xml: &str) {
        self.send_bytes(xml.as_bytes());
    }

    /// Frames arbitrary bytes (perhaps not UTF-8) and feeds them.
    pub fn send_bytes(&mut self, body: &[u8]) {
        let mut f = ((body.len() + 4) as u32).to_be_bytes().to_vec();
        f.extend_from_slice(body);
        self.feed(&f);
    }

    /// Takes the output; returns the new frames (also kept for validation).
    pub fn out(&mut self) -> Vec<String> {
        match self.s.take_output() {
            None => Vec::new(),
            Some(bytes) => {
                let v = unframe(&bytes);
                self.frames.extend(v.iter().cloned());
                v
            }
        }
    }

    /// Exactly one new frame.
    pub fn one(&mut self) -> String {
        let mut v = self.out();
        assert_eq!(v.len(), 1, "expected exactly one frame, got {v:#?}");
        v.remove(0)
    }

    /// No output at all.
    pub fn silent(&mut self) {
        let v = self.out();
        assert!(v.is_empty(), "expected no output, got {v:#?}");
    }

    pub fn req(&mut self) -> Request {
        self.s.poll_queue().expect("a request for the host")
    }

    pub fn no_req(&mut self) {
        let r = self.s.poll_queue();
        assert!(r.is_none(), "expected no request, got {r:?}");
    }

    /// Sends `xml`, which the session must answer at once (no request for
    /// the host), and returns the one response.
    pub fn ask(&mut self, xml: &str) -> String {
        self.send(xml);
        self.no_req();
        self.one()
    }

    /// Sends a logout; returns the response (the session reports
    /// `SessionEnd(Logout)`).
    pub fn logout(&mut self, cl: Option<&str>) -> String {
        self.send(&logout_xml(cl));
        assert_eq!(self.end_reason(), CloseReason::Logout);
        self.no_req();
        self.one()
    }

    /// The next request must be `SessionEnd`; returns its reason.
    pub fn end_reason(&mut self) -> CloseReason {
        match self.req() {
            Request::SessionEnd(e) => e.reason,
            other => panic!("expected SessionEnd, got {other:?}"),
        }
    }

    /// Sends a login, answers it with `answer`, returns the response.
    pub fn login_as(&mut self, login: &LoginXml, answer: LoginAnswer) -> String {
        self.send(&login.xml());
        let Request::Login(l) = self.req() else {
            panic!("expected a Login request")
        };
        assert_eq!(l.client_id, login.clid);
        self.s.answer_login(l.id, answer).unwrap();
        self.one()
    }

    /// The standard login, accepted.
    pub fn login(&mut self) {
        let r = self.login_as(&LoginXml::default(), LoginAnswer::Accepted);
        assert_eq!(code_of(&r), 1000, "{r}");
        assert_eq!(self.s.state(), epp::SessionState::LoggedIn);
    }

    /// Checks that the session still reads frames: a hello gets a greeting.
    pub fn still_alive(&mut self) {
        let g = self.ask(&hello_xml());
        assert!(g.contains("<greeting>"), "{g}");
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let _ = self.out();
        schema_check(&self.frames);
    }
}

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

/// A `<login>` command with every part settable.
#[derive(Clone, Debug)]
pub struct LoginXml {
    pub clid: String,
    pub pw: String,
    pub new_pw: Option<String>,
    pub version: String,
    pub lang: String,
    pub objs: Vec<String>,
    pub exts: Vec<String>,
    /// Children of the command's `<extension>`.
    pub extension: Option<String>,
    pub cl: Option<String>,
}

impl Default for LoginXml {
    fn default() -> LoginXml {
        LoginXml {
            clid: "registrar1".into(),
            pw: "secret-pw1".into(),
            new_pw: None,
            version: "1.0".into(),
            lang: "en".into(),
            objs: vec![DOMAIN.into(), CONTACT.into()],
            exts: vec![SECDNS.into()],
            extension: None,
            cl: Some("LOGIN-1".into()),
        }
    }
}

impl LoginXml {
    pub fn xml(&self) -> String {
        let mut s = format!("<login><clID>{}</clID><pw>{}</pw>", self.clid, self.pw);
        if let Some(p) = &self.new_pw {
            s.push_str(&format!("<newPW>{p}</newPW>"));
        }
        s.push_str(&format!(
            "<options><version>{}</version><lang>{}</lang></options><svcs>",
            self.version, self.lang
        ));
        for o in &self.objs {
            s.push_str(&format!("<objURI>{o}</objURI>"));
        }
        if !self.exts.is_empty() {
            s.push_str("<svcExtension>");
            for e in &self.exts {
                s.push_str(&format!("<extURI>{e}</extURI>"));
            }
            s.push_str("</svcExtension>");
        }
        s.push_str("</svcs></login>");
        if let Some(x) = &self.extension {
            s.push_str(&format!("<extension>{x}</extension>"));
        }
        cmd(&s, self.cl.as_deref())
    }
}

/// A `<check>` of a domain, with optional command `<extension>` children.
pub fn check_xml(ns: &str, extension: Option<&str>, cl: Option<&str>) -> String {
    let ext = extension
        .map(|x| format!("<extension>{x}</extension>"))
        .unwrap_or_default();
    cmd(
        &format!(
            r#"<check><o:check xmlns:o="{ns}"><o:name>example.com</o:name></o:check></check>{ext}"#
        ),
        cl,
    )
}

// ---------------------------------------------------------------------------
// Expected responses
// ---------------------------------------------------------------------------

/// A whole response as libepp writes it, after `norm` (svTRID and reasons
/// blanked to `*`).
pub fn response(results: &str, after: &str, cl: Option<&str>) -> String {
    let cl = cl
        .map(|c| format!("<clTRID>{c}</clTRID>"))
        .unwrap_or_default();
    format!(
        "{DECL}<epp xmlns=\"{EPP_NS}\"><response>{results}{after}<trID>{cl}<svTRID>*</svTRID></trID></response></epp>"
    )
}

/// `<result>` with the code's standard text.
pub fn result(code: ResultCode, extra: &str) -> String {
    result_msg(code, code.text(), extra)
}

/// `<result>` with a given `<msg>` text.
pub fn result_msg(code: ResultCode, msg: &str, extra: &str) -> String {
    format!(
        "<result code=\"{}\"><msg>{msg}</msg>{extra}</result>",
        code.code()
    )
}

/// `<extValue>` naming `<element>text</element>`, reason blanked.
pub fn ext_value(element: &str, text: &str) -> String {
    format!("<extValue><value><{element}>{text}</{element}></value><reason>*</reason></extValue>")
}

/// A one-result response with the standard text.
pub fn simple(code: ResultCode, cl: Option<&str>) -> String {
    response(&result(code, ""), "", cl)
}

/// `normalize` (svDate, svTRID) plus every `<reason>` blanked.
pub fn norm(xml: &str) -> String {
    blank_between(&normalize(xml), "<reason>", "</reason>")
}

fn blank_between(xml: &str, open: &str, close: &str) -> String {
    let mut s = xml.to_string();
    let mut from = 0;
    while let Some(i) = s[from..].find(open) {
        let i = from + i + open.len();
        let j = s[i..].find(close).expect("closed") + i;
        s.replace_range(i..j, "*");
        from = i + 1;
    }
    s
}

#[track_caller]
pub fn assert_resp(actual: &str, expected: &str) {
    assert_eq!(norm(actual), expected, "\nactual response:\n{actual}\n");
}

/// The text of the first `<reason>`, unescaped.
pub fn reason_of(xml: &str) -> String {
    let i = xml.find("<reason>").expect("a <reason>") + 8;
    let j = xml[i..].find("</reason>").unwrap() + i;
    unescape(&xml[i..j])
}

/// The clTRID echoed in `<trID>` (not one quoted in an `<extValue>`).
pub fn echoed(xml: &str) -> Option<String> {
    let i = xml.find("<trID><clTRID>")? + 14;
    let j = xml[i..].find("</clTRID>")? + i;
    Some(xml[i..j].to_string())
}

/// The `<svTRID>` value in `xml`.
pub fn sv_trid_of(xml: &str) -> String {
    let i = xml.find("<svTRID>").expect("svTRID") + 8;
    let j = xml[i..].find("</svTRID>").unwrap() + i;
    xml[i..j].to_string()
}

/// Resolves the five predefined entities and character references.
pub fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let j = rest[i..].find(';').expect("entity end") + i;
        let name = &rest[i + 1..j];
        let ch = match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            n if n.starts_with("#x") => {
                char::from_u32(u32::from_str_radix(&n[2..], 16).unwrap()).unwrap()
            }
            n if n.starts_with('#') => char::from_u32(n[1..].parse().unwrap()).unwrap(),
            n => panic!("unknown entity &{n};"),
        };
        out.push(ch);
        rest = &rest[j + 1..];
    }
    out.push_str(rest);
    out
}

/// The greeting of `common::config()` at `svdate`.
pub fn expected_greeting(svdate: &str) -> String {
    format!(
        "{DECL}<epp xmlns=\"{EPP_NS}\"><greeting><svID>libepp test server</svID><svDate>{svdate}</svDate>\
         <svcMenu><version>1.0</version><lang>en</lang><objURI>{DOMAIN}</objURI><objURI>{HOST}</objURI>\
         <objURI>{CONTACT}</objURI><svcExtension><extURI>{SECDNS}</extURI></svcExtension></svcMenu>\
         <dcp><access><all/></access><statement><purpose><admin/><prov/></purpose><recipient><ours/><public/></recipient>\
         <retention><stated/></retention></statement></dcp></greeting></epp>"
    )
}

/// Asserts a 2001 response whose `<extValue><value>` names `element` and
/// whose `<reason>` is not empty; returns the reason.
#[track_caller]
pub fn assert_2001(resp: &str, element: &str) -> String {
    assert_eq!(code_of(resp), 2001, "{resp}");
    let head = "<result code=\"2001\"><msg>Command syntax error</msg><extValue><value>";
    let i = resp
        .find(head)
        .unwrap_or_else(|| panic!("no 2001 extValue: {resp}"))
        + head.len();
    let named = &resp[i..];
    assert!(
        named.starts_with(&format!("<{element}>")) || named.starts_with(&format!("<{element}/>")),
        "the 2001 should name <{element}>: {resp}"
    );
    let reason = reason_of(resp);
    assert!(!reason.trim().is_empty(), "empty reason: {resp}");
    reason
}
