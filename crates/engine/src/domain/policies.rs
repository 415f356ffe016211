//! Policies and alerts: what the analyst asks to be told about, and what was found.

use serde::{Deserialize, Serialize};
use specta::Type;

use super::investigate::{ActivityFilter, PermissionLevel, SharingLevel};

/// An enum stored and sent as its snake_case name: `as_str` and `parse` from one list.
macro_rules! named {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v,)+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s,)+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($s => Some($name::$v),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named! {
    /// How much an alert matters.
    #[derive(PartialOrd, Ord)]
    pub enum Severity {
        Low = "low",
        Medium = "medium",
        High = "high",
    }
}

named! {
    /// What a policy looks at.
    pub enum PolicyKind {
        /// Activities matching a filter, optionally N of them by one user within a time.
        Activity = "activity",
        /// Files by sharing, name, owner and collaborators.
        File = "file",
        /// Third-party OAuth apps by permissions, publisher and reach.
        OauthApp = "oauth_app",
        /// Apps found in uploaded firewall and proxy logs.
        Discovery = "discovery",
        /// A built-in detection of unusual behaviour, learned per user.
        Anomaly = "anomaly",
        /// A community detection (Sigma rule) run on the vendor's own events.
        Sigma = "sigma",
    }
}

named! {
    /// The built-in anomaly detections.
    pub enum Detection {
        /// Activity from a country the user has not acted from before.
        NewCountry = "new_country",
        /// Activity from an autonomous system (network operator) new for the user.
        NewAsn = "new_asn",
        /// Two activities of one user from places too far apart for the time between them.
        ImpossibleTravel = "impossible_travel",
        /// Many file downloads by one user in a short time.
        MassDownload = "mass_download",
        /// Many deletions by one user in a short time.
        MassDeletion = "mass_deletion",
        /// Many sharing changes by one user in a short time.
        MassSharing = "mass_sharing",
        /// Many failed sign-ins of one user in a short time.
        FailedSignIns = "failed_sign_ins",
        /// Someone was given an administrator role.
        NewAdminRole = "new_admin_role",
        /// A third-party app was granted high permissions for the first time.
        NewHighPermissionApp = "new_high_permission_app",
    }
}

named! {
    /// What the analyst says an IP range is (Settings → IP ranges).
    pub enum IpTag {
        Corporate = "corporate",
        Vpn = "vpn",
        Risky = "risky",
        CloudProvider = "cloud_provider",
    }
}

named! {
    /// Where an alert stands.
    pub enum AlertStatus {
        Open = "open",
        InProgress = "in_progress",
        Resolved = "resolved",
        Dismissed = "dismissed",
    }
}

named! {
    /// What a resolved alert turned out to be.
    pub enum Resolution {
        TruePositive = "true_positive",
        Benign = "benign",
        FalsePositive = "false_positive",
    }
}

named! {
    /// What an alert names.
    #[derive(PartialOrd, Ord)]
    pub enum EntityKind {
        Person = "person",
        Account = "account",
        App = "app",
        Instance = "instance",
        Ip = "ip",
        File = "file",
        OauthApp = "oauth_app",
        Country = "country",
    }
}

/// "N matching activities by one user within T".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct Threshold {
    /// How many matching activities (at least 2).
    pub count: u32,
    /// Within how many minutes of each other.
    pub window_minutes: u32,
}

/// Conditions on an activity's IP address beyond the filter's network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(default)]
pub struct IpCondition {
    /// The address is in a range with one of these tags.
    pub tagged: Vec<IpTag>,
    /// The address is in no range with any of these tags (and is a public address).
    pub not_tagged: Vec<IpTag>,
    /// The address is registered in one of these countries (ISO 3166 alpha-2).
    pub countries: Vec<String>,
}

impl IpCondition {
    pub fn is_empty(&self) -> bool {
        self.tagged.is_empty() && self.not_tagged.is_empty() && self.countries.is_empty()
    }
}

/// What an activity policy matches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(default)]
pub struct ActivityCondition {
    /// The activity log's filter (its time range is ignored: policies look at new data).
    pub filter: ActivityFilter,
    /// Any of these actions, as the vendor names them (compared without case); empty: any.
    pub actions: Vec<String>,
    pub ip: IpCondition,
    /// Raise only when this many match by one user within the window.
    pub threshold: Option<Threshold>,
}

/// What a file policy matches (every set field must hold).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(default)]
pub struct FileCondition {
    pub instance_id: Option<String>,
    pub app: Option<String>,
    /// Shared at least this widely (`public` ⊃ `external` ⊃ `internal` ⊃ `private`).
    pub sharing: Option<SharingLevel>,
    /// Name patterns with `*` wildcards, compared without case (any may match).
    pub name_patterns: Vec<String>,
    /// Extensions without the dot (any may match).
    pub extensions: Vec<String>,
    pub owner: Option<String>,
    /// Shared with someone at one of these domains.
    pub collaborator_domains: Vec<String>,
    /// Shared with a personal e-mail address (consumer mail domains).
    pub personal_collaborators: bool,
}

/// What an OAuth app policy matches (every set field must hold).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(default)]
pub struct OauthAppCondition {
    /// Holds a permission at least this high.
    pub permission_level: Option<PermissionLevel>,
    /// Holds any of these permissions (scopes), compared without case.
    pub scopes: Vec<String>,
    /// Its publisher is not verified.
    pub unverified_publisher: bool,
    /// Granted by at most this many users (rarely used apps).
    pub max_users: Option<u32>,
    /// Granted by at least this many users.
    pub min_users: Option<u32>,
    /// Only apps the analyst has not approved.
    pub not_approved: bool,
}

/// What a Cloud Discovery policy matches, per app in an uploaded report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(default)]
pub struct DiscoveryCondition {
    /// Only apps seen for the first time.
    pub new_app: bool,
    /// Risk score at most this (0–10).
    pub max_score: Option<u8>,
    pub min_users: Option<u32>,
    #[specta(type = Option<u32>)]
    pub min_traffic_bytes: Option<u64>,
    #[specta(type = Option<u32>)]
    pub min_upload_bytes: Option<u64>,
    /// Only apps the analyst tagged unsanctioned.
    pub unsanctioned: bool,
}

/// A built-in detection and its settings (defaults: [`AnomalySettings::default`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct AnomalyCondition {
    pub detection: Detection,
    #[serde(default)]
    pub settings: AnomalySettings,
}

/// Knobs of the anomaly detections; each uses the ones that apply to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(default)]
pub struct AnomalySettings {
    /// Days after a user's first activity during which what they do is learned, not flagged.
    pub learning_days: u32,
    /// Impossible travel: the fastest believable speed, km/h (an airliner flies ~900).
    pub max_speed_kmh: u32,
    /// Impossible travel: places closer than this are never flagged, km.
    pub min_distance_km: u32,
    /// Mass and repeated detections: how many within the window.
    pub count: u32,
    pub window_minutes: u32,
}

impl Default for AnomalySettings {
    fn default() -> Self {
        AnomalySettings {
            learning_days: 7,
            max_speed_kmh: 1000,
            min_distance_km: 500,
            count: 0,
            window_minutes: 0,
        }
    }
}

/// A Sigma rule as imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct SigmaCondition {
    /// The rule's YAML, as imported.
    pub yaml: String,
    /// The rule's `id`.
    pub rule_id: Option<String>,
    /// The rule's `author` (DRL 1.1: shown wherever the rule or a match of it is shown).
    pub author: String,
    pub logsource: String,
    pub references: Vec<String>,
    pub false_positives: Vec<String>,
}

/// A policy's condition, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PolicyDefinition {
    Activity(ActivityCondition),
    File(FileCondition),
    OauthApp(OauthAppCondition),
    Discovery(DiscoveryCondition),
    Anomaly(AnomalyCondition),
    Sigma(SigmaCondition),
}

impl PolicyDefinition {
    pub fn kind(&self) -> PolicyKind {
        match self {
            PolicyDefinition::Activity(_) => PolicyKind::Activity,
            PolicyDefinition::File(_) => PolicyKind::File,
            PolicyDefinition::OauthApp(_) => PolicyKind::OauthApp,
            PolicyDefinition::Discovery(_) => PolicyKind::Discovery,
            PolicyDefinition::Anomaly(_) => PolicyKind::Anomaly,
            PolicyDefinition::Sigma(_) => PolicyKind::Sigma,
        }
    }
}

/// Where a policy applies; empty lists apply everywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(default)]
pub struct PolicyScope {
    /// Connector apps (`github`, `m365`).
    pub apps: Vec<String>,
    pub instance_ids: Vec<String>,
    /// Users (actors as the vendor names them) the policy is limited to.
    pub users: Vec<String>,
    /// Users the policy never applies to (service accounts, break-glass admins).
    pub exclude_users: Vec<String>,
}

named! {
    /// What a policy does on a match, beyond raising the alert.
    pub enum ActionKind {
        /// Microsoft 365: sign the user out everywhere (revoke refresh tokens and sessions).
        RevokeSessions = "revoke_sessions",
        /// Microsoft 365: block the account from signing in.
        DisableAccount = "disable_account",
        /// Microsoft 365: remove an OAuth app's delegated grant.
        RevokeGrant = "revoke_grant",
        /// Microsoft 365: remove a file's public link or external permission.
        RemoveSharing = "remove_sharing",
        /// GitHub: remove an outside collaborator from the organisation's repositories.
        RemoveOutsideCollaborator = "remove_outside_collaborator",
        /// GitHub: revoke a SAML SSO credential authorization.
        RevokeSamlCredential = "revoke_saml_credential",
    }
}

/// A policy as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct Policy {
    pub id: String,
    pub name: String,
    pub description: String,
    pub kind: PolicyKind,
    pub severity: Severity,
    pub enabled: bool,
    /// The template it was created from.
    pub template_id: Option<String>,
    pub definition: PolicyDefinition,
    pub scope: PolicyScope,
    /// Governance actions to take on a match (notify only when empty).
    pub actions: Vec<ActionKind>,
    #[specta(type = u32)]
    pub created_at_ms: i64,
    #[specta(type = u32)]
    pub updated_at_ms: i64,
    /// Alerts it has raised, and how many of them are open or in progress.
    pub alerts: u32,
    pub open_alerts: u32,
}

/// What the analyst gives to create or edit a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct PolicyInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub severity: Severity,
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub template_id: Option<String>,
    pub definition: PolicyDefinition,
    #[serde(default)]
    pub scope: PolicyScope,
    #[serde(default)]
    pub actions: Vec<ActionKind>,
}

/// A ready-made policy, described in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct PolicyTemplate {
    pub id: String,
    pub name: String,
    /// What it finds and why it matters.
    pub description: String,
    pub kind: PolicyKind,
    pub severity: Severity,
    pub definition: PolicyDefinition,
}

/// Something an alert names, linked to its page.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Type)]
pub struct Entity {
    pub kind: EntityKind,
    /// What the page is opened with (a login, an address, a file id, an app key).
    pub id: String,
    /// What the analyst reads.
    pub label: String,
    pub instance_id: Option<String>,
}

/// A record an alert was raised on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct Evidence {
    /// `activity`, `file`, `oauth_app` or `discovery_app`.
    pub kind: String,
    pub instance_id: Option<String>,
    /// The record's id in its kind (an activity's event id, a file's id, an app key).
    pub ref_id: String,
    #[specta(type = u32)]
    pub occurred_at_ms: i64,
    /// One line on what happened.
    pub summary: String,
}

/// An alert in the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct Alert {
    pub id: String,
    pub policy_id: String,
    pub policy_name: String,
    pub severity: Severity,
    pub title: String,
    pub description: String,
    pub status: AlertStatus,
    pub resolution: Option<Resolution>,
    pub assignee: Option<String>,
    pub entities: Vec<Entity>,
    /// How many records it holds (repeats are grouped into one alert).
    pub count: u32,
    #[specta(type = u32)]
    pub first_seen_ms: i64,
    #[specta(type = u32)]
    pub last_seen_ms: i64,
    #[specta(type = u32)]
    pub created_at_ms: i64,
    #[specta(type = u32)]
    pub updated_at_ms: i64,
}

/// An entry of an alert's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct AlertComment {
    #[specta(type = u32)]
    pub at_ms: i64,
    pub author: String,
    /// `comment`, `status` or `action`.
    pub kind: String,
    pub text: String,
}

/// An alert with its evidence and history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct AlertDetail {
    pub alert: Alert,
    /// The newest records first (at most 500).
    pub evidence: Vec<Evidence>,
    pub comments: Vec<AlertComment>,
    /// The policy, if it still exists (a Sigma rule's author and false positives are there).
    pub policy: Option<Policy>,
}

/// Which alerts to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(default)]
pub struct AlertFilter {
    pub status: Option<AlertStatus>,
    pub severity: Option<Severity>,
    pub policy_id: Option<String>,
    /// Alerts naming this entity id (a user, an address, a file).
    pub entity: Option<String>,
}

/// A page of alerts, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct AlertPage {
    pub items: Vec<Alert>,
    pub next_cursor: Option<String>,
}

/// What an evaluation did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct EvaluationSummary {
    /// Policies evaluated.
    pub policies: u32,
    /// Activities read.
    #[specta(type = u32)]
    pub activities: u64,
    /// Matches found (new and already known).
    #[specta(type = u32)]
    pub matches: u64,
    /// Alerts raised and alerts that grew.
    pub alerts_raised: u32,
    pub alerts_updated: u32,
    #[specta(type = u32)]
    pub elapsed_ms: u64,
}

/// One thing a policy test would have raised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct TestMatch {
    pub title: String,
    pub entities: Vec<Entity>,
    pub evidence: Vec<Evidence>,
}

/// What a policy would have matched over the last days (nothing is raised).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct PolicyTest {
    /// Alerts it would have raised.
    pub matches: u32,
    /// Records it would have matched.
    #[specta(type = u32)]
    pub records: u64,
    /// The first matches (at most 20).
    pub sample: Vec<TestMatch>,
    pub days: u32,
    #[specta(type = u32)]
    pub activities: u64,
}

/// A range in Settings → IP ranges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct IpRange {
    /// An address or network in CIDR notation.
    pub cidr: String,
    pub tag: IpTag,
    pub name: String,
}

named! {
    /// How syslog messages travel.
    pub enum SyslogTransport {
        Udp = "udp",
        Tcp = "tcp",
        Tls = "tls",
    }
}

/// Where alerts are forwarded to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ForwardConfig {
    /// CEF over syslog (RFC 5424 header; one message per line on TCP and TLS).
    Syslog {
        host: String,
        port: u16,
        transport: SyslogTransport,
        /// TLS: PEM certificates to trust instead of the system's (a private CA).
        #[serde(default)]
        ca_pem: Option<String>,
    },
    /// A JSON POST per alert event; signed with HMAC-SHA256 when a secret is set.
    Webhook { url: String },
}

/// A forwarding target (Settings → Alert forwarding).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ForwardTarget {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    /// Alerts below this severity are not forwarded.
    pub min_severity: Severity,
    pub config: ForwardConfig,
    /// Webhook: a signing secret is kept in the keychain (never shown).
    pub signed: bool,
}

/// What the analyst gives to add or edit a forwarding target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ForwardTargetInput {
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "low")]
    pub min_severity: Severity,
    pub config: ForwardConfig,
    /// Webhook signing secret: `Some("")` removes it, `None` keeps what is there.
    #[serde(default)]
    pub secret: Option<String>,
}

fn yes() -> bool {
    true
}

fn low() -> Severity {
    Severity::Low
}

named! {
    /// Where one delivery of an alert event stands.
    pub enum DeliveryState {
        Pending = "pending",
        Delivered = "delivered",
        /// Given up after repeated failures (retry it from the delivery log).
        Failed = "failed",
    }
}

/// One alert event sent (or to be sent) to one target: the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct Delivery {
    #[specta(type = u32)]
    pub id: i64,
    pub target_id: String,
    pub target_name: String,
    pub alert_id: String,
    /// `raised`, `updated` or `status`.
    pub event: String,
    pub state: DeliveryState,
    pub attempts: u32,
    pub last_error: Option<String>,
    #[specta(type = u32)]
    pub created_at_ms: i64,
    #[specta(type = Option<u32>)]
    pub delivered_at_ms: Option<i64>,
    #[specta(type = u32)]
    pub next_attempt_ms: i64,
}

/// A Sigma rule that was read but does not apply to what Cloudwarden collects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct SigmaSkipped {
    pub file: String,
    pub title: String,
    pub reason: String,
}

/// A file that is not a valid Sigma rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct SigmaInvalid {
    pub file: String,
    pub error: String,
}

/// What an import of Sigma rules did: every file is imported, not applicable or invalid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct SigmaImport {
    /// Rules imported as policies (new or updated by rule id).
    pub imported: u32,
    pub not_applicable: Vec<SigmaSkipped>,
    pub invalid: Vec<SigmaInvalid>,
}

/// A governance action the analyst can take from an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ActionOption {
    pub action: ActionKind,
    /// What it acts on (an account, a file, an OAuth app the alert names).
    pub entity: Entity,
    /// What it does, in plain words.
    pub label: String,
}

/// What a governance action did (or, in a dry run, would do): each request and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ActionReport {
    pub action: ActionKind,
    pub entity: Entity,
    pub dry_run: bool,
    pub steps: Vec<super::investigate::RevokeStepView>,
}
