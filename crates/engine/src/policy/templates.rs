//! Ready-made policies: the incumbent's templates our data can serve, and one per built-in
//! detection, each described in plain words.

use crate::domain::investigate::{
    ActivityCategory, ActivityFilter, ActivityOutcome, PermissionLevel, SharingLevel,
};
use crate::domain::policies::{
    ActivityCondition, AnomalyCondition, AnomalySettings, Detection, DiscoveryCondition,
    FileCondition, IpCondition, IpTag, OauthAppCondition, PolicyDefinition, PolicyKind,
    PolicyTemplate, Severity, Threshold,
};

/// Actions that download a file or a repository's content.
pub const DOWNLOAD_ACTIONS: &[&str] = &[
    "FileDownloaded",
    "FileSyncDownloadedFull",
    "FileSyncDownloadedPartial",
    "repo.download_zip",
    "git.clone",
];

/// Actions that delete something.
pub const DELETE_ACTIONS: &[&str] = &[
    "FileDeleted",
    "FileRecycled",
    "FileDeletedFirstStageRecycleBin",
    "FileDeletedSecondStageRecycleBin",
    "FolderDeleted",
    "FolderRecycled",
    "HardDelete",
    "SoftDelete",
    "MoveToDeletedItems",
    "repo.destroy",
    "Delete user",
    "Delete group",
];

/// Actions that give someone an administrator role.
pub const ADMIN_ROLE_ACTIONS: &[&str] = &[
    "Add member to role",
    "Add eligible member to role",
    "Add member to role outside of PIM (permanent)",
    "Add member to role completed (PIM activation)",
    "Add scoped member to role",
    "business.add_admin",
    // Not `org.update_member`: it is any change of a member's role, demotions included.
    "team.promote_maintainer",
    "enterprise.add_admin",
];

/// Actions that set up mail forwarding or inbox rules.
const INBOX_RULE_ACTIONS: &[&str] = &[
    "New-InboxRule",
    "Set-InboxRule",
    "UpdateInboxRules",
    "Set-Mailbox",
];

/// The defaults of a detection: its count and window where it counts.
pub fn detection_defaults(d: Detection) -> AnomalySettings {
    let (count, window_minutes) = match d {
        Detection::MassDownload => (50, 60),
        Detection::MassDeletion => (50, 60),
        Detection::MassSharing => (25, 60),
        Detection::FailedSignIns => (10, 15),
        _ => (0, 0),
    };
    AnomalySettings {
        count,
        window_minutes,
        ..AnomalySettings::default()
    }
}

fn activity(
    filter: ActivityFilter,
    actions: &[&str],
    ip: IpCondition,
    threshold: Option<Threshold>,
) -> PolicyDefinition {
    PolicyDefinition::Activity(ActivityCondition {
        filter,
        actions: actions.iter().map(|a| (*a).to_owned()).collect(),
        ip,
        threshold,
    })
}

fn anomaly(d: Detection) -> PolicyDefinition {
    PolicyDefinition::Anomaly(AnomalyCondition {
        detection: d,
        settings: detection_defaults(d),
    })
}

fn make(
    id: &str,
    name: &str,
    severity: Severity,
    description: &str,
    definition: PolicyDefinition,
) -> PolicyTemplate {
    PolicyTemplate {
        id: id.to_owned(),
        name: name.to_owned(),
        description: description.to_owned(),
        kind: definition.kind(),
        severity,
        definition,
    }
}

/// Every template, in the order the Policies page lists them.
pub fn templates() -> Vec<PolicyTemplate> {
    let sign_in = ActivityFilter {
        category: Some(ActivityCategory::SignIn),
        ..ActivityFilter::default()
    };
    vec![
        make(
            "logon-from-risky-ip",
            "Sign-in from a risky IP address",
            Severity::Medium,
            "Someone signed in from an address in a range you tagged risky (Settings → IP \
             ranges), such as anonymous proxies or networks you have seen attacks from.",
            activity(
                sign_in.clone(),
                &[],
                IpCondition {
                    tagged: vec![IpTag::Risky],
                    ..IpCondition::default()
                },
                None,
            ),
        ),
        make(
            "admin-activity-non-corporate-ip",
            "Administrative activity from a non-corporate IP address",
            Severity::Medium,
            "An administrator changed settings, users or roles from an address outside your \
             corporate and VPN ranges. Admin work from home networks or abroad is how a stolen \
             admin session shows itself.",
            activity(
                ActivityFilter {
                    category: Some(ActivityCategory::Admin),
                    ..ActivityFilter::default()
                },
                &[],
                IpCondition {
                    not_tagged: vec![IpTag::Corporate, IpTag::Vpn],
                    ..IpCondition::default()
                },
                None,
            ),
        ),
        make(
            "mass-download-single-user",
            "Mass download by a single user",
            Severity::Medium,
            "One user downloaded 50 or more files or repositories within 5 minutes: data \
             being taken before someone leaves, or a compromised account being emptied.",
            activity(
                ActivityFilter::default(),
                DOWNLOAD_ACTIONS,
                IpCondition::default(),
                Some(Threshold {
                    count: 50,
                    window_minutes: 5,
                }),
            ),
        ),
        make(
            "anonymous-link-created",
            "Anyone-with-the-link sharing created",
            Severity::Low,
            "A file or folder was shared with a link that works for anyone, signed in or not.",
            activity(
                ActivityFilter::default(),
                &["AnonymousLinkCreated", "AnonymousLinkUpdated"],
                IpCondition::default(),
                None,
            ),
        ),
        make(
            "inbox-forwarding-rule",
            "Inbox rule or forwarding set up",
            Severity::Medium,
            "A mailbox got a new inbox rule or forwarding: attackers use them to copy mail out \
             and to hide replies from the victim.",
            activity(
                ActivityFilter::default(),
                INBOX_RULE_ACTIONS,
                IpCondition::default(),
                None,
            ),
        ),
        make(
            "failed-sign-ins-risky-ip",
            "Sign-ins failing from a risky IP address",
            Severity::High,
            "Five or more failed sign-ins of one user within 10 minutes from ranges you tagged \
             risky: password guessing from a known bad network.",
            activity(
                ActivityFilter {
                    outcome: Some(ActivityOutcome::Failure),
                    ..sign_in.clone()
                },
                &[],
                IpCondition {
                    tagged: vec![IpTag::Risky],
                    ..IpCondition::default()
                },
                Some(Threshold {
                    count: 5,
                    window_minutes: 10,
                }),
            ),
        ),
        make(
            "publicly-shared-files",
            "File shared publicly",
            Severity::Medium,
            "A file can be opened by anyone on the internet. Check that it is meant to be \
             public; remove the link otherwise.",
            PolicyDefinition::File(FileCondition {
                sharing: Some(SharingLevel::Public),
                ..FileCondition::default()
            }),
        ),
        make(
            "file-shared-personal-email",
            "File shared with a personal e-mail address",
            Severity::Medium,
            "A file was shared with an address at a consumer mail service (Gmail, Outlook.com, \
             …): company data leaving for a private account.",
            PolicyDefinition::File(FileCondition {
                personal_collaborators: true,
                ..FileCondition::default()
            }),
        ),
        make(
            "new-high-permission-oauth-app",
            "OAuth app with high permissions",
            Severity::High,
            "A third-party app holds permissions that let it read or change a lot (all mail, \
             all files, the directory) and you have not approved it.",
            PolicyDefinition::OauthApp(OauthAppCondition {
                permission_level: Some(PermissionLevel::High),
                not_approved: true,
                ..OauthAppCondition::default()
            }),
        ),
        make(
            "rare-oauth-app-high-permissions",
            "Rarely used OAuth app with high permissions",
            Severity::Medium,
            "An app with high permissions that only one or two people granted: typical of \
             consent phishing, where a lure app is granted by the few who fell for it.",
            PolicyDefinition::OauthApp(OauthAppCondition {
                permission_level: Some(PermissionLevel::High),
                max_users: Some(2),
                not_approved: true,
                ..OauthAppCondition::default()
            }),
        ),
        make(
            "new-risky-app-discovered",
            "New risky app discovered",
            Severity::Medium,
            "Traffic to a cloud app seen for the first time in your logs, whose risk score is 5 \
             or lower.",
            PolicyDefinition::Discovery(DiscoveryCondition {
                new_app: true,
                max_score: Some(5),
                ..DiscoveryCondition::default()
            }),
        ),
        make(
            "unsanctioned-app-use",
            "Use of an unsanctioned app",
            Severity::Low,
            "Someone still uses an app you tagged unsanctioned.",
            PolicyDefinition::Discovery(DiscoveryCondition {
                unsanctioned: true,
                ..DiscoveryCondition::default()
            }),
        ),
        make(
            "large-upload-to-app",
            "Large upload to a cloud app",
            Severity::Medium,
            "More than 1 GB was uploaded to one app in one log: possible exfiltration.",
            PolicyDefinition::Discovery(DiscoveryCondition {
                min_upload_bytes: Some(1_000_000_000),
                ..DiscoveryCondition::default()
            }),
        ),
        make(
            "anomaly-new-country",
            "Activity from a country new for the user",
            Severity::Medium,
            "A user acted from a country they have not acted from before (after a 7-day \
             learning period per user; corporate and VPN ranges excepted).",
            anomaly(Detection::NewCountry),
        ),
        make(
            "anomaly-new-asn",
            "Activity from a network new for the user",
            Severity::Low,
            "A user acted from an internet provider or hosting network (autonomous system) they \
             have not used before (after a 7-day learning period; corporate and VPN ranges \
             excepted). Hosting networks in particular are where attackers' tools run.",
            anomaly(Detection::NewAsn),
        ),
        make(
            "anomaly-impossible-travel",
            "Impossible travel",
            Severity::High,
            "Two activities of one user from countries too far apart for the time between them \
             (faster than 1,000 km/h, at least 500 km). Addresses in your corporate and VPN \
             ranges never count, so VPN exits do not raise it.",
            anomaly(Detection::ImpossibleTravel),
        ),
        make(
            "anomaly-mass-download",
            "Unusual mass download",
            Severity::Medium,
            "A user downloaded 50 or more files or repositories within an hour.",
            anomaly(Detection::MassDownload),
        ),
        make(
            "anomaly-mass-deletion",
            "Unusual mass deletion",
            Severity::High,
            "A user deleted 50 or more files, folders, mail items, repositories or accounts \
             within an hour: sabotage, or ransomware at work.",
            anomaly(Detection::MassDeletion),
        ),
        make(
            "anomaly-mass-sharing",
            "Unusual mass sharing",
            Severity::Medium,
            "A user changed sharing 25 or more times within an hour.",
            anomaly(Detection::MassSharing),
        ),
        make(
            "anomaly-failed-sign-ins",
            "Repeated failed sign-ins",
            Severity::Medium,
            "Ten or more failed sign-ins of one user within 15 minutes: password guessing or \
             spraying.",
            anomaly(Detection::FailedSignIns),
        ),
        make(
            "anomaly-new-admin-role",
            "Administrator role assigned",
            Severity::High,
            "Someone was given an administrator role (Entra ID directory roles, GitHub \
             organisation owner or enterprise admin). Attackers who get in make themselves \
             admins to stay.",
            anomaly(Detection::NewAdminRole),
        ),
        make(
            "anomaly-new-high-permission-app",
            "New OAuth app with high permissions",
            Severity::High,
            "A third-party app was granted high permissions for the first time since the \
             policy was created.",
            anomaly(Detection::NewHighPermissionApp),
        ),
    ]
}

/// The template `id`.
pub fn template(id: &str) -> Option<PolicyTemplate> {
    templates().into_iter().find(|t| t.id == id)
}

/// Whether a kind is evaluated on activities.
pub fn on_activities(kind: PolicyKind) -> bool {
    matches!(
        kind,
        PolicyKind::Activity | PolicyKind::Anomaly | PolicyKind::Sigma
    )
}
