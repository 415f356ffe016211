//! Snapshots of what each completed full scan saw (accounts, shared files, OAuth grants), and
//! the comparison of two of them.

use crate::backend::SnapshotStore;
use async_trait::async_trait;
use std::collections::BTreeMap;

use super::Store;
use crate::Result;

/// Snapshots kept per instance.
const KEEP: i64 = 10;

/// A snapshot taken.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SnapshotRow {
    pub run_id: String,
    pub instance_id: String,
    pub taken_at_ms: i64,
    pub kinds: String,
}

#[async_trait]
impl SnapshotStore for Store {
    async fn take_snapshot(
        &self,
        instance_id: &str,
        run_id: &str,
        kinds: &[&str],
        now_ms: i64,
    ) -> Result<()> {
        if kinds.is_empty() {
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        let started_ms: i64 = sqlx::query_scalar(
            "SELECT COALESCE(max(taken_at_ms), 0) FROM snapshots WHERE instance_id = ?",
        )
        .bind(instance_id)
        .fetch_one(&mut *tx)
        .await?;
        if kinds.contains(&"account") {
            // Accounts the run read (a full read sees every account that exists).
            sqlx::query(
                "INSERT INTO snapshot_items (run_id, kind, item, state) \
                 SELECT ?1, 'account', a.external_id, json_object( \
                   'login', a.login, 'admin', a.is_admin, 'kind', a.kind, 'status', a.status, \
                   'roles', json((SELECT json_group_array(role) FROM (SELECT DISTINCT p.role FROM privileges p \
                      WHERE p.instance_id = a.instance_id AND p.account_id = a.external_id \
                      AND p.last_seen_ms > ?3 ORDER BY p.role)))) \
                 FROM accounts a WHERE a.instance_id = ?2 AND a.last_seen_ms > ?3",
            )
            .bind(run_id)
            .bind(instance_id)
            .bind(started_ms)
            .execute(&mut *tx)
            .await?;
        }
        if kinds.contains(&"file") {
            // Files are kept in step by delta reads: the table is the instance's state.
            sqlx::query(
                "INSERT INTO snapshot_items (run_id, kind, item, state) \
                 SELECT ?1, 'file', f.external_id, json_object( \
                   'name', f.name, 'url', f.url, 'owner', f.owner, 'sharing', f.sharing, \
                   'external', json((SELECT json_group_array(account) FROM (SELECT c.account FROM file_collaborators c \
                      WHERE c.instance_id = f.instance_id AND c.file_id = f.external_id AND c.external = 1 \
                      ORDER BY c.account)))) \
                 FROM files f WHERE f.instance_id = ?2 AND f.sharing IN ('public', 'external')",
            )
            .bind(run_id)
            .bind(instance_id)
            .execute(&mut *tx)
            .await?;
        }
        if kinds.contains(&"grant") {
            sqlx::query(
                "INSERT INTO snapshot_items (run_id, kind, item, state) \
                 SELECT ?1, 'grant', g.external_id, json_object( \
                   'app', i.app || ':' || COALESCE(g.app_id, g.app_name), 'name', g.app_name, \
                   'kind', g.kind, 'principal', g.principal, 'scopes', json(g.scopes)) \
                 FROM oauth_grants g JOIN connector_instances i ON i.instance_id = g.instance_id \
                 WHERE g.instance_id = ?2 AND g.last_seen_ms > ?3",
            )
            .bind(run_id)
            .bind(instance_id)
            .bind(started_ms)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO snapshots (run_id, instance_id, taken_at_ms, kinds) VALUES (?, ?, ?, ?)",
        )
        .bind(run_id)
        .bind(instance_id)
        .bind(now_ms)
        .bind(serde_json::to_string(kinds).unwrap_or_else(|_| "[]".into()))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM snapshot_items WHERE run_id IN (SELECT run_id FROM snapshots \
             WHERE instance_id = ?1 ORDER BY taken_at_ms DESC LIMIT -1 OFFSET ?2)",
        )
        .bind(instance_id)
        .bind(KEEP)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM snapshots WHERE run_id IN (SELECT run_id FROM snapshots \
             WHERE instance_id = ?1 ORDER BY taken_at_ms DESC LIMIT -1 OFFSET ?2)",
        )
        .bind(instance_id)
        .bind(KEEP)
        .execute(&mut *tx)
        .await?;
        if kinds.contains(&"grant") {
            // The first snapshot of an instance's grants is its baseline: an OAuth app first
            // seen after it was granted after Cloudwarden knew the tenant (a "new" app).
            sqlx::query(
                "UPDATE connector_instances SET oauth_baseline_ms = ? \
                 WHERE instance_id = ? AND oauth_baseline_ms IS NULL",
            )
            .bind(now_ms)
            .bind(instance_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn snapshots(&self, instance_id: Option<&str>) -> Result<Vec<SnapshotRow>> {
        Ok(sqlx::query_as(
            "SELECT run_id, instance_id, taken_at_ms, kinds FROM snapshots \
             WHERE (?1 IS NULL OR instance_id = ?1) ORDER BY taken_at_ms DESC, run_id DESC",
        )
        .bind(instance_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn snapshot_items(&self, run_id: &str, kind: &str) -> Result<BTreeMap<String, String>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT item, state FROM snapshot_items WHERE run_id = ? AND kind = ?")
                .bind(run_id)
                .bind(kind)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().collect())
    }
}
