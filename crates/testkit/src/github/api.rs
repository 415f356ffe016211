//! The REST handlers. Each checks its path and query parameters the way the official
//! description defines them, then serves a slice of a list prepared in [`Index`](super::index).

use std::sync::Arc;

use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::audit::{decode_cursor, encode_cursor, Include, Phrase, Query};
use super::auth::Caller;
use super::index::{Person, RepoSort, RepoType};
use super::paging::{link, page, per_page, url_with};
use super::render;
use super::server::{documentation_url, error, PathParams, Shared};
use super::tenant::{OrgRole, Permission, Plan, Visibility};
use crate::common::http::{json_bytes, json_response, param, params, Params, JSON};
use crate::common::json::Json;
use crate::common::time::{now_ms, DAY_MS};

fn not_found_at(template: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "Not Found",
        documentation_url(template),
    )
}

/// 422 for a value outside a parameter's enum.
fn invalid(field: &str, resource: &str, template: &str) -> Response {
    json_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({
            "message": "Validation Failed",
            "errors": [{"resource": resource, "field": field, "code": "invalid"}],
            "documentation_url": documentation_url(template),
            "status": "422",
        }),
    )
}

/// The position in `allowed` of parameter `key` (absent: `allowed[0]`, the default).
fn choice(p: &Params, key: &str, allowed: &[&str]) -> Result<usize, ()> {
    match param(p, key) {
        None => Ok(0),
        Some(v) => allowed.iter().position(|a| *a == v).ok_or(()),
    }
}

fn list(items: Vec<Value>, link: Option<String>) -> Response {
    with_link(json_response(StatusCode::OK, &Value::Array(items)), link)
}

fn with_link(mut r: Response, link: Option<String>) -> Response {
    if let Some(v) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
        r.headers_mut().insert(header::LINK, v);
    }
    r
}

fn org_ok(s: &Shared, path: &PathParams) -> bool {
    let t = &s.index.tenant;
    if let Some(o) = path.get("org").or_else(|| path.get("owner")) {
        return o.eq_ignore_ascii_case(&t.org);
    }
    if let Some(id) = path.get("org_id") {
        return id.parse::<u64>().ok() == Some(t.id);
    }
    true
}

fn org_url(s: &Shared, rest: &str) -> String {
    format!("{}/organizations/{}/{rest}", s.base, s.index.tenant.id)
}

/// Unknown paths.
pub(crate) async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "Not Found",
        "https://docs.github.com/rest",
    )
}

/// `GET /user`.
pub(crate) async fn user(State(s): State<Arc<Shared>>) -> Response {
    let body = match s.index.token_user() {
        Some(m) => render::private_user(&s.base, m, &s.index.tenant),
        None => render::ghost(&s.base),
    };
    json_response(StatusCode::OK, &body)
}

/// `GET /orgs/{org}`.
pub(crate) async fn organization(
    State(s): State<Arc<Shared>>,
    Path(path): Path<PathParams>,
) -> Response {
    if !org_ok(&s, &path) {
        return not_found_at("/orgs/{org}");
    }
    json_response(
        StatusCode::OK,
        &render::organization(&s.base, &s.index.tenant),
    )
}

/// `GET /orgs/{org}/members`: `filter`, `role`, `per_page`, `page`.
pub(crate) async fn members(
    State(s): State<Arc<Shared>>,
    Path(path): Path<PathParams>,
    RawQuery(q): RawQuery,
) -> Response {
    const T: &str = "/orgs/{org}/members";
    if !org_ok(&s, &path) {
        return not_found_at(T);
    }
    let p = params(q.as_deref());
    let Ok(role) = choice(&p, "role", &["all", "admin", "member"]) else {
        return invalid("role", "Member", T);
    };
    let Ok(filter) = choice(&p, "filter", &["all", "2fa_disabled", "2fa_insecure"]) else {
        return invalid("filter", "Member", T);
    };
    if filter != 0 && s.faults.is_member_only() {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Only owners can use this filter.",
            documentation_url(T),
        );
    }
    let rows = &s.index.members_by[role][filter];
    let pg = page(&p);
    let members = &s.index.tenant.members;
    let items = rows[pg.range(rows.len())]
        .iter()
        .map(|&i| render::simple_user(&s.base, &members[i as usize]))
        .collect();
    list(items, link(&org_url(&s, "members"), &p, &pg, rows.len()))
}

/// `GET /orgs/{org}/outside_collaborators`: `filter`, `per_page`, `page`.
pub(crate) async fn outside_collaborators(
    State(s): State<Arc<Shared>>,
    Path(path): Path<PathParams>,
    RawQuery(q): RawQuery,
) -> Response {
    const T: &str = "/orgs/{org}/outside_collaborators";
    if !org_ok(&s, &path) {
        return not_found_at(T);
    }
    let p = params(q.as_deref());
    let Ok(filter) = choice(&p, "filter", &["all", "2fa_disabled", "2fa_insecure"]) else {
        return invalid("filter", "User", T);
    };
    if filter != 0 && s.faults.is_member_only() {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Only owners can use this filter.",
            documentation_url(T),
        );
    }
    let people = &s.index.tenant.outside_collaborators;
    let removed = s.removed_outside().clone();
    let rows: Vec<u32> = s.index.outside_by[filter]
        .iter()
        .copied()
        .filter(|&i| !removed.contains(&people[i as usize].login))
        .collect();
    let pg = page(&p);
    let items = rows[pg.range(rows.len())]
        .iter()
        .map(|&i| render::simple_user(&s.base, &people[i as usize]))
        .collect();
    list(
        items,
        link(&org_url(&s, "outside_collaborators"), &p, &pg, rows.len()),
    )
}

/// `GET /orgs/{org}/teams`: `per_page`, `page`, `team_type`.
pub(crate) async fn teams(
    State(s): State<Arc<Shared>>,
    Path(path): Path<PathParams>,
    RawQuery(q): RawQuery,
) -> Response {
    const T: &str = "/orgs/{org}/teams";
    if !org_ok(&s, &path) {
        return not_found_at(T);
    }
    let p = params(q.as_deref());
    let Ok(team_type) = choice(&p, "team_type", &["all", "enterprise", "organization"]) else {
        return invalid("team_type", "Team", T);
    };
    let t = &s.index.tenant;
    // Every generated team is an organisation team.
    let total = if team_type == 1 { 0 } else { t.teams.len() };
    let pg = page(&p);
    let items = t.teams[pg.range(total)]
        .iter()
        .map(|team| {
            let parent = team
                .parent
                .as_ref()
                .and_then(|slug| s.index.team_by_slug.get(&slug.to_lowercase()))
                .map(|&i| &t.teams[i]);
            render::team(&s.base, t, team, parent)
        })
        .collect();
    list(items, link(&org_url(&s, "teams"), &p, &pg, total))
}

/// `GET /orgs/{org}/teams/{team_slug}/members`: `role`, `per_page`, `page`. Lists the
/// members of child teams too (`inherited: true`).
pub(crate) async fn team_members(
    State(s): State<Arc<Shared>>,
    Path(path): Path<PathParams>,
    RawQuery(q): RawQuery,
) -> Response {
    const T: &str = "/orgs/{org}/teams/{team_slug}/members";
    if !org_ok(&s, &path) {
        return not_found_at(T);
    }
    let team = match (path.get("team_slug"), path.get("team_id")) {
        (Some(slug), _) => s.index.team_by_slug.get(&slug.to_lowercase()).copied(),
        (_, Some(id)) => id
            .parse::<u64>()
            .ok()
            .and_then(|id| s.index.team_by_id.get(&id).copied()),
        _ => None,
    };
    let Some(team) = team else {
        return not_found_at(T);
    };
    let p = params(q.as_deref());
    let Ok(role) = choice(&p, "role", &["all", "member", "maintainer"]) else {
        return invalid("role", "TeamMember", T);
    };
    let rows: Vec<_> = s.index.team_members[team]
        .iter()
        .filter(|(_, r, _)| match role {
            1 => *r == super::tenant::TeamRole::Member,
            2 => *r == super::tenant::TeamRole::Maintainer,
            _ => true,
        })
        .collect();
    let pg = page(&p);
    let members = &s.index.tenant.members;
    let items = rows[pg.range(rows.len())]
        .iter()
        .map(|&&(m, r, inherited)| render::team_member(&s.base, &members[m as usize], r, inherited))
        .collect();
    let id = s.index.tenant.teams[team].id;
    list(
        items,
        link(
            &org_url(&s, &format!("team/{id}/members")),
            &p,
            &pg,
            rows.len(),
        ),
    )
}

/// `GET /orgs/{org}/repos`: `type`, `sort`, `direction`, `per_page`, `page`.
pub(crate) async fn repos(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<PathParams>,
    RawQuery(q): RawQuery,
) -> Response {
    const T: &str = "/orgs/{org}/repos";
    if !org_ok(&s, &path) {
        return not_found_at(T);
    }
    let p = params(q.as_deref());
    let types = [
        RepoType::All,
        RepoType::Public,
        RepoType::Private,
        RepoType::Forks,
        RepoType::Sources,
        RepoType::Member,
        RepoType::Internal,
    ];
    let Ok(ty) = choice(
        &p,
        "type",
        &[
            "all", "public", "private", "forks", "sources", "member", "internal",
        ],
    ) else {
        return invalid("type", "Repository", T);
    };
    let sorts = [
        RepoSort::Created,
        RepoSort::Updated,
        RepoSort::Pushed,
        RepoSort::FullName,
    ];
    let Ok(sort) = choice(&p, "sort", &["created", "updated", "pushed", "full_name"]) else {
        return invalid("sort", "Repository", T);
    };
    let ascending = match param(&p, "direction") {
        None => sorts[sort] == RepoSort::FullName,
        Some("asc") => true,
        Some("desc") => false,
        Some(_) => return invalid("direction", "Repository", T),
    };
    let t = &s.index.tenant;
    // A classic token or OAuth app token without `repo` sees public repositories only
    // (https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps).
    let order: Vec<u32> = s
        .index
        .repo_order(types[ty], sorts[sort])
        .iter()
        .copied()
        .filter(|&i| caller.sees_private() || t.repos[i as usize].visibility == Visibility::Public)
        .collect();
    let pg = page(&p);
    let owner = render::org_account(&s.base, t);
    let n = order.len();
    let items = pg
        .range(n)
        .map(|k| {
            if ascending {
                order[k]
            } else {
                order[n - 1 - k]
            }
        })
        .map(|i| render::repo(&s.base, t, &owner, &t.repos[i as usize]))
        .collect();
    list(items, link(&org_url(&s, "repos"), &p, &pg, n))
}

/// `GET /repos/{owner}/{repo}/collaborators`: `affiliation`, `permission`, `per_page`,
/// `page`. `affiliation=all` (the default) adds the organisation owners, as admins.
pub(crate) async fn collaborators(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<PathParams>,
    RawQuery(q): RawQuery,
) -> Response {
    const T: &str = "/repos/{owner}/{repo}/collaborators";
    if !org_ok(&s, &path) {
        return not_found_at(T);
    }
    let repo = match (path.get("repo"), path.get("repo_id")) {
        (Some(name), _) => s.index.repo_by_name.get(&name.to_lowercase()).copied(),
        (_, Some(id)) => id
            .parse::<u64>()
            .ok()
            .and_then(|id| s.index.repo_by_id.get(&id).copied()),
        _ => None,
    };
    let Some(repo) = repo else {
        return not_found_at(T);
    };
    if !caller.sees_private() && s.index.tenant.repos[repo].visibility != Visibility::Public {
        return not_found_at(T);
    }
    let p = params(q.as_deref());
    let Ok(affiliation) = choice(&p, "affiliation", &["all", "outside", "direct"]) else {
        return invalid("affiliation", "Collaborator", T);
    };
    let perms = [
        Permission::Pull,
        Permission::Triage,
        Permission::Push,
        Permission::Maintain,
        Permission::Admin,
    ];
    let wanted = match param(&p, "permission") {
        None => None,
        Some(v) => match perms.iter().find(|x| x.as_str() == v) {
            Some(x) => Some(*x),
            None => return invalid("permission", "Collaborator", T),
        },
    };
    let t = &s.index.tenant;
    let is_owner =
        |p: Person| matches!(p, Person::Member(i) if t.members[i as usize].role == OrgRole::Admin);
    // role_name is the highest role from every source, so owners are always admins.
    let direct = &s.index.repo_collaborators[repo];
    let mut rows: Vec<(Person, Permission)> = direct
        .iter()
        .filter(|(p, _)| affiliation != 1 || matches!(p, Person::Outside(_)))
        .map(|&(p, perm)| (p, if is_owner(p) { Permission::Admin } else { perm }))
        .collect();
    if affiliation == 0 {
        for &a in &s.index.admins {
            if !direct.iter().any(|(p, _)| *p == Person::Member(a)) {
                rows.push((Person::Member(a), Permission::Admin));
            }
        }
    }
    if let Some(w) = wanted {
        rows.retain(|(_, perm)| *perm == w);
    }
    let pg = page(&p);
    let items = rows[pg.range(rows.len())]
        .iter()
        .filter_map(|&(person, perm)| {
            s.index
                .person(person)
                .map(|m| render::collaborator(&s.base, m, perm))
        })
        .collect();
    let base = format!("{}/repositories/{}/collaborators", s.base, t.repos[repo].id);
    list(items, link(&base, &p, &pg, rows.len()))
}

/// `GET /orgs/{org}/installations`: `per_page`, `page`; `{"total_count", "installations"}`.
pub(crate) async fn installations(
    State(s): State<Arc<Shared>>,
    Path(path): Path<PathParams>,
    RawQuery(q): RawQuery,
) -> Response {
    const T: &str = "/orgs/{org}/installations";
    if !org_ok(&s, &path) {
        return not_found_at(T);
    }
    let p = params(q.as_deref());
    let pg = page(&p);
    let t = &s.index.tenant;
    let account = render::org_account(&s.base, t);
    let items: Vec<Value> = t.installations[pg.range(t.installations.len())]
        .iter()
        .map(|i| render::installation(&s.base, t, &account, i))
        .collect();
    let mut r = json_response(
        StatusCode::OK,
        &json!({"total_count": t.installations.len(), "installations": items}),
    );
    let l = link(
        &org_url(&s, "installations"),
        &p,
        &pg,
        t.installations.len(),
    );
    if let Some(v) = l.and_then(|l| HeaderValue::from_str(&l).ok()) {
        r.headers_mut().insert(header::LINK, v);
    }
    r
}

/// `GET /orgs/{org}/credential-authorizations` (Enterprise Cloud with SAML SSO):
/// `per_page`, `page`, `login`.
pub(crate) async fn credential_authorizations(
    State(s): State<Arc<Shared>>,
    Path(path): Path<PathParams>,
    RawQuery(q): RawQuery,
) -> Response {
    const T: &str = "/orgs/{org}/credential-authorizations";
    let t = &s.index.tenant;
    if !org_ok(&s, &path) || t.plan != Plan::EnterpriseCloud || !t.saml_enforced {
        return not_found_at(T);
    }
    let p = params(q.as_deref());
    let login = param(&p, "login");
    let removed = s.removed_credentials().clone();
    let rows: Vec<_> = t
        .credential_authorizations
        .iter()
        .filter(|c| login.is_none_or(|l| c.login.eq_ignore_ascii_case(l)))
        .filter(|c| !removed.contains(&c.credential_id))
        .collect();
    let pg = page(&p);
    let items = rows[pg.range(rows.len())]
        .iter()
        .map(|c| render::credential_authorization(c))
        .collect();
    list(
        items,
        link(
            &org_url(&s, "credential-authorizations"),
            &p,
            &pg,
            rows.len(),
        ),
    )
}

/// `GET /orgs/{org}/audit-log` (Enterprise Cloud): `phrase`, `include`, `after`, `before`,
/// `order`, `per_page`; cursor pagination through the `Link` header.
pub(crate) async fn audit_log(
    State(s): State<Arc<Shared>>,
    Path(path): Path<PathParams>,
    RawQuery(q): RawQuery,
) -> Response {
    const T: &str = "/orgs/{org}/audit-log";
    if !org_ok(&s, &path) || s.index.tenant.plan != Plan::EnterpriseCloud {
        return not_found_at(T);
    }
    let p = params(q.as_deref());
    let mut phrase = match Phrase::parse(param(&p, "phrase").unwrap_or("")) {
        Ok(ph) => ph,
        Err(e) => return invalid_phrase(&e),
    };
    // "By default, the response includes up to 30 events from the past three months."
    if !phrase.has_created {
        phrase.from_ms = Some(now_ms() - 90 * DAY_MS);
    }
    let include = match param(&p, "include") {
        None | Some("web") => Include::Web,
        Some("git") => Include::Git,
        Some("all") => Include::All,
        Some(_) => return invalid("include", "AuditLog", T),
    };
    let ascending = match param(&p, "order") {
        None | Some("desc") => false,
        Some("asc") => true,
        Some(_) => return invalid("order", "AuditLog", T),
    };
    let cursor = |k: &str| match param(&p, k).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => decode_cursor(v).map(Some).ok_or(()),
    };
    let (Ok(after), Ok(before)) = (cursor("after"), cursor("before")) else {
        return invalid_phrase("Invalid cursor");
    };
    let query = Query {
        phrase,
        include,
        ascending,
        after,
        before,
        per_page: per_page(&p),
    };
    let log = s.audit();
    let page = log.query(&query);
    let mut items = Json::default();
    items.array(|w| {
        w.each(page.events.iter(), |w, e| {
            w.object(|o| render::audit_event(o, e))
        });
    });
    let (next, prev) = (page.next_after.clone(), page.prev_before.clone());
    drop(log);

    let base = org_url(&s, "audit-log");
    let kept: Params = p
        .iter()
        .filter(|(k, _)| k != "after" && k != "before")
        .cloned()
        .collect();
    let mut rels = Vec::new();
    if let Some(k) = next {
        rels.push(format!(
            "<{}>; rel=\"next\"",
            url_with(
                &base,
                &kept,
                &[("after", &encode_cursor(&k)), ("before", "")]
            )
        ));
    }
    if query.after.is_some() || query.before.is_some() {
        rels.push(format!(
            "<{}>; rel=\"first\"",
            url_with(&base, &kept, &[("after", ""), ("before", "")])
        ));
    }
    if let Some(k) = prev {
        rels.push(format!(
            "<{}>; rel=\"prev\"",
            url_with(
                &base,
                &kept,
                &[("after", ""), ("before", &encode_cursor(&k))]
            )
        ));
    }
    with_link(
        json_bytes(StatusCode::OK, items.into_bytes(), JSON),
        (!rels.is_empty()).then(|| rels.join(", ")),
    )
}

fn invalid_phrase(message: &str) -> Response {
    error(
        StatusCode::UNPROCESSABLE_ENTITY,
        message,
        documentation_url("/orgs/{org}/audit-log"),
    )
}

/// `DELETE /orgs/{org}/outside_collaborators/{username}` ("Remove outside collaborator from
/// an organization", organisation owners): 204; 422 when the user is a member of the
/// organisation (docs.github.com/rest/orgs/outside-collaborators); 404 for someone who is
/// not an outside collaborator (any more).
pub(crate) async fn remove_outside_collaborator(
    State(s): State<Arc<Shared>>,
    Path(path): Path<PathParams>,
) -> Response {
    const T: &str = "/orgs/{org}/outside_collaborators/{username}";
    if !org_ok(&s, &path) {
        return not_found_at(T);
    }
    let login = path.get("username").cloned().unwrap_or_default();
    let t = &s.index.tenant;
    if t.members
        .iter()
        .any(|m| m.login.eq_ignore_ascii_case(&login))
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "You cannot specify an organization member to remove as an outside collaborator.",
            documentation_url(T),
        );
    }
    let known = t
        .outside_collaborators
        .iter()
        .find(|m| m.login.eq_ignore_ascii_case(&login));
    match known {
        Some(m) if s.removed_outside().insert(m.login.clone()) => {
            let mut r = Response::new(axum::body::Body::empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            r
        }
        _ => not_found_at(T),
    }
}

/// `DELETE /orgs/{org}/credential-authorizations/{credential_id}` ("Remove a SAML SSO
/// authorization for an organization", organisation owners): 204, or 404 when the
/// organisation holds no such authorization (any more).
pub(crate) async fn remove_credential_authorization(
    State(s): State<Arc<Shared>>,
    Path(path): Path<PathParams>,
) -> Response {
    const T: &str = "/orgs/{org}/credential-authorizations/{credential_id}";
    let t = &s.index.tenant;
    if !org_ok(&s, &path) || t.plan != Plan::EnterpriseCloud || !t.saml_enforced {
        return not_found_at(T);
    }
    let id = path
        .get("credential_id")
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|id| {
            t.credential_authorizations
                .iter()
                .any(|c| c.credential_id == *id)
        });
    match id {
        Some(id) if s.removed_credentials().insert(id) => {
            let mut r = Response::new(axum::body::Body::empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            r
        }
        _ => not_found_at(T),
    }
}
