//! Validating EPP documents with xmllint against the unmodified
//! epp-1.0.xsd: a driver schema imports it, any further real schemas (such
//! as loginSec-1.0.xsd), and stub schemas that declare the object and
//! extension elements the documents carry (as `anyType`: what they hold is
//! their own schema's business, and `<resData>`/`<extension>` are strict
//! wildcards). Documents are written to files and checked by a few xmllint
//! processes side by side (`--noout --nonet`).
//!
//! Under `CI` a missing xmllint fails the test ([`xmllint_available`]);
//! elsewhere it prints a notice and the check is skipped.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

const EPP_NS: &str = "urn:ietf:params:xml:ns:epp-1.0";

/// Documents per xmllint process before another process is started.
const DOCS_PER_PROCESS: usize = 500;
/// The most xmllint processes one call runs side by side.
const MAX_PROCESSES: usize = 8;

/// epp-1.0.xsd, beside the repository (`../shared/schemas`); it imports
/// eppcom-1.0.xsd from its own directory.
pub fn epp_xsd() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/schemas/epp-1.0.xsd")
}

/// A schema of this repository's tests (`tests/schemas`).
pub fn test_xsd(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/schemas")
        .join(file)
}

/// Whether `CI` is set to something other than empty, `0` or `false`.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// Whether xmllint runs. Under `CI` a missing xmllint panics (a check that
/// cannot run must not pass); elsewhere a notice says that `what` is not
/// checked, and the caller skips the check.
pub fn xmllint_available(what: &str) -> bool {
    let ok = Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if in_ci() {
            panic!(
                "xmllint is required in CI (Debian package libxml2-utils): \
                 {what} cannot be checked without it"
            );
        }
        // Straight to stderr: the test harness captures eprintln!.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!("NOTICE: xmllint not found; {what} NOT checked (apt-get install -y libxml2-utils)\n")
                .as_bytes(),
        );
    }
    ok
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    )
}

/// A driver schema in its own directory under `CARGO_TARGET_TMPDIR`. The
/// directory is removed when the schema is dropped, unless a test is
/// panicking (then the documents stay for a look).
pub struct Schema {
    dir: PathBuf,
    driver: PathBuf,
    /// "epp-1.0.xsd + loginSec-1.0.xsd", for messages.
    names: String,
    batch: AtomicUsize,
}

impl Schema {
    /// A driver in `CARGO_TARGET_TMPDIR/<tag>-<pid>` that imports `epp`
    /// (epp-1.0.xsd), each `(namespace, file)` of `imports`, and for each
    /// `(namespace, elements)` of `stubs` a stub schema declaring those
    /// elements as `anyType`.
    pub fn new(
        tag: &str,
        epp: &Path,
        imports: &[(&str, PathBuf)],
        stubs: &[(&str, &[&str])],
    ) -> Schema {
        let dir =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut names = file_name(epp);
        let mut driver = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <schema xmlns=\"http://www.w3.org/2001/XMLSchema\" \
             targetNamespace=\"urn:libepp:test:driver\">\n\
             <import namespace=\"{EPP_NS}\" schemaLocation=\"{}\"/>\n",
            canonical(epp).display()
        );
        for (ns, file) in imports {
            names.push_str(" + ");
            names.push_str(&file_name(file));
            driver.push_str(&format!(
                "<import namespace=\"{ns}\" schemaLocation=\"{}\"/>\n",
                canonical(file).display()
            ));
        }
        for (i, (ns, elements)) in stubs.iter().enumerate() {
            let mut stub = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                 <schema xmlns=\"http://www.w3.org/2001/XMLSchema\" \
                 targetNamespace=\"{ns}\" elementFormDefault=\"qualified\">\n"
            );
            for e in *elements {
                stub.push_str(&format!("<element name=\"{e}\" type=\"anyType\"/>\n"));
            }
            stub.push_str("</schema>\n");
            let file = format!("stub-{i}.xsd");
            std::fs::write(dir.join(&file), stub).unwrap();
            driver.push_str(&format!(
                "<import namespace=\"{ns}\" schemaLocation=\"{file}\"/>\n"
            ));
        }
        driver.push_str("</schema>\n");
        let path = dir.join("driver.xsd");
        std::fs::write(&path, driver).unwrap();
        Schema {
            dir,
            driver: path,
            names,
            batch: AtomicUsize::new(0),
        }
    }

    /// The schemas validated against, for messages
    /// ("epp-1.0.xsd + loginSec-1.0.xsd").
    pub fn names(&self) -> &str {
        &self.names
    }

    /// Writes `docs` into a fresh batch directory; returns it and the files.
    fn write_batch<S: AsRef<str>>(&self, docs: &[S]) -> (PathBuf, Vec<PathBuf>) {
        let batch = self.dir.join(format!(
            "batch-{}",
            self.batch.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&batch).unwrap();
        let files = docs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let p = batch.join(format!("f{i:05}.xml"));
                std::fs::write(&p, d.as_ref()).unwrap();
                p
            })
            .collect();
        (batch, files)
    }

    /// xmllint's verdict on each document (true: valid) and its messages
    /// about it, from up to eight xmllint processes run side by side.
    pub fn verdicts<S: AsRef<str>>(&self, docs: &[S]) -> Vec<(bool, String)> {
        self.run(docs).1
    }

    fn run<S: AsRef<str>>(&self, docs: &[S]) -> (PathBuf, Vec<(bool, String)>) {
        let (batch, files) = self.write_batch(docs);
        if files.is_empty() {
            return (batch, Vec::new());
        }
        let processes = files.len().div_ceil(DOCS_PER_PROCESS).min(MAX_PROCESSES);
        let outputs: Vec<String> = std::thread::scope(|sc| {
            let handles: Vec<_> = files
                .chunks(files.len().div_ceil(processes))
                .map(|chunk| {
                    let driver = &self.driver;
                    sc.spawn(move || {
                        let out = Command::new("xmllint")
                            .args(["--noout", "--nonet", "--schema"])
                            .arg(driver)
                            .args(chunk)
                            .output()
                            .expect("run xmllint");
                        String::from_utf8_lossy(&out.stderr).into_owned()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        // "<file> validates", "<file> fails to validate", "<file>:1: ...error...";
        // the lines that quote a parser error's context do not start with a file.
        let prefix = batch.to_str().unwrap();
        let mut verdicts: BTreeMap<String, (bool, String)> = BTreeMap::new();
        for line in outputs.iter().flat_map(|o| o.lines()) {
            let Some(rest) = line.strip_prefix(prefix) else {
                continue;
            };
            let Some(end) = rest.find(".xml") else {
                continue;
            };
            let file = format!("{prefix}{}", &rest[..end + 4]);
            let tail = &rest[end + 4..];
            let v = verdicts.entry(file).or_insert((false, String::new()));
            if tail.trim() == "validates" {
                v.0 = true;
            } else {
                v.1.push_str(tail);
                v.1.push('\n');
            }
        }
        let verdicts = files
            .iter()
            .map(|p| {
                verdicts
                    .remove(p.to_str().unwrap())
                    .unwrap_or((false, "(no output)".into()))
            })
            .collect();
        (batch, verdicts)
    }

    /// Asserts that every document validates; the message names `what`
    /// ("responses") and lists each document that does not, with xmllint's
    /// messages. The batch is removed when all validate and kept otherwise.
    #[track_caller]
    pub fn assert_valid<S: AsRef<str>>(&self, docs: &[S], what: &str) {
        let (batch, verdicts) = self.run(docs);
        let failures: Vec<String> = docs
            .iter()
            .zip(&verdicts)
            .enumerate()
            .filter(|(_, (_, (ok, _)))| !ok)
            .map(|(i, (doc, (_, messages)))| {
                format!("--- f{i:05}.xml\n{messages}{}\n", doc.as_ref())
            })
            .collect();
        assert!(
            failures.is_empty(),
            "{} of {} {what} do not validate against {}:\n{}(kept in {})",
            failures.len(),
            docs.len(),
            self.names,
            failures.join(""),
            batch.display()
        );
        let _ = std::fs::remove_dir_all(&batch);
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
