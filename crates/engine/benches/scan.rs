//! A full scan into the store, against the fake Microsoft Graph or the fake GitHub (no network
//! latency):
//!
//!     tests/session.sh cargo bench -p cloudwarden-engine --bench scan -- [SCALE] [m365|github]
//!
//! SCALE 1 (default) is the benchmark tenant of issue 5: 10 k users, 1 k groups, 200 k audit
//! events (inside the 7-day back-fill), 50 k files (GitHub: repositories); 0.1 is a tenth of
//! it. Prints stored records per second and the peak resident memory of the scanning process:
//! the fake Graph runs in a child process (this binary with `--serve-m365`) on the same cores;
//! the fake GitHub runs in this process, so its figure includes the fake's tenant.

use std::time::Instant;

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::connectors::{ConnectGithub, ConnectM365, InstanceView};
use cloudwarden_testkit::github::{FakeGithub, GithubTenant, TenantSize};
use cloudwarden_testkit::graph::{FakeGraph, GraphApp, GraphSize, GraphTenant};

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

fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("error: {e} (run inside tests/session.sh for a keychain)");
    std::process::exit(1);
}

/// Starts the fake Graph with the benchmark tenant and connects an instance to it. Keeps the
/// fake alive in `keep`.
/// The fake Graph with the benchmark tenant, served by this same binary in a child process
/// (`--serve-m365 SCALE`), so the scan's memory is measured alone. Prints the URL, the tenant
/// id, the expected count and a description, one per line, then serves until stdin closes.
async fn serve_m365(scale: f64) {
    let b = GraphSize::benchmark();
    let size = GraphSize {
        users: scaled(b.users, scale),
        guests: scaled(b.guests, scale),
        groups: scaled(b.groups, scale),
        directory_audits: scaled(b.directory_audits, scale),
        sign_ins: scaled(b.sign_ins, scale),
        unified_audit: scaled(b.unified_audit, scale),
        files: scaled(b.files, scale),
        sites: scaled(b.sites, scale),
        onedrives: scaled(b.onedrives, scale),
        audit_days: 6,
        ..b
    };
    let tenant = GraphTenant::generate("bench", 1, &size);
    let expected = tenant.users.len()
        + tenant.groups.len()
        + tenant.directory_audits.len()
        + tenant.sign_ins.len()
        + tenant.unified_audit.len()
        + tenant
            .items
            .iter()
            .filter(|i| i.parent_id.is_some())
            .count()
        + tenant.grants.len()
        + tenant
            .app_role_assignments
            .iter()
            .map(|a| &a.principal_id)
            .collect::<std::collections::HashSet<_>>()
            .len();
    let line = format!(
        "m365 scale {scale}: {} users, {} groups, {} audit events and sign-ins, {} unified audit log records, {} drive items",
        tenant.users.len(),
        tenant.groups.len(),
        tenant.directory_audits.len() + tenant.sign_ins.len(),
        tenant.unified_audit.len(),
        tenant.items.len()
    );
    let fake = FakeGraph::start(
        tenant,
        GraphApp {
            client_id: "bench".into(),
            client_secret: "bench-secret".into(),
        },
    )
    .await
    .unwrap_or_else(|e| fail(e));
    println!("{}\n{}\n{expected}\n{line}", fake.url, fake.tenant_id());
    let mut stdin = tokio::io::stdin();
    let mut buf = [0u8; 64];
    while tokio::io::AsyncReadExt::read(&mut stdin, &mut buf)
        .await
        .is_ok_and(|n| n > 0)
    {}
    drop(fake);
}

async fn m365(
    engine: &Engine,
    scale: f64,
    keep: &mut Vec<Box<dyn std::any::Any>>,
) -> (InstanceView, usize, String) {
    use std::io::BufRead;
    let exe = std::env::current_exe().unwrap_or_else(|e| fail(e));
    let mut child = std::process::Command::new(exe)
        .args(["--serve-m365", &scale.to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| fail(e));
    let stdout = child.stdout.take().unwrap_or_else(|| fail("no stdout"));
    let mut lines = std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok);
    let mut next = || {
        lines
            .next()
            .unwrap_or_else(|| fail("the fake did not start"))
    };
    let (url, tenant, expected, line) = (next(), next(), next(), next());
    let instance = engine
        .connect_m365(ConnectM365 {
            name: "Bench".into(),
            tenant,
            client_id: "bench".into(),
            client_secret: "bench-secret".into(),
            api_url: Some(format!("{url}/v1.0")),
            login_url: Some(url),
        })
        .await
        .unwrap_or_else(|e| fail(e));
    keep.push(Box::new(KillOnDrop(child)));
    (instance, expected.parse().unwrap_or(0), line)
}

/// The fake's process, ended with the benchmark.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let scale: f64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1.0);
    if std::env::args().any(|a| a == "--serve-m365") {
        serve_m365(scale).await;
        return;
    }
    let app = if std::env::args().any(|a| a == "github") {
        "github"
    } else {
        "m365"
    };
    let dir = std::env::temp_dir().join(format!("cloudwarden-bench-scan-{}", std::process::id()));
    let engine = Engine::open(Some(&dir)).await.unwrap_or_else(|e| fail(e));
    let mut keep: Vec<Box<dyn std::any::Any>> = Vec::new();
    let (instance, expected, line) = if app == "m365" {
        m365(&engine, scale, &mut keep).await
    } else {
        github(&engine, scale, &mut keep).await
    };
    let rss_before = peak_rss_mb();
    let start = Instant::now();
    let report = engine
        .scan_instance(&instance.id)
        .await
        .unwrap_or_else(|e| fail(e));
    let secs = start.elapsed().as_secs_f64();
    let records: u64 = report.phases.iter().map(|p| p.records).sum();
    let view = engine.instance(&instance.id).await.ok();
    println!("{line}");
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
        "peak RSS: {:.0} MB (of which {:.0} MB before the scan)",
        peak_rss_mb(),
        rss_before
    );
    engine.close().await;
    drop(keep);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn github(
    engine: &Engine,
    scale: f64,
    keep: &mut Vec<Box<dyn std::any::Any>>,
) -> (InstanceView, usize, String) {
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
    let line = format!(
        "github scale {scale}: {} members, {} teams, {} audit events, {} repos",
        size.members, size.teams, size.audit_events, size.repos
    );
    let fake = FakeGithub::start(tenant, "ghp_bench")
        .await
        .unwrap_or_else(|e| fail(e));
    fake.faults().set_quota(u32::MAX, 3600);
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
        Err(e) => fail(e),
    };
    keep.push(Box::new(fake));
    (instance, expected, line)
}
