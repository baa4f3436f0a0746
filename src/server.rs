//! Server-wide state that sessions share: the svTRID generator and the
//! per-registrar session counter. The configuration itself is immutable
//! data ([`ServerConfig`]); this is what changes while a server runs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;

use crate::config::ServerConfig;
use crate::trid::{push_decimal, ServerTransactionId};

/// Servers created by this process, so that two created in the same
/// millisecond (a reload, several listeners) still get distinct svTRID
/// epochs.
static CREATED: AtomicU64 = AtomicU64::new(0);

/// One running server: its configuration and the state its sessions share.
/// Create it once with [`Server::new`] and pass it to every
/// [`Session::new`](crate::Session::new).
#[derive(Debug)]
pub struct Server {
    config: Arc<ServerConfig>,
    /// `{prefix}-{epoch}-`.
    sv_trid_head: Arc<str>,
    sv_trid_seq: AtomicU64,
    registrar_sessions: Option<Arc<RegistrarSessions>>,
}

impl Server {
    /// A server on `config` started at `now`. svTRIDs are
    /// `{prefix}-{epoch}-{sequence}`; the epoch is the configuration's
    /// ([`ServerConfigBuilder::sv_trid_epoch`]) or else `now` in
    /// milliseconds times 1000 plus this server's number in the process
    /// modulo 1000, so svTRIDs stay unique across restarts.
    ///
    /// [`ServerConfigBuilder::sv_trid_epoch`]: crate::ServerConfigBuilder::sv_trid_epoch
    pub fn new(config: Arc<ServerConfig>, now: SystemTime) -> Arc<Server> {
        Server::build(config, None, now)
    }

    /// Like [`Server::new`], with a per-registrar session limit enforced
    /// through `sessions` (which several servers may share).
    pub fn with_registrar_sessions(
        config: Arc<ServerConfig>,
        sessions: Arc<RegistrarSessions>,
        now: SystemTime,
    ) -> Arc<Server> {
        Server::build(config, Some(sessions), now)
    }

    fn build(
        config: Arc<ServerConfig>,
        registrar_sessions: Option<Arc<RegistrarSessions>>,
        now: SystemTime,
    ) -> Arc<Server> {
        let ordinal = CREATED.fetch_add(1, Ordering::Relaxed);
        let epoch = config.sv_trid_epoch.unwrap_or_else(|| {
            let ms = now
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64);
            ms.saturating_mul(1000).saturating_add(ordinal % 1000)
        });
        let mut head = config.sv_trid_prefix.as_bytes().to_vec();
        head.push(b'-');
        push_decimal(&mut head, epoch);
        head.push(b'-');
        let head: Arc<str> = Arc::from(String::from_utf8_lossy(&head));
        Arc::new(Server {
            config,
            sv_trid_head: head,
            sv_trid_seq: AtomicU64::new(1),
            registrar_sessions,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Arc<ServerConfig> {
        &self.config
    }

    /// The per-registrar session counter, if one is enforced.
    pub fn registrar_sessions(&self) -> Option<&Arc<RegistrarSessions>> {
        self.registrar_sessions.as_ref()
    }

    /// Takes the next svTRID sequence number.
    pub(crate) fn next_sv_trid(&self) -> u64 {
        self.sv_trid_seq.fetch_add(1, Ordering::Relaxed)
    }

    /// Appends svTRID number `seq`.
    pub(crate) fn write_sv_trid(&self, out: &mut Vec<u8>, seq: u64) {
        out.extend_from_slice(self.sv_trid_head.as_bytes());
        push_decimal(out, seq);
    }

    /// svTRID number `seq`, as handed to the host with a request.
    pub(crate) fn sv_trid(&self, seq: u64) -> ServerTransactionId {
        ServerTransactionId::new(Arc::clone(&self.sv_trid_head), seq)
    }

    /// svTRID number `seq` as a string.
    pub(crate) fn sv_trid_string(&self, seq: u64) -> String {
        let mut v = Vec::with_capacity(self.sv_trid_head.len() + 20);
        self.write_sv_trid(&mut v, seq);
        String::from_utf8(v).unwrap_or_default()
    }
}

/// Counts logged-in sessions per registrar, shared by every session (and
/// thread) of a server, to enforce a per-registrar session limit (2502).
#[derive(Debug)]
pub struct RegistrarSessions {
    max_per_client: usize,
    counts: Mutex<HashMap<String, usize>>,
}

impl RegistrarSessions {
    /// A counter allowing `max_per_client` concurrent sessions per clID.
    pub fn new(max_per_client: usize) -> Arc<RegistrarSessions> {
        Arc::new(RegistrarSessions {
            max_per_client,
            counts: Mutex::new(HashMap::new()),
        })
    }

    /// Sessions `client_id` has now.
    pub fn count(&self, client_id: &str) -> usize {
        self.counts.lock().get(client_id).copied().unwrap_or(0)
    }

    /// The limit per registrar.
    pub fn max_per_client(&self) -> usize {
        self.max_per_client
    }

    /// Takes a slot for `client_id`, or `None` when it has its maximum.
    pub(crate) fn acquire(self: &Arc<Self>, client_id: &str) -> Option<SessionSlot> {
        let mut m = self.counts.lock();
        let n = m.entry(client_id.to_owned()).or_insert(0);
        if *n >= self.max_per_client {
            if *n == 0 {
                m.remove(client_id);
            }
            return None;
        }
        *n += 1;
        Some(SessionSlot {
            owner: Arc::clone(self),
            client_id: client_id.to_owned(),
        })
    }
}

/// A held slot in [`RegistrarSessions`]; released on drop.
#[derive(Debug)]
pub(crate) struct SessionSlot {
    owner: Arc<RegistrarSessions>,
    client_id: String,
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        let mut m = self.owner.counts.lock();
        if let Some(n) = m.get_mut(&self.client_id) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.client_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn registrar_sessions_count_and_release() {
        let s = RegistrarSessions::new(2);
        let a = s.acquire("r1").unwrap();
        let b = s.acquire("r1").unwrap();
        assert!(s.acquire("r1").is_none());
        assert!(s.acquire("r2").is_some());
        assert_eq!(s.count("r1"), 2);
        drop(a);
        assert_eq!(s.count("r1"), 1);
        drop(b);
        assert_eq!(s.count("r1"), 0);
    }

    #[test]
    fn sv_trids_use_the_configured_or_the_start_epoch() {
        let mut b = ServerConfig::builder("Example EPP server");
        b.object_uri("urn:x").sv_trid_prefix("EX");
        let t = UNIX_EPOCH + Duration::from_millis(5);
        let s = Server::new(b.build().unwrap(), t);
        let id = s.sv_trid_string(s.next_sv_trid());
        assert!(id.starts_with("EX-5") && id.ends_with("-1"), "{id}");
        b.sv_trid_epoch(42);
        let s = Server::new(b.build().unwrap(), t);
        assert_eq!(s.sv_trid_string(s.next_sv_trid()), "EX-42-1");
    }
}
