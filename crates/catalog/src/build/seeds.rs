//! Sources that create apps: curated umbrella/tenant apps, 2fa.directory, FedRAMP, Wappalyzer
//! (SaaS only), sso.tax, the passkeys directory, TrustLists and Awesome Generative AI.

use serde_json::Value as Json;

use super::sources::{self, as_of};
use super::{category_map, read, read_json, BuildError, Builder, Result};
use crate::model::{DomainRole, FactorValue, MatchKind, Method, Value};

fn str_of<'a>(v: &'a Json, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Json::as_str)
        .filter(|s| !s.trim().is_empty())
}

fn role_of(s: &str) -> DomainRole {
    match s {
        "primary" => DomainRole::Primary,
        "tenant" => DomainRole::Tenant,
        "service" => DomainRole::Service,
        _ => DomainRole::Additional,
    }
}

/// `crates/catalog/curated/apps.json`: our own reviewed entries.
pub(super) fn curated(b: &mut Builder) -> Result<()> {
    let path = super::curated_path("apps.json");
    let doc = read_json(&path)?;
    let src = sources::CURATED;
    for app in doc["apps"].as_array().into_iter().flatten() {
        let (Some(id), Some(name)) = (str_of(app, "id"), str_of(app, "name")) else {
            return Err(BuildError::Parse {
                path,
                message: format!("entry without id/name: {app}"),
            });
        };
        let i = b.drafts.len();
        b.ids.insert(id.to_owned(), i);
        b.drafts.push(super::Draft {
            id: id.to_owned(),
            name: name.to_owned(),
            ..Default::default()
        });
        b.add_name(i, name);
        for alias in app["aliases"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
        {
            b.add_name(i, alias);
        }
        if let Some(vendor) = str_of(app, "vendor") {
            b.set_vendor(i, vendor, src);
        }
        for rule in app["domains"].as_array().into_iter().flatten() {
            let (Some(pattern), Some(kind), Some(role)) =
                (rule[0].as_str(), rule[1].as_str(), rule[2].as_str())
            else {
                continue;
            };
            let kind = if kind == "exact" {
                MatchKind::Exact
            } else {
                MatchKind::Suffix
            };
            let role = role_of(role);
            if kind == MatchKind::Suffix {
                if let Some(key) = b.key(pattern) {
                    b.keys.entry(key).or_insert(i);
                }
            }
            b.add_domain(i, pattern, kind, role, src);
        }
        let reference = str_of(app, "reference").unwrap_or_default().to_owned();
        for cat in app["categories"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
        {
            b.add_category(i, cat, src, &reference);
        }
        if !reference.is_empty() {
            b.add_link(i, "domain_reference", &reference, src);
        }
    }
    Ok(())
}

/// Seeds an entry of the 2factorauth directories (2fa.directory and the passkeys directory
/// share one format): primary domain from `domain_key`, `additional-domains`, categories.
fn seed_directory_entry(
    b: &mut Builder,
    name: &str,
    e: &Json,
    domain_key: &str,
    src: &str,
) -> Option<(usize, String)> {
    let host = str_of(e, domain_key).and_then(|d| b.host(d))?;
    let i = b.seed(name, &host, src)?;
    for extra in e["additional-domains"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
    {
        if let Some(h) = b.host(extra) {
            b.alias_key(i, &h, src, DomainRole::Additional);
        }
    }
    let cats: Vec<&str> = match &e["categories"] {
        Json::String(s) => vec![s.as_str()],
        Json::Array(a) => a.iter().filter_map(Json::as_str).collect(),
        _ => vec![],
    };
    for slug in cats {
        if let Some(cat) = category_map::twofa(slug) {
            b.add_category(i, cat, src, slug);
        }
    }
    Some((i, host))
}

/// 2fa.directory: name, primary and additional domains, categories and MFA support. An entry
/// with only a `contact` block is listed by the directory as *not* supporting 2FA.
pub(super) fn twofa(b: &mut Builder) -> Result<()> {
    let doc = read_json(&b.path("2fa-directory/entries.json"))?;
    let src = sources::TWOFA;
    let Some(entries) = doc.as_object() else {
        return Ok(());
    };
    for (name, e) in entries {
        let Some((i, host)) = seed_directory_entry(b, name, e, "domain", src) else {
            continue;
        };
        let reference = Some(format!("2fa.directory entry \"{name}\" ({host})"));
        let methods: Vec<String> = e["tfa"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .map(str::to_owned)
            .collect();
        if !methods.is_empty() {
            let u2f = methods.iter().any(|m| m == "u2f");
            b.set_factor(
                i,
                "mfa_support",
                FactorValue {
                    value: Value::Bool(true),
                    detail: methods,
                    source: src.into(),
                    reference: str_of(e, "documentation")
                        .map(str::to_owned)
                        .or(reference.clone()),
                    as_of: as_of(src).into(),
                    method: Method::CuratedList,
                },
            );
            if u2f {
                b.set_factor(
                    i,
                    "phishing_resistant_mfa",
                    FactorValue {
                        value: Value::Bool(true),
                        detail: vec!["u2f".into()],
                        source: src.into(),
                        reference: reference.clone(),
                        as_of: as_of(src).into(),
                        method: Method::CuratedList,
                    },
                );
            }
        } else if e.get("contact").is_some() {
            b.set_factor(
                i,
                "mfa_support",
                FactorValue {
                    value: Value::Bool(false),
                    detail: vec![],
                    source: src.into(),
                    reference,
                    as_of: as_of(src).into(),
                    method: Method::CuratedList,
                },
            );
        }
        if let Some(doc_url) = str_of(e, "documentation") {
            b.add_link(i, "mfa_documentation", doc_url, src);
        }
    }
    Ok(())
}

/// FedRAMP Marketplace: one vendor per website; the highest authorised impact level.
pub(super) fn fedramp(b: &mut Builder) -> Result<()> {
    let doc = read_json(&b.path("fedramp-marketplace/data.json"))?;
    let src = sources::FEDRAMP;
    let rank = |l: &str| match l {
        "high" => 4,
        "moderate" => 3,
        "low" => 2,
        "li-saas" => 1,
        _ => 0,
    };
    for p in doc["data"]["Providers"].as_array().into_iter().flatten() {
        let Some(host) = str_of(p, "CSP_Website").and_then(|w| b.host(w)) else {
            continue;
        };
        let vendor = str_of(p, "Cloud_Service_Provider_Name").unwrap_or_default();
        let package = str_of(p, "Cloud_Service_Provider_Package").unwrap_or(vendor);
        let name = if b.find(&host).is_some() {
            package
        } else {
            vendor
        };
        let Some(i) = b.seed(name, &host, src) else {
            continue;
        };
        b.set_vendor(i, vendor, src);
        for model in p["Service_Model"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
        {
            if model == "IaaS" || model == "PaaS" {
                b.add_category(i, "cloud-computing-platform", src, model);
            }
        }
        if str_of(p, "Designation") != Some("Compliant") {
            continue;
        }
        let level = match str_of(p, "Impact_Level")
            .unwrap_or_default()
            .to_ascii_lowercase()
            .as_str()
        {
            "high" => "high",
            "moderate" => "moderate",
            "low" => "low",
            l if l.contains("li-saas") || l.contains("tailored") => "li-saas",
            _ => continue,
        };
        let current = b.drafts[i]
            .factors
            .get("fedramp_level")
            .and_then(|f| match &f.value {
                Value::Text(t) => Some(rank(t)),
                _ => None,
            });
        if current.is_none_or(|c| rank(level) > c) {
            b.drafts[i].factors.insert(
                "fedramp_level".into(),
                FactorValue {
                    value: Value::Text(level.into()),
                    detail: vec![package.to_owned()],
                    source: src.into(),
                    reference: str_of(p, "Package_ID")
                        .map(|id| format!("https://marketplace.fedramp.gov/products/{id}")),
                    as_of: as_of(src).into(),
                    method: Method::AuthoritativeList,
                },
            );
        }
    }
    Ok(())
}

/// Wappalyzer technologies flagged `saas: true`: name, website and functional category.
pub(super) fn wappalyzer(b: &mut Builder) -> Result<()> {
    let src = sources::WAPPALYZER;
    let cats = read_json(&b.path("wappalyzer-mit-2023-01/src/categories.json"))?;
    let dir = b.path("wappalyzer-mit-2023-01/src/technologies");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|source| BuildError::Read {
            path: dir.clone(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for file in files {
        let doc = read_json(&file)?;
        let Some(techs) = doc.as_object() else {
            continue;
        };
        for (name, t) in techs {
            if t.get("saas") != Some(&Json::Bool(true)) {
                continue;
            }
            let Some(host) = str_of(t, "website").and_then(|w| b.host(w)) else {
                continue;
            };
            let Some(i) = b.seed(name, &host, src) else {
                continue;
            };
            // The hosts its scripts load from (`scriptSrc`): a second source for service
            // domains such as `code.tidio.co` or `static.intercomcdn.com`.
            let patterns: Vec<&str> = match &t["scriptSrc"] {
                Json::String(p) => vec![p.as_str()],
                Json::Array(a) => a.iter().filter_map(Json::as_str).collect(),
                _ => vec![],
            };
            let script_hosts: Vec<String> = patterns
                .into_iter()
                .filter_map(host_in_pattern)
                .filter_map(|h| b.host(&h))
                // Only the technology's own hosts: a plug-in's patterns name the platform it
                // loads from too (`js.stripe.com` for a payment add-on).
                .filter(|h| b.carries_name(name, h) || b.registrable(h) == b.registrable(&host))
                .collect();
            for script_host in script_hosts {
                b.add_domain(i, &script_host, MatchKind::Suffix, DomainRole::Service, src);
            }
            for id in t["cats"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Json::as_u64)
            {
                let Some(cat_name) = cats[id.to_string()]["name"].as_str() else {
                    continue;
                };
                if let Some(cat) = category_map::wappalyzer(cat_name) {
                    b.add_category(i, cat, src, cat_name);
                }
            }
        }
    }
    Ok(())
}

/// The literal host a Wappalyzer `scriptSrc` pattern starts with (`code\\.tidio\\.co` →
/// `code.tidio.co`), or `None` when the host part is itself a pattern (`(?:cdn|js)\\.x\\.com`).
fn host_in_pattern(p: &str) -> Option<String> {
    let p = p.split("\\;").next().unwrap_or(p);
    let p = p.trim_start_matches('^');
    let p = ["(?:https?:)?//", "https?://", "https://", "http://", "//"]
        .iter()
        .find_map(|pre| p.strip_prefix(pre))
        .unwrap_or(p);
    let mut host = String::new();
    let mut chars = p.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_alphanumeric() || c == '-' {
            host.push(c.to_ascii_lowercase());
            chars.next();
        } else if c == '\\' {
            chars.next();
            if chars.peek() == Some(&'.') {
                host.push('.');
                chars.next();
            } else {
                return None;
            }
        } else {
            break;
        }
    }
    // What follows must end the host: a path, or the end of the pattern.
    match chars.peek() {
        None | Some('/') => {}
        _ => return None,
    }
    (host.contains('.') && !host.starts_with('.') && !host.ends_with('.')).then_some(host)
}

/// sso.tax: the vendor offers SSO, but only on a premium tier.
pub(super) fn sso_tax(b: &mut Builder) -> Result<()> {
    let doc = read_json(&b.path("sso-wall-of-shame/vendors.json"))?;
    let src = sources::SSO_TAX;
    for v in doc.as_array().into_iter().flatten() {
        let (Some(name), Some(host)) = (
            str_of(v, "name"),
            str_of(v, "vendor_url").and_then(|u| b.host(u)),
        ) else {
            continue;
        };
        let Some(i) = b.seed(name, &host, src) else {
            continue;
        };
        let as_of = str_of(v, "updated_at").unwrap_or(as_of(src)).to_owned();
        let reference = str_of(v, "pricing_source").map(str::to_owned);
        let detail: Vec<String> = [
            ("base", "base_pricing"),
            ("SSO", "sso_pricing"),
            ("increase", "percent_increase"),
        ]
        .iter()
        .filter_map(|(label, k)| str_of(v, k).map(|p| format!("{label}: {p}")))
        .collect();
        for factor in ["sso_available", "sso_paid_tier_only"] {
            b.set_factor(
                i,
                factor,
                FactorValue {
                    value: Value::Bool(true),
                    detail: detail.clone(),
                    source: src.into(),
                    reference: reference.clone(),
                    as_of: as_of.clone(),
                    method: Method::CuratedList,
                },
            );
        }
    }
    Ok(())
}

/// Passkeys directory: passkeys as a second factor (phishing-resistant) or for passwordless
/// sign-in.
pub(super) fn passkeys(b: &mut Builder) -> Result<()> {
    let doc = read_json(&b.path("passkeys-directory/entries.json"))?;
    let src = sources::PASSKEYS;
    let Some(entries) = doc.as_object() else {
        return Ok(());
    };
    for (name, e) in entries {
        let Some((i, _)) = seed_directory_entry(b, name, e, "_domain_from_filename", src) else {
            continue;
        };
        let fact = |detail: &str| FactorValue {
            value: Value::Bool(true),
            detail: vec![detail.into()],
            source: src.into(),
            reference: str_of(e, "documentation").map(str::to_owned),
            as_of: as_of(src).into(),
            method: Method::CuratedList,
        };
        if str_of(e, "mfa") == Some("allowed") {
            b.set_factor(
                i,
                "phishing_resistant_mfa",
                fact("passkey as second factor"),
            );
            b.set_factor(i, "mfa_support", fact("passkey"));
        }
        if str_of(e, "passwordless") == Some("allowed") {
            b.set_factor(i, "passkey_sign_in", fact("passwordless"));
        }
    }
    Ok(())
}

/// TrustLists: the vendor publishes a trust centre (a link for the analyst, not a factor).
pub(super) fn trustlists(b: &mut Builder) -> Result<()> {
    let doc = read_json(&b.path("trustlists/trust-centers.json"))?;
    let src = sources::TRUSTLISTS;
    for t in doc["data"].as_array().into_iter().flatten() {
        let (Some(name), Some(host)) = (
            str_of(t, "name"),
            str_of(t, "website").and_then(|w| b.host(w)),
        ) else {
            continue;
        };
        let Some(i) = b.seed(name, &host, src) else {
            continue;
        };
        if let Some(url) = str_of(t, "trustCenter") {
            b.add_link(i, "trust_center", url, src);
        }
    }
    Ok(())
}

/// Awesome Generative AI: product sites are generative-AI apps.
/// Hosts of app stores and code hosts, where a list's link points to a listing page.
const STORE_HOSTS: &[&str] = &[
    "chromewebstore.google.com",
    "chrome.google.com",
    "play.google.com",
    "apps.apple.com",
    "addons.mozilla.org",
    "microsoftedge.microsoft.com",
    "marketplace.visualstudio.com",
    "github.com",
    "gitlab.com",
    "huggingface.co",
];

pub(super) fn generative_ai(b: &mut Builder) -> Result<()> {
    let path = b.path("awesome-generative-ai/entries.tsv");
    let text = read(&path)?;
    let src = sources::GENAI;
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [_, section, _, name, url, host, kind] = cols[..] else {
            continue;
        };
        if kind != "product_site" || section == "Learning resources" || section == "More lists" {
            continue;
        }
        let Some(host) = b.host(host) else { continue };
        // A listing page in a store or on a code host is not the product's own site, nor is
        // a page deep in a site that does not carry the product's name (a blog post on
        // `deepmind.google` about Gopher).
        if STORE_HOSTS.contains(&host.as_str()) {
            continue;
        }
        let path = url
            .split_once("://")
            .map_or(url, |(_, r)| r)
            .split_once('/')
            .map_or("", |(_, p)| p.trim_matches('/'));
        if !path.is_empty() && !b.carries_name(name, &host) {
            continue;
        }
        let Some(i) = b.seed(name, &host, src) else {
            continue;
        };
        b.add_category(i, "generative-ai", src, section);
    }
    Ok(())
}

#[cfg(test)]
mod script_tests {
    use super::host_in_pattern;

    #[test]
    fn literal_hosts_are_read_from_script_patterns() {
        assert_eq!(
            host_in_pattern("code\\.tidio\\.co").as_deref(),
            Some("code.tidio.co")
        );
        assert_eq!(
            host_in_pattern("static\\.intercomcdn\\.com/intercom\\.v1").as_deref(),
            Some("static.intercomcdn.com")
        );
        assert_eq!(
            host_in_pattern("^https?://js\\.stripe\\.com/v3\\;version:3").as_deref(),
            Some("js.stripe.com")
        );
        assert_eq!(host_in_pattern("(?:cdn|js)\\.example\\.com"), None);
        assert_eq!(host_in_pattern("cdn\\.example\\.(?:com|net)/x"), None);
        assert_eq!(host_in_pattern("/wp-content/plugins/x"), None);
        assert_eq!(host_in_pattern("jquery.*\\.js"), None);
    }
}
