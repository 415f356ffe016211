//! Connector instances, cursors, scan runs and the normalized records. A page of records and
//! the cursor after it are written in one transaction.

use crate::backend::ConnectorStore;
use async_trait::async_trait;
use std::collections::HashMap;

use cloudwarden_connectors::model::Records;
use cloudwarden_connectors::normalize::{self, Outcome};

use sqlx::{QueryBuilder, Sqlite};

use super::people::person_key;
use super::Store;
use crate::domain::connectors::{InstanceStatus, RunStatus};
use crate::Result;

/// A connected instance as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InstanceRow {
    #[sqlx(rename = "instance_id")]
    pub id: String,
    pub app: String,
    pub name: String,
    /// JSON of its settings (never secrets).
    pub config: String,
    pub status: InstanceStatus,
    pub status_detail: Option<String>,
    /// JSON of the last permissions scan.
    pub permissions: Option<String>,
    pub activities_every_s: i64,
    pub full_every_s: i64,
    pub created_at_ms: i64,
    pub last_scan_at_ms: Option<i64>,
}

/// The newest finished scan of an instance (see [`Store::last_run`]).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RunRow {
    pub status: RunStatus,
    pub started_at_ms: i64,
    pub finished_at_ms: Option<i64>,
    /// JSON: the result of each phase.
    pub phases: String,
    pub requests: i64,
    pub retries: i64,
    pub throttles: i64,
    pub error: Option<String>,
}

const INSTANCE_COLUMNS: &str = "instance_id, app, name, config, status, status_detail, permissions, activities_every_s, full_every_s, created_at_ms, last_scan_at_ms";

/// Record counts of an instance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordCounts {
    pub accounts: i64,
    pub groups: i64,
    pub memberships: i64,
    pub privileges: i64,
    pub activities: i64,
    pub files: i64,
    pub oauth_grants: i64,
}

/// Rows per multi-row statement (13 columns × 256 stays far below SQLite's variable limit).
const CHUNK: usize = 256;

/// `items` as statements of fixed sizes — full chunks of [`CHUNK`] rows, then the rest in
/// powers of two — so that a table has a handful of statement shapes, each prepared once and
/// then reused from the connection's statement cache.
fn shaped<T>(items: &[T]) -> impl Iterator<Item = &[T]> {
    let mut rest = items;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let n = rest.len().min(CHUNK);
        let (head, tail) = rest.split_at(1 << n.ilog2());
        rest = tail;
        Some(head)
    })
}

/// The items with distinct keys, the last of each (one statement may not upsert a row twice).
fn last_per_key<T, K: std::hash::Hash + Eq>(items: &[T], key: impl Fn(&T) -> K) -> Vec<&T> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<&T> = items.iter().rev().filter(|i| seen.insert(key(i))).collect();
    out.reverse();
    out
}

#[async_trait]
impl ConnectorStore for Store {
    async fn insert_instance(
        &self,
        id: &str,
        app: &str,
        name: &str,
        config: &str,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO connector_instances (instance_id, app, name, config, status, created_at_ms)
             VALUES (?, ?, ?, ?, 'connecting', ?)",
        )
        .bind(id)
        .bind(app)
        .bind(name)
        .bind(config)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn instances(&self) -> Result<Vec<InstanceRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {INSTANCE_COLUMNS} FROM connector_instances ORDER BY app, name"
        )))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn instance(&self, id: &str) -> Result<Option<InstanceRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {INSTANCE_COLUMNS} FROM connector_instances WHERE instance_id = ?"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn delete_instance(&self, id: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("DELETE FROM connector_instances WHERE instance_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        // The deleted activities may have held the highest rowids, which SQLite then hands out
        // again: no evaluation mark may stay above the highest one left, or new activities
        // would pass for evaluated ones.
        sqlx::query(
            "UPDATE evaluation_marks SET activity_rowid = \
             MIN(activity_rowid, (SELECT COALESCE(MAX(rowid), 0) FROM activities))",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn set_instance_status(
        &self,
        id: &str,
        status: InstanceStatus,
        detail: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE connector_instances SET status = ?, status_detail = ? WHERE instance_id = ?",
        )
        .bind(status)
        .bind(detail)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn set_schedule(
        &self,
        id: &str,
        activities_every_s: i64,
        full_every_s: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE connector_instances SET activities_every_s = ?, full_every_s = ? WHERE instance_id = ?",
        )
        .bind(activities_every_s)
        .bind(full_every_s)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn set_instance_permissions(&self, id: &str, permissions: &str) -> Result<()> {
        sqlx::query("UPDATE connector_instances SET permissions = ? WHERE instance_id = ?")
            .bind(permissions)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn set_scan_progress(&self, id: &str, detail: &str) -> Result<()> {
        sqlx::query(
            "UPDATE connector_instances SET status_detail = ? WHERE instance_id = ? AND status = 'scanning'",
        )
        .bind(detail)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn set_instance_config(&self, id: &str, config: &str) -> Result<()> {
        sqlx::query("UPDATE connector_instances SET config = ? WHERE instance_id = ?")
            .bind(config)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn set_last_scan(&self, id: &str, at_ms: i64) -> Result<()> {
        sqlx::query("UPDATE connector_instances SET last_scan_at_ms = ? WHERE instance_id = ?")
            .bind(at_ms)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn cursor(&self, id: &str, resource: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT value FROM connector_cursors WHERE instance_id = ? AND resource = ?",
        )
        .bind(id)
        .bind(resource)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn set_cursor(
        &self,
        id: &str,
        resource: &str,
        value: Option<&str>,
        now_ms: i64,
    ) -> Result<()> {
        set_cursor(
            &mut *self.pool.acquire().await?,
            id,
            resource,
            value,
            now_ms,
        )
        .await
    }

    async fn store_page(
        &self,
        id: &str,
        records: &Records,
        cursor: (&str, Option<&str>),
        now_ms: i64,
    ) -> Result<()> {
        self.store_pages(id, &[(records, cursor.1)], cursor.0, None, None, now_ms)
            .await
    }

    async fn store_pages(
        &self,
        id: &str,
        pages: &[(&Records, Option<&str>)],
        resource: &str,
        kept: Option<(&str, &str)>,
        progress: Option<&str>,
        now_ms: i64,
    ) -> Result<()> {
        let mut bulk = self.bulk.lock().await;
        if self.pool.is_closed() {
            // Closed meanwhile (the app is quitting): no connection is opened again.
            return Err(crate::Error::Task("the store is closed".into()));
        }
        if bulk.is_none() {
            *bulk = Some(
                <sqlx::SqliteConnection as sqlx::Connection>::connect_with(
                    // A 64 MB page cache for the one bulk writer: each write inserts into the
                    // log's indexes at random places, and pages it must read back from the
                    // file cost most of a write (measured, docs/benchmarks.md).
                    &self.options.clone().pragma("cache_size", "-65536"),
                )
                .await?,
            );
        }
        let Some(conn) = bulk.as_mut() else {
            return Err(crate::Error::Task("no bulk-write connection".into()));
        };
        let mut tx = sqlx::Connection::begin_with(conn, super::IMMEDIATE).await?;
        // The connector app: its mapping categorises the activities, it names accounts alone.
        let app: Option<String> = if pages
            .iter()
            .any(|(r, _)| !r.activities.is_empty() || !r.accounts.is_empty())
        {
            sqlx::query_scalar("SELECT app FROM connector_instances WHERE instance_id = ?")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
        } else {
            None
        };
        let app = app.unwrap_or_default();
        // Rows this write adds to the activity log get rowids above the current largest: the
        // text index takes them in one statement afterwards (0019_activities_text_bulk.sql).
        let activities = pages.iter().any(|(r, _)| !r.activities.is_empty());
        let indexed: i64 = if activities {
            sqlx::query_scalar("SELECT COALESCE(max(rowid), 0) FROM activities")
                .fetch_one(&mut *tx)
                .await?
        } else {
            0
        };
        for (records, _) in pages {
            insert_records(&mut tx, id, &app, records, now_ms).await?;
        }
        if activities {
            sqlx::query(
                "INSERT INTO activities_fts (rowid, actor, action, target) \
                 SELECT rowid, actor, action, target FROM activities WHERE rowid > ?",
            )
            .bind(indexed)
            .execute(&mut *tx)
            .await?;
        }
        if let Some((_, cursor)) = pages.last() {
            set_cursor(&mut tx, id, resource, *cursor, now_ms).await?;
        }
        if let Some((key, value)) = kept {
            set_cursor(&mut tx, id, key, Some(value), now_ms).await?;
        }
        if let Some(detail) = progress {
            sqlx::query(
                "UPDATE connector_instances SET status_detail = ? WHERE instance_id = ? AND status = 'scanning'",
            )
            .bind(detail)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.wal_written();
        Ok(())
    }

    async fn record_counts(&self, id: &str) -> Result<RecordCounts> {
        // Kept at write time (0022_record_counts.sql): one row, never a count of the tables.
        let (accounts, groups, memberships, privileges, activities, files, oauth_grants): (
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
        ) = sqlx::query_as(
            "SELECT accounts, groups, memberships, privileges, activities, files, oauth_grants \
             FROM record_counts WHERE instance_id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .unwrap_or_default();
        Ok(RecordCounts {
            accounts,
            groups,
            memberships,
            privileges,
            activities,
            files,
            oauth_grants,
        })
    }

    async fn newest_activity_ms(&self, id: &str) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT MAX(occurred_at_ms) FROM activities WHERE instance_id = ?")
                .bind(id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn last_run(&self, id: &str) -> Result<Option<RunRow>> {
        Ok(sqlx::query_as(
            "SELECT status, started_at_ms, finished_at_ms, phases, requests, retries, throttles, error
             FROM scan_runs WHERE instance_id = ? AND status <> 'running'
             ORDER BY started_at_ms DESC LIMIT 1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn start_run(&self, run_id: &str, id: &str, now_ms: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO scan_runs (run_id, instance_id, started_at_ms, status, phases) VALUES (?, ?, ?, 'running', '{}')",
        )
        .bind(run_id)
        .bind(id)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn finish_run(
        &self,
        run_id: &str,
        status: RunStatus,
        phases: &str,
        counters: (i64, i64, i64),
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE scan_runs SET finished_at_ms = ?, status = ?, phases = ?, requests = ?, retries = ?, throttles = ?, error = ?
             WHERE run_id = ?",
        )
        .bind(now_ms)
        .bind(status)
        .bind(phases)
        .bind(counters.0)
        .bind(counters.1)
        .bind(counters.2)
        .bind(error)
        .bind(run_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn list_records(
        &self,
        table: RecordTable,
        instance: Option<&str>,
        limit: i64,
    ) -> Result<Vec<serde_json::Value>> {
        let (sql_table, columns, order) = match table {
            RecordTable::Accounts => ("accounts", "'instance_id', instance_id, 'external_id', external_id, 'login', login, 'display_name', display_name, 'email', email, 'kind', kind, 'status', status, 'is_admin', json(CASE WHEN is_admin = 1 THEN 'true' ELSE 'false' END), 'created_at_ms', created_at_ms, 'last_sign_in_ms', last_sign_in_ms, 'last_seen_ms', last_seen_ms, 'mfa', json(CASE mfa WHEN 1 THEN 'true' WHEN 0 THEN 'false' ELSE 'null' END)", "login"),
            RecordTable::Activities => ("activities", "'instance_id', instance_id, 'event_id', event_id, 'occurred_at_ms', occurred_at_ms, 'actor', actor, 'action', action, 'target', target, 'ip', ip, 'user_agent', user_agent, 'outcome', outcome, 'category', category", "occurred_at_ms DESC"),
            RecordTable::Files => ("files", "'instance_id', instance_id, 'external_id', external_id, 'name', name, 'url', url, 'owner', owner, 'sharing', sharing, 'modified_at_ms', modified_at_ms, 'collaborators', (SELECT json_group_array(json_object('account', c.account, 'permission', c.permission, 'external', json(CASE WHEN c.external = 1 THEN 'true' ELSE 'false' END))) FROM file_collaborators c WHERE c.instance_id = files.instance_id AND c.file_id = files.external_id)", "name"),
            RecordTable::Privileges => ("privileges", "'instance_id', instance_id, 'account_id', account_id, 'role', role, 'scope', scope, 'last_seen_ms', last_seen_ms", "role"),
            RecordTable::OauthGrants => ("oauth_grants", "'instance_id', instance_id, 'external_id', external_id, 'kind', kind, 'app_name', app_name, 'app_id', app_id, 'principal', principal, 'scopes', json(scopes), 'granted_at_ms', granted_at_ms, 'first_seen_ms', first_seen_ms, 'last_seen_ms', last_seen_ms", "app_name"),
        };
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT json_object({columns}) FROM {sql_table} WHERE (?1 IS NULL OR instance_id = ?1) ORDER BY {order} LIMIT ?2"
        )))
        .bind(instance)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .filter_map(|r| serde_json::from_str(r).ok())
            .collect())
    }
}

/// The rows of one page, written with multi-row statements (one per table and chunk).
async fn insert_records(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    id: &str,
    app: &str,
    records: &Records,
    now_ms: i64,
) -> Result<()> {
    {
        for chunk in shaped(&last_per_key(&records.accounts, |a| a.external_id.clone())) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO accounts (instance_id, external_id, login, display_name, email, kind, status, is_admin,
                   created_at_ms, last_sign_in_ms, raw, first_seen_ms, last_seen_ms, person_auto, person, mfa) ",
            );
            q.push_values(chunk, |mut b, a| {
                // The person by the rule; an analyst's link (below) overrides it.
                let (person, _) = person_key(app, &a.login, a.email.as_deref());
                b.push_bind(id)
                    .push_bind(&a.external_id)
                    .push_bind(&a.login)
                    .push_bind(&a.display_name)
                    .push_bind(&a.email)
                    .push_bind(&a.kind)
                    .push_bind(&a.status)
                    .push_bind(a.is_admin)
                    .push_bind(a.created_at_ms)
                    .push_bind(a.last_sign_in_ms)
                    .push_bind(a.raw.as_str())
                    .push_bind(now_ms)
                    .push_bind(now_ms)
                    .push_bind(person.clone())
                    .push_bind(person)
                    .push_bind(a.mfa);
            });
            q.push(
                " ON CONFLICT (instance_id, external_id) DO UPDATE SET login = excluded.login,
                   display_name = excluded.display_name, email = excluded.email, kind = excluded.kind,
                   status = excluded.status, is_admin = excluded.is_admin, created_at_ms = excluded.created_at_ms,
                   last_sign_in_ms = COALESCE(excluded.last_sign_in_ms, last_sign_in_ms), raw = excluded.raw,
                   last_seen_ms = excluded.last_seen_ms, person_auto = excluded.person_auto,
                   mfa = COALESCE(excluded.mfa, mfa),
                   person = COALESCE((SELECT l.person FROM person_links l WHERE l.instance_id = accounts.instance_id
                     AND l.external_id = accounts.external_id), excluded.person_auto)",
            );
            q.build().execute(&mut **tx).await?;
        }
        for chunk in shaped(&last_per_key(&records.groups, |g| g.external_id.clone())) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO account_groups (instance_id, external_id, name, description, kind, raw, last_seen_ms) ",
            );
            q.push_values(chunk, |mut b, g| {
                b.push_bind(id)
                    .push_bind(&g.external_id)
                    .push_bind(&g.name)
                    .push_bind(&g.description)
                    .push_bind(&g.kind)
                    .push_bind(g.raw.as_str())
                    .push_bind(now_ms);
            });
            q.push(
                " ON CONFLICT (instance_id, external_id) DO UPDATE SET name = excluded.name,
                   description = excluded.description, kind = excluded.kind, raw = excluded.raw,
                   last_seen_ms = excluded.last_seen_ms",
            );
            q.build().execute(&mut **tx).await?;
        }
        for chunk in shaped(&last_per_key(&records.memberships, |m| {
            (m.group_id.clone(), m.account_id.clone())
        })) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO group_memberships (instance_id, group_id, account_id, role, last_seen_ms) ",
            );
            q.push_values(chunk, |mut b, m| {
                b.push_bind(id)
                    .push_bind(&m.group_id)
                    .push_bind(&m.account_id)
                    .push_bind(&m.role)
                    .push_bind(now_ms);
            });
            q.push(
                " ON CONFLICT (instance_id, group_id, account_id) DO UPDATE SET role = excluded.role,
                   last_seen_ms = excluded.last_seen_ms",
            );
            q.build().execute(&mut **tx).await?;
        }
        for chunk in shaped(&last_per_key(&records.privileges, |p| {
            (p.account_id.clone(), p.role.clone(), p.scope.clone())
        })) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO privileges (instance_id, account_id, role, scope, raw, last_seen_ms) ",
            );
            q.push_values(chunk, |mut b, p| {
                b.push_bind(id)
                    .push_bind(&p.account_id)
                    .push_bind(&p.role)
                    .push_bind(&p.scope)
                    .push_bind(p.raw.as_str())
                    .push_bind(now_ms);
            });
            q.push(
                " ON CONFLICT (instance_id, account_id, role, scope) DO UPDATE SET raw = excluded.raw,
                   last_seen_ms = excluded.last_seen_ms",
            );
            q.build().execute(&mut **tx).await?;
        }
        // Each event in the one vocabulary of the activity log: its category (from the
        // connector's mapping of its action) and outcome; the vendor's words stay in `raw`.
        // Rows the insert added (re-read overlaps add none): the instance's count grows by them.
        let mut added = 0u64;
        for chunk in shaped(&records.activities) {
            // An event (time, id) is stored once: re-read overlaps are no-ops.
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO activities (instance_id, event_id, occurred_at_ms, actor, action, target, ip, user_agent, outcome, raw, category, ip_key, object_key) ",
            );
            q.push_values(chunk, |mut b, e| {
                b.push_bind(id)
                    .push_bind(&e.event_id)
                    .push_bind(e.occurred_at_ms)
                    .push_bind(&e.actor)
                    .push_bind(&e.action)
                    .push_bind(&e.target)
                    .push_bind(&e.ip)
                    .push_bind(&e.user_agent)
                    .push_bind(Outcome::from_vendor(e.outcome.as_deref()).as_str())
                    .push_bind(e.raw.as_str())
                    .push_bind(normalize::categorize(app, &e.action).as_str())
                    .push_bind(e.ip.as_deref().and_then(super::activities::ip_key))
                    .push_bind(e.target.as_deref().map(super::activities::object_key));
            });
            q.push(" ON CONFLICT (instance_id, occurred_at_ms, event_id) DO NOTHING");
            added += q.build().execute(&mut **tx).await?.rows_affected();
        }
        if added > 0 {
            sqlx::query(
                "UPDATE record_counts SET activities = activities + ? WHERE instance_id = ?",
            )
            .bind(i64::try_from(added).unwrap_or(i64::MAX))
            .bind(id)
            .execute(&mut **tx)
            .await?;
        }
        // Each actor's newest event dates its account's last activity, in two statements a
        // write: the actors go into a keyed temporary table, and the accounts they name are
        // found through it by index (accounts_login), never by a scan of every account.
        if !records.activities.is_empty() {
            let mut newest: HashMap<String, i64> = HashMap::new();
            for e in &records.activities {
                if let Some(actor) = e.actor.as_deref().filter(|a| !a.is_empty()) {
                    // ASCII case only, as SQLite's lower() and NOCASE fold it.
                    let t = newest
                        .entry(actor.to_ascii_lowercase())
                        .or_insert(e.occurred_at_ms);
                    *t = (*t).max(e.occurred_at_ms);
                }
            }
            let list = serde_json::to_string(&newest).unwrap_or_else(|_| "{}".into());
            sqlx::query(
                "CREATE TEMP TABLE IF NOT EXISTS actor_times (actor TEXT PRIMARY KEY, at INTEGER NOT NULL)",
            )
            .execute(&mut **tx)
            .await?;
            sqlx::query("DELETE FROM temp.actor_times")
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "INSERT INTO temp.actor_times (actor, at) SELECT key, value FROM json_each(?)",
            )
            .bind(list)
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "UPDATE accounts SET last_activity_ms = COALESCE( \
                   (SELECT t.at FROM temp.actor_times t WHERE t.actor = lower(accounts.login)), \
                   last_activity_ms) \
                 WHERE rowid IN (SELECT a.rowid FROM temp.actor_times t CROSS JOIN accounts a \
                   ON a.instance_id = ?1 AND a.login = t.actor COLLATE NOCASE \
                   WHERE COALESCE(a.last_activity_ms, 0) < t.at)",
            )
            .bind(id)
            .execute(&mut **tx)
            .await?;
        }
        // A file seen twice (merged pages, delta repeats) counts as its last version, with
        // that version's collaborators.
        let files = last_per_key(&records.files, |f| f.external_id.clone());
        for chunk in shaped(&files) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO files (instance_id, external_id, name, url, owner, sharing, modified_at_ms, raw, container, last_seen_ms) ",
            );
            q.push_values(chunk, |mut b, f| {
                b.push_bind(id)
                    .push_bind(&f.external_id)
                    .push_bind(&f.name)
                    .push_bind(&f.url)
                    .push_bind(&f.owner)
                    .push_bind(f.sharing.as_str())
                    .push_bind(f.modified_at_ms)
                    .push_bind(f.raw.as_str())
                    .push_bind(&f.container)
                    .push_bind(now_ms);
            });
            q.push(
                " ON CONFLICT (instance_id, external_id) DO UPDATE SET name = excluded.name, url = excluded.url,
                   owner = excluded.owner, sharing = excluded.sharing, modified_at_ms = excluded.modified_at_ms,
                   raw = excluded.raw, container = excluded.container, last_seen_ms = excluded.last_seen_ms",
            );
            q.build().execute(&mut **tx).await?;
        }
        // Files whose whole collaborator list was read: stored collaborators not in it lost
        // their access.
        let complete: Vec<&str> = files
            .iter()
            .filter(|f| f.collaborators_complete)
            .map(|f| f.external_id.as_str())
            .collect();
        // One statement whatever the number of files: the ids go as one JSON array.
        if !complete.is_empty() {
            sqlx::query(
                "DELETE FROM file_collaborators WHERE instance_id = ?
                   AND file_id IN (SELECT value FROM json_each(?))",
            )
            .bind(id)
            .bind(serde_json::to_string(&complete).unwrap_or_else(|_| "[]".into()))
            .execute(&mut **tx)
            .await?;
        }
        let collaborators: Vec<(&str, &cloudwarden_connectors::model::Collaborator)> = files
            .iter()
            .flat_map(|f| {
                f.collaborators
                    .iter()
                    .map(move |c| (f.external_id.as_str(), c))
            })
            .collect();
        for chunk in shaped(&last_per_key(&collaborators, |(f, c)| {
            (*f, c.account.clone())
        })) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO file_collaborators (instance_id, file_id, account, permission, external, last_seen_ms, domain) ",
            );
            q.push_values(chunk, |mut b, (file, c)| {
                b.push_bind(id)
                    .push_bind(*file)
                    .push_bind(&c.account)
                    .push_bind(&c.permission)
                    .push_bind(c.external)
                    .push_bind(now_ms)
                    .push_bind(super::files::email_domain(&c.account));
            });
            q.push(
                " ON CONFLICT (instance_id, file_id, account) DO UPDATE SET permission = excluded.permission,
                   external = excluded.external, last_seen_ms = excluded.last_seen_ms, domain = excluded.domain",
            );
            q.build().execute(&mut **tx).await?;
        }
        for chunk in shaped(&last_per_key(&records.oauth_grants, |g| {
            g.external_id.clone()
        })) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO oauth_grants (instance_id, external_id, kind, app_name, app_id, principal, scopes, granted_at_ms, raw, first_seen_ms, last_seen_ms) ",
            );
            q.push_values(chunk, |mut b, g| {
                b.push_bind(id)
                    .push_bind(&g.external_id)
                    .push_bind(g.kind.as_str())
                    .push_bind(&g.app_name)
                    .push_bind(&g.app_id)
                    .push_bind(&g.principal)
                    .push_bind(serde_json::to_string(&g.scopes).unwrap_or_else(|_| "[]".into()))
                    .push_bind(g.granted_at_ms)
                    .push_bind(g.raw.as_str())
                    .push_bind(now_ms)
                    .push_bind(now_ms);
            });
            q.push(
                " ON CONFLICT (instance_id, external_id) DO UPDATE SET kind = excluded.kind, app_name = excluded.app_name,
                   app_id = excluded.app_id, principal = excluded.principal, scopes = excluded.scopes,
                   granted_at_ms = excluded.granted_at_ms, raw = excluded.raw, last_seen_ms = excluded.last_seen_ms",
            );
            q.build().execute(&mut **tx).await?;
        }
        if !records.deleted_files.is_empty() {
            let ids = serde_json::to_string(&records.deleted_files).unwrap_or_else(|_| "[]".into());
            for sql in [
                "DELETE FROM file_collaborators WHERE instance_id = ? AND file_id IN (SELECT value FROM json_each(?))",
                "DELETE FROM files WHERE instance_id = ? AND external_id IN (SELECT value FROM json_each(?))",
            ] {
                sqlx::query(sql).bind(id).bind(&ids).execute(&mut **tx).await?;
            }
        }
        for r in &records.resynced {
            for sql in [
                "DELETE FROM file_collaborators WHERE instance_id = ?1 AND file_id IN
                   (SELECT external_id FROM files WHERE instance_id = ?1 AND container = ?2 AND last_seen_ms < ?3)",
                "DELETE FROM files WHERE instance_id = ?1 AND container = ?2 AND last_seen_ms < ?3",
            ] {
                sqlx::query(sql)
                    .bind(id)
                    .bind(&r.container)
                    .bind(r.since_ms)
                    .execute(&mut **tx)
                    .await?;
            }
        }
    }
    Ok(())
}

/// Which records to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordTable {
    Accounts,
    Activities,
    Files,
    OauthGrants,
    Privileges,
}

async fn set_cursor(
    conn: &mut sqlx::SqliteConnection,
    id: &str,
    resource: &str,
    value: Option<&str>,
    now_ms: i64,
) -> Result<()> {
    match value {
        Some(v) => {
            sqlx::query(
                "INSERT INTO connector_cursors (instance_id, resource, value, updated_at_ms) VALUES (?, ?, ?, ?)
                 ON CONFLICT (instance_id, resource) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms",
            )
            .bind(id)
            .bind(resource)
            .bind(v)
            .bind(now_ms)
            .execute(&mut *conn)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM connector_cursors WHERE instance_id = ? AND resource = ?")
                .bind(id)
                .bind(resource)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use cloudwarden_connectors::model::{Activity, FileItem, Raw, Records, Sharing};

    use super::super::Store;
    use crate::backend::{ConnectorStore, DatabaseStore};

    fn file(id: &str) -> FileItem {
        FileItem {
            external_id: id.into(),
            name: format!("/Docs/{id}.docx"),
            url: None,
            owner: None,
            sharing: Sharing::External,
            collaborators: vec![cloudwarden_connectors::model::Collaborator {
                account: "eve@fabrikam.com".into(),
                permission: "read".into(),
                external: true,
            }],
            collaborators_complete: false,
            container: Some("drive-1".into()),
            modified_at_ms: None,
            raw: serde_json::json!({"id": id}).into(),
        }
    }

    #[tokio::test]
    async fn a_resynced_container_keeps_only_what_the_re_read_returned() {
        let dir = tempfile::tempdir().unwrap();
        let store = with_instance(&dir.path().join("db.sqlite3")).await;
        let mut other = file("elsewhere");
        other.container = Some("drive-2".into());
        let first = Records {
            files: vec![file("a"), file("b"), other],
            ..Records::default()
        };
        store
            .store_page("i1", &first, ("phase:files", None), 1)
            .await
            .unwrap();
        // Began at 2: every row written by the re-read is seen at 2 or later.
        let since_ms = 2;
        // The drive read again from scratch returned only `b` (and a new `c`).
        let again = Records {
            files: vec![file("b"), file("c")],
            resynced: vec![cloudwarden_connectors::model::Resync {
                container: "drive-1".into(),
                since_ms,
            }],
            ..Records::default()
        };
        store
            .store_page("i1", &again, ("phase:files", None), 2)
            .await
            .unwrap();
        let mut ids: Vec<String> = sqlx::query_scalar("SELECT external_id FROM files ORDER BY 1")
            .fetch_all(&store.pool)
            .await
            .unwrap();
        ids.sort();
        assert_eq!(
            ids,
            ["b", "c", "elsewhere"],
            "a is gone; another drive is untouched"
        );
        let orphans: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM file_collaborators WHERE file_id = 'a'")
                .fetch_one(&store.pool)
                .await
                .unwrap();
        assert_eq!(orphans, 0);
    }

    /// A store at `path` with instance `i1`.
    async fn with_instance(path: &std::path::Path) -> Store {
        let store = Store::open(path).await.unwrap();
        store
            .insert_instance("i1", "m365", "Contoso", "{}", 0)
            .await
            .unwrap();
        store
    }

    #[tokio::test]
    async fn files_reported_deleted_go_with_their_collaborators() {
        let dir = tempfile::tempdir().unwrap();
        let store = with_instance(&dir.path().join("db.sqlite3")).await;
        let page = Records {
            files: vec![file("a"), file("b"), file("c")],
            ..Records::default()
        };
        store
            .store_page("i1", &page, ("phase:files", Some("x")), 1)
            .await
            .unwrap();
        assert_eq!(store.record_counts("i1").await.unwrap().files, 3);
        let delta = Records {
            files: vec![file("d")],
            deleted_files: vec!["a".into(), "b".into(), "unknown".into()],
            ..Records::default()
        };
        store
            .store_page("i1", &delta, ("phase:files", None), 2)
            .await
            .unwrap();
        assert_eq!(store.record_counts("i1").await.unwrap().files, 2);
        let left: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM file_collaborators WHERE instance_id = 'i1'")
                .fetch_one(&store.pool)
                .await
                .unwrap();
        assert_eq!(left, 2, "the deleted files' collaborators are gone too");

        // A file read again with its whole (now empty) list loses its old collaborators; one
        // whose list could not be read keeps them.
        let mut unshared = file("c");
        unshared.collaborators.clear();
        unshared.collaborators_complete = true;
        let mut unknown = file("d");
        unknown.collaborators.clear();
        let page = Records {
            files: vec![unshared, unknown],
            ..Records::default()
        };
        store
            .store_page("i1", &page, ("phase:files", None), 3)
            .await
            .unwrap();
        let left: Vec<String> = sqlx::query_scalar(
            "SELECT file_id FROM file_collaborators WHERE instance_id = 'i1' ORDER BY file_id",
        )
        .fetch_all(&store.pool)
        .await
        .unwrap();
        assert_eq!(left, ["d"]);
    }

    #[tokio::test]
    async fn a_file_seen_twice_in_one_batch_keeps_its_last_version_and_collaborators() {
        let dir = tempfile::tempdir().unwrap();
        let store = with_instance(&dir.path().join("db.sqlite3")).await;
        // Two merged pages: the file shared with two people, then (later) with one.
        let mut first = file("a");
        first.collaborators_complete = true;
        first
            .collaborators
            .push(cloudwarden_connectors::model::Collaborator {
                account: "bob@contoso.com".into(),
                permission: "write".into(),
                external: false,
            });
        let mut later = file("a");
        later.collaborators_complete = true;
        later.name = "/Docs/renamed.docx".into();
        let page = Records {
            files: vec![first, later],
            ..Records::default()
        };
        store
            .store_page("i1", &page, ("phase:files", None), 1)
            .await
            .unwrap();
        let name: String = sqlx::query_scalar("SELECT name FROM files WHERE instance_id = 'i1'")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(name, "/Docs/renamed.docx");
        let people: Vec<String> = sqlx::query_scalar(
            "SELECT account FROM file_collaborators WHERE instance_id = 'i1' ORDER BY account",
        )
        .fetch_all(&store.pool)
        .await
        .unwrap();
        assert_eq!(people, ["eve@fabrikam.com"]);
    }

    #[test]
    fn statements_come_in_a_few_fixed_sizes() {
        let sizes = |n: usize| -> Vec<usize> {
            let items = vec![0u8; n];
            super::shaped(&items).map(<[u8]>::len).collect()
        };
        assert!(sizes(0).is_empty());
        assert_eq!(sizes(1), [1]);
        assert_eq!(sizes(256), [256]);
        assert_eq!(sizes(300), [256, 32, 8, 4]);
        assert_eq!(sizes(513), [256, 256, 1]);
        assert_eq!(sizes(1000).iter().sum::<usize>(), 1000);
    }

    #[tokio::test]
    async fn bulk_writes_are_checkpointed_into_the_database_beside_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let store = with_instance(&path).await;
        let before = std::fs::metadata(&path).unwrap().len();
        // A few MB: far below the writer's own checkpoint threshold (128 MB).
        let page = Records {
            files: (0..4000).map(|i| file(&format!("f{i}"))).collect(),
            ..Records::default()
        };
        store
            .store_page("i1", &page, ("phase:files", None), 1)
            .await
            .unwrap();
        let mut copied = false;
        for _ in 0..100 {
            if std::fs::metadata(&path).unwrap().len() > before + (1 << 20) {
                copied = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(copied, "the WAL was copied back into the database file");
        store.close().await;
    }

    #[tokio::test]
    async fn a_closed_store_refuses_bulk_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = with_instance(&dir.path().join("db.sqlite3")).await;
        let page = Records {
            files: vec![file("a")],
            ..Records::default()
        };
        store
            .store_page("i1", &page, ("phase:files", None), 1)
            .await
            .unwrap();
        store.close().await;
        assert!(store
            .store_page("i1", &page, ("phase:files", None), 2)
            .await
            .is_err());
        assert!(
            store.bulk.lock().await.is_none(),
            "no connection opened again"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bulk_writes_wait_for_a_concurrent_writer_instead_of_failing() {
        // A bulk write reads (the largest activity rowid) before it inserts. In a deferred
        // transaction a commit by another connection between the two made the insert fail at
        // once with SQLITE_BUSY_SNAPSHOT ("database is locked", seen in CI); the write
        // transaction now takes the lock first and the other writer waits.
        let dir = tempfile::tempdir().unwrap();
        let store = with_instance(&dir.path().join("db.sqlite3")).await;
        let others: Vec<_> = (0..3)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    for n in 0..300 {
                        store
                            .set_scan_progress("i1", &format!("step {n}"))
                            .await
                            .unwrap();
                    }
                })
            })
            .collect();
        for batch in 0..40 {
            let page = Records {
                activities: (0..50)
                    .map(|n| Activity {
                        event_id: format!("e{batch}-{n}"),
                        occurred_at_ms: batch * 1000 + n,
                        actor: Some("ann@contoso.com".into()),
                        action: "FileAccessed".into(),
                        target: None,
                        ip: None,
                        user_agent: None,
                        outcome: None,
                        raw: Raw::of(&serde_json::json!({})),
                    })
                    .collect(),
                ..Records::default()
            };
            store
                .store_page("i1", &page, ("activities", None), batch)
                .await
                .unwrap();
        }
        for other in others {
            other.await.unwrap();
        }
        assert_eq!(store.record_counts("i1").await.unwrap().activities, 2000);
        store.close().await;
    }
}
