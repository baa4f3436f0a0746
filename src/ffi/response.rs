//! Answers built by the host: `epp_response`, `epp_poll_message` and
//! `epp_security_event`.

use std::ffi::c_char;
use std::time::Duration;

use super::boundary::{
    free_handle, guard, guard_void, handle_mut, into_handle, invalid, opt_string, out, string,
    time_from_ms, Res,
};
use super::result::epp_result;
use crate::{
    EppResult, PollMessage, Response, ResultCode, ResultValue, SecurityEvent, SecurityEventLevel,
    SecurityEventType,
};

/// A complete response to an object command or a protocol extension (or to
/// a poll or poll ack when the host wants full control), built by the host:
/// one or more results, optional `<resData>` and `<extension>` content.
/// libepp adds the envelope and `<trID>` and applies the RFC 9038 rules.
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

/// One RFC 8807 security event (`<loginSec:event>`) for a login response,
/// built by the host: a password or certificate about to expire, an
/// insecure cipher or TLS protocol, a statistic, a custom event. Made by
/// `epp_security_event_new`, filled by the `epp_security_event_set_*`
/// setters, passed (by const pointer, not consumed) to
/// `epp_session_answer_login_with_events`, freed by
/// `epp_security_event_free`. Use it from one thread at a time.
pub struct epp_security_event {
    pub(crate) inner: SecurityEvent,
}

/// The `type` of a security event: one of the `EPP_SECURITY_EVENT_TYPE_*`
/// values.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct epp_security_event_type(pub u32);

/// `password`: the password expires (or expired) at the exDate, which must
/// be set (`epp_security_event_set_expires_at`).
pub const EPP_SECURITY_EVENT_TYPE_PASSWORD: epp_security_event_type = epp_security_event_type(1);
/// `certificate`: the client certificate expires (or expired) at the
/// exDate, which must be set.
pub const EPP_SECURITY_EVENT_TYPE_CERTIFICATE: epp_security_event_type = epp_security_event_type(2);
/// `cipher`: an insecure or deprecated TLS cipher suite (its name as the
/// value).
pub const EPP_SECURITY_EVENT_TYPE_CIPHER: epp_security_event_type = epp_security_event_type(3);
/// `tlsProtocol`: an insecure or deprecated TLS protocol (its name as the
/// value).
pub const EPP_SECURITY_EVENT_TYPE_TLS_PROTOCOL: epp_security_event_type =
    epp_security_event_type(4);
/// `newPW`: the new password does not meet the server's requirements.
pub const EPP_SECURITY_EVENT_TYPE_NEW_PASSWORD: epp_security_event_type =
    epp_security_event_type(5);
/// `stat`: a statistic, named with `epp_security_event_set_name` (such as
/// "failedLogins"), its figure as the value, its period as the duration.
pub const EPP_SECURITY_EVENT_TYPE_STAT: epp_security_event_type = epp_security_event_type(6);
/// `custom`: a custom event, named with `epp_security_event_set_name`.
pub const EPP_SECURITY_EVENT_TYPE_CUSTOM: epp_security_event_type = epp_security_event_type(7);

/// The `level` of a security event: one of the `EPP_SECURITY_EVENT_LEVEL_*`
/// values.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct epp_security_event_level(pub u32);

/// `warning`: the client should act on it.
pub const EPP_SECURITY_EVENT_LEVEL_WARNING: epp_security_event_level = epp_security_event_level(1);
/// `error`: the event made the login fail.
pub const EPP_SECURITY_EVENT_LEVEL_ERROR: epp_security_event_level = epp_security_event_level(2);

impl epp_response {
    pub(crate) fn response(&self) -> &Response {
        &self.inner
    }
}

pub(crate) fn code(code: u16) -> Result<ResultCode, epp_result> {
    ResultCode::from_u16(code).ok_or_else(|| {
        invalid(format!(
            "result_code: {code} is not an EPP result code (RFC 5730 section 3)"
        ))
    })
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
#[must_use]
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
#[must_use]
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
#[must_use]
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
#[must_use]
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
#[must_use]
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
#[must_use]
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
#[must_use]
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
#[must_use]
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
#[must_use]
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
#[must_use]
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
#[must_use]
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
#[must_use]
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

/// Sets the structured content of `<msg>` (epp-1.0.xsd `mixedMsgType`):
/// one or more namespaced XML elements, written after the text (which may
/// then be empty), each made to stand alone; for example CZ.NIC FRED's
/// `<fred:lowCreditData xmlns:fred="...">`. An element whose namespace the
/// client did not log in with (as an objURI or an extURI) is moved into
/// `<extValue>` (RFC 9038), as for `<resData>`. Checked when the message is
/// used. (NULL, 0) removes it.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_poll_message_set_msg_xml(
    message: *mut epp_poll_message,
    xml: *const c_char,
    xml_len: usize,
) -> epp_result {
    with_message(message, |m| {
        m.msg_xml = unsafe { opt_string(xml, xml_len)? }.map(str::to_owned);
        Ok(())
    })
}

fn with_event(e: *mut epp_security_event, f: impl FnOnce(&mut SecurityEvent) -> Res) -> epp_result {
    guard(|| f(&mut unsafe { handle_mut(e)? }.inner))
}

/// Makes a security event of `event_type` (an `EPP_SECURITY_EVENT_TYPE_*`
/// value) and `level` (an `EPP_SECURITY_EVENT_LEVEL_*` value), with no
/// other attribute and no text; `EPP_RESULT_INVALID_ARGUMENT` for another
/// value. A `stat` or `custom` event needs a name
/// (`epp_security_event_set_name`), a `password` or `certificate` event an
/// exDate (`epp_security_event_set_expires_at`): RFC 8807's rules, checked
/// when the event is used. On success `*out_event` receives an event to
/// free with `epp_security_event_free`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_security_event_new(
    event_type: epp_security_event_type,
    level: epp_security_event_level,
    out_event: *mut *mut epp_security_event,
) -> epp_result {
    guard(|| {
        let o = unsafe { out(out_event)? };
        let event_type = match event_type {
            EPP_SECURITY_EVENT_TYPE_PASSWORD => SecurityEventType::Password,
            EPP_SECURITY_EVENT_TYPE_CERTIFICATE => SecurityEventType::Certificate,
            EPP_SECURITY_EVENT_TYPE_CIPHER => SecurityEventType::Cipher,
            EPP_SECURITY_EVENT_TYPE_TLS_PROTOCOL => SecurityEventType::TlsProtocol,
            EPP_SECURITY_EVENT_TYPE_NEW_PASSWORD => SecurityEventType::NewPassword,
            EPP_SECURITY_EVENT_TYPE_STAT => SecurityEventType::Stat(String::new()),
            EPP_SECURITY_EVENT_TYPE_CUSTOM => SecurityEventType::Custom(String::new()),
            other => {
                return Err(invalid(format!(
                    "event_type: {} is not an EPP_SECURITY_EVENT_TYPE_* value",
                    other.0
                )))
            }
        };
        let level = match level {
            EPP_SECURITY_EVENT_LEVEL_WARNING => SecurityEventLevel::Warning,
            EPP_SECURITY_EVENT_LEVEL_ERROR => SecurityEventLevel::Error,
            other => {
                return Err(invalid(format!(
                    "level: {} is not an EPP_SECURITY_EVENT_LEVEL_* value",
                    other.0
                )))
            }
        };
        let inner = SecurityEvent::new(event_type, level);
        o.write(into_handle(epp_security_event { inner }));
        Ok(())
    })
}

/// Frees a security event (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn epp_security_event_free(event: *mut epp_security_event) {
    guard_void(|| unsafe { free_handle(event) })
}

/// Sets the `name` of a `stat` or `custom` event (such as "failedLogins");
/// `EPP_RESULT_NOT_APPLICABLE` for another type. A name that is empty or
/// only whitespace is refused when the event is used.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_security_event_set_name(
    event: *mut epp_security_event,
    name: *const c_char,
    name_len: usize,
) -> epp_result {
    with_event(event, |e| {
        let name = unsafe { string(name, name_len)? };
        match &mut e.event_type {
            SecurityEventType::Stat(n) | SecurityEventType::Custom(n) => {
                name.clone_into(n);
                Ok(())
            }
            _ => Err(epp_result::NotApplicable),
        }
    })
}

/// Sets the `exDate`: when the password or certificate expires (or
/// expired), `at_ms` in Unix milliseconds. Written with second precision
/// unless it has a fraction (`2020-03-25T00:00:00Z`,
/// `2020-03-25T00:00:00.007Z`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_security_event_set_expires_at(
    event: *mut epp_security_event,
    at_ms: u64,
) -> epp_result {
    with_event(event, |e| {
        e.expires_at = Some(time_from_ms(at_ms)?);
        Ok(())
    })
}

/// Sets the `value`: the cipher suite, the TLS protocol, the statistic's
/// figure. (NULL, 0) removes it.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_security_event_set_value(
    event: *mut epp_security_event,
    value: *const c_char,
    value_len: usize,
) -> epp_result {
    with_event(event, |e| {
        e.value = unsafe { opt_string(value, value_len)? }.map(str::to_owned);
        Ok(())
    })
}

/// Sets the `duration`: the period of a statistic, `duration_ms`
/// milliseconds (written as an XML Schema duration: `P1D`, `PT1H30M`,
/// `PT0.5S`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_security_event_set_duration(
    event: *mut epp_security_event,
    duration_ms: u64,
) -> epp_result {
    with_event(event, |e| {
        e.duration = Some(Duration::from_millis(duration_ms));
        Ok(())
    })
}

/// Sets the `lang` of the text (an RFC 5646 tag; checked when the event is
/// used). Without it no attribute is written (the schema's default is
/// "en"). (NULL, 0) removes it.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_security_event_set_lang(
    event: *mut epp_security_event,
    lang: *const c_char,
    lang_len: usize,
) -> epp_result {
    with_event(event, |e| {
        e.lang = unsafe { opt_string(lang, lang_len)? }.map(str::to_owned);
        Ok(())
    })
}

/// Sets the human-readable description (the element's text, such as
/// "Password expiring in a week"). (NULL, 0) removes it.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_security_event_set_text(
    event: *mut epp_security_event,
    text: *const c_char,
    text_len: usize,
) -> epp_result {
    with_event(event, |e| {
        e.text = unsafe { opt_string(text, text_len)? }.map(str::to_owned);
        Ok(())
    })
}
