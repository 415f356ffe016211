//! How fast the fake GitHub generates and serves a benchmark-size organisation
//! (`TenantSize::benchmark()`: 10 000 members, 1 000 teams, 50 000 repositories, 200 000
//! audit events). Walks every list through its `Link` headers, 100 items a page, and prints
//! the time and pages per second of each phase, and the CPU time the server spent on it
//! (the server runs on a runtime of its own).
//!
//! `cargo bench -p cloudwarden-testkit --bench fake_github`
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Instant;

use cloudwarden_testkit::github::{FakeGithub, GithubTenant, TenantSize};
use reqwest::Client;
use serde_json::Value;
use support::Phase;

const TOKEN: &str = "ghp_bench";

fn next_link(h: &reqwest::header::HeaderMap) -> Option<String> {
    let link = h.get("link")?.to_str().ok()?;
    link.split(", ").find_map(|part| {
        let (url, rel) = part.split_once("; ")?;
        (rel == "rel=\"next\"")
            .then(|| url.trim_start_matches('<').trim_end_matches('>').to_owned())
    })
}

/// Items and pages of one list, walked to the end.
async fn walk(c: &Client, url: String) -> (usize, usize) {
    let (mut items, mut pages) = (0, 0);
    let mut next = Some(url);
    while let Some(u) = next {
        let r = c.get(&u).bearer_auth(TOKEN).send().await.unwrap();
        assert!(r.status().is_success(), "{u}: {}", r.status());
        next = next_link(r.headers());
        items += r.json::<Value>().await.unwrap().as_array().unwrap().len();
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
    let size = TenantSize::benchmark();

    let t0 = Instant::now();
    let tenant = GithubTenant::generate("bench-org", 1, &size);
    println!("{:<32} {:>8.2} s", "generate", t0.elapsed().as_secs_f64());
    let (teams, repos) = (tenant.teams.clone(), tenant.repos.len());

    let t0 = Instant::now();
    let gh = server
        .spawn(FakeGithub::start(tenant, TOKEN))
        .await
        .unwrap()
        .unwrap();
    gh.faults().set_quota(u32::MAX, 3600);
    println!(
        "{:<32} {:>8.2} s",
        "start (index)",
        t0.elapsed().as_secs_f64()
    );

    let c = Client::builder().build().unwrap();
    let org = format!("{}/orgs/bench-org", gh.url);

    let t0 = Phase::start();
    let (n, p) = walk(&c, format!("{org}/members?per_page=100")).await;
    assert_eq!(n, size.members);
    t0.report("members", n, p);

    let t0 = Phase::start();
    let (n, p) = walk(&c, format!("{org}/teams?per_page=100")).await;
    assert_eq!(n, size.teams);
    t0.report("teams", n, p);

    let t0 = Phase::start();
    let (mut n, mut p) = (0, 0);
    for team in &teams {
        let (a, b) = walk(
            &c,
            format!("{org}/teams/{}/members?per_page=100", team.slug),
        )
        .await;
        n += a;
        p += b;
    }
    t0.report("team members (every team)", n, p);

    for sort in ["created", "full_name"] {
        let t0 = Phase::start();
        let (n, p) = walk(&c, format!("{org}/repos?per_page=100&sort={sort}")).await;
        assert_eq!(n, repos);
        t0.report(&format!("repos sort={sort}"), n, p);
    }

    let t0 = Phase::start();
    let (mut n, mut p) = (0, 0);
    for r in gh_repo_names(&c, &org).await.iter().take(2_000) {
        let (a, b) = walk(
            &c,
            format!("{}/repos/bench-org/{r}/collaborators?per_page=100", gh.url),
        )
        .await;
        n += a;
        p += b;
    }
    t0.report("collaborators (2 000 repos)", n, p);

    let t0 = Phase::start();
    let (n, p) = walk(&c, format!("{org}/audit-log?include=all&per_page=100")).await;
    assert_eq!(n, size.audit_events);
    t0.report("audit log (all, desc)", n, p);

    let t0 = Phase::start();
    let (n, p) = walk(
        &c,
        format!("{org}/audit-log?include=all&order=asc&per_page=100&phrase=action:team"),
    )
    .await;
    t0.report("audit log (action:team, asc)", n, p);

    println!("requests served: {}", gh.stats().requests);
}

async fn gh_repo_names(c: &Client, org: &str) -> Vec<String> {
    let r = c
        .get(format!("{org}/repos?per_page=100&sort=full_name"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let first: Vec<Value> = r.json().await.unwrap();
    let mut names: Vec<String> = first
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_owned())
        .collect();
    let mut page = 2;
    while names.len() < 2_000 {
        let r = c
            .get(format!(
                "{org}/repos?per_page=100&sort=full_name&page={page}"
            ))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        let more: Vec<Value> = r.json().await.unwrap();
        if more.is_empty() {
            break;
        }
        names.extend(more.iter().map(|v| v["name"].as_str().unwrap().to_owned()));
        page += 1;
    }
    names
}
