//! `custom_apps` and `score_overrides`.

use super::Store;
use crate::backend::CatalogStore;
use crate::Result;
use async_trait::async_trait;

/// A stored custom or edited app: its id and catalog record JSON.
#[derive(Debug, Clone)]
pub struct CustomAppRow {
    pub app_id: String,
    pub app_json: String,
    pub updated_at_ms: i64,
}

#[derive(Debug, Clone)]
pub struct OverrideRow {
    pub app_id: String,
    pub score: f64,
    pub note: String,
    pub created_at_ms: i64,
}

#[async_trait]
impl CatalogStore for Store {
    async fn custom_apps(&self) -> Result<Vec<CustomAppRow>> {
        let rows: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT app_id, app, updated_at_ms FROM custom_apps ORDER BY app_id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(app_id, app_json, updated_at_ms)| CustomAppRow {
                app_id,
                app_json,
                updated_at_ms,
            })
            .collect())
    }

    async fn upsert_custom_app(&self, app_id: &str, app_json: &str, now_ms: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO custom_apps (app_id, app, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?)
             ON CONFLICT (app_id) DO UPDATE SET app = excluded.app, updated_at_ms = excluded.updated_at_ms",
        )
        .bind(app_id)
        .bind(app_json)
        .bind(now_ms)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn delete_custom_app(&self, app_id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM custom_apps WHERE app_id = ?")
            .bind(app_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn score_overrides(&self) -> Result<Vec<OverrideRow>> {
        let rows: Vec<(String, f64, String, i64)> = sqlx::query_as(
            "SELECT app_id, score, note, created_at_ms FROM score_overrides ORDER BY app_id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(app_id, score, note, created_at_ms)| OverrideRow {
                app_id,
                score,
                note,
                created_at_ms,
            })
            .collect())
    }

    async fn set_score_override(
        &self,
        app_id: &str,
        score: f64,
        note: &str,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO score_overrides (app_id, score, note, created_at_ms) VALUES (?, ?, ?, ?)
             ON CONFLICT (app_id) DO UPDATE SET score = excluded.score, note = excluded.note,
             created_at_ms = excluded.created_at_ms",
        )
        .bind(app_id)
        .bind(score)
        .bind(note)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn clear_score_override(&self, app_id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM score_overrides WHERE app_id = ?")
            .bind(app_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
