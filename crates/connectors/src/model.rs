//! The normalized schema every connector emits, and the connector contract.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::http::{Auth, Http};
use crate::Result;

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
    pub raw: Value,
}

/// A group or team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub external_id: String,
    pub name: String,
    pub description: Option<String>,
    /// `secret`/`closed`/`public` for GitHub teams, `security`/`m365` for Entra groups.
    pub kind: Option<String>,
    pub raw: Value,
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
    pub raw: Value,
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
    pub raw: Value,
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
    pub modified_at_ms: Option<i64>,
    pub raw: Value,
}

/// A third-party app's access.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OauthGrant {
    pub external_id: String,
    pub app_name: String,
    pub app_id: Option<String>,
    /// The account that granted it; `None` for an organisation-wide grant.
    pub principal: Option<String>,
    pub scopes: Vec<String>,
    pub granted_at_ms: Option<i64>,
    pub raw: Value,
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
    /// stored rows go. Nothing else is ever deleted because a scan did not see it.
    pub deleted_files: Vec<String>,
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

/// A vendor connector.
#[async_trait]
pub trait Connector: Send + Sync {
    fn info(&self) -> ConnectorInfo;

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
}
