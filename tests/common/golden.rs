//! What the three transcript suites (server, client, ETP) share: the
//! script-line helpers, the frame and field escapes of transcripts, and
//! the golden loop that runs every script of a folder in two ways and
//! compares the result with its `.transcript`.
//!
//! Included with `#[path = "common/golden.rs"] mod golden;` so that each
//! suite stays one test binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A decimal number of a script line; `what` names it in the error.
pub fn parse_u64(s: &str, what: &str) -> Result<u64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what}: {s:?} is not a decimal number"));
    }
    s.parse().map_err(|e| format!("{what}: {s:?}: {e}"))
}

/// [`parse_u64`] for a count or an index.
pub fn parse_usize(s: &str, what: &str) -> Result<usize, String> {
    let n = parse_u64(s, what)?;
    usize::try_from(n).map_err(|e| format!("{what}: {e}"))
}

/// The instant `ms` milliseconds after the Unix epoch (scripts count time so).
pub fn instant(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

/// Splits `s` at its first space: (word, rest); rest is "" without a space.
pub fn word(s: &str) -> (&str, &str) {
    s.split_once(' ').unwrap_or((s, ""))
}

/// `xml` as an RFC 5734 frame.
pub fn frame_bytes(xml: &str) -> Vec<u8> {
    let mut v = ((xml.len() + 4) as u32).to_be_bytes().to_vec();
    v.extend_from_slice(xml.as_bytes());
    v
}

/// The bytes of a `raw` step: hex digits, spaces allowed between them.
pub fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = s.bytes().filter(|&b| b != b' ').collect();
    if digits.is_empty() || digits.len() % 2 != 0 {
        return Err(format!(
            "raw: {s:?} is not an even, non-zero number of hex digits"
        ));
    }
    digits
        .chunks(2)
        .map(|p| {
            let h = std::str::from_utf8(p).map_err(|e| e.to_string())?;
            u8::from_str_radix(h, 16).map_err(|_| format!("raw: {h:?} is not a hex byte"))
        })
        .collect()
}

/// Escapes a frame's XML for one transcript line: `\` and line breaks.
pub fn escape_frame(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            c => o.push(c),
        }
    }
    o
}

/// Escapes a field value so that the fields of a line split at spaces.
pub fn escape_field(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            ' ' => o.push_str("\\s"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\x7f' => o.push_str(&format!("\\x{:02x}", c as u32)),
            c => o.push(c),
        }
    }
    o
}

/// An optional field: escaped, or `-`.
pub fn opt_field(s: Option<&str>) -> String {
    s.map_or_else(|| "-".to_string(), escape_field)
}

/// Lower-case hex of `bytes`, no separators.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Transcript lines for output bytes, each starting with `marker`: one per
/// complete UTF-8 frame, `raw` hex for anything else (and the rest).
pub fn frame_lines(mut bytes: &[u8], marker: char, out: &mut String) {
    while !bytes.is_empty() {
        let len = match bytes.get(..4) {
            Some(h) => u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as usize,
            None => usize::MAX,
        };
        if len < 4 || len > bytes.len() {
            out.push_str(&format!("{marker} raw {}\n", hex(bytes)));
            return;
        }
        match std::str::from_utf8(&bytes[4..len]) {
            Ok(xml) => out.push_str(&format!("{marker} {}\n", escape_frame(xml))),
            Err(_) => out.push_str(&format!("{marker} raw {}\n", hex(&bytes[..len]))),
        }
        bytes = &bytes[len..];
    }
}

/// `tests/<name>` of this repository.
pub fn scripts_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

/// The first difference between two transcripts, with a little context and
/// a pointer at the first differing character.
pub fn first_difference(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let i = (0..e.len().max(a.len()))
        .find(|&i| e.get(i) != a.get(i))
        .unwrap_or(0);
    let mut d = format!("@@ line {} @@\n", i + 1);
    for l in &e[i.saturating_sub(3)..i.min(e.len())] {
        d.push_str(&format!(" {l}\n"));
    }
    match e.get(i) {
        Some(l) => d.push_str(&format!("-{l}\n")),
        None => d.push_str("-(end of transcript)\n"),
    }
    match a.get(i) {
        Some(l) => d.push_str(&format!("+{l}\n")),
        None => d.push_str("+(end of transcript)\n"),
    }
    if let (Some(x), Some(y)) = (e.get(i), a.get(i)) {
        let x: Vec<char> = x.chars().collect();
        let y: Vec<char> = y.chars().collect();
        let c = (0..x.len().max(y.len()))
            .find(|&c| x.get(c) != y.get(c))
            .unwrap_or(0);
        let window = |v: &[char]| -> String {
            v[c.saturating_sub(40).min(v.len())..(c + 40).min(v.len())]
                .iter()
                .collect()
        };
        d.push_str(&format!(
            "first difference at character {}:\n-...{}...\n+...{}...\n",
            c + 1,
            window(&x),
            window(&y)
        ));
    }
    d
}

/// Runs a parsed script to its transcript.
pub type Runner<'a, S> = &'a dyn Fn(&S) -> Result<String, String>;

/// How a suite runs one script: parsed once, then run the reference way
/// and a second way that must give the same transcript.
pub struct Suite<'a, S> {
    /// The folder under tests/.
    pub dir: &'a str,
    /// The environment variable that rewrites the transcripts when "1".
    pub bless_var: &'a str,
    /// The fewest scripts the folder must hold.
    pub min_scripts: usize,
    /// Parses a script's text.
    pub parse: &'a dyn Fn(&str) -> Result<S, String>,
    /// Runs it the reference way (the transcript written by blessing).
    pub reference: Runner<'a, S>,
    /// Runs it the other way, and how that way is named in a failure.
    pub other: (&'a str, Runner<'a, S>),
}

impl<S> Suite<'_, S> {
    /// Runs every `.script` of the folder both ways and compares with its
    /// `.transcript` (or writes it when blessing); a transcript without
    /// its script is stale. Panics with every failure at once.
    pub fn check(&self) {
        let dir = scripts_dir(self.dir);
        let bless = std::env::var(self.bless_var).is_ok_and(|v| v == "1");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| {
                let name = e.ok()?.file_name().into_string().ok()?;
                Some(name.strip_suffix(".script")?.to_string())
            })
            .collect();
        names.sort();
        assert!(
            names.len() >= self.min_scripts.max(1),
            "only {} scripts in {}",
            names.len(),
            dir.display()
        );
        let (other_name, other) = self.other;
        let mut failures = Vec::new();
        for name in &names {
            let script_path = dir.join(format!("{name}.script"));
            let transcript_path = dir.join(format!("{name}.transcript"));
            let text = std::fs::read_to_string(&script_path)
                .unwrap_or_else(|e| panic!("{}: {e}", script_path.display()));
            if !text.starts_with('#') {
                failures.push(format!(
                    "{name}.script: a script starts with comments saying what it covers"
                ));
            }
            let script = match (self.parse)(&text) {
                Ok(s) => s,
                Err(e) => {
                    failures.push(format!("{name}.script: {e}"));
                    continue;
                }
            };
            let actual = match (self.reference)(&script) {
                Ok(t) => t,
                Err(e) => {
                    failures.push(format!("{name}.script: {e}"));
                    continue;
                }
            };
            match other(&script) {
                Ok(t) if t == actual => {}
                Ok(t) => failures.push(format!(
                    "{name}.script: {other_name}, the transcript differs \
                     (- reference, + {other_name}):\n{}",
                    first_difference(&actual, &t)
                )),
                Err(e) => failures.push(format!("{name}.script ({other_name}): {e}")),
            }
            if bless {
                std::fs::write(&transcript_path, &actual)
                    .unwrap_or_else(|e| panic!("{}: {e}", transcript_path.display()));
                continue;
            }
            match std::fs::read_to_string(&transcript_path) {
                Ok(expected) if expected == actual => {}
                Ok(expected) => failures.push(format!(
                    "{name}.script: the transcript differs from {name}.transcript \
                     (- golden, + this run):\n{}",
                    first_difference(&expected, &actual)
                )),
                Err(e) => failures.push(format!(
                    "{name}.script: {}: {e} ({}=1 writes it)",
                    transcript_path.display(),
                    self.bless_var
                )),
            }
        }
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".transcript") {
                if !names.iter().any(|n| n == stem) {
                    failures.push(format!("{name}: no {stem}.script beside it"));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} scripts failed:\n\n{}",
            failures.len(),
            names.len(),
            failures.join("\n\n")
        );
    }
}
