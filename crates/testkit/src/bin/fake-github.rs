//! Serves a generated GitHub organisation on 127.0.0.1 for end-to-end tests of the real app:
//!
//!     fake-github [--org acme] [--seed 7] [--token TOKEN] [--audit-days 5] [--delay-ms 0]
//!
//! Prints the base URL on the first line of stdout, then serves until stdin closes or the
//! process is killed. A line `approve CODE` on stdin approves the device flow showing CODE (the
//! analyst's click on github.com).

use cloudwarden_testkit::github::{FakeGithub, GithubTenant, TenantSize};
use tokio::io::AsyncBufReadExt;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let org = arg("--org").unwrap_or_else(|| "acme".into());
    let seed = arg("--seed").and_then(|s| s.parse().ok()).unwrap_or(7);
    let token = arg("--token").unwrap_or_else(|| "ghp_e2eToken".into());
    let size = TenantSize {
        audit_days: arg("--audit-days")
            .and_then(|s| s.parse().ok())
            .unwrap_or(5),
        ..TenantSize::small()
    };
    let tenant = GithubTenant::generate(&org, seed, &size);
    let fake = FakeGithub::start(tenant, &token).await?;
    if let Some(ms) = arg("--delay-ms").and_then(|s| s.parse().ok()) {
        fake.faults().delay_ms(ms);
    }
    println!("{}", fake.url);
    fake.set_device_interval(0);
    // Serve until stdin reaches its end (the test closes it) or the process is killed.
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        if let Some(code) = line.trim().strip_prefix("approve ") {
            let ok = fake.approve_device(code.trim());
            eprintln!("fake-github: approve {code}: {ok}");
        }
    }
    drop(fake);
    Ok(())
}
