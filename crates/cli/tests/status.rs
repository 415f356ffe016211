//! `cloudwarden status` as a user runs it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use assert_cmd::Command;
use serde_json::Value;

fn cloudwarden() -> Command {
    Command::cargo_bin("cloudwarden").unwrap()
}

#[test]
fn status_json_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let out = cloudwarden()
        .args(["status", "--json", "--data-dir"])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let data_dir = dir.path().canonicalize().unwrap().display().to_string();

    let obj = v.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["data_dir", "database", "keychain", "version"]);
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["data_dir"], data_dir.as_str());
    assert_eq!(v["database"]["kind"], "sqlite");
    assert_eq!(
        v["database"]["path"],
        format!("{data_dir}/cloudwarden.sqlite3").as_str()
    );
    assert_eq!(v["database"]["schema_version"], 29);
    assert!(v["keychain"]["available"].is_boolean());
    assert!(v["keychain"]["detail"]
        .as_str()
        .is_some_and(|d| !d.is_empty()));
    assert_eq!(v["database"].as_object().unwrap().len(), 3);
    assert_eq!(v["keychain"].as_object().unwrap().len(), 2);
}

#[test]
fn data_dir_comes_from_the_environment_when_no_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = cloudwarden()
        .args(["status", "--json"])
        .env("CLOUDWARDEN_DATA_DIR", dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v["data_dir"],
        dir.path()
            .canonicalize()
            .unwrap()
            .display()
            .to_string()
            .as_str()
    );
}

#[test]
fn human_output_without_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = cloudwarden()
        .arg("status")
        .arg("--data-dir")
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("Cloudwarden "), "{text}");
    assert!(text.contains("schema version 29"), "{text}");
    assert!(serde_json::from_str::<Value>(&text).is_err());
}

#[test]
fn keychain_is_reported_unavailable_without_a_session_bus() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tempfile::tempdir().unwrap();
    let out = cloudwarden()
        .args(["status", "--json", "--data-dir"])
        .arg(dir.path())
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .env("XDG_RUNTIME_DIR", runtime.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["keychain"]["available"], false);
    let detail = v["keychain"]["detail"].as_str().unwrap();
    assert!(detail.contains("no usable keychain"), "{detail}");
    assert!(detail.contains("Secret Service"), "{detail}");
}

#[test]
fn failure_is_one_line_on_stderr_with_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let assert = cloudwarden()
        .args(["status", "--json", "--data-dir"])
        .arg(&file)
        .assert()
        .failure();
    let out = assert.get_output();
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: cannot use data directory"), "{err}");
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("cloudwarden"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["catalog", "search", "a", "--limit", "5000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader stops after a few bytes, as `| head -1` does.
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    child.wait().unwrap();
    assert!(!err.contains("panicked"), "{err}");
}
