//! Logging: timestamped lines on stderr, one per command (from libepp's transaction log) and
//! one per connection event. Writing never panics: a closed stderr loses the line.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::{Duration, SystemTime};

/// Writes one line to stderr; never panics (a closed stderr loses the line).
pub fn line(args: std::fmt::Arguments<'_>) {
    let mut s = String::with_capacity(160);
    s.push_str(&epp::format_rfc3339(SystemTime::now()));
    s.push(' ');
    let _ = s.write_fmt(args);
    s.push('\n');
    let _ = std::io::stderr().lock().write_all(s.as_bytes());
}

/// `log!("...", args)`: one timestamped line on stderr.
macro_rules! log {
    ($($t:tt)*) => { $crate::log::line(format_args!($($t)*)) };
}
pub(crate) use log;

/// Milliseconds with three decimals, for the log.
pub fn millis(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

/// Makes a client-supplied string safe for one `key=value` log field.
pub fn clean(s: &str) -> String {
    s.chars()
        .take(64)
        .map(|c| {
            if c.is_control() || c.is_whitespace() || c == '"' {
                '_'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_strips_controls() {
        assert_eq!(clean("reg1"), "reg1");
        assert_eq!(clean("a b\n\"c"), "a_b__c");
        assert_eq!(clean(&"x".repeat(100)).len(), 64);
    }

    #[test]
    fn millis_has_three_decimals() {
        assert_eq!(millis(Duration::from_micros(1500)), "1.500");
    }
}
