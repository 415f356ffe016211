//! Serves a generated GitHub organisation on 127.0.0.1 for end-to-end tests of the real app:
//!
//!     fake-github [--org acme] [--seed 7] [--token TOKEN] [--audit-days 5] [--delay-ms 0]
//!
//! Prints the base URL on the first line of stdout, then serves until stdin closes or the
//! process is killed. A line `approve CODE` on stdin approves the device flow showing CODE (the
//! analyst's click on github.com); a line `audit ACTION ACTOR [USER]` adds an audit event that
//! happens now (planted behaviour for policy tests).

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
    let Some(template) = tenant.audit_events.first().cloned() else {
        return Err(std::io::Error::other(
            "the generated tenant has no audit event",
        ));
    };
    let mut planted = 0u32;
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
        } else if let Some(rest) = line.trim().strip_prefix("audit ") {
            let words: Vec<&str> = rest.split_whitespace().collect();
            if let [action, actor, more @ ..] = words.as_slice() {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis() as i64)
                    .unwrap_or(0);
                planted += 1;
                let mut e = template.clone();
                e.document_id = format!("planted-{planted}");
                e.timestamp_ms = now;
                e.created_at_ms = now;
                e.action = (*action).to_owned();
                e.actor = (*actor).to_owned();
                e.user = more.first().map(|u| (*u).to_owned());
                e.repo = None;
                fake.add_audit_event(e);
                eprintln!("fake-github: planted {action} by {actor}");
            }
        }
    }
    drop(fake);
    Ok(())
}
