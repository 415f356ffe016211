//! Host → app look-ups per second on one core.
//!
//!     cargo bench -p cloudwarden-catalog --bench matcher
//!
//! The host mix is deterministic: one third app hosts with a sub-domain, one third tenant and
//! platform hosts, one third unknown hosts — the shape of a proxy log.

use std::hint::black_box;
use std::time::Instant;

use cloudwarden_catalog::Catalog;

fn main() {
    let catalog = match Catalog::builtin() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let start = Instant::now();
    let matcher = match catalog.matcher() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let build = start.elapsed();

    let mut hosts: Vec<String> = Vec::new();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let patterns: Vec<&str> = catalog
        .apps
        .iter()
        .flat_map(|a| a.domains.iter().map(|d| d.pattern.as_str()))
        .collect();
    let prefixes = [
        "www",
        "api",
        "app",
        "cdn",
        "login",
        "acme",
        "static",
        "eu-west-1.files",
    ];
    let platforms = [
        "herokuapp.com",
        "github.io",
        "s3.amazonaws.com",
        "slack.com",
        "sharepoint.com",
        "okta.com",
    ];
    while hosts.len() < 1_000_000 {
        let r = next();
        let host = match r % 3 {
            0 => format!(
                "{}.{}",
                prefixes[(r >> 8) as usize % prefixes.len()],
                patterns[(r >> 16) as usize % patterns.len()]
            ),
            1 => format!(
                "tenant{}.{}",
                r % 5000,
                platforms[(r >> 8) as usize % platforms.len()]
            ),
            _ => format!(
                "host{}.unknown-site-{}.example.com",
                r % 100,
                (r >> 8) % 50_000
            ),
        };
        hosts.push(host);
    }

    // Warm up, then measure several rounds and keep the best.
    let mut matched = 0usize;
    for h in &hosts {
        matched += usize::from(matcher.lookup_lower(h).is_some());
    }
    let rounds = 5;
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let t = Instant::now();
        for h in &hosts {
            black_box(matcher.lookup_lower(black_box(h)));
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "catalog: {} apps, {} domain patterns; matcher built in {:.1} ms",
        catalog.apps.len(),
        patterns.len(),
        build.as_secs_f64() * 1e3
    );
    println!(
        "hosts: {}, matched: {:.1} %",
        hosts.len(),
        matched as f64 * 100.0 / hosts.len() as f64
    );
    println!(
        "look-ups: {:.2} M/s on one core (best of {rounds}, {:.0} ns each)",
        hosts.len() as f64 / best / 1e6,
        best * 1e9 / hosts.len() as f64
    );
}
