//! Policies and alerts on testkit tenants with planted behaviour: each policy fires exactly on
//! what was planted and nothing fires on a clean tenant; thresholds at their edges;
//! evaluating again raises nothing new; repeats group into one alert.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::collections::HashMap;
use std::sync::Arc;

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::policies::{
    Alert, AlertFilter, AlertStatus, Detection, IpTag, Policy, PolicyDefinition, PolicyInput,
    Resolution,
};
use cloudwarden_testkit::graph::{FakeGraph, GraphTenant, Initiator, SignIn};
use support::engine;
use support::m365::{connect, fake, tenant};

const MIN: i64 = 60_000;
const DAY: i64 = 24 * 60 * MIN;

/// The corporate network of the clean tenant (a public range, tagged corporate).
const CORPORATE: &str = "20.1.0.0/16";

/// A clean tenant: one address per user for every record (nobody travels or changes
/// networks), administration from the corporate network, and none of the events the
/// templates look for (inbox rules, anyone-links, role assignments).
fn calm(t: &mut GraphTenant) {
    let mut home: HashMap<Arc<str>, Arc<str>> = HashMap::new();
    for s in &mut t.sign_ins {
        let ip = home
            .entry(s.user_principal_name.clone())
            .or_insert_with(|| s.ip_address.clone());
        s.ip_address = ip.clone();
    }
    t.unified_audit.retain(|r| {
        !matches!(
            r.operation,
            "New-InboxRule" | "Set-InboxRule" | "AnonymousLinkCreated" | "AnonymousLinkUpdated"
        )
    });
    for r in &mut t.unified_audit {
        let ip = home
            .entry(r.user_principal_name.clone())
            .or_insert_with(|| r.client_ip.clone());
        r.client_ip = ip.clone();
    }
    t.directory_audits
        .retain(|d| !d.activity_display_name.contains("to role"));
    for (n, d) in t.directory_audits.iter_mut().enumerate() {
        if let Initiator::User { ip_address, .. } = &mut d.initiated_by {
            *ip_address = format!("20.1.{}.{}", n / 250, 1 + n % 250).into();
        }
    }
}

async fn tag_corporate(engine: &Engine) {
    engine
        .add_ip_range(CORPORATE, IpTag::Corporate, "head office")
        .await
        .unwrap();
}

/// Every template that looks at activities, enabled.
async fn enable_activity_templates(engine: &Engine) -> Vec<Policy> {
    let mut out = Vec::new();
    for t in engine.policy_templates() {
        if !matches!(t.kind.as_str(), "activity" | "anomaly") {
            continue;
        }
        let p = engine
            .create_policy_from_template(&t.id, None)
            .await
            .unwrap();
        assert!(!p.enabled, "a policy from a template starts disabled");
        out.push(engine.set_policy_enabled(&p.id, true).await.unwrap());
    }
    out
}

async fn all_alerts(engine: &Engine) -> Vec<Alert> {
    engine
        .alerts(&AlertFilter::default(), None, Some(1000))
        .await
        .unwrap()
        .items
}

/// A sign-in of `user` (by UPN) at `at_ms` from `ip`, failed when `failed`.
fn sign_in(t: &GraphTenant, id: &str, upn: &str, at_ms: i64, ip: &str, failed: bool) -> SignIn {
    let mut s = t
        .sign_ins
        .iter()
        .find(|s| &*s.user_principal_name == upn)
        .unwrap_or(&t.sign_ins[0])
        .clone();
    s.id = id.into();
    s.user_principal_name = upn.into();
    s.created_at_ms = at_ms;
    s.ip_address = ip.into();
    s.error_code = if failed { 50126 } else { 0 };
    s.failure_reason = failed.then(|| "Invalid username or password.".into());
    s
}

/// The newest time in the tenant: planted events go after it.
fn newest(t: &GraphTenant) -> i64 {
    t.sign_ins
        .iter()
        .map(|s| s.created_at_ms)
        .chain(t.directory_audits.iter().map(|d| d.activity_at_ms))
        .chain(t.unified_audit.iter().map(|r| r.created_at_ms))
        .max()
        .unwrap()
}

async fn scanned(engine: &Engine, fake: &FakeGraph, instance: &str) {
    let report = engine.scan_instance(instance).await.unwrap();
    assert_eq!(
        report.status,
        cloudwarden_engine::domain::connectors::RunStatus::Completed,
        "{report:?}"
    );
    let _ = fake;
    // The commit hook evaluates after the scan.
    engine.evaluations_settled().await;
    assert_eq!(engine.last_evaluation_error(), None);
}

#[tokio::test]
async fn nothing_fires_on_a_clean_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let mut t = tenant(41);
    calm(&mut t);
    let fake = fake(&t).await;
    tag_corporate(&engine).await;
    let policies = enable_activity_templates(&engine).await;
    assert!(policies.len() >= 10);
    let i = connect(&engine, &fake, "Contoso").await;
    scanned(&engine, &fake, &i.id).await;
    let alerts = all_alerts(&engine).await;
    assert!(
        alerts.is_empty(),
        "a clean tenant raised: {:#?}",
        alerts.iter().map(|a| &a.title).collect::<Vec<_>>()
    );
    let s = engine.evaluate(None).await.unwrap();
    assert_eq!(s.activities, 0, "everything was evaluated after the scan");
    engine.close().await;
}

#[tokio::test]
async fn planted_behaviour_fires_exactly_and_once() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let mut t = tenant(42);
    calm(&mut t);
    let fake = fake(&t).await;
    tag_corporate(&engine).await;
    let policies = enable_activity_templates(&engine).await;
    let by_template = |id: &str| {
        policies
            .iter()
            .find(|p| p.template_id.as_deref() == Some(id))
            .unwrap()
            .id
            .clone()
    };
    let i = connect(&engine, &fake, "Contoso").await;
    scanned(&engine, &fake, &i.id).await;
    assert!(all_alerts(&engine).await.is_empty());

    let users: Vec<Arc<str>> = {
        let mut seen = Vec::new();
        for s in &t.sign_ins {
            if !seen.contains(&s.user_principal_name) {
                seen.push(s.user_principal_name.clone());
            }
        }
        seen
    };
    // The traveller lives in the United States (by their usual address).
    let home_of = |u: &Arc<str>| {
        t.sign_ins
            .iter()
            .find(|s| s.user_principal_name == *u)
            .map(|s| s.ip_address.clone())
            .unwrap()
    };
    let traveller = users
        .iter()
        .find(|u| {
            let info = cloudwarden_ipintel::IpIntel::bundled().lookup_str(&home_of(u));
            info.and_then(|i| i.country) == Some("US")
        })
        .unwrap();
    let others: Vec<&Arc<str>> = users.iter().filter(|u| *u != traveller).collect();
    let (guesser, near_miss, risky_user) = (others[0], others[1], others[2]);
    let base = newest(&t) + 10 * MIN;

    // Impossible travel: home in the United States, then Japan 20 minutes later.
    fake.add_sign_in(sign_in(
        &t,
        "plant-us",
        traveller,
        base,
        &home_of(traveller),
        false,
    ));
    fake.add_sign_in(sign_in(
        &t,
        "plant-jp",
        traveller,
        base + 20 * MIN,
        "1.0.16.1",
        false,
    ));
    // Repeated failed sign-ins: 10 within 15 minutes (the threshold, at its edge: the first
    // and the tenth are 14 minutes 59 seconds apart) ...
    for n in 0..10 {
        let at = base + n * (14 * MIN + 59_000) / 9;
        fake.add_sign_in(sign_in(
            &t,
            &format!("plant-fail-{n}"),
            guesser,
            at,
            &home_of(guesser),
            true,
        ));
    }
    // ... and 10 spread over more than 15 minutes: one short of the threshold in any window.
    for n in 0..10 {
        let at = base + n * (15 * MIN + 1_000) / 9;
        fake.add_sign_in(sign_in(
            &t,
            &format!("plant-near-{n}"),
            near_miss,
            at,
            &home_of(near_miss),
            true,
        ));
    }
    // A sign-in from a range the analyst tagged risky.
    engine
        .add_ip_range("203.0.113.0/24", IpTag::Risky, "known bad proxies")
        .await
        .unwrap();
    fake.add_sign_in(sign_in(
        &t,
        "plant-risky",
        risky_user,
        base,
        "203.0.113.7",
        false,
    ));

    scanned(&engine, &fake, &i.id).await;
    let alerts = all_alerts(&engine).await;
    let of = |template: &str| -> Vec<&Alert> {
        let id = by_template(template);
        alerts.iter().filter(|a| a.policy_id == id).collect()
    };
    let travel = of("anomaly-impossible-travel");
    assert_eq!(travel.len(), 1, "{alerts:#?}");
    assert!(
        travel[0].title.contains("United States") && travel[0].title.contains("Japan"),
        "{}",
        travel[0].title
    );
    assert_eq!(travel[0].count, 2, "both sign-ins are the evidence");
    let failed = of("anomaly-failed-sign-ins");
    assert_eq!(failed.len(), 1, "{alerts:#?}");
    assert_eq!(failed[0].count, 10);
    assert!(failed[0].entities.iter().any(|e| e.id == **guesser));
    let risky = of("logon-from-risky-ip");
    assert_eq!(risky.len(), 1, "{alerts:#?}");
    assert!(risky[0].entities.iter().any(|e| e.id == "203.0.113.7"));
    assert_eq!(
        alerts.len(),
        3,
        "only what was planted fires: {:#?}",
        alerts.iter().map(|a| &a.title).collect::<Vec<_>>()
    );

    // Evaluating again — new data or the whole range — raises nothing new.
    let again = engine.evaluate(Some(base - 60 * MIN)).await.unwrap();
    assert_eq!(
        (again.alerts_raised, again.alerts_updated),
        (0, 0),
        "{again:?}"
    );
    assert_eq!(all_alerts(&engine).await, alerts);

    // Two more failures inside the window group into the open alert.
    for n in 10..12 {
        let at = base + 14 * MIN + n * 1_000;
        fake.add_sign_in(sign_in(
            &t,
            &format!("plant-fail-{n}"),
            guesser,
            at,
            &home_of(guesser),
            true,
        ));
    }
    scanned(&engine, &fake, &i.id).await;
    let failed_now = engine.alert(&failed[0].id).await.unwrap();
    assert_eq!(failed_now.alert.count, 12);
    assert_eq!(all_alerts(&engine).await.len(), 3);

    // Triage: in progress, then resolved; a resolution is required.
    let id = &travel[0].id;
    engine
        .set_alert_status(id, AlertStatus::InProgress, None, Some("checking".into()))
        .await
        .unwrap();
    assert!(engine
        .set_alert_status(id, AlertStatus::Resolved, None, None)
        .await
        .is_err());
    let done = engine
        .set_alert_status(
            id,
            AlertStatus::Resolved,
            Some(Resolution::TruePositive),
            Some("user confirmed it was not them".into()),
        )
        .await
        .unwrap();
    assert_eq!(done.alert.status, AlertStatus::Resolved);
    assert_eq!(done.alert.resolution, Some(Resolution::TruePositive));
    assert_eq!(done.comments.len(), 2);
    assert_eq!(done.evidence.len(), 2);
    let open = engine
        .alerts(
            &AlertFilter {
                status: Some(AlertStatus::Open),
                ..AlertFilter::default()
            },
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(open.items.len(), 2);
    engine.close().await;
}

#[tokio::test]
async fn a_policy_test_shows_matches_without_raising_them() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let mut t = tenant(43);
    calm(&mut t);
    let base = newest(&t) - 30 * MIN;
    let user = t.sign_ins[0].user_principal_name.clone();
    for n in 0..10 {
        let s = sign_in(
            &t,
            &format!("fail-{n}"),
            &user,
            base + n * MIN,
            "8.8.4.4",
            true,
        );
        t.sign_ins.push(s);
    }
    let fake = fake(&t).await;
    let i = connect(&engine, &fake, "Contoso").await;
    let p = engine
        .create_policy_from_template("anomaly-failed-sign-ins", Some("Guessing".into()))
        .await
        .unwrap();
    scanned(&engine, &fake, &i.id).await;
    assert!(
        all_alerts(&engine).await.is_empty(),
        "a disabled policy raises nothing"
    );

    let test = engine.test_policy(&p.id, 7).await.unwrap();
    assert_eq!(test.matches, 1, "{test:#?}");
    assert_eq!(test.records, 10);
    assert!(test.sample[0].title.contains(&*user));
    assert!(test.activities > 0);
    assert!(
        all_alerts(&engine).await.is_empty(),
        "a test raises nothing"
    );

    // Enabled afterwards, the data already evaluated stays evaluated; an evaluation over
    // the range raises it.
    engine.set_policy_enabled(&p.id, true).await.unwrap();
    assert_eq!(engine.evaluate(None).await.unwrap().alerts_raised, 0);
    let s = engine.evaluate(Some(base - MIN)).await.unwrap();
    assert_eq!(s.alerts_raised, 1, "{s:?}");
    engine.close().await;
}

#[tokio::test]
async fn ip_ranges_are_validated_and_canonical() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let r = engine
        .add_ip_range("10.1.2.3/16", IpTag::Corporate, "HQ")
        .await
        .unwrap();
    assert_eq!(r.cidr, "10.1.0.0/16");
    assert!(engine
        .add_ip_range("10.1.2.300/16", IpTag::Vpn, "")
        .await
        .is_err());
    assert_eq!(engine.ip_ranges().await.unwrap().len(), 1);
    engine.remove_ip_range("10.1.0.0/16").await.unwrap();
    assert!(engine.ip_ranges().await.unwrap().is_empty());
    engine.close().await;
}

/// A public address registered in `country` whose network is not `not_asn` (or, with
/// `country` `None`, one registered outside `not_country`), found in the bundled database.
fn public_ip(country: Option<&str>, not_country: &str, not_asn: Option<u32>) -> String {
    let db = cloudwarden_ipintel::IpIntel::bundled();
    for a in 1u8..=223 {
        if matches!(a, 10 | 20 | 100 | 127 | 169 | 172 | 192 | 198 | 203) {
            continue;
        }
        for b in (0u8..=255).step_by(7) {
            let ip = format!("{a}.{b}.10.1");
            let Some(info) = db.lookup_str(&ip) else {
                continue;
            };
            let (Some(c), Some(asn)) = (info.country, info.asn) else {
                continue;
            };
            let fits = match country {
                Some(want) => c == want && Some(asn) != not_asn,
                None => c != not_country && !matches!(c, "US" | "CA" | "MX"),
            };
            if fits {
                return ip;
            }
        }
    }
    panic!("no public address for {country:?} outside {not_asn:?}");
}

/// A unified audit record of `upn` like the tenant's own.
fn audit_record(
    t: &GraphTenant,
    id: String,
    upn: &Arc<str>,
    ip: &Arc<str>,
    at_ms: i64,
    operation: &'static str,
    record_type: &'static str,
) -> cloudwarden_testkit::graph::AuditRecord {
    let mut r = t
        .unified_audit
        .iter()
        .find(|r| r.user_principal_name == *upn)
        .unwrap_or(&t.unified_audit[0])
        .clone();
    r.id = id;
    r.created_at_ms = at_ms;
    r.operation = operation;
    r.record_type = record_type;
    r.user_principal_name = upn.clone();
    r.client_ip = ip.clone();
    r.succeeded = true;
    if record_type == "ExchangeAdmin" {
        r.service = "Exchange";
        r.object_id = upn.to_string();
    } else {
        r.service = "SharePoint";
        r.object_id = format!(
            "https://contoso.sharepoint.com/sites/plant/Shared%20Documents/{id}.docx",
            id = r.id
        );
    }
    r
}

#[tokio::test]
async fn planted_places_volumes_and_admin_events_fire_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let mut t = tenant(44);
    let role_event = t
        .directory_audits
        .iter()
        .find(|d| {
            d.activity_display_name == "Add member to role"
                && matches!(d.initiated_by, Initiator::User { .. })
        })
        .cloned()
        .expect("the tenant assigns roles");
    let update_event = t
        .directory_audits
        .iter()
        .find(|d| {
            d.activity_display_name == "Update user"
                && matches!(d.initiated_by, Initiator::User { .. })
        })
        .cloned()
        .expect("the tenant updates users");
    calm(&mut t);
    let newest = newest(&t);
    let db = cloudwarden_ipintel::IpIntel::bundled();

    // Users with a home address (their sign-ins) and history from before the learning period.
    let home: HashMap<Arc<str>, Arc<str>> = t
        .sign_ins
        .iter()
        .map(|s| (s.user_principal_name.clone(), s.ip_address.clone()))
        .collect();
    let mut users: Vec<Arc<str>> = home
        .keys()
        .filter(|u| {
            t.sign_ins
                .iter()
                .any(|s| s.user_principal_name == **u && s.created_at_ms < newest - 3 * DAY)
        })
        .filter(|u| db.lookup_str(&home[*u]).and_then(|i| i.asn).is_some())
        .cloned()
        .collect();
    users.sort();
    assert!(users.len() >= 10, "{} users with history", users.len());
    let [roamer, new_network, slow, fast, near, deleter, sharer, inboxer, linker, admin] =
        <[Arc<str>; 10]>::try_from(users[..10].to_vec()).unwrap();
    let planted: Vec<&Arc<str>> = vec![
        &roamer,
        &new_network,
        &slow,
        &fast,
        &near,
        &deleter,
        &sharer,
        &inboxer,
        &linker,
        &admin,
    ];
    // The planted users do nothing else in the last 26 hours, so what is planted is all there
    // is to count (and a new place is a day away from the last one: no impossible travel).
    let cut = newest - 26 * 60 * MIN;
    t.sign_ins
        .retain(|s| s.created_at_ms < cut || !planted.contains(&&s.user_principal_name));
    t.unified_audit
        .retain(|r| r.created_at_ms < cut || !planted.contains(&&r.user_principal_name));
    t.directory_audits.retain(|d| {
        d.activity_at_ms < cut
            || !matches!(&d.initiated_by, Initiator::User { user_principal_name, .. } if planted.contains(&user_principal_name))
    });

    let at = newest - 3 * 60 * MIN;
    // A country new for the roamer (and so a network new for them too).
    let home_country = db
        .lookup_str(&home[&roamer])
        .unwrap()
        .country
        .unwrap()
        .to_owned();
    let abroad = public_ip(None, &home_country, None);
    t.sign_ins
        .push(sign_in(&t, "plant-abroad", &roamer, at, &abroad, false));
    // A network new for another user, in their own country.
    let their = db.lookup_str(&home[&new_network]).unwrap();
    let (their_country, their_asn) = (their.country.unwrap().to_owned(), their.asn);
    let other_network = public_ip(Some(&their_country), "", their_asn);
    t.sign_ins.push(sign_in(
        &t,
        "plant-network",
        &new_network,
        at,
        &other_network,
        false,
    ));
    let mut records = Vec::new();
    let mut burst =
        |user: &Arc<str>, n: usize, every_ms: i64, op: &'static str, kind: &'static str| {
            for k in 0..n {
                records.push(audit_record(
                    &t,
                    format!("plant-{user}-{op}-{k}"),
                    user,
                    &home[user],
                    at + k as i64 * every_ms,
                    op,
                    kind,
                ));
            }
        };
    // 50 downloads in 49 minutes (the hour's anomaly, not the 5-minute template), 50 in
    // 4 minutes 5 seconds (both), 49 in 4 minutes (neither: one short).
    burst(&slow, 50, MIN, "FileDownloaded", "SharePointFileOperation");
    burst(
        &fast,
        50,
        5_000,
        "FileDownloaded",
        "SharePointFileOperation",
    );
    burst(
        &near,
        49,
        5_000,
        "FileDownloaded",
        "SharePointFileOperation",
    );
    burst(
        &deleter,
        50,
        30_000,
        "FileDeleted",
        "SharePointFileOperation",
    );
    burst(&sharer, 25, MIN, "SharingSet", "SharePointSharingOperation");
    burst(&inboxer, 1, MIN, "New-InboxRule", "ExchangeAdmin");
    burst(
        &linker,
        1,
        MIN,
        "AnonymousLinkCreated",
        "SharePointSharingOperation",
    );
    t.unified_audit.extend(records);
    // An administrator role given from the corporate network, and an administrator's change
    // from their home address (outside the corporate ranges).
    let mut role = role_event;
    role.id = "Directory_plant-role".into();
    role.activity_at_ms = at;
    role.result = cloudwarden_testkit::graph::AuditResult::Success;
    if let Initiator::User { ip_address, .. } = &mut role.initiated_by {
        *ip_address = "20.1.200.9".into();
    }
    let mut update = update_event;
    update.id = "Directory_plant-update".into();
    update.activity_at_ms = at;
    update.result = cloudwarden_testkit::graph::AuditResult::Success;
    if let Initiator::User {
        ip_address,
        user_principal_name,
        ..
    } = &mut update.initiated_by
    {
        *ip_address = home[&admin].clone();
        *user_principal_name = admin.clone();
    }
    t.directory_audits.push(role);
    t.directory_audits.push(update);
    t.sign_ins.sort_by_key(|s| s.created_at_ms);
    t.unified_audit.sort_by_key(|r| r.created_at_ms);
    t.directory_audits
        .sort_by(|a, b| (a.activity_at_ms, &a.id).cmp(&(b.activity_at_ms, &b.id)));

    let fake = fake(&t).await;
    tag_corporate(&engine).await;
    let policies = enable_activity_templates(&engine).await;
    // A 2-day learning period: the tenant holds five days.
    for p in &policies {
        if let PolicyDefinition::Anomaly(mut a) = p.definition.clone() {
            if matches!(a.detection, Detection::NewCountry | Detection::NewAsn) {
                a.settings.learning_days = 2;
                engine
                    .update_policy(
                        &p.id,
                        PolicyInput {
                            name: p.name.clone(),
                            description: p.description.clone(),
                            severity: p.severity,
                            enabled: true,
                            template_id: p.template_id.clone(),
                            definition: PolicyDefinition::Anomaly(a),
                            scope: p.scope.clone(),
                            actions: p.actions.clone(),
                        },
                    )
                    .await
                    .unwrap();
            }
        }
    }
    let i = connect(&engine, &fake, "Contoso").await;
    scanned(&engine, &fake, &i.id).await;

    let alerts = all_alerts(&engine).await;
    let count = |template: &str| {
        let id = &policies
            .iter()
            .find(|p| p.template_id.as_deref() == Some(template))
            .unwrap()
            .id;
        alerts.iter().filter(|a| &a.policy_id == id).count()
    };
    let names = || alerts.iter().map(|a| a.title.as_str()).collect::<Vec<_>>();
    let expected = [
        ("anomaly-new-country", 1),
        ("anomaly-new-asn", 2),
        ("anomaly-mass-download", 2),
        ("mass-download-single-user", 1),
        ("anomaly-mass-deletion", 1),
        ("anomaly-mass-sharing", 1),
        ("inbox-forwarding-rule", 1),
        ("anonymous-link-created", 1),
        ("anomaly-new-admin-role", 1),
        ("admin-activity-non-corporate-ip", 1),
    ];
    for (template, n) in expected {
        assert_eq!(count(template), n, "{template}: {:#?}", names());
    }
    assert_eq!(
        alerts.len(),
        expected.iter().map(|(_, n)| n).sum::<usize>(),
        "only what was planted fires: {:#?}",
        names()
    );
    let with = |needle: &str| alerts.iter().filter(|a| a.title.contains(needle)).count();
    assert!(with(&roamer) >= 2, "{:#?}", names());
    assert!(
        with(&slow) == 1 && with(&fast) == 2 && with(&near) == 0,
        "{:#?}",
        names()
    );
    let again = engine.evaluate(Some(cut)).await.unwrap();
    assert_eq!(
        (again.alerts_raised, again.alerts_updated),
        (0, 0),
        "{again:?}"
    );
    engine.close().await;
}
