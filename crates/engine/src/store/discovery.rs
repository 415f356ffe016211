//! Discovery reports, uploads and usage tables. One upload is written in one transaction.

use super::Store;
use crate::backend::{AuditStore, DiscoveryStore};
use crate::Result;
use async_trait::async_trait;

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
    pub error: Option<String>,
    /// `(kind, key, stats)`
    pub usage: Vec<(&'static str, String, UsageStats)>,
    /// `(kind, key, user|ip|day, stats)`
    pub users: Vec<(&'static str, String, String, UsageStats)>,
    pub ips: Vec<(&'static str, String, String, UsageStats)>,
    pub days: Vec<(&'static str, String, String, UsageStats)>,
}

/// kind, key, transactions, bytes up, bytes down, blocked, first seen, last seen, users, IPs.
type UsageRow = (String, String, i64, i64, i64, i64, i64, i64, i64, i64);

/// Adds an upload's counters to a row. Counters saturate at `i64::MAX` (SQLite turns an
/// overflowing `+` into a REAL, which a STRICT INTEGER column refuses: one absurd line would
/// make every later upload to the report fail).
const ADD: &str =
    "transactions = CASE WHEN excluded.transactions > 9223372036854775807 - transactions
         THEN 9223372036854775807 ELSE transactions + excluded.transactions END,
     bytes_up = CASE WHEN excluded.bytes_up > 9223372036854775807 - bytes_up
         THEN 9223372036854775807 ELSE bytes_up + excluded.bytes_up END,
     bytes_down = CASE WHEN excluded.bytes_down > 9223372036854775807 - bytes_down
         THEN 9223372036854775807 ELSE bytes_down + excluded.bytes_down END,
     blocked = CASE WHEN excluded.blocked > 9223372036854775807 - blocked
         THEN 9223372036854775807 ELSE blocked + excluded.blocked END,
     first_seen_ms = MIN(first_seen_ms, excluded.first_seen_ms),
     last_seen_ms = MAX(last_seen_ms, excluded.last_seen_ms)";

#[async_trait]
impl DiscoveryStore for Store {
    async fn add_discovery_uploads(
        &self,
        report: &str,
        new_id: &str,
        uploads: &[UploadRows],
        usage: &UploadRows,
        now_ms: i64,
    ) -> Result<String> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO discovery_reports (report_id, name, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(new_id)
        .bind(report)
        .bind(now_ms)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        let report_id: String =
            sqlx::query_scalar("SELECT report_id FROM discovery_reports WHERE name = ?")
                .bind(report)
                .fetch_one(&mut *tx)
                .await?;
        let report_id = report_id.as_str();
        for u in uploads {
            sqlx::query(
                "INSERT INTO discovery_uploads (upload_id, report_id, file_name, format, confidence, bytes, lines_total,
                 lines_parsed, lines_skipped, skipped_by_reason, samples, duration_ms, created_at_ms, error)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            .bind(&u.error)
            .execute(&mut *tx)
            .await?;
        }
        for (kind, key, s) in &usage.usage {
            let sql = format!(
                "INSERT INTO discovery_usage (report_id, key_kind, key, transactions, bytes_up, bytes_down, blocked,
                 first_seen_ms, last_seen_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (report_id, key_kind, key) DO UPDATE SET {ADD}"
            );
            bind_stats(
                sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(report_id)
                    .bind(*kind)
                    .bind(key),
                s,
            )
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
                    sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
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
        let report_id = report_id.to_owned();
        tx.commit().await?;
        Ok(report_id)
    }

    async fn discovery_usage(
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

    async fn discovery_reports(&self) -> Result<Vec<ReportRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{REPORT_SELECT} ORDER BY r.updated_at_ms DESC, r.name"
        )))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn discovery_report_row(&self, report_id: &str) -> Result<Option<ReportRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{REPORT_SELECT} WHERE r.report_id = ?"
        )))
        .bind(report_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn rename_discovery_report(
        &self,
        report_id: &str,
        name: &str,
        now_ms: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE discovery_reports SET name = ?, updated_at_ms = ? WHERE report_id = ?",
        )
        .bind(name)
        .bind(now_ms)
        .bind(report_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_discovery_report(&self, report_id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM discovery_reports WHERE report_id = ?")
            .bind(report_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn discovery_uploads(&self, report_id: &str) -> Result<Vec<StoredUpload>> {
        Ok(sqlx::query_as(
            "SELECT upload_id, file_name, format, confidence, bytes, lines_total, lines_parsed, lines_skipped,
                    skipped_by_reason, samples, duration_ms, created_at_ms, error
             FROM discovery_uploads WHERE report_id = ? ORDER BY created_at_ms, upload_id",
        )
        .bind(report_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn discovery_distinct_clients(&self, report_id: &str) -> Result<(i64, i64)> {
        Ok(sqlx::query_as(
            "SELECT (SELECT COUNT(DISTINCT user) FROM discovery_usage_users WHERE report_id = ?1),
                    (SELECT COUNT(DISTINCT ip) FROM discovery_usage_ips WHERE report_id = ?1)",
        )
        .bind(report_id)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn discovery_breakdown(
        &self,
        report_id: &str,
        kind: &str,
        key: &str,
        by: Breakdown,
    ) -> Result<Vec<BreakdownRow>> {
        let (table, column, order) = match by {
            Breakdown::User => ("discovery_usage_users", "user", "transactions DESC, user"),
            Breakdown::Ip => ("discovery_usage_ips", "ip", "transactions DESC, ip"),
            Breakdown::Day => ("discovery_usage_days", "day", "day"),
        };
        let rows: Vec<(String, i64, i64, i64, i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {column}, transactions, bytes_up, bytes_down, blocked, first_seen_ms, last_seen_ms
             FROM {table} WHERE report_id = ? AND key_kind = ? AND key = ? ORDER BY {order}"
        )))
        .bind(report_id)
        .bind(kind)
        .bind(key)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    label,
                    transactions,
                    bytes_up,
                    bytes_down,
                    blocked,
                    first_seen_ms,
                    last_seen_ms,
                )| {
                    (
                        label,
                        UsageStats {
                            transactions,
                            bytes_up,
                            bytes_down,
                            blocked,
                            first_seen_ms,
                            last_seen_ms,
                        },
                    )
                },
            )
            .collect())
    }

    async fn unmatched_keys(&self) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT DISTINCT key_kind, key FROM discovery_usage WHERE key_kind <> 'app' ORDER BY key",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn rekey_usage(&self, kind: &str, key: &str, app_id: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for (table, column) in [
            ("discovery_usage", None),
            ("discovery_usage_users", Some("user")),
            ("discovery_usage_ips", Some("ip")),
            ("discovery_usage_days", Some("day")),
        ] {
            let (col, conflict) = match column {
                Some(c) => (format!("{c}, "), format!("report_id, key_kind, key, {c}")),
                None => (String::new(), "report_id, key_kind, key".to_owned()),
            };
            let sql = format!(
                "INSERT INTO {table} (report_id, key_kind, key, {col}transactions, bytes_up, bytes_down, blocked,
                 first_seen_ms, last_seen_ms)
                 SELECT report_id, 'app', ?, {col}transactions, bytes_up, bytes_down, blocked, first_seen_ms, last_seen_ms
                 FROM {table} WHERE key_kind = ? AND key = ?
                 ON CONFLICT ({conflict}) DO UPDATE SET {ADD}"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(app_id)
                .bind(kind)
                .bind(key)
                .execute(&mut *tx)
                .await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE key_kind = ? AND key = ?"
            )))
            .bind(kind)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn custom_formats(&self) -> Result<Vec<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT name, definition FROM discovery_formats ORDER BY name")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn save_custom_format(&self, name: &str, json: &str, now_ms: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO discovery_formats (name, definition, updated_at_ms) VALUES (?, ?, ?)
             ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_at_ms = excluded.updated_at_ms",
        )
        .bind(name)
        .bind(json)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn delete_custom_format(&self, name: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM discovery_formats WHERE name = ?")
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn app_tags(&self) -> Result<Vec<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT app_id, tag FROM app_tags ORDER BY app_id")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn set_app_tag(&self, app_id: &str, tag: Option<&str>, now_ms: i64) -> Result<()> {
        match tag {
            Some(tag) => {
                sqlx::query(
                    "INSERT INTO app_tags (app_id, tag, updated_at_ms) VALUES (?, ?, ?)
                     ON CONFLICT (app_id) DO UPDATE SET tag = excluded.tag, updated_at_ms = excluded.updated_at_ms",
                )
                .bind(app_id)
                .bind(tag)
                .bind(now_ms)
                .execute(&self.pool)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM app_tags WHERE app_id = ?")
                    .bind(app_id)
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }

    async fn add_identities(&self, identities: &[(String, Vec<u8>)], now_ms: i64) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for (pseudonym, sealed) in identities {
            sqlx::query(
                "INSERT INTO discovery_identities (pseudonym, sealed, created_at_ms) VALUES (?, ?, ?)
                 ON CONFLICT (pseudonym) DO NOTHING",
            )
            .bind(pseudonym)
            .bind(sealed)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn identity(&self, pseudonym: &str) -> Result<Option<Vec<u8>>> {
        Ok(
            sqlx::query_scalar("SELECT sealed FROM discovery_identities WHERE pseudonym = ?")
                .bind(pseudonym)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}

/// A stored report row: id, name, created, updated, uploads, lines total, lines skipped, apps,
/// first seen, last seen.
pub type ReportRow = (
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
);

/// A stored upload row.
pub type StoredUpload = (
    String,
    String,
    String,
    f64,
    i64,
    i64,
    i64,
    i64,
    String,
    String,
    i64,
    i64,
    Option<String>,
);

/// `(label, stats)` of a breakdown.
pub type BreakdownRow = (String, UsageStats);

const REPORT_SELECT: &str = "SELECT r.report_id, r.name, r.created_at_ms, r.updated_at_ms,
       (SELECT COUNT(*) FROM discovery_uploads x WHERE x.report_id = r.report_id),
       (SELECT COALESCE(SUM(lines_total), 0) FROM discovery_uploads x WHERE x.report_id = r.report_id),
       (SELECT COALESCE(SUM(lines_skipped), 0) FROM discovery_uploads x WHERE x.report_id = r.report_id),
       (SELECT COUNT(*) FROM discovery_usage x WHERE x.report_id = r.report_id AND x.key_kind = 'app'),
       (SELECT MIN(first_seen_ms) FROM discovery_usage x WHERE x.report_id = r.report_id),
       (SELECT MAX(last_seen_ms) FROM discovery_usage x WHERE x.report_id = r.report_id)
     FROM discovery_reports r";

#[async_trait]
impl AuditStore for Store {
    async fn audit(&self, action: &str, subject: &str, detail: &str, now_ms: i64) -> Result<()> {
        sqlx::query("INSERT INTO audit_log (at_ms, action, subject, detail) VALUES (?, ?, ?, ?)")
            .bind(now_ms)
            .bind(action)
            .bind(subject)
            .bind(detail)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn audit_log(&self, limit: i64) -> Result<Vec<(i64, String, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT at_ms, action, subject, detail FROM audit_log ORDER BY id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// Which breakdown of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    User,
    Ip,
    Day,
}

fn bind_stats<'q>(
    q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
    s: &UsageStats,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
    q.bind(s.transactions)
        .bind(s.bytes_up)
        .bind(s.bytes_down)
        .bind(s.blocked)
        .bind(s.first_seen_ms)
        .bind(s.last_seen_ms)
}
