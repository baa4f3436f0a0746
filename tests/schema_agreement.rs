//! Schema agreement (issue 9, "schema-exact input"): libepp accepts the
//! envelope and the session commands (hello, login, logout, poll req/ack)
//! exactly when epp-1.0.xsd and eppcom-1.0.xsd accept them.
//!
//! A corpus of frames is generated from a few valid ones by systematic
//! mutations (see [`corpus`]): every element dropped, duplicated, swapped
//! with its next sibling, renamed and moved to another namespace; attributes
//! added (unqualified, qualified, `xml:`, every `xsi:` one) and removed;
//! every value taken across its type's edges (lengths, whitespace, patterns,
//! enumerations, non-ASCII); comments, processing instructions, CDATA,
//! whitespace, text and references inserted at every position. Each frame
//! goes through a fresh session (logged in or not, as its command needs) and
//! through xmllint (one process per batch of files), and the verdicts are
//! compared frame by frame:
//!
//! - the schema refuses the frame: libepp must answer 2001 or 2000 (or, for
//!   the cases in [`OVERRIDES`], the code protocol.md gives instead);
//! - the schema accepts it: libepp must do what the frame asks (a greeting,
//!   1500, or a request for the host), or, for the cases in [`SEMANTIC`],
//!   answer exactly the code listed there.
//!
//! The extension elements the frames carry are declared (as `anyType`) in
//! stub schemas beside a driver schema that imports the unmodified
//! epp-1.0.xsd: its `<extension>` wildcard is strict, and what an extension
//! element may hold is its own schema's business, not libepp's.

mod common;
#[path = "common/xsd.rs"]
mod xsd;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use common::*;
use epp::{LoginAnswer, Request, RequestKind, Server, Session, SessionState};

const EPP_NS: &str = "urn:ietf:params:xml:ns:epp-1.0";
const EPPCOM_NS: &str = "urn:ietf:params:xml:ns:eppcom-1.0";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const XS_NS: &str = "http://www.w3.org/2001/XMLSchema";
/// An extension namespace the stub schemas declare and the server does not
/// offer.
const EXT_X: &str = "urn:example:ext-1.0";
/// A namespace nothing declares.
const OTHER: &str = "urn:example:other-1.0";

// ---------------------------------------------------------------------------
// What libepp must answer to a frame the schema accepts
// ---------------------------------------------------------------------------

/// Schema-valid frames that libepp must refuse all the same, with the code
/// it answers (protocol.md's tables unless noted).
const SEMANTIC: &[(&str, u16, &str)] = &[
    (
        "command-before-login",
        2002,
        "any command but hello/login before login",
    ),
    ("login-while-logged-in", 2002, "<login> while logged in"),
    (
        "lang-not-offered",
        2102,
        "login lang not offered (the test server offers en; tags compare \
         case-insensitively)",
    ),
    ("objuri-not-offered", 2307, "login objURI not offered"),
    ("exturi-not-offered", 2103, "login extURI not offered"),
    (
        "extension-not-offered",
        2103,
        "a command <extension> element (or a protocol extension's, <epp><extension>) \
         in a namespace the server does not offer (login) or the session did not log in with",
    ),
    ("poll-req-msgid", 2005, "op=\"req\" carrying a msgID"),
    (
        "poll-ack-no-msgid",
        2003,
        "op=\"ack\" without msgID; an empty msgID (after token whitespace collapse) counts as none",
    ),
    (
        "poll-ack-bad-msgid",
        2303,
        "op=\"ack\" with a msgID that is not a number libepp could have issued \
         (protocol.md: message ids are numeric)",
    ),
    (
        "server-element",
        2001,
        "<greeting> or <response> sent by a client: valid EPP, but not a client frame \
         (libepp's choice; protocol.md is silent)",
    ),
    (
        "doctype",
        2001,
        "a DOCTYPE, with or without entity declarations (protocol.md's XML rules; \
         the schema says nothing of DTDs)",
    ),
    (
        "not-utf8",
        2001,
        "an encoding other than UTF-8 declared (protocol.md: UTF-8 only)",
    ),
    (
        "bounds",
        2001,
        "past the configured XML bounds: nesting depth, attribute count (protocol.md)",
    ),
];

/// Schema-invalid frames where libepp would answer something more specific
/// than 2001. None: input is refused exactly when the schema refuses it (a
/// version other than 1.0 breaks versionType's enumeration, so it is 2001,
/// not 2100; an empty objURI is a valid anyURI naming no service offered,
/// so it is 2307, not 2001).
const OVERRIDES: &[(&str, u16, &str)] = &[];

fn semantic_code(case: &str) -> u16 {
    SEMANTIC
        .iter()
        .chain(OVERRIDES)
        .find(|(c, ..)| *c == case)
        .unwrap_or_else(|| panic!("no table row {case}"))
        .1
}

/// What a session did with a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// A greeting.
    Greeting,
    /// A request for the host.
    Asked(RequestKind),
    /// A response with this result code (1500 for a logout).
    Code(u16),
}

impl Outcome {
    /// Refused by the parser: 2001 or 2000.
    fn refused(&self) -> bool {
        matches!(self, Outcome::Code(2000 | 2001))
    }
}

/// What the frame asks of a session, or the [`SEMANTIC`] case that refuses
/// it. Only called for frames the schema accepts, so the structure is known
/// to be right; it reads the test's own tree, not libepp's parse.
fn expected(frame: &Frame, session: Sess) -> Result<Outcome, &'static str> {
    let scope = Scope::root(&frame.root);
    let child = frame.root.elements().next().expect("valid: one child");
    let child_scope = scope.enter(child);
    match child.local() {
        "hello" => return Ok(Outcome::Greeting),
        "greeting" | "response" => return Err("server-element"),
        "extension" => {
            // A protocol extension (RFC 3735): handed to the host when every
            // element's namespace is one the session logged in with.
            if session == Sess::Fresh {
                return Err("command-before-login");
            }
            let all_logged_in = child
                .elements()
                .all(|e| child_scope.enter(e).ns_of(e).as_deref() == Some(SECDNS));
            return if all_logged_in {
                Ok(Outcome::Asked(RequestKind::Extension))
            } else {
                Err("extension-not-offered")
            };
        }
        "command" => {}
        other => panic!("a valid frame holding <{other}>"),
    }
    let mut parts = child.elements();
    let cmd = parts.next().expect("valid: a command element");
    let ext_ns: Vec<String> = parts
        .find(|e| e.local() == "extension")
        .map(|x| {
            let xs = child_scope.enter(x);
            x.elements()
                .map(|e| xs.enter(e).ns_of(e).unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    let offered_ext = |ns: &String| ns == SECDNS;
    match (cmd.local(), session) {
        ("login", Sess::LoggedIn) => Err("login-while-logged-in"),
        ("login", Sess::Fresh) => {
            let options = cmd.child("options");
            if !options.child("lang").value().eq_ignore_ascii_case("en") {
                return Err("lang-not-offered");
            }
            let svcs = cmd.child("svcs");
            let offered_obj = [DOMAIN, HOST, CONTACT];
            if svcs
                .elements()
                .filter(|e| e.local() == "objURI")
                .any(|e| !offered_obj.contains(&e.value().as_str()))
            {
                return Err("objuri-not-offered");
            }
            if let Some(x) = svcs.elements().find(|e| e.local() == "svcExtension") {
                if x.elements().any(|e| e.value() != SECDNS) {
                    return Err("exturi-not-offered");
                }
            }
            if !ext_ns.iter().all(offered_ext) {
                return Err("extension-not-offered");
            }
            Ok(Outcome::Asked(RequestKind::Login))
        }
        (_, Sess::Fresh) => Err("command-before-login"),
        (local, Sess::LoggedIn) => {
            // The test session logged in with secDNS.
            if !ext_ns.iter().all(offered_ext) {
                return Err("extension-not-offered");
            }
            match local {
                "logout" => Ok(Outcome::Code(1500)),
                "poll" => {
                    let op = cmd.attr_value("op").expect("valid: op");
                    let msg_id = cmd.attr_value("msgID").filter(|m| !m.is_empty());
                    match (op.as_str(), msg_id) {
                        ("req", Some(_)) => Err("poll-req-msgid"),
                        ("req", None) => Ok(Outcome::Asked(RequestKind::Poll)),
                        (_, None) => Err("poll-ack-no-msgid"),
                        (_, Some(m))
                            if m.bytes().all(|b| b.is_ascii_digit())
                                && m.parse::<u64>().is_ok() =>
                        {
                            Ok(Outcome::Asked(RequestKind::PollAck))
                        }
                        (_, Some(_)) => Err("poll-ack-bad-msgid"),
                    }
                }
                other => panic!("a valid frame with command <{other}>"),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Frames as trees
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Node {
    El(El),
    /// Markup written as is: text (escaped), a reference, a comment, a
    /// processing instruction, a CDATA section.
    Raw(String),
}

#[derive(Debug, Clone, PartialEq)]
struct El {
    /// The name as written (perhaps prefixed).
    name: String,
    /// Attributes as written (values escaped), namespace declarations
    /// included.
    attrs: Vec<(String, String)>,
    kids: Vec<Node>,
    /// Written `<x></x>` rather than `<x/>` when empty.
    open_close: bool,
    /// Foreign content (an extension element): moved, dropped, duplicated
    /// as a whole, never changed inside.
    opaque: bool,
}

impl El {
    fn new(name: &str, attrs: &[(&str, &str)], kids: Vec<Node>) -> El {
        El {
            name: name.to_owned(),
            attrs: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            kids,
            open_close: false,
            opaque: false,
        }
    }

    fn local(&self) -> &str {
        self.name.rsplit(':').next().unwrap()
    }

    fn elements(&self) -> impl Iterator<Item = &El> {
        self.kids.iter().filter_map(|k| match k {
            Node::El(e) => Some(e),
            Node::Raw(_) => None,
        })
    }

    fn child(&self, local: &str) -> &El {
        self.elements()
            .find(|e| e.local() == local)
            .unwrap_or_else(|| panic!("no <{local}> in <{}>", self.name))
    }

    /// The attribute `name` as a token.
    fn attr_value(&self, name: &str) -> Option<String> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| collapse(&decode(v)))
    }

    /// The text content as a token: references resolved, comments and PIs
    /// dropped, CDATA taken literally, then whitespace collapsed.
    fn value(&self) -> String {
        let mut s = String::new();
        for k in &self.kids {
            if let Node::Raw(r) = k {
                s.push_str(&decode(r));
            }
        }
        collapse(&s)
    }

    fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        for (k, v) in &self.attrs {
            out.push_str(&format!(" {k}=\"{v}\""));
        }
        if self.kids.is_empty() && !self.open_close {
            out.push_str("/>");
            return;
        }
        out.push('>');
        for k in &self.kids {
            match k {
                Node::El(e) => e.write(out),
                Node::Raw(r) => out.push_str(r),
            }
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

fn el(name: &str, kids: Vec<Node>) -> Node {
    Node::El(El::new(name, &[], kids))
}

fn leaf(name: &str, text: &str) -> Node {
    el(name, vec![Node::Raw(text.to_owned())])
}

/// Resolves references, drops comments and PIs, unwraps CDATA; line ends
/// normalized as an XML parser does.
fn decode(raw: &str) -> String {
    let raw = raw.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::new();
    let mut rest = raw.as_str();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("<!--") {
            rest = &r[r.find("-->").unwrap() + 3..];
        } else if let Some(r) = rest.strip_prefix("<![CDATA[") {
            let j = r.find("]]>").unwrap();
            out.push_str(&r[..j]);
            rest = &r[j + 3..];
        } else if let Some(r) = rest.strip_prefix("<?") {
            rest = &r[r.find("?>").unwrap() + 2..];
        } else if rest.starts_with('&') {
            let j = rest.find(';').unwrap();
            out.push(reference(&rest[1..j]));
            rest = &rest[j + 1..];
        } else {
            let j = rest.find(['<', '&']).unwrap_or(rest.len());
            out.push_str(&rest[..j]);
            rest = &rest[j..];
        }
    }
    out
}

/// The character a reference (`amp`, `#32`, `#xA0`) stands for.
fn reference(name: &str) -> char {
    match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        n => {
            let code = match n.strip_prefix("#x") {
                Some(h) => u32::from_str_radix(h, 16),
                None => n[1..].parse(),
            };
            char::from_u32(code.unwrap()).unwrap()
        }
    }
}

/// xs:token's whitespace collapse.
fn collapse(s: &str) -> String {
    s.split([' ', '\t', '\n', '\r'])
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Namespace bindings in scope (innermost last).
#[derive(Clone)]
struct Scope(Vec<(String, String)>);

impl Scope {
    fn root(root: &El) -> Scope {
        Scope(Vec::new()).enter(root)
    }

    /// The scope inside `e`.
    fn enter(&self, e: &El) -> Scope {
        let mut s = self.clone();
        for (k, v) in &e.attrs {
            if k == "xmlns" {
                s.0.push((String::new(), decode(v)));
            } else if let Some(p) = k.strip_prefix("xmlns:") {
                s.0.push((p.to_owned(), decode(v)));
            }
        }
        s
    }

    fn lookup(&self, prefix: &str) -> Option<String> {
        self.0
            .iter()
            .rev()
            .find(|(p, _)| p == prefix)
            .map(|(_, u)| u.clone())
            .filter(|u| !u.is_empty())
    }

    /// The namespace of `e` (this scope being the one inside `e`).
    fn ns_of(&self, e: &El) -> Option<String> {
        match e.name.split_once(':') {
            Some((p, _)) => self.lookup(p),
            None => self.lookup(""),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Sess {
    /// Greeting taken, not logged in.
    Fresh,
    /// Logged in as registrar1 with domain and contact, and secDNS.
    LoggedIn,
}

#[derive(Debug, Clone)]
struct Frame {
    prolog: String,
    root: El,
    epilog: String,
}

impl Frame {
    fn xml(&self) -> String {
        let mut s = self.prolog.clone();
        self.root.write(&mut s);
        s.push_str(&self.epilog);
        s
    }

    /// The element at `path` (indices into `kids`).
    fn get(&self, path: &[usize]) -> &El {
        let mut e = &self.root;
        for &i in path {
            e = match &e.kids[i] {
                Node::El(x) => x,
                Node::Raw(_) => unreachable!(),
            };
        }
        e
    }

    /// The element at `path`, to change.
    fn at(&mut self, path: &[usize]) -> &mut El {
        let mut e = &mut self.root;
        for &i in path {
            e = match &mut e.kids[i] {
                Node::El(x) => x,
                Node::Raw(_) => unreachable!(),
            };
        }
        e
    }
}

/// One frame of the corpus.
struct Case {
    /// Base frame and mutation, for reports.
    name: String,
    session: Sess,
    frame: Frame,
    xml: String,
    /// The [`SEMANTIC`] or [`OVERRIDES`] row this case is made to hit, when
    /// that is not read from the frame by [`expected`].
    row: Option<&'static str>,
}

// ---------------------------------------------------------------------------
// The valid frames
// ---------------------------------------------------------------------------

fn epp(kids: Vec<Node>) -> El {
    El::new("epp", &[("xmlns", EPP_NS)], kids)
}

fn command(inner: Node, extension: Option<&str>, cl_trid: bool) -> El {
    let mut kids = vec![inner];
    if let Some(ns) = extension {
        kids.push(el("extension", vec![Node::El(ext_element(ns))]));
    }
    if cl_trid {
        kids.push(leaf("clTRID", "ABC-12345"));
    }
    epp(vec![el("command", kids)])
}

/// An extension element (declared by the stub schemas).
fn ext_element(ns: &str) -> El {
    let name = if ns == SECDNS { "s:update" } else { "s:data" };
    let mut e = El::new(name, &[("xmlns:s", ns)], vec![Node::Raw("1".into())]);
    e.opaque = true;
    e
}

fn login(new_pw: bool, objs: &[&str], exts: &[&str]) -> Node {
    let mut kids = vec![leaf("clID", "registrar1"), leaf("pw", "secret-pw1")];
    if new_pw {
        kids.push(leaf("newPW", "new-secret2"));
    }
    kids.push(el(
        "options",
        vec![leaf("version", "1.0"), leaf("lang", "en")],
    ));
    let mut svcs: Vec<Node> = objs.iter().map(|o| leaf("objURI", o)).collect();
    if !exts.is_empty() {
        svcs.push(el(
            "svcExtension",
            exts.iter().map(|x| leaf("extURI", x)).collect(),
        ));
    }
    kids.push(el("svcs", svcs));
    el("login", kids)
}

fn poll(op: &str, msg_id: Option<&str>) -> Node {
    let mut attrs = vec![("op", op)];
    if let Some(m) = msg_id {
        attrs.push(("msgID", m));
    }
    Node::El(El::new("poll", &attrs, vec![]))
}

/// How much of the mutation set a base frame gets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Depth {
    /// Only itself.
    Alone,
    /// Structure and attributes.
    Structure,
    /// Also every value variant and every insertion.
    Full,
}

/// A valid frame (or one libepp refuses by a table row) to mutate.
struct Base {
    name: &'static str,
    session: Sess,
    depth: Depth,
    frame: Frame,
    /// The table row the frame itself hits, when [`expected`] cannot tell.
    row: Option<&'static str>,
}

fn bases() -> Vec<Base> {
    let f = |root: El| Frame {
        prolog: r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"#.into(),
        root,
        epilog: String::new(),
    };
    let with_prolog = |prolog: &str, root: El| Frame {
        prolog: prolog.into(),
        root,
        epilog: String::new(),
    };
    let hello = || epp(vec![el("hello", vec![])]);
    let mut deep = El::new("x", &[], vec![]);
    for _ in 0..70 {
        deep = El::new("x", &[], vec![Node::El(deep)]);
    }
    let many: Vec<(String, String)> = (0..40).map(|i| (format!("a{i}"), "1".into())).collect();
    let mut wide = El::new("hello", &[], vec![]);
    wide.attrs = many;
    use Depth::*;
    use Sess::*;
    let all_objs = [DOMAIN, HOST, CONTACT];
    let rows = [
        ("doctype", with_prolog("<!DOCTYPE epp>", hello())),
        (
            "doctype",
            with_prolog(r#"<!DOCTYPE epp [<!ENTITY e "x">]>"#, hello()),
        ),
        (
            "not-utf8",
            with_prolog(r#"<?xml version="1.0" encoding="ISO-8859-1"?>"#, hello()),
        ),
        ("bounds", f(epp(vec![el("hello", vec![Node::El(deep)])]))),
        ("bounds", f(epp(vec![Node::El(wide)]))),
    ];
    let plain = [
        ("hello", Fresh, Full, f(epp(vec![el("hello", vec![])]))),
        (
            "login",
            Fresh,
            Full,
            f(command(login(false, &[DOMAIN], &[]), None, true)),
        ),
        (
            "login-newPW-ext",
            Fresh,
            Full,
            f(command(
                login(true, &all_objs, &[SECDNS]),
                Some(SECDNS),
                true,
            )),
        ),
        (
            "login-svcExtension-noclTRID",
            Fresh,
            Structure,
            f(command(
                login(false, &[DOMAIN, CONTACT], &[SECDNS]),
                None,
                false,
            )),
        ),
        (
            "login-newPW-extension-noclTRID",
            Fresh,
            Structure,
            f(command(login(true, &[HOST], &[]), Some(SECDNS), false)),
        ),
        (
            "logout",
            LoggedIn,
            Full,
            f(command(el("logout", vec![]), None, true)),
        ),
        (
            "logout-extension-noclTRID",
            LoggedIn,
            Structure,
            f(command(el("logout", vec![]), Some(SECDNS), false)),
        ),
        (
            "poll-req",
            LoggedIn,
            Full,
            f(command(poll("req", None), None, true)),
        ),
        (
            "poll-req-extension-noclTRID",
            LoggedIn,
            Structure,
            f(command(poll("req", None), Some(SECDNS), false)),
        ),
        (
            "poll-ack",
            LoggedIn,
            Full,
            f(command(poll("ack", Some("101")), None, true)),
        ),
        (
            "poll-ack-extension-noclTRID",
            LoggedIn,
            Structure,
            f(command(poll("ack", Some("101")), Some(SECDNS), false)),
        ),
        (
            "poll-req-extension-not-logged-in",
            LoggedIn,
            Alone,
            f(command(poll("req", None), Some(EXT_X), true)),
        ),
        (
            "protocol-extension",
            LoggedIn,
            Structure,
            f(epp(vec![el(
                "extension",
                vec![Node::El(ext_element(SECDNS))],
            )])),
        ),
        (
            "protocol-extension-two",
            LoggedIn,
            Alone,
            f(epp(vec![el(
                "extension",
                vec![Node::El(ext_element(SECDNS)), Node::El(ext_element(SECDNS))],
            )])),
        ),
        (
            "protocol-extension-not-logged-in",
            LoggedIn,
            Alone,
            f(epp(vec![el(
                "extension",
                vec![Node::El(ext_element(SECDNS)), Node::El(ext_element(EXT_X))],
            )])),
        ),
        (
            "protocol-extension-before-login",
            Fresh,
            Alone,
            f(epp(vec![el(
                "extension",
                vec![Node::El(ext_element(SECDNS))],
            )])),
        ),
        (
            "login-logged-in",
            LoggedIn,
            Alone,
            f(command(login(false, &[DOMAIN], &[]), None, true)),
        ),
        (
            "logout-not-logged-in",
            Fresh,
            Alone,
            f(command(el("logout", vec![]), None, true)),
        ),
        (
            "poll-not-logged-in",
            Fresh,
            Alone,
            f(command(poll("req", None), None, false)),
        ),
        ("greeting", Fresh, Alone, f(greeting())),
        ("response", LoggedIn, Alone, f(response())),
    ];
    let mut out: Vec<Base> = plain
        .into_iter()
        .map(|(name, session, depth, frame)| Base {
            name,
            session,
            depth,
            frame,
            row: None,
        })
        .collect();
    out.extend(rows.into_iter().map(|(row, frame)| Base {
        name: row,
        session: Fresh,
        depth: Alone,
        frame,
        row: Some(row),
    }));
    out
}

fn greeting() -> El {
    epp(vec![el(
        "greeting",
        vec![
            leaf("svID", "Example EPP server"),
            leaf("svDate", "2027-01-15T08:00:00.0Z"),
            el(
                "svcMenu",
                vec![
                    leaf("version", "1.0"),
                    leaf("lang", "en"),
                    leaf("objURI", DOMAIN),
                ],
            ),
            el(
                "dcp",
                vec![
                    el("access", vec![el("all", vec![])]),
                    el(
                        "statement",
                        vec![
                            el("purpose", vec![el("admin", vec![])]),
                            el("recipient", vec![el("ours", vec![])]),
                            el("retention", vec![el("stated", vec![])]),
                        ],
                    ),
                ],
            ),
        ],
    )])
}

fn response() -> El {
    epp(vec![el(
        "response",
        vec![
            Node::El(El::new(
                "result",
                &[("code", "1000")],
                vec![leaf("msg", "Command completed successfully")],
            )),
            el(
                "trID",
                vec![leaf("clTRID", "ABC-1"), leaf("svTRID", "XYZ-1")],
            ),
        ],
    )])
}

// ---------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------

/// Values across each simple type's edges. `Some(row)` marks a value made
/// to hit an [`OVERRIDES`] row.
fn value_variants(local: &str) -> Vec<(String, Option<&'static str>)> {
    let s = |v: &str| (v.to_owned(), None);
    let rep = |c: &str, n: usize| c.repeat(n);
    let mut v: Vec<(String, Option<&'static str>)> = Vec::new();
    // Shared by every token with length facets: padding and inner runs of
    // whitespace (collapsed before the length is counted), empty values,
    // non-ASCII (counted in characters), references.
    let token_lengths = |min: usize, max: usize, v: &mut Vec<(String, Option<&'static str>)>| {
        for n in [min - 1, min, max, max + 1] {
            v.push(s(&rep("a", n)));
            v.push(s(&rep("\u{e9}", n)));
            v.push(s(&format!(" \t{}\n ", rep("b", n))));
        }
        // max characters once collapsed, more before.
        v.push(s(&format!("{}  {}", rep("c", max - 2), "d")));
        v.push(s(&format!("{}\t\t{}", rep("c", max - 1), "d")));
        v.push(s(&format!("{}&#32;&#9;{}", rep("c", min - 1), "d")));
        v.push(s(&format!("&#32;{}&#32;", rep("c", min - 1))));
        v.push(s(&format!("{}\u{a0}", rep("c", min - 1))));
        v.push(s(&rep("\u{1F600}", min)));
        v.push(s(&rep("\u{1F600}", max + 1)));
        v.push(s(&format!("&lt;&amp;{}", rep("e", min - 2))));
        v.push(s(&format!("<![CDATA[{}]]>", rep("f", min))));
        v.push(s(&format!("a<![CDATA[{}]]>", rep("f", max))));
        v.push(s(&format!("x<!-- c -->{}", rep("y", min - 1))));
        v.push(s(&format!("a\r\n{}", rep("z", min - 1))));
        v.push(s(""));
        v.push(s("   "));
        v.push(s("\n"));
    };
    match local {
        "clID" => {
            token_lengths(3, 16, &mut v);
            v.push(s("registrar 1"));
            v.push(s("\u{65e5}\u{672c}\u{8a9e}"));
        }
        "pw" | "newPW" => {
            token_lengths(6, 16, &mut v);
            v.push(s("pass word"));
            v.push(s("&quot;&apos;&gt;&lt;&amp;x"));
        }
        "clTRID" => {
            token_lengths(3, 64, &mut v);
            v.push(s("ABC 12345"));
        }
        "version" => {
            for ok in ["1.0", " 1.0 ", "\n\t1.0\r\n", "1&#46;0", "<![CDATA[1.0]]>"] {
                v.push(s(ok));
            }
            for bad in [
                "1.00",
                "2.0",
                "1.1",
                "11.0",
                "99.99",
                " 2.0 ",
                "",
                " ",
                "0.1",
                "01.0",
                "10.0",
                "1",
                "1.",
                ".0",
                "1.0.0",
                "1. 0",
                "1 .0",
                "v1.0",
                "1,0",
                "\u{ff11}.0",
                "1.0a",
                "-1.0",
            ] {
                v.push(s(bad));
            }
        }
        "lang" => {
            for l in [
                "en",
                " en ",
                "EN",
                "En",
                "fr",
                "e",
                "x",
                "en-GB",
                "abcdefgh",
                "abcdefghi",
                "en_GB",
                "en-",
                "-en",
                "",
                " ",
                "e n",
                "en-123456789",
                "en-12345678",
                "1en",
                "en-1",
                "i-klingon",
                "\u{eb}n",
                "en--GB",
                "en-GB-oxendict",
            ] {
                v.push(s(l));
            }
            v.extend(
                fuzz(0x5eed_0002, LANG_PIECES, 12, 60)
                    .into_iter()
                    .map(|l| (l, None)),
            );
        }
        "objURI" | "extURI" => {
            let good = if local == "objURI" { DOMAIN } else { SECDNS };
            v.push(s(good));
            v.push(s(&format!("  {good}\n")));
            v.push(s(&good.replace("ns:", "ns:<!-- c -->")));
            v.push(s(&good.to_uppercase()));
            v.push(s(&format!("{good}/")));
            for u in [
                "",
                "  ",
                "urn:x",
                "urn:x y",
                "x\u{e9}",
                "a:b:c",
                "urn:x%20",
                "//a",
                "?",
                "#",
                "urn:a#b[c]",
                "http://[::1]/x",
                "http://u:p@h:1/p?q#f",
                "a{b}|^`",
                "mailto:a@b",
                "a:",
                "urn:x%zz",
                "urn:x%2",
                "urn:a#b#c",
                "urn:a[b]",
                "urn:a?b[c]",
                "1urn:x",
                ":x",
                "http://[::1",
                "http://a:/",
                "http://a:b/",
                "http://a@b@c/",
                "%",
                "\u{e9}:x",
                "+a:b",
                "..:x",
                "http://a/b#c#",
                "a b:c",
            ] {
                v.push(s(u));
            }
            if local == "objURI" {
                v.extend(
                    fuzz(0x5eed_0001, URI_PIECES, 12, 120)
                        .into_iter()
                        .map(|u| (u, None)),
                );
            }
        }
        "op" => {
            for o in [
                "req",
                "ack",
                " req ",
                "\tack\n",
                "req&#9;",
                "&#32;ack",
                "REQ",
                "Ack",
                "",
                " ",
                "re q",
                "req ack",
                "request",
                "req\u{a0}",
            ] {
                v.push(s(o));
            }
        }
        "msgID" => {
            for m in [
                "101",
                " 101 ",
                "1&#9;",
                "0",
                "007",
                "18446744073709551615",
                "18446744073709551616",
                "99999999999999999999",
                "",
                "  ",
                "abc",
                "1 0",
                "-1",
                "+1",
                "1.0",
                "\u{661}\u{662}",
                "a&amp;b",
            ] {
                v.push(s(m));
            }
        }
        _ => {}
    }
    v
}

/// Pieces of URI syntax (escaped for XML text).
const URI_PIECES: &[&str] = &[
    "a", "Z", "0", "9", ":", "/", "//", "?", "#", "[", "]", "@", "%", "%2F", "%g", "!", "$",
    "&amp;", "'", "(", "*", "+", ",", ";", "=", "-", ".", "_", "~", " ", "\u{e9}", "|", "&lt;",
    "urn:", "http://", ":80", "[::1]",
];

/// Pieces of language tags.
const LANG_PIECES: &[&str] = &["a", "B", "en", "abcd", "1", "-", "-", "_", " ", "\u{e9}"];

/// `n` strings of up to `max` pieces, from a fixed seed.
fn fuzz(seed: u64, pieces: &[&str], max: usize, n: usize) -> Vec<String> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            (0..rng.below(max + 1))
                .map(|_| pieces[rng.below(pieces.len())])
                .collect()
        })
        .collect()
}

/// Namespace declarations, as attributes.
type Decls = Vec<(String, String)>;

/// Attributes to add to an element: (name, value, declarations it needs).
fn attribute_variants(local: &str) -> Vec<(String, String, Decls)> {
    let xsi = || vec![("xmlns:xsi".to_owned(), XSI_NS.to_owned())];
    let decl = |p: &str, ns: &str| vec![(format!("xmlns:{p}"), ns.to_owned())];
    let mut v = vec![
        ("foo".to_owned(), "x".to_owned(), vec![]),
        ("o:foo".into(), "x".into(), decl("o", OTHER)),
        ("xml:lang".into(), "en".into(), vec![]),
        (
            "xsi:schemaLocation".into(),
            format!("{EPP_NS} epp-1.0.xsd"),
            xsi(),
        ),
        ("xsi:schemaLocation".into(), String::new(), xsi()),
        (
            "xsi:noNamespaceSchemaLocation".into(),
            "x.xsd".into(),
            xsi(),
        ),
        ("y:schemaLocation".into(), "a b".into(), decl("y", XSI_NS)),
        (
            "xsi:schemaLocation".into(),
            "a b".into(),
            decl("xsi", OTHER),
        ),
        ("xsi:nil".into(), "true".into(), xsi()),
        ("xsi:nil".into(), "false".into(), xsi()),
        ("xsi:foo".into(), "1".into(), xsi()),
        ("op".into(), "req".into(), vec![]),
        ("msgID".into(), "1".into(), vec![]),
        ("e:op".into(), "req".into(), decl("e", EPP_NS)),
    ];
    // xsi:type naming the declared type, another one, and an unknown one.
    let (ns, ty) = declared_type(local);
    let mut t = xsi();
    t.extend(decl("t", ns));
    v.push(("xsi:type".into(), format!("t:{ty}"), t.clone()));
    // XML Schema collapses a QName's whitespace; libxml2 does not, for
    // xsi:type, and neither does libepp.
    v.push(("xsi:type".into(), format!(" t:{ty} "), t.clone()));
    v.push(("xsi:type".into(), format!("t:{ty}X"), t));
    if ns == EPP_NS {
        // Unprefixed: the default namespace (EPP) applies to QName values.
        v.push(("xsi:type".into(), ty.to_owned(), xsi()));
    }
    let wrong = if ty == "anyType" {
        "epp:loginType"
    } else {
        "xs:string"
    };
    let mut w = xsi();
    w.extend(decl("epp", EPP_NS));
    w.extend(decl("xs", XS_NS));
    v.push(("xsi:type".into(), wrong.into(), w));
    v.push(("xsi:type".into(), "und:x".into(), xsi()));
    v
}

/// The type epp-1.0.xsd declares an element with.
fn declared_type(local: &str) -> (&'static str, &'static str) {
    match local {
        "epp" => (EPP_NS, "eppType"),
        "hello" | "logout" => (XS_NS, "anyType"),
        "command" => (EPP_NS, "commandType"),
        "login" => (EPP_NS, "loginType"),
        "clID" => (EPPCOM_NS, "clIDType"),
        "pw" | "newPW" => (EPP_NS, "pwType"),
        "options" => (EPP_NS, "credsOptionsType"),
        "version" => (EPP_NS, "versionType"),
        "lang" => (XS_NS, "language"),
        "svcs" => (EPP_NS, "loginSvcType"),
        "objURI" | "extURI" => (XS_NS, "anyURI"),
        "svcExtension" => (EPP_NS, "extURIType"),
        "poll" => (EPP_NS, "pollType"),
        "extension" => (EPP_NS, "extAnyType"),
        "clTRID" => (EPP_NS, "trIDStringType"),
        other => panic!("no declared type for <{other}>"),
    }
}

/// Markup inserted at every position of element content.
const INSERTS: &[&str] = &[
    "<!-- c -->",
    "<!---->",
    "<?pi data?>",
    "<![CDATA[x]]>",
    "<![CDATA[]]>",
    "<![CDATA[ ]]>",
    "\n  ",
    "x",
    "&#32;",
    "&#10;",
    "&amp;",
    "&#xA0;",
];

/// Markup inserted before and after the root.
const AROUND: &[&str] = &["<!-- c -->", "<?pi data?>", "\r\n", "x", "<![CDATA[x]]>"];

/// Paths of every element (the root is `[]`), not entering opaque ones.
fn element_paths(e: &El, path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(path.clone());
    if e.opaque {
        return;
    }
    for (i, k) in e.kids.iter().enumerate() {
        if let Node::El(c) = k {
            path.push(i);
            element_paths(c, path, out);
            path.pop();
        }
    }
}

/// Every mutation of one base frame.
fn mutations(
    Base {
        name: base,
        session,
        depth,
        frame,
        row,
    }: &Base,
    out: &mut Vec<(String, Sess, Frame, Option<&'static str>)>,
) {
    let (base, session, depth, row) = (*base, *session, *depth, *row);
    let mut push = |what: String, f: Frame, row: Option<&'static str>| {
        out.push((format!("{base}: {what}"), session, f, row));
    };
    push("as is".into(), frame.clone(), row);
    if depth == Depth::Alone {
        return;
    }
    let mut paths = Vec::new();
    element_paths(&frame.root, &mut Vec::new(), &mut paths);
    for path in &paths {
        let target = frame.get(path);
        let name = &target.name;
        let local = target.local();
        if let Some((&last, parent)) = path.split_last() {
            // Drop, duplicate, swap with the next element sibling.
            let mut f = frame.clone();
            f.at(parent).kids.remove(last);
            push(format!("drop <{name}>"), f, None);
            let mut f = frame.clone();
            f.at(parent).kids.insert(last + 1, Node::El(target.clone()));
            push(format!("duplicate <{name}>"), f, None);
            let mut f = frame.clone();
            let p = f.at(parent);
            if let Some(next) = (last + 1..p.kids.len()).find(|&j| matches!(p.kids[j], Node::El(_)))
            {
                p.kids.swap(last, next);
                push(format!("swap <{name}> with its next sibling"), f, None);
            }
            let mut f = frame.clone();
            let p = f.at(parent);
            let e = p.kids.remove(last);
            p.kids.insert(0, e);
            push(format!("move <{name}> first"), f, None);
        }
        // Namespaces: none, another one, the EPP one through a prefix.
        for (what, prefix, ns) in [
            ("no namespace", "", ""),
            ("namespace urn:example:other-1.0", "", OTHER),
            ("namespace EPP through prefix e", "e", EPP_NS),
        ] {
            if target.opaque && ns == OTHER {
                // An undeclared extension element: the extension's own schema decides.
                continue;
            }
            let mut f = frame.clone();
            let e = f.at(path);
            let l = e.local().to_owned();
            e.attrs.retain(|(k, _)| !k.starts_with("xmlns:s"));
            if prefix.is_empty() {
                e.name = l;
                e.attrs.retain(|(k, _)| k != "xmlns");
                e.attrs.push(("xmlns".into(), ns.into()));
            } else {
                e.name = format!("{prefix}:{l}");
                e.attrs.push((format!("xmlns:{prefix}"), ns.into()));
            }
            push(format!("<{name}> in {what}"), f, None);
        }
        if target.opaque {
            continue;
        }
        // Renames: capitalised, suffixed, and the next sibling's name.
        let mut renames = vec![
            {
                let mut c = local.chars();
                let first = c.next().unwrap();
                let flipped: String = if first.is_uppercase() {
                    first.to_lowercase().collect()
                } else {
                    first.to_uppercase().collect()
                };
                flipped + c.as_str()
            },
            format!("{local}X"),
        ];
        if let Some((&last, parent)) = path.split_last() {
            let p = frame.get(parent);
            if let Some(Node::El(n)) = p.kids[last + 1..].iter().find(|k| matches!(k, Node::El(_)))
            {
                if !n.opaque {
                    renames.push(n.local().to_owned());
                }
            }
        }
        for r in renames {
            let mut f = frame.clone();
            f.at(path).name = r.clone();
            push(format!("rename <{name}> to <{r}>"), f, None);
        }
        // <x></x> for <x/>.
        if target.kids.is_empty() {
            let mut f = frame.clone();
            f.at(path).open_close = true;
            push(format!("<{name}></{name}>"), f, None);
        }
        // Attributes added, each existing one removed.
        for (k, v, decls) in attribute_variants(local) {
            let mut f = frame.clone();
            let e = f.at(path);
            e.attrs
                .retain(|(a, _)| *a != k && !decls.iter().any(|(d, _)| d == a));
            e.attrs.extend(decls);
            let what = format!("<{name} {k}=\"{v}\">");
            e.attrs.push((k, v));
            push(what, f, None);
        }
        for (i, (k, _)) in target.attrs.iter().enumerate() {
            let mut f = frame.clone();
            f.at(path).attrs.remove(i);
            push(format!("<{name}> without {k}"), f, None);
        }
        if depth != Depth::Full {
            continue;
        }
        // Values.
        let is_leaf = target.kids.len() == 1 && matches!(target.kids[0], Node::Raw(_));
        if is_leaf {
            for (val, over) in value_variants(local) {
                let mut f = frame.clone();
                f.at(path).kids = vec![Node::Raw(val.clone())];
                push(format!("<{name}>{val:?}"), f, over);
            }
        }
        for attr in ["op", "msgID"] {
            if local != "poll" {
                continue;
            }
            for (val, over) in value_variants(attr) {
                if val.contains('<') {
                    continue;
                }
                let mut f = frame.clone();
                let e = f.at(path);
                e.attrs.retain(|(k, _)| k != attr);
                e.attrs.push((attr.into(), val.clone()));
                push(format!("<{name} {attr}={val:?}>"), f, over);
            }
        }
        // Insertions at every position (and inside a leaf's text).
        for i in 0..=target.kids.len() {
            for ins in INSERTS {
                let mut f = frame.clone();
                f.at(path).kids.insert(i, Node::Raw((*ins).into()));
                push(format!("{ins:?} at {i} in <{name}>"), f, None);
            }
        }
        if let [Node::Raw(t)] = &target.kids[..] {
            let n = t.chars().count();
            if n >= 2 && !t.contains('&') {
                let mid = t.char_indices().nth(n / 2).unwrap().0;
                for ins in INSERTS {
                    let mut f = frame.clone();
                    f.at(path).kids = vec![
                        Node::Raw(t[..mid].into()),
                        Node::Raw((*ins).into()),
                        Node::Raw(t[mid..].into()),
                    ];
                    push(format!("{ins:?} inside the text of <{name}>"), f, None);
                }
            }
        }
    }
    if depth == Depth::Full {
        for ins in AROUND {
            let mut f = frame.clone();
            f.prolog.push_str(ins);
            push(format!("{ins:?} before the root"), f, None);
            let mut f = frame.clone();
            f.epilog.push_str(ins);
            push(format!("{ins:?} after the root"), f, None);
        }
        for prolog in ["", "\u{feff}", "<?xml version='1.0'?>\n", "<!-- c -->\n"] {
            let mut f = frame.clone();
            f.prolog = prolog.into();
            push(format!("prolog {prolog:?}"), f, None);
        }
    }
}

/// The corpus, without duplicates.
fn corpus() -> Vec<Case> {
    let mut raw = Vec::new();
    for base in bases() {
        mutations(&base, &mut raw);
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (name, session, frame, row) in raw {
        let xml = frame.xml();
        if seen.insert((xml.clone(), session)) {
            out.push(Case {
                name,
                session,
                frame,
                xml,
                row,
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------
// libepp's verdict
// ---------------------------------------------------------------------------

fn session(server: &Arc<Server>, kind: Sess) -> Session {
    let mut s = Session::new(server.clone(), t0());
    s.take_output().expect("greeting");
    if kind == Sess::LoggedIn {
        s.feed_input(
            &frame(&login_xml("registrar1", "secret-pw1", Some("LOGIN-1"))),
            t0(),
        )
        .unwrap();
        let Some(Request::Login(l)) = s.poll_queue() else {
            panic!("the test login was not asked")
        };
        s.answer_login(l.id, LoginAnswer::Accepted).unwrap();
        let r = unframe(&s.take_output().unwrap());
        assert_eq!(code_of(&r[0]), 1000, "{}", r[0]);
        assert_eq!(s.state(), SessionState::LoggedIn);
    }
    s
}

/// What a fresh session does with `xml`, and its response if any.
fn run(server: &Arc<Server>, kind: Sess, xml: &str) -> (Outcome, String) {
    let mut s = session(server, kind);
    s.feed_input(&frame(xml), t0()).unwrap();
    let mut asked = None;
    while let Some(r) = s.poll_queue() {
        if !matches!(r, Request::SessionEnd(_)) {
            assert!(asked.is_none(), "two requests for one frame");
            asked = Some(r.kind());
        }
    }
    let out = s.take_output().map(|b| unframe(&b)).unwrap_or_default();
    if let Some(k) = asked {
        assert!(out.is_empty(), "a request and a response: {out:?}");
        return (Outcome::Asked(k), String::new());
    }
    assert_eq!(out.len(), 1, "one response expected: {out:?}");
    let r = out.into_iter().next().unwrap();
    if !r.contains("<response>") {
        (Outcome::Greeting, r)
    } else {
        (Outcome::Code(code_of(&r)), r)
    }
}

// ---------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------

#[test]
fn libepp_accepts_exactly_what_the_schema_accepts() {
    if !xsd::xmllint_available("schema agreement") {
        return;
    }
    let cases = corpus();
    // The extension elements the frames carry, declared as `anyType`.
    let xsd = xsd::Schema::new(
        "schema-agreement",
        &xsd::epp_xsd(),
        &[],
        &[(SECDNS, &["update"]), (EXT_X, &["data"])],
    );
    let frames: Vec<&str> = cases.iter().map(|c| c.xml.as_str()).collect();
    let schema = xsd.verdicts(&frames);
    let server = server();

    let mut agree = 0;
    let mut valid = 0;
    let mut rows: BTreeMap<&str, usize> = BTreeMap::new();
    let mut disagreements = Vec::new();
    for (case, (ok, messages)) in cases.iter().zip(&schema) {
        let (got, response) = run(&server, case.session, &case.xml);
        valid += usize::from(*ok);
        let want: Result<Outcome, &str> = match (case.row, ok) {
            (Some(row), _) => Err(row),
            (None, true) => expected(&case.frame, case.session),
            (None, false) => Ok(Outcome::Code(2001)),
        };
        // A table row is hit by the frames it describes: SEMANTIC rows by
        // schema-valid frames, OVERRIDES rows by schema-invalid ones.
        let labelled = match case.row {
            Some(row) => SEMANTIC.iter().any(|(r, ..)| *r == row) == *ok,
            None => true,
        };
        let fine = labelled
            && match &want {
                Ok(Outcome::Code(2001)) if !ok => got.refused(),
                Ok(w) => *w == got,
                Err(row) => got == Outcome::Code(semantic_code(row)),
            };
        if fine {
            agree += 1;
            if let Err(row) = want {
                *rows.entry(row).or_default() += 1;
            }
        } else {
            disagreements.push(format!(
                "--- {}\nsession: {:?}\nframe: {}\nschema: {}\n{}libepp: {:?} (expected {:?})\n{}\n",
                case.name,
                case.session,
                case.xml,
                if *ok { "valid" } else { "invalid" },
                messages,
                got,
                want,
                response
            ));
        }
    }
    for d in &disagreements {
        println!("{d}");
    }
    println!(
        "corpus: {} frames, {valid} schema-valid, {} schema-invalid",
        cases.len(),
        cases.len() - valid
    );
    for (row, code, why) in SEMANTIC.iter().chain(OVERRIDES) {
        println!(
            "  {:>4} x {code} {row}: {why}",
            rows.get(row).copied().unwrap_or(0)
        );
    }
    println!("{agree} agree, {} disagree", disagreements.len());
    assert!(agree >= 300, "the corpus should hold at least 300 frames");
    assert!(
        disagreements.is_empty(),
        "{} frames where libepp and epp-1.0.xsd disagree (listed above)",
        disagreements.len()
    );
    for (row, ..) in SEMANTIC.iter().chain(OVERRIDES) {
        assert!(rows.contains_key(row), "no frame exercised table row {row}");
    }
}
