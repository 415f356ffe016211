//! The catalog record: an app, the domains that identify it, its categories and its risk
//! factors — every value with the source it came from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One cloud app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct App {
    /// Stable slug, e.g. `slack`, `google-drive`.
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<Sourced<String>>,
    pub domains: Vec<DomainRule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<CategoryRef>,
    /// Known factor values by factor id; a factor that is absent is unknown.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub factors: BTreeMap<String, FactorValue>,
    /// Evidence pointers for the analyst (trust centre, MFA documentation, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

impl App {
    /// The display category: the first one, which the builder orders by source precedence.
    pub fn category(&self) -> Option<&str> {
        self.categories.first().map(|c| c.id.as_str())
    }

    /// The first primary domain, for display.
    pub fn primary_domain(&self) -> Option<&str> {
        self.domains
            .iter()
            .find(|d| d.role == DomainRole::Primary)
            .or_else(|| self.domains.first())
            .map(|d| d.pattern.as_str())
    }
}

/// A value with its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sourced<T> {
    pub value: T,
    pub source: String,
}

/// How a domain pattern matches a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The host equals the pattern.
    Exact,
    /// The host equals the pattern or ends with `.pattern`.
    Suffix,
}

/// What a domain is to the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DomainRole {
    /// The app's own web address.
    Primary,
    /// Another address of the same service (regional sites, login hosts).
    Additional,
    /// API, CDN, file and asset hosts the app uses.
    Service,
    /// Per-customer hosts such as `acme.slack.com`, `acme.okta.com`.
    Tenant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainRule {
    pub pattern: String,
    #[serde(rename = "match")]
    pub kind: MatchKind,
    pub role: DomainRole,
    /// Source ids that list this domain for this app.
    pub sources: Vec<String>,
}

/// A category with the source value it was mapped from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRef {
    /// Category id, see [`crate::categories`].
    pub id: String,
    pub source: String,
    /// The source's own label (e.g. 2fa.directory `banking`).
    pub source_value: String,
}

/// A known factor value with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorValue {
    pub value: Value,
    /// Extra detail, e.g. the MFA methods.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detail: Vec<String>,
    /// Source id (see the catalog's `sources`).
    pub source: String,
    /// Where in the source, or a URL the analyst can open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Date of the evidence (`YYYY-MM-DD`).
    pub as_of: String,
    pub method: Method,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Number(f64),
    Text(String),
}

/// How a value was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// A community-curated list (2fa.directory, sso.tax, …).
    CuratedList,
    /// An authority's own list (FedRAMP Marketplace, HSTS preload, HIBP).
    AuthoritativeList,
    /// The vendor says so.
    VendorAsserted,
    /// Measured by a probe.
    Measured,
    /// Entered by an analyst, with a citation.
    Analyst,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub kind: String,
    pub url: String,
    pub source: String,
}

/// A data set the catalog was built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub id: String,
    pub name: String,
    pub license: String,
    pub url: String,
    pub commit: String,
    pub as_of: String,
    /// The attribution text the licence asks for.
    pub attribution: String,
}
