//! End-to-end tests of `eppd client`: the binary drives `eppd --plain` (on 127.0.0.1 port 0)
//! through greeting, login, hello, poll request and ack, an object command and logout, with
//! documents from files and from stdin; exit statuses for a bad password, a missing file, a
//! bad document and an unreachable server; and TLS against a rustls terminator (certificates
//! made by rcgen at test time) in front of eppd.
//!
//! Every process is killed when its test ends and every wait is bounded.

mod common;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{Eppd, DOMAIN, SECDNS};
use epp::client::{parse_server_frame, ServerFrame};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------------
// running `eppd client`

struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Each answer printed: its line, and the XML after it (eppd writes one-line XML).
    fn answers(&self) -> Vec<(String, String)> {
        let lines: Vec<&str> = self.stdout.lines().collect();
        assert!(
            lines.len().is_multiple_of(2),
            "odd output:\n{}",
            self.stdout
        );
        lines
            .chunks(2)
            .map(|p| (p[0].to_owned(), p[1].to_owned()))
            .collect()
    }

    fn lines(&self) -> Vec<String> {
        self.answers().into_iter().map(|(l, _)| l).collect()
    }

    fn code(&self) -> Option<i32> {
        self.status.code()
    }

    fn report(&self) -> String {
        format!(
            "status {}\n--- stdout:\n{}--- stderr:\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// Runs `eppd client ARGS` with `stdin`, killed after [`CLIENT_TIMEOUT`].
fn client(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_eppd"))
        .arg("client")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start eppd client");
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let writer = thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let out = read_to_end(child.stdout.take().unwrap());
    let err = read_to_end(child.stderr.take().unwrap());
    let deadline = Instant::now() + CLIENT_TIMEOUT;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "eppd client {args:?} did not finish in {CLIENT_TIMEOUT:?}; stderr:\n{}",
                String::from_utf8_lossy(&err.join().unwrap())
            );
        }
        thread::sleep(Duration::from_millis(10));
    };
    let _ = writer.join();
    // The pipes end with the process (it starts no other).
    let text =
        |t: thread::JoinHandle<Vec<u8>>| String::from_utf8_lossy(&t.join().unwrap()).into_owned();
    Run {
        status,
        stdout: text(out),
        stderr: text(err),
    }
}

fn read_to_end<R: Read + Send + 'static>(mut r: R) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut v = Vec::new();
        let _ = r.read_to_end(&mut v);
        v
    })
}

/// A scratch directory removed at the end of the test.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("eppd-client-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }

    /// Writes `content` to `name`; returns the path as a string.
    fn file(&self, name: &str, content: &str) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, content).unwrap();
        p.to_str().unwrap().to_owned()
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_owned()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn epp(inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n\
         <epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">\n  {inner}\n</epp>\n"
    )
}

fn hello_doc() -> String {
    epp("<hello/>")
}

fn poll_req_doc() -> String {
    epp("<command><poll op=\"req\"/></command>")
}

fn poll_ack_doc(id: &str, cl_trid: &str) -> String {
    epp(&format!(
        "<command><poll op=\"ack\" msgID=\"{id}\"/><clTRID>{cl_trid}</clTRID></command>"
    ))
}

/// A domain check with its namespace declared on `<epp>`, as RFC examples are often written.
fn check_doc(cl_trid: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n\
         <epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\" xmlns:domain=\"{DOMAIN}\">\n\
         <command>\n\
         <check>\n<domain:check>\n<domain:name>example.test</domain:name>\n</domain:check>\n</check>\n\
         <clTRID>{cl_trid}</clTRID>\n\
         </command>\n</epp>\n"
    )
}

/// A domain update with a secDNS extension, both namespaces declared on `<epp>`.
fn update_doc() -> String {
    format!(
        "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\" xmlns:domain=\"{DOMAIN}\"\n\
         \x20    xmlns:secDNS=\"{SECDNS}\"><command><update><domain:update>\
         <domain:name>example.test</domain:name></domain:update></update><extension>\
         <secDNS:update><secDNS:rem><secDNS:all>true</secDNS:all></secDNS:rem></secDNS:update>\
         </extension><clTRID>U-1</clTRID></command></epp>"
    )
}

fn logout_doc(cl_trid: &str) -> String {
    epp(&format!(
        "<command><logout/><clTRID>{cl_trid}</clTRID></command>"
    ))
}

fn login_doc(clid: &str, new_pw: &str, cl_trid: &str) -> String {
    epp(&format!(
        "<command><login><clID>{clid}</clID><pw>not-this-one</pw><newPW>{new_pw}</newPW>\
         <options><version>1.0</version><lang>en</lang></options>\
         <svcs><objURI>{DOMAIN}</objURI></svcs></login><clTRID>{cl_trid}</clTRID></command>"
    ))
}

/// The msgQ id in a printed poll response.
fn msg_id(xml: &str) -> String {
    match parse_server_frame(xml.as_bytes()) {
        Ok(ServerFrame::Response(r)) => r.message_queue.expect("a msgQ").id,
        other => panic!("{other:?}"),
    }
}

fn eppd() -> Eppd {
    Eppd::start(&[
        "--registrar",
        "registrar1:secret-pw1",
        "--message",
        "registrar1:first message",
        "--message",
        "registrar1:second message",
    ])
}

// ---------------------------------------------------------------------------------------------
// plain TCP

#[test]
fn a_session_from_files_then_from_stdin() {
    let eppd = eppd();
    let addr = eppd.addr.to_string();
    let dir = Dir::new("session");
    let pw = dir.file("pw", "secret-pw1\n");
    let hello = dir.file("hello.xml", &hello_doc());
    let poll = dir.file("poll.xml", &poll_req_doc());
    let check = dir.file("check.xml", &check_doc("C-1"));
    let update = dir.file("update.xml", &update_doc());

    let base = [
        "--connect",
        &addr,
        "--plain",
        "--clid",
        "registrar1",
        "--password-file",
        &pw,
    ];
    let run = client(
        &[&base[..], &[&hello, &poll, &check, &update]].concat(),
        b"",
    );
    assert_eq!(run.code(), Some(0), "{}", run.report());
    assert_eq!(
        run.lines(),
        [
            "1000 Command completed successfully",
            "greeting eppd",
            "1301 Command completed successfully; ack to dequeue",
            "2101 Unimplemented command",
            "2101 Unimplemented command",
            "1500 Command completed successfully; ending session",
        ],
        "{}",
        run.report()
    );
    let answers = run.answers();
    assert!(answers[1].1.contains("<greeting>"), "{}", run.report());
    // The extension went out with the update: the login asked for every service the greeting
    // offers, secDNS among them.
    assert!(
        answers[4].1.contains("<clTRID>U-1</clTRID>"),
        "{}",
        run.report()
    );
    assert!(answers[2].1.contains("first message"), "{}", run.report());
    assert!(
        answers[3].1.contains("<clTRID>C-1</clTRID>"),
        "the user's clTRID: {}",
        run.report()
    );
    let id = msg_id(&answers[2].1);

    // From stdin: ack, poll, and an explicit logout (no second logout follows it).
    let stdin = [
        poll_ack_doc(&id, "A-1"),
        "---\n".into(),
        poll_req_doc(),
        "---\n".into(),
        logout_doc("O-1"),
    ]
    .concat();
    let run = client(&base, stdin.as_bytes());
    assert_eq!(run.code(), Some(0), "{}", run.report());
    assert_eq!(
        run.lines(),
        [
            "1000 Command completed successfully",
            "1000 Command completed successfully",
            "1301 Command completed successfully; ack to dequeue",
            "1500 Command completed successfully; ending session",
        ],
        "{}",
        run.report()
    );
    let answers = run.answers();
    assert!(
        answers[1].1.contains("<clTRID>A-1</clTRID>"),
        "{}",
        run.report()
    );
    assert!(answers[2].1.contains("second message"), "{}", run.report());
    assert!(
        answers[3].1.contains("<clTRID>O-1</clTRID>"),
        "{}",
        run.report()
    );

    let log = eppd.wait_log("cmd=logout code=1500 clTRID=O-1");
    for line in [
        "cmd=login code=1000 clTRID=registrar1-1",
        "cmd=hello code=greeting",
        "cmd=poll-req code=1301",
        "cmd=check code=2101 clTRID=C-1",
        "cmd=update code=2101 clTRID=U-1",
        "cmd=poll-ack code=1000 clTRID=A-1",
    ] {
        assert!(log.contains(line), "log lacks {line:?}:\n{log}");
    }
    assert_eq!(log.matches("cmd=logout").count(), 2, "{log}");
    assert!(!log.contains("secret-pw1"), "{log}");
}

#[test]
fn a_login_document_and_a_password_from_stdin() {
    let eppd = eppd();
    let addr = eppd.addr.to_string();
    let dir = Dir::new("login");
    let login = dir.file("login.xml", &login_doc("registrar1", "changed-pw1", "L-9"));
    let check = dir.file("check.xml", &check_doc("C-2"));

    // The password from stdin; the login document's clTRID and new password.
    let args = [
        "--connect",
        &addr,
        "--plain",
        "--clid",
        "registrar1",
        "--password-file",
        "-",
        &login,
        &check,
    ];
    let run = client(&args, b"secret-pw1\n");
    assert_eq!(run.code(), Some(0), "{}", run.report());
    assert_eq!(
        run.lines(),
        [
            "1000 Command completed successfully",
            "2101 Unimplemented command",
            "1500 Command completed successfully; ending session",
        ],
        "{}",
        run.report()
    );
    assert!(
        run.answers()[0].1.contains("<clTRID>L-9</clTRID>"),
        "{}",
        run.report()
    );

    // The old password no longer works; the new one does.
    let old = dir.file("old", "secret-pw1");
    let new = dir.file("new", "changed-pw1");
    for (pw, want) in [(&old, 1), (&new, 0)] {
        let run = client(
            &[
                "--connect",
                &addr,
                "--plain",
                "--clid",
                "registrar1",
                "--password-file",
                pw,
                &check,
            ],
            b"",
        );
        assert_eq!(run.code(), Some(want), "{}", run.report());
        if want == 1 {
            assert_eq!(
                run.lines(),
                ["2200 Authentication error"],
                "{}",
                run.report()
            );
        }
    }

    // A login can only come first, for --clid.
    let run = client(
        &[
            "--connect",
            &addr,
            "--plain",
            "--clid",
            "registrar1",
            "--password-file",
            &new,
            &check,
            &login,
        ],
        b"",
    );
    assert_eq!(run.code(), Some(2), "{}", run.report());
    assert!(
        run.stderr.contains("only be the first document"),
        "{}",
        run.report()
    );
    let run = client(
        &[
            "--connect",
            &addr,
            "--plain",
            "--clid",
            "registrar2",
            "--password-file",
            &new,
            &login,
        ],
        b"",
    );
    assert_eq!(run.code(), Some(2), "{}", run.report());
    assert!(run.stderr.contains("not --clid"), "{}", run.report());
    drop(eppd);
}

#[test]
fn a_bad_password_fails_with_the_result_code() {
    let eppd = eppd();
    let addr = eppd.addr.to_string();
    let dir = Dir::new("badpw");
    let pw = dir.file("pw", "wrong-pass1\n");
    let check = dir.file("check.xml", &check_doc("C-1"));
    let run = client(
        &[
            "--connect",
            &addr,
            "--plain",
            "--clid",
            "registrar1",
            "--password-file",
            &pw,
            &check,
        ],
        b"",
    );
    assert_eq!(run.code(), Some(1), "{}", run.report());
    assert_eq!(
        run.lines(),
        ["2200 Authentication error"],
        "{}",
        run.report()
    );
    assert!(
        run.stderr
            .contains("login failed: 2200 Authentication error"),
        "{}",
        run.report()
    );
    assert!(!run.stderr.contains("wrong-pass1") && !run.stdout.contains("wrong-pass1"));
    // The document was not sent.
    let log = eppd.wait_log("cmd=login code=2200");
    assert!(!log.contains("cmd=check"), "{log}");
}

#[test]
fn bad_input_fails_before_connecting() {
    // Nothing listens there: bad input must be found before any connection is tried.
    let addr = unused_address().to_string();
    let dir = Dir::new("input");
    let pw = dir.file("pw", "secret-pw1\n");
    let check = dir.file("check.xml", &check_doc("C-1"));
    let missing = dir.path("missing.xml");
    let not_epp = dir.file("not-epp.xml", "<epp><hello/></epp>");
    let broken = dir.file(
        "broken.xml",
        "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command>",
    );
    let base = [
        "--connect",
        addr.as_str(),
        "--plain",
        "--clid",
        "registrar1",
    ];
    for (extra, why) in [
        (
            vec!["--password-file", &pw, &check, &missing],
            format!("cannot read {missing}"),
        ),
        (
            vec!["--password-file", &pw, &not_epp],
            format!("{not_epp}: not an EPP command document"),
        ),
        (
            vec!["--password-file", &pw, &broken],
            "ends inside <command>".into(),
        ),
        (
            vec!["--password-file", &missing, &check],
            "cannot read the password file".into(),
        ),
        (
            vec!["--password-file", "-"],
            "give the documents as FILEs".into(),
        ),
    ] {
        let run = client(&[&base[..], &extra].concat(), b"");
        assert_eq!(run.code(), Some(2), "{extra:?}: {}", run.report());
        assert!(
            run.stderr.contains(&why),
            "{extra:?}: want {why:?}: {}",
            run.report()
        );
        assert!(run.stdout.is_empty(), "{}", run.report());
    }
    // A document on stdin that is not EPP is named by its place.
    let stdin = format!("{}---\n<frob/>\n", hello_doc());
    let run = client(
        &[&base[..], &["--password-file", &pw]].concat(),
        stdin.as_bytes(),
    );
    assert_eq!(run.code(), Some(2), "{}", run.report());
    assert!(run.stderr.contains("stdin document 2"), "{}", run.report());
    // Flags clap refuses.
    let run = client(
        &[
            "--connect",
            &addr,
            "--clid",
            "registrar1",
            "--password-file",
            &pw,
        ],
        b"",
    );
    assert_eq!(
        run.code(),
        Some(2),
        "neither --plain nor --ca-file: {}",
        run.report()
    );
}

#[test]
fn an_unreachable_server() {
    let addr = unused_address().to_string();
    let dir = Dir::new("unreachable");
    let pw = dir.file("pw", "secret-pw1\n");
    let check = dir.file("check.xml", &check_doc("C-1"));
    let run = client(
        &[
            "--connect",
            &addr,
            "--plain",
            "--clid",
            "registrar1",
            "--password-file",
            &pw,
            &check,
        ],
        b"",
    );
    assert_eq!(run.code(), Some(3), "{}", run.report());
    assert!(
        run.stderr.contains(&format!("cannot connect to {addr}")),
        "{}",
        run.report()
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn a_document_the_engine_refuses_still_logs_out_and_fails() {
    let eppd = eppd();
    let addr = eppd.addr.to_string();
    let dir = Dir::new("refused");
    let pw = dir.file("pw", "secret-pw1\n");
    // An object namespace the server does not offer, so the session did not log in with it.
    let widget = dir.file(
        "widget.xml",
        &epp("<command><info><w:info xmlns:w=\"urn:example:widget-1.0\"><w:id>1</w:id></w:info></info></command>"),
    );
    let check = dir.file("check.xml", &check_doc("C-1"));
    let run = client(
        &[
            "--connect",
            &addr,
            "--plain",
            "--clid",
            "registrar1",
            "--password-file",
            &pw,
            &widget,
            &check,
        ],
        b"",
    );
    assert_eq!(run.code(), Some(1), "{}", run.report());
    assert_eq!(
        run.lines(),
        [
            "1000 Command completed successfully",
            "1500 Command completed successfully; ending session",
        ],
        "nothing after the refused document is sent; the session logs out: {}",
        run.report()
    );
    assert!(
        run.stderr.contains("widget.xml: not sent")
            && run.stderr.contains("urn:example:widget-1.0"),
        "{}",
        run.report()
    );
}

/// A port nothing listens on (bound, then released).
fn unused_address() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

// ---------------------------------------------------------------------------------------------
// TLS: a rustls terminator in front of eppd (which serves plain TCP only in this branch)

struct Pki {
    ca_pem: String,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: PrivatePkcs8KeyDer<'static>,
    client_cert_pem: String,
    client_key_pem: String,
}

/// A CA; a server certificate for localhost and 127.0.0.1; a client certificate.
fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().unwrap();
    let server_cert = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();
    let client_key = KeyPair::generate().unwrap();
    let client_cert = CertificateParams::new(vec!["registrar1.test".into()])
        .unwrap()
        .signed_by(&client_key, &issuer)
        .unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        server_chain: vec![server_cert.der().clone()],
        server_key: PrivatePkcs8KeyDer::from(server_key.serialize_der()),
        client_cert_pem: client_cert.pem(),
        client_key_pem: client_key.serialize_pem(),
    }
}

/// Accepts TLS on 127.0.0.1 and relays each connection to `backend` in plain TCP. Stops when
/// dropped.
struct TlsTerminator {
    addr: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for TlsTerminator {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl TlsTerminator {
    fn start(pki: &Pki, backend: SocketAddr, require_client_cert: bool) -> TlsTerminator {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .unwrap();
        let builder = if require_client_cert {
            let mut roots = rustls::RootCertStore::empty();
            roots
                .add(CertificateDer::from_pem_slice(pki.ca_pem.as_bytes()).unwrap())
                .unwrap();
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .unwrap();
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let config = builder
            .with_single_cert(
                pki.server_chain.clone(),
                PrivateKeyDer::Pkcs8(pki.server_key.clone_key()),
            )
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(Ok(mut tls)) =
                        tokio::time::timeout(common::IO_TIMEOUT, acceptor.accept(tcp)).await
                    else {
                        return;
                    };
                    let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        TlsTerminator {
            addr,
            runtime: Some(runtime),
        }
    }
}

#[test]
fn tls_with_a_ca_file() {
    let eppd = eppd();
    let pki = pki();
    let tls = TlsTerminator::start(&pki, eppd.addr, false);
    let dir = Dir::new("tls");
    let pw = dir.file("pw", "secret-pw1\n");
    let ca = dir.file("ca.pem", &pki.ca_pem);
    let hello = dir.file("hello.xml", &hello_doc());
    let check = dir.file("check.xml", &check_doc("C-1"));
    let port = tls.addr.port();
    // By name and by address (the certificate holds both).
    for host in ["localhost", "127.0.0.1"] {
        let connect = format!("{host}:{port}");
        let run = client(
            &[
                "--connect",
                &connect,
                "--ca-file",
                &ca,
                "--clid",
                "registrar1",
                "--password-file",
                &pw,
                &hello,
                &check,
            ],
            b"",
        );
        assert_eq!(run.code(), Some(0), "{host}: {}", run.report());
        assert_eq!(
            run.lines(),
            [
                "1000 Command completed successfully",
                "greeting eppd",
                "2101 Unimplemented command",
                "1500 Command completed successfully; ending session",
            ],
            "{}",
            run.report()
        );
    }

    // A CA that did not sign the server's certificate: no connection.
    let other = dir.file("other-ca.pem", &self::pki().ca_pem);
    let connect = format!("localhost:{port}");
    let run = client(
        &[
            "--connect",
            &connect,
            "--ca-file",
            &other,
            "--clid",
            "registrar1",
            "--password-file",
            &pw,
            &check,
        ],
        b"",
    );
    assert_eq!(run.code(), Some(3), "{}", run.report());
    assert!(run.stderr.contains("TLS handshake"), "{}", run.report());
    // A name the certificate does not hold.
    let run = client(
        &[
            "--connect",
            &connect,
            "--ca-file",
            &ca,
            "--server-name",
            "epp.example",
            "--clid",
            "registrar1",
            "--password-file",
            &pw,
            &check,
        ],
        b"",
    );
    assert_eq!(run.code(), Some(3), "{}", run.report());
    // A CA file that holds no certificate: bad input.
    let empty = dir.file("empty.pem", "");
    let run = client(
        &[
            "--connect",
            &connect,
            "--ca-file",
            &empty,
            "--clid",
            "registrar1",
            "--password-file",
            &pw,
            &check,
        ],
        b"",
    );
    assert_eq!(run.code(), Some(2), "{}", run.report());
    assert!(
        run.stderr.contains("no PEM certificate"),
        "{}",
        run.report()
    );
}

#[test]
fn tls_with_a_client_certificate() {
    let eppd = eppd();
    let pki = pki();
    let tls = TlsTerminator::start(&pki, eppd.addr, true);
    let dir = Dir::new("tls-client");
    let pw = dir.file("pw", "secret-pw1\n");
    let ca = dir.file("ca.pem", &pki.ca_pem);
    let cert = dir.file("client.pem", &pki.client_cert_pem);
    let key = dir.file("client.key", &pki.client_key_pem);
    let check = dir.file("check.xml", &check_doc("C-1"));
    let connect = format!("localhost:{}", tls.addr.port());
    let base = [
        "--connect",
        &connect,
        "--ca-file",
        &ca,
        "--clid",
        "registrar1",
        "--password-file",
        &pw,
    ];
    let run = client(
        &[
            &base[..],
            &["--cert-file", &cert, "--key-file", &key, &check],
        ]
        .concat(),
        b"",
    );
    assert_eq!(run.code(), Some(0), "{}", run.report());
    assert_eq!(run.lines().len(), 3, "{}", run.report());

    // Without it the server refuses the connection.
    let run = client(
        &[&base[..], &[check.as_str(), "--timeout", "5"]].concat(),
        b"",
    );
    assert_eq!(run.code(), Some(3), "{}", run.report());
    assert!(run.stdout.is_empty(), "{}", run.report());
    assert!(
        run.stderr.contains("CertificateRequired"),
        "{}",
        run.report()
    );
}
