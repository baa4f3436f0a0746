//! One frame's bytes to a typed EPP command, checked as strictly as
//! epp-1.0.xsd and eppcom-1.0.xsd would check it. Knows nothing of session
//! state.

// A refusal is rendered at once by the caller; boxing it would only add an
// allocation to the error path.
#![allow(clippy::result_large_err)]

use std::borrow::Cow;

use crate::request::{CommandVerb, TransferOp};
use crate::result_code::ResultCode;
use crate::trid::TransactionId;
use crate::xml::{is_xml_space, Cursor, Element, Scratch, Step, XmlBounds, XmlError, EPP_NS};

/// A parsed frame.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // built once per frame and moved once
pub(crate) enum Frame<'a> {
    /// `<hello/>`.
    Hello,
    /// `<command>`.
    Command(Command<'a>),
}

/// A parsed `<command>`.
#[derive(Debug)]
pub(crate) struct Command<'a> {
    pub kind: CommandKind<'a>,
    /// The children of `<extension>`, each standing alone.
    pub extensions: Vec<Extension>,
    pub cl_trid: Option<TransactionId>,
}

/// One child of a command's `<extension>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Extension {
    /// Its namespace URI.
    pub ns: String,
    /// The element, standing alone (inherited declarations copied in).
    pub xml: String,
}

/// The command element.
#[derive(Debug)]
pub(crate) enum CommandKind<'a> {
    /// Boxed: a login is rare, and the other commands stay small to move.
    Login(Box<Login<'a>>),
    Logout,
    Poll {
        op: PollOp,
        msg_id: Option<Cow<'a, str>>,
    },
    Object {
        verb: CommandVerb,
        transfer_op: Option<TransferOp>,
        object_ns: String,
        object_xml: String,
    },
}

/// `<poll op>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PollOp {
    Req,
    Ack,
}

/// `<login>`.
#[derive(Debug)]
pub(crate) struct Login<'a> {
    pub cl_id: Cow<'a, str>,
    pub pw: Cow<'a, str>,
    pub new_pw: Option<Cow<'a, str>>,
    pub version: Cow<'a, str>,
    pub lang: Cow<'a, str>,
    pub obj_uris: Vec<Cow<'a, str>>,
    pub ext_uris: Vec<Cow<'a, str>>,
}

/// Why a frame was refused.
#[derive(Debug)]
pub(crate) struct Refusal {
    /// 2001 or 2000.
    pub code: ResultCode,
    /// The element named in `<extValue><value>`.
    pub element: String,
    /// Its text, when the value is the problem.
    pub value: Option<String>,
    /// For `<reason>`.
    pub reason: String,
    /// The clTRID, when the frame got far enough to have a valid one.
    pub cl_trid: Option<TransactionId>,
}

impl From<XmlError> for Refusal {
    fn from(e: XmlError) -> Refusal {
        Refusal {
            code: ResultCode::CommandSyntaxError,
            element: e.element,
            value: None,
            reason: e.reason,
            cl_trid: None,
        }
    }
}

/// A schema violation (2001) naming `element`.
fn invalid(element: &str, reason: impl Into<String>) -> Refusal {
    Refusal {
        code: ResultCode::CommandSyntaxError,
        element: element.to_owned(),
        value: None,
        reason: reason.into(),
        cl_trid: None,
    }
}

/// A schema violation (2001) naming `element` and its bad `value`.
fn bad_value(element: &str, value: &str, reason: impl Into<String>) -> Refusal {
    Refusal {
        value: Some(value.to_owned()),
        ..invalid(element, reason)
    }
}

/// Either the document is broken (stop) or the command is invalid (go on to
/// the clTRID).
enum Fail {
    Broken(XmlError),
    Invalid(Refusal),
}

impl From<XmlError> for Fail {
    fn from(e: XmlError) -> Fail {
        if e.recoverable {
            Fail::Invalid(invalid(&e.element, e.reason))
        } else {
            Fail::Broken(e)
        }
    }
}

impl From<Refusal> for Fail {
    fn from(e: Refusal) -> Fail {
        Fail::Invalid(e)
    }
}

/// Parses one frame.
pub(crate) fn parse_frame<'a>(
    bytes: &'a [u8],
    scratch: &mut Scratch,
    bounds: XmlBounds,
) -> Result<Frame<'a>, Refusal> {
    let mut c = Cursor::new(bytes, scratch, bounds)?;
    let root = match c.next()? {
        Step::Start(el) => el,
        _ => return Err(XmlError::new("epp", "no root element").into()),
    };
    if !root.is(EPP_NS, "epp") {
        return Err(invalid(
            root.local,
            format!(
                "the root element must be <epp> in namespace {EPP_NS}, found <{}> in {}",
                root.local,
                root.ns.as_deref().unwrap_or("no namespace")
            ),
        ));
    }
    no_unqualified_attributes(&root)?;
    let child = match next_element(&mut c, "epp").map_err(refusal_of)? {
        Some(el) => el,
        None => return Err(invalid("epp", "<epp> is empty")),
    };
    let frame = if child.is(EPP_NS, "hello") {
        c.skip_to_end_of(child.depth)?;
        Frame::Hello
    } else if child.is(EPP_NS, "command") {
        Frame::Command(command(&mut c, &child)?)
    } else if child.is(EPP_NS, "extension") {
        let mut inv = invalid(
            "extension",
            "protocol extensions (<epp><extension>) are not implemented",
        );
        inv.code = ResultCode::UnknownCommand;
        return Err(inv);
    } else {
        return Err(invalid(
            child.local,
            format!("<{}> is not a command a client may send", child.local),
        ));
    };
    // Nothing else inside <epp>, nothing after it.
    if next_element(&mut c, "epp").map_err(refusal_of)?.is_some() {
        let cl_trid = match &frame {
            Frame::Command(cmd) => cmd.cl_trid.clone(),
            Frame::Hello => None,
        };
        let mut r = invalid("epp", "<epp> holds more than one element");
        r.cl_trid = cl_trid;
        return Err(r);
    }
    match c.next()? {
        Step::Eof => Ok(frame),
        _ => Err(XmlError::new("epp", "content after </epp>").into()),
    }
}

fn refusal_of(f: Fail) -> Refusal {
    match f {
        Fail::Broken(e) => e.into(),
        Fail::Invalid(i) => i,
    }
}

/// The next child element of the element being read (named `parent`), or
/// `None` at its end. Whitespace and comments are skipped; text is an error.
fn next_element<'a>(c: &mut Cursor<'a, '_>, parent: &str) -> Result<Option<Element<'a>>, Fail> {
    loop {
        match c.next()? {
            Step::Start(el) => return Ok(Some(el)),
            Step::End => return Ok(None),
            Step::Text(t, cdata) => {
                if cdata || !t.bytes().all(is_xml_space) {
                    return Err(invalid(parent, format!("<{parent}> may not hold text")).into());
                }
            }
            Step::Eof => {
                return Err(XmlError::new(parent, "document ends inside an element").into())
            }
        }
    }
}

/// The `<command>` element, from after its start tag through its end tag.
fn command<'a>(c: &mut Cursor<'a, '_>, cmd_el: &Element<'a>) -> Result<Command<'a>, Refusal> {
    let mut first: Option<Refusal> = no_unqualified_attributes(cmd_el).err();
    let mut kind: Option<CommandKind<'a>> = None;
    let mut extensions = Vec::new();
    let mut cl_trid: Option<TransactionId> = None;
    // 0: expecting the command element; 1: extension or clTRID; 2: clTRID; 3: nothing.
    let mut stage = 0;
    loop {
        let el = match next_element(c, "command") {
            Ok(Some(el)) => el,
            Ok(None) => break,
            Err(Fail::Broken(e)) => return Err(e.into()),
            Err(Fail::Invalid(i)) => {
                first.get_or_insert(i);
                continue;
            }
        };
        let result: Result<(), Fail> = (|| {
            if stage == 0 && (el.is(EPP_NS, "clTRID") || el.is(EPP_NS, "extension")) {
                // A known element out of place: a schema violation (2001),
                // not an unknown command. Read on as if the command element
                // had been there, for the clTRID.
                stage = 1;
                first.get_or_insert(invalid(
                    el.local,
                    format!(
                        "<command> must begin with a command element, found <{}>",
                        el.local
                    ),
                ));
            }
            if stage == 0 {
                stage = 1;
                kind = Some(command_element(c, &el)?);
            } else if stage == 1 && el.is(EPP_NS, "extension") {
                stage = 2;
                extensions = extension(c, &el)?;
            } else if stage <= 2 && el.is(EPP_NS, "clTRID") {
                stage = 3;
                if let Err(i) = no_unqualified_attributes(&el) {
                    return Err(i.into());
                }
                let t = c.text_of(&el)?;
                let t = collapse(&t);
                let n = t.chars().count();
                if !(3..=64).contains(&n) {
                    return Err(bad_value(
                        "clTRID",
                        &t,
                        format!("clTRID must be 3 to 64 characters, got {n}"),
                    )
                    .into());
                }
                cl_trid = Some(TransactionId::new(&t));
            } else {
                return Err(
                    invalid(el.local, format!("unexpected <{}> in <command>", el.local)).into(),
                );
            }
            Ok(())
        })();
        match result {
            Ok(()) => {}
            Err(Fail::Broken(e)) => return Err(e.into()),
            Err(Fail::Invalid(i)) => {
                c.skip_to_end_of(el.depth)?;
                first.get_or_insert(i);
            }
        }
    }
    if first.is_none() && kind.is_none() {
        first = Some(invalid("command", "<command> holds no command element"));
    }
    match first {
        Some(i) => {
            let mut r = i;
            r.cl_trid = cl_trid;
            Err(r)
        }
        None => Ok(Command {
            kind: kind.expect("checked above"),
            extensions,
            cl_trid,
        }),
    }
}

fn command_element<'a>(c: &mut Cursor<'a, '_>, el: &Element<'a>) -> Result<CommandKind<'a>, Fail> {
    if el.ns.as_deref() != Some(EPP_NS) {
        let mut i = invalid(el.local, format!("unknown command <{}>", el.local));
        i.code = ResultCode::UnknownCommand;
        return Err(i.into());
    }
    let verb = match el.local {
        "login" => return login(c, el).map(|l| CommandKind::Login(Box::new(l))),
        "logout" => {
            no_attributes(el)?;
            // logout has no declared type (anyType); its content is ignored.
            c.skip_to_end_of(el.depth)?;
            return Ok(CommandKind::Logout);
        }
        "poll" => return poll(c, el),
        "check" => CommandVerb::Check,
        "info" => CommandVerb::Info,
        "create" => CommandVerb::Create,
        "update" => CommandVerb::Update,
        "delete" => CommandVerb::Delete,
        "renew" => CommandVerb::Renew,
        "transfer" => CommandVerb::Transfer,
        other => {
            let mut i = invalid(other, format!("unknown command <{other}>"));
            i.code = ResultCode::UnknownCommand;
            return Err(i.into());
        }
    };
    let mut transfer_op = None;
    if verb == CommandVerb::Transfer {
        let op = el.attr("op")?;
        transfer_op = Some(match op.as_deref().map(str::trim) {
            Some("request") => TransferOp::Request,
            Some("approve") => TransferOp::Approve,
            Some("cancel") => TransferOp::Cancel,
            Some("query") => TransferOp::Query,
            Some("reject") => TransferOp::Reject,
            Some(v) => {
                return Err(bad_value(
                    "transfer",
                    v,
                    format!("transfer op {v:?} is not request, approve, cancel, query or reject"),
                )
                .into())
            }
            None => return Err(invalid("transfer", "<transfer> requires attribute op").into()),
        });
        for a in el.attr_names() {
            if a != "op" {
                return Err(invalid(
                    "transfer",
                    format!("unexpected attribute {a} on <transfer>"),
                )
                .into());
            }
        }
    } else {
        no_attributes(el)?;
    }
    let obj = match next_element(c, el.local)? {
        Some(o) => o,
        None => {
            return Err(invalid(
                el.local,
                format!("<{}> must hold one object element", el.local),
            )
            .into())
        }
    };
    let object_ns = match obj.ns.as_deref() {
        Some(ns) if ns != EPP_NS => ns.to_owned(),
        _ => {
            return Err(invalid(
                obj.local,
                format!(
                    "the object element <{}> must be in an object namespace",
                    obj.local
                ),
            )
            .into())
        }
    };
    let object_xml = c.capture(&obj)?;
    if next_element(c, el.local)?.is_some() {
        return Err(invalid(
            el.local,
            format!("<{}> must hold exactly one object element", el.local),
        )
        .into());
    }
    Ok(CommandKind::Object {
        verb,
        transfer_op,
        object_ns,
        object_xml,
    })
}

/// The schema gives `<epp>`, `<command>` and `<clTRID>` no attributes;
/// qualified ones (such as `xsi:schemaLocation`, which clients send) are
/// let through.
fn no_unqualified_attributes(el: &Element<'_>) -> Result<(), Refusal> {
    match el.attr_names().find(|a| !a.contains(':')) {
        Some(a) => Err(invalid(
            el.local,
            format!("unexpected attribute {a} on <{}>", el.local),
        )),
        None => Ok(()),
    }
}

fn no_attributes(el: &Element<'_>) -> Result<(), Fail> {
    if let Some(a) = el.attr_names().next() {
        return Err(invalid(
            el.local,
            format!("unexpected attribute {a} on <{}>", el.local),
        )
        .into());
    }
    Ok(())
}

fn poll<'a>(c: &mut Cursor<'a, '_>, el: &Element<'a>) -> Result<CommandKind<'a>, Fail> {
    for a in el.attr_names() {
        if a != "op" && a != "msgID" {
            return Err(invalid("poll", format!("unexpected attribute {a} on <poll>")).into());
        }
    }
    let op = match el.attr("op")? {
        Some(v) => match v.trim_matches(|ch: char| ch.is_ascii() && is_xml_space(ch as u8)) {
            "req" => PollOp::Req,
            "ack" => PollOp::Ack,
            other => {
                return Err(bad_value(
                    "poll",
                    other,
                    format!("poll op {other:?} is not req or ack"),
                )
                .into())
            }
        },
        None => return Err(invalid("poll", "<poll> requires attribute op").into()),
    };
    let msg_id = match el.attr("msgID")? {
        Some(Cow::Borrowed(s)) => {
            Some(Cow::Borrowed(s.trim_matches(|ch: char| {
                ch.is_ascii() && is_xml_space(ch as u8)
            })))
        }
        Some(Cow::Owned(s)) => Some(Cow::Owned(collapse(&s).into_owned())),
        None => None,
    };
    // An empty msgID is no msgID (2003 on ack).
    let msg_id = msg_id.filter(|m| !m.is_empty());
    // <poll> has only attributes: no children, no text.
    loop {
        match c.next()? {
            Step::End => break,
            Step::Text(t, false) if t.bytes().all(is_xml_space) => {}
            Step::Start(child) => {
                return Err(invalid(
                    "poll",
                    format!("<poll> must be empty, found <{}>", child.local),
                )
                .into())
            }
            _ => return Err(invalid("poll", "<poll> must be empty").into()),
        }
    }
    Ok(CommandKind::Poll { op, msg_id })
}

/// Reads the element `local` in the EPP namespace as the next child of
/// `parent`, and returns its collapsed text.
fn required_text<'a>(
    c: &mut Cursor<'a, '_>,
    parent: &str,
    local: &str,
    next: Option<Element<'a>>,
) -> Result<Cow<'a, str>, Fail> {
    match next {
        Some(el) if el.is(EPP_NS, local) => {
            no_attributes(&el)?;
            let t = c.text_of(&el)?;
            Ok(collapse_cow(t))
        }
        Some(el) => Err(invalid(
            el.local,
            format!("expected <{local}> in <{parent}>, found <{}>", el.local),
        )
        .into()),
        None => Err(invalid(parent, format!("<{parent}> is missing <{local}>")).into()),
    }
}

fn length_between(element: &str, v: &str, min: usize, max: usize) -> Result<(), Fail> {
    let n = v.chars().count();
    if n < min || n > max {
        return Err(bad_value(
            element,
            v,
            format!("{element} must be {min} to {max} characters, got {n}"),
        )
        .into());
    }
    Ok(())
}

fn login<'a>(c: &mut Cursor<'a, '_>, el: &Element<'a>) -> Result<Login<'a>, Fail> {
    no_attributes(el)?;
    let n = next_element(c, "login")?;
    let cl_id = required_text(c, "login", "clID", n)?;
    length_between("clID", &cl_id, 3, 16)?;
    let n = next_element(c, "login")?;
    let pw = required_text(c, "login", "pw", n)?;
    if !(6..=16).contains(&pw.chars().count()) {
        return Err(invalid(
            "pw",
            format!("pw must be 6 to 16 characters, got {}", pw.chars().count()),
        )
        .into());
    }
    let mut n = next_element(c, "login")?;
    let mut new_pw = None;
    if n.as_ref().is_some_and(|e| e.is(EPP_NS, "newPW")) {
        let p = required_text(c, "login", "newPW", n)?;
        if !(6..=16).contains(&p.chars().count()) {
            return Err(invalid(
                "newPW",
                format!(
                    "newPW must be 6 to 16 characters, got {}",
                    p.chars().count()
                ),
            )
            .into());
        }
        new_pw = Some(p);
        n = next_element(c, "login")?;
    }
    // <options><version/><lang/></options>
    let options = match n {
        Some(o) if o.is(EPP_NS, "options") => o,
        Some(o) => {
            return Err(invalid(
                o.local,
                format!("expected <options> in <login>, found <{}>", o.local),
            )
            .into())
        }
        None => return Err(invalid("login", "<login> is missing <options>").into()),
    };
    no_attributes(&options)?;
    let n = next_element(c, "options")?;
    let version = required_text(c, "options", "version", n)?;
    if !is_version_token(&version) {
        return Err(bad_value("version", &version, "version must look like 1.0").into());
    }
    let n = next_element(c, "options")?;
    let lang = required_text(c, "options", "lang", n)?;
    if !is_language(&lang) {
        return Err(bad_value("lang", &lang, "lang must be a language tag such as en").into());
    }
    if let Some(x) = next_element(c, "options")? {
        return Err(invalid(x.local, format!("unexpected <{}> in <options>", x.local)).into());
    }
    // <svcs><objURI/>+<svcExtension><extURI/>+</svcExtension>?</svcs>
    let svcs = match next_element(c, "login")? {
        Some(s) if s.is(EPP_NS, "svcs") => s,
        Some(s) => {
            return Err(invalid(
                s.local,
                format!("expected <svcs> in <login>, found <{}>", s.local),
            )
            .into())
        }
        None => return Err(invalid("login", "<login> is missing <svcs>").into()),
    };
    no_attributes(&svcs)?;
    let mut obj_uris = Vec::new();
    let mut ext_uris = Vec::new();
    let mut in_ext = false;
    while let Some(x) = next_element(c, "svcs")? {
        if !in_ext && x.is(EPP_NS, "objURI") {
            let u = required_text(c, "svcs", "objURI", Some(x))?;
            uri(&u, "objURI")?;
            obj_uris.push(u);
        } else if !in_ext && x.is(EPP_NS, "svcExtension") && !obj_uris.is_empty() {
            in_ext = true;
            no_attributes(&x)?;
            while let Some(e) = next_element(c, "svcExtension")? {
                let u = required_text(c, "svcExtension", "extURI", Some(e))?;
                uri(&u, "extURI")?;
                ext_uris.push(u);
            }
            if ext_uris.is_empty() {
                return Err(invalid(
                    "svcExtension",
                    "<svcExtension> must hold at least one <extURI>",
                )
                .into());
            }
        } else {
            return Err(invalid(x.local, format!("unexpected <{}> in <svcs>", x.local)).into());
        }
    }
    if obj_uris.is_empty() {
        return Err(invalid("svcs", "<svcs> must hold at least one <objURI>").into());
    }
    if let Some(x) = next_element(c, "login")? {
        return Err(invalid(x.local, format!("unexpected <{}> in <login>", x.local)).into());
    }
    Ok(Login {
        cl_id,
        pw,
        new_pw,
        version,
        lang,
        obj_uris,
        ext_uris,
    })
}

fn uri(u: &str, element: &str) -> Result<(), Fail> {
    if u.is_empty() {
        return Err(invalid(element, format!("<{element}> is empty")).into());
    }
    Ok(())
}

fn extension<'a>(c: &mut Cursor<'a, '_>, el: &Element<'a>) -> Result<Vec<Extension>, Fail> {
    no_attributes(el)?;
    let mut out = Vec::new();
    while let Some(x) = next_element(c, "extension")? {
        let ns = match x.ns.as_deref() {
            Some(ns) if ns != EPP_NS => ns.to_owned(),
            _ => {
                return Err(invalid(
                    x.local,
                    format!(
                        "extension element <{}> must be in an extension namespace",
                        x.local
                    ),
                )
                .into())
            }
        };
        let xml = c.capture(&x)?;
        out.push(Extension { ns, xml });
    }
    if out.is_empty() {
        return Err(invalid("extension", "<extension> must hold at least one element").into());
    }
    Ok(out)
}

/// Whitespace collapse of xs:token: trim, and runs of whitespace become one
/// space. Borrows when nothing changes.
pub(crate) fn collapse(s: &str) -> Cow<'_, str> {
    let t = s.trim_matches(|c: char| c.is_ascii() && is_xml_space(c as u8));
    let needs = t
        .as_bytes()
        .windows(2)
        .any(|w| is_xml_space(w[0]) && (w[0] != b' ' || is_xml_space(w[1])))
        || t.bytes().any(|b| b != b' ' && is_xml_space(b));
    if !needs {
        return Cow::Borrowed(t);
    }
    let mut out = String::with_capacity(t.len());
    let mut space = false;
    for ch in t.chars() {
        if ch.is_ascii() && is_xml_space(ch as u8) {
            space = true;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(ch);
        }
    }
    Cow::Owned(out)
}

fn collapse_cow(c: Cow<'_, str>) -> Cow<'_, str> {
    match c {
        Cow::Borrowed(s) => collapse(s),
        Cow::Owned(s) => Cow::Owned(collapse(&s).into_owned()),
    }
}

/// epp:versionType's pattern `[1-9]+\.[0-9]+`.
fn is_version_token(v: &str) -> bool {
    match v.split_once('.') {
        Some((a, b)) => {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| (b'1'..=b'9').contains(&c))
                && b.bytes().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

/// xs:language: `[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*`.
pub(crate) fn is_language(v: &str) -> bool {
    let mut parts = v.split('-');
    let first = parts.next().unwrap_or("");
    (1..=8).contains(&first.len())
        && first.bytes().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: XmlBounds = XmlBounds {
        max_depth: 32,
        max_attributes: 16,
        max_text: 4096,
    };

    fn p(doc: &str) -> Result<Frame<'_>, Refusal> {
        let mut s = Scratch::default();
        parse_frame(doc.as_bytes(), &mut s, B)
    }

    const LOGIN: &str = r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><login><clID>ClientX</clID><pw>foo-BAR2</pw><options><version>1.0</version><lang>en</lang></options><svcs><objURI>urn:ietf:params:xml:ns:domain-1.0</objURI><svcExtension><extURI>urn:x</extURI></svcExtension></svcs></login><clTRID>ABC-12345</clTRID></command></epp>"#;

    #[test]
    fn login_parses() {
        let Frame::Command(c) = p(LOGIN).unwrap() else {
            panic!()
        };
        let CommandKind::Login(l) = c.kind else {
            panic!()
        };
        assert_eq!(l.cl_id, "ClientX");
        assert_eq!(l.pw, "foo-BAR2");
        assert_eq!(l.obj_uris, ["urn:ietf:params:xml:ns:domain-1.0"]);
        assert_eq!(l.ext_uris, ["urn:x"]);
        assert_eq!(c.cl_trid.unwrap(), "ABC-12345");
    }

    #[test]
    fn prefixed_epp_namespace_works() {
        let doc = r#"<e:epp xmlns:e="urn:ietf:params:xml:ns:epp-1.0"><e:command><e:poll op="req"/><e:clTRID>abc</e:clTRID></e:command></e:epp>"#;
        let Frame::Command(c) = p(doc).unwrap() else {
            panic!()
        };
        assert!(matches!(
            c.kind,
            CommandKind::Poll {
                op: PollOp::Req,
                msg_id: None
            }
        ));
    }

    #[test]
    fn wrong_namespace_is_refused() {
        let doc = r#"<epp xmlns="urn:ietf:params:xml:ns:epp-0.4"><hello/></epp>"#;
        assert_eq!(p(doc).unwrap_err().code, ResultCode::CommandSyntaxError);
    }

    #[test]
    fn schema_violations_keep_cltrid() {
        let doc = LOGIN.replace("<clID>ClientX</clID>", "<clID>X</clID>");
        let r = p(&doc).unwrap_err();
        assert_eq!(r.code, ResultCode::CommandSyntaxError);
        assert_eq!(r.element, "clID");
        assert_eq!(r.value.as_deref(), Some("X"));
        assert_eq!(r.cl_trid.unwrap(), "ABC-12345");
        let doc = LOGIN.replace("<pw>foo-BAR2</pw>", "");
        assert_eq!(p(&doc).unwrap_err().element, "options");
        let doc = LOGIN.replace("ABC-12345", "AB");
        let r = p(&doc).unwrap_err();
        assert!(r.cl_trid.is_none());
        assert_eq!(r.element, "clTRID");
    }

    #[test]
    fn object_command_is_captured_standalone() {
        let doc = r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0" xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><command><check><domain:check><domain:name>a.example</domain:name></domain:check></check><extension><x:e xmlns:x="urn:x"/></extension></command></epp>"#;
        let Frame::Command(c) = p(doc).unwrap() else {
            panic!()
        };
        let CommandKind::Object {
            verb,
            object_ns,
            object_xml,
            ..
        } = c.kind
        else {
            panic!()
        };
        assert_eq!(verb, CommandVerb::Check);
        assert_eq!(object_ns, "urn:ietf:params:xml:ns:domain-1.0");
        assert!(object_xml.starts_with(r#"<domain:check xmlns:domain="urn:ietf:params:xml:ns:domain-1.0" xmlns="urn:ietf:params:xml:ns:epp-1.0">"#));
        assert_eq!(c.extensions, [Extension { ns: "urn:x".to_owned(), xml: r#"<x:e xmlns:domain="urn:ietf:params:xml:ns:domain-1.0" xmlns="urn:ietf:params:xml:ns:epp-1.0" xmlns:x="urn:x"/>"#.to_owned() }]);
        assert!(c.cl_trid.is_none());
    }

    #[test]
    fn unknown_command_is_2000() {
        let doc = r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><frobnicate/><clTRID>abc</clTRID></command></epp>"#;
        let r = p(doc).unwrap_err();
        assert_eq!(r.code, ResultCode::UnknownCommand);
        assert_eq!(r.cl_trid.unwrap(), "abc");
    }

    #[test]
    fn collapse_token() {
        assert_eq!(collapse("  a  b\tc "), "a b c");
        assert!(matches!(collapse(" ab "), Cow::Borrowed("ab")));
        assert!(is_language("en-GB") && !is_language("en_GB") && !is_language(""));
        assert!(
            is_version_token("1.0")
                && is_version_token("2.10")
                && !is_version_token("0.1")
                && !is_version_token("1")
        );
    }
}
