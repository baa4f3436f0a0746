//! Rendering: typed responses to framed bytes, written straight into the
//! output buffer. The host never writes envelope XML.

use crate::response::ResultValue;
use crate::result_code::ResultCode;

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

/// Starts a frame: reserves the 4-byte length header. Returns where the
/// frame starts, for [`end_frame`].
pub(crate) fn begin_frame(out: &mut Vec<u8>) -> usize {
    let at = out.len();
    out.extend_from_slice(&[0, 0, 0, 0]);
    at
}

/// Ends a frame begun at `at`: writes the RFC 5734 length (which counts the
/// header itself).
pub(crate) fn end_frame(out: &mut [u8], at: usize) {
    let len = (out.len() - at) as u32;
    out[at..at + 4].copy_from_slice(&len.to_be_bytes());
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

    #[test]
    fn frame_length_counts_header() {
        let mut o = vec![9];
        let at = begin_frame(&mut o);
        o.extend_from_slice(b"<epp/>");
        end_frame(&mut o, at);
        assert_eq!(&o[1..5], &10u32.to_be_bytes());
    }
}
