//! A fake GitHub: the REST API a CASB reads (`api.github.com`, with the Enterprise Cloud
//! audit log and SAML credential authorizations) and github.com's OAuth endpoints, on one
//! `127.0.0.1` base URL, over a generated organisation.
//!
//! Paths, query parameters, enum values, JSON field names, pagination and headers follow
//! GitHub's OpenAPI descriptions (`api.github.com.json`, `ghec.json` in
//! `shared/testdata/apis/github`).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use cloudwarden_testkit::github::{FakeGithub, GithubTenant, TenantSize};
//!
//! let tenant = GithubTenant::generate("acme", 7, &TenantSize::small());
//! let gh = FakeGithub::start(tenant, "ghp_test").await?;
//! // GET {gh.url}/orgs/acme/members?per_page=100 with `Authorization: Bearer ghp_test`
//! gh.faults().rate_limit_next(2, 1);
//! gh.faults().fail_path("/orgs/{org}/audit-log", 404);
//! # Ok(()) }
//! ```
//!
//! # Routes (all `GET` unless noted)
//!
//! | route | parameters |
//! |---|---|
//! | `/user` | |
//! | `/orgs/{org}` | |
//! | `/orgs/{org}/members` | `role` (all, admin, member), `filter` (all, 2fa_disabled, 2fa_insecure), `per_page`, `page` |
//! | `/orgs/{org}/outside_collaborators` | `filter`, `per_page`, `page` |
//! | `/orgs/{org}/teams` | `team_type` (all, enterprise, organization), `per_page`, `page` |
//! | `/orgs/{org}/teams/{team_slug}/members` | `role` (all, member, maintainer), `per_page`, `page` |
//! | `/orgs/{org}/repos` | `type` (all, public, private, forks, sources, member, internal), `sort` (created, updated, pushed, full_name), `direction`, `per_page`, `page` |
//! | `/repos/{owner}/{repo}/collaborators` | `affiliation` (all, outside, direct), `permission` (pull, triage, push, maintain, admin), `per_page`, `page` |
//! | `/orgs/{org}/installations` | `per_page`, `page` |
//! | `/orgs/{org}/credential-authorizations` | `login`, `per_page`, `page` (Enterprise Cloud with SAML, else 404) |
//! | `/orgs/{org}/audit-log` | `phrase`, `include` (web, git, all), `order` (asc, desc), `after`, `before`, `per_page` (Enterprise Cloud, else 404) |
//! | `POST /login/device/code` | `client_id`, `scope` |
//! | `POST /login/oauth/access_token` | device, `refresh_token` and `authorization_code` grants (form or JSON) |
//! | `GET /login/oauth/authorize` | `client_id`, `redirect_uri`, `scope`, `state`, `code_challenge`, `code_challenge_method=S256` |
//!
//! `per_page` defaults to 30 and is capped at 100. Values outside a parameter's enum answer
//! 422 "Validation Failed".

mod api;
mod audit;
mod auth;
mod faults;
mod generate;
mod index;
mod oauth;
mod paging;
mod render;
mod server;
mod tenant;

pub use crate::common::stats::Stats;
pub use faults::{Faults, RateLimitForm};
pub use generate::TenantSize;
pub use server::FakeGithub;
pub use tenant::{
    AuditEvent, Collaborator, CredentialAuthorization, CredentialType, GithubTenant, Installation,
    Member, OrgRole, Permission, Plan, Repo, RepositorySelection, Team, TeamMember, TeamPrivacy,
    TeamRole, TwoFactor, Visibility,
};
