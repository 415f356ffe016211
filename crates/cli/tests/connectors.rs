//! `cloudwarden connectors | connect github | instances | scan | accounts list` as a user runs
//! them, against the fake GitHub.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::path::Path;

use assert_cmd::Command;
use cloudwarden_testkit::github::{FakeGithub, GithubTenant, TenantSize};
use serde_json::Value;
use support::keys;

fn run(data: &Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let out = Command::cargo_bin("cloudwarden")
        .unwrap()
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn connectors_lists_auth_and_capabilities() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = run(dir.path(), &["connectors", "--json"], &[]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let github = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "github")
        .unwrap();
    assert_eq!(keys(github), ["auth", "capabilities", "id", "name"]);
    assert_eq!(
        keys(&github["capabilities"]),
        [
            "accounts",
            "activities",
            "files",
            "groups",
            "oauth_apps",
            "privileges"
        ]
    );
    assert!(github["auth"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "token"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the CLI keeps secrets in the OS keychain: run by `make test` inside tests/session.sh"]
async fn connect_scan_and_list_a_github_organisation() {
    let dir = tempfile::tempdir().unwrap();
    let size = TenantSize {
        audit_days: 5,
        ..TenantSize::small()
    };
    let tenant = GithubTenant::generate("acme", 3, &size);
    let fake = FakeGithub::start(tenant.clone(), "ghp_cli").await.unwrap();
    let data = dir.path().to_path_buf();
    let url = fake.url.clone();
    let status = tokio::task::spawn_blocking(move || {
        let (ok, _, err) = run(&data, &["status", "--json"], &[]);
        assert!(ok, "{err}");
        let v: Value = serde_json::from_str(&run(&data, &["status", "--json"], &[]).1).unwrap();
        assert_eq!(
            v["keychain"]["available"], true,
            "no usable keychain: run inside tests/session.sh"
        );
        let (ok, _, err) = run(
            &data,
            &[
                "connect",
                "github",
                "--name",
                "Acme",
                "--org",
                "acme",
                "--api-url",
                &url,
                "--token-env",
                "NO_SUCH_VAR",
            ],
            &[],
        );
        assert!(!ok);
        assert!(err.contains("NO_SUCH_VAR is not set"), "{err}");
        let (ok, out, err) = run(
            &data,
            &[
                "connect",
                "github",
                "--name",
                "Acme",
                "--org",
                "acme",
                "--api-url",
                &url,
                "--token-env",
                "GH_TOKEN",
            ],
            &[("GH_TOKEN", "ghp_cli")],
        );
        assert!(ok, "{err}");
        let id = out.trim().to_owned();
        assert!(id.starts_with("gh_"), "{out}");
        assert!(err.contains("status: connected"), "{err}");

        let (ok, out, err) = run(&data, &["scan", &id, "--json"], &[]);
        assert!(ok, "{err}");
        let scan: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(scan["status"], "completed");
        for k in ["requests", "retries", "throttles", "duration_ms", "phases"] {
            assert!(scan.get(k).is_some(), "{k} in {scan}");
        }

        let (ok, out, _) = run(&data, &["instances", "--json"], &[]);
        assert!(ok);
        let list: Value = serde_json::from_str(&out).unwrap();
        let i = &list[0];
        assert_eq!(
            keys(i),
            [
                "app",
                "counts",
                "id",
                "last_scan_at",
                "name",
                "status",
                "status_detail"
            ]
        );
        assert_eq!(
            keys(&i["counts"]),
            ["accounts", "activities", "files", "groups", "oauth_grants"]
        );
        assert_eq!(i["status"], "connected");
        let (ok, out, _) = run(
            &data,
            &[
                "accounts",
                "list",
                "--instance",
                &id,
                "--limit",
                "1000",
                "--json",
            ],
            &[],
        );
        assert!(ok);
        // People, each with their accounts; every account of the instance is in one of them.
        let people: Value = serde_json::from_str(&out).unwrap();
        assert!(people["next_cursor"].is_null());
        let accounts: Vec<Value> = people["items"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["accounts"].as_array().unwrap().clone())
            .collect();

        // What the app's instance menu does, from a shell.
        let json = |args: &[&str]| -> Value {
            let mut a = args.to_vec();
            a.push("--json");
            let (ok, out, err) = run(&data, &a, &[]);
            assert!(ok, "{args:?}: {err}");
            serde_json::from_str(&out).unwrap()
        };
        let s = json(&[
            "instances",
            "schedule",
            &id,
            "--activities-every",
            "30",
            "--full-every",
            "6",
        ]);
        assert_eq!(
            (s["activities_every_s"].as_u64(), s["full_every_s"].as_u64()),
            (Some(1800), Some(21600))
        );
        assert_eq!(json(&["instances", "disable", &id])["status"], "disabled");
        let (ok, _, err) = run(&data, &["scan", &id], &[]);
        assert!(
            !ok && err.starts_with("error: ") && err.lines().count() == 1,
            "{err}"
        );
        assert_eq!(json(&["instances", "enable", &id])["status"], "connected");
        let jobs = json(&["jobs", "list"]);
        assert_eq!(jobs[0]["kind"], "scan");
        assert_eq!(jobs[0]["state"], "completed");
        let (ok, _, err) = run(
            &data,
            &[
                "instances",
                "schedule",
                "gh_nope",
                "--activities-every",
                "30",
                "--full-every",
                "6",
            ],
            &[],
        );
        assert!(!ok && err.contains("not found"), "{err}");
        let result = (i.clone(), accounts.len());
        assert_eq!(
            json(&["instances", "remove", &id, "--purge"])["removed"],
            true
        );
        assert_eq!(json(&["instances"]).as_array().unwrap().len(), 0);
        result
    })
    .await
    .unwrap();
    let (instance, accounts) = status;
    let expected = tenant.members.len() + tenant.outside_collaborators.len();
    assert_eq!(instance["counts"]["accounts"], expected);
    assert_eq!(accounts, expected);
    assert_eq!(instance["counts"]["files"], tenant.repos.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the CLI keeps secrets in the OS keychain: run by `make test` inside tests/session.sh"]
async fn connect_m365_with_client_credentials_or_interactively() {
    use cloudwarden_testkit::graph::{FakeGraph, GraphApp, GraphSize, GraphTenant};
    use std::io::BufRead;

    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let size = GraphSize {
        audit_days: 5,
        ..GraphSize::small()
    };
    let tenant = GraphTenant::generate("contoso", 5, &size);
    let fake = FakeGraph::start(
        tenant.clone(),
        GraphApp {
            client_id: "cid".into(),
            client_secret: "s3cret".into(),
        },
    )
    .await
    .unwrap();
    let data = dir.path().to_path_buf();
    let (graph, login, tid) = (
        format!("{}/v1.0", fake.url),
        fake.url.clone(),
        fake.tenant_id().to_owned(),
    );
    let keychain = {
        let data = data.clone();
        tokio::task::spawn_blocking(move || {
            let v: Value = serde_json::from_str(&run(&data, &["status", "--json"], &[]).1).unwrap();
            v["keychain"]["available"] == true
        })
        .await
        .unwrap()
    };
    assert!(keychain, "no usable keychain: run inside tests/session.sh");
    let args = |name: &str| -> Vec<String> {
        [
            "connect",
            "m365",
            "--name",
            name,
            "--tenant",
            &tid,
            "--client-id",
            "cid",
            "--graph-url",
            &graph,
            "--login-url",
            &login,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    };

    // Client credentials: the secret comes from the environment.
    let (d, mut a) = (data.clone(), args("Contoso"));
    a.extend(["--client-secret-env".into(), "M365_SECRET".into()]);
    let (id, scan, files, activities, grants) = tokio::task::spawn_blocking(move || {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let (ok, out, err) = run(&d, &a, &[("M365_SECRET", "s3cret")]);
        assert!(ok, "{err}");
        assert!(err.contains("status: connected"), "{err}");
        let id = out.trim().to_owned();
        assert!(id.starts_with("m365_"), "{out}");
        let (ok, out, err) = run(&d, &["scan", &id, "--json"], &[]);
        assert!(ok, "{err}");
        let scan: Value = serde_json::from_str(&out).unwrap();
        // Files, page by page: `{"items", "next_cursor"}`.
        let mut files: Vec<Value> = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut args = vec![
                "files",
                "list",
                "--instance",
                &id,
                "--limit",
                "1000",
                "--json",
            ];
            if let Some(c) = cursor.as_deref() {
                args.extend(["--cursor", c]);
            }
            let (ok, out, err) = run(&d, &args, &[]);
            assert!(ok, "{err}");
            let page: Value = serde_json::from_str(&out).unwrap();
            files.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let files = Value::Array(files);
        let list = |kind: &str| -> Value {
            let (ok, out, err) = run(
                &d,
                &[
                    kind,
                    "list",
                    "--instance",
                    &id,
                    "--limit",
                    "100000",
                    "--json",
                ],
                &[],
            );
            assert!(ok, "{err}");
            serde_json::from_str(&out).unwrap()
        };
        let grants = list("oauth-grants");
        // The activity log, page by page: `{"items", "next_cursor"}`.
        let mut all: Vec<Value> = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let mut args = vec![
                "activities",
                "list",
                "--instance",
                id.as_str(),
                "--limit",
                "1000",
                "--json",
            ];
            if let Some(c) = &next {
                args.extend(["--cursor", c.as_str()]);
            }
            let (ok, out, err) = run(&d, &args, &[]);
            assert!(ok, "{err}");
            let page: Value = serde_json::from_str(&out).unwrap();
            assert!(page["items"].as_array().unwrap().len() <= 1000);
            all.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => next = Some(c.to_owned()),
                None => break,
            }
        }
        let activities = Value::Array(all);
        // Paged with --cursor: the same rows, in the same order.
        let mut paged: Vec<Value> = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..2 {
            let mut args = vec!["activities", "list", "--limit", "5", "--json"];
            if let Some(c) = &cursor {
                args.extend(["--cursor", c.as_str()]);
            }
            let (ok, out, err) = run(&d, &args, &[]);
            assert!(ok, "{err}");
            let p: Value = serde_json::from_str(&out).unwrap();
            paged.extend(p["items"].as_array().unwrap().iter().cloned());
            cursor = p["next_cursor"].as_str().map(str::to_owned);
        }
        assert_eq!(paged, activities.as_array().unwrap()[..10]);
        // Filters: failed sign-ins only.
        let (ok, out, err) = run(
            &d,
            &[
                "activities",
                "list",
                "--category",
                "sign_in",
                "--outcome",
                "failure",
                "--json",
            ],
            &[],
        );
        assert!(ok, "{err}");
        let failed: Value = serde_json::from_str(&out).unwrap();
        let failed = failed["items"].as_array().unwrap();
        assert!(!failed.is_empty());
        assert!(failed
            .iter()
            .all(|a| a["category"] == "sign_in" && a["outcome"] == "failure"));
        // A bad filter is one clear line.
        let (ok, _, err) = run(&d, &["activities", "list", "--category", "logins"], &[]);
        assert!(!ok && err.contains("unknown category"), "{err}");
        (id, scan, files, activities, grants)
    })
    .await
    .unwrap();
    assert_eq!(scan["status"], "completed", "{scan}");
    let files = files.as_array().unwrap();
    assert_eq!(
        files.len(),
        tenant
            .items
            .iter()
            .filter(|i| i.parent_id.is_some())
            .count()
    );
    // Full paths, and the sharing level the tenant gives every file.
    let levels = tenant.sharing_levels();
    for f in files {
        let id = f["external_id"].as_str().unwrap();
        assert!(f["name"].as_str().unwrap().starts_with('/'), "{f}");
        assert_eq!(
            f["sharing"],
            levels.get(id).copied().unwrap_or("private"),
            "{f}"
        );
    }
    // Unified audit log activities beside sign-ins and directory audits.
    let activities = activities.as_array().unwrap();
    for action in [
        "FileDownloaded",
        "SharingSet",
        "FileDeleted",
        "MailItemsAccessed",
        "Sign-in",
    ] {
        assert!(
            activities.iter().any(|a| a["action"] == action),
            "no {action} activity"
        );
    }
    assert!(activities.iter().any(
        |a| a["event_id"].as_str().unwrap().starts_with("ual:") && a["user_agent"].is_string()
    ));
    // Application permissions by name.
    assert!(grants
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["kind"] == "application"
            && g["scopes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s.as_str().unwrap().contains('.'))));
    assert!(!id.is_empty());

    // Interactive: the CLI prints the sign-in URL; the "browser" follows it to the loopback.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("cloudwarden"))
        .arg("--data-dir")
        .arg(&data)
        .args(args("Contoso (admin)"))
        .arg("--interactive")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    // Read stderr to its end (the CLI writes more after the URL), handing the URL over.
    let rest = std::thread::spawn(move || {
        let mut tx = Some(tx);
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(url) = line.split("open ").nth(1) {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(url.to_owned());
                }
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let url = rx.await.unwrap();
    let page = reqwest::get(url.trim())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Cloudwarden is connected"), "{page}");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let err = rest.join().unwrap();
    assert!(out.status.success(), "{err}");
    assert!(err.contains("status: connected"), "{err}");
    let id2 = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(id2.starts_with("m365_") && id2 != id, "{id2}");
}
