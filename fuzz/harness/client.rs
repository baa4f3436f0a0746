//! `client_bytes`: the EPP client engine (src/client) fed arbitrary server
//! bytes in arbitrary chunks, by a host that logs in when greeted and
//! then sends commands, lets time pass and handles timeouts.
//!
//! Input: a flags byte (bit 0: a client that wants an extension and a long
//! password; bit 1: at most one command in flight; bit 2: keep-alives
//! off; bit 3: the host closes instead of the peer's EOF), two bytes that
//! seed the host's choices, then the server's bytes. Checks: every frame
//! the client writes is framed right and well-formed `<epp>`; every
//! command given is accounted for exactly once (answered by an event, or
//! listed unanswered when the session closes); at most one `Closed`
//! event; after EOF and everything taken, the session is finished.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use epp::client::{
    ClientConfig, ClientError, ClientSession, ClientState, Command, CommandId, Event,
};
use epp::CommandVerb;

use super::{check_xml, split_frames, Rng};

const DOMAIN: &str = "urn:ietf:params:xml:ns:domain-1.0";

fn configs() -> &'static [Arc<ClientConfig>] {
    static CONFIGS: OnceLock<Vec<Arc<ClientConfig>>> = OnceLock::new();
    CONFIGS.get_or_init(|| {
        (0..8u8)
            .map(|bits| {
                let password = if bits & 1 != 0 {
                    "a-password-longer-than-sixteen"
                } else {
                    "foo-BAR2"
                };
                let mut b = ClientConfig::builder("ClientX", password);
                b.object_uri(DOMAIN)
                    .object_uri("urn:ietf:params:xml:ns:contact-1.0");
                if bits & 1 != 0 {
                    b.extension_uri("urn:ietf:params:xml:ns:secDNS-1.1")
                        .new_password("a-new-password-longer-than-sixteen");
                }
                if bits & 2 != 0 {
                    b.max_in_flight(1);
                }
                if bits & 4 != 0 {
                    b.keep_alive(None);
                } else {
                    b.keep_alive(Some(Duration::from_secs(30)));
                }
                b.build().expect("fuzz client configuration")
            })
            .collect()
    })
}

struct Run {
    c: ClientSession,
    now: SystemTime,
    rng: Rng,
    out: Vec<u8>,
    /// Commands given and not yet accounted for.
    given: BTreeSet<CommandId>,
    closed_events: usize,
}

impl Run {
    fn give(&mut self, r: Result<epp::client::SentCommand, ClientError>) {
        match r {
            Ok(sent) => {
                assert!(self.given.insert(sent.id), "a command id given twice");
            }
            Err(ClientError::Closed(_)) => assert!(matches!(
                self.c.state(),
                ClientState::Closing | ClientState::Closed
            )),
            // Refusals the state or the greeting explain.
            Err(
                ClientError::WrongState { .. }
                | ClientError::ServiceNotOffered { .. }
                | ClientError::NoObjectService
                | ClientError::VersionNotOffered
                | ClientError::LanguageNotOffered(_)
                | ClientError::PasswordTooLong { .. }
                // The greeting did not offer the domain objURI.
                | ClientError::NotLoggedInWith { .. },
            ) => {}
            Err(e) => panic!("a command the harness builds right was refused: {e}"),
        }
    }

    fn answered(&mut self, id: CommandId) {
        assert!(
            self.given.remove(&id),
            "an event for a command not given (or twice)"
        );
    }

    fn poll(&mut self) {
        while let Some(e) = self.c.poll_queue() {
            let choice = self.rng.below(8);
            match e {
                Event::Greeting { hello, .. } => match hello {
                    Some(h) => self.answered(h.id),
                    None => {
                        let r = self.c.login(self.now);
                        self.give(r);
                    }
                },
                Event::Login { command, .. } | Event::Response { command, .. } => {
                    self.answered(command.id);
                    self.send_some(choice);
                }
                Event::KeepAlive { command } => {
                    // The engine's own hello: its answer comes as a
                    // Greeting event.
                    assert!(self.given.insert(command.id), "keep-alive id reused");
                }
                Event::ResponseOverdue { .. } => {}
                Event::Closed { unanswered, .. } => {
                    self.closed_events += 1;
                    assert_eq!(self.closed_events, 1, "a second Closed event");
                    for u in unanswered {
                        self.answered(u.id);
                    }
                }
                _ => {}
            }
        }
    }

    fn send_some(&mut self, choice: usize) {
        let now = self.now;
        let r = match choice {
            0 => self.c.hello(now),
            1 => self.c.poll_request(now),
            2 => self.c.poll_ack("12", now),
            3 => self.c.logout(now),
            4 => return,
            _ => self.c.send(
                Command::object(
                    CommandVerb::Check,
                    format!(r#"<domain:check xmlns:domain="{DOMAIN}"><domain:name>a.example</domain:name></domain:check>"#),
                )
                .with_tag(choice as u64),
                now,
            ),
        };
        self.give(r);
    }

    fn take_some(&mut self) {
        let out = self.c.output();
        if !out.is_empty() {
            let n = self.rng.chunk(out.len());
            self.out.extend_from_slice(&out[..n]);
            self.c.consume_output(n);
        }
    }

    fn advance(&mut self) {
        self.now += match self.rng.below(3) {
            0 => Duration::from_millis(self.rng.below(2000) as u64),
            1 => Duration::from_secs(31),
            _ => Duration::from_secs(61),
        };
        if self.c.next_timeout().is_some_and(|t| t <= self.now) {
            self.c.handle_timeout(self.now);
        }
        self.poll();
    }
}

/// The `client_bytes` target.
pub fn client_bytes(data: &[u8]) {
    if data.len() < 3 {
        return;
    }
    let flags = data[0];
    let seed = u64::from(u16::from_be_bytes([data[1], data[2]])) | (data.len() as u64) << 16;
    let wire = &data[3..];
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let mut run = Run {
        c: ClientSession::new(configs()[usize::from(flags & 7)].clone(), now),
        now,
        rng: Rng::new(seed),
        out: Vec::new(),
        given: BTreeSet::new(),
        closed_events: 0,
    };
    let mut pos = 0;
    let mut budget = 64 + 4 * wire.len();
    while pos < wire.len() && budget > 0 {
        budget -= 1;
        match run.rng.below(8) {
            0..=3 => {
                let n = run.rng.chunk(wire.len() - pos);
                match run.c.feed_input(&wire[pos..pos + n], run.now) {
                    Ok(()) => pos += n,
                    Err(ClientError::Closed(_)) => break,
                    Err(e) => panic!("feed_input: {e}"),
                }
                run.poll();
            }
            4 | 5 => run.take_some(),
            6 => run.advance(),
            _ => {
                let choice = run.rng.below(8);
                run.send_some(choice);
            }
        }
    }
    if flags & 8 != 0 {
        run.c.close();
    } else {
        run.c.handle_eof(run.now);
    }
    for _ in 0..1000 {
        run.poll();
        match run.c.take_output() {
            Some(o) => run.out.extend_from_slice(&o),
            None => break,
        }
    }
    run.poll();
    assert!(
        run.c.is_finished(),
        "not finished after EOF: {:?} {:?}",
        run.c.state(),
        run.c.close_reason()
    );
    assert_eq!(run.closed_events, 1, "no Closed event");
    assert!(
        run.given.is_empty(),
        "commands never accounted for: {:?}",
        run.given
    );
    // Closing drops output not taken (docs/client.md), so the last frame
    // may be cut short.
    for body in split_frames(&run.out, true) {
        check_xml(body, "epp");
    }
}
