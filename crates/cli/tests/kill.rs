//! Real kill tests: a `cloudwarden` process scanning (GitHub, Microsoft 365) or uploading is
//! killed with SIGKILL mid-work; an engine opened afterwards finds the job `interrupted`,
//! resumes it, and the counts equal a clean run's — nothing lost, nothing doubled, nothing
//! left `scanning` or `running`.
//!
//! The scans keep their credentials in the OS keychain (the CLI has no other store), so those
//! two are ignored by a plain `cargo test` and run by `make test` inside `tests/session.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::connectors::InstanceCounts;
use cloudwarden_engine::domain::connectors::InstanceStatus;
use cloudwarden_engine::domain::jobs::JobState;
use cloudwarden_engine::secrets::SecretStore;

fn cloudwarden(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("cloudwarden"));
    c.arg("--data-dir")
        .arg(data)
        .args(args)
        .envs(env.iter().copied());
    c
}

/// Runs a command to its end; its stdout.
fn run(data: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = cloudwarden(data, args, env).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Starts `args` in a child process, waits until `ready` says it is mid-work (reading the
/// data directory through its own engine), then kills it with SIGKILL.
async fn kill_mid_work(
    data: &Path,
    args: &[&str],
    ready: impl Fn(&Engine) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + '_>>,
) {
    let mut child: Child = cloudwarden(data, args, &[])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            panic!(
                "the process ended ({status}) before it could be killed mid-work, so the \
                 test would prove nothing: {err}"
            );
        }
        assert!(Instant::now() < deadline, "never got mid-work");
        let engine = Engine::open_with(Some(data), SecretStore::in_memory())
            .await
            .unwrap();
        let mid = ready(&engine).await;
        engine.close().await;
        if mid {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap(); // SIGKILL on Unix: no destructor, no flush, no goodbye
    child.wait().unwrap();
}

/// After the kill: the job is found interrupted and nothing is left `scanning`; resuming it
/// completes. Returns the engine (the keychain's: the scans' tokens are there).
async fn recover_and_resume(data: &Path, kind: &str) -> Engine {
    let engine = Engine::open(Some(data)).await.unwrap();
    let jobs = engine.jobs(10).await.unwrap();
    assert_eq!(jobs[0].kind, kind);
    assert_eq!(jobs[0].state, JobState::Interrupted, "{jobs:?}");
    assert!(jobs[0].owner.contains("cloudwarden pid"), "{:?}", jobs[0]);
    for i in engine.instances().await.unwrap() {
        assert_ne!(i.status, InstanceStatus::Scanning, "left scanning: {i:?}");
    }
    let resumed = engine.resume_interrupted_jobs().await.unwrap();
    assert_eq!(resumed.len(), 1, "{resumed:?}");
    assert_eq!(resumed[0].state, JobState::Completed, "{resumed:?}");
    let jobs = engine.jobs(10).await.unwrap();
    assert!(
        jobs.iter().all(|j| j.state != JobState::Running),
        "{jobs:?}"
    );
    assert_eq!(jobs[1].state, JobState::Resumed, "{jobs:?}");
    engine
}

async fn counts(engine: &Engine, id: &str) -> InstanceCounts {
    let i = engine.instance(id).await.unwrap();
    assert_eq!(i.status, InstanceStatus::Connected, "{:?}", i.status_detail);
    i.counts
}

fn stored_something(
    id: String,
) -> impl Fn(&Engine) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + '_>> {
    move |engine: &Engine| {
        let id = id.clone();
        Box::pin(async move {
            engine
                .instance(&id)
                .await
                .is_ok_and(|i| i.status == InstanceStatus::Scanning && i.counts.accounts > 0)
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the CLI keeps secrets in the OS keychain: run by `make test` inside tests/session.sh"]
async fn a_killed_github_scan_resumes_and_equals_a_clean_run() {
    use cloudwarden_engine::domain::connectors::ConnectGithub;
    use cloudwarden_testkit::github::{FakeGithub, GithubTenant, TenantSize};
    let tenant = GithubTenant::generate(
        "acme",
        11,
        &TenantSize {
            audit_days: 5,
            ..TenantSize::small()
        },
    );
    let fake = FakeGithub::start(tenant, "ghp_kill").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let url = fake.url.clone();
    let id = tokio::task::spawn_blocking(move || {
        run(
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
            &[("GH_TOKEN", "ghp_kill")],
        )
        .trim()
        .to_owned()
    })
    .await
    .unwrap();
    // Slow answers, so the kill lands mid-scan.
    fake.faults().delay_ms(60);
    kill_mid_work(dir.path(), &["scan", &id], stored_something(id.clone())).await;
    fake.faults().delay_ms(0);
    let engine = recover_and_resume(dir.path(), "scan").await;
    let resumed = counts(&engine, &id).await;

    let clean_dir = tempfile::tempdir().unwrap();
    let clean = Engine::open_with(Some(clean_dir.path()), SecretStore::in_memory())
        .await
        .unwrap();
    let i = clean
        .connect_github(ConnectGithub {
            name: "Acme".into(),
            org: "acme".into(),
            api_url: Some(fake.url.clone()),
            token: "ghp_kill".into(),
        })
        .await
        .unwrap();
    clean.scan_instance(&i.id).await.unwrap();
    assert_eq!(resumed, counts(&clean, &i.id).await);
    assert!(resumed.accounts > 0 && resumed.files > 0 && resumed.activities > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the CLI keeps secrets in the OS keychain: run by `make test` inside tests/session.sh"]
async fn a_killed_m365_scan_resumes_and_equals_a_clean_run() {
    use cloudwarden_engine::domain::connectors::ConnectM365;
    use cloudwarden_testkit::graph::{FakeGraph, GraphApp, GraphSize, GraphTenant};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tenant = GraphTenant::generate(
        "contoso",
        13,
        &GraphSize {
            audit_days: 5,
            ..GraphSize::small()
        },
    );
    let fake = FakeGraph::start(
        tenant,
        GraphApp {
            client_id: "cid".into(),
            client_secret: "s3cret".into(),
        },
    )
    .await
    .unwrap();
    let (graph, login, tid) = (
        format!("{}/v1.0", fake.url),
        fake.url.clone(),
        fake.tenant_id().to_owned(),
    );
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let (g, l, t) = (graph.clone(), login.clone(), tid.clone());
    let id = tokio::task::spawn_blocking(move || {
        run(
            &data,
            &[
                "connect",
                "m365",
                "--name",
                "Contoso",
                "--tenant",
                &t,
                "--client-id",
                "cid",
                "--graph-url",
                &g,
                "--login-url",
                &l,
                "--client-secret-env",
                "M365_SECRET",
            ],
            &[("M365_SECRET", "s3cret")],
        )
        .trim()
        .to_owned()
    })
    .await
    .unwrap();
    fake.faults().delay_ms(60);
    kill_mid_work(dir.path(), &["scan", &id], stored_something(id.clone())).await;
    fake.faults().delay_ms(0);
    let engine = recover_and_resume(dir.path(), "scan").await;
    let resumed = counts(&engine, &id).await;

    let clean_dir = tempfile::tempdir().unwrap();
    let clean = Engine::open_with(Some(clean_dir.path()), SecretStore::in_memory())
        .await
        .unwrap();
    let i = clean
        .connect_m365(ConnectM365 {
            name: "Contoso".into(),
            tenant: tid,
            client_id: "cid".into(),
            client_secret: "s3cret".into(),
            api_url: Some(graph),
            login_url: Some(login),
        })
        .await
        .unwrap();
    clean.scan_instance(&i.id).await.unwrap();
    assert_eq!(resumed, counts(&clean, &i.id).await);
    assert!(resumed.accounts > 0 && resumed.files > 0 && resumed.activities > 0);
}

/// A Squid log of `lines` lines over a long tail of hosts (popularity falls off with rank),
/// 200 users and 1,000 source addresses.
fn big_log(path: &Path, lines: u64) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..lines {
        // Host k is picked about 1/k as often.
        let k = 1 + (i * 2_654_435_761 % 1_000_003) % (1 + (i % 5_000));
        writeln!(
            f,
            "{}.{:03} {} 10.0.{}.{} TCP_MISS/200 {} GET https://h{k}.example{}.com/p user{} DIRECT/1.2.3.4 text/html",
            1_700_000_000 + i / 10,
            i % 1000,
            5 + i % 90,
            i % 20,
            i % 50,
            200 + i % 5000,
            k % 40,
            i % 200,
        )
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_upload_resumes_and_equals_a_clean_run() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("proxy.log");
    big_log(&log, 300_000);
    let data = dir.path().join("data");
    let log_arg = log.display().to_string();
    kill_mid_work(
        &data,
        &[
            "discover", "--report", "Proxy", "--format", "squid", &log_arg,
        ],
        |engine: &Engine| {
            Box::pin(async move {
                engine
                    .jobs(1)
                    .await
                    .is_ok_and(|j| j.first().is_some_and(|j| j.state == JobState::Running))
            })
        },
    )
    .await;
    // Nothing of the killed upload was stored: an upload is one transaction.
    let engine = Engine::open_with(Some(&data), SecretStore::in_memory())
        .await
        .unwrap();
    assert!(engine.discovery_reports().await.unwrap().is_empty());
    engine.close().await;
    let engine = recover_and_resume_upload(&data).await;
    let reports = engine.discovery_reports().await.unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let resumed = engine
        .discovery_report_view(&reports[0].report_id)
        .await
        .unwrap();

    let clean_data = dir.path().join("clean");
    let clean = Engine::open_with(Some(&clean_data), SecretStore::in_memory())
        .await
        .unwrap();
    let out = clean
        .discover(
            cloudwarden_engine::domain::discovery::DiscoveryRequest {
                files: vec![log_arg],
                format: Some("squid".into()),
                report: Some("Proxy".into()),
                dry_run: false,
            },
            std::sync::Arc::default(),
            std::sync::Arc::default(),
        )
        .await
        .unwrap();
    let clean_view = clean
        .discovery_report_view(&out.report_id.unwrap())
        .await
        .unwrap();
    assert_eq!(resumed.info.uploads, 1, "uploaded once, not twice");
    assert_eq!(resumed.info.lines_total, 300_000);
    assert_eq!(resumed.summary, clean_view.summary);
    assert_eq!(resumed.apps, clean_view.apps);
    assert_eq!(resumed.unmatched_domains, clean_view.unmatched_domains);
}

async fn recover_and_resume_upload(data: &Path) -> Engine {
    let engine = Engine::open_with(Some(data), SecretStore::in_memory())
        .await
        .unwrap();
    let jobs = engine.jobs(10).await.unwrap();
    assert_eq!(jobs[0].state, JobState::Interrupted, "{jobs:?}");
    let resumed = engine.resume_interrupted_jobs().await.unwrap();
    assert_eq!(resumed.len(), 1, "{resumed:?}");
    assert_eq!(resumed[0].state, JobState::Completed, "{resumed:?}");
    engine
}
