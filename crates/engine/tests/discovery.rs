//! Discovery uploads stored in reports.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use cloudwarden_discovery::pipeline::Progress;
use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::discovery::DiscoveryRequest;
use cloudwarden_engine::ErrorCode;

fn sample(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/discovery")
        .join(rel)
        .display()
        .to_string()
}

fn request(report: &str, files: &[&str]) -> DiscoveryRequest {
    DiscoveryRequest {
        files: files.iter().map(|f| sample(f)).collect(),
        format: None,
        report: Some(report.into()),
        dry_run: false,
    }
}

#[tokio::test]
async fn a_later_upload_adds_to_an_existing_report() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(Some(dir.path())).await.unwrap();
    let run = |r: DiscoveryRequest| {
        engine.discover(
            r,
            Arc::new(Progress::default()),
            Arc::new(AtomicBool::new(false)),
        )
    };
    let first = run(request("Week 1", &["squid/test-access.log"]))
        .await
        .unwrap();
    let report = first.report_id.clone().unwrap();
    let (apps, _) = engine.discovery_report(&report).await.unwrap();
    let yahoo = apps.iter().find(|a| a.app_id == "yahoo").unwrap().clone();
    assert_eq!(
        yahoo.transactions,
        first
            .apps
            .iter()
            .find(|a| a.app_id == "yahoo")
            .unwrap()
            .transactions
    );

    let second = run(request(
        "Week 1",
        &["squid/test-access.log", "fortigate/test-fortinet.log"],
    ))
    .await
    .unwrap();
    assert_eq!(second.report_id.as_deref(), Some(report.as_str()));
    let (apps, domains) = engine.discovery_report(&report).await.unwrap();
    let after = apps.iter().find(|a| a.app_id == "yahoo").unwrap();
    assert_eq!(after.transactions, 2 * yahoo.transactions, "usage adds up");
    assert_eq!(after.users, yahoo.users, "the same users are counted once");
    assert!(
        apps.iter().any(|a| a.app_id == "elastic-cloud")
            || domains.iter().any(|d| d.domain == "elastic.co")
    );
}

#[tokio::test]
async fn unknown_format_and_cancellation_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(Some(dir.path())).await.unwrap();
    let mut r = request("x", &["squid/test-access.log"]);
    r.format = Some("nonsense".into());
    let err = engine
        .discover(
            r,
            Arc::new(Progress::default()),
            Arc::new(AtomicBool::new(false)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("discover formats"), "{err}");

    let err = engine
        .discover(
            request("x", &["squid/test-access.log"]),
            Arc::new(Progress::default()),
            Arc::new(AtomicBool::new(true)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled);
}
