//! The ETP Avro decoder and the ETP session over arbitrary messages
//! (`fuzz/harness/etp.rs`).
#![no_main]

#[path = "../harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::etp::etp(data));
