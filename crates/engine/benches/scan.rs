//! A full GitHub scan into the store, against the fake GitHub (no network latency):
//!
//!     tests/session.sh cargo bench -p cloudwarden-engine --bench scan -- [SCALE]
//!
//! SCALE 1 (default) is the benchmark tenant of issue 5: 10 k members, 1 k teams, 200 k audit
//! events (inside the 7-day back-fill), 50 k repositories; 0.1 is a tenth of it. Prints stored
//! records per second and the peak resident memory (the fake server runs in this process too,
//! so the figure includes the fake's generated tenant).

use std::time::Instant;

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::connectors::ConnectGithub;
use cloudwarden_testkit::github::{FakeGithub, GithubTenant, TenantSize};

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_owned)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn scaled(n: usize, scale: f64) -> usize {
    ((n as f64) * scale).round().max(1.0) as usize
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let scale: f64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1.0);
    let b = TenantSize::benchmark();
    let size = TenantSize {
        members: scaled(b.members, scale),
        outside_collaborators: scaled(b.outside_collaborators, scale),
        teams: scaled(b.teams, scale),
        repos: scaled(b.repos, scale),
        audit_events: scaled(b.audit_events, scale),
        credential_authorizations: scaled(b.credential_authorizations, scale),
        audit_days: 6,
        ..b
    };
    let tenant = GithubTenant::generate("bench", 1, &size);
    let expected = tenant.members.len()
        + tenant.outside_collaborators.len()
        + tenant.teams.len()
        + tenant.audit_events.len()
        + tenant.repos.len()
        + tenant.installations.len()
        + tenant.credential_authorizations.len();
    let fake = match FakeGithub::start(tenant, "ghp_bench").await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    fake.faults().set_quota(u32::MAX, 3600);
    let dir = std::env::temp_dir().join(format!("cloudwarden-bench-scan-{}", std::process::id()));
    let engine = match Engine::open(Some(&dir)).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let instance = match engine
        .connect_github(ConnectGithub {
            name: "Bench".into(),
            org: "bench".into(),
            api_url: Some(fake.url.clone()),
            token: "ghp_bench".into(),
        })
        .await
    {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e} (run inside tests/session.sh for a keychain)");
            std::process::exit(1);
        }
    };
    let rss_before = peak_rss_mb();
    let start = Instant::now();
    let report = match engine.scan_instance(&instance.id).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let secs = start.elapsed().as_secs_f64();
    let records: u64 = report.phases.iter().map(|p| p.records).sum();
    let view = engine.instance(&instance.id).await.ok();
    println!(
        "scale {scale}: {} members, {} teams, {} audit events, {} repos",
        size.members, size.teams, size.audit_events, size.repos
    );
    for p in &report.phases {
        println!(
            "  {:<13} {:<10} {:>9} records {:>8} ms",
            p.phase, p.status, p.records, p.duration_ms
        );
    }
    println!(
        "status: {} ({} requests, {} retries, {} throttled)",
        report.status, report.requests, report.retries, report.throttles
    );
    println!("stored records: {records} (top-level items expected: {expected}; memberships, collaborators and privileges come on top)");
    if let Some(v) = view {
        println!(
            "store: {} accounts, {} groups, {} activities, {} files, {} oauth grants",
            v.counts.accounts,
            v.counts.groups,
            v.counts.activities,
            v.counts.files,
            v.counts.oauth_grants
        );
    }
    println!("time: {secs:.2} s → {:.0} records/s", records as f64 / secs);
    println!(
        "peak RSS: {:.0} MB (of which {:.0} MB before the scan: tenant generation and fake server)",
        peak_rss_mb(),
        rss_before
    );
    engine.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
