//! What Cloud Discovery reports.
//!
//! Counters are `u64`/`i64` in Rust and plain numbers in TypeScript (`#[specta(type = u32)]`):
//! they stay far below 2^53, where a JavaScript number is still exact.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use specta::Type;

/// A log format the analyst can choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct FormatInfo {
    pub id: String,
    pub name: String,
    pub vendor: String,
}

/// An upload: files, format (`None`/`auto` = detect), report name, or a dry run.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
pub struct DiscoveryRequest {
    pub files: Vec<String>,
    #[serde(default)]
    pub format: Option<String>,
    /// Report to create or add to (default: "Discovery <date>").
    #[serde(default)]
    pub report: Option<String>,
    /// Parse and aggregate without storing anything.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
pub struct LineCounts {
    #[specta(type = u32)]
    pub total: u64,
    #[specta(type = u32)]
    pub parsed: u64,
    #[specta(type = u32)]
    pub skipped: u64,
    #[specta(type = BTreeMap<String, u32>)]
    pub skipped_by_reason: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct UploadedFile {
    pub name: String,
    pub format: String,
    pub confidence: f32,
    #[specta(type = u32)]
    pub bytes: u64,
    pub lines: LineCounts,
    /// Why this archive member was not read, or not to its end (the others were).
    pub error: Option<String>,
}

/// A malformed line kept for the analyst, with where it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct MalformedLine {
    pub file: String,
    #[specta(type = u32)]
    pub line: u64,
    pub reason: String,
    pub text: String,
}

/// The analyst's decision about an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum AppTag {
    Sanctioned,
    Unsanctioned,
    Monitored,
}

impl AppTag {
    pub fn as_str(self) -> &'static str {
        match self {
            AppTag::Sanctioned => "sanctioned",
            AppTag::Unsanctioned => "unsanctioned",
            AppTag::Monitored => "monitored",
        }
    }

    pub fn parse(s: &str) -> Option<AppTag> {
        match s {
            "sanctioned" => Some(AppTag::Sanctioned),
            "unsanctioned" => Some(AppTag::Unsanctioned),
            "monitored" => Some(AppTag::Monitored),
            _ => None,
        }
    }
}

/// An app found in the logs.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct DiscoveredApp {
    pub app_id: String,
    pub name: String,
    pub category: Option<String>,
    pub score: Option<f64>,
    pub confidence: crate::domain::catalog::Confidence,
    #[specta(type = u32)]
    pub transactions: u64,
    #[specta(type = u32)]
    pub bytes_up: u64,
    #[specta(type = u32)]
    pub bytes_down: u64,
    #[specta(type = u32)]
    pub users: u64,
    #[specta(type = u32)]
    pub ips: u64,
    #[specta(type = u32)]
    pub blocked: u64,
    #[specta(type = u32)]
    pub first_seen_ms: i64,
    #[specta(type = u32)]
    pub last_seen_ms: i64,
    pub tag: Option<AppTag>,
}

/// Traffic to a registrable domain (or a bare IP) that no app claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct UnmatchedDomain {
    pub domain: String,
    /// `domain` or `ip`.
    pub kind: String,
    /// For shared infrastructure (CDN, hosting, object storage…), what it is: "Amazon
    /// CloudFront (CDN)". Its traffic belongs to no single app and it never enters a block list.
    pub shared: Option<String>,
    #[specta(type = u32)]
    pub transactions: u64,
    #[specta(type = u32)]
    pub bytes_up: u64,
    #[specta(type = u32)]
    pub bytes_down: u64,
    #[specta(type = u32)]
    pub users: u64,
    #[specta(type = u32)]
    pub ips: u64,
    #[specta(type = u32)]
    pub blocked: u64,
    #[specta(type = u32)]
    pub first_seen_ms: i64,
    #[specta(type = u32)]
    pub last_seen_ms: i64,
}

/// What an upload found.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct DiscoveryResult {
    /// `None` for a dry run.
    pub report_id: Option<String>,
    /// The format of the first file.
    pub format: String,
    pub files: Vec<UploadedFile>,
    pub lines: LineCounts,
    pub malformed_samples: Vec<MalformedLine>,
    pub apps: Vec<DiscoveredApp>,
    pub unmatched_domains: Vec<UnmatchedDomain>,
    #[specta(type = u32)]
    pub duration_ms: u64,
}

/// Live progress of an upload.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct DiscoveryProgress {
    pub job_id: String,
    /// Bytes of the input files consumed (compressed size) and their total.
    #[specta(type = u32)]
    pub file_bytes: u64,
    #[specta(type = u32)]
    pub total_file_bytes: u64,
    /// Bytes of log text read (after decompression).
    #[specta(type = u32)]
    pub bytes: u64,
    #[specta(type = u32)]
    pub lines: u64,
    /// 1-based number of the file being read, of `files`.
    pub file: u32,
    pub files: u32,
    #[specta(type = u32)]
    pub elapsed_ms: u64,
    pub lines_per_sec: f64,
    /// Estimated time left; `None` until it can be estimated.
    #[specta(type = Option<u32>)]
    pub eta_ms: Option<u64>,
}

/// A stored report, as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ReportInfo {
    pub report_id: String,
    pub name: String,
    #[specta(type = u32)]
    pub created_at_ms: i64,
    #[specta(type = u32)]
    pub updated_at_ms: i64,
    pub uploads: u32,
    #[specta(type = u32)]
    pub lines_total: u64,
    #[specta(type = u32)]
    pub lines_skipped: u64,
    pub apps: u32,
    /// Time span of the traffic in the report.
    #[specta(type = Option<u32>)]
    pub first_seen_ms: Option<i64>,
    #[specta(type = Option<u32>)]
    pub last_seen_ms: Option<i64>,
}

/// Apps per risk level (score ≥ 7 low, 4–7 medium, < 4 high; no score = unscored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Type)]
pub struct RiskDistribution {
    pub high: u32,
    pub medium: u32,
    pub low: u32,
    pub unscored: u32,
}

/// Apps per tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Type)]
pub struct TagCounts {
    pub sanctioned: u32,
    pub unsanctioned: u32,
    pub monitored: u32,
    pub untagged: u32,
}

/// The summary cards of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ReportSummary {
    pub apps: u32,
    pub unmatched_domains: u32,
    /// Distinct users and source IPs across the whole report.
    #[specta(type = u32)]
    pub users: u64,
    #[specta(type = u32)]
    pub ips: u64,
    #[specta(type = u32)]
    pub transactions: u64,
    #[specta(type = u32)]
    pub bytes_up: u64,
    #[specta(type = u32)]
    pub bytes_down: u64,
    #[specta(type = u32)]
    pub blocked: u64,
    pub risk: RiskDistribution,
    pub tags: TagCounts,
}

/// One stored upload of a report, with its parse results.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct UploadInfo {
    pub upload_id: String,
    pub file_name: String,
    pub format: String,
    pub confidence: f64,
    #[specta(type = u32)]
    pub bytes: u64,
    pub lines: LineCounts,
    pub samples: Vec<MalformedLine>,
    #[specta(type = u32)]
    pub duration_ms: u64,
    #[specta(type = u32)]
    pub created_at_ms: i64,
    /// Why this archive member was not read, or not to its end (the others were).
    pub error: Option<String>,
}

/// A whole report: what the report page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ReportView {
    pub info: ReportInfo,
    pub summary: ReportSummary,
    pub apps: Vec<DiscoveredApp>,
    pub unmatched_domains: Vec<UnmatchedDomain>,
    pub uploads: Vec<UploadInfo>,
}

/// Usage of one app (or domain) by one user, source IP or day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct UsageBreakdown {
    /// The user (or its pseudonym), the IP, or the day `YYYY-MM-DD`.
    pub label: String,
    /// The label is a pseudonym the analyst may reveal.
    pub pseudonymous: bool,
    #[specta(type = u32)]
    pub transactions: u64,
    #[specta(type = u32)]
    pub bytes_up: u64,
    #[specta(type = u32)]
    pub bytes_down: u64,
    #[specta(type = u32)]
    pub blocked: u64,
    #[specta(type = u32)]
    pub first_seen_ms: i64,
    #[specta(type = u32)]
    pub last_seen_ms: i64,
}

/// The drill-down of one app or unmatched domain in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct UsageDetail {
    /// `app`, `domain` or `ip`.
    pub kind: String,
    pub key: String,
    pub users: Vec<UsageBreakdown>,
    pub ips: Vec<UsageBreakdown>,
    /// Oldest first.
    pub days: Vec<UsageBreakdown>,
}

/// Block-list syntaxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum BlockListFormat {
    /// One domain per line.
    Plain,
    /// A Squid `dstdomain` ACL and its `http_access deny` rule.
    Squid,
    /// A PAN-OS external dynamic list (domain list).
    PanosEdl,
    /// Zscaler custom URL category entries (`.domain` covers subdomains).
    Zscaler,
    /// FortiGate CLI: a web filter URL filter with wildcard block entries.
    Fortigate,
}

impl BlockListFormat {
    pub fn parse(s: &str) -> Option<BlockListFormat> {
        match s {
            "plain" => Some(BlockListFormat::Plain),
            "squid" => Some(BlockListFormat::Squid),
            "panos_edl" | "panos" | "edl" => Some(BlockListFormat::PanosEdl),
            "zscaler" => Some(BlockListFormat::Zscaler),
            "fortigate" => Some(BlockListFormat::Fortigate),
            _ => None,
        }
    }
}

/// One domain a block list of the unsanctioned apps would carry, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct BlockListDomain {
    /// The domain (`*.` not included).
    pub domain: String,
    /// Whether the entry covers the domain's sub-domains.
    pub subdomains: bool,
    pub app_id: String,
    pub app_name: String,
    /// Why it is there: the rule's role for the app and the evidence it rests on.
    pub reason: String,
    /// Why it can never be exported (shared infrastructure); `None` when it can.
    pub excluded: Option<String>,
}

/// What a block list of the unsanctioned apps is made of, before the analyst unticks any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct BlockListPlan {
    pub apps: u32,
    pub domains: Vec<BlockListDomain>,
    /// Related, unverified domains of these apps, left out because nothing shows they are
    /// the app's.
    pub unverified_left_out: u32,
}

/// A block list to preview, copy or save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct BlockList {
    pub format: BlockListFormat,
    pub text: String,
    /// Lines that block something.
    pub entries: u32,
    /// Apps tagged unsanctioned that it covers.
    pub apps: u32,
}

/// A written export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ExportResult {
    pub path: String,
    /// Rows (CSV) or entries (block list) written.
    pub entries: u32,
    /// Apps the block list covers.
    pub apps: u32,
}

/// Cloud Discovery settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
pub struct DiscoverySettings {
    /// Replace user names by keyed pseudonyms in stored reports.
    pub anonymize_users: bool,
}

/// A pseudonym resolved to the real user name (the reveal is in the audit log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct RevealedUser {
    pub pseudonym: String,
    pub name: String,
}

/// How the time stamp column of a custom format is written (times without offset are UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum TimeLayout {
    /// `1652116204` (optionally with a fraction).
    EpochSeconds,
    /// `1652116204250`.
    EpochMillis,
    /// `2022-05-09T17:10:04Z`, with any offset.
    Iso8601,
    /// `2022-05-09 17:10:04`.
    DateTime,
    /// `09/May/2022:17:10:04 +0000`.
    CommonLog,
    /// `05/09/2022 17:10:04` (month first).
    MonthDayYear,
    /// `09/05/2022 17:10:04` (day first).
    DayMonthYear,
}

/// The analyst's mapping of a delimited (CSV/TSV) log's columns (0-based) to traffic fields,
/// saved under a name; uploads use it as format `custom:<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct CustomFormatDef {
    pub name: String,
    /// `,`, tab, `;` or `|`.
    pub delimiter: char,
    /// The first line of every file holds column names.
    #[serde(default)]
    pub has_header: bool,
    pub timestamp: u32,
    pub timestamp_layout: TimeLayout,
    #[serde(default)]
    pub src_ip: Option<u32>,
    #[serde(default)]
    pub user: Option<u32>,
    /// Destination host column (read first when both it and `url` are set).
    #[serde(default)]
    pub host: Option<u32>,
    #[serde(default)]
    pub url: Option<u32>,
    #[serde(default)]
    pub bytes_up: Option<u32>,
    #[serde(default)]
    pub bytes_down: Option<u32>,
    #[serde(default)]
    pub action: Option<u32>,
    /// Action values that mean blocked (any case); empty = deny/block/drop/reject….
    #[serde(default)]
    pub blocked_values: Vec<String>,
}

/// The first lines of a log, split into columns, for mapping a custom format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct LogPreview {
    pub file: String,
    /// The delimiter the lines most likely use.
    pub delimiter: char,
    pub lines: Vec<String>,
    /// `lines` split by `delimiter`.
    pub columns: Vec<Vec<String>>,
}
