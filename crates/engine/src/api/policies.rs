//! Policies, their evaluation, alerts and the analyst's IP ranges, as the front ends see them.
//!
//! Evaluation runs after every job that committed data (the jobs' commit hook, see
//! [`Engine::on_commit`]) over what was stored since the last one, one evaluation at a time;
//! [`Engine::evaluations_settled`] waits for those under way. [`Engine::evaluate`] runs one on
//! demand, over new data or again over a time range.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::{watch, Mutex};

use std::collections::HashSet;

use super::{new_id, now_ms, Engine};
use crate::backend::{decode_cursor, encode_cursor, Network, NewMatch, Recorded};
use crate::domain::investigate::FileFilter;
use crate::domain::policies::{
    Alert, AlertComment, AlertDetail, AlertFilter, AlertPage, AlertStatus, Detection,
    EvaluationSummary, IpRange, IpTag, Policy, PolicyDefinition, PolicyInput, PolicyKind,
    PolicyTemplate, PolicyTest, Resolution, Severity, SigmaImport, SigmaInvalid, SigmaSkipped,
};
use crate::policy::{self, sigma, state};
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
    /// High-severity alerts as they are raised (the desktop notifies them).
    raised: tokio::sync::broadcast::Sender<Alert>,
}

impl Default for Evaluations {
    fn default() -> Self {
        Evaluations {
            lock: Mutex::new(()),
            pending: watch::channel(0).0,
            last_error: std::sync::Mutex::new(None),
            raised: tokio::sync::broadcast::channel(64).0,
        }
    }
}

impl Evaluations {
    /// Runs an evaluation in the background after a job of `kind` committed data.
    fn request(self: &Arc<Self>, engine: Engine, kind: String) {
        self.pending.send_modify(|n| *n += 1);
        let me = self.clone();
        let run = async move {
            match engine.evaluate_committed(&kind).await {
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

/// Adds one evaluation's outcome to a summary.
fn add(summary: &mut EvaluationSummary, found: usize, done: &Recorded) {
    summary.matches += found as u64;
    summary.alerts_raised += done.raised.len() as u32;
    summary.alerts_updated += done.updated.len() as u32;
}

/// The YAML files at `path` (a file, or every `.yml`/`.yaml` below a folder).
fn collect_yaml(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::Validation(format!("{}: {e}", path.display())))?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| Error::Validation(format!("{}: {e}", path.display())))?;
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            collect_yaml(&p, out)?;
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
        {
            out.push(p);
        }
    }
    Ok(())
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
        // The hook holds an engine without job events or hooks of its own: no cycle.
        let engine = Engine {
            job_bus: Arc::default(),
            ..self.clone()
        };
        let evaluations = self.evaluations.clone();
        self.on_commit(move |event| evaluations.request(engine.clone(), event.kind.clone()));
    }

    /// The evaluation after a job of `kind` committed: a scan's new activities and the
    /// files and OAuth apps it refreshed; an upload's reports.
    async fn evaluate_committed(&self, kind: &str) -> Result<EvaluationSummary> {
        let _one = self.evaluations.lock.lock().await;
        let started = std::time::Instant::now();
        let now = now_ms();
        let mut summary = if kind == "upload" {
            EvaluationSummary::default()
        } else {
            policy::evaluate_new(&self.store, now).await?
        };
        self.evaluate_state(kind, &mut summary, now).await?;
        summary.elapsed_ms = started.elapsed().as_millis() as u64;
        self.wake_forwarder();
        if summary.alerts_raised > 0 {
            self.announce(now).await;
        }
        Ok(summary)
    }

    /// Evaluates the policies on state: files and OAuth apps (after a scan), Cloud Discovery
    /// reports (after an upload); `kind` empty: all of them.
    async fn evaluate_state(
        &self,
        kind: &str,
        summary: &mut EvaluationSummary,
        now: i64,
    ) -> Result<()> {
        let policies: Vec<Policy> = self
            .store
            .policies()
            .await?
            .into_iter()
            .filter(|p| p.enabled)
            .collect();
        let of = |k: PolicyKind| -> Vec<Policy> {
            policies.iter().filter(|p| p.kind == k).cloned().collect()
        };
        if kind != "upload" {
            let files = of(PolicyKind::File);
            if !files.is_empty() {
                summary.policies += files.len() as u32;
                let mut after = None;
                loop {
                    let (page, next) = self
                        .store
                        .files_page(&FileFilter::default(), after.as_ref(), 2_000, now)
                        .await?;
                    let found = state::file_matches_of(&files, &page);
                    let done = policy::record(&*self.store, &found, now).await?;
                    add(summary, found.len(), &done);
                    match next {
                        Some(k) if !page.is_empty() => after = Some(k),
                        _ => break,
                    }
                }
            }
            let mut apps_policies = of(PolicyKind::OauthApp);
            apps_policies.extend(
                policies
                    .iter()
                    .filter(|p| {
                        matches!(&p.definition, PolicyDefinition::Anomaly(a)
                    if a.detection == Detection::NewHighPermissionApp)
                    })
                    .cloned(),
            );
            if !apps_policies.is_empty() {
                summary.policies += apps_policies.len() as u32;
                let apps = self.all_oauth_apps().await?;
                let baselines = self.store.oauth_baselines().await?;
                let found = state::oauth_matches_of(&apps_policies, &apps, &baselines);
                let done = policy::record(&*self.store, &found, now).await?;
                add(summary, found.len(), &done);
            }
        }
        if kind != "scan" {
            let discovery = of(PolicyKind::Discovery);
            if !discovery.is_empty() {
                summary.policies += discovery.len() as u32;
                let found = self.discovery_matches(&discovery).await?;
                let done = policy::record(&*self.store, &found, now).await?;
                add(summary, found.len(), &done);
            }
        }
        Ok(())
    }

    /// Cloud Discovery policies over every report, oldest first ("new" apps are those of no
    /// earlier report).
    async fn discovery_matches(&self, policies: &[Policy]) -> Result<Vec<NewMatch>> {
        let mut reports = self.discovery_reports().await?;
        reports.sort_by_key(|r| (r.created_at_ms, r.report_id.clone()));
        let mut earlier: HashSet<String> = HashSet::new();
        let mut out = Vec::new();
        for r in &reports {
            let (apps, _) = self.discovery_report(&r.report_id).await?;
            out.extend(state::discovery_matches_of(policies, r, &apps, &earlier));
            earlier.extend(apps.into_iter().map(|a| a.app_id));
        }
        Ok(out)
    }

    /// High-severity alerts as evaluations raise them (for desktop notifications).
    pub fn subscribe_high_alerts(&self) -> tokio::sync::broadcast::Receiver<Alert> {
        self.evaluations.raised.subscribe()
    }

    /// Tells subscribers of the high-severity alerts raised since `since_ms`.
    async fn announce(&self, since_ms: i64) {
        if self.evaluations.raised.receiver_count() == 0 {
            return;
        }
        let filter = AlertFilter {
            severity: Some(Severity::High),
            ..AlertFilter::default()
        };
        if let Ok(page) = self.store.alerts_page(&filter, None, 20).await {
            for (_, a) in page.into_iter().rev() {
                if a.created_at_ms >= since_ms {
                    let _ = self.evaluations.raised.send(a);
                }
            }
        }
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

    /// Imports Sigma rules from a file or a folder (every `.yml` / `.yaml` below it) as
    /// enabled policies; a rule already imported (same rule id) is updated in place.
    pub async fn import_sigma(&self, path: &Path) -> Result<SigmaImport> {
        let mut files = Vec::new();
        collect_yaml(path, &mut files)?;
        files.sort();
        if files.is_empty() {
            return Err(Error::Validation(format!(
                "{} holds no .yml or .yaml file",
                path.display()
            )));
        }
        let existing: Vec<Policy> = self
            .store
            .policies()
            .await?
            .into_iter()
            .filter(|p| p.kind == PolicyKind::Sigma)
            .collect();
        let mut out = SigmaImport::default();
        let now = now_ms();
        for f in files {
            let name = f.display().to_string();
            let yaml = match std::fs::read_to_string(&f) {
                Ok(y) => y,
                Err(e) => {
                    out.invalid.push(SigmaInvalid {
                        file: name,
                        error: e.to_string(),
                    });
                    continue;
                }
            };
            let parsed = match sigma::parse(&yaml) {
                Ok(p) => p,
                Err(Ok((title, reason))) => {
                    out.not_applicable.push(SigmaSkipped {
                        file: name,
                        title,
                        reason,
                    });
                    continue;
                }
                Err(Err(error)) => {
                    out.invalid.push(SigmaInvalid { file: name, error });
                    continue;
                }
            };
            let cond = sigma::condition(&yaml, &parsed);
            let r = &parsed.rule;
            let same = existing.iter().find(|p| {
                matches!(&p.definition, PolicyDefinition::Sigma(c)
                    if c.rule_id.is_some() && c.rule_id == cond.rule_id)
            });
            let p = Policy {
                id: same.map_or_else(|| new_id("pol", now), |p| p.id.clone()),
                name: r.title.trim().to_owned(),
                description: r.description.clone().unwrap_or_default().trim().to_owned(),
                kind: PolicyKind::Sigma,
                severity: sigma::severity(r.level.map(|l| l.as_str())),
                enabled: same.is_none_or(|p| p.enabled),
                template_id: None,
                definition: PolicyDefinition::Sigma(cond),
                scope: same.map(|p| p.scope.clone()).unwrap_or_default(),
                actions: same.map(|p| p.actions.clone()).unwrap_or_default(),
                created_at_ms: same.map_or(now, |p| p.created_at_ms),
                updated_at_ms: now,
                alerts: 0,
                open_alerts: 0,
            };
            self.store.save_policy(&p).await?;
            out.imported += 1;
        }
        self.store
            .audit(
                "policy.import_sigma",
                &path.display().to_string(),
                &format!(
                    "{} imported, {} not applicable, {} invalid",
                    out.imported,
                    out.not_applicable.len(),
                    out.invalid.len()
                ),
                now,
            )
            .await?;
        Ok(out)
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
        let now = now_ms();
        let found = match p.kind {
            PolicyKind::Activity | PolicyKind::Anomaly | PolicyKind::Sigma
                if !matches!(&p.definition, PolicyDefinition::Anomaly(a)
                    if a.detection == Detection::NewHighPermissionApp) =>
            {
                return policy::test_policy(&*self.store, &p, days, now).await
            }
            PolicyKind::File => {
                let mut found = Vec::new();
                let mut after = None;
                loop {
                    let (page, next) = self
                        .store
                        .files_page(&FileFilter::default(), after.as_ref(), 2_000, now)
                        .await?;
                    found.extend(state::file_matches_of(std::slice::from_ref(&p), &page));
                    match next {
                        Some(k) if !page.is_empty() => after = Some(k),
                        _ => break,
                    }
                }
                found
            }
            PolicyKind::Discovery => self.discovery_matches(std::slice::from_ref(&p)).await?,
            _ => {
                // A new app is one first granted after the policy was made; a test asks
                // what the last `days` brought.
                let mut probe = p.clone();
                probe.created_at_ms = now - i64::from(days) * 86_400_000;
                let apps = self.all_oauth_apps().await?;
                let baselines = self.store.oauth_baselines().await?;
                state::oauth_matches_of(std::slice::from_ref(&probe), &apps, &baselines)
            }
        };
        Ok(policy::summarize_test(found, days, 0))
    }

    /// Evaluates the enabled policies now: over what is new since the last evaluation, or
    /// again over what occurred since `since_ms` (nothing already raised is raised twice).
    pub async fn evaluate(&self, since_ms: Option<i64>) -> Result<EvaluationSummary> {
        let _one = self.evaluations.lock.lock().await;
        let started = std::time::Instant::now();
        let now = now_ms();
        let mut summary = match since_ms {
            None => policy::evaluate_new(&self.store, now).await?,
            Some(since) => policy::evaluate_range(&*self.store, since, now + 1, now).await?,
        };
        self.evaluate_state("", &mut summary, now).await?;
        summary.elapsed_ms = started.elapsed().as_millis() as u64;
        self.wake_forwarder();
        if summary.alerts_raised > 0 {
            self.announce(now).await;
        }
        Ok(summary)
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
        self.wake_forwarder();
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
