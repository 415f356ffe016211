//! The fake Microsoft Graph against its contract: the identity platform's grants and
//! errors, every list walked to the end through `@odata.nextLink`, counts equal to the
//! generated tenant, permissions and licences, audit-log filters and late events, drive
//! delta and sharing permissions, and injected faults.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeSet, HashMap, HashSet};

use base64::Engine as _;
use cloudwarden_testkit::graph::{
    AuditResult, AuditTarget, DirectoryAudit, DriveType, FakeGraph, GraphApp, GraphSize,
    GraphTenant, Initiator, LinkScope, SignIn, UserType, GRAPH_APP_ID, MICROSOFT_TENANT_ID,
};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sha2::Digest;

const CLIENT_ID: &str = "0a1b2c3d-0000-4000-8000-00000000c0de";
const SECRET: &str = "s3cr3t~value";
const NOW: i64 = 1_760_000_000_000;
const GRAPH: &str = "https://graph.microsoft.com/.default";

fn client() -> Client {
    // reqwest is built without a bundled provider; the fake is plain HTTP, but the builder
    // still wants one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn tenant() -> GraphTenant {
    GraphTenant::generate_at("contoso", 42, &GraphSize::small(), NOW)
}

fn app() -> GraphApp {
    GraphApp {
        client_id: CLIENT_ID.into(),
        client_secret: SECRET.into(),
    }
}

async fn start(t: GraphTenant) -> FakeGraph {
    FakeGraph::start(t, app()).await.unwrap()
}

fn token_url(g: &FakeGraph, tenant: &str) -> String {
    format!("{}/{tenant}/oauth2/v2.0/token", g.url)
}

async fn post_form(c: &Client, url: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let r = c.post(url).form(form).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap())
}

/// An app-only access token.
async fn app_token(c: &Client, g: &FakeGraph) -> String {
    let (status, body) = post_form(
        c,
        &token_url(g, g.tenant_id()),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("scope", GRAPH),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

async fn get(c: &Client, url: &str, token: &str) -> reqwest::Response {
    c.get(url).bearer_auth(token).send().await.unwrap()
}

async fn get_json(c: &Client, url: &str, token: &str) -> (StatusCode, Value) {
    let r = get(c, url, token).await;
    let status = r.status();
    (status, r.json().await.unwrap())
}

/// Every item of a collection, following `@odata.nextLink`; also the number of pages and
/// the final page.
async fn walk(c: &Client, url: &str, token: &str) -> (Vec<Value>, usize, Value) {
    let mut next = Some(url.to_owned());
    let (mut items, mut pages, mut last) = (Vec::new(), 0, Value::Null);
    while let Some(u) = next {
        pages += 1;
        assert!(pages < 5_000, "no end to {url}");
        let (status, body) = get_json(c, &u, token).await;
        assert_eq!(status, StatusCode::OK, "{u}: {body}");
        next = body["@odata.nextLink"].as_str().map(str::to_owned);
        if let Some(n) = &next {
            assert!(n.starts_with("http://127.0.0.1:"), "{n}");
        }
        items.extend(body["value"].as_array().unwrap().iter().cloned());
        last = body;
    }
    (items, pages, last)
}

fn ids(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&raw).unwrap()
}

fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
}

/// The query parameters of a redirect's `Location`.
fn location(r: &reqwest::Response) -> HashMap<String, String> {
    let loc = r.headers()["location"].to_str().unwrap();
    let (_, q) = loc.split_once('?').unwrap();
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

const REDIRECT: &str = "http://127.0.0.1:53682/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk0123456789";

async fn authorize(c: &Client, g: &FakeGraph, verifier: &str) -> reqwest::Response {
    let url = format!("{}/organizations/oauth2/v2.0/authorize", g.url);
    c.get(url)
        .query(&[
            ("client_id", CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            (
                "scope",
                "https://graph.microsoft.com/.default offline_access openid",
            ),
            ("state", "st4te"),
            ("code_challenge", &challenge(verifier)),
            ("code_challenge_method", "S256"),
            ("prompt", "select_account"),
        ])
        .send()
        .await
        .unwrap()
}

/// A delegated token answer through authorize + token.
async fn delegated(c: &Client, g: &FakeGraph) -> Value {
    let r = authorize(c, g, VERIFIER).await;
    assert_eq!(r.status(), StatusCode::FOUND);
    let q = location(&r);
    let (status, body) = post_form(
        c,
        &token_url(g, "organizations"),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", &q["code"]),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn generation_is_deterministic_and_sized() {
    let size = GraphSize::small();
    let t = GraphTenant::generate_at("contoso", 7, &size, NOW);
    assert_eq!(t, GraphTenant::generate_at("contoso", 7, &size, NOW));
    assert_ne!(t, GraphTenant::generate_at("contoso", 8, &size, NOW));
    assert_eq!(t.domain, "contoso.onmicrosoft.com");
    assert_eq!(t.custom_domain, "contoso.com");
    assert_eq!(t.users.len(), 220);
    let guests: Vec<_> = t
        .users
        .iter()
        .filter(|u| u.user_type == UserType::Guest)
        .collect();
    assert_eq!(guests.len(), 20);
    for g in &guests {
        let mail = g.mail.as_deref().unwrap();
        assert!(!t.is_internal_email(mail), "{mail}");
        assert!(g
            .user_principal_name
            .ends_with("#EXT#@contoso.onmicrosoft.com"));
        assert!(g.user_principal_name.starts_with(&mail.replace('@', "_")));
    }
    assert!(t.users.iter().any(|u| !u.account_enabled));
    assert!(t.users.iter().any(|u| u.last_sign_in_ms.is_none()));
    assert_eq!(t.groups.len(), 30);
    let memberships: usize = t.groups.iter().map(|g| g.members.len()).sum();
    assert!((30 * 4..=30 * 12).contains(&memberships), "{memberships}");
    for g in t.groups.iter().filter(|g| g.unified) {
        assert!(!g.owners.is_empty());
        assert!(g.owners.iter().all(|o| g.members.contains(o)));
    }
    // Ten users hold roles directly, a role-assignable group one more.
    let admins: HashSet<_> = t.role_assignments.iter().map(|a| &a.principal_id).collect();
    assert_eq!(admins.len(), 11);
    assert_eq!(t.groups.iter().filter(|g| g.assignable_to_role).count(), 1);
    assert_eq!(t.role_eligibilities.len(), 3);
    assert!(!t.app_role_assignments.is_empty());
    assert!(t
        .role_assignments
        .iter()
        .any(|a| a.principal_id == t.users[0].id
            && a.role_definition_id == "62e90394-69f5-4237-9190-012177145e10"));
    assert_eq!(t.directory_audits.len(), 1_500);
    assert_eq!(t.sign_ins.len(), 1_000);
    let week = 7 * 86_400_000;
    assert!(t
        .directory_audits
        .iter()
        .all(|e| e.activity_at_ms < NOW && e.activity_at_ms >= NOW - week));
    assert!(t
        .directory_audits
        .windows(2)
        .all(|w| w[0].activity_at_ms <= w[1].activity_at_ms));
    assert_eq!(t.sites.iter().filter(|s| !s.personal).count(), 4);
    assert_eq!(t.sites.iter().filter(|s| s.personal).count(), 10);
    assert_eq!(t.files().count(), 400);
    assert_eq!(
        t.items.iter().filter(|i| i.parent_id.is_none()).count(),
        t.drives.len()
    );
    assert_eq!(
        t.drives
            .iter()
            .filter(|d| d.drive_type == DriveType::Business)
            .count(),
        10
    );
    let scopes: HashSet<_> = t.items.iter().filter_map(|i| i.own_scope()).collect();
    assert_eq!(scopes.len(), 3, "{scopes:?}");
    assert!(t
        .items
        .iter()
        .any(|i| i.permissions.iter().any(
            |p| p.link.is_none() && p.granted_to.iter().any(|g| !t.is_internal_email(&g.email))
        )));
    assert!(t
        .items
        .iter()
        .any(|i| i.permissions.iter().any(
            |p| p.link.is_none() && p.granted_to.iter().all(|g| t.is_internal_email(&g.email))
        )));
    let shared = t.files().filter(|f| f.own_scope().is_some()).count();
    assert!((20..=120).contains(&shared), "{shared}");
    assert_eq!(t.service_principals.len(), 30);
    assert_eq!(t.service_principals[0].app_id, GRAPH_APP_ID);
    for kind in [MICROSOFT_TENANT_ID, t.tenant_id.as_str()] {
        assert!(t
            .service_principals
            .iter()
            .any(|sp| sp.app_owner_organization_id == kind));
    }
    assert_eq!(t.grants.len(), 50);
    assert!(t
        .grants
        .iter()
        .all(|g| g.resource_id == t.service_principals[0].id));
    let all: Vec<&str> = t
        .users
        .iter()
        .map(|u| u.id.as_str())
        .chain(t.groups.iter().map(|g| g.id.as_str()))
        .chain(t.items.iter().map(|i| i.id.as_str()))
        .chain(t.directory_audits.iter().map(|e| e.id.as_str()))
        .chain(t.sign_ins.iter().map(|e| e.id.as_str()))
        .collect();
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), all.len());
}

#[tokio::test]
async fn benchmark_tenant_has_the_configured_size() {
    let size = GraphSize::benchmark();
    let t = GraphTenant::generate_at("fabrikam", 1, &size, NOW);
    assert_eq!(t.users.len(), 10_000);
    assert_eq!(t.groups.len(), 1_000);
    assert_eq!(t.directory_audits.len() + t.sign_ins.len(), 200_000);
    assert_eq!(t.files().count(), 50_000);
    assert_eq!(t.service_principals.len(), size.service_principals);
    assert_eq!(t.grants.len(), size.grants);
}

#[tokio::test]
async fn client_credentials_issue_app_tokens() {
    let t = tenant();
    let g = start(t.clone()).await;
    let c = client();
    let (status, body) = post_form(
        &c,
        &token_url(&g, &t.tenant_id),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("scope", GRAPH),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["ext_expires_in"], 3599);
    assert!(body.get("refresh_token").is_none());
    let token = body["access_token"].as_str().unwrap();
    let cl = claims(token);
    assert_eq!(cl["aud"], "https://graph.microsoft.com");
    assert_eq!(cl["tid"], t.tenant_id.as_str());
    assert_eq!(cl["appid"], CLIENT_ID);
    assert_eq!(cl["idtyp"], "app");
    assert_eq!(
        cl["exp"].as_i64().unwrap() - cl["iat"].as_i64().unwrap(),
        3599
    );
    let roles: BTreeSet<&str> = cl["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(roles.len(), 15);
    assert!(roles.contains("AuditLog.Read.All") && roles.contains("Application.Read.All"));
    assert!(cl.get("scp").is_none());
    let (status, org) = get_json(&c, &format!("{}/v1.0/organization", g.url), token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(org["value"][0]["id"], t.tenant_id.as_str());
    let domains: Vec<&str> = org["value"][0]["verifiedDomains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(domains, ["contoso.com", "contoso.onmicrosoft.com"]);

    // HTTP Basic client authentication, and a verified domain as the tenant.
    let r = c
        .post(token_url(&g, "contoso.com"))
        .basic_auth(CLIENT_ID, Some(SECRET))
        .form(&[("grant_type", "client_credentials"), ("scope", GRAPH)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Refusals, in the identity platform's error shape.
    let tid = t.tenant_id.as_str();
    // (tenant, client id, secret, scope) → (status, error, AADSTS code).
    let cases = [
        (
            tid,
            CLIENT_ID,
            "wrong",
            GRAPH,
            401,
            "invalid_client",
            7_000_215,
        ),
        (
            tid,
            CLIENT_ID,
            SECRET,
            "https://graph.microsoft.com/User.Read.All",
            400,
            "invalid_scope",
            1_002_012,
        ),
        (
            tid,
            "someone-else",
            SECRET,
            GRAPH,
            400,
            "unauthorized_client",
            700_016,
        ),
        (
            "fabrikam.com",
            CLIENT_ID,
            SECRET,
            GRAPH,
            400,
            "invalid_request",
            90_002,
        ),
        (
            "common",
            CLIENT_ID,
            SECRET,
            GRAPH,
            400,
            "invalid_request",
            50_059,
        ),
    ];
    for (tenant, id, secret, scope, status, error, code) in cases {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
            ("scope", scope),
        ];
        let (got, body) = post_form(&c, &token_url(&g, tenant), &form).await;
        assert_eq!(got.as_u16(), status, "{body}");
        assert_eq!(body["error"], error);
        assert_eq!(body["error_codes"][0], code);
        let description = body["error_description"].as_str().unwrap();
        assert!(
            description.starts_with(&format!("AADSTS{code}:")),
            "{description}"
        );
        for field in ["timestamp", "trace_id", "correlation_id"] {
            assert!(body[field].is_string(), "{field}");
        }
    }
    assert_eq!(g.stats().count("/{tenant}/oauth2/v2.0/token"), 7);
}

#[tokio::test]
async fn authorization_code_flow_with_pkce() {
    let t = tenant();
    let g = start(t.clone()).await;
    let c = client();
    let r = authorize(&c, &g, VERIFIER).await;
    assert_eq!(r.status(), StatusCode::FOUND);
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(loc.starts_with(&format!("{REDIRECT}?")), "{loc}");
    let q = location(&r);
    assert_eq!(q["state"], "st4te");
    let code = q["code"].clone();

    // A wrong verifier burns the code.
    let (status, body) = post_form(
        &c,
        &token_url(&g, "organizations"),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            (
                "code_verifier",
                "not-the-verifier-not-the-verifier-not-the-verifier",
            ),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_codes"][0], 501_481);
    let (status, body) = post_form(
        &c,
        &token_url(&g, "organizations"),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error_codes"][0], 54_005);

    // The right verifier: delegated tokens for users[0], a Global Administrator.
    let body = delegated(&c, &g).await;
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["refresh_token"].as_str().unwrap().len() > 20);
    assert!(body["id_token"].is_string());
    let scope: BTreeSet<&str> = body["scope"].as_str().unwrap().split(' ').collect();
    assert!(scope.contains("Directory.Read.All") && scope.contains("AuditLog.Read.All"));
    let token = body["access_token"].as_str().unwrap();
    let cl = claims(token);
    assert_eq!(cl["upn"], t.users[0].user_principal_name.as_str());
    assert_eq!(cl["oid"], t.users[0].id.as_str());
    assert_eq!(cl["tid"], t.tenant_id.as_str());
    assert!(cl.get("roles").is_none());
    assert_eq!(cl["scp"].as_str().unwrap().split(' ').count(), 15);
    let (status, me) = get_json(&c, &format!("{}/v1.0/me", g.url), token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["id"], t.users[0].id.as_str());
    // Application permissions only (site-getallsites.md: delegated "Not supported").
    let (status, body) = get_json(&c, &format!("{}/v1.0/sites/getAllSites", g.url), token).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error_code(&body), "accessDenied");
    let app = app_token(&c, &g).await;
    let (status, body) = get_json(&c, &format!("{}/v1.0/me", g.url), &app).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["message"],
        "/me request is only valid with delegated authentication flow."
    );

    // The delegated scopes are what the administrator consented to.
    g.set_delegated_scopes(&["User.Read.All", "offline_access"]);
    let body = delegated(&c, &g).await;
    assert_eq!(body["scope"], "User.Read.All offline_access");
    let token = body["access_token"].as_str().unwrap();
    let (status, body) = get_json(&c, &format!("{}/v1.0/groups", g.url), token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "Authorization_RequestDenied");

    // A redirect URI off the loopback interface gets an error page, not a redirect.
    let r = c
        .get(format!("{}/{}/oauth2/v2.0/authorize", g.url, t.tenant_id))
        .query(&[
            ("client_id", CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", "https://evil.example/callback"),
            ("scope", "openid"),
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // PKCE is required.
    let r = c
        .get(format!("{}/common/oauth2/v2.0/authorize", g.url))
        .query(&[
            ("client_id", CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", "http://localhost:8400/"),
            ("scope", "openid"),
            ("state", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(location(&r)["error"], "invalid_request");
    // Consent refused.
    g.set_consent(false);
    let r = authorize(&c, &g, VERIFIER).await;
    assert_eq!(r.status(), StatusCode::FOUND);
    let q = location(&r);
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "st4te");
    assert!(!q.contains_key("code"));
}

#[tokio::test]
async fn refresh_tokens_rotate_and_can_be_revoked() {
    let g = start(tenant()).await;
    let c = client();
    let first = delegated(&c, &g).await;
    let r1 = first["refresh_token"].as_str().unwrap();
    let refresh = |rt: String| {
        let c = c.clone();
        let url = token_url(&g, "organizations");
        async move {
            post_form(
                &c,
                &url,
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", CLIENT_ID),
                    ("refresh_token", &rt),
                    (
                        "scope",
                        "https://graph.microsoft.com/.default offline_access",
                    ),
                ],
            )
            .await
        }
    };
    let (status, second) = refresh(r1.to_owned()).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let r2 = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    let token = second["access_token"].as_str().unwrap();
    let (status, _) = get_json(&c, &format!("{}/v1.0/users", g.url), token).await;
    assert_eq!(status, StatusCode::OK);
    // The old refresh token was rotated out.
    let (status, body) = refresh(r1.to_owned()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_codes"], serde_json::json!([70008]));
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS70008: The provided authorization code or refresh token has expired due to inactivity"));
    // Revoked.
    g.revoke_refresh_tokens();
    let (status, body) = refresh(r2).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error_codes"][0], 70_008);
}

#[tokio::test]
async fn users_page_through_next_links() {
    let t = tenant();
    let g = start(t.clone()).await;
    let c = client();
    let token = app_token(&c, &g).await;
    let url = format!("{}/v1.0/users?$top=37", g.url);
    let (status, first) = get_json(&c, &url, &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["value"].as_array().unwrap().len(), 37);
    let next = first["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{}/v1.0/users?$top=37&$skiptoken=", g.url)),
        "{next}"
    );
    assert!(first["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("$metadata#users"));
    // Graph's default properties: no userType without $select.
    assert!(first["value"][0].get("userType").is_none());
    let (all, pages, last) = walk(&c, &url, &token).await;
    assert_eq!(pages, 220usize.div_ceil(37));
    assert!(last.get("@odata.nextLink").is_none());
    assert_eq!(all.len(), t.users.len());
    assert_eq!(ids(&all), t.users.iter().map(|u| u.id.clone()).collect());

    // A property v1.0 does not have is refused, as Graph does.
    let (status, body) = get_json(
        &c,
        &format!("{}/v1.0/users?$select=id,nonsense", g.url),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "Request_UnsupportedQuery");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("nonsense"));
    // $select, with or without `$`.
    let sel = format!(
        "{}/v1.0/users?select=id,userPrincipalName,userType,accountEnabled,createdDateTime&top=999",
        g.url
    );
    let (all, pages, _) = walk(&c, &sel, &token).await;
    assert_eq!(pages, 1);
    let guests = all.iter().filter(|u| u["userType"] == "Guest").count();
    assert_eq!(guests, 20);
    let disabled = all.iter().filter(|u| u["accountEnabled"] == false).count();
    assert_eq!(
        disabled,
        t.users.iter().filter(|u| !u.account_enabled).count()
    );
    let keys: BTreeSet<&str> = all[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "id",
            "userPrincipalName",
            "userType",
            "accountEnabled",
            "createdDateTime"
        ])
    );
    let (guests, _, _) = walk(
        &c,
        &format!("{}/v1.0/users?$filter=userType eq 'Guest'", g.url),
        &token,
    )
    .await;
    assert_eq!(guests.len(), 20);
    let (status, _) = get_json(
        &c,
        &format!("{}/v1.0/users?$skiptoken=bogus", g.url),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(g.stats().count("/v1.0/users"), 11);
}

#[tokio::test]
async fn sign_in_activity_needs_audit_permission_and_premium() {
    let t = tenant();
    let g = start(t.clone()).await;
    let c = client();
    let token = app_token(&c, &g).await;
    // user-list.md: at most 500 users a page with signInActivity.
    let too_many = format!("{}/v1.0/users?$select=id,signInActivity&$top=999", g.url);
    let (status, body) = get_json(&c, &too_many, &token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "Request_UnsupportedQuery");
    let url = format!("{}/v1.0/users?$select=id,signInActivity&$top=500", g.url);
    let (status, body) = get_json(&c, &url, &token).await;
    assert_eq!(status, StatusCode::OK);
    let u0 = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == t.users[0].id.as_str())
        .unwrap();
    assert!(u0["signInActivity"]["lastSignInDateTime"]
        .as_str()
        .unwrap()
        .ends_with('Z'));

    g.set_premium(false);
    let (status, body) = get_json(&c, &url, &token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        error_code(&body),
        "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
    );
    assert_eq!(
        body["error"]["message"],
        "Neither tenant is B2C or tenant doesn't have premium license"
    );
    let inner = &body["error"]["innerError"];
    assert!(inner["date"].is_string() && inner["request-id"].is_string());
    let (status, _) = get_json(&c, &format!("{}/v1.0/auditLogs/signIns", g.url), &token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = get_json(
        &c,
        &format!("{}/v1.0/auditLogs/directoryAudits", g.url),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = get_json(&c, &format!("{}/v1.0/users?$select=id", g.url), &token).await;
    assert_eq!(status, StatusCode::OK);

    g.set_premium(true);
    g.set_app_roles(&["User.Read.All"]);
    let narrow = app_token(&c, &g).await;
    let (status, body) = get_json(&c, &url, &narrow).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "Authorization_RequestDenied");
}

#[tokio::test]
async fn missing_permissions_are_refused() {
    let g = start(tenant()).await;
    let c = client();
    let all = app_token(&c, &g).await;
    g.set_app_roles(&["User.Read.All", "Sites.Read.All"]);
    let token = app_token(&c, &g).await;
    assert_eq!(claims(&token)["roles"].as_array().unwrap().len(), 2);
    for (path, want) in [
        ("/v1.0/users", StatusCode::OK),
        ("/v1.0/sites/getAllSites", StatusCode::OK),
        ("/v1.0/organization", StatusCode::OK),
        ("/v1.0/groups", StatusCode::FORBIDDEN),
        ("/v1.0/auditLogs/directoryAudits", StatusCode::FORBIDDEN),
        (
            "/v1.0/roleManagement/directory/roleAssignments",
            StatusCode::FORBIDDEN,
        ),
        ("/v1.0/servicePrincipals", StatusCode::FORBIDDEN),
        ("/v1.0/oauth2PermissionGrants", StatusCode::FORBIDDEN),
    ] {
        let (status, body) = get_json(&c, &format!("{}{path}", g.url), &token).await;
        assert_eq!(status, want, "{path}: {body}");
        if status == StatusCode::FORBIDDEN {
            assert_eq!(error_code(&body), "Authorization_RequestDenied");
            assert_eq!(
                body["error"]["message"],
                "Insufficient privileges to complete the operation."
            );
        }
    }
    // Roles are fixed when a token is issued.
    let (status, _) = get_json(&c, &format!("{}/v1.0/groups", g.url), &all).await;
    assert_eq!(status, StatusCode::OK);
    // No token, or a made-up one.
    let r = c.get(format!("{}/v1.0/users", g.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().contains_key("www-authenticate"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(error_code(&body), "InvalidAuthenticationToken");
    let (status, body) = get_json(&c, &format!("{}/v1.0/users", g.url), "eyJ.made.up").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body["error"]["message"],
        "Access token has expired or is not yet valid."
    );
    // Unknown routes.
    let (status, body) = get_json(&c, &format!("{}/v1.0/nope", g.url), &all).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "Request_ResourceNotFound");
}

fn ticks(ms: i64) -> String {
    // The fake renders `…T10:00:00.1230000Z`; filters accept any RFC 3339 time.
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let (y, m, d) = civil(days);
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms.rem_euclid(1000)
    )
}

fn civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn audit(id: &str, at_ms: i64) -> DirectoryAudit {
    DirectoryAudit {
        id: id.into(),
        activity_at_ms: at_ms,
        category: "UserManagement".into(),
        activity_display_name: "Update user".into(),
        operation_type: "Update".into(),
        logged_by_service: "Core Directory".into(),
        result: AuditResult::Success,
        result_reason: "".into(),
        correlation_id: "c0ffee00-0000-4000-8000-000000000000".into(),
        initiated_by: Initiator::User {
            id: "u1".into(),
            display_name: "Late Admin".into(),
            user_principal_name: "late@contoso.com".into(),
            ip_address: "203.0.113.7".into(),
        },
        targets: vec![AuditTarget {
            id: "u2".into(),
            display_name: Some("Target".into()),
            kind: "User".into(),
            user_principal_name: Some("target@contoso.com".into()),
        }],
    }
}

#[tokio::test]
async fn audit_logs_filter_order_and_absorb_late_events() {
    let t = tenant();
    let g = start(t.clone()).await;
    let c = client();
    let token = app_token(&c, &g).await;
    let base = format!("{}/v1.0/auditLogs/directoryAudits", g.url);
    let pivot = t.directory_audits[t.directory_audits.len() - 400].activity_at_ms;
    let at_or_after = t
        .directory_audits
        .iter()
        .filter(|e| e.activity_at_ms >= pivot)
        .count();
    let url = format!(
        "{base}?$filter=activityDateTime ge {}&$top=64",
        ticks(pivot)
    );
    let (events, pages, _) = walk(&c, &url, &token).await;
    assert_eq!(events.len(), at_or_after);
    assert_eq!(pages, at_or_after.div_ceil(64));
    assert_eq!(ids(&events).len(), events.len());
    let times: Vec<&str> = events
        .iter()
        .map(|e| e["activityDateTime"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert!(
        times.iter().all(|s| s.ends_with('Z') && s.len() == 28),
        "{}",
        times[0]
    );
    let e0 = &events[0];
    for field in [
        "id",
        "category",
        "correlationId",
        "result",
        "activityDisplayName",
        "loggedByService",
        "operationType",
    ] {
        assert!(e0[field].is_string(), "{field}");
    }
    assert!(e0["targetResources"].is_array() && e0["additionalDetails"].is_array());
    // directoryaudit-list.md documents `eq`, `ge`, `le` on activityDateTime: `gt` and `lt`
    // are refused, as Graph refuses them.
    for op in ["gt", "lt"] {
        let (status, body) = get_json(
            &c,
            &format!("{base}?$filter=activityDateTime {op} {}", ticks(pivot)),
            &token,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{op}");
        assert_eq!(error_code(&body), "Request_UnsupportedQuery");
    }
    let upper = pivot + 3_600_000;
    let (window, _, _) = walk(
        &c,
        &format!(
            "{base}?%24filter=activityDateTime ge {} and activityDateTime le {}&%24top=50",
            ticks(pivot),
            ticks(upper)
        ),
        &token,
    )
    .await;
    let want = t
        .directory_audits
        .iter()
        .filter(|e| e.activity_at_ms >= pivot && e.activity_at_ms <= upper)
        .count();
    assert_eq!(window.len(), want);
    for bad in [
        "activityDateTime ge yesterday",
        "activityDateTime ge '2024-05-01T10:00:00Z'",
        "category eq 'UserManagement'",
        "activityDateTime",
    ] {
        let (status, body) = get_json(&c, &format!("{base}?$filter={bad}"), &token).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            ["BadRequest", "Request_UnsupportedQuery"].contains(&error_code(&body)),
            "{body}"
        );
    }

    // Late events arriving during a paged read: older than the current page → in this
    // read, once; newer → the next query.
    let from = ticks(pivot);
    let mut next = Some(format!("{base}?$filter=activityDateTime ge {from}&$top=50"));
    let mut seen = Vec::new();
    let mut pages = 0;
    while let Some(u) = next {
        let (status, body) = get_json(&c, &u, &token).await;
        assert_eq!(status, StatusCode::OK);
        seen.extend(body["value"].as_array().unwrap().iter().cloned());
        next = body["@odata.nextLink"].as_str().map(str::to_owned);
        pages += 1;
        if pages == 2 {
            g.add_directory_audit(audit("Directory_late_old", pivot + 1));
            g.add_directory_audit(audit("Directory_late_new", NOW - 1));
        }
    }
    let got = ids(&seen);
    assert_eq!(got.len(), seen.len(), "no duplicates");
    assert_eq!(seen.len(), at_or_after + 1);
    assert!(got.contains("Directory_late_old"));
    assert!(!got.contains("Directory_late_new"));
    let (again, _, _) = walk(
        &c,
        &format!("{base}?$filter=activityDateTime ge {from}&$top=999"),
        &token,
    )
    .await;
    assert_eq!(again.len(), at_or_after + 2);
    assert_eq!(again[0]["id"], "Directory_late_new");
    assert_eq!(g.directory_audit_count(), 1_502);

    // Sign-ins, on createdDateTime.
    let since = t.sign_ins[t.sign_ins.len() / 2].created_at_ms;
    let (signins, _, _) = walk(
        &c,
        &format!(
            "{}/v1.0/auditLogs/signIns?$filter=createdDateTime ge {}&$top=1000",
            g.url,
            ticks(since)
        ),
        &token,
    )
    .await;
    assert_eq!(
        signins.len(),
        t.sign_ins
            .iter()
            .filter(|e| e.created_at_ms >= since)
            .count()
    );
    let s0 = &signins[0];
    assert!(s0["status"]["errorCode"].is_i64());
    assert!(s0["location"]["countryOrRegion"].is_string());
    assert_eq!(s0["isInteractive"], true);
    g.add_sign_in(SignIn {
        id: "late-sign-in".into(),
        created_at_ms: since,
        ..t.sign_ins[0].clone()
    });
    let (more, _, _) = walk(
        &c,
        &format!(
            "{}/v1.0/auditLogs/signIns?$filter=createdDateTime ge {}&$top=1000",
            g.url,
            ticks(since)
        ),
        &token,
    )
    .await;
    assert_eq!(more.len(), signins.len() + 1);
}

#[tokio::test]
async fn groups_members_owners_and_roles() {
    let t = tenant();
    let g = start(t.clone()).await;
    let c = client();
    let token = app_token(&c, &g).await;
    let (groups, _, _) = walk(&c, &format!("{}/v1.0/groups?$top=7", g.url), &token).await;
    assert_eq!(
        ids(&groups),
        t.groups.iter().map(|g| g.id.clone()).collect()
    );
    let unified = groups
        .iter()
        .filter(|g| g["groupTypes"] == serde_json::json!(["Unified"]))
        .count();
    assert_eq!(unified, t.groups.iter().filter(|g| g.unified).count());
    let mut memberships = 0;
    for group in &t.groups {
        let (members, _, _) = walk(
            &c,
            &format!("{}/v1.0/groups/{}/members?$top=3", g.url, group.id),
            &token,
        )
        .await;
        assert_eq!(ids(&members), group.members.iter().cloned().collect());
        assert!(members
            .iter()
            .all(|m| m["@odata.type"] == "#microsoft.graph.user"));
        let (owners, _, _) = walk(
            &c,
            &format!("{}/v1.0/groups/{}/owners", g.url, group.id),
            &token,
        )
        .await;
        assert_eq!(ids(&owners), group.owners.iter().cloned().collect());
        memberships += members.len() + owners.len();
    }
    assert_eq!(
        memberships,
        t.groups
            .iter()
            .map(|g| g.members.len() + g.owners.len())
            .sum::<usize>()
    );
    let (status, body) = get_json(
        &c,
        &format!(
            "{}/v1.0/groups/00000000-0000-0000-0000-000000000000/members",
            g.url
        ),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "Request_ResourceNotFound");
    assert!(g.stats().count("/v1.0/groups/{id}/members") > 30);

    let (defs, _, _) = walk(
        &c,
        &format!("{}/v1.0/roleManagement/directory/roleDefinitions", g.url),
        &token,
    )
    .await;
    let ga = defs
        .iter()
        .find(|d| d["displayName"] == "Global Administrator")
        .unwrap();
    assert_eq!(ga["templateId"], "62e90394-69f5-4237-9190-012177145e10");
    assert_eq!(ga["isBuiltIn"], true);
    let (assignments, _, _) = walk(
        &c,
        &format!(
            "{}/v1.0/roleManagement/directory/roleAssignments?$expand=principal",
            g.url
        ),
        &token,
    )
    .await;
    assert_eq!(assignments.len(), t.role_assignments.len());
    assert!(assignments.iter().all(|a| a["directoryScopeId"] == "/"));
    assert!(assignments
        .iter()
        .any(|a| a["principalId"] == t.users[0].id.as_str()
            && a["roleDefinitionId"] == ga["id"]
            && a["principal"]["userPrincipalName"] == t.users[0].user_principal_name.as_str()));
}

#[tokio::test]
async fn apps_and_grants() {
    let t = tenant();
    let g = start(t.clone()).await;
    let c = client();
    let token = app_token(&c, &g).await;
    let (sps, _, _) = walk(
        &c,
        &format!("{}/v1.0/servicePrincipals?$top=8", g.url),
        &token,
    )
    .await;
    assert_eq!(sps.len(), t.service_principals.len());
    let graph = sps.iter().find(|s| s["appId"] == GRAPH_APP_ID).unwrap();
    assert_eq!(graph["appOwnerOrganizationId"], MICROSOFT_TENANT_ID);
    assert!(sps
        .iter()
        .all(|s| s["servicePrincipalType"] == "Application" && s["verifiedPublisher"].is_object()));
    // Microsoft Graph publishes its application permissions as app roles.
    let roles = graph["appRoles"].as_array().unwrap();
    assert!(roles
        .iter()
        .any(|r| r["value"] == "Mail.Read" && r["allowedMemberTypes"][0] == "Application"));
    // Apps holding them: appRoleAssignedTo of the Graph service principal.
    let (held, _, _) = walk(
        &c,
        &format!(
            "{}/v1.0/servicePrincipals/{}/appRoleAssignedTo?$top=5",
            g.url,
            graph["id"].as_str().unwrap()
        ),
        &token,
    )
    .await;
    assert_eq!(held.len(), t.app_role_assignments.len());
    for a in &held {
        assert_eq!(a["principalType"], "ServicePrincipal");
        assert_eq!(a["resourceDisplayName"], "Microsoft Graph");
        assert!(roles.iter().any(|r| r["id"] == a["appRoleId"]));
    }
    assert!(sps
        .iter()
        .any(|s| s["verifiedPublisher"]["verifiedPublisherId"].is_string()));
    let (grants, _, _) = walk(
        &c,
        &format!("{}/v1.0/oauth2PermissionGrants", g.url),
        &token,
    )
    .await;
    assert_eq!(grants.len(), t.grants.len());
    for gr in &grants {
        assert_eq!(gr["resourceId"], graph["id"]);
        let scope = gr["scope"].as_str().unwrap();
        assert!(scope.starts_with(' ') && scope.ends_with(' '), "{scope:?}");
        assert!(scope.contains(" User.Read "));
        match gr["consentType"].as_str().unwrap() {
            "AllPrincipals" => assert!(gr["principalId"].is_null()),
            "Principal" => assert!(gr["principalId"].is_string()),
            other => panic!("{other}"),
        }
    }
}

#[tokio::test]
async fn drives_delta_and_sharing_permissions() {
    let t = tenant();
    let g = start(t.clone()).await;
    let c = client();
    let token = app_token(&c, &g).await;
    let (sites, _, _) = walk(&c, &format!("{}/v1.0/sites/getAllSites", g.url), &token).await;
    assert_eq!(sites.len(), t.sites.len());
    assert_eq!(
        sites.iter().filter(|s| s["isPersonalSite"] == true).count(),
        10
    );
    assert!(sites
        .iter()
        .filter(|s| s["isPersonalSite"] == true)
        .all(|s| s["webUrl"]
            .as_str()
            .unwrap()
            .starts_with("https://contoso-my.sharepoint.com/personal/")));
    let (team, _, _) = walk(&c, &format!("{}/v1.0/sites?search=*", g.url), &token).await;
    assert_eq!(team.len(), 4);

    let scopes = t.shared_scopes();
    let mut items_seen = 0;
    let mut drives_seen = 0;
    for site in &sites {
        let id = site["id"].as_str().unwrap();
        let (drives, _, _) = walk(&c, &format!("{}/v1.0/sites/{id}/drives", g.url), &token).await;
        for d in &drives {
            drives_seen += 1;
            let drive_id = d["id"].as_str().unwrap();
            let url = format!("{}/v1.0/drives/{drive_id}/root/delta?$top=25", g.url);
            let (items, _, last) = walk(&c, &url, &token).await;
            let want = t.items.iter().filter(|i| i.drive_id == drive_id).count();
            assert_eq!(items.len(), want, "drive {drive_id}");
            assert!(items[0]["root"].is_object());
            assert!(items[1..].iter().all(|i| i.get("root").is_none()));
            for it in &items {
                let shared = it["shared"]["scope"].as_str();
                let want = scopes.get(it["id"].as_str().unwrap()).map(|s| s.as_str());
                assert_eq!(shared, want, "{it}");
                assert_eq!(it["parentReference"]["driveId"], drive_id);
                // driveitem-delta.md: no `path` in delta answers.
                assert!(it["parentReference"].get("path").is_none(), "{it}");
                assert!(it["file"].is_object() != it["folder"].is_object());
            }
            items_seen += items.len();
            let delta = last["@odata.deltaLink"].as_str().unwrap();
            assert!(delta.starts_with(&format!("{}/v1.0/drives/{drive_id}/root/delta?", g.url)));
            let (status, body) = get_json(&c, delta, &token).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(body["value"], serde_json::json!([]));
            assert!(body["@odata.deltaLink"].is_string());
        }
    }
    assert_eq!(drives_seen, t.drives.len());
    assert_eq!(items_seen, t.items.len());

    // An edit shows up in the next delta round of its drive only.
    let file = t.files().nth(17).unwrap();
    let url = format!(
        "{}/v1.0/drives/{}/root/delta?token=latest",
        g.url, file.drive_id
    );
    let (_, body) = get_json(&c, &url, &token).await;
    let delta = body["@odata.deltaLink"].as_str().unwrap().to_owned();
    assert!(g.touch_item(&file.id));
    let (_, body) = get_json(&c, &delta, &token).await;
    assert_eq!(
        ids(body["value"].as_array().unwrap()),
        BTreeSet::from([file.id.clone()])
    );
    let next = body["@odata.deltaLink"].as_str().unwrap().to_owned();
    let (_, body) = get_json(&c, &next, &token).await;
    assert_eq!(body["value"], serde_json::json!([]));

    // A sharing change alone comes back only to a request preferring sharing changes.
    let (_, body) = get_json(&c, &url, &token).await;
    let before = body["@odata.deltaLink"].as_str().unwrap().to_owned();
    let quiet = t
        .files()
        .find(|f| f.drive_id == file.drive_id && f.id != file.id && f.permissions.is_empty())
        .unwrap();
    assert!(g.share_item(
        &quiet.id,
        cloudwarden_testkit::graph::Permission {
            id: "new-anyone-link".into(),
            role: cloudwarden_testkit::graph::AccessRole::Read,
            link: Some(LinkScope::Anonymous),
            granted_to: Vec::new(),
            expires_at_ms: None,
        }
    ));
    let (_, body) = get_json(&c, &before, &token).await;
    assert_eq!(body["value"], serde_json::json!([]), "without Prefer");
    let r = c
        .get(&before)
        .bearer_auth(&token)
        .header(
            "Prefer",
            "deltashowremovedasdeleted, deltatraversepermissiongaps, deltashowsharingchanges",
        )
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    let changed = body["value"].as_array().unwrap();
    assert_eq!(ids(changed), BTreeSet::from([quiet.id.clone()]));
    assert_eq!(changed[0]["@microsoft.graph.sharedChanged"], "True");
    assert_eq!(changed[0]["shared"]["scope"], "anonymous");
    // The item read by itself carries its path; its permissions list the new link.
    let (status, one) = get_json(
        &c,
        &format!(
            "{}/v1.0/drives/{}/items/{}",
            g.url, quiet.drive_id, quiet.id
        ),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(one["parentReference"]["path"]
        .as_str()
        .unwrap()
        .starts_with("/drives/"));
    let (_, perms) = get_json(
        &c,
        &format!(
            "{}/v1.0/drives/{}/items/{}/permissions",
            g.url, quiet.drive_id, quiet.id
        ),
        &token,
    )
    .await;
    assert!(perms["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["link"]["scope"] == "anonymous"));

    // An invalidated token: 410 with the documented code and a fresh start in `Location`.
    g.invalidate_delta_tokens();
    let r = get(&c, &next, &token).await;
    assert_eq!(r.status(), StatusCode::GONE);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        location,
        format!("{}/v1.0/drives/{}/root/delta", g.url, file.drive_id)
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(error_code(&body), "resyncChangesApplyDifferences");
    g.invalidate_delta_tokens_with("resyncChangesUploadDifferences");
    let (status, body) = get_json(&c, &next, &token).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(error_code(&body), "resyncChangesUploadDifferences");

    // Permissions: the owner's first, then the item's sharing.
    let perms = |drive: &str, item: &str| {
        let c = c.clone();
        let url = format!("{}/v1.0/drives/{drive}/items/{item}/permissions", g.url);
        let token = token.clone();
        async move { get_json(&c, &url, &token).await }
    };
    let anonymous = t
        .items
        .iter()
        .find(|i| {
            i.permissions
                .iter()
                .any(|p| p.link == Some(LinkScope::Anonymous))
        })
        .unwrap();
    let (status, body) = perms(&anonymous.drive_id, &anonymous.id).await;
    assert_eq!(status, StatusCode::OK);
    let value = body["value"].as_array().unwrap();
    assert_eq!(value[0]["roles"], serde_json::json!(["owner"]));
    assert!(value.len() > anonymous.permissions.len());
    assert!(value.iter().any(|p| p["link"]["scope"] == "anonymous"
        && p["link"]["webUrl"]
            .as_str()
            .unwrap()
            .starts_with("https://contoso")));
    let invited = t
        .items
        .iter()
        .find(|i| {
            i.permissions
                .iter()
                .any(|p| p.link.is_none() && p.granted_to.iter().any(|g| g.user_id.is_none()))
        })
        .unwrap();
    let (_, body) = perms(&invited.drive_id, &invited.id).await;
    let inv = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["invitation"].is_object())
        .unwrap();
    let email = inv["invitation"]["email"].as_str().unwrap();
    assert!(!t.is_internal_email(email));
    // Not redeemed: no grantee yet (permission.md), only the invitation.
    assert!(inv.get("grantedToV2").is_none(), "{inv}");
    assert_eq!(inv["invitation"]["signInRequired"], true);
    // Grantees of every kind SharePoint answers with.
    let mut kinds = BTreeSet::new();
    for item in t
        .items
        .iter()
        .filter(|i| !i.permissions.is_empty())
        .take(400)
    {
        let (_, body) = perms(&item.drive_id, &item.id).await;
        for p in body["value"].as_array().unwrap() {
            for set in std::iter::once(&p["grantedToV2"])
                .chain(p["grantedToIdentitiesV2"].as_array().into_iter().flatten())
            {
                if let Some(o) = set.as_object() {
                    kinds.extend(o.keys().cloned());
                }
            }
        }
    }
    for kind in ["user", "siteUser", "siteGroup", "application"] {
        assert!(kinds.contains(kind), "{kind} in {kinds:?}");
    }
    // Inherited from a shared folder.
    let child = t
        .items
        .iter()
        .find(|i| {
            i.parent_id.as_ref().is_some_and(|p| {
                t.items
                    .iter()
                    .any(|f| &f.id == p && f.folder && !f.permissions.is_empty())
            })
        })
        .unwrap();
    let (_, body) = perms(&child.drive_id, &child.id).await;
    assert!(body["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["inheritedFrom"]["id"] == child.parent_id.as_deref().unwrap()));
    let (status, body) = perms(&file.drive_id, "01NOTANITEMNOTANITEMNOTANITEM0000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "itemNotFound");
    let (status, body) = perms(&file.drive_id, "root").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["value"][0]["roles"], serde_json::json!(["owner"]));
}

#[tokio::test]
async fn rate_limits_server_errors_and_failing_paths() {
    let g = start(tenant()).await;
    let c = client();
    let token = app_token(&c, &g).await;
    let url = format!("{}/v1.0/groups", g.url);
    g.faults().rate_limit_next(2, 3);
    for _ in 0..2 {
        let r = get(&c, &url, &token).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()["retry-after"], "3");
        assert!(r.headers().contains_key("request-id"));
        let body: Value = r.json().await.unwrap();
        assert_eq!(error_code(&body), "TooManyRequests");
    }
    assert_eq!(get(&c, &url, &token).await.status(), StatusCode::OK);

    g.faults().server_error_next(3);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let r = get(&c, &url, &token).await;
        statuses.push(r.status().as_u16());
        if r.status().is_server_error() {
            let body: Value = r.json().await.unwrap();
            assert!(!error_code(&body).is_empty());
        }
    }
    assert_eq!(statuses, [503, 504, 503, 200]);

    g.faults().fail_path("/v1.0/groups/{id}/members", 500);
    let t = tenant();
    let members = format!("{}/v1.0/groups/{}/members", g.url, t.groups[0].id);
    assert_eq!(
        get(&c, &members, &token).await.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    g.faults().clear_path("/v1.0/groups/{id}/members");
    assert_eq!(get(&c, &members, &token).await.status(), StatusCode::OK);
    g.faults().fail_path("/{tenant}/oauth2/v2.0/token", 503);
    let (status, body) = post_form(
        &c,
        &token_url(&g, g.tenant_id()),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"], "temporarily_unavailable");
    g.faults().clear();
    let st = g.stats();
    assert_eq!(st.too_many_requests, 2);
    assert_eq!(st.rate_limited, 2);
    assert_eq!(st.server_errors, 5);
    assert_eq!(st.count("/v1.0/groups"), 7);
}

#[tokio::test]
async fn tokens_expire_on_demand_and_after_their_lifetime() {
    let g = start(tenant()).await;
    let c = client();
    let token = app_token(&c, &g).await;
    let url = format!("{}/v1.0/organization", g.url);
    g.faults().expire_token_after(2);
    assert_eq!(get(&c, &url, &token).await.status(), StatusCode::OK);
    assert_eq!(get(&c, &url, &token).await.status(), StatusCode::OK);
    for _ in 0..2 {
        let (status, body) = get_json(&c, &url, &token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(&body), "InvalidAuthenticationToken");
    }
    let fresh = app_token(&c, &g).await;
    assert_eq!(get(&c, &url, &fresh).await.status(), StatusCode::OK);
    assert_eq!(g.stats().unauthorized, 2);

    g.set_access_token_lifetime(1);
    let (_, body) = post_form(
        &c,
        &token_url(&g, g.tenant_id()),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("scope", GRAPH),
        ],
    )
    .await;
    assert_eq!(body["expires_in"], 1);
    let short = body["access_token"].as_str().unwrap();
    assert_eq!(get(&c, &url, short).await.status(), StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    assert_eq!(
        get(&c, &url, short).await.status(),
        StatusCode::UNAUTHORIZED
    );
}
