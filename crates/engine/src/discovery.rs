//! Cloud Discovery in the engine: runs the parsing pipeline over uploaded files, names the
//! apps through the effective catalog, and stores the usage in a report.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use cloudwarden_discovery::aggregate::Stats;
use cloudwarden_discovery::pipeline::{self, Options, Outcome, PipelineError, Progress};
use cloudwarden_discovery::{all_formats, format_by_id, CustomFormat, Format};

use crate::backend::{UploadRows, UsageStats};
use crate::catalog::Effective;
use crate::domain::catalog::Confidence;
use crate::domain::discovery::*;
use crate::{Error, Result};

/// A saved custom format as the discovery crate runs it (the two types share one JSON shape).
pub fn to_custom(def: &CustomFormatDef) -> Result<CustomFormat> {
    let value = serde_json::to_value(def).map_err(|e| Error::Validation(e.to_string()))?;
    let format: CustomFormat =
        serde_json::from_value(value).map_err(|e| Error::Validation(e.to_string()))?;
    format.validate().map_err(Error::Validation)?;
    Ok(format)
}

/// The first lines of a (possibly compressed) log split into columns by the likeliest
/// delimiter (blocking).
pub fn preview(
    path: &std::path::Path,
    delimiter: Option<char>,
    max_lines: usize,
) -> Result<LogPreview> {
    use std::io::Read;
    let mut head = Vec::new();
    cloudwarden_discovery::input::for_each_stream(
        path,
        None,
        cloudwarden_discovery::input::MAX_ARCHIVE_MEMBERS,
        |_, stream| {
            if head.is_empty() {
                let _ = stream.take(256 * 1024).read_to_end(&mut head);
            }
            Ok(())
        },
        |_, _| {},
    )
    .map_err(|e| Error::Validation(e.to_string()))?;
    let text = String::from_utf8_lossy(&head);
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}').to_owned())
        .filter(|l| !l.trim().is_empty())
        .take(max_lines)
        .collect();
    let delimiter = delimiter.unwrap_or_else(|| {
        cloudwarden_discovery::formats::custom::DELIMITERS
            .into_iter()
            .rev() // on a tie, the first (comma) wins
            .max_by_key(|d| lines.first().map_or(0, |l| l.matches(*d).count()))
            .unwrap_or(',')
    });
    let columns = lines
        .iter()
        .map(|l| cloudwarden_discovery::split_columns(l.as_bytes(), delimiter))
        .collect();
    Ok(LogPreview {
        file: path.display().to_string(),
        delimiter,
        lines,
        columns,
    })
}

/// Every format, for `discover formats` and the upload dialog.
pub fn formats() -> Vec<FormatInfo> {
    all_formats()
        .iter()
        .map(|f| FormatInfo {
            id: f.id().into(),
            name: f.name().into(),
            vendor: f.vendor().into(),
        })
        .collect()
}

/// The key a host rolls up to: `(kind, key)` — an app id, a registrable domain or an IP.
pub fn key_of(catalog: &Effective, host: &str) -> (&'static str, String) {
    if let Some(hit) = catalog.matcher().lookup_lower(host) {
        if let Some(app) = catalog.apps().get(hit.app as usize) {
            return ("app", app.id.clone());
        }
    }
    if host.parse::<std::net::IpAddr>().is_ok() {
        return ("ip", host.to_owned());
    }
    if let Some(shared) = catalog.matcher().shared_infra(host) {
        return ("domain", shared.suffix.clone());
    }
    (
        "domain",
        catalog
            .matcher()
            .registrable_domain(host)
            .unwrap_or(host)
            .to_owned(),
    )
}

/// "Amazon CloudFront (CDN)" when a rolled-up domain is shared infrastructure.
pub fn shared_label(catalog: &Effective, kind: &str, key: &str) -> Option<String> {
    if kind != "domain" {
        return None;
    }
    catalog
        .matcher()
        .shared_infra(key)
        .map(|s| format!("{} ({})", s.provider, s.kind.label()))
}

fn usage(s: &Stats) -> UsageStats {
    let i = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    UsageStats {
        transactions: i(s.transactions),
        bytes_up: i(s.bytes_up),
        bytes_down: i(s.bytes_down),
        blocked: i(s.blocked),
        first_seen_ms: s.first_seen_ms,
        last_seen_ms: s.last_seen_ms,
    }
}

/// Parses the files (blocking: call from a blocking thread). `custom` is the analyst's format
/// the request names (`custom:<name>`), looked up by the caller.
pub fn parse(
    request: &DiscoveryRequest,
    custom: Option<&CustomFormat>,
    progress: &Progress,
    cancel: &AtomicBool,
) -> Result<Outcome> {
    let parser = custom
        .map(|c| c.parser().map_err(Error::Validation))
        .transpose()?;
    let format: Option<&dyn Format> = match (&parser, request.format.as_deref().map(str::trim)) {
        (Some(p), _) => Some(p),
        (None, None | Some("" | "auto")) => None,
        (None, Some(id)) => Some(format_by_id(id).ok_or_else(|| {
            Error::Validation(format!(
                "unknown log format \"{id}\"; `cloudwarden discover formats` lists them"
            ))
        })?),
    };
    if request.files.is_empty() {
        return Err(Error::Validation("no log file given".into()));
    }
    let files: Vec<PathBuf> = request.files.iter().map(PathBuf::from).collect();
    for f in &files {
        if !f.is_file() {
            return Err(Error::Validation(format!(
                "{} is not a readable file",
                f.display()
            )));
        }
    }
    let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let options = Options {
        format,
        candidates: all_formats(),
        threads,
        max_archive_members: cloudwarden_discovery::input::MAX_ARCHIVE_MEMBERS,
    };
    pipeline::run(&files, options, progress, cancel).map_err(|e| match e {
        PipelineError::Cancelled => Error::Cancelled,
        PipelineError::UnknownFormat { .. } => Error::Validation(e.to_string()),
        PipelineError::Input(i) => Error::Validation(i.to_string()),
        PipelineError::Parser { .. } => Error::Task(e.to_string()),
    })
}

/// The result of an outcome, and the rows to store.
pub fn summarise(
    outcome: &Outcome,
    catalog: &Effective,
    elapsed: std::time::Duration,
) -> (DiscoveryResult, UploadRows) {
    let rollup = outcome.aggregate.roll_up(|host| key_of(catalog, host));
    let mut rows = UploadRows::default();
    let mut apps = Vec::new();
    let mut domains = Vec::new();
    for (i, (kind, key)) in rollup.keys.iter().enumerate() {
        let t = &rollup.totals[i];
        rows.usage.push((kind, key.clone(), usage(&t.stats)));
        if *kind == "app" {
            let (name, category, score, confidence) = match catalog.summary_of(key) {
                Some(s) => (s.name, s.category, s.score, s.confidence),
                None => (key.clone(), None, None, Confidence::NotEnoughData),
            };
            apps.push(DiscoveredApp {
                app_id: key.clone(),
                name,
                category,
                score,
                confidence,
                transactions: t.stats.transactions,
                bytes_up: t.stats.bytes_up,
                bytes_down: t.stats.bytes_down,
                users: t.users,
                ips: t.ips,
                blocked: t.stats.blocked,
                first_seen_ms: t.stats.first_seen_ms,
                last_seen_ms: t.stats.last_seen_ms,
                tag: None,
            });
        } else {
            domains.push(UnmatchedDomain {
                shared: shared_label(catalog, kind, key),
                domain: key.clone(),
                kind: (*kind).to_owned(),
                transactions: t.stats.transactions,
                bytes_up: t.stats.bytes_up,
                bytes_down: t.stats.bytes_down,
                users: t.users,
                ips: t.ips,
                blocked: t.stats.blocked,
                first_seen_ms: t.stats.first_seen_ms,
                last_seen_ms: t.stats.last_seen_ms,
            });
        }
    }
    for (k, user, s) in rollup.users() {
        let (kind, key) = &rollup.keys[k as usize];
        rows.users
            .push((kind, key.clone(), user.to_owned(), usage(&s)));
    }
    for (k, ip, s) in rollup.ips() {
        let (kind, key) = &rollup.keys[k as usize];
        rows.ips.push((kind, key.clone(), ip.to_owned(), usage(&s)));
    }
    for (k, day, s) in rollup.days() {
        let (kind, key) = &rollup.keys[k as usize];
        rows.days.push((
            kind,
            key.clone(),
            cloudwarden_discovery::time::format_day(day),
            usage(&s),
        ));
    }
    apps.sort_by(|a, b| {
        b.transactions
            .cmp(&a.transactions)
            .then(a.app_id.cmp(&b.app_id))
    });
    domains.sort_by(|a, b| {
        b.transactions
            .cmp(&a.transactions)
            .then(a.domain.cmp(&b.domain))
    });
    let counts = |c: &pipeline::LineCounts| LineCounts {
        total: c.total,
        parsed: c.parsed,
        skipped: c.skipped,
        skipped_by_reason: c
            .skipped_by_reason
            .iter()
            .map(|(k, v)| ((*k).to_owned(), *v))
            .collect(),
    };
    let result = DiscoveryResult {
        report_id: None,
        format: outcome
            .files
            .first()
            .map(|f| f.format.to_owned())
            .unwrap_or_default(),
        files: outcome
            .files
            .iter()
            .map(|f| UploadedFile {
                name: f.name.clone(),
                format: f.format.clone(),
                confidence: f.confidence,
                bytes: f.bytes,
                lines: counts(&f.lines),
                error: f.error.clone(),
            })
            .collect(),
        lines: counts(&outcome.lines),
        malformed_samples: outcome
            .samples
            .iter()
            .map(|s| MalformedLine {
                file: s.file.clone(),
                line: s.line,
                reason: s.reason.into(),
                text: s.text.clone(),
            })
            .collect(),
        apps,
        unmatched_domains: domains,
        duration_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
    };
    (result, rows)
}

/// Per-file upload rows for the store.
pub fn upload_rows(result: &DiscoveryResult, id_base: &str) -> Vec<UploadRows> {
    result
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let samples: Vec<&MalformedLine> = result
                .malformed_samples
                .iter()
                .filter(|s| s.file == f.name)
                .collect();
            let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
            UploadRows {
                upload_id: format!("{id_base}-{i}"),
                file_name: f.name.clone(),
                format: f.format.clone(),
                confidence: f64::from(f.confidence),
                bytes: n(f.bytes),
                lines_total: n(f.lines.total),
                lines_parsed: n(f.lines.parsed),
                lines_skipped: n(f.lines.skipped),
                skipped_by_reason_json: serde_json::to_string(&f.lines.skipped_by_reason)
                    .unwrap_or_else(|_| "{}".into()),
                samples_json: serde_json::to_string(&samples).unwrap_or_else(|_| "[]".into()),
                duration_ms: n(result.duration_ms),
                error: f.error.clone(),
                ..UploadRows::default()
            }
        })
        .collect()
}

/// Runs an upload end to end (blocking parse on a blocking thread).
pub async fn run(
    catalog: Arc<Effective>,
    request: DiscoveryRequest,
    custom: Option<CustomFormat>,
    progress: Arc<Progress>,
    cancel: Arc<AtomicBool>,
) -> Result<(DiscoveryResult, UploadRows)> {
    tokio::task::spawn_blocking(move || {
        let start = Instant::now();
        let outcome = parse(&request, custom.as_ref(), &progress, &cancel)?;
        Ok(summarise(&outcome, &catalog, start.elapsed()))
    })
    .await
    .map_err(|e| Error::Task(e.to_string()))?
}

/// A stored report's apps and unmatched domains (named and scored by the current catalog,
/// tagged with the analyst's tags).
pub fn report_usage(
    catalog: &Effective,
    tags: &std::collections::HashMap<String, AppTag>,
    rows: Vec<(String, String, UsageStats, i64, i64)>,
) -> (Vec<DiscoveredApp>, Vec<UnmatchedDomain>) {
    let u = |v: i64| u64::try_from(v).unwrap_or(0);
    let mut apps = Vec::new();
    let mut domains = Vec::new();
    for (kind, key, s, users, ips) in rows {
        if kind == "app" {
            let summary = catalog.summary_of(&key);
            apps.push(DiscoveredApp {
                name: summary
                    .as_ref()
                    .map_or_else(|| key.clone(), |a| a.name.clone()),
                category: summary.as_ref().and_then(|a| a.category.clone()),
                score: summary.as_ref().and_then(|a| a.score),
                confidence: summary
                    .as_ref()
                    .map_or(Confidence::NotEnoughData, |a| a.confidence),
                tag: tags.get(&key).copied(),
                app_id: key,
                transactions: u(s.transactions),
                bytes_up: u(s.bytes_up),
                bytes_down: u(s.bytes_down),
                users: u(users),
                ips: u(ips),
                blocked: u(s.blocked),
                first_seen_ms: s.first_seen_ms,
                last_seen_ms: s.last_seen_ms,
            });
        } else {
            domains.push(UnmatchedDomain {
                shared: shared_label(catalog, &kind, &key),
                domain: key,
                kind,
                transactions: u(s.transactions),
                bytes_up: u(s.bytes_up),
                bytes_down: u(s.bytes_down),
                users: u(users),
                ips: u(ips),
                blocked: u(s.blocked),
                first_seen_ms: s.first_seen_ms,
                last_seen_ms: s.last_seen_ms,
            });
        }
    }
    (apps, domains)
}

/// The summary cards of a report.
pub fn summary_of(
    apps: &[DiscoveredApp],
    domains: &[UnmatchedDomain],
    users: i64,
    ips: i64,
) -> ReportSummary {
    let mut risk = RiskDistribution::default();
    let mut tags = TagCounts::default();
    for a in apps {
        match a.score {
            None => risk.unscored += 1,
            Some(s) if s >= 7.0 => risk.low += 1,
            Some(s) if s >= 4.0 => risk.medium += 1,
            Some(_) => risk.high += 1,
        }
        match a.tag {
            None => tags.untagged += 1,
            Some(AppTag::Sanctioned) => tags.sanctioned += 1,
            Some(AppTag::Unsanctioned) => tags.unsanctioned += 1,
            Some(AppTag::Monitored) => tags.monitored += 1,
        }
    }
    let sum = |f: &dyn Fn(&DiscoveredApp) -> u64, g: &dyn Fn(&UnmatchedDomain) -> u64| {
        apps.iter()
            .map(f)
            .chain(domains.iter().map(g))
            .fold(0u64, u64::saturating_add)
    };
    let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    ReportSummary {
        apps: n(apps.len()),
        unmatched_domains: n(domains.len()),
        users: u64::try_from(users).unwrap_or(0),
        ips: u64::try_from(ips).unwrap_or(0),
        transactions: sum(&|a| a.transactions, &|d| d.transactions),
        bytes_up: sum(&|a| a.bytes_up, &|d| d.bytes_up),
        bytes_down: sum(&|a| a.bytes_down, &|d| d.bytes_down),
        blocked: sum(&|a| a.blocked, &|d| d.blocked),
        risk,
        tags,
    }
}
