//! The client's commands to framed bytes, written straight into the
//! output buffer (RFC 5734 framing from `framing.rs`, the envelope and
//! escaping from `render.rs`).

use super::types::{LOGIN_SEC_NS, LOGIN_SEC_PLACEHOLDER};
use crate::framing::{begin_frame, end_frame};
use crate::render::{push_attr, push_text, EPP_CLOSE, EPP_OPEN};
use crate::request::{CommandVerb, TransferOp};

/// What goes inside `<command>`, before `<extension>`.
pub(crate) enum Inner<'a> {
    Login(&'a LoginFields<'a>),
    Logout,
    Poll(Option<&'a str>),
    Object {
        verb: CommandVerb,
        transfer_op: Option<TransferOp>,
        xml: &'a str,
    },
}

/// A login's fields, negotiated.
pub(crate) struct LoginFields<'a> {
    pub client_id: &'a str,
    pub password: &'a str,
    pub new_password: Option<&'a str>,
    pub lang: &'a str,
    pub object_uris: &'a [String],
    pub extension_uris: &'a [String],
    /// RFC 8807: the password, new password, or both travel in the
    /// extension.
    pub long_password: bool,
    pub long_new_password: bool,
}

/// A `<hello>` frame.
pub(crate) fn write_hello(out: &mut Vec<u8>) {
    let at = begin_frame(out);
    out.extend_from_slice(EPP_OPEN.as_bytes());
    out.extend_from_slice(b"<hello/>");
    out.extend_from_slice(EPP_CLOSE.as_bytes());
    end_frame(out, at);
}

/// A `<command>` frame; `extension` is checked standing-alone XML.
pub(crate) fn write_command(
    out: &mut Vec<u8>,
    inner: &Inner<'_>,
    extension: Option<&str>,
    cl_trid: &str,
) {
    let at = begin_frame(out);
    out.extend_from_slice(EPP_OPEN.as_bytes());
    out.extend_from_slice(b"<command>");
    let mut login_sec = None;
    match inner {
        Inner::Login(l) => {
            push_login(out, l);
            if l.long_password || l.long_new_password {
                login_sec = Some(*l);
            }
        }
        Inner::Logout => out.extend_from_slice(b"<logout/>"),
        Inner::Poll(None) => out.extend_from_slice(b"<poll op=\"req\"/>"),
        Inner::Poll(Some(id)) => {
            out.extend_from_slice(b"<poll op=\"ack\" msgID=\"");
            push_attr(out, id);
            out.extend_from_slice(b"\"/>");
        }
        Inner::Object {
            verb,
            transfer_op,
            xml,
        } => {
            out.push(b'<');
            out.extend_from_slice(verb.as_str().as_bytes());
            if let Some(op) = transfer_op {
                out.extend_from_slice(b" op=\"");
                out.extend_from_slice(op.as_str().as_bytes());
                out.push(b'"');
            }
            out.push(b'>');
            out.extend_from_slice(xml.as_bytes());
            out.extend_from_slice(b"</");
            out.extend_from_slice(verb.as_str().as_bytes());
            out.push(b'>');
        }
    }
    if login_sec.is_some() || extension.is_some() {
        out.extend_from_slice(b"<extension>");
        if let Some(l) = login_sec {
            push_login_sec(out, l);
        }
        if let Some(x) = extension {
            out.extend_from_slice(x.as_bytes());
        }
        out.extend_from_slice(b"</extension>");
    }
    out.extend_from_slice(b"<clTRID>");
    push_text(out, cl_trid);
    out.extend_from_slice(b"</clTRID></command>");
    out.extend_from_slice(EPP_CLOSE.as_bytes());
    end_frame(out, at);
}

fn element(out: &mut Vec<u8>, name: &str, text: &str) {
    out.push(b'<');
    out.extend_from_slice(name.as_bytes());
    out.push(b'>');
    push_text(out, text);
    out.extend_from_slice(b"</");
    out.extend_from_slice(name.as_bytes());
    out.push(b'>');
}

fn push_login(out: &mut Vec<u8>, l: &LoginFields<'_>) {
    out.extend_from_slice(b"<login>");
    element(out, "clID", l.client_id);
    let pw = if l.long_password {
        LOGIN_SEC_PLACEHOLDER
    } else {
        l.password
    };
    element(out, "pw", pw);
    if let Some(n) = l.new_password {
        let n = if l.long_new_password {
            LOGIN_SEC_PLACEHOLDER
        } else {
            n
        };
        element(out, "newPW", n);
    }
    out.extend_from_slice(b"<options><version>1.0</version>");
    element(out, "lang", l.lang);
    out.extend_from_slice(b"</options><svcs>");
    for u in l.object_uris {
        element(out, "objURI", u);
    }
    if !l.extension_uris.is_empty() {
        out.extend_from_slice(b"<svcExtension>");
        for u in l.extension_uris {
            element(out, "extURI", u);
        }
        out.extend_from_slice(b"</svcExtension>");
    }
    out.extend_from_slice(b"</svcs></login>");
}

/// RFC 8807 `<loginSec:loginSec>` with the long password(s).
fn push_login_sec(out: &mut Vec<u8>, l: &LoginFields<'_>) {
    out.extend_from_slice(b"<loginSec:loginSec xmlns:loginSec=\"");
    out.extend_from_slice(LOGIN_SEC_NS.as_bytes());
    out.extend_from_slice(b"\">");
    if l.long_password {
        element(out, "loginSec:pw", l.password);
    }
    if let (true, Some(n)) = (l.long_new_password, l.new_password) {
        element(out, "loginSec:newPW", n);
    }
    out.extend_from_slice(b"</loginSec:loginSec>");
}
