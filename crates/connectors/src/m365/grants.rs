//! What apps may do in the tenant: application permissions (app roles of APIs such as
//! Microsoft Graph, granted to an app's service principal: the app acts with no user signed
//! in — `Mail.Read` reads every mailbox) and delegated permission grants (an app acting for
//! users who consented, or for everyone after an admin consented).

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};
use url::Url;

use super::*;

impl M365 {
    /// Application permissions first (one page: the apps holding any are few), then the
    /// delegated grants page by page; the cursor after the first page skips the former.
    pub(super) async fn scan_grants(
        &self,
        ctx: &Ctx,
        pos: Option<Position>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let principals: HashMap<String, Value> = self
            .all(ctx, service_principals_url(self, PAGE)?)
            .await?
            .into_iter()
            .filter_map(|sp| Some((text(&sp, "id")?, sp)))
            .collect();
        // oauth2permissiongrant-list.md documents no `$top`: pages of the service's size.
        let first = self.url("oauth2PermissionGrants", &[])?;
        if pos.as_ref().is_none_or(|p| p.stage != "grants") {
            let records = self.application_grants(ctx, &principals).await?;
            sink.page(records, Position::at("grants", Some(&first), 0).encode())
                .await?;
        }
        self.pages(ctx, ("grants", first), pos.as_ref(), sink, &mut |g, r| {
            let client = text(&g, "clientId").unwrap_or_default();
            let sp = principals.get(&client);
            let resource = text(&g, "resourceId")
                .and_then(|id| principals.get(&id))
                .and_then(|sp| text(sp, "displayName"));
            let mut raw = g.clone();
            if let Some(obj) = raw.as_object_mut() {
                obj.insert("client".into(), sp.cloned().unwrap_or(Value::Null));
                obj.insert("resourceDisplayName".into(), json!(resource));
            }
            r.oauth_grants.push(OauthGrant {
                kind: GrantKind::Delegated,
                external_id: text(&g, "id").unwrap_or_default(),
                app_name: sp
                    .and_then(|sp| text(sp, "displayName"))
                    .unwrap_or_else(|| client.clone()),
                app_id: sp.and_then(|sp| text(sp, "appId")),
                principal: if text(&g, "consentType").as_deref() == Some("AllPrincipals") {
                    None
                } else {
                    text(&g, "principalId")
                },
                scopes: g
                    .get("scope")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
                // oAuth2PermissionGrant has no time in v1.0 (no startTime): the store
                // records when scans first and last saw the grant.
                granted_at_ms: None,
                raw: Raw::of(&raw),
            });
        })
        .await
    }

    /// The application permissions every app holds: for each API that publishes app roles
    /// (Microsoft Graph, Exchange, SharePoint …), its `appRoleAssignedTo` — "if the resource
    /// service principal is the service principal for the Microsoft Graph API, this will
    /// return all service principals that have been granted any app-only permissions"
    /// (serviceprincipal-list-approleassignedto.md) — each role id named by the API's
    /// `appRoles` (`value`: `Mail.Read`). One grant per app and API.
    async fn application_grants(
        &self,
        ctx: &Ctx,
        principals: &HashMap<String, Value>,
    ) -> Result<Records> {
        let apis: Vec<String> = principals
            .iter()
            .filter(|(_, sp)| {
                sp.get("appRoles")
                    .and_then(Value::as_array)
                    .is_some_and(|r| !r.is_empty())
            })
            .map(|(id, _)| id.clone())
            .collect();
        let lists = self
            .all_per(
                ctx,
                apis,
                |id| format!("servicePrincipals/{id}/appRoleAssignedTo"),
                &[("$top", PAGE)],
            )
            .await;
        // (client, API) → its assignments.
        let mut held: BTreeMap<(String, String), Vec<Value>> = BTreeMap::new();
        for (api, list) in lists {
            let list = match list {
                Ok(l) => l,
                // An API removed meanwhile.
                Err(Error::Status { status: 404, .. }) => continue,
                Err(e) => return Err(e),
            };
            // Assignments to users and groups give them access to the app; only those to
            // service principals are permissions of an app.
            for a in list
                .into_iter()
                .filter(|a| text(a, "principalType").as_deref() == Some("ServicePrincipal"))
            {
                if let Some(client) = text(&a, "principalId") {
                    held.entry((client, api.clone())).or_default().push(a);
                }
            }
        }
        let mut records = Records::default();
        for ((client, api), assignments) in held {
            let sp = principals.get(&client);
            let resource = principals.get(&api);
            let roles: HashMap<String, String> = resource
                .and_then(|r| r.get("appRoles"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| Some((text(r, "id")?, text(r, "value")?)))
                .collect();
            let mut scopes: Vec<String> = assignments
                .iter()
                .filter_map(|a| text(a, "appRoleId"))
                // The empty role (all zeros) is "access to the app", no permission.
                .filter(|id| id != "00000000-0000-0000-0000-000000000000")
                .map(|id| roles.get(&id).cloned().unwrap_or(id))
                .collect();
            scopes.sort();
            scopes.dedup();
            let raw = json!({
                "client": sp,
                "resourceId": api,
                "resourceDisplayName": resource.and_then(|r| text(r, "displayName")),
                "appRoleAssignments": assignments,
            });
            records.oauth_grants.push(OauthGrant {
                kind: GrantKind::Application,
                external_id: format!("app:{client}:{api}"),
                app_name: sp
                    .and_then(|sp| text(sp, "displayName"))
                    .unwrap_or_else(|| client.clone()),
                app_id: sp.and_then(|sp| text(sp, "appId")),
                // An application permission is the app's own, for the whole tenant.
                principal: None,
                scopes,
                granted_at_ms: assignments
                    .iter()
                    .filter_map(|a| ms(a.get("createdDateTime")))
                    .min(),
                raw: Raw::of(&raw),
            });
        }
        Ok(records)
    }
}

/// The service principals with what names their publisher, by v1.0 properties only
/// (servicePrincipal.publisherName is beta-only: v1.0 answers 400 to a `$select` naming it).
/// `appOwnerOrganizationId` is the tenant that registered the app (Microsoft's own, this
/// tenant, or a third party's); `verifiedPublisher` the publisher Microsoft verified.
/// serviceprincipal-list.md: `$select`, `$top` up to 999.
pub(super) fn service_principals_url(m365: &M365, top: &str) -> Result<Url> {
    m365.url(
        "servicePrincipals",
        &[
            (
                "$select",
                "id,appId,displayName,appOwnerOrganizationId,verifiedPublisher,servicePrincipalType,appRoles",
            ),
            ("$top", top),
        ],
    )
}
