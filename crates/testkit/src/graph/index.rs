//! Lookup tables built once at start-up, so that every request is a lookup or a slice.

use std::collections::HashMap;

#[cfg(test)]
use super::tenant::Permission;
use super::tenant::{DriveItem, GraphTenant, LinkScope, User};

/// No parent (a drive's root).
const NONE: u32 = u32::MAX;

pub(crate) struct Index {
    /// The tenant, its audit events and sign-ins moved to the logs.
    pub tenant: GraphTenant,
    user_by_id: HashMap<String, u32>,
    group_by_id: HashMap<String, u32>,
    site_by_id: HashMap<String, u32>,
    drive_by_id: HashMap<String, u32>,
    item_by_id: HashMap<String, u32>,
    /// Per item: its drive and parent ([`NONE`] for roots).
    pub item_drive: Vec<u32>,
    parent: Vec<u32>,
    /// Per drive: its items in enumeration order (root, then parents before children).
    pub drive_items: Vec<Vec<u32>>,
    /// Per site: its drives.
    pub site_drives: Vec<Vec<u32>>,
    /// Per item: children (folders) and size (folders: the total of their content).
    pub child_count: Vec<u32>,
    pub size: Vec<u64>,
    /// Team and communication sites (`search=*`), in tenant order.
    pub team_sites: Vec<u32>,
}

/// A case-insensitive lookup in a map of lower-cased ids; ids as the tenant spells them
/// (lower-case GUIDs) are found without lower-casing a copy.
fn folded(map: &HashMap<String, u32>, id: &str) -> Option<usize> {
    map.get(id)
        .or_else(|| map.get(&id.to_lowercase()))
        .map(|&i| i as usize)
}

impl Index {
    pub(crate) fn new(tenant: GraphTenant) -> Index {
        let ids = |it: &mut dyn Iterator<Item = &String>| -> HashMap<String, u32> {
            it.enumerate()
                .map(|(i, id)| (id.to_lowercase(), i as u32))
                .collect()
        };
        let user_by_id = ids(&mut tenant.users.iter().map(|u| &u.id));
        let group_by_id = ids(&mut tenant.groups.iter().map(|g| &g.id));
        let site_by_id = ids(&mut tenant.sites.iter().map(|s| &s.id));
        // Drive and item ids are case-sensitive (base64 and base32 shapes).
        let drive_by_id: HashMap<String, u32> = tenant
            .drives
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.clone(), i as u32))
            .collect();
        let item_by_id: HashMap<String, u32> = tenant
            .items
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.clone(), i as u32))
            .collect();
        let n = tenant.items.len();
        let mut item_drive = vec![NONE; n];
        let mut parent = vec![NONE; n];
        let mut drive_items = vec![Vec::new(); tenant.drives.len()];
        for (i, item) in tenant.items.iter().enumerate() {
            if let Some(&d) = drive_by_id.get(&item.drive_id) {
                item_drive[i] = d;
                drive_items[d as usize].push(i as u32);
            }
            if let Some(&p) = item.parent_id.as_ref().and_then(|p| item_by_id.get(p)) {
                parent[i] = p;
            }
        }
        let mut child_count = vec![0u32; n];
        let mut size: Vec<u64> = tenant
            .items
            .iter()
            .map(|i| if i.folder { 0 } else { i.size })
            .collect();
        // Parents come before children, so one backward pass totals every folder.
        for i in (0..n).rev() {
            let p = parent[i];
            if p != NONE {
                child_count[p as usize] += 1;
                size[p as usize] += size[i];
            }
        }
        let mut site_drives = vec![Vec::new(); tenant.sites.len()];
        for (d, drive) in tenant.drives.iter().enumerate() {
            if let Some(&s) = site_by_id.get(&drive.site_id.to_lowercase()) {
                site_drives[s as usize].push(d as u32);
            }
        }
        let team_sites = tenant
            .sites
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.personal)
            .map(|(i, _)| i as u32)
            .collect();
        Index {
            tenant,
            user_by_id,
            group_by_id,
            site_by_id,
            drive_by_id,
            item_by_id,
            item_drive,
            parent,
            drive_items,
            site_drives,
            child_count,
            size,
            team_sites,
        }
    }

    pub(crate) fn user(&self, id: &str) -> Option<&User> {
        folded(&self.user_by_id, id).map(|i| &self.tenant.users[i])
    }

    pub(crate) fn group(&self, id: &str) -> Option<usize> {
        folded(&self.group_by_id, id)
    }

    pub(crate) fn site(&self, id: &str) -> Option<usize> {
        folded(&self.site_by_id, id)
    }

    pub(crate) fn drive(&self, id: &str) -> Option<usize> {
        self.drive_by_id.get(id).map(|&i| i as usize)
    }

    pub(crate) fn item(&self, id: &str) -> Option<usize> {
        self.item_by_id.get(id).map(|&i| i as usize)
    }

    pub(crate) fn parent(&self, item: usize) -> Option<usize> {
        let p = self.parent[item];
        (p != NONE).then_some(p as usize)
    }

    /// The ancestors of an item, nearest first.
    pub(crate) fn ancestors(&self, item: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(self.parent(item), |&p| self.parent(p))
    }

    /// Folder names from the root (excluded) down to `item` (included).
    #[cfg(test)]
    pub(crate) fn names(&self, item: usize) -> Vec<&str> {
        let items = &self.tenant.items;
        let mut names: Vec<&str> = std::iter::once(item)
            .chain(self.ancestors(item))
            .filter(|&i| self.parent(i).is_some())
            .map(|i| items[i].name.as_str())
            .collect();
        names.reverse();
        names
    }

    /// `parentReference.path` of the children of `folder`: `/drives/{id}/root:/A/B`.
    #[cfg(test)]
    pub(crate) fn path(&self, folder: usize) -> String {
        let drive = &self.tenant.items[folder].drive_id;
        let mut p = format!("/drives/{drive}/root:");
        for n in self.names(folder) {
            p.push('/');
            // Percent-encoded, as SharePoint writes it (every byte but ASCII letters, digits
            // and `*-._`).
            for b in n.bytes() {
                if b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_') {
                    p.push(char::from(b));
                } else {
                    p.push_str(&format!("%{b:02X}"));
                }
            }
        }
        p
    }

    /// The item's own permissions and those of its ancestors, with the ancestor they are
    /// inherited from.
    #[cfg(test)]
    pub(crate) fn permissions(&self, item: usize) -> Vec<(&Permission, Option<usize>)> {
        let items = &self.tenant.items;
        let mut out: Vec<(&Permission, Option<usize>)> =
            items[item].permissions.iter().map(|p| (p, None)).collect();
        for a in self.ancestors(item) {
            out.extend(items[a].permissions.iter().map(|p| (p, Some(a))));
        }
        out
    }

    /// `shared.scope`: the widest scope of the item's and its ancestors' permissions.
    pub(crate) fn shared_scope(&self, item: usize) -> Option<LinkScope> {
        let items = &self.tenant.items;
        std::iter::once(item)
            .chain(self.ancestors(item))
            .filter_map(|i| items[i].own_scope())
            .max()
    }

    pub(crate) fn item_at(&self, i: usize) -> &DriveItem {
        &self.tenant.items[i]
    }
}
