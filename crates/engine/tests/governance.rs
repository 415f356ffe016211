//! Governance actions from an alert on the Microsoft 365 fake: the dry run sends nothing and
//! changes nothing; the confirmed action makes exactly the change shown, no other; both are in
//! the audit log and the alert's history; a refusal is said there, not swallowed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::investigate::{ActivityFilter, RevokeOutcome};
use cloudwarden_engine::domain::policies::{
    ActionKind, ActivityCondition, AlertFilter, EntityKind, PolicyDefinition, PolicyInput, Severity,
};
use support::m365::{connect, fake, tenant};

/// A policy on failed sign-ins of one user, and the alert it raised after a scan.
async fn alert_on(engine: &Engine, instance: &str, upn: &str) -> String {
    engine
        .create_policy(PolicyInput {
            name: "Failed sign-ins of a watched user".into(),
            description: String::new(),
            severity: Severity::High,
            enabled: true,
            template_id: None,
            definition: PolicyDefinition::Activity(ActivityCondition {
                filter: ActivityFilter {
                    user: Some(upn.into()),
                    ..ActivityFilter::default()
                },
                ..ActivityCondition::default()
            }),
            scope: Default::default(),
            actions: Vec::new(),
        })
        .await
        .unwrap();
    engine.evaluate(Some(0)).await.unwrap();
    let alerts = engine
        .alerts(&AlertFilter::default(), None, None)
        .await
        .unwrap()
        .items;
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert!(alerts[0]
        .entities
        .iter()
        .any(|e| e.kind == EntityKind::Instance && e.id == instance));
    alerts[0].id.clone()
}

#[tokio::test]
async fn revoke_sessions_and_block_do_exactly_what_was_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let engine = support::engine(&dir).await;
    let t = tenant(45);
    let fake = fake(&t).await;
    let i = connect(&engine, &fake, "Contoso").await;
    engine.scan_instance(&i.id).await.unwrap();
    engine.evaluations_settled().await;
    let s = &t.sign_ins[0];
    let (upn, uid) = (s.user_principal_name.to_string(), s.user_id.to_string());
    let alert = alert_on(&engine, &i.id, &upn).await;

    let options = engine.alert_actions(&alert).await.unwrap();
    let kinds: Vec<ActionKind> = options.iter().map(|o| o.action).collect();
    assert!(kinds.contains(&ActionKind::RevokeSessions), "{options:?}");
    assert!(kinds.contains(&ActionKind::DisableAccount), "{options:?}");

    // The dry run: the requests shown, nothing sent.
    let before = fake.revoked();
    let plan = engine
        .run_alert_action(&alert, ActionKind::DisableAccount, &upn, true)
        .await
        .unwrap();
    assert!(plan.dry_run);
    assert_eq!(plan.steps.len(), 1);
    assert_eq!(plan.steps[0].outcome, RevokeOutcome::Planned);
    let request = plan.steps[0].request.clone().unwrap();
    assert!(
        request.starts_with("PATCH ") && request.contains(&format!("/v1.0/users/{uid}")),
        "{request}"
    );
    assert!(request.contains("\"accountEnabled\":false"), "{request}");
    assert_eq!(fake.revoked(), before, "a dry run changes nothing");

    // Confirmed: exactly that account is blocked, and its sessions revoked when asked.
    let done = engine
        .run_alert_action(&alert, ActionKind::DisableAccount, &upn, false)
        .await
        .unwrap();
    assert_eq!(done.steps[0].outcome, RevokeOutcome::Revoked, "{done:?}");
    let signed_out = engine
        .run_alert_action(&alert, ActionKind::RevokeSessions, &upn, false)
        .await
        .unwrap();
    assert_eq!(
        signed_out.steps[0].outcome,
        RevokeOutcome::Revoked,
        "{signed_out:?}"
    );
    let mut want = before.clone();
    want.push(format!("disabled:{uid}"));
    want.push(format!("sessions:{uid}"));
    want.sort();
    assert_eq!(fake.revoked(), want);

    // Every request conforms to Microsoft Graph's published schema and documented limits.
    use cloudwarden_testkit::graph::{contract, schema};
    for r in fake.requests() {
        let problems = contract::check(schema::v1(), &r);
        assert!(problems.is_empty(), "{r}: {problems:?}");
    }

    // Audited, and in the alert's history with the outcome.
    let audit = engine.audit_log(50).await.unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "governance.disable_account.dry_run"));
    assert!(audit
        .iter()
        .any(|e| e.action == "governance.disable_account"));
    assert!(audit
        .iter()
        .any(|e| e.action == "governance.revoke_sessions"));
    let history = engine.alert(&alert).await.unwrap().comments;
    assert_eq!(history.iter().filter(|c| c.kind == "action").count(), 3);
    assert!(history.iter().any(|c| c.text.contains("dry run")));
    engine.close().await;
}

#[tokio::test]
async fn a_refused_action_is_said_in_the_alert_not_swallowed() {
    let dir = tempfile::tempdir().unwrap();
    let engine = support::engine(&dir).await;
    let t = tenant(46);
    let fake = fake(&t).await;
    let i = connect(&engine, &fake, "Contoso").await;
    engine.scan_instance(&i.id).await.unwrap();
    engine.evaluations_settled().await;
    let upn = t.sign_ins[0].user_principal_name.to_string();
    let alert = alert_on(&engine, &i.id, &upn).await;
    // The app registration lacks the right to revoke sessions: Graph answers 403.
    fake.faults()
        .fail_path("/v1.0/users/{id}/revokeSignInSessions", 403);
    let before = fake.revoked();
    let r = engine
        .run_alert_action(&alert, ActionKind::RevokeSessions, &upn, false)
        .await
        .unwrap();
    assert_eq!(r.steps[0].outcome, RevokeOutcome::Failed, "{r:?}");
    let detail = r.steps[0].detail.clone().unwrap_or_default();
    assert!(detail.contains("User.RevokeSessions.All"), "{detail}");
    assert_eq!(fake.revoked(), before);
    let history = engine.alert(&alert).await.unwrap().comments;
    assert!(
        history
            .iter()
            .any(|c| c.kind == "action" && c.text.contains("failed")),
        "{history:?}"
    );
    engine.close().await;
}
