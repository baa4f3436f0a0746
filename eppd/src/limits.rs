//! Connection-level limits: connections per address before login, the explicit refusal (2502
//! then close), failed logins per address (a lockout: 2501 then close), commands per second
//! per registrar (by delaying), and the open-file limit.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Connections not logged in yet, per client address.
#[derive(Debug)]
pub struct PreLogin {
    max: u32,
    counts: Mutex<HashMap<IpAddr, u32>>,
}

impl PreLogin {
    pub fn new(max: u32) -> Arc<PreLogin> {
        Arc::new(PreLogin {
            max,
            counts: Mutex::new(HashMap::new()),
        })
    }

    /// A place for one more connection from `ip` before login, or `Err(the limit)`.
    pub fn enter(self: &Arc<Self>, ip: IpAddr) -> Result<PreLoginTicket, u32> {
        let ip = ip.to_canonical();
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let n = counts.entry(ip).or_insert(0);
        if *n >= self.max {
            return Err(self.max);
        }
        *n += 1;
        Ok(PreLoginTicket {
            owner: Some(Arc::clone(self)),
            ip,
        })
    }

    fn leave(&self, ip: IpAddr) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = counts.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&ip);
            }
        }
    }

    #[cfg(test)]
    fn count(&self, ip: IpAddr) -> u32 {
        let counts = self.counts.lock().unwrap();
        counts.get(&ip).copied().unwrap_or(0)
    }
}

/// A connection counted against its address until it logs in (or ends).
#[derive(Debug)]
pub struct PreLoginTicket {
    owner: Option<Arc<PreLogin>>,
    ip: IpAddr,
}

impl PreLoginTicket {
    /// The connection logged in: it no longer counts.
    pub fn release(&mut self) {
        if let Some(owner) = self.owner.take() {
            owner.leave(self.ip);
        }
    }
}

impl Drop for PreLoginTicket {
    fn drop(&mut self) {
        self.release();
    }
}

/// `--max-commands-per-second`: a rate per registrar (shared by its connections in this eppd),
/// with a burst of one second's worth. Over it, a connection reads no more until the
/// registrar is back under the rate: commands are delayed, never refused (RFC 5730 has 2502
/// only for session limits).
#[derive(Debug)]
pub struct CommandRate {
    interval: Duration,
    burst: Duration,
    /// Per registrar, when its commands so far would have been spread at the rate (GCRA's
    /// theoretical arrival time).
    due: Mutex<HashMap<String, Instant>>,
}

/// Registrars remembered before the table is pruned of those under the rate.
const RATE_KEYS: usize = 1024;

impl CommandRate {
    pub fn new(per_second: u32) -> CommandRate {
        let per_second = per_second.max(1);
        CommandRate {
            interval: Duration::from_secs(1) / per_second,
            burst: Duration::from_secs(1),
            due: Mutex::new(HashMap::new()),
        }
    }

    /// Counts `n` commands of `client_id` at `now`; how long its connection should wait before
    /// reading more (zero when under the rate).
    pub fn charge(&self, client_id: &str, n: u32, now: Instant) -> Duration {
        let mut due = self.due.lock().unwrap_or_else(|e| e.into_inner());
        if due.len() >= RATE_KEYS && !due.contains_key(client_id) {
            due.retain(|_, t| *t > now);
        }
        let t = due.entry(client_id.to_owned()).or_insert(now);
        let from = (*t).max(now);
        *t = from + self.interval * n;
        t.checked_sub(self.burst).map_or(Duration::ZERO, |allowed| {
            allowed.saturating_duration_since(now)
        })
    }
}

/// `--max-failed-logins-per-ip` within `--failed-login-window`: failed logins per client
/// address. An address with `max` failures younger than the window is locked out until the
/// oldest of them is a window old.
#[derive(Debug)]
pub struct FailedLogins {
    max: usize,
    window: Duration,
    /// Per address, the times of its failures younger than the window (at most `max`).
    failures: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

/// Addresses remembered; past it, the table is pruned of failures older than the window, and
/// when it is still full a new address's failures are not counted (logged by the caller).
const FAILED_LOGIN_KEYS: usize = 65_536;

impl FailedLogins {
    pub fn new(max: u32, window: Duration) -> FailedLogins {
        FailedLogins {
            max: max.max(1) as usize,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a failed login from `ip` at `now`; false when it could not be counted (the
    /// table is full of addresses with recent failures).
    pub fn record(&self, ip: IpAddr, now: Instant) -> bool {
        let ip = ip.to_canonical();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() >= FAILED_LOGIN_KEYS && !failures.contains_key(&ip) {
            let window = self.window;
            failures.retain(|_, times| {
                times.retain(|t| now.saturating_duration_since(*t) < window);
                !times.is_empty()
            });
            if failures.len() >= FAILED_LOGIN_KEYS {
                return false;
            }
        }
        let times = failures.entry(ip).or_default();
        times.push_back(now);
        while times.len() > self.max {
            times.pop_front();
        }
        true
    }

    /// Whether `ip` is locked out at `now`: `Some(how long still)`.
    pub fn locked(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        let ip = ip.to_canonical();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let times = failures.get_mut(&ip)?;
        while times
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
        if times.is_empty() {
            failures.remove(&ip);
            return None;
        }
        (times.len() >= self.max).then(|| {
            (times[0] + self.window)
                .saturating_duration_since(now)
                .max(Duration::from_secs(1))
        })
    }
}

/// Why a connection is refused before its greeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Too many connections (all, or from the address before login): 2502.
    SessionLimit,
    /// The address is locked out for failed logins: 2501.
    LockedOut,
}

/// An EPP response refusing a connection, framed (RFC 5734), sent instead of the greeting:
/// 2502 (RFC 5730: "Session limit exceeded; server closing connection") or 2501
/// ("Authentication error; server closing connection").
pub fn refusal_frame_for(why: Refusal, conn: u64) -> Vec<u8> {
    let epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (code, msg) = match why {
        Refusal::SessionLimit => (2502, "Session limit exceeded; server closing connection"),
        Refusal::LockedOut => (2501, "Authentication error; server closing connection"),
    };
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\
         <epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><response>\
         <result code=\"{code}\"><msg>{msg}</msg>\
         </result><trID><svTRID>eppd-refused-{epoch}-{conn}</svTRID></trID></response></epp>"
    );
    let mut out = Vec::with_capacity(xml.len() + 4);
    out.extend_from_slice(&((xml.len() + 4) as u32).to_be_bytes());
    out.extend_from_slice(xml.as_bytes());
    out
}

/// How long a refusal may take (write, close, drain).
pub const REFUSAL_TIME: Duration = Duration::from_secs(2);

/// Writes the refusal, closes our side, and reads what the peer still sends for a moment (so
/// that the close is not a reset that destroys the response).
pub async fn refuse<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S, why: Refusal, conn: u64) {
    let frame = refusal_frame_for(why, conn);
    let _ = tokio::time::timeout(REFUSAL_TIME, async {
        if stream.write_all(&frame).await.is_ok() && stream.shutdown().await.is_ok() {
            let mut buf = [0u8; 512];
            let mut total = 0;
            while total < 64 * 1024 {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => total += n,
                }
            }
        }
    })
    .await;
}

/// Raises the soft limit on open files to the hard limit when it is below `need`; returns a
/// line for the log, and whether it falls short.
#[cfg(unix)]
pub fn raise_open_files(need: u64) -> (u64, String, bool) {
    use rlimit::Resource;
    let (soft, hard) = match Resource::NOFILE.get() {
        Ok(l) => l,
        Err(e) => return (0, format!("cannot read the open-file limit: {e}"), false),
    };
    let mut now = soft;
    let mut note = String::new();
    if soft < need && soft < hard {
        // The kernel refuses more than nr_open; "unlimited" is no usable number of files.
        let target = if hard == rlimit::INFINITY {
            need.max(soft)
        } else {
            hard
        };
        match Resource::NOFILE.set(target, hard) {
            Ok(()) => {
                now = target;
                note = format!(" (raised from {soft})");
            }
            Err(e) => note = format!(" (raising it to {target} failed: {e})"),
        }
    }
    let hard_s = if hard == rlimit::INFINITY {
        "unlimited".to_string()
    } else {
        hard.to_string()
    };
    let short = now < need;
    let line = if short {
        format!(
            "open files: limit {now}{note}, hard limit {hard_s}, below the {need} this \
             configuration may need (--max-connections and the rest): connections beyond it \
             will fail; raise the hard limit (ulimit -Hn, systemd LimitNOFILE=)"
        )
    } else {
        format!("open files: limit {now}{note}, hard limit {hard_s}, this configuration needs up to {need}")
    };
    (now, line, short)
}

#[cfg(not(unix))]
pub fn raise_open_files(_need: u64) -> (u64, String, bool) {
    (
        0,
        "open files: limit not managed on this platform".into(),
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pre_login_counts_per_address() {
        let p = PreLogin::new(2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        let c: IpAddr = "192.0.2.2".parse().unwrap();
        let mut t1 = p.enter(a).unwrap();
        let t2 = p.enter(b).unwrap();
        assert_eq!(
            p.enter(a).unwrap_err(),
            2,
            "a v4-mapped address is the same"
        );
        let t3 = p.enter(c).unwrap();
        t1.release();
        t1.release();
        assert_eq!(p.count(a), 1);
        let t4 = p.enter(a).unwrap();
        drop((t2, t3, t4));
        assert_eq!(p.count(a), 0);
        assert!(p.counts.lock().unwrap().is_empty());
    }

    #[test]
    fn command_rate_allows_a_burst_then_spreads() {
        let r = CommandRate::new(10);
        let t = Instant::now();
        assert_eq!(
            r.charge("reg1", 10, t),
            Duration::ZERO,
            "one second's burst"
        );
        assert_eq!(r.charge("reg1", 1, t), Duration::from_millis(100));
        assert_eq!(r.charge("reg2", 5, t), Duration::ZERO, "per registrar");
        // Two seconds later, the registrar is under the rate again.
        assert_eq!(
            r.charge("reg1", 1, t + Duration::from_secs(2)),
            Duration::ZERO
        );
    }

    #[test]
    fn failed_logins_lock_an_address_out_for_the_window() {
        let f = FailedLogins::new(3, Duration::from_secs(10));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let a6: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let t = Instant::now();
        assert!(f.record(a, t));
        assert!(f.record(a6, t + Duration::from_secs(1)));
        assert_eq!(f.locked(a, t + Duration::from_secs(2)), None);
        assert!(f.record(a, t + Duration::from_secs(2)));
        assert_eq!(
            f.locked(a6, t + Duration::from_secs(2)),
            Some(Duration::from_secs(8)),
            "a v4-mapped address is the same"
        );
        assert_eq!(f.locked(b, t + Duration::from_secs(2)), None, "per address");
        // The oldest failure leaves the window: unlocked.
        assert_eq!(f.locked(a, t + Duration::from_secs(10)), None);
        assert_eq!(f.locked(a, t + Duration::from_secs(20)), None);
        assert!(f.failures.lock().unwrap().is_empty());
    }

    #[test]
    fn lockout_refusal_is_a_framed_2501() {
        let f = refusal_frame_for(Refusal::LockedOut, 9);
        let len = u32::from_be_bytes([f[0], f[1], f[2], f[3]]) as usize;
        assert_eq!(len, f.len());
        let xml = std::str::from_utf8(&f[4..]).unwrap();
        assert!(
            xml.contains(
                "<result code=\"2501\"><msg>Authentication error; server closing \
                 connection</msg></result>"
            ),
            "{xml}"
        );
    }

    #[test]
    fn refusal_is_a_framed_2502() {
        let f = refusal_frame_for(Refusal::SessionLimit, 7);
        let len = u32::from_be_bytes([f[0], f[1], f[2], f[3]]) as usize;
        assert_eq!(len, f.len());
        let xml = std::str::from_utf8(&f[4..]).unwrap();
        assert!(xml.contains("<result code=\"2502\">"), "{xml}");
        assert!(xml.contains("<svTRID>eppd-refused-"), "{xml}");
    }
}
