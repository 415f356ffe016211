//! Policies, alerts with their evidence and history, IP ranges, evaluation marks and the
//! per-user baselines of the anomaly detections (0028).

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::{QueryBuilder, Sqlite};

use super::Store;
use crate::backend::PolicyStore;
use crate::domain::policies::{
    Alert, AlertComment, AlertFilter, AlertStatus, Entity, Evidence, IpRange, IpTag, Policy,
    PolicyKind, Resolution, Severity,
};
use crate::{Error, Result};

/// Which activities evaluation reads with their vendor event: per app, all of them (`None`)
/// or those whose action (lower case) is listed. Empty: none.
pub type RawNeeds = Vec<(&'static str, Option<Vec<String>>)>;

/// An activity as evaluation reads it.
#[derive(Debug, Clone)]
pub struct EvalActivity {
    pub rowid: i64,
    pub instance_id: String,
    pub app: String,
    pub event_id: String,
    pub occurred_at_ms: i64,
    pub actor: Option<String>,
    pub category: String,
    pub action: String,
    pub outcome: Option<String>,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The vendor's event (only when asked for).
    pub raw: Option<String>,
    /// The policies (indexes) whose Sigma rules matched the event, when already matched
    /// (by the reader, on the other core); `None`: not yet.
    pub sigma: Option<Vec<usize>>,
    /// What is known of the address, when already looked up (as `sigma`).
    pub ip_facts: Option<IpFacts>,
}

/// An activity's address, parsed and looked up in the bundled IP database.
#[derive(Debug, Clone, Copy, Default)]
pub struct IpFacts {
    pub addr: Option<std::net::IpAddr>,
    /// A public address (not private, loopback, …).
    pub public: bool,
    pub country: Option<&'static str>,
    pub asn: Option<u32>,
    pub as_name: Option<&'static str>,
}

impl IpFacts {
    pub fn of(ip: Option<&str>) -> IpFacts {
        let addr: Option<std::net::IpAddr> = ip.and_then(|s| s.trim().parse().ok());
        let public = addr.is_some_and(|ip| !cloudwarden_ipintel::is_internal(ip));
        let info = match addr {
            Some(ip) if public => cloudwarden_ipintel::IpIntel::bundled().lookup(ip),
            _ => Default::default(),
        };
        IpFacts {
            addr,
            public,
            country: info.country,
            asn: info.asn,
            as_name: info.as_name,
        }
    }
}

// Read by position: a name look-up per column and row costs more than the rest of the decode.
impl sqlx::FromRow<'_, sqlx::sqlite::SqliteRow> for EvalActivity {
    fn from_row(row: &sqlx::sqlite::SqliteRow) -> sqlx::Result<Self> {
        use sqlx::Row;
        Ok(EvalActivity {
            rowid: row.try_get(0)?,
            instance_id: row.try_get(1)?,
            app: row.try_get(2)?,
            event_id: row.try_get(3)?,
            occurred_at_ms: row.try_get(4)?,
            actor: row.try_get(5)?,
            category: row.try_get(6)?,
            action: row.try_get(7)?,
            outcome: row.try_get(8)?,
            target: row.try_get(9)?,
            ip: row.try_get(10)?,
            user_agent: row.try_get(11)?,
            raw: row.try_get(12)?,
            sigma: None,
            ip_facts: None,
        })
    }
}

/// The raw column of an activities query: the event where `needs` asks for it, else NULL.
fn push_raw_column(q: &mut QueryBuilder<Sqlite>, needs: &RawNeeds) {
    if needs.is_empty() {
        q.push("NULL");
        return;
    }
    q.push("CASE WHEN ");
    for (n, (app, actions)) in needs.iter().enumerate() {
        if n > 0 {
            q.push(" OR ");
        }
        q.push("(i.app = ").push_bind(*app);
        if let Some(actions) = actions {
            q.push(" AND lower(a.action) IN (");
            let mut list = q.separated(", ");
            for a in actions {
                list.push_bind(a.clone());
            }
            if actions.is_empty() {
                list.push("NULL");
            }
            q.push(")");
        }
        q.push(")");
    }
    q.push(" THEN a.raw END");
}

/// A match to record: evidence for the open alert of `(policy_id, group_key)`, or a new one.
#[derive(Debug, Clone)]
pub struct NewMatch {
    pub policy_id: String,
    pub policy_name: String,
    pub severity: Severity,
    pub group_key: String,
    pub title: String,
    pub description: String,
    pub entities: Vec<Entity>,
    /// `(evidence key, evidence)`; a key already recorded for the policy is skipped.
    pub evidence: Vec<(String, Evidence)>,
}

/// What recording matches did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    /// Alerts opened, with their ids.
    pub raised: Vec<String>,
    /// Open alerts that got new evidence.
    pub updated: Vec<String>,
}

/// A learned fact about a user (`user_baselines`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BaselineRow {
    pub actor: String,
    /// `first_seen`, `country` or `asn`.
    pub kind: String,
    pub value: String,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
}

/// Where a user last acted from (`user_places`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PlaceRow {
    pub actor: String,
    pub at_ms: i64,
    pub ip: String,
    pub country: String,
    pub instance_id: String,
    pub event_id: String,
}

const ACTIVITY_COLS: &str =
    "a.rowid AS rowid, a.instance_id, i.app, a.event_id, a.occurred_at_ms, \
     a.actor, a.category, a.action, a.outcome, a.target, a.ip, a.user_agent";

#[derive(sqlx::FromRow)]
struct PolicyDbRow {
    policy_id: String,
    name: String,
    description: String,
    kind: String,
    severity: String,
    enabled: bool,
    template_id: Option<String>,
    definition: String,
    scope: String,
    actions: String,
    created_at_ms: i64,
    updated_at_ms: i64,
    alerts: i64,
    open_alerts: i64,
}

fn damaged(what: &str, id: &str) -> Error {
    Error::Validation(format!("the stored {what} {id} is damaged"))
}

fn to_policy(r: PolicyDbRow) -> Result<Policy> {
    let id = r.policy_id;
    Ok(Policy {
        kind: PolicyKind::parse(&r.kind).ok_or_else(|| damaged("policy", &id))?,
        severity: Severity::parse(&r.severity).ok_or_else(|| damaged("policy", &id))?,
        definition: serde_json::from_str(&r.definition).map_err(|_| damaged("policy", &id))?,
        scope: serde_json::from_str(&r.scope).map_err(|_| damaged("policy", &id))?,
        actions: serde_json::from_str(&r.actions).map_err(|_| damaged("policy", &id))?,
        name: r.name,
        description: r.description,
        enabled: r.enabled,
        template_id: r.template_id,
        created_at_ms: r.created_at_ms,
        updated_at_ms: r.updated_at_ms,
        alerts: u32::try_from(r.alerts).unwrap_or(u32::MAX),
        open_alerts: u32::try_from(r.open_alerts).unwrap_or(u32::MAX),
        id,
    })
}

const POLICY_SELECT: &str = "SELECT p.policy_id, p.name, p.description, p.kind, p.severity, \
     p.enabled, p.template_id, p.definition, p.scope, p.actions, p.created_at_ms, p.updated_at_ms, \
     (SELECT COUNT(*) FROM alerts a WHERE a.policy_id = p.policy_id) AS alerts, \
     (SELECT COUNT(*) FROM alerts a WHERE a.policy_id = p.policy_id \
        AND a.status IN ('open', 'in_progress')) AS open_alerts \
     FROM policies p";

#[derive(sqlx::FromRow)]
struct AlertDbRow {
    alert_id: String,
    policy_id: String,
    policy_name: String,
    severity: String,
    title: String,
    description: String,
    status: String,
    resolution: Option<String>,
    assignee: Option<String>,
    entities: String,
    evidence_count: i64,
    first_seen_ms: i64,
    last_seen_ms: i64,
    created_at_ms: i64,
    updated_at_ms: i64,
}

const ALERT_COLS: &str = "alert_id, policy_id, policy_name, severity, title, description, status, \
     resolution, assignee, entities, evidence_count, first_seen_ms, last_seen_ms, created_at_ms, \
     updated_at_ms";

fn to_alert(r: AlertDbRow) -> Result<Alert> {
    let id = r.alert_id;
    Ok(Alert {
        severity: Severity::parse(&r.severity).ok_or_else(|| damaged("alert", &id))?,
        status: AlertStatus::parse(&r.status).ok_or_else(|| damaged("alert", &id))?,
        resolution: r.resolution.as_deref().and_then(Resolution::parse),
        entities: serde_json::from_str(&r.entities).map_err(|_| damaged("alert", &id))?,
        policy_id: r.policy_id,
        policy_name: r.policy_name,
        title: r.title,
        description: r.description,
        assignee: r.assignee,
        count: u32::try_from(r.evidence_count).unwrap_or(u32::MAX),
        first_seen_ms: r.first_seen_ms,
        last_seen_ms: r.last_seen_ms,
        created_at_ms: r.created_at_ms,
        updated_at_ms: r.updated_at_ms,
        id,
    })
}

/// Queues an alert event for every enabled forwarding target that takes its severity, in the
/// transaction that records it (nothing is lost between raising and sending).
async fn queue_deliveries(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    alert_id: &str,
    event: &str,
    severity: Severity,
    now_ms: i64,
) -> Result<()> {
    let rank = match severity {
        Severity::Low => 0,
        Severity::Medium => 1,
        Severity::High => 2,
    };
    sqlx::query(
        "INSERT INTO alert_deliveries (target_id, alert_id, event, payload, state, \
         next_attempt_ms, created_at_ms) \
         SELECT target_id, ?1, ?2, '', 'pending', ?3, ?3 FROM forward_targets WHERE enabled \
         AND CASE min_severity WHEN 'low' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END <= ?4",
    )
    .bind(alert_id)
    .bind(event)
    .bind(now_ms)
    .bind(rank)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Validation(e.to_string()))
}

#[async_trait]
impl PolicyStore for Store {
    async fn save_policy(&self, p: &Policy) -> Result<()> {
        sqlx::query(
            "INSERT INTO policies (policy_id, name, description, kind, severity, enabled, \
             template_id, definition, scope, actions, created_at_ms, updated_at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
             ON CONFLICT (policy_id) DO UPDATE SET name = ?2, description = ?3, kind = ?4, \
             severity = ?5, enabled = ?6, template_id = ?7, definition = ?8, scope = ?9, \
             actions = ?10, updated_at_ms = ?12",
        )
        .bind(&p.id)
        .bind(&p.name)
        .bind(&p.description)
        .bind(p.kind.as_str())
        .bind(p.severity.as_str())
        .bind(p.enabled)
        .bind(&p.template_id)
        .bind(json(&p.definition)?)
        .bind(json(&p.scope)?)
        .bind(json(&p.actions)?)
        .bind(p.created_at_ms)
        .bind(p.updated_at_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn policies(&self) -> Result<Vec<Policy>> {
        let rows: Vec<PolicyDbRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{POLICY_SELECT} ORDER BY p.name COLLATE NOCASE, p.policy_id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(to_policy).collect()
    }

    async fn policy(&self, id: &str) -> Result<Option<Policy>> {
        let row: Option<PolicyDbRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{POLICY_SELECT} WHERE p.policy_id = ?"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(to_policy).transpose()
    }

    async fn delete_policy(&self, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM policies WHERE policy_id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn record_matches(&self, matches: &[NewMatch], now_ms: i64) -> Result<Recorded> {
        let mut out = Recorded::default();
        if matches.is_empty() {
            return Ok(out);
        }
        let mut tx = self.pool.begin().await?;
        let forwarding: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM forward_targets WHERE enabled)")
                .fetch_one(&mut *tx)
                .await?;
        for m in matches {
            // Which of its records are new for the policy (a record counts once): asked in
            // chunks, one statement per chunk.
            let mut known: std::collections::HashSet<String> = std::collections::HashSet::new();
            for chunk in m.evidence.chunks(400) {
                let mut q: QueryBuilder<Sqlite> =
                    QueryBuilder::new("SELECT evidence_key FROM alert_evidence WHERE policy_id = ");
                q.push_bind(m.policy_id.clone())
                    .push(" AND evidence_key IN (");
                let mut list = q.separated(", ");
                for (key, _) in chunk {
                    list.push_bind(key.clone());
                }
                q.push(")");
                let rows: Vec<String> = q.build_query_scalar().fetch_all(&mut *tx).await?;
                known.extend(rows);
            }
            let mut fresh: Vec<(&String, &Evidence)> = Vec::with_capacity(m.evidence.len());
            for (key, e) in &m.evidence {
                if known.insert(key.clone()) {
                    fresh.push((key, e));
                }
            }
            if fresh.is_empty() {
                continue;
            }
            let first = fresh
                .iter()
                .map(|(_, e)| e.occurred_at_ms)
                .min()
                .unwrap_or(now_ms);
            let last = fresh
                .iter()
                .map(|(_, e)| e.occurred_at_ms)
                .max()
                .unwrap_or(now_ms);
            let open: Option<(String, String)> = sqlx::query_as(
                "SELECT alert_id, entities FROM alerts WHERE policy_id = ? AND group_key = ? \
                 AND status IN ('open', 'in_progress')",
            )
            .bind(&m.policy_id)
            .bind(&m.group_key)
            .fetch_optional(&mut *tx)
            .await?;
            let alert_id = match open {
                Some((id, entities)) => {
                    let mut all: Vec<Entity> = serde_json::from_str(&entities).unwrap_or_default();
                    for e in &m.entities {
                        if all.len() < crate::policy::MAX_ENTITIES && !all.contains(e) {
                            all.push(e.clone());
                        }
                    }
                    sqlx::query(
                        "UPDATE alerts SET evidence_count = evidence_count + ?, \
                         first_seen_ms = MIN(first_seen_ms, ?), last_seen_ms = MAX(last_seen_ms, ?), \
                         entities = ?, description = ?, updated_at_ms = ? WHERE alert_id = ?",
                    )
                    .bind(fresh.len() as i64)
                    .bind(first)
                    .bind(last)
                    .bind(json(&all)?)
                    .bind(&m.description)
                    .bind(now_ms)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                    out.updated.push(id.clone());
                    id
                }
                None => {
                    let id = crate::api::new_id("alert", now_ms);
                    sqlx::query(
                        "INSERT INTO alerts (alert_id, seq, policy_id, policy_name, group_key, \
                         severity, title, description, status, entities, evidence_count, \
                         first_seen_ms, last_seen_ms, created_at_ms, updated_at_ms) \
                         VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM alerts), ?, ?, ?, ?, \
                         ?, ?, 'open', ?, ?, ?, ?, ?, ?)",
                    )
                    .bind(&id)
                    .bind(&m.policy_id)
                    .bind(&m.policy_name)
                    .bind(&m.group_key)
                    .bind(m.severity.as_str())
                    .bind(&m.title)
                    .bind(&m.description)
                    .bind(json(&m.entities)?)
                    .bind(fresh.len() as i64)
                    .bind(first)
                    .bind(last)
                    .bind(now_ms)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
                    out.raised.push(id.clone());
                    id
                }
            };
            let event = if out.raised.last() == Some(&alert_id) {
                "raised"
            } else {
                "updated"
            };
            if forwarding {
                queue_deliveries(&mut tx, &alert_id, event, m.severity, now_ms).await?;
            }
            for chunk in fresh.chunks(100) {
                let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                    "INSERT INTO alert_evidence (policy_id, evidence_key, alert_id, kind, \
                     instance_id, ref_id, occurred_at_ms, summary) ",
                );
                q.push_values(chunk, |mut b, (key, e)| {
                    b.push_bind(m.policy_id.clone())
                        .push_bind((*key).clone())
                        .push_bind(alert_id.clone())
                        .push_bind(e.kind.clone())
                        .push_bind(e.instance_id.clone())
                        .push_bind(e.ref_id.clone())
                        .push_bind(e.occurred_at_ms)
                        .push_bind(e.summary.clone());
                });
                q.build().execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn alerts_page(
        &self,
        filter: &AlertFilter,
        before_seq: Option<i64>,
        limit: u32,
    ) -> Result<Vec<(i64, Alert)>> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT seq, {ALERT_COLS} FROM alerts a WHERE 1 = 1"
        ));
        if let Some(s) = filter.status {
            q.push(" AND a.status = ").push_bind(s.as_str());
        }
        if let Some(s) = filter.severity {
            q.push(" AND a.severity = ").push_bind(s.as_str());
        }
        if let Some(p) = &filter.policy_id {
            q.push(" AND a.policy_id = ").push_bind(p.clone());
        }
        if let Some(e) = &filter.entity {
            q.push(
                " AND EXISTS (SELECT 1 FROM json_each(a.entities) j \
                 WHERE json_extract(j.value, '$.id') = ",
            )
            .push_bind(e.clone())
            .push(")");
        }
        if let Some(seq) = before_seq {
            q.push(" AND a.seq < ").push_bind(seq);
        }
        q.push(" ORDER BY a.seq DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows: Vec<(i64, AlertDbRow)> = q
            .build()
            .try_map(|row: sqlx::sqlite::SqliteRow| {
                use sqlx::{FromRow, Row};
                Ok((row.try_get::<i64, _>("seq")?, AlertDbRow::from_row(&row)?))
            })
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|(seq, r)| Ok((seq, to_alert(r)?)))
            .collect()
    }

    async fn alert(&self, id: &str) -> Result<Option<Alert>> {
        let row: Option<AlertDbRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ALERT_COLS} FROM alerts WHERE alert_id = ?"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(to_alert).transpose()
    }

    async fn alert_evidence(&self, id: &str, limit: u32) -> Result<Vec<Evidence>> {
        let rows: Vec<(String, Option<String>, String, i64, String)> = sqlx::query_as(
            "SELECT kind, instance_id, ref_id, occurred_at_ms, summary FROM alert_evidence \
             WHERE alert_id = ? ORDER BY occurred_at_ms DESC LIMIT ?",
        )
        .bind(id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(kind, instance_id, ref_id, occurred_at_ms, summary)| Evidence {
                    kind,
                    instance_id,
                    ref_id,
                    occurred_at_ms,
                    summary,
                },
            )
            .collect())
    }

    async fn alert_comments(&self, id: &str) -> Result<Vec<AlertComment>> {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT at_ms, author, kind, text FROM alert_comments WHERE alert_id = ? \
             ORDER BY at_ms, rowid",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at_ms, author, kind, text)| AlertComment {
                at_ms,
                author,
                kind,
                text,
            })
            .collect())
    }

    async fn update_alert(
        &self,
        id: &str,
        status: AlertStatus,
        resolution: Option<Resolution>,
        assignee: Option<Option<String>>,
        comment: Option<AlertComment>,
        now_ms: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("UPDATE alerts SET status = ");
        q.push_bind(status.as_str())
            .push(", resolution = ")
            .push_bind(resolution.map(Resolution::as_str))
            .push(", updated_at_ms = ")
            .push_bind(now_ms);
        if let Some(a) = assignee {
            q.push(", assignee = ").push_bind(a);
        }
        q.push(" WHERE alert_id = ").push_bind(id.to_owned());
        let done = q.build().execute(&mut *tx).await;
        let done = match done {
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                return Err(Error::Validation(
                    "another alert of this policy on the same subject is open: \
                     work on that one, or close it first"
                        .into(),
                ))
            }
            other => other?,
        };
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let severity: String = sqlx::query_scalar("SELECT severity FROM alerts WHERE alert_id = ?")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let severity = Severity::parse(&severity).unwrap_or(Severity::High);
        queue_deliveries(&mut tx, id, "status", severity, now_ms).await?;
        if let Some(c) = comment {
            sqlx::query(
                "INSERT INTO alert_comments (alert_id, at_ms, author, kind, text) \
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(c.at_ms)
            .bind(&c.author)
            .bind(&c.kind)
            .bind(&c.text)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn add_alert_comment(&self, id: &str, c: &AlertComment) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO alert_comments (alert_id, at_ms, author, kind, text) \
             SELECT alert_id, ?, ?, ?, ? FROM alerts WHERE alert_id = ?",
        )
        .bind(c.at_ms)
        .bind(&c.author)
        .bind(&c.kind)
        .bind(&c.text)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn ip_ranges(&self) -> Result<Vec<IpRange>> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT cidr, tag, name FROM ip_ranges ORDER BY tag, cidr")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(cidr, tag, name)| {
                Some(IpRange {
                    cidr,
                    tag: IpTag::parse(&tag)?,
                    name,
                })
            })
            .collect())
    }

    async fn save_ip_range(&self, r: &IpRange, now_ms: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO ip_ranges (cidr, tag, name, created_at_ms) VALUES (?, ?, ?, ?) \
             ON CONFLICT (cidr) DO UPDATE SET tag = excluded.tag, name = excluded.name",
        )
        .bind(&r.cidr)
        .bind(r.tag.as_str())
        .bind(&r.name)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn delete_ip_range(&self, cidr: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM ip_ranges WHERE cidr = ?")
            .bind(cidr)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn account_by_login(
        &self,
        instance_id: &str,
        login: &str,
    ) -> Result<Option<(String, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT external_id, kind, raw FROM accounts WHERE instance_id = ?1 \
             AND (login = ?2 COLLATE NOCASE OR email = ?2 COLLATE NOCASE OR external_id = ?2) \
             LIMIT 1",
        )
        .bind(instance_id)
        .bind(login)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn file_id_by_ref(&self, instance_id: &str, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT external_id FROM files WHERE instance_id = ?1 \
             AND (external_id = ?2 OR url = ?2) LIMIT 1",
        )
        .bind(instance_id)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn credential_grants(
        &self,
        instance_id: &str,
        login: &str,
    ) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT external_id, raw FROM oauth_grants WHERE instance_id = ? \
             AND principal = ? COLLATE NOCASE AND external_id LIKE 'credential:%'",
        )
        .bind(instance_id)
        .bind(login)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn oauth_baselines(&self) -> Result<HashMap<String, i64>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT name, oauth_baseline_ms FROM connector_instances \
             WHERE oauth_baseline_ms IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    async fn evaluation_marks(&self) -> Result<HashMap<String, i64>> {
        let rows: Vec<(String, Option<i64>)> = sqlx::query_as(
            "SELECT i.instance_id, m.activity_rowid FROM connector_instances i \
             LEFT JOIN evaluation_marks m ON m.instance_id = i.instance_id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(i, m)| (i, m.unwrap_or(0))).collect())
    }

    async fn set_evaluation_marks(&self, marks: &[(String, i64)], now_ms: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (instance, rowid) in marks {
            sqlx::query(
                "INSERT INTO evaluation_marks (instance_id, activity_rowid, updated_at_ms) \
                 SELECT instance_id, ?2, ?3 FROM connector_instances WHERE instance_id = ?1 \
                 ON CONFLICT (instance_id) DO UPDATE SET \
                 activity_rowid = MAX(activity_rowid, excluded.activity_rowid), \
                 updated_at_ms = excluded.updated_at_ms",
            )
            .bind(instance)
            .bind(rowid)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn activities_after(
        &self,
        after_rowid: i64,
        limit: u32,
        raw: &RawNeeds,
    ) -> Result<Vec<EvalActivity>> {
        let mut q = QueryBuilder::<Sqlite>::new(format!("SELECT {ACTIVITY_COLS}, "));
        push_raw_column(&mut q, raw);
        q.push(
            " AS raw FROM activities a JOIN connector_instances i ON i.instance_id = a.instance_id \
             WHERE a.rowid > ",
        )
        .push_bind(after_rowid)
        .push(" ORDER BY a.rowid LIMIT ")
        .push_bind(i64::from(limit));
        Ok(q.build_query_as().fetch_all(&self.pool).await?)
    }

    async fn activities_in(
        &self,
        since_ms: i64,
        until_ms: i64,
        after: Option<(i64, i64)>,
        limit: u32,
        raw: &RawNeeds,
    ) -> Result<Vec<EvalActivity>> {
        let (at, rowid) = after.unwrap_or((since_ms, -1));
        let mut q = QueryBuilder::<Sqlite>::new(format!("SELECT {ACTIVITY_COLS}, "));
        push_raw_column(&mut q, raw);
        q.push(
            " AS raw FROM activities a JOIN connector_instances i ON i.instance_id = a.instance_id \
             WHERE a.occurred_at_ms >= ",
        )
        .push_bind(since_ms)
        .push(" AND a.occurred_at_ms < ")
        .push_bind(until_ms)
        .push(" AND (a.occurred_at_ms, a.rowid) > (")
        .push_bind(at)
        .push(", ")
        .push_bind(rowid)
        .push(") ORDER BY a.occurred_at_ms, a.rowid LIMIT ")
        .push_bind(i64::from(limit));
        Ok(q.build_query_as().fetch_all(&self.pool).await?)
    }

    async fn user_activities(
        &self,
        actor: &str,
        since_ms: i64,
        until_ms: i64,
        max_rowid: i64,
    ) -> Result<Vec<EvalActivity>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ACTIVITY_COLS}, NULL AS raw FROM activities a \
             JOIN connector_instances i ON i.instance_id = a.instance_id \
             WHERE a.actor = ? AND a.occurred_at_ms >= ? AND a.occurred_at_ms <= ? \
             AND a.rowid <= ? ORDER BY a.occurred_at_ms, a.rowid LIMIT 100000"
        )))
        .bind(actor)
        .bind(since_ms)
        .bind(until_ms)
        .bind(max_rowid)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn actors_activities(
        &self,
        actors: &[String],
        since_ms: i64,
        until_ms: i64,
        max_rowid: i64,
    ) -> Result<Vec<EvalActivity>> {
        let mut out = Vec::new();
        for chunk in actors.chunks(500) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
                "SELECT {ACTIVITY_COLS}, NULL AS raw FROM activities a \
                 JOIN connector_instances i ON i.instance_id = a.instance_id WHERE a.actor IN ("
            ));
            let mut list = q.separated(", ");
            for a in chunk {
                list.push_bind(a.clone());
            }
            q.push(") AND a.occurred_at_ms >= ")
                .push_bind(since_ms)
                .push(" AND a.occurred_at_ms < ")
                .push_bind(until_ms)
                .push(" AND a.rowid <= ")
                .push_bind(max_rowid)
                .push(" ORDER BY a.occurred_at_ms, a.rowid LIMIT 1000000");
            out.extend(
                q.build_query_as::<EvalActivity>()
                    .fetch_all(&self.pool)
                    .await?,
            );
        }
        Ok(out)
    }

    async fn baselines(&self, actors: &[String]) -> Result<(Vec<BaselineRow>, Vec<PlaceRow>)> {
        let mut rows = Vec::new();
        let mut places = Vec::new();
        for chunk in actors.chunks(500) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "SELECT actor, kind, value, first_seen_ms, last_seen_ms FROM user_baselines \
                 WHERE actor IN (",
            );
            let mut list = q.separated(", ");
            for a in chunk {
                list.push_bind(a.clone());
            }
            q.push(")");
            rows.extend(
                q.build_query_as::<BaselineRow>()
                    .fetch_all(&self.pool)
                    .await?,
            );
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "SELECT actor, at_ms, ip, country, instance_id, event_id FROM user_places \
                 WHERE actor IN (",
            );
            let mut list = q.separated(", ");
            for a in chunk {
                list.push_bind(a.clone());
            }
            q.push(")");
            places.extend(q.build_query_as::<PlaceRow>().fetch_all(&self.pool).await?);
        }
        Ok((rows, places))
    }

    async fn save_baselines(&self, rows: &[BaselineRow], places: &[PlaceRow]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        // Many rows per statement: a batch touches thousands of users.
        for chunk in rows.chunks(200) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT INTO user_baselines (actor, kind, value, first_seen_ms, last_seen_ms) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.actor.clone())
                    .push_bind(r.kind.clone())
                    .push_bind(r.value.clone())
                    .push_bind(r.first_seen_ms)
                    .push_bind(r.last_seen_ms);
            });
            q.push(
                " ON CONFLICT (actor, kind, value) DO UPDATE SET \
                 first_seen_ms = MIN(first_seen_ms, excluded.first_seen_ms), \
                 last_seen_ms = MAX(last_seen_ms, excluded.last_seen_ms)",
            );
            q.build().execute(&mut *tx).await?;
        }
        for chunk in places.chunks(150) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT INTO user_places (actor, at_ms, ip, country, instance_id, event_id) ",
            );
            q.push_values(chunk, |mut b, p| {
                b.push_bind(p.actor.clone())
                    .push_bind(p.at_ms)
                    .push_bind(p.ip.clone())
                    .push_bind(p.country.clone())
                    .push_bind(p.instance_id.clone())
                    .push_bind(p.event_id.clone());
            });
            // `WHERE true` keeps SQLite's parser from reading ON CONFLICT as a join's ON.
            q.push(
                " ON CONFLICT (actor) DO UPDATE SET at_ms = excluded.at_ms, ip = excluded.ip, \
                 country = excluded.country, instance_id = excluded.instance_id, \
                 event_id = excluded.event_id WHERE excluded.at_ms >= user_places.at_ms",
            );
            q.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
