//! The classification of OAuth permissions into levels (`data/oauth-permissions.json`: each
//! rule a permission name or `*` pattern, for delegated or application grants, with a level, a
//! reason and the vendor page it follows). First matching rule wins; what no rule matches is
//! medium, to be reviewed.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::domain::investigate::{OauthPermission, PermissionLevel};

const DATA: &str = include_str!("../data/oauth-permissions.json");

#[derive(Deserialize)]
struct File {
    sources: std::collections::HashMap<String, Source>,
    vendors: std::collections::HashMap<String, Vec<Rule>>,
}

#[derive(Deserialize)]
struct Source {
    url: String,
}

#[derive(Deserialize)]
struct Rule {
    permission: String,
    kind: String,
    level: String,
    reason: String,
    source: String,
}

/// A rule ready to match: pattern in lower case, kind, level, reason, source URL.
struct Ready {
    pattern: String,
    kind: String,
    level: PermissionLevel,
    reason: String,
    source: Option<String>,
}

struct Compiled {
    vendors: std::collections::HashMap<String, Vec<Ready>>,
}

fn compiled() -> &'static Compiled {
    static C: OnceLock<Compiled> = OnceLock::new();
    C.get_or_init(|| {
        // The file is ours and checked by a test: a broken one classifies nothing.
        let file: File = serde_json::from_str(DATA).unwrap_or(File {
            sources: Default::default(),
            vendors: Default::default(),
        });
        let vendors = file
            .vendors
            .into_iter()
            .map(|(vendor, rules)| {
                let rules = rules
                    .into_iter()
                    .filter_map(|r| {
                        Some(Ready {
                            pattern: r.permission.to_lowercase(),
                            kind: r.kind,
                            level: PermissionLevel::parse(&r.level)?,
                            reason: r.reason,
                            source: file.sources.get(&r.source).map(|s| s.url.clone()),
                        })
                    })
                    .collect();
                (vendor, rules)
            })
            .collect();
        Compiled { vendors }
    })
}

/// Whether `name` (lower case) matches `pattern` (lower case, `*` any run of characters).
fn matches(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || !name[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

/// The level of one permission an app of `vendor` holds as `kind` (`delegated`,
/// `application`), with why.
pub fn classify(vendor: &str, kind: &str, name: &str) -> OauthPermission {
    let lower = name.to_lowercase();
    let found = compiled().vendors.get(vendor).and_then(|rules| {
        rules
            .iter()
            .find(|r| (r.kind == "any" || r.kind == kind) && matches(&r.pattern, &lower))
    });
    match found {
        Some(r) => OauthPermission {
            name: name.to_owned(),
            kind: kind.to_owned(),
            level: r.level,
            reason: r.reason.clone(),
            source: r.source.clone(),
        },
        None => OauthPermission {
            name: name.to_owned(),
            kind: kind.to_owned(),
            level: PermissionLevel::Medium,
            reason: "not classified: review it".into(),
            source: None,
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_data_file_reads_and_every_rule_is_usable() {
        let file: File = serde_json::from_str(DATA).unwrap();
        for (vendor, rules) in &file.vendors {
            assert!(!rules.is_empty(), "{vendor}");
            for r in rules {
                assert!(
                    PermissionLevel::parse(&r.level).is_some(),
                    "{}",
                    r.permission
                );
                assert!(["any", "delegated", "application"].contains(&r.kind.as_str()));
                assert!(file.sources.contains_key(&r.source), "{}", r.source);
                assert!(
                    !r.reason.is_empty() && r.reason.len() <= 100,
                    "{}",
                    r.permission
                );
            }
        }
    }

    #[test]
    fn patterns_match_names() {
        assert!(matches("*.readwrite.all", "files.readwrite.all"));
        assert!(!matches("*.readwrite.all", "files.read.all"));
        assert!(matches("mail.*", "mail.send"));
        assert!(matches("*:write", "contents:write"));
        assert!(matches("a*b*c", "axxbyyc") && !matches("a*b*c", "axxcyyb"));
    }

    #[test]
    fn graph_and_github_permissions_get_their_documented_level() {
        use PermissionLevel::*;
        for (vendor, kind, name, level) in [
            ("m365", "delegated", "User.Read", Low),
            ("m365", "delegated", "openid", Low),
            ("m365", "delegated", "Mail.ReadWrite", High),
            ("m365", "application", "Mail.Read", High),
            ("m365", "application", "Files.ReadWrite.All", High),
            ("m365", "delegated", "Directory.AccessAsUser.All", High),
            (
                "m365",
                "application",
                "RoleManagement.ReadWrite.Directory",
                High,
            ),
            ("github", "delegated", "repo", High),
            ("github", "delegated", "read:user", Low),
            ("github", "delegated", "admin:org", High),
            ("github", "application", "metadata:read", Low),
            ("github", "application", "administration:write", High),
        ] {
            let p = classify(vendor, kind, name);
            assert_eq!(p.level, level, "{vendor} {kind} {name}: {}", p.reason);
            assert!(p.source.is_some(), "{name} cites its source");
        }
        let unknown = classify("m365", "delegated", "Something.Brand.New");
        assert_eq!(unknown.level, Medium);
        assert!(unknown.source.is_none());
    }
}
