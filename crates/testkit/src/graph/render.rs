//! Graph's JSON shapes of the tenant's objects, written straight into the answer's buffer.
//!
//! Each function writes the fields of one object, keys in ascending byte order (see
//! [`Json`]); the caller's [`Obj`] drops those `$select` leaves out. Nothing here allocates
//! per item: strings are borrowed from the tenant, times and URLs written in place.

use base64::Engine as _;

use super::index::Index;
use super::odata::Query;
use super::tenant::{
    AccessRole, AppRoleAssignment, DirectoryAudit, Drive, DriveOwner, Grantee, GranteeKind,
    GraphTenant, Group, Initiator, LinkScope, Permission, PermissionGrant, RoleAssignment,
    RoleDefinition, RoleEligibility, ServicePrincipal, SignIn, Site, User, UserType,
};
use super::tenant::{GRAPH_APP_ID, GRAPH_APP_ROLES};
use crate::common::json::{Json, Obj, Select, Text};

#[cfg(test)]
pub(crate) mod reference;
#[cfg(test)]
mod tests;

/// `organization`, with the licence plans a premium tenant has.
pub(crate) fn organization(w: &mut Json, t: &GraphTenant, premium: bool) {
    let plan = |w: &mut Json, service: &str, id: &str| {
        w.object(|o| {
            o.ts("assignedDateTime", t.created_at_ms)
                .str("capabilityStatus", "Enabled")
                .str("service", service)
                .str("servicePlanId", id);
        });
    };
    let domain = |w: &mut Json, name: &str, default: bool| {
        w.object(|o| {
            o.str("capabilities", "Email, OfficeCommunicationsOnline")
                .bool("isDefault", default)
                .bool("isInitial", !default)
                .str("name", name)
                .str("type", "Managed");
        });
    };
    w.object(|o| {
        o.array("assignedPlans", |w| {
            plan(w, "exchange", "efb87545-963c-4e0d-99df-69c6916d9eb0");
            plan(w, "SharePoint", "5dbe027f-2339-4123-9542-606e4d348a72");
            if premium {
                plan(
                    w,
                    "AADPremiumService",
                    "41781fb2-bc02-4b7c-bd55-b576c07bb09d",
                );
                plan(
                    w,
                    "AADPremiumService",
                    "eec0eb4f-6444-4f95-aba0-50c24d67f998",
                );
            }
        })
        .str("countryLetterCode", "US")
        .ts("createdDateTime", t.created_at_ms)
        .str("displayName", &t.display_name)
        .str("id", &t.tenant_id)
        .str("tenantType", "AAD")
        .array("verifiedDomains", |w| {
            domain(w, &t.custom_domain, true);
            domain(w, &t.domain, false);
        });
    });
}

/// Whether `$select` names `field` (case-insensitive).
fn selects(select: Select<'_>, field: &str) -> bool {
    select.is_some_and(|s| s.iter().any(|f| f.eq_ignore_ascii_case(field)))
}

/// A `user`. Without `$select` Graph v1.0 returns its default set only (no `userType`,
/// `accountEnabled` or `createdDateTime`); `signInActivity` only when `$select` names it.
/// A `userRegistrationDetails` of the authentication-methods report.
pub(crate) fn registration(o: &mut Obj<'_>, u: &User, admin: bool, updated_ms: i64) {
    let m = u.mfa_registered;
    o.str("id", &u.id)
        .bool("isAdmin", admin)
        .bool("isMfaCapable", m)
        .bool("isMfaRegistered", m)
        .bool("isPasswordlessCapable", false)
        .bool("isSsprCapable", false)
        .bool("isSsprEnabled", false)
        .bool("isSsprRegistered", m)
        .bool("isSystemPreferredAuthenticationMethodEnabled", true)
        .ts("lastUpdatedDateTime", updated_ms)
        .array("methodsRegistered", |w| {
            if m {
                w.str("microsoftAuthenticatorPush");
                w.str("softwareOneTimePasscode");
            }
        })
        .array("systemPreferredAuthenticationMethods", |w| {
            if m {
                w.str("push");
            }
        })
        .str("userDisplayName", &u.display_name)
        .str(
            "userPreferredMethodForSecondaryAuthentication",
            if m { "push" } else { "none" },
        )
        .str("userPrincipalName", &u.user_principal_name)
        .str(
            "userType",
            match u.user_type {
                UserType::Member => "member",
                UserType::Guest => "guest",
            },
        );
}

pub(crate) fn user(o: &mut Obj<'_>, u: &User, select: Select<'_>) {
    let all = select.is_some();
    if all {
        o.bool("accountEnabled", u.account_enabled);
    }
    o.empty_array("businessPhones");
    if all {
        o.ts("createdDateTime", u.created_at_ms);
    }
    o.str("displayName", &u.display_name)
        .opt_str("givenName", u.given_name.as_deref())
        .str("id", &u.id)
        .opt_str("jobTitle", u.job_title.as_deref())
        .opt_str("mail", u.mail.as_deref())
        .null("mobilePhone")
        .null("officeLocation")
        .opt_str(
            "preferredLanguage",
            (u.user_type == UserType::Member).then_some("en-US"),
        );
    if selects(select, "signInActivity") {
        o.with("signInActivity", |w| {
            if u.last_sign_in_ms.is_none() && u.last_successful_sign_in_ms.is_none() {
                w.null();
            } else {
                w.object(|o| {
                    o.opt_ts(
                        "lastNonInteractiveSignInDateTime",
                        u.last_non_interactive_sign_in_ms,
                    )
                    .opt_ts("lastSignInDateTime", u.last_sign_in_ms)
                    .opt_ts("lastSuccessfulSignInDateTime", u.last_successful_sign_in_ms);
                });
            }
        });
    }
    o.opt_str("surname", u.surname.as_deref())
        .str("userPrincipalName", &u.user_principal_name);
    if all {
        o.str("userType", u.user_type.as_str());
    }
}

/// A user as a `directoryObject` of a member or owner list.
pub(crate) fn member(o: &mut Obj<'_>, u: &User) {
    o.str("@odata.type", "#microsoft.graph.user")
        .bool("accountEnabled", u.account_enabled)
        .str("displayName", &u.display_name)
        .str("id", &u.id)
        .opt_str("mail", u.mail.as_deref())
        .str("userPrincipalName", &u.user_principal_name)
        .str("userType", u.user_type.as_str());
}

pub(crate) fn group(o: &mut Obj<'_>, g: &Group) {
    o.ts("createdDateTime", g.created_at_ms)
        .opt_str("description", g.description.as_deref())
        .str("displayName", &g.display_name)
        .array("groupTypes", |w| {
            if g.unified {
                w.str("Unified");
            }
        })
        .str("id", &g.id)
        .bool("isAssignableToRole", g.assignable_to_role)
        .opt_str("mail", g.mail.as_deref())
        .bool("mailEnabled", g.mail_enabled)
        .with("mailNickname", |w| {
            w.str_with(|t| {
                for b in g.display_name.bytes().filter(u8::is_ascii_alphanumeric) {
                    t.push_plain(&[b]);
                }
            });
        })
        .ts("renewedDateTime", g.created_at_ms)
        .bool("securityEnabled", g.security_enabled)
        .opt_str("visibility", g.visibility.map(|v| v.as_str()));
}

pub(crate) fn role_definition(o: &mut Obj<'_>, r: &RoleDefinition) {
    o.str("description", &r.description)
        .str("displayName", &r.display_name)
        .str("id", &r.id)
        .bool("isBuiltIn", r.is_built_in)
        .bool("isEnabled", true)
        .empty_array("rolePermissions")
        .str("templateId", &r.template_id)
        .str("version", "1");
}

/// `$expand` of role assignments.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Expand {
    principal: bool,
    role_definition: bool,
}

impl Expand {
    /// Whether `principal` is expanded.
    pub(crate) fn principal(self) -> bool {
        self.principal
    }

    pub(crate) fn of(q: &Query) -> Expand {
        let expand = q.expand.as_deref().unwrap_or_default().to_lowercase();
        // `principal` or `principal($select=id)`.
        let has = |name: &str| {
            expand
                .split(',')
                .any(|e| e.split('(').next().unwrap_or_default().trim() == name)
        };
        Expand {
            principal: has("principal"),
            role_definition: has("roledefinition"),
        }
    }
}

/// A role assignment; `$expand=principal` and `$expand=roleDefinition` embed them.
pub(crate) fn role_assignment(o: &mut Obj<'_>, idx: &Index, a: &RoleAssignment, expand: Expand) {
    o.str("directoryScopeId", &a.directory_scope_id)
        .str("id", &a.id);
    if expand.principal {
        o.with("principal", |w| principal(w, idx, &a.principal_id));
    }
    o.str("principalId", &a.principal_id);
    if expand.role_definition {
        o.with("roleDefinition", |w| {
            match idx
                .tenant
                .role_definitions
                .iter()
                .find(|d| d.id.eq_ignore_ascii_case(&a.role_definition_id))
            {
                Some(d) => w.object(|o| role_definition(o, d)),
                None => w.null(),
            }
        });
    }
    o.str("roleDefinitionId", &a.role_definition_id);
}

/// A role's principal as a directory object: a user, or a role-assignable group.
fn principal(w: &mut Json, idx: &Index, id: &str) {
    if let Some(u) = idx.user(id) {
        return w.object(|o| member(o, u));
    }
    match idx.group(id).map(|g| &idx.tenant.groups[g]) {
        Some(g) => w.object(|o| {
            o.str("@odata.type", "#microsoft.graph.group")
                .str("displayName", &g.display_name)
                .str("id", &g.id)
                .bool("isAssignableToRole", g.assignable_to_role);
        }),
        None => w.null(),
    }
}

/// An eligible role assignment (`unifiedRoleEligibilityScheduleInstance`).
pub(crate) fn role_eligibility(o: &mut Obj<'_>, idx: &Index, e: &RoleEligibility, expand: Expand) {
    o.null("appScopeId")
        .str("directoryScopeId", &e.directory_scope_id);
    match e.end_ms {
        Some(end) => o.ts("endDateTime", end),
        None => o.null("endDateTime"),
    };
    o.str("id", &e.id).str("memberType", "Direct");
    if expand.principal {
        o.with("principal", |w| principal(w, idx, &e.principal_id));
    }
    o.str("principalId", &e.principal_id)
        .str("roleDefinitionId", &e.role_definition_id)
        .str("roleEligibilityScheduleId", &e.id)
        .ts("startDateTime", e.start_ms);
}

pub(crate) fn directory_audit(o: &mut Obj<'_>, e: &DirectoryAudit) {
    o.with("activityDateTime", |w| w.ts_ticks(e.activity_at_ms))
        .str("activityDisplayName", &e.activity_display_name)
        .empty_array("additionalDetails")
        .str("category", &e.category)
        .str("correlationId", &e.correlation_id)
        .str("id", &e.id)
        .object("initiatedBy", |o| match &e.initiated_by {
            Initiator::User {
                id,
                display_name,
                user_principal_name,
                ip_address,
            } => {
                o.null("app").object("user", |o| {
                    o.str("displayName", display_name)
                        .null("homeTenantId")
                        .null("homeTenantName")
                        .str("id", id)
                        .str("ipAddress", ip_address)
                        .str("userPrincipalName", user_principal_name)
                        .null("userType");
                });
            }
            Initiator::App {
                app_id,
                display_name,
                service_principal_id,
            } => {
                o.object("app", |o| {
                    o.str("appId", app_id)
                        .str("displayName", display_name)
                        .str("servicePrincipalId", service_principal_id)
                        .null("servicePrincipalName");
                })
                .null("user");
            }
        })
        .str("loggedByService", &e.logged_by_service)
        .str("operationType", &e.operation_type)
        .str("result", e.result.as_str())
        .str("resultReason", &e.result_reason)
        .array("targetResources", |w| {
            for t in &e.targets {
                w.object(|o| {
                    o.opt_str("displayName", t.display_name.as_deref())
                        .null("groupType")
                        .str("id", &t.id)
                        .empty_array("modifiedProperties")
                        .str("type", &t.kind)
                        .opt_str("userPrincipalName", t.user_principal_name.as_deref());
                });
            }
        });
}

pub(crate) fn sign_in(o: &mut Obj<'_>, e: &SignIn) {
    o.str("appDisplayName", &e.app_display_name)
        .str("appId", &e.app_id)
        .str("clientAppUsed", &e.client_app_used)
        .str(
            "conditionalAccessStatus",
            if e.error_code == 53_003 {
                "failure"
            } else {
                "notApplied"
            },
        )
        .str("correlationId", &e.id)
        .with("createdDateTime", |w| w.ts_ticks(e.created_at_ms))
        .str("id", &e.id)
        .str("ipAddress", &e.ip_address)
        .bool("isInteractive", e.is_interactive)
        .object("location", |o| {
            o.str("city", &e.city)
                .str("countryOrRegion", &e.country_or_region)
                .null("geoCoordinates")
                .str("state", &e.state);
        })
        .str("resourceDisplayName", "Microsoft Graph")
        .str("resourceId", "00000003-0000-0000-c000-000000000000")
        .str("riskDetail", "none")
        .str("riskLevelAggregated", "none")
        .str("riskLevelDuringSignIn", "none")
        .str("riskState", "none")
        .object("status", |o| {
            o.opt_str("additionalDetails", e.additional_details.as_deref())
                .int("errorCode", i64::from(e.error_code))
                .opt_str("failureReason", e.failure_reason.as_deref());
        })
        .str("userDisplayName", &e.user_display_name)
        .str("userId", &e.user_id)
        .str("userPrincipalName", &e.user_principal_name);
}

pub(crate) fn site(o: &mut Obj<'_>, s: &Site) {
    let host = s.id.split(',').next().unwrap_or_default();
    o.ts("createdDateTime", s.created_at_ms)
        .str("displayName", &s.display_name)
        .str("id", &s.id)
        .bool("isPersonalSite", s.personal)
        .ts("lastModifiedDateTime", s.created_at_ms)
        .str("name", &s.name)
        .object("siteCollection", |o| {
            o.str("hostname", host);
        })
        .str("webUrl", &s.web_url);
}

/// `{"user": {"displayName", "email", "id"}}`.
fn identity(w: &mut Json, u: &User) {
    w.object(|o| {
        o.object("user", |o| {
            o.str("displayName", &u.display_name)
                .str("email", u.mail.as_deref().unwrap_or(&u.user_principal_name))
                .str("id", &u.id);
        });
    });
}

fn system_account(w: &mut Json) {
    w.object(|o| {
        o.object("user", |o| {
            o.str("displayName", "System Account");
        });
    });
}

fn user_identity(w: &mut Json, idx: &Index, id: &str) {
    match idx.user(id) {
        Some(u) => identity(w, u),
        None => system_account(w),
    }
}

pub(crate) fn drive(o: &mut Obj<'_>, idx: &Index, d: &Drive) {
    o.with("createdBy", system_account)
        .ts("createdDateTime", d.created_at_ms)
        .str("description", "")
        .str("driveType", d.drive_type.as_str())
        .str("id", &d.id)
        .ts("lastModifiedDateTime", d.created_at_ms)
        .str("name", &d.name)
        .with("owner", |w| match &d.owner {
            DriveOwner::User(id) => user_identity(w, idx, id),
            DriveOwner::Group(id) => match idx.group(id) {
                Some(g) => {
                    let g = &idx.tenant.groups[g];
                    w.object(|o| {
                        o.object("group", |o| {
                            o.str("displayName", &g.display_name)
                                .opt_str("email", g.mail.as_deref())
                                .str("id", &g.id);
                        });
                    });
                }
                None => system_account(w),
            },
            DriveOwner::System => system_account(w),
        })
        .str("webUrl", &d.web_url);
}

/// Appends `s` percent-encoded as a SharePoint URL path segment: every byte but ASCII
/// letters, digits and `*-._` as `%XX` (what `form_urlencoded::byte_serialize` writes, with a
/// space as `%20` rather than `+`).
fn push_segment(t: &mut Text<'_>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_') {
            t.push_plain(&[b]);
        } else {
            t.push_plain(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]);
        }
    }
}

/// Calls `f` with the folder names from the root (excluded) down to `item` (included).
fn each_name<'a>(idx: &'a Index, item: usize, f: &mut impl FnMut(&'a str)) {
    if let Some(p) = idx.parent(item) {
        each_name(idx, p, f);
        f(&idx.item_at(item).name);
    }
}

/// `parentReference.path` of the children of `folder`: `/drives/{id}/root:/A/B`, each name
/// percent-encoded (itemreference.md: "Percent-encoded path").
fn path(w: &mut Json, idx: &Index, folder: usize) {
    w.str_with(|t| {
        t.push_plain(b"/drives/");
        t.push(&idx.item_at(folder).drive_id);
        t.push_plain(b"/root:");
        each_name(idx, folder, &mut |n| {
            t.push_plain(b"/");
            push_segment(t, n);
        });
    });
}

/// The drive an item is in.
fn drive_of(idx: &Index, item: usize) -> &Drive {
    &idx.tenant.drives[idx.item_drive[item] as usize]
}

/// A `driveItem` as `delta` returns it; `modified` overrides `lastModifiedDateTime`.
/// What the server knows of an item beyond the generated tenant, and how it is asked for.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ItemView {
    /// Edited while the server ran: the new `lastModifiedDateTime`.
    pub modified: Option<i64>,
    /// Shared while the server ran: the widest scope of the permissions added.
    pub shared: Option<LinkScope>,
    /// `parentReference.path` is written (item reads), not in `delta` (driveitem-delta.md:
    /// "The parentReference property on items won't include a value for path").
    pub path: bool,
}

pub(crate) fn drive_item(o: &mut Obj<'_>, idx: &Index, item: usize, view: ItemView) {
    let it = idx.item_at(item);
    let d = drive_of(idx, item);
    let parent = idx.parent(item);
    let modified = view.modified.unwrap_or(it.modified_at_ms);
    o.with("createdBy", |w| user_identity(w, idx, &it.created_by))
        .ts("createdDateTime", it.created_at_ms);
    if !it.folder {
        o.object("file", |o| {
            o.str(
                "mimeType",
                it.mime_type
                    .as_deref()
                    .unwrap_or("application/octet-stream"),
            );
        });
    }
    o.object("fileSystemInfo", |o| {
        o.ts("createdDateTime", it.created_at_ms)
            .ts("lastModifiedDateTime", modified);
    });
    if it.folder {
        o.object("folder", |o| {
            o.uint("childCount", u64::from(idx.child_count[item]));
        });
    }
    o.str("id", &it.id)
        .with("lastModifiedBy", |w| user_identity(w, idx, &it.modified_by))
        .ts("lastModifiedDateTime", modified)
        .str("name", &it.name)
        .object("parentReference", |o| {
            o.str("driveId", &d.id)
                .str("driveType", d.drive_type.as_str());
            if let Some(p) = parent {
                o.str("id", &idx.item_at(p).id);
                if view.path {
                    o.with("path", |w| path(w, idx, p));
                }
            }
        });
    if parent.is_none() {
        o.object("root", |_| {});
    }
    if let Some(scope) = idx.shared_scope(item).max(view.shared) {
        o.object("shared", |o| {
            o.with("owner", |w| user_identity(w, idx, &it.created_by))
                .str("scope", scope.as_str());
        });
    }
    o.uint("size", idx.size[item]).with("webUrl", |w| {
        w.str_with(|t| {
            t.push(&d.web_url);
            each_name(idx, item, &mut |n| {
                t.push_plain(b"/");
                push_segment(t, n);
            });
        });
    });
}

/// A `sharePointIdentitySet` with one identity of the grantee's kind: `user`
/// (`displayName`, `email`, `id`), `siteUser` / `siteGroup` (`displayName`, `id`,
/// `loginName`), `group`, `application` (`displayName`, `id`). An address without an
/// account is a `siteUser` with an `urn:spo:guest#…` login.
fn grantee(w: &mut Json, g: &Grantee) {
    w.object(|o| {
        let (key, login) = grantee_shape(g);
        o.object(key, |o| {
            o.str("displayName", &g.display_name);
            if !g.email.is_empty() && key != "siteUser" {
                o.str("email", &g.email);
            }
            o.some_str("id", grantee_id(g).as_deref())
                .some_str("loginName", login);
        });
    });
}

/// The identity key a grantee is answered under, and its login.
pub(crate) fn grantee_shape(g: &Grantee) -> (&'static str, Option<&str>) {
    match g.kind {
        GranteeKind::User if g.user_id.is_none() => ("siteUser", g.login_name.as_deref()),
        GranteeKind::User => ("user", None),
        GranteeKind::SiteUser => ("siteUser", g.login_name.as_deref()),
        GranteeKind::SiteGroup => ("siteGroup", g.login_name.as_deref()),
        GranteeKind::Group => ("group", None),
        GranteeKind::Application => ("application", None),
    }
}

/// The `id` of a grantee's identity: the directory object id; SharePoint's own (small
/// numbers) for site users and groups.
pub(crate) fn grantee_id(g: &Grantee) -> Option<String> {
    match g.kind {
        GranteeKind::SiteUser | GranteeKind::SiteGroup => Some(
            (7 + g
                .login_name
                .as_deref()
                .unwrap_or_default()
                .bytes()
                .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
                % 9_000)
                .to_string(),
        ),
        GranteeKind::User if g.user_id.is_none() => None,
        _ => g.user_id.clone(),
    }
}

/// The sharing-link URL of a permission: `https://host/:w:/s/Site/E…` or `…/:f:/g/personal/…`.
fn link_url(t: &mut Text<'_>, idx: &Index, item: usize, p: &Permission) {
    let it = idx.item_at(item);
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
    let (host, rest) = drive_of(idx, item)
        .web_url
        .strip_prefix("https://")
        .and_then(|r| r.split_once('/'))
        .unwrap_or(("", ""));
    let mut parts = rest.split('/');
    let (kind, personal, site) = match (parts.next(), parts.next()) {
        (Some("sites"), Some(name)) => ("s", false, Some(name)),
        (Some("personal"), Some(name)) => ("g", true, Some(name)),
        _ => ("s", false, None),
    };
    t.push_plain(b"https://");
    t.push(host);
    t.push_plain(b"/:");
    t.push_plain(letter.as_bytes());
    t.push_plain(b":/");
    t.push_plain(kind.as_bytes());
    if let Some(name) = site {
        t.push_plain(if personal { b"/personal/" } else { b"/" });
        t.push(name);
    }
    t.push_plain(b"/E");
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(p.id.as_bytes());
    let alnum: Vec<u8> = token
        .bytes()
        .filter(u8::is_ascii_alphanumeric)
        .take(46)
        .collect();
    t.push_plain(&alnum);
}

fn permission(w: &mut Json, idx: &Index, item: usize, p: &Permission, inherited: Option<usize>) {
    w.object(|o| {
        if let Some(at) = p.expires_at_ms {
            o.ts("expirationDateTime", at);
        }
        let everyone = |w: &mut Json| {
            w.array(|w| {
                for g in &p.granted_to {
                    grantee(w, g);
                }
            });
        };
        match p.link {
            Some(_) => {
                if !p.granted_to.is_empty() {
                    o.with("grantedToIdentitiesV2", everyone);
                }
                o.bool("hasPassword", false);
            }
            None => {
                if p.granted_to.len() > 1 {
                    o.with("grantedToIdentitiesV2", everyone);
                }
                // An invitation not yet redeemed has no grantee, only `invitation`
                // (permission.md: "grantedTo property may not be set until the invitation
                // is redeemed").
                if let Some(g) = p
                    .granted_to
                    .first()
                    .filter(|g| g.user_id.is_some() || g.kind != GranteeKind::User)
                {
                    o.with("grantedToV2", |w| grantee(w, g));
                }
            }
        }
        o.str("id", &p.id);
        if let Some(a) = inherited {
            let d = drive_of(idx, a);
            o.object("inheritedFrom", |o| {
                o.str("driveId", &d.id)
                    .str("driveType", d.drive_type.as_str())
                    .str("id", &idx.item_at(a).id);
                if let Some(parent) = idx.parent(a) {
                    o.with("path", |w| path(w, idx, parent));
                }
            });
        }
        if p.link.is_none() {
            if let Some(g) = p
                .granted_to
                .first()
                .filter(|g| g.user_id.is_none() && g.kind == GranteeKind::User)
            {
                o.object("invitation", |o| {
                    o.str("email", &g.email).bool("signInRequired", true);
                });
            }
        }
        if let Some(scope) = p.link {
            let kind = match p.role {
                AccessRole::Read => "view",
                AccessRole::Write => "edit",
            };
            o.object("link", |o| {
                o.bool("preventsDownload", false)
                    .str("scope", scope.as_str())
                    .str("type", kind)
                    .with("webUrl", |w| w.str_with(|t| link_url(t, idx, item, p)));
            });
        }
        o.array("roles", |w| w.str(p.role.as_str()));
    });
}

/// Every permission of an item, as array elements: the owner's first, then its own, then
/// inherited ones (nearest ancestor first).
pub(crate) fn permissions(w: &mut Json, idx: &Index, item: usize, added: &[Permission]) {
    let d = drive_of(idx, item);
    match &d.owner {
        DriveOwner::User(id) => {
            let upn = idx.user(id).map_or("", |u| u.user_principal_name.as_str());
            w.object(|o| {
                o.with("grantedToV2", |w| user_identity(w, idx, id))
                    .str(
                        "id",
                        &base64::engine::general_purpose::STANDARD
                            .encode(format!("i:0#.f|membership|{upn}")),
                    )
                    .array("roles", |w| w.str("owner"));
            });
        }
        _ => {
            let site = idx
                .site(&d.site_id)
                .map_or("Site", |s| idx.tenant.sites[s].display_name.as_str());
            let name = |w: &mut Json| {
                w.str_with(|t| {
                    t.push(site);
                    t.push_plain(b" Owners");
                });
            };
            w.object(|o| {
                o.object("grantedToV2", |o| {
                    o.object("siteGroup", |o| {
                        o.with("displayName", name)
                            .str("id", "3")
                            .with("loginName", name);
                    });
                })
                .str("id", "3")
                .array("roles", |w| w.str("owner"));
            });
        }
    }
    for p in idx.item_at(item).permissions.iter().chain(added) {
        permission(w, idx, item, p, None);
    }
    for a in idx.ancestors(item) {
        for p in &idx.item_at(a).permissions {
            permission(w, idx, item, p, Some(a));
        }
    }
}

pub(crate) fn service_principal(o: &mut Obj<'_>, sp: &ServicePrincipal) {
    o.bool("accountEnabled", sp.account_enabled)
        .str("appDisplayName", &sp.display_name)
        .str("appId", &sp.app_id)
        .str("appOwnerOrganizationId", &sp.app_owner_organization_id)
        .array("appRoles", |w| {
            if sp.app_id == GRAPH_APP_ID {
                for (id, value, name) in GRAPH_APP_ROLES {
                    w.object(|o| {
                        o.array("allowedMemberTypes", |w| w.str("Application"))
                            .str("description", name)
                            .str("displayName", name)
                            .str("id", id)
                            .bool("isEnabled", true)
                            .str("origin", "Application")
                            .str("value", value);
                    });
                }
            }
        })
        .str("displayName", &sp.display_name)
        .str("id", &sp.id)
        .empty_array("oauth2PermissionScopes")
        .array("servicePrincipalNames", |w| w.str(&sp.app_id))
        .str("servicePrincipalType", "Application")
        .str("signInAudience", &sp.sign_in_audience)
        .array("tags", |w| {
            w.str("WindowsAzureActiveDirectoryIntegratedApp")
        })
        .object("verifiedPublisher", |o| match &sp.verified_publisher {
            Some(v) => {
                o.ts("addedDateTime", v.added_at_ms)
                    .str("displayName", &v.display_name)
                    .str("verifiedPublisherId", &v.verified_publisher_id);
            }
            None => {
                o.null("addedDateTime")
                    .null("displayName")
                    .null("verifiedPublisherId");
            }
        });
}

/// An application permission granted to an app (`appRoleAssignment`).
pub(crate) fn app_role_assignment(o: &mut Obj<'_>, idx: &Index, a: &AppRoleAssignment) {
    let name = |id: &str| {
        idx.tenant
            .service_principals
            .iter()
            .find(|sp| sp.id == id)
            .map_or("", |sp| sp.display_name.as_str())
    };
    o.str("appRoleId", &a.app_role_id)
        .ts("createdDateTime", a.created_at_ms)
        .null("deletedDateTime")
        .str("id", &a.id)
        .str("principalDisplayName", name(&a.principal_id))
        .str("principalId", &a.principal_id)
        .str("principalType", "ServicePrincipal")
        .str("resourceDisplayName", name(&a.resource_id))
        .str("resourceId", &a.resource_id);
}

pub(crate) fn grant(o: &mut Obj<'_>, g: &PermissionGrant) {
    o.str("clientId", &g.client_id)
        .str("consentType", g.consent_type.as_str())
        .str("id", &g.id)
        .opt_str("principalId", g.principal_id.as_deref())
        .str("resourceId", &g.resource_id)
        .with("scope", |w| {
            w.str_with(|t| {
                t.push_plain(b" ");
                for (i, s) in g.scopes.iter().enumerate() {
                    if i > 0 {
                        t.push_plain(b" ");
                    }
                    t.push(s);
                }
                t.push_plain(b" ");
            });
        });
}
