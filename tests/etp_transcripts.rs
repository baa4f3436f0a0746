//! Golden ETP transcripts: every `tests/etp_scripts/NAME.script` is run
//! through the Rust API and its transcript compared byte for byte with
//! `tests/etp_scripts/NAME.transcript`. `ETP_BLESS=1 cargo test --test
//! etp_transcripts` writes the transcripts instead. Each script is run
//! twice, taking output with `poll_output` and with `peek_output` +
//! `consume_output`; both must give the transcript.
//!
//! The formats are described in `tests/etp_scripts/README.md`; the C and
//! Python bindings will run the same scripts and must produce the same
//! transcripts.

#[path = "common/golden.rs"]
mod golden;

use golden::{escape_field, word};

use epp::etp::{
    decode, split_message, CloseReason, CloseSession, Config, DataValue, ErrorCode, Limits,
    OpenSession, ProtocolException, Request, RequestId, Session, SessionError, SessionState,
    SupportedProtocol, Uuid, Version,
};

// ---------------------------------------------------------------------------
// Scripts
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct ConfigSpec {
    application_name: String,
    application_version: String,
    /// `None`: libepp's defaults.
    protocols: Option<Vec<SupportedProtocol<'static>>>,
    supported_objects: Vec<String>,
    session_id: [u8; 16],
    limits: Limits,
}

impl Default for ConfigSpec {
    fn default() -> ConfigSpec {
        ConfigSpec {
            application_name: "libepp test server".into(),
            application_version: "1.0".into(),
            protocols: None,
            supported_objects: Vec::new(),
            session_id: [
                0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
                0xee, 0xff,
            ],
            limits: Limits::default(),
        }
    }
}

#[derive(Debug, Clone)]
enum Answer {
    Respond {
        message_type: i32,
        flags: i32,
        body: Vec<u8>,
    },
    Raise {
        code: i32,
        message: String,
    },
    Finish,
}

#[derive(Debug, Clone)]
enum Step {
    Start,
    Message(Vec<u8>),
    Eof,
    Close,
    CloseSession(Option<String>),
    Answer { n: usize, answer: Answer },
}

#[derive(Debug)]
struct Script {
    config: ConfigSpec,
    /// (line number, the line as written, the step).
    steps: Vec<(usize, String, Step)>,
}

fn parse_i64(s: &str, what: &str) -> Result<i64, String> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what}: {s:?} is not a decimal number"));
    }
    s.parse().map_err(|e| format!("{what}: {s:?}: {e}"))
}

fn parse_i32(s: &str, what: &str) -> Result<i32, String> {
    i32::try_from(parse_i64(s, what)?).map_err(|e| format!("{what}: {e}"))
}

fn parse_usize(s: &str, what: &str) -> Result<usize, String> {
    let n = parse_i64(s, what)?;
    usize::try_from(n).map_err(|e| format!("{what}: {e}"))
}

/// Hex digits in either case, spaces anywhere; `-` or nothing is empty.
fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    if s == "-" {
        return Ok(Vec::new());
    }
    let digits: Vec<u8> = s.bytes().filter(|&b| b != b' ').collect();
    if digits.len() % 2 != 0 {
        return Err(format!("{s:?} is not an even number of hex digits"));
    }
    digits
        .chunks(2)
        .map(|p| {
            let h = std::str::from_utf8(p).map_err(|e| e.to_string())?;
            u8::from_str_radix(h, 16).map_err(|_| format!("{h:?} is not a hex byte"))
        })
        .collect()
}

fn parse_version(s: &str) -> Result<Version, String> {
    let p: Vec<&str> = s.split('.').collect();
    if p.len() != 4 {
        return Err(format!("version {s:?} is not major.minor.revision.patch"));
    }
    Ok(Version::new(
        parse_i32(p[0], "major")?,
        parse_i32(p[1], "minor")?,
        parse_i32(p[2], "revision")?,
        parse_i32(p[3], "patch")?,
    ))
}

fn parse_config(c: &mut ConfigSpec, rest: &str) -> Result<(), String> {
    let (key, value) = word(rest);
    match key {
        "application_name" => c.application_name = value.into(),
        "application_version" => c.application_version = value.into(),
        "protocol" => {
            let p: Vec<&str> = value.splitn(3, ' ').collect();
            if p.len() != 3 {
                return Err("protocol <id> <version> <role>".into());
            }
            c.protocols
                .get_or_insert_with(Vec::new)
                .push(SupportedProtocol::new(
                    parse_i32(p[0], "protocol")?,
                    parse_version(p[1])?,
                    p[2],
                ));
        }
        "capability" => {
            let Some(last) = c.protocols.as_mut().and_then(|p| p.last_mut()) else {
                return Err("capability before any protocol line".into());
            };
            let (name, rest) = word(value);
            let (kind, v) = word(rest);
            let value = match kind {
                "null" if v.is_empty() => DataValue::Null,
                "int" => DataValue::Int(parse_i32(v, "int")?),
                "long" => DataValue::Long(parse_i64(v, "long")?),
                "string" => DataValue::String(v.to_string().into()),
                "boolean" => DataValue::Boolean(match v {
                    "true" => true,
                    "false" => false,
                    _ => return Err(format!("boolean {v:?}")),
                }),
                _ => return Err(format!("capability kind {kind:?}")),
            };
            last.protocol_capabilities
                .push((name.to_string().into(), value));
        }
        "supported_object" => c.supported_objects.push(value.into()),
        "session_id" => {
            let b = parse_hex(value)?;
            c.session_id = b
                .try_into()
                .map_err(|_| "session_id takes 16 bytes".to_string())?;
        }
        "max_in_flight" => c.limits.max_in_flight = parse_usize(value, key)?,
        "max_pending_output" => c.limits.max_pending_output = parse_usize(value, key)?,
        "max_buffered_input" => c.limits.max_buffered_input = parse_usize(value, key)?,
        _ => return Err(format!("unknown config key {key:?}")),
    }
    Ok(())
}

fn parse_answer(rest: &str) -> Result<(usize, Answer), String> {
    let (n, rest) = word(rest);
    let n = parse_usize(n, "answer number")?;
    if n == 0 {
        return Err("answer numbers start at 1".into());
    }
    let (kind, rest) = word(rest);
    let answer = match kind {
        "respond" => {
            let (t, rest) = word(rest);
            let (f, body) = word(rest);
            Answer::Respond {
                message_type: parse_i32(t, "message type")?,
                flags: parse_i32(f, "flags")?,
                body: parse_hex(body)?,
            }
        }
        "raise" => {
            let (code, message) = word(rest);
            Answer::Raise {
                code: parse_i32(code, "code")?,
                message: message.into(),
            }
        }
        "finish" if rest.is_empty() => Answer::Finish,
        _ => return Err(format!("unknown answer {kind:?}")),
    };
    Ok((n, answer))
}

fn parse_script(text: &str) -> Result<Script, String> {
    let mut config = ConfigSpec::default();
    let mut steps = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let ln = i + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (kw, rest) = word(line);
        let err = |e: String| format!("line {ln}: {e}");
        let step = match kw {
            "config" => {
                if !steps.is_empty() {
                    return Err(err("config after start".into()));
                }
                parse_config(&mut config, rest).map_err(err)?;
                continue;
            }
            "start" if rest.is_empty() => Step::Start,
            "message" => Step::Message(parse_hex(rest).map_err(err)?),
            "eof" if rest.is_empty() => Step::Eof,
            "close" if rest.is_empty() => Step::Close,
            "close_session" => Step::CloseSession((!rest.is_empty()).then(|| rest.to_string())),
            "answer" => {
                let (n, answer) = parse_answer(rest).map_err(err)?;
                Step::Answer { n, answer }
            }
            _ => return Err(err(format!("unknown line {line:?}"))),
        };
        if steps.is_empty() != matches!(step, Step::Start) {
            return Err(err("start must be the first step, and only once".into()));
        }
        steps.push((ln, line.to_string(), step));
    }
    if steps.is_empty() {
        return Err("no start".into());
    }
    Ok(Script { config, steps })
}

// ---------------------------------------------------------------------------
// The runner
// ---------------------------------------------------------------------------

fn hex(b: &[u8]) -> String {
    if b.is_empty() {
        return "-".into();
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A readable view of a message the session sent (for `ETP_SHOW=1`), and
/// the check that it decodes: a header, and a Core body when the protocol
/// is 0 (the engine's own messages, or a host's ProtocolException).
fn describe(m: &[u8]) -> Result<String, String> {
    let (h, body) = split_message(m).map_err(|e| e.to_string())?;
    let head = format!(
        "[{} {} corr={} id={} flags={}]",
        h.protocol, h.message_type, h.correlation_id, h.message_id, h.message_flags
    );
    let body = match (h.protocol, h.message_type) {
        (_, 1000) => {
            let e: ProtocolException<'_> = decode(body).map_err(|e| e.to_string())?;
            format!("ProtocolException {} {:?}", e.error_code.0, e.error_message)
        }
        (0, 2) => {
            let o: OpenSession<'_> = decode(body).map_err(|e| e.to_string())?;
            format!("{o:?}")
        }
        (0, 5) => {
            let c: CloseSession<'_> = decode(body).map_err(|e| e.to_string())?;
            format!("CloseSession {:?}", c.reason)
        }
        (0, t) => return Err(format!("the engine sent Core message type {t}")),
        _ => format!("body {}", hex(body)),
    };
    Ok(format!("{head} {body}"))
}

fn state_name(s: SessionState) -> &'static str {
    match s {
        SessionState::AwaitingRequest => "awaiting-request",
        SessionState::Open => "open",
        SessionState::Closing => "closing",
        SessionState::Closed => "closed",
    }
}

fn reason_name(r: CloseReason) -> &'static str {
    match r {
        CloseReason::ClientClosed => "client-closed",
        CloseReason::NoSupportedProtocols => "no-supported-protocols",
        CloseReason::HostClosedSession => "host-closed-session",
        CloseReason::PeerClosed => "peer-closed",
        CloseReason::Host => "host",
        _ => "other",
    }
}

fn error_name(e: &SessionError) -> &'static str {
    match e {
        SessionError::Closed(_) => "closed",
        SessionError::UnknownRequest(_) => "unknown-request",
        SessionError::AlreadyAnswered(_) => "already-answered",
        SessionError::InputAfterEof => "input-after-eof",
        SessionError::InputBufferFull { .. } => "input-buffer-full",
        _ => "other",
    }
}

/// How output is taken.
#[derive(Clone, Copy)]
enum Take {
    Poll,
    PeekConsume,
}

struct Runner {
    session: Option<Session>,
    /// The ids of the requests handed out that take an answer, in order.
    ids: Vec<RequestId>,
    take: Take,
    /// Print a readable view of each message (`ETP_SHOW=1`).
    show: bool,
    out: String,
}

impl Runner {
    fn session(&mut self) -> &mut Session {
        self.session.as_mut().expect("started")
    }

    fn collect(&mut self) {
        let mut sent = Vec::new();
        loop {
            let m = match self.take {
                Take::Poll => self.session().poll_output(),
                Take::PeekConsume => {
                    let s = self.session();
                    let m = s.peek_output().map(<[u8]>::to_vec);
                    if m.is_some() {
                        assert!(s.consume_output());
                    }
                    m
                }
            };
            match m {
                Some(m) => sent.push(m),
                None => break,
            }
        }
        for m in sent {
            let view = describe(&m).unwrap_or_else(|e| panic!("{e}: {}", hex(&m)));
            if self.show {
                eprintln!("    {view}");
            }
            self.out.push_str(&format!("< {}\n", hex(&m)));
        }
        while let Some(r) = self.session().poll_queue() {
            let line = match r {
                Request::Opened(o) => {
                    let mut l = format!(
                        "! opened id={} app={} version={}",
                        o.header.message_id,
                        escape_field(&o.application_name),
                        escape_field(&o.application_version)
                    );
                    for p in &o.protocols {
                        l.push_str(&format!(
                            " protocol={}:{}:{}",
                            p.protocol,
                            p.protocol_version,
                            escape_field(&p.role)
                        ));
                    }
                    for obj in &o.supported_objects {
                        l.push_str(&format!(" object={}", escape_field(obj)));
                    }
                    l
                }
                Request::Message(m) => {
                    self.ids.push(m.id);
                    let h = m.header;
                    format!(
                        "? {} message protocol={} type={} correlation={} id={} flags={} body={}",
                        self.ids.len(),
                        h.protocol,
                        h.message_type,
                        h.correlation_id,
                        h.message_id,
                        h.message_flags,
                        hex(&m.body)
                    )
                }
                Request::RenewToken(t) => {
                    self.ids.push(t.id);
                    format!(
                        "? {} renew-token id={} token={}",
                        self.ids.len(),
                        t.header.message_id,
                        escape_field(&t.token)
                    )
                }
                Request::PeerException(e) => format!(
                    "! exception id={} correlation={} code={} message={}",
                    e.header.message_id,
                    e.header.correlation_id,
                    e.error_code.0,
                    escape_field(&e.error_message)
                ),
                Request::Acknowledged(h) => {
                    format!("! ack id={} correlation={}", h.message_id, h.correlation_id)
                }
                Request::SessionEnd(e) => match e.message {
                    Some(m) => format!(
                        "! end {} message={}",
                        reason_name(e.reason),
                        escape_field(&m)
                    ),
                    None => format!("! end {}", reason_name(e.reason)),
                },
                other => format!("! other {other:?}"),
            };
            self.out.push_str(&line);
            self.out.push('\n');
        }
    }
}

fn run(script: &Script, take: Take) -> Result<String, String> {
    let c = &script.config;
    let mut b = Config::builder();
    b.application_name(c.application_name.clone())
        .application_version(c.application_version.clone())
        .limits(c.limits);
    if let Some(p) = &c.protocols {
        b.protocols(p.iter().cloned());
    }
    for o in &c.supported_objects {
        b.supported_object(o.clone());
    }
    let config = b
        .build()
        .map_err(|e| format!("configuration refused: {e}"))?;
    let show = std::env::var_os("ETP_SHOW").is_some() && matches!(take, Take::Poll);
    let mut r = Runner {
        session: None,
        ids: Vec::new(),
        take,
        show,
        out: String::new(),
    };
    for (ln, line, step) in &script.steps {
        if show {
            eprintln!("> {line}");
        }
        r.out.push_str(&format!("> {line}\n"));
        let result = match step {
            Step::Start => {
                r.session = Some(Session::new(config.clone(), Uuid::from_bytes(c.session_id)));
                Ok(())
            }
            Step::Message(m) => r.session().feed_message(m),
            Step::Eof => {
                r.session().handle_eof();
                Ok(())
            }
            Step::Close => {
                r.session().close();
                Ok(())
            }
            Step::CloseSession(reason) => r.session().close_session(reason.as_deref()),
            Step::Answer { n, answer } => {
                let Some(&id) = r.ids.get(n - 1) else {
                    return Err(format!("line {ln}: request {n} was not handed out"));
                };
                let s = r.session();
                match answer {
                    Answer::Respond {
                        message_type,
                        flags,
                        body,
                    } => s.respond(id, *message_type, *flags, body),
                    Answer::Raise { code, message } => s.raise(id, ErrorCode(*code), message),
                    Answer::Finish => s.finish(id),
                }
            }
        };
        if let Err(e) = result {
            r.out.push_str(&format!("! error {}\n", error_name(&e)));
        }
        r.collect();
        let state = r.session().state();
        r.out.push_str(&format!("= {}\n", state_name(state)));
    }
    Ok(r.out)
}

#[test]
fn etp_transcripts_match() {
    golden::Suite {
        dir: "etp_scripts",
        bless_var: "ETP_BLESS",
        min_scripts: 10,
        parse: &parse_script,
        reference: &|s| run(s, Take::Poll),
        other: ("taken with peek/consume", &|s| run(s, Take::PeekConsume)),
    }
    .check();
}

#[test]
fn malformed_scripts_are_refused() {
    for bad in [
        "message 00",
        "start\nstart",
        "start\nconfig application_name x",
        "start\nmessage 0",
        "start\nanswer 0 finish",
        "start\nanswer 1 reply",
        "config protocol 3 1.1 store\nstart",
        "config capability a int 1\nstart",
        "config nonsense 1\nstart",
        "start\nbogus",
    ] {
        assert!(parse_script(bad).is_err(), "{bad:?}");
    }
}
