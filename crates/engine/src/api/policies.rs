//! Policies, their evaluation, alerts and the analyst's IP ranges, as the front ends see them.
//!
//! Evaluation runs after every job that committed data (the jobs' commit hook, see
//! [`Engine::on_commit`]) over what was stored since the last one, one evaluation at a time;
//! [`Engine::evaluations_settled`] waits for those under way. [`Engine::evaluate`] runs one on
//! demand, over new data or again over a time range.

use std::sync::Arc;

use tokio::sync::{watch, Mutex};

use super::{new_id, now_ms, Engine};
use crate::backend::{decode_cursor, encode_cursor, Network, SharedBackend};
use crate::domain::policies::{
    AlertComment, AlertDetail, AlertFilter, AlertPage, AlertStatus, EvaluationSummary, IpRange,
    IpTag, Policy, PolicyInput, PolicyTemplate, PolicyTest, Resolution,
};
use crate::policy;
use crate::{Error, Result};

/// The newest alerts' page size when none is asked for, and the largest page.
const PAGE: u32 = 100;
const MAX_PAGE: u32 = 1_000;
/// Who the history names for actions of the analyst at this desktop.
const ANALYST: &str = "analyst";

/// Evaluations under way: one at a time, and how many are asked for or running.
#[derive(Debug)]
pub(crate) struct Evaluations {
    lock: Mutex<()>,
    pending: watch::Sender<u32>,
    last_error: std::sync::Mutex<Option<String>>,
}

impl Default for Evaluations {
    fn default() -> Self {
        Evaluations {
            lock: Mutex::new(()),
            pending: watch::channel(0).0,
            last_error: std::sync::Mutex::new(None),
        }
    }
}

impl Evaluations {
    /// Runs an evaluation of new data in the background (after a job committed data).
    pub(crate) fn request(self: &Arc<Self>, store: SharedBackend) {
        self.pending.send_modify(|n| *n += 1);
        let me = self.clone();
        let run = async move {
            let outcome = {
                let _one = me.lock.lock().await;
                policy::evaluate_new(&*store, now_ms()).await
            };
            match outcome {
                Ok(s) if s.alerts_raised + s.alerts_updated > 0 => tracing::info!(
                    raised = s.alerts_raised,
                    updated = s.alerts_updated,
                    activities = s.activities,
                    "policies evaluated"
                ),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!("policy evaluation failed: {e}");
                    if let Ok(mut last) = me.last_error.lock() {
                        *last = Some(e.to_string());
                    }
                }
            }
            me.pending.send_modify(|n| *n = n.saturating_sub(1));
        };
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                h.spawn(run);
            }
            Err(_) => {
                self.pending.send_modify(|n| *n = n.saturating_sub(1));
                tracing::warn!("no runtime to evaluate policies on");
            }
        }
    }
}

fn validate_input(input: &PolicyInput) -> Result<()> {
    if input.name.trim().is_empty() {
        return Err(Error::Validation("a policy needs a name".into()));
    }
    if input.name.chars().count() > 200 {
        return Err(Error::Validation(
            "a policy's name is at most 200 characters".into(),
        ));
    }
    policy::validate(&input.definition)
}

impl Engine {
    /// Starts evaluating policies after every job that committed data.
    pub(crate) fn attach_evaluation(&self) {
        let evaluations = self.evaluations.clone();
        let store = self.store.clone();
        self.on_commit(move |_event| evaluations.request(store.clone()));
    }

    /// Waits until the evaluations asked for so far have ended.
    pub async fn evaluations_settled(&self) {
        let mut rx = self.evaluations.pending.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }

    /// The error of the last background evaluation that failed, if any.
    pub fn last_evaluation_error(&self) -> Option<String> {
        self.evaluations
            .last_error
            .lock()
            .ok()
            .and_then(|e| e.clone())
    }

    /// Ready-made policies.
    pub fn policy_templates(&self) -> Vec<PolicyTemplate> {
        policy::templates::templates()
    }

    pub async fn policies(&self) -> Result<Vec<Policy>> {
        self.store.policies().await
    }

    pub async fn policy(&self, id: &str) -> Result<Policy> {
        self.store
            .policy(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("policy {id}")))
    }

    /// Creates a policy.
    pub async fn create_policy(&self, input: PolicyInput) -> Result<Policy> {
        validate_input(&input)?;
        let now = now_ms();
        let p = Policy {
            id: new_id("pol", now),
            name: input.name.trim().to_owned(),
            description: input.description,
            kind: input.definition.kind(),
            severity: input.severity,
            enabled: input.enabled,
            template_id: input.template_id,
            definition: input.definition,
            scope: input.scope,
            actions: input.actions,
            created_at_ms: now,
            updated_at_ms: now,
            alerts: 0,
            open_alerts: 0,
        };
        self.store.save_policy(&p).await?;
        self.store
            .audit("policy.create", &p.id, &p.name, now_ms())
            .await?;
        self.policy(&p.id).await
    }

    /// Creates a policy from a template (disabled, to be tested first), named as the
    /// template unless `name` is given.
    pub async fn create_policy_from_template(
        &self,
        template_id: &str,
        name: Option<String>,
    ) -> Result<Policy> {
        let t = policy::templates::template(template_id).ok_or_else(|| {
            Error::NotFound(format!(
                "template {template_id} (cloudwarden policies templates lists them)"
            ))
        })?;
        self.create_policy(PolicyInput {
            name: name.filter(|n| !n.trim().is_empty()).unwrap_or(t.name),
            description: t.description,
            severity: t.severity,
            enabled: false,
            template_id: Some(t.id),
            definition: t.definition,
            scope: Default::default(),
            actions: Vec::new(),
        })
        .await
    }

    /// Replaces a policy's settings.
    pub async fn update_policy(&self, id: &str, input: PolicyInput) -> Result<Policy> {
        validate_input(&input)?;
        let old = self.policy(id).await?;
        let p = Policy {
            name: input.name.trim().to_owned(),
            description: input.description,
            kind: input.definition.kind(),
            severity: input.severity,
            enabled: input.enabled,
            template_id: input.template_id.or(old.template_id.clone()),
            definition: input.definition,
            scope: input.scope,
            actions: input.actions,
            updated_at_ms: now_ms(),
            ..old
        };
        self.store.save_policy(&p).await?;
        self.store
            .audit("policy.update", id, &p.name, now_ms())
            .await?;
        self.policy(id).await
    }

    pub async fn set_policy_enabled(&self, id: &str, enabled: bool) -> Result<Policy> {
        let mut p = self.policy(id).await?;
        p.enabled = enabled;
        p.updated_at_ms = now_ms();
        self.store.save_policy(&p).await?;
        let what = if enabled {
            "policy.enable"
        } else {
            "policy.disable"
        };
        self.store.audit(what, id, &p.name, now_ms()).await?;
        self.policy(id).await
    }

    /// Deletes a policy; its alerts stay.
    pub async fn delete_policy(&self, id: &str) -> Result<()> {
        let p = self.policy(id).await?;
        self.store.delete_policy(id).await?;
        self.store
            .audit("policy.delete", id, &p.name, now_ms())
            .await?;
        Ok(())
    }

    /// What a policy would have raised over the last `days` days; nothing is raised.
    pub async fn test_policy(&self, id: &str, days: u32) -> Result<PolicyTest> {
        if days == 0 || days > 365 {
            return Err(Error::Validation("test over 1 to 365 days".into()));
        }
        let p = self.policy(id).await?;
        policy::test_policy(&*self.store, &p, days, now_ms()).await
    }

    /// Evaluates the enabled policies now: over what is new since the last evaluation, or
    /// again over what occurred since `since_ms` (nothing already raised is raised twice).
    pub async fn evaluate(&self, since_ms: Option<i64>) -> Result<EvaluationSummary> {
        let _one = self.evaluations.lock.lock().await;
        let now = now_ms();
        match since_ms {
            None => policy::evaluate_new(&*self.store, now).await,
            Some(since) => policy::evaluate_range(&*self.store, since, now + 1, now).await,
        }
    }

    /// Alerts, newest first.
    pub async fn alerts(
        &self,
        filter: &AlertFilter,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<AlertPage> {
        let limit = limit.unwrap_or(PAGE).clamp(1, MAX_PAGE);
        let before: Option<i64> = cursor
            .map(|c| {
                decode_cursor(c, "alerts", 1)
                    .and_then(|p| p.first()?.parse().ok())
                    .ok_or_else(|| {
                        Error::Validation("this cursor is not one the alerts gave".into())
                    })
            })
            .transpose()?;
        let mut rows = self.store.alerts_page(filter, before, limit + 1).await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = if more {
            rows.last()
                .map(|(seq, _)| encode_cursor("alerts", &[&seq.to_string()]))
        } else {
            None
        };
        Ok(AlertPage {
            items: rows.into_iter().map(|(_, a)| a).collect(),
            next_cursor,
        })
    }

    pub async fn alert(&self, id: &str) -> Result<AlertDetail> {
        let alert = self
            .store
            .alert(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("alert {id}")))?;
        Ok(AlertDetail {
            evidence: self.store.alert_evidence(id, 500).await?,
            comments: self.store.alert_comments(id).await?,
            policy: self.store.policy(&alert.policy_id).await?,
            alert,
        })
    }

    /// Moves an alert along its lifecycle: `open` → `in_progress` → `resolved` (with a
    /// resolution) or `dismissed`; a closed alert can be opened again.
    pub async fn set_alert_status(
        &self,
        id: &str,
        status: AlertStatus,
        resolution: Option<Resolution>,
        note: Option<String>,
    ) -> Result<AlertDetail> {
        match (status, resolution) {
            (AlertStatus::Resolved, None) => {
                return Err(Error::Validation(
                    "a resolved alert needs a resolution: true_positive, benign or false_positive"
                        .into(),
                ))
            }
            (AlertStatus::Resolved, Some(_)) => {}
            (_, Some(_)) => {
                return Err(Error::Validation(
                    "only a resolved alert has a resolution".into(),
                ))
            }
            _ => {}
        }
        let now = now_ms();
        let mut text = match resolution {
            Some(r) => format!("status: {status} ({r})"),
            None => format!("status: {status}"),
        };
        if let Some(n) = note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            text.push_str(&format!(" — {n}"));
        }
        let comment = AlertComment {
            at_ms: now,
            author: ANALYST.into(),
            kind: "status".into(),
            text,
        };
        if !self
            .store
            .update_alert(id, status, resolution, None, Some(comment), now)
            .await?
        {
            return Err(Error::NotFound(format!("alert {id}")));
        }
        self.store
            .audit("alert.status", id, status.as_str(), now_ms())
            .await?;
        self.alert(id).await
    }

    /// Assigns an alert (or unassigns it with `None`).
    pub async fn assign_alert(&self, id: &str, assignee: Option<String>) -> Result<AlertDetail> {
        let current = self.alert(id).await?.alert;
        let assignee = assignee
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty());
        let now = now_ms();
        let comment = AlertComment {
            at_ms: now,
            author: ANALYST.into(),
            kind: "status".into(),
            text: match &assignee {
                Some(a) => format!("assigned to {a}"),
                None => "unassigned".into(),
            },
        };
        self.store
            .update_alert(
                id,
                current.status,
                current.resolution,
                Some(assignee),
                Some(comment),
                now,
            )
            .await?;
        self.alert(id).await
    }

    /// Adds a comment to an alert's history.
    pub async fn comment_alert(&self, id: &str, text: &str) -> Result<AlertDetail> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::Validation("a comment needs text".into()));
        }
        let c = AlertComment {
            at_ms: now_ms(),
            author: ANALYST.into(),
            kind: "comment".into(),
            text: text.to_owned(),
        };
        if !self.store.add_alert_comment(id, &c).await? {
            return Err(Error::NotFound(format!("alert {id}")));
        }
        self.alert(id).await
    }

    pub async fn ip_ranges(&self) -> Result<Vec<IpRange>> {
        self.store.ip_ranges().await
    }

    /// Adds (or re-tags) an IP range: an address or a CIDR network.
    pub async fn add_ip_range(&self, cidr: &str, tag: IpTag, name: &str) -> Result<IpRange> {
        let net = Network::parse(cidr)?;
        let r = IpRange {
            cidr: net.canonical(),
            tag,
            name: name.trim().to_owned(),
        };
        self.store.save_ip_range(&r, now_ms()).await?;
        self.store
            .audit("ip_range.add", &r.cidr, tag.as_str(), now_ms())
            .await?;
        Ok(r)
    }

    pub async fn remove_ip_range(&self, cidr: &str) -> Result<()> {
        let key = Network::parse(cidr)
            .map(|n| n.canonical())
            .unwrap_or_else(|_| cidr.trim().to_owned());
        if !self.store.delete_ip_range(&key).await? {
            return Err(Error::NotFound(format!("IP range {cidr}")));
        }
        self.store
            .audit("ip_range.remove", &key, "", now_ms())
            .await?;
        Ok(())
    }
}
