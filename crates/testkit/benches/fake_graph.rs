//! How fast the fake Microsoft Graph generates and serves a benchmark-size tenant
//! (`GraphSize::benchmark()`: 10 000 accounts, 1 000 groups, 200 000 audit events and
//! sign-ins, 50 000 files). Walks every list through `@odata.nextLink`, 999 items a page
//! (audit logs 1 000), and prints the time and pages per second of each phase.
//!
//! `cargo bench -p cloudwarden-testkit --bench fake_graph`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use cloudwarden_testkit::graph::{FakeGraph, GraphApp, GraphSize, GraphTenant};
use reqwest::Client;
use serde_json::Value;

/// Items and pages of one collection (or delta round), walked to the end.
async fn walk(c: &Client, token: &str, url: String) -> (usize, usize) {
    let (mut items, mut pages) = (0, 0);
    let mut next = Some(url);
    while let Some(u) = next {
        let r = c.get(&u).bearer_auth(token).send().await.unwrap();
        assert!(r.status().is_success(), "{u}: {}", r.status());
        let body: Value = r.json().await.unwrap();
        next = body["@odata.nextLink"].as_str().map(str::to_owned);
        items += body["value"].as_array().unwrap().len();
        pages += 1;
    }
    (items, pages)
}

fn report(what: &str, start: Instant, items: usize, pages: usize) {
    let s = start.elapsed().as_secs_f64();
    println!(
        "{what:<32} {items:>8} items {pages:>6} pages {s:>8.2} s {:>8.0} pages/s",
        pages as f64 / s.max(1e-9)
    );
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let size = GraphSize::benchmark();

    let t0 = Instant::now();
    let tenant = GraphTenant::generate("fabrikam", 1, &size);
    println!("{:<32} {:>8.2} s", "generate", t0.elapsed().as_secs_f64());
    let groups: Vec<String> = tenant.groups.iter().map(|g| g.id.clone()).collect();
    let drives: Vec<String> = tenant.drives.iter().map(|d| d.id.clone()).collect();
    let (users, items) = (tenant.users.len(), tenant.items.len());

    let t0 = Instant::now();
    let app = GraphApp {
        client_id: "bench".into(),
        client_secret: "bench".into(),
    };
    let graph = FakeGraph::start(tenant, app).await.unwrap();
    println!(
        "{:<32} {:>8.2} s",
        "start (index)",
        t0.elapsed().as_secs_f64()
    );

    let c = Client::builder().build().unwrap();
    let r: Value = c
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            graph.url,
            graph.tenant_id()
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "bench"),
            ("client_secret", "bench"),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = r["access_token"].as_str().unwrap().to_owned();
    let v1 = format!("{}/v1.0", graph.url);

    let t0 = Instant::now();
    let (n, p) = walk(
        &c,
        &token,
        format!("{v1}/users?$top=999&$select=id,userPrincipalName,userType,accountEnabled,signInActivity"),
    )
    .await;
    assert_eq!(n, users);
    report("users (with signInActivity)", t0, n, p);

    let t0 = Instant::now();
    let (mut n, mut p) = walk(&c, &token, format!("{v1}/groups?$top=999")).await;
    for g in &groups {
        for rel in ["members", "owners"] {
            let (a, b) = walk(&c, &token, format!("{v1}/groups/{g}/{rel}?$top=999")).await;
            n += a;
            p += b;
        }
    }
    report("groups, members and owners", t0, n, p);

    for (what, path) in [
        ("directory audits", "auditLogs/directoryAudits"),
        ("sign-ins", "auditLogs/signIns"),
    ] {
        let t0 = Instant::now();
        let (n, p) = walk(&c, &token, format!("{v1}/{path}?$top=1000")).await;
        report(what, t0, n, p);
    }

    let t0 = Instant::now();
    let (mut n, mut p) = (0, 0);
    for d in &drives {
        let (a, b) = walk(&c, &token, format!("{v1}/drives/{d}/root/delta?$top=999")).await;
        n += a;
        p += b;
    }
    assert_eq!(n, items);
    report("drive delta (every drive)", t0, n, p);

    println!("requests served: {}", graph.stats().requests);
}
