//! Serves a generated Entra ID / Microsoft 365 tenant on 127.0.0.1 for end-to-end tests of
//! the real app:
//!
//!     fake-graph [--domain contoso] [--seed 7] [--client-id ID] [--client-secret SECRET]
//!                [--size small|benchmark] [--delay-ms 0]
//!
//! Prints the base URL on the first line of stdout and the tenant id on the second, then
//! serves until stdin closes or the process is killed.

use cloudwarden_testkit::graph::{FakeGraph, GraphApp, GraphSize, GraphTenant};
use tokio::io::AsyncBufReadExt;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let domain = arg("--domain").unwrap_or_else(|| "contoso".into());
    let seed = arg("--seed").and_then(|s| s.parse().ok()).unwrap_or(7);
    let app = GraphApp {
        client_id: arg("--client-id")
            .unwrap_or_else(|| "5f0c9d4e-2b1a-4c3d-8e7f-00000000c1d0".into()),
        client_secret: arg("--client-secret").unwrap_or_else(|| "fake-graph-secret".into()),
    };
    let size = match arg("--size").as_deref() {
        None | Some("small") => GraphSize::small(),
        Some("benchmark") => GraphSize::benchmark(),
        Some(other) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("--size must be small or benchmark, not {other}"),
            ))
        }
    };
    let tenant = GraphTenant::generate(&domain, seed, &size);
    let fake = FakeGraph::start(tenant, app).await?;
    if let Some(ms) = arg("--delay-ms").and_then(|s| s.parse().ok()) {
        fake.faults().delay_ms(ms);
    }
    println!("{}", fake.url);
    println!("{}", fake.tenant_id());
    // Serve until stdin reaches its end (the test closes it) or the process is killed.
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while lines.next_line().await?.is_some() {}
    drop(fake);
    Ok(())
}
