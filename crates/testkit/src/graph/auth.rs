//! Access tokens (JWT-shaped, with the claims a client reads), authorization codes and
//! refresh tokens of the fake identity platform.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

use crate::common::rng::{Rng, BASE64URL};
use crate::common::time::now_ms;

/// The permissions tokens carry unless a test changes them: every permission a CASB reads.
pub(crate) const DEFAULT_PERMISSIONS: &[&str] = &[
    "User.Read.All",
    "Group.Read.All",
    "GroupMember.Read.All",
    "RoleManagement.Read.Directory",
    "AuditLog.Read.All",
    "Directory.Read.All",
    "Sites.Read.All",
    "Files.Read.All",
    "Application.Read.All",
    // Sharing changes between full reads (driveitem-delta.md: "your application will need
    // to request Sites.FullControl.All permissions").
    "Sites.FullControl.All",
    // The unified audit log (security-auditcoreroot-post-auditlogqueries.md).
    "AuditLogsQuery.Read.All",
    // Revoking OAuth apps (oauth2permissiongrant-delete.md,
    // serviceprincipal-delete-approleassignedto.md).
    "DelegatedPermissionGrant.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    // Governance actions from alerts (user-revokesigninsessions.md, user-update.md).
    "User.RevokeSessions.All",
    "User.EnableDisableAccount.All",
];

/// Lifetime of access tokens (seconds), as the identity platform reports it.
pub(crate) const ACCESS_LIFETIME_SECS: u64 = 3_599;
const CODE_LIFETIME_SECS: u64 = 600;

/// Who a token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Principal {
    /// The application itself (client credentials): `roles`.
    App,
    /// A signed-in user (authorization code): `scp`; an index into the tenant's users.
    Delegated(usize),
}

/// What an accepted token may do.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub principal: Principal,
    /// App roles or delegated scopes (shared: every request clones its caller).
    pub permissions: Arc<[String]>,
}

impl Caller {
    /// Whether the token carries one of `any`.
    pub(crate) fn has_any(&self, any: &[&str]) -> bool {
        self.permissions
            .iter()
            .any(|p| any.iter().any(|a| a.eq_ignore_ascii_case(p)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No bearer token.
    Missing,
    /// Unknown, revoked or expired token.
    Invalid,
}

#[derive(Debug)]
struct AccessGrant {
    caller: Caller,
    expires_at: Instant,
}

#[derive(Debug)]
pub(crate) struct RefreshGrant {
    pub client_id: String,
    pub user: usize,
}

#[derive(Debug)]
pub(crate) struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: String,
    pub user: usize,
    pub openid: bool,
    pub expires_at: Instant,
}

/// The identity facts a token states about the tenant and the signed-in user.
pub(crate) struct Subject<'a> {
    pub tenant_id: &'a str,
    pub user_id: &'a str,
    pub upn: &'a str,
    pub name: &'a str,
}

#[derive(Debug)]
pub(crate) struct AuthState {
    pub client_id: String,
    pub client_secret: String,
    pub app_roles: Vec<String>,
    pub delegated_scopes: Vec<String>,
    pub consent: bool,
    pub access_lifetime: Duration,
    access: HashMap<String, AccessGrant>,
    pub refresh: HashMap<String, RefreshGrant>,
    pub codes: HashMap<String, AuthCode>,
    pub redeemed: HashSet<String>,
    /// The object id of the app's own service principal (`oid` of app-only tokens).
    app_object_id: String,
    rng: Rng,
}

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

impl AuthState {
    pub(crate) fn new(client_id: &str, client_secret: &str, seed: u64) -> AuthState {
        let mut rng = Rng::new(seed);
        let defaults: Vec<String> = DEFAULT_PERMISSIONS
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        AuthState {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            app_roles: defaults.clone(),
            delegated_scopes: defaults,
            consent: true,
            access_lifetime: Duration::from_secs(ACCESS_LIFETIME_SECS),
            access: HashMap::new(),
            refresh: HashMap::new(),
            codes: HashMap::new(),
            redeemed: HashSet::new(),
            app_object_id: rng.guid(),
            rng,
        }
    }

    pub(crate) fn random(&mut self, len: usize) -> String {
        self.rng.string(BASE64URL, len)
    }

    pub(crate) fn guid(&mut self) -> String {
        self.rng.guid()
    }

    /// Checks `Authorization: Bearer T`.
    pub(crate) fn authenticate(&self, header: Option<&str>) -> Result<Caller, Refusal> {
        let header = header.ok_or(Refusal::Missing)?.trim();
        let (scheme, token) = header.split_once(' ').ok_or(Refusal::Missing)?;
        let token = token.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
            return Err(Refusal::Missing);
        }
        match self.access.get(token) {
            Some(g) if g.expires_at > Instant::now() => Ok(g.caller.clone()),
            _ => Err(Refusal::Invalid),
        }
    }

    /// Every access token issued so far stops working.
    pub(crate) fn expire_all(&mut self) {
        self.access.clear();
    }

    fn jwt(&mut self, claims: &Value) -> String {
        let header = json!({
            "typ": "JWT",
            "nonce": self.random(43),
            "alg": "RS256",
            "x5t": "fake-graph-signing-key",
            "kid": "fake-graph-signing-key",
        });
        let signature = self.random(342);
        format!("{}.{}.{signature}", b64(&header), b64(claims))
    }

    /// A new access token for `caller`; its lifetime in seconds.
    pub(crate) fn issue(&mut self, caller: Caller, subject: &Subject<'_>) -> (String, u64) {
        let lifetime = self.access_lifetime.as_secs();
        let iat = now_ms() / 1000;
        let issuer = format!("https://sts.windows.net/{}/", subject.tenant_id);
        let uti = self.random(22);
        let aio = self.random(56);
        let mut claims = json!({
            "aud": "https://graph.microsoft.com",
            "iss": issuer,
            "iat": iat,
            "nbf": iat,
            "exp": iat + lifetime as i64,
            "aio": aio,
            "app_displayname": "Cloudwarden",
            "appid": self.client_id,
            "idp": issuer,
            "tid": subject.tenant_id,
            "uti": uti,
            "ver": "1.0",
        });
        if let Value::Object(m) = &mut claims {
            match caller.principal {
                Principal::App => {
                    m.insert("appidacr".into(), Value::from("1"));
                    m.insert("idtyp".into(), Value::from("app"));
                    m.insert("oid".into(), Value::from(self.app_object_id.clone()));
                    m.insert("sub".into(), Value::from(self.app_object_id.clone()));
                    m.insert("roles".into(), Value::from(caller.permissions.to_vec()));
                }
                Principal::Delegated(_) => {
                    m.insert("appidacr".into(), Value::from("0"));
                    m.insert("idtyp".into(), Value::from("user"));
                    m.insert("amr".into(), json!(["pwd", "mfa"]));
                    m.insert("name".into(), Value::from(subject.name));
                    m.insert("oid".into(), Value::from(subject.user_id));
                    m.insert("sub".into(), Value::from(subject.user_id));
                    m.insert("upn".into(), Value::from(subject.upn));
                    m.insert("unique_name".into(), Value::from(subject.upn));
                    m.insert("scp".into(), Value::from(caller.permissions.join(" ")));
                }
            }
        }
        let token = self.jwt(&claims);
        self.access.insert(
            token.clone(),
            AccessGrant {
                caller,
                expires_at: Instant::now() + self.access_lifetime,
            },
        );
        (token, lifetime)
    }

    /// An OpenID Connect ID token for the signed-in user.
    pub(crate) fn id_token(&mut self, subject: &Subject<'_>) -> String {
        let iat = now_ms() / 1000;
        let claims = json!({
            "aud": self.client_id,
            "iss": format!("https://login.microsoftonline.com/{}/v2.0", subject.tenant_id),
            "iat": iat,
            "nbf": iat,
            "exp": iat + 3_600,
            "name": subject.name,
            "oid": subject.user_id,
            "preferred_username": subject.upn,
            "sub": subject.user_id,
            "tid": subject.tenant_id,
            "ver": "2.0",
        });
        self.jwt(&claims)
    }

    /// A new refresh token for `user` of `client_id`.
    pub(crate) fn new_refresh(&mut self, client_id: &str, user: usize) -> String {
        let token = format!("1.A{}", self.random(300));
        self.refresh.insert(
            token.clone(),
            RefreshGrant {
                client_id: client_id.to_owned(),
                user,
            },
        );
        token
    }

    /// A new authorization code.
    pub(crate) fn new_code(&mut self, code: AuthCode) -> String {
        let value = format!("1.A{}", self.random(200));
        self.codes.insert(value.clone(), code);
        value
    }

    pub(crate) fn code_lifetime() -> Duration {
        Duration::from_secs(CODE_LIFETIME_SECS)
    }
}
