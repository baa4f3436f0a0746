//! `--backend http://...`: eppd posts object commands as JSON to a registry's system (README.md,
//! "Object commands over HTTP"). The back ends here are a small HTTP/1.1 server written in the
//! test (std threads, keep-alive) that answers by the domain name in the command, and the
//! README's Python example run as written. Loopback only; every wait is bounded.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::store::*;

const SECDNS: &str = "urn:ietf:params:xml:ns:secDNS-1.1";

/// One request the back end received.
#[derive(Debug, Clone)]
struct Seen {
    head: String,
    json: serde_json::Value,
}

/// The test's back end, on 127.0.0.1; it answers by the domain name in the command:
/// `slow.*` after 3 s, `fail.*` 500, `garbage.*` not JSON, `badxml.*` resData that is not
/// well-formed, `close.*` by closing the connection, `multi.*` two results, `poll.*` code 1301,
/// anything else 1000 with a chkData.
struct Backend {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    connections: Arc<AtomicUsize>,
}

impl Backend {
    fn start() -> Backend {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (s, n) = (Arc::clone(&seen), Arc::clone(&connections));
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                n.fetch_add(1, Ordering::SeqCst);
                let s = Arc::clone(&s);
                thread::spawn(move || serve(stream, &s));
            }
        });
        Backend {
            addr,
            seen,
            connections,
        }
    }

    fn last(&self) -> Seen {
        self.seen
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a request")
    }
}

/// HTTP/1.1 with keep-alive until the client closes.
fn serve(stream: TcpStream, seen: &Mutex<Vec<Seen>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut w = stream.try_clone().unwrap();
    let mut r = BufReader::new(stream);
    loop {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            match r.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let len: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .expect("a Content-Length");
        let mut body = vec![0u8; len];
        r.read_exact(&mut body).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).expect("JSON from eppd");
        seen.lock().unwrap().push(Seen {
            head,
            json: json.clone(),
        });
        let xml = json["xml"].as_str().unwrap_or_default();
        let domain = xml
            .split("<domain:name>")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap_or("")
            .to_string();
        let kind = domain.split('.').next().unwrap_or("");
        let (status, body) = match kind {
            "slow" => {
                thread::sleep(Duration::from_secs(3));
                ("200 OK", ok_answer(&domain))
            }
            "fail" => ("500 Internal Server Error", "boom".to_string()),
            "garbage" => ("200 OK", "this is not JSON".to_string()),
            "badxml" => (
                "200 OK",
                r#"{"code": 1000, "resData": "<d:chkData xmlns:d=\"urn:x\"><unclosed>"}"#
                    .to_string(),
            ),
            "close" => return,
            "multi" => (
                "200 OK",
                serde_json::json!({
                    "results": [
                        {"code": 2004, "msg": "first problem"},
                        {"code": 2005, "msg": "second problem", "lang": "en", "values": [
                            format!("<domain:name xmlns:domain=\"{DOMAIN}\">{domain}</domain:name>"),
                            {"value": "<domain:period xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\">99</domain:period>",
                             "reason": "too long"}
                        ]}
                    ]
                })
                .to_string(),
            ),
            "poll" => ("200 OK", r#"{"code": 1301}"#.to_string()),
            _ => ("200 OK", ok_answer(&domain)),
        };
        let reply = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if w.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

fn ok_answer(domain: &str) -> String {
    serde_json::json!({
        "code": 1000,
        "msg": "ok from the back end",
        "resData": format!(
            "<d:chkData xmlns:d=\"{DOMAIN}\"><d:cd><d:name avail=\"1\">{domain}</d:name></d:cd></d:chkData>"
        ),
        "unknown-key": "ignored",
    })
    .to_string()
}

fn eppd_with(dir: &TempDir, backend: &str, extra: &[&str]) -> Eppd {
    let d = dir.path().to_str().unwrap();
    let mut args = vec![
        "--plain",
        "--data-dir",
        d,
        "--listen",
        "127.0.0.1:0",
        "--registrar",
        "registrar1:secret-pw1",
        "--backend",
        backend,
    ];
    args.extend_from_slice(extra);
    Eppd::start(&args)
}

fn login_with_secdns(c: &mut Client) {
    let login = cmd(
        &format!(
            "<login><clID>registrar1</clID><pw>secret-pw1</pw><options><version>1.0</version>\
             <lang>en</lang></options><svcs><objURI>{DOMAIN}</objURI>\
             <svcExtension><extURI>{SECDNS}</extURI></svcExtension></svcs></login>"
        ),
        "login-1",
    );
    assert_eq!(code(&c.call(&login)), 1000);
}

fn check(name: &str, cl: &str) -> String {
    cmd(
        &format!(
            "<check><domain:check xmlns:domain=\"{DOMAIN}\"><domain:name>{name}</domain:name>\
             </domain:check></check>"
        ),
        cl,
    )
}

#[test]
fn commands_go_to_the_back_end_and_its_answers_come_back() {
    let be = Backend::start();
    let dir = TempDir::new("backend-http");
    let url = format!("http://eppd:s3cret@{}/epp/cmd?v=1", be.addr);
    let eppd = eppd_with(&dir, &url, &["--backend-timeout", "1"]);
    eppd.wait_log("object commands: HTTP http://eppd:***@");
    let mut c = Client::plain(eppd.addr).open();
    login_with_secdns(&mut c);

    // An answer: rendered with the client's clTRID and an svTRID.
    let r = c.call(&check("ok.example", "check-1"));
    assert_eq!(code(&r), 1000, "{r}");
    assert!(r.contains("<msg>ok from the back end</msg>"), "{r}");
    assert!(r.contains("<d:name avail=\"1\">ok.example</d:name>"), "{r}");
    assert!(r.contains("<clTRID>check-1</clTRID><svTRID>"), "{r}");
    let s = be.last();
    assert!(
        s.head.starts_with("POST /epp/cmd?v=1 HTTP/1.1\r\n"),
        "{}",
        s.head
    );
    let head = s.head.to_ascii_lowercase();
    for h in [
        "content-type: application/json",
        "authorization: basic zxbwzdpzm2nyzxq=",
        &format!("host: {}", be.addr),
    ] {
        assert!(head.contains(h), "{h} not in {}", s.head);
    }
    let j = &s.json;
    assert_eq!(j["clID"], "registrar1");
    assert_eq!(j["clTRID"], "check-1");
    // The svTRID eppd sent the back end is the one the response carries.
    let sv = j["svTRID"].as_str().expect("an svTRID string");
    assert!(
        r.contains(&format!("<clTRID>check-1</clTRID><svTRID>{sv}</svTRID>")),
        "{sv}: {r}"
    );
    assert_eq!(j["verb"], "check");
    assert!(j["op"].is_null());
    assert_eq!(j["objURI"], DOMAIN);
    // The object element with the namespace declarations it inherits (EPP's default too).
    let xml = j["xml"].as_str().unwrap();
    assert!(xml.starts_with("<domain:check "), "{j}");
    assert!(xml.contains(&format!("xmlns:domain=\"{DOMAIN}\"")), "{j}");
    assert!(
        xml.ends_with("<domain:name>ok.example</domain:name></domain:check>"),
        "{j}"
    );
    assert_eq!(j["extURIs"], serde_json::json!([]));
    assert!(j["extension"].is_null());

    // A transfer with its op, and a command extension.
    let r = c.call(&cmd(
        &format!(
            "<transfer op=\"request\"><domain:transfer xmlns:domain=\"{DOMAIN}\">\
             <domain:name>ok.example</domain:name><domain:authInfo><domain:pw>Top-Secret-1\
             </domain:pw></domain:authInfo></domain:transfer></transfer>\
             <extension><secDNS:create xmlns:secDNS=\"{SECDNS}\"><secDNS:maxSigLife>604800\
             </secDNS:maxSigLife></secDNS:create></extension>"
        ),
        "transfer-1",
    ));
    assert_eq!(code(&r), 1000, "{r}");
    let j = be.last().json;
    assert_eq!(
        (j["verb"].as_str(), j["op"].as_str()),
        (Some("transfer"), Some("request"))
    );
    assert_eq!(j["extURIs"], serde_json::json!([SECDNS]));
    assert!(
        j["extension"]
            .as_str()
            .unwrap()
            .starts_with("<secDNS:create "),
        "{j}"
    );

    // Several results.
    let r = c.call(&check("multi.example", "multi-1"));
    assert_eq!(code(&r), 2004, "{r}");
    assert!(
        r.contains("<result code=\"2005\"><msg>second problem</msg><value><domain:name"),
        "{r}"
    );
    assert!(r.contains("<extValue><value><domain:period"), "{r}");
    assert!(r.contains("<reason>too long</reason></extValue>"), "{r}");

    // Failures: 2400, logged, and the session goes on.
    for (name, logged) in [
        ("fail.example", "HTTP status 500"),
        ("garbage.example", "not valid JSON"),
        ("badxml.example", "answer was refused"),
        ("close.example", "request failed"),
        ("poll.example", "result code 1301"),
        ("slow.example", "no answer within 1s"),
    ] {
        let started = Instant::now();
        let r = c.call(&check(name, "failing-1"));
        assert_eq!(code(&r), 2400, "{name}: {r}");
        assert!(r.contains("<clTRID>failing-1</clTRID>"), "{r}");
        eppd.wait_log(logged);
        if name.starts_with("slow") {
            let t = started.elapsed();
            assert!(
                t >= Duration::from_millis(900) && t < Duration::from_secs(3),
                "{t:?}"
            );
        }
        let r = c.call(&check("ok.example", "after-1"));
        assert_eq!(code(&r), 1000, "after {name}: {r}");
    }
    // Keep-alive: fewer connections than requests.
    let requests = be.seen.lock().unwrap().len();
    let conns = be.connections.load(Ordering::SeqCst);
    assert!(
        conns < requests,
        "{conns} connections for {requests} requests"
    );

    assert_eq!(code(&c.call(&logout("logout-1"))), 1500);
    let log = eppd.log();
    assert!(
        log.contains("clID=registrar1 check: back end failed: http://eppd:***@"),
        "{log}"
    );
    for secret in ["s3cret", "Top-Secret"] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

#[test]
fn an_unreachable_back_end_gives_2400() {
    // A port nothing listens on.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = TempDir::new("backend-down");
    let eppd = eppd_with(&dir, &format!("http://127.0.0.1:{port}/"), &[]);
    let mut c = Client::plain(eppd.addr).open();
    assert_eq!(code(&c.login("registrar1", "secret-pw1")), 1000);
    let r = c.call(&check("a.example", "check-1"));
    assert_eq!(code(&r), 2400, "{r}");
    eppd.wait_log("back end failed");
    eppd.wait_log("cannot connect");
}

#[test]
fn bad_backend_flags_stop_eppd() {
    for bad in ["https://example.test/", "ftp://x/", "sandbox2"] {
        let o = eppd_command(&["--plain", "--backend", bad], "");
        assert!(!o.ok, "--backend {bad} accepted");
        assert!(o.stderr.contains("--backend"), "{}", o.stderr);
    }
    let o = eppd_command(&["--plain", "--backend-timeout", "0"], "");
    assert!(!o.ok);
}

// ---------------------------------------------------------------------------------------------
// the README's Python back end

/// Kills the child when dropped.
struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The Python block after `<!-- eppd-backend-example -->` in README.md.
fn readme_example() -> String {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let text = std::fs::read_to_string(&readme).expect("README.md");
    let at = text
        .find("<!-- eppd-backend-example -->")
        .expect("the example's marker in README.md");
    let rest = &text[at..];
    let start = rest.find("```python\n").expect("a python block") + "```python\n".len();
    let end = rest[start..].find("\n```").expect("the block's end") + start;
    rest[start..end].to_string()
}

#[test]
fn the_readme_python_back_end_works() {
    let python = std::env::var("E2E_PYTHON").unwrap_or_else(|_| "python3".into());
    if Command::new(&python).arg("-V").output().is_err() {
        assert!(!ci(), "{python} is missing, and CI is set");
        eprintln!("SKIP: {python} is not installed");
        return;
    }
    let dir = TempDir::new("backend-py");
    let script = dir.write("backend.py", &readme_example());
    let mut child = Kill(
        Command::new(&python)
            .arg(&script)
            .arg("0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run the example"),
    );
    let out = child.0.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(out).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the example prints its port");
    let port: u16 = line
        .trim()
        .strip_prefix("listening on ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("bad first line {line:?}"));

    let eppd = eppd_with(&dir, &format!("http://127.0.0.1:{port}/epp"), &[]);
    let mut c = Client::plain(eppd.addr).open();
    assert_eq!(code(&c.login("registrar1", "secret-pw1")), 1000);
    let r = c.call(&check("Example.TEST", "check-1"));
    assert_eq!(code(&r), 1000, "{r}");
    assert!(
        r.contains("<d:name avail=\"1\">example.test</d:name>"),
        "{r}"
    );
    let create = cmd(
        &format!(
            "<create><domain:create xmlns:domain=\"{DOMAIN}\"><domain:name>example.test\
             </domain:name><domain:authInfo><domain:pw>pw-123456</domain:pw></domain:authInfo>\
             </domain:create></create>"
        ),
        "create-1",
    );
    let r = c.call(&create);
    assert_eq!(code(&r), 1000, "{r}");
    assert!(r.contains("<d:name>example.test</d:name><d:crDate>"), "{r}");
    assert_eq!(code(&c.call(&create)), 2302);
    let r = c.call(&check("example.test", "check-2"));
    assert!(r.contains("avail=\"0\""), "{r}");
    let r = c.call(&cmd(
        &format!(
            "<info><domain:info xmlns:domain=\"{DOMAIN}\"><domain:name>example.test</domain:name>\
             </domain:info></info>"
        ),
        "info-1",
    ));
    assert_eq!(code(&r), 2101, "{r}");
    assert!(r.contains("info is not implemented here"), "{r}");
    drop(child);
    // The back end gone: 2400.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = c.call(&check("example.test", "check-3"));
        if code(&r) == 2400 {
            break;
        }
        assert!(Instant::now() < deadline, "still answered: {r}");
        thread::sleep(Duration::from_millis(50));
    }
}
