//! The EPP client session: the registrar's engine. It owns the input
//! buffer, runs the transition table of [`super::machine`] over the
//! server's frames, the host's commands and the deadlines, and matches
//! responses to commands through the shared [`Pipeline`] (one slot per
//! command written, answered in order).
//!
//! Flow: bytes in -> input buffer -> framing -> parse -> transition ->
//! event; command -> checks -> transition -> render -> output (or wait for
//! room in flight).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::SystemTime;

use super::config::{is_token, ClientConfig};
use super::error::{ClientError, ServiceKind};
use super::machine::{transition, Action, Context, Deadline, Input, State, TridMatch};
use super::parse::{bounds, parse_frame};
use super::render::{write_command, write_hello, Inner, LoginFields};
use super::types::{
    Body, ClientCloseReason, Command, CommandId, CommandKind, Event, Greeting, ProtocolError,
    Response, SentCommand, ServerFrame, Services, LOGIN_SEC_NS,
};
use crate::framing::{decode_header, Decoded, InputBuffer, HEADER_LEN};
use crate::passthrough::push_standalone;
use crate::pipeline::Pipeline;
use crate::request::CommandVerb;
use crate::result_code::ResultCode;
use crate::xml::{fragment_elements, Scratch, EPP_NS};

/// Where a client session is, as the host sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientState {
    /// Connected; the server's greeting has not come.
    AwaitingGreeting,
    /// Greeting received, not logged in (also after a failed login).
    GreetingReceived,
    /// A login is in flight.
    LoginSent,
    /// Logged in.
    LoggedIn,
    /// A logout is in flight (or waits for room); no more commands.
    LogoutSent,
    /// The server said it ends the session (1500 or 25xx): nothing more is
    /// sent; the session waits for the server to close the connection (or
    /// for the response deadline). The host may close it now.
    Closing,
    /// Over: close the connection.
    Closed,
}

/// Nesting allowed in XML given for commands.
const MAX_COMMAND_XML_DEPTH: usize = 128;

/// A command given while `max_in_flight` are unanswered.
#[derive(Debug)]
struct Queued {
    frame: Vec<u8>,
    sent: SentCommand,
}

/// A command checked and rendered, not yet committed.
struct Prepared {
    frame: Vec<u8>,
    sent: SentCommand,
    login_services: Option<Services>,
    takes_cl_trid: bool,
}

/// One EPP client session on one connection, without any I/O: the
/// registrar's side of RFC 5730.
///
/// Drive it with the four verbs: create it with [`ClientSession::new`]
/// when the connection is up; pass every byte read from the server to
/// [`ClientSession::feed_input`]; write what [`ClientSession::output`]
/// holds and [`ClientSession::consume_output`] it; and handle every
/// [`Event`] that [`ClientSession::poll_queue`] returns. Give commands with
/// [`ClientSession::send`] (or [`ClientSession::login`],
/// [`ClientSession::hello`], ...). Call [`ClientSession::handle_timeout`]
/// when [`ClientSession::next_timeout`] passes, and
/// [`ClientSession::handle_eof`] when the server closes its side. Time is
/// always an argument.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use epp::client::{ClientConfig, ClientSession, Event};
///
/// let config = ClientConfig::builder("ClientX", "foo-BAR2")
///     .required_object_uri("urn:ietf:params:xml:ns:domain-1.0")
///     .build()
///     .unwrap();
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
/// let mut client = ClientSession::new(config, now);
///
/// let greeting = br#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><greeting>
///   <svID>Example EPP server</svID><svDate>2000-06-08T22:00:00.0Z</svDate>
///   <svcMenu><version>1.0</version><lang>en</lang>
///   <objURI>urn:ietf:params:xml:ns:domain-1.0</objURI></svcMenu>
/// </greeting></epp>"#;
/// let mut frame = ((greeting.len() + 4) as u32).to_be_bytes().to_vec();
/// frame.extend_from_slice(greeting);
/// client.feed_input(&frame, now).unwrap();
///
/// let Some(Event::Greeting { greeting, .. }) = client.poll_queue() else { panic!() };
/// assert_eq!(greeting.server_id, "Example EPP server");
/// let login = client.login(now).unwrap();
/// assert_eq!(login.cl_trid.as_deref(), Some("ClientX-1"));
/// let out = client.take_output().unwrap(); // write this to the server
/// assert!(String::from_utf8_lossy(&out).contains("<clID>ClientX</clID>"));
/// ```
#[derive(Debug)]
pub struct ClientSession {
    config: Arc<ClientConfig>,
    state: State,
    greeting: Option<Box<Greeting>>,
    services: Option<Services>,
    /// The services of the login in flight.
    login_services: Option<Services>,
    input: InputBuffer,
    pipeline: Pipeline<Event, CommandKind, SentCommand>,
    queued: VecDeque<Queued>,
    next_id: u64,
    next_cl_trid: u64,
    created: SystemTime,
    /// The last frame written or read.
    last_activity: SystemTime,
    /// The last response read.
    last_response: SystemTime,
    /// When the session entered Closing.
    closing_since: SystemTime,
    scratch: Scratch,
}

impl ClientSession {
    /// session-create: a session for a connection made at `now`. Nothing is
    /// sent until the greeting has come.
    pub fn new(config: Arc<ClientConfig>, now: SystemTime) -> ClientSession {
        ClientSession {
            config,
            state: State::AwaitingGreeting,
            greeting: None,
            services: None,
            login_services: None,
            input: InputBuffer::default(),
            pipeline: Pipeline::new(Vec::new()),
            queued: VecDeque::new(),
            next_id: 1,
            next_cl_trid: 1,
            created: now,
            last_activity: now,
            last_response: now,
            closing_since: now,
            scratch: Scratch::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Arc<ClientConfig> {
        &self.config
    }

    /// Where the session is.
    pub fn state(&self) -> ClientState {
        self.state.public()
    }

    /// Why the session ended (or is ending).
    pub fn close_reason(&self) -> Option<&ClientCloseReason> {
        self.state.close_reason()
    }

    /// True when the connection should be closed now.
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Closed(_))
    }

    /// The latest greeting received.
    pub fn greeting(&self) -> Option<&Greeting> {
        self.greeting.as_deref()
    }

    /// The services of the session's successful login.
    pub fn services(&self) -> Option<&Services> {
        self.services.as_ref()
    }

    /// Commands written and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.pipeline.in_flight()
    }

    /// Commands given and waiting for room (`max_in_flight`) to be written.
    pub fn queued(&self) -> usize {
        self.queued.len()
    }

    // ---------------------------------------------------------------
    // feed-input
    // ---------------------------------------------------------------

    /// Whether the host should read from the server: until the session is
    /// closed. Every frame is handled as it completes, so input never
    /// waits; while closing, input is only read to see the connection end.
    pub fn wants_input(&self) -> bool {
        !matches!(self.state, State::Closed(_))
    }

    /// Bytes of an unfinished frame held.
    pub fn buffered_input(&self) -> usize {
        self.input.len()
    }

    /// feed-input: takes every byte read from the server at `now`. Each
    /// whole frame is handled at once (events queued, commands waiting for
    /// room written); an unfinished one is held. While closing, input is
    /// dropped. Fails only once the session is closed
    /// ([`ClientError::Closed`], sticky).
    pub fn feed_input(&mut self, input: &[u8], now: SystemTime) -> Result<(), ClientError> {
        match &self.state {
            State::Closed(r) => return Err(ClientError::Closed(r.clone())),
            State::Closing(_) => return Ok(()),
            _ => {}
        }
        if self.input.is_empty() {
            // Whole frames in the caller's buffer are parsed in place.
            let used = self.handle_frames(input, now);
            if self.state.is_open() {
                self.input.push(&input[used..]);
            }
        } else {
            self.input.push(input);
            let mut held = self.input.take();
            let used = self.handle_frames(held.bytes(), now);
            held.consume(used);
            if self.state.is_open() {
                self.input.restore(held);
            }
        }
        Ok(())
    }

    /// Tells the session the server closed its side at `now`. Before the
    /// session ends that is [`ClientCloseReason::PeerClosed`] (or
    /// `PeerClosedMidFrame`); while closing it is the expected end.
    pub fn handle_eof(&mut self, now: SystemTime) {
        let unfinished = self.input.len();
        self.run(Input::PeerClosed { unfinished }, now);
    }

    /// Ends the session at the host's wish: output not yet taken is
    /// dropped.
    pub fn close(&mut self) {
        let now = self.last_activity;
        self.run(Input::HostClose, now);
    }

    // ---------------------------------------------------------------
    // timers
    // ---------------------------------------------------------------

    fn due(&self) -> Option<(SystemTime, Deadline)> {
        let d = self.config.response_deadline;
        match &self.state {
            State::Closed(_) => None,
            State::Closing(_) => Some((self.closing_since.checked_add(d)?, Deadline::CloseWait)),
            State::AwaitingGreeting => Some((self.created.checked_add(d)?, Deadline::Greeting)),
            _ => {
                if let Some((_, sent)) = self.pipeline.oldest() {
                    // The server answers in order: each response is due a
                    // deadline after the later of its command's sending
                    // and the previous response.
                    let from = sent.sent_at.unwrap_or(self.created).max(self.last_response);
                    Some((from.checked_add(d)?, Deadline::Response(sent.id)))
                } else if self.state == State::LoggedIn && self.queued.is_empty() {
                    let k = self.config.keep_alive?;
                    Some((self.last_activity.checked_add(k)?, Deadline::KeepAlive))
                } else {
                    None
                }
            }
        }
    }

    /// When [`ClientSession::handle_timeout`] should next be called, if
    /// ever: the greeting's or the oldest response's deadline, the
    /// keep-alive after idle, or the end of waiting for the connection to
    /// close.
    pub fn next_timeout(&self) -> Option<SystemTime> {
        self.due().map(|(t, _)| t)
    }

    /// Acts on the deadline due by `now`, if one is: a keep-alive
    /// `<hello>` ([`Event::KeepAlive`]), or closing for an overdue greeting
    /// or response ([`Event::ResponseOverdue`], then [`Event::Closed`]).
    /// Returns whether a deadline had passed.
    pub fn handle_timeout(&mut self, now: SystemTime) -> bool {
        match self.due() {
            Some((t, which)) if now >= t => {
                self.run(Input::Deadline(which), now);
                true
            }
            _ => false,
        }
    }

    // ---------------------------------------------------------------
    // take-output
    // ---------------------------------------------------------------

    /// take-output: bytes to write to the server (empty when nothing is
    /// pending). Write some or all, then call
    /// [`ClientSession::consume_output`].
    pub fn output(&self) -> &[u8] {
        self.pipeline.output()
    }

    /// Marks `n` bytes of [`ClientSession::output`] as written.
    pub fn consume_output(&mut self, n: usize) {
        self.pipeline.consume_output(n);
    }

    /// Takes all pending output at once (`None` when nothing is pending).
    pub fn take_output(&mut self) -> Option<Vec<u8>> {
        self.pipeline.take_output()
    }

    // ---------------------------------------------------------------
    // poll-queue
    // ---------------------------------------------------------------

    /// poll-queue: the next event, in the order things happened.
    pub fn poll_queue(&mut self) -> Option<Event> {
        self.pipeline.pop_request()
    }

    /// Iterates over the events waiting in the queue, taking them.
    pub fn drain_queue(&mut self) -> impl Iterator<Item = Event> + '_ {
        std::iter::from_fn(move || self.poll_queue())
    }

    // ---------------------------------------------------------------
    // commands
    // ---------------------------------------------------------------

    /// Gives a command at `now`. It is written to the output at once, or
    /// waits (in order) while `max_in_flight` commands are unanswered; the
    /// events about it carry the returned [`SentCommand`]. Nothing is sent
    /// on error: the state does not allow the command
    /// ([`ClientError::WrongState`], [`ClientError::Closed`]), a login's
    /// services or password cannot be negotiated with the greeting, or the
    /// command's XML, clTRID or message id is not acceptable.
    pub fn send(&mut self, command: Command, now: SystemTime) -> Result<SentCommand, ClientError> {
        let kind = command.kind();
        let step = transition(&self.state, Input::Command(kind), &self.context());
        match step.action {
            Action::Send => {}
            Action::Refuse(e) => return Err(e),
            other => unreachable!("a command is sent or refused, not {other:?}"),
        }
        let prepared = self.prepare(command)?;
        self.state = step.next;
        if prepared.takes_cl_trid && prepared.sent.cl_trid.is_some() {
            self.next_cl_trid += 1;
        }
        self.next_id += 1;
        if prepared.login_services.is_some() {
            self.login_services = prepared.login_services;
        }
        Ok(self.dispatch(prepared.frame, prepared.sent, now))
    }

    /// Sends `<hello>`; its answer is an [`Event::Greeting`].
    pub fn hello(&mut self, now: SystemTime) -> Result<SentCommand, ClientError> {
        self.send(Command::hello(), now)
    }

    /// Sends `<login>`: the configuration's credentials and the wanted
    /// services the latest greeting offers (refused early when a required
    /// one is not offered); a password over 16 characters goes in the RFC
    /// 8807 extension when the greeting offers it. Answered by an
    /// [`Event::Login`].
    pub fn login(&mut self, now: SystemTime) -> Result<SentCommand, ClientError> {
        self.send(Command::login(), now)
    }

    /// Sends `<logout>`; a 1500 answer ends the session.
    pub fn logout(&mut self, now: SystemTime) -> Result<SentCommand, ClientError> {
        self.send(Command::logout(), now)
    }

    /// Sends `<poll op="req">`.
    pub fn poll_request(&mut self, now: SystemTime) -> Result<SentCommand, ClientError> {
        self.send(Command::poll_request(), now)
    }

    /// Sends `<poll op="ack" msgID>`.
    pub fn poll_ack(
        &mut self,
        message_id: &str,
        now: SystemTime,
    ) -> Result<SentCommand, ClientError> {
        self.send(Command::poll_ack(message_id), now)
    }

    /// Checks and renders a command the table allows.
    fn prepare(&self, command: Command) -> Result<Prepared, ClientError> {
        let kind = command.kind();
        let mut sent = SentCommand {
            id: CommandId(self.next_id),
            kind,
            tag: command.tag,
            cl_trid: None,
            sent_at: None,
            keep_alive: false,
        };
        let mut frame = Vec::new();
        if kind == CommandKind::Hello {
            if command.extension.is_some() || command.cl_trid.is_some() {
                return Err(ClientError::InvalidCommand(
                    "<hello> takes no extension and no clTRID".into(),
                ));
            }
            write_hello(&mut frame);
            return Ok(Prepared {
                frame,
                sent,
                login_services: None,
                takes_cl_trid: false,
            });
        }
        let cl_trid = match &command.cl_trid {
            Some(t) => {
                check_cl_trid(t)?;
                t.clone()
            }
            None => format!("{}{}", self.config.cl_trid_prefix, self.next_cl_trid),
        };
        let mut login_services = None;
        let extension_check = match kind {
            CommandKind::Login => ExtensionCheck::Offered,
            _ => ExtensionCheck::LoggedIn,
        };
        let extension = match &command.extension {
            Some(x) => Some(self.standalone_extension(x, extension_check)?),
            None => None,
        };
        match &command.body {
            Body::Hello => unreachable!("handled above"),
            Body::Login => {
                let (services, long_pw, long_new) = self.negotiate()?;
                let cfg = &self.config;
                let fields = LoginFields {
                    client_id: &cfg.client_id,
                    password: &cfg.password,
                    new_password: cfg.new_password.as_deref(),
                    lang: &services.lang,
                    object_uris: &services.object_uris,
                    extension_uris: &services.extension_uris,
                    long_password: long_pw,
                    long_new_password: long_new,
                };
                write_command(
                    &mut frame,
                    &Inner::Login(&fields),
                    extension.as_deref(),
                    &cl_trid,
                );
                login_services = Some(services);
            }
            Body::Logout => {
                write_command(&mut frame, &Inner::Logout, extension.as_deref(), &cl_trid)
            }
            Body::PollRequest => write_command(
                &mut frame,
                &Inner::Poll(None),
                extension.as_deref(),
                &cl_trid,
            ),
            Body::PollAck(id) => {
                if id.is_empty() || !is_token(id) {
                    return Err(ClientError::InvalidCommand(format!(
                        "{id:?} is not a message id"
                    )));
                }
                write_command(
                    &mut frame,
                    &Inner::Poll(Some(id)),
                    extension.as_deref(),
                    &cl_trid,
                )
            }
            Body::Object {
                verb,
                transfer_op,
                xml,
            } => {
                if *verb == CommandVerb::Transfer && transfer_op.is_none() {
                    return Err(ClientError::InvalidCommand(
                        "a transfer needs its op: use Command::transfer".into(),
                    ));
                }
                let object = self.standalone_object(xml)?;
                write_command(
                    &mut frame,
                    &Inner::Object {
                        verb: *verb,
                        transfer_op: *transfer_op,
                        xml: &object,
                    },
                    extension.as_deref(),
                    &cl_trid,
                );
            }
        }
        sent.cl_trid = Some(cl_trid);
        Ok(Prepared {
            frame,
            sent,
            login_services,
            takes_cl_trid: command.cl_trid.is_none(),
        })
    }

    /// A login's services: the wanted ones the latest greeting offers, and
    /// whether the password and new password go in the RFC 8807 extension.
    fn negotiate(&self) -> Result<(Services, bool, bool), ClientError> {
        let cfg = &self.config;
        let g = self
            .greeting
            .as_deref()
            .expect("a greeting precedes every login");
        if !g.versions.is_empty() && !g.versions.iter().any(|v| v == "1.0") {
            return Err(ClientError::VersionNotOffered);
        }
        if !g.languages.is_empty()
            && !g
                .languages
                .iter()
                .any(|l| l.eq_ignore_ascii_case(&cfg.lang))
        {
            return Err(ClientError::LanguageNotOffered(cfg.lang.clone()));
        }
        let mut object_uris = Vec::new();
        for s in &cfg.object_services {
            if g.offers_object(&s.uri) {
                object_uris.push(s.uri.clone());
            } else if s.required {
                return Err(ClientError::ServiceNotOffered {
                    kind: ServiceKind::Object,
                    uri: s.uri.clone(),
                });
            }
        }
        if object_uris.is_empty() {
            return Err(ClientError::NoObjectService);
        }
        let mut extension_uris = Vec::new();
        for s in &cfg.extension_services {
            if g.offers_extension(&s.uri) {
                extension_uris.push(s.uri.clone());
            } else if s.required {
                return Err(ClientError::ServiceNotOffered {
                    kind: ServiceKind::Extension,
                    uri: s.uri.clone(),
                });
            }
        }
        let long = |field: &'static str, pw: &str| -> Result<bool, ClientError> {
            let length = pw.chars().count();
            if length <= 16 {
                Ok(false)
            } else if g.offers_login_security() {
                Ok(true)
            } else {
                Err(ClientError::PasswordTooLong { field, length })
            }
        };
        let long_pw = long("pw", &cfg.password)?;
        let long_new = match &cfg.new_password {
            Some(n) => long("newPW", n)?,
            None => false,
        };
        let login_security = long_pw || long_new;
        if login_security && !extension_uris.iter().any(|u| u == LOGIN_SEC_NS) {
            extension_uris.push(LOGIN_SEC_NS.to_owned());
        }
        Ok((
            Services {
                object_uris,
                extension_uris,
                lang: cfg.lang.clone(),
                login_security,
            },
            long_pw,
            long_new,
        ))
    }

    /// The object element of a command: one element in an object
    /// namespace the session logged in with, made to stand alone.
    fn standalone_object(&self, xml: &str) -> Result<String, ClientError> {
        let bad = |reason: String| ClientError::InvalidXml {
            field: "object",
            reason,
        };
        let els = fragment_elements(xml, MAX_COMMAND_XML_DEPTH).map_err(bad)?;
        let [el] = els.as_slice() else {
            return Err(bad(format!(
                "an object command holds exactly one element, got {}",
                els.len()
            )));
        };
        let ns = match el.ns.as_deref() {
            Some(ns) if ns != EPP_NS => ns,
            _ => return Err(bad("the object element needs an object namespace".into())),
        };
        let logged_in = self
            .services
            .as_ref()
            .is_some_and(|s| s.object_uris.iter().any(|u| u == ns));
        if !logged_in {
            return Err(ClientError::NotLoggedInWith {
                kind: ServiceKind::Object,
                uri: ns.to_owned(),
            });
        }
        let mut out = String::with_capacity(xml.len());
        push_standalone(&mut out, xml, el);
        Ok(out)
    }

    /// `<extension>` content: elements in extension namespaces the session
    /// logged in with (for a login: that the greeting offers), each made to
    /// stand alone.
    fn standalone_extension(
        &self,
        xml: &str,
        check: ExtensionCheck,
    ) -> Result<String, ClientError> {
        let bad = |reason: String| ClientError::InvalidXml {
            field: "extension",
            reason,
        };
        let els = fragment_elements(xml, MAX_COMMAND_XML_DEPTH).map_err(bad)?;
        if els.is_empty() {
            return Err(bad("an extension holds at least one element".into()));
        }
        let mut out = String::with_capacity(xml.len());
        for el in &els {
            let ns = match el.ns.as_deref() {
                Some(ns) if ns != EPP_NS => ns,
                _ => return Err(bad("every extension element needs a namespace".into())),
            };
            let ok = match check {
                ExtensionCheck::Offered => self
                    .greeting
                    .as_deref()
                    .is_some_and(|g| g.offers_extension(ns)),
                ExtensionCheck::LoggedIn => self
                    .services
                    .as_ref()
                    .is_some_and(|s| s.extension_uris.iter().any(|u| u == ns)),
            };
            if !ok {
                return Err(ClientError::NotLoggedInWith {
                    kind: ServiceKind::Extension,
                    uri: ns.to_owned(),
                });
            }
            push_standalone(&mut out, xml, el);
        }
        Ok(out)
    }

    /// Writes a committed command now, or queues it behind the others
    /// while `max_in_flight` are unanswered.
    fn dispatch(&mut self, frame: Vec<u8>, sent: SentCommand, now: SystemTime) -> SentCommand {
        if self.queued.is_empty() && self.pipeline.in_flight() < self.config.max_in_flight {
            self.write(&frame, sent, now)
        } else {
            self.queued.push_back(Queued {
                frame,
                sent: sent.clone(),
            });
            sent
        }
    }

    fn write(&mut self, frame: &[u8], mut sent: SentCommand, now: SystemTime) -> SentCommand {
        sent.sent_at = Some(now);
        self.last_activity = now;
        self.pipeline
            .send(sent.kind, sent.clone(), |out| out.extend_from_slice(frame));
        sent
    }

    /// Writes waiting commands while there is room.
    fn pump(&mut self, now: SystemTime) {
        while self.state.is_open() && self.pipeline.in_flight() < self.config.max_in_flight {
            let Some(q) = self.queued.pop_front() else {
                break;
            };
            self.write(&q.frame, q.sent, now);
        }
    }

    // ---------------------------------------------------------------
    // input
    // ---------------------------------------------------------------

    fn context(&self) -> Context {
        Context {
            oldest: self.pipeline.oldest().map(|(_, sent)| sent.kind),
        }
    }

    /// Handles the whole frames at the start of `bytes` while the session
    /// is open; returns the bytes used.
    fn handle_frames(&mut self, bytes: &[u8], now: SystemTime) -> usize {
        let limit = self.config.max_frame_size;
        let mut pos = 0;
        while self.state.is_open() {
            match decode_header(&bytes[pos..], limit) {
                Decoded::Frame { total } => {
                    self.handle_frame(&bytes[pos + HEADER_LEN..pos + total], now);
                    pos += total;
                }
                Decoded::Incomplete => break,
                Decoded::BadLength { length, limit } => {
                    let e = ProtocolError::BadFrameLength { length, limit };
                    self.run(Input::BadFrame(e), now);
                    return bytes.len();
                }
            }
        }
        pos
    }

    fn handle_frame(&mut self, body: &[u8], now: SystemTime) {
        self.last_activity = now;
        let b = bounds(self.config.max_frame_size);
        let parsed = parse_frame(body, &mut self.scratch, b);
        match parsed {
            Err(e) => self.run(Input::BadFrame(e), now),
            Ok(ServerFrame::Greeting(g)) => {
                let before = self.state.clone();
                if let Action::Deliver = self.step(Input::Greeting) {
                    let hello = match before {
                        State::AwaitingGreeting => None,
                        _ => self.pipeline.pop_oldest().map(|(_, sent)| sent),
                    };
                    self.greeting = Some(Box::new(g.clone()));
                    self.pipeline.push_request(Event::Greeting {
                        greeting: Box::new(g),
                        hello,
                    });
                    self.pump(now);
                }
                self.ended(&before, now);
            }
            Ok(ServerFrame::Response(r)) => {
                let cl_trid = match (self.pipeline.oldest(), &r.cl_trid) {
                    (_, None) => TridMatch::Missing,
                    (Some((_, sent)), Some(got)) => match &sent.cl_trid {
                        Some(want) if want == got => TridMatch::Same,
                        Some(want) => TridMatch::Differs {
                            expected: want.clone(),
                            received: got.clone(),
                        },
                        None => TridMatch::Missing,
                    },
                    (None, Some(_)) => TridMatch::Missing,
                };
                let before = self.state.clone();
                let code = r.code();
                if let Action::Deliver = self.step(Input::Response { code, cl_trid }) {
                    self.last_response = now;
                    self.deliver(r, code);
                    self.pump(now);
                }
                self.ended(&before, now);
            }
        }
    }

    /// Hands a response to the host, matched to the oldest command.
    fn deliver(&mut self, response: Response, code: ResultCode) {
        let Some((_, command)) = self.pipeline.pop_oldest() else {
            return;
        };
        let response = Box::new(response);
        let event = if command.kind == CommandKind::Login {
            let services = self.login_services.take();
            let services = if code == ResultCode::Success {
                self.services.clone_from(&services);
                services
            } else {
                None
            };
            Event::Login {
                command,
                response,
                services,
            }
        } else {
            Event::Response { command, response }
        };
        self.pipeline.push_request(event);
    }

    /// Runs a transition and returns its action; the caller carries it
    /// out, then calls [`ClientSession::ended`].
    fn step(&mut self, input: Input) -> Action {
        let step = transition(&self.state, input, &self.context());
        self.state = step.next;
        step.action
    }

    /// Runs a transition whose action the session carries out alone.
    fn run(&mut self, input: Input, now: SystemTime) {
        let before = self.state.clone();
        match self.step(input) {
            Action::KeepAlive => {
                let mut frame = Vec::new();
                write_hello(&mut frame);
                let sent = SentCommand {
                    id: CommandId(self.next_id),
                    kind: CommandKind::Hello,
                    tag: None,
                    cl_trid: None,
                    sent_at: None,
                    keep_alive: true,
                };
                self.next_id += 1;
                let command = self.dispatch(frame, sent, now);
                self.pipeline.push_request(Event::KeepAlive { command });
            }
            Action::Overdue => {
                if let Some((_, sent)) = self.pipeline.oldest() {
                    let command = sent.clone();
                    self.pipeline
                        .push_request(Event::ResponseOverdue { command });
                }
            }
            _ => {}
        }
        self.ended(&before, now);
    }

    /// What leaving the open states entails: the host is told why, with
    /// every command left unanswered; output not taken and input held are
    /// dropped.
    fn ended(&mut self, before: &State, now: SystemTime) {
        if !before.is_open() || self.state.is_open() {
            return;
        }
        let reason = self
            .state
            .close_reason()
            .cloned()
            .expect("a closed state has a reason");
        let mut unanswered = self.pipeline.drain_slots();
        unanswered.extend(self.queued.drain(..).map(|q| q.sent));
        self.pipeline
            .push_request(Event::Closed { reason, unanswered });
        self.pipeline.discard_output();
        self.input.clear();
        self.login_services = None;
        self.closing_since = now;
    }
}

/// Which extension namespaces a command may use.
#[derive(Debug, Clone, Copy)]
enum ExtensionCheck {
    /// Those the greeting offers (a login's).
    Offered,
    /// Those of the session's login.
    LoggedIn,
}

/// A clTRID given by the caller: epp:trIDStringType, 3 to 64 characters.
fn check_cl_trid(t: &str) -> Result<(), ClientError> {
    let n = t.chars().count();
    if !(3..=64).contains(&n) || !is_token(t) {
        return Err(ClientError::InvalidCommand(format!(
            "clTRID {t:?} is not 3 to 64 characters without surrounding or repeated white space"
        )));
    }
    Ok(())
}
