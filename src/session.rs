//! The EPP server session: the engine that owns the input buffer, runs the
//! transition table of [`crate::machine`] over parsed frames and host
//! answers, and keeps the pipeline of responses and requests.
//!
//! Flow: bytes in -> input buffer -> framing -> parse -> transition ->
//! (reply rendered | request queued) -> answer -> render -> output buffer.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::SystemTime;

use crate::config::{Limits, ServerConfig};
use crate::error::SessionError;
use crate::framing::{decode_header, Decoded, InputBuffer, HEADER_LEN};
use crate::login_security::{check_events, login_sec_data_xml, SecurityEvent, LOGIN_SECURITY_NS};
use crate::machine::{transition, Action, Ask, Context, Input, Reply, State};
use crate::parse::{parse_frame, CommandKind, Extension, Frame, PollOp};
use crate::passthrough::{standalone_value, HostXml, Passthrough};
use crate::pipeline::{Lookup, Pipeline};
use crate::render::{
    write_acked, write_full, write_poll_message, write_reply, write_result, write_unknown_message,
    TrIds,
};
use crate::request::{
    CloseReason, ExtensionCommand, LoginRequest, ObjectCommand, PollAckRequest, PollRequest,
    Request, RequestId, RequestKind, SessionEnd,
};
use crate::response::{AckAnswer, LoginAnswer, PollAnswer, Response, ResultValue};
use crate::result_code::ResultCode;
use crate::server::{Server, SessionSlot};
use crate::transaction::{CommandName, TransactionRecord};
use crate::trid::TransactionId;
use crate::xml::{Scratch, XmlBounds};

/// Where a session is, as the host sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// Connected, greeting sent, not logged in.
    AwaitingLogin,
    /// A login is with the host; input waits until it is answered.
    LoginPending,
    /// Logged in.
    LoggedIn,
    /// No more input is processed; responses still pending are written.
    Closing,
    /// Nothing more will be written: close the connection.
    Closed,
}

/// The logged-in client.
#[derive(Debug)]
struct Client {
    id: Arc<str>,
    /// Bit i set: the client logged in with `config.object_uris[i]`.
    obj_mask: u64,
    /// Bit i set: the client logged in with `config.extension_uris[i]`.
    ext_mask: u64,
    /// Its place in the registrar's session count, released when the
    /// session ends.
    slot: Option<SessionSlot>,
}

/// What a response slot waits for.
#[derive(Debug)]
enum Waiting {
    Login {
        client_id: Arc<str>,
        obj_mask: u64,
        ext_mask: u64,
    },
    Poll,
    Ack {
        msg_id: u64,
    },
    Command,
    Extension,
}

impl Waiting {
    fn kind(&self) -> RequestKind {
        match self {
            Waiting::Login { .. } => RequestKind::Login,
            Waiting::Poll => RequestKind::Poll,
            Waiting::Ack { .. } => RequestKind::PollAck,
            Waiting::Command => RequestKind::Command,
            Waiting::Extension => RequestKind::Extension,
        }
    }
}

/// What a response carries besides its body: transaction ids taken when
/// the command was read (so svTRIDs follow command order whatever the
/// order of the host's answers) and what the transaction log records.
#[derive(Debug)]
struct Tr {
    cl: Option<TransactionId>,
    sv: u64,
    command: CommandName,
    received: SystemTime,
    /// For a login, the clID it tried.
    login_client: Option<Arc<str>>,
    /// The result code, once known (`None` for a greeting).
    code: Option<ResultCode>,
}

impl Tr {
    fn ids(&self) -> TrIds<'_> {
        TrIds {
            cl: self.cl.as_ref(),
            sv: self.sv,
        }
    }
}

/// Records kept when the host does not take them.
const MAX_LOG: usize = 1024;

thread_local! {
    /// The parser's reusable buffers, one set per thread.
    static SCRATCH: std::cell::Cell<Scratch> = std::cell::Cell::new(Scratch::default());
}

/// One EPP session on one connection, without any I/O.
///
/// Drive it with the four verbs: create it with [`Session::new`] (the
/// greeting is queued at once), pass every byte read from the peer to
/// [`Session::feed_input`] (it takes them all; read no more while
/// [`Session::wants_input`] is false), write what [`Session::output`] holds
/// and [`Session::consume_output`] it, and answer every [`Request`] that
/// [`Session::poll_queue`] returns. Call [`Session::handle_timeout`] when
/// [`Session::next_timeout`] passes, and [`Session::handle_eof`] when the
/// peer closes its side.
#[derive(Debug)]
pub struct Session {
    server: Arc<Server>,
    state: State,
    client: Option<Client>,
    failed_logins: u32,
    created: SystemTime,
    last_frame: SystemTime,
    /// The `now` of the latest feed: frames buffered and handled later
    /// count as received then.
    input_now: SystemTime,
    input: InputBuffer,
    /// The peer closed its side; applied once the input before it is
    /// handled.
    eof_pending: bool,
    pipeline: Pipeline<Request, Waiting, Tr>,
    log: VecDeque<TransactionRecord>,
}

impl Session {
    /// session-create: a session for a new connection at `now`; the
    /// greeting is queued at once.
    pub fn new(server: Arc<Server>, now: SystemTime) -> Session {
        let mut out = Vec::new();
        server.config().write_greeting(&mut out, now);
        Session {
            server,
            state: State::AwaitingLogin,
            client: None,
            failed_logins: 0,
            created: now,
            last_frame: now,
            input_now: now,
            input: InputBuffer::default(),
            eof_pending: false,
            pipeline: Pipeline::new(out),
            log: VecDeque::new(),
        }
    }

    /// The server this session belongs to.
    pub fn server(&self) -> &Arc<Server> {
        &self.server
    }

    /// The configuration.
    pub fn config(&self) -> &Arc<ServerConfig> {
        self.server.config()
    }

    fn limits(&self) -> &Limits {
        &self.server.config().limits
    }

    /// Where the session is.
    pub fn state(&self) -> SessionState {
        match self.state {
            State::AwaitingLogin => SessionState::AwaitingLogin,
            State::LoginPending => SessionState::LoginPending,
            State::LoggedIn => SessionState::LoggedIn,
            State::Closing(_) => SessionState::Closing,
            State::Closed(_) => SessionState::Closed,
        }
    }

    /// The logged-in client's identifier.
    pub fn client_id(&self) -> Option<&str> {
        self.client.as_ref().map(|c| &*c.id)
    }

    /// Why the session ended (or is ending).
    pub fn close_reason(&self) -> Option<&CloseReason> {
        self.state.close_reason()
    }

    /// True when the connection should be closed now: the session has ended
    /// and every response it will write has been taken.
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Closed(_))
    }

    /// Requests handed out (or queued) and not yet answered.
    pub fn outstanding(&self) -> usize {
        self.pipeline.outstanding()
    }

    /// Whether another frame may be handled now.
    #[inline]
    fn can_take_frame(&self) -> bool {
        let l = self.limits();
        self.state.is_open()
            && self.state != State::LoginPending
            && self.pipeline.in_flight() < l.max_in_flight
            && self.pipeline.pending_output() < l.max_pending_output
    }

    // ---------------------------------------------------------------
    // feed-input
    // ---------------------------------------------------------------

    /// Whether the host should read more from the peer. False while the
    /// session cannot handle another frame (a login is with the host,
    /// `max_in_flight` requests are unanswered, too much output is waiting),
    /// after the end of input, and once the session is closing. Reading on
    /// regardless is accepted up to [`Limits::max_buffered_input`] bytes
    /// held.
    pub fn wants_input(&self) -> bool {
        !self.eof_pending
            && self.can_take_frame()
            && self.input.len() < self.limits().max_buffered_input
    }

    /// Bytes fed and not yet handled (an unfinished frame, or frames
    /// waiting behind backpressure).
    pub fn buffered_input(&self) -> usize {
        self.input.len()
    }

    /// feed-input: takes every byte read from the peer at `now`, whatever
    /// the size of the read. Whole frames are handled at once while the
    /// session can take them; the rest is held and handled as answers and
    /// taken output make room (so poll the queue again after answering and
    /// after taking output).
    ///
    /// Fails, taking nothing, once the session processes no more input
    /// ([`SessionError::Closed`], sticky), after [`Session::handle_eof`]
    /// ([`SessionError::InputAfterEof`]), and when the session cannot
    /// handle a frame now and the bytes held would exceed
    /// [`Limits::max_buffered_input`] ([`SessionError::InputBufferFull`]:
    /// the host read on although [`Session::wants_input`] was false).
    pub fn feed_input(&mut self, input: &[u8], now: SystemTime) -> Result<(), SessionError> {
        if let Some(r) = self.state.close_reason() {
            return Err(SessionError::Closed(*r));
        }
        if self.eof_pending {
            return Err(SessionError::InputAfterEof);
        }
        let limit = self.limits().max_buffered_input;
        if !self.can_take_frame() && self.input.len().saturating_add(input.len()) > limit {
            return Err(SessionError::InputBufferFull { limit });
        }
        self.input_now = now;
        if self.input.is_empty() {
            // Fast path: whole frames in the caller's buffer are parsed in
            // place; only what is left is copied.
            let used = self.handle_frames(input, now);
            if self.state.is_open() {
                self.input.push(&input[used..]);
            }
        } else {
            self.input.push(input);
            self.advance();
        }
        self.settle();
        Ok(())
    }

    /// Tells the session the peer closed its sending side at `now`. It
    /// takes effect after every byte fed before it has been handled:
    /// commands already read are still answered, and an unfinished frame is
    /// dropped.
    pub fn handle_eof(&mut self, now: SystemTime) {
        if !self.state.is_open() || self.eof_pending {
            return;
        }
        self.eof_pending = true;
        self.input_now = now;
        self.advance();
        self.settle();
    }

    /// Ends the session at the host's wish: nothing more is written, and
    /// output not yet taken is dropped.
    pub fn close(&mut self) {
        self.apply(Input::HostClose);
    }

    // ---------------------------------------------------------------
    // timers
    // ---------------------------------------------------------------

    /// When [`Session::handle_timeout`] should next be called, if ever.
    /// Timers stop while the host holds a request. The login deadline runs
    /// from the connection, the idle timeout from the client's last frame.
    pub fn next_timeout(&self) -> Option<SystemTime> {
        if !self.state.is_open() || self.outstanding() > 0 {
            return None;
        }
        // A deadline past the end of time is no deadline.
        match self.state {
            State::LoggedIn => self.last_frame.checked_add(self.limits().idle_timeout),
            _ => self.created.checked_add(self.limits().login_deadline),
        }
    }

    /// Closes the session (with no response: EPP has no unsolicited
    /// messages) if a deadline has passed by `now`. Output already rendered
    /// is still written. Returns whether it closed.
    pub fn handle_timeout(&mut self, now: SystemTime) -> bool {
        match self.next_timeout() {
            Some(t) if now >= t => {
                self.apply(Input::Timeout);
                true
            }
            _ => false,
        }
    }

    // ---------------------------------------------------------------
    // take-output
    // ---------------------------------------------------------------

    /// take-output: bytes to write to the peer (empty when nothing is
    /// pending). Write some or all, then call [`Session::consume_output`].
    pub fn output(&self) -> &[u8] {
        self.pipeline.output()
    }

    /// Marks `n` bytes of [`Session::output`] as written (at most what is
    /// pending).
    pub fn consume_output(&mut self, n: usize) {
        self.pipeline.consume_output(n);
        self.advance();
        self.settle();
    }

    /// Takes all pending output at once (`None` when nothing is pending).
    pub fn take_output(&mut self) -> Option<Vec<u8>> {
        let out = self.pipeline.take_output();
        self.advance();
        self.settle();
        out
    }

    // ---------------------------------------------------------------
    // poll-queue
    // ---------------------------------------------------------------

    /// poll-queue: the next request the host must decide, in command order.
    pub fn poll_queue(&mut self) -> Option<Request> {
        self.pipeline.pop_request()
    }

    /// Iterates over the requests waiting in the queue, taking them.
    pub fn drain_queue(&mut self) -> impl Iterator<Item = Request> + '_ {
        std::iter::from_fn(move || self.poll_queue())
    }

    /// The next record of the transaction log (responses in the order they
    /// were written), when the configuration keeps one.
    pub fn poll_transaction(&mut self) -> Option<TransactionRecord> {
        self.log.pop_front()
    }

    // ---------------------------------------------------------------
    // answers
    // ---------------------------------------------------------------

    /// The slot of outstanding request `id`.
    fn slot(&self, id: RequestId) -> Result<(usize, &Waiting), SessionError> {
        match self.pipeline.lookup(id.0) {
            Lookup::Waiting(i) => Ok((i, self.pipeline.waiting(i).expect("waiting"))),
            Lookup::Settled => match self.state.close_reason() {
                Some(r) => Err(SessionError::Closed(*r)),
                None => Err(SessionError::AlreadyAnswered(id)),
            },
            Lookup::Unknown => Err(SessionError::UnknownRequest(id)),
        }
    }

    fn wrong(id: RequestId, waiting: &Waiting, answer: &'static str) -> SessionError {
        SessionError::WrongAnswer {
            id,
            kind: waiting.kind(),
            answer,
        }
    }

    /// Answers a [`Request::Login`]. Returns the result code sent: an
    /// accepted login can still become 2502 when the registrar is over the
    /// shared session limit, so only 1000 means the client is logged in
    /// (and a new password should take effect).
    pub fn answer_login(
        &mut self,
        id: RequestId,
        answer: LoginAnswer,
    ) -> Result<ResultCode, SessionError> {
        self.answer_login_with(id, answer, Vec::new())
    }

    /// Answers a [`Request::Login`] as [`Session::answer_login`] does, with
    /// RFC 8807 security events for the client (a password or certificate
    /// about to expire, a weak cipher or TLS protocol, statistics...),
    /// whatever the outcome. They are written as
    /// `<extension><loginSec:loginSecData>` when the client logged in with
    /// the extension (its extURI in `<svcExtension>`), and moved into
    /// `<extValue>` otherwise (RFC 9038), like any extension the client did
    /// not ask for. With no events the response is `answer_login`'s.
    ///
    /// Fails with [`SessionError::InvalidAnswer`], answering nothing, when
    /// an event lacks what RFC 8807 requires: `exDate` for
    /// [`SecurityEventType::Password`](crate::SecurityEventType::Password)
    /// and [`SecurityEventType::Certificate`](crate::SecurityEventType::Certificate),
    /// a name for `stat` and `custom`, a language tag in `lang`.
    pub fn answer_login_with(
        &mut self,
        id: RequestId,
        answer: LoginAnswer,
        events: Vec<SecurityEvent>,
    ) -> Result<ResultCode, SessionError> {
        let (i, waiting) = self.slot(id)?;
        let Waiting::Login {
            client_id,
            obj_mask,
            ext_mask,
        } = waiting
        else {
            return Err(Self::wrong(id, waiting, "login"));
        };
        // Sorted by the services this login asked for, whether or not it
        // succeeds.
        let events = if events.is_empty() {
            None
        } else {
            check_events(&events)?;
            let xml = login_sec_data_xml(&events);
            let host = HostXml {
                extension: Some(&xml),
                ..HostXml::default()
            };
            Some(Passthrough::sort(
                self.server.config(),
                *obj_mask,
                *ext_mask,
                host,
            )?)
        };
        let code = match answer {
            LoginAnswer::Accepted => {
                // A session already ending (the peer left) takes no slot.
                let counter = self
                    .server
                    .registrar_sessions()
                    .filter(|_| self.state.is_open());
                match counter.map(|c| c.acquire(client_id)) {
                    Some(None) => ResultCode::SessionLimitExceededServerClosingConnection,
                    slot => {
                        self.client = Some(Client {
                            id: client_id.clone(),
                            obj_mask: *obj_mask,
                            ext_mask: *ext_mask,
                            slot: slot.flatten(),
                        });
                        ResultCode::Success
                    }
                }
            }
            LoginAnswer::BadCredentials => {
                self.failed_logins += 1;
                if self.failed_logins >= self.limits().max_failed_logins {
                    ResultCode::AuthenticationErrorServerClosingConnection
                } else {
                    ResultCode::AuthenticationError
                }
            }
            LoginAnswer::AccountDisabled => ResultCode::AuthorizationError,
            LoginAnswer::SessionLimitExceeded => {
                ResultCode::SessionLimitExceededServerClosingConnection
            }
            LoginAnswer::Failed => ResultCode::CommandFailed,
        };
        self.finish(
            i,
            Input::LoginAnswered(code),
            code,
            |out, server, tr| match &events {
                None => write_result(out, server, tr, code, None, None),
                Some(pass) => write_full(out, server, tr, &Response::new(code), pass),
            },
        );
        Ok(code)
    }

    /// Answers a [`Request::Poll`].
    pub fn answer_poll(&mut self, id: RequestId, answer: PollAnswer) -> Result<(), SessionError> {
        let (i, waiting) = self.slot(id)?;
        if !matches!(waiting, Waiting::Poll) {
            return Err(Self::wrong(id, waiting, "poll"));
        }
        match answer {
            PollAnswer::Empty => {
                let code = ResultCode::SuccessNoMessages;
                self.finish(i, Input::Answered(code), code, |out, server, tr| {
                    write_result(out, server, tr, code, None, None)
                })
            }
            PollAnswer::Message(m) => {
                if m.count == 0 {
                    // msgQ@count counts the queue with this message in it.
                    return Err(SessionError::InvalidAnswer(
                        "a poll message's count is at least 1 (it counts this message); \
                         answer an empty queue with PollAnswer::Empty"
                            .into(),
                    ));
                }
                check_lang(m.lang.as_deref())?;
                let pass = self.passthrough(HostXml {
                    msg: m.msg_xml.as_deref(),
                    res_data: m.res_data.as_deref(),
                    extension: m.extension.as_deref(),
                })?;
                let code = ResultCode::SuccessAckToDequeue;
                self.finish(i, Input::Answered(code), code, |out, server, tr| {
                    write_poll_message(out, server, tr, &m, &pass)
                })
            }
        }
        Ok(())
    }

    /// Answers a [`Request::PollAck`].
    pub fn answer_ack(&mut self, id: RequestId, answer: AckAnswer) -> Result<(), SessionError> {
        let (i, waiting) = self.slot(id)?;
        let &Waiting::Ack { msg_id } = waiting else {
            return Err(Self::wrong(id, waiting, "ack"));
        };
        match answer {
            AckAnswer::Acked { remaining } => {
                let code = ResultCode::Success;
                self.finish(i, Input::Answered(code), code, |out, server, tr| {
                    write_acked(out, server, tr, remaining, msg_id)
                })
            }
            AckAnswer::UnknownMessage => {
                let code = ResultCode::ObjectDoesNotExist;
                self.finish(i, Input::Answered(code), code, |out, server, tr| {
                    write_unknown_message(out, server, tr, msg_id)
                })
            }
        }
        Ok(())
    }

    /// Answers a [`Request::Command`] or a [`Request::Extension`] (or a poll
    /// or ack, when the host wants full control of the result) with a
    /// complete response. A 25xx code
    /// closes the session once it is written.
    pub fn answer_command(
        &mut self,
        id: RequestId,
        mut response: Response,
    ) -> Result<(), SessionError> {
        let (i, waiting) = self.slot(id)?;
        if matches!(waiting, Waiting::Login { .. }) {
            return Err(Self::wrong(id, waiting, "response"));
        }
        if response.results.is_empty() {
            return Err(SessionError::InvalidAnswer(
                "a response needs at least one result".into(),
            ));
        }
        let depth = self.limits().max_xml_depth;
        for r in &mut response.results {
            check_lang(r.lang.as_deref())?;
            for v in &mut r.values {
                let xml = match v {
                    ResultValue::Value(x) => x,
                    ResultValue::ExtValue { value, .. } => value,
                };
                *xml = standalone_value(xml, depth)?;
            }
        }
        let pass = self.passthrough(HostXml {
            msg: None,
            res_data: response.res_data.as_deref(),
            extension: response.extension.as_deref(),
        })?;
        let code = response.code();
        self.finish(i, Input::Answered(code), code, |out, server, tr| {
            write_full(out, server, tr, &response, &pass)
        });
        Ok(())
    }

    /// Answers any outstanding request with 2400 (command failed), with an
    /// optional message text.
    pub fn answer_failure(
        &mut self,
        id: RequestId,
        message: Option<&str>,
    ) -> Result<(), SessionError> {
        let (i, waiting) = self.slot(id)?;
        let code = ResultCode::CommandFailed;
        let input = match waiting {
            Waiting::Login { .. } => Input::LoginAnswered(code),
            _ => Input::Answered(code),
        };
        self.finish(i, input, code, |out, server, tr| {
            write_result(out, server, tr, code, message, None)
        });
        Ok(())
    }

    /// Completes slot `i` with a response of `code` after the transition
    /// for `input`.
    fn finish(
        &mut self,
        i: usize,
        input: Input<'_>,
        code: ResultCode,
        render: impl FnOnce(&mut Vec<u8>, &Server, TrIds<'_>),
    ) {
        let before = self.state;
        let step = transition(before, input, &self.context(&[]));
        self.state = step.next;
        self.pipeline.meta_mut(i).code = Some(code);
        let server = &self.server;
        let closed = self.pipeline.complete(
            i,
            code.closes_session(),
            |out, tr| render(out, server, tr.ids()),
            |tr, _| record(&mut self.log, server, self.client.as_ref(), tr),
        );
        if closed {
            self.pipeline.retain_requests(is_session_end);
        }
        self.ended(before);
        self.advance();
        self.settle();
    }

    // ---------------------------------------------------------------
    // input
    // ---------------------------------------------------------------

    /// Handles the whole frames at the start of `bytes` while the session
    /// can take them; returns the bytes used.
    fn handle_frames(&mut self, bytes: &[u8], now: SystemTime) -> usize {
        let limit = self.limits().max_frame_size;
        let mut pos = 0;
        while self.can_take_frame() {
            match decode_header(&bytes[pos..], limit) {
                Decoded::Frame { total } => {
                    self.handle_frame(&bytes[pos + HEADER_LEN..pos + total], now);
                    pos += total;
                }
                Decoded::Incomplete => break,
                Decoded::BadLength { length, limit } => {
                    self.last_frame = now;
                    let tr = self.tr(None, CommandName::FrameLength);
                    self.apply_with(Input::BadFrameLength { length, limit }, tr, &[], now);
                    return bytes.len();
                }
            }
        }
        pos
    }

    /// Handles what the input buffer holds, as far as the session can, then
    /// the end of input if it is due.
    #[inline]
    fn advance(&mut self) {
        if !self.input.is_empty() && self.can_take_frame() {
            let mut held = self.input.take();
            let used = self.handle_frames(held.bytes(), self.input_now);
            held.consume(used);
            if self.state.is_open() {
                self.input.restore(held);
            }
        }
        // Everything before the end of input is handled once the session
        // could take another frame, or holds nothing.
        if self.eof_pending
            && self.state.is_open()
            && (self.input.is_empty() || self.can_take_frame())
        {
            let unfinished = self.input.len();
            self.apply(Input::PeerClosed { unfinished });
        }
    }

    fn bounds(&self) -> XmlBounds {
        let l = self.limits();
        XmlBounds {
            max_depth: l.max_xml_depth,
            max_attributes: l.max_xml_attributes,
            max_text: l.max_xml_text,
        }
    }

    fn handle_frame(&mut self, body: &[u8], now: SystemTime) {
        self.last_frame = now;
        // The parser's bookkeeping buffers belong to the thread, not to the
        // session, so that idle sessions hold none of them.
        let bounds = self.bounds();
        #[allow(clippy::result_large_err)] // the refusal is rendered at once
        let parsed = SCRATCH.with(|cell| {
            let mut scratch = cell.take();
            let parsed = parse_frame(body, &mut scratch, bounds);
            cell.set(scratch);
            parsed
        });
        match parsed {
            Err(mut refusal) => {
                let tr = self.tr(refusal.cl_trid.take(), CommandName::Invalid);
                self.apply_with(Input::Refused(&refusal), tr, &[], now);
            }
            Ok(Frame::Hello) => {
                // A greeting has no svTRID, so a hello takes no number.
                let tr = Tr {
                    cl: None,
                    sv: 0,
                    command: CommandName::Hello,
                    received: now,
                    login_client: None,
                    code: None,
                };
                self.apply_with(Input::Hello, tr, &[], now);
            }
            Ok(Frame::Command(cmd)) => {
                let name = command_name(&cmd.kind);
                let tr = self.tr(cmd.cl_trid, name);
                self.apply_with(Input::Command(cmd.kind), tr, &cmd.extensions, now);
            }
            Ok(Frame::Extension(elements)) => {
                // A protocol extension carries no EPP clTRID.
                let tr = self.tr(None, CommandName::Extension);
                self.apply_with(Input::Command(CommandKind::Extension), tr, &elements, now);
            }
        }
    }

    /// Transaction ids for a response to a frame read now.
    fn tr(&self, cl: Option<TransactionId>, command: CommandName) -> Tr {
        Tr {
            cl,
            sv: self.server.next_sv_trid(),
            command,
            received: self.last_frame,
            login_client: None,
            code: None,
        }
    }

    fn context<'c>(&'c self, extensions: &'c [Extension]) -> Context<'c> {
        let (obj_mask, ext_mask) = self
            .client
            .as_ref()
            .map_or((0, 0), |c| (c.obj_mask, c.ext_mask));
        Context {
            config: self.server.config(),
            obj_mask,
            ext_mask,
            extensions,
        }
    }

    /// Runs a transition that needs no response of its own.
    fn apply(&mut self, input: Input<'_>) {
        let before = self.state;
        let step = transition(before, input, &self.context(&[]));
        debug_assert!(matches!(step.action, Action::None));
        self.state = step.next;
        self.ended(before);
        self.settle();
    }

    /// Runs the transition for a frame read at `now` and carries out its
    /// action; `tr` is the response's bookkeeping.
    fn apply_with(
        &mut self,
        input: Input<'_>,
        mut tr: Tr,
        extensions: &[Extension],
        now: SystemTime,
    ) {
        let before = self.state;
        let step = transition(before, input, &self.context(extensions));
        self.state = step.next;
        let closes = before.is_open() && !self.state.is_open();
        match step.action {
            Action::None => {}
            Action::Reply(reply) => {
                if let Reply::Result { code, .. } = &reply {
                    tr.code = Some(*code);
                }
                let server = &self.server;
                self.pipeline.respond_now(
                    tr,
                    closes,
                    |out, tr| write_reply(out, server, tr.ids(), &reply, now),
                    |tr, _| record(&mut self.log, server, self.client.as_ref(), tr),
                );
            }
            Action::Ask(ask) => self.ask(ask, tr, extensions),
        }
        self.ended(before);
    }

    /// Opens a slot and queues the request for the host.
    fn ask(&mut self, ask: Ask<'_>, mut tr: Tr, extensions: &[Extension]) {
        let client_transaction_id = tr.cl.clone();
        let (extension_uris, extension_xml) = split_extensions(extensions);
        let client_id = || {
            self.client
                .as_ref()
                .map_or_else(|| Arc::from(""), |c| Arc::clone(&c.id))
        };
        match ask {
            Ask::Login {
                login,
                obj_mask,
                ext_mask,
                user_agent,
            } => {
                // RFC 8807: <loginSec:loginSec> was read into the request,
                // passwords and all; it is not passed on.
                let extension_xml = if self.server.config().login_security.is_some() {
                    split_extensions(extensions_except(extensions, LOGIN_SECURITY_NS).as_slice()).1
                } else {
                    extension_xml
                };
                let client_id: Arc<str> = Arc::from(&*login.cl_id);
                tr.login_client = Some(Arc::clone(&client_id));
                let waiting = Waiting::Login {
                    client_id: Arc::clone(&client_id),
                    obj_mask,
                    ext_mask,
                };
                let server_transaction_id = self.server.sv_trid(tr.sv);
                let id = RequestId(self.pipeline.open(waiting, tr));
                self.pipeline
                    .push_request(Request::Login(Box::new(LoginRequest {
                        id,
                        client_id: client_id.to_string(),
                        password: login.pw.into_owned(),
                        new_password: login.new_pw.map(|p| p.into_owned()),
                        lang: login.lang.into_owned(),
                        object_uris: login.obj_uris.into_iter().map(|u| u.into_owned()).collect(),
                        extension_uris: login
                            .ext_uris
                            .into_iter()
                            .map(|u| u.into_owned())
                            .collect(),
                        extension_xml,
                        user_agent,
                        client_transaction_id,
                        server_transaction_id,
                    })));
            }
            Ask::Poll => {
                let client_id = client_id();
                let server_transaction_id = self.server.sv_trid(tr.sv);
                let id = RequestId(self.pipeline.open(Waiting::Poll, tr));
                self.pipeline.push_request(Request::Poll(PollRequest {
                    id,
                    client_id,
                    extension_xml,
                    client_transaction_id,
                    server_transaction_id,
                }));
            }
            Ask::Ack { msg_id } => {
                let client_id = client_id();
                let server_transaction_id = self.server.sv_trid(tr.sv);
                let id = RequestId(self.pipeline.open(Waiting::Ack { msg_id }, tr));
                self.pipeline.push_request(Request::PollAck(PollAckRequest {
                    id,
                    client_id,
                    message_id: msg_id,
                    extension_xml,
                    client_transaction_id,
                    server_transaction_id,
                }));
            }
            Ask::Command {
                verb,
                transfer_op,
                object_ns,
                object_xml,
            } => {
                let client_id = client_id();
                let server_transaction_id = self.server.sv_trid(tr.sv);
                let id = RequestId(self.pipeline.open(Waiting::Command, tr));
                self.pipeline
                    .push_request(Request::Command(Box::new(ObjectCommand {
                        id,
                        client_id,
                        verb,
                        transfer_op,
                        object_uri: object_ns,
                        object_xml,
                        extension_uris,
                        extension_xml,
                        client_transaction_id,
                        server_transaction_id,
                    })));
            }
            Ask::Extension => {
                let client_id = client_id();
                let server_transaction_id = self.server.sv_trid(tr.sv);
                let id = RequestId(self.pipeline.open(Waiting::Extension, tr));
                self.pipeline
                    .push_request(Request::Extension(Box::new(ExtensionCommand {
                        id,
                        client_id,
                        extension_uris,
                        extension_xml: extension_xml.unwrap_or_default(),
                        server_transaction_id,
                    })));
            }
        }
    }

    /// What a transition from `before` into a closing or closed state
    /// entails: the host is told, the registrar's session slot is released,
    /// input is dropped; a session closed at once writes nothing more.
    #[inline]
    fn ended(&mut self, before: State) {
        if before.is_open() {
            if let Some(reason) = self.state.close_reason().copied() {
                self.pipeline
                    .push_request(Request::SessionEnd(SessionEnd { reason }));
                if let Some(c) = &mut self.client {
                    c.slot = None;
                }
                self.input.clear();
                self.eof_pending = false;
            }
        }
        if !matches!(before, State::Closed(_)) && matches!(self.state, State::Closed(_)) {
            self.pipeline.abandon(is_session_end);
            self.pipeline.discard_output();
        }
    }

    /// A closing session whose every response has been taken is closed.
    #[inline]
    fn settle(&mut self) {
        if matches!(self.state, State::Closing(_)) && self.pipeline.is_drained() {
            let before = self.state;
            self.state = transition(before, Input::Drained, &self.context(&[])).next;
        }
    }

    /// Sorts passed-through XML by the client's login services.
    fn passthrough(&self, host: HostXml<'_>) -> Result<Passthrough, SessionError> {
        let cx = self.context(&[]);
        Passthrough::sort(cx.config, cx.obj_mask, cx.ext_mask, host)
    }
}

/// Notes a response moved to the output in the transaction log, if the
/// configuration keeps one.
#[inline]
fn record(
    log: &mut VecDeque<TransactionRecord>,
    server: &Server,
    client: Option<&Client>,
    tr: &Tr,
) {
    if !server.config().transaction_log {
        return;
    }
    if log.len() >= MAX_LOG {
        log.pop_front();
    }
    log.push_back(TransactionRecord {
        command: tr.command,
        code: tr.code,
        client_id: tr
            .login_client
            .as_deref()
            .or(client.map(|c| &*c.id))
            .map(str::to_owned),
        client_transaction_id: tr.cl.clone(),
        server_transaction_id: tr.code.map(|_| server.sv_trid_string(tr.sv)),
        received_at: tr.received,
    });
}

fn is_session_end(r: &Request) -> bool {
    matches!(r, Request::SessionEnd(_))
}

fn command_name(kind: &CommandKind<'_>) -> CommandName {
    match kind {
        CommandKind::Login(_) => CommandName::Login,
        CommandKind::Logout => CommandName::Logout,
        CommandKind::Poll {
            op: PollOp::Req, ..
        } => CommandName::PollReq,
        CommandKind::Poll {
            op: PollOp::Ack, ..
        } => CommandName::PollAck,
        CommandKind::Object { verb, .. } => CommandName::Object(*verb),
        CommandKind::Extension => CommandName::Extension,
    }
}

/// The extensions not in namespace `ns`.
fn extensions_except(ext: &[Extension], ns: &str) -> Vec<Extension> {
    ext.iter().filter(|e| e.ns != ns).cloned().collect()
}

/// The extension namespaces and their XML, concatenated.
fn split_extensions(ext: &[Extension]) -> (Vec<String>, Option<String>) {
    if ext.is_empty() {
        return (Vec::new(), None);
    }
    let xml = ext.iter().map(|e| e.xml.as_str()).collect();
    (ext.iter().map(|e| e.ns.clone()).collect(), Some(xml))
}

/// A language tag the host gives must be one (xs:language).
fn check_lang(lang: Option<&str>) -> Result<(), SessionError> {
    match lang {
        Some(l) if !crate::parse::is_language(l) => Err(SessionError::InvalidAnswer(format!(
            "{l:?} is not a language tag"
        ))),
        _ => Ok(()),
    }
}
