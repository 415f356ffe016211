//! People (SQLite): accounts correlated across instances into one person each, keyset pages in
//! person-key order, and the analyst's links that override the rule.
//!
//! The rule ([`person_key`]): an account whose vendor reports an e-mail address belongs to the
//! person of that address (lower case); without one, a sign-in name shaped like an address (a
//! Microsoft Entra user principal name, but not a guest's `#EXT#` name) stands in; anything
//! else (a GitHub login with no public e-mail) is a person of its own, `app:login`, until the
//! analyst links it.

use crate::backend::{PeopleStore, TypedSettings};
use async_trait::async_trait;
use std::collections::HashMap;

use sqlx::{QueryBuilder, Sqlite};

use super::Store;
use crate::domain::investigate::{
    AccountKind, AccountStatus, Correlation, Person, PersonAccount, PersonFilter,
};
use crate::Result;

/// Setting that records that stored accounts got their person keys.
const PEOPLE_KEY: &str = "accounts.people";

/// The person an account belongs to by the rule, and why.
pub fn person_key(app: &str, login: &str, email: Option<&str>) -> (String, Correlation) {
    let address = |s: &str| {
        let s = s.trim();
        (s.len() > 2 && s.contains('@') && !s.contains("#EXT#") && !s.contains(char::is_whitespace))
            .then(|| s.to_lowercase())
    };
    if let Some(e) = email.and_then(address) {
        return (e, Correlation::Email);
    }
    if let Some(l) = address(login) {
        return (l, Correlation::SignInName);
    }
    (
        format!("{app}:{}", login.trim().to_lowercase()),
        Correlation::Alone,
    )
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    person: String,
    person_auto: Option<String>,
    linked: bool,
    instance_id: String,
    instance_name: String,
    app: String,
    external_id: String,
    login: String,
    display_name: Option<String>,
    email: Option<String>,
    kind: String,
    status: String,
    is_admin: bool,
    created_at_ms: Option<i64>,
    last_sign_in_ms: Option<i64>,
    last_activity_ms: Option<i64>,
    mfa: Option<bool>,
}

impl Store {
    /// Whether an instance or app filter should walk the people in key order (it holds a
    /// good share of the accounts: a page fills soon) rather than read its accounts by
    /// instance and sort their people (few accounts: a short sort). Decided from the counts
    /// kept at write time, never a count of the table.
    async fn walk_people_in_order(&self, f: &PersonFilter) -> Result<bool> {
        if f.instance_id.is_none() && f.app.is_none() {
            return Ok(true);
        }
        let (matched, total): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN (?1 IS NULL OR c.instance_id = ?1) \
                 AND (?2 IS NULL OR i.app = ?2) THEN c.accounts END), 0), \
             COALESCE(SUM(c.accounts), 0) \
             FROM record_counts c JOIN connector_instances i ON i.instance_id = c.instance_id",
        )
        .bind(f.instance_id.as_deref())
        .bind(f.app.as_deref())
        .fetch_one(&self.pool)
        .await?;
        Ok(matched.saturating_mul(20) >= total)
    }
}

#[async_trait]
impl PeopleStore for Store {
    async fn backfill_people(&self, now_ms: i64) -> Result<()> {
        if self.setting::<u32>(PEOPLE_KEY).await?.is_some() {
            return Ok(());
        }
        let rows: Vec<(String, String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT a.instance_id, a.external_id, i.app, a.login, a.email FROM accounts a \
             JOIN connector_instances i ON i.instance_id = a.instance_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut tx = self.write_tx().await?;
        for (instance, external, app, login, email) in &rows {
            let (key, _) = person_key(app, login, email.as_deref());
            sqlx::query(
                "UPDATE accounts SET person_auto = ?1, person = COALESCE((SELECT person FROM \
                 person_links l WHERE l.instance_id = ?2 AND l.external_id = ?3), ?1) \
                 WHERE instance_id = ?2 AND external_id = ?3",
            )
            .bind(&key)
            .bind(instance)
            .bind(external)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE accounts SET last_activity_ms = (SELECT max(a.occurred_at_ms) FROM activities a \
             WHERE a.actor = accounts.login COLLATE NOCASE AND a.instance_id = accounts.instance_id)",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.set_setting(PEOPLE_KEY, &1u32, now_ms).await
    }

    async fn people_page(
        &self,
        f: &PersonFilter,
        after: Option<&str>,
        limit: usize,
        now_ms: i64,
    ) -> Result<(Vec<Person>, Option<String>)> {
        let walk = self.walk_people_in_order(f).await?;
        let mut q = people_query(f, after, now_ms, walk, "");
        q.push(" LIMIT ")
            .push_bind(i64::try_from(limit + 1).unwrap_or(i64::MAX));
        let mut keys: Vec<String> = q.build_query_scalar().fetch_all(&self.pool).await?;
        let next = (keys.len() > limit).then(|| {
            keys.truncate(limit);
            keys.last().cloned().unwrap_or_default()
        });
        let people = self.people(&keys).await?;
        Ok((people, next))
    }

    async fn people(&self, keys: &[String]) -> Result<Vec<Person>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let list = serde_json::to_string(keys).unwrap_or_else(|_| "[]".into());
        let rows: Vec<AccountRow> = sqlx::query_as(
            "SELECT a.person, a.person_auto, l.person IS NOT NULL AS linked, a.instance_id, \
             i.name AS instance_name, i.app, a.external_id, a.login, a.display_name, a.email, \
             a.kind, a.status, a.is_admin, a.created_at_ms, a.last_sign_in_ms, a.last_activity_ms, a.mfa \
             FROM json_each(?1) k JOIN accounts a ON a.person = k.value \
             JOIN connector_instances i ON i.instance_id = a.instance_id \
             LEFT JOIN person_links l ON l.instance_id = a.instance_id AND l.external_id = a.external_id \
             ORDER BY a.person, i.app, i.name, a.login",
        )
        .bind(&list)
        .fetch_all(&self.pool)
        .await?;
        // Roles and groups of those accounts.
        let roles: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT DISTINCT p.instance_id, p.account_id, p.role FROM json_each(?1) k \
             JOIN accounts a ON a.person = k.value \
             JOIN privileges p ON p.instance_id = a.instance_id AND p.account_id = a.external_id \
             ORDER BY p.role",
        )
        .bind(&list)
        .fetch_all(&self.pool)
        .await?;
        let groups: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT DISTINCT m.instance_id, m.account_id, g.name FROM json_each(?1) k \
             JOIN accounts a ON a.person = k.value \
             JOIN group_memberships m ON m.instance_id = a.instance_id AND m.account_id = a.external_id \
             JOIN account_groups g ON g.instance_id = m.instance_id AND g.external_id = m.group_id \
             ORDER BY g.name",
        )
        .bind(&list)
        .fetch_all(&self.pool)
        .await?;
        let mut by_account: HashMap<(String, String), (Vec<String>, Vec<String>)> = HashMap::new();
        for (i, a, r) in roles {
            by_account.entry((i, a)).or_default().0.push(r);
        }
        for (i, a, g) in groups {
            by_account.entry((i, a)).or_default().1.push(g);
        }
        let mut people: HashMap<String, Person> = HashMap::new();
        for r in rows {
            let (rule_person, rule) = person_key(&r.app, &r.login, r.email.as_deref());
            let (roles, groups) = by_account
                .remove(&(r.instance_id.clone(), r.external_id.clone()))
                .unwrap_or_default();
            let account = PersonAccount {
                correlation: if r.linked { Correlation::Linked } else { rule },
                rule_person: r.person_auto.unwrap_or(rule_person),
                instance_id: r.instance_id,
                instance_name: r.instance_name,
                app: r.app,
                external_id: r.external_id,
                login: r.login,
                display_name: r.display_name,
                email: r.email,
                kind: AccountKind::parse(&r.kind),
                status: AccountStatus::parse(&r.status),
                is_admin: r.is_admin,
                roles,
                groups,
                mfa: r.mfa,
                created_at_ms: r.created_at_ms,
                last_sign_in_ms: r.last_sign_in_ms,
                last_activity_ms: r.last_activity_ms,
            };
            let p = people.entry(r.person.clone()).or_insert_with(|| Person {
                key: r.person.clone(),
                display_name: None,
                admin: false,
                external: false,
                apps: Vec::new(),
                last_active_ms: None,
                accounts: Vec::new(),
            });
            if p.display_name.is_none() {
                p.display_name.clone_from(&account.display_name);
            }
            p.admin |= account.is_admin;
            p.external |= account.kind == AccountKind::Guest;
            if !p.apps.contains(&account.app) {
                p.apps.push(account.app.clone());
            }
            p.last_active_ms = [
                p.last_active_ms,
                account.last_sign_in_ms,
                account.last_activity_ms,
            ]
            .into_iter()
            .flatten()
            .max();
            p.accounts.push(account);
        }
        Ok(keys.iter().filter_map(|k| people.remove(k)).collect())
    }

    async fn link_account(
        &self,
        instance_id: &str,
        external_id: &str,
        person: Option<&str>,
        now_ms: i64,
    ) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        match person {
            Some(p) => {
                sqlx::query(
                    "INSERT INTO person_links (instance_id, external_id, person, created_at_ms) \
                     VALUES (?, ?, ?, ?) ON CONFLICT (instance_id, external_id) DO UPDATE SET \
                     person = excluded.person, created_at_ms = excluded.created_at_ms",
                )
                .bind(instance_id)
                .bind(external_id)
                .bind(p)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM person_links WHERE instance_id = ? AND external_id = ?")
                    .bind(instance_id)
                    .bind(external_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let done = sqlx::query(
            "UPDATE accounts SET person = COALESCE((SELECT person FROM person_links l WHERE \
             l.instance_id = accounts.instance_id AND l.external_id = accounts.external_id), \
             person_auto) WHERE instance_id = ? AND external_id = ?",
        )
        .bind(instance_id)
        .bind(external_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn account_login(&self, instance_id: &str, external_id: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT login FROM accounts WHERE instance_id = ? AND external_id = ?",
        )
        .bind(instance_id)
        .bind(external_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn people_plan(&self, f: &PersonFilter, paged: bool) -> Result<Vec<String>> {
        let walk = self.walk_people_in_order(f).await?;
        let q = people_query(f, paged.then_some(""), 0, walk, "EXPLAIN QUERY PLAN ");
        self.plan_lines(q, false).await
    }
}

/// The people query: person keys in order after `after`, each person kept when any of their
/// accounts meets each filter. Admin and guest filters start from their partial indexes.
fn people_query(
    f: &PersonFilter,
    after: Option<&str>,
    now_ms: i64,
    walk: bool,
    prefix: &str,
) -> QueryBuilder<Sqlite> {
    // Walking: `+` keeps SQLite from reading the accounts by instance (then sorting them).
    let instance_col = if walk {
        "+a.instance_id"
    } else {
        "a.instance_id"
    };
    let mut q = QueryBuilder::<Sqlite>::new(prefix);
    q.push("SELECT a.person FROM accounts a");
    q.push(" WHERE a.person IS NOT NULL");
    if f.admins {
        q.push(" AND a.person IN (SELECT person FROM accounts WHERE is_admin = 1)");
    }
    if f.external {
        q.push(" AND a.person IN (SELECT person FROM accounts WHERE kind = 'guest')");
    }
    if f.without_mfa {
        q.push(" AND a.person IN (SELECT person FROM accounts WHERE mfa = 0)");
    }
    if let Some(v) = &f.instance_id {
        q.push(" AND ")
            .push(instance_col)
            .push(" = ")
            .push_bind(v.clone());
    }
    if let Some(v) = &f.app {
        q.push(" AND ")
            .push(instance_col)
            .push(" IN (SELECT instance_id FROM connector_instances WHERE app = ")
            .push_bind(v.clone())
            .push(")");
    }
    let text = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if let Some(t) = text.filter(|t| t.chars().count() >= 3) {
        // Three characters or more: the trigram index finds the accounts holding them (a
        // quoted string is a substring match, case folded; quotes doubled).
        q.push(" AND a.rowid IN (SELECT rowid FROM accounts_text WHERE accounts_text MATCH ")
            .push_bind(format!("\"{}\"", t.replace('"', "\"\"")))
            .push(")");
    } else if let Some(t) = text {
        let like = format!(
            "%{}%",
            t.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        q.push(" AND (a.login LIKE ")
            .push_bind(like.clone())
            .push(" ESCAPE '\\' OR a.display_name LIKE ")
            .push_bind(like.clone())
            .push(" ESCAPE '\\' OR a.email LIKE ")
            .push_bind(like)
            .push(" ESCAPE '\\')");
    }
    if let Some(k) = after {
        q.push(" AND a.person > ").push_bind(k.to_owned());
    }
    q.push(" GROUP BY a.person");
    if let Some(days) = f.inactive_days {
        let cutoff = now_ms.saturating_sub(i64::from(days) * 86_400_000);
        // Inactive: no account of theirs (of those the other filters keep) signed in or acted
        // since the cutoff; an account never seen active counts as inactive.
        q.push(
            " HAVING max(max(COALESCE(a.last_sign_in_ms, 0), COALESCE(a.last_activity_ms, 0))) < ",
        )
        .push_bind(cutoff);
    }
    q.push(" ORDER BY a.person");
    q
}
