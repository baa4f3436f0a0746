//! The session: the state machine of RFC 5730 section 2 over RFC 5734
//! framing, with in-order response slots for pipelining, timers driven by
//! the host's `now`, and the request queue the host answers.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::SystemTime;

use crate::config::{ServerConfig, SessionSlot};
use crate::error::SessionError;
use crate::parse::{parse_frame, Command, CommandKind, Frame, Login, PollOp, Refusal};
use crate::render::{
    begin_frame, end_frame, push_attr, push_ext_value_raw, push_ext_value_text, push_result_head,
    push_text, push_value, EPP_CLOSE, EPP_OPEN,
};
use crate::request::{
    CloseReason, LoginRequest, ObjectCommand, PollAckRequest, PollRequest, Request, RequestId,
    RequestKind, SessionEnd,
};
use crate::response::{AckAnswer, LoginAnswer, PollAnswer, PollMessage, Response};
use crate::result_code::ResultCode;
use crate::time::{write_rfc3339, RFC3339_LEN};
use crate::trid::{push_decimal, TransactionId};
use crate::xml::{fragment_elements, FragmentElement, Scratch, XmlBounds};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    AwaitingLogin,
    LoginPending,
    LoggedIn,
}

/// The logged-in client.
#[derive(Debug)]
struct Client {
    id: String,
    /// Bit i set: the client logged in with `config.object_uris[i]`.
    obj_mask: u64,
    /// Bit i set: the client logged in with `config.extension_uris[i]`.
    ext_mask: u64,
    _slot: Option<SessionSlot>,
}

/// What a slot waits for.
#[derive(Debug)]
enum Waiting {
    /// Rendered (in `done`), waiting for earlier slots.
    Nothing,
    Login {
        client_id: String,
        obj_mask: u64,
        ext_mask: u64,
    },
    Poll,
    Ack {
        msg_id: u64,
    },
    Command,
}

impl Waiting {
    fn kind(&self) -> RequestKind {
        match self {
            Waiting::Login { .. } => RequestKind::Login,
            Waiting::Poll => RequestKind::Poll,
            Waiting::Ack { .. } => RequestKind::PollAck,
            Waiting::Command | Waiting::Nothing => RequestKind::Command,
        }
    }
}

/// The transaction ids of one response: the client's, and the number of
/// the server's, taken when the command was read so that svTRIDs follow
/// command order whatever the chunking or the order of the host's answers.
#[derive(Debug)]
struct Tr {
    cl: Option<TransactionId>,
    sv: u64,
    command: &'static str,
    received: SystemTime,
    /// For a login, the clID it tried.
    login_client: Option<String>,
}

/// One response position, in command order.
#[derive(Debug)]
struct Slot {
    id: u64,
    waiting: Waiting,
    tr: Tr,
    /// The rendered frame, once known and not yet movable to the output.
    done: Option<Vec<u8>>,
    /// Its response closes the session.
    closes: bool,
}

/// Incremental RFC 5734 frame reader. It never allocates the announced
/// length up front: the body grows as bytes arrive.
#[derive(Debug, Default)]
struct FrameReader {
    header: [u8; 4],
    header_len: u8,
    /// Body length still expected (valid once the header is complete).
    body_len: usize,
    body: Vec<u8>,
}

impl FrameReader {
    fn is_idle(&self) -> bool {
        self.header_len == 0
    }

    fn buffered(&self) -> usize {
        self.header_len as usize + self.body.len()
    }
}

/// Result of checking a frame header.
fn frame_len(header: [u8; 4], max: u32) -> Result<usize, (u32, u32)> {
    let len = u32::from_be_bytes(header);
    if !(5..=max).contains(&len) {
        return Err((len, max));
    }
    Ok(len as usize - 4)
}

/// One EPP session on one connection, without any I/O.
///
/// Drive it with the four verbs: create it with [`Session::new`] (the
/// greeting is queued at once), pass bytes read from the peer to
/// [`Session::feed_input`], write what [`Session::output`] holds and
/// [`Session::consume_output`] it, and answer every [`Request`] that
/// [`Session::poll_queue`] returns. Call [`Session::handle_timeout`] when
/// [`Session::next_timeout`] passes.
#[derive(Debug)]
pub struct Session {
    config: Arc<ServerConfig>,
    phase: Phase,
    client: Option<Client>,
    failed_logins: u32,
    created: SystemTime,
    last_frame: SystemTime,
    ending: Option<CloseReason>,
    /// Ended without flushing (timeout, abrupt close).
    terminated: bool,
    reader: FrameReader,
    out: Vec<u8>,
    out_pos: usize,
    slots: VecDeque<Slot>,
    requests: VecDeque<Request>,
    next_id: u64,
    /// What the frame being handled is, for the transaction log.
    current_command: &'static str,
    log: VecDeque<TransactionRecord>,
}

/// Records kept when the host does not take them.
const MAX_LOG: usize = 1024;

/// One response written, for the host's audit log (kept only when the
/// configuration asks for it: [`ServerConfigBuilder::transaction_log`]).
///
/// [`ServerConfigBuilder::transaction_log`]: crate::ServerConfigBuilder::transaction_log
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionRecord {
    /// What was answered: `hello`, `login`, `logout`, `poll req`, `poll ack`,
    /// an object verb (`check`, `info`, ...), `invalid` (a frame refused with
    /// 2000 or 2001) or `frame` (a frame length refused with 2500).
    pub command: &'static str,
    /// The result code; `None` for a greeting.
    pub code: Option<ResultCode>,
    /// The logged-in client, or for a login the clID it tried.
    pub client_id: Option<String>,
    /// The client's clTRID, as echoed.
    pub client_transaction_id: Option<TransactionId>,
    /// The svTRID; `None` for a greeting.
    pub server_transaction_id: Option<String>,
    /// When the frame was read (the `now` passed with it).
    pub received_at: SystemTime,
}

/// The result code of a response frame libepp rendered, read back from its
/// fixed position.
fn response_code(frame: &[u8]) -> Option<ResultCode> {
    const HEAD: &str = "<response><result code=\"";
    let at = 4 + EPP_OPEN.len();
    let rest = frame.get(at..)?;
    if !rest.starts_with(HEAD.as_bytes()) {
        return None;
    }
    let d = rest.get(HEAD.len()..HEAD.len() + 4)?;
    let n = d.iter().try_fold(0u16, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + (b - b'0') as u16)
    })?;
    ResultCode::from_u16(n)
}

thread_local! {
    /// The parser's reusable buffers, one set per thread.
    static SCRATCH: std::cell::Cell<Scratch> = std::cell::Cell::new(Scratch::default());
}

/// Past this, a drained buffer is released entirely.
const KEEP_CAPACITY: usize = 16 * 1024;
/// What a drained output buffer keeps: room for a greeting or a poll
/// message response without reallocating.
const IDLE_CAPACITY: usize = 1024;

impl Session {
    /// Creates a session for a new connection at `now`; the greeting is
    /// queued at once.
    pub fn new(config: Arc<ServerConfig>, now: SystemTime) -> Session {
        config.note_first_use(now);
        let mut out = Vec::new();
        config.write_greeting(&mut out, now);
        Session {
            config,
            phase: Phase::AwaitingLogin,
            client: None,
            failed_logins: 0,
            created: now,
            last_frame: now,
            ending: None,
            terminated: false,
            reader: FrameReader::default(),
            out,
            out_pos: 0,
            // One of each in steady state (a command at a time): exact
            // capacities keep an idle session small; pipelining grows them.
            slots: VecDeque::with_capacity(1),
            requests: VecDeque::with_capacity(1),
            next_id: 1,
            current_command: "",
            log: VecDeque::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Arc<ServerConfig> {
        &self.config
    }

    /// Where the session is.
    pub fn state(&self) -> SessionState {
        if self.ending.is_some() {
            if self.is_finished() {
                SessionState::Closed
            } else {
                SessionState::Closing
            }
        } else {
            match self.phase {
                Phase::AwaitingLogin => SessionState::AwaitingLogin,
                Phase::LoginPending => SessionState::LoginPending,
                Phase::LoggedIn => SessionState::LoggedIn,
            }
        }
    }

    /// The logged-in client's identifier.
    pub fn client_id(&self) -> Option<&str> {
        self.client.as_ref().map(|c| c.id.as_str())
    }

    /// Why the session ended (or is ending).
    pub fn close_reason(&self) -> Option<&CloseReason> {
        self.ending.as_ref()
    }

    /// True when the connection should be closed now: the session has ended
    /// and every response it will write has been taken.
    pub fn is_finished(&self) -> bool {
        self.ending.is_some()
            && (self.terminated || (self.slots.is_empty() && self.out_pos == self.out.len()))
    }

    /// Requests handed out (or queued) and not yet answered.
    pub fn outstanding(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| !matches!(s.waiting, Waiting::Nothing))
            .count()
    }

    fn limits(&self) -> &crate::config::Limits {
        &self.config.limits
    }

    /// Whether another frame may be read now.
    fn can_take_frame(&self) -> bool {
        self.ending.is_none()
            && self.phase != Phase::LoginPending
            && self.slots.len() < self.limits().max_in_flight
            && self.out.len() - self.out_pos < self.limits().max_pending_output
    }

    // ---------------------------------------------------------------
    // feed-input
    // ---------------------------------------------------------------

    /// Takes bytes read from the peer at `now` and returns how many were
    /// taken. Fewer than `input.len()` means backpressure: a login is with
    /// the host, too many commands are in flight, or too much output is
    /// waiting. Keep the rest and feed it again after answering requests or
    /// taking output.
    ///
    /// Fails only once the session processes no more input (sticky).
    pub fn feed_input(&mut self, input: &[u8], now: SystemTime) -> Result<usize, SessionError> {
        if let Some(r) = &self.ending {
            return Err(SessionError::Closed(r.clone()));
        }
        let mut pos = 0;
        while pos < input.len() && self.can_take_frame() {
            let rest = &input[pos..];
            // Fast path: a whole frame in the caller's buffer, parsed in place.
            if self.reader.is_idle() && rest.len() >= 4 {
                let header = [rest[0], rest[1], rest[2], rest[3]];
                match frame_len(header, self.limits().max_frame_size) {
                    Err((length, limit)) => {
                        self.bad_frame_length(length, limit, now);
                        return Ok(input.len());
                    }
                    Ok(body) if rest.len() >= 4 + body => {
                        pos += 4 + body;
                        self.handle_frame(&rest[4..4 + body], now);
                        continue;
                    }
                    Ok(_) => {}
                }
            }
            // Slow path: gather the frame.
            let r = &mut self.reader;
            let mut used = 0;
            if r.header_len < 4 {
                let n = (4 - r.header_len as usize).min(rest.len());
                r.header[r.header_len as usize..r.header_len as usize + n]
                    .copy_from_slice(&rest[..n]);
                r.header_len += n as u8;
                used += n;
                if r.header_len < 4 {
                    pos += used;
                    continue;
                }
                match frame_len(r.header, self.config.limits.max_frame_size) {
                    Err((length, limit)) => {
                        self.bad_frame_length(length, limit, now);
                        return Ok(input.len());
                    }
                    Ok(body) => {
                        r.body_len = body;
                        r.body.clear();
                    }
                }
            }
            let n = (r.body_len - r.body.len()).min(rest.len() - used);
            r.body.extend_from_slice(&rest[used..used + n]);
            used += n;
            pos += used;
            if r.body.len() == r.body_len {
                let body = std::mem::take(&mut r.body);
                r.header_len = 0;
                self.handle_frame(&body, now);
                let mut body = body;
                body.clear();
                if body.capacity() <= KEEP_CAPACITY {
                    self.reader.body = body;
                }
            }
        }
        Ok(pos)
    }

    /// Tells the session the peer closed its sending side at `now`.
    ///
    /// Call it once every byte read before the end of file has been fed:
    /// when [`Session::feed_input`] took fewer bytes (backpressure), answer
    /// requests and feed the rest first, or pipelined commands behind a
    /// pending login would be lost. Commands already read are still
    /// answered; an unfinished frame is dropped.
    pub fn handle_eof(&mut self, now: SystemTime) {
        let _ = now;
        if self.ending.is_some() {
            return;
        }
        if !self.reader.is_idle() {
            // The unfinished frame is dropped; complete commands before it
            // are still answered, as after a clean EOF.
            let received = self.reader.buffered();
            self.end(CloseReason::PeerClosedMidFrame { received }, false);
        } else {
            self.end(CloseReason::PeerClosed, false);
        }
    }

    /// Ends the session at the host's wish: nothing more is written.
    pub fn close(&mut self) {
        if self.ending.is_none() {
            self.end(CloseReason::Host, true);
        }
    }

    // ---------------------------------------------------------------
    // timers
    // ---------------------------------------------------------------

    /// When [`Session::handle_timeout`] should next be called, if ever.
    /// Timers stop while the host holds a request. The login deadline runs
    /// from the connection, the idle timeout from the client's last frame.
    pub fn next_timeout(&self) -> Option<SystemTime> {
        if self.ending.is_some() || self.outstanding() > 0 {
            return None;
        }
        // A deadline past the end of time is no deadline.
        match self.phase {
            Phase::LoggedIn => self.last_frame.checked_add(self.limits().idle_timeout),
            _ => self.created.checked_add(self.limits().login_deadline),
        }
    }

    /// Closes the session (with no response: EPP has no unsolicited
    /// messages) if a deadline has passed by `now`. Returns whether it did.
    pub fn handle_timeout(&mut self, now: SystemTime) -> bool {
        match self.next_timeout() {
            Some(t) if now >= t => {
                let reason = if self.phase == Phase::LoggedIn {
                    CloseReason::IdleTimeout
                } else {
                    CloseReason::LoginDeadline
                };
                // Output already rendered (an answer that came late) is
                // still written before the connection closes.
                self.end(reason, false);
                true
            }
            _ => false,
        }
    }

    // ---------------------------------------------------------------
    // take-output
    // ---------------------------------------------------------------

    /// Bytes to write to the peer (empty when nothing is pending). Write
    /// some or all, then call [`Session::consume_output`].
    pub fn output(&self) -> &[u8] {
        &self.out[self.out_pos..]
    }

    /// Marks `n` bytes of [`Session::output`] as written.
    pub fn consume_output(&mut self, n: usize) {
        self.out_pos = self.out_pos.saturating_add(n).min(self.out.len());
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
            if self.out.capacity() > KEEP_CAPACITY {
                self.out = Vec::new();
            } else if self.out.capacity() > IDLE_CAPACITY {
                // Enough for any ordinary response, so steady state does not
                // allocate; an idle session keeps little.
                self.out.shrink_to(IDLE_CAPACITY);
            }
        } else if self.out_pos > KEEP_CAPACITY && self.out_pos > self.out.len() / 2 {
            // Partial writes: drop what was written so the buffer never
            // holds more than twice what is pending.
            self.out.drain(..self.out_pos);
            self.out_pos = 0;
        }
    }

    /// Takes all pending output at once (`None` when nothing is pending).
    pub fn take_output(&mut self) -> Option<Vec<u8>> {
        if self.out_pos == self.out.len() {
            return None;
        }
        let v = if self.out_pos == 0 {
            std::mem::take(&mut self.out)
        } else {
            self.out[self.out_pos..].to_vec()
        };
        self.out.clear();
        self.out_pos = 0;
        Some(v)
    }

    // ---------------------------------------------------------------
    // poll-queue
    // ---------------------------------------------------------------

    /// The next request the host must decide, in command order.
    pub fn poll_queue(&mut self) -> Option<Request> {
        self.requests.pop_front()
    }

    /// The next record of the transaction log (responses in the order they
    /// were rendered), when the configuration keeps one.
    pub fn poll_transaction(&mut self) -> Option<TransactionRecord> {
        self.log.pop_front()
    }

    /// Iterates over the requests waiting in the queue, taking them.
    pub fn drain_queue(&mut self) -> impl Iterator<Item = Request> + '_ {
        std::iter::from_fn(move || self.poll_queue())
    }

    // ---------------------------------------------------------------
    // answers
    // ---------------------------------------------------------------

    fn slot_index(&self, id: RequestId) -> Result<usize, SessionError> {
        match self
            .slots
            .iter()
            .position(|s| s.id == id.0 && !matches!(s.waiting, Waiting::Nothing))
        {
            Some(i) => Ok(i),
            None => match (&self.ending, self.terminated) {
                (Some(r), true) => Err(SessionError::Closed(r.clone())),
                _ => Err(SessionError::UnknownRequest(id)),
            },
        }
    }

    fn wrong(&self, id: RequestId, i: usize, answer: &'static str) -> SessionError {
        SessionError::WrongAnswer {
            id,
            kind: self.slots[i].waiting.kind(),
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
        let i = self.slot_index(id)?;
        let Waiting::Login { .. } = &self.slots[i].waiting else {
            return Err(self.wrong(id, i, "login"));
        };
        let Waiting::Login {
            client_id,
            obj_mask,
            ext_mask,
        } = std::mem::replace(&mut self.slots[i].waiting, Waiting::Nothing)
        else {
            unreachable!()
        };
        self.phase = Phase::AwaitingLogin;
        let code = match answer {
            LoginAnswer::Accepted => {
                // A session already ending (the peer left) takes no slot.
                let counter = self
                    .config
                    .sessions
                    .as_ref()
                    .filter(|_| self.ending.is_none());
                let slot = match counter {
                    Some(s) => match s.acquire(&client_id) {
                        Some(slot) => Some(slot),
                        None => {
                            return self.finish_login(
                                i,
                                ResultCode::SessionLimitExceededServerClosingConnection,
                                None,
                            );
                        }
                    },
                    None => None,
                };
                self.phase = Phase::LoggedIn;
                self.client = Some(Client {
                    id: client_id,
                    obj_mask,
                    ext_mask,
                    _slot: slot,
                });
                ResultCode::Success
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
        self.finish_login(i, code, None)
    }

    fn finish_login(
        &mut self,
        i: usize,
        code: ResultCode,
        text: Option<&str>,
    ) -> Result<ResultCode, SessionError> {
        self.slots[i].waiting = Waiting::Nothing;
        if code.closes_session() {
            self.slots[i].closes = true;
            let reason = match code {
                ResultCode::AuthenticationErrorServerClosingConnection => {
                    CloseReason::TooManyFailedLogins
                }
                ResultCode::SessionLimitExceededServerClosingConnection => {
                    CloseReason::SessionLimitExceeded
                }
                other => CloseReason::ClosingResponse(other.code()),
            };
            self.end(reason, false);
        }
        self.complete(i, |s, out, cl| s.write_simple(out, code, text, cl));
        Ok(code)
    }

    /// Answers a [`Request::Poll`].
    pub fn answer_poll(&mut self, id: RequestId, answer: PollAnswer) -> Result<(), SessionError> {
        let i = self.slot_index(id)?;
        if !matches!(self.slots[i].waiting, Waiting::Poll) {
            return Err(self.wrong(id, i, "poll"));
        }
        match answer {
            PollAnswer::Empty => {
                self.slots[i].waiting = Waiting::Nothing;
                self.complete(i, |s, out, cl| {
                    s.write_simple(out, ResultCode::SuccessNoMessages, None, cl)
                });
            }
            PollAnswer::Message(m) => {
                check_lang(m.lang.as_deref())?;
                let pass = self.passthrough(m.res_data.as_deref(), m.extension.as_deref())?;
                self.slots[i].waiting = Waiting::Nothing;
                self.complete(i, |s, out, cl| s.write_poll_message(out, &m, &pass, cl));
            }
        }
        Ok(())
    }

    /// Answers a [`Request::PollAck`].
    pub fn answer_ack(&mut self, id: RequestId, answer: AckAnswer) -> Result<(), SessionError> {
        let i = self.slot_index(id)?;
        let Waiting::Ack { msg_id } = self.slots[i].waiting else {
            return Err(self.wrong(id, i, "ack"));
        };
        self.slots[i].waiting = Waiting::Nothing;
        match answer {
            AckAnswer::Acked { remaining } => self.complete(i, |s, out, cl| {
                s.write_response(out, cl, |out| {
                    push_result_head(out, ResultCode::Success, None, None);
                    out.extend_from_slice(b"</result><msgQ count=\"");
                    push_decimal(out, remaining);
                    out.extend_from_slice(b"\" id=\"");
                    push_decimal(out, msg_id);
                    out.extend_from_slice(b"\"/>");
                })
            }),
            AckAnswer::UnknownMessage => {
                self.complete(i, |s, out, cl| s.write_unknown_message(out, msg_id, cl))
            }
        }
        Ok(())
    }

    /// Answers a [`Request::Command`] (or a poll or ack, when the host wants
    /// full control of the result) with a complete response. A 25xx code
    /// closes the session once it is written.
    pub fn answer_command(
        &mut self,
        id: RequestId,
        mut response: Response,
    ) -> Result<(), SessionError> {
        let i = self.slot_index(id)?;
        if matches!(self.slots[i].waiting, Waiting::Login { .. }) {
            return Err(self.wrong(id, i, "response"));
        }
        if response.results.is_empty() {
            return Err(SessionError::InvalidAnswer(
                "a response needs at least one result".into(),
            ));
        }
        for r in &mut response.results {
            check_lang(r.lang.as_deref())?;
            for v in &mut r.values {
                let xml = match v {
                    crate::response::ResultValue::Value(x) => x,
                    crate::response::ResultValue::ExtValue { value, .. } => value,
                };
                let els =
                    fragment_elements(xml, self.limits().max_xml_depth).map_err(|reason| {
                        SessionError::InvalidXml {
                            field: "value",
                            reason,
                        }
                    })?;
                if els.len() != 1 {
                    return Err(SessionError::InvalidXml {
                        field: "value",
                        reason: "a value holds exactly one element".into(),
                    });
                }
                let mut standalone = String::with_capacity(xml.len());
                push_standalone(&mut standalone, xml, &els[0]);
                *xml = standalone;
            }
        }
        let pass = self.passthrough(response.res_data.as_deref(), response.extension.as_deref())?;
        self.slots[i].waiting = Waiting::Nothing;
        let code = response.code();
        if code.closes_session() {
            self.slots[i].closes = true;
            if self.ending.is_none() {
                self.end(CloseReason::ClosingResponse(code.code()), false);
            }
        }
        self.complete(i, |s, out, cl| s.write_full(out, &response, &pass, cl));
        Ok(())
    }

    /// Answers any outstanding request with 2400 (command failed), with an
    /// optional message text.
    pub fn answer_failure(
        &mut self,
        id: RequestId,
        message: Option<&str>,
    ) -> Result<(), SessionError> {
        let i = self.slot_index(id)?;
        if matches!(self.slots[i].waiting, Waiting::Login { .. }) {
            self.phase = Phase::AwaitingLogin;
        }
        self.slots[i].waiting = Waiting::Nothing;
        self.complete(i, |s, out, cl| {
            s.write_simple(out, ResultCode::CommandFailed, message, cl)
        });
        Ok(())
    }

    // ---------------------------------------------------------------
    // frames
    // ---------------------------------------------------------------

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
        self.current_command = match &parsed {
            Err(_) => "invalid",
            Ok(Frame::Hello) => "hello",
            Ok(Frame::Command(c)) => c.kind.name(),
        };
        match parsed {
            Err(refusal) => self.refuse(refusal),
            Ok(Frame::Hello) => {
                let config = Arc::clone(&self.config);
                self.respond_now(None, false, |_, out, _| config.write_greeting(out, now));
            }
            Ok(Frame::Command(cmd)) => self.command(cmd),
        }
    }

    fn refuse(&mut self, r: Refusal) {
        let Refusal {
            code,
            element,
            value,
            reason,
            cl_trid,
        } = r;
        self.respond_now(cl_trid, false, |s, out, cl| {
            s.write_response(out, cl, |out| {
                push_result_head(out, code, None, None);
                push_ext_value_text(
                    out,
                    safe_name(&element),
                    value.as_deref().unwrap_or(""),
                    &reason,
                );
                out.extend_from_slice(b"</result>");
            })
        });
    }

    /// The transition table: (phase, command) to action.
    fn command(&mut self, cmd: Command<'_>) {
        let Command {
            kind,
            extensions,
            cl_trid,
        } = cmd;
        use ResultCode as C;
        // An extension the client did not log in with: 2103, on any
        // command of a logged-in session (object commands check their
        // object service first, below).
        if self.phase == Phase::LoggedIn
            && matches!(kind, CommandKind::Poll { .. } | CommandKind::Logout)
        {
            if let Some(ns) = self.unknown_extension(&extensions) {
                return self.reply_unknown_extension(cl_trid, &ns);
            }
        }
        match (self.phase, kind) {
            (Phase::AwaitingLogin, CommandKind::Login(login)) => {
                self.login(login, extensions, cl_trid)
            }
            (Phase::LoggedIn, CommandKind::Login(_)) => {
                self.reply(cl_trid, C::CommandUseError, Some("already logged in"), None)
            }
            (Phase::AwaitingLogin, _) => {
                self.reply(cl_trid, C::CommandUseError, Some("log in first"), None)
            }
            (Phase::LoggedIn, CommandKind::Logout) => {
                self.respond_now(cl_trid, true, |s, out, cl| {
                    s.write_simple(out, C::SuccessEndingSession, None, cl)
                });
                self.end(CloseReason::Logout, false);
            }
            (
                Phase::LoggedIn,
                CommandKind::Poll {
                    op: PollOp::Req,
                    msg_id: Some(m),
                },
            ) => self.reply(
                cl_trid,
                C::ParameterValueSyntaxError,
                None,
                Some(("msgID", &m, "poll op=\"req\" takes no msgID")),
            ),
            (
                Phase::LoggedIn,
                CommandKind::Poll {
                    op: PollOp::Req,
                    msg_id: None,
                },
            ) => {
                let id = self.open_slot(Waiting::Poll, cl_trid.clone());
                self.requests.push_back(Request::Poll(PollRequest {
                    id,
                    extension_xml: split_extensions(extensions).1,
                    client_transaction_id: cl_trid,
                }));
            }
            (
                Phase::LoggedIn,
                CommandKind::Poll {
                    op: PollOp::Ack,
                    msg_id: None,
                },
            ) => self.reply(
                cl_trid,
                C::RequiredParameterMissing,
                Some("poll op=\"ack\" needs a msgID"),
                None,
            ),
            (
                Phase::LoggedIn,
                CommandKind::Poll {
                    op: PollOp::Ack,
                    msg_id: Some(m),
                },
            ) => match parse_msg_id(&m) {
                Some(msg_id) => {
                    let id = self.open_slot(Waiting::Ack { msg_id }, cl_trid.clone());
                    self.requests.push_back(Request::PollAck(PollAckRequest {
                        id,
                        message_id: msg_id,
                        extension_xml: split_extensions(extensions).1,
                        client_transaction_id: cl_trid,
                    }));
                }
                None => {
                    let m = m.into_owned();
                    self.respond_now(cl_trid, false, move |s, out, cl| {
                        s.write_response(out, cl, |out| {
                            push_result_head(out, C::ObjectDoesNotExist, None, None);
                            push_ext_value_text(out, "msgID", &m, "no such message");
                            out.extend_from_slice(b"</result>");
                        })
                    });
                }
            },
            (
                Phase::LoggedIn,
                CommandKind::Object {
                    verb,
                    transfer_op,
                    object_ns,
                    object_xml,
                },
            ) => {
                let client = self.client.as_ref().expect("logged in");
                let obj_ok = self
                    .config
                    .object_uris
                    .iter()
                    .position(|u| *u == object_ns)
                    .is_some_and(|i| client.obj_mask & (1 << i) != 0);
                if !obj_ok {
                    let reason = format!("{object_ns} is not one of this session's login objURIs");
                    return self.reply(
                        cl_trid,
                        C::UnimplementedObjectService,
                        None,
                        Some(("objURI", &object_ns, &reason)),
                    );
                }
                if let Some(ns) = self.unknown_extension(&extensions) {
                    return self.reply_unknown_extension(cl_trid, &ns);
                }
                let (extension_uris, extension_xml) = split_extensions(extensions);
                let id = self.open_slot(Waiting::Command, cl_trid.clone());
                self.requests
                    .push_back(Request::Command(Box::new(ObjectCommand {
                        id,
                        verb,
                        transfer_op,
                        object_uri: object_ns,
                        object_xml,
                        extension_uris,
                        extension_xml,
                        client_transaction_id: cl_trid,
                    })));
            }
            (Phase::LoginPending, _) => {
                // Input is not read while a login is with the host.
                debug_assert!(false, "frame read while a login is pending");
                self.reply(
                    cl_trid,
                    C::CommandUseError,
                    Some("a login is pending"),
                    None,
                )
            }
        }
    }

    /// The first extension namespace the logged-in client did not log in
    /// with.
    fn unknown_extension(&self, extensions: &[(String, String)]) -> Option<String> {
        let mask = self.client.as_ref().map_or(0, |c| c.ext_mask);
        extensions
            .iter()
            .find(|(ns, _)| {
                let logged_in = match self.config.extension_uris.iter().position(|u| u == ns) {
                    Some(i) => mask & (1 << i) != 0,
                    None => false,
                };
                !logged_in
            })
            .map(|(ns, _)| ns.clone())
    }

    /// 2103 for an extension the client did not log in with.
    fn reply_unknown_extension(&mut self, cl_trid: Option<TransactionId>, ns: &str) {
        let reason = format!("{ns} is not one of this session's login extURIs");
        self.reply(
            cl_trid,
            ResultCode::UnimplementedExtension,
            None,
            Some(("extURI", ns, &reason)),
        );
    }

    fn login(
        &mut self,
        l: Login<'_>,
        extensions: Vec<(String, String)>,
        cl_trid: Option<TransactionId>,
    ) {
        use ResultCode as C;
        let cfg = Arc::clone(&self.config);
        if !cfg.versions.iter().any(|v| *v == l.version) {
            return self.reply(
                cl_trid,
                C::UnimplementedProtocolVersion,
                None,
                Some(("version", &l.version, "version not offered by this server")),
            );
        }
        if !cfg
            .languages
            .iter()
            .any(|v| v.eq_ignore_ascii_case(&l.lang))
        {
            return self.reply(
                cl_trid,
                C::UnimplementedOption,
                None,
                Some(("lang", &l.lang, "language not offered by this server")),
            );
        }
        let mut obj_mask = 0u64;
        for u in &l.obj_uris {
            match cfg.object_uris.iter().position(|v| v == u) {
                Some(i) => obj_mask |= 1 << i,
                None => {
                    return self.reply(
                        cl_trid,
                        C::UnimplementedObjectService,
                        None,
                        Some(("objURI", u, "object service not offered by this server")),
                    )
                }
            }
        }
        let mut ext_mask = 0u64;
        for u in &l.ext_uris {
            match cfg.extension_uris.iter().position(|v| v == u) {
                Some(i) => ext_mask |= 1 << i,
                None => {
                    return self.reply(
                        cl_trid,
                        C::UnimplementedExtension,
                        None,
                        Some(("extURI", u, "extension not offered by this server")),
                    )
                }
            }
        }
        for (ns, _) in &extensions {
            if !cfg.extension_uris.iter().any(|v| v == ns) {
                let reason = format!("{ns} is not offered by this server");
                return self.reply(
                    cl_trid,
                    C::UnimplementedExtension,
                    None,
                    Some(("extURI", ns, &reason)),
                );
            }
        }
        let (_, extension_xml) = split_extensions(extensions);
        let client_id = l.cl_id.into_owned();
        let id = self.open_slot(
            Waiting::Login {
                client_id: client_id.clone(),
                obj_mask,
                ext_mask,
            },
            cl_trid.clone(),
        );
        if let Some(slot) = self.slots.back_mut() {
            slot.tr.login_client = Some(client_id.clone());
        }
        self.phase = Phase::LoginPending;
        self.requests
            .push_back(Request::Login(Box::new(LoginRequest {
                id,
                client_id,
                password: l.pw.into_owned(),
                new_password: l.new_pw.map(|p| p.into_owned()),
                lang: l.lang.into_owned(),
                object_uris: l.obj_uris.into_iter().map(|u| u.into_owned()).collect(),
                extension_uris: l.ext_uris.into_iter().map(|u| u.into_owned()).collect(),
                extension_xml,
                client_transaction_id: cl_trid,
            })));
    }

    // ---------------------------------------------------------------
    // slots and output
    // ---------------------------------------------------------------

    fn open_slot(&mut self, waiting: Waiting, cl_trid: Option<TransactionId>) -> RequestId {
        let id = self.next_id;
        self.next_id += 1;
        let tr = Tr {
            cl: cl_trid,
            sv: self.config.next_sv_trid(),
            command: self.current_command,
            received: self.last_frame,
            login_client: None,
        };
        self.slots.push_back(Slot {
            id,
            waiting,
            tr,
            done: None,
            closes: false,
        });
        RequestId(id)
    }

    /// A response known at once: written straight to the output when no
    /// earlier response is pending, else parked in a slot.
    fn respond_now(
        &mut self,
        cl_trid: Option<TransactionId>,
        closes: bool,
        write: impl FnOnce(&Session, &mut Vec<u8>, &Tr),
    ) {
        // A greeting has no svTRID, so a hello takes no number.
        let sv = if self.current_command == "hello" {
            0
        } else {
            self.config.next_sv_trid()
        };
        let tr = Tr {
            cl: cl_trid,
            sv,
            command: self.current_command,
            received: self.last_frame,
            login_client: None,
        };
        if self.slots.is_empty() {
            let mut out = std::mem::take(&mut self.out);
            let start = out.len();
            write(self, &mut out, &tr);
            self.record(&tr, &out[start..]);
            self.out = out;
        } else {
            let mut buf = Vec::new();
            write(self, &mut buf, &tr);
            let id = self.next_id;
            self.next_id += 1;
            self.slots.push_back(Slot {
                id,
                waiting: Waiting::Nothing,
                tr,
                done: Some(buf),
                closes,
            });
        }
    }

    /// A simple result, optionally naming a value: `(element, text, reason)`.
    fn reply(
        &mut self,
        cl_trid: Option<TransactionId>,
        code: ResultCode,
        message: Option<&str>,
        value: Option<(&str, &str, &str)>,
    ) {
        self.respond_now(cl_trid, false, |s, out, cl| {
            s.write_response(out, cl, |out| {
                push_result_head(out, code, message, None);
                if let Some((el, text, reason)) = value {
                    push_ext_value_text(out, el, text, reason);
                }
                out.extend_from_slice(b"</result>");
            })
        });
    }

    /// Renders the answer for slot `i` and moves every finished response at
    /// the head of the line to the output.
    fn complete(&mut self, i: usize, write: impl FnOnce(&Session, &mut Vec<u8>, &Tr)) {
        let tr = std::mem::replace(
            &mut self.slots[i].tr,
            Tr {
                cl: None,
                sv: 0,
                command: "",
                received: self.created,
                login_client: None,
            },
        );
        if i == 0 {
            let mut out = std::mem::take(&mut self.out);
            let start = out.len();
            write(self, &mut out, &tr);
            self.record(&tr, &out[start..]);
            self.out = out;
            let slot = self.slots.pop_front().expect("slot 0");
            if slot.closes {
                self.drop_slots_after_close();
            }
            self.flush_ready();
        } else {
            let mut buf = Vec::new();
            write(self, &mut buf, &tr);
            self.slots[i].done = Some(buf);
            self.slots[i].tr = tr;
        }
    }

    /// Notes a response moved to the output in the transaction log, if the
    /// configuration keeps one.
    fn record(&mut self, tr: &Tr, frame: &[u8]) {
        if !self.config.transaction_log {
            return;
        }
        if self.log.len() >= MAX_LOG {
            self.log.pop_front();
        }
        let code = response_code(frame);
        self.log.push_back(TransactionRecord {
            command: tr.command,
            code,
            client_id: tr
                .login_client
                .clone()
                .or_else(|| self.client.as_ref().map(|c| c.id.clone())),
            client_transaction_id: tr.cl.clone(),
            server_transaction_id: code.map(|_| self.config.sv_trid_string(tr.sv)),
            received_at: tr.received,
        });
    }

    fn flush_ready(&mut self) {
        while self.slots.front().is_some_and(|s| s.done.is_some()) {
            let slot = self.slots.pop_front().expect("front");
            let frame = slot.done.as_deref().unwrap_or_default();
            self.record(&slot.tr, frame);
            self.out.extend_from_slice(frame);
            if slot.closes {
                self.drop_slots_after_close();
                return;
            }
        }
    }

    /// After a closing response is written nothing else is: later slots and
    /// their queued requests go.
    fn drop_slots_after_close(&mut self) {
        self.slots.clear();
        self.requests
            .retain(|r| matches!(r, Request::SessionEnd(_)));
    }

    fn end(&mut self, reason: CloseReason, terminated: bool) {
        if self.ending.is_none() {
            self.requests.push_back(Request::SessionEnd(SessionEnd {
                reason: reason.clone(),
            }));
            self.ending = Some(reason);
        }
        if terminated {
            self.terminated = true;
            self.slots.clear();
            self.requests
                .retain(|r| matches!(r, Request::SessionEnd(_)));
        }
        // A session that ends counts no more against its registrar.
        if let Some(c) = &mut self.client {
            c._slot = None;
        }
        self.reader = FrameReader::default();
    }

    fn bad_frame_length(&mut self, length: u32, limit: u32, now: SystemTime) {
        self.current_command = "frame";
        self.last_frame = now;
        let reason = format!("frame length {length} is outside the accepted range 5 to {limit} (the length counts its own 4 bytes)");
        let digits = length.to_string();
        self.respond_now(None, true, |s, out, cl| {
            s.write_response(out, cl, |out| {
                push_result_head(
                    out,
                    ResultCode::CommandFailedServerClosingConnection,
                    None,
                    None,
                );
                push_ext_value_text(out, "frameLength", &digits, &reason);
                out.extend_from_slice(b"</result>");
            })
        });
        self.end(CloseReason::BadFrameLength { length, limit }, false);
    }

    // ---------------------------------------------------------------
    // rendering
    // ---------------------------------------------------------------

    fn write_response(&self, out: &mut Vec<u8>, tr: &Tr, body: impl FnOnce(&mut Vec<u8>)) {
        let at = begin_frame(out);
        out.extend_from_slice(EPP_OPEN.as_bytes());
        out.extend_from_slice(b"<response>");
        body(out);
        out.extend_from_slice(b"<trID>");
        if let Some(c) = &tr.cl {
            out.extend_from_slice(b"<clTRID>");
            push_text(out, c.as_str());
            out.extend_from_slice(b"</clTRID>");
        }
        out.extend_from_slice(b"<svTRID>");
        self.config.write_sv_trid_prefix(out);
        push_decimal(out, tr.sv);
        out.extend_from_slice(b"</svTRID></trID></response>");
        out.extend_from_slice(EPP_CLOSE.as_bytes());
        end_frame(out, at);
    }

    fn write_simple(&self, out: &mut Vec<u8>, code: ResultCode, message: Option<&str>, cl: &Tr) {
        self.write_response(out, cl, |out| {
            push_result_head(out, code, message, None);
            out.extend_from_slice(b"</result>");
        })
    }

    fn write_unknown_message(&self, out: &mut Vec<u8>, msg_id: u64, cl: &Tr) {
        let digits = msg_id.to_string();
        self.write_response(out, cl, |out| {
            push_result_head(out, ResultCode::ObjectDoesNotExist, None, None);
            push_ext_value_text(
                out,
                "msgID",
                &digits,
                "no such message in this client's queue",
            );
            out.extend_from_slice(b"</result>");
        })
    }

    fn write_poll_message(&self, out: &mut Vec<u8>, m: &PollMessage, pass: &Passthrough, cl: &Tr) {
        self.write_response(out, cl, |out| {
            push_result_head(out, ResultCode::SuccessAckToDequeue, None, None);
            pass.write_moved(out);
            out.extend_from_slice(b"</result><msgQ count=\"");
            push_decimal(out, m.count);
            out.extend_from_slice(b"\" id=\"");
            push_decimal(out, m.id);
            out.extend_from_slice(b"\"><qDate>");
            let mut d = [0u8; RFC3339_LEN];
            write_rfc3339(m.queued_at, &mut d);
            out.extend_from_slice(&d);
            out.extend_from_slice(b"</qDate><msg lang=\"");
            push_attr(out, m.lang.as_deref().unwrap_or("en"));
            out.extend_from_slice(b"\">");
            push_text(out, &m.text);
            out.extend_from_slice(b"</msg></msgQ>");
            pass.write_kept(out);
        })
    }

    fn write_full(&self, out: &mut Vec<u8>, r: &Response, pass: &Passthrough, cl: &Tr) {
        self.write_response(out, cl, |out| {
            for (n, res) in r.results.iter().enumerate() {
                push_result_head(out, res.code, res.message.as_deref(), res.lang.as_deref());
                for v in &res.values {
                    push_value(out, v);
                }
                if n == 0 {
                    pass.write_moved(out);
                }
                out.extend_from_slice(b"</result>");
            }
            pass.write_kept(out);
        })
    }

    /// Checks passed-through XML and sorts its elements into those the
    /// client logged in for and those moved into `<extValue>` (RFC 9038).
    fn passthrough(
        &self,
        res_data: Option<&str>,
        extension: Option<&str>,
    ) -> Result<Passthrough, SessionError> {
        let mut p = Passthrough::default();
        let (obj_mask, ext_mask) = self
            .client
            .as_ref()
            .map_or((0, 0), |c| (c.obj_mask, c.ext_mask));
        for (field, xml, uris, mask) in [
            ("resData", res_data, &self.config.object_uris, obj_mask),
            (
                "extension",
                extension,
                &self.config.extension_uris,
                ext_mask,
            ),
        ] {
            let Some(xml) = xml else { continue };
            let els = fragment_elements(xml, self.limits().max_xml_depth)
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
                    p.moved.push((text, format!("{ns} not in login services")));
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
}

/// Passed-through XML, sorted.
#[derive(Default)]
struct Passthrough {
    res_data: Option<String>,
    extension: Option<String>,
    moved: Vec<(String, String)>,
}

impl Passthrough {
    fn write_moved(&self, out: &mut Vec<u8>) {
        for (xml, reason) in &self.moved {
            push_ext_value_raw(out, xml, reason);
        }
    }

    fn write_kept(&self, out: &mut Vec<u8>) {
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

fn split_extensions(ext: Vec<(String, String)>) -> (Vec<String>, Option<String>) {
    if ext.is_empty() {
        return (Vec::new(), None);
    }
    let mut xml = String::new();
    let mut uris = Vec::with_capacity(ext.len());
    for (ns, x) in ext {
        xml.push_str(&x);
        uris.push(ns);
    }
    (uris, Some(xml))
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

/// A numeric message id (`protocol.md`: msgQ ids are numeric).
fn parse_msg_id(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// An element name safe to write back: the client's when it is plain, else
/// `epp`.
fn safe_name(name: &str) -> &str {
    let ok = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        name
    } else {
        "epp"
    }
}
