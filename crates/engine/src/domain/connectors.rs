//! What the Connected apps page and the connector commands show.

use serde::{Deserialize, Serialize};
use specta::Type;

/// Where a connected instance stands (stored as its snake-case name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum InstanceStatus {
    /// Its credential is being checked.
    Connecting,
    Scanning,
    Connected,
    /// It cannot be read: `status_detail` says why and what fixes it.
    Error,
    /// The analyst turned it off (or removed its credential); its data is kept.
    Disabled,
}

impl InstanceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceStatus::Connecting => "connecting",
            InstanceStatus::Scanning => "scanning",
            InstanceStatus::Connected => "connected",
            InstanceStatus::Error => "error",
            InstanceStatus::Disabled => "disabled",
        }
    }

    /// Whether the scheduler leaves it alone.
    pub fn is_idle(self) -> bool {
        matches!(self, InstanceStatus::Disabled | InstanceStatus::Error)
    }
}

impl std::fmt::Display for InstanceStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a scan ended (stored in `scan_runs.status`; `running` while it runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    /// Every phase it could run completed.
    Completed,
    /// Some phases could not run (permissions, plan) or failed.
    Partial,
    Failed,
    Cancelled,
    /// Its process stopped (killed, crashed); the scan resumes from its cursors.
    Interrupted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Completed => "completed",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Interrupted => "interrupted",
        }
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How one phase of a scan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum PhaseStatus {
    Completed,
    /// The connector cannot read it.
    Skipped,
    MissingPermission,
    /// The tenant's plan or licence does not offer it.
    Unavailable,
    Failed,
    Cancelled,
    NotRun,
}

impl PhaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseStatus::Completed => "completed",
            PhaseStatus::Skipped => "skipped",
            PhaseStatus::MissingPermission => "missing_permission",
            PhaseStatus::Unavailable => "unavailable",
            PhaseStatus::Failed => "failed",
            PhaseStatus::Cancelled => "cancelled",
            PhaseStatus::NotRun => "not_run",
        }
    }

    /// Whether the phase leaves nothing to fix (done, not readable by design, or not asked).
    pub fn is_fine(self) -> bool {
        matches!(
            self,
            PhaseStatus::Completed | PhaseStatus::Skipped | PhaseStatus::NotRun
        )
    }
}

impl std::fmt::Display for PhaseStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a connector can read (the `cloudwarden connectors` shape).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
pub struct CapabilitiesView {
    pub accounts: bool,
    pub groups: bool,
    pub privileges: bool,
    pub activities: bool,
    pub files: bool,
    pub oauth_apps: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ConnectorView {
    pub id: String,
    pub name: String,
    /// `token`, `device_flow`, `authorization_code`, `client_credentials`.
    pub auth: Vec<String>,
    pub capabilities: CapabilitiesView,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Type)]
pub struct InstanceCounts {
    #[specta(type = u32)]
    pub accounts: i64,
    #[specta(type = u32)]
    pub groups: i64,
    #[specta(type = u32)]
    pub activities: i64,
    #[specta(type = u32)]
    pub files: i64,
    #[specta(type = u32)]
    pub oauth_grants: i64,
}

/// A permission the connector checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct PermissionView {
    pub name: String,
    pub granted: bool,
    pub phases: Vec<String>,
    pub fix: Option<String>,
}

/// A connected instance (the `cloudwarden instances` shape, plus details for the drawer).
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct InstanceView {
    pub id: String,
    pub app: String,
    pub name: String,
    pub status: InstanceStatus,
    /// Why, and the fix, for `error` (and missing permissions on `connected`).
    pub status_detail: Option<String>,
    #[specta(type = Option<u32>)]
    pub last_scan_at: Option<i64>,
    /// When the scheduler scans it next (none while disabled or in error).
    #[specta(type = Option<u32>)]
    pub next_scan_at: Option<i64>,
    /// The newest finished scan, per phase.
    pub last_run: Option<RunView>,
    /// How often the scheduler reads activities, and everything.
    pub activities_every_s: u32,
    pub full_every_s: u32,
    pub counts: InstanceCounts,
    /// Who the credential is, from the last permissions scan.
    pub principal: Option<String>,
    /// When the permissions were last checked (test connection, or the start of a scan).
    #[specta(type = Option<u32>)]
    pub checked_at: Option<i64>,
    pub permissions: Vec<PermissionView>,
    /// The instance settings (never secrets).
    pub config: InstanceConfig,
}

/// What an instance connects to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
pub struct InstanceConfig {
    /// GitHub organisation.
    #[serde(default)]
    pub org: Option<String>,
    /// Microsoft 365 tenant (id or verified domain).
    #[serde(default)]
    pub tenant: Option<String>,
    /// API base URL when not the vendor's default (GitHub Enterprise Server, a national
    /// cloud's Microsoft Graph).
    #[serde(default)]
    pub api_url: Option<String>,
    /// How it is authorized: `token`, `device`, `authorization_code`, `client_credentials`.
    #[serde(default)]
    pub auth: Option<String>,
    /// The OAuth client id (app registration, OAuth app) for OAuth instances.
    #[serde(default)]
    pub client_id: Option<String>,
}

/// Connect a GitHub organisation with a token.
#[derive(Clone, PartialEq, Eq, Deserialize, Type)]
pub struct ConnectGithub {
    pub name: String,
    pub org: String,
    /// `https://api.github.com` when empty; `https://HOST/api/v3` for Enterprise Server.
    #[serde(default)]
    pub api_url: Option<String>,
    /// Goes straight to the keychain.
    pub token: String,
}

impl std::fmt::Debug for ConnectGithub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectGithub")
            .field("name", &self.name)
            .field("org", &self.org)
            .field("api_url", &self.api_url)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// A finished scan, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct RunView {
    pub status: RunStatus,
    #[specta(type = u32)]
    pub started_at: i64,
    #[specta(type = Option<u32>)]
    pub finished_at: Option<i64>,
    pub phases: Vec<PhaseReport>,
    #[specta(type = u32)]
    pub requests: i64,
    #[specta(type = u32)]
    pub retries: i64,
    #[specta(type = u32)]
    pub throttles: i64,
    pub error: Option<String>,
}

/// The result of one phase of a scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct PhaseReport {
    pub phase: String,
    pub status: PhaseStatus,
    #[specta(type = u32)]
    pub records: u64,
    pub detail: Option<String>,
    #[specta(type = u32)]
    pub duration_ms: u64,
}

/// What a scan did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ScanReport {
    pub instance_id: String,
    pub run_id: String,
    pub status: RunStatus,
    pub phases: Vec<PhaseReport>,
    #[specta(type = u32)]
    pub requests: u64,
    #[specta(type = u32)]
    pub retries: u64,
    #[specta(type = u32)]
    pub throttles: u64,
    #[specta(type = u32)]
    pub duration_ms: u64,
}

/// Connect a GitHub organisation through the OAuth device flow of an OAuth app.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Type)]
pub struct ConnectGithubDevice {
    pub name: String,
    pub org: String,
    #[serde(default)]
    pub api_url: Option<String>,
    /// The OAuth app's client id (GitHub → Settings → Developer settings → OAuth Apps, with
    /// "Enable Device Flow" ticked).
    pub client_id: String,
    /// `https://github.com` when empty; `https://HOST` for Enterprise Server.
    #[serde(default)]
    pub oauth_url: Option<String>,
}

/// A device flow waiting for the analyst: open `verification_uri` and enter `user_code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct DeviceCode {
    pub flow_id: String,
    pub user_code: String,
    pub verification_uri: String,
    pub expires_in_s: u32,
}

/// Connect a Microsoft 365 tenant with the client credentials of an admin-consented app
/// registration.
#[derive(Clone, PartialEq, Eq, Deserialize, Type)]
pub struct ConnectM365 {
    pub name: String,
    /// The directory (tenant) id or a verified domain.
    pub tenant: String,
    /// The app registration's application (client) id.
    pub client_id: String,
    /// Goes straight to the keychain.
    pub client_secret: String,
    /// `https://graph.microsoft.com/v1.0` when empty.
    #[serde(default)]
    pub api_url: Option<String>,
    /// `https://login.microsoftonline.com` when empty.
    #[serde(default)]
    pub login_url: Option<String>,
}

impl std::fmt::Debug for ConnectM365 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectM365")
            .field("name", &self.name)
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Start an OAuth authorization-code flow (PKCE, loopback redirect) in the system browser.
#[derive(Clone, PartialEq, Eq, Deserialize, Type)]
pub struct AuthorizeStart {
    /// `m365` or `github`.
    pub app: String,
    pub name: String,
    /// GitHub organisation.
    #[serde(default)]
    pub org: Option<String>,
    /// Microsoft 365 tenant.
    #[serde(default)]
    pub tenant: Option<String>,
    pub client_id: String,
    /// GitHub OAuth apps need their client secret to exchange the code; Microsoft public
    /// clients do not.
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub api_url: Option<String>,
    /// The authorization server when not the vendor's (`https://HOST` for GitHub Enterprise
    /// Server, a national cloud's login host).
    #[serde(default)]
    pub login_url: Option<String>,
    /// Re-authorize this existing instance instead of creating one.
    #[serde(default)]
    pub instance_id: Option<String>,
}

impl std::fmt::Debug for AuthorizeStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizeStart")
            .field("app", &self.app)
            .field("name", &self.name)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

/// An authorization-code flow waiting for the browser: open `authorize_url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct AuthorizeFlow {
    pub flow_id: String,
    pub authorize_url: String,
    /// The loopback redirect URI the flow listens on (register `http://127.0.0.1` as a
    /// redirect URI of the app; the port is chosen per flow).
    pub redirect_uri: String,
}

/// New credentials for an instance (edit credentials): a token for token instances, a client
/// secret for client-credentials instances. OAuth user flows are re-run instead.
#[derive(Clone, PartialEq, Eq, Deserialize, Type)]
pub struct UpdateCredentials {
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for UpdateCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UpdateCredentials(<redacted>)")
    }
}
