//! The EPP server session: `server_bytes` (arbitrary bytes in arbitrary
//! chunks) and `server_frames` (valid frames mutated at the XML level).

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use arbitrary::Unstructured;
use epp::{
    AckAnswer, LoginAnswer, LoginSecurity, PollAnswer, PollMessage, RegistrarSessions, Request,
    Response, ResultCode, Server, ServerConfig, Session, SessionError, SessionState,
};

use super::{check_xml, element_text, split_frames, Rng};

const DOMAIN: &str = "urn:ietf:params:xml:ns:domain-1.0";
const CONTACT: &str = "urn:ietf:params:xml:ns:contact-1.0";
const HOST: &str = "urn:ietf:params:xml:ns:host-1.0";
const SEC_DNS: &str = "urn:ietf:params:xml:ns:secDNS-1.1";

/// The configurations a run picks from with the low 3 bits of its flags
/// byte: bit 0 login security, bit 1 unhandled namespaces, bit 2 small
/// limits (so that limits are reached by small inputs).
fn configs() -> &'static [Arc<ServerConfig>] {
    static CONFIGS: OnceLock<Vec<Arc<ServerConfig>>> = OnceLock::new();
    CONFIGS.get_or_init(|| {
        (0..8u8)
            .map(|bits| {
                let mut b = ServerConfig::builder("libepp fuzz server");
                b.object_uri(DOMAIN)
                    .object_uri(CONTACT)
                    .object_uri(HOST)
                    .extension_uri(SEC_DNS)
                    .sv_trid_epoch(7)
                    .transaction_log(true);
                if bits & 1 != 0 {
                    b.login_security(LoginSecurity::default());
                }
                if bits & 2 != 0 {
                    b.unhandled_namespaces(true);
                }
                if bits & 4 != 0 {
                    let l = b.limits_mut();
                    l.max_frame_size = 4096;
                    l.max_in_flight = 2;
                    l.max_pending_output = 8192;
                    l.max_failed_logins = 1;
                    l.max_buffered_input = 8192;
                    l.max_xml_depth = 8;
                    l.max_xml_attributes = 4;
                    l.max_xml_text = 512;
                }
                b.build().expect("fuzz server configuration")
            })
            .collect()
    })
}

/// Where every run starts.
fn epoch() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

/// One session and the host around it: a host that answers every request
/// (in an order the generator picks), takes output in pieces, and checks
/// what it is handed.
pub struct ServerRun {
    session: Session,
    now: SystemTime,
    rng: Rng,
    /// Requests handed out and not answered yet.
    pending: Vec<Request>,
    /// Every byte taken from the output.
    out: Vec<u8>,
    session_ends: usize,
    /// The host called `close`: output not taken was dropped.
    host_closed: bool,
    /// `handle_eof` was called.
    eof: bool,
}

impl ServerRun {
    /// A session of a fresh server on configuration `flags & 7`; bit 3 of
    /// `flags` adds a registrar session counter allowing one session.
    pub fn new(flags: u8, seed: u64) -> ServerRun {
        let config = configs()[usize::from(flags & 7)].clone();
        let now = epoch();
        let server = if flags & 8 != 0 {
            Server::with_registrar_sessions(config, RegistrarSessions::new(1), now)
        } else {
            Server::new(config, now)
        };
        ServerRun {
            session: Session::new(server, now),
            now,
            rng: Rng::new(seed),
            pending: Vec::new(),
            out: Vec::new(),
            session_ends: 0,
            host_closed: false,
            eof: false,
        }
    }

    fn closed(&self) -> bool {
        matches!(
            self.session.state(),
            SessionState::Closing | SessionState::Closed
        )
    }

    /// Feeds `chunk`; returns false when the session takes no more input.
    pub fn feed(&mut self, chunk: &[u8]) -> bool {
        let wants = self.session.wants_input();
        let closed = self.closed();
        match self.session.feed_input(chunk, self.now) {
            Ok(()) => {
                assert!(!closed, "a closed session took input");
            }
            Err(SessionError::Closed(_)) => {
                assert!(
                    closed,
                    "feed refused as closed in {:?}",
                    self.session.state()
                );
                return false;
            }
            Err(SessionError::InputBufferFull { .. }) => {
                assert!(!wants, "input buffer full although wants_input was true");
            }
            Err(e) => panic!("feed_input: {e}"),
        }
        self.poll();
        true
    }

    /// Takes what the queue holds.
    pub fn poll(&mut self) {
        while let Some(r) = self.session.poll_queue() {
            match r {
                Request::SessionEnd(_) => {
                    self.session_ends += 1;
                    assert_eq!(self.session_ends, 1, "a second SessionEnd");
                }
                r => {
                    assert!(r.id().is_some());
                    self.pending.push(r);
                }
            }
        }
        while self.session.poll_transaction().is_some() {}
    }

    /// Answers one pending request (the generator picks which and how).
    pub fn answer_one(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let i = self.rng.below(self.pending.len());
        let r = self.pending.remove(i);
        let choice = self.rng.next();
        self.answer(r, choice);
        self.poll();
    }

    /// Answers every pending request.
    pub fn answer_all(&mut self) {
        while !self.pending.is_empty() {
            self.answer_one();
        }
    }

    fn answer(&mut self, r: Request, choice: u64) {
        let s = &mut self.session;
        let now = self.now;
        let id = r.id().expect("only requests with ids are pending");
        let c = choice as usize;
        let result = if c % 11 == 10 {
            s.answer_failure(id, (c & 16 != 0).then_some("host failed <&>"))
        } else {
            match r {
                Request::Login(_) => {
                    let answer = match (c >> 4) % 8 {
                        0..=3 => LoginAnswer::Accepted,
                        4 => LoginAnswer::BadCredentials,
                        5 => LoginAnswer::AccountDisabled,
                        6 => LoginAnswer::SessionLimitExceeded,
                        _ => LoginAnswer::Failed,
                    };
                    s.answer_login(id, answer).map(|_| ())
                }
                Request::Poll(_) => {
                    let answer = match (c >> 4) % 4 {
                        0 => PollAnswer::Empty,
                        k => {
                            let mut m = PollMessage::new(
                                (c >> 8) as u64 % 1000,
                                1 + (c >> 20) as u64 % 5,
                                now,
                                "queued <message> & text",
                            );
                            match k {
                                1 => m.res_data = Some(format!(r#"<domain:trnData xmlns:domain="{DOMAIN}"><domain:name>a.example</domain:name></domain:trnData>"#)),
                                2 => m.extension = Some(r#"<x:ext xmlns:x="urn:example:unlisted">v</x:ext>"#.into()),
                                _ => m.msg_xml = Some(r#"<fred:lowCreditData xmlns:fred="http://www.nic.cz/xml/epp/fred-1.5"><fred:zone>cz</fred:zone></fred:lowCreditData>"#.into()),
                            }
                            PollAnswer::Message(m)
                        }
                    };
                    s.answer_poll(id, answer)
                }
                Request::PollAck(_) => {
                    let answer = if c & 16 != 0 {
                        AckAnswer::UnknownMessage
                    } else {
                        AckAnswer::Acked {
                            remaining: (c >> 5) as u64 % 3,
                        }
                    };
                    s.answer_ack(id, answer)
                }
                Request::Command(_) | Request::Extension(_) => {
                    let codes = ResultCode::ALL;
                    let code = if (c >> 4) % 4 == 0 {
                        codes[(c >> 6) % codes.len()]
                    } else {
                        ResultCode::Success
                    };
                    let mut response = Response::new(code);
                    if code.is_success() && c & 0x1_0000 != 0 {
                        response = response.with_res_data(format!(
                            r#"<domain:infData xmlns:domain="{DOMAIN}"><domain:name>a&amp;b.example</domain:name></domain:infData>"#
                        ));
                    }
                    if c & 0x2_0000 != 0 {
                        response = response.with_message("a message <with> & markup");
                    }
                    s.answer_command(id, response)
                }
                Request::SessionEnd(_) => unreachable!(),
                _ => unreachable!("a request kind the harness does not know"),
            }
        };
        match result {
            Ok(()) => {}
            // A response this request cannot take (a code out of place):
            // the host's mistake, the request is still outstanding.
            Err(SessionError::InvalidAnswer(_)) => {
                let again = s.answer_failure(id, None);
                assert!(
                    matches!(
                        again,
                        Ok(()) | Err(SessionError::Closed(_) | SessionError::AlreadyAnswered(_))
                    ),
                    "answer_failure after an invalid answer: {again:?}"
                );
            }
            // Requests behind a closing response are dropped; a host
            // close ends the session.
            Err(SessionError::Closed(_) | SessionError::AlreadyAnswered(_)) => {
                assert!(
                    self.host_closed
                        || self.eof
                        || matches!(s.state(), SessionState::Closing | SessionState::Closed),
                    "answer refused in {:?}: {result:?}",
                    s.state()
                );
            }
            Err(e) => panic!("answer refused: {e}"),
        }
    }

    /// Takes some of the output.
    pub fn take_some(&mut self) {
        let out = self.session.output();
        if out.is_empty() {
            return;
        }
        let n = self.rng.chunk(out.len());
        self.out.extend_from_slice(&out[..n]);
        self.session.consume_output(n);
    }

    /// Takes all the output.
    pub fn take_all(&mut self) {
        if let Some(o) = self.session.take_output() {
            self.out.extend_from_slice(&o);
        }
    }

    /// Lets time pass, and handles a timeout that came.
    pub fn advance(&mut self) {
        let step = match self.rng.below(4) {
            0 => Duration::from_millis(self.rng.below(1000) as u64),
            1 => Duration::from_secs(61),
            2 => Duration::from_secs(601),
            _ => Duration::from_secs(self.rng.below(100) as u64),
        };
        self.now += step;
        let due = self.session.next_timeout().is_some_and(|t| t <= self.now);
        let closed = self.session.handle_timeout(self.now);
        assert!(due || !closed, "handle_timeout closed before the deadline");
        self.poll();
    }

    /// One step of the host picked by the generator: feed (while wanted),
    /// answer, take output, let time pass. Returns how many bytes of
    /// `rest` were fed (0 when the step did something else), or `None`
    /// once the session takes no more input.
    pub fn step(&mut self, rest: &[u8], timeouts: bool) -> Option<usize> {
        match self.rng.below(10) {
            0..=4 if self.session.wants_input() || self.rng.one_in(16) => {
                let n = self.rng.chunk(rest.len());
                if self.feed(&rest[..n]) {
                    Some(n)
                } else {
                    None
                }
            }
            0..=6 => {
                self.answer_one();
                Some(0)
            }
            7 | 8 => {
                self.take_some();
                Some(0)
            }
            _ => {
                if timeouts {
                    self.advance();
                }
                Some(0)
            }
        }
    }

    /// Feeds all of `wire` with the generator's steps; returns false if
    /// the session stopped taking input before the end.
    pub fn run(&mut self, wire: &[u8], timeouts: bool) -> bool {
        let mut pos = 0;
        let mut budget = 64 + 8 * wire.len();
        while pos < wire.len() && budget > 0 {
            budget -= 1;
            match self.step(&wire[pos..], timeouts) {
                Some(n) => pos += n,
                None => return false,
            }
            if self.closed() && self.rng.one_in(4) {
                return false;
            }
        }
        // Feed what is left whatever the session says (it must cope).
        if pos < wire.len() && !self.closed() {
            self.drain();
            return self.feed(&wire[pos..]);
        }
        true
    }

    /// Answers and takes output until nothing moves.
    pub fn drain(&mut self) {
        for _ in 0..100_000 {
            self.poll();
            if self.pending.is_empty() && self.session.output().is_empty() {
                return;
            }
            self.answer_all();
            self.take_all();
        }
        panic!("the session never settles");
    }

    /// Ends the connection (the peer's EOF, or the host's close) and
    /// checks the session finishes; returns the bodies of the output
    /// frames.
    pub fn finish(&mut self, host_close: bool) -> Vec<&[u8]> {
        self.drain();
        if host_close {
            self.session.close();
            self.host_closed = true;
        } else {
            self.session.handle_eof(self.now);
            self.eof = true;
        }
        self.drain();
        assert!(
            self.session.is_finished(),
            "not finished after EOF and everything answered: {:?}, {:?}",
            self.session.state(),
            self.session.close_reason()
        );
        assert_eq!(self.session.outstanding(), 0);
        assert!(
            self.session.close_reason().is_some(),
            "a finished session has a close reason"
        );
        let bodies = split_frames(&self.out, self.host_closed);
        for b in &bodies {
            check_xml(b, "epp");
        }
        bodies
    }
}

/// `server_bytes`: byte 0 is flags (configuration, registrar counter,
/// bit 4: the host closes instead of the peer's EOF), bytes 1-2 seed the
/// host's choices, the rest is what the peer sends.
pub fn server_bytes(data: &[u8]) {
    if data.len() < 3 {
        return;
    }
    let flags = data[0];
    let seed = u64::from(u16::from_be_bytes([data[1], data[2]])) | (data.len() as u64) << 16;
    let wire = &data[3..];
    let mut run = ServerRun::new(flags, seed);
    run.run(wire, true);
    run.finish(flags & 16 != 0);
}

// ---------------------------------------------------------------------------
// server_frames
// ---------------------------------------------------------------------------

/// Every `frame` and `split` body of the session scripts under `dir`
/// (tests/scripts), deduplicated: the frames `server_frames` mutates.
pub fn script_frames(dir: &Path) -> Vec<Vec<u8>> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "script"))
        .collect();
    names.sort();
    let mut frames: Vec<Vec<u8>> = Vec::new();
    for p in names {
        let text = std::fs::read_to_string(&p).unwrap();
        for line in text.lines() {
            let body = if let Some(x) = line.strip_prefix("frame ") {
                x
            } else if let Some(x) = line.strip_prefix("split ") {
                match x.split_once(' ') {
                    Some((_, x)) => x,
                    None => continue,
                }
            } else {
                continue;
            };
            if !body.is_empty() && !frames.iter().any(|f| f == body.as_bytes()) {
                frames.push(body.as_bytes().to_vec());
            }
        }
    }
    assert!(!frames.is_empty(), "no frames in {}", dir.display());
    frames
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Start,
    End,
    Empty,
    Text,
    Other,
}

/// A token of a frame: its raw bytes, and for tags the length of the name
/// (which starts at byte 1, or 2 for an end tag).
#[derive(Clone)]
struct Tok {
    kind: Kind,
    raw: Vec<u8>,
    name_len: usize,
}

impl Tok {
    fn text(s: &[u8]) -> Tok {
        Tok {
            kind: Kind::Text,
            raw: s.to_vec(),
            name_len: 0,
        }
    }

    fn name_at(&self) -> usize {
        if self.kind == Kind::End {
            2
        } else {
            1
        }
    }
}

fn tokenize(xml: &[u8]) -> Vec<Tok> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().check_end_names = false;
    let mut toks = Vec::new();
    let mut at = 0usize;
    loop {
        let ev = reader.read_event();
        let pos = (reader.buffer_position() as usize).min(xml.len());
        let (kind, name_len) = match ev {
            Ok(Event::Eof) => break,
            Err(_) => {
                toks.push(Tok {
                    kind: Kind::Other,
                    raw: xml[at..].to_vec(),
                    name_len: 0,
                });
                return toks;
            }
            Ok(Event::Start(e)) => (Kind::Start, e.name().as_ref().len()),
            Ok(Event::Empty(e)) => (Kind::Empty, e.name().as_ref().len()),
            Ok(Event::End(e)) => (Kind::End, e.name().as_ref().len()),
            Ok(Event::Text(_)) | Ok(Event::GeneralRef(_)) => (Kind::Text, 0),
            Ok(_) => (Kind::Other, 0),
        };
        if pos <= at {
            break;
        }
        toks.push(Tok {
            kind,
            raw: xml[at..pos].to_vec(),
            name_len,
        });
        at = pos;
    }
    if at < xml.len() {
        toks.push(Tok {
            kind: Kind::Other,
            raw: xml[at..].to_vec(),
            name_len: 0,
        });
    }
    toks
}

/// The index of the end tag that closes the start tag at `i` (the last
/// token when it is unclosed).
fn matching_end(toks: &[Tok], i: usize) -> usize {
    if toks[i].kind != Kind::Start {
        return i;
    }
    let mut depth = 0usize;
    for (j, t) in toks.iter().enumerate().skip(i) {
        match t.kind {
            Kind::Start => depth += 1,
            Kind::End => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    toks.len() - 1
}

const NAMES: &[&str] = &[
    "epp",
    "command",
    "login",
    "logout",
    "hello",
    "poll",
    "check",
    "info",
    "create",
    "clTRID",
    "extension",
    "clID",
    "pw",
    "newPW",
    "options",
    "svcs",
    "objURI",
    "extURI",
    "svcExtension",
    "domain:check",
    "domain:name",
    "x",
    "a:b",
    "a:b:c",
    "xmlns:x",
    "",
    "é",
    "-",
    "response",
    "greeting",
    "loginSec:loginSec",
    "secDNS:create",
    "transfer",
];

const ATTRS: &[&str] = &[
    r#" a="1""#,
    r#" xmlns="urn:ietf:params:xml:ns:epp-1.0""#,
    r#" xmlns="urn:example:other""#,
    r#" xmlns="""#,
    r#" xmlns:domain="urn:evil""#,
    r#" xmlns:x="""#,
    r#" a="1" a="2""#,
    r#" x:y="1""#,
    r#" xml:lang="de""#,
    r#" op="ack" msgID="&#x31;2""#,
    r#" op="req""#,
    r#" op="request""#,
    r#" a='<'"#,
    r#" a="&undefined;""#,
    r#" a="&#0;""#,
    " a",
    " =\"x\"",
    r#" xmlns:xmlns="urn:x""#,
    r#" xmlns:xml="urn:x""#,
];

const TEXTS: &[&str] = &[
    "&amp;",
    "&lt;&gt;&quot;&apos;",
    "&#0;",
    "&#x10FFFF;",
    "&#x110000;",
    "&#xD800;",
    "&foo;",
    "&",
    "&#;",
    "]]>",
    "<",
    "<![CDATA[cdata <x> & ]]>",
    "<![CDATA[",
    "<!-- comment -->",
    "<!-- -- -->",
    "<?pi data?>",
    "<?xml version=\"1.0\"?>",
    "\u{FEFF}",
    "\u{0}",
    "\r\n\t ",
    "é€𝄞",
    "<a/>",
    "</epp>",
    "<x:y xmlns:x=\"urn:x\">t</x:y>",
];

const PROLOGS: &[&str] = &[
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>",
    "<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
    "<?xml version=\"1.1\"?>",
    "<?xml version=\"2.0\"?>",
    "<?xml?>",
    "<!DOCTYPE epp>",
    "<!DOCTYPE epp [<!ENTITY a \"b\">]>",
    "<!DOCTYPE epp SYSTEM \"file:///etc/passwd\">",
    "<!DOCTYPE epp [<!ENTITY a \"&a;&a;\"><!ENTITY b \"&a;&a;&a;\">]>",
    "<!DOCTYPE epp [<!ENTITY % p SYSTEM \"http://127.0.0.1/\"> %p;]>",
    "\u{FEFF}",
    " ",
    "<!-- before -->",
];

/// Sizes around the limits for huge text and deep nesting.
const SIZES: &[usize] = &[
    0, 1, 7, 8, 9, 63, 64, 65, 511, 512, 513, 4096, 65_535, 65_536, 65_537, 262_144,
];

fn pick<'a, T>(u: &mut Unstructured<'_>, items: &'a [T]) -> arbitrary::Result<&'a T> {
    u.choose(items)
}

/// Applies one mutation to `toks`.
fn mutate(u: &mut Unstructured<'_>, toks: &mut Vec<Tok>) -> arbitrary::Result<()> {
    let tags: Vec<usize> = (0..toks.len())
        .filter(|&i| matches!(toks[i].kind, Kind::Start | Kind::Empty))
        .collect();
    let len = toks.len();
    match u.int_in_range(0..=12u8)? {
        // Rename an element (its end tag too, or not).
        0 if !tags.is_empty() => {
            let i = *pick(u, &tags)?;
            let name = pick(u, NAMES)?.as_bytes();
            let both = u.ratio(3, 4)?;
            let end = matching_end(toks, i);
            for j in [i, end] {
                let t = &mut toks[j];
                if matches!(t.kind, Kind::Start | Kind::Empty | Kind::End) && (j == i || both) {
                    let at = t.name_at();
                    t.raw.splice(at..at + t.name_len, name.iter().copied());
                    t.name_len = name.len();
                }
            }
        }
        // Drop an element (or any token).
        1 if len > 0 => {
            let i = u.choose_index(len)?;
            let end = if toks[i].kind == Kind::Start {
                matching_end(toks, i)
            } else {
                i
            };
            toks.drain(i..=end);
        }
        // Duplicate an element, up to many times.
        2 if !tags.is_empty() => {
            let i = *pick(u, &tags)?;
            let end = if toks[i].kind == Kind::Start {
                matching_end(toks, i)
            } else {
                i
            };
            let copies = if u.ratio(1, 8)? {
                *pick(u, SIZES)?.min(&512)
            } else {
                1
            };
            let piece: Vec<Tok> = toks[i..=end].to_vec();
            // At most about 1 MB of copies: the frame limit is 256 KiB.
            let size: usize = piece.iter().map(|t| t.raw.len()).sum();
            let copies = copies.min(1 + (1 << 20) / size.max(1));
            let mut all = Vec::with_capacity(piece.len() * copies);
            for _ in 0..copies {
                all.extend(piece.iter().cloned());
            }
            toks.splice(end + 1..end + 1, all);
        }
        // Inject an attribute.
        3 if !tags.is_empty() => {
            let i = *pick(u, &tags)?;
            let attr = pick(u, ATTRS)?.as_bytes();
            let t = &mut toks[i];
            let at = t.name_at() + t.name_len;
            t.raw.splice(at..at, attr.iter().copied());
        }
        // Change a namespace: a URI, or a prefix.
        4 if len > 0 => {
            let i = u.choose_index(len)?;
            let t = &mut toks[i];
            let needle = b"urn:ietf:params:xml:ns:";
            if let Some(p) = t.raw.windows(needle.len()).position(|w| w == needle) {
                let repl: &[u8] = pick(
                    u,
                    &[
                        &b"urn:ietf:params:xml:ns:x"[..],
                        b"",
                        b"URN:IETF:PARAMS:XML:NS:",
                        b"urn:ietf:params:xml:ns:epp-1.0#",
                    ],
                )?;
                t.raw.splice(p..p + needle.len(), repl.iter().copied());
            } else if matches!(t.kind, Kind::Start | Kind::Empty | Kind::End) {
                let at = t.name_at();
                let prefix: &[u8] =
                    pick(u, &[&b"undeclared:"[..], b"xml:", b"xmlns:", b"epp:", b":"])?;
                t.raw.splice(at..at, prefix.iter().copied());
                t.name_len += prefix.len();
            }
        }
        // Insert text: entities, CDATA, comments, stray markup.
        5 => {
            let i = u.int_in_range(0..=len)?;
            let s = pick(u, TEXTS)?.as_bytes();
            toks.insert(i, Tok::text(s));
        }
        // A prologue: declaration, DOCTYPE, BOM.
        6 => {
            let s = pick(u, PROLOGS)?.as_bytes();
            let at = if u.ratio(7, 8)? {
                0
            } else {
                u.int_in_range(0..=len)?
            };
            toks.insert(at, Tok::text(s));
        }
        // Huge text, or a huge attribute value.
        7 => {
            let n = *pick(u, SIZES)?;
            let unit: &[u8] = pick(u, &[&b"a"[..], b"&amp;", b" ", "é".as_bytes(), b"&#x41;"])?;
            let mut s = Vec::with_capacity(n * unit.len());
            for _ in 0..n {
                s.extend_from_slice(unit);
            }
            if u.ratio(1, 3)? && !tags.is_empty() {
                let i = *pick(u, &tags)?;
                let t = &mut toks[i];
                let at = t.name_at() + t.name_len;
                let mut attr = b" huge=\"".to_vec();
                attr.extend_from_slice(&s);
                attr.push(b'"');
                t.raw.splice(at..at, attr);
            } else {
                let i = u.int_in_range(0..=len)?;
                toks.insert(i, Tok::text(&s));
            }
        }
        // Deep nesting.
        8 => {
            let n = (*pick(u, SIZES)?).min(4096);
            let i = u.int_in_range(0..=len)?;
            let mut s = Vec::new();
            for _ in 0..n {
                s.extend_from_slice(b"<d>");
            }
            if u.ratio(3, 4)? {
                for _ in 0..n {
                    s.extend_from_slice(b"</d>");
                }
            }
            toks.insert(i, Tok::text(&s));
        }
        // Replace a text with arbitrary bytes (invalid UTF-8 included).
        9 if len > 0 => {
            let i = u.choose_index(len)?;
            let n = u.int_in_range(0..=16)?;
            let b = u.bytes(n)?.to_vec();
            if toks[i].kind == Kind::Text {
                toks[i].raw = b;
            } else {
                toks.insert(i, Tok::text(&b));
            }
        }
        // Change one byte anywhere.
        10 if len > 0 => {
            let i = u.choose_index(len)?;
            let t = &mut toks[i];
            if !t.raw.is_empty() {
                let j = u.choose_index(t.raw.len())?;
                t.raw[j] = u.arbitrary()?;
            }
        }
        // Swap two tokens.
        11 if len > 1 => {
            let i = u.choose_index(len)?;
            let j = u.choose_index(len)?;
            toks.swap(i, j);
        }
        // Cut the frame short.
        12 if len > 0 => {
            let i = u.choose_index(len)?;
            toks.truncate(i);
        }
        _ => {}
    }
    Ok(())
}

/// Sets the frame's clTRID to `FZ-i-` (adding one before `</command>`
/// when it has none), so responses can be matched to frames.
fn with_cl_trid(frame: &[u8], i: usize) -> Vec<u8> {
    let text = String::from_utf8_lossy(frame);
    let tag = format!("<clTRID>FZ-{i}-</clTRID>");
    if let (Some(a), Some(b)) = (text.find("<clTRID>"), text.find("</clTRID>")) {
        if a < b {
            return format!("{}{tag}{}", &text[..a], &text[b + "</clTRID>".len()..]).into_bytes();
        }
    }
    if let Some(c) = text.find("</command>") {
        return format!("{}{tag}{}", &text[..c], &text[c..]).into_bytes();
    }
    frame.to_vec()
}

/// `server_frames`: frames from the session scripts, mutated at the XML
/// level, framed (with a wrong length now and then), fed split at
/// arbitrary points. Besides what `server_bytes` checks: one response per
/// frame, in order (matched by clTRID), when the frames were framed right
/// and the session stayed open.
pub fn server_frames(data: &[u8], base: &[Vec<u8>]) {
    let _ = try_server_frames(data, base);
}

fn try_server_frames(data: &[u8], base: &[Vec<u8>]) -> arbitrary::Result<()> {
    let mut u = Unstructured::new(data);
    let flags: u8 = u.arbitrary()?;
    let seed: u64 = u.arbitrary()?;
    let logins: Vec<&Vec<u8>> = base
        .iter()
        .filter(|f| f.windows(7).any(|w| w == b"<login>"))
        .collect();
    let n = u.int_in_range(1..=6usize)?;
    let mut wire = Vec::new();
    let mut bodies_sent: Vec<Vec<u8>> = Vec::new();
    let mut exact = true;
    for i in 0..n {
        let frame = if i == 0 && !logins.is_empty() && u.ratio(3, 4)? {
            *pick(&mut u, &logins)?
        } else {
            pick(&mut u, base)?
        };
        let frame = with_cl_trid(frame, i);
        let mut toks = tokenize(&frame);
        for _ in 0..u.int_in_range(0..=3u8)? {
            mutate(&mut u, &mut toks)?;
        }
        let body: Vec<u8> = toks.into_iter().flat_map(|t| t.raw).collect();
        let mut len = body.len() as u64 + 4;
        if u.ratio(1, 32)? {
            exact = false;
            len = match u.int_in_range(0..=4u8)? {
                0 => 0,
                1 => 4,
                2 => len - 1,
                3 => len + 1,
                _ => u64::from(u32::MAX),
            };
        }
        wire.extend_from_slice(&(len as u32).to_be_bytes());
        wire.extend_from_slice(&body);
        bodies_sent.push(body);
    }
    let mut run = ServerRun::new(flags & 15, seed);
    // Split points: the input's, then the rest at once.
    let mut pos = 0;
    while pos < wire.len() && !u.is_empty() {
        if u.ratio(1, 4)? {
            run.answer_one();
        }
        if u.ratio(1, 4)? {
            run.take_some();
        }
        if !run.session.wants_input() {
            run.drain();
        }
        let n = u.int_in_range(1..=wire.len() - pos)?;
        if !run.feed(&wire[pos..pos + n]) {
            pos = wire.len() + 1;
            break;
        }
        pos += n;
    }
    if pos < wire.len() {
        run.drain();
        run.feed(&wire[pos..]);
    }
    run.drain();
    let open = !run.closed() && run.session.buffered_input() == 0;
    let bodies = run.finish(false);
    assert!(!bodies.is_empty(), "no greeting");
    let responses = &bodies[1..];
    if exact {
        assert!(
            responses.len() <= n,
            "{} responses to {n} frames",
            responses.len()
        );
        for (j, r) in responses.iter().enumerate() {
            if let Some(t) = element_text(r, "clTRID") {
                // A clTRID of another frame (a mutation may have changed
                // this frame's own).
                let theirs = t.strip_prefix("FZ-").and_then(|t| t.strip_suffix('-'));
                if let Some(k) = theirs.and_then(|k| k.parse::<usize>().ok()) {
                    let own = bodies_sent[j].windows(t.len()).any(|w| w == t.as_bytes());
                    assert!(k == j || own, "response {j} answers frame {k}");
                }
            }
        }
        if open {
            assert_eq!(responses.len(), n, "a frame without a response");
        }
    }
    Ok(())
}
