//! The renderer [`super`] replaced, kept for tests to compare against: each object built as
//! a `serde_json::Value` and cut to `$select` afterwards.

use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::common::time::{format_rfc3339, format_rfc3339_ticks};
use crate::graph::index::Index;
use crate::graph::odata::Query;
use crate::graph::tenant::{
    DirectoryAudit, Drive, DriveOwner, Grantee, GranteeKind, GraphTenant, Group, Initiator,
    Permission, PermissionGrant, RoleAssignment, RoleDefinition, ServicePrincipal, SignIn, Site,
    User, UserType,
};

/// A path segment of a SharePoint URL (spaces as `%20`).
pub(crate) fn url_segment(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn ts(ms: i64) -> Value {
    Value::from(format_rfc3339(ms))
}

fn opt_ts(ms: Option<i64>) -> Value {
    ms.map_or(Value::Null, ts)
}

/// `organization`, with the licence plans a premium tenant has.
pub(crate) fn organization(t: &GraphTenant, premium: bool) -> Value {
    let mut plans = vec![
        json!({"assignedDateTime": ts(t.created_at_ms), "capabilityStatus": "Enabled",
               "service": "exchange", "servicePlanId": "efb87545-963c-4e0d-99df-69c6916d9eb0"}),
        json!({"assignedDateTime": ts(t.created_at_ms), "capabilityStatus": "Enabled",
               "service": "SharePoint", "servicePlanId": "5dbe027f-2339-4123-9542-606e4d348a72"}),
    ];
    if premium {
        plans.push(json!({"assignedDateTime": ts(t.created_at_ms), "capabilityStatus": "Enabled",
               "service": "AADPremiumService", "servicePlanId": "41781fb2-bc02-4b7c-bd55-b576c07bb09d"}));
        plans.push(json!({"assignedDateTime": ts(t.created_at_ms), "capabilityStatus": "Enabled",
               "service": "AADPremiumService", "servicePlanId": "eec0eb4f-6444-4f95-aba0-50c24d67f998"}));
    }
    json!({
        "id": t.tenant_id,
        "displayName": t.display_name,
        "createdDateTime": ts(t.created_at_ms),
        "countryLetterCode": "US",
        "tenantType": "AAD",
        "assignedPlans": plans,
        "verifiedDomains": [
            {"name": t.custom_domain, "isDefault": true, "isInitial": false, "type": "Managed",
             "capabilities": "Email, OfficeCommunicationsOnline"},
            {"name": t.domain, "isDefault": false, "isInitial": true, "type": "Managed",
             "capabilities": "Email, OfficeCommunicationsOnline"},
        ],
    })
}

/// A `user`. Without `$select` Graph v1.0 returns its default set only (no `userType`,
/// `accountEnabled` or `createdDateTime`); `signInActivity` only when `$select` names it.
pub(crate) fn user(u: &User, q: Option<&Query>) -> Value {
    let mut v = json!({
        "businessPhones": [],
        "displayName": u.display_name,
        "givenName": u.given_name,
        "jobTitle": u.job_title,
        "mail": u.mail,
        "mobilePhone": null,
        "officeLocation": null,
        "preferredLanguage": if u.user_type == UserType::Member { Value::from("en-US") } else { Value::Null },
        "surname": u.surname,
        "userPrincipalName": u.user_principal_name,
        "id": u.id,
    });
    let Some(q) = q.filter(|q| q.select.is_some()) else {
        return v;
    };
    if let Value::Object(m) = &mut v {
        m.insert("userType".into(), Value::from(u.user_type.as_str()));
        m.insert("accountEnabled".into(), Value::from(u.account_enabled));
        m.insert("createdDateTime".into(), ts(u.created_at_ms));
        if q.selects("signInActivity") {
            let activity = if u.last_sign_in_ms.is_none() && u.last_successful_sign_in_ms.is_none()
            {
                Value::Null
            } else {
                json!({
                    "lastSignInDateTime": opt_ts(u.last_sign_in_ms),
                    "lastNonInteractiveSignInDateTime": opt_ts(u.last_non_interactive_sign_in_ms),
                    "lastSuccessfulSignInDateTime": opt_ts(u.last_successful_sign_in_ms),
                })
            };
            m.insert("signInActivity".into(), activity);
        }
    }
    v
}

/// A user as a `directoryObject` of a member or owner list.
pub(crate) fn member(u: &User) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.user",
        "id": u.id,
        "displayName": u.display_name,
        "userPrincipalName": u.user_principal_name,
        "mail": u.mail,
        "userType": u.user_type.as_str(),
        "accountEnabled": u.account_enabled,
    })
}

pub(crate) fn group(g: &Group) -> Value {
    let nickname: String = g
        .display_name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    json!({
        "id": g.id,
        "displayName": g.display_name,
        "description": g.description,
        "groupTypes": if g.unified { vec!["Unified"] } else { Vec::new() },
        "securityEnabled": g.security_enabled,
        "mailEnabled": g.mail_enabled,
        "mail": g.mail,
        "mailNickname": nickname,
        "isAssignableToRole": g.assignable_to_role,
        "visibility": g.visibility.map(|v| v.as_str()),
        "createdDateTime": ts(g.created_at_ms),
        "renewedDateTime": ts(g.created_at_ms),
    })
}

pub(crate) fn role_definition(r: &RoleDefinition) -> Value {
    json!({
        "id": r.id,
        "displayName": r.display_name,
        "description": r.description,
        "isBuiltIn": r.is_built_in,
        "isEnabled": true,
        "templateId": r.template_id,
        "version": "1",
        "rolePermissions": [],
    })
}

/// A role assignment; `$expand=principal` and `$expand=roleDefinition` embed them.
pub(crate) fn role_assignment(idx: &Index, a: &RoleAssignment, q: &Query) -> Value {
    let mut v = json!({
        "id": a.id,
        "principalId": a.principal_id,
        "roleDefinitionId": a.role_definition_id,
        "directoryScopeId": a.directory_scope_id,
    });
    let expand = q.expand.as_deref().unwrap_or_default().to_lowercase();
    if let Value::Object(m) = &mut v {
        if expand.split(',').any(|e| e.trim() == "principal") {
            let p = match idx.user(&a.principal_id) {
                Some(u) => member(u),
                None => idx.group(&a.principal_id).map_or(Value::Null, |g| {
                    let g = &idx.tenant.groups[g];
                    json!({"@odata.type": "#microsoft.graph.group", "id": g.id,
                           "displayName": g.display_name, "isAssignableToRole": g.assignable_to_role})
                }),
            };
            m.insert("principal".into(), p);
        }
        if expand.split(',').any(|e| e.trim() == "roledefinition") {
            let d = idx
                .tenant
                .role_definitions
                .iter()
                .find(|d| d.id.eq_ignore_ascii_case(&a.role_definition_id))
                .map_or(Value::Null, role_definition);
            m.insert("roleDefinition".into(), d);
        }
    }
    v
}

pub(crate) fn directory_audit(e: &DirectoryAudit) -> Value {
    let initiated_by = match &e.initiated_by {
        Initiator::User {
            id,
            display_name,
            user_principal_name,
            ip_address,
        } => json!({"user": {
            "id": &**id, "displayName": &**display_name,
            "userPrincipalName": &**user_principal_name, "ipAddress": &**ip_address,
            "userType": null, "homeTenantId": null, "homeTenantName": null,
        }, "app": null}),
        Initiator::App {
            app_id,
            display_name,
            service_principal_id,
        } => json!({"user": null, "app": {
            "appId": &**app_id, "displayName": &**display_name,
            "servicePrincipalId": &**service_principal_id, "servicePrincipalName": null,
        }}),
    };
    let targets: Vec<Value> = e
        .targets
        .iter()
        .map(|t| {
            json!({
                "id": &*t.id,
                "displayName": t.display_name.as_deref(),
                "type": t.kind,
                "userPrincipalName": t.user_principal_name.as_deref(),
                "groupType": null,
                "modifiedProperties": [],
            })
        })
        .collect();
    json!({
        "id": e.id,
        "category": e.category,
        "correlationId": e.correlation_id,
        "result": e.result.as_str(),
        "resultReason": e.result_reason,
        "activityDisplayName": e.activity_display_name,
        "activityDateTime": format_rfc3339_ticks(e.activity_at_ms),
        "loggedByService": e.logged_by_service,
        "operationType": e.operation_type,
        "initiatedBy": initiated_by,
        "targetResources": targets,
        "additionalDetails": [],
    })
}

pub(crate) fn sign_in(e: &SignIn) -> Value {
    json!({
        "id": e.id,
        "createdDateTime": format_rfc3339_ticks(e.created_at_ms),
        "userDisplayName": &*e.user_display_name,
        "userPrincipalName": &*e.user_principal_name,
        "userId": &*e.user_id,
        "appId": e.app_id,
        "appDisplayName": e.app_display_name,
        "ipAddress": &*e.ip_address,
        "clientAppUsed": e.client_app_used,
        "correlationId": e.id,
        "conditionalAccessStatus": if e.error_code == 53_003 { "failure" } else { "notApplied" },
        "isInteractive": e.is_interactive,
        "riskDetail": "none",
        "riskLevelAggregated": "none",
        "riskLevelDuringSignIn": "none",
        "riskState": "none",
        "resourceDisplayName": "Microsoft Graph",
        "resourceId": "00000003-0000-0000-c000-000000000000",
        "status": {
            "errorCode": e.error_code,
            "failureReason": e.failure_reason,
            "additionalDetails": e.additional_details,
        },
        "location": {
            "city": e.city,
            "state": e.state,
            "countryOrRegion": e.country_or_region,
            "geoCoordinates": null,
        },
    })
}

pub(crate) fn site(s: &Site) -> Value {
    let host = s.id.split(',').next().unwrap_or_default();
    json!({
        "id": s.id,
        "name": s.name,
        "displayName": s.display_name,
        "webUrl": s.web_url,
        "createdDateTime": ts(s.created_at_ms),
        "lastModifiedDateTime": ts(s.created_at_ms),
        "isPersonalSite": s.personal,
        "siteCollection": {"hostname": host},
    })
}

fn identity(u: &User) -> Value {
    json!({"user": {
        "id": u.id,
        "displayName": u.display_name,
        "email": u.mail.as_deref().unwrap_or(&u.user_principal_name),
    }})
}

fn system_account() -> Value {
    json!({"user": {"displayName": "System Account"}})
}

fn user_identity(idx: &Index, id: &str) -> Value {
    idx.user(id).map_or_else(system_account, identity)
}

pub(crate) fn drive(idx: &Index, d: &Drive) -> Value {
    let owner = match &d.owner {
        DriveOwner::User(id) => user_identity(idx, id),
        DriveOwner::Group(id) => match idx.group(id) {
            Some(g) => {
                let g = &idx.tenant.groups[g];
                json!({"group": {"id": g.id, "displayName": g.display_name, "email": g.mail}})
            }
            None => system_account(),
        },
        DriveOwner::System => system_account(),
    };
    json!({
        "id": d.id,
        "name": d.name,
        "description": "",
        "driveType": d.drive_type.as_str(),
        "webUrl": d.web_url,
        "createdDateTime": ts(d.created_at_ms),
        "lastModifiedDateTime": ts(d.created_at_ms),
        "createdBy": system_account(),
        "owner": owner,
    })
}

/// `webUrl` of an item: the drive's URL and the item's path.
fn item_url(idx: &Index, item: usize) -> String {
    let d = idx.item_drive[item] as usize;
    let mut url = idx.tenant.drives[d].web_url.clone();
    for n in idx.names(item) {
        url.push('/');
        url.push_str(&url_segment(n));
    }
    url
}

/// A `driveItem` as `delta` returns it; `modified` overrides `lastModifiedDateTime`.
pub(crate) fn drive_item(idx: &Index, item: usize, view: super::ItemView) -> Value {
    let modified = view.modified;
    let it = idx.item_at(item);
    let d = &idx.tenant.drives[idx.item_drive[item] as usize];
    let mut parent = Map::new();
    parent.insert("driveId".into(), Value::from(d.id.clone()));
    parent.insert("driveType".into(), Value::from(d.drive_type.as_str()));
    if let Some(p) = idx.parent(item) {
        parent.insert("id".into(), Value::from(idx.item_at(p).id.clone()));
        if view.path {
            parent.insert("path".into(), Value::from(idx.path(p)));
        }
    }
    let mut v = json!({
        "id": it.id,
        "name": it.name,
        "webUrl": item_url(idx, item),
        "size": idx.size[item],
        "createdDateTime": ts(it.created_at_ms),
        "lastModifiedDateTime": ts(modified.unwrap_or(it.modified_at_ms)),
        "parentReference": parent,
        "createdBy": user_identity(idx, &it.created_by),
        "lastModifiedBy": user_identity(idx, &it.modified_by),
        "fileSystemInfo": {
            "createdDateTime": ts(it.created_at_ms),
            "lastModifiedDateTime": ts(modified.unwrap_or(it.modified_at_ms)),
        },
    });
    let Value::Object(m) = &mut v else {
        return v;
    };
    if it.folder {
        m.insert(
            "folder".into(),
            json!({"childCount": idx.child_count[item]}),
        );
    } else {
        m.insert(
            "file".into(),
            json!({"mimeType": it.mime_type.as_deref().unwrap_or("application/octet-stream")}),
        );
    }
    if idx.parent(item).is_none() {
        m.insert("root".into(), json!({}));
    }
    if let Some(scope) = idx.shared_scope(item).max(view.shared) {
        m.insert(
            "shared".into(),
            json!({"scope": scope.as_str(), "owner": user_identity(idx, &it.created_by)}),
        );
    }
    v
}

fn grantee(g: &Grantee) -> Value {
    let (key, login) = super::grantee_shape(g);
    let mut identity = Map::new();
    if let Some(id) = super::grantee_id(g) {
        identity.insert("id".into(), Value::from(id));
    }
    identity.insert("displayName".into(), Value::from(g.display_name.clone()));
    if !g.email.is_empty() && key != "siteUser" {
        identity.insert("email".into(), Value::from(g.email.clone()));
    }
    if let Some(l) = login {
        identity.insert("loginName".into(), Value::from(l));
    }
    let mut set = Map::new();
    set.insert(key.into(), Value::Object(identity));
    Value::Object(set)
}

/// The sharing-link URL of a permission: `https://host/:w:/s/Site/E…` or `…/:f:/g/personal/…`.
fn link_url(idx: &Index, item: usize, p: &Permission) -> String {
    let it = idx.item_at(item);
    let d = &idx.tenant.drives[idx.item_drive[item] as usize];
    let letter = if it.folder {
        "f"
    } else {
        match it.name.rsplit('.').next().unwrap_or_default() {
            "docx" => "w",
            "xlsx" => "x",
            "pptx" => "p",
            "pdf" | "txt" | "csv" => "b",
            _ => "u",
        }
    };
    let (host, rest) = d
        .web_url
        .strip_prefix("https://")
        .and_then(|r| r.split_once('/'))
        .unwrap_or(("", ""));
    let (kind, site) = match rest.split('/').collect::<Vec<_>>().as_slice() {
        ["sites", name, ..] => ("s", format!("/{name}")),
        ["personal", name, ..] => ("g", format!("/personal/{name}")),
        _ => ("s", String::new()),
    };
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(p.id.as_bytes())
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(46)
        .collect::<String>();
    format!("https://{host}/:{letter}:/{kind}{site}/E{token}")
}

fn permission(idx: &Index, item: usize, p: &Permission, inherited: Option<usize>) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), Value::from(p.id.clone()));
    m.insert("roles".into(), json!([p.role.as_str()]));
    match p.link {
        Some(scope) => {
            let kind = match p.role {
                crate::graph::tenant::AccessRole::Read => "view",
                crate::graph::tenant::AccessRole::Write => "edit",
            };
            m.insert(
                "link".into(),
                json!({"scope": scope.as_str(), "type": kind,
                       "webUrl": link_url(idx, item, p), "preventsDownload": false}),
            );
            m.insert("hasPassword".into(), Value::from(false));
            if !p.granted_to.is_empty() {
                m.insert(
                    "grantedToIdentitiesV2".into(),
                    Value::Array(p.granted_to.iter().map(grantee).collect()),
                );
            }
        }
        None => {
            if let Some(g) = p.granted_to.first() {
                let unredeemed = g.user_id.is_none() && g.kind == GranteeKind::User;
                if unredeemed {
                    m.insert(
                        "invitation".into(),
                        json!({"email": g.email, "signInRequired": true}),
                    );
                } else {
                    m.insert("grantedToV2".into(), grantee(g));
                }
            }
            if p.granted_to.len() > 1 {
                m.insert(
                    "grantedToIdentitiesV2".into(),
                    Value::Array(p.granted_to.iter().map(grantee).collect()),
                );
            }
        }
    }
    if let Some(at) = p.expires_at_ms {
        m.insert("expirationDateTime".into(), ts(at));
    }
    if let Some(a) = inherited {
        let d = &idx.tenant.drives[idx.item_drive[a] as usize];
        let mut from = Map::new();
        from.insert("driveId".into(), Value::from(d.id.clone()));
        from.insert("driveType".into(), Value::from(d.drive_type.as_str()));
        from.insert("id".into(), Value::from(idx.item_at(a).id.clone()));
        if let Some(p) = idx.parent(a) {
            from.insert("path".into(), Value::from(idx.path(p)));
        }
        m.insert("inheritedFrom".into(), Value::Object(from));
    }
    Value::Object(m)
}

/// Every permission of an item: the owner's first, then its own, then inherited ones.
pub(crate) fn permissions(idx: &Index, item: usize) -> Vec<Value> {
    let d = &idx.tenant.drives[idx.item_drive[item] as usize];
    let owner = match &d.owner {
        DriveOwner::User(id) => {
            let upn = idx.user(id).map_or("", |u| u.user_principal_name.as_str());
            json!({
                "id": base64::engine::general_purpose::STANDARD.encode(format!("i:0#.f|membership|{upn}")),
                "roles": ["owner"],
                "grantedToV2": user_identity(idx, id),
            })
        }
        _ => {
            let site = idx
                .site(&d.site_id)
                .map_or("Site", |s| idx.tenant.sites[s].display_name.as_str());
            let name = format!("{site} Owners");
            json!({
                "id": "3",
                "roles": ["owner"],
                "grantedToV2": {"siteGroup": {"displayName": name, "id": "3", "loginName": name}},
            })
        }
    };
    let mut out = vec![owner];
    out.extend(
        idx.permissions(item)
            .into_iter()
            .map(|(p, from)| permission(idx, item, p, from)),
    );
    out
}

pub(crate) fn service_principal(sp: &ServicePrincipal) -> Value {
    let publisher = match &sp.verified_publisher {
        Some(v) => json!({"displayName": v.display_name,
                          "verifiedPublisherId": v.verified_publisher_id,
                          "addedDateTime": ts(v.added_at_ms)}),
        None => json!({"displayName": null, "verifiedPublisherId": null, "addedDateTime": null}),
    };
    json!({
        "id": sp.id,
        "appId": sp.app_id,
        "displayName": sp.display_name,
        "appDisplayName": sp.display_name,
        "appOwnerOrganizationId": sp.app_owner_organization_id,
        "verifiedPublisher": publisher,
        "servicePrincipalType": "Application",
        "accountEnabled": sp.account_enabled,
        "signInAudience": sp.sign_in_audience,
        "servicePrincipalNames": [sp.app_id],
        "tags": ["WindowsAzureActiveDirectoryIntegratedApp"],
        "appRoles": if sp.app_id == crate::graph::tenant::GRAPH_APP_ID {
            crate::graph::tenant::GRAPH_APP_ROLES
                .iter()
                .map(|(id, value, name)| json!({"allowedMemberTypes": ["Application"],
                    "description": name, "displayName": name, "id": id, "isEnabled": true,
                    "origin": "Application", "value": value}))
                .collect::<Vec<_>>()
        } else {
            Vec::new()
        },
        "oauth2PermissionScopes": [],
    })
}

pub(crate) fn grant(g: &PermissionGrant) -> Value {
    json!({
        "id": g.id,
        "clientId": g.client_id,
        "consentType": g.consent_type.as_str(),
        "principalId": g.principal_id,
        "resourceId": g.resource_id,
        "scope": format!(" {} ", g.scopes.join(" ")),
    })
}

/// Keeps the fields `$select` names (and `@odata.type`); everything without `$select`.
pub(crate) fn select(v: Value, select: Option<&[String]>) -> Value {
    match (v, select) {
        (Value::Object(m), Some(fields)) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| k.starts_with("@odata.") || fields.contains(&k.to_lowercase()))
                .collect(),
        ),
        (v, _) => v,
    }
}

/// A collection: `{"@odata.context", "value", "@odata.nextLink"?}`.
pub(crate) fn collection(context: String, value: Vec<Value>, next: Option<String>) -> Value {
    let mut m = Map::new();
    m.insert("@odata.context".into(), Value::from(context));
    if let Some(n) = next {
        m.insert("@odata.nextLink".into(), Value::from(n));
    }
    m.insert("value".into(), Value::Array(value));
    Value::Object(m)
}
