//! Host XML passed through into responses (`<value>`, `<resData>`,
//! `<extension>`): checked as well-formed namespaced elements, made to
//! stand alone inside our envelope, and sorted by the client's login
//! services: content in a namespace the client did not log in with is moved
//! into `<extValue>` (RFC 9038).

use crate::config::ServerConfig;
use crate::error::SessionError;
use crate::render::push_ext_value_raw;
use crate::xml::{fragment_elements, FragmentElement};

/// Passed-through XML, sorted.
#[derive(Debug, Default)]
pub(crate) struct Passthrough {
    res_data: Option<String>,
    extension: Option<String>,
    /// Elements moved into `<extValue>`, with the reason.
    moved: Vec<Moved>,
}

/// One element moved into `<extValue>`.
#[derive(Debug)]
struct Moved {
    xml: String,
    reason: String,
}

impl Passthrough {
    /// Checks `res_data` and `extension` and sorts their elements by the
    /// services the client logged in with (`obj_mask`, `ext_mask`: bit i
    /// for the configuration's i-th URI).
    pub(crate) fn sort(
        config: &ServerConfig,
        obj_mask: u64,
        ext_mask: u64,
        res_data: Option<&str>,
        extension: Option<&str>,
    ) -> Result<Passthrough, SessionError> {
        let mut p = Passthrough::default();
        let depth = config.limits.max_xml_depth;
        for (field, xml, uris, mask) in [
            ("resData", res_data, &config.object_uris, obj_mask),
            ("extension", extension, &config.extension_uris, ext_mask),
        ] {
            let Some(xml) = xml else { continue };
            let els = fragment_elements(xml, depth)
                .map_err(|reason| SessionError::InvalidXml { field, reason })?;
            let mut kept = String::new();
            for el in els {
                let ns = el.ns.clone().ok_or_else(|| SessionError::InvalidXml {
                    field,
                    reason: "every element needs a namespace".into(),
                })?;
                let known = uris
                    .iter()
                    .position(|u| *u == ns)
                    .is_some_and(|i| mask & (1 << i) != 0);
                if known {
                    push_standalone(&mut kept, xml, &el);
                } else {
                    let mut text = String::new();
                    push_standalone(&mut text, xml, &el);
                    p.moved.push(Moved {
                        xml: text,
                        reason: format!("{ns} not in login services"),
                    });
                }
            }
            if !kept.is_empty() {
                if field == "resData" {
                    p.res_data = Some(kept);
                } else {
                    p.extension = Some(kept);
                }
            }
        }
        Ok(p)
    }

    /// Writes the moved elements as `<extValue>`s (inside `<result>`).
    pub(crate) fn write_moved(&self, out: &mut Vec<u8>) {
        for m in &self.moved {
            push_ext_value_raw(out, &m.xml, &m.reason);
        }
    }

    /// Writes `<resData>` and `<extension>` with what was kept.
    pub(crate) fn write_kept(&self, out: &mut Vec<u8>) {
        if let Some(r) = &self.res_data {
            out.extend_from_slice(b"<resData>");
            out.extend_from_slice(r.as_bytes());
            out.extend_from_slice(b"</resData>");
        }
        if let Some(e) = &self.extension {
            out.extend_from_slice(b"<extension>");
            out.extend_from_slice(e.as_bytes());
            out.extend_from_slice(b"</extension>");
        }
    }
}

/// A result `<value>`: exactly one well-formed element, made to stand alone.
pub(crate) fn standalone_value(xml: &str, max_depth: usize) -> Result<String, SessionError> {
    let els = fragment_elements(xml, max_depth).map_err(|reason| SessionError::InvalidXml {
        field: "value",
        reason,
    })?;
    if els.len() != 1 {
        return Err(SessionError::InvalidXml {
            field: "value",
            reason: "a value holds exactly one element".into(),
        });
    }
    let mut standalone = String::with_capacity(xml.len());
    push_standalone(&mut standalone, xml, &els[0]);
    Ok(standalone)
}

/// Appends a top-level element of host XML so that it means in our
/// envelope what it meant alone: it was read with no default namespace in
/// scope, so when unprefixed descendants rely on that, the default
/// namespace is undeclared (`xmlns=""`) rather than inherited from `<epp>`.
fn push_standalone(out: &mut String, xml: &str, el: &FragmentElement) {
    let text = &xml[el.range.clone()];
    if el.declares_default || !has_unprefixed_element(text) {
        out.push_str(text);
        return;
    }
    out.push_str(&xml[el.range.start..el.name_end]);
    out.push_str(" xmlns=\"\"");
    out.push_str(&xml[el.name_end..el.range.end]);
}

/// Whether a start tag without a prefix occurs in `xml`.
fn has_unprefixed_element(xml: &str) -> bool {
    let b = xml.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'<'
            && b.get(i + 1)
                .is_some_and(|&n| n != b'/' && n != b'!' && n != b'?')
            && !b[i + 1..]
                .iter()
                .take_while(|&&n| !matches!(n, b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>'))
                .any(|&n| n == b':')
    })
}
