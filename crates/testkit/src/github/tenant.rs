//! The organisation a [`FakeGithub`](super::FakeGithub) serves: plain data with public fields.
//!
//! Build one with [`GithubTenant::generate`] and change any field before starting the server.
//! Times are unix milliseconds (`*_at_ms`); the server renders them as GitHub does (RFC 3339
//! strings in REST objects, integer milliseconds in the audit log).

/// The organisation's GitHub plan. Only Enterprise Cloud has the audit-log API, internal
/// repositories and SAML single sign-on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Plan {
    /// GitHub Free (`plan.name == "free"`).
    Free,
    /// GitHub Team (`plan.name == "team"`).
    Team,
    /// GitHub Enterprise Cloud (`plan.name == "enterprise"`).
    EnterpriseCloud,
}

impl Plan {
    /// The `plan.name` GitHub reports in `GET /orgs/{org}`.
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Team => "team",
            Plan::EnterpriseCloud => "enterprise",
        }
    }
}

/// A member's role in the organisation (`role=admin|member` of `GET /orgs/{org}/members`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgRole {
    /// An organisation owner.
    Admin,
    /// A plain member. Outside collaborators carry this role too; it is not used for them.
    Member,
}

/// A user's two-factor authentication state, used by `filter=2fa_disabled|2fa_insecure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TwoFactor {
    /// No second factor.
    Disabled,
    /// Only an insecure method such as SMS.
    Insecure,
    /// An authenticator app, security key or passkey.
    Secure,
}

/// An organisation member or an outside collaborator (the `simple-user` schema).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// `id`.
    pub id: u64,
    /// `login`, unique across members and outside collaborators.
    pub login: String,
    /// `node_id` (the legacy global id, base64 of `04:User{id}`).
    pub node_id: String,
    /// `name` (the profile name, returned by `GET /user`).
    pub name: String,
    /// `email`: the public profile e-mail, if any.
    pub email: Option<String>,
    /// The organisation role; [`OrgRole::Member`] for outside collaborators.
    pub role: OrgRole,
    /// `site_admin` (GitHub staff).
    pub site_admin: bool,
    /// Two-factor state, for the `filter` parameter.
    pub two_factor: TwoFactor,
    /// When the account was created.
    pub created_at_ms: i64,
}

/// A member's role in a team (`role=member|maintainer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TeamRole {
    /// `member`.
    Member,
    /// `maintainer`.
    Maintainer,
}

impl TeamRole {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            TeamRole::Member => "member",
            TeamRole::Maintainer => "maintainer",
        }
    }
}

/// A direct team membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMember {
    /// The login of an organisation member.
    pub login: String,
    /// The role in the team.
    pub role: TeamRole,
}

/// Team visibility (`privacy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TeamPrivacy {
    /// `closed`: visible to every organisation member.
    Closed,
    /// `secret`: visible to its members and owners only.
    Secret,
}

impl TeamPrivacy {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            TeamPrivacy::Closed => "closed",
            TeamPrivacy::Secret => "secret",
        }
    }
}

/// A team (the `team` schema). `GET /orgs/{org}/teams/{team_slug}/members` also lists the
/// members of child teams, with `inherited: true`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// `id`.
    pub id: u64,
    /// `node_id`.
    pub node_id: String,
    /// `name`.
    pub name: String,
    /// `slug`, unique in the organisation.
    pub slug: String,
    /// `description`.
    pub description: String,
    /// `privacy`.
    pub privacy: TeamPrivacy,
    /// The parent team's slug; a parent always comes earlier in [`GithubTenant::teams`].
    pub parent: Option<String>,
    /// Direct members.
    pub members: Vec<TeamMember>,
}

/// Repository visibility (`visibility`; `private` is true for private and internal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// `public`.
    Public,
    /// `private`.
    Private,
    /// `internal` (Enterprise Cloud only).
    Internal,
}

impl Visibility {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
            Visibility::Internal => "internal",
        }
    }
}

/// A base repository role (`permission` filter; `role_name` is `read|triage|write|maintain|admin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// `pull` / role `read`.
    Pull,
    /// `triage`.
    Triage,
    /// `push` / role `write`.
    Push,
    /// `maintain`.
    Maintain,
    /// `admin`.
    Admin,
}

impl Permission {
    /// The value of the `permission` query parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Pull => "pull",
            Permission::Triage => "triage",
            Permission::Push => "push",
            Permission::Maintain => "maintain",
            Permission::Admin => "admin",
        }
    }

    /// The `role_name` GitHub returns for this base role.
    pub fn role_name(self) -> &'static str {
        match self {
            Permission::Pull => "read",
            Permission::Triage => "triage",
            Permission::Push => "write",
            Permission::Maintain => "maintain",
            Permission::Admin => "admin",
        }
    }
}

/// A direct repository collaborator: an organisation member or an outside collaborator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collaborator {
    /// The login of a member or an outside collaborator.
    pub login: String,
    /// The base role granted on the repository.
    pub permission: Permission,
}

/// A repository owned by the organisation (the `minimal-repository` schema).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    /// `id`.
    pub id: u64,
    /// `node_id`.
    pub node_id: String,
    /// `name`, unique in the organisation (`full_name` is `{org}/{name}`).
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// `visibility`.
    pub visibility: Visibility,
    /// `fork`.
    pub fork: bool,
    /// `archived`.
    pub archived: bool,
    /// `default_branch`.
    pub default_branch: String,
    /// `created_at`.
    pub created_at_ms: i64,
    /// `updated_at`.
    pub updated_at_ms: i64,
    /// `pushed_at`.
    pub pushed_at_ms: i64,
    /// Direct collaborators. `GET /repos/{owner}/{repo}/collaborators` with the default
    /// `affiliation=all` adds every organisation owner (role `admin`) not listed here.
    pub collaborators: Vec<Collaborator>,
}

/// One organisation audit-log event (the `audit-log-event` schema of Enterprise Cloud).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// `_document_id`, unique.
    pub document_id: String,
    /// `@timestamp`, unix milliseconds.
    pub timestamp_ms: i64,
    /// `created_at`, unix milliseconds (when the event was recorded).
    pub created_at_ms: i64,
    /// `action`, e.g. `team.add_member`; `git.*` actions are Git events (`include=git`).
    pub action: String,
    /// `actor` login.
    pub actor: String,
    /// `actor_id`.
    pub actor_id: u64,
    /// `user`: the affected user, if any.
    pub user: Option<String>,
    /// `user_id`.
    pub user_id: Option<u64>,
    /// `org` login.
    pub org: String,
    /// `org_id`.
    pub org_id: u64,
    /// `repo` as `{org}/{name}`, if any.
    pub repo: Option<String>,
    /// `team` as `{org}/{slug}`, if any.
    pub team: Option<String>,
    /// `visibility` of the repository, if any.
    pub visibility: Option<String>,
    /// `operation_type`: `access`, `authentication`, `create`, `modify`, `remove`,
    /// `restore` or `transfer`.
    pub operation_type: String,
    /// `actor_location.country_name`.
    pub country: Option<String>,
    /// `transport_protocol_name` (`http` or `ssh`) of Git events.
    pub transport_protocol_name: Option<String>,
}

impl AuditEvent {
    /// Whether this is a Git event (`include=git`) rather than a web event (`include=web`).
    pub fn is_git(&self) -> bool {
        self.action.starts_with("git.")
    }
}

/// Whether a GitHub App installation covers all repositories or a selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RepositorySelection {
    /// `all`.
    All,
    /// `selected`.
    Selected,
}

impl RepositorySelection {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            RepositorySelection::All => "all",
            RepositorySelection::Selected => "selected",
        }
    }
}

/// A GitHub App installed on the organisation (the `installation` schema).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installation {
    /// `id`.
    pub id: u64,
    /// `app_id`.
    pub app_id: u64,
    /// `app_slug`.
    pub app_slug: String,
    /// `client_id` of the app.
    pub client_id: String,
    /// `repository_selection`.
    pub repository_selection: RepositorySelection,
    /// `permissions`, e.g. `("contents", "read")`.
    pub permissions: Vec<(String, String)>,
    /// `events` the app subscribes to.
    pub events: Vec<String>,
    /// `created_at`.
    pub created_at_ms: i64,
    /// `updated_at`.
    pub updated_at_ms: i64,
    /// `suspended_at`.
    pub suspended_at_ms: Option<i64>,
}

/// The kind of credential a member authorised for SAML SSO (`credential_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialType {
    /// `personal access token`.
    PersonalAccessToken,
    /// `SSH key`.
    SshKey,
    /// `OAuth app token`.
    OAuthAppToken,
    /// `GitHub app token`.
    GitHubAppToken,
}

impl CredentialType {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialType::PersonalAccessToken => "personal access token",
            CredentialType::SshKey => "SSH key",
            CredentialType::OAuthAppToken => "OAuth app token",
            CredentialType::GitHubAppToken => "GitHub app token",
        }
    }
}

/// A SAML SSO credential authorization (the `credential-authorization` schema).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialAuthorization {
    /// `login` owning the credential.
    pub login: String,
    /// `credential_id`.
    pub credential_id: u64,
    /// `credential_type`.
    pub credential_type: CredentialType,
    /// `token_last_eight` (tokens only).
    pub token_last_eight: Option<String>,
    /// `credential_authorized_at`.
    pub credential_authorized_at_ms: i64,
    /// `credential_accessed_at`.
    pub credential_accessed_at_ms: Option<i64>,
    /// `scopes` (tokens only).
    pub scopes: Vec<String>,
    /// `fingerprint` (SSH keys only).
    pub fingerprint: Option<String>,
    /// `authorized_credential_id`.
    pub authorized_credential_id: Option<u64>,
    /// `authorized_credential_title` (SSH keys only).
    pub authorized_credential_title: Option<String>,
    /// `authorized_credential_note` (tokens only).
    pub authorized_credential_note: Option<String>,
    /// `authorized_credential_expires_at` (tokens only).
    pub authorized_credential_expires_at_ms: Option<i64>,
}

/// A GitHub organisation with its people, teams, repositories, audit log and grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GithubTenant {
    /// The organisation login (`{org}` in paths; matched case-insensitively).
    pub org: String,
    /// The organisation id (used in the `/organizations/{id}/…` URLs of `Link` headers).
    pub id: u64,
    /// The display `name`.
    pub name: String,
    /// `created_at`.
    pub created_at_ms: i64,
    /// The plan: anything but [`Plan::EnterpriseCloud`] answers 404 on the audit log.
    pub plan: Plan,
    /// SAML SSO enforced: without it `GET /orgs/{org}/credential-authorizations` answers 404.
    pub saml_enforced: bool,
    /// `two_factor_requirement_enabled`.
    pub two_factor_requirement_enabled: bool,
    /// Members. `members[0]` is an owner and is the user every accepted token belongs to.
    pub members: Vec<Member>,
    /// Outside collaborators (each is a collaborator on at least one repository).
    pub outside_collaborators: Vec<Member>,
    /// Teams; a parent comes before its children.
    pub teams: Vec<Team>,
    /// Repositories.
    pub repos: Vec<Repo>,
    /// Audit-log events, oldest first.
    pub audit_events: Vec<AuditEvent>,
    /// GitHub App installations.
    pub installations: Vec<Installation>,
    /// SAML SSO credential authorizations.
    pub credential_authorizations: Vec<CredentialAuthorization>,
}
