//! Golden client transcripts: every `tests/client_scripts/NAME.script` is run
//! through the Rust client API (`epp::client`) and its transcript compared
//! byte for byte with `tests/client_scripts/NAME.transcript`. `EPP_BLESS=1
//! cargo test --test client_transcripts` writes the transcripts instead.
//! Each script is also run with its input fed one byte per call, which must
//! give the same transcript.
//!
//! The script and transcript formats are described in
//! `tests/client_scripts/README.md`; the C API, Python and Perl bindings run
//! the same scripts and must produce the same transcripts.

#[path = "common/golden.rs"]
mod golden;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use golden::{
    escape_field, frame_bytes, frame_lines, instant, opt_field, parse_hex, parse_u64, parse_usize,
    word,
};

use epp::client::{
    ClientCloseReason, ClientConfig, ClientError, ClientSession, ClientState, Command, CommandKind,
    Event, ProtocolError, Response, SentCommand,
};
use epp::{CommandVerb, TransferOp};

// ---------------------------------------------------------------------------
// Scripts
// ---------------------------------------------------------------------------

/// The `config` lines.
#[derive(Debug, Clone)]
struct ConfigSpec {
    client_id: String,
    password: String,
    new_password: Option<String>,
    lang: Option<String>,
    /// (uri, required), in order.
    object_uris: Vec<(String, bool)>,
    extension_uris: Vec<(String, bool)>,
    max_in_flight: Option<usize>,
    /// `Some(None)`: `off`.
    keep_alive: Option<Option<Duration>>,
    response_deadline: Option<Duration>,
    cl_trid_prefix: Option<String>,
    max_frame_size: Option<u32>,
}

impl Default for ConfigSpec {
    fn default() -> ConfigSpec {
        ConfigSpec {
            client_id: "ClientX".into(),
            password: "foo-BAR2".into(),
            new_password: None,
            lang: None,
            object_uris: Vec::new(),
            extension_uris: Vec::new(),
            max_in_flight: None,
            keep_alive: None,
            response_deadline: None,
            cl_trid_prefix: None,
            max_frame_size: None,
        }
    }
}

impl ConfigSpec {
    fn build(&self) -> Result<Arc<ClientConfig>, String> {
        let mut b = ClientConfig::builder(self.client_id.clone(), self.password.clone());
        if let Some(p) = &self.new_password {
            b.new_password(p.clone());
        }
        if let Some(l) = &self.lang {
            b.lang(l.clone());
        }
        for (u, required) in &self.object_uris {
            if *required {
                b.required_object_uri(u.clone());
            } else {
                b.object_uri(u.clone());
            }
        }
        for (u, required) in &self.extension_uris {
            if *required {
                b.required_extension_uri(u.clone());
            } else {
                b.extension_uri(u.clone());
            }
        }
        if let Some(n) = self.max_in_flight {
            b.max_in_flight(n);
        }
        if let Some(k) = self.keep_alive {
            b.keep_alive(k);
        }
        if let Some(d) = self.response_deadline {
            b.response_deadline(d);
        }
        if let Some(p) = &self.cl_trid_prefix {
            b.cl_trid_prefix(p.clone());
        }
        if let Some(n) = self.max_frame_size {
            b.max_frame_size(n);
        }
        b.build().map_err(|e| format!("configuration refused: {e}"))
    }
}

/// A command step: what to build and the options.
#[derive(Debug, Clone)]
enum CommandSpec {
    Hello,
    Login,
    Logout,
    Poll,
    Ack(String),
    Object {
        verb: CommandVerb,
        op: Option<TransferOp>,
        xml: String,
    },
}

#[derive(Debug, Clone, Default)]
struct Options {
    cl_trid: Option<String>,
    tag: Option<u64>,
    ext: Option<String>,
    op: Option<TransferOp>,
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
    Command(CommandSpec, Options),
}

#[derive(Debug)]
struct Script {
    config: ConfigSpec,
    /// (line number, the line as written, the step).
    steps: Vec<(usize, String, Step)>,
}

/// Unix milliseconds, rounded up (as the C API reports times).
fn millis(t: SystemTime) -> u64 {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let ms = d.as_millis() + u128::from(d.subsec_nanos() % 1_000_000 != 0);
    u64::try_from(ms).unwrap_or(u64::MAX)
}

/// Undoes the field escapes: `\\`, `\s`, `\n`, `\r`, `\t`, `\xHH`.
fn unescape(s: &str) -> Result<String, String> {
    let mut o = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            o.push(c);
            continue;
        }
        match it.next() {
            Some('\\') => o.push('\\'),
            Some('s') => o.push(' '),
            Some('n') => o.push('\n'),
            Some('r') => o.push('\r'),
            Some('t') => o.push('\t'),
            Some('x') => {
                let h: String = it.by_ref().take(2).collect();
                let ok = h.len() == 2 && h.chars().all(|c| c.is_ascii_hexdigit());
                let v = u8::from_str_radix(&h, 16)
                    .ok()
                    .filter(|_| ok)
                    .ok_or_else(|| format!("bad escape \\x{h} in {s:?}"))?;
                o.push(char::from(v));
            }
            other => return Err(format!("bad escape \\{} in {s:?}", other.unwrap_or(' '))),
        }
    }
    Ok(o)
}

fn parse_verb(s: &str) -> Result<CommandVerb, String> {
    Ok(match s {
        "check" => CommandVerb::Check,
        "info" => CommandVerb::Info,
        "create" => CommandVerb::Create,
        "update" => CommandVerb::Update,
        "delete" => CommandVerb::Delete,
        "renew" => CommandVerb::Renew,
        "transfer" => CommandVerb::Transfer,
        other => return Err(format!("unknown verb {other:?}")),
    })
}

fn parse_op(s: &str) -> Result<TransferOp, String> {
    Ok(match s {
        "request" => TransferOp::Request,
        "approve" => TransferOp::Approve,
        "cancel" => TransferOp::Cancel,
        "query" => TransferOp::Query,
        "reject" => TransferOp::Reject,
        other => return Err(format!("unknown transfer op {other:?}")),
    })
}

/// Parses the options at the start of `rest`. With `xml_follows`, the
/// options end at the first word starting with `<`, whose position in
/// `rest` is returned; otherwise every word must be an option.
fn parse_options(rest: &str, xml_follows: bool) -> Result<(Options, Option<usize>), String> {
    let mut o = Options::default();
    let mut pos = 0;
    let mut seen: Vec<&str> = Vec::new();
    loop {
        if pos >= rest.len() {
            if xml_follows {
                return Err("the object XML (a word starting with <) is missing".into());
            }
            return Ok((o, None));
        }
        let tail = &rest[pos..];
        if xml_follows && tail.starts_with('<') {
            return Ok((o, Some(pos)));
        }
        let (w, _) = word(tail);
        let (key, value) = w
            .split_once('=')
            .ok_or_else(|| format!("{w:?} is not an option key=value"))?;
        if seen.contains(&key) {
            return Err(format!("option {key} given twice"));
        }
        seen.push(key);
        match key {
            "cltrid" => o.cl_trid = Some(unescape(value)?),
            "tag" => o.tag = Some(parse_u64(value, "tag")?),
            "ext" => o.ext = Some(unescape(value)?),
            "op" => o.op = Some(parse_op(value)?),
            other => return Err(format!("unknown option {other:?}")),
        }
        pos += w.len() + 1;
    }
}

fn set_config(c: &mut ConfigSpec, rest: &str) -> Result<(), String> {
    let (key, value) = word(rest);
    let ms = |v: &str| parse_u64(v, key).map(Duration::from_millis);
    match key {
        "client_id" => c.client_id = value.to_string(),
        "password" => c.password = value.to_string(),
        "new_password" => c.new_password = Some(value.to_string()),
        "lang" => c.lang = Some(value.to_string()),
        "object_uri" => c.object_uris.push((value.to_string(), false)),
        "required_object_uri" => c.object_uris.push((value.to_string(), true)),
        "extension_uri" => c.extension_uris.push((value.to_string(), false)),
        "required_extension_uri" => c.extension_uris.push((value.to_string(), true)),
        "max_in_flight" => c.max_in_flight = Some(parse_usize(value, key)?),
        "keep_alive_ms" => {
            c.keep_alive = Some(match value {
                "off" => None,
                v => Some(ms(v)?),
            })
        }
        "response_deadline_ms" => c.response_deadline = Some(ms(value)?),
        "cl_trid_prefix" => c.cl_trid_prefix = Some(value.to_string()),
        "max_frame_size" => {
            c.max_frame_size =
                Some(u32::try_from(parse_u64(value, key)?).map_err(|e| format!("{key}: {e}"))?)
        }
        other => return Err(format!("unknown config key {other:?}")),
    }
    Ok(())
}

fn parse_command(keyword: &str, rest: &str) -> Result<Option<Step>, String> {
    let (spec, options) = match keyword {
        "hello" | "login" | "logout" | "poll" => {
            let (o, _) = parse_options(rest, false)?;
            let spec = match keyword {
                "hello" => CommandSpec::Hello,
                "login" => CommandSpec::Login,
                "logout" => CommandSpec::Logout,
                _ => CommandSpec::Poll,
            };
            (spec, o)
        }
        "ack" => {
            let (id, rest) = word(rest);
            if id.is_empty() {
                return Err("ack needs a message id".into());
            }
            let (o, _) = parse_options(rest, false)?;
            (CommandSpec::Ack(unescape(id)?), o)
        }
        "command" => {
            let (verb, rest) = word(rest);
            let verb = parse_verb(verb)?;
            let (o, at) = parse_options(rest, true)?;
            let xml = rest[at.expect("xml_follows")..].to_string();
            if o.op.is_some() && verb != CommandVerb::Transfer {
                return Err("op= is only for command transfer".into());
            }
            (
                CommandSpec::Object {
                    verb,
                    op: o.op,
                    xml,
                },
                o,
            )
        }
        _ => return Ok(None),
    };
    if options.op.is_some() && !matches!(spec, CommandSpec::Object { .. }) {
        return Err("op= is only for command transfer".into());
    }
    Ok(Some(Step::Command(spec, options)))
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
            "server" => Step::Feed {
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
            k => match parse_command(k, rest).map_err(at)? {
                Some(s) => s,
                None => return Err(at("unknown step".into())),
            },
        };
        steps.push((lineno, line.to_string(), step));
    }
    if !started {
        return Err("no start step".into());
    }
    if config.object_uris.is_empty() {
        return Err("no config object_uri".into());
    }
    Ok(Script { config, steps })
}

// ---------------------------------------------------------------------------
// Transcript lines
// ---------------------------------------------------------------------------

fn opt_num<T: std::fmt::Display>(n: Option<T>) -> String {
    n.map_or_else(|| "-".to_string(), |n| n.to_string())
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn kind_name(k: CommandKind) -> &'static str {
    match k {
        CommandKind::Hello => "hello",
        CommandKind::Login => "login",
        CommandKind::Logout => "logout",
        CommandKind::PollRequest => "poll",
        CommandKind::PollAck => "ack",
        CommandKind::Object(v) => v.as_str(),
    }
}

fn state_name(s: ClientState) -> &'static str {
    match s {
        ClientState::AwaitingGreeting => "awaiting-greeting",
        ClientState::GreetingReceived => "greeting-received",
        ClientState::LoginSent => "login-sent",
        ClientState::LoggedIn => "logged-in",
        ClientState::LogoutSent => "logout-sent",
        ClientState::Closing => "closing",
        ClientState::Closed => "closed",
    }
}

fn error_name(e: &ClientError) -> &'static str {
    match e {
        ClientError::Closed(_) => "closed",
        ClientError::WrongState { .. } => "wrong-state",
        ClientError::ServiceNotOffered { .. } => "service-not-offered",
        ClientError::NoObjectService => "no-object-service",
        ClientError::VersionNotOffered => "version-not-offered",
        ClientError::LanguageNotOffered(_) => "language-not-offered",
        ClientError::PasswordTooLong { .. } => "password-too-long",
        ClientError::NotLoggedInWith { .. } => "not-logged-in-with",
        ClientError::InvalidXml { .. } => "invalid-xml",
        ClientError::InvalidCommand(_) => "invalid-command",
        _ => "other",
    }
}

fn command_fields(c: &SentCommand) -> String {
    format!(
        "cmd={} kind={} tag={} cltrid={}",
        c.id.get(),
        kind_name(c.kind),
        opt_num(c.tag),
        opt_field(c.cl_trid.as_deref())
    )
}

fn response_fields(r: &Response) -> String {
    let q = r.message_queue.as_ref();
    format!(
        "code={} msg={} results={} rcltrid={} svtrid={} msgq={} msgid={} qdate={} qmsg={} resdata={} extension={}",
        r.code().code(),
        escape_field(r.message()),
        r.results.len(),
        opt_field(r.cl_trid.as_deref()),
        opt_field(r.sv_trid.as_deref()),
        opt_num(q.map(|q| q.count)),
        opt_field(q.map(|q| q.id.as_str())),
        opt_field(q.and_then(|q| q.queued_at.as_deref())),
        opt_field(q.and_then(|q| q.message.as_deref())),
        yes(r.res_data.is_some()),
        yes(r.extension.is_some()),
    )
}

fn close_fields(reason: &ClientCloseReason) -> String {
    match reason {
        ClientCloseReason::Logout => "logout".into(),
        ClientCloseReason::ServerClosing(c) => format!("server-closing code={}", c.code()),
        ClientCloseReason::PeerClosed => "peer-closed".into(),
        ClientCloseReason::PeerClosedMidFrame { received } => {
            format!("peer-closed-mid-frame received={received}")
        }
        ClientCloseReason::Protocol(e) => format!(
            "protocol error={}",
            match e {
                ProtocolError::BadFrameLength { length, limit } => {
                    format!("bad-frame-length length={length} limit={limit}")
                }
                ProtocolError::Malformed { .. } => "malformed".into(),
                ProtocolError::GreetingExpected => "greeting-expected".into(),
                ProtocolError::UnexpectedGreeting { answering } => {
                    format!("unexpected-greeting answering={}", kind_name(*answering))
                }
                ProtocolError::Unsolicited => "unsolicited".into(),
                ProtocolError::ClTridMismatch { expected, received } => format!(
                    "cltrid-mismatch expected={} received={}",
                    escape_field(expected),
                    escape_field(received)
                ),
                _ => "other".into(),
            }
        ),
        ClientCloseReason::GreetingOverdue => "greeting-overdue".into(),
        ClientCloseReason::ResponseOverdue { command } => {
            format!("response-overdue cmd={}", command.get())
        }
        ClientCloseReason::Host => "host".into(),
        _ => "other".into(),
    }
}

fn event_line(e: &Event) -> String {
    match e {
        Event::Greeting { greeting, hello } => {
            let g = greeting;
            let mut s = format!(
                "? greeting hello={} svid={} svdate={}",
                opt_num(hello.as_ref().map(|h| h.id.get())),
                escape_field(&g.server_id),
                escape_field(&g.server_date)
            );
            for v in &g.versions {
                s.push_str(&format!(" version={}", escape_field(v)));
            }
            for v in &g.languages {
                s.push_str(&format!(" lang={}", escape_field(v)));
            }
            for v in &g.object_uris {
                s.push_str(&format!(" obj={}", escape_field(v)));
            }
            for v in &g.extension_uris {
                s.push_str(&format!(" ext={}", escape_field(v)));
            }
            s.push_str(&format!(" dcp={}", opt_field(g.dcp.as_deref())));
            s
        }
        Event::Login {
            command,
            response,
            services,
        } => {
            let mut s = format!(
                "? login {} {} services={}",
                command_fields(command),
                response_fields(response),
                yes(services.is_some())
            );
            if let Some(sv) = services {
                for u in &sv.object_uris {
                    s.push_str(&format!(" obj={}", escape_field(u)));
                }
                for u in &sv.extension_uris {
                    s.push_str(&format!(" ext={}", escape_field(u)));
                }
                s.push_str(&format!(
                    " lang={} loginsec={}",
                    escape_field(&sv.lang),
                    yes(sv.login_security)
                ));
            }
            s
        }
        Event::Response { command, response } => format!(
            "? response {} {}",
            command_fields(command),
            response_fields(response)
        ),
        Event::KeepAlive { command } => format!("? keepalive {}", command_fields(command)),
        Event::ResponseOverdue { command } => format!("? overdue {}", command_fields(command)),
        Event::Closed { reason, unanswered } => {
            let mut s = format!("? closed reason={}", close_fields(reason));
            for c in unanswered {
                s.push_str(&format!(" unanswered={}", c.id.get()));
            }
            s
        }
        other => format!("? unknown {}", escape_field(&format!("{other:?}"))),
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
    /// `+` or `! error` lines.
    result: Vec<String>,
    output: Vec<u8>,
    /// `?` lines, in poll-queue order.
    events: Vec<String>,
}

struct Runner {
    session: ClientSession,
    now: SystemTime,
    eof_seen: bool,
}

fn build_command(spec: &CommandSpec, o: &Options) -> Command {
    let mut c = match spec {
        CommandSpec::Hello => Command::hello(),
        CommandSpec::Login => Command::login(),
        CommandSpec::Logout => Command::logout(),
        CommandSpec::Poll => Command::poll_request(),
        CommandSpec::Ack(id) => Command::poll_ack(id.clone()),
        CommandSpec::Object {
            verb,
            op: Some(op),
            xml,
        } if *verb == CommandVerb::Transfer => Command::transfer(*op, xml.clone()),
        CommandSpec::Object { verb, xml, .. } => Command::object(*verb, xml.clone()),
    };
    if let Some(x) = &o.ext {
        c = c.with_extension(x.clone());
    }
    if let Some(t) = &o.cl_trid {
        c = c.with_cl_trid(t.clone());
    }
    if let Some(t) = o.tag {
        c = c.with_tag(t);
    }
    c
}

impl Runner {
    /// Takes everything the session has for the host: events, then output.
    fn collect(&mut self, b: &mut Block) {
        while let Some(e) = self.session.poll_queue() {
            b.events.push(event_line(&e));
        }
        if let Some(o) = self.session.take_output() {
            b.output.extend_from_slice(&o);
        }
    }

    fn step(&mut self, step: &Step, mode: Mode, b: &mut Block) -> Result<(), String> {
        match step {
            Step::Start(_) => return Err("one session per script".into()),
            Step::Now(ms) => self.now = instant(*ms),
            Step::Feed { bytes, chunk } => {
                if self.eof_seen {
                    return Err("input after eof".into());
                }
                let size = match mode {
                    Mode::ByteByByte => 1,
                    Mode::AsWritten => chunk.unwrap_or(bytes.len()).max(1),
                };
                for c in bytes.chunks(size) {
                    // After the session ended, the rest is dropped, as a
                    // host drops what it read then.
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
            Step::Command(spec, options) => {
                match self.session.send(build_command(spec, options), self.now) {
                    Ok(c) => b.result.push(format!(
                        "+ {} kind={} tag={} cltrid={} sent={}",
                        c.id.get(),
                        kind_name(c.kind),
                        opt_num(c.tag),
                        opt_field(c.cl_trid.as_deref()),
                        opt_num(c.sent_at.map(millis))
                    )),
                    Err(e) => b.result.push(format!("! error {}", error_name(&e))),
                }
            }
        }
        self.collect(b);
        Ok(())
    }

    fn state_line(&self) -> String {
        let s = &self.session;
        format!(
            "= {} inflight={} queued={} buffered={} timeout={}",
            state_name(s.state()),
            s.in_flight(),
            s.queued(),
            s.buffered_input(),
            opt_num(s.next_timeout().map(millis))
        )
    }
}

/// Runs a script and returns its transcript.
fn run(script: &Script, mode: Mode) -> Result<String, String> {
    let mut out = String::new();
    let Some((_, _, Step::Start(ms))) = script.steps.first() else {
        return Err("the first step must be start".into());
    };
    let now = instant(*ms);
    let config = script.config.build()?;
    let mut runner = Runner {
        session: ClientSession::new(config, now),
        now,
        eof_seen: false,
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
        out.push_str(&format!("$ {line}\n"));
        for r in &b.result {
            out.push_str(r);
            out.push('\n');
        }
        frame_lines(&b.output, '>', &mut out);
        for e in &b.events {
            out.push_str(e);
            out.push('\n');
        }
        out.push_str(&runner.state_line());
        out.push('\n');
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------

#[test]
fn client_scripts_match_their_transcripts() {
    golden::Suite {
        dir: "client_scripts",
        bless_var: "EPP_BLESS",
        min_scripts: 15,
        parse: &parse_script,
        reference: &|s| run(s, Mode::AsWritten),
        other: ("fed one byte per call", &|s| run(s, Mode::ByteByByte)),
    }
    .check();
}

#[test]
fn client_script_parser_rejects_malformed_scripts() {
    let head = "config object_uri urn:x\n";
    for (text, what) in [
        ("hello\n", "a step before start"),
        ("start 0\nstart 1\n", "one session per script"),
        ("start 0\nconfig max_in_flight 2\n", "config after start"),
        ("start 0\nraw 0\n", "hex digits"),
        ("start 0\nraw 0g\n", "hex byte"),
        ("start 0\nsplit 0 <x/>\n", "at least 1"),
        ("start 0\nfly\n", "unknown step"),
        ("config colour blue\nstart 0\n", "unknown config key"),
        ("# nothing\n", "no start step"),
        ("start 0\n", "no config object_uri"),
        ("start 0\ncommand check tag=1\n", "object XML"),
        ("start 0\ncommand frob <x/>\n", "unknown verb"),
        (
            "start 0\ncommand check op=request <x/>\n",
            "only for command transfer",
        ),
        (
            "start 0\ncommand transfer op=steal <x/>\n",
            "unknown transfer op",
        ),
        ("start 0\nlogin tag=1 tag=2\n", "given twice"),
        ("start 0\nlogin colour=blue\n", "unknown option"),
        ("start 0\nlogin oops\n", "not an option"),
        ("start 0\npoll cltrid=a\\qb\n", "bad escape"),
        ("start 0\nack\n", "message id"),
        ("start 0\nlogout op=query\n", "only for command transfer"),
    ] {
        let text = if what == "no config object_uri" {
            text.to_string()
        } else {
            format!("{head}{text}")
        };
        let e = parse_script(&text).expect_err(&text);
        assert!(e.contains(what), "{text:?}: {e}");
    }
    let s = parse_script(
        "# c\r\n\r\nconfig object_uri urn:x\r\nstart 5\r\ncommand transfer op=query tag=3 cltrid=a\\sb ext=<e\\sxmlns=\"urn:e\"/> <d:x xmlns:d=\"urn:x\"/> tail\r\neof\r\n",
    )
    .unwrap();
    assert_eq!(s.steps.len(), 3);
    assert_eq!(s.steps[2].1, "eof");
    let Step::Command(CommandSpec::Object { verb, op, xml }, o) = &s.steps[1].2 else {
        panic!("{:?}", s.steps[1]);
    };
    assert_eq!(*verb, CommandVerb::Transfer);
    assert_eq!(*op, Some(TransferOp::Query));
    assert_eq!(xml, "<d:x xmlns:d=\"urn:x\"/> tail");
    assert_eq!(o.cl_trid.as_deref(), Some("a b"));
    assert_eq!(o.tag, Some(3));
    assert_eq!(o.ext.as_deref(), Some("<e xmlns=\"urn:e\"/>"));
    assert_eq!(unescape("\\x41\\t\\\\").unwrap(), "A\t\\");
}

#[test]
fn client_runner_refuses_input_after_eof() {
    let script = parse_script("config object_uri urn:x\nstart 0\neof\nserver <epp/>\n").unwrap();
    let e = run(&script, Mode::AsWritten).unwrap_err();
    assert!(e.contains("input after eof"), "{e}");
}
