//! The EPP server's state machine (RFC 5730 section 2), as one pure
//! function: [`transition`] maps a state and an input to the next state and
//! one action. Everything the session does is carried out from its result;
//! nothing else changes the state.
//!
//! ```text
//! state          input                         next state      action
//! -------------  ----------------------------  --------------  ---------------------------
//! Closed         anything                      Closed          -
//! Closing        host close                    Closed          -
//! Closing        every response taken          Closed          -
//! Closing        a host answer                 Closing         (the answer is rendered)
//! Closing        anything else                 Closing         -
//! open           host close                    Closed          -
//! open           end of input                  Closing         -
//! open           a deadline passed             Closing         -
//! open           bad frame length              Closing         reply 2500
//! open           frame refused by the parser   same            reply 2000/2001
//! LoginPending   a frame                       same            reply 2002 (never: input waits)
//! open           <hello>                       same            reply greeting
//! AwaitingLogin  <login>, services offered     LoginPending    ask the host
//! AwaitingLogin  <login>, something not        AwaitingLogin   reply 2100/2102/2307/2103
//! AwaitingLogin  <login>, RFC 8807 misused     AwaitingLogin   reply 2001/2003/2005/2103/2306
//! AwaitingLogin  <epp><extension>              AwaitingLogin   reply 2002
//! AwaitingLogin  any other command             AwaitingLogin   reply 2002
//! LoggedIn       <login>                       LoggedIn        reply 2002
//! LoggedIn       extension not logged in       LoggedIn        reply 2103 (object: after objURI)
//! LoggedIn       <epp><extension>, not logged  LoggedIn        reply 2103 (an element's extURI)
//! LoggedIn       <logout>                      Closing         reply 1500
//! LoggedIn       <poll op=req msgID>           LoggedIn        reply 2005
//! LoggedIn       <poll op=req>                 LoggedIn        ask the host
//! LoggedIn       <poll op=ack>, no msgID       LoggedIn        reply 2003
//! LoggedIn       <poll op=ack>, bad msgID      LoggedIn        reply 2303
//! LoggedIn       <poll op=ack msgID>           LoggedIn        ask the host
//! LoggedIn       object command, objURI not    LoggedIn        reply 2307
//! LoggedIn       object command                LoggedIn        ask the host
//! LoggedIn       <epp><extension>              LoggedIn        ask the host
//! LoginPending   login answered 1000           LoggedIn        -
//! LoginPending   login answered 2501/2502/25xx Closing         -
//! LoginPending   login answered otherwise      AwaitingLogin   -
//! open           other answer 25xx             Closing         -
//! open           other answer                  same            -
//! ```
//!
//! ("open" is AwaitingLogin, LoginPending or LoggedIn.) Rendering is not
//! here: a [`Reply`] says what to answer and `render.rs` writes it.

use std::borrow::Cow;

use crate::config::ServerConfig;
use crate::login_security::{LoginSecurity, UserAgent, LOGIN_SECURITY_NS, LOGIN_SECURITY_PASSWORD};
use crate::parse::{login_sec, CommandKind, Extension, Login, LoginSec, PollOp, Refusal};
use crate::request::{CloseReason, CommandVerb, TransferOp};
use crate::result_code::ResultCode;
use crate::xml::XmlBounds;

/// Where a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Connected, greeting sent, not logged in.
    AwaitingLogin,
    /// A login is with the host; input waits until it is answered.
    LoginPending,
    /// Logged in.
    LoggedIn,
    /// No more input is processed; responses still pending are written.
    Closing(CloseReason),
    /// Nothing more will be written.
    Closed(CloseReason),
}

impl State {
    /// Whether input is still processed.
    #[inline]
    pub(crate) fn is_open(self) -> bool {
        !matches!(self, State::Closing(_) | State::Closed(_))
    }

    /// Why the session ended, once it has.
    pub(crate) fn close_reason(&self) -> Option<&CloseReason> {
        match self {
            State::Closing(r) | State::Closed(r) => Some(r),
            _ => None,
        }
    }
}

/// What happened.
#[derive(Debug)]
pub(crate) enum Input<'a> {
    /// `<hello>`.
    Hello,
    /// A `<command>` that parsed.
    Command(CommandKind<'a>),
    /// A frame the parser refused.
    Refused(&'a Refusal),
    /// A frame header announcing a length outside `5..=limit`.
    BadFrameLength {
        /// The announced length.
        length: u32,
        /// The largest accepted.
        limit: u32,
    },
    /// The host answered the pending login; this is the code it gets.
    LoginAnswered(ResultCode),
    /// The host answered another request with this code.
    Answered(ResultCode),
    /// The peer closed its sending side, with `unfinished` bytes of a
    /// frame received.
    PeerClosed {
        /// Bytes of an unfinished frame (0: between frames).
        unfinished: usize,
    },
    /// The current deadline passed.
    Timeout,
    /// The host closed the session.
    HostClose,
    /// Every response has been written and taken.
    Drained,
}

/// What the session must do.
#[derive(Debug)]
pub(crate) enum Action<'a> {
    /// Nothing.
    None,
    /// Answer at once.
    Reply(Reply<'a>),
    /// Hand a request to the host and keep the response's place.
    Ask(Ask<'a>),
}

/// A response libepp writes on its own.
#[derive(Debug)]
pub(crate) enum Reply<'a> {
    /// The greeting (answer to `<hello>`).
    Greeting,
    /// A result, optionally with a message and an `<extValue>`.
    Result {
        /// The result code.
        code: ResultCode,
        /// The message; `None` is the code's standard text.
        message: Option<&'static str>,
        /// What was wrong, for `<extValue>`.
        value: Option<BadValue<'a>>,
    },
}

/// `<extValue><value><{element}>{text}</{element}></value><reason>`.
#[derive(Debug)]
pub(crate) struct BadValue<'a> {
    /// The element named.
    pub element: Cow<'a, str>,
    /// Its text.
    pub text: Cow<'a, str>,
    /// Why.
    pub reason: Cow<'a, str>,
}

/// A request for the host.
#[derive(Debug)]
pub(crate) enum Ask<'a> {
    /// Authenticate a login whose services are all offered.
    Login {
        /// The command.
        login: Box<Login<'a>>,
        /// Bit i: the client asked for `config.object_uris[i]`.
        obj_mask: u64,
        /// Bit i: the client asked for `config.extension_uris[i]`.
        ext_mask: u64,
        /// `<loginSec:userAgent>` (RFC 8807); the login's passwords are
        /// already the real ones.
        user_agent: Option<UserAgent>,
    },
    /// The oldest poll message.
    Poll,
    /// Remove a poll message.
    Ack {
        /// The message id.
        msg_id: u64,
    },
    /// An object command.
    Command {
        /// The verb.
        verb: CommandVerb,
        /// For a transfer, its op.
        transfer_op: Option<TransferOp>,
        /// The object's namespace.
        object_ns: String,
        /// The object element, standing alone.
        object_xml: String,
    },
    /// A protocol extension (`<epp><extension>`, RFC 3735); its elements
    /// are the context's extensions.
    Extension,
}

/// What the transition reads besides the state: the configuration, the
/// services the client logged in with, and the command's extensions.
pub(crate) struct Context<'c> {
    /// The configuration.
    pub config: &'c ServerConfig,
    /// Bit i: logged in with `config.object_uris[i]`.
    pub obj_mask: u64,
    /// Bit i: logged in with `config.extension_uris[i]`.
    pub ext_mask: u64,
    /// The `<extension>` children of the command being read (for a
    /// protocol extension, its elements).
    pub extensions: &'c [Extension],
}

/// The result of a transition.
#[derive(Debug)]
pub(crate) struct Step<'a> {
    /// The next state.
    pub next: State,
    /// What to do.
    pub action: Action<'a>,
}

/// The transition table (see the module documentation).
#[inline]
pub(crate) fn transition<'a>(state: State, input: Input<'a>, cx: &Context<'_>) -> Step<'a> {
    use Input as I;
    use ResultCode as C;
    use State as S;
    let stay = |action| Step {
        next: state,
        action,
    };
    let go = |next, action| Step { next, action };
    match (state, input) {
        (S::Closed(_), _) => stay(Action::None),
        (S::Closing(r), I::HostClose | I::Drained) => go(S::Closed(r), Action::None),
        (S::Closing(_), _) => stay(Action::None),
        (_, I::Drained) => stay(Action::None),
        (_, I::HostClose) => go(S::Closed(CloseReason::Host), Action::None),
        (_, I::PeerClosed { unfinished: 0 }) => {
            go(S::Closing(CloseReason::PeerClosed), Action::None)
        }
        (_, I::PeerClosed { unfinished }) => go(
            S::Closing(CloseReason::PeerClosedMidFrame {
                received: unfinished,
            }),
            Action::None,
        ),
        (S::LoggedIn, I::Timeout) => go(S::Closing(CloseReason::IdleTimeout), Action::None),
        (_, I::Timeout) => go(S::Closing(CloseReason::LoginDeadline), Action::None),
        (_, I::BadFrameLength { length, limit }) => go(
            S::Closing(CloseReason::BadFrameLength { length, limit }),
            bad_frame_length(length, limit),
        ),
        (_, I::Refused(r)) => stay(refused(r)),
        (S::LoginPending, I::Hello | I::Command(_)) => {
            debug_assert!(false, "a frame was read while a login is pending");
            stay(reply(C::CommandUseError, Some("a login is pending")))
        }
        (_, I::Hello) => stay(Action::Reply(Reply::Greeting)),
        (S::AwaitingLogin, I::Command(CommandKind::Login(login))) => match check_login(login, cx) {
            Ok(ask) => go(S::LoginPending, Action::Ask(ask)),
            Err(r) => stay(r),
        },
        (S::AwaitingLogin, I::Command(_)) => stay(reply(C::CommandUseError, Some("log in first"))),
        (S::LoggedIn, I::Command(CommandKind::Login(_))) => {
            stay(reply(C::CommandUseError, Some("already logged in")))
        }
        (S::LoggedIn, I::Command(kind)) => logged_in(kind, cx),
        (S::LoginPending, I::LoginAnswered(C::Success)) => go(S::LoggedIn, Action::None),
        (S::LoginPending, I::LoginAnswered(code)) if code.closes_session() => {
            go(S::Closing(login_closing_reason(code)), Action::None)
        }
        (S::LoginPending, I::LoginAnswered(_)) => go(S::AwaitingLogin, Action::None),
        (_, I::Answered(code)) if code.closes_session() => {
            go(S::Closing(CloseReason::ClosingResponse(code)), Action::None)
        }
        (_, I::LoginAnswered(_) | I::Answered(_)) => stay(Action::None),
    }
}

/// A logged-in session's commands other than login.
fn logged_in<'a>(kind: CommandKind<'a>, cx: &Context<'_>) -> Step<'a> {
    use ResultCode as C;
    let stay = |action| Step {
        next: State::LoggedIn,
        action,
    };
    // Object commands name a wrong object service before a wrong extension.
    if let CommandKind::Object { object_ns, .. } = &kind {
        if !logged_in_with(&cx.config.object_uris, cx.obj_mask, object_ns) {
            let reason = format!("{object_ns} is not one of this session's login objURIs");
            return stay(reply_value(
                C::UnimplementedObjectService,
                "objURI",
                object_ns.clone(),
                reason,
            ));
        }
    }
    if let Some(ext) = cx
        .extensions
        .iter()
        .find(|e| !logged_in_with(&cx.config.extension_uris, cx.ext_mask, &e.ns))
    {
        let reason = format!("{} is not one of this session's login extURIs", ext.ns);
        return stay(reply_value(
            C::UnimplementedExtension,
            "extURI",
            ext.ns.clone(),
            reason,
        ));
    }
    match kind {
        CommandKind::Login(_) => unreachable!("handled by the table"),
        CommandKind::Logout => Step {
            next: State::Closing(CloseReason::Logout),
            action: reply(C::SuccessEndingSession, None),
        },
        CommandKind::Poll {
            op: PollOp::Req,
            msg_id: Some(m),
        } => stay(reply_value(
            C::ParameterValueSyntaxError,
            "msgID",
            m,
            "poll op=\"req\" takes no msgID",
        )),
        CommandKind::Poll {
            op: PollOp::Req,
            msg_id: None,
        } => stay(Action::Ask(Ask::Poll)),
        CommandKind::Poll {
            op: PollOp::Ack,
            msg_id: None,
        } => stay(reply(
            C::RequiredParameterMissing,
            Some("poll op=\"ack\" needs a msgID"),
        )),
        CommandKind::Poll {
            op: PollOp::Ack,
            msg_id: Some(m),
        } => match parse_msg_id(&m) {
            Some(msg_id) => stay(Action::Ask(Ask::Ack { msg_id })),
            None => stay(reply_value(
                C::ObjectDoesNotExist,
                "msgID",
                m,
                "no such message",
            )),
        },
        CommandKind::Object {
            verb,
            transfer_op,
            object_ns,
            object_xml,
        } => stay(Action::Ask(Ask::Command {
            verb,
            transfer_op,
            object_ns,
            object_xml,
        })),
        CommandKind::Extension => stay(Action::Ask(Ask::Extension)),
    }
}

/// A login's version, language and services against the configuration.
fn check_login<'a>(mut login: Box<Login<'a>>, cx: &Context<'_>) -> Result<Ask<'a>, Action<'a>> {
    use ResultCode as C;
    let cfg = cx.config;
    if !cfg.versions.iter().any(|v| *v == login.version) {
        return Err(reply_value(
            C::UnimplementedProtocolVersion,
            "version",
            login.version.clone(),
            "version not offered by this server",
        ));
    }
    if !cfg
        .languages
        .iter()
        .any(|v| v.eq_ignore_ascii_case(&login.lang))
    {
        return Err(reply_value(
            C::UnimplementedOption,
            "lang",
            login.lang.clone(),
            "language not offered by this server",
        ));
    }
    let obj_mask = service_mask(&cfg.object_uris, &login.obj_uris).map_err(|u| {
        reply_value(
            C::UnimplementedObjectService,
            "objURI",
            u,
            "object service not offered by this server",
        )
    })?;
    let ext_mask = service_mask(&cfg.extension_uris, &login.ext_uris).map_err(|u| {
        reply_value(
            C::UnimplementedExtension,
            "extURI",
            u,
            "extension not offered by this server",
        )
    })?;
    if let Some(e) = cx
        .extensions
        .iter()
        .find(|e| !cfg.extension_uris.contains(&e.ns))
    {
        let reason = format!("{} is not offered by this server", e.ns);
        return Err(reply_value(
            C::UnimplementedExtension,
            "extURI",
            e.ns.clone(),
            reason,
        ));
    }
    let user_agent = login_security(&mut login, cx, ext_mask)?;
    Ok(Ask::Login {
        login,
        obj_mask,
        ext_mask,
        user_agent,
    })
}

/// RFC 8807 on a login whose services are all offered: the passwords behind
/// `[LOGIN-SECURITY]` and the user agent, from `<loginSec:loginSec>`. When
/// the server does not offer the extension there is nothing to do: the
/// element was answered 2103 above, and `[LOGIN-SECURITY]` is a password
/// like any other.
fn login_security<'a>(
    login: &mut Login<'a>,
    cx: &Context<'_>,
    ext_mask: u64,
) -> Result<Option<UserAgent>, Action<'a>> {
    use ResultCode as C;
    let Some(policy) = cx.config.login_security else {
        return Ok(None);
    };
    let mut found = cx.extensions.iter().filter(|e| e.ns == LOGIN_SECURITY_NS);
    let element = found.next();
    if found.next().is_some() {
        return Err(reply_value(
            C::CommandSyntaxError,
            "loginSec",
            "",
            "a login holds at most one <loginSec:loginSec>",
        ));
    }
    let sec = match element {
        None => LoginSec::default(),
        Some(_) if !logged_in_with(&cx.config.extension_uris, ext_mask, LOGIN_SECURITY_NS) => {
            return Err(reply_value(
                C::UnimplementedExtension,
                "extURI",
                LOGIN_SECURITY_NS,
                "<loginSec:loginSec> needs this extURI in the login's <svcExtension>",
            ))
        }
        Some(e) => {
            let l = &cx.config.limits;
            let bounds = XmlBounds {
                max_depth: l.max_xml_depth,
                max_attributes: l.max_xml_attributes,
                max_text: l.max_xml_text,
            };
            login_sec(&e.xml, bounds).map_err(refused_owned)?
        }
    };
    if let Some(pw) = real_password("pw", Some(&login.pw), sec.pw, policy)? {
        login.pw = Cow::Owned(pw);
    }
    if let Some(pw) = real_password("newPW", login.new_pw.as_deref(), sec.new_pw, policy)? {
        login.new_pw = Some(Cow::Owned(pw));
    }
    Ok(sec.user_agent)
}

/// One password of a login offered RFC 8807: `plain` is `<pw>` or
/// `<newPW>` (`element`), `sec` its `<loginSec:...>` counterpart. Returns
/// the real password when it is `sec`. Passwords are never echoed.
fn real_password<'a>(
    element: &'static str,
    plain: Option<&str>,
    sec: Option<String>,
    policy: LoginSecurity,
) -> Result<Option<String>, Action<'a>> {
    use ResultCode as C;
    match (plain, sec) {
        (Some(LOGIN_SECURITY_PASSWORD), Some(pw)) => {
            let n = pw.chars().count();
            if n < policy.min_password_len || n > policy.max_password_len {
                return Err(reply_value(
                    C::ParameterValuePolicyError,
                    element,
                    "",
                    format!(
                        "<loginSec:{element}> must be {} to {} characters (server policy), got {n}",
                        policy.min_password_len, policy.max_password_len
                    ),
                ));
            }
            Ok(Some(pw))
        }
        (Some(LOGIN_SECURITY_PASSWORD), None) => Err(reply_value(
            C::RequiredParameterMissing,
            element,
            LOGIN_SECURITY_PASSWORD,
            format!(
                "<{element}>[LOGIN-SECURITY]</{element}> needs <loginSec:{element}> in <loginSec:loginSec> (RFC 8807 section 3.2)"
            ),
        )),
        (Some(_), Some(_)) => Err(reply_value(
            C::ParameterValueSyntaxError,
            element,
            "",
            format!(
                "<loginSec:{element}> is allowed only with <{element}>[LOGIN-SECURITY]</{element}> (RFC 8807 section 4.1)"
            ),
        )),
        (None, Some(_)) => Err(reply_value(
            C::RequiredParameterMissing,
            element,
            "",
            format!(
                "<loginSec:{element}> needs <{element}>[LOGIN-SECURITY]</{element}> in <login> (RFC 8807 section 4.1)"
            ),
        )),
        (_, None) => Ok(None),
    }
}

/// The bit mask of `asked` within `offered`, or the first one not offered.
fn service_mask<'a>(offered: &[String], asked: &[Cow<'a, str>]) -> Result<u64, Cow<'a, str>> {
    let mut mask = 0u64;
    for u in asked {
        match offered.iter().position(|v| v == u) {
            Some(i) => mask |= 1 << i,
            None => return Err(u.clone()),
        }
    }
    Ok(mask)
}

/// Whether `uri` is among `offered` with its bit set in `mask`.
fn logged_in_with(offered: &[String], mask: u64, uri: &str) -> bool {
    offered
        .iter()
        .position(|u| u == uri)
        .is_some_and(|i| mask & (1 << i) != 0)
}

/// Why a 25xx answer to a login closes the session.
fn login_closing_reason(code: ResultCode) -> CloseReason {
    match code {
        ResultCode::AuthenticationErrorServerClosingConnection => CloseReason::TooManyFailedLogins,
        ResultCode::SessionLimitExceededServerClosingConnection => {
            CloseReason::SessionLimitExceeded
        }
        other => CloseReason::ClosingResponse(other),
    }
}

/// A numeric message id (`protocol.md`: msgQ ids are numeric).
fn parse_msg_id(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn reply<'a>(code: ResultCode, message: Option<&'static str>) -> Action<'a> {
    Action::Reply(Reply::Result {
        code,
        message,
        value: None,
    })
}

fn reply_value<'a>(
    code: ResultCode,
    element: &'static str,
    text: impl Into<Cow<'a, str>>,
    reason: impl Into<Cow<'a, str>>,
) -> Action<'a> {
    Action::Reply(Reply::Result {
        code,
        message: None,
        value: Some(BadValue {
            element: Cow::Borrowed(element),
            text: text.into(),
            reason: reason.into(),
        }),
    })
}

/// A refusal of the parser's found after the frame was read (the
/// `<loginSec:loginSec>` of a login).
fn refused_owned<'a>(r: Refusal) -> Action<'a> {
    Action::Reply(Reply::Result {
        code: r.code,
        message: None,
        value: Some(BadValue {
            element: Cow::Owned(r.element),
            text: Cow::Owned(r.value.unwrap_or_default()),
            reason: Cow::Owned(r.reason),
        }),
    })
}

fn refused(r: &Refusal) -> Action<'_> {
    Action::Reply(Reply::Result {
        code: r.code,
        message: None,
        value: Some(BadValue {
            element: Cow::Borrowed(&r.element),
            text: Cow::Borrowed(r.value.as_deref().unwrap_or_default()),
            reason: Cow::Borrowed(&r.reason),
        }),
    })
}

fn bad_frame_length<'a>(length: u32, limit: u32) -> Action<'a> {
    reply_value(
        ResultCode::CommandFailedServerClosingConnection,
        "frameLength",
        length.to_string(),
        format!("frame length {length} is outside the accepted range 5 to {limit} (the length counts its own 4 bytes)"),
    )
}
