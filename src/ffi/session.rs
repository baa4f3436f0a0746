//! `epp_session`: the four verbs, the answers, timers and getters.

use std::cell::{Cell, RefCell};
use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::boundary::{
    bytes, free_handle, guard, guard_void, handle, handle_mut, into_handle, invalid, ms_from_time,
    opt_array, opt_string, out, out_str, panic_message, time_from_ms, Res,
};
use super::config::epp_server;
use super::request::{
    close_detail_value, close_reason_value, epp_close_detail, epp_close_reason, epp_request,
};
use super::response::{epp_poll_message, epp_response, epp_security_event};
use super::result::epp_result;
use super::transaction::epp_transaction;
use crate::{
    AckAnswer, LoginAnswer, PollAnswer, RequestId, Response, Session, SessionError, SessionState,
};

/// One EPP session on one connection, without any I/O: made by
/// `epp_session_new` when a client connects, freed by `epp_session_free`
/// once the connection is closed.
///
/// A session may move between threads but must be used by one thread at a
/// time (no call on a session may overlap another call on the same
/// session).
pub struct epp_session {
    inner: Session,
    poisoned: Cell<bool>,
    last_error: RefCell<Option<String>>,
    close_text: RefCell<Option<String>>,
}

impl epp_session {
    /// Records a session error for `epp_session_get_last_error`.
    fn fail(&self, e: SessionError) -> epp_result {
        let r = epp_result::from(&e);
        self.set_error(e.to_string());
        r
    }

    fn set_error(&self, msg: String) {
        super::boundary::detail(msg.clone());
        if let Ok(mut slot) = self.last_error.try_borrow_mut() {
            *slot = Some(msg);
        }
    }

    /// Forgets the previous call's error: the text always belongs to the
    /// latest call that changes the session.
    fn clear_error(&self) {
        if let Ok(mut slot) = self.last_error.try_borrow_mut() {
            *slot = None;
        }
    }

    /// Makes sure a failed call leaves a text, the result's own description
    /// when nothing more precise was recorded (argument errors).
    fn note_failure(&self, r: epp_result) {
        if let Ok(mut slot) = self.last_error.try_borrow_mut() {
            if slot.is_none() {
                *slot = Some(super::boundary::peek_detail().unwrap_or_else(|| r.text().to_owned()));
            }
        }
    }

    fn check<T>(&self, r: Result<T, SessionError>) -> Result<T, epp_result> {
        r.map_err(|e| self.fail(e))
    }
}

/// Where a session is, as the host sees it.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum epp_session_state {
    /// Connected, greeting sent, not logged in.
    AwaitingLogin = 1,
    /// A login is with the host; input waits until it is answered.
    LoginPending = 2,
    /// Logged in.
    LoggedIn = 3,
    /// No more input is processed; responses still pending are written.
    Closing = 4,
    /// Nothing more will be written: close the connection.
    Closed = 5,
}

/// How the host decided a login: one of the `EPP_LOGIN_ANSWER_*` values.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct epp_login_answer(pub u32);

/// Credentials accepted (and the new password set, if one was given):
/// 1000, and the session is logged in (or 2502 and close, when the
/// server's `epp_registrar_sessions` has no room for the registrar).
pub const EPP_LOGIN_ANSWER_ACCEPTED: epp_login_answer = epp_login_answer(1);
/// Credentials rejected: 2200, or 2501 and close when this failure reaches
/// `EPP_LIMIT_MAX_FAILED_LOGINS`.
pub const EPP_LOGIN_ANSWER_BAD_CREDENTIALS: epp_login_answer = epp_login_answer(2);
/// The account exists but may not log in: 2201.
pub const EPP_LOGIN_ANSWER_ACCOUNT_DISABLED: epp_login_answer = epp_login_answer(3);
/// The registrar has too many sessions: 2502, and close.
pub const EPP_LOGIN_ANSWER_SESSION_LIMIT_EXCEEDED: epp_login_answer = epp_login_answer(4);
/// The host could not decide (database down...): 2400.
pub const EPP_LOGIN_ANSWER_FAILED: epp_login_answer = epp_login_answer(5);

/// `epp_session_get_next_timeout` writes this when no timer runs.
pub const EPP_TIMEOUT_NONE: u64 = u64::MAX;

fn poison(s: &epp_session, payload: Box<dyn std::any::Any + Send>) -> epp_result {
    s.poisoned.set(true);
    let msg = panic_message(payload);
    s.set_error(format!("panic in libepp (the session is unusable): {msg}"));
    epp_result::Panic
}

/// Runs an export on a session given by mutable pointer, inside the panic
/// boundary; a panic poisons the session.
pub(crate) fn session_mut(
    p: *mut epp_session,
    f: impl FnOnce(&mut epp_session) -> Res,
) -> epp_result {
    guard(|| {
        let s = unsafe { handle_mut(p)? };
        if s.poisoned.get() {
            return Err(epp_result::Panic);
        }
        s.clear_error();
        match catch_unwind(AssertUnwindSafe(|| f(&mut *s))) {
            Ok(Err(r)) => {
                s.note_failure(r);
                Err(r)
            }
            Ok(r) => r,
            Err(payload) => Err(poison(s, payload)),
        }
    })
}

/// Like [`session_mut`], for getters.
fn session_ref(p: *const epp_session, f: impl FnOnce(&epp_session) -> Res) -> epp_result {
    guard(|| {
        let s = unsafe { handle(p)? };
        if s.poisoned.get() {
            return Err(epp_result::Panic);
        }
        match catch_unwind(AssertUnwindSafe(|| f(s))) {
            Ok(r) => r,
            Err(payload) => Err(poison(s, payload)),
        }
    })
}

/// session-create: makes a session of `server` for a new connection at
/// `now_ms` (Unix time in milliseconds, as every `now_ms`). The greeting is
/// queued at once: take it with `epp_session_take_output`. The session
/// keeps its own reference to `server`. On success `*out_session` receives
/// a session to free with `epp_session_free`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_new(
    server: *const epp_server,
    now_ms: u64,
    out_session: *mut *mut epp_session,
) -> epp_result {
    guard(|| {
        let server = unsafe { handle(server)? };
        let o = unsafe { out(out_session)? };
        let now = time_from_ms(now_ms)?;
        o.write(into_handle(epp_session {
            inner: Session::new(Arc::clone(&server.inner), now),
            poisoned: Cell::new(false),
            last_error: RefCell::new(None),
            close_text: RefCell::new(None),
        }));
        Ok(())
    })
}

/// Frees a session (NULL is ignored), poisoned or not. Requests taken from
/// it stay valid (they own their data) but can no longer be answered. A
/// registrar session slot it held is released.
#[no_mangle]
pub unsafe extern "C" fn epp_session_free(session: *mut epp_session) {
    guard_void(|| unsafe { free_handle(session) })
}

/// feed-input: hands the session `len` bytes read from the peer at
/// `now_ms`; the session takes them all. Whole frames are handled at once
/// while the session can take them; the rest (an unfinished frame, or
/// frames behind backpressure: a login with the host, too many commands in
/// flight, too much output waiting) is held and handled as answers and
/// consumed output make room. Afterwards, take output and poll the queue.
///
/// Read from the peer only while `epp_session_wants_input` says true; a
/// feed made then is taken whatever its size. Fails, taking nothing:
/// - `EPP_RESULT_SESSION_CLOSED` once the session processes no more input
///   (sticky): stop reading, write what is left, close when finished;
/// - `EPP_RESULT_INPUT_AFTER_EOF` after `epp_session_handle_eof`;
/// - `EPP_RESULT_INPUT_BUFFER_FULL` when the session cannot handle a frame
///   now and the bytes held would exceed `EPP_LIMIT_MAX_BUFFERED_INPUT`
///   (the host read on although `epp_session_wants_input` said false).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_feed_input(
    session: *mut epp_session,
    data: *const u8,
    len: usize,
    now_ms: u64,
) -> epp_result {
    session_mut(session, |s| {
        let input = unsafe { bytes(data, len)? };
        let now = time_from_ms(now_ms)?;
        let r = s.inner.feed_input(input, now);
        s.check(r)
    })
}

/// Writes to `*out_wants` whether the host should read more from the peer
/// now. False while the session cannot make progress on what it holds (a
/// login is with the host, `EPP_LIMIT_MAX_IN_FLIGHT` requests are
/// unanswered, too much output is waiting, or
/// `EPP_LIMIT_MAX_BUFFERED_INPUT` bytes are held), after
/// `epp_session_handle_eof`, and once the session is closing. Ask again
/// after every call that changes the session (answers and
/// `epp_session_consume_output` make room).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_wants_input(
    session: *const epp_session,
    out_wants: *mut bool,
) -> epp_result {
    session_ref(session, |s| {
        let o = unsafe { out(out_wants)? };
        o.write(s.inner.wants_input());
        Ok(())
    })
}

/// Writes to `*out_len` how many bytes fed with `epp_session_feed_input`
/// the session holds and has not handled yet (an unfinished frame, or
/// frames waiting behind backpressure).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_get_buffered_input(
    session: *const epp_session,
    out_len: *mut usize,
) -> epp_result {
    session_ref(session, |s| {
        let o = unsafe { out(out_len)? };
        o.write(s.inner.buffered_input());
        Ok(())
    })
}

/// take-output: writes to `*out_ptr` and `*out_len` the bytes waiting to be sent
/// to the peer (`*out_len` is 0 when nothing is pending; `*out_ptr` is then not to
/// be read). The bytes belong to the session and stay valid until the next
/// call given this session. Write some or all of them, then call
/// `epp_session_consume_output` with the number written.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_take_output(
    session: *mut epp_session,
    out_ptr: *mut *const u8,
    out_len: *mut usize,
) -> epp_result {
    session_mut(session, |s| {
        let p = unsafe { out(out_ptr)? };
        let l = unsafe { out(out_len)? };
        let pending = s.inner.output();
        p.write(pending.as_ptr());
        l.write(pending.len());
        Ok(())
    })
}

/// Marks the first `n` bytes of the pending output as written.
/// `EPP_RESULT_INVALID_LENGTH` when fewer than `n` bytes are pending.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_consume_output(
    session: *mut epp_session,
    n: usize,
) -> epp_result {
    session_mut(session, |s| {
        if n > s.inner.output().len() {
            return Err(epp_result::InvalidLength);
        }
        s.inner.consume_output(n);
        Ok(())
    })
}

/// poll-queue: takes the next request the host must decide, in command
/// order, and writes it to `*out_request`; writes NULL when the queue is empty
/// (that is still `EPP_RESULT_OK`). Free each request with
/// `epp_request_free`; answer it (by id) through this session. Poll after
/// every feed and after every answer.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_poll_queue(
    session: *mut epp_session,
    out_request: *mut *mut epp_request,
) -> epp_result {
    session_mut(session, |s| {
        let o = unsafe { out(out_request)? };
        o.write(match s.inner.poll_queue() {
            Some(r) => into_handle(epp_request::new(r)),
            None => std::ptr::null_mut(),
        });
        Ok(())
    })
}

/// Takes the next record of the transaction log (responses in the order
/// they were written) and writes it to `*out_transaction`; writes NULL when there is
/// none, or when the config keeps no log. Free each record with
/// `epp_transaction_free`. At most 1024 untaken records are kept per
/// session, the oldest dropped first.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_poll_transaction(
    session: *mut epp_session,
    out_transaction: *mut *mut epp_transaction,
) -> epp_result {
    session_mut(session, |s| {
        let o = unsafe { out(out_transaction)? };
        o.write(match s.inner.poll_transaction() {
            Some(inner) => into_handle(epp_transaction { inner }),
            None => std::ptr::null_mut(),
        });
        Ok(())
    })
}

/// Answers a login request (`EPP_REQUEST_KIND_LOGIN`) with the host's
/// decision; libepp renders the response and writes its result code to
/// `*out_code`. Only 1000 means the client is logged in (and a new
/// password should take effect): an accepted login still becomes 2502 when
/// the server's `epp_registrar_sessions` has no room for the registrar.
/// To send RFC 8807 security events with the answer, use
/// `epp_session_answer_login_with_events`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_answer_login(
    session: *mut epp_session,
    request_id: u64,
    answer: epp_login_answer,
    out_code: *mut u16,
) -> epp_result {
    session_mut(session, |s| {
        let o = unsafe { out(out_code)? };
        let r = s.inner.answer_login(id(request_id), login_answer(answer)?);
        o.write(s.check(r)?.code());
        Ok(())
    })
}

fn login_answer(answer: epp_login_answer) -> Result<LoginAnswer, epp_result> {
    Ok(match answer {
        EPP_LOGIN_ANSWER_ACCEPTED => LoginAnswer::Accepted,
        EPP_LOGIN_ANSWER_BAD_CREDENTIALS => LoginAnswer::BadCredentials,
        EPP_LOGIN_ANSWER_ACCOUNT_DISABLED => LoginAnswer::AccountDisabled,
        EPP_LOGIN_ANSWER_SESSION_LIMIT_EXCEEDED => LoginAnswer::SessionLimitExceeded,
        EPP_LOGIN_ANSWER_FAILED => LoginAnswer::Failed,
        other => {
            return Err(invalid(format!(
                "answer: {} is not an EPP_LOGIN_ANSWER_* value",
                other.0
            )))
        }
    })
}

/// Answers a login request as `epp_session_answer_login` does, with RFC
/// 8807 security events for the client (a password or certificate about
/// to expire, a weak cipher or TLS protocol, statistics...), whatever the
/// outcome. `events` points to `n_events` event pointers (none NULL), only
/// read: the caller still frees the events (and the array). (NULL, 0) is
/// no events, which is `epp_session_answer_login`.
///
/// The events are written as `<extension><loginSec:loginSecData>` when the
/// client logged in with the RFC 8807 extURI, and moved into `<extValue>`
/// otherwise (RFC 9038), like any extension the client did not ask for.
/// `EPP_RESULT_INVALID_ANSWER` (`epp_session_get_last_error` says why),
/// answering nothing, when an event lacks what RFC 8807 requires: an exDate
/// for `password` and `certificate`, a name for `stat` and `custom`, a
/// language tag as lang.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_answer_login_with_events(
    session: *mut epp_session,
    request_id: u64,
    answer: epp_login_answer,
    events: *const *const epp_security_event,
    n_events: usize,
    out_code: *mut u16,
) -> epp_result {
    session_mut(session, |s| {
        let o = unsafe { out(out_code)? };
        let answer = login_answer(answer)?;
        let events = unsafe { opt_array(events, n_events)? }
            .iter()
            .map(|&e| unsafe { handle(e) }.map(|e| e.inner.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        let r = s.inner.answer_login_with(id(request_id), answer, events);
        o.write(s.check(r)?.code());
        Ok(())
    })
}

/// Answers a login request (`EPP_REQUEST_KIND_LOGIN`) in one call, for
/// the common case: `accepted` true is `EPP_LOGIN_ANSWER_ACCEPTED`, false
/// `EPP_LOGIN_ANSWER_BAD_CREDENTIALS`. `*out_logged_in` (optional: NULL
/// when not wanted) receives whether the client is now logged in: false
/// when refused, and also when an accepted login became 2502 because the
/// server's `epp_registrar_sessions` had no room for the registrar. For
/// the other answers, the code sent, or RFC 8807 events, use
/// `epp_session_answer_login` or `epp_session_answer_login_with_events`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_answer_login_verdict(
    session: *mut epp_session,
    request_id: u64,
    accepted: bool,
    out_logged_in: *mut bool,
) -> epp_result {
    session_mut(session, |s| {
        let o = if out_logged_in.is_null() {
            None
        } else {
            Some(unsafe { out(out_logged_in)? })
        };
        let answer = if accepted {
            LoginAnswer::Accepted
        } else {
            LoginAnswer::BadCredentials
        };
        let r = s.inner.answer_login(id(request_id), answer);
        let code = s.check(r)?.code();
        if let Some(o) = o {
            o.write(code == 1000);
        }
        Ok(())
    })
}

/// Answers an object command or a protocol extension
/// (`EPP_REQUEST_KIND_COMMAND`, `EPP_REQUEST_KIND_EXTENSION`) with a
/// response of one result, `result_code` (an EPP result code of RFC 5730:
/// 1000, 2201, 2303...), with the code's standard message: in one call what
/// `epp_response_new`, `epp_session_answer_command` and
/// `epp_response_free` do. A 25xx code closes the session once written. A
/// code RFC 5730 does not define is `EPP_RESULT_INVALID_ARGUMENT`
/// (`epp_session_get_last_error` and `epp_last_error` say which), and
/// answers nothing.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_answer_code(
    session: *mut epp_session,
    request_id: u64,
    result_code: u16,
) -> epp_result {
    session_mut(session, |s| {
        let response = Response::new(super::response::code(result_code)?);
        let r = s.inner.answer_command(id(request_id), response);
        s.check(r)
    })
}

fn id(raw: u64) -> RequestId {
    RequestId::from_raw(raw)
}

/// Answers a poll request (`EPP_REQUEST_KIND_POLL`): the client's queue is
/// empty (1300).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_answer_poll_empty(
    session: *mut epp_session,
    request_id: u64,
) -> epp_result {
    session_mut(session, |s| {
        let r = s.inner.answer_poll(id(request_id), PollAnswer::Empty);
        s.check(r)
    })
}

/// Answers a poll request (`EPP_REQUEST_KIND_POLL`) with the oldest
/// message of the client's queue (1301 with `<msgQ>`). The message is only
/// read: the caller still frees it. `EPP_RESULT_INVALID_XML` or
/// `EPP_RESULT_INVALID_ANSWER` when its content is not acceptable (a count
/// of 0 among them: the count includes this message); the request is then
/// still outstanding.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_answer_poll_message(
    session: *mut epp_session,
    request_id: u64,
    message: *const epp_poll_message,
) -> epp_result {
    session_mut(session, |s| {
        let m = unsafe { handle(message)? }.inner.clone();
        let r = s.inner.answer_poll(id(request_id), PollAnswer::Message(m));
        s.check(r)
    })
}

/// Answers a poll ack (`EPP_REQUEST_KIND_POLL_ACK`): the message was
/// removed and `remaining` messages are left in the client's queue (1000
/// with `<msgQ count id>`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_answer_ack(
    session: *mut epp_session,
    request_id: u64,
    remaining: u64,
) -> epp_result {
    session_mut(session, |s| {
        let r = s
            .inner
            .answer_ack(id(request_id), AckAnswer::Acked { remaining });
        s.check(r)
    })
}

/// Answers a poll ack (`EPP_REQUEST_KIND_POLL_ACK`): the client has no
/// message with that id (2303).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_answer_ack_unknown(
    session: *mut epp_session,
    request_id: u64,
) -> epp_result {
    session_mut(session, |s| {
        let r = s
            .inner
            .answer_ack(id(request_id), AckAnswer::UnknownMessage);
        s.check(r)
    })
}

/// Answers an object command or a protocol extension
/// (`EPP_REQUEST_KIND_COMMAND`, `EPP_REQUEST_KIND_EXTENSION`; or a poll or
/// poll ack, when the host wants full control of the result) with a
/// complete response. The response is
/// only read: the caller still frees it, and may reuse it. A 25xx code
/// closes the session once written. `EPP_RESULT_INVALID_XML` or
/// `EPP_RESULT_INVALID_ANSWER` when the response's content is not
/// acceptable (`epp_session_get_last_error` says why); the request is then
/// still outstanding.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_answer_command(
    session: *mut epp_session,
    request_id: u64,
    response: *const epp_response,
) -> epp_result {
    session_mut(session, |s| {
        let response = unsafe { handle(response)? }.response().clone();
        let r = s.inner.answer_command(id(request_id), response);
        s.check(r)
    })
}

/// Answers any outstanding request with 2400 (command failed), with an
/// optional message text ((NULL, 0) for the standard one).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_answer_failure(
    session: *mut epp_session,
    request_id: u64,
    message: *const c_char,
    message_len: usize,
) -> epp_result {
    session_mut(session, |s| {
        let m = unsafe { opt_string(message, message_len)? };
        let r = s.inner.answer_failure(id(request_id), m);
        s.check(r)
    })
}

/// Tells the session the peer closed its sending side (read returned 0) at
/// `now_ms`. It takes effect once every byte fed before it has been
/// handled: commands already read are still answered (keep answering
/// requests and consuming output), and an unfinished frame is dropped.
/// Feeding input afterwards is `EPP_RESULT_INPUT_AFTER_EOF`. A
/// `EPP_REQUEST_KIND_SESSION_END` request follows; keep writing pending
/// output until `epp_session_is_finished`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_handle_eof(
    session: *mut epp_session,
    now_ms: u64,
) -> epp_result {
    session_mut(session, |s| {
        let now = time_from_ms(now_ms)?;
        s.inner.handle_eof(now);
        Ok(())
    })
}

/// Ends the session at the host's wish: nothing more is written (output
/// not yet consumed, the greeting included, is dropped: the next
/// `epp_session_take_output` yields 0 bytes), and `epp_session_is_finished`
/// becomes true.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_close(session: *mut epp_session) -> epp_result {
    session_mut(session, |s| {
        s.inner.close();
        Ok(())
    })
}

/// Writes to `*out_at_ms` when `epp_session_handle_timeout` should next be
/// called (Unix milliseconds), or `EPP_TIMEOUT_NONE` when no timer runs
/// (the session ended, or the host holds a request). Ask again after every
/// call that changes the session.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_get_next_timeout(
    session: *const epp_session,
    out_at_ms: *mut u64,
) -> epp_result {
    session_ref(session, |s| {
        let o = unsafe { out(out_at_ms)? };
        o.write(
            s.inner
                .next_timeout()
                .map_or(EPP_TIMEOUT_NONE, ms_from_time),
        );
        Ok(())
    })
}

/// Closes the session, without a response (EPP has no unsolicited
/// messages), if the login deadline or the idle timeout has passed by
/// `now_ms`; writes to `*closed` whether it did.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_handle_timeout(
    session: *mut epp_session,
    now_ms: u64,
    closed: *mut bool,
) -> epp_result {
    session_mut(session, |s| {
        let o = unsafe { out(closed)? };
        let now = time_from_ms(now_ms)?;
        o.write(s.inner.handle_timeout(now));
        Ok(())
    })
}

/// Writes the session's state to `*out_state`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_get_state(
    session: *const epp_session,
    out_state: *mut epp_session_state,
) -> epp_result {
    session_ref(session, |s| {
        let o = unsafe { out(out_state)? };
        o.write(match s.inner.state() {
            SessionState::AwaitingLogin => epp_session_state::AwaitingLogin,
            SessionState::LoginPending => epp_session_state::LoginPending,
            SessionState::LoggedIn => epp_session_state::LoggedIn,
            SessionState::Closing => epp_session_state::Closing,
            SessionState::Closed => epp_session_state::Closed,
        });
        Ok(())
    })
}

/// Writes to `*finished` whether the connection should be closed now: the
/// session has ended and every byte it will write has been consumed.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_is_finished(
    session: *const epp_session,
    finished: *mut bool,
) -> epp_result {
    session_ref(session, |s| {
        let o = unsafe { out(finished)? };
        o.write(s.inner.is_finished());
        Ok(())
    })
}

/// Writes to `*count` how many requests were handed out (or are queued)
/// and not yet answered.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_get_outstanding(
    session: *const epp_session,
    count: *mut usize,
) -> epp_result {
    session_ref(session, |s| {
        let o = unsafe { out(count)? };
        o.write(s.inner.outstanding());
        Ok(())
    })
}

/// The logged-in client's identifier (clID); (NULL, 0) when no client is
/// logged in. Valid until the next call given this session.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_get_client_id(
    session: *const epp_session,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    session_ref(session, |s| {
        let o = unsafe { out_str(out_ptr, out_len)? };
        o.write(s.inner.client_id());
        Ok(())
    })
}

/// Writes to `*out_reason` why the session ended or is ending;
/// `EPP_CLOSE_REASON_NONE` while it is open.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_get_close_reason(
    session: *const epp_session,
    out_reason: *mut epp_close_reason,
) -> epp_result {
    session_ref(session, |s| {
        let o = unsafe { out(out_reason)? };
        o.write(close_reason_value(s.inner.close_reason()));
        Ok(())
    })
}

/// Writes to `*out_value` a number that comes with the close reason (see
/// `epp_close_detail`); `EPP_RESULT_NOT_APPLICABLE` while the session is
/// open or when its close reason has no such number.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_get_close_detail(
    session: *const epp_session,
    which: epp_close_detail,
    out_value: *mut u64,
) -> epp_result {
    session_ref(session, |s| {
        let o = unsafe { out(out_value)? };
        o.write(close_detail_value(s.inner.close_reason(), which)?);
        Ok(())
    })
}

/// The close reason as English text for logs; (NULL, 0) while the session
/// is open. Valid until the next call given this session.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_get_close_reason_text(
    session: *const epp_session,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    session_ref(session, |s| {
        let o = unsafe { out_str(out_ptr, out_len)? };
        let mut text = s.close_text.borrow_mut();
        *text = s.inner.close_reason().map(|r| r.to_string());
        o.write(text.as_deref());
        Ok(())
    })
}

/// Why the latest call that changes this session (every `epp_session_*`
/// call but the `_get_` getters) failed, as English text: the detail behind
/// `EPP_RESULT_SESSION_CLOSED`, `EPP_RESULT_INVALID_XML`,
/// `EPP_RESULT_PANIC`..., or the result's description for an argument
/// error. (NULL, 0) when that call succeeded. Works on a poisoned session
/// (the panic's text). Valid until the next call given this session.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_session_get_last_error(
    session: *const epp_session,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    guard(|| {
        let s = unsafe { handle(session)? };
        let o = unsafe { out_str(out_ptr, out_len)? };
        let e = s.last_error.try_borrow().map_err(|_| epp_result::Panic)?;
        o.write(e.as_deref());
        Ok(())
    })
}
