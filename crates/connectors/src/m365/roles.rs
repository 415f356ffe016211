//! Who holds a directory role: active assignments — to users, and to role-assignable groups
//! whose members hold the role through them — and eligible (Privileged Identity
//! Management) assignments, which a principal may activate at any time: an eligible Global
//! Administrator is an administrator.

use std::collections::HashMap;

use serde_json::Value;

use super::*;

/// One account holding (or eligible for) one role.
#[derive(Debug, Clone)]
pub(super) struct Holder {
    /// A user's (or service principal's) object id.
    pub account_id: String,
    pub role_definition_id: String,
    pub scope: String,
    /// The role-assignable group it holds the role through.
    pub via_group: Option<String>,
    /// Eligible (PIM), not active.
    pub eligible: bool,
    /// The assignment as received.
    pub raw: Value,
}

/// The principal of an assignment, from `$expand=principal`.
enum Principal {
    Group { id: String, name: String },
    Other(String),
}

fn principal_of(a: &Value) -> Option<Principal> {
    let id = text(a, "principalId")?;
    let kind = ptr(a, "/principal/@odata.type").unwrap_or_default();
    Some(if kind == "#microsoft.graph.group" {
        Principal::Group {
            name: ptr(a, "/principal/displayName").unwrap_or_else(|| id.clone()),
            id,
        }
    } else {
        Principal::Other(id)
    })
}

impl M365 {
    /// Every role holder. Active assignments need RoleManagement.Read.Directory (a refusal
    /// is the caller's to report); eligible ones also RoleEligibilitySchedule.Read.Directory
    /// (or RoleManagement.Read.Directory) and Entra ID P2 — without them they are left out
    /// with a note.
    pub(super) async fn role_holders(&self, ctx: &Ctx, sink: &mut dyn Sink) -> Result<Vec<Holder>> {
        self.holders
            .get_or_try_init(|| self.read_role_holders(ctx, sink))
            .await
            .cloned()
    }

    async fn read_role_holders(&self, ctx: &Ctx, sink: &mut dyn Sink) -> Result<Vec<Holder>> {
        // rbacapplication-list-roleassignments.md: $select, $filter, $expand (principal);
        // no $top.
        const SELECT: &str = "id,principalId,roleDefinitionId,directoryScopeId";
        let expand = ("$expand", "principal($select=id,displayName)");
        let active = self
            .all(
                ctx,
                self.url(
                    "roleManagement/directory/roleAssignments",
                    &[("$select", SELECT), expand],
                )?,
            )
            .await?;
        // rbacapplication-list-roleeligibilityscheduleinstances.md: $select, $filter,
        // $expand; least privilege RoleEligibilitySchedule.Read.Directory.
        let eligible = match self
            .all(
                ctx,
                self.url(
                    "roleManagement/directory/roleEligibilityScheduleInstances",
                    &[
                        ("$select", "id,principalId,roleDefinitionId,directoryScopeId,startDateTime,endDateTime,memberType"),
                        expand,
                    ],
                )?,
            )
            .await
        {
            Ok(list) => list,
            // Optional: refused (permission, licence) or failing, the active roles still
            // count.
            Err(Error::Forbidden(_) | Error::Status { .. }) => {
                sink.note(ELIGIBLE_FIX.into());
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        let assignments: Vec<(Value, bool)> = active
            .into_iter()
            .map(|a| (a, false))
            .chain(eligible.into_iter().map(|e| (e, true)))
            .collect();
        // The members of each role-assignable group (such groups cannot hold groups, but
        // the transitive list is what holds the role either way).
        let groups: Vec<String> = assignments
            .iter()
            .filter_map(|(a, _)| match principal_of(a)? {
                Principal::Group { id, .. } => Some(id),
                Principal::Other(_) => None,
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let members: HashMap<String, Result<Vec<Value>>> = self
            .all_per(
                ctx,
                groups,
                |id| format!("groups/{id}/transitiveMembers"),
                &[("$select", "id"), ("$top", PAGE)],
            )
            .await
            .into_iter()
            .collect();
        let mut members = members;
        // A 401 or a cancel keeps its meaning (renew and continue, stop).
        let fatal = members
            .iter()
            .find(|(_, r)| {
                matches!(r, Err(e) if !matches!(e, Error::Forbidden(_) | Error::Status { status: 404, .. }))
            })
            .map(|(id, _)| id.clone());
        if let Some(Err(e)) = fatal.and_then(|id| members.remove(&id)) {
            return Err(e);
        }
        let mut out = Vec::new();
        for (a, eligible) in assignments {
            let role = text(&a, "roleDefinitionId").unwrap_or_default();
            let scope = text(&a, "directoryScopeId").unwrap_or_else(|| "/".into());
            match principal_of(&a) {
                Some(Principal::Group { id, name }) => {
                    let list = match members.get(&id) {
                        Some(Ok(list)) => list,
                        Some(Err(_)) => {
                            sink.note(format!(
                                "the members of the role-assignable group {name} could not be read"
                            ));
                            continue;
                        }
                        None => continue,
                    };
                    for m in list {
                        let user =
                            ptr(m, "/@odata.type").is_none_or(|t| t == "#microsoft.graph.user");
                        if let (true, Some(account_id)) = (user, text(m, "id")) {
                            out.push(Holder {
                                account_id,
                                role_definition_id: role.clone(),
                                scope: scope.clone(),
                                via_group: Some(name.clone()),
                                eligible,
                                raw: a.clone(),
                            });
                        }
                    }
                }
                Some(Principal::Other(account_id)) => out.push(Holder {
                    account_id,
                    role_definition_id: role,
                    scope,
                    via_group: None,
                    eligible,
                    raw: a,
                }),
                None => {}
            }
        }
        Ok(out)
    }
}

/// What to do to see eligible administrators.
pub(super) const ELIGIBLE_FIX: &str = "eligible (PIM) administrators were not read: they need RoleEligibilitySchedule.Read.Directory (or RoleManagement.Read.Directory) and Microsoft Entra ID P2";
