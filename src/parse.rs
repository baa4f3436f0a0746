//! One frame's bytes to a typed EPP command, checked as strictly as
//! epp-1.0.xsd and eppcom-1.0.xsd would check it. Knows nothing of session
//! state.

// A refusal is rendered at once by the caller; boxing it would only add an
// allocation to the error path.
#![allow(clippy::result_large_err)]

use std::borrow::Cow;

use crate::login_security::{UserAgent, LOGIN_SECURITY_NS};
use crate::request::{CommandVerb, TransferOp};
use crate::result_code::ResultCode;
use crate::trid::TransactionId;
use crate::xml::{
    is_qname, is_xml_space, Cursor, Element, Scratch, Step, XmlBounds, XmlError, EPP_NS,
};

const EPPCOM_NS: &str = "urn:ietf:params:xml:ns:eppcom-1.0";
const XS_NS: &str = "http://www.w3.org/2001/XMLSchema";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// A type an element is declared with: namespace and local name.
type Type = (&'static str, &'static str);

const fn epp_type(local: &'static str) -> Type {
    (EPP_NS, local)
}

/// `hello` and `logout` are declared without a type: any attributes, any
/// content.
const ANY_TYPE: Type = (XS_NS, "anyType");

/// A parsed frame.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // built once per frame and moved once
pub(crate) enum Frame<'a> {
    /// `<hello/>`.
    Hello,
    /// `<command>`.
    Command(Command<'a>),
    /// `<extension>`: a protocol extension (RFC 3735), its children each
    /// standing alone.
    Extension(Vec<Extension>),
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
    /// A protocol extension ([`Frame::Extension`]); its elements travel as
    /// the command's extensions.
    Extension,
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
    attributes(&c, &root, &[], epp_type("eppType"))?;
    let child = match next_element(&mut c, "epp").map_err(refusal_of)? {
        Some(el) => el,
        None => return Err(invalid("epp", "<epp> is empty")),
    };
    let frame = if child.is(EPP_NS, "hello") {
        attributes(&c, &child, &[], ANY_TYPE)?;
        c.skip_to_end_of(child.depth)?;
        Frame::Hello
    } else if child.is(EPP_NS, "command") {
        Frame::Command(command(&mut c, &child)?)
    } else if child.is(EPP_NS, "extension") {
        // epp-1.0.xsd extAnyType: one or more elements of other namespaces.
        Frame::Extension(extension(&mut c, &child).map_err(refusal_of)?)
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
            Frame::Hello | Frame::Extension(_) => None,
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
    let mut first: Option<Refusal> = attributes(c, cmd_el, &[], epp_type("commandType")).err();
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
                attributes(c, &el, &[], epp_type("trIDStringType"))?;
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
            // No declared type (anyType): any attribute will do.
            attributes(c, el, &[], ANY_TYPE)?;
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
        attributes(c, el, &["op"], epp_type("transferType"))?;
    } else {
        attributes(c, el, &[], epp_type("readWriteType"))?;
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

/// Checks the attributes of `el` (the element just read), declared with
/// type `ty`, as epp-1.0.xsd does: the unqualified ones in `allowed`, and the
/// schema instance attributes any element may carry: `xsi:schemaLocation`,
/// `xsi:noNamespaceSchemaLocation` (hints; their values are not checked)
/// and `xsi:type` naming `ty` itself (nothing in the schemas derives from
/// these types). No element here is nillable, so `xsi:nil` is refused. An
/// element of [`ANY_TYPE`] takes any other attribute. Namespace
/// declarations are not attributes.
fn attributes(
    c: &Cursor<'_, '_>,
    el: &Element<'_>,
    allowed: &[&str],
    ty: Type,
) -> Result<(), Refusal> {
    let any = ty == ANY_TYPE;
    for a in el.attr_names() {
        let ok = match a.split_once(':') {
            None => any || allowed.contains(&a),
            Some((p, local)) if c.namespace_of(p) == Some(XSI_NS) => match local {
                "schemaLocation" | "noNamespaceSchemaLocation" => true,
                "type" => {
                    // Whitespace around the QName is refused, as libxml2
                    // refuses it (XML Schema would collapse it).
                    let v = el.attr(a)?.unwrap_or_default();
                    let v = &*v;
                    let (p, l) = v.split_once(':').unwrap_or(("", v));
                    if !is_qname(v) || c.namespace_of(p) != Some(ty.0) || l != ty.1 {
                        return Err(bad_value(
                            el.local,
                            v,
                            format!(
                                "xsi:type on <{}> must name its type {{{}}}{}",
                                el.local, ty.0, ty.1
                            ),
                        ));
                    }
                    true
                }
                "nil" => false,
                _ => any,
            },
            Some(_) => any,
        };
        if !ok {
            return Err(invalid(
                el.local,
                format!("unexpected attribute {a} on <{}>", el.local),
            ));
        }
    }
    Ok(())
}

fn poll<'a>(c: &mut Cursor<'a, '_>, el: &Element<'a>) -> Result<CommandKind<'a>, Fail> {
    attributes(c, el, &["op", "msgID"], epp_type("pollType"))?;
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
    // <poll> has only attributes (empty content): no children, no text, not
    // even whitespace; comments and processing instructions are not content.
    loop {
        match c.next()? {
            Step::End => break,
            Step::Text(t, false) if t.is_empty() => {}
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

/// Reads the element `local` in the EPP namespace, declared with type `ty`,
/// as the next child of `parent`, and returns its collapsed text.
fn required_text<'a>(
    c: &mut Cursor<'a, '_>,
    parent: &str,
    local: &str,
    ty: Type,
    next: Option<Element<'a>>,
) -> Result<Cow<'a, str>, Fail> {
    match next {
        Some(el) if el.is(EPP_NS, local) => {
            attributes(c, &el, &[], ty)?;
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
    attributes(c, el, &[], epp_type("loginType"))?;
    let n = next_element(c, "login")?;
    let cl_id = required_text(c, "login", "clID", (EPPCOM_NS, "clIDType"), n)?;
    length_between("clID", &cl_id, 3, 16)?;
    let n = next_element(c, "login")?;
    let pw = required_text(c, "login", "pw", epp_type("pwType"), n)?;
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
        let p = required_text(c, "login", "newPW", epp_type("pwType"), n)?;
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
    attributes(c, &options, &[], epp_type("credsOptionsType"))?;
    let n = next_element(c, "options")?;
    let version = required_text(c, "options", "version", epp_type("versionType"), n)?;
    // versionType: the pattern [1-9]+\.[0-9]+ and the enumeration 1.0.
    if version != "1.0" {
        let reason = if is_version_token(&version) {
            "1.0 is the only EPP version (epp-1.0.xsd versionType)"
        } else {
            "version must look like 1.0"
        };
        return Err(bad_value("version", &version, reason).into());
    }
    let n = next_element(c, "options")?;
    let lang = required_text(c, "options", "lang", (XS_NS, "language"), n)?;
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
    attributes(c, &svcs, &[], epp_type("loginSvcType"))?;
    let mut obj_uris = Vec::new();
    let mut ext_uris = Vec::new();
    let mut in_ext = false;
    while let Some(x) = next_element(c, "svcs")? {
        if !in_ext && x.is(EPP_NS, "objURI") {
            let u = required_text(c, "svcs", "objURI", (XS_NS, "anyURI"), Some(x))?;
            uri(&u, "objURI")?;
            obj_uris.push(u);
        } else if !in_ext && x.is(EPP_NS, "svcExtension") && !obj_uris.is_empty() {
            in_ext = true;
            attributes(c, &x, &[], epp_type("extURIType"))?;
            while let Some(e) = next_element(c, "svcExtension")? {
                let u = required_text(c, "svcExtension", "extURI", (XS_NS, "anyURI"), Some(e))?;
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

/// `<loginSec:loginSec>` (RFC 8807 section 4.1), as its schema has it.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct LoginSec {
    pub user_agent: Option<UserAgent>,
    /// `<loginSec:pw>`, collapsed (`token`), at least 6 characters.
    pub pw: Option<String>,
    /// `<loginSec:newPW>`, likewise.
    pub new_pw: Option<String>,
}

/// Reads a login's `<loginSec:loginSec>` from its captured XML (the element
/// standing alone, as [`Extension::xml`] holds it). The session reads it
/// only when the server offers the extension: otherwise it is an extension
/// not offered (2103), whatever it holds.
pub(crate) fn login_sec(xml: &str, bounds: XmlBounds) -> Result<LoginSec, Refusal> {
    let mut scratch = Scratch::default();
    let mut c = Cursor::new(xml.as_bytes(), &mut scratch, bounds)?;
    match c.next()? {
        Step::Start(el) => login_sec_element(&mut c, &el).map_err(refusal_of),
        _ => Err(invalid("loginSec", "no <loginSec:loginSec> element")),
    }
}

const fn login_sec_type(local: &'static str) -> Type {
    (LOGIN_SECURITY_NS, local)
}

fn login_sec_element<'a>(c: &mut Cursor<'a, '_>, el: &Element<'a>) -> Result<LoginSec, Fail> {
    if !el.is(LOGIN_SECURITY_NS, "loginSec") {
        return Err(invalid(
            el.local,
            format!(
                "<{}> is not a login command extension; RFC 8807 defines <loginSec:loginSec>",
                el.qname
            ),
        )
        .into());
    }
    attributes(c, el, &[], login_sec_type("loginSecType"))?;
    // loginSecType: <userAgent>? <pw>? <newPW>?, in that order.
    let mut sec = LoginSec::default();
    let mut stage = 0;
    while let Some(x) = next_element(c, "loginSec")? {
        let ns = x.ns.as_deref() == Some(LOGIN_SECURITY_NS);
        if ns && stage == 0 && x.local == "userAgent" {
            stage = 1;
            sec.user_agent = Some(user_agent(c, &x)?);
        } else if ns && stage <= 1 && x.local == "pw" {
            stage = 2;
            sec.pw = Some(login_sec_pw(c, &x)?);
        } else if ns && stage <= 2 && x.local == "newPW" {
            stage = 3;
            sec.new_pw = Some(login_sec_pw(c, &x)?);
        } else {
            return Err(invalid(
                x.local,
                format!(
                    "unexpected <{}> in <loginSec:loginSec> (userAgent, pw, newPW, in that order)",
                    x.qname
                ),
            )
            .into());
        }
    }
    if sec == LoginSec::default() {
        return Err(invalid(
            "loginSec",
            "<loginSec:loginSec> must hold <loginSec:userAgent>, <loginSec:pw> or <loginSec:newPW> (RFC 8807 section 4.1)",
        )
        .into());
    }
    Ok(sec)
}

/// userAgentType: `app`, `tech`, `os` (tokens), in that order, at least one.
fn user_agent<'a>(c: &mut Cursor<'a, '_>, el: &Element<'a>) -> Result<UserAgent, Fail> {
    attributes(c, el, &[], login_sec_type("userAgentType"))?;
    let mut ua = UserAgent::default();
    let mut stage = 0;
    while let Some(x) = next_element(c, "userAgent")? {
        let slot = match x.local {
            _ if x.ns.as_deref() != Some(LOGIN_SECURITY_NS) => None,
            "app" if stage < 1 => Some((1, &mut ua.app)),
            "tech" if stage < 2 => Some((2, &mut ua.tech)),
            "os" if stage < 3 => Some((3, &mut ua.os)),
            _ => None,
        };
        let Some((next, slot)) = slot else {
            return Err(invalid(
                x.local,
                format!(
                    "unexpected <{}> in <loginSec:userAgent> (app, tech, os, in that order)",
                    x.qname
                ),
            )
            .into());
        };
        attributes(c, &x, &[], (XS_NS, "token"))?;
        let t = c.text_of(&x)?;
        *slot = Some(collapse(&t).into_owned());
        stage = next;
    }
    if stage == 0 {
        return Err(invalid(
            "userAgent",
            "<loginSec:userAgent> must hold <loginSec:app>, <loginSec:tech> or <loginSec:os>",
        )
        .into());
    }
    Ok(ua)
}

/// loginSec:pwType: a token of at least 6 characters (no maximum in the
/// schema: the server's policy sets one). Never echoed in a refusal.
fn login_sec_pw<'a>(c: &mut Cursor<'a, '_>, el: &Element<'a>) -> Result<String, Fail> {
    attributes(c, el, &[], login_sec_type("pwType"))?;
    let t = c.text_of(el)?;
    let pw = collapse(&t).into_owned();
    let n = pw.chars().count();
    if n < 6 {
        return Err(invalid(
            el.local,
            format!(
                "<loginSec:{}> must be at least 6 characters, got {n}",
                el.local
            ),
        )
        .into());
    }
    Ok(pw)
}

/// xs:anyURI (whitespace already collapsed). Empty is a valid anyURI; it
/// names no service, which the session answers like any other service not
/// offered (2307/2103).
fn uri(u: &str, element: &str) -> Result<(), Fail> {
    if !is_any_uri(u) {
        return Err(bad_value(
            element,
            u,
            format!("<{element}> is not a URI reference (RFC 3986)"),
        )
        .into());
    }
    Ok(())
}

/// Whether `v` is an RFC 3986 URI reference once the characters a URI
/// would have to percent-encode (controls, space, non-ASCII,
/// `<>"'{}|\^` and backquote) count as encoded: the lexical space of
/// xs:anyURI as XML Schema 1.0 gives it, read as libxml2 reads it (a port
/// needs digits; an IP literal is anything up to `]`).
fn is_any_uri(v: &str) -> bool {
    let b = v.as_bytes();
    uri_absolute(b).is_some_and(|i| uri_tail(b, i))
        || uri_relative_start(b).is_some_and(|i| uri_tail(b, i))
}

/// The byte at `i`, or 0 past the end (a URI value holds no NUL).
fn at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

fn uri_unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, b'-' | b'.' | b'_' | b'~')
        // Counted as percent-encoded.
        || (c != 0 && !(0x20..0x7f).contains(&c))
        || matches!(c, b' ' | b'<' | b'>' | b'"' | b'\'' | b'{' | b'}' | b'|' | b'\\' | b'^' | b'`')
}

fn uri_sub_delim(c: u8) -> bool {
    matches!(
        c,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

/// The length of the pchar at `i` (3 for `%HH`), or 0.
fn uri_pchar(b: &[u8], i: usize) -> usize {
    let c = at(b, i);
    if c == b'%' {
        if at(b, i + 1).is_ascii_hexdigit() && at(b, i + 2).is_ascii_hexdigit() {
            3
        } else {
            0
        }
    } else {
        usize::from(uri_unreserved(c) || uri_sub_delim(c) || c == b':' || c == b'@')
    }
}

/// `*( pchar )` from `i`, stopping at `stop`.
fn uri_segment(b: &[u8], mut i: usize, stop: u8) -> usize {
    loop {
        let n = uri_pchar(b, i);
        if n == 0 || at(b, i) == stop {
            return i;
        }
        i += n;
    }
}

/// `*( "/" segment )` from `i`.
fn uri_slash_segments(b: &[u8], mut i: usize) -> usize {
    while at(b, i) == b'/' {
        i = uri_segment(b, i + 1, 0);
    }
    i
}

/// `scheme ":" hier-part`, to the end of the hier-part.
fn uri_absolute(b: &[u8]) -> Option<usize> {
    if !at(b, 0).is_ascii_alphabetic() {
        return None;
    }
    let mut i = 1;
    while at(b, i).is_ascii_alphanumeric() || matches!(at(b, i), b'+' | b'-' | b'.') {
        i += 1;
    }
    if at(b, i) != b':' {
        return None;
    }
    i += 1;
    if at(b, i) == b'/' && at(b, i + 1) == b'/' {
        uri_authority(b, i + 2).map(|i| uri_slash_segments(b, i))
    } else if at(b, i) == b'/' || uri_pchar(b, i) > 0 {
        // path-absolute or path-rootless.
        let i = if at(b, i) == b'/' {
            i
        } else {
            uri_segment(b, i, 0)
        };
        Some(uri_slash_segments(b, i))
    } else {
        Some(i)
    }
}

/// A relative-ref's part before `?` and `#`.
fn uri_relative_start(b: &[u8]) -> Option<usize> {
    if at(b, 0) == b'/' && at(b, 1) == b'/' {
        uri_authority(b, 2).map(|i| uri_slash_segments(b, i))
    } else if at(b, 0) == b'/' {
        Some(uri_slash_segments(b, 0))
    } else if uri_pchar(b, 0) > 0 {
        // path-noscheme: no ":" in the first segment.
        Some(uri_slash_segments(b, uri_segment(b, 0, b':')))
    } else {
        Some(0)
    }
}

/// `[ userinfo "@" ] host [ ":" port ]` from `i`.
fn uri_authority(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    loop {
        let c = at(b, j);
        if c == b'%' {
            if uri_pchar(b, j) == 0 {
                break;
            }
            j += 3;
        } else if uri_unreserved(c) || uri_sub_delim(c) || c == b':' {
            j += 1;
        } else {
            break;
        }
    }
    let mut i = if at(b, j) == b'@' { j + 1 } else { i };
    if at(b, i) == b'[' {
        i += b[i..].iter().position(|&c| c == b']')? + 1;
    } else {
        loop {
            let c = at(b, i);
            let n = if c == b'%' {
                uri_pchar(b, i)
            } else {
                usize::from(uri_unreserved(c) || uri_sub_delim(c))
            };
            if n == 0 {
                break;
            }
            i += n;
        }
    }
    if at(b, i) == b':' {
        i += 1;
        let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let port = std::str::from_utf8(&b[i..i + digits]).ok()?;
        if digits == 0 || port.parse::<i32>().is_err() {
            return None;
        }
        i += digits;
    }
    Some(i)
}

/// `[ "?" query ] [ "#" fragment ]` from `i`, then the end.
fn uri_tail(b: &[u8], mut i: usize) -> bool {
    if at(b, i) == b'?' {
        i += 1;
        loop {
            let n = uri_pchar(b, i).max(usize::from(matches!(at(b, i), b'/' | b'?')));
            if n == 0 {
                break;
            }
            i += n;
        }
    }
    if at(b, i) == b'#' {
        i += 1;
        loop {
            let n = uri_pchar(b, i).max(usize::from(matches!(at(b, i), b'/' | b'?' | b'[' | b']')));
            if n == 0 {
                break;
            }
            i += n;
        }
    }
    i == b.len()
}

fn extension<'a>(c: &mut Cursor<'a, '_>, el: &Element<'a>) -> Result<Vec<Extension>, Fail> {
    attributes(c, el, &[], epp_type("extAnyType"))?;
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
    fn any_uri_is_checked_as_libxml2_checks_it() {
        for ok in [
            "urn:ietf:params:xml:ns:domain-1.0",
            "",
            "urn:x%20",
            "urn:a#b[c]",
            "a:b:c",
            "http://[::1]/x",
            "http://a:80/",
            "a b",
            "x\u{e9}",
            "//a",
            "?",
            "#",
            "a{b}|\\^`",
            "http://u:p@h:1/p?q#f",
            "http://[zz]/",
            "a+-.9:x",
            "x/y:z",
            "a:",
            "a://@",
        ] {
            assert!(is_any_uri(ok), "{ok:?} is an anyURI");
        }
        for bad in [
            "urn:x%zz",
            "urn:x%2",
            "urn:a#b#c",
            "urn:a[b]",
            "urn:a?b[c]",
            "1urn:x",
            ":x",
            "http://[::1",
            "http://a:b/",
            "http://a:/",
            "http://a:99999999999/",
            "http://a@b@c/",
            "\u{e9}:x",
            "%",
            "+a:b",
            "..:x",
            "a b:c",
        ] {
            assert!(!is_any_uri(bad), "{bad:?} is not an anyURI");
        }
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
