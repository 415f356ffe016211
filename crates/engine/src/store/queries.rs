//! Saved investigation queries: a name, the page they belong to and its filter as JSON.

use super::Store;
use crate::backend::QueryStore;
use crate::Result;
use async_trait::async_trait;

/// A saved query as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SavedQueryRow {
    pub id: i64,
    pub name: String,
    pub filter: String,
    pub updated_at_ms: i64,
}

#[async_trait]
impl QueryStore for Store {
    async fn saved_queries(&self, kind: &str) -> Result<Vec<SavedQueryRow>> {
        Ok(sqlx::query_as(
            "SELECT id, name, filter, updated_at_ms FROM saved_queries WHERE kind = ? \
             ORDER BY name COLLATE NOCASE",
        )
        .bind(kind)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn save_query(&self, kind: &str, name: &str, filter: &str, now_ms: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO saved_queries (kind, name, filter, created_at_ms, updated_at_ms) \
             VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (kind, name) DO UPDATE SET filter = excluded.filter, \
             updated_at_ms = excluded.updated_at_ms RETURNING id",
        )
        .bind(kind)
        .bind(name)
        .bind(filter)
        .bind(now_ms)
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn delete_query(&self, kind: &str, id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM saved_queries WHERE kind = ? AND id = ?")
            .bind(kind)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
