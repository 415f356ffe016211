//! The SQLite backend: [`Store`] implements every trait of [`crate::backend`], and all SQL of
//! the engine lives under this module, so another backend (PostgreSQL for team mode) can be
//! added by implementing those traits, without touching callers (they hold a
//! [`crate::backend::SharedBackend`]).

mod activities;
mod catalog;
mod connectors;
mod discovery;
mod files;
mod forwarding;
mod jobs;
mod oauth;
mod people;
mod policies;
mod queries;
mod settings;
mod snapshots;

pub(crate) use activities::text_has_word;
pub use activities::{ActivityKey, Network};
pub use catalog::{CustomAppRow, OverrideRow};
pub use connectors::{InstanceRow, RecordCounts, RecordTable, RunRow};
pub use discovery::{Breakdown, BreakdownRow, ReportRow, StoredUpload, UploadRows, UsageStats};
pub use files::FileKey;
pub use forwarding::DueDelivery;
pub use jobs::{JobRow, NewJob};
pub use oauth::{app_key, AppGrants, GrantRow};
pub use policies::{BaselineRow, EvalActivity, IpFacts, NewMatch, PlaceRow, RawNeeds, Recorded};
pub use queries::SavedQueryRow;
pub use snapshots::SnapshotRow;

use crate::backend::DatabaseStore;
use async_trait::async_trait;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use crate::{Error, Result};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Makes `path` its owner's only: a directory `0700` (created before), a file `0600` (created
/// empty when missing). Nothing to do where permissions are not Unix modes.
pub fn make_private(path: &Path, directory: bool) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if !directory {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(path)?;
        }
        let mode = if directory { 0o700 } else { 0o600 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    {
        if !directory {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
        }
    }
    Ok(())
}

/// Whether `e` is SQLite's "database is busy/locked" (another connection or process holds
/// the write lock past the busy timeout): worth trying again, the work is not wrong.
pub fn is_busy(e: &crate::Error) -> bool {
    match e {
        crate::Error::Database(sqlx::Error::Database(d)) => d
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .is_some_and(|c| matches!(c & 0xff, 5 | 6)),
        _ => false,
    }
}

/// Runs `write` again while the database is locked by another writer, waiting longer each
/// time (up to about two minutes in all, beyond each attempt's own busy timeout): parsed or
/// scanned work is not thrown away because another process held the lock for a while.
pub async fn retry_busy<T, F, Fut>(mut write: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut wait = Duration::from_millis(200);
    let mut waited = Duration::ZERO;
    loop {
        match write().await {
            Err(e) if is_busy(&e) && waited < Duration::from_secs(120) => {
                tracing::info!("database locked by another writer; retrying in {wait:?}");
                tokio::time::sleep(wait).await;
                waited += wait;
                wait = (wait * 2).min(Duration::from_secs(10));
            }
            other => return other,
        }
    }
}

/// File name of the database inside the data directory.
pub const DATABASE_FILE: &str = "cloudwarden.sqlite3";

#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
    /// Wakes the checkpointer after bulk writes (see [`Store::open`]).
    checkpoint: std::sync::Arc<tokio::sync::Notify>,
    /// The connection of bulk writes (scan pages), opened on first use and kept: its page
    /// cache stays valid from one transaction to the next, where a pooled connection's cache
    /// is dropped whenever another connection wrote in between.
    bulk: std::sync::Arc<tokio::sync::Mutex<Option<sqlx::SqliteConnection>>>,
    options: SqliteConnectOptions,
}

/// The statement that opens every write transaction: see [`Store::write_tx`].
pub(crate) const IMMEDIATE: &str = "BEGIN IMMEDIATE";

impl Store {
    /// Opens (creating if needed) the database at `path` in WAL mode with foreign keys on,
    /// and applies every pending migration.
    pub async fn open(path: &Path) -> Result<Self> {
        // The file is made before SQLite opens it, readable by its owner only; SQLite gives
        // its WAL and shared-memory files the database's permissions.
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let file = PathBuf::from(name);
            if suffix.is_empty() || file.exists() {
                make_private(&file, false).map_err(|source| Error::File {
                    path: file.clone(),
                    source,
                })?;
            }
        }
        // From the path itself, never through a URL: a directory named `a?b`, `50%` or `#1`
        // would otherwise be cut at the query, decoded or taken as a fragment.
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // 16 KB pages for new databases (existing ones keep theirs): scans store rows of
            // about 1 KB of vendor JSON, and bigger pages mean fewer B-tree splits and fewer
            // WAL frames per committed page of records (measured: 200 k activities store in
            // 1.5 s instead of 2.1 s).
            .page_size(16384)
            // A 16 MB page cache per connection (SQLite's default is 2 MB): scans insert into
            // indexes larger than that, and re-reading their pages is most of a write.
            .pragma("cache_size", "-16384")
            // The WAL is copied back into the database by a checkpointer task on its own
            // connection, next to the writer instead of inside its commits (measured: a
            // quarter of a bulk write); the writer checkpoints itself only past 128 MB.
            .pragma("wal_autocheckpoint", "8192")
            // A WAL grown by a large scan is cut back to 64 MB once copied.
            .pragma("journal_size_limit", "67108864");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.clone())
            .await?;
        let store = Store {
            pool,
            path: path.to_path_buf(),
            checkpoint: std::sync::Arc::default(),
            bulk: std::sync::Arc::default(),
            options,
        };
        // Two processes opening a new data directory at once (the app and a CLI command)
        // would both run the first migrations; one at a time, across processes.
        let lock_path = {
            let mut name = path.as_os_str().to_owned();
            name.push(".migrate-lock");
            PathBuf::from(name)
        };
        make_private(&lock_path, false).map_err(|source| Error::File {
            path: lock_path.clone(),
            source,
        })?;
        let lock = tokio::task::spawn_blocking(move || {
            let file = std::fs::OpenOptions::new().write(true).open(&lock_path)?;
            file.lock()?;
            Ok::<_, std::io::Error>(file)
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?
        .map_err(|source| Error::File {
            path: path.to_path_buf(),
            source,
        })?;
        store.check_not_newer().await?;
        MIGRATOR.run(&store.pool).await?;
        drop(lock); // closing the file releases the lock
        store.spawn_checkpointer();
        Ok(store)
    }

    /// The steps of an `EXPLAIN QUERY PLAN` query (its first page of 50 when it has no limit
    /// yet), one line each: how the indexes serve a list (the index tests read them).
    pub(crate) async fn plan_lines(
        &self,
        mut q: sqlx::QueryBuilder<sqlx::Sqlite>,
        limited: bool,
    ) -> Result<Vec<String>> {
        if !limited {
            q.push(" LIMIT 50");
        }
        let rows: Vec<(i64, i64, i64, String)> = q.build_query_as().fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|r| r.3).collect())
    }

    /// Begins a write transaction that takes SQLite's write lock at once (`BEGIN IMMEDIATE`).
    /// A deferred `BEGIN` that reads before it writes holds a snapshot; if another
    /// connection commits meanwhile, its first write fails at once with
    /// `SQLITE_BUSY_SNAPSHOT` (517), which the busy timeout does not wait out. Taking the
    /// lock first makes a concurrent writer wait its turn instead.
    pub(crate) async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.pool.begin_with(IMMEDIATE).await?)
    }

    /// Copies the WAL back into the database (a passive checkpoint: it never blocks the
    /// writer or readers) after each bulk write, until the store closes.
    fn spawn_checkpointer(&self) {
        let (pool, wake) = (self.pool.clone(), self.checkpoint.clone());
        tokio::spawn(async move {
            loop {
                wake.notified().await;
                if pool.is_closed() {
                    return;
                }
                if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&pool)
                    .await
                {
                    tracing::debug!("checkpoint: {e}");
                }
            }
        });
    }

    /// Asks the checkpointer to copy the WAL back (after a bulk write).
    pub(crate) fn wal_written(&self) {
        self.checkpoint.notify_one();
    }

    /// Refuses to open a database that a newer build migrated: forward-only migrations
    /// mean an older build cannot know what the newer tables mean.
    async fn check_not_newer(&self) -> Result<()> {
        let has_table: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_one(&self.pool)
        .await?;
        if has_table == 0 {
            return Ok(());
        }
        let found: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(&self.pool)
            .await?;
        let known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        match found {
            Some(found) if found > known => Err(Error::SchemaTooNew { found, known }),
            _ => Ok(()),
        }
    }
}

#[async_trait]
impl DatabaseStore for Store {
    fn path(&self) -> &Path {
        &self.path
    }

    async fn schema_version(&self) -> Result<u32> {
        let version: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
                .fetch_one(&self.pool)
                .await?;
        u32::try_from(version.unwrap_or(0))
            .map_err(|_| Error::Validation("schema version out of range".into()))
    }

    async fn journal_mode(&self) -> Result<String> {
        Ok(sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&self.pool)
            .await?)
    }

    async fn foreign_keys(&self) -> Result<bool> {
        let on: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&self.pool)
            .await?;
        Ok(on == 1)
    }

    async fn close(&self) {
        // The pool first: a bulk write after this finds the store closed.
        self.pool.close().await;
        if let Some(bulk) = self.bulk.lock().await.take() {
            let _ = sqlx::Connection::close(bulk).await;
        }
        // The checkpointer sees the pool closed and ends.
        self.checkpoint.notify_one();
    }
}

/// An opaque cursor: a list's tag (`a2`, `f1`, `p1`, `o1`: which list, which key shape) and
/// the key's parts, as lower-case hex so that it survives any transport unchanged.
pub fn encode_cursor(tag: &str, parts: &[&str]) -> String {
    let mut plain = tag.to_owned();
    for p in parts {
        plain.push('\u{1f}');
        plain.push_str(p);
    }
    plain.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The `n` parts of a cursor [`encode_cursor`] made with `tag`; `None` for anything else (a
/// cursor of another list, a damaged one, or one longer than 2 KiB).
pub fn decode_cursor(cursor: &str, tag: &str, n: usize) -> Option<Vec<String>> {
    let hex = cursor.trim();
    if !hex.len().is_multiple_of(2) || hex.len() > 4096 {
        return None;
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    let plain = String::from_utf8(bytes).ok()?;
    let mut parts = plain.split('\u{1f}');
    if parts.next() != Some(tag) {
        return None;
    }
    let parts: Vec<String> = parts.map(str::to_owned).collect();
    (parts.len() == n).then_some(parts)
}
