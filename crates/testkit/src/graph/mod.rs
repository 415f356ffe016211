//! A fake Microsoft Graph (v1.0) and Microsoft identity platform (v2.0 endpoints): the
//! directory, audit logs, SharePoint/OneDrive sharing and application consents a CASB reads,
//! on one `127.0.0.1` base URL, over a generated Entra ID tenant.
//!
//! Paths, query options, JSON field names, enum values, pagination and error bodies follow
//! the Graph v1.0 reference and the identity platform's OAuth 2.0 documentation.
//!
//! **Strict by Microsoft's own description.** Every Graph request is first judged by
//! [`contract::check`]: its path must resolve through Graph's published v1.0 schema
//! ([`schema`], read from `cleanMetadata-v1.0.xml`), every `$select`/`$expand`/`$orderby`
//! property and every property a `$filter` compares must exist there, and the options must
//! be the ones the operation's documentation page lists (operators, largest `$top`, extra
//! parameters). Anything else is answered 400 `Request_UnsupportedQuery` naming the
//! problem — where Graph clamps an oversized `$top` the fake refuses it, so the mistake is
//! loud. Which auth mode may call an operation is the handler's to answer (`getAllSites`
//! with a delegated token: 403 `accessDenied`). [`FakeGraph::requests`] keeps every request
//! as sent, for contract tests.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use cloudwarden_testkit::graph::{FakeGraph, GraphApp, GraphSize, GraphTenant};
//!
//! let tenant = GraphTenant::generate("contoso", 7, &GraphSize::small());
//! let app = GraphApp { client_id: "app-id".into(), client_secret: "secret".into() };
//! let graph = FakeGraph::start(tenant, app).await?;
//! // POST {graph.url}/{tenant_id}/oauth2/v2.0/token with client_credentials, then
//! // GET {graph.url}/v1.0/users?$top=999 with `Authorization: Bearer …`
//! graph.faults().rate_limit_next(2, 1);
//! graph.faults().fail_path("/v1.0/auditLogs/signIns", 500);
//! # Ok(()) }
//! ```
//!
//! # Identity platform
//!
//! `{tenant}` is the tenant id, a verified domain (`contoso.com`, `contoso.onmicrosoft.com`),
//! `organizations` or `common` (the last two not for client credentials, as on Entra ID).
//!
//! | route | parameters |
//! |---|---|
//! | `GET /{tenant}/oauth2/v2.0/authorize` | `client_id`, `response_type=code`, `redirect_uri` (loopback: `http://127.0.0.1:{port}/…` or `http://localhost:{port}/…`), `scope`, `state`, `code_challenge`, `code_challenge_method=S256`, `prompt`; answers 302 to the redirect URI with `code` and `state` (or `error=access_denied` without consent) |
//! | `POST /{tenant}/oauth2/v2.0/token` | form: `grant_type` = `client_credentials` (`scope=https://graph.microsoft.com/.default`, secret required), `authorization_code` (`code`, `redirect_uri`, `code_verifier`) or `refresh_token` (rotated); client authentication by `client_id`/`client_secret` fields or HTTP Basic |
//!
//! Access tokens are JWT-shaped (`header.payload.signature`, unsigned in substance): `aud`
//! `https://graph.microsoft.com`, `tid`, `appid`, `iat`, `exp`, and `roles` (app-only) or
//! `scp` and `upn` of `users[0]` (delegated).
//!
//! # Graph routes (all `GET`, `Authorization: Bearer`)
//!
//! | route | permissions (any of) | query options |
//! |---|---|---|
//! | `/v1.0/organization` | any valid token | |
//! | `/v1.0/me` | delegated tokens only | `$select` |
//! | `/v1.0/users` | User.Read.All, Directory.Read.All | `$select` (`signInActivity`: also AuditLog.Read.All and a premium licence), `$filter` (`eq` on `userType`, `accountEnabled`, `userPrincipalName`, `mail`), `$top`, `$skiptoken` |
//! | `/v1.0/reports/authenticationMethods/userRegistrationDetails` | AuditLog.Read.All and a premium licence | `$skiptoken` (enabled accounts only) |
//! | `/v1.0/groups` | Group.Read.All, GroupMember.Read.All, Directory.Read.All | `$select`, `$top`, `$skiptoken` |
//! | `/v1.0/groups/{id}/members` | as groups | `$select`, `$top`, `$skiptoken` |
//! | `/v1.0/groups/{id}/owners` | as groups | `$select`, `$top`, `$skiptoken` |
//! | `/v1.0/groups/{id}/transitiveMembers` | as groups | `$select`, `$top`, `$skiptoken` |
//! | `/v1.0/roleManagement/directory/roleEligibilityScheduleInstances` | RoleEligibilitySchedule.Read.Directory, RoleManagement.Read.Directory; Entra ID P2 | `$filter` (`eq` on `principalId`, `roleDefinitionId`), `$expand=principal`, `$select` |
//! | `/v1.0/roleManagement/directory/roleDefinitions` | RoleManagement.Read.Directory, Directory.Read.All | `$select`, `$top`, `$skiptoken` |
//! | `/v1.0/roleManagement/directory/roleAssignments` | as role definitions | `$filter` (`eq` on `principalId`, `roleDefinitionId`), `$expand` (`principal`, `roleDefinition`), `$select`, `$top`, `$skiptoken` |
//! | `/v1.0/auditLogs/directoryAudits` | AuditLog.Read.All | `$filter` (`activityDateTime` `ge`/`gt`/`le`/`lt`/`eq`, joined by `and`), `$orderby` (`activityDateTime [asc\|desc]`, default newest first), `$top` (≤ 1000), `$skiptoken`, `$select` |
//! | `/v1.0/auditLogs/signIns` | AuditLog.Read.All and a premium licence | as directory audits, on `createdDateTime` |
//! | `/v1.0/sites` | Sites.Read.All, Files.Read.All | `search` (`*`: every non-personal site), `$top`, `$skiptoken`, `$select` |
//! | `/v1.0/sites/getAllSites` | Sites.Read.All, app-only tokens only | `$filter=isPersonalSite eq true\|false`, `$top`, `$skiptoken`, `$select` |
//! | `/v1.0/sites/{site_id}/drives` | Sites.Read.All, Files.Read.All | `$top`, `$skiptoken`, `$select` |
//! | `/v1.0/drives/{drive_id}/root/delta` | Sites.Read.All, Files.Read.All | `token` (from `@odata.nextLink`/`@odata.deltaLink`, or `latest`), `$top`, `$select` |
//! | `/v1.0/drives/{drive_id}/items/{item_id}/permissions` | Sites.Read.All, Files.Read.All | (`item_id` may be `root`) |
//! | `/v1.0/oauth2PermissionGrants` | Directory.Read.All | `$filter` (`eq` on `clientId`, `principalId`, `consentType`), `$top`, `$skiptoken`, `$select` |
//! | `/v1.0/servicePrincipals` | Application.Read.All, Directory.Read.All | `$filter` (`eq` on `appId`), `$top`, `$skiptoken`, `$select` |
//! | `/v1.0/servicePrincipals/{id}/appRoleAssignedTo` | as service principals | `$top`, `$skiptoken`, `$select` |
//! | `/v1.0/drives/{drive_id}/items/{item_id}` | Sites.Read.All, Files.Read.All | `$select` (with `parentReference.path`) |
//! | `POST /v1.0/security/auditLog/queries`, `GET …/queries`, `…/queries/{id}`, `…/queries/{id}/records` | AuditLogsQuery.Read.All (or a per-service variant) | body: `displayName`, `filterStartDateTime`, `filterEndDateTime`, `recordTypeFilters`, `operationFilters`; records paged by `$skiptoken` |
//!
//! The `ReadWrite` variants of these permissions are accepted too. Query options are read
//! with or without the `$`. `$top` defaults to 100 (where the page documents it: see
//! [`contract::OPERATIONS`]);
//! `@odata.nextLink` is an absolute URL repeating the request's options with an opaque
//! `$skiptoken` (for delta, `token`). Without `$select`
//! `/users` returns Graph's default property set, which has no `userType`,
//! `accountEnabled` or `createdDateTime`.
//!
//! Audit-log pages are keyed by the (time, id) of the last event served, so events added
//! during a paged read ([`FakeGraph::add_directory_audit`]) never shift items across pages;
//! an event older than the current position appears later in the same read, a newer one in
//! the next query.
//!
//! Errors have Graph's body, `{"error": {"code", "message", "innerError": {"date",
//! "request-id", "client-request-id"}}}`: 401 `InvalidAuthenticationToken`, 403
//! `Authorization_RequestDenied` (missing permission) or
//! `Authentication_RequestFromNonPremiumTenantOrB2CTenant` (missing licence), 400
//! `BadRequest` (malformed `$filter`: "Invalid filter clause") or `Request_UnsupportedQuery`,
//! 404 `Request_ResourceNotFound` (directory, unknown routes) or `itemNotFound` (drives),
//! 410 `resyncRequired` (invalidated delta token), 429 `TooManyRequests` with `Retry-After`.

mod api;
mod auth;
pub mod contract;
mod faults;
mod files;
mod generate;
mod index;
mod logs;
mod oauth;
mod odata;
mod render;
pub mod schema;
mod server;
mod tenant;
mod unified;

pub use crate::common::stats::Stats;
pub use faults::Faults;
pub use generate::GraphSize;
pub use server::{FakeGraph, GraphApp};
pub use tenant::{
    AccessRole, AppRoleAssignment, AuditRecord, AuditResult, AuditTarget, ConsentType,
    DirectoryAudit, Drive, DriveItem, DriveOwner, DriveType, Grantee, GranteeKind, GraphTenant,
    Group, GroupVisibility, Initiator, LinkScope, Permission, PermissionGrant, RoleAssignment,
    RoleDefinition, RoleEligibility, ServicePrincipal, SignIn, Site, User, UserType,
    VerifiedPublisher, GRAPH_APP_ID, GRAPH_APP_ROLES, MICROSOFT_TENANT_ID,
};
