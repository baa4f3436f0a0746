//! Configuration: `epp_config_builder`, `epp_config` and
//! `epp_registrar_sessions`.

use std::ffi::c_char;
use std::sync::Arc;
use std::time::Duration;

use super::boundary::{
    free_handle, guard, guard_void, handle, handle_mut, into_handle, out, out_str, string,
    time_from_ms,
};
use super::result::epp_result;
use crate::{
    Dcp, DcpAccess, DcpExpiry, DcpPurpose, DcpRecipient, DcpRetention, DcpStatement, Limits,
    RegistrarSessions, ServerConfig,
};

/// A configuration being built: made by `epp_config_builder_new`, filled
/// by the `epp_config_builder_*` setters, turned into an `epp_config` by
/// `epp_config_builder_build` (which may be called more than once), freed
/// by `epp_config_builder_free`. Use it from one thread at a time.
pub struct epp_config_builder {
    server_id: String,
    versions: Option<Vec<String>>,
    languages: Vec<String>,
    object_uris: Vec<String>,
    extension_uris: Vec<String>,
    dcp: Dcp,
    dcp_statements_set: bool,
    limits: Limits,
    sessions: Option<Arc<RegistrarSessions>>,
    sv_trid_prefix: Option<String>,
    sv_trid_epoch: Option<u64>,
    transaction_log: bool,
    last_error: Option<String>,
}

/// A validated server configuration, shared by every session of a server.
///
/// Immutable: any number of threads may use one `epp_config` at the same
/// time. Each session keeps its own reference, so the config may be freed
/// while sessions made from it live on.
pub struct epp_config {
    pub(crate) inner: Arc<ServerConfig>,
}

/// Counts logged-in sessions per registrar (clID) across every session and
/// thread of a server, to refuse logins past a per-registrar limit with
/// 2502. Thread-safe: any number of threads and sessions may use one at the
/// same time. Attach it with `epp_config_builder_set_registrar_sessions`;
/// configs and sessions keep their own reference, so it may be freed while
/// they live on.
pub struct epp_registrar_sessions {
    inner: Arc<RegistrarSessions>,
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
/// stated", the default limits, no registrar session counter.
///
/// On success `*out_builder` receives a builder to free with
/// `epp_config_builder_free`.
#[no_mangle]
pub unsafe extern "C" fn epp_config_builder_new(
    server_id: *const c_char,
    server_id_len: usize,
    out_builder: *mut *mut epp_config_builder,
) -> epp_result {
    guard(|| {
        let o = unsafe { out(out_builder)? };
        let server_id = unsafe { string(server_id, server_id_len)? }.to_owned();
        o.write(into_handle(epp_config_builder {
            server_id,
            versions: None,
            languages: Vec::new(),
            object_uris: Vec::new(),
            extension_uris: Vec::new(),
            dcp: Dcp::default(),
            dcp_statements_set: false,
            limits: Limits::default(),
            sessions: None,
            sv_trid_prefix: None,
            sv_trid_epoch: None,
            transaction_log: false,
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
pub unsafe extern "C" fn epp_config_builder_add_version(
    builder: *mut epp_config_builder,
    version: *const c_char,
    version_len: usize,
) -> epp_result {
    with_builder(builder, |b| {
        let v = unsafe { string(version, version_len)? }.to_owned();
        b.versions.get_or_insert_with(Vec::new).push(v);
        Ok(())
    })
}

/// Offers a language (an RFC 5646 tag such as "en"); "en" alone is offered
/// if none is added.
#[no_mangle]
pub unsafe extern "C" fn epp_config_builder_add_language(
    builder: *mut epp_config_builder,
    lang: *const c_char,
    lang_len: usize,
) -> epp_result {
    with_builder(builder, |b| {
        b.languages
            .push(unsafe { string(lang, lang_len)? }.to_owned());
        Ok(())
    })
}

/// Offers an object URI (`<objURI>`, for example
/// "urn:ietf:params:xml:ns:domain-1.0"). At least one is required; at most
/// 64 are supported.
#[no_mangle]
pub unsafe extern "C" fn epp_config_builder_add_object_uri(
    builder: *mut epp_config_builder,
    uri: *const c_char,
    uri_len: usize,
) -> epp_result {
    with_builder(builder, |b| {
        b.object_uris
            .push(unsafe { string(uri, uri_len)? }.to_owned());
        Ok(())
    })
}

/// Offers an extension URI (`<extURI>`); at most 64 are supported.
#[no_mangle]
pub unsafe extern "C" fn epp_config_builder_add_extension_uri(
    builder: *mut epp_config_builder,
    uri: *const c_char,
    uri_len: usize,
) -> epp_result {
    with_builder(builder, |b| {
        b.extension_uris
            .push(unsafe { string(uri, uri_len)? }.to_owned());
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
pub unsafe extern "C" fn epp_config_builder_set_limit(
    builder: *mut epp_config_builder,
    limit: epp_limit,
    value: u64,
) -> epp_result {
    with_builder(builder, |b| {
        let bad = epp_result::InvalidArgument;
        let u32v = || u32::try_from(value).map_err(|_| bad);
        let usizev = || usize::try_from(value).map_err(|_| bad);
        let l = &mut b.limits;
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
            _ => return Err(bad),
        }
        Ok(())
    })
}

/// Sets the DCP `<access>` (default `EPP_DCP_ACCESS_ALL`).
#[no_mangle]
pub unsafe extern "C" fn epp_config_builder_set_dcp_access(
    builder: *mut epp_config_builder,
    access: epp_dcp_access,
) -> epp_result {
    with_builder(builder, |b| {
        b.dcp.access = match access {
            EPP_DCP_ACCESS_ALL => DcpAccess::All,
            EPP_DCP_ACCESS_NONE => DcpAccess::None,
            EPP_DCP_ACCESS_NULL => DcpAccess::Null,
            EPP_DCP_ACCESS_OTHER => DcpAccess::Other,
            EPP_DCP_ACCESS_PERSONAL => DcpAccess::Personal,
            EPP_DCP_ACCESS_PERSONAL_AND_OTHER => DcpAccess::PersonalAndOther,
            _ => return Err(epp_result::InvalidArgument),
        };
        Ok(())
    })
}

/// Adds a DCP `<statement>`. The first call replaces the default
/// statement; later calls add more. `purposes` and `recipients` are sets
/// of flags (unknown bits are `EPP_RESULT_INVALID_ARGUMENT`); a statement
/// needs at least one of each, checked by `epp_config_builder_build`.
#[no_mangle]
pub unsafe extern "C" fn epp_config_builder_add_dcp_statement(
    builder: *mut epp_config_builder,
    purposes: epp_dcp_purposes,
    recipients: epp_dcp_recipients,
    retention: epp_dcp_retention,
) -> epp_result {
    with_builder(builder, |b| {
        let bad = epp_result::InvalidArgument;
        if purposes.0 & !0xF != 0 || recipients.0 & !0x1F != 0 {
            return Err(bad);
        }
        let retention = match retention {
            EPP_DCP_RETENTION_BUSINESS => DcpRetention::Business,
            EPP_DCP_RETENTION_INDEFINITE => DcpRetention::Indefinite,
            EPP_DCP_RETENTION_LEGAL => DcpRetention::Legal,
            EPP_DCP_RETENTION_NONE => DcpRetention::None,
            EPP_DCP_RETENTION_STATED => DcpRetention::Stated,
            _ => return Err(bad),
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
        if !b.dcp_statements_set {
            b.dcp.statements.clear();
            b.dcp_statements_set = true;
        }
        b.dcp.statements.push(DcpStatement {
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
            .dcp
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
pub unsafe extern "C" fn epp_config_builder_set_dcp_expiry_absolute(
    builder: *mut epp_config_builder,
    at_ms: u64,
) -> epp_result {
    with_builder(builder, |b| {
        b.dcp.expiry = Some(DcpExpiry::Absolute(time_from_ms(at_ms)?));
        Ok(())
    })
}

/// Sets the DCP `<expiry><relative>`: the policy expires `after_ms`
/// milliseconds after the greeting (sent in whole seconds, rounded down).
/// Replaces any expiry set before.
#[no_mangle]
pub unsafe extern "C" fn epp_config_builder_set_dcp_expiry_relative(
    builder: *mut epp_config_builder,
    after_ms: u64,
) -> epp_result {
    with_builder(builder, |b| {
        b.dcp.expiry = Some(DcpExpiry::Relative(Duration::from_millis(after_ms)));
        Ok(())
    })
}

/// Enforces a per-registrar session limit with `sessions`, shared with
/// every other config and session it is attached to. The builder keeps its
/// own reference: `sessions` may be freed afterwards. Passing NULL detaches
/// any counter set before.
#[no_mangle]
pub unsafe extern "C" fn epp_config_builder_set_registrar_sessions(
    builder: *mut epp_config_builder,
    sessions: *const epp_registrar_sessions,
) -> epp_result {
    with_builder(builder, |b| {
        b.sessions = unsafe { sessions.as_ref() }.map(|s| Arc::clone(&s.inner));
        Ok(())
    })
}

/// Sets the svTRID prefix (1 to 20 of A-Z a-z 0-9 . _ -; default: the
/// first such characters of the server id). svTRIDs are
/// `prefix-epoch-sequence`.
#[no_mangle]
pub unsafe extern "C" fn epp_config_builder_set_sv_trid_prefix(
    builder: *mut epp_config_builder,
    prefix: *const c_char,
    prefix_len: usize,
) -> epp_result {
    with_builder(builder, |b| {
        b.sv_trid_prefix = Some(unsafe { string(prefix, prefix_len)? }.to_owned());
        Ok(())
    })
}

/// Sets the svTRID epoch: a number that differs between runs of the server
/// (for example its start time in milliseconds). Default: the `now_ms` of
/// the first session made from the config.
#[no_mangle]
pub unsafe extern "C" fn epp_config_builder_set_sv_trid_epoch(
    builder: *mut epp_config_builder,
    epoch: u64,
) -> epp_result {
    with_builder(builder, |b| {
        b.sv_trid_epoch = Some(epoch);
        Ok(())
    })
}

/// Keeps a record of every response for the host to read with
/// `epp_session_poll_transaction`, for per-command log lines (default
/// off).
#[no_mangle]
pub unsafe extern "C" fn epp_config_builder_set_transaction_log(
    builder: *mut epp_config_builder,
    on: bool,
) -> epp_result {
    with_builder(builder, |b| {
        b.transaction_log = on;
        Ok(())
    })
}

/// Validates the builder's settings and, on success, writes a new config
/// to `*out_config` (free it with `epp_config_free`). The builder is unchanged and
/// may build again. `EPP_RESULT_INVALID_CONFIG` when a setting is not
/// acceptable: `epp_config_builder_get_last_error` says which and why.
#[no_mangle]
pub unsafe extern "C" fn epp_config_builder_build(
    builder: *mut epp_config_builder,
    out_config: *mut *mut epp_config,
) -> epp_result {
    with_builder(builder, |b| {
        let o = unsafe { out(out_config)? };
        let mut c = ServerConfig::builder(b.server_id.clone())
            .limits(b.limits)
            .dcp(b.dcp.clone());
        if let Some(v) = &b.versions {
            c = c.versions(v.iter().cloned());
        }
        for l in &b.languages {
            c = c.language(l.clone());
        }
        for u in &b.object_uris {
            c = c.object_uri(u.clone());
        }
        for u in &b.extension_uris {
            c = c.extension_uri(u.clone());
        }
        if let Some(s) = &b.sessions {
            c = c.registrar_sessions(Arc::clone(s));
        }
        if let Some(p) = &b.sv_trid_prefix {
            c = c.sv_trid_prefix(p.clone());
        }
        if let Some(e) = b.sv_trid_epoch {
            c = c.sv_trid_epoch(e);
        }
        c = c.transaction_log(b.transaction_log);
        match c.build() {
            Ok(inner) => {
                b.last_error = None;
                o.write(into_handle(epp_config { inner }));
                Ok(())
            }
            Err(e) => {
                let r = epp_result::from(&e);
                b.last_error = Some(e.to_string());
                Err(r)
            }
        }
    })
}

/// Why the last `epp_config_builder_build` on this builder failed, as
/// UTF-8 text (not NUL-terminated); (NULL, 0) when it succeeded or was
/// never called. Valid until the next call given this builder.
#[no_mangle]
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

/// Frees a config (NULL is ignored). Sessions made from it keep their own
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

/// Frees a counter (NULL is ignored). Configs and sessions it is attached
/// to keep their own reference.
#[no_mangle]
pub unsafe extern "C" fn epp_registrar_sessions_free(sessions: *mut epp_registrar_sessions) {
    guard_void(|| unsafe { free_handle(sessions) })
}

/// Writes to `*out_count` how many logged-in sessions the registrar `client_id`
/// has now. Safe to call from any thread at any time.
#[no_mangle]
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
