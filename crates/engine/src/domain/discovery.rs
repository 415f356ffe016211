//! What Cloud Discovery reports.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A log format the analyst can choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormatInfo {
    pub id: String,
    pub name: String,
    pub vendor: String,
}

/// An upload: files, format (`None`/`auto` = detect), report name, or a dry run.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct LineCounts {
    pub total: u64,
    pub parsed: u64,
    pub skipped: u64,
    pub skipped_by_reason: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UploadedFile {
    pub name: String,
    pub format: String,
    pub confidence: f32,
    pub bytes: u64,
    pub lines: LineCounts,
}

/// A malformed line kept for the analyst, with where it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MalformedLine {
    pub file: String,
    pub line: u64,
    pub reason: String,
    pub text: String,
}

/// An app found in the logs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiscoveredApp {
    pub app_id: String,
    pub name: String,
    pub category: Option<String>,
    pub score: Option<f64>,
    pub transactions: u64,
    pub bytes_up: u64,
    pub bytes_down: u64,
    pub users: u64,
    pub ips: u64,
    pub blocked: u64,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
}

/// Traffic to a registrable domain (or a bare IP) that no app claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmatchedDomain {
    pub domain: String,
    pub transactions: u64,
    pub bytes_up: u64,
    pub bytes_down: u64,
    pub users: u64,
    pub ips: u64,
}

/// What an upload found.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    pub duration_ms: u64,
}
