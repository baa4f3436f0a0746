//! The C API over arbitrary call sequences (`fuzz/harness/capi.rs`).
#![no_main]

#[path = "../harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::capi::capi(data));
