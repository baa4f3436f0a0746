//! The fuzz targets' bodies under stable `cargo test`: every input the
//! fuzzers found that broke something (each fixed; the input inline, with
//! what it broke), and a replay of inputs built from the test scripts the
//! way `fuzz/seed.py` builds the seed corpora, plus a fixed sample of
//! structured inputs. The bodies are `fuzz/harness/*.rs`, the code
//! cargo-fuzz runs (`fuzz/run.sh`, nightly); this file needs no nightly.
#![cfg(feature = "capi")]

#[path = "../fuzz/harness/mod.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn tests_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(sub)
}

/// The lines of every `.script` under `tests/<sub>`, by name.
fn scripts(sub: &str) -> Vec<(String, Vec<String>)> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(tests_dir(sub))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "script"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                text.lines().map(str::to_owned).collect(),
            )
        })
        .collect()
}

fn frame(xml: &str) -> Vec<u8> {
    let mut f = ((xml.len() + 4) as u32).to_be_bytes().to_vec();
    f.extend_from_slice(xml.as_bytes());
    f
}

fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| *b != b' ').collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// What a script's peer sends: its `keyword` lines framed, `split` lines
/// framed, `raw` lines as bytes.
fn wire(lines: &[String], keyword: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for line in lines {
        let (kw, rest) = line.split_once(' ').unwrap_or((line, ""));
        if kw == keyword {
            out.extend(frame(rest));
        } else if kw == "split" {
            out.extend(frame(rest.split_once(' ').map_or("", |x| x.1)));
        } else if kw == "raw" {
            out.extend(hex(rest));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Inputs the fuzzers found (none has broken libepp so far; see
// docs/robustness.md, "Fuzzing").
// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// Replays of the seeds
// ---------------------------------------------------------------------------

#[test]
fn server_bytes_replays_every_session_script() {
    for (name, lines) in scripts("scripts") {
        let w = wire(&lines, "frame");
        for prefix in [
            [0u8, 0, 0],
            [5, 0, 1],
            [0x1f, 0x12, 0x34],
            [0x0c, 0xff, 0x00],
        ] {
            let mut input = prefix.to_vec();
            input.extend_from_slice(&w);
            let r = std::panic::catch_unwind(|| harness::server::server_bytes(&input));
            assert!(r.is_ok(), "server_bytes on {name} with {prefix:?}");
        }
    }
}

#[test]
fn server_frames_replays_a_fixed_sample() {
    let base = harness::server::script_frames(&tests_dir("scripts"));
    let mut rng = harness::Rng::new(13);
    for _ in 0..300 {
        let n = 8 + rng.below(120);
        let input: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        harness::server::server_frames(&input, &base);
    }
}

#[test]
fn client_bytes_replays_every_client_script() {
    for (_, lines) in scripts("client_scripts") {
        let w = wire(&lines, "server");
        for prefix in [[0u8, 0, 0], [3, 0, 7], [0x0e, 0x55, 0xaa]] {
            let mut input = prefix.to_vec();
            input.extend_from_slice(&w);
            harness::client::client_bytes(&input);
        }
    }
}

#[test]
fn etp_replays_every_etp_script() {
    for (_, lines) in scripts("etp_scripts") {
        let mut ops = vec![0u8];
        for line in &lines {
            let (kw, rest) = line.split_once(' ').unwrap_or((line, ""));
            match kw {
                "message" => {
                    let m = if rest == "-" { Vec::new() } else { hex(rest) };
                    ops.push(0);
                    ops.extend_from_slice(&(m.len() as u16).to_be_bytes());
                    ops.extend(m);
                }
                "answer" => ops.extend_from_slice(&[3, 0, 1, 1, 0]),
                "eof" => ops.push(6),
                "close" => ops.push(7),
                _ => {}
            }
        }
        harness::etp::etp(&ops);
        ops[0] = 1;
        harness::etp::etp(&ops);
    }
}

#[test]
fn capi_replays_the_session_scripts_and_a_fixed_sample() {
    for (_, lines) in scripts("scripts").into_iter().take(40) {
        let mut ops = Vec::new();
        for line in &lines {
            let (kw, rest) = line.split_once(' ').unwrap_or((line, ""));
            let xml = match kw {
                "frame" => rest,
                "split" => rest.split_once(' ').map_or("", |x| x.1),
                _ => continue,
            };
            let f = frame(xml);
            ops.push(0);
            ops.push(0);
            ops.extend_from_slice(&(f.len() as u16).to_be_bytes());
            ops.extend(f);
            ops.extend_from_slice(&[5, 0, 0, 6, 3, 0, 0]);
        }
        harness::capi::capi(&ops);
    }
    let mut rng = harness::Rng::new(0xc0de);
    for _ in 0..300 {
        let n = 4 + rng.below(200);
        let input: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        harness::capi::capi(&input);
    }
}
