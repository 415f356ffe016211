//! `cloudwarden discover` as a user runs it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use support::keys;

fn shared(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/discovery")
        .join(rel)
}

fn discover(data: &Path, args: &[&str], files: &[&Path]) -> Value {
    let args: Vec<&str> = std::iter::once("discover")
        .chain(args.iter().copied())
        .collect();
    support::json(data, &args, files)
}

#[test]
fn formats_lists_ids_names_vendors() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("cloudwarden")
        .unwrap()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["discover", "formats", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let list = v.as_array().unwrap();
    assert!(list
        .iter()
        .any(|f| f["id"] == "squid" && f["vendor"] == "Squid"));
    for f in list {
        assert_eq!(keys(f), ["id", "name", "vendor"]);
    }
}

#[test]
fn dry_run_has_the_documented_shape_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let log = shared("squid/test-access.log");
    let v = discover(dir.path(), &["--dry-run"], &[&log]);
    assert!(v["report_id"].is_null());
    assert_eq!(v["format"], "squid");
    assert_eq!(v["lines"]["total"], 100);
    assert_eq!(v["lines"]["parsed"], 100);
    assert_eq!(v["lines"]["skipped"], 0);
    assert!(v["lines"]["skipped_by_reason"].is_object());
    let files = v["files"].as_array().unwrap();
    assert_eq!(files[0]["name"], "test-access.log");
    let yahoo = v["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["app_id"] == "yahoo")
        .unwrap();
    assert_eq!(
        keys(yahoo),
        [
            "app_id",
            "blocked",
            "bytes_down",
            "bytes_up",
            "category",
            "ips",
            "name",
            "score",
            "transactions",
            "users"
        ]
    );
    assert!(yahoo["transactions"].as_u64().unwrap() > 10);
    assert!(yahoo["users"].as_u64().unwrap() >= 1);
    let d = &v["unmatched_domains"].as_array().unwrap()[0];
    assert_eq!(
        keys(d),
        ["bytes_down", "bytes_up", "domain", "transactions"]
    );
    // Totals add up: every parsed line is in an app or a domain.
    let sum: u64 = v["apps"]
        .as_array()
        .unwrap()
        .iter()
        .chain(v["unmatched_domains"].as_array().unwrap())
        .map(|x| x["transactions"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, 100);
}

#[test]
fn garbage_lines_are_counted_by_reason_with_samples() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("mixed.log");
    let good = std::fs::read_to_string(shared("squid/test-access.log")).unwrap();
    let mut f = std::fs::File::create(&log).unwrap();
    for (i, line) in good.lines().enumerate() {
        writeln!(f, "{line}").unwrap();
        if i % 10 == 0 {
            writeln!(f, "garbage: not a log line").unwrap();
        }
    }
    drop(f);
    let v = discover(dir.path(), &["--dry-run", "--format", "squid"], &[&log]);
    assert_eq!(v["lines"]["total"], 110);
    assert_eq!(v["lines"]["parsed"], 100);
    assert_eq!(v["lines"]["skipped_by_reason"]["too_few_fields"], 10);
    let samples = v["malformed_samples"].as_array().unwrap();
    assert_eq!(samples.len(), 5, "the first five per reason are kept");
    assert_eq!(samples[0]["file"], "mixed.log");
    assert_eq!(samples[0]["line"], 2);
    assert_eq!(samples[0]["text"], "garbage: not a log line");
}

#[test]
fn compressed_inputs_give_the_same_counts() {
    let dir = tempfile::tempdir().unwrap();
    let plain = std::fs::read(shared("squid/test-access.log")).unwrap();
    let gz = dir.path().join("access.log.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(&plain).unwrap();
    enc.finish().unwrap();
    let zst = dir.path().join("access.log.zst");
    std::fs::write(&zst, zstd::encode_all(&plain[..], 3).unwrap()).unwrap();
    let v = discover(dir.path(), &["--dry-run"], &[&gz, &zst]);
    assert_eq!(v["lines"]["parsed"], 200);
    assert_eq!(v["files"].as_array().unwrap().len(), 2);
}

#[test]
fn an_unreadable_file_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("cloudwarden")
        .unwrap()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["discover", "/nonexistent/access.log", "--json"])
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert_eq!(
        err.trim(),
        "error: /nonexistent/access.log is not a readable file"
    );
}

#[test]
fn a_later_upload_adds_to_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let log = shared("squid/test-access.log");
    let first = discover(dir.path(), &["--report", "October"], &[&log]);
    let second = discover(dir.path(), &["--report", "October"], &[&log]);
    assert!(first["report_id"].is_string());
    assert_eq!(first["report_id"], second["report_id"]);
}

fn cli(data: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("cloudwarden")
        .unwrap()
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .assert()
}

#[test]
fn a_custom_format_tags_and_a_block_list_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let def = dir.path().join("format.json");
    std::fs::write(
        &def,
        r#"{"name": "Edge CSV", "delimiter": ",", "has_header": false, "timestamp": 0,
            "timestamp_layout": "epoch_seconds", "src_ip": 1, "url": 2, "bytes_down": 3}"#,
    )
    .unwrap();
    cli(
        dir.path(),
        &["discover", "define-format", def.to_str().unwrap()],
    )
    .success()
    .stdout("saved format custom:Edge CSV\n");
    let formats = support::json(dir.path(), &["discover", "formats"], &[]);
    assert!(formats
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == "custom:Edge CSV" && f["vendor"] == "Custom (CSV/TSV)"));

    let log = dir.path().join("edge.csv");
    std::fs::write(
        &log,
        "1764316800,10.0.0.1,https://www.dropbox.com/s/x,5000\n1764316801,10.0.0.2,https://example.org/,10\n",
    )
    .unwrap();
    let v = discover(
        dir.path(),
        &["--format", "custom:Edge CSV", "--report", "Edge"],
        &[&log],
    );
    assert_eq!(v["format"], "custom:Edge CSV");
    assert_eq!(v["lines"]["parsed"], 2);
    let dropbox = v["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["app_id"] == "dropbox")
        .unwrap();
    assert_eq!(dropbox["bytes_down"], 5000);

    let stderr = |a: assert_cmd::assert::Assert| {
        String::from_utf8(a.failure().get_output().stderr.clone()).unwrap()
    };
    let e = stderr(cli(dir.path(), &["discover", "block-list"]));
    assert!(e.contains("no app is tagged unsanctioned"), "{e}");
    let e = stderr(cli(dir.path(), &["discover", "tag", "dropbox", "banned"]));
    assert!(e.contains("unknown tag"), "{e}");
    cli(dir.path(), &["discover", "tag", "dropbox", "unsanctioned"]).success();
    let out = cli(
        dir.path(),
        &["discover", "block-list", "--syntax", "zscaler"],
    )
    .success()
    .get_output()
    .stdout
    .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.lines().any(|l| l == ".dropbox.com"), "{text}");
}
