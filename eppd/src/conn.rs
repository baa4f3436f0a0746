//! One client connection: drives an [`epp::Session`] over any byte stream.
//!
//! The driver is generic over `AsyncRead + AsyncWrite`, so a TLS stream can replace the plain
//! TCP one without touching it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use epp::{Request, Response, ResultCode, Server, Session};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;

use crate::log::{clean, log, millis};
use crate::store::Store;

/// Bytes read from the socket at a time (the session holds what it cannot handle yet, and says
/// when it wants no more).
const READ_CHUNK: usize = 16 * 1024;
/// After the session ends: how long to keep draining the peer's input before closing, so that
/// unread input does not turn the close into a reset that could destroy the last response.
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 256 * 1024;
/// On server shutdown: how long to try writing responses already rendered.
const SHUTDOWN_FLUSH: Duration = Duration::from_secs(2);

/// What every connection shares.
#[derive(Debug)]
pub struct Shared {
    pub server: Arc<Server>,
    pub store: Arc<Store>,
    /// How long pending output may wait for the client to take any of it.
    pub write_timeout: Duration,
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

/// The session plus what eppd keeps beside it.
struct Conn {
    id: u64,
    shared: Arc<Shared>,
    session: Session,
    bytes_in: u64,
    bytes_out: u64,
}

/// Serves one connection until its session ends, the peer goes away, or the server shuts down.
/// Never panics on I/O errors; everything is logged.
pub async fn serve<S>(
    stream: S,
    peer: SocketAddr,
    id: u64,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let started = Instant::now();
    let session = Session::new(Arc::clone(&shared.server), SystemTime::now());
    let mut c = Conn {
        id,
        shared,
        session,
        bytes_in: 0,
        bytes_out: 0,
    };
    log!("conn={id} peer={peer} connected");

    let (mut rd, mut wr) = tokio::io::split(stream);
    let mut chunk = vec![0u8; READ_CHUNK];

    // Since when output has been pending without the client taking any.
    let mut stalled_since: Option<tokio::time::Instant> = None;
    // read -> feed -> poll-queue -> answer -> write, plus the timer.
    let stop = loop {
        c.answer_all();
        if c.session.is_finished() {
            break Stop::Finished;
        }
        let want_read = c.session.wants_input();
        let want_write = !c.session.output().is_empty();
        let deadline = c.session.next_timeout().map(tokio_instant);
        if !want_read && !want_write && deadline.is_none() {
            break Stop::Stalled;
        }
        let sleep = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now));
        // The write-progress clock runs only while output is pending.
        if !want_write {
            stalled_since = None;
        } else if stalled_since.is_none() {
            stalled_since = Some(tokio::time::Instant::now());
        }
        let stall = tokio::time::sleep_until(
            stalled_since.map_or_else(tokio::time::Instant::now, |t| t + c.shared.write_timeout),
        );

        tokio::select! {
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
            r = rd.read(&mut chunk), if want_read => match r {
                Ok(0) => c.session.handle_eof(SystemTime::now()),
                Ok(n) => {
                    c.bytes_in += n as u64;
                    if let Err(e) = c.session.feed_input(&chunk[..n], SystemTime::now()) {
                        break Stop::FeedError(e);
                    }
                }
                Err(e) => break Stop::ReadError(e),
            },
            _ = sleep, if deadline.is_some() => {
                c.session.handle_timeout(SystemTime::now());
            }
            _ = shutdown.changed() => break Stop::Shutdown,
        }
    };

    match &stop {
        Stop::Finished => {
            // FIN after the last response, then drain what the peer still sends for a moment.
            let _ = tokio::time::timeout(LINGER, wr.shutdown()).await;
            let _ = tokio::time::timeout(LINGER, drain(&mut rd, &mut chunk)).await;
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

    let why = match (&stop, c.session.close_reason()) {
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
async fn drain<R: AsyncRead + Unpin>(rd: &mut R, buf: &mut [u8]) {
    let mut total = 0;
    while total < LINGER_BYTES {
        match rd.read(buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => total += n,
        }
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

    /// Decides one request (all answers are immediate: the back end is in memory).
    fn answer(&mut self, request: Request) {
        let store = Arc::clone(&self.shared.store);
        let id = request.id();
        let result = match request {
            Request::Login(l) => {
                let answer = store.authenticate(&l.client_id, &l.password);
                let r = self.session.answer_login(l.id, answer);
                if let (Ok(code), Some(new)) = (&r, &l.new_password) {
                    // Only when the login really took effect (libepp may still refuse an
                    // accepted login, e.g. over the registrar's session limit).
                    if *code == ResultCode::Success {
                        store.set_password(&l.client_id, new);
                        log!(
                            "conn={} clID={} password changed",
                            self.id,
                            clean(&l.client_id)
                        );
                    }
                }
                r.map(|_| ())
            }
            Request::Poll(p) => match self.session.client_id() {
                Some(client) => {
                    let answer = store.poll(client);
                    self.session.answer_poll(p.id, answer)
                }
                None => self.session.answer_failure(p.id, None),
            },
            Request::PollAck(a) => match self.session.client_id() {
                Some(client) => {
                    let answer = store.ack(client, a.message_id);
                    self.session.answer_ack(a.id, answer)
                }
                None => self.session.answer_failure(a.id, None),
            },
            Request::Command(cmd) => {
                // No object back end yet.
                self.session
                    .answer_command(cmd.id, Response::new(ResultCode::UnimplementedCommand))
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
            let fallback = match id {
                Some(id) => self.session.answer_failure(id, None),
                None => Ok(()),
            };
            if fallback.is_err() {
                self.session.close();
            }
        }
    }

    /// One log line per response rendered since the last call, from libepp's transaction log.
    fn log_responses(&mut self) {
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
            log!(
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
    }
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
