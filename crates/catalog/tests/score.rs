//! Scores computed by hand for fixture apps and weight settings (see the comments).

use std::collections::BTreeMap;

use cloudwarden_catalog::factors::{Group, Weight};
use cloudwarden_catalog::model::{
    App, DomainRole, DomainRule, FactorValue, MatchKind, Method, Value,
};
use cloudwarden_catalog::score::{score, ScoreSettings, UnknownPolicy};

const TODAY: &str = "2026-11-28";

fn app(factors: &[(&str, Value)]) -> App {
    App {
        id: "fixture".into(),
        name: "Fixture".into(),
        aliases: vec![],
        vendor: None,
        domains: vec![DomainRule {
            pattern: "fixture.example".into(),
            kind: MatchKind::Suffix,
            role: DomainRole::Primary,
            sources: vec!["test".into()],
            trust: Default::default(),
        }],
        categories: vec![],
        factors: factors
            .iter()
            .map(|(id, v)| {
                (
                    (*id).to_owned(),
                    FactorValue {
                        value: v.clone(),
                        detail: vec![],
                        source: "test".into(),
                        reference: None,
                        as_of: TODAY.into(),
                        method: Method::Analyst,
                    },
                )
            })
            .collect::<BTreeMap<_, _>>(),
        links: vec![],
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

/// MFA yes (very high = 8, scores 10), HSTS preloaded (low = 1, 10), a breach two years ago
/// (high = 4, scores 4), FedRAMP Moderate (medium = 2, scores 9).
fn rich() -> App {
    app(&[
        ("mfa_support", Value::Bool(true)),
        ("hsts_preloaded", Value::Bool(true)),
        ("breach_latest", Value::Text("2024-11-28".into())),
        ("fedramp_level", Value::Text("moderate".into())),
    ])
}

#[test]
fn default_weights_ignore_unknowns() {
    let s = score(&rich(), &ScoreSettings::default(), TODAY);
    // Security = (8·10 + 1·10 + 4·4) / (8 + 1 + 4) = 106/13 = 8.153846
    let security = s
        .groups
        .iter()
        .find(|g| g.group == Group::Security)
        .unwrap();
    assert!(close(security.value.unwrap(), 106.0 / 13.0));
    assert_eq!((security.known, security.total), (3, 10));
    // Compliance = 9; General and Legal have no known factor and do not count.
    let compliance = s
        .groups
        .iter()
        .find(|g| g.group == Group::Compliance)
        .unwrap();
    assert!(close(compliance.value.unwrap(), 9.0));
    assert_eq!(
        s.groups
            .iter()
            .find(|g| g.group == Group::General)
            .unwrap()
            .value,
        None
    );
    // Total = (Security 8 · 8.153846 + Compliance 4 · 9) / (8 + 4) = 8.435897
    assert!(close(s.value.unwrap(), (8.0 * 106.0 / 13.0 + 36.0) / 12.0));
    assert!(close(s.value.unwrap(), 8.435897), "{:?}", s.value);
    // Coverage = known weighted factors / all, each times its group weight:
    // known (8+1+4)·8 + 2·4 = 112; all: Security 25·8 + General 1·2 + Compliance 17·4 + Legal 8·4 = 302.
    assert!(close(s.coverage, 112.0 / 302.0));
}

#[test]
fn unknowns_counted_as_zero() {
    let settings = ScoreSettings {
        unknown: UnknownPolicy::CountAsZero,
        ..ScoreSettings::default()
    };
    let s = score(&rich(), &settings, TODAY);
    // Security = 106 / 25 = 4.24 (all ten security factors weigh in, unknown ones at 0);
    // General = 0 / 1 = 0 (sso_paid_tier_only unknown; headquarters is never scored);
    // Compliance = 2·9 / 17 = 1.058824 (FedRAMP known, seven certifications unknown);
    // Legal = 0 / 8 = 0.
    // Total = (2·0 + 8·4.24 + 4·18/17 + 4·0) / (2 + 8 + 4 + 4) = 2.119739
    assert!(
        close(s.value.unwrap(), (8.0 * 4.24 + 4.0 * 18.0 / 17.0) / 18.0),
        "{:?}",
        s.value
    );
    assert!(close(s.value.unwrap(), 2.119739), "{:?}", s.value);
}

#[test]
fn changed_weights_change_the_score() {
    let mut settings = ScoreSettings::default();
    settings
        .factor_weights
        .insert("mfa_support".into(), Weight::Ignored);
    let s = score(&rich(), &settings, TODAY);
    // Security = (1·10 + 4·4) / 5 = 5.2; total = (8·5.2 + 4·9) / 12 = 6.466667
    assert!(
        close(s.value.unwrap(), (8.0 * 5.2 + 36.0) / 12.0),
        "{:?}",
        s.value
    );

    let mut settings = ScoreSettings::default();
    settings
        .group_weights
        .insert(Group::Compliance, Weight::Ignored);
    let s = score(&rich(), &settings, TODAY);
    // Only Security counts: 8.153846.
    assert!(close(s.value.unwrap(), 106.0 / 13.0), "{:?}", s.value);
}

#[test]
fn too_little_data_gives_no_score() {
    // HSTS alone: coverage 1·8 / 302 = 2.6 % < 10 %.
    let s = score(
        &app(&[("hsts_preloaded", Value::Bool(true))]),
        &ScoreSettings::default(),
        TODAY,
    );
    assert_eq!(s.value, None);
    assert!(close(s.coverage, 8.0 / 302.0));
    // No MFA: coverage 64/302 = 21 %, score 0.
    let s = score(
        &app(&[("mfa_support", Value::Bool(false))]),
        &ScoreSettings::default(),
        TODAY,
    );
    assert_eq!(s.value, Some(0.0));
    // Nothing known is never a score, even when unknowns count as zero.
    let settings = ScoreSettings {
        unknown: UnknownPolicy::CountAsZero,
        ..ScoreSettings::default()
    };
    assert_eq!(score(&app(&[]), &settings, TODAY).value, None);
}

#[test]
fn a_recent_breach_never_raises_the_score() {
    let old = score(
        &app(&[
            ("mfa_support", Value::Bool(true)),
            ("breach_latest", Value::Text("2012-01-01".into())),
        ]),
        &ScoreSettings::default(),
        TODAY,
    );
    let new = score(
        &app(&[
            ("mfa_support", Value::Bool(true)),
            ("breach_latest", Value::Text("2026-06-01".into())),
        ]),
        &ScoreSettings::default(),
        TODAY,
    );
    assert!(new.value.unwrap() < old.value.unwrap());
}
