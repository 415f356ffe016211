//! The directory handlers: organization, users, groups and their members and owners,
//! directory roles, service principals and delegated permission grants. Each checks the
//! caller's permissions, then serves a page of the tenant's list.

use std::sync::Arc;

use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;

use super::auth::{Caller, Principal};
use super::odata::{
    bad_request, clauses, collection, directory_not_found, entity, error, forbidden, not_premium,
    page, query, string_literal, Clause, Query, Rejection,
};
use super::render;
use super::server::Shared;
use super::tenant::{User, UserType};

/// The permissions (app roles or delegated scopes) each route accepts, least privileged
/// first.
pub(crate) const USERS: &[&str] = &[
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(crate) const GROUPS: &[&str] = &[
    "GroupMember.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(crate) const ROLES: &[&str] = &[
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.ReadWrite.Directory",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(crate) const AUDIT: &[&str] = &["AuditLog.Read.All"];
pub(crate) const APPS: &[&str] = &[
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(crate) const GRANTS: &[&str] = &[
    "Directory.Read.All",
    "DelegatedPermissionGrant.ReadWrite.All",
    "Directory.ReadWrite.All",
];
/// oauth2permissiongrant-delete.md.
pub(crate) const GRANTS_WRITE: &[&str] = &[
    "DelegatedPermissionGrant.ReadWrite.All",
    "Directory.ReadWrite.All",
];
/// serviceprincipal-delete-approleassignedto.md.
pub(crate) const ASSIGNMENTS_WRITE: &[&str] =
    &["AppRoleAssignment.ReadWrite.All", "Directory.ReadWrite.All"];
pub(crate) const SITES: &[&str] = &[
    "Sites.Read.All",
    "Sites.ReadWrite.All",
    "Sites.FullControl.All",
];
pub(crate) const FILES: &[&str] = &[
    "Files.Read.All",
    "Sites.Read.All",
    "Files.ReadWrite.All",
    "Sites.ReadWrite.All",
    "Sites.FullControl.All",
];

macro_rules! query_or_return {
    ($raw:expr, $cap:expr) => {
        match query($raw, $cap) {
            Ok(q) => q,
            Err(r) => return r.response(),
        }
    };
}
pub(crate) use query_or_return;

fn unsupported() -> Response {
    Rejection::Unsupported.response()
}

/// The `$filter` clauses, every one of them an `eq` on one of `fields`; `Err` answers 400.
fn eq_filters(q: &Query, fields: &[&str]) -> Result<Vec<Clause>, Rejection> {
    let Some(f) = q.filter.as_deref() else {
        return Ok(Vec::new());
    };
    let Some(cs) = clauses(f) else {
        return Err(Rejection::BadRequest("Invalid filter clause".into()));
    };
    if cs
        .iter()
        .all(|c| c.op == "eq" && fields.iter().any(|x| x.eq_ignore_ascii_case(&c.field)))
    {
        Ok(cs)
    } else {
        Err(Rejection::Unsupported)
    }
}

/// `$select=signInActivity` needs AuditLog.Read.All and an Entra ID P1/P2 licence.
fn sign_in_activity_refused(s: &Shared, caller: &Caller, q: &Query) -> Option<Response> {
    if !q.selects("signInActivity") {
        None
    } else if !caller.has_any(AUDIT) {
        Some(forbidden())
    } else if !s.premium() {
        Some(not_premium())
    } else {
        None
    }
}

/// Unknown routes: 404 `Request_ResourceNotFound`.
pub(crate) async fn not_found(uri: Uri) -> Response {
    let segment = uri
        .path()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    error(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        format!("Resource not found for the segment '{segment}'."),
    )
}

/// `GET /v1.0/organization`: any valid token.
pub(crate) async fn organization(State(s): State<Arc<Shared>>) -> Response {
    collection(
        &format!("{}/v1.0/$metadata#organization", s.base),
        None,
        |w| render::organization(w, &s.index.tenant, s.premium()),
    )
}

/// `GET /v1.0/me`: delegated tokens only.
pub(crate) async fn me(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> Response {
    let Principal::Delegated(user) = caller.principal else {
        return bad_request("/me request is only valid with delegated authentication flow.");
    };
    let q = query_or_return!(q.as_deref(), 999);
    if let Some(refused) = sign_in_activity_refused(&s, &caller, &q) {
        return refused;
    }
    let u = &s.index.tenant.users[user];
    let select = q.select.as_deref();
    entity(
        &format!("{}/v1.0/$metadata#users/$entity", s.base),
        select,
        |o| render::user(o, u, select),
    )
}

/// `GET /v1.0/users`: `$select` (with `signInActivity`: AuditLog.Read.All and a premium
/// licence), `$filter` (`eq` on `userType`, `accountEnabled`, `userPrincipalName`, `mail`),
/// `$top`, `$skiptoken`.
pub(crate) async fn users(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> Response {
    if !caller.has_any(USERS) {
        return forbidden();
    }
    let q = query_or_return!(q.as_deref(), 999);
    if let Some(refused) = sign_in_activity_refused(&s, &caller, &q) {
        return refused;
    }
    let filters = match eq_filters(
        &q,
        &["userType", "accountEnabled", "userPrincipalName", "mail"],
    ) {
        Ok(f) => f,
        Err(r) => return r.response(),
    };
    let matches = |u: &User, c: &Clause| {
        let text = string_literal(&c.value);
        match c.field.to_lowercase().as_str() {
            "usertype" => {
                text.as_deref().map(str::to_lowercase).as_deref()
                    == Some(match u.user_type {
                        UserType::Member => "member",
                        UserType::Guest => "guest",
                    })
            }
            "accountenabled" => c.value.eq_ignore_ascii_case(&u.account_enabled.to_string()),
            "userprincipalname" => {
                text.is_some_and(|t| t.eq_ignore_ascii_case(&u.user_principal_name))
            }
            _ => text.is_some_and(|t| {
                u.mail
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case(&t))
            }),
        }
    };
    let select = q.select.as_deref();
    let users = &s.index.tenant.users;
    if filters.is_empty() {
        return page(&s.base, uri.path(), &q, "users", users, |o, u| {
            render::user(o, u, select)
        });
    }
    let rows: Vec<&User> = users
        .iter()
        .filter(|u| filters.iter().all(|c| matches(u, c)))
        .collect();
    page(&s.base, uri.path(), &q, "users", &rows, |o, u| {
        render::user(o, u, select)
    })
}

/// `GET /v1.0/reports/authenticationMethods/userRegistrationDetails`: AuditLog.Read.All, a
/// tenant with Microsoft Entra ID P1/P2; enabled accounts only ("This method doesn't work
/// for disabled users", authenticationmethodsroot-list-userregistrationdetails.md).
pub(crate) async fn user_registration_details(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> Response {
    if !caller.has_any(AUDIT) {
        return forbidden();
    }
    if !s.premium() {
        return not_premium();
    }
    let q = query_or_return!(q.as_deref(), 999);
    let rows: Vec<&User> = s
        .index
        .tenant
        .users
        .iter()
        .filter(|u| u.account_enabled)
        .collect();
    page(
        &s.base,
        uri.path(),
        &q,
        "reports/authenticationMethods/userRegistrationDetails",
        &rows,
        |o, u| render::registration(o, u, false, u.created_at_ms),
    )
}

/// `GET /v1.0/groups`.
pub(crate) async fn groups(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> Response {
    if !caller.has_any(GROUPS) {
        return forbidden();
    }
    let q = query_or_return!(q.as_deref(), 999);
    if q.filter.is_some() {
        return unsupported();
    }
    page(
        &s.base,
        uri.path(),
        &q,
        "groups",
        &s.index.tenant.groups,
        render::group,
    )
}

fn people(
    s: &Shared,
    caller: &Caller,
    uri: &Uri,
    id: &str,
    q: Option<&str>,
    owners: bool,
) -> Response {
    if !caller.has_any(GROUPS) {
        return forbidden();
    }
    let q = query_or_return!(q, 999);
    let Some(g) = s.index.group(id) else {
        return directory_not_found(id);
    };
    let group = &s.index.tenant.groups[g];
    let ids = if owners {
        &group.owners
    } else {
        &group.members
    };
    let rows: Vec<&User> = ids.iter().filter_map(|id| s.index.user(id)).collect();
    page(
        &s.base,
        uri.path(),
        &q,
        "directoryObjects",
        &rows,
        |o, u| render::member(o, u),
    )
}

/// `GET /v1.0/groups/{id}/members`.
pub(crate) async fn group_members(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> Response {
    people(&s, &caller, &uri, &id, q.as_deref(), false)
}

/// `GET /v1.0/groups/{id}/transitiveMembers`: the members of nested groups too (the fake's
/// groups hold users only, so they are the direct members).
pub(crate) async fn group_transitive_members(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> Response {
    people(&s, &caller, &uri, &id, q.as_deref(), false)
}

/// `GET /v1.0/groups/{id}/owners`.
pub(crate) async fn group_owners(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> Response {
    people(&s, &caller, &uri, &id, q.as_deref(), true)
}

/// `GET /v1.0/roleManagement/directory/roleDefinitions`.
pub(crate) async fn role_definitions(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> Response {
    if !caller.has_any(ROLES) {
        return forbidden();
    }
    let q = query_or_return!(q.as_deref(), 999);
    if q.filter.is_some() {
        return unsupported();
    }
    page(
        &s.base,
        uri.path(),
        &q,
        "roleManagement/directory/roleDefinitions",
        &s.index.tenant.role_definitions,
        render::role_definition,
    )
}

/// `GET /v1.0/roleManagement/directory/roleAssignments`: `$filter` (`eq` on `principalId`,
/// `roleDefinitionId`), `$expand=principal,roleDefinition`.
pub(crate) async fn role_assignments(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> Response {
    if !caller.has_any(ROLES) {
        return forbidden();
    }
    let q = query_or_return!(q.as_deref(), 999);
    role_page(
        &s,
        &uri,
        q,
        (
            "roleManagement/directory/roleAssignments",
            &s.index.tenant.role_assignments,
        ),
        |a| (&a.principal_id, &a.role_definition_id),
        |o, a, expand| render::role_assignment(o, &s.index, a, expand),
    )
}

/// A page of role assignments or eligibilities (`context`, `items`): `$filter` (`eq` on
/// `principalId`, `roleDefinitionId`, read by `ids`), `$expand=principal` answered whatever
/// `$select` names.
fn role_page<T>(
    s: &Shared,
    uri: &Uri,
    mut q: Query,
    (context, items): (&str, &[T]),
    ids: impl Fn(&T) -> (&str, &str),
    fields: impl Fn(&mut crate::common::json::Obj<'_>, &T, render::Expand),
) -> Response {
    let filters = match eq_filters(&q, &["principalId", "roleDefinitionId"]) {
        Ok(f) => f,
        Err(r) => return r.response(),
    };
    let expand = render::Expand::of(&q);
    if expand.principal() {
        if let Some(select) = q.select.as_mut() {
            select.push("principal".into());
        }
    }
    let rows: Vec<&T> = items
        .iter()
        .filter(|x| {
            let (principal, role) = ids(x);
            filters.iter().all(|c| {
                let v = string_literal(&c.value).unwrap_or_default();
                if c.field.eq_ignore_ascii_case("principalId") {
                    v.eq_ignore_ascii_case(principal)
                } else {
                    v.eq_ignore_ascii_case(role)
                }
            })
        })
        .collect();
    page(&s.base, uri.path(), &q, context, &rows, |o, x| {
        fields(o, x, expand)
    })
}

/// The permissions that read eligible role assignments
/// (rbacapplication-list-roleeligibilityscheduleinstances.md).
pub(crate) const ELIGIBILITY: &[&str] = &[
    "RoleEligibilitySchedule.Read.Directory",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
];

/// `GET /v1.0/roleManagement/directory/roleEligibilityScheduleInstances`: Privileged
/// Identity Management, which needs Entra ID P2 (403 `AadPremiumLicenseRequired` without);
/// `$filter` (`eq` on `principalId`, `roleDefinitionId`), `$expand=principal`.
pub(crate) async fn role_eligibilities(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> Response {
    if !caller.has_any(ELIGIBILITY) {
        return forbidden();
    }
    if !s.premium() {
        return error(
            StatusCode::FORBIDDEN,
            "AadPremiumLicenseRequired",
            "The tenant needs an AAD Premium 2 license.",
        );
    }
    let q = query_or_return!(q.as_deref(), 999);
    role_page(
        &s,
        &uri,
        q,
        (
            "roleManagement/directory/roleEligibilityScheduleInstances",
            &s.index.tenant.role_eligibilities,
        ),
        |e| (&e.principal_id, &e.role_definition_id),
        |o, e, expand| render::role_eligibility(o, &s.index, e, expand),
    )
}

/// `GET /v1.0/servicePrincipals`: `$filter` (`eq` on `appId`).
pub(crate) async fn service_principals(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> Response {
    if !caller.has_any(APPS) {
        return forbidden();
    }
    let q = query_or_return!(q.as_deref(), 999);
    let filters = match eq_filters(&q, &["appId"]) {
        Ok(f) => f,
        Err(r) => return r.response(),
    };
    let rows: Vec<_> = s
        .index
        .tenant
        .service_principals
        .iter()
        .filter(|sp| {
            filters.iter().all(|c| {
                string_literal(&c.value).is_some_and(|v| v.eq_ignore_ascii_case(&sp.app_id))
            })
        })
        .collect();
    page(
        &s.base,
        uri.path(),
        &q,
        "servicePrincipals",
        &rows,
        |o, sp| render::service_principal(o, sp),
    )
}

/// `GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo`: the apps (and users, groups)
/// assigned an app role of the resource `id` — for Microsoft Graph, "all service principals
/// that have been granted any app-only permissions" (serviceprincipal-list-approleassignedto.md).
pub(crate) async fn app_role_assigned_to(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> Response {
    if !caller.has_any(APPS) {
        return forbidden();
    }
    let q = query_or_return!(q.as_deref(), 999);
    if q.filter.is_some() {
        return unsupported();
    }
    if !s
        .index
        .tenant
        .service_principals
        .iter()
        .any(|sp| sp.id == id)
    {
        return directory_not_found(&id);
    }
    let rows: Vec<_> = s
        .index
        .tenant
        .app_role_assignments
        .iter()
        .filter(|a| a.resource_id == id)
        .filter(|a| !s.revoked().contains(&a.id) && !s.withheld().contains(&a.principal_id))
        .collect();
    page(
        &s.base,
        uri.path(),
        &q,
        &format!("servicePrincipals('{id}')/appRoleAssignedTo"),
        &rows,
        |o, a| render::app_role_assignment(o, &s.index, a),
    )
}

/// `GET /v1.0/oauth2PermissionGrants`: `$filter` (`eq` on `clientId`, `principalId`,
/// `consentType`).
pub(crate) async fn grants(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> Response {
    if !caller.has_any(GRANTS) {
        return forbidden();
    }
    let q = query_or_return!(q.as_deref(), 999);
    let filters = match eq_filters(&q, &["clientId", "principalId", "consentType"]) {
        Ok(f) => f,
        Err(r) => return r.response(),
    };
    let revoked = s.revoked().clone();
    let withheld = s.withheld().clone();
    let rows: Vec<_> = s
        .index
        .tenant
        .grants
        .iter()
        .filter(|g| !revoked.contains(&g.id) && !withheld.contains(&g.client_id))
        .filter(|g| {
            filters.iter().all(|c| {
                let v = string_literal(&c.value).unwrap_or_default();
                match c.field.to_lowercase().as_str() {
                    "clientid" => v.eq_ignore_ascii_case(&g.client_id),
                    "principalid" => g
                        .principal_id
                        .as_deref()
                        .is_some_and(|p| v.eq_ignore_ascii_case(p)),
                    _ => v == g.consent_type.as_str(),
                }
            })
        })
        .collect();
    page(
        &s.base,
        uri.path(),
        &q,
        "oauth2PermissionGrants",
        &rows,
        |o, g| render::grant(o, g),
    )
}

/// `DELETE /v1.0/oauth2PermissionGrants/{id}` (oauth2permissiongrant-delete.md): 204, or 404
/// for a grant that is not (or no longer) there.
pub(crate) async fn delete_grant(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    if !caller.has_any(GRANTS_WRITE) {
        return forbidden();
    }
    let exists = s.index.tenant.grants.iter().any(|g| g.id == id);
    if !exists || !s.revoked().insert(id.clone()) {
        return directory_not_found(&id);
    }
    no_content()
}

/// `DELETE /v1.0/servicePrincipals/{id}/appRoleAssignedTo/{assignment}`
/// (serviceprincipal-delete-approleassignedto.md): 204, or 404.
pub(crate) async fn delete_app_role_assigned_to(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path((id, assignment)): Path<(String, String)>,
) -> Response {
    if !caller.has_any(ASSIGNMENTS_WRITE) {
        return forbidden();
    }
    let exists = s
        .index
        .tenant
        .app_role_assignments
        .iter()
        .any(|a| a.resource_id == id && a.id == assignment);
    if !exists || !s.revoked().insert(assignment.clone()) {
        return directory_not_found(&assignment);
    }
    no_content()
}

fn no_content() -> Response {
    use axum::response::IntoResponse;
    StatusCode::NO_CONTENT.into_response()
}

/// user-revokesigninsessions.md: User.RevokeSessions.All (application), or the broader
/// User.ReadWrite.All / Directory.ReadWrite.All.
pub(crate) const SESSIONS_WRITE: &[&str] = &[
    "User.RevokeSessions.All",
    "User.ReadWrite.All",
    "Directory.ReadWrite.All",
];
/// user-update.md, `accountEnabled`: User.EnableDisableAccount.All (with User.Read.All), or
/// User.ReadWrite.All / Directory.ReadWrite.All.
pub(crate) const ACCOUNT_ENABLE_WRITE: &[&str] = &[
    "User.EnableDisableAccount.All",
    "User.ReadWrite.All",
    "Directory.ReadWrite.All",
];
/// permission-delete.md: Files.ReadWrite.All or Sites.ReadWrite.All (application).
pub(crate) const FILES_WRITE: &[&str] = &[
    "Files.ReadWrite.All",
    "Sites.ReadWrite.All",
    "Sites.FullControl.All",
];

/// The user `key` names (its id or user principal name).
fn user_id(s: &Shared, key: &str) -> Option<String> {
    s.index
        .tenant
        .users
        .iter()
        .find(|u| u.id == key || u.user_principal_name.eq_ignore_ascii_case(key))
        .map(|u| u.id.to_string())
}

/// `POST /v1.0/users/{id}/revokeSignInSessions` (user-revokesigninsessions.md): 200 with
/// `{"value": true}`, or 404.
pub(crate) async fn revoke_sessions(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    if !caller.has_any(SESSIONS_WRITE) {
        return forbidden();
    }
    let Some(uid) = user_id(&s, &id) else {
        return directory_not_found(&id);
    };
    s.revoked().insert(format!("sessions:{uid}"));
    use axum::response::IntoResponse;
    axum::Json(serde_json::json!({
        "@odata.context": format!("{}/v1.0/$metadata#Edm.Boolean", s.base),
        "value": true
    }))
    .into_response()
}

/// `PATCH /v1.0/users/{id}` (user-update.md): 204. The fake takes `accountEnabled` (the one
/// property Cloudwarden changes) and refuses a body that is not a JSON object.
pub(crate) async fn update_user(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let Ok(serde_json::Value::Object(patch)) = serde_json::from_slice(&body) else {
        return super::odata::error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Empty Payload. JSON content expected.",
        );
    };
    if patch.contains_key("accountEnabled") && !caller.has_any(ACCOUNT_ENABLE_WRITE) {
        return forbidden();
    }
    let Some(uid) = user_id(&s, &id) else {
        return directory_not_found(&id);
    };
    match patch.get("accountEnabled") {
        Some(serde_json::Value::Bool(false)) => {
            s.revoked().insert(format!("disabled:{uid}"));
        }
        Some(serde_json::Value::Bool(true)) => {
            s.revoked().remove(&format!("disabled:{uid}"));
        }
        Some(_) => {
            return super::odata::error(
                StatusCode::BAD_REQUEST,
                "Request_BadRequest",
                "Invalid value specified for property 'accountEnabled' of resource 'User'.",
            )
        }
        None => {}
    }
    no_content()
}

/// `DELETE /v1.0/drives/{drive-id}/items/{item-id}/permissions/{perm-id}`
/// (permission-delete.md): 204, or 404 for a permission that is not (or no longer) there.
pub(crate) async fn delete_permission(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path((drive, item, perm)): Path<(String, String, String)>,
) -> Response {
    if !caller.has_any(FILES_WRITE) {
        return forbidden();
    }
    let exists =
        s.index.tenant.items.iter().any(|i| {
            i.drive_id == drive && i.id == item && i.permissions.iter().any(|p| p.id == perm)
        });
    let key = format!("permission:{drive}/{item}/{perm}");
    if !exists || !s.revoked().insert(key) {
        return super::odata::item_not_found();
    }
    no_content()
}
