//! One client connection: drives an [`epp::Session`] over any byte stream (plain TCP or TLS:
//! the driver is generic over `AsyncRead + AsyncWrite`).
//!
//! Login, poll and ack are answered by the store, asynchronously: one store operation runs at a
//! time per connection, in command order (so a pipelined ack is seen by the next poll), while
//! the connection keeps reading, writing and keeping time; libepp puts the responses back in
//! command order. Object commands go the same way to the back end (`backend.rs`: HTTP or the
//! sandbox), in the same line; with no back end they are answered 2101 at once.

use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use epp::{
    AckAnswer, LoginAnswer, PollAnswer, PollMessage, Request, RequestId, Response, ResultCode,
    Server, Session,
};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;

use crate::backend::{Backend, BackendError};
use crate::limits::{CommandRate, FailedLogins, PreLoginTicket};
use crate::log::{clean, log, log_command, millis};
use crate::metrics;
use crate::store::{LoginOutcome, Store, StoreError, StoredMessage};
use crate::tls::PeerCert;

/// Bytes read from the socket at a time (the session holds what it cannot handle yet, and says
/// when it wants no more). The buffer is borrowed from a per-thread pool only while bytes are
/// there to read: an idle connection holds none.
const READ_CHUNK: usize = 16 * 1024;
/// After the session ends: how long to keep draining the peer's input before closing, so that
/// unread input does not turn the close into a reset that could destroy the last response.
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 256 * 1024;
/// On server shutdown: how long to try writing responses already rendered.
const SHUTDOWN_FLUSH: Duration = Duration::from_secs(2);
/// On server shutdown: how long the commands already read (and those that had arrived) may
/// take to be answered and written before the connection is closed regardless.
pub const SHUTDOWN_DRAIN: Duration = Duration::from_secs(4);
/// When the connection ends: how long a store operation under way may take to finish (so
/// that a session slot it took is known, and released).
const SETTLE: Duration = Duration::from_secs(10);

/// What every connection shares.
#[derive(Debug)]
pub struct Shared {
    pub server: Arc<Server>,
    pub store: Arc<Store>,
    /// What answers object commands.
    pub backend: Arc<Backend>,
    /// How long pending output may wait for the client to take any of it.
    pub write_timeout: Duration,
    /// The session limit of registrars that have none of their own.
    pub default_session_limit: Option<u64>,
    /// `--max-commands-per-second`.
    pub command_rate: Option<CommandRate>,
    /// `--max-failed-logins-per-ip`: failed logins per client address, and its lockout.
    pub failed_logins: FailedLogins,
}

/// Why the driver stopped.
#[derive(Debug)]
enum Stop {
    /// The session is finished (its reason is the session's close reason).
    Finished,
    ReadError(std::io::Error),
    WriteError(std::io::Error),
    /// The server is shutting down.
    Shutdown,
    /// No progress is possible (a core invariant broke); closed rather than hang.
    Stalled,
    /// libepp refused input (a host bug: it read although the session wanted none).
    FeedError(epp::SessionError),
}

/// A store operation under way, and what it gives.
type Op = Pin<Box<dyn Future<Output = Done> + Send>>;

enum Done {
    Login {
        id: RequestId,
        client_id: String,
        outcome: LoginOutcome,
    },
    /// A login from an address locked out for failed logins: refused unchecked.
    LockedOut {
        id: RequestId,
        client_id: String,
        left: Duration,
    },
    Poll {
        id: RequestId,
        result: Result<Option<StoredMessage>, StoreError>,
    },
    Ack {
        id: RequestId,
        message_id: u64,
        result: Result<Option<u64>, StoreError>,
    },
    Command {
        id: RequestId,
        verb: epp::CommandVerb,
        result: Result<Response, BackendError>,
    },
}

/// The session plus what eppd keeps beside it.
struct Conn {
    id: u64,
    /// The client's address.
    peer: SocketAddr,
    shared: Arc<Shared>,
    session: Session,
    /// The client's certificate, when it presented one (TLS with --client-ca).
    cert: Option<PeerCert>,
    /// Requests for the store, in command order, not started yet.
    pending: VecDeque<Request>,
    /// The store operation under way.
    inflight: Option<Op>,
    /// Whether the store holds a session slot for this connection.
    slot_held: bool,
    bytes_in: u64,
    bytes_out: u64,
    /// Counts this connection against its address until it logs in.
    ticket: Option<PreLoginTicket>,
    /// Whether the session logged in (counted in `eppd_sessions_logged_in`).
    logged_in: bool,
    /// No reading before this (the registrar is over `--max-commands-per-second`).
    throttle_until: Option<tokio::time::Instant>,
}

/// Serves one connection until its session ends, the peer goes away, or the server shuts down.
/// Never panics on I/O errors; everything is logged.
///
/// When the server shuts down, the connection stops waiting for input: what had arrived is
/// read, the commands in it are answered and written (within [`SHUTDOWN_DRAIN`]), then the
/// connection is closed.
#[allow(clippy::too_many_arguments)]
pub async fn serve<S>(
    stream: S,
    peer: SocketAddr,
    id: u64,
    cert: Option<PeerCert>,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
    ticket: Option<PreLoginTicket>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let started = Instant::now();
    let session = Session::new(Arc::clone(&shared.server), SystemTime::now());
    let mut c = Conn {
        id,
        peer,
        shared,
        session,
        cert,
        pending: VecDeque::new(),
        inflight: None,
        slot_held: false,
        bytes_in: 0,
        bytes_out: 0,
        ticket,
        logged_in: false,
        throttle_until: None,
    };

    let (mut rd, mut wr) = tokio::io::split(stream);

    // Since when output has been pending without the client taking any.
    let mut stalled_since: Option<tokio::time::Instant> = None;
    // Set when the server shuts down: the time by which the connection closes regardless.
    let mut draining: Option<tokio::time::Instant> = None;
    // read -> feed -> poll-queue -> answer -> write, plus the timer and the store.
    let stop = loop {
        c.answer_all();
        c.track_login();
        if c.session.is_finished() {
            break Stop::Finished;
        }
        c.start_next();
        if draining.is_some() && c.session.wants_input() {
            // Shutting down: take what has already arrived, without waiting; then the end of
            // input, so that the session answers what it read and closes.
            match read_now(&mut rd) {
                Some(Ok((buf, n))) if n > 0 => {
                    c.bytes_in += n as u64;
                    let fed = c.session.feed_input(&buf[..n], SystemTime::now());
                    give_buffer(buf);
                    if let Err(e) = fed {
                        break Stop::FeedError(e);
                    }
                }
                other => {
                    if let Some(Ok((buf, _))) = other {
                        give_buffer(buf);
                    }
                    c.session.handle_eof(SystemTime::now());
                }
            }
            continue;
        }
        let now = tokio::time::Instant::now();
        let throttled = match c.throttle_until {
            Some(t) if t > now && draining.is_none() => true,
            _ => {
                c.throttle_until = None;
                false
            }
        };
        let want_read = c.session.wants_input() && !throttled && draining.is_none();
        let want_write = !c.session.output().is_empty();
        // The session's timers wait while eppd holds input back or the server stops.
        let deadline = if throttled || draining.is_some() {
            None
        } else {
            c.session.next_timeout().map(tokio_instant)
        };
        let storing = c.inflight.is_some();
        if !want_read && !want_write && deadline.is_none() && !storing && !throttled {
            break if draining.is_some() {
                Stop::Shutdown
            } else {
                Stop::Stalled
            };
        }
        let sleep = tokio::time::sleep_until(deadline.unwrap_or(now));
        let throttle = tokio::time::sleep_until(c.throttle_until.unwrap_or(now));
        let drained = tokio::time::sleep_until(draining.unwrap_or(now));
        // The write-progress clock runs only while output is pending.
        if !want_write {
            stalled_since = None;
        } else if stalled_since.is_none() {
            stalled_since = Some(tokio::time::Instant::now());
        }
        let stall = tokio::time::sleep_until(
            stalled_since.map_or_else(tokio::time::Instant::now, |t| t + c.shared.write_timeout),
        );
        let store_op = async {
            match c.inflight.as_mut() {
                Some(op) => op.await,
                None => std::future::pending().await,
            }
        };

        tokio::select! {
            // In this order: the server's stop, the store, output before input, input before
            // the timers (a command that arrived is read before the idle timeout fires).
            biased;
            _ = shutdown.changed(), if draining.is_none() => {
                draining = Some(tokio::time::Instant::now() + SHUTDOWN_DRAIN);
            }
            _ = drained, if draining.is_some() => break Stop::Shutdown,
            done = store_op, if storing => {
                c.inflight = None;
                c.apply(done);
            }
            r = wr.write(c.session.output()), if want_write => match r {
                Ok(0) => break Stop::WriteError(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    c.session.consume_output(n);
                    c.bytes_out += n as u64;
                    stalled_since = None;
                }
                Err(e) => break Stop::WriteError(e),
            },
            _ = stall, if want_write => {
                break Stop::WriteError(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the client took no output within the write timeout",
                ));
            }
            r = read_pooled(&mut rd), if want_read => match r {
                Ok((buf, 0)) => {
                    give_buffer(buf);
                    c.session.handle_eof(SystemTime::now());
                }
                Ok((buf, n)) => {
                    c.bytes_in += n as u64;
                    let fed = c.session.feed_input(&buf[..n], SystemTime::now());
                    give_buffer(buf);
                    if let Err(e) = fed {
                        break Stop::FeedError(e);
                    }
                }
                Err(e) => break Stop::ReadError(e),
            },
            _ = throttle, if throttled => c.throttle_until = None,
            _ = sleep, if deadline.is_some() => {
                c.session.handle_timeout(SystemTime::now());
            }
        }
    };

    // The store first: the slot a login took is released before the client sees the close,
    // so that it can log in again at once.
    c.settle().await;
    match &stop {
        Stop::Finished => {
            // FIN after the last response, then drain what the peer still sends for a moment.
            let _ = tokio::time::timeout(LINGER, wr.shutdown()).await;
            let _ = tokio::time::timeout(LINGER, drain(&mut rd)).await;
        }
        Stop::Shutdown => {
            let out = c.session.output();
            if !out.is_empty() {
                if let Ok(Ok(())) = tokio::time::timeout(SHUTDOWN_FLUSH, wr.write_all(out)).await {
                    c.bytes_out += out.len() as u64;
                    let n = out.len();
                    c.session.consume_output(n);
                }
            }
            c.session.close();
            let _ = tokio::time::timeout(LINGER, wr.shutdown()).await;
        }
        Stop::ReadError(_) | Stop::WriteError(_) | Stop::Stalled | Stop::FeedError(_) => {
            c.session.close()
        }
    }

    if c.logged_in {
        metrics::logged_in(false);
    }
    let why = match (&stop, c.session.close_reason()) {
        // The end of input eppd gave the session when the server began to stop.
        (
            Stop::Finished,
            Some(epp::CloseReason::PeerClosed | epp::CloseReason::PeerClosedMidFrame { .. }),
        ) if draining.is_some() => "server shutting down".into(),
        (Stop::Finished, Some(r)) => r.to_string(),
        (Stop::Finished, None) => "finished".into(),
        (Stop::ReadError(e), _) => format!("read error: {e}"),
        (Stop::WriteError(e), _) => format!("write error: {e}"),
        (Stop::Shutdown, _) => "server shutting down".into(),
        (Stop::Stalled, _) => "stalled (no progress possible; libepp invariant broken?)".into(),
        (Stop::FeedError(e), _) => format!("input refused: {e}"),
    };
    log!(
        "conn={} peer={peer} closed clID={} reason=\"{why}\" in={} out={} secs={:.3}",
        c.id,
        clean(c.session.client_id().unwrap_or("-")),
        c.bytes_in,
        c.bytes_out,
        started.elapsed().as_secs_f64(),
    );
}

/// Reads and discards up to [`LINGER_BYTES`] until EOF or an error.
async fn drain<R: AsyncRead + Unpin>(rd: &mut R) {
    let mut total = 0;
    while total < LINGER_BYTES {
        match read_pooled(rd).await {
            Ok((buf, n)) => {
                give_buffer(buf);
                if n == 0 {
                    return;
                }
                total += n;
            }
            Err(_) => return,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// read buffers: a few per thread, lent for one read

thread_local! {
    static BUFFERS: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Buffers kept per thread (more are only ever needed if a read's bytes were not handed back
/// before the next poll on the same thread).
const POOLED_PER_THREAD: usize = 4;

fn take_buffer() -> Vec<u8> {
    BUFFERS
        .with(|b| b.borrow_mut().pop())
        .unwrap_or_else(|| vec![0u8; READ_CHUNK])
}

/// Hands a buffer from [`read_pooled`] back to the pool.
fn give_buffer(buf: Vec<u8>) {
    if buf.len() != READ_CHUNK {
        return;
    }
    BUFFERS.with(|b| {
        let mut b = b.borrow_mut();
        if b.len() < POOLED_PER_THREAD {
            b.push(buf);
        }
    });
}

/// Polls one read into a pooled buffer: the buffer is taken only for the poll, and kept only
/// when bytes came (an idle connection holds no read buffer). Hand it back with
/// [`give_buffer`].
fn poll_read_pooled<R: AsyncRead + Unpin>(
    rd: &mut R,
    cx: &mut std::task::Context<'_>,
) -> std::task::Poll<std::io::Result<(Vec<u8>, usize)>> {
    use std::task::Poll;
    let mut buf = take_buffer();
    let mut rb = tokio::io::ReadBuf::new(&mut buf);
    match Pin::new(rd).poll_read(cx, &mut rb) {
        Poll::Ready(Ok(())) => {
            let n = rb.filled().len();
            Poll::Ready(Ok((buf, n)))
        }
        Poll::Ready(Err(e)) => {
            give_buffer(buf);
            Poll::Ready(Err(e))
        }
        Poll::Pending => {
            // A pending read wrote nothing (AsyncRead's contract).
            give_buffer(buf);
            Poll::Pending
        }
    }
}

/// Reads once into a pooled buffer: `(buffer, bytes read)`, 0 at the end of input.
async fn read_pooled<R: AsyncRead + Unpin>(rd: &mut R) -> std::io::Result<(Vec<u8>, usize)> {
    std::future::poll_fn(|cx| poll_read_pooled(rd, cx)).await
}

/// What a read gives without waiting: `None` when nothing has arrived.
fn read_now<R: AsyncRead + Unpin>(rd: &mut R) -> Option<std::io::Result<(Vec<u8>, usize)>> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match poll_read_pooled(rd, &mut cx) {
        std::task::Poll::Ready(r) => Some(r),
        std::task::Poll::Pending => None,
    }
}

impl Conn {
    /// Answers every request the session has (answering may let it read held input, which can
    /// queue more), then logs the responses that appeared in the output.
    fn answer_all(&mut self) {
        while let Some(request) = self.session.poll_queue() {
            self.answer(request);
        }
        self.log_responses();
    }

    /// Decides one request: the store's go in line; the rest is answered at once.
    fn answer(&mut self, request: Request) {
        let result = match request {
            Request::Login(_) | Request::Poll(_) | Request::PollAck(_) => {
                self.pending.push_back(request);
                Ok(())
            }
            Request::Command(cmd) if self.shared.backend.is_none() => self
                .session
                .answer_command(cmd.id, Response::new(ResultCode::UnimplementedCommand)),
            Request::Command(_) => {
                self.pending.push_back(request);
                Ok(())
            }
            Request::Extension(ext) => {
                // RFC 3735 protocol extensions: none implemented by eppd yet.
                self.session
                    .answer_command(ext.id, Response::new(ResultCode::UnimplementedCommand))
            }
            Request::SessionEnd(_) => Ok(()),
            other => match other.id() {
                Some(id) => self
                    .session
                    .answer_failure(id, Some("not supported by eppd")),
                None => Ok(()),
            },
        };
        if let Err(e) = result {
            log!("conn={} answering request failed: {e}", self.id);
            self.session.close();
        }
    }

    /// Starts the next store operation, when none is under way.
    fn start_next(&mut self) {
        if self.inflight.is_some() {
            return;
        }
        let Some(request) = self.pending.pop_front() else {
            return;
        };
        let store = Arc::clone(&self.shared.store);
        let op: Op = match request {
            Request::Login(l) => {
                if let Some(left) = self
                    .shared
                    .failed_logins
                    .locked(self.peer.ip(), Instant::now())
                {
                    let done = Done::LockedOut {
                        id: l.id,
                        client_id: l.client_id,
                        left,
                    };
                    self.inflight = Some(Box::pin(async move { done }));
                    return;
                }
                let cert = self.cert.clone();
                let conn = self.id;
                let default_limit = self.shared.default_session_limit;
                Box::pin(async move {
                    let mut outcome = store
                        .login(
                            &l.client_id,
                            &l.password,
                            cert.as_ref(),
                            conn,
                            default_limit,
                        )
                        .await;
                    if let (LoginOutcome::Accepted, Some(new)) = (&outcome, &l.new_password) {
                        // <newPW>: in effect before the client reads its 1000.
                        let who = clean(&l.client_id);
                        match store.set_password(&l.client_id, new).await {
                            Ok(true) => log!("conn={conn} clID={who} password changed"),
                            Ok(false) => {
                                outcome = LoginOutcome::UnknownClient;
                            }
                            Err(e) => {
                                outcome = LoginOutcome::Failed(e);
                            }
                        }
                        if outcome != LoginOutcome::Accepted {
                            if let Err(e) = store.release_session(conn).await {
                                log!("conn={conn} releasing the session failed: {e}");
                            }
                        }
                    }
                    Done::Login {
                        id: l.id,
                        client_id: l.client_id,
                        outcome,
                    }
                })
            }
            Request::Poll(p) => Box::pin(async move {
                let result = store.poll(&p.client_id).await;
                Done::Poll { id: p.id, result }
            }),
            Request::PollAck(a) => Box::pin(async move {
                let result = store.ack(&a.client_id, a.message_id).await;
                Done::Ack {
                    id: a.id,
                    message_id: a.message_id,
                    result,
                }
            }),
            Request::Command(cmd) => {
                let backend = Arc::clone(&self.shared.backend);
                Box::pin(async move {
                    let result = backend.handle(&cmd, SystemTime::now()).await;
                    Done::Command {
                        id: cmd.id,
                        verb: cmd.verb,
                        result,
                    }
                })
            }
            _ => return,
        };
        self.inflight = Some(op);
    }

    /// Gives the session the store's answer.
    fn apply(&mut self, done: Done) {
        let (id, result) = match done {
            Done::Login {
                id,
                client_id,
                outcome,
            } => {
                let answer = self.login_answer(&client_id, outcome);
                (id, self.session.answer_login(id, answer).map(|_| ()))
            }
            Done::LockedOut {
                id,
                client_id,
                left,
            } => {
                metrics::login("locked_out");
                log!(
                    "conn={} clID={} login refused unchecked: {} is locked out for failed \
                     logins for {}s more",
                    self.id,
                    clean(&client_id),
                    self.peer.ip().to_canonical(),
                    left.as_secs()
                );
                let answer = LoginAnswer::BadCredentials;
                (id, self.session.answer_login(id, answer).map(|_| ()))
            }
            Done::Poll { id, result } => match result {
                Ok(None) => (id, self.session.answer_poll(id, PollAnswer::Empty)),
                Ok(Some(m)) => {
                    let full = PollMessage {
                        lang: m.lang.clone().filter(|l| l != "en"),
                        res_data: m.res_data.clone(),
                        ..PollMessage::new(m.id, m.count, m.queued_at, m.text.clone())
                    };
                    let r = self.session.answer_poll(id, PollAnswer::Message(full));
                    if let Err(e) = &r {
                        // A message the engine will not send as stored (it was checked when
                        // queued, so the store was changed by hand): its text alone.
                        log!(
                            "conn={} message {} cannot be sent as stored ({e}); sending its \
                             text alone",
                            self.id,
                            m.id
                        );
                        let plain = PollMessage::new(m.id, m.count, m.queued_at, m.text);
                        (id, self.session.answer_poll(id, PollAnswer::Message(plain)))
                    } else {
                        (id, r)
                    }
                }
                Err(e) => {
                    metrics::backend_error("store");
                    log!("conn={} poll failed: {e}", self.id);
                    (id, self.session.answer_failure(id, None))
                }
            },
            Done::Ack {
                id,
                message_id,
                result,
            } => match result {
                Ok(Some(remaining)) => (
                    id,
                    self.session.answer_ack(id, AckAnswer::Acked { remaining }),
                ),
                Ok(None) => (id, self.session.answer_ack(id, AckAnswer::UnknownMessage)),
                Err(e) => {
                    metrics::backend_error("store");
                    log!("conn={} ack of message {message_id} failed: {e}", self.id);
                    (id, self.session.answer_failure(id, None))
                }
            },
            Done::Command { id, verb, result } => {
                let who = clean(self.session.client_id().unwrap_or("-"));
                match result {
                    Ok(response) => match self.session.answer_command(id, response) {
                        // libepp refused the back end's answer (XML not well-formed...).
                        Err(e) if !self.session.is_finished() => {
                            metrics::backend_error("object");
                            log!(
                                "conn={} clID={who} {verb}: the back end's answer was refused: \
                                 {e}",
                                self.id
                            );
                            (id, self.session.answer_failure(id, None))
                        }
                        r => (id, r),
                    },
                    Err(e) => {
                        metrics::backend_error("object");
                        log!("conn={} clID={who} {verb}: back end failed: {e}", self.id);
                        (id, self.session.answer_failure(id, None))
                    }
                }
            }
        };
        if let Err(e) = result {
            // The session ended meanwhile (the request is gone), or the answer was refused.
            if !self.session.is_finished() {
                log!("conn={} answering request {id} failed: {e}", self.id);
                if self.session.answer_failure(id, None).is_err() {
                    self.session.close();
                }
            }
        }
    }

    /// The EPP answer for a login outcome; refusals are logged with their reason (which the
    /// client is not told).
    fn login_answer(&mut self, client_id: &str, outcome: LoginOutcome) -> LoginAnswer {
        let who = clean(client_id);
        if matches!(
            outcome,
            LoginOutcome::UnknownClient
                | LoginOutcome::WrongPassword
                | LoginOutcome::CertificateMismatch { .. }
        ) && !self
            .shared
            .failed_logins
            .record(self.peer.ip(), Instant::now())
        {
            log!(
                "conn={} failed login from {} not counted: too many addresses with recent \
                 failed logins",
                self.id,
                self.peer.ip()
            );
        }
        let refused = |why: String| log!("conn={} clID={who} login refused: {why}", self.id);
        metrics::login(match &outcome {
            LoginOutcome::Accepted => "accepted",
            LoginOutcome::UnknownClient => "unknown_client",
            LoginOutcome::WrongPassword => "wrong_password",
            LoginOutcome::CertificateMismatch { .. } => "certificate_mismatch",
            LoginOutcome::Disabled => "disabled",
            LoginOutcome::SessionLimit { .. } => "session_limit",
            LoginOutcome::Failed(_) => "store_error",
        });
        if let LoginOutcome::Failed(_) = &outcome {
            metrics::backend_error("store");
        }
        match outcome {
            LoginOutcome::Accepted => {
                self.slot_held = true;
                LoginAnswer::Accepted
            }
            LoginOutcome::UnknownClient => {
                refused("no such registrar".into());
                LoginAnswer::BadCredentials
            }
            LoginOutcome::WrongPassword => {
                refused("wrong password".into());
                LoginAnswer::BadCredentials
            }
            LoginOutcome::CertificateMismatch { binding, presented } => {
                refused(match presented {
                    Some(c) => format!(
                        "client certificate sha256:{} subject=\"{}\" does not match the \
                         registrar's binding {}",
                        c.sha256,
                        clean_text(&c.subject),
                        clean_text(&binding.to_string()),
                    ),
                    None => format!(
                        "no client certificate, and the registrar is bound to {}",
                        clean_text(&binding.to_string())
                    ),
                });
                LoginAnswer::BadCredentials
            }
            LoginOutcome::Disabled => {
                refused("the registrar is disabled".into());
                LoginAnswer::AccountDisabled
            }
            LoginOutcome::SessionLimit { limit, live } => {
                refused(format!("session limit {limit} reached ({live} live)"));
                LoginAnswer::SessionLimitExceeded
            }
            LoginOutcome::Failed(e) => {
                refused(format!("store error: {e}"));
                LoginAnswer::Failed
            }
        }
    }

    /// When the connection ends: lets the store operation under way finish (bounded), then
    /// releases the session slot.
    async fn settle(&mut self) {
        self.pending.clear();
        if let Some(op) = self.inflight.take() {
            match tokio::time::timeout(SETTLE, op).await {
                Ok(Done::Login {
                    outcome: LoginOutcome::Accepted,
                    ..
                }) => self.slot_held = true,
                Ok(_) => {}
                Err(_) => {
                    // A login may still commit its slot: remove whatever it left.
                    log!(
                        "conn={} a store operation did not finish in {SETTLE:?}",
                        self.id
                    );
                    self.slot_held = true;
                }
            }
        }
        if self.slot_held {
            self.slot_held = false;
            let release = self.shared.store.release_session(self.id);
            match tokio::time::timeout(SETTLE, release).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => log!("conn={} releasing the session failed: {e}", self.id),
                Err(_) => log!("conn={} releasing the session timed out", self.id),
            }
        }
    }

    /// After each step: a session that has just logged in no longer counts against its
    /// address, and counts as logged in.
    fn track_login(&mut self) {
        if !self.logged_in && self.session.state() == epp::SessionState::LoggedIn {
            self.logged_in = true;
            metrics::logged_in(true);
            if let Some(mut t) = self.ticket.take() {
                t.release();
            }
        }
    }

    /// One log line per response rendered since the last call, from libepp's transaction log;
    /// the metrics; and the registrar's command rate.
    fn log_responses(&mut self) {
        let mut charged: u32 = 0;
        while let Some(t) = self.session.poll_transaction() {
            // libepp records the logged-in client, or for a login the clID
            // it tried: the right one even when commands were pipelined.
            let client = t.client_id.as_deref().unwrap_or("-");
            let code = t
                .code
                .map_or_else(|| "greeting".to_string(), |c| c.code().to_string());
            let elapsed = SystemTime::now()
                .duration_since(t.received_at)
                .unwrap_or_default();
            metrics::command(
                metrics::command_label(t.command),
                t.code.map(|c| c.code()),
                elapsed,
            );
            // A logged-in registrar's commands count toward its rate (its login does not).
            if t.client_id.is_some() && t.command != epp::CommandName::Login {
                charged = charged.saturating_add(1);
            }
            log_command!(
                "conn={} clID={} cmd={} code={code} clTRID={} svTRID={} ms={}",
                self.id,
                clean(client),
                t.command.as_str().replace(' ', "-"),
                t.client_transaction_id
                    .as_ref()
                    .map_or_else(|| "-".to_string(), |c| clean(c.as_str())),
                t.server_transaction_id
                    .as_deref()
                    .map_or_else(|| "-".to_string(), clean),
                millis(elapsed),
            );
        }
        if charged > 0 {
            self.charge(charged);
        }
    }

    /// Counts `n` commands against the registrar's rate; over it, reading waits.
    fn charge(&mut self, n: u32) {
        let (Some(rate), Some(client)) = (&self.shared.command_rate, self.session.client_id())
        else {
            return;
        };
        let now = tokio::time::Instant::now();
        let delay = rate.charge(client, n, now.into_std());
        if !delay.is_zero() {
            metrics::throttled(delay);
            let until = now + delay;
            self.throttle_until = Some(self.throttle_until.map_or(until, |t| t.max(until)));
        }
    }
}

/// A store-supplied string for one log line: no control characters or quotes.
fn clean_text(s: &str) -> String {
    s.chars()
        .take(200)
        .map(|c| if c.is_control() || c == '"' { '_' } else { c })
        .collect()
}

/// The tokio instant for a wall-clock deadline (past deadlines are now).
fn tokio_instant(t: SystemTime) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    match t.duration_since(SystemTime::now()) {
        // Bounded so that a far deadline cannot overflow the clock.
        Ok(d) => now + d.min(Duration::from_secs(86_400 * 365)),
        Err(_) => now,
    }
}
