//! "What changed since the last scan": the difference between two snapshots of an instance —
//! accounts that appeared or went away, new administrators and role changes, files that became
//! public or shared outside, OAuth grants that appeared or went away, and apps that now hold
//! high-level permissions.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::Engine;
use crate::backend::SnapshotRow;
use crate::domain::investigate::{
    AccountChange, ChangeReport, FileChange, GrantChange, InstanceChanges, PermissionLevel,
    SharingLevel, SnapshotInfo,
};
use crate::permissions::classify;
use crate::{Error, Result};

#[derive(Deserialize, Default)]
#[serde(default)]
struct AccountState {
    login: String,
    admin: i64,
    roles: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FileState {
    name: String,
    url: Option<String>,
    owner: Option<String>,
    sharing: String,
    external: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GrantState {
    app: String,
    name: String,
    kind: String,
    principal: Option<String>,
    scopes: Vec<String>,
}

/// A snapshot item's state. The store wrote it; one it cannot read counts as empty (and is
/// logged), never as a reason to fail the whole comparison.
fn parse<T: for<'de> Deserialize<'de> + Default>(s: &str) -> T {
    serde_json::from_str(s).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "unreadable snapshot item");
        T::default()
    })
}

impl Engine {
    /// The snapshots of an instance (all with `None`), newest first.
    pub async fn snapshots(&self, instance_id: Option<&str>) -> Result<Vec<SnapshotInfo>> {
        let names = self.instance_names().await?;
        Ok(self
            .store
            .snapshots(instance_id)
            .await?
            .into_iter()
            .map(|s| info(&s, &names))
            .collect())
    }

    async fn instance_names(&self) -> Result<BTreeMap<String, (String, String)>> {
        Ok(self
            .instances()
            .await?
            .into_iter()
            .map(|i| (i.id, (i.name, i.app)))
            .collect())
    }

    /// What changed between two snapshots: of one instance (`from`/`to` default to its last
    /// two), or of every instance between its last two.
    pub async fn changes(
        &self,
        instance_id: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<ChangeReport> {
        let names = self.instance_names().await?;
        if let Some(id) = instance_id {
            if !names.contains_key(id) {
                return Err(Error::NotFound(format!("instance {id}")));
            }
        }
        let all = self.store.snapshots(instance_id).await?;
        let mut report = ChangeReport {
            instances: Vec::new(),
            waiting: Vec::new(),
        };
        if from.is_some() || to.is_some() {
            let (Some(from), Some(to)) = (from, to) else {
                return Err(Error::Validation(
                    "name both scans to compare (--from and --to), or neither".into(),
                ));
            };
            let find = |run: &str| {
                all.iter()
                    .find(|s| s.run_id == run)
                    .cloned()
                    .ok_or_else(|| Error::NotFound(format!("snapshot of scan {run}")))
            };
            let (a, b) = (find(from)?, find(to)?);
            if a.instance_id != b.instance_id {
                return Err(Error::Validation(
                    "the two scans are of different instances".into(),
                ));
            }
            let (a, b) = if a.taken_at_ms <= b.taken_at_ms {
                (a, b)
            } else {
                (b, a)
            };
            report.instances.push(self.diff(&a, &b, &names).await?);
            return Ok(report);
        }
        let ids: Vec<String> = match instance_id {
            Some(id) => vec![id.to_owned()],
            None => names.keys().cloned().collect(),
        };
        for id in ids {
            let mine: Vec<&SnapshotRow> = all.iter().filter(|s| s.instance_id == id).collect();
            match (mine.get(1), mine.first()) {
                (Some(a), Some(b)) => report.instances.push(self.diff(a, b, &names).await?),
                _ => report
                    .waiting
                    .push(names.get(&id).map(|n| n.0.clone()).unwrap_or(id)),
            }
        }
        Ok(report)
    }

    async fn diff(
        &self,
        a: &SnapshotRow,
        b: &SnapshotRow,
        names: &BTreeMap<String, (String, String)>,
    ) -> Result<InstanceChanges> {
        let (name, app) = names
            .get(&a.instance_id)
            .cloned()
            .unwrap_or_else(|| (a.instance_id.clone(), String::new()));
        let kinds = |s: &SnapshotRow| -> BTreeSet<String> {
            serde_json::from_str::<Vec<String>>(&s.kinds)
                .unwrap_or_default()
                .into_iter()
                .collect()
        };
        let (ka, kb) = (kinds(a), kinds(b));
        let both = |k: &str| ka.contains(k) && kb.contains(k);
        let mut out = InstanceChanges {
            instance_id: a.instance_id.clone(),
            instance_name: name,
            app: app.clone(),
            from: info(a, names),
            to: info(b, names),
            new_accounts: Vec::new(),
            removed_accounts: Vec::new(),
            new_admins: Vec::new(),
            role_changes: Vec::new(),
            newly_public_files: Vec::new(),
            newly_external_files: Vec::new(),
            new_grants: Vec::new(),
            removed_grants: Vec::new(),
            new_high_apps: Vec::new(),
            not_compared: ["account", "file", "grant"]
                .into_iter()
                .filter(|k| !both(k))
                .map(str::to_owned)
                .collect(),
        };
        if both("account") {
            let before = self.store.snapshot_items(&a.run_id, "account").await?;
            let after = self.store.snapshot_items(&b.run_id, "account").await?;
            for (id, s) in &after {
                let now: AccountState = parse(s);
                match before.get(id) {
                    None => out.new_accounts.push(AccountChange {
                        external_id: id.clone(),
                        login: now.login.clone(),
                        admin: now.admin != 0,
                        roles_added: now.roles.clone(),
                        roles_removed: Vec::new(),
                    }),
                    Some(old) => {
                        let was: AccountState = parse(old);
                        let added: Vec<String> = now
                            .roles
                            .iter()
                            .filter(|r| !was.roles.contains(r))
                            .cloned()
                            .collect();
                        let removed: Vec<String> = was
                            .roles
                            .iter()
                            .filter(|r| !now.roles.contains(r))
                            .cloned()
                            .collect();
                        let change = AccountChange {
                            external_id: id.clone(),
                            login: now.login.clone(),
                            admin: now.admin != 0,
                            roles_added: added,
                            roles_removed: removed,
                        };
                        if now.admin != 0 && was.admin == 0 {
                            out.new_admins.push(change.clone());
                        }
                        if !change.roles_added.is_empty() || !change.roles_removed.is_empty() {
                            out.role_changes.push(change);
                        }
                    }
                }
            }
            for (id, s) in &before {
                if !after.contains_key(id) {
                    let was: AccountState = parse(s);
                    out.removed_accounts.push(AccountChange {
                        external_id: id.clone(),
                        login: was.login,
                        admin: was.admin != 0,
                        roles_added: Vec::new(),
                        roles_removed: was.roles,
                    });
                }
            }
            // A new account that is an administrator is a new administrator too.
            let fresh: Vec<AccountChange> = out
                .new_accounts
                .iter()
                .filter(|c| c.admin)
                .cloned()
                .collect();
            out.new_admins.extend(fresh);
        }
        if both("file") {
            let before = self.store.snapshot_items(&a.run_id, "file").await?;
            let after = self.store.snapshot_items(&b.run_id, "file").await?;
            for (id, s) in &after {
                let now: FileState = parse(s);
                let was: Option<FileState> = before.get(id).map(|s| parse(s));
                let level = SharingLevel::parse(&now.sharing).unwrap_or(SharingLevel::Private);
                let before_level = was.as_ref().and_then(|w| SharingLevel::parse(&w.sharing));
                let new_external: Vec<String> = now
                    .external
                    .iter()
                    .filter(|x| !was.as_ref().is_some_and(|w| w.external.contains(x)))
                    .cloned()
                    .collect();
                let change = FileChange {
                    external_id: id.clone(),
                    name: now.name.clone(),
                    url: now.url.clone(),
                    owner: now.owner.clone(),
                    before: before_level,
                    after: level,
                    new_external: new_external.clone(),
                };
                if level == SharingLevel::Public && before_level != Some(SharingLevel::Public) {
                    out.newly_public_files.push(change);
                } else if level == SharingLevel::External && !new_external.is_empty() {
                    out.newly_external_files.push(change);
                }
            }
        }
        if both("grant") {
            let before = self.store.snapshot_items(&a.run_id, "grant").await?;
            let after = self.store.snapshot_items(&b.run_id, "grant").await?;
            let change = |id: &str, s: &str| {
                let g: GrantState = parse(s);
                let level = g
                    .scopes
                    .iter()
                    .map(|p| classify(&app, &g.kind, p).level)
                    .max()
                    .unwrap_or(PermissionLevel::Low);
                GrantChange {
                    external_id: id.to_owned(),
                    app_key: g.app,
                    app_name: g.name,
                    principal: g.principal,
                    scopes: g.scopes,
                    level,
                }
            };
            let high_before: BTreeSet<String> = before
                .iter()
                .map(|(id, s)| change(id, s))
                .filter(|c| c.level == PermissionLevel::High)
                .map(|c| c.app_key)
                .collect();
            let mut high_now = BTreeSet::new();
            for (id, s) in &after {
                let c = change(id, s);
                if c.level == PermissionLevel::High && !high_before.contains(&c.app_key) {
                    high_now.insert(c.app_name.clone());
                }
                if !before.contains_key(id) {
                    out.new_grants.push(c);
                }
            }
            for (id, s) in &before {
                if !after.contains_key(id) {
                    out.removed_grants.push(change(id, s));
                }
            }
            out.new_high_apps = high_now.into_iter().collect();
        }
        Ok(out)
    }
}

fn info(s: &SnapshotRow, names: &BTreeMap<String, (String, String)>) -> SnapshotInfo {
    SnapshotInfo {
        run_id: s.run_id.clone(),
        instance_id: s.instance_id.clone(),
        instance_name: names
            .get(&s.instance_id)
            .map(|n| n.0.clone())
            .unwrap_or_else(|| s.instance_id.clone()),
        taken_at_ms: s.taken_at_ms,
    }
}
