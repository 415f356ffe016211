//! v2fly domain-list-community: the auxiliary domains an app really uses (API, CDN, file and
//! tenant hosts) from its per-company list, and coarse categories from the `category-*` lists.

use std::collections::{BTreeMap, HashMap};

use super::sources::V2FLY;
use super::{category_map, read, BuildError, Builder, Result, SHARED_PROVIDERS};
use crate::model::{DomainRole, MatchKind};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Rule {
    Suffix(String),
    Full(String),
    Include(String),
}

/// Parses one list file: `domain`, `domain:x`, `full:x`, `include:x`; `keyword:`/`regexp:`
/// and rules tagged `@ads` are dropped.
fn parse(text: &str) -> Vec<Rule> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        let Some(rule) = parts.next() else { continue };
        if parts.any(|attr| attr == "@ads") {
            continue;
        }
        let rule = rule.split('@').next().unwrap_or(rule).trim_end_matches(':');
        let parsed = if let Some(v) = rule.strip_prefix("full:") {
            Rule::Full(v.to_ascii_lowercase())
        } else if let Some(v) = rule.strip_prefix("domain:") {
            Rule::Suffix(v.to_ascii_lowercase())
        } else if let Some(v) = rule.strip_prefix("include:") {
            Rule::Include(v.to_owned())
        } else if rule.contains(':') {
            continue; // keyword:, regexp:
        } else {
            Rule::Suffix(rule.to_ascii_lowercase())
        };
        out.push(parsed);
    }
    out
}

fn is_company_list(name: &str) -> bool {
    !(name.starts_with("category-") || name.starts_with("geolocation-") || name.starts_with("tld-"))
}

/// `google-deepmind` → `Google Deepmind`.
fn title(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn apply(b: &mut Builder) -> Result<()> {
    let dir = b.path("v2fly-domain-list-community/data");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|source| BuildError::Read {
            path: dir.clone(),
            source,
        })?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    let mut lists: BTreeMap<String, Vec<Rule>> = BTreeMap::new();
    for name in names {
        lists.insert(name.clone(), parse(&read(&dir.join(&name))?));
    }

    // Company lists that a category list names: only these may create new apps, so an app
    // first seen here always has a category from evidence (other lists only add domains).
    let mut categorized = std::collections::HashSet::new();
    for (name, _) in lists.iter().filter(|(n, _)| n.starts_with("category-")) {
        if category_map::v2fly(name).is_some() {
            included(&lists, name, 0, &mut categorized);
        }
    }

    // Company lists: attach to the app with the same primary key, or create it.
    let mut list_app: HashMap<String, usize> = HashMap::new();
    for (name, rules) in lists.iter().filter(|(n, _)| is_company_list(n)) {
        // The app most of the list's rules already belong to; else the list's most frequent
        // registrable domain (one named like the list first, then alphabetical).
        let mut owners: BTreeMap<usize, usize> = BTreeMap::new();
        let mut freq: BTreeMap<String, usize> = BTreeMap::new();
        for r in rules {
            if let Rule::Suffix(h) | Rule::Full(h) = r {
                let Some(host) = b.host(h) else { continue };
                if let Some(i) = b.find(&host) {
                    *owners.entry(i).or_default() += 1;
                }
                if let Some(reg) = b.registrable(&host) {
                    *freq.entry(reg).or_default() += 1;
                }
            }
        }
        let existing = owners
            .iter()
            .max_by(|a, c| a.1.cmp(c.1).then(c.0.cmp(a.0)))
            .map(|(&i, _)| i);
        let named = |reg: &str| reg.split('.').next() == Some(name.as_str());
        let primary = freq
            .iter()
            .max_by(|a, c| (named(a.0), a.1).cmp(&(named(c.0), c.1)).then(c.0.cmp(a.0)))
            .and_then(|(reg, _)| b.key(reg));
        let Some(i) = existing.or_else(|| {
            let primary = primary.clone()?;
            categorized
                .contains(name.as_str())
                .then(|| b.seed(&title(name), &primary, V2FLY))
                .flatten()
        }) else {
            continue;
        };
        let primary = primary.unwrap_or_default();
        list_app.insert(name.clone(), i);
        b.drafts[i].lists.insert(name.clone());
        for r in rules {
            let (h, kind) = match r {
                Rule::Suffix(h) => (h, MatchKind::Suffix),
                Rule::Full(h) => (h, MatchKind::Exact),
                Rule::Include(_) => continue,
            };
            let Some(host) = b.host(h) else { continue };
            let Some(reg) = b.registrable(&host) else {
                continue;
            };
            if kind == MatchKind::Suffix && SHARED_PROVIDERS.contains(&reg.as_str()) {
                continue;
            }
            let Some(key) = b.key(&host) else { continue };
            match b.keys.get(&key) {
                Some(&owner) if owner != i => continue,
                Some(_) => {}
                None if kind == MatchKind::Suffix => {
                    b.keys.insert(key.clone(), i);
                }
                None => {}
            }
            let role = if host == key && kind == MatchKind::Suffix && key == primary {
                DomainRole::Primary
            } else {
                DomainRole::Service
            };
            b.add_domain(i, &host, kind, role, V2FLY);
        }
    }

    // Category lists.
    for (name, _) in lists.iter().filter(|(n, _)| n.starts_with("category-")) {
        let Some(cat) = category_map::v2fly(name) else {
            continue;
        };
        let mut apps = Vec::new();
        collect(b, &lists, &list_app, name, 0, &mut apps);
        apps.sort_unstable();
        apps.dedup();
        for i in apps {
            b.add_category(i, cat, V2FLY, name);
        }
    }
    Ok(())
}

/// Company lists a category list includes, a few levels deep.
fn included<'a>(
    lists: &'a BTreeMap<String, Vec<Rule>>,
    name: &str,
    depth: usize,
    out: &mut std::collections::HashSet<&'a str>,
) {
    if depth > 4 {
        return;
    }
    for r in lists.get(name).into_iter().flatten() {
        if let Rule::Include(inner) = r {
            if let Some((key, _)) = lists.get_key_value(inner.as_str()) {
                if is_company_list(key) {
                    out.insert(key.as_str());
                } else {
                    included(lists, key, depth + 1, out);
                }
            }
        }
    }
}

/// Apps named by a category list, following `include:` a few levels deep.
fn collect(
    b: &Builder,
    lists: &BTreeMap<String, Vec<Rule>>,
    list_app: &HashMap<String, usize>,
    name: &str,
    depth: usize,
    out: &mut Vec<usize>,
) {
    if depth > 4 {
        return;
    }
    if let Some(&i) = list_app.get(name) {
        out.push(i);
        return;
    }
    for r in lists.get(name).into_iter().flatten() {
        match r {
            Rule::Include(inner) => collect(b, lists, list_app, inner, depth + 1, out),
            Rule::Suffix(h) | Rule::Full(h) => {
                if let Some(i) = b.host(h).and_then(|h| b.find(&h)) {
                    out.push(i);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rules_and_drops_ads_keywords_regexps() {
        let rules = parse("# c\nslack.com\nfull:files.slack.com\ndomain:slack-edge.com @cn\nads.slack.com @ads\nkeyword:slack\nregexp:^a\ninclude:other\n");
        assert_eq!(
            rules,
            vec![
                Rule::Suffix("slack.com".into()),
                Rule::Full("files.slack.com".into()),
                Rule::Suffix("slack-edge.com".into()),
                Rule::Include("other".into()),
            ]
        );
    }
}
