//! Wall-clock formatting. The core never reads a clock: every instant comes
//! from the host as a [`SystemTime`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Length of a timestamp written by [`write_rfc3339`]: `2026-11-22T15:52:44.123Z`.
pub(crate) const RFC3339_LEN: usize = 24;

/// Writes `t` as an RFC 3339 UTC timestamp with millisecond precision into
/// exactly [`RFC3339_LEN`] bytes. Instants before 1970 are written as the epoch;
/// years past 9999 are clamped to 9999-12-31T23:59:59.999Z.
pub(crate) fn write_rfc3339(t: SystemTime, out: &mut [u8; RFC3339_LEN]) {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    const MAX_SECS: u64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    let (secs, millis) = if d.as_secs() > MAX_SECS {
        (MAX_SECS, 999)
    } else {
        (d.as_secs(), d.subsec_millis())
    };
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, dd) = civil_from_days(days);
    let (hh, mm, ss) = (rem / 3600, rem / 60 % 60, rem % 60);
    let mut put = |at: usize, v: u64, width: usize| {
        let mut v = v;
        for i in (0..width).rev() {
            out[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, y as u64, 4);
    put(5, m as u64, 2);
    put(8, dd as u64, 2);
    put(11, hh, 2);
    put(14, mm, 2);
    put(17, ss, 2);
    put(20, millis as u64, 3);
    out[4] = b'-';
    out[7] = b'-';
    out[10] = b'T';
    out[13] = b':';
    out[16] = b':';
    out[19] = b'.';
    out[23] = b'Z';
}

/// Formats `t` as an RFC 3339 UTC timestamp with millisecond precision,
/// such as `2026-11-22T15:52:44.123Z`.
pub fn format_rfc3339(t: SystemTime) -> String {
    let mut b = [0u8; RFC3339_LEN];
    write_rfc3339(t, &mut b);
    String::from_utf8_lossy(&b).into_owned()
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64, ms: u64) -> String {
        format_rfc3339(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(ms))
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(at(1_795_362_764, 123), "2026-11-22T15:52:44.123Z");
        assert_eq!(at(4_102_444_799, 999), "2099-12-31T23:59:59.999Z");
        assert_eq!(at(u64::MAX / 4, 0), "9999-12-31T23:59:59.999Z");
        assert_eq!(
            format_rfc3339(UNIX_EPOCH - Duration::from_secs(10)),
            "1970-01-01T00:00:00.000Z"
        );
    }
}
