//! Cloud Discovery on the engine facade: uploads with progress and cancel, reports, tags,
//! exports and user anonymization.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cloudwarden_catalog::model::{App, MatchKind};
use cloudwarden_discovery::pipeline::Progress;

use super::{new_id, now_ms, today, Engine};
use crate::anonymize::{self, Anonymizer};
use crate::backend::TypedSettings as _;
use crate::backend::{retry_busy, Breakdown, ReportRow, UploadRows};
use crate::catalog::Effective;
use crate::discovery;
use crate::discovery_export;
use crate::domain::discovery::*;
use crate::domain::jobs::JobState;
use crate::domain::AuditEntry;
use crate::{Error, Result};

const SETTINGS_KEY: &str = "discovery.settings";

/// Running uploads by job id, with the flag that cancels them.
#[derive(Debug, Default)]
pub(super) struct Jobs(std::sync::Mutex<HashMap<String, Arc<AtomicBool>>>);

impl Jobs {
    fn insert(&self, id: &str) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        if let Ok(mut jobs) = self.0.lock() {
            jobs.insert(id.to_owned(), flag.clone());
        }
        flag
    }

    fn remove(&self, id: &str) {
        if let Ok(mut jobs) = self.0.lock() {
            jobs.remove(id);
        }
    }

    fn cancel(&self, id: &str) -> bool {
        self.0
            .lock()
            .ok()
            .and_then(|jobs| jobs.get(id).cloned())
            .map(|flag| flag.store(true, Ordering::Relaxed))
            .is_some()
    }
}

fn u(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn report_info(row: ReportRow) -> ReportInfo {
    let (
        report_id,
        name,
        created_at_ms,
        updated_at_ms,
        uploads,
        lines_total,
        lines_skipped,
        apps,
        first,
        last,
    ) = row;
    ReportInfo {
        report_id,
        name,
        created_at_ms,
        updated_at_ms,
        uploads: u32::try_from(uploads).unwrap_or(0),
        lines_total: u(lines_total),
        lines_skipped: u(lines_skipped),
        apps: u32::try_from(apps).unwrap_or(0),
        first_seen_ms: first,
        last_seen_ms: last,
    }
}

/// A progress snapshot from the pipeline counters.
fn snapshot(job_id: &str, p: &Progress, files: u32, elapsed: Duration) -> DiscoveryProgress {
    let file_bytes = p.file_bytes.load(Ordering::Relaxed);
    let total = p.total_file_bytes.load(Ordering::Relaxed);
    let lines = p.lines.load(Ordering::Relaxed);
    let secs = elapsed.as_secs_f64();
    #[allow(clippy::cast_precision_loss)] // counters far below 2^52
    let lines_per_sec = if secs > 0.0 { lines as f64 / secs } else { 0.0 };
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let eta_ms = (file_bytes > 0 && total >= file_bytes && secs > 0.5).then(|| {
        let rate = file_bytes as f64 / secs;
        ((total - file_bytes) as f64 / rate * 1000.0) as u64
    });
    DiscoveryProgress {
        job_id: job_id.to_owned(),
        file_bytes,
        total_file_bytes: total,
        bytes: p.bytes.load(Ordering::Relaxed),
        lines,
        file: u32::try_from(p.file.load(Ordering::Relaxed) + 1)
            .unwrap_or(files)
            .min(files),
        files,
        elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        lines_per_sec,
        eta_ms,
    }
}

impl Engine {
    /// Every log format an upload can use: the built-in ones, then the analyst's own.
    pub async fn discovery_formats(&self) -> Result<Vec<FormatInfo>> {
        let mut all = discovery::formats();
        all.extend(
            self.custom_formats()
                .await?
                .into_iter()
                .map(|f| FormatInfo {
                    id: format!("custom:{}", f.name),
                    name: f.name,
                    vendor: "Custom (CSV/TSV)".into(),
                }),
        );
        Ok(all)
    }

    /// The analyst's saved CSV/TSV formats.
    pub async fn custom_formats(&self) -> Result<Vec<CustomFormatDef>> {
        self.store
            .custom_formats()
            .await?
            .into_iter()
            .map(|(name, json)| {
                serde_json::from_str(&json).map_err(|e| {
                    Error::Validation(format!("saved format \"{name}\" is unreadable: {e}"))
                })
            })
            .collect()
    }

    /// Saves (or replaces) a custom format after checking it.
    pub async fn save_custom_format(&self, def: CustomFormatDef) -> Result<CustomFormatDef> {
        let mut def = def;
        def.name = def.name.trim().to_owned();
        discovery::to_custom(&def)?;
        let json = serde_json::to_string(&def).map_err(|e| Error::Validation(e.to_string()))?;
        self.store
            .save_custom_format(&def.name, &json, now_ms())
            .await?;
        Ok(def)
    }

    pub async fn delete_custom_format(&self, name: &str) -> Result<()> {
        if self.store.delete_custom_format(name).await? {
            Ok(())
        } else {
            Err(Error::NotFound(format!("custom format {name}")))
        }
    }

    /// The first lines of a log split into columns, to map a custom format.
    /// `delimiter`: split by this one instead of the likeliest.
    pub async fn preview_log(&self, path: &Path, delimiter: Option<char>) -> Result<LogPreview> {
        let path = path.to_path_buf();
        if !path.is_file() {
            return Err(Error::Validation(format!(
                "{} is not a readable file",
                path.display()
            )));
        }
        tokio::task::spawn_blocking(move || discovery::preview(&path, delimiter, 12))
            .await
            .map_err(|e| Error::Task(e.to_string()))?
    }

    /// The custom format a request names (`custom:<name>`), if it names one.
    async fn requested_custom(
        &self,
        request: &DiscoveryRequest,
    ) -> Result<Option<cloudwarden_discovery::CustomFormat>> {
        let Some(name) = request
            .format
            .as_deref()
            .and_then(|f| f.trim().strip_prefix("custom:"))
        else {
            return Ok(None);
        };
        let def = self
            .custom_formats()
            .await?
            .into_iter()
            .find(|f| f.name == name)
            .ok_or_else(|| {
                Error::Validation(format!(
                    "no custom format named \"{name}\"; `cloudwarden discover formats` lists them"
                ))
            })?;
        discovery::to_custom(&def).map(Some)
    }

    /// Parses, matches and aggregates the uploaded logs; stores them in the report unless it is
    /// a dry run. `progress` can be read and `cancel` set from another task. A stored upload
    /// is a job: a process killed while parsing leaves it `interrupted`, and
    /// [`Engine::resume_interrupted_jobs`] runs it again (nothing was stored: an upload is one
    /// transaction).
    pub async fn discover(
        &self,
        mut request: DiscoveryRequest,
        progress: Arc<Progress>,
        cancel: Arc<AtomicBool>,
    ) -> Result<DiscoveryResult> {
        if request.dry_run {
            return self.discover_now(request, progress, cancel, "").await;
        }
        // The report's name is fixed now, so a resumed upload goes to the same report.
        let name = match request.report.as_deref().map(str::trim) {
            Some(r) if !r.is_empty() => r.to_owned(),
            _ => format!("Discovery {}", today()),
        };
        request.report = Some(name.clone());
        let lease = self
            .begin_job(
                &super::jobs::JobParams::Upload {
                    request: request.clone(),
                },
                &name,
                None,
            )
            .await?;
        let outcome = self.discover_now(request, progress, cancel, &name).await;
        match &outcome {
            Ok(r) => {
                let summary = format!(
                    "{} lines, {} apps, {} unmatched domains",
                    r.lines.total,
                    r.apps.len(),
                    r.unmatched_domains.len()
                );
                lease
                    .finish(JobState::Completed, Some(summary), None, true)
                    .await?;
            }
            Err(Error::Cancelled) => lease.finish(JobState::Cancelled, None, None, false).await?,
            Err(e) => {
                lease
                    .finish(JobState::Failed, None, Some(e.to_string()), false)
                    .await?;
            }
        }
        outcome
    }

    async fn discover_now(
        &self,
        request: DiscoveryRequest,
        progress: Arc<Progress>,
        cancel: Arc<AtomicBool>,
        name: &str,
    ) -> Result<DiscoveryResult> {
        let catalog = self.catalog().await?;
        let dry_run = request.dry_run;
        // Fail before parsing when anonymization is on and the keychain cannot give the key.
        let anonymizer = if dry_run || !self.discovery_settings().await?.anonymize_users {
            None
        } else {
            Some(self.anonymizer(true).await?)
        };
        let custom = self.requested_custom(&request).await?;
        let (mut result, mut usage) =
            discovery::run(catalog, request, custom, progress, cancel).await?;
        if dry_run {
            return Ok(result);
        }
        let now = now_ms();
        if let Some(anon) = &anonymizer {
            self.pseudonymize(anon, &mut usage, &mut result, now)
                .await?;
        }
        let uploads = discovery::upload_rows(&result, &new_id("upl", now));
        let new_report = new_id("rpt", now);
        // The report is created in the upload's own transaction; a locked database is waited
        // for rather than throwing the parsed work away.
        let report_id = retry_busy(|| {
            self.store
                .add_discovery_uploads(name, &new_report, &uploads, &usage, now)
        })
        .await?;
        result.report_id = Some(report_id);
        Ok(result)
    }

    /// [`Engine::discover`] as a job that [`Engine::cancel_discovery`] can stop, reporting
    /// progress to `on_progress` about four times a second and once at the end.
    pub async fn discover_job<F>(
        &self,
        job_id: &str,
        request: DiscoveryRequest,
        on_progress: F,
    ) -> Result<DiscoveryResult>
    where
        F: Fn(DiscoveryProgress) + Send + Sync + 'static,
    {
        let cancel = self.jobs.insert(job_id);
        let progress = Arc::new(Progress::default());
        let files = u32::try_from(request.files.len()).unwrap_or(u32::MAX);
        let start = Instant::now();
        let on_progress = Arc::new(on_progress);
        let ticker = {
            let (progress, on_progress, job) =
                (progress.clone(), on_progress.clone(), job_id.to_owned());
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_millis(250));
                loop {
                    tick.tick().await;
                    on_progress(snapshot(&job, &progress, files, start.elapsed()));
                }
            })
        };
        let result = self.discover(request, progress.clone(), cancel).await;
        ticker.abort();
        self.jobs.remove(job_id);
        on_progress(snapshot(job_id, &progress, files, start.elapsed()));
        result
    }

    /// Asks a running upload to stop; `false` when no such job runs.
    pub fn cancel_discovery(&self, job_id: &str) -> bool {
        self.jobs.cancel(job_id)
    }

    /// Every report, most recently updated first.
    pub async fn discovery_reports(&self) -> Result<Vec<ReportInfo>> {
        Ok(self
            .store
            .discovery_reports()
            .await?
            .into_iter()
            .map(report_info)
            .collect())
    }

    pub(crate) async fn tags(&self) -> Result<HashMap<String, AppTag>> {
        Ok(self
            .store
            .app_tags()
            .await?
            .into_iter()
            .filter_map(|(id, tag)| Some((id, AppTag::parse(&tag)?)))
            .collect())
    }

    /// The apps and unmatched domains stored in a report, across all its uploads.
    pub async fn discovery_report(
        &self,
        report_id: &str,
    ) -> Result<(Vec<DiscoveredApp>, Vec<UnmatchedDomain>)> {
        if self.store.discovery_report_row(report_id).await?.is_none() {
            return Err(Error::NotFound(format!("report {report_id}")));
        }
        let rows = self.store.discovery_usage(report_id).await?;
        let catalog = self.catalog().await?;
        Ok(discovery::report_usage(&catalog, &self.tags().await?, rows))
    }

    /// Everything the report page shows.
    pub async fn discovery_report_view(&self, report_id: &str) -> Result<ReportView> {
        let row = self
            .store
            .discovery_report_row(report_id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("report {report_id}")))?;
        let (apps, unmatched_domains) = self.discovery_report(report_id).await?;
        let (users, ips) = self.store.discovery_distinct_clients(report_id).await?;
        let uploads = self
            .store
            .discovery_uploads(report_id)
            .await?
            .into_iter()
            .map(
                |(
                    upload_id,
                    file_name,
                    format,
                    confidence,
                    bytes,
                    total,
                    parsed,
                    skipped,
                    reasons,
                    samples,
                    duration,
                    created,
                    error,
                )| {
                    UploadInfo {
                        upload_id,
                        file_name,
                        format,
                        confidence,
                        bytes: u(bytes),
                        lines: LineCounts {
                            total: u(total),
                            parsed: u(parsed),
                            skipped: u(skipped),
                            skipped_by_reason: serde_json::from_str(&reasons).unwrap_or_default(),
                        },
                        samples: serde_json::from_str(&samples).unwrap_or_default(),
                        duration_ms: u(duration),
                        created_at_ms: created,
                        error,
                    }
                },
            )
            .collect();
        Ok(ReportView {
            info: report_info(row),
            summary: discovery::summary_of(&apps, &unmatched_domains, users, ips),
            apps,
            unmatched_domains,
            uploads,
        })
    }

    /// Users, source IPs and days of one app (`kind` = `app`) or unmatched domain/IP.
    pub async fn discovery_usage_detail(
        &self,
        report_id: &str,
        kind: &str,
        key: &str,
    ) -> Result<UsageDetail> {
        if !matches!(kind, "app" | "domain" | "ip") {
            return Err(Error::Validation(format!("unknown usage kind \"{kind}\"")));
        }
        let rows = |by| self.store.discovery_breakdown(report_id, kind, key, by);
        let to = |rows: Vec<crate::store::BreakdownRow>, user: bool| {
            rows.into_iter()
                .map(|(label, s)| UsageBreakdown {
                    // Users, and (anonymized) source addresses.
                    pseudonymous: label.starts_with(anonymize::PREFIX)
                        && (user || label.starts_with("anon-ip-")),
                    label,
                    transactions: u(s.transactions),
                    bytes_up: u(s.bytes_up),
                    bytes_down: u(s.bytes_down),
                    blocked: u(s.blocked),
                    first_seen_ms: s.first_seen_ms,
                    last_seen_ms: s.last_seen_ms,
                })
                .collect::<Vec<_>>()
        };
        let detail = UsageDetail {
            kind: kind.to_owned(),
            key: key.to_owned(),
            users: to(rows(Breakdown::User).await?, true),
            ips: to(rows(Breakdown::Ip).await?, false),
            days: to(rows(Breakdown::Day).await?, false),
        };
        if detail.days.is_empty() {
            return Err(Error::NotFound(format!(
                "{kind} {key} in report {report_id}"
            )));
        }
        Ok(detail)
    }

    pub async fn rename_discovery_report(&self, report_id: &str, name: &str) -> Result<ReportInfo> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::Validation("a report needs a name".into()));
        }
        let taken = self
            .discovery_reports()
            .await?
            .into_iter()
            .any(|r| r.name == name && r.report_id != report_id);
        if taken {
            return Err(Error::Validation(format!(
                "a report named \"{name}\" exists already"
            )));
        }
        if !self
            .store
            .rename_discovery_report(report_id, name, now_ms())
            .await?
        {
            return Err(Error::NotFound(format!("report {report_id}")));
        }
        self.store
            .discovery_report_row(report_id)
            .await?
            .map(report_info)
            .ok_or_else(|| Error::NotFound(format!("report {report_id}")))
    }

    pub async fn delete_discovery_report(&self, report_id: &str) -> Result<()> {
        if self.store.delete_discovery_report(report_id).await? {
            Ok(())
        } else {
            Err(Error::NotFound(format!("report {report_id}")))
        }
    }

    /// After a catalog change: moves unmatched usage that an app now claims to that app, in
    /// every report. Returns how many domains moved.
    pub async fn rematch_discovery(&self) -> Result<u32> {
        let catalog = self.catalog().await?;
        let mut moved = 0u32;
        for (kind, key) in self.store.unmatched_keys().await? {
            let (to_kind, app_id) = discovery::key_of(&catalog, &key);
            if to_kind == "app" {
                self.store.rekey_usage(&kind, &key, &app_id).await?;
                moved += 1;
            }
        }
        Ok(moved)
    }

    /// Tags an app (or clears its tag with `None`); the tag holds in every report.
    pub async fn set_app_tag(&self, app_id: &str, tag: Option<AppTag>) -> Result<()> {
        if self.catalog().await?.app(app_id).is_none() {
            return Err(Error::NotFound(format!("app {app_id}")));
        }
        self.store
            .set_app_tag(app_id, tag.map(AppTag::as_str), now_ms())
            .await
    }

    /// Tags several apps at once (from the catalog list); all or none: an unknown id refuses
    /// the whole request.
    pub async fn set_app_tags(&self, app_ids: &[String], tag: Option<AppTag>) -> Result<u32> {
        let catalog = self.catalog().await?;
        if let Some(missing) = app_ids.iter().find(|id| catalog.app(id).is_none()) {
            return Err(Error::NotFound(format!("app {missing}")));
        }
        let now = now_ms();
        for id in app_ids {
            self.store
                .set_app_tag(id, tag.map(AppTag::as_str), now)
                .await?;
        }
        Ok(u32::try_from(app_ids.len()).unwrap_or(u32::MAX))
    }

    /// Writes a report as CSV to `path`.
    pub async fn export_discovery_csv(&self, report_id: &str, path: &Path) -> Result<ExportResult> {
        let (apps, domains) = self.discovery_report(report_id).await?;
        let csv = discovery_export::report_csv(&apps, &domains)?;
        write(path, &csv).await?;
        let n = u32::try_from(apps.len() + domains.len()).unwrap_or(u32::MAX);
        Ok(ExportResult {
            path: path.display().to_string(),
            entries: n,
            apps: u32::try_from(apps.len()).unwrap_or(u32::MAX),
        })
    }

    /// The apps tagged unsanctioned, by name.
    async fn unsanctioned_apps(&self) -> Result<(Arc<Effective>, Vec<String>)> {
        let catalog = self.catalog().await?;
        let tags = self.tags().await?;
        let mut ids: Vec<(String, String)> = tags
            .iter()
            .filter(|(_, t)| **t == AppTag::Unsanctioned)
            .filter_map(|(id, _)| catalog.app(id).map(|a| (a.name.clone(), a.id.clone())))
            .collect();
        ids.sort();
        if ids.is_empty() {
            return Err(Error::Validation(
                "no app is tagged unsanctioned: tag the apps to block first".into(),
            ));
        }
        Ok((catalog, ids.into_iter().map(|(_, id)| id).collect()))
    }

    /// Every domain a block list of the unsanctioned apps would carry, each with why it is
    /// there, and the shared infrastructure that is kept out of it whatever the analyst ticks.
    pub async fn block_list_plan(&self) -> Result<BlockListPlan> {
        let (catalog, ids) = self.unsanctioned_apps().await?;
        let mut domains = Vec::new();
        let mut unverified = 0u32;
        for app in ids.iter().filter_map(|id| catalog.app(id)) {
            for rule in &app.domains {
                if !rule.attributes() {
                    unverified = unverified.saturating_add(1);
                    continue;
                }
                let sources = rule.sources.join(", ");
                domains.push(BlockListDomain {
                    domain: rule.pattern.clone(),
                    subdomains: rule.kind == MatchKind::Suffix,
                    app_id: app.id.clone(),
                    app_name: app.name.clone(),
                    reason: format!(
                        "{} domain of {}: {} ({sources})",
                        rule.role.as_str(),
                        app.name,
                        rule.trust.explain()
                    ),
                    excluded: catalog.matcher().block_exclusion(rule),
                });
            }
        }
        Ok(BlockListPlan {
            apps: u32::try_from(ids.len()).unwrap_or(u32::MAX),
            domains,
            unverified_left_out: unverified,
        })
    }

    /// A block list of every app tagged unsanctioned, without the domains in `skip` (the
    /// analyst unticked them) and never with shared infrastructure: `(text, entries, apps)`.
    pub async fn block_list(
        &self,
        format: BlockListFormat,
        skip: &[String],
    ) -> Result<(String, u32, u32)> {
        let (catalog, ids) = self.unsanctioned_apps().await?;
        let skip: std::collections::HashSet<&str> = skip.iter().map(String::as_str).collect();
        let apps: Vec<App> = ids
            .iter()
            .filter_map(|id| catalog.app(id))
            .map(|a| {
                let mut a = a.clone();
                a.domains.retain(|r| {
                    r.attributes()
                        && !skip.contains(r.pattern.as_str())
                        && catalog.matcher().block_exclusion(r).is_none()
                });
                a
            })
            .collect();
        let refs: Vec<&App> = apps.iter().collect();
        let (text, n) = discovery_export::block_list(format, &refs, &today())?;
        let c = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Ok((text, c(n), c(apps.len())))
    }

    /// Writes [`Engine::block_list`] to `path`.
    pub async fn export_block_list(
        &self,
        format: BlockListFormat,
        skip: &[String],
        path: &Path,
    ) -> Result<ExportResult> {
        let (text, entries, apps) = self.block_list(format, skip).await?;
        write(path, &text).await?;
        Ok(ExportResult {
            path: path.display().to_string(),
            entries,
            apps,
        })
    }

    pub async fn discovery_settings(&self) -> Result<DiscoverySettings> {
        Ok(self.store.setting(SETTINGS_KEY).await?.unwrap_or_default())
    }

    /// Saves the settings; turning anonymization on makes sure the keychain holds its key.
    pub async fn set_discovery_settings(
        &self,
        settings: DiscoverySettings,
    ) -> Result<DiscoverySettings> {
        if settings.anonymize_users {
            self.anonymizer(true).await?;
        }
        let before = self.discovery_settings().await?;
        self.store
            .set_setting(SETTINGS_KEY, &settings, now_ms())
            .await?;
        // Turning anonymization off (or on) is itself on the record.
        if before.anonymize_users != settings.anonymize_users {
            let (action, detail) = if settings.anonymize_users {
                (
                    "anonymization_on",
                    "new uploads store user names and source addresses as pseudonyms",
                )
            } else {
                (
                    "anonymization_off",
                    "new uploads store real user names and source addresses",
                )
            };
            self.store.audit(action, "", detail, now_ms()).await?;
            tracing::info!("{action}");
        }
        Ok(settings)
    }

    /// The real name behind a pseudonym. The reveal and its reason go to the audit log.
    pub async fn reveal_user(&self, pseudonym: &str, reason: &str) -> Result<RevealedUser> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::Validation("say why the real name is needed".into()));
        }
        let sealed = self
            .store
            .identity(pseudonym)
            .await?
            .ok_or_else(|| Error::NotFound(format!("pseudonym {pseudonym}")))?;
        let name = self.anonymizer(false).await?.open(&sealed)?;
        self.store
            .audit("reveal_user", pseudonym, reason, now_ms())
            .await?;
        tracing::info!(pseudonym, "an anonymized user name was revealed");
        Ok(RevealedUser {
            pseudonym: pseudonym.to_owned(),
            name,
        })
    }

    /// The audit log, newest first.
    pub async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        Ok(self
            .store
            .audit_log(i64::from(limit.clamp(1, 100_000)))
            .await?
            .into_iter()
            .map(|(at_ms, action, subject, detail)| AuditEntry {
                at_ms,
                action,
                subject,
                detail,
            })
            .collect())
    }

    /// The anonymizer of the key in the keychain, creating the key when `create` is set.
    async fn anonymizer(&self, create: bool) -> Result<Anonymizer> {
        let unavailable = |e: Error| {
            Error::Validation(format!(
                "user anonymization keeps its key in the OS keychain, which is not available ({e}); unlock the keychain or turn anonymization off"
            ))
        };
        match self.secrets.get(anonymize::KEY_NAME).await.map_err(unavailable)? {
            Some(key) => Anonymizer::new(&key),
            None if create => {
                let key = Anonymizer::generate_key();
                self.secrets
                    .set(anonymize::KEY_NAME, &key)
                    .await
                    .map_err(unavailable)?;
                Anonymizer::new(&key)
            }
            None => Err(Error::Validation(
                "the anonymization key is no longer in the keychain, so pseudonyms cannot be revealed".into(),
            )),
        }
    }

    /// Replaces the user names and source addresses of an upload by pseudonyms — in its
    /// usage rows and in the malformed-line samples it keeps and shows — and stores the real
    /// values sealed, for a reveal that is audited.
    async fn pseudonymize(
        &self,
        anon: &Anonymizer,
        usage: &mut UploadRows,
        result: &mut DiscoveryResult,
        now: i64,
    ) -> Result<()> {
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut identities = Vec::new();
        let mut seal = |pseudonym: String, real: &str, identities: &mut Vec<(String, Vec<u8>)>| {
            if !seen.contains_key(real) {
                seen.insert(real.to_owned(), pseudonym.clone());
                identities.push((pseudonym, anon.seal(real)?));
            }
            Ok::<_, Error>(())
        };
        let users: Vec<String> = usage.users.iter().map(|u| u.2.clone()).collect();
        for (_, _, user, _) in &mut usage.users {
            let p = anon.pseudonym(user);
            seal(p.clone(), user, &mut identities)?;
            *user = p;
        }
        for (_, _, ip, _) in &mut usage.ips {
            let p = anon.ip_pseudonym(ip);
            seal(p.clone(), ip, &mut identities)?;
            *ip = p;
        }
        let users: Vec<&str> = users.iter().map(String::as_str).collect();
        for sample in &mut result.malformed_samples {
            let (text, replaced) = anon.redact_line(&sample.text, &users);
            for (p, real) in replaced {
                seal(p, &real, &mut identities)?;
            }
            sample.text = text;
        }
        self.store.add_identities(&identities, now).await
    }
}

async fn write(path: &Path, text: &str) -> Result<()> {
    tokio::fs::write(path, text)
        .await
        .map_err(|source| Error::File {
            path: path.to_path_buf(),
            source,
        })
}
