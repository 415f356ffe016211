//! The seam between the engine and its database: one trait per concern, which callers use
//! through [`Backend`] (every concern at once, behind `Arc<dyn Backend>`). SQLite
//! ([`crate::store::Store`]) is the implementation; all of its SQL lives under `store/`, so a
//! shared PostgreSQL backend for teams can follow by implementing these traits, without
//! touching callers.
//!
//! Rows cross the seam as plain structs and enums (no SQL types); pages take typed filters and
//! an opaque key (`ActivityKey`, `FileKey`, a person key) to go on from. `*_plan` methods
//! describe how the backend serves a list, one line per step (SQLite: `EXPLAIN QUERY PLAN`),
//! for the index tests.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use cloudwarden_connectors::model::Records;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::domain::connectors::{InstanceStatus, RunStatus};
use crate::domain::investigate::{
    ActivityFilter, ActivityRow, FileCollaborator, FileFilter, FileRow, Person, PersonFilter,
};
use crate::domain::jobs::JobState;
use crate::domain::policies::{
    Alert, AlertComment, AlertFilter, AlertStatus, Delivery, DeliveryState, Evidence,
    ForwardTarget, IpRange, Policy, Resolution,
};
pub(crate) use crate::store::text_has_word;
pub use crate::store::{
    app_key, decode_cursor, encode_cursor, retry_busy, ActivityKey, AppGrants, BaselineRow,
    Breakdown, BreakdownRow, CustomAppRow, DueDelivery, EvalActivity, FileKey, GrantRow,
    InstanceRow, JobRow, Network, NewJob, NewMatch, OverrideRow, PlaceRow, RawNeeds, RecordCounts,
    RecordTable, Recorded, ReportRow, RunRow, SavedQueryRow, SnapshotRow, StoredUpload, UploadRows,
    UsageStats,
};
use crate::{Error, Result};

/// Every concern of the store: what the engine holds (`Arc<dyn Backend>`).
pub trait Backend:
    DatabaseStore
    + ConnectorStore
    + ActivityStore
    + PeopleStore
    + FileStore
    + OAuthStore
    + SnapshotStore
    + JobStore
    + DiscoveryStore
    + CatalogStore
    + QueryStore
    + AuditStore
    + SettingsStore
    + PolicyStore
    + ForwardStore
    + std::fmt::Debug
{
}

impl<T> Backend for T where
    T: DatabaseStore
        + ConnectorStore
        + ActivityStore
        + PeopleStore
        + FileStore
        + OAuthStore
        + SnapshotStore
        + JobStore
        + DiscoveryStore
        + CatalogStore
        + QueryStore
        + AuditStore
        + SettingsStore
        + PolicyStore
        + ForwardStore
        + std::fmt::Debug
{
}

/// The shared handle callers hold.
pub type SharedBackend = Arc<dyn Backend>;

/// Policies, alerts (with their evidence and history), the analyst's IP ranges, how far
/// evaluation has read, and what the anomaly detections learned of each user.
#[async_trait]
pub trait PolicyStore: Send + Sync {
    /// Creates or replaces a policy (by id; its creation time is kept).
    async fn save_policy(&self, p: &Policy) -> Result<()>;
    /// Every policy, by name, with its alert counts.
    async fn policies(&self) -> Result<Vec<Policy>>;
    async fn policy(&self, id: &str) -> Result<Option<Policy>>;
    /// Deletes a policy (its alerts stay); whether it existed.
    async fn delete_policy(&self, id: &str) -> Result<bool>;

    /// Records matches in one transaction: a record already recorded for the policy is
    /// skipped; new ones go to the open alert of the same policy and subject, or open one.
    async fn record_matches(&self, matches: &[NewMatch], now_ms: i64) -> Result<Recorded>;
    /// Alerts newest first, before the sequence number `before_seq`, with their numbers.
    async fn alerts_page(
        &self,
        filter: &AlertFilter,
        before_seq: Option<i64>,
        limit: u32,
    ) -> Result<Vec<(i64, Alert)>>;
    async fn alert(&self, id: &str) -> Result<Option<Alert>>;
    /// An alert's records, newest first.
    async fn alert_evidence(&self, id: &str, limit: u32) -> Result<Vec<Evidence>>;
    /// An alert's history, oldest first.
    async fn alert_comments(&self, id: &str) -> Result<Vec<AlertComment>>;
    /// Sets an alert's status and resolution (and assignee when `Some`), with a history entry;
    /// whether the alert exists.
    async fn update_alert(
        &self,
        id: &str,
        status: AlertStatus,
        resolution: Option<Resolution>,
        assignee: Option<Option<String>>,
        comment: Option<AlertComment>,
        now_ms: i64,
    ) -> Result<bool>;
    /// Adds a history entry; whether the alert exists.
    async fn add_alert_comment(&self, id: &str, c: &AlertComment) -> Result<bool>;

    async fn ip_ranges(&self) -> Result<Vec<IpRange>>;
    async fn save_ip_range(&self, r: &IpRange, now_ms: i64) -> Result<()>;
    async fn delete_ip_range(&self, cidr: &str) -> Result<bool>;

    /// An account of an instance by sign-in name, e-mail or id: `(external_id, kind, raw)`.
    async fn account_by_login(
        &self,
        instance_id: &str,
        login: &str,
    ) -> Result<Option<(String, String, String)>>;
    /// A file's id by its id or URL.
    async fn file_id_by_ref(&self, instance_id: &str, key: &str) -> Result<Option<String>>;
    /// The SAML SSO credential authorizations of a GitHub login: `(external_id, raw)`.
    async fn credential_grants(
        &self,
        instance_id: &str,
        login: &str,
    ) -> Result<Vec<(String, String)>>;

    /// Per instance name (as OAuth apps list their instances), when its OAuth grants were
    /// first snapshotted (instances never scanned in full are missing).
    async fn oauth_baselines(&self) -> Result<HashMap<String, i64>>;

    /// Per instance, the highest activity rowid evaluated (0: none yet).
    async fn evaluation_marks(&self) -> Result<HashMap<String, i64>>;
    /// Moves marks forward (never back).
    async fn set_evaluation_marks(&self, marks: &[(String, i64)], now_ms: i64) -> Result<()>;
    /// Activities stored after `after_rowid`, in storage order.
    async fn activities_after(
        &self,
        after_rowid: i64,
        limit: u32,
        raw: &RawNeeds,
    ) -> Result<Vec<EvalActivity>>;
    /// Activities that occurred in `[since_ms, until_ms)`, oldest first, after the
    /// `(occurred_at_ms, rowid)` position `after`.
    async fn activities_in(
        &self,
        since_ms: i64,
        until_ms: i64,
        after: Option<(i64, i64)>,
        limit: u32,
        raw: &RawNeeds,
    ) -> Result<Vec<EvalActivity>>;
    /// One actor's activities in `[since_ms, until_ms]` stored at rowid `max_rowid` or
    /// before, oldest first (at most 100,000).
    async fn user_activities(
        &self,
        actor: &str,
        since_ms: i64,
        until_ms: i64,
        max_rowid: i64,
    ) -> Result<Vec<EvalActivity>>;

    /// These actors' activities in `[since_ms, until_ms)` stored at rowid `max_rowid` or
    /// before, oldest first.
    async fn actors_activities(
        &self,
        actors: &[String],
        since_ms: i64,
        until_ms: i64,
        max_rowid: i64,
    ) -> Result<Vec<EvalActivity>>;

    /// What was learned of these actors.
    async fn baselines(&self, actors: &[String]) -> Result<(Vec<BaselineRow>, Vec<PlaceRow>)>;
    /// Adds to what was learned (first/last seen widen; a place replaces an older one).
    async fn save_baselines(&self, rows: &[BaselineRow], places: &[PlaceRow]) -> Result<()>;
}

/// Alert forwarding: targets and the delivery log.
#[async_trait]
pub trait ForwardStore: Send + Sync {
    async fn forward_targets(&self) -> Result<Vec<ForwardTarget>>;
    /// Creates or replaces a target (by id).
    async fn save_forward_target(&self, t: &ForwardTarget, now_ms: i64) -> Result<()>;
    /// Deletes a target and its deliveries; whether it existed.
    async fn delete_forward_target(&self, id: &str) -> Result<bool>;
    /// Queues `(target, alert, event, payload)` deliveries, due now.
    async fn enqueue_deliveries(
        &self,
        items: &[(String, String, String, String)],
        now_ms: i64,
    ) -> Result<()>;
    /// Pending deliveries due by `now_ms` to enabled targets, oldest first.
    async fn due_deliveries(&self, now_ms: i64, limit: u32) -> Result<Vec<DueDelivery>>;
    /// When the next pending delivery is due.
    async fn next_delivery_due(&self) -> Result<Option<i64>>;
    /// Records an attempt: its new state, error and next attempt.
    async fn delivery_done(
        &self,
        id: i64,
        state: DeliveryState,
        error: Option<&str>,
        next_attempt_ms: i64,
        now_ms: i64,
    ) -> Result<()>;
    /// Makes failed and waiting deliveries (of one target, or all) due now; how many.
    async fn retry_deliveries(&self, target_id: Option<&str>, now_ms: i64) -> Result<u32>;
    /// The delivery log, newest first.
    async fn deliveries(&self, limit: u32) -> Result<Vec<Delivery>>;
}

/// Settings: one JSON value per key (typed access through [`TypedSettings`]).
#[async_trait]
pub trait SettingsStore: Send + Sync {
    /// A setting's JSON; `None` when it was never set.
    async fn setting_json(&self, key: &str) -> Result<Option<String>>;

    /// Sets a setting to `json`.
    async fn set_setting_json(&self, key: &str, json: &str, now_ms: i64) -> Result<()>;
}

/// Typed settings over any [`SettingsStore`].
#[async_trait]
pub trait TypedSettings: SettingsStore {
    /// Reads a setting; `None` when it was never set.
    async fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.setting_json(key)
            .await?
            .map(|v| {
                serde_json::from_str(&v)
                    .map_err(|e| Error::Validation(format!("setting {key} is unreadable: {e}")))
            })
            .transpose()
    }

    /// Sets a setting.
    async fn set_setting<T: Serialize + Sync>(
        &self,
        key: &str,
        value: &T,
        now_ms: i64,
    ) -> Result<()> {
        let json = serde_json::to_string(value)
            .map_err(|e| Error::Validation(format!("setting {key}: {e}")))?;
        self.set_setting_json(key, &json, now_ms).await
    }
}

impl<S: SettingsStore + ?Sized> TypedSettings for S {}

/// The database itself: where it is, its schema version and health.
#[async_trait]
pub trait DatabaseStore: Send + Sync {
    fn path(&self) -> &Path;

    /// Version of the newest migration applied to this database (0 when none).
    async fn schema_version(&self) -> Result<u32>;

    /// The journal mode SQLite actually uses (`wal` expected).
    async fn journal_mode(&self) -> Result<String>;

    /// Whether foreign-key enforcement is on for pooled connections.
    async fn foreign_keys(&self) -> Result<bool>;

    async fn close(&self);
}

/// Connector instances, their scan state (cursors, runs, progress) and the records scans write.
#[async_trait]
pub trait ConnectorStore: Send + Sync {
    async fn insert_instance(
        &self,
        id: &str,
        app: &str,
        name: &str,
        config: &str,
        now_ms: i64,
    ) -> Result<()>;

    async fn instances(&self) -> Result<Vec<InstanceRow>>;

    async fn instance(&self, id: &str) -> Result<Option<InstanceRow>>;

    async fn delete_instance(&self, id: &str) -> Result<bool>;

    async fn set_instance_status(
        &self,
        id: &str,
        status: InstanceStatus,
        detail: Option<&str>,
    ) -> Result<()>;

    /// Sets the scan intervals; `false` when the instance does not exist.
    async fn set_schedule(
        &self,
        id: &str,
        activities_every_s: i64,
        full_every_s: i64,
    ) -> Result<bool>;

    async fn set_instance_permissions(&self, id: &str, permissions: &str) -> Result<()>;

    /// The progress of a running scan, shown as the status detail while the instance is
    /// `scanning` (an instance disabled meanwhile keeps its status).
    async fn set_scan_progress(&self, id: &str, detail: &str) -> Result<()>;

    /// Replaces an instance's settings (never secrets) after a re-authorization.
    async fn set_instance_config(&self, id: &str, config: &str) -> Result<()>;

    async fn set_last_scan(&self, id: &str, at_ms: i64) -> Result<()>;

    async fn cursor(&self, id: &str, resource: &str) -> Result<Option<String>>;

    async fn set_cursor(
        &self,
        id: &str,
        resource: &str,
        value: Option<&str>,
        now_ms: i64,
    ) -> Result<()>;

    /// Stores one page of records and the cursor after it, all or nothing. Rows are written
    /// with multi-row statements (one per table and chunk), not one statement per record.
    async fn store_page(
        &self,
        id: &str,
        records: &Records,
        cursor: (&str, Option<&str>),
        now_ms: i64,
    ) -> Result<()>;

    /// Stores several pages of one resource in order, with the cursor after the last one,
    /// optionally a kept state (`(key, value)`, e.g. delta links valid once these pages are
    /// stored) and the instance's progress detail, in one transaction on the bulk-write
    /// connection (a writer that fell behind catches up with fewer commits).
    async fn store_pages(
        &self,
        id: &str,
        pages: &[(&Records, Option<&str>)],
        resource: &str,
        kept: Option<(&str, &str)>,
        progress: Option<&str>,
        now_ms: i64,
    ) -> Result<()>;

    async fn record_counts(&self, id: &str) -> Result<RecordCounts>;

    /// The time of the newest stored activity of an instance.
    async fn newest_activity_ms(&self, id: &str) -> Result<Option<i64>>;

    /// The newest finished scan of an instance: status, started, finished, phases JSON,
    /// requests, retries, throttles, error.
    async fn last_run(&self, id: &str) -> Result<Option<RunRow>>;

    async fn start_run(&self, run_id: &str, id: &str, now_ms: i64) -> Result<()>;

    async fn finish_run(
        &self,
        run_id: &str,
        status: RunStatus,
        phases: &str,
        counters: (i64, i64, i64),
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<()>;

    /// Rows of a record table for listing: `(instance, JSON of the row)`, newest first where
    /// that means something.
    async fn list_records(
        &self,
        table: RecordTable,
        instance: Option<&str>,
        limit: i64,
    ) -> Result<Vec<serde_json::Value>>;
}

/// The activity log: pages by filter in `(time, id)` order, one event, upgrades of stored events.
#[async_trait]
pub trait ActivityStore: Send + Sync {
    /// Gives activities stored before the activity log existed their category and a
    /// normalised outcome, once: one update per distinct (app, action, outcome).
    async fn normalize_activities(&self, now_ms: i64) -> Result<()>;

    /// Gives activities stored before the writer computed their address and object keys
    /// (migration 0021) theirs, once, a batch of rows at a time in rowid order.
    async fn backfill_activity_keys(&self, now_ms: i64) -> Result<()>;

    /// One page of the activity log after `after`, newest first: `(rows, key to go on)`.
    /// The key is `None` when the log ends here.
    async fn activities_page(
        &self,
        filter: &ActivityFilter,
        after: Option<ActivityKey>,
        limit: usize,
    ) -> Result<(Vec<ActivityRow>, Option<ActivityKey>)>;

    /// As [`Self::activities_page`], each row with the vendor's raw record (for exports).
    async fn activities_page_raw(
        &self,
        filter: &ActivityFilter,
        after: Option<ActivityKey>,
        limit: usize,
    ) -> Result<(Vec<(ActivityRow, String)>, Option<ActivityKey>)>;

    /// One event and its raw vendor record.
    async fn activity(
        &self,
        instance_id: &str,
        event_id: &str,
    ) -> Result<Option<(ActivityRow, String)>>;

    /// The query plan of the activity log query for `f` (for the index test), each network and
    /// text filter planned as the page would plan it on this store.
    async fn activities_plan(&self, f: &ActivityFilter, paged: bool) -> Result<Vec<String>>;
}

/// People: accounts correlated across apps, paged by filter, and the links the analyst overrides.
#[async_trait]
pub trait PeopleStore: Send + Sync {
    /// Gives accounts stored before people existed their person keys and last activity, once.
    async fn backfill_people(&self, now_ms: i64) -> Result<()>;

    /// One page of people after `after` (a person key), in key order: `(people, key to go
    /// on)`. `now_ms` dates the inactivity filter.
    async fn people_page(
        &self,
        f: &PersonFilter,
        after: Option<&str>,
        limit: usize,
        now_ms: i64,
    ) -> Result<(Vec<Person>, Option<String>)>;

    /// The people with these keys, in the keys' order, with every account.
    async fn people(&self, keys: &[String]) -> Result<Vec<Person>>;

    /// Links an account to `person` (`None`: back to the rule's person); whether the account
    /// exists.
    async fn link_account(
        &self,
        instance_id: &str,
        external_id: &str,
        person: Option<&str>,
        now_ms: i64,
    ) -> Result<bool>;

    /// The sign-in name of an account, by its id in the instance.
    async fn account_login(&self, instance_id: &str, external_id: &str) -> Result<Option<String>>;

    /// The query plan of the people query for `f` (for the index test).
    async fn people_plan(&self, f: &PersonFilter, paged: bool) -> Result<Vec<String>>;
}

/// Files in connected apps, paged by filter newest modified first, with their collaborators.
#[async_trait]
pub trait FileStore: Send + Sync {
    /// Gives collaborators stored before their domains were computed by the writer theirs,
    /// once.
    async fn backfill_collaborator_domains(&self, now_ms: i64) -> Result<()>;

    /// One page of files after `after`, newest modified first: `(files, key to go on)`.
    async fn files_page(
        &self,
        f: &FileFilter,
        after: Option<&FileKey>,
        limit: usize,
        now_ms: i64,
    ) -> Result<(Vec<FileRow>, Option<FileKey>)>;

    /// One file, its collaborators and its raw record.
    async fn file(
        &self,
        instance_id: &str,
        external_id: &str,
    ) -> Result<Option<(FileRow, Vec<FileCollaborator>, String)>>;

    /// The query plan of the files query for `f` (for the index test).
    async fn files_plan(&self, f: &FileFilter, paged: bool) -> Result<Vec<String>>;
}

/// Third-party OAuth apps: their grants across instances and the analyst's verdicts.
#[async_trait]
pub trait OAuthStore: Send + Sync {
    /// Every app holding grants, summed up across instances.
    async fn oauth_apps(&self) -> Result<Vec<AppGrants>>;

    /// Every (app key, kind, permission) held, once.
    async fn oauth_app_permissions(&self) -> Result<Vec<(String, String, String)>>;

    /// The grants of one app (by key), with their raw records.
    async fn oauth_app_grants(&self, key: &str) -> Result<Vec<GrantRow>>;

    /// Records the analyst's decision (`None`: undecided).
    async fn set_oauth_app_status(
        &self,
        (key, app, name): (&str, &str, &str),
        status: Option<&str>,
        now_ms: i64,
    ) -> Result<()>;

    /// Forgets a grant the vendor revoked (the next scan would not see it either).
    async fn remove_grant(&self, instance_id: &str, external_id: &str) -> Result<()>;
}

/// Per-scan snapshots of what a scan saw (for "what changed").
#[async_trait]
pub trait SnapshotStore: Send + Sync {
    /// Records what the run `run_id` saw of `kinds` (`account`, `file`, `grant`), and forgets
    /// all but the newest snapshots of the instance. Accounts and grants not read again since
    /// the snapshot before are gone from the vendor (a scan that resumed after an interruption
    /// read some of them in its first attempt, after that snapshot too).
    async fn take_snapshot(
        &self,
        instance_id: &str,
        run_id: &str,
        kinds: &[&str],
        now_ms: i64,
    ) -> Result<()>;

    /// The snapshots of an instance (all instances with `None`), newest first.
    async fn snapshots(&self, instance_id: Option<&str>) -> Result<Vec<SnapshotRow>>;

    /// The items of a snapshot of one kind: item → state JSON.
    async fn snapshot_items(&self, run_id: &str, kind: &str) -> Result<BTreeMap<String, String>>;
}

/// Persisted background jobs with leases, so that a killed process is seen and its work resumed.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Starts `job` holding the lease of its subject. When another job of the subject is
    /// running, `dead(row)` says whether its owner is gone (lease expired, process missing):
    /// then that job becomes `interrupted` and this one starts; otherwise the running job is
    /// returned and nothing changes.
    async fn take_job(
        &self,
        job: &NewJob<'_>,
        now_ms: i64,
        dead: &(dyn for<'r> Fn(&'r JobRow) -> bool + Send + Sync),
    ) -> Result<std::result::Result<(), JobRow>>;

    /// Renews a running job's lease; `false` when the job is no longer running here (another
    /// process declared it dead and took over).
    async fn renew_job(&self, job_id: &str, now_ms: i64, lease_ms: i64) -> Result<bool>;

    /// Records a job's latest progress (JSON).
    async fn set_job_progress(&self, job_id: &str, progress: &str) -> Result<()>;

    /// Ends a job in `state`.
    async fn finish_job(
        &self,
        job_id: &str,
        state: JobState,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<()>;

    /// Jobs in `state`, oldest first.
    async fn jobs_in_state(&self, state: JobState) -> Result<Vec<JobRow>>;

    /// The newest `limit` jobs, newest first.
    async fn recent_jobs(&self, limit: i64) -> Result<Vec<JobRow>>;

    /// Marks a running job of a dead owner `interrupted`, and what it left half-done with it
    /// (see [`interrupt`]). `false` when it was not running.
    async fn interrupt_job(&self, row: &JobRow, now_ms: i64) -> Result<bool>;

    /// The newest job of `kind` on `subject`.
    async fn latest_job(&self, kind: &str, subject: &str) -> Result<Option<JobRow>>;

    /// Marks an interrupted job as taken up again (by a new job).
    async fn mark_job_resumed(&self, job_id: &str) -> Result<bool>;
}

/// Cloud Discovery: uploaded logs, their usage per app, custom log formats, app tags and pseudonymised identities.
#[async_trait]
pub trait DiscoveryStore: Send + Sync {
    /// Writes the uploads of one run and adds their usage to the report named `report`
    /// (created, as `new_id`, when missing), all or nothing: a failed upload leaves no empty
    /// report behind. Returns the report's id.
    async fn add_discovery_uploads(
        &self,
        report: &str,
        new_id: &str,
        uploads: &[UploadRows],
        usage: &UploadRows,
        now_ms: i64,
    ) -> Result<String>;

    /// Usage rows of a report: `(kind, key, stats, distinct users, distinct IPs)`.
    async fn discovery_usage(
        &self,
        report_id: &str,
    ) -> Result<Vec<(String, String, UsageStats, i64, i64)>>;

    /// Every report, newest first.
    async fn discovery_reports(&self) -> Result<Vec<ReportRow>>;

    async fn discovery_report_row(&self, report_id: &str) -> Result<Option<ReportRow>>;

    /// Renames a report; `false` when it does not exist.
    async fn rename_discovery_report(
        &self,
        report_id: &str,
        name: &str,
        now_ms: i64,
    ) -> Result<bool>;

    /// Deletes a report with its uploads and usage; `false` when it does not exist.
    async fn delete_discovery_report(&self, report_id: &str) -> Result<bool>;

    /// The uploads of a report, oldest first.
    async fn discovery_uploads(&self, report_id: &str) -> Result<Vec<StoredUpload>>;

    /// Distinct users and distinct source IPs across a report.
    async fn discovery_distinct_clients(&self, report_id: &str) -> Result<(i64, i64)>;

    /// Usage of one key by user, IP or day (`table` is one of the three breakdown tables).
    async fn discovery_breakdown(
        &self,
        report_id: &str,
        kind: &str,
        key: &str,
        by: Breakdown,
    ) -> Result<Vec<BreakdownRow>>;

    /// Distinct keys of unmatched usage: `(kind, key)` over every report.
    async fn unmatched_keys(&self) -> Result<Vec<(String, String)>>;

    /// Moves the usage of an unmatched key to an app in every report (merging with usage the
    /// app already has), all or nothing. Distinct users and IPs stay exact.
    async fn rekey_usage(&self, kind: &str, key: &str, app_id: &str) -> Result<()>;

    /// Saved custom formats: `(name, JSON definition)`, by name.
    async fn custom_formats(&self) -> Result<Vec<(String, String)>>;

    async fn save_custom_format(&self, name: &str, json: &str, now_ms: i64) -> Result<()>;

    async fn delete_custom_format(&self, name: &str) -> Result<bool>;

    /// Every tagged app: `(app id, tag)`.
    async fn app_tags(&self) -> Result<Vec<(String, String)>>;

    /// Sets (or with `None` clears) an app's tag.
    async fn set_app_tag(&self, app_id: &str, tag: Option<&str>, now_ms: i64) -> Result<()>;

    /// Stores sealed real names of pseudonyms (a pseudonym already stored is kept).
    async fn add_identities(&self, identities: &[(String, Vec<u8>)], now_ms: i64) -> Result<()>;

    /// The sealed real name of a pseudonym.
    async fn identity(&self, pseudonym: &str) -> Result<Option<Vec<u8>>>;
}

/// The analyst's custom apps and score overrides of the app catalog.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    async fn custom_apps(&self) -> Result<Vec<CustomAppRow>>;

    async fn upsert_custom_app(&self, app_id: &str, app_json: &str, now_ms: i64) -> Result<()>;

    /// Deletes a custom app; `false` when there was none.
    async fn delete_custom_app(&self, app_id: &str) -> Result<bool>;

    async fn score_overrides(&self) -> Result<Vec<OverrideRow>>;

    async fn set_score_override(
        &self,
        app_id: &str,
        score: f64,
        note: &str,
        now_ms: i64,
    ) -> Result<()>;

    async fn clear_score_override(&self, app_id: &str) -> Result<bool>;
}

/// The analyst's saved queries, by page.
#[async_trait]
pub trait QueryStore: Send + Sync {
    /// The saved queries of a page, by name.
    async fn saved_queries(&self, kind: &str) -> Result<Vec<SavedQueryRow>>;

    /// Saves `filter` under `name` (replacing a query of that name); its id.
    async fn save_query(&self, kind: &str, name: &str, filter: &str, now_ms: i64) -> Result<i64>;

    /// Deletes a saved query; whether there was one.
    async fn delete_query(&self, kind: &str, id: i64) -> Result<bool>;
}

/// The audit trail of what the analyst did (bans, approvals, overrides...).
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends to the audit log.
    async fn audit(&self, action: &str, subject: &str, detail: &str, now_ms: i64) -> Result<()>;

    /// The audit log, newest first: `(at, action, subject, detail)`.
    async fn audit_log(&self, limit: i64) -> Result<Vec<(i64, String, String, String)>>;
}
