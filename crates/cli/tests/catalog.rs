//! `cloudwarden catalog …` as a user runs it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use assert_cmd::Command;
use serde_json::Value;
use support::keys;

fn catalog_json(dir: &std::path::Path, args: &[&str]) -> Value {
    let args: Vec<&str> = std::iter::once("catalog")
        .chain(args.iter().copied())
        .collect();
    support::json(dir, &args, &[])
}

#[test]
fn stats_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let v = catalog_json(dir.path(), &["stats"]);
    assert_eq!(keys(&v), ["apps", "categories", "domains", "sources"]);
    assert!(v["apps"].as_u64().unwrap() >= 5000);
    assert!(v["domains"].as_u64().unwrap() >= v["apps"].as_u64().unwrap());
    let categorised: u64 = v["categories"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert!(
        categorised * 100 >= v["apps"].as_u64().unwrap() * 80,
        "{categorised} categorised"
    );
    assert!(v["categories"]["Generative AI"].as_u64().unwrap() > 100);
    let sources = v["sources"].as_array().unwrap();
    assert!(sources.iter().any(|s| s["id"] == "2fa-directory"
        && s["license"] == "MIT"
        && s["as_of"] == "2026-08-04"));
    for s in sources {
        assert_eq!(keys(s), ["as_of", "id", "license"]);
    }
}

#[test]
fn search_finds_apps_by_name_and_domain() {
    let dir = tempfile::tempdir().unwrap();
    let v = catalog_json(dir.path(), &["search", "dropbox"]);
    let rows = v.as_array().unwrap();
    let dropbox = rows.iter().find(|r| r["id"] == "dropbox").unwrap();
    assert_eq!(
        keys(dropbox),
        [
            "category",
            "confidence",
            "domains",
            "id",
            "matched",
            "name",
            "score",
            "tag"
        ]
    );
    assert_eq!(dropbox["confidence"], "high");
    assert!(dropbox["tag"].is_null());
    assert_eq!(dropbox["name"], "Dropbox");
    assert_eq!(dropbox["category"], "Cloud storage");
    assert!(dropbox["domains"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d == "dropbox.com"));
    // By domain.
    let v = catalog_json(dir.path(), &["search", "slack-edge.com"]);
    assert!(v.as_array().unwrap().iter().any(|r| r["id"] == "slack"));
    // With a factor filter: apps without MFA.
    let v = catalog_json(
        dir.path(),
        &["search", "bank", "--factor", "mfa_support=no"],
    );
    assert!(!v.as_array().unwrap().is_empty());
}

#[test]
fn match_returns_one_object_per_host_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let v = catalog_json(
        dir.path(),
        &[
            "match",
            "acme.slack.com",
            "unknown-host.example",
            "mail.google.com",
        ],
    );
    let m = v.as_array().unwrap();
    assert_eq!(m.len(), 3);
    assert_eq!(m[0]["host"], "acme.slack.com");
    assert_eq!(
        keys(&m[0]["app"]),
        ["category", "confidence", "id", "name", "score"]
    );
    assert_eq!(m[0]["app"]["id"], "slack");
    assert_eq!(m[1]["host"], "unknown-host.example");
    assert!(m[1]["app"].is_null());
    assert_eq!(m[2]["app"]["id"], "gmail");
}

#[test]
fn show_gives_the_full_record_with_factor_sources() {
    let dir = tempfile::tempdir().unwrap();
    let v = catalog_json(dir.path(), &["show", "dropbox"]);
    assert_eq!(v["id"], "dropbox");
    let security = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "security")
        .unwrap();
    let mfa = security["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "mfa_support")
        .unwrap();
    assert_eq!(mfa["value"], "Yes");
    assert_eq!(mfa["source"]["id"], "2fa-directory");
    assert_eq!(mfa["source"]["license"], "MIT");
    assert_eq!(mfa["as_of"], "2026-08-04");
    assert_eq!(mfa["method"], "curated-list");
    // Unknown factors are listed as unknown, not guessed.
    let fedramp = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "compliance")
        .unwrap()["factors"][0]
        .clone();
    assert!(fedramp["value"].is_null() && fedramp["source"].is_null());
    // How much the score rests on: at least half of the weighted factors.
    assert!(v["coverage"].as_f64().unwrap() >= 0.5);
    assert_eq!(v["confidence"], "high");
    // A group no open source assesses is said to be, and left out.
    let legal = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "legal")
        .unwrap();
    assert_eq!(legal["assessed"], false);
    // Each domain says why it is the app's.
    let domains = v["domains"].as_array().unwrap();
    assert!(domains
        .iter()
        .all(|d| d["why"].as_str().is_some_and(|w| !w.is_empty())));
    assert!(domains
        .iter()
        .any(|d| d["pattern"] == "dropbox.com" && d["trust"] == "vendor"));
}

#[test]
fn a_score_from_less_than_half_of_the_factors_is_low_confidence_in_json() {
    let dir = tempfile::tempdir().unwrap();
    // Alibaba Cloud: a perfect 10 from about a third of the weighted factors.
    let v = catalog_json(dir.path(), &["show", "alibabacloud"]);
    assert!(v["coverage"].as_f64().unwrap() < 0.5, "{}", v["coverage"]);
    assert_eq!(v["confidence"], "low");
    assert_eq!(v["name"], "Alibaba Cloud");
    let rows = catalog_json(dir.path(), &["search", "alibaba cloud"]);
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "alibabacloud")
        .unwrap();
    assert_eq!(row["confidence"], "low");
}

#[test]
fn show_unknown_app_fails_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("cloudwarden")
        .unwrap()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["catalog", "show", "no-such-app", "--json"])
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert_eq!(err.trim(), "error: app no-such-app not found");
}
