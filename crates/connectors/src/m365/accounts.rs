//! Users and guests with their status, admin flag and last sign-in.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::*;

/// Users per page when their `signInActivity` is read (user-list.md).
const SIGN_IN_PAGE: &str = "500";

impl M365 {
    /// Object ids of the accounts holding or eligible for a directory role, directly or
    /// through a role-assignable group (empty without the permission).
    async fn admin_ids(&self, ctx: &Ctx, sink: &mut dyn Sink) -> Result<HashSet<String>> {
        match self.role_holders(ctx, sink).await {
            Ok(list) => Ok(list.into_iter().map(|h| h.account_id).collect()),
            Err(Error::Forbidden(_)) => Ok(HashSet::new()),
            Err(e) => Err(e),
        }
    }

    /// Whether each enabled account registered a second factor, by object id, from the
    /// authentication-methods registration report (`isMfaRegistered`); `None` when the
    /// report cannot be read (it needs AuditLog.Read.All and Microsoft Entra ID P1/P2), said in
    /// a note. The report supports neither `$select` nor `$top`
    /// (authenticationmethodsroot-list-userregistrationdetails.md): pages come by nextLink.
    async fn mfa_registered(
        &self,
        ctx: &Ctx,
        sink: &mut dyn Sink,
    ) -> Result<Option<HashMap<String, bool>>> {
        let mut next =
            Some(self.url("reports/authenticationMethods/userRegistrationDetails", &[])?);
        let mut out = HashMap::new();
        while let Some(url) = next {
            let page = match ctx.http.get(&url, &ctx.auth).await {
                Ok(p) => p,
                Err(Error::Forbidden(m) | Error::Unavailable(m)) => {
                    sink.note(if m.contains("premium") {
                        "MFA registration needs Microsoft Entra ID P1 or P2".to_owned()
                    } else {
                        "MFA registration needs AuditLog.Read.All".to_owned()
                    });
                    return Ok(None);
                }
                Err(e) => return Err(e),
            };
            next = odata_next(&page)?;
            for r in take_values(page)? {
                if let (Some(id), Some(registered)) = (
                    text(&r, "id"),
                    r.get("isMfaRegistered").and_then(Value::as_bool),
                ) {
                    out.insert(id, registered);
                }
            }
        }
        Ok(Some(out))
    }

    pub(super) async fn scan_accounts(
        &self,
        ctx: &Ctx,
        pos: Option<Position>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let admins = self.admin_ids(ctx, sink).await?;
        let mfa = self.mfa_registered(ctx, sink).await?;
        const FIELDS: &str =
            "id,userPrincipalName,displayName,mail,userType,accountEnabled,createdDateTime";
        let with_sign_in = format!("{FIELDS},signInActivity");
        // user-list.md: pages of up to 999 users, but "when signInActivity is selected or
        // filtered on, the maximum page size is 500" (it was 120 before July 2025; larger
        // `$top` values are cut to the maximum, never an error, so 500 is safe with both).
        let first = |select: &str| {
            let top = if select.contains("signInActivity") {
                SIGN_IN_PAGE
            } else {
                PAGE
            };
            self.url("users", &[("$select", select), ("$top", top)])
        };
        // The last sign-in needs AuditLog.Read.All and Entra ID P1/P2: without them Graph
        // refuses the whole request, so the list is read without it.
        let probe = ctx
            .http
            .get(
                &self.url("users", &[("$select", &with_sign_in), ("$top", "1")])?,
                &ctx.auth,
            )
            .await;
        let select = match probe {
            Ok(_) => with_sign_in.as_str(),
            Err(Error::Forbidden(m)) => {
                sink.note(if m.contains("premium") {
                    "last sign-in times need Microsoft Entra ID P1 or P2".to_owned()
                } else {
                    "last sign-in times need AuditLog.Read.All".to_owned()
                });
                FIELDS
            }
            Err(e) => return Err(e),
        };
        let map = &mut |u: Value, r: &mut Records| {
            let id = text(&u, "id").unwrap_or_default();
            let last = [
                "/signInActivity/lastSignInDateTime",
                "/signInActivity/lastNonInteractiveSignInDateTime",
            ]
            .iter()
            .filter_map(|p| ms(u.pointer(p)))
            .max();
            r.accounts.push(Account {
                login: text(&u, "userPrincipalName").unwrap_or_else(|| id.clone()),
                display_name: text(&u, "displayName"),
                email: text(&u, "mail"),
                kind: if text(&u, "userType").as_deref() == Some("Guest") {
                    "guest"
                } else {
                    "user"
                }
                .into(),
                status: if u.get("accountEnabled").and_then(Value::as_bool) == Some(false) {
                    "disabled"
                } else {
                    "active"
                }
                .into(),
                is_admin: admins.contains(&id),
                created_at_ms: ms(u.get("createdDateTime")),
                last_sign_in_ms: last,
                mfa: mfa.as_ref().and_then(|m| m.get(&id).copied()),
                external_id: id,
                raw: Raw::of(&u),
            });
        };
        self.pages(ctx, ("users", first(select)?), pos.as_ref(), sink, map)
            .await
    }
}
