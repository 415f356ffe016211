//! Probo's common third-party catalog (CC BY-SA 4.0): vendor-asserted certifications, legal
//! documents and headquarters. Share-alike, so it never enters the default artifact: it is
//! written as a separately licensed overlay (`data/overlay-probo.json`) that the app applies
//! only when the analyst turns it on.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::{read_json, Builder, Result};
use crate::model::{FactorValue, Method, Source, Value};

pub const ID: &str = "probo-common-third-parties";
const AS_OF: &str = "2026-08-19";

/// The overlay file: factor values by app id, under their own licence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overlay {
    pub source: Source,
    pub factors: BTreeMap<String, BTreeMap<String, FactorValue>>,
}

pub fn source() -> Source {
    Source {
        id: ID.into(),
        name: "Probo common third parties".into(),
        license: "CC-BY-SA-4.0".into(),
        url: "https://github.com/getprobo/probo".into(),
        commit: "d0ec27e3a007ee67fc46eebb36e03a69d27ef634".into(),
        as_of: AS_OF.into(),
        attribution: "Data sourced from Probo Inc. (https://www.probo.com) under CC BY-SA 4.0 \
                      (https://creativecommons.org/licenses/by-sa/4.0/); this overlay is a \
                      derivative and is licensed CC BY-SA 4.0"
            .into(),
    }
}

/// Certification strings (free text) → factor; reviewed aliases, case-insensitive.
fn certification_factor(cert: &str) -> Option<&'static str> {
    let c = cert.to_ascii_uppercase().replace([' ', '-', '/'], "");
    Some(match () {
        _ if c.contains("SOC2") => "soc2",
        _ if c.contains("27001") => "iso27001",
        _ if c.contains("27017") => "iso27017",
        _ if c.contains("27018") => "iso27018",
        _ if c.contains("HIPAA") => "hipaa",
        _ if c.contains("PCIDSS") || c == "PCI" => "pci_dss",
        _ if c.contains("CSASTAR") => "csa_star",
        _ if c == "GDPR" || c.starts_with("GDPR") => "gdpr",
        _ => return None,
    })
}

pub(super) fn overlay(b: &Builder) -> Result<Overlay> {
    let doc = read_json(&b.path("probo-common-third-parties/data.json"))?;
    let mut factors: BTreeMap<String, BTreeMap<String, FactorValue>> = BTreeMap::new();
    for v in doc.as_array().into_iter().flatten() {
        let hosts = v["domains"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .chain(v["websiteUrl"].as_str())
            .filter_map(|h| b.host(h));
        let Some(i) = hosts.into_iter().find_map(|h| b.find(&h)) else {
            continue;
        };
        let name = v["name"].as_str().unwrap_or_default();
        let fact = |value: Value, detail: Vec<String>, reference: Option<String>| FactorValue {
            value,
            detail,
            source: ID.into(),
            reference: reference.or_else(|| Some(format!("Probo third party \"{name}\""))),
            as_of: AS_OF.into(),
            method: Method::VendorAsserted,
        };
        let app = factors.entry(b.drafts[i].id.clone()).or_default();
        for cert in v["certifications"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
        {
            if let Some(f) = certification_factor(cert) {
                let entry = app.entry(f.into()).or_insert_with(|| {
                    fact(
                        Value::Bool(true),
                        vec![],
                        v["trustPageUrl"].as_str().map(str::to_owned),
                    )
                });
                if !entry.detail.iter().any(|d| d == cert) {
                    entry.detail.push(cert.to_owned());
                }
            }
        }
        if v["businessAssociateAgreementUrl"]
            .as_str()
            .is_some_and(|u| !u.is_empty())
        {
            app.entry("hipaa".into()).or_insert_with(|| {
                fact(
                    Value::Bool(true),
                    vec!["BAA available".into()],
                    v["businessAssociateAgreementUrl"]
                        .as_str()
                        .map(str::to_owned),
                )
            });
        }
        for (key, factor) in [
            ("privacyPolicyUrl", "privacy_policy"),
            ("termsOfServiceUrl", "terms_of_service"),
            ("dataProcessingAgreementUrl", "dpa_available"),
            ("subprocessorsListUrl", "subprocessor_list"),
        ] {
            if let Some(url) = v[key].as_str().filter(|u| !u.is_empty()) {
                app.entry(factor.into())
                    .or_insert_with(|| fact(Value::Bool(true), vec![], Some(url.to_owned())));
            }
        }
        if let Some(addr) = v["headquarterAddress"].as_str() {
            if let Some(country) = addr
                .rsplit(',')
                .next()
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                app.entry("headquarters".into()).or_insert_with(|| {
                    fact(Value::Text(country.to_owned()), vec![addr.to_owned()], None)
                });
            }
        }
        if app.is_empty() {
            let id = b.drafts[i].id.clone();
            factors.remove(&id);
        }
    }
    Ok(Overlay {
        source: source(),
        factors,
    })
}
