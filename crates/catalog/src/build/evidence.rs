//! Sources that only enrich apps already seeded: HSTS preload, Have I Been Pwned, diodb,
//! ProjectDiscovery bug bounties and Apple's password-manager quirks.

use std::collections::HashMap;

use serde_json::Value as Json;

use super::sources::{self, as_of};
use super::{read, read_json, Builder, Result, UMBRELLA};
use crate::model::{DomainRole, FactorValue, MatchKind, Method, Value};

/// Hosts of vulnerability-disclosure platforms and shared sites: a policy URL there says
/// nothing about which app it is for, so those programs are matched by name.
const PLATFORM_HOSTS: &[&str] = &[
    "hackerone.com",
    "bugcrowd.com",
    "intigriti.com",
    "yeswehack.com",
    "hackenproof.com",
    "github.com",
    "g.co",
    "gitlab.com",
    "google.com",
    "medium.com",
    "notion.site",
    "zendesk.com",
    "responsibledisclosure.com",
    "federacy.com",
    "openbugbounty.org",
    "bugbounty.jp",
    "huntr.dev",
    "immunefi.com",
    "cobalt.io",
    "synack.com",
    "safehats.com",
];

/// Apple's shared-credential groups: domains that share one login are one app.
pub(super) fn apple_shared_credentials(b: &mut Builder) -> Result<()> {
    let doc =
        read_json(&b.path("apple-password-manager-resources/quirks/shared-credentials.json"))?;
    let src = sources::APPLE;
    for group in doc.as_array().into_iter().flatten() {
        let mut hosts: Vec<String> = Vec::new();
        for key in ["shared", "from", "to"] {
            hosts.extend(
                group[key]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Json::as_str)
                    .filter_map(|d| b.host(d)),
            );
        }
        let Some(i) = hosts.iter().find_map(|h| b.find(h)) else {
            continue;
        };
        for h in &hosts {
            b.alias_key(i, h, src, DomainRole::Additional);
        }
    }
    Ok(())
}

/// The app's own web addresses (primary suffix rules).
fn primary_hosts(b: &Builder, i: usize) -> Vec<String> {
    b.drafts[i]
        .domains
        .iter()
        .filter(|((_, kind), (role, _))| {
            *kind == MatchKind::Suffix && matches!(role, DomainRole::Primary | DomainRole::Tenant)
        })
        .map(|((p, _), _)| p.clone())
        .collect()
}

/// Chromium HSTS preload list: true when a primary host, or a parent preloaded with
/// sub-domains, is on the list. Absence stays unknown (it says nothing about the header).
pub(super) fn hsts(b: &mut Builder) -> Result<()> {
    let src = sources::HSTS;
    let tsv = read(&b.path("hsts-preload/hsts_preload_force_https.tsv"))?;
    let mut preload: HashMap<&str, bool> = HashMap::with_capacity(170_000);
    for line in tsv.lines().skip(1) {
        if let Some((host, sub)) = line.split_once('\t') {
            preload.insert(host, sub.trim() == "1");
        }
    }
    let gtlds = read(&b.path("hsts-preload/gtld_include_subdomains.txt"))?;
    let gtlds: Vec<&str> = gtlds
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    for i in 0..b.drafts.len() {
        let mut evidence = None;
        'hosts: for host in primary_hosts(b, i) {
            if preload.contains_key(host.as_str()) {
                evidence = Some(host.clone());
                break;
            }
            let mut rest = host.as_str();
            while let Some((_, parent)) = rest.split_once('.') {
                if preload.get(parent) == Some(&true) {
                    evidence = Some(format!("{parent} (with sub-domains)"));
                    break 'hosts;
                }
                rest = parent;
            }
            if gtlds.contains(&rest) {
                evidence = Some(format!(".{rest} (whole TLD)"));
                break;
            }
        }
        if let Some(matched) = evidence {
            b.set_factor(
                i,
                "hsts_preloaded",
                FactorValue {
                    value: Value::Bool(true),
                    detail: vec![],
                    source: src.into(),
                    reference: Some(format!("HSTS preload list entry {matched}")),
                    as_of: as_of(src).into(),
                    method: Method::AuthoritativeList,
                },
            );
        }
    }
    Ok(())
}

/// Have I Been Pwned: the latest verified breach of the app's own registrable domain.
pub(super) fn hibp(b: &mut Builder) -> Result<()> {
    let doc = read_json(&b.path("hibp-breaches/breaches.json"))?;
    let src = sources::HIBP;
    // app → (latest date, breaches)
    let mut by_app: HashMap<usize, Vec<&Json>> = HashMap::new();
    for br in doc.as_array().into_iter().flatten() {
        let flag = |k: &str| br[k].as_bool().unwrap_or(false);
        if !flag("IsVerified") || flag("IsFabricated") || flag("IsSpamList") || flag("IsRetired") {
            continue;
        }
        let Some(host) = br["Domain"].as_str().and_then(|d| b.host(d)) else {
            continue;
        };
        let Some(key) = b.key(&host) else { continue };
        if let Some(&i) = b.keys.get(&key) {
            by_app.entry(i).or_default().push(br);
        }
    }
    let mut apps: Vec<_> = by_app.into_iter().collect();
    apps.sort_by_key(|(i, _)| *i);
    for (i, mut breaches) in apps {
        breaches.sort_by(|a, c| c["BreachDate"].as_str().cmp(&a["BreachDate"].as_str()));
        let Some(latest) = breaches.first() else {
            continue;
        };
        let Some(date) = latest["BreachDate"].as_str() else {
            continue;
        };
        let detail = breaches
            .iter()
            .map(|br| {
                format!(
                    "{} ({}): {} accounts; {}",
                    br["Title"].as_str().unwrap_or_default(),
                    br["BreachDate"].as_str().unwrap_or_default(),
                    br["PwnCount"].as_u64().unwrap_or(0),
                    br["DataClasses"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Json::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        b.set_factor(
            i,
            "breach_latest",
            FactorValue {
                value: Value::Text(date.to_owned()),
                detail,
                source: src.into(),
                reference: latest["Name"]
                    .as_str()
                    .map(|n| format!("https://haveibeenpwned.com/PwnedWebsites#{n}")),
                as_of: as_of(src).into(),
                method: Method::AuthoritativeList,
            },
        );
    }
    Ok(())
}

fn is_platform(b: &Builder, host: &str) -> bool {
    let Some(reg) = b.registrable(host) else {
        return true;
    };
    PLATFORM_HOSTS.contains(&reg.as_str())
        || UMBRELLA.contains(&reg.as_str())
        || host.starts_with("bugs.")
}

/// disclose.io diodb: disclosure policy, bounty and safe harbour.
pub(super) fn diodb(b: &mut Builder) -> Result<()> {
    let doc = read_json(&b.path("diodb/program-list.json"))?;
    let src = sources::DIODB;
    let names = b.by_name();
    for p in doc.as_array().into_iter().flatten() {
        let Some(url) = p["policy_url"].as_str().filter(|u| !u.is_empty()) else {
            continue;
        };
        let name = p["program_name"].as_str().unwrap_or_default();
        let i = match b.host(url) {
            Some(h) if !is_platform(b, &h) => b.find(&h),
            _ => names.get(&name.to_lowercase()).copied(),
        };
        let Some(i) = i else { continue };
        let fact = |value: Value| FactorValue {
            value,
            detail: vec![],
            source: src.into(),
            reference: Some(url.to_owned()),
            as_of: as_of(src).into(),
            method: Method::CuratedList,
        };
        b.set_factor(i, "vuln_disclosure_policy", fact(Value::Bool(true)));
        match p["offers_bounty"].as_str() {
            Some("yes") => b.set_factor(i, "bug_bounty", fact(Value::Bool(true))),
            Some("no") => b.set_factor(i, "bug_bounty", fact(Value::Bool(false))),
            _ => {}
        }
        if let Some(sh @ ("full" | "partial" | "none")) = p["safe_harbor"].as_str() {
            b.set_factor(i, "safe_harbor", fact(Value::Text(sh.into())));
        }
    }
    Ok(())
}

/// ProjectDiscovery's public programs, matched by name (their domains belong to the vendor,
/// not necessarily to the app).
pub(super) fn bug_bounty(b: &mut Builder) -> Result<()> {
    let doc = read_json(&b.path("public-bugbounty-programs/data.json"))?;
    let src = sources::BUGBOUNTY;
    let names = b.by_name();
    for p in doc["programs"].as_array().into_iter().flatten() {
        let Some(&i) = p["name"]
            .as_str()
            .and_then(|n| names.get(&n.to_lowercase()))
        else {
            continue;
        };
        let fact = |value: Value| FactorValue {
            value,
            detail: vec![],
            source: src.into(),
            reference: p["url"].as_str().map(str::to_owned),
            as_of: as_of(src).into(),
            method: Method::CuratedList,
        };
        b.set_factor(i, "vuln_disclosure_policy", fact(Value::Bool(true)));
        if let Some(bounty) = p["bounty"].as_bool() {
            b.set_factor(i, "bug_bounty", fact(Value::Bool(bounty)));
        }
    }
    Ok(())
}

/// Apple's password rules: the maximum password length a site accepts.
pub(super) fn apple_password_rules(b: &mut Builder) -> Result<()> {
    let doc = read_json(&b.path("apple-password-manager-resources/quirks/password-rules.json"))?;
    let src = sources::APPLE;
    let Some(rules) = doc.as_object() else {
        return Ok(());
    };
    for (domain, r) in rules {
        let Some(text) = r["password-rules"].as_str() else {
            continue;
        };
        let Some(max) = text
            .split(';')
            .filter_map(|part| part.trim().strip_prefix("maxlength:"))
            .find_map(|v| v.trim().parse::<u32>().ok())
        else {
            continue;
        };
        let Some(host) = b.host(domain) else { continue };
        let Some(key) = b.key(&host) else { continue };
        let Some(&i) = b.keys.get(&key) else { continue };
        b.set_factor(
            i,
            "password_max_length",
            FactorValue {
                value: Value::Number(f64::from(max)),
                detail: vec![text.to_owned()],
                source: src.into(),
                reference: Some(format!("quirks/password-rules.json: {domain}")),
                as_of: as_of(src).into(),
                method: Method::CuratedList,
            },
        );
    }
    Ok(())
}
