//! Golden transcripts: every `tests/scripts/NAME.script` is run through the
//! Rust API and its transcript compared byte for byte with
//! `tests/scripts/NAME.transcript`. `EPP_BLESS=1 cargo test --test
//! transcripts` writes the transcripts instead. Each script is also run with
//! its input fed one byte per call, which must give the same transcript.
//!
//! The script and transcript formats are described in
//! `tests/scripts/README.md`; the C API, Python and Perl bindings run the
//! same scripts and must produce the same transcripts.

#[path = "common/golden.rs"]
mod golden;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use golden::{
    escape_field, frame_bytes, frame_lines, instant, opt_field, parse_hex, parse_u64, parse_usize,
    word,
};

use epp::{
    AckAnswer, CloseReason, Limits, LoginAnswer, PollAnswer, PollMessage, RegistrarSessions,
    Request, RequestId, Response, ResultCode, Server, ServerConfig, Session, SessionError,
    SessionState,
};

// ---------------------------------------------------------------------------
// Scripts
// ---------------------------------------------------------------------------

/// The `config` lines.
#[derive(Debug, Clone)]
struct ConfigSpec {
    server_id: String,
    object_uris: Vec<String>,
    extension_uris: Vec<String>,
    languages: Vec<String>,
    sv_trid_prefix: Option<String>,
    sv_trid_epoch: Option<u64>,
    limits: Limits,
    registrar_sessions: Option<usize>,
    unhandled_namespaces: bool,
}

impl Default for ConfigSpec {
    fn default() -> ConfigSpec {
        ConfigSpec {
            server_id: "libepp test server".into(),
            object_uris: Vec::new(),
            extension_uris: Vec::new(),
            languages: Vec::new(),
            sv_trid_prefix: None,
            sv_trid_epoch: None,
            limits: Limits::default(),
            registrar_sessions: None,
            unhandled_namespaces: false,
        }
    }
}

impl ConfigSpec {
    /// A fresh server (configuration and registrar counter) for one run,
    /// started at `now`.
    fn build(&self, now: SystemTime) -> Result<Arc<Server>, String> {
        let mut b = ServerConfig::builder(self.server_id.clone());
        b.limits(self.limits);
        for u in &self.object_uris {
            b.object_uri(u.clone());
        }
        for u in &self.extension_uris {
            b.extension_uri(u.clone());
        }
        for l in &self.languages {
            b.language(l.clone());
        }
        if let Some(p) = &self.sv_trid_prefix {
            b.sv_trid_prefix(p.clone());
        }
        if let Some(e) = self.sv_trid_epoch {
            b.sv_trid_epoch(e);
        }
        b.unhandled_namespaces(self.unhandled_namespaces);
        let config = b
            .build()
            .map_err(|e| format!("configuration refused: {e}"))?;
        Ok(match self.registrar_sessions {
            Some(n) => Server::with_registrar_sessions(config, RegistrarSessions::new(n), now),
            None => Server::new(config, now),
        })
    }
}

/// How the host answers a request.
#[derive(Debug, Clone)]
enum Answer {
    Login(LoginAnswer),
    Poll(PollAnswer),
    Ack(AckAnswer),
    Command(Response),
    Failure(Option<String>),
}

#[derive(Debug, Clone)]
enum Step {
    Start(u64),
    Now(u64),
    /// Bytes to feed, in calls of `chunk` bytes (all at once when `None`).
    Feed {
        bytes: Vec<u8>,
        chunk: Option<usize>,
    },
    Eof,
    Timeout,
    Close,
    Answer {
        n: usize,
        answer: Answer,
    },
}

#[derive(Debug)]
struct Script {
    config: ConfigSpec,
    /// (line number, the line as written, the step).
    steps: Vec<(usize, String, Step)>,
}

/// The text of a poll message answered with `poll resdata` or
/// `poll extension`.
const DATA_MESSAGE_TEXT: &str = "message with data";

fn parse_code(s: &str) -> Result<ResultCode, String> {
    let n = parse_u64(s, "result code")?;
    u16::try_from(n)
        .ok()
        .and_then(ResultCode::from_u16)
        .ok_or_else(|| format!("{s} is not an RFC 5730 result code"))
}

/// The optional message at the end of `command` and `failure`.
fn message(rest: &str) -> Option<String> {
    (!rest.is_empty()).then(|| rest.to_string())
}

fn parse_answer(rest: &str) -> Result<(usize, Answer), String> {
    let (n, rest) = word(rest);
    let n = parse_usize(n, "answer number")?;
    if n == 0 {
        return Err("answer numbers start at 1".into());
    }
    let (kind, rest) = word(rest);
    let answer = match kind {
        "login" => Answer::Login(match rest {
            "accept" => LoginAnswer::Accepted,
            "bad" => LoginAnswer::BadCredentials,
            "disabled" => LoginAnswer::AccountDisabled,
            "limit" => LoginAnswer::SessionLimitExceeded,
            "failed" => LoginAnswer::Failed,
            other => return Err(format!("unknown login answer {other:?}")),
        }),
        "poll" => {
            let (what, rest) = word(rest);
            match what {
                "empty" if rest.is_empty() => Answer::Poll(PollAnswer::Empty),
                "message" => {
                    let p: Vec<&str> = rest.splitn(5, ' ').collect();
                    if p.len() < 4 {
                        return Err(
                            "poll message needs <msgid> <count> <qdate_ms> <lang> <text>".into(),
                        );
                    }
                    let mut m = PollMessage::new(
                        parse_u64(p[0], "msgid")?,
                        parse_u64(p[1], "count")?,
                        instant(parse_u64(p[2], "qdate_ms")?),
                        p.get(4).copied().unwrap_or(""),
                    );
                    m.lang = (p[3] != "-").then(|| p[3].to_string());
                    Answer::Poll(PollAnswer::Message(m))
                }
                "msgxml" => {
                    let p: Vec<&str> = rest.splitn(4, ' ').collect();
                    if p.len() < 4 {
                        return Err("poll msgxml needs <msgid> <count> <qdate_ms> <xml>".into());
                    }
                    let m = PollMessage::new(
                        parse_u64(p[0], "msgid")?,
                        parse_u64(p[1], "count")?,
                        instant(parse_u64(p[2], "qdate_ms")?),
                        "",
                    )
                    .with_msg_xml(p[3]);
                    Answer::Poll(PollAnswer::Message(m))
                }
                "resdata" | "extension" => {
                    let p: Vec<&str> = rest.splitn(4, ' ').collect();
                    if p.len() < 4 {
                        return Err(format!(
                            "poll {what} needs <msgid> <count> <qdate_ms> <xml>"
                        ));
                    }
                    let mut m = PollMessage::new(
                        parse_u64(p[0], "msgid")?,
                        parse_u64(p[1], "count")?,
                        instant(parse_u64(p[2], "qdate_ms")?),
                        DATA_MESSAGE_TEXT,
                    );
                    if what == "resdata" {
                        m.res_data = Some(p[3].to_string());
                    } else {
                        m.extension = Some(p[3].to_string());
                    }
                    Answer::Poll(PollAnswer::Message(m))
                }
                _ => return Err(format!("unknown poll answer {rest:?}")),
            }
        }
        "ack" => {
            let (what, rest) = word(rest);
            match what {
                "acked" => Answer::Ack(AckAnswer::Acked {
                    remaining: parse_u64(rest, "remaining")?,
                }),
                "unknown" if rest.is_empty() => Answer::Ack(AckAnswer::UnknownMessage),
                _ => return Err(format!("unknown ack answer {what:?}")),
            }
        }
        "command" => {
            let (code, rest) = word(rest);
            let mut r = Response::new(parse_code(code)?);
            if let Some(m) = message(rest) {
                r = r.with_message(m);
            }
            Answer::Command(r)
        }
        "resdata" | "extension" => {
            let (code, xml) = word(rest);
            let r = Response::new(parse_code(code)?);
            Answer::Command(if kind == "resdata" {
                r.with_res_data(xml)
            } else {
                r.with_extension(xml)
            })
        }
        "failure" => Answer::Failure(message(rest)),
        other => return Err(format!("unknown answer kind {other:?}")),
    };
    Ok((n, answer))
}

fn set_config(c: &mut ConfigSpec, rest: &str) -> Result<(), String> {
    let (key, value) = word(rest);
    let ms = |v: &str| parse_u64(v, key).map(Duration::from_millis);
    match key {
        "server_id" => c.server_id = value.to_string(),
        "object_uri" => c.object_uris.push(value.to_string()),
        "extension_uri" => c.extension_uris.push(value.to_string()),
        "language" => c.languages.push(value.to_string()),
        "sv_trid_prefix" => c.sv_trid_prefix = Some(value.to_string()),
        "sv_trid_epoch" => c.sv_trid_epoch = Some(parse_u64(value, key)?),
        "max_frame_size" => {
            c.limits.max_frame_size =
                u32::try_from(parse_u64(value, key)?).map_err(|e| format!("{key}: {e}"))?
        }
        "max_in_flight" => c.limits.max_in_flight = parse_usize(value, key)?,
        "max_failed_logins" => {
            c.limits.max_failed_logins =
                u32::try_from(parse_u64(value, key)?).map_err(|e| format!("{key}: {e}"))?
        }
        "login_deadline_ms" => c.limits.login_deadline = ms(value)?,
        "idle_timeout_ms" => c.limits.idle_timeout = ms(value)?,
        "registrar_sessions" => c.registrar_sessions = Some(parse_usize(value, key)?),
        "unhandled_namespaces" => {
            c.unhandled_namespaces = match value {
                "on" => true,
                "off" => false,
                _ => return Err(format!("{key}: {value:?} is not on or off")),
            }
        }
        other => return Err(format!("unknown config key {other:?}")),
    }
    Ok(())
}

fn parse_script(text: &str) -> Result<Script, String> {
    let mut config = ConfigSpec::default();
    let mut steps = Vec::new();
    let mut started = false;
    for (i, line) in text.split('\n').enumerate() {
        let lineno = i + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |e: String| format!("line {lineno}: {e}: {line}");
        let (keyword, rest) = word(line);
        let step = match keyword {
            "config" if !started => {
                set_config(&mut config, rest).map_err(at)?;
                continue;
            }
            "config" => return Err(at("config after start".into())),
            "start" if !started => {
                started = true;
                Step::Start(parse_u64(rest, "start").map_err(at)?)
            }
            "start" => return Err(at("one session per script".into())),
            _ if !started => return Err(at("a step before start".into())),
            "now" => Step::Now(parse_u64(rest, "now").map_err(at)?),
            "frame" => Step::Feed {
                bytes: frame_bytes(rest),
                chunk: None,
            },
            "raw" => Step::Feed {
                bytes: parse_hex(rest).map_err(at)?,
                chunk: None,
            },
            "split" => {
                let (n, xml) = word(rest);
                let n = parse_usize(n, "split size").map_err(at)?;
                if n == 0 {
                    return Err(at("split size must be at least 1".into()));
                }
                Step::Feed {
                    bytes: frame_bytes(xml),
                    chunk: Some(n),
                }
            }
            "eof" if rest.is_empty() => Step::Eof,
            "timeout" if rest.is_empty() => Step::Timeout,
            "close" if rest.is_empty() => Step::Close,
            "answer" => {
                let (n, answer) = parse_answer(rest).map_err(at)?;
                Step::Answer { n, answer }
            }
            _ => return Err(at("unknown step".into())),
        };
        steps.push((lineno, line.to_string(), step));
    }
    if !started {
        return Err("no start step".into());
    }
    Ok(Script { config, steps })
}

// ---------------------------------------------------------------------------
// Transcript lines
// ---------------------------------------------------------------------------

fn end_line(reason: &CloseReason) -> String {
    match reason {
        CloseReason::Logout => "logout".into(),
        CloseReason::LoginDeadline => "login-deadline".into(),
        CloseReason::IdleTimeout => "idle-timeout".into(),
        CloseReason::BadFrameLength { length, limit } => {
            format!("bad-frame-length length={length} limit={limit}")
        }
        CloseReason::PeerClosed => "peer-closed".into(),
        CloseReason::PeerClosedMidFrame { received } => {
            format!("peer-closed-mid-frame received={received}")
        }
        CloseReason::TooManyFailedLogins => "too-many-failed-logins".into(),
        CloseReason::SessionLimitExceeded => "session-limit-exceeded".into(),
        CloseReason::ClosingResponse(code) => format!("closing-response code={}", code.code()),
        CloseReason::Host => "host".into(),
        other => format!("unknown {}", escape_field(&other.to_string())),
    }
}

fn error_name(e: &SessionError) -> &'static str {
    match e {
        SessionError::Closed(_) => "closed",
        SessionError::UnknownRequest(_) => "unknown-request",
        SessionError::AlreadyAnswered(_) => "already-answered",
        SessionError::WrongAnswer { .. } => "wrong-answer",
        SessionError::InvalidXml { .. } => "invalid-xml",
        SessionError::InvalidAnswer(_) => "invalid-answer",
        _ => "other",
    }
}

fn state_name(s: SessionState) -> &'static str {
    match s {
        SessionState::AwaitingLogin => "awaiting-login",
        SessionState::LoginPending => "login-pending",
        SessionState::LoggedIn => "logged-in",
        SessionState::Closing => "closing",
        SessionState::Closed => "closed",
    }
}

// ---------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Each feed step as written.
    AsWritten,
    /// Every feed step one byte per call.
    ByteByByte,
}

/// What one step produced.
#[derive(Default)]
struct Block {
    errors: Vec<String>,
    output: Vec<u8>,
    /// `?` and `! end` lines, in poll-queue order.
    queue: Vec<String>,
}

struct Runner {
    session: Session,
    now: SystemTime,
    eof_seen: bool,
    /// Requests handed out that take an answer, in order.
    ids: Vec<RequestId>,
}

impl Runner {
    /// Takes everything the session has for the host: requests, then output.
    fn collect(&mut self, b: &mut Block) {
        while let Some(r) = self.session.poll_queue() {
            let line = match &r {
                Request::SessionEnd(e) => format!("! end {}", end_line(&e.reason)),
                _ => {
                    let id = r.id().expect("a request to answer has an id");
                    self.ids.push(id);
                    request_line(self.ids.len(), &r)
                }
            };
            b.queue.push(line);
        }
        if let Some(o) = self.session.take_output() {
            b.output.extend_from_slice(&o);
        }
    }

    fn step(&mut self, step: &Step, mode: Mode, b: &mut Block) -> Result<(), String> {
        match step {
            Step::Start(_) => return Err("one session per script".into()),
            Step::Now(ms) => {
                if self.session.buffered_input() > 0 {
                    return Err(
                        "time may not move while input is held back (answer the requests first)"
                            .into(),
                    );
                }
                self.now = instant(*ms);
            }
            Step::Feed { bytes, chunk } => {
                if self.eof_seen {
                    return Err("input after eof".into());
                }
                let size = match mode {
                    Mode::ByteByByte => 1,
                    Mode::AsWritten => chunk.unwrap_or(bytes.len()).max(1),
                };
                for c in bytes.chunks(size) {
                    // The session takes every byte; after it ended, the rest
                    // is dropped, as a host drops what it read then.
                    let _ = self.session.feed_input(c, self.now);
                    self.collect(b);
                }
            }
            Step::Eof => {
                self.eof_seen = true;
                self.session.handle_eof(self.now);
            }
            Step::Timeout => {
                self.session.handle_timeout(self.now);
            }
            Step::Close => self.session.close(),
            Step::Answer { n, answer } => {
                let id = *self.ids.get(n - 1).ok_or_else(|| {
                    format!("request {n} was not handed out ({} so far)", self.ids.len())
                })?;
                let s = &mut self.session;
                let r = match answer.clone() {
                    Answer::Login(a) => s.answer_login(id, a).map(|_| ()),
                    Answer::Poll(a) => s.answer_poll(id, a),
                    Answer::Ack(a) => s.answer_ack(id, a),
                    Answer::Command(r) => s.answer_command(id, r),
                    Answer::Failure(m) => s.answer_failure(id, m.as_deref()),
                };
                if let Err(e) = r {
                    b.errors.push(format!("! error {}", error_name(&e)));
                }
            }
        }
        self.collect(b);
        Ok(())
    }
}

fn request_line(n: usize, r: &Request) -> String {
    let cl = |t: &Option<epp::TransactionId>| opt_field(t.as_ref().map(|t| t.as_str()));
    match r {
        Request::Login(l) => {
            let mut s = format!(
                "? {n} login clid={} cltrid={} pw={} newpw={} lang={}",
                escape_field(&l.client_id),
                cl(&l.client_transaction_id),
                escape_field(&l.password),
                opt_field(l.new_password.as_deref()),
                escape_field(&l.lang),
            );
            for u in &l.object_uris {
                s.push_str(&format!(" obj={}", escape_field(u)));
            }
            for u in &l.extension_uris {
                s.push_str(&format!(" ext={}", escape_field(u)));
            }
            s.push_str(&format!(
                " extxml={}",
                opt_field(l.extension_xml.as_deref())
            ));
            s
        }
        Request::Poll(p) => format!(
            "? {n} poll cltrid={} extxml={}",
            cl(&p.client_transaction_id),
            opt_field(p.extension_xml.as_deref())
        ),
        Request::PollAck(a) => format!(
            "? {n} ack msgid={} cltrid={} extxml={}",
            a.message_id,
            cl(&a.client_transaction_id),
            opt_field(a.extension_xml.as_deref())
        ),
        Request::Command(c) => {
            let mut s = format!(
                "? {n} command verb={} object={} cltrid={} op={}",
                c.verb,
                escape_field(&c.object_uri),
                cl(&c.client_transaction_id),
                opt_field(c.transfer_op.map(|o| o.as_str())),
            );
            for u in &c.extension_uris {
                s.push_str(&format!(" ext={}", escape_field(u)));
            }
            s.push_str(&format!(
                " extxml={} xml={}",
                opt_field(c.extension_xml.as_deref()),
                escape_field(&c.object_xml)
            ));
            s
        }
        Request::Extension(x) => {
            let mut s = format!("? {n} extension");
            for u in &x.extension_uris {
                s.push_str(&format!(" ext={}", escape_field(u)));
            }
            s.push_str(&format!(" xml={}", escape_field(&x.extension_xml)));
            s
        }
        other => format!("? {n} unknown {}", escape_field(&format!("{other:?}"))),
    }
}

/// Runs a script and returns its transcript.
fn run(script: &Script, mode: Mode) -> Result<String, String> {
    let mut out = String::new();
    let Some((_, _, Step::Start(ms))) = script.steps.first() else {
        return Err("the first step must be start".into());
    };
    let now = instant(*ms);
    let server = script.config.build(now)?;
    let mut runner = Runner {
        session: Session::new(server, now),
        now,
        eof_seen: false,
        ids: Vec::new(),
    };
    for (i, (lineno, line, step)) in script.steps.iter().enumerate() {
        let mut b = Block::default();
        if i == 0 {
            runner.collect(&mut b);
        } else {
            runner
                .step(step, mode, &mut b)
                .map_err(|e| format!("line {lineno}: {e}: {line}"))?;
        }
        out.push_str(&format!("> {line}\n"));
        for e in &b.errors {
            out.push_str(e);
            out.push('\n');
        }
        frame_lines(&b.output, '<', &mut out);
        for q in &b.queue {
            out.push_str(q);
            out.push('\n');
        }
        out.push_str(&format!("= {}\n", state_name(runner.session.state())));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------

#[test]
fn scripts_match_their_transcripts() {
    golden::Suite {
        dir: "scripts",
        bless_var: "EPP_BLESS",
        min_scripts: 50,
        parse: &parse_script,
        reference: &|s| run(s, Mode::AsWritten),
        other: ("fed one byte per call", &|s| run(s, Mode::ByteByByte)),
    }
    .check();
}

#[test]
fn script_parser_rejects_malformed_scripts() {
    for (text, what) in [
        ("frame <hello/>\n", "a step before start"),
        ("start 0\nstart 1\n", "one session per script"),
        ("start 0\nconfig max_in_flight 2\n", "config after start"),
        ("start 0\nraw 0\n", "hex digits"),
        ("start 0\nraw 0g\n", "hex byte"),
        ("start 0\nanswer 0 poll empty\n", "start at 1"),
        ("start 0\nanswer 1 login maybe\n", "unknown login answer"),
        (
            "start 0\nanswer 1 command 1234\n",
            "not an RFC 5730 result code",
        ),
        ("start 0\nsplit 0 <hello/>\n", "at least 1"),
        ("start 0\nfly\n", "unknown step"),
        ("config colour blue\nstart 0\n", "unknown config key"),
        ("# nothing\n", "no start step"),
    ] {
        let e = parse_script(text).expect_err(text);
        assert!(e.contains(what), "{text:?}: {e}");
    }
    let s = parse_script("# c\r\n\r\nconfig object_uri urn:x\r\nstart 5\r\neof\r\n").unwrap();
    assert_eq!(s.steps.len(), 2);
    assert_eq!(s.steps[1].1, "eof");
    assert_eq!(s.config.object_uris, ["urn:x"]);
}

#[test]
fn runner_refuses_scripts_that_do_not_fit_the_session() {
    let head =
        "config object_uri urn:ietf:params:xml:ns:domain-1.0\nconfig sv_trid_epoch 7\nstart 0\n";
    let login = "frame <epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><login><clID>registrar1</clID><pw>secret-pw1</pw><options><version>1.0</version><lang>en</lang></options><svcs><objURI>urn:ietf:params:xml:ns:domain-1.0</objURI></svcs></login></command></epp>\n";
    for (tail, what) in [
        ("answer 1 poll empty\n", "was not handed out"),
        ("eof\nframe <epp/>\n", "input after eof"),
        (
            &format!("{login}frame <epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><hello/></epp>\nnow 5\n"),
            "time may not move",
        ),
    ] {
        let script = parse_script(&format!("{head}{tail}")).unwrap();
        let e = run(&script, Mode::AsWritten).expect_err(tail);
        assert!(e.contains(what), "{tail:?}: {e}");
    }
    let script = parse_script("start 0\n").unwrap();
    assert!(run(&script, Mode::AsWritten)
        .unwrap_err()
        .contains("object_uris"));
}
