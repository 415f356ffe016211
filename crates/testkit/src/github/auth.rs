//! Accepted tokens and OAuth grants (device codes, authorization codes, refresh tokens).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::common::rng::{Rng, ALNUM, HEX};

/// What an accepted token may do, for `X-OAuth-Scopes`.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub scopes: Vec<String>,
    /// When an OAuth access token expires (for `github-authentication-token-expiration`).
    pub expires_in: Option<Duration>,
}

impl Caller {
    /// Whether private and internal repositories are visible: classic scopes `repo`.
    pub fn sees_private(&self) -> bool {
        self.scopes.iter().any(|s| s == "repo")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No `Authorization` header, or not a token scheme.
    Missing,
    /// Unknown, revoked or expired token.
    Bad,
}

#[derive(Debug)]
pub(crate) struct AccessGrant {
    pub scopes: Vec<String>,
    pub expires_at: Instant,
}

#[derive(Debug)]
pub(crate) struct RefreshGrant {
    pub client_id: String,
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeviceStatus {
    Pending,
    Approved,
    Denied,
}

#[derive(Debug)]
pub(crate) struct Device {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub expires_at: Instant,
    pub interval: u64,
    pub last_poll: Option<Instant>,
    pub status: DeviceStatus,
}

#[derive(Debug)]
pub(crate) struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub challenge: Option<String>,
    pub expires_at: Instant,
}

/// Lifetimes GitHub gives user-to-server tokens: 8 hours, refresh tokens 6 months.
pub(crate) const ACCESS_LIFETIME_SECS: u64 = 28_800;
pub(crate) const REFRESH_LIFETIME_SECS: u64 = 15_897_600;
pub(crate) const DEVICE_CODE_LIFETIME_SECS: u64 = 900;

#[derive(Debug)]
pub(crate) struct AuthState {
    pub token: Option<String>,
    pub scopes: Vec<String>,
    pub access: HashMap<String, AccessGrant>,
    pub refresh: HashMap<String, RefreshGrant>,
    pub devices: HashMap<String, Device>,
    /// user code → device code.
    pub user_codes: HashMap<String, String>,
    pub codes: HashMap<String, AuthCode>,
    /// `(client_id, client_secret)` when the fake checks them.
    pub client: Option<(String, Option<String>)>,
    pub device_interval: u64,
    pub access_lifetime: Duration,
    rng: Rng,
}

pub(crate) fn split_scopes(s: &str) -> Vec<String> {
    s.split([' ', ','])
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

impl AuthState {
    pub(crate) fn new(token: &str, seed: u64) -> AuthState {
        AuthState {
            token: Some(token.to_owned()),
            scopes: split_scopes("admin:org, read:audit_log, repo, read:user"),
            access: HashMap::new(),
            refresh: HashMap::new(),
            devices: HashMap::new(),
            user_codes: HashMap::new(),
            codes: HashMap::new(),
            client: None,
            device_interval: 5,
            access_lifetime: Duration::from_secs(ACCESS_LIFETIME_SECS),
            rng: Rng::new(seed),
        }
    }

    /// Checks `Authorization: Bearer T` or `Authorization: token T`.
    pub(crate) fn authenticate(&self, header: Option<&str>) -> Result<Caller, Refusal> {
        let header = header.ok_or(Refusal::Missing)?.trim();
        let (scheme, token) = header.split_once(' ').ok_or(Refusal::Missing)?;
        if !(scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token")) {
            return Err(Refusal::Missing);
        }
        let token = token.trim();
        if self.token.as_deref() == Some(token) {
            return Ok(Caller {
                scopes: self.scopes.clone(),
                expires_in: None,
            });
        }
        match self.access.get(token) {
            Some(g) => {
                let left = g
                    .expires_at
                    .checked_duration_since(Instant::now())
                    .filter(|d| !d.is_zero())
                    .ok_or(Refusal::Bad)?;
                Ok(Caller {
                    scopes: g.scopes.clone(),
                    expires_in: Some(left),
                })
            }
            None => Err(Refusal::Bad),
        }
    }

    /// Every token stops working (expire_token_after).
    pub(crate) fn expire_all(&mut self) {
        self.token = None;
        self.access.clear();
    }

    pub(crate) fn random(&mut self, alphabet: &[u8], len: usize) -> String {
        self.rng.string(alphabet, len)
    }

    /// A new access token and refresh token, as a GitHub App's user-to-server grant.
    pub(crate) fn issue(&mut self, client_id: &str, scopes: Vec<String>) -> (String, String) {
        let access = format!("ghu_{}", self.random(ALNUM, 36));
        let refresh = format!("ghr_{}", self.random(ALNUM, 76));
        let scopes = if scopes.is_empty() {
            self.scopes.clone()
        } else {
            scopes
        };
        self.access.insert(
            access.clone(),
            AccessGrant {
                scopes: scopes.clone(),
                expires_at: Instant::now() + self.access_lifetime,
            },
        );
        self.refresh.insert(
            refresh.clone(),
            RefreshGrant {
                client_id: client_id.to_owned(),
                scopes,
            },
        );
        (access, refresh)
    }

    pub(crate) fn new_device(&mut self, client_id: &str, scopes: Vec<String>) -> (String, String) {
        let device_code = self.random(HEX, 40);
        let letters = b"BCDFGHJKLMNPQRSTVWXZ0123456789";
        let user_code = format!("{}-{}", self.random(letters, 4), self.random(letters, 4));
        self.devices.insert(
            device_code.clone(),
            Device {
                client_id: client_id.to_owned(),
                scopes,
                expires_at: Instant::now() + Duration::from_secs(DEVICE_CODE_LIFETIME_SECS),
                interval: self.device_interval,
                last_poll: None,
                status: DeviceStatus::Pending,
            },
        );
        self.user_codes
            .insert(user_code.clone(), device_code.clone());
        (device_code, user_code)
    }

    /// Approves or denies the device authorization of `user_code` (hyphen and case optional).
    pub(crate) fn decide(&mut self, user_code: &str, status: DeviceStatus) -> bool {
        let wanted: String = user_code
            .chars()
            .filter(|c| *c != '-')
            .collect::<String>()
            .to_uppercase();
        let found = self
            .user_codes
            .iter()
            .find(|(u, _)| u.chars().filter(|c| *c != '-').collect::<String>() == wanted)
            .map(|(_, d)| d.clone());
        match found.and_then(|d| self.devices.get_mut(&d)) {
            Some(dev) if dev.status == DeviceStatus::Pending && dev.expires_at > Instant::now() => {
                dev.status = status;
                true
            }
            _ => false,
        }
    }

    /// Whether `client_id` (and `client_secret` when `secret_required`) match the configured
    /// OAuth client; any client is accepted when none is configured.
    pub(crate) fn client_ok(
        &self,
        client_id: Option<&str>,
        secret: Option<&str>,
        secret_required: bool,
    ) -> bool {
        match &self.client {
            None => client_id.is_some_and(|c| !c.is_empty()),
            Some((id, s)) => {
                client_id == Some(id.as_str())
                    && (!secret_required || s.is_none() || s.as_deref() == secret)
            }
        }
    }
}
