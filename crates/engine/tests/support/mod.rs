//! Helpers shared by the connector tests.
#![allow(dead_code, clippy::unwrap_used)] // each test file uses some of these

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::connectors::{
    AuthorizeFlow, AuthorizeStart, InstanceView, PhaseReport, ScanReport,
};

/// An engine on a fresh data directory, its secrets in memory: tests of logic never touch
/// the analyst's keychain and run where there is none. (`keychain.rs` tests the keychain.)
pub async fn engine(dir: &tempfile::TempDir) -> Engine {
    Engine::open_with(
        Some(dir.path()),
        cloudwarden_engine::secrets::SecretStore::in_memory(),
    )
    .await
    .unwrap()
}

/// The report of one phase of a scan.
pub fn phase<'a>(r: &'a ScanReport, name: &str) -> &'a PhaseReport {
    r.phases.iter().find(|p| p.phase == name).unwrap()
}

/// The engine waiting, on its own task, for the browser to come back to a started sign-in.
pub fn await_sign_in(
    engine: &Engine,
    flow_id: &str,
) -> tokio::task::JoinHandle<cloudwarden_engine::Result<InstanceView>> {
    let (engine, id) = (engine.clone(), flow_id.to_owned());
    tokio::spawn(async move { engine.authorize_finish(&id).await })
}

/// The analyst's browser: follows the authorization URL to the fake's consent (302) and on to
/// the app's loopback redirect, as a real browser would; the page it ends on.
async fn browse(url: &str) -> String {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

/// A whole browser sign-in: started, the URL followed, the engine's answer. Also the page the
/// browser ended on, and the flow (for its URLs).
pub async fn sign_in_through_browser(
    engine: &Engine,
    start: AuthorizeStart,
) -> (
    AuthorizeFlow,
    String,
    cloudwarden_engine::Result<InstanceView>,
) {
    let flow = engine.authorize_start(start).await.unwrap();
    let finish = await_sign_in(engine, &flow.flow_id);
    let page = browse(&flow.authorize_url).await;
    let result = finish.await.unwrap();
    (flow, page, result)
}

/// A GitHub organisation on the fake GitHub.
pub mod github {
    use cloudwarden_engine::api::Engine;
    use cloudwarden_engine::domain::connectors::{ConnectGithub, InstanceView};
    use cloudwarden_testkit::github::{FakeGithub, GithubTenant, TenantSize};

    /// A small organisation whose audit events fall inside the back-fill.
    pub fn tenant(seed: u64) -> GithubTenant {
        GithubTenant::generate(
            "acme",
            seed,
            &TenantSize {
                audit_days: 5,
                ..TenantSize::small()
            },
        )
    }

    /// Connects the fake's organisation `acme` as instance `name` with `token`.
    pub async fn connect(
        engine: &Engine,
        fake: &FakeGithub,
        name: &str,
        token: &str,
    ) -> InstanceView {
        engine
            .connect_github(ConnectGithub {
                name: name.into(),
                org: "acme".into(),
                api_url: Some(fake.url.clone()),
                token: token.into(),
            })
            .await
            .unwrap()
    }
}

/// A Microsoft 365 tenant and the fake Graph serving it.
pub mod m365 {
    use cloudwarden_testkit::graph::{FakeGraph, GraphApp, GraphSize, GraphTenant};

    pub const CLIENT_ID: &str = "5e7e1a3c-0000-4000-8000-00000000c1d0";
    pub const SECRET: &str = "cw~fakeGraphSecret";

    /// A small tenant whose audit events and sign-ins all fall inside the 7-day back-fill.
    pub fn tenant(seed: u64) -> GraphTenant {
        let size = GraphSize {
            audit_days: 5,
            ..GraphSize::small()
        };
        GraphTenant::generate("contoso", seed, &size)
    }

    /// The fake Graph serving `t` to the app [`CLIENT_ID`] / [`SECRET`].
    pub async fn fake(t: &GraphTenant) -> FakeGraph {
        FakeGraph::start(
            t.clone(),
            GraphApp {
                client_id: CLIENT_ID.into(),
                client_secret: SECRET.into(),
            },
        )
        .await
        .unwrap()
    }

    /// No file is shared by an anyone-link or with anyone outside: planted sharing is then
    /// the only sharing a policy can find.
    pub fn keep_sharing_inside(t: &mut GraphTenant) {
        for item in &mut t.items {
            item.permissions.retain(|p| {
                p.link != Some(cloudwarden_testkit::graph::LinkScope::Anonymous)
                    && p.granted_to.iter().all(|g| !g.external)
            });
        }
    }

    /// Every Graph request the fake served conforms to Microsoft Graph's published schema and
    /// documented limits.
    pub fn assert_conforms(g: &FakeGraph) {
        use cloudwarden_testkit::graph::{contract, schema};
        for r in g.requests() {
            let problems = contract::check(schema::v1(), &r);
            assert!(problems.is_empty(), "{r}: {problems:?}");
        }
    }

    /// Connects an instance named `name` to the fake `g` with the app's client credentials.
    pub async fn connect(
        e: &cloudwarden_engine::api::Engine,
        g: &FakeGraph,
        name: &str,
    ) -> cloudwarden_engine::domain::connectors::InstanceView {
        e.connect_m365(cloudwarden_engine::domain::connectors::ConnectM365 {
            name: name.into(),
            tenant: g.tenant_id().into(),
            client_id: CLIENT_ID.into(),
            client_secret: SECRET.into(),
            api_url: Some(format!("{}/v1.0", g.url)),
            login_url: Some(g.url.clone()),
        })
        .await
        .unwrap()
    }
}
