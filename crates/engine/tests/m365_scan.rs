//! Microsoft 365 instances end to end against the fake Microsoft Graph and identity platform
//! (testkit): client credentials and the authorization-code flow with PKCE through the
//! loopback redirect → permissions → full scan → stored counts equal the generated tenant;
//! rate-limit storms, killed scans, late audit events, 401 → renew → continue, revoked refresh
//! tokens, missing permissions and a tenant without Entra ID P1/P2.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::collections::HashSet;
use std::time::Duration;

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::connectors::{
    AuthorizeStart, ConnectM365, InstanceView, UpdateCredentials,
};
use cloudwarden_testkit::graph::{FakeGraph, GraphSize, GraphTenant, LinkScope};
use support::{await_sign_in, engine, phase, sign_in_through_browser};

use cloudwarden_engine::domain::connectors::{InstanceStatus, PhaseStatus, RunStatus};
use support::m365::{fake, tenant, CLIENT_ID, SECRET};

fn input(fake: &FakeGraph, name: &str, secret: &str) -> ConnectM365 {
    ConnectM365 {
        name: name.into(),
        tenant: fake.tenant_id().into(),
        client_id: CLIENT_ID.into(),
        client_secret: secret.into(),
        api_url: Some(format!("{}/v1.0", fake.url)),
        login_url: Some(fake.url.clone()),
    }
}

async fn connect(engine: &Engine, fake: &FakeGraph) -> InstanceView {
    engine
        .connect_m365(input(fake, "Contoso", SECRET))
        .await
        .unwrap()
}

/// Drive items other than the drives' roots: files and folders (with `personal`, also those
/// of the users' OneDrives).
fn items(t: &GraphTenant, personal: bool) -> usize {
    let sites: HashSet<&str> = t
        .sites
        .iter()
        .filter(|s| personal || !s.personal)
        .map(|s| s.id.as_str())
        .collect();
    let drives: HashSet<&str> = t
        .drives
        .iter()
        .filter(|d| sites.contains(d.site_id.as_str()))
        .map(|d| d.id.as_str())
        .collect();
    t.items
        .iter()
        .filter(|i| i.parent_id.is_some() && drives.contains(i.drive_id.as_str()))
        .count()
}

/// Every item's full path in its drive (`/Folder/Sub/file.docx`), by id.
fn paths(t: &GraphTenant) -> std::collections::HashMap<&str, String> {
    let by_id: std::collections::HashMap<&str, &cloudwarden_testkit::graph::DriveItem> =
        t.items.iter().map(|i| (i.id.as_str(), i)).collect();
    t.items
        .iter()
        .filter(|i| i.parent_id.is_some())
        .map(|i| {
            let mut names = vec![i.name.as_str()];
            let mut parent = i.parent_id.as_deref().and_then(|p| by_id.get(p));
            while let Some(p) = parent.filter(|p| p.parent_id.is_some()) {
                names.push(p.name.as_str());
                parent = p.parent_id.as_deref().and_then(|q| by_id.get(q));
            }
            names.reverse();
            (i.id.as_str(), format!("/{}", names.join("/")))
        })
        .collect()
}

/// Every stored file has its full path and the sharing level the tenant gives it; with
/// `every_level`, each level occurs.
fn assert_files_match(files: &[serde_json::Value], t: &GraphTenant, every_level: bool) {
    let paths = paths(t);
    let levels = t.sharing_levels();
    let mut by_level = std::collections::BTreeMap::<&str, usize>::new();
    for f in files {
        let id = f["external_id"].as_str().unwrap();
        assert_eq!(f["name"].as_str().unwrap(), paths[id], "the path of {id}");
        let want = levels.get(id).copied().unwrap_or("private");
        assert_eq!(f["sharing"], want, "the sharing of {} ({id})", f["name"]);
        *by_level.entry(want).or_default() += 1;
    }
    for level in ["public", "external", "internal", "private"] {
        assert!(
            !every_level || by_level.contains_key(level),
            "no {level} file: {by_level:?}"
        );
    }
}

/// The apps holding application permissions (one grant per app and API).
fn app_grants(t: &GraphTenant) -> usize {
    t.app_role_assignments
        .iter()
        .map(|a| (&a.principal_id, &a.resource_id))
        .collect::<HashSet<_>>()
        .len()
}

fn assert_counts_equal(i: &InstanceView, t: &GraphTenant, extra_events: usize) {
    assert_counts(i, t, extra_events, true);
}

/// `personal`: OneDrives are read (application permissions), not only SharePoint sites.
fn assert_counts(i: &InstanceView, t: &GraphTenant, extra_events: usize, personal: bool) {
    assert_eq!(
        i.counts.accounts as usize,
        t.users.len(),
        "users and guests"
    );
    assert_eq!(i.counts.groups as usize, t.groups.len(), "groups");
    assert_eq!(
        i.counts.activities as usize,
        t.directory_audits.len() + t.sign_ins.len() + t.unified_audit.len() + extra_events,
        "directory audits + sign-ins + unified audit log"
    );
    assert_eq!(
        i.counts.files as usize,
        items(t, personal),
        "files and folders"
    );
    assert_eq!(
        i.counts.oauth_grants as usize,
        t.grants.len() + app_grants(t),
        "delegated grants + apps holding application permissions"
    );
}

#[tokio::test]
async fn client_credentials_connect_and_scan_store_the_whole_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(7);
    let fake = fake(&t).await;

    let i = connect(&engine, &fake).await;
    assert_eq!(i.status, InstanceStatus::Connected, "{:?}", i.status_detail);
    assert_eq!(i.config.auth.as_deref(), Some("client_credentials"));
    assert_eq!(i.config.client_id.as_deref(), Some(CLIENT_ID));
    assert!(i.checked_at.is_some(), "the health check time is kept");
    assert!(
        i.principal.as_deref().unwrap().contains(&t.display_name),
        "{:?}",
        i.principal
    );
    assert!(
        i.permissions.iter().all(|p| p.granted),
        "{:?}",
        i.permissions
    );
    // The secret and the token are in the keychain, not in the database.
    let db = std::fs::read(dir.path().join("cloudwarden.sqlite3")).unwrap();
    let db = String::from_utf8_lossy(&db);
    assert!(!db.contains(SECRET));

    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    let i = engine.instance(&i.id).await.unwrap();
    assert_eq!(i.status, InstanceStatus::Connected);
    assert_eq!(i.status_detail, None);
    assert_counts_equal(&i, &t, 0);

    // Admins from the directory role assignments, guests from userType, disabled accounts.
    let accounts = engine
        .list_records("accounts", Some(&i.id), 100_000)
        .await
        .unwrap();
    // Admins: direct assignments, members of role-assignable groups holding a role, and
    // eligible (PIM) assignments.
    let admins: HashSet<&str> = t.admin_ids();
    let flagged: HashSet<&str> = accounts
        .iter()
        .filter(|a| a["is_admin"] == true)
        .map(|a| a["external_id"].as_str().unwrap())
        .collect();
    assert_eq!(flagged, admins);
    // MFA registration from the authentication-methods report: every enabled account's, and
    // nothing said of disabled ones (the report leaves them out).
    for u in &t.users {
        let a = accounts
            .iter()
            .find(|a| a["external_id"] == u.id.as_str())
            .unwrap();
        let want = if u.account_enabled {
            serde_json::Value::Bool(u.mfa_registered)
        } else {
            serde_json::Value::Null
        };
        assert_eq!(a["mfa"], want, "{}", u.user_principal_name);
    }
    assert!(t
        .users
        .iter()
        .any(|u| u.account_enabled && !u.mfa_registered));
    let via_group: HashSet<&str> = t
        .groups
        .iter()
        .filter(|g| g.assignable_to_role)
        .flat_map(|g| g.members.iter().map(String::as_str))
        .collect();
    assert!(!via_group.is_empty() && !t.role_eligibilities.is_empty());
    let privileges = engine
        .list_records("privileges", Some(&i.id), 10_000)
        .await
        .unwrap();
    let eligible_ga = &t.role_eligibilities[0].principal_id;
    assert!(
        privileges
            .iter()
            .any(|p| p["account_id"] == eligible_ga.as_str()
                && p["role"] == "Global Administrator (eligible)"),
        "{privileges:?}"
    );
    for member in &via_group {
        assert!(
            privileges
                .iter()
                .any(|p| p["account_id"] == *member
                    && p["role"].as_str().unwrap().contains("(through ")),
            "{member}"
        );
    }
    assert_eq!(
        accounts.iter().filter(|a| a["kind"] == "guest").count(),
        t.users
            .iter()
            .filter(|u| u.user_type == cloudwarden_testkit::graph::UserType::Guest)
            .count()
    );
    assert_eq!(
        accounts
            .iter()
            .filter(|a| a["status"] == "disabled")
            .count(),
        t.users.iter().filter(|u| !u.account_enabled).count()
    );
    assert!(accounts.iter().any(|a| !a["last_sign_in_ms"].is_null()));

    // Sharing: anyone-links are public; guests and outside addresses make a file external.
    let files = engine
        .list_records("files", Some(&i.id), 100_000)
        .await
        .unwrap();
    // Full paths (built from parent ids: delta has no paths) and the right level from
    // grantees of every kind.
    assert_files_match(&files, &t, true);
    let scopes = t.shared_scopes();
    assert_eq!(
        files.iter().filter(|f| f["sharing"] == "public").count(),
        scopes
            .values()
            .filter(|s| **s == LinkScope::Anonymous)
            .count()
    );
    assert!(
        files.iter().any(|f| f["sharing"] == "external"),
        "no external file"
    );
    assert!(
        files.iter().any(|f| f["sharing"] == "internal"),
        "no internal file"
    );
    let private = files.iter().filter(|f| f["sharing"] == "private").count();
    assert!(private * 2 > files.len(), "most files are private");

    // OAuth grants carry the app's name and scopes.
    let grants = engine
        .list_records("oauth-grants", Some(&i.id), 10_000)
        .await
        .unwrap();
    assert!(
        grants.iter().all(|g| g["app_name"] != ""),
        "{:?}",
        grants[0]
    );

    // Application permissions: each app holding some, with the permissions by name.
    assert!(app_grants(&t) > 0);
    for sp in t.service_principals.iter() {
        let held: std::collections::BTreeSet<&str> = t
            .app_role_assignments
            .iter()
            .filter(|a| a.principal_id == sp.id)
            .map(|a| {
                cloudwarden_testkit::graph::GRAPH_APP_ROLES
                    .iter()
                    .find(|r| r.0 == a.app_role_id)
                    .unwrap()
                    .1
            })
            .collect();
        let stored = grants
            .iter()
            .find(|g| g["kind"] == "application" && g["app_id"] == sp.app_id.as_str());
        match stored {
            None => assert!(held.is_empty(), "{} holds {held:?}", sp.display_name),
            Some(g) => {
                let scopes: std::collections::BTreeSet<&str> = g["scopes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap())
                    .collect();
                assert_eq!(scopes, held, "{}", sp.display_name);
                assert_eq!(g["app_name"], sp.display_name.as_str());
                assert!(g["principal"].is_null(), "the app's own, tenant-wide");
                assert!(g["granted_at_ms"].as_i64().is_some());
            }
        }
    }
    // v1.0 delegated grants have no time of their own: when scans first and last saw each
    // is kept.
    assert!(grants
        .iter()
        .filter(|g| g["kind"] == "delegated")
        .all(|g| g["granted_at_ms"].is_null()));
    assert!(grants
        .iter()
        .all(|g| g["first_seen_ms"].as_i64().is_some() && g["first_seen_ms"] == g["last_seen_ms"]));

    // A second scan duplicates nothing.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let again = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(again.status, RunStatus::Completed);
    assert_counts_equal(&engine.instance(&i.id).await.unwrap(), &t, 0);
    // … and keeps when each grant was first seen.
    let later = engine
        .list_records("oauth-grants", Some(&i.id), 10_000)
        .await
        .unwrap();
    for g in &later {
        let before = grants
            .iter()
            .find(|b| b["external_id"] == g["external_id"])
            .unwrap();
        assert_eq!(g["first_seen_ms"], before["first_seen_ms"]);
        assert!(g["last_seen_ms"].as_i64() > before["last_seen_ms"].as_i64());
    }
}

#[tokio::test]
async fn a_wrong_secret_is_refused_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(8);
    let fake = fake(&t).await;
    let e = engine
        .connect_m365(input(&fake, "Contoso", "wrong"))
        .await
        .unwrap_err();
    // In plain words, beside the field it concerns, the vendor's code kept as the detail.
    assert_eq!(e.field(), Some("client_secret"), "{e}");
    assert!(
        e.to_string().starts_with("The client secret is wrong"),
        "{e}"
    );
    let detail = e.detail().unwrap();
    assert!(
        detail.contains("AADSTS7000215: Invalid client secret"),
        "{detail}"
    );
    assert!(
        !detail.contains("reconnect"),
        "the vendor's words only: {detail}"
    );
    assert!(engine.instances().await.unwrap().is_empty());
    // A tenant that does not exist, an app registration that is not there.
    let mut wrong_tenant = input(&fake, "Contoso", SECRET);
    wrong_tenant.tenant = "nosuchtenant.onmicrosoft.com".into();
    let e = engine.connect_m365(wrong_tenant).await.unwrap_err();
    assert_eq!(e.field(), Some("tenant"), "{e:?}");
    assert!(e.to_string().contains("tenant was not found"), "{e}");
    let mut wrong_app = input(&fake, "Contoso", SECRET);
    wrong_app.client_id = "00000000-1111-2222-3333-444444444444".into();
    let e = engine.connect_m365(wrong_app).await.unwrap_err();
    assert_eq!(e.field(), Some("client_id"), "{e:?}");
    assert!(engine.instances().await.unwrap().is_empty());

    // Edit credentials: a wrong new secret is refused and the working one kept.
    let i = connect(&engine, &fake).await;
    let e = engine
        .update_credentials(
            &i.id,
            UpdateCredentials {
                token: None,
                client_secret: Some("wrong".into()),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("client_secret"), "{e:?}");
    let ok = engine
        .update_credentials(
            &i.id,
            UpdateCredentials {
                token: None,
                client_secret: Some(SECRET.into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(ok.status, InstanceStatus::Connected);
}

#[tokio::test]
async fn a_rate_limit_storm_and_server_errors_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(11);
    let fake = fake(&t).await;
    let i = connect(&engine, &fake).await;
    fake.faults().rate_limit_next(40, 0);
    fake.faults().server_error_next(3);
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    assert!(report.throttles >= 40, "{report:?}");
    assert!(report.retries >= 3, "{report:?}");
    assert_counts_equal(&engine.instance(&i.id).await.unwrap(), &t, 0);
}

#[tokio::test]
async fn a_killed_scan_resumes_without_duplicates_or_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(13);
    let fake = fake(&t).await;
    let i = connect(&engine, &fake).await;
    fake.faults().delay_ms(15);
    // Kill the scan at several points: in the groups, in the activities, in the files.
    let mut cancelled = 0;
    for stop_after in [20, 70, 140] {
        let scan = {
            let engine = engine.clone();
            let id = i.id.clone();
            tokio::spawn(async move { engine.scan_instance(&id).await })
        };
        let start = fake.stats().requests;
        while fake.stats().requests < start + stop_after && !scan.is_finished() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        engine.cancel_scan(&i.id);
        let report = scan.await.unwrap().unwrap();
        assert!(
            matches!(report.status.as_str(), "cancelled" | "completed"),
            "{report:?}"
        );
        cancelled += usize::from(report.status == RunStatus::Cancelled);
    }
    assert!(cancelled >= 2, "the scans were not killed midway");
    fake.faults().delay_ms(0);
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    assert_counts_equal(&engine.instance(&i.id).await.unwrap(), &t, 0);
}

#[tokio::test]
async fn late_audit_events_inside_the_lag_window_are_picked_up() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(17);
    let fake = fake(&t).await;
    let i = connect(&engine, &fake).await;
    engine.scan_instance(&i.id).await.unwrap();
    let before = engine.instance(&i.id).await.unwrap().counts.activities;

    // Indexed late: 3 minutes before the newest event already stored.
    let newest = t
        .directory_audits
        .iter()
        .map(|e| e.activity_at_ms)
        .chain(t.sign_ins.iter().map(|s| s.created_at_ms))
        .max()
        .unwrap();
    let mut late = t.directory_audits[0].clone();
    late.id = "Directory_late-event-1".into();
    late.activity_at_ms = newest - 3 * 60 * 1000;
    fake.add_directory_audit(late);
    let mut late_sign_in = t.sign_ins[0].clone();
    late_sign_in.id = "late-sign-in-1".into();
    late_sign_in.created_at_ms = newest - 4 * 60 * 1000;
    fake.add_sign_in(late_sign_in);

    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(phase(&report, "activities").status, PhaseStatus::Completed);
    let after = engine.instance(&i.id).await.unwrap().counts.activities;
    assert_eq!(
        after,
        before + 2,
        "the late events are stored once, the overlap is not"
    );
}

#[tokio::test]
async fn client_credentials_401_renews_the_token_and_continues() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(19);
    let fake = fake(&t).await;
    let i = connect(&engine, &fake).await;
    fake.faults().expire_token_after(30);
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    let i = engine.instance(&i.id).await.unwrap();
    assert_eq!(i.status, InstanceStatus::Connected);
    assert_counts_equal(&i, &t, 0);
    assert!(fake.stats().count("/{tenant}/oauth2/v2.0/token") >= 2);
}

/// A browser sign-in of the fake tenant's administrator; with `instance`, to re-authorize it.
fn sign_in(fake: &FakeGraph, instance: Option<&str>) -> AuthorizeStart {
    AuthorizeStart {
        app: "m365".into(),
        name: "Contoso (admin)".into(),
        org: None,
        tenant: Some(fake.tenant_id().into()),
        client_id: CLIENT_ID.into(),
        client_secret: None,
        api_url: Some(format!("{}/v1.0", fake.url)),
        login_url: Some(fake.url.clone()),
        instance_id: instance.map(str::to_owned),
    }
}

async fn connect_interactive(engine: &Engine, fake: &FakeGraph) -> InstanceView {
    let (flow, page, result) = sign_in_through_browser(engine, sign_in(fake, None)).await;
    assert!(flow.redirect_uri.starts_with("http://127.0.0.1:"));
    assert!(flow.authorize_url.contains("code_challenge_method=S256"));
    assert!(page.contains("Cloudwarden is connected"), "{page}");
    result.unwrap()
}

#[tokio::test]
async fn browser_sign_in_then_401_refresh_and_continue() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(23);
    let fake = fake(&t).await;
    let i = connect_interactive(&engine, &fake).await;
    assert_eq!(i.status, InstanceStatus::Connected, "{:?}", i.status_detail);
    assert_eq!(i.config.auth.as_deref(), Some("authorization_code"));
    assert!(
        i.principal
            .as_deref()
            .unwrap()
            .contains(&t.users[0].user_principal_name),
        "{:?}",
        i.principal
    );

    fake.faults().expire_token_after(25);
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    let i = engine.instance(&i.id).await.unwrap();
    assert_eq!(i.status, InstanceStatus::Connected);
    // Signed in as a user: SharePoint sites only, and the phase says why.
    assert_counts(&i, &t, 0, false);
    let files = engine
        .list_records("files", Some(&i.id), 100_000)
        .await
        .unwrap();
    assert_files_match(&files, &t, false);
    assert!(phase(&report, "files")
        .detail
        .as_deref()
        .unwrap_or_default()
        .contains("OneDrive"));

    // Signing in again (edit credentials) keeps the instance and its data.
    let (_, _, again) = sign_in_through_browser(&engine, sign_in(&fake, Some(&i.id))).await;
    let again = again.unwrap();
    assert_eq!(again.id, i.id);
    assert_eq!(again.status, InstanceStatus::Connected);
    assert_eq!(engine.instances().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_denied_or_cancelled_sign_in_creates_nothing() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(24);
    let fake = fake(&t).await;
    fake.set_consent(false);
    let (_, page, result) = sign_in_through_browser(&engine, sign_in(&fake, None)).await;
    assert!(page.contains("could not connect"), "{page}");
    let e = result.unwrap_err();
    // AADSTS65004 in plain words; the identity platform's own text kept as the detail.
    assert!(e.to_string().contains("consent prompt was declined"), "{e}");
    assert_eq!(e.field(), Some("registration"));
    let detail = e.detail().unwrap();
    assert!(
        detail.contains("AADSTS65004") && detail.contains("access_denied"),
        "{detail}"
    );

    // Closing the dialog stops the wait.
    let flow = engine.authorize_start(sign_in(&fake, None)).await.unwrap();
    let finish = await_sign_in(&engine, &flow.flow_id);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(engine.cancel_flow(&flow.flow_id).unwrap());
    let e = finish.await.unwrap().unwrap_err();
    assert!(e.to_string().contains("cancelled"), "{e}");
    assert!(engine.instances().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_revoked_refresh_token_turns_the_instance_into_error_with_reconnect() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(29);
    let fake = fake(&t).await;
    let i = connect_interactive(&engine, &fake).await;
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
async fn a_missing_permission_is_named_and_the_other_phases_complete() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(31);
    let fake = fake(&t).await;
    fake.set_app_roles(&[
        "User.Read.All",
        "GroupMember.Read.All",
        "RoleManagement.Read.Directory",
        "Sites.Read.All",
        "Directory.Read.All",
        "Application.Read.All",
    ]);
    let i = connect(&engine, &fake).await;
    assert_eq!(i.status, InstanceStatus::Connected);
    let audit = i
        .permissions
        .iter()
        .find(|p| p.name.starts_with("AuditLog.Read.All"))
        .unwrap();
    assert!(!audit.granted);
    assert!(audit.fix.as_deref().unwrap().contains("admin consent"));
    assert!(
        i.status_detail
            .as_deref()
            .unwrap()
            .contains("AuditLog.Read.All"),
        "{:?}",
        i.status_detail
    );

    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Partial, "{report:?}");
    assert_eq!(
        phase(&report, "activities").status,
        PhaseStatus::MissingPermission
    );
    for p in ["accounts", "groups", "privileges", "files", "oauth_grants"] {
        assert_eq!(
            phase(&report, p).status,
            PhaseStatus::Completed,
            "{p}: {report:?}"
        );
    }
    let i = engine.instance(&i.id).await.unwrap();
    assert_eq!(i.status, InstanceStatus::Connected);
    assert_eq!(i.counts.activities, 0, "no false findings");
    assert_eq!(i.counts.accounts as usize, t.users.len());
    // Without AuditLog.Read.All the last sign-in is not readable: said, not a failure.
    assert!(phase(&report, "accounts")
        .detail
        .as_deref()
        .unwrap_or_default()
        .contains("AuditLog.Read.All"));
}

#[tokio::test]
async fn without_entra_id_p1_sign_ins_are_unavailable_and_audits_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(37);
    let fake = fake(&t).await;
    fake.set_premium(false);
    let i = connect(&engine, &fake).await;
    assert_eq!(i.status, InstanceStatus::Connected);
    let licence = i
        .permissions
        .iter()
        .find(|p| p.name.contains("P1"))
        .unwrap();
    assert!(!licence.granted);

    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    let activities = phase(&report, "activities");
    assert!(
        activities
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("P1 or P2"),
        "{activities:?}"
    );
    let i = engine.instance(&i.id).await.unwrap();
    assert_eq!(
        i.counts.activities as usize,
        t.directory_audits.len() + t.unified_audit.len()
    );
    assert_eq!(i.counts.accounts as usize, t.users.len());
    // The MFA registration report needs the licence too: not reported, and said so.
    let accounts = phase(&report, "accounts");
    assert!(
        accounts
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("MFA registration needs Microsoft Entra ID P1 or P2"),
        "{accounts:?}"
    );
    let stored = engine
        .list_records("accounts", Some(&i.id), 100_000)
        .await
        .unwrap();
    assert!(stored.iter().all(|a| a["mfa"].is_null()));
}

#[tokio::test]
async fn file_and_mailbox_activity_comes_from_the_unified_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(59);
    let fake = fake(&t).await;
    // A query the service takes a while to run: the scan waits for it.
    fake.set_audit_query_polls(1);
    let i = connect(&engine, &fake).await;
    assert!(i
        .permissions
        .iter()
        .any(|p| p.name.contains("AuditLogsQuery.Read.All") && p.granted));
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    assert_counts_equal(&engine.instance(&i.id).await.unwrap(), &t, 0);
    let activities = engine
        .list_records("activities", Some(&i.id), 100_000)
        .await
        .unwrap();
    // Every record, normalised: actor, action, object, address, client, outcome.
    for r in &t.unified_audit {
        let a = activities
            .iter()
            .find(|a| a["event_id"] == format!("ual:{}", r.id).as_str())
            .unwrap_or_else(|| panic!("{} missing", r.id));
        assert_eq!(a["actor"], &*r.user_principal_name);
        assert_eq!(a["action"], r.operation);
        assert_eq!(a["target"], r.object_id.as_str());
        assert_eq!(a["ip"], &*r.client_ip);
        assert_eq!(a["user_agent"], r.client);
        // The vendor's word (Succeeded / Failed) normalised; the raw record keeps it.
        assert_eq!(
            a["outcome"],
            if r.succeeded { "success" } else { "failure" }
        );
        assert_eq!(
            a["category"],
            cloudwarden_connectors::normalize::categorize("m365", r.operation).as_str()
        );
    }
    for op in [
        "FileDownloaded",
        "AnonymousLinkCreated",
        "FileDeleted",
        "MailItemsAccessed",
    ] {
        assert!(activities.iter().any(|a| a["action"] == op), "{op}");
    }
    // Sign-ins and directory audits say how they went too.
    assert!(activities
        .iter()
        .filter(|a| a["event_id"].as_str().unwrap().starts_with("signin:"))
        .all(|a| a["outcome"] == "success" || a["outcome"] == "failure"));
    // A second scan reads the overlap again and stores nothing twice.
    engine.scan_instance(&i.id).await.unwrap();
    assert_counts_equal(&engine.instance(&i.id).await.unwrap(), &t, 0);
}

#[tokio::test]
async fn without_the_audit_log_permission_or_licence_file_activity_is_named_missing() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(61);
    let fake = fake(&t).await;
    fake.set_unified_audit(false);
    let i = connect(&engine, &fake).await;
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    let detail = phase(&report, "activities")
        .detail
        .clone()
        .unwrap_or_default();
    assert!(
        detail.contains("licence that includes auditing"),
        "{detail}"
    );
    let i = engine.instance(&i.id).await.unwrap();
    assert_eq!(
        i.counts.activities as usize,
        t.directory_audits.len() + t.sign_ins.len()
    );

    // The licence is there, the permission is not.
    let dir = tempfile::tempdir().unwrap();
    let engine = support::engine(&dir).await;
    drop(fake);
    let fake = self::fake(&t).await;
    let without: Vec<&str> = cloudwarden_connectors::m365::APPLICATION_PERMISSIONS
        .iter()
        .copied()
        .filter(|p| *p != "AuditLogsQuery.Read.All")
        .collect();
    fake.set_app_roles(&without);
    let i = connect(&engine, &fake).await;
    let check = i
        .permissions
        .iter()
        .find(|p| p.name.contains("AuditLogsQuery.Read.All"))
        .unwrap();
    assert!(!check.granted);
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    let detail = phase(&report, "activities")
        .detail
        .clone()
        .unwrap_or_default();
    assert!(detail.contains("needs AuditLogsQuery.Read.All"), "{detail}");
}

#[tokio::test]
async fn files_are_read_incrementally_through_delta_links() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(41);
    let fake = fake(&t).await;
    let i = connect(&engine, &fake).await;
    let delta = "/v1.0/drives/{drive_id}/root/delta";
    engine.scan_instance(&i.id).await.unwrap();
    let full = fake.stats().count(delta);
    assert!(full as usize >= t.drives.len());

    // Nothing changed: one delta request per drive, nothing re-read.
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    assert_eq!(phase(&report, "files").records, 0, "{report:?}");
    assert_eq!(fake.stats().count(delta) - full, t.drives.len() as u64);
    assert_counts_equal(&engine.instance(&i.id).await.unwrap(), &t, 0);

    // An edited file comes back alone, and is updated in place — with its full path though
    // its folders were not read in this scan.
    let paths = paths(&t);
    let edited = t
        .files()
        .max_by_key(|f| paths[f.id.as_str()].matches('/').count())
        .unwrap();
    assert!(
        paths[edited.id.as_str()].matches('/').count() >= 3,
        "a file two folders deep"
    );
    assert!(fake.touch_item(&edited.id));
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(phase(&report, "files").records, 1, "{report:?}");
    assert_counts_equal(&engine.instance(&i.id).await.unwrap(), &t, 0);
    let files = engine
        .list_records("files", Some(&i.id), 100_000)
        .await
        .unwrap();
    assert_files_match(&files, &t, true);

    // A new anyone-link on an unchanged file is a sharing change only: the scan asks for
    // sharing changes (driveitem-delta.md's Prefer header) and sees it.
    let quiet = t
        .files()
        .find(|f| {
            f.id != edited.id
                && t.sharing_levels()
                    .get(f.id.as_str())
                    .is_none_or(|l| *l == "private")
        })
        .unwrap();
    assert!(fake.share_item(
        &quiet.id,
        cloudwarden_testkit::graph::Permission {
            id: "new-anyone-link".into(),
            role: cloudwarden_testkit::graph::AccessRole::Read,
            link: Some(LinkScope::Anonymous),
            granted_to: Vec::new(),
            expires_at_ms: None,
        }
    ));
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(phase(&report, "files").records, 1, "{report:?}");
    let files = engine
        .list_records("files", Some(&i.id), 100_000)
        .await
        .unwrap();
    let shared = files
        .iter()
        .find(|f| f["external_id"] == quiet.id.as_str())
        .unwrap();
    assert_eq!(shared["sharing"], "public");
    assert_eq!(shared["name"].as_str().unwrap(), paths[quiet.id.as_str()]);

    // Expired change tokens: every drive is read again in full from the answer's Location;
    // the service's items are the truth (a read-only copy has no local changes to keep),
    // so a file it no longer has goes, under either code, and nothing is doubled.
    let gone = t
        .files()
        .find(|f| f.id != edited.id && f.id != quiet.id)
        .unwrap();
    assert!(fake.remove_item(&gone.id));
    fake.invalidate_delta_tokens_with("resyncChangesUploadDifferences");
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    let files = phase(&report, "files");
    assert_eq!(files.records as usize, items(&t, true) - 1, "{report:?}");
    assert!(files
        .detail
        .as_deref()
        .unwrap_or_default()
        .contains("expired"));
    let i = engine.instance(&i.id).await.unwrap();
    assert_eq!(i.counts.files as usize, items(&t, true) - 1);
    let stored = engine
        .list_records("files", Some(&i.id), 100_000)
        .await
        .unwrap();
    assert!(stored.iter().all(|f| f["external_id"] != gone.id.as_str()));

    // "Apply differences" the same; the rest stays, once.
    fake.invalidate_delta_tokens_with("resyncChangesApplyDifferences");
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    assert!(phase(&report, "files")
        .detail
        .as_deref()
        .unwrap_or_default()
        .contains("removed"));
    let i = engine.instance(&i.id).await.unwrap();
    assert_eq!(i.counts.files as usize, items(&t, true) - 1);
}

/// Collects what a connector stores.
#[derive(Default)]
struct Collect(Vec<cloudwarden_connectors::model::Activity>);

#[async_trait::async_trait]
impl cloudwarden_connectors::model::Sink for Collect {
    async fn page(
        &mut self,
        records: cloudwarden_connectors::model::Records,
        _cursor: Option<String>,
    ) -> cloudwarden_connectors::Result<()> {
        self.0.extend(records.activities);
        Ok(())
    }
}

#[tokio::test]
async fn a_resumed_activities_scan_rereads_the_open_windows_it_had_finished() {
    use cloudwarden_connectors::model::{Connector, Ctx, Phase, PhaseStart};
    use cloudwarden_connectors::{http, m365, oauth};
    let t = tenant(47);
    let fake = fake(&t).await;
    let mut ep = m365::endpoints(fake.tenant_id(), CLIENT_ID, Some(SECRET), Some(&fake.url));
    ep.device_url = None;
    let client = http::Http::new(tokio_util::sync::CancellationToken::new()).unwrap();
    let tokens = oauth::client_credentials(client.token_client(), &ep, &[m365::APP_SCOPE])
        .await
        .unwrap();
    let ctx = Ctx {
        http: client,
        auth: http::Auth::Bearer(tokens.access_token),
    };
    let connector = m365::M365::new(fake.tenant_id(), Some(&format!("{}/v1.0", fake.url))).unwrap();
    // A cursor stored by a run that had finished every window, the open-ended ones included,
    // before it was stopped (e.g. while the phase's last page was being written).
    let since = t
        .directory_audits
        .iter()
        .map(|e| e.activity_at_ms)
        .min()
        .unwrap();
    let cursor = serde_json::json!({"windows": [
        {"source": "audits", "from": since, "to": null, "next": null, "done": true},
        {"source": "sign_ins", "from": since, "to": null, "next": null, "done": true},
    ]});
    let mut sink = Collect::default();
    connector
        .scan(
            &ctx,
            Phase::Activities,
            PhaseStart {
                resume: Some(cursor.to_string()),
                since_ms: Some(since),
                state: None,
            },
            &mut sink,
        )
        .await
        .unwrap();
    assert_eq!(
        sink.0.len(),
        t.directory_audits.len() + t.sign_ins.len(),
        "open-ended windows are read again on resume"
    );
}

#[tokio::test]
async fn a_scan_outliving_several_access_tokens_renews_each_time() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let t = tenant(53);
    let fake = fake(&t).await;
    // Tokens live 2 s; the scan takes several times that.
    fake.set_access_token_lifetime(2);
    let i = connect(&engine, &fake).await;
    fake.faults().delay_ms(80);
    let before = fake.stats().count("/{tenant}/oauth2/v2.0/token");
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    assert!(
        fake.stats().count("/{tenant}/oauth2/v2.0/token") - before >= 2,
        "renewed more than once"
    );
    let i = engine.instance(&i.id).await.unwrap();
    assert_eq!(i.status, InstanceStatus::Connected);
    assert_counts_equal(&i, &t, 0);
}

#[tokio::test]
async fn a_scan_shows_what_it_has_stored_so_far() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    // Enough audit pages (1,000 events each) that the activities phase commits several times.
    let size = GraphSize {
        audit_days: 5,
        directory_audits: 24_000,
        sign_ins: 24_000,
        ..GraphSize::small()
    };
    let t = GraphTenant::generate("contoso", 61, &size);
    let fake = fake(&t).await;
    let i = connect(&engine, &fake).await;
    fake.faults().delay_ms(60);
    let scan = {
        let engine = engine.clone();
        let id = i.id.clone();
        tokio::spawn(async move { engine.scan_instance(&id).await })
    };
    // The status detail names the phase and the records stored so far, while the scan runs.
    let mut seen = None;
    while !scan.is_finished() && seen.is_none() {
        let view = engine.instance(&i.id).await.unwrap();
        seen = view
            .status_detail
            .filter(|d| view.status == InstanceStatus::Scanning && d.ends_with(" records"))
            .filter(|d| {
                d.trim_end_matches(" records")
                    .rsplit(' ')
                    .next()
                    .and_then(|n| n.parse::<u64>().ok())
                    .is_some_and(|n| n > 0)
            });
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    engine.cancel_scan(&i.id);
    scan.await.unwrap().unwrap();
    let seen = seen.expect("live progress was shown");
    assert!(seen.starts_with("reading "), "{seen}");
}
