//! JSON bodies with the field names and shapes of GitHub's REST schemas.
//!
//! API URLs in bodies point at the fake (`api` is its base URL); `html_url`s and avatars keep
//! github.com's form, since nothing fetches them.

use serde_json::{json, Map, Value};

use super::generate::user_node_id;
use super::tenant::{
    AuditEvent, CredentialAuthorization, GithubTenant, Installation, Member, Permission, Repo,
    Team, TeamRole, TwoFactor,
};
use crate::common::json::Obj;
use crate::common::time::format_rfc3339;

fn org_node_id(id: u64) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("012:Organization{id}"))
}

fn account(
    api: &str,
    login: &str,
    id: u64,
    node_id: &str,
    kind: &str,
    site_admin: bool,
) -> Map<String, Value> {
    let u = format!("{api}/users/{login}");
    let mut m = Map::with_capacity(20);
    m.insert("login".into(), login.into());
    m.insert("id".into(), id.into());
    m.insert("node_id".into(), node_id.into());
    m.insert(
        "avatar_url".into(),
        format!("https://avatars.githubusercontent.com/u/{id}?v=4").into(),
    );
    m.insert("gravatar_id".into(), "".into());
    m.insert("url".into(), u.clone().into());
    m.insert(
        "html_url".into(),
        format!("https://github.com/{login}").into(),
    );
    m.insert("followers_url".into(), format!("{u}/followers").into());
    m.insert(
        "following_url".into(),
        format!("{u}/following{{/other_user}}").into(),
    );
    m.insert("gists_url".into(), format!("{u}/gists{{/gist_id}}").into());
    m.insert(
        "starred_url".into(),
        format!("{u}/starred{{/owner}}{{/repo}}").into(),
    );
    m.insert(
        "subscriptions_url".into(),
        format!("{u}/subscriptions").into(),
    );
    m.insert("organizations_url".into(), format!("{u}/orgs").into());
    m.insert("repos_url".into(), format!("{u}/repos").into());
    m.insert(
        "events_url".into(),
        format!("{u}/events{{/privacy}}").into(),
    );
    m.insert(
        "received_events_url".into(),
        format!("{u}/received_events").into(),
    );
    m.insert("type".into(), kind.into());
    m.insert("user_view_type".into(), "public".into());
    m.insert("site_admin".into(), site_admin.into());
    m
}

fn user_map(api: &str, m: &Member) -> Map<String, Value> {
    account(api, &m.login, m.id, &m.node_id, "User", m.site_admin)
}

/// `simple-user`.
pub(crate) fn simple_user(api: &str, m: &Member) -> Value {
    Value::Object(user_map(api, m))
}

/// The organisation as an account (`owner` of repositories, `account` of installations).
pub(crate) fn org_account(api: &str, t: &GithubTenant) -> Value {
    Value::Object(account(
        api,
        &t.org,
        t.id,
        &org_node_id(t.id),
        "Organization",
        false,
    ))
}

/// `team-member`: a `simple-user` with the member's team `role` and `inherited`.
pub(crate) fn team_member(api: &str, m: &Member, role: TeamRole, inherited: bool) -> Value {
    let mut v = user_map(api, m);
    v.insert("role".into(), role.as_str().into());
    v.insert("inherited".into(), inherited.into());
    Value::Object(v)
}

/// `collaborator`: a `simple-user` with `permissions` and `role_name`.
pub(crate) fn collaborator(api: &str, m: &Member, p: Permission) -> Value {
    let mut v = user_map(api, m);
    v.insert(
        "permissions".into(),
        json!({
            "pull": true,
            "triage": p >= Permission::Triage,
            "push": p >= Permission::Push,
            "maintain": p >= Permission::Maintain,
            "admin": p == Permission::Admin,
        }),
    );
    v.insert("role_name".into(), p.role_name().into());
    Value::Object(v)
}

/// `private-user` of `GET /user`.
pub(crate) fn private_user(api: &str, m: &Member, t: &GithubTenant) -> Value {
    let mut v = user_map(api, m);
    let more = json!({
        "name": m.name,
        "company": format!("@{}", t.org),
        "blog": "",
        "location": null,
        "email": m.email,
        "hireable": null,
        "bio": null,
        "twitter_username": null,
        "public_repos": 2,
        "public_gists": 0,
        "followers": 7,
        "following": 3,
        "created_at": format_rfc3339(m.created_at_ms),
        "updated_at": format_rfc3339(m.created_at_ms + 86_400_000),
        "private_gists": 0,
        "total_private_repos": 0,
        "owned_private_repos": 0,
        "disk_usage": 1024,
        "collaborators": 0,
        "two_factor_authentication": m.two_factor != TwoFactor::Disabled,
        "plan": {"name": "free", "space": 976_562_499, "collaborators": 0, "private_repos": 10000},
    });
    if let Value::Object(more) = more {
        v.extend(more);
    }
    Value::Object(v)
}

/// `organization-full` of `GET /orgs/{org}` as seen by an owner.
pub(crate) fn organization(api: &str, t: &GithubTenant) -> Value {
    let o = format!("{api}/orgs/{}", t.org);
    let public = t
        .repos
        .iter()
        .filter(|r| r.visibility == super::tenant::Visibility::Public)
        .count();
    let private = t.repos.len() - public;
    let seats = t.members.len() + t.members.len() / 10 + 5;
    let mut v = json!({
        "login": t.org,
        "id": t.id,
        "node_id": org_node_id(t.id),
        "url": o,
        "repos_url": format!("{o}/repos"),
        "events_url": format!("{o}/events"),
        "hooks_url": format!("{o}/hooks"),
        "issues_url": format!("{o}/issues"),
        "members_url": format!("{o}/members{{/member}}"),
        "public_members_url": format!("{o}/public_members{{/member}}"),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{}?v=4", t.id),
        "description": format!("{} on GitHub", t.name),
        "name": t.name,
        "company": null,
        "blog": "",
        "location": null,
        "email": null,
        "twitter_username": null,
        "is_verified": true,
        "has_organization_projects": true,
        "has_repository_projects": true,
        "public_repos": public,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "html_url": format!("https://github.com/{}", t.org),
        "type": "Organization",
        "created_at": format_rfc3339(t.created_at_ms),
        "updated_at": format_rfc3339(t.created_at_ms + 86_400_000),
        "archived_at": null,
    });
    let more = json!({
        "total_private_repos": private,
        "owned_private_repos": private,
        "private_gists": 0,
        "disk_usage": 10_000,
        "collaborators": t.outside_collaborators.len(),
        "billing_email": format!("billing@{}.example.com", t.org.to_lowercase()),
        "default_repository_permission": "read",
        "members_can_create_repositories": true,
        "two_factor_requirement_enabled": t.two_factor_requirement_enabled,
        "members_allowed_repository_creation_type": "all",
        "members_can_create_public_repositories": true,
        "members_can_create_private_repositories": true,
        "members_can_create_internal_repositories": t.plan == super::tenant::Plan::EnterpriseCloud,
        "members_can_fork_private_repositories": false,
        "web_commit_signoff_required": false,
        "plan": {
            "name": t.plan.as_str(),
            "space": 976_562_499,
            "private_repos": 999_999,
            "filled_seats": t.members.len(),
            "seats": seats,
        },
    });
    if let (Value::Object(v), Value::Object(more)) = (&mut v, more) {
        v.extend(more);
    }
    v
}

fn team_simple(api: &str, t: &GithubTenant, team: &Team) -> Map<String, Value> {
    let u = format!("{api}/organizations/{}/team/{}", t.id, team.id);
    let mut m = Map::with_capacity(16);
    m.insert("id".into(), team.id.into());
    m.insert("node_id".into(), team.node_id.clone().into());
    m.insert("url".into(), u.clone().into());
    m.insert(
        "html_url".into(),
        format!("https://github.com/orgs/{}/teams/{}", t.org, team.slug).into(),
    );
    m.insert("name".into(), team.name.clone().into());
    m.insert("slug".into(), team.slug.clone().into());
    m.insert("description".into(), team.description.clone().into());
    m.insert("privacy".into(), team.privacy.as_str().into());
    m.insert(
        "notification_setting".into(),
        "notifications_enabled".into(),
    );
    m.insert("permission".into(), "pull".into());
    m.insert(
        "members_url".into(),
        format!("{u}/members{{/member}}").into(),
    );
    m.insert("repositories_url".into(), format!("{u}/repos").into());
    m.insert("type".into(), "organization".into());
    m.insert("organization_id".into(), t.id.into());
    m
}

/// `team`, with `parent` as a `team-simple` or null.
pub(crate) fn team(api: &str, t: &GithubTenant, team: &Team, parent: Option<&Team>) -> Value {
    let mut m = team_simple(api, t, team);
    m.insert(
        "parent".into(),
        parent.map_or(Value::Null, |p| Value::Object(team_simple(api, t, p))),
    );
    Value::Object(m)
}

const REPO_URLS: &[(&str, &str)] = &[
    ("archive_url", "/{archive_format}{/ref}"),
    ("assignees_url", "/assignees{/user}"),
    ("blobs_url", "/git/blobs{/sha}"),
    ("branches_url", "/branches{/branch}"),
    ("collaborators_url", "/collaborators{/collaborator}"),
    ("comments_url", "/comments{/number}"),
    ("commits_url", "/commits{/sha}"),
    ("compare_url", "/compare/{base}...{head}"),
    ("contents_url", "/contents/{+path}"),
    ("contributors_url", "/contributors"),
    ("deployments_url", "/deployments"),
    ("downloads_url", "/downloads"),
    ("events_url", "/events"),
    ("forks_url", "/forks"),
    ("git_commits_url", "/git/commits{/sha}"),
    ("git_refs_url", "/git/refs{/sha}"),
    ("git_tags_url", "/git/tags{/sha}"),
    ("hooks_url", "/hooks"),
    ("issue_comment_url", "/issues/comments{/number}"),
    ("issue_events_url", "/issues/events{/number}"),
    ("issues_url", "/issues{/number}"),
    ("keys_url", "/keys{/key_id}"),
    ("labels_url", "/labels{/name}"),
    ("languages_url", "/languages"),
    ("merges_url", "/merges"),
    ("milestones_url", "/milestones{/number}"),
    (
        "notifications_url",
        "/notifications{?since,all,participating}",
    ),
    ("pulls_url", "/pulls{/number}"),
    ("releases_url", "/releases{/id}"),
    ("stargazers_url", "/stargazers"),
    ("statuses_url", "/statuses/{sha}"),
    ("subscribers_url", "/subscribers"),
    ("subscription_url", "/subscription"),
    ("tags_url", "/tags"),
    ("teams_url", "/teams"),
    ("trees_url", "/git/trees{/sha}"),
];

/// `minimal-repository`, as listed by `GET /orgs/{org}/repos` for an owner.
pub(crate) fn repo(api: &str, t: &GithubTenant, owner: &Value, r: &Repo) -> Value {
    let full = format!("{}/{}", t.org, r.name);
    let u = format!("{api}/repos/{full}");
    let mut m = Map::with_capacity(80);
    m.insert("id".into(), r.id.into());
    m.insert("node_id".into(), r.node_id.clone().into());
    m.insert("name".into(), r.name.clone().into());
    m.insert("full_name".into(), full.clone().into());
    m.insert("owner".into(), owner.clone());
    m.insert(
        "private".into(),
        (r.visibility != super::tenant::Visibility::Public).into(),
    );
    m.insert("visibility".into(), r.visibility.as_str().into());
    m.insert(
        "html_url".into(),
        format!("https://github.com/{full}").into(),
    );
    m.insert("description".into(), r.description.clone().into());
    m.insert("fork".into(), r.fork.into());
    m.insert("url".into(), u.clone().into());
    for (k, suffix) in REPO_URLS {
        m.insert((*k).into(), format!("{u}{suffix}").into());
    }
    m.insert(
        "git_url".into(),
        format!("git://github.com/{full}.git").into(),
    );
    m.insert(
        "ssh_url".into(),
        format!("git@github.com:{full}.git").into(),
    );
    m.insert(
        "clone_url".into(),
        format!("https://github.com/{full}.git").into(),
    );
    m.insert(
        "svn_url".into(),
        format!("https://github.com/{full}").into(),
    );
    m.insert("homepage".into(), Value::Null);
    m.insert("language".into(), Value::Null);
    m.insert("size".into(), (r.id % 50_000).into());
    m.insert("default_branch".into(), r.default_branch.clone().into());
    m.insert("archived".into(), r.archived.into());
    m.insert("disabled".into(), false.into());
    m.insert("is_template".into(), false.into());
    m.insert("topics".into(), Value::Array(Vec::new()));
    m.insert("has_issues".into(), true.into());
    m.insert("has_projects".into(), true.into());
    m.insert("has_wiki".into(), true.into());
    m.insert("has_pages".into(), false.into());
    m.insert("has_downloads".into(), true.into());
    m.insert("has_discussions".into(), false.into());
    m.insert("forks_count".into(), 0.into());
    m.insert("stargazers_count".into(), 0.into());
    m.insert("watchers_count".into(), 0.into());
    m.insert("open_issues_count".into(), 0.into());
    m.insert("pushed_at".into(), format_rfc3339(r.pushed_at_ms).into());
    m.insert("created_at".into(), format_rfc3339(r.created_at_ms).into());
    m.insert("updated_at".into(), format_rfc3339(r.updated_at_ms).into());
    m.insert(
        "permissions".into(),
        json!({"admin": true, "maintain": true, "push": true, "triage": true, "pull": true}),
    );
    Value::Object(m)
}

/// `installation`.
pub(crate) fn installation(
    api: &str,
    t: &GithubTenant,
    account: &Value,
    i: &Installation,
) -> Value {
    let permissions: Map<String, Value> = i
        .permissions
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect();
    json!({
        "id": i.id,
        "account": account,
        "repository_selection": i.repository_selection.as_str(),
        "access_tokens_url": format!("{api}/app/installations/{}/access_tokens", i.id),
        "repositories_url": format!("{api}/installation/repositories"),
        "html_url": format!("https://github.com/organizations/{}/settings/installations/{}", t.org, i.id),
        "app_id": i.app_id,
        "app_slug": i.app_slug,
        "client_id": i.client_id,
        "target_id": t.id,
        "target_type": "Organization",
        "permissions": permissions,
        "events": i.events,
        "created_at": format_rfc3339(i.created_at_ms),
        "updated_at": format_rfc3339(i.updated_at_ms),
        "single_file_name": null,
        "has_multiple_single_files": false,
        "single_file_paths": [],
        "suspended_by": null,
        "suspended_at": i.suspended_at_ms.map(format_rfc3339),
    })
}

/// `credential-authorization`.
pub(crate) fn credential_authorization(c: &CredentialAuthorization) -> Value {
    let mut m = Map::with_capacity(12);
    m.insert("login".into(), c.login.clone().into());
    m.insert("credential_id".into(), c.credential_id.into());
    m.insert("credential_type".into(), c.credential_type.as_str().into());
    if let Some(t) = &c.token_last_eight {
        m.insert("token_last_eight".into(), t.clone().into());
    }
    m.insert(
        "credential_authorized_at".into(),
        format_rfc3339(c.credential_authorized_at_ms).into(),
    );
    m.insert(
        "credential_accessed_at".into(),
        c.credential_accessed_at_ms.map(format_rfc3339).into(),
    );
    if !c.scopes.is_empty() {
        m.insert("scopes".into(), c.scopes.clone().into());
    }
    if let Some(f) = &c.fingerprint {
        m.insert("fingerprint".into(), f.clone().into());
    }
    m.insert(
        "authorized_credential_id".into(),
        c.authorized_credential_id.into(),
    );
    m.insert(
        "authorized_credential_title".into(),
        c.authorized_credential_title.clone().into(),
    );
    m.insert(
        "authorized_credential_note".into(),
        c.authorized_credential_note.clone().into(),
    );
    m.insert(
        "authorized_credential_expires_at".into(),
        c.authorized_credential_expires_at_ms
            .map(format_rfc3339)
            .into(),
    );
    Value::Object(m)
}

/// `audit-log-event`: only the fields the event has, as GitHub omits the others. Written
/// straight into the page's buffer, keys in ascending byte order (see
/// [`Json`](crate::common::json::Json)).
pub(crate) fn audit_event(o: &mut Obj<'_>, e: &AuditEvent) {
    o.int("@timestamp", e.timestamp_ms)
        .str("_document_id", &e.document_id)
        .str("action", &e.action)
        .str("actor", &e.actor)
        .uint("actor_id", e.actor_id);
    if let Some(c) = &e.country {
        o.object("actor_location", |o| {
            o.str("country_name", c);
        });
    }
    o.int("created_at", e.created_at_ms)
        .str("operation_type", &e.operation_type)
        .str("org", &e.org)
        .uint("org_id", e.org_id)
        .some_str("repo", e.repo.as_deref())
        .some_str("team", e.team.as_deref())
        .some_str(
            "transport_protocol_name",
            e.transport_protocol_name.as_deref(),
        )
        .some_str("user", e.user.as_deref());
    if let Some(u) = e.user_id {
        o.uint("user_id", u);
    }
    o.some_str("visibility", e.visibility.as_deref());
}

/// A user for a token whose tenant has no members.
pub(crate) fn ghost(api: &str) -> Value {
    Value::Object(account(
        api,
        "ghost",
        10137,
        &user_node_id(10137),
        "User",
        false,
    ))
}

/// [`audit_event`] as it was, a `serde_json::Value`, for tests to compare against.
#[cfg(test)]
fn audit_event_value(e: &AuditEvent) -> Value {
    let mut m = Map::with_capacity(16);
    m.insert("@timestamp".into(), e.timestamp_ms.into());
    m.insert("_document_id".into(), e.document_id.clone().into());
    m.insert("action".into(), e.action.clone().into());
    m.insert("actor".into(), e.actor.clone().into());
    m.insert("actor_id".into(), e.actor_id.into());
    if let Some(c) = &e.country {
        m.insert("actor_location".into(), json!({ "country_name": c }));
    }
    m.insert("created_at".into(), e.created_at_ms.into());
    m.insert("operation_type".into(), e.operation_type.clone().into());
    m.insert("org".into(), e.org.clone().into());
    m.insert("org_id".into(), e.org_id.into());
    if let Some(u) = &e.user {
        m.insert("user".into(), u.clone().into());
    }
    if let Some(u) = e.user_id {
        m.insert("user_id".into(), u.into());
    }
    if let Some(r) = &e.repo {
        m.insert("repo".into(), r.clone().into());
    }
    if let Some(t) = &e.team {
        m.insert("team".into(), t.clone().into());
    }
    if let Some(v) = &e.visibility {
        m.insert("visibility".into(), v.clone().into());
    }
    if let Some(p) = &e.transport_protocol_name {
        m.insert("transport_protocol_name".into(), p.clone().into());
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::common::json::Json;
    use crate::github::generate::TenantSize;

    #[test]
    fn audit_events_render_as_before() {
        let mut t = GithubTenant::generate("acme", 3, &TenantSize::small());
        let mut odd = t.audit_events[0].clone();
        odd.actor = "\"q\" \\ \u{1} 日本".into();
        odd.country = Some("Côte d'Ivoire\n".into());
        odd.user = Some(String::new());
        odd.user_id = Some(u64::MAX);
        odd.timestamp_ms = -1;
        t.audit_events.push(odd);
        let sorted = serde_json::to_string(&json!({"b": 1, "a": 2})).unwrap() == r#"{"a":2,"b":1}"#;
        for e in &t.audit_events {
            let mut w = Json::default();
            w.object(|o| audit_event(o, e));
            let text = String::from_utf8(w.into_bytes()).unwrap();
            let old = audit_event_value(e);
            assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), old);
            if sorted {
                assert_eq!(text, serde_json::to_string(&old).unwrap());
            }
        }
    }
}
