//! The activity log query (SQLite): typed filters bound as parameters, newest first, keyset
//! pages on `(occurred_at_ms, instance_id, event_id)` so that rows arriving meanwhile never
//! shift a page. Each filter has an index that serves both the filter and the order (see
//! `migrations/0012_activities_normalized.sql` and the query-plan test).

use crate::backend::{ActivityStore, TypedSettings};
use async_trait::async_trait;
use std::collections::HashSet;
use std::net::IpAddr;

use cloudwarden_connectors::normalize;
use sqlx::{QueryBuilder, Sqlite};

use super::Store;
use crate::domain::investigate::{ActivityCategory, ActivityFilter, ActivityOutcome, ActivityRow};
use crate::{Error, Result};

/// Where a page starts: the key of the last row of the page before — its time and rowid
/// (every index of the log ends in the rowid, so the key costs no index a column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityKey {
    pub occurred_at_ms: i64,
    pub rowid: i64,
}

impl ActivityKey {
    /// The opaque cursor.
    pub fn encode(&self) -> String {
        super::encode_cursor(
            "a2",
            &[&self.occurred_at_ms.to_string(), &self.rowid.to_string()],
        )
    }

    pub fn decode(cursor: &str) -> Result<ActivityKey> {
        super::decode_cursor(cursor, "a2", 2)
            .and_then(|p| {
                Some(ActivityKey {
                    occurred_at_ms: p[0].parse().ok()?,
                    rowid: p[1].parse().ok()?,
                })
            })
            .ok_or_else(|| Error::Validation("this cursor is not one the activity log gave".into()))
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

    /// The network as written canonically: `10.1.0.0/16` (host bits cleared), or the address
    /// alone for a single address.
    pub fn canonical(&self) -> String {
        if self.is_host() {
            return self.addr.to_string();
        }
        let (lo, _) = self.key_range();
        let addr = match self.addr {
            IpAddr::V4(_) => {
                let b: [u8; 4] = lo[1..5].try_into().unwrap_or_default();
                IpAddr::from(b)
            }
            IpAddr::V6(_) => {
                let b: [u8; 16] = lo[1..17].try_into().unwrap_or_default();
                IpAddr::from(b)
            }
        };
        format!("{addr}/{}", self.bits)
    }

    /// A single address (no prefix shorter than the address).
    pub fn is_host(&self) -> bool {
        self.bits == if self.addr.is_ipv4() { 32 } else { 128 }
    }

    /// The lowest and highest [`ip_key`] in the network: its rows are one index range.
    pub fn key_range(&self) -> (Vec<u8>, Vec<u8>) {
        let (lo, hi) = match self.addr {
            IpAddr::V4(a) => {
                let host = u32::MAX.checked_shr(u32::from(self.bits)).unwrap_or(0);
                let lo = u32::from(a) & !host;
                (
                    IpAddr::from(lo.to_be_bytes()),
                    IpAddr::from((lo | host).to_be_bytes()),
                )
            }
            IpAddr::V6(a) => {
                let host = u128::MAX.checked_shr(u32::from(self.bits)).unwrap_or(0);
                let lo = u128::from(a) & !host;
                (
                    IpAddr::from(lo.to_be_bytes()),
                    IpAddr::from((lo | host).to_be_bytes()),
                )
            }
        };
        (addr_key(lo), addr_key(hi))
    }

    pub fn contains(&self, ip: &str) -> bool {
        ip.parse::<IpAddr>().is_ok_and(|ip| self.contains_addr(ip))
    }

    /// [`Network::contains`] for an address already parsed.
    pub fn contains_addr(&self, ip: IpAddr) -> bool {
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

/// An address as bytes that sort as addresses do: `4` and its 4 bytes, or `6` and its 16
/// (an IPv4-mapped IPv6 address counts as IPv4). `None` for text that is not an address.
pub fn ip_key(ip: &str) -> Option<Vec<u8>> {
    ip.trim().parse::<IpAddr>().ok().map(addr_key)
}

fn addr_key(addr: IpAddr) -> Vec<u8> {
    match addr.to_canonical() {
        IpAddr::V4(a) => [&[4u8][..], &a.octets()].concat(),
        IpAddr::V6(a) => [&[6u8][..], &a.octets()].concat(),
    }
}

/// The number an object (an activity's `target`) is looked up by: the first 8 bytes of its
/// SHA-256 (a collision only costs a row the equality on `target` then drops).
pub fn object_key(target: &str) -> i64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(target.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// The columns of a [`Row`], and where they come from.
const SELECT_ROW: &str =
    "SELECT a.rowid AS rowid, a.instance_id, i.name AS instance_name, i.app, a.event_id, \
     a.occurred_at_ms, a.actor, a.category, a.action, a.outcome, a.target, a.ip, a.user_agent";
const FROM_LOG: &str =
    "FROM activities a JOIN connector_instances i ON i.instance_id = a.instance_id";

#[derive(sqlx::FromRow)]
struct Row {
    rowid: i64,
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

/// Rows read per statement while a page sifts them (for a busy network or common words, which
/// no index can give in time order).
const SIFT_BATCH: i64 = 2_000;
/// Rows per statement when a page sifts a busy network for common words: each batch also
/// costs one query of the text index, so batches are larger.
const TEXT_SIFT_BATCH: i64 = 6_000;
/// Keys a page walking common words reads at most per statement (only keys: no row is read).
const TEXT_WALK_MAX: i64 = 24_000;
/// Rows a sifting page looks at before it returns what it has (with a cursor to go on), so
/// that a page never takes long however rare the matches.
const SIFT_BUDGET: usize = 200_000;
/// Rows a page reads and asks for broad starts before it leaves them to the text index.
const BROAD_TRIAL: usize = SIFT_BATCH as usize;
/// At most this many matching rows, and a network's rows (or the words' rows) are read
/// through their own index and sorted by time; more, and the page walks the log in time order
/// and sifts (they are common enough to fill a page soon). Measured at 10 M activities
/// (docs/benchmarks.md, investigation).
const FEW_MATCHES: i64 = 20_000;

/// How a page finds a network's rows.
enum IpPlan {
    /// One address: an index lookup.
    Exact(Vec<u8>),
    /// A network with few rows: an index range.
    Range(Vec<u8>, Vec<u8>),
    /// A busy network: the log in time order, sifted.
    Sift(Network),
}

/// How a page finds rows holding the analyst's words.
enum TextPlan {
    /// Rare words: the rows the text index names.
    Set(String),
    /// Common words: the log in time order, each row asked of the text index.
    Sift(String),
}

/// Setting that records that stored activities have their address and object keys.
const KEYS_KEY: &str = "activities.keys";

/// Setting that records that stored activities were categorised.
const NORMALIZED_KEY: &str = "activities.normalized";

impl Store {
    async fn page(
        &self,
        filter: &ActivityFilter,
        after: Option<ActivityKey>,
        limit: usize,
        raw: bool,
    ) -> Result<(Vec<(ActivityRow, Option<String>)>, Option<ActivityKey>)> {
        let ip = match filter.ip.as_deref().map(Network::parse).transpose()? {
            None => None,
            Some(net) if net.is_host() => Some(IpPlan::Exact(net.key_range().0)),
            Some(net) => {
                let (lo, hi) = net.key_range();
                let few: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM (SELECT 1 FROM activities \
                     WHERE ip_key BETWEEN ? AND ? LIMIT ?)",
                )
                .bind(&lo)
                .bind(&hi)
                .bind(FEW_MATCHES + 1)
                .fetch_one(&self.pool)
                .await?;
                Some(if few <= FEW_MATCHES {
                    IpPlan::Range(lo, hi)
                } else {
                    IpPlan::Sift(net)
                })
            }
        };
        let mut words = match filter.text.as_deref() {
            Some(text) => self.activity_words(text).await?,
            None => Words::default(),
        };
        if !words.broad.is_empty() {
            // Broad starts: the rows newest first, each asked — while they are common among
            // the rows (a page's worth in the first batch).
            let text = self.text_plan(words.index.clone(), words.few).await?;
            let (rows, next) = self
                .page_with(
                    filter,
                    ip.as_ref(),
                    text.as_ref(),
                    &words.broad,
                    after,
                    limit,
                    raw,
                    BROAD_TRIAL,
                )
                .await?;
            if rows.len() == limit || next.is_none() {
                return Ok((rows, next));
            }
            // Rarer than that: they hold few enough rows for the text index to merge their
            // words quickly (`user099`: 28 k events, 350 → 60 ms).
            let prefixes = words.broad.drain(..).map(|w| quoted_prefix(&w));
            let parts: Vec<String> = words.index.take().into_iter().chain(prefixes).collect();
            words.index = Some(parts.join(" AND "));
        }
        let text = self.text_plan(words.index, words.few).await?;
        if let Some(TextPlan::Sift(m)) = &text {
            if !matches!(ip, Some(IpPlan::Sift(_))) {
                return self
                    .text_walk(filter, ip.as_ref(), m, after, limit, raw)
                    .await;
            }
        }
        self.page_with(
            filter,
            ip.as_ref(),
            text.as_ref(),
            &[],
            after,
            limit,
            raw,
            SIFT_BUDGET,
        )
        .await
    }

    /// How a page finds the rows of the text index's query `m`: a count that stops past
    /// [`FEW_MATCHES`] decides (none needed when `few` is known).
    async fn text_plan(&self, m: Option<String>, few: bool) -> Result<Option<TextPlan>> {
        let Some(m) = m else {
            return Ok(None);
        };
        if few {
            return Ok(Some(TextPlan::Set(m)));
        }
        let found: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM (SELECT 1 FROM activities_fts \
             WHERE activities_fts MATCH ? LIMIT ?)",
        )
        .bind(&m)
        .bind(FEW_MATCHES + 1)
        .fetch_one(&self.pool)
        .await?;
        Ok(Some(if found <= FEW_MATCHES {
            TextPlan::Set(m)
        } else {
            TextPlan::Sift(m)
        }))
    }

    /// Common words (with any filter but a busy network): the filter's keys newest first
    /// from its own index alone (the time index, the failures', a user's…), the text index
    /// asked once per batch which of them hold the words, and only the page's rows read.
    async fn text_walk(
        &self,
        filter: &ActivityFilter,
        ip: Option<&IpPlan>,
        words: &str,
        after: Option<ActivityKey>,
        limit: usize,
        raw: bool,
    ) -> Result<(Vec<(ActivityRow, Option<String>)>, Option<ActivityKey>)> {
        let mut after = after;
        let mut kept: Vec<ActivityKey> = Vec::with_capacity(limit + 1);
        let mut looked = 0usize;
        let rest = ActivityFilter {
            text: None,
            ..filter.clone()
        };
        // The first batch holds a page if one key in eight matches; each further batch is four
        // times larger (matches are rarer than that), up to [`TEXT_WALK_MAX`].
        let mut want = i64::try_from((limit + 1) * 8)
            .unwrap_or(TEXT_WALK_MAX)
            .min(TEXT_WALK_MAX);
        let partial = loop {
            let keys: Vec<(i64, i64)> = self
                .batch(&rest, ip, None, after.as_ref(), want, Cols::Keys)
                .await?;
            let Some(lo) = keys.iter().map(|k| k.1).min() else {
                break false;
            };
            let hi = keys.iter().map(|k| k.1).max().unwrap_or(lo);
            let hits = self.text_hits(words, lo, hi).await?;
            for &(occurred_at_ms, rowid) in &keys {
                let key = ActivityKey {
                    occurred_at_ms,
                    rowid,
                };
                after = Some(key);
                if hits.contains(&rowid) {
                    kept.push(key);
                    if kept.len() > limit {
                        break;
                    }
                }
            }
            looked += keys.len();
            if kept.len() > limit || i64::try_from(keys.len()).unwrap_or(0) < want {
                break false;
            }
            if looked >= SIFT_BUDGET {
                break true;
            }
            want = want.saturating_mul(4).min(TEXT_WALK_MAX);
        };
        let more = kept.len() > limit;
        kept.truncate(limit);
        let ids = serde_json::to_string(&kept.iter().map(|k| k.rowid).collect::<Vec<_>>())
            .unwrap_or_else(|_| "[]".into());
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT_ROW}{} {FROM_LOG} WHERE a.rowid IN (SELECT value FROM json_each(?)) \
             ORDER BY a.occurred_at_ms DESC, a.rowid DESC",
            if raw { ", a.raw" } else { ", NULL AS raw" }
        )))
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        let next = if more {
            kept.last().copied()
        } else if partial {
            after // rare matches: where the walk stopped
        } else {
            None
        };
        Ok((rows.into_iter().map(to_row).collect(), next))
    }

    #[allow(clippy::too_many_arguments)] // the page's plan, part by part
    async fn page_with(
        &self,
        filter: &ActivityFilter,
        ip: Option<&IpPlan>,
        text: Option<&TextPlan>,
        broad: &[String],
        after: Option<ActivityKey>,
        limit: usize,
        raw: bool,
        budget: usize,
    ) -> Result<(Vec<(ActivityRow, Option<String>)>, Option<ActivityKey>)> {
        let sift_net = match ip {
            Some(IpPlan::Sift(net)) => Some(*net),
            _ => None,
        };
        let sifting =
            sift_net.is_some() || matches!(text, Some(TextPlan::Sift(_))) || !broad.is_empty();
        let mut after = after;
        let mut out: Vec<(ActivityRow, Option<String>)> = Vec::with_capacity(limit);
        let mut looked = 0usize;
        let mut after_last: Option<ActivityKey> = None;
        loop {
            let want = if matches!(text, Some(TextPlan::Sift(_))) {
                TEXT_SIFT_BATCH
            } else if sifting {
                SIFT_BATCH
            } else {
                i64::try_from(limit + 1).unwrap_or(i64::MAX)
            };
            let rows: Vec<Row> = self
                .batch(filter, ip, text, after.as_ref(), want, Cols::Row { raw })
                .await?;
            let n = rows.len();
            // Common words: the text index names the batch's matching rows.
            let hits: Option<HashSet<i64>> = match text {
                Some(TextPlan::Sift(m)) if n > 0 => {
                    let lo = rows.iter().map(|r| r.rowid).min().unwrap_or(0);
                    let hi = rows.iter().map(|r| r.rowid).max().unwrap_or(0);
                    Some(self.text_hits(m, lo, hi).await?)
                }
                _ => None,
            };
            for row in rows {
                let key = ActivityKey {
                    occurred_at_ms: row.occurred_at_ms,
                    rowid: row.rowid,
                };
                looked += 1;
                let keep = sift_net
                    .is_none_or(|net| row.ip.as_deref().is_some_and(|ip| net.contains(ip)))
                    && hits.as_ref().is_none_or(|h| h.contains(&row.rowid))
                    && broad.iter().all(|w| row_has_word(&row, w));
                if keep {
                    if out.len() == limit {
                        // There is more: the next page starts after the last row kept.
                        return Ok((out, after_last));
                    }
                    after_last = Some(key);
                    out.push(to_row(row));
                }
                after = Some(key);
            }
            if i64::try_from(n).unwrap_or(0) < want {
                return Ok((out, None)); // the log ends here
            }
            if sifting && looked >= budget {
                // Rare matches: hand back what there is and where the sifting stopped.
                return Ok((out, after));
            }
        }
    }

    /// The rowids between `lo` and `hi` holding `words`: one query of the text index over a
    /// batch's rowid range (rows read in time order arrived close together, so the range is
    /// narrow; FTS5 seeks into each word's rowid list).
    async fn text_hits(&self, words: &str, lo: i64, hi: i64) -> Result<HashSet<i64>> {
        let found: Vec<i64> = sqlx::query_scalar(
            "SELECT rowid FROM activities_fts WHERE activities_fts MATCH ? \
             AND rowid BETWEEN ? AND ?",
        )
        .bind(words)
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.pool)
        .await?;
        Ok(found.into_iter().collect())
    }

    /// The next `want` rows of the log after `after` for the filter, newest first. An app's
    /// log is its instances' logs merged: each instance's rows come in order from its own
    /// index (a join on the app would have SQLite sort the whole log of the app).
    async fn batch<T>(
        &self,
        filter: &ActivityFilter,
        ip: Option<&IpPlan>,
        text: Option<&TextPlan>,
        after: Option<&ActivityKey>,
        want: i64,
        cols: Cols,
    ) -> Result<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Keyed + Send + Unpin,
    {
        let fetch = |f: ActivityFilter| {
            let mut q = activity_query(&f, ip, text, after, "", cols, want);
            async move { q.build_query_as::<T>().fetch_all(&self.pool).await }
        };
        let (Some(app), None) = (&filter.app, &filter.instance_id) else {
            return Ok(fetch(filter.clone()).await?);
        };
        let instances: Vec<String> = sqlx::query_scalar(
            "SELECT instance_id FROM connector_instances WHERE app = ? ORDER BY instance_id",
        )
        .bind(app)
        .fetch_all(&self.pool)
        .await?;
        let mut rows = Vec::new();
        for id in instances {
            rows.extend(
                fetch(ActivityFilter {
                    instance_id: Some(id),
                    app: None,
                    ..filter.clone()
                })
                .await?,
            );
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.key()));
        rows.truncate(usize::try_from(want).unwrap_or(usize::MAX));
        Ok(rows)
    }

    /// The analyst's words as a query of the activity log's text index (see [`fts_query`]),
    /// each word spelled out into the index words it starts, read from `activities_vocab`
    /// (0027): `("report" OR "reports")` instead of `"report"*`. FTS5 answers a prefix by
    /// merging every matching word's whole row list in memory, on every query, even one
    /// bounded to a few rows; exact words are seeks (measured at 10 M activities: 50 ms
    /// against under 1 ms for one batch's range). A word that starts more than
    /// [`MAX_SPELLED`] index words is a prefix when they are rare and a broad start checked on
    /// the rows when common ([`Store::broad_or_prefix`]); a word the index's tokenizer would
    /// split or fold beyond ASCII case stays a prefix; a word that starts none matches
    /// nothing.
    async fn activity_words(&self, text: &str) -> Result<Words> {
        let mut parts = Vec::new();
        let mut broad = Vec::new();
        let mut few = false;
        for word in text.split_whitespace().take(MAX_WORDS) {
            match self.spelled(word).await? {
                Spelled::Index(m, rare) => {
                    parts.push(m);
                    few |= rare;
                }
                Spelled::Broad(w) => broad.push(w),
            }
        }
        Ok(Words {
            index: (!parts.is_empty()).then(|| parts.join(" AND ")),
            few,
            broad,
        })
    }

    /// A word that starts more index words than are spelled out: a prefix of the text index
    /// when those words occur at most [`FEW_MATCHES`] times in all (FTS5 merges few rows
    /// quickly: 2,898 rows for `user0999`, 100 words, in 1 ms), else a broad start checked
    /// on the rows (`user`, every actor's address: 3.7 s for FTS5 to merge, while nearly
    /// every row holds it). The occurrences are counted from `activities_vocab`, stopping
    /// past the bound (7 ms).
    async fn broad_or_prefix(&self, token: String) -> Result<Spelled> {
        // Every index word starting with `token` sorts before `token` with its last byte
        // raised (an ASCII letter, digit or `@._-`: still ASCII).
        let mut upper = token.clone().into_bytes();
        if let Some(last) = upper.last_mut() {
            *last += 1;
        }
        let upper = String::from_utf8(upper).unwrap_or_default();
        let occurrences: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM (SELECT 1 FROM activities_vocab \
             WHERE term >= ? AND term < ? LIMIT ?)",
        )
        .bind(&token)
        .bind(&upper)
        .bind(FEW_MATCHES + 1)
        .fetch_one(&self.pool)
        .await?;
        Ok(if occurrences <= FEW_MATCHES {
            Spelled::Index(quoted_prefix(&token), true)
        } else {
            Spelled::Broad(token)
        })
    }

    /// One word of the analyst's as index words (see [`Store::activity_words`]).
    async fn spelled(&self, word: &str) -> Result<Spelled> {
        let prefix = Spelled::Index(quoted_prefix(word), false);
        // The tokenizer (0013: unicode61, tokenchars `@._-`) keeps such a word whole and
        // only lowers its case.
        let token = word.to_ascii_lowercase();
        if !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"@._-".contains(&b))
        {
            return Ok(prefix);
        }
        // The index words it starts, in order, one seek each past the last (index words
        // hold no NUL), all in one statement; one more than are spelled out says "more".
        let terms: Vec<String> = sqlx::query_scalar(
            "WITH RECURSIVE t(term, n) AS ( \
               SELECT (SELECT term FROM activities_vocab WHERE term >= ?1 LIMIT 1), 1 \
               UNION ALL \
               SELECT (SELECT term FROM activities_vocab WHERE term >= t.term || char(1) LIMIT 1), \
                      t.n + 1 \
               FROM t WHERE substr(t.term, 1, length(?1)) = ?1 AND t.n <= ?2) \
             SELECT term FROM t WHERE substr(term, 1, length(?1)) = ?1",
        )
        .bind(&token)
        .bind(i64::try_from(MAX_SPELLED).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        if terms.len() > MAX_SPELLED {
            return self.broad_or_prefix(token).await;
        }
        if terms.is_empty() {
            // No index word starts so: the word itself, exactly, which matches nothing.
            return Ok(Spelled::Index(format!("\"{token}\""), true));
        }
        let alternatives: Vec<String> = terms
            .iter()
            .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
            .collect();
        Ok(Spelled::Index(
            format!("({})", alternatives.join(" OR ")),
            false,
        ))
    }
}

#[async_trait]
impl ActivityStore for Store {
    async fn normalize_activities(&self, now_ms: i64) -> Result<()> {
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

    async fn backfill_activity_keys(&self, now_ms: i64) -> Result<()> {
        if self.setting::<u32>(KEYS_KEY).await?.is_some() {
            return Ok(());
        }
        let mut from = 0i64;
        loop {
            let rows: Vec<(i64, Option<String>, Option<String>)> = sqlx::query_as(
                "SELECT rowid, ip, target FROM activities WHERE rowid > ? \
                 AND ((ip IS NOT NULL AND ip_key IS NULL) OR (target IS NOT NULL AND object_key IS NULL)) \
                 ORDER BY rowid LIMIT 5000",
            )
            .bind(from)
            .fetch_all(&self.pool)
            .await?;
            let Some(last) = rows.last().map(|r| r.0) else {
                break;
            };
            let mut tx = self.write_tx().await?;
            for (rowid, ip, target) in &rows {
                sqlx::query("UPDATE activities SET ip_key = ?, object_key = ? WHERE rowid = ?")
                    .bind(ip.as_deref().and_then(ip_key))
                    .bind(target.as_deref().map(object_key))
                    .bind(rowid)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            from = last;
        }
        self.set_setting(KEYS_KEY, &1u32, now_ms).await
    }

    async fn activities_page(
        &self,
        filter: &ActivityFilter,
        after: Option<ActivityKey>,
        limit: usize,
    ) -> Result<(Vec<ActivityRow>, Option<ActivityKey>)> {
        let (rows, next) = self.page(filter, after, limit, false).await?;
        Ok((rows.into_iter().map(|(r, _)| r).collect(), next))
    }

    async fn activities_page_raw(
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

    async fn activity(
        &self,
        instance_id: &str,
        event_id: &str,
    ) -> Result<Option<(ActivityRow, String)>> {
        let found: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT_ROW}, a.raw {FROM_LOG} \
             WHERE a.instance_id = ? AND a.event_id = ? LIMIT 1"
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

    async fn activities_plan(&self, f: &ActivityFilter, paged: bool) -> Result<Vec<String>> {
        let after = paged.then_some(ActivityKey {
            occurred_at_ms: 0,
            rowid: 0,
        });
        let ip = match f.ip.as_deref().map(Network::parse).transpose()? {
            None => None,
            Some(net) if net.is_host() => Some(IpPlan::Exact(net.key_range().0)),
            Some(net) => {
                let (lo, hi) = net.key_range();
                Some(IpPlan::Range(lo, hi))
            }
        };
        let text = match f.text.as_deref() {
            Some(words) => self.activity_words(words).await?.index.map(TextPlan::Set),
            None => None,
        };
        let q = activity_query(
            f,
            ip.as_ref(),
            text.as_ref(),
            after.as_ref(),
            "EXPLAIN QUERY PLAN ",
            Cols::Row { raw: false },
            50,
        );
        self.plan_lines(q, true).await
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
/// `EXPLAIN QUERY PLAN `), with the raw record when `raw`. A sifted network is left out (the
/// caller sifts), as are sifted words.
/// What a log query reads: whole rows, or only their keys `(time, rowid)` (which the
/// filter's index holds: no row is read).
#[derive(Clone, Copy)]
enum Cols {
    Row { raw: bool },
    Keys,
}

/// A row of a log query in the log's order, by its `(time, rowid)`.
trait Keyed {
    fn key(&self) -> (i64, i64);
}

impl Keyed for Row {
    fn key(&self) -> (i64, i64) {
        (self.occurred_at_ms, self.rowid)
    }
}

impl Keyed for (i64, i64) {
    fn key(&self) -> (i64, i64) {
        *self
    }
}

fn activity_query(
    f: &ActivityFilter,
    ip: Option<&IpPlan>,
    text: Option<&TextPlan>,
    after: Option<&ActivityKey>,
    prefix: &str,
    cols: Cols,
    limit: i64,
) -> QueryBuilder<Sqlite> {
    let mut q = QueryBuilder::<Sqlite>::new(prefix);
    match cols {
        Cols::Row { raw } => {
            q.push(SELECT_ROW)
                .push(if raw { ", a.raw " } else { ", NULL AS raw " })
                .push(FROM_LOG);
        }
        Cols::Keys if f.app.is_some() => {
            q.push("SELECT a.occurred_at_ms, a.rowid ").push(FROM_LOG);
        }
        Cols::Keys => {
            q.push("SELECT a.occurred_at_ms, a.rowid FROM activities a");
        }
    }
    q.push(" WHERE 1 = 1");
    if let Some(v) = &f.instance_id {
        q.push(" AND a.instance_id = ").push_bind(v.clone());
    }
    if let Some(v) = &f.app {
        q.push(" AND i.app = ").push_bind(v.clone());
    }
    if let Some(v) = &f.user {
        q.push(" AND a.actor = ").push_bind(v.clone());
    }
    match ip {
        Some(IpPlan::Exact(k)) => {
            q.push(" AND a.ip_key = ").push_bind(k.clone());
        }
        Some(IpPlan::Range(lo, hi)) if only_time(f) && text.is_none() => {
            // The network alone: its page is chosen from the address index by keys only
            // (time, rowid), and only those rows are read — not every row of the network.
            q.push(" AND a.rowid IN (SELECT s.rowid FROM activities s WHERE s.ip_key BETWEEN ")
                .push_bind(lo.clone())
                .push(" AND ")
                .push_bind(hi.clone());
            push_time_and_after(&mut q, "s", f, after);
            q.push(" ORDER BY s.occurred_at_ms DESC, s.rowid DESC LIMIT ")
                .push_bind(limit)
                .push(")");
        }
        Some(IpPlan::Range(lo, hi)) => {
            q.push(" AND a.ip_key BETWEEN ")
                .push_bind(lo.clone())
                .push(" AND ")
                .push_bind(hi.clone());
        }
        Some(IpPlan::Sift(_)) | None => {}
    }
    if let Some(v) = f.category {
        q.push(" AND a.category = ")
            .push_bind(v.as_str().to_owned());
    }
    if let Some(v) = &f.action {
        q.push(" AND a.action = ").push_bind(v.clone());
    }
    if let Some(v) = f.outcome {
        // Written out, not bound: a failure filter can then use the index of failures
        // (activities_failed, a partial index SQLite matches on the literal).
        q.push(format!(" AND a.outcome = '{}'", v.as_str()));
    }
    if let Some(TextPlan::Set(m)) = text {
        q.push(" AND a.rowid IN (SELECT rowid FROM activities_fts WHERE activities_fts MATCH ")
            .push_bind(m.clone())
            .push(")");
    }
    if let Some(o) = f.object.as_deref().filter(|o| !o.is_empty()) {
        // By the object's number (indexed); equality on the text drops a hash collision.
        q.push(" AND a.object_key = ")
            .push_bind(object_key(o))
            .push(" AND a.target = ")
            .push_bind(o.to_owned());
    }
    push_time_and_after(&mut q, "a", f, after);
    q.push(" ORDER BY a.occurred_at_ms DESC, a.rowid DESC LIMIT ")
        .push_bind(limit);
    q
}

/// The time range of `f` and the keyset position after `after`, on the table alias `t`.
fn push_time_and_after(
    q: &mut QueryBuilder<Sqlite>,
    t: &str,
    f: &ActivityFilter,
    after: Option<&ActivityKey>,
) {
    if let Some(v) = f.since_ms {
        q.push(format!(" AND {t}.occurred_at_ms >= ")).push_bind(v);
    }
    if let Some(v) = f.until_ms {
        q.push(format!(" AND {t}.occurred_at_ms < ")).push_bind(v);
    }
    if let Some(k) = after {
        q.push(format!(" AND ({t}.occurred_at_ms, {t}.rowid) < ("))
            .push_bind(k.occurred_at_ms)
            .push(", ")
            .push_bind(k.rowid)
            .push(")");
    }
}

/// Whether a filter narrows by nothing but time (and the network the caller handles).
fn only_time(f: &ActivityFilter) -> bool {
    f.instance_id.is_none()
        && f.app.is_none()
        && f.user.is_none()
        && f.category.is_none()
        && f.action.is_none()
        && f.outcome.is_none()
        && f.text.is_none()
        && f.object.is_none()
}

/// The analyst's words as an FTS5 query: every word must appear as the start of a word in the
/// actor, action or object. Each word is quoted (quotes doubled), so no word can be read as
/// FTS5 syntax; `None` when there are no words.
pub fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split_whitespace()
        .take(MAX_WORDS)
        .map(quoted_prefix)
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The words of a search beyond this many are ignored.
const MAX_WORDS: usize = 16;

/// A word of the analyst's that starts more index words than this stays an FTS5 prefix.
const MAX_SPELLED: usize = 16;

/// The analyst's words, planned (see [`Store::activity_words`]).
#[derive(Default)]
struct Words {
    /// What the text index answers: the words spelled out, and prefixes it cannot spell.
    index: Option<String>,
    /// Whether one of those words is known to match few rows (so all of them do).
    few: bool,
    /// Words that start more index words than are spelled out (so common a start that rows
    /// holding them come soon): each row read is asked whether one of its words starts so.
    broad: Vec<String>,
}

/// One word of the analyst's, planned.
enum Spelled {
    /// A query of the text index (one word's part of it), and whether it is known to match
    /// at most [`FEW_MATCHES`] rows.
    Index(String, bool),
    /// A broad start (lower-case ASCII), checked on the rows.
    Broad(String),
}

/// Whether a word of the row's actor, action or object starts with `start` (lower-case
/// ASCII), its words cut and folded as the text index's tokenizer does (0013: unicode61,
/// `remove_diacritics 2`, tokenchars `@._-`): letters, digits, combining marks and `@._-`
/// make words, case and diacritics are folded away.
fn row_has_word(row: &Row, start: &str) -> bool {
    [
        row.actor.as_deref(),
        Some(row.action.as_str()),
        row.target.as_deref(),
    ]
    .into_iter()
    .flatten()
    .any(|text| text_has_word(text, start))
}

pub(crate) fn text_has_word(text: &str, start: &str) -> bool {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    let is_word = |c: char| c.is_alphanumeric() || is_combining_mark(c) || "@._-".contains(c);
    text.split(|c: char| !is_word(c))
        .filter(|w| !w.is_empty())
        .any(|w| {
            if w.is_ascii() {
                w.len() >= start.len() && w[..start.len()].eq_ignore_ascii_case(start)
            } else {
                let folded: String = w
                    .nfd()
                    .filter(|c| !is_combining_mark(*c))
                    .flat_map(char::to_lowercase)
                    .collect();
                folded.starts_with(start)
            }
        })
}

/// One word as a quoted FTS5 prefix term (quotes doubled).
fn quoted_prefix(word: &str) -> String {
    format!("\"{}\"*", word.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::DatabaseStore;

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

    #[tokio::test]
    async fn words_are_spelled_out_into_the_index_words_they_start() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.sqlite3")).await.unwrap();
        // The text index alone (its content table is not read here).
        for (rowid, actor, action, target) in [
            (1, "alice@acme.com", "report.download", "acme/repo1"),
            (2, "bob@acme.com", "reports", "acme/repo10"),
            (3, "carol@acme.com", "review", "acme/r\u{e9}sum\u{e9}"),
        ] {
            sqlx::query(
                "INSERT INTO activities_fts (rowid, actor, action, target) VALUES (?, ?, ?, ?)",
            )
            .bind(rowid)
            .bind(actor)
            .bind(action)
            .bind(target)
            .execute(&store.pool)
            .await
            .unwrap();
        }
        let words = |w: &'static str| {
            let store = store.clone();
            async move {
                let words = store.activity_words(w).await.unwrap();
                assert!(words.broad.is_empty());
                words.index
            }
        };
        assert_eq!(
            words("REP").await.as_deref(),
            Some("(\"repo1\" OR \"repo10\" OR \"report.download\" OR \"reports\")")
        );
        assert_eq!(
            words("alice repo1").await.as_deref(),
            Some("(\"alice@acme.com\") AND (\"repo1\" OR \"repo10\")")
        );
        // No index word starts so: the word exactly, which matches nothing.
        assert_eq!(words("zebra").await.as_deref(), Some("\"zebra\""));
        // Split or folded by the tokenizer: left to FTS5 as a prefix.
        assert_eq!(
            words("acme/repo1").await.as_deref(),
            Some("\"acme/repo1\"*")
        );
        assert_eq!(words("r\u{e9}s").await.as_deref(), Some("\"r\u{e9}s\"*"));
        assert_eq!(words("  ").await, None);
        // More index words than are spelled out…
        for n in 0..=MAX_SPELLED {
            sqlx::query("INSERT INTO activities_fts (rowid, actor) VALUES (?, ?)")
                .bind(100 + n as i64)
                .bind(format!("many{n}"))
                .execute(&store.pool)
                .await
                .unwrap();
        }
        // … and few rows hold them: FTS5's prefix.
        let many = words("Many many1").await.unwrap();
        assert!(many.starts_with("\"many\"* AND (\"many1\" OR"), "{many}");
        // Many rows hold them: checked on the rows.
        let mut tx = store.pool.begin().await.unwrap();
        for n in 0..=FEW_MATCHES {
            sqlx::query("INSERT INTO activities_fts (rowid, actor) VALUES (?, ?)")
                .bind(1000 + n)
                .bind(format!("many{}", n % 100))
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let many = store.activity_words("Many many1").await.unwrap();
        assert_eq!(many.broad, ["many"]);
        assert!(many.index.unwrap().starts_with("(\"many1\" OR"));
        store.close().await;
    }

    /// The check of broad words on rows agrees with the text index itself, word for word.
    #[tokio::test]
    async fn broad_words_match_the_rows_the_text_index_matches() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.sqlite3")).await.unwrap();
        let texts = [
            "Ünal Çelik",
            "Cafe\u{301}s and CAFÉ",
            "ñuser x:user user.name@acme.com",
            "acme/repo1 report.download misreport",
            "Straße Łódź øre",
            "日本語 user_1 don't 3.14",
        ];
        for (i, t) in texts.iter().enumerate() {
            sqlx::query("INSERT INTO activities_fts (rowid, actor) VALUES (?, ?)")
                .bind(i as i64 + 1)
                .bind(*t)
                .execute(&store.pool)
                .await
                .unwrap();
        }
        for start in [
            "unal", "cel", "cafe", "cafes", "user", "user.", "x", "repo", "report", "mis", "stra",
            "lod", "ore", "o", "3.1", "don", "t", "user_", "acme", "n",
        ] {
            let index: Vec<i64> = sqlx::query_scalar(
                "SELECT rowid FROM activities_fts WHERE activities_fts MATCH ? ORDER BY rowid",
            )
            .bind(quoted_prefix(start))
            .fetch_all(&store.pool)
            .await
            .unwrap();
            let rows: Vec<i64> = (1..=texts.len() as i64)
                .filter(|i| text_has_word(texts[*i as usize - 1], start))
                .collect();
            assert_eq!(rows, index, "{start}");
        }
        store.close().await;
    }

    #[test]
    fn broad_words_are_found_as_the_text_index_cuts_and_folds_words() {
        assert!(text_has_word("Report.Download", "report.d"));
        assert!(text_has_word("acme/repo1", "repo"));
        assert!(!text_has_word("acme/repo1", "acme/"));
        assert!(text_has_word("alice@Acme.com signed in", "sig"));
        assert!(!text_has_word("misreport", "report"));
        // Diacritics and case folded away, composed or not; other letters stay word letters.
        assert!(text_has_word("Ünal Çelik", "unal"));
        assert!(text_has_word("Cafe\u{301}s", "cafes"));
        assert!(!text_has_word("ñuser", "user"));
        assert!(text_has_word("x:user", "user"));
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
