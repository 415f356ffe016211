//! Governance actions from an alert on the Microsoft 365 fake: the dry run sends nothing and
//! changes nothing; the confirmed action makes exactly the change shown, no other; both are in
//! the audit log and the alert's history; a refusal is said there, not swallowed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::connectors::InstanceStatus;
use cloudwarden_engine::domain::investigate::{ActivityFilter, RevokeOutcome};
use cloudwarden_engine::domain::policies::{
    ActionKind, ActivityCondition, AlertFilter, EntityKind, PolicyDefinition, PolicyInput, Severity,
};
use cloudwarden_testkit::github::FakeGithub;
use cloudwarden_testkit::graph::{AccessRole, Grantee, GranteeKind, LinkScope, Permission};
use support::m365::{assert_conforms, connect, fake, keep_sharing_inside, tenant};

const GITHUB_TOKEN: &str = "ghp_cloudwardenTestToken";

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

    assert_conforms(&fake);

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

#[tokio::test]
async fn remove_sharing_deletes_exactly_the_public_link_and_the_outsider() {
    let dir = tempfile::tempdir().unwrap();
    let engine = support::engine(&dir).await;
    let mut t = tenant(48);
    // Nothing else is shared outside, so the publicly shared file is the one planted.
    keep_sharing_inside(&mut t);
    let at = t.items.iter().position(|i| i.is_file()).unwrap();
    let insider = t.users[1].clone();
    let colleague = Grantee {
        kind: GranteeKind::User,
        user_id: Some(insider.id.clone()),
        display_name: insider.display_name.clone(),
        email: insider.user_principal_name.clone(),
        login_name: None,
        external: false,
    };
    let item = &mut t.items[at];
    for (id, link, who) in [
        ("plant-anyone", Some(LinkScope::Anonymous), None),
        (
            "plant-outsider",
            None,
            Some(Grantee::invited("pat.private@gmail.com")),
        ),
        ("plant-colleague", None, Some(colleague)),
    ] {
        item.permissions.push(Permission {
            id: id.into(),
            role: AccessRole::Read,
            link,
            granted_to: who.into_iter().collect(),
            expires_at_ms: None,
        });
    }
    let (drive, item_id) = (t.items[at].drive_id.clone(), t.items[at].id.clone());
    let fake = fake(&t).await;
    let policy = engine
        .create_policy_from_template("publicly-shared-files", None)
        .await
        .unwrap();
    engine.set_policy_enabled(&policy.id, true).await.unwrap();
    let i = connect(&engine, &fake, "Contoso").await;
    engine.scan_instance(&i.id).await.unwrap();
    engine.evaluations_settled().await;
    let alerts = engine
        .alerts(&AlertFilter::default(), None, None)
        .await
        .unwrap()
        .items;
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let alert = alerts[0].id.clone();
    let option = engine
        .alert_actions(&alert)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.action == ActionKind::RemoveSharing)
        .expect("remove sharing is offered on a file");
    assert_eq!(option.entity.kind, EntityKind::File);

    let before = fake.revoked();
    let plan = engine
        .run_alert_action(&alert, ActionKind::RemoveSharing, &option.entity.id, true)
        .await
        .unwrap();
    let requests: Vec<String> = plan
        .steps
        .iter()
        .filter_map(|s| s.request.clone())
        .collect();
    assert_eq!(requests.len(), 2, "{plan:#?}");
    // Path segments are percent-encoded (SharePoint drive ids start `b!`).
    let drive_seg = drive.replace('!', "%21");
    for (r, perm) in requests.iter().zip(["plant-anyone", "plant-outsider"]) {
        assert!(
            r.starts_with("DELETE ")
                && r.ends_with(&format!(
                    "/v1.0/drives/{drive_seg}/items/{item_id}/permissions/{perm}"
                )),
            "{r}"
        );
    }
    assert_eq!(fake.revoked(), before, "a dry run changes nothing");

    let done = engine
        .run_alert_action(&alert, ActionKind::RemoveSharing, &option.entity.id, false)
        .await
        .unwrap();
    assert!(
        done.steps
            .iter()
            .all(|s| s.outcome == RevokeOutcome::Revoked),
        "{done:#?}"
    );
    let mut want = before.clone();
    want.push(format!("permission:{drive}/{item_id}/plant-anyone"));
    want.push(format!("permission:{drive}/{item_id}/plant-outsider"));
    want.sort();
    assert_eq!(fake.revoked(), want, "the colleague keeps their access");
    assert_conforms(&fake);
    let audit = engine.audit_log(50).await.unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "governance.remove_sharing.dry_run"));
    assert!(audit
        .iter()
        .any(|e| e.action == "governance.remove_sharing"));
    engine.close().await;
}

/// A GitHub organisation whose only `git.clone` is one by the outside collaborator, and an
/// activity policy on clones: its alert names the collaborator.
async fn github_alert(engine: &Engine) -> (FakeGithub, String, String, String) {
    let mut t = support::github::tenant(71);
    t.audit_events.retain(|e| e.action != "git.clone");
    let outsider = t.outside_collaborators[0].login.clone();
    let newest = t.audit_events.iter().map(|e| e.timestamp_ms).max().unwrap();
    let mut clone = t.audit_events[0].clone();
    clone.document_id = "plant-clone".into();
    clone.action = "git.clone".into();
    clone.actor = outsider.clone();
    clone.actor_id = t.outside_collaborators[0].id;
    clone.timestamp_ms = newest + 60_000;
    clone.created_at_ms = newest + 60_000;
    t.audit_events.push(clone);
    let fake = FakeGithub::start(t, GITHUB_TOKEN).await.unwrap();
    engine
        .create_policy(PolicyInput {
            name: "Clones".into(),
            description: String::new(),
            severity: Severity::Medium,
            enabled: true,
            template_id: None,
            definition: PolicyDefinition::Activity(ActivityCondition {
                actions: vec!["git.clone".into()],
                ..ActivityCondition::default()
            }),
            scope: Default::default(),
            actions: Vec::new(),
        })
        .await
        .unwrap();
    let i = support::github::connect(engine, &fake, "Acme", GITHUB_TOKEN).await;
    engine.scan_instance(&i.id).await.unwrap();
    engine.evaluations_settled().await;
    let alerts = engine
        .alerts(&AlertFilter::default(), None, None)
        .await
        .unwrap()
        .items;
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    (fake, i.id, alerts[0].id.clone(), outsider)
}

#[tokio::test]
async fn an_outside_collaborator_is_removed_from_the_organisation_after_a_dry_run() {
    let dir = tempfile::tempdir().unwrap();
    let engine = support::engine(&dir).await;
    let (fake, _, alert, outsider) = github_alert(&engine).await;
    let options = engine.alert_actions(&alert).await.unwrap();
    assert!(
        options
            .iter()
            .any(|o| o.action == ActionKind::RemoveOutsideCollaborator && o.entity.id == outsider),
        "{options:#?}"
    );
    let plan = engine
        .run_alert_action(
            &alert,
            ActionKind::RemoveOutsideCollaborator,
            &outsider,
            true,
        )
        .await
        .unwrap();
    assert_eq!(plan.steps.len(), 1);
    let request = plan.steps[0].request.clone().unwrap();
    assert!(
        request.starts_with("DELETE ")
            && request.ends_with(&format!("/orgs/acme/outside_collaborators/{outsider}")),
        "{request}"
    );
    assert!(
        fake.removed_outside_collaborators().is_empty(),
        "a dry run changes nothing"
    );

    let done = engine
        .run_alert_action(
            &alert,
            ActionKind::RemoveOutsideCollaborator,
            &outsider,
            false,
        )
        .await
        .unwrap();
    assert_eq!(done.steps[0].outcome, RevokeOutcome::Revoked, "{done:#?}");
    assert_eq!(fake.removed_outside_collaborators(), vec![outsider.clone()]);
    assert_eq!(fake.requests_without_version_headers(), 0);
    let audit = engine.audit_log(50).await.unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "governance.remove_outside_collaborator.dry_run"));
    assert!(audit
        .iter()
        .any(|e| e.action == "governance.remove_outside_collaborator"));
    engine.close().await;
}

#[tokio::test]
async fn a_revoked_token_fails_the_action_and_puts_the_instance_in_error_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let engine = support::engine(&dir).await;
    let (fake, instance, alert, outsider) = github_alert(&engine).await;
    // The token was revoked at GitHub since the scan.
    fake.set_token("ghp_someoneElsesToken");
    let r = engine
        .run_alert_action(
            &alert,
            ActionKind::RemoveOutsideCollaborator,
            &outsider,
            false,
        )
        .await
        .unwrap();
    assert_eq!(r.steps[0].outcome, RevokeOutcome::Failed, "{r:#?}");
    let detail = r.steps[0].detail.clone().unwrap_or_default();
    assert!(detail.contains("reconnect"), "{detail}");
    assert!(fake.removed_outside_collaborators().is_empty());
    let view = engine.instance(&instance).await.unwrap();
    assert_eq!(view.status, InstanceStatus::Error);
    assert!(
        view.status_detail
            .as_deref()
            .unwrap_or_default()
            .contains("reconnect"),
        "{view:?}"
    );
    let history = engine.alert(&alert).await.unwrap().comments;
    assert!(
        history
            .iter()
            .any(|c| c.kind == "action" && c.text.contains("failed")),
        "{history:?}"
    );
    engine.close().await;
}
