//! Investigation: the activity log across connected instances, filtered, sorted and paged in
//! the engine (keyset pages with an opaque cursor).

use serde::{Deserialize, Serialize};
use specta::Type;

pub use cloudwarden_connectors::normalize::{
    Category as ActivityCategory, Outcome as ActivityOutcome,
};

/// What to show of the activity log. Every field narrows; `None` leaves it open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(default)]
pub struct ActivityFilter {
    pub instance_id: Option<String>,
    /// Connector app (`github`, `m365`).
    pub app: Option<String>,
    /// The actor as the vendor names it (user principal name, login).
    pub user: Option<String>,
    /// An IP address, or a network in CIDR notation (`10.1.0.0/16`, `2001:db8::/32`).
    pub ip: Option<String>,
    pub category: Option<ActivityCategory>,
    pub action: Option<String>,
    pub outcome: Option<ActivityOutcome>,
    /// From this time on (ms since the epoch).
    #[specta(type = Option<u32>)]
    pub since_ms: Option<i64>,
    /// Before this time (ms since the epoch).
    #[specta(type = Option<u32>)]
    pub until_ms: Option<i64>,
    /// Words that must all appear (as word prefixes) in the actor, action or object.
    pub text: Option<String>,
    /// Exactly this object (a file's URL, a repository), as the vendor names it.
    pub object: Option<String>,
}

/// One event of the activity log, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ActivityRow {
    pub instance_id: String,
    pub instance_name: String,
    pub app: String,
    pub event_id: String,
    #[specta(type = u32)]
    pub occurred_at_ms: i64,
    pub actor: Option<String>,
    pub category: ActivityCategory,
    pub action: String,
    pub outcome: ActivityOutcome,
    /// What it acted on (a file, repository, user, app…), as the vendor names it.
    pub object: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A page of the activity log, newest first, and the cursor of the next one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ActivityPage {
    pub items: Vec<ActivityRow>,
    /// Pass back to read on; `None` when there is nothing more.
    pub next_cursor: Option<String>,
}

/// One event with the vendor's own record, for the detail drawer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ActivityDetail {
    pub row: ActivityRow,
    /// The vendor's event as it was read (JSON).
    pub raw: String,
}

/// What an export of the activity log is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// One header row, then one row per event (normalised fields).
    Csv,
    /// A JSON array: one object per event, the normalised fields and the vendor's record.
    Json,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "json" => Some(ExportFormat::Json),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }
}

/// A written export of the activity log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ActivityExport {
    pub path: String,
    #[specta(type = u32)]
    pub rows: u64,
    #[specta(type = u32)]
    pub bytes: u64,
}

/// A filter of the activity log the analyst saved under a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct SavedActivityQuery {
    #[specta(type = u32)]
    pub id: i64,
    pub name: String,
    pub filter: ActivityFilter,
    #[specta(type = u32)]
    pub updated_at_ms: i64,
}

/// What kind of account it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// A member of the organisation.
    User,
    /// Someone from outside: a Microsoft Entra guest, a GitHub outside collaborator.
    Guest,
    /// A machine account (GitHub bots).
    Bot,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::User => "user",
            AccountKind::Guest => "guest",
            AccountKind::Bot => "bot",
        }
    }

    /// The stored word; anything else is a member.
    pub fn parse(s: &str) -> AccountKind {
        match s {
            "guest" => AccountKind::Guest,
            "bot" => AccountKind::Bot,
            _ => AccountKind::User,
        }
    }
}

/// Whether the account can sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Active,
    Disabled,
}

impl AccountStatus {
    pub fn parse(s: &str) -> AccountStatus {
        if s == "disabled" {
            AccountStatus::Disabled
        } else {
            AccountStatus::Active
        }
    }
}

/// Why an account belongs to its person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Correlation {
    /// The vendor reports its e-mail address; accounts with the same address are one person.
    Email,
    /// No e-mail address, but its sign-in name is one (a user principal name).
    SignInName,
    /// The analyst linked it to this person (or kept it apart).
    Linked,
    /// Nothing to correlate it by: a person of its own until the analyst links it.
    Alone,
}

/// Which people to list. Every field narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(default)]
pub struct PersonFilter {
    /// People with an account in this instance.
    pub instance_id: Option<String>,
    /// People with an account in this connector app (`github`, `m365`).
    pub app: Option<String>,
    /// People with an administrator account.
    pub admins: bool,
    /// People with an external account (guest, outside collaborator).
    pub external: bool,
    /// People with an account the vendor reports without a second factor.
    pub without_mfa: bool,
    /// People none of whose accounts signed in or acted for this many days.
    pub inactive_days: Option<u32>,
    /// Words in a login, display name or e-mail address.
    pub text: Option<String>,
}

/// One account of a person, in one instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct PersonAccount {
    pub instance_id: String,
    pub instance_name: String,
    pub app: String,
    pub external_id: String,
    pub login: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub kind: AccountKind,
    pub status: AccountStatus,
    pub is_admin: bool,
    /// Directory and organisation roles (Global Administrator, owner…).
    pub roles: Vec<String>,
    pub groups: Vec<String>,
    /// Whether the account has a second factor; `None` where the vendor does not say.
    pub mfa: Option<bool>,
    #[specta(type = Option<u32>)]
    pub created_at_ms: Option<i64>,
    #[specta(type = Option<u32>)]
    pub last_sign_in_ms: Option<i64>,
    /// The newest activity this account performed.
    #[specta(type = Option<u32>)]
    pub last_activity_ms: Option<i64>,
    pub correlation: Correlation,
    /// The key the rule alone would give it (what unlinking returns it to).
    pub rule_person: String,
}

/// A person: their accounts across instances, correlated by e-mail address or sign-in name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct Person {
    /// The person's key: an e-mail address, or `app:login` for an account alone.
    pub key: String,
    pub display_name: Option<String>,
    pub admin: bool,
    pub external: bool,
    /// The connector apps they have accounts in.
    pub apps: Vec<String>,
    /// The newest sign-in or activity of any of their accounts.
    #[specta(type = Option<u32>)]
    pub last_active_ms: Option<i64>,
    pub accounts: Vec<PersonAccount>,
}

/// A page of people in key order, and the cursor of the next one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct PeoplePage {
    pub items: Vec<Person>,
    pub next_cursor: Option<String>,
}

/// Who can reach a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum SharingLevel {
    /// Anyone with the link, signed in or not.
    Public,
    /// Named people outside the organisation.
    External,
    /// The whole organisation.
    Internal,
    /// Only the owner and named colleagues.
    Private,
}

impl SharingLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            SharingLevel::Public => "public",
            SharingLevel::External => "external",
            SharingLevel::Internal => "internal",
            SharingLevel::Private => "private",
        }
    }

    pub fn parse(s: &str) -> Option<SharingLevel> {
        [
            SharingLevel::Public,
            SharingLevel::External,
            SharingLevel::Internal,
            SharingLevel::Private,
        ]
        .into_iter()
        .find(|l| l.as_str() == s)
    }
}

/// Which files to list. Every field narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(default)]
pub struct FileFilter {
    pub instance_id: Option<String>,
    /// Connector app (`github`, `m365`).
    pub app: Option<String>,
    pub sharing: Option<SharingLevel>,
    /// Shared with someone whose e-mail address is in this domain (`fabrikam.com`).
    pub shared_with_domain: Option<String>,
    /// Owned by this account (as the vendor names it).
    pub owner: Option<String>,
    /// Owned by an external user (a guest of the instance).
    pub external_owner: bool,
    /// Not modified for this many days (with `sharing: public`: stale public files).
    pub stale_days: Option<u32>,
    /// Words that must all start a word of the name (path) or owner.
    pub text: Option<String>,
}

/// One file (or folder, or repository) with who can reach it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct FileRow {
    pub instance_id: String,
    pub instance_name: String,
    pub app: String,
    pub external_id: String,
    /// The path within its drive or the repository's full name.
    pub name: String,
    pub url: Option<String>,
    pub owner: Option<String>,
    pub sharing: SharingLevel,
    #[specta(type = Option<u32>)]
    pub modified_at_ms: Option<i64>,
    pub collaborators: u32,
    pub external_collaborators: u32,
    /// The e-mail domains of the people it is shared with.
    pub domains: Vec<String>,
}

/// A page of files, newest modified first, and the cursor of the next one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct FilePage {
    pub items: Vec<FileRow>,
    pub next_cursor: Option<String>,
}

/// Someone a file is shared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct FileCollaborator {
    pub account: String,
    /// `read` or `write`.
    pub permission: String,
    pub external: bool,
    pub domain: Option<String>,
}

/// One file with its collaborators and the vendor's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct FileDetail {
    pub row: FileRow,
    pub collaborators: Vec<FileCollaborator>,
    pub raw: String,
}

/// How much a permission lets an app do (the classification in `data/oauth-permissions.json`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Type,
)]
#[serde(rename_all = "snake_case")]
pub enum PermissionLevel {
    Low,
    Medium,
    High,
}

impl PermissionLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            PermissionLevel::Low => "low",
            PermissionLevel::Medium => "medium",
            PermissionLevel::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<PermissionLevel> {
        match s {
            "low" => Some(PermissionLevel::Low),
            "medium" => Some(PermissionLevel::Medium),
            "high" => Some(PermissionLevel::High),
            _ => None,
        }
    }
}

/// The analyst's decision on an OAuth app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum OauthAppStatus {
    Approved,
    Banned,
    /// Not decided yet.
    Unset,
}

impl OauthAppStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OauthAppStatus::Approved => "approved",
            OauthAppStatus::Banned => "banned",
            OauthAppStatus::Unset => "unset",
        }
    }

    pub fn parse(s: &str) -> Option<OauthAppStatus> {
        match s {
            "approved" => Some(OauthAppStatus::Approved),
            "banned" => Some(OauthAppStatus::Banned),
            "unset" => Some(OauthAppStatus::Unset),
            _ => None,
        }
    }
}

/// One permission an app holds, classified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct OauthPermission {
    pub name: String,
    /// `delegated` (for users who consented) or `application` (the app's own).
    pub kind: String,
    pub level: PermissionLevel,
    /// What it lets the app do.
    pub reason: String,
    /// The page the classification follows.
    pub source: Option<String>,
}

/// A third-party OAuth app across instances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct OauthAppRow {
    /// `<connector app>:<app id or name>`: what ban and approve take.
    pub key: String,
    /// The connector app (`m365`, `github`).
    pub app: String,
    pub name: String,
    pub app_id: Option<String>,
    /// The publisher as the vendor reports it.
    pub publisher: Option<String>,
    /// The vendor verified the publisher (Microsoft publisher verification).
    pub publisher_verified: bool,
    /// The highest level of its permissions.
    pub level: PermissionLevel,
    pub permissions: Vec<OauthPermission>,
    /// People who granted it (delegated grants).
    pub users: u32,
    /// An administrator granted it for everyone, or it holds application permissions.
    pub org_wide: bool,
    pub instances: Vec<String>,
    pub grants: u32,
    #[specta(type = Option<u32>)]
    pub first_seen_ms: Option<i64>,
    #[specta(type = Option<u32>)]
    pub last_seen_ms: Option<i64>,
    pub status: OauthAppStatus,
}

/// Which OAuth apps to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(default)]
pub struct OauthAppFilter {
    pub level: Option<PermissionLevel>,
    pub status: Option<OauthAppStatus>,
    /// Connector app (`github`, `m365`).
    pub app: Option<String>,
    /// Words in the app's name or publisher.
    pub text: Option<String>,
}

/// A page of OAuth apps (highest level, then most users, first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct OauthAppPage {
    pub items: Vec<OauthAppRow>,
    pub next_cursor: Option<String>,
}

/// What happened (or, in a dry run, will happen) to one grant of a banned app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum RevokeOutcome {
    /// Dry run: this request would be sent.
    Planned,
    Revoked,
    /// The vendor no longer had it.
    AlreadyGone,
    Failed,
    /// The vendor's API cannot revoke it: `detail` says what to do by hand.
    Manual,
}

impl RevokeOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            RevokeOutcome::Planned => "planned",
            RevokeOutcome::Revoked => "done",
            RevokeOutcome::AlreadyGone => "already gone",
            RevokeOutcome::Failed => "failed",
            RevokeOutcome::Manual => "to do by hand",
        }
    }
}

/// One step of a ban: a grant and the request that revokes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct RevokeStepView {
    pub instance_id: String,
    pub instance_name: String,
    pub grant_id: String,
    /// Who granted it (`None`: an administrator for everyone, or the app itself).
    pub principal: Option<String>,
    /// What the request removes.
    pub what: String,
    /// `DELETE https://graph.microsoft.com/v1.0/...`; `None` for a manual step.
    pub request: Option<String>,
    pub outcome: RevokeOutcome,
    pub detail: Option<String>,
}

/// A ban: every grant of the app and what happened to each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct BanReport {
    pub app: OauthAppRow,
    pub dry_run: bool,
    pub steps: Vec<RevokeStepView>,
}

/// A snapshot of what a completed full scan saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct SnapshotInfo {
    pub run_id: String,
    pub instance_id: String,
    pub instance_name: String,
    #[specta(type = u32)]
    pub taken_at_ms: i64,
}

/// An account that appeared, went away, or whose rights changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct AccountChange {
    pub external_id: String,
    pub login: String,
    pub admin: bool,
    /// Roles it gained (for new accounts: all of them).
    pub roles_added: Vec<String>,
    pub roles_removed: Vec<String>,
}

/// A file that became public or shared outside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct FileChange {
    pub external_id: String,
    pub name: String,
    pub url: Option<String>,
    pub owner: Option<String>,
    /// Its sharing before (`None`: private, internal or not there).
    pub before: Option<SharingLevel>,
    pub after: SharingLevel,
    /// External people it is newly shared with.
    pub new_external: Vec<String>,
}

/// An OAuth grant that appeared or went away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct GrantChange {
    pub external_id: String,
    /// The app's key (as on the OAuth apps page).
    pub app_key: String,
    pub app_name: String,
    pub principal: Option<String>,
    pub scopes: Vec<String>,
    pub level: PermissionLevel,
}

/// What changed in one instance between two snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct InstanceChanges {
    pub instance_id: String,
    pub instance_name: String,
    pub app: String,
    pub from: SnapshotInfo,
    pub to: SnapshotInfo,
    pub new_accounts: Vec<AccountChange>,
    pub removed_accounts: Vec<AccountChange>,
    /// Accounts that became administrators.
    pub new_admins: Vec<AccountChange>,
    /// Accounts whose roles changed (gained or lost), administrators or not.
    pub role_changes: Vec<AccountChange>,
    pub newly_public_files: Vec<FileChange>,
    pub newly_external_files: Vec<FileChange>,
    pub new_grants: Vec<GrantChange>,
    pub removed_grants: Vec<GrantChange>,
    /// Apps holding high-level permissions that did not before.
    pub new_high_apps: Vec<String>,
    /// Kinds the two snapshots do not both cover (a phase did not complete): not compared.
    pub not_compared: Vec<String>,
}

/// What changed, per instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ChangeReport {
    pub instances: Vec<InstanceChanges>,
    /// Instances with fewer than two snapshots (scan them again to compare).
    pub waiting: Vec<String>,
}
