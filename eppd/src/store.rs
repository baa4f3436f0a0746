//! In-memory back end: the registrar table and the service message queues.
//!
//! Shared by every connection (a registrar may hold several sessions at once). Messages are
//! removed only by an acknowledgement, so a dropped connection loses nothing.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use epp::{AckAnswer, LoginAnswer, PollAnswer, PollMessage};

/// One queued service message.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Message {
    id: u64,
    queued_at: SystemTime,
    text: String,
}

#[derive(Debug, Default)]
struct Inner {
    /// clID -> password.
    passwords: HashMap<String, String>,
    /// clID -> messages, oldest first.
    queues: HashMap<String, VecDeque<Message>>,
    /// The last message id handed out (ids are global, never reused in one run).
    last_id: u64,
}

/// Registrars and their message queues, behind one lock (every operation is short).
#[derive(Debug, Default)]
pub struct Store {
    inner: Mutex<Inner>,
}

impl Store {
    pub fn new() -> Store {
        Store::default()
    }

    /// A poisoned lock only means another thread panicked while holding it; the data is a plain
    /// map that each operation leaves consistent, so keep serving rather than panic in turn.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds (or replaces) a registrar.
    pub fn add_registrar(&self, client_id: &str, password: &str) {
        self.lock()
            .passwords
            .insert(client_id.to_owned(), password.to_owned());
    }

    pub fn has_registrar(&self, client_id: &str) -> bool {
        self.lock().passwords.contains_key(client_id)
    }

    pub fn registrar_count(&self) -> usize {
        self.lock().passwords.len()
    }

    /// Checks a login's credentials.
    pub fn authenticate(&self, client_id: &str, password: &str) -> LoginAnswer {
        let inner = self.lock();
        match inner.passwords.get(client_id) {
            Some(stored) if constant_time_eq(stored.as_bytes(), password.as_bytes()) => {
                LoginAnswer::Accepted
            }
            Some(_) => LoginAnswer::BadCredentials,
            None => {
                // Same work for an unknown clID, so timing tells nothing about which exist.
                let _ = constant_time_eq(password.as_bytes(), password.as_bytes());
                LoginAnswer::BadCredentials
            }
        }
    }

    /// Sets a registrar's password (login with `<newPW>` that succeeded).
    pub fn set_password(&self, client_id: &str, password: &str) -> bool {
        match self.lock().passwords.get_mut(client_id) {
            Some(p) => {
                *p = password.to_owned();
                true
            }
            None => false,
        }
    }

    /// Queues a message for `client_id` at `now`; returns its id.
    pub fn enqueue(&self, client_id: &str, text: &str, now: SystemTime) -> u64 {
        let mut inner = self.lock();
        inner.last_id += 1;
        let id = inner.last_id;
        inner
            .queues
            .entry(client_id.to_owned())
            .or_default()
            .push_back(Message {
                id,
                queued_at: now,
                text: text.to_owned(),
            });
        id
    }

    /// `<poll op="req">`: the oldest message and the queue length, or empty.
    pub fn poll(&self, client_id: &str) -> PollAnswer {
        let inner = self.lock();
        match inner
            .queues
            .get(client_id)
            .and_then(|q| q.front().map(|m| (m, q.len())))
        {
            Some((m, count)) => PollAnswer::Message(PollMessage::new(
                m.id,
                count as u64,
                m.queued_at,
                m.text.clone(),
            )),
            None => PollAnswer::Empty,
        }
    }

    /// `<poll op="ack">`: removes `message_id` from `client_id`'s queue only.
    pub fn ack(&self, client_id: &str, message_id: u64) -> AckAnswer {
        let mut inner = self.lock();
        let Some(q) = inner.queues.get_mut(client_id) else {
            return AckAnswer::UnknownMessage;
        };
        let Some(i) = q.iter().position(|m| m.id == message_id) else {
            return AckAnswer::UnknownMessage;
        };
        q.remove(i);
        let remaining = q.len() as u64;
        if q.is_empty() {
            inner.queues.remove(client_id);
        }
        AckAnswer::Acked { remaining }
    }

    /// Messages waiting for `client_id`.
    pub fn queued(&self, client_id: &str) -> usize {
        self.lock().queues.get(client_id).map_or(0, VecDeque::len)
    }
}

/// Compares without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn t(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000 + s)
    }

    #[test]
    fn login_checks_password() {
        let s = Store::new();
        s.add_registrar("reg1", "secret-pw1");
        assert_eq!(s.authenticate("reg1", "secret-pw1"), LoginAnswer::Accepted);
        assert_eq!(
            s.authenticate("reg1", "secret-pw2"),
            LoginAnswer::BadCredentials
        );
        assert_eq!(
            s.authenticate("reg1", "secret-pw"),
            LoginAnswer::BadCredentials
        );
        assert_eq!(
            s.authenticate("reg1", "secret-pw11"),
            LoginAnswer::BadCredentials
        );
        assert_eq!(
            s.authenticate("nobody", "secret-pw1"),
            LoginAnswer::BadCredentials
        );
        assert!(s.set_password("reg1", "new-secret"));
        assert!(!s.set_password("nobody", "new-secret"));
        assert_eq!(
            s.authenticate("reg1", "secret-pw1"),
            LoginAnswer::BadCredentials
        );
        assert_eq!(s.authenticate("reg1", "new-secret"), LoginAnswer::Accepted);
    }

    #[test]
    fn queues_are_fifo_per_registrar() {
        let s = Store::new();
        let a1 = s.enqueue("a", "first", t(1));
        let b1 = s.enqueue("b", "other", t(2));
        let a2 = s.enqueue("a", "second", t(3));
        assert!(a1 < b1 && b1 < a2);
        match s.poll("a") {
            PollAnswer::Message(m) => {
                assert_eq!((m.id, m.count, m.text.as_str()), (a1, 2, "first"));
                assert_eq!(m.queued_at, t(1));
            }
            other => panic!("{other:?}"),
        }
        // Polling does not dequeue.
        assert!(matches!(s.poll("a"), PollAnswer::Message(m) if m.id == a1));
        // Another registrar's message is unknown to this one.
        assert_eq!(s.ack("a", b1), AckAnswer::UnknownMessage);
        assert_eq!(s.ack("c", b1), AckAnswer::UnknownMessage);
        assert_eq!(s.ack("a", a1), AckAnswer::Acked { remaining: 1 });
        assert_eq!(s.ack("a", a1), AckAnswer::UnknownMessage);
        assert!(matches!(s.poll("a"), PollAnswer::Message(m) if m.id == a2 && m.count == 1));
        assert_eq!(s.ack("a", a2), AckAnswer::Acked { remaining: 0 });
        assert_eq!(s.poll("a"), PollAnswer::Empty);
        assert_eq!(s.queued("b"), 1);
        assert_eq!(s.poll("nobody"), PollAnswer::Empty);
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"ab", b"abc"));
        assert!(!constant_time_eq(b"ab\0", b"ab"));
    }
}
