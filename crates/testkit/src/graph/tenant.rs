//! The tenant a [`FakeGraph`](super::FakeGraph) serves: plain data with public fields.
//!
//! Build one with [`GraphTenant::generate`] and change any field before starting the server.
//! Times are unix milliseconds (`*_ms`); the server renders them as Graph does (RFC 3339 in
//! UTC with `Z`; audit-log and sign-in times with seven fractional digits).
//!
//! Directory object ids (tenant, users, groups, roles, service principals) are GUIDs. SharePoint
//! and OneDrive ids have their own shapes, as in Graph: sites `host,{guid},{guid}`, drives
//! `b!…` and items `01…` (34 characters); treat them as opaque.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Microsoft's tenant, the `appOwnerOrganizationId` of first-party applications.
pub const MICROSOFT_TENANT_ID: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";

/// The `appId` of Microsoft Graph (`resourceId` of delegated grants points to its service
/// principal).
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// Application permissions of Microsoft Graph (`appRoles` of its service principal): the
/// `id`, `value` and `displayName` Microsoft publishes for each.
pub const GRAPH_APP_ROLES: &[(&str, &str, &str)] = &[
    (
        "810c84a8-4a9e-49e6-bf7d-12d183f40d01",
        "Mail.Read",
        "Read mail in all mailboxes",
    ),
    (
        "b633e1c5-b582-4048-a93e-9f11b44c7e96",
        "Mail.Send",
        "Send mail as any user",
    ),
    (
        "75359482-378d-4052-8f01-80520e7db3cd",
        "Files.ReadWrite.All",
        "Read and write files in all site collections",
    ),
    (
        "332a536c-c7ef-4017-ab91-336970924f0d",
        "Sites.Read.All",
        "Read items in all site collections",
    ),
    (
        "df021288-bdef-4463-88db-98f22de89214",
        "User.Read.All",
        "Read all users' full profiles",
    ),
    (
        "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
        "Directory.Read.All",
        "Read directory data",
    ),
];

/// An application permission granted to an app (`appRoleAssignment` with
/// `principalType: ServicePrincipal`), served by
/// `/servicePrincipals/{resource}/appRoleAssignedTo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRoleAssignment {
    /// `id`.
    pub id: String,
    /// `appRoleId`: one of the resource's `appRoles`.
    pub app_role_id: String,
    /// `principalId`: the client app's service principal.
    pub principal_id: String,
    /// `resourceId`: the API's service principal (Microsoft Graph).
    pub resource_id: String,
    /// `createdDateTime`.
    pub created_at_ms: i64,
}

/// `userType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserType {
    /// `Member`: an account of the organisation.
    Member,
    /// `Guest`: an external person invited with Entra B2B.
    Guest,
}

impl UserType {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Member => "Member",
            UserType::Guest => "Guest",
        }
    }
}

/// A user account (the `user` resource).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// `id`.
    pub id: String,
    /// `userPrincipalName`: `first.last@contoso.com` for members,
    /// `jane_fabrikam.com#EXT#@contoso.onmicrosoft.com` for guests.
    pub user_principal_name: String,
    /// `displayName`.
    pub display_name: String,
    /// `givenName`.
    pub given_name: Option<String>,
    /// `surname`.
    pub surname: Option<String>,
    /// `mail`: the member's address, or the guest's external address.
    pub mail: Option<String>,
    /// `jobTitle`.
    pub job_title: Option<String>,
    /// `userType`.
    pub user_type: UserType,
    /// `accountEnabled`.
    pub account_enabled: bool,
    /// `createdDateTime`.
    pub created_at_ms: i64,
    /// `signInActivity.lastSignInDateTime` (interactive, successful or not).
    pub last_sign_in_ms: Option<i64>,
    /// `signInActivity.lastNonInteractiveSignInDateTime`.
    pub last_non_interactive_sign_in_ms: Option<i64>,
    /// `signInActivity.lastSuccessfulSignInDateTime`.
    pub last_successful_sign_in_ms: Option<i64>,
    /// `isMfaRegistered` in the authentication-methods registration report (which leaves
    /// out disabled accounts).
    pub mfa_registered: bool,
}

/// `visibility` of a Microsoft 365 group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupVisibility {
    /// `Public`: anyone in the organisation can join.
    Public,
    /// `Private`: owners approve members.
    Private,
}

impl GroupVisibility {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupVisibility::Public => "Public",
            GroupVisibility::Private => "Private",
        }
    }
}

/// A group (the `group` resource): a Microsoft 365 group (`groupTypes: ["Unified"]`) or a
/// security group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// `id`.
    pub id: String,
    /// `displayName`.
    pub display_name: String,
    /// `description`.
    pub description: Option<String>,
    /// `mail` (mail-enabled groups).
    pub mail: Option<String>,
    /// `groupTypes` contains `Unified`: a Microsoft 365 group.
    pub unified: bool,
    /// `securityEnabled`.
    pub security_enabled: bool,
    /// `mailEnabled`.
    pub mail_enabled: bool,
    /// `visibility` (Microsoft 365 groups only; `null` for security groups).
    pub visibility: Option<GroupVisibility>,
    /// `createdDateTime`.
    pub created_at_ms: i64,
    /// Direct members: user ids, guests included. Served by `/groups/{id}/members`.
    pub members: Vec<String>,
    /// Owners: user ids. For Microsoft 365 groups every owner is also a member; for
    /// security groups an owner may or may not be one. Served by `/groups/{id}/owners`.
    pub owners: Vec<String>,
    /// `isAssignableToRole`: directory roles may be assigned to the group (its members
    /// hold them; such a group cannot contain groups).
    pub assignable_to_role: bool,
}

/// A directory role definition (`unifiedRoleDefinition`). Built-in roles have `id ==
/// templateId`, the well-known template GUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDefinition {
    /// `id`.
    pub id: String,
    /// `displayName`, e.g. `Global Administrator`.
    pub display_name: String,
    /// `description`.
    pub description: String,
    /// `isBuiltIn`.
    pub is_built_in: bool,
    /// `templateId`.
    pub template_id: String,
}

/// A directory role assignment (`unifiedRoleAssignment`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAssignment {
    /// `id`.
    pub id: String,
    /// `principalId`: a user id.
    pub principal_id: String,
    /// `roleDefinitionId`.
    pub role_definition_id: String,
    /// `directoryScopeId` (`/`: the whole tenant).
    pub directory_scope_id: String,
}

/// An eligible (PIM) role assignment, `unifiedRoleEligibilityScheduleInstance`: the
/// principal may activate the role when it wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleEligibility {
    /// `id`.
    pub id: String,
    /// `principalId`: a user or a role-assignable group.
    pub principal_id: String,
    /// `roleDefinitionId`.
    pub role_definition_id: String,
    /// `directoryScopeId`.
    pub directory_scope_id: String,
    /// `startDateTime`.
    pub start_ms: i64,
    /// `endDateTime` (`None`: permanently eligible).
    pub end_ms: Option<i64>,
}

/// `result` of a directory audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditResult {
    /// `success`.
    Success,
    /// `failure`.
    Failure,
}

impl AuditResult {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditResult::Success => "success",
            AuditResult::Failure => "failure",
        }
    }
}

/// Who performed an audited activity (`initiatedBy`: `{user, app}`, one of them `null`).
///
/// The user's strings are `Arc<str>`, shared by every event of that user (generated logs
/// hold hundreds of thousands of events); build them with `"…".into()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Initiator {
    /// `initiatedBy.user`.
    User {
        /// `id`.
        id: Arc<str>,
        /// `displayName`.
        display_name: Arc<str>,
        /// `userPrincipalName`.
        user_principal_name: Arc<str>,
        /// `ipAddress`.
        ip_address: Arc<str>,
    },
    /// `initiatedBy.app` (a service acting on its own).
    App {
        /// `appId`.
        app_id: Arc<str>,
        /// `displayName`.
        display_name: Arc<str>,
        /// `servicePrincipalId`.
        service_principal_id: Arc<str>,
    },
}

/// One of `targetResources` (strings shared between events, as in [`Initiator`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditTarget {
    /// `id`.
    pub id: Arc<str>,
    /// `displayName`.
    pub display_name: Option<Arc<str>>,
    /// `type`: `User`, `Group`, `Role`, `ServicePrincipal`, `Policy`, `Directory` …
    pub kind: Cow<'static, str>,
    /// `userPrincipalName` (users only).
    pub user_principal_name: Option<Arc<str>>,
}

/// One directory audit event (`directoryAudit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryAudit {
    /// `id`, unique (`Directory_…`).
    pub id: String,
    /// `activityDateTime`.
    pub activity_at_ms: i64,
    /// `category`, e.g. `UserManagement`, `GroupManagement`, `RoleManagement`,
    /// `ApplicationManagement`, `Policy`.
    pub category: Cow<'static, str>,
    /// `activityDisplayName`, e.g. `Add member to role`.
    pub activity_display_name: Cow<'static, str>,
    /// `operationType`: `Add`, `Update`, `Delete`, `Assign`, `Unassign` …
    pub operation_type: Cow<'static, str>,
    /// `loggedByService`, e.g. `Core Directory`.
    pub logged_by_service: Cow<'static, str>,
    /// `result`.
    pub result: AuditResult,
    /// `resultReason` (empty on success).
    pub result_reason: Cow<'static, str>,
    /// `correlationId`.
    pub correlation_id: String,
    /// `initiatedBy`.
    pub initiated_by: Initiator,
    /// `targetResources`.
    pub targets: Vec<AuditTarget>,
}

/// One interactive user sign-in (`signIn`); the user's strings are shared between events,
/// as in [`Initiator`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    /// `id`.
    pub id: String,
    /// `createdDateTime`.
    pub created_at_ms: i64,
    /// `userId`.
    pub user_id: Arc<str>,
    /// `userDisplayName`.
    pub user_display_name: Arc<str>,
    /// `userPrincipalName`.
    pub user_principal_name: Arc<str>,
    /// `appId`.
    pub app_id: Cow<'static, str>,
    /// `appDisplayName`.
    pub app_display_name: Cow<'static, str>,
    /// `ipAddress`.
    pub ip_address: Arc<str>,
    /// `clientAppUsed`: `Browser`, `Mobile Apps and Desktop clients`, or a legacy protocol
    /// such as `IMAP4` or `Exchange ActiveSync`.
    pub client_app_used: Cow<'static, str>,
    /// `isInteractive`.
    pub is_interactive: bool,
    /// `status.errorCode` (0: success).
    pub error_code: i32,
    /// `status.failureReason` (`None` on success).
    pub failure_reason: Option<Cow<'static, str>>,
    /// `status.additionalDetails`.
    pub additional_details: Option<Cow<'static, str>>,
    /// `location.city`.
    pub city: Cow<'static, str>,
    /// `location.state`.
    pub state: Cow<'static, str>,
    /// `location.countryOrRegion` (ISO 3166 alpha-2).
    pub country_or_region: Cow<'static, str>,
}

/// A record of the unified audit log (Microsoft Purview), served through
/// `security/auditLog/queries`: file, sharing and mailbox activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// `id` (a GUID).
    pub id: String,
    /// `createdDateTime`.
    pub created_at_ms: i64,
    /// `auditLogRecordType`: `SharePointFileOperation`, `SharePointSharingOperation`,
    /// `ExchangeItem`, `ExchangeItemAggregated` ….
    pub record_type: &'static str,
    /// `operation`: `FileDownloaded`, `AnonymousLinkCreated`, `MailItemsAccessed` ….
    pub operation: &'static str,
    /// `service`: `SharePoint`, `OneDrive`, `Exchange`.
    pub service: &'static str,
    /// `userId` / `userPrincipalName`.
    pub user_principal_name: Arc<str>,
    /// The user's object id (`auditData.UserKey`).
    pub user_key: Arc<str>,
    /// `objectId`: a file's URL, or a mailbox.
    pub object_id: String,
    /// `clientIp`.
    pub client_ip: Arc<str>,
    /// `auditData.UserAgent` (SharePoint, OneDrive) or `auditData.ClientInfoString`
    /// (Exchange).
    pub client: &'static str,
    /// `auditData.ResultStatus`: `Succeeded` or `Failed`.
    pub succeeded: bool,
}

/// A SharePoint site: a team or communication site, or a user's OneDrive (personal site).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// `id`: `contoso.sharepoint.com,{guid},{guid}` (`contoso-my.sharepoint.com,…` for
    /// personal sites).
    pub id: String,
    /// `name`.
    pub name: String,
    /// `displayName`.
    pub display_name: String,
    /// `webUrl`.
    pub web_url: String,
    /// `createdDateTime`.
    pub created_at_ms: i64,
    /// `isPersonalSite`: a OneDrive.
    pub personal: bool,
    /// The Microsoft 365 group a team site belongs to.
    pub group_id: Option<String>,
    /// The user owning a personal site.
    pub owner_id: Option<String>,
}

/// `driveType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DriveType {
    /// `documentLibrary`: a library of a SharePoint site.
    DocumentLibrary,
    /// `business`: a OneDrive for Business.
    Business,
}

impl DriveType {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            DriveType::DocumentLibrary => "documentLibrary",
            DriveType::Business => "business",
        }
    }
}

/// `owner` of a drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriveOwner {
    /// `owner.user`, by user id (OneDrives).
    User(String),
    /// `owner.group`, by group id (libraries of group-connected sites).
    Group(String),
    /// `owner.user` "System Account" without an id (other libraries).
    System,
}

/// A drive: a document library or a OneDrive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drive {
    /// `id` (`b!…`).
    pub id: String,
    /// The site holding it.
    pub site_id: String,
    /// `name`: `Documents`, another library name, or `OneDrive`.
    pub name: String,
    /// `driveType`.
    pub drive_type: DriveType,
    /// `webUrl`.
    pub web_url: String,
    /// `createdDateTime`.
    pub created_at_ms: i64,
    /// `owner`.
    pub owner: DriveOwner,
}

/// `link.scope` of a sharing link, and the `shared.scope` of a shared item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LinkScope {
    /// `users`: specific people (a "specific people" link, or direct access).
    Users,
    /// `organization`: anyone in the organisation with the link.
    Organization,
    /// `anonymous`: anyone with the link, no sign-in.
    Anonymous,
}

impl LinkScope {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkScope::Users => "users",
            LinkScope::Organization => "organization",
            LinkScope::Anonymous => "anonymous",
        }
    }
}

/// `roles` of a sharing permission (`owner` is rendered by the server, never stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessRole {
    /// `read` (links of type `view`).
    Read,
    /// `write` (links of type `edit`).
    Write,
}

impl AccessRole {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessRole::Read => "read",
            AccessRole::Write => "write",
        }
    }
}

/// How a grantee appears in a permission's `grantedToV2` / `grantedToIdentitiesV2`
/// (`sharePointIdentitySet`): the identity kinds real SharePoint answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GranteeKind {
    /// `user` (`displayName`, `id`, and `email` where SharePoint knows it).
    User,
    /// `siteUser`: a SharePoint user with its claim `loginName`
    /// (`i:0#.f|membership|{upn}`; a guest's UPN has `#EXT#`; an address a link was sent to
    /// that has no account: `urn:spo:guest#{email}`); no `email`.
    SiteUser,
    /// `siteGroup`: a SharePoint group (`loginName` is its name, or for "Everyone except
    /// external users" the claim `c:0-.f|rolemanager|spo-grid-all-users/{tenant id}`).
    SiteGroup,
    /// `group`: an Entra ID group.
    Group,
    /// `application`: an app holding access to the item.
    Application,
}

/// Who a permission is granted to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grantee {
    pub kind: GranteeKind,
    /// The directory object (user, group, app); `None` for an external address that never
    /// redeemed its invitation (a direct permission then has only `invitation`) and for
    /// SharePoint groups.
    pub user_id: Option<String>,
    /// `displayName`.
    pub display_name: String,
    /// `email` (users), or the address invited; empty when none.
    pub email: String,
    /// `loginName` of a `siteUser` or `siteGroup`.
    pub login_name: Option<String>,
    /// Outside the organisation: a guest account or an external address (the ground truth
    /// a connector's classification is checked against).
    pub external: bool,
}

impl Grantee {
    /// An outside address a file was shared with, that has no account (it never redeemed the
    /// invitation): SharePoint's `urn:spo:guest#…` site user.
    pub fn invited(email: &str) -> Grantee {
        Grantee {
            kind: GranteeKind::User,
            user_id: None,
            display_name: email.to_owned(),
            login_name: Some(format!("urn:spo:guest#{email}")),
            email: email.to_owned(),
            external: true,
        }
    }

    /// "Everyone except external users" (a SharePoint claim for every member).
    pub fn is_everyone_internal(&self) -> bool {
        self.kind == GranteeKind::SiteGroup
            && self
                .login_name
                .as_deref()
                .is_some_and(|l| l.contains("spo-grid-all-users"))
    }
}

/// One explicit sharing permission of a drive item: a sharing link, or direct access for
/// people (`link: None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// `id`.
    pub id: String,
    /// `roles[0]`.
    pub role: AccessRole,
    /// A sharing link of this scope (`link.type` is `view` for read, `edit` for write);
    /// `None` for direct access.
    pub link: Option<LinkScope>,
    /// Direct access: the people (`grantedToV2`, with `invitation` for an external address
    /// without an account). A `users` link: the people it was sent to
    /// (`grantedToIdentitiesV2`). Empty for organisation and anonymous links.
    pub granted_to: Vec<Grantee>,
    /// `expirationDateTime`.
    pub expires_at_ms: Option<i64>,
}

/// A file or folder in a drive. Every drive has exactly one root folder
/// (`parent_id: None`, name `root`), which is also in [`GraphTenant::items`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriveItem {
    /// `id` (`01…`).
    pub id: String,
    /// The drive holding it.
    pub drive_id: String,
    /// The parent folder; `None` for the root.
    pub parent_id: Option<String>,
    /// `name`.
    pub name: String,
    /// A folder (`folder` facet) rather than a file (`file` facet).
    pub folder: bool,
    /// `file.mimeType` (files only).
    pub mime_type: Option<Cow<'static, str>>,
    /// `size` in bytes (folders: the server reports the total of their content).
    pub size: u64,
    /// `createdDateTime`.
    pub created_at_ms: i64,
    /// `lastModifiedDateTime`.
    pub modified_at_ms: i64,
    /// `createdBy.user`, a user id.
    pub created_by: String,
    /// `lastModifiedBy.user`, a user id.
    pub modified_by: String,
    /// Explicit sharing permissions (empty: private). The permissions route adds the owner
    /// permission of every item, and the permissions of shared ancestors (`inheritedFrom`).
    pub permissions: Vec<Permission>,
}

impl DriveItem {
    /// A file (not a folder).
    pub fn is_file(&self) -> bool {
        !self.folder
    }

    /// The widest scope of this item's own permissions (direct access counts as `users`).
    pub fn own_scope(&self) -> Option<LinkScope> {
        self.permissions
            .iter()
            .map(|p| p.link.unwrap_or(LinkScope::Users))
            .max()
    }
}

/// `verifiedPublisher` of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPublisher {
    /// `displayName`.
    pub display_name: String,
    /// `verifiedPublisherId` (the Microsoft Partner Network id).
    pub verified_publisher_id: String,
    /// `addedDateTime`.
    pub added_at_ms: i64,
}

/// An application's service principal in the tenant (`servicePrincipal`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePrincipal {
    /// `id` (the object id grants refer to).
    pub id: String,
    /// `appId`.
    pub app_id: String,
    /// `displayName`.
    pub display_name: String,
    /// `appOwnerOrganizationId`: [`MICROSOFT_TENANT_ID`] for first-party apps, the tenant's
    /// own id for in-house apps, another tenant for third-party apps.
    pub app_owner_organization_id: String,
    /// The publisher's name (beta-only `publisherName`: v1.0 does not serve it).
    pub publisher_name: Option<String>,
    /// `verifiedPublisher` (`None`: all its fields `null`).
    pub verified_publisher: Option<VerifiedPublisher>,
    /// `accountEnabled`.
    pub account_enabled: bool,
    /// `signInAudience`.
    pub sign_in_audience: Cow<'static, str>,
}

/// `consentType` of a delegated permission grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsentType {
    /// `AllPrincipals`: an administrator consented for everyone (`principalId: null`).
    AllPrincipals,
    /// `Principal`: one user consented for themselves.
    Principal,
}

impl ConsentType {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentType::AllPrincipals => "AllPrincipals",
            ConsentType::Principal => "Principal",
        }
    }
}

/// A delegated permission grant (`oAuth2PermissionGrant`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionGrant {
    /// `id`.
    pub id: String,
    /// `clientId`: the client's service principal id.
    pub client_id: String,
    /// `consentType`.
    pub consent_type: ConsentType,
    /// `principalId`: the consenting user (`Principal` grants only).
    pub principal_id: Option<String>,
    /// `resourceId`: the Microsoft Graph service principal's id.
    pub resource_id: String,
    /// The delegated scopes; `scope` is served space-separated with a space before and after,
    /// as Graph returns it (`" User.Read Mail.Read "`).
    pub scopes: Vec<String>,
}

/// An Entra ID tenant with its Microsoft 365 content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphTenant {
    /// The tenant id (a GUID), also `organization.id` and the `tid` claim of tokens.
    pub tenant_id: String,
    /// `organization.displayName`.
    pub display_name: String,
    /// The initial domain, `contoso.onmicrosoft.com` (guests' UPNs end with it).
    pub domain: String,
    /// The verified custom domain and default, `contoso.com` (members' UPNs end with it).
    pub custom_domain: String,
    /// `organization.createdDateTime`.
    pub created_at_ms: i64,
    /// Users: `users[0]` is a Global Administrator and the signed-in user of delegated
    /// tokens; members first, then guests.
    pub users: Vec<User>,
    /// Groups.
    pub groups: Vec<Group>,
    /// Directory role definitions (built-in).
    pub role_definitions: Vec<RoleDefinition>,
    /// Directory role assignments.
    pub role_assignments: Vec<RoleAssignment>,
    /// Eligible (PIM) role assignments, served by
    /// `/roleManagement/directory/roleEligibilityScheduleInstances` (Entra ID P2).
    pub role_eligibilities: Vec<RoleEligibility>,
    /// Application permissions granted to apps (to Microsoft Graph).
    pub app_role_assignments: Vec<AppRoleAssignment>,
    /// The unified audit log, oldest first.
    pub unified_audit: Vec<AuditRecord>,
    /// Directory audit events, oldest first.
    pub directory_audits: Vec<DirectoryAudit>,
    /// Sign-ins, oldest first.
    pub sign_ins: Vec<SignIn>,
    /// Sites: team and communication sites first (`sites[0]` is the root site), then the
    /// personal sites (OneDrives).
    pub sites: Vec<Site>,
    /// Drives: the document libraries and the OneDrives.
    pub drives: Vec<Drive>,
    /// Drive items of every drive, the root folders included; per drive, a parent comes
    /// before its children.
    pub items: Vec<DriveItem>,
    /// Service principals; `service_principals[0]` is Microsoft Graph.
    pub service_principals: Vec<ServicePrincipal>,
    /// Delegated permission grants (`oauth2PermissionGrants`).
    pub grants: Vec<PermissionGrant>,
}

impl GraphTenant {
    /// The verified domains: the custom (default) domain, then the initial domain.
    pub fn verified_domains(&self) -> [&str; 2] {
        [&self.custom_domain, &self.domain]
    }

    /// Whether `email` belongs to a verified domain (case-insensitive).
    pub fn is_internal_email(&self, email: &str) -> bool {
        email.rsplit_once('@').is_some_and(|(_, d)| {
            self.verified_domains()
                .iter()
                .any(|v| v.eq_ignore_ascii_case(d))
        })
    }

    /// The files (items without the folder facet).
    pub fn files(&self) -> impl Iterator<Item = &DriveItem> {
        self.items.iter().filter(|i| i.is_file())
    }

    /// The users who hold or may activate a directory role: principals of role assignments
    /// and of eligible assignments, and the members of role-assignable groups among them.
    pub fn admin_ids(&self) -> HashSet<&str> {
        let principals = self
            .role_assignments
            .iter()
            .map(|a| a.principal_id.as_str())
            .chain(
                self.role_eligibilities
                    .iter()
                    .map(|e| e.principal_id.as_str()),
            );
        let mut out = HashSet::new();
        for p in principals {
            match self.groups.iter().find(|g| g.id == p) {
                Some(g) => out.extend(g.members.iter().map(String::as_str)),
                None => {
                    out.insert(p);
                }
            }
        }
        out
    }

    /// Who can see each shared item, as a CASB names it — `public` (an anonymous link),
    /// `external` (a guest or an outside address among the grantees), `internal` (an
    /// organisation link or "Everyone except external users"), `private` — from the item's
    /// own permissions and its ancestors', by item id. Items missing are private.
    pub fn sharing_levels(&self) -> HashMap<&str, &'static str> {
        let by_id: HashMap<&str, &DriveItem> =
            self.items.iter().map(|i| (i.id.as_str(), i)).collect();
        let mut out = HashMap::new();
        for item in &self.items {
            let mut perms: Vec<&Permission> = item.permissions.iter().collect();
            let mut parent = item.parent_id.as_deref();
            while let Some(p) = parent.and_then(|p| by_id.get(p)) {
                perms.extend(&p.permissions);
                parent = p.parent_id.as_deref();
            }
            let level = if perms.iter().any(|p| p.link == Some(LinkScope::Anonymous)) {
                "public"
            } else if perms.iter().flat_map(|p| &p.granted_to).any(|g| g.external) {
                "external"
            } else if perms.iter().any(|p| {
                p.link == Some(LinkScope::Organization)
                    || p.granted_to.iter().any(Grantee::is_everyone_internal)
            }) {
                "internal"
            } else {
                "private"
            };
            out.insert(item.id.as_str(), level);
        }
        out
    }

    /// The shared items and the `shared.scope` the server reports for each: the widest scope
    /// of the item's own permissions and those of its ancestors, by item id.
    pub fn shared_scopes(&self) -> HashMap<&str, LinkScope> {
        let by_id: HashMap<&str, &DriveItem> =
            self.items.iter().map(|i| (i.id.as_str(), i)).collect();
        let mut out = HashMap::new();
        for item in &self.items {
            let mut scope = item.own_scope();
            let mut parent = item.parent_id.as_deref();
            while let Some(p) = parent.and_then(|p| by_id.get(p)) {
                scope = scope.max(p.own_scope());
                parent = p.parent_id.as_deref();
            }
            if let Some(s) = scope {
                out.insert(item.id.as_str(), s);
            }
        }
        out
    }
}
