//! The store: registrars, service message queues and the logged-in sessions of every running
//! eppd, in SQLite (embedded, the default: a file in the data directory) or PostgreSQL, through
//! sqlx's `Any` driver. The SQL is the same for both (see `migrations.rs`).
//!
//! - Passwords are kept as Argon2id hashes (PHC strings), never in clear.
//! - Message ids come from a counter row, so they stay unique across restarts; a message is
//!   removed only by its acknowledgement, in a transaction, and an acked id is never reused.
//! - Sessions: each running eppd registers an instance with an expiry it renews (heartbeat); a
//!   login inserts a session row under the registrar's row lock after counting the sessions of
//!   live instances, so a per-registrar limit holds across every eppd on one store, and the
//!   sessions of an instance that died stop counting once its expiry passes.
//!
//! Several processes may use one store at once (a server and the administration commands, or
//! several servers): every change is one transaction.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::Argon2;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Row};

use crate::migrations::MIGRATIONS;
use crate::tls::PeerCert;

/// The store failed (I/O, SQL, a lock held too long...). The text is for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        StoreError(format!("store: {e}"))
    }
}

type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite database file (created with its directory when missing).
    Sqlite(PathBuf),
    /// A PostgreSQL URL (`postgres://user:password@host:port/database`).
    Postgres(String),
}

impl Location {
    /// `--store` or, without it, the SQLite file in the data directory.
    pub fn from_flags(store: Option<&str>, data_dir: &Path) -> Result<Location, String> {
        match store {
            None => Ok(Location::Sqlite(data_dir.join("eppd.sqlite3"))),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Location::Postgres(url.to_owned()))
            }
            Some(url) if url.starts_with("sqlite:") => {
                let path = url
                    .trim_start_matches("sqlite://")
                    .trim_start_matches("sqlite:");
                let path = path.split('?').next().unwrap_or_default();
                if path.is_empty() {
                    return Err(format!("--store {url}: no file name"));
                }
                Ok(Location::Sqlite(PathBuf::from(path)))
            }
            Some(url) => Err(format!(
                "--store {}: expected postgres://... or sqlite:FILE (without --store, the SQLite \
                 file in --data-dir)",
                redact_url(url)
            )),
        }
    }

    /// For logs and messages: never the password of a URL.
    pub fn describe(&self) -> String {
        match self {
            Location::Sqlite(p) => format!("SQLite {}", p.display()),
            Location::Postgres(url) => format!("PostgreSQL {}", redact_url(url)),
        }
    }
}

/// `scheme://user:password@host/...` without the password.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (auth_end, _) = rest
        .char_indices()
        .find(|&(_, c)| c == '/' || c == '?')
        .unwrap_or((rest.len(), ' '));
    match rest[..auth_end].rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            format!("{scheme}://{user}:***@{host}{}", &rest[auth_end..])
        }
        None => url.to_owned(),
    }
}

/// How a registrar is bound to its client certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertBinding {
    /// SHA-256 of the certificate's DER, 64 lowercase hex digits.
    Sha256(String),
    /// The certificate's subject, as `PeerCert::subject` renders it.
    Subject(String),
}

impl std::fmt::Display for CertBinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CertBinding::Sha256(h) => write!(f, "sha256:{h}"),
            CertBinding::Subject(s) => write!(f, "subject:{s}"),
        }
    }
}

/// A registrar, as `registrar list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrarInfo {
    pub client_id: String,
    pub disabled: bool,
    pub binding: Option<CertBinding>,
    pub max_sessions: Option<u64>,
    pub queued: u64,
    pub sessions: u64,
}

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewMessage {
    pub text: String,
    /// `<msg lang>`; `None` is `en`.
    pub lang: Option<String>,
    /// `<resData>` children (XML), passed through to the client.
    pub res_data: Option<String>,
}

/// The oldest queued message of a registrar, with the queue length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub id: u64,
    pub count: u64,
    pub queued_at: SystemTime,
    pub lang: Option<String>,
    pub text: String,
    pub res_data: Option<String>,
}

/// A domain of the sandbox back end (RFC 5731), as the store keeps it. Times are
/// milliseconds since the epoch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SandboxDomain {
    /// Lower case.
    pub name: String,
    pub roid: String,
    pub registrant: Option<String>,
    /// JSON: `[["admin", "ID"], ...]`.
    pub contacts: String,
    /// JSON: `[{"name": "ns1.example"}, {"name": ..., "addrs": [["v4", "192.0.2.1"]]}]`.
    pub ns: String,
    /// Status values, space-separated.
    pub status: String,
    /// The sponsoring registrar.
    pub clid: String,
    pub crid: String,
    pub cr_ms: i64,
    pub up_id: Option<String>,
    pub up_ms: Option<i64>,
    pub ex_ms: i64,
    pub tr_ms: Option<i64>,
    pub auth_pw: String,
    /// The last transfer: `pending`, `clientApproved`, ...
    pub tr_status: Option<String>,
    pub tr_re_id: Option<String>,
    pub tr_re_ms: Option<i64>,
    pub tr_ac_id: Option<String>,
    pub tr_ac_ms: Option<i64>,
    /// The expiry after the pending transfer.
    pub tr_ex_ms: Option<i64>,
    /// Incremented by every write (optimistic concurrency).
    pub version: i64,
}

/// How a login ended (the reasons are for the log; the client sees only the EPP code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    /// Credentials good, a session slot taken: 1000.
    Accepted,
    /// No such clID: 2200.
    UnknownClient,
    /// Wrong password: 2200.
    WrongPassword,
    /// Right password over the wrong client certificate (or none): 2200.
    CertificateMismatch {
        binding: CertBinding,
        presented: Option<PeerCert>,
    },
    /// The registrar is disabled: 2201.
    Disabled,
    /// Over the registrar's session limit across every instance: 2502.
    SessionLimit { limit: u64, live: u64 },
    /// The store failed: 2400.
    Failed(StoreError),
}

/// What a running server registered: its instance id and the sessions it holds, so that they
/// can be registered again if its instance record was taken for dead.
#[derive(Debug)]
struct Instance {
    id: String,
    ttl: Duration,
    info: String,
    started_ms: i64,
    /// conn id -> (clID, started ms).
    held: HashMap<u64, (String, i64)>,
}

/// The store: a connection pool and, in a server, the instance it registered.
#[derive(Debug)]
pub struct Store {
    pool: AnyPool,
    instance: Mutex<Option<Instance>>,
}

/// Milliseconds since the epoch, for the store's BIGINT times.
pub fn epoch_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn from_epoch_ms(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Store {
    /// Opens (creating and migrating when needed) the store.
    pub async fn open(location: &Location, max_connections: u32) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let url = match location {
            Location::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    create_private_dir(dir)?;
                }
                sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .to_url_lossy()
            }
            Location::Postgres(url) => url
                .parse()
                .map_err(|e| StoreError(format!("bad store URL {}: {e}", redact_url(url))))?,
        };
        let options = AnyConnectOptions::from_url(&url)
            .map_err(|e| StoreError(format!("bad store URL: {e}")))?
            .disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| StoreError(format!("cannot open {}: {e}", location.describe())))?;
        let store = Store {
            pool,
            instance: Mutex::new(None),
        };
        if let Location::Sqlite(path) = location {
            // Readers do not block the writer, and another process (an administration
            // command) can write while a server runs. Persistent in the file.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&store.pool)
                .await?;
            restrict_permissions(path);
        }
        store.migrate().await.map_err(|e| {
            StoreError(format!(
                "cannot prepare the schema in {}: {e}",
                location.describe()
            ))
        })?;
        Ok(store)
    }

    /// Applies the migrations not applied yet, each in a transaction, under a lock on the
    /// version row (so that two processes opening a new store at once do not both apply them).
    async fn migrate(&self) -> Result<()> {
        let create = "CREATE TABLE IF NOT EXISTS eppd_schema (id BIGINT PRIMARY KEY, version BIGINT NOT NULL)";
        // PostgreSQL can fail a CREATE TABLE IF NOT EXISTS that races another: try again.
        if sqlx::query(create).execute(&self.pool).await.is_err() {
            tokio::time::sleep(Duration::from_millis(200)).await;
            sqlx::query(create).execute(&self.pool).await?;
        }
        sqlx::query(
            "INSERT INTO eppd_schema (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
        )
        .execute(&self.pool)
        .await?;
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE eppd_schema SET version = version WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let version: i64 = sqlx::query_scalar("SELECT version FROM eppd_schema WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError(format!(
                "the store has schema version {version}, newer than this eppd knows ({known}): \
                 upgrade eppd"
            )));
        }
        for (i, statements) in MIGRATIONS.iter().enumerate().skip(count(version) as usize) {
            for sql in *statements {
                sqlx::query(sql).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE eppd_schema SET version = $1 WHERE id = 1")
                .bind(i as i64 + 1)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // registrars

    /// Adds a registrar; an error if the clID exists.
    pub async fn add_registrar(
        &self,
        client_id: &str,
        password: &str,
        max_sessions: Option<u64>,
        now: SystemTime,
    ) -> Result<()> {
        let hash = hash_password(password).await?;
        let done = sqlx::query(
            "INSERT INTO registrars (clid, password_hash, max_sessions, created_ms) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (clid) DO NOTHING",
        )
        .bind(client_id)
        .bind(hash)
        .bind(max_sessions.map(|n| n as i64))
        .bind(epoch_ms(now))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError(format!(
                "registrar {client_id} exists already (change its password with `registrar passwd`)"
            )));
        }
        Ok(())
    }

    /// Adds a registrar or sets its password (`--registrar`, `--demo`); true when added.
    pub async fn upsert_registrar(
        &self,
        client_id: &str,
        password: &str,
        now: SystemTime,
    ) -> Result<bool> {
        let existed = self.has_registrar(client_id).await?;
        let hash = hash_password(password).await?;
        sqlx::query(
            "INSERT INTO registrars (clid, password_hash, created_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (clid) DO UPDATE SET password_hash = excluded.password_hash",
        )
        .bind(client_id)
        .bind(hash)
        .bind(epoch_ms(now))
        .execute(&self.pool)
        .await?;
        Ok(!existed)
    }

    /// Sets a registrar's password; false when there is no such registrar.
    pub async fn set_password(&self, client_id: &str, password: &str) -> Result<bool> {
        let hash = hash_password(password).await?;
        let done = sqlx::query("UPDATE registrars SET password_hash = $1 WHERE clid = $2")
            .bind(hash)
            .bind(client_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Disables or enables a registrar; false when there is no such registrar.
    pub async fn set_disabled(&self, client_id: &str, disabled: bool) -> Result<bool> {
        let done = sqlx::query("UPDATE registrars SET disabled = $1 WHERE clid = $2")
            .bind(i64::from(disabled))
            .bind(client_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Binds a registrar to a client certificate (or removes the binding).
    pub async fn set_binding(
        &self,
        client_id: &str,
        binding: Option<&CertBinding>,
    ) -> Result<bool> {
        let (sha, subject) = match binding {
            Some(CertBinding::Sha256(h)) => (Some(h.clone()), None),
            Some(CertBinding::Subject(s)) => (None, Some(s.clone())),
            None => (None, None),
        };
        let done = sqlx::query(
            "UPDATE registrars SET cert_sha256 = $1, cert_subject = $2 WHERE clid = $3",
        )
        .bind(sha)
        .bind(subject)
        .bind(client_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Sets (or clears: the server's default applies) a registrar's session limit.
    pub async fn set_max_sessions(&self, client_id: &str, max: Option<u64>) -> Result<bool> {
        let done = sqlx::query("UPDATE registrars SET max_sessions = $1 WHERE clid = $2")
            .bind(max.map(|n| n as i64))
            .bind(client_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn has_registrar(&self, client_id: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrars WHERE clid = $1")
            .bind(client_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    pub async fn registrar_count(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrars")
            .fetch_one(&self.pool)
            .await?;
        Ok(count(n))
    }

    /// Every registrar, by clID, with its queue length and live sessions.
    pub async fn registrars(&self, now: SystemTime) -> Result<Vec<RegistrarInfo>> {
        let rows = sqlx::query(
            "SELECT r.clid, r.disabled, r.cert_sha256, r.cert_subject, r.max_sessions, \
                (SELECT COUNT(*) FROM messages m WHERE m.clid = r.clid), \
                (SELECT COUNT(*) FROM sessions s JOIN instances i ON i.id = s.instance \
                 WHERE s.clid = r.clid AND i.expires_ms > $1) \
             FROM registrars r ORDER BY r.clid",
        )
        .bind(epoch_ms(now))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let sha: Option<String> = row.try_get(2)?;
                let subject: Option<String> = row.try_get(3)?;
                let max: Option<i64> = row.try_get(4)?;
                Ok(RegistrarInfo {
                    client_id: row.try_get(0)?,
                    disabled: row.try_get::<i64, _>(1)? != 0,
                    binding: binding_of(sha, subject),
                    max_sessions: max.map(count),
                    queued: count(row.try_get(5)?),
                    sessions: count(row.try_get(6)?),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    // -----------------------------------------------------------------------------------------
    // messages

    /// Queues a message; its id, or `None` when there is no such registrar.
    pub async fn enqueue(
        &self,
        client_id: &str,
        message: &NewMessage,
        now: SystemTime,
    ) -> Result<Option<u64>> {
        let mut tx = self.pool.begin().await?;
        let id = insert_message(&mut tx, client_id, message, now).await?;
        if id.is_none() {
            tx.rollback().await?;
            return Ok(None);
        }
        tx.commit().await?;
        Ok(id)
    }

    /// `<poll op="req">`: the oldest message and the queue length (nothing is removed).
    pub async fn poll(&self, client_id: &str) -> Result<Option<StoredMessage>> {
        let row = sqlx::query(
            "SELECT id, queued_ms, lang, text, res_data, \
                (SELECT COUNT(*) FROM messages WHERE clid = $1) \
             FROM messages WHERE clid = $1 ORDER BY id LIMIT 1",
        )
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(StoredMessage {
            id: count(row.try_get(0)?),
            queued_at: from_epoch_ms(row.try_get(1)?),
            lang: row.try_get(2)?,
            text: row.try_get(3)?,
            res_data: row.try_get(4)?,
            count: count(row.try_get(5)?),
        }))
    }

    /// `<poll op="ack">`: removes the message if it is `client_id`'s; the messages left, or
    /// `None` for an unknown id. One transaction: once it commits the message is gone for good.
    pub async fn ack(&self, client_id: &str, message_id: u64) -> Result<Option<u64>> {
        let Ok(id) = i64::try_from(message_id) else {
            return Ok(None);
        };
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("DELETE FROM messages WHERE id = $1 AND clid = $2")
            .bind(id)
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE clid = $1")
            .bind(client_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(count(left)))
    }

    /// Messages waiting for `client_id`.
    pub async fn queued(&self, client_id: &str) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE clid = $1")
            .bind(client_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(count(n))
    }

    // -----------------------------------------------------------------------------------------
    // login and sessions

    /// Checks a login (password, certificate binding, disabled flag) and takes a session slot
    /// for connection `conn` of this instance under the registrar's limit (its own, else
    /// `default_limit`; none when both are unset).
    pub async fn login(
        &self,
        client_id: &str,
        password: &str,
        cert: Option<&PeerCert>,
        conn: u64,
        default_limit: Option<u64>,
    ) -> LoginOutcome {
        match self
            .try_login(client_id, password, cert, conn, default_limit)
            .await
        {
            Ok(outcome) => outcome,
            Err(e) => LoginOutcome::Failed(e),
        }
    }

    async fn try_login(
        &self,
        client_id: &str,
        password: &str,
        cert: Option<&PeerCert>,
        conn: u64,
        default_limit: Option<u64>,
    ) -> Result<LoginOutcome> {
        let row = sqlx::query(
            "SELECT password_hash, disabled, cert_sha256, cert_subject, max_sessions \
             FROM registrars WHERE clid = $1",
        )
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            // The same work as for a known clID, so timing does not tell which exist.
            let _ = verify_password(dummy_hash().to_owned(), password.to_owned()).await;
            return Ok(LoginOutcome::UnknownClient);
        };
        let hash: String = row.try_get(0)?;
        let disabled = row.try_get::<i64, _>(1)? != 0;
        let binding = binding_of(row.try_get(2)?, row.try_get(3)?);
        let own_limit: Option<i64> = row.try_get(4)?;
        if !verify_password(hash, password.to_owned()).await? {
            return Ok(LoginOutcome::WrongPassword);
        }
        if let Some(binding) = binding {
            let matches = match (&binding, cert) {
                (CertBinding::Sha256(h), Some(c)) => c.sha256 == *h,
                (CertBinding::Subject(s), Some(c)) => c.subject == *s,
                (_, None) => false,
            };
            if !matches {
                return Ok(LoginOutcome::CertificateMismatch {
                    binding,
                    presented: cert.cloned(),
                });
            }
        }
        if disabled {
            return Ok(LoginOutcome::Disabled);
        }
        let limit = own_limit.map(count).or(default_limit);
        self.acquire_session(client_id, conn, limit).await
    }

    async fn acquire_session(
        &self,
        client_id: &str,
        conn: u64,
        limit: Option<u64>,
    ) -> Result<LoginOutcome> {
        let instance = self.lock_instance().as_ref().map(|i| i.id.clone());
        let Some(instance) = instance else {
            return Err(StoreError("no instance registered (not a server)".into()));
        };
        let now = epoch_ms(SystemTime::now());
        let mut tx = self.pool.begin().await?;
        // The registrar's row lock: concurrent logins of one registrar, from any instance,
        // count and insert one after the other.
        let locked = sqlx::query("UPDATE registrars SET lock_seq = lock_seq + 1 WHERE clid = $1")
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
        if locked.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(LoginOutcome::UnknownClient);
        }
        if let Some(limit) = limit {
            let live: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM sessions s JOIN instances i ON i.id = s.instance \
                 WHERE s.clid = $1 AND i.expires_ms > $2",
            )
            .bind(client_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            if count(live) >= limit {
                tx.rollback().await?;
                return Ok(LoginOutcome::SessionLimit {
                    limit,
                    live: count(live),
                });
            }
        }
        sqlx::query(
            "INSERT INTO sessions (instance, conn, clid, started_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(instance.as_str())
        .bind(conn as i64)
        .bind(client_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if let Some(i) = self.lock_instance().as_mut() {
            i.held.insert(conn, (client_id.to_owned(), now));
        }
        Ok(LoginOutcome::Accepted)
    }

    /// Releases connection `conn`'s session slot (whether or not this instance knows it holds
    /// one: a login cut short may have taken it).
    pub async fn release_session(&self, conn: u64) -> Result<()> {
        let instance = {
            let mut guard = self.lock_instance();
            let Some(i) = guard.as_mut() else {
                return Ok(());
            };
            i.held.remove(&conn);
            i.id.clone()
        };
        sqlx::query("DELETE FROM sessions WHERE instance = $1 AND conn = $2")
            .bind(instance)
            .bind(conn as i64)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    fn lock_instance(&self) -> MutexGuard<'_, Option<Instance>> {
        self.instance.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers this process as a running instance, alive for `ttl` unless renewed by
    /// [`Store::heartbeat`]. Returns the instance id.
    pub async fn register_instance(&self, ttl: Duration, info: &str) -> Result<String> {
        let mut raw = [0u8; 12];
        OsRng.fill_bytes(&mut raw);
        let id: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let now = epoch_ms(SystemTime::now());
        sqlx::query(
            "INSERT INTO instances (id, started_ms, expires_ms, info) VALUES ($1, $2, $3, $4)",
        )
        .bind(id.as_str())
        .bind(now)
        .bind(now + ttl.as_millis() as i64)
        .bind(info)
        .execute(&self.pool)
        .await?;
        *self.lock_instance() = Some(Instance {
            id: id.clone(),
            ttl,
            info: info.to_owned(),
            started_ms: now,
            held: HashMap::new(),
        });
        self.collect_dead(now).await?;
        Ok(id)
    }

    /// Renews this instance's expiry, and removes what dead instances left. If this instance
    /// was itself taken for dead (it stalled longer than its ttl), registers it again with the
    /// sessions it holds; returns true then.
    pub async fn heartbeat(&self) -> Result<bool> {
        let Some((id, ttl, info, started, held)) = self.lock_instance().as_ref().map(|i| {
            (
                i.id.clone(),
                i.ttl,
                i.info.clone(),
                i.started_ms,
                i.held.clone(),
            )
        }) else {
            return Ok(false);
        };
        let now = epoch_ms(SystemTime::now());
        let expires = now + ttl.as_millis() as i64;
        let done = sqlx::query("UPDATE instances SET expires_ms = $1 WHERE id = $2")
            .bind(expires)
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        let revived = done.rows_affected() == 0;
        if revived {
            let mut tx = self.pool.begin().await?;
            sqlx::query(
                "INSERT INTO instances (id, started_ms, expires_ms, info) VALUES ($1, $2, $3, $4)",
            )
            .bind(id.as_str())
            .bind(started)
            .bind(expires)
            .bind(info)
            .execute(&mut *tx)
            .await?;
            for (conn, (clid, since)) in held {
                sqlx::query(
                    "INSERT INTO sessions (instance, conn, clid, started_ms) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (instance, conn) DO NOTHING",
                )
                .bind(id.as_str())
                .bind(conn as i64)
                .bind(clid)
                .bind(since)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        }
        self.collect_dead(now).await?;
        Ok(revived)
    }

    /// Removes the instances whose expiry passed, and their sessions.
    async fn collect_dead(&self, now: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "DELETE FROM sessions WHERE NOT EXISTS \
             (SELECT 1 FROM instances i WHERE i.id = sessions.instance AND i.expires_ms > $1)",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM instances WHERE expires_ms <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// On a clean stop: removes this instance and its sessions.
    pub async fn unregister_instance(&self) -> Result<()> {
        let Some(i) = self.lock_instance().take() else {
            return Ok(());
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE instance = $1")
            .bind(i.id.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM instances WHERE id = $1")
            .bind(i.id.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    // -----------------------------------------------------------------------------------------
    // the sandbox back end's domains (sandbox.rs decides; these read and write)

    /// A sandbox domain by its (lower-case) name.
    pub async fn sandbox_domain(&self, name: &str) -> Result<Option<SandboxDomain>> {
        let row = sqlx::query(
            "SELECT name, roid, registrant, contacts, ns, status, clid, crid, cr_ms, up_id, \
                up_ms, ex_ms, tr_ms, auth_pw, tr_status, tr_re_id, tr_re_ms, tr_ac_id, \
                tr_ac_ms, tr_ex_ms, version \
             FROM sandbox_domains WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(SandboxDomain {
            name: r.try_get(0)?,
            roid: r.try_get(1)?,
            registrant: r.try_get(2)?,
            contacts: r.try_get(3)?,
            ns: r.try_get(4)?,
            status: r.try_get(5)?,
            clid: r.try_get(6)?,
            crid: r.try_get(7)?,
            cr_ms: r.try_get(8)?,
            up_id: r.try_get(9)?,
            up_ms: r.try_get(10)?,
            ex_ms: r.try_get(11)?,
            tr_ms: r.try_get(12)?,
            auth_pw: r.try_get(13)?,
            tr_status: r.try_get(14)?,
            tr_re_id: r.try_get(15)?,
            tr_re_ms: r.try_get(16)?,
            tr_ac_id: r.try_get(17)?,
            tr_ac_ms: r.try_get(18)?,
            tr_ex_ms: r.try_get(19)?,
            version: r.try_get(20)?,
        }))
    }

    /// Creates a sandbox domain (its `roid` and `version` are the store's); its roid, or
    /// `None` when the name exists.
    pub async fn sandbox_create_domain(
        &self,
        d: &SandboxDomain,
        roid_suffix: &str,
    ) -> Result<Option<String>> {
        let mut tx = self.pool.begin().await?;
        let n: i64 = sqlx::query_scalar(
            "UPDATE counters SET value = value + 1 WHERE name = 'domain_roid' RETURNING value",
        )
        .fetch_one(&mut *tx)
        .await?;
        let roid = format!("D{n}-{roid_suffix}");
        let done = sqlx::query(
            "INSERT INTO sandbox_domains (name, roid, registrant, contacts, ns, status, clid, \
                crid, cr_ms, up_id, up_ms, ex_ms, tr_ms, auth_pw, tr_status, tr_re_id, \
                tr_re_ms, tr_ac_id, tr_ac_ms, tr_ex_ms, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
                $17, $18, $19, $20, 0) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(d.name.as_str())
        .bind(roid.as_str())
        .bind(d.registrant.clone())
        .bind(d.contacts.as_str())
        .bind(d.ns.as_str())
        .bind(d.status.as_str())
        .bind(d.clid.as_str())
        .bind(d.crid.as_str())
        .bind(d.cr_ms)
        .bind(d.up_id.clone())
        .bind(d.up_ms)
        .bind(d.ex_ms)
        .bind(d.tr_ms)
        .bind(d.auth_pw.as_str())
        .bind(d.tr_status.clone())
        .bind(d.tr_re_id.clone())
        .bind(d.tr_re_ms)
        .bind(d.tr_ac_id.clone())
        .bind(d.tr_ac_ms)
        .bind(d.tr_ex_ms)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        tx.commit().await?;
        Ok(Some(roid))
    }

    /// Writes a sandbox domain read at `d.version`, and queues `messages` (clID, message),
    /// in one transaction; false (nothing written) when the domain changed or went meanwhile.
    pub async fn sandbox_save_domain(
        &self,
        d: &SandboxDomain,
        messages: &[(String, NewMessage)],
        now: SystemTime,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE sandbox_domains SET registrant = $1, contacts = $2, ns = $3, status = $4, \
                clid = $5, up_id = $6, up_ms = $7, ex_ms = $8, tr_ms = $9, auth_pw = $10, \
                tr_status = $11, tr_re_id = $12, tr_re_ms = $13, tr_ac_id = $14, \
                tr_ac_ms = $15, tr_ex_ms = $16, version = version + 1 \
             WHERE name = $17 AND version = $18",
        )
        .bind(d.registrant.clone())
        .bind(d.contacts.as_str())
        .bind(d.ns.as_str())
        .bind(d.status.as_str())
        .bind(d.clid.as_str())
        .bind(d.up_id.clone())
        .bind(d.up_ms)
        .bind(d.ex_ms)
        .bind(d.tr_ms)
        .bind(d.auth_pw.as_str())
        .bind(d.tr_status.clone())
        .bind(d.tr_re_id.clone())
        .bind(d.tr_re_ms)
        .bind(d.tr_ac_id.clone())
        .bind(d.tr_ac_ms)
        .bind(d.tr_ex_ms)
        .bind(d.name.as_str())
        .bind(d.version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        for (clid, m) in messages {
            // A registrar that is gone gets no message; the change stands.
            insert_message(&mut tx, clid, m, now).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Deletes a sandbox domain read at `version`; false when it changed or went meanwhile.
    pub async fn sandbox_delete_domain(&self, name: &str, version: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM sandbox_domains WHERE name = $1 AND version = $2")
            .bind(name)
            .bind(version)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// Queues a message inside `tx`; its id, or `None` when there is no such registrar (the
/// caller rolls back then).
async fn insert_message(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    client_id: &str,
    message: &NewMessage,
    now: SystemTime,
) -> Result<Option<u64>> {
    // In enqueue the counter row is the first write: it takes the write lock at once (SQLite)
    // or the row lock (PostgreSQL), and ids are never handed out twice.
    let id: i64 = sqlx::query_scalar(
        "UPDATE counters SET value = value + 1 WHERE name = 'message_id' RETURNING value",
    )
    .fetch_one(&mut **tx)
    .await?;
    let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrars WHERE clid = $1")
        .bind(client_id)
        .fetch_one(&mut **tx)
        .await?;
    if known == 0 {
        return Ok(None);
    }
    sqlx::query(
        "INSERT INTO messages (id, clid, queued_ms, lang, text, res_data) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(client_id)
    .bind(epoch_ms(now))
    .bind(message.lang.clone())
    .bind(message.text.as_str())
    .bind(message.res_data.clone())
    .execute(&mut **tx)
    .await?;
    Ok(Some(count(id)))
}

fn binding_of(sha: Option<String>, subject: Option<String>) -> Option<CertBinding> {
    match (sha, subject) {
        (Some(h), _) => Some(CertBinding::Sha256(h)),
        (None, Some(s)) => Some(CertBinding::Subject(s)),
        (None, None) => None,
    }
}

// ---------------------------------------------------------------------------------------------
// passwords

/// At most one Argon2 computation per core at a time: each takes 19 MiB and a core for tens of
/// milliseconds, so a burst of logins waits in line instead of taking every thread and the
/// memory of as many blocking threads.
async fn hashing_permit() -> Result<tokio::sync::SemaphorePermit<'static>> {
    static PERMITS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    PERMITS
        .get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            tokio::sync::Semaphore::new(cores)
        })
        .acquire()
        .await
        .map_err(|e| StoreError(format!("password hashing: {e}")))
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes: OWASP's recommendation), off the
/// async threads.
pub async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_owned();
    let _permit = hashing_permit().await?;
    tokio::task::spawn_blocking(move || hash_password_now(&password))
        .await
        .map_err(|e| StoreError(format!("password hashing failed: {e}")))?
}

fn hash_password_now(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError(format!("password hashing failed: {e}")))
}

async fn verify_password(hash: String, password: String) -> Result<bool> {
    let _permit = hashing_permit().await?;
    tokio::task::spawn_blocking(move || verify_password_now(&hash, &password))
        .await
        .map_err(|e| StoreError(format!("password check failed: {e}")))?
}

/// Argon2's working memory (19 MiB with the defaults), kept for the next login (at most one
/// per hashing permit). Allocated and freed at every login, it fragmented the allocator's
/// heap, which kept growing: about 60 KiB more resident memory per logged-in session, and
/// some 300 MiB after the first few hundred logins (docs/eppd-operations.md).
static ARGON2_MEMORY: std::sync::Mutex<Vec<Vec<argon2::Block>>> = std::sync::Mutex::new(Vec::new());

/// Checks `password` against a stored PHC string, in Argon2 memory reused across logins.
fn verify_password_now(hash: &str, password: &str) -> Result<bool> {
    use argon2::{Algorithm, Params, Version};
    let unreadable = |e: &dyn std::fmt::Display| {
        StoreError(format!("a stored password hash is unreadable: {e}"))
    };
    let parsed = PasswordHash::new(hash).map_err(|e| unreadable(&e))?;
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|e| unreadable(&e))?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).map_err(|e| unreadable(&e))?,
        None => Version::default(),
    };
    let params = Params::try_from(&parsed).map_err(|e| unreadable(&e))?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(unreadable(&"no salt or no hash"));
    };
    let mut salt_buf = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_buf).map_err(|e| unreadable(&e))?;
    let blocks_needed = params.block_count();
    let argon = Argon2::new(algorithm, version, params);
    let pool = || ARGON2_MEMORY.lock().unwrap_or_else(|e| e.into_inner());
    let mut blocks = pool()
        .pop()
        .filter(|b| b.len() == blocks_needed)
        .unwrap_or_else(|| vec![argon2::Block::default(); blocks_needed]);
    let mut out = vec![0u8; expected.len()];
    let r = argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut blocks);
    {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut kept = pool();
        if kept.len() < cores {
            kept.push(blocks);
        }
    }
    r.map_err(|e| StoreError(format!("password check failed: {e}")))?;
    // Output's comparison takes the same time whatever differs.
    Ok(argon2::password_hash::Output::new(&out).is_ok_and(|o| o == expected))
}

/// A hash of a random password, for logins with an unknown clID.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let mut raw = [0u8; 16];
        OsRng.fill_bytes(&mut raw);
        let pw: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        hash_password_now(&pw).unwrap_or_default()
    })
}

// ---------------------------------------------------------------------------------------------
// files

/// Creates `dir` (and its parents) readable by its owner only.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
        .map_err(|e| StoreError(format!("cannot create {}: {e}", dir.display())))
}

/// The database holds password hashes: owner only.
fn restrict_permissions(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_checked_in_reused_memory() {
        let hash = hash_password_now("secret-pw1").unwrap();
        for _ in 0..2 {
            assert_eq!(verify_password_now(&hash, "secret-pw1"), Ok(true));
            assert_eq!(verify_password_now(&hash, "secret-pw2"), Ok(false));
        }
        // Another cost (a hash made with other parameters) is checked as well.
        let params = argon2::Params::new(8 * 1024, 1, 1, None).unwrap();
        let other = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
            .hash_password(b"secret-pw1", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert_eq!(verify_password_now(&other, "secret-pw1"), Ok(true));
        assert_eq!(verify_password_now(&other, "secret-pw"), Ok(false));
        assert!(verify_password_now("$argon2id$v=19$garbage", "x").is_err());
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "eppd-store-test-{name}-{}-{}",
            std::process::id(),
            epoch_ms(SystemTime::now())
        ));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn msg(text: &str) -> NewMessage {
        NewMessage {
            text: text.into(),
            ..NewMessage::default()
        }
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://eppd:s3cret@127.0.0.1:5432/eppd?sslmode=disable"),
            "postgres://eppd:***@127.0.0.1:5432/eppd?sslmode=disable"
        );
        assert_eq!(
            redact_url("postgres://eppd@host/db"),
            "postgres://eppd:***@host/db"
        );
        assert_eq!(redact_url("postgres://host/db"), "postgres://host/db");
        assert_eq!(
            Location::from_flags(None, Path::new("d")).unwrap(),
            Location::Sqlite(PathBuf::from("d/eppd.sqlite3"))
        );
        assert_eq!(
            Location::from_flags(Some("sqlite:/x/y.db"), Path::new("d")).unwrap(),
            Location::Sqlite(PathBuf::from("/x/y.db"))
        );
        assert!(
            Location::from_flags(Some("mysql://a:b@c/d"), Path::new("d"))
                .unwrap_err()
                .contains("a:***@c/d")
        );
    }

    #[test]
    fn registrars_messages_and_sessions() {
        let dir = temp_dir("basic");
        rt().block_on(async {
            let loc = Location::Sqlite(dir.join("eppd.sqlite3"));
            let s = Store::open(&loc, 2).await.unwrap();
            let now = SystemTime::now();
            s.add_registrar("reg1", "secret-pw1", None, now)
                .await
                .unwrap();
            assert!(s
                .add_registrar("reg1", "other-pw1", None, now)
                .await
                .is_err());
            s.add_registrar("reg2", "secret-pw2", Some(1), now)
                .await
                .unwrap();
            assert_eq!(s.registrar_count().await.unwrap(), 2);

            // Not a server yet: a good login cannot take a slot.
            assert!(matches!(
                s.login("reg1", "secret-pw1", None, 1, None).await,
                LoginOutcome::Failed(_)
            ));
            s.register_instance(Duration::from_secs(30), "test")
                .await
                .unwrap();
            assert_eq!(
                s.login("reg1", "secret-pw1", None, 1, None).await,
                LoginOutcome::Accepted
            );
            assert_eq!(
                s.login("reg1", "wrong-pw1", None, 2, None).await,
                LoginOutcome::WrongPassword
            );
            assert_eq!(
                s.login("nobody", "secret-pw1", None, 2, None).await,
                LoginOutcome::UnknownClient
            );
            // reg2's own limit (1) beats the default (none).
            assert_eq!(
                s.login("reg2", "secret-pw2", None, 3, None).await,
                LoginOutcome::Accepted
            );
            assert_eq!(
                s.login("reg2", "secret-pw2", None, 4, None).await,
                LoginOutcome::SessionLimit { limit: 1, live: 1 }
            );
            s.release_session(3).await.unwrap();
            assert_eq!(
                s.login("reg2", "secret-pw2", None, 4, None).await,
                LoginOutcome::Accepted
            );
            // The default applies to reg1: one session is live already.
            assert!(matches!(
                s.login("reg1", "secret-pw1", None, 5, Some(1)).await,
                LoginOutcome::SessionLimit { .. }
            ));

            // Disabled, then bound to a certificate.
            assert!(s.set_disabled("reg1", true).await.unwrap());
            assert_eq!(
                s.login("reg1", "secret-pw1", None, 6, None).await,
                LoginOutcome::Disabled
            );
            assert!(s.set_disabled("reg1", false).await.unwrap());
            let cert = PeerCert {
                sha256: "ab".repeat(32),
                subject: "CN=reg1".into(),
            };
            let binding = CertBinding::Sha256(cert.sha256.clone());
            assert!(s.set_binding("reg1", Some(&binding)).await.unwrap());
            assert!(matches!(
                s.login("reg1", "secret-pw1", None, 6, None).await,
                LoginOutcome::CertificateMismatch {
                    presented: None,
                    ..
                }
            ));
            let other = PeerCert {
                sha256: "cd".repeat(32),
                subject: "CN=reg1".into(),
            };
            assert!(matches!(
                s.login("reg1", "secret-pw1", Some(&other), 6, None).await,
                LoginOutcome::CertificateMismatch { .. }
            ));
            assert_eq!(
                s.login("reg1", "secret-pw1", Some(&cert), 6, None).await,
                LoginOutcome::Accepted
            );
            let by_subject = CertBinding::Subject("CN=reg1".into());
            assert!(s.set_binding("reg1", Some(&by_subject)).await.unwrap());
            assert_eq!(
                s.login("reg1", "secret-pw1", Some(&other), 7, None).await,
                LoginOutcome::Accepted
            );
            assert!(!s.set_binding("nobody", None).await.unwrap());

            // Passwords.
            assert!(s.set_password("reg1", "changed-pw1").await.unwrap());
            assert_eq!(
                s.login("reg1", "secret-pw1", Some(&cert), 8, None).await,
                LoginOutcome::WrongPassword
            );
            assert!(!s.upsert_registrar("reg1", "again-pw1", now).await.unwrap());
            assert!(s.upsert_registrar("reg3", "third-pw1", now).await.unwrap());

            // Messages: FIFO per registrar, ids global and increasing.
            let a1 = s
                .enqueue("reg1", &msg("first"), now)
                .await
                .unwrap()
                .unwrap();
            let b1 = s
                .enqueue("reg2", &msg("other"), now)
                .await
                .unwrap()
                .unwrap();
            let a2 = s
                .enqueue(
                    "reg1",
                    &NewMessage {
                        text: "second".into(),
                        lang: Some("fr".into()),
                        res_data: Some("<x xmlns=\"urn:x\"/>".into()),
                    },
                    now,
                )
                .await
                .unwrap()
                .unwrap();
            assert_eq!(s.enqueue("nobody", &msg("x"), now).await.unwrap(), None);
            assert!(a1 < b1 && b1 < a2);
            let m = s.poll("reg1").await.unwrap().unwrap();
            assert_eq!((m.id, m.count, m.text.as_str()), (a1, 2, "first"));
            assert_eq!(s.ack("reg1", b1).await.unwrap(), None, "not reg1's");
            assert_eq!(s.ack("reg1", a1).await.unwrap(), Some(1));
            assert_eq!(s.ack("reg1", a1).await.unwrap(), None, "acked once");
            let m = s.poll("reg1").await.unwrap().unwrap();
            assert_eq!(m.id, a2);
            assert_eq!(m.lang.as_deref(), Some("fr"));
            assert_eq!(m.res_data.as_deref(), Some("<x xmlns=\"urn:x\"/>"));
            assert_eq!(s.queued("reg2").await.unwrap(), 1);

            let list = s.registrars(SystemTime::now()).await.unwrap();
            assert_eq!(
                list.iter()
                    .map(|r| r.client_id.as_str())
                    .collect::<Vec<_>>(),
                ["reg1", "reg2", "reg3"]
            );
            assert_eq!(list[0].queued, 1);
            assert_eq!(list[0].binding, Some(by_subject));
            assert_eq!(list[1].max_sessions, Some(1));
            assert_eq!(list[1].sessions, 1);
            s.unregister_instance().await.unwrap();
            assert_eq!(
                s.registrars(SystemTime::now()).await.unwrap()[1].sessions,
                0
            );
            s.close().await;

            // Reopened: everything is there, and ids go on from the last one handed out.
            let s = Store::open(&loc, 1).await.unwrap();
            assert_eq!(s.poll("reg1").await.unwrap().unwrap().id, a2);
            let a3 = s
                .enqueue("reg1", &msg("third"), now)
                .await
                .unwrap()
                .unwrap();
            assert!(a3 > a2);
            s.close().await;
        });
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_dead_instance_stops_counting() {
        let dir = temp_dir("dead");
        rt().block_on(async {
            let loc = Location::Sqlite(dir.join("eppd.sqlite3"));
            let a = Store::open(&loc, 1).await.unwrap();
            let b = Store::open(&loc, 1).await.unwrap();
            a.add_registrar("reg1", "secret-pw1", Some(1), SystemTime::now())
                .await
                .unwrap();
            a.register_instance(Duration::from_millis(1500), "a")
                .await
                .unwrap();
            b.register_instance(Duration::from_secs(30), "b")
                .await
                .unwrap();
            assert_eq!(
                a.login("reg1", "secret-pw1", None, 1, None).await,
                LoginOutcome::Accepted
            );
            assert!(matches!(
                b.login("reg1", "secret-pw1", None, 1, None).await,
                LoginOutcome::SessionLimit { .. }
            ));
            // a stops renewing: its session stops counting.
            tokio::time::sleep(Duration::from_millis(1600)).await;
            assert_eq!(
                b.login("reg1", "secret-pw1", None, 1, None).await,
                LoginOutcome::Accepted
            );
            b.heartbeat().await.unwrap();
            // a comes back: registered again with its session, which counts again.
            assert!(a.heartbeat().await.unwrap());
            let list = b.registrars(SystemTime::now()).await.unwrap();
            assert_eq!(list[0].sessions, 2);
        });
        let _ = std::fs::remove_dir_all(&dir);
    }
}
