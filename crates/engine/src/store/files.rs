//! The Files page query (SQLite): typed filters bound as parameters, newest modified first,
//! keyset pages on `(modified, instance, file)`. Each filter starts from an index that serves
//! it (`migrations/0016_files_investigate.sql`, and the query-plan test).

use crate::backend::{FileStore, TypedSettings};
use async_trait::async_trait;
use std::collections::HashMap;

use sqlx::{QueryBuilder, Sqlite};

use super::activities::fts_query;
use super::Store;
use crate::domain::investigate::{FileCollaborator, FileFilter, FileRow, SharingLevel};
use crate::Result;

/// The e-mail domain of a collaborator (lower case): the part after `@`, except for a
/// Microsoft Entra guest's sign-in name (`alice_fabrikam.com#EXT#@contoso.onmicrosoft.com`),
/// whose own address is encoded before `#EXT#` with `_` for `@` — the domain is after its
/// last `_`. `None` when the account is not an address.
pub fn email_domain(account: &str) -> Option<String> {
    let lower = account.trim().to_lowercase();
    if let Some(i) = lower.find("#ext#@") {
        let own = &lower[..i];
        return own
            .rfind('_')
            .map(|j| own[j + 1..].to_owned())
            .filter(|d| d.contains('.'));
    }
    lower
        .rsplit_once('@')
        .map(|(_, d)| d.to_owned())
        .filter(|d| !d.is_empty())
}

/// Setting that records that stored collaborators got their domains.
const DOMAINS_KEY: &str = "collaborators.domains";

/// Where a page of files starts: the key of the last file of the page before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileKey {
    pub modified: i64,
    pub instance_id: String,
    pub external_id: String,
}

impl FileKey {
    pub fn encode(&self) -> String {
        super::encode_cursor(
            "f1",
            &[
                &self.modified.to_string(),
                &self.instance_id,
                &self.external_id,
            ],
        )
    }

    pub fn decode(cursor: &str) -> Option<FileKey> {
        let mut p = super::decode_cursor(cursor, "f1", 3)?.into_iter();
        Some(FileKey {
            modified: p.next()?.parse().ok()?,
            instance_id: p.next()?,
            external_id: p.next()?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    instance_id: String,
    instance_name: String,
    app: String,
    external_id: String,
    name: String,
    url: Option<String>,
    owner: Option<String>,
    sharing: String,
    modified_at_ms: Option<i64>,
}

const SELECT_FILE: &str = "SELECT f.instance_id, i.name AS instance_name, i.app, f.external_id, \
     f.name, f.url, f.owner, f.sharing, f.modified_at_ms \
     FROM files f JOIN connector_instances i ON i.instance_id = f.instance_id";

impl Store {
    /// For each set-shaped filter (words, a collaborator domain, guest owners), whether it
    /// holds so many files that the page should walk the files newest first and test each
    /// against the set (a page fills soon), rather than read the set's files and sort them
    /// (few files: a short sort). Each is asked with a count that stops at the limit.
    async fn files_walk(&self, f: &FileFilter) -> Result<FilesWalk> {
        let many = |n: i64| n > FEW_FILES;
        let mut walk = FilesWalk::default();
        if let Some(m) = f.text.as_deref().and_then(fts_query) {
            let n: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM (SELECT 1 FROM files_fts WHERE files_fts MATCH ? LIMIT ?)",
            )
            .bind(m)
            .bind(FEW_FILES + 1)
            .fetch_one(&self.pool)
            .await?;
            walk.text = many(n);
        }
        if let Some(d) = domain_of(f) {
            let n: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM (SELECT 1 FROM file_collaborators WHERE domain = ? LIMIT ?)",
            )
            .bind(d)
            .bind(FEW_FILES + 1)
            .fetch_one(&self.pool)
            .await?;
            walk.domain = many(n);
        }
        if f.external_owner {
            // Each guest name looks its files up by owner (files_by_owner), up to the limit.
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT count(*) FROM (SELECT 1 FROM ({GUEST_NAMES}) g \
                 JOIN files f ON f.instance_id = g.instance_id AND f.owner = g.login LIMIT ?)"
            )))
            .bind(FEW_FILES + 1)
            .fetch_one(&self.pool)
            .await?;
            walk.guests = many(n);
        }
        Ok(walk)
    }

    /// The rows with their collaborators (one query for the page).
    async fn with_collaborators(
        &self,
        rows: Vec<Row>,
    ) -> Result<Vec<(FileRow, Vec<FileCollaborator>)>> {
        let keys: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.instance_id.as_str(), r.external_id.as_str()))
            .collect();
        let list = serde_json::to_string(&keys).unwrap_or_else(|_| "[]".into());
        let found: Vec<(String, String, String, String, bool, Option<String>)> = sqlx::query_as(
            "SELECT c.instance_id, c.file_id, c.account, c.permission, c.external, c.domain \
             FROM json_each(?1) k JOIN file_collaborators c \
             ON c.instance_id = k.value ->> 0 AND c.file_id = k.value ->> 1 \
             ORDER BY c.external DESC, c.account",
        )
        .bind(list)
        .fetch_all(&self.pool)
        .await?;
        let mut by_file: HashMap<(String, String), Vec<FileCollaborator>> = HashMap::new();
        for (instance, file, account, permission, external, domain) in found {
            by_file
                .entry((instance, file))
                .or_default()
                .push(FileCollaborator {
                    account,
                    permission,
                    external,
                    domain,
                });
        }
        Ok(rows
            .into_iter()
            .map(|r| {
                let collaborators = by_file
                    .remove(&(r.instance_id.clone(), r.external_id.clone()))
                    .unwrap_or_default();
                let mut domains: Vec<String> = collaborators
                    .iter()
                    .filter_map(|c| c.domain.clone())
                    .collect();
                domains.sort();
                domains.dedup();
                let row = FileRow {
                    collaborators: u32::try_from(collaborators.len()).unwrap_or(u32::MAX),
                    external_collaborators: u32::try_from(
                        collaborators.iter().filter(|c| c.external).count(),
                    )
                    .unwrap_or(u32::MAX),
                    domains,
                    instance_id: r.instance_id,
                    instance_name: r.instance_name,
                    app: r.app,
                    external_id: r.external_id,
                    name: r.name,
                    url: r.url,
                    owner: r.owner,
                    sharing: SharingLevel::parse(&r.sharing).unwrap_or(SharingLevel::Private),
                    modified_at_ms: r.modified_at_ms,
                };
                (row, collaborators)
            })
            .collect())
    }
}

#[async_trait]
impl FileStore for Store {
    async fn backfill_collaborator_domains(&self, now_ms: i64) -> Result<()> {
        if self.setting::<u32>(DOMAINS_KEY).await?.is_some() {
            return Ok(());
        }
        // One pass over the rows, each updated by its rowid (no index on the account alone).
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT rowid, account FROM file_collaborators WHERE domain IS NULL")
                .fetch_all(&self.pool)
                .await?;
        let mut tx = self.write_tx().await?;
        for (rowid, account) in &rows {
            if let Some(d) = email_domain(account) {
                sqlx::query("UPDATE file_collaborators SET domain = ? WHERE rowid = ?")
                    .bind(d)
                    .bind(rowid)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        self.set_setting(DOMAINS_KEY, &1u32, now_ms).await
    }

    async fn files_page(
        &self,
        f: &FileFilter,
        after: Option<&FileKey>,
        limit: usize,
        now_ms: i64,
    ) -> Result<(Vec<FileRow>, Option<FileKey>)> {
        let walk = self.files_walk(f).await?;
        let mut q = files_query(f, after, now_ms, walk, "");
        q.push(" LIMIT ")
            .push_bind(i64::try_from(limit + 1).unwrap_or(i64::MAX));
        let mut rows: Vec<Row> = q.build_query_as().fetch_all(&self.pool).await?;
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|r| FileKey {
                modified: r.modified_at_ms.unwrap_or(0),
                instance_id: r.instance_id.clone(),
                external_id: r.external_id.clone(),
            })
        } else {
            None
        };
        let rows = self.with_collaborators(rows).await?;
        Ok((rows.into_iter().map(|(r, _)| r).collect(), next))
    }

    async fn file(
        &self,
        instance_id: &str,
        external_id: &str,
    ) -> Result<Option<(FileRow, Vec<FileCollaborator>, String)>> {
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT_FILE} WHERE f.instance_id = ? AND f.external_id = ?"
        )))
        .bind(instance_id)
        .bind(external_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let raw: String =
            sqlx::query_scalar("SELECT raw FROM files WHERE instance_id = ? AND external_id = ?")
                .bind(instance_id)
                .bind(external_id)
                .fetch_one(&self.pool)
                .await?;
        let mut rows = self.with_collaborators(vec![row]).await?;
        Ok(rows.pop().map(|(r, c)| (r, c, raw)))
    }

    async fn files_plan(&self, f: &FileFilter, paged: bool) -> Result<Vec<String>> {
        let after = paged.then(|| FileKey {
            modified: 0,
            instance_id: String::new(),
            external_id: String::new(),
        });
        let walk = self.files_walk(f).await?;
        let q = files_query(f, after.as_ref(), 0, walk, "EXPLAIN QUERY PLAN ");
        self.plan_lines(q, false).await
    }
}

/// The files query for `f` after `after`, newest modified first.
/// At most this many files in a set-shaped filter, and its files are read and sorted; more,
/// and the page walks the files newest first (docs/benchmarks.md, investigation).
const FEW_FILES: i64 = 5_000;

/// The sign-in names and e-mail addresses of each instance's guests, `(instance, name)`.
const GUEST_NAMES: &str = "SELECT instance_id, login FROM accounts WHERE kind = 'guest' \
     UNION SELECT instance_id, email FROM accounts WHERE kind = 'guest' AND email IS NOT NULL";

/// Which set-shaped filters a files page walks (see [`Store::files_walk`]).
#[derive(Debug, Clone, Copy, Default)]
struct FilesWalk {
    text: bool,
    domain: bool,
    guests: bool,
}

/// The collaborator domain a filter asks for, as stored (lower case, no `@`).
fn domain_of(f: &FileFilter) -> Option<String> {
    f.shared_with_domain
        .as_deref()
        .map(|d| d.trim().trim_start_matches('@').to_lowercase())
        .filter(|d| !d.is_empty())
}

fn files_query(
    f: &FileFilter,
    after: Option<&FileKey>,
    now_ms: i64,
    walk: FilesWalk,
    prefix: &str,
) -> QueryBuilder<Sqlite> {
    // `+` keeps SQLite from starting at the set (then sorting) when the page should walk.
    let plus = |on: bool| if on { "+" } else { "" };
    let mut q = QueryBuilder::<Sqlite>::new(prefix);
    q.push(SELECT_FILE).push(" WHERE 1 = 1");
    if let Some(v) = &f.instance_id {
        q.push(" AND f.instance_id = ").push_bind(v.clone());
    }
    if let Some(v) = &f.app {
        q.push(" AND i.app = ").push_bind(v.clone());
    }
    if let Some(v) = f.sharing {
        q.push(" AND f.sharing = ").push_bind(v.as_str().to_owned());
    }
    if let Some(d) = domain_of(f) {
        let p = plus(walk.domain);
        q.push(format!(
            " AND ({p}f.instance_id, {p}f.external_id) IN \
             (SELECT instance_id, file_id FROM file_collaborators WHERE domain = "
        ))
        .push_bind(d)
        .push(")");
    }
    if let Some(v) = &f.owner {
        q.push(" AND f.owner = ").push_bind(v.clone());
    }
    if f.external_owner {
        // Owned by a guest of the instance (by sign-in name or e-mail address).
        let p = plus(walk.guests);
        q.push(format!(
            " AND ({p}f.instance_id, {p}f.owner) IN ({GUEST_NAMES})"
        ));
    }
    if let Some(days) = f.stale_days {
        let cutoff = now_ms.saturating_sub(i64::from(days) * 86_400_000);
        q.push(" AND COALESCE(f.modified_at_ms, 0) < ")
            .push_bind(cutoff);
    }
    if let Some(m) = f.text.as_deref().and_then(fts_query) {
        q.push(format!(
            " AND {}f.rowid IN (SELECT rowid FROM files_fts WHERE files_fts MATCH ",
            plus(walk.text)
        ))
        .push_bind(m)
        .push(")");
    }
    if let Some(k) = after {
        q.push(" AND (COALESCE(f.modified_at_ms, 0), f.instance_id, f.external_id) < (")
            .push_bind(k.modified)
            .push(", ")
            .push_bind(k.instance_id.clone())
            .push(", ")
            .push_bind(k.external_id.clone())
            .push(")");
    }
    q.push(" ORDER BY COALESCE(f.modified_at_ms, 0) DESC, f.instance_id DESC, f.external_id DESC");
    q
}

#[cfg(test)]
mod tests {
    use super::email_domain;

    #[test]
    fn domains_of_addresses_and_guest_sign_in_names() {
        assert_eq!(
            email_domain("Bob@Fabrikam.COM").as_deref(),
            Some("fabrikam.com")
        );
        assert_eq!(
            email_domain("diego.bowen1_northwindtraders.com#EXT#@contoso.onmicrosoft.com")
                .as_deref(),
            Some("northwindtraders.com")
        );
        assert_eq!(
            email_domain("john_doe_fabrikam.co.uk#ext#@contoso.onmicrosoft.com").as_deref(),
            Some("fabrikam.co.uk")
        );
        assert_eq!(email_domain("octocat"), None);
    }
}
