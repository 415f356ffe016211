//! Policies on what the store holds now rather than on a stream of events: files by their
//! sharing, third-party OAuth apps by what they hold, and the apps of an uploaded Cloud
//! Discovery report. Each match names a record once per policy (its evidence key), so
//! evaluating the same state again raises nothing new.

use std::collections::HashSet;

use crate::backend::NewMatch;
use crate::domain::discovery::{AppTag, DiscoveredApp, ReportInfo};
use crate::domain::investigate::{
    FileRow, OauthAppRow, OauthAppStatus, PermissionLevel, SharingLevel,
};
use crate::domain::policies::{
    Detection, DiscoveryCondition, Entity, EntityKind, Evidence, FileCondition, OauthAppCondition,
    Policy, PolicyDefinition, PolicyScope,
};

/// Consumer mail services: a collaborator at one of these is a personal address.
pub const PERSONAL_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "ymail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "gmx.com",
    "gmx.net",
    "gmx.de",
    "web.de",
    "mail.com",
    "zoho.com",
    "yandex.com",
    "yandex.ru",
    "mail.ru",
    "qq.com",
    "163.com",
    "126.com",
    "tutanota.com",
    "fastmail.com",
    "hey.com",
];

fn sharing_rank(s: SharingLevel) -> u8 {
    match s {
        SharingLevel::Private => 0,
        SharingLevel::Internal => 1,
        SharingLevel::External => 2,
        SharingLevel::Public => 3,
    }
}

/// `*` matches any run of characters; compared without case.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.to_lowercase(), text.to_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == t;
    }
    let mut rest = t.as_str();
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

fn file_in_scope(scope: &PolicyScope, f: &FileRow) -> bool {
    let owner = f.owner.as_deref().unwrap_or("");
    (scope.apps.is_empty() || scope.apps.contains(&f.app))
        && (scope.instance_ids.is_empty() || scope.instance_ids.contains(&f.instance_id))
        && (scope.users.is_empty() || scope.users.iter().any(|u| u.eq_ignore_ascii_case(owner)))
        && !scope
            .exclude_users
            .iter()
            .any(|u| u.eq_ignore_ascii_case(owner))
}

/// Whether a file matches a file policy's condition.
pub fn file_matches(c: &FileCondition, f: &FileRow) -> bool {
    let base = f.name.rsplit(['/', '\\']).next().unwrap_or(&f.name);
    let ext = base.rsplit_once('.').map(|(_, e)| e.to_lowercase());
    let domains = || f.domains.iter().map(|d| d.to_lowercase());
    c.instance_id.as_deref().is_none_or(|i| i == f.instance_id)
        && c.app.as_deref().is_none_or(|a| a == f.app)
        && c.sharing
            .is_none_or(|s| sharing_rank(f.sharing) >= sharing_rank(s))
        && (c.name_patterns.is_empty() || c.name_patterns.iter().any(|p| wildcard(p, base)))
        && (c.extensions.is_empty()
            || ext.as_deref().is_some_and(|e| {
                c.extensions
                    .iter()
                    .any(|x| x.trim_start_matches('.').eq_ignore_ascii_case(e))
            }))
        && c.owner.as_deref().is_none_or(|o| {
            f.owner
                .as_deref()
                .is_some_and(|fo| fo.eq_ignore_ascii_case(o))
        })
        && (c.collaborator_domains.is_empty()
            || domains().any(|d| {
                c.collaborator_domains
                    .iter()
                    .any(|w| w.trim().eq_ignore_ascii_case(&d))
            }))
        && (!c.personal_collaborators
            || domains().any(|d| PERSONAL_MAIL_DOMAINS.contains(&d.as_str())))
}

/// The matches of file policies on `files` (one alert per policy and owner).
pub fn file_matches_of(policies: &[Policy], files: &[FileRow]) -> Vec<NewMatch> {
    let mut out = Vec::new();
    for p in policies {
        let PolicyDefinition::File(c) = &p.definition else {
            continue;
        };
        for f in files {
            if !file_in_scope(&p.scope, f) || !file_matches(c, f) {
                continue;
            }
            let owner = f.owner.clone().unwrap_or_else(|| f.instance_name.clone());
            let mut entities = vec![Entity {
                kind: EntityKind::File,
                id: f.external_id.clone(),
                label: f.name.clone(),
                instance_id: Some(f.instance_id.clone()),
            }];
            if let Some(o) = &f.owner {
                entities.push(Entity {
                    kind: EntityKind::Account,
                    id: o.clone(),
                    label: o.clone(),
                    instance_id: Some(f.instance_id.clone()),
                });
            }
            let shared_with = if f.domains.is_empty() {
                String::new()
            } else {
                format!(", shared with {}", f.domains.join(", "))
            };
            out.push(NewMatch {
                policy_id: p.id.clone(),
                policy_name: p.name.clone(),
                severity: p.severity,
                group_key: format!("{}|{owner}", f.instance_id),
                title: format!("{}: files of {owner}", p.name),
                description: p.description.clone(),
                entities,
                evidence: vec![(
                    format!(
                        "file:{}:{}:{}",
                        f.instance_id,
                        f.external_id,
                        f.sharing.as_str()
                    ),
                    Evidence {
                        kind: "file".into(),
                        instance_id: Some(f.instance_id.clone()),
                        ref_id: f.external_id.clone(),
                        occurred_at_ms: f.modified_at_ms.unwrap_or(0),
                        summary: format!(
                            "{} ({}) is {}{shared_with}",
                            f.name,
                            f.instance_name,
                            f.sharing.as_str()
                        ),
                    },
                )],
            });
        }
    }
    out
}

/// Whether an OAuth app matches an OAuth app policy's condition.
pub fn oauth_matches(c: &OauthAppCondition, a: &OauthAppRow) -> bool {
    c.permission_level.is_none_or(|l| a.level >= l)
        && (c.scopes.is_empty()
            || a.permissions.iter().any(|p| {
                c.scopes
                    .iter()
                    .any(|s| s.trim().eq_ignore_ascii_case(&p.name))
            }))
        && (!c.unverified_publisher || !a.publisher_verified)
        && c.max_users.is_none_or(|m| a.users <= m)
        && c.min_users.is_none_or(|m| a.users >= m)
        && (!c.not_approved || a.status != OauthAppStatus::Approved)
}

fn oauth_in_scope(scope: &PolicyScope, a: &OauthAppRow) -> bool {
    (scope.apps.is_empty() || scope.apps.contains(&a.app))
        && (scope.instance_ids.is_empty()
            || a.instances.iter().any(|i| scope.instance_ids.contains(i)))
}

/// The matches of OAuth app policies (and of the new high-permission app detection) on
/// `apps` (one alert per policy and app). `baselines`: when each instance's grants were first
/// read in full; an app is new when it was first seen after every one of its instances had
/// been (and after the policy was made).
pub fn oauth_matches_of(
    policies: &[Policy],
    apps: &[OauthAppRow],
    baselines: &std::collections::HashMap<String, i64>,
) -> Vec<NewMatch> {
    let mut out = Vec::new();
    for p in policies {
        for a in apps {
            if !oauth_in_scope(&p.scope, a) {
                continue;
            }
            let hit = match &p.definition {
                PolicyDefinition::OauthApp(c) => oauth_matches(c, a),
                PolicyDefinition::Anomaly(d) if d.detection == Detection::NewHighPermissionApp => {
                    // Granted for the first time since the policy exists and since the tenant
                    // was first read.
                    let known_since = a
                        .instances
                        .iter()
                        .map(|i| baselines.get(i).copied().unwrap_or(i64::MAX))
                        .max()
                        .unwrap_or(i64::MAX);
                    a.level == PermissionLevel::High
                        && a.status != OauthAppStatus::Approved
                        && a.first_seen_ms
                            .is_some_and(|t| t >= p.created_at_ms && t > known_since)
                }
                _ => false,
            };
            if !hit {
                continue;
            }
            let high: Vec<&str> = a
                .permissions
                .iter()
                .filter(|x| x.level == PermissionLevel::High)
                .map(|x| x.name.as_str())
                .collect();
            let holds = if high.is_empty() {
                String::new()
            } else {
                format!("; high permissions: {}", high.join(", "))
            };
            out.push(NewMatch {
                policy_id: p.id.clone(),
                policy_name: p.name.clone(),
                severity: p.severity,
                group_key: a.key.clone(),
                title: format!("{}: {}", p.name, a.name),
                description: p.description.clone(),
                entities: vec![Entity {
                    kind: EntityKind::OauthApp,
                    id: a.key.clone(),
                    label: a.name.clone(),
                    instance_id: a.instances.first().cloned(),
                }],
                evidence: vec![(
                    format!("oauth_app:{}", a.key),
                    Evidence {
                        kind: "oauth_app".into(),
                        instance_id: a.instances.first().cloned(),
                        ref_id: a.key.clone(),
                        occurred_at_ms: a.first_seen_ms.unwrap_or(0),
                        summary: format!(
                            "{} ({}) holds {} permissions, granted by {} user(s){}{}{holds}",
                            a.name,
                            a.publisher.as_deref().unwrap_or("publisher unknown"),
                            a.level.as_str(),
                            a.users,
                            if a.org_wide {
                                ", for the whole organisation"
                            } else {
                                ""
                            },
                            if a.publisher_verified {
                                ""
                            } else {
                                ", publisher not verified"
                            },
                        ),
                    },
                )],
            });
        }
    }
    out
}

/// Whether an app in a report matches a Cloud Discovery policy's condition; `new`: the app
/// is in no earlier report.
pub fn discovery_matches(c: &DiscoveryCondition, a: &DiscoveredApp, new: bool) -> bool {
    (!c.new_app || new)
        && c.max_score
            .is_none_or(|m| a.score.is_some_and(|s| s <= f64::from(m)))
        && c.min_users.is_none_or(|m| a.users >= u64::from(m))
        && c.min_traffic_bytes
            .is_none_or(|m| a.bytes_up.saturating_add(a.bytes_down) >= m)
        && c.min_upload_bytes.is_none_or(|m| a.bytes_up >= m)
        && (!c.unsanctioned || a.tag == Some(AppTag::Unsanctioned))
}

/// The matches of Cloud Discovery policies on one report's apps; `earlier`: the apps of the
/// reports made before it.
pub fn discovery_matches_of(
    policies: &[Policy],
    report: &ReportInfo,
    apps: &[DiscoveredApp],
    earlier: &HashSet<String>,
) -> Vec<NewMatch> {
    let mut out = Vec::new();
    for p in policies {
        let PolicyDefinition::Discovery(c) = &p.definition else {
            continue;
        };
        for a in apps {
            if !discovery_matches(c, a, !earlier.contains(&a.app_id)) {
                continue;
            }
            let score = a
                .score
                .map_or("no risk score".to_owned(), |s| format!("risk score {s:.1}"));
            out.push(NewMatch {
                policy_id: p.id.clone(),
                policy_name: p.name.clone(),
                severity: p.severity,
                group_key: a.app_id.clone(),
                title: format!("{}: {}", p.name, a.name),
                description: p.description.clone(),
                entities: vec![Entity {
                    kind: EntityKind::App,
                    id: a.app_id.clone(),
                    label: a.name.clone(),
                    instance_id: None,
                }],
                evidence: vec![(
                    format!("discovery:{}:{}", report.report_id, a.app_id),
                    Evidence {
                        kind: "discovery_app".into(),
                        instance_id: None,
                        ref_id: format!("{}/{}", report.report_id, a.app_id),
                        occurred_at_ms: a.last_seen_ms,
                        summary: format!(
                            "{} in report \"{}\": {} user(s), {} bytes up, {} bytes down, {score}{}",
                            a.name,
                            report.name,
                            a.users,
                            a.bytes_up,
                            a.bytes_down,
                            a.tag.map(|t| format!(", tagged {}", t.as_str())).unwrap_or_default()
                        ),
                    },
                )],
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_as_an_analyst_expects() {
        assert!(wildcard("*.pdf", "Q3 Report.PDF"));
        assert!(wildcard("salary*", "Salary 2026.xlsx"));
        assert!(wildcard("*pass*", "my-passwords.txt"));
        assert!(wildcard("a*b*c", "axxbyyc"));
        assert!(!wildcard("a*b*c", "axxbyy"));
        assert!(wildcard("exact.txt", "EXACT.txt"));
        assert!(!wildcard("exact.txt", "exact.txt.bak"));
    }
}
