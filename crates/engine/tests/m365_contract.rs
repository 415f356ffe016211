//! The Microsoft 365 connector's contract with Microsoft Graph: a full scan of a generated
//! tenant — with an app registration's client credentials, and again with an administrator
//! signed in through the browser — records every request the connector sends, and each is
//! judged by Microsoft's published v1.0 schema (`cleanMetadata-v1.0.xml`) and the limits
//! on its operation's documentation page (`cloudwarden_testkit::graph::contract`). The fake
//! answering a request is not the judge: a probe refused with 400 may be taken as a missing
//! feature, so every request is checked here, whatever the fake answered.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cloudwarden_engine::domain::connectors::RunStatus;
use cloudwarden_engine::domain::connectors::{AuthorizeStart, ConnectM365};
use cloudwarden_testkit::graph::{contract, schema, FakeGraph};
use support::m365::{tenant, CLIENT_ID, SECRET};
use support::{engine, sign_in_through_browser};

async fn fake(seed: u64) -> FakeGraph {
    support::m365::fake(&tenant(seed)).await
}

/// Every recorded request that v1.0 or its documentation does not allow, printed.
fn violations(fake: &FakeGraph) -> Vec<String> {
    fake.requests()
        .iter()
        .filter_map(|r| {
            let problems = contract::check(schema::v1(), r);
            (!problems.is_empty()).then(|| format!("{r}\n    {}", problems.join("\n    ")))
        })
        .collect()
}

fn assert_valid(fake: &FakeGraph) {
    let requests = fake.requests();
    assert!(requests.len() > 20, "{} requests", requests.len());
    let bad = violations(fake);
    assert!(
        bad.is_empty(),
        "{} of {} requests are not valid Microsoft Graph v1.0 requests:\n{}",
        bad.len(),
        requests.len(),
        bad.join("\n")
    );
    // Every delta request asks for sharing changes (driveitem-delta.md: the three
    // preferences in one header).
    for r in requests.iter().filter(|r| r.target.contains("/root/delta")) {
        assert_eq!(
            r.prefer.as_deref(),
            Some("deltashowremovedasdeleted, deltatraversepermissiongaps, deltashowsharingchanges"),
            "{r}"
        );
    }
    // Each operation the scan needs was called.
    for route in [
        "/users",
        "/groups/{id}/members",
        "/roleManagement/directory/roleAssignments",
        "/auditLogs/directoryAudits",
        "/auditLogs/signIns",
        "/drives/{id}/root/delta",
        "/oauth2PermissionGrants",
        "/servicePrincipals",
        "/servicePrincipals/{id}/appRoleAssignedTo",
        "/roleManagement/directory/roleEligibilityScheduleInstances",
        "/security/auditLog/queries",
        "/security/auditLog/queries/{id}",
        "/security/auditLog/queries/{id}/records",
    ] {
        assert!(
            requests.iter().any(|r| {
                let path = r.target.split('?').next().unwrap_or_default();
                contract::resolve(schema::v1(), path).is_ok_and(|t| t.route == route)
            }),
            "no request to {route}"
        );
    }
}

#[tokio::test]
async fn a_client_credentials_scan_sends_only_valid_v1_requests() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let fake = fake(31).await;
    let i = engine
        .connect_m365(ConnectM365 {
            name: "Contoso".into(),
            tenant: fake.tenant_id().into(),
            client_id: CLIENT_ID.into(),
            client_secret: SECRET.into(),
            api_url: Some(format!("{}/v1.0", fake.url)),
            login_url: Some(fake.url.clone()),
        })
        .await
        .unwrap();
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    assert_valid(&fake);
    assert!(fake.requests().iter().all(|r| !r.delegated));
}

#[tokio::test]
async fn a_signed_in_administrators_scan_sends_only_valid_v1_requests() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let fake = fake(37).await;
    let (_, _, result) = sign_in_through_browser(
        &engine,
        AuthorizeStart {
            app: "m365".into(),
            name: "Contoso (admin)".into(),
            org: None,
            tenant: Some(fake.tenant_id().into()),
            client_id: CLIENT_ID.into(),
            client_secret: None,
            api_url: Some(format!("{}/v1.0", fake.url)),
            login_url: Some(fake.url.clone()),
            instance_id: None,
        },
    )
    .await;
    let i = result.unwrap();
    let report = engine.scan_instance(&i.id).await.unwrap();
    assert_eq!(report.status, RunStatus::Completed, "{report:?}");
    assert_valid(&fake);
    assert!(fake.requests().iter().all(|r| r.delegated));
}

#[test]
fn the_check_refuses_what_real_graph_refuses() {
    // The defects the contract test guards against, each as the request it was.
    let bad = |target: &str, delegated: bool| {
        contract::check(
            schema::v1(),
            &contract::Request {
                method: "GET".into(),
                target: target.into(),
                delegated,
                prefer: None,
                body: None,
            },
        )
    };
    assert!(!bad(
        "/v1.0/servicePrincipals?$select=id,appId,displayName,appOwnerOrganizationId,publisherName,verifiedPublisher&$top=999",
        false
    )
    .is_empty());
    assert!(!bad(
        "/v1.0/users?$select=id,userPrincipalName,signInActivity&$top=999",
        false
    )
    .is_empty());
    assert!(!bad("/v1.0/sites/getAllSites?$select=id&$top=1", true).is_empty());
    assert!(!bad(
        "/v1.0/auditLogs/directoryAudits?$filter=activityDateTime%20ge%202024-05-01T00:00:00Z%20and%20activityDateTime%20lt%202024-05-02T00:00:00Z&$top=999",
        false
    )
    .is_empty());
}
