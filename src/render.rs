//! Rendering: typed responses to framed bytes, written straight into the
//! output buffer. The host never writes envelope XML.

use std::time::SystemTime;

use crate::framing::{begin_frame, end_frame};
use crate::machine::{BadValue, Reply};
use crate::passthrough::Passthrough;
use crate::response::{PollMessage, Response, ResultValue};
use crate::result_code::ResultCode;
use crate::server::Server;
use crate::time::{write_rfc3339, RFC3339_LEN};
use crate::trid::{push_decimal, TransactionId};

/// The XML declaration and `<epp>` start tag every frame we write begins with.
pub(crate) const EPP_OPEN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\
<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">";
pub(crate) const EPP_CLOSE: &str = "</epp>";

/// Appends `s` escaped for element content.
pub(crate) fn push_text(out: &mut Vec<u8>, s: &str) {
    push_escaped(out, s, false)
}

/// Appends `s` escaped for a double-quoted attribute value.
pub(crate) fn push_attr(out: &mut Vec<u8>, s: &str) {
    push_escaped(out, s, true)
}

fn push_escaped(out: &mut Vec<u8>, s: &str, attr: bool) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let rep: &[u8] = match b {
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'&' => b"&amp;",
            b'"' if attr => b"&quot;",
            b'\t' if attr => b"&#9;",
            b'\n' if attr => b"&#10;",
            b'\r' => b"&#13;",
            // Characters XML does not allow, even as references: written as
            // U+FFFD so that output is always well-formed.
            0..=0x1F if !matches!(b, b'\t' | b'\n') => "\u{FFFD}".as_bytes(),
            // U+FFFE and U+FFFF (EF BF BE, EF BF BF).
            0xEF if matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => {
                out.extend_from_slice(&bytes[start..i]);
                out.extend_from_slice("\u{FFFD}".as_bytes());
                start = i + 3;
                continue;
            }
            _ => continue,
        };
        if i < start {
            continue; // inside a sequence replaced above
        }
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(rep);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Writes `<result code=".."><msg>..</msg>`, leaving `<result>` open.
pub(crate) fn push_result_head(
    out: &mut Vec<u8>,
    code: ResultCode,
    message: Option<&str>,
    lang: Option<&str>,
) {
    out.extend_from_slice(b"<result code=\"");
    out.extend_from_slice(&code.digits());
    match lang {
        Some(l) if l != "en" => {
            out.extend_from_slice(b"\"><msg lang=\"");
            push_attr(out, l);
            out.extend_from_slice(b"\">");
        }
        _ => out.extend_from_slice(b"\"><msg>"),
    }
    match message {
        Some(m) => push_text(out, m),
        // The standard texts need no escaping.
        None => out.extend_from_slice(code.text().as_bytes()),
    }
    out.extend_from_slice(b"</msg>");
}

/// Writes one `<value>` or `<extValue>`.
pub(crate) fn push_value(out: &mut Vec<u8>, v: &ResultValue) {
    match v {
        ResultValue::Value(xml) => {
            out.extend_from_slice(b"<value>");
            out.extend_from_slice(xml.as_bytes());
            out.extend_from_slice(b"</value>");
        }
        ResultValue::ExtValue { value, reason } => push_ext_value_raw(out, value, reason),
    }
}

/// Writes `<extValue><value>{xml}</value><reason>{reason}</reason></extValue>`.
pub(crate) fn push_ext_value_raw(out: &mut Vec<u8>, xml: &str, reason: &str) {
    out.extend_from_slice(b"<extValue><value>");
    out.extend_from_slice(xml.as_bytes());
    out.extend_from_slice(b"</value><reason>");
    push_text(out, reason);
    out.extend_from_slice(b"</reason></extValue>");
}

/// Writes `<extValue>` whose value is `<{element}>{text}</{element}>`.
pub(crate) fn push_ext_value_text(out: &mut Vec<u8>, element: &str, text: &str, reason: &str) {
    out.extend_from_slice(b"<extValue><value><");
    out.extend_from_slice(element.as_bytes());
    out.push(b'>');
    push_text(out, text);
    out.extend_from_slice(b"</");
    out.extend_from_slice(element.as_bytes());
    out.extend_from_slice(b"></value><reason>");
    push_text(out, reason);
    out.extend_from_slice(b"</reason></extValue>");
}

/// The transaction ids a response carries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TrIds<'a> {
    /// The client's clTRID, when it sent a valid one.
    pub cl: Option<&'a TransactionId>,
    /// The svTRID's sequence number.
    pub sv: u64,
}

/// Writes one framed `<response>`: `body` writes the results, msgQ,
/// resData and extension; the trID follows.
pub(crate) fn write_response(
    out: &mut Vec<u8>,
    server: &Server,
    tr: TrIds<'_>,
    body: impl FnOnce(&mut Vec<u8>),
) {
    let at = begin_frame(out);
    out.extend_from_slice(EPP_OPEN.as_bytes());
    out.extend_from_slice(b"<response>");
    body(out);
    out.extend_from_slice(b"<trID>");
    if let Some(c) = tr.cl {
        out.extend_from_slice(b"<clTRID>");
        push_text(out, c.as_str());
        out.extend_from_slice(b"</clTRID>");
    }
    out.extend_from_slice(b"<svTRID>");
    server.write_sv_trid(out, tr.sv);
    out.extend_from_slice(b"</svTRID></trID></response>");
    out.extend_from_slice(EPP_CLOSE.as_bytes());
    end_frame(out, at);
}

/// Writes a response libepp decided on its own; a greeting carries the
/// date `now`.
pub(crate) fn write_reply(
    out: &mut Vec<u8>,
    server: &Server,
    tr: TrIds<'_>,
    reply: &Reply<'_>,
    now: SystemTime,
) {
    match reply {
        Reply::Greeting => server.config().write_greeting(out, now),
        Reply::Result {
            code,
            message,
            value,
        } => write_result(out, server, tr, *code, *message, value.as_ref()),
    }
}

/// Writes one result: its code, a message (`None`: the code's standard
/// text) and optionally an `<extValue>` naming what was wrong.
pub(crate) fn write_result(
    out: &mut Vec<u8>,
    server: &Server,
    tr: TrIds<'_>,
    code: ResultCode,
    message: Option<&str>,
    value: Option<&BadValue<'_>>,
) {
    write_response(out, server, tr, |out| {
        push_result_head(out, code, message, None);
        if let Some(v) = value {
            push_ext_value_text(out, safe_name(&v.element), &v.text, &v.reason);
        }
        out.extend_from_slice(b"</result>");
    })
}

/// 1000 to an ack, with the queue left.
pub(crate) fn write_acked(
    out: &mut Vec<u8>,
    server: &Server,
    tr: TrIds<'_>,
    remaining: u64,
    msg_id: u64,
) {
    write_response(out, server, tr, |out| {
        push_result_head(out, ResultCode::Success, None, None);
        out.extend_from_slice(b"</result><msgQ count=\"");
        push_decimal(out, remaining);
        out.extend_from_slice(b"\" id=\"");
        push_decimal(out, msg_id);
        out.extend_from_slice(b"\"/>");
    })
}

/// 2303 to an ack of a message the client's queue does not hold.
pub(crate) fn write_unknown_message(
    out: &mut Vec<u8>,
    server: &Server,
    tr: TrIds<'_>,
    msg_id: u64,
) {
    let value = BadValue {
        element: "msgID".into(),
        text: msg_id.to_string().into(),
        reason: "no such message in this client's queue".into(),
    };
    write_result(
        out,
        server,
        tr,
        ResultCode::ObjectDoesNotExist,
        None,
        Some(&value),
    )
}

/// 1301 with a poll message.
pub(crate) fn write_poll_message(
    out: &mut Vec<u8>,
    server: &Server,
    tr: TrIds<'_>,
    m: &PollMessage,
    pass: &Passthrough,
) {
    write_response(out, server, tr, |out| {
        push_result_head(out, ResultCode::SuccessAckToDequeue, None, None);
        pass.write_moved(out);
        out.extend_from_slice(b"</result><msgQ count=\"");
        push_decimal(out, m.count);
        out.extend_from_slice(b"\" id=\"");
        push_decimal(out, m.id);
        out.extend_from_slice(b"\"><qDate>");
        let mut d = [0u8; RFC3339_LEN];
        write_rfc3339(m.queued_at, &mut d);
        out.extend_from_slice(&d);
        out.extend_from_slice(b"</qDate><msg lang=\"");
        push_attr(out, m.lang.as_deref().unwrap_or("en"));
        out.extend_from_slice(b"\">");
        push_text(out, &m.text);
        pass.write_msg(out);
        out.extend_from_slice(b"</msg></msgQ>");
        pass.write_kept(out);
    })
}

/// A complete response the host composed.
pub(crate) fn write_full(
    out: &mut Vec<u8>,
    server: &Server,
    tr: TrIds<'_>,
    r: &Response,
    pass: &Passthrough,
) {
    write_response(out, server, tr, |out| {
        for (n, res) in r.results.iter().enumerate() {
            push_result_head(out, res.code, res.message.as_deref(), res.lang.as_deref());
            for v in &res.values {
                push_value(out, v);
            }
            if n == 0 {
                pass.write_moved(out);
            }
            out.extend_from_slice(b"</result>");
        }
        pass.write_kept(out);
    })
}

/// An element name safe to write back: the client's when it is plain, else
/// `epp`.
fn safe_name(name: &str) -> &str {
    let ok = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        name
    } else {
        "epp"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        let mut o = Vec::new();
        push_text(&mut o, "a<b>&\"c\r");
        assert_eq!(o, b"a&lt;b&gt;&amp;\"c&#13;");
        o.clear();
        push_attr(&mut o, "x\"y\tz\n");
        assert_eq!(o, b"x&quot;y&#9;z&#10;");
    }

    #[test]
    fn never_writes_characters_xml_forbids() {
        let mut o = Vec::new();
        push_text(&mut o, "a\u{1}b\u{0}\u{FFFF}c\u{FFFE}\u{FFFD}\t");
        assert_eq!(
            String::from_utf8(o).unwrap(),
            "a\u{FFFD}b\u{FFFD}\u{FFFD}c\u{FFFD}\u{FFFD}\t"
        );
    }
}
