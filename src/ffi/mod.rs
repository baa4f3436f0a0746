//! The C API: what `include/epp.h` declares, generated from this module by
//! cbindgen.
//!
//! This module is a thin skin over the Rust API. It holds no protocol
//! logic: every export checks its arguments, converts them, calls the
//! matching Rust item inside a panic boundary, and converts the result.
//!
//! Conventions (modelled on rustls-ffi):
//!
//! - every name starts with `epp_` (types, functions) or `EPP_` (values);
//! - objects are opaque handles made by `epp_X_new(..., &out)` and released
//!   by `epp_X_free(p)`, which accepts NULL;
//! - every function that can fail returns an `epp_result`, whose values are
//!   explicit and never reused; out-parameters are written only when it is
//!   `EPP_RESULT_OK`;
//! - every pointer and length is checked;
//! - every export runs inside `std::panic::catch_unwind`: a panic becomes
//!   `EPP_RESULT_PANIC`, poisons the session it happened in, and never
//!   unwinds into C nor aborts the host (as long as the library is built
//!   with `panic = "unwind"`, Rust's default).
//!
//! # Safety
//!
//! The functions here are meant to be called from C. Every pointer argument
//! must be NULL (which is reported, never dereferenced) or valid for the
//! access the function's documentation describes: a handle made by the
//! matching `_new` function and not yet freed, a buffer of at least the
//! given length, or a writable out-parameter. Handles must be used from one
//! thread at a time, except those documented as shareable
//! (`epp_config`, `epp_registrar_sessions`, `epp_server`,
//! `epp_etp_config`, `epp_client_config`).
//!
//! The ETP 1.1 engine (`crate::etp`) is exposed under its own prefix,
//! `epp_etp_` / `EPP_ETP_` (`etp.rs`), with the same conventions and the
//! same `epp_result` values. The EPP client engine (`crate::client`) is
//! exposed likewise under `epp_client_` / `EPP_CLIENT_` (`client.rs`).

#![allow(unsafe_code)]
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

mod boundary;
mod client;
mod config;
mod etp;
mod request;
mod response;
mod result;
mod session;
#[cfg(feature = "ffi-test-panic")]
mod test_panic;
mod transaction;
mod version;

pub use client::*;
pub use config::*;
pub use etp::*;
pub use request::*;
pub use response::*;
pub use result::*;
pub use session::*;
#[cfg(feature = "ffi-test-panic")]
pub use test_panic::*;
pub use transaction::*;
pub use version::*;

/// Compile-time proof of the thread contract stated in `epp.h`.
const _: () = {
    const fn send<T: Send>() {}
    const fn send_sync<T: Send + Sync>() {}
    send::<epp_session>();
    send::<epp_request>();
    send::<epp_response>();
    send::<epp_poll_message>();
    send::<epp_security_event>();
    send::<epp_config_builder>();
    send::<epp_transaction>();
    send_sync::<epp_config>();
    send_sync::<epp_registrar_sessions>();
    send_sync::<epp_server>();
    send::<epp_etp_config_builder>();
    send::<epp_etp_session>();
    send::<epp_etp_request>();
    send_sync::<epp_etp_config>();
    send::<epp_client_config_builder>();
    send::<epp_client_session>();
    send::<epp_client_event>();
    send::<epp_client_command>();
    send_sync::<epp_client_config>();
};
