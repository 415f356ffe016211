//! Persisted jobs with leases (see `migrations/0011_jobs.sql`).

use super::Store;
use crate::backend::JobStore;
use crate::domain::jobs::JobState;
use crate::Result;
use async_trait::async_trait;

/// A stored job.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct JobRow {
    pub job_id: String,
    pub kind: String,
    pub subject: String,
    pub params: String,
    pub state: JobState,
    pub owner: String,
    pub owner_pid: i64,
    pub owner_host: String,
    pub heartbeat_ms: i64,
    pub lease_expires_ms: i64,
    pub progress: Option<String>,
    pub error: Option<String>,
    pub created_at_ms: i64,
    pub finished_at_ms: Option<i64>,
}

/// A job to start.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub job_id: &'a str,
    pub kind: &'a str,
    pub subject: &'a str,
    pub params: &'a str,
    pub owner: &'a str,
    pub owner_pid: i64,
    pub owner_host: &'a str,
    pub lease_ms: i64,
}

const COLUMNS: &str =
    "job_id, kind, subject, params, state, owner, owner_pid, owner_host, heartbeat_ms,
     lease_expires_ms, progress, error, created_at_ms, finished_at_ms";

#[async_trait]
impl JobStore for Store {
    async fn take_job(
        &self,
        job: &NewJob<'_>,
        now_ms: i64,
        dead: &(dyn for<'r> Fn(&'r JobRow) -> bool + Send + Sync),
    ) -> Result<std::result::Result<(), JobRow>> {
        for _ in 0..3 {
            let mut tx = self.write_tx().await?;
            let running: Option<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM jobs WHERE kind = ? AND subject = ? AND state = 'running'"
            )))
            .bind(job.kind)
            .bind(job.subject)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = running {
                if !dead(&row) {
                    return Ok(Err(row));
                }
                // Taken over: what the dead job left half-done is cleared as on recovery.
                interrupt(&mut tx, &row, now_ms).await?;
            }
            let inserted = sqlx::query(
                "INSERT INTO jobs (job_id, kind, subject, params, state, owner, owner_pid, owner_host,
                 heartbeat_ms, lease_expires_ms, created_at_ms) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)",
            )
            .bind(job.job_id)
            .bind(job.kind)
            .bind(job.subject)
            .bind(job.params)
            .bind(job.owner)
            .bind(job.owner_pid)
            .bind(job.owner_host)
            .bind(now_ms)
            .bind(now_ms + job.lease_ms)
            .bind(now_ms)
            .execute(&mut *tx)
            .await;
            match inserted {
                Ok(_) => {
                    tx.commit().await?;
                    return Ok(Ok(()));
                }
                // Another process took the lease between the read and the insert: look again.
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(crate::Error::Validation(
            "could not take the job's lease: another process keeps taking it".into(),
        ))
    }

    async fn renew_job(&self, job_id: &str, now_ms: i64, lease_ms: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE jobs SET heartbeat_ms = ?, lease_expires_ms = ? WHERE job_id = ? AND state = 'running'",
        )
        .bind(now_ms)
        .bind(now_ms + lease_ms)
        .bind(job_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn set_job_progress(&self, job_id: &str, progress: &str) -> Result<()> {
        sqlx::query("UPDATE jobs SET progress = ? WHERE job_id = ?")
            .bind(progress)
            .bind(job_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn finish_job(
        &self,
        job_id: &str,
        state: JobState,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET state = ?, error = ?, finished_at_ms = ? WHERE job_id = ? AND state = 'running'",
        )
        .bind(state)
        .bind(error)
        .bind(now_ms)
        .bind(job_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn jobs_in_state(&self, state: JobState) -> Result<Vec<JobRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM jobs WHERE state = ? ORDER BY created_at_ms, job_id"
        )))
        .bind(state)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn recent_jobs(&self, limit: i64) -> Result<Vec<JobRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM jobs ORDER BY created_at_ms DESC, job_id DESC LIMIT ?"
        )))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn interrupt_job(&self, row: &JobRow, now_ms: i64) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let done = interrupt(&mut tx, row, now_ms).await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn latest_job(&self, kind: &str, subject: &str) -> Result<Option<JobRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM jobs WHERE kind = ? AND subject = ?
             ORDER BY created_at_ms DESC, job_id DESC LIMIT 1"
        )))
        .bind(kind)
        .bind(subject)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn mark_job_resumed(&self, job_id: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE jobs SET state = 'resumed' WHERE job_id = ? AND state = 'interrupted'",
        )
        .bind(job_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// Marks `row` `interrupted` if it is still running, and for a scan closes its open runs and
/// takes its instance out of `scanning`. `false` when it was not running.
async fn interrupt(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    row: &JobRow,
    now_ms: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'interrupted', finished_at_ms = ?,
         error = 'its process stopped before it finished'
         WHERE job_id = ? AND state = 'running'",
    )
    .bind(now_ms)
    .bind(&row.job_id)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    if row.kind == "scan" {
        sqlx::query(
            "UPDATE scan_runs SET status = 'interrupted', finished_at_ms = ?,
             error = 'the scanning process stopped; the scan resumes from its cursors'
             WHERE instance_id = ? AND status = 'running'",
        )
        .bind(now_ms)
        .bind(&row.subject)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "UPDATE connector_instances SET status = 'connected',
             status_detail = 'the last scan was interrupted; it resumes from where it stopped'
             WHERE instance_id = ? AND status = 'scanning'",
        )
        .bind(&row.subject)
        .execute(&mut **tx)
        .await?;
    }
    Ok(true)
}
