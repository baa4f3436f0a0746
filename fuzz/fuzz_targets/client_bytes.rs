//! The EPP client engine fed arbitrary server bytes
//! (`fuzz/harness/client.rs`).
#![no_main]

#[path = "../harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::client::client_bytes(data));
