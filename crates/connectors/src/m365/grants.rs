//! Third-party apps' OAuth grants.

use std::collections::HashMap;

use serde_json::{json, Value};
use url::Url;

use super::*;

impl M365 {
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
                "id,appId,displayName,appOwnerOrganizationId,verifiedPublisher,servicePrincipalType",
            ),
            ("$top", top),
        ],
    )
}
