//! What the fake has served, for assertions on request counts and retries.

use std::collections::BTreeMap;

/// Counters since the server started. Every request counts once under its route's
/// documented path template (`/orgs/{org}/members`, also for the `/organizations/{id}/…`
/// URLs of `Link` headers; `(unmatched)` for unknown paths).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// All requests received.
    pub requests: u64,
    /// Requests per path template.
    pub per_template: BTreeMap<String, u64>,
    /// Rate-limited answers: every 429, and 403s of the rate-limit forms.
    pub rate_limited: u64,
    /// 429 answers.
    pub too_many_requests: u64,
    /// 5xx answers.
    pub server_errors: u64,
    /// 401 answers.
    pub unauthorized: u64,
}

impl Stats {
    /// Requests served for one path template (0 if none).
    pub fn count(&self, template: &str) -> u64 {
        self.per_template.get(template).copied().unwrap_or(0)
    }
}
