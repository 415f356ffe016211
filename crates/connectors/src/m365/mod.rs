//! Microsoft 365 through Microsoft Graph v1.0: Entra ID users (status, admin roles, last
//! sign-in with Entra ID P1/P2), groups with members and owners, directory role assignments,
//! directory audits and sign-ins, OneDrive and SharePoint drive items with their sharing
//! permissions, and delegated OAuth permission grants with their service principals.
//!
//! Authorization: client credentials of an admin-consented app registration (application
//! permissions), or the authorization-code flow with PKCE for a signed-in administrator
//! (delegated permissions); both through the Microsoft identity platform v2.0 endpoints.
//! The national clouds and the test fakes are other `graph_url` / `login_url` values.
//!
//! Endpoints (`GET`, `$top` pages following `@odata.nextLink`): `/organization`, `/users`,
//! `/groups`, `/groups/{id}/members`, `/groups/{id}/owners`,
//! `/roleManagement/directory/roleDefinitions`, `/roleManagement/directory/roleAssignments`,
//! `/auditLogs/directoryAudits`, `/auditLogs/signIns`, `/sites/getAllSites` (application
//! permissions; `/sites?search=*` for delegated ones), `/sites/{id}/drives`,
//! `/drives/{id}/root/delta`, `/drives/{id}/items/{id}/permissions`,
//! `/oauth2PermissionGrants`, `/servicePrincipals`.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use serde_json::value::RawValue;

use crate::dates::{format_rfc3339, parse_rfc3339_ms};
use crate::http::{RawResponse, Response};
use crate::model::*;
use crate::oauth::Endpoints;
use crate::paging::{odata_link_of, odata_next};
use crate::{Error, Result};

mod accounts;
mod activities;
mod events;
mod files;
mod grants;
mod groups;
mod roles;
pub mod signin_error;

/// Microsoft Graph in the global cloud.
pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com/v1.0";
/// The Microsoft identity platform in the global cloud.
pub const DEFAULT_LOGIN_URL: &str = "https://login.microsoftonline.com";
/// What client credentials ask for: every application permission admin-consented to the app.
pub const APP_SCOPE: &str = "https://graph.microsoft.com/.default";
/// The delegated permissions the authorization-code flow asks for.
pub const DELEGATED_SCOPES: &[&str] = &[
    "offline_access",
    "User.Read.All",
    "GroupMember.Read.All",
    "RoleManagement.Read.Directory",
    "AuditLog.Read.All",
    "Directory.Read.All",
    "Sites.Read.All",
    "Application.Read.All",
    "AuditLogsQuery.Read.All",
];
/// The application permissions to grant (with admin consent) to the app registration.
pub const APPLICATION_PERMISSIONS: &[&str] = &[
    "User.Read.All",
    "GroupMember.Read.All",
    "RoleManagement.Read.Directory",
    "AuditLog.Read.All",
    "Directory.Read.All",
    "Sites.Read.All",
    "Application.Read.All",
    "AuditLogsQuery.Read.All",
];
/// Optional: sharing changes between full reads of a drive (driveitem-delta.md: "your
/// application will need to request Sites.FullControl.All permissions"). Without it a new
/// sharing link on an unchanged file is seen when the drive is next read in full.
pub const SHARING_CHANGES_PERMISSION: &str = "Sites.FullControl.All";

/// Items per page (Graph's maximum for directory lists; audit logs allow 1000).
const PAGE: &str = "999";
/// Requests in flight for per-item sub-resources (group members, item permissions).
const CONCURRENCY: usize = 8;

pub fn info() -> ConnectorInfo {
    ConnectorInfo {
        id: "m365",
        name: "Microsoft 365",
        auth: vec![AuthMethod::ClientCredentials, AuthMethod::AuthorizationCode],
        capabilities: Capabilities {
            accounts: true,
            groups: true,
            privileges: true,
            activities: true,
            files: true,
            oauth_apps: true,
            governance: false,
        },
    }
}

/// The identity platform endpoints of `tenant` (a tenant id or verified domain).
pub fn endpoints(
    tenant: &str,
    client_id: &str,
    client_secret: Option<&str>,
    login_url: Option<&str>,
) -> Endpoints {
    let base = login_url
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .unwrap_or(DEFAULT_LOGIN_URL)
        .trim_end_matches('/');
    let tenant = tenant.trim();
    Endpoints {
        client_id: client_id.trim().to_owned(),
        client_secret: client_secret.map(str::to_owned),
        auth_url: format!("{base}/{tenant}/oauth2/v2.0/authorize"),
        token_url: format!("{base}/{tenant}/oauth2/v2.0/token"),
        device_url: Some(format!("{base}/{tenant}/oauth2/v2.0/devicecode")),
    }
}

/// A Microsoft 365 tenant.
#[derive(Debug, Clone)]
pub struct M365 {
    /// The tenant id or a verified domain (`contoso.onmicrosoft.com`).
    pub tenant: String,
    /// `https://graph.microsoft.com/v1.0`, a national cloud's Graph, or a fake.
    pub graph_url: Url,
    /// The token is a signed-in user's (delegated permissions), not the app's own: some
    /// operations (`sites/getAllSites`) support application permissions only.
    pub delegated: bool,
    /// The role holders, read once per connector (a scan): the accounts phase flags admins
    /// with them and the privileges phase stores them.
    holders: std::sync::Arc<tokio::sync::OnceCell<Vec<roles::Holder>>>,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn ptr(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn ms(v: Option<&Value>) -> Option<i64> {
    parse_rfc3339_ms(v?.as_str()?)
}

fn values(resp: &Response) -> Result<&Vec<Value>> {
    resp.body
        .get("value")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::Decode {
            url: resp.url.path().to_owned(),
            message: "expected an OData collection (`value`)".into(),
        })
}

/// The items of a collection page, moved out of the response (no copy).
fn take_values(resp: Response) -> Result<Vec<Value>> {
    let Response { mut body, url, .. } = resp;
    match body.get_mut("value").map(Value::take) {
        Some(Value::Array(items)) => Ok(items),
        _ => Err(Error::Decode {
            url: url.path().to_owned(),
            message: "expected an OData collection (`value`)".into(),
        }),
    }
}

/// A collection page read without building a JSON tree: each item stays its own text (kept as
/// the record's raw JSON, decoded only for the fields a record needs).
#[derive(Deserialize)]
struct RawPage<'a> {
    #[serde(borrow)]
    value: Vec<&'a RawValue>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink")]
    delta_link: Option<String>,
}

impl<'a> RawPage<'a> {
    fn parse(resp: &'a RawResponse) -> Result<RawPage<'a>> {
        serde_json::from_slice(&resp.bytes).map_err(|e| Error::Decode {
            url: resp.url.path().to_owned(),
            message: format!("expected an OData collection (`value`): {e}"),
        })
    }

    fn next(&self, resp: &RawResponse) -> Result<Option<Url>> {
        odata_link_of(&resp.url, self.next_link.as_deref(), "@odata.nextLink")
    }

    fn delta(&self, resp: &RawResponse) -> Result<Option<Url>> {
        odata_link_of(&resp.url, self.delta_link.as_deref(), "@odata.deltaLink")
    }
}

/// Every item of a paged collection, read on its own task so that decoding runs on any core.
fn spawn_all(ctx: &Ctx, first: Url) -> tokio::task::JoinHandle<Result<Vec<Value>>> {
    let (http, auth) = (ctx.http.clone(), ctx.auth.clone());
    tokio::spawn(async move { read_all(&http, &auth, first).await })
}

/// Every item of a paged collection, following `@odata.nextLink`.
async fn read_all(
    http: &crate::http::Http,
    auth: &crate::http::Auth,
    first: Url,
) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    let mut next = Some(first);
    while let Some(url) = next {
        let resp = http.get(&url, auth).await?;
        next = odata_next(&resp)?;
        out.extend(take_values(resp)?);
    }
    Ok(out)
}

/// The result of a task from [`spawn_all`].
async fn joined(task: tokio::task::JoinHandle<Result<Vec<Value>>>) -> Result<Vec<Value>> {
    task.await
        .map_err(|e| Error::Config(format!("reader task: {e}")))?
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A resumable position: the stage of a phase, the page being read and how many of its
/// items are stored; for activities, the start time the stage was begun with.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
struct Position {
    stage: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(default)]
    index: usize,
    /// Files: the id of the first drive not read to its end (`index` is its place in the
    /// drives of the sites page; a resumed scan finds it by id if the list changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    drive_id: Option<String>,
}

impl Position {
    fn parse(s: Option<&str>) -> Option<Position> {
        serde_json::from_str(s?).ok()
    }

    fn at(stage: &str, url: Option<&Url>, index: usize) -> Position {
        Position {
            stage: stage.into(),
            url: url.map(Url::to_string),
            index,
            ..Position::default()
        }
    }

    fn encode(&self) -> Option<String> {
        serde_json::to_string(self).ok()
    }
}

fn parse_url(s: &str) -> Result<Url> {
    Url::parse(s).map_err(|e| Error::Config(format!("cursor: {e}")))
}

/// Whether a 403 is Graph's answer for a tenant without Entra ID P1/P2.
fn needs_premium(e: &Error) -> bool {
    matches!(e, Error::Forbidden(m) if m.contains("premium"))
}

impl M365 {
    pub fn new(tenant: &str, graph_url: Option<&str>) -> Result<M365> {
        let tenant = tenant.trim();
        if tenant.is_empty() || tenant.contains('/') || tenant.contains(' ') {
            return Err(Error::Config(format!(
                "\"{tenant}\" is not a tenant id or domain"
            )));
        }
        let graph_url = crate::paging::base_url(graph_url, DEFAULT_GRAPH_URL, "Graph URL")?;
        Ok(M365 {
            tenant: tenant.to_owned(),
            graph_url,
            delegated: false,
            holders: std::sync::Arc::default(),
        })
    }

    /// Whether the token is a signed-in user's (authorization code) rather than the app's.
    pub fn signed_in_user(mut self, delegated: bool) -> M365 {
        self.delegated = delegated;
        self
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<Url> {
        crate::paging::join(&self.graph_url, path, query)
    }

    /// Every item of a paged collection.
    async fn all(&self, ctx: &Ctx, first: Url) -> Result<Vec<Value>> {
        read_all(&ctx.http, &ctx.auth, first).await
    }

    /// Every item of the collection `path(id)` (with `query`) for each id, several ids at
    /// once, in the ids' order.
    async fn all_per(
        &self,
        ctx: &Ctx,
        ids: Vec<String>,
        path: impl Fn(&str) -> String,
        query: &[(&str, &str)],
    ) -> Vec<(String, Result<Vec<Value>>)> {
        use futures_util::StreamExt;
        let urls: Vec<(String, Result<Url>)> = ids
            .into_iter()
            .map(|id| {
                let url = self.url(&path(&id), query);
                (id, url)
            })
            .collect();
        futures_util::stream::iter(urls)
            .map(|(id, url)| async move {
                let list = match url {
                    Ok(u) => self.all(ctx, u).await,
                    Err(e) => Err(e),
                };
                (id, list)
            })
            .buffered(CONCURRENCY)
            .collect()
            .await
    }

    /// Reads a collection page by page from `pos` (or `first`), storing each page with the
    /// position after it; the phase ends with the list.
    async fn pages(
        &self,
        ctx: &Ctx,
        (stage, first): (&str, Url),
        pos: Option<&Position>,
        sink: &mut dyn Sink,
        map: &mut (dyn FnMut(Value, &mut Records) + Send),
    ) -> Result<()> {
        let (mut next, mut skip) = match pos.filter(|p| p.stage == stage) {
            Some(Position {
                url: Some(u),
                index,
                ..
            }) => (Some(parse_url(u)?), *index),
            _ => (Some(first), 0),
        };
        while let Some(url) = next {
            let resp = ctx.http.get(&url, &ctx.auth).await?;
            next = odata_next(&resp)?;
            let mut records = Records::default();
            for item in take_values(resp)?.into_iter().skip(skip) {
                map(item, &mut records);
            }
            skip = 0;
            let cursor = match &next {
                Some(u) => Position::at(stage, Some(u), 0).encode(),
                None => None,
            };
            sink.page(records, cursor).await?;
        }
        Ok(())
    }

    /// Probes one resource with the query options `query` (each operation takes only the
    /// options its documentation lists).
    async fn readable(
        &self,
        ctx: &Ctx,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<std::result::Result<(), Error>> {
        self.probe(ctx, self.url(path, query)?).await
    }

    /// Sends `url`: `Ok(Ok(()))` answered, `Ok(Err(_))` refused (403 or another status).
    async fn probe(&self, ctx: &Ctx, url: Url) -> Result<std::result::Result<(), Error>> {
        match ctx.http.get(&url, &ctx.auth).await {
            Ok(_) => Ok(Ok(())),
            Err(e @ (Error::Forbidden(_) | Error::Status { .. })) => Ok(Err(e)),
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl Connector for M365 {
    fn info(&self) -> ConnectorInfo {
        info()
    }

    fn api_base(&self) -> &Url {
        &self.graph_url
    }

    /// A delegated grant is one `oAuth2PermissionGrant` (oauth2permissiongrant-delete.md:
    /// `DELETE /oauth2PermissionGrants/{id}`, DelegatedPermissionGrant.ReadWrite.All); an
    /// application's permissions are its app role assignments on the API's service principal
    /// (serviceprincipal-delete-approleassignedto.md: `DELETE
    /// /servicePrincipals/{resource-SP-id}/appRoleAssignedTo/{id}`,
    /// AppRoleAssignment.ReadWrite.All).
    fn revoke_plan(&self, grant: &Revocation<'_>) -> Result<RevokePlan> {
        let seg =
            |s: &str| -> String { url::form_urlencoded::byte_serialize(s.as_bytes()).collect() };
        match grant.kind {
            GrantKind::Delegated => Ok(RevokePlan::Api(vec![RevokeStep {
                method: "DELETE",
                body: None,
                url: self.url(
                    &format!("oauth2PermissionGrants/{}", seg(grant.external_id)),
                    &[],
                )?,
                headers: Vec::new(),
                what: format!("delegated permission grant {}", grant.external_id),
            }])),
            GrantKind::Application => {
                let raw: Value = serde_json::from_str(grant.raw).unwrap_or(Value::Null);
                let resource = text(&raw, "resourceId").unwrap_or_default();
                let api = text(&raw, "resourceDisplayName").unwrap_or_else(|| resource.clone());
                let mut steps = Vec::new();
                for a in raw
                    .get("appRoleAssignments")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let (Some(id), false) = (text(a, "id"), resource.is_empty()) else {
                        continue;
                    };
                    steps.push(RevokeStep {
                        method: "DELETE",
                        body: None,
                        url: self.url(
                            &format!(
                                "servicePrincipals/{}/appRoleAssignedTo/{}",
                                seg(&resource),
                                seg(&id)
                            ),
                            &[],
                        )?,
                        headers: Vec::new(),
                        what: format!("application permission on {api} (assignment {id})"),
                    });
                }
                if steps.is_empty() {
                    return Err(Error::Config(
                        "this grant's stored record names no app role assignment: scan the instance again".into(),
                    ));
                }
                Ok(RevokePlan::Api(steps))
            }
        }
    }

    /// Governance through Microsoft Graph v1.0:
    /// - sign-out everywhere: `POST /users/{id}/revokeSignInSessions`
    ///   (user-revokesigninsessions.md; User.RevokeSessions.All);
    /// - block sign-in: `PATCH /users/{id}` with `{"accountEnabled": false}` (user-update.md;
    ///   User.EnableDisableAccount.All with User.Read.All, or User.ReadWrite.All);
    /// - remove a file's anyone-links and outsiders' access: `DELETE
    ///   /drives/{drive-id}/items/{item-id}/permissions/{perm-id}` (permission-delete.md;
    ///   Files.ReadWrite.All or Sites.ReadWrite.All), one per permission the scan read.
    fn governance_plan(&self, t: &GovernanceTarget<'_>) -> Result<RevokePlan> {
        let seg =
            |s: &str| -> String { url::form_urlencoded::byte_serialize(s.as_bytes()).collect() };
        let who = t.login.unwrap_or(t.external_id);
        match t.kind {
            GovernanceKind::RevokeSessions => Ok(RevokePlan::Api(vec![RevokeStep {
                method: "POST",
                url: self.url(
                    &format!("users/{}/revokeSignInSessions", seg(t.external_id)),
                    &[],
                )?,
                body: None,
                headers: Vec::new(),
                what: format!("sign {who} out of every session (refresh tokens revoked)"),
            }])),
            GovernanceKind::DisableAccount => Ok(RevokePlan::Api(vec![RevokeStep {
                method: "PATCH",
                url: self.url(&format!("users/{}", seg(t.external_id)), &[])?,
                body: Some(serde_json::json!({ "accountEnabled": false })),
                headers: Vec::new(),
                what: format!("block {who} from signing in (accountEnabled: false)"),
            }])),
            GovernanceKind::RemoveSharing => {
                let raw: Value = serde_json::from_str(t.raw).unwrap_or(Value::Null);
                let (Some(drive), Some(item)) =
                    (ptr(&raw, "/parentReference/driveId"), text(&raw, "id"))
                else {
                    return Err(Error::Config(
                        "this file's stored record names no drive: scan the instance again".into(),
                    ));
                };
                let mut steps = Vec::new();
                for p in raw
                    .get("permissions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let Some(id) = text(p, "id") else {
                        continue;
                    };
                    let roles = p.get("roles").and_then(Value::as_array);
                    if roles.is_some_and(|r| r.iter().any(|x| x.as_str() == Some("owner"))) {
                        continue;
                    }
                    let anonymous = ptr(p, "/link/scope").as_deref() == Some("anonymous");
                    let grantees: Vec<String> = ["/grantedToV2/user/email", "/invitation/email"]
                        .iter()
                        .filter_map(|q| ptr(p, q))
                        .chain(
                            p.get("grantedToIdentitiesV2")
                                .and_then(Value::as_array)
                                .into_iter()
                                .flatten()
                                .filter_map(|g| ptr(g, "/user/email")),
                        )
                        .collect();
                    let outside: Vec<&String> = grantees
                        .iter()
                        .filter(|g| t.external.iter().any(|e| e.eq_ignore_ascii_case(g)))
                        .collect();
                    if !anonymous && outside.is_empty() {
                        continue;
                    }
                    steps.push(RevokeStep {
                        method: "DELETE",
                        url: self.url(
                            &format!(
                                "drives/{}/items/{}/permissions/{}",
                                seg(&drive),
                                seg(&item),
                                seg(&id)
                            ),
                            &[],
                        )?,
                        body: None,
                        headers: Vec::new(),
                        what: if anonymous {
                            format!("the anyone-link {id}")
                        } else {
                            format!(
                                "access of {}",
                                outside
                                    .iter()
                                    .map(|s| s.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        },
                    });
                }
                if steps.is_empty() {
                    return Ok(RevokePlan::Manual(
                        "the scan found no anyone-link and no outsider on this file: nothing to remove".into(),
                    ));
                }
                Ok(RevokePlan::Api(steps))
            }
            GovernanceKind::RemoveOutsideCollaborator => Ok(RevokePlan::Manual(
                "outside collaborators are a GitHub notion: in Microsoft 365, block the guest or remove the file's sharing".into(),
            )),
        }
    }

    async fn permissions(&self, ctx: &Ctx) -> Result<Permissions> {
        let org = match ctx
            .http
            .get(
                &self.url("organization", &[("$select", "id,displayName")])?,
                &ctx.auth,
            )
            .await
        {
            Err(Error::Status {
                status: 400 | 404, ..
            }) => {
                return Err(Error::Config(format!(
                    "tenant \"{}\" not found, or the credential belongs to another tenant",
                    self.tenant
                )))
            }
            other => other?,
        };
        let org_name = values(&org)?
            .first()
            .and_then(|o| text(o, "displayName"))
            .unwrap_or_else(|| self.tenant.clone());
        // A delegated token belongs to a signed-in administrator (`/me` is valid for
        // delegated tokens only).
        let principal = if self.delegated {
            let me = ctx
                .http
                .get(
                    &self.url("me", &[("$select", "id,userPrincipalName")])?,
                    &ctx.auth,
                )
                .await?;
            format!(
                "{} ({org_name})",
                text(&me.body, "userPrincipalName").unwrap_or_default()
            )
        } else {
            format!("app registration ({org_name})")
        };
        let mut checks = Vec::new();
        let mut check = |name: &str, probe: std::result::Result<(), Error>, phases, fix: &str| {
            checks.push(PermissionCheck {
                name: name.into(),
                granted: probe.is_ok(),
                phases,
                fix: Some(fix.into()),
                licence: false,
            })
        };
        check(
            "User.Read.All (users)",
            self.readable(ctx, "users", &[("$select", "id"), ("$top", "1")])
                .await?,
            vec![Phase::Accounts],
            "grant User.Read.All to the app registration and give admin consent",
        );
        check(
            "GroupMember.Read.All (groups and members)",
            self.readable(ctx, "groups", &[("$select", "id"), ("$top", "1")])
                .await?,
            vec![Phase::Groups],
            "grant GroupMember.Read.All (or Group.Read.All) and give admin consent",
        );
        check(
            "RoleManagement.Read.Directory (admin roles)",
            self.readable(
                ctx,
                "roleManagement/directory/roleAssignments",
                &[("$select", "id")],
            )
            .await?,
            vec![Phase::Privileges],
            "grant RoleManagement.Read.Directory and give admin consent",
        );
        let audits = self
            .readable(ctx, "auditLogs/directoryAudits", &[("$top", "1")])
            .await?;
        let audit_ok = audits.is_ok();
        check(
            "AuditLog.Read.All (directory audits, sign-ins, MFA registration)",
            audits,
            vec![Phase::Activities],
            "grant AuditLog.Read.All and give admin consent",
        );
        check(
            "Sites.Read.All (OneDrive and SharePoint files)",
            self.probe(ctx, self.sites_url()?).await?,
            vec![Phase::Files],
            "grant Sites.Read.All and give admin consent",
        );
        let grants = self.readable(ctx, "oauth2PermissionGrants", &[]).await?;
        // The same query the scan sends: a probe without its `$select` would pass where the
        // scan's query is refused.
        let sps = self
            .probe(ctx, grants::service_principals_url(self, "1")?)
            .await?;
        check(
            "Directory.Read.All, Application.Read.All (OAuth apps)",
            grants.and(sps),
            vec![Phase::OauthGrants],
            "grant Directory.Read.All and Application.Read.All and give admin consent",
        );
        // Informational: the phases read the rest without them.
        check(
            "AuditLogsQuery.Read.All (file, sharing and mailbox activity)",
            self.readable(ctx, "security/auditLog/queries", &[]).await?,
            vec![],
            "grant AuditLogsQuery.Read.All and give admin consent; the tenant needs a Microsoft 365 licence that includes auditing",
        );
        check(
            "RoleEligibilitySchedule.Read.Directory, Entra ID P2 (eligible administrators)",
            self.readable(
                ctx,
                "roleManagement/directory/roleEligibilityScheduleInstances",
                &[("$select", "id")],
            )
            .await?,
            vec![],
            roles::ELIGIBLE_FIX,
        );
        if audit_ok {
            let sign_ins = self
                .readable(ctx, "auditLogs/signIns", &[("$top", "1")])
                .await?;
            checks.push(PermissionCheck {
                name: "Microsoft Entra ID P1 or P2 (sign-in logs, last sign-in)".into(),
                granted: sign_ins.is_ok(),
                // Directory audits are read without it: no phase is skipped.
                phases: vec![],
                fix: Some(
                    "sign-in logs and last sign-in times need an Entra ID P1 or P2 licence in the tenant"
                        .into(),
                ),
                licence: true,
            });
        }
        Ok(Permissions {
            principal,
            checks,
            checked_at_ms: None,
        })
    }

    async fn scan(
        &self,
        ctx: &Ctx,
        phase: Phase,
        start: PhaseStart,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let pos = Position::parse(start.resume.as_deref());
        match phase {
            Phase::Accounts => self.scan_accounts(ctx, pos, sink).await,
            Phase::Groups => self.scan_groups(ctx, pos, sink).await,
            Phase::Privileges => self.scan_privileges(ctx, pos, sink).await,
            Phase::Activities => self.scan_activities(ctx, start, sink).await,
            Phase::Files => {
                self.scan_files(ctx, pos, start.state.as_deref(), sink)
                    .await
            }
            Phase::OauthGrants => self.scan_grants(ctx, pos, sink).await,
        }
    }
}

/// The activity-log category of a Microsoft 365 activity: directory audit activity names
/// ("Add member to group"), sign-ins and unified audit log operations ("FileDownloaded",
/// "SharingSet", "MailItemsAccessed"; learn.microsoft.com "Audit log activities").
pub fn categorize(action: &str) -> crate::normalize::Category {
    use crate::normalize::Category::*;
    crate::normalize::first_match(
        action,
        &[
            (
                SignIn,
                &[
                    "sign-in*",
                    "userloggedin",
                    "userloginfailed",
                    "mailboxlogin",
                    "*signin*",
                ],
            ),
            (
                Oauth,
                &[
                    "consent to application*",
                    "*oauth2permissiongrant*",
                    "add app role assignment*",
                    "*delegated permission grant*",
                    "add service principal*",
                    "add application*",
                ],
            ),
            (
                Sharing,
                &[
                    "sharing*",
                    "anonymouslink*",
                    "companylink*",
                    "securelink*",
                    "addedtosecurelink",
                    "sharinginvitation*",
                    "accessinvitation*",
                ],
            ),
            (File, &["file*", "folder*", "page*", "listitem*"]),
            (
                Mail,
                &[
                    "mailitems*",
                    "send",
                    "sendas",
                    "sendonbehalf",
                    "movetodeleteditems",
                    "softdelete",
                    "harddelete",
                    "*inboxrule*",
                    "*mailbox*",
                ],
            ),
            (
                Membership,
                &[
                    "add member to group",
                    "remove member from group",
                    "add owner to group",
                    "remove owner from group",
                ],
            ),
            (
                Admin,
                &[
                    "add member to role*",
                    "remove member from role*",
                    "add user",
                    "update user",
                    "delete user",
                    "disable account",
                    "enable account",
                    "reset user password",
                    "reset password*",
                    "change user password",
                    "*policy*",
                    "add group",
                    "delete group",
                    "update group",
                    "*domain*",
                    "*role*",
                ],
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn endpoints_and_urls() {
        let ep = endpoints("contoso.onmicrosoft.com", " cid ", None, None);
        assert_eq!(
            ep.token_url,
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        assert_eq!(ep.client_id, "cid");
        let m = M365::new("t1", Some("http://127.0.0.1:9/v1.0")).unwrap();
        assert_eq!(
            m.url("users", &[("$top", "999")]).unwrap().as_str(),
            "http://127.0.0.1:9/v1.0/users?%24top=999"
        );
        assert!(M365::new("", None).is_err());
        assert!(M365::new("a/b", None).is_err());
    }
}
