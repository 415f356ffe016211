//! GitHub instances end to end against the fake GitHub (testkit): connect → permissions →
//! full scan → stored counts equal the generated organisation; rate-limit storms, killed scans,
//! late audit events, revoked tokens and a missing audit log.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::connectors::{ConnectGithub, InstanceView};
use cloudwarden_engine::domain::connectors::{InstanceStatus, PhaseStatus, RunStatus};
use cloudwarden_engine::domain::jobs::JobState;
use cloudwarden_testkit::github::{AuditEvent, FakeGithub, GithubTenant, TenantSize};
use support::{engine, phase, sign_in_through_browser};

const TOKEN: &str = "ghp_cloudwardenTestToken";

fn tenant(seed: u64) -> GithubTenant {
    // Every audit event inside the 7-day back-fill.
    let size = TenantSize {
        audit_days: 5,
        ..TenantSize::small()
    };
    GithubTenant::generate("acme", seed, &size)
}

async fn connect(engine: &Engine, fake: &FakeGithub, name: &str) -> InstanceView {
    support::github::connect(engine, fake, name, TOKEN).await
}

fn assert_counts_equal(i: &InstanceView, t: &GithubTenant) {
    assert_eq!(
        i.counts.accounts as usize,
        t.members.len() + t.outside_collaborators.len(),
        "accounts"
    );
    assert_eq!(i.counts.groups as usize, t.teams.len(), "teams");
    assert_eq!(
        i.counts.activities as usize,
        t.audit_events.len(),
        "audit events"
    );
    assert_eq!(i.counts.files as usize, t.repos.len(), "repositories");
    assert_eq!(
        i.counts.oauth_grants as usize,
        t.installations.len() + t.credential_authorizations.len(),
        "installations + credential authorizations"
    );
}

/// What an OAuth sign-in (scopes without `repo`) reads: everything but private and internal
/// repositories, which GitHub shows only to the write-granting `repo` scope.
fn assert_oauth_counts_equal(i: &InstanceView, t: &GithubTenant) {
    use cloudwarden_testkit::github::Visibility;
    let public = t
        .repos
        .iter()
        .filter(|r| r.visibility == Visibility::Public)
        .count();
    assert!(
        public > 0 && public < t.repos.len(),
        "the tenant has both kinds"
    );
    assert_eq!(i.counts.files as usize, public, "public repositories only");
    assert_eq!(
        i.counts.accounts as usize,
        t.members.len() + t.outside_collaborators.len(),
        "accounts"
    );
    assert_eq!(i.counts.groups as usize, t.teams.len(), "teams");
}

#[tokio::test]
async fn connect_and_scan_store_the_whole_organisation() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(7);
    let fake = FakeGithub::start(t.clone(), TOKEN).await.unwrap();

    let i = connect(&engine, &fake, "Acme").await;
    assert_eq!(i.status, InstanceStatus::Connected, "{:?}", i.status_detail);
    assert_eq!(i.principal.as_deref(), Some(t.members[0].login.as_str()));
    assert!(
        i.permissions
            .iter()
            .all(|p| p.granted || p.phases.is_empty()),
        "{:?}",
        i.permissions
    );

    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    assert!(report.requests > 0);
    let i = engine.instance(&i.id).await.unwrap();
    assert_eq!(i.status, InstanceStatus::Connected);
    assert!(i.last_scan_at.is_some());
    assert_counts_equal(&i, &t);

    // Owners are flagged, outside collaborators are guests, repositories carry sharing.
    let accounts = engine
        .list_records("accounts", Some(&i.id), 10_000)
        .await
        .unwrap();
    let admins = accounts.iter().filter(|a| a["is_admin"] == true).count();
    assert_eq!(
        admins,
        t.members
            .iter()
            .filter(|m| m.role == cloudwarden_testkit::github::OrgRole::Admin)
            .count()
    );
    assert_eq!(
        accounts.iter().filter(|a| a["kind"] == "guest").count(),
        t.outside_collaborators.len()
    );
    let files = engine
        .list_records("files", Some(&i.id), 10_000)
        .await
        .unwrap();
    let public = t
        .repos
        .iter()
        .filter(|r| r.visibility.as_str() == "public")
        .count();
    assert_eq!(
        files.iter().filter(|f| f["sharing"] == "public").count(),
        public
    );

    // A second scan adds nothing new and duplicates nothing.
    let again = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(again.status, RunStatus::Completed);
    assert_counts_equal(&engine.instance(&i.id).await.unwrap(), &t);

    // Every REST request named the media type and API version GitHub documents.
    assert_eq!(fake.requests_without_version_headers(), 0);
}

#[tokio::test]
async fn a_rate_limit_storm_and_server_errors_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(11);
    let fake = FakeGithub::start(t.clone(), TOKEN).await.unwrap();
    let i = connect(&engine, &fake, "Acme").await;
    fake.faults().rate_limit_next(40, 0);
    fake.faults().server_error_next(3);
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    assert!(report.throttles >= 40, "{report:?}");
    assert!(report.retries >= 3, "{report:?}");
    assert_counts_equal(&engine.instance(&i.id).await.unwrap(), &t);
}

#[tokio::test]
async fn a_killed_scan_resumes_without_duplicates_or_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(13);
    let fake = FakeGithub::start(t.clone(), TOKEN).await.unwrap();
    let i = connect(&engine, &fake, "Acme").await;
    // Slow the fake down so the scan is still running when it is cancelled.
    fake.faults().delay_ms(20);
    let scan = {
        let engine = engine.clone();
        let id = i.id.clone();
        tokio::spawn(async move { engine.scan_instance(&id).await })
    };
    let start = fake.stats().requests;
    while fake.stats().requests < start + 25 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(engine.cancel_scan(&i.id));
    let report = scan.await.unwrap().unwrap();
    assert_eq!(report.status, RunStatus::Cancelled, "{report:?}");
    let partial = engine.instance(&i.id).await.unwrap();
    assert!(partial.counts.accounts > 0);
    fake.faults().delay_ms(0);

    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    assert_counts_equal(&engine.instance(&i.id).await.unwrap(), &t);
}

#[tokio::test]
async fn late_audit_events_inside_the_lag_window_are_picked_up() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(17);
    let fake = FakeGithub::start(t.clone(), TOKEN).await.unwrap();
    let i = connect(&engine, &fake, "Acme").await;
    engine.scan_instance(&i.id).await.unwrap();
    let before = engine.instance(&i.id).await.unwrap().counts.activities;

    // Indexed late: its time is 3 minutes before the newest event already stored.
    let newest = t.audit_events.iter().map(|e| e.timestamp_ms).max().unwrap();
    let mut late: AuditEvent = t.audit_events.last().unwrap().clone();
    late.document_id = "late-event-1".into();
    late.timestamp_ms = newest - 3 * 60 * 1000;
    late.created_at_ms = late.timestamp_ms;
    fake.add_audit_event(late);

    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(phase(&report, "activities").status, PhaseStatus::Completed);
    let after = engine.instance(&i.id).await.unwrap().counts.activities;
    assert_eq!(
        after,
        before + 1,
        "the late event is stored once, the overlap is not"
    );
}

#[tokio::test]
async fn a_revoked_token_turns_the_instance_into_error_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let fake = FakeGithub::start(tenant(19), TOKEN).await.unwrap();
    let i = connect(&engine, &fake, "Acme").await;
    fake.set_token("ghp_someOtherToken");
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Failed);
    let i = engine.instance(&i.id).await.unwrap();
    assert_eq!(i.status, InstanceStatus::Error);
    assert!(
        i.status_detail
            .as_deref()
            .unwrap_or_default()
            .contains("reconnect"),
        "{:?}",
        i.status_detail
    );
    // Test connection says the same.
    assert_eq!(
        engine.test_connection(&i.id).await.unwrap().status,
        InstanceStatus::Error
    );
}

#[tokio::test]
async fn a_missing_audit_log_is_a_named_status_and_the_other_phases_complete() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let mut t = tenant(23);
    t.plan = cloudwarden_testkit::github::Plan::Team;
    let fake = FakeGithub::start(t.clone(), TOKEN).await.unwrap();
    let i = connect(&engine, &fake, "Acme").await;
    assert_eq!(i.status, InstanceStatus::Connected);
    assert!(
        i.status_detail
            .as_deref()
            .unwrap_or_default()
            .contains("Enterprise Cloud"),
        "{:?}",
        i.status_detail
    );
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Partial);
    assert_eq!(
        phase(&report, "activities").status,
        PhaseStatus::Unavailable
    );
    for p in ["accounts", "groups", "privileges", "files", "oauth_grants"] {
        assert_eq!(
            phase(&report, p).status,
            PhaseStatus::Completed,
            "{p}: {report:?}"
        );
    }
    let i = engine.instance(&i.id).await.unwrap();
    assert_eq!(i.counts.activities, 0);
    assert_eq!(i.counts.files as usize, t.repos.len());
}

#[tokio::test]
async fn instances_can_be_disabled_enabled_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let fake = FakeGithub::start(tenant(29), TOKEN).await.unwrap();
    let i = connect(&engine, &fake, "Acme").await;
    let second = connect(&engine, &fake, "Acme (audit)").await;
    assert_eq!(
        engine.instances().await.unwrap().len(),
        2,
        "several instances per app"
    );
    let d = engine.set_instance_enabled(&i.id, false).await.unwrap();
    assert_eq!(d.status, InstanceStatus::Disabled);
    assert!(engine.scan_instance(&i.id).await.is_err());
    assert_eq!(
        engine
            .set_instance_enabled(&i.id, true)
            .await
            .unwrap()
            .status,
        InstanceStatus::Connected
    );
    engine.scan_instance(&second.id).await.unwrap();
    engine.remove_instance(&second.id, true).await.unwrap();
    assert_eq!(engine.instances().await.unwrap().len(), 1);
    assert!(engine
        .list_records("accounts", Some(&second.id), 10)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn the_scheduler_reads_activities_between_full_scans() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(31);
    let fake = FakeGithub::start(t.clone(), TOKEN).await.unwrap();
    let i = connect(&engine, &fake, "Acme").await;
    assert_eq!(
        (i.activities_every_s, i.full_every_s),
        (900, 43_200),
        "defaults"
    );
    let i = engine.set_scan_schedule(&i.id, 60, 600).await.unwrap();
    assert_eq!((i.activities_every_s, i.full_every_s), (60, 600));
    assert!(engine.set_scan_schedule(&i.id, 5, 600).await.is_err());

    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
    };
    let first = engine.run_due_scans(now()).await.unwrap();
    assert_eq!(first.len(), 1, "never scanned: a full scan");
    assert!(
        first[0]
            .phases
            .iter()
            .all(|p| p.status == PhaseStatus::Completed),
        "{:?}",
        first[0]
    );
    // The scan marks its own (real) end time; the schedule compares `now` with those marks.
    let marks_at = now();
    assert!(
        engine
            .run_due_scans(marks_at + 1_000)
            .await
            .unwrap()
            .is_empty(),
        "nothing due yet"
    );

    let mut late: AuditEvent = t.audit_events.last().unwrap().clone();
    late.document_id = "late-event-scheduler".into();
    fake.add_audit_event(late);
    let activities = engine.run_due_scans(marks_at + 61_000).await.unwrap();
    assert_eq!(activities.len(), 1);
    let r = &activities[0];
    assert_eq!(phase(r, "activities").status, PhaseStatus::Completed);
    assert_eq!(
        phase(r, "accounts").status,
        PhaseStatus::NotRun,
        "activities only between full scans"
    );
    assert_eq!(
        r.status,
        RunStatus::Completed,
        "phases left out on purpose are not a partial scan"
    );
    let view = engine.instance(&i.id).await.unwrap();
    assert_eq!(view.status_detail, None);
    assert_eq!(view.counts.activities as usize, t.audit_events.len() + 1);
    // The drawer's last run is the stored one, and the next scan is scheduled.
    let last = view.last_run.unwrap();
    assert_eq!(last.status, RunStatus::Completed);
    assert_eq!(last.phases.len(), 6);
    assert!(view.next_scan_at.is_some());
    let full = engine.run_due_scans(marks_at + 601_000).await.unwrap();
    assert_eq!(
        phase(&full[0], "accounts").status,
        PhaseStatus::Completed,
        "the full interval passed"
    );

    engine.set_instance_enabled(&i.id, false).await.unwrap();
    assert!(
        engine
            .run_due_scans(marks_at + 10_000_000)
            .await
            .unwrap()
            .is_empty(),
        "disabled"
    );
}

/// Connects through the device flow: the fake approves the code the engine shows.
async fn connect_device(engine: &Engine, fake: &FakeGithub) -> InstanceView {
    use cloudwarden_engine::domain::connectors::ConnectGithubDevice;
    fake.set_device_interval(0);
    let code = engine
        .github_device_start(ConnectGithubDevice {
            name: "Acme (OAuth)".into(),
            org: "acme".into(),
            api_url: Some(fake.url.clone()),
            client_id: "Iv1.cloudwarden".into(),
            oauth_url: Some(fake.url.clone()),
        })
        .await
        .unwrap();
    assert!(!code.user_code.is_empty());
    assert!(code.verification_uri.contains("/login/device"), "{code:?}");
    assert!(fake.approve_device(&code.user_code));
    engine.github_device_finish(&code.flow_id).await.unwrap()
}

#[tokio::test]
async fn device_flow_then_401_refresh_and_continue() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(37);
    let fake = FakeGithub::start(t.clone(), TOKEN).await.unwrap();
    let i = connect_device(&engine, &fake).await;
    assert_eq!(i.status, InstanceStatus::Connected, "{:?}", i.status_detail);
    assert_eq!(i.principal.as_deref(), Some(t.members[0].login.as_str()));

    // The access token stops working mid-scan: the engine renews it and carries on.
    fake.faults().expire_token_after(15);
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    let i = engine.instance(&i.id).await.unwrap();
    assert_eq!(i.status, InstanceStatus::Connected);
    assert_eq!(i.status_detail, None);
    assert_oauth_counts_equal(&i, &t);
    // Only the interrupted phase and those after it ran again: no phase was read twice.
    let clean = engine.scan_instance(&i.id).await.unwrap();
    for p in report.phases.iter().filter(|p| p.phase != "activities") {
        assert_eq!(
            p.records,
            phase(&clean, &p.phase).records,
            "{}: {report:?}",
            p.phase
        );
    }
}

#[tokio::test]
async fn a_revoked_refresh_token_turns_the_instance_into_error_with_reconnect() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let fake = FakeGithub::start(tenant(41), TOKEN).await.unwrap();
    let i = connect_device(&engine, &fake).await;
    fake.revoke_refresh_tokens();
    fake.faults().expire_token_after(5);
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Failed, "{report:?}");
    let i = engine.instance(&i.id).await.unwrap();
    assert_eq!(i.status, InstanceStatus::Error);
    let detail = i.status_detail.unwrap_or_default();
    assert!(detail.contains("reconnect"), "{detail}");
    assert!(detail.contains("refresh token"), "{detail}");
}

#[tokio::test]
async fn an_oauth_app_signs_in_through_the_browser_with_pkce() {
    use cloudwarden_engine::domain::connectors::AuthorizeStart;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(43);
    let fake = FakeGithub::start(t.clone(), TOKEN).await.unwrap();
    fake.set_oauth_client("Iv1.cloudwardenWeb", Some("web-secret"));
    let (flow, page, result) = sign_in_through_browser(
        &engine,
        AuthorizeStart {
            app: "github".into(),
            name: "Acme (web)".into(),
            org: Some("acme".into()),
            tenant: None,
            client_id: "Iv1.cloudwardenWeb".into(),
            client_secret: Some("web-secret".into()),
            api_url: Some(fake.url.clone()),
            login_url: Some(fake.url.clone()),
            instance_id: None,
        },
    )
    .await;
    assert!(flow.authorize_url.contains("/login/oauth/authorize"));
    assert!(flow.authorize_url.contains("code_challenge_method=S256"));
    // Read-only scopes: never `repo`, which grants write access to every private repository.
    let url = reqwest::Url::parse(&flow.authorize_url).unwrap();
    let scope = url
        .query_pairs()
        .find(|(k, _)| k == "scope")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let scopes: Vec<&str> = scope.split(' ').collect();
    assert_eq!(
        scopes,
        ["read:org", "read:audit_log", "read:user"],
        "{scope}"
    );
    assert!(page.contains("Cloudwarden is connected"), "{page}");
    let i = result.unwrap();
    assert_eq!(i.status, InstanceStatus::Connected, "{:?}", i.status_detail);
    assert_eq!(i.config.auth.as_deref(), Some("authorization_code"));
    assert_eq!(i.principal.as_deref(), Some(t.members[0].login.as_str()));
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    assert_oauth_counts_equal(&engine.instance(&i.id).await.unwrap(), &t);
}

#[tokio::test]
async fn plain_http_and_other_schemes_are_refused_before_anything_is_sent() {
    use cloudwarden_engine::domain::connectors::ConnectM365;
    // No keychain needed: the URLs are refused before a credential is stored or sent, and
    // the names never resolve (.invalid), so nothing leaves the machine either way.
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(Some(dir.path())).await.unwrap();
    for api_url in [
        "http://api.example.invalid",
        "file:///etc/passwd",
        "ftp://127.0.0.1/",
    ] {
        let e = engine
            .connect_github(ConnectGithub {
                name: "Acme".into(),
                org: "acme".into(),
                api_url: Some(api_url.into()),
                token: TOKEN.into(),
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), cloudwarden_engine::ErrorCode::Validation, "{e}");
        assert!(e.to_string().contains("must be https"), "{api_url}: {e}");
    }
    for (api_url, login_url) in [
        (Some("http://graph.example.invalid/v1.0"), None),
        (None, Some("http://login.example.invalid")),
    ] {
        let e = engine
            .connect_m365(ConnectM365 {
                name: "Contoso".into(),
                tenant: "contoso.example".into(),
                client_id: "5e7e1a3c-0000-4000-8000-00000000c1d0".into(),
                client_secret: "secret".into(),
                api_url: api_url.map(Into::into),
                login_url: login_url.map(Into::into),
            })
            .await
            .unwrap_err();
        assert!(e.to_string().contains("must be https"), "{e}");
    }
    assert!(engine.instances().await.unwrap().is_empty());
}

#[tokio::test]
async fn one_scan_per_instance_across_engines_with_pushed_progress_and_a_commit_hook() {
    use cloudwarden_engine::domain::jobs::JobEvent;
    use cloudwarden_engine::secrets::SecretStore;
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().unwrap();
    // Two engines on one data directory, as the app and a CLI command are.
    let secrets = SecretStore::in_memory();
    let app = Engine::open_with(Some(dir.path()), secrets.clone())
        .await
        .unwrap();
    let cli = Engine::open_with(Some(dir.path()), secrets).await.unwrap();
    let t = tenant(53);
    let fake = FakeGithub::start(t.clone(), TOKEN).await.unwrap();
    let i = connect(&app, &fake, "Acme").await;
    let committed: Arc<Mutex<Vec<JobEvent>>> = Arc::default();
    let hooked = committed.clone();
    app.on_commit(move |e| hooked.lock().unwrap().push(e.clone()));
    let mut events = app.subscribe_jobs();

    fake.faults().delay_ms(40);
    let scan = {
        let (app, id) = (app.clone(), i.id.clone());
        tokio::spawn(async move { app.scan_instance(&id).await })
    };
    // Wait until the app's scan holds the lease, then scan from the "CLI".
    loop {
        let jobs = cli.jobs(1).await.unwrap();
        if jobs.first().is_some_and(|j| j.state == JobState::Running) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let refused = cli.scan_instance(&i.id).await.unwrap_err().to_string();
    assert!(refused.contains("already scanning (by "), "{refused}");
    assert!(refused.contains(" pid "), "{refused}");
    fake.faults().delay_ms(0);
    let report = scan.await.unwrap().unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");

    // Progress came as events, then the end; the hook ran once, after the data was stored.
    let mut seen = Vec::new();
    while let Ok(e) = events.try_recv() {
        seen.push(e);
    }
    assert!(
        seen.iter().any(|e| e.state == JobState::Running
            && e.progress.as_deref().is_some_and(|p| p.contains("records"))),
        "{seen:?}"
    );
    assert_eq!(seen.last().unwrap().state, JobState::Completed, "{seen:?}");
    let hooked = committed.lock().unwrap().clone();
    assert_eq!(hooked.len(), 1, "{hooked:?}");
    assert_eq!(hooked[0].subject, i.id);
    assert_eq!(
        app.instance(&i.id).await.unwrap().status,
        InstanceStatus::Connected
    );
    // With the lease released, the other engine scans.
    assert_eq!(
        cli.scan_instance(&i.id).await.unwrap().status,
        RunStatus::Completed
    );
}

#[tokio::test]
async fn a_scan_taking_over_a_dead_processs_lease_clears_what_it_left_half_done() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let fake = FakeGithub::start(tenant(59), TOKEN).await.unwrap();
    let i = connect(&engine, &fake, "Acme").await;
    // A process that died mid-scan after this engine opened: its job still "running" (a pid
    // that no longer exists), its run open, the instance left scanning.
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let pid = i64::from(gone.id());
    gone.wait().unwrap();
    let mut db = sqlx::SqliteConnection::connect_with(
        &sqlx::sqlite::SqliteConnectOptions::new().filename(dir.path().join("cloudwarden.sqlite3")),
    )
    .await
    .unwrap();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "localhost".into());
    let far = 4_102_444_800_000i64; // a lease that has not expired: only the pid tells
    sqlx::query(
        "INSERT INTO jobs (job_id, kind, subject, params, state, owner, owner_pid, owner_host,
         heartbeat_ms, lease_expires_ms, created_at_ms)
         VALUES ('job_dead', 'scan', ?, '{\"kind\":\"scan\",\"phases\":null}', 'running', 'gone', ?, ?, 1, ?, 1)",
    )
    .bind(&i.id)
    .bind(pid)
    .bind(&host)
    .bind(far)
    .execute(&mut db)
    .await
    .unwrap();
    sqlx::query("INSERT INTO scan_runs (run_id, instance_id, started_at_ms, status, phases) VALUES ('run_dead', ?, 1, 'running', '{}')")
        .bind(&i.id)
        .execute(&mut db)
        .await
        .unwrap();
    sqlx::query("UPDATE connector_instances SET status = 'scanning' WHERE instance_id = ?")
        .bind(&i.id)
        .execute(&mut db)
        .await
        .unwrap();

    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    let (run_state, job_state): (String, String) = sqlx::query_as(
        "SELECT (SELECT status FROM scan_runs WHERE run_id = 'run_dead'),
                (SELECT state FROM jobs WHERE job_id = 'job_dead')",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(
        (run_state.as_str(), job_state.as_str()),
        ("interrupted", "interrupted")
    );
    assert_eq!(
        engine.instance(&i.id).await.unwrap().status,
        InstanceStatus::Connected
    );
}

/// Every account of every person a filter gives, page by page.
async fn accounts_of(
    engine: &Engine,
    f: &cloudwarden_engine::domain::investigate::PersonFilter,
) -> Vec<cloudwarden_engine::domain::investigate::PersonAccount> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = engine
            .people(f, cursor.as_deref(), Some(500))
            .await
            .unwrap();
        out.extend(page.items.into_iter().flat_map(|p| p.accounts));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

#[tokio::test]
async fn two_factor_state_is_read_with_an_owner_s_token_and_not_guessed_without() {
    use cloudwarden_engine::domain::investigate::PersonFilter;
    use cloudwarden_testkit::github::TwoFactor;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    // Enough people that some have no second factor (4 % in the generated tenants).
    let t = GithubTenant::generate(
        "acme",
        23,
        &TenantSize {
            members: 200,
            outside_collaborators: 30,
            audit_days: 5,
            ..TenantSize::small()
        },
    );
    let fake = FakeGithub::start(t.clone(), TOKEN).await.unwrap();
    let i = connect(&engine, &fake, "Acme").await;
    engine.scan_instance(&i.id).await.unwrap();
    let off = |people: &[cloudwarden_testkit::github::Member]| {
        people
            .iter()
            .filter(|m| m.two_factor == TwoFactor::Disabled)
            .map(|m| m.login.clone())
            .collect::<Vec<_>>()
    };
    let mut want = off(&t.members);
    want.extend(off(&t.outside_collaborators));
    want.sort();
    assert!(!want.is_empty(), "the tenant has members without 2FA");
    let everyone = accounts_of(&engine, &PersonFilter::default()).await;
    assert!(
        everyone.iter().all(|a| a.mfa.is_some()),
        "an owner's token reads every state"
    );
    let mut without: Vec<String> = accounts_of(
        &engine,
        &PersonFilter {
            without_mfa: true,
            ..PersonFilter::default()
        },
    )
    .await
    .into_iter()
    .map(|a| a.login)
    .collect();
    without.sort();
    assert_eq!(without, want);

    // A plain member's token: GitHub refuses the filter; the scan completes and says nothing
    // of two-factor authentication instead of guessing.
    let dir2 = tempfile::tempdir().unwrap();
    let other = support::engine(&dir2).await;
    fake.faults().member_only(true);
    let j = connect(&other, &fake, "Acme").await;
    let report = other.scan_instance(&j.id).await.unwrap();
    assert_eq!(
        phase(&report, "accounts").status,
        PhaseStatus::Completed,
        "{report:?}"
    );
    let everyone = accounts_of(&other, &PersonFilter::default()).await;
    assert!(!everyone.is_empty());
    assert!(everyone.iter().all(|a| a.mfa.is_none()));
}
