//! Hostile input never panics the core: mutated frames (byte flips,
//! insertions, deletions, truncations, splices of markup) go through a
//! logged-in session, and every byte it writes is a well-framed UTF-8
//! response. Random streams (raw bytes, and sequences of valid, random and
//! mutated frames) are checked against protocol invariants, fed whole,
//! byte by byte and in random chunks (see
//! `random_streams_keep_the_protocol_invariants`). Deterministic: a
//! fixed-seed PRNG, so a failure reproduces.

mod common;
use common::*;
use epp::{
    AckAnswer, Limits, LoginAnswer, PollAnswer, PollMessage, Request, RequestKind, Response,
    ResultCode, Session, TransactionRecord,
};
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use quick_xml::XmlVersion;

const PIECES: &[&str] = &[
    "<",
    ">",
    "/>",
    "</",
    "&",
    "&amp;",
    "&#x0;",
    "&#65;",
    "&ent;",
    "\"",
    "'",
    "=",
    ":",
    "xmlns=",
    "xmlns:a=",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "<?",
    "?>",
    "<!DOCTYPE x>",
    "\u{feff}",
    "\u{0}",
    "é",
    "\u{10FFFF}",
    " ",
    "\r\n",
    "epp",
    "command",
    "login",
    "poll",
    "clTRID",
    "op=\"ack\"",
    "msgID=\"18446744073709551616\"",
];

fn mutate(rng: &mut Rng, doc: &str) -> Vec<u8> {
    let mut b = doc.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(b.len() + 1);
        match rng.below(5) {
            0 if !b.is_empty() => {
                let i = at.min(b.len() - 1);
                b[i] ^= 1 << rng.below(8);
            }
            1 => {
                let p = PIECES[rng.below(PIECES.len())].as_bytes();
                b.splice(at..at, p.iter().copied());
            }
            2 if at < b.len() => {
                let end = (at + 1 + rng.below(8)).min(b.len());
                b.drain(at..end);
            }
            3 => b.truncate(at),
            _ => {
                let n = rng.below(b.len().max(1));
                let piece: Vec<u8> = b[n..(n + rng.below(16)).min(b.len())].to_vec();
                b.splice(at..at, piece);
            }
        }
    }
    b
}

fn answer_everything(s: &mut Session, host: &mut Host) {
    while let Some(r) = s.poll_queue() {
        match r {
            Request::Poll(_) | Request::PollAck(_) | Request::Command(_) | Request::Login(_) => {
                host.answer(s, r)
            }
            _ => {}
        }
    }
}

#[test]
fn mutated_frames_never_panic_and_output_stays_well_framed() {
    let docs = [
        hello_xml(),
        login_xml("registrar1", "secret-pw1", Some("ABC-1")),
        poll_req_xml(Some("ABC-2")),
        poll_ack_xml("101", Some("ABC-3")),
        domain_check_xml(Some("ABC-4")),
        cmd(
            &format!(
                r#"<transfer op="request"><domain:transfer xmlns:domain="{DOMAIN}"><domain:name>a.example</domain:name></domain:transfer></transfer><extension><s:x xmlns:s="{SECDNS}"/></extension>"#
            ),
            Some("ABC-5"),
        ),
        logout_xml(None),
    ];
    let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
    let mut host = Host::demo();
    let mut codes = std::collections::BTreeMap::new();
    for round in 0..3000 {
        let mut s = Session::new(server(), t0());
        let mut out = s.take_output().unwrap_or_default();
        // Log in cleanly, then send mutated frames.
        s.feed_input(&frame(&login_xml("registrar1", "secret-pw1", None)), t0())
            .unwrap();
        answer_everything(&mut s, &mut host);
        for _ in 0..6 {
            let doc = &docs[rng.below(docs.len())];
            let bytes = mutate(&mut rng, doc);
            let mut f = ((bytes.len() + 4) as u32).to_be_bytes().to_vec();
            f.extend_from_slice(&bytes);
            if s.feed_input(&f, t0()).is_ok() {
                answer_everything(&mut s, &mut host);
            }
            out.extend(s.take_output().unwrap_or_default());
        }
        s.handle_eof(t0());
        answer_everything(&mut s, &mut host);
        out.extend(s.take_output().unwrap_or_default());
        let frames = unframe(&out);
        assert!(!frames.is_empty(), "round {round}");
        for f in &frames {
            assert!(
                f.starts_with("<?xml") && f.ends_with("</epp>"),
                "round {round}: {f}"
            );
            if f.contains("<result code=") {
                *codes.entry(code_of(f)).or_insert(0) += 1;
            }
        }
    }
    // The mutations reach every layer: framing, XML, schema, state machine.
    for want in [1000, 1301, 1500, 2001, 2101] {
        assert!(codes.contains_key(&want), "no {want} among {codes:?}");
    }
}

// ---------------------------------------------------------------------------
// Random streams: invariants
// ---------------------------------------------------------------------------

const EPP_NS: &str = "urn:ietf:params:xml:ns:epp-1.0";
const SV_TRID_PREFIX: &str = "libepptestserver-7-";

/// XML 1.0 section 2.2 `Char`.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// What a response frame says, read by a namespace-aware parse.
#[derive(Debug, Default)]
struct Doc {
    /// The one child of `<epp>`: `greeting` or `response`.
    kind: String,
    /// Every `<result code>`.
    codes: Vec<u16>,
    /// Every `<svTRID>`'s text.
    sv_trids: Vec<String>,
    /// Every `<clTRID>`'s text.
    cl_trids: Vec<String>,
}

/// Parses `xml` with quick-xml (namespace-aware, end names checked) and
/// checks what quick-xml leaves to the caller: every character is a `Char`,
/// references are to the five predefined entities or to `Char`s, attribute
/// values normalise, no attribute appears twice, no prefix is unbound, no
/// DOCTYPE, one root `{urn:ietf:params:xml:ns:epp-1.0}epp` with one element
/// child, nothing but whitespace outside it.
fn parse_doc(xml: &str) -> Result<Doc, String> {
    if let Some((at, c)) = xml.char_indices().find(|&(_, c)| !is_xml_char(c)) {
        return Err(format!("U+{:04X} at {at} is not an XML Char", c as u32));
    }
    let mut r = NsReader::from_str(xml);
    r.config_mut().check_comments = true;
    let mut doc = Doc::default();
    // Local names of the open elements, and whether each is in the EPP namespace.
    let mut path: Vec<(String, bool)> = Vec::new();
    let mut roots = 0;
    let mut children = 0;
    let mut text: Option<String> = None;
    let mut first = true;
    loop {
        let (ns, ev) = match r.read_resolved_event() {
            Ok(x) => x,
            Err(e) => return Err(format!("at byte {}: {e}", r.error_position())),
        };
        let in_epp = match ns {
            ResolveResult::Bound(n) => n.0 == EPP_NS,
            ResolveResult::Unbound => false,
            ResolveResult::Unknown(p) => return Err(format!("unbound prefix {p:?}")),
        };
        let was_first = std::mem::replace(&mut first, false);
        match ev {
            Event::Decl(_) if was_first => {}
            Event::Decl(_) => return Err("misplaced XML declaration".into()),
            Event::DocType(_) => return Err("DOCTYPE".into()),
            Event::Start(ref e) | Event::Empty(ref e) => {
                for a in e.attributes().with_checks(true) {
                    let a = a.map_err(|e| format!("attribute: {e}"))?;
                    a.normalized_value(XmlVersion::Implicit1_0)
                        .map_err(|e| format!("attribute value: {e}"))?;
                    if let (ResolveResult::Unknown(p), _) = r.resolver().resolve_attribute(a.key) {
                        return Err(format!("unbound attribute prefix {p:?}"));
                    }
                }
                let local = e.local_name().as_ref().to_string();
                match path.len() {
                    0 => {
                        roots += 1;
                        if roots > 1 {
                            return Err(format!("a second root element, {local}"));
                        }
                        if !(in_epp && local == "epp") {
                            return Err(format!("root element {local} (EPP namespace: {in_epp})"));
                        }
                    }
                    1 => {
                        children += 1;
                        if !in_epp || children > 1 {
                            return Err(format!("child {local} of <epp>"));
                        }
                        doc.kind = local.clone();
                    }
                    _ => {}
                }
                if in_epp && local == "result" {
                    let code = e
                        .try_get_attribute("code")
                        .map_err(|e| format!("result code: {e}"))?
                        .ok_or("<result> without a code")?;
                    let code = code.normalized_value(XmlVersion::Implicit1_0).unwrap();
                    doc.codes
                        .push(code.parse().map_err(|_| format!("result code {code:?}"))?);
                }
                let captured = in_epp && (local == "svTRID" || local == "clTRID");
                if matches!(ev, Event::Start(_)) {
                    path.push((local, in_epp));
                    if captured {
                        text = Some(String::new());
                    }
                } else if captured {
                    push_trid(&mut doc, &local, String::new());
                }
            }
            Event::End(_) => {
                let (local, in_epp) = path.pop().ok_or("end tag with nothing open")?;
                if let (true, Some(t)) = (in_epp, text.take()) {
                    push_trid(&mut doc, &local, t);
                }
            }
            Event::Text(t) => {
                let t = t.xml10_content();
                if path.is_empty() && !t.trim().is_empty() {
                    return Err(format!("text {t:?} outside the root"));
                }
                if let Some(s) = &mut text {
                    s.push_str(&t);
                }
            }
            Event::CData(t) => {
                if path.is_empty() {
                    return Err("CDATA outside the root".into());
                }
                if let Some(s) = &mut text {
                    s.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(g) => {
                if path.is_empty() {
                    return Err("reference outside the root".into());
                }
                let c = if g.is_char_ref() {
                    match g.resolve_char_ref() {
                        Ok(Some(c)) if is_xml_char(c) => c,
                        other => return Err(format!("character reference &{};: {other:?}", &*g)),
                    }
                } else {
                    match &*g {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "apos" => '\'',
                        "quot" => '"',
                        other => return Err(format!("undeclared entity &{other};")),
                    }
                };
                if let Some(s) = &mut text {
                    s.push(c);
                }
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if let Some((open, _)) = path.last() {
        return Err(format!("<{open}> never closed"));
    }
    if roots != 1 || children != 1 {
        return Err(format!(
            "{roots} root elements, {children} children of <epp>"
        ));
    }
    Ok(doc)
}

fn push_trid(doc: &mut Doc, local: &str, t: String) {
    if local == "svTRID" {
        doc.sv_trids.push(t);
    } else {
        doc.cl_trids.push(t);
    }
}

/// Splits output into frame bodies; `Err` unless it is exactly a sequence of
/// whole frames, each with a length header of at least 5 that counts itself.
fn split_frames(mut out: &[u8]) -> Result<Vec<&[u8]>, String> {
    let mut v = Vec::new();
    while !out.is_empty() {
        let Some(h) = out.get(..4) else {
            return Err(format!("{} stray bytes after frame {}", out.len(), v.len()));
        };
        let len = u32::from_be_bytes(h.try_into().unwrap()) as usize;
        if len < 5 || len > out.len() {
            return Err(format!(
                "frame {} announces {len} bytes, {} left",
                v.len(),
                out.len()
            ));
        }
        v.push(&out[4..len]);
        out = &out[len..];
    }
    Ok(v)
}

/// How the stream divides into frames, read independently of the session:
/// the (start, end) of each complete frame up to the first bad length
/// header, whether there is a bad length header there, and otherwise what
/// is left is an unfinished frame, dropped at end of file.
fn model_frames(stream: &[u8], max_frame_size: u32) -> (Vec<(usize, usize)>, bool) {
    let mut frames = Vec::new();
    let mut at = 0;
    while let Some(h) = stream.get(at..at + 4) {
        let len = u32::from_be_bytes(h.try_into().unwrap());
        if len < 5 || len > max_frame_size {
            return (frames, true);
        }
        let end = at + len as usize;
        if end > stream.len() {
            break;
        }
        frames.push((at, end));
        at = end;
    }
    (frames, false)
}

/// What a frame the test wrote as valid must get.
#[derive(Debug, Clone)]
enum Expect {
    /// A frame that is not known to be valid: anything well-formed.
    Any,
    /// `<hello>`: a greeting.
    Greeting,
    /// A command with this clTRID: a response echoing it.
    Echo(String),
}

/// A request the host answered, and the code its answer will be sent with.
#[derive(Debug, Clone, PartialEq)]
struct Answered {
    kind: RequestKind,
    cl_trid: Option<String>,
    /// None for a SessionEnd.
    code: Option<u16>,
}

/// Everything a run of one stream produced.
#[derive(Debug)]
struct Run {
    out: Vec<u8>,
    answered: Vec<Answered>,
    /// For each answered request, how many stream bytes the session had
    /// taken when `poll_queue` returned it.
    taken_at: Vec<usize>,
    log: Vec<TransactionRecord>,
    /// Feeds after which the session held frames behind backpressure.
    short_takes: usize,
}

/// The host: registrar1/secret-pw1 logs in, disabled1 is disabled, anything
/// else is refused; `queue` holds the message ids; object commands are 2101.
/// Returns the request and the code its answer is written with.
fn answer(s: &mut Session, queue: &mut Vec<u64>, r: Request) -> Answered {
    let kind = r.kind();
    let tr = |t: &Option<epp::TransactionId>| t.as_ref().map(|t| t.to_string());
    let (cl_trid, code) = match r {
        Request::Login(l) => {
            let a = match (l.client_id.as_str(), l.password.as_str()) {
                ("registrar1", "secret-pw1") => LoginAnswer::Accepted,
                ("disabled1", _) => LoginAnswer::AccountDisabled,
                _ => LoginAnswer::BadCredentials,
            };
            let code = s.answer_login(l.id, a).expect("answer_login");
            (tr(&l.client_transaction_id), Some(code.code()))
        }
        Request::Poll(p) => {
            let (a, code) = match queue.first() {
                None => (PollAnswer::Empty, 1300),
                Some(&id) => (
                    PollAnswer::Message(PollMessage::new(
                        id,
                        queue.len() as u64,
                        t0(),
                        format!("message {id}"),
                    )),
                    1301,
                ),
            };
            s.answer_poll(p.id, a).expect("answer_poll");
            (tr(&p.client_transaction_id), Some(code))
        }
        Request::PollAck(a) => {
            let (ans, code) = match queue.iter().position(|&id| id == a.message_id) {
                Some(i) => {
                    queue.remove(i);
                    let remaining = queue.len() as u64;
                    (AckAnswer::Acked { remaining }, 1000)
                }
                None => (AckAnswer::UnknownMessage, 2303),
            };
            s.answer_ack(a.id, ans).expect("answer_ack");
            (tr(&a.client_transaction_id), Some(code))
        }
        Request::Command(c) => {
            s.answer_command(c.id, Response::new(ResultCode::UnimplementedCommand))
                .expect("answer_command");
            (tr(&c.client_transaction_id), Some(2101))
        }
        Request::SessionEnd(_) => (None, None),
        other => panic!("unexpected request {other:?}"),
    };
    Answered {
        kind,
        cl_trid,
        code,
    }
}

fn stream_config() -> std::sync::Arc<epp::ServerConfig> {
    config_builder().transaction_log(true).build().unwrap()
}

/// Feeds `stream` to a new session in chunks of the sizes given (cycled),
/// answering every request as soon as `poll_queue` returns it and taking
/// output after every call, reading only while the session wants input;
/// once it wants none for good (it ended) the rest is dropped. Then end of
/// file.
fn drive(stream: &[u8], messages: &[u64], chunks: &[usize]) -> Run {
    let mut s = Session::new(server_on(stream_config()), t0());
    let mut queue = messages.to_vec();
    let mut run = Run {
        out: s.take_output().unwrap_or_default(),
        answered: Vec::new(),
        taken_at: Vec::new(),
        log: Vec::new(),
        short_takes: 0,
    };
    let mut serve = |s: &mut Session, run: &mut Run, taken: usize| {
        while let Some(r) = s.poll_queue() {
            run.answered.push(answer(s, &mut queue, r));
            run.taken_at.push(taken);
        }
        run.out.extend(s.take_output().unwrap_or_default());
        run.log.extend(std::iter::from_fn(|| s.poll_transaction()));
    };
    let mut taken = 0;
    for &size in chunks.iter().cycle() {
        if taken == stream.len() {
            break;
        }
        // A host reads only while the session wants input. Here every
        // request is answered and all output taken at once, so it always
        // does until it stops reading for good.
        if !s.wants_input() {
            assert!(
                s.close_reason().is_some(),
                "input stalled at byte {taken} with nothing outstanding"
            );
            break;
        }
        let end = taken.saturating_add(size.max(1)).min(stream.len());
        if s.feed_input(&stream[taken..end], t0()).is_err() {
            break;
        }
        // Backpressure: frames held behind a login or the in-flight bound
        // until the host answers.
        run.short_takes += usize::from(!s.wants_input() && s.buffered_input() > 0);
        taken = end;
        serve(&mut s, &mut run, taken);
    }
    s.handle_eof(t0());
    serve(&mut s, &mut run, taken);
    assert!(s.is_finished(), "not finished after end of file");
    assert_eq!(s.outstanding(), 0);
    assert!(s.output().is_empty());
    run
}

/// A random stream, what each frame it was built from must get, and the
/// host's message queue for it.
struct Stream {
    bytes: Vec<u8>,
    expect: Vec<Expect>,
    messages: Vec<u64>,
}

fn random_stream(rng: &mut Rng, serial: &mut u32) -> Stream {
    let messages = [101, 102][..rng.below(3)].to_vec();
    let mut bytes = Vec::new();
    let mut expect = Vec::new();
    if rng.below(4) == 0 {
        // Raw random bytes, sometimes with a plausible length header.
        let len = rng.below(300);
        bytes = (0..len).map(|_| rng.next() as u8).collect();
        if rng.below(2) == 0 && bytes.len() >= 4 {
            let n = (rng.below(200) + 5) as u32;
            bytes[..4].copy_from_slice(&n.to_be_bytes());
        }
        return Stream {
            bytes,
            expect,
            messages,
        };
    }
    // Some streams guess passwords (towards 2501); most start with a good
    // login, so that commands get past 2002.
    let guessing = rng.below(6) == 0;
    let segments = 1 + rng.below(8);
    for i in 0..segments {
        *serial += 1;
        let t = format!("T-{serial}");
        let cl = Some(t.as_str());
        let valid = [
            login_xml("registrar1", "secret-pw1", cl),
            login_xml("registrar1", "wrong-pw1", cl),
            login_xml("disabled1", "secret-pw1", cl),
            poll_req_xml(cl),
            poll_ack_xml("101", cl),
            poll_ack_xml("102", cl),
            poll_ack_xml("999", cl),
            poll_ack_xml("abc", cl),
            domain_check_xml(cl),
            // Logout ends the session: last, so it can be made rare.
            logout_xml(cl),
        ];
        let body = match rng.below(8) {
            _ if i == 0 && !guessing && rng.below(3) != 0 => {
                expect.push(Expect::Echo(t));
                valid[0].clone().into_bytes()
            }
            0..=2 => {
                let pick = if guessing && rng.below(2) == 0 {
                    1
                } else if rng.below(10) == 0 {
                    rng.below(valid.len())
                } else {
                    rng.below(valid.len() - 1)
                };
                expect.push(Expect::Echo(t));
                valid[pick].clone().into_bytes()
            }
            3 => {
                expect.push(Expect::Greeting);
                hello_xml().into_bytes()
            }
            4 => {
                expect.push(Expect::Any);
                let len = rng.below(200);
                (0..len).map(|_| rng.next() as u8).collect()
            }
            _ => {
                expect.push(Expect::Any);
                let doc = &valid[rng.below(valid.len())];
                mutate(rng, doc)
            }
        };
        bytes.extend(((body.len() + 4) as u32).to_be_bytes());
        bytes.extend(body);
    }
    if rng.below(3) == 0 {
        // A random tail: an unfinished frame, a bad length, or more frames.
        let len = rng.below(40);
        bytes.extend((0..len).map(|_| rng.next() as u8));
    }
    Stream {
        bytes,
        expect,
        messages,
    }
}

/// Checks every invariant of one run of `stream`; `Err` says which broke.
fn check_run(
    stream: &[u8],
    expect: &[Expect],
    run: &Run,
    exact_frames: bool,
) -> Result<(), String> {
    // 1. The output is whole frames, each a well-formed EPP document.
    let frames = split_frames(&run.out)?;
    let mut docs = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        let xml = std::str::from_utf8(f).map_err(|e| format!("frame {i}: not UTF-8: {e}"))?;
        docs.push(parse_doc(xml).map_err(|e| format!("frame {i}: {e}\n{xml}"))?);
    }
    // 2. The greeting first; a response has a result code that RFC 5730
    //    defines and one svTRID, a greeting neither.
    if docs.first().map(|d| d.kind.as_str()) != Some("greeting") {
        return Err("the first frame is not the greeting".into());
    }
    for (i, d) in docs.iter().enumerate() {
        match d.kind.as_str() {
            "greeting" if d.codes.is_empty() && d.sv_trids.is_empty() => {}
            "response" => {
                if d.codes.is_empty() || d.codes.iter().any(|&c| ResultCode::from_u16(c).is_none())
                {
                    return Err(format!("frame {i}: result codes {:?}", d.codes));
                }
                if d.sv_trids.len() != 1 || d.cl_trids.len() > 1 {
                    return Err(format!(
                        "frame {i}: svTRIDs {:?} clTRIDs {:?}",
                        d.sv_trids, d.cl_trids
                    ));
                }
            }
            _ => return Err(format!("frame {i}: {d:?}")),
        }
    }
    // 3. svTRIDs strictly increase in output order.
    let mut last = 0;
    for (i, d) in docs.iter().enumerate() {
        for t in &d.sv_trids {
            let n: u64 = t
                .strip_prefix(SV_TRID_PREFIX)
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| format!("frame {i}: svTRID {t:?}"))?;
            if n <= last {
                return Err(format!("frame {i}: svTRID {t} after sequence {last}"));
            }
            last = n;
        }
    }
    // 4. One answer per frame, in order: frame k of the stream is answered
    //    by output frame k + 1, until an answer that ends the session (1500
    //    or 25xx); a bad length header gets one 2500; an unfinished frame at
    //    end of file gets nothing.
    let (model, bad_length) = model_frames(stream, Limits::default().max_frame_size);
    let closes = |d: &Doc| d.codes.first().is_some_and(|&c| c == 1500 || c >= 2500);
    let mut answered_frames = 0;
    let mut closed = false;
    for k in 0..model.len() {
        let d = docs
            .get(k + 1)
            .ok_or_else(|| format!("stream frame {k} unanswered"))?;
        answered_frames += 1;
        if closes(d) {
            closed = true;
            break;
        }
    }
    let mut want = 1 + answered_frames;
    if !closed && bad_length {
        let d = docs.get(want).ok_or("a bad length header unanswered")?;
        if d.codes != [2500] {
            return Err(format!("bad length header answered {:?}", d.codes));
        }
        want += 1;
    }
    if docs.len() != want {
        return Err(format!(
            "{} frames written for {} answered (stream frames: {}, bad length: {bad_length})",
            docs.len(),
            want,
            model.len()
        ));
    }
    // 5. What the test built as valid gets its due: a hello a greeting, a
    //    command its clTRID echoed exactly.
    for (k, e) in expect.iter().enumerate().take(answered_frames) {
        let d = &docs[k + 1];
        match e {
            Expect::Any => {}
            Expect::Greeting if d.kind == "greeting" => {}
            Expect::Echo(t) if d.kind == "response" && d.cl_trids == [t.clone()] => {}
            _ => return Err(format!("stream frame {k} ({e:?}) answered {d:?}")),
        }
    }
    // 6. Every request taken from the poll queue was answered (answer_*
    //    returned Ok), and its response carries the host's code and the
    //    request's clTRID. Exactly one SessionEnd, last.
    let ends = run
        .answered
        .iter()
        .filter(|a| a.kind == RequestKind::SessionEnd)
        .count();
    if ends != 1 || run.answered.last().map(|a| a.kind) != Some(RequestKind::SessionEnd) {
        return Err(format!("SessionEnd not once and last: {:?}", run.answered));
    }
    if exact_frames {
        // Fed byte by byte, a request comes out when the last byte of its
        // frame goes in: that identifies the frame, hence the response.
        let mut prev = None;
        for (a, &at) in run.answered.iter().zip(&run.taken_at) {
            if a.kind == RequestKind::SessionEnd {
                continue;
            }
            let k = model
                .iter()
                .position(|&(_, end)| end == at)
                .ok_or_else(|| format!("{a:?} came out at byte {at}, not at a frame's end"))?;
            if prev.is_some_and(|p| p >= k) {
                return Err(format!("two requests from stream frame {k}"));
            }
            prev = Some(k);
            let d = docs
                .get(k + 1)
                .ok_or_else(|| format!("{a:?}: no response"))?;
            let cl: Vec<String> = a.cl_trid.iter().cloned().collect();
            if d.codes.first().copied() != a.code || d.cl_trids != cl {
                return Err(format!(
                    "stream frame {k}: host answered {a:?}, written {d:?}"
                ));
            }
        }
    }
    // 7. The transaction log has one record per frame after the greeting,
    //    with the code and svTRID written.
    if run.log.len() != docs.len() - 1 {
        return Err(format!(
            "{} log records for {} frames",
            run.log.len(),
            docs.len()
        ));
    }
    for (r, d) in run.log.iter().zip(&docs[1..]) {
        let code = r.code.map(|c| c.code());
        if code != d.codes.first().copied()
            || r.server_transaction_id.as_ref() != d.sv_trids.first()
        {
            return Err(format!("log {r:?} for frame {d:?}"));
        }
    }
    Ok(())
}

/// Random streams (raw random bytes; sequences of valid, random and mutated
/// frames with random tails) fed whole, byte by byte, and in random chunks:
/// every run keeps the invariants of `check_run`, and all three runs write
/// the same bytes, hand the host the same requests and log the same records.
#[test]
fn random_streams_keep_the_protocol_invariants() {
    let mut rng = Rng(7);
    let mut serial = 0;
    let mut codes = std::collections::BTreeMap::new();
    let mut short_takes = 0;
    for round in 0..2000 {
        let Stream {
            bytes: stream,
            expect,
            messages,
        } = random_stream(&mut rng, &mut serial);
        let chunks: Vec<usize> = (0..1 + rng.below(8)).map(|_| 1 + rng.below(64)).collect();
        let whole = drive(&stream, &messages, &[usize::MAX]);
        let bytewise = drive(&stream, &messages, &[1]);
        let chunked = drive(&stream, &messages, &chunks);
        let fail = |what: String| -> ! {
            panic!(
                "round {round}: {what}\nstream ({} bytes): {:?}",
                stream.len(),
                String::from_utf8_lossy(&stream)
            )
        };
        if let Err(e) = check_run(&stream, &expect, &bytewise, true) {
            fail(format!("fed byte by byte: {e}"));
        }
        let runs = [
            ("whole".to_string(), &whole),
            (format!("in chunks of {chunks:?}"), &chunked),
        ];
        for (how, run) in runs {
            if let Err(e) = check_run(&stream, &expect, run, false) {
                fail(format!("fed {how}: {e}"));
            }
            if run.out != bytewise.out {
                fail(format!("fed {how}, the output differs from byte by byte"));
            }
            if run.answered != bytewise.answered || run.log != bytewise.log {
                fail(format!(
                    "fed {how}, the requests or the log differ from byte by byte"
                ));
            }
        }
        short_takes += whole.short_takes;
        for f in split_frames(&bytewise.out).unwrap() {
            let d = parse_doc(std::str::from_utf8(f).unwrap()).unwrap();
            *codes
                .entry(d.codes.first().copied().unwrap_or(0))
                .or_insert(0) += 1;
        }
    }
    // Backpressure (a login with the host) made input be fed again.
    assert!(short_takes > 0);
    // The streams reach every layer: greeting (0), framing (2500), XML and
    // schema (2001), state (2002), the host (1000, 1300, 1301, 2101, 2200,
    // 2303), login failures (2501), logout (1500).
    for want in [
        0, 1000, 1300, 1301, 1500, 2001, 2002, 2101, 2200, 2303, 2500, 2501,
    ] {
        assert!(codes.contains_key(&want), "no {want} among {codes:?}");
    }
}

/// The checks above are not vacuous: a correct run passes, and each kind of
/// damage to its output is caught.
#[test]
fn the_checks_catch_broken_output() {
    let frames = [
        login_xml("registrar1", "secret-pw1", Some("T-1")),
        poll_req_xml(Some("T-2")),
        hello_xml(),
        domain_check_xml(Some("T-3")),
        logout_xml(Some("T-4")),
    ];
    let stream: Vec<u8> = frames.iter().flat_map(|x| frame(x)).collect();
    let expect = [
        Expect::Echo("T-1".into()),
        Expect::Echo("T-2".into()),
        Expect::Greeting,
        Expect::Echo("T-3".into()),
        Expect::Echo("T-4".into()),
    ];
    let good = drive(&stream, &[101], &[1]);
    check_run(&stream, &expect, &good, true).unwrap();
    let docs: Vec<String> = unframe(&good.out);
    assert_eq!(docs.len(), 6);

    let rebuilt = |docs: &[String]| -> Vec<u8> { docs.iter().flat_map(|x| frame(x)).collect() };
    let edit = |f: &dyn Fn(&mut Vec<String>)| {
        let mut d = docs.clone();
        f(&mut d);
        rebuilt(&d)
    };
    // What is damaged, the start of the error that must catch it, the output.
    let damaged: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "the last response missing",
            "stream frame 4 unanswered",
            edit(&|d| drop(d.pop())),
        ),
        (
            "a response too many",
            "7 frames written for 6 answered",
            edit(&|d| d.push(d[5].replace("-7-4<", "-7-5<"))),
        ),
        (
            "two responses swapped",
            "frame 4: svTRID libepptestserver-7-2 after sequence 3",
            edit(&|d| d.swap(2, 4)),
        ),
        (
            "a truncated frame",
            "frame 5 announces",
            good.out[..good.out.len() - 1].to_vec(),
        ),
        ("a length header off by one", "frame 1 announces", {
            let mut o = good.out.clone();
            o[3] -= 1;
            o
        }),
        (
            "a mismatched end tag",
            "frame 2: at byte",
            edit(&|d| d[2] = d[2].replace("</msg>", "</mgs>")),
        ),
        (
            "a control character",
            "frame 2: U+0001",
            edit(&|d| d[2] = d[2].replace("T-2", "T\u{1}2")),
        ),
        (
            "a reference to a control character",
            "frame 2: character reference",
            edit(&|d| d[2] = d[2].replace("T-2", "T&#1;2")),
        ),
        (
            "an undeclared entity",
            "frame 2: undeclared entity",
            edit(&|d| d[2] = d[2].replace("T-2", "&T;")),
        ),
        (
            "an unbound prefix",
            "frame 2: unbound prefix",
            edit(&|d| d[2] = d[2].replace("<msgQ ", "<q:msgQ ")),
        ),
        (
            "a duplicate attribute",
            "frame 2: attribute",
            edit(&|d| d[2] = d[2].replace("<msgQ ", "<msgQ id=\"1\" ")),
        ),
        (
            "a DOCTYPE",
            "frame 1: DOCTYPE",
            edit(&|d| d[1] = d[1].replace("?><epp", "?><!DOCTYPE epp><epp")),
        ),
        (
            "a second root",
            "frame 1: a second root element",
            edit(&|d| d[1].push_str(r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"/>"#)),
        ),
        (
            "the root in no namespace",
            "frame 1: root element epp",
            edit(&|d| d[1] = d[1].replace(" xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"", "")),
        ),
        (
            "a result without code",
            "frame 4: <result> without a code",
            edit(&|d| d[4] = d[4].replace(" code=\"2101\"", "")),
        ),
        (
            "an unknown result code",
            "frame 4: result codes [2999]",
            edit(&|d| d[4] = d[4].replace("2101", "2999")),
        ),
        (
            "a code other than the host's",
            "stream frame 3: host answered",
            edit(&|d| d[4] = d[4].replace("2101", "2400")),
        ),
        (
            "a clTRID not echoed",
            "stream frame 3 (Echo(\"T-3\"))",
            edit(&|d| d[4] = d[4].replace("T-3", "T-9")),
        ),
        (
            "a repeated svTRID",
            "frame 5: svTRID libepptestserver-7-3 after sequence 3",
            edit(&|d| d[5] = d[5].replace("-7-4<", "-7-3<")),
        ),
        (
            "no svTRID",
            "frame 5: svTRIDs []",
            edit(&|d| d[5] = d[5].replace("<svTRID>", "<x>").replace("</svTRID>", "</x>")),
        ),
        (
            "a response instead of a greeting",
            "stream frame 2 (Greeting)",
            edit(&|d| {
                // Renumbered, so that the svTRIDs still increase.
                d[5] = d[5].replace("-7-4<", "-7-5<");
                d[4] = d[4].replace("-7-3<", "-7-4<");
                d[3] = d[2].replace("-7-2<", "-7-3<");
            }),
        ),
    ];
    for (what, caught_by, out) in damaged {
        let run = Run {
            out,
            ..drive(&stream, &[101], &[1])
        };
        match check_run(&stream, &expect, &run, true) {
            Ok(()) => panic!("not caught: {what}"),
            Err(e) => assert!(e.starts_with(caught_by), "{what}: caught as {e}"),
        }
    }
    // The transaction log must match what was written.
    let mut run = drive(&stream, &[101], &[1]);
    run.log.pop();
    let e = check_run(&stream, &expect, &run, true).unwrap_err();
    assert!(e.starts_with("4 log records for 6 frames"), "{e}");
    let mut run = drive(&stream, &[101], &[1]);
    run.log[1].code = Some(ResultCode::Success);
    let e = check_run(&stream, &expect, &run, true).unwrap_err();
    assert!(e.starts_with("log "), "{e}");
}
