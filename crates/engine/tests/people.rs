//! People: accounts correlated across instances by e-mail address (GitHub members whose public
//! e-mail is a Microsoft 365 user's), every filter checked against the whole list, keyset pages,
//! the analyst's links (kept across scans, undone, audited), last activity kept at write time,
//! and query plans that read the person indexes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::collections::HashSet;

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::investigate::{
    AccountKind, ActivityFilter, Correlation, Person, PersonFilter,
};
use cloudwarden_engine::ErrorCode;
use cloudwarden_testkit::github::{FakeGithub, GithubTenant, OrgRole, TenantSize};
use support::engine;
use support::m365::{fake, tenant};

const TOKEN: &str = "ghp_cloudwardenTestToken";

/// Every person of a filter, 7 a page, checking order and uniqueness.
async fn all(engine: &Engine, f: &PersonFilter) -> Vec<Person> {
    let mut out: Vec<Person> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = engine.people(f, cursor.as_deref(), Some(7)).await.unwrap();
        assert!(page.items.len() <= 7);
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert!(
        out.windows(2).all(|w| w[0].key < w[1].key),
        "key order, each person once"
    );
    out
}

fn keys_of_app(people: &[Person], app: &str) -> Vec<String> {
    people
        .iter()
        .filter(|p| p.apps.iter().any(|a| a == app))
        .take(20)
        .map(|p| p.key.clone())
        .collect()
}

fn keys(people: &[Person]) -> Vec<&str> {
    people.iter().map(|p| p.key.as_str()).collect()
}

#[tokio::test]
async fn accounts_become_people_across_apps() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(&dir).await;

    // Microsoft 365 first: its administrators are known by e-mail address.
    let graph = tenant(91);
    let g = fake(&graph).await;
    let mi = support::m365::connect(&e, &g, "Contoso").await;
    e.scan_instance(&mi.id).await.unwrap();
    let m365_admins = all(
        &e,
        &PersonFilter {
            admins: true,
            app: Some("m365".into()),
            ..PersonFilter::default()
        },
    )
    .await;
    let admin = m365_admins
        .iter()
        .find(|p| p.accounts.iter().any(|a| a.email.is_some()))
        .expect("an M365 administrator with a mailbox")
        .key
        .clone();
    let user = all(&e, &PersonFilter::default())
        .await
        .into_iter()
        .find(|p| !p.admin && p.key.contains('@') && p.accounts.len() == 1)
        .unwrap()
        .key;

    // The same tenant connected a second time (as an analyst may, with another app
    // registration): every user is one person with two accounts, by e-mail address.
    let mi2 = support::m365::connect(&e, &g, "Contoso (audit)").await;
    e.scan_instance(&mi2.id).await.unwrap();

    // GitHub lists members without e-mail addresses: each login is a person of its own until
    // the analyst links it.
    let gh = GithubTenant::generate("acme", 17, &TenantSize::small());
    let owner = gh
        .members
        .iter()
        .find(|m| m.role == OrgRole::Admin)
        .unwrap()
        .login
        .to_lowercase();
    let alone_login = gh
        .members
        .iter()
        .find(|m| m.role == OrgRole::Member)
        .unwrap()
        .login
        .clone();
    let github = FakeGithub::start(gh.clone(), TOKEN).await.unwrap();
    let gi = support::github::connect(&e, &github, "Acme", TOKEN).await;
    e.scan_instance(&gi.id).await.unwrap();
    let everyone_now = all(&e, &PersonFilter::default()).await;
    let owner_account = everyone_now
        .clone()
        .into_iter()
        .find(|p| p.key == format!("github:{owner}"))
        .unwrap_or_else(|| {
            panic!(
                "github:{owner} in {:?}",
                keys_of_app(&everyone_now, "github")
            )
        })
        .accounts[0]
        .clone();
    assert_eq!(owner_account.correlation, Correlation::Alone);
    assert!(owner_account.is_admin);
    // The analyst links the GitHub owner to the Microsoft 365 administrator.
    e.link_account(
        &gi.id,
        &owner_account.external_id,
        Some(&admin.to_uppercase()),
    )
    .await
    .unwrap();

    let everyone = all(&e, &PersonFilter::default()).await;
    let find = |key: &str| everyone.iter().find(|p| p.key == key).unwrap().clone();
    // One person, two apps, an administrator in both.
    let a = find(&admin);
    assert_eq!(a.apps, ["github", "m365"], "{a:?}");
    assert_eq!(a.accounts.len(), 3);
    assert!(a.admin && a.accounts.iter().all(|x| x.is_admin));
    let by_mail: Vec<_> = a.accounts.iter().filter(|x| x.app == "m365").collect();
    assert!(by_mail.iter().all(|x| x.correlation == Correlation::Email));
    assert!(!by_mail[0].roles.is_empty(), "directory roles shown");
    let gh_owner = a.accounts.iter().find(|x| x.app == "github").unwrap();
    assert_eq!(gh_owner.correlation, Correlation::Linked);
    assert_eq!(gh_owner.rule_person, format!("github:{owner}"));
    let u = find(&user);
    assert_eq!(u.accounts.len(), 2);
    assert!(!u.admin);
    let lone = find(&format!("github:{}", alone_login.to_lowercase()));
    assert_eq!(lone.accounts.len(), 1);
    assert_eq!(lone.accounts[0].correlation, Correlation::Alone);
    // Every account is in exactly one person.
    let total: usize = everyone.iter().map(|p| p.accounts.len()).sum();
    let counted = e.instance(&gi.id).await.unwrap().counts.accounts
        + e.instance(&mi.id).await.unwrap().counts.accounts
        + e.instance(&mi2.id).await.unwrap().counts.accounts;
    assert_eq!(total as u64, counted as u64);

    // Each filter is the whole list filtered by its meaning.
    let check = |f: PersonFilter, keep: &dyn Fn(&Person) -> bool| {
        let expected: Vec<String> = everyone
            .iter()
            .filter(|p| keep(p))
            .map(|p| p.key.clone())
            .collect();
        let e = &e;
        async move {
            let got = all(e, &f).await;
            assert!(!expected.is_empty(), "{f:?} keeps someone");
            assert_eq!(keys(&got), expected, "{f:?}");
        }
    };
    check(
        PersonFilter {
            admins: true,
            ..PersonFilter::default()
        },
        &|p| p.admin,
    )
    .await;
    check(
        PersonFilter {
            external: true,
            ..PersonFilter::default()
        },
        &|p| p.external,
    )
    .await;
    check(
        PersonFilter {
            app: Some("github".into()),
            ..PersonFilter::default()
        },
        &|p| p.apps.iter().any(|a| a == "github"),
    )
    .await;
    check(
        PersonFilter {
            instance_id: Some(mi.id.clone()),
            admins: true,
            ..PersonFilter::default()
        },
        &|p| p.admin && p.apps.iter().any(|a| a == "m365"),
    )
    .await;
    // Four characters go through the trigram index, two through a scan: the same answer.
    for n in [4, 2] {
        let needle = alone_login[..alone_login.len().min(n)].to_lowercase();
        check(
            PersonFilter {
                text: Some(needle.clone()),
                ..PersonFilter::default()
            },
            &|p| {
                p.accounts.iter().any(|a| {
                    [Some(&a.login), a.display_name.as_ref(), a.email.as_ref()]
                        .into_iter()
                        .flatten()
                        .any(|s| s.to_lowercase().contains(&needle))
                })
            },
        )
        .await;
    }
    // Inactive for 3 days: no sign-in or activity of any account since then.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let cutoff = now - 3 * 86_400_000;
    check(
        PersonFilter {
            inactive_days: Some(3),
            ..PersonFilter::default()
        },
        &|p| p.last_active_ms.unwrap_or(0) < cutoff,
    )
    .await;

    // Last activity is the newest event the account performed.
    let newest = e
        .activities(
            &ActivityFilter {
                instance_id: Some(gi.id.clone()),
                user: Some(gh_owner.login.clone()),
                ..ActivityFilter::default()
            },
            None,
            Some(1),
        )
        .await
        .unwrap();
    assert_eq!(
        gh_owner.last_activity_ms,
        newest.items.first().map(|r| r.occurred_at_ms)
    );

    // Linking the lone account to the plain user; a second scan keeps the link; unlinking
    // puts it back. Both are in the audit log.
    let lone_account = &lone.accounts[0];
    e.link_account(
        &gi.id,
        &lone_account.external_id,
        Some(&user.to_uppercase()),
    )
    .await
    .unwrap();
    let linked = all(&e, &PersonFilter::default()).await;
    assert!(!keys(&linked).contains(&lone.key.as_str()));
    let u = linked.iter().find(|p| p.key == user).unwrap();
    assert_eq!(u.accounts.len(), 3);
    let moved = u
        .accounts
        .iter()
        .find(|x| x.external_id == lone_account.external_id)
        .unwrap();
    assert_eq!(moved.correlation, Correlation::Linked);
    assert_eq!(moved.rule_person, lone.key);
    e.scan_instance(&gi.id).await.unwrap();
    let after_scan = all(&e, &PersonFilter::default()).await;
    assert_eq!(
        after_scan
            .iter()
            .find(|p| p.key == user)
            .unwrap()
            .accounts
            .len(),
        3,
        "the link outlives a scan"
    );
    e.link_account(&gi.id, &lone_account.external_id, None)
        .await
        .unwrap();
    assert_eq!(
        keys(&all(&e, &PersonFilter::default()).await),
        keys(&everyone)
    );
    let audit = e.audit_log(10).await.unwrap();
    let actions: HashSet<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert!(actions.contains("person.link") && actions.contains("person.unlink"));
    let err = e
        .link_account(&gi.id, "no-such-account", Some(&user))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    let err = e
        .link_account(&gi.id, &lone_account.external_id, Some("  "))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert_eq!(
        e.people(&PersonFilter::default(), Some("zz"), None)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Validation
    );
    // Guests are external people of their own kind.
    assert!(everyone
        .iter()
        .filter(|p| p.external)
        .all(|p| p.accounts.iter().any(|a| a.kind == AccountKind::Guest)));
    drop(github);
    std::mem::forget(g);
}

#[tokio::test]
async fn people_filters_read_the_person_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(&dir).await;
    for (f, index) in [
        (PersonFilter::default(), "accounts_person"),
        (
            PersonFilter {
                admins: true,
                ..PersonFilter::default()
            },
            "accounts_admin_person",
        ),
        (
            PersonFilter {
                external: true,
                ..PersonFilter::default()
            },
            "accounts_guest_person",
        ),
        (
            PersonFilter {
                without_mfa: true,
                ..PersonFilter::default()
            },
            "accounts_no_mfa_person",
        ),
    ] {
        for paged in [false, true] {
            let plan = e.people_query_plan(&f, paged).await.unwrap().join("\n");
            assert!(plan.contains(index), "{f:?}: {plan}");
            assert!(
                !plan.contains("TEMP B-TREE"),
                "no sort of all accounts: {plan}"
            );
        }
    }
}
