//! What the fake has served, for assertions on request counts and retries.

use std::collections::BTreeMap;

/// Counters since a fake server started. Every request counts once under its route's
/// documented path template (`/orgs/{org}/members`, `/v1.0/groups/{id}/members`; for GitHub
/// also the `/organizations/{id}/…` URLs of `Link` headers; `(unmatched)` for unknown paths).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// All requests received.
    pub requests: u64,
    /// Requests per path template.
    pub per_template: BTreeMap<String, u64>,
    /// Rate-limited answers: every 429, and (GitHub) 403s of the rate-limit forms.
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

    /// Count one request to `template`, before it is served.
    pub(crate) fn request(&mut self, template: &str) {
        self.requests += 1;
        match self.per_template.get_mut(template) {
            Some(n) => *n += 1,
            None => {
                self.per_template.insert(template.to_owned(), 1);
            }
        }
    }

    /// Count the answer's status; `rate_limited` marks non-429 rate-limit answers.
    pub(crate) fn answer(&mut self, status: u16, rate_limited: bool) {
        if status == 429 {
            self.too_many_requests += 1;
            self.rate_limited += 1;
        } else if rate_limited {
            self.rate_limited += 1;
        }
        if status >= 500 {
            self.server_errors += 1;
        }
        if status == 401 {
            self.unauthorized += 1;
        }
    }
}
