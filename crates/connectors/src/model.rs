//! The normalized schema every connector emits, and the connector contract.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::http::{Auth, Http};
use crate::Result;

/// A record's vendor JSON, kept for drill-down: compact JSON text, made once by the connector
/// (on its reading tasks) so the writer stores it as is. Where the connector has the received
/// bytes it is the vendor's own text ([`Raw::from_json`]), not a tree written back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Raw(String);

impl Raw {
    /// The JSON text of `value`.
    pub fn of(value: &Value) -> Raw {
        Raw(value.to_string())
    }

    /// Text already known to be one JSON value (a `RawValue` of a parsed page).
    pub fn from_json(raw: &serde_json::value::RawValue) -> Raw {
        Raw(raw.get().to_owned())
    }

    /// An object's text with `key: value` added (the object's text is not re-written).
    pub fn with_field(
        object: &serde_json::value::RawValue,
        key: &str,
        value: &(impl Serialize + ?Sized),
    ) -> Raw {
        let text = object.get().trim_end();
        let Some(body) = text.strip_suffix('}') else {
            return Raw(text.to_owned());
        };
        let mut out = String::with_capacity(text.len() + key.len() + 64);
        out.push_str(body);
        if !body.trim_end().ends_with('{') {
            out.push(',');
        }
        out.push_str(&Value::String(key.to_owned()).to_string());
        out.push(':');
        out.push_str(&serde_json::to_string(value).unwrap_or_else(|_| "null".into()));
        out.push('}');
        Raw(out)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parsed again (tests, drill-down).
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }
}

impl From<Value> for Raw {
    fn from(value: Value) -> Raw {
        Raw::of(&value)
    }
}

impl Serialize for Raw {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let raw: &serde_json::value::RawValue =
            serde_json::from_str(&self.0).map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Raw, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
        Ok(Raw(raw.get().to_owned()))
    }
}

/// What a connector can see.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    pub accounts: bool,
    pub groups: bool,
    pub privileges: bool,
    pub activities: bool,
    pub files: bool,
    pub oauth_apps: bool,
    pub governance: bool,
}

/// How an analyst can authorize a connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A personal access / API token pasted by the analyst.
    Token,
    /// OAuth device flow (code shown, approved in the browser).
    DeviceFlow,
    /// OAuth authorization code + PKCE in the system browser with a loopback redirect.
    AuthorizationCode,
    /// OAuth client credentials of an admin-consented app registration.
    ClientCredentials,
}

/// A connector as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectorInfo {
    pub id: &'static str,
    pub name: &'static str,
    pub auth: Vec<AuthMethod>,
    pub capabilities: Capabilities,
}

/// The phases of a scan, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Accounts,
    Groups,
    Privileges,
    Activities,
    Files,
    OauthGrants,
}

impl Phase {
    pub const ALL: [Phase; 6] = [
        Phase::Accounts,
        Phase::Groups,
        Phase::Privileges,
        Phase::Activities,
        Phase::Files,
        Phase::OauthGrants,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Accounts => "accounts",
            Phase::Groups => "groups",
            Phase::Privileges => "privileges",
            Phase::Activities => "activities",
            Phase::Files => "files",
            Phase::OauthGrants => "oauth_grants",
        }
    }
}

/// A user, service or guest account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub external_id: String,
    pub login: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// `user`, `guest` (outside collaborator, B2B guest), `service`, `bot`.
    pub kind: String,
    /// `active`, `suspended`, `disabled`, `invited`.
    pub status: String,
    pub is_admin: bool,
    pub created_at_ms: Option<i64>,
    pub last_sign_in_ms: Option<i64>,
    /// Whether a second factor is registered, when the vendor reports it (GitHub to
    /// organisation owners, Microsoft 365 with the authentication-methods report); `None` when
    /// it does not.
    #[serde(default)]
    pub mfa: Option<bool>,
    pub raw: Raw,
}

/// A group or team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub external_id: String,
    pub name: String,
    pub description: Option<String>,
    /// `secret`/`closed`/`public` for GitHub teams, `security`/`m365` for Entra groups.
    pub kind: Option<String>,
    pub raw: Raw,
}

/// An account in a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub group_id: String,
    pub account_id: String,
    /// `member`, `maintainer`, `owner`.
    pub role: String,
}

/// An administrative role held by an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Privilege {
    pub account_id: String,
    /// e.g. `org_owner`, `Global Administrator`.
    pub role: String,
    /// Where it applies (`org`, a team, a directory scope).
    pub scope: String,
    pub raw: Raw,
}

/// Something a user did, from the vendor's audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    /// The vendor's event id: activities are de-duplicated by it.
    pub event_id: String,
    pub occurred_at_ms: i64,
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
    /// The client (browser, sync client, mail app) as the vendor reports it.
    #[serde(default)]
    pub user_agent: Option<String>,
    /// `success` / `failure` (or the vendor's own word) when the vendor says.
    #[serde(default)]
    pub outcome: Option<String>,
    pub raw: Raw,
}

/// Who can see a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sharing {
    /// Anyone, without signing in.
    Public,
    /// People outside the organisation.
    External,
    /// The whole organisation.
    Internal,
    /// Only the people listed.
    Private,
}

impl Sharing {
    pub fn as_str(self) -> &'static str {
        match self {
            Sharing::Public => "public",
            Sharing::External => "external",
            Sharing::Internal => "internal",
            Sharing::Private => "private",
        }
    }
}

/// Someone a file is shared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collaborator {
    pub account: String,
    pub permission: String,
    /// Not a member of the organisation.
    pub external: bool,
}

/// A file, folder or repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileItem {
    pub external_id: String,
    pub name: String,
    pub url: Option<String>,
    pub owner: Option<String>,
    pub sharing: Sharing,
    pub collaborators: Vec<Collaborator>,
    /// `collaborators` is the whole list (it was read, or the item is not shared): stored
    /// collaborators missing from it lost their access and are removed.
    #[serde(default)]
    pub collaborators_complete: bool,
    /// The container the file is in (a drive), for [`Resync`].
    #[serde(default)]
    pub container: Option<String>,
    pub modified_at_ms: Option<i64>,
    pub raw: Raw,
}

/// How an app holds its access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantKind {
    /// Acting for users who consented (or for everyone, after an admin consented).
    #[default]
    Delegated,
    /// The app's own permission, with no user signed in (Graph application permissions,
    /// GitHub App installations).
    Application,
}

impl GrantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantKind::Delegated => "delegated",
            GrantKind::Application => "application",
        }
    }
}

/// A third-party app's access.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OauthGrant {
    #[serde(default)]
    pub kind: GrantKind,
    pub external_id: String,
    pub app_name: String,
    pub app_id: Option<String>,
    /// The account that granted it; `None` for an organisation-wide grant.
    pub principal: Option<String>,
    pub scopes: Vec<String>,
    pub granted_at_ms: Option<i64>,
    pub raw: Raw,
}

/// A container (drive) read again in full because the vendor asked to replace what was kept
/// of it (Graph's `resyncChangesApplyDifferences`): its stored files not seen since
/// `since_ms` are gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resync {
    pub container: String,
    pub since_ms: i64,
}

/// One page of normalized records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Records {
    pub accounts: Vec<Account>,
    pub groups: Vec<Group>,
    pub memberships: Vec<Membership>,
    pub privileges: Vec<Privilege>,
    pub activities: Vec<Activity>,
    pub files: Vec<FileItem>,
    pub oauth_grants: Vec<OauthGrant>,
    /// Files the vendor reports deleted (an incremental read, e.g. a Graph delta): their
    /// stored rows go.
    pub deleted_files: Vec<String>,
    /// Containers read again in full at the vendor's request: what the re-read did not
    /// return goes. Nothing else is ever deleted because a scan did not see it.
    pub resynced: Vec<Resync>,
}

impl Records {
    pub fn len(&self) -> usize {
        self.accounts.len()
            + self.groups.len()
            + self.memberships.len()
            + self.privileges.len()
            + self.activities.len()
            + self.files.len()
            + self.oauth_grants.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds the records of a later page (its deletions apply after what is here).
    pub fn append(&mut self, mut later: Records) {
        self.accounts.append(&mut later.accounts);
        self.groups.append(&mut later.groups);
        self.memberships.append(&mut later.memberships);
        self.privileges.append(&mut later.privileges);
        self.activities.append(&mut later.activities);
        self.files.append(&mut later.files);
        self.oauth_grants.append(&mut later.oauth_grants);
        self.deleted_files.append(&mut later.deleted_files);
        self.resynced.append(&mut later.resynced);
    }

    /// Whether the page deletes stored rows (its deletions apply after the rows before it).
    pub fn deletes(&self) -> bool {
        !self.deleted_files.is_empty() || !self.resynced.is_empty()
    }
}

/// A permission the connector needs, and whether the credential has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionCheck {
    /// e.g. `read:org`, `AuditLog.Read.All`, `audit log (Enterprise Cloud)`.
    pub name: String,
    pub granted: bool,
    /// The phases that need it.
    pub phases: Vec<Phase>,
    /// What to do when it is missing.
    pub fix: Option<String>,
    /// A licence or plan of the tenant (Enterprise Cloud, Entra ID P1), not a permission the
    /// analyst can grant: the phases it gates are `unavailable`, not `missing_permission`.
    #[serde(default)]
    pub licence: bool,
}

/// What the permissions scan found.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Permissions {
    /// Who the credential is (login, app name).
    pub principal: String,
    pub checks: Vec<PermissionCheck>,
    /// When the check ran (ms since the epoch; set by whoever stores it).
    #[serde(default)]
    pub checked_at_ms: Option<i64>,
}

impl Permissions {
    /// The first missing permission a phase needs.
    pub fn missing_for(&self, phase: Phase) -> Option<&PermissionCheck> {
        self.checks
            .iter()
            .find(|c| !c.granted && c.phases.contains(&phase))
    }
}

/// Where the engine stores what a connector reads. A page and the cursor that follows it are
/// stored in one transaction, so a killed scan resumes after the last stored page.
#[async_trait]
pub trait Sink: Send {
    /// Stores a page; `cursor` is where to resume after it (`None`: the phase is done).
    async fn page(&mut self, records: Records, cursor: Option<String>) -> Result<()>;

    /// Something the analyst should know about a phase that still completes (a source the
    /// tenant's licence does not include, items skipped for lack of access).
    fn note(&mut self, _message: String) {}

    /// Keeps `state` for the next run of this phase once the pages sent so far are stored
    /// (e.g. Graph delta links per drive); the next run gets it as [`PhaseStart::state`].
    async fn keep(&mut self, _state: String) -> Result<()> {
        Ok(())
    }
}

/// What a scan phase starts from.
#[derive(Debug, Clone, Default)]
pub struct PhaseStart {
    /// Where an interrupted run of this phase stopped (an opaque cursor of the connector).
    pub resume: Option<String>,
    /// For activities: read events from this time on (ms); the engine passes the last stored
    /// event time minus the lag window, or now minus the back-fill.
    pub since_ms: Option<i64>,
    /// What the connector kept ([`Sink::keep`]) in earlier runs of this phase.
    pub state: Option<String>,
}

/// The context of a connector call.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub http: Http,
    pub auth: Auth,
}

/// A stored grant an analyst wants revoked.
#[derive(Debug, Clone, Copy)]
pub struct Revocation<'a> {
    pub kind: GrantKind,
    pub external_id: &'a str,
    /// The grant's stored vendor record (what the connector read).
    pub raw: &'a str,
}

/// One request that revokes (part of) a grant, or carries out a governance action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokeStep {
    /// `DELETE`, `POST` or `PATCH`.
    pub method: &'static str,
    pub url: url::Url,
    /// The JSON body (`PATCH`), if any.
    pub body: Option<serde_json::Value>,
    /// Headers the vendor's API expects on the request (GitHub: its media type and REST API
    /// version), beside the credential.
    pub headers: Vec<(&'static str, &'static str)>,
    /// What it removes, for the analyst (`delegated permission grant 5f3…`).
    pub what: String,
}

/// How a grant is revoked: the vendor's API requests, or what to do by hand where the API
/// cannot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokePlan {
    Api(Vec<RevokeStep>),
    Manual(String),
}

/// A governance action on an account or a file of an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GovernanceKind {
    /// Sign the user out of every session (Microsoft 365).
    RevokeSessions,
    /// Block the account from signing in (Microsoft 365).
    DisableAccount,
    /// Remove a file's anyone-links and the permissions of people outside (Microsoft 365).
    RemoveSharing,
    /// Remove an outside collaborator from every repository of the organisation (GitHub).
    RemoveOutsideCollaborator,
}

/// What a governance action applies to, as the connector read it.
#[derive(Debug, Clone, Copy)]
pub struct GovernanceTarget<'a> {
    pub kind: GovernanceKind,
    /// The account's or the file's id at the vendor.
    pub external_id: &'a str,
    /// The account's sign-in name (GitHub login, user principal name).
    pub login: Option<&'a str>,
    /// The stored vendor record of the account or file.
    pub raw: &'a str,
    /// A file's collaborators the connector found to be outside the organisation.
    pub external: &'a [String],
}

/// A vendor connector.
#[async_trait]
pub trait Connector: Send + Sync {
    fn info(&self) -> ConnectorInfo;

    /// The API base the instance's credential is sent to, and nowhere else.
    fn api_base(&self) -> &url::Url;

    /// Checks what the credential may read (and who it is).
    async fn permissions(&self, ctx: &Ctx) -> Result<Permissions>;

    /// Reads one phase, page by page, into `sink`.
    async fn scan(
        &self,
        ctx: &Ctx,
        phase: Phase,
        start: PhaseStart,
        sink: &mut dyn Sink,
    ) -> Result<()>;

    /// How to carry out a governance action (no request is sent here).
    fn governance_plan(&self, target: &GovernanceTarget<'_>) -> Result<RevokePlan> {
        let _ = target;
        Ok(RevokePlan::Manual(
            "this connector cannot do this through the vendor's API: do it in the vendor's admin console"
                .into(),
        ))
    }

    /// How to revoke a grant this connector read (no request is sent here).
    fn revoke_plan(&self, grant: &Revocation<'_>) -> Result<RevokePlan> {
        let _ = grant;
        Ok(RevokePlan::Manual(
            "this connector cannot revoke access: remove the app in the vendor's admin console"
                .into(),
        ))
    }
}
