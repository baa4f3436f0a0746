//! Measures what an idle session costs eppd: starts eppd (`--demo`, a fresh data directory),
//! opens sessions on loopback, and reports the growth of eppd's resident set per session,
//! plain TCP and TLS, before login and logged in. Linux (reads /proc/PID/status).
//!
//! ```sh
//! cargo build --release -p eppd --examples
//! target/release/examples/idle_sessions                       # 2,000 sessions per case
//! target/release/examples/idle_sessions --sessions 10000 --cases tls-login
//! ```
//!
//! Flags: `--eppd PATH` (default: target/release/eppd beside this program), `--sessions N`
//! (measured, default 2000), `--warmup N` (opened first and not measured, default 200: the
//! first logins make the allocator keep Argon2's scratch memory), `--cases LIST`
//! (`plain,plain-login,tls,tls-login`, the default). The slope between the warm-up and the
//! end is what one more idle session costs. The client needs about N + warm-up open files, and
//! so does eppd (it raises its own limit): `ulimit -n` first when N is large.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

const CLID: &str = "demo-registrar";
const PASSWORD: &str = "demo-pass1";
/// Connections opened (or logging in) at once.
const PARALLEL: usize = 32;
const TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Clone, Copy, PartialEq, Eq)]
struct Case {
    tls: bool,
    login: bool,
}

impl Case {
    fn name(self) -> &'static str {
        match (self.tls, self.login) {
            (false, false) => "plain TCP, before login",
            (false, true) => "plain TCP, logged in",
            (true, false) => "TLS, before login",
            (true, true) => "TLS, logged in",
        }
    }
}

struct Options {
    eppd: PathBuf,
    sessions: usize,
    warmup: usize,
    cases: Vec<Case>,
}

fn usage(e: &str) -> ! {
    eprintln!(
        "idle_sessions: {e}\nusage: idle_sessions [--eppd PATH] [--sessions N] [--warmup N] \
         [--cases plain,plain-login,tls,tls-login]"
    );
    std::process::exit(2)
}

fn options() -> Options {
    let exe = std::env::current_exe().unwrap_or_default();
    // target/release/examples/idle_sessions -> target/release/eppd
    let default_eppd = exe
        .parent()
        .and_then(Path::parent)
        .map_or_else(|| PathBuf::from("eppd"), |d| d.join("eppd"));
    let mut o = Options {
        eppd: default_eppd,
        sessions: 2000,
        warmup: 200,
        cases: vec![
            Case {
                tls: false,
                login: false,
            },
            Case {
                tls: false,
                login: true,
            },
            Case {
                tls: true,
                login: false,
            },
            Case {
                tls: true,
                login: true,
            },
        ],
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{a} needs a value")))
        };
        match a.as_str() {
            "--eppd" => o.eppd = PathBuf::from(value()),
            "--sessions" => o.sessions = value().parse().unwrap_or_else(|_| usage("--sessions N")),
            "--warmup" => o.warmup = value().parse().unwrap_or_else(|_| usage("--warmup N")),
            "--cases" => {
                o.cases = value()
                    .split(',')
                    .map(|c| match c {
                        "plain" => Case {
                            tls: false,
                            login: false,
                        },
                        "plain-login" => Case {
                            tls: false,
                            login: true,
                        },
                        "tls" => Case {
                            tls: true,
                            login: false,
                        },
                        "tls-login" => Case {
                            tls: true,
                            login: true,
                        },
                        other => usage(&format!("unknown case {other}")),
                    })
                    .collect()
            }
            "-h" | "--help" => usage("measures eppd's memory per idle session"),
            other => usage(&format!("unknown flag {other}")),
        }
    }
    if o.sessions == 0 {
        usage("--sessions must be at least 1");
    }
    o
}

/// eppd's resident set, in bytes.
fn rss(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

struct Server {
    child: Child,
    addr: SocketAddr,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start(eppd: &Path, case: Case, total: usize) -> Server {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "eppd-idle-sessions-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let cap = (total + 100).to_string();
    let mut cmd = Command::new(eppd);
    cmd.arg("--demo")
        .arg("--data-dir")
        .arg(&dir)
        .args(["--listen", "127.0.0.1:0"])
        .args(["--max-connections", &cap])
        .args(["--max-connections-per-ip-before-login", &cap])
        .args(["--login-deadline", "3600", "--idle-timeout", "3600"])
        .args(["--log-level", "warn"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if !case.tls {
        cmd.arg("--plain");
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| usage(&format!("cannot run {}: {e}", eppd.display())));
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("eppd's listening line");
    let addr = line
        .trim_end()
        .strip_prefix("eppd listening on ")
        .unwrap_or_else(|| panic!("eppd did not start: {line:?}"))
        .parse()
        .expect("an address");
    Server { child, addr, dir }
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

async fn recv(s: &mut (dyn Stream + '_)) -> std::io::Result<String> {
    let mut h = [0u8; 4];
    s.read_exact(&mut h).await?;
    let n = (u32::from_be_bytes(h) as usize).saturating_sub(4);
    let mut body = vec![0u8; n];
    s.read_exact(&mut body).await?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}

async fn send(s: &mut (dyn Stream + '_), xml: &str) -> std::io::Result<()> {
    let mut f = ((xml.len() + 4) as u32).to_be_bytes().to_vec();
    f.extend_from_slice(xml.as_bytes());
    s.write_all(&f).await?;
    s.flush().await
}

fn login_xml(i: usize) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><login><clID>{CLID}</clID><pw>{PASSWORD}</pw><options><version>1.0</version><lang>en</lang></options><svcs><objURI>urn:ietf:params:xml:ns:domain-1.0</objURI></svcs></login><clTRID>L-{i}</clTRID></command></epp>"#
    )
}

/// One session: connected, greeted, and logged in when asked.
async fn open(
    addr: SocketAddr,
    tls: Option<&tokio_rustls::TlsConnector>,
    login: bool,
    i: usize,
) -> std::io::Result<Box<dyn Stream>> {
    let tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let mut s: Box<dyn Stream> = match tls {
        None => Box::new(tcp),
        Some(c) => {
            let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
            Box::new(c.connect(name, tcp).await?)
        }
    };
    let g = recv(&mut *s).await?;
    if !g.contains("<greeting>") {
        return Err(std::io::Error::other(format!("no greeting: {g}")));
    }
    if login {
        send(&mut *s, &login_xml(i)).await?;
        let r = recv(&mut *s).await?;
        if !r.contains("<result code=\"1000\">") {
            return Err(std::io::Error::other(format!("login refused: {r}")));
        }
    }
    Ok(s)
}

/// Opens `n` sessions, `PARALLEL` at a time.
async fn open_many(
    addr: SocketAddr,
    tls: Option<Arc<tokio_rustls::TlsConnector>>,
    login: bool,
    n: usize,
    first: usize,
) -> Vec<Box<dyn Stream>> {
    let slots = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
    let mut tasks = Vec::with_capacity(n);
    for i in first..first + n {
        let permit = Arc::clone(&slots).acquire_owned().await.unwrap();
        let tls = tls.clone();
        tasks.push(tokio::spawn(async move {
            let s = tokio::time::timeout(TIMEOUT, open(addr, tls.as_deref(), login, i)).await;
            drop(permit);
            match s {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => panic!("session {i}: {e}"),
                Err(_) => panic!("session {i}: timed out"),
            }
        }));
    }
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.expect("a session"));
    }
    out
}

fn connector(ca: &Path) -> Arc<tokio_rustls::TlsConnector> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(ca).expect("the demo CA") {
        roots.add(c.expect("a certificate")).expect("a root");
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    Arc::new(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// Waits for eppd's resident set to settle (two readings 300 ms apart within 64 KiB).
async fn settled_rss(pid: u32) -> u64 {
    let mut last = rss(pid);
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = rss(pid);
        if now.abs_diff(last) < 64 * 1024 {
            return now;
        }
        last = now;
    }
    last
}

#[tokio::main]
async fn main() {
    let o = options();
    println!(
        "eppd {}: resident set per idle session, {} sessions after {} warm-up, loopback",
        o.eppd.display(),
        o.sessions,
        o.warmup
    );
    for case in &o.cases {
        let server = start(&o.eppd, *case, o.sessions + o.warmup);
        let tls = case.tls.then(|| connector(&server.dir.join("ca.pem")));
        let pid = server.child.id();
        let idle = settled_rss(pid).await;
        let started = Instant::now();
        let warm = open_many(server.addr, tls.clone(), case.login, o.warmup, 0).await;
        let before = settled_rss(pid).await;
        let more = open_many(server.addr, tls, case.login, o.sessions, o.warmup).await;
        let opened = started.elapsed();
        let after = settled_rss(pid).await;
        let per = after.saturating_sub(before) as f64 / o.sessions as f64;
        println!(
            "  {:<24} {:>6.1} KiB per session   (eppd RSS {:.1} MiB idle, {:.1} MiB after \
             warm-up, {:.1} MiB with {} sessions; opened in {:.1}s)",
            case.name(),
            per / 1024.0,
            idle as f64 / 1048576.0,
            before as f64 / 1048576.0,
            after as f64 / 1048576.0,
            warm.len() + more.len(),
            opened.as_secs_f64(),
        );
        drop(more);
        drop(warm);
    }
}
