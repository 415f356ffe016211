//! Cloud Discovery reports as the report page sees them: summary, drill-down, tags, exports,
//! re-matching after a catalog change, progress and anonymization.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use cloudwarden_discovery::pipeline::Progress;
use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::catalog::CustomAppInput;
use cloudwarden_engine::domain::discovery::{
    AppTag, BlockListFormat, DiscoveryRequest, DiscoveryResult, DiscoverySettings,
};
use cloudwarden_engine::ErrorCode;

fn sample(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/discovery")
        .join(rel)
        .display()
        .to_string()
}

fn request(report: &str, files: &[&str]) -> DiscoveryRequest {
    DiscoveryRequest {
        files: files.iter().map(|f| sample(f)).collect(),
        format: None,
        report: Some(report.into()),
        dry_run: false,
    }
}

async fn upload(engine: &Engine, r: DiscoveryRequest) -> DiscoveryResult {
    engine
        .discover(
            r,
            Arc::new(Progress::default()),
            Arc::new(AtomicBool::new(false)),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn the_report_view_adds_up_and_drills_down() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(Some(dir.path())).await.unwrap();
    let result = upload(&engine, request("Squid", &["squid/test-access.log"])).await;
    let id = result.report_id.unwrap();
    let view = engine.discovery_report_view(&id).await.unwrap();

    assert_eq!(view.info.name, "Squid");
    assert_eq!(view.info.uploads, 1);
    assert_eq!(view.info.lines_total, result.lines.total);
    assert_eq!(view.uploads.len(), 1);
    assert_eq!(view.uploads[0].lines.parsed, result.lines.parsed);
    let s = &view.summary;
    assert_eq!(s.apps as usize, view.apps.len());
    assert_eq!(
        s.transactions, result.lines.parsed,
        "every parsed line is one transaction"
    );
    // The sample names three users (adeolaegbedokun, badeyek, nazsoau; "-" is no user) and
    // comes from nine source IPs (`awk '{print $3}' | sort -u`).
    assert_eq!((s.users, s.ips), (3, 9));
    assert_eq!(
        s.risk.high + s.risk.medium + s.risk.low + s.risk.unscored,
        s.apps
    );
    assert_eq!(s.tags.untagged, s.apps);

    let yahoo = view.apps.iter().find(|a| a.app_id == "yahoo").unwrap();
    let detail = engine
        .discovery_usage_detail(&id, "app", "yahoo")
        .await
        .unwrap();
    let day_total: u64 = detail.days.iter().map(|d| d.transactions).sum();
    let ip_total: u64 = detail.ips.iter().map(|d| d.transactions).sum();
    assert_eq!(day_total, yahoo.transactions);
    assert_eq!(ip_total, yahoo.transactions);
    assert_eq!(detail.users.len() as u64, yahoo.users);
    assert_eq!(detail.days[0].label, "2006-09-08");
    assert!(detail.users.iter().all(|u| !u.pseudonymous));

    let err = engine
        .discovery_usage_detail(&id, "app", "no-such-app")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    let err = engine.discovery_report_view("rpt_nope").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);

    // Rename, list, delete.
    engine
        .rename_discovery_report(&id, "Proxy, September")
        .await
        .unwrap();
    let reports = engine.discovery_reports().await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].name, "Proxy, September");
    assert_eq!(reports[0].apps, s.apps);
    engine.delete_discovery_report(&id).await.unwrap();
    assert!(engine.discovery_reports().await.unwrap().is_empty());
}

#[tokio::test]
async fn tags_drive_the_block_list_and_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(Some(dir.path())).await.unwrap();
    let id = upload(&engine, request("Squid", &["squid/test-access.log"]))
        .await
        .report_id
        .unwrap();

    let err = engine
        .block_list(BlockListFormat::Plain, &[])
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation, "nothing to block yet");
    let err = engine
        .set_app_tag("no-such-app", Some(AppTag::Unsanctioned))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);

    engine
        .set_app_tag("yahoo", Some(AppTag::Unsanctioned))
        .await
        .unwrap();
    let view = engine.discovery_report_view(&id).await.unwrap();
    let yahoo = view.apps.iter().find(|a| a.app_id == "yahoo").unwrap();
    assert_eq!(yahoo.tag, Some(AppTag::Unsanctioned));
    assert_eq!(view.summary.tags.unsanctioned, 1);

    let (squid, entries, apps) = engine
        .block_list(BlockListFormat::Squid, &[])
        .await
        .unwrap();
    assert_eq!(apps, 1);
    assert!(entries >= 1);
    assert!(
        squid.contains("acl cloudwarden_unsanctioned dstdomain .yahoo.com\n"),
        "{squid}"
    );
    assert!(squid.contains("http_access deny cloudwarden_unsanctioned"));
    let out = dir.path().join("edl.txt");
    let written = engine
        .export_block_list(BlockListFormat::PanosEdl, &[], &out)
        .await
        .unwrap();
    let edl = std::fs::read_to_string(&out).unwrap();
    assert_eq!(edl.lines().count() as u32, written.entries);
    assert!(edl.lines().any(|l| l == "*.yahoo.com"), "{edl}");

    // Sanctioning takes it off the block list.
    engine
        .set_app_tag("yahoo", Some(AppTag::Sanctioned))
        .await
        .unwrap();
    assert!(engine
        .block_list(BlockListFormat::Plain, &[])
        .await
        .is_err());
    engine.set_app_tag("yahoo", None).await.unwrap();
    let view = engine.discovery_report_view(&id).await.unwrap();
    assert_eq!(view.summary.tags.untagged, view.summary.apps);

    let csv_path = dir.path().join("report.csv");
    let csv = engine.export_discovery_csv(&id, &csv_path).await.unwrap();
    let text = std::fs::read_to_string(&csv_path).unwrap();
    assert_eq!(
        csv.entries as usize,
        view.apps.len() + view.unmatched_domains.len()
    );
    assert_eq!(text.lines().count(), csv.entries as usize + 1);
    let yahoo_row = text.lines().find(|l| l.contains(",yahoo,")).unwrap();
    assert!(yahoo_row.starts_with("app,Yahoo"), "{yahoo_row}");
}

#[tokio::test]
async fn an_unmatched_domain_added_as_a_custom_app_moves_into_the_apps() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(Some(dir.path())).await.unwrap();
    let id = upload(&engine, request("Squid", &["squid/test-access.log"]))
        .await
        .report_id
        .unwrap();
    let view = engine.discovery_report_view(&id).await.unwrap();
    let domain = view
        .unmatched_domains
        .iter()
        .find(|d| d.kind == "domain")
        .unwrap()
        .clone();
    let before = engine
        .discovery_usage_detail(&id, "domain", &domain.domain)
        .await
        .unwrap();

    let app = engine
        .save_custom_app(&CustomAppInput {
            id: None,
            name: "Gooner News".into(),
            vendor: None,
            domains: vec![domain.domain.clone()],
            categories: vec![],
            factors: vec![],
        })
        .await
        .unwrap();

    let view = engine.discovery_report_view(&id).await.unwrap();
    assert!(!view
        .unmatched_domains
        .iter()
        .any(|d| d.domain == domain.domain));
    let moved = view.apps.iter().find(|a| a.app_id == app.id).unwrap();
    assert_eq!(moved.name, "Gooner News");
    assert_eq!(moved.transactions, domain.transactions);
    assert_eq!(moved.users, domain.users);
    let after = engine
        .discovery_usage_detail(&id, "app", &app.id)
        .await
        .unwrap();
    assert_eq!(after.users, before.users);
    assert_eq!(after.days, before.days);
}

#[tokio::test]
async fn a_job_reports_progress_and_can_be_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(Some(dir.path())).await.unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let result = engine
        .discover_job(
            "job-1",
            request(
                "Two files",
                &["squid/test-access.log", "fortigate/test-fortinet.log"],
            ),
            move |p| sink.lock().unwrap().push(p),
        )
        .await
        .unwrap();
    let seen = seen.lock().unwrap();
    let last = seen.last().unwrap();
    assert_eq!(last.job_id, "job-1");
    assert_eq!(last.lines, result.lines.total);
    assert_eq!(last.files, 2);
    assert_eq!(last.file_bytes, last.total_file_bytes);
    assert!(!engine.cancel_discovery("job-1"), "the job is over");
}

#[tokio::test]
async fn anonymized_users_are_pseudonyms_until_revealed_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open_with(
        Some(dir.path()),
        cloudwarden_engine::secrets::SecretStore::in_memory(),
    )
    .await
    .unwrap();
    let plain = upload(&engine, request("Plain", &["squid/test-access.log"]))
        .await
        .report_id
        .unwrap();
    engine
        .set_discovery_settings(DiscoverySettings {
            anonymize_users: true,
        })
        .await
        .unwrap();
    assert!(engine.discovery_settings().await.unwrap().anonymize_users);
    let anon = upload(&engine, request("Anonymized", &["squid/test-access.log"]))
        .await
        .report_id
        .unwrap();

    let real = engine
        .discovery_usage_detail(&plain, "app", "yahoo")
        .await
        .unwrap();
    let masked = engine
        .discovery_usage_detail(&anon, "app", "yahoo")
        .await
        .unwrap();
    assert_eq!(real.users.len(), masked.users.len());
    assert!(masked
        .users
        .iter()
        .all(|u| u.pseudonymous && u.label.starts_with("anon-")));
    let real_names: Vec<&str> = real.users.iter().map(|u| u.label.as_str()).collect();
    assert!(masked
        .users
        .iter()
        .all(|u| !real_names.contains(&u.label.as_str())));
    let pseudonym = &masked.users[0].label;
    let err = engine.reveal_user(pseudonym, "  ").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    let revealed = engine
        .reveal_user(pseudonym, "incident INC-42: data exfiltration")
        .await
        .unwrap();
    assert!(
        real_names.contains(&revealed.name.as_str()),
        "{}",
        revealed.name
    );
    let log = engine.audit_log(10).await.unwrap();
    assert_eq!(log[0].action, "reveal_user");
    assert_eq!(&log[0].subject, pseudonym);
    assert_eq!(log[0].detail, "incident INC-42: data exfiltration");
    assert_eq!(log[1].action, "anonymization_on");
    // Source addresses are pseudonyms too, and revealed the same way.
    assert_eq!(real.ips.len(), masked.ips.len());
    assert!(masked
        .ips
        .iter()
        .all(|i| i.pseudonymous && i.label.starts_with("anon-ip-")));
    let real_ips: Vec<&str> = real.ips.iter().map(|i| i.label.as_str()).collect();
    let ip = engine
        .reveal_user(&masked.ips[0].label, "incident INC-42: which host")
        .await
        .unwrap();
    assert!(real_ips.contains(&ip.name.as_str()), "{}", ip.name);
    // The same user gets the same pseudonym in every upload.
    let again = upload(&engine, request("Anonymized", &["squid/test-access.log"])).await;
    assert!(again.report_id.is_some());
    let masked2 = engine
        .discovery_usage_detail(&anon, "app", "yahoo")
        .await
        .unwrap();
    assert_eq!(masked2.users.len(), masked.users.len());

    // Malformed lines kept as samples lose who and where, in what is shown and what is stored.
    let log = dir.path().join("mixed.log");
    std::fs::write(
        &log,
        "1700000000.000 5 10.9.8.7 TCP_MISS/200 500 GET http://www.dropbox.com/ mallory DIRECT/1.2.3.4 text/html\n\
         garbage from 10.9.8.7 user=mallory mail=mallory@example.com\n",
    )
    .unwrap();
    let shown = upload(
        &engine,
        DiscoveryRequest {
            files: vec![log.display().to_string()],
            format: Some("squid".into()),
            report: Some("Samples".into()),
            dry_run: false,
        },
    )
    .await;
    let view = engine
        .discovery_report_view(&shown.report_id.clone().unwrap())
        .await
        .unwrap();
    let stored: Vec<&str> = view.uploads[0]
        .samples
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    let shown: Vec<&str> = shown
        .malformed_samples
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(shown.len(), 1, "{shown:?}");
    for text in shown.iter().chain(&stored) {
        assert!(text.starts_with("garbage from anon-ip-"), "{text}");
        for secret in ["10.9.8.7", "mallory"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }

    // Turning anonymization off is on the record too.
    engine
        .set_discovery_settings(DiscoverySettings {
            anonymize_users: false,
        })
        .await
        .unwrap();
    let log = engine.audit_log(1).await.unwrap();
    assert_eq!(log[0].action, "anonymization_off");
}

#[tokio::test]
async fn a_saved_custom_format_reads_an_analysts_csv() {
    use cloudwarden_engine::domain::discovery::{CustomFormatDef, TimeLayout};
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(Some(dir.path())).await.unwrap();
    let csv = dir.path().join("export.csv");
    std::fs::write(
        &csv,
        "when;client;who;site;sent;received;verdict\n\
         2026-11-02 08:00:00;10.1.1.5;alice;www.dropbox.com;1200;50000;ALLOW\n\
         2026-11-02 08:05:00;10.1.1.6;bob;www.dropbox.com;300;100;BLOCK\n\
         2026-11-03 09:00:00;10.1.1.5;alice;intranet.example;10;20;ALLOW\n\
         not a line\n",
    )
    .unwrap();

    let preview = engine.preview_log(&csv, None).await.unwrap();
    assert_eq!(preview.delimiter, ';');
    assert_eq!(preview.columns[0][3], "site");
    assert_eq!(preview.columns.len(), 5);

    let mut def = CustomFormatDef {
        name: "Branch proxy".into(),
        delimiter: ';',
        has_header: true,
        timestamp: 0,
        timestamp_layout: TimeLayout::DateTime,
        src_ip: Some(1),
        user: Some(2),
        host: None,
        url: None,
        bytes_up: Some(4),
        bytes_down: Some(5),
        action: Some(6),
        blocked_values: vec!["block".into()],
    };
    let err = engine.save_custom_format(def.clone()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation, "no destination column");
    def.host = Some(3);
    engine.save_custom_format(def).await.unwrap();
    let formats = engine.discovery_formats().await.unwrap();
    assert!(formats.iter().any(|f| f.id == "custom:Branch proxy"));

    let mut r = request("Custom", &[]);
    r.files = vec![csv.display().to_string()];
    r.format = Some("custom:Branch proxy".into());
    let result = upload(&engine, r).await;
    assert_eq!(result.format, "custom:Branch proxy");
    assert_eq!(
        (
            result.lines.total,
            result.lines.parsed,
            result.lines.skipped
        ),
        (5, 3, 2)
    );
    let dropbox = result.apps.iter().find(|a| a.app_id == "dropbox").unwrap();
    assert_eq!(
        (
            dropbox.transactions,
            dropbox.bytes_up,
            dropbox.bytes_down,
            dropbox.blocked,
            dropbox.users
        ),
        (2, 1500, 50100, 1, 2)
    );

    let mut r = request("Custom", &[]);
    r.files = vec![csv.display().to_string()];
    r.format = Some("custom:Nope".into());
    let err = engine
        .discover(
            r,
            Arc::new(Progress::default()),
            Arc::new(AtomicBool::new(false)),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no custom format named"), "{err}");
    engine.delete_custom_format("Branch proxy").await.unwrap();
    assert!(!engine
        .discovery_formats()
        .await
        .unwrap()
        .iter()
        .any(|f| f.id.starts_with("custom:")));
}

#[tokio::test]
async fn one_absurd_line_never_poisons_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(Some(dir.path())).await.unwrap();
    let log = dir.path().join("absurd.log");
    // i64::MAX bytes, then u64::MAX bytes, to the same host: three uploads to one report.
    let line = |bytes: &str| {
        format!("1700000000.000 5 10.1.2.3 TCP_MISS/200 {bytes} GET http://www.dropbox.com/ alice DIRECT/1.2.3.4 text/html\n")
    };
    let mut id = None;
    for bytes in [i64::MAX.to_string(), u64::MAX.to_string(), "10".into()] {
        std::fs::write(&log, line(&bytes)).unwrap();
        let r = DiscoveryRequest {
            files: vec![log.display().to_string()],
            format: Some("squid".into()),
            report: Some("Absurd".into()),
            dry_run: false,
        };
        let result = engine
            .discover(
                r,
                Arc::new(Progress::default()),
                Arc::new(AtomicBool::new(false)),
            )
            .await
            .unwrap_or_else(|e| panic!("upload of a {bytes}-byte line: {e}"));
        id = result.report_id;
    }
    let view = engine.discovery_report_view(&id.unwrap()).await.unwrap();
    assert_eq!(view.info.uploads, 3);
    let dropbox = view.apps.iter().find(|a| a.app_id == "dropbox").unwrap();
    assert_eq!(dropbox.transactions, 3);
    assert_eq!(
        dropbox.bytes_down,
        i64::MAX as u64,
        "saturated, not wrapped"
    );
    assert_eq!(view.summary.bytes_down, i64::MAX as u64);
}

#[tokio::test]
async fn an_upload_waits_for_a_locked_database_and_leaves_no_empty_report() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(Some(dir.path())).await.unwrap();
    // Another process holds the write lock longer than the 5-s busy timeout.
    let mut other = sqlx::SqliteConnection::connect_with(
        &sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.path().join("cloudwarden.sqlite3"))
            .busy_timeout(std::time::Duration::from_secs(1)),
    )
    .await
    .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    let upload = {
        let engine = engine.clone();
        tokio::spawn(async move {
            engine
                .discover(
                    request("Locked", &["squid/test-access.log"]),
                    Arc::new(Progress::default()),
                    Arc::new(AtomicBool::new(false)),
                )
                .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_secs(7)).await;
    assert!(!upload.is_finished(), "it waits rather than failing");
    sqlx::query("COMMIT").execute(&mut other).await.unwrap();
    let result = upload.await.unwrap().unwrap();
    let view = engine
        .discovery_report_view(&result.report_id.unwrap())
        .await
        .unwrap();
    assert_eq!(view.info.lines_total, 100);

    // An upload that fails (a file that is not a log) leaves no empty report behind.
    let bad = dir.path().join("not-a-log.bin");
    std::fs::write(&bad, [0u8, 159, 146, 150, 0, 1, 2, 3].repeat(1000)).unwrap();
    let failed = engine
        .discover(
            DiscoveryRequest {
                files: vec![bad.display().to_string()],
                format: None,
                report: Some("Never".into()),
                dry_run: false,
            },
            Arc::new(Progress::default()),
            Arc::new(AtomicBool::new(false)),
        )
        .await;
    assert!(failed.is_err());
    let names: Vec<String> = engine
        .discovery_reports()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, vec!["Locked".to_owned()]);
}

#[tokio::test]
async fn shared_infrastructure_is_reported_as_such_and_never_as_an_app() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(Some(dir.path())).await.unwrap();
    let log = dir.path().join("access.log");
    let hosts = [
        "d111abc.cloudfront.net",
        "d222def.cloudfront.net",
        "vod-uk.akamaized.net",
        "acme-backups.s3.amazonaws.com",
        "1.0.168.192.in-addr.arpa",
        "www.dropbox.com",
    ];
    let lines: String = hosts
        .iter()
        .enumerate()
        .map(|(i, h)| {
            format!(
                "{}.000    120 10.0.0.{} TCP_MISS/200 4096 GET http://{h}/x user{i} HIER_DIRECT/203.0.113.7 text/html\n",
                1_764_000_000 + i,
                i + 1
            )
        })
        .collect();
    std::fs::write(&log, lines).unwrap();
    let result = engine
        .discover(
            DiscoveryRequest {
                files: vec![log.display().to_string()],
                format: Some("squid".into()),
                report: Some("Shared".into()),
                dry_run: false,
            },
            Arc::new(Progress::default()),
            Arc::new(AtomicBool::new(false)),
        )
        .await
        .unwrap();
    assert_eq!(result.lines.parsed, hosts.len() as u64);
    // Only Dropbox is an app; the shared hosts roll up under their provider's suffix.
    let apps: Vec<&str> = result.apps.iter().map(|a| a.app_id.as_str()).collect();
    assert_eq!(apps, ["dropbox"]);
    let view = engine
        .discovery_report_view(&result.report_id.unwrap())
        .await
        .unwrap();
    let shared = |d: &str| {
        view.unmatched_domains
            .iter()
            .find(|u| u.domain == d)
            .unwrap_or_else(|| panic!("{d} not in {:?}", view.unmatched_domains))
    };
    let cf = shared("cloudfront.net");
    assert_eq!(cf.transactions, 2, "both CloudFront hosts under one row");
    assert_eq!(cf.shared.as_deref(), Some("Amazon CloudFront (CDN)"));
    assert!(shared("akamaized.net")
        .shared
        .as_deref()
        .unwrap()
        .contains("Akamai"));
    assert!(shared("s3.amazonaws.com")
        .shared
        .as_deref()
        .unwrap()
        .contains("object storage"));
    assert!(shared("in-addr.arpa")
        .shared
        .as_deref()
        .unwrap()
        .contains("DNS reverse zone"));
    // The CSV says so too.
    let csv_path = dir.path().join("report.csv");
    let report_id = view.info.report_id.clone();
    engine
        .export_discovery_csv(&report_id, &csv_path)
        .await
        .unwrap();
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert!(
        csv.contains("shared_infrastructure,cloudfront.net,,Amazon CloudFront (CDN)"),
        "{csv}"
    );
}
