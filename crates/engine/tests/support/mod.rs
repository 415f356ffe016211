//! Helpers shared by the connector tests.
#![allow(dead_code, clippy::unwrap_used)] // each test file uses some of these

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::connectors::{PhaseReport, ScanReport};

/// An engine on a fresh data directory, or `None` when no keychain is available (credentials
/// live there); `make test` provides one and requires it.
pub async fn engine(dir: &tempfile::TempDir) -> Option<Engine> {
    let engine = Engine::open(Some(dir.path())).await.unwrap();
    if !engine.secrets().status().await.available {
        assert!(
            std::env::var("CLOUDWARDEN_REQUIRE_KEYCHAIN").as_deref() != Ok("1"),
            "keychain required"
        );
        eprintln!("skipped: no keychain");
        return None;
    }
    Some(engine)
}

/// The report of one phase of a scan.
pub fn phase<'a>(r: &'a ScanReport, name: &str) -> &'a PhaseReport {
    r.phases.iter().find(|p| p.phase == name).unwrap()
}
