//! GitHub (Enterprise Cloud, github.com organisations, and GitHub Enterprise Server through
//! `api_url`): org members with their role, outside collaborators, teams and members, org
//! owners, the org audit log (Enterprise Cloud), repositories as files with visibility and
//! collaborators, GitHub App installations and SAML credential authorizations.
//!
//! Endpoints (REST, `application/vnd.github+json`, version 2022-11-28): `GET /user`,
//! `/orgs/{org}`, `/orgs/{org}/members?role=`, `/orgs/{org}/outside_collaborators`,
//! `/orgs/{org}/teams`, `/orgs/{org}/teams/{slug}/members?role=`, `/orgs/{org}/audit-log`,
//! `/orgs/{org}/repos`, `/repos/{owner}/{repo}/collaborators`, `/orgs/{org}/installations`,
//! `/orgs/{org}/credential-authorizations`. Pages of 100 follow the `Link` header.

use std::collections::HashSet;

use async_trait::async_trait;
use futures_util::StreamExt;
use serde_json::{json, Value};
use url::Url;

use crate::dates::{format_rfc3339, parse_rfc3339_ms};
use crate::http::Response;
use crate::model::*;
use crate::paging::link_next;
use crate::{Error, Result};

/// Requests in flight for per-item sub-resources (repository collaborators); GitHub asks for
/// no more than 100 concurrent requests.
const CONCURRENCY: usize = 16;

/// `ctx` with the media type and REST API version every request names
/// (getting-started-with-the-rest-api.md: "pass an `Accept` header with a value of
/// `application/vnd.github+json`" and "use [`X-GitHub-Api-Version`] to specify a version").
fn versioned(ctx: &Ctx) -> Result<Ctx> {
    Ok(Ctx {
        http: ctx.http.with_headers(VERSION_HEADERS)?,
        auth: ctx.auth.clone(),
    })
}

/// The media type and REST API version every request names (docs.github.com/rest/about-the-
/// rest-api/api-versions).
const VERSION_HEADERS: &[(&str, &str)] = &[
    ("accept", "application/vnd.github+json"),
    ("x-github-api-version", "2022-11-28"),
];

/// The public API of github.com.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

pub fn info() -> ConnectorInfo {
    ConnectorInfo {
        id: "github",
        name: "GitHub",
        auth: vec![
            AuthMethod::Token,
            AuthMethod::DeviceFlow,
            AuthMethod::AuthorizationCode,
        ],
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

/// A GitHub organisation.
#[derive(Debug, Clone)]
pub struct Github {
    pub org: String,
    /// `https://api.github.com`, `https://HOST/api/v3` for Enterprise Server, or a fake.
    pub api_url: Url,
}

fn ms(v: Option<&Value>) -> Option<i64> {
    let s = v?.as_str()?;
    parse_rfc3339_ms(s)
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn id_of(v: &Value) -> String {
    match v.get("id") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => text(v, "login").unwrap_or_default(),
    }
}

fn items(resp: &Response) -> Result<&Vec<Value>> {
    resp.body.as_array().ok_or_else(|| Error::Decode {
        url: resp.url.path().to_owned(),
        message: "expected a JSON array".into(),
    })
}

/// A resumable position: the page URL being read and how many of its items are stored.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Position {
    stage: String,
    url: Option<String>,
    index: usize,
}

impl Position {
    fn parse(s: Option<&str>) -> Option<Position> {
        serde_json::from_str(s?).ok()
    }

    fn encode(&self) -> Option<String> {
        serde_json::to_string(self).ok()
    }
}

/// A list read as one stage of a phase: its first page, and whether the phase ends with it.
struct List<'a> {
    stage: &'a str,
    first: Url,
    last: bool,
}

impl Github {
    pub fn new(org: &str, api_url: Option<&str>) -> Result<Github> {
        let org = org.trim();
        if org.is_empty() || org.contains('/') {
            return Err(Error::Config(format!(
                "\"{org}\" is not a GitHub organisation name"
            )));
        }
        let api_url = crate::paging::base_url(api_url, DEFAULT_API_URL, "API URL")?;
        Ok(Github {
            org: org.to_owned(),
            api_url,
        })
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<Url> {
        crate::paging::join(&self.api_url, path, query)
    }

    fn org_path(&self, rest: &str) -> String {
        format!("orgs/{}/{rest}", self.org)
    }

    /// Every item of a paginated list.
    async fn all(&self, ctx: &Ctx, first: Url) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut next = Some(first);
        while let Some(url) = next {
            let resp = ctx.http.get(&url, &ctx.auth).await?;
            out.extend(items(&resp)?.iter().cloned());
            next = link_next(&resp)?;
        }
        Ok(out)
    }

    /// Logins of the members with `role` (`admin`, `all`).
    async fn member_logins(&self, ctx: &Ctx, role: &str) -> Result<HashSet<String>> {
        let url = self.url(
            &self.org_path("members"),
            &[("role", role), ("per_page", "100")],
        )?;
        Ok(self
            .all(ctx, url)
            .await?
            .iter()
            .filter_map(|m| text(m, "login"))
            .collect())
    }

    /// Logins of a list (`members`, `outside_collaborators`) without a second factor, or
    /// `None` when GitHub will not say: only organisation owners may filter by two-factor
    /// authentication ("These options are only available for organization owners",
    /// https://docs.github.com/rest/orgs/members#list-organization-members and
    /// https://docs.github.com/rest/orgs/outside-collaborators).
    async fn without_two_factor(&self, ctx: &Ctx, list: &str) -> Result<Option<HashSet<String>>> {
        let url = self.url(
            &self.org_path(list),
            &[("filter", "2fa_disabled"), ("per_page", "100")],
        )?;
        match self.all(ctx, url).await {
            Ok(people) => Ok(Some(
                people.iter().filter_map(|m| text(m, "login")).collect(),
            )),
            Err(Error::Forbidden(_) | Error::Status { status: 422, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn account(&self, m: &Value, kind: &str, admin: bool) -> Account {
        Account {
            external_id: id_of(m),
            login: text(m, "login").unwrap_or_default(),
            display_name: text(m, "name"),
            email: text(m, "email"),
            kind: if m.get("type").and_then(Value::as_str) == Some("Bot") {
                "bot".into()
            } else {
                kind.into()
            },
            status: "active".into(),
            is_admin: admin,
            created_at_ms: ms(m.get("created_at")),
            last_sign_in_ms: None,
            mfa: None,
            raw: Raw::of(m),
        }
    }

    /// Reads a paginated list from `pos` (or `first`), storing each page with the position
    /// after it, mapping items with `map`.
    async fn pages(
        &self,
        ctx: &Ctx,
        list: List<'_>,
        pos: Option<&Position>,
        sink: &mut dyn Sink,
        map: &mut (dyn FnMut(&Value, &mut Records) + Send),
    ) -> Result<()> {
        let List {
            stage,
            first,
            last: last_stage,
        } = list;
        let (mut next, mut skip) = match pos.filter(|p| p.stage == stage) {
            Some(Position {
                url: Some(u),
                index,
                ..
            }) => (
                Some(Url::parse(u).map_err(|e| Error::Config(format!("cursor: {e}")))?),
                *index,
            ),
            _ => (Some(first), 0),
        };
        while let Some(url) = next {
            let resp = ctx.http.get(&url, &ctx.auth).await?;
            let mut records = Records::default();
            for item in items(&resp)?.iter().skip(skip) {
                map(item, &mut records);
            }
            skip = 0;
            next = link_next(&resp)?;
            let cursor = match &next {
                Some(u) => Position {
                    stage: stage.into(),
                    url: Some(u.to_string()),
                    index: 0,
                }
                .encode(),
                None if last_stage => None,
                None => Position {
                    stage: format!("{stage}:done"),
                    url: None,
                    index: 0,
                }
                .encode(),
            };
            sink.page(records, cursor).await?;
        }
        Ok(())
    }

    async fn scan_accounts(
        &self,
        ctx: &Ctx,
        pos: Option<Position>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let admins = self.member_logins(ctx, "admin").await?;
        let member_2fa_off = self.without_two_factor(ctx, "members").await?;
        let done_members = pos
            .as_ref()
            .is_some_and(|p| p.stage == "members:done" || p.stage == "outside");
        if !done_members {
            let url = self.url(
                &self.org_path("members"),
                &[("role", "all"), ("per_page", "100")],
            )?;
            self.pages(
                ctx,
                List {
                    stage: "members",
                    first: url,
                    last: false,
                },
                pos.as_ref(),
                sink,
                &mut |m, r| {
                    let login = text(m, "login");
                    let admin = login.as_ref().is_some_and(|l| admins.contains(l));
                    let mut account = self.account(m, "user", admin);
                    account.mfa = member_2fa_off
                        .as_ref()
                        .map(|off| login.as_ref().is_none_or(|l| !off.contains(l)));
                    r.accounts.push(account);
                },
            )
            .await?;
        }
        let outside_2fa_off = self
            .without_two_factor(ctx, "outside_collaborators")
            .await?;
        let url = self.url(
            &self.org_path("outside_collaborators"),
            &[("per_page", "100")],
        )?;
        match self
            .pages(
                ctx,
                List {
                    stage: "outside",
                    first: url,
                    last: true,
                },
                pos.as_ref(),
                sink,
                &mut |m, r| {
                    let mut account = self.account(m, "guest", false);
                    account.mfa = outside_2fa_off
                        .as_ref()
                        .map(|off| text(m, "login").is_none_or(|l| !off.contains(&l)));
                    r.accounts.push(account);
                },
            )
            .await
        {
            // Only org owners may list outside collaborators: the members are stored; say so.
            Err(Error::Forbidden(m)) => Err(Error::Forbidden(format!(
                "outside collaborators need an organisation owner's token: {m}"
            ))),
            other => other,
        }
    }

    async fn scan_groups(
        &self,
        ctx: &Ctx,
        pos: Option<Position>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        // One stored page per team: the team and its memberships.
        let (mut next, mut skip) = match &pos {
            Some(Position {
                url: Some(u),
                index,
                ..
            }) => (
                Some(Url::parse(u).map_err(|e| Error::Config(format!("cursor: {e}")))?),
                *index,
            ),
            _ => (
                Some(self.url(&self.org_path("teams"), &[("per_page", "100")])?),
                0,
            ),
        };
        while let Some(url) = next {
            let resp = ctx.http.get(&url, &ctx.auth).await?;
            let teams = items(&resp)?.clone();
            let after = link_next(&resp)?;
            for (i, team) in teams.iter().enumerate().skip(skip) {
                let slug = text(team, "slug").unwrap_or_default();
                let gid = id_of(team);
                let members_path = self.org_path(&format!("teams/{slug}/members"));
                let maintainers: HashSet<String> = self
                    .all(
                        ctx,
                        self.url(
                            &members_path,
                            &[("role", "maintainer"), ("per_page", "100")],
                        )?,
                    )
                    .await?
                    .iter()
                    .filter_map(|m| text(m, "login"))
                    .collect();
                let members = self
                    .all(
                        ctx,
                        self.url(&members_path, &[("role", "all"), ("per_page", "100")])?,
                    )
                    .await?;
                let mut records = Records::default();
                records.groups.push(Group {
                    external_id: gid.clone(),
                    name: text(team, "name").unwrap_or(slug),
                    description: text(team, "description"),
                    kind: text(team, "privacy"),
                    raw: Raw::of(team),
                });
                for m in &members {
                    let login = text(m, "login").unwrap_or_default();
                    records.memberships.push(Membership {
                        group_id: gid.clone(),
                        account_id: id_of(m),
                        role: if maintainers.contains(&login) {
                            "maintainer"
                        } else {
                            "member"
                        }
                        .into(),
                    });
                }
                let cursor = if i + 1 < teams.len() {
                    Position {
                        stage: "teams".into(),
                        url: Some(url.to_string()),
                        index: i + 1,
                    }
                    .encode()
                } else {
                    after.as_ref().and_then(|u| {
                        Position {
                            stage: "teams".into(),
                            url: Some(u.to_string()),
                            index: 0,
                        }
                        .encode()
                    })
                };
                sink.page(records, cursor).await?;
            }
            if teams.len() <= skip {
                // An empty (or already stored) page still ends the phase cleanly.
                let cursor = after.as_ref().and_then(|u| {
                    Position {
                        stage: "teams".into(),
                        url: Some(u.to_string()),
                        index: 0,
                    }
                    .encode()
                });
                sink.page(Records::default(), cursor).await?;
            }
            skip = 0;
            next = after;
        }
        Ok(())
    }

    async fn scan_privileges(&self, ctx: &Ctx, sink: &mut dyn Sink) -> Result<()> {
        let url = self.url(
            &self.org_path("members"),
            &[("role", "admin"), ("per_page", "100")],
        )?;
        let org = self.org.clone();
        self.pages(
            ctx,
            List {
                stage: "owners",
                first: url,
                last: true,
            },
            None,
            sink,
            &mut |m, r| {
                r.privileges.push(Privilege {
                    account_id: id_of(m),
                    role: "org_owner".into(),
                    scope: format!("org:{org}"),
                    raw: Raw::of(m),
                });
            },
        )
        .await
    }

    async fn scan_activities(
        &self,
        ctx: &Ctx,
        start: PhaseStart,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let first = match start.resume.as_deref().and_then(|s| Url::parse(s).ok()) {
            Some(u) => u,
            None => {
                let since = start.since_ms.unwrap_or(0);
                let phrase = format!("created:>={}", format_rfc3339(since));
                self.url(
                    &self.org_path("audit-log"),
                    &[
                        ("phrase", &phrase),
                        ("include", "all"),
                        ("order", "asc"),
                        ("per_page", "100"),
                    ],
                )?
            }
        };
        let mut next = Some(first);
        while let Some(url) = next {
            let resp = match ctx.http.get(&url, &ctx.auth).await {
                Err(Error::Status { status: 404, .. }) => {
                    return Err(Error::Unavailable(
                        "the organisation audit log needs GitHub Enterprise Cloud".into(),
                    ))
                }
                Err(Error::Forbidden(m)) => {
                    return Err(Error::Forbidden(format!(
                        "the audit log needs an organisation owner's token with read:audit_log: {m}"
                    )))
                }
                other => other?,
            };
            let mut records = Records::default();
            for e in items(&resp)? {
                let Some(occurred_at_ms) = e
                    .get("@timestamp")
                    .and_then(Value::as_i64)
                    .or_else(|| ms(e.get("created_at")))
                else {
                    continue;
                };
                records.activities.push(Activity {
                    event_id: text(e, "_document_id").unwrap_or_else(|| {
                        format!("{occurred_at_ms}:{}", text(e, "action").unwrap_or_default())
                    }),
                    occurred_at_ms,
                    actor: text(e, "actor"),
                    action: text(e, "action").unwrap_or_default(),
                    target: text(e, "repo")
                        .or_else(|| text(e, "user"))
                        .or_else(|| text(e, "team")),
                    ip: text(e, "actor_ip"),
                    user_agent: text(e, "user_agent"),
                    outcome: None,
                    raw: Raw::of(e),
                });
            }
            next = link_next(&resp)?.filter(|_| !items(&resp).map(Vec::is_empty).unwrap_or(true));
            sink.page(records, next.as_ref().map(Url::to_string))
                .await?;
        }
        Ok(())
    }

    async fn scan_files(
        &self,
        ctx: &Ctx,
        pos: Option<Position>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let members = self.member_logins(ctx, "all").await?;
        let (mut next, mut skip) = match &pos {
            Some(Position {
                url: Some(u),
                index,
                ..
            }) => (
                Some(Url::parse(u).map_err(|e| Error::Config(format!("cursor: {e}")))?),
                *index,
            ),
            _ => (
                Some(self.url(
                    &self.org_path("repos"),
                    &[("type", "all"), ("per_page", "100")],
                )?),
                0,
            ),
        };
        while let Some(url) = next {
            let resp = ctx.http.get(&url, &ctx.auth).await?;
            let repos = items(&resp)?.clone();
            let after = link_next(&resp)?;
            let mut records = Records::default();
            // Collaborators: one request per repository, a few at a time (in order).
            let names: Vec<String> = repos
                .iter()
                .skip(skip)
                .map(|r| text(r, "full_name").unwrap_or_default())
                .collect();
            let lists: Vec<Result<Vec<Value>>> = futures_util::stream::iter(names)
                .map(|full: String| async move {
                    let url = self.url(
                        &format!("repos/{full}/collaborators"),
                        &[("affiliation", "direct"), ("per_page", "100")],
                    )?;
                    self.all(ctx, url).await
                })
                .buffered(CONCURRENCY)
                .collect()
                .await;
            for (repo, list) in repos.iter().skip(skip).zip(lists) {
                let full = text(repo, "full_name").unwrap_or_default();
                let complete = list.is_ok();
                let collaborators: Vec<Collaborator> = match list {
                    Ok(list) => list
                        .iter()
                        .map(|c| {
                            let login = text(c, "login").unwrap_or_default();
                            Collaborator {
                                external: !members.contains(&login),
                                permission: text(c, "role_name").unwrap_or_else(|| "read".into()),
                                account: login,
                            }
                        })
                        .collect(),
                    // A repository the token may not administer: keep it without collaborators.
                    Err(Error::Forbidden(_) | Error::Status { status: 404, .. }) => Vec::new(),
                    Err(e) => return Err(e),
                };
                let visibility = text(repo, "visibility").unwrap_or_else(|| {
                    if repo.get("private").and_then(Value::as_bool) == Some(false) {
                        "public"
                    } else {
                        "private"
                    }
                    .into()
                });
                let sharing = match visibility.as_str() {
                    "public" => Sharing::Public,
                    _ if collaborators.iter().any(|c| c.external) => Sharing::External,
                    "internal" => Sharing::Internal,
                    _ => Sharing::Private,
                };
                records.files.push(FileItem {
                    collaborators_complete: complete,
                    container: None,
                    external_id: id_of(repo),
                    name: full,
                    url: text(repo, "html_url"),
                    owner: repo
                        .pointer("/owner/login")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    sharing,
                    collaborators,
                    modified_at_ms: ms(repo.get("pushed_at"))
                        .or_else(|| ms(repo.get("updated_at"))),
                    raw: Raw::of(repo),
                });
            }
            skip = 0;
            let cursor = after.as_ref().and_then(|u| {
                Position {
                    stage: "repos".into(),
                    url: Some(u.to_string()),
                    index: 0,
                }
                .encode()
            });
            sink.page(records, cursor).await?;
            next = after;
        }
        Ok(())
    }

    async fn scan_grants(&self, ctx: &Ctx, sink: &mut dyn Sink) -> Result<()> {
        // GitHub App installations: one page, wrapped.
        let mut next = Some(self.url(&self.org_path("installations"), &[("per_page", "100")])?);
        while let Some(url) = next {
            let resp = ctx.http.get(&url, &ctx.auth).await?;
            let mut records = Records::default();
            for i in resp
                .body
                .get("installations")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let scopes = i
                    .get("permissions")
                    .and_then(Value::as_object)
                    .map(|p| {
                        p.iter()
                            .map(|(k, v)| format!("{k}:{}", v.as_str().unwrap_or_default()))
                            .collect()
                    })
                    .unwrap_or_default();
                records.oauth_grants.push(OauthGrant {
                    // A GitHub App acts with its own installation token.
                    kind: GrantKind::Application,
                    external_id: format!("installation:{}", id_of(i)),
                    app_name: text(i, "app_slug").unwrap_or_default(),
                    app_id: i.get("app_id").map(|v| v.to_string()),
                    principal: None,
                    scopes,
                    granted_at_ms: ms(i.get("created_at")),
                    raw: Raw::of(i),
                });
            }
            next = link_next(&resp)?;
            sink.page(
                records,
                Some(json!({"stage": "installations:done"}).to_string()),
            )
            .await?;
        }
        // Credentials authorized for SAML single sign-on (Enterprise Cloud orgs with SAML).
        let mut next = Some(self.url(
            &self.org_path("credential-authorizations"),
            &[("per_page", "100")],
        )?);
        while let Some(url) = next {
            let resp = match ctx.http.get(&url, &ctx.auth).await {
                Err(Error::Status { status: 404, .. }) => break, // no SAML SSO: nothing to list
                other => other?,
            };
            let mut records = Records::default();
            for c in items(&resp)? {
                records.oauth_grants.push(OauthGrant {
                    kind: GrantKind::Delegated,
                    external_id: format!(
                        "credential:{}",
                        c.get("credential_id")
                            .map(Value::to_string)
                            .unwrap_or_default()
                    ),
                    app_name: text(c, "authorized_credential_title")
                        .or_else(|| text(c, "credential_type"))
                        .unwrap_or_default(),
                    app_id: text(c, "credential_type"),
                    principal: text(c, "login"),
                    scopes: c
                        .get("scopes")
                        .and_then(Value::as_array)
                        .map(|s| {
                            s.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default(),
                    granted_at_ms: ms(c.get("credential_authorized_at")),
                    raw: Raw::of(c),
                });
            }
            next = link_next(&resp)?;
            sink.page(records, None).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl Connector for Github {
    fn info(&self) -> ConnectorInfo {
        info()
    }

    fn api_base(&self) -> &Url {
        &self.api_url
    }

    /// A SAML SSO credential authorization is removed through the API (ghec.json `DELETE
    /// /orgs/{org}/credential-authorizations/{credential_id}`, "Remove a SAML SSO
    /// authorization for an organization", docs.github.com/enterprise-cloud@latest/rest/orgs/
    /// orgs, organization owners only); the credential stops working for the organisation.
    /// A GitHub App installation can be removed only by the app itself (`DELETE
    /// /app/installations/{id}` needs the app's JWT): an owner uninstalls it by hand.
    fn revoke_plan(&self, grant: &Revocation<'_>) -> Result<RevokePlan> {
        if let Some(id) = grant.external_id.strip_prefix("credential:") {
            let id = id.trim_matches('"');
            return Ok(RevokePlan::Api(vec![RevokeStep {
                method: "DELETE",
                body: None,
                url: self.url(
                    &self.org_path(&format!("credential-authorizations/{id}")),
                    &[],
                )?,
                headers: VERSION_HEADERS.to_vec(),
                what: format!("SAML SSO authorization of credential {id}"),
            }]));
        }
        let installation = grant
            .external_id
            .strip_prefix("installation:")
            .unwrap_or(grant.external_id);
        Ok(RevokePlan::Manual(format!(
            "GitHub lets only the app itself remove an installation: an organisation owner \
             uninstalls it at https://github.com/organizations/{}/settings/installations/{installation} \
             (Settings → GitHub Apps → Configure → Uninstall)",
            self.org
        )))
    }

    /// An outside collaborator is removed from every repository of the organisation through
    /// `DELETE /orgs/{org}/outside_collaborators/{username}` ("Remove outside collaborator
    /// from an organization", docs.github.com/rest/orgs/outside-collaborators; organisation
    /// owners only).
    fn governance_plan(&self, t: &GovernanceTarget<'_>) -> Result<RevokePlan> {
        match t.kind {
            GovernanceKind::RemoveOutsideCollaborator => {
                let login = t.login.unwrap_or(t.external_id);
                let seg: String = url::form_urlencoded::byte_serialize(login.as_bytes()).collect();
                Ok(RevokePlan::Api(vec![RevokeStep {
                    method: "DELETE",
                    url: self.url(&self.org_path(&format!("outside_collaborators/{seg}")), &[])?,
                    body: None,
                    headers: VERSION_HEADERS.to_vec(),
                    what: format!("remove {login} from every repository of {}", self.org),
                }]))
            }
            _ => Ok(RevokePlan::Manual(
                "GitHub has no such action through its API: an owner does it in the organisation's settings".into(),
            )),
        }
    }

    async fn permissions(&self, ctx: &Ctx) -> Result<Permissions> {
        let ctx = &versioned(ctx)?;
        let me = ctx.http.get(&self.url("user", &[])?, &ctx.auth).await?;
        let principal = text(&me.body, "login").unwrap_or_default();
        let scopes: HashSet<String> = me
            .header("x-oauth-scopes")
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        match ctx
            .http
            .get(&self.url(&format!("orgs/{}", self.org), &[])?, &ctx.auth)
            .await
        {
            Err(Error::Status { status: 404, .. }) => {
                return Err(Error::Config(format!(
                    "organisation \"{}\" not found, or the token cannot see it",
                    self.org
                )))
            }
            other => other?,
        };
        let probe = |path: String| async move {
            let url = self.url(&path, &[("per_page", "1")])?;
            Ok::<_, Error>(ctx.http.get(&url, &ctx.auth).await)
        };
        let mut checks = Vec::new();
        let has = |s: &str| scopes.is_empty() || scopes.contains(s);
        checks.push(PermissionCheck {
            name: "read:org (members, teams)".into(),
            granted: has("read:org") || has("admin:org") || has("write:org"),
            phases: vec![Phase::Accounts, Phase::Groups, Phase::Privileges],
            fix: Some("create the token with the read:org scope".into()),
            licence: false,
        });
        let outside = probe(self.org_path("outside_collaborators")).await?;
        checks.push(PermissionCheck {
            name: "organisation owner (outside collaborators, installations)".into(),
            granted: outside.is_ok(),
            phases: vec![Phase::OauthGrants],
            fix: Some("use a token of an organisation owner".into()),
            licence: false,
        });
        let audit = probe(self.org_path("audit-log")).await?;
        let (granted, fix) = match &audit {
            Ok(_) => (true, None),
            Err(Error::Status { status: 404, .. }) => (
                false,
                Some("the organisation audit log needs GitHub Enterprise Cloud; the other phases run without it".to_owned()),
            ),
            Err(_) => (false, Some("use an organisation owner's token with the read:audit_log scope".to_owned())),
        };
        checks.push(PermissionCheck {
            name: "audit log (Enterprise Cloud, read:audit_log)".into(),
            granted,
            phases: vec![Phase::Activities],
            licence: matches!(&audit, Err(Error::Status { status: 404, .. })),
            fix,
        });
        // Fine-grained tokens and GitHub App tokens carry no `X-OAuth-Scopes`: what they read
        // is set per permission (Metadata: read lists private repositories).
        checks.push(PermissionCheck {
            name: "private repositories and their collaborators (read)".into(),
            granted: has("repo"),
            phases: vec![],
            fix: Some(
                "a classic token or OAuth sign-in lists public repositories only (GitHub's one \
                 scope for private ones, repo, also grants write access); for private \
                 repositories read-only, use a fine-grained token with Repository permissions → \
                 Metadata: read on all repositories"
                    .into(),
            ),
            licence: false,
        });
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
        let ctx = &versioned(ctx)?;
        let pos = Position::parse(start.resume.as_deref());
        match phase {
            Phase::Accounts => self.scan_accounts(ctx, pos, sink).await,
            Phase::Groups => self.scan_groups(ctx, pos, sink).await,
            Phase::Privileges => self.scan_privileges(ctx, sink).await,
            Phase::Activities => self.scan_activities(ctx, start, sink).await,
            Phase::Files => self.scan_files(ctx, pos, sink).await,
            Phase::OauthGrants => self.scan_grants(ctx, sink).await,
        }
    }
}

/// The activity-log category of a GitHub audit log action (`repo.create`, `org.add_member`,
/// `oauth_authorization.create`…; docs.github.com "Audit log events for your organization").
pub fn categorize(action: &str) -> crate::normalize::Category {
    use crate::normalize::Category::*;
    crate::normalize::first_match(
        action,
        &[
            (
                SignIn,
                &[
                    "*login*",
                    "org.sso_response",
                    "*sso_response*",
                    "user.failed_login",
                ],
            ),
            (
                Oauth,
                &[
                    "oauth_application.*",
                    "oauth_authorization.*",
                    "oauth_access.*",
                    "integration_installation.*",
                    "integration.*",
                    "personal_access_token.*",
                    "org_credential_authorization.*",
                    "org.oauth_app_access_*",
                ],
            ),
            (
                Membership,
                &[
                    "org.add_member",
                    "org.remove_member",
                    "org.invite_member",
                    "org.update_member",
                    "org.add_outside_collaborator",
                    "org.remove_outside_collaborator",
                    "team.*",
                    "repo.add_member",
                    "repo.remove_member",
                    "repo.update_member",
                ],
            ),
            (
                Repository,
                &[
                    "repo.*",
                    "git.*",
                    "protected_branch.*",
                    "repository_*",
                    "pull_request*",
                    "public_key.*",
                    "deploy_key.*",
                    "environment.*",
                ],
            ),
            (
                Admin,
                &[
                    "org.*",
                    "business.*",
                    "hook.*",
                    "members_can_*",
                    "secret_scanning*",
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
    fn rejects_bad_config() {
        assert!(Github::new("", None).is_err());
        assert!(Github::new("a/b", None).is_err());
        let g = Github::new("acme", Some("http://127.0.0.1:9/api/v3")).unwrap();
        assert_eq!(
            g.url("orgs/acme/members", &[("role", "all")])
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9/api/v3/orgs/acme/members?role=all"
        );
    }
}
