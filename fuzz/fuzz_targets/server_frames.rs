//! The EPP server session fed valid frames mutated at the XML level
//! (`fuzz/harness/server.rs`).
#![no_main]

use std::sync::OnceLock;

#[path = "../harness/mod.rs"]
mod harness;

fn base() -> &'static [Vec<u8>] {
    static BASE: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    BASE.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scripts");
        harness::server::script_frames(&dir)
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::server::server_frames(data, base()));
