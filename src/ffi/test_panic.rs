//! Test-only exports (cargo feature `ffi-test-panic`): force a panic
//! inside the API boundary so tests can check it becomes
//! `EPP_RESULT_PANIC`. Never enable the feature in a production build.

use super::boundary::guard;
use super::client::{client_mut, epp_client_session};
use super::etp::{epp_etp_session, etp_session_mut};
use super::result::epp_result;
use super::session::{epp_session, session_mut};

/// Test only: panics inside the boundary of a call given `session`, as a
/// bug in libepp would. Returns `EPP_RESULT_PANIC` and poisons the
/// session; `EPP_RESULT_NULL_PARAMETER` for NULL.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_test_session_panic(session: *mut epp_session) -> epp_result {
    session_mut(session, |_| panic!("epp_test_session_panic: forced panic"))
}

/// Test only: panics inside the boundary of a call given no handle.
/// Returns `EPP_RESULT_PANIC`.
#[no_mangle]
#[must_use]
pub extern "C" fn epp_test_panic() -> epp_result {
    guard(|| panic!("epp_test_panic: forced panic"))
}

/// Test only: panics inside the boundary of a call given an ETP `session`.
/// Returns `EPP_RESULT_PANIC` and poisons the session;
/// `EPP_RESULT_NULL_PARAMETER` for NULL.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_test_etp_session_panic(session: *mut epp_etp_session) -> epp_result {
    etp_session_mut(session, |_| {
        panic!("epp_test_etp_session_panic: forced panic")
    })
}

/// Test only: panics inside the boundary of a call given a client
/// `session`. Returns `EPP_RESULT_PANIC` and poisons the session;
/// `EPP_RESULT_NULL_PARAMETER` for NULL.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn epp_test_client_session_panic(
    session: *mut epp_client_session,
) -> epp_result {
    client_mut(session, |_| {
        panic!("epp_test_client_session_panic: forced panic")
    })
}
