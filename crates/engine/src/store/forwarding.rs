//! Alert forwarding: targets and the delivery log (0029).

use async_trait::async_trait;

use super::Store;
use crate::backend::ForwardStore;
use crate::domain::policies::{Delivery, DeliveryState, ForwardTarget, Severity};
use crate::{Error, Result};

/// A delivery due to be sent.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueDelivery {
    pub delivery_id: i64,
    pub target_id: String,
    pub alert_id: String,
    pub event: String,
    pub payload: String,
    pub attempts: i64,
}

#[derive(sqlx::FromRow)]
struct TargetRow {
    target_id: String,
    name: String,
    enabled: bool,
    min_severity: String,
    config: String,
    signed: bool,
}

fn to_target(r: TargetRow) -> Result<ForwardTarget> {
    let damaged = || {
        Error::Validation(format!(
            "the stored forwarding target {} is damaged",
            r.target_id
        ))
    };
    Ok(ForwardTarget {
        min_severity: Severity::parse(&r.min_severity).ok_or_else(damaged)?,
        config: serde_json::from_str(&r.config).map_err(|_| damaged())?,
        id: r.target_id,
        name: r.name,
        enabled: r.enabled,
        signed: r.signed,
    })
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    delivery_id: i64,
    target_id: String,
    target_name: String,
    alert_id: String,
    event: String,
    state: String,
    attempts: i64,
    last_error: Option<String>,
    created_at_ms: i64,
    delivered_at_ms: Option<i64>,
    next_attempt_ms: i64,
}

#[async_trait]
impl ForwardStore for Store {
    async fn forward_targets(&self) -> Result<Vec<ForwardTarget>> {
        let rows: Vec<TargetRow> = sqlx::query_as(
            "SELECT target_id, name, enabled, min_severity, config, signed FROM forward_targets \
             ORDER BY name COLLATE NOCASE, target_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(to_target).collect()
    }

    async fn save_forward_target(&self, t: &ForwardTarget, now_ms: i64) -> Result<()> {
        let config =
            serde_json::to_string(&t.config).map_err(|e| Error::Validation(e.to_string()))?;
        sqlx::query(
            "INSERT INTO forward_targets (target_id, name, enabled, min_severity, config, signed, \
             created_at_ms, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) \
             ON CONFLICT (target_id) DO UPDATE SET name = ?2, enabled = ?3, min_severity = ?4, \
             config = ?5, signed = ?6, updated_at_ms = ?7",
        )
        .bind(&t.id)
        .bind(&t.name)
        .bind(t.enabled)
        .bind(t.min_severity.as_str())
        .bind(config)
        .bind(t.signed)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn delete_forward_target(&self, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM forward_targets WHERE target_id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn enqueue_deliveries(
        &self,
        items: &[(String, String, String, String)],
        now_ms: i64,
    ) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for (target, alert, event, payload) in items {
            sqlx::query(
                "INSERT INTO alert_deliveries (target_id, alert_id, event, payload, state, \
                 next_attempt_ms, created_at_ms) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
            )
            .bind(target)
            .bind(alert)
            .bind(event)
            .bind(payload)
            .bind(now_ms)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn due_deliveries(&self, now_ms: i64, limit: u32) -> Result<Vec<DueDelivery>> {
        Ok(sqlx::query_as(
            "SELECT d.delivery_id, d.target_id, d.alert_id, d.event, d.payload, d.attempts \
             FROM alert_deliveries d JOIN forward_targets t ON t.target_id = d.target_id \
             WHERE d.state = 'pending' AND d.next_attempt_ms <= ? AND t.enabled \
             ORDER BY d.delivery_id LIMIT ?",
        )
        .bind(now_ms)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn next_delivery_due(&self) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(d.next_attempt_ms) FROM alert_deliveries d \
             JOIN forward_targets t ON t.target_id = d.target_id \
             WHERE d.state = 'pending' AND t.enabled",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    async fn delivery_done(
        &self,
        id: i64,
        state: DeliveryState,
        error: Option<&str>,
        next_attempt_ms: i64,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE alert_deliveries SET state = ?, attempts = attempts + 1, last_error = ?, \
             next_attempt_ms = ?, delivered_at_ms = CASE WHEN ? = 'delivered' THEN ? END \
             WHERE delivery_id = ?",
        )
        .bind(state.as_str())
        .bind(error)
        .bind(next_attempt_ms)
        .bind(state.as_str())
        .bind(now_ms)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn retry_deliveries(&self, target_id: Option<&str>, now_ms: i64) -> Result<u32> {
        let done = sqlx::query(
            "UPDATE alert_deliveries SET state = 'pending', next_attempt_ms = ? \
             WHERE state IN ('failed', 'pending') AND (? IS NULL OR target_id = ?)",
        )
        .bind(now_ms)
        .bind(target_id)
        .bind(target_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() as u32)
    }

    async fn deliveries(&self, limit: u32) -> Result<Vec<Delivery>> {
        let rows: Vec<DeliveryRow> = sqlx::query_as(
            "SELECT d.delivery_id, d.target_id, t.name AS target_name, d.alert_id, d.event, \
             d.state, d.attempts, d.last_error, d.created_at_ms, d.delivered_at_ms, \
             d.next_attempt_ms FROM alert_deliveries d \
             JOIN forward_targets t ON t.target_id = d.target_id \
             ORDER BY d.delivery_id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Delivery {
                id: r.delivery_id,
                target_id: r.target_id,
                target_name: r.target_name,
                alert_id: r.alert_id,
                event: r.event,
                state: DeliveryState::parse(&r.state).unwrap_or(DeliveryState::Pending),
                attempts: u32::try_from(r.attempts).unwrap_or(u32::MAX),
                last_error: r.last_error,
                created_at_ms: r.created_at_ms,
                delivered_at_ms: r.delivered_at_ms,
                next_attempt_ms: r.next_attempt_ms,
            })
            .collect())
    }
}
