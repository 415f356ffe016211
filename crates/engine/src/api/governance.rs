//! Governance actions from an alert: sign a user out, block an account, remove a file's
//! public or external sharing, revoke an OAuth app's grants, remove a GitHub outside
//! collaborator or revoke a SAML SSO credential. Always explicit: a dry run shows every request
//! first, and the analyst confirms. The outcome of every request goes to the audit log and to
//! the alert's history; a failure is said there, never swallowed.

use cloudwarden_connectors::model::{
    Ctx, GovernanceKind, GovernanceTarget, GrantKind, Revocation, RevokePlan, RevokeStep,
};
use cloudwarden_connectors::Error as CError;

use super::connectors::http;
use super::{now_ms, Engine};
use crate::domain::connectors::InstanceStatus;
use crate::domain::investigate::{RevokeOutcome, RevokeStepView};
use crate::domain::policies::{
    ActionKind, ActionOption, ActionReport, AlertComment, Entity, EntityKind,
};
use crate::{Error, Result};

fn label(action: ActionKind, who: &str) -> String {
    match action {
        ActionKind::RevokeSessions => format!("Sign {who} out of every session"),
        ActionKind::DisableAccount => format!("Block {who} from signing in"),
        ActionKind::RevokeGrant => format!("Revoke every grant of {who}"),
        ActionKind::RemoveSharing => {
            format!("Remove the public links and outsiders' access to {who}")
        }
        ActionKind::RemoveOutsideCollaborator => {
            format!("Remove {who} from every repository of the organisation")
        }
        ActionKind::RevokeSamlCredential => {
            format!("Revoke {who}'s SAML SSO credential authorizations")
        }
    }
}

impl Engine {
    /// The governance actions an alert's entities allow, by the connector of their instance.
    pub async fn alert_actions(&self, alert_id: &str) -> Result<Vec<ActionOption>> {
        let alert = self
            .store
            .alert(alert_id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("alert {alert_id}")))?;
        let mut out = Vec::new();
        for e in &alert.entities {
            let app = match &e.instance_id {
                Some(i) => self.store.instance(i).await?.map(|r| r.app),
                None => None,
            };
            let actions: &[ActionKind] = match (e.kind, app.as_deref()) {
                (EntityKind::Account, Some("m365")) => {
                    &[ActionKind::RevokeSessions, ActionKind::DisableAccount]
                }
                (EntityKind::Account, Some("github")) => &[
                    ActionKind::RemoveOutsideCollaborator,
                    ActionKind::RevokeSamlCredential,
                ],
                (EntityKind::File, Some("m365")) => &[ActionKind::RemoveSharing],
                (EntityKind::OauthApp, _) => &[ActionKind::RevokeGrant],
                _ => &[],
            };
            for a in actions {
                // An outside collaborator action only for outside collaborators.
                if *a == ActionKind::RemoveOutsideCollaborator {
                    let instance = e.instance_id.as_deref().unwrap_or_default();
                    let kind = self.store.account_by_login(instance, &e.id).await?;
                    // The GitHub connector stores outside collaborators as `guest` accounts.
                    if kind.is_none_or(|(_, k, _)| k != "guest") {
                        continue;
                    }
                }
                out.push(ActionOption {
                    action: *a,
                    entity: e.clone(),
                    label: label(*a, &e.label),
                });
            }
        }
        Ok(out)
    }

    /// Runs a governance action on one entity of an alert; with `dry_run` nothing is sent and
    /// the report lists the requests that would be. Audited, and written to the alert's
    /// history with its outcome.
    pub async fn run_alert_action(
        &self,
        alert_id: &str,
        action: ActionKind,
        entity_id: &str,
        dry_run: bool,
    ) -> Result<ActionReport> {
        let option = self
            .alert_actions(alert_id)
            .await?
            .into_iter()
            .find(|o| o.action == action && o.entity.id == entity_id)
            .ok_or_else(|| {
                Error::Validation(format!(
                    "{} is not an action this alert allows on {entity_id}",
                    action.as_str()
                ))
            })?;
        let entity = option.entity.clone();
        let steps = if action == ActionKind::RevokeGrant {
            self.ban_oauth_app(&entity.id, dry_run).await?.steps
        } else {
            self.governance_steps(action, &entity, dry_run).await?
        };
        let now = now_ms();
        let failed = steps
            .iter()
            .filter(|s| s.outcome == RevokeOutcome::Failed)
            .count();
        let summary = if dry_run {
            format!(
                "dry run of \"{}\": {} request(s) would be sent",
                option.label,
                steps.iter().filter(|s| s.request.is_some()).count()
            )
        } else if failed > 0 {
            format!(
                "\"{}\" failed for {failed} of {} step(s): {}",
                option.label,
                steps.len(),
                steps
                    .iter()
                    .filter(|s| s.outcome == RevokeOutcome::Failed)
                    .filter_map(|s| s.detail.clone())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        } else {
            format!(
                "\"{}\" done: {}",
                option.label,
                steps
                    .iter()
                    .map(|s| format!("{} ({})", s.what, s.outcome.as_str()))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        self.store
            .audit(
                &format!(
                    "governance.{}{}",
                    action.as_str(),
                    if dry_run { ".dry_run" } else { "" }
                ),
                &entity.id,
                &summary,
                now,
            )
            .await?;
        self.store
            .add_alert_comment(
                alert_id,
                &AlertComment {
                    at_ms: now,
                    author: "analyst".into(),
                    kind: "action".into(),
                    text: summary,
                },
            )
            .await?;
        Ok(ActionReport {
            action,
            entity,
            dry_run,
            steps,
        })
    }

    /// The requests of an account or file action, sent unless `dry_run`.
    async fn governance_steps(
        &self,
        action: ActionKind,
        entity: &Entity,
        dry_run: bool,
    ) -> Result<Vec<RevokeStepView>> {
        let instance = entity
            .instance_id
            .clone()
            .ok_or_else(|| Error::Validation(format!("{} names no instance", entity.label)))?;
        let (row, connector, auth) = self.load(&instance).await?;
        let view = |what: String, request: Option<String>, outcome, detail: Option<String>| {
            RevokeStepView {
                instance_id: instance.clone(),
                instance_name: row.name.clone(),
                grant_id: entity.id.clone(),
                principal: Some(entity.label.clone()),
                what,
                request,
                outcome,
                detail,
            }
        };
        let mut plans: Vec<std::result::Result<RevokePlan, String>> = Vec::new();
        match action {
            ActionKind::RevokeSamlCredential => {
                for (external_id, raw) in
                    self.store.credential_grants(&instance, &entity.id).await?
                {
                    plans.push(
                        connector
                            .revoke_plan(&Revocation {
                                kind: GrantKind::Delegated,
                                external_id: &external_id,
                                raw: &raw,
                            })
                            .map_err(|e| e.to_string()),
                    );
                }
                if plans.is_empty() {
                    return Ok(vec![view(
                        format!("SAML SSO credentials of {}", entity.label),
                        None,
                        RevokeOutcome::AlreadyGone,
                        Some(
                            "the last scan found no credential authorization of this account"
                                .into(),
                        ),
                    )]);
                }
            }
            ActionKind::RemoveSharing => {
                let file_id = self
                    .store
                    .file_id_by_ref(&instance, &entity.id)
                    .await?
                    .ok_or_else(|| Error::NotFound(format!("file {}", entity.label)))?;
                let (_, collaborators, raw) = self
                    .store
                    .file(&instance, &file_id)
                    .await?
                    .ok_or_else(|| Error::NotFound(format!("file {}", entity.label)))?;
                let external: Vec<String> = collaborators
                    .into_iter()
                    .filter(|c| c.external)
                    .map(|c| c.account)
                    .collect();
                plans.push(
                    connector
                        .governance_plan(&GovernanceTarget {
                            kind: GovernanceKind::RemoveSharing,
                            external_id: &file_id,
                            login: None,
                            raw: &raw,
                            external: &external,
                        })
                        .map_err(|e| e.to_string()),
                );
            }
            _ => {
                let kind = match action {
                    ActionKind::RevokeSessions => GovernanceKind::RevokeSessions,
                    ActionKind::DisableAccount => GovernanceKind::DisableAccount,
                    _ => GovernanceKind::RemoveOutsideCollaborator,
                };
                let (external_id, _, raw) = self
                    .store
                    .account_by_login(&instance, &entity.id)
                    .await?
                    .ok_or_else(|| {
                        Error::NotFound(format!(
                            "account {} in {} (scan the instance again)",
                            entity.label, row.name
                        ))
                    })?;
                plans.push(
                    connector
                        .governance_plan(&GovernanceTarget {
                            kind,
                            external_id: &external_id,
                            login: Some(&entity.id),
                            raw: &raw,
                            external: &[],
                        })
                        .map_err(|e| e.to_string()),
                );
            }
        }
        let ctx = match (&auth, dry_run) {
            (Some(a), false) => Some(Ctx {
                http: http()?.only_to(connector.api_base()),
                auth: a.clone(),
            }),
            _ => None,
        };
        let mut out = Vec::new();
        for plan in plans {
            match plan {
                Err(e) => out.push(view(
                    entity.label.clone(),
                    None,
                    RevokeOutcome::Failed,
                    Some(e),
                )),
                Ok(RevokePlan::Manual(how)) => {
                    out.push(view(
                        entity.label.clone(),
                        None,
                        RevokeOutcome::Manual,
                        Some(how),
                    ));
                }
                Ok(RevokePlan::Api(steps)) => {
                    for s in steps {
                        out.push(
                            self.send_step(&instance, &s, ctx.as_ref(), dry_run, &view)
                                .await,
                        );
                    }
                }
            }
        }
        Ok(out)
    }

    async fn send_step(
        &self,
        instance: &str,
        s: &RevokeStep,
        ctx: Option<&Ctx>,
        dry_run: bool,
        view: &impl Fn(String, Option<String>, RevokeOutcome, Option<String>) -> RevokeStepView,
    ) -> RevokeStepView {
        let request = Some(match &s.body {
            Some(b) => format!("{} {} {b}", s.method, s.url),
            None => format!("{} {}", s.method, s.url),
        });
        if dry_run {
            return view(s.what.clone(), request, RevokeOutcome::Planned, None);
        }
        let Some(ctx) = ctx else {
            return view(
                s.what.clone(),
                request,
                RevokeOutcome::Failed,
                Some("the instance's credential is missing: reconnect it".into()),
            );
        };
        let method = match s.method {
            "POST" => reqwest::Method::POST,
            "PATCH" => reqwest::Method::PATCH,
            _ => reqwest::Method::DELETE,
        };
        let sent = match ctx.http.with_headers(&s.headers) {
            Ok(h) => h.request(method, &s.url, &ctx.auth, s.body.as_ref()).await,
            Err(e) => Err(e),
        };
        match sent {
            Ok(_) => view(s.what.clone(), request, RevokeOutcome::Revoked, None),
            Err(CError::Status { status: 404, .. }) => view(
                s.what.clone(),
                request,
                RevokeOutcome::AlreadyGone,
                Some("the vendor no longer had it".into()),
            ),
            Err(CError::Unauthorized(m)) => {
                // The token was revoked or expired for good: the instance needs reconnecting,
                // which its page says, as a scan refused the same way would.
                let fix = format!(
                    "the vendor refused the credential ({m}); reconnect the instance with a new token"
                );
                if let Err(e) = self
                    .store
                    .set_instance_status(instance, InstanceStatus::Error, Some(&fix))
                    .await
                {
                    tracing::warn!("instance status not saved: {e}");
                }
                view(s.what.clone(), request, RevokeOutcome::Failed, Some(fix))
            }
            Err(CError::Forbidden(m)) => view(
                s.what.clone(),
                request,
                RevokeOutcome::Failed,
                Some(format!(
                    "the vendor refused ({m}): the credential needs the right to do this \
                     (Microsoft 365: User.RevokeSessions.All, User.EnableDisableAccount.All, \
                     Files.ReadWrite.All with admin consent; GitHub: an organisation owner)"
                )),
            ),
            Err(e) => view(
                s.what.clone(),
                request,
                RevokeOutcome::Failed,
                Some(e.to_string()),
            ),
        }
    }
}
