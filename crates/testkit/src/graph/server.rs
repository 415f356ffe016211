//! The HTTP server: routes, the gate every request passes (stats, faults, authentication,
//! request ids), and the [`FakeGraph`] handle.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use super::api;
use super::auth::{AuthState, Refusal};
use super::contract;
use super::faults::Faults;
use super::files::{self, Changes};
use super::index::Index;
use super::logs::{self, EventLog};
use super::oauth;
use super::odata::{self, error};
use super::tenant::{DirectoryAudit, GraphTenant, Permission, SignIn};
use super::unified;
use crate::common::rng::Rng;
use crate::common::stats::Stats;
use crate::common::time::now_ms;

pub(crate) struct Shared {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base: String,
    pub index: Index,
    pub audits: RwLock<EventLog<DirectoryAudit>>,
    pub sign_ins: RwLock<EventLog<SignIn>>,
    pub faults: Faults,
    stats: Mutex<Stats>,
    auth: Mutex<AuthState>,
    changes: Mutex<Changes>,
    premium: AtomicBool,
    /// Every Graph request served, as sent (for the contract test).
    requests: Mutex<Vec<contract::Request>>,
    queries: Mutex<unified::Queries>,
    /// Ids of delegated grants and app role assignments deleted through the API.
    revoked: Mutex<std::collections::HashSet<String>>,
    /// Client service principals whose grants are not granted yet (see
    /// [`FakeGraph::withhold_grants`]).
    withheld: Mutex<std::collections::HashSet<String>>,
    seq: AtomicU64,
    salt: u64,
}

impl Shared {
    pub(crate) fn auth(&self) -> MutexGuard<'_, AuthState> {
        self.auth.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn changes(&self) -> MutexGuard<'_, Changes> {
        self.changes.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn queries(&self) -> MutexGuard<'_, unified::Queries> {
        self.queries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Ids of grants and assignments deleted through the API.
    pub(crate) fn revoked(&self) -> MutexGuard<'_, std::collections::HashSet<String>> {
        self.revoked.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Client service principals whose grants are withheld.
    pub(crate) fn withheld(&self) -> MutexGuard<'_, std::collections::HashSet<String>> {
        self.withheld.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn requests(&self) -> MutexGuard<'_, Vec<contract::Request>> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn stats(&self) -> MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the tenant has an Entra ID P1/P2 licence.
    pub(crate) fn premium(&self) -> bool {
        self.premium.load(Ordering::Relaxed)
    }

    /// A fresh GUID for request, trace and correlation ids.
    pub(crate) fn guid(&self) -> String {
        Rng::new(self.salt ^ self.seq.fetch_add(1, Ordering::Relaxed)).guid()
    }
}

/// The Graph error code Graph uses for a status.
fn code_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "BadRequest",
        401 => "InvalidAuthenticationToken",
        403 => "Authorization_RequestDenied",
        404 => "Request_ResourceNotFound",
        409 => "Conflict",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        503 => "serviceNotAvailable",
        _ => "UnknownError",
    }
}

fn unauthorized(message: &str) -> Response {
    let mut r = error(
        StatusCode::UNAUTHORIZED,
        "InvalidAuthenticationToken",
        message,
    );
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(
            "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
        ),
    );
    r
}

/// Every request passes here: stats, delay, injected faults, then (for the Graph API)
/// authentication, token expiry, rate limits and failing paths; at the end the request ids.
async fn gate(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("(unmatched)", MatchedPath::as_str)
        .to_owned();
    s.stats().request(&template);
    let client_request_id = req
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| s.guid());
    let request_id = s.guid();
    let mut response = serve(&s, &template, req, next).await;
    odata::finish(&mut response, &request_id, &client_request_id);
    s.stats().answer(response.status().as_u16(), false);
    response
}

async fn serve(s: &Arc<Shared>, template: &str, req: Request, next: Next) -> Response {
    let delay = s.faults.delay();
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let identity = template.starts_with("/{tenant}/");
    if let Some(code) = s.faults.take_server_error() {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        if identity {
            return oauth::failure(s, status);
        }
        let message = if code == 503 {
            "The service is temporarily unavailable. Please retry later."
        } else {
            "The operation has timed out."
        };
        return error(status, code_of(status), message);
    }
    let failing = s
        .faults
        .path_status(template)
        .map(|code| StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    if identity {
        return match failing {
            Some(status) => oauth::failure(s, status),
            None => next.run(req).await,
        };
    }
    if template == "(unmatched)" {
        // A path the fake does not serve is still a request the client sent: kept for the
        // contract test (which judges it by the schema), answered 404 like Graph.
        if req.uri().path().starts_with("/v1.0/") {
            s.requests().push(contract::Request {
                method: req.method().as_str().to_owned(),
                target: req
                    .uri()
                    .path_and_query()
                    .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned()),
                delegated: false,
                prefer: None,
                body: None,
            });
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
        Err(Refusal::Missing) => return unauthorized("Access token is empty."),
        Err(Refusal::Invalid) => {
            return unauthorized("Access token has expired or is not yet valid.")
        }
    };
    if s.faults.authorised() {
        s.auth().expire_all();
        return unauthorized("Access token has expired or is not yet valid.");
    }
    if let Some(secs) = s.faults.take_rate_limit() {
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "Too many requests. Please retry after the time given in the Retry-After header.",
        );
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return r;
    }
    if let Some(status) = failing {
        let message = status.canonical_reason().unwrap_or("Error");
        return error(status, code_of(status), message);
    }
    // Like Graph, refuse what v1.0 does not have or the operation's page does not allow.
    let (req, recorded) = match record(req, &caller).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    // Which auth mode may call what is the handlers' to answer (403 `accessDenied`, as
    // Graph does); the schema and the documented options are judged here.
    let problems = contract::check(
        super::schema::v1(),
        &contract::Request {
            delegated: false,
            ..recorded.clone()
        },
    );
    s.requests().push(recorded);
    if let Some(problem) = problems.first() {
        return unsupported_query(problem);
    }
    let mut req = req;
    req.extensions_mut().insert(caller);
    next.run(req).await
}

/// Graph's answer to a query it does not support.
fn unsupported_query(problem: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "Request_UnsupportedQuery",
        format!("Unsupported Query. {problem}"),
    )
}

/// The request as sent (its body read and put back).
async fn record(
    req: Request,
    caller: &super::auth::Caller,
) -> Result<(Request, contract::Request), Response> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 4 << 20)
        .await
        .map_err(|_| error(StatusCode::BAD_REQUEST, "BadRequest", "Unreadable body."))?;
    let prefer: Vec<&str> = parts
        .headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let recorded = contract::Request {
        method: parts.method.as_str().to_owned(),
        target: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned()),
        delegated: matches!(caller.principal, super::auth::Principal::Delegated(_)),
        prefer: (!prefer.is_empty()).then(|| prefer.join(", ")),
        body: (!bytes.is_empty()).then(|| String::from_utf8_lossy(&bytes).into_owned()),
    };
    Ok((
        Request::from_parts(parts, axum::body::Body::from(bytes)),
        recorded,
    ))
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/authorize", get(oauth::authorize))
        .route("/{tenant}/oauth2/v2.0/token", post(oauth::token))
        .route("/v1.0/organization", get(api::organization))
        .route("/v1.0/me", get(api::me))
        .route("/v1.0/users", get(api::users))
        .route("/v1.0/users/{id}", axum::routing::patch(api::update_user))
        .route(
            "/v1.0/users/{id}/revokeSignInSessions",
            post(api::revoke_sessions),
        )
        .route(
            "/v1.0/reports/authenticationMethods/userRegistrationDetails",
            get(api::user_registration_details),
        )
        .route("/v1.0/groups", get(api::groups))
        .route("/v1.0/groups/{id}/members", get(api::group_members))
        .route("/v1.0/groups/{id}/owners", get(api::group_owners))
        .route(
            "/v1.0/groups/{id}/transitiveMembers",
            get(api::group_transitive_members),
        )
        .route(
            "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances",
            get(api::role_eligibilities),
        )
        .route(
            "/v1.0/roleManagement/directory/roleDefinitions",
            get(api::role_definitions),
        )
        .route(
            "/v1.0/roleManagement/directory/roleAssignments",
            get(api::role_assignments),
        )
        .route(
            "/v1.0/auditLogs/directoryAudits",
            get(logs::directory_audits),
        )
        .route("/v1.0/auditLogs/signIns", get(logs::sign_ins))
        .route("/v1.0/sites", get(files::search_sites))
        .route("/v1.0/sites/getAllSites", get(files::all_sites))
        .route("/v1.0/sites/{site_id}/drives", get(files::site_drives))
        .route("/v1.0/drives/{drive_id}/root/delta", get(files::delta))
        .route("/v1.0/drives/{drive_id}/items/{item_id}", get(files::item))
        .route(
            "/v1.0/drives/{drive_id}/items/{item_id}/permissions",
            get(files::item_permissions),
        )
        .route(
            "/v1.0/drives/{drive_id}/items/{item_id}/permissions/{perm_id}",
            axum::routing::delete(api::delete_permission),
        )
        .route("/v1.0/oauth2PermissionGrants", get(api::grants))
        .route(
            "/v1.0/oauth2PermissionGrants/{id}",
            axum::routing::delete(api::delete_grant),
        )
        .route(
            "/v1.0/security/auditLog/queries",
            get(unified::list).post(unified::create),
        )
        .route("/v1.0/security/auditLog/queries/{id}", get(unified::get))
        .route(
            "/v1.0/security/auditLog/queries/{id}/records",
            get(unified::records),
        )
        .route("/v1.0/servicePrincipals", get(api::service_principals))
        .route(
            "/v1.0/servicePrincipals/{id}/appRoleAssignedTo",
            get(api::app_role_assigned_to),
        )
        .route(
            "/v1.0/servicePrincipals/{id}/appRoleAssignedTo/{assignment}",
            axum::routing::delete(api::delete_app_role_assigned_to),
        )
        .fallback(api::not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), gate))
        .with_state(shared)
}

/// The application registered in the tenant: the client the identity platform accepts.
#[derive(Clone)]
pub struct GraphApp {
    /// The application (client) id.
    pub client_id: String,
    /// A client secret, required by the client-credentials grant (the authorization-code
    /// and refresh grants of a public client need none, but check one if sent).
    pub client_secret: String,
}

impl std::fmt::Debug for GraphApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}

/// A fake Microsoft Graph (`graph.microsoft.com/v1.0`) and Microsoft identity platform
/// (`login.microsoftonline.com`) on `127.0.0.1`, serving one [`GraphTenant`] until dropped.
pub struct FakeGraph {
    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash), for both Graph
    /// (`{url}/v1.0/…`) and the identity platform (`{url}/{tenant}/oauth2/v2.0/…`).
    pub url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for FakeGraph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeGraph")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl FakeGraph {
    /// Binds `127.0.0.1:0` and serves `tenant` to `app`. App-only and delegated tokens carry
    /// every permission a CASB reads until [`FakeGraph::set_app_roles`] or
    /// [`FakeGraph::set_delegated_scopes`] say otherwise; the tenant has a premium licence
    /// until [`FakeGraph::set_premium`]`(false)`.
    pub async fn start(mut tenant: GraphTenant, app: GraphApp) -> std::io::Result<FakeGraph> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let audits = std::mem::take(&mut tenant.directory_audits);
        let sign_ins = std::mem::take(&mut tenant.sign_ins);
        let salt = tenant
            .tenant_id
            .bytes()
            .fold(now_ms() as u64, |h, b| h.rotate_left(5) ^ u64::from(b));
        let shared = Arc::new(Shared {
            base: url.clone(),
            index: Index::new(tenant),
            audits: RwLock::new(EventLog::new(audits)),
            sign_ins: RwLock::new(EventLog::new(sign_ins)),
            faults: Faults::default(),
            stats: Mutex::new(Stats::default()),
            auth: Mutex::new(AuthState::new(&app.client_id, &app.client_secret, salt)),
            changes: Mutex::new(Changes::default()),
            premium: AtomicBool::new(true),
            requests: Mutex::new(Vec::new()),
            queries: Mutex::new(unified::Queries::default()),
            revoked: Mutex::new(std::collections::HashSet::new()),
            withheld: Mutex::new(std::collections::HashSet::new()),
            seq: AtomicU64::new(1),
            salt,
        });
        let app = router(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            // The server ends only when the task is aborted; an I/O error ends it early and
            // the test sees connection errors.
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeGraph { url, shared, task })
    }

    /// The tenant id (`{tenant}` of the identity-platform URLs, `tid` of tokens).
    pub fn tenant_id(&self) -> &str {
        &self.shared.index.tenant.tenant_id
    }

    /// The faults to inject; change them while the server runs.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// A snapshot of the request counters, per route template (`/v1.0/groups/{id}/members`,
    /// `/{tenant}/oauth2/v2.0/token` …).
    pub fn stats(&self) -> Stats {
        self.shared.stats().clone()
    }

    /// Every Graph request served so far (not the identity platform's), as the client sent
    /// it: what a contract test judges by the published schema.
    pub fn requests(&self) -> Vec<contract::Request> {
        self.shared.requests().clone()
    }

    /// Add a directory audit event, e.g. one that arrives late with a time in the past.
    /// Later queries return it in time order; a paged read in progress returns it only if it
    /// falls after the page it is on.
    pub fn add_directory_audit(&self, e: DirectoryAudit) {
        self.shared
            .audits
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(e);
    }

    /// Add a sign-in, as [`FakeGraph::add_directory_audit`] does (users' `signInActivity`
    /// is not updated).
    pub fn add_sign_in(&self, e: SignIn) {
        self.shared
            .sign_ins
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(e);
    }

    /// Hides the delegated grants and app role assignments of the client service principal
    /// `client_sp_id` (its object id) until [`FakeGraph::release_grants`]: an app consented to
    /// after a first scan.
    pub fn withhold_grants(&self, client_sp_id: &str) {
        self.shared.withheld().insert(client_sp_id.to_owned());
    }

    /// Grants what [`FakeGraph::withhold_grants`] hid.
    pub fn release_grants(&self) {
        self.shared.withheld().clear();
    }

    /// How many directory audit events the server holds.
    pub fn directory_audit_count(&self) -> usize {
        self.shared
            .audits
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// How many sign-ins the server holds.
    pub fn sign_in_count(&self) -> usize {
        self.shared
            .sign_ins
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// What was changed through the API so far: ids of deleted delegated grants and app role
    /// assignments, `sessions:{user id}` (sign-in sessions revoked), `disabled:{user id}`
    /// (account blocked), `permission:{drive}/{item}/{permission}` (sharing removed).
    pub fn revoked(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.shared.revoked().iter().cloned().collect();
        ids.sort();
        ids
    }

    /// The application permissions (`roles`) of client-credentials tokens issued from now on.
    pub fn set_app_roles(&self, roles: &[&str]) {
        self.shared.auth().app_roles = roles.iter().map(|r| (*r).to_owned()).collect();
    }

    /// The delegated scopes (`scp`, and `scope` of the token answer) granted by the
    /// authorization-code and refresh grants from now on, whatever the client asks for
    /// (`.default`, `offline_access` …): what the administrator consented to.
    pub fn set_delegated_scopes(&self, scopes: &[&str]) {
        self.shared.auth().delegated_scopes = scopes.iter().map(|r| (*r).to_owned()).collect();
    }

    /// Whether the tenant has an Entra ID P1/P2 licence (default true). Without it,
    /// `/auditLogs/signIns` and `$select=signInActivity` answer 403
    /// `Authentication_RequestFromNonPremiumTenantOrB2CTenant`.
    pub fn set_premium(&self, premium: bool) {
        self.shared.premium.store(premium, Ordering::Relaxed);
    }

    /// Whether the administrator accepts the consent prompt (default true). False:
    /// `authorize` redirects with `error=access_denied`.
    pub fn set_consent(&self, consent: bool) {
        self.shared.auth().consent = consent;
    }

    /// Revoke every refresh token issued so far: refreshing answers `invalid_grant`
    /// (AADSTS70008).
    pub fn revoke_refresh_tokens(&self) {
        self.shared.auth().refresh.clear();
    }

    /// Lifetime of access tokens issued from now on (default 3599 s), reported in
    /// `expires_in` and `exp` and enforced: an expired token gets 401.
    pub fn set_access_token_lifetime(&self, secs: u64) {
        self.shared.auth().access_lifetime = Duration::from_secs(secs);
    }

    /// Someone edits the drive item `item_id` now: its `lastModifiedDateTime` becomes now and
    /// the next `delta` round of its drive returns it. False for an unknown item.
    pub fn touch_item(&self, item_id: &str) -> bool {
        match self.shared.index.item(item_id) {
            Some(i) => {
                self.shared.changes().touch(i, now_ms());
                true
            }
            None => false,
        }
    }

    /// How many status reads a new audit log query takes before it has succeeded (default
    /// 0: the first read finds it done; real queries take minutes).
    pub fn set_audit_query_polls(&self, polls: u32) {
        self.shared.queries().polls = polls;
    }

    /// Whether the tenant may search its unified audit log (default true). False: the
    /// audit log query API answers 403, as for a tenant without an auditing licence.
    pub fn set_unified_audit(&self, available: bool) {
        self.shared.queries().disabled = !available;
    }

    /// Every `delta` token issued so far answers 410 `resyncChangesApplyDifferences`, with a
    /// `Location` that starts the drive afresh.
    pub fn invalidate_delta_tokens(&self) {
        self.shared
            .changes()
            .invalidate("resyncChangesApplyDifferences");
    }

    /// As [`FakeGraph::invalidate_delta_tokens`], with the error code given
    /// (`resyncChangesApplyDifferences` or `resyncChangesUploadDifferences`).
    pub fn invalidate_delta_tokens_with(&self, code: &'static str) {
        self.shared.changes().invalidate(code);
    }

    /// The drive item `item_id` is gone from now on without a change a delta token shows
    /// (as after the change log a token points into has expired): full reads no longer list
    /// it. False for an unknown item.
    pub fn remove_item(&self, item_id: &str) -> bool {
        match self.shared.index.item(item_id) {
            Some(i) => {
                self.shared.changes().remove(i);
                true
            }
            None => false,
        }
    }

    /// Someone adds `permission` to the drive item `item_id` now (a new sharing link, a new
    /// person): its content is unchanged, so the next `delta` round returns it only to a
    /// request that prefers sharing changes. False for an unknown item.
    pub fn share_item(&self, item_id: &str, permission: Permission) -> bool {
        match self.shared.index.item(item_id) {
            Some(i) => {
                self.shared.changes().share(i, permission);
                true
            }
            None => false,
        }
    }
}

impl Drop for FakeGraph {
    fn drop(&mut self) {
        self.task.abort();
    }
}
