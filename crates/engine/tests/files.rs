//! The Files page: every filter against the whole list (sharing level, shared with a domain,
//! owner, owned by a guest, stale and still public, free text), keyset pages, a file's
//! collaborators and activities, and query plans that read the files indexes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::investigate::{
    ActivityFilter, ActivityRow, FileFilter, FileRow, SharingLevel,
};
use cloudwarden_testkit::graph::UserType;
use support::engine;
use support::m365::{fake, tenant};

/// Every file of a filter, 9 a page, checking order and uniqueness.
async fn all(engine: &Engine, f: &FileFilter) -> Vec<FileRow> {
    let mut out: Vec<FileRow> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = engine.files(f, cursor.as_deref(), Some(9)).await.unwrap();
        assert!(page.items.len() <= 9);
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let keys: Vec<(i64, &str, &str)> = out
        .iter()
        .map(|r| {
            (
                r.modified_at_ms.unwrap_or(0),
                r.instance_id.as_str(),
                r.external_id.as_str(),
            )
        })
        .collect();
    assert!(
        keys.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeats"
    );
    out
}

async fn all_activities(engine: &Engine, f: &ActivityFilter) -> Vec<ActivityRow> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = engine
            .activities(f, cursor.as_deref(), Some(1000))
            .await
            .unwrap();
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    out
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn files_filtered_in_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(&dir).await;
    let mut graph = tenant(57);
    // A guest owns a few files (created them in a shared library).
    let guest = graph
        .users
        .iter()
        .find(|u| u.user_type == UserType::Guest && u.mail.is_some())
        .unwrap()
        .clone();
    for item in graph
        .items
        .iter_mut()
        .filter(|i| !i.folder)
        .step_by(7)
        .take(5)
    {
        item.created_by = guest.id.clone();
    }
    let g = fake(&graph).await;
    let mi = support::m365::connect(&e, &g, "Contoso").await;
    e.scan_instance(&mi.id).await.unwrap();

    let everything = all(&e, &FileFilter::default()).await;
    assert_eq!(
        everything.len() as u64,
        e.instance(&mi.id).await.unwrap().counts.files as u64
    );
    let check = |f: FileFilter, keep: &dyn Fn(&FileRow) -> bool| {
        let expected: Vec<(String, String)> = everything
            .iter()
            .filter(|r| keep(r))
            .map(|r| (r.instance_id.clone(), r.external_id.clone()))
            .collect();
        let e = &e;
        async move {
            let got: Vec<(String, String)> = all(e, &f)
                .await
                .into_iter()
                .map(|r| (r.instance_id, r.external_id))
                .collect();
            assert!(!expected.is_empty(), "{f:?} keeps some file");
            assert_eq!(got, expected, "{f:?}");
        }
    };
    for level in [
        SharingLevel::Public,
        SharingLevel::External,
        SharingLevel::Internal,
        SharingLevel::Private,
    ] {
        check(
            FileFilter {
                sharing: Some(level),
                ..FileFilter::default()
            },
            &|r| r.sharing == level,
        )
        .await;
    }
    // Shared with a domain: one an external collaborator is in.
    let domain = everything
        .iter()
        .filter(|r| r.external_collaborators > 0)
        .flat_map(|r| r.domains.clone())
        .find(|d| !d.ends_with("contoso.com"))
        .unwrap();
    check(
        FileFilter {
            shared_with_domain: Some(format!("@{}", domain.to_uppercase())),
            ..FileFilter::default()
        },
        &|r| r.domains.contains(&domain),
    )
    .await;
    let owner = everything[0].owner.clone().unwrap();
    check(
        FileFilter {
            owner: Some(owner.clone()),
            ..FileFilter::default()
        },
        &|r| r.owner.as_deref() == Some(&owner),
    )
    .await;
    let guest_mail = guest.mail.clone().unwrap();
    check(
        FileFilter {
            external_owner: true,
            ..FileFilter::default()
        },
        &|r| r.owner.as_deref() == Some(&guest_mail),
    )
    .await;
    // Public and not modified since the middle public file: stale public files.
    let mut public: Vec<i64> = everything
        .iter()
        .filter(|r| r.sharing == SharingLevel::Public)
        .map(|r| r.modified_at_ms.unwrap_or(0))
        .collect();
    public.sort();
    let days = u32::try_from((now_ms() - public[public.len() / 2]) / 86_400_000).unwrap();
    let cutoff = now_ms() - i64::from(days) * 86_400_000;
    check(
        FileFilter {
            sharing: Some(SharingLevel::Public),
            stale_days: Some(days),
            ..FileFilter::default()
        },
        &|r| r.sharing == SharingLevel::Public && r.modified_at_ms.unwrap_or(0) < cutoff,
    )
    .await;
    // Free text: the words of a file's name find it, and only files with those words.
    let target = everything.iter().find(|r| r.name.contains('/')).unwrap();
    let word = target
        .name
        .rsplit('/')
        .next()
        .unwrap()
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| w.len() > 3)
        .unwrap()
        .to_lowercase();
    let found = all(
        &e,
        &FileFilter {
            text: Some(word.clone()),
            ..FileFilter::default()
        },
    )
    .await;
    assert!(found.iter().any(|r| r.external_id == target.external_id));
    assert!(found.iter().all(|r| r.name.to_lowercase().contains(&word)
        || r.owner
            .as_deref()
            .unwrap_or("")
            .to_lowercase()
            .contains(&word)));

    // A shared file's detail: its collaborators, the vendor's record.
    let shared = everything
        .iter()
        .find(|r| r.external_collaborators > 0)
        .unwrap();
    let detail = e
        .file(&shared.instance_id, &shared.external_id)
        .await
        .unwrap();
    assert_eq!(detail.collaborators.len() as u32, shared.collaborators);
    assert!(detail.collaborators.iter().any(|c| c.external));
    assert!(serde_json::from_str::<serde_json::Value>(&detail.raw).is_ok());

    // A file's activities: exactly the events on its URL.
    let log = all_activities(&e, &ActivityFilter::default()).await;
    let url = everything
        .iter()
        .filter_map(|r| r.url.clone())
        .find(|u| log.iter().any(|a| a.object.as_deref() == Some(u)))
        .expect("a file with activities");
    let on_file = all_activities(
        &e,
        &ActivityFilter {
            object: Some(url.clone()),
            ..ActivityFilter::default()
        },
    )
    .await;
    let expected = log
        .iter()
        .filter(|a| a.object.as_deref() == Some(url.as_str()))
        .count();
    assert_eq!(on_file.len(), expected);
    assert!(on_file
        .iter()
        .all(|a| a.object.as_deref() == Some(url.as_str())));

    // Bad cursors are refused.
    assert!(e
        .files(&FileFilter::default(), Some("f1zz"), None)
        .await
        .is_err());
    std::mem::forget(g);
}

#[tokio::test]
async fn files_filters_read_an_index_in_the_list_s_order() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(&dir).await;
    for (f, index, sorted) in [
        (FileFilter::default(), "files_newest", true),
        (
            FileFilter {
                sharing: Some(SharingLevel::Public),
                stale_days: Some(90),
                ..FileFilter::default()
            },
            "files_by_sharing",
            true,
        ),
        (
            FileFilter {
                shared_with_domain: Some("fabrikam.com".into()),
                ..FileFilter::default()
            },
            "file_collaborators_by_domain",
            false,
        ),
        (
            FileFilter {
                owner: Some("alice@contoso.com".into()),
                instance_id: Some("m365_x".into()),
                ..FileFilter::default()
            },
            "files_by_owner",
            false,
        ),
    ] {
        for paged in [false, true] {
            let plan = e.files_query_plan(&f, paged).await.unwrap().join("\n");
            assert!(plan.contains(index), "{f:?}: {plan}");
            if sorted {
                assert!(
                    !plan.contains("TEMP B-TREE"),
                    "no sort of all files: {plan}"
                );
            }
        }
    }
}

#[tokio::test]
async fn big_sets_are_walked_newest_first_with_the_same_answer() {
    use cloudwarden_connectors::model::{Collaborator, FileItem, Raw, Records, Sharing};
    let dir = tempfile::tempdir().unwrap();
    let e = engine(&dir).await;
    let t = tenant(3);
    let g = fake(&t).await;
    let i = support::m365::connect(&e, &g, "Contoso").await;
    // More files than a set is read and sorted for (5,000): half named "roadmap", half shared
    // with fabrikam.com, modified in an order unrelated to the order they are written in.
    let file = |n: usize| FileItem {
        external_id: format!("big-{n}"),
        name: format!(
            "/Docs/{} {n}.docx",
            if n.is_multiple_of(2) {
                "Roadmap"
            } else {
                "Budget"
            }
        ),
        url: None,
        owner: Some("adele@contoso.com".into()),
        sharing: if n % 2 == 1 {
            Sharing::External
        } else {
            Sharing::Private
        },
        collaborators: if n % 2 == 1 {
            vec![Collaborator {
                account: format!("guest{n}@fabrikam.com"),
                permission: "read".into(),
                external: true,
            }]
        } else {
            Vec::new()
        },
        collaborators_complete: true,
        container: None,
        modified_at_ms: Some(1_700_000_000_000 + ((n * 7_919) % 12_000) as i64 * 1_000),
        raw: Raw::of(&serde_json::json!({ "n": n })),
    };
    for chunk in (0..12_000).collect::<Vec<_>>().chunks(3_000) {
        let r = Records {
            files: chunk.iter().map(|n| file(*n)).collect(),
            ..Records::default()
        };
        e.write_records(&i.id, "files", &[&r]).await.unwrap();
    }
    let everything = all(&e, &FileFilter::default()).await;
    for (f, keep) in [
        (
            FileFilter {
                text: Some("roadmap".into()),
                ..FileFilter::default()
            },
            (|r: &FileRow| r.external_id.starts_with("big-") && r.name.contains("Roadmap"))
                as fn(&FileRow) -> bool,
        ),
        (
            FileFilter {
                shared_with_domain: Some("fabrikam.com".into()),
                ..FileFilter::default()
            },
            |r: &FileRow| {
                r.external_id.starts_with("big-")
                    && r.external_id[4..].parse::<usize>().unwrap() % 2 == 1
            },
        ),
    ] {
        // The plan walks the files newest first (no sort of the set)…
        let plan = e.files_query_plan(&f, false).await.unwrap().join("\n");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
        // …and the first pages are exactly the newest matching files.
        let mut got = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..3 {
            let page = e.files(&f, cursor.as_deref(), Some(100)).await.unwrap();
            got.extend(page.items.into_iter().map(|r| r.external_id));
            cursor = page.next_cursor;
        }
        let want: Vec<String> = everything
            .iter()
            .filter(|r| keep(r))
            .take(300)
            .map(|r| r.external_id.clone())
            .collect();
        assert_eq!(got, want);
    }
}
