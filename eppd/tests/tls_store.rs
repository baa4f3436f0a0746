//! eppd over TLS (RFC 5734) with its embedded store: the demo CA, certificate files, client
//! certificates bound to registrars, the administration commands beside a running server, and
//! durability of the message queue across SIGKILL. Loopback only; every wait is bounded.

mod common;

use common::store::*;

fn demo(dir: &TempDir, extra: &[&str]) -> Eppd {
    let d = dir.path().to_str().unwrap();
    let mut args = vec!["--demo", "--data-dir", d, "--listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    Eppd::start(&args)
}

fn add_registrar(dir: &TempDir, clid: &str, pw: &str) {
    let d = dir.path().to_str().unwrap();
    let out = eppd_ok(
        &[
            "--data-dir",
            d,
            "registrar",
            "add",
            clid,
            "--password-file",
            "-",
        ],
        &format!("{pw}\n"),
    );
    assert!(out.contains(&format!("registrar {clid} added")), "{out}");
}

#[test]
fn demo_serves_tls_with_a_generated_ca_that_is_reused() {
    let dir = TempDir::new("demo");
    let mut eppd = demo(&dir, &[]);
    let ca = dir.join("ca.pem");
    assert!(ca.is_file(), "the demo CA is written to the data directory");
    let log = eppd.wait_log("Stop with Ctrl-C");
    for part in [
        "serving EPP over TLS",
        ca.to_str().unwrap(),
        "SSL_ca_file",
        "ca_file",
        "demo-registrar",
        "demo-pass1",
    ] {
        assert!(log.contains(part), "{part:?} not in the demo help:\n{log}");
    }
    let trust = tls_client(&ca, None);
    let mut c = Client::tls(eppd.addr, &trust).open();
    assert_eq!(code(&c.login("demo-registrar", "demo-pass1")), 1000);
    let r = c.call(&poll_req("P-1"));
    assert_eq!(code(&r), 1301, "{r}");
    assert_eq!(msg_count(&r), 3);
    assert_eq!(code(&c.call(&logout("O-1"))), 1500);
    c.expect_closed();
    eppd.wait_log("cipher=TLS13");

    // Restarted: the same CA (clients keep trusting it), the same queue (not queued again).
    let ca_bytes = std::fs::read(&ca).unwrap();
    eppd.kill_hard();
    let eppd = demo(&dir, &[]);
    assert_eq!(std::fs::read(&ca).unwrap(), ca_bytes, "ca.pem is reused");
    assert!(eppd.log().contains("reused"), "{}", eppd.log());
    let mut c = Client::tls(eppd.addr, &trust).open();
    assert_eq!(code(&c.login("demo-registrar", "demo-pass1")), 1000);
    assert_eq!(msg_count(&c.call(&poll_req("P-2"))), 3);

    // A client that does not trust the demo CA fails the handshake.
    let other = TempDir::new("other-ca");
    let stranger = other.write("ca.pem", &TestCa::new("someone else").pem);
    let mut c = Client::tls(eppd.addr, &tls_client(&stranger, None));
    assert!(c.try_recv().is_err(), "handshake with an unknown CA");
}

#[test]
fn demo_plain_serves_plain_tcp() {
    let dir = TempDir::new("demo-plain");
    let eppd = demo(&dir, &["--plain"]);
    assert!(!dir.join("ca.pem").exists(), "no CA for plain TCP");
    let mut c = Client::plain(eppd.addr).open();
    assert_eq!(code(&c.login("demo-registrar", "demo-pass1")), 1000);
    assert!(eppd.log().contains("plain TCP"));
}

#[test]
fn tls_with_certificate_files() {
    let dir = TempDir::new("tls-files");
    let ca = TestCa::new("test server CA");
    let (cert, key) = ca.server();
    let cert = dir.write("cert.pem", &cert);
    let key = dir.write("key.pem", &key);
    let ca_file = dir.write("ca.pem", &ca.pem);
    add_registrar(&dir, "registrar1", "secret-pw1");
    let eppd = Eppd::start(&[
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    let mut c = Client::tls(eppd.addr, &tls_client(&ca_file, None)).open();
    assert_eq!(code(&c.login("registrar1", "secret-pw1")), 1000);
    assert!(c.call(&hello()).contains("<greeting>"));
    assert_eq!(code(&c.call(&poll_req("P-1"))), 1300);
    assert_eq!(code(&c.call(&logout("O-1"))), 1500);
    c.expect_closed();
    assert!(!dir.join("server.pem").exists(), "no demo certificate");

    // A key that is not the certificate's: refused at start, with a reason.
    let (_, other_key) = ca.server();
    let other_key = dir.write("other-key.pem", &other_key);
    let out = eppd_command(
        &[
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            other_key.to_str().unwrap(),
        ],
        "",
    );
    assert!(!out.ok && out.stdout.is_empty(), "{}", out.stdout);
    assert!(out.stderr.contains("do not go together"), "{}", out.stderr);
}

#[test]
fn client_certificates_bind_registrars() {
    let dir = TempDir::new("client-certs");
    let d = dir.path().to_str().unwrap();
    let clients = TestCa::new("registrar CA");
    let client_ca = dir.write("clients.pem", &clients.pem);
    let (a_cert, a_key) = clients.client("registrar1");
    let (b_cert, b_key) = clients.client("registrar1"); // same subject, another key
    let (c_cert, c_key) = clients.client("intruder");
    let a_file = dir.write("a.pem", &a_cert);
    let b_file = dir.write("b.pem", &b_cert);
    add_registrar(&dir, "registrar1", "secret-pw1");
    add_registrar(&dir, "registrar2", "secret-pw2");
    let out = eppd_ok(
        &[
            "--data-dir",
            d,
            "registrar",
            "bind-cert",
            "registrar1",
            "--cert",
            a_file.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.contains("bound to sha256:"), "{out}");

    let eppd = demo(&dir, &["--client-ca", client_ca.to_str().unwrap()]);
    let ca = dir.join("ca.pem");
    let with = |cert: &str, key: &str| tls_client(&ca, Some((cert, key)));

    // The bound certificate logs in.
    let mut c = Client::tls(eppd.addr, &with(&a_cert, &a_key)).open();
    assert_eq!(code(&c.login("registrar1", "secret-pw1")), 1000);
    assert_eq!(code(&c.call(&logout("O-1"))), 1500);

    // Another certificate of the same CA, with the right password: 2200, logged.
    let mut c = Client::tls(eppd.addr, &with(&b_cert, &b_key)).open();
    let r = c.login("registrar1", "secret-pw1");
    assert_eq!(code(&r), 2200, "{r}");
    let log = eppd.wait_log("does not match the registrar's binding");
    assert!(log.contains("clID=registrar1 login refused: client certificate sha256:"));
    assert!(log.contains("client-cert=sha256:"), "{log}");
    // An unbound registrar logs in over any certificate the CA signed.
    assert_eq!(code(&c.login("registrar2", "secret-pw2")), 1000);

    // No certificate, or one from another CA: no TLS session at all.
    let mut c = Client::tls(eppd.addr, &tls_client(&ca, None));
    assert!(c.try_recv().is_err(), "a client without a certificate");
    let rogue = TestCa::new("rogue CA");
    let (r_cert, r_key) = rogue.client("registrar1");
    let mut c = Client::tls(eppd.addr, &with(&r_cert, &r_key));
    assert!(c.try_recv().is_err(), "a certificate from another CA");

    // Bound by subject (while the server runs): both registrar1 certificates, not the intruder.
    let out = eppd_ok(
        &[
            "--data-dir",
            d,
            "registrar",
            "bind-cert",
            "registrar1",
            "--cert",
            b_file.to_str().unwrap(),
            "--by-subject",
        ],
        "",
    );
    assert!(out.contains("bound to subject:CN=registrar1"), "{out}");
    for (cert, key, want) in [
        (&a_cert, &a_key, 1000),
        (&b_cert, &b_key, 1000),
        (&c_cert, &c_key, 2200),
    ] {
        let mut c = Client::tls(eppd.addr, &with(cert, key)).open();
        assert_eq!(code(&c.login("registrar1", "secret-pw1")), want);
    }
    let list = eppd_ok(&["--data-dir", d, "registrar", "list"], "");
    assert!(list.contains("subject:CN=registrar1"), "{list}");
}

#[test]
fn administration_beside_a_running_server() {
    let dir = TempDir::new("admin");
    let d = dir.path().to_str().unwrap();
    let pw_file = dir.write("pw", "secret-pw1\n");
    eppd_ok(
        &[
            "--data-dir",
            d,
            "registrar",
            "add",
            "registrar1",
            "--password-file",
            pw_file.to_str().unwrap(),
        ],
        "",
    );
    let again = eppd_command(
        &[
            "--data-dir",
            d,
            "registrar",
            "add",
            "registrar1",
            "--password-file",
            "-",
        ],
        "other-pw1\n",
    );
    assert!(
        !again.ok && again.stderr.contains("exists already"),
        "{}",
        again.stderr
    );
    let short = eppd_command(
        &[
            "--data-dir",
            d,
            "registrar",
            "add",
            "reg9",
            "--password-file",
            "-",
        ],
        "short\n",
    );
    assert!(
        !short.ok && short.stderr.contains("6 to 128"),
        "{}",
        short.stderr
    );

    let eppd = Eppd::start(&["--data-dir", d, "--listen", "127.0.0.1:0", "--plain"]);
    let login = |pw: &str| code(&Client::plain(eppd.addr).open().login("registrar1", pw));
    assert_eq!(login("secret-pw1"), 1000);

    // Disabled: 2201 (with the right password), then enabled again.
    eppd_ok(&["--data-dir", d, "registrar", "disable", "registrar1"], "");
    assert_eq!(login("secret-pw1"), 2201);
    assert_eq!(login("wrong-pw1"), 2200);
    let list = eppd_ok(&["--data-dir", d, "registrar", "list"], "");
    assert!(
        list.contains("registrar1") && list.contains("disabled"),
        "{list}"
    );
    eppd_ok(&["--data-dir", d, "registrar", "enable", "registrar1"], "");
    assert_eq!(login("secret-pw1"), 1000);

    // A new password.
    eppd_ok(
        &[
            "--data-dir",
            d,
            "registrar",
            "passwd",
            "registrar1",
            "--password-file",
            "-",
        ],
        "changed-pw1\n",
    );
    assert_eq!(login("secret-pw1"), 2200);
    assert_eq!(login("changed-pw1"), 1000);

    // The registrar's own session limit.
    eppd_ok(
        &["--data-dir", d, "registrar", "limit", "registrar1", "1"],
        "",
    );
    let mut a = Client::plain(eppd.addr).open();
    assert_eq!(code(&a.login("registrar1", "changed-pw1")), 1000);
    let mut b = Client::plain(eppd.addr).open();
    assert_eq!(code(&b.login("registrar1", "changed-pw1")), 2502);
    b.expect_closed();
    let list = eppd_ok(&["--data-dir", d, "registrar", "list"], "");
    let line = list.lines().find(|l| l.starts_with("registrar1")).unwrap();
    assert_eq!(
        line.split_whitespace().collect::<Vec<_>>()[..5],
        ["registrar1", "enabled", "1", "1", "0"],
        "{list}"
    );
    eppd_ok(
        &["--data-dir", d, "registrar", "limit", "registrar1", "none"],
        "",
    );
    let mut b = Client::plain(eppd.addr).open();
    assert_eq!(code(&b.login("registrar1", "changed-pw1")), 1000);

    // Messages queued while the server runs reach the session at its next poll.
    assert_eq!(code(&a.call(&poll_req("P-1"))), 1300);
    let out = eppd_ok(
        &[
            "--data-dir",
            d,
            "message",
            "add",
            "registrar1",
            "--text",
            "Pay <now> & then",
        ],
        "",
    );
    assert!(
        out.starts_with("message ") && out.contains("queued for registrar1"),
        "{out}"
    );
    let res = dir.write(
        "res.xml",
        "<domain:trnData xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\">\
         <domain:name>example.test</domain:name><domain:trStatus>pending</domain:trStatus>\
         </domain:trnData>\n",
    );
    eppd_ok(
        &[
            "--data-dir",
            d,
            "message",
            "add",
            "registrar1",
            "--file",
            res.to_str().unwrap(),
        ],
        "",
    );
    let bad = dir.write("bad.xml", "<unclosed>");
    let refused = eppd_command(
        &[
            "--data-dir",
            d,
            "message",
            "add",
            "registrar1",
            "--file",
            bad.to_str().unwrap(),
        ],
        "",
    );
    assert!(
        !refused.ok,
        "malformed resData is refused: {}",
        refused.stdout
    );
    let nobody = eppd_command(
        &["--data-dir", d, "message", "add", "nobody", "--text", "x"],
        "",
    );
    assert!(!nobody.ok && nobody.stderr.contains("no registrar nobody"));

    let r = a.call(&poll_req("P-2"));
    assert_eq!(code(&r), 1301, "{r}");
    assert_eq!(msg_count(&r), 2);
    assert_eq!(msg_text(&r), "Pay &lt;now&gt; &amp; then");
    assert_eq!(code(&a.call(&poll_ack(&msg_id(&r), "A-1"))), 1000);
    let r = b.call(&poll_req("P-3"));
    assert_eq!(code(&r), 1301, "{r}");
    assert!(
        r.contains("<resData>") && r.contains("<domain:name>example.test</domain:name>"),
        "{r}"
    );
    assert_eq!(msg_text(&r), "Service message (see resData)");
}

/// SIGKILL between a poll req and its ack: after a restart the message is still there with
/// the same id; once acked it never comes back, and ids stay unique across restarts.
#[test]
fn the_queue_survives_sigkill() {
    let dir = TempDir::new("durable");
    let d = dir.path().to_str().unwrap();
    add_registrar(&dir, "registrar1", "secret-pw1");
    for text in ["durable one", "durable two"] {
        eppd_ok(
            &[
                "--data-dir",
                d,
                "message",
                "add",
                "registrar1",
                "--text",
                text,
            ],
            "",
        );
    }
    let open = |eppd: &Eppd| {
        let trust = tls_client(&dir.join("ca.pem"), None);
        let mut c = Client::tls(eppd.addr, &trust).open();
        assert_eq!(code(&c.login("registrar1", "secret-pw1")), 1000);
        c
    };

    let mut eppd = demo(&dir, &[]);
    let mut c = open(&eppd);
    let r = c.call(&poll_req("P-1"));
    assert_eq!((msg_count(&r), msg_text(&r).as_str()), (2, "durable one"));
    let id1 = msg_id(&r);
    eppd.kill_hard();

    let mut eppd = demo(&dir, &[]);
    let mut c = open(&eppd);
    let r = c.call(&poll_req("P-2"));
    assert_eq!(msg_id(&r), id1, "the same message, with the same id");
    assert_eq!((msg_count(&r), msg_text(&r).as_str()), (2, "durable one"));
    let r = c.call(&poll_ack(&id1, "A-1"));
    assert_eq!((code(&r), msg_count(&r)), (1000, 1));
    // Killed right after the ack was answered.
    eppd.kill_hard();

    let mut eppd = demo(&dir, &[]);
    let mut c = open(&eppd);
    let r = c.call(&poll_req("P-3"));
    assert_eq!((msg_count(&r), msg_text(&r).as_str()), (1, "durable two"));
    let id2 = msg_id(&r);
    assert_ne!(id2, id1);
    assert_eq!(
        code(&c.call(&poll_ack(&id1, "A-2"))),
        2303,
        "acked once, gone"
    );
    assert_eq!(code(&c.call(&poll_ack(&id2, "A-3"))), 1000);
    assert_eq!(code(&c.call(&poll_req("P-4"))), 1300);
    eppd.kill_hard();

    // Ids are never handed out twice, across restarts.
    let out = eppd_ok(
        &[
            "--data-dir",
            d,
            "message",
            "add",
            "registrar1",
            "--text",
            "three",
        ],
        "",
    );
    let id3: u64 = out
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(id3 > id2.parse::<u64>().unwrap(), "{id3} after {id2}");
    let eppd = demo(&dir, &[]);
    let mut c = open(&eppd);
    let r = c.call(&poll_req("P-5"));
    assert_eq!(msg_id(&r), id3.to_string());
    assert_eq!(msg_count(&r), 1);
}

/// Everything from a TOML file: paths in it are relative to the file.
#[test]
fn settings_from_a_config_file() {
    let dir = TempDir::new("config");
    let ca = TestCa::new("config test CA");
    let (cert, key) = ca.server();
    dir.write("cert.pem", &cert);
    dir.write("key.pem", &key);
    let ca_file = dir.write("ca.pem", &ca.pem);
    let config = dir.write(
        "eppd.toml",
        "data-dir = \"store\"\n\
         listen = \"127.0.0.1:0\"\n\
         tls-cert = \"cert.pem\"\n\
         tls-key = \"key.pem\"\n\
         server-id = \"configured\"\n\
         max-sessions-per-registrar = 1\n\
         registrar = [\"registrar1:secret-pw1\"]\n\
         message = [\"registrar1:from the file\"]\n",
    );
    let config = config.to_str().unwrap();
    let eppd = Eppd::start(&["--config", config]);
    assert!(dir.join("store").join("eppd.sqlite3").is_file());
    let trust = tls_client(&ca_file, None);
    let mut c = Client::tls(eppd.addr, &trust);
    assert!(c.recv().contains("<svID>configured</svID>"));
    assert_eq!(code(&c.login("registrar1", "secret-pw1")), 1000);
    assert_eq!(msg_text(&c.call(&poll_req("P-1"))), "from the file");
    let mut d = Client::tls(eppd.addr, &trust).open();
    assert_eq!(code(&d.login("registrar1", "secret-pw1")), 2502);
    // The administration commands read the store's place from the file too.
    let list = eppd_ok(&["--config", config, "registrar", "list"], "");
    assert!(list.contains("registrar1"), "{list}");
    let bad = dir.write("bad.toml", "listen = \"127.0.0.1:0\"\nlisten-port = 7\n");
    let out = eppd_command(&["--config", bad.to_str().unwrap()], "");
    assert!(
        !out.ok && out.stderr.contains("listen-port"),
        "{}",
        out.stderr
    );
}
