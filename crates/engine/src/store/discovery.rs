//! Discovery reports, uploads and usage tables. One upload is written in one transaction.

use super::Store;
use crate::Result;

/// Counters of one usage row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UsageStats {
    pub transactions: i64,
    pub bytes_up: i64,
    pub bytes_down: i64,
    pub blocked: i64,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
}

/// What one upload adds to a report.
#[derive(Debug, Default)]
pub struct UploadRows {
    pub upload_id: String,
    pub file_name: String,
    pub format: String,
    pub confidence: f64,
    pub bytes: i64,
    pub lines_total: i64,
    pub lines_parsed: i64,
    pub lines_skipped: i64,
    pub skipped_by_reason_json: String,
    pub samples_json: String,
    pub duration_ms: i64,
    /// `(kind, key, stats)`
    pub usage: Vec<(&'static str, String, UsageStats)>,
    /// `(kind, key, user|ip|day, stats)`
    pub users: Vec<(&'static str, String, String, UsageStats)>,
    pub ips: Vec<(&'static str, String, String, UsageStats)>,
    pub days: Vec<(&'static str, String, String, UsageStats)>,
}

/// kind, key, transactions, bytes up, bytes down, blocked, first seen, last seen, users, IPs.
type UsageRow = (String, String, i64, i64, i64, i64, i64, i64, i64, i64);

const ADD: &str = "transactions = transactions + excluded.transactions,
     bytes_up = bytes_up + excluded.bytes_up,
     bytes_down = bytes_down + excluded.bytes_down,
     blocked = blocked + excluded.blocked,
     first_seen_ms = MIN(first_seen_ms, excluded.first_seen_ms),
     last_seen_ms = MAX(last_seen_ms, excluded.last_seen_ms)";

impl Store {
    /// The id of the report named `name`, creating it when missing.
    pub async fn discovery_report_id(
        &self,
        name: &str,
        new_id: &str,
        now_ms: i64,
    ) -> Result<String> {
        sqlx::query(
            "INSERT INTO discovery_reports (report_id, name, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(new_id)
        .bind(name)
        .bind(now_ms)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(
            sqlx::query_scalar("SELECT report_id FROM discovery_reports WHERE name = ?")
                .bind(name)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Writes the uploads of one run and adds their usage to the report, all or nothing.
    pub async fn add_discovery_uploads(
        &self,
        report_id: &str,
        uploads: &[UploadRows],
        usage: &UploadRows,
        now_ms: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for u in uploads {
            sqlx::query(
                "INSERT INTO discovery_uploads (upload_id, report_id, file_name, format, confidence, bytes, lines_total,
                 lines_parsed, lines_skipped, skipped_by_reason, samples, duration_ms, created_at_ms)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&u.upload_id)
            .bind(report_id)
            .bind(&u.file_name)
            .bind(&u.format)
            .bind(u.confidence)
            .bind(u.bytes)
            .bind(u.lines_total)
            .bind(u.lines_parsed)
            .bind(u.lines_skipped)
            .bind(&u.skipped_by_reason_json)
            .bind(&u.samples_json)
            .bind(u.duration_ms)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
        for (kind, key, s) in &usage.usage {
            let sql = format!(
                "INSERT INTO discovery_usage (report_id, key_kind, key, transactions, bytes_up, bytes_down, blocked,
                 first_seen_ms, last_seen_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (report_id, key_kind, key) DO UPDATE SET {ADD}"
            );
            bind_stats(sqlx::query(&sql).bind(report_id).bind(*kind).bind(key), s)
                .execute(&mut *tx)
                .await?;
        }
        for (table, column, rows) in [
            ("discovery_usage_users", "user", &usage.users),
            ("discovery_usage_ips", "ip", &usage.ips),
            ("discovery_usage_days", "day", &usage.days),
        ] {
            let sql = format!(
                "INSERT INTO {table} (report_id, key_kind, key, {column}, transactions, bytes_up, bytes_down, blocked,
                 first_seen_ms, last_seen_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (report_id, key_kind, key, {column}) DO UPDATE SET {ADD}"
            );
            for (kind, key, sub, s) in rows {
                bind_stats(
                    sqlx::query(&sql)
                        .bind(report_id)
                        .bind(*kind)
                        .bind(key)
                        .bind(sub),
                    s,
                )
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query("UPDATE discovery_reports SET updated_at_ms = ? WHERE report_id = ?")
            .bind(now_ms)
            .bind(report_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Usage rows of a report: `(kind, key, stats, distinct users, distinct IPs)`.
    pub async fn discovery_usage(
        &self,
        report_id: &str,
    ) -> Result<Vec<(String, String, UsageStats, i64, i64)>> {
        let rows: Vec<UsageRow> = sqlx::query_as(
            "SELECT u.key_kind, u.key, u.transactions, u.bytes_up, u.bytes_down, u.blocked, u.first_seen_ms, u.last_seen_ms,
               (SELECT COUNT(*) FROM discovery_usage_users x WHERE x.report_id = u.report_id AND x.key_kind = u.key_kind AND x.key = u.key),
               (SELECT COUNT(*) FROM discovery_usage_ips x WHERE x.report_id = u.report_id AND x.key_kind = u.key_kind AND x.key = u.key)
             FROM discovery_usage u WHERE u.report_id = ? ORDER BY u.transactions DESC, u.key",
        )
        .bind(report_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    kind,
                    key,
                    transactions,
                    bytes_up,
                    bytes_down,
                    blocked,
                    first_seen_ms,
                    last_seen_ms,
                    users,
                    ips,
                )| {
                    (
                        kind,
                        key,
                        UsageStats {
                            transactions,
                            bytes_up,
                            bytes_down,
                            blocked,
                            first_seen_ms,
                            last_seen_ms,
                        },
                        users,
                        ips,
                    )
                },
            )
            .collect())
    }
}

fn bind_stats<'q>(
    q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    s: &UsageStats,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    q.bind(s.transactions)
        .bind(s.bytes_up)
        .bind(s.bytes_down)
        .bind(s.blocked)
        .bind(s.first_seen_ms)
        .bind(s.last_seen_ms)
}
