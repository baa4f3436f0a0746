//! What the TLS, durability and PostgreSQL tests share: eppd processes (killed when dropped,
//! every wait bounded), the administration commands, fresh data directories, and a small EPP
//! client over plain TCP or rustls (RFC 5734 framing: a 4-byte big-endian length that counts
//! itself).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

pub const DOMAIN: &str = "urn:ietf:params:xml:ns:domain-1.0";
pub const CONTACT: &str = "urn:ietf:params:xml:ns:contact-1.0";

pub const IO_TIMEOUT: Duration = Duration::from_secs(10);
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

pub fn eppd_exe() -> &'static str {
    env!("CARGO_BIN_EXE_eppd")
}

/// Whether this is CI (where a missing dependency fails a test instead of skipping it).
pub fn ci() -> bool {
    match std::env::var("CI") {
        Ok(v) => !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"),
        Err(_) => false,
    }
}

// ---------------------------------------------------------------------------------------------
// files

/// A fresh temporary directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let d = std::env::temp_dir().join(format!(
            "eppd-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("create a temporary directory");
        TempDir(d)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes `name` in the directory; its path.
    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.join(name);
        std::fs::write(&p, content).expect("write a file");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ---------------------------------------------------------------------------------------------
// processes

/// Reads a pipe to its end in a background thread.
pub fn collect<R: Read + Send + 'static>(mut r: R) -> Arc<Mutex<Vec<u8>>> {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&buf);
    thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = r.read(&mut chunk) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    buf
}

pub struct Output {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `eppd args...` to its end (an administration command), with `stdin`, bounded.
pub fn eppd_command(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(eppd_exe())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run eppd");
    // Read both pipes to their end on threads joined below, so that the
    // whole output is there however late the readers run (a fixed pause
    // lost stderr on a loaded machine).
    let read_all = |mut r: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let out = read_all(Box::new(child.stdout.take().unwrap()));
    let err = read_all(Box::new(child.stderr.take().unwrap()));
    {
        let mut input = child.stdin.take().unwrap();
        let _ = input.write_all(stdin.as_bytes());
    }
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for eppd") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("eppd {args:?} did not finish within {COMMAND_TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(10));
    };
    // eppd has exited: its pipes end (it starts no children).
    let text = |h: thread::JoinHandle<Vec<u8>>| {
        String::from_utf8_lossy(&h.join().expect("pipe reader")).into_owned()
    };
    Output {
        ok: status.success(),
        stdout: text(out),
        stderr: text(err),
    }
}

/// `eppd args...` that must succeed; its stdout.
pub fn eppd_ok(args: &[&str], stdin: &str) -> String {
    let o = eppd_command(args, stdin);
    assert!(
        o.ok,
        "eppd {args:?} failed:\n{}\n{}",
        o.stdout.trim_end(),
        o.stderr.trim_end()
    );
    o.stdout
}

/// A running eppd, killed (SIGKILL) when dropped.
pub struct Eppd {
    pub child: Child,
    pub addr: SocketAddr,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Drop for Eppd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Eppd {
    /// Starts `eppd args...` and waits for `eppd listening on ADDR`.
    pub fn start(args: &[&str]) -> Eppd {
        let mut child = Command::new(eppd_exe())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start eppd");
        let stderr = collect(child.stderr.take().unwrap());
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let mut line = String::new();
            let _ = tx.send(r.read_line(&mut line).map(|_| line));
            let mut rest = Vec::new();
            let _ = r.read_to_end(&mut rest);
        });
        let mut eppd = Eppd {
            child,
            addr: "127.0.0.1:1".parse().unwrap(),
            stderr,
        };
        let line = match rx.recv_timeout(STARTUP_TIMEOUT) {
            Ok(Ok(line)) => line,
            other => {
                thread::sleep(Duration::from_millis(100));
                panic!(
                    "eppd {args:?}: no listening line ({other:?}); stderr:\n{}",
                    eppd.log()
                )
            }
        };
        let addr = line
            .trim_end()
            .strip_prefix("eppd listening on ")
            .unwrap_or_else(|| panic!("bad first line {line:?}; stderr:\n{}", eppd.log()));
        eppd.addr = addr.parse().expect("an address");
        assert_ne!(eppd.addr.port(), 0);
        eppd
    }

    pub fn log(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Waits (bounded) until the log contains `needle`.
    pub fn wait_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + IO_TIMEOUT;
        loop {
            let log = self.log();
            if log.contains(needle) {
                return log;
            }
            assert!(
                Instant::now() < deadline,
                "log never had {needle:?}:\n{log}"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: no chance to clean anything up.
    pub fn kill_hard(&mut self) {
        self.child.kill().expect("kill eppd");
        self.child.wait().expect("reap eppd");
    }
}

// ---------------------------------------------------------------------------------------------
// TLS

/// A rustls client configuration trusting `ca` (PEM), with a client certificate or none.
pub fn tls_client(
    ca: &Path,
    client: Option<(&str, &str)>, // (certificate PEM, key PEM)
) -> Arc<rustls::ClientConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(ca).expect("read the CA") {
        roots.add(c.expect("a CA certificate")).expect("add the CA");
    }
    let b = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match client {
        None => b.with_no_client_auth(),
        Some((cert, key)) => {
            let chain = CertificateDer::pem_slice_iter(cert.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .expect("client certificate");
            let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).expect("client key");
            b.with_client_auth_cert(chain, key).expect("client auth")
        }
    };
    Arc::new(config)
}

/// A certificate authority for the tests' client certificates.
pub struct TestCa {
    pub pem: String,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).unwrap();
        TestCa {
            pem: cert.pem(),
            issuer: rcgen::Issuer::new(params, key),
        }
    }

    /// A client certificate with this common name: (certificate PEM, key PEM).
    pub fn client(&self, common_name: &str) -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, common_name);
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    /// A server certificate for `localhost` and 127.0.0.1: (certificate PEM, key PEM).
    pub fn server(&self) -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

// ---------------------------------------------------------------------------------------------
// an EPP client

pub trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

pub struct Client {
    s: Box<dyn Stream>,
}

fn tcp(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, IO_TIMEOUT).expect("connect");
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    s.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    s
}

impl Client {
    pub fn plain(addr: SocketAddr) -> Client {
        Client {
            s: Box::new(tcp(addr)),
        }
    }

    /// A TLS connection for `localhost`; the handshake happens with the first read or write.
    pub fn tls(addr: SocketAddr, config: &Arc<rustls::ClientConfig>) -> Client {
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let conn = rustls::ClientConnection::new(Arc::clone(config), name).expect("TLS client");
        Client {
            s: Box::new(rustls::StreamOwned::new(conn, tcp(addr))),
        }
    }

    /// Reads the greeting.
    pub fn open(mut self) -> Client {
        let g = self.recv();
        assert!(g.contains("<greeting>"), "{g}");
        self
    }

    /// Writes bytes as they are (several frames at once, say).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.s.write_all(bytes).expect("write");
        self.s.flush().expect("flush");
    }

    pub fn send(&mut self, xml: &str) {
        self.s.write_all(&frame(xml)).expect("write");
        self.s.flush().expect("flush");
    }

    pub fn recv(&mut self) -> String {
        self.try_recv().unwrap_or_else(|e| panic!("no frame: {e}"))
    }

    pub fn try_recv(&mut self) -> std::io::Result<String> {
        let mut h = [0u8; 4];
        self.s.read_exact(&mut h)?;
        let len = u32::from_be_bytes(h) as usize;
        assert!((5..=1 << 20).contains(&len), "bad frame length {len}");
        let mut body = vec![0u8; len - 4];
        self.s.read_exact(&mut body)?;
        Ok(String::from_utf8(body).expect("UTF-8"))
    }

    pub fn call(&mut self, xml: &str) -> String {
        self.send(xml);
        self.recv()
    }

    pub fn login(&mut self, clid: &str, pw: &str) -> String {
        self.call(&login_xml(clid, pw, "L-1"))
    }

    /// Waits (bounded) for the server to close the connection.
    pub fn expect_closed(&mut self) {
        let mut b = [0u8; 64];
        match self.s.read(&mut b) {
            Ok(0) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
            Ok(n) => panic!("expected close, got {n} more bytes: {:?}", &b[..n]),
            Err(e) => panic!("expected close, got {e}"),
        }
    }
}

pub fn frame(xml: &str) -> Vec<u8> {
    let mut v = ((xml.len() + 4) as u32).to_be_bytes().to_vec();
    v.extend_from_slice(xml.as_bytes());
    v
}

pub fn epp(inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0">{inner}</epp>"#
    )
}

pub fn cmd(inner: &str, cl_trid: &str) -> String {
    epp(&format!(
        "<command>{inner}<clTRID>{cl_trid}</clTRID></command>"
    ))
}

pub fn login_xml(clid: &str, pw: &str, cl_trid: &str) -> String {
    cmd(
        &format!(
            "<login><clID>{clid}</clID><pw>{pw}</pw><options><version>1.0</version><lang>en</lang></options>\
             <svcs><objURI>{DOMAIN}</objURI><objURI>{CONTACT}</objURI></svcs></login>"
        ),
        cl_trid,
    )
}

pub fn hello() -> String {
    epp("<hello/>")
}

pub fn poll_req(cl_trid: &str) -> String {
    cmd(r#"<poll op="req"/>"#, cl_trid)
}

pub fn poll_ack(id: &str, cl_trid: &str) -> String {
    cmd(&format!(r#"<poll op="ack" msgID="{id}"/>"#), cl_trid)
}

pub fn logout(cl_trid: &str) -> String {
    cmd("<logout/>", cl_trid)
}

pub fn code(xml: &str) -> u16 {
    let i = xml
        .find("<result code=\"")
        .unwrap_or_else(|| panic!("no result in {xml}"))
        + 14;
    xml[i..i + 4].parse().unwrap()
}

/// The text between `open` and `close`.
pub fn between<'a>(xml: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let i = xml.find(open)? + open.len();
    let j = xml[i..].find(close)? + i;
    Some(&xml[i..j])
}

pub fn msg_id(xml: &str) -> String {
    between(xml, "<msgQ count=\"", "/msgQ>")
        .and_then(|q| between(q, "id=\"", "\""))
        .unwrap_or_else(|| panic!("no msgQ id in {xml}"))
        .to_string()
}

pub fn msg_count(xml: &str) -> u64 {
    between(xml, "<msgQ count=\"", "\"")
        .unwrap_or_else(|| panic!("no msgQ count in {xml}"))
        .parse()
        .unwrap()
}

/// The `<msg>` of the `<msgQ>` (entities left as they are).
pub fn msg_text(xml: &str) -> String {
    let q = between(xml, "<msgQ", "</msgQ>").unwrap_or_else(|| panic!("no msgQ in {xml}"));
    let m = &q[q.find("<msg").unwrap_or_else(|| panic!("no msg in {xml}"))..];
    between(m, ">", "</msg>")
        .unwrap_or_else(|| panic!("no msg in {xml}"))
        .to_string()
}
