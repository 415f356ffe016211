//! App connectors on the engine facade: connect, test, scan, enable/disable, remove, list.

use std::collections::HashMap;

use std::time::Duration;

use cloudwarden_connectors::github::Github;
use cloudwarden_connectors::http::{Auth, Http};
use cloudwarden_connectors::m365::{self, M365};
use cloudwarden_connectors::model::{AuthMethod, Connector, Ctx, Permissions, Phase};
use cloudwarden_connectors::oauth::{self, AuthorizationFlow, DeviceStart, Endpoints, Tokens};
use cloudwarden_connectors::Error as CError;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use super::{new_id, now_ms, Engine};
use crate::backend::{InstanceRow, RecordTable};
use crate::domain::connectors::*;
use crate::domain::jobs::JobState;
use crate::scan;
use crate::secrets::Secret;
use crate::{Error, Result};

/// An OAuth flow waiting for the analyst (approval of a device code, or the browser's
/// redirect), with the instance it creates or re-authorizes.
#[derive(Debug)]
enum Pending {
    Device(ConnectGithubDevice, Endpoints, DeviceStart),
    Code(NewInstance, Endpoints, AuthorizationFlow),
    /// A code flow whose browser redirect is being awaited; cancelling ends the wait.
    Waiting(CancellationToken),
}

/// OAuth flows waiting for the analyst, by flow id. A flow nobody finishes expires: device
/// codes are good for 15 minutes at GitHub, and a browser sign-in is awaited at most
/// [`AUTHORIZE_TIMEOUT`]; dropping an expired one closes its loopback listener.
#[derive(Debug, Default)]
struct PendingFlows(HashMap<String, (std::time::Instant, Pending)>);

/// How long a started flow may wait to be finished or cancelled.
const FLOW_LIFETIME: Duration = Duration::from_secs(15 * 60);

impl PendingFlows {
    fn insert(&mut self, id: String, flow: Pending) {
        self.purge();
        self.0.insert(id, (std::time::Instant::now(), flow));
    }

    fn remove(&mut self, id: &str) -> Option<Pending> {
        self.purge();
        self.0.remove(id).map(|(_, flow)| flow)
    }

    fn purge(&mut self) {
        self.0.retain(|_, (at, flow)| {
            matches!(flow, Pending::Waiting(_)) || at.elapsed() < FLOW_LIFETIME
        });
    }
}

/// An instance about to be created (or, with `existing`, re-authorized).
#[derive(Debug)]
struct NewInstance {
    app: &'static str,
    name: String,
    config: Value,
    existing: Option<String>,
}

/// Access-token renewals one scan may make after a 401 before it gives up.
const MAX_RENEWALS: u32 = 5;

/// How long the browser sign-in of an authorization-code flow may take.
const AUTHORIZE_TIMEOUT: Duration = Duration::from_secs(10 * 60);

pub(crate) fn http() -> Result<Http> {
    Http::new(CancellationToken::new()).map_err(|e| Error::Validation(e.to_string()))
}

/// Tokens as the keychain keeps them.
fn tokens_json(tokens: &Tokens) -> Result<String> {
    serde_json::to_string(tokens).map_err(|e| Error::Validation(e.to_string()))
}

fn trimmed(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|u| !u.is_empty())
}

/// Running scans by instance, with the token that cancels them; device flows waiting for the
/// analyst's approval.
#[derive(Debug, Default)]
pub(super) struct Scans(
    std::sync::Mutex<HashMap<String, CancellationToken>>,
    std::sync::Mutex<PendingFlows>,
    /// One token renewal at a time per instance: a rotated refresh token is good once.
    std::sync::Mutex<HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
);

fn github_endpoints(client_id: &str, oauth_url: Option<&str>) -> Endpoints {
    let base = oauth_url
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .unwrap_or("https://github.com")
        .trim_end_matches('/');
    Endpoints {
        client_id: client_id.trim().to_owned(),
        client_secret: None,
        auth_url: format!("{base}/login/oauth/authorize"),
        token_url: format!("{base}/login/oauth/access_token"),
        device_url: Some(format!("{base}/login/device/code")),
    }
}

/// The scopes the GitHub connector asks for in OAuth flows: read-only ones. Not `repo`: it is
/// GitHub's only classic scope for private repositories and grants full write access to them
/// (https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps), so
/// an OAuth sign-in lists public repositories only; a fine-grained token or a GitHub App with
/// Metadata: read lists private ones read-only (see the connect wizard).
pub const GITHUB_SCOPES: &[&str] = &["read:org", "read:audit_log", "read:user"];

fn token_key(instance: &str) -> String {
    format!("instance/{instance}/token")
}

/// The client secret of a confidential OAuth client (client credentials, GitHub OAuth apps).
fn secret_key(instance: &str) -> String {
    format!("instance/{instance}/client_secret")
}

/// A sign-in or credential refusal: in plain words and tied to its form field when the
/// identity platform's code says what is wrong (`AADSTS7000215`: the client secret), else
/// `context: <the vendor's text>`.
fn sign_in_error(context: &str, e: &CError) -> Error {
    // The identity platform's own words, without our wrapping ("the vendor refused …").
    let vendor = match e {
        CError::Unauthorized(m) | CError::Forbidden(m) => m.clone(),
        other => other.to_string(),
    };
    match m365::signin_error::explain(&vendor) {
        Some(p) => Error::Credential {
            field: serde_json::to_value(p.field)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            message: p.message,
            detail: vendor,
        },
        None => Error::Validation(format!("{context}: {e}")),
    }
}

fn app_label(app: &str) -> &str {
    match app {
        "github" => "GitHub",
        "m365" => "Microsoft 365",
        other => other,
    }
}

fn auth_name(a: AuthMethod) -> &'static str {
    match a {
        AuthMethod::Token => "token",
        AuthMethod::DeviceFlow => "device_flow",
        AuthMethod::AuthorizationCode => "authorization_code",
        AuthMethod::ClientCredentials => "client_credentials",
    }
}

fn connector_of(app: &str, config: &Value) -> Result<Box<dyn Connector>> {
    match app {
        "github" => {
            let org = config
                .get("org")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let api = config.get("api_url").and_then(Value::as_str);
            Ok(Box::new(
                Github::new(org, api).map_err(|e| Error::Validation(e.to_string()))?,
            ))
        }
        "m365" => {
            let tenant = config
                .get("tenant")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let api = config.get("api_url").and_then(Value::as_str);
            let delegated =
                config.get("auth").and_then(Value::as_str) == Some("authorization_code");
            Ok(Box::new(
                M365::new(tenant, api)
                    .map_err(|e| Error::Validation(e.to_string()))?
                    .signed_in_user(delegated),
            ))
        }
        other => Err(Error::Validation(format!("no connector for \"{other}\""))),
    }
}

fn permissions_view(p: &Permissions) -> Vec<PermissionView> {
    p.checks
        .iter()
        .map(|c| PermissionView {
            name: c.name.clone(),
            granted: c.granted,
            phases: c.phases.iter().map(|p| p.as_str().to_owned()).collect(),
            fix: if c.granted { None } else { c.fix.clone() },
        })
        .collect()
}

/// A short summary of what is missing, for the status detail of a connected instance.
fn missing_summary(p: &Permissions) -> Option<String> {
    let missing: Vec<String> = p
        .checks
        .iter()
        .filter(|c| !c.granted && !c.phases.is_empty())
        .map(|c| match &c.fix {
            Some(f) => format!("{} — {f}", c.name),
            None => c.name.clone(),
        })
        .collect();
    (!missing.is_empty()).then(|| format!("missing: {}", missing.join("; ")))
}

impl Engine {
    /// Every connector this build has.
    pub fn connectors(&self) -> Vec<ConnectorView> {
        cloudwarden_connectors::all()
            .into_iter()
            .map(|c| ConnectorView {
                id: c.id.into(),
                name: c.name.into(),
                auth: c.auth.iter().map(|a| auth_name(*a).to_owned()).collect(),
                capabilities: CapabilitiesView {
                    accounts: c.capabilities.accounts,
                    groups: c.capabilities.groups,
                    privileges: c.capabilities.privileges,
                    activities: c.capabilities.activities,
                    files: c.capabilities.files,
                    oauth_apps: c.capabilities.oauth_apps,
                },
            })
            .collect()
    }

    async fn instance_view(&self, row: InstanceRow) -> Result<InstanceView> {
        let InstanceRow {
            id,
            app,
            name,
            config,
            status,
            status_detail: detail,
            permissions,
            activities_every_s: activities_every,
            full_every_s: full_every,
            last_scan_at_ms: last_scan,
            ..
        } = row;
        let counts = self.store.record_counts(&id).await?;
        let perms: Option<Permissions> = permissions.and_then(|p| serde_json::from_str(&p).ok());
        let last_run = self.store.last_run(&id).await?.map(|r| RunView {
            status: r.status,
            started_at: r.started_at_ms,
            finished_at: r.finished_at_ms,
            phases: serde_json::from_str(&r.phases).unwrap_or_default(),
            requests: r.requests,
            retries: r.retries,
            throttles: r.throttles,
            error: r.error,
        });
        let next_scan_at = if status.is_idle() {
            None
        } else {
            let mark = |r: Option<String>| r.and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
            let full = mark(self.store.cursor(&id, "schedule:full").await?);
            let acts = mark(self.store.cursor(&id, "schedule:activities").await?);
            // The scheduler looks once a minute.
            Some(
                (full + full_every * 1000)
                    .min(acts + activities_every * 1000)
                    .max(now_ms()),
            )
        };
        Ok(InstanceView {
            counts: InstanceCounts {
                accounts: counts.accounts,
                groups: counts.groups,
                activities: counts.activities,
                files: counts.files,
                oauth_grants: counts.oauth_grants,
            },
            id,
            app,
            name,
            status,
            status_detail: detail,
            last_scan_at: last_scan,
            next_scan_at,
            last_run,
            activities_every_s: u32::try_from(activities_every).unwrap_or(u32::MAX),
            full_every_s: u32::try_from(full_every).unwrap_or(u32::MAX),
            principal: perms.as_ref().map(|p| p.principal.clone()),
            checked_at: perms.as_ref().and_then(|p| p.checked_at_ms),
            permissions: perms.as_ref().map(permissions_view).unwrap_or_default(),
            config: {
                let raw: Value = serde_json::from_str(&config).unwrap_or(Value::Null);
                let mut c: InstanceConfig = serde_json::from_value(raw.clone()).unwrap_or_default();
                c.client_id = raw
                    .pointer("/oauth/client_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                c
            },
        })
    }

    pub async fn instances(&self) -> Result<Vec<InstanceView>> {
        let mut out = Vec::new();
        for row in self.store.instances().await? {
            out.push(self.instance_view(row).await?);
        }
        Ok(out)
    }

    pub async fn instance(&self, id: &str) -> Result<InstanceView> {
        let row = self
            .store
            .instance(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("instance {id}")))?;
        self.instance_view(row).await
    }

    /// Connects a GitHub organisation with a token: stores the token in the keychain, then
    /// runs the permissions scan. The instance exists even when the check fails (status `error`
    /// with the fix), so the analyst can correct it.
    pub async fn connect_github(&self, input: ConnectGithub) -> Result<InstanceView> {
        let name = input.name.trim();
        if name.is_empty() {
            return Err(Error::Validation("name the instance".into()));
        }
        if input.token.trim().is_empty() {
            return Err(Error::Validation("paste the GitHub token".into()));
        }
        let api_url = input
            .api_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty());
        Github::new(&input.org, api_url).map_err(|e| Error::Validation(e.to_string()))?;
        let config = json!({"org": input.org.trim(), "api_url": api_url, "auth": "token"});
        self.create_instance(
            NewInstance {
                app: "github",
                name: name.to_owned(),
                config,
                existing: None,
            },
            input.token.trim(),
            None,
        )
        .await
    }

    /// Stores the credential in the keychain and the instance in SQLite (or, for a
    /// re-authorization, replaces the credential and the OAuth settings), then runs the
    /// permissions scan.
    async fn create_instance(
        &self,
        new: NewInstance,
        credential: &str,
        client_secret: Option<&str>,
    ) -> Result<InstanceView> {
        if let Some(id) = &new.existing {
            let row = self
                .store
                .instance(id)
                .await?
                .ok_or_else(|| Error::NotFound(format!("instance {id}")))?;
            self.secrets
                .set(&token_key(id), &Secret::new(credential))
                .await?;
            if let Some(secret) = client_secret {
                self.secrets
                    .set(&secret_key(id), &Secret::new(secret))
                    .await?;
            }
            let mut config: Value = serde_json::from_str(&row.config).unwrap_or_else(|_| json!({}));
            if let (Some(obj), Some(new_obj)) = (config.as_object_mut(), new.config.as_object()) {
                for (k, v) in new_obj {
                    obj.insert(k.clone(), v.clone());
                }
            }
            self.store
                .set_instance_config(id, &config.to_string())
                .await?;
            if row.status != InstanceStatus::Disabled {
                self.store
                    .set_instance_status(id, InstanceStatus::Connecting, None)
                    .await?;
            }
            return self.test_connection(id).await;
        }
        let name = new.name.trim();
        if self
            .store
            .instances()
            .await?
            .iter()
            .any(|r| r.app == new.app && r.name == name)
        {
            return Err(Error::Validation(format!(
                "a {} instance named \"{name}\" exists already",
                app_label(new.app)
            )));
        }
        let now = now_ms();
        let prefix = if new.app == "github" { "gh" } else { new.app };
        let id = new_id(prefix, now);
        self.secrets
            .set(&token_key(&id), &Secret::new(credential))
            .await?;
        if let Some(secret) = client_secret {
            self.secrets
                .set(&secret_key(&id), &Secret::new(secret))
                .await?;
        }
        self.store
            .insert_instance(&id, new.app, name, &new.config.to_string(), now)
            .await?;
        self.test_connection(&id).await
    }

    /// Connects a Microsoft 365 tenant with the client credentials of an admin-consented app
    /// registration: the secret goes to the keychain, a token is requested, then the
    /// permissions scan runs. A refused secret is an error here (no instance is created).
    pub async fn connect_m365(&self, input: ConnectM365) -> Result<InstanceView> {
        let name = input.name.trim();
        if name.is_empty() {
            return Err(Error::Validation("name the instance".into()));
        }
        if input.client_id.trim().is_empty() || input.client_secret.trim().is_empty() {
            return Err(Error::Validation(
                "give the app registration's client id and client secret".into(),
            ));
        }
        let api_url = trimmed(input.api_url.as_deref());
        let login_url = trimmed(input.login_url.as_deref());
        M365::new(&input.tenant, api_url).map_err(|e| Error::Validation(e.to_string()))?;
        let mut endpoints = m365::endpoints(
            &input.tenant,
            &input.client_id,
            Some(input.client_secret.trim()),
            login_url,
        );
        endpoints.device_url = None;
        let tokens =
            oauth::client_credentials(http()?.token_client(), &endpoints, &[m365::APP_SCOPE])
                .await
                .map_err(|e| {
                    sign_in_error(
                        "the Microsoft identity platform refused the app registration",
                        &e,
                    )
                })?;
        let config = json!({
            "tenant": input.tenant.trim(),
            "api_url": api_url,
            "auth": "client_credentials",
            "oauth": endpoints,
        });
        let json = tokens_json(&tokens)?;
        self.create_instance(
            NewInstance {
                app: "m365",
                name: name.to_owned(),
                config,
                existing: None,
            },
            &json,
            Some(input.client_secret.trim()),
        )
        .await
    }

    /// Starts an authorization-code flow with PKCE: returns the URL to open in the system
    /// browser; [`Engine::authorize_finish`] waits for the redirect on the loopback listener.
    pub async fn authorize_start(&self, input: AuthorizeStart) -> Result<AuthorizeFlow> {
        if input.client_id.trim().is_empty() {
            return Err(Error::Validation("give the OAuth app's client id".into()));
        }
        let existing = match &input.instance_id {
            Some(id) => Some(
                self.store
                    .instance(id)
                    .await?
                    .ok_or_else(|| Error::NotFound(format!("instance {id}")))?,
            ),
            None => None,
        };
        let name = existing
            .as_ref()
            .map_or_else(|| input.name.trim().to_owned(), |r| r.name.clone());
        if name.is_empty() {
            return Err(Error::Validation("name the instance".into()));
        }
        let api_url = trimmed(input.api_url.as_deref());
        let secret = trimmed(input.client_secret.as_deref());
        let (app, endpoints, scopes, extra, config): (_, _, &[&str], &[(&str, &str)], _) =
            match input.app.as_str() {
                "m365" => {
                    let tenant = input.tenant.as_deref().unwrap_or_default().trim();
                    M365::new(tenant, api_url).map_err(|e| Error::Validation(e.to_string()))?;
                    let mut ep = m365::endpoints(
                        tenant,
                        &input.client_id,
                        secret,
                        trimmed(input.login_url.as_deref()),
                    );
                    ep.device_url = None;
                    (
                        "m365",
                        ep,
                        m365::DELEGATED_SCOPES,
                        &[("prompt", "select_account")],
                        json!({"tenant": tenant, "api_url": api_url, "auth": "authorization_code"}),
                    )
                }
                "github" => {
                    let org = input.org.as_deref().unwrap_or_default().trim();
                    Github::new(org, api_url).map_err(|e| Error::Validation(e.to_string()))?;
                    let mut ep =
                        github_endpoints(&input.client_id, trimmed(input.login_url.as_deref()));
                    ep.client_secret = secret.map(str::to_owned);
                    (
                        "github",
                        ep,
                        GITHUB_SCOPES,
                        &[],
                        json!({"org": org, "api_url": api_url, "auth": "authorization_code"}),
                    )
                }
                other => {
                    return Err(Error::Validation(format!(
                        "\"{other}\" has no authorization-code flow"
                    )))
                }
            };
        let flow = oauth::authorize_start(&endpoints, scopes, extra)
            .await
            .map_err(|e| Error::Validation(e.to_string()))?;
        let flow_id = new_id("flow", now_ms());
        let view = AuthorizeFlow {
            flow_id: flow_id.clone(),
            authorize_url: flow.authorize_url.clone(),
            redirect_uri: flow.redirect_uri.clone(),
        };
        let mut config = config;
        config["oauth"] = serde_json::to_value(&endpoints).unwrap_or(Value::Null);
        self.pending()?.insert(
            flow_id,
            Pending::Code(
                NewInstance {
                    app,
                    name,
                    config,
                    existing: input.instance_id.clone(),
                },
                endpoints,
                flow,
            ),
        );
        Ok(view)
    }

    /// Waits (up to 10 minutes) for the browser's redirect of a flow begun with
    /// [`Engine::authorize_start`], exchanges the code, stores the tokens in the keychain and
    /// creates (or re-authorizes) the instance.
    pub async fn authorize_finish(&self, flow_id: &str) -> Result<InstanceView> {
        let pending = self.pending()?.remove(flow_id);
        let Some(Pending::Code(new, endpoints, flow)) = pending else {
            return Err(Error::NotFound(format!("sign-in {flow_id}")));
        };
        let cancel = CancellationToken::new();
        self.pending()?
            .insert(flow_id.to_owned(), Pending::Waiting(cancel.clone()));
        let http = http()?;
        let result = tokio::select! {
            r = oauth::authorize_finish(http.token_client(), &endpoints, flow, AUTHORIZE_TIMEOUT) => Some(r),
            () = cancel.cancelled() => None,
        };
        self.pending()?.remove(flow_id);
        let tokens = result
            .ok_or_else(|| Error::Validation("the sign-in was cancelled".into()))?
            .map_err(|e| sign_in_error("the sign-in did not complete", &e))?;
        let json = tokens_json(&tokens)?;
        let secret = endpoints.client_secret.clone();
        self.create_instance(new, &json, secret.as_deref()).await
    }

    /// Abandons a pending OAuth flow (the analyst closed the dialog): a sign-in being awaited
    /// stops waiting and its loopback listener closes.
    pub fn cancel_flow(&self, flow_id: &str) -> Result<bool> {
        Ok(match self.pending()?.remove(flow_id) {
            Some(Pending::Waiting(token)) => {
                token.cancel();
                true
            }
            Some(_) => true,
            None => false,
        })
    }

    fn pending(&self) -> Result<std::sync::MutexGuard<'_, PendingFlows>> {
        self.scans
            .1
            .lock()
            .map_err(|_| Error::Task("OAuth flows poisoned".into()))
    }

    /// Replaces an instance's credential (edit credentials): a new token for a token
    /// instance, a new client secret for a client-credentials one (a token is requested with
    /// it first, so a wrong secret is refused and the old one kept). Instances authorized in
    /// the browser are re-authorized with [`Engine::authorize_start`] and `instance_id`.
    pub async fn update_credentials(
        &self,
        id: &str,
        input: UpdateCredentials,
    ) -> Result<InstanceView> {
        let row = self
            .store
            .instance(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("instance {id}")))?;
        let config: Value = serde_json::from_str(&row.config).unwrap_or(Value::Null);
        let auth = config
            .get("auth")
            .and_then(Value::as_str)
            .unwrap_or("token");
        match (
            auth,
            trimmed(input.token.as_deref()),
            trimmed(input.client_secret.as_deref()),
        ) {
            ("token", Some(token), _) => {
                self.secrets
                    .set(&token_key(id), &Secret::new(token))
                    .await?;
            }
            ("client_credentials", _, Some(secret)) => {
                let mut endpoints: Endpoints =
                    serde_json::from_value(config.get("oauth").cloned().unwrap_or(Value::Null))
                        .map_err(|_| {
                            Error::Validation("the instance has no OAuth settings".into())
                        })?;
                endpoints.client_secret = Some(secret.to_owned());
                let tokens = oauth::client_credentials(
                    http()?.token_client(),
                    &endpoints,
                    &[m365::APP_SCOPE],
                )
                .await
                .map_err(|e| sign_in_error("the new client secret was refused", &e))?;
                let json = tokens_json(&tokens)?;
                self.secrets
                    .set(&secret_key(id), &Secret::new(secret))
                    .await?;
                self.secrets.set(&token_key(id), &Secret::new(json)).await?;
            }
            ("token", None, _) => {
                return Err(Error::Validation("paste the new token".into()));
            }
            ("client_credentials", _, None) => {
                return Err(Error::Validation("paste the new client secret".into()));
            }
            _ => {
                return Err(Error::Validation(
                    "this instance was authorized in the browser; reconnect it to sign in again"
                        .into(),
                ));
            }
        }
        if row.status != InstanceStatus::Disabled {
            self.store
                .set_instance_status(id, InstanceStatus::Connecting, None)
                .await?;
        }
        self.test_connection(id).await
    }

    async fn auth_of(&self, id: &str) -> Result<Option<Auth>> {
        let Some(secret) = self.secrets.get(&token_key(id)).await? else {
            return Ok(None);
        };
        let value = secret.expose();
        if !value.starts_with('{') {
            return Ok(Some(Auth::Bearer(value.to_owned())));
        }
        let tokens: Tokens = serde_json::from_str(value).map_err(|_| {
            Error::Validation(
                "the stored OAuth tokens are unreadable; reconnect the instance".into(),
            )
        })?;
        if tokens.expiring(now_ms())
            && (tokens.refresh_token.is_some()
                || self.secrets.get(&secret_key(id)).await?.is_some())
        {
            return self
                .refresh_tokens(id, Some(&tokens.access_token))
                .await
                .map(Some);
        }
        Ok(Some(Auth::Bearer(tokens.access_token)))
    }

    /// Renews the access token `failed` (expiring, or refused with 401), once per instance
    /// however many callers ask at the same moment: a caller that waited for another's
    /// renewal gets the new token instead of spending the rotated refresh token again.
    async fn refresh_tokens(&self, id: &str, failed: Option<&str>) -> Result<Auth> {
        let gate = self
            .scans
            .2
            .lock()
            .map_err(|_| Error::Task("token renewal registry poisoned".into()))?
            .entry(id.to_owned())
            .or_default()
            .clone();
        let _one = gate.lock().await;
        if let Some(failed) = failed {
            let stored: Option<Tokens> = self
                .secrets
                .get(&token_key(id))
                .await?
                .and_then(|s| serde_json::from_str(s.expose()).ok());
            if let Some(t) = stored {
                if t.access_token != failed && !t.expiring(now_ms()) {
                    return Ok(Auth::Bearer(t.access_token));
                }
            }
        }
        self.renew_tokens(id).await
    }

    /// Renews an OAuth instance's access token: with its refresh token (stored rotated), or
    /// for client credentials with the client secret. A refused refresh token or secret turns
    /// the instance into `error` with the fix.
    async fn renew_tokens(&self, id: &str) -> Result<Auth> {
        let row = self
            .store
            .instance(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("instance {id}")))?;
        let config: Value = serde_json::from_str(&row.config).unwrap_or(Value::Null);
        let mut endpoints: Endpoints = serde_json::from_value(
            config.get("oauth").cloned().unwrap_or(Value::Null),
        )
        .map_err(|_| {
            Error::Validation(
                "the instance uses a token that cannot be renewed; reconnect it".into(),
            )
        })?;
        endpoints.client_secret = self
            .secrets
            .get(&secret_key(id))
            .await?
            .map(|s| s.expose().to_owned());
        if config.get("auth").and_then(Value::as_str) == Some("client_credentials") {
            let result = match &endpoints.client_secret {
                Some(_) => {
                    oauth::client_credentials(
                        http()?.token_client(),
                        &endpoints,
                        &[m365::APP_SCOPE],
                    )
                    .await
                }
                None => Err(CError::Unauthorized(
                    "the client secret is no longer in the keychain".into(),
                )),
            };
            return match result {
                Ok(tokens) => {
                    let json = tokens_json(&tokens)?;
                    self.secrets.set(&token_key(id), &Secret::new(json)).await?;
                    Ok(Auth::Bearer(tokens.access_token))
                }
                Err(e) => {
                    let detail = format!(
                        "{e}; edit the instance's credentials with a valid client secret (secrets expire; create a new one under Certificates & secrets of the app registration)"
                    );
                    self.store
                        .set_instance_status(id, InstanceStatus::Error, Some(&detail))
                        .await?;
                    Err(Error::Validation(detail))
                }
            };
        }
        let stored: Option<Tokens> = self
            .secrets
            .get(&token_key(id))
            .await?
            .and_then(|s| serde_json::from_str(s.expose()).ok());
        let Some(refresh) = stored.and_then(|t| t.refresh_token) else {
            let detail = "the access token expired and cannot be renewed; reconnect the instance";
            self.store
                .set_instance_status(id, InstanceStatus::Error, Some(detail))
                .await?;
            return Err(Error::Validation(detail.into()));
        };
        match oauth::refresh(http()?.token_client(), &endpoints, &refresh).await {
            Ok(tokens) => {
                let json = tokens_json(&tokens)?;
                self.secrets.set(&token_key(id), &Secret::new(json)).await?;
                Ok(Auth::Bearer(tokens.access_token))
            }
            Err(e) => {
                let detail = format!("{e}; reconnect the instance to authorize it again");
                self.store
                    .set_instance_status(id, InstanceStatus::Error, Some(&detail))
                    .await?;
                Err(Error::Validation(detail))
            }
        }
    }

    /// Starts connecting a GitHub organisation with the device flow: show the code to the
    /// analyst, who approves it on GitHub; then call [`Engine::github_device_finish`].
    pub async fn github_device_start(&self, input: ConnectGithubDevice) -> Result<DeviceCode> {
        if input.name.trim().is_empty() || input.client_id.trim().is_empty() {
            return Err(Error::Validation(
                "name the instance and give the OAuth app's client id".into(),
            ));
        }
        let api_url = input
            .api_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty());
        Github::new(&input.org, api_url).map_err(|e| Error::Validation(e.to_string()))?;
        let endpoints = github_endpoints(&input.client_id, input.oauth_url.as_deref());
        let start = oauth::device_start(http()?.token_client(), &endpoints, GITHUB_SCOPES)
            .await
            .map_err(|e| Error::Validation(e.to_string()))?;
        let flow_id = new_id("flow", now_ms());
        let code = DeviceCode {
            flow_id: flow_id.clone(),
            user_code: start.user_code.clone(),
            verification_uri: start.verification_uri.clone(),
            expires_in_s: u32::try_from(start.expires_in_s).unwrap_or(u32::MAX),
        };
        self.pending()?
            .insert(flow_id, Pending::Device(input, endpoints, start));
        Ok(code)
    }

    /// Waits for the analyst's approval of a device flow, then creates the instance (tokens in
    /// the keychain) and runs the permissions scan.
    pub async fn github_device_finish(&self, flow_id: &str) -> Result<InstanceView> {
        let pending = self.pending()?.remove(flow_id);
        let Some(Pending::Device(input, endpoints, start)) = pending else {
            return Err(Error::NotFound(format!("device flow {flow_id}")));
        };
        let tokens = oauth::device_finish(http()?.token_client(), &endpoints, &start)
            .await
            .map_err(|e| Error::Validation(format!("the device flow did not complete: {e}")))?;
        let api_url = trimmed(input.api_url.as_deref());
        let config = json!({"org": input.org.trim(), "api_url": api_url, "auth": "device", "oauth": endpoints});
        let json = tokens_json(&tokens)?;
        self.create_instance(
            NewInstance {
                app: "github",
                name: input.name.trim().to_owned(),
                config,
                existing: None,
            },
            &json,
            None,
        )
        .await
    }

    /// An instance, its connector and its credential; a credential missing from the keychain
    /// turns the instance into `error` with the fix.
    pub(crate) async fn load(
        &self,
        id: &str,
    ) -> Result<(InstanceRow, Box<dyn Connector>, Option<Auth>)> {
        let row = self
            .store
            .instance(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("instance {id}")))?;
        let config: Value = serde_json::from_str(&row.config).unwrap_or(Value::Null);
        let connector = connector_of(&row.app, &config)?;
        let auth = self.auth_of(id).await?;
        if auth.is_none() {
            self.store
                .set_instance_status(
                    id,
                    InstanceStatus::Error,
                    Some("the token is no longer in the keychain; reconnect the instance"),
                )
                .await?;
        }
        Ok((row, connector, auth))
    }

    /// Runs the permissions scan and sets the status from it.
    pub async fn test_connection(&self, id: &str) -> Result<InstanceView> {
        let (row, connector, auth) = self.load(id).await?;
        let Some(auth) = auth else {
            return self.instance(id).await;
        };
        match connector
            .permissions(&Ctx {
                http: http()?.only_to(connector.api_base()),
                auth,
            })
            .await
        {
            Ok(mut p) => {
                p.checked_at_ms = Some(now_ms());
                self.store
                    .set_instance_permissions(id, &serde_json::to_string(&p).unwrap_or_default())
                    .await?;
                if row.status != InstanceStatus::Disabled {
                    self.store
                        .set_instance_status(
                            id,
                            InstanceStatus::Connected,
                            missing_summary(&p).as_deref(),
                        )
                        .await?;
                }
            }
            Err(e) => {
                let detail = match e {
                    CError::Unauthorized(m) => match m365::signin_error::explain(&m) {
                        Some(p) => format!("{} ({})", p.message, p.code),
                        None => format!(
                            "the vendor refused the token ({m}); reconnect the instance with a valid token"
                        ),
                    },
                    other => other.to_string(),
                };
                self.store
                    .set_instance_status(id, InstanceStatus::Error, Some(&detail))
                    .await?;
            }
        }
        self.instance(id).await
    }

    /// Scans an instance now (every phase it can read) and stores what it reads.
    pub async fn scan_instance(&self, id: &str) -> Result<ScanReport> {
        self.scan_instance_phases(id, None).await
    }

    /// Scans only `only` (all phases with `None`): the scheduler reads activities alone between
    /// full scans.
    pub async fn scan_instance_phases(
        &self,
        id: &str,
        only: Option<&[Phase]>,
    ) -> Result<ScanReport> {
        let (row, connector, auth) = self.load(id).await?;
        if row.status == InstanceStatus::Disabled {
            return Err(Error::Validation(
                "the instance is disabled; enable it first".into(),
            ));
        }
        let Some(auth) = auth else {
            return Err(Error::Validation(
                "the instance has no credential; reconnect it".into(),
            ));
        };
        let cancel = CancellationToken::new();
        // The lease in the database: one scan per instance across processes (the app's
        // scheduler, a CLI scan); refused with who holds it.
        let lease = self
            .begin_job(&super::jobs::scan_params(only), id, Some(cancel.clone()))
            .await?;
        if let Ok(mut scans) = self.scans.0.lock() {
            scans.insert(id.to_owned(), cancel.clone());
        }
        let reporter = lease.reporter();
        let now = now_ms();
        let run_id = new_id("run", now);
        let result: Result<(ScanReport, Option<String>)> = async {
            self.store.start_run(&run_id, id, now).await?;
            self.store
                .set_instance_status(id, InstanceStatus::Scanning, None)
                .await?;
            let mut used = match &auth {
                Auth::Bearer(t) => Some(t.clone()),
                _ => None,
            };
            let first = scan::run(
                &self.store,
                id,
                connector.as_ref(),
                auth,
                cancel.clone(),
                &run_id,
                only,
                reporter.clone(),
            )
            .await?;
            // 401 from an OAuth instance: renew the token and continue with the phases that
            // did not complete (the interrupted one resumes from its stored cursor). A long
            // scan may outlive several access tokens.
            let mut report = first;
            let mut renewals = 0;
            while report.1.is_some() && row.config.contains("\"oauth\"") && renewals < MAX_RENEWALS
            {
                renewals += 1;
                let renewed = match self.refresh_tokens(id, used.as_deref()).await {
                    Ok(a) => a,
                    Err(e) => return Ok((report.0, Some(e.to_string()))),
                };
                if let Auth::Bearer(t) = &renewed {
                    used = Some(t.clone());
                }
                let remaining: Vec<Phase> = Phase::ALL
                    .into_iter()
                    .filter(|p| only.is_none_or(|o| o.contains(p)))
                    .filter(|p| {
                        report.0.phases.iter().any(|r| {
                            r.phase == p.as_str()
                                && matches!(r.status, PhaseStatus::Failed | PhaseStatus::NotRun)
                        })
                    })
                    .collect();
                let next = scan::run(
                    &self.store,
                    id,
                    connector.as_ref(),
                    renewed,
                    cancel.clone(),
                    &run_id,
                    Some(&remaining),
                    reporter.clone(),
                )
                .await?;
                report = (scan::merge(report.0, next.0, &remaining), next.1);
            }
            Ok(report)
        }
        .await;
        if let Ok(mut scans) = self.scans.0.lock() {
            scans.remove(id);
        }
        let (report, error) = match result {
            Ok(r) => r,
            Err(e) => {
                self.store
                    .set_instance_status(id, InstanceStatus::Error, Some(&e.to_string()))
                    .await?;
                self.store
                    .finish_run(
                        &run_id,
                        RunStatus::Failed,
                        "[]",
                        (0, 0, 0),
                        Some(&e.to_string()),
                        now_ms(),
                    )
                    .await?;
                lease
                    .finish(JobState::Failed, None, Some(e.to_string()), false)
                    .await?;
                return Err(e);
            }
        };
        let phases = serde_json::to_string(&report.phases).unwrap_or_default();
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        self.store
            .finish_run(
                &run_id,
                report.status,
                &phases,
                (n(report.requests), n(report.retries), n(report.throttles)),
                error.as_deref(),
                now_ms(),
            )
            .await?;
        // A full scan records what it saw of each kind it read completely, for "what changed".
        if only.is_none() {
            let status = |p: &str| {
                report
                    .phases
                    .iter()
                    .find(|x| x.phase == p)
                    .map(|x| x.status)
            };
            let done = |p: &str| status(p) == Some(PhaseStatus::Completed);
            let mut kinds = Vec::new();
            if done("accounts")
                && matches!(
                    status("privileges"),
                    Some(PhaseStatus::Completed | PhaseStatus::Skipped)
                )
            {
                kinds.push("account");
            }
            if done("files") {
                kinds.push("file");
            }
            if done("oauth_grants") {
                kinds.push("grant");
            }
            self.store
                .take_snapshot(id, &run_id, &kinds, now_ms())
                .await?;
        }
        // Disabled (or removed) while it ran: it stays so.
        let disabled = self
            .store
            .instance(id)
            .await?
            .is_none_or(|r| r.status == InstanceStatus::Disabled);
        match (&error, disabled) {
            (_, true) => {}
            (Some(e), false) => {
                self.store
                    .set_instance_status(id, InstanceStatus::Error, Some(e))
                    .await?
            }
            (None, false) => {
                let detail: Vec<String> = report
                    .phases
                    .iter()
                    .filter(|p| !p.status.is_fine())
                    .map(|p| {
                        format!(
                            "{}: {}",
                            p.phase,
                            p.detail
                                .clone()
                                .unwrap_or_else(|| p.status.as_str().to_owned())
                        )
                    })
                    .collect();
                let detail = (!detail.is_empty()).then(|| detail.join("; "));
                self.store
                    .set_instance_status(id, InstanceStatus::Connected, detail.as_deref())
                    .await?;
                if report.status != RunStatus::Cancelled {
                    let now = now_ms();
                    self.store.set_last_scan(id, now).await?;
                    let mark = if only.is_some() {
                        "schedule:activities"
                    } else {
                        "schedule:full"
                    };
                    self.store
                        .set_cursor(id, mark, Some(&now.to_string()), now)
                        .await?;
                    if only.is_none() {
                        self.store
                            .set_cursor(id, "schedule:activities", Some(&now.to_string()), now)
                            .await?;
                    }
                }
            }
        }
        let records: u64 = report.phases.iter().map(|p| p.records).sum();
        let summary = format!("{}: {records} records", report.status.as_str());
        let state = match (report.status, &error) {
            (RunStatus::Cancelled, _) => JobState::Cancelled,
            (_, Some(_)) | (RunStatus::Failed, _) => JobState::Failed,
            _ => JobState::Completed,
        };
        lease
            .finish(state, Some(summary), error, state == JobState::Completed)
            .await?;
        Ok(report)
    }

    /// Sets how often the scheduler scans an instance (activities, and everything).
    pub async fn set_scan_schedule(
        &self,
        id: &str,
        activities_every_s: u32,
        full_every_s: u32,
    ) -> Result<InstanceView> {
        if activities_every_s < 60 || full_every_s < 300 {
            return Err(Error::Validation(
                "scan activities at most every minute and everything at most every 5 minutes"
                    .into(),
            ));
        }
        if !self
            .store
            .set_schedule(id, i64::from(activities_every_s), i64::from(full_every_s))
            .await?
        {
            return Err(Error::NotFound(format!("instance {id}")));
        }
        self.instance(id).await
    }

    /// Runs the scans that are due at `now_ms`: a full scan when the full interval has passed
    /// since the last full scan, else an activities scan when its interval has passed. Disabled
    /// instances, instances in `error` (they wait for a reconnect) and running scans are
    /// skipped. Returns the reports of the scans it ran.
    pub async fn run_due_scans(&self, now_ms: i64) -> Result<Vec<ScanReport>> {
        // Work a dead process left behind comes first, from where it stopped.
        if let Err(e) = self.resume_interrupted_jobs().await {
            tracing::warn!("resuming interrupted jobs: {e}");
        }
        let mut reports = Vec::new();
        for row in self.store.instances().await? {
            let (id, activities_every, full_every) =
                (&row.id, row.activities_every_s, row.full_every_s);
            if row.status.is_idle() || row.status == InstanceStatus::Scanning {
                continue;
            }
            let mark = |r: Option<String>| r.and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
            let last_full = mark(self.store.cursor(id, "schedule:full").await?);
            let last_activities = mark(self.store.cursor(id, "schedule:activities").await?);
            let only: Option<&[Phase]> = if now_ms - last_full >= full_every * 1000 {
                None
            } else if now_ms - last_activities >= activities_every * 1000 {
                Some(&[Phase::Activities])
            } else {
                continue;
            };
            match self.scan_instance_phases(id, only).await {
                Ok(r) => reports.push(r),
                Err(e) => tracing::warn!(instance = %id, "scheduled scan failed: {e}"),
            }
        }
        Ok(reports)
    }

    /// Runs [`Engine::run_due_scans`] every minute, forever: spawn it once per process (the
    /// desktop app does at start).
    pub async fn run_scheduler(self) {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(e) = self.run_due_scans(now_ms()).await {
                tracing::warn!("scheduler: {e}");
            }
        }
    }

    /// Stops a running scan after its current request; what it stored stays, and the next
    /// scan resumes from the stored cursors.
    pub fn cancel_scan(&self, id: &str) -> bool {
        self.scans
            .0
            .lock()
            .ok()
            .and_then(|s| s.get(id).cloned())
            .map(|t| t.cancel())
            .is_some()
    }

    pub async fn set_instance_enabled(&self, id: &str, enabled: bool) -> Result<InstanceView> {
        if self.store.instance(id).await?.is_none() {
            return Err(Error::NotFound(format!("instance {id}")));
        }
        if enabled {
            self.store
                .set_instance_status(id, InstanceStatus::Connected, None)
                .await?;
            self.test_connection(id).await
        } else {
            self.cancel_scan(id);
            self.store
                .set_instance_status(id, InstanceStatus::Disabled, None)
                .await?;
            self.instance(id).await
        }
    }

    /// Removes an instance and its credential; with `purge`, also everything it read.
    /// Without, the instance stays listed as `disabled` so its data remains visible.
    pub async fn remove_instance(&self, id: &str, purge: bool) -> Result<()> {
        if self.store.instance(id).await?.is_none() {
            return Err(Error::NotFound(format!("instance {id}")));
        }
        self.cancel_scan(id);
        self.secrets.delete(&token_key(id)).await?;
        self.secrets.delete(&secret_key(id)).await?;
        if purge {
            self.store.delete_instance(id).await?;
        } else {
            self.store
                .set_instance_status(id, InstanceStatus::Disabled, Some("removed: its credential is deleted and its data kept; remove it with purge to delete the data"))
                .await?;
        }
        Ok(())
    }

    /// Stored records as JSON rows (`accounts`, `activities`, `files`, `oauth-grants`).
    pub async fn list_records(
        &self,
        kind: &str,
        instance: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Value>> {
        let table = match kind {
            "accounts" => RecordTable::Accounts,
            "activities" => RecordTable::Activities,
            "files" => RecordTable::Files,
            "oauth-grants" | "oauth_grants" => RecordTable::OauthGrants,
            "privileges" => RecordTable::Privileges,
            other => {
                return Err(Error::Validation(format!(
                    "unknown record kind \"{other}\""
                )))
            }
        };
        self.store
            .list_records(table, instance, i64::from(limit))
            .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[tokio::test]
    async fn an_abandoned_sign_in_expires_and_closes_its_listener() {
        let endpoints = Endpoints {
            client_id: "cid".into(),
            client_secret: None,
            auth_url: "https://login.example.invalid/authorize".into(),
            token_url: "https://login.example.invalid/token".into(),
            device_url: None,
        };
        let flow = oauth::authorize_start(&endpoints, &[], &[]).await.unwrap();
        let addr = flow
            .redirect_uri
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let new = NewInstance {
            app: "github",
            name: "Acme".into(),
            config: Value::Null,
            existing: None,
        };
        let mut flows = PendingFlows::default();
        flows.insert("old".into(), Pending::Code(new, endpoints, flow));
        assert!(tokio::net::TcpStream::connect(&addr).await.is_ok());
        // Started longer ago than a flow lives: the next use of the registry drops it.
        if let Some((at, _)) = flows.0.get_mut("old") {
            *at = std::time::Instant::now()
                .checked_sub(FLOW_LIFETIME + Duration::from_secs(1))
                .unwrap();
        }
        assert!(flows.remove("unrelated").is_none());
        assert!(flows.0.is_empty());
        assert!(
            tokio::net::TcpStream::connect(&addr).await.is_err(),
            "the loopback listener is closed"
        );
    }
}
