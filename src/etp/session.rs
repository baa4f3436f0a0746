//! The ETP server session: the engine that takes whole messages, runs the
//! transition table of [`super::machine`] over them and over the host's
//! actions, and keeps the pipeline of requests and output messages.
//!
//! Flow: message in -> parse (header, Core body) -> transition -> (message
//! sent | request queued) -> host answer -> message sent -> output, one
//! message at a time.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use super::config::{Config, Limits};
use super::machine::{transition, Action, Ask, Context, Input, State, Tell};
use super::messages::{
    parse_message, CloseSession, CoreMessage, ErrorCode, MessageHeader, OpenSession,
    ProtocolException, Record, SupportedProtocol, PROTOCOL_CORE,
};
use super::request::{
    PeerException, ProtocolMessage, Request, SessionEnd, SessionOpened, TokenRenewal,
};
use crate::pipeline::{Lookup, Pipeline};
use crate::request::RequestId;

/// A session's UUID, as sent in OpenSession's `sessionId` (lowercase,
/// hyphenated). The host supplies it: libepp reads no random source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uuid([u8; 16]);

impl Uuid {
    /// These 16 bytes, as they are.
    pub const fn from_bytes(bytes: [u8; 16]) -> Uuid {
        Uuid(bytes)
    }

    /// A version 4 (random) UUID from 16 random bytes: the version and
    /// variant bits are set, the other 122 bits are the bytes'.
    pub const fn from_random(mut bytes: [u8; 16]) -> Uuid {
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        Uuid(bytes)
    }

    /// The 16 bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// Why an ETP session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseReason {
    /// The client sent CloseSession.
    ClientClosed,
    /// The server supports none of the requested protocols
    /// (ProtocolException ENOSUPPORTEDPROTOCOLS, then CloseSession).
    NoSupportedProtocols,
    /// The host ended the session with CloseSession
    /// ([`Session::close_session`]).
    HostClosedSession,
    /// The peer closed the connection ([`Session::handle_eof`]).
    PeerClosed,
    /// The host closed the session without a message ([`Session::close`]).
    Host,
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CloseReason::ClientClosed => "the client sent CloseSession",
            CloseReason::NoSupportedProtocols => "no requested protocol is supported",
            CloseReason::HostClosedSession => "the host sent CloseSession",
            CloseReason::PeerClosed => "the peer closed the connection",
            CloseReason::Host => "the host closed the session",
        })
    }
}

/// Where a session is, as the host sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// Waiting for RequestSession.
    AwaitingRequest,
    /// OpenSession sent.
    Open,
    /// No more input is processed; messages already sent are still taken.
    Closing,
    /// Nothing more will be sent: close the WebSocket.
    Closed,
}

/// A call the session could not carry out. Protocol errors of the peer are
/// never `SessionError`s: they become ProtocolExceptions. These are the
/// host's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The session takes no more input or answers (sticky).
    #[error("session closed: {0}")]
    Closed(CloseReason),
    /// This session never issued a request with this id.
    #[error("no request {0} was issued by this session")]
    UnknownRequest(RequestId),
    /// The request was already finished.
    #[error("request {0} was already answered")]
    AlreadyAnswered(RequestId),
    /// A message was fed after [`Session::handle_eof`].
    #[error("input fed after the end of input")]
    InputAfterEof,
    /// The session cannot take a message now and holding this one would
    /// exceed [`Limits::max_buffered_input`]; nothing was taken. The host
    /// read on although [`Session::wants_input`] was false.
    #[error("input buffer full: at most {limit} bytes are held; stop reading while wants_input() is false")]
    InputBufferFull {
        /// The bound.
        limit: usize,
    },
}

/// What an outstanding request's answers are sent as.
#[derive(Debug, Clone, Copy)]
struct Waiting {
    /// The request's protocol.
    protocol: i32,
    /// The request's `messageId`.
    correlation_id: i64,
}

/// One ETP 1.1 server session on one WebSocket, without any I/O.
///
/// Drive it with the four verbs: create it with [`Session::new`] (the
/// session id is the host's), pass every WebSocket binary message received
/// to [`Session::feed_message`] (read no more while
/// [`Session::wants_input`] is false), send every message
/// [`Session::poll_output`] returns as one WebSocket binary message, and
/// handle every [`Request`] [`Session::poll_queue`] returns, answering
/// those with an id ([`Session::respond`], [`Session::raise`],
/// [`Session::finish`]). Call [`Session::handle_eof`] when the WebSocket
/// closes; close it once [`Session::is_finished`].
///
/// ETP Core has no timers, so no call takes the time.
#[derive(Debug)]
pub struct Session {
    config: Arc<Config>,
    session_id: Uuid,
    state: State,
    pipeline: Pipeline<Request, Waiting, ()>,
    /// The length of each message in the pipeline's output, in order.
    lengths: VecDeque<usize>,
    /// The `messageId` of the next message sent.
    next_message_id: i64,
    /// Messages fed while the session could not take them.
    held: VecDeque<Vec<u8>>,
    held_bytes: usize,
    /// The peer closed; applied once the messages before it are handled.
    eof_pending: bool,
}

impl Session {
    /// session-create: a session waiting for RequestSession, whose
    /// OpenSession will carry `session_id`.
    pub fn new(config: Arc<Config>, session_id: Uuid) -> Session {
        Session {
            config,
            session_id,
            state: State::AwaitingRequest,
            pipeline: Pipeline::unordered(Vec::new()),
            lengths: VecDeque::new(),
            next_message_id: 1,
            held: VecDeque::new(),
            held_bytes: 0,
            eof_pending: false,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    fn limits(&self) -> &Limits {
        &self.config.limits
    }

    /// The session's id.
    pub fn session_id(&self) -> Uuid {
        self.session_id
    }

    /// Where the session is.
    pub fn state(&self) -> SessionState {
        match self.state {
            State::AwaitingRequest => SessionState::AwaitingRequest,
            State::Open(_) => SessionState::Open,
            State::Closing(_) => SessionState::Closing,
            State::Closed(_) => SessionState::Closed,
        }
    }

    /// Why the session ended (or is ending).
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.state.close_reason().copied()
    }

    /// True when the WebSocket should be closed now: the session has ended
    /// and every message it sent has been taken.
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Closed(_))
    }

    /// The protocols negotiated (empty until the session is open), as sent
    /// in OpenSession, in configuration order.
    pub fn negotiated_protocols(&self) -> impl Iterator<Item = &SupportedProtocol<'static>> + '_ {
        let mask = match self.state {
            State::Open(mask) => mask,
            _ => 0,
        };
        self.config
            .protocols
            .iter()
            .enumerate()
            .filter(move |(i, _)| mask & (1 << i) != 0)
            .map(|(_, p)| p)
    }

    /// Requests handed out (or queued) and not yet finished.
    pub fn outstanding(&self) -> usize {
        self.pipeline.outstanding()
    }

    fn can_take_message(&self) -> bool {
        let l = self.limits();
        self.state.is_open()
            && self.pipeline.in_flight() < l.max_in_flight
            && self.pipeline.pending_output() < l.max_pending_output
    }

    // ---------------------------------------------------------------
    // feed-input
    // ---------------------------------------------------------------

    /// Whether the host should read more from the WebSocket: false while
    /// [`Limits::max_in_flight`] requests are outstanding or
    /// [`Limits::max_pending_output`] bytes wait to be taken, after the end
    /// of input, and once the session is closing.
    pub fn wants_input(&self) -> bool {
        !self.eof_pending
            && self.can_take_message()
            && self.held_bytes < self.limits().max_buffered_input
    }

    /// Bytes of messages fed and not yet handled.
    pub fn buffered_input(&self) -> usize {
        self.held_bytes
    }

    /// feed-input: one WebSocket binary message from the client (header
    /// then body). It is handled at once when the session can take it, else
    /// held (copied) and handled as answers and taken output make room.
    ///
    /// Fails, taking nothing, once the session processes no more input
    /// ([`SessionError::Closed`], sticky), after [`Session::handle_eof`]
    /// ([`SessionError::InputAfterEof`]), and when holding the message
    /// would exceed [`Limits::max_buffered_input`]
    /// ([`SessionError::InputBufferFull`]).
    pub fn feed_message(&mut self, message: &[u8]) -> Result<(), SessionError> {
        if let Some(r) = self.state.close_reason() {
            return Err(SessionError::Closed(*r));
        }
        if self.eof_pending {
            return Err(SessionError::InputAfterEof);
        }
        if self.held.is_empty() && self.can_take_message() {
            self.handle(message);
        } else {
            let limit = self.limits().max_buffered_input;
            if self.held_bytes.saturating_add(message.len()) > limit {
                return Err(SessionError::InputBufferFull { limit });
            }
            self.held_bytes += message.len();
            self.held.push_back(message.to_vec());
            self.advance();
        }
        self.settle();
        Ok(())
    }

    /// The peer closed the WebSocket. It takes effect after every message
    /// fed before it has been handled.
    pub fn handle_eof(&mut self) {
        if !self.state.is_open() || self.eof_pending {
            return;
        }
        self.eof_pending = true;
        self.advance();
        self.settle();
    }

    /// Ends the session at the host's wish without a message: nothing more
    /// is sent, and output not yet taken is dropped.
    pub fn close(&mut self) {
        self.apply(Input::HostClose);
        self.settle();
    }

    /// Ends the session with CloseSession (carrying `reason`, if any), sent
    /// after the messages already sent; outstanding requests are dropped.
    /// Fails once the session has ended.
    pub fn close_session(&mut self, reason: Option<&str>) -> Result<(), SessionError> {
        if let Some(r) = self.state.close_reason() {
            return Err(SessionError::Closed(*r));
        }
        self.apply(Input::HostCloseSession(reason));
        self.settle();
        Ok(())
    }

    // ---------------------------------------------------------------
    // take-output
    // ---------------------------------------------------------------

    /// take-output: the next message to send, as one WebSocket binary
    /// message (`None` when nothing is pending).
    pub fn poll_output(&mut self) -> Option<Vec<u8>> {
        let len = self.lengths.pop_front()?;
        let message = if self.lengths.is_empty() {
            self.pipeline.take_output().unwrap_or_default()
        } else {
            let m = self.pipeline.output()[..len].to_vec();
            self.pipeline.consume_output(len);
            m
        };
        debug_assert_eq!(message.len(), len);
        self.advance();
        self.settle();
        Some(message)
    }

    /// The next message to send, borrowed (`None` when nothing is pending);
    /// [`Session::consume_output`] drops it once sent.
    pub fn peek_output(&self) -> Option<&[u8]> {
        self.lengths
            .front()
            .map(|&len| &self.pipeline.output()[..len])
    }

    /// Drops the message [`Session::peek_output`] returns (it was sent).
    /// Returns whether there was one.
    pub fn consume_output(&mut self) -> bool {
        let Some(len) = self.lengths.pop_front() else {
            return false;
        };
        self.pipeline.consume_output(len);
        self.advance();
        self.settle();
        true
    }

    /// Messages waiting to be taken.
    pub fn pending_output(&self) -> usize {
        self.lengths.len()
    }

    // ---------------------------------------------------------------
    // poll-queue
    // ---------------------------------------------------------------

    /// poll-queue: the next request or news for the host, in the order the
    /// messages came.
    pub fn poll_queue(&mut self) -> Option<Request> {
        self.pipeline.pop_request()
    }

    /// Iterates over the queue, taking what it holds.
    pub fn drain_queue(&mut self) -> impl Iterator<Item = Request> + '_ {
        std::iter::from_fn(move || self.poll_queue())
    }

    // ---------------------------------------------------------------
    // answers
    // ---------------------------------------------------------------

    fn slot(&self, id: RequestId) -> Result<(usize, Waiting), SessionError> {
        match self.pipeline.lookup(id.0) {
            Lookup::Waiting(i) => Ok((i, *self.pipeline.waiting(i).expect("waiting"))),
            Lookup::Settled => match self.state.close_reason() {
                Some(r) => Err(SessionError::Closed(*r)),
                None => Err(SessionError::AlreadyAnswered(id)),
            },
            Lookup::Unknown => Err(SessionError::UnknownRequest(id)),
        }
    }

    /// Sends a message answering request `id`: its protocol is the
    /// request's, its `correlationId` the request's `messageId`, its
    /// `messageId` the session's next; `body` is sent as given (Avro binary
    /// of the message type's schema). A message with
    /// [`FLAG_MULTI_PART`](super::FLAG_MULTI_PART) and without
    /// [`FLAG_FINAL_PART`](super::FLAG_FINAL_PART) leaves the request
    /// outstanding for the parts that follow; any other finishes it.
    pub fn respond(
        &mut self,
        id: RequestId,
        message_type: i32,
        message_flags: i32,
        body: &[u8],
    ) -> Result<(), SessionError> {
        let (i, w) = self.slot(id)?;
        let header = MessageHeader {
            protocol: w.protocol,
            message_type,
            correlation_id: w.correlation_id,
            message_id: 0,
            message_flags,
        };
        let slot = header.is_final().then_some(i);
        self.emit(slot, header, |out| out.extend_from_slice(body));
        self.advance();
        self.settle();
        Ok(())
    }

    /// Answers request `id` with a ProtocolException in the request's
    /// protocol, correlated to it; finishes the request.
    pub fn raise(
        &mut self,
        id: RequestId,
        code: ErrorCode,
        message: &str,
    ) -> Result<(), SessionError> {
        let (i, w) = self.slot(id)?;
        let exception = ProtocolException {
            error_code: code,
            error_message: message.into(),
        };
        let header = MessageHeader {
            protocol: w.protocol,
            message_type: ProtocolException::MESSAGE_TYPE,
            correlation_id: w.correlation_id,
            message_id: 0,
            message_flags: 0,
        };
        self.emit(Some(i), header, |out| exception.encode(out));
        self.advance();
        self.settle();
        Ok(())
    }

    /// Finishes request `id` without sending anything (more): a token
    /// accepted, a message that takes no answer, the end of the parts
    /// already sent.
    pub fn finish(&mut self, id: RequestId) -> Result<(), SessionError> {
        let (i, _) = self.slot(id)?;
        self.pipeline.complete(i, false, |_, _| {}, |_, _| {});
        self.advance();
        self.settle();
        Ok(())
    }

    // ---------------------------------------------------------------
    // the engine
    // ---------------------------------------------------------------

    /// Writes one message to the output: `header` (its `messageId` is
    /// taken now, so ids increase in output order) then `body`. With
    /// `slot`, it finishes that request.
    fn emit(
        &mut self,
        slot: Option<usize>,
        mut header: MessageHeader,
        body: impl FnOnce(&mut Vec<u8>),
    ) {
        let next_id = &mut self.next_message_id;
        let lengths = &mut self.lengths;
        let render = move |out: &mut Vec<u8>, _: &()| {
            header.message_id = *next_id;
            *next_id += 1;
            header.encode(out);
            body(out);
        };
        let written = |_: &(), message: &[u8]| lengths.push_back(message.len());
        match slot {
            Some(i) => {
                self.pipeline.complete(i, false, render, written);
            }
            None => self.pipeline.respond_now((), false, render, written),
        }
    }

    /// Sends a Core message of the engine's own.
    fn emit_core<'a, T: CoreMessage<'a>>(&mut self, correlation_id: i64, body: &T) {
        let header = MessageHeader {
            protocol: PROTOCOL_CORE,
            message_type: T::MESSAGE_TYPE,
            correlation_id,
            message_id: 0,
            message_flags: 0,
        };
        self.emit(None, header, |out| body.encode(out));
    }

    /// Handles held messages while the session can take them, then the end
    /// of input once nothing is held.
    fn advance(&mut self) {
        while self.can_take_message() {
            let Some(message) = self.held.pop_front() else {
                break;
            };
            self.held_bytes -= message.len();
            self.handle(&message);
        }
        if self.eof_pending && self.state.is_open() && self.held.is_empty() {
            self.apply(Input::PeerClosed);
        }
    }

    fn handle(&mut self, message: &[u8]) {
        let input = match parse_message(message) {
            Ok(parsed) => Input::Message(parsed),
            Err(e) => Input::BadHeader(e),
        };
        self.apply(input);
    }

    /// Runs a transition and carries out its action.
    fn apply(&mut self, input: Input<'_>) {
        let before = self.state;
        let step = transition(
            before,
            input,
            &Context {
                config: &self.config,
            },
        );
        self.state = step.next;
        let mut end_message = None;
        match step.action {
            Action::None => {}
            Action::Open { header, request } => {
                let protocols: Vec<SupportedProtocol<'static>> =
                    self.negotiated_protocols().cloned().collect();
                let config = Arc::clone(&self.config);
                let open = OpenSession {
                    application_name: config.application_name.as_str().into(),
                    application_version: config.application_version.as_str().into(),
                    session_id: self.session_id.to_string().into(),
                    supported_protocols: protocols.clone(),
                    supported_objects: config.supported_objects.clone(),
                };
                self.emit_core(header.message_id, &open);
                self.pipeline.push_request(Request::Opened(SessionOpened {
                    header,
                    application_name: request.application_name.into_owned(),
                    application_version: request.application_version.into_owned(),
                    protocols,
                    supported_objects: request
                        .supported_objects
                        .into_iter()
                        .map(|s| s.into_owned())
                        .collect(),
                }));
            }
            Action::Refuse {
                correlation_id,
                code,
                message,
                close,
            } => {
                let exception = ProtocolException {
                    error_code: code,
                    error_message: message.into(),
                };
                self.emit_core(correlation_id, &exception);
                if let Some(reason) = close {
                    self.emit_core(
                        0,
                        &CloseSession {
                            reason: Some(reason.into()),
                        },
                    );
                }
            }
            Action::SendClose { reason } => {
                self.emit_core(
                    0,
                    &CloseSession {
                        reason: reason.map(Into::into),
                    },
                );
            }
            Action::Ask(Ask::Message { header, body }) => {
                let id = self.open_slot(&header);
                self.pipeline
                    .push_request(Request::Message(ProtocolMessage {
                        id,
                        header,
                        body: body.to_vec(),
                    }));
            }
            Action::Ask(Ask::RenewToken { header, token }) => {
                let id = self.open_slot(&header);
                self.pipeline
                    .push_request(Request::RenewToken(TokenRenewal {
                        id,
                        header,
                        token: token.into_owned(),
                    }));
            }
            Action::Tell(Tell::Exception { header, exception }) => {
                self.pipeline
                    .push_request(Request::PeerException(PeerException {
                        header,
                        error_code: exception.error_code,
                        error_message: exception.error_message.into_owned(),
                    }));
            }
            Action::Tell(Tell::Acknowledge { header }) => {
                self.pipeline.push_request(Request::Acknowledged(header));
            }
            Action::ClientClosed { reason } => end_message = reason.map(|r| r.into_owned()),
        }
        self.ended(before, end_message);
    }

    fn open_slot(&mut self, header: &MessageHeader) -> RequestId {
        RequestId(self.pipeline.open(
            Waiting {
                protocol: header.protocol,
                correlation_id: header.message_id,
            },
            (),
        ))
    }

    /// What a transition from `before` into a closing or closed state
    /// entails: outstanding requests are dropped (their answers could only
    /// follow the end), the host is told, held input is dropped; a session
    /// closed at once sends nothing more.
    fn ended(&mut self, before: State, message: Option<String>) {
        if before.is_open() {
            if let Some(&reason) = self.state.close_reason() {
                self.pipeline.abandon(|r| r.id().is_none());
                self.pipeline
                    .push_request(Request::SessionEnd(SessionEnd { reason, message }));
                self.held.clear();
                self.held_bytes = 0;
                self.eof_pending = false;
            }
        }
        if !matches!(before, State::Closed(_)) && matches!(self.state, State::Closed(_)) {
            self.pipeline.abandon(|r| r.id().is_none());
            self.pipeline.discard_output();
            self.lengths.clear();
        }
    }

    /// A closing session whose every message has been taken is closed.
    fn settle(&mut self) {
        if matches!(self.state, State::Closing(_)) && self.pipeline.is_drained() {
            self.apply(Input::Drained);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_print_hyphenated_and_random_ones_are_version_4() {
        let u = Uuid::from_bytes([
            0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
            0xee, 0xff,
        ]);
        assert_eq!(u.to_string(), "00112233-4455-6677-8899-aabbccddeeff");
        let r = Uuid::from_random([0xff; 16]);
        assert_eq!(r.to_string(), "ffffffff-ffff-4fff-bfff-ffffffffffff");
    }

    #[test]
    fn sessions_are_send() {
        fn send<T: Send>() {}
        send::<Session>();
    }
}
