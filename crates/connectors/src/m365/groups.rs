//! Groups with their members and owners, and directory role assignments.

use std::collections::{HashMap, HashSet};

use futures_util::StreamExt;
use serde_json::Value;

use super::*;

impl M365 {
    /// One stored page per group: the group, its members and its owners.
    pub(super) async fn scan_groups(
        &self,
        ctx: &Ctx,
        pos: Option<Position>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let (mut next, mut skip) = match &pos {
            Some(Position {
                url: Some(u),
                index,
                ..
            }) => (Some(parse_url(u)?), *index),
            _ => (
                Some(self.url(
                    "groups",
                    &[
                        (
                            "$select",
                            "id,displayName,description,groupTypes,securityEnabled,mailEnabled,visibility,createdDateTime",
                        ),
                        ("$top", PAGE),
                    ],
                )?),
                0,
            ),
        };
        while let Some(url) = next {
            let resp = ctx.http.get(&url, &ctx.auth).await?;
            let groups = values(&resp)?.clone();
            let after = odata_next(&resp)?;
            let ids: Vec<String> = groups
                .iter()
                .skip(skip)
                .map(|g| text(g, "id").unwrap_or_default())
                .collect();
            let lists: Vec<Result<(Vec<Value>, Vec<Value>)>> = futures_util::stream::iter(ids)
                .map(|id: String| {
                    let q = [
                        ("$select", "id,userPrincipalName,displayName"),
                        ("$top", PAGE),
                    ];
                    let members = self
                        .url(&format!("groups/{id}/members"), &q)
                        .map(|u| spawn_all(ctx, u));
                    let owners = self
                        .url(&format!("groups/{id}/owners"), &q)
                        .map(|u| spawn_all(ctx, u));
                    async move { Ok((joined(members?).await?, joined(owners?).await?)) }
                })
                .buffered(CONCURRENCY)
                .collect()
                .await;
            for ((i, group), list) in groups.iter().enumerate().skip(skip).zip(lists) {
                let (members, owners) = list?;
                let gid = text(group, "id").unwrap_or_default();
                let unified = group
                    .get("groupTypes")
                    .and_then(Value::as_array)
                    .is_some_and(|t| t.iter().any(|v| v.as_str() == Some("Unified")));
                let mut records = Records::default();
                records.groups.push(Group {
                    external_id: gid.clone(),
                    name: text(group, "displayName").unwrap_or_else(|| gid.clone()),
                    description: text(group, "description"),
                    kind: Some(
                        if unified {
                            "m365"
                        } else if group.get("securityEnabled").and_then(Value::as_bool)
                            == Some(true)
                        {
                            "security"
                        } else {
                            "distribution"
                        }
                        .into(),
                    ),
                    raw: Raw::of(group),
                });
                let is_user = |o: &&Value| {
                    o.get("@odata.type")
                        .and_then(Value::as_str)
                        .is_none_or(|t| t == "#microsoft.graph.user")
                };
                let owner_ids: HashSet<String> = owners
                    .iter()
                    .filter(is_user)
                    .filter_map(|o| text(o, "id"))
                    .collect();
                let mut seen = HashSet::new();
                for m in members.iter().filter(is_user) {
                    let id = text(m, "id").unwrap_or_default();
                    seen.insert(id.clone());
                    records.memberships.push(Membership {
                        group_id: gid.clone(),
                        role: if owner_ids.contains(&id) {
                            "owner"
                        } else {
                            "member"
                        }
                        .into(),
                        account_id: id,
                    });
                }
                // Owners who are not members still control the group.
                for id in owner_ids.into_iter().filter(|id| !seen.contains(id)) {
                    records.memberships.push(Membership {
                        group_id: gid.clone(),
                        account_id: id,
                        role: "owner".into(),
                    });
                }
                let cursor = if i + 1 < groups.len() {
                    Position::at("groups", Some(&url), i + 1).encode()
                } else {
                    after
                        .as_ref()
                        .and_then(|u| Position::at("groups", Some(u), 0).encode())
                };
                sink.page(records, cursor).await?;
            }
            if groups.len() <= skip {
                let cursor = after
                    .as_ref()
                    .and_then(|u| Position::at("groups", Some(u), 0).encode());
                sink.page(Records::default(), cursor).await?;
            }
            skip = 0;
            next = after;
        }
        Ok(())
    }

    /// The directory roles each account holds: active ones, those held through a
    /// role-assignable group (named in the role), and eligible (PIM) ones, marked so.
    /// Role holders are few: the phase is one page.
    pub(super) async fn scan_privileges(
        &self,
        ctx: &Ctx,
        _pos: Option<Position>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let defs: HashMap<String, String> = self
            .all(
                ctx,
                self.url(
                    "roleManagement/directory/roleDefinitions",
                    &[("$select", "id,displayName,templateId")],
                )?,
            )
            .await?
            .iter()
            .filter_map(|d| Some((text(d, "id")?, text(d, "displayName")?)))
            .collect();
        let mut records = Records::default();
        for h in self.role_holders(ctx, sink).await? {
            let name = defs
                .get(&h.role_definition_id)
                .cloned()
                .unwrap_or_else(|| h.role_definition_id.clone());
            let role = match (&h.via_group, h.eligible) {
                (None, false) => name,
                (None, true) => format!("{name} (eligible)"),
                (Some(g), false) => format!("{name} (through {g})"),
                (Some(g), true) => format!("{name} (eligible through {g})"),
            };
            records.privileges.push(Privilege {
                account_id: h.account_id,
                role,
                scope: h.scope,
                raw: Raw::of(&h.raw),
            });
        }
        sink.page(records, None).await
    }
}
