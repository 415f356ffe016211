//! The HTTP server: routes, the gate every request passes (stats, faults, auth, quota,
//! headers), and the [`FakeGithub`] handle.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::Router;
use serde_json::json;

use super::api;
use super::audit::AuditLog;
use super::auth::{split_scopes, AuthState, DeviceStatus, Refusal};
use super::faults::{Faults, Quota, RateLimitForm};
use super::index::Index;
use super::oauth;
use super::tenant::{AuditEvent, GithubTenant};
use crate::common::http::json_response;
use crate::common::stats::Stats;
use crate::common::time::{format_rfc3339, now_ms};

pub(crate) struct Shared {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base: String,
    pub index: Index,
    pub audit: RwLock<AuditLog>,
    pub faults: Faults,
    pub stats: Mutex<Stats>,
    pub auth: Mutex<AuthState>,
    pub seq: AtomicU64,
    /// REST requests without the documented media type and API version headers.
    pub unversioned: AtomicU64,
    /// Credential authorizations removed through the API (`credential_id`s).
    pub removed_credentials: Mutex<std::collections::BTreeSet<u64>>,
    /// Outside collaborators removed through the API (logins).
    pub removed_outside: Mutex<std::collections::BTreeSet<String>>,
}

impl Shared {
    pub(crate) fn auth(&self) -> MutexGuard<'_, AuthState> {
        self.auth.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn audit(&self) -> RwLockReadGuard<'_, AuditLog> {
        self.audit.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn audit_mut(&self) -> RwLockWriteGuard<'_, AuditLog> {
        self.audit.write().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn removed_credentials(&self) -> MutexGuard<'_, std::collections::BTreeSet<u64>> {
        self.removed_credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn removed_outside(&self) -> MutexGuard<'_, std::collections::BTreeSet<String>> {
        self.removed_outside
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn stats(&self) -> MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The `/organizations/{id}/…` and `/repositories/{id}/…` URLs GitHub writes in `Link`
/// headers, mapped to the documented route they serve.
pub(crate) fn canonical(template: &str) -> &str {
    match template {
        "/organizations/{org_id}/members" => "/orgs/{org}/members",
        "/organizations/{org_id}/outside_collaborators" => "/orgs/{org}/outside_collaborators",
        "/organizations/{org_id}/teams" => "/orgs/{org}/teams",
        "/organizations/{org_id}/team/{team_id}/members" => "/orgs/{org}/teams/{team_slug}/members",
        "/organizations/{org_id}/repos" => "/orgs/{org}/repos",
        "/repositories/{repo_id}/collaborators" => "/repos/{owner}/{repo}/collaborators",
        "/organizations/{org_id}/installations" => "/orgs/{org}/installations",
        "/organizations/{org_id}/credential-authorizations" => {
            "/orgs/{org}/credential-authorizations"
        }
        "/organizations/{org_id}/audit-log" => "/orgs/{org}/audit-log",
        other => other,
    }
}

/// The documentation URL of a route (`documentation_url` of its errors).
pub(crate) fn documentation_url(template: &str) -> &'static str {
    match template {
        "/user" => "https://docs.github.com/rest/users/users#get-the-authenticated-user",
        "/orgs/{org}" => "https://docs.github.com/rest/orgs/orgs#get-an-organization",
        "/orgs/{org}/members" => "https://docs.github.com/rest/orgs/members#list-organization-members",
        "/orgs/{org}/outside_collaborators" => {
            "https://docs.github.com/rest/orgs/outside-collaborators#list-outside-collaborators-for-an-organization"
        }
        "/orgs/{org}/teams" => "https://docs.github.com/rest/teams/teams#list-teams",
        "/orgs/{org}/teams/{team_slug}/members" => "https://docs.github.com/rest/teams/members#list-team-members",
        "/orgs/{org}/repos" => "https://docs.github.com/rest/repos/repos#list-organization-repositories",
        "/repos/{owner}/{repo}/collaborators" => {
            "https://docs.github.com/rest/collaborators/collaborators#list-repository-collaborators"
        }
        "/orgs/{org}/installations" => {
            "https://docs.github.com/rest/orgs/orgs#list-app-installations-for-an-organization"
        }
        "/orgs/{org}/credential-authorizations" => {
            "https://docs.github.com/enterprise-cloud@latest/rest/orgs/orgs#list-saml-sso-authorizations-for-an-organization"
        }
        "/orgs/{org}/audit-log" => {
            "https://docs.github.com/enterprise-cloud@latest/rest/orgs/orgs#get-the-audit-log-for-an-organization"
        }
        "/orgs/{org}/credential-authorizations/{credential_id}" => {
            "https://docs.github.com/enterprise-cloud@latest/rest/orgs/orgs#remove-a-saml-sso-authorization-for-an-organization"
        }
        "/orgs/{org}/outside_collaborators/{username}" => {
            "https://docs.github.com/rest/orgs/outside-collaborators#remove-outside-collaborator-from-an-organization"
        }
        _ => "https://docs.github.com/rest",
    }
}

/// `X-Accepted-OAuth-Scopes` per route, from the scopes each operation's description names.
fn accepted_scopes(template: &str) -> &'static str {
    match template {
        "/orgs/{org}"
        | "/orgs/{org}/members"
        | "/orgs/{org}/outside_collaborators"
        | "/orgs/{org}/teams"
        | "/orgs/{org}/teams/{team_slug}/members"
        | "/orgs/{org}/credential-authorizations" => "admin:org, read:org, repo, user, write:org",
        "/repos/{owner}/{repo}/collaborators" => "read:org, repo",
        "/orgs/{org}/installations" => "admin:org, read:org",
        "/orgs/{org}/audit-log" => "read:audit_log",
        "/orgs/{org}/credential-authorizations/{credential_id}"
        | "/orgs/{org}/outside_collaborators/{username}" => "admin:org",
        _ => "",
    }
}

/// A GitHub error body: `{"message", "documentation_url", "status"}`.
pub(crate) fn error(status: StatusCode, message: &str, doc: &str) -> Response {
    json_response(
        status,
        &json!({"message": message, "documentation_url": doc, "status": status.as_u16().to_string()}),
    )
}

fn set(h: &mut HeaderMap, name: &'static str, value: impl ToString) {
    if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
        h.insert(HeaderName::from_static(name), v);
    }
}

fn rate_headers(h: &mut HeaderMap, q: &Quota) {
    set(h, "x-ratelimit-limit", q.limit);
    set(h, "x-ratelimit-remaining", q.remaining);
    set(h, "x-ratelimit-reset", q.reset_secs);
    set(h, "x-ratelimit-used", q.used);
    set(h, "x-ratelimit-resource", "core");
}

/// Marks a 403 as a rate-limit answer for [`Stats::rate_limited`].
#[derive(Clone, Copy)]
struct RateLimitedMark;

fn rate_limited(form: RateLimitForm, secs: u64, quota: Quota, user_id: u64) -> Response {
    let secondary = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. \
                     If you reach out to GitHub Support for help, please include the request ID.";
    let secondary_doc = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits";
    let primary_doc =
        "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api";
    let mut r = match form {
        RateLimitForm::TooManyRequests => {
            error(StatusCode::TOO_MANY_REQUESTS, secondary, secondary_doc)
        }
        RateLimitForm::SecondaryForbidden => error(StatusCode::FORBIDDEN, secondary, secondary_doc),
        RateLimitForm::PrimaryExhausted => error(
            StatusCode::FORBIDDEN,
            &format!("API rate limit exceeded for user ID {user_id}."),
            primary_doc,
        ),
    };
    let h = r.headers_mut();
    match form {
        RateLimitForm::PrimaryExhausted => {
            let reset = now_ms() / 1000 + secs as i64;
            rate_headers(
                h,
                &Quota {
                    remaining: 0,
                    used: quota.limit,
                    reset_secs: reset,
                    ..quota
                },
            );
        }
        _ => {
            rate_headers(h, &quota);
            set(h, "retry-after", secs);
        }
    }
    r.extensions_mut().insert(RateLimitedMark);
    r
}

/// Every request passes here: stats, delay, injected faults, then (for the REST API)
/// authentication, the quota, failing paths and GitHub's response headers.
/// Whether a request names the media type and API version GitHub documents.
fn versioned(req: &Request) -> bool {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    header("accept") == Some("application/vnd.github+json")
        && header("x-github-api-version") == Some("2022-11-28")
}

async fn gate(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("(unmatched)", |m| canonical(m.as_str()))
        .to_owned();
    s.stats().request(&template);
    // getting-started-with-the-rest-api.md: pass `Accept: application/vnd.github+json` and
    // `X-GitHub-Api-Version` (GitHub answers without them too, with its default version).
    if !template.starts_with("/login/") && template != "(unmatched)" && !versioned(&req) {
        s.unversioned
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    let response = serve(&s, &template, req, next).await;
    let marked = response.extensions().get::<RateLimitedMark>().is_some();
    s.stats().answer(response.status().as_u16(), marked);
    response
}

async fn serve(s: &Arc<Shared>, template: &str, mut req: Request, next: Next) -> Response {
    let delay = s.faults.delay();
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let doc = documentation_url(template);
    let is_api = !template.starts_with("/login/") && template != "(unmatched)";
    let now_secs = now_ms() / 1000;
    if let Some(code) = s.faults.take_server_error() {
        let (status, message) = if code == 502 {
            (StatusCode::BAD_GATEWAY, "Server Error")
        } else {
            (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
        };
        let mut r = error(status, message, doc);
        if is_api {
            rate_headers(r.headers_mut(), &s.faults.peek(now_secs));
        }
        return r;
    }
    if !is_api {
        if let Some(code) = s.faults.path_status(template) {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return error(status, status.canonical_reason().unwrap_or("Error"), doc);
        }
        return next.run(req).await;
    }

    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let caller = s.auth().authenticate(header);
    let caller = match caller {
        Ok(c) => c,
        Err(refusal) => {
            let message = match refusal {
                Refusal::Missing => "Requires authentication",
                Refusal::Bad => "Bad credentials",
            };
            let mut r = error(
                StatusCode::UNAUTHORIZED,
                message,
                "https://docs.github.com/rest",
            );
            rate_headers(r.headers_mut(), &s.faults.peek(now_secs));
            return r;
        }
    };
    if s.faults.authorised() {
        s.auth().expire_all();
        let mut r = error(
            StatusCode::UNAUTHORIZED,
            "Bad credentials",
            "https://docs.github.com/rest",
        );
        rate_headers(r.headers_mut(), &s.faults.peek(now_secs));
        return r;
    }
    let user_id = s.index.token_user().map_or(10137, |m| m.id);
    if let Some((form, secs)) = s.faults.take_rate_limit() {
        return rate_limited(form, secs, s.faults.peek(now_secs), user_id);
    }
    let quota = s.faults.spend(now_secs);
    if quota.exhausted {
        let secs = (quota.reset_secs - now_secs).max(0) as u64;
        return rate_limited(RateLimitForm::PrimaryExhausted, secs, quota, user_id);
    }
    let mut r = match s.faults.path_status(template) {
        Some(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            error(status, status.canonical_reason().unwrap_or("Error"), doc)
        }
        None => {
            req.extensions_mut().insert(caller.clone());
            next.run(req).await
        }
    };
    let h = r.headers_mut();
    rate_headers(h, &quota);
    set(h, "x-oauth-scopes", caller.scopes.join(", "));
    set(h, "x-accepted-oauth-scopes", accepted_scopes(template));
    set(h, "x-github-media-type", "github.v3; format=json");
    set(h, "x-github-api-version-selected", "2022-11-28");
    set(
        h,
        "x-github-request-id",
        format!("CW01:{:X}", s.seq.fetch_add(1, Ordering::Relaxed)),
    );
    if let Some(left) = caller.expires_in {
        let at = format_rfc3339(now_ms() + left.as_millis() as i64);
        set(
            h,
            "github-authentication-token-expiration",
            at.replace('T', " ").replace('Z', " UTC"),
        );
    }
    r
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/user", get(api::user))
        .route("/orgs/{org}", get(api::organization))
        .route("/orgs/{org}/members", get(api::members))
        .route("/organizations/{org_id}/members", get(api::members))
        .route(
            "/orgs/{org}/outside_collaborators",
            get(api::outside_collaborators),
        )
        .route(
            "/organizations/{org_id}/outside_collaborators",
            get(api::outside_collaborators),
        )
        .route("/orgs/{org}/teams", get(api::teams))
        .route("/organizations/{org_id}/teams", get(api::teams))
        .route(
            "/orgs/{org}/teams/{team_slug}/members",
            get(api::team_members),
        )
        .route(
            "/organizations/{org_id}/team/{team_id}/members",
            get(api::team_members),
        )
        .route("/orgs/{org}/repos", get(api::repos))
        .route("/organizations/{org_id}/repos", get(api::repos))
        .route(
            "/repos/{owner}/{repo}/collaborators",
            get(api::collaborators),
        )
        .route(
            "/repositories/{repo_id}/collaborators",
            get(api::collaborators),
        )
        .route("/orgs/{org}/installations", get(api::installations))
        .route(
            "/organizations/{org_id}/installations",
            get(api::installations),
        )
        .route(
            "/orgs/{org}/credential-authorizations",
            get(api::credential_authorizations),
        )
        .route(
            "/organizations/{org_id}/credential-authorizations",
            get(api::credential_authorizations),
        )
        .route(
            "/orgs/{org}/credential-authorizations/{credential_id}",
            delete(api::remove_credential_authorization),
        )
        .route(
            "/orgs/{org}/outside_collaborators/{username}",
            delete(api::remove_outside_collaborator),
        )
        .route("/orgs/{org}/audit-log", get(api::audit_log))
        .route("/organizations/{org_id}/audit-log", get(api::audit_log))
        .route("/login/device/code", post(oauth::device_code))
        .route("/login/device", get(oauth::device_page))
        .route("/login/oauth/access_token", post(oauth::access_token))
        .route("/login/oauth/authorize", get(oauth::authorize))
        .fallback(api::not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), gate))
        .with_state(shared)
}

/// A fake `api.github.com` (and the OAuth endpoints of `github.com`) on `127.0.0.1`,
/// serving one [`GithubTenant`] until dropped.
///
/// Every accepted token belongs to `tenant.members[0]` (an organisation owner). Pages of
/// list endpoints carry GitHub's `Link` header, whose URLs use the id forms GitHub writes
/// (`/organizations/{org_id}/members?page=2`, `/organizations/{org_id}/team/{team_id}/members`,
/// `/repositories/{repo_id}/collaborators`); the fake serves those too.
///
/// The primary rate limit is GitHub's 5 000 requests per hour: a benchmark that needs more
/// calls `faults().set_quota(…)`.
pub struct FakeGithub {
    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash), for both the REST API and
    /// the OAuth endpoints.
    pub url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for FakeGithub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeGithub")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl FakeGithub {
    /// Binds `127.0.0.1:0` and serves `tenant`, accepting `token` (as `Bearer` or `token`)
    /// with the scopes `admin:org, read:audit_log, repo, read:user`.
    pub async fn start(tenant: GithubTenant, token: &str) -> std::io::Result<FakeGithub> {
        FakeGithub::start_at(tenant, token, "127.0.0.1:0").await
    }

    /// As [`FakeGithub::start`], on `addr` (the address of a fake just dropped: the same
    /// organisation, changed between two scans).
    pub async fn start_at(
        mut tenant: GithubTenant,
        token: &str,
        addr: &str,
    ) -> std::io::Result<FakeGithub> {
        // A fake just dropped lets go of its port when its aborted task ends: wait for it.
        let mut tries = 0;
        let listener = loop {
            match tokio::net::TcpListener::bind(addr).await {
                Ok(l) => break l,
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && tries < 200 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
                Err(e) => return Err(e),
            }
        };
        let url = format!("http://{}", listener.local_addr()?);
        let events = std::mem::take(&mut tenant.audit_events);
        let seed = tenant.id ^ now_ms() as u64;
        let shared = Arc::new(Shared {
            base: url.clone(),
            index: Index::new(tenant),
            audit: RwLock::new(AuditLog::new(events)),
            faults: Faults::default(),
            stats: Mutex::new(Stats::default()),
            auth: Mutex::new(AuthState::new(token, seed)),
            seq: AtomicU64::new(1),
            unversioned: AtomicU64::new(0),
            removed_credentials: Mutex::default(),
            removed_outside: Mutex::default(),
        });
        let app = router(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            // The server ends only when the task is aborted; an I/O error ends it early and
            // the test sees connection errors.
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeGithub { url, shared, task })
    }

    /// The faults to inject; change them while the server runs.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Add an audit-log event, e.g. one that arrives late with a timestamp in the past.
    /// Later queries return it in timestamp order.
    pub fn add_audit_event(&self, e: AuditEvent) {
        self.shared.audit_mut().insert(e);
    }

    /// How many audit-log events the server holds.
    pub fn audit_event_count(&self) -> usize {
        self.shared.audit().len()
    }

    /// A snapshot of the request counters.
    pub fn stats(&self) -> Stats {
        self.shared.stats().clone()
    }

    /// How many REST requests came without `Accept: application/vnd.github+json` and
    /// `X-GitHub-Api-Version: 2022-11-28`.
    pub fn requests_without_version_headers(&self) -> u64 {
        self.shared
            .unversioned
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The `credential_id`s of the SAML SSO credential authorizations removed through the API.
    pub fn removed_credential_authorizations(&self) -> Vec<u64> {
        self.shared.removed_credentials().iter().copied().collect()
    }

    /// The logins of the outside collaborators removed through the API.
    pub fn removed_outside_collaborators(&self) -> Vec<String> {
        self.shared.removed_outside().iter().cloned().collect()
    }

    /// Accept `token` from now on (the previous one gets 401). After
    /// [`Faults::expire_token_after`] has fired, this is how a test renews the token.
    /// OAuth-issued tokens are unaffected.
    pub fn set_token(&self, token: &str) {
        self.shared.auth().token = Some(token.to_owned());
    }

    /// The scopes of the token given to `start`/`set_token`, reported in `X-OAuth-Scopes`
    /// (default `admin:org, read:audit_log, repo, read:user`). OAuth grants that request no
    /// scope get these too.
    pub fn set_scopes(&self, scopes: &[&str]) {
        self.shared.auth().scopes = scopes.iter().flat_map(|s| split_scopes(s)).collect();
    }

    /// Check OAuth `client_id` (and, for the authorization-code and refresh grants,
    /// `client_secret` when given here). By default any non-empty `client_id` is accepted.
    pub fn set_oauth_client(&self, client_id: &str, client_secret: Option<&str>) {
        self.shared.auth().client = Some((client_id.to_owned(), client_secret.map(str::to_owned)));
    }

    /// The device-flow polling `interval` in seconds (GitHub: 5). Polling faster answers
    /// `slow_down` and adds 5 seconds, as GitHub does; 0 turns the check off.
    pub fn set_device_interval(&self, secs: u64) {
        self.shared.auth().device_interval = secs;
    }

    /// Lifetime of OAuth access tokens issued from now on (GitHub: 8 hours), reported in
    /// `expires_in` and enforced: an expired token gets 401 "Bad credentials".
    pub fn set_access_token_lifetime(&self, secs: u64) {
        self.shared.auth().access_lifetime = Duration::from_secs(secs);
    }

    /// The user approves the device authorization showing `user_code`; the next poll gets
    /// tokens. False if no pending, unexpired authorization has that code.
    pub fn approve_device(&self, user_code: &str) -> bool {
        self.shared.auth().decide(user_code, DeviceStatus::Approved)
    }

    /// The user cancels the device authorization showing `user_code`; polls get
    /// `access_denied`.
    pub fn deny_device(&self, user_code: &str) -> bool {
        self.shared.auth().decide(user_code, DeviceStatus::Denied)
    }

    /// Revoke every refresh token issued so far: refreshing answers `bad_refresh_token`.
    pub fn revoke_refresh_tokens(&self) {
        self.shared.auth().refresh.clear();
    }
}

impl Drop for FakeGithub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Path parameters of a route.
pub(crate) type PathParams = HashMap<String, String>;
