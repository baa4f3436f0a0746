//! Client-side helpers for scripted sessions: frame requests, split and
//! inspect responses, and drive a `Session` like a host would.
#![allow(dead_code)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use epp::{
    AckAnswer, Limits, LoginAnswer, PollAnswer, PollMessage, RegistrarSessions, Request, Response,
    ResultCode, Server, ServerConfig, ServerConfigBuilder, Session,
};
use std::sync::Arc;

pub const DOMAIN: &str = "urn:ietf:params:xml:ns:domain-1.0";
pub const HOST: &str = "urn:ietf:params:xml:ns:host-1.0";
pub const CONTACT: &str = "urn:ietf:params:xml:ns:contact-1.0";
pub const SECDNS: &str = "urn:ietf:params:xml:ns:secDNS-1.1";

/// A fixed instant: 2027-01-15T08:00:00Z.
pub fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

pub fn at(secs: u64) -> SystemTime {
    t0() + Duration::from_secs(secs)
}

/// The test server's configuration: three objURIs, secDNS, svTRID epoch 7.
pub fn config_builder() -> ServerConfigBuilder {
    let mut b = ServerConfig::builder("libepp test server");
    b.object_uri(DOMAIN)
        .object_uri(HOST)
        .object_uri(CONTACT)
        .extension_uri(SECDNS)
        .sv_trid_epoch(7);
    b
}

pub fn config() -> Arc<ServerConfig> {
    config_builder().build().unwrap()
}

/// A server on `config`, started at `t0()`.
pub fn server_on(config: Arc<ServerConfig>) -> Arc<Server> {
    Server::new(config, t0())
}

/// The test server.
pub fn server() -> Arc<Server> {
    server_on(config())
}

pub fn with_limits(l: Limits) -> Arc<Server> {
    server_on(config_builder().limits(l).build().unwrap())
}

pub fn with_counter(counter: &Arc<RegistrarSessions>) -> Arc<Server> {
    Server::with_registrar_sessions(config(), counter.clone(), t0())
}

/// A tiny deterministic PRNG (xorshift64*), so failures reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Frames `xml` per RFC 5734.
pub fn frame(xml: &str) -> Vec<u8> {
    let mut v = ((xml.len() + 4) as u32).to_be_bytes().to_vec();
    v.extend_from_slice(xml.as_bytes());
    v
}

/// Splits output bytes into frames' XML. Panics on a malformed frame.
pub fn unframe(mut bytes: &[u8]) -> Vec<String> {
    let mut v = Vec::new();
    while !bytes.is_empty() {
        assert!(bytes.len() >= 4, "truncated header");
        let len = u32::from_be_bytes(bytes[..4].try_into().unwrap()) as usize;
        assert!(len >= 5 && bytes.len() >= len, "bad frame length {len}");
        v.push(String::from_utf8(bytes[4..len].to_vec()).expect("UTF-8 output"));
        bytes = &bytes[len..];
    }
    v
}

pub fn epp(inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0">{inner}</epp>"#
    )
}

pub fn cmd(inner: &str, cl_trid: Option<&str>) -> String {
    match cl_trid {
        Some(t) => epp(&format!("<command>{inner}<clTRID>{t}</clTRID></command>")),
        None => epp(&format!("<command>{inner}</command>")),
    }
}

pub fn login_xml(clid: &str, pw: &str, cl_trid: Option<&str>) -> String {
    cmd(
        &format!(
            "<login><clID>{clid}</clID><pw>{pw}</pw><options><version>1.0</version><lang>en</lang></options>\
             <svcs><objURI>{DOMAIN}</objURI><objURI>{CONTACT}</objURI><svcExtension><extURI>{SECDNS}</extURI></svcExtension></svcs></login>"
        ),
        cl_trid,
    )
}

pub fn hello_xml() -> String {
    epp("<hello/>")
}

pub fn poll_req_xml(cl_trid: Option<&str>) -> String {
    cmd(r#"<poll op="req"/>"#, cl_trid)
}

pub fn poll_ack_xml(id: &str, cl_trid: Option<&str>) -> String {
    cmd(&format!(r#"<poll op="ack" msgID="{id}"/>"#,), cl_trid)
}

pub fn logout_xml(cl_trid: Option<&str>) -> String {
    cmd("<logout/>", cl_trid)
}

pub fn domain_check_xml(cl_trid: Option<&str>) -> String {
    cmd(
        &format!(
            r#"<check><domain:check xmlns:domain="{DOMAIN}"><domain:name>example.com</domain:name></domain:check></check>"#
        ),
        cl_trid,
    )
}

/// The first result code in a response.
pub fn code_of(xml: &str) -> u16 {
    let i = xml.find("<result code=\"").expect("no result") + 14;
    xml[i..i + 4].parse().unwrap()
}

/// The clTRID echoed in a response, if any.
pub fn cltrid_of(xml: &str) -> Option<String> {
    let i = xml.find("<clTRID>")? + 8;
    let j = xml[i..].find("</clTRID>")? + i;
    Some(xml[i..j].to_string())
}

/// Replaces volatile values (svDate, svTRID, qDate) so whole responses compare.
pub fn normalize(xml: &str) -> String {
    let mut s = xml.to_string();
    for (open, close) in [("<svDate>", "</svDate>"), ("<svTRID>", "</svTRID>")] {
        let mut from = 0;
        while let Some(i) = s[from..].find(open) {
            let i = from + i + open.len();
            let j = s[i..].find(close).unwrap() + i;
            s.replace_range(i..j, "*");
            from = i + 1;
        }
    }
    s
}

/// A scripted host: a registrar table and per-registrar message queues.
pub struct Host {
    pub registrars: Vec<(String, String)>,
    pub queues: Vec<(String, Vec<(u64, String)>)>,
    pub disabled: Vec<String>,
}

impl Host {
    pub fn demo() -> Host {
        Host {
            registrars: vec![
                ("registrar1".into(), "secret-pw1".into()),
                ("registrar2".into(), "secret-pw2".into()),
            ],
            queues: vec![(
                "registrar1".into(),
                vec![
                    (101, "first message".into()),
                    (102, "second message".into()),
                ],
            )],
            disabled: vec!["disabled1".into()],
        }
    }

    fn queue(&mut self, clid: &str) -> &mut Vec<(u64, String)> {
        if !self.queues.iter().any(|(c, _)| c == clid) {
            self.queues.push((clid.to_string(), Vec::new()));
        }
        &mut self.queues.iter_mut().find(|(c, _)| c == clid).unwrap().1
    }

    /// Answers every queued request, in order. Returns what was answered.
    pub fn serve(&mut self, s: &mut Session) -> Vec<String> {
        let mut seen = Vec::new();
        while let Some(r) = s.poll_queue() {
            seen.push(format!("{:?}", r.kind()));
            self.answer(s, r);
        }
        seen
    }

    pub fn answer(&mut self, s: &mut Session, r: Request) {
        match r {
            Request::Login(l) => {
                let a = if self.disabled.contains(&l.client_id) {
                    LoginAnswer::AccountDisabled
                } else if self
                    .registrars
                    .iter()
                    .any(|(c, p)| *c == l.client_id && *p == l.password)
                {
                    LoginAnswer::Accepted
                } else {
                    LoginAnswer::BadCredentials
                };
                s.answer_login(l.id, a).unwrap();
            }
            Request::Poll(p) => {
                let clid = s.client_id().unwrap().to_string();
                let q = self.queue(&clid);
                let a = match q.first() {
                    None => PollAnswer::Empty,
                    Some((id, text)) => PollAnswer::Message(PollMessage::new(
                        *id,
                        q.len() as u64,
                        t0(),
                        text.clone(),
                    )),
                };
                s.answer_poll(p.id, a).unwrap();
            }
            Request::PollAck(a) => {
                let clid = s.client_id().unwrap().to_string();
                let q = self.queue(&clid);
                let ans = match q.iter().position(|(id, _)| *id == a.message_id) {
                    Some(i) => {
                        q.remove(i);
                        AckAnswer::Acked {
                            remaining: q.len() as u64,
                        }
                    }
                    None => AckAnswer::UnknownMessage,
                };
                s.answer_ack(a.id, ans).unwrap();
            }
            Request::Command(c) => {
                s.answer_command(c.id, Response::new(ResultCode::UnimplementedCommand))
                    .unwrap();
            }
            _ => {}
        }
    }
}

/// Feeds `bytes` in the chunks given, serving the host and taking output
/// after each chunk, like a host loop: a chunk is read only while the
/// session wants input. Returns all output.
pub fn run_chunks(
    s: &mut Session,
    host: &mut Host,
    bytes: &[u8],
    chunks: &[usize],
    now: SystemTime,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut ci = 0;
    loop {
        host.serve(s);
        if let Some(o) = s.take_output() {
            out.extend(o);
        }
        if pos >= bytes.len() || !s.wants_input() {
            if pos >= bytes.len() || s.outstanding() == 0 && s.poll_queue().is_none() {
                break;
            }
            continue;
        }
        let n = chunks
            .get(ci)
            .copied()
            .unwrap_or(bytes.len())
            .max(1)
            .min(bytes.len() - pos);
        ci += 1;
        if s.feed_input(&bytes[pos..pos + n], now).is_err() {
            break;
        }
        pos += n;
    }
    out
}
