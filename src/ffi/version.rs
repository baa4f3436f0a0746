//! The library version, as macros and at run time.

use std::ffi::{c_char, CStr};

/// The major version of the libepp this header belongs to.
pub const EPP_VERSION_MAJOR: u32 = 0;
/// The minor version of the libepp this header belongs to.
pub const EPP_VERSION_MINOR: u32 = 6;
/// The patch version of the libepp this header belongs to.
pub const EPP_VERSION_PATCH: u32 = 0;

/// Parses a decimal `u32` at compile time.
const fn parse_u32(s: &str) -> u32 {
    let b = s.as_bytes();
    let mut i = 0;
    let mut n: u32 = 0;
    while i < b.len() {
        assert!(b[i].is_ascii_digit(), "version part is not a number");
        n = n * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    n
}

// The macros above must follow Cargo.toml: bumping the crate version without
// them (and regenerating epp.h) fails to compile.
const _: () = {
    assert!(
        EPP_VERSION_MAJOR == parse_u32(env!("CARGO_PKG_VERSION_MAJOR")),
        "EPP_VERSION_MAJOR differs from Cargo.toml"
    );
    assert!(
        EPP_VERSION_MINOR == parse_u32(env!("CARGO_PKG_VERSION_MINOR")),
        "EPP_VERSION_MINOR differs from Cargo.toml"
    );
    assert!(
        EPP_VERSION_PATCH == parse_u32(env!("CARGO_PKG_VERSION_PATCH")),
        "EPP_VERSION_PATCH differs from Cargo.toml"
    );
};

const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("the crate version contains a NUL"),
    };

/// The version of the library linked at run time, as a NUL-terminated
/// string such as "0.6.0" (compare with `EPP_VERSION_MAJOR` and friends to
/// detect a header/library mismatch). The string is static: never free it.
#[no_mangle]
pub extern "C" fn epp_version() -> *const c_char {
    // Nothing here can panic; the boundary is kept for uniformity.
    std::panic::catch_unwind(|| VERSION.as_ptr()).unwrap_or(c"".as_ptr())
}
