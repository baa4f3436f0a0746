//! The EPP client's state machine, as one pure function: [`transition`]
//! maps a state and an input to the next state and one action. The
//! session carries out the action; nothing else changes the state.
//!
//! ```text
//! state             input                                  next              action
//! ----------------  -------------------------------------  ----------------  -----------------
//! Closed            a command                              Closed            refuse: closed
//! Closed            anything else                          Closed            -
//! Closing           a command                              Closing           refuse: closed
//! Closing           end of input / host close / deadline   Closed            -
//! Closing           a frame                                Closing           ignore
//! open              host close                             Closed(Host)      -
//! open              end of input                           Closed(PeerClosed[MidFrame])
//! open              bad frame length / not EPP             Closed(Protocol)  -
//! AwaitingGreeting  greeting                               GreetingReceived  deliver
//! AwaitingGreeting  response                               Closed(Protocol)  -
//! AwaitingGreeting  deadline                               Closed(GreetingOverdue)
//! AwaitingGreeting  a command                              AwaitingGreeting  refuse: wrong state
//! open              response deadline                      Closed(ResponseOverdue)  overdue
//! LoggedIn          keep-alive deadline                    LoggedIn          send a hello
//! open              greeting, oldest command a hello       same              deliver
//! open              greeting, oldest another command       Closed(Protocol)  -
//! open              greeting or response, none in flight   Closed(Protocol)  -
//! open              response, oldest command a hello       Closed(Protocol)  -
//! open              response, clTRID differs               Closed(Protocol)  -
//! open              response 1500                          Closing(Logout)   deliver
//! open              response 25xx                          Closing(Server)   deliver
//! LoginSent         login response 1000                    LoggedIn          deliver
//! LoginSent         login response otherwise               GreetingReceived  deliver
//! LogoutSent        logout response (not 1500/25xx)        LoggedIn          deliver
//! open              other response                         same              deliver
//! GreetingReceived  hello                                  same              send
//! LoginSent         hello                                  same              send
//! LoggedIn          hello                                  same              send
//! GreetingReceived  login                                  LoginSent         send
//! LoggedIn          logout                                 LogoutSent        send
//! LoggedIn          poll req / poll ack / object command   LoggedIn          send
//! open              any other command                      same              refuse: wrong state
//! ```
//!
//! ("open" is every state but Closing and Closed; "oldest" is the oldest
//! command written and not yet answered: responses come in command order.)
//! What the table does not decide, the session computes before asking it:
//! login negotiation and command checks (typed errors), which deadline is
//! due, whether a command goes out now or waits for room
//! (`max_in_flight`), and whether a response's clTRID matches.

use super::error::ClientError;
use super::session::ClientState;
use super::types::{ClientCloseReason, CommandId, CommandKind, ProtocolError};
use crate::result_code::ResultCode;

/// Where a client session is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum State {
    /// Connected; the server's greeting has not come.
    AwaitingGreeting,
    /// Greeting received, not logged in.
    GreetingReceived,
    /// A login is in flight.
    LoginSent,
    /// Logged in.
    LoggedIn,
    /// A logout is written or waiting to be; no more commands.
    LogoutSent,
    /// The server said it ends the session (1500 or 25xx); nothing more is
    /// sent, the session waits for the connection to end.
    Closing(ClientCloseReason),
    /// Over.
    Closed(ClientCloseReason),
}

impl State {
    /// Whether frames and commands are still handled.
    pub(crate) fn is_open(&self) -> bool {
        !matches!(self, State::Closing(_) | State::Closed(_))
    }

    /// Why the session ended, once it has.
    pub(crate) fn close_reason(&self) -> Option<&ClientCloseReason> {
        match self {
            State::Closing(r) | State::Closed(r) => Some(r),
            _ => None,
        }
    }

    /// The state as the host sees it.
    pub(crate) fn public(&self) -> ClientState {
        match self {
            State::AwaitingGreeting => ClientState::AwaitingGreeting,
            State::GreetingReceived => ClientState::GreetingReceived,
            State::LoginSent => ClientState::LoginSent,
            State::LoggedIn => ClientState::LoggedIn,
            State::LogoutSent => ClientState::LogoutSent,
            State::Closing(_) => ClientState::Closing,
            State::Closed(_) => ClientState::Closed,
        }
    }
}

/// How a response's clTRID compares with its command's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TridMatch {
    /// The same.
    Same,
    /// The response has none (accepted: some servers omit it).
    Missing,
    /// Another one.
    Differs { expected: String, received: String },
}

/// Which deadline passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Deadline {
    /// The greeting's.
    Greeting,
    /// The response to this command's.
    Response(CommandId),
    /// Idle for the keep-alive interval.
    KeepAlive,
    /// Closing, and the connection did not end.
    CloseWait,
}

/// What happened.
#[derive(Debug)]
pub(crate) enum Input {
    /// A `<greeting>` frame.
    Greeting,
    /// A `<response>` frame.
    Response {
        code: ResultCode,
        cl_trid: TridMatch,
    },
    /// A frame that is not EPP, or a bad frame length.
    BadFrame(ProtocolError),
    /// The host gives a command.
    Command(CommandKind),
    /// The server closed its side, with `unfinished` bytes of a frame.
    PeerClosed { unfinished: usize },
    /// A deadline passed.
    Deadline(Deadline),
    /// The host closes the session.
    HostClose,
}

/// What the transition reads besides the state.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    /// The kind of the oldest command written and not yet answered.
    pub oldest: Option<CommandKind>,
}

/// What the session must do.
#[derive(Debug)]
pub(crate) enum Action {
    /// Nothing.
    None,
    /// The host's command goes out (or waits for room).
    Send,
    /// The host's command is refused.
    Refuse(ClientError),
    /// The frame answers the oldest command (or is the first greeting):
    /// hand it to the host.
    Deliver,
    /// The frame is dropped.
    Ignore,
    /// Send a `<hello>` of the session's own.
    KeepAlive,
    /// The oldest command is overdue: tell the host.
    Overdue,
}

/// The result of a transition.
#[derive(Debug)]
pub(crate) struct Step {
    /// The next state.
    pub next: State,
    /// What to do.
    pub action: Action,
}

/// The transition table (see the module documentation).
pub(crate) fn transition(state: &State, input: Input, cx: &Context) -> Step {
    use ClientCloseReason as Why;
    use CommandKind as K;
    use Input as I;
    use State as S;
    let stay = |action| Step {
        next: state.clone(),
        action,
    };
    let go = |next, action| Step { next, action };
    let closed = |why| Step {
        next: S::Closed(why),
        action: Action::None,
    };
    let protocol = |e| closed(Why::Protocol(e));
    let wrong = |command| {
        Action::Refuse(ClientError::WrongState {
            command,
            state: state.public(),
        })
    };
    match (state, input) {
        (S::Closed(r) | S::Closing(r), I::Command(_)) => {
            stay(Action::Refuse(ClientError::Closed(r.clone())))
        }
        (S::Closed(_), _) => stay(Action::None),
        (S::Closing(r), I::PeerClosed { .. } | I::HostClose | I::Deadline(_)) => {
            go(S::Closed(r.clone()), Action::None)
        }
        (S::Closing(_), _) => stay(Action::Ignore),
        (_, I::HostClose) => closed(Why::Host),
        (_, I::PeerClosed { unfinished: 0 }) => closed(Why::PeerClosed),
        (_, I::PeerClosed { unfinished }) => closed(Why::PeerClosedMidFrame {
            received: unfinished,
        }),
        (_, I::BadFrame(e)) => protocol(e),
        (S::AwaitingGreeting, I::Greeting) => go(S::GreetingReceived, Action::Deliver),
        (S::AwaitingGreeting, I::Response { .. }) => protocol(ProtocolError::GreetingExpected),
        (S::AwaitingGreeting, I::Deadline(_)) => closed(Why::GreetingOverdue),
        (S::AwaitingGreeting, I::Command(k)) => stay(wrong(k)),
        (_, I::Deadline(Deadline::Response(id))) => go(
            S::Closed(Why::ResponseOverdue { command: id }),
            Action::Overdue,
        ),
        (S::LoggedIn, I::Deadline(Deadline::KeepAlive)) => stay(Action::KeepAlive),
        (_, I::Deadline(_)) => stay(Action::None),
        (_, I::Greeting) => match cx.oldest {
            Some(K::Hello) => stay(Action::Deliver),
            Some(k) => protocol(ProtocolError::UnexpectedGreeting { answering: k }),
            None => protocol(ProtocolError::Unsolicited),
        },
        (_, I::Response { .. }) if cx.oldest.is_none() => protocol(ProtocolError::Unsolicited),
        (_, I::Response { .. }) if cx.oldest == Some(K::Hello) => {
            protocol(ProtocolError::GreetingExpected)
        }
        (
            _,
            I::Response {
                cl_trid: TridMatch::Differs { expected, received },
                ..
            },
        ) => protocol(ProtocolError::ClTridMismatch { expected, received }),
        (
            _,
            I::Response {
                code: ResultCode::SuccessEndingSession,
                ..
            },
        ) => go(S::Closing(Why::Logout), Action::Deliver),
        (_, I::Response { code, .. }) if code.closes_session() => {
            go(S::Closing(Why::ServerClosing(code)), Action::Deliver)
        }
        (S::LoginSent, I::Response { code, .. }) if cx.oldest == Some(K::Login) => {
            if code == ResultCode::Success {
                go(S::LoggedIn, Action::Deliver)
            } else {
                go(S::GreetingReceived, Action::Deliver)
            }
        }
        (S::LogoutSent, I::Response { .. }) if cx.oldest == Some(K::Logout) => {
            go(S::LoggedIn, Action::Deliver)
        }
        (_, I::Response { .. }) => stay(Action::Deliver),
        (S::GreetingReceived | S::LoginSent | S::LoggedIn, I::Command(K::Hello)) => {
            stay(Action::Send)
        }
        (S::GreetingReceived, I::Command(K::Login)) => go(S::LoginSent, Action::Send),
        (S::LoggedIn, I::Command(K::Logout)) => go(S::LogoutSent, Action::Send),
        (S::LoggedIn, I::Command(K::PollRequest | K::PollAck | K::Object(_))) => stay(Action::Send),
        (_, I::Command(k)) => stay(wrong(k)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::CommandVerb;

    fn run(state: State, input: Input, oldest: Option<CommandKind>) -> Step {
        transition(&state, input, &Context { oldest })
    }

    fn resp(code: ResultCode) -> Input {
        Input::Response {
            code,
            cl_trid: TridMatch::Same,
        }
    }

    #[test]
    fn login_rows() {
        let s = run(
            State::GreetingReceived,
            Input::Command(CommandKind::Login),
            None,
        );
        assert_eq!(s.next, State::LoginSent);
        assert!(matches!(s.action, Action::Send));
        let s = run(
            State::LoginSent,
            resp(ResultCode::Success),
            Some(CommandKind::Login),
        );
        assert_eq!(s.next, State::LoggedIn);
        let s = run(
            State::LoginSent,
            resp(ResultCode::AuthenticationError),
            Some(CommandKind::Login),
        );
        assert_eq!(s.next, State::GreetingReceived);
        let s = run(
            State::LoginSent,
            resp(ResultCode::AuthenticationErrorServerClosingConnection),
            Some(CommandKind::Login),
        );
        assert_eq!(
            s.next,
            State::Closing(ClientCloseReason::ServerClosing(
                ResultCode::AuthenticationErrorServerClosingConnection
            ))
        );
        // A hello answered while the login waits behind it.
        let s = run(State::LoginSent, Input::Greeting, Some(CommandKind::Hello));
        assert_eq!(s.next, State::LoginSent);
        assert!(matches!(s.action, Action::Deliver));
    }

    #[test]
    fn refusals_and_protocol_errors() {
        let check = CommandKind::Object(CommandVerb::Check);
        for st in [
            State::AwaitingGreeting,
            State::GreetingReceived,
            State::LogoutSent,
        ] {
            let s = run(st.clone(), Input::Command(check), None);
            assert_eq!(s.next, st);
            assert!(matches!(
                s.action,
                Action::Refuse(ClientError::WrongState { .. })
            ));
        }
        let s = run(
            State::LoggedIn,
            Input::Response {
                code: ResultCode::Success,
                cl_trid: TridMatch::Differs {
                    expected: "a".into(),
                    received: "b".into(),
                },
            },
            Some(check),
        );
        assert!(matches!(
            s.next,
            State::Closed(ClientCloseReason::Protocol(
                ProtocolError::ClTridMismatch { .. }
            ))
        ));
        let s = run(State::LoggedIn, resp(ResultCode::Success), None);
        assert_eq!(
            s.next,
            State::Closed(ClientCloseReason::Protocol(ProtocolError::Unsolicited))
        );
        let s = run(State::LoggedIn, Input::Greeting, Some(check));
        assert!(matches!(
            s.next,
            State::Closed(ClientCloseReason::Protocol(
                ProtocolError::UnexpectedGreeting { .. }
            ))
        ));
        let closing = State::Closing(ClientCloseReason::Logout);
        let s = run(closing.clone(), Input::Greeting, None);
        assert_eq!(s.next, closing);
        assert!(matches!(s.action, Action::Ignore));
        let s = run(closing, Input::PeerClosed { unfinished: 0 }, None);
        assert_eq!(s.next, State::Closed(ClientCloseReason::Logout));
    }

    #[test]
    fn deadlines() {
        let s = run(State::LoggedIn, Input::Deadline(Deadline::KeepAlive), None);
        assert!(matches!(s.action, Action::KeepAlive));
        let s = run(
            State::GreetingReceived,
            Input::Deadline(Deadline::KeepAlive),
            None,
        );
        assert!(matches!(s.action, Action::None));
        let s = run(
            State::LoggedIn,
            Input::Deadline(Deadline::Response(CommandId(3))),
            Some(CommandKind::PollRequest),
        );
        assert_eq!(
            s.next,
            State::Closed(ClientCloseReason::ResponseOverdue {
                command: CommandId(3)
            })
        );
        assert!(matches!(s.action, Action::Overdue));
        let s = run(
            State::AwaitingGreeting,
            Input::Deadline(Deadline::Greeting),
            None,
        );
        assert_eq!(s.next, State::Closed(ClientCloseReason::GreetingOverdue));
    }
}
