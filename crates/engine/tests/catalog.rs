//! The effective catalog: search, custom apps that win over built-in data, score metric and
//! overrides, export/import.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::catalog::{
    AppQuery, AppSort, CustomAppInput, CustomFactorInput, FactorFilter, Weight,
};
use cloudwarden_engine::ErrorCode;

async fn fresh_engine() -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(Some(dir.path())).await.unwrap();
    (dir, engine)
}

fn acme_input() -> CustomAppInput {
    CustomAppInput {
        id: None,
        name: "Acme Files".into(),
        vendor: Some("Acme Corp".into()),
        domains: vec![
            "acmefiles.example".into(),
            "=upload.acme-cdn.example".into(),
        ],
        categories: vec!["cloud-storage".into()],
        factors: vec![CustomFactorInput {
            factor: "mfa_support".into(),
            value: "yes".into(),
            citation: "https://acmefiles.example/security".into(),
        }],
    }
}

#[tokio::test]
async fn search_filters_sorts_and_pages_in_the_engine() {
    let (_d, engine) = fresh_engine().await;
    let all = engine.search_apps(&AppQuery::default()).await.unwrap();
    assert!(all.total >= 5000);
    assert_eq!(all.rows.len(), 100);

    let q = AppQuery {
        text: Some("drive".into()),
        category: Some("cloud-storage".into()),
        ..Default::default()
    };
    let page = engine.search_apps(&q).await.unwrap();
    assert!(page.rows.iter().any(|r| r.id == "google-drive"));

    let no_mfa = AppQuery {
        factors: vec![FactorFilter {
            factor: "mfa_support".into(),
            value: "no".into(),
        }],
        limit: 1000,
        ..Default::default()
    };
    let page = engine.search_apps(&no_mfa).await.unwrap();
    assert!(page.total > 100);
    for r in &page.rows {
        let d = engine.app_detail(&r.id).await.unwrap();
        let f = d
            .groups
            .iter()
            .flat_map(|g| &g.factors)
            .find(|f| f.id == "mfa_support")
            .unwrap();
        assert_eq!(f.value.as_deref(), Some("No"));
    }

    let by_score = AppQuery {
        sort: AppSort::Score,
        descending: true,
        score_min: Some(5.0),
        limit: 50,
        ..Default::default()
    };
    let page = engine.search_apps(&by_score).await.unwrap();
    // Descending within each confidence band; confident scores first.
    let scores: Vec<(u8, f64)> = page
        .rows
        .iter()
        .map(|r| (u8::from(r.coverage < 0.5), r.score.unwrap()))
        .collect();
    assert!(
        scores
            .windows(2)
            .all(|w| w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 >= w[1].1)),
        "{scores:?}"
    );
    assert!(scores.iter().all(|s| s.1 >= 5.0));
}

#[tokio::test]
async fn a_custom_app_is_matched_and_wins_over_built_in_data() {
    let (_d, engine) = fresh_engine().await;
    let before = engine
        .match_hosts(&["files.acmefiles.example".into()])
        .await
        .unwrap();
    assert!(before[0].app.is_none());

    let saved = engine.save_custom_app(&acme_input()).await.unwrap();
    assert_eq!(saved.id, "acme-files");
    assert!(saved.custom && !saved.edits_builtin);
    let hosts = [
        "files.acmefiles.example".to_string(),
        "upload.acme-cdn.example".into(),
        "x.acme-cdn.example".into(),
    ];
    let m = engine.match_hosts(&hosts).await.unwrap();
    assert_eq!(m[0].app.as_ref().unwrap().id, "acme-files");
    assert_eq!(m[1].app.as_ref().unwrap().id, "acme-files");
    assert!(m[2].app.is_none(), "=host is an exact rule");
    let mfa = saved
        .groups
        .iter()
        .flat_map(|g| &g.factors)
        .find(|f| f.id == "mfa_support")
        .unwrap();
    assert_eq!(mfa.source.as_ref().unwrap().id, "analyst");
    assert_eq!(
        mfa.reference.as_deref(),
        Some("https://acmefiles.example/security")
    );

    // A custom app claiming a built-in domain takes it over.
    let mut input = acme_input();
    input.name = "Our Slack proxy".into();
    input.domains = vec!["slack.com".into()];
    engine.save_custom_app(&input).await.unwrap();
    let m = engine
        .match_hosts(&["acme.slack.com".into()])
        .await
        .unwrap();
    assert_eq!(m[0].app.as_ref().unwrap().id, "our-slack-proxy");

    // Editing a built-in app replaces its record; deleting the edit restores it.
    let mut edit = acme_input();
    edit.id = Some("dropbox".into());
    edit.name = "Dropbox (edited)".into();
    edit.domains = vec!["dropbox.com".into()];
    let d = engine.save_custom_app(&edit).await.unwrap();
    assert!(d.edits_builtin && d.name == "Dropbox (edited)");
    engine.delete_custom_app("dropbox").await.unwrap();
    assert_eq!(engine.app_detail("dropbox").await.unwrap().name, "Dropbox");
}

#[tokio::test]
async fn custom_apps_need_a_citation_for_every_factor() {
    let (_d, engine) = fresh_engine().await;
    let mut input = acme_input();
    input.factors[0].citation = "  ".into();
    let err = engine.save_custom_app(&input).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("citation"), "{err}");
    let mut input = acme_input();
    input.domains = vec!["not a domain".into()];
    assert_eq!(
        engine.save_custom_app(&input).await.unwrap_err().code(),
        ErrorCode::Validation
    );
}

#[tokio::test]
async fn export_and_import_round_trip() {
    let (_d, engine) = fresh_engine().await;
    engine.save_custom_app(&acme_input()).await.unwrap();
    let json = engine.export_custom_apps().await.unwrap();

    let (_d2, other) = fresh_engine().await;
    assert_eq!(other.import_custom_apps(&json, false).await.unwrap(), 1);
    let m = other
        .match_hosts(&["acmefiles.example".into()])
        .await
        .unwrap();
    assert_eq!(m[0].app.as_ref().unwrap().id, "acme-files");
    assert!(other
        .import_custom_apps(
            "{\"format\":1,\"apps\":[{\"id\":\"x\",\"name\":\"X\",\"domains\":[]}]}",
            false
        )
        .await
        .is_err());
    assert!(other.import_custom_apps("not json", false).await.is_err());
}

/// An exported app as JSON, with its id, name and domain patterns replaced.
fn export_with(id: &str, name: &str, patterns: &[&str]) -> String {
    let domains: Vec<_> = patterns
        .iter()
        .map(|p| serde_json::json!({"pattern": p, "match": "suffix", "role": "primary", "sources": ["analyst"]}))
        .collect();
    serde_json::json!({"format": 1, "apps": [{
        "id": id, "name": name, "aliases": [], "vendor": null, "domains": domains,
        "categories": [], "factors": {}, "links": []
    }]})
    .to_string()
}

#[tokio::test]
async fn hostile_imports_and_names_are_refused_before_anything_is_saved() {
    let (_d, engine) = fresh_engine().await;
    // A name that would put `http_access allow all` on a line of its own in a Squid ACL.
    let err = engine
        .import_custom_apps(
            &export_with(
                "evil-app",
                "Evil App\nhttp_access allow all",
                &["evil.example"],
            ),
            false,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("U+000A"), "{err}");
    // A pattern that closes FortiGate's `set url "…"` and opens `config system admin`.
    let err = engine
        .import_custom_apps(
            &export_with(
                "evil-app",
                "Evil App",
                &["x.com\"\n            next\n        end\nconfig system admin"],
            ),
            false,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is not a domain"), "{err}");
    for bad_id in ["Evil App", "../x", ""] {
        assert!(engine
            .import_custom_apps(&export_with(bad_id, "Evil", &["evil.example"]), false)
            .await
            .is_err());
    }
    // The add-app form refuses the same name.
    let mut input = acme_input();
    input.name = "Acme\nhttp_access allow all".into();
    assert_eq!(
        engine.save_custom_app(&input).await.unwrap_err().code(),
        ErrorCode::Validation
    );
    assert!(engine
        .export_custom_apps()
        .await
        .unwrap()
        .contains("\"apps\": []"));
}

#[tokio::test]
async fn an_import_that_replaces_a_built_in_app_needs_confirmation() {
    let (dir, engine) = fresh_engine().await;
    let json = export_with("dropbox", "Dropbox (ours)", &["dropbox.example"]);
    let path = dir.path().join("import.json");
    std::fs::write(&path, &json).unwrap();
    let preview = engine.preview_custom_apps_import(&path).await.unwrap();
    assert_eq!(preview.apps, vec!["Dropbox (ours)".to_owned()]);
    assert_eq!(preview.replaces_builtin, vec!["Dropbox".to_owned()]);

    let err = engine
        .import_custom_apps_from(&path, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("would replace 1 built-in app (Dropbox)"),
        "{err}"
    );
    assert_eq!(engine.app_detail("dropbox").await.unwrap().name, "Dropbox");

    assert_eq!(
        engine.import_custom_apps_from(&path, true).await.unwrap(),
        1
    );
    assert_eq!(
        engine.app_detail("dropbox").await.unwrap().name,
        "Dropbox (ours)"
    );
}

#[tokio::test]
async fn score_metric_and_overrides_change_the_score() {
    let (dir, engine) = fresh_engine().await;
    let before = engine.app_detail("dropbox").await.unwrap();
    let mut metric = engine.score_metric().await.unwrap();
    for f in &mut metric.factors {
        if f.id == "sso_paid_tier_only" {
            f.weight = Weight::VeryHigh;
        }
    }
    for g in &mut metric.groups {
        if g.group == "general" {
            g.weight = Weight::VeryHigh;
        }
    }
    engine.set_score_metric(&metric).await.unwrap();
    let after = engine.app_detail("dropbox").await.unwrap();
    assert!(
        after.score.unwrap() < before.score.unwrap(),
        "{:?} → {:?}",
        before.score,
        after.score
    );

    // The metric is stored.
    engine.close().await;
    let engine = Engine::open(Some(dir.path())).await.unwrap();
    let m = engine.score_metric().await.unwrap();
    assert_eq!(
        m.groups
            .iter()
            .find(|g| g.group == "general")
            .unwrap()
            .weight,
        Weight::VeryHigh
    );

    // Overrides need a note.
    assert!(engine
        .set_score_override("dropbox", 2.0, " ")
        .await
        .is_err());
    let d = engine
        .set_score_override("dropbox", 2.0, "Unsanctioned by policy DOC-12")
        .await
        .unwrap();
    assert_eq!(d.score, Some(2.0));
    assert_eq!(
        d.score_override.unwrap().note,
        "Unsanctioned by policy DOC-12"
    );
    let d = engine.clear_score_override("dropbox").await.unwrap();
    assert_eq!(d.score, d.computed_score);
}

#[tokio::test]
async fn the_share_alike_overlay_applies_only_when_turned_on() {
    let (_d, engine) = fresh_engine().await;
    let soc2 = |d: &cloudwarden_engine::domain::catalog::AppDetail| {
        d.groups
            .iter()
            .flat_map(|g| &g.factors)
            .find(|f| f.id == "soc2")
            .unwrap()
            .clone()
    };
    let before = engine.app_detail("1password").await.unwrap();
    assert_eq!(soc2(&before).value, None, "off by default");
    assert!(!engine
        .catalog_stats()
        .await
        .unwrap()
        .sources
        .iter()
        .any(|s| s.id == "probo-common-third-parties"));

    let mut metric = engine.score_metric().await.unwrap();
    assert!(!metric.share_alike_overlay);
    metric.share_alike_overlay = true;
    engine.set_score_metric(&metric).await.unwrap();
    let after = engine.app_detail("1password").await.unwrap();
    let f = soc2(&after);
    assert_eq!(f.value.as_deref(), Some("Yes"));
    let source = f.source.unwrap();
    assert_eq!(
        (source.id.as_str(), source.license.as_str()),
        ("probo-common-third-parties", "CC-BY-SA-4.0")
    );
    assert_eq!(f.method.as_deref(), Some("vendor-asserted"));
    assert!(after.coverage > before.coverage);
    assert!(engine
        .catalog_stats()
        .await
        .unwrap()
        .sources
        .iter()
        .any(|s| s.id == "probo-common-third-parties"));
}

#[tokio::test]
async fn scores_say_how_much_is_known_and_confident_ones_rank_first() {
    use cloudwarden_engine::domain::catalog::Confidence;
    let (_d, engine) = fresh_engine().await;
    let page = engine
        .search_apps(&AppQuery {
            sort: AppSort::Score,
            descending: true,
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut lows = 0;
    for r in &page.rows {
        let expected = match r.score {
            None => Confidence::NotEnoughData,
            Some(_) if r.coverage < 0.5 => Confidence::Low,
            Some(_) => Confidence::High,
        };
        assert_eq!(r.confidence, expected, "{} ({})", r.id, r.coverage);
        lows += usize::from(r.confidence == Confidence::Low);
    }
    assert!(lows > 0, "the built-in data has low-confidence scores");
    // No low-confidence or unscored app ranks above a confident one.
    let first_not_high = page
        .rows
        .iter()
        .position(|r| r.confidence != Confidence::High)
        .unwrap();
    assert!(page.rows[first_not_high..]
        .iter()
        .all(|r| r.confidence != Confidence::High));
    // The app page and host matches carry it too; an analyst's override is confident.
    let low = page
        .rows
        .iter()
        .find(|r| r.confidence == Confidence::Low)
        .unwrap();
    assert_eq!(
        engine.app_detail(&low.id).await.unwrap().confidence,
        Confidence::Low
    );
    let o = engine
        .set_score_override(&low.id, 3.0, "reviewed the vendor")
        .await
        .unwrap();
    assert_eq!(o.confidence, Confidence::High);
}

#[tokio::test]
async fn apps_are_sanctioned_from_the_catalog_one_or_many_at_once() {
    use cloudwarden_engine::domain::discovery::AppTag;
    let (_d, engine) = fresh_engine().await;
    let ids = vec!["dropbox".to_owned(), "box".to_owned()];
    assert_eq!(
        engine
            .set_app_tags(&ids, Some(AppTag::Unsanctioned))
            .await
            .unwrap(),
        2
    );
    engine
        .set_app_tags(&["slack".to_owned()], Some(AppTag::Sanctioned))
        .await
        .unwrap();
    let unsanctioned = engine
        .search_apps(&AppQuery {
            tag: Some(AppTag::Unsanctioned),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut found: Vec<&str> = unsanctioned.rows.iter().map(|r| r.id.as_str()).collect();
    found.sort_unstable();
    assert_eq!(found, ["box", "dropbox"]);
    assert!(unsanctioned
        .rows
        .iter()
        .all(|r| r.tag == Some(AppTag::Unsanctioned)));
    assert_eq!(
        engine.app_detail("slack").await.unwrap().tag,
        Some(AppTag::Sanctioned)
    );
    // The same decision drives the block list.
    let (list, _, apps) = engine
        .block_list(
            cloudwarden_engine::domain::discovery::BlockListFormat::Plain,
            &[],
        )
        .await
        .unwrap();
    assert_eq!(apps, 2);
    assert!(list.contains("dropbox.com"));
    // An unknown id refuses the whole request.
    let err = engine
        .set_app_tags(&["slack".to_owned(), "no-such-app".to_owned()], None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert_eq!(
        engine.app_detail("slack").await.unwrap().tag,
        Some(AppTag::Sanctioned)
    );
    engine.set_app_tags(&ids, None).await.unwrap();
    assert_eq!(engine.app_detail("dropbox").await.unwrap().tag, None);
}

/// Every domain-like token of a block list in any syntax (`.x`, `*.x`, `"x"`, bare `x`).
fn listed_domains(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| l.split(|c: char| c.is_whitespace() || c == '"'))
        .map(|t| t.trim_start_matches("*.").trim_start_matches('.'))
        .filter(|t| {
            t.contains('.')
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        })
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn no_block_list_carries_shared_infrastructure_even_for_the_fifty_largest_apps() {
    use cloudwarden_engine::domain::discovery::{AppTag, BlockListFormat};
    let (_d, engine) = fresh_engine().await;
    let catalog = cloudwarden_catalog::Catalog::builtin().unwrap();
    assert!(
        catalog.shared.len() >= 40,
        "the curated shared-infrastructure list is loaded"
    );
    // The 50 apps with the most domain rules.
    let mut apps: Vec<_> = catalog.apps.iter().collect();
    apps.sort_by_key(|a| std::cmp::Reverse(a.domains.len()));
    let ids: Vec<String> = apps.iter().take(50).map(|a| a.id.clone()).collect();
    engine
        .set_app_tags(&ids, Some(AppTag::Unsanctioned))
        .await
        .unwrap();
    // Hosts every firewall admin knows serve thousands of unrelated sites, beside the list.
    let well_known = [
        "cloudfront.net",
        "akamaized.net",
        "akamaihd.net",
        "akamai.net",
        "edgekey.net",
        "edgesuite.net",
        "llnwd.net",
        "fastly.net",
        "azureedge.net",
        "s3.amazonaws.com",
        "amazonaws.com",
        "blob.core.windows.net",
        "windows.net",
        "storage.googleapis.com",
        "googleusercontent.com",
        "gstatic.com",
        "herokuapp.com",
        "github.io",
        "in-addr.arpa",
        "ip6.arpa",
        "doubleclick.net",
        "googletagmanager.com",
        "google-analytics.com",
    ];
    let curated: Vec<&str> = catalog.shared.iter().map(|s| s.suffix.as_str()).collect();
    // Nothing at, under or above a curated suffix (a bucket host that names its tenant, such
    // as `ebay-assets.s3-us-west-1.amazonaws.com`, blocks only that tenant and may stay);
    // nothing at or above a well-known one.
    let touches = |d: &str| {
        let above = |s: &str| d == s || s.ends_with(&format!(".{d}"));
        curated
            .iter()
            .find(|s| above(s) || d.ends_with(&format!(".{s}")))
            .or_else(|| well_known.iter().find(|s| above(s)))
            .copied()
    };
    let plan = engine.block_list_plan().await.unwrap();
    assert_eq!(plan.apps, 50);
    let kept_out: Vec<_> = plan
        .domains
        .iter()
        .filter(|d| d.excluded.is_some())
        .collect();
    // Every plan row says why it is there; whatever touches shared infrastructure is kept out.
    for d in &plan.domains {
        assert!(d.reason.contains(&d.app_name), "{d:?}");
        if let Some(s) = touches(&d.domain) {
            assert!(
                d.excluded.is_some(),
                "{} touches {s} but is not kept out",
                d.domain
            );
        }
    }
    let mut total = 0;
    for format in [
        BlockListFormat::Plain,
        BlockListFormat::Squid,
        BlockListFormat::PanosEdl,
        BlockListFormat::Zscaler,
        BlockListFormat::Fortigate,
    ] {
        // Even when the analyst unticks nothing.
        let (text, entries, n) = engine.block_list(format, &[]).await.unwrap();
        assert_eq!(n, 50);
        assert!(entries > 100, "{format:?}: {entries}");
        let domains = listed_domains(&text);
        assert!(!domains.is_empty());
        for d in &domains {
            assert!(
                touches(d).is_none(),
                "{format:?} carries {d}, shared infrastructure"
            );
            assert!(
                !kept_out.iter().any(|k| k.domain == *d),
                "{format:?} carries {d}, which the plan keeps out"
            );
        }
        total += domains.len();
    }
    assert!(total > 500);
    // An unticked domain leaves every syntax.
    let first = plan.domains.iter().find(|d| d.excluded.is_none()).unwrap();
    let (text, _, _) = engine
        .block_list(BlockListFormat::Squid, std::slice::from_ref(&first.domain))
        .await
        .unwrap();
    assert!(!listed_domains(&text).contains(&first.domain));
}

#[tokio::test]
async fn routing_list_domains_without_evidence_do_not_attribute_traffic() {
    let (_d, engine) = fresh_engine().await;
    let m = |h: &'static str| {
        let engine = &engine;
        async move {
            engine
                .match_hosts(&[h.to_owned()])
                .await
                .unwrap()
                .remove(0)
                .app
                .map(|a| a.id)
        }
    };
    // Wrongly grouped by routing lists before: now unattributed, or with their own brand.
    assert_eq!(m("gitlab.net").await.as_deref(), Some("gitlab"));
    assert_eq!(m("netflix.ca").await.as_deref(), Some("netflix"));
    assert_ne!(m("youku.com").await.as_deref(), Some("alibabacloud"));
    assert_ne!(m("espn.co.uk").await.as_deref(), Some("adobe"));
    // Shared infrastructure belongs to no app.
    for h in [
        "d1abcdef.cloudfront.net",
        "a248.e.akamai.net",
        "x.llnwd.net",
        "1.0.0.10.in-addr.arpa",
        "bucket.s3.amazonaws.com",
    ] {
        assert_eq!(m(h).await, None, "{h}");
    }
    // The app page still shows the related domain, marked unverified.
    let adobe = engine.app_detail("adobe").await.unwrap();
    let espn = adobe.domains.iter().find(|d| d.pattern == "espn.co.uk");
    if let Some(espn) = espn {
        assert!(!espn.attributes);
        assert_eq!(espn.trust, "unverified");
    }
    assert!(adobe.domains.iter().all(|d| !d.why.is_empty()));
}

#[tokio::test]
async fn search_says_what_matched_and_ranks_the_name_first() {
    let (_d, engine) = fresh_engine().await;
    let page = engine
        .search_apps(&AppQuery {
            text: Some("zoom".into()),
            ..AppQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        page.rows[0].id,
        "zoom",
        "{:?}",
        page.rows.iter().take(5).map(|r| &r.id).collect::<Vec<_>>()
    );
    assert_eq!(page.rows[0].matched.as_deref(), Some("name"));
    let rank = |m: &str| match m.split(": ").next() {
        Some("name") => 0,
        Some("alias") => 1,
        Some("vendor") => 2,
        Some("domain") => 3,
        _ => panic!("{m}"),
    };
    let ranks: Vec<i32> = page
        .rows
        .iter()
        .map(|r| rank(r.matched.as_deref().unwrap()))
        .collect();
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "name matches come first: {ranks:?}"
    );
    // An app found by one of its domains says which one (Nike by nikezoom.com).
    if let Some(nike) = page.rows.iter().find(|r| r.id == "nike") {
        assert_eq!(nike.matched.as_deref(), Some("domain: nikezoom.com"));
    }
}
