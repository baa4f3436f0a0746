//! The protocol contract (`../shared/protocol.md`), row by row.
//!
//! Every test drives a `Session` through the client-side helpers in
//! `common`, compares whole responses where practical, and every frame any
//! test produces is validated against the RFC 5730 schema with xmllint
//! (`support::schema_check`, called by `Conn` when it is dropped).
//!
//! Layout (one test target, several files):
//! - `protocol/support.rs`: the harness (`Conn`), expected-response builders,
//!   the schema check (over `common/xsd.rs`), the allocation tracker;
//! - `protocol/transport.rs`: RFC 5734 framing;
//! - `protocol/xml.rs`: the XML section (encodings, namespaces, DTDs,
//!   bounds, schema strictness);
//! - `protocol/state.rs`: the session state machine table, timers, greeting;
//! - `protocol/transactions.rs`: clTRID/svTRID, pipelining, recovery;
//! - `protocol/poll.rs`: the poll table and RFC 9038;
//! - `protocol/extension.rs`: RFC 3735 protocol extensions
//!   (`<epp><extension>`).

mod common;
#[path = "common/xsd.rs"]
mod xsd;

#[path = "protocol/support.rs"]
mod support;

#[path = "protocol/extension.rs"]
mod extension;
#[path = "protocol/poll.rs"]
mod poll;
#[path = "protocol/state.rs"]
mod state;
#[path = "protocol/transactions.rs"]
mod transactions;
#[path = "protocol/transport.rs"]
mod transport;
#[path = "protocol/xml.rs"]
mod xml;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Records, per thread, the largest single allocation (or reallocation)
/// size, so that a test can assert that an announced frame length is never
/// allocated up front.
struct Tracking;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|l| {
        if size > l.get() {
            l.set(size)
        }
    });
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Tracking = Tracking;

/// Forgets the largest allocation seen so far on this thread.
pub fn reset_largest_allocation() {
    LARGEST.with(|l| l.set(0));
}

/// The largest allocation made on this thread since the last reset.
pub fn largest_allocation() -> usize {
    LARGEST.with(|l| l.get())
}
