//! A strict, namespace-aware cursor over one XML document held in memory,
//! built on quick-xml's borrowing reader.
//!
//! It enforces what `protocol.md` asks of every frame: UTF-8 only, no DOCTYPE,
//! only the five predefined entities and character references, matching end
//! tags, declared prefixes, and bounds on depth, attribute count and text
//! length. Names and texts borrow from the input wherever no unescaping is
//! needed.

use std::borrow::Cow;

use quick_xml::events::attributes::{Attribute, Attributes};
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use quick_xml::XmlVersion;

/// The EPP 1.0 namespace.
pub const EPP_NS: &str = "urn:ietf:params:xml:ns:epp-1.0";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

/// Bounds that keep a hostile document cheap to reject.
#[derive(Debug, Clone, Copy)]
pub(crate) struct XmlBounds {
    pub max_depth: usize,
    pub max_attributes: usize,
    pub max_text: usize,
}

/// Why a document was refused. Every variant becomes a 2001 response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct XmlError {
    /// Local name of the element where it went wrong (`epp` when unknown).
    pub element: String,
    /// What is wrong, for `<reason>`.
    pub reason: String,
    /// The document is still well-formed up to here and the cursor can go
    /// on past the element (a schema violation, not broken XML).
    pub recoverable: bool,
}

impl XmlError {
    pub(crate) fn new(element: &str, reason: impl Into<String>) -> XmlError {
        XmlError {
            element: element.to_owned(),
            reason: reason.into(),
            recoverable: false,
        }
    }

    fn recoverable(mut self) -> XmlError {
        self.recoverable = true;
        self
    }
}

/// A namespace binding in scope.
struct Binding<'a> {
    prefix: &'a str,
    uri: Cow<'a, str>,
}

/// An element that is open.
struct Open<'a> {
    qname: &'a str,
    bindings_mark: usize,
}

/// Buffers a session keeps between documents so that parsing one does not
/// allocate for its bookkeeping.
#[derive(Default)]
pub(crate) struct Scratch {
    bindings: Vec<Binding<'static>>,
    open: Vec<Open<'static>>,
}

/// Reuses a vector's allocation for another element type of the same layout
/// (here: the same struct with another lifetime). The in-place collect keeps
/// the buffer; no unsafe code is needed.
impl std::fmt::Debug for Scratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scratch")
    }
}

fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().map(|_| unreachable!()).collect()
}

/// A start tag, resolved.
pub(crate) struct Element<'a> {
    /// The qualified name as written.
    pub qname: &'a str,
    /// The local part of the name.
    pub local: &'a str,
    /// The namespace URI, or `None` when unqualified and no default is set.
    pub ns: Option<Cow<'a, str>>,
    /// Byte offset of `<` in the document.
    pub start: usize,
    /// Depth of this element (the root is 1).
    pub depth: usize,
    /// The text of the tag between `<` and `>` or `/>`.
    raw: &'a str,
    /// Position in `raw` where the name ends.
    name_len: usize,
}

impl<'a> Element<'a> {
    /// True if the element is `local` in namespace `ns`.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.local == local && self.ns.as_deref() == Some(ns)
    }

    /// The value of the unqualified attribute `name`, unescaped.
    pub fn attr(&self, name: &str) -> Result<Option<Cow<'a, str>>, XmlError> {
        for a in self.attributes() {
            let a = a.map_err(|e| XmlError::new(self.local, format!("bad attribute: {e}")))?;
            if a.key.into_inner() == name {
                return normalized(&a, self.local).map(Some);
            }
        }
        Ok(None)
    }

    /// Unqualified attribute names other than namespace declarations, for
    /// checking that nothing unexpected is present.
    pub fn attr_names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.attributes().filter_map(|a| {
            let k = a.ok()?.key.into_inner();
            (k != "xmlns" && !k.starts_with("xmlns:")).then_some(k)
        })
    }

    /// Every attribute name as written, namespace declarations included.
    pub fn attr_keys(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.attributes()
            .filter_map(|a| Some(a.ok()?.key.into_inner()))
    }

    fn attributes(&self) -> Attributes<'a> {
        attributes_of(self.raw, self.name_len)
    }
}

fn normalized<'a>(a: &Attribute<'a>, element: &str) -> Result<Cow<'a, str>, XmlError> {
    a.normalized_value(XmlVersion::Implicit1_0).map_err(|e| {
        XmlError::new(
            element,
            format!(
                "attribute {}: {}",
                a.key.into_inner(),
                entity_reason(&e.to_string())
            ),
        )
    })
}

fn entity_reason(e: &str) -> String {
    if e.contains("entity") || e.contains("Entity") {
        format!("undefined entity reference ({e}); only the five predefined entities and character references are allowed")
    } else {
        e.to_owned()
    }
}

/// One step through the document.
pub(crate) enum Step<'a> {
    /// A start tag (for `<x/>` an [`Step::End`] follows at once).
    Start(Element<'a>),
    /// The end of the innermost open element.
    End,
    /// Character data (one piece: a run of text, a CDATA section or one
    /// resolved reference). Comments and processing instructions are skipped.
    Text(Cow<'a, str>, bool),
    /// The end of the document.
    Eof,
}

/// The cursor.
pub(crate) struct Cursor<'a, 's> {
    src: &'a str,
    reader: Reader<&'a [u8]>,
    bindings: Vec<Binding<'a>>,
    open: Vec<Open<'a>>,
    scratch: &'s mut Scratch,
    bounds: XmlBounds,
    pending_end: bool,
    /// Bytes of namespace declarations copied by [`Cursor::capture`].
    copied: usize,
    seen_root: bool,
    root_closed: bool,
    first_event: bool,
}

impl<'a, 's> Drop for Cursor<'a, 's> {
    fn drop(&mut self) {
        self.scratch.bindings = recycle(std::mem::take(&mut self.bindings));
        self.scratch.open = recycle(std::mem::take(&mut self.open));
    }
}

impl<'a, 's> Cursor<'a, 's> {
    /// Starts reading `bytes`. Fails unless they are UTF-8; a leading BOM is
    /// skipped.
    pub fn new(
        bytes: &'a [u8],
        scratch: &'s mut Scratch,
        bounds: XmlBounds,
    ) -> Result<Cursor<'a, 's>, XmlError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        // A second U+FEFF is a character outside the root element. Refused
        // here: quick-xml would drop it as a BOM without counting it in
        // its offsets, and the offsets slice `src` (found by fuzzing).
        if bytes.starts_with(b"\xEF\xBB\xBF") {
            return Err(XmlError::new("epp", "text outside the root element"));
        }
        let src = std::str::from_utf8(bytes).map_err(|e| {
            XmlError::new(
                "epp",
                format!(
                    "not UTF-8: invalid byte sequence at offset {}",
                    e.valid_up_to()
                ),
            )
        })?;
        let mut reader = Reader::from_str(src);
        let cfg = reader.config_mut();
        cfg.check_end_names = false; // checked here, against our own stack
        cfg.expand_empty_elements = false;
        cfg.trim_text(false);
        cfg.check_comments = true;
        let bindings = recycle(std::mem::take(&mut scratch.bindings));
        let open = recycle(std::mem::take(&mut scratch.open));
        Ok(Cursor {
            src,
            reader,
            bindings,
            open,
            scratch,
            bounds,
            pending_end: false,
            copied: 0,
            seen_root: false,
            root_closed: false,
            first_event: true,
        })
    }

    /// The current depth (open elements).
    pub fn depth(&self) -> usize {
        self.open.len()
    }

    /// Byte offset just past what has been read.
    pub fn position(&self) -> usize {
        self.reader.buffer_position() as usize
    }

    fn current_local(&self) -> &'a str {
        self.open
            .last()
            .map(|o| o.qname.rsplit(':').next().unwrap_or(o.qname))
            .unwrap_or("epp")
    }

    fn err(&self, reason: impl Into<String>) -> XmlError {
        XmlError::new(self.current_local(), reason)
    }

    /// Reads the next step.
    pub fn next(&mut self) -> Result<Step<'a>, XmlError> {
        if self.pending_end {
            self.pending_end = false;
            self.pop();
            return Ok(Step::End);
        }
        loop {
            let pos = self.reader.buffer_position() as usize;
            let first = std::mem::replace(&mut self.first_event, false);
            let ev = self
                .reader
                .read_event()
                .map_err(|e| self.err(format!("XML not well-formed at offset {pos}: {e}")))?;
            match ev {
                Event::Start(_) | Event::Empty(_) => {
                    let empty = matches!(ev, Event::Empty(_));
                    let tag_end = self.reader.buffer_position() as usize;
                    let el = self.start(pos, tag_end, empty)?;
                    if empty {
                        self.pending_end = true;
                    }
                    return Ok(Step::Start(el));
                }
                Event::End(_) => {
                    let end = self.reader.buffer_position() as usize;
                    let raw = &self.src[pos + 2..end - 1];
                    let name = raw.trim_end_matches([' ', '\t', '\r', '\n']);
                    match self.open.last() {
                        Some(o) if o.qname == name => {}
                        Some(o) => {
                            return Err(
                                self.err(format!("end tag </{name}> does not match <{}>", o.qname))
                            )
                        }
                        None => return Err(self.err(format!("unexpected end tag </{name}>"))),
                    }
                    self.pop();
                    return Ok(Step::End);
                }
                Event::Text(t) => {
                    let text = t.xml10_content();
                    if text.len() > self.bounds.max_text {
                        return Err(
                            self.err(format!("text longer than {} bytes", self.bounds.max_text))
                        );
                    }
                    if !is_xml_text(&text) {
                        return Err(self.err("text holds a character XML does not allow"));
                    }
                    if text.contains("]]>") {
                        return Err(self.err("]]> may not appear in text"));
                    }
                    if self.open.is_empty() {
                        if text.bytes().all(is_xml_space) {
                            continue;
                        }
                        return Err(self.err("text outside the root element"));
                    }
                    return Ok(Step::Text(text, false));
                }
                Event::CData(t) => {
                    if self.open.is_empty() {
                        return Err(self.err("CDATA outside the root element"));
                    }
                    let text = t.xml10_content();
                    if text.len() > self.bounds.max_text {
                        return Err(
                            self.err(format!("text longer than {} bytes", self.bounds.max_text))
                        );
                    }
                    if !is_xml_text(&text) {
                        return Err(self.err("CDATA holds a character XML does not allow"));
                    }
                    return Ok(Step::Text(text, true));
                }
                Event::GeneralRef(r) => {
                    if self.open.is_empty() {
                        return Err(self.err("reference outside the root element"));
                    }
                    let text = self.resolve_ref(&r)?;
                    return Ok(Step::Text(text, false));
                }
                Event::Decl(d) => {
                    if !first || pos != 0 {
                        return Err(self.err("XML declaration not at the start"));
                    }
                    self.check_decl(&d)?;
                }
                Event::DocType(_) => {
                    return Err(self.err("DOCTYPE is not allowed"));
                }
                Event::Comment(c) => {
                    if !is_xml_text(&c) {
                        return Err(self.err("a comment holds a character XML does not allow"));
                    }
                }
                Event::PI(pi) => {
                    let target = pi.target();
                    if target.eq_ignore_ascii_case("xml")
                        || !is_qname(target)
                        || target.contains(':')
                    {
                        return Err(
                            self.err(format!("invalid processing instruction target {target:?}"))
                        );
                    }
                    if !is_xml_text(pi.content()) {
                        return Err(self
                            .err("a processing instruction holds a character XML does not allow"));
                    }
                }
                Event::Eof => {
                    if !self.open.is_empty() {
                        return Err(self.err("document ends inside an element"));
                    }
                    if !self.seen_root {
                        return Err(XmlError::new("epp", "no root element"));
                    }
                    return Ok(Step::Eof);
                }
            }
        }
    }

    fn resolve_ref(&self, r: &quick_xml::events::BytesRef<'a>) -> Result<Cow<'a, str>, XmlError> {
        if r.is_char_ref() {
            match r.resolve_char_ref() {
                Ok(Some(c)) if is_xml_char(c) => {
                    let mut s = String::new();
                    s.push(c);
                    Ok(Cow::Owned(s))
                }
                _ => Err(self.err(format!("invalid character reference &{};", &**r))),
            }
        } else {
            let s: &'static str = match &**r {
                "lt" => "<",
                "gt" => ">",
                "amp" => "&",
                "apos" => "'",
                "quot" => "\"",
                other => {
                    return Err(self.err(format!(
                        "undefined entity reference &{other}; (only the five predefined entities and character references are allowed)"
                    )))
                }
            };
            Ok(Cow::Borrowed(s))
        }
    }

    /// The XML declaration, read in one pass: `version` first (1.0), then
    /// an optional UTF-8 `encoding`, then an optional `standalone`.
    fn check_decl(&self, d: &quick_xml::events::BytesDecl<'a>) -> Result<(), XmlError> {
        let content: &str = d;
        let rest = content.get(3..).unwrap_or("");
        check_attribute_syntax(rest).map_err(|r| self.err(format!("bad XML declaration: {r}")))?;
        let mut stage = 0;
        for a in attributes_of(content, 3) {
            let a = a.map_err(|e| self.err(format!("bad XML declaration: {e}")))?;
            let value: &str = &a.value;
            match (stage, a.key.into_inner()) {
                (0, "version") => {
                    if value != "1.0" {
                        return Err(
                            self.err(format!("XML version {value} is not supported; use 1.0"))
                        );
                    }
                    stage = 1;
                }
                (1, "encoding") => {
                    if !value.eq_ignore_ascii_case("utf-8") && !value.eq_ignore_ascii_case("utf8") {
                        return Err(
                            self.err(format!("encoding {value} is not supported; use UTF-8"))
                        );
                    }
                    stage = 2;
                }
                (1 | 2, "standalone") => {
                    if value != "yes" && value != "no" {
                        return Err(self.err(format!("bad standalone value {value}")));
                    }
                    stage = 3;
                }
                (_, key) => {
                    return Err(self.err(format!("bad XML declaration: unexpected {key}")));
                }
            }
        }
        if stage == 0 {
            return Err(self.err("bad XML declaration: no version"));
        }
        Ok(())
    }

    fn pop(&mut self) {
        if let Some(o) = self.open.pop() {
            self.bindings.truncate(o.bindings_mark);
            if self.open.is_empty() {
                self.root_closed = true;
            }
        }
    }

    fn start(&mut self, pos: usize, tag_end: usize, empty: bool) -> Result<Element<'a>, XmlError> {
        if self.root_closed {
            return Err(XmlError::new("epp", "content after the root element"));
        }
        self.seen_root = true;
        if self.open.len() >= self.bounds.max_depth {
            return Err(self.err(format!(
                "elements nested deeper than {}",
                self.bounds.max_depth
            )));
        }
        let raw = &self.src[pos + 1..tag_end - if empty { 2 } else { 1 }];
        let name_len = raw.find([' ', '\t', '\r', '\n', '/']).unwrap_or(raw.len());
        let qname = &raw[..name_len];
        // The local name, for error messages (borrowed: no allocation per attribute).
        let local = qname.rsplit(':').next().unwrap_or(qname);
        if !is_qname(qname) {
            return Err(self.err("an element name is not a valid XML name"));
        }
        // quick-xml is lenient about the attribute list: check its syntax.
        if name_len < raw.len() {
            check_attribute_syntax(&raw[name_len..]).map_err(|r| XmlError::new(local, r))?;
        }
        let mark = self.bindings.len();
        // Pass 1: every attribute's value; the namespace declarations.
        let mut count = 0usize;
        let mut prefixed = 0usize;
        for a in attributes_of(raw, name_len) {
            let a = a.map_err(|e| XmlError::new(local, format!("bad attribute: {e}")))?;
            count += 1;
            if count > self.bounds.max_attributes {
                return Err(XmlError::new(
                    local,
                    format!("more than {} attributes", self.bounds.max_attributes),
                ));
            }
            let key = a.key.into_inner();
            let dup = attributes_of(raw, name_len)
                .take(count - 1)
                .filter_map(Result::ok)
                .any(|b| b.key.into_inner() == key);
            if dup {
                return Err(XmlError::new(local, format!("duplicate attribute {key}")));
            }
            let value = normalized(&a, local)?;
            if value.len() > self.bounds.max_text {
                return Err(XmlError::new(
                    local,
                    format!("attribute value longer than {} bytes", self.bounds.max_text),
                ));
            }
            if !is_xml_text(&value) {
                return Err(XmlError::new(
                    local,
                    format!("attribute {key} holds a character XML does not allow"),
                ));
            }
            if key == "xmlns" {
                if value == XML_NS || value == XMLNS_NS {
                    return Err(XmlError::new(
                        local,
                        "the default namespace may not be a reserved one",
                    ));
                }
                self.bindings.push(Binding {
                    prefix: "",
                    uri: value,
                });
            } else if let Some(p) = key.strip_prefix("xmlns:") {
                let reserved = value == XML_NS || value == XMLNS_NS;
                if p == "xmlns" || (p == "xml") != (value == XML_NS) || (p != "xml" && reserved) {
                    return Err(XmlError::new(
                        local,
                        format!("prefix {p} may not be bound to {value}"),
                    ));
                }
                if value.is_empty() {
                    return Err(XmlError::new(
                        local,
                        format!("prefix {p} bound to an empty namespace"),
                    ));
                }
                self.bindings.push(Binding {
                    prefix: p,
                    uri: value,
                });
            } else if key.contains(':') {
                prefixed += 1;
            }
        }
        // Pass 2, once every declaration of the tag is known (one may follow
        // its use): attribute prefixes are declared, and no two attributes
        // share an expanded name.
        if prefixed > 0 {
            for (i, a) in attributes_of(raw, name_len)
                .filter_map(Result::ok)
                .enumerate()
            {
                let key = a.key.into_inner();
                let Some((p, l)) = key.split_once(':') else {
                    continue;
                };
                if p == "xmlns" {
                    continue;
                }
                let uri = self.namespace_of(p).ok_or_else(|| {
                    XmlError::new(
                        local,
                        format!("undeclared namespace prefix {p} on attribute {key}"),
                    )
                })?;
                for b in attributes_of(raw, name_len).filter_map(Result::ok).take(i) {
                    let other = b.key.into_inner();
                    if let Some((q, m)) = other.split_once(':') {
                        if q != "xmlns" && m == l && self.namespace_of(q) == Some(uri) {
                            return Err(XmlError::new(
                                local,
                                format!("attributes {other} and {key} have the same expanded name"),
                            ));
                        }
                    }
                }
            }
        }
        let (prefix, local) = match qname.split_once(':') {
            Some((p, l)) => (p, l),
            None => ("", qname),
        };
        let ns = if prefix == "xml" {
            Some(Cow::Borrowed(XML_NS))
        } else if prefix == "xmlns" {
            return Err(XmlError::new(local, "the prefix xmlns is reserved"));
        } else {
            match self.lookup(prefix) {
                Some(u) if u.is_empty() => None,
                Some(u) => Some(u.clone()),
                None if prefix.is_empty() => None,
                None => {
                    return Err(XmlError::new(
                        local,
                        format!("undeclared namespace prefix {prefix}"),
                    ))
                }
            }
        };
        self.open.push(Open {
            qname,
            bindings_mark: mark,
        });
        Ok(Element {
            qname,
            local,
            ns,
            start: pos,
            depth: self.open.len(),
            raw,
            name_len,
        })
    }

    /// The namespace `prefix` is bound to where the cursor is (`xml` is
    /// always bound; `""` is the default namespace, as for element names
    /// and QName values), or `None`. An attribute's prefix resolves through
    /// this too, while its element is the current one.
    pub fn namespace_of(&self, prefix: &str) -> Option<&str> {
        if prefix == "xml" {
            return Some(XML_NS);
        }
        self.lookup(prefix).map(|u| &**u).filter(|u| !u.is_empty())
    }

    fn lookup(&self, prefix: &str) -> Option<&Cow<'a, str>> {
        // Prefixes are short: compare lengths and bytes inline rather than
        // paying a memcmp call per binding (this is the hottest loop of a
        // small frame).
        let p = prefix.as_bytes();
        self.bindings
            .iter()
            .rev()
            .find(|b| {
                let q = b.prefix.as_bytes();
                q.len() == p.len() && q.iter().zip(p).all(|(x, y)| x == y)
            })
            .map(|b| &b.uri)
    }

    /// Namespace declarations in scope for `el` that `el` does not make
    /// itself, written as attributes, so that a copy of `el` stands alone.
    pub fn inherited_declarations(&self, el: &Element<'a>) -> String {
        let own_mark = self.open[el.depth - 1].bindings_mark;
        let own = &self.bindings[own_mark..];
        let mut out = String::new();
        let mut done: Vec<&str> = Vec::new();
        for b in self.bindings[..own_mark].iter().rev() {
            if done.contains(&b.prefix) || own.iter().any(|o| o.prefix == b.prefix) {
                continue;
            }
            done.push(b.prefix);
            if b.prefix.is_empty() {
                out.push_str(" xmlns=\"");
            } else {
                out.push_str(" xmlns:");
                out.push_str(b.prefix);
                out.push_str("=\"");
            }
            let mut v = Vec::new();
            crate::render::push_attr(&mut v, &b.uri);
            out.push_str(std::str::from_utf8(&v).unwrap_or(""));
            out.push('"');
        }
        out
    }

    /// Reads past the end of the element at `depth` (whose start tag has been
    /// read), checking everything inside it.
    pub fn skip_to_end_of(&mut self, depth: usize) -> Result<(), XmlError> {
        while self.depth() >= depth {
            if let Step::Eof = self.next()? {
                return Err(self.err("document ends inside an element"));
            }
        }
        Ok(())
    }

    /// Reads the text content of the element just started (`el`) up to its
    /// end tag. A child element is an error.
    pub fn text_of(&mut self, el: &Element<'a>) -> Result<Cow<'a, str>, XmlError> {
        let mut acc: Option<Cow<'a, str>> = None;
        loop {
            match self.next()? {
                Step::Text(t, _) => {
                    acc = Some(match acc {
                        None => t,
                        Some(prev) => Cow::Owned(prev.into_owned() + &t),
                    });
                    if acc.as_ref().map_or(0, |a| a.len()) > self.bounds.max_text {
                        return Err(XmlError::new(
                            el.local,
                            format!("text longer than {} bytes", self.bounds.max_text),
                        )
                        .recoverable());
                    }
                }
                Step::End => return Ok(acc.unwrap_or(Cow::Borrowed(""))),
                Step::Start(child) => {
                    return Err(XmlError::new(
                        el.local,
                        format!("<{}> may hold only text, found <{}>", el.local, child.qname),
                    )
                    .recoverable())
                }
                Step::Eof => return Err(self.err("document ends inside an element")),
            }
        }
    }

    /// Copies the element just started (`el`) through its end tag, with the
    /// namespace declarations it inherits added to its start tag.
    pub fn capture(&mut self, el: &Element<'a>) -> Result<String, XmlError> {
        let decls = self.inherited_declarations(el);
        // Copying declarations into many small elements could multiply a
        // small frame: the copies may add at most the frame's size.
        self.copied += decls.len();
        if self.copied > self.src.len().max(4096) {
            return Err(XmlError::new(
                el.local,
                "namespace declarations to copy into the command's elements exceed the frame size",
            ));
        }
        self.skip_to_end_of(el.depth)?;
        let end = self.position();
        let name_end = el.start + 1 + el.qname.len();
        let mut s = String::with_capacity(end - el.start + decls.len());
        s.push_str(&self.src[el.start..name_end]);
        s.push_str(&decls);
        s.push_str(&self.src[name_end..end]);
        Ok(s)
    }
}

/// True for the four XML whitespace bytes.
pub(crate) fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn attributes_of(raw: &str, name_len: usize) -> Attributes<'_> {
    let mut it = Attributes::new(raw, name_len);
    it.with_checks(false);
    it
}

/// True when every character of `s` is allowed in an XML 1.0 document
/// (a byte scan for ASCII).
pub(crate) fn is_xml_text(s: &str) -> bool {
    let ascii_ok = s
        .bytes()
        .all(|c| (0x20..0x80).contains(&c) || matches!(c, b'\t' | b'\n' | b'\r'));
    ascii_ok || s.chars().all(is_xml_char)
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || (!c.is_ascii() && is_xml_char(c) && c != '\u{B7}')
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit() || matches!(c, '-' | '.' | '\u{B7}')
}

fn is_ncname(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_ascii() {
        // The usual case, byte by byte.
        return b
            .first()
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'));
    }
    let mut cs = s.chars();
    cs.next().is_some_and(is_name_start) && cs.all(is_name_char)
}

/// A QName: `NCName` or `NCName:NCName`.
pub(crate) fn is_qname(s: &str) -> bool {
    // The usual case in one pass over ASCII: a name start after the start
    // and after the one colon, name characters elsewhere; any other byte
    // sends the name to the full check.
    let mut colons = 0;
    let mut at_start = true;
    for &c in s.as_bytes() {
        let class = ASCII_NAME[c as usize];
        if class == COLON {
            colons += 1;
            if at_start || colons > 1 {
                return false;
            }
            at_start = true;
        } else if at_start {
            if class != NAME_START {
                return slow_qname(s);
            }
            at_start = false;
        } else if class == 0 {
            return slow_qname(s);
        }
    }
    !at_start
}

/// [`is_qname`] for names that are not plain ASCII (or not names).
#[cold]
fn slow_qname(s: &str) -> bool {
    if s.is_ascii() {
        return false;
    }
    match s.split_once(':') {
        Some((p, l)) => is_ncname(p) && is_ncname(l),
        None => is_ncname(s),
    }
}

/// [`ASCII_NAME`] classes.
const NAME_START: u8 = 1;
const NAME_CHAR: u8 = 2;
const COLON: u8 = 3;

/// ASCII bytes by their role in a QName: [`NAME_START`] (letters, `_`),
/// [`NAME_CHAR`] (digits, `-`, `.`), [`COLON`]; 0 for anything else,
/// non-ASCII bytes included.
static ASCII_NAME: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        t[c] = if b.is_ascii_alphabetic() || b == b'_' {
            NAME_START
        } else if b.is_ascii_digit() || b == b'-' || b == b'.' {
            NAME_CHAR
        } else if b == b':' {
            COLON
        } else {
            0
        };
        c += 1;
    }
    t
};

/// Checks the attribute list of a start tag (what follows the name):
/// `(S Name S? '=' S? ("..." | '...'))* S?`, with no `<` in a value.
fn check_attribute_syntax(rest: &str) -> Result<(), String> {
    let b = rest.as_bytes();
    let n = b.len();
    let mut i = 0;
    loop {
        let ws_start = i;
        while i < n && is_xml_space(b[i]) {
            i += 1;
        }
        if i == n {
            return Ok(());
        }
        if i == ws_start {
            return Err("attributes must be separated by white space".into());
        }
        let name_start = i;
        while i < n && !is_xml_space(b[i]) && b[i] != b'=' {
            i += 1;
        }
        if !is_qname(&rest[name_start..i]) {
            return Err(format!(
                "{:?} is not a valid attribute name",
                &rest[name_start..i]
            ));
        }
        while i < n && is_xml_space(b[i]) {
            i += 1;
        }
        if i == n || b[i] != b'=' {
            return Err("an attribute needs = and a quoted value".into());
        }
        i += 1;
        while i < n && is_xml_space(b[i]) {
            i += 1;
        }
        let quote = match b.get(i) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => return Err("an attribute value must be quoted".into()),
        };
        i += 1;
        match b[i..].iter().position(|&c| c == quote || c == b'<') {
            None => return Err("an attribute value is not closed".into()),
            Some(end) if b[i + end] == b'<' => {
                return Err("< may not appear in an attribute value".into())
            }
            Some(end) => i += end + 1,
        }
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// A top-level element of a host-supplied XML fragment.
pub(crate) struct FragmentElement {
    /// Byte range of the element in the fragment.
    pub range: std::ops::Range<usize>,
    /// Its namespace URI.
    pub ns: Option<String>,
    /// Where its name ends (a declaration may be inserted there).
    pub name_end: usize,
    /// Whether its start tag declares a default namespace.
    pub declares_default: bool,
}

/// Checks that `xml` is a well-formed sequence of elements (whitespace,
/// comments allowed between them; no text) and returns its top-level
/// elements. Used on resData, extension and value XML that the host passes
/// through, so that what libepp writes is always well-formed.
pub(crate) fn fragment_elements(
    xml: &str,
    max_depth: usize,
) -> Result<Vec<FragmentElement>, String> {
    let mut scratch = Scratch::default();
    let bounds = XmlBounds {
        max_depth,
        max_attributes: 1024,
        max_text: usize::MAX,
    };
    // Wrap in a neutral root so that several top-level elements parse as one document.
    let wrapped = format!("<r>{xml}</r>");
    let mut c = Cursor::new(wrapped.as_bytes(), &mut scratch, bounds).map_err(|e| e.reason)?;
    let mut out = Vec::new();
    match c.next().map_err(|e| e.reason)? {
        Step::Start(_) => {}
        _ => return Err("empty fragment".into()),
    }
    loop {
        match c.next().map_err(|e| e.reason)? {
            Step::Start(el) => {
                let ns = el.ns.as_deref().map(str::to_owned);
                let declares_default = el.attr_keys().any(|k| k == "xmlns");
                c.skip_to_end_of(el.depth).map_err(|e| e.reason)?;
                out.push(FragmentElement {
                    range: el.start - 3..c.position() - 3,
                    name_end: el.start - 3 + 1 + el.qname.len(),
                    ns,
                    declares_default,
                });
            }
            Step::Text(t, cdata) => {
                if cdata || !t.bytes().all(is_xml_space) {
                    return Err("text outside an element".into());
                }
            }
            Step::End => break,
            Step::Eof => return Err("unbalanced fragment".into()),
        }
    }
    match c.next().map_err(|e| e.reason)? {
        Step::Eof => {}
        _ => return Err("unbalanced fragment".into()),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qnames() {
        for ok in [
            "a",
            "_x",
            "a:b",
            "epp",
            "x-1.y_z",
            "a1:b2",
            "\u{e9}t\u{e9}",
            "p:\u{e9}l\u{e9}ment",
        ] {
            assert!(is_qname(ok), "{ok:?} is a QName");
        }
        for bad in [
            "", ":", "a:", ":a", "a:b:c", "1a", "-a", "a:1", "a b", "a<", "\u{e9}:", ".\u{e9}",
        ] {
            assert!(!is_qname(bad), "{bad:?} is not a QName");
        }
    }

    const B: XmlBounds = XmlBounds {
        max_depth: 16,
        max_attributes: 8,
        max_text: 1024,
    };

    fn walk(doc: &str) -> Result<Vec<String>, XmlError> {
        let mut s = Scratch::default();
        let mut c = Cursor::new(doc.as_bytes(), &mut s, B)?;
        let mut v = Vec::new();
        loop {
            match c.next()? {
                Step::Start(e) => {
                    v.push(format!("<{}|{}", e.ns.as_deref().unwrap_or("-"), e.local))
                }
                Step::End => v.push(">".into()),
                Step::Text(t, _) => v.push(format!("'{t}'")),
                Step::Eof => return Ok(v),
            }
        }
    }

    #[test]
    fn resolves_namespaces_by_uri() {
        let v = walk("<a:x xmlns:a='u1'><y xmlns='u2'><a:z/></y></a:x>").unwrap();
        assert_eq!(v, ["<u1|x", "<u2|y", "<u1|z", ">", ">", ">"]);
    }

    #[test]
    fn refuses_what_protocol_md_refuses() {
        for bad in [
            "<!DOCTYPE x [<!ENTITY e 'x'>]><x>&e;</x>",
            "<x>&nbsp;</x>",
            "<x a='&foo;'/>",
            "<x></y>",
            "<p:x/>",
            "<x a='1' a='2'/>",
            "<x/><y/>",
            "<x>",
            "",
            "<x>&#0;</x>",
            "<?xml version='1.0' encoding='ISO-8859-1'?><x/>",
            "<?xml version='1.1'?><x/>",
            "text<x/>",
        ] {
            assert!(walk(bad).is_err(), "accepted {bad:?}");
        }
        let deep = "<x>".repeat(17) + &"</x>".repeat(17);
        assert!(walk(&deep).is_err());
        assert!(walk(&("<x>".repeat(16) + &"</x>".repeat(16))).is_ok());
        let many = format!(
            "<x {}/>",
            (0..9)
                .map(|i| format!("a{i}='1'"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert!(walk(&many).is_err());
        assert!(walk(&format!("<x>{}</x>", "a".repeat(1024))).is_ok());
        assert!(walk(&format!("<x>{}</x>", "a".repeat(1025))).is_err());
        assert!(walk(&format!("<x><![CDATA[{}]]></x>", "a".repeat(1025))).is_err());
    }

    #[test]
    fn accepts_what_protocol_md_accepts() {
        for good in [
            "<?xml version='1.0' encoding='utf-8' standalone='no'?>\r\n<x/>\r\n",
            "<?xml version=\"1.0\" encoding=\"UTF8\"?><x/>",
            "\u{FEFF}<x/>",
            "<!-- c --><x><?pi x?>&lt;&#65;&#x42;</x>\n",
        ] {
            assert!(walk(good).is_ok(), "refused {good:?}: {:?}", walk(good));
        }
    }

    #[test]
    fn refuses_invalid_utf8() {
        let mut s = Scratch::default();
        assert!(Cursor::new(b"<x>\xff</x>", &mut s, B).is_err());
    }

    #[test]
    fn capture_is_self_contained() {
        let doc = "<r xmlns='d' xmlns:a='u1' xmlns:b='u2'><a:x b:k='1'><a:y/></a:x></r>";
        let mut s = Scratch::default();
        let mut c = Cursor::new(doc.as_bytes(), &mut s, B).unwrap();
        let Step::Start(_) = c.next().unwrap() else {
            panic!()
        };
        let Step::Start(x) = c.next().unwrap() else {
            panic!()
        };
        let cap = c.capture(&x).unwrap();
        assert_eq!(
            cap,
            "<a:x xmlns:b=\"u2\" xmlns:a=\"u1\" xmlns=\"d\" b:k='1'><a:y/></a:x>"
        );
        assert!(walk(&cap).is_ok());
    }

    #[test]
    fn fragments() {
        let f = fragment_elements("<a:x xmlns:a='u'/> <y xmlns='v'>t</y>", 8).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].ns.as_deref(), Some("u"));
        assert_eq!(f[1].range, 19..37);
        assert!(fragment_elements("<x>", 8).is_err());
        assert!(fragment_elements("text", 8).is_err());
        assert!(fragment_elements("<x/></r><r>", 8).is_err());
        assert!(fragment_elements("<x>&bad;</x>", 8).is_err());
    }
}
