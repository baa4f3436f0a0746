//! `capi`: the C API (the `epp_*` exports of src/ffi) over arbitrary call
//! sequences, as a C host would make them: configuration builder calls,
//! servers, sessions fed arbitrary bytes and canned frames, output taken
//! and consumed with right and wrong lengths, requests polled, read and
//! answered (by right and wrong ids, with every kind of answer, with
//! NULLs where the contract allows them), timeouts, EOF, close, free.
//! Only sequences the documented contract permits: every handle is live
//! when used and freed once; every (pointer, length) given is readable
//! for that length, except a length above `PTRDIFF_MAX`, which the API
//! refuses before reading.
//!
//! Input: operations, each a byte and its operands (see [`capi`]). Checks:
//! no call returns `EPP_RESULT_PANIC`; every result is one
//! `epp_result_describe` knows; NULL handles and out-parameters give
//! `EPP_RESULT_NULL_PARAMETER`; consuming more than is pending gives
//! `EPP_RESULT_INVALID_LENGTH`; every byte of output handed out is
//! readable and the output is well-formed frames of well-formed XML.

#![allow(unsafe_code)]

use std::ffi::c_char;
use std::ptr::{null, null_mut};

use epp::ffi::*;

use super::{check_xml, split_frames};

/// The input, read front to back; reads past the end give zeros.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.byte(), self.byte()])
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a
    }

    /// A short string operand: a length byte, then the bytes (any bytes:
    /// invalid UTF-8 is for the API to refuse).
    fn text(&mut self) -> &'a [u8] {
        let n = usize::from(self.byte() % 64);
        self.take(n)
    }
}

/// Fails on a panic and on a result `epp_result_describe` does not know.
fn ok(r: epp_result) -> epp_result {
    assert_ne!(r, epp_result::Panic, "a panic crossed into the C API");
    let mut buf = [0u8; 256];
    let mut written = 0usize;
    // SAFETY: buf is 256 writable bytes; written is a valid usize.
    let d =
        unsafe { epp_result_describe(r as u32, buf.as_mut_ptr().cast(), buf.len(), &mut written) };
    assert_eq!(d, epp_result::Ok, "epp_result_describe does not know {r:?}");
    r
}

/// A string argument from `bytes`: (pointer, length); with `null`, NULL
/// and the length (which the API must refuse unless 0 means absent).
fn arg(bytes: &[u8], null: bool) -> (*const c_char, usize) {
    if null {
        (std::ptr::null(), bytes.len())
    } else {
        (bytes.as_ptr().cast(), bytes.len())
    }
}

const DOMAIN: &[u8] = b"urn:ietf:params:xml:ns:domain-1.0";

/// Frames a C host would typically be sent, so that short inputs reach
/// logged-in sessions.
const CANNED: &[&str] = &[
    r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><login><clID>registrar1</clID><pw>secret-pw1</pw><options><version>1.0</version><lang>en</lang></options><svcs><objURI>urn:ietf:params:xml:ns:domain-1.0</objURI></svcs></login><clTRID>L-1</clTRID></command></epp>"#,
    r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><login><clID>registrar1</clID><pw>[LOGIN-SECURITY]</pw><options><version>1.0</version><lang>en</lang></options><svcs><objURI>urn:ietf:params:xml:ns:domain-1.0</objURI><svcExtension><extURI>urn:ietf:params:xml:ns:epp:loginSec-1.0</extURI></svcExtension></svcs></login><extension><loginSec:loginSec xmlns:loginSec="urn:ietf:params:xml:ns:epp:loginSec-1.0"><loginSec:userAgent><loginSec:app>fuzz 1.0</loginSec:app></loginSec:userAgent><loginSec:pw>a-password-longer-than-sixteen</loginSec:pw></loginSec:loginSec></extension><clTRID>L-2</clTRID></command></epp>"#,
    r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><poll op="req"/><clTRID>P-1</clTRID></command></epp>"#,
    r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><poll op="ack" msgID="12"/><clTRID>P-2</clTRID></command></epp>"#,
    r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><check><domain:check xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>a.example</domain:name></domain:check></check><clTRID>C-1</clTRID></command></epp>"#,
    r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><transfer op="request"><domain:transfer xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>a.example</domain:name></domain:transfer></transfer><clTRID>T-1</clTRID></command></epp>"#,
    r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>"#,
    r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><logout/><clTRID>O-1</clTRID></command></epp>"#,
    r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><bogus/></command></epp>"#,
];

/// XML the host passes through in answers, good and bad.
const XML: &[&[u8]] = &[
    br#"<domain:infData xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>a.example</domain:name></domain:infData>"#,
    br#"<x:y xmlns:x="urn:example:unlisted">t</x:y>"#,
    b"<unclosed>",
    b"not xml",
    b"",
    b"<a:b>unbound</a:b>",
    b"<!DOCTYPE x><x/>",
    b"\xff\xfe",
];

struct Sess {
    h: *mut epp_session,
    out: Vec<u8>,
}

struct State {
    builder: *mut epp_config_builder,
    config: *mut epp_config,
    counter: *mut epp_registrar_sessions,
    server: *mut epp_server,
    sessions: Vec<Sess>,
    requests: Vec<*mut epp_request>,
    now: u64,
}

impl State {
    unsafe fn new() -> State {
        let mut s = State {
            builder: null_mut(),
            config: null_mut(),
            counter: null_mut(),
            server: null_mut(),
            sessions: Vec::new(),
            requests: Vec::new(),
            now: 1_800_000_000_000,
        };
        let id = b"libepp fuzz server";
        unsafe {
            assert_eq!(
                ok(epp_config_builder_new(
                    id.as_ptr().cast(),
                    id.len(),
                    &mut s.builder
                )),
                epp_result::Ok
            );
            ok(epp_config_builder_add_object_uri(
                s.builder,
                DOMAIN.as_ptr().cast(),
                DOMAIN.len(),
            ));
            ok(epp_config_builder_set_sv_trid_epoch(s.builder, 7));
            ok(epp_config_builder_set_transaction_log(s.builder, true));
            assert_eq!(
                ok(epp_config_builder_build(s.builder, &mut s.config)),
                epp_result::Ok
            );
            assert_eq!(
                ok(epp_server_new(s.config, s.now, null(), &mut s.server)),
                epp_result::Ok
            );
            s.new_session();
        }
        s
    }

    unsafe fn new_session(&mut self) {
        if self.sessions.len() >= 3 {
            return;
        }
        let mut h = null_mut();
        assert_eq!(
            ok(unsafe { epp_session_new(self.server, self.now, &mut h) }),
            epp_result::Ok
        );
        assert!(!h.is_null());
        self.sessions.push(Sess { h, out: Vec::new() });
    }

    /// The session the operand byte picks (NULL when there is none).
    fn session(&mut self, b: u8) -> Option<&mut Sess> {
        if self.sessions.is_empty() {
            None
        } else {
            let i = usize::from(b) % self.sessions.len();
            Some(&mut self.sessions[i])
        }
    }

    fn request(&self, b: u8) -> *mut epp_request {
        if self.requests.is_empty() {
            null_mut()
        } else {
            self.requests[usize::from(b) % self.requests.len()]
        }
    }

    /// The id of a request the byte picks, or an arbitrary id.
    unsafe fn request_id(&self, b: u8) -> u64 {
        let r = self.request(b);
        if r.is_null() || b >= 0xf0 {
            return u64::from(b);
        }
        let mut id = 0;
        match ok(unsafe { epp_request_get_id(r, &mut id) }) {
            epp_result::Ok => id,
            // A SessionEnd takes no answer.
            r => {
                assert_eq!(r, epp_result::NotApplicable);
                u64::from(b)
            }
        }
    }

    unsafe fn feed(&mut self, which: u8, data: *const u8, len: usize) {
        let now = self.now;
        let Some(s) = self.session(which) else { return };
        let r = ok(unsafe { epp_session_feed_input(s.h, data, len, now) });
        if data.is_null() {
            assert_eq!(r, epp_result::NullParameter);
        } else if len > isize::MAX as usize {
            assert_eq!(r, epp_result::InvalidLength);
        } else {
            assert!(
                matches!(
                    r,
                    epp_result::Ok
                        | epp_result::SessionClosed
                        | epp_result::InputAfterEof
                        | epp_result::InputBufferFull
                ),
                "feed: {r:?}"
            );
        }
    }

    unsafe fn take_output(&mut self, which: u8, extra: u8) {
        let Some(s) = self.session(which) else { return };
        let mut p: *const u8 = null();
        let mut len = 0usize;
        assert_eq!(
            ok(unsafe { epp_session_take_output(s.h, &mut p, &mut len) }),
            epp_result::Ok
        );
        if len > 0 {
            assert!(!p.is_null());
            // SAFETY: the API hands out `len` readable bytes.
            // Copied now: the pointer is valid until the next call given
            // this session.
            let bytes = unsafe { std::slice::from_raw_parts(p, len) }.to_vec();
            let n = match extra % 4 {
                0 => len,
                1 => len / 2,
                2 => len + 1 + usize::from(extra >> 2),
                _ => usize::from(extra).min(len),
            };
            let r = ok(unsafe { epp_session_consume_output(s.h, n) });
            if n > len {
                assert_eq!(r, epp_result::InvalidLength);
            } else {
                assert_eq!(r, epp_result::Ok);
                s.out.extend_from_slice(&bytes[..n]);
            }
        } else if extra % 4 == 2 {
            assert_eq!(
                ok(unsafe { epp_session_consume_output(s.h, 1) }),
                epp_result::InvalidLength
            );
        }
    }

    unsafe fn poll(&mut self, which: u8) {
        let Some(s) = self.session(which) else { return };
        let h = s.h;
        loop {
            let mut r = null_mut();
            let res = ok(unsafe { epp_session_poll_queue(h, &mut r) });
            if res != epp_result::Ok || r.is_null() {
                break;
            }
            unsafe { read_request(r) };
            if self.requests.len() >= 16 {
                unsafe { epp_request_free(self.requests.remove(0)) };
            }
            self.requests.push(r);
        }
        loop {
            let mut t = null_mut();
            let res = ok(unsafe { epp_session_poll_transaction(h, &mut t) });
            if res != epp_result::Ok || t.is_null() {
                break;
            }
            let mut code = 0u16;
            let mut at = 0u64;
            let (mut p, mut l) = (null(), 0usize);
            unsafe {
                ok(epp_transaction_get_result_code(t, &mut code));
                ok(epp_transaction_get_received_at(t, &mut at));
                ok(epp_transaction_get_client_id(t, &mut p, &mut l));
                ok(epp_transaction_get_client_transaction_id(t, &mut p, &mut l));
                ok(epp_transaction_get_server_transaction_id(t, &mut p, &mut l));
                epp_transaction_free(t);
            }
        }
    }

    unsafe fn answer(&mut self, inp: &mut Input<'_>) {
        let which = inp.byte();
        let pick = inp.byte();
        let how = inp.byte();
        let id = unsafe { self.request_id(pick) };
        let Some(s) = self.session(which) else { return };
        let h = s.h;
        let r = unsafe {
            match how % 10 {
                0 => {
                    let mut code = 0u16;
                    ok(epp_session_answer_login(
                        h,
                        id,
                        epp_login_answer(u32::from(how >> 4) % 7),
                        &mut code,
                    ))
                }
                1 => ok(epp_session_answer_poll_empty(h, id)),
                2 => {
                    let text = inp.text();
                    let (tp, tl) = arg(text, how & 0x80 != 0);
                    let mut m = null_mut();
                    let r = ok(epp_poll_message_new(
                        u64::from(pick),
                        u64::from(how),
                        self.now,
                        tp,
                        tl,
                        &mut m,
                    ));
                    if r != epp_result::Ok {
                        return;
                    }
                    let x = XML[usize::from(how >> 4) % XML.len()];
                    match how >> 5 & 3 {
                        0 => ok(epp_poll_message_set_res_data(m, x.as_ptr().cast(), x.len())),
                        1 => ok(epp_poll_message_set_extension(
                            m,
                            x.as_ptr().cast(),
                            x.len(),
                        )),
                        2 => ok(epp_poll_message_set_msg_xml(m, x.as_ptr().cast(), x.len())),
                        _ => ok(epp_poll_message_set_lang(m, b"de".as_ptr().cast(), 2)),
                    };
                    let r = ok(epp_session_answer_poll_message(h, id, m));
                    epp_poll_message_free(m);
                    r
                }
                3 => ok(epp_session_answer_ack(h, id, u64::from(how >> 4))),
                4 => ok(epp_session_answer_ack_unknown(h, id)),
                5 | 6 => {
                    let code = [
                        1000u16, 1001, 1300, 1500, 2001, 2303, 2400, 2500, 2502, 999, 0,
                    ][usize::from(how >> 4) % 11];
                    let mut resp = null_mut();
                    let r = ok(epp_response_new(code, &mut resp));
                    if r != epp_result::Ok {
                        assert!(resp.is_null());
                        return;
                    }
                    let x = XML[usize::from(pick) % XML.len()];
                    let text = inp.text();
                    match how >> 6 {
                        0 => ok(epp_response_set_res_data(resp, x.as_ptr().cast(), x.len())),
                        1 => ok(epp_response_set_extension(resp, x.as_ptr().cast(), x.len())),
                        2 => ok(epp_response_set_message(
                            resp,
                            text.as_ptr().cast(),
                            text.len(),
                        )),
                        _ => ok(epp_response_add_ext_value(
                            resp,
                            x.as_ptr().cast(),
                            x.len(),
                            text.as_ptr().cast(),
                            text.len(),
                        )),
                    };
                    ok(epp_response_add_value(resp, x.as_ptr().cast(), x.len()));
                    ok(epp_response_add_result(resp, code));
                    ok(epp_response_set_lang(
                        resp,
                        text.as_ptr().cast(),
                        text.len(),
                    ));
                    let r = ok(epp_session_answer_command(h, id, resp));
                    epp_response_free(resp);
                    r
                }
                7 => {
                    let text = inp.text();
                    let (p, l) = arg(text, how & 0x40 != 0);
                    let r = ok(epp_session_answer_failure(h, id, p, l));
                    if p.is_null() && l > 0 {
                        assert_eq!(r, epp_result::NullParameter);
                    }
                    r
                }
                8 => {
                    let mut events: Vec<*mut epp_security_event> = Vec::new();
                    for k in 0..usize::from(how >> 4) % 4 {
                        let mut e = null_mut();
                        let t = epp_security_event_type(u32::from(inp.byte()) % 9);
                        let lv = epp_security_event_level(u32::from(inp.byte()) % 4);
                        if ok(epp_security_event_new(t, lv, &mut e)) != epp_result::Ok {
                            continue;
                        }
                        let text = inp.text();
                        match k {
                            0 => ok(epp_security_event_set_expires_at(e, self.now + 1000)),
                            1 => ok(epp_security_event_set_name(
                                e,
                                text.as_ptr().cast(),
                                text.len(),
                            )),
                            2 => ok(epp_security_event_set_value(
                                e,
                                text.as_ptr().cast(),
                                text.len(),
                            )),
                            _ => ok(epp_security_event_set_lang(
                                e,
                                text.as_ptr().cast(),
                                text.len(),
                            )),
                        };
                        ok(epp_security_event_set_duration(e, u64::from(how)));
                        ok(epp_security_event_set_text(
                            e,
                            text.as_ptr().cast(),
                            text.len(),
                        ));
                        events.push(e);
                    }
                    let mut code = 0u16;
                    let arr: *const *const epp_security_event = if events.is_empty() && how & 1 != 0
                    {
                        null()
                    } else {
                        events.as_ptr().cast()
                    };
                    let r = ok(epp_session_answer_login_with_events(
                        h,
                        id,
                        epp_login_answer(1 + u32::from(how >> 6)),
                        arr,
                        events.len(),
                        &mut code,
                    ));
                    for e in events {
                        epp_security_event_free(e);
                    }
                    r
                }
                _ => {
                    // NULL out-parameter.
                    let r = ok(epp_session_answer_login(
                        h,
                        id,
                        EPP_LOGIN_ANSWER_ACCEPTED,
                        null_mut(),
                    ));
                    assert_eq!(r, epp_result::NullParameter);
                    r
                }
            }
        };
        let _ = r;
        let mut p = null();
        let mut l = 0usize;
        // SAFETY: h is live; out-parameters are valid.
        unsafe { ok(epp_session_get_last_error(h, &mut p, &mut l)) };
        if !p.is_null() {
            // SAFETY: the API hands out `l` readable bytes.
            let msg = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), l) };
            assert!(std::str::from_utf8(msg).is_ok(), "last error is not UTF-8");
        }
    }

    unsafe fn getters(&mut self, which: u8, what: u8) {
        let Some(s) = self.session(which) else { return };
        let h = s.h;
        unsafe {
            let mut b = false;
            let mut n = 0usize;
            let mut t = 0u64;
            let mut st = std::mem::MaybeUninit::<epp_session_state>::uninit();
            let mut cr = std::mem::MaybeUninit::<epp_close_reason>::uninit();
            let (mut p, mut l) = (null(), 0usize);
            ok(epp_session_wants_input(h, &mut b));
            ok(epp_session_get_buffered_input(h, &mut n));
            ok(epp_session_get_next_timeout(h, &mut t));
            ok(epp_session_get_state(h, st.as_mut_ptr()));
            ok(epp_session_is_finished(h, &mut b));
            ok(epp_session_get_outstanding(h, &mut n));
            ok(epp_session_get_client_id(h, &mut p, &mut l));
            ok(epp_session_get_close_reason(h, cr.as_mut_ptr()));
            ok(epp_session_get_close_detail(
                h,
                epp_close_detail(u32::from(what) % 6),
                &mut t,
            ));
            ok(epp_session_get_close_reason_text(h, &mut p, &mut l));
            if !p.is_null() {
                let text = std::slice::from_raw_parts(p.cast::<u8>(), l);
                assert!(std::str::from_utf8(text).is_ok());
            }
            // NULL out-parameters.
            assert_eq!(
                ok(epp_session_wants_input(h, null_mut())),
                epp_result::NullParameter
            );
            assert_eq!(
                ok(epp_session_get_client_id(h, null_mut(), &mut l)),
                epp_result::NullParameter
            );
        }
    }
}

/// Reads everything a request offers, with right and wrong indexes.
unsafe fn read_request(r: *mut epp_request) {
    unsafe {
        let mut kind = std::mem::MaybeUninit::<epp_request_kind>::uninit();
        assert_eq!(
            ok(epp_request_get_kind(r, kind.as_mut_ptr())),
            epp_result::Ok
        );
        let mut id = 0u64;
        ok(epp_request_get_id(r, &mut id));
        let (mut p, mut l) = (null(), 0usize);
        let strings: [unsafe extern "C" fn(
            *const epp_request,
            *mut *const c_char,
            *mut usize,
        ) -> epp_result; 13] = [
            epp_request_get_client_id,
            epp_request_get_password,
            epp_request_get_new_password,
            epp_request_get_lang,
            epp_request_get_extension_xml,
            epp_request_get_client_transaction_id,
            epp_request_get_user_agent_app,
            epp_request_get_user_agent_tech,
            epp_request_get_user_agent_os,
            epp_request_get_object_uri,
            epp_request_get_object_xml,
            epp_request_get_close_reason_text,
            epp_request_get_client_id,
        ];
        for f in strings {
            if ok(f(r, &mut p, &mut l)) == epp_result::Ok && !p.is_null() {
                let text = std::slice::from_raw_parts(p.cast::<u8>(), l);
                assert!(
                    std::str::from_utf8(text).is_ok(),
                    "a string getter gave non-UTF-8"
                );
            }
        }
        let mut n = 0usize;
        if ok(epp_request_get_obj_uri_count(r, &mut n)) == epp_result::Ok {
            for i in [0, n.saturating_sub(1), n, usize::MAX] {
                let res = ok(epp_request_get_obj_uri(r, i, &mut p, &mut l));
                if i >= n {
                    assert_ne!(res, epp_result::Ok, "index {i} of {n}");
                }
            }
        }
        if ok(epp_request_get_ext_uri_count(r, &mut n)) == epp_result::Ok {
            for i in [0, n, usize::MAX] {
                let res = ok(epp_request_get_ext_uri(r, i, &mut p, &mut l));
                if i >= n {
                    assert_ne!(res, epp_result::Ok, "index {i} of {n}");
                }
            }
        }
        let mut v = 0u64;
        ok(epp_request_get_message_id(r, &mut v));
        let mut verb = std::mem::MaybeUninit::<epp_command_verb>::uninit();
        ok(epp_request_get_command_verb(r, verb.as_mut_ptr()));
        let mut op = std::mem::MaybeUninit::<epp_transfer_op>::uninit();
        ok(epp_request_get_transfer_op(r, op.as_mut_ptr()));
        let mut cr = std::mem::MaybeUninit::<epp_close_reason>::uninit();
        ok(epp_request_get_close_reason(r, cr.as_mut_ptr()));
        for w in 0..6 {
            ok(epp_request_get_close_detail(r, epp_close_detail(w), &mut v));
        }
        assert_eq!(
            ok(epp_request_get_id(r, null_mut())),
            epp_result::NullParameter
        );
    }
}

/// The `capi` target. Operations (op % 20):
///
/// | op | call |
/// |---|---|
/// | 0 | feed a segment: session byte, 2-byte length, bytes |
/// | 1 | feed a canned frame: session byte, frame byte |
/// | 2 | feed NULL (with a length byte), or a length above `PTRDIFF_MAX` |
/// | 3 | take and consume output: session byte, length byte |
/// | 4 | poll the queue (and read every request and transaction record) |
/// | 5 | answer: session, request and kind bytes, operands |
/// | 6 | free a request |
/// | 7 | EOF |
/// | 8 | close |
/// | 9 | time passes (byte: seconds times 4), timeouts handled |
/// | 10 | the session getters |
/// | 11 | a new session (at most 3) |
/// | 12 | free a session |
/// | 13 | a builder call (then build: a new config and server on success) |
/// | 14 | `epp_result_describe` with a buffer of the given size |
/// | 15 | every kind of call with NULL handles |
/// | 16 | a registrar session counter and a server with it |
/// | 17.. | take, poll, answer (so that sessions progress) |
pub fn capi(data: &[u8]) {
    let mut inp = Input(data);
    // SAFETY: the state's handles are live until freed below, each once.
    unsafe {
        let mut st = State::new();
        let mut budget = 4 * data.len() + 16;
        while !inp.0.is_empty() && budget > 0 {
            budget -= 1;
            let op = inp.byte();
            match op % 20 {
                0 => {
                    let which = inp.byte();
                    let n = usize::from(inp.u16());
                    let bytes = inp.take(n);
                    st.feed(which, bytes.as_ptr(), bytes.len());
                    st.poll(which);
                }
                1 => {
                    let which = inp.byte();
                    let f = CANNED[usize::from(inp.byte()) % CANNED.len()].as_bytes();
                    let mut framed = ((f.len() + 4) as u32).to_be_bytes().to_vec();
                    framed.extend_from_slice(f);
                    st.feed(which, framed.as_ptr(), framed.len());
                    st.poll(which);
                }
                2 => {
                    let which = inp.byte();
                    let n = inp.byte();
                    if n == 0xff {
                        st.feed(which, b"x".as_ptr(), usize::MAX);
                    } else {
                        st.feed(which, null(), usize::from(n));
                    }
                }
                3 => {
                    let which = inp.byte();
                    let extra = inp.byte();
                    st.take_output(which, extra);
                }
                4 => {
                    let which = inp.byte();
                    st.poll(which);
                }
                5 | 17 => st.answer(&mut inp),
                6 => {
                    let b = inp.byte();
                    if !st.requests.is_empty() {
                        let i = usize::from(b) % st.requests.len();
                        epp_request_free(st.requests.remove(i));
                    }
                }
                7 => {
                    let now = st.now;
                    if let Some(s) = st.session(inp.byte()) {
                        ok(epp_session_handle_eof(s.h, now));
                    }
                }
                8 => {
                    if let Some(s) = st.session(inp.byte()) {
                        ok(epp_session_close(s.h));
                    }
                }
                9 => {
                    st.now += u64::from(inp.byte()) * 4000;
                    let now = st.now;
                    for s in &st.sessions {
                        let mut closed = false;
                        ok(epp_session_handle_timeout(s.h, now, &mut closed));
                    }
                }
                10 => {
                    let which = inp.byte();
                    let what = inp.byte();
                    st.getters(which, what);
                }
                11 => st.new_session(),
                12 => {
                    let b = inp.byte();
                    if !st.sessions.is_empty() {
                        let i = usize::from(b) % st.sessions.len();
                        let s = st.sessions.remove(i);
                        check_output(&s.out);
                        epp_session_free(s.h);
                    }
                }
                13 => builder_op(&mut st, &mut inp),
                14 => {
                    let code = u32::from(inp.u16()) % 400;
                    let len = usize::from(inp.byte() % 96);
                    let mut buf = vec![0u8; len.max(1)];
                    let mut written = 0usize;
                    let r = ok(epp_result_describe(
                        code,
                        buf.as_mut_ptr().cast(),
                        len,
                        &mut written,
                    ));
                    if r == epp_result::Ok {
                        assert!(written < len && buf[written] == 0);
                    }
                    let r = ok(epp_result_describe(code, null_mut(), 0, &mut written));
                    assert_ne!(r, epp_result::Ok);
                }
                15 => null_handles(),
                16 => {
                    let max = usize::from(inp.byte() % 3);
                    let mut c = null_mut();
                    if ok(epp_registrar_sessions_new(max, &mut c)) == epp_result::Ok {
                        let mut server = null_mut();
                        if ok(epp_server_new(st.config, st.now, c, &mut server)) == epp_result::Ok {
                            epp_server_free(st.server);
                            st.server = server;
                        }
                        let mut n = 0usize;
                        ok(epp_registrar_sessions_count(
                            c,
                            b"registrar1".as_ptr().cast(),
                            10,
                            &mut n,
                        ));
                        epp_registrar_sessions_free(st.counter);
                        st.counter = c;
                    }
                }
                18 => {
                    let which = inp.byte();
                    st.take_output(which, 0);
                }
                _ => {
                    let which = inp.byte();
                    st.poll(which);
                }
            }
        }
        // Free everything, each handle once; the output must be frames.
        for s in st.sessions.drain(..) {
            let mut p: *const u8 = null();
            let mut len = 0usize;
            let mut out = s.out;
            if ok(epp_session_take_output(s.h, &mut p, &mut len)) == epp_result::Ok && len > 0 {
                out.extend_from_slice(std::slice::from_raw_parts(p, len));
            }
            check_output(&out);
            epp_session_free(s.h);
        }
        for r in st.requests.drain(..) {
            epp_request_free(r);
        }
        epp_server_free(st.server);
        epp_config_free(st.config);
        epp_registrar_sessions_free(st.counter);
        epp_config_builder_free(st.builder);
    }
}

fn check_output(out: &[u8]) {
    for body in split_frames(out, true) {
        check_xml(body, "epp");
    }
}

unsafe fn builder_op(st: &mut State, inp: &mut Input<'_>) {
    let b = st.builder;
    let k = inp.byte();
    let text = inp.text();
    let (p, l) = arg(text, k & 0x80 != 0);
    let v = u64::from(inp.u16()) * [1, 1, 16, 1000][usize::from(k >> 5 & 3)];
    unsafe {
        let r = match k % 14 {
            0 => ok(epp_config_builder_add_version(b, p, l)),
            1 => ok(epp_config_builder_add_language(b, p, l)),
            2 => ok(epp_config_builder_add_object_uri(b, p, l)),
            3 => ok(epp_config_builder_add_extension_uri(b, p, l)),
            4 => ok(epp_config_builder_set_limit(
                b,
                epp_limit(u32::from(k >> 4) % 12),
                v,
            )),
            5 => ok(epp_config_builder_set_dcp_access(
                b,
                epp_dcp_access(u32::from(k >> 4)),
            )),
            6 => ok(epp_config_builder_add_dcp_statement(
                b,
                epp_dcp_purposes(u32::from(k >> 4)),
                epp_dcp_recipients(u32::from(k >> 2)),
                epp_dcp_retention(u32::from(k >> 5)),
            )),
            7 => ok(epp_config_builder_add_dcp_ours_description(b, p, l)),
            8 => ok(epp_config_builder_set_dcp_expiry_relative(b, v)),
            9 => ok(epp_config_builder_set_sv_trid_prefix(b, p, l)),
            10 => ok(epp_config_builder_set_unhandled_namespaces(b, k & 16 != 0)),
            11 => ok(epp_config_builder_set_login_security(
                b,
                usize::from(k >> 4),
                v as usize,
            )),
            12 => ok(epp_config_builder_set_dcp_expiry_absolute(b, v)),
            _ => ok(epp_config_builder_set_transaction_log(b, k & 16 != 0)),
        };
        if matches!(k % 14, 0..=3 | 7 | 9) && p.is_null() {
            assert_eq!(r, epp_result::NullParameter, "NULL string");
        }
        let mut config = null_mut();
        match ok(epp_config_builder_build(b, &mut config)) {
            epp_result::Ok => {
                let mut server = null_mut();
                assert_eq!(
                    ok(epp_server_new(config, st.now, st.counter, &mut server)),
                    epp_result::Ok
                );
                epp_config_free(st.config);
                epp_server_free(st.server);
                st.config = config;
                st.server = server;
            }
            r => {
                assert_eq!(r, epp_result::InvalidConfig);
                assert!(config.is_null());
                let (mut p, mut l) = (null(), 0usize);
                assert_eq!(
                    ok(epp_config_builder_get_last_error(b, &mut p, &mut l)),
                    epp_result::Ok
                );
                assert!(!p.is_null() && l > 0, "a failed build says why");
            }
        }
    }
}

/// Calls with NULL handles: `EPP_RESULT_NULL_PARAMETER`, or nothing for
/// the `_free` functions.
unsafe fn null_handles() {
    unsafe {
        let mut b = false;
        let mut n = 0usize;
        let (mut p, mut l) = (null(), 0usize);
        let mut out = null_mut();
        let nul = epp_result::NullParameter;
        assert_eq!(
            ok(epp_session_feed_input(null_mut(), b"x".as_ptr(), 1, 0)),
            nul
        );
        assert_eq!(ok(epp_session_wants_input(null(), &mut b)), nul);
        assert_eq!(ok(epp_session_get_buffered_input(null(), &mut n)), nul);
        assert_eq!(ok(epp_session_consume_output(null_mut(), 0)), nul);
        assert_eq!(ok(epp_session_poll_queue(null_mut(), &mut out)), nul);
        assert_eq!(ok(epp_session_answer_poll_empty(null_mut(), 1)), nul);
        assert_eq!(
            ok(epp_session_answer_failure(null_mut(), 1, null(), 0)),
            nul
        );
        assert_eq!(ok(epp_session_handle_eof(null_mut(), 0)), nul);
        assert_eq!(ok(epp_session_close(null_mut())), nul);
        assert_eq!(ok(epp_session_get_last_error(null(), &mut p, &mut l)), nul);
        assert_eq!(ok(epp_request_get_client_id(null(), &mut p, &mut l)), nul);
        assert_eq!(ok(epp_session_new(null(), 0, &mut null_mut())), nul);
        assert_eq!(ok(epp_server_new(null(), 0, null(), &mut null_mut())), nul);
        assert_eq!(
            ok(epp_config_builder_build(null_mut(), &mut null_mut())),
            nul
        );
        assert_eq!(ok(epp_config_builder_new(null(), 3, &mut null_mut())), nul);
        assert_eq!(ok(epp_response_new(1000, null_mut())), nul);
        assert_eq!(ok(epp_session_answer_command(null_mut(), 1, null())), nul);
        epp_session_free(null_mut());
        epp_request_free(null_mut());
        epp_server_free(null_mut());
        epp_config_free(null_mut());
        epp_config_builder_free(null_mut());
        epp_response_free(null_mut());
        epp_poll_message_free(null_mut());
        epp_security_event_free(null_mut());
        epp_registrar_sessions_free(null_mut());
        epp_transaction_free(null_mut());
    }
}
