//! The fake GitHub against its contract: every list walked to the end through `Link`
//! headers, counts equal to the generated tenant, faults, late audit events, OAuth flows,
//! and the official OpenAPI descriptions (parameters, enums, required fields).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeSet, HashSet};

use cloudwarden_testkit::github::{
    AuditEvent, FakeGithub, GithubTenant, OrgRole, Plan, RateLimitForm, TenantSize, Visibility,
};
use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sha2::Digest;

const TOKEN: &str = "ghp_0123456789abcdefTEST";
const NOW: i64 = 1_760_000_000_000;

fn client() -> Client {
    // reqwest is built without a bundled provider; the fake is plain HTTP, but the builder
    // still wants one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn tenant() -> GithubTenant {
    GithubTenant::generate("acme", 42, &TenantSize::small())
}

async fn start(t: GithubTenant) -> FakeGithub {
    FakeGithub::start(t, TOKEN).await.unwrap()
}

async fn get(c: &Client, url: &str) -> reqwest::Response {
    c.get(url).bearer_auth(TOKEN).send().await.unwrap()
}

/// The target of `rel` in a `Link` header.
fn rel(h: &HeaderMap, rel: &str) -> Option<String> {
    let link = h.get("link")?.to_str().ok()?;
    link.split(", ").find_map(|part| {
        let (url, r) = part.split_once("; ")?;
        (r == format!("rel=\"{rel}\""))
            .then(|| url.trim_start_matches('<').trim_end_matches('>').to_owned())
    })
}

/// Every item of a list, following `rel="next"` to the end; also the number of pages.
async fn walk(c: &Client, url: &str) -> (Vec<Value>, usize) {
    let mut next = Some(url.to_owned());
    let (mut items, mut pages) = (Vec::new(), 0);
    while let Some(u) = next {
        pages += 1;
        assert!(pages < 5_000, "no end to {url}");
        let r = get(c, &u).await;
        assert_eq!(r.status(), StatusCode::OK, "{u}");
        next = rel(r.headers(), "next");
        match r.json::<Value>().await.unwrap() {
            Value::Array(a) => items.extend(a),
            Value::Object(mut o) => match o.remove("installations") {
                Some(Value::Array(a)) => items.extend(a),
                other => panic!("not a list: {other:?}"),
            },
            other => panic!("not a list: {other:?}"),
        }
    }
    (items, pages)
}

fn logins(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .map(|v| v["login"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn generation_is_deterministic_and_sized() {
    let size = TenantSize::small();
    let a = GithubTenant::generate_at("acme", 7, &size, NOW);
    assert_eq!(a, GithubTenant::generate_at("acme", 7, &size, NOW));
    assert_ne!(a, GithubTenant::generate_at("acme", 8, &size, NOW));
    assert_eq!(a.members.len(), 25);
    assert_eq!(
        a.members
            .iter()
            .filter(|m| m.role == OrgRole::Admin)
            .count(),
        3
    );
    assert_eq!(a.members[0].role, OrgRole::Admin);
    assert_eq!(a.outside_collaborators.len(), 4);
    assert_eq!(a.teams.len(), 4);
    assert_eq!(a.repos.len(), 12);
    assert_eq!(a.audit_events.len(), 300);
    assert_eq!(a.installations.len(), 3);
    assert_eq!(a.credential_authorizations.len(), 5);
    assert!(a
        .audit_events
        .windows(2)
        .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms));
    assert!(a
        .audit_events
        .iter()
        .all(|e| e.timestamp_ms < NOW && e.timestamp_ms >= NOW - 10 * 86_400_000));
    let ids: HashSet<_> = a.audit_events.iter().map(|e| &e.document_id).collect();
    assert_eq!(ids.len(), 300);
    let users: HashSet<_> = a
        .members
        .iter()
        .chain(&a.outside_collaborators)
        .map(|m| &m.login)
        .collect();
    assert_eq!(users.len(), 29);
    assert!(a.audit_events.iter().any(AuditEvent::is_git));
}

#[tokio::test]
async fn walks_every_list_to_the_end() {
    let t = tenant();
    let gh = start(t.clone()).await;
    let c = client();
    let org = format!("{}/orgs/acme", gh.url);

    // Members, by role, through GitHub's Link header.
    let first = get(&c, &format!("{org}/members?per_page=7")).await;
    let link = first.headers()["link"].to_str().unwrap().to_owned();
    assert_eq!(
        link,
        format!(
            "<{u}/organizations/{id}/members?per_page=7&page=2>; rel=\"next\", \
             <{u}/organizations/{id}/members?per_page=7&page=4>; rel=\"last\"",
            u = gh.url,
            id = t.id
        )
    );
    let (all, pages) = walk(&c, &format!("{org}/members?per_page=7")).await;
    assert_eq!(pages, 4);
    assert_eq!(
        logins(&all),
        t.members.iter().map(|m| m.login.clone()).collect()
    );
    assert_eq!(all.len(), t.members.len());
    let (admins, _) = walk(&c, &format!("{org}/members?role=admin&per_page=2")).await;
    let want: BTreeSet<_> = t
        .members
        .iter()
        .filter(|m| m.role == OrgRole::Admin)
        .map(|m| m.login.clone())
        .collect();
    assert_eq!(logins(&admins), want);
    let (plain, _) = walk(&c, &format!("{org}/members?role=member&per_page=5")).await;
    assert_eq!(plain.len() + admins.len(), t.members.len());
    let m0 = &all
        .iter()
        .find(|v| v["login"] == t.members[0].login.as_str())
        .unwrap();
    assert_eq!(m0["id"], t.members[0].id);
    assert_eq!(m0["node_id"], t.members[0].node_id.as_str());
    assert_eq!(m0["type"], "User");
    assert_eq!(m0["site_admin"], false);

    // Outside collaborators.
    let (outside, _) = walk(&c, &format!("{org}/outside_collaborators?per_page=3")).await;
    assert_eq!(
        logins(&outside),
        t.outside_collaborators
            .iter()
            .map(|m| m.login.clone())
            .collect()
    );

    // Teams and their members, child teams' members included as inherited.
    let (teams, _) = walk(&c, &format!("{org}/teams?per_page=3")).await;
    assert_eq!(teams.len(), t.teams.len());
    for team in &t.teams {
        let mut want = BTreeSet::new();
        for other in &t.teams {
            let mut at = Some(other);
            while let Some(x) = at {
                if x.slug == team.slug {
                    want.extend(other.members.iter().map(|m| m.login.clone()));
                    break;
                }
                at = x
                    .parent
                    .as_ref()
                    .and_then(|p| t.teams.iter().find(|y| &y.slug == p));
            }
        }
        let (got, _) = walk(&c, &format!("{org}/teams/{}/members?per_page=4", team.slug)).await;
        assert_eq!(logins(&got), want, "team {}", team.slug);
        let direct: BTreeSet<_> = got
            .iter()
            .filter(|v| v["inherited"] == false)
            .map(|v| v["login"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            direct,
            team.members.iter().map(|m| m.login.clone()).collect()
        );
        let (maintainers, _) = walk(
            &c,
            &format!("{org}/teams/{}/members?role=maintainer", team.slug),
        )
        .await;
        assert!(maintainers.iter().all(|v| v["role"] == "maintainer"));
        let listed = teams
            .iter()
            .find(|v| v["slug"] == team.slug.as_str())
            .unwrap();
        assert_eq!(listed["id"], team.id);
        match &team.parent {
            Some(p) => assert_eq!(listed["parent"]["slug"], p.as_str()),
            None => assert!(listed["parent"].is_null()),
        }
    }

    // Repositories, with type filters and both sort directions.
    let (repos, _) = walk(&c, &format!("{org}/repos?per_page=5")).await;
    assert_eq!(repos.len(), t.repos.len());
    let names: BTreeSet<_> = repos
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, t.repos.iter().map(|r| r.name.clone()).collect());
    let created: Vec<_> = repos
        .iter()
        .map(|r| r["created_at"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        created.windows(2).all(|w| w[0] >= w[1]),
        "created desc by default"
    );
    let (by_name, _) = walk(&c, &format!("{org}/repos?sort=full_name&per_page=5")).await;
    let by_name: Vec<_> = by_name
        .iter()
        .map(|r| r["full_name"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        by_name
            .windows(2)
            .all(|w| w[0].to_lowercase() <= w[1].to_lowercase()),
        "full_name asc by default"
    );
    for (ty, vis) in [
        ("public", Visibility::Public),
        ("private", Visibility::Private),
        ("internal", Visibility::Internal),
    ] {
        let (got, _) = walk(&c, &format!("{org}/repos?type={ty}&per_page=4")).await;
        assert_eq!(
            got.len(),
            t.repos.iter().filter(|r| r.visibility == vis).count(),
            "type={ty}"
        );
        assert!(got.iter().all(|r| r["visibility"] == ty));
    }

    // Collaborators of every repository, by affiliation.
    let owners: BTreeSet<_> = t
        .members
        .iter()
        .filter(|m| m.role == OrgRole::Admin)
        .map(|m| m.login.clone())
        .collect();
    let outsiders: HashSet<_> = t
        .outside_collaborators
        .iter()
        .map(|m| m.login.clone())
        .collect();
    for r in &t.repos {
        let base = format!("{}/repos/acme/{}/collaborators", gh.url, r.name);
        let direct: BTreeSet<_> = r.collaborators.iter().map(|c| c.login.clone()).collect();
        let (got, _) = walk(&c, &format!("{base}?affiliation=direct&per_page=2")).await;
        assert_eq!(logins(&got), direct);
        let (got, _) = walk(&c, &format!("{base}?affiliation=outside&per_page=2")).await;
        assert_eq!(
            logins(&got),
            direct
                .iter()
                .filter(|l| outsiders.contains(*l))
                .cloned()
                .collect()
        );
        let (got, _) = walk(&c, &format!("{base}?per_page=2")).await;
        assert_eq!(logins(&got), direct.union(&owners).cloned().collect());
        assert!(got
            .iter()
            .filter(|v| owners.contains(v["login"].as_str().unwrap()))
            .all(|v| v["role_name"] == "admin"));
        let (admins, _) = walk(&c, &format!("{base}?permission=admin")).await;
        assert!(admins.iter().all(|v| v["permissions"]["admin"] == true));
    }
    assert!(t.outside_collaborators.iter().all(|o| t
        .repos
        .iter()
        .any(|r| r.collaborators.iter().any(|c| c.login == o.login))));

    // Installations (wrapped) and SAML credential authorizations.
    let r = get(&c, &format!("{org}/installations?per_page=2")).await;
    assert_eq!(r.json::<Value>().await.unwrap()["total_count"], 3);
    let (inst, pages) = walk(&c, &format!("{org}/installations?per_page=2")).await;
    assert_eq!((inst.len(), pages), (3, 2));
    assert_eq!(inst[0]["app_slug"], t.installations[0].app_slug.as_str());
    let (creds, _) = walk(&c, &format!("{org}/credential-authorizations?per_page=2")).await;
    assert_eq!(creds.len(), t.credential_authorizations.len());
    let who = &t.credential_authorizations[0].login;
    let (mine, _) = walk(&c, &format!("{org}/credential-authorizations?login={who}")).await;
    assert_eq!(
        mine.len(),
        t.credential_authorizations
            .iter()
            .filter(|x| &x.login == who)
            .count()
    );

    // The audit log, web events by default, everything with include=all.
    let (events, pages) = walk(&c, &format!("{org}/audit-log?include=all&per_page=100")).await;
    assert_eq!((events.len(), pages), (300, 3));
    let (web, _) = walk(&c, &format!("{org}/audit-log?per_page=100")).await;
    assert_eq!(
        web.len(),
        t.audit_events.iter().filter(|e| !e.is_git()).count()
    );
    let (git, _) = walk(&c, &format!("{org}/audit-log?include=git&per_page=100")).await;
    assert_eq!(git.len() + web.len(), 300);
    let ids: HashSet<_> = events
        .iter()
        .map(|e| e["_document_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        ids,
        t.audit_events
            .iter()
            .map(|e| e.document_id.clone())
            .collect()
    );

    let stats = gh.stats();
    assert_eq!(stats.count("/orgs/{org}/members"), 1 + 4 + 2 + 5);
    assert!(stats.count("/repos/{owner}/{repo}/collaborators") > 36);
    assert_eq!(stats.requests, stats.per_template.values().sum::<u64>());
}

#[tokio::test]
async fn pages_default_to_30_and_cap_at_100() {
    let size = TenantSize {
        members: 250,
        ..TenantSize::small()
    };
    let gh = start(GithubTenant::generate("acme", 1, &size)).await;
    let c = client();
    let r = get(&c, &format!("{}/orgs/acme/members", gh.url)).await;
    assert!(rel(r.headers(), "last").unwrap().ends_with("page=9"));
    assert_eq!(
        r.json::<Value>().await.unwrap().as_array().unwrap().len(),
        30
    );
    let r = get(&c, &format!("{}/orgs/acme/members?per_page=1000", gh.url)).await;
    assert!(rel(r.headers(), "last").unwrap().ends_with("page=3"));
    assert_eq!(
        r.json::<Value>().await.unwrap().as_array().unwrap().len(),
        100
    );
    let r = get(
        &c,
        &format!("{}/orgs/acme/members?per_page=100&page=3", gh.url),
    )
    .await;
    let h = r.headers().clone();
    assert_eq!(
        r.json::<Value>().await.unwrap().as_array().unwrap().len(),
        50
    );
    assert!(rel(&h, "next").is_none());
    assert!(rel(&h, "prev").unwrap().contains("page=2"));
    assert!(rel(&h, "first").unwrap().contains("page=1"));
    let r = get(&c, &format!("{}/orgs/acme/members?role=owner", gh.url)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = get(&c, &format!("{}/orgs/other/members", gh.url)).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = get(
        &c,
        &format!("{}/orgs/acme/teams/no-such-team/members", gh.url),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn audit_log_orders_filters_and_pages_by_cursor() {
    let t = tenant();
    let gh = start(t.clone()).await;
    let c = client();
    let base = format!("{}/orgs/acme/audit-log", gh.url);

    let (desc, _) = walk(&c, &format!("{base}?include=all&per_page=40")).await;
    let (asc, _) = walk(&c, &format!("{base}?include=all&per_page=40&order=asc")).await;
    let ts = |v: &Vec<Value>| {
        v.iter()
            .map(|e| e["@timestamp"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert!(ts(&desc).windows(2).all(|w| w[0] >= w[1]));
    assert!(ts(&asc).windows(2).all(|w| w[0] <= w[1]));
    let mut reversed = asc.clone();
    reversed.reverse();
    assert_eq!(desc, reversed);
    assert_eq!(desc[0]["created_at"], desc[0]["@timestamp"]);
    assert_eq!(desc[0]["org"], "acme");
    assert!(desc[0]["actor_id"].is_u64());
    assert!(desc[0]["operation_type"].is_string());

    // Cursors are opaque after/before values in the Link header, not page numbers.
    let r = get(&c, &format!("{base}?include=all&per_page=50")).await;
    let next = rel(r.headers(), "next").unwrap();
    assert!(next.starts_with(&format!(
        "{}/organizations/{}/audit-log?include=all&per_page=50&after=",
        gh.url, t.id
    )));
    assert!(next.ends_with("&before="));
    assert!(!next.contains("page=2"));
    let page1: Vec<Value> = r.json().await.unwrap();
    let r2 = get(&c, &next).await;
    let prev = rel(r2.headers(), "prev").unwrap();
    assert!(rel(r2.headers(), "first")
        .unwrap()
        .ends_with("after=&before="));
    let back: Vec<Value> = get(&c, &prev).await.json().await.unwrap();
    assert_eq!(back, page1, "before= goes back to the previous page");

    // phrase: created (date and date-time forms) and action.
    let cut = t.audit_events[150].timestamp_ms;
    let cut_s = cut / 1000 * 1000;
    let iso = rfc3339(cut_s);
    let (since, _) = walk(
        &c,
        &format!("{base}?include=all&per_page=100&phrase=created:>={iso}"),
    )
    .await;
    assert_eq!(
        since.len(),
        t.audit_events
            .iter()
            .filter(|e| e.timestamp_ms >= cut_s)
            .count()
    );
    let day = &iso[..10];
    let (since_day, _) = walk(
        &c,
        &format!("{base}?include=all&per_page=100&phrase=created:>={day}"),
    )
    .await;
    let day_ms = cut_s - cut_s.rem_euclid(86_400_000);
    assert_eq!(
        since_day.len(),
        t.audit_events
            .iter()
            .filter(|e| e.timestamp_ms >= day_ms)
            .count()
    );
    let (adds, _) = walk(
        &c,
        &format!("{base}?per_page=100&phrase=action:team.add_member"),
    )
    .await;
    assert_eq!(
        adds.len(),
        t.audit_events
            .iter()
            .filter(|e| e.action == "team.add_member")
            .count()
    );
    assert!(adds
        .iter()
        .all(|e| e["team"].is_string() && e["user"].is_string()));
    let (teams, _) = walk(&c, &format!("{base}?per_page=100&phrase=action:team")).await;
    assert_eq!(
        teams.len(),
        t.audit_events
            .iter()
            .filter(|e| e.action.starts_with("team."))
            .count()
    );
    let r = get(&c, &format!("{base}?phrase=created:>=yesterday")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Free and Team organisations have no audit-log API.
    let mut team_plan = t.clone();
    team_plan.plan = Plan::Team;
    let gh2 = start(team_plan).await;
    let r = get(&c, &format!("{}/orgs/acme/audit-log", gh2.url)).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["message"], "Not Found");
    assert!(body["documentation_url"]
        .as_str()
        .unwrap()
        .contains("get-the-audit-log-for-an-organization"));
    let r = get(
        &c,
        &format!("{}/orgs/acme/credential-authorizations", gh2.url),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = get(&c, &format!("{}/orgs/acme", gh2.url)).await;
    assert_eq!(r.json::<Value>().await.unwrap()["plan"]["name"], "team");
}

fn rfc3339(ms: i64) -> String {
    // Days to civil date (H. Hinnant), kept independent of the crate's own helper.
    let secs = ms.div_euclid(1000);
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let r = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        r / 3600,
        r % 3600 / 60,
        r % 60
    )
}

#[tokio::test]
async fn late_events_appear_in_timestamp_order() {
    let t = tenant();
    let gh = start(t.clone()).await;
    let c = client();
    let base = format!("{}/orgs/acme/audit-log?include=all&per_page=100", gh.url);

    // A walk is under way (newest first) when an old event arrives late.
    let r = get(&c, &base).await;
    let next = rel(r.headers(), "next").unwrap();
    let oldest = t.audit_events[0].timestamp_ms;
    let mut late = t.audit_events[10].clone();
    late.document_id = "late-event-0000000001".into();
    late.timestamp_ms = oldest + 1;
    late.created_at_ms = late.timestamp_ms;
    gh.add_audit_event(late.clone());
    assert_eq!(gh.audit_event_count(), 301);
    let (rest, _) = walk(&c, &next).await;
    assert!(rest
        .iter()
        .any(|e| e["_document_id"] == "late-event-0000000001"));

    // Every later query has it, in timestamp order.
    let (all, _) = walk(&c, &format!("{base}&order=asc")).await;
    assert_eq!(all.len(), 301);
    let at = all
        .iter()
        .position(|e| e["_document_id"] == "late-event-0000000001")
        .unwrap();
    assert_eq!(all[at]["@timestamp"], late.timestamp_ms);
    assert!(all
        .windows(2)
        .all(|w| w[0]["@timestamp"].as_i64() <= w[1]["@timestamp"].as_i64()));
    assert_eq!(at, 1, "right after the oldest event");

    // An overlap re-read from a time cursor finds it too.
    let since = rfc3339(oldest - oldest.rem_euclid(1000));
    let (overlap, _) = walk(&c, &format!("{base}&order=asc&phrase=created:>={since}")).await;
    assert!(overlap
        .iter()
        .any(|e| e["_document_id"] == "late-event-0000000001"));
}

#[tokio::test]
async fn refuses_bad_tokens_and_rotates() {
    let gh = start(tenant()).await;
    let c = client();
    let url = format!("{}/orgs/acme/members", gh.url);

    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.json::<Value>().await.unwrap()["message"],
        "Requires authentication"
    );
    let r = c.get(&url).bearer_auth("ghp_wrong").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["message"], "Bad credentials");
    assert_eq!(body["documentation_url"], "https://docs.github.com/rest");
    let r = c
        .get(&url)
        .header("authorization", format!("token {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    gh.set_token("ghp_rotated");
    assert_eq!(get(&c, &url).await.status(), StatusCode::UNAUTHORIZED);
    let r = c.get(&url).bearer_auth("ghp_rotated").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    gh.set_token(TOKEN);

    gh.faults().expire_token_after(2);
    assert_eq!(get(&c, &url).await.status(), StatusCode::OK);
    assert_eq!(get(&c, &url).await.status(), StatusCode::OK);
    assert_eq!(get(&c, &url).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(get(&c, &url).await.status(), StatusCode::UNAUTHORIZED);
    gh.set_token(TOKEN);
    assert_eq!(get(&c, &url).await.status(), StatusCode::OK);
    assert_eq!(gh.stats().unauthorized, 5);
}

#[tokio::test]
async fn rate_limits_server_errors_and_failing_paths() {
    let gh = start(tenant()).await;
    let c = client();
    let url = format!("{}/orgs/acme/teams", gh.url);

    gh.faults().rate_limit_next(3, 7);
    let r = get(&c, &url).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "7");
    let r = get(&c, &url).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.headers()["retry-after"], "7");
    assert!(r.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("secondary rate limit"));
    let r = get(&c, &url).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.headers().get("retry-after").is_none());
    assert_eq!(r.headers()["x-ratelimit-remaining"], "0");
    let reset: i64 = r.headers()["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((now + 5..=now + 9).contains(&reset));
    assert!(r.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .starts_with("API rate limit exceeded"));
    assert_eq!(get(&c, &url).await.status(), StatusCode::OK);

    gh.faults()
        .rate_limit_next_as(1, 2, RateLimitForm::SecondaryForbidden);
    assert_eq!(get(&c, &url).await.status(), StatusCode::FORBIDDEN);

    gh.faults().server_error_next(2);
    assert_eq!(get(&c, &url).await.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(
        get(&c, &url).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(get(&c, &url).await.status(), StatusCode::OK);

    gh.faults().fail_path("/orgs/{org}/audit-log", 404);
    assert_eq!(
        get(&c, &format!("{}/orgs/acme/audit-log", gh.url))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let via_link = format!("{}/organizations/{}/audit-log", gh.url, tenant().id);
    assert_eq!(get(&c, &via_link).await.status(), StatusCode::NOT_FOUND);
    gh.faults().clear_path("/orgs/{org}/audit-log");
    assert_eq!(
        get(&c, &format!("{}/orgs/acme/audit-log", gh.url))
            .await
            .status(),
        StatusCode::OK
    );

    gh.faults().delay_ms(20);
    assert_eq!(get(&c, &url).await.status(), StatusCode::OK);
    gh.faults().clear();

    let s = gh.stats();
    assert_eq!(s.too_many_requests, 1);
    assert_eq!(s.rate_limited, 4);
    assert_eq!(s.server_errors, 2);
    assert_eq!(s.count("/orgs/{org}/teams"), 9);
    assert_eq!(s.count("/orgs/{org}/audit-log"), 3);
}

#[tokio::test]
async fn headers_report_quota_and_scopes() {
    let gh = start(tenant()).await;
    let c = client();
    let url = format!("{}/orgs/acme", gh.url);
    let r = get(&c, &url).await;
    let h = r.headers();
    assert_eq!(h["x-ratelimit-limit"], "5000");
    assert_eq!(h["x-ratelimit-remaining"], "4999");
    assert_eq!(h["x-ratelimit-used"], "1");
    assert_eq!(h["x-ratelimit-resource"], "core");
    assert!(h.contains_key("x-ratelimit-reset"));
    assert_eq!(
        h["x-oauth-scopes"],
        "admin:org, read:audit_log, repo, read:user"
    );
    assert!(h["x-accepted-oauth-scopes"]
        .to_str()
        .unwrap()
        .contains("read:org"));
    assert_eq!(h["content-type"], "application/json; charset=utf-8");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["plan"]["name"], "enterprise");
    assert_eq!(body["login"], "acme");

    let r = get(&c, &format!("{url}/members")).await;
    assert_eq!(r.headers()["x-ratelimit-remaining"], "4998");
    gh.set_scopes(&["read:org"]);
    let r = get(&c, &format!("{url}/audit-log")).await;
    assert_eq!(r.headers()["x-oauth-scopes"], "read:org");
    assert_eq!(r.headers()["x-accepted-oauth-scopes"], "read:audit_log");

    gh.faults().set_quota(2, 3600);
    assert_eq!(get(&c, &url).await.status(), StatusCode::OK);
    assert_eq!(get(&c, &url).await.status(), StatusCode::OK);
    let r = get(&c, &url).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.headers()["x-ratelimit-remaining"], "0");
    assert_eq!(gh.stats().rate_limited, 1);

    let me: Value = {
        gh.faults().set_quota(5000, 3600);
        get(&c, &format!("{}/user", gh.url))
            .await
            .json()
            .await
            .unwrap()
    };
    assert_eq!(me["login"], tenant().members[0].login.as_str());
}

async fn post_json(c: &Client, url: &str, body: Value) -> Value {
    let r = c
        .post(url)
        .header("accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

#[tokio::test]
async fn device_flow_issues_tokens_the_api_accepts() {
    let gh = start(tenant()).await;
    gh.set_device_interval(0);
    let c = client();
    let token_url = format!("{}/login/oauth/access_token", gh.url);

    let r = c
        .post(format!("{}/login/device/code", gh.url))
        .header("accept", "application/json")
        .form(&[
            ("client_id", "Iv1.cloudwarden"),
            ("scope", "read:org read:audit_log"),
        ])
        .send()
        .await
        .unwrap();
    let dc: Value = r.json().await.unwrap();
    assert_eq!(dc["verification_uri"], format!("{}/login/device", gh.url));
    assert_eq!(dc["expires_in"], 900);
    assert_eq!(dc["interval"], 0);
    let poll = json!({
        "client_id": "Iv1.cloudwarden",
        "device_code": dc["device_code"],
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
    });
    assert_eq!(
        post_json(&c, &token_url, poll.clone()).await["error"],
        "authorization_pending"
    );
    assert!(!gh.approve_device("NOPE-NOPE"));
    assert!(gh.approve_device(dc["user_code"].as_str().unwrap()));
    let tok = post_json(&c, &token_url, poll.clone()).await;
    assert_eq!(tok["token_type"], "bearer");
    assert_eq!(tok["expires_in"], 28_800);
    assert_eq!(tok["scope"], "read:org,read:audit_log");
    let access = tok["access_token"].as_str().unwrap();
    assert!(access.starts_with("ghu_"));
    assert!(tok["refresh_token"].as_str().unwrap().starts_with("ghr_"));
    assert_eq!(
        post_json(&c, &token_url, poll).await["error"],
        "incorrect_device_code"
    );

    let r = c
        .get(format!("{}/user", gh.url))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["x-oauth-scopes"], "read:org, read:audit_log");
    assert!(r
        .headers()
        .contains_key("github-authentication-token-expiration"));

    // Without Accept: application/json the answer is form-encoded, as on github.com.
    let r = c
        .post(format!("{}/login/device/code", gh.url))
        .form(&[("client_id", "Iv1.cloudwarden")])
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(
        text.contains("device_code=") && text.contains("&user_code="),
        "{text}"
    );

    // Denied, and polled too fast.
    gh.set_device_interval(5);
    let dc: Value = post_json(
        &c,
        &format!("{}/login/device/code", gh.url),
        json!({"client_id": "Iv1.cloudwarden"}),
    )
    .await;
    let poll = json!({"client_id": "Iv1.cloudwarden", "device_code": dc["device_code"], "grant_type": "urn:ietf:params:oauth:grant-type:device_code"});
    assert_eq!(
        post_json(&c, &token_url, poll.clone()).await["error"],
        "authorization_pending"
    );
    let slow = post_json(&c, &token_url, poll.clone()).await;
    assert_eq!(slow["error"], "slow_down");
    assert_eq!(slow["interval"], 10);
    assert!(gh.deny_device(dc["user_code"].as_str().unwrap()));
    assert_eq!(
        post_json(&c, &token_url, json!({"grant_type": "password"})).await["error"],
        "unsupported_grant_type"
    );
}

async fn device_tokens(gh: &FakeGithub, c: &Client) -> Value {
    gh.set_device_interval(0);
    let dc = post_json(
        c,
        &format!("{}/login/device/code", gh.url),
        json!({"client_id": "Iv1.cw"}),
    )
    .await;
    assert!(gh.approve_device(dc["user_code"].as_str().unwrap()));
    let poll = json!({"client_id": "Iv1.cw", "device_code": dc["device_code"], "grant_type": "urn:ietf:params:oauth:grant-type:device_code"});
    post_json(c, &format!("{}/login/oauth/access_token", gh.url), poll).await
}

#[tokio::test]
async fn refresh_tokens_rotate_and_can_be_revoked() {
    let gh = start(tenant()).await;
    let c = client();
    let token_url = format!("{}/login/oauth/access_token", gh.url);
    let first = device_tokens(&gh, &c).await;
    let user = format!("{}/user", gh.url);

    // The access token expires; a refresh brings a new pair and retires the old refresh token.
    gh.faults().expire_token_after(0);
    let old = first["access_token"].as_str().unwrap();
    assert_eq!(
        c.get(&user).bearer_auth(old).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let refresh = |rt: &Value| json!({"client_id": "Iv1.cw", "grant_type": "refresh_token", "refresh_token": rt});
    let second = post_json(&c, &token_url, refresh(&first["refresh_token"])).await;
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    let new = second["access_token"].as_str().unwrap();
    assert_eq!(
        c.get(&user).bearer_auth(new).send().await.unwrap().status(),
        StatusCode::OK
    );
    let reused = post_json(&c, &token_url, refresh(&first["refresh_token"])).await;
    assert_eq!(reused["error"], "bad_refresh_token");

    // Form-encoded refresh, JSON answer.
    let r = c
        .post(&token_url)
        .header("accept", "application/json")
        .form(&[
            ("client_id", "Iv1.cw"),
            ("grant_type", "refresh_token"),
            ("refresh_token", second["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    let third: Value = r.json().await.unwrap();
    assert!(third["access_token"].is_string());

    gh.revoke_refresh_tokens();
    let revoked = post_json(&c, &token_url, refresh(&third["refresh_token"])).await;
    assert_eq!(revoked["error"], "bad_refresh_token");
    assert_eq!(
        c.get(&user)
            .bearer_auth(third["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    // Short-lived tokens really expire.
    gh.set_access_token_lifetime(0);
    let short = device_tokens(&gh, &c).await;
    assert_eq!(short["expires_in"], 0);
    let r = c
        .get(&user)
        .bearer_auth(short["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn authorization_code_flow_checks_pkce() {
    let gh = start(tenant()).await;
    gh.set_oauth_client("Iv1.cw", Some("s3cret"));
    let c = client();
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()))
    };
    assert_eq!(
        challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "RFC 7636 appendix B"
    );
    let authorize = |c: &Client| {
        c.get(format!("{}/login/oauth/authorize", gh.url))
            .query(&[
                ("client_id", "Iv1.cw"),
                ("redirect_uri", "http://127.0.0.1:53682/callback"),
                ("scope", "read:org"),
                ("state", "st4te"),
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
            ])
            .send()
    };
    let r = authorize(&c).await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("http://127.0.0.1:53682/callback?code="));
    assert!(location.ends_with("&state=st4te"));
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();

    let token_url = format!("{}/login/oauth/access_token", gh.url);
    let exchange = |code: &str, verifier: &str, secret: &str| {
        json!({
            "client_id": "Iv1.cw",
            "client_secret": secret,
            "code": code,
            "redirect_uri": "http://127.0.0.1:53682/callback",
            "code_verifier": verifier,
        })
    };
    let bad = post_json(&c, &token_url, exchange(&code, "wrong-verifier", "s3cret")).await;
    assert_eq!(bad["error"], "bad_verification_code");
    let again = post_json(&c, &token_url, exchange(&code, verifier, "s3cret")).await;
    assert_eq!(
        again["error"], "bad_verification_code",
        "codes are single-use"
    );

    let location = authorize(&c).await.unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let wrong_secret = post_json(&c, &token_url, exchange(&code, verifier, "nope")).await;
    assert_eq!(wrong_secret["error"], "incorrect_client_credentials");

    let location = authorize(&c).await.unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let tok = post_json(&c, &token_url, exchange(&code, verifier, "s3cret")).await;
    let access = tok["access_token"].as_str().unwrap();
    let r = c
        .get(format!("{}/orgs/acme/members", gh.url))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Plain PKCE is refused with an error redirect.
    let r = c
        .get(format!("{}/login/oauth/authorize", gh.url))
        .query(&[
            ("client_id", "Iv1.cw"),
            ("redirect_uri", "http://127.0.0.1:1/cb"),
            ("state", "x"),
            ("code_challenge", "abc"),
            ("code_challenge_method", "plain"),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("error=invalid_request"));
}

// ---------------------------------------------------------------------------------------
// Against the official OpenAPI descriptions.

fn description(file: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/apis/github")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn resolve<'a>(spec: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .trim_start_matches("#/")
            .split('/')
            .fold(spec, |at, k| &at[k]),
        None => v,
    }
}

/// The query parameters of `GET path`: (name, enum values).
fn query_params(spec: &Value, path: &str) -> Vec<(String, Vec<String>)> {
    spec["paths"][path]["get"]["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("{path} not in the description"))
        .iter()
        .map(|p| resolve(spec, p))
        .filter(|p| p["in"] == "query")
        .map(|p| {
            let values = p["schema"]["enum"]
                .as_array()
                .map(|e| e.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default();
            (p["name"].as_str().unwrap().to_owned(), values)
        })
        .collect()
}

fn check_schema(spec: &Value, schema: &str, item: &Value, what: &str) {
    let s = &spec["components"]["schemas"][schema];
    let props = s["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no schema {schema}"));
    let obj = item.as_object().unwrap();
    for r in s["required"].as_array().into_iter().flatten() {
        assert!(
            obj.contains_key(r.as_str().unwrap()),
            "{what}: required `{r}` of {schema} missing"
        );
    }
    for k in obj.keys() {
        assert!(
            props.contains_key(k),
            "{what}: `{k}` is not a property of {schema}"
        );
    }
}

#[tokio::test]
async fn follows_the_official_description() {
    let api = description("api.github.com.json");
    let ghec = description("ghec.json");
    let t = tenant();
    let gh = start(t.clone()).await;
    let c = client();
    let repo = &t.repos[0].name;
    let team = &t.teams[0].slug;

    // Every query parameter of every route is one the fake reads, and every enum value works.
    let routes: &[(&Value, &str, String, &[&str])] = &[
        (
            &api,
            "/orgs/{org}/members",
            "/orgs/acme/members".into(),
            &["filter", "role", "per_page", "page"],
        ),
        (
            &api,
            "/orgs/{org}/outside_collaborators",
            "/orgs/acme/outside_collaborators".into(),
            &["filter", "per_page", "page"],
        ),
        (
            &api,
            "/orgs/{org}/teams",
            "/orgs/acme/teams".into(),
            &["per_page", "page", "team_type"],
        ),
        (
            &api,
            "/orgs/{org}/teams/{team_slug}/members",
            format!("/orgs/acme/teams/{team}/members"),
            &["role", "per_page", "page"],
        ),
        (
            &api,
            "/orgs/{org}/repos",
            "/orgs/acme/repos".into(),
            &["type", "sort", "direction", "per_page", "page"],
        ),
        (
            &ghec,
            "/orgs/{org}/repos",
            "/orgs/acme/repos".into(),
            &["type", "sort", "direction", "per_page", "page"],
        ),
        (
            &api,
            "/repos/{owner}/{repo}/collaborators",
            format!("/repos/acme/{repo}/collaborators"),
            &["affiliation", "permission", "per_page", "page"],
        ),
        (
            &api,
            "/orgs/{org}/installations",
            "/orgs/acme/installations".into(),
            &["per_page", "page"],
        ),
        (
            &ghec,
            "/orgs/{org}/credential-authorizations",
            "/orgs/acme/credential-authorizations".into(),
            &["per_page", "page", "login"],
        ),
        (
            &ghec,
            "/orgs/{org}/audit-log",
            "/orgs/acme/audit-log".into(),
            &["phrase", "include", "after", "before", "order", "per_page"],
        ),
        (&api, "/user", "/user".into(), &[]),
        (&api, "/orgs/{org}", "/orgs/acme".into(), &[]),
    ];
    for (spec, template, path, ours) in routes {
        let params = query_params(spec, template);
        let names: BTreeSet<_> = params.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ours.iter().copied().collect(), "{template}");
        for (name, values) in &params {
            for v in values {
                let r = get(&c, &format!("{}{path}?{name}={v}", gh.url)).await;
                assert_eq!(r.status(), StatusCode::OK, "{template}?{name}={v}");
            }
        }
    }

    // Bodies carry every required field of their schema and nothing the schema lacks.
    let first = |v: Value| v.as_array().unwrap()[0].clone();
    let body = |p: String| {
        let c = c.clone();
        async move { get(&c, &p).await.json::<Value>().await.unwrap() }
    };
    let u = &gh.url;
    check_schema(
        &api,
        "private-user",
        &body(format!("{u}/user")).await,
        "/user",
    );
    check_schema(
        &api,
        "organization-full",
        &body(format!("{u}/orgs/acme")).await,
        "/orgs/{org}",
    );
    let m = first(body(format!("{u}/orgs/acme/members")).await);
    check_schema(&api, "simple-user", &m, "members");
    check_schema(
        &api,
        "simple-user",
        &first(body(format!("{u}/orgs/acme/outside_collaborators")).await),
        "outside",
    );
    let teams = body(format!("{u}/orgs/acme/teams")).await;
    for tm in teams.as_array().unwrap() {
        check_schema(&api, "team", tm, "teams");
        if !tm["parent"].is_null() {
            check_schema(&api, "nullable-team-simple", &tm["parent"], "team parent");
        }
    }
    check_schema(
        &api,
        "team-member",
        &first(body(format!("{u}/orgs/acme/teams/{team}/members")).await),
        "team members",
    );
    let r = first(body(format!("{u}/orgs/acme/repos")).await);
    check_schema(&api, "minimal-repository", &r, "repos");
    check_schema(&api, "simple-user", &r["owner"], "repo owner");
    check_schema(
        &api,
        "collaborator",
        &first(body(format!("{u}/repos/acme/{repo}/collaborators")).await),
        "collaborators",
    );
    let inst = body(format!("{u}/orgs/acme/installations")).await;
    check_schema(
        &api,
        "installation",
        &inst["installations"][0],
        "installations",
    );
    for c in body(format!(
        "{u}/orgs/acme/credential-authorizations?per_page=100"
    ))
    .await
    .as_array()
    .unwrap()
    {
        check_schema(
            &ghec,
            "credential-authorization",
            c,
            "credential authorizations",
        );
    }
    for e in body(format!("{u}/orgs/acme/audit-log?include=all&per_page=100"))
        .await
        .as_array()
        .unwrap()
    {
        check_schema(&ghec, "audit-log-event", e, "audit log");
    }
    let err = body(format!("{u}/orgs/nope")).await;
    check_schema(&api, "basic-error", &err, "404");

    // The audit log is Enterprise Cloud only: absent from the api.github.com description.
    assert!(api["paths"]["/orgs/{org}/audit-log"].is_null());
    assert!(ghec["paths"]["/orgs/{org}/audit-log"]["get"].is_object());
}
