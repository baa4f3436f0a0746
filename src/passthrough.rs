//! Host XML passed through into responses (`<value>`, a poll message's
//! `<msg>`, `<resData>`, `<extension>`): checked as well-formed namespaced
//! elements, made to stand alone inside our envelope, and sorted by the
//! client's login services: content in a namespace the client did not log
//! in with is moved into `<extValue>` (RFC 9038). This is the one place the
//! namespace rule lives.

use crate::config::ServerConfig;
use crate::error::SessionError;
use crate::render::push_ext_value_raw;
use crate::xml::{fragment_elements, FragmentElement};

/// The host XML a response carries, before sorting.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct HostXml<'a> {
    /// Elements of a poll message's `<msg>` (kept when the client logged in
    /// with their namespace as an objURI or an extURI).
    pub msg: Option<&'a str>,
    /// `<resData>` children (kept for the client's objURIs).
    pub res_data: Option<&'a str>,
    /// `<extension>` children (kept for the client's extURIs).
    pub extension: Option<&'a str>,
}

/// Passed-through XML, sorted.
#[derive(Debug, Default)]
pub(crate) struct Passthrough {
    msg: Option<String>,
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
    /// Checks the host's XML and sorts its elements by the services the
    /// client logged in with (`obj_mask`, `ext_mask`: bit i for the
    /// configuration's i-th URI). Moved elements keep document order:
    /// `<msg>`, then `<resData>`, then `<extension>`.
    pub(crate) fn sort(
        config: &ServerConfig,
        obj_mask: u64,
        ext_mask: u64,
        host: HostXml<'_>,
    ) -> Result<Passthrough, SessionError> {
        let mut p = Passthrough::default();
        let depth = config.limits.max_xml_depth;
        let objects = (&config.object_uris[..], obj_mask);
        let extensions = (&config.extension_uris[..], ext_mask);
        for (field, xml, services) in [
            ("msg", host.msg, &[objects, extensions][..]),
            ("resData", host.res_data, &[objects][..]),
            ("extension", host.extension, &[extensions][..]),
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
                let known = services.iter().any(|(uris, mask)| {
                    uris.iter()
                        .position(|u| *u == ns)
                        .is_some_and(|i| mask & (1 << i) != 0)
                });
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
                match field {
                    "msg" => p.msg = Some(kept),
                    "resData" => p.res_data = Some(kept),
                    _ => p.extension = Some(kept),
                }
            }
        }
        Ok(p)
    }

    /// Writes the `<msg>` elements that were kept (inside `<msg>`).
    pub(crate) fn write_msg(&self, out: &mut Vec<u8>) {
        if let Some(m) = &self.msg {
            out.extend_from_slice(m.as_bytes());
        }
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
pub(crate) fn push_standalone(out: &mut String, xml: &str, el: &FragmentElement) {
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
