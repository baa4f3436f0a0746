//! Two eppd instances on one PostgreSQL store (`--store postgres://...`): a message queued
//! through one is polled and acked through the other; the per-registrar session limit holds
//! across both, and the sessions of an instance killed with SIGKILL stop counting once its
//! heartbeat expires.
//!
//! PostgreSQL is Debian's, run on loopback by `pg_virtualenv` (postgresql-common), which
//! makes a throwaway cluster for one command and drops it afterwards; this test installs
//! nothing (tests/run-all.sh does: `apt-get install postgresql postgresql-common`). When it is
//! missing the test fails if `CI` is set, and passes with a notice otherwise.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::store::*;

const PG_START_TIMEOUT: Duration = Duration::from_secs(90);
const PG_STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// pg_virtualenv makes its cluster under one name: the tests of this file take turns.
static ONE_CLUSTER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A throwaway PostgreSQL cluster, dropped (by pg_virtualenv) when this is dropped.
struct Postgres {
    child: Child,
    stdin: Option<ChildStdin>,
    url: String,
    password: String,
    /// Released after the cluster is gone (fields drop after `Drop::drop`).
    _turn: std::sync::MutexGuard<'static, ()>,
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // End of input ends the command inside pg_virtualenv, which then drops the cluster.
        drop(self.stdin.take());
        let deadline = Instant::now() + PG_STOP_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Whether Debian's PostgreSQL server and pg_virtualenv are installed; why not.
fn postgres_installed() -> Result<(), String> {
    if !on_path("pg_virtualenv") {
        return Err("pg_virtualenv (Debian postgresql-common) is not on PATH".into());
    }
    let servers = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.flatten()
                .any(|v| v.path().join("bin").join("postgres").is_file())
        })
        .unwrap_or(false);
    if !servers {
        return Err("no PostgreSQL server in /usr/lib/postgresql (Debian postgresql)".into());
    }
    Ok(())
}

/// Percent-encodes a URL userinfo part.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Postgres {
    /// Starts a cluster, or returns None (outside CI) when PostgreSQL is not installed.
    fn start() -> Option<Postgres> {
        if let Err(why) = postgres_installed() {
            let message = format!(
                "PostgreSQL is not installed ({why}); install it with: apt-get install \
                 postgresql postgresql-common (tests/run-all.sh does)"
            );
            assert!(
                !ci(),
                "CI is set, so this test may not be skipped: {message}"
            );
            let _ = writeln!(std::io::stderr(), "SKIP: {message}");
            return None;
        }
        let turn = ONE_CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
        let mut child = Command::new("pg_virtualenv")
            .args([
                "sh",
                "-c",
                "printf 'PGENV %s %s %s %s %s\\n' \"$PGHOST\" \"$PGPORT\" \"$PGUSER\" \
                 \"$PGPASSWORD\" \"$PGDATABASE\"; exec cat >/dev/null",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run pg_virtualenv");
        let stdin = child.stdin.take();
        let stderr = collect(child.stderr.take().unwrap());
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let mut seen = Vec::new();
            for line in lines.by_ref() {
                let Ok(line) = line else { break };
                if let Some(env) = line.strip_prefix("PGENV ") {
                    let _ = tx.send(Ok(env.to_string()));
                    break;
                }
                seen.push(line);
            }
            let _ = tx.send(Err(seen.join("\n")));
            for _ in lines {}
        });
        let mut pg = Postgres {
            child,
            stdin,
            url: String::new(),
            password: String::new(),
            _turn: turn,
        };
        let env = match rx.recv_timeout(PG_START_TIMEOUT) {
            Ok(Ok(env)) => env,
            other => {
                let err = String::from_utf8_lossy(&stderr.lock().unwrap()).into_owned();
                panic!("pg_virtualenv did not start a cluster ({other:?}):\n{err}");
            }
        };
        let parts: Vec<&str> = env.split(' ').collect();
        let [host, port, user, password, database] = parts[..] else {
            panic!("unexpected pg_virtualenv environment {env:?}");
        };
        pg.url = format!(
            "postgres://{}:{}@{host}:{port}/{database}?sslmode=disable",
            encode(user),
            encode(password)
        );
        pg.password = password.to_string();
        Some(pg)
    }
}

fn instance(url: &str, message: Option<&str>) -> Eppd {
    let mut args = vec![
        "--store",
        url,
        "--listen",
        "127.0.0.1:0",
        "--plain",
        "--max-sessions-per-registrar",
        "2",
        "--instance-ttl",
        "2",
    ];
    if let Some(m) = message {
        args.extend(["--message", m]);
    }
    Eppd::start(&args)
}

fn login(eppd: &Eppd) -> (Client, u16) {
    let mut c = Client::plain(eppd.addr).open();
    let r = c.login("registrar1", "secret-pw1");
    (c, code(&r))
}

#[test]
fn two_instances_share_one_postgres_store() {
    let Some(pg) = Postgres::start() else { return };
    let url = pg.url.as_str();
    eppd_ok(
        &[
            "--store",
            url,
            "registrar",
            "add",
            "registrar1",
            "--password-file",
            "-",
        ],
        "secret-pw1\n",
    );
    let a = instance(url, Some("registrar1:queued through A"));
    let mut b = instance(url, None);
    assert!(
        a.log()
            .contains("store PostgreSQL postgres://postgres:***@"),
        "{}",
        a.log()
    );
    assert!(
        !a.log().contains(&pg.password),
        "the password is not logged"
    );

    // Queued through A, seen by both, acked through B: gone for A too.
    let (mut a1, c) = login(&a);
    assert_eq!(c, 1000);
    let (mut b1, c) = login(&b);
    assert_eq!(c, 1000);
    let r = b1.call(&poll_req("B-1"));
    assert_eq!(code(&r), 1301, "{r}");
    assert_eq!(msg_text(&r), "queued through A");
    let id = msg_id(&r);
    assert_eq!(msg_id(&a1.call(&poll_req("A-1"))), id, "the same queue");
    let r = b1.call(&poll_ack(&id, "B-2"));
    assert_eq!((code(&r), msg_count(&r)), (1000, 0));
    assert_eq!(
        code(&a1.call(&poll_ack(&id, "A-2"))),
        2303,
        "acked through B"
    );
    assert_eq!(code(&a1.call(&poll_req("A-3"))), 1300);
    // Queued by the administration command, seen by a running instance.
    eppd_ok(
        &[
            "--store",
            url,
            "message",
            "add",
            "registrar1",
            "--text",
            "from the admin",
        ],
        "",
    );
    assert_eq!(msg_text(&a1.call(&poll_req("A-4"))), "from the admin");

    // Two sessions live (one per instance): the limit, 2, holds on both.
    let (mut refused, c) = login(&a);
    assert_eq!(c, 2502);
    refused.expect_closed();
    let (_, c) = login(&b);
    assert_eq!(c, 2502);
    // A logout on A frees a slot for B at once.
    assert_eq!(code(&a1.call(&logout("A-5"))), 1500);
    a1.expect_closed();
    let (_b2, c) = login(&b);
    assert_eq!(c, 1000);
    let list = eppd_ok(&["--store", url, "registrar", "list"], "");
    let line = list.lines().find(|l| l.starts_with("registrar1")).unwrap();
    assert_eq!(line.split_whitespace().nth(2), Some("2"), "{list}");

    // B dies with both sessions: they count until its heartbeat expires (2 s), then not.
    b.kill_hard();
    let killed = Instant::now();
    let (_, c) = login(&a);
    assert_eq!(c, 2502, "B's sessions still count right after the kill");
    let (_a2, waited) = loop {
        let (c, code) = login(&a);
        if code == 1000 {
            break (c, killed.elapsed());
        }
        assert_eq!(code, 2502);
        assert!(
            killed.elapsed() < Duration::from_secs(15),
            "B's sessions never stopped counting:\n{}",
            a.log()
        );
        thread::sleep(Duration::from_millis(250));
    };
    assert!(waited < Duration::from_secs(10), "{waited:?}");
    let (_a3, c) = login(&a);
    assert_eq!(c, 1000, "both of B's slots are free");
    let (_, c) = login(&a);
    assert_eq!(c, 2502);
    drop(b1);
    drop(a);
    drop(pg);
}

/// The sandbox back end on one PostgreSQL store: a domain created through one instance is
/// seen by the other, a transfer requested through one queues its poll message for the sponsor
/// on the other, and the same name created through both at once is created once.
#[test]
fn two_instances_share_the_sandbox_domains() {
    let Some(pg) = Postgres::start() else { return };
    let url = pg.url.as_str();
    let start = || {
        Eppd::start(&[
            "--store",
            url,
            "--listen",
            "127.0.0.1:0",
            "--plain",
            "--backend",
            "sandbox",
            "--registrar",
            "registrar1:secret-pw1",
            "--registrar",
            "registrar2:secret-pw2",
        ])
    };
    let a = start();
    let b = start();
    let domain = |verb: &str, body: &str, cl: &str| {
        let name = verb.split(' ').next().unwrap();
        cmd(
            &format!(
                "<{verb}><domain:{name} xmlns:domain=\"{DOMAIN}\">{body}</domain:{name}></{name}>"
            ),
            cl,
        )
    };
    let create = |n: &str| {
        domain(
            "create",
            &format!(
                "<domain:name>{n}</domain:name><domain:authInfo><domain:pw>pg-secret-1\
                 </domain:pw></domain:authInfo>"
            ),
            "create-1",
        )
    };
    let (mut a1, c) = login(&a);
    assert_eq!(c, 1000);
    let mut b2 = Client::plain(b.addr).open();
    assert_eq!(code(&b2.login("registrar2", "secret-pw2")), 1000);

    assert_eq!(code(&a1.call(&create("pg.example"))), 1000);
    let r = b2.call(&domain(
        "info",
        "<domain:name>pg.example</domain:name><domain:authInfo><domain:pw>pg-secret-1\
         </domain:pw></domain:authInfo>",
        "info-1",
    ));
    assert_eq!(code(&r), 1000, "{r}");
    assert!(r.contains("<domain:clID>registrar1</domain:clID>"), "{r}");
    let r = b2.call(&domain(
        "transfer op=\"request\"",
        "<domain:name>pg.example</domain:name><domain:authInfo><domain:pw>pg-secret-1\
         </domain:pw></domain:authInfo>",
        "transfer-1",
    ));
    assert_eq!(code(&r), 1001, "{r}");
    let r = a1.call(&poll_req("poll-1"));
    assert_eq!(code(&r), 1301, "{r}");
    assert!(
        r.contains("<domain:trStatus>pending</domain:trStatus>"),
        "{r}"
    );

    // One name, created through both instances at once: once.
    let mut handles = Vec::new();
    for (i, eppd) in [&a, &b, &a, &b].into_iter().enumerate() {
        let addr = eppd.addr;
        let xml = create("race.example");
        handles.push(thread::spawn(move || {
            let mut c = Client::plain(addr).open();
            assert_eq!(code(&c.login("registrar1", "secret-pw1")), 1000, "{i}");
            code(&c.call(&xml))
        }));
    }
    let mut codes: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    codes.sort_unstable();
    assert_eq!(codes, [1000, 2302, 2302, 2302]);
    drop((a1, b2, a, b));
    drop(pg);
}
