//! `eppd client`: a command-line EPP client on libepp's client engine (`epp::client`).
//!
//! It connects (plain TCP, or TLS with rustls), waits for the greeting, logs in with the
//! services the greeting offers, sends each command document given, prints every response
//! (its first result's code and message on one line, then the response XML as received), logs
//! out, and exits 0 only if it logged in and out cleanly.
//!
//! The engine does the protocol: framing, greeting and response parsing, the session's
//! states, clTRIDs, matching responses to commands, deadlines. This module reads the
//! documents (an `<epp>` command document becomes an engine [`Command`]: the object element
//! and the extension elements made to stand alone, the user's clTRID kept), moves bytes
//! between the engine and the socket, and prints.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::{ErrorKind, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use epp::client::{
    parse_server_frame, ClientConfig, ClientSession, ClientState, Command, CommandKind, Event,
    Greeting, Response, ServerFrame,
};
use epp::{CommandVerb, TransferOp, EPP_NS};
use quick_xml::events::{BytesRef, BytesStart, Event as XmlEvent};
use quick_xml::reader::Reader;
use quick_xml::XmlVersion;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::TlsConnector;

/// The session did not go through: the login failed, the server ended the session or broke
/// the protocol, a document could not be sent, the logout failed.
const EXIT_SESSION: u8 = 1;
/// Bad input, found before connecting: arguments, the password file, a document, the CA file.
const EXIT_INPUT: u8 = 2;
/// No connection: refused, unreachable, timed out, the TLS handshake failed, or the
/// connection ended or failed before the greeting.
const EXIT_CONNECT: u8 = 3;

/// The largest frame accepted from the server, header included (the engine's default, set
/// explicitly so that the raw-frame tap and the engine agree).
const MAX_FRAME: u32 = 16 * 1024 * 1024;

/// Nesting accepted in a command document.
const MAX_DEPTH: usize = 128;

const AFTER_HELP: &str = "\
Documents:
  Each FILE is one whole EPP command document: <epp><command>...</command></epp> or
  <epp><hello/></epp>. Without FILEs, documents are read from stdin (to its end, before
  connecting), separated by lines holding only ---.
  Object commands (check, info, create, update, delete, renew, transfer) are sent as
  written: the object element and the <extension> elements, with the <clTRID> if given
  (otherwise one is generated). <hello>, <logout> and <poll> map to the client engine's
  commands. A <login> may only be the first document: it is then sent instead of the
  automatic login, with its clTRID, <newPW>, <lang>, objURIs and extURIs (all required);
  its clID must be --clid and its <pw> is replaced by the password file's. A <logout>
  document ends the session (nothing may follow it).

Output:
  Every response, in order (the login's, each document's, the logout's): its first
  result's code and message on one line, then the response XML as received. The answer
  to a <hello> is a greeting: the line reads \"greeting SVID\". Errors go to stderr.

Exit status:
  0  logged in, every document sent and answered, logged out (1500)
  1  the session did not go through: login refused (its code is printed), the server
     closed or broke the session, a document could not be sent, the logout failed
  2  bad input: arguments, the password file, a document, the certificate files
  3  no connection: refused, unreachable, timed out, TLS handshake failed, closed or
     failed before the server's greeting";

/// `eppd client`: log in to an EPP server, send command documents, print the responses, log
/// out.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct ClientArgs {
    /// The server to connect to.
    #[arg(long, value_name = "HOST:PORT")]
    pub connect: String,

    /// Plain TCP, without TLS (credentials travel in clear text: for testing only).
    #[arg(long, required_unless_present = "ca_file", conflicts_with = "ca_file")]
    pub plain: bool,

    /// TLS (RFC 5734), trusting the CA certificate(s) in this PEM file.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,

    /// The name the server's certificate must hold (default: the HOST of --connect).
    #[arg(long, value_name = "NAME", conflicts_with = "plain")]
    pub server_name: Option<String>,

    /// A client certificate chain (PEM) to present in the TLS handshake (with --key-file).
    #[arg(
        long,
        value_name = "FILE",
        requires = "key_file",
        conflicts_with = "plain"
    )]
    pub cert_file: Option<PathBuf>,

    /// The private key (PEM) of --cert-file.
    #[arg(
        long,
        value_name = "FILE",
        requires = "cert_file",
        conflicts_with = "plain"
    )]
    pub key_file: Option<PathBuf>,

    /// The registrar's client identifier.
    #[arg(long, value_name = "CLID")]
    pub clid: String,

    /// A file holding the password on one line; `-` reads it from stdin (the documents then
    /// come only from FILEs).
    #[arg(long, value_name = "FILE")]
    pub password_file: PathBuf,

    /// Seconds to wait for the connection, the TLS handshake, the greeting and each response.
    #[arg(long, value_name = "SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    /// Command documents to send, in order (none: read them from stdin).
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Why `eppd client` did not finish cleanly, with its exit status.
#[derive(Debug, PartialEq, Eq)]
enum Failure {
    Input(String),
    Connect(String),
    Session(String),
}

impl Failure {
    fn exit_code(&self) -> u8 {
        match self {
            Failure::Input(_) => EXIT_INPUT,
            Failure::Connect(_) => EXIT_CONNECT,
            Failure::Session(_) => EXIT_SESSION,
        }
    }

    fn message(&self) -> &str {
        match self {
            Failure::Input(m) | Failure::Connect(m) | Failure::Session(m) => m,
        }
    }
}

/// Runs `eppd client`.
pub fn main(args: ClientArgs) -> ExitCode {
    let result = prepare(&args).and_then(|plan| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::Session(format!("cannot start the runtime: {e}")))?;
        runtime.block_on(run(&args, plan))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "eppd client: {}", f.message());
            ExitCode::from(f.exit_code())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// before connecting: everything that can be checked without the server

/// What `run` needs, all checked before connecting.
struct Plan {
    password: String,
    login: Option<LoginDoc>,
    docs: Vec<Doc>,
    tls: Option<(TlsConnector, ServerName<'static>)>,
}

/// One command document, mapped to the engine's command.
#[derive(Debug)]
struct Doc {
    /// Where it came from, for messages: the file name or `stdin document N`.
    label: String,
    command: Command,
}

/// What a document is, read.
#[derive(Debug)]
enum DocBody {
    Command(Command),
    Login(LoginDoc),
}

/// A `<login>` document: what of it the engine's login takes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LoginDoc {
    label: String,
    client_id: String,
    new_password: Option<String>,
    lang: Option<String>,
    object_uris: Vec<String>,
    extension_uris: Vec<String>,
    extension: Option<String>,
    cl_trid: Option<String>,
}

impl LoginDoc {
    /// The engine's login with the document's extension and clTRID (the rest is in the
    /// configuration: [`client_config`]).
    fn command(&self) -> Command {
        let mut c = Command::login();
        if let Some(x) = &self.extension {
            c = c.with_extension(x.as_str());
        }
        if let Some(t) = &self.cl_trid {
            c = c.with_cl_trid(t.as_str());
        }
        c
    }
}

fn prepare(args: &ClientArgs) -> Result<Plan, Failure> {
    let input = |m: String| Failure::Input(m);
    let (host, _port) = split_host_port(&args.connect).map_err(input)?;
    let password_from_stdin = args.password_file.as_os_str() == "-";
    if password_from_stdin && args.files.is_empty() {
        return Err(input(
            "--password-file - reads the password from stdin, so give the documents as FILEs"
                .into(),
        ));
    }
    let password = read_password(&args.password_file).map_err(input)?;

    let texts: Vec<(String, String)> = if args.files.is_empty() {
        let mut raw = Vec::new();
        std::io::stdin()
            .read_to_end(&mut raw)
            .map_err(|e| input(format!("cannot read stdin: {e}")))?;
        let text = String::from_utf8(raw).map_err(|_| input("stdin is not UTF-8 text".into()))?;
        split_documents(&text)
            .into_iter()
            .enumerate()
            .map(|(i, d)| (format!("stdin document {}", i + 1), d))
            .collect()
    } else {
        args.files
            .iter()
            .map(|p| Ok((p.display().to_string(), read_text(p)?)))
            .collect::<Result<_, String>>()
            .map_err(input)?
    };

    let mut docs = Vec::with_capacity(texts.len());
    let mut login = None;
    let mut after_logout = false;
    for (i, (label, text)) in texts.into_iter().enumerate() {
        let body = parse_document(&text)
            .map_err(|e| input(format!("{label}: not an EPP command document: {e}")))?;
        if after_logout {
            return Err(input(format!(
                "{label}: follows a <logout> document; nothing can be sent after it"
            )));
        }
        match body {
            DocBody::Login(mut l) => {
                if i > 0 {
                    return Err(input(format!(
                        "{label}: a <login> can only be the first document (otherwise eppd \
                         client logs in by itself with --clid and --password-file)"
                    )));
                }
                if l.client_id != args.clid {
                    return Err(input(format!(
                        "{label}: the <login> is for clID {:?}, not --clid {:?}",
                        l.client_id, args.clid
                    )));
                }
                l.label = label;
                login = Some(l);
            }
            DocBody::Command(c) => {
                after_logout = c.kind() == CommandKind::Logout;
                docs.push(Doc { label, command: c });
            }
        }
    }

    // The credentials and the login document's settings, checked by the engine's own
    // validation against a stand-in greeting.
    let stand_in = Greeting {
        server_id: String::new(),
        server_date: String::new(),
        versions: vec!["1.0".into()],
        languages: Vec::new(),
        object_uris: vec!["urn:ietf:params:xml:ns:domain-1.0".into()],
        extension_uris: Vec::new(),
        dcp: None,
    };
    client_config(args, &password, &stand_in, login.as_ref()).map_err(input)?;

    let tls = tls_setup(args, host).map_err(input)?;
    Ok(Plan {
        password,
        login,
        docs,
        tls,
    })
}

/// `HOST:PORT` (HOST may be a bracketed IPv6 address) -> (HOST without brackets, PORT).
fn split_host_port(s: &str) -> Result<(&str, u16), String> {
    let bad = || format!("--connect {s:?}: expected HOST:PORT");
    let (host, port) = s.rsplit_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty() || port == 0 {
        return Err(bad());
    }
    Ok((host, port))
}

/// The password: the file's one line (its line ending dropped). Errors never show it.
fn read_password(path: &Path) -> Result<String, String> {
    let raw = if path.as_os_str() == "-" {
        let mut raw = Vec::new();
        std::io::stdin()
            .read_to_end(&mut raw)
            .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
        raw
    } else {
        std::fs::read(path)
            .map_err(|e| format!("cannot read the password file {}: {e}", path.display()))?
    };
    let text =
        String::from_utf8(raw).map_err(|_| "the password file is not UTF-8 text".to_string())?;
    let line = match text.strip_suffix('\n') {
        Some(l) => l.strip_suffix('\r').unwrap_or(l),
        None => &text,
    };
    if line.is_empty() {
        return Err("the password file is empty".into());
    }
    if line.contains(['\n', '\r']) {
        return Err("the password file must hold the password on one line".into());
    }
    Ok(line.to_owned())
}

fn read_text(path: &Path) -> Result<String, String> {
    let raw = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    String::from_utf8(raw).map_err(|_| format!("{} is not UTF-8 text", path.display()))
}

/// Splits stdin into documents at lines holding only `---`; blank documents are dropped.
fn split_documents(text: &str) -> Vec<String> {
    let mut docs = Vec::new();
    let mut current = String::new();
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" {
            if !current.trim().is_empty() {
                docs.push(std::mem::take(&mut current));
            }
            current.clear();
        } else {
            current.push_str(line);
        }
    }
    if !current.trim().is_empty() {
        docs.push(current);
    }
    docs
}

/// The engine's configuration: the greeting's services (wanted, not required), or a login
/// document's (required).
fn client_config(
    args: &ClientArgs,
    password: &str,
    greeting: &Greeting,
    login: Option<&LoginDoc>,
) -> Result<Arc<ClientConfig>, String> {
    let mut b = ClientConfig::builder(args.clid.as_str(), password);
    b.keep_alive(None)
        .response_deadline(Duration::from_secs(args.timeout))
        .max_frame_size(MAX_FRAME);
    match login {
        Some(l) => {
            for uri in &l.object_uris {
                b.required_object_uri(uri.as_str());
            }
            for uri in &l.extension_uris {
                b.required_extension_uri(uri.as_str());
            }
            if let Some(lang) = &l.lang {
                b.lang(lang.as_str());
            }
            if let Some(pw) = &l.new_password {
                b.new_password(pw.as_str());
            }
        }
        None => {
            if greeting.object_uris.is_empty() {
                return Err(
                    "the server's greeting offers no objURI: nothing to log in with".into(),
                );
            }
            for uri in &greeting.object_uris {
                b.object_uri(uri.as_str());
            }
            for uri in &greeting.extension_uris {
                b.extension_uri(uri.as_str());
            }
        }
    }
    b.build().map_err(|e| format!("cannot log in: {e}"))
}

/// The TLS connector and the name to verify, for `--ca-file`.
fn tls_setup(
    args: &ClientArgs,
    host: &str,
) -> Result<Option<(TlsConnector, ServerName<'static>)>, String> {
    let Some(ca) = &args.ca_file else {
        return Ok(None);
    };
    let certs = |path: &Path, flag: &str| -> Result<Vec<CertificateDer<'static>>, String> {
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| format!("{flag} {}: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!(
                "{flag} {}: no PEM certificate in it",
                path.display()
            ));
        }
        Ok(certs)
    };
    let mut roots = rustls::RootCertStore::empty();
    for cert in certs(ca, "--ca-file")? {
        roots
            .add(cert)
            .map_err(|e| format!("--ca-file {}: {e}", ca.display()))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots);
    let config = match (&args.cert_file, &args.key_file) {
        (Some(cert), Some(key)) => {
            let chain = certs(cert, "--cert-file")?;
            let key = PrivateKeyDer::from_pem_file(key)
                .map_err(|e| format!("--key-file {}: {e}", key.display()))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| format!("--cert-file/--key-file: {e}"))?
        }
        _ => builder.with_no_client_auth(),
    };
    let name = args.server_name.as_deref().unwrap_or(host);
    let name = ServerName::try_from(name.to_owned())
        .map_err(|e| format!("{name:?} is not a TLS server name: {e}"))?;
    Ok(Some((TlsConnector::from(Arc::new(config)), name)))
}

// ---------------------------------------------------------------------------------------------
// the session

async fn run(args: &ClientArgs, plan: Plan) -> Result<(), Failure> {
    let limit = Duration::from_secs(args.timeout);
    let mut io = connect(&args.connect, plan.tls, limit).await?;

    // The greeting is read before the engine starts, to log in with the services it offers
    // (the engine's configuration names them); the engine then gets the same bytes.
    let mut tap = FrameTap::default();
    let (bytes, greeting) = read_greeting(&mut io, &mut tap, limit, args.plain).await?;
    let config = client_config(args, &plan.password, &greeting, plan.login.as_ref())
        .map_err(Failure::Session)?;
    let now = SystemTime::now();
    let mut session = ClientSession::new(config, now);
    let _ = session.feed_input(&bytes, now);
    let mut conn = Conn {
        io,
        session,
        tap,
        buf: vec![0; 64 * 1024],
        limit,
    };
    match conn.next_event().await? {
        (Event::Greeting { hello: None, .. }, _) => {}
        (Event::Closed { reason, .. }, _) => {
            return Err(Failure::Session(format!("bad greeting: {reason}")))
        }
        (other, _) => {
            return Err(Failure::Session(format!(
                "unexpected first event {other:?}"
            )))
        }
    }

    // Log in.
    let (label, login) = match &plan.login {
        Some(l) => (l.label.as_str(), l.command()),
        None => ("login", Command::login()),
    };
    let answer = conn.call(label, login).await?;
    if conn.session.state() != ClientState::LoggedIn {
        return Err(Failure::Session(format!("login failed: {}", answer.line())));
    }

    // The documents.
    let mut failed = None;
    let mut logged_out = false;
    for doc in plan.docs {
        let is_logout = doc.command.kind() == CommandKind::Logout;
        let answer = match conn.call(&doc.label, doc.command).await {
            Ok(answer) => answer,
            Err(CallError::NotSent(e)) => {
                failed = Some(format!("{}: not sent: {e}", doc.label));
                break;
            }
            Err(CallError::Failed(f)) => return Err(f),
        };
        if is_logout && answer.code() == Some(1500) {
            logged_out = true;
            break;
        }
        if matches!(
            conn.session.state(),
            ClientState::Closing | ClientState::Closed
        ) {
            return Err(Failure::Session(format!(
                "{}: the server ended the session: {}",
                doc.label,
                answer.line()
            )));
        }
        if is_logout {
            failed = Some(format!("{}: logout failed: {}", doc.label, answer.line()));
        }
    }

    // Log out.
    if !logged_out {
        let answer = conn.call("logout", Command::logout()).await?;
        if answer.code() != Some(1500) {
            return Err(Failure::Session(format!(
                "logout failed: {}",
                answer.line()
            )));
        }
    }
    conn.close().await;
    match failed {
        Some(m) => Err(Failure::Session(m)),
        None => Ok(()),
    }
}

/// A byte stream to the server: TCP, or TLS over it.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

async fn connect(
    addr: &str,
    tls: Option<(TlsConnector, ServerName<'static>)>,
    limit: Duration,
) -> Result<Box<dyn Io>, Failure> {
    let tcp = match tokio::time::timeout(limit, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(Failure::Connect(format!("cannot connect to {addr}: {e}"))),
        Err(_) => {
            return Err(Failure::Connect(format!(
                "cannot connect to {addr}: no answer within {}s",
                limit.as_secs()
            )))
        }
    };
    let _ = tcp.set_nodelay(true);
    let Some((connector, name)) = tls else {
        return Ok(Box::new(tcp));
    };
    match tokio::time::timeout(limit, connector.connect(name, tcp)).await {
        Ok(Ok(s)) => Ok(Box::new(s)),
        Ok(Err(e)) => {
            let hint = if e.to_string().contains("corrupt message") {
                " (does the server speak TLS? --plain for plain TCP)"
            } else {
                ""
            };
            Err(Failure::Connect(format!(
                "TLS handshake with {addr} failed: {e}{hint}"
            )))
        }
        Err(_) => Err(Failure::Connect(format!(
            "TLS handshake with {addr}: no answer within {}s",
            limit.as_secs()
        ))),
    }
}

/// Reads until the first frame is whole; returns every byte read and the greeting.
async fn read_greeting(
    io: &mut Box<dyn Io>,
    tap: &mut FrameTap,
    limit: Duration,
    plain: bool,
) -> Result<(Vec<u8>, Greeting), Failure> {
    let deadline = tokio::time::Instant::now() + limit;
    let mut all = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if let Some(frame) = tap.frames.front() {
            return match parse_server_frame(frame) {
                Ok(ServerFrame::Greeting(g)) => Ok((all, g)),
                Ok(ServerFrame::Response(r)) => Err(Failure::Session(format!(
                    "the server sent a response instead of its greeting: {}",
                    Answer::Response(Box::new(r)).line()
                ))),
                Err(e) => Err(Failure::Session(format!(
                    "the server's greeting is not EPP: {e}"
                ))),
            };
        }
        if let Some(length) = tap.bad_length {
            return Err(Failure::Session(format!(
                "the server's first frame announces a bad length ({length}): is it an EPP \
                 server (TLS where plain TCP was expected, or the other way round)?"
            )));
        }
        // Until a greeting has come there is no EPP session: failures are the connection's.
        let n = match tokio::time::timeout_at(deadline, io.read(&mut buf)).await {
            Err(_) => {
                return Err(Failure::Connect(format!(
                    "no greeting within {}s{}",
                    limit.as_secs(),
                    if plain {
                        " (a TLS server waits for the client to speak first: --ca-file?)"
                    } else {
                        ""
                    }
                )))
            }
            Ok(Err(e)) => {
                return Err(Failure::Connect(format!(
                    "the connection failed before the greeting: {e}"
                )))
            }
            Ok(Ok(0)) => {
                return Err(Failure::Connect(
                    "the server closed the connection before its greeting".into(),
                ))
            }
            Ok(Ok(n)) => n,
        };
        all.extend_from_slice(&buf[..n]);
        tap.push(&buf[..n]);
    }
}

/// Splits the server's bytes into frames as the engine does, to print each response as
/// received (the engine hands out responses parsed). The engine checks the frames; the tap
/// only copies them.
#[derive(Debug, Default)]
struct FrameTap {
    pending: Vec<u8>,
    frames: VecDeque<Vec<u8>>,
    /// A header announced this length, outside `5..=MAX_FRAME`: nothing more is split.
    bad_length: Option<u32>,
}

impl FrameTap {
    fn push(&mut self, bytes: &[u8]) {
        if self.bad_length.is_some() {
            return;
        }
        self.pending.extend_from_slice(bytes);
        while let Some(header) = self.pending.first_chunk::<4>() {
            let length = u32::from_be_bytes(*header);
            if !(5..=MAX_FRAME).contains(&length) {
                self.bad_length = Some(length);
                self.pending.clear();
                return;
            }
            let length = length as usize;
            if self.pending.len() < length {
                return;
            }
            self.frames.push_back(self.pending[4..length].to_vec());
            self.pending.drain(..length);
        }
    }
}

/// What answered a command.
enum Answer {
    Greeting(Box<Greeting>),
    Response(Box<Response>),
}

impl Answer {
    /// The line printed before the XML.
    fn line(&self) -> String {
        match self {
            Answer::Greeting(g) => format!("greeting {}", one_line(&g.server_id)),
            Answer::Response(r) => format!("{} {}", r.code().code(), one_line(r.message())),
        }
    }

    fn code(&self) -> Option<u16> {
        match self {
            Answer::Greeting(_) => None,
            Answer::Response(r) => Some(r.code().code()),
        }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

enum CallError {
    /// The engine refused the command: nothing was sent, the session goes on.
    NotSent(epp::client::ClientError),
    /// The session is over.
    Failed(Failure),
}

impl From<CallError> for Failure {
    fn from(e: CallError) -> Failure {
        match e {
            CallError::NotSent(e) => Failure::Session(format!("not sent: {e}")),
            CallError::Failed(f) => f,
        }
    }
}

impl From<Failure> for CallError {
    fn from(f: Failure) -> CallError {
        CallError::Failed(f)
    }
}

/// The engine on a connection.
struct Conn {
    io: Box<dyn Io>,
    session: ClientSession,
    tap: FrameTap,
    buf: Vec<u8>,
    limit: Duration,
}

impl Conn {
    /// Sends a command, waits for its answer and prints it.
    async fn call(&mut self, label: &str, command: Command) -> Result<Answer, CallError> {
        let sent = self
            .session
            .send(command, SystemTime::now())
            .map_err(CallError::NotSent)?;
        loop {
            let (event, raw) = self.next_event().await?;
            let answer = match event {
                Event::Greeting {
                    greeting,
                    hello: Some(h),
                } if h.id == sent.id => Answer::Greeting(greeting),
                Event::Login {
                    command, response, ..
                }
                | Event::Response { command, response }
                    if command.id == sent.id =>
                {
                    Answer::Response(response)
                }
                Event::Closed { reason, .. } => {
                    return Err(CallError::Failed(Failure::Session(format!(
                        "{label}: no answer: {reason}"
                    ))))
                }
                _ => continue,
            };
            print_answer(&answer.line(), raw.as_deref());
            return Ok(answer);
        }
    }

    /// Writes the engine's output and reads until it has an event; the event comes with its
    /// frame as received when it is a greeting or a response.
    async fn next_event(&mut self) -> Result<(Event, Option<Vec<u8>>), Failure> {
        loop {
            self.flush().await?;
            if let Some(event) = self.session.poll_queue() {
                let raw = match &event {
                    Event::Greeting { .. } | Event::Login { .. } | Event::Response { .. } => {
                        self.tap.frames.pop_front()
                    }
                    _ => None,
                };
                return Ok((event, raw));
            }
            if !self.session.wants_input() {
                return Err(Failure::Session("the session has ended".into()));
            }
            let wait = self
                .session
                .next_timeout()
                .map(|t| t.duration_since(SystemTime::now()).unwrap_or_default());
            let read = match wait {
                Some(d) => tokio::time::timeout(d, self.io.read(&mut self.buf))
                    .await
                    .ok(),
                None => Some(self.io.read(&mut self.buf).await),
            };
            let now = SystemTime::now();
            match read {
                None => {
                    self.session.handle_timeout(now);
                }
                Some(Ok(0)) => self.session.handle_eof(now),
                Some(Ok(n)) => {
                    self.tap.push(&self.buf[..n]);
                    // Fails only once closed, which the queue tells.
                    let _ = self.session.feed_input(&self.buf[..n], now);
                }
                // TLS without close_notify, or a reset: the server is gone.
                Some(Err(e))
                    if matches!(
                        e.kind(),
                        ErrorKind::UnexpectedEof
                            | ErrorKind::ConnectionReset
                            | ErrorKind::ConnectionAborted
                    ) =>
                {
                    self.session.handle_eof(now)
                }
                Some(Err(e)) => {
                    return Err(Failure::Session(format!("reading from the server: {e}")))
                }
            }
        }
    }

    /// Writes what the engine holds (bounded by the time limit).
    async fn flush(&mut self) -> Result<(), Failure> {
        if self.session.output().is_empty() {
            return Ok(());
        }
        let write = async {
            while !self.session.output().is_empty() {
                let n = self.io.write(self.session.output()).await?;
                if n == 0 {
                    return Err(std::io::Error::from(ErrorKind::WriteZero));
                }
                self.session.consume_output(n);
            }
            self.io.flush().await
        };
        match tokio::time::timeout(self.limit, write).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Failure::Session(format!("writing to the server: {e}"))),
            Err(_) => Err(Failure::Session(format!(
                "writing to the server: not taken within {}s",
                self.limit.as_secs()
            ))),
        }
    }

    /// Ends the connection (TLS: with close_notify), best effort.
    async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.io.shutdown()).await;
    }
}

/// Prints an answer: its line, then its XML as received, on stdout (flushed, so that a
/// reader sees each answer as it comes).
fn print_answer(line: &str, xml: Option<&[u8]>) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    if let Some(xml) = xml {
        let _ = out.write_all(xml);
        if !xml.ends_with(b"\n") {
            let _ = writeln!(out);
        }
    }
    let _ = out.flush();
}

// ---------------------------------------------------------------------------------------------
// reading command documents

/// An element of a command document, with where it is in the text.
#[derive(Debug)]
struct El {
    /// The name as written (`domain:check`).
    qname: String,
    /// The local name.
    local: String,
    /// The namespace, resolved.
    ns: Option<String>,
    /// The attributes (not the namespace declarations), values unescaped.
    attrs: Vec<(String, String)>,
    /// The namespace bindings in scope from the ancestors and not declared on the element
    /// itself: what it needs to stand alone. `None` is the default namespace.
    inherited: Bindings,
    /// Byte offsets: the `<`, the end of the name in the start tag, the end of the element.
    start: usize,
    name_end: usize,
    end: usize,
    children: Vec<El>,
    /// The character data directly in it, unescaped.
    text: String,
}

impl El {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn is_epp(&self) -> bool {
        self.ns.as_deref() == Some(EPP_NS)
    }

    fn uses_default_namespace(&self) -> bool {
        !self.qname.contains(':') || self.children.iter().any(El::uses_default_namespace)
    }

    /// The element's text standing alone: the namespace declarations it inherits copied into
    /// its start tag.
    fn standalone(&self, src: &str) -> String {
        let mut out = String::with_capacity(self.end - self.start + 64);
        out.push_str(&src[self.start..self.name_end]);
        for (prefix, uri) in &self.inherited {
            match prefix {
                Some(p) => {
                    let _ = write!(out, " xmlns:{p}=\"{}\"", escape_attr(uri));
                }
                None if !uri.is_empty() && self.uses_default_namespace() => {
                    let _ = write!(out, " xmlns=\"{}\"", escape_attr(uri));
                }
                None => {}
            }
        }
        out.push_str(&src[self.name_end..self.end]);
        out
    }

    /// Errors when the element holds text other than white space.
    fn no_text(&self) -> Result<(), String> {
        if self.text.trim().is_empty() {
            Ok(())
        } else {
            Err(format!("<{}> holds text", self.qname))
        }
    }

    fn epp_children(&self) -> Result<&[El], String> {
        self.no_text()?;
        match self.children.iter().find(|c| !c.is_epp()) {
            Some(c) => Err(format!(
                "<{}> in <{}> is not in the EPP namespace",
                c.qname, self.qname
            )),
            None => Ok(&self.children),
        }
    }
}

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

/// Namespace bindings: (prefix, URI); the prefix `None` is the default namespace, an empty
/// URI undeclares it.
type Bindings = Vec<(Option<String>, String)>;

/// Parses a whole document into its root element (namespaces resolved, offsets kept).
fn parse_xml(src: &str) -> Result<El, String> {
    let mut reader = Reader::from_str(src);
    reader.config_mut().check_end_names = true;
    reader.config_mut().expand_empty_elements = false;
    // Open elements, each with every binding in scope at it.
    let mut open: Vec<(El, Bindings)> = Vec::new();
    let mut root: Option<El> = None;
    loop {
        let pos = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            format!(
                "not well-formed XML at byte {}: {e}",
                reader.error_position()
            )
        })?;
        let mut closed = None;
        match event {
            XmlEvent::Start(s) | XmlEvent::Empty(s) if root.is_some() => {
                return Err(format!("a second root element <{}>", s.name().0))
            }
            XmlEvent::Start(s) => {
                if open.len() >= MAX_DEPTH {
                    return Err(format!("nested deeper than {MAX_DEPTH} elements"));
                }
                open.push(open_element(
                    &s,
                    pos,
                    open.last().map(|(_, b)| b.as_slice()),
                )?);
            }
            XmlEvent::Empty(s) => {
                let (mut el, _) = open_element(&s, pos, open.last().map(|(_, b)| b.as_slice()))?;
                el.end = reader.buffer_position() as usize;
                closed = Some(el);
            }
            XmlEvent::End(_) => {
                let (mut el, _) = open.pop().ok_or("an end tag without its start")?;
                el.end = reader.buffer_position() as usize;
                closed = Some(el);
            }
            XmlEvent::Text(t) => match open.last_mut() {
                Some((el, _)) => el.text.push_str(&t.xml10_content()),
                None if t.xml10_content().trim().is_empty() => {}
                None => return Err("text outside the root element".into()),
            },
            XmlEvent::CData(c) => match open.last_mut() {
                Some((el, _)) => el.text.push_str(&c.xml10_content()),
                None => return Err("CDATA outside the root element".into()),
            },
            XmlEvent::GeneralRef(r) => match open.last_mut() {
                Some((el, _)) => el.text.push_str(&resolve_ref(&r)?),
                None => return Err("a reference outside the root element".into()),
            },
            XmlEvent::DocType(_) => return Err("a DOCTYPE is not allowed in EPP".into()),
            XmlEvent::Decl(_) | XmlEvent::Comment(_) | XmlEvent::PI(_) => {}
            XmlEvent::Eof => {
                if let Some((el, _)) = open.last() {
                    return Err(format!("the document ends inside <{}>", el.qname));
                }
                return root.ok_or_else(|| "no root element (empty document?)".into());
            }
        }
        if let Some(el) = closed {
            match open.last_mut() {
                Some((parent, _)) => parent.children.push(el),
                None => root = Some(el),
            }
        }
    }
}

fn resolve_ref(r: &BytesRef<'_>) -> Result<String, String> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c.to_string()),
            _ => Err(format!("bad character reference &{};", &**r)),
        };
    }
    Ok(match &**r {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        other => return Err(format!("undefined entity &{other};")),
    }
    .to_string())
}

/// An element from its start tag: attributes, namespace declarations, namespace resolved.
/// Returns it with the bindings in scope at it.
fn open_element(
    s: &BytesStart<'_>,
    pos: usize,
    parent_scope: Option<&[(Option<String>, String)]>,
) -> Result<(El, Bindings), String> {
    let qname = s.name().0.to_owned();
    let mut declared: Bindings = Vec::new();
    let mut attrs = Vec::new();
    for a in s.attributes() {
        let a = a.map_err(|e| format!("<{qname}>: bad attribute: {e}"))?;
        let key = a.key.0;
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| format!("<{qname}>: bad attribute value: {e}"))?
            .into_owned();
        if key == "xmlns" {
            declared.push((None, value));
        } else if let Some(p) = key.strip_prefix("xmlns:") {
            declared.push((Some(p.to_owned()), value));
        } else {
            attrs.push((key.to_owned(), value));
        }
    }
    let parent_scope = parent_scope.unwrap_or_default();
    let inherited: Vec<_> = parent_scope
        .iter()
        .filter(|(p, _)| !declared.iter().any(|(d, _)| d == p))
        .cloned()
        .collect();
    let mut scope = inherited.clone();
    scope.extend(declared);
    let (prefix, local) = match qname.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, qname.as_str()),
    };
    let ns = match scope
        .iter()
        .find(|(p, _)| p.as_deref() == prefix)
        .map(|(_, u)| u.clone())
    {
        Some(u) if u.is_empty() => None,
        Some(u) => Some(u),
        None if prefix.is_none() => None,
        None => return Err(format!("<{qname}>: prefix {prefix:?} is not declared")),
    };
    let el = El {
        local: local.to_owned(),
        qname: qname.clone(),
        ns,
        attrs,
        inherited,
        start: pos,
        name_end: pos + 1 + qname.len(),
        end: pos,
        children: Vec::new(),
        text: String::new(),
    };
    Ok((el, scope))
}

/// A whole `<epp>` document -> the engine's command (or a login's settings).
fn parse_document(src: &str) -> Result<DocBody, String> {
    let root = parse_xml(src)?;
    if root.local != "epp" || !root.is_epp() {
        return Err(format!(
            "the root element is <{}>, not <epp> in {EPP_NS}",
            root.qname
        ));
    }
    let children = root.epp_children()?;
    let [top] = children else {
        return Err(format!(
            "<epp> holds {} elements, not one (<hello> or <command>)",
            children.len()
        ));
    };
    match top.local.as_str() {
        "hello" => {
            if !top.epp_children()?.is_empty() {
                return Err("<hello> holds elements".into());
            }
            Ok(DocBody::Command(Command::hello()))
        }
        "command" => parse_command(top, src),
        "extension" => Err(
            "protocol extension commands (RFC 3735 <epp><extension>) are not supported by the \
             client engine"
                .into(),
        ),
        "greeting" | "response" => Err(format!("<{}> is a server's frame", top.local)),
        other => Err(format!("unknown element <{other}> in <epp>")),
    }
}

fn parse_command(command: &El, src: &str) -> Result<DocBody, String> {
    let children = command.epp_children()?;
    let Some((verb, rest)) = children.split_first() else {
        return Err("<command> is empty".into());
    };
    let mut extension = None;
    let mut cl_trid = None;
    for c in rest {
        match c.local.as_str() {
            "extension" if extension.is_none() && cl_trid.is_none() => {
                c.no_text()?;
                if c.children.is_empty() {
                    return Err("<extension> is empty".into());
                }
                extension = Some(
                    c.children
                        .iter()
                        .map(|e| e.standalone(src))
                        .collect::<String>(),
                );
            }
            "clTRID" if cl_trid.is_none() => {
                if !c.children.is_empty() {
                    return Err("<clTRID> holds elements".into());
                }
                cl_trid = Some(c.text.trim().to_owned());
            }
            other => return Err(format!("unexpected <{other}> in <command>")),
        }
    }
    let object = |verb: &El| -> Result<String, String> {
        verb.no_text()?;
        match verb.children.as_slice() {
            [object] => Ok(object.standalone(src)),
            other => Err(format!(
                "<{}> holds {} elements, not one object element",
                verb.local,
                other.len()
            )),
        }
    };
    let mut cmd = match verb.local.as_str() {
        "login" => {
            let mut login = parse_login(verb)?;
            login.extension = extension;
            login.cl_trid = cl_trid;
            return Ok(DocBody::Login(login));
        }
        "logout" => {
            if !verb.epp_children()?.is_empty() {
                return Err("<logout> holds elements".into());
            }
            Command::logout()
        }
        "poll" => match verb.attr("op") {
            Some("req") => Command::poll_request(),
            Some("ack") => match verb.attr("msgID") {
                Some(id) => Command::poll_ack(id),
                None => return Err("<poll op=\"ack\"> without msgID".into()),
            },
            Some(op) => return Err(format!("<poll op={op:?}>: op is req or ack")),
            None => return Err("<poll> without op".into()),
        },
        "transfer" => {
            let op = match verb.attr("op") {
                Some("request") => TransferOp::Request,
                Some("approve") => TransferOp::Approve,
                Some("cancel") => TransferOp::Cancel,
                Some("query") => TransferOp::Query,
                Some("reject") => TransferOp::Reject,
                Some(op) => return Err(format!("<transfer op={op:?}>: unknown op")),
                None => return Err("<transfer> without op".into()),
            };
            Command::transfer(op, object(verb)?)
        }
        name => {
            let verb_kind = match name {
                "check" => CommandVerb::Check,
                "info" => CommandVerb::Info,
                "create" => CommandVerb::Create,
                "update" => CommandVerb::Update,
                "delete" => CommandVerb::Delete,
                "renew" => CommandVerb::Renew,
                other => return Err(format!("unknown command <{other}>")),
            };
            Command::object(verb_kind, object(verb)?)
        }
    };
    if let Some(x) = extension {
        cmd = cmd.with_extension(x);
    }
    if let Some(t) = cl_trid {
        cmd = cmd.with_cl_trid(t);
    }
    Ok(DocBody::Command(cmd))
}

fn parse_login(login: &El) -> Result<LoginDoc, String> {
    let mut doc = LoginDoc {
        label: String::new(),
        client_id: String::new(),
        new_password: None,
        lang: None,
        object_uris: Vec::new(),
        extension_uris: Vec::new(),
        extension: None,
        cl_trid: None,
    };
    let text = |el: &El| -> Result<String, String> {
        if el.children.is_empty() {
            Ok(el.text.trim().to_owned())
        } else {
            Err(format!("<{}> holds elements", el.local))
        }
    };
    let mut seen_client_id = false;
    for c in login.epp_children()? {
        match c.local.as_str() {
            "clID" => {
                doc.client_id = text(c)?;
                seen_client_id = true;
            }
            // The password file's is sent.
            "pw" => {}
            "newPW" => doc.new_password = Some(text(c)?),
            "options" => {
                for o in c.epp_children()? {
                    match o.local.as_str() {
                        "version" if text(o)? == "1.0" => {}
                        "version" => return Err("<version> is not 1.0".into()),
                        "lang" => doc.lang = Some(text(o)?),
                        other => return Err(format!("unexpected <{other}> in <options>")),
                    }
                }
            }
            "svcs" => {
                for s in c.epp_children()? {
                    match s.local.as_str() {
                        "objURI" => doc.object_uris.push(text(s)?),
                        "svcExtension" => {
                            for e in s.epp_children()? {
                                match e.local.as_str() {
                                    "extURI" => doc.extension_uris.push(text(e)?),
                                    other => {
                                        return Err(format!(
                                            "unexpected <{other}> in <svcExtension>"
                                        ))
                                    }
                                }
                            }
                        }
                        other => return Err(format!("unexpected <{other}> in <svcs>")),
                    }
                }
            }
            other => return Err(format!("unexpected <{other}> in <login>")),
        }
    }
    if !seen_client_id {
        return Err("<login> without <clID>".into());
    }
    if doc.object_uris.is_empty() {
        return Err("<login> without an <objURI>".into());
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    const DOMAIN: &str = "urn:ietf:params:xml:ns:domain-1.0";

    fn command(src: &str) -> Command {
        match parse_document(src) {
            Ok(DocBody::Command(c)) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn documents_map_to_engine_commands() {
        let hello = command(
            r#"<?xml version="1.0"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>"#,
        );
        assert_eq!(hello, Command::hello());
        let logout = command(
            r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><logout/><clTRID>ABC-1</clTRID></command></epp>"#,
        );
        assert_eq!(logout, Command::logout().with_cl_trid("ABC-1"));
        let req = command(
            r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
                 <command>
                   <poll op="req"/>
                 </command>
               </epp>"#,
        );
        assert_eq!(req, Command::poll_request());
        let ack = command(
            r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><poll op="ack" msgID="12"/><clTRID>A-1</clTRID></command></epp>"#,
        );
        assert_eq!(ack, Command::poll_ack("12").with_cl_trid("A-1"));
    }

    #[test]
    fn object_and_extension_elements_stand_alone() {
        // Namespaces declared on <epp> (as RFC examples do) are copied into the elements.
        let src = r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0" xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"
     xmlns:secDNS="urn:ietf:params:xml:ns:secDNS-1.1">
  <command>
    <update>
      <domain:update>
        <domain:name>example.com</domain:name>
      </domain:update>
    </update>
    <extension>
      <secDNS:update><secDNS:rem><secDNS:all>true</secDNS:all></secDNS:rem></secDNS:update>
    </extension>
    <clTRID>ABC-12345</clTRID>
  </command>
</epp>"#;
        let c = command(src);
        let want = Command::object(
            CommandVerb::Update,
            "<domain:update xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\" \
             xmlns:secDNS=\"urn:ietf:params:xml:ns:secDNS-1.1\">\n        \
             <domain:name>example.com</domain:name>\n      </domain:update>",
        )
        .with_extension(
            "<secDNS:update xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\" \
             xmlns:secDNS=\"urn:ietf:params:xml:ns:secDNS-1.1\"><secDNS:rem><secDNS:all>true\
             </secDNS:all></secDNS:rem></secDNS:update>",
        )
        .with_cl_trid("ABC-12345");
        assert_eq!(c, want);

        // Declared on the element itself: kept as written, nothing added; an unprefixed
        // object element inherits nothing it does not use.
        let c = command(&format!(
            r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><transfer op="request"><domain:transfer xmlns:domain="{DOMAIN}"><domain:name>a.test</domain:name></domain:transfer></transfer></command></epp>"#
        ));
        assert_eq!(
            c,
            Command::transfer(
                TransferOp::Request,
                format!(
                    r#"<domain:transfer xmlns:domain="{DOMAIN}"><domain:name>a.test</domain:name></domain:transfer>"#
                )
            )
        );
        let c = command(&format!(
            r#"<e:epp xmlns:e="urn:ietf:params:xml:ns:epp-1.0"><e:command><e:check><check xmlns="{DOMAIN}"><name>a.test</name></check></e:check></e:command></e:epp>"#
        ));
        assert_eq!(
            c,
            Command::object(
                CommandVerb::Check,
                format!(
                    r#"<check xmlns:e="urn:ietf:params:xml:ns:epp-1.0" xmlns="{DOMAIN}"><name>a.test</name></check>"#
                )
            )
        );
    }

    #[test]
    fn login_documents() {
        let src = r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><login>
            <clID>ClientX</clID><pw>ignored1</pw><newPW>bar-FOO2</newPW>
            <options><version>1.0</version><lang>en</lang></options>
            <svcs><objURI>urn:ietf:params:xml:ns:domain-1.0</objURI>
              <svcExtension><extURI>urn:ietf:params:xml:ns:secDNS-1.1</extURI></svcExtension></svcs>
            </login><clTRID>L-1</clTRID></command></epp>"#;
        let Ok(DocBody::Login(l)) = parse_document(src) else {
            panic!()
        };
        assert_eq!(l.client_id, "ClientX");
        assert_eq!(l.new_password.as_deref(), Some("bar-FOO2"));
        assert_eq!(l.lang.as_deref(), Some("en"));
        assert_eq!(l.object_uris, [DOMAIN]);
        assert_eq!(l.extension_uris, ["urn:ietf:params:xml:ns:secDNS-1.1"]);
        assert_eq!(l.cl_trid.as_deref(), Some("L-1"));
        assert!(parse_document(
            r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><login><clID>ClientX</clID><pw>x</pw></login></command></epp>"#
        )
        .unwrap_err()
        .contains("objURI"));
    }

    #[test]
    fn bad_documents_say_why() {
        for (src, why) in [
            ("", "no root element"),
            ("not xml", "text outside"),
            ("<epp><hello/></epp>", "not <epp> in"),
            (
                r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/><hello/></epp>"#,
                "holds 2 elements",
            ),
            (
                r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><check/></command></epp>"#,
                "holds 0 elements",
            ),
            (
                r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><frob/></command></epp>"#,
                "unknown command <frob>",
            ),
            (
                r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><poll/></command></epp>"#,
                "without op",
            ),
            (
                r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><poll op="ack"/></command></epp>"#,
                "without msgID",
            ),
            (
                r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><transfer><a:b xmlns:a="urn:a"/></transfer></command></epp>"#,
                "without op",
            ),
            (
                r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><check><d:check/></check></command></epp>"#,
                "not declared",
            ),
            (
                r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><logout/><clTRID>a</clTRID><clTRID>b</clTRID></command></epp>"#,
                "unexpected <clTRID>",
            ),
            (
                r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><extension><x:y xmlns:x="urn:x"/></extension></epp>"#,
                "RFC 3735",
            ),
            (
                r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response/></epp>"#,
                "server's frame",
            ),
            (
                r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello>"#,
                "ends inside",
            ),
            (
                r#"<!DOCTYPE epp><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>"#,
                "DOCTYPE",
            ),
            (
                r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp><epp/>"#,
                "second root",
            ),
        ] {
            let e = parse_document(src).unwrap_err();
            assert!(e.contains(why), "{src:?}: {e:?} lacks {why:?}");
        }
    }

    #[test]
    fn stdin_splits_at_dash_lines() {
        let docs = split_documents("a\n---\n\n---\r\nb\nc\n--- \n---x\n");
        assert_eq!(docs, ["a\n", "b\nc\n", "---x\n"]);
        assert!(split_documents("\n---\n  \n").is_empty());
    }

    #[test]
    fn password_file() {
        let dir = std::env::temp_dir().join(format!("eppd-client-pw-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("pw");
        for (content, want) in [
            ("secret-pw1\n", Ok("secret-pw1")),
            ("secret-pw1\r\n", Ok("secret-pw1")),
            ("secret-pw1", Ok("secret-pw1")),
            ("", Err("empty")),
            ("\n", Err("empty")),
            ("one\ntwo\n", Err("one line")),
        ] {
            std::fs::write(&f, content).unwrap();
            match (read_password(&f), want) {
                (Ok(pw), Ok(w)) => assert_eq!(pw, w),
                (Err(e), Err(w)) => assert!(e.contains(w) && !e.contains("two"), "{e}"),
                (got, w) => panic!("{content:?}: {got:?}, want {w:?}"),
            }
        }
        let e = read_password(&dir.join("missing")).unwrap_err();
        assert!(e.contains("cannot read the password file"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn frame_tap_splits_like_the_engine() {
        let mut tap = FrameTap::default();
        let mut stream = Vec::new();
        for body in ["<a/>", "<bb/>"] {
            stream.extend(((body.len() + 4) as u32).to_be_bytes());
            stream.extend(body.as_bytes());
        }
        for b in &stream {
            tap.push(std::slice::from_ref(b));
        }
        assert_eq!(tap.frames, [b"<a/>".to_vec(), b"<bb/>".to_vec()]);
        tap.push(&[0, 0, 0, 1]);
        assert_eq!(tap.bad_length, Some(1));
    }

    #[test]
    fn connect_address() {
        assert_eq!(split_host_port("localhost:700"), Ok(("localhost", 700)));
        assert_eq!(split_host_port("[::1]:700"), Ok(("::1", 700)));
        for bad in ["localhost", ":700", "host:0", "host:x", "host:70000"] {
            assert!(split_host_port(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn flags() {
        #[derive(Debug, Parser)]
        struct Cli {
            #[command(flatten)]
            client: ClientArgs,
        }
        let base = [
            "eppd",
            "--connect",
            "h:1",
            "--clid",
            "reg",
            "--password-file",
            "f",
        ];
        let parse = |extra: &[&str]| Cli::try_parse_from(base.iter().chain(extra));
        assert!(parse(&[]).is_err(), "neither --plain nor --ca-file");
        assert!(parse(&["--plain", "--ca-file", "ca.pem"]).is_err());
        assert!(parse(&["--plain", "--server-name", "x"]).is_err());
        assert!(parse(&["--ca-file", "ca.pem", "--cert-file", "c.pem"]).is_err());
        let a = parse(&["--plain", "a.xml", "b.xml"]).unwrap().client;
        assert_eq!(a.files.len(), 2);
        assert_eq!(a.timeout, 30);
        let a = parse(&["--ca-file", "ca.pem", "--cert-file", "c", "--key-file", "k"]).unwrap();
        assert!(a.client.key_file.is_some());
    }
}
