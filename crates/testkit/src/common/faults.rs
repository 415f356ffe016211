//! The fault schedule every fake shares: counted rate limits and server errors, a delay,
//! token expiry after a number of requests, and failing path templates. Each fake's public
//! `Faults` wraps one of these with its vendor's answers.

use std::collections::HashMap;

#[derive(Debug, Default)]
pub(crate) struct Schedule {
    pub rate_limits: u32,
    pub rate_limit_secs: u64,
    pub rate_limit_turn: usize,
    pub server_errors: u32,
    pub server_error_turn: u32,
    pub delay_ms: u64,
    pub expire_after: Option<u32>,
    pub paths: HashMap<String, u16>,
}

impl Schedule {
    pub(crate) fn rate_limit_next(&mut self, n: u32, retry_after_secs: u64) {
        self.rate_limits = n;
        self.rate_limit_secs = retry_after_secs;
        self.rate_limit_turn = 0;
    }

    pub(crate) fn server_error_next(&mut self, n: u32) {
        self.server_errors = n;
        self.server_error_turn = 0;
    }

    /// Removes rate limits, server errors, the delay, token expiry and failing paths.
    pub(crate) fn clear(&mut self) {
        self.rate_limits = 0;
        self.server_errors = 0;
        self.delay_ms = 0;
        self.expire_after = None;
        self.paths.clear();
    }

    /// If a server error is due: true for the odd ones (1st, 3rd …), false for the even.
    pub(crate) fn take_server_error(&mut self) -> Option<bool> {
        if self.server_errors == 0 {
            return None;
        }
        self.server_errors -= 1;
        self.server_error_turn += 1;
        Some(self.server_error_turn % 2 == 1)
    }

    /// If a rate limit is due: its turn (0, 1, …) and the wait in seconds.
    pub(crate) fn take_rate_limit(&mut self) -> Option<(usize, u64)> {
        if self.rate_limits == 0 {
            return None;
        }
        self.rate_limits -= 1;
        let turn = self.rate_limit_turn;
        self.rate_limit_turn += 1;
        Some((turn, self.rate_limit_secs))
    }

    /// Count one authorised request; true when the tokens must expire now (before serving it).
    pub(crate) fn authorised(&mut self) -> bool {
        match self.expire_after {
            Some(0) => {
                self.expire_after = None;
                true
            }
            Some(n) => {
                self.expire_after = Some(n - 1);
                false
            }
            None => false,
        }
    }
}
