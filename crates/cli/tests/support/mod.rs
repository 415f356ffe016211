//! Helpers shared by the CLI tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // not every file uses every helper

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// Runs `cloudwarden --data-dir DIR ARGS… --json`, expects success, returns the JSON.
pub fn json(dir: &Path, args: &[&str], paths: &[&Path]) -> Value {
    let out = Command::cargo_bin("cloudwarden")
        .unwrap()
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .args(paths)
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

/// The keys of a JSON object, sorted.
pub fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}
