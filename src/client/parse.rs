//! A server's frame to a typed [`ServerFrame`]: a greeting or a response,
//! read with the crate's strict XML cursor (`xml.rs`). White space between
//! elements (pretty printing) is allowed; elements EPP does not define
//! where EPP defines the content are not. XML passed through (`<value>`,
//! `<resData>`, `<extension>`, `<dcp>`) is copied standing alone: each
//! element gets the namespace declarations it inherits.

use std::borrow::Cow;

use super::types::{
    Greeting, LoginSecurityEvent, MessageQueue, ProtocolError, Response, ServerFrame, LOGIN_SEC_NS,
};
use crate::render::push_text;
use crate::response::{EppResult, ResultValue};
use crate::result_code::ResultCode;
use crate::xml::{is_xml_space, Cursor, Element, Scratch, Step, XmlBounds, XmlError, EPP_NS};

type R<T> = Result<T, ProtocolError>;

/// The cursor's bounds for server frames of at most `max_frame` bytes.
pub(crate) fn bounds(max_frame: u32) -> XmlBounds {
    XmlBounds {
        max_depth: 128,
        max_attributes: 64,
        max_text: max_frame as usize,
    }
}

/// Parses one server frame's XML (without its length header): a greeting
/// or a response. This is what a
/// [`ClientSession`](super::ClientSession) does with every frame; it is
/// public for tests and tools.
///
/// ```
/// use epp::client::{parse_server_frame, ServerFrame};
/// use epp::ResultCode;
///
/// let xml = br#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response>
///   <result code="1000"><msg>Command completed successfully</msg></result>
///   <trID><clTRID>ABC-12345</clTRID><svTRID>54321-XYZ</svTRID></trID>
/// </response></epp>"#;
/// let ServerFrame::Response(r) = parse_server_frame(xml).unwrap() else { panic!() };
/// assert_eq!(r.code(), ResultCode::Success);
/// assert_eq!(r.cl_trid.as_deref(), Some("ABC-12345"));
/// ```
pub fn parse_server_frame(xml: &[u8]) -> Result<ServerFrame, ProtocolError> {
    let limit = u32::try_from(xml.len().saturating_add(4)).unwrap_or(u32::MAX);
    parse_frame(xml, &mut Scratch::default(), bounds(limit))
}

fn malformed(reason: impl Into<String>) -> ProtocolError {
    ProtocolError::Malformed {
        reason: reason.into(),
    }
}

fn xe(e: XmlError) -> ProtocolError {
    malformed(format!("<{}>: {}", e.element, e.reason))
}

fn unexpected(el: &Element<'_>, parent: &str) -> ProtocolError {
    malformed(format!("unexpected <{}> in <{parent}>", el.qname))
}

/// Parses one frame.
pub(crate) fn parse_frame(
    bytes: &[u8],
    scratch: &mut Scratch,
    bounds: XmlBounds,
) -> R<ServerFrame> {
    let mut c = Cursor::new(bytes, scratch, bounds).map_err(xe)?;
    let root = match c.next().map_err(xe)? {
        Step::Start(el) => el,
        _ => return Err(malformed("no root element")),
    };
    if !root.is(EPP_NS, "epp") {
        return Err(malformed(format!(
            "the root element must be <epp> in {EPP_NS}, found <{}> in {}",
            root.qname,
            root.ns.as_deref().unwrap_or("no namespace")
        )));
    }
    let child = next_element(&mut c, "epp")?.ok_or_else(|| malformed("<epp> is empty"))?;
    let frame = if child.is(EPP_NS, "greeting") {
        ServerFrame::Greeting(greeting(&mut c)?)
    } else if child.is(EPP_NS, "response") {
        ServerFrame::Response(response(&mut c)?)
    } else {
        return Err(malformed(format!(
            "<{}> is not a greeting or a response",
            child.qname
        )));
    };
    if let Some(extra) = next_element(&mut c, "epp")? {
        return Err(unexpected(&extra, "epp"));
    }
    match c.next().map_err(xe)? {
        Step::Eof => Ok(frame),
        _ => Err(malformed("content after </epp>")),
    }
}

/// The next child element of the element being read (`parent`), or `None`
/// at its end. White space and comments are skipped; text is an error.
fn next_element<'a>(c: &mut Cursor<'a, '_>, parent: &str) -> R<Option<Element<'a>>> {
    loop {
        match c.next().map_err(xe)? {
            Step::Start(el) => return Ok(Some(el)),
            Step::End => return Ok(None),
            Step::Text(t, cdata) => {
                if cdata || !t.bytes().all(is_xml_space) {
                    return Err(malformed(format!("<{parent}> may not hold text")));
                }
            }
            Step::Eof => return Err(malformed("document ends inside an element")),
        }
    }
}

fn trim(s: &str) -> &str {
    s.trim_matches(|ch: char| ch.is_ascii() && is_xml_space(ch as u8))
}

/// The text of `el` (no child elements), trimmed.
fn text<'a>(c: &mut Cursor<'a, '_>, el: &Element<'a>) -> R<String> {
    Ok(trim(&c.text_of(el).map_err(xe)?).to_owned())
}

/// All the character data inside `el`, markup dropped, trimmed.
fn mixed_text<'a>(c: &mut Cursor<'a, '_>, el: &Element<'a>) -> R<String> {
    let mut acc = String::new();
    loop {
        match c.next().map_err(xe)? {
            Step::Text(t, _) => acc.push_str(&t),
            Step::Start(_) => {}
            Step::End if c.depth() < el.depth => return Ok(trim(&acc).to_owned()),
            Step::End => {}
            Step::Eof => return Err(malformed("document ends inside an element")),
        }
    }
}

/// The child elements of `el`, each standing alone, concatenated; white
/// space between them dropped.
fn elements<'a>(c: &mut Cursor<'a, '_>, el: &Element<'a>) -> R<String> {
    let mut out = String::new();
    while let Some(child) = next_element(c, el.local)? {
        out.push_str(&c.capture(&child).map_err(xe)?);
    }
    Ok(out)
}

/// Mixed content (`<value>`): child elements standing alone and text
/// (escaped again), white space between elements dropped.
fn mixed_xml(c: &mut Cursor<'_, '_>) -> R<String> {
    let mut out = String::new();
    loop {
        match c.next().map_err(xe)? {
            Step::Start(child) => out.push_str(&c.capture(&child).map_err(xe)?),
            Step::Text(t, _) => {
                if !t.bytes().all(is_xml_space) {
                    let mut v = Vec::new();
                    push_text(&mut v, &t);
                    out.push_str(&String::from_utf8_lossy(&v));
                }
            }
            Step::End => return Ok(out),
            Step::Eof => return Err(malformed("document ends inside an element")),
        }
    }
}

fn attr<'a>(el: &Element<'a>, name: &str) -> R<Option<Cow<'a, str>>> {
    el.attr(name).map_err(xe)
}

/// `<greeting>`, after its start tag.
fn greeting(c: &mut Cursor<'_, '_>) -> R<Greeting> {
    let mut g = Greeting {
        server_id: String::new(),
        server_date: String::new(),
        versions: Vec::new(),
        languages: Vec::new(),
        object_uris: Vec::new(),
        extension_uris: Vec::new(),
        dcp: None,
    };
    let (mut id, mut date, mut menu) = (false, false, false);
    while let Some(el) = next_element(c, "greeting")? {
        if el.is(EPP_NS, "svID") && !id {
            g.server_id = text(c, &el)?;
            id = true;
        } else if el.is(EPP_NS, "svDate") && !date {
            g.server_date = text(c, &el)?;
            date = true;
        } else if el.is(EPP_NS, "svcMenu") && !menu {
            svc_menu(c, &mut g)?;
            menu = true;
        } else if el.is(EPP_NS, "dcp") && g.dcp.is_none() {
            g.dcp = Some(c.capture(&el).map_err(xe)?);
        } else {
            return Err(unexpected(&el, "greeting"));
        }
    }
    for (seen, name) in [(id, "svID"), (date, "svDate"), (menu, "svcMenu")] {
        if !seen {
            return Err(malformed(format!("<greeting> has no <{name}>")));
        }
    }
    Ok(g)
}

fn svc_menu(c: &mut Cursor<'_, '_>, g: &mut Greeting) -> R<()> {
    while let Some(el) = next_element(c, "svcMenu")? {
        if el.is(EPP_NS, "version") {
            g.versions.push(text(c, &el)?);
        } else if el.is(EPP_NS, "lang") {
            g.languages.push(text(c, &el)?);
        } else if el.is(EPP_NS, "objURI") {
            g.object_uris.push(text(c, &el)?);
        } else if el.is(EPP_NS, "svcExtension") {
            while let Some(x) = next_element(c, "svcExtension")? {
                if !x.is(EPP_NS, "extURI") {
                    return Err(unexpected(&x, "svcExtension"));
                }
                g.extension_uris.push(text(c, &x)?);
            }
        } else {
            return Err(unexpected(&el, "svcMenu"));
        }
    }
    Ok(())
}

/// `<response>`, after its start tag. Children are taken in any order
/// (each once, `<result>` repeated); a response needs a `<result>`.
fn response(c: &mut Cursor<'_, '_>) -> R<Response> {
    let mut r = Response {
        results: Vec::new(),
        message_queue: None,
        res_data: None,
        extension: None,
        cl_trid: None,
        sv_trid: None,
    };
    let mut tr_id = false;
    while let Some(el) = next_element(c, "response")? {
        if el.is(EPP_NS, "result") {
            r.results.push(result(c, &el)?);
        } else if el.is(EPP_NS, "msgQ") && r.message_queue.is_none() {
            r.message_queue = Some(msg_q(c, &el)?);
        } else if el.is(EPP_NS, "resData") && r.res_data.is_none() {
            r.res_data = Some(elements(c, &el)?);
        } else if el.is(EPP_NS, "extension") && r.extension.is_none() {
            r.extension = Some(elements(c, &el)?);
        } else if el.is(EPP_NS, "trID") && !tr_id {
            tr_id = true;
            while let Some(t) = next_element(c, "trID")? {
                if t.is(EPP_NS, "clTRID") && r.cl_trid.is_none() {
                    r.cl_trid = Some(text(c, &t)?);
                } else if t.is(EPP_NS, "svTRID") && r.sv_trid.is_none() {
                    r.sv_trid = Some(text(c, &t)?);
                } else {
                    return Err(unexpected(&t, "trID"));
                }
            }
        } else {
            return Err(unexpected(&el, "response"));
        }
    }
    if r.results.is_empty() {
        return Err(malformed("<response> has no <result>"));
    }
    Ok(r)
}

fn result<'a>(c: &mut Cursor<'a, '_>, el: &Element<'a>) -> R<EppResult> {
    let raw = attr(el, "code")?.ok_or_else(|| malformed("<result> has no code"))?;
    let digits = trim(&raw);
    let code = (digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
        .and_then(ResultCode::from_u16)
        .ok_or_else(|| malformed(format!("{digits:?} is not an EPP result code")))?;
    let msg = next_element(c, "result")?
        .filter(|m| m.is(EPP_NS, "msg"))
        .ok_or_else(|| malformed("<result> must begin with <msg>"))?;
    let lang = attr(&msg, "lang")?.map(|l| trim(&l).to_owned());
    let message = text(c, &msg)?;
    let mut values = Vec::new();
    while let Some(v) = next_element(c, "result")? {
        if v.is(EPP_NS, "value") {
            values.push(ResultValue::Value(mixed_xml(c)?));
        } else if v.is(EPP_NS, "extValue") {
            next_element(c, "extValue")?
                .filter(|x| x.is(EPP_NS, "value"))
                .ok_or_else(|| malformed("<extValue> must begin with <value>"))?;
            let value = mixed_xml(c)?;
            let reason = next_element(c, "extValue")?
                .filter(|x| x.is(EPP_NS, "reason"))
                .ok_or_else(|| malformed("<extValue> needs a <reason>"))?;
            let reason = text(c, &reason)?;
            if let Some(x) = next_element(c, "extValue")? {
                return Err(unexpected(&x, "extValue"));
            }
            values.push(ResultValue::ExtValue { value, reason });
        } else {
            return Err(unexpected(&v, "result"));
        }
    }
    Ok(EppResult {
        code,
        message: Some(message),
        lang,
        values,
    })
}

fn msg_q<'a>(c: &mut Cursor<'a, '_>, el: &Element<'a>) -> R<MessageQueue> {
    let count = attr(el, "count")?.ok_or_else(|| malformed("<msgQ> has no count"))?;
    let count = trim(&count)
        .parse()
        .map_err(|_| malformed(format!("msgQ count {count:?} is not a number")))?;
    let id = attr(el, "id")?.ok_or_else(|| malformed("<msgQ> has no id"))?;
    let mut q = MessageQueue {
        count,
        id: trim(&id).to_owned(),
        queued_at: None,
        message: None,
        lang: None,
    };
    while let Some(x) = next_element(c, "msgQ")? {
        if x.is(EPP_NS, "qDate") && q.queued_at.is_none() {
            q.queued_at = Some(text(c, &x)?);
        } else if x.is(EPP_NS, "msg") && q.message.is_none() {
            q.lang = attr(&x, "lang")?.map(|l| trim(&l).to_owned());
            q.message = Some(mixed_text(c, &x)?);
        } else {
            return Err(unexpected(&x, "msgQ"));
        }
    }
    Ok(q)
}

/// The `<loginSec:event>`s of every `<loginSec:loginSecData>` in extension
/// XML (elements standing alone, as [`Response::extension`] holds them).
/// What cannot be read is skipped.
pub(crate) fn login_security_events(extension: &str) -> Vec<LoginSecurityEvent> {
    let wrapped = format!("<r>{extension}</r>");
    let mut scratch = Scratch::default();
    let b = bounds(u32::try_from(wrapped.len()).unwrap_or(u32::MAX));
    let Ok(mut c) = Cursor::new(wrapped.as_bytes(), &mut scratch, b) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let _ = (|| -> R<()> {
        let Step::Start(_) = c.next().map_err(xe)? else {
            return Ok(());
        };
        while let Some(data) = next_element(&mut c, "extension")? {
            if !data.is(LOGIN_SEC_NS, "loginSecData") {
                c.skip_to_end_of(data.depth).map_err(xe)?;
                continue;
            }
            while let Some(ev) = next_element(&mut c, "loginSecData")? {
                if !ev.is(LOGIN_SEC_NS, "event") {
                    c.skip_to_end_of(ev.depth).map_err(xe)?;
                    continue;
                }
                let get =
                    |n| -> R<Option<String>> { Ok(attr(&ev, n)?.map(|v| trim(&v).to_owned())) };
                let event = LoginSecurityEvent {
                    event_type: get("type")?.unwrap_or_default(),
                    name: get("name")?,
                    level: get("level")?.unwrap_or_default(),
                    expires: get("exDate")?,
                    value: get("value")?,
                    duration: get("duration")?,
                    lang: get("lang")?,
                    message: Some(text(&mut c, &ev)?).filter(|m| !m.is_empty()),
                };
                out.push(event);
            }
        }
        Ok(())
    })();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(xml: &str) -> R<ServerFrame> {
        parse_server_frame(xml.as_bytes())
    }

    #[test]
    fn pretty_printed_response() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
  <response>
    <result code="2004">
      <msg lang="fr">Erreur</msg>
      <value xmlns:obj="urn:x"><obj:elem>2525</obj:elem></value>
      <extValue>
        <value><obj:e xmlns:obj="urn:x"/></value>
        <reason>too &lt;big&gt;</reason>
      </extValue>
    </result>
    <msgQ count="5" id="12345"><qDate>2000-06-08T22:00:00.0Z</qDate><msg>Transfer <b>requested</b>.</msg></msgQ>
    <trID><svTRID>54321-XYZ</svTRID></trID>
  </response>
</epp>
"#;
        let ServerFrame::Response(r) = p(xml).unwrap() else {
            panic!()
        };
        assert_eq!(r.code(), ResultCode::ParameterValueRangeError);
        assert_eq!(r.results[0].lang.as_deref(), Some("fr"));
        assert_eq!(
            r.results[0].values,
            [
                ResultValue::Value(
                    r#"<obj:elem xmlns:obj="urn:x" xmlns="urn:ietf:params:xml:ns:epp-1.0">2525</obj:elem>"#
                        .into()
                ),
                ResultValue::ExtValue {
                    value: r#"<obj:e xmlns="urn:ietf:params:xml:ns:epp-1.0" xmlns:obj="urn:x"/>"#
                        .into(),
                    reason: "too <big>".into()
                }
            ]
        );
        let q = r.message_queue.unwrap();
        assert_eq!((q.count, q.id.as_str()), (5, "12345"));
        assert_eq!(q.message.as_deref(), Some("Transfer requested."));
        assert_eq!(r.cl_trid, None);
        assert_eq!(r.sv_trid.as_deref(), Some("54321-XYZ"));
    }

    #[test]
    fn refuses_what_is_not_epp() {
        for bad in [
            "<epp xmlns='urn:ietf:params:xml:ns:epp-1.0'><hello/></epp>",
            "<epp xmlns='urn:ietf:params:xml:ns:epp-1.0'><response><trID/></response></epp>",
            "<epp xmlns='urn:ietf:params:xml:ns:epp-1.0'><response><result code='1234'><msg>x</msg></result></response></epp>",
            "<epp xmlns='urn:ietf:params:xml:ns:epp-1.0'><response><result code='1000'><msg>x</msg></result><bogus/></response></epp>",
            "<epp xmlns='urn:ietf:params:xml:ns:epp-1.0'><greeting><svID>x</svID></greeting></epp>",
            "<epp xmlns='urn:ietf:params:xml:ns:epp-1.0'><response><result code='1000'><msg>x</msg></result>",
            "<epp xmlns='urn:x'><response/></epp>",
            "<!DOCTYPE epp><epp/>",
            "",
        ] {
            assert!(
                matches!(p(bad), Err(ProtocolError::Malformed { .. })),
                "accepted {bad:?}"
            );
        }
    }

    #[test]
    fn login_security_events_are_read() {
        let ext = r#"<loginSec:loginSecData xmlns:loginSec="urn:ietf:params:xml:ns:epp:loginSec-1.0"><loginSec:event type="password" level="warning" exDate="2020-03-25T00:00:00Z" lang="en">Password expiring in a week</loginSec:event><loginSec:event type="stat" name="failedLogins" level="warning" value="100" duration="P1D"/></loginSec:loginSecData>"#;
        let ev = login_security_events(ext);
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].event_type, "password");
        assert_eq!(ev[0].expires.as_deref(), Some("2020-03-25T00:00:00Z"));
        assert_eq!(
            ev[0].message.as_deref(),
            Some("Password expiring in a week")
        );
        assert_eq!(ev[1].name.as_deref(), Some("failedLogins"));
        assert_eq!(ev[1].message, None);
        assert!(login_security_events("<x").is_empty());
    }
}
