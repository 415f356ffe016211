//! Risk factors: what each means, its group, its default weight and how its value scores 0–10.

use serde::{Deserialize, Serialize};

use crate::model::Value;

/// Factor groups, as in Defender for Cloud Apps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    General,
    Security,
    Compliance,
    Legal,
}

impl Group {
    pub const ALL: [Group; 4] = [
        Group::General,
        Group::Security,
        Group::Compliance,
        Group::Legal,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Group::General => "General",
            Group::Security => "Security",
            Group::Compliance => "Compliance",
            Group::Legal => "Legal",
        }
    }
}

/// Importance of a factor or group: Ignored/Low/Medium/High/Very high = 0/1/2/4/8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weight {
    Ignored,
    Low,
    Medium,
    High,
    VeryHigh,
}

impl Weight {
    pub fn factor(self) -> f64 {
        match self {
            Weight::Ignored => 0.0,
            Weight::Low => 1.0,
            Weight::Medium => 2.0,
            Weight::High => 4.0,
            Weight::VeryHigh => 8.0,
        }
    }
}

/// How a value becomes a 0–10 score (10 = least risky).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scoring {
    /// true → 10, false → 0.
    Boolean,
    /// Only `true` can occur (the source lists positives only): true → 10.
    PositiveOnly,
    /// A text value looked up in a table; unlisted values score `default`.
    Levels(&'static [(&'static str, f64)], f64),
    /// Shown to the analyst, never scored (e.g. headquarters).
    Info,
    /// A date (`YYYY-MM-DD`) of a bad event: the longer ago, the better.
    /// `(years ago, score)` steps, ascending; older than the last step scores 10.
    Recency(&'static [(f64, f64)]),
}

/// A factor definition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FactorDef {
    pub id: &'static str,
    pub name: &'static str,
    pub group: Group,
    pub weight: Weight,
    pub scoring: Scoring,
    pub description: &'static str,
}

/// Every factor the catalog knows. Most of Defender's ~90 factors have no open source; they are
/// not listed here until a source (or an analyst) can supply them.
pub const FACTORS: &[FactorDef] = &[
    FactorDef {
        id: "mfa_support",
        name: "Multi-factor authentication",
        group: Group::Security,
        weight: Weight::VeryHigh,
        scoring: Scoring::Boolean,
        description: "Users can protect their sign-in with a second factor.",
    },
    FactorDef {
        id: "phishing_resistant_mfa",
        name: "Phishing-resistant MFA (FIDO/passkeys)",
        group: Group::Security,
        weight: Weight::Medium,
        scoring: Scoring::PositiveOnly,
        description: "Supports FIDO U2F security keys or passkeys as a second factor.",
    },
    FactorDef {
        id: "passkey_sign_in",
        name: "Passwordless sign-in with passkeys",
        group: Group::Security,
        weight: Weight::Low,
        scoring: Scoring::PositiveOnly,
        description: "Users can sign in with a passkey instead of a password.",
    },
    FactorDef {
        id: "sso_available",
        name: "Single sign-on (SAML/OIDC)",
        group: Group::Security,
        weight: Weight::High,
        scoring: Scoring::PositiveOnly,
        description: "Enterprise single sign-on is available (possibly on a paid tier only).",
    },
    FactorDef {
        id: "sso_paid_tier_only",
        name: "SSO only on a premium tier",
        group: Group::General,
        weight: Weight::Low,
        scoring: Scoring::Levels(&[("true", 5.0)], 10.0),
        description: "Single sign-on costs extra (listed on sso.tax).",
    },
    FactorDef {
        id: "hsts_preloaded",
        name: "HSTS preloaded",
        group: Group::Security,
        weight: Weight::Low,
        scoring: Scoring::PositiveOnly,
        description: "Browsers only ever connect to the app's primary domain over HTTPS (Chromium HSTS preload list).",
    },
    FactorDef {
        id: "breach_latest",
        name: "Latest recorded data breach",
        group: Group::Security,
        weight: Weight::High,
        scoring: Scoring::Recency(&[(1.0, 0.0), (3.0, 4.0), (5.0, 7.0), (10.0, 9.0)]),
        description: "Date of the most recent verified breach recorded by Have I Been Pwned.",
    },
    FactorDef {
        id: "vuln_disclosure_policy",
        name: "Vulnerability disclosure policy",
        group: Group::Security,
        weight: Weight::Medium,
        scoring: Scoring::PositiveOnly,
        description: "The vendor publishes how to report security vulnerabilities.",
    },
    FactorDef {
        id: "bug_bounty",
        name: "Bug bounty program",
        group: Group::Security,
        weight: Weight::Low,
        scoring: Scoring::Boolean,
        description: "The vendor pays researchers for reported vulnerabilities.",
    },
    FactorDef {
        id: "safe_harbor",
        name: "Safe harbor for researchers",
        group: Group::Security,
        weight: Weight::Low,
        scoring: Scoring::Levels(&[("full", 10.0), ("partial", 6.0), ("none", 2.0)], 5.0),
        description: "The disclosure policy promises not to pursue good-faith researchers.",
    },
    FactorDef {
        id: "password_max_length",
        name: "Password length limit",
        group: Group::Security,
        weight: Weight::Low,
        scoring: Scoring::Levels(&[], 0.0),
        description: "The longest password the app accepts (short limits weaken passwords).",
    },
    FactorDef {
        id: "fedramp_level",
        name: "FedRAMP authorization level",
        group: Group::Compliance,
        weight: Weight::Medium,
        scoring: Scoring::Levels(
            &[("high", 10.0), ("moderate", 9.0), ("low", 7.0), ("li-saas", 7.0)],
            5.0,
        ),
        description: "Authorization level in the FedRAMP Marketplace (US government cloud security baseline).",
    },
    FactorDef {
        id: "headquarters",
        name: "Headquarters",
        group: Group::General,
        weight: Weight::Ignored,
        scoring: Scoring::Info,
        description: "Country of the vendor's headquarters (shown, not scored).",
    },
    FactorDef {
        id: "soc2",
        name: "SOC 2",
        group: Group::Compliance,
        weight: Weight::High,
        scoring: Scoring::PositiveOnly,
        description: "The vendor states a SOC 2 report (Type 1 or 2).",
    },
    FactorDef {
        id: "iso27001",
        name: "ISO/IEC 27001",
        group: Group::Compliance,
        weight: Weight::High,
        scoring: Scoring::PositiveOnly,
        description: "The vendor states ISO/IEC 27001 certification.",
    },
    FactorDef {
        id: "iso27017",
        name: "ISO/IEC 27017",
        group: Group::Compliance,
        weight: Weight::Low,
        scoring: Scoring::PositiveOnly,
        description: "The vendor states ISO/IEC 27017 (cloud security controls).",
    },
    FactorDef {
        id: "iso27018",
        name: "ISO/IEC 27018",
        group: Group::Compliance,
        weight: Weight::Low,
        scoring: Scoring::PositiveOnly,
        description: "The vendor states ISO/IEC 27018 (personal data in public clouds).",
    },
    FactorDef {
        id: "hipaa",
        name: "HIPAA",
        group: Group::Compliance,
        weight: Weight::Medium,
        scoring: Scoring::PositiveOnly,
        description: "The vendor states HIPAA compliance or signs a business associate agreement.",
    },
    FactorDef {
        id: "pci_dss",
        name: "PCI DSS",
        group: Group::Compliance,
        weight: Weight::Medium,
        scoring: Scoring::PositiveOnly,
        description: "The vendor states PCI DSS compliance.",
    },
    FactorDef {
        id: "csa_star",
        name: "CSA STAR",
        group: Group::Compliance,
        weight: Weight::Low,
        scoring: Scoring::PositiveOnly,
        description: "The vendor is listed in the Cloud Security Alliance STAR registry (as it states).",
    },
    FactorDef {
        id: "privacy_policy",
        name: "Privacy policy",
        group: Group::Legal,
        weight: Weight::Medium,
        scoring: Scoring::PositiveOnly,
        description: "The vendor publishes a privacy policy.",
    },
    FactorDef {
        id: "terms_of_service",
        name: "Terms of service",
        group: Group::Legal,
        weight: Weight::Low,
        scoring: Scoring::PositiveOnly,
        description: "The vendor publishes terms of service.",
    },
    FactorDef {
        id: "dpa_available",
        name: "Data processing agreement (GDPR)",
        group: Group::Legal,
        weight: Weight::Medium,
        scoring: Scoring::PositiveOnly,
        description: "The vendor offers a data processing agreement.",
    },
    FactorDef {
        id: "subprocessor_list",
        name: "Sub-processor list",
        group: Group::Legal,
        weight: Weight::Low,
        scoring: Scoring::PositiveOnly,
        description: "The vendor publishes its list of sub-processors.",
    },
    FactorDef {
        id: "gdpr",
        name: "GDPR statement",
        group: Group::Legal,
        weight: Weight::Medium,
        scoring: Scoring::PositiveOnly,
        description: "The vendor states GDPR compliance.",
    },
];

/// The definition of factor `id`.
pub fn def(id: &str) -> Option<&'static FactorDef> {
    FACTORS.iter().find(|f| f.id == id)
}

/// Scores `value` for factor `def` on 0–10 (10 = least risky). `today` is `YYYY-MM-DD`.
pub fn score(def: &FactorDef, value: &Value, today: &str) -> Option<f64> {
    match (def.scoring, value) {
        (Scoring::Boolean | Scoring::PositiveOnly, Value::Bool(b)) => {
            Some(if *b { 10.0 } else { 0.0 })
        }
        (Scoring::Levels(_, _), Value::Number(n)) if def.id == "password_max_length" => {
            Some(password_length_score(*n))
        }
        (Scoring::Levels(table, default), Value::Text(t)) => Some(
            table
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(t))
                .map(|(_, s)| *s)
                .unwrap_or(default),
        ),
        (Scoring::Levels(table, default), Value::Bool(b)) => {
            let key = if *b { "true" } else { "false" };
            Some(
                table
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, s)| *s)
                    .unwrap_or(default),
            )
        }
        (Scoring::Recency(steps), Value::Text(date)) => {
            let years = years_between(date, today)?;
            Some(
                steps
                    .iter()
                    .find(|(limit, _)| years < *limit)
                    .map(|(_, s)| *s)
                    .unwrap_or(10.0),
            )
        }
        _ => None,
    }
}

/// A password length limit: ≥ 64 is no real limit (10), ≤ 16 is a weak ceiling (2).
fn password_length_score(max: f64) -> f64 {
    if max >= 64.0 {
        10.0
    } else if max >= 32.0 {
        7.0
    } else if max > 16.0 {
        4.0
    } else {
        2.0
    }
}

/// Years from `from` to `to` (both `YYYY-MM-DD`), fractional by day of year.
fn years_between(from: &str, to: &str) -> Option<f64> {
    let days = |d: &str| -> Option<f64> {
        let mut it = d.get(..10)?.split('-');
        let y: f64 = it.next()?.parse().ok()?;
        let m: f64 = it.next()?.parse().ok()?;
        let day: f64 = it.next()?.parse().ok()?;
        Some(y * 365.25 + (m - 1.0) * 30.44 + day)
    };
    Some(((days(to)? - days(from)?) / 365.25).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recency_steps() {
        let def = def("breach_latest").unwrap();
        let s = |d: &str| score(def, &Value::Text(d.into()), "2026-11-28").unwrap();
        assert_eq!(s("2026-06-01"), 0.0);
        assert_eq!(s("2024-06-01"), 4.0);
        assert_eq!(s("2022-06-01"), 7.0);
        assert_eq!(s("2018-06-01"), 9.0);
        assert_eq!(s("2010-06-01"), 10.0);
    }

    #[test]
    fn levels_and_booleans() {
        let fedramp = def("fedramp_level").unwrap();
        assert_eq!(
            score(fedramp, &Value::Text("Moderate".into()), "2026-01-01"),
            Some(9.0)
        );
        let mfa = def("mfa_support").unwrap();
        assert_eq!(score(mfa, &Value::Bool(false), "2026-01-01"), Some(0.0));
        let pw = def("password_max_length").unwrap();
        assert_eq!(score(pw, &Value::Number(16.0), "2026-01-01"), Some(2.0));
    }
}
