//! Lookup tables built once at start-up, so that every page is a slice of a prepared list.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use super::tenant::{GithubTenant, Member, OrgRole, Permission, TeamRole, TwoFactor};

/// A member (index into `members`) or an outside collaborator (index into
/// `outside_collaborators`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Person {
    Member(u32),
    Outside(u32),
}

/// `type` of `GET /orgs/{org}/repos`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum RepoType {
    All,
    Public,
    Private,
    Forks,
    Sources,
    Member,
    Internal,
}

/// `sort` of `GET /orgs/{org}/repos`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum RepoSort {
    Created,
    Updated,
    Pushed,
    FullName,
}

/// Repository indices in one order, shared by the requests that page through it.
pub(crate) type RepoOrder = Arc<Vec<u32>>;

/// One row of a team's member list: member index, role, inherited from a child team.
pub(crate) type TeamRow = (u32, TeamRole, bool);

pub(crate) struct Index {
    /// The tenant, its audit events moved to the audit log.
    pub tenant: GithubTenant,
    /// `[role all|admin|member][filter all|2fa_disabled|2fa_insecure]` → member indices.
    pub members_by: [[Vec<u32>; 3]; 3],
    /// `[filter all|2fa_disabled|2fa_insecure]` → outside-collaborator indices.
    pub outside_by: [Vec<u32>; 3],
    pub admins: Vec<u32>,
    pub team_by_slug: HashMap<String, usize>,
    pub team_by_id: HashMap<u64, usize>,
    /// Per team: direct members, then members of descendant teams (`inherited`).
    pub team_members: Vec<Vec<TeamRow>>,
    /// Lower-cased repository name → index.
    pub repo_by_name: HashMap<String, usize>,
    pub repo_by_id: HashMap<u64, usize>,
    /// Per repository: resolved direct collaborators.
    pub repo_collaborators: Vec<Vec<(Person, Permission)>>,
    repo_orders: Mutex<HashMap<(RepoType, RepoSort), RepoOrder>>,
}

fn filter_slot(t: TwoFactor) -> Option<usize> {
    match t {
        TwoFactor::Disabled => Some(1),
        TwoFactor::Insecure => Some(2),
        TwoFactor::Secure => None,
    }
}

impl Index {
    pub(crate) fn new(tenant: GithubTenant) -> Index {
        let mut members_by: [[Vec<u32>; 3]; 3] = Default::default();
        let mut admins = Vec::new();
        let mut people: HashMap<&str, Person> = HashMap::new();
        for (i, m) in tenant.members.iter().enumerate() {
            let i = i as u32;
            people.insert(&m.login, Person::Member(i));
            let role = if m.role == OrgRole::Admin { 1 } else { 2 };
            if role == 1 {
                admins.push(i);
            }
            for r in [0, role] {
                members_by[r][0].push(i);
                if let Some(f) = filter_slot(m.two_factor) {
                    members_by[r][f].push(i);
                }
            }
        }
        let mut outside_by: [Vec<u32>; 3] = Default::default();
        for (i, m) in tenant.outside_collaborators.iter().enumerate() {
            let i = i as u32;
            people.insert(&m.login, Person::Outside(i));
            outside_by[0].push(i);
            if let Some(f) = filter_slot(m.two_factor) {
                outside_by[f].push(i);
            }
        }

        let team_by_slug: HashMap<String, usize> = tenant
            .teams
            .iter()
            .enumerate()
            .map(|(i, t)| (t.slug.to_lowercase(), i))
            .collect();
        let team_by_id = tenant
            .teams
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id, i))
            .collect();
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); tenant.teams.len()];
        for (i, t) in tenant.teams.iter().enumerate() {
            if let Some(p) = t
                .parent
                .as_ref()
                .and_then(|p| team_by_slug.get(&p.to_lowercase()))
            {
                if *p != i {
                    children[*p].push(i);
                }
            }
        }
        // Children come after their parent, so a reverse walk sees every child list complete.
        let mut team_members: Vec<Vec<TeamRow>> = vec![Vec::new(); tenant.teams.len()];
        for i in (0..tenant.teams.len()).rev() {
            let mut seen = HashSet::new();
            let mut rows = Vec::new();
            for tm in &tenant.teams[i].members {
                if let Some(Person::Member(m)) = people.get(tm.login.as_str()) {
                    if seen.insert(*m) {
                        rows.push((*m, tm.role, false));
                    }
                }
            }
            for &c in &children[i] {
                if c > i {
                    for &(m, role, _) in &team_members[c] {
                        if seen.insert(m) {
                            rows.push((m, role, true));
                        }
                    }
                }
            }
            team_members[i] = rows;
        }

        let repo_by_name = tenant
            .repos
            .iter()
            .enumerate()
            .map(|(i, r)| (r.name.to_lowercase(), i))
            .collect();
        let repo_by_id = tenant
            .repos
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id, i))
            .collect();
        let repo_collaborators = tenant
            .repos
            .iter()
            .map(|r| {
                let mut seen = HashSet::new();
                r.collaborators
                    .iter()
                    .filter_map(|c| people.get(c.login.as_str()).map(|p| (*p, c.permission)))
                    .filter(|(p, _)| seen.insert(*p))
                    .collect()
            })
            .collect();
        drop(people);

        Index {
            members_by,
            outside_by,
            admins,
            team_by_slug,
            team_by_id,
            team_members,
            repo_by_name,
            repo_by_id,
            repo_collaborators,
            repo_orders: Mutex::new(HashMap::new()),
            tenant,
        }
    }

    pub(crate) fn person(&self, p: Person) -> Option<&Member> {
        match p {
            Person::Member(i) => self.tenant.members.get(i as usize),
            Person::Outside(i) => self.tenant.outside_collaborators.get(i as usize),
        }
    }

    /// The token's user: the first member (an owner in generated tenants).
    pub(crate) fn token_user(&self) -> Option<&Member> {
        self.tenant.members.first()
    }

    /// Repository indices of one `type`, sorted ascending by `sort` (built once, then cached).
    pub(crate) fn repo_order(&self, ty: RepoType, sort: RepoSort) -> RepoOrder {
        let mut cache = self
            .repo_orders
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(v) = cache.get(&(ty, sort)) {
            return Arc::clone(v);
        }
        let repos = &self.tenant.repos;
        let mut order: Vec<u32> = (0..repos.len())
            .filter(|&i| {
                let r = &repos[i];
                match ty {
                    RepoType::All => true,
                    RepoType::Public => r.visibility == super::tenant::Visibility::Public,
                    RepoType::Private => r.visibility == super::tenant::Visibility::Private,
                    RepoType::Internal => r.visibility == super::tenant::Visibility::Internal,
                    RepoType::Forks => r.fork,
                    RepoType::Sources => !r.fork,
                    RepoType::Member => self.repo_collaborators[i]
                        .iter()
                        .any(|(p, _)| *p == Person::Member(0)),
                }
            })
            .map(|i| i as u32)
            .collect();
        match sort {
            RepoSort::Created => {
                order.sort_by_key(|&i| (repos[i as usize].created_at_ms, repos[i as usize].id))
            }
            RepoSort::Updated => {
                order.sort_by_key(|&i| (repos[i as usize].updated_at_ms, repos[i as usize].id))
            }
            RepoSort::Pushed => {
                order.sort_by_key(|&i| (repos[i as usize].pushed_at_ms, repos[i as usize].id))
            }
            RepoSort::FullName => {
                order.sort_by_cached_key(|&i| repos[i as usize].name.to_lowercase())
            }
        }
        let order = Arc::new(order);
        cache.insert((ty, sort), Arc::clone(&order));
        order
    }
}
