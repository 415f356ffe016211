//! "What changed since the last scan": a GitHub organisation changed between two scans (a
//! member leaves, one joins, one becomes an owner, a private repository goes public, an app
//! is uninstalled and another installed with write access to code and administration) — the
//! diff lists exactly those changes, and nothing else.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cloudwarden_engine::domain::investigate::{PermissionLevel, SharingLevel};
use cloudwarden_engine::ErrorCode;
use cloudwarden_testkit::github::{FakeGithub, GithubTenant, OrgRole, TenantSize, Visibility};
use support::engine;

const TOKEN: &str = "ghp_cloudwardenTestToken";

#[tokio::test]
async fn the_diff_of_two_scans_lists_exactly_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(&dir).await;
    let before = GithubTenant::generate("acme", 23, &TenantSize::small());
    let fake = FakeGithub::start(before.clone(), TOKEN).await.unwrap();
    let addr = fake.url.trim_start_matches("http://").to_owned();
    let gi = support::github::connect(&e, &fake, "Acme", TOKEN).await;
    e.scan_instance(&gi.id).await.unwrap();
    // One snapshot: nothing to compare yet.
    let first = e.changes(Some(&gi.id), None, None).await.unwrap();
    assert!(first.instances.is_empty());
    assert_eq!(first.waiting, ["Acme"]);

    // The organisation changes.
    let mut after = before.clone();
    let leaver = after
        .members
        .iter()
        .position(|m| m.role == OrgRole::Member)
        .unwrap();
    let leaver = after.members.remove(leaver);
    let promoted = after
        .members
        .iter_mut()
        .find(|m| m.role == OrgRole::Member)
        .unwrap();
    promoted.role = OrgRole::Admin;
    let promoted = promoted.login.clone();
    let mut joiner = after.members[0].clone();
    joiner.id = 9_900_001;
    joiner.login = "new-joiner".into();
    joiner.node_id = "MDQ6VXNlcjk5MDAwMDE=".into();
    joiner.role = OrgRole::Member;
    after.members.push(joiner);
    let repo = after
        .repos
        .iter_mut()
        .find(|r| r.visibility == Visibility::Private && !r.archived)
        .unwrap();
    repo.visibility = Visibility::Public;
    let published = repo.name.clone();
    let removed_app = after.installations.remove(0);
    let mut installed = after
        .installations
        .first()
        .cloned()
        .unwrap_or_else(|| removed_app.clone());
    installed.id = 77_000_001;
    installed.app_id = 77_001;
    installed.app_slug = "deploy-everything".into();
    installed.permissions = vec![
        ("administration".into(), "write".into()),
        ("contents".into(), "write".into()),
        ("metadata".into(), "read".into()),
    ];
    after.installations.push(installed);
    drop(fake);
    let fake = FakeGithub::start_at(after, TOKEN, &addr).await.unwrap();
    e.scan_instance(&gi.id).await.unwrap();

    let report = e.changes(Some(&gi.id), None, None).await.unwrap();
    assert!(report.waiting.is_empty());
    let c = &report.instances[0];
    assert!(c.not_compared.is_empty(), "{:?}", c.not_compared);
    let logins = |v: &[cloudwarden_engine::domain::investigate::AccountChange]| {
        v.iter().map(|a| a.login.clone()).collect::<Vec<_>>()
    };
    assert_eq!(logins(&c.new_accounts), ["new-joiner"]);
    assert_eq!(logins(&c.removed_accounts), [leaver.login.as_str()]);
    assert_eq!(logins(&c.new_admins), [promoted.as_str()]);
    assert!(logins(&c.role_changes).iter().all(|l| *l == promoted));
    assert_eq!(c.newly_public_files.len(), 1, "{:?}", c.newly_public_files);
    assert!(c.newly_public_files[0].name.ends_with(&published));
    assert_eq!(c.newly_public_files[0].after, SharingLevel::Public);
    assert!(c.newly_external_files.is_empty());
    let grant_apps = |v: &[cloudwarden_engine::domain::investigate::GrantChange]| {
        v.iter().map(|g| g.app_name.clone()).collect::<Vec<_>>()
    };
    assert_eq!(grant_apps(&c.new_grants), ["deploy-everything"]);
    assert_eq!(c.new_grants[0].level, PermissionLevel::High);
    assert_eq!(
        grant_apps(&c.removed_grants),
        [removed_app.app_slug.as_str()]
    );
    assert_eq!(c.new_high_apps, ["deploy-everything"]);

    // Any two scans can be compared, in either order; the same scan twice shows nothing.
    let snaps = e.snapshots(Some(&gi.id)).await.unwrap();
    assert_eq!(snaps.len(), 2);
    let again = e
        .changes(None, Some(&snaps[0].run_id), Some(&snaps[1].run_id))
        .await
        .unwrap();
    assert_eq!(again.instances[0].new_accounts.len(), 1);
    let same = e
        .changes(None, Some(&snaps[0].run_id), Some(&snaps[0].run_id))
        .await
        .unwrap();
    let s = &same.instances[0];
    assert!(s.new_accounts.is_empty() && s.removed_accounts.is_empty() && s.new_grants.is_empty());
    // Across all instances: the same report.
    let all = e.changes(None, None, None).await.unwrap();
    assert_eq!(all.instances.len(), 1);
    assert_eq!(all.instances[0].new_high_apps, ["deploy-everything"]);
    let err = e
        .changes(None, Some(&snaps[0].run_id), None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert_eq!(
        e.changes(Some("gh_nope"), None, None)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
    drop(fake);
}
