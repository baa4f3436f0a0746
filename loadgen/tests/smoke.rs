//! A few sessions for about 2 s against `eppd --demo` (TLS) and against the transport floor
//! (TLS with eppd's demo certificate, and plain): every session logs in, runs its pattern and
//! logs out, and the report holds what was sent. Needs the eppd binary beside loadgen's
//! (`cargo test --workspace` builds it; alone: `cargo build -p eppd` first).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `program args`, waits (at most 60 s) for its `... listening on ADDR` line.
fn start(program: &Path, args: &[&str]) -> Server {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some((_, addr)) = line.split_once("listening on ") {
                let _ = tx.send(addr.trim().to_string());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("{} did not start", program.display()));
    Server { child, addr }
}

fn loadgen() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_loadgen"))
}

fn eppd() -> PathBuf {
    let p = loadgen().with_file_name(format!("eppd{}", std::env::consts::EXE_SUFFIX));
    assert!(
        p.is_file(),
        "{} is missing: build it first (cargo build -p eppd; cargo test --workspace does)",
        p.display()
    );
    p
}

/// Runs `loadgen run` with `args`; returns its JSON report.
fn run(dir: &Path, name: &str, args: &[&str]) -> Value {
    let json = dir.join(format!("{name}.json"));
    let t = Instant::now();
    let out = Command::new(loadgen())
        .arg("run")
        .args(args)
        .args(["--label", name, "--json"])
        .arg(&json)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        t.elapsed() < Duration::from_secs(30),
        "{name} took too long"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with(&format!("{name}: ")), "{stdout}");
    serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap()
}

fn responses(v: &Value, kind: &str) -> u64 {
    v["responses"][kind].as_u64().unwrap_or(0)
}

fn check_common(v: &Value, sessions: u64) {
    assert_eq!(v["sessions"], sessions, "{v}");
    assert_eq!(v["logged_in"], sessions, "{v}");
    assert_eq!(v["failed"], 0, "{v}");
    assert!(v["ops_per_s"].as_f64().unwrap() > 0.0, "{v}");
    let (p50, p99) = (
        v["latency_us"]["p50"].as_u64().unwrap(),
        v["latency_us"]["p99"].as_u64().unwrap(),
    );
    assert!(p50 > 0 && p50 <= p99, "{v}");
}

#[test]
fn loadgen_drives_eppd_and_the_floor() {
    let dir = std::env::temp_dir().join(format!("loadgen-smoke-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("data");
    let data_s = data.to_str().unwrap();

    // eppd --demo over TLS: the mix, through the sandbox, its three demo messages acked.
    let eppd = start(
        &eppd(),
        &[
            "--demo",
            "--data-dir",
            data_s,
            "--listen",
            "127.0.0.1:0",
            "--log-level",
            "warn",
        ],
    );
    let pid = eppd.child.id().to_string();
    let ca = data.join("ca.pem");
    let v = run(
        &dir,
        "eppd-tls-mix",
        &[
            "--connect",
            &eppd.addr,
            "--tls",
            "--ca-file",
            ca.to_str().unwrap(),
            "--sessions",
            "3",
            "--duration",
            "2",
            "--pattern",
            "mix",
            "--pid",
            &pid,
            "--rss-every",
            "0.5",
        ],
    );
    check_common(&v, 3);
    assert_eq!(v["tls"], true);
    for kind in ["hello", "poll-req", "domain-check"] {
        assert!(responses(&v, kind) > 0, "{kind}: {v}");
    }
    // The demo registrar's three messages: each acked once (a message polled by several
    // sessions at once may be acked twice: 2303 the second time).
    assert!(responses(&v, "poll-ack") >= 3, "{v}");
    let codes = v["error_codes"].as_object().unwrap();
    assert!(codes.keys().all(|c| c == "2303"), "{v}");
    assert!(v["rss_kib"]["logged_in"].as_u64().unwrap() > 0, "{v}");
    assert!(!v["rss_series"].as_array().unwrap().is_empty(), "{v}");
    drop(eppd);

    // The floor over TLS with eppd's demo certificate: pipelined hellos on one connection.
    let floor = start(
        &loadgen(),
        &[
            "floor",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            data.join("server.pem").to_str().unwrap(),
            "--tls-key",
            data.join("server-key.pem").to_str().unwrap(),
        ],
    );
    let v = run(
        &dir,
        "floor-tls-hello",
        &[
            "--connect",
            &floor.addr,
            "--tls",
            "--ca-file",
            ca.to_str().unwrap(),
            "--duration",
            "1.5",
            "--pattern",
            "hello",
            "--pipeline",
            "8",
        ],
    );
    check_common(&v, 1);
    assert_eq!(
        v["responses"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["hello"]
    );
    drop(floor);

    // The plain floor: the mix over a few sessions (every response a 1000).
    let floor = start(&loadgen(), &["floor", "--listen", "127.0.0.1:0"]);
    let v = run(
        &dir,
        "floor-plain-mix",
        &[
            "--connect",
            &floor.addr,
            "--sessions",
            "4",
            "--duration",
            "1.5",
            "--pipeline",
            "2",
        ],
    );
    check_common(&v, 4);
    for kind in ["hello", "poll-req", "domain-check"] {
        assert!(responses(&v, kind) > 0, "{kind}: {v}");
    }
    assert_eq!(responses(&v, "poll-ack"), 0, "{v}");
    assert!(v["error_codes"].as_object().unwrap().is_empty(), "{v}");
    drop(floor);
    let _ = std::fs::remove_dir_all(&dir);
}
