//! Policies on state — files by their sharing, OAuth apps by what they hold, the apps of a
//! Cloud Discovery report — on testkit tenants and logs with planted cases: each fires exactly
//! on what was planted, once, and evaluating again raises nothing new.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::collections::BTreeSet;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use cloudwarden_discovery::pipeline::Progress;
use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::connectors::RunStatus;
use cloudwarden_engine::domain::discovery::{AppTag, DiscoveryRequest};
use cloudwarden_engine::domain::investigate::{OauthAppFilter, OauthAppStatus, PermissionLevel};
use cloudwarden_engine::domain::policies::{Alert, AlertFilter, EntityKind, Policy};
use cloudwarden_testkit::graph::{AccessRole, Grantee, LinkScope, Permission};
use support::engine;
use support::m365::{connect, fake, keep_sharing_inside, tenant};

async fn enable(engine: &Engine, template: &str) -> Policy {
    let p = engine
        .create_policy_from_template(template, None)
        .await
        .unwrap();
    engine.set_policy_enabled(&p.id, true).await.unwrap()
}

async fn alerts_of(engine: &Engine, policy: &Policy) -> Vec<Alert> {
    engine
        .alerts(&AlertFilter::default(), None, Some(1000))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|a| a.policy_id == policy.id)
        .collect()
}

async fn scan(engine: &Engine, instance: &str) {
    let report = engine.scan_instance(instance).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    engine.evaluations_settled().await;
    assert_eq!(engine.last_evaluation_error(), None);
}

#[tokio::test]
async fn file_policies_fire_on_the_planted_public_file_and_personal_share() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let mut t = tenant(46);
    keep_sharing_inside(&mut t);
    let files: Vec<usize> = (0..t.items.len())
        .filter(|&i| t.items[i].is_file())
        .collect();
    let (public, personal) = (files[3], files[files.len() / 2]);
    t.items[public].permissions.push(Permission {
        id: "plant-anyone".into(),
        role: AccessRole::Read,
        link: Some(LinkScope::Anonymous),
        granted_to: Vec::new(),
        expires_at_ms: None,
    });
    t.items[personal].permissions.push(Permission {
        id: "plant-gmail".into(),
        role: AccessRole::Write,
        link: None,
        granted_to: vec![Grantee::invited("pat.private@gmail.com")],
        expires_at_ms: None,
    });
    let (public_name, personal_name) =
        (t.items[public].name.clone(), t.items[personal].name.clone());
    let fake = fake(&t).await;
    let anyone = enable(&engine, "publicly-shared-files").await;
    let gmail = enable(&engine, "file-shared-personal-email").await;
    let i = connect(&engine, &fake, "Contoso").await;
    scan(&engine, &i.id).await;

    let evidence = |alerts: &[Alert]| -> BTreeSet<String> {
        alerts
            .iter()
            .flat_map(|a| a.entities.iter())
            .filter(|e| e.kind == EntityKind::File)
            // The label is the path in its drive.
            .map(|e| e.label.rsplit('/').next().unwrap_or_default().to_owned())
            .collect()
    };
    let a = alerts_of(&engine, &anyone).await;
    assert_eq!(a.len(), 1, "{a:#?}");
    assert_eq!(evidence(&a), BTreeSet::from([public_name]));
    let g = alerts_of(&engine, &gmail).await;
    assert_eq!(g.len(), 1, "{g:#?}");
    assert_eq!(evidence(&g), BTreeSet::from([personal_name]));
    let detail = engine.alert(&g[0].id).await.unwrap();
    assert_eq!(detail.evidence.len(), 1);
    assert!(
        detail.evidence[0].summary.contains("gmail.com"),
        "{:?}",
        detail.evidence[0]
    );

    // The next scan reads the same files: nothing new.
    scan(&engine, &i.id).await;
    assert_eq!(alerts_of(&engine, &anyone).await, a);
    assert_eq!(alerts_of(&engine, &gmail).await, g);
    engine.close().await;
}

#[tokio::test]
async fn oauth_app_policies_fire_on_high_permission_apps_and_on_the_one_granted_later() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(47);
    let fake = fake(&t).await;
    // An app of another publisher holding all mail, consented to after the first scan.
    let late = t
        .service_principals
        .iter()
        .find(|sp| {
            sp.app_owner_organization_id != t.tenant_id
                && sp.publisher_name.as_deref() != Some("Microsoft Services")
                && t.grants.iter().any(|g| {
                    g.client_id == sp.id
                        && g.scopes
                            .iter()
                            .any(|s| s == "Mail.ReadWrite" || s == "Mail.Read")
                })
        })
        .expect("a third-party app reading mail")
        .clone();
    fake.withhold_grants(&late.id);
    let high = enable(&engine, "new-high-permission-oauth-app").await;
    let new_app = enable(&engine, "anomaly-new-high-permission-app").await;
    let i = connect(&engine, &fake, "Contoso").await;
    scan(&engine, &i.id).await;

    // Every high-permission app not approved, and nothing else; none is new at the first read.
    let listed = |engine: &Engine| {
        let engine = engine.clone();
        async move {
            engine
                .oauth_apps(
                    &OauthAppFilter {
                        level: Some(PermissionLevel::High),
                        ..OauthAppFilter::default()
                    },
                    None,
                    Some(1000),
                )
                .await
                .unwrap()
                .items
        }
    };
    let apps = listed(&engine).await;
    let expected: BTreeSet<String> = apps
        .iter()
        .filter(|a| a.status != OauthAppStatus::Approved)
        .map(|a| a.key.clone())
        .collect();
    assert!(!expected.is_empty());
    assert!(apps.iter().all(|a| a.name != late.display_name));
    let fired = |alerts: &[Alert]| -> BTreeSet<String> {
        alerts
            .iter()
            .flat_map(|a| a.entities.iter())
            .filter(|e| e.kind == EntityKind::OauthApp)
            .map(|e| e.id.clone())
            .collect()
    };
    let first = alerts_of(&engine, &high).await;
    assert_eq!(fired(&first), expected);
    assert_eq!(first.len(), expected.len(), "one alert per app");
    assert!(alerts_of(&engine, &new_app).await.is_empty());

    // An approved app no longer matches; the late app's consent is new.
    let approved = apps[0].key.clone();
    engine
        .set_oauth_app_status(&approved, OauthAppStatus::Approved)
        .await
        .unwrap();
    fake.release_grants();
    scan(&engine, &i.id).await;
    let late_key = listed(&engine)
        .await
        .into_iter()
        .find(|a| a.name == late.display_name)
        .expect("the late app is read")
        .key;
    let fresh = alerts_of(&engine, &new_app).await;
    assert_eq!(
        fired(&fresh),
        BTreeSet::from([late_key.clone()]),
        "{fresh:#?}"
    );
    let now = alerts_of(&engine, &high).await;
    let mut want = expected.clone();
    want.insert(late_key);
    assert_eq!(
        fired(&now),
        want,
        "the approved app's earlier alert stays; no new one"
    );
    assert_eq!(now.len(), want.len());

    let again = engine.evaluate(None).await.unwrap();
    assert_eq!(again.alerts_raised, 0, "{again:?}");
    engine.close().await;
}

/// A FortiGate traffic line: `user` at `ip` reached `host`, sending `sent` bytes.
fn fortigate(host: &str, user: &str, ip: &str, sent: u64, minute: u32) -> String {
    format!(
        "<189>date=2026-12-01 time=10:{minute:02}:00 devname=\"fw1\" devid=\"FG100\" \
         logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" level=\"notice\" vd=\"root\" \
         srcip={ip} srcport=50000 srcintf=\"port1\" dstip=93.184.216.34 dstport=443 \
         dstintf=\"wan1\" proto=6 service=\"HTTPS\" hostname=\"{host}\" action=\"accept\" \
         user=\"{user}\" sentbyte={sent} rcvdbyte=20000"
    )
}

#[tokio::test]
async fn discovery_policies_fire_on_a_new_risky_app_an_unsanctioned_one_and_a_large_upload() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let risky = enable(&engine, "new-risky-app-discovered").await;
    let unsanctioned = enable(&engine, "unsanctioned-app-use").await;
    let upload = enable(&engine, "large-upload-to-app").await;
    engine
        .set_app_tag("dropbox", Some(AppTag::Unsanctioned))
        .await
        .unwrap();
    let logs = tempfile::tempdir().unwrap();
    let write = |name: &str, lines: &[String]| {
        let path = logs.path().join(name);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        path.display().to_string()
    };
    let week1 = write(
        "week1.log",
        &[
            fortigate("www.github.com", "ann", "10.0.0.5", 2_000, 1),
            fortigate("www.dropbox.com", "bob", "10.0.0.6", 5_000, 2),
            fortigate("wetransfer.com", "cat", "10.0.0.7", 999_999_999, 3),
        ],
    );
    // Week 2: chess.com is new and scored low; the upload crosses 1 GB; dropbox again.
    let week2 = write(
        "week2.log",
        &[
            fortigate("www.github.com", "ann", "10.0.0.5", 2_000, 1),
            fortigate("www.dropbox.com", "bob", "10.0.0.6", 5_000, 2),
            fortigate("wetransfer.com", "cat", "10.0.0.7", 1_200_000_000, 3),
            fortigate("www.chess.com", "dan", "10.0.0.8", 1_000, 4),
        ],
    );
    let upload_report = |file: String, report: &str| {
        let engine = engine.clone();
        let report = report.to_owned();
        async move {
            let r = engine
                .discover(
                    DiscoveryRequest {
                        files: vec![file],
                        format: None,
                        report: Some(report),
                        dry_run: false,
                    },
                    Arc::new(Progress::default()),
                    Arc::new(AtomicBool::new(false)),
                )
                .await
                .unwrap();
            engine.evaluations_settled().await;
            assert_eq!(engine.last_evaluation_error(), None);
            r
        }
    };
    let first = upload_report(week1, "Week 1").await;
    let ids = |alerts: Vec<Alert>| -> Vec<String> {
        alerts
            .into_iter()
            .flat_map(|a| a.entities.into_iter().map(|e| e.id))
            .collect()
    };
    // Week 1 is the first report: every app in it is new, none scores 5 or lower.
    let scores: Vec<(String, Option<f64>)> = first
        .apps
        .iter()
        .map(|a| (a.app_id.clone(), a.score))
        .collect();
    assert!(
        scores.iter().all(|(_, s)| s.is_some_and(|s| s > 5.0)),
        "{scores:?}"
    );
    assert!(alerts_of(&engine, &risky).await.is_empty());
    assert_eq!(
        ids(alerts_of(&engine, &unsanctioned).await),
        vec!["dropbox"]
    );
    assert!(
        alerts_of(&engine, &upload).await.is_empty(),
        "999,999,999 bytes is not over 1 GB"
    );

    let second = upload_report(week2, "Week 2").await;
    let chess = second
        .apps
        .iter()
        .find(|a| a.app_id == "chess-com")
        .unwrap();
    assert!(chess.score.is_some_and(|s| s <= 5.0), "{:?}", chess.score);
    assert_eq!(ids(alerts_of(&engine, &risky).await), vec!["chess-com"]);
    let again = alerts_of(&engine, &unsanctioned).await;
    assert_eq!(
        again.len(),
        1,
        "dropbox's second report groups into the open alert"
    );
    assert_eq!(again[0].count, 2);
    assert_eq!(ids(alerts_of(&engine, &upload).await), vec!["wetransfer"]);

    let s = engine.evaluate(None).await.unwrap();
    assert_eq!((s.alerts_raised, s.alerts_updated), (0, 0), "{s:?}");
    engine.close().await;
}
