//! Configuration and server-wide state: `epp_config_builder`,
//! `epp_config`, `epp_registrar_sessions` and `epp_server`.

use std::ffi::c_char;
use std::sync::Arc;
use std::time::Duration;

use super::boundary::{
    free_handle, guard, guard_void, handle, handle_mut, into_handle, invalid, out, out_str, string,
    time_from_ms,
};
use super::result::epp_result;
use crate::{
    DcpAccess, DcpExpiry, DcpPurpose, DcpRecipient, DcpRetention, DcpStatement, LoginSecurity,
    RegistrarSessions, Server, ServerConfig, ServerConfigBuilder,
};

/// A configuration being built: made by `epp_config_builder_new`, filled
/// by the `epp_config_builder_*` setters, turned into an `epp_config` by
/// `epp_config_builder_build` (which may be called more than once), freed
/// by `epp_config_builder_free`. Use it from one thread at a time.
pub struct epp_config_builder {
    inner: ServerConfigBuilder,
    /// Whether `epp_config_builder_add_version` replaced the default list.
    versions_set: bool,
    /// Whether `epp_config_builder_add_dcp_statement` replaced the default
    /// statement.
    dcp_statements_set: bool,
    last_error: Option<String>,
}

/// A validated server configuration: plain immutable data, run by one or
/// more `epp_server`s (`epp_server_new`).
///
/// Immutable: any number of threads may use one `epp_config` at the same
/// time. Each server keeps its own reference, so the config may be freed
/// while servers made from it live on.
pub struct epp_config {
    pub(crate) inner: Arc<ServerConfig>,
}

/// Counts logged-in sessions per registrar (clID) across every session and
/// thread of a server, to refuse logins past a per-registrar limit with
/// 2502. Thread-safe: any number of threads and sessions may use one at the
/// same time. Attach it to a server with `epp_server_new` (several servers
/// may share one); servers keep their own reference, so it may be freed
/// while they live on.
pub struct epp_registrar_sessions {
    inner: Arc<RegistrarSessions>,
}

/// One running server: its configuration and what its sessions share (the
/// svTRID generator, the optional registrar session counter). Made once by
/// `epp_server_new`, passed to every `epp_session_new`, freed by
/// `epp_server_free`.
///
/// Thread-safe: any number of threads may use one `epp_server` at the same
/// time (make sessions from it on any thread). Each session keeps its own
/// reference, so the server may be freed while its sessions live on.
pub struct epp_server {
    pub(crate) inner: Arc<Server>,
}

/// Selects a limit for `epp_config_builder_set_limit`: one of the
/// `EPP_LIMIT_*` values.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct epp_limit(pub u32);

/// Largest frame accepted, header included, in bytes (default 262144). A
/// larger announced length is answered 2500 and the session closes.
pub const EPP_LIMIT_MAX_FRAME_SIZE: epp_limit = epp_limit(1);
/// Commands read but not yet answered (default 32); past it the session
/// takes no more input until responses drain.
pub const EPP_LIMIT_MAX_IN_FLIGHT: epp_limit = epp_limit(2);
/// Bytes of output not yet consumed past which the session takes no more
/// input (default 1048576; at least the maximum frame size).
pub const EPP_LIMIT_MAX_PENDING_OUTPUT: epp_limit = epp_limit(3);
/// Failed logins in one connection; the one that reaches it is answered
/// 2501 and the session closes (default 3).
pub const EPP_LIMIT_MAX_FAILED_LOGINS: epp_limit = epp_limit(4);
/// Milliseconds from connection to a successful login (default 60000).
pub const EPP_LIMIT_LOGIN_DEADLINE_MS: epp_limit = epp_limit(5);
/// Milliseconds without a frame from the client (default 600000).
pub const EPP_LIMIT_IDLE_TIMEOUT_MS: epp_limit = epp_limit(6);
/// XML element nesting depth (default 64).
pub const EPP_LIMIT_MAX_XML_DEPTH: epp_limit = epp_limit(7);
/// Attributes on one XML element (default 32).
pub const EPP_LIMIT_MAX_XML_ATTRIBUTES: epp_limit = epp_limit(8);
/// Bytes in one XML text node or attribute value (default 65536).
pub const EPP_LIMIT_MAX_XML_TEXT: epp_limit = epp_limit(9);
/// Bytes fed and not yet handled that a session holds (default 524288; at
/// least the maximum frame size). While `epp_session_wants_input` says
/// false the host should stop reading; a feed made then that would hold
/// more than this is refused whole with `EPP_RESULT_INPUT_BUFFER_FULL`. (A
/// feed made while the session wants input is always taken, so what is
/// held stays within this plus one read.)
pub const EPP_LIMIT_MAX_BUFFERED_INPUT: epp_limit = epp_limit(10);

/// `<dcp><access>` of the greeting: one of the `EPP_DCP_ACCESS_*` values.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct epp_dcp_access(pub u32);

/// `<all/>` (the default).
pub const EPP_DCP_ACCESS_ALL: epp_dcp_access = epp_dcp_access(1);
/// `<none/>`.
pub const EPP_DCP_ACCESS_NONE: epp_dcp_access = epp_dcp_access(2);
/// `<null/>`.
pub const EPP_DCP_ACCESS_NULL: epp_dcp_access = epp_dcp_access(3);
/// `<other/>`.
pub const EPP_DCP_ACCESS_OTHER: epp_dcp_access = epp_dcp_access(4);
/// `<personal/>`.
pub const EPP_DCP_ACCESS_PERSONAL: epp_dcp_access = epp_dcp_access(5);
/// `<personalAndOther/>`.
pub const EPP_DCP_ACCESS_PERSONAL_AND_OTHER: epp_dcp_access = epp_dcp_access(6);

/// A set of `<dcp><statement><purpose>` members: `EPP_DCP_PURPOSE_*` flags
/// or-ed together.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct epp_dcp_purposes(pub u32);

/// `<admin/>`.
pub const EPP_DCP_PURPOSE_ADMIN: epp_dcp_purposes = epp_dcp_purposes(1);
/// `<contact/>`.
pub const EPP_DCP_PURPOSE_CONTACT: epp_dcp_purposes = epp_dcp_purposes(2);
/// `<other/>`.
pub const EPP_DCP_PURPOSE_OTHER: epp_dcp_purposes = epp_dcp_purposes(4);
/// `<prov/>`.
pub const EPP_DCP_PURPOSE_PROV: epp_dcp_purposes = epp_dcp_purposes(8);

/// A set of `<dcp><statement><recipient>` members: `EPP_DCP_RECIPIENT_*`
/// flags or-ed together.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct epp_dcp_recipients(pub u32);

/// `<other/>`.
pub const EPP_DCP_RECIPIENT_OTHER: epp_dcp_recipients = epp_dcp_recipients(1);
/// `<ours/>` without a `<recDesc>` (see
/// `epp_config_builder_add_dcp_ours_description` for one with).
pub const EPP_DCP_RECIPIENT_OURS: epp_dcp_recipients = epp_dcp_recipients(2);
/// `<public/>`.
pub const EPP_DCP_RECIPIENT_PUBLIC: epp_dcp_recipients = epp_dcp_recipients(4);
/// `<same/>`.
pub const EPP_DCP_RECIPIENT_SAME: epp_dcp_recipients = epp_dcp_recipients(8);
/// `<unrelated/>`.
pub const EPP_DCP_RECIPIENT_UNRELATED: epp_dcp_recipients = epp_dcp_recipients(16);

/// `<dcp><statement><retention>`: one of the `EPP_DCP_RETENTION_*`
/// values.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct epp_dcp_retention(pub u32);

/// `<business/>`.
pub const EPP_DCP_RETENTION_BUSINESS: epp_dcp_retention = epp_dcp_retention(1);
/// `<indefinite/>`.
pub const EPP_DCP_RETENTION_INDEFINITE: epp_dcp_retention = epp_dcp_retention(2);
/// `<legal/>`.
pub const EPP_DCP_RETENTION_LEGAL: epp_dcp_retention = epp_dcp_retention(3);
/// `<none/>`.
pub const EPP_DCP_RETENTION_NONE: epp_dcp_retention = epp_dcp_retention(4);
/// `<stated/>`.
pub const EPP_DCP_RETENTION_STATED: epp_dcp_retention = epp_dcp_retention(5);

fn with_builder(
    b: *mut epp_config_builder,
    f: impl FnOnce(&mut epp_config_builder) -> Result<(), epp_result>,
) -> epp_result {
    guard(|| f(unsafe { handle_mut(b)? }))
}

/// Starts a configuration for the server called `server_id` (its svID, 3
/// to 64 characters; checked by `epp_config_builder_build`). Defaults:
/// version 1.0, language en, no object URI (at least one must be added),
/// no extension, the DCP "access all; admin and prov; ours and public;
/// stated", the default limits.
///
/// On success `*out_builder` receives a builder to free with
/// `epp_config_builder_free`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_config_builder_new(
    server_id: *const c_char,
    server_id_len: usize,
    out_builder: *mut *mut epp_config_builder,
) -> epp_result {
    guard(|| {
        let o = unsafe { out(out_builder)? };
        let server_id = unsafe { string(server_id, server_id_len)? };
        o.write(into_handle(epp_config_builder {
            inner: ServerConfig::builder(server_id),
            versions_set: false,
            dcp_statements_set: false,
            last_error: None,
        }));
        Ok(())
    })
}

/// Frees a builder (NULL is ignored). Configs built from it are not
/// affected.
#[no_mangle]
pub unsafe extern "C" fn epp_config_builder_free(builder: *mut epp_config_builder) {
    guard_void(|| unsafe { free_handle(builder) })
}

/// Offers a protocol version. The first call replaces the default list
/// (1.0); later calls add to it. Only "1.0" exists.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_config_builder_add_version(
    builder: *mut epp_config_builder,
    version: *const c_char,
    version_len: usize,
) -> epp_result {
    with_builder(builder, |b| {
        let v = unsafe { string(version, version_len)? }.to_owned();
        let versions = b.inner.versions_mut();
        if !std::mem::replace(&mut b.versions_set, true) {
            versions.clear();
        }
        versions.push(v);
        Ok(())
    })
}

/// Offers a language (an RFC 5646 tag such as "en"); "en" alone is offered
/// if none is added.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_config_builder_add_language(
    builder: *mut epp_config_builder,
    lang: *const c_char,
    lang_len: usize,
) -> epp_result {
    with_builder(builder, |b| {
        b.inner.language(unsafe { string(lang, lang_len)? });
        Ok(())
    })
}

/// Offers an object URI (`<objURI>`, for example
/// "urn:ietf:params:xml:ns:domain-1.0"). At least one is required; at most
/// 64 are supported.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_config_builder_add_object_uri(
    builder: *mut epp_config_builder,
    uri: *const c_char,
    uri_len: usize,
) -> epp_result {
    with_builder(builder, |b| {
        b.inner.object_uri(unsafe { string(uri, uri_len)? });
        Ok(())
    })
}

/// Offers an extension URI (`<extURI>`); at most 64 are supported.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_config_builder_add_extension_uri(
    builder: *mut epp_config_builder,
    uri: *const c_char,
    uri_len: usize,
) -> epp_result {
    with_builder(builder, |b| {
        b.inner.extension_uri(unsafe { string(uri, uri_len)? });
        Ok(())
    })
}

/// Sets one limit. Durations are in milliseconds; every other limit is a
/// count of bytes, items or levels. `EPP_RESULT_INVALID_ARGUMENT` for an
/// unknown `limit` or a value that does not fit the limit's type
/// (`EPP_LIMIT_MAX_FRAME_SIZE` and `EPP_LIMIT_MAX_FAILED_LOGINS` hold 32
/// bits); whether the values make sense together is checked by
/// `epp_config_builder_build`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_config_builder_set_limit(
    builder: *mut epp_config_builder,
    limit: epp_limit,
    value: u64,
) -> epp_result {
    with_builder(builder, |b| {
        let too_big = |max: u64| {
            invalid(format!(
                "value: {value} is out of range for limit {} (at most {max})",
                limit.0
            ))
        };
        let u32v = || u32::try_from(value).map_err(|_| too_big(u32::MAX.into()));
        let usizev = || usize::try_from(value).map_err(|_| too_big(usize::MAX as u64));
        let l = b.inner.limits_mut();
        match limit {
            EPP_LIMIT_MAX_FRAME_SIZE => l.max_frame_size = u32v()?,
            EPP_LIMIT_MAX_IN_FLIGHT => l.max_in_flight = usizev()?,
            EPP_LIMIT_MAX_PENDING_OUTPUT => l.max_pending_output = usizev()?,
            EPP_LIMIT_MAX_FAILED_LOGINS => l.max_failed_logins = u32v()?,
            EPP_LIMIT_LOGIN_DEADLINE_MS => l.login_deadline = Duration::from_millis(value),
            EPP_LIMIT_IDLE_TIMEOUT_MS => l.idle_timeout = Duration::from_millis(value),
            EPP_LIMIT_MAX_XML_DEPTH => l.max_xml_depth = usizev()?,
            EPP_LIMIT_MAX_XML_ATTRIBUTES => l.max_xml_attributes = usizev()?,
            EPP_LIMIT_MAX_XML_TEXT => l.max_xml_text = usizev()?,
            EPP_LIMIT_MAX_BUFFERED_INPUT => l.max_buffered_input = usizev()?,
            other => {
                return Err(invalid(format!(
                    "limit: {} is not an EPP_LIMIT_* value",
                    other.0
                )))
            }
        }
        Ok(())
    })
}

/// Sets the DCP `<access>` (default `EPP_DCP_ACCESS_ALL`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_config_builder_set_dcp_access(
    builder: *mut epp_config_builder,
    access: epp_dcp_access,
) -> epp_result {
    with_builder(builder, |b| {
        b.inner.dcp_mut().access = match access {
            EPP_DCP_ACCESS_ALL => DcpAccess::All,
            EPP_DCP_ACCESS_NONE => DcpAccess::None,
            EPP_DCP_ACCESS_NULL => DcpAccess::Null,
            EPP_DCP_ACCESS_OTHER => DcpAccess::Other,
            EPP_DCP_ACCESS_PERSONAL => DcpAccess::Personal,
            EPP_DCP_ACCESS_PERSONAL_AND_OTHER => DcpAccess::PersonalAndOther,
            other => {
                return Err(invalid(format!(
                    "access: {} is not an EPP_DCP_ACCESS_* value",
                    other.0
                )))
            }
        };
        Ok(())
    })
}

/// Adds a DCP `<statement>`. The first call replaces the default
/// statement; later calls add more. `purposes` and `recipients` are sets
/// of flags (unknown bits are `EPP_RESULT_INVALID_ARGUMENT`); a statement
/// needs at least one of each, checked by `epp_config_builder_build`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_config_builder_add_dcp_statement(
    builder: *mut epp_config_builder,
    purposes: epp_dcp_purposes,
    recipients: epp_dcp_recipients,
    retention: epp_dcp_retention,
) -> epp_result {
    with_builder(builder, |b| {
        if purposes.0 & !0xF != 0 {
            return Err(invalid(format!(
                "purposes: {:#x} has bits that are no EPP_DCP_PURPOSE_* flag",
                purposes.0
            )));
        }
        if recipients.0 & !0x1F != 0 {
            return Err(invalid(format!(
                "recipients: {:#x} has bits that are no EPP_DCP_RECIPIENT_* flag",
                recipients.0
            )));
        }
        let retention = match retention {
            EPP_DCP_RETENTION_BUSINESS => DcpRetention::Business,
            EPP_DCP_RETENTION_INDEFINITE => DcpRetention::Indefinite,
            EPP_DCP_RETENTION_LEGAL => DcpRetention::Legal,
            EPP_DCP_RETENTION_NONE => DcpRetention::None,
            EPP_DCP_RETENTION_STATED => DcpRetention::Stated,
            other => {
                return Err(invalid(format!(
                    "retention: {} is not an EPP_DCP_RETENTION_* value",
                    other.0
                )))
            }
        };
        let purposes = [
            (EPP_DCP_PURPOSE_ADMIN, DcpPurpose::Admin),
            (EPP_DCP_PURPOSE_CONTACT, DcpPurpose::Contact),
            (EPP_DCP_PURPOSE_OTHER, DcpPurpose::Other),
            (EPP_DCP_PURPOSE_PROV, DcpPurpose::Prov),
        ]
        .into_iter()
        .filter(|(flag, _)| purposes.0 & flag.0 != 0)
        .map(|(_, p)| p)
        .collect();
        let recipients = [
            (EPP_DCP_RECIPIENT_OTHER, DcpRecipient::Other),
            (EPP_DCP_RECIPIENT_OURS, DcpRecipient::Ours(None)),
            (EPP_DCP_RECIPIENT_PUBLIC, DcpRecipient::Public),
            (EPP_DCP_RECIPIENT_SAME, DcpRecipient::Same),
            (EPP_DCP_RECIPIENT_UNRELATED, DcpRecipient::Unrelated),
        ]
        .into_iter()
        .filter(|(flag, _)| recipients.0 & flag.0 != 0)
        .map(|(_, r)| r)
        .collect();
        let dcp = b.inner.dcp_mut();
        if !std::mem::replace(&mut b.dcp_statements_set, true) {
            dcp.statements.clear();
        }
        dcp.statements.push(DcpStatement {
            purposes,
            recipients,
            retention,
        });
        Ok(())
    })
}

/// Adds an `<ours><recDesc>description</recDesc></ours>` recipient to the
/// statement added last by `epp_config_builder_add_dcp_statement`
/// (`EPP_RESULT_NOT_APPLICABLE` when none was added). The description is
/// 1 to 255 characters, checked by `epp_config_builder_build`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_config_builder_add_dcp_ours_description(
    builder: *mut epp_config_builder,
    description: *const c_char,
    description_len: usize,
) -> epp_result {
    with_builder(builder, |b| {
        let d = unsafe { string(description, description_len)? }.to_owned();
        if !b.dcp_statements_set {
            return Err(epp_result::NotApplicable);
        }
        let s = b
            .inner
            .dcp_mut()
            .statements
            .last_mut()
            .ok_or(epp_result::NotApplicable)?;
        s.recipients.push(DcpRecipient::Ours(Some(d)));
        Ok(())
    })
}

/// Sets the DCP `<expiry><absolute>`: the policy expires at `at_ms` (Unix
/// time in milliseconds). Replaces any expiry set before.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_config_builder_set_dcp_expiry_absolute(
    builder: *mut epp_config_builder,
    at_ms: u64,
) -> epp_result {
    with_builder(builder, |b| {
        b.inner.dcp_mut().expiry = Some(DcpExpiry::Absolute(time_from_ms(at_ms)?));
        Ok(())
    })
}

/// Sets the DCP `<expiry><relative>`: the policy expires `after_ms`
/// milliseconds after the greeting (sent in whole seconds, rounded down).
/// Replaces any expiry set before.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_config_builder_set_dcp_expiry_relative(
    builder: *mut epp_config_builder,
    after_ms: u64,
) -> epp_result {
    with_builder(builder, |b| {
        b.inner.dcp_mut().expiry = Some(DcpExpiry::Relative(Duration::from_millis(after_ms)));
        Ok(())
    })
}

/// Sets the svTRID prefix (1 to 20 of A-Z a-z 0-9 . _ -; default: the
/// first such characters of the server id). svTRIDs are
/// `prefix-epoch-sequence`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_config_builder_set_sv_trid_prefix(
    builder: *mut epp_config_builder,
    prefix: *const c_char,
    prefix_len: usize,
) -> epp_result {
    with_builder(builder, |b| {
        b.inner
            .sv_trid_prefix(unsafe { string(prefix, prefix_len)? });
        Ok(())
    })
}

/// Sets the svTRID epoch: a number that differs between runs of the server
/// (for example its start time in milliseconds). Default: the `now_ms`
/// given to `epp_server_new`, times 1000, plus that server's number in the
/// process modulo 1000 (so that two servers started in the same
/// millisecond differ).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_config_builder_set_sv_trid_epoch(
    builder: *mut epp_config_builder,
    epoch: u64,
) -> epp_result {
    with_builder(builder, |b| {
        b.inner.sv_trid_epoch(epoch);
        Ok(())
    })
}

/// Keeps a record of every response for the host to read with
/// `epp_session_poll_transaction`, for per-command log lines (default
/// off).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_config_builder_set_transaction_log(
    builder: *mut epp_config_builder,
    on: bool,
) -> epp_result {
    with_builder(builder, |b| {
        b.inner.transaction_log(on);
        Ok(())
    })
}

/// Offers RFC 9038 (unhandled namespaces) when `on` (default off): the
/// greeting lists "urn:ietf:params:xml:ns:epp:unhandled-namespaces-1.0"
/// after the other extension URIs (unless already added), and a login may
/// ask for it. Content of a namespace the client did not log in with (in
/// `<resData>`, `<extension>`, a poll message's `<msg>`, security events)
/// is moved into `<extValue>` either way.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_config_builder_set_unhandled_namespaces(
    builder: *mut epp_config_builder,
    on: bool,
) -> epp_result {
    with_builder(builder, |b| {
        b.inner.unhandled_namespaces(on);
        Ok(())
    })
}

/// Offers RFC 8807 (login security): the greeting lists
/// "urn:ietf:params:xml:ns:epp:loginSec-1.0" after the other extension
/// URIs (unless already added), and a login may then carry
/// `<loginSec:loginSec>`: a password longer than 16 characters behind the
/// `[LOGIN-SECURITY]` placeholder (the request's password getters give the
/// real one) and the client's user agent (`epp_request_get_user_agent_*`).
/// Answer such logins with `epp_session_answer_login_with_events` to send
/// security events. Not offered by default (a login using the extension is
/// then answered 2103), and once offered on a builder it stays offered.
///
/// `min_password_len` and `max_password_len` bound the length in
/// characters of `<loginSec:pw>` and `<loginSec:newPW>` (the plain `<pw>`
/// stays 6 to 16); 6 and 128 are the usual choice (the Rust API's
/// default; RFC 8807 sets no maximum). Checked by
/// `epp_config_builder_build`: at least 6, at most 1024 (and at most
/// `EPP_LIMIT_MAX_XML_TEXT`), the minimum not above the maximum. A
/// password outside them is answered 2306.
///
/// Adding the RFC 8807 URI with `epp_config_builder_add_extension_uri`
/// instead is refused by `epp_config_builder_build`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_config_builder_set_login_security(
    builder: *mut epp_config_builder,
    min_password_len: usize,
    max_password_len: usize,
) -> epp_result {
    with_builder(builder, |b| {
        b.inner.login_security(LoginSecurity {
            min_password_len,
            max_password_len,
        });
        Ok(())
    })
}

/// Validates the builder's settings and, on success, writes a new config
/// to `*out_config` (free it with `epp_config_free`). The builder is unchanged and
/// may build again. `EPP_RESULT_INVALID_CONFIG` when a setting is not
/// acceptable: `epp_config_builder_get_last_error` says which and why.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_config_builder_build(
    builder: *mut epp_config_builder,
    out_config: *mut *mut epp_config,
) -> epp_result {
    with_builder(builder, |b| {
        let o = unsafe { out(out_config)? };
        match b.inner.build() {
            Ok(inner) => {
                b.last_error = None;
                o.write(into_handle(epp_config { inner }));
                Ok(())
            }
            Err(e) => {
                let r = epp_result::from(&e);
                b.last_error = Some(e.to_string());
                super::boundary::detail(e.to_string());
                Err(r)
            }
        }
    })
}

/// Why the last `epp_config_builder_build` on this builder failed, as
/// UTF-8 text (not NUL-terminated); (NULL, 0) when it succeeded or was
/// never called. Valid until the next call given this builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_config_builder_get_last_error(
    builder: *const epp_config_builder,
    out_ptr: *mut *const c_char,
    out_len: *mut usize,
) -> epp_result {
    guard(|| {
        let b = unsafe { handle(builder)? };
        let o = unsafe { out_str(out_ptr, out_len)? };
        o.write(b.last_error.as_deref());
        Ok(())
    })
}

/// Frees a config (NULL is ignored). Servers made from it keep their own
/// reference and are not affected.
#[no_mangle]
pub unsafe extern "C" fn epp_config_free(config: *mut epp_config) {
    guard_void(|| unsafe { free_handle(config) })
}

/// Makes a registrar session counter allowing `max_per_client` concurrent
/// logged-in sessions per clID; the login that would exceed it is answered
/// 2502 and its session closes. On success `*out_sessions` receives a counter to
/// free with `epp_registrar_sessions_free`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_registrar_sessions_new(
    max_per_client: usize,
    out_sessions: *mut *mut epp_registrar_sessions,
) -> epp_result {
    guard(|| {
        let o = unsafe { out(out_sessions)? };
        o.write(into_handle(epp_registrar_sessions {
            inner: RegistrarSessions::new(max_per_client),
        }));
        Ok(())
    })
}

/// Frees a counter (NULL is ignored). Servers it is attached to keep their
/// own reference.
#[no_mangle]
pub unsafe extern "C" fn epp_registrar_sessions_free(sessions: *mut epp_registrar_sessions) {
    guard_void(|| unsafe { free_handle(sessions) })
}

/// Writes to `*out_count` how many logged-in sessions the registrar `client_id`
/// has now. Safe to call from any thread at any time.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_registrar_sessions_count(
    sessions: *const epp_registrar_sessions,
    client_id: *const c_char,
    client_id_len: usize,
    out_count: *mut usize,
) -> epp_result {
    guard(|| {
        let s = unsafe { handle(sessions)? };
        let o = unsafe { out(out_count)? };
        let id = unsafe { string(client_id, client_id_len)? };
        o.write(s.inner.count(id));
        Ok(())
    })
}

/// Writes to `*out_max` the limit per registrar the counter was made with.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_registrar_sessions_get_max_per_client(
    sessions: *const epp_registrar_sessions,
    out_max: *mut usize,
) -> epp_result {
    guard(|| {
        let s = unsafe { handle(sessions)? };
        let o = unsafe { out(out_max)? };
        o.write(s.inner.max_per_client());
        Ok(())
    })
}

/// Starts a server on `config` at `now_ms` (Unix time in milliseconds; the
/// default svTRID epoch derives from it). `sessions` is optional (NULL for
/// none): a registrar session counter that enforces a per-registrar
/// session limit (2502) for this server's sessions; several servers may
/// share one. The server keeps its own references to `config` and
/// `sessions`: both may be freed afterwards. On success `*out_server`
/// receives a server to free with `epp_server_free`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_server_new(
    config: *const epp_config,
    now_ms: u64,
    sessions: *const epp_registrar_sessions,
    out_server: *mut *mut epp_server,
) -> epp_result {
    guard(|| {
        let c = unsafe { handle(config)? };
        let o = unsafe { out(out_server)? };
        let now = time_from_ms(now_ms)?;
        let config = Arc::clone(&c.inner);
        let inner = match unsafe { sessions.as_ref() } {
            Some(s) => Server::with_registrar_sessions(config, Arc::clone(&s.inner), now),
            None => Server::new(config, now),
        };
        o.write(into_handle(epp_server { inner }));
        Ok(())
    })
}

/// Frees a server (NULL is ignored). Sessions made from it keep their own
/// reference and are not affected.
#[no_mangle]
pub unsafe extern "C" fn epp_server_free(server: *mut epp_server) {
    guard_void(|| unsafe { free_handle(server) })
}
