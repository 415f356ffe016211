//! The `settings` table: one JSON value per key.

use async_trait::async_trait;

use super::Store;
use crate::backend::SettingsStore;
use crate::Result;

#[async_trait]
impl SettingsStore for Store {
    async fn setting_json(&self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn set_setting_json(&self, key: &str, json: &str, now_ms: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO settings (key, value, updated_at_ms) VALUES (?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms",
        )
        .bind(key)
        .bind(json)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
