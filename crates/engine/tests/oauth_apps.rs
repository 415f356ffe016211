//! OAuth apps across instances: permissions classified with their reasons, filters, approve,
//! and ban on the Microsoft 365 fake — the dry run lists exactly the grants and requests and
//! changes nothing; the ban deletes exactly those (every request valid by Graph's schema and
//! the pages' limits); both are in the audit trail. Ban on the GitHub fake: exactly the app's
//! SAML SSO credential authorizations are removed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::collections::BTreeSet;

use cloudwarden_engine::domain::investigate::{
    OauthAppFilter, OauthAppStatus, PermissionLevel, RevokeOutcome,
};
use cloudwarden_testkit::graph::{contract, schema};
use support::engine;
use support::m365::{fake, tenant};

#[tokio::test]
async fn oauth_apps_classified_approved_and_banned_through_graph() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(&dir).await;
    let graph = tenant(31);
    let g = fake(&graph).await;
    let mi = support::m365::connect(&e, &g, "Contoso").await;
    e.scan_instance(&mi.id).await.unwrap();

    let all = e
        .oauth_apps(&OauthAppFilter::default(), None, Some(1000))
        .await
        .unwrap()
        .items;
    assert!(all.len() > 2, "{all:?}");
    for a in &all {
        // An app's level is its highest permission's; each permission says why and where from.
        let top = a.permissions.iter().map(|p| p.level).max().unwrap();
        assert_eq!(a.level, top, "{}", a.name);
        assert!(a.permissions.iter().all(|p| !p.reason.is_empty()));
        assert_eq!(a.instances, ["Contoso"]);
    }
    assert!(
        all.windows(2)
            .all(|w| (w[0].level, w[0].users) >= (w[1].level, w[1].users)),
        "highest level, then most users, first"
    );
    let high = e
        .oauth_apps(
            &OauthAppFilter {
                level: Some(PermissionLevel::High),
                ..OauthAppFilter::default()
            },
            None,
            None,
        )
        .await
        .unwrap()
        .items;
    assert_eq!(
        high.len(),
        all.iter()
            .filter(|a| a.level == PermissionLevel::High)
            .count()
    );
    assert!(!high.is_empty());
    // Pages of one continue where they stopped.
    let mut keys = Vec::new();
    let mut cursor = None;
    loop {
        let page = e
            .oauth_apps(&OauthAppFilter::default(), cursor.as_deref(), Some(1))
            .await
            .unwrap();
        keys.extend(page.items.into_iter().map(|a| a.key));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(keys, all.iter().map(|a| a.key.clone()).collect::<Vec<_>>());

    // Approve one app; the status filter finds it.
    let approved = e
        .set_oauth_app_status(&all[all.len() - 1].key, OauthAppStatus::Approved)
        .await
        .unwrap();
    assert_eq!(approved.status, OauthAppStatus::Approved);
    let listed = e
        .oauth_apps(
            &OauthAppFilter {
                status: Some(OauthAppStatus::Approved),
                ..OauthAppFilter::default()
            },
            None,
            None,
        )
        .await
        .unwrap()
        .items;
    assert_eq!(listed.len(), 1);

    // Ban the app with the most grants: a dry run first.
    let target = all.iter().max_by_key(|a| a.grants).unwrap().clone();
    let before = g.requests().len();
    let plan = e.ban_oauth_app(&target.key, true).await.unwrap();
    assert!(plan.dry_run);
    assert_eq!(g.requests().len(), before, "a dry run sends nothing");
    assert!(g.revoked().is_empty());
    assert!(plan
        .steps
        .iter()
        .all(|s| s.outcome == RevokeOutcome::Planned && s.request.is_some()));
    assert!(plan.steps.len() >= target.grants as usize);
    let planned: BTreeSet<String> = plan
        .steps
        .iter()
        .map(|s| {
            s.request
                .clone()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        e.oauth_app(&target.key).await.unwrap().status,
        OauthAppStatus::Unset
    );

    // The ban: exactly the planned grants and assignments are deleted at the vendor.
    let done = e.ban_oauth_app(&target.key, false).await.unwrap();
    assert!(
        done.steps
            .iter()
            .all(|s| s.outcome == RevokeOutcome::Revoked),
        "{:?}",
        done.steps
    );
    let revoked: BTreeSet<String> = g.revoked().into_iter().collect();
    assert_eq!(revoked, planned);
    for r in g.requests().iter().filter(|r| r.method == "DELETE") {
        let problems = contract::check(schema::v1(), r);
        assert!(problems.is_empty(), "{r}: {problems:?}");
    }
    // The app is banned and holds nothing; a second scan finds nothing to bring back.
    let banned = e.oauth_app(&target.key).await.unwrap();
    assert_eq!(banned.status, OauthAppStatus::Banned);
    assert_eq!(banned.grants, 0);
    e.scan_instance(&mi.id).await.unwrap();
    assert_eq!(e.oauth_app(&target.key).await.unwrap().grants, 0);
    // Banning again: nothing left to revoke.
    assert!(e
        .ban_oauth_app(&target.key, false)
        .await
        .unwrap()
        .steps
        .is_empty());

    let audit = e.audit_log(500).await.unwrap();
    let count = |action: &str| audit.iter().filter(|a| a.action == action).count();
    assert_eq!(count("oauth.ban.dry_run"), 1);
    assert_eq!(count("oauth.ban"), 2);
    assert_eq!(count("oauth.revoke"), planned.len());
    assert_eq!(count("oauth.approved"), 1);
    std::mem::forget(g);
}

#[tokio::test]
async fn a_credential_without_the_right_to_revoke_fails_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(&dir).await;
    let graph = tenant(32);
    let g = fake(&graph).await;
    // The app registration was consented for reading only: it cannot delete grants.
    g.set_app_roles(&[
        "User.Read.All",
        "Group.Read.All",
        "GroupMember.Read.All",
        "RoleManagement.Read.Directory",
        "AuditLog.Read.All",
        "Directory.Read.All",
        "Sites.Read.All",
        "Files.Read.All",
        "Application.Read.All",
        "AuditLogsQuery.Read.All",
    ]);
    let mi = support::m365::connect(&e, &g, "Contoso").await;
    e.scan_instance(&mi.id).await.unwrap();
    let e2 = &e;
    let apps = e2
        .oauth_apps(&OauthAppFilter::default(), None, Some(1000))
        .await
        .unwrap()
        .items;
    let target = apps.iter().max_by_key(|a| a.grants).unwrap();
    let report = e2.ban_oauth_app(&target.key, false).await.unwrap();
    assert!(
        report
            .steps
            .iter()
            .all(|s| s.outcome == RevokeOutcome::Failed
                && s.detail
                    .as_deref()
                    .unwrap_or("")
                    .contains("AppRoleAssignment.ReadWrite.All")),
        "{:?}",
        report.steps
    );
    assert!(g.revoked().is_empty());
    // Nothing was revoked, so the grants stay listed.
    assert_eq!(
        e2.oauth_app(&target.key).await.unwrap().grants,
        target.grants
    );
    std::mem::forget(g);
}

/// Ban on the GitHub fake: an app held through SAML SSO credential authorizations loses
/// exactly those (each `DELETE /orgs/{org}/credential-authorizations/{id}` with GitHub's
/// media type and API version); the dry run removes nothing; both are audited.
#[tokio::test]
async fn a_github_ban_removes_exactly_the_app_s_saml_authorizations() {
    use cloudwarden_testkit::github::{FakeGithub, GithubTenant, TenantSize};
    const TOKEN: &str = "ghp_cloudwardenBanToken";
    let dir = tempfile::tempdir().unwrap();
    let e = engine(&dir).await;
    let gh = GithubTenant::generate("acme", 41, &TenantSize::small());
    assert!(!gh.credential_authorizations.is_empty());
    let github = FakeGithub::start(gh.clone(), TOKEN).await.unwrap();
    let i = support::github::connect(&e, &github, "Acme", TOKEN).await;
    e.scan_instance(&i.id).await.unwrap();
    let unversioned = github.requests_without_version_headers();

    // The app with the most credential authorizations, found by its dry run.
    let apps = e
        .oauth_apps(&OauthAppFilter::default(), None, Some(1000))
        .await
        .unwrap()
        .items;
    let mut target = None;
    for a in &apps {
        let plan = e.ban_oauth_app(&a.key, true).await.unwrap();
        let ids: BTreeSet<u64> = plan
            .steps
            .iter()
            .filter_map(|s| s.request.as_deref())
            .filter_map(|r| r.split("/credential-authorizations/").nth(1))
            .map(|id| id.parse().unwrap())
            .collect();
        if ids.len()
            > target
                .as_ref()
                .map_or(0, |(_, ids): &(_, BTreeSet<u64>)| ids.len())
        {
            assert!(plan
                .steps
                .iter()
                .all(|s| s.outcome == RevokeOutcome::Planned));
            target = Some((a.clone(), ids));
        }
    }
    let (app, planned) = target.expect("an app held through credential authorizations");
    assert!(
        github.removed_credential_authorizations().is_empty(),
        "dry runs remove nothing"
    );

    let done = e.ban_oauth_app(&app.key, false).await.unwrap();
    assert!(
        done.steps
            .iter()
            .filter(|s| s.request.is_some())
            .all(|s| s.outcome == RevokeOutcome::Revoked),
        "{:?}",
        done.steps
    );
    let removed: BTreeSet<u64> = github
        .removed_credential_authorizations()
        .into_iter()
        .collect();
    assert_eq!(removed, planned);
    assert_eq!(
        github.requests_without_version_headers(),
        unversioned,
        "every DELETE names GitHub's media type and API version"
    );
    // A second scan no longer finds them.
    e.scan_instance(&i.id).await.unwrap();
    assert_eq!(
        e.oauth_app(&app.key).await.unwrap().status,
        OauthAppStatus::Banned
    );
    let audit = e.audit_log(500).await.unwrap();
    let count = |action: &str| audit.iter().filter(|a| a.action == action).count();
    assert_eq!(count("oauth.ban.dry_run"), apps.len());
    assert_eq!(count("oauth.ban"), 1);
    assert_eq!(count("oauth.revoke"), planned.len());
}
