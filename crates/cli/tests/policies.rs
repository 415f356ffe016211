//! `cloudwarden policies|evaluate|alerts|ip-ranges` as a user runs them: the documented JSON
//! shapes and the create → test → enable → evaluate → triage path on a data directory.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use assert_cmd::Command;
use serde_json::Value;

fn run(dir: &tempfile::TempDir, args: &[&str]) -> Value {
    let out = Command::cargo_bin("cloudwarden")
        .unwrap()
        .args(args)
        .args(["--json", "--data-dir"])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn policies_from_templates_through_evaluation_and_triage_commands() {
    let dir = tempfile::tempdir().unwrap();
    let templates = run(&dir, &["policies", "templates"]);
    let ids: Vec<&str> = templates
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    for want in [
        "logon-from-risky-ip",
        "mass-download-single-user",
        "file-shared-personal-email",
        "publicly-shared-files",
        "new-high-permission-oauth-app",
        "new-risky-app-discovered",
        "admin-activity-non-corporate-ip",
        "anomaly-impossible-travel",
    ] {
        assert!(ids.contains(&want), "{want} missing from {ids:?}");
    }
    assert!(templates[0]["description"].as_str().unwrap().len() > 40);

    let p = run(
        &dir,
        &[
            "policies",
            "create",
            "--template",
            "anomaly-failed-sign-ins",
            "--name",
            "Guessing",
        ],
    );
    let id = p["id"].as_str().unwrap().to_owned();
    assert_eq!(p["name"], "Guessing");
    assert_eq!(p["enabled"], false);
    assert_eq!(p["kind"], "anomaly");
    let test = run(&dir, &["policies", "test", &id, "--days", "3"]);
    assert_eq!(test["matches"], 0);
    assert!(test["sample"].as_array().unwrap().is_empty());
    assert_eq!(run(&dir, &["policies", "enable", &id])["enabled"], true);
    let list = run(&dir, &["policies", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["open_alerts"], 0);
    let summary = run(&dir, &["evaluate"]);
    assert_eq!(summary["policies"], 1);
    assert_eq!(summary["alerts_raised"], 0);
    let again = run(&dir, &["evaluate", "--since", "2026-01-01T00:00:00Z"]);
    assert_eq!(again["alerts_raised"], 0);
    let alerts = run(
        &dir,
        &["alerts", "list", "--status", "open", "--severity", "high"],
    );
    assert_eq!(alerts["items"], Value::Array(vec![]));
    assert_eq!(alerts["next_cursor"], Value::Null);
    assert_eq!(run(&dir, &["policies", "disable", &id])["enabled"], false);

    let r = run(
        &dir,
        &[
            "ip-ranges",
            "add",
            "198.51.100.7/24",
            "--tag",
            "vpn",
            "--name",
            "VPN exits",
        ],
    );
    assert_eq!(r["cidr"], "198.51.100.0/24");
    assert_eq!(r["tag"], "vpn");
    assert_eq!(run(&dir, &["ip-ranges", "list"])[0]["name"], "VPN exits");

    // Unknown alerts and templates are clear errors.
    let fails = |args: &[&str], says: &str| {
        let out = Command::cargo_bin("cloudwarden")
            .unwrap()
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .assert()
            .failure()
            .get_output()
            .stderr
            .clone();
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains(says), "{text}");
    };
    fails(
        &["alerts", "resolve", "alert_nope", "--as", "false_positive"],
        "alert alert_nope",
    );
    fails(
        &["policies", "create", "--template", "nope"],
        "policies templates",
    );
}
