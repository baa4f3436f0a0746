//! eppd: the libepp project's EPP server.
//!
//! It owns the sockets, TLS, and the store (registrars, service message queues, sessions);
//! libepp owns the protocol. See `eppd --help`.

mod admin;
mod backend;
mod cli;
mod client;
mod conn;
mod etp;
mod limits;
mod log;
mod metrics;
mod migrations;
mod sandbox;
mod store;
mod tls;

use std::io::Write as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use epp::{Limits, LoginSecurity, Server, ServerConfig};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::cli::{Args, Command, FileConfig, Settings, StoreSettings};
use crate::conn::Shared;
use crate::log::{log, RateLimit};
use crate::store::{Location, NewMessage, Store};
use crate::tls::PeerCert;

pub(crate) const DOMAIN: &str = "urn:ietf:params:xml:ns:domain-1.0";
const HOST: &str = "urn:ietf:params:xml:ns:host-1.0";
const CONTACT: &str = "urn:ietf:params:xml:ns:contact-1.0";
const SECDNS: &str = "urn:ietf:params:xml:ns:secDNS-1.1";
const RGP: &str = "urn:ietf:params:xml:ns:rgp-1.0";

const DEMO_CLID: &str = "demo-registrar";
const DEMO_PASSWORD: &str = "demo-pass1";
const DEMO_MESSAGES: &[&str] = &[
    "Welcome to the eppd demo. Acknowledge this message with <poll op=\"ack\" msgID=\"...\"/>.",
    "Transfer of example.test requested by registrar2 (demo message).",
    "Domain example.test expires in 30 days (demo message).",
];

/// How long connections get to finish when the server stops (each answers what it had read
/// within [`conn::SHUTDOWN_DRAIN`], then closes).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(conn::SHUTDOWN_DRAIN.as_secs() + 2);

/// How a connection's bytes are carried.
enum Transport {
    Plain,
    /// TLS; the handshake must end within the duration.
    Tls(tokio_rustls::TlsAcceptor, Duration),
}

/// Where the server's certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Certs {
    /// Plain TCP.
    None,
    /// --tls-cert and --tls-key.
    Files(PathBuf, PathBuf),
    /// --demo without --tls-cert: the demo CA in the data directory.
    Demo,
}

fn main() -> ExitCode {
    let mut args = Args::parse();
    if args.command.is_some() && args.server != cli::ServerArgs::default() {
        // The server's flags belong to the server: `eppd --plain etp` is refused, not
        // half-applied.
        use clap::CommandFactory as _;
        Args::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "the server's flags cannot be used with a subcommand",
            )
            .exit();
    }
    let file = match &args.config {
        Some(path) => match FileConfig::load(path) {
            Ok(f) => f,
            Err(e) => return fail(2, &e),
        },
        None => FileConfig::default(),
    };
    match args.command.take() {
        Some(Command::Etp(etp_args)) => {
            // The ETP server logs like the EPP server does (stderr, level from RUST_LOG or info).
            let directives = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into());
            let _log_guard = match log::init(&directives, None) {
                Ok(g) => g,
                Err(e) => return fail(2, &e),
            };
            etp::main(etp_args)
        }
        Some(Command::Client(client)) => client::main(client),
        Some(command) => admin_main(&args, &file, command),
        None => server_main(&args, &file),
    }
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln_safe(&format!("eppd: {message}"));
    ExitCode::from(code)
}

fn admin_main(args: &Args, file: &FileConfig, command: Command) -> ExitCode {
    let where_ = StoreSettings::resolve(args, file);
    let location = match Location::from_flags(where_.store.as_deref(), &where_.data_dir) {
        Ok(l) => l,
        Err(e) => return fail(2, &e),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(1, &format!("cannot start the runtime: {e}")),
    };
    let result = runtime.block_on(async {
        let store = Store::open(&location, 1).await.map_err(|e| e.to_string())?;
        let r = match command {
            Command::Registrar(c) => admin::registrar(&store, c).await,
            Command::Message(c) => admin::message(&store, c).await,
            Command::Etp(_) | Command::Client(_) => unreachable!("not an administration command"),
        };
        store.close().await;
        r
    });
    match result {
        Ok(out) => {
            let mut o = std::io::stdout().lock();
            let _ = writeln!(o, "{out}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(1, &e),
    }
}

fn server_main(args: &Args, file: &FileConfig) -> ExitCode {
    let settings = match Settings::resolve(args, file) {
        Ok(s) => s,
        Err(e) => return fail(2, &e),
    };
    let certs = match (&settings.tls_cert, &settings.tls_key) {
        (Some(c), Some(k)) => Certs::Files(c.clone(), k.clone()),
        _ if settings.plain => Certs::None,
        _ if settings.demo => Certs::Demo,
        _ => {
            return fail(
                2,
                "EPP is served over TLS (RFC 5734): give the server's certificate with \
                 --tls-cert FILE --tls-key FILE, or use --demo (TLS with a generated demo CA).\n\
                 --plain serves over plain TCP instead (credentials travel in clear text: for \
                 testing only).",
            )
        }
    };
    let location =
        match Location::from_flags(settings.store.store.as_deref(), &settings.store.data_dir) {
            Ok(l) => l,
            Err(e) => return fail(2, &e),
        };
    // Logging from here on: through a writer thread, so that a blocked stderr or log file
    // never stops a session.
    let log_guard = match log::init(&settings.log_directives, settings.log_file.as_deref()) {
        Ok(g) => g,
        Err(e) => return fail(2, &e),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(1, &format!("cannot start the runtime: {e}")),
    };
    let result = runtime.block_on(serve(settings, certs, location));
    // The log's last lines are written before the exit (or the error).
    drop(log_guard);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(1, &e),
    }
}

/// The libepp server: configuration (greeting, limits, svTRIDs) and shared state.
fn epp_server(s: &Settings, started: SystemTime) -> Result<Arc<Server>, String> {
    let limits = Limits {
        idle_timeout: Duration::from_secs(s.idle_timeout),
        login_deadline: Duration::from_secs(s.login_deadline),
        ..Limits::default()
    };
    let epoch_ms = started
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let config = ServerConfig::builder(s.server_id.as_str())
        .language("en")
        .object_uri(DOMAIN)
        .object_uri(HOST)
        .object_uri(CONTACT)
        .extension_uri(SECDNS)
        .extension_uri(RGP)
        .limits(limits)
        .sv_trid_epoch(epoch_ms)
        .transaction_log(true)
        // RFC 8807 (passwords longer than 16 characters, user agents, security events) and
        // RFC 9038 (unhandled namespaces signalled) are offered to every client.
        .login_security(LoginSecurity::default())
        .unhandled_namespaces(true)
        .build()
        .map_err(|e| format!("bad configuration: {e}"))?;
    // The per-registrar session limit is the store's (it spans every eppd on it).
    Ok(Server::new(config, started))
}

/// `--registrar`, `--demo`, `--message`: into the store.
async fn seed(s: &Settings, store: &Store, now: SystemTime) -> Result<(), String> {
    let e = |e: store::StoreError| e.to_string();
    let mut seen = std::collections::HashSet::new();
    for (clid, pw) in &s.registrars {
        if !seen.insert(clid.clone()) {
            return Err(format!("--registrar {clid}: given twice"));
        }
        store.upsert_registrar(clid, pw, now).await.map_err(e)?;
    }
    if s.demo && !seen.contains(DEMO_CLID) {
        // The demo password is reset at every start (it is printed); the demo messages are
        // queued when the registrar is created.
        if store
            .upsert_registrar(DEMO_CLID, DEMO_PASSWORD, now)
            .await
            .map_err(e)?
        {
            for text in DEMO_MESSAGES {
                let m = NewMessage {
                    text: (*text).into(),
                    ..NewMessage::default()
                };
                store.enqueue(DEMO_CLID, &m, now).await.map_err(e)?;
            }
        }
    }
    for (clid, text) in &s.messages {
        let m = NewMessage {
            text: text.clone(),
            ..NewMessage::default()
        };
        if store.enqueue(clid, &m, now).await.map_err(e)?.is_none() {
            return Err(format!(
                "--message {clid}:...: no such registrar (add --registrar {clid}:PASSWORD, or \
                 `eppd registrar add {clid} --password-file F`)"
            ));
        }
    }
    Ok(())
}

/// Connections being refused (2502 written) at once at most; beyond it a refused connection
/// is closed without a word.
const MAX_REFUSALS: usize = 256;
/// At most one log line per address (or for the connection cap) this often for refusals.
const REFUSAL_LOG_EVERY: Duration = Duration::from_secs(10);
/// Descriptors beside the connections: the store, the listeners, log and data files, the
/// runtime.
const SPARE_FILES: u64 = 64;

/// The server's TLS configuration, from its files (at start and on SIGHUP).
fn load_tls(
    certs: &Certs,
    client_ca: Option<&Path>,
    data_dir: &Path,
) -> Result<Option<(Arc<rustls::ServerConfig>, String)>, String> {
    let (cert, key, what) = match certs {
        Certs::None => return Ok(None),
        Certs::Files(c, k) => (c.clone(), k.clone(), String::new()),
        Certs::Demo => {
            store::create_private_dir(data_dir).map_err(|e| e.to_string())?;
            let demo = tls::ensure_demo_certs(data_dir)?;
            let what = format!(
                "demo CA {}: {} (server certificate {})",
                demo.ca.display(),
                demo.what,
                demo.cert.display()
            );
            (demo.cert, demo.key, what)
        }
    };
    let config = tls::server_config(&cert, &key, client_ca)?;
    let what = if what.is_empty() {
        format!("certificate {} and key {}", cert.display(), key.display())
    } else {
        what
    };
    let what = match client_ca {
        Some(ca) => format!("{what}, client CA {}", ca.display()),
        None => what,
    };
    Ok(Some((config, what)))
}

/// Binds the EPP listener with the configured backlog (the first address `listen` resolves
/// to that can be bound).
async fn bind(listen: &str, backlog: u32) -> Result<TcpListener, String> {
    let addrs = tokio::net::lookup_host(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let mut last = None;
    for addr in addrs {
        let socket = match if addr.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        } {
            Ok(s) => s,
            Err(e) => {
                last = Some(e);
                continue;
            }
        };
        // As std's listener: a restarted eppd binds while old connections are in TIME_WAIT.
        #[cfg(unix)]
        let _ = socket.set_reuseaddr(true);
        match socket.bind(addr).and_then(|()| socket.listen(backlog)) {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => format!("cannot listen on {listen}: {e}"),
        None => format!("cannot listen on {listen}: no address"),
    })
}

async fn serve(s: Settings, certs: Certs, location: Location) -> Result<(), String> {
    let started = SystemTime::now();
    let server = epp_server(&s, started)?;

    // The signals first: from here on SIGHUP and SIGTERM never kill the process outright.
    let mut signals = Signals::new()?;

    // TLS first: a bad certificate is reported before anything is written.
    let demo_ca: Option<PathBuf> = match certs {
        Certs::Demo => Some(s.store.data_dir.join("ca.pem")),
        _ => None,
    };
    let handshake_limit = Duration::from_secs(s.login_deadline);
    let transport = match load_tls(&certs, s.client_ca.as_deref(), &s.store.data_dir)? {
        None => Transport::Plain,
        Some((config, what)) => {
            if certs == Certs::Demo {
                log!("{what}");
            }
            Transport::Tls(tokio_rustls::TlsAcceptor::from(config), handshake_limit)
        }
    };
    let demo_ca = demo_ca.map(|ca| std::path::absolute(&ca).unwrap_or(ca));

    let pool_size = match location {
        Location::Sqlite(_) => 4,
        Location::Postgres(_) => 8,
    };

    // Every connection is a descriptor, and so is each refusal under way.
    let need = s.max_connections + MAX_REFUSALS as u64 + SPARE_FILES + pool_size as u64;
    let (nofile, line, short) = limits::raise_open_files(need);
    metrics::open_files_limit(nofile);
    if short {
        tracing::warn!("{line}");
    } else {
        log!("{line}");
    }

    let store = Arc::new(
        Store::open(&location, pool_size)
            .await
            .map_err(|e| e.to_string())?,
    );
    seed(&s, &store, started).await?;
    let backend = Arc::new(backend::build(
        &s.backend,
        Duration::from_secs(s.backend_timeout),
        &store,
    )?);
    let registrars = store.registrar_count().await.map_err(|e| e.to_string())?;

    let backlog = u32::try_from(s.listen_backlog).unwrap_or(u32::MAX);
    let listener = bind(&s.listen, backlog).await?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    let metrics_task = match &s.metrics {
        None => None,
        Some(m) => {
            let l = TcpListener::bind(m.as_str())
                .await
                .map_err(|e| format!("--metrics {m}: cannot listen: {e}"))?;
            let at = l.local_addr().map_err(|e| format!("--metrics {m}: {e}"))?;
            log!("metrics on http://{at}/metrics");
            Some(tokio::spawn(metrics::serve(l)))
        }
    };

    let ttl = Duration::from_secs(s.instance_ttl);
    let info = format!(
        "eppd {} pid {} on {addr}",
        env!("CARGO_PKG_VERSION"),
        std::process::id()
    );
    let instance = store
        .register_instance(ttl, &info)
        .await
        .map_err(|e| e.to_string())?;
    let heartbeat = tokio::spawn(heartbeat(Arc::clone(&store), ttl));

    // The one line scripts wait for, flushed at once.
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "eppd listening on {addr}");
        let _ = out.flush();
    }
    let how = match (&transport, &s.client_ca) {
        (Transport::Plain, _) => "plain TCP (no TLS)".to_string(),
        (Transport::Tls(..), None) => "TLS".to_string(),
        (Transport::Tls(..), Some(ca)) => {
            format!("TLS with client certificates from {}", ca.display())
        }
    };
    log!(
        "eppd {} serving EPP over {how} on {addr}: svID {:?}, store {}, {registrars} \
         registrar(s), instance {instance}, login deadline {}s, idle timeout {}s, \
         max connections {} ({} per address before login), backlog {}, commands per second \
         per registrar {}",
        env!("CARGO_PKG_VERSION"),
        server.config().server_id(),
        location.describe(),
        s.login_deadline,
        s.idle_timeout,
        s.max_connections,
        s.max_connections_per_ip_before_login,
        s.listen_backlog,
        s.max_commands_per_second
            .map_or_else(|| "unlimited".to_string(), |n| n.to_string()),
    );
    log!("object commands: {}", backend.describe());
    if registrars == 0 {
        tracing::warn!("no registrar in the store: nobody can log in (eppd registrar add ...)");
    }
    if s.demo {
        let queued = store.queued(DEMO_CLID).await.unwrap_or(0);
        print_demo_help(&addr, demo_ca.as_deref(), queued, &backend);
    }

    let shared = Arc::new(Shared {
        server,
        store: Arc::clone(&store),
        backend: Arc::clone(&backend),
        write_timeout: Duration::from_secs(s.write_timeout),
        default_session_limit: s.max_sessions_per_registrar,
        command_rate: s
            .max_commands_per_second
            .map(|n| limits::CommandRate::new(u32::try_from(n).unwrap_or(u32::MAX))),
        failed_logins: limits::FailedLogins::new(
            u32::try_from(s.max_failed_logins_per_ip).unwrap_or(u32::MAX),
            Duration::from_secs(s.failed_login_window),
        ),
    });
    let pre_login = limits::PreLogin::new(
        u32::try_from(s.max_connections_per_ip_before_login).unwrap_or(u32::MAX),
    );
    let per_ip_log = RateLimit::<IpAddr>::new(REFUSAL_LOG_EVERY);
    let cap_log = RateLimit::<()>::new(REFUSAL_LOG_EVERY);
    let mut transport_now = Arc::new(transport);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut conns: JoinSet<()> = JoinSet::new();
    let mut refusals: JoinSet<()> = JoinSet::new();
    let max_conns = usize::try_from(s.max_connections).unwrap_or(usize::MAX);
    let mut next_id: u64 = 0;

    let stopped_by = loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    next_id += 1;
                    let id = next_id;
                    let _ = stream.set_nodelay(true);
                    if conns.len() >= max_conns {
                        if let Some(held) = cap_log.check(&()) {
                            tracing::warn!(
                                "conn={id} peer={peer} refused: {max_conns} connections open \
                                 (--max-connections); 2502 sent{}",
                                held_back(held)
                            );
                        }
                        refuse(&mut refusals, &transport_now, stream, id, "max_connections");
                        continue;
                    }
                    if let Some(left) = shared.failed_logins.locked(peer.ip(), Instant::now()) {
                        let ip = peer.ip().to_canonical();
                        if let Some(held) = per_ip_log.check(&ip) {
                            tracing::warn!(
                                "conn={id} peer={peer} refused: {ip} is locked out for failed \
                                 logins for {}s more (--max-failed-logins-per-ip); 2501 sent{}",
                                left.as_secs(),
                                held_back(held)
                            );
                        }
                        refuse(&mut refusals, &transport_now, stream, id, "locked_out");
                        continue;
                    }
                    match pre_login.enter(peer.ip()) {
                        Ok(ticket) => {
                            conns.spawn(handle(
                                Arc::clone(&transport_now),
                                stream,
                                peer,
                                id,
                                Arc::clone(&shared),
                                stop_rx.clone(),
                                ticket,
                            ));
                        }
                        Err(limit) => {
                            let ip = peer.ip().to_canonical();
                            if let Some(held) = per_ip_log.check(&ip) {
                                tracing::warn!(
                                    "conn={id} peer={peer} refused: {limit} connections from \
                                     {ip} have not logged in \
                                     (--max-connections-per-ip-before-login); 2502 sent{}",
                                    held_back(held)
                                );
                            }
                            refuse(&mut refusals, &transport_now, stream, id, "per_ip_before_login");
                        }
                    }
                }
                Err(e) => {
                    // Out of descriptors and the like: back off instead of spinning.
                    tracing::error!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(done) = conns.join_next(), if !conns.is_empty() => {
                if let Err(e) = done {
                    tracing::error!("a connection task failed: {e}");
                }
            }
            Some(_) = refusals.join_next(), if !refusals.is_empty() => {}
            signal = signals.next() => match signal {
                Sig::Reload => {
                    if let Some(t) = reload(&certs, &s, &transport_now) {
                        transport_now = Arc::new(t);
                    }
                }
                Sig::Stop(name) => break name,
            },
        }
    };
    log!(
        "{stopped_by}: shutting down ({} connection(s) open): commands already received are \
         answered, for up to {}s",
        conns.len(),
        SHUTDOWN_GRACE.as_secs()
    );
    drop(listener);
    let _ = stop_tx.send(true);
    refusals.abort_all();
    let open = conns.len();
    let finished = tokio::time::timeout(SHUTDOWN_GRACE, async {
        loop {
            tokio::select! {
                done = conns.join_next() => if done.is_none() { return true },
                signal = signals.next() => if let Sig::Stop(name) = signal {
                    log!("{name} again: closing every connection now");
                    return false;
                },
            }
        }
    })
    .await;
    if finished != Ok(true) {
        log!(
            "{} of {open} connection(s) did not finish in time",
            conns.len()
        );
        conns.abort_all();
    }
    heartbeat.abort();
    if let Some(m) = metrics_task {
        m.abort();
    }
    if let Err(e) = store.unregister_instance().await {
        tracing::error!("could not remove this instance from the store: {e}");
    }
    store.close().await;
    log!("stopped");
    Ok(())
}

/// ` (N more since the last line)` for rate-limited log lines.
fn held_back(n: u64) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" ({n} more refused since the last line)")
    }
}

/// Refuses a connection: 2502 then close (over TLS when the server speaks TLS), in a task of
/// its own; when too many refusals are under way, the connection is closed at once.
fn refuse(
    refusals: &mut JoinSet<()>,
    transport: &Arc<Transport>,
    stream: TcpStream,
    id: u64,
    reason: &'static str,
) {
    if refusals.len() >= MAX_REFUSALS {
        metrics::connection_refused("overload");
        drop(stream);
        return;
    }
    metrics::connection_refused(reason);
    let why = if reason == "locked_out" {
        limits::Refusal::LockedOut
    } else {
        limits::Refusal::SessionLimit
    };
    let transport = Arc::clone(transport);
    refusals.spawn(async move {
        let mut stream = stream;
        match &*transport {
            Transport::Plain => limits::refuse(&mut stream, why, id).await,
            Transport::Tls(acceptor, limit) => {
                let limit = (*limit).min(limits::REFUSAL_TIME * 2);
                if let Ok(Ok(mut tls)) = tokio::time::timeout(limit, acceptor.accept(stream)).await
                {
                    limits::refuse(&mut tls, why, id).await;
                }
            }
        }
    });
}

/// SIGHUP: reopens the log file, and reloads the TLS certificate, key and client CA from
/// their files. The new transport, or `None` to keep the current one (plain TCP, or the
/// files are bad: logged, and the server goes on with what it had).
fn reload(certs: &Certs, s: &Settings, current: &Transport) -> Option<Transport> {
    let logs = match log::reopen() {
        Some(f) => format!("log file {} reopened", f.display()),
        None => "logging to stderr".to_string(),
    };
    let limit = match current {
        Transport::Plain => {
            log!("SIGHUP: {logs}; plain TCP: no certificates to reload");
            return None;
        }
        Transport::Tls(_, limit) => *limit,
    };
    match load_tls(certs, s.client_ca.as_deref(), &s.store.data_dir) {
        Ok(Some((config, what))) => {
            metrics::tls_reload(true);
            log!("SIGHUP: {logs}; TLS reloaded: {what} (new connections use it)");
            Some(Transport::Tls(
                tokio_rustls::TlsAcceptor::from(config),
                limit,
            ))
        }
        Ok(None) => None,
        Err(e) => {
            metrics::tls_reload(false);
            tracing::error!(
                "SIGHUP: {logs}; reloading TLS failed, still serving the previous \
                 certificates: {e}"
            );
            None
        }
    }
}

/// Renews this instance's record every third of its ttl.
async fn heartbeat(store: Arc<Store>, ttl: Duration) {
    let every = ttl / 3;
    loop {
        tokio::time::sleep(every).await;
        match store.heartbeat().await {
            Ok(false) => {}
            Ok(true) => log!(
                "this instance was taken for dead (no heartbeat for {}s) and registered again",
                ttl.as_secs()
            ),
            Err(e) => log!("heartbeat failed: {e}"),
        }
    }
}

/// Accepts one connection on the transport (the TLS handshake, bounded), then serves it.
async fn handle(
    transport: Arc<Transport>,
    stream: TcpStream,
    peer: std::net::SocketAddr,
    id: u64,
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
    ticket: limits::PreLoginTicket,
) {
    let _open = metrics::connection_opened();
    match &*transport {
        Transport::Plain => {
            log!("conn={id} peer={peer} connected (plain TCP)");
            conn::serve(stream, peer, id, None, shared, stop, Some(ticket)).await
        }
        Transport::Tls(acceptor, limit) => {
            let tls = match tokio::time::timeout(*limit, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    metrics::handshake_failed();
                    log!("conn={id} peer={peer} TLS handshake failed: {e}");
                    return;
                }
                Err(_) => {
                    metrics::handshake_failed();
                    log!(
                        "conn={id} peer={peer} TLS handshake not finished within {}s",
                        limit.as_secs()
                    );
                    return;
                }
            };
            let (_, tls_conn) = tls.get_ref();
            let cert = tls_conn
                .peer_certificates()
                .and_then(|chain| chain.first())
                .map(|der| PeerCert::from_der(der));
            let version = tls_conn
                .protocol_version()
                .map_or_else(|| "?".to_string(), |v| format!("{v:?}"));
            let suite = tls_conn
                .negotiated_cipher_suite()
                .map_or_else(|| "?".to_string(), |c| format!("{:?}", c.suite()));
            let client = match &cert {
                Some(c) => format!(
                    " client-cert=sha256:{} subject=\"{}\"",
                    c.sha256,
                    clean_subject(&c.subject)
                ),
                None => String::new(),
            };
            log!("conn={id} peer={peer} connected tls={version} cipher={suite}{client}");
            conn::serve(tls, peer, id, cert, shared, stop, Some(ticket)).await
        }
    }
}

fn clean_subject(s: &str) -> String {
    s.chars()
        .take(200)
        .map(|c| if c.is_control() || c == '"' { '_' } else { c })
        .collect()
}

/// A signal the server acts on.
enum Sig {
    /// SIGINT or SIGTERM (its name): stop.
    Stop(&'static str),
    /// SIGHUP: reload the certificates, reopen the log.
    Reload,
}

/// The signals, installed at start (so that none of them kills the process outright later).
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> Result<Signals, String> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let install = |kind: SignalKind, name: &str| {
                signal(kind).map_err(|e| format!("cannot handle {name}: {e}"))
            };
            Ok(Signals {
                term: install(SignalKind::terminate(), "SIGTERM")?,
                int: install(SignalKind::interrupt(), "SIGINT")?,
                hup: install(SignalKind::hangup(), "SIGHUP")?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// The next signal.
    async fn next(&mut self) -> Sig {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => Sig::Stop("SIGTERM"),
                _ = self.int.recv() => Sig::Stop("SIGINT"),
                _ = self.hup.recv() => Sig::Reload,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            Sig::Stop("Ctrl-C")
        }
    }
}

fn print_demo_help(
    addr: &std::net::SocketAddr,
    ca: Option<&Path>,
    queued: u64,
    backend: &backend::Backend,
) {
    let objects = match backend {
        backend::Backend::Sandbox(_) => "Domain commands (RFC 5731 check, create, info, renew, \
                                          delete, transfer) work on sandbox domains kept in the \
                                          store."
            .to_string(),
        backend::Backend::None => "Object commands answer 2101 (no --backend).".to_string(),
        other => format!("Object commands go to the back end: {}.", other.describe()),
    };
    // The certificate names 127.0.0.1, ::1 and localhost: connect to one of them.
    let host = if addr.ip().is_unspecified() || addr.ip().is_loopback() {
        if addr.is_ipv6() {
            "::1".to_string()
        } else {
            "127.0.0.1".to_string()
        }
    } else {
        addr.ip().to_string()
    };
    let port = addr.port();
    let mut help = format!(
        "\n\
         eppd demo: EPP over {} on {addr}\n\
         \n\
         \x20 clID      {DEMO_CLID}\n\
         \x20 password  {DEMO_PASSWORD}\n\
         \x20 objURIs   {DOMAIN}\n\
         \x20           {HOST}\n\
         \x20           {CONTACT}\n\
         \x20 extURIs   {SECDNS}\n\
         \x20           {RGP}\n\
         \x20 messages  {queued} queued for {DEMO_CLID} (<poll op=\"req\"/>, then ack each by msgID)\n",
        if ca.is_some() {
            "TLS (RFC 5734)"
        } else {
            "plain TCP (RFC 5734 framing, no TLS)"
        },
    );
    match ca {
        Some(ca) => {
            let ca = ca.display();
            help.push_str(&format!(
                "\x20 trust     {ca}\n\
                 \x20           (the demo CA; its server certificate names localhost and 127.0.0.1)\n\
                 \n\
                 {objects} Try it:\n\
                 \n\
                 Perl Net::EPP::Simple (Debian libnet-epp-perl):\n\
                 \x20 perl -MNet::EPP::Simple -e 'my $e = Net::EPP::Simple->new(host => \"{host}\", \
                 port => {port}, verify => 1, ca_file => q{{{ca}}}, user => \"{DEMO_CLID}\", \
                 pass => \"{DEMO_PASSWORD}\") or die $Net::EPP::Simple::Error; \
                 print \"logged in: $Net::EPP::Simple::Code\\n\"; \
                 print \"example.test available: \", $e->check_domain(\"example.test\") // \
                 \"error $Net::EPP::Simple::Code\", \"\\n\"; $e->logout'\n\
                 \n\
                 Perl Net::EPP::Client (prints the greeting):\n\
                 \x20 perl -MNet::EPP::Client -e 'my $c = Net::EPP::Client->new(host => \"{host}\", \
                 port => {port}, ssl => 1); print $c->connect(SSL_ca_file => q{{{ca}}}), \"\\n\"'\n\
                 \n\
                 Python epptools (pip install epptools):\n\
                 \x20 python3 -c 'from epptools import Client, Config; c = Client(Config(host=\"{host}\", \
                 port={port}, clid=\"{DEMO_CLID}\", password=\"{DEMO_PASSWORD}\", ca_file=r\"{ca}\")); \
                 c.connect(); print(\"login\", c.login().code()); r = c.poll.request(); \
                 print(\"poll\", r.code(), r.queue_message()); c.logout()'\n"
            ));
        }
        None => {
            help.push_str(&format!(
                "\n\
                 {objects} Example with Perl Net::EPP:\n\
                 \n\
                 \x20 perl -MNet::EPP::Simple -e 'my $e = Net::EPP::Simple->new(host => \"{host}\", \
                 port => {port}, no_ssl => 1, user => \"{DEMO_CLID}\", pass => \"{DEMO_PASSWORD}\") \
                 or die $Net::EPP::Simple::Error; print \"logged in: $Net::EPP::Simple::Code\\n\"; \
                 $e->logout'\n"
            ));
        }
    }
    help.push_str("\nStop with Ctrl-C.\n");
    eprintln_safe(&help);
}

/// `eprintln!` without the panic when stderr is gone.
fn eprintln_safe(s: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{s}");
}

/// Waits for SIGTERM or SIGINT; returns which (used by `eppd etp`).
async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
