//! Failure injection, shared with the running server.

use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::common::faults::Schedule;

/// The faults a [`FakeGraph`](super::FakeGraph) injects; change them while it runs.
///
/// Injected rate limits and token expiry apply to the Graph API (`/v1.0/…`) only; server
/// errors, delays and failing paths to every route, the identity platform included.
#[derive(Debug, Default)]
pub struct Faults {
    state: Mutex<Schedule>,
}

impl Faults {
    fn lock(&self) -> MutexGuard<'_, Schedule> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next `n` Graph requests answer `429 Too Many Requests` with
    /// `Retry-After: retry_after_secs` and error code `TooManyRequests`.
    pub fn rate_limit_next(&self, n: u32, retry_after_secs: u64) {
        self.lock().rate_limit_next(n, retry_after_secs);
    }

    /// The next `n` requests fail with `503 Service Unavailable` (code `serviceNotAvailable`)
    /// and `504 Gateway Timeout` (code `UnknownError`) in turn; on the identity platform
    /// with `temporarily_unavailable`.
    pub fn server_error_next(&self, n: u32) {
        self.lock().server_error_next(n);
    }

    /// Delay every response by `ms` milliseconds (0 turns it off).
    pub fn delay_ms(&self, ms: u64) {
        self.lock().delay_ms = ms;
    }

    /// After `n` more authorised Graph requests every access token issued so far answers
    /// 401 `InvalidAuthenticationToken`, until the token endpoint issues another.
    pub fn expire_token_after(&self, n: u32) {
        self.lock().expire_after = Some(n);
    }

    /// Answer every request to a route `template` with `status` (and the error body of that
    /// status), e.g. `fail_path("/v1.0/auditLogs/signIns", 500)` or
    /// `fail_path("/{tenant}/oauth2/v2.0/token", 400)`. Templates are the routes as listed
    /// in the [module documentation](super).
    pub fn fail_path(&self, template: &str, status: u16) {
        self.lock().paths.insert(template.to_owned(), status);
    }

    /// Stop failing `template`.
    pub fn clear_path(&self, template: &str) {
        self.lock().paths.remove(template);
    }

    /// Remove every injected fault (rate limits, server errors, delay, token expiry, failing
    /// paths).
    pub fn clear(&self) {
        self.lock().clear();
    }

    pub(crate) fn delay(&self) -> u64 {
        self.lock().delay_ms
    }

    /// 503 or 504 if a server error is due.
    pub(crate) fn take_server_error(&self) -> Option<u16> {
        self.lock()
            .take_server_error()
            .map(|odd| if odd { 503 } else { 504 })
    }

    /// The wait of a due rate limit.
    pub(crate) fn take_rate_limit(&self) -> Option<u64> {
        self.lock().take_rate_limit().map(|(_, secs)| secs)
    }

    /// Count one authorised request; true when the tokens must expire now (before serving it).
    pub(crate) fn authorised(&self) -> bool {
        self.lock().authorised()
    }

    pub(crate) fn path_status(&self, template: &str) -> Option<u16> {
        self.lock().paths.get(template).copied()
    }
}
