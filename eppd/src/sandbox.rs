//! The sandbox back end (`--backend sandbox`, the default with `--demo`): RFC 5731 domain
//! objects kept in eppd's store, so that a registrar can run its first test script against
//! `eppd --demo`.
//!
//! Implemented: `<check>`, `<create>`, `<info>`, `<delete>`, `<renew>` and `<transfer>` (query,
//! request, approve, reject, cancel) of domains. `<update>`, hosts and contacts answer 2101,
//! command extensions 2103. Commands are read with quick-xml, namespace-aware (the prefix is
//! the client's), and checked against the element order and occurrences of RFC 5731's schema
//! (2001 otherwise; 2005 for a value's syntax, 2004 for its range). Responses are RFC 5731's
//! `chkData`, `creData`, `infData`, `renData` and `trnData`.
//!
//! Rules, as a registry's: a name is LDH labels (at least two, IDNs as `xn--`), case-insensitive
//! (kept in lower case); a period is 1 to 10 years (`y`, or 12 to 120 `m`), a validity never
//! beyond 10 years from now; `<info>`, `<delete>` and `<renew>` only by the sponsoring
//! registrar (2201), except that `<info>` with the domain's authInfo is allowed to anyone (RFC
//! 5731 section 3.1.2; a wrong one is 2202); an existing name is 2302 on create, an unknown one
//! 2303. A transfer request needs the authInfo (2202), is refused to the sponsor (2106) and
//! while one is pending (2300); it answers 1001, sets `pendingTransfer`, and queues a poll
//! message with the `trnData` for the sponsor, as a registry would. The sponsor approves or
//! rejects, the requester cancels, and the other side gets a poll message; there is no
//! automatic approval (the `acDate` shown is five days after the request).
//!
//! Every change is one store transaction, made only if the domain did not change since it was
//! read (a version column); several eppd on one PostgreSQL store see one state.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use epp::{CommandVerb, ObjectCommand, Response, ResultCode, TransferOp};
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use crate::store::{epoch_ms, NewMessage, SandboxDomain, Store, StoreError};

const NS: &str = crate::DOMAIN;
/// Names in one `<check>`.
const MAX_CHECK: usize = 100;
/// Name servers of one domain.
const MAX_NS: usize = 13;
/// The longest validity, from now, in months.
const MAX_MONTHS: i64 = 120;
/// When a pending transfer would be approved by the registry (shown as `acDate`).
const TRANSFER_WINDOW: Duration = Duration::from_secs(5 * 86_400);
/// The repository id of `roid`s (`D1-EPPD`).
const ROID_SUFFIX: &str = "EPPD";
/// Optimistic writes tried before giving up (2400).
const ATTEMPTS: usize = 5;

/// RFC 5731 domains in the store.
#[derive(Debug)]
pub struct Sandbox {
    store: Arc<Store>,
}

/// A refusal: the response says why.
fn refuse(code: ResultCode, msg: impl Into<String>) -> Response {
    Response::new(code).with_message(msg)
}

/// What one try gives: a response, or "the domain changed meanwhile: read it again".
enum Try {
    Done(Response),
    Conflict,
}

type Checked<T> = Result<T, Response>;

impl Sandbox {
    pub fn new(store: Arc<Store>) -> Sandbox {
        Sandbox { store }
    }

    /// Answers one object command; `Err` when the store failed.
    pub async fn handle(
        &self,
        cmd: &ObjectCommand,
        now: SystemTime,
    ) -> Result<Response, StoreError> {
        if cmd.object_uri != NS {
            return Ok(refuse(
                ResultCode::UnimplementedCommand,
                "the eppd sandbox implements domain commands only",
            ));
        }
        if !cmd.extension_uris.is_empty() {
            return Ok(refuse(
                ResultCode::UnimplementedExtension,
                format!(
                    "the eppd sandbox implements no command extension ({})",
                    cmd.extension_uris.join(", ")
                ),
            ));
        }
        let root = match parse(&cmd.object_xml) {
            Ok(r) => r,
            Err(why) => return Ok(refuse(ResultCode::CommandSyntaxError, why)),
        };
        if root.ns.as_deref() != Some(NS) || root.name != cmd.verb.as_str() {
            return Ok(refuse(
                ResultCode::CommandSyntaxError,
                format!("expected <domain:{}>", cmd.verb.as_str()),
            ));
        }
        for _ in 0..ATTEMPTS {
            let r = match cmd.verb {
                CommandVerb::Check => Try::Done(self.check(&root).await?),
                CommandVerb::Create => self.create(&root, &cmd.client_id, now).await?,
                CommandVerb::Info => Try::Done(self.info(&root, &cmd.client_id).await?),
                CommandVerb::Delete => self.delete(&root, &cmd.client_id).await?,
                CommandVerb::Renew => self.renew(&root, &cmd.client_id, now).await?,
                CommandVerb::Transfer => {
                    let op = cmd.transfer_op.unwrap_or(TransferOp::Query);
                    self.transfer(&root, op, &cmd.client_id, now).await?
                }
                CommandVerb::Update => Try::Done(refuse(
                    ResultCode::UnimplementedCommand,
                    "the eppd sandbox does not implement domain update",
                )),
            };
            if let Try::Done(r) = r {
                return Ok(r);
            }
        }
        Err(StoreError(format!(
            "a domain changed {ATTEMPTS} times while a {} was applied to it",
            cmd.verb
        )))
    }

    async fn check(&self, root: &El) -> Result<Response, StoreError> {
        let names = match sequence(root, &[("name", 1, usize::MAX)]) {
            Ok(g) => g.into_iter().next().unwrap_or_default(),
            Err(r) => return Ok(r),
        };
        if names.len() > MAX_CHECK {
            return Ok(refuse(
                ResultCode::ParameterValuePolicyError,
                format!("at most {MAX_CHECK} names in one check"),
            ));
        }
        let mut out = format!("<domain:chkData xmlns:domain=\"{NS}\">");
        for el in names {
            let given = match token(el, 1, 255) {
                Ok(t) => t,
                Err(r) => return Ok(r),
            };
            let (avail, reason) = match domain_name(&given) {
                Err(why) => (false, Some(format!("Invalid domain name: {why}"))),
                Ok(name) => match self.store.sandbox_domain(&name).await? {
                    Some(_) => (false, Some("In use".to_string())),
                    None => (true, None),
                },
            };
            out.push_str(&format!(
                "<domain:cd><domain:name avail=\"{}\">{}</domain:name>",
                u8::from(avail),
                esc(&given)
            ));
            if let Some(r) = reason {
                out.push_str(&format!("<domain:reason>{}</domain:reason>", esc(&r)));
            }
            out.push_str("</domain:cd>");
        }
        out.push_str("</domain:chkData>");
        Ok(Response::success().with_res_data(out))
    }

    async fn create(&self, root: &El, clid: &str, now: SystemTime) -> Result<Try, StoreError> {
        let c = match CreateCmd::read(root, now) {
            Ok(c) => c,
            Err(r) => return Ok(Try::Done(r)),
        };
        let now_ms = epoch_ms(now);
        let d = SandboxDomain {
            name: c.name.clone(),
            registrant: c.registrant,
            contacts: serde_json::to_string(&c.contacts).unwrap_or_else(|_| "[]".into()),
            ns: serde_json::to_string(&c.ns).unwrap_or_else(|_| "[]".into()),
            status: "ok".into(),
            clid: clid.to_owned(),
            crid: clid.to_owned(),
            cr_ms: now_ms,
            ex_ms: c.ex_ms,
            auth_pw: c.pw,
            ..SandboxDomain::default()
        };
        Ok(Try::Done(
            match self.store.sandbox_create_domain(&d, ROID_SUFFIX).await? {
                None => refuse(
                    ResultCode::ObjectExists,
                    format!("{} is registered already", c.name),
                ),
                Some(_) => Response::success().with_res_data(format!(
                    "<domain:creData xmlns:domain=\"{NS}\"><domain:name>{}</domain:name>\
                     <domain:crDate>{}</domain:crDate><domain:exDate>{}</domain:exDate>\
                     </domain:creData>",
                    esc(&c.name),
                    date(now_ms),
                    date(c.ex_ms)
                )),
            },
        ))
    }

    async fn info(&self, root: &El, clid: &str) -> Result<Response, StoreError> {
        let (name_el, auth) = match sequence(root, &[("name", 1, 1), ("authInfo", 0, 1)]) {
            Ok(g) => (g[0][0], g[1].first().copied()),
            Err(r) => return Ok(r),
        };
        let hosts = name_el.attr("hosts").unwrap_or("all");
        if !matches!(hosts, "all" | "del" | "sub" | "none") {
            return Ok(refuse(
                ResultCode::ParameterValueSyntaxError,
                format!("hosts=\"{hosts}\": expected all, del, sub or none"),
            ));
        }
        let name = match name_of(name_el) {
            Ok(n) => n,
            Err(r) => return Ok(r),
        };
        let pw = match auth.map(auth_pw).transpose() {
            Ok(p) => p,
            Err(r) => return Ok(r),
        };
        let Some(d) = self.store.sandbox_domain(&name).await? else {
            return Ok(unknown(&name));
        };
        if d.clid != clid {
            match pw {
                None => {
                    return Ok(refuse(
                        ResultCode::AuthorizationError,
                        format!(
                            "{name} is sponsored by another registrar (give its authInfo to \
                             see it)"
                        ),
                    ))
                }
                Some(p) if p != d.auth_pw => {
                    return Ok(refuse(
                        ResultCode::InvalidAuthorizationInformation,
                        "wrong authInfo",
                    ))
                }
                Some(_) => {}
            }
        }
        Ok(Response::success().with_res_data(inf_data(&d, hosts)))
    }

    async fn delete(&self, root: &El, clid: &str) -> Result<Try, StoreError> {
        let name = match sequence(root, &[("name", 1, 1)]).and_then(|g| name_of(g[0][0])) {
            Ok(n) => n,
            Err(r) => return Ok(Try::Done(r)),
        };
        let d = match self.sponsored(&name, clid).await? {
            Ok(d) => d,
            Err(r) => return Ok(Try::Done(r)),
        };
        if d.tr_status.as_deref() == Some("pending") {
            return Ok(Try::Done(refuse(
                ResultCode::ObjectStatusProhibitsOperation,
                "a transfer is pending",
            )));
        }
        Ok(
            if self.store.sandbox_delete_domain(&name, d.version).await? {
                Try::Done(Response::success())
            } else {
                Try::Conflict
            },
        )
    }

    async fn renew(&self, root: &El, clid: &str, now: SystemTime) -> Result<Try, StoreError> {
        let g = match sequence(
            root,
            &[("name", 1, 1), ("curExpDate", 1, 1), ("period", 0, 1)],
        ) {
            Ok(g) => g,
            Err(r) => return Ok(Try::Done(r)),
        };
        let parsed = name_of(g[0][0]).and_then(|name| {
            let cur = token(g[1][0], 1, 64)?;
            let months = period_months(g[2].first().copied())?;
            Ok((name, cur, months))
        });
        let (name, cur, months) = match parsed {
            Ok(p) => p,
            Err(r) => return Ok(Try::Done(r)),
        };
        if !is_xs_date(&cur) {
            return Ok(Try::Done(refuse(
                ResultCode::ParameterValueSyntaxError,
                format!("curExpDate {cur:?}: expected YYYY-MM-DD"),
            )));
        }
        let mut d = match self.sponsored(&name, clid).await? {
            Ok(d) => d,
            Err(r) => return Ok(Try::Done(r)),
        };
        let current = &date(d.ex_ms)[..10];
        if cur != current {
            return Ok(Try::Done(refuse(
                ResultCode::ParameterValueRangeError,
                format!("curExpDate {cur} is not the expiry date, {current}"),
            )));
        }
        if d.tr_status.as_deref() == Some("pending") {
            return Ok(Try::Done(refuse(
                ResultCode::ObjectStatusProhibitsOperation,
                "a transfer is pending",
            )));
        }
        let ex = add_months(d.ex_ms, months);
        if ex > add_months(epoch_ms(now), MAX_MONTHS) {
            return Ok(Try::Done(refuse(
                ResultCode::ParameterValueRangeError,
                "the expiry date would be more than 10 years away",
            )));
        }
        d.ex_ms = ex;
        if !self.store.sandbox_save_domain(&d, &[], now).await? {
            return Ok(Try::Conflict);
        }
        Ok(Try::Done(Response::success().with_res_data(format!(
            "<domain:renData xmlns:domain=\"{NS}\"><domain:name>{}</domain:name>\
             <domain:exDate>{}</domain:exDate></domain:renData>",
            esc(&d.name),
            date(d.ex_ms)
        ))))
    }

    async fn transfer(
        &self,
        root: &El,
        op: TransferOp,
        clid: &str,
        now: SystemTime,
    ) -> Result<Try, StoreError> {
        let g = match sequence(
            root,
            &[("name", 1, 1), ("period", 0, 1), ("authInfo", 0, 1)],
        ) {
            Ok(g) => g,
            Err(r) => return Ok(Try::Done(r)),
        };
        let parsed = name_of(g[0][0]).and_then(|name| {
            let months = period_months(g[1].first().copied())?;
            let pw = g[2].first().map(|a| auth_pw(a)).transpose()?;
            Ok((name, months, pw))
        });
        let (name, months, pw) = match parsed {
            Ok(p) => p,
            Err(r) => return Ok(Try::Done(r)),
        };
        let Some(mut d) = self.store.sandbox_domain(&name).await? else {
            return Ok(Try::Done(unknown(&name)));
        };
        let now_ms = epoch_ms(now);
        let pending = d.tr_status.as_deref() == Some("pending");
        let sponsor = d.clid == clid;
        let requester = pending && d.tr_re_id.as_deref() == Some(clid);
        let pw_ok = pw.as_deref() == Some(d.auth_pw.as_str());
        if pw.is_some() && !pw_ok && !sponsor {
            return Ok(Try::Done(refuse(
                ResultCode::InvalidAuthorizationInformation,
                "wrong authInfo",
            )));
        }
        let (code, text, notify) = match op {
            TransferOp::Query => {
                if !(sponsor || pw_ok || d.tr_re_id.as_deref() == Some(clid)) {
                    return Ok(Try::Done(refuse(
                        ResultCode::AuthorizationError,
                        format!("{name} is sponsored by another registrar (give its authInfo)"),
                    )));
                }
                if d.tr_status.is_none() {
                    return Ok(Try::Done(refuse(
                        ResultCode::ObjectNotPendingTransfer,
                        format!("{name} has never been transferred"),
                    )));
                }
                return Ok(Try::Done(Response::success().with_res_data(trn_data(&d))));
            }
            TransferOp::Request => {
                if sponsor {
                    return Ok(Try::Done(refuse(
                        ResultCode::ObjectNotEligibleForTransfer,
                        format!("{name} is sponsored by the requesting registrar already"),
                    )));
                }
                if pending {
                    return Ok(Try::Done(refuse(
                        ResultCode::ObjectPendingTransfer,
                        format!("a transfer of {name} is pending"),
                    )));
                }
                if !pw_ok {
                    return Ok(Try::Done(refuse(
                        ResultCode::InvalidAuthorizationInformation,
                        "a transfer request needs the domain's authInfo",
                    )));
                }
                let ex = add_months(d.ex_ms, months);
                if ex > add_months(now_ms, MAX_MONTHS) {
                    return Ok(Try::Done(refuse(
                        ResultCode::ParameterValueRangeError,
                        "the expiry date would be more than 10 years away",
                    )));
                }
                d.tr_status = Some("pending".into());
                d.tr_re_id = Some(clid.to_owned());
                d.tr_re_ms = Some(now_ms);
                d.tr_ac_id = Some(d.clid.clone());
                d.tr_ac_ms = Some(now_ms + TRANSFER_WINDOW.as_millis() as i64);
                d.tr_ex_ms = Some(ex);
                d.status = "pendingTransfer".into();
                let to = d.clid.clone();
                (
                    ResultCode::SuccessPending,
                    format!("Transfer of {name} requested by {clid}."),
                    to,
                )
            }
            TransferOp::Approve | TransferOp::Reject => {
                if !sponsor {
                    return Ok(Try::Done(refuse(
                        ResultCode::AuthorizationError,
                        "only the sponsoring registrar approves or rejects a transfer",
                    )));
                }
                if !pending {
                    return Ok(Try::Done(refuse(
                        ResultCode::ObjectNotPendingTransfer,
                        format!("no transfer of {name} is pending"),
                    )));
                }
                let gaining = d.tr_re_id.clone().unwrap_or_default();
                d.tr_ac_ms = Some(now_ms);
                d.status = "ok".into();
                if op == TransferOp::Approve {
                    d.tr_status = Some("clientApproved".into());
                    d.clid = gaining.clone();
                    d.ex_ms = d.tr_ex_ms.unwrap_or(d.ex_ms);
                    d.tr_ms = Some(now_ms);
                    d.up_id = Some(clid.to_owned());
                    d.up_ms = Some(now_ms);
                } else {
                    d.tr_status = Some("clientRejected".into());
                }
                let done = if op == TransferOp::Approve {
                    "approved"
                } else {
                    "rejected"
                };
                (
                    ResultCode::Success,
                    format!("Transfer of {name} {done} by {clid}."),
                    gaining,
                )
            }
            TransferOp::Cancel => {
                if !requester {
                    return Ok(Try::Done(refuse(
                        if pending {
                            ResultCode::AuthorizationError
                        } else {
                            ResultCode::ObjectNotPendingTransfer
                        },
                        "only the registrar that requested a pending transfer cancels it",
                    )));
                }
                d.tr_status = Some("clientCancelled".into());
                d.tr_ac_ms = Some(now_ms);
                d.status = "ok".into();
                let to = d.clid.clone();
                (
                    ResultCode::Success,
                    format!("Transfer of {name} cancelled by {clid}."),
                    to,
                )
            }
        };
        let data = trn_data(&d);
        let message = NewMessage {
            text,
            lang: None,
            res_data: Some(data.clone()),
        };
        if !self
            .store
            .sandbox_save_domain(&d, &[(notify, message)], now)
            .await?
        {
            return Ok(Try::Conflict);
        }
        Ok(Try::Done(Response::new(code).with_res_data(data)))
    }

    /// The domain, if `clid` sponsors it (2303 or 2201 otherwise).
    async fn sponsored(
        &self,
        name: &str,
        clid: &str,
    ) -> Result<Checked<SandboxDomain>, StoreError> {
        Ok(match self.store.sandbox_domain(name).await? {
            None => Err(unknown(name)),
            Some(d) if d.clid != clid => Err(refuse(
                ResultCode::AuthorizationError,
                format!("{name} is sponsored by another registrar"),
            )),
            Some(d) => Ok(d),
        })
    }
}

fn unknown(name: &str) -> Response {
    refuse(
        ResultCode::ObjectDoesNotExist,
        format!("{name} is not registered"),
    )
}

// ---------------------------------------------------------------------------------------------
// <domain:create>

/// A name server: `hostObj` (a name) or `hostAttr` (a name and its addresses).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct NameServer {
    name: String,
    /// `None` for `hostObj`; the addresses (`ip`, address) for `hostAttr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    addrs: Option<Vec<(String, String)>>,
}

struct CreateCmd {
    name: String,
    ex_ms: i64,
    ns: Vec<NameServer>,
    registrant: Option<String>,
    contacts: Vec<(String, String)>,
    pw: String,
}

impl CreateCmd {
    fn read(root: &El, now: SystemTime) -> Checked<CreateCmd> {
        let g = sequence(
            root,
            &[
                ("name", 1, 1),
                ("period", 0, 1),
                ("ns", 0, 1),
                ("registrant", 0, 1),
                ("contact", 0, usize::MAX),
                ("authInfo", 1, 1),
            ],
        )?;
        let name = name_of(g[0][0])?;
        let months = period_months(g[1].first().copied())?;
        let ns = match g[2].first() {
            Some(el) => name_servers(el)?,
            None => Vec::new(),
        };
        let registrant = g[3].first().map(|el| token(el, 3, 16)).transpose()?;
        let mut contacts = Vec::new();
        for el in &g[4] {
            let kind = el.attr("type").unwrap_or("");
            if !matches!(kind, "admin" | "billing" | "tech") {
                return Err(refuse(
                    ResultCode::ParameterValueSyntaxError,
                    format!("contact type {kind:?}: expected admin, billing or tech"),
                ));
            }
            contacts.push((kind.to_owned(), token(el, 3, 16)?));
        }
        let mut pw = auth_pw(g[5][0])?;
        if pw.is_empty() {
            // An empty <domain:pw/> leaves the authInfo to the registry's policy: a random one.
            pw = random_password();
        }
        let now_ms = epoch_ms(now);
        Ok(CreateCmd {
            name,
            ex_ms: add_months(now_ms, months),
            ns,
            registrant,
            contacts,
            pw,
        })
    }
}

/// `<domain:ns>`: `hostObj`+ or `hostAttr`+.
fn name_servers(el: &El) -> Checked<Vec<NameServer>> {
    no_text(el)?;
    let kids: Vec<&El> = el.children.iter().collect();
    if kids.is_empty() {
        return Err(refuse(
            ResultCode::CommandSyntaxError,
            "<domain:ns> needs <domain:hostObj> or <domain:hostAttr> elements",
        ));
    }
    let obj = kids[0].name == "hostObj";
    let mut out: Vec<NameServer> = Vec::new();
    for k in kids {
        in_ns(k)?;
        let ns = match (k.name.as_str(), obj) {
            ("hostObj", true) => NameServer {
                name: host_name(k)?,
                addrs: None,
            },
            ("hostAttr", false) => {
                let g = sequence(k, &[("hostName", 1, 1), ("hostAddr", 0, usize::MAX)])?;
                let mut addrs = Vec::new();
                for a in &g[1] {
                    let ip = a.attr("ip").unwrap_or("v4");
                    let addr = token(a, 3, 45)?;
                    let ok = match ip {
                        "v4" => addr.parse::<std::net::Ipv4Addr>().is_ok(),
                        "v6" => addr.parse::<std::net::Ipv6Addr>().is_ok(),
                        _ => false,
                    };
                    if !ok {
                        return Err(refuse(
                            ResultCode::ParameterValueSyntaxError,
                            format!("hostAddr ip=\"{ip}\" {addr:?} is not such an address"),
                        ));
                    }
                    addrs.push((ip.to_owned(), addr));
                }
                NameServer {
                    name: host_name(g[0][0])?,
                    addrs: Some(addrs),
                }
            }
            (other, _) => {
                return Err(refuse(
                    ResultCode::CommandSyntaxError,
                    format!(
                        "unexpected <domain:{other}> in <domain:ns> (hostObj and hostAttr do \
                         not mix)"
                    ),
                ))
            }
        };
        if out.iter().any(|o| o.name == ns.name) {
            return Err(refuse(
                ResultCode::ParameterValuePolicyError,
                format!("name server {} given twice", ns.name),
            ));
        }
        out.push(ns);
    }
    if out.len() > MAX_NS {
        return Err(refuse(
            ResultCode::ParameterValuePolicyError,
            format!("at most {MAX_NS} name servers"),
        ));
    }
    Ok(out)
}

fn host_name(el: &El) -> Checked<String> {
    let t = token(el, 1, 255)?;
    domain_name(&t).map_err(|why| {
        refuse(
            ResultCode::ParameterValueSyntaxError,
            format!("host name {t:?}: {why}"),
        )
    })
}

// ---------------------------------------------------------------------------------------------
// responses

/// Text content and attribute values: `&`, `<`, `>` and `"` escaped.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// `dateTime`, UTC.
fn date(ms: i64) -> String {
    epp::format_rfc3339(UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
}

fn inf_data(d: &SandboxDomain, hosts: &str) -> String {
    let mut o = format!(
        "<domain:infData xmlns:domain=\"{NS}\"><domain:name>{}</domain:name>\
         <domain:roid>{}</domain:roid>",
        esc(&d.name),
        esc(&d.roid)
    );
    for s in d.status.split_whitespace() {
        o.push_str(&format!("<domain:status s=\"{}\"/>", esc(s)));
    }
    if let Some(r) = &d.registrant {
        o.push_str(&format!(
            "<domain:registrant>{}</domain:registrant>",
            esc(r)
        ));
    }
    let contacts: Vec<(String, String)> = serde_json::from_str(&d.contacts).unwrap_or_default();
    for (kind, id) in contacts {
        o.push_str(&format!(
            "<domain:contact type=\"{}\">{}</domain:contact>",
            esc(&kind),
            esc(&id)
        ));
    }
    let ns: Vec<NameServer> = serde_json::from_str(&d.ns).unwrap_or_default();
    // hosts="all" and "del" show the delegation; the sandbox has no subordinate host objects.
    if !ns.is_empty() && matches!(hosts, "all" | "del") {
        o.push_str("<domain:ns>");
        for n in ns {
            match n.addrs {
                None => o.push_str(&format!(
                    "<domain:hostObj>{}</domain:hostObj>",
                    esc(&n.name)
                )),
                Some(addrs) => {
                    o.push_str(&format!(
                        "<domain:hostAttr><domain:hostName>{}</domain:hostName>",
                        esc(&n.name)
                    ));
                    for (ip, a) in addrs {
                        o.push_str(&format!(
                            "<domain:hostAddr ip=\"{}\">{}</domain:hostAddr>",
                            esc(&ip),
                            esc(&a)
                        ));
                    }
                    o.push_str("</domain:hostAttr>");
                }
            }
        }
        o.push_str("</domain:ns>");
    }
    o.push_str(&format!(
        "<domain:clID>{}</domain:clID><domain:crID>{}</domain:crID>\
         <domain:crDate>{}</domain:crDate>",
        esc(&d.clid),
        esc(&d.crid),
        date(d.cr_ms)
    ));
    if let (Some(id), Some(ms)) = (&d.up_id, d.up_ms) {
        o.push_str(&format!(
            "<domain:upID>{}</domain:upID><domain:upDate>{}</domain:upDate>",
            esc(id),
            date(ms)
        ));
    }
    o.push_str(&format!("<domain:exDate>{}</domain:exDate>", date(d.ex_ms)));
    if let Some(ms) = d.tr_ms {
        o.push_str(&format!("<domain:trDate>{}</domain:trDate>", date(ms)));
    }
    o.push_str(&format!(
        "<domain:authInfo><domain:pw>{}</domain:pw></domain:authInfo></domain:infData>",
        esc(&d.auth_pw)
    ));
    o
}

/// `<domain:trnData>` of the domain's last transfer.
fn trn_data(d: &SandboxDomain) -> String {
    let mut o = format!(
        "<domain:trnData xmlns:domain=\"{NS}\"><domain:name>{}</domain:name>\
         <domain:trStatus>{}</domain:trStatus><domain:reID>{}</domain:reID>\
         <domain:reDate>{}</domain:reDate><domain:acID>{}</domain:acID>\
         <domain:acDate>{}</domain:acDate>",
        esc(&d.name),
        esc(d.tr_status.as_deref().unwrap_or("pending")),
        esc(d.tr_re_id.as_deref().unwrap_or("")),
        date(d.tr_re_ms.unwrap_or(0)),
        esc(d.tr_ac_id.as_deref().unwrap_or("")),
        date(d.tr_ac_ms.unwrap_or(0)),
    );
    if let Some(ms) = d.tr_ex_ms {
        o.push_str(&format!("<domain:exDate>{}</domain:exDate>", date(ms)));
    }
    o.push_str("</domain:trnData>");
    o
}

// ---------------------------------------------------------------------------------------------
// values

/// A domain (or host) name: LDH labels, at least two, in lower case.
fn domain_name(s: &str) -> Result<String, String> {
    let name = s.to_ascii_lowercase();
    if name.len() > 253 {
        return Err("longer than 253 characters".into());
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err("it needs at least two labels".into());
    }
    for l in &labels {
        if l.is_empty() || l.len() > 63 {
            return Err("a label is 1 to 63 characters".into());
        }
        if !l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err("letters, digits and hyphens only (IDNs as xn-- labels)".into());
        }
        if l.starts_with('-') || l.ends_with('-') {
            return Err("a label neither starts nor ends with a hyphen".into());
        }
    }
    if labels
        .last()
        .is_some_and(|t| t.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("the top-level label is not all digits".into());
    }
    Ok(name)
}

/// `<domain:name>` of a command on an existing domain (or a create).
fn name_of(el: &El) -> Checked<String> {
    let t = token(el, 1, 255)?;
    domain_name(&t).map_err(|why| {
        refuse(
            ResultCode::ParameterValueSyntaxError,
            format!("domain name {t:?}: {why}"),
        )
    })
}

/// `<domain:period unit>`: months (12 when absent), 1 to 10 years.
fn period_months(el: Option<&El>) -> Checked<i64> {
    let Some(el) = el else { return Ok(12) };
    let t = token(el, 1, 3)?;
    let n: i64 = match t.parse() {
        Ok(n) if (1..=99).contains(&n) => n,
        _ => {
            return Err(refuse(
                ResultCode::CommandSyntaxError,
                format!("period {t:?}: expected 1 to 99"),
            ))
        }
    };
    let months = match el.attr("unit") {
        Some("y") => n * 12,
        Some("m") => n,
        other => {
            return Err(refuse(
                ResultCode::CommandSyntaxError,
                format!("period unit {other:?}: expected \"y\" or \"m\""),
            ))
        }
    };
    if !(12..=MAX_MONTHS).contains(&months) || months % 12 != 0 {
        return Err(refuse(
            ResultCode::ParameterValueRangeError,
            "a period is 1 to 10 whole years",
        ));
    }
    Ok(months)
}

/// `<domain:authInfo>`: its `<domain:pw>` (`<domain:ext>` is 2102).
fn auth_pw(el: &El) -> Checked<String> {
    no_text(el)?;
    match el.children.as_slice() {
        [pw] if pw.ns.as_deref() == Some(NS) && pw.name == "pw" => {
            no_children(pw)?;
            Ok(pw.text.clone())
        }
        [ext] if ext.ns.as_deref() == Some(NS) && ext.name == "ext" => Err(refuse(
            ResultCode::UnimplementedOption,
            "the eppd sandbox takes password authInfo only (<domain:pw>)",
        )),
        _ => Err(refuse(
            ResultCode::CommandSyntaxError,
            "<domain:authInfo> holds one <domain:pw> or <domain:ext>",
        )),
    }
}

/// 16 random letters and digits.
fn random_password() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    const ABC: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut raw = [0u8; 16];
    OsRng.fill_bytes(&mut raw);
    raw.iter()
        .map(|b| ABC[usize::from(*b) % ABC.len()] as char)
        .collect()
}

/// `YYYY-MM-DD`.
fn is_xs_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// `ms` plus `months` (the day of the month kept where it exists, else the month's last).
fn add_months(ms: i64, months: i64) -> i64 {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) else {
        return ms;
    };
    let total = i64::from(t.year()) * 12 + i64::from(u8::from(t.month())) - 1 + months;
    let (y, m) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    let (Ok(year), Ok(month)) = (i32::try_from(y), time::Month::try_from(m as u8)) else {
        return ms;
    };
    let day = t.day().min(month.length(year));
    match time::Date::from_calendar_date(year, month, day) {
        Ok(d) => {
            let n = d.with_time(t.time()).assume_utc().unix_timestamp_nanos();
            i64::try_from(n / 1_000_000).unwrap_or(ms)
        }
        Err(_) => ms,
    }
}

// ---------------------------------------------------------------------------------------------
// the command, as a tree

/// An element of the command.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct El {
    ns: Option<String>,
    name: String,
    /// Unprefixed attributes (RFC 5731 has no other).
    attrs: Vec<(String, String)>,
    /// The text content, entities resolved.
    text: String,
    children: Vec<El>,
}

impl El {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses the command element (libepp hands it out well-formed, with its namespace
/// declarations).
fn parse(xml: &str) -> Result<El, String> {
    let bad = |e: &dyn std::fmt::Display| format!("the command is not readable XML: {e}");
    let mut r = NsReader::from_str(xml);
    let mut stack: Vec<El> = Vec::new();
    loop {
        let (res, ev) = r.read_resolved_event().map_err(|e| bad(&e))?;
        let ns = match res {
            ResolveResult::Bound(n) => Some(n.as_ref().to_owned()),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(p) => return Err(format!("undeclared prefix {p:?}")),
        };
        match ev {
            Event::Start(ref s) | Event::Empty(ref s) => {
                let mut el = El {
                    ns,
                    name: s.local_name().as_ref().to_owned(),
                    ..El::default()
                };
                for a in s.attributes() {
                    let a = a.map_err(|e| bad(&e))?;
                    let key = a.key.as_ref();
                    if key.starts_with("xmlns") || key.contains(':') {
                        continue;
                    }
                    let v = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| bad(&e))?;
                    el.attrs.push((key.to_owned(), v.into_owned()));
                }
                if matches!(ev, Event::Empty(_)) {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => return Ok(el),
                    }
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or_else(|| bad(&"unbalanced end tag"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(el),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(g) => {
                let s = if g.is_char_ref() {
                    match g.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => return Err(bad(&"bad character reference")),
                    }
                } else {
                    match &*g {
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "amp" => "&".into(),
                        "apos" => "'".into(),
                        "quot" => "\"".into(),
                        other => return Err(bad(&format!("unknown entity &{other};"))),
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&s);
                }
            }
            Event::Eof => return Err(bad(&"no element")),
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
}

fn in_ns(el: &El) -> Checked<()> {
    if el.ns.as_deref() == Some(NS) {
        Ok(())
    } else {
        Err(refuse(
            ResultCode::CommandSyntaxError,
            format!(
                "unexpected element {{{}}}{}",
                el.ns.as_deref().unwrap_or(""),
                el.name
            ),
        ))
    }
}

fn no_text(el: &El) -> Checked<()> {
    if el.text.trim().is_empty() {
        Ok(())
    } else {
        Err(refuse(
            ResultCode::CommandSyntaxError,
            format!("<domain:{}> holds elements, not text", el.name),
        ))
    }
}

fn no_children(el: &El) -> Checked<()> {
    match el.children.first() {
        None => Ok(()),
        Some(c) => Err(refuse(
            ResultCode::CommandSyntaxError,
            format!("unexpected <{}> in <domain:{}>", c.name, el.name),
        )),
    }
}

/// A token's value (whitespace collapsed), `min` to `max` characters.
fn token(el: &El, min: usize, max: usize) -> Checked<String> {
    no_children(el)?;
    let t = el.text.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = t.chars().count();
    if n < min || n > max {
        return Err(refuse(
            ResultCode::ParameterValueSyntaxError,
            format!("<domain:{}> is {min} to {max} characters", el.name),
        ));
    }
    Ok(t)
}

/// Reads `el`'s children as the schema's sequence `spec` (element name, least and most
/// occurrences, in order): the elements of each entry, or 2001 naming what is wrong.
fn sequence<'a>(el: &'a El, spec: &[(&str, usize, usize)]) -> Checked<Vec<Vec<&'a El>>> {
    no_text(el)?;
    let mut groups: Vec<Vec<&El>> = vec![Vec::new(); spec.len()];
    let mut at = 0;
    for child in &el.children {
        in_ns(child)?;
        let Some(i) = (at..spec.len()).find(|&i| spec[i].0 == child.name) else {
            let expected: Vec<String> = spec[at..]
                .iter()
                .map(|(n, ..)| format!("<domain:{n}>"))
                .collect();
            return Err(refuse(
                ResultCode::CommandSyntaxError,
                format!(
                    "unexpected <domain:{}> in <domain:{}>{}",
                    child.name,
                    el.name,
                    if expected.is_empty() {
                        String::new()
                    } else {
                        format!(" (expected one of {})", expected.join(", "))
                    }
                ),
            ));
        };
        for (j, g) in groups.iter().enumerate().take(i).skip(at) {
            if g.len() < spec[j].1 {
                return Err(missing(el, spec[j].0));
            }
        }
        at = i;
        if groups[i].len() == spec[i].2 {
            return Err(refuse(
                ResultCode::CommandSyntaxError,
                format!("too many <domain:{}> in <domain:{}>", child.name, el.name),
            ));
        }
        groups[i].push(child);
    }
    for (j, g) in groups.iter().enumerate() {
        if g.len() < spec[j].1 {
            return Err(missing(el, spec[j].0));
        }
    }
    Ok(groups)
}

fn missing(el: &El, name: &str) -> Response {
    refuse(
        ResultCode::CommandSyntaxError,
        format!("<domain:{}> needs <domain:{name}>", el.name),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(xml: &str) -> El {
        parse(xml).unwrap()
    }

    #[test]
    fn parses_namespaces_by_uri() {
        let e = el(&format!(
            "<d:check xmlns:d=\"{NS}\"><d:name>a.example</d:name>\n<name xmlns=\"{NS}\" \
             x=\"1\">b&amp;c&#x41;<![CDATA[<z>]]></name><o:x xmlns:o=\"urn:o\"/></d:check>"
        ));
        assert_eq!(e.name, "check");
        assert_eq!(e.ns.as_deref(), Some(NS));
        assert_eq!(e.children.len(), 3);
        assert_eq!(e.children[1].text, "b&cA<z>");
        assert_eq!(e.children[1].attr("x"), Some("1"));
        assert_eq!(e.children[2].ns.as_deref(), Some("urn:o"));
        let lone = el(&format!("<d:info xmlns:d=\"{NS}\"/>"));
        assert_eq!(lone.name, "info");
        assert!(sequence(&e, &[("name", 1, 5)]).is_err(), "urn:o element");
    }

    #[test]
    fn sequences_follow_the_schema() {
        let spec: &[(&str, usize, usize)] = &[("name", 1, 1), ("period", 0, 1), ("auth", 1, 1)];
        let e = |inner: &str| el(&format!("<d:c xmlns:d=\"{NS}\">{inner}</d:c>"));
        let ok = e("<d:name>x</d:name><d:auth/>");
        let g = sequence(&ok, spec).unwrap();
        assert_eq!((g[0].len(), g[1].len(), g[2].len()), (1, 0, 1));
        for bad in [
            "<d:auth/>",
            "<d:name>x</d:name>",
            "<d:name>x</d:name><d:name>y</d:name><d:auth/>",
            "<d:name>x</d:name><d:auth/><d:period>1</d:period>",
            "<d:name>x</d:name><d:other/><d:auth/>",
            "text<d:name>x</d:name><d:auth/>",
        ] {
            let r = sequence(&e(bad), spec).unwrap_err();
            assert_eq!(r.code(), ResultCode::CommandSyntaxError, "{bad}");
        }
    }

    #[test]
    fn names() {
        assert_eq!(domain_name("Example.TEST").unwrap(), "example.test");
        assert_eq!(
            domain_name("xn--bcher-kva.example").unwrap(),
            "xn--bcher-kva.example"
        );
        for bad in [
            "example",
            "-a.example",
            "a-.example",
            "a..example",
            "a_b.example",
            "exämple.test",
            "a.123",
            &format!("{}.example", "a".repeat(64)),
        ] {
            assert!(domain_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn periods_and_dates() {
        let p = |xml: &str| period_months(Some(&el(&format!("<d:period xmlns:d=\"{NS}\" {xml}"))));
        assert_eq!(period_months(None).unwrap(), 12);
        assert_eq!(p("unit=\"y\">2</d:period>").unwrap(), 24);
        assert_eq!(p("unit=\"m\">24</d:period>").unwrap(), 24);
        assert_eq!(
            p("unit=\"y\">11</d:period>").unwrap_err().code(),
            ResultCode::ParameterValueRangeError
        );
        assert_eq!(
            p("unit=\"m\">6</d:period>").unwrap_err().code(),
            ResultCode::ParameterValueRangeError
        );
        assert_eq!(
            p(">1</d:period>").unwrap_err().code(),
            ResultCode::CommandSyntaxError
        );
        // 2024-02-29 + 1 year: 2025-02-28; + 4 years: 2028-02-29.
        let leap = 1_709_164_800_000; // 2024-02-29T00:00:00Z
        assert_eq!(&date(add_months(leap, 12))[..10], "2025-02-28");
        assert_eq!(&date(add_months(leap, 48))[..10], "2028-02-29");
        assert_eq!(date(leap), "2024-02-29T00:00:00.000Z");
        assert!(is_xs_date("2025-02-28"));
        assert!(!is_xs_date("2025-2-28"));
        assert!(!is_xs_date("2025-02-28Z"));
    }

    #[test]
    fn escapes() {
        assert_eq!(esc("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c'");
    }
}
