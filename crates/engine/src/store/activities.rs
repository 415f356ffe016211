//! The activity log query (SQLite): typed filters bound as parameters, newest first, keyset
//! pages on `(occurred_at_ms, instance_id, event_id)` so that rows arriving meanwhile never
//! shift a page. Each filter has an index that serves both the filter and the order (see
//! `migrations/0012_activities_normalized.sql` and the query-plan test).

use std::net::IpAddr;

use cloudwarden_connectors::normalize;
use sqlx::{QueryBuilder, Sqlite};

use super::Store;
use crate::domain::investigate::{ActivityCategory, ActivityFilter, ActivityOutcome, ActivityRow};
use crate::{Error, Result};

/// Where a page starts: the key of the last row of the page before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityKey {
    pub occurred_at_ms: i64,
    pub instance_id: String,
    pub event_id: String,
}

impl ActivityKey {
    /// The opaque cursor: the key as hex, so that it survives any transport unchanged.
    pub fn encode(&self) -> String {
        let plain = format!(
            "a1\u{1f}{}\u{1f}{}\u{1f}{}",
            self.occurred_at_ms, self.instance_id, self.event_id
        );
        super::hex_encode(&plain)
    }

    pub fn decode(cursor: &str) -> Result<ActivityKey> {
        let bad = || Error::Validation("this cursor is not one the activity log gave".into());
        let plain = super::hex_decode(cursor).ok_or_else(bad)?;
        let mut parts = plain.split('\u{1f}');
        match (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) {
            (Some("a1"), Some(ms), Some(instance), Some(event), None) => Ok(ActivityKey {
                occurred_at_ms: ms.parse().map_err(|_| bad())?,
                instance_id: instance.to_owned(),
                event_id: event.to_owned(),
            }),
            _ => Err(bad()),
        }
    }
}

/// An IP network: an address and how many leading bits must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    bits: u8,
}

impl Network {
    /// `10.1.0.0/16`, `2001:db8::/32`, or a single address.
    pub fn parse(s: &str) -> Result<Network> {
        let bad = || Error::Validation(format!("\"{s}\" is not an IP address or CIDR network"));
        let (addr, bits) = match s.trim().split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            Some(b) => b.parse::<u8>().ok().filter(|b| *b <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(Network { addr, bits })
    }

    /// A single address (no prefix shorter than the address).
    pub fn is_host(&self) -> bool {
        self.bits == if self.addr.is_ipv4() { 32 } else { 128 }
    }

    pub fn contains(&self, ip: &str) -> bool {
        let Ok(ip) = ip.parse::<IpAddr>() else {
            return false;
        };
        let mask = |bits: u8, width: u32| -> u128 {
            if bits == 0 {
                0
            } else {
                (!0u128) << (width - u32::from(bits))
            }
        };
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let m = mask(self.bits, 32);
                (u128::from(u32::from(n)) & m) == (u128::from(u32::from(a)) & m)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let m = mask(self.bits, 128);
                (u128::from(n) & m) == (u128::from(a) & m)
            }
            _ => false,
        }
    }
}

/// The columns of a [`Row`], and where they come from.
const SELECT_ROW: &str = "SELECT a.instance_id, i.name AS instance_name, i.app, a.event_id, \
     a.occurred_at_ms, a.actor, a.category, a.action, a.outcome, a.target, a.ip, a.user_agent";
const FROM_LOG: &str =
    "FROM activities a JOIN connector_instances i ON i.instance_id = a.instance_id";

#[derive(sqlx::FromRow)]
struct Row {
    instance_id: String,
    instance_name: String,
    app: String,
    event_id: String,
    occurred_at_ms: i64,
    actor: Option<String>,
    category: String,
    action: String,
    outcome: Option<String>,
    target: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    /// The vendor's record, only when asked for (exports); NULL otherwise.
    raw: Option<String>,
}

/// Rows read per statement while a network filter sifts them (the SQL cannot).
const SIFT_BATCH: i64 = 2_000;
/// Rows a network filter looks at for one page before it returns what it has (with a cursor
/// to go on), so that a page never takes long however rare the matches.
const SIFT_BUDGET: usize = 200_000;

/// Setting that records that stored activities were categorised.
const NORMALIZED_KEY: &str = "activities.normalized";

impl Store {
    /// Gives activities stored before the activity log existed their category and a
    /// normalised outcome, once: one update per distinct (app, action, outcome).
    pub async fn normalize_activities(&self, now_ms: i64) -> Result<()> {
        if self.setting::<u32>(NORMALIZED_KEY).await?.is_some() {
            return Ok(());
        }
        let kinds: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT DISTINCT i.app, a.action, a.outcome FROM activities a \
             JOIN connector_instances i ON i.instance_id = a.instance_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut tx = self.write_tx().await?;
        for (app, action, outcome) in &kinds {
            sqlx::query(
                "UPDATE activities SET category = ?, outcome = ? WHERE action = ? AND outcome IS ? \
                 AND instance_id IN (SELECT instance_id FROM connector_instances WHERE app = ?)",
            )
            .bind(normalize::categorize(app, action).as_str())
            .bind(ActivityOutcome::from_vendor(outcome.as_deref()).as_str())
            .bind(action)
            .bind(outcome)
            .bind(app)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.set_setting(NORMALIZED_KEY, &1u32, now_ms).await
    }

    /// One page of the activity log after `after`, newest first: `(rows, key to go on)`.
    /// The key is `None` when the log ends here.
    pub async fn activities_page(
        &self,
        filter: &ActivityFilter,
        after: Option<ActivityKey>,
        limit: usize,
    ) -> Result<(Vec<ActivityRow>, Option<ActivityKey>)> {
        let (rows, next) = self.page(filter, after, limit, false).await?;
        Ok((rows.into_iter().map(|(r, _)| r).collect(), next))
    }

    /// As [`Store::activities_page`], each row with the vendor's raw record (for exports).
    pub async fn activities_page_raw(
        &self,
        filter: &ActivityFilter,
        after: Option<ActivityKey>,
        limit: usize,
    ) -> Result<(Vec<(ActivityRow, String)>, Option<ActivityKey>)> {
        let (rows, next) = self.page(filter, after, limit, true).await?;
        Ok((
            rows.into_iter()
                .map(|(r, raw)| (r, raw.unwrap_or_default()))
                .collect(),
            next,
        ))
    }

    async fn page(
        &self,
        filter: &ActivityFilter,
        after: Option<ActivityKey>,
        limit: usize,
        raw: bool,
    ) -> Result<(Vec<(ActivityRow, Option<String>)>, Option<ActivityKey>)> {
        let network = filter.ip.as_deref().map(Network::parse).transpose()?;
        // A single address is an indexed equality; a network is sifted in Rust.
        let exact_ip = network
            .filter(Network::is_host)
            .and(filter.ip.as_deref().map(str::trim));
        let sift = network.filter(|n| !n.is_host());
        let mut after = after;
        let mut out: Vec<(ActivityRow, Option<String>)> = Vec::with_capacity(limit);
        let mut looked = 0usize;
        loop {
            let want = if sift.is_some() {
                SIFT_BATCH
            } else {
                i64::try_from(limit + 1).unwrap_or(i64::MAX)
            };
            let mut q = activity_query(filter, exact_ip, after.as_ref(), "", raw);
            q.push(" LIMIT ").push_bind(want);
            let rows = q.build_query_as::<Row>().fetch_all(&self.pool).await?;
            let n = rows.len();
            for row in rows {
                let key = ActivityKey {
                    occurred_at_ms: row.occurred_at_ms,
                    instance_id: row.instance_id.clone(),
                    event_id: row.event_id.clone(),
                };
                looked += 1;
                let keep =
                    sift.is_none_or(|net| row.ip.as_deref().is_some_and(|ip| net.contains(ip)));
                if keep {
                    if out.len() == limit {
                        // There is more: the next page starts after the last row kept.
                        let last = out.last().map(|(r, _)| ActivityKey {
                            occurred_at_ms: r.occurred_at_ms,
                            instance_id: r.instance_id.clone(),
                            event_id: r.event_id.clone(),
                        });
                        return Ok((out, last));
                    }
                    out.push(to_row(row));
                }
                after = Some(key);
            }
            if i64::try_from(n).unwrap_or(0) < want {
                return Ok((out, None)); // the log ends here
            }
            if sift.is_some() && looked >= SIFT_BUDGET {
                // Rare matches: hand back what there is and where the sifting stopped.
                return Ok((out, after));
            }
        }
    }

    /// One event and its raw vendor record.
    pub async fn activity(
        &self,
        instance_id: &str,
        event_id: &str,
    ) -> Result<Option<(ActivityRow, String)>> {
        let found: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT_ROW}, a.raw {FROM_LOG} WHERE a.instance_id = ? AND a.event_id = ? LIMIT 1"
        )))
        .bind(instance_id)
        .bind(event_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.map(|f| {
            let (row, raw) = to_row(f);
            (row, raw.unwrap_or_default())
        }))
    }

    /// The query plan of the activity log query for `f` (for the index test).
    pub async fn activities_plan(&self, f: &ActivityFilter, paged: bool) -> Result<Vec<String>> {
        let after = paged.then(|| ActivityKey {
            occurred_at_ms: 0,
            instance_id: String::new(),
            event_id: String::new(),
        });
        let ip = f.ip.as_deref();
        let mut q = activity_query(f, ip, after.as_ref(), "EXPLAIN QUERY PLAN ", false);
        q.push(" LIMIT 50");
        let rows: Vec<(i64, i64, i64, String)> = q.build_query_as().fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|r| r.3).collect())
    }
}

fn to_row(r: Row) -> (ActivityRow, Option<String>) {
    let row = ActivityRow {
        instance_id: r.instance_id,
        instance_name: r.instance_name,
        app: r.app,
        event_id: r.event_id,
        occurred_at_ms: r.occurred_at_ms,
        actor: r.actor,
        category: ActivityCategory::parse(&r.category).unwrap_or(ActivityCategory::Other),
        action: r.action,
        outcome: r
            .outcome
            .as_deref()
            .and_then(ActivityOutcome::parse)
            .unwrap_or(ActivityOutcome::Unknown),
        object: r.target,
        ip: r.ip,
        user_agent: r.user_agent,
    };
    (row, r.raw)
}

/// The activity log query for `f` after `after`, newest first, behind `prefix` (empty, or
/// `EXPLAIN QUERY PLAN `), with the raw record when `raw`.
fn activity_query(
    f: &ActivityFilter,
    ip: Option<&str>,
    after: Option<&ActivityKey>,
    prefix: &str,
    raw: bool,
) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::<Sqlite>::new(prefix);
    q.push(SELECT_ROW)
        .push(if raw { ", a.raw " } else { ", NULL AS raw " })
        .push(FROM_LOG)
        .push(" WHERE 1 = 1");
    if let Some(v) = &f.instance_id {
        q.push(" AND a.instance_id = ").push_bind(v.clone());
    }
    if let Some(v) = &f.app {
        q.push(" AND i.app = ").push_bind(v.clone());
    }
    if let Some(v) = &f.user {
        q.push(" AND a.actor = ").push_bind(v.clone());
    }
    if let Some(v) = ip {
        q.push(" AND a.ip = ").push_bind(v.to_owned());
    }
    if let Some(v) = f.category {
        q.push(" AND a.category = ")
            .push_bind(v.as_str().to_owned());
    }
    if let Some(v) = &f.action {
        q.push(" AND a.action = ").push_bind(v.clone());
    }
    if let Some(v) = f.outcome {
        q.push(" AND a.outcome = ").push_bind(v.as_str().to_owned());
    }
    if let Some(v) = f.since_ms {
        q.push(" AND a.occurred_at_ms >= ").push_bind(v);
    }
    if let Some(v) = f.until_ms {
        q.push(" AND a.occurred_at_ms < ").push_bind(v);
    }
    if let Some(m) = f.text.as_deref().and_then(fts_query) {
        q.push(" AND a.rowid IN (SELECT rowid FROM activities_fts WHERE activities_fts MATCH ")
            .push_bind(m)
            .push(")");
    }
    if let Some(o) = f.object.as_deref().filter(|o| !o.is_empty()) {
        // The words of the object narrow through the text index; equality confirms.
        q.push(" AND a.rowid IN (SELECT rowid FROM activities_fts WHERE activities_fts MATCH ")
            .push_bind(format!("target : \"{}\"", o.replace('"', "\"\"")))
            .push(") AND a.target = ")
            .push_bind(o.to_owned());
    }
    if let Some(k) = after {
        q.push(" AND (a.occurred_at_ms, a.instance_id, a.event_id) < (")
            .push_bind(k.occurred_at_ms)
            .push(", ")
            .push_bind(k.instance_id.clone())
            .push(", ")
            .push_bind(k.event_id.clone())
            .push(")");
    }
    q.push(" ORDER BY a.occurred_at_ms DESC, a.instance_id DESC, a.event_id DESC");
    q
}

/// The analyst's words as an FTS5 query: every word must appear as the start of a word in the
/// actor, action or object. Each word is quoted (quotes doubled), so no word can be read as
/// FTS5 syntax; `None` when there are no words.
pub fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split_whitespace()
        .take(16)
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_quoted_prefix_terms() {
        assert_eq!(
            fts_query("  alice  download "),
            Some("\"alice\"* \"download\"*".into())
        );
        assert_eq!(
            fts_query("a\"b OR c*"),
            Some("\"a\"\"b\"* \"OR\"* \"c*\"*".into())
        );
        assert_eq!(fts_query("   "), None);
    }

    #[test]
    fn networks_hold_their_addresses() {
        let n = Network::parse("10.1.0.0/16").unwrap();
        assert!(n.contains("10.1.255.3") && !n.contains("10.2.0.1") && !n.contains("::1"));
        let n = Network::parse("2001:db8::/32").unwrap();
        assert!(n.contains("2001:db8:1::5") && !n.contains("2001:db9::1"));
        assert!(Network::parse("0.0.0.0/0").unwrap().contains("8.8.8.8"));
        assert!(Network::parse("10.0.0.1").unwrap().is_host());
        assert!(Network::parse("10.0.0.0/33").is_err() && Network::parse("x/8").is_err());
    }
}
