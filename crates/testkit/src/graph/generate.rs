//! Deterministic generation of a [`GraphTenant`] of any size.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use base64::Engine as _;

use super::tenant::{
    AccessRole, AppRoleAssignment, AuditRecord, AuditResult, AuditTarget, ConsentType,
    DirectoryAudit, Drive, DriveItem, DriveOwner, DriveType, Grantee, GranteeKind, GraphTenant,
    Group, GroupVisibility, Initiator, LinkScope, Permission, PermissionGrant, RoleAssignment,
    RoleDefinition, RoleEligibility, ServicePrincipal, SignIn, Site, User, UserType,
    VerifiedPublisher, GRAPH_APP_ID, GRAPH_APP_ROLES, MICROSOFT_TENANT_ID,
};
use crate::common::rng::{Rng, BASE64URL};
use crate::common::time::{now_ms, DAY_MS};

/// How big a generated tenant is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphSize {
    /// Member accounts (at least 1: `users[0]` is a Global Administrator).
    pub users: usize,
    /// Guest accounts, on top of `users`.
    pub guests: usize,
    /// Groups (about half Microsoft 365 groups, half security groups).
    pub groups: usize,
    /// Average direct members per group (each group has between half and one and a half
    /// times this; capped at the number of accounts).
    pub avg_members: usize,
    /// Members holding directory roles (at least 1: `users[0]`).
    pub admins: usize,
    /// Directory audit events.
    pub directory_audits: usize,
    /// Interactive sign-ins.
    pub sign_ins: usize,
    /// Unified audit log records (file, sharing and mailbox activity).
    pub unified_audit: usize,
    /// Audit events and sign-ins are spread over this many days before generation time.
    pub audit_days: u32,
    /// SharePoint team and communication sites, the root site included (at least 1).
    pub sites: usize,
    /// Members with a provisioned OneDrive (a personal site and a `business` drive).
    pub onedrives: usize,
    /// Files across all drives; folders (about one per ten files) and each drive's root
    /// come on top.
    pub files: usize,
    /// Percentage of files with explicit sharing (folders: a third of it).
    pub shared_percent: u8,
    /// Service principals, Microsoft Graph included (at least 1).
    pub service_principals: usize,
    /// Delegated permission grants.
    pub grants: usize,
}

impl GraphSize {
    /// A small tenant for integration tests: 200 members and 20 guests, 30 groups of about 8,
    /// 10 admins, 1 500 directory audits and 1 000 sign-ins over 7 days, 4 sites and 10
    /// OneDrives holding 400 files (15 % shared), 30 service principals and 50 grants.
    pub fn small() -> GraphSize {
        GraphSize {
            users: 200,
            guests: 20,
            groups: 30,
            avg_members: 8,
            admins: 10,
            directory_audits: 1_500,
            sign_ins: 1_000,
            unified_audit: 1_200,
            audit_days: 7,
            sites: 4,
            onedrives: 10,
            files: 400,
            shared_percent: 15,
            service_principals: 30,
            grants: 50,
        }
    }

    /// A large tenant for benchmarks: 10 000 accounts (9 500 members, 500 guests), 1 000
    /// groups of about 25, 40 admins, 200 000 audit events (120 000 directory audits and
    /// 80 000 sign-ins) over 30 days, 100 sites and 200 OneDrives holding 50 000 files,
    /// 300 service principals and 400 grants.
    pub fn benchmark() -> GraphSize {
        GraphSize {
            users: 9_500,
            guests: 500,
            groups: 1_000,
            avg_members: 25,
            admins: 40,
            directory_audits: 120_000,
            sign_ins: 80_000,
            unified_audit: 60_000,
            audit_days: 30,
            sites: 100,
            onedrives: 200,
            files: 50_000,
            shared_percent: 15,
            service_principals: 300,
            grants: 400,
        }
    }
}

const FIRST: &[&str] = &[
    "Adele",
    "Alex",
    "Allan",
    "Bianca",
    "Brian",
    "Cameron",
    "Christie",
    "Debra",
    "Diego",
    "Emily",
    "Enrico",
    "Grady",
    "Henrietta",
    "Irvin",
    "Isaiah",
    "Johanna",
    "Joni",
    "Lee",
    "Lidia",
    "Lynne",
    "Megan",
    "Miriam",
    "Nestor",
    "Patti",
    "Pradeep",
    "Raul",
    "Sakura",
    "Tomas",
    "Amara",
    "Chen",
    "Farah",
    "Kenji",
    "Leila",
    "Mateo",
    "Nadia",
    "Olu",
    "Priya",
    "Sven",
    "Yara",
    "Zoe",
];
const LAST: &[&str] = &[
    "Vance",
    "Wilber",
    "Deyoung",
    "Pai",
    "Johnson",
    "White",
    "Cline",
    "Berg",
    "Siciliani",
    "Gibson",
    "Bowen",
    "Archie",
    "Harris",
    "Mayer",
    "Brooks",
    "Sherman",
    "Lambert",
    "Holt",
    "Wright",
    "Mueller",
    "Okafor",
    "Tanaka",
    "Haddad",
    "Rossi",
    "Novak",
    "Silva",
    "Kowalski",
    "Larsen",
    "Nguyen",
    "Patel",
    "Moreau",
    "Schmidt",
    "Ivanova",
    "Garcia",
    "Kim",
    "Osei",
    "Dubois",
    "Fischer",
    "Costa",
    "Ahmed",
];
const JOBS: &[&str] = &[
    "Marketing Manager",
    "Software Engineer",
    "Sales Representative",
    "Financial Analyst",
    "HR Generalist",
    "Product Manager",
    "IT Administrator",
    "Legal Counsel",
    "Designer",
    "Support Engineer",
    "Data Scientist",
    "Account Executive",
];
const EXTERNAL_DOMAINS: &[&str] = &[
    "fabrikam.com",
    "northwindtraders.com",
    "adatum.com",
    "litwareinc.com",
    "tailspintoys.com",
    "wingtiptoys.com",
    "proseware.com",
    "woodgrovebank.com",
    "gmail.com",
    "outlook.com",
];
const AREAS: &[&str] = &[
    "Marketing",
    "Sales",
    "Finance",
    "Engineering",
    "Legal",
    "Human Resources",
    "Operations",
    "Research",
    "Support",
    "Design",
    "Security",
    "Procurement",
    "Data",
    "Executive",
    "Facilities",
    "Partners",
];
const UNIFIED_KINDS: &[&str] = &["Team", "Projects", "Leadership", "Community"];
const SECURITY_KINDS: &[&str] = &["Users", "Admins", "Readers", "VPN", "Devices"];
const OTHER_SITES: &[&str] = &[
    "Intranet",
    "Policies",
    "Knowledge Base",
    "Brand Center",
    "Onboarding",
    "Events",
];
const FOLDERS: &[&str] = &[
    "General",
    "Projects",
    "Archive (old)",
    "Shared",
    "Client Work",
    "2024",
    "2025",
    "Templates",
    "Reports",
    "Drafts",
];
const STEMS: &[&str] = &[
    "Budget",
    "Roadmap",
    "Contract",
    "Invoice",
    "Meeting notes",
    "Design",
    "Report",
    "Proposal",
    "Onboarding",
    "Forecast",
    "Customer list",
    "Pricing",
    "Architecture",
    "Minutes",
    "Payroll",
    "Strategy",
];
/// (extension, MIME type, typical size in KiB).
const EXTENSIONS: &[(&str, &str, u64)] = &[
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        80,
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        120,
    ),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        2_000,
    ),
    ("pdf", "application/pdf", 600),
    ("txt", "text/plain", 4),
    ("csv", "text/csv", 300),
    ("jpg", "image/jpeg", 1_500),
    ("png", "image/png", 400),
    ("zip", "application/zip", 8_000),
    ("mp4", "video/mp4", 40_000),
];

/// Built-in directory roles: (display name, template id, description).
const ROLES: &[(&str, &str, &str)] = &[
    (
        "Global Administrator",
        "62e90394-69f5-4237-9190-012177145e10",
        "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.",
    ),
    (
        "User Administrator",
        "fe930be7-5e62-47db-91af-98c3a49a38b1",
        "Can manage all aspects of users and groups, including resetting passwords for limited admins.",
    ),
    (
        "Security Administrator",
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        "Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.",
    ),
    (
        "Security Reader",
        "5d6b6bb7-de71-4623-b4af-96380a352509",
        "Can read security information and reports in Microsoft Entra ID and Office 365.",
    ),
    (
        "Global Reader",
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
        "Can read everything that a Global Administrator can, but not update anything.",
    ),
    (
        "Exchange Administrator",
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Can manage all aspects of the Exchange product.",
    ),
    (
        "SharePoint Administrator",
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        "Can manage all aspects of the SharePoint service.",
    ),
    (
        "Teams Administrator",
        "69091246-20e8-4a56-aa4d-066075b2a7a8",
        "Can manage the Microsoft Teams service.",
    ),
    (
        "Privileged Role Administrator",
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.",
    ),
    (
        "Application Administrator",
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "Can create and manage all aspects of app registrations and enterprise apps.",
    ),
    (
        "Cloud Application Administrator",
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        "Can create and manage all aspects of app registrations and enterprise apps except App Proxy.",
    ),
    (
        "Helpdesk Administrator",
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "Can reset passwords for non-administrators and Helpdesk Administrators.",
    ),
    (
        "Groups Administrator",
        "fdd7a751-b60b-444a-984c-02652fe8fa1c",
        "Members of this role can create/manage groups, create/manage groups settings like naming and expiration policies, and view groups activity and audit reports.",
    ),
    (
        "Authentication Administrator",
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
        "Can access to view, set and reset authentication method information for any non-admin user.",
    ),
    (
        "Conditional Access Administrator",
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
        "Can manage Conditional Access capabilities.",
    ),
    (
        "Compliance Administrator",
        "17315797-102d-40b4-93e0-432062caca18",
        "Can read and manage compliance configuration and reports in Microsoft Entra ID and Microsoft 365.",
    ),
    (
        "Billing Administrator",
        "b0f54661-2d74-4c50-afa3-1ec803f12efe",
        "Can perform common billing related tasks like updating payment information.",
    ),
    (
        "Reports Reader",
        "4a5d8f65-41da-4de4-8968-e035b65339cf",
        "Can read sign-in and audit reports.",
    ),
    (
        "Directory Readers",
        "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
        "Can read basic directory information. Commonly used to grant directory read access to applications and guests.",
    ),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Subject {
    User,
    UserInGroup,
    Group,
    UserInRole,
    App,
    Policy,
    Domain,
}

/// (category, activityDisplayName, loggedByService, operationType, weight, subject).
const ACTIVITIES: &[(&str, &str, &str, &str, u64, Subject)] = &[
    (
        "UserManagement",
        "Add user",
        "Core Directory",
        "Add",
        4,
        Subject::User,
    ),
    (
        "UserManagement",
        "Update user",
        "Core Directory",
        "Update",
        12,
        Subject::User,
    ),
    (
        "UserManagement",
        "Delete user",
        "Core Directory",
        "Delete",
        1,
        Subject::User,
    ),
    (
        "UserManagement",
        "Disable account",
        "Core Directory",
        "Update",
        1,
        Subject::User,
    ),
    (
        "UserManagement",
        "Reset password (by admin)",
        "Core Directory",
        "Update",
        2,
        Subject::User,
    ),
    (
        "UserManagement",
        "Invite external user",
        "Invited Users",
        "Add",
        3,
        Subject::User,
    ),
    (
        "UserManagement",
        "User registered security info",
        "Authentication Methods",
        "Add",
        4,
        Subject::User,
    ),
    (
        "GroupManagement",
        "Add member to group",
        "Core Directory",
        "Assign",
        10,
        Subject::UserInGroup,
    ),
    (
        "GroupManagement",
        "Remove member from group",
        "Core Directory",
        "Unassign",
        4,
        Subject::UserInGroup,
    ),
    (
        "GroupManagement",
        "Add owner to group",
        "Core Directory",
        "Assign",
        2,
        Subject::UserInGroup,
    ),
    (
        "GroupManagement",
        "Add group",
        "Core Directory",
        "Add",
        2,
        Subject::Group,
    ),
    (
        "GroupManagement",
        "Update group",
        "Core Directory",
        "Update",
        3,
        Subject::Group,
    ),
    (
        "RoleManagement",
        "Add member to role",
        "Core Directory",
        "Assign",
        2,
        Subject::UserInRole,
    ),
    (
        "RoleManagement",
        "Remove member from role",
        "Core Directory",
        "Unassign",
        1,
        Subject::UserInRole,
    ),
    (
        "ApplicationManagement",
        "Consent to application",
        "Core Directory",
        "Assign",
        2,
        Subject::App,
    ),
    (
        "ApplicationManagement",
        "Add delegated permission grant",
        "Core Directory",
        "Assign",
        2,
        Subject::App,
    ),
    (
        "ApplicationManagement",
        "Add app role assignment to service principal",
        "Core Directory",
        "Assign",
        1,
        Subject::App,
    ),
    (
        "ApplicationManagement",
        "Add service principal",
        "Core Directory",
        "Add",
        1,
        Subject::App,
    ),
    (
        "ApplicationManagement",
        "Update application – Certificates and secrets management",
        "Core Directory",
        "Update",
        1,
        Subject::App,
    ),
    (
        "Policy",
        "Update conditional access policy",
        "Conditional Access",
        "Update",
        1,
        Subject::Policy,
    ),
    (
        "DirectoryManagement",
        "Update company settings",
        "Core Directory",
        "Update",
        1,
        Subject::Domain,
    ),
];
const FAILURE_REASONS: &[&str] = &[
    "Microsoft.Online.Workflows.ObjectAlreadyExistsException",
    "Insufficient privileges to complete the operation.",
    "Microsoft.Online.DirectoryServices.DirectoryValueExistsException",
];
const POLICIES: &[&str] = &[
    "Require MFA for administrators",
    "Block legacy authentication",
    "Require compliant devices",
];

/// First-party applications: (appId, displayName).
const FIRST_PARTY: &[(&str, &str)] = &[
    (
        "00000002-0000-0ff1-ce00-000000000000",
        "Office 365 Exchange Online",
    ),
    (
        "00000003-0000-0ff1-ce00-000000000000",
        "Office 365 SharePoint Online",
    ),
    ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"),
    ("c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal"),
    (
        "14d82eec-204b-4c2f-b7e8-296a70dab67e",
        "Microsoft Graph Command Line Tools",
    ),
    ("de8bc8b5-d9f9-48b1-a8ad-b748da725064", "Graph Explorer"),
    ("d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"),
    (
        "c5393580-f805-4401-95e8-94b7a6ef2fc2",
        "Office 365 Management APIs",
    ),
    (
        "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "Microsoft Azure CLI",
    ),
    (
        "1b730954-1685-4b74-9bfd-dac224a7b894",
        "Azure Active Directory PowerShell",
    ),
];
/// Third-party applications: (displayName, publisher, verified publisher).
const THIRD_PARTY: &[(&str, &str, bool)] = &[
    ("Slack", "Slack Technologies", true),
    ("Zoom", "Zoom Video Communications", true),
    ("Salesforce", "Salesforce", true),
    ("DocuSign", "DocuSign", true),
    ("Dropbox", "Dropbox", true),
    ("Adobe Acrobat", "Adobe", true),
    ("Miro", "Miro", true),
    ("Asana", "Asana", true),
    ("Trello", "Atlassian", true),
    ("Notion", "Notion Labs", true),
    ("Zapier", "Zapier", true),
    ("Calendly", "Calendly", true),
    ("Grammarly", "Grammarly", true),
    ("Free PDF Converter", "pdfconvert-online.net", false),
    ("Mail Merge Pro", "mailmergepro.io", false),
    ("Meeting Notes AI", "notetaker-ai.app", false),
];
const IN_HOUSE: &[&str] = &[
    "HR Portal",
    "Expenses",
    "Intranet Search",
    "CI Deploy",
    "Sales Dashboard",
];
const GRANT_SCOPES: &[&str] = &[
    "Mail.Read",
    "Mail.Send",
    "Calendars.Read",
    "Contacts.Read",
    "Files.Read.All",
    "Files.ReadWrite.All",
    "Sites.Read.All",
    "User.Read.All",
    "Group.Read.All",
    "Directory.Read.All",
    "Chat.Read",
    "Notes.Read",
    "openid",
    "profile",
    "email",
];

/// Apps users sign in to: (appId, appDisplayName).
const SIGN_IN_APPS: &[(&str, &str)] = &[
    ("4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome"),
    ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"),
    (
        "00000002-0000-0ff1-ce00-000000000000",
        "Office 365 Exchange Online",
    ),
    (
        "00000003-0000-0ff1-ce00-000000000000",
        "Office 365 SharePoint Online",
    ),
    ("c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal"),
    (
        "ab9b8c07-8f02-4f72-87fa-80105867a763",
        "OneDrive SyncEngine",
    ),
    ("27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook Mobile"),
    ("de8bc8b5-d9f9-48b1-a8ad-b748da725064", "Graph Explorer"),
];
/// (clientAppUsed, weight).
const CLIENT_APPS: &[(&str, u64)] = &[
    ("Browser", 60),
    ("Mobile Apps and Desktop clients", 34),
    ("Exchange ActiveSync", 3),
    ("IMAP4", 2),
    ("Authenticated SMTP", 1),
];
/// (errorCode, failureReason, additionalDetails, weight).
const SIGN_IN_STATUS: &[(i32, &str, &str, u64)] = &[
    (0, "", "", 880),
    (
        50126,
        "Error validating credentials due to invalid username or password.",
        "The user didn't enter the right credentials. It's expected to see some number of these errors in your logs due to users making mistakes.",
        50,
    ),
    (
        50074,
        "Strong Authentication is required.",
        "The user is required to complete multi-factor authentication.",
        30,
    ),
    (
        53003,
        "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
        "",
        20,
    ),
    (
        50053,
        "Account is locked because user tried to sign in too many times with an incorrect user ID or password.",
        "",
        10,
    ),
    (
        500121,
        "Authentication failed during strong authentication request.",
        "The user didn't complete the MFA prompt.",
        10,
    ),
];
/// (city, state, countryOrRegion, weight).
const LOCATIONS: &[(&str, &str, &str, u64)] = &[
    ("Seattle", "Washington", "US", 30),
    ("New York", "New York", "US", 15),
    ("London", "England", "GB", 12),
    ("Berlin", "Berlin", "DE", 10),
    ("Paris", "Ile-de-France", "FR", 8),
    ("Bengaluru", "Karnataka", "IN", 10),
    ("Tokyo", "Tokyo", "JP", 6),
    ("Sao Paulo", "Sao Paulo", "BR", 5),
    ("Lagos", "Lagos", "NG", 2),
    ("Moscow", "Moscow", "RU", 1),
    ("Pyongyang", "Pyongyang", "KP", 1),
];

fn weighted<T>(rng: &mut Rng, items: &[T], weight: impl Fn(&T) -> u64) -> usize {
    let total: u64 = items.iter().map(&weight).sum();
    let mut w = rng.below(total);
    for (i, item) in items.iter().enumerate() {
        if w < weight(item) {
            return i;
        }
        w -= weight(item);
    }
    0
}

fn ip(rng: &mut Rng) -> String {
    format!(
        "{}.{}.{}.{}",
        20 + rng.below(200),
        rng.below(256),
        rng.below(256),
        1 + rng.below(254)
    )
}

/// A millisecond in `[from, to)` (`from` when the span is empty).
fn between(rng: &mut Rng, from: i64, to: i64) -> i64 {
    from + rng.below((to - from).max(1) as u64) as i64
}

/// The `{tenant}` label of a domain argument: `contoso` from `contoso`, `contoso.com` or
/// `contoso.onmicrosoft.com`.
fn label(domain: &str) -> String {
    let l: String = domain
        .split('.')
        .next()
        .unwrap_or_default()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if l.is_empty() {
        "contoso".to_owned()
    } else {
        l
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn item_id(rng: &mut Rng) -> String {
    format!("01{}", rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 32))
}

/// The SharePoint claim of a user, base64: the id SharePoint gives direct permissions.
fn claim_id(email: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("i:0#.f|membership|{email}"))
}

/// A user's strings as audit events and sign-ins share them, and the addresses they sign in
/// from (home, mobile).
struct Handle {
    id: Arc<str>,
    name: Arc<str>,
    upn: Arc<str>,
    ips: [Arc<str>; 2],
}

impl Handle {
    fn ip(&self, rng: &mut Rng) -> Arc<str> {
        match rng.below(10) {
            0..=6 => Arc::clone(&self.ips[0]),
            7..=8 => Arc::clone(&self.ips[1]),
            _ => ip(rng).into(),
        }
    }

    fn target(&self) -> AuditTarget {
        AuditTarget {
            id: Arc::clone(&self.id),
            display_name: Some(Arc::clone(&self.name)),
            kind: Cow::Borrowed("User"),
            user_principal_name: Some(Arc::clone(&self.upn)),
        }
    }
}

struct People<'a> {
    users: &'a [User],
    handles: &'a [Handle],
    /// Indices of enabled members.
    enabled: &'a [usize],
    /// Indices of guests.
    guests: &'a [usize],
    /// The tenant id (in SharePoint's "Everyone except external users" claim).
    tenant_id: &'a str,
}

impl People<'_> {
    fn member(&self, rng: &mut Rng) -> usize {
        *rng.pick(self.enabled)
    }

    /// User `i` as a `user` identity (with its address) or, as SharePoint often answers, a
    /// `siteUser` with only its claim login.
    fn grantee_as(&self, i: usize, kind: GranteeKind) -> Grantee {
        let u = &self.users[i];
        let site_user = kind == GranteeKind::SiteUser;
        Grantee {
            kind,
            user_id: Some(u.id.clone()),
            display_name: u.display_name.clone(),
            email: if site_user {
                String::new()
            } else {
                u.mail
                    .clone()
                    .unwrap_or_else(|| u.user_principal_name.clone())
            },
            login_name: site_user
                .then(|| format!("i:0#.f|membership|{}", u.user_principal_name.to_lowercase())),
            external: u.user_type == UserType::Guest,
        }
    }

    fn grantee(&self, i: usize) -> Grantee {
        self.grantee_as(i, GranteeKind::User)
    }

    /// A member as a user, a site user, a SharePoint group of people or an app.
    fn internal(&self, rng: &mut Rng, i: usize) -> Grantee {
        match rng.below(100) {
            0..=54 => self.grantee(i),
            55..=79 => self.grantee_as(i, GranteeKind::SiteUser),
            80..=89 => Grantee {
                kind: GranteeKind::SiteGroup,
                user_id: None,
                display_name: "Project Members".into(),
                email: String::new(),
                login_name: Some("Project Members".into()),
                external: false,
            },
            _ => Grantee {
                kind: GranteeKind::Application,
                user_id: Some(rng.guid()),
                display_name: "Contoso Records Sync".into(),
                email: String::new(),
                login_name: None,
                external: false,
            },
        }
    }

    /// Someone outside: a guest (as a user with an outside address, or a site user whose
    /// login has `#EXT#` and no address), or an address without an account.
    fn external(&self, rng: &mut Rng, k: usize) -> Grantee {
        if !self.guests.is_empty() && rng.chance(60) {
            let kind = if rng.chance(50) {
                GranteeKind::User
            } else {
                GranteeKind::SiteUser
            };
            return self.grantee_as(*rng.pick(self.guests), kind);
        }
        let (first, last) = (FIRST[(k * 7) % FIRST.len()], LAST[(k * 11) % LAST.len()]);
        let email = format!(
            "{}.{}{k}@{}",
            first.to_lowercase(),
            last.to_lowercase(),
            rng.pick(EXTERNAL_DOMAINS)
        );
        Grantee::invited(&email)
    }

    /// "Everyone except external users".
    fn everyone(&self) -> Grantee {
        Grantee {
            kind: GranteeKind::SiteGroup,
            user_id: None,
            display_name: "Everyone except external users".into(),
            email: String::new(),
            login_name: Some(format!(
                "c:0-.f|rolemanager|spo-grid-all-users/{}",
                self.tenant_id
            )),
            external: false,
        }
    }
}

/// The explicit permissions of one shared item.
fn sharing(rng: &mut Rng, people: &People<'_>, now: i64, k: usize) -> Vec<Permission> {
    let role = |rng: &mut Rng, write_percent| {
        if rng.chance(write_percent) {
            AccessRole::Write
        } else {
            AccessRole::Read
        }
    };
    let mut out = Vec::new();
    match rng.below(100) {
        0..=39 => {
            let n = 1 + rng.index(3);
            let mut seen = HashSet::new();
            for _ in 0..n {
                let u = people.member(rng);
                let g = people.internal(rng, u);
                let key = g.user_id.clone().unwrap_or_else(|| g.display_name.clone());
                if seen.insert(key.clone()) {
                    out.push(Permission {
                        id: claim_id(&key),
                        role: role(rng, 30),
                        link: None,
                        granted_to: vec![g],
                        expires_at_ms: None,
                    });
                }
            }
        }
        40..=59 => {
            let g = people.external(rng, k);
            out.push(Permission {
                id: claim_id(&g.email),
                role: role(rng, 40),
                link: None,
                granted_to: vec![g],
                expires_at_ms: None,
            });
        }
        60..=74 => out.push(Permission {
            id: rng.guid(),
            role: role(rng, 30),
            link: Some(LinkScope::Organization),
            granted_to: Vec::new(),
            expires_at_ms: None,
        }),
        75..=84 => {
            let g = people.everyone();
            out.push(Permission {
                id: claim_id(g.login_name.as_deref().unwrap_or_default()),
                role: role(rng, 10),
                link: None,
                granted_to: vec![g],
                expires_at_ms: None,
            });
        }
        _ => out.push(Permission {
            id: rng.guid(),
            role: role(rng, 20),
            link: Some(LinkScope::Anonymous),
            granted_to: Vec::new(),
            expires_at_ms: rng
                .chance(50)
                .then(|| now + (7 + rng.below(60) as i64) * DAY_MS),
        }),
    }
    if rng.chance(15) {
        let g = if rng.chance(50) {
            people.grantee(people.member(rng))
        } else {
            people.external(rng, k + 1)
        };
        out.push(Permission {
            id: rng.guid(),
            role: role(rng, 30),
            link: Some(LinkScope::Users),
            granted_to: vec![g],
            expires_at_ms: None,
        });
    }
    out
}

impl GraphTenant {
    /// A deterministic tenant for `domain` (`contoso`, or a domain such as `contoso.com`
    /// whose first label is used): same `seed` and `size`, same objects and ids. Times are
    /// laid out backwards from now, so that back-fills ("the last 7 days") find them; use
    /// [`GraphTenant::generate_at`] for identical output across runs.
    pub fn generate(domain: &str, seed: u64, size: &GraphSize) -> GraphTenant {
        GraphTenant::generate_at(domain, seed, size, now_ms())
    }

    /// [`GraphTenant::generate`] with the generation time given in unix milliseconds.
    pub fn generate_at(domain: &str, seed: u64, size: &GraphSize, now_ms: i64) -> GraphTenant {
        let mut rng = Rng::new(seed);
        let name = label(domain);
        let tenant_id = rng.guid();
        let initial = format!("{name}.onmicrosoft.com");
        let custom = format!("{name}.com");
        let created = now_ms - (1_500 + rng.below(2_000) as i64) * DAY_MS;

        let mut users = users(&mut rng, size, &custom, &initial, created, now_ms);
        let n_members = size.users.max(1);
        let enabled: Vec<usize> = (0..n_members)
            .filter(|&i| users[i].account_enabled)
            .collect();
        let guests: Vec<usize> = (n_members..users.len()).collect();
        let handles: Vec<Handle> = users
            .iter()
            .map(|u| Handle {
                id: u.id.as_str().into(),
                name: u.display_name.as_str().into(),
                upn: u.user_principal_name.as_str().into(),
                ips: [ip(&mut rng).into(), ip(&mut rng).into()],
            })
            .collect();
        let people = People {
            users: &users,
            handles: &handles,
            enabled: &enabled,
            guests: &guests,
            tenant_id: &tenant_id,
        };
        let groups = groups(&mut rng, size, &users, n_members, &custom, now_ms);

        // Directory roles.
        let role_definitions: Vec<RoleDefinition> = ROLES
            .iter()
            .map(|(n, t, d)| RoleDefinition {
                id: (*t).to_owned(),
                display_name: (*n).to_owned(),
                description: (*d).to_owned(),
                is_built_in: true,
                template_id: (*t).to_owned(),
            })
            .collect();
        let n_admins = size.admins.clamp(1, n_members);
        let mut admins = vec![0];
        admins.extend(
            rng.sample(n_members - 1, n_admins - 1)
                .iter()
                .map(|i| i + 1),
        );
        let mut role_assignments = Vec::new();
        for (k, &a) in admins.iter().enumerate() {
            let mut roles = vec![if k < 2 {
                0
            } else {
                1 + rng.index(ROLES.len() - 1)
            }];
            if k >= 2 && rng.chance(30) {
                let r = 1 + rng.index(ROLES.len() - 1);
                if !roles.contains(&r) {
                    roles.push(r);
                }
            }
            for r in roles {
                role_assignments.push(RoleAssignment {
                    id: format!("{}-1", rng.string(BASE64URL, 43)),
                    principal_id: users[a].id.clone(),
                    role_definition_id: ROLES[r].1.to_owned(),
                    directory_scope_id: "/".to_owned(),
                });
            }
        }

        let service_principals = service_principals(&mut rng, size, &tenant_id, &name, now_ms);
        let grants = grants(&mut rng, size, &service_principals, &people);
        let span = (i64::from(size.audit_days.max(1)) * DAY_MS) as u64;
        let directory_audits = directory_audits(
            &mut rng,
            size,
            &people,
            &admins,
            &groups,
            &service_principals,
            span,
            now_ms,
            (&tenant_id, &custom),
        );
        let (sign_ins, activity) = sign_ins(&mut rng, size, &people, span, now_ms);
        for (u, (any, ok)) in users.iter_mut().zip(activity) {
            let older = (u.account_enabled && rng.chance(70))
                .then(|| now_ms - (8 + rng.below(400) as i64) * DAY_MS);
            u.last_sign_in_ms = any.or(older);
            u.last_successful_sign_in_ms = ok.or(older);
            u.last_non_interactive_sign_in_ms = u
                .last_sign_in_ms
                .map(|t| (t + rng.below(DAY_MS as u64 * 2) as i64).min(now_ms - 1));
        }
        let people = People {
            users: &users,
            handles: &handles,
            enabled: &enabled,
            guests: &guests,
            tenant_id: &tenant_id,
        };

        let (sites, drives) = sites(&mut rng, size, &people, &groups, &name, created, now_ms);
        let items = items(&mut rng, size, &people, &drives, now_ms);

        // Privileged access beyond direct assignments (drawn from a generator of its own, so
        // the rest of the tenant is as before): a role-assignable security group holding a
        // role, and eligible (PIM) assignments — a Global Administrator among them.
        let mut prng = Rng::new(seed ^ 0x5049_4d5f_726f_6c65);
        let mut groups = groups;
        let mut role_eligibilities = Vec::new();
        let direct: HashSet<&str> = role_assignments
            .iter()
            .map(|a| a.principal_id.as_str())
            .collect();
        let plain: Vec<usize> = (1..n_members)
            .filter(|&u| !direct.contains(users[u].id.as_str()) && users[u].account_enabled)
            .collect();
        if let Some(g) = groups
            .iter()
            .position(|g| g.security_enabled && !g.unified && !g.members.is_empty())
        {
            groups[g].assignable_to_role = true;
            groups[g].display_name = format!("{} (privileged)", groups[g].display_name);
            let role = 1 + prng.index(ROLES.len() - 1);
            role_assignments.push(RoleAssignment {
                id: format!("{}-1", prng.string(BASE64URL, 43)),
                principal_id: groups[g].id.clone(),
                role_definition_id: ROLES[role].1.to_owned(),
                directory_scope_id: "/".to_owned(),
            });
        }
        for (k, &u) in plain.iter().take(3).enumerate() {
            let role = if k == 0 {
                0
            } else {
                1 + prng.index(ROLES.len() - 1)
            };
            role_eligibilities.push(RoleEligibility {
                id: prng.guid(),
                principal_id: users[u].id.clone(),
                role_definition_id: ROLES[role].1.to_owned(),
                directory_scope_id: "/".to_owned(),
                start_ms: now_ms - (30 + prng.below(300) as i64) * DAY_MS,
                end_ms: (k == 2).then(|| now_ms + 180 * DAY_MS),
            });
        }
        // Application permissions (app roles of Microsoft Graph) held by a few third-party
        // and in-house apps: what an app can do with no user signed in.
        let graph_sp = service_principals
            .iter()
            .find(|sp| sp.app_id == GRAPH_APP_ID)
            .map(|sp| sp.id.clone())
            .unwrap_or_default();
        let mut app_role_assignments = Vec::new();
        let clients: Vec<&ServicePrincipal> = service_principals
            .iter()
            .filter(|sp| sp.app_owner_organization_id != MICROSOFT_TENANT_ID)
            .collect();
        let n_clients = (clients.len() / 5).clamp(1, 12).min(clients.len());
        for c in prng.sample(clients.len(), n_clients) {
            let n_roles = 1 + prng.index(3);
            for r in prng.sample(GRAPH_APP_ROLES.len(), n_roles) {
                app_role_assignments.push(AppRoleAssignment {
                    id: prng.string(BASE64URL, 43),
                    app_role_id: GRAPH_APP_ROLES[r].0.to_owned(),
                    principal_id: clients[c].id.clone(),
                    resource_id: graph_sp.clone(),
                    created_at_ms: now_ms - (1 + prng.below(700) as i64) * DAY_MS,
                });
            }
        }
        let unified_audit = unified_audit(
            &mut prng,
            size,
            &People {
                users: &users,
                handles: &handles,
                enabled: &enabled,
                guests: &guests,
                tenant_id: &tenant_id,
            },
            &drives,
            &items,
            now_ms,
        );
        GraphTenant {
            tenant_id,
            display_name: format!("{} Ltd", capitalize(&name)),
            domain: initial,
            custom_domain: custom,
            created_at_ms: created,
            users,
            groups,
            role_definitions,
            role_assignments,
            role_eligibilities,
            app_role_assignments,
            unified_audit,
            directory_audits,
            sign_ins,
            sites,
            drives,
            items,
            service_principals,
            grants,
        }
    }
}

fn users(
    rng: &mut Rng,
    size: &GraphSize,
    custom: &str,
    initial: &str,
    created: i64,
    now: i64,
) -> Vec<User> {
    let n_members = size.users.max(1);
    let combos = FIRST.len() * LAST.len();
    let mut users = Vec::with_capacity(n_members + size.guests);
    for i in 0..n_members {
        let (first, last) = (FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()]);
        let n = i / combos;
        let local = if n == 0 {
            format!("{}.{}", first.to_lowercase(), last.to_lowercase())
        } else {
            format!("{}.{}{n}", first.to_lowercase(), last.to_lowercase())
        };
        let upn = format!("{local}@{custom}");
        users.push(User {
            id: rng.guid(),
            mail: Some(upn.clone()),
            user_principal_name: upn,
            display_name: format!("{first} {last}"),
            given_name: Some(first.to_owned()),
            surname: Some(last.to_owned()),
            job_title: Some((*rng.pick(JOBS)).to_owned()),
            user_type: UserType::Member,
            account_enabled: i == 0 || !rng.chance(5),
            created_at_ms: between(rng, created, now - 30 * DAY_MS),
            last_sign_in_ms: None,
            last_non_interactive_sign_in_ms: None,
            last_successful_sign_in_ms: None,
            // Most members registered a second factor; every fifth did not (no random draw,
            // so the rest of the tenant stays what each seed always gave).
            mfa_registered: i % 5 != 3,
        });
    }
    for i in 0..size.guests {
        let (first, last) = (
            FIRST[(i * 3 + 5) % FIRST.len()],
            LAST[(i * 7 + 3) % LAST.len()],
        );
        let mail = format!(
            "{}.{}{i}@{}",
            first.to_lowercase(),
            last.to_lowercase(),
            EXTERNAL_DOMAINS[i % EXTERNAL_DOMAINS.len()]
        );
        users.push(User {
            id: rng.guid(),
            user_principal_name: format!("{}#EXT#@{initial}", mail.replace('@', "_")),
            mail: Some(mail),
            display_name: format!("{first} {last}"),
            given_name: None,
            surname: None,
            job_title: None,
            user_type: UserType::Guest,
            account_enabled: !rng.chance(3),
            created_at_ms: between(rng, now - 700 * DAY_MS, now - DAY_MS),
            last_sign_in_ms: None,
            last_non_interactive_sign_in_ms: None,
            last_successful_sign_in_ms: None,
            mfa_registered: i % 3 == 0,
        });
    }
    users
}

fn groups(
    rng: &mut Rng,
    size: &GraphSize,
    users: &[User],
    n_members: usize,
    custom: &str,
    now: i64,
) -> Vec<Group> {
    let mut groups = Vec::with_capacity(size.groups);
    let mut names = HashSet::new();
    for g in 0..size.groups {
        let unified = g % 2 == 0;
        let area = AREAS[(g / 2) % AREAS.len()];
        let round = g / 2 / AREAS.len();
        let mut display_name = if unified {
            format!("{area} {}", UNIFIED_KINDS[round % UNIFIED_KINDS.len()])
        } else {
            format!("SG {area} {}", SECURITY_KINDS[round % SECURITY_KINDS.len()])
        };
        if !names.insert(display_name.clone()) {
            display_name.push_str(&format!(" {}", g + 1));
            names.insert(display_name.clone());
        }
        let mail_security = !unified && rng.chance(20);
        let nickname: String = display_name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let avg = size.avg_members;
        let k = (avg / 2 + rng.index(avg + 1)).min(users.len());
        let picked = rng.sample(users.len(), k);
        let mut members: Vec<String> = picked.iter().map(|&u| users[u].id.clone()).collect();
        let member_pool: Vec<usize> = picked.iter().copied().filter(|&u| u < n_members).collect();
        let mut owners = Vec::new();
        if unified {
            let n = 1 + rng.index(2);
            for _ in 0..n {
                if let Some(&u) = (!member_pool.is_empty()).then(|| rng.pick(&member_pool)) {
                    if !owners.contains(&users[u].id) {
                        owners.push(users[u].id.clone());
                    }
                }
            }
            if owners.is_empty() {
                let u = rng.index(n_members);
                owners.push(users[u].id.clone());
                if !members.contains(&users[u].id) {
                    members.push(users[u].id.clone());
                }
            }
        } else if !rng.chance(20) {
            let n = 1 + rng.index(2);
            for u in rng.sample(n_members, n) {
                owners.push(users[u].id.clone());
            }
        }
        groups.push(Group {
            id: rng.guid(),
            description: Some(format!("{display_name} of {}", custom)),
            mail: (unified || mail_security).then(|| format!("{nickname}@{custom}")),
            display_name,
            unified,
            security_enabled: !unified,
            mail_enabled: unified || mail_security,
            visibility: unified.then(|| {
                if rng.chance(60) {
                    GroupVisibility::Private
                } else {
                    GroupVisibility::Public
                }
            }),
            created_at_ms: between(rng, now - 1_400 * DAY_MS, now - DAY_MS),
            members,
            owners,
            assignable_to_role: false,
        });
    }
    groups
}

/// What people do in files and mailboxes, as the unified audit log records it: operation,
/// record type, service, and the clients they use.
const FILE_OPERATIONS: &[(&str, &str)] = &[
    ("FileAccessed", "SharePointFileOperation"),
    ("FileAccessed", "SharePointFileOperation"),
    ("FileAccessed", "SharePointFileOperation"),
    ("FileDownloaded", "SharePointFileOperation"),
    ("FileDownloaded", "SharePointFileOperation"),
    ("FileModified", "SharePointFileOperation"),
    ("FileUploaded", "SharePointFileOperation"),
    ("FileDeleted", "SharePointFileOperation"),
    ("FileSyncDownloadedFull", "SharePointFileOperation"),
    ("SharingSet", "SharePointSharingOperation"),
    ("AnonymousLinkCreated", "SharePointSharingOperation"),
    ("SharingInvitationCreated", "SharePointSharingOperation"),
];
const MAIL_OPERATIONS: &[(&str, &str)] = &[
    ("MailItemsAccessed", "ExchangeItemAggregated"),
    ("MailItemsAccessed", "ExchangeItemAggregated"),
    ("Send", "ExchangeItem"),
    ("SoftDelete", "ExchangeItemGroup"),
    ("HardDelete", "ExchangeItemGroup"),
    ("MoveToDeletedItems", "ExchangeItemGroup"),
    ("New-InboxRule", "ExchangeAdmin"),
];
const FILE_CLIENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
    "Microsoft SkyDriveSync 24.010.0114.0003 ship; Windows NT 10.0 (19045)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
    "OneDriveiOSApp/15.1.2 (iPhone; iOS 17.2)",
];
const MAIL_CLIENTS: &[&str] = &[
    "Client=OutlookService;Outlook-Android/2.0;",
    "Client=MSExchangeRPC",
    "Client=OWA;Action=ViaProxy",
    "Client=REST;Client=RESTSystem;;",
];

/// Unified audit log records over the audit days: two thirds file and sharing activity on
/// the tenant's files, a third mailbox activity; a few failures.
fn unified_audit(
    rng: &mut Rng,
    size: &GraphSize,
    people: &People<'_>,
    drives: &[Drive],
    items: &[DriveItem],
    now: i64,
) -> Vec<AuditRecord> {
    let files: Vec<&DriveItem> = items.iter().filter(|i| i.is_file()).collect();
    let span = i64::from(size.audit_days.max(1)) * DAY_MS;
    let mut out: Vec<AuditRecord> = (0..size.unified_audit)
        .map(|_| {
            let u = if !people.guests.is_empty() && rng.chance(5) {
                *rng.pick(people.guests)
            } else {
                people.member(rng)
            };
            let user = &people.users[u];
            let h = &people.handles[u];
            let file = (!files.is_empty() && rng.chance(66)).then(|| *rng.pick(&files));
            let (operation, record_type, service, object_id, client) = match file {
                Some(f) => {
                    let (op, kind) = *rng.pick(FILE_OPERATIONS);
                    let drive = drives.iter().find(|d| d.id == f.drive_id);
                    let personal = drive.is_some_and(|d| d.web_url.contains("-my."));
                    let url = format!(
                        "{}/{}",
                        drive.map_or("", |d| d.web_url.as_str()),
                        f.name.replace(' ', "%20")
                    );
                    let service = if personal { "OneDrive" } else { "SharePoint" };
                    (op, kind, service, url, *rng.pick(FILE_CLIENTS))
                }
                None => {
                    let (op, kind) = *rng.pick(MAIL_OPERATIONS);
                    (
                        op,
                        kind,
                        "Exchange",
                        user.user_principal_name.clone(),
                        *rng.pick(MAIL_CLIENTS),
                    )
                }
            };
            AuditRecord {
                id: rng.guid(),
                created_at_ms: now - 60_000 - rng.below(span as u64) as i64,
                record_type,
                operation,
                service,
                user_principal_name: Arc::clone(&h.upn),
                user_key: Arc::clone(&h.id),
                object_id,
                client_ip: Arc::clone(rng.pick(&h.ips)),
                client,
                succeeded: !rng.chance(3),
            }
        })
        .collect();
    out.sort_by_key(|r| r.created_at_ms);
    out
}

fn service_principals(
    rng: &mut Rng,
    size: &GraphSize,
    tenant_id: &str,
    name: &str,
    now: i64,
) -> Vec<ServicePrincipal> {
    let n = size.service_principals.max(1);
    let first = FIRST_PARTY.len().min(n * 35 / 100);
    let in_house = (n * 15 / 100).min(n - 1 - first);
    let third = n - 1 - first - in_house;
    let publisher_tenants: Vec<String> = THIRD_PARTY.iter().map(|_| rng.guid()).collect();
    let publisher_ids: Vec<String> = THIRD_PARTY
        .iter()
        .map(|_| (1_000_000 + rng.below(8_000_000)).to_string())
        .collect();
    let mut out = Vec::with_capacity(n);
    let microsoft = |id: String, app_id: &str, display: &str| ServicePrincipal {
        id,
        app_id: app_id.to_owned(),
        display_name: display.to_owned(),
        app_owner_organization_id: MICROSOFT_TENANT_ID.to_owned(),
        publisher_name: Some("Microsoft Services".to_owned()),
        verified_publisher: None,
        account_enabled: true,
        sign_in_audience: Cow::Borrowed("AzureADMultipleOrgs"),
    };
    out.push(microsoft(rng.guid(), GRAPH_APP_ID, "Microsoft Graph"));
    for (app_id, display) in &FIRST_PARTY[..first] {
        out.push(microsoft(rng.guid(), app_id, display));
    }
    let org = format!("{} Ltd", capitalize(name));
    for i in 0..in_house {
        let base = IN_HOUSE[i % IN_HOUSE.len()];
        let round = i / IN_HOUSE.len();
        let display = if round == 0 {
            format!("{} {base}", capitalize(name))
        } else {
            format!("{} {base} {}", capitalize(name), round + 1)
        };
        out.push(ServicePrincipal {
            id: rng.guid(),
            app_id: rng.guid(),
            display_name: display,
            app_owner_organization_id: tenant_id.to_owned(),
            publisher_name: Some(org.clone()),
            verified_publisher: None,
            account_enabled: !rng.chance(10),
            sign_in_audience: Cow::Borrowed("AzureADMyOrg"),
        });
    }
    for i in 0..third {
        let t = i % THIRD_PARTY.len();
        let (base, publisher, verified) = THIRD_PARTY[t];
        let round = i / THIRD_PARTY.len();
        let display = if round == 0 {
            base.to_owned()
        } else {
            format!("{base} {}", round + 1)
        };
        out.push(ServicePrincipal {
            id: rng.guid(),
            app_id: rng.guid(),
            display_name: display,
            app_owner_organization_id: publisher_tenants[t].clone(),
            publisher_name: Some(publisher.to_owned()),
            verified_publisher: verified.then(|| VerifiedPublisher {
                display_name: publisher.to_owned(),
                verified_publisher_id: publisher_ids[t].clone(),
                added_at_ms: now - (100 + rng.below(1_000) as i64) * DAY_MS,
            }),
            account_enabled: true,
            sign_in_audience: Cow::Borrowed("AzureADMultipleOrgs"),
        });
    }
    out
}

fn grants(
    rng: &mut Rng,
    size: &GraphSize,
    sps: &[ServicePrincipal],
    people: &People<'_>,
) -> Vec<PermissionGrant> {
    let mut out = Vec::with_capacity(size.grants);
    if sps.len() < 2 {
        return out;
    }
    let mut seen = HashSet::new();
    let mut tries = 0;
    while out.len() < size.grants && tries < size.grants * 20 {
        tries += 1;
        let client = 1 + rng.index(sps.len() - 1);
        let (consent_type, principal) = if rng.chance(35) {
            (ConsentType::AllPrincipals, None)
        } else {
            (ConsentType::Principal, Some(people.member(rng)))
        };
        if !seen.insert((client, principal)) {
            continue;
        }
        let mut scopes = vec!["User.Read".to_owned()];
        let k = 1 + rng.index(5);
        for s in rng.sample(GRANT_SCOPES.len(), k) {
            scopes.push(GRANT_SCOPES[s].to_owned());
        }
        if rng.chance(70) {
            scopes.push("offline_access".to_owned());
        }
        out.push(PermissionGrant {
            id: rng.string(BASE64URL, 43),
            client_id: sps[client].id.clone(),
            consent_type,
            principal_id: principal.map(|u| people.users[u].id.clone()),
            resource_id: sps[0].id.clone(),
            scopes,
        });
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn directory_audits(
    rng: &mut Rng,
    size: &GraphSize,
    people: &People<'_>,
    admins: &[usize],
    groups: &[Group],
    sps: &[ServicePrincipal],
    span: u64,
    now: i64,
    (tenant_id, custom): (&str, &str),
) -> Vec<DirectoryAudit> {
    let users = people.handles;
    let group_handles: Vec<(Arc<str>, Arc<str>)> = groups
        .iter()
        .map(|g| (g.id.as_str().into(), g.display_name.as_str().into()))
        .collect();
    let sp_handles: Vec<(Arc<str>, Arc<str>, Arc<str>)> = sps
        .iter()
        .map(|s| {
            (
                s.id.as_str().into(),
                s.display_name.as_str().into(),
                s.app_id.as_str().into(),
            )
        })
        .collect();
    let roles: Vec<(Arc<str>, Arc<str>)> = ROLES
        .iter()
        .map(|(name, template, _)| ((*template).into(), (*name).into()))
        .collect();
    let policies: Vec<(Arc<str>, Arc<str>)> = POLICIES
        .iter()
        .map(|name| (rng.guid().into(), (*name).into()))
        .collect();
    let (tenant_id, domain): (Arc<str>, Arc<str>) = (tenant_id.into(), custom.into());
    let mut out = Vec::with_capacity(size.directory_audits);
    for _ in 0..size.directory_audits {
        let ts = now - 1 - rng.below(span) as i64;
        let (category, activity, service, operation, _, subject) =
            ACTIVITIES[weighted(rng, ACTIVITIES, |a| a.4)];
        let initiated_by = if rng.chance(8) || (subject == Subject::User && rng.chance(20)) {
            let (id, name, app_id) = &sp_handles[rng.index(sps.len().min(1 + FIRST_PARTY.len()))];
            Initiator::App {
                app_id: Arc::clone(app_id),
                display_name: Arc::clone(name),
                service_principal_id: Arc::clone(id),
            }
        } else {
            let a = &users[*rng.pick(admins)];
            Initiator::User {
                id: Arc::clone(&a.id),
                display_name: Arc::clone(&a.name),
                user_principal_name: Arc::clone(&a.upn),
                ip_address: a.ip(rng),
            }
        };
        let other = |kind: &'static str, id: &Arc<str>, name: &Arc<str>| AuditTarget {
            id: Arc::clone(id),
            display_name: Some(Arc::clone(name)),
            kind: Cow::Borrowed(kind),
            user_principal_name: None,
        };
        let user = &users[rng.index(users.len())];
        let targets = match subject {
            Subject::User => vec![user.target()],
            Subject::UserInGroup | Subject::Group if !groups.is_empty() => {
                let (id, name) = &group_handles[rng.index(groups.len())];
                let group = other("Group", id, name);
                if subject == Subject::Group {
                    vec![group]
                } else {
                    vec![user.target(), group]
                }
            }
            Subject::UserInGroup | Subject::Group => vec![user.target()],
            Subject::UserInRole => {
                let (id, name) = &roles[rng.index(roles.len())];
                vec![users[*rng.pick(admins)].target(), other("Role", id, name)]
            }
            Subject::App => {
                let (id, name, _) = &sp_handles[rng.index(sps.len())];
                vec![other("ServicePrincipal", id, name)]
            }
            Subject::Policy => {
                let (id, name) = &policies[rng.index(policies.len())];
                vec![other("Policy", id, name)]
            }
            Subject::Domain => vec![other("Directory", &tenant_id, &domain)],
        };
        let failed = rng.chance(3);
        out.push(DirectoryAudit {
            id: format!("Directory_{}", rng.guid()),
            activity_at_ms: ts,
            category: Cow::Borrowed(category),
            activity_display_name: Cow::Borrowed(activity),
            operation_type: Cow::Borrowed(operation),
            logged_by_service: Cow::Borrowed(service),
            result: if failed {
                AuditResult::Failure
            } else {
                AuditResult::Success
            },
            result_reason: Cow::Borrowed(if failed {
                FAILURE_REASONS[rng.index(FAILURE_REASONS.len())]
            } else {
                ""
            }),
            correlation_id: rng.guid(),
            initiated_by,
            targets,
        });
    }
    out.sort_by(|a, b| (a.activity_at_ms, &a.id).cmp(&(b.activity_at_ms, &b.id)));
    out
}

/// Per user: the latest sign-in and the latest successful one.
type Activity = Vec<(Option<i64>, Option<i64>)>;

fn sign_ins(
    rng: &mut Rng,
    size: &GraphSize,
    people: &People<'_>,
    span: u64,
    now: i64,
) -> (Vec<SignIn>, Activity) {
    let users = people.users;
    let mut activity: Activity = vec![(None, None); users.len()];
    let mut out = Vec::with_capacity(size.sign_ins);
    for _ in 0..size.sign_ins {
        let ts = now - 1 - rng.below(span) as i64;
        let u = if !people.guests.is_empty() && rng.chance(10) {
            *rng.pick(people.guests)
        } else if rng.chance(2) {
            rng.index(users.len() - people.guests.len())
        } else {
            people.member(rng)
        };
        let (user, handle) = (&users[u], &people.handles[u]);
        let (app_id, app) = SIGN_IN_APPS[rng.index(SIGN_IN_APPS.len())];
        let client = CLIENT_APPS[weighted(rng, CLIENT_APPS, |c| c.1)].0;
        let (code, reason, details, _) = if user.account_enabled {
            SIGN_IN_STATUS[weighted(rng, SIGN_IN_STATUS, |s| s.3)]
        } else {
            (50057, "User account is disabled.", "", 0)
        };
        let (city, state, country, _) = LOCATIONS[weighted(rng, LOCATIONS, |l| l.3)];
        let a = &mut activity[u];
        a.0 = a.0.max(Some(ts));
        if code == 0 {
            a.1 = a.1.max(Some(ts));
        }
        out.push(SignIn {
            id: rng.guid(),
            created_at_ms: ts,
            user_id: Arc::clone(&handle.id),
            user_display_name: Arc::clone(&handle.name),
            user_principal_name: Arc::clone(&handle.upn),
            app_id: Cow::Borrowed(app_id),
            app_display_name: Cow::Borrowed(app),
            ip_address: handle.ip(rng),
            client_app_used: Cow::Borrowed(client),
            is_interactive: true,
            error_code: code,
            failure_reason: (code != 0).then_some(Cow::Borrowed(reason)),
            additional_details: (!details.is_empty()).then_some(Cow::Borrowed(details)),
            city: Cow::Borrowed(city),
            state: Cow::Borrowed(state),
            country_or_region: Cow::Borrowed(country),
        });
    }
    out.sort_by(|a, b| (a.created_at_ms, &a.id).cmp(&(b.created_at_ms, &b.id)));
    (out, activity)
}

fn site_guid_pair(rng: &mut Rng, host: &str) -> String {
    format!("{host},{},{}", rng.guid(), rng.guid())
}

fn drive_id(rng: &mut Rng) -> String {
    format!(
        "b!{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rng.bytes(48))
    )
}

fn sites(
    rng: &mut Rng,
    size: &GraphSize,
    people: &People<'_>,
    groups: &[Group],
    name: &str,
    created: i64,
    now: i64,
) -> (Vec<Site>, Vec<Drive>) {
    let host = format!("{name}.sharepoint.com");
    let my_host = format!("{name}-my.sharepoint.com");
    let unified: Vec<&Group> = groups.iter().filter(|g| g.unified).collect();
    let mut sites = Vec::new();
    let mut drives = Vec::new();
    for i in 0..size.sites.max(1) {
        let group = i.checked_sub(1).and_then(|k| unified.get(k).copied());
        let display_name = match (i, group) {
            (0, _) => "Communication site".to_owned(),
            (_, Some(g)) => g.display_name.clone(),
            _ => {
                let k = i - 1 - unified.len().min(i - 1);
                let base = OTHER_SITES[k % OTHER_SITES.len()];
                match k / OTHER_SITES.len() {
                    0 => base.to_owned(),
                    n => format!("{base} {}", n + 1),
                }
            }
        };
        let slug: String = display_name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let web_url = if i == 0 {
            format!("https://{host}")
        } else {
            format!("https://{host}/sites/{slug}")
        };
        let site_created = group.map_or_else(
            || between(rng, created, now - 30 * DAY_MS),
            |g| g.created_at_ms,
        );
        let site = Site {
            id: site_guid_pair(rng, &host),
            name: if i == 0 { display_name.clone() } else { slug },
            display_name,
            web_url,
            created_at_ms: site_created,
            personal: false,
            group_id: group.map(|g| g.id.clone()),
            owner_id: None,
        };
        let owner = group.map_or(DriveOwner::System, |g| DriveOwner::Group(g.id.clone()));
        let mut libraries = vec![("Documents", "Shared%20Documents")];
        if i % 2 == 1 {
            libraries.push(("Projects", "Projects"));
        }
        for (lib, path) in libraries {
            drives.push(Drive {
                id: drive_id(rng),
                site_id: site.id.clone(),
                name: lib.to_owned(),
                drive_type: DriveType::DocumentLibrary,
                web_url: format!("{}/{path}", site.web_url),
                created_at_ms: site_created,
                owner: owner.clone(),
            });
        }
        sites.push(site);
    }
    let onedrives = size.onedrives.min(people.enabled.len());
    let mut owners = vec![0];
    owners.extend(
        rng.sample(people.enabled.len(), onedrives)
            .into_iter()
            .map(|k| people.enabled[k])
            .filter(|&u| u != 0),
    );
    owners.truncate(onedrives);
    for u in owners {
        let user = &people.users[u];
        let mangled: String = user
            .user_principal_name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let web_url = format!("https://{my_host}/personal/{mangled}");
        let at = between(rng, user.created_at_ms, now - DAY_MS);
        let site = Site {
            id: site_guid_pair(rng, &my_host),
            name: user.display_name.clone(),
            display_name: user.display_name.clone(),
            web_url: web_url.clone(),
            created_at_ms: at,
            personal: true,
            group_id: None,
            owner_id: Some(user.id.clone()),
        };
        drives.push(Drive {
            id: drive_id(rng),
            site_id: site.id.clone(),
            name: "OneDrive".to_owned(),
            drive_type: DriveType::Business,
            web_url: format!("{web_url}/Documents"),
            created_at_ms: at,
            owner: DriveOwner::User(user.id.clone()),
        });
        sites.push(site);
    }
    (sites, drives)
}

fn items(
    rng: &mut Rng,
    size: &GraphSize,
    people: &People<'_>,
    drives: &[Drive],
    now: i64,
) -> Vec<DriveItem> {
    let mut per_drive = vec![0usize; drives.len()];
    for _ in 0..size.files {
        per_drive[rng.index(drives.len())] += 1;
    }
    let folders_total: usize = per_drive.iter().map(|f| f / 10 + 1).sum();
    let mut items = Vec::with_capacity(size.files + folders_total + drives.len());
    let mut shared_k = 0usize;
    for (d, drive) in drives.iter().enumerate() {
        let owner = match &drive.owner {
            DriveOwner::User(id) => people.users.iter().position(|u| &u.id == id),
            _ => None,
        };
        let author = |rng: &mut Rng| match owner {
            Some(o) if rng.chance(90) => o,
            _ => people.member(rng),
        };
        let root_author = author(rng);
        let root_id = item_id(rng);
        items.push(DriveItem {
            id: root_id.clone(),
            drive_id: drive.id.clone(),
            parent_id: None,
            name: "root".to_owned(),
            folder: true,
            mime_type: None,
            size: 0,
            created_at_ms: drive.created_at_ms,
            modified_at_ms: drive.created_at_ms,
            created_by: people.users[root_author].id.clone(),
            modified_by: people.users[root_author].id.clone(),
            permissions: Vec::new(),
        });
        // (id, depth, created) of the drive's folders.
        let mut folders: Vec<(String, u8, i64)> = Vec::new();
        for f in 0..per_drive[d] / 10 + 1 {
            let parent = if folders.is_empty() || rng.chance(40) {
                None
            } else {
                Some(rng.index(folders.len())).filter(|&p| folders[p].1 < 3)
            };
            let (parent_id, depth, after) = match parent {
                None => (root_id.clone(), 1, drive.created_at_ms),
                Some(p) => (folders[p].0.clone(), folders[p].1 + 1, folders[p].2),
            };
            let base = FOLDERS[f % FOLDERS.len()];
            let name = match f / FOLDERS.len() {
                0 => base.to_owned(),
                n => format!("{base} {}", n + 1),
            };
            let created = between(rng, after, now - DAY_MS);
            let by = author(rng);
            let permissions = if rng.chance(u64::from(size.shared_percent) / 3) {
                shared_k += 1;
                sharing(rng, people, now, shared_k)
            } else {
                Vec::new()
            };
            let id = item_id(rng);
            folders.push((id.clone(), depth, created));
            items.push(DriveItem {
                id,
                drive_id: drive.id.clone(),
                parent_id: Some(parent_id),
                name,
                folder: true,
                mime_type: None,
                size: 0,
                created_at_ms: created,
                modified_at_ms: between(rng, created, now),
                created_by: people.users[by].id.clone(),
                modified_by: people.users[by].id.clone(),
                permissions,
            });
        }
        for f in 0..per_drive[d] {
            let (parent_id, after) = if rng.chance(30) {
                (root_id.clone(), drive.created_at_ms)
            } else {
                let p = &folders[rng.index(folders.len())];
                (p.0.clone(), p.2)
            };
            let (ext, mime, kib) = EXTENSIONS[rng.index(EXTENSIONS.len())];
            let created = between(rng, after, now - 1_000);
            let by = author(rng);
            let editor = if rng.chance(70) { by } else { author(rng) };
            let permissions = if rng.chance(u64::from(size.shared_percent)) {
                shared_k += 1;
                sharing(rng, people, now, shared_k)
            } else {
                Vec::new()
            };
            items.push(DriveItem {
                id: item_id(rng),
                drive_id: drive.id.clone(),
                parent_id: Some(parent_id),
                name: format!("{} {}.{ext}", rng.pick(STEMS), f + 1),
                folder: false,
                mime_type: Some(Cow::Borrowed(mime)),
                size: 1 + rng.below(kib * 2 * 1024),
                created_at_ms: created,
                modified_at_ms: between(rng, created, now),
                created_by: people.users[by].id.clone(),
                modified_by: people.users[editor].id.clone(),
                permissions,
            });
        }
    }
    items
}
