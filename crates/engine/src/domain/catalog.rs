//! What the catalog pages and commands show.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use specta::Type;

/// `cloudwarden catalog stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct CatalogStats {
    pub apps: u32,
    pub domains: u32,
    /// Apps per display category.
    pub categories: BTreeMap<String, u32>,
    pub sources: Vec<SourceSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct SourceSummary {
    pub id: String,
    pub license: String,
    pub as_of: String,
}

/// A data source with the attribution its licence requires.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct SourceInfo {
    pub id: String,
    pub name: String,
    pub license: String,
    pub url: String,
    pub as_of: String,
    pub attribution: String,
}

/// How much a score rests on: `high` when at least half of the weighted factors are known
/// (or an analyst set it), `low` below that, `not_enough_data` when no score is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    High,
    Low,
    NotEnoughData,
}

/// An app in one line: search results and host matches.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct AppSummary {
    pub id: String,
    pub name: String,
    /// Display category name.
    pub category: Option<String>,
    /// 0–10, 10 = safest; `None` = not enough data.
    pub score: Option<f64>,
    pub confidence: Confidence,
}

/// A row of the catalog table.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct AppRow {
    pub id: String,
    pub name: String,
    pub vendor: Option<String>,
    pub category: Option<String>,
    pub score: Option<f64>,
    /// Share (0–1) of the weighted factors that are known.
    pub coverage: f64,
    pub confidence: Confidence,
    /// The analyst's decision: sanctioned, unsanctioned, monitored.
    pub tag: Option<crate::domain::discovery::AppTag>,
    /// The app's primary domains (at most five).
    pub domains: Vec<String>,
    /// Added or edited by an analyst.
    pub custom: bool,
    /// The score is an analyst's override.
    pub overridden: bool,
    /// What the search text matched: `name`, `alias: …`, `vendor: …` or `domain: …`.
    pub matched: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum AppSort {
    #[default]
    Name,
    Score,
    Category,
    Coverage,
}

/// A factor filter: `value` is `yes`, `no`, `unknown`, `known`, or a level (`moderate`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct FactorFilter {
    pub factor: String,
    pub value: String,
}

/// Catalog search, filtered, sorted and paged in the engine.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, Type)]
pub struct AppQuery {
    /// Matches name, alias, vendor or domain (case-insensitive).
    #[serde(default)]
    pub text: Option<String>,
    /// Category id.
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub score_min: Option<f64>,
    #[serde(default)]
    pub score_max: Option<f64>,
    #[serde(default)]
    pub factors: Vec<FactorFilter>,
    /// Only apps the analyst tagged so (the "Sanctioned apps" view).
    #[serde(default)]
    pub tag: Option<crate::domain::discovery::AppTag>,
    #[serde(default)]
    pub sort: AppSort,
    #[serde(default)]
    pub descending: bool,
    #[serde(default)]
    pub offset: u32,
    /// 0 = 100.
    #[serde(default)]
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct AppPage {
    /// Rows matching the filters (before paging).
    pub total: u32,
    pub rows: Vec<AppRow>,
}

/// One host and the app it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct HostMatch {
    pub host: String,
    pub app: Option<AppSummary>,
}

/// The full record of an app for its page.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct AppDetail {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub vendor: Option<SourcedText>,
    pub domains: Vec<DomainView>,
    pub categories: Vec<CategoryView>,
    /// The score shown: the override when there is one, else the computed score.
    pub score: Option<f64>,
    pub computed_score: Option<f64>,
    pub coverage: f64,
    pub confidence: Confidence,
    /// The analyst's decision: sanctioned, unsanctioned, monitored.
    pub tag: Option<crate::domain::discovery::AppTag>,
    pub score_override: Option<ScoreOverride>,
    pub groups: Vec<GroupView>,
    pub links: Vec<LinkView>,
    pub custom: bool,
    /// Whether a custom record replaces a built-in app of the same id.
    pub edits_builtin: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct SourcedText {
    pub value: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct DomainView {
    pub pattern: String,
    /// `exact` or `suffix`.
    pub match_kind: String,
    /// `primary`, `additional`, `service` or `tenant`.
    pub role: String,
    pub sources: Vec<String>,
    /// The evidence the rule rests on: `vendor`, `listed`, `brand`, `unverified` or `analyst`.
    pub trust: String,
    /// Whether traffic to it counts as the app's; `false` for related, unverified domains.
    pub attributes: bool,
    /// Why it is (or is not) trusted, in a sentence.
    pub why: String,
    /// Why it never enters a block list (shared infrastructure), if so.
    pub kept_out_of_block_lists: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct CategoryView {
    pub id: String,
    pub name: String,
    pub source: String,
    pub source_value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct LinkView {
    pub kind: String,
    pub url: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ScoreOverride {
    pub score: f64,
    pub note: String,
    pub created_at_ms: f64,
}

/// A factor group of an app with its sub-score.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct GroupView {
    /// `general`, `security`, `compliance`, `legal`.
    pub group: String,
    pub name: String,
    pub weight: Weight,
    pub score: Option<f64>,
    pub coverage: f64,
    /// `false` when no data source of the catalog assesses this group for any app: it is left
    /// out of the score and its coverage.
    pub assessed: bool,
    pub factors: Vec<FactorView>,
}

/// One factor of an app: known with its source, or unknown.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct FactorView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub weight: Weight,
    /// Display value (`Yes`, `No`, `moderate`, a date, a number); `None` = unknown.
    pub value: Option<String>,
    pub score: Option<f64>,
    pub detail: Vec<String>,
    pub source: Option<SourceInfo>,
    /// Where in the source (a URL or a key).
    pub reference: Option<String>,
    pub as_of: Option<String>,
    /// `curated-list`, `authoritative-list`, `vendor-asserted`, `measured`, `analyst`.
    pub method: Option<String>,
}

/// Importance: Ignored/Low/Medium/High/Very high = 0/1/2/4/8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Weight {
    Ignored,
    Low,
    Medium,
    High,
    VeryHigh,
}

/// Settings → Score metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct ScoreMetric {
    pub groups: Vec<GroupWeight>,
    pub factors: Vec<FactorWeight>,
    /// Count unknown factors as 0 instead of ignoring them.
    pub unknown_as_zero: bool,
    /// Below this share (0–1) of weighted factors known, an app shows "not enough data".
    pub min_coverage: f64,
    /// Apply the share-alike Probo overlay (CC BY-SA 4.0): vendor-asserted certifications,
    /// legal documents and headquarters for ~500 common SaaS vendors.
    pub share_alike_overlay: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct GroupWeight {
    pub group: String,
    pub name: String,
    pub weight: Weight,
    pub default_weight: Weight,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct FactorWeight {
    pub id: String,
    pub name: String,
    pub group: String,
    pub weight: Weight,
    pub default_weight: Weight,
    /// Apps in the catalog with a known value.
    pub known_apps: u32,
}

/// What an import file holds, read before anything is saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ImportPreview {
    /// Names of the apps the file holds.
    pub apps: Vec<String>,
    /// Names of the built-in apps the import would replace: saving needs the analyst's
    /// confirmation (`--replace-builtin` in the CLI).
    pub replaces_builtin: Vec<String>,
}

/// A custom app as the analyst enters it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct CustomAppInput {
    /// Empty for a new app (derived from the name); a built-in id to edit that app.
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub vendor: Option<String>,
    /// Host names; `*.example.com` or `example.com` match the domain and its sub-domains,
    /// `=host.example.com` only that host.
    pub domains: Vec<String>,
    /// Category ids.
    pub categories: Vec<String>,
    #[serde(default)]
    pub factors: Vec<CustomFactorInput>,
}

/// A factor value with its required citation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct CustomFactorInput {
    pub factor: String,
    /// `yes`/`no`, a level, a date (`YYYY-MM-DD`) or a number, as the factor expects.
    pub value: String,
    /// URL or document the value comes from (required).
    pub citation: String,
}

/// A category of the taxonomy.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct CategoryInfo {
    pub id: String,
    pub name: String,
    pub apps: u32,
}

/// A factor definition for filters and forms.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct FactorInfo {
    pub id: String,
    pub name: String,
    pub group: String,
    pub description: String,
    /// Values an analyst can filter or enter: `yes`/`no`, levels, `date`, `number`.
    pub values: Vec<String>,
}
