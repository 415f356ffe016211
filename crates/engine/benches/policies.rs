//! Policy evaluation at scale: every template enabled and the SigmaHQ rules imported, over
//! 1 M new activities, with the process's peak RSS at 250 k, 500 k and 1 M to show that
//! memory does not grow with the input.
//!
//!     tests/session.sh cargo bench -p cloudwarden-engine --bench policies -- [MILLIONS] [--dir DIR] [--worst]
//!
//! The store is generated through the scans' writer ([`Engine::write_records`]) unless `--dir`
//! holds one this benchmark made before (with the same mode). The data looks like a tenant's:
//! 20,000 users whose activity falls off with rank (Zipf), over 30 days with a working-hours
//! rhythm; sign-ins (3 % failed), file work, sharing, mail access, directory changes and role
//! assignments in a tenant's proportions; raw records shaped as Microsoft Graph's sign-ins,
//! directory audits and unified audit records (≈ 600 bytes), so that the Sigma rules of all
//! three sources run. Realistic (default): 70 % of the users in ten corporate networks (tagged),
//! the rest at 1–3 addresses of one provider (a /24), 1 % travelling once, 0.05 % of activities from anywhere.
//! `--worst`: no corporate ranges, 5 % of every user's activities from a random address in
//! the world, directory changes and role assignments 20–50 times as common.
//!
//! Evaluation is measured the way the app runs it after a scan: [`Engine::evaluate`] over what
//! is new since the last evaluation. The evaluation marks are rewound to make the newest N
//! activities new again (what was already raised is not raised twice, so later runs measure
//! the same reading and matching with fewer writes: both are reported).

use std::time::Instant;

use cloudwarden_connectors::model::{Activity, Raw, Records};
use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::connectors::ConnectM365;
use cloudwarden_testkit::graph::{FakeGraph, GraphApp, GraphSize, GraphTenant};

const DAY: i64 = 86_400_000;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Ranks drawn with probability falling off as 1/rank (Zipf, s = 1).
struct Zipf(Vec<f64>);
impl Zipf {
    fn new(n: usize) -> Zipf {
        let mut acc = 0.0;
        Zipf(
            (1..=n)
                .map(|k| {
                    acc += 1.0 / k as f64;
                    acc
                })
                .collect(),
        )
    }
    fn draw(&self, rng: &mut Rng) -> usize {
        let total = self.0.last().copied().unwrap_or(1.0);
        let x = rng.unit() * total;
        self.0.partition_point(|c| *c < x).min(self.0.len() - 1)
    }
}

fn rss_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("error: {e} (run inside tests/session.sh for a keychain)");
    std::process::exit(1);
}

/// A public IPv4 address (not private, shared, loopback, documentation or multicast).
fn public_ip(rng: &mut Rng) -> String {
    loop {
        let n = rng.next() as u32;
        let ip = std::net::Ipv4Addr::from(n);
        let o = ip.octets();
        let internal = ip.is_private()
            || ip.is_loopback()
            || ip.is_link_local()
            || ip.is_multicast()
            || ip.is_documentation()
            || ip.is_broadcast()
            || o[0] == 0
            || o[0] >= 224
            || (o[0] == 100 && (o[1] & 0xc0) == 64);
        if !internal {
            return ip.to_string();
        }
    }
}

/// Actions per 10,000 activities of a tenant: mostly sign-ins and file work, a little
/// sharing, few directory changes and very few role assignments.
const ACTIONS: &[(&str, u32)] = &[
    ("Sign-in", 4_000),
    ("FileAccessed", 2_100),
    ("FileDownloaded", 1_200),
    ("FileModified", 900),
    ("FileUploaded", 500),
    ("SharingSet", 300),
    ("AnonymousLinkCreated", 20),
    ("FileDeleted", 300),
    ("MailItemsAccessed", 640),
    ("Update user", 30),
    ("Add member to group", 8),
    ("Add member to role", 2),
];

/// The worst case's mix: directory changes and role assignments 20–50 times as common.
const ACTIONS_WORST: &[(&str, u32)] = &[
    ("Sign-in", 4_000),
    ("FileAccessed", 2_000),
    ("FileDownloaded", 1_200),
    ("FileModified", 800),
    ("FileUploaded", 500),
    ("SharingSet", 300),
    ("AnonymousLinkCreated", 100),
    ("FileDeleted", 300),
    ("MailItemsAccessed", 400),
    ("Update user", 200),
    ("Add member to group", 100),
    ("Add member to role", 100),
];

/// How the generated tenant behaves.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// An office: 70 % of the users work from the corporate networks (tagged corporate), the
    /// others from 1–3 addresses of one provider; 1 % of the users travel once (three days from one
    /// address abroad) and 0.05 % of activities come from anywhere (attackers, VPN exits).
    Realistic,
    /// No corporate ranges, and 5 % of every user's activities from a random address
    /// anywhere in the world: every detection of places fires all the time.
    Worst,
}

async fn generate(e: &Engine, instance: &str, n_events: usize, now: i64, mode: Mode) {
    let mut rng = Rng(0x5eed_cafe_f00d_0001);
    let n_users = 20_000;
    let actors = Zipf::new(n_users);
    // Ten corporate networks (/20), tagged as such.
    let offices: Vec<[u8; 4]> = (0..10)
        .map(|_| {
            let o = public_ip(&mut rng)
                .parse::<std::net::Ipv4Addr>()
                .map_or([20, 0, 0, 0], |ip| ip.octets());
            [o[0], o[1], o[2] & 0xf0, 0]
        })
        .collect();
    if mode == Mode::Realistic {
        for (n, o) in offices.iter().enumerate() {
            e.add_ip_range(
                &format!("{}.{}.{}.0/20", o[0], o[1], o[2]),
                cloudwarden_engine::domain::policies::IpTag::Corporate,
                &format!("office {n}"),
            )
            .await
            .unwrap_or_else(|e| fail(e));
        }
    }
    let homes: Vec<Vec<String>> = (0..n_users)
        .map(|_| {
            if mode == Mode::Realistic && rng.chance(70) {
                let o = offices[rng.below(offices.len())];
                let host = rng.below(4096);
                vec![format!(
                    "{}.{}.{}.{}",
                    o[0],
                    o[1],
                    o[2] as usize + host / 256,
                    host % 256
                )]
            } else if mode == Mode::Realistic {
                // Home, phone, a café: one provider's network (a /24), one country.
                let first = public_ip(&mut rng)
                    .parse::<std::net::Ipv4Addr>()
                    .map_or([20, 0, 0, 1], |ip| ip.octets());
                let n = 1 + rng.below(3);
                (0..n)
                    .map(|_| {
                        format!(
                            "{}.{}.{}.{}",
                            first[0],
                            first[1],
                            first[2],
                            1 + rng.below(254)
                        )
                    })
                    .collect()
            } else {
                let n = 1 + rng.below(3);
                (0..n).map(|_| public_ip(&mut rng)).collect()
            }
        })
        .collect();
    // Travellers: a three-day trip from one address abroad, starting on a random day.
    let mut trips: std::collections::HashMap<usize, (i64, String)> = Default::default();
    for u in 0..n_users {
        if mode == Mode::Realistic && rng.chance(1) {
            let start = rng.below(27) as i64;
            trips.insert(u, (start, public_ip(&mut rng)));
        }
    }
    let mix = if mode == Mode::Realistic {
        ACTIONS
    } else {
        ACTIONS_WORST
    };
    let weights: u32 = mix.iter().map(|(_, w)| w).sum();
    let span = 30 * DAY;
    let t = Instant::now();
    let mut written = 0usize;
    while written < n_events {
        let mut r = Records::default();
        for _ in 0..5_000.min(n_events - written) {
            let mut w = (rng.next() % u64::from(weights)) as u32;
            let action = mix
                .iter()
                .find(|(_, p)| {
                    if w < *p {
                        true
                    } else {
                        w -= p;
                        false
                    }
                })
                .map_or("Sign-in", |(a, _)| *a);
            let u = actors.draw(&mut rng);
            let upn = format!("user{u:05}@contoso.com");
            let progress = written as f64 / n_events as f64;
            let day = (progress * 30.0).floor() as i64;
            let ip = match (mode, trips.get(&u)) {
                (Mode::Worst, _) if rng.chance(5) => public_ip(&mut rng),
                (Mode::Realistic, Some((start, abroad))) if (*start..start + 3).contains(&day) => {
                    abroad.clone()
                }
                (Mode::Realistic, _) if rng.next().is_multiple_of(2_000) => public_ip(&mut rng),
                _ => homes[u][rng.below(homes[u].len())].clone(),
            };
            let day_start = now - span + (progress * 30.0).floor() as i64 * DAY;
            let in_day = (progress * 30.0).fract();
            let at = day_start + (8.0 * 3_600_000.0 + in_day * 10.0 * 3_600_000.0) as i64;
            let id = format!("{:016x}-{written}", rng.next());
            let failed = action == "Sign-in" && rng.chance(3);
            let (raw, category_target) = match action {
                "Sign-in" => (
                    serde_json::json!({
                        "id": id, "createdDateTime": at, "userPrincipalName": upn,
                        "userId": format!("{u:08x}-0000-4000-8000-000000000000"),
                        "appDisplayName": "Office 365 Exchange Online", "ipAddress": ip,
                        "clientAppUsed": "Browser", "isInteractive": true,
                        "status": {"errorCode": if failed { 50126 } else { 0 },
                            "failureReason": if failed { "Invalid username or password." } else { "" }},
                        "deviceDetail": {"operatingSystem": "Windows 10", "browser": "Edge 120.0",
                            "isCompliant": true, "trustType": "Azure AD joined"},
                        "conditionalAccessStatus": "success",
                        "location": {"city": "Seattle", "state": "Washington", "countryOrRegion": "US"},
                    }),
                    Some("Office 365 Exchange Online".to_owned()),
                ),
                "Update user" | "Add member to group" | "Add member to role" => {
                    let target = format!("user{:05}@contoso.com", rng.below(n_users));
                    (
                        serde_json::json!({
                            "id": id, "activityDateTime": at, "activityDisplayName": action,
                            "category": "UserManagement", "loggedByService": "Core Directory",
                            "operationType": "Update", "result": "success", "resultReason": "",
                            "initiatedBy": {"user": {"userPrincipalName": upn, "ipAddress": ip}},
                            "targetResources": [{"type": "User", "userPrincipalName": target,
                                "modifiedProperties": [{"displayName": "AccountEnabled",
                                    "oldValue": "[true]", "newValue": "[true]"}]}],
                        }),
                        Some(target),
                    )
                }
                _ => {
                    let file = format!(
                        "https://contoso.sharepoint.com/sites/team{}/Shared%20Documents/doc{}.docx",
                        rng.below(200),
                        rng.below(100_000)
                    );
                    (
                        serde_json::json!({
                            "id": id, "createdDateTime": at, "auditLogRecordType": "SharePointFileOperation",
                            "operation": action, "service": "SharePoint", "userPrincipalName": upn,
                            "objectId": file, "clientIp": ip,
                            "auditData": {"Operation": action, "Workload": "SharePoint",
                                "ResultStatus": "Succeeded", "ObjectId": file, "UserId": upn,
                                "ClientIP": ip, "UserAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"},
                        }),
                        Some(file),
                    )
                }
            };
            r.activities.push(Activity {
                event_id: id,
                occurred_at_ms: at,
                actor: Some(upn),
                action: action.into(),
                target: category_target,
                ip: Some(ip),
                user_agent: Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64)".into()),
                outcome: Some(if failed { "failure" } else { "success" }.into()),
                raw: Raw::of(&raw),
            });
            written += 1;
        }
        e.write_records(instance, "activities", &[&r])
            .await
            .unwrap_or_else(|e| fail(e));
    }
    println!(
        "generated {n_events} activities in {:.0} s",
        t.elapsed().as_secs_f64()
    );
}

/// Makes the newest `n` activities new for evaluation.
async fn rewind(db: &std::path::Path, n: usize) {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap_or_else(|e| fail(e));
    sqlx::query(
        "INSERT OR REPLACE INTO evaluation_marks (instance_id, activity_rowid, updated_at_ms) \
         SELECT instance_id, (SELECT MAX(rowid) FROM activities) - ?, 0 FROM connector_instances",
    )
    .bind(n as i64)
    .execute(&pool)
    .await
    .unwrap_or_else(|e| fail(e));
    pool.close().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let millions: f64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(1.0);
    let n = (millions * 1_000_000.0) as usize;
    let mode = if args.iter().any(|a| a == "--worst") {
        Mode::Worst
    } else {
        Mode::Realistic
    };
    let dir_arg = args
        .iter()
        .position(|a| a == "--dir")
        .and_then(|i| args.get(i + 1))
        .map(std::path::PathBuf::from);
    let temp = tempfile::tempdir().unwrap_or_else(|e| fail(e));
    let dir = dir_arg.unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail(e));
    let db = dir.join("cloudwarden.sqlite3");
    let fresh = !db.exists();
    let e = Engine::open(Some(&dir)).await.unwrap_or_else(|e| fail(e));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    if fresh {
        let tenant = GraphTenant::generate(
            "contoso",
            1,
            &GraphSize {
                users: 5,
                guests: 1,
                groups: 1,
                directory_audits: 1,
                sign_ins: 1,
                unified_audit: 1,
                files: 1,
                sites: 1,
                onedrives: 1,
                ..GraphSize::small()
            },
        );
        let app = GraphApp {
            client_id: "5e7e1a3c-0000-4000-8000-00000000be0d".into(),
            client_secret: "bench~secret".into(),
        };
        let g = FakeGraph::start(tenant, app.clone())
            .await
            .unwrap_or_else(|e| fail(e));
        let i = e
            .connect_m365(ConnectM365 {
                name: "Contoso".into(),
                tenant: g.tenant_id().into(),
                client_id: app.client_id.clone(),
                client_secret: app.client_secret.clone(),
                api_url: Some(format!("{}/v1.0", g.url)),
                login_url: Some(g.url.clone()),
            })
            .await
            .unwrap_or_else(|e| fail(e));
        generate(&e, &i.id, n, now, mode).await;
        for t in e.policy_templates() {
            let p = e
                .create_policy_from_template(&t.id, None)
                .await
                .unwrap_or_else(|e| fail(e));
            e.set_policy_enabled(&p.id, true)
                .await
                .unwrap_or_else(|e| fail(e));
        }
        let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/testdata/sigma/rules");
        let r = e.import_sigma(&rules).await.unwrap_or_else(|e| fail(e));
        println!(
            "policies: {} templates enabled; Sigma: {} imported, {} not applicable, {} invalid",
            e.policy_templates().len(),
            r.imported,
            r.not_applicable.len(),
            r.invalid.len()
        );
    }
    let enabled = e
        .policies()
        .await
        .unwrap_or_else(|e| fail(e))
        .iter()
        .filter(|p| p.enabled)
        .count();
    println!("enabled policies: {enabled}");
    println!(
        "before evaluating: RSS {:.0} MB, peak {:.0} MB",
        rss_mb("VmRSS:"),
        rss_mb("VmHWM:")
    );
    for (label, count) in [
        ("first evaluation (baselines learned, alerts written)", n),
        ("250 k new (evaluated again)", n / 4),
        ("500 k new (evaluated again)", n / 2),
        ("1 M new (evaluated again)", n),
    ] {
        rewind(&db, count).await;
        let t = Instant::now();
        let s = e.evaluate(None).await.unwrap_or_else(|e| fail(e));
        let secs = t.elapsed().as_secs_f64();
        println!(
            "{label:<54} {:>8} activities in {secs:>5.1} s ({:>7.0}/s): {} matches, {} alerts raised, {} updated; RSS {:.0} MB, peak {:.0} MB",
            s.activities,
            s.activities as f64 / secs,
            s.matches,
            s.alerts_raised,
            s.alerts_updated,
            rss_mb("VmRSS:"),
            rss_mb("VmHWM:")
        );
    }
    e.close().await;
}
