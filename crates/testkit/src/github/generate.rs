//! Deterministic generation of a [`GithubTenant`] of any size.

use super::tenant::{
    AuditEvent, Collaborator, CredentialAuthorization, CredentialType, GithubTenant, Installation,
    Member, OrgRole, Permission, Plan, Repo, RepositorySelection, Team, TeamMember, TeamPrivacy,
    TeamRole, TwoFactor, Visibility,
};
use crate::common::rng::{Rng, ALNUM, BASE64URL, HEX};
use crate::common::time::{now_ms, DAY_MS};

/// How big a generated organisation is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSize {
    /// Organisation members, owners included (at least 1: `members[0]` owns the API token).
    pub members: usize,
    /// How many of the members are owners (at least 1).
    pub admins: usize,
    /// Outside collaborators.
    pub outside_collaborators: usize,
    /// Teams (about a third of them nested under an earlier team).
    pub teams: usize,
    /// Direct members of each team (capped at `members`).
    pub members_per_team: usize,
    /// Repositories.
    pub repos: usize,
    /// Direct member collaborators of each repository (outside collaborators come on top).
    pub collaborators_per_repo: usize,
    /// Audit-log events.
    pub audit_events: usize,
    /// The audit events are spread over this many days before generation time.
    pub audit_days: u32,
    /// GitHub App installations.
    pub installations: usize,
    /// SAML SSO credential authorizations.
    pub credential_authorizations: usize,
}

impl TenantSize {
    /// A small organisation for unit and integration tests: 25 members (3 owners),
    /// 4 outside collaborators, 4 teams of 6, 12 repositories with 3 collaborators each,
    /// 300 audit events over 10 days, 3 app installations, 5 credential authorizations.
    pub fn small() -> TenantSize {
        TenantSize {
            members: 25,
            admins: 3,
            outside_collaborators: 4,
            teams: 4,
            members_per_team: 6,
            repos: 12,
            collaborators_per_repo: 3,
            audit_events: 300,
            audit_days: 10,
            installations: 3,
            credential_authorizations: 5,
        }
    }

    /// A large organisation for benchmarks: 10 000 members (25 owners), 500 outside
    /// collaborators, 1 000 teams of 15, 50 000 repositories with 3 collaborators each,
    /// 200 000 audit events over 30 days, 40 installations, 2 000 credential authorizations.
    pub fn benchmark() -> TenantSize {
        TenantSize {
            members: 10_000,
            admins: 25,
            outside_collaborators: 500,
            teams: 1_000,
            members_per_team: 15,
            repos: 50_000,
            collaborators_per_repo: 3,
            audit_events: 200_000,
            audit_days: 30,
            installations: 40,
            credential_authorizations: 2_000,
        }
    }
}

const FIRST: &[&str] = &[
    "ada",
    "alan",
    "grace",
    "linus",
    "margaret",
    "ken",
    "barbara",
    "dennis",
    "frances",
    "edsger",
    "radia",
    "tim",
    "hedy",
    "john",
    "katherine",
    "donald",
    "shafi",
    "leslie",
    "sophie",
    "niklaus",
];
const LAST: &[&str] = &[
    "lovelace",
    "turing",
    "hopper",
    "torvalds",
    "hamilton",
    "thompson",
    "liskov",
    "ritchie",
    "allen",
    "dijkstra",
    "perlman",
    "berners",
    "lamarr",
    "backus",
    "johnson",
    "knuth",
    "goldwasser",
    "lamport",
    "wilson",
    "wirth",
];
const AREAS: &[&str] = &[
    "Platform", "Payments", "Security", "Mobile", "Data", "Identity", "Search", "Billing", "Infra",
    "Growth", "Design", "Support",
];
const KINDS: &[&str] = &["Engineering", "Reviewers", "Oncall", "Admins", "Readers"];
const REPO_A: &[&str] = &[
    "payments", "auth", "search", "billing", "infra", "web", "mobile", "data", "ml", "docs",
    "gateway", "ledger", "notify", "catalog", "reports", "sdk",
];
const REPO_B: &[&str] = &[
    "api",
    "service",
    "ui",
    "worker",
    "terraform",
    "lib",
    "cli",
    "pipeline",
];
const COUNTRIES: &[&str] = &[
    "United States",
    "Germany",
    "India",
    "United Kingdom",
    "Brazil",
    "Japan",
    "France",
    "Canada",
];
const SCOPES: &[&str] = &[
    "repo",
    "read:org",
    "workflow",
    "gist",
    "read:user",
    "admin:org",
];

#[derive(Clone, Copy)]
enum Subject {
    Org,
    User,
    Team,
    TeamUser,
    Repo,
    RepoUser,
    Git,
}

/// (action, operation_type, weight, what the event is about).
const ACTIONS: &[(&str, &str, u64, Subject)] = &[
    ("org.add_member", "create", 4, Subject::User),
    ("org.remove_member", "remove", 2, Subject::User),
    ("org.update_member", "modify", 2, Subject::User),
    ("org.invite_member", "create", 3, Subject::User),
    ("org.oauth_app_access_approved", "access", 1, Subject::Org),
    (
        "org.update_default_repository_permission",
        "modify",
        1,
        Subject::Org,
    ),
    (
        "org_credential_authorization.grant",
        "authentication",
        3,
        Subject::User,
    ),
    (
        "personal_access_token.access_granted",
        "access",
        2,
        Subject::User,
    ),
    ("integration_installation.create", "create", 1, Subject::Org),
    ("team.create", "create", 1, Subject::Team),
    ("team.add_member", "modify", 5, Subject::TeamUser),
    ("team.remove_member", "modify", 2, Subject::TeamUser),
    ("repo.create", "create", 4, Subject::Repo),
    ("repo.destroy", "remove", 1, Subject::Repo),
    ("repo.access", "modify", 2, Subject::Repo),
    ("repo.add_member", "create", 4, Subject::RepoUser),
    ("repo.remove_member", "remove", 2, Subject::RepoUser),
    ("repo.download_zip", "access", 3, Subject::Repo),
    ("protected_branch.destroy", "remove", 1, Subject::Repo),
    ("hook.create", "create", 1, Subject::Repo),
    ("git.clone", "access", 12, Subject::Git),
    ("git.fetch", "access", 8, Subject::Git),
    ("git.push", "modify", 8, Subject::Git),
];

/// (app_slug, permissions, events).
type AppTemplate = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
);
const APPS: &[AppTemplate] = &[
    (
        "slack",
        &[
            ("issues", "read"),
            ("metadata", "read"),
            ("pull_requests", "read"),
        ],
        &["issues", "pull_request"],
    ),
    (
        "codecov",
        &[
            ("checks", "write"),
            ("contents", "read"),
            ("metadata", "read"),
        ],
        &["check_run", "push"],
    ),
    (
        "renovate",
        &[
            ("contents", "write"),
            ("pull_requests", "write"),
            ("metadata", "read"),
        ],
        &["push", "pull_request"],
    ),
    (
        "vercel",
        &[
            ("deployments", "write"),
            ("contents", "read"),
            ("metadata", "read"),
        ],
        &["deployment", "push"],
    ),
    (
        "snyk",
        &[
            ("contents", "read"),
            ("metadata", "read"),
            ("security_events", "write"),
        ],
        &["push"],
    ),
    (
        "linear",
        &[
            ("issues", "write"),
            ("pull_requests", "read"),
            ("metadata", "read"),
        ],
        &["issues", "pull_request"],
    ),
    (
        "jira-software",
        &[
            ("contents", "read"),
            ("members", "read"),
            ("metadata", "read"),
        ],
        &["push", "create"],
    ),
    (
        "sentry",
        &[
            ("administration", "write"),
            ("contents", "read"),
            ("metadata", "read"),
        ],
        &["push"],
    ),
];

fn node_id(kind: &str, id: u64) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{kind}{id}"))
}

pub(crate) fn user_node_id(id: u64) -> String {
    node_id("04:User", id)
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn person(rng: &mut Rng, id: u64, login: String, name: String, role: OrgRole, now: i64) -> Member {
    let two_factor = match rng.below(100) {
        0..=3 => TwoFactor::Disabled,
        4..=9 => TwoFactor::Insecure,
        _ => TwoFactor::Secure,
    };
    let email = rng.chance(50).then(|| format!("{login}@example.com"));
    Member {
        id,
        node_id: user_node_id(id),
        login,
        name,
        email,
        role,
        site_admin: false,
        two_factor,
        created_at_ms: now
            - (200 + rng.below(4000) as i64) * DAY_MS
            - rng.below(DAY_MS as u64) as i64,
    }
}

fn permission(rng: &mut Rng) -> Permission {
    match rng.below(100) {
        0..=29 => Permission::Pull,
        30..=39 => Permission::Triage,
        40..=79 => Permission::Push,
        80..=89 => Permission::Maintain,
        _ => Permission::Admin,
    }
}

impl GithubTenant {
    /// A deterministic organisation named `org` (same `seed` and `size`, same people, teams,
    /// repositories, events and ids). Times are laid out backwards from now, so that
    /// back-fills ("the last 7 days") and GitHub's default 3-month audit-log window find them;
    /// use [`GithubTenant::generate_at`] for byte-identical output across runs.
    ///
    /// The plan is [`Plan::EnterpriseCloud`] with SAML enforced; change `plan` and
    /// `saml_enforced` to model Free or Team organisations.
    pub fn generate(org: &str, seed: u64, size: &TenantSize) -> GithubTenant {
        GithubTenant::generate_at(org, seed, size, now_ms())
    }

    /// [`GithubTenant::generate`] with the generation time given in unix milliseconds.
    pub fn generate_at(org: &str, seed: u64, size: &TenantSize, now_ms: i64) -> GithubTenant {
        let mut rng = Rng::new(seed);
        let org_id = 1_000_000 + rng.below(90_000_000);
        let org_created = now_ms - (1500 + rng.below(2000) as i64) * DAY_MS;
        let plan = Plan::EnterpriseCloud;

        // People.
        let n_members = size.members.max(1);
        let n_admins = size.admins.clamp(1, n_members);
        let user_base = 5_000_000 + rng.below(50_000_000);
        let mut admin_at = vec![false; n_members];
        admin_at[0] = true;
        for i in rng.sample(n_members - 1, n_admins - 1) {
            admin_at[i + 1] = true;
        }
        let mut members = Vec::with_capacity(n_members);
        for (i, admin) in admin_at.iter().enumerate() {
            let (first, last) = (FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()]);
            let role = if *admin {
                OrgRole::Admin
            } else {
                OrgRole::Member
            };
            let name = format!("{} {}", capitalize(first), capitalize(last));
            let m = person(
                &mut rng,
                user_base + i as u64,
                format!("{first}-{last}{i}"),
                name,
                role,
                now_ms,
            );
            members.push(m);
        }
        let mut outside_collaborators = Vec::with_capacity(size.outside_collaborators);
        for i in 0..size.outside_collaborators {
            let (first, last) = (FIRST[(i * 7) % FIRST.len()], LAST[(i * 3) % LAST.len()]);
            let id = user_base + (n_members + i) as u64;
            let name = format!("{first} {last} (contractor)");
            outside_collaborators.push(person(
                &mut rng,
                id,
                format!("ext-{first}{last}{i}"),
                name,
                OrgRole::Member,
                now_ms,
            ));
        }

        // Teams.
        let team_base = 2_000_000 + rng.below(10_000_000);
        let mut teams: Vec<Team> = Vec::with_capacity(size.teams);
        let combos = AREAS.len() * KINDS.len();
        for i in 0..size.teams {
            let mut name = format!(
                "{} {}",
                AREAS[i % AREAS.len()],
                KINDS[(i / AREAS.len()) % KINDS.len()]
            );
            if i >= combos {
                name.push_str(&format!(" {}", i / combos + 1));
            }
            let slug = name.to_lowercase().replace(' ', "-");
            let parent = (i >= 2 && rng.chance(30)).then(|| teams[rng.index(i)].slug.clone());
            let privacy = if rng.chance(85) {
                TeamPrivacy::Closed
            } else {
                TeamPrivacy::Secret
            };
            let picked = rng.sample(n_members, size.members_per_team);
            let team_members = picked
                .iter()
                .enumerate()
                .map(|(k, &m)| TeamMember {
                    login: members[m].login.clone(),
                    role: if k == 0 || rng.chance(10) {
                        TeamRole::Maintainer
                    } else {
                        TeamRole::Member
                    },
                })
                .collect();
            let id = team_base + i as u64;
            teams.push(Team {
                id,
                node_id: node_id("04:Team", id),
                description: format!("{name} at {org}"),
                name,
                slug,
                privacy,
                parent,
                members: team_members,
            });
        }

        // Repositories.
        let repo_base = 100_000_000 + rng.below(500_000_000);
        let names = REPO_A.len() * REPO_B.len();
        let mut repos = Vec::with_capacity(size.repos);
        for i in 0..size.repos {
            let mut name = format!(
                "{}-{}",
                REPO_A[i % REPO_A.len()],
                REPO_B[(i / REPO_A.len()) % REPO_B.len()]
            );
            if i >= names {
                name.push_str(&format!("-{}", i / names + 1));
            }
            let roll = rng.below(100);
            let visibility = match plan {
                Plan::EnterpriseCloud if roll < 20 => Visibility::Public,
                Plan::EnterpriseCloud if roll < 50 => Visibility::Internal,
                _ if roll < 35 => Visibility::Public,
                _ => Visibility::Private,
            };
            let created = org_created + rng.below((now_ms - org_created).max(1) as u64) as i64;
            let updated = created + rng.below((now_ms - created).max(1) as u64) as i64;
            let pushed = created + rng.below((now_ms - created).max(1) as u64) as i64;
            let picked = rng.sample(n_members, size.collaborators_per_repo);
            let collaborators = picked
                .into_iter()
                .map(|m| Collaborator {
                    login: members[m].login.clone(),
                    permission: permission(&mut rng),
                })
                .collect();
            let id = repo_base + i as u64;
            repos.push(Repo {
                id,
                node_id: node_id("010:Repository", id),
                description: rng.chance(80).then(|| format!("The {name} of {org}")),
                name,
                visibility,
                fork: rng.chance(5),
                archived: rng.chance(5),
                default_branch: if rng.chance(85) { "main" } else { "master" }.to_owned(),
                created_at_ms: created,
                updated_at_ms: updated,
                pushed_at_ms: pushed,
                collaborators,
            });
        }
        if !repos.is_empty() {
            for (j, o) in outside_collaborators.iter().enumerate() {
                let perm = if rng.chance(60) {
                    Permission::Push
                } else {
                    Permission::Pull
                };
                let n = repos.len();
                repos[j % n].collaborators.push(Collaborator {
                    login: o.login.clone(),
                    permission: perm,
                });
            }
        }

        // Audit log.
        let total_weight: u64 = ACTIONS.iter().map(|a| a.2).sum();
        let admins: Vec<usize> = (0..n_members).filter(|&i| admin_at[i]).collect();
        let span = (i64::from(size.audit_days.max(1)) * DAY_MS) as u64;
        let mut audit_events = Vec::with_capacity(size.audit_events);
        for _ in 0..size.audit_events {
            let ts = now_ms - 1 - rng.below(span) as i64;
            let mut w = rng.below(total_weight);
            let mut chosen = ACTIONS[0];
            for a in ACTIONS {
                if w < a.2 {
                    chosen = *a;
                    break;
                }
                w -= a.2;
            }
            let (action, op, _, subject) = chosen;
            let actor = match subject {
                Subject::Org | Subject::Team | Subject::TeamUser | Subject::User => {
                    &members[*rng.pick(&admins)]
                }
                _ => &members[rng.index(n_members)],
            };
            let mut e = AuditEvent {
                document_id: rng.string(BASE64URL, 22),
                timestamp_ms: ts,
                created_at_ms: ts,
                action: action.to_owned(),
                actor: actor.login.clone(),
                actor_id: actor.id,
                user: None,
                user_id: None,
                org: org.to_owned(),
                org_id,
                repo: None,
                team: None,
                visibility: None,
                operation_type: op.to_owned(),
                country: Some((*rng.pick(COUNTRIES)).to_owned()),
                transport_protocol_name: None,
            };
            if matches!(
                subject,
                Subject::User | Subject::TeamUser | Subject::RepoUser
            ) {
                let u = &members[rng.index(n_members)];
                e.user = Some(u.login.clone());
                e.user_id = Some(u.id);
            }
            if matches!(subject, Subject::Team | Subject::TeamUser) && !teams.is_empty() {
                e.team = Some(format!("{org}/{}", teams[rng.index(teams.len())].slug));
            }
            if matches!(subject, Subject::Repo | Subject::RepoUser | Subject::Git)
                && !repos.is_empty()
            {
                let r: &Repo = &repos[rng.index(repos.len())];
                e.repo = Some(format!("{org}/{}", r.name));
                e.visibility = Some(r.visibility.as_str().to_owned());
            }
            if matches!(subject, Subject::Git) {
                e.transport_protocol_name =
                    Some(if rng.chance(70) { "http" } else { "ssh" }.to_owned());
            }
            audit_events.push(e);
        }
        audit_events.sort_by(|a, b| {
            (a.timestamp_ms, &a.document_id).cmp(&(b.timestamp_ms, &b.document_id))
        });

        // App installations.
        let installation_base = 30_000_000 + rng.below(10_000_000);
        let mut installations = Vec::with_capacity(size.installations);
        for i in 0..size.installations {
            let (slug, perms, events) = APPS[i % APPS.len()];
            let app_slug = if i < APPS.len() {
                slug.to_owned()
            } else {
                format!("{slug}-{}", i / APPS.len() + 1)
            };
            let created = now_ms - rng.below(700 * DAY_MS as u64) as i64 - DAY_MS;
            installations.push(Installation {
                id: installation_base + i as u64,
                app_id: 10_000 + rng.below(900_000),
                app_slug,
                client_id: format!("Iv1.{}", rng.string(HEX, 16)),
                repository_selection: if rng.chance(50) {
                    RepositorySelection::All
                } else {
                    RepositorySelection::Selected
                },
                permissions: perms
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                events: events.iter().map(|e| (*e).to_owned()).collect(),
                created_at_ms: created,
                updated_at_ms: created + rng.below((now_ms - created) as u64) as i64,
                suspended_at_ms: rng
                    .chance(10)
                    .then(|| now_ms - rng.below(DAY_MS as u64 * 30) as i64),
            });
        }

        // SAML SSO credential authorizations.
        let mut credential_authorizations = Vec::with_capacity(size.credential_authorizations);
        for i in 0..size.credential_authorizations {
            let who = &members[rng.index(n_members)];
            let kind = match rng.below(4) {
                0 => CredentialType::PersonalAccessToken,
                1 => CredentialType::SshKey,
                2 => CredentialType::OAuthAppToken,
                _ => CredentialType::GitHubAppToken,
            };
            let is_key = kind == CredentialType::SshKey;
            let authorized = now_ms - rng.below(400 * DAY_MS as u64) as i64 - DAY_MS;
            let scopes = if is_key {
                Vec::new()
            } else {
                let k = 1 + rng.index(3);
                rng.sample(SCOPES.len(), k)
                    .into_iter()
                    .map(|s| SCOPES[s].to_owned())
                    .collect()
            };
            credential_authorizations.push(CredentialAuthorization {
                login: who.login.clone(),
                credential_id: 1_000 + i as u64,
                credential_type: kind,
                token_last_eight: (!is_key).then(|| rng.string(ALNUM, 8)),
                credential_authorized_at_ms: authorized,
                credential_accessed_at_ms: rng
                    .chance(80)
                    .then(|| authorized + rng.below((now_ms - authorized) as u64) as i64),
                scopes,
                fingerprint: is_key.then(|| format!("SHA256:{}", rng.string(ALNUM, 43))),
                authorized_credential_id: Some(40_000_000 + rng.below(900_000_000)),
                authorized_credential_title: is_key.then(|| format!("{}'s laptop", who.login)),
                authorized_credential_note: (kind == CredentialType::PersonalAccessToken)
                    .then(|| "ci token".to_owned()),
                authorized_credential_expires_at_ms: (kind == CredentialType::PersonalAccessToken)
                    .then(|| now_ms + (30 + rng.below(60) as i64) * DAY_MS),
            });
        }

        GithubTenant {
            org: org.to_owned(),
            id: org_id,
            name: format!("{org} Inc."),
            created_at_ms: org_created,
            plan,
            saml_enforced: true,
            two_factor_requirement_enabled: false,
            members,
            outside_collaborators,
            teams,
            repos,
            audit_events,
            installations,
            credential_authorizations,
        }
    }
}
