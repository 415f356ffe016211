//! Third-party OAuth apps across instances: each with its permissions classified, the people
//! who granted it, and the analyst's decision; ban revokes its grants through the vendor's
//! API where the connector can (and says what to do by hand where it cannot), after a dry run
//! that shows exactly which grants and requests; every step goes to the audit log.

use std::collections::HashMap;

use cloudwarden_connectors::model::{Ctx, GrantKind, Revocation, RevokePlan};
use cloudwarden_connectors::Error as CError;

use super::connectors::http;
use super::{now_ms, Engine};
use crate::backend::{app_key, decode_cursor, encode_cursor, AppGrants};
use crate::domain::investigate::{
    BanReport, OauthAppFilter, OauthAppPage, OauthAppRow, OauthAppStatus, OauthPermission,
    PermissionLevel, RevokeOutcome, RevokeStepView,
};
use crate::permissions::classify;
use crate::{Error, Result};

impl Engine {
    /// OAuth apps across instances, highest permission level first, then most users.
    pub async fn oauth_apps(
        &self,
        filter: &OauthAppFilter,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<OauthAppPage> {
        let mut rows = self.all_oauth_apps().await?;
        let text = filter
            .text
            .as_deref()
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty());
        rows.retain(|r| {
            filter.level.is_none_or(|l| r.level == l)
                && filter.status.is_none_or(|s| r.status == s)
                && filter.app.as_deref().is_none_or(|a| r.app == a)
                && text.as_deref().is_none_or(|t| {
                    r.name.to_lowercase().contains(t)
                        || r.publisher
                            .as_deref()
                            .unwrap_or("")
                            .to_lowercase()
                            .contains(t)
                })
        });
        // Stable order and keyset: (level desc, users desc, key).
        let order = |r: &OauthAppRow| {
            (
                std::cmp::Reverse(r.level),
                std::cmp::Reverse(r.users),
                r.key.clone(),
            )
        };
        rows.sort_by_key(order);
        let after = cursor
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| {
                decode_cursor(c, "o1", 1)
                    .and_then(|p| p.into_iter().next())
                    .ok_or_else(|| {
                        Error::Validation("this cursor is not one the OAuth apps list gave".into())
                    })
            })
            .transpose()?;
        let start = match &after {
            Some(key) => rows
                .iter()
                .position(|r| r.key == *key)
                .map_or(rows.len(), |i| i + 1),
            None => 0,
        };
        let limit = limit.unwrap_or(100).clamp(1, 1_000) as usize;
        let items: Vec<OauthAppRow> = rows.into_iter().skip(start).take(limit + 1).collect();
        let (items, next) = if items.len() > limit {
            let mut items = items;
            items.truncate(limit);
            let next = items.last().map(|r| encode_cursor("o1", &[&r.key]));
            (items, next)
        } else {
            (items, None)
        };
        Ok(OauthAppPage {
            items,
            next_cursor: next,
        })
    }

    /// One OAuth app by key.
    pub async fn oauth_app(&self, key: &str) -> Result<OauthAppRow> {
        self.all_oauth_apps()
            .await?
            .into_iter()
            .find(|r| r.key == key)
            .ok_or_else(|| Error::NotFound(format!("OAuth app {key}")))
    }

    pub(crate) async fn all_oauth_apps(&self) -> Result<Vec<OauthAppRow>> {
        let apps = self.store.oauth_apps().await?;
        let mut permissions: HashMap<String, Vec<OauthPermission>> = HashMap::new();
        for (key, kind, name) in self.store.oauth_app_permissions().await? {
            let vendor = key.split(':').next().unwrap_or_default().to_owned();
            permissions
                .entry(key)
                .or_default()
                .push(classify(&vendor, &kind, &name));
        }
        Ok(apps
            .into_iter()
            .map(|a| {
                let key = app_key(&a.app, &a.app_ref);
                let mut perms = permissions.remove(&key).unwrap_or_default();
                perms.sort_by(|x, y| y.level.cmp(&x.level).then(x.name.cmp(&y.name)));
                row(a, key, perms)
            })
            .collect())
    }

    /// Approves an app (a mark for the analyst's team), or clears the decision (`None`).
    pub async fn set_oauth_app_status(
        &self,
        key: &str,
        status: OauthAppStatus,
    ) -> Result<OauthAppRow> {
        let app = self.oauth_app(key).await?;
        let now = now_ms();
        let stored = match status {
            OauthAppStatus::Unset => None,
            s => Some(s.as_str()),
        };
        self.store
            .set_oauth_app_status((key, &app.app, &app.name), stored, now)
            .await?;
        self.store
            .audit(
                &format!("oauth.{}", status.as_str()),
                key,
                &format!("{} marked {}", app.name, status.as_str()),
                now,
            )
            .await?;
        self.oauth_app(key).await
    }

    /// Bans an app: revokes every grant it holds through the vendor's API where the connector
    /// can, says what to do by hand where it cannot, and marks it banned. With `dry_run`
    /// nothing is sent or changed: the report lists each grant and the request that would
    /// revoke it.
    pub async fn ban_oauth_app(&self, key: &str, dry_run: bool) -> Result<BanReport> {
        let app = self.oauth_app(key).await?;
        let grants = self.store.oauth_app_grants(key).await?;
        let mut steps = Vec::new();
        // One connector and credential per instance.
        let mut by_instance: Vec<(String, Vec<_>)> = Vec::new();
        for g in grants {
            match by_instance.iter_mut().find(|(i, _)| *i == g.instance_id) {
                Some((_, list)) => list.push(g),
                None => by_instance.push((g.instance_id.clone(), vec![g])),
            }
        }
        for (instance, grants) in by_instance {
            let (_, connector, auth) = self.load(&instance).await?;
            let ctx = match (&auth, dry_run) {
                (Some(a), false) => Some(Ctx {
                    http: http()?.only_to(connector.api_base()),
                    auth: a.clone(),
                }),
                _ => None,
            };
            for g in grants {
                let kind = if g.kind == "application" {
                    GrantKind::Application
                } else {
                    GrantKind::Delegated
                };
                // Who granted it, by sign-in name where the account is known.
                let principal = match &g.principal {
                    Some(p) => Some(
                        self.store
                            .account_login(&g.instance_id, p)
                            .await?
                            .unwrap_or_else(|| p.clone()),
                    ),
                    None => None,
                };
                let view = |what: String,
                            request: Option<String>,
                            outcome,
                            detail: Option<String>| RevokeStepView {
                    instance_id: g.instance_id.clone(),
                    instance_name: g.instance_name.clone(),
                    grant_id: g.external_id.clone(),
                    principal: principal.clone(),
                    what,
                    request,
                    outcome,
                    detail,
                };
                let plan = connector.revoke_plan(&Revocation {
                    kind,
                    external_id: &g.external_id,
                    raw: &g.raw,
                });
                let plan = match plan {
                    Ok(p) => p,
                    Err(e) => {
                        steps.push(view(
                            format!("grant {}", g.external_id),
                            None,
                            RevokeOutcome::Failed,
                            Some(e.to_string()),
                        ));
                        continue;
                    }
                };
                match plan {
                    RevokePlan::Manual(how) => {
                        steps.push(view(
                            format!("grant {}", g.external_id),
                            None,
                            RevokeOutcome::Manual,
                            Some(how),
                        ));
                    }
                    RevokePlan::Api(requests) => {
                        let mut all_done = true;
                        for r in requests {
                            let request = format!("{} {}", r.method, r.url);
                            let Some(ctx) = &ctx else {
                                let outcome = if dry_run {
                                    RevokeOutcome::Planned
                                } else {
                                    RevokeOutcome::Failed
                                };
                                let detail = (!dry_run).then(|| {
                                    "the instance's credential is missing: reconnect it".to_owned()
                                });
                                all_done = false;
                                steps.push(view(r.what, Some(request), outcome, detail));
                                continue;
                            };
                            let sent = match ctx.http.with_headers(&r.headers) {
                                Ok(http) => http.delete(&r.url, &ctx.auth).await,
                                Err(e) => Err(e),
                            };
                            let (outcome, detail) = match sent {
                                Ok(_) => (RevokeOutcome::Revoked, None),
                                Err(CError::Status { status: 404, .. }) => (
                                    RevokeOutcome::AlreadyGone,
                                    Some("the vendor no longer had it".to_owned()),
                                ),
                                Err(CError::Forbidden(m)) => {
                                    all_done = false;
                                    (
                                        RevokeOutcome::Failed,
                                        Some(format!(
                                            "the vendor refused ({m}): the credential needs the right to remove grants \
                                             (Microsoft 365: DelegatedPermissionGrant.ReadWrite.All and \
                                             AppRoleAssignment.ReadWrite.All with admin consent; GitHub: an organisation owner)"
                                        )),
                                    )
                                }
                                Err(e) => {
                                    all_done = false;
                                    (RevokeOutcome::Failed, Some(e.to_string()))
                                }
                            };
                            self.store
                                .audit(
                                    "oauth.revoke",
                                    &format!("{}/{}", g.instance_id, g.external_id),
                                    &format!(
                                        "{request}: {outcome:?}{}",
                                        detail
                                            .as_deref()
                                            .map(|d| format!(" ({d})"))
                                            .unwrap_or_default()
                                    ),
                                    now_ms(),
                                )
                                .await?;
                            steps.push(view(r.what, Some(request), outcome, detail));
                        }
                        if !dry_run && all_done {
                            self.store
                                .remove_grant(&g.instance_id, &g.external_id)
                                .await?;
                        }
                    }
                }
            }
        }
        let now = now_ms();
        let count = |o: RevokeOutcome| steps.iter().filter(|s| s.outcome == o).count();
        if dry_run {
            self.store
                .audit(
                    "oauth.ban.dry_run",
                    key,
                    &format!(
                        "{}: {} requests would be sent, {} grants need action by hand",
                        app.name,
                        count(RevokeOutcome::Planned),
                        count(RevokeOutcome::Manual)
                    ),
                    now,
                )
                .await?;
        } else {
            self.store
                .set_oauth_app_status((key, &app.app, &app.name), Some("banned"), now)
                .await?;
            self.store
                .audit(
                    "oauth.ban",
                    key,
                    &format!(
                        "{} banned: {} revoked, {} already gone, {} failed, {} by hand",
                        app.name,
                        count(RevokeOutcome::Revoked),
                        count(RevokeOutcome::AlreadyGone),
                        count(RevokeOutcome::Failed),
                        count(RevokeOutcome::Manual)
                    ),
                    now,
                )
                .await?;
        }
        let app = if dry_run {
            app
        } else {
            self.oauth_app(key).await.unwrap_or(OauthAppRow {
                status: OauthAppStatus::Banned,
                grants: 0,
                ..app
            })
        };
        Ok(BanReport {
            app,
            dry_run,
            steps,
        })
    }
}

/// Microsoft's tenant: the owner of first-party applications.
const MICROSOFT_TENANT: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";

fn row(a: AppGrants, key: String, permissions: Vec<OauthPermission>) -> OauthAppRow {
    let level = permissions
        .iter()
        .map(|p| p.level)
        .max()
        .unwrap_or(PermissionLevel::Low);
    let org_wide = a.org_wide || permissions.iter().any(|p| p.kind == "application");
    let mut instances: Vec<String> = a
        .instances
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    instances.sort();
    instances.dedup();
    // Microsoft's own apps are registered in Microsoft's tenant (the `appOwnerOrganizationId`
    // of first-party service principals).
    let microsoft = a.owner_tenant.as_deref() == Some(MICROSOFT_TENANT);
    OauthAppRow {
        publisher_verified: a.verified_publisher.is_some() || microsoft,
        publisher: if microsoft {
            Some("Microsoft (first-party)".to_owned())
        } else {
            a.verified_publisher.or(a.publisher)
        },
        key,
        app: a.app,
        name: a.name,
        app_id: a.app_id,
        level,
        permissions,
        users: u32::try_from(a.users).unwrap_or(u32::MAX),
        org_wide,
        instances,
        grants: u32::try_from(a.grants).unwrap_or(u32::MAX),
        first_seen_ms: a.first_seen_ms,
        last_seen_ms: a.last_seen_ms,
        status: a
            .status
            .as_deref()
            .and_then(OauthAppStatus::parse)
            .unwrap_or(OauthAppStatus::Unset),
    }
}
