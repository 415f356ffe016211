//! How fast the fake Microsoft Graph generates and serves a benchmark-size tenant
//! (`GraphSize::benchmark()`: 10 000 accounts, 1 000 groups, 200 000 audit events and
//! sign-ins, 50 000 files). Walks every list through `@odata.nextLink`, 999 items a page
//! (audit logs 1 000), and prints the time and pages per second of each phase, and the CPU
//! time the server spent on it (the server runs on a runtime of its own).
//!
//! `cargo bench -p cloudwarden-testkit --bench fake_graph`
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Instant;

use cloudwarden_testkit::graph::{FakeGraph, GraphApp, GraphSize, GraphTenant};
use reqwest::Client;
use serde_json::Value;
use support::Phase;

/// Items and pages of one collection (or delta round), walked to the end.
async fn walk(c: &Client, token: &str, url: String) -> (usize, usize) {
    walk_each(c, token, url, |_| {}).await
}

/// As [`walk`], showing every item to `each`.
async fn walk_each(
    c: &Client,
    token: &str,
    url: String,
    mut each: impl FnMut(&Value),
) -> (usize, usize) {
    let (mut items, mut pages) = (0, 0);
    let mut next = Some(url);
    while let Some(u) = next {
        let r = c.get(&u).bearer_auth(token).send().await.unwrap();
        assert!(r.status().is_success(), "{u}: {}", r.status());
        let body: Value = r.json().await.unwrap();
        next = body["@odata.nextLink"].as_str().map(str::to_owned);
        let value = body["value"].as_array().unwrap();
        value.iter().for_each(&mut each);
        items += value.len();
        pages += 1;
    }
    (items, pages)
}

fn main() {
    let server = support::server_runtime();
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    client.block_on(run(&server));
}

async fn run(server: &tokio::runtime::Runtime) {
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
    let graph = server
        .spawn(FakeGraph::start(tenant, app))
        .await
        .unwrap()
        .unwrap();
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

    let t0 = Phase::start();
    let (n, p) = walk(
        &c,
        &token,
        format!("{v1}/users?$top=999&$select=id,userPrincipalName,userType,accountEnabled,signInActivity"),
    )
    .await;
    assert_eq!(n, users);
    t0.report("users (with signInActivity)", n, p);

    let t0 = Phase::start();
    let (mut n, mut p) = walk(&c, &token, format!("{v1}/groups?$top=999")).await;
    for g in &groups {
        for rel in ["members", "owners"] {
            let (a, b) = walk(&c, &token, format!("{v1}/groups/{g}/{rel}?$top=999")).await;
            n += a;
            p += b;
        }
    }
    t0.report("groups, members and owners", n, p);

    for (what, path) in [
        ("directory audits", "auditLogs/directoryAudits"),
        ("sign-ins", "auditLogs/signIns"),
    ] {
        let t0 = Phase::start();
        let (n, p) = walk(&c, &token, format!("{v1}/{path}?$top=1000")).await;
        t0.report(what, n, p);
    }

    let t0 = Phase::start();
    let (mut n, mut p) = (0, 0);
    let mut shared = Vec::new();
    for d in &drives {
        let (a, b) = walk_each(
            &c,
            &token,
            format!("{v1}/drives/{d}/root/delta?$top=999"),
            |item| {
                if item.get("shared").is_some() {
                    shared.push((d, item["id"].as_str().unwrap().to_owned()));
                }
            },
        )
        .await;
        n += a;
        p += b;
    }
    assert_eq!(n, items);
    t0.report("drive delta (every drive)", n, p);

    let t0 = Phase::start();
    let (mut n, mut p) = (0, 0);
    for (d, item) in &shared {
        let (a, b) = walk(
            &c,
            &token,
            format!("{v1}/drives/{d}/items/{item}/permissions"),
        )
        .await;
        n += a;
        p += b;
    }
    t0.report("permissions (shared items)", n, p);

    println!("requests served: {}", graph.stats().requests);
}
