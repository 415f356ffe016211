//! The `settings` table: one JSON value per key.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::Store;
use crate::{Error, Result};

impl Store {
    /// Reads a setting; `None` when it was never set.
    pub async fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let value: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        value
            .map(|v| {
                serde_json::from_str(&v)
                    .map_err(|e| Error::Validation(format!("setting {key} is unreadable: {e}")))
            })
            .transpose()
    }

    pub async fn set_setting<T: Serialize>(&self, key: &str, value: &T, now_ms: i64) -> Result<()> {
        let json = serde_json::to_string(value)
            .map_err(|e| Error::Validation(format!("setting {key}: {e}")))?;
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
