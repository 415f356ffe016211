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
    /// Why the rule may attribute traffic to the app — or, for `unverified`, why it may not.
    #[serde(default)]
    pub trust: Trust,
}

impl DomainRule {
    /// Whether traffic to this pattern counts as the app's (and may enter a block list).
    pub fn attributes(&self) -> bool {
        self.trust != Trust::Unverified
    }
}

/// The evidence a domain rule rests on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Trust {
    /// Our curated entry, which cites the vendor's own published list of its domains.
    Vendor,
    /// A source about the app itself (2fa.directory, FedRAMP, Wappalyzer, …) names this domain
    /// as the app's address — a second source beside any routing list.
    Listed,
    /// The site a source's sign-in or app host belongs to (`opera.com` for `auth.opera.com`).
    Site,
    /// Only a routing list names it, and its registrable domain carries the app's, vendor's or
    /// list's brand (`hpsmart.com` for HP).
    Brand,
    /// Only a routing list groups it with the app (v2fly lists group domains for routing, not
    /// by owner): shown as related, never used to attribute traffic or build block lists.
    Unverified,
    /// Entered by an analyst (custom apps and edits).
    #[default]
    Analyst,
}

impl DomainRole {
    pub fn as_str(self) -> &'static str {
        match self {
            DomainRole::Primary => "primary",
            DomainRole::Additional => "additional",
            DomainRole::Service => "service",
            DomainRole::Tenant => "tenant",
        }
    }
}

impl Trust {
    /// The name it has in `catalog.json` and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Trust::Vendor => "vendor",
            Trust::Listed => "listed",
            Trust::Site => "site",
            Trust::Brand => "brand",
            Trust::Unverified => "unverified",
            Trust::Analyst => "analyst",
        }
    }

    /// One sentence on why the rule is (or is not) trusted, for the app page and block lists.
    pub fn explain(self) -> &'static str {
        match self {
            Trust::Vendor => "the vendor's own published domain list (curated, cited)",
            Trust::Listed => "listed for this app by a source about the app itself",
            Trust::Site => "the site of a sign-in or app host a source lists for this app",
            Trust::Brand => "the domain carries the app's brand; named by a routing list",
            Trust::Unverified => {
                "only a routing list groups it with this app: related, unverified, not attributed"
            }
            Trust::Analyst => "entered by an analyst",
        }
    }
}

/// What kind of shared infrastructure a suffix is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SharedKind {
    /// Content delivery networks: edge hosts serve thousands of unrelated sites.
    Cdn,
    /// Cloud and web hosting platforms: each sub-domain is a different customer's site.
    CloudHosting,
    /// Object storage: each bucket or container is a different customer's.
    ObjectStorage,
    /// DNS reverse-lookup zones: not a site at all.
    DnsReverse,
    /// Tag managers, analytics and ad networks embedded in unrelated sites.
    Tracking,
}

impl SharedKind {
    pub fn label(self) -> &'static str {
        match self {
            SharedKind::Cdn => "CDN",
            SharedKind::CloudHosting => "cloud hosting",
            SharedKind::ObjectStorage => "object storage",
            SharedKind::DnsReverse => "DNS reverse zone",
            SharedKind::Tracking => "tracking and ads",
        }
    }
}

/// A domain suffix that many unrelated sites share (curated, each entry cited): never
/// attributed to one app, never put into a block list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedInfra {
    pub suffix: String,
    pub provider: String,
    pub kind: SharedKind,
    /// A page that shows the suffix is shared (the provider's documentation).
    pub reference: String,
    /// The app that owns it, when it is a vendor's own CDN that unrelated sites embed too
    /// (Google Fonts on `gstatic.com`): its hosts are attributed to that app, but it never
    /// enters a block list. `None`: attributed to no app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
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

/// Why a domain pattern, app name or app id was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidInput(pub String);

impl std::fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidInput {}

/// Checks that `pattern` is a DNS name a block list can carry verbatim: two labels or more of
/// ASCII letters, digits and hyphens (punycode for international names), 1–63 characters a
/// label, no hyphen at either end of a label, 253 characters in all (RFC 1035 §2.3.1,
/// RFC 5891 §4.2.3.1). No wildcard, space, quote, slash or control character can pass, so a
/// pattern can never close or open a statement in a firewall's syntax.
pub fn check_domain_pattern(pattern: &str) -> Result<(), InvalidInput> {
    let shown: String = pattern
        .chars()
        .take(80)
        .flat_map(char::escape_debug)
        .collect();
    let bad = |why: &str| Err(InvalidInput(format!("\"{shown}\" is not a domain: {why}")));
    if pattern.is_empty() {
        return bad("it is empty");
    }
    if pattern.len() > 253 {
        return bad("longer than 253 characters");
    }
    if !pattern.contains('.') {
        return bad("it needs two labels or more (example.com)");
    }
    for label in pattern.split('.') {
        if label.is_empty() {
            return bad("an empty label (leading, trailing or doubled dot)");
        }
        if label.len() > 63 {
            return bad("a label longer than 63 characters");
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return bad("only lower-case letters, digits, hyphens and dots are allowed");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return bad("a label starts or ends with a hyphen");
        }
    }
    Ok(())
}

/// Checks an app name: not blank, at most 200 characters, and no control, line-separator or
/// bidirectional-override character (a name goes into comments of exported block lists,
/// reports and CSV files, where a newline would start a statement and an override would
/// disguise one).
pub fn check_app_name(name: &str) -> Result<(), InvalidInput> {
    if name.trim().is_empty() {
        return Err(InvalidInput("the app needs a name".into()));
    }
    if name.chars().count() > 200 {
        return Err(InvalidInput(
            "an app name has at most 200 characters".into(),
        ));
    }
    if let Some(c) = name.chars().find(|c| is_hidden_char(*c)) {
        let shown: String = name.chars().take(80).flat_map(char::escape_debug).collect();
        return Err(InvalidInput(format!(
            "the app name \"{shown}\" contains the character U+{:04X}, which names may not hold",
            u32::from(c)
        )));
    }
    Ok(())
}

/// Checks an app id: 1–100 characters of lower-case letters, digits, `.`, `_` and `-`,
/// starting with a letter or digit (the shape of every built-in id).
pub fn check_app_id(id: &str) -> Result<(), InvalidInput> {
    let ok = !id.is_empty()
        && id.len() <= 100
        && id.as_bytes()[0].is_ascii_alphanumeric()
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_' || b == b'-'
        });
    if ok {
        Ok(())
    } else {
        let shown: String = id.chars().take(80).flat_map(char::escape_debug).collect();
        Err(InvalidInput(format!(
            "\"{shown}\" is not an app id (lower-case letters, digits, '.', '_' and '-')"
        )))
    }
}

/// Characters that change how text around them is read without being seen: control
/// characters (newline, CR, NEL among them), line and paragraph separators, and bidirectional
/// embeddings, overrides and isolates.
pub fn is_hidden_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

#[cfg(test)]
mod input_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn domain_patterns_are_dns_names_and_nothing_else() {
        for ok in [
            "example.com",
            "a.b-c.example.co.uk",
            "xn--bcher-kva.example",
            "1.2.3.4",
        ] {
            assert!(check_domain_pattern(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "localhost",
            "*.example.com",
            ".example.com",
            "example.com.",
            "a..com",
            "-a.com",
            "a-.com",
            "Example.com",
            "exa mple.com",
            "x.com\"\n    next\nend\nconfig system admin",
            "x.com\nhttp_access allow all",
            "x.com/path",
            "x.com;",
            "bücher.example",
        ] {
            assert!(check_domain_pattern(bad).is_err(), "{bad:?}");
        }
        assert!(check_domain_pattern(&format!("{}.com", "a".repeat(64))).is_err());
        assert!(check_domain_pattern(&format!("{}com", "abcdefghi.".repeat(26))).is_err());
    }

    #[test]
    fn app_names_hold_no_hidden_characters() {
        assert!(check_app_name("Evil App").is_ok());
        assert!(check_app_name("Bücher & Co — Ünïcode").is_ok());
        for bad in [
            "",
            "  ",
            "Evil App\nhttp_access allow all",
            "Evil\rApp",
            "Evil\u{85}App",
            "Evil\u{2028}App",
            "Evil\u{202E}ppA",
            "Evil\u{2066}App",
            "tab\there",
        ] {
            assert!(check_app_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_app_name(&"x".repeat(201)).is_err());
    }

    #[test]
    fn app_ids_are_slugs() {
        assert!(check_app_id("custom-evil-app").is_ok());
        assert!(check_app_id("microsoft-365").is_ok());
        for bad in ["", "-x", "Evil", "a b", "a\nb", "a/b", &"a".repeat(101)] {
            assert!(check_app_id(bad).is_err(), "{bad:?}");
        }
    }
}
