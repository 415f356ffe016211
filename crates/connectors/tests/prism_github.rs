//! Every GitHub endpoint the connector calls, against Prism serving GitHub's official
//! description (`../shared/testdata/apis/github/ghec.json`, Enterprise Cloud: it has the audit
//! log). Prism answers 422 to a request that breaks the description (unknown or invalid query
//! parameters, wrong enum values, bad paths), so each phase completing proves the requests
//! conform; the example bodies check that the connector reads the documented shapes.
//!
//! Needs `tests/prism` installed (`make setup`): ignored by a plain `cargo test`, run by
//! `make test` (`--ignored`), where a missing Prism fails it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use async_trait::async_trait;
use cloudwarden_connectors::github::Github;
use cloudwarden_connectors::http::{Auth, Http};
use cloudwarden_connectors::model::{
    Connector, Ctx, GovernanceKind, GovernanceTarget, Phase, PhaseStart, Records, Revocation,
    RevokePlan, RevokeStep, Sink,
};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

/// The GET operations the GitHub connector calls.
const PATHS: &[&str] = &[
    "/user",
    "/orgs/{org}",
    "/orgs/{org}/members",
    "/orgs/{org}/outside_collaborators",
    "/orgs/{org}/teams",
    "/orgs/{org}/teams/{team_slug}/members",
    "/orgs/{org}/audit-log",
    "/orgs/{org}/repos",
    "/repos/{owner}/{repo}/collaborators",
    "/orgs/{org}/installations",
    "/orgs/{org}/credential-authorizations",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.insert(r.clone());
            }
            m.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

/// Drops `Link` from response headers: the description's example points at
/// `https://api.github.com/resource?page=2`, another origin, which the connector refuses to
/// follow (it would send the token there). Requests are still checked against the description.
fn drop_link_headers(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(h)) = m.get_mut("headers") {
                h.remove("Link");
                h.remove("link");
            }
            m.values_mut().for_each(drop_link_headers);
        }
        Value::Array(a) => a.iter_mut().for_each(drop_link_headers),
        _ => {}
    }
}

/// Offers every `application/json` answer also as `application/vnd.github+json`, the media
/// type GitHub documents for its REST API (getting-started-with-the-rest-api.md; GitHub
/// answers it with JSON) and the connector asks for: the description lists only
/// `application/json`, and Prism refuses (406) an `Accept` it does not list.
fn accept_github_media_type(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(content)) = m.get_mut("content") {
                if let Some(json) = content.get("application/json").cloned() {
                    content.insert("application/vnd.github+json".into(), json);
                }
            }
            m.values_mut().for_each(accept_github_media_type);
        }
        Value::Array(a) => a.iter_mut().for_each(accept_github_media_type),
        _ => {}
    }
}

/// The description cut to the GET operations of `PATHS` and the components they reference
/// (the whole file takes Prism a minute to load, and references files that are not shipped).
/// The DELETE operations the connector sends when the analyst bans an app (revoke plans).
/// The DELETE operations of governance actions (an outside collaborator removed).
const DELETES: &[&str] = &[
    "/orgs/{org}/credential-authorizations/{credential_id}",
    "/orgs/{org}/outside_collaborators/{username}",
];

fn subset(spec: &Value) -> Value {
    let mut paths = serde_json::Map::new();
    for (p, method) in PATHS
        .iter()
        .map(|p| (p, "get"))
        .chain(DELETES.iter().map(|p| (p, "delete")))
    {
        let mut op = spec["paths"][*p][method].clone();
        assert!(op.is_object(), "{method} {p} is not in the description");
        // api-versions.md: name the REST API version with `X-GitHub-Api-Version`. Required
        // here, so Prism refuses (422) a request that does not.
        let version = json!({
            "name": "X-GitHub-Api-Version", "in": "header", "required": true,
            "schema": {"type": "string", "enum": ["2022-11-28"]},
        });
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            params.push(version);
        } else {
            op["parameters"] = json!([version]);
        }
        let mut item = serde_json::Map::new();
        item.insert(method.into(), op);
        if let Some(params) = spec["paths"][*p].get("parameters") {
            item.insert("parameters".into(), params.clone());
        }
        paths.insert((*p).into(), Value::Object(item));
    }
    let mut components = json!({});
    let mut todo = BTreeSet::new();
    refs(&Value::Object(paths.clone()), &mut todo);
    let mut done = BTreeSet::new();
    while let Some(r) = todo.pop_first() {
        if !done.insert(r.clone()) {
            continue;
        }
        let Some(pointer) = r.strip_prefix('#') else {
            continue;
        };
        let target = spec.pointer(pointer).cloned().unwrap_or(Value::Null);
        refs(&target, &mut todo);
        let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
        if let [_, kind, name] = parts.as_slice() {
            components[*kind][*name] = target;
        }
    }
    if let Some(headers) = components.get_mut("headers") {
        if let Some(h) = headers.as_object_mut() {
            h.remove("link");
        }
    }
    let mut paths = Value::Object(paths);
    drop_link_headers(&mut paths);
    accept_github_media_type(&mut paths);
    accept_github_media_type(&mut components);
    json!({
        "openapi": spec["openapi"],
        "info": spec["info"],
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": components,
    })
}

struct Prism(Child);

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn prism() -> (Prism, String, tempfile::TempDir) {
    let bin = root().join("tests/prism/node_modules/.bin/prism");
    assert!(
        bin.exists(),
        "Prism is required but {} is missing (make setup)",
        bin.display()
    );
    let spec: Value = serde_json::from_slice(
        &std::fs::read(root().join("../shared/testdata/apis/github/ghec.json")).unwrap(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("github-subset.json");
    std::fs::write(&file, serde_json::to_vec(&subset(&spec)).unwrap()).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let guard = Prism(child);
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..600 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return (guard, url, dir);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Prism did not start on port {port}");
}

#[derive(Default)]
struct Collect {
    records: Records,
    pages: usize,
}

#[async_trait]
impl Sink for Collect {
    async fn page(
        &mut self,
        r: Records,
        _cursor: Option<String>,
    ) -> cloudwarden_connectors::Result<()> {
        self.pages += 1;
        self.records.accounts.extend(r.accounts);
        self.records.groups.extend(r.groups);
        self.records.memberships.extend(r.memberships);
        self.records.privileges.extend(r.privileges);
        self.records.activities.extend(r.activities);
        self.records.files.extend(r.files);
        self.records.oauth_grants.extend(r.oauth_grants);
        Ok(())
    }
}

#[tokio::test]
#[ignore = "needs Prism (tests/prism, installed by make setup): run by `make test`"]
async fn every_github_call_conforms_to_the_official_description() {
    let (_prism, url, _dir) = prism().await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let github = Github::new("acme", Some(&url)).unwrap();
    let ctx = Ctx {
        http: Http::new(CancellationToken::new()).unwrap(),
        auth: Auth::Bearer("ghp_prism".into()),
    };

    let permissions = github.permissions(&ctx).await.unwrap();
    assert_eq!(permissions.principal, "octocat", "the example user");
    assert!(permissions
        .checks
        .iter()
        .any(|c| c.name.starts_with("audit log") && c.granted));

    let mut all = Collect::default();
    for phase in Phase::ALL {
        let start = PhaseStart {
            since_ms: Some(1_700_000_000_000),
            ..PhaseStart::default()
        };
        github
            .scan(&ctx, phase, start, &mut all)
            .await
            .unwrap_or_else(|e| panic!("{phase:?}: {e}"));
    }
    let r = &all.records;
    // The description's examples, read through the connector.
    assert_eq!(
        r.accounts.first().map(|a| a.login.as_str()),
        Some("octocat")
    );
    assert_eq!(
        r.groups.first().map(|g| g.name.as_str()),
        Some("Justice League")
    );
    assert!(!r.memberships.is_empty());
    assert!(!r.privileges.is_empty());
    assert!(!r.activities.is_empty(), "audit-log example events");
    assert!(r
        .activities
        .iter()
        .all(|a| !a.event_id.is_empty() && a.occurred_at_ms > 0));
    assert_eq!(
        r.files.first().map(|f| f.name.as_str()),
        Some("octocat/Hello-World")
    );
    assert!(r
        .oauth_grants
        .iter()
        .any(|g| g.external_id.starts_with("installation:")));
    assert!(r
        .oauth_grants
        .iter()
        .any(|g| g.external_id.starts_with("credential:")));
    assert!(ctx.http.counters().snapshot().requests >= PATHS.len() as u64);

    // A ban revokes the credential authorization the scan read, sent as the engine sends it
    // (the step's own headers), and Prism accepts it; without the headers, it refuses.
    let credential = r
        .oauth_grants
        .iter()
        .find(|g| g.external_id.starts_with("credential:"))
        .unwrap();
    let plan = github
        .revoke_plan(&Revocation {
            kind: credential.kind,
            external_id: &credential.external_id,
            raw: credential.raw.as_str(),
        })
        .unwrap();
    let step = send_the_delete(&ctx, plan).await;
    let bare = ctx.http.delete(&step.url, &ctx.auth).await;
    assert!(bare.is_err(), "Prism requires the API version header");

    // Removing an outside collaborator (a governance action), as the engine sends it.
    let login = "octo-contractor";
    let plan = github
        .governance_plan(&GovernanceTarget {
            kind: GovernanceKind::RemoveOutsideCollaborator,
            external_id: "1",
            login: Some(login),
            raw: "{}",
            external: &[],
        })
        .unwrap();
    let step = send_the_delete(&ctx, plan).await;
    assert!(
        step.url
            .path()
            .ends_with(&format!("/outside_collaborators/{login}")),
        "{}",
        step.url
    );
}

/// Sends the one DELETE of an API plan as the engine sends it (with the step's own headers);
/// Prism must accept it.
async fn send_the_delete(ctx: &Ctx, plan: RevokePlan) -> RevokeStep {
    let RevokePlan::Api(mut steps) = plan else {
        panic!("done through the API, not by hand: {plan:?}");
    };
    assert_eq!(steps.len(), 1);
    let step = steps.remove(0);
    assert_eq!(step.method, "DELETE");
    ctx.http
        .with_headers(&step.headers)
        .unwrap()
        .delete(&step.url, &ctx.auth)
        .await
        .unwrap_or_else(|e| panic!("{} {}: {e}", step.method, step.url));
    step
}
