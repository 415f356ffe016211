//! Failure injection and the primary rate-limit quota, shared with the running server.

use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::common::faults::Schedule;

/// How an injected rate limit is answered. GitHub uses all three; a connector must handle
/// each (see "Rate limits for the REST API" in GitHub's documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateLimitForm {
    /// `429 Too Many Requests` with `Retry-After: N` (a secondary rate limit).
    TooManyRequests,
    /// `403 Forbidden` with `retry-after: N` and the "You have exceeded a secondary rate
    /// limit" message.
    SecondaryForbidden,
    /// `403 Forbidden` with `X-RateLimit-Remaining: 0` and `X-RateLimit-Reset` N seconds
    /// ahead, no `Retry-After` ("API rate limit exceeded for user ID …").
    PrimaryExhausted,
}

const ROTATION: [RateLimitForm; 3] = [
    RateLimitForm::TooManyRequests,
    RateLimitForm::SecondaryForbidden,
    RateLimitForm::PrimaryExhausted,
];

/// The faults a [`FakeGithub`](super::FakeGithub) injects; change them while it runs.
///
/// Injected rate limits apply to the REST API only; server errors, delays and failing paths
/// to every route, the OAuth endpoints included.
#[derive(Debug)]
pub struct Faults {
    state: Mutex<FaultState>,
}

#[derive(Debug)]
struct FaultState {
    schedule: Schedule,
    /// The token is a plain member's, not an organisation owner's.
    member_only: bool,
    rate_limit_form: Option<RateLimitForm>,
    quota_limit: u32,
    quota_window_secs: u64,
    quota_used: u32,
    quota_reset_secs: i64,
}

/// The primary rate-limit bucket after a request, for the `X-RateLimit-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quota {
    pub limit: u32,
    pub remaining: u32,
    pub used: u32,
    pub reset_secs: i64,
    pub exhausted: bool,
}

impl Default for Faults {
    fn default() -> Faults {
        Faults {
            state: Mutex::new(FaultState {
                schedule: Schedule::default(),
                member_only: false,
                rate_limit_form: None,
                quota_limit: 5000,
                quota_window_secs: 3600,
                quota_used: 0,
                quota_reset_secs: 0,
            }),
        }
    }
}

impl Faults {
    fn lock(&self) -> MutexGuard<'_, FaultState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next `n` API requests are rate limited, cycling through the three forms GitHub
    /// uses: 429 + `Retry-After`, 403 secondary limit + `retry-after`, and 403 with
    /// `X-RateLimit-Remaining: 0` + `X-RateLimit-Reset` (now + `retry_after_secs`).
    pub fn rate_limit_next(&self, n: u32, retry_after_secs: u64) {
        let mut s = self.lock();
        s.schedule.rate_limit_next(n, retry_after_secs);
        s.rate_limit_form = None;
    }

    /// The next `n` API requests are rate limited, all in one `form`.
    pub fn rate_limit_next_as(&self, n: u32, retry_after_secs: u64, form: RateLimitForm) {
        let mut s = self.lock();
        s.schedule.rate_limit_next(n, retry_after_secs);
        s.rate_limit_form = Some(form);
    }

    /// The next `n` requests fail with 502 Bad Gateway and 503 Service Unavailable in turn.
    pub fn server_error_next(&self, n: u32) {
        self.lock().schedule.server_error_next(n);
    }

    /// Delay every response by `ms` milliseconds (0 turns it off).
    pub fn delay_ms(&self, ms: u64) {
        self.lock().schedule.delay_ms = ms;
    }

    /// After `n` more authorised API requests every accepted token (the one given to
    /// `start`/`set_token` and all OAuth access tokens issued so far) answers 401 "Bad
    /// credentials", until `set_token` or a new OAuth grant (e.g. a refresh) issues another.
    pub fn expire_token_after(&self, n: u32) {
        self.lock().schedule.expire_after = Some(n);
    }

    /// Answer every request to a path `template` with `status`, e.g.
    /// `fail_path("/orgs/{org}/audit-log", 404)`. Templates are the routes' documented
    /// forms (`/orgs/{org}/teams/{team_slug}/members`, `/repos/{owner}/{repo}/collaborators`,
    /// `/login/oauth/access_token` …); the `/organizations/{id}/…` forms of `Link` URLs
    /// count as their documented route.
    pub fn fail_path(&self, template: &str, status: u16) {
        self.lock()
            .schedule
            .paths
            .insert(template.to_owned(), status);
    }

    /// Answer as GitHub answers a token of a plain member instead of an organisation owner:
    /// the two-factor filters of the member and outside-collaborator lists are refused with
    /// 422 "Only owners can use this filter." ("These options are only available for
    /// organization owners", https://docs.github.com/rest/orgs/members).
    pub fn member_only(&self, on: bool) {
        self.lock().member_only = on;
    }

    pub(crate) fn is_member_only(&self) -> bool {
        self.lock().member_only
    }

    /// Stop failing `template`.
    pub fn clear_path(&self, template: &str) {
        self.lock().schedule.paths.remove(template);
    }

    /// The primary rate limit: `limit` requests per `window_secs` (GitHub: 5 000 per hour,
    /// the default). Requests beyond it get 403 with `X-RateLimit-Remaining: 0` until the
    /// window resets. Benchmarks over large tenants raise it. Starts a new window.
    pub fn set_quota(&self, limit: u32, window_secs: u64) {
        let mut s = self.lock();
        s.quota_limit = limit;
        s.quota_window_secs = window_secs.max(1);
        s.quota_used = 0;
        s.quota_reset_secs = 0;
    }

    /// Remove every injected fault (rate limits, server errors, delay, token expiry, failing
    /// paths). The quota stays.
    pub fn clear(&self) {
        self.lock().schedule.clear();
    }

    pub(crate) fn delay(&self) -> u64 {
        self.lock().schedule.delay_ms
    }

    /// 502 or 503 if a server error is due.
    pub(crate) fn take_server_error(&self) -> Option<u16> {
        self.lock()
            .schedule
            .take_server_error()
            .map(|odd| if odd { 502 } else { 503 })
    }

    /// The form and wait of a due rate limit.
    pub(crate) fn take_rate_limit(&self) -> Option<(RateLimitForm, u64)> {
        let mut s = self.lock();
        let (turn, secs) = s.schedule.take_rate_limit()?;
        let form = s
            .rate_limit_form
            .unwrap_or_else(|| ROTATION[turn % ROTATION.len()]);
        Some((form, secs))
    }

    /// Count one authorised request; true when the tokens must expire now (before serving it).
    pub(crate) fn authorised(&self) -> bool {
        self.lock().schedule.authorised()
    }

    pub(crate) fn path_status(&self, template: &str) -> Option<u16> {
        self.lock().schedule.paths.get(template).copied()
    }

    fn roll(s: &mut FaultState, now_secs: i64) {
        if now_secs >= s.quota_reset_secs {
            s.quota_used = 0;
            s.quota_reset_secs = now_secs + s.quota_window_secs as i64;
        }
    }

    fn quota_of(s: &FaultState, exhausted: bool) -> Quota {
        Quota {
            limit: s.quota_limit,
            remaining: s.quota_limit.saturating_sub(s.quota_used),
            used: s.quota_used,
            reset_secs: s.quota_reset_secs,
            exhausted,
        }
    }

    /// Spend one request of the primary quota.
    pub(crate) fn spend(&self, now_secs: i64) -> Quota {
        let mut s = self.lock();
        Faults::roll(&mut s, now_secs);
        if s.quota_used >= s.quota_limit {
            return Faults::quota_of(&s, true);
        }
        s.quota_used += 1;
        Faults::quota_of(&s, false)
    }

    /// The quota without spending (for responses refused before the handler).
    pub(crate) fn peek(&self, now_secs: i64) -> Quota {
        let mut s = self.lock();
        Faults::roll(&mut s, now_secs);
        Faults::quota_of(&s, false)
    }
}
