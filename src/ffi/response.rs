//! Answers built by the host: `epp_response` and `epp_poll_message`.

use std::ffi::c_char;

use super::boundary::{
    free_handle, guard, guard_void, handle_mut, into_handle, opt_string, out, string, time_from_ms,
    Res,
};
use super::result::epp_result;
use crate::{EppResult, PollMessage, Response, ResultCode, ResultValue};

/// A complete response to an object command (or to a poll or poll ack when
/// the host wants full control), built by the host: one or more results,
/// optional `<resData>` and `<extension>` content. libepp adds the
/// envelope and `<trID>` and applies the RFC 9038 rules.
///
/// Made by `epp_response_new`, passed (by const pointer, not consumed) to
/// `epp_session_answer_command`, which copies what it needs: the caller
/// frees it with `epp_response_free` and may reuse it meanwhile. Use it
/// from one thread at a time.
pub struct epp_response {
    inner: Response,
}

/// A queued service message for `epp_session_answer_poll_message`. Made by
/// `epp_poll_message_new`, read (not consumed) by the answer, freed by
/// `epp_poll_message_free`. Use it from one thread at a time.
pub struct epp_poll_message {
    pub(crate) inner: PollMessage,
}

impl epp_response {
    pub(crate) fn response(&self) -> &Response {
        &self.inner
    }
}

fn code(code: u16) -> Result<ResultCode, epp_result> {
    ResultCode::from_u16(code).ok_or(epp_result::InvalidArgument)
}

fn with_response(r: *mut epp_response, f: impl FnOnce(&mut Response) -> Res) -> epp_result {
    guard(|| f(&mut unsafe { handle_mut(r)? }.inner))
}

fn last(r: &mut Response) -> &mut EppResult {
    // A response always has at least one result: `epp_response_new` makes
    // one and nothing removes any.
    r.results.last_mut().expect("a response has a result")
}

/// Starts a response whose first result has `code`, an EPP result code of
/// RFC 5730 (1000, 2101, 2303...; anything else is
/// `EPP_RESULT_INVALID_ARGUMENT`), with the code's standard message. A
/// 25xx code closes the session once the response is written. On success
/// `*out_response` receives a response to free with `epp_response_free`.
#[no_mangle]
pub unsafe extern "C" fn epp_response_new(
    result_code: u16,
    out_response: *mut *mut epp_response,
) -> epp_result {
    guard(|| {
        let o = unsafe { out(out_response)? };
        let inner = Response::new(code(result_code)?);
        o.write(into_handle(epp_response { inner }));
        Ok(())
    })
}

/// Frees a response (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn epp_response_free(response: *mut epp_response) {
    guard_void(|| unsafe { free_handle(response) })
}

/// Adds another result with `code` (an RFC 5730 result code). The
/// `epp_response_set_message`, `_set_lang`, `_add_value` and
/// `_add_ext_value` calls that follow apply to it.
#[no_mangle]
pub unsafe extern "C" fn epp_response_add_result(
    response: *mut epp_response,
    result_code: u16,
) -> epp_result {
    with_response(response, |r| {
        r.results.push(EppResult::new(code(result_code)?));
        Ok(())
    })
}

/// Sets the `<msg>` text of the last result added (instead of the code's
/// standard text).
#[no_mangle]
pub unsafe extern "C" fn epp_response_set_message(
    response: *mut epp_response,
    text: *const c_char,
    text_len: usize,
) -> epp_result {
    with_response(response, |r| {
        last(r).message = Some(unsafe { string(text, text_len)? }.to_owned());
        Ok(())
    })
}

/// Sets the `<msg lang>` of the last result added (default "en"); checked
/// to be a language tag when the response is used.
#[no_mangle]
pub unsafe extern "C" fn epp_response_set_lang(
    response: *mut epp_response,
    lang: *const c_char,
    lang_len: usize,
) -> epp_result {
    with_response(response, |r| {
        last(r).lang = Some(unsafe { string(lang, lang_len)? }.to_owned());
        Ok(())
    })
}

/// Adds a `<value>` holding one XML element (for example
/// `<domain:name xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">x</domain:name>`)
/// to the last result added; checked when the response is used.
#[no_mangle]
pub unsafe extern "C" fn epp_response_add_value(
    response: *mut epp_response,
    xml: *const c_char,
    xml_len: usize,
) -> epp_result {
    with_response(response, |r| {
        let v = unsafe { string(xml, xml_len)? }.to_owned();
        last(r).values.push(ResultValue::Value(v));
        Ok(())
    })
}

/// Adds an `<extValue>` to the last result added: `<value>` holding one XML
/// element (checked when the response is used) and a plain-text
/// `<reason>`.
#[no_mangle]
pub unsafe extern "C" fn epp_response_add_ext_value(
    response: *mut epp_response,
    xml: *const c_char,
    xml_len: usize,
    reason: *const c_char,
    reason_len: usize,
) -> epp_result {
    with_response(response, |r| {
        let value = unsafe { string(xml, xml_len)? }.to_owned();
        let reason = unsafe { string(reason, reason_len)? }.to_owned();
        last(r).values.push(ResultValue::ExtValue { value, reason });
        Ok(())
    })
}

/// Sets the `<resData>` content: a sequence of namespaced XML elements,
/// checked when the response is used; (NULL, 0) removes it.
#[no_mangle]
pub unsafe extern "C" fn epp_response_set_res_data(
    response: *mut epp_response,
    xml: *const c_char,
    xml_len: usize,
) -> epp_result {
    with_response(response, |r| {
        r.res_data = unsafe { opt_string(xml, xml_len)? }.map(str::to_owned);
        Ok(())
    })
}

/// Sets the `<extension>` content: a sequence of namespaced XML elements,
/// checked when the response is used; (NULL, 0) removes it.
#[no_mangle]
pub unsafe extern "C" fn epp_response_set_extension(
    response: *mut epp_response,
    xml: *const c_char,
    xml_len: usize,
) -> epp_result {
    with_response(response, |r| {
        r.extension = unsafe { opt_string(xml, xml_len)? }.map(str::to_owned);
        Ok(())
    })
}

fn with_message(m: *mut epp_poll_message, f: impl FnOnce(&mut PollMessage) -> Res) -> epp_result {
    guard(|| f(&mut unsafe { handle_mut(m)? }.inner))
}

/// Makes a service message for a poll answer: message `id` (sent as
/// `msgQ id`), `count` messages in the client's queue including this one,
/// queued at `queued_at_ms` (Unix milliseconds, sent as `<qDate>`), with
/// the human-readable `text`. On success `*out_message` receives a message to free
/// with `epp_poll_message_free`.
#[no_mangle]
pub unsafe extern "C" fn epp_poll_message_new(
    id: u64,
    count: u64,
    queued_at_ms: u64,
    text: *const c_char,
    text_len: usize,
    out_message: *mut *mut epp_poll_message,
) -> epp_result {
    guard(|| {
        let o = unsafe { out(out_message)? };
        let text = unsafe { string(text, text_len)? }.to_owned();
        let inner = PollMessage::new(id, count, time_from_ms(queued_at_ms)?, text);
        o.write(into_handle(epp_poll_message { inner }));
        Ok(())
    })
}

/// Frees a message (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn epp_poll_message_free(message: *mut epp_poll_message) {
    guard_void(|| unsafe { free_handle(message) })
}

/// Sets the language of the text (`<msg lang>`, default "en"); checked to
/// be a language tag when the message is used.
#[no_mangle]
pub unsafe extern "C" fn epp_poll_message_set_lang(
    message: *mut epp_poll_message,
    lang: *const c_char,
    lang_len: usize,
) -> epp_result {
    with_message(message, |m| {
        m.lang = Some(unsafe { string(lang, lang_len)? }.to_owned());
        Ok(())
    })
}

/// Sets object-specific data (`<resData>` children), passed through; an
/// element in a namespace the client did not log in with is moved into
/// `<extValue>` (RFC 9038). (NULL, 0) removes it.
#[no_mangle]
pub unsafe extern "C" fn epp_poll_message_set_res_data(
    message: *mut epp_poll_message,
    xml: *const c_char,
    xml_len: usize,
) -> epp_result {
    with_message(message, |m| {
        m.res_data = unsafe { opt_string(xml, xml_len)? }.map(str::to_owned);
        Ok(())
    })
}

/// Sets extension data (`<extension>` children), passed through with the
/// same RFC 9038 rule against the client's extURIs. (NULL, 0) removes it.
#[no_mangle]
pub unsafe extern "C" fn epp_poll_message_set_extension(
    message: *mut epp_poll_message,
    xml: *const c_char,
    xml_len: usize,
) -> epp_result {
    with_message(message, |m| {
        m.extension = unsafe { opt_string(xml, xml_len)? }.map(str::to_owned);
        Ok(())
    })
}
