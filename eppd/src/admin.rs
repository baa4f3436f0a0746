//! The administration subcommands: registrars and service messages, on the store, whether or
//! not a server runs on it (every change is one transaction, seen by running servers at their
//! next login or poll).

use std::io::Read as _;
use std::path::Path;
use std::time::SystemTime;

use epp::{LoginAnswer, PollAnswer, PollMessage, Request, Server, ServerConfig, Session, EPP_NS};

use crate::cli::{
    check_clid, check_message_text, check_password, MessageCommand, RegistrarCommand,
};
use crate::store::{CertBinding, NewMessage, Store};
use crate::tls::{load_certs, normalize_fingerprint, PeerCert};

/// Text of a message queued with --file and no --text.
const DEFAULT_RESDATA_TEXT: &str = "Service message (see resData)";

pub async fn registrar(store: &Store, cmd: RegistrarCommand) -> Result<String, String> {
    let missing = |clid: &str| format!("no registrar {clid}");
    let changed = |found: bool, clid: &str, what: String| {
        if found {
            Ok(what)
        } else {
            Err(missing(clid))
        }
    };
    match cmd {
        RegistrarCommand::Add {
            clid,
            password_file,
            max_sessions,
        } => {
            check_clid(&clid)?;
            let pw = read_password(&password_file)?;
            store
                .add_registrar(&clid, &pw, max_sessions, SystemTime::now())
                .await
                .map_err(|e| e.to_string())?;
            Ok(format!("registrar {clid} added"))
        }
        RegistrarCommand::List => {
            let list = store
                .registrars(SystemTime::now())
                .await
                .map_err(|e| e.to_string())?;
            Ok(render_list(&list))
        }
        RegistrarCommand::Disable { clid } => {
            let found = store
                .set_disabled(&clid, true)
                .await
                .map_err(|e| e.to_string())?;
            changed(found, &clid, format!("registrar {clid} disabled"))
        }
        RegistrarCommand::Enable { clid } => {
            let found = store
                .set_disabled(&clid, false)
                .await
                .map_err(|e| e.to_string())?;
            changed(found, &clid, format!("registrar {clid} enabled"))
        }
        RegistrarCommand::Passwd {
            clid,
            password_file,
        } => {
            let pw = read_password(&password_file)?;
            let found = store
                .set_password(&clid, &pw)
                .await
                .map_err(|e| e.to_string())?;
            changed(found, &clid, format!("registrar {clid}: password set"))
        }
        RegistrarCommand::BindCert {
            clid,
            cert,
            by_subject,
            fingerprint,
            subject,
            none,
        } => {
            let binding = match (cert, fingerprint, subject, none) {
                (Some(path), _, _, _) => {
                    let leaf = load_certs(&path)?.swap_remove(0);
                    let id = PeerCert::from_der(&leaf);
                    if by_subject {
                        crate::tls::subject_of(&leaf)
                            .map_err(|e| format!("{}: {e}", path.display()))?;
                        Some(CertBinding::Subject(id.subject))
                    } else {
                        Some(CertBinding::Sha256(id.sha256))
                    }
                }
                (None, Some(hex), _, _) => Some(CertBinding::Sha256(normalize_fingerprint(&hex)?)),
                (None, None, Some(dn), _) if !dn.trim().is_empty() => {
                    Some(CertBinding::Subject(dn.trim().to_owned()))
                }
                (None, None, Some(_), _) => return Err("--subject is empty".into()),
                (None, None, None, _) => None,
            };
            let found = store
                .set_binding(&clid, binding.as_ref())
                .await
                .map_err(|e| e.to_string())?;
            let what = match &binding {
                Some(b) => format!("registrar {clid} bound to {b}"),
                None => format!("registrar {clid}: no certificate binding"),
            };
            changed(found, &clid, what)
        }
        RegistrarCommand::Limit { clid, limit } => {
            let max = match limit.as_str() {
                "none" => None,
                n => match n.parse::<u64>() {
                    Ok(n) if (1..=1_000_000).contains(&n) => Some(n),
                    _ => return Err(format!("{n:?}: expected 1 to 1000000, or none")),
                },
            };
            let found = store
                .set_max_sessions(&clid, max)
                .await
                .map_err(|e| e.to_string())?;
            let what = match max {
                Some(n) => format!("registrar {clid}: at most {n} session(s)"),
                None => format!("registrar {clid}: the server's session limit"),
            };
            changed(found, &clid, what)
        }
    }
}

pub async fn message(store: &Store, cmd: MessageCommand) -> Result<String, String> {
    match cmd {
        MessageCommand::Add {
            clid,
            text,
            file,
            lang,
        } => {
            let res_data = match &file {
                Some(path) => Some(
                    std::fs::read_to_string(path)
                        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
                        .trim()
                        .to_owned(),
                ),
                None => None,
            };
            let text = text.unwrap_or_else(|| DEFAULT_RESDATA_TEXT.to_owned());
            check_message_text(&text)?;
            let message = NewMessage {
                text,
                lang: lang.filter(|l| l != "en"),
                res_data: res_data.filter(|x| !x.is_empty()),
            };
            check_message(&message)?;
            match store
                .enqueue(&clid, &message, SystemTime::now())
                .await
                .map_err(|e| e.to_string())?
            {
                Some(id) => Ok(format!("message {id} queued for {clid}")),
                None => Err(format!("no registrar {clid}")),
            }
        }
    }
}

/// Whether libepp will send this message: the text's language and the resData (well-formed,
/// namespaced elements) are checked as a poll response would be, through a session.
pub fn check_message(m: &NewMessage) -> Result<(), String> {
    let now = SystemTime::now();
    let config = ServerConfig::builder("eppd-check")
        .object_uri(crate::DOMAIN)
        .build()
        .map_err(|e| e.to_string())?;
    let mut s = Session::new(Server::new(config, now), now);
    let frame = |xml: String| {
        let mut v = ((xml.len() + 4) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(xml.as_bytes());
        v
    };
    let login = format!(
        "<epp xmlns=\"{EPP_NS}\"><command><login><clID>checker</clID><pw>checker</pw>\
         <options><version>1.0</version><lang>en</lang></options>\
         <svcs><objURI>{}</objURI></svcs></login></command></epp>",
        crate::DOMAIN
    );
    let poll = format!("<epp xmlns=\"{EPP_NS}\"><command><poll op=\"req\"/></command></epp>");
    let broken = || "message check: the engine did not ask as expected".to_string();
    s.feed_input(&frame(login), now)
        .map_err(|e| e.to_string())?;
    let Some(Request::Login(l)) = s.poll_queue() else {
        return Err(broken());
    };
    s.answer_login(l.id, LoginAnswer::Accepted)
        .map_err(|e| e.to_string())?;
    let _ = s.take_output();
    s.feed_input(&frame(poll), now).map_err(|e| e.to_string())?;
    let Some(Request::Poll(p)) = s.poll_queue() else {
        return Err(broken());
    };
    let msg = PollMessage {
        lang: m.lang.clone(),
        res_data: m.res_data.clone(),
        ..PollMessage::new(1, 1, now, m.text.clone())
    };
    s.answer_poll(p.id, PollAnswer::Message(msg))
        .map_err(|e| format!("the message cannot be sent: {e}"))
}

/// The password in `path` (`-`: standard input), without one trailing newline.
pub fn read_password(path: &Path) -> Result<String, String> {
    let mut text = String::new();
    if path == Path::new("-") {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    } else {
        text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the password file {}: {e}", path.display()))?;
    }
    let pw = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    check_password(pw)?;
    Ok(pw.to_owned())
}

fn render_list(list: &[crate::store::RegistrarInfo]) -> String {
    let mut rows = vec![[
        "CLID".to_string(),
        "STATUS".into(),
        "SESSIONS".into(),
        "LIMIT".into(),
        "QUEUED".into(),
        "CERTIFICATE".into(),
    ]];
    for r in list {
        rows.push([
            r.client_id.clone(),
            if r.disabled { "disabled" } else { "enabled" }.into(),
            r.sessions.to_string(),
            r.max_sessions
                .map_or_else(|| "server".to_string(), |n| n.to_string()),
            r.queued.to_string(),
            r.binding
                .as_ref()
                .map_or_else(|| "-".to_string(), ToString::to_string),
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in &rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if list.is_empty() {
        out.push_str("(no registrars: add one with `eppd registrar add CLID --password-file F`)\n");
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_checked_as_the_engine_sends_them() {
        let text = |t: &str| NewMessage {
            text: t.into(),
            ..NewMessage::default()
        };
        assert_eq!(check_message(&text("hello <there> & more")), Ok(()));
        let with = |xml: &str| NewMessage {
            res_data: Some(xml.into()),
            ..text("data")
        };
        assert_eq!(
            check_message(&with(
                "<domain:trnData xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\">\
                 <domain:name>example.test</domain:name></domain:trnData>"
            )),
            Ok(())
        );
        assert!(check_message(&with("<unclosed>")).is_err());
        assert!(check_message(&with("not xml at all <")).is_err());
        let lang = NewMessage {
            lang: Some("not a language!".into()),
            ..text("x")
        };
        assert!(check_message(&lang).is_err());
    }

    #[test]
    fn password_files() {
        let dir = std::env::temp_dir().join(format!("eppd-admin-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("pw");
        std::fs::write(&f, "secret-pw1\n").unwrap();
        assert_eq!(read_password(&f).unwrap(), "secret-pw1");
        std::fs::write(&f, "secret-pw1\r\n").unwrap();
        assert_eq!(read_password(&f).unwrap(), "secret-pw1");
        std::fs::write(&f, "secret-pw1").unwrap();
        assert_eq!(read_password(&f).unwrap(), "secret-pw1");
        std::fs::write(&f, "short\n").unwrap();
        assert!(read_password(&f).is_err());
        std::fs::write(&f, "secret-pw1\n\n").unwrap();
        assert!(read_password(&f).is_err());
        assert!(read_password(&dir.join("missing")).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
