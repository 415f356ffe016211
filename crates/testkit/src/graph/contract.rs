//! Is a request a valid Microsoft Graph v1.0 request? Judged by Microsoft's published
//! schema ([`super::schema`]) — the path resolves through entity sets, singletons, keys,
//! navigation properties, casts and bound functions; every `$select`, `$expand` and
//! `$orderby` property and every property a `$filter` compares exists on the target type
//! or a type derived from it — and by the limits each operation's documentation page states
//! (page size, `$filter` operators, application-only operations, extra parameters), written
//! down below with the page they come from
//! (`microsoftgraph/microsoft-graph-docs-contrib`, `api-reference/v1.0/api/<page>`).
//!
//! The fake Graph refuses a request this check fails (400 `Request_UnsupportedQuery`), and
//! the connector's contract test runs every request a scan sent through it.

use super::schema::{Schema, TypeRef};

/// A request as a client sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The path from `/v1.0/` on, with its query (`/v1.0/users?$top=999`).
    pub target: String,
    /// The token was a signed-in user's (delegated), not an application's.
    pub delegated: bool,
    /// The `Prefer` header.
    pub prefer: Option<String>,
    /// The JSON body of a `POST`.
    pub body: Option<String>,
}

impl std::fmt::Display for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} ({})",
            self.method,
            self.target,
            if self.delegated {
                "delegated"
            } else {
                "application"
            }
        )?;
        if let Some(p) = &self.prefer {
            write!(f, " Prefer: {p}")?;
        }
        Ok(())
    }
}

/// What an operation's documentation page allows beyond the schema.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The path with keys as `{id}` (`/groups/{id}/members`).
    pub route: &'static str,
    pub method: &'static str,
    /// The documentation page (`api-reference/v1.0/api/<doc>`).
    pub doc: &'static str,
    /// The largest `$top`; `None`: the page documents no `$top`.
    pub max_top: Option<usize>,
    /// A smaller largest `$top` when `$select` names a property (`signInActivity`).
    pub max_top_when_selected: &'static [(&'static str, usize)],
    /// Properties `$filter` may compare, with the operators documented for each
    /// (`startswith`, `any` … count as operators). Empty: no `$filter`.
    pub filters: &'static [(&'static str, &'static [&'static str])],
    /// Whether `$select` is supported.
    pub select: bool,
    /// Navigation properties `$expand` may name.
    pub expand: &'static [&'static str],
    /// Properties `$orderby` may name.
    pub orderby: &'static [&'static str],
    /// Query parameters without a `$` that the page documents (`search`, `token`).
    pub params: &'static [&'static str],
    /// Only application permissions may call it (a delegated call is denied).
    pub app_only: bool,
    /// The page says to supply no request body (an action without parameters).
    pub no_body: bool,
}

const fn get(route: &'static str, doc: &'static str) -> Limits {
    Limits {
        route,
        method: "GET",
        doc,
        max_top: None,
        max_top_when_selected: &[],
        filters: &[],
        select: true,
        expand: &[],
        orderby: &[],
        params: &[],
        app_only: false,
        no_body: false,
    }
}

/// Directory objects are paged at most 999 a page (the figure each directory list page
/// states: "The default and maximum page sizes are 100 and 999").
const DIRECTORY_PAGE: Option<usize> = Some(999);

/// The operations Cloudwarden calls and what their pages say. A request to an operation
/// missing here is a violation: every call must be backed by its documentation.
pub const OPERATIONS: &[Limits] = &[
    // organization-list.md: supports $select.
    get("/organization", "organization-list.md"),
    // user-get.md (`GET /me`): $select; delegated tokens only.
    get("/me", "user-get.md"),
    // user-list.md: "The default and maximum page sizes are 100 and 999 user objects
    // respectively, except when you specify $select=signInActivity or
    // $filter=signInActivity. When signInActivity is selected or filtered on, the maximum
    // page size is 500" (120 before July 2025).
    Limits {
        max_top: DIRECTORY_PAGE,
        max_top_when_selected: &[("signInActivity", 500)],
        filters: &[
            ("userType", &["eq"]),
            ("accountEnabled", &["eq"]),
            ("userPrincipalName", &["eq", "startswith"]),
            ("mail", &["eq", "startswith"]),
        ],
        ..get("/users", "user-list.md")
    },
    // authenticationmethodsroot-list-userregistrationdetails.md: "This method supports only
    // the $filter and $orderBy OData query parameters" (no $select, no $top: the service
    // pages by @odata.nextLink). The page names no property `$filter` or `$orderBy` may
    // use, and Cloudwarden uses neither: both are refused here.
    Limits {
        select: false,
        ..get(
            "/reports/authenticationMethods/userRegistrationDetails",
            "authenticationmethodsroot-list-userregistrationdetails.md",
        )
    },
    // group-list.md: "The default and maximum page sizes are 100 and 999".
    Limits {
        max_top: DIRECTORY_PAGE,
        ..get("/groups", "group-list.md")
    },
    // group-list-members.md ("The default and maximum page size is 100 and 999"),
    // group-list-owners.md and group-list-transitivemembers.md ($top among the supported
    // parameters; directory objects page at most 999).
    Limits {
        max_top: DIRECTORY_PAGE,
        ..get("/groups/{id}/members", "group-list-members.md")
    },
    Limits {
        max_top: DIRECTORY_PAGE,
        ..get("/groups/{id}/owners", "group-list-owners.md")
    },
    Limits {
        max_top: DIRECTORY_PAGE,
        ..get(
            "/groups/{id}/transitiveMembers",
            "group-list-transitivemembers.md",
        )
    },
    // rbacapplication-list-roledefinitions.md: $filter (`eq`, `in` on id, displayName,
    // isBuiltIn), $expand, $select; no $top.
    get(
        "/roleManagement/directory/roleDefinitions",
        "rbacapplication-list-roledefinitions.md",
    ),
    // rbacapplication-list-roleassignments.md: "This method supports the $filter, $expand,
    // and $select OData query parameters" (unifiedroleassignment.md: principalId,
    // roleDefinitionId, directoryScopeId `eq`, `in`); no $top.
    Limits {
        filters: &[
            ("roleDefinitionId", &["eq", "in"]),
            ("principalId", &["eq", "in"]),
            ("directoryScopeId", &["eq", "in"]),
        ],
        expand: &["principal", "roleDefinition"],
        ..get(
            "/roleManagement/directory/roleAssignments",
            "rbacapplication-list-roleassignments.md",
        )
    },
    // rbacapplication-list-roleeligibilityscheduleinstances.md: "supports the $select,
    // $filter, and $expand"; unifiedroleeligibilityscheduleinstance.md: principalId,
    // roleDefinitionId, memberType `eq`, `ne`; no $top.
    Limits {
        filters: &[
            ("roleDefinitionId", &["eq", "ne"]),
            ("principalId", &["eq", "ne"]),
            ("memberType", &["eq", "ne"]),
        ],
        expand: &["principal", "roleDefinition"],
        ..get(
            "/roleManagement/directory/roleEligibilityScheduleInstances",
            "rbacapplication-list-roleeligibilityscheduleinstances.md",
        )
    },
    // directoryaudit-list.md: "supports the $filter (eq, ge, le, startswith), $top,
    // $orderby, and skiptoken"; directoryaudit.md: activityDateTime `eq`, `ge`, `le` and
    // $orderby. The page states no largest $top: 999, the directory's page limit.
    Limits {
        max_top: Some(999),
        orderby: &["activityDateTime"],
        filters: &[
            ("activityDateTime", &["eq", "ge", "le"]),
            ("activityDisplayName", &["eq", "startswith"]),
            ("category", &["eq"]),
            ("correlationId", &["eq"]),
            ("loggedByService", &["eq"]),
            ("result", &["eq"]),
        ],
        ..get("/auditLogs/directoryAudits", "directoryaudit-list.md")
    },
    // signin-list.md: "The maximum and default page size is 1,000 objects"; $top,
    // $skiptoken, $filter; createdDateTime "Supports $orderby and $filter (eq, le, and ge
    // operators only)".
    Limits {
        max_top: Some(1000),
        orderby: &["createdDateTime"],
        filters: &[
            ("createdDateTime", &["eq", "ge", "le"]),
            ("userPrincipalName", &["eq", "startswith"]),
            ("appDisplayName", &["eq", "startswith"]),
        ],
        ..get("/auditLogs/signIns", "signin-list.md")
    },
    // site-getallsites.md: delegated permissions "Not supported" (a delegated call gets
    // 403 accessDenied); paged by @odata.nextLink; no query parameters documented.
    Limits {
        app_only: true,
        ..get("/sites/getAllSites", "site-getallsites.md")
    },
    // site-search.md: `GET /sites?search={query}`; no $top documented.
    Limits {
        params: &["search"],
        ..get("/sites", "site-search.md")
    },
    // drive-list.md: "supports the $expand, $select, $skipToken, $top, and $orderby".
    Limits {
        max_top: DIRECTORY_PAGE,
        ..get("/sites/{id}/drives", "drive-list.md")
    },
    // driveitem-delta.md: "supports the $select, $expand, and $top"; `token` continues a
    // round (nextLink, deltaLink) or is `latest`.
    Limits {
        max_top: DIRECTORY_PAGE,
        params: &["token"],
        ..get("/drives/{id}/root/delta", "driveitem-delta.md")
    },
    // driveitem-get.md: "supports the $expand and $select OData query parameters".
    get("/drives/{id}/items/{id}", "driveitem-get.md"),
    // driveitem-list-permissions.md: "supports the $select OData Query Parameters".
    get(
        "/drives/{id}/items/{id}/permissions",
        "driveitem-list-permissions.md",
    ),
    // oauth2permissiongrant-list.md / oauth2permissiongrant.md: $filter (`eq` only) on
    // clientId, consentType, principalId, resourceId; no $top.
    Limits {
        filters: &[
            ("clientId", &["eq"]),
            ("consentType", &["eq"]),
            ("principalId", &["eq"]),
            ("resourceId", &["eq"]),
        ],
        ..get("/oauth2PermissionGrants", "oauth2permissiongrant-list.md")
    },
    // serviceprincipal-list.md: "$count, $expand, $filter, $orderBy, $search, $select, and
    // $top … The default and maximum page sizes are 100 and 999".
    Limits {
        max_top: DIRECTORY_PAGE,
        filters: &[
            ("appId", &["eq", "in"]),
            ("servicePrincipalType", &["eq"]),
            ("displayName", &["eq", "startswith"]),
        ],
        ..get("/servicePrincipals", "serviceprincipal-list.md")
    },
    // serviceprincipal-list-approleassignedto.md ("supports the OData query parameters";
    // directory objects page at most 999); approleassignment.md: principalDisplayName
    // `eq`, `startswith`, resourceId `eq`.
    Limits {
        max_top: DIRECTORY_PAGE,
        filters: &[
            ("principalDisplayName", &["eq", "startswith"]),
            ("resourceId", &["eq"]),
        ],
        ..get(
            "/servicePrincipals/{id}/appRoleAssignedTo",
            "serviceprincipal-list-approleassignedto.md",
        )
    },
    // security-auditcoreroot-post-auditlogqueries.md: the query's filters in the body.
    Limits {
        method: "POST",
        select: false,
        ..get(
            "/security/auditLog/queries",
            "security-auditcoreroot-post-auditlogqueries.md",
        )
    },
    // oauth2permissiongrant-delete.md: no query options, no body.
    Limits {
        method: "DELETE",
        select: false,
        ..get(
            "/oauth2PermissionGrants/{id}",
            "oauth2permissiongrant-delete.md",
        )
    },
    // user-revokesigninsessions.md: `POST /users/{id | userPrincipalName}/revokeSignInSessions`,
    // no query options, no body; application permission User.RevokeSessions.All.
    Limits {
        method: "POST",
        select: false,
        no_body: true,
        ..get(
            "/users/{id}/revokeSignInSessions",
            "user-revokesigninsessions.md",
        )
    },
    // user-update.md: `PATCH /users/{id | userPrincipalName}` with the properties to change;
    // accountEnabled needs User.EnableDisableAccount.All (application).
    Limits {
        method: "PATCH",
        select: false,
        ..get("/users/{id}", "user-update.md")
    },
    // permission-delete.md: `DELETE /drives/{drive-id}/items/{item-id}/permissions/{perm-id}`,
    // no query options, no body; Files.ReadWrite.All or Sites.ReadWrite.All.
    Limits {
        method: "DELETE",
        select: false,
        ..get(
            "/drives/{id}/items/{id}/permissions/{id}",
            "permission-delete.md",
        )
    },
    // serviceprincipal-delete-approleassignedto.md: no query options, no body.
    Limits {
        method: "DELETE",
        select: false,
        ..get(
            "/servicePrincipals/{id}/appRoleAssignedTo/{id}",
            "serviceprincipal-delete-approleassignedto.md",
        )
    },
    // security-auditcoreroot-list-auditlogqueries.md.
    get(
        "/security/auditLog/queries",
        "security-auditcoreroot-list-auditlogqueries.md",
    ),
    // security-auditlogquery-get.md.
    get(
        "/security/auditLog/queries/{id}",
        "security-auditlogquery-get.md",
    ),
    // security-auditlogquery-list-records.md: paged by @odata.nextLink; no $top documented.
    get(
        "/security/auditLog/queries/{id}/records",
        "security-auditlogquery-list-records.md",
    ),
];

/// Where a path leads: the type of what it returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub ty: TypeRef,
    /// The path with keys as `{id}` and functions by name (`/drives/{id}/root/delta`).
    pub route: String,
}

/// Resolves the path of a request (`/v1.0/...`, no query) through the schema.
pub fn resolve(schema: &Schema, path: &str) -> Result<Target, String> {
    let rest = path
        .strip_prefix("/v1.0/")
        .ok_or_else(|| format!("`{path}` is not under /v1.0/"))?;
    let mut segments = rest.split('/').filter(|s| !s.is_empty());
    let first = segments.next().ok_or("an empty path")?;
    let mut ty = schema
        .root(first)
        .cloned()
        .ok_or_else(|| format!("`{first}` is not an entity set or singleton of v1.0"))?;
    let mut route = format!("/{first}");
    for seg in segments {
        let seg = percent_decode(seg);
        let (name, args) = match seg.split_once('(') {
            Some((n, a)) => (n, Some(a.trim_end_matches(')'))),
            None => (seg.as_str(), None),
        };
        // A cast to a derived type.
        if name.starts_with("microsoft.graph.") && schema.types.contains_key(name) && args.is_none()
        {
            if !schema.is_a(name, &ty.name) {
                return Err(format!("`{name}` does not derive from `{}`", ty.name));
            }
            ty.name = name.to_owned();
            route.push('/');
            route.push_str(name);
            continue;
        }
        // A bound function or action (with or without its namespace and parentheses).
        if let Some(op) = schema.operation(name, &ty.name, ty.collection) {
            if let Some(args) = args {
                for arg in args.split(',').filter(|a| !a.trim().is_empty()) {
                    let pname = arg.split('=').next().unwrap_or_default().trim();
                    if !op.parameters.iter().any(|p| p.eq_ignore_ascii_case(pname)) {
                        return Err(format!("`{name}` has no parameter `{pname}`"));
                    }
                }
            }
            ty = op
                .returns
                .clone()
                .ok_or_else(|| format!("`{name}` returns nothing to read"))?;
            route.push('/');
            route.push_str(name.rsplit('.').next().unwrap_or(name));
            continue;
        }
        if ty.collection {
            // A key.
            if args.is_some() || seg.is_empty() {
                return Err(format!("`{seg}` is not a key of `{}`", ty.name));
            }
            ty.collection = false;
            route.push_str("/{id}");
            continue;
        }
        let member = schema.member(&ty.name, name).ok_or_else(|| {
            format!(
                "`{name}` is not a property, navigation property or bound function of `{}`",
                ty.name
            )
        })?;
        ty = member.ty.clone();
        route.push('/');
        route.push_str(name);
    }
    Ok(Target { ty, route })
}

fn percent_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The documented limits of an operation.
pub fn limits(route: &str, method: &str) -> Option<&'static Limits> {
    OPERATIONS
        .iter()
        .find(|l| l.method == method && l.route.eq_ignore_ascii_case(route))
}

/// Every problem with `req`, by the schema and the documented limits (empty: valid).
pub fn check(schema: &Schema, req: &Request) -> Vec<String> {
    let mut problems = Vec::new();
    let (path, query) = req.target.split_once('?').unwrap_or((&req.target, ""));
    let target = match resolve(schema, path) {
        Ok(t) => t,
        Err(e) => return vec![e],
    };
    let Some(limits) = limits(&target.route, &req.method) else {
        return vec![format!(
            "{} {} is not an operation whose documented limits are known (add it with its page)",
            req.method, target.route
        )];
    };
    if limits.app_only && req.delegated {
        problems.push(format!(
            "{} supports application permissions only ({})",
            target.route, limits.doc
        ));
    }
    let ty = target.ty.name.as_str();
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    for (key, value) in &params {
        let option = key.strip_prefix('$').unwrap_or(key).to_ascii_lowercase();
        let system = key.starts_with('$')
            || matches!(
                option.as_str(),
                "select" | "filter" | "top" | "expand" | "orderby" | "skiptoken" | "count"
            );
        if !system {
            if !limits.params.iter().any(|p| p.eq_ignore_ascii_case(key)) {
                problems.push(format!("`{key}` is not a parameter of {}", limits.doc));
            }
            continue;
        }
        match option.as_str() {
            "select" => {
                if !limits.select {
                    problems.push(format!("{} does not support $select", limits.doc));
                }
                for p in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    if schema.member_in_family(ty, p).is_none() {
                        problems.push(format!("$select: `{p}` is not a property of `{ty}`"));
                    }
                }
            }
            "expand" => {
                for item in split_top_level(value) {
                    let name = item.split('(').next().unwrap_or_default().trim();
                    match schema.member_in_family(ty, name) {
                        Some(m) if m.navigation => {}
                        _ => problems.push(format!(
                            "$expand: `{name}` is not a navigation property of `{ty}`"
                        )),
                    }
                    if !limits.expand.iter().any(|e| e.eq_ignore_ascii_case(name)) {
                        problems.push(format!(
                            "$expand: `{name}` is not documented on {}",
                            limits.doc
                        ));
                    }
                }
            }
            "orderby" => {
                for item in value.split(',') {
                    let name = item.split_whitespace().next().unwrap_or_default();
                    if let Err(e) = property_path(schema, ty, name) {
                        problems.push(format!("$orderby: {e}"));
                    }
                    if !limits.orderby.iter().any(|e| e.eq_ignore_ascii_case(name)) {
                        problems.push(format!(
                            "$orderby: `{name}` is not documented on {}",
                            limits.doc
                        ));
                    }
                }
            }
            "filter" => match filter_comparisons(schema, ty, value) {
                Ok(list) => {
                    for (prop, op) in list {
                        let allowed = limits
                            .filters
                            .iter()
                            .find(|(p, _)| p.eq_ignore_ascii_case(&prop))
                            .map(|(_, ops)| *ops);
                        let ok = match (allowed, op.as_deref()) {
                            (Some(ops), Some(op)) => ops.iter().any(|o| o.eq_ignore_ascii_case(op)),
                            (Some(_), None) => true,
                            (None, _) => false,
                        };
                        if !ok {
                            problems.push(format!(
                                "$filter: `{prop}` with `{}` is not documented on {}",
                                op.as_deref().unwrap_or("(boolean)"),
                                limits.doc
                            ));
                        }
                    }
                }
                Err(e) => problems.push(format!("$filter: {e}")),
            },
            "top" => match (value.parse::<usize>(), limits.max_top) {
                (Ok(n), Some(max)) => {
                    let selects = |p: &str| {
                        params.iter().any(|(k, v)| {
                            k.trim_start_matches('$').eq_ignore_ascii_case("select")
                                && v.split(',').any(|s| s.trim().eq_ignore_ascii_case(p))
                        })
                    };
                    let max = limits
                        .max_top_when_selected
                        .iter()
                        .filter(|(p, _)| selects(p))
                        .map(|(_, m)| *m)
                        .min()
                        .unwrap_or(max);
                    if n == 0 || n > max {
                        problems.push(format!("$top={n} is outside 1–{max} ({})", limits.doc));
                    }
                }
                (_, None) => problems.push(format!("{} documents no $top", limits.doc)),
                (Err(_), _) => problems.push(format!("$top=`{value}` is not a number")),
            },
            _ => {}
        }
    }
    if limits.no_body {
        if req.body.as_deref().is_some_and(|b| !b.trim().is_empty()) {
            problems.push(format!("{} takes no request body", limits.doc));
        }
    } else if req.method == "POST" || req.method == "PATCH" {
        match req
            .body
            .as_deref()
            .map(serde_json::from_str::<serde_json::Value>)
        {
            Some(Ok(serde_json::Value::Object(map))) => {
                for key in map.keys().filter(|k| !k.starts_with('@')) {
                    if schema.member(ty, key).is_none() {
                        problems.push(format!("body: `{key}` is not a property of `{ty}`"));
                    }
                }
            }
            _ => problems.push(format!("a {} needs a JSON object body", req.method)),
        }
    }
    problems
}

/// Splits `a,b($select=x,y),c` at the commas outside parentheses.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Resolves `a/b/c` from `ty` through properties, navigation properties and casts; the type
/// it ends at.
fn property_path(schema: &Schema, ty: &str, path: &str) -> Result<TypeRef, String> {
    let mut cur = TypeRef {
        name: ty.to_owned(),
        collection: false,
    };
    for seg in path.split('/') {
        if seg.starts_with("microsoft.graph.") && schema.types.contains_key(seg) {
            cur.name = seg.to_owned();
            continue;
        }
        let m = schema
            .member_in_family(&cur.name, seg)
            .ok_or_else(|| format!("`{path}` is not a property of `{ty}`"))?;
        cur = m.ty.clone();
    }
    Ok(cur)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Literal,
    Open,
    Close,
    Comma,
    Colon,
}

fn tokens(filter: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = filter.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            ':' => {
                out.push(Tok::Colon);
                i += 1;
            }
            '\'' => {
                // A string literal; '' is a quote inside it.
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("an unterminated string literal".into()),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => i += 2,
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
                out.push(Tok::Literal);
            }
            _ => {
                let start = i;
                while i < chars.len() && !matches!(chars[i], ' ' | '\t' | '(' | ')' | ',' | '\'') {
                    // A colon ends a lambda variable, but belongs to a time literal.
                    if chars[i] == ':' && !chars[start].is_ascii_digit() {
                        break;
                    }
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let literal = word.starts_with(|c: char| c.is_ascii_digit() || c == '-')
                    || matches!(word.as_str(), "true" | "false" | "null")
                    || is_guid(&word);
                out.push(if literal {
                    Tok::Literal
                } else {
                    Tok::Word(word)
                });
            }
        }
    }
    Ok(out)
}

fn is_guid(w: &str) -> bool {
    let parts: Vec<&str> = w.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

const COMPARISONS: &[&str] = &["eq", "ne", "gt", "ge", "lt", "le", "in", "has"];
const LOGICAL: &[&str] = &["and", "or", "not"];

/// The properties a `$filter` compares, each with its operator (a comparison, or the
/// function it is the first argument of: `startswith`, `any` …); `None` for a bare boolean.
fn filter_comparisons(
    schema: &Schema,
    ty: &str,
    filter: &str,
) -> Result<Vec<(String, Option<String>)>, String> {
    let toks = tokens(filter)?;
    let mut out = Vec::new();
    // Lambda variables in scope: (name, element type, paren depth at which it ends).
    let mut vars: Vec<(String, String, i32)> = Vec::new();
    let mut depth = 0;
    // Function calls open: (name, depth inside them, whether the first argument was seen).
    let mut calls: Vec<(String, i32, bool)> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Open => depth += 1,
            Tok::Close => {
                vars.retain(|v| v.2 < depth);
                calls.retain(|c| c.1 < depth);
                depth -= 1;
            }
            Tok::Comma => {
                if let Some(c) = calls.last_mut() {
                    c.2 = true;
                }
            }
            Tok::Word(w) => {
                let lower = w.to_ascii_lowercase();
                if COMPARISONS.contains(&lower.as_str()) || LOGICAL.contains(&lower.as_str()) {
                    i += 1;
                    continue;
                }
                if toks.get(i + 1) == Some(&Tok::Open) {
                    // `path/any(x: …)` or a function such as `startswith(path, 'x')`.
                    match w.rsplit_once('/') {
                        Some((path, lambda)) if matches!(lambda, "any" | "all") => {
                            let (root, rel) = scoped(&vars, ty, path);
                            let coll = property_path(schema, &root, rel)?;
                            out.push((path.to_owned(), Some(lambda.to_owned())));
                            if let (Some(Tok::Word(var)), Some(Tok::Colon)) =
                                (toks.get(i + 2), toks.get(i + 3))
                            {
                                vars.push((var.clone(), coll.name, depth + 1));
                                i += 4;
                                depth += 1;
                                continue;
                            }
                        }
                        _ => calls.push((lower, depth + 1, false)),
                    }
                    i += 1;
                    continue;
                }
                let (root, rel) = scoped(&vars, ty, w);
                if !rel.is_empty() {
                    property_path(schema, &root, rel)?;
                    let op = match toks.get(i + 1) {
                        Some(Tok::Word(next))
                            if COMPARISONS.contains(&next.to_ascii_lowercase().as_str()) =>
                        {
                            Some(next.to_ascii_lowercase())
                        }
                        _ => calls
                            .last()
                            .filter(|c| c.1 == depth && !c.2)
                            .map(|c| c.0.clone()),
                    };
                    out.push((w.clone(), op));
                }
            }
            Tok::Literal | Tok::Colon => {}
        }
        i += 1;
    }
    Ok(out)
}

/// A path relative to a lambda variable (`m/id` in `any(m: …)`) → (its type, `id`).
fn scoped<'a>(vars: &[(String, String, i32)], ty: &str, path: &'a str) -> (String, &'a str) {
    let (head, rest) = path.split_once('/').unwrap_or((path, ""));
    match vars.iter().rev().find(|v| v.0 == head) {
        Some(v) => (v.1.clone(), rest),
        None => (ty.to_owned(), path),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::super::schema;
    use super::*;

    fn req(target: &str) -> Request {
        Request {
            method: "GET".into(),
            target: target.into(),
            delegated: false,
            prefer: None,
            body: None,
        }
    }

    fn problems(target: &str) -> Vec<String> {
        check(schema::v1(), &req(target))
    }

    #[test]
    fn revoking_deletes_are_documented_operations() {
        let del = |target: &str| {
            check(
                schema::v1(),
                &Request {
                    method: "DELETE".into(),
                    ..req(target)
                },
            )
        };
        assert!(del("/v1.0/oauth2PermissionGrants/abc-123").is_empty());
        assert!(
            del("/v1.0/servicePrincipals/sp-1/appRoleAssignedTo/assignment-1").is_empty(),
            "{:?}",
            del("/v1.0/servicePrincipals/sp-1/appRoleAssignedTo/assignment-1")
        );
        // Not documented: deleting a whole collection, or a user.
        assert!(!del("/v1.0/oauth2PermissionGrants").is_empty());
        assert!(!del("/v1.0/users/u1").is_empty());
    }

    #[test]
    fn paths_resolve_through_the_schema() {
        let s = schema::v1();
        let t = resolve(s, "/v1.0/drives/b!x/items/01ABC/permissions").unwrap();
        assert_eq!(t.route, "/drives/{id}/items/{id}/permissions");
        assert_eq!(t.ty.name, "microsoft.graph.permission");
        assert_eq!(
            resolve(s, "/v1.0/drives/d1/root/delta").unwrap().route,
            "/drives/{id}/root/delta"
        );
        assert_eq!(
            resolve(s, "/v1.0/sites/getAllSites").unwrap().route,
            "/sites/getAllSites"
        );
        assert_eq!(
            resolve(s, "/v1.0/security/auditLog/queries/q1/records")
                .unwrap()
                .ty
                .name,
            "microsoft.graph.security.auditLogRecord"
        );
        assert!(resolve(s, "/v1.0/widgets").is_err());
        assert!(resolve(s, "/v1.0/users/u1/nonsense").is_err());
        assert!(resolve(s, "/beta/users").is_err());
    }

    #[test]
    fn query_options_are_judged_by_the_schema_and_the_pages() {
        assert_eq!(
            problems("/v1.0/users?$select=id,signInActivity&$top=500"),
            Vec::<String>::new()
        );
        // Defect: 999 users a page with signInActivity.
        assert_eq!(
            problems("/v1.0/users?$select=id,signInActivity&$top=999").len(),
            1
        );
        assert!(problems("/v1.0/users?$top=999").is_empty());
        // Defect: a beta-only property.
        let p = problems("/v1.0/servicePrincipals?$select=id,publisherName");
        assert!(p[0].contains("publisherName"), "{p:?}");
        // Defect: `lt` is not documented on activityDateTime.
        assert!(problems(
            "/v1.0/auditLogs/directoryAudits?$filter=activityDateTime%20ge%202024-01-01T00:00:00Z%20and%20activityDateTime%20le%202024-01-02T00:00:00Z&$top=999"
        )
        .is_empty());
        assert_eq!(
            problems(
                "/v1.0/auditLogs/directoryAudits?$filter=activityDateTime%20lt%202024-01-02T00:00:00Z"
            )
            .len(),
            1
        );
        // Members are directory objects: user properties may be selected.
        assert!(
            problems("/v1.0/groups/g1/members?$select=id,userPrincipalName&$top=999").is_empty()
        );
        // Unknown filter property, unknown parameter, unknown expand, undocumented $top.
        assert!(!problems("/v1.0/users?$filter=shoeSize%20eq%2042").is_empty());
        assert!(!problems("/v1.0/users?search=x").is_empty());
        assert!(
            !problems("/v1.0/roleManagement/directory/roleAssignments?$expand=widgets").is_empty()
        );
        assert!(!problems("/v1.0/oauth2PermissionGrants?$top=999").is_empty());
        assert!(problems(
            "/v1.0/roleManagement/directory/roleAssignments?$expand=principal&$filter=principalId%20eq%20'x'"
        )
        .is_empty());
        // Application-only operations.
        let mut r = req("/v1.0/sites/getAllSites?$select=id");
        assert!(check(schema::v1(), &r).is_empty());
        r.delegated = true;
        assert_eq!(check(schema::v1(), &r).len(), 1);
    }

    #[test]
    fn a_post_body_names_properties_of_the_type() {
        let mut r = req("/v1.0/security/auditLog/queries");
        r.method = "POST".into();
        r.body = Some(
            r#"{"displayName":"x","filterStartDateTime":"2024-01-01T00:00:00Z","filterEndDateTime":"2024-01-02T00:00:00Z"}"#
                .into(),
        );
        assert!(check(schema::v1(), &r).is_empty());
        r.body = Some(r#"{"displayName":"x","serviceFilter":"Exchange"}"#.into());
        assert_eq!(check(schema::v1(), &r).len(), 1);
    }

    #[test]
    fn filters_with_functions_and_lambdas() {
        let s = schema::v1();
        let c = filter_comparisons(
            s,
            "microsoft.graph.user",
            "startswith(displayName,'a''b') and accountEnabled eq true",
        )
        .unwrap();
        assert_eq!(
            c,
            vec![
                ("displayName".into(), Some("startswith".into())),
                ("accountEnabled".into(), Some("eq".into()))
            ]
        );
        let c = filter_comparisons(
            s,
            "microsoft.graph.user",
            "assignedLicenses/any(x:x/skuId eq 6fd2c87f-b296-42f0-b197-1e91e994b900)",
        )
        .unwrap();
        assert_eq!(c[0], ("assignedLicenses".into(), Some("any".into())));
        assert_eq!(c[1], ("x/skuId".into(), Some("eq".into())));
        assert!(filter_comparisons(
            s,
            "microsoft.graph.user",
            "assignedLicenses/any(x:x/nope eq 1)"
        )
        .is_err());
    }
}
