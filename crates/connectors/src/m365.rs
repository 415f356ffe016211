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

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;

use serde_json::value::RawValue;

use crate::dates::{format_rfc3339, parse_rfc3339_ms};
use crate::http::{RawResponse, Response};
use crate::model::*;
use crate::oauth::Endpoints;
use crate::paging::{odata_link_of, odata_next};
use crate::{Error, Result};

mod events;

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
];

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

/// Audit-log windows read at once (sources × windows in flight).
const WINDOWS_IN_FLIGHT: usize = 8;
/// Windows per source: the span from `since` to now is cut in this many equal parts.
const WINDOWS_PER_SOURCE: i64 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Source {
    Audits,
    SignIns,
}

/// One time window of one audit source: `[from, to)` (`to: None` is open-ended, so events
/// that arrive during the scan are read), and the page to read next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Window {
    source: Source,
    from: i64,
    #[serde(default)]
    to: Option<i64>,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    done: bool,
}

/// The activities phase's cursor: every window's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Windows {
    windows: Vec<Window>,
}

impl Windows {
    /// `[since, now)` cut into equal windows per source; the last one stays open.
    fn split(since: i64, now: i64) -> Windows {
        let span = (now - since).max(0);
        // Short spans (incremental scans) are one window per source.
        let parts = if span >= 3_600_000 {
            WINDOWS_PER_SOURCE
        } else {
            1
        };
        let mut windows = Vec::new();
        for source in [Source::Audits, Source::SignIns] {
            for k in 0..parts {
                let from = since + span * k / parts;
                let to = (k + 1 < parts).then(|| since + span * (k + 1) / parts);
                windows.push(Window {
                    source,
                    from,
                    to,
                    next: None,
                    done: false,
                });
            }
        }
        Windows { windows }
    }
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

/// Drives read at once.
const DRIVES_IN_FLIGHT: usize = 8;
/// Drives finished between two keeps of the delta links.
const KEEP_EVERY_DRIVES: usize = 32;

/// A document library or OneDrive.
#[derive(Debug, Clone)]
struct Drive {
    id: String,
    web_url: String,
    owner: Option<String>,
}

/// A delta page of a drive, mapped.
struct DrivePage {
    records: Records,
    next: Option<Url>,
    delta: Option<Url>,
}

/// Reads the drives of one page of sites, several at once.
struct DriveReader<'a> {
    m365: &'a M365,
    ctx: &'a Ctx,
    domains: &'a std::sync::Arc<Vec<String>>,
    sites_url: &'a str,
    /// The next page of sites (where the cursor points once every drive here is read).
    after: Option<&'a Url>,
    drives: &'a [Drive],
}

impl DriveReader<'_> {
    /// Reads `drives[first..]`: each from its kept delta link (only the changes since the last
    /// scan) or from its start; an expired link (410) reads the drive again from its start; a
    /// drive removed or closed meanwhile (403/404) is named in a note and skipped.
    async fn read(
        &self,
        first: usize,
        links: &mut HashMap<String, String>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let mut in_flight = futures_util::stream::FuturesUnordered::new();
        // Drives begun and not read to their end.
        let mut open = std::collections::BTreeSet::new();
        let mut next_drive = first;
        // Drives finished whose delta links are not kept yet.
        let mut unsaved = 0;
        loop {
            while open.len() < DRIVES_IN_FLIGHT && next_drive < self.drives.len() {
                let drive = &self.drives[next_drive];
                let url = match links.get(&drive.id) {
                    Some(link) => parse_url(link)?,
                    None => self.start_url(drive)?,
                };
                in_flight.push(self.page(next_drive, url));
                open.insert(next_drive);
                next_drive += 1;
            }
            let Some((i, url, page)) = in_flight.next().await else {
                if unsaved > 0 {
                    sink.keep(serde_json::to_string(&links).unwrap_or_default())
                        .await?;
                }
                return Ok(());
            };
            let drive = &self.drives[i];
            let page = match page {
                Ok(p) => p,
                Err(Error::Status { status: 410, .. }) if url != self.start_url(drive)? => {
                    sink.note("a drive's change token expired; it was read again in full".into());
                    links.remove(&drive.id);
                    in_flight.push(self.page(i, self.start_url(drive)?));
                    continue;
                }
                Err(Error::Forbidden(_) | Error::Status { status: 404, .. }) => {
                    links.remove(&drive.id);
                    sink.note(format!("the drive {} could not be read", drive.web_url));
                    open.remove(&i);
                    continue;
                }
                Err(e) => return Err(e),
            };
            match &page.next {
                Some(next) => in_flight.push(self.page(i, next.clone())),
                None => {
                    open.remove(&i);
                }
            }
            // Every drive before the first open one is read to its end.
            let lowest = open.first().copied().unwrap_or(next_drive);
            let cursor = match self.drives.get(lowest) {
                Some(d) => Position {
                    drive_id: Some(d.id.clone()),
                    ..Position::at("drives", Some(&parse_url(self.sites_url)?), lowest)
                },
                None => Position::at("drives", self.after, 0),
            };
            sink.page(page.records, cursor.encode()).await?;
            if let Some(link) = page.delta.filter(|_| page.next.is_none()) {
                links.insert(drive.id.clone(), link.to_string());
                unsaved += 1;
            }
            // The links are kept every few drives (the whole map each time), and at the end:
            // a drive finished since the last keep is read in full again after a kill, never
            // skipped.
            if unsaved >= KEEP_EVERY_DRIVES {
                sink.keep(serde_json::to_string(&links).unwrap_or_default())
                    .await?;
                unsaved = 0;
            }
        }
    }

    fn start_url(&self, drive: &Drive) -> Result<Url> {
        self.m365
            .url(&format!("drives/{}/root/delta", drive.id), &[])
    }

    /// One delta page of drive `i`, read, with the permissions of its shared items, and mapped
    /// on its own task.
    fn page(
        &self,
        i: usize,
        url: Url,
    ) -> impl std::future::Future<Output = (usize, Url, Result<DrivePage>)> {
        let (m365, http, auth) = (
            self.m365.clone(),
            self.ctx.http.clone(),
            self.ctx.auth.clone(),
        );
        let (drive, domains) = (self.drives[i].clone(), self.domains.clone());
        let task = tokio::spawn({
            let url = url.clone();
            async move { m365.drive_page(&http, &auth, &drive, &domains, &url).await }
        });
        async move {
            let page = match task.await {
                Ok(p) => p,
                Err(e) => Err(Error::Config(format!("drive reader: {e}"))),
            };
            (i, url, page)
        }
    }
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
        })
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<Url> {
        crate::paging::join(&self.graph_url, path, query)
    }

    /// Every item of a paged collection.
    async fn all(&self, ctx: &Ctx, first: Url) -> Result<Vec<Value>> {
        read_all(&ctx.http, &ctx.auth, first).await
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

    /// Object ids of the principals holding a directory role (empty without the permission).
    async fn admin_ids(&self, ctx: &Ctx) -> Result<HashSet<String>> {
        let url = self.url(
            "roleManagement/directory/roleAssignments",
            &[("$select", "principalId"), ("$top", PAGE)],
        )?;
        match self.all(ctx, url).await {
            Ok(list) => Ok(list.iter().filter_map(|a| text(a, "principalId")).collect()),
            Err(Error::Forbidden(_)) => Ok(HashSet::new()),
            Err(e) => Err(e),
        }
    }

    async fn scan_accounts(
        &self,
        ctx: &Ctx,
        pos: Option<Position>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let admins = self.admin_ids(ctx).await?;
        const FIELDS: &str =
            "id,userPrincipalName,displayName,mail,userType,accountEnabled,createdDateTime";
        let with_sign_in = format!("{FIELDS},signInActivity");
        let first = |select: &str| self.url("users", &[("$select", select), ("$top", PAGE)]);
        // The last sign-in needs AuditLog.Read.All and Entra ID P1/P2: without them Graph
        // refuses the whole request, so the list is read without it.
        let probe = ctx
            .http
            .get(
                &self.url("users", &[("$select", &with_sign_in), ("$top", "1")])?,
                &ctx.auth,
            )
            .await;
        let select = match probe {
            Ok(_) => with_sign_in.as_str(),
            Err(Error::Forbidden(m)) => {
                sink.note(if m.contains("premium") {
                    "last sign-in times need Microsoft Entra ID P1 or P2".to_owned()
                } else {
                    "last sign-in times need AuditLog.Read.All".to_owned()
                });
                FIELDS
            }
            Err(e) => return Err(e),
        };
        let map = &mut |u: Value, r: &mut Records| {
            let id = text(&u, "id").unwrap_or_default();
            let last = [
                "/signInActivity/lastSignInDateTime",
                "/signInActivity/lastNonInteractiveSignInDateTime",
            ]
            .iter()
            .filter_map(|p| ms(u.pointer(p)))
            .max();
            r.accounts.push(Account {
                login: text(&u, "userPrincipalName").unwrap_or_else(|| id.clone()),
                display_name: text(&u, "displayName"),
                email: text(&u, "mail"),
                kind: if text(&u, "userType").as_deref() == Some("Guest") {
                    "guest"
                } else {
                    "user"
                }
                .into(),
                status: if u.get("accountEnabled").and_then(Value::as_bool) == Some(false) {
                    "disabled"
                } else {
                    "active"
                }
                .into(),
                is_admin: admins.contains(&id),
                created_at_ms: ms(u.get("createdDateTime")),
                last_sign_in_ms: last,
                external_id: id,
                raw: Raw::of(&u),
            });
        };
        self.pages(ctx, ("users", first(select)?), pos.as_ref(), sink, map)
            .await
    }

    /// One stored page per group: the group, its members and its owners.
    async fn scan_groups(
        &self,
        ctx: &Ctx,
        pos: Option<Position>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let (mut next, mut skip) = match &pos {
            Some(Position {
                url: Some(u),
                index,
                ..
            }) => (Some(parse_url(u)?), *index),
            _ => (
                Some(self.url(
                    "groups",
                    &[
                        (
                            "$select",
                            "id,displayName,description,groupTypes,securityEnabled,mailEnabled,visibility,createdDateTime",
                        ),
                        ("$top", PAGE),
                    ],
                )?),
                0,
            ),
        };
        while let Some(url) = next {
            let resp = ctx.http.get(&url, &ctx.auth).await?;
            let groups = values(&resp)?.clone();
            let after = odata_next(&resp)?;
            let ids: Vec<String> = groups
                .iter()
                .skip(skip)
                .map(|g| text(g, "id").unwrap_or_default())
                .collect();
            let lists: Vec<Result<(Vec<Value>, Vec<Value>)>> = futures_util::stream::iter(ids)
                .map(|id: String| {
                    let q = [
                        ("$select", "id,userPrincipalName,displayName"),
                        ("$top", PAGE),
                    ];
                    let members = self
                        .url(&format!("groups/{id}/members"), &q)
                        .map(|u| spawn_all(ctx, u));
                    let owners = self
                        .url(&format!("groups/{id}/owners"), &q)
                        .map(|u| spawn_all(ctx, u));
                    async move { Ok((joined(members?).await?, joined(owners?).await?)) }
                })
                .buffered(CONCURRENCY)
                .collect()
                .await;
            for ((i, group), list) in groups.iter().enumerate().skip(skip).zip(lists) {
                let (members, owners) = list?;
                let gid = text(group, "id").unwrap_or_default();
                let unified = group
                    .get("groupTypes")
                    .and_then(Value::as_array)
                    .is_some_and(|t| t.iter().any(|v| v.as_str() == Some("Unified")));
                let mut records = Records::default();
                records.groups.push(Group {
                    external_id: gid.clone(),
                    name: text(group, "displayName").unwrap_or_else(|| gid.clone()),
                    description: text(group, "description"),
                    kind: Some(
                        if unified {
                            "m365"
                        } else if group.get("securityEnabled").and_then(Value::as_bool)
                            == Some(true)
                        {
                            "security"
                        } else {
                            "distribution"
                        }
                        .into(),
                    ),
                    raw: Raw::of(group),
                });
                let is_user = |o: &&Value| {
                    o.get("@odata.type")
                        .and_then(Value::as_str)
                        .is_none_or(|t| t == "#microsoft.graph.user")
                };
                let owner_ids: HashSet<String> = owners
                    .iter()
                    .filter(is_user)
                    .filter_map(|o| text(o, "id"))
                    .collect();
                let mut seen = HashSet::new();
                for m in members.iter().filter(is_user) {
                    let id = text(m, "id").unwrap_or_default();
                    seen.insert(id.clone());
                    records.memberships.push(Membership {
                        group_id: gid.clone(),
                        role: if owner_ids.contains(&id) {
                            "owner"
                        } else {
                            "member"
                        }
                        .into(),
                        account_id: id,
                    });
                }
                // Owners who are not members still control the group.
                for id in owner_ids.into_iter().filter(|id| !seen.contains(id)) {
                    records.memberships.push(Membership {
                        group_id: gid.clone(),
                        account_id: id,
                        role: "owner".into(),
                    });
                }
                let cursor = if i + 1 < groups.len() {
                    Position::at("groups", Some(&url), i + 1).encode()
                } else {
                    after
                        .as_ref()
                        .and_then(|u| Position::at("groups", Some(u), 0).encode())
                };
                sink.page(records, cursor).await?;
            }
            if groups.len() <= skip {
                let cursor = after
                    .as_ref()
                    .and_then(|u| Position::at("groups", Some(u), 0).encode());
                sink.page(Records::default(), cursor).await?;
            }
            skip = 0;
            next = after;
        }
        Ok(())
    }

    async fn scan_privileges(
        &self,
        ctx: &Ctx,
        pos: Option<Position>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let defs: HashMap<String, String> = self
            .all(
                ctx,
                self.url(
                    "roleManagement/directory/roleDefinitions",
                    &[("$select", "id,displayName,templateId")],
                )?,
            )
            .await?
            .iter()
            .filter_map(|d| Some((text(d, "id")?, text(d, "displayName")?)))
            .collect();
        let first = self.url(
            "roleManagement/directory/roleAssignments",
            &[
                (
                    "$select",
                    "id,principalId,roleDefinitionId,directoryScopeId",
                ),
                ("$top", PAGE),
            ],
        )?;
        self.pages(
            ctx,
            ("assignments", first),
            pos.as_ref(),
            sink,
            &mut |a, r| {
                let def = text(&a, "roleDefinitionId").unwrap_or_default();
                r.privileges.push(Privilege {
                    account_id: text(&a, "principalId").unwrap_or_default(),
                    role: defs.get(&def).cloned().unwrap_or(def),
                    scope: text(&a, "directoryScopeId").unwrap_or_else(|| "/".into()),
                    raw: Raw::of(&a),
                });
            },
        )
        .await
    }

    /// A directory audit event; `None` without an id or a time.
    fn audit_activity(raw: &RawValue) -> Result<Option<Activity>> {
        let e: events::Audit = events::parse(raw)?;
        let (Some(id), Some(at)) = (
            e.id,
            e.activity_date_time.as_deref().and_then(parse_rfc3339_ms),
        ) else {
            return Ok(None);
        };
        let user = e.initiated_by.as_ref().and_then(|i| i.user.as_ref());
        let target = e.target_resources.unwrap_or_default().into_iter().next();
        Ok(Some(Activity {
            event_id: id.into_owned(),
            occurred_at_ms: at,
            actor: user
                .and_then(|u| events::some(&u.user_principal_name))
                .or_else(|| {
                    e.initiated_by
                        .as_ref()
                        .and_then(|i| i.app.as_ref())
                        .and_then(|a| events::some(&a.display_name))
                }),
            action: events::some(&e.activity_display_name).unwrap_or_default(),
            target: target.and_then(|t| {
                events::some(&t.user_principal_name).or_else(|| events::some(&t.display_name))
            }),
            ip: user.and_then(|u| events::some(&u.ip_address)),
            raw: Raw::from_json(raw),
        }))
    }

    /// A sign-in (event ids prefixed `signin:`); `None` without an id or a time.
    fn sign_in_activity(raw: &RawValue) -> Result<Option<Activity>> {
        let e: events::SignIn = events::parse(raw)?;
        let (Some(id), Some(at)) = (
            e.id,
            e.created_date_time.as_deref().and_then(parse_rfc3339_ms),
        ) else {
            return Ok(None);
        };
        let failed = e.status.and_then(|s| s.error_code).is_some_and(|c| c != 0);
        Ok(Some(Activity {
            event_id: format!("signin:{id}"),
            occurred_at_ms: at,
            actor: events::some(&e.user_principal_name),
            action: if failed { "Sign-in failed" } else { "Sign-in" }.into(),
            target: events::some(&e.app_display_name),
            ip: events::some(&e.ip_address),
            raw: Raw::from_json(raw),
        }))
    }

    /// Directory audits and sign-ins from `since`, read as several time windows per source at
    /// once (Graph pages each window newest first; windows are independent, so their pages are
    /// fetched concurrently). Every stored page carries the state of all windows, so a killed
    /// scan resumes each window where it stopped, from the same start time.
    async fn scan_activities(
        &self,
        ctx: &Ctx,
        start: PhaseStart,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let mut state = match start
            .resume
            .as_deref()
            .and_then(|s| serde_json::from_str::<Windows>(s).ok())
        {
            Some(mut w) => {
                // A resumed run re-reads the open-ended windows it had finished: events may
                // have arrived since (duplicates are dropped by event id).
                for w in w.windows.iter_mut().filter(|w| w.to.is_none() && w.done) {
                    w.done = false;
                    w.next = None;
                }
                w
            }
            None => Windows::split(start.since_ms.unwrap_or(0), now_ms()),
        };
        // A window's next page is requested as soon as its previous one arrives; pages are
        // stored in the order they arrive (each cursor holds every window's position), so
        // reading goes on while earlier pages are written.
        let mut in_flight = futures_util::stream::FuturesUnordered::new();
        let mut busy = vec![false; state.windows.len()];
        loop {
            for (i, flag) in busy.iter_mut().enumerate() {
                if in_flight.len() >= WINDOWS_IN_FLIGHT {
                    break;
                }
                if *flag || state.windows[i].done {
                    continue;
                }
                *flag = true;
                let url = self.window_url(&state.windows[i])?;
                let (http, auth, source) =
                    (ctx.http.clone(), ctx.auth.clone(), state.windows[i].source);
                // Fetched, decoded and mapped on its own task: decoding uses every core.
                let task = tokio::spawn(async move {
                    let resp = http.get_raw(&url, &auth).await?;
                    let page = RawPage::parse(&resp)?;
                    let mut records = Records::default();
                    for e in &page.value {
                        records.activities.extend(match source {
                            Source::Audits => Self::audit_activity(e),
                            Source::SignIns => Self::sign_in_activity(e),
                        }?);
                    }
                    Ok::<_, Error>((records, page.next(&resp)?))
                });
                in_flight.push(async move { (i, task.await) });
            }
            let Some((i, page)) = in_flight.next().await else {
                return Ok(());
            };
            busy[i] = false;
            let source = state.windows[i].source;
            let page = page.map_err(|e| Error::Config(format!("audit-log reader: {e}")))?;
            let (records, next) = match page {
                Ok(r) => r,
                Err(e) if source == Source::SignIns && needs_premium(&e) => {
                    sink.note(
                        "sign-in logs need Microsoft Entra ID P1 or P2; directory audits were read"
                            .into(),
                    );
                    for w in state.windows.iter_mut().filter(|w| w.source == source) {
                        w.done = true;
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            let w = &mut state.windows[i];
            w.done = next.is_none();
            w.next = next.map(String::from);
            sink.page(records, serde_json::to_string(&state).ok())
                .await?;
        }
    }

    /// The page of a window to read next.
    fn window_url(&self, w: &Window) -> Result<Url> {
        if let Some(next) = &w.next {
            return parse_url(next);
        }
        let (path, field) = match w.source {
            Source::Audits => ("auditLogs/directoryAudits", "activityDateTime"),
            Source::SignIns => ("auditLogs/signIns", "createdDateTime"),
        };
        let mut filter = format!("{field} ge {}", format_rfc3339(w.from));
        if let Some(to) = w.to {
            filter.push_str(&format!(" and {field} lt {}", format_rfc3339(to)));
        }
        self.url(path, &[("$filter", &filter), ("$top", "1000")])
    }

    /// The tenant's verified domains: collaborators outside them are external.
    async fn domains(&self, ctx: &Ctx) -> Result<Vec<String>> {
        let resp = ctx
            .http
            .get(
                &self.url(
                    "organization",
                    &[("$select", "id,displayName,verifiedDomains")],
                )?,
                &ctx.auth,
            )
            .await?;
        Ok(values(&resp)?
            .iter()
            .flat_map(|o| {
                o.get("verifiedDomains")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|d| text(d, "name"))
            })
            .map(|d| d.to_ascii_lowercase())
            .collect())
    }

    /// The first page of sites: every site with application permissions (OneDrive personal
    /// sites included), the searchable ones with delegated permissions.
    async fn first_sites_url(&self, ctx: &Ctx, sink: &mut dyn Sink) -> Result<Url> {
        let all = self.url(
            "sites/getAllSites",
            &[("$select", "id,name,displayName,webUrl"), ("$top", PAGE)],
        )?;
        let probe = self.url("sites/getAllSites", &[("$select", "id"), ("$top", "1")])?;
        match ctx.http.get(&probe, &ctx.auth).await {
            Ok(_) => Ok(all),
            Err(Error::Status {
                status: 400 | 404, ..
            }) => {
                sink.note(
                    "signed in as a user, only SharePoint sites are listed: users' OneDrives need the app registration's application permissions (client credentials)".into(),
                );
                self.url(
                    "sites",
                    &[
                        ("search", "*"),
                        ("$select", "id,name,displayName,webUrl"),
                        ("$top", PAGE),
                    ],
                )
            }
            Err(e) => Err(e),
        }
    }

    /// Sites → drives → the items of each drive (delta), with the permissions of shared items.
    /// The drives of a sites page are read several at once (a page of one drive at a time per
    /// drive); one stored page per delta page. The cursor names the sites page and the first
    /// drive not yet read to its end (by index and id): a resumed scan reads that drive and
    /// the ones after it again (drives finished meanwhile from their kept delta links).
    async fn scan_files(
        &self,
        ctx: &Ctx,
        pos: Option<Position>,
        kept: Option<&str>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let domains = std::sync::Arc::new(self.domains(ctx).await?);
        // The delta link of every drive read to its end: the next scan reads only changes.
        let mut links: HashMap<String, String> = kept
            .and_then(|k| serde_json::from_str(k).ok())
            .unwrap_or_default();
        let mut pos = match pos.filter(|p| p.stage == "drives" && p.url.is_some()) {
            Some(p) => p,
            None => Position::at("drives", Some(&self.first_sites_url(ctx, sink).await?), 0),
        };
        while let Some(sites_url) = pos.url.clone() {
            let resp = ctx.http.get(&parse_url(&sites_url)?, &ctx.auth).await?;
            let after = odata_next(&resp)?;
            let drives = self.site_drives(ctx, &take_values(resp)?, sink).await?;
            // Resuming: the drive by id (libraries come and go), else by index.
            let first = pos
                .drive_id
                .as_deref()
                .and_then(|id| drives.iter().position(|d| d.id == id))
                .unwrap_or(pos.index);
            let reader = DriveReader {
                m365: self,
                ctx,
                domains: &domains,
                sites_url: &sites_url,
                after: after.as_ref(),
                drives: &drives,
            };
            reader.read(first, &mut links, sink).await?;
            pos = Position::at("drives", after.as_ref(), 0);
        }
        Ok(())
    }

    /// One delta page of a drive, with the permissions of its shared items (several at once),
    /// mapped to files; items reported deleted are listed as such.
    async fn drive_page(
        &self,
        http: &crate::http::Http,
        auth: &crate::http::Auth,
        drive: &Drive,
        domains: &[String],
        url: &Url,
    ) -> Result<DrivePage> {
        let resp = http.get_raw(url, auth).await?;
        let page = RawPage::parse(&resp)?;
        let mut deleted = Vec::new();
        // Each item decoded for its fields; its text is kept as the file's raw JSON.
        let mut items: Vec<(Value, &RawValue)> = Vec::with_capacity(page.value.len());
        for raw in &page.value {
            let item: Value = serde_json::from_str(raw.get()).map_err(|e| Error::Decode {
                url: resp.url.path().to_owned(),
                message: format!("a drive item: {e}"),
            })?;
            if item.get("deleted").is_some() {
                deleted.extend(text(&item, "id"));
            } else if item.get("root").is_none() {
                items.push((item, raw));
            }
        }
        let shared: Vec<String> = items
            .iter()
            .map(|(i, _)| i)
            .filter(|i| i.get("shared").is_some())
            .filter_map(|i| text(i, "id"))
            .collect();
        let mut perms: HashMap<String, Result<Vec<Value>>> = futures_util::stream::iter(shared)
            .map(|item: String| {
                let url = self.url(
                    &format!("drives/{}/items/{item}/permissions", drive.id),
                    &[],
                );
                async move {
                    let list = match url {
                        Ok(u) => read_all(http, auth, u).await,
                        Err(e) => Err(e),
                    };
                    (item, list)
                }
            })
            .buffered(CONCURRENCY)
            .collect()
            .await;
        let mut records = Records {
            deleted_files: deleted,
            ..Records::default()
        };
        for (item, raw) in items {
            let id = text(&item, "id").unwrap_or_default();
            let shared = item.get("shared").is_some();
            let permissions = match perms.remove(&id) {
                Some(Ok(p)) => Some(p),
                Some(Err(Error::Forbidden(_) | Error::Status { status: 404, .. })) | None => None,
                // A 401 or a cancel keeps its meaning (renew and continue, stop).
                Some(Err(e)) => return Err(e),
            };
            // Every collaborator is known when the permissions were read, or when the item is
            // not shared at all.
            let complete = permissions.is_some() || !shared;
            let mut file = file_item(
                &item,
                raw,
                permissions.as_deref(),
                domains,
                drive.owner.clone(),
            );
            file.collaborators_complete = complete;
            records.files.push(file);
        }
        Ok(DrivePage {
            records,
            next: page.next(&resp)?,
            delta: page.delta(&resp)?,
        })
    }

    /// The drives of a page of sites, in order (listed several sites at once). A site whose
    /// drives cannot be read is named in a note.
    async fn site_drives(
        &self,
        ctx: &Ctx,
        sites: &[Value],
        sink: &mut dyn Sink,
    ) -> Result<Vec<Drive>> {
        let urls: Vec<Result<Url>> = sites
            .iter()
            .map(|site| {
                let site_id = text(site, "id").unwrap_or_default();
                self.url(
                    &format!("sites/{site_id}/drives"),
                    &[("$select", "id,name,driveType,webUrl,owner")],
                )
            })
            .collect();
        let lists: Vec<Result<Vec<Value>>> = futures_util::stream::iter(urls)
            .map(|url| async move {
                match url {
                    Ok(u) => joined(spawn_all(ctx, u)).await,
                    Err(e) => Err(e),
                }
            })
            .buffered(CONCURRENCY)
            .collect()
            .await;
        let mut drives = Vec::new();
        for (site, list) in sites.iter().zip(lists) {
            match list {
                Ok(list) => drives.extend(list.iter().map(|d| {
                    Drive {
                        id: text(d, "id").unwrap_or_default(),
                        web_url: text(d, "webUrl").unwrap_or_default(),
                        owner: ptr(d, "/owner/user/email")
                            .or_else(|| ptr(d, "/owner/user/displayName"))
                            .or_else(|| ptr(d, "/owner/group/displayName")),
                    }
                })),
                Err(Error::Forbidden(_) | Error::Status { status: 404, .. }) => {
                    sink.note(format!(
                        "the drives of {} could not be read",
                        text(site, "webUrl")
                            .unwrap_or_else(|| text(site, "id").unwrap_or_default())
                    ));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(drives)
    }

    async fn scan_grants(
        &self,
        ctx: &Ctx,
        pos: Option<Position>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let principals: HashMap<String, Value> = self
            .all(
                ctx,
                self.url(
                    "servicePrincipals",
                    &[
                        (
                            "$select",
                            "id,appId,displayName,appOwnerOrganizationId,publisherName,verifiedPublisher",
                        ),
                        ("$top", PAGE),
                    ],
                )?,
            )
            .await?
            .into_iter()
            .filter_map(|sp| Some((text(&sp, "id")?, sp)))
            .collect();
        let first = self.url("oauth2PermissionGrants", &[("$top", PAGE)])?;
        self.pages(ctx, ("grants", first), pos.as_ref(), sink, &mut |g, r| {
            let client = text(&g, "clientId").unwrap_or_default();
            let sp = principals.get(&client);
            let resource = text(&g, "resourceId")
                .and_then(|id| principals.get(&id))
                .and_then(|sp| text(sp, "displayName"));
            let mut raw = g.clone();
            if let Some(obj) = raw.as_object_mut() {
                obj.insert("client".into(), sp.cloned().unwrap_or(Value::Null));
                obj.insert("resourceDisplayName".into(), json!(resource));
            }
            r.oauth_grants.push(OauthGrant {
                external_id: text(&g, "id").unwrap_or_default(),
                app_name: sp
                    .and_then(|sp| text(sp, "displayName"))
                    .unwrap_or_else(|| client.clone()),
                app_id: sp.and_then(|sp| text(sp, "appId")),
                principal: if text(&g, "consentType").as_deref() == Some("AllPrincipals") {
                    None
                } else {
                    text(&g, "principalId")
                },
                scopes: g
                    .get("scope")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
                granted_at_ms: ms(g.get("startTime")),
                raw: Raw::of(&raw),
            });
        })
        .await
    }

    /// Probes one resource with `$top=1`: `Ok(true)` readable, `Ok(false)` refused (403).
    async fn readable(&self, ctx: &Ctx, path: &str) -> Result<std::result::Result<(), Error>> {
        let url = self.url(path, &[("$top", "1")])?;
        match ctx.http.get(&url, &ctx.auth).await {
            Ok(_) => Ok(Ok(())),
            Err(e @ (Error::Forbidden(_) | Error::Status { .. })) => Ok(Err(e)),
            Err(e) => Err(e),
        }
    }
}

/// A drive item as a file, its sharing level from its permissions: an anonymous link is
/// public; a person outside the verified domains (or a guest account) makes it external; an
/// organization link internal; else private. Without readable permissions, the item's
/// `shared.scope` decides.
fn file_item(
    item: &Value,
    raw: &RawValue,
    permissions: Option<&[Value]>,
    domains: &[String],
    drive_owner: Option<String>,
) -> FileItem {
    let external = |email: &str| {
        let e = email.to_ascii_lowercase();
        if e.contains("#ext#") {
            return true;
        }
        let Some((_, domain)) = e.rsplit_once('@') else {
            return false;
        };
        !domains
            .iter()
            .any(|d| domain == d || domain.ends_with(&format!(".{d}")))
    };
    let mut collaborators = Vec::new();
    let mut link_scopes = HashSet::new();
    for p in permissions.unwrap_or_default() {
        let roles: Vec<&str> = p
            .get("roles")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if roles.contains(&"owner") {
            continue;
        }
        if let Some(scope) = ptr(p, "/link/scope") {
            link_scopes.insert(scope);
        }
        let permission = if roles.contains(&"write") {
            "write"
        } else {
            "read"
        };
        let mut people: Vec<&Value> = Vec::new();
        if let Some(u) = p.pointer("/grantedToV2/user") {
            people.push(u);
        }
        if let Some(list) = p.get("grantedToIdentitiesV2").and_then(Value::as_array) {
            people.extend(list.iter().filter_map(|i| i.get("user")));
        }
        let mut accounts: Vec<String> = people
            .iter()
            .filter_map(|u| text(u, "email").or_else(|| text(u, "displayName")))
            .collect();
        if accounts.is_empty() {
            accounts.extend(ptr(p, "/invitation/email"));
        }
        for account in accounts {
            if collaborators
                .iter()
                .any(|c: &Collaborator| c.account == account)
            {
                continue;
            }
            collaborators.push(Collaborator {
                external: external(&account),
                permission: permission.into(),
                account,
            });
        }
    }
    let shared_scope = ptr(item, "/shared/scope");
    let sharing = if link_scopes.contains("anonymous")
        || (permissions.is_none() && shared_scope.as_deref() == Some("anonymous"))
    {
        Sharing::Public
    } else if collaborators.iter().any(|c| c.external) {
        Sharing::External
    } else if link_scopes.contains("organization")
        || (permissions.is_none() && shared_scope.as_deref() == Some("organization"))
    {
        Sharing::Internal
    } else {
        Sharing::Private
    };
    let name = match (ptr(item, "/parentReference/path"), text(item, "name")) {
        (Some(parent), Some(name)) => {
            let parent = parent.split_once(":").map_or(parent.as_str(), |(_, p)| p);
            format!("{}/{name}", parent.trim_end_matches('/'))
        }
        (None, Some(name)) => name,
        _ => text(item, "id").unwrap_or_default(),
    };
    let external_id = text(item, "id").unwrap_or_default();
    let url = text(item, "webUrl");
    let owner = ptr(item, "/createdBy/user/email")
        .or(drive_owner)
        .or_else(|| ptr(item, "/createdBy/user/displayName"));
    let modified_at_ms = ms(item.get("lastModifiedDateTime"));
    // The item as received, with the permissions read for it.
    let raw = match permissions {
        Some(p) => Raw::with_field(raw, "permissions", p),
        None => Raw::from_json(raw),
    };
    FileItem {
        external_id,
        name,
        url,
        owner,
        sharing,
        collaborators_complete: permissions.is_some(),
        collaborators,
        modified_at_ms,
        raw,
    }
}

#[async_trait]
impl Connector for M365 {
    fn info(&self) -> ConnectorInfo {
        info()
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
        // A delegated token belongs to a signed-in administrator.
        let principal = match ctx.http.get(&self.url("me", &[])?, &ctx.auth).await {
            Ok(me) => format!(
                "{} ({org_name})",
                text(&me.body, "userPrincipalName").unwrap_or_default()
            ),
            Err(_) => format!("app registration ({org_name})"),
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
            self.readable(ctx, "users").await?,
            vec![Phase::Accounts],
            "grant User.Read.All to the app registration and give admin consent",
        );
        check(
            "GroupMember.Read.All (groups and members)",
            self.readable(ctx, "groups").await?,
            vec![Phase::Groups],
            "grant GroupMember.Read.All (or Group.Read.All) and give admin consent",
        );
        check(
            "RoleManagement.Read.Directory (admin roles)",
            self.readable(ctx, "roleManagement/directory/roleAssignments")
                .await?,
            vec![Phase::Privileges],
            "grant RoleManagement.Read.Directory and give admin consent",
        );
        let audits = self.readable(ctx, "auditLogs/directoryAudits").await?;
        let audit_ok = audits.is_ok();
        check(
            "AuditLog.Read.All (directory audits, sign-ins)",
            audits,
            vec![Phase::Activities],
            "grant AuditLog.Read.All and give admin consent",
        );
        check(
            "Sites.Read.All (OneDrive and SharePoint files)",
            self.readable(ctx, "sites?search=*").await?,
            vec![Phase::Files],
            "grant Sites.Read.All and give admin consent",
        );
        let grants = self.readable(ctx, "oauth2PermissionGrants").await?;
        let sps = self.readable(ctx, "servicePrincipals").await?;
        check(
            "Directory.Read.All, Application.Read.All (OAuth apps)",
            grants.and(sps),
            vec![Phase::OauthGrants],
            "grant Directory.Read.All and Application.Read.All and give admin consent",
        );
        if audit_ok {
            let sign_ins = self.readable(ctx, "auditLogs/signIns").await?;
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

    #[test]
    fn sharing_levels_from_permissions() {
        let domains = vec![
            "contoso.com".to_owned(),
            "contoso.onmicrosoft.com".to_owned(),
        ];
        let item = json!({"id": "1", "name": "a.docx", "parentReference": {"path": "/drive/root:/Docs"},
            "createdBy": {"user": {"email": "ann@contoso.com"}}, "shared": {"scope": "users"}});
        let owner = json!({"id": "o", "roles": ["owner"], "grantedToV2": {"user": {"email": "ann@contoso.com"}}});
        let internal_user = json!({"id": "p", "roles": ["write"], "grantedToV2": {"user": {"email": "bob@contoso.com"}}});
        let guest = json!({"id": "g", "roles": ["read"], "grantedToV2": {"user": {"email": "eve@fabrikam.com"}}});
        let org_link = json!({"id": "l", "roles": ["read"], "link": {"scope": "organization", "type": "view"}});
        let anon =
            json!({"id": "a", "roles": ["read"], "link": {"scope": "anonymous", "type": "view"}});

        let text = serde_json::value::to_raw_value(&item).unwrap();
        let perms = [owner.clone(), internal_user.clone()];
        let f = file_item(&item, &text, Some(&perms), &domains, None);
        assert_eq!(f.sharing, Sharing::Private);
        assert_eq!(f.name, "/Docs/a.docx");
        assert_eq!(f.owner.as_deref(), Some("ann@contoso.com"));
        assert_eq!(f.collaborators.len(), 1);
        assert!(!f.collaborators[0].external);
        assert_eq!(f.collaborators[0].permission, "write");
        // The raw JSON is the item with the permissions read for it.
        let mut expected = item.clone();
        expected["permissions"] = json!(perms);
        assert_eq!(f.raw.value(), expected);

        let f = file_item(&item, &text, Some(&[owner.clone(), guest]), &domains, None);
        assert_eq!(f.sharing, Sharing::External);
        assert!(f.collaborators[0].external);

        let f = file_item(
            &item,
            &text,
            Some(&[owner.clone(), org_link]),
            &domains,
            None,
        );
        assert_eq!(f.sharing, Sharing::Internal);

        let f = file_item(&item, &text, Some(&[owner, anon]), &domains, None);
        assert_eq!(f.sharing, Sharing::Public);

        // Permissions unreadable: the item's shared facet decides.
        let anon_text = r#"{"id":"2", "name":"b", "shared":{"scope":"anonymous"}}"#;
        let anon_raw = serde_json::value::RawValue::from_string(anon_text.into()).unwrap();
        let anon_item: Value = serde_json::from_str(anon_text).unwrap();
        let f = file_item(&anon_item, &anon_raw, None, &domains, None);
        assert_eq!(f.sharing, Sharing::Public);
        // Kept as received, not written back.
        assert_eq!(f.raw.as_str(), anon_text);
    }

    #[test]
    fn audit_windows_cover_the_span_without_gaps() {
        let w = Windows::split(1_000, 1_000 + 7 * 86_400_000);
        assert_eq!(w.windows.len(), 2 * WINDOWS_PER_SOURCE as usize);
        for source in [Source::Audits, Source::SignIns] {
            let mine: Vec<&Window> = w.windows.iter().filter(|x| x.source == source).collect();
            assert_eq!(mine[0].from, 1_000);
            for pair in mine.windows(2) {
                assert_eq!(pair[0].to, Some(pair[1].from), "contiguous");
            }
            assert_eq!(
                mine.last().unwrap().to,
                None,
                "the newest window stays open"
            );
        }
        // An incremental scan of a few minutes is one window per source.
        assert_eq!(Windows::split(0, 600_000).windows.len(), 2);
        // The cursor round-trips.
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(serde_json::from_str::<Windows>(&json).unwrap(), w);
    }

    #[test]
    fn activities_from_audits_and_sign_ins() {
        let raw = |text: &str| serde_json::value::RawValue::from_string(text.into()).unwrap();
        let audit = r#"{"id": "a1", "activityDateTime": "2024-05-01T10:00:00Z",
            "activityDisplayName": "Add member to \"Global Administrator\"", "extra": {"deep": [1, 2]},
            "initiatedBy": {"user": {"userPrincipalName": "ann@contoso.com", "ipAddress": "10.0.0.1"}, "app": null},
            "targetResources": [{"userPrincipalName": "bob@contoso.com"}, {"displayName": "Role"}]}"#;
        let a = M365::audit_activity(&raw(audit)).unwrap().unwrap();
        assert_eq!(a.event_id, "a1");
        assert_eq!(a.occurred_at_ms, 1_714_557_600_000);
        assert_eq!(a.action, r#"Add member to "Global Administrator""#);
        assert_eq!(a.actor.as_deref(), Some("ann@contoso.com"));
        assert_eq!(a.target.as_deref(), Some("bob@contoso.com"));
        assert_eq!(a.ip.as_deref(), Some("10.0.0.1"));
        assert_eq!(a.raw.as_str(), audit, "the event's own text is kept");
        // Done by an app: the app is the actor; no user, no address.
        let by_app = r#"{"id": "a2", "activityDateTime": "2024-05-01T10:00:00Z",
            "activityDisplayName": "Update application", "targetResources": null,
            "initiatedBy": {"user": null, "app": {"displayName": "Provisioning"}}}"#;
        let a = M365::audit_activity(&raw(by_app)).unwrap().unwrap();
        assert_eq!(a.actor.as_deref(), Some("Provisioning"));
        assert_eq!((a.target, a.ip), (None, None));
        let s = r#"{"id": "s1", "createdDateTime": "2024-05-01T10:00:00Z", "userPrincipalName": "bob@contoso.com",
            "appDisplayName": "Office 365 Exchange Online", "ipAddress": "10.0.0.2", "status": {"errorCode": 50126}}"#;
        let s = M365::sign_in_activity(&raw(s)).unwrap().unwrap();
        assert_eq!(s.event_id, "signin:s1");
        assert_eq!(s.action, "Sign-in failed");
        assert_eq!(s.target.as_deref(), Some("Office 365 Exchange Online"));
        // Without an id or a time there is no activity; a field of the wrong type is an error.
        assert!(M365::audit_activity(&raw(r#"{"id": "x"}"#))
            .unwrap()
            .is_none());
        let wrong = raw(
            r#"{"id": "s2", "createdDateTime": "2024-05-01T10:00:00Z", "status": {"errorCode": "x"}}"#,
        );
        assert!(matches!(
            M365::sign_in_activity(&wrong),
            Err(Error::Decode { .. })
        ));
    }
}
