//! The CLI does what the app does: custom apps, imports and exports, score overrides, reports
//! and their exports, the audit log and jobs — each with `--json`, and a one-line error with a
//! failing exit code when refused.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn cmd(data: &Path, args: &[&str]) -> Command {
    let mut c = Command::cargo_bin("cloudwarden").unwrap();
    c.arg("--data-dir").arg(data).args(args);
    c
}

/// Runs with `--json`; expects success; the JSON.
fn json(data: &Path, args: &[&str]) -> Value {
    let out = cmd(data, args).arg("--json").output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs; expects failure with exactly one line on stderr, `error: …`; that line.
fn refused(data: &Path, args: &[&str]) -> String {
    let out = cmd(data, args).output().unwrap();
    assert!(!out.status.success(), "{args:?} succeeded");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    err
}

fn sample(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/discovery")
        .join(rel)
        .display()
        .to_string()
}

#[test]
fn custom_apps_imports_exports_and_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let added = json(
        &data,
        &[
            "catalog",
            "custom",
            "add",
            "--name",
            "Acme Files",
            "--domain",
            "acmefiles.example",
            "--domain",
            "=upload.acme-cdn.example",
            "--category",
            "cloud-storage",
            "--factor",
            "mfa_support=yes@https://acmefiles.example/security",
        ],
    );
    assert_eq!(added["id"], "acme-files");
    let list = json(&data, &["catalog", "custom", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let edited = json(
        &data,
        &[
            "catalog",
            "custom",
            "edit",
            "acme-files",
            "--name",
            "Acme Files Pro",
            "--domain",
            "acmefiles.example",
        ],
    );
    assert_eq!(edited["name"], "Acme Files Pro");

    // Hostile input is refused at the command line as in the app.
    let err = refused(
        &data,
        &[
            "catalog",
            "custom",
            "add",
            "--name",
            "Evil\nhttp_access allow all",
            "--domain",
            "evil.example",
        ],
    );
    assert!(err.contains("U+000A"), "{err}");
    let err = refused(
        &data,
        &[
            "catalog",
            "custom",
            "add",
            "--name",
            "Evil",
            "--domain",
            "x.com\"\nconfig system admin",
        ],
    );
    assert!(err.contains("is not a domain"), "{err}");

    // Export, import elsewhere; an import replacing a built-in app needs --replace-builtin.
    let file = dir.path().join("apps.json");
    let file_arg = file.display().to_string();
    assert_eq!(
        json(&data, &["catalog", "export", "--out", &file_arg])["exported"],
        1
    );
    let other = dir.path().join("other");
    assert_eq!(
        json(&other, &["catalog", "import", &file_arg])["imported"],
        1
    );
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"acme-files\"", "\"dropbox\"");
    std::fs::write(&file, text).unwrap();
    let err = refused(&other, &["catalog", "import", &file_arg]);
    assert!(
        err.contains("would replace 1 built-in app (Dropbox)"),
        "{err}"
    );
    let done = json(
        &other,
        &["catalog", "import", &file_arg, "--replace-builtin"],
    );
    assert_eq!(done["replaced_builtin"][0], "Dropbox");

    let o = json(
        &data,
        &[
            "catalog",
            "override",
            "acme-files",
            "--score",
            "2.5",
            "--note",
            "vendor review 2026-11",
        ],
    );
    assert_eq!(o["score"], 2.5);
    let o = json(&data, &["catalog", "override", "acme-files", "--clear"]);
    assert!(o["score_override"].is_null());
    refused(
        &data,
        &[
            "catalog",
            "override",
            "acme-files",
            "--score",
            "11",
            "--note",
            "x",
        ],
    );

    assert_eq!(
        json(&data, &["catalog", "custom", "delete", "acme-files"])["deleted"],
        "acme-files"
    );
    refused(&data, &["catalog", "custom", "delete", "acme-files"]);
}

#[test]
fn reports_exports_audit_log_and_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = sample("squid/test-access.log");
    let up = json(&data, &["discover", "--report", "Proxy", &log]);
    let id = up["report_id"].as_str().unwrap().to_owned();
    let reports = json(&data, &["discover", "reports"]);
    assert_eq!(reports[0]["name"], "Proxy");
    let report = json(&data, &["discover", "report", &id]);
    assert_eq!(report["info"]["report_id"], id.as_str());
    assert!(report["apps"].as_array().unwrap().len() > 3);

    let csv = dir.path().join("proxy.csv");
    let csv_arg = csv.display().to_string();
    let done = json(
        &data,
        &["discover", "export-csv", "--report", &id, "--out", &csv_arg],
    );
    assert!(done["entries"].as_u64().unwrap() > 3);
    assert!(std::fs::read_to_string(&csv)
        .unwrap()
        .starts_with("type,name,"));

    let jobs = json(&data, &["jobs", "list"]);
    assert_eq!(jobs[0]["kind"], "upload");
    assert_eq!(jobs[0]["state"], "completed");
    assert_eq!(jobs[0]["subject"], "Proxy");
    assert_eq!(json(&data, &["jobs", "resume"]), Value::Array(vec![]));

    assert_eq!(json(&data, &["audit", "list"]), Value::Array(vec![]));

    assert_eq!(
        json(&data, &["discover", "delete-report", &id])["deleted"],
        id.as_str()
    );
    let err = refused(&data, &["discover", "report", &id]);
    assert!(err.contains("not found"), "{err}");
    assert_eq!(json(&data, &["discover", "reports"]), Value::Array(vec![]));
}

#[test]
#[ignore = "the anonymization key lives in the OS keychain: run by `make test` inside tests/session.sh"]
fn anonymization_from_the_shell_is_audited_and_hides_who_and_where() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert_eq!(
        json(&data, &["discover", "anonymize", "on"])["anonymize_users"],
        true
    );
    let log = dir.path().join("mixed.log");
    std::fs::write(
        &log,
        "1700000000.000 5 10.9.8.7 TCP_MISS/200 500 GET http://www.dropbox.com/ mallory DIRECT/1.2.3.4 text/html\n\
         garbage from 10.9.8.7 user=mallory\n",
    )
    .unwrap();
    let log_arg = log.display().to_string();
    let up = json(
        &data,
        &[
            "discover", "--report", "Anon", "--format", "squid", &log_arg,
        ],
    );
    let id = up["report_id"].as_str().unwrap();
    let report = json(&data, &["discover", "report", id]);
    let sample = report["uploads"][0]["samples"][0]["text"].as_str().unwrap();
    assert!(
        !sample.contains("10.9.8.7") && !sample.contains("mallory"),
        "{sample}"
    );
    let pseudonym = sample
        .split(' ')
        .find(|t| t.starts_with("anon-ip-"))
        .unwrap()
        .to_owned();
    let revealed = json(
        &data,
        &["discover", "reveal", &pseudonym, "--reason", "INC-7"],
    );
    assert_eq!(revealed["name"], "10.9.8.7");
    json(&data, &["discover", "anonymize", "off"]);
    let audit = json(&data, &["audit", "list"]);
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["anonymization_off", "reveal_user", "anonymization_on"]
    );
    assert_eq!(audit[1]["detail"], "INC-7");
}
