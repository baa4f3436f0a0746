//! The EPP server session fed arbitrary bytes in arbitrary chunks
//! (`fuzz/harness/server.rs`).
#![no_main]

#[path = "../harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::server::server_bytes(data));
