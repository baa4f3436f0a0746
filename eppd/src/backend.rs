//! Object commands (check, info, create, ...): where eppd sends them.
//!
//! - [`Backend::None`]: every object command is answered 2101 (unimplemented).
//! - [`Backend::Http`]: each command is POSTed as JSON to the registry's own system, and its
//!   JSON answer is rendered through libepp's [`Response`] (the contract is in README.md,
//!   "Object commands"). A back end that fails or is slow gives 2400.
//! - [`Backend::Sandbox`]: RFC 5731 domains kept in eppd's store (`sandbox.rs`), the default
//!   with `--demo`.
//!
//! A back end answers `Ok(response)` or `Err(BackendError)`; the connection logs the error
//! (never the command: it may hold authInfo passwords) and answers 2400.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use epp::{EppResult, ObjectCommand, Response, ResultCode, ResultValue};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{header, Method, Request, Uri};
use hyper_util::rt::TokioIo;
use serde::Deserialize;

use crate::sandbox::Sandbox;
use crate::store::redact_url;

/// The largest answer body read from an HTTP back end.
const MAX_ANSWER: usize = 4 * 1024 * 1024;
/// Idle keep-alive connections kept to an HTTP back end.
const MAX_IDLE: usize = 16;

/// Why a back end gave no answer (for the log; the client gets 2400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendError(pub String);

impl std::fmt::Display for BackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `--backend`: what answers object commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendChoice {
    /// 2101 for every object command.
    None,
    /// RFC 5731 domains in the store.
    Sandbox,
    /// `http://HOST:PORT/PATH`.
    Http(String),
}

impl BackendChoice {
    /// `none`, `sandbox` or an `http://` URL (checked here, so that a bad one stops eppd at
    /// start).
    pub fn parse(s: &str) -> Result<BackendChoice, String> {
        match s {
            "none" => Ok(BackendChoice::None),
            "sandbox" => Ok(BackendChoice::Sandbox),
            url => {
                HttpTarget::parse(url)?;
                Ok(BackendChoice::Http(url.to_owned()))
            }
        }
    }
}

/// What answers object commands.
#[derive(Debug)]
pub enum Backend {
    None,
    Http(HttpBackend),
    Sandbox(Sandbox),
}

impl Backend {
    /// Whether object commands are answered at once (2101) rather than asynchronously.
    pub fn is_none(&self) -> bool {
        matches!(self, Backend::None)
    }

    /// For the startup log line (no password).
    pub fn describe(&self) -> String {
        match self {
            Backend::None => "none (object commands answer 2101)".into(),
            Backend::Http(h) => format!(
                "HTTP {} (timeout {}s)",
                h.target.shown,
                h.timeout.as_secs_f64()
            ),
            Backend::Sandbox(_) => "sandbox (RFC 5731 domains in the store)".into(),
        }
    }

    /// Answers one object command.
    pub async fn handle(
        &self,
        cmd: &ObjectCommand,
        now: SystemTime,
    ) -> Result<Response, BackendError> {
        match self {
            Backend::None => Ok(Response::new(ResultCode::UnimplementedCommand)),
            Backend::Http(h) => h.handle(cmd).await,
            Backend::Sandbox(s) => s
                .handle(cmd, now)
                .await
                .map_err(|e| BackendError(format!("sandbox: {e}"))),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// the HTTP back end

/// Where an HTTP back end is.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HttpTarget {
    /// `host:port` to connect to.
    connect: String,
    /// The `Host` header.
    host: String,
    /// Path and query.
    path: String,
    /// `Authorization: Basic ...` from `http://user:password@host/`.
    authorization: Option<String>,
    /// The URL for logs (without its password).
    shown: String,
}

impl HttpTarget {
    fn parse(url: &str) -> Result<HttpTarget, String> {
        let shown = redact_url(url);
        let bad = |why: &str| Err(format!("--backend {shown}: {why}"));
        if !url.starts_with("http://") {
            return bad(
                "expected http://HOST:PORT/PATH (plain HTTP; put TLS in front with a local \
                 proxy), sandbox or none",
            );
        }
        // The userinfo (http's Uri refuses it), then the rest.
        let rest = &url["http://".len()..];
        let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (userinfo, hostport) = match rest[..auth_end].rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, &rest[..auth_end]),
        };
        let clean = format!("http://{hostport}{}", &rest[auth_end..]);
        let uri: Uri = match clean.parse() {
            Ok(u) => u,
            Err(e) => return bad(&e.to_string()),
        };
        let Some(authority) = uri.authority() else {
            return bad("no host");
        };
        if authority.host().is_empty() {
            return bad("no host");
        }
        let port = authority.port_u16().unwrap_or(80);
        let host = authority.host();
        let connect = if host.starts_with('[') {
            format!("{host}:{port}")
        } else if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let path = uri
            .path_and_query()
            .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
        let path = if path.is_empty() { "/".into() } else { path };
        Ok(HttpTarget {
            connect,
            host: authority.as_str().to_owned(),
            path,
            authorization: userinfo.map(|u| format!("Basic {}", base64(u.as_bytes()))),
            shown,
        })
    }
}

/// POSTs object commands to a registry's system.
pub struct HttpBackend {
    target: HttpTarget,
    timeout: Duration,
    /// Keep-alive connections not in use.
    idle: Mutex<Vec<SendRequest<Full<Bytes>>>>,
}

impl std::fmt::Debug for HttpBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpBackend")
            .field("url", &self.target.shown)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The JSON eppd posts (README.md, "Object commands").
fn request_json(cmd: &ObjectCommand) -> serde_json::Value {
    serde_json::json!({
        "clID": &*cmd.client_id,
        "clTRID": cmd.client_transaction_id.as_ref().map(|t| t.as_str()),
        // The svTRID the response will carry: the back end can file the
        // transaction under it before eppd answers.
        "svTRID": cmd.server_transaction_id.to_string(),
        "verb": cmd.verb.as_str(),
        "op": cmd.transfer_op.map(|o| o.as_str()),
        "objURI": cmd.object_uri,
        "xml": cmd.object_xml,
        "extURIs": cmd.extension_uris,
        "extension": cmd.extension_xml,
    })
}

/// The back end's answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    /// Every result, the first giving the response its code.
    results: Option<Vec<AnswerResult>>,
    /// The short form for one result.
    #[serde(flatten)]
    single: AnswerResultOpt,
    res_data: Option<String>,
    extension: Option<String>,
}

#[derive(Debug, Deserialize)]
struct AnswerResult {
    code: u16,
    msg: Option<String>,
    lang: Option<String>,
    #[serde(default)]
    values: Vec<AnswerValue>,
}

#[derive(Debug, Deserialize)]
struct AnswerResultOpt {
    code: Option<u16>,
    msg: Option<String>,
    lang: Option<String>,
    #[serde(default)]
    values: Vec<AnswerValue>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum AnswerValue {
    /// `<value>`.
    Value(String),
    /// `<extValue>`.
    ExtValue { value: String, reason: String },
}

/// The codes an object command may be answered with: 1000, 1001, and RFC 5730's 2xxx.
fn object_code(code: u16) -> Result<ResultCode, String> {
    match ResultCode::from_u16(code) {
        Some(c) if code == 1000 || code == 1001 || code >= 2000 => Ok(c),
        Some(_) => Err(format!(
            "result code {code} is not an object command's (1000, 1001 or 2xxx)"
        )),
        None => Err(format!("result code {code} is not one RFC 5730 defines")),
    }
}

fn plain_text(what: &str, s: &str) -> Result<(), String> {
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(format!("{what} holds a control character"));
    }
    Ok(())
}

/// Reads the back end's JSON answer into a [`Response`] (the XML in it is checked by libepp
/// when the response is rendered).
pub fn parse_answer(body: &[u8]) -> Result<Response, String> {
    let a: Answer =
        serde_json::from_slice(body).map_err(|e| format!("the answer is not valid JSON: {e}"))?;
    let results = match (a.results, a.single.code) {
        (Some(_), Some(_)) => return Err("the answer has both \"results\" and \"code\"".into()),
        (Some(r), None) if r.is_empty() => return Err("\"results\" is empty".into()),
        (Some(r), None) => r,
        (None, Some(code)) => vec![AnswerResult {
            code,
            msg: a.single.msg,
            lang: a.single.lang,
            values: a.single.values,
        }],
        (None, None) => return Err("the answer has no \"code\" nor \"results\"".into()),
    };
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        let code = object_code(r.code)?;
        if let Some(m) = &r.msg {
            plain_text("\"msg\"", m)?;
        }
        let values = r
            .values
            .into_iter()
            .map(|v| match v {
                AnswerValue::Value(x) => Ok(ResultValue::Value(x)),
                AnswerValue::ExtValue { value, reason } => {
                    plain_text("\"reason\"", &reason)?;
                    Ok(ResultValue::ExtValue { value, reason })
                }
            })
            .collect::<Result<Vec<_>, String>>()?;
        out.push(EppResult {
            code,
            message: r.msg,
            lang: r.lang,
            values,
        });
    }
    Ok(Response {
        results: out,
        res_data: a.res_data.filter(|x| !x.trim().is_empty()),
        extension: a.extension.filter(|x| !x.trim().is_empty()),
    })
}

impl HttpBackend {
    pub fn new(url: &str, timeout: Duration) -> Result<HttpBackend, String> {
        Ok(HttpBackend {
            target: HttpTarget::parse(url)?,
            timeout,
            idle: Mutex::new(Vec::new()),
        })
    }

    async fn handle(&self, cmd: &ObjectCommand) -> Result<Response, BackendError> {
        let body = serde_json::to_vec(&request_json(cmd))
            .map_err(|e| BackendError(format!("cannot encode the request: {e}")))?;
        let answer = tokio::time::timeout(self.timeout, self.post(body))
            .await
            .map_err(|_| {
                BackendError(format!(
                    "{}: no answer within {}s",
                    self.target.shown,
                    self.timeout.as_secs_f64()
                ))
            })?
            .map_err(|e| BackendError(format!("{}: {e}", self.target.shown)))?;
        parse_answer(&answer).map_err(|e| BackendError(format!("{}: {e}", self.target.shown)))
    }

    fn request(&self, body: Vec<u8>) -> Result<Request<Full<Bytes>>, String> {
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(self.target.path.as_str())
            .header(header::HOST, self.target.host.as_str())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .header(
                header::USER_AGENT,
                concat!("eppd/", env!("CARGO_PKG_VERSION")),
            );
        if let Some(a) = &self.target.authorization {
            b = b.header(header::AUTHORIZATION, a.as_str());
        }
        b.body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("cannot build the request: {e}"))
    }

    /// One POST, on an idle keep-alive connection when there is one (a request that one did
    /// not take, because the back end had closed it, goes on a new connection), and the body
    /// of a 2xx answer.
    async fn post(&self, body: Vec<u8>) -> Result<Vec<u8>, String> {
        let mut req = self.request(body)?;
        let mut sender = loop {
            let Some(mut s) = self.take_idle() else {
                break self.connect().await?;
            };
            if s.ready().await.is_err() {
                continue;
            }
            match s.try_send_request(req).await {
                Ok(resp) => return self.finish(s, resp).await,
                Err(mut e) => match e.take_message() {
                    // Not sent: try the next connection.
                    Some(r) => req = r,
                    None => return Err(format!("request failed: {}", e.into_error())),
                },
            }
        };
        sender
            .ready()
            .await
            .map_err(|e| format!("connection failed: {e}"))?;
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        self.finish(sender, resp).await
    }

    async fn finish(
        &self,
        sender: SendRequest<Full<Bytes>>,
        resp: hyper::Response<hyper::body::Incoming>,
    ) -> Result<Vec<u8>, String> {
        let status = resp.status();
        let body = Limited::new(resp.into_body(), MAX_ANSWER)
            .collect()
            .await
            .map_err(|e| format!("reading the answer failed: {e}"))?
            .to_bytes();
        self.put_idle(sender);
        if !status.is_success() {
            return Err(format!("HTTP status {status} ({} bytes)", body.len()));
        }
        Ok(body.to_vec())
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, String> {
        let stream = tokio::net::TcpStream::connect(self.target.connect.as_str())
            .await
            .map_err(|e| format!("cannot connect: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake failed: {e}"))?;
        // The connection's I/O: runs until the back end or eppd drops it.
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }

    fn take_idle(&self) -> Option<SendRequest<Full<Bytes>>> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(s) = idle.pop() {
            if !s.is_closed() {
                return Some(s);
            }
        }
        None
    }

    fn put_idle(&self, sender: SendRequest<Full<Bytes>>) {
        if sender.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(sender);
        }
    }
}

/// Standard base64 with padding (RFC 4648), for `Authorization: Basic`.
fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Builds the back end `--backend` chose.
pub fn build(
    choice: &BackendChoice,
    timeout: Duration,
    store: &Arc<crate::store::Store>,
) -> Result<Backend, String> {
    Ok(match choice {
        BackendChoice::None => Backend::None,
        BackendChoice::Sandbox => Backend::Sandbox(Sandbox::new(Arc::clone(store))),
        BackendChoice::Http(url) => Backend::Http(HttpBackend::new(url, timeout)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let t = HttpTarget::parse("http://127.0.0.1:8080/epp/cmd?x=1").unwrap();
        assert_eq!(t.connect, "127.0.0.1:8080");
        assert_eq!(t.host, "127.0.0.1:8080");
        assert_eq!(t.path, "/epp/cmd?x=1");
        assert_eq!(t.authorization, None);
        let t = HttpTarget::parse("http://registry.example").unwrap();
        assert_eq!(
            (t.connect.as_str(), t.path.as_str()),
            ("registry.example:80", "/")
        );
        let t = HttpTarget::parse("http://[::1]:9000/x").unwrap();
        assert_eq!(t.connect, "[::1]:9000");
        let t = HttpTarget::parse("http://eppd:s3cret@10.0.0.1:81/b").unwrap();
        assert_eq!(t.authorization.as_deref(), Some("Basic ZXBwZDpzM2NyZXQ="));
        assert_eq!(t.shown, "http://eppd:***@10.0.0.1:81/b");
        assert_eq!(t.host, "10.0.0.1:81");
        for bad in ["https://x/", "ftp://x", "http://", "localhost:80"] {
            let e = HttpTarget::parse(bad).unwrap_err();
            assert!(e.contains("--backend"), "{e}");
        }
        assert!(!HttpTarget::parse("https://u:s3cret@x/")
            .unwrap_err()
            .contains("s3cret"));
        assert_eq!(BackendChoice::parse("sandbox"), Ok(BackendChoice::Sandbox));
        assert_eq!(BackendChoice::parse("none"), Ok(BackendChoice::None));
    }

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
    }

    #[test]
    fn answers() {
        let r = parse_answer(br#"{"code": 1000}"#).unwrap();
        assert_eq!(r, Response::success());
        let r = parse_answer(
            br#"{"code": 2303, "msg": "no such domain", "lang": "fr",
                 "values": ["<d:name xmlns:d=\"urn:d\">x</d:name>",
                            {"value": "<d:x xmlns:d=\"urn:d\"/>", "reason": "why"}]}"#,
        )
        .unwrap();
        assert_eq!(r.code(), ResultCode::ObjectDoesNotExist);
        assert_eq!(r.results[0].message.as_deref(), Some("no such domain"));
        assert_eq!(r.results[0].lang.as_deref(), Some("fr"));
        assert_eq!(r.results[0].values.len(), 2);
        assert!(matches!(
            r.results[0].values[1],
            ResultValue::ExtValue { ref reason, .. } if reason == "why"
        ));
        let r = parse_answer(
            br#"{"results": [{"code": 2004}, {"code": 2005, "msg": "b"}],
                 "resData": "<x:y xmlns:x=\"urn:x\"/>", "extension": "", "other": 1}"#,
        )
        .unwrap();
        assert_eq!(r.results.len(), 2);
        assert_eq!(r.res_data.as_deref(), Some("<x:y xmlns:x=\"urn:x\"/>"));
        assert_eq!(r.extension, None);
        for bad in [
            &br"garbage"[..],
            br"{}",
            br#"{"code": 1300}"#,
            br#"{"code": 1500}"#,
            br#"{"code": 1234}"#,
            br#"{"code": "1000"}"#,
            br#"{"results": []}"#,
            br#"{"results": [{"code": 1000}], "code": 1000}"#,
            br#"{"code": 1000, "msg": "bell\u0007"}"#,
        ] {
            assert!(
                parse_answer(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
