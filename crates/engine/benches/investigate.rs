//! Investigation at scale: a store with 10 M activities, 1 M files and 100 k accounts written
//! through the scans' own writer ([`Engine::write_records`]), then p50/p95 of every filter's
//! first page and of a page deep in the results, a streamed export of 1 M activities (peak
//! RSS) and the database size per million activities.
//!
//!     tests/session.sh cargo bench -p cloudwarden-engine --bench investigate -- [SCALE] [--dir DIR]
//!
//! SCALE 1 (default) is the size above; 0.1 is a tenth of it. With `--dir DIR` holding a store
//! this benchmark generated before, generation is skipped. The data looks like a real tenant's:
//! who acts, from which address and on which file falls off with rank (Zipf), 90 days of
//! events with a working-hours rhythm, 3 % failed sign-ins, raw vendor records of realistic size
//! (≈ 600 bytes), 5 % guests and 2 % administrators, sharing skewed to private.
//!
//! `--export-only DIR` runs only the export (a separate process, so that its peak RSS is the
//! export's alone).

use std::time::{Duration, Instant};

use cloudwarden_connectors::model::{
    Account, Activity, Collaborator, FileItem, Privilege, Raw, Records, Sharing,
};
use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::connectors::ConnectM365;
use cloudwarden_engine::domain::investigate::{
    ActivityCategory, ActivityFilter, ActivityOutcome, ExportFormat, FileFilter, PersonFilter,
    SharingLevel,
};
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
        let mut cdf = Vec::with_capacity(n);
        for k in 1..=n {
            acc += 1.0 / k as f64;
            cdf.push(acc);
        }
        Zipf(cdf)
    }
    fn draw(&self, rng: &mut Rng) -> usize {
        let total = self.0.last().copied().unwrap_or(1.0);
        let x = rng.unit() * total;
        self.0.partition_point(|c| *c < x).min(self.0.len() - 1)
    }
}

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

fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("error: {e} (run inside tests/session.sh for a keychain)");
    std::process::exit(1);
}

fn scaled(n: usize, scale: f64) -> usize {
    ((n as f64) * scale).round().max(1.0) as usize
}

fn guid(rng: &mut Rng) -> String {
    let (a, b) = (rng.next(), rng.next());
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

const DEPARTMENTS: &[&str] = &[
    "Finance",
    "Sales",
    "Engineering",
    "Legal",
    "HR",
    "Marketing",
    "Support",
    "Operations",
];
const WORDS: &[&str] = &[
    "Budget",
    "Plan",
    "Report",
    "Contract",
    "Roadmap",
    "Invoice",
    "Minutes",
    "Forecast",
    "Design",
    "Review",
    "Proposal",
    "Policy",
    "Onboarding",
    "Payroll",
    "Pricing",
    "Audit",
    "Strategy",
    "Survey",
    "Backlog",
    "Release",
];
const EXTERNAL_DOMAINS: usize = 2_000;
/// (action, share in ‰, vendor outcome when it is not plain success)
const ACTIONS: &[(&str, u32)] = &[
    ("Sign-in", 300),
    ("Sign-in failed", 10),
    ("UserLoggedIn", 80),
    ("FileAccessed", 220),
    ("FileModified", 90),
    ("FileDownloaded", 60),
    ("FileUploaded", 40),
    ("FilePreviewed", 50),
    ("MailItemsAccessed", 80),
    ("Send", 30),
    ("SharingSet", 12),
    ("AnonymousLinkCreated", 3),
    ("SharingInvitationCreated", 5),
    ("FileDeleted", 10),
    ("Update user.", 5),
    ("Add member to role.", 1),
    ("Consent to application.", 1),
    ("Add member to group.", 3),
];

struct World {
    users: Vec<(String, String)>, // (id, upn)
    ips: Vec<String>,
    files: Vec<String>, // URLs
}

fn user_upn(i: usize) -> String {
    format!("user{i:06}@contoso.com")
}

fn ip_of(i: usize) -> String {
    // Addresses of offices and home ISPs: a few /16 networks hold most traffic.
    let net = [
        (10u32, 1u32),
        (10, 2),
        (172, 16),
        (192, 168),
        (203, 0),
        (198, 51),
    ];
    let (a, b) = net[i % net.len()];
    format!(
        "{a}.{b}.{}.{}",
        (i / net.len()) / 250 % 256,
        (i / net.len()) % 250 + 1
    )
}

fn file_url(i: usize) -> String {
    format!(
        "https://contoso.sharepoint.com/sites/{}/Shared%20Documents/{}%20{}%20{i}.docx",
        DEPARTMENTS[i % DEPARTMENTS.len()],
        WORDS[i % WORDS.len()],
        WORDS[(i / 7) % WORDS.len()]
    )
}

async fn generate(e: &Engine, instance: &str, scale: f64, now: i64) {
    let n_users = scaled(100_000, scale);
    let n_files = scaled(1_000_000, scale);
    let n_events = scaled(10_000_000, scale);
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let world = World {
        users: (0..n_users)
            .map(|i| (guid(&mut rng), user_upn(i)))
            .collect(),
        ips: (0..scaled(20_000, scale.max(0.5))).map(ip_of).collect(),
        files: (0..n_files).map(file_url).collect(),
    };
    let t = Instant::now();
    // Accounts, with roles for the administrators.
    for chunk in world.users.chunks(5_000).enumerate() {
        let (c, users) = chunk;
        let mut r = Records::default();
        for (k, (id, upn)) in users.iter().enumerate() {
            let i = c * 5_000 + k;
            let guest = i % 20 == 7;
            let admin = i % 50 == 3;
            let (login, email, kind) = if guest {
                let ext = format!("partner{i}@fabrikam{}.com", i % EXTERNAL_DOMAINS);
                (
                    format!("{}#EXT#@contoso.onmicrosoft.com", ext.replace('@', "_")),
                    Some(ext),
                    "guest",
                )
            } else {
                (upn.clone(), Some(upn.clone()), "user")
            };
            r.accounts.push(Account {
                external_id: id.clone(),
                login,
                display_name: Some(format!("User {i}")),
                email,
                kind: kind.into(),
                status: if i % 97 == 0 { "disabled".into() } else { "active".into() },
                is_admin: admin,
                created_at_ms: Some(now - 400 * DAY),
                last_sign_in_ms: (i % 9 != 0).then(|| now - (i % 120) as i64 * DAY),
                mfa: Some(i % 11 != 0),
                raw: Raw::of(&serde_json::json!({"id": id, "userPrincipalName": upn, "accountEnabled": true,
                    "department": DEPARTMENTS[i % DEPARTMENTS.len()], "jobTitle": "Analyst", "officeLocation": "HQ"})),
            });
            if admin {
                r.privileges.push(Privilege {
                    account_id: id.clone(),
                    role: [
                        "Global Administrator",
                        "Exchange Administrator",
                        "SharePoint Administrator",
                    ][i % 3]
                        .into(),
                    scope: "/".into(),
                    raw: Raw::of(&serde_json::json!({"principalId": id})),
                });
            }
        }
        e.write_records(instance, "accounts", &[&r])
            .await
            .unwrap_or_else(|e| fail(e));
    }
    println!("accounts: {n_users} in {:.1} s", t.elapsed().as_secs_f64());

    // Activities: 90 days, actors and addresses Zipf-distributed, pages of 1,000 as a scan
    // writes them (several pages a transaction).
    let t = Instant::now();
    let actors = Zipf::new(n_users);
    let ips = Zipf::new(world.ips.len());
    let files = Zipf::new(n_files);
    let weights: u32 = ACTIONS.iter().map(|a| a.1).sum();
    let span = 90 * DAY;
    let mut written = 0usize;
    let mut seq = 0u64;
    let mut in_writer = Duration::ZERO;
    while written < n_events {
        let mut pages = Vec::new();
        for _ in 0..4 {
            let mut r = Records::default();
            for _ in 0..1_000.min(n_events - written) {
                let mut w = (rng.next() % u64::from(weights)) as u32;
                let (action, _) = ACTIONS
                    .iter()
                    .find(|(_, p)| {
                        if w < *p {
                            true
                        } else {
                            w -= p;
                            false
                        }
                    })
                    .copied()
                    .unwrap_or(ACTIONS[0]);
                let u = actors.draw(&mut rng);
                let ip = &world.ips[ips.draw(&mut rng)];
                // The log is read oldest first, as a back-fill scan reads it: time moves forward
                // through the 90 days, busier in working hours (a second of jitter).
                let progress = written as f64 / n_events as f64;
                let day_start = now - span + (progress * 90.0).floor() as i64 * DAY;
                let in_day = (progress * 90.0).fract();
                // 60 % of a day's events fall in 09:00–18:00 UTC.
                let hour_ms = if in_day < 0.6 {
                    9.0 * 3_600_000.0 + in_day / 0.6 * 9.0 * 3_600_000.0
                } else if in_day < 0.8 {
                    (in_day - 0.6) / 0.2 * 9.0 * 3_600_000.0
                } else {
                    18.0 * 3_600_000.0 + (in_day - 0.8) / 0.2 * 6.0 * 3_600_000.0
                };
                let at = day_start + hour_ms as i64 + rng.below(1_000) as i64;
                let upn = &world.users[u].1;
                let target = if action.starts_with("File")
                    || action.starts_with("Sharing")
                    || action.starts_with("Anonymous")
                {
                    Some(world.files[files.draw(&mut rng)].clone())
                } else if action.starts_with("Sign") {
                    Some(
                        [
                            "Office 365 SharePoint Online",
                            "Microsoft Teams",
                            "Azure Portal",
                            "Office 365 Exchange Online",
                        ][u % 4]
                            .to_owned(),
                    )
                } else {
                    Some(format!("user{:06}@contoso.com", rng.below(n_users)))
                };
                let failed =
                    action == "Sign-in failed" || (action == "UserLoggedIn" && rng.chance(3));
                seq += 1;
                let id = format!("{:016x}-{seq}", rng.next());
                let raw = serde_json::json!({
                    "id": id, "createdDateTime": at, "userPrincipalName": upn, "userId": world.users[u].0,
                    "appDisplayName": target, "ipAddress": ip, "clientAppUsed": "Browser",
                    "operation": action, "workload": if action.starts_with("Sign") { "AzureActiveDirectory" } else { "SharePoint" },
                    "status": {"errorCode": if failed { 50126 } else { 0 }, "failureReason": if failed { "Invalid username or password." } else { "" }},
                    "deviceDetail": {"operatingSystem": "Windows 10", "browser": "Edge 120.0.2210", "isCompliant": true, "trustType": "Azure AD joined"},
                    "location": {"city": "Seattle", "state": "Washington", "countryOrRegion": "US"},
                    "correlationId": format!("{:016x}{:016x}", rng.next(), rng.next()),
                });
                r.activities.push(Activity {
                    event_id: id,
                    occurred_at_ms: at,
                    actor: Some(upn.clone()),
                    action: action.into(),
                    target,
                    ip: Some(ip.clone()),
                    user_agent: Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edg/120.0".into()),
                    outcome: Some(if failed {
                        "failure".into()
                    } else {
                        "success".into()
                    }),
                    raw: Raw::of(&raw),
                });
                written += 1;
            }
            pages.push(r);
            if written >= n_events {
                break;
            }
        }
        let refs: Vec<&Records> = pages.iter().collect();
        let w = Instant::now();
        e.write_records(instance, "activities", &refs)
            .await
            .unwrap_or_else(|e| fail(e));
        in_writer += w.elapsed();
        if written % 1_000_000 < 4_000 {
            println!(
                "  activities: {written} ({:.0}/s)",
                written as f64 / t.elapsed().as_secs_f64()
            );
        }
    }
    println!(
        "activities: {n_events} in {:.1} s ({:.0}/s; the writer {:.1} s: {:.0}/s)",
        t.elapsed().as_secs_f64(),
        n_events as f64 / t.elapsed().as_secs_f64(),
        in_writer.as_secs_f64(),
        n_events as f64 / in_writer.as_secs_f64()
    );

    // Files: sharing skewed to private; shared ones with 1–4 people, some outside.
    let t = Instant::now();
    for (c, chunk) in world.files.chunks(2_000).enumerate() {
        let mut r = Records::default();
        for (k, url) in chunk.iter().enumerate() {
            let i = c * 2_000 + k;
            let roll = rng.below(100);
            let mut collaborators = Vec::new();
            let sharing = match roll {
                0..=4 => Sharing::Public,
                5..=14 => {
                    for _ in 0..1 + rng.below(3) {
                        let d = rng.below(EXTERNAL_DOMAINS);
                        collaborators.push(Collaborator {
                            account: format!("partner{}@fabrikam{d}.com", rng.below(50_000)),
                            permission: if rng.chance(30) {
                                "write".into()
                            } else {
                                "read".into()
                            },
                            external: true,
                        });
                    }
                    Sharing::External
                }
                15..=29 => Sharing::Internal,
                _ => Sharing::Private,
            };
            if matches!(sharing, Sharing::External | Sharing::Internal) {
                collaborators.push(Collaborator {
                    account: user_upn(rng.below(n_users)),
                    permission: "write".into(),
                    external: false,
                });
            }
            let owner = if i % 200 == 7 {
                // A guest owns a few.
                let g = (i / 200) * 20 % n_users;
                let g = g - g % 20 + 7;
                format!("partner{g}@fabrikam{}.com", g % EXTERNAL_DOMAINS)
            } else {
                user_upn(rng.below(n_users))
            };
            let name = url
                .rsplit("/sites/")
                .next()
                .unwrap_or(url)
                .replace("%20", " ");
            r.files.push(FileItem {
                external_id: format!("01{:016X}{i:08}", rng.next()),
                name,
                url: Some(url.clone()),
                owner: Some(owner),
                sharing,
                collaborators,
                collaborators_complete: true,
                container: Some(format!("b!drive{}", i % 400)),
                modified_at_ms: Some(now - (rng.unit() * rng.unit() * 730.0 * DAY as f64) as i64),
                raw: Raw::of(&serde_json::json!({"id": i, "webUrl": url, "size": rng.below(5_000_000),
                    "file": {"mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}})),
            });
        }
        e.write_records(instance, "files", &[&r])
            .await
            .unwrap_or_else(|e| fail(e));
    }
    println!("files: {n_files} in {:.1} s", t.elapsed().as_secs_f64());
}

fn pct(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort();
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0;
    (at(0.5), at(0.95), at(1.0))
}

async fn measure<F, Fut>(label: &str, runs: usize, mut f: F)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut times = Vec::with_capacity(runs);
    let mut rows = 0;
    for i in 0..runs {
        let t = Instant::now();
        rows += f(i).await;
        times.push(t.elapsed());
    }
    let (p50, p95, max) = pct(times);
    println!(
        "| {label} | {p50:.1} | {p95:.1} | {max:.1} | {:.0} |",
        rows as f64 / runs as f64
    );
}

async fn queries(e: &Engine, instance: &str, scale: f64) {
    let n_users = scaled(100_000, scale);
    let n_files = scaled(1_000_000, scale);
    let runs = 20;
    let act = |f: ActivityFilter| f;
    println!("\n| activity log filter (first page of 100) | p50 ms | p95 ms | max ms | rows |\n|---|---|---|---|---|");
    let page = |f: ActivityFilter| async move {
        e.activities(&f, None, Some(100))
            .await
            .map(|p| p.items.len())
            .unwrap_or_else(|e| fail(e))
    };
    measure("none (newest first)", runs, |_| {
        page(act(ActivityFilter::default()))
    })
    .await;
    measure("instance", runs, |_| {
        page(ActivityFilter {
            instance_id: Some(instance.into()),
            ..Default::default()
        })
    })
    .await;
    measure("app", runs, |_| {
        page(ActivityFilter {
            app: Some("m365".into()),
            ..Default::default()
        })
    })
    .await;
    measure("user, popular (rank 1–20)", runs, |i| {
        page(ActivityFilter {
            user: Some(user_upn(i)),
            ..Default::default()
        })
    })
    .await;
    measure("user, rare (rank > 50 k)", runs, |i| {
        page(ActivityFilter {
            user: Some(user_upn(n_users - 1 - i * 37)),
            ..Default::default()
        })
    })
    .await;
    measure("IP address", runs, |i| {
        page(ActivityFilter {
            ip: Some(ip_of(i * 13)),
            ..Default::default()
        })
    })
    .await;
    measure("network /16 (busy)", runs, |_| {
        page(ActivityFilter {
            ip: Some("10.1.0.0/16".into()),
            ..Default::default()
        })
    })
    .await;
    // The least used addresses of each office network (the highest Zipf ranks).
    let nets = ["10.1", "10.2", "172.16", "192.168", "203.0", "198.51"];
    measure("network /24 (rare: the least used addresses)", runs, |i| {
        page(ActivityFilter {
            ip: Some(format!("{}.{}.0/24", nets[i % 6], 12 + (i / 6) % 2)),
            ..Default::default()
        })
    })
    .await;
    measure("network /24 without any event", runs, |i| {
        page(ActivityFilter {
            ip: Some(format!("198.51.{}.0/24", 40 + i)),
            ..Default::default()
        })
    })
    .await;
    measure("category sign-in", runs, |_| {
        page(ActivityFilter {
            category: Some(ActivityCategory::SignIn),
            ..Default::default()
        })
    })
    .await;
    measure("category admin (rare)", runs, |_| {
        page(ActivityFilter {
            category: Some(ActivityCategory::Admin),
            ..Default::default()
        })
    })
    .await;
    measure("action FileDownloaded", runs, |_| {
        page(ActivityFilter {
            action: Some("FileDownloaded".into()),
            ..Default::default()
        })
    })
    .await;
    measure("outcome failure", runs, |_| {
        page(ActivityFilter {
            outcome: Some(ActivityOutcome::Failure),
            ..Default::default()
        })
    })
    .await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    measure("last 24 hours", runs, |_| {
        page(ActivityFilter {
            since_ms: Some(now - DAY),
            ..Default::default()
        })
    })
    .await;
    measure("a day 30 days ago", runs, |i| {
        page(ActivityFilter {
            since_ms: Some(now - (30 + i as i64) * DAY),
            until_ms: Some(now - (29 + i as i64) * DAY),
            ..Default::default()
        })
    })
    .await;
    measure("text, common word (\"report\")", runs, |_| {
        page(ActivityFilter {
            text: Some("report".into()),
            ..Default::default()
        })
    })
    .await;
    measure("text, rare (one user)", runs, |i| {
        page(ActivityFilter {
            text: Some(format!("user{:06}", n_users - 1 - i * 37)),
            ..Default::default()
        })
    })
    .await;
    // A start of more index words than are spelled out (every user's address starts so):
    // the rows read are asked, not the text index.
    measure("text, a start of 100 k words (\"user\")", runs, |_| {
        page(ActivityFilter {
            text: Some("user".into()),
            ..Default::default()
        })
    })
    .await;
    // A start of 100 words (the least active users) few events hold: FTS5's prefix.
    measure("text, a start few events hold (\"user0999\")", runs, |_| {
        page(ActivityFilter {
            text: Some("user0999".into()),
            ..Default::default()
        })
    })
    .await;
    // Worst case of a broad start: one just common enough not to go to the text index —
    // 1,000 words (users of rank 99 k–100 k) in 28 k events (0.3 %): the rows are read
    // newest first and asked until a page is found.
    measure(
        "text, a start 0.3 % of events hold (\"user099\", worst case)",
        runs / 5,
        |_| {
            page(ActivityFilter {
                text: Some("user099".into()),
                ..Default::default()
            })
        },
    )
    .await;
    measure("object (one file's URL)", runs, |i| {
        page(ActivityFilter {
            object: Some(file_url(i)),
            ..Default::default()
        })
    })
    .await;
    measure("user + category file", runs, |i| {
        page(ActivityFilter {
            user: Some(user_upn(i)),
            category: Some(ActivityCategory::File),
            ..Default::default()
        })
    })
    .await;
    measure("category sign-in + failure + last 7 days", runs, |_| {
        page(ActivityFilter {
            category: Some(ActivityCategory::SignIn),
            outcome: Some(ActivityOutcome::Failure),
            since_ms: Some(now - 7 * DAY),
            ..Default::default()
        })
    })
    .await;
    measure("text + outcome failure (worst case)", runs, |_| {
        page(ActivityFilter {
            text: Some("sharepoint".into()),
            outcome: Some(ActivityOutcome::Failure),
            ..Default::default()
        })
    })
    .await;

    // A page deep in the results: the 51st page of 100 (rows 5,000–5,100), from its cursor.
    println!("\n| activity log, page 51 of 100 rows (from its cursor) | p50 ms | p95 ms | max ms | rows |\n|---|---|---|---|---|");
    for (label, f) in [
        ("none", ActivityFilter::default()),
        (
            "category file",
            ActivityFilter {
                category: Some(ActivityCategory::File),
                ..Default::default()
            },
        ),
        (
            "user, popular",
            ActivityFilter {
                user: Some(user_upn(0)),
                ..Default::default()
            },
        ),
        (
            "network /16",
            ActivityFilter {
                ip: Some("10.1.0.0/16".into()),
                ..Default::default()
            },
        ),
    ] {
        let mut cursor = None;
        for _ in 0..50 {
            cursor = e
                .activities(&f, cursor.as_deref(), Some(100))
                .await
                .unwrap_or_else(|e| fail(e))
                .next_cursor;
        }
        let f = &f;
        let cursor = &cursor;
        measure(label, runs, |_| async move {
            e.activities(f, cursor.as_deref(), Some(100))
                .await
                .map(|p| p.items.len())
                .unwrap_or_else(|e| fail(e))
        })
        .await;
    }

    println!("\n| people filter (first page of 100) | p50 ms | p95 ms | max ms | rows |\n|---|---|---|---|---|");
    let people = |f: PersonFilter| async move {
        e.people(&f, None, Some(100))
            .await
            .map(|p| p.items.len())
            .unwrap_or_else(|e| fail(e))
    };
    measure("none", runs, |_| people(PersonFilter::default())).await;
    measure("administrators", runs, |_| {
        people(PersonFilter {
            admins: true,
            ..Default::default()
        })
    })
    .await;
    measure("external", runs, |_| {
        people(PersonFilter {
            external: true,
            ..Default::default()
        })
    })
    .await;
    measure("inactive 30 days", runs, |_| {
        people(PersonFilter {
            inactive_days: Some(30),
            ..Default::default()
        })
    })
    .await;
    measure("app m365", runs, |_| {
        people(PersonFilter {
            app: Some("m365".into()),
            ..Default::default()
        })
    })
    .await;
    measure("text (one user)", runs, |i| {
        people(PersonFilter {
            text: Some(format!("user{:06}", n_users - 1 - i * 37)),
            ..Default::default()
        })
    })
    .await;
    let mut cursor = None;
    for _ in 0..50 {
        cursor = e
            .people(&PersonFilter::default(), cursor.as_deref(), Some(100))
            .await
            .unwrap_or_else(|e| fail(e))
            .next_cursor;
    }
    let c = &cursor;
    measure("none, page 51", runs, |_| async move {
        e.people(&PersonFilter::default(), c.as_deref(), Some(100))
            .await
            .map(|p| p.items.len())
            .unwrap_or_else(|e| fail(e))
    })
    .await;

    println!("\n| files filter (first page of 100) | p50 ms | p95 ms | max ms | rows |\n|---|---|---|---|---|");
    let files = |f: FileFilter| async move {
        e.files(&f, None, Some(100))
            .await
            .map(|p| p.items.len())
            .unwrap_or_else(|e| fail(e))
    };
    measure("none (newest modified first)", runs, |_| {
        files(FileFilter::default())
    })
    .await;
    measure("shared publicly", runs, |_| {
        files(FileFilter {
            sharing: Some(SharingLevel::Public),
            ..Default::default()
        })
    })
    .await;
    measure("public, not modified for 180 days", runs, |_| {
        files(FileFilter {
            sharing: Some(SharingLevel::Public),
            stale_days: Some(180),
            ..Default::default()
        })
    })
    .await;
    measure("shared with a domain", runs, |i| {
        files(FileFilter {
            shared_with_domain: Some(format!("fabrikam{}.com", i * 7)),
            ..Default::default()
        })
    })
    .await;
    measure("owner", runs, |i| {
        files(FileFilter {
            owner: Some(user_upn(i * 11)),
            instance_id: Some(instance.into()),
            ..Default::default()
        })
    })
    .await;
    measure("owned by an external user", runs, |_| {
        files(FileFilter {
            external_owner: true,
            ..Default::default()
        })
    })
    .await;
    measure("text (\"roadmap\")", runs, |_| {
        files(FileFilter {
            text: Some("roadmap".into()),
            ..Default::default()
        })
    })
    .await;
    let _ = n_files;
}

async fn export(e: &Engine, path: &std::path::Path, limit_events: usize) {
    // The newest `limit_events` events: the time the log reaches that many back.
    let mut f = ActivityFilter::default();
    if limit_events > 0 {
        let mut cursor = None;
        let mut seen = 0usize;
        let mut last = None;
        while seen < limit_events {
            let p = e
                .activities(&f, cursor.as_deref(), Some(1_000))
                .await
                .unwrap_or_else(|e| fail(e));
            seen += p.items.len();
            last = p.items.last().map(|r| r.occurred_at_ms);
            match p.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        f.since_ms = last;
    }
    let before = peak_rss_mb();
    for format in [ExportFormat::Csv, ExportFormat::Json] {
        let out = path.join(format!("export.{}", format.extension()));
        let t = Instant::now();
        let done = e
            .export_activities(&f, format, &out)
            .await
            .unwrap_or_else(|e| fail(e));
        let secs = t.elapsed().as_secs_f64();
        println!(
            "export {}: {} events, {:.0} MB in {secs:.1} s ({:.0} events/s); peak RSS {:.0} MB (before: {before:.0} MB)",
            format.extension(),
            done.rows,
            done.bytes as f64 / 1e6,
            done.rows as f64 / secs,
            peak_rss_mb()
        );
        let _ = std::fs::remove_file(&out);
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let scale: f64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(1.0);
    let dir_arg = args
        .iter()
        .position(|a| a == "--dir" || a == "--export-only")
        .and_then(|i| args.get(i + 1))
        .map(std::path::PathBuf::from);
    let export_only = args.iter().any(|a| a == "--export-only");
    let temp = tempfile::tempdir().unwrap_or_else(|e| fail(e));
    let dir = dir_arg.unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail(e));
    let fresh = !dir.join("cloudwarden.sqlite3").exists();
    let e = Engine::open(Some(&dir)).await.unwrap_or_else(|e| fail(e));
    if export_only {
        export(&e, &dir, scaled(1_000_000, scale)).await;
        e.close().await;
        return;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let instance = if fresh {
        // An instance to hold the records: connected (credentials checked) against a small
        // fake tenant, then filled through the writer.
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
            client_id: "5e7e1a3c-0000-4000-8000-00000000be0c".into(),
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
        let t = Instant::now();
        generate(&e, &i.id, scale, now).await;
        println!("generated in {:.0} s", t.elapsed().as_secs_f64());
        i.id
    } else {
        e.instances().await.unwrap_or_else(|e| fail(e))[0]
            .id
            .clone()
    };
    let db = dir.join("cloudwarden.sqlite3");
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(dir.join("cloudwarden.sqlite3-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    println!(
        "database: {:.2} GB ({:.0} MB per million activities, files and accounts included)",
        size as f64 / 1e9,
        size as f64 / 1e6 / (10.0 * scale)
    );
    queries(&e, &instance, scale).await;
    e.close().await;
}
