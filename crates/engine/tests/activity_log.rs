//! The activity log across instances: every filter against the generated tenants, keyset pages
//! that lose and repeat nothing while new events arrive, opaque cursors, and query plans that
//! use an index for both the filter and the order (no sort of the whole log).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::collections::HashSet;

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::investigate::{
    ActivityCategory, ActivityFilter, ActivityOutcome, ActivityRow, ExportFormat,
};
use cloudwarden_engine::ErrorCode;
use cloudwarden_testkit::github::{AuditEvent, FakeGithub, GithubTenant, TenantSize};
use support::engine;
use support::m365::{fake, tenant};

const TOKEN: &str = "ghp_cloudwardenTestToken";

/// Every row of a filter, page by page (5 a page), checking order and uniqueness.
async fn all(engine: &Engine, f: &ActivityFilter) -> Vec<ActivityRow> {
    let mut out: Vec<ActivityRow> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = engine
            .activities(f, cursor.as_deref(), Some(5))
            .await
            .unwrap();
        assert!(page.items.len() <= 5);
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert!(
        out.windows(2)
            .all(|w| w[0].occurred_at_ms >= w[1].occurred_at_ms),
        "newest first"
    );
    let ids: HashSet<(&str, &str)> = out
        .iter()
        .map(|r| (r.instance_id.as_str(), r.event_id.as_str()))
        .collect();
    assert_eq!(ids.len(), out.len(), "no repeats");
    out
}

struct Setup {
    _dir: tempfile::TempDir,
    engine: Engine,
    github: FakeGithub,
    gh: GithubTenant,
    graph: cloudwarden_testkit::graph::GraphTenant,
    gh_id: String,
    m365_id: String,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let gh = GithubTenant::generate(
        "acme",
        71,
        &TenantSize {
            audit_days: 5,
            ..TenantSize::small()
        },
    );
    let github = FakeGithub::start(gh.clone(), TOKEN).await.unwrap();
    let gi = support::github::connect(&engine, &github, "Acme", TOKEN).await;
    engine.scan_instance(&gi.id).await.unwrap();
    let graph = tenant(73);
    let g = fake(&graph).await;
    let mi = support::m365::connect(&engine, &g, "Contoso").await;
    engine.scan_instance(&mi.id).await.unwrap();
    std::mem::forget(g); // keep the fake serving for the test's life
    Setup {
        _dir: dir,
        engine,
        github,
        gh,
        graph,
        gh_id: gi.id,
        m365_id: mi.id,
    }
}

#[tokio::test]
async fn one_log_across_instances_filtered_in_the_engine() {
    let s = setup().await;
    let e = &s.engine;
    let everything = all(e, &ActivityFilter::default()).await;
    let gh_count = s.gh.audit_events.len();
    let per_instance = |id: &str| everything.iter().filter(|r| r.instance_id == id).count();
    assert_eq!(per_instance(&s.gh_id), gh_count);
    assert!(per_instance(&s.m365_id) >= s.graph.sign_ins.len());
    assert_eq!(
        e.instance(&s.m365_id).await.unwrap().counts.activities as usize,
        per_instance(&s.m365_id)
    );

    // Instance and app.
    let only = |f: ActivityFilter| async move { all(e, &f).await };
    let gh = only(ActivityFilter {
        instance_id: Some(s.gh_id.clone()),
        ..Default::default()
    })
    .await;
    assert_eq!(gh.len(), gh_count);
    assert!(gh
        .iter()
        .all(|r| r.app == "github" && r.instance_name == "Acme"));
    let m365 = only(ActivityFilter {
        app: Some("m365".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(m365.len(), per_instance(&s.m365_id));

    // Category: every sign-in of the tenant, and every GitHub team or membership event.
    let sign_ins = only(ActivityFilter {
        category: Some(ActivityCategory::SignIn),
        ..Default::default()
    })
    .await;
    assert_eq!(sign_ins.len(), s.graph.sign_ins.len());
    let membership_events =
        s.gh.audit_events
            .iter()
            .filter(|a| {
                cloudwarden_connectors::normalize::categorize("github", &a.action)
                    == ActivityCategory::Membership
            })
            .count();
    assert!(membership_events > 0);
    let membership = only(ActivityFilter {
        instance_id: Some(s.gh_id.clone()),
        category: Some(ActivityCategory::Membership),
        ..Default::default()
    })
    .await;
    assert_eq!(membership.len(), membership_events);

    // Outcome: the failed sign-ins.
    let failed = only(ActivityFilter {
        category: Some(ActivityCategory::SignIn),
        outcome: Some(ActivityOutcome::Failure),
        ..Default::default()
    })
    .await;
    let want_failed = s
        .graph
        .sign_ins
        .iter()
        .filter(|x| x.error_code != 0)
        .count();
    assert!(want_failed > 0);
    assert_eq!(failed.len(), want_failed);
    assert!(failed.iter().all(|r| r.action == "Sign-in failed"));

    // User: one actor's events.
    let actor = s.gh.audit_events[0].actor.clone();
    let by_actor = only(ActivityFilter {
        user: Some(actor.clone()),
        ..Default::default()
    })
    .await;
    assert_eq!(
        by_actor.len(),
        s.gh.audit_events
            .iter()
            .filter(|a| a.actor == actor)
            .count()
    );

    // Action.
    let action = s.gh.audit_events[0].action.clone();
    let by_action = only(ActivityFilter {
        action: Some(action.clone()),
        ..Default::default()
    })
    .await;
    assert_eq!(
        by_action.len(),
        s.gh.audit_events
            .iter()
            .filter(|a| a.action == action)
            .count()
    );

    // IP: one address, then its /16 network.
    let ip = s.graph.sign_ins[0].ip_address.to_string();
    let by_ip = only(ActivityFilter {
        ip: Some(ip.clone()),
        ..Default::default()
    })
    .await;
    assert!(!by_ip.is_empty());
    assert!(by_ip.iter().all(|r| r.ip.as_deref() == Some(ip.as_str())));
    let net = cidr16(&ip);
    let by_net = only(ActivityFilter {
        ip: Some(net.clone()),
        ..Default::default()
    })
    .await;
    let want_net = everything
        .iter()
        .filter(|r| r.ip.as_deref().is_some_and(|x| cidr16(x) == net))
        .count();
    assert_eq!(by_net.len(), want_net);
    assert!(by_net.len() >= by_ip.len());

    // Time range: [since, until).
    let times: Vec<i64> = everything.iter().map(|r| r.occurred_at_ms).collect();
    let (since, until) = (times[times.len() * 3 / 4], times[times.len() / 4]);
    let ranged = only(ActivityFilter {
        since_ms: Some(since),
        until_ms: Some(until),
        ..Default::default()
    })
    .await;
    assert_eq!(
        ranged.len(),
        times.iter().filter(|t| **t >= since && **t < until).count()
    );

    // Free text: every word must start a word of the actor, action or object.
    let word = s.gh.audit_events[0].actor.clone();
    let texted = only(ActivityFilter {
        text: Some(word.to_uppercase()),
        ..Default::default()
    })
    .await;
    let has = |v: &Option<String>, w: &str| {
        v.as_deref().is_some_and(|v| {
            v.to_lowercase()
                .split(|c: char| !(c.is_alphanumeric() || "@._-".contains(c)))
                .any(|t| t.starts_with(w))
        })
    };
    let want_text = everything
        .iter()
        .filter(|r| {
            has(&r.actor, &word) || has(&Some(r.action.clone()), &word) || has(&r.object, &word)
        })
        .count();
    assert!(want_text > 0);
    assert_eq!(texted.len(), want_text);
    let two_words = only(ActivityFilter {
        text: Some("sign-in failed".into()),
        ..Default::default()
    })
    .await;
    assert!(!two_words.is_empty());
    assert!(two_words
        .iter()
        .all(|r| r.action.to_lowercase().contains("sign-in failed")
            || has(&r.actor, "failed")
            || has(&r.object, "failed")));

    // One event with its raw vendor record; an unknown one is "not found".
    let one = &everything[0];
    let detail = e.activity(&one.instance_id, &one.event_id).await.unwrap();
    assert_eq!(&detail.row, one);
    assert!(serde_json::from_str::<serde_json::Value>(&detail.raw).is_ok());
    let err = e
        .activity(&one.instance_id, "no-such-event")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);

    // Filters combine.
    let combined = only(ActivityFilter {
        app: Some("m365".into()),
        category: Some(ActivityCategory::SignIn),
        outcome: Some(ActivityOutcome::Success),
        since_ms: Some(since),
        ..Default::default()
    })
    .await;
    assert_eq!(
        combined.len(),
        sign_ins
            .iter()
            .filter(|r| r.outcome == ActivityOutcome::Success && r.occurred_at_ms >= since)
            .count()
    );
    drop(s.github);
}

/// `a.b.c.d` → `a.b.0.0/16` (IPv4), the address itself otherwise.
fn cidr16(ip: &str) -> String {
    let parts: Vec<&str> = ip.split('.').collect();
    if parts.len() == 4 {
        format!("{}.{}.0.0/16", parts[0], parts[1])
    } else {
        ip.to_owned()
    }
}

#[tokio::test]
async fn pages_lose_and_repeat_nothing_while_new_events_arrive() {
    let s = setup().await;
    let e = &s.engine;
    let f = ActivityFilter::default();
    let before: Vec<ActivityRow> = all(e, &f).await;
    let first = e.activities(&f, None, Some(7)).await.unwrap();
    assert_eq!(first.items, before[..7]);

    // A new event arrives between two pages, newer than anything on them.
    let mut fresh: AuditEvent = s.gh.audit_events[0].clone();
    fresh.document_id = "fresh-event".into();
    fresh.timestamp_ms = before[0].occurred_at_ms + 60_000;
    fresh.created_at_ms = fresh.timestamp_ms;
    s.github.add_audit_event(fresh);
    e.scan_instance(&s.gh_id).await.unwrap();

    let mut rest = Vec::new();
    let mut cursor = first.next_cursor.clone();
    while let Some(c) = cursor {
        let page = e.activities(&f, Some(&c), Some(7)).await.unwrap();
        rest.extend(page.items);
        cursor = page.next_cursor;
    }
    // The pages after the first continue exactly where it ended: nothing lost, nothing twice,
    // the new event not slipped into the middle (an offset page would have shifted by one).
    assert_eq!(rest, before[7..]);
    let now = all(e, &f).await;
    assert_eq!(now.len(), before.len() + 1);
    assert_eq!(now[0].event_id, "fresh-event");
    let ids: HashSet<(&str, &str)> = now
        .iter()
        .map(|r| (r.instance_id.as_str(), r.event_id.as_str()))
        .collect();
    assert_eq!(ids.len(), now.len());

    // A cursor is opaque and checked.
    let err = e
        .activities(&f, Some("not-a-cursor"), None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    let err = e
        .activities(
            &ActivityFilter {
                ip: Some("10.0.0.0/99".into()),
                ..Default::default()
            },
            None,
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
}

#[tokio::test]
async fn every_filter_reads_an_index_in_the_log_s_order() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(&dir).await;
    let cases: Vec<(&str, ActivityFilter, &str)> = vec![
        ("everything", ActivityFilter::default(), "activities_newest"),
        (
            "instance",
            ActivityFilter {
                instance_id: Some("i".into()),
                ..Default::default()
            },
            "activities_time",
        ),
        (
            "category",
            ActivityFilter {
                category: Some(ActivityCategory::Sharing),
                ..Default::default()
            },
            "activities_by_category",
        ),
        (
            "user",
            ActivityFilter {
                user: Some("alice@contoso.com".into()),
                ..Default::default()
            },
            "activities_by_actor",
        ),
        (
            "ip",
            ActivityFilter {
                ip: Some("203.0.113.7".into()),
                ..Default::default()
            },
            "activities_by_ip",
        ),
        (
            "failures",
            ActivityFilter {
                outcome: Some(ActivityOutcome::Failure),
                ..Default::default()
            },
            "activities_failed",
        ),
        (
            "network",
            ActivityFilter {
                ip: Some("203.0.113.0/24".into()),
                ..Default::default()
            },
            "activities_by_ip",
        ),
        (
            "object",
            ActivityFilter {
                object: Some("https://contoso.sharepoint.com/a.docx".into()),
                ..Default::default()
            },
            "activities_by_object",
        ),
        (
            "text",
            ActivityFilter {
                text: Some("alice download".into()),
                ..Default::default()
            },
            "activities_fts",
        ),
        (
            "time range",
            ActivityFilter {
                since_ms: Some(1),
                until_ms: Some(2),
                ..Default::default()
            },
            "activities_newest",
        ),
    ];
    for (name, f, index) in cases {
        for paged in [false, true] {
            let plan = e.activities_query_plan(&f, paged).await.unwrap().join("\n");
            assert!(
                plan.contains(index),
                "{name} (paged {paged}) should use {index}:\n{plan}"
            );
            if name == "text" {
                // Driven by the word index: only the matching rows are fetched (by rowid) and
                // ordered, never the whole log.
                assert!(plan.contains("INTEGER PRIMARY KEY (rowid=?)"), "{plan}");
                continue;
            }
            if name == "network" {
                // An index range of few rows (the page asks first), sorted by time.
                assert!(plan.contains("ip_key>? AND ip_key<?"), "{plan}");
                continue;
            }
            // The instance's unique index orders by (time, event id): rows of one millisecond
            // are put in rowid order, never the whole log.
            let plan = plan
                .replace("USE TEMP B-TREE FOR RIGHT PART OF ORDER BY", "")
                .replace("USE TEMP B-TREE FOR LAST TERM OF ORDER BY", "");
            assert!(
                !plan.contains("TEMP B-TREE"),
                "{name} (paged {paged}) sorts the log instead of reading an index in order:\n{plan}"
            );
        }
    }
}

#[tokio::test]
async fn activities_stored_before_the_log_existed_get_their_category_once() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    engine.close().await;
    // A store as an older version left it: rows without a category, vendor outcome words.
    let mut conn = sqlx::SqliteConnection::connect_with(
        &sqlx::sqlite::SqliteConnectOptions::new().filename(dir.path().join("cloudwarden.sqlite3")),
    )
    .await
    .unwrap();
    for sql in [
        "INSERT INTO connector_instances (instance_id, app, name, config, status, created_at_ms) \
         VALUES ('m1', 'm365', 'Old', '{}', 'connected', 0)",
        "INSERT INTO activities (instance_id, event_id, occurred_at_ms, actor, action, outcome, raw) \
         VALUES ('m1', 'e1', 10, 'a@contoso.com', 'FileDownloaded', 'Succeeded', '{}'), \
                ('m1', 'e2', 20, 'b@contoso.com', 'Sign-in failed', 'failure', '{}'), \
                ('m1', 'e3', 30, 'c@contoso.com', 'Something new', NULL, '{}')",
        "DELETE FROM settings WHERE key = 'activities.normalized'",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.unwrap();
    }
    conn.close().await.unwrap();

    let engine = support::engine(&dir).await;
    let rows = all(&engine, &ActivityFilter::default()).await;
    let got: Vec<(&str, ActivityCategory, ActivityOutcome)> = rows
        .iter()
        .map(|r| (r.event_id.as_str(), r.category, r.outcome))
        .collect();
    assert_eq!(
        got,
        [
            ("e3", ActivityCategory::Other, ActivityOutcome::Unknown),
            ("e2", ActivityCategory::SignIn, ActivityOutcome::Failure),
            ("e1", ActivityCategory::File, ActivityOutcome::Success),
        ]
    );
}

#[tokio::test]
async fn exports_hold_exactly_the_filtered_log_in_csv_and_json() {
    let s = setup().await;
    let e = &s.engine;
    let out = tempfile::tempdir().unwrap();
    let failures = ActivityFilter {
        outcome: Some(ActivityOutcome::Failure),
        ..ActivityFilter::default()
    };
    let expected = all(e, &failures).await;
    assert!(!expected.is_empty());

    // CSV: a header, then the same rows in the same order.
    let csv_path = out.path().join("failures.csv");
    let done = e
        .export_activities(&failures, ExportFormat::Csv, &csv_path)
        .await
        .unwrap();
    assert_eq!(done.rows as usize, expected.len());
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let header = reader.headers().unwrap().clone();
    let ev = header.iter().position(|h| h == "event_id").unwrap();
    let outcome = header.iter().position(|h| h == "outcome").unwrap();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), expected.len());
    for (rec, row) in records.iter().zip(&expected) {
        assert_eq!(&rec[ev], row.event_id);
        assert_eq!(&rec[outcome], "failure");
    }
    assert!(!out.path().join("failures.csv.part").exists());

    // JSON: every event of the whole log with the vendor's record as JSON.
    let json_path = out.path().join("all.json");
    let done = e
        .export_activities(&ActivityFilter::default(), ExportFormat::Json, &json_path)
        .await
        .unwrap();
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    let items = doc.as_array().unwrap();
    assert_eq!(items.len() as u64, done.rows);
    assert_eq!(items.len(), all(e, &ActivityFilter::default()).await.len());
    let first = &items[0];
    assert!(first["raw"].is_object(), "the vendor's record, as JSON");
    let detail = e
        .activity(
            first["instance_id"].as_str().unwrap(),
            first["event_id"].as_str().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        first["raw"],
        serde_json::from_str::<serde_json::Value>(&detail.raw).unwrap()
    );

    // Nothing matches: a valid, empty document. A path that cannot be written: a clear error
    // and no file left behind.
    let none = ActivityFilter {
        user: Some("nobody@nowhere.example".into()),
        ..ActivityFilter::default()
    };
    let empty = out.path().join("empty.json");
    e.export_activities(&none, ExportFormat::Json, &empty)
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(&empty).unwrap()).unwrap(),
        serde_json::json!([])
    );
    let bad = out.path().join("missing-dir").join("x.csv");
    let err = e
        .export_activities(&none, ExportFormat::Csv, &bad)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("missing-dir"), "{err}");
}

#[tokio::test]
async fn queries_are_saved_by_name_replaced_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(&dir).await;
    assert!(e.activity_queries().await.unwrap().is_empty());
    let failed_sign_ins = ActivityFilter {
        category: Some(ActivityCategory::SignIn),
        outcome: Some(ActivityOutcome::Failure),
        ip: Some("10.1.0.0/16".into()),
        ..ActivityFilter::default()
    };
    let q = e
        .save_activity_query("  Failed sign-ins from HQ ", &failed_sign_ins)
        .await
        .unwrap();
    assert_eq!(q.name, "Failed sign-ins from HQ");
    e.save_activity_query(
        "Admin changes",
        &ActivityFilter {
            category: Some(ActivityCategory::Admin),
            ..ActivityFilter::default()
        },
    )
    .await
    .unwrap();
    // The same name replaces the query (same id); names are listed in order.
    let narrower = ActivityFilter {
        user: Some("alice@contoso.com".into()),
        ..failed_sign_ins.clone()
    };
    let again = e
        .save_activity_query("Failed sign-ins from HQ", &narrower)
        .await
        .unwrap();
    assert_eq!(again.id, q.id);
    let saved = e.activity_queries().await.unwrap();
    let names: Vec<&str> = saved.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(names, ["Admin changes", "Failed sign-ins from HQ"]);
    assert_eq!(saved[1].filter, narrower);
    // Refused: no name, a filter that cannot run.
    let err = e.save_activity_query(" ", &narrower).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    let bad_ip = ActivityFilter {
        ip: Some("10.1.0.0/40".into()),
        ..ActivityFilter::default()
    };
    let err = e.save_activity_query("bad", &bad_ip).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    e.delete_activity_query(q.id).await.unwrap();
    assert_eq!(e.activity_queries().await.unwrap().len(), 1);
    assert_eq!(
        e.delete_activity_query(q.id).await.unwrap_err().code(),
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn busy_networks_and_common_words_are_sifted_in_the_log_s_order() {
    use cloudwarden_connectors::model::{Activity, Raw, Records};
    let dir = tempfile::tempdir().unwrap();
    let e = engine(&dir).await;
    let gh = GithubTenant::generate("acme", 5, &TenantSize::small());
    let github = FakeGithub::start(gh, TOKEN).await.unwrap();
    let i = support::github::connect(&e, &github, "Acme", TOKEN).await;
    // More rows than a filter reads through its own index (20 000): a busy /16 and a common
    // word, written newest first in each page (so rowids run against time), a few of them
    // failures; and a quiet /24 with a rare word.
    let event = |n: usize| {
        let busy = !n.is_multiple_of(10);
        Activity {
            event_id: format!("e{n}"),
            // Several events share each millisecond: the rowid breaks the tie.
            occurred_at_ms: 1_700_000_000_000 + (n / 3) as i64,
            actor: Some(format!("user{}@acme.com", n % 97)),
            action: if busy {
                "report.download"
            } else {
                "rarechange.org"
            }
            .into(),
            target: Some(format!("acme/repo{}", n % 13)),
            ip: Some(if busy {
                format!("10.9.{}.{}", n % 250, n % 200 + 1)
            } else {
                format!("198.51.100.{}", n % 200 + 1)
            }),
            user_agent: None,
            outcome: Some(if n % 1000 == 7 { "failure" } else { "success" }.into()),
            raw: Raw::of(&serde_json::json!({ "n": n })),
        }
    };
    let total = 24_000;
    for chunk in (0..total).collect::<Vec<_>>().chunks(4_000) {
        let r = Records {
            activities: chunk.iter().rev().map(|n| event(*n)).collect(),
            ..Records::default()
        };
        e.write_records(&i.id, "audit_log", &[&r]).await.unwrap();
    }
    let everything = all(&e, &ActivityFilter::default()).await;
    // What each filter must give, in the log's order.
    let expect = |keep: &dyn Fn(&ActivityRow) -> bool| -> Vec<(String, String)> {
        everything
            .iter()
            .filter(|r| keep(r))
            .map(|r| (r.instance_id.clone(), r.event_id.clone()))
            .collect()
    };
    let ids = |rows: &[ActivityRow]| -> Vec<(String, String)> {
        rows.iter()
            .map(|r| (r.instance_id.clone(), r.event_id.clone()))
            .collect()
    };
    // The first pages (100 rows each) of a busy network and of a common word, and the whole
    // of a rare combination, page by page.
    let first_pages = |f: ActivityFilter| {
        let e = &e;
        async move {
            let mut rows = Vec::new();
            let mut cursor: Option<String> = None;
            for _ in 0..3 {
                let page = e
                    .activities(&f, cursor.as_deref(), Some(100))
                    .await
                    .unwrap();
                rows.extend(page.items);
                cursor = page.next_cursor;
            }
            rows
        }
    };
    let busy = first_pages(ActivityFilter {
        ip: Some("10.9.0.0/16".into()),
        ..Default::default()
    })
    .await;
    let want = expect(&|r| r.ip.as_deref().is_some_and(|ip| ip.starts_with("10.9.")));
    assert!(want.len() > 20_000);
    assert_eq!(ids(&busy), want[..300]);
    let common = first_pages(ActivityFilter {
        text: Some("report".into()),
        ..Default::default()
    })
    .await;
    let want = expect(&|r| r.action.starts_with("report"));
    assert!(want.len() > 20_000);
    assert_eq!(ids(&common), want[..300]);
    // Words spelled out into the index words they start (`repo1` → repo1, repo10, repo11,
    // repo12), beside a word that starts too many to spell out (`user`, 97) and a word the
    // tokenizer splits (`acme/repo1`): the same rows in the same order as FTS5's prefixes.
    let in_repo1 = |r: &ActivityRow| {
        r.object.as_deref().is_some_and(|o| {
            o.strip_prefix("acme/")
                .is_some_and(|o| o.starts_with("repo1"))
        })
    };
    for words in ["repo1", "USER repo1", "acme/repo1"] {
        let got = first_pages(ActivityFilter {
            text: Some(words.into()),
            ..Default::default()
        })
        .await;
        let want = expect(&in_repo1);
        assert!(want.len() > 300);
        assert_eq!(ids(&got), want[..300], "{words}");
    }
    let none = all(
        &e,
        &ActivityFilter {
            text: Some("repo1x".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(none.is_empty());
    let rare = all(
        &e,
        &ActivityFilter {
            text: Some("report".into()),
            outcome: Some(ActivityOutcome::Failure),
            ..Default::default()
        },
    )
    .await;
    let want = expect(&|r| r.action.starts_with("report") && r.outcome == ActivityOutcome::Failure);
    assert_eq!(ids(&rare), want);
    assert!(!want.is_empty());
    // A quiet network and a rare word: through their own indexes, in the same order.
    let quiet = all(
        &e,
        &ActivityFilter {
            ip: Some("198.51.100.0/24".into()),
            text: Some("rarechange".into()),
            ..Default::default()
        },
    )
    .await;
    let want = expect(&|r| r.action == "rarechange.org");
    assert_eq!(ids(&quiet), want);
    assert_eq!(want.len(), total / 10);
    // The quiet network alone: its pages chosen from the address index by keys only.
    let network = all(
        &e,
        &ActivityFilter {
            ip: Some("198.51.100.0/24".into()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ids(&network), want);
    drop(github);
}
