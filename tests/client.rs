//! The client engine (`epp::client`) against the crate's own server engine,
//! in memory: each side's output is the other's input.

mod common;
#[path = "common/xsd.rs"]
mod xsd;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::{at, config_builder, frame, t0, unframe, Rng, CONTACT, DOMAIN, HOST, SECDNS};
use epp::client::{
    ClientCloseReason, ClientConfig, ClientConfigBuilder, ClientError, ClientSession, ClientState,
    Command, CommandKind, Event, ProtocolError, SentCommand, ServiceKind, LOGIN_SEC_NS,
};
use epp::{
    AckAnswer, CommandVerb, LoginAnswer, PollAnswer, PollMessage, Request, ResultCode, Server,
    ServerConfig, Session, TransferOp,
};

const UNOFFERED: &str = "urn:example:not-offered";

fn client_builder() -> ClientConfigBuilder {
    let mut b = ClientConfig::builder("registrar1", "secret-pw1");
    b.required_object_uri(DOMAIN)
        .object_uri(CONTACT)
        .object_uri(UNOFFERED)
        .extension_uri(SECDNS)
        .extension_uri("urn:example:ext-not-offered")
        .max_in_flight(8)
        .cl_trid_prefix("C-");
    b
}

fn check_xml(name: &str) -> String {
    format!(
        r#"<domain:check xmlns:domain="{DOMAIN}"><domain:name>{name}</domain:name></domain:check>"#
    )
}

/// The registry behind the server engine.
struct Registry {
    password: String,
    messages: VecDeque<(u64, String)>,
    logins: Vec<epp::LoginRequest>,
    commands: Vec<epp::ObjectCommand>,
    /// Answer object commands as they come (else hold them).
    hold: bool,
    held: Vec<epp::RequestId>,
}

impl Registry {
    fn new() -> Registry {
        Registry {
            password: "secret-pw1".into(),
            messages: VecDeque::from([(101, "first message".into()), (102, "second".into())]),
            logins: Vec::new(),
            commands: Vec::new(),
            hold: false,
            held: Vec::new(),
        }
    }

    fn answer(&mut self, s: &mut Session) -> bool {
        let mut any = false;
        while let Some(r) = s.poll_queue() {
            any = true;
            match r {
                Request::Login(l) => {
                    let ext = l.extension_xml.clone().unwrap_or_default();
                    let ok = l.password == self.password
                        || (l.password == "[LOGIN-SECURITY]"
                            && ext.contains(&format!(
                                "<loginSec:pw>{}</loginSec:pw>",
                                self.password
                            )));
                    let a = if ok {
                        LoginAnswer::Accepted
                    } else {
                        LoginAnswer::BadCredentials
                    };
                    self.logins.push(*l.clone());
                    s.answer_login(l.id, a).unwrap();
                }
                Request::Poll(p) => {
                    let a = match self.messages.front() {
                        None => PollAnswer::Empty,
                        Some((id, text)) => PollAnswer::Message(PollMessage::new(
                            *id,
                            self.messages.len() as u64,
                            t0(),
                            text.clone(),
                        )),
                    };
                    s.answer_poll(p.id, a).unwrap();
                }
                Request::PollAck(a) => {
                    let ans = match self.messages.front() {
                        Some((id, _)) if *id == a.message_id => {
                            self.messages.pop_front();
                            AckAnswer::Acked {
                                remaining: self.messages.len() as u64,
                            }
                        }
                        _ => AckAnswer::UnknownMessage,
                    };
                    s.answer_ack(a.id, ans).unwrap();
                }
                Request::Command(c) => {
                    let id = c.id;
                    self.commands.push(*c);
                    if self.hold {
                        self.held.push(id);
                    } else {
                        let r = self.response_to(self.commands.len() - 1);
                        s.answer_command(id, r).unwrap();
                    }
                }
                _ => {}
            }
        }
        any
    }

    fn response_to(&self, i: usize) -> epp::Response {
        let c = &self.commands[i];
        if c.verb == CommandVerb::Check {
            let name = c
                .object_xml
                .split("<domain:name>")
                .nth(1)
                .and_then(|s| s.split('<').next())
                .unwrap_or("?");
            epp::Response::success().with_res_data(format!(
                r#"<domain:chkData xmlns:domain="{DOMAIN}"><domain:cd><domain:name avail="1">{name}</domain:name></domain:cd></domain:chkData>"#
            ))
        } else {
            epp::Response::new(ResultCode::UnimplementedCommand)
        }
    }
}

/// A client session and a server session wired together.
struct Pair {
    client: ClientSession,
    server: Session,
    reg: Registry,
    now: SystemTime,
    /// Every byte the server wrote, in order.
    server_bytes: Vec<u8>,
    /// Every byte the client wrote, in order.
    client_bytes: Vec<u8>,
    eof_sent: bool,
    events: Vec<Event>,
}

impl Pair {
    fn new(client: Arc<ClientConfig>, server: Arc<ServerConfig>) -> Pair {
        Pair {
            client: ClientSession::new(client, t0()),
            server: Session::new(Server::new(server, t0()), t0()),
            reg: Registry::new(),
            now: t0(),
            server_bytes: Vec::new(),
            client_bytes: Vec::new(),
            eof_sent: false,
            events: Vec::new(),
        }
    }

    fn standard() -> Pair {
        Pair::new(
            client_builder().build().unwrap(),
            config_builder().build().unwrap(),
        )
    }

    /// Moves bytes both ways and answers the server's requests until
    /// nothing moves; returns the client's new events.
    fn pump(&mut self) -> Vec<Event> {
        loop {
            let mut moved = false;
            if let Some(b) = self.server.take_output() {
                self.server_bytes.extend_from_slice(&b);
                if !self.client.is_finished() {
                    self.client.feed_input(&b, self.now).unwrap();
                }
                moved = true;
            }
            moved |= self.reg.answer(&mut self.server);
            if let Some(b) = self.client.take_output() {
                self.client_bytes.extend_from_slice(&b);
                let _ = self.server.feed_input(&b, self.now);
                moved = true;
            }
            if self.server.is_finished() && !self.eof_sent {
                self.eof_sent = true;
                self.client.handle_eof(self.now);
                moved = true;
            }
            let new: Vec<Event> = self.client.drain_queue().collect();
            moved |= !new.is_empty();
            self.events.extend(new);
            if !moved {
                return std::mem::take(&mut self.events);
            }
        }
    }

    /// Greeting, then a successful login.
    fn logged_in() -> Pair {
        let mut p = Pair::standard();
        let ev = p.pump();
        assert!(matches!(ev[..], [Event::Greeting { hello: None, .. }]));
        p.client.login(p.now).unwrap();
        let ev = p.pump();
        assert!(
            matches!(&ev[..], [Event::Login { response, .. }] if response.code() == ResultCode::Success),
            "{ev:?}"
        );
        p
    }
}

fn response_of(e: &Event) -> (&SentCommand, &epp::client::Response) {
    match e {
        Event::Response { command, response } => (command, response),
        Event::Login {
            command, response, ..
        } => (command, response),
        other => panic!("not a response: {other:?}"),
    }
}

#[test]
fn whole_session_against_the_server_engine() {
    let mut p = Pair::standard();
    let ev = p.pump();
    let [Event::Greeting { greeting, hello }] = &ev[..] else {
        panic!("{ev:?}")
    };
    assert!(hello.is_none());
    assert_eq!(greeting.server_id, "libepp test server");
    assert_eq!(greeting.server_date, "2027-01-15T08:00:00.000Z");
    assert_eq!(greeting.versions, ["1.0"]);
    assert_eq!(greeting.languages, ["en"]);
    assert_eq!(greeting.object_uris, [DOMAIN, HOST, CONTACT]);
    assert_eq!(greeting.extension_uris, [SECDNS]);
    let dcp = greeting.dcp.as_deref().unwrap();
    assert!(dcp.starts_with("<dcp") && dcp.contains("<all/>"), "{dcp}");
    assert_eq!(p.client.state(), ClientState::GreetingReceived);

    // login: the intersection of wanted and offered, in wanted order.
    let login = p.client.login(p.now).unwrap();
    assert_eq!(login.cl_trid.as_deref(), Some("C-1"));
    assert_eq!(p.client.state(), ClientState::LoginSent);
    let ev = p.pump();
    let [Event::Login {
        command,
        response,
        services: Some(services),
    }] = &ev[..]
    else {
        panic!("{ev:?}")
    };
    assert_eq!(command.id, login.id);
    assert_eq!(response.code(), ResultCode::Success);
    assert_eq!(response.cl_trid.as_deref(), Some("C-1"));
    assert!(response.sv_trid.is_some());
    assert_eq!(services.object_uris, [DOMAIN, CONTACT]);
    assert_eq!(services.extension_uris, [SECDNS]);
    assert!(!services.login_security);
    assert_eq!(p.client.services(), Some(services));
    assert_eq!(p.reg.logins[0].object_uris, [DOMAIN, CONTACT]);
    assert_eq!(p.reg.logins[0].password, "secret-pw1");
    assert_eq!(p.client.state(), ClientState::LoggedIn);

    // hello: answered by a greeting naming it.
    let hello = p.client.hello(p.now).unwrap();
    assert_eq!(hello.cl_trid, None);
    let ev = p.pump();
    let [Event::Greeting {
        hello: Some(h),
        greeting,
    }] = &ev[..]
    else {
        panic!("{ev:?}")
    };
    assert_eq!(h.id, hello.id);
    assert!(!h.keep_alive);
    assert_eq!(greeting.server_id, "libepp test server");

    // poll req, then ack.
    p.client.poll_request(p.now).unwrap();
    let ev = p.pump();
    let (cmd, r) = response_of(&ev[0]);
    assert_eq!(cmd.kind, CommandKind::PollRequest);
    assert_eq!(r.code(), ResultCode::SuccessAckToDequeue);
    let q = r.message_queue.as_ref().unwrap();
    assert_eq!((q.count, q.id.as_str()), (2, "101"));
    assert_eq!(q.message.as_deref(), Some("first message"));
    assert_eq!(q.queued_at.as_deref(), Some("2027-01-15T08:00:00.000Z"));
    p.client.poll_ack(&q.id.clone(), p.now).unwrap();
    let ev = p.pump();
    let (cmd, r) = response_of(&ev[0]);
    assert_eq!(cmd.kind, CommandKind::PollAck);
    assert_eq!(r.code(), ResultCode::Success);
    let q = r.message_queue.as_ref().unwrap();
    assert_eq!((q.count, q.id.as_str()), (1, "101"));

    // An object command with the caller's tag and clTRID.
    let sent = p
        .client
        .send(
            Command::object(CommandVerb::Check, check_xml("example.com"))
                .with_tag(77)
                .with_cl_trid("MY-TRID-1"),
            p.now,
        )
        .unwrap();
    assert_eq!(sent.cl_trid.as_deref(), Some("MY-TRID-1"));
    let ev = p.pump();
    let (cmd, r) = response_of(&ev[0]);
    assert_eq!(
        (cmd.tag, cmd.kind),
        (Some(77), CommandKind::Object(CommandVerb::Check))
    );
    assert_eq!(r.cl_trid.as_deref(), Some("MY-TRID-1"));
    let res = r.res_data.as_deref().unwrap();
    assert!(
        res.starts_with("<domain:chkData") && res.contains(r#"avail="1">example.com<"#),
        "{res}"
    );
    assert_eq!(p.reg.commands[0].object_uri, DOMAIN);

    // logout: 1500, the session closes, the server closes, the client ends.
    p.client.logout(p.now).unwrap();
    assert_eq!(p.client.state(), ClientState::LogoutSent);
    let ev = p.pump();
    assert_eq!(ev.len(), 2, "{ev:?}");
    let (cmd, r) = response_of(&ev[0]);
    assert_eq!(cmd.kind, CommandKind::Logout);
    assert_eq!(r.code(), ResultCode::SuccessEndingSession);
    assert_eq!(
        ev[1],
        Event::Closed {
            reason: ClientCloseReason::Logout,
            unanswered: vec![]
        }
    );
    assert!(p.server.is_finished());
    assert!(p.client.is_finished());
    assert_eq!(p.client.state(), ClientState::Closed);
    assert_eq!(
        p.client.poll_request(p.now),
        Err(ClientError::Closed(ClientCloseReason::Logout))
    );
}

#[test]
fn negotiation_refuses_early() {
    let server = config_builder().build().unwrap();
    let cases: Vec<(ClientConfigBuilder, ClientError)> = vec![
        (
            {
                let mut b = client_builder();
                b.required_object_uri(UNOFFERED);
                b
            },
            ClientError::ServiceNotOffered {
                kind: ServiceKind::Object,
                uri: UNOFFERED.into(),
            },
        ),
        (
            {
                let mut b = client_builder();
                b.required_extension_uri("urn:example:x");
                b
            },
            ClientError::ServiceNotOffered {
                kind: ServiceKind::Extension,
                uri: "urn:example:x".into(),
            },
        ),
        (
            {
                let mut b = ClientConfig::builder("registrar1", "secret-pw1");
                b.object_uri(UNOFFERED);
                b
            },
            ClientError::NoObjectService,
        ),
        (
            {
                let mut b = client_builder();
                b.lang("fr");
                b
            },
            ClientError::LanguageNotOffered("fr".into()),
        ),
        (
            ClientConfig::builder("registrar1", "a-password-of-27-characters")
                .object_uri(DOMAIN)
                .clone(),
            ClientError::PasswordTooLong {
                field: "pw",
                length: 27,
            },
        ),
        (
            ClientConfig::builder("registrar1", "secret-pw1")
                .object_uri(DOMAIN)
                .new_password("a-new-password-of-30-characters")
                .clone(),
            ClientError::PasswordTooLong {
                field: "newPW",
                length: 31,
            },
        ),
    ];
    for (b, want) in cases {
        let mut p = Pair::new(b.build().unwrap(), server.clone());
        p.pump();
        assert_eq!(p.client.login(p.now), Err(want));
        assert_eq!(p.client.state(), ClientState::GreetingReceived);
        assert_eq!(p.client.take_output(), None, "nothing was sent");
    }
}

#[test]
fn long_passwords_use_login_security_when_offered() {
    let long = "a-password-of-27-characters";
    let new_long = "a-new-password-longer-than-sixteen";
    let mut server = config_builder();
    server.login_security(epp::LoginSecurity::default());
    let mut client = ClientConfig::builder("registrar1", long);
    client
        .object_uri(DOMAIN)
        .new_password(new_long)
        .cl_trid_prefix("L-");
    let mut p = Pair::new(client.build().unwrap(), server.build().unwrap());
    p.reg.password = long.into();
    p.pump();
    assert!(p.client.greeting().unwrap().offers_login_security());
    p.client.login(p.now).unwrap();
    let wire = String::from_utf8_lossy(p.client.output()).into_owned();
    assert!(wire.contains("<pw>[LOGIN-SECURITY]</pw><newPW>[LOGIN-SECURITY]</newPW>"));
    assert!(wire.contains(&format!("<extURI>{LOGIN_SEC_NS}</extURI>")));
    assert!(wire.contains(&format!(
        "<extension><loginSec:loginSec xmlns:loginSec=\"{LOGIN_SEC_NS}\"><loginSec:pw>{long}</loginSec:pw><loginSec:newPW>{new_long}</loginSec:newPW></loginSec:loginSec></extension>"
    )), "{wire}");
    let ev = p.pump();
    let [Event::Login {
        response,
        services: Some(s),
        ..
    }] = &ev[..]
    else {
        panic!("{ev:?}")
    };
    assert_eq!(response.code(), ResultCode::Success);
    assert!(s.login_security);
    assert_eq!(s.extension_uris, [LOGIN_SEC_NS]);
    // The server engine (RFC 8807) resolves the placeholders: its host gets
    // the real passwords, and the loginSec element is not passed on.
    let l = &p.reg.logins[0];
    assert_eq!(l.password, long);
    assert_eq!(l.new_password.as_deref(), Some(new_long));
    assert!(l.extension_xml.is_none(), "{:?}", l.extension_xml);

    // A short password with the extension offered stays in <pw>.
    let mut server = config_builder();
    server.login_security(epp::LoginSecurity::default());
    let mut p = Pair::new(client_builder().build().unwrap(), server.build().unwrap());
    p.pump();
    p.client.login(p.now).unwrap();
    let wire = String::from_utf8_lossy(p.client.output()).into_owned();
    assert!(wire.contains("<pw>secret-pw1</pw>") && !wire.contains("loginSec"));
}

#[test]
fn failed_login_can_be_retried() {
    let mut p = Pair::standard();
    p.reg.password = "something-else".into();
    p.pump();
    p.client.login(p.now).unwrap();
    let ev = p.pump();
    let [Event::Login {
        response,
        services: None,
        ..
    }] = &ev[..]
    else {
        panic!("{ev:?}")
    };
    assert_eq!(response.code(), ResultCode::AuthenticationError);
    assert_eq!(p.client.state(), ClientState::GreetingReceived);
    assert_eq!(p.client.services(), None);
    p.reg.password = "secret-pw1".into();
    let second = p.client.login(p.now).unwrap();
    assert_eq!(second.cl_trid.as_deref(), Some("C-2"));
    p.pump();
    assert_eq!(p.client.state(), ClientState::LoggedIn);
}

#[test]
fn commands_the_state_does_not_allow_are_refused() {
    let mut p = Pair::standard();
    // Before the greeting.
    assert_eq!(
        p.client.hello(p.now),
        Err(ClientError::WrongState {
            command: CommandKind::Hello,
            state: ClientState::AwaitingGreeting
        })
    );
    p.pump();
    for c in [
        Command::logout(),
        Command::poll_request(),
        Command::object(CommandVerb::Check, check_xml("a.example")),
    ] {
        let kind = c.kind();
        assert_eq!(
            p.client.send(c, p.now),
            Err(ClientError::WrongState {
                command: kind,
                state: ClientState::GreetingReceived
            })
        );
    }
    p.client.login(p.now).unwrap();
    // Only a hello may follow a login in flight.
    assert!(matches!(
        p.client.poll_request(p.now),
        Err(ClientError::WrongState { .. })
    ));
    p.client.hello(p.now).unwrap();
    let ev = p.pump();
    assert!(matches!(ev[0], Event::Login { .. }) && matches!(ev[1], Event::Greeting { .. }));
    assert!(matches!(
        p.client.login(p.now),
        Err(ClientError::WrongState {
            command: CommandKind::Login,
            state: ClientState::LoggedIn
        })
    ));
    p.client.logout(p.now).unwrap();
    assert!(matches!(
        p.client.hello(p.now),
        Err(ClientError::WrongState {
            state: ClientState::LogoutSent,
            ..
        })
    ));
}

#[test]
fn commands_are_checked_before_anything_is_sent() {
    let mut p = Pair::logged_in();
    type Expect = fn(&ClientError) -> bool;
    let bad: Vec<(Command, Expect)> = vec![
        (
            Command::object(CommandVerb::Check, "<check><name>x</name></check>"),
            |e| {
                matches!(
                    e,
                    ClientError::InvalidXml {
                        field: "object",
                        ..
                    }
                )
            },
        ),
        (
            Command::object(
                CommandVerb::Check,
                format!("{}{}", check_xml("a"), check_xml("b")),
            ),
            |e| {
                matches!(
                    e,
                    ClientError::InvalidXml {
                        field: "object",
                        ..
                    }
                )
            },
        ),
        (
            Command::object(CommandVerb::Check, "<domain:check xmlns:domain='urn:x'>"),
            |e| {
                matches!(
                    e,
                    ClientError::InvalidXml {
                        field: "object",
                        ..
                    }
                )
            },
        ),
        (
            Command::object(
                CommandVerb::Info,
                format!(
                    "<host:info xmlns:host='{HOST}'><host:name>ns1.example</host:name></host:info>"
                ),
            ),
            |e| matches!(e, ClientError::NotLoggedInWith { kind: ServiceKind::Object, uri } if uri == HOST),
        ),
        (
            Command::object(CommandVerb::Check, check_xml("a"))
                .with_extension("<x:e xmlns:x='urn:example:ext-not-offered'/>"),
            |e| {
                matches!(
                    e,
                    ClientError::NotLoggedInWith {
                        kind: ServiceKind::Extension,
                        ..
                    }
                )
            },
        ),
        (
            Command::object(CommandVerb::Check, check_xml("a")).with_extension("text"),
            |e| {
                matches!(
                    e,
                    ClientError::InvalidXml {
                        field: "extension",
                        ..
                    }
                )
            },
        ),
        (
            Command::object(CommandVerb::Check, check_xml("a")).with_cl_trid("ab"),
            |e| matches!(e, ClientError::InvalidCommand(_)),
        ),
        (
            Command::object(CommandVerb::Check, check_xml("a")).with_cl_trid(" abc"),
            |e| matches!(e, ClientError::InvalidCommand(_)),
        ),
        (
            Command::object(CommandVerb::Transfer, check_xml("a")),
            |e| matches!(e, ClientError::InvalidCommand(_)),
        ),
        (Command::poll_ack(""), |e| {
            matches!(e, ClientError::InvalidCommand(_))
        }),
        (Command::hello().with_cl_trid("ABC-1"), |e| {
            matches!(e, ClientError::InvalidCommand(_))
        }),
    ];
    for (c, ok) in bad {
        let e = p.client.send(c.clone(), p.now).unwrap_err();
        assert!(ok(&e), "{c:?}: {e:?}");
        assert_eq!(p.client.take_output(), None);
    }
    // A refused command takes no clTRID: the next generated one follows on.
    let sent = p
        .client
        .send(
            Command::transfer(
                TransferOp::Query,
                format!(r#"<domain:transfer xmlns:domain="{DOMAIN}"><domain:name>a.example</domain:name></domain:transfer>"#),
            )
            .with_extension(format!(
                r#"<secDNS:update xmlns:secDNS="{SECDNS}"><secDNS:rem><secDNS:all>true</secDNS:all></secDNS:rem></secDNS:update>"#
            )),
            p.now,
        )
        .unwrap();
    assert_eq!(sent.cl_trid.as_deref(), Some("C-2"));
    let wire = String::from_utf8_lossy(p.client.output()).into_owned();
    assert!(
        wire.contains(r#"<transfer op="query"><domain:transfer"#),
        "{wire}"
    );
    p.pump();
    let c = &p.reg.commands[0];
    assert_eq!(c.transfer_op, Some(TransferOp::Query));
    assert_eq!(c.extension_uris, [SECDNS]);
}

#[test]
fn unprefixed_object_xml_keeps_its_meaning() {
    let mut p = Pair::logged_in();
    p.client
        .send(
            Command::object(
                CommandVerb::Check,
                format!("<check xmlns='{DOMAIN}'><name>example.org</name></check>"),
            ),
            p.now,
        )
        .unwrap();
    let ev = p.pump();
    let (_, r) = response_of(&ev[0]);
    assert_eq!(r.code(), ResultCode::Success);
    assert!(p.reg.commands[0].object_xml.contains("example.org"));
}

/// Pipelining: many commands, at most `max_in_flight` written and
/// unanswered, every response matched to its command in order.
#[test]
fn pipelined_commands_are_bounded_and_matched_in_order() {
    let mut b = client_builder();
    b.max_in_flight(4);
    let mut p = Pair::new(b.build().unwrap(), config_builder().build().unwrap());
    p.pump();
    p.client.login(p.now).unwrap();
    p.pump();
    p.reg.hold = true;
    let mut sent = Vec::new();
    for i in 0..20u64 {
        let c =
            Command::object(CommandVerb::Check, check_xml(&format!("d{i}.example"))).with_tag(i);
        sent.push(p.client.send(c, p.now).unwrap());
        assert!(p.client.in_flight() <= 4);
    }
    assert_eq!((p.client.in_flight(), p.client.queued()), (4, 16));
    assert!(sent[..4].iter().all(|s| s.sent_at.is_some()));
    assert!(sent[4..].iter().all(|s| s.sent_at.is_none()));
    assert_eq!(unframe(p.client.output()).len(), 4);

    let mut rng = Rng(7);
    let mut got = Vec::new();
    loop {
        got.extend(p.pump());
        // The server holds its commands; answer them in a random order.
        if p.reg.held.is_empty() {
            break;
        }
        assert!(p.reg.held.len() <= 4, "at most 4 in flight at the server");
        let i = rng.below(p.reg.held.len());
        let id = p.reg.held.remove(i);
        let idx = p.reg.commands.iter().position(|c| c.id == id).unwrap();
        let r = p.reg.response_to(idx);
        p.server.answer_command(id, r).unwrap();
        assert!(p.client.in_flight() <= 4);
    }
    assert_eq!(got.len(), 20);
    for (i, e) in got.iter().enumerate() {
        let (cmd, r) = response_of(e);
        assert_eq!(cmd.tag, Some(i as u64));
        assert_eq!(cmd.id, sent[i].id);
        assert_eq!(r.cl_trid, cmd.cl_trid);
        assert!(r
            .res_data
            .as_deref()
            .unwrap()
            .contains(&format!("d{i}.example")));
    }
    assert_eq!((p.client.in_flight(), p.client.queued()), (0, 0));
}

/// A logout given behind queued commands goes out after them.
#[test]
fn logout_waits_behind_queued_commands() {
    let mut b = client_builder();
    b.max_in_flight(1);
    let mut p = Pair::new(b.build().unwrap(), config_builder().build().unwrap());
    p.pump();
    p.client.login(p.now).unwrap();
    p.pump();
    for i in 0..3 {
        p.client
            .send(
                Command::object(CommandVerb::Check, check_xml(&format!("q{i}"))),
                p.now,
            )
            .unwrap();
    }
    p.client.logout(p.now).unwrap();
    assert_eq!(p.client.queued(), 3);
    let ev = p.pump();
    let kinds: Vec<_> = ev
        .iter()
        .filter_map(|e| match e {
            Event::Response { command, .. } => Some(command.kind),
            _ => None,
        })
        .collect();
    assert_eq!(
        kinds,
        [
            CommandKind::Object(CommandVerb::Check),
            CommandKind::Object(CommandVerb::Check),
            CommandKind::Object(CommandVerb::Check),
            CommandKind::Logout
        ]
    );
    assert!(p.client.is_finished());
}

/// Validates frames against epp-1.0.xsd (`../shared/schemas`) with
/// xmllint; the object and extension namespaces used get `anyType` stubs,
/// since the schema's wildcards are strict.
#[track_caller]
fn schema_check(frames: &[String]) {
    if !xsd::xmllint_available("client frames against epp-1.0.xsd") {
        return;
    }
    let schema = xsd::Schema::new(
        "client-schema",
        &xsd::epp_xsd(),
        &[],
        &[
            (DOMAIN, &["check", "info", "transfer"]),
            (SECDNS, &["update"]),
            (LOGIN_SEC_NS, &["loginSec"]),
        ],
    );
    schema.assert_valid(frames, "client frames");
}

#[test]
fn every_command_the_client_writes_is_schema_valid() {
    let long = "a-password-of-27-characters";
    let mut server = config_builder();
    server.login_security(epp::LoginSecurity::default());
    let mut client = ClientConfig::builder("registrar1", long);
    client
        .object_uri(DOMAIN)
        .extension_uri(SECDNS)
        .new_password("a-new-password-longer-than-sixteen")
        .cl_trid_prefix("V-");
    let mut p = Pair::new(client.build().unwrap(), server.build().unwrap());
    p.reg.password = long.into();
    p.pump();
    p.client.login(p.now).unwrap();
    p.pump();
    assert_eq!(p.client.state(), ClientState::LoggedIn);
    let domain = |verb: &str| {
        format!(
            r#"<domain:{verb} xmlns:domain="{DOMAIN}"><domain:name>a &amp; b.example</domain:name></domain:{verb}>"#
        )
    };
    p.client.hello(p.now).unwrap();
    p.client.poll_request(p.now).unwrap();
    p.client.poll_ack("101", p.now).unwrap();
    p.client
        .send(Command::object(CommandVerb::Check, domain("check")), p.now)
        .unwrap();
    p.client
        .send(
            Command::object(CommandVerb::Info, domain("info"))
                .with_extension(format!(
                    r#"<secDNS:update xmlns:secDNS="{SECDNS}"><secDNS:rem><secDNS:all>true</secDNS:all></secDNS:rem></secDNS:update>"#
                ))
                .with_cl_trid("given <&> trid"),
            p.now,
        )
        .unwrap();
    p.client
        .send(
            Command::transfer(TransferOp::Request, domain("transfer")),
            p.now,
        )
        .unwrap();
    p.client.logout(p.now).unwrap();
    p.pump();
    assert!(p.client.is_finished());
    let frames = unframe(&p.client_bytes);
    assert_eq!(frames.len(), 8);
    assert!(frames[0].contains("<pw>[LOGIN-SECURITY]</pw>"));
    assert!(frames[5].contains("<clTRID>given &lt;&amp;&gt; trid</clTRID>"));
    schema_check(&frames);
}

// ---------------------------------------------------------------------
// chunking invariance
// ---------------------------------------------------------------------

/// A recorded server byte stream cut into the parts a client must react
/// between (the greeting, the login response, the rest).
struct Recording {
    greeting: Vec<u8>,
    login: Vec<u8>,
    rest: Vec<u8>,
}

fn frame_ends(bytes: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        pos += len;
        ends.push(pos);
    }
    ends
}

/// The commands given after login (all at once, pipelined).
fn after_login(c: &mut ClientSession, now: SystemTime) {
    c.hello(now).unwrap();
    c.poll_request(now).unwrap();
    c.poll_ack("101", now).unwrap();
    for i in 0..3 {
        c.send(
            Command::object(CommandVerb::Check, check_xml(&format!("c{i}.example"))).with_tag(i),
            now,
        )
        .unwrap();
    }
    c.send(
        Command::object(
            CommandVerb::Info,
            format!(r#"<domain:info xmlns:domain="{DOMAIN}"><domain:name>x.example</domain:name></domain:info>"#),
        ),
        now,
    )
    .unwrap();
    c.poll_request(now).unwrap();
    c.logout(now).unwrap();
}

fn record() -> Recording {
    let mut p = Pair::standard();
    p.pump();
    p.client.login(p.now).unwrap();
    p.pump();
    after_login(&mut p.client, p.now);
    p.pump();
    assert!(p.client.is_finished());
    let ends = frame_ends(&p.server_bytes);
    assert_eq!(ends.len(), 2 + 9);
    Recording {
        greeting: p.server_bytes[..ends[0]].to_vec(),
        login: p.server_bytes[ends[0]..ends[1]].to_vec(),
        rest: p.server_bytes[ends[1]..].to_vec(),
    }
}

/// Replays the recording into a fresh client, each part cut at `cuts`
/// (offsets within that part), reacting between parts; returns every
/// event.
fn replay(r: &Recording, cut: &dyn Fn(usize, usize) -> Vec<usize>) -> Vec<Event> {
    let now = t0();
    let mut c = ClientSession::new(client_builder().build().unwrap(), now);
    let mut events = Vec::new();
    for (part, bytes) in [&r.greeting, &r.login, &r.rest].into_iter().enumerate() {
        let mut from = 0;
        let mut cuts = cut(part, bytes.len());
        cuts.push(bytes.len());
        for to in cuts {
            c.feed_input(&bytes[from..to], now).unwrap();
            events.extend(c.drain_queue());
            from = to;
        }
        match part {
            0 => {
                c.login(now).unwrap();
            }
            1 => after_login(&mut c, now),
            _ => {}
        }
        c.take_output();
    }
    c.handle_eof(now);
    events.extend(c.drain_queue());
    events
}

#[test]
fn events_do_not_depend_on_chunking() {
    let r = record();
    let whole = replay(&r, &|_, _| Vec::new());
    assert_eq!(whole.len(), 2 + 9 + 1, "{whole:#?}");
    assert!(matches!(
        whole.last(),
        Some(Event::Closed {
            reason: ClientCloseReason::Logout,
            ..
        })
    ));
    // Byte by byte.
    assert_eq!(replay(&r, &|_, n| (1..n).collect()), whole);
    // Every single split point of every part.
    for part in 0..3 {
        let n = [&r.greeting, &r.login, &r.rest][part].len();
        for k in 1..n {
            let got = replay(&r, &|p, _| if p == part { vec![k] } else { Vec::new() });
            assert_eq!(got, whole, "part {part} split at {k}");
        }
    }
    // Random chunks.
    let mut rng = Rng(0x5eed);
    for _ in 0..200 {
        let mut cuts_for = Vec::new();
        for n in [r.greeting.len(), r.login.len(), r.rest.len()] {
            let mut cuts = Vec::new();
            let mut at = 0;
            loop {
                at += 1 + rng.below(64);
                if at >= n {
                    break;
                }
                cuts.push(at);
            }
            cuts_for.push(cuts);
        }
        assert_eq!(replay(&r, &|p, _| cuts_for[p].clone()), whole);
    }
}

// ---------------------------------------------------------------------
// timeouts
// ---------------------------------------------------------------------

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn greeting_overdue() {
    let mut b = client_builder();
    b.response_deadline(secs(30));
    let mut c = ClientSession::new(b.build().unwrap(), t0());
    assert_eq!(c.next_timeout(), Some(at(30)));
    assert!(!c.handle_timeout(at(29)));
    assert!(c.handle_timeout(at(30)));
    assert_eq!(
        c.drain_queue().collect::<Vec<_>>(),
        [Event::Closed {
            reason: ClientCloseReason::GreetingOverdue,
            unanswered: vec![]
        }]
    );
    assert!(c.is_finished());
    assert_eq!(c.next_timeout(), None);
    assert!(matches!(
        c.feed_input(b"x", at(31)),
        Err(ClientError::Closed(ClientCloseReason::GreetingOverdue))
    ));
}

#[test]
fn response_overdue_closes_with_a_typed_event() {
    let mut p = Pair::logged_in();
    p.reg.hold = true;
    p.now = at(10);
    let sent = p
        .client
        .send(
            Command::object(CommandVerb::Check, check_xml("slow.example")),
            p.now,
        )
        .unwrap();
    let queued_behind = p.client.poll_request(p.now).unwrap();
    p.pump();
    // Default deadline: 60 s from the sending.
    assert_eq!(p.client.next_timeout(), Some(at(70)));
    assert!(!p.client.handle_timeout(at(69)));
    assert!(p.client.handle_timeout(at(70)));
    let ev: Vec<_> = p.client.drain_queue().collect();
    assert_eq!(ev.len(), 2);
    assert!(matches!(&ev[0], Event::ResponseOverdue { command } if command.id == sent.id));
    let Event::Closed { reason, unanswered } = &ev[1] else {
        panic!("{ev:?}")
    };
    assert_eq!(
        *reason,
        ClientCloseReason::ResponseOverdue { command: sent.id }
    );
    let ids: Vec<_> = unanswered.iter().map(|c| c.id).collect();
    assert_eq!(ids, [sent.id, queued_behind.id]);
    assert!(p.client.is_finished());
    assert!(matches!(
        p.client.hello(at(71)),
        Err(ClientError::Closed(_))
    ));
}

#[test]
fn each_response_gets_a_deadline_from_the_previous_one() {
    let mut b = client_builder();
    b.max_in_flight(8).keep_alive(None);
    let mut p = Pair::new(b.build().unwrap(), config_builder().build().unwrap());
    p.pump();
    p.client.login(p.now).unwrap();
    p.pump();
    p.reg.hold = true;
    for i in 0..3 {
        p.client
            .send(
                Command::object(CommandVerb::Check, check_xml(&format!("s{i}"))),
                t0(),
            )
            .unwrap();
    }
    p.pump();
    assert_eq!(p.client.next_timeout(), Some(at(60)));
    // The first answer comes at 50 s: the next is due 60 s after it.
    p.now = at(50);
    let id = p.reg.held.remove(0);
    let r = p.reg.response_to(0);
    p.server.answer_command(id, r).unwrap();
    p.pump();
    assert_eq!(p.client.next_timeout(), Some(at(110)));
    assert!(!p.client.handle_timeout(at(100)));
    for (i, id) in std::mem::take(&mut p.reg.held).into_iter().enumerate() {
        let r = p.reg.response_to(i + 1);
        p.server.answer_command(id, r).unwrap();
    }
    p.pump();
    assert_eq!(p.client.next_timeout(), None, "idle, no keep-alive");
}

#[test]
fn keep_alive_hello_after_idle() {
    let mut b = client_builder();
    b.keep_alive(Some(secs(100)));
    let mut p = Pair::new(b.build().unwrap(), config_builder().build().unwrap());
    p.pump();
    // No keep-alive before login.
    assert_eq!(p.client.next_timeout(), None);
    p.client.login(p.now).unwrap();
    p.pump();
    assert_eq!(p.client.next_timeout(), Some(at(100)));
    assert!(!p.client.handle_timeout(at(99)));
    p.now = at(100);
    assert!(p.client.handle_timeout(p.now));
    let ev: Vec<_> = p.client.drain_queue().collect();
    let [Event::KeepAlive { command }] = &ev[..] else {
        panic!("{ev:?}")
    };
    assert!(command.keep_alive && command.kind == CommandKind::Hello);
    assert_eq!(unframe(p.client.output()), [common::hello_xml()]);
    let ev = p.pump();
    let [Event::Greeting { hello: Some(h), .. }] = &ev[..] else {
        panic!("{ev:?}")
    };
    assert_eq!(h.id, command.id);
    assert_eq!(p.client.next_timeout(), Some(at(200)));
}

#[test]
fn closing_waits_for_the_server_to_close() {
    let mut p = Pair::logged_in();
    p.client.logout(p.now).unwrap();
    // Deliver the 1500 but not the end of the connection.
    let out = p.client.take_output().unwrap();
    p.server.feed_input(&out, p.now).unwrap();
    let resp = p.server.take_output().unwrap();
    p.client.feed_input(&resp, at(5)).unwrap();
    assert_eq!(p.client.state(), ClientState::Closing);
    assert!(p.client.wants_input());
    assert!(!p.client.is_finished());
    // Input while closing is dropped.
    p.client.feed_input(b"\0\0\0\x05x", at(6)).unwrap();
    assert_eq!(p.client.next_timeout(), Some(at(65)));
    assert!(p.client.handle_timeout(at(65)));
    assert!(p.client.is_finished());
    assert_eq!(p.client.close_reason(), Some(&ClientCloseReason::Logout));
    let ev: Vec<_> = p.client.drain_queue().collect();
    assert_eq!(ev.len(), 2, "the response and one Closed event: {ev:?}");
}

// ---------------------------------------------------------------------
// bad server input
// ---------------------------------------------------------------------

const GREETING: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
  <greeting>
    <svID>Example EPP server epp.example.com</svID>
    <svDate>2000-06-08T22:00:00.0Z</svDate>
    <svcMenu>
      <version>1.0</version>
      <lang>en</lang>
      <objURI>urn:ietf:params:xml:ns:domain-1.0</objURI>
    </svcMenu>
  </greeting>
</epp>
"#;

fn result_xml(code: u16, cl_trid: Option<&str>) -> String {
    let tr = cl_trid
        .map(|t| format!("<clTRID>{t}</clTRID>"))
        .unwrap_or_default();
    format!(
        r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="{code}"><msg>m</msg></result><trID>{tr}<svTRID>S-1</svTRID></trID></response></epp>"#
    )
}

/// A client fed a greeting by hand and logged in by hand.
fn hand_client(in_flight: usize) -> ClientSession {
    let mut b = client_builder();
    b.max_in_flight(in_flight);
    let mut c = ClientSession::new(b.build().unwrap(), t0());
    c.feed_input(&frame(GREETING), t0()).unwrap();
    c.login(t0()).unwrap();
    c.feed_input(&frame(&result_xml(1000, Some("C-1"))), t0())
        .unwrap();
    assert_eq!(c.state(), ClientState::LoggedIn);
    c.drain_queue().count();
    c.take_output();
    c
}

fn closed_with(c: &mut ClientSession) -> ClientCloseReason {
    let ev: Vec<_> = c.drain_queue().collect();
    match ev.last() {
        Some(Event::Closed { reason, .. }) => reason.clone(),
        other => panic!("not closed: {other:?} in {ev:?}"),
    }
}

#[test]
fn bad_frames_close_with_clear_reasons() {
    for (bytes, want) in [
        (
            vec![0, 0, 0, 0],
            ProtocolError::BadFrameLength {
                length: 0,
                limit: 16 << 20,
            },
        ),
        (
            vec![0, 0, 0, 4],
            ProtocolError::BadFrameLength {
                length: 4,
                limit: 16 << 20,
            },
        ),
        (
            vec![0xff, 0, 0, 0],
            ProtocolError::BadFrameLength {
                length: 0xff00_0000,
                limit: 16 << 20,
            },
        ),
    ] {
        let mut c = hand_client(1);
        c.feed_input(&bytes, t0()).unwrap();
        assert_eq!(closed_with(&mut c), ClientCloseReason::Protocol(want));
    }
    let malformed = [
        "<epp xmlns='urn:ietf:params:xml:ns:epp-1.0'><response>".to_string(),
        "not xml at all".into(),
        "<epp xmlns='urn:x'/>".into(),
        "<!DOCTYPE x [<!ENTITY e 'x'>]><epp/>".into(),
        result_xml(1000, None).replace("1000", "9999"),
        "<epp xmlns='urn:ietf:params:xml:ns:epp-1.0'><command><logout/></command></epp>".into(),
    ];
    for xml in malformed {
        let mut c = hand_client(1);
        c.poll_request(t0()).unwrap();
        c.feed_input(&frame(&xml), t0()).unwrap();
        let reason = closed_with(&mut c);
        assert!(
            matches!(&reason, ClientCloseReason::Protocol(ProtocolError::Malformed { reason }) if !reason.is_empty()),
            "{xml}: {reason:?}"
        );
        assert!(c.is_finished());
        assert!(!reason.to_string().is_empty());
    }
}

#[test]
fn out_of_order_frames_are_protocol_errors() {
    // A response before the greeting.
    let mut c = ClientSession::new(client_builder().build().unwrap(), t0());
    c.feed_input(&frame(&result_xml(1000, None)), t0()).unwrap();
    assert_eq!(
        closed_with(&mut c),
        ClientCloseReason::Protocol(ProtocolError::GreetingExpected)
    );
    // A response with nothing in flight.
    let mut c = hand_client(1);
    c.feed_input(&frame(&result_xml(1000, None)), t0()).unwrap();
    assert_eq!(
        closed_with(&mut c),
        ClientCloseReason::Protocol(ProtocolError::Unsolicited)
    );
    // A greeting where a check's response is due.
    let mut c = hand_client(1);
    c.send(Command::object(CommandVerb::Check, check_xml("a")), t0())
        .unwrap();
    c.feed_input(&frame(GREETING), t0()).unwrap();
    assert_eq!(
        closed_with(&mut c),
        ClientCloseReason::Protocol(ProtocolError::UnexpectedGreeting {
            answering: CommandKind::Object(CommandVerb::Check)
        })
    );
    // A response where a hello's greeting is due.
    let mut c = hand_client(1);
    c.hello(t0()).unwrap();
    c.feed_input(&frame(&result_xml(1000, None)), t0()).unwrap();
    assert_eq!(
        closed_with(&mut c),
        ClientCloseReason::Protocol(ProtocolError::GreetingExpected)
    );
}

#[test]
fn cl_trid_must_match_but_may_be_missing() {
    let mut c = hand_client(2);
    c.poll_request(t0()).unwrap();
    c.poll_request(t0()).unwrap();
    // No clTRID: accepted (public servers do this).
    c.feed_input(&frame(&result_xml(1300, None)), t0()).unwrap();
    let ev: Vec<_> = c.drain_queue().collect();
    assert_eq!(response_of(&ev[0]).1.cl_trid, None);
    // The second answers with the first's clTRID.
    c.feed_input(&frame(&result_xml(1300, Some("C-2"))), t0())
        .unwrap();
    assert_eq!(
        closed_with(&mut c),
        ClientCloseReason::Protocol(ProtocolError::ClTridMismatch {
            expected: "C-3".into(),
            received: "C-2".into()
        })
    );
}

#[test]
fn server_closing_responses_end_the_session() {
    let mut c = hand_client(3);
    let a = c.poll_request(t0()).unwrap();
    let b = c.poll_request(t0()).unwrap();
    let d = c.poll_request(t0()).unwrap();
    c.feed_input(&frame(&result_xml(1300, Some("C-2"))), t0())
        .unwrap();
    c.feed_input(&frame(&result_xml(2500, Some("C-3"))), t0())
        .unwrap();
    let ev: Vec<_> = c.drain_queue().collect();
    assert_eq!(response_of(&ev[0]).0.id, a.id);
    assert_eq!(response_of(&ev[1]).0.id, b.id);
    let Event::Closed { reason, unanswered } = &ev[2] else {
        panic!("{ev:?}")
    };
    assert_eq!(
        *reason,
        ClientCloseReason::ServerClosing(ResultCode::CommandFailedServerClosingConnection)
    );
    assert_eq!(unanswered.len(), 1);
    assert_eq!(unanswered[0].id, d.id);
    assert_eq!(c.state(), ClientState::Closing);
    assert!(matches!(c.hello(t0()), Err(ClientError::Closed(_))));
    c.handle_eof(t0());
    assert!(c.is_finished());
    assert_eq!(c.drain_queue().count(), 0, "one Closed event only");
}

#[test]
fn end_of_input_before_logout() {
    let mut c = hand_client(1);
    let s = c.poll_request(t0()).unwrap();
    c.feed_input(&frame(&result_xml(1300, Some("C-2")))[..10], t0())
        .unwrap();
    assert_eq!(c.buffered_input(), 10);
    c.handle_eof(t0());
    let ev: Vec<_> = c.drain_queue().collect();
    assert_eq!(
        ev,
        [Event::Closed {
            reason: ClientCloseReason::PeerClosedMidFrame { received: 10 },
            unanswered: vec![s]
        }]
    );
    let mut c = hand_client(1);
    c.handle_eof(t0());
    assert_eq!(closed_with(&mut c), ClientCloseReason::PeerClosed);
    c.close();
    assert!(c.is_finished());
    assert!(!c.wants_input());
}

#[test]
fn host_close_drops_output() {
    let mut c = hand_client(1);
    c.poll_request(t0()).unwrap();
    assert!(!c.output().is_empty());
    c.close();
    assert!(c.output().is_empty());
    assert_eq!(closed_with(&mut c), ClientCloseReason::Host);
}

/// Random and mutated server streams never panic, always leave the client
/// in a consistent state, and every command gets exactly one answer or a
/// place in the unanswered list.
#[test]
fn hostile_streams_never_panic() {
    let r = record();
    let mut stream = r.greeting.clone();
    stream.extend_from_slice(&r.login);
    stream.extend_from_slice(&r.rest);
    let mut rng = Rng(99);
    for round in 0..2000 {
        let mut bytes = stream.clone();
        match round % 4 {
            0 => {
                for _ in 0..1 + rng.below(8) {
                    let i = rng.below(bytes.len());
                    bytes[i] = rng.next() as u8;
                }
            }
            1 => {
                let i = rng.below(bytes.len());
                bytes.truncate(i);
            }
            2 => {
                let i = rng.below(bytes.len());
                let j = (i + rng.below(64)).min(bytes.len());
                bytes.drain(i..j);
            }
            _ => {
                bytes = (0..rng.below(512)).map(|_| rng.next() as u8).collect();
            }
        }
        let mut c = ClientSession::new(client_builder().build().unwrap(), t0());
        let mut given = 0usize;
        let mut answered = 0usize;
        let mut closed = 0;
        let mut pos = 0;
        while pos < bytes.len() {
            let n = (1 + rng.below(300)).min(bytes.len() - pos);
            if c.feed_input(&bytes[pos..pos + n], t0()).is_err() {
                assert!(c.is_finished());
                break;
            }
            pos += n;
            for e in c.drain_queue().collect::<Vec<_>>() {
                match e {
                    Event::Greeting { hello: None, .. } => {
                        given += usize::from(c.login(t0()).is_ok());
                    }
                    Event::Greeting { hello: Some(_), .. } => answered += 1,
                    Event::Login { .. } => {
                        answered += 1;
                        if c.state() == ClientState::LoggedIn {
                            given += 1;
                            c.poll_request(t0()).unwrap();
                            for _ in 0..3 {
                                if c.send(Command::object(CommandVerb::Check, check_xml("f")), t0())
                                    .is_ok()
                                {
                                    given += 1;
                                }
                            }
                        }
                    }
                    Event::Response { .. } => answered += 1,
                    Event::Closed { unanswered, .. } => {
                        closed += 1;
                        answered += unanswered.len();
                    }
                    _ => {}
                }
            }
            c.take_output();
        }
        c.handle_eof(t0());
        for e in c.drain_queue() {
            if let Event::Closed { unanswered, .. } = e {
                closed += 1;
                answered += unanswered.len();
            }
        }
        assert!(c.is_finished());
        assert_eq!(closed, 1, "exactly one Closed event");
        assert_eq!(given, answered, "round {round}");
    }
}
