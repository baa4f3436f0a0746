//! `eppd etp`: an ETP 1.1 server (Energistics Transfer Protocol) over WebSocket, on libepp's ETP
//! engine (`epp::etp`).
//!
//! eppd owns the listener, the WebSocket (tokio-tungstenite: handshake, framing, pings, close
//! frames) and the answers to the sub-protocols; libepp owns the Core protocol (negotiation,
//! message and correlation ids, Core errors). One ETP message is one WebSocket binary message.
//!
//! What eppd decides here:
//!
//! - The handshake: the WebSocket is served at `/` only (404 elsewhere); the client must ask for
//!   the subprotocol `energistics-tp`, which is echoed (400 when it asks for none or only for
//!   others: ETP 1.1 requires it); an `etp-encoding` header other than `binary` is refused (400:
//!   eppd speaks Avro binary only). The security token is not checked.
//! - A text message is no ETP message and the engine has no rule for it: the WebSocket is closed
//!   with 1008 (policy violation). A message larger than [`MAX_MESSAGE`] closes it with 1009.
//! - The sub-protocols have no back end yet: every message of a negotiated protocol is answered
//!   with a ProtocolException 7 ENOTSUPPORTED in that protocol, correlated to it; the client's
//!   own ProtocolException (1000) and Acknowledge (1001) in such a protocol take no answer.
//! - RenewSecurityToken is accepted (eppd checks no token).
//! - A client that has not opened a session within `--open-deadline` seconds of the handshake
//!   gets CloseSession and the WebSocket is closed.
//! - Session ids are 16 random bytes from the operating system per session (UUID version 4).
//!
//! The driver ([`serve`]) is generic over the byte stream, so TLS (`wss://`) will only add a
//! [`Transport`] variant whose accept step wraps the TCP stream.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use epp::etp::{
    self, Config, CoreMessage, ErrorCode, ProtocolException, Request, Session, SessionState,
    SupportedProtocol, Uuid, Version,
};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::handshake::server::{
    ErrorResponse, Request as HttpRequest, Response,
};
use tokio_tungstenite::tungstenite::http::{header, StatusCode};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

use crate::log::{clean, log};

/// The WebSocket subprotocol of ETP 1.1.
pub const SUBPROTOCOL: &str = "energistics-tp";
/// The largest WebSocket message (and frame) taken, in bytes; past it the WebSocket is closed
/// with 1009 (message too big).
pub const MAX_MESSAGE: usize = 1024 * 1024;
/// How long a client gets to complete the WebSocket handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// After a close frame: how long to wait for the peer's, and for the connection to end.
const LINGER: Duration = Duration::from_secs(1);
/// After a WebSocket error: most bytes read and dropped before closing, so that unread input
/// does not turn the close into a reset that could destroy the close frame.
const LINGER_BYTES: usize = 4 * MAX_MESSAGE;
/// On server shutdown: how long to try sending what is pending.
const SHUTDOWN_FLUSH: Duration = Duration::from_secs(2);
/// Timeouts are bounded so that deadlines stay far from clock overflow.
const MAX_TIMEOUT_SECS: u64 = 30 * 86_400;

/// What `eppd etp` says when asked to serve `wss://`.
pub const NEEDS_TLS: &str =
    "TLS for ETP needs --tls-cert/--tls-key (not yet available); use --plain";

/// The flags of `eppd etp` (its help text is the `Command::Etp` variant's, in `cli.rs`).
#[derive(Debug, Clone, clap::Args)]
pub struct EtpArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7701")]
    pub listen: String,

    /// Serve plain WebSocket (ws://), without TLS (the only mode implemented yet; required).
    #[arg(long)]
    pub plain: bool,

    /// A protocol the server supports, with its version and the role it plays (repeatable;
    /// replaces the default, which is 3:1.1.0.0:store and 4:1.1.0.0:store: Discovery and Store).
    #[arg(long = "protocol", value_name = "ID:VERSION:ROLE", value_parser = parse_protocol)]
    pub protocols: Vec<SupportedProtocol<'static>>,

    /// The applicationName sent in OpenSession.
    #[arg(long, value_name = "NAME", default_value = "eppd")]
    pub application_name: String,

    /// The applicationVersion sent in OpenSession (default: eppd's version).
    #[arg(long, value_name = "VERSION")]
    pub application_version: Option<String>,

    /// A data object type listed in OpenSession's supportedObjects (repeatable).
    #[arg(long = "supported-object", value_name = "TYPE")]
    pub supported_objects: Vec<String>,

    /// Close a connection whose client has not opened a session (RequestSession) this many
    /// seconds after the WebSocket handshake.
    #[arg(long, value_name = "SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS))]
    pub open_deadline: u64,

    /// Close a connection whose client takes no output for this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS))]
    pub write_timeout: u64,

    /// Most concurrent connections; further clients wait in the listen backlog.
    #[arg(long, value_name = "N", default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,
}

/// `ID:VERSION:ROLE`, e.g. `3:1.1.0.0:store`: a protocol id above 0 (Core is always there), a
/// version of four numbers, a non-empty role.
pub fn parse_protocol(s: &str) -> Result<SupportedProtocol<'static>, String> {
    let mut parts = s.splitn(3, ':');
    let (Some(id), Some(version), Some(role)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("expected ID:VERSION:ROLE, e.g. 3:1.1.0.0:store".into());
    };
    let id: i32 = id
        .parse()
        .map_err(|_| format!("the protocol id {id:?} is not a number"))?;
    if id <= 0 {
        return Err(format!(
            "the protocol id must be above 0 (Core, 0, is always supported), got {id}"
        ));
    }
    let numbers = version
        .split('.')
        .map(|n| n.parse::<i32>().ok().filter(|n| *n >= 0))
        .collect::<Option<Vec<_>>>();
    let version = match numbers.as_deref() {
        Some(&[major, minor, revision, patch]) => Version::new(major, minor, revision, patch),
        _ => {
            return Err(format!(
                "the version {version:?} is not MAJOR.MINOR.REVISION.PATCH (e.g. 1.1.0.0)"
            ))
        }
    };
    if role.is_empty() || role.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "the role {role:?} must be non-empty, without spaces or control characters"
        ));
    }
    Ok(SupportedProtocol::new(id, version, role))
}

/// How a connection's bytes are carried. Only plain TCP (`ws://`) exists; TLS will add a
/// variant whose accept step wraps the TCP stream (`wss://`) before [`serve`], which is generic
/// over the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Plain,
}

impl Transport {
    fn from_args(args: &EtpArgs) -> Result<Transport, String> {
        if args.plain {
            Ok(Transport::Plain)
        } else {
            Err(NEEDS_TLS.into())
        }
    }

    fn scheme(self) -> &'static str {
        match self {
            Transport::Plain => "ws",
        }
    }
}

/// The engine's configuration from the flags.
fn config(args: &EtpArgs) -> Result<Arc<Config>, String> {
    let mut b = Config::builder();
    b.application_name(args.application_name.as_str())
        .application_version(
            args.application_version
                .as_deref()
                .unwrap_or(env!("CARGO_PKG_VERSION")),
        );
    if !args.protocols.is_empty() {
        b.protocols(args.protocols.iter().cloned());
    }
    for object in &args.supported_objects {
        b.supported_object(object.as_str());
    }
    b.build().map_err(|e| format!("bad configuration: {e}"))
}

/// What every connection shares.
#[derive(Debug)]
struct Shared {
    config: Arc<Config>,
    write_timeout: Duration,
    open_deadline: Duration,
}

/// `eppd etp ...`.
pub fn main(args: EtpArgs) -> ExitCode {
    let transport = match Transport::from_args(&args) {
        Ok(t) => t,
        Err(e) => {
            crate::eprintln_safe(&format!("eppd etp: {e}"));
            return ExitCode::from(2);
        }
    };
    let config = match config(&args) {
        Ok(c) => c,
        Err(e) => {
            crate::eprintln_safe(&format!("eppd etp: {e}"));
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            crate::eprintln_safe(&format!("eppd etp: cannot start the runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args, transport, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            crate::eprintln_safe(&format!("eppd etp: {e}"));
            ExitCode::FAILURE
        }
    }
}

fn describe(p: &SupportedProtocol<'_>) -> String {
    format!("{}:{}:{}", p.protocol, p.protocol_version, p.role)
}

fn describe_all<'a>(ps: impl IntoIterator<Item = &'a SupportedProtocol<'a>>) -> String {
    ps.into_iter().map(describe).collect::<Vec<_>>().join(",")
}

async fn run(args: EtpArgs, transport: Transport, config: Arc<Config>) -> Result<(), String> {
    let listener = TcpListener::bind(args.listen.as_str())
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "etp listening on {addr}");
        let _ = out.flush();
    }
    log!(
        "eppd {} serving ETP 1.1 over WebSocket at {}://{addr}/ (subprotocol {SUBPROTOCOL}{}): \
         application {:?} {:?}, protocols {}",
        env!("CARGO_PKG_VERSION"),
        transport.scheme(),
        if transport == Transport::Plain {
            ", no TLS"
        } else {
            ""
        },
        config.application_name(),
        config.application_version(),
        describe_all(config.protocols()),
    );

    let shared = Arc::new(Shared {
        config,
        write_timeout: Duration::from_secs(args.write_timeout),
        open_deadline: Duration::from_secs(args.open_deadline),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut conns: JoinSet<()> = JoinSet::new();
    let max_conns = usize::try_from(args.max_connections).unwrap_or(usize::MAX);
    let mut next_id: u64 = 0;
    let signal = crate::shutdown_signal();
    tokio::pin!(signal);

    loop {
        tokio::select! {
            accepted = listener.accept(), if conns.len() < max_conns => match accepted {
                Ok((stream, peer)) => {
                    next_id += 1;
                    let _ = stream.set_nodelay(true);
                    conns.spawn(handle(transport, stream, peer, next_id, Arc::clone(&shared), stop_rx.clone()));
                }
                Err(e) => {
                    log!("etp accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(done) = conns.join_next(), if !conns.is_empty() => {
                if let Err(e) = done {
                    log!("etp: a connection task failed: {e}");
                }
            }
            name = &mut signal => {
                log!("{name}: shutting down");
                break;
            }
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let open = conns.len();
    let finished = tokio::time::timeout(crate::SHUTDOWN_GRACE, async {
        while conns.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        log!(
            "{} of {open} connection(s) did not finish in time",
            conns.len()
        );
        conns.abort_all();
    }
    log!("stopped");
    Ok(())
}

/// Accepts one connection on the transport, then serves it.
async fn handle(
    transport: Transport,
    stream: TcpStream,
    peer: SocketAddr,
    id: u64,
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
) {
    match transport {
        Transport::Plain => serve(stream, peer, id, shared, stop).await,
    }
}

// ---------------------------------------------------------------------------------------------
// the handshake

/// The WebSocket upgrade's checks (see the module documentation): the answer to send, with the
/// subprotocol echoed, or the HTTP error that refuses it. (The signature is tungstenite's
/// `Callback`.)
#[allow(clippy::result_large_err)]
pub fn check_upgrade(
    request: &HttpRequest,
    mut response: Response,
) -> Result<Response, ErrorResponse> {
    let path = request.uri().path();
    if path != "/" {
        return Err(refusal(
            StatusCode::NOT_FOUND,
            format!("eppd serves ETP at / (WebSocket), not at {}", clean(path)),
        ));
    }
    let asked: Vec<&str> = request
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if !asked.contains(&SUBPROTOCOL) {
        let asked = if asked.is_empty() {
            "none".to_string()
        } else {
            asked
                .iter()
                .map(|s| clean(s))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            format!(
                "eppd serves ETP 1.1 only: ask for the WebSocket subprotocol {SUBPROTOCOL} \
                 (Sec-WebSocket-Protocol; asked for: {asked})"
            ),
        ));
    }
    if let Some(encoding) = request.headers().get("etp-encoding") {
        let encoding = encoding.to_str().unwrap_or("?").trim();
        if !encoding.eq_ignore_ascii_case("binary") {
            return Err(refusal(
                StatusCode::BAD_REQUEST,
                format!(
                    "eppd speaks ETP's binary encoding only (etp-encoding: binary), not {}",
                    clean(encoding)
                ),
            ));
        }
    }
    response.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        header::HeaderValue::from_static(SUBPROTOCOL),
    );
    Ok(response)
}

/// An HTTP error answering the upgrade, its body one line of text.
fn refusal(status: StatusCode, text: String) -> ErrorResponse {
    let body = format!("{text}\n");
    let mut response = ErrorResponse::new(Some(body.clone()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_LENGTH,
        header::HeaderValue::from(body.len()),
    );
    headers.insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    response
}

// ---------------------------------------------------------------------------------------------
// one connection

/// Why the driver stopped.
#[derive(Debug)]
enum Stop {
    /// The session is finished (CloseSession sent or received, or refused).
    Finished,
    /// The client sent a close frame.
    PeerClosed(Option<CloseFrame>),
    /// The connection ended without a close frame.
    PeerGone,
    /// The client sent a text message.
    Text,
    /// The WebSocket failed (protocol error, message too big, I/O).
    Ws(WsError),
    /// The client took no output within the write timeout.
    WriteTimeout,
    /// The server is shutting down.
    Shutdown,
    /// No progress is possible (a libepp invariant broke); closed rather than hang.
    Stalled,
    /// libepp refused input (a host bug: it read although the session wanted none).
    FeedError(etp::SessionError),
}

/// The session plus what eppd counts beside it.
struct Conn {
    id: u64,
    session: Session,
    messages_in: u64,
    messages_out: u64,
}

/// A session id: 16 random bytes from the operating system, as a version 4 UUID.
fn new_session_id() -> Result<Uuid, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(Uuid::from_random(bytes))
}

/// Serves one connection: the WebSocket handshake, then the session until it ends, the peer
/// goes away or the server shuts down. Never panics on I/O errors; everything is logged.
async fn serve<S>(
    stream: S,
    peer: SocketAddr,
    id: u64,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let started = Instant::now();
    let ws_config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let handshake =
        tokio_tungstenite::accept_hdr_async_with_config(stream, check_upgrade, Some(ws_config));
    let mut ws = match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
        Ok(Ok(ws)) => ws,
        Ok(Err(WsError::Http(response))) => {
            let body = response
                .body()
                .as_deref()
                .map(|b| String::from_utf8_lossy(b).trim_end().to_string())
                .unwrap_or_default();
            log!(
                "etp conn={id} peer={peer} refused at the handshake: {} {body}",
                response.status()
            );
            return;
        }
        Ok(Err(e)) => {
            log!("etp conn={id} peer={peer} handshake failed: {e}");
            return;
        }
        Err(_) => {
            log!("etp conn={id} peer={peer} handshake not completed within {HANDSHAKE_TIMEOUT:?}");
            return;
        }
    };
    let session_id = match new_session_id() {
        Ok(u) => u,
        Err(e) => {
            log!("etp conn={id} peer={peer} no random session id: {e}");
            close_ws(&mut ws, CloseCode::Error, "no session id", Drain::Frames).await;
            return;
        }
    };
    log!("etp conn={id} peer={peer} connected session={session_id}");
    let mut c = Conn {
        id,
        session: Session::new(Arc::clone(&shared.config), session_id),
        messages_in: 0,
        messages_out: 0,
    };
    let open_by = tokio::time::Instant::now() + shared.open_deadline;

    let stop = loop {
        if let Err(stop) = c.pump(&mut ws, shared.write_timeout).await {
            break stop;
        }
        if c.session.is_finished() {
            break Stop::Finished;
        }
        if !c.session.wants_input() {
            break Stop::Stalled;
        }
        let awaiting = c.session.state() == SessionState::AwaitingRequest;
        tokio::select! {
            next = ws.next() => match next {
                Some(Ok(Message::Binary(message))) => {
                    c.messages_in += 1;
                    if let Err(e) = c.session.feed_message(&message) {
                        break Stop::FeedError(e);
                    }
                }
                Some(Ok(Message::Text(_))) => break Stop::Text,
                // tungstenite answers pings itself (on the next read or write).
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Close(frame))) => {
                    c.session.handle_eof();
                    break Stop::PeerClosed(frame);
                }
                Some(Err(WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake))) | None => {
                    c.session.handle_eof();
                    break Stop::PeerGone;
                }
                Some(Err(e)) => break Stop::Ws(e),
            },
            _ = tokio::time::sleep_until(open_by), if awaiting => {
                log!(
                    "etp conn={id} no RequestSession within {}s: closing",
                    shared.open_deadline.as_secs()
                );
                let _ = c.session.close_session(Some("no RequestSession in time"));
            }
            _ = shutdown.changed() => break Stop::Shutdown,
        }
    };

    match &stop {
        Stop::Finished => {
            close_ws(&mut ws, CloseCode::Normal, "session closed", Drain::Frames).await
        }
        Stop::PeerClosed(_) => {
            // The reply to the client's close frame goes out on the next read.
            c.session.close();
            linger(&mut ws).await;
        }
        Stop::PeerGone | Stop::WriteTimeout => c.session.close(),
        Stop::Text => {
            c.session.close();
            close_ws(
                &mut ws,
                CloseCode::Policy,
                "ETP messages are binary: text message refused",
                Drain::Frames,
            )
            .await;
        }
        Stop::Ws(WsError::Capacity(_)) => {
            c.session.close();
            // The rest of the message is still coming: drop it unread.
            close_ws(&mut ws, CloseCode::Size, "message too big", Drain::Raw).await;
        }
        Stop::Ws(WsError::Protocol(_)) => {
            c.session.close();
            close_ws(
                &mut ws,
                CloseCode::Protocol,
                "WebSocket protocol error",
                Drain::Raw,
            )
            .await;
        }
        Stop::Ws(_) => c.session.close(),
        Stop::Shutdown => {
            let _ = c.session.close_session(Some("server shutting down"));
            let _ = tokio::time::timeout(SHUTDOWN_FLUSH, c.pump(&mut ws, SHUTDOWN_FLUSH)).await;
            c.session.close();
            close_ws(
                &mut ws,
                CloseCode::Away,
                "server shutting down",
                Drain::Frames,
            )
            .await;
        }
        Stop::Stalled | Stop::FeedError(_) => {
            c.session.close();
            close_ws(&mut ws, CloseCode::Error, "internal error", Drain::Frames).await;
        }
    }

    let why = match (&stop, c.session.close_reason()) {
        (Stop::Finished, Some(r)) => r.to_string(),
        (Stop::Finished, None) => "finished".into(),
        (Stop::PeerClosed(Some(f)), _) if f.reason.is_empty() => {
            format!("close frame {}", u16::from(f.code))
        }
        (Stop::PeerClosed(Some(f)), _) => {
            format!("close frame {} {}", u16::from(f.code), clean(&f.reason))
        }
        (Stop::PeerClosed(None), _) => "close frame".into(),
        (Stop::PeerGone, _) => "connection ended without a close frame".into(),
        (Stop::Text, _) => "text message (closed with 1008)".into(),
        (Stop::Ws(e), _) => format!("WebSocket error: {e}"),
        (Stop::WriteTimeout, _) => "the client took no output within the write timeout".into(),
        (Stop::Shutdown, _) => "server shutting down".into(),
        (Stop::Stalled, _) => "stalled (no progress possible; libepp invariant broken?)".into(),
        (Stop::FeedError(e), _) => format!("input refused: {e}"),
    };
    log!(
        "etp conn={} peer={peer} closed session={session_id} reason=\"{why}\" in={} out={} \
         secs={:.3}",
        c.id,
        c.messages_in,
        c.messages_out,
        started.elapsed().as_secs_f64(),
    );
}

/// What to read after sending a close frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Drain {
    /// WebSocket frames, up to the peer's close frame.
    Frames,
    /// Raw bytes (the input is no longer a valid frame stream, e.g. the rest of a message too
    /// big to read).
    Raw,
}

/// Sends a close frame, then reads (bounded: [`LINGER`], [`LINGER_BYTES`]) what the peer still
/// sends until the connection ends.
async fn close_ws<S>(
    ws: &mut WebSocketStream<S>,
    code: CloseCode,
    reason: &'static str,
    drain: Drain,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    if let Ok(Ok(())) = tokio::time::timeout(LINGER, ws.close(Some(frame))).await {
        match drain {
            Drain::Frames => linger(ws).await,
            Drain::Raw => {
                let mut buf = vec![0u8; 16 * 1024];
                let mut total = 0;
                let _ = tokio::time::timeout(LINGER, async {
                    while total < LINGER_BYTES {
                        match ws.get_mut().read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => total += n,
                        }
                    }
                })
                .await;
            }
        }
    }
}

/// Reads (and drops) frames until the connection ends, bounded by [`LINGER`]: this sends the
/// reply to a close frame received, and takes the peer's reply to one sent.
async fn linger<S>(ws: &mut WebSocketStream<S>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let _ =
        tokio::time::timeout(LINGER, async { while let Some(Ok(_)) = ws.next().await {} }).await;
}

/// Names of the ETP 1.1 protocols, for messages and the log.
fn protocol_name(protocol: i32) -> &'static str {
    match protocol {
        0 => "Core",
        1 => "ChannelStreaming",
        2 => "ChannelDataFrame",
        3 => "Discovery",
        4 => "Store",
        5 => "StoreNotification",
        6 => "GrowingObject",
        7 => "DataArray",
        8 => "WitsmlSoap",
        _ => "unknown",
    }
}

impl Conn {
    /// Answers what the session asks and sends what it has, until neither moves.
    async fn pump<S>(&mut self, ws: &mut WebSocketStream<S>, timeout: Duration) -> Result<(), Stop>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        loop {
            while let Some(request) = self.session.poll_queue() {
                self.answer(request);
            }
            let mut sent = false;
            while let Some(message) = self.session.poll_output() {
                self.log_output(&message);
                match tokio::time::timeout(timeout, ws.feed(Message::binary(message))).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => return Err(Stop::Ws(e)),
                    Err(_) => return Err(Stop::WriteTimeout),
                }
                self.messages_out += 1;
                sent = true;
            }
            if !sent {
                return Ok(());
            }
            match tokio::time::timeout(timeout, ws.flush()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(Stop::Ws(e)),
                Err(_) => return Err(Stop::WriteTimeout),
            }
        }
    }

    /// Decides one request: there is no back end for the sub-protocols yet.
    fn answer(&mut self, request: Request) {
        let id = self.id;
        let result = match request {
            Request::Opened(o) => {
                log!(
                    "etp conn={id} session open: client={:?} version={:?} protocols={}",
                    clean(&o.application_name),
                    clean(&o.application_version),
                    describe_all(&o.protocols),
                );
                Ok(())
            }
            Request::Message(m) => {
                let h = m.header;
                let name = protocol_name(h.protocol);
                if h.message_type == PROTOCOL_EXCEPTION || h.message_type == ACKNOWLEDGE {
                    // The client's ProtocolException or Acknowledge: news, never answered (an
                    // exception for an exception could go back and forth).
                    log!(
                        "etp conn={id} protocol={} ({name}) type={} messageId={}: taken, no answer",
                        h.protocol,
                        h.message_type,
                        h.message_id
                    );
                    self.session.finish(m.id)
                } else {
                    let text = format!(
                        "ENOTSUPPORTED: eppd has no back end for protocol {} ({name}) yet: \
                         message type {} is not supported",
                        h.protocol, h.message_type
                    );
                    self.session.raise(m.id, ErrorCode::ENOTSUPPORTED, &text)
                }
            }
            Request::RenewToken(t) => {
                log!("etp conn={id} RenewSecurityToken accepted (eppd checks no token)");
                self.session.finish(t.id)
            }
            Request::PeerException(p) => {
                log!(
                    "etp conn={id} client ProtocolException {} correlationId={}: {:?}",
                    p.error_code,
                    p.header.correlation_id,
                    clean(&p.error_message)
                );
                Ok(())
            }
            Request::Acknowledged(h) => {
                log!(
                    "etp conn={id} client Acknowledge correlationId={}",
                    h.correlation_id
                );
                Ok(())
            }
            Request::SessionEnd(e) => {
                log!(
                    "etp conn={id} session end: {}{}",
                    e.reason,
                    e.message
                        .map(|m| format!(" ({:?})", clean(&m)))
                        .unwrap_or_default()
                );
                Ok(())
            }
            other => match other.id() {
                Some(rid) => self.session.raise(
                    rid,
                    ErrorCode::ENOTSUPPORTED,
                    "ENOTSUPPORTED: not supported by eppd",
                ),
                None => Ok(()),
            },
        };
        if let Err(e) = result {
            log!("etp conn={id} answering failed: {e}");
        }
    }

    /// One log line per ProtocolException and CloseSession sent.
    fn log_output(&self, message: &[u8]) {
        let Ok((h, body)) = etp::split_message(message) else {
            return;
        };
        if h.message_type == PROTOCOL_EXCEPTION {
            if let Ok(p) = etp::decode::<ProtocolException<'_>>(body) {
                log!(
                    "etp conn={} sent ProtocolException protocol={} code={} correlationId={}",
                    self.id,
                    h.protocol,
                    p.error_code,
                    h.correlation_id
                );
            }
        } else if h.protocol == etp::PROTOCOL_CORE && h.message_type == CLOSE_SESSION {
            log!("etp conn={} sent CloseSession", self.id);
        }
    }
}

/// The message types of ProtocolException and Acknowledge (the same in every protocol) and of
/// CloseSession (Core).
const PROTOCOL_EXCEPTION: i32 = <ProtocolException<'static> as CoreMessage<'static>>::MESSAGE_TYPE;
const ACKNOWLEDGE: i32 = <etp::Acknowledge as CoreMessage<'static>>::MESSAGE_TYPE;
const CLOSE_SESSION: i32 = <etp::CloseSession<'static> as CoreMessage<'static>>::MESSAGE_TYPE;

#[cfg(test)]
mod tests {
    use super::*;

    fn upgrade(path: &str, headers: &[(&str, &str)]) -> HttpRequest {
        let mut b = HttpRequest::builder().uri(path);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap()
    }

    fn body(e: &ErrorResponse) -> &str {
        e.body().as_deref().unwrap_or("")
    }

    #[test]
    fn protocol_flag() {
        let p = parse_protocol("3:1.1.0.0:store").unwrap();
        assert_eq!(p, SupportedProtocol::new(3, Version::V1_1, "store"));
        let p = parse_protocol("2:1.0.2.3:producer").unwrap();
        assert_eq!(
            p,
            SupportedProtocol::new(2, Version::new(1, 0, 2, 3), "producer")
        );
        for bad in [
            "3",
            "3:1.1.0.0",
            "0:1.1.0.0:store",
            "-1:1.1.0.0:store",
            "x:1.1.0.0:store",
            "3:1.1:store",
            "3:1.1.0.0.0:store",
            "3:1.-1.0.0:store",
            "3:1.1.0.0:",
            "3:1.1.0.0:st ore",
        ] {
            assert!(parse_protocol(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_subprotocol_is_required_and_echoed() {
        let ok = check_upgrade(
            &upgrade("/", &[("Sec-WebSocket-Protocol", "foo, energistics-tp")]),
            Response::default(),
        )
        .unwrap();
        assert_eq!(
            ok.headers().get("sec-websocket-protocol").unwrap(),
            "energistics-tp"
        );
        let ok = check_upgrade(
            &upgrade(
                "/?x=1",
                &[
                    ("Sec-WebSocket-Protocol", "energistics-tp"),
                    ("etp-encoding", "Binary"),
                ],
            ),
            Response::default(),
        );
        assert!(ok.is_ok());

        let e = check_upgrade(
            &upgrade("/", &[("Sec-WebSocket-Protocol", "chat")]),
            Response::default(),
        )
        .unwrap_err();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        assert!(body(&e).contains("energistics-tp") && body(&e).contains("chat"));
        assert_eq!(
            e.headers().get("content-length").unwrap(),
            &body(&e).len().to_string()
        );
        let e = check_upgrade(&upgrade("/", &[]), Response::default()).unwrap_err();
        assert!(body(&e).contains("asked for: none"), "{}", body(&e));
        let e = check_upgrade(
            &upgrade(
                "/",
                &[
                    ("Sec-WebSocket-Protocol", "energistics-tp"),
                    ("etp-encoding", "json"),
                ],
            ),
            Response::default(),
        )
        .unwrap_err();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        let e = check_upgrade(
            &upgrade("/etp", &[("Sec-WebSocket-Protocol", "energistics-tp")]),
            Response::default(),
        )
        .unwrap_err();
        assert_eq!(e.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn session_ids_are_random_version_4() {
        let a = new_session_id().unwrap();
        let b = new_session_id().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.as_bytes()[6] >> 4, 4);
        assert_eq!(a.as_bytes()[8] >> 6, 0b10);
    }

    #[test]
    fn defaults_and_flags_make_the_configuration() {
        use clap::Parser as _;
        let args = crate::cli::Args::try_parse_from(["eppd", "etp", "--plain"]).unwrap();
        let Some(crate::cli::Command::Etp(a)) = args.command else {
            panic!("no etp subcommand")
        };
        let c = config(&a).unwrap();
        assert_eq!(
            describe_all(c.protocols()),
            "3:1.1.0.0:store,4:1.1.0.0:store"
        );
        assert_eq!(c.application_name(), "eppd");
        assert_eq!(Transport::from_args(&a), Ok(Transport::Plain));

        let args = crate::cli::Args::try_parse_from([
            "eppd",
            "etp",
            "--protocol",
            "3:1.1.0.0:store",
            "--protocol",
            "2:1.1.0.0:producer",
            "--application-name",
            "Test Store",
        ])
        .unwrap();
        let Some(crate::cli::Command::Etp(a)) = args.command else {
            panic!("no etp subcommand")
        };
        let c = config(&a).unwrap();
        assert_eq!(
            describe_all(c.protocols()),
            "3:1.1.0.0:store,2:1.1.0.0:producer"
        );
        assert_eq!(c.application_name(), "Test Store");
        assert_eq!(Transport::from_args(&a), Err(NEEDS_TLS.to_string()));

        let args = crate::cli::Args::try_parse_from([
            "eppd",
            "etp",
            "--protocol",
            "3:1.1.0.0:store",
            "--protocol",
            "3:1.1.0.0:customer",
        ])
        .unwrap();
        let Some(crate::cli::Command::Etp(a)) = args.command else {
            panic!("no etp subcommand")
        };
        let e = config(&a).unwrap_err();
        assert!(e.contains("listed twice"), "{e}");
    }
}
