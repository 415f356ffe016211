//! The committed catalog is what the builder makes from the pinned sources, and it meets the
//! issue's bar: ≥ 5,000 apps, each with a domain, ≥ 80 % with a category, every factor sourced.

use std::collections::HashSet;

use cloudwarden_catalog::{build, categories, factors, Catalog};

#[test]
fn committed_artifact_is_current() {
    let sources = cloudwarden_catalog::default_sources_dir();
    assert!(
        sources.is_dir(),
        "{} is missing: the catalog sources sit beside the repository (../shared/catalog-sources) \
         or in CLOUDWARDEN_CATALOG_SOURCES",
        sources.display()
    );
    let fresh = build::build(&sources).unwrap();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let committed = std::fs::read_to_string(data.join("catalog.json")).unwrap();
    assert!(
        fresh.catalog_json == committed,
        "data/catalog.json is stale: run `make catalog` and commit it"
    );
    assert_eq!(
        fresh.notice,
        std::fs::read_to_string(data.join("NOTICE")).unwrap()
    );
    assert_eq!(
        fresh.psl,
        std::fs::read_to_string(data.join("public_suffix_list.dat")).unwrap()
    );
    // Deterministic: a second build gives the same bytes.
    assert!(build::build(&sources).unwrap().catalog_json == fresh.catalog_json);
}

#[test]
fn catalog_meets_size_and_coverage_bars() {
    let c = Catalog::builtin().unwrap();
    let stats = c.stats();
    assert!(stats.apps >= 5000, "{} apps", stats.apps);
    assert!(c.apps.iter().all(|a| !a.domains.is_empty()));
    assert!(
        stats.with_category * 100 >= stats.apps * 80,
        "{} of {} categorised",
        stats.with_category,
        stats.apps
    );
    let ids: HashSet<&str> = c.apps.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), c.apps.len(), "app ids are unique");
}

#[test]
fn every_value_cites_a_known_source() {
    let c = Catalog::builtin().unwrap();
    let sources: HashSet<&str> = c.sources.iter().map(|s| s.id.as_str()).collect();
    for s in &c.sources {
        assert!(
            !s.license.is_empty() && !s.as_of.is_empty() && !s.attribution.is_empty(),
            "{s:?}"
        );
    }
    for app in &c.apps {
        for (id, f) in &app.factors {
            assert!(
                factors::def(id).is_some(),
                "{}: unknown factor {id}",
                app.id
            );
            assert!(
                sources.contains(f.source.as_str()),
                "{}: {id} cites unknown source {}",
                app.id,
                f.source
            );
            assert_eq!(f.as_of.len(), 10, "{}: {id} as_of {}", app.id, f.as_of);
        }
        for d in &app.domains {
            assert!(
                !d.sources.is_empty() && d.sources.iter().all(|s| sources.contains(s.as_str())),
                "{}: {:?}",
                app.id,
                d
            );
        }
        for cat in &app.categories {
            assert!(
                categories::is_known(&cat.id),
                "{}: category {}",
                app.id,
                cat.id
            );
            assert!(sources.contains(cat.source.as_str()));
        }
    }
    // The share-alike Probo data is not in the default artifact…
    assert!(!sources.contains("probo-common-third-parties"));
    assert!(c.apps.iter().all(|a| a
        .factors
        .values()
        .all(|f| f.source != "probo-common-third-parties")));
    // …but in its own overlay, under its own licence, keyed by existing apps.
    let overlay = Catalog::probo_overlay().unwrap();
    assert_eq!(overlay.source.license, "CC-BY-SA-4.0");
    assert!(
        overlay.factors.len() > 300,
        "{} apps in the overlay",
        overlay.factors.len()
    );
    for (id, fs) in &overlay.factors {
        assert!(c.get(id).is_some(), "overlay names unknown app {id}");
        for (f, v) in fs {
            assert!(
                factors::def(f).is_some()
                    && v.source == "probo-common-third-parties"
                    && v.reference.is_some()
            );
        }
    }
}

/// Names as their owners write them: every app whose name could only come from a routing
/// list's file name (all of its rules from v2fly) has a reviewed name, and no name keeps a
/// list artefact (`!cn`, `@cn`) or is a single lower-case-after-capital acronym of a list file.
#[test]
fn every_routing_list_name_was_reviewed() {
    let c = Catalog::builtin().unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("curated/names.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let reviewed = doc["names"].as_object().unwrap();
    let mut unreviewed = Vec::new();
    for app in &c.apps {
        let from_lists = app
            .domains
            .iter()
            .all(|d| d.sources.iter().all(|s| s == "v2fly"));
        if from_lists && !reviewed.contains_key(&app.id) {
            unreviewed.push(format!("{} ({})", app.id, app.name));
        }
        assert!(
            !app.name.contains("!cn") && !app.name.contains("@cn"),
            "{}: {}",
            app.id,
            app.name
        );
        if let Some(name) = reviewed.get(&app.id).and_then(|v| v.as_str()) {
            assert_eq!(app.name, name, "{}: the reviewed name is applied", app.id);
        }
    }
    assert!(unreviewed.is_empty(), "names not reviewed: {unreviewed:?}");
    for (id, want) in [
        ("bbc", "BBC"),
        ("alibabacloud", "Alibaba Cloud"),
        ("nixos", "NixOS"),
        ("zoominfo", "ZoomInfo"),
        ("kkbox", "KKBOX"),
    ] {
        assert_eq!(c.get(id).map(|a| a.name.as_str()), Some(want), "{id}");
    }
}

/// Well-known apps sit where an analyst looks for them.
#[test]
fn well_known_apps_have_the_category_an_analyst_expects() {
    let c = Catalog::builtin().unwrap();
    for (id, cat) in [
        ("github", "code-hosting"),
        ("gitlab", "code-hosting"),
        ("bitbucket", "code-hosting"),
        ("zoom", "online-meetings"),
        ("bbc", "news-and-entertainment"),
        ("akamai", "hosting-services"),
        ("alibabacloud", "cloud-computing-platform"),
    ] {
        assert_eq!(c.get(id).and_then(|a| a.category()), Some(cat), "{id}");
    }
    let meetings = c
        .apps
        .iter()
        .filter(|a| a.category() == Some("online-meetings"))
        .count();
    assert!(meetings >= 10, "{meetings} online-meeting apps");
}
