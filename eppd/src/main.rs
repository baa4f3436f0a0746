//! eppd: the libepp project's EPP server.
//!
//! It owns the sockets, the registrar table and the service message queues; libepp owns the
//! protocol. See `eppd --help`.

mod cli;
mod client;
mod conn;
mod etp;
mod log;
mod store;

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Parser;
use epp::{Limits, LoginSecurity, RegistrarSessions, Server, ServerConfig};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::cli::Args;
use crate::conn::Shared;
use crate::log::log;
use crate::store::Store;

const DOMAIN: &str = "urn:ietf:params:xml:ns:domain-1.0";
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

/// How long connections get to finish when the server stops.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How a connection's bytes are carried. Only plain TCP exists; TLS (RFC 5734) will add a
/// variant whose accept step wraps the TCP stream, and `conn::serve` takes either as it is
/// generic over the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Plain,
}

fn main() -> ExitCode {
    let mut args = Args::parse();
    match args.command.take() {
        Some(cli::Command::Etp(etp_args)) => return etp::main(etp_args),
        Some(cli::Command::Client(client)) => return client::main(client),
        None => {}
    }
    let started = SystemTime::now();
    let transport = match (args.plain, args.demo) {
        (true, _) | (_, true) => Transport::Plain,
        (false, false) => {
            eprintln_safe(
                "eppd: TLS (RFC 5734) is not implemented yet, and eppd will not serve EPP without \
                 it unless asked to.\nPass --plain to serve over plain TCP (credentials travel \
                 in clear text: for testing only), or --demo for a demo server.",
            );
            return ExitCode::from(2);
        }
    };
    let (server, store) = match setup(&args, started) {
        Ok(x) => x,
        Err(e) => {
            eprintln_safe(&format!("eppd: {e}"));
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln_safe(&format!("eppd: cannot start the runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args, transport, server, store)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln_safe(&format!("eppd: {e}"));
            ExitCode::FAILURE
        }
    }
}

/// Builds the libepp server (configuration and shared state) and the in-memory store from the
/// flags.
fn setup(args: &Args, started: SystemTime) -> Result<(Arc<Server>, Arc<Store>), String> {
    let limits = Limits {
        idle_timeout: Duration::from_secs(args.idle_timeout),
        login_deadline: Duration::from_secs(args.login_deadline),
        ..Limits::default()
    };
    let epoch_ms = started
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let config = ServerConfig::builder(args.server_id.as_str())
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
    let server = match args.max_sessions_per_registrar {
        Some(n) => {
            Server::with_registrar_sessions(config, RegistrarSessions::new(n as usize), started)
        }
        None => Server::new(config, started),
    };

    let store = Arc::new(Store::new());
    let mut registrars = args.registrars()?;
    let mut messages = args.messages.clone();
    if args.demo {
        if !registrars.iter().any(|(c, _)| c == DEMO_CLID) {
            registrars.push((DEMO_CLID.into(), DEMO_PASSWORD.into()));
        }
        messages.extend(
            DEMO_MESSAGES
                .iter()
                .map(|m| (DEMO_CLID.into(), (*m).into())),
        );
    }
    for (clid, pw) in &registrars {
        if store.has_registrar(clid) {
            return Err(format!("--registrar {clid}: given twice"));
        }
        store.add_registrar(clid, pw);
    }
    for (clid, text) in &messages {
        if !store.has_registrar(clid) {
            return Err(format!(
                "--message {clid}:...: no such registrar (add --registrar {clid}:PASSWORD)"
            ));
        }
        store.enqueue(clid, text, started);
    }
    Ok((server, store))
}

async fn run(
    args: Args,
    transport: Transport,
    server: Arc<Server>,
    store: Arc<Store>,
) -> Result<(), String> {
    let listener = TcpListener::bind(args.listen.as_str())
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;

    // The one line scripts wait for, flushed at once.
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "eppd listening on {addr}");
        let _ = out.flush();
    }
    log!(
        "eppd {} serving EPP over plain TCP (no TLS) on {addr}: svID {:?}, {} registrar(s), \
         login deadline {}s, idle timeout {}s",
        env!("CARGO_PKG_VERSION"),
        server.config().server_id(),
        store.registrar_count(),
        args.login_deadline,
        args.idle_timeout,
    );
    if store.registrar_count() == 0 {
        log!("warning: no --registrar given: nobody can log in");
    }
    if args.demo {
        print_demo_help(&addr.to_string(), &store);
    }

    let shared = Arc::new(Shared {
        server,
        store,
        write_timeout: Duration::from_secs(args.write_timeout),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut conns: JoinSet<()> = JoinSet::new();
    let max_conns = usize::try_from(args.max_connections).unwrap_or(usize::MAX);
    let mut next_id: u64 = 0;
    let signal = shutdown_signal();
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
                    // Out of descriptors and the like: back off instead of spinning.
                    log!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(done) = conns.join_next(), if !conns.is_empty() => {
                if let Err(e) = done {
                    log!("a connection task failed: {e}");
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
    let finished = tokio::time::timeout(SHUTDOWN_GRACE, async {
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
    peer: std::net::SocketAddr,
    id: u64,
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
) {
    match transport {
        Transport::Plain => conn::serve(stream, peer, id, shared, stop).await,
    }
}

/// Resolves on SIGINT or SIGTERM with the signal's name.
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

fn print_demo_help(addr: &str, store: &Store) {
    let (host, port) = addr.rsplit_once(':').unwrap_or((addr, "7700"));
    let help = format!(
        "\n\
         eppd demo: EPP over plain TCP (RFC 5734 framing, no TLS) on {addr}\n\
         \n\
         \x20 clID      {DEMO_CLID}\n\
         \x20 password  {DEMO_PASSWORD}\n\
         \x20 objURIs   {DOMAIN}\n\
         \x20           {HOST}\n\
         \x20           {CONTACT}\n\
         \x20 extURIs   {SECDNS}\n\
         \x20           {RGP}\n\
         \x20 messages  {} queued for {DEMO_CLID} (<poll op=\"req\"/>, then ack each by msgID)\n\
         \n\
         Object commands answer 2101 (unimplemented) for now. Example with Perl Net::EPP:\n\
         \n\
         \x20 perl -MNet::EPP::Simple -e '\n\
         \x20   my $e = Net::EPP::Simple->new(host => \"{host}\", port => {port}, no_ssl => 1,\n\
         \x20     user => \"{DEMO_CLID}\", pass => \"{DEMO_PASSWORD}\") or die $Net::EPP::Simple::Error;\n\
         \x20   print \"logged in: $Net::EPP::Simple::Code\\n\"; $e->logout'\n\
         \n\
         Stop with Ctrl-C.\n",
        store.queued(DEMO_CLID),
    );
    eprintln_safe(&help);
}

/// `eprintln!` without the panic when stderr is gone.
fn eprintln_safe(s: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{s}");
}
