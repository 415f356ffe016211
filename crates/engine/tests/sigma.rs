//! SigmaHQ rules (`../shared/testdata/sigma`, DRL 1.1) imported as policies: every rule is
//! imported, not applicable (with the reason) or invalid; the GitHub audit rules fire on
//! planted GitHub audit events — one per rule selection — and on nothing in a clean tenant.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::path::{Path, PathBuf};

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::policies::{AlertFilter, PolicyDefinition, PolicyKind};
use cloudwarden_testkit::github::{AuditEvent, FakeGithub, GithubTenant, TenantSize};
use support::engine;

const TOKEN: &str = "ghp_cloudwardenTestToken";

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/sigma/rules")
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            out.push(p);
        }
    }
}

/// The values a GitHub rule's `action` selection lists, and whether it compares by
/// `contains` (the rules select on `action` alone).
fn actions(yaml: &str) -> (Vec<String>, bool) {
    let mut out = Vec::new();
    let mut contains = false;
    let mut in_list = false;
    for line in yaml.lines() {
        // Drop a trailing comment (`- 'x' # what x is`).
        let line = match line.find(" #") {
            Some(at) => &line[..at],
            None => line,
        };
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("action") {
            let (modifier, value) = rest.split_once(':').unwrap();
            contains = modifier.contains("contains");
            let value = value.trim().trim_matches('\'');
            if value.is_empty() {
                in_list = true;
            } else {
                out.push(value.to_owned());
            }
            continue;
        }
        if in_list {
            match t.strip_prefix("- ") {
                Some(v) => out.push(v.trim().trim_matches('\'').to_owned()),
                None => in_list = false,
            }
        }
    }
    (out, contains)
}

fn fires(rule: &(Vec<String>, bool), action: &str) -> bool {
    rule.0.iter().any(|a| {
        if rule.1 {
            action.contains(a.as_str())
        } else {
            a == action
        }
    })
}

async fn scan(engine: &Engine, instance: &str) {
    engine.scan_instance(instance).await.unwrap();
    engine.evaluations_settled().await;
    assert_eq!(engine.last_evaluation_error(), None);
}

#[tokio::test]
async fn every_rule_is_imported_or_reported_and_github_rules_fire_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;

    let mut files = Vec::new();
    yaml_files(&rules_dir(), &mut files);
    assert!(
        files.len() > 150,
        "the SigmaHQ rules are beside the checkout"
    );
    let report = engine.import_sigma(&rules_dir()).await.unwrap();
    assert_eq!(
        report.imported as usize + report.not_applicable.len() + report.invalid.len(),
        files.len(),
        "every rule is accounted for: {report:#?}"
    );
    for n in &report.not_applicable {
        assert!(!n.reason.is_empty() && !n.title.is_empty(), "{n:?}");
        assert!(
            !n.file.contains("/github/"),
            "a GitHub rule is not applicable: {n:?}"
        );
    }
    assert!(
        report.invalid.iter().all(|i| !i.file.contains("/github/")),
        "{:#?}",
        report.invalid
    );
    // Okta, Google Workspace, Bitbucket and OneLogin are not read: not applicable, by name.
    assert!(report
        .not_applicable
        .iter()
        .any(|n| n.file.contains("/okta/") && n.reason.contains("okta")));
    // Importing again updates the same policies.
    let count = engine.policies().await.unwrap().len();
    let again = engine.import_sigma(&rules_dir()).await.unwrap();
    assert_eq!(again.imported, report.imported);
    assert_eq!(engine.policies().await.unwrap().len(), count);

    // The GitHub rules, by policy.
    let github: Vec<(String, String, (Vec<String>, bool))> = engine
        .policies()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|p| match (&p.kind, &p.definition) {
            (PolicyKind::Sigma, PolicyDefinition::Sigma(c)) if c.logsource == "github/audit" => {
                assert!(p.enabled, "imported rules run");
                assert!(!c.author.is_empty());
                Some((p.id.clone(), c.author.clone(), actions(&c.yaml)))
            }
            _ => None,
        })
        .collect();
    assert_eq!(github.len(), 15);
    assert!(github.iter().all(|(_, _, a)| !a.0.is_empty()));

    // A clean tenant: none of the actions the rules look for.
    let mut t = GithubTenant::generate(
        "acme",
        61,
        &TenantSize {
            audit_days: 5,
            ..TenantSize::small()
        },
    );
    t.audit_events
        .retain(|e| !github.iter().any(|(_, _, r)| fires(r, &e.action)));
    assert!(t.audit_events.len() > 100);
    let fake = FakeGithub::start(t.clone(), TOKEN).await.unwrap();
    let i = support::github::connect(&engine, &fake, "Acme", TOKEN).await;
    scan(&engine, &i.id).await;
    let alerts = engine
        .alerts(&AlertFilter::default(), None, Some(1000))
        .await
        .unwrap()
        .items;
    assert!(
        alerts.is_empty(),
        "a clean tenant raised: {:?}",
        alerts.iter().map(|a| &a.title).collect::<Vec<_>>()
    );

    // One planted event per rule selection: the first action each rule lists.
    let newest = t.audit_events.iter().map(|e| e.timestamp_ms).max().unwrap();
    let template = t.audit_events[0].clone();
    let mut planted = Vec::new();
    for (n, (_, _, rule)) in github.iter().enumerate() {
        let action = rule.0[0].clone();
        let at = newest + 60_000 * (n as i64 + 1);
        fake.add_audit_event(AuditEvent {
            document_id: format!("planted-{n}"),
            timestamp_ms: at,
            created_at_ms: at,
            action: action.clone(),
            actor: format!("mallory{n}"),
            ..template.clone()
        });
        planted.push(action);
    }
    scan(&engine, &i.id).await;
    let alerts = engine
        .alerts(&AlertFilter::default(), None, Some(1000))
        .await
        .unwrap()
        .items;
    for (id, author, rule) in &github {
        let want = planted.iter().filter(|a| fires(rule, a)).count();
        let got: u32 = alerts
            .iter()
            .filter(|a| a.policy_id == *id)
            .map(|a| a.count)
            .sum();
        assert_eq!(got as usize, want, "rule {id} {:?}", rule.0);
        if let Some(a) = alerts.iter().find(|a| a.policy_id == *id) {
            // DRL 1.1: the rule's author is named wherever a match is shown.
            assert!(a.description.contains(author.as_str()), "{}", a.description);
        }
    }
    assert!(alerts
        .iter()
        .all(|a| github.iter().any(|(id, _, _)| *id == a.policy_id)));
    assert!(alerts.len() >= 15, "one alert per rule at least");
    engine.close().await;
}
