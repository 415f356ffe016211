//! The scan pipeline: connect → permissions → accounts → groups → privileges → activities →
//! files → OAuth grants. Each page is stored with its cursor in one transaction, so a killed
//! scan resumes where it stopped; activities are read from the newest stored event minus a lag
//! window (late events are picked up, duplicates dropped by event time and id); a missing
//! permission becomes a named phase status while the other phases run; a refused credential
//! turns the instance into `error` with the fix.

use std::time::Instant;

use async_trait::async_trait;
use cloudwarden_connectors::http::{Auth, Http};
use cloudwarden_connectors::model::{Connector, Ctx, Phase, PhaseStart, Records, Sink};
use cloudwarden_connectors::Error as CError;
use tokio_util::sync::CancellationToken;

use crate::backend::SharedBackend;
use crate::domain::connectors::{PhaseReport, PhaseStatus as P, RunStatus, ScanReport};
use crate::Result;

/// How far back the first activities scan reads.
pub const BACKFILL_MS: i64 = 7 * 24 * 3600 * 1000;
/// Audit logs index late: every activities scan re-reads this window before the newest stored
/// event (events already stored are skipped by time and id).
pub const LAG_MS: i64 = 10 * 60 * 1000;

fn cursor_key(phase: Phase) -> String {
    format!("phase:{}", phase.as_str())
}

/// What a connector keeps between completed runs of a phase (delta links).
fn state_key(phase: Phase) -> String {
    format!("state:{}", phase.as_str())
}

/// Stores a phase's pages in order on a writer task, so the connector reads the next page
/// while the previous one is written. Each page is still stored with its cursor in one
/// transaction; [`StoreSink::finish`] waits until every page sent is stored.
/// Records a phase may read ahead of the writer (bounded by records, not pages: a phase of
/// small pages still reads on while a transaction commits).
const QUEUED_RECORDS: usize = 12_000;
/// Records the writer stores in one transaction at most.
const BATCH_RECORDS: usize = 5000;
/// How long the writer gathers pages for one transaction (a killed scan re-reads at most the
/// pages of this long).
const BATCH_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

/// What the writer task stores, in order.
enum Write {
    Page(Box<Records>, Option<String>),
    State(String),
}

impl Write {
    /// The room a write takes in the queue: its records, or a kept state's kilobytes (about
    /// a record's worth each); at least one.
    fn permits(&self) -> usize {
        let n = match self {
            Write::Page(records, _) => records.len(),
            Write::State(state) => state.len() / 1024,
        };
        n.clamp(1, QUEUED_RECORDS)
    }
}

struct StoreSink {
    tx: Option<tokio::sync::mpsc::UnboundedSender<Write>>,
    /// A permit per record queued (at least one per write), returned once stored; closed
    /// when the writer stops.
    room: std::sync::Arc<tokio::sync::Semaphore>,
    writer: Option<tokio::task::JoinHandle<Result<()>>>,
    records: u64,
    notes: Vec<String>,
}

impl StoreSink {
    fn new(
        store: &SharedBackend,
        instance: &str,
        phase: Phase,
        resource: &str,
        on_progress: Progress,
    ) -> StoreSink {
        // Reading goes on while the writer commits; memory stays bounded by `room`.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Write>();
        let room = std::sync::Arc::new(tokio::sync::Semaphore::new(QUEUED_RECORDS));
        let (store, instance, resource) = (store.clone(), instance.to_owned(), resource.to_owned());
        let writer_room = room.clone();
        let writer = tokio::spawn(async move {
            // A reader waiting for room is released when the writer stops, however it stops.
            struct Close(std::sync::Arc<tokio::sync::Semaphore>);
            impl Drop for Close {
                fn drop(&mut self) {
                    self.0.close();
                }
            }
            let _close = Close(writer_room.clone());
            let mut stored = 0usize;
            let state_key = state_key(phase);
            while let Some(first) = rx.recv().await {
                // The writes already waiting go into the same transaction, in order: pages,
                // the cursor after the last one, and the newest kept state (committed with
                // the pages before it, so a kept delta link never gets ahead of them).
                let mut pages: Vec<(Records, Option<String>)> = Vec::new();
                let (mut kept, mut n, mut permits) = (None, 0, 0);
                let mut next = Some(first);
                let opened = Instant::now();
                while let Some(write) = next.take() {
                    permits += write.permits();
                    match write {
                        Write::Page(records, cursor) => {
                            n += records.len();
                            // Pages are merged (fewer, fuller statements), except after a
                            // page with deletions, which apply after the rows before them.
                            match pages.last_mut() {
                                Some((last, at)) if !last.deletes() => {
                                    last.append(*records);
                                    *at = cursor;
                                }
                                _ => pages.push((*records, cursor)),
                            }
                        }
                        Write::State(state) => kept = Some(state),
                    }
                    if n < BATCH_RECORDS {
                        // Waits a little for more: a commit rewrites every index page it
                        // touched, so fewer, larger transactions write far less.
                        let left = BATCH_WAIT.saturating_sub(opened.elapsed());
                        next = match tokio::time::timeout(left, rx.recv()).await {
                            Ok(write) => write,
                            Err(_) => rx.try_recv().ok(),
                        };
                    }
                }
                stored += n;
                let refs: Vec<(&Records, Option<&str>)> =
                    pages.iter().map(|(r, c)| (r, c.as_deref())).collect();
                // Live progress, in the same transaction: the phase and what it stored so far.
                let progress = format!("reading {}: {stored} records", phase.as_str());
                // Another process holding the write lock is waited for: the pages read are
                // not thrown away.
                let now = super::api::now_ms();
                crate::backend::retry_busy(|| {
                    store.store_pages(
                        &instance,
                        &refs,
                        &resource,
                        kept.as_deref().map(|k| (state_key.as_str(), k)),
                        Some(&progress),
                        now,
                    )
                })
                .await?;
                on_progress(&progress);
                writer_room.add_permits(permits);
            }
            Ok(())
        });
        StoreSink {
            tx: Some(tx),
            room,
            writer: Some(writer),
            records: 0,
            notes: Vec::new(),
        }
    }

    async fn send(&mut self, write: Write) -> cloudwarden_connectors::Result<()> {
        // Waits for room (the permits go with the write and come back once it is stored).
        let acquired = self.room.acquire_many(write.permits() as u32).await;
        let room = acquired.map(|permits| permits.forget()).is_ok();
        let sent = room
            && match &self.tx {
                Some(tx) => tx.send(write).is_ok(),
                None => false,
            };
        if sent {
            return Ok(());
        }
        // The writer stopped: report why.
        let why = match self.finish().await {
            Err(e) => e.to_string(),
            Ok(()) => "the page writer stopped".into(),
        };
        Err(CError::Config(format!("cannot store a page: {why}")))
    }

    /// Waits until every page sent is stored; the writer's error, if it failed.
    async fn finish(&mut self) -> Result<()> {
        drop(self.tx.take());
        match self.writer.take() {
            Some(w) => w
                .await
                .map_err(|e| crate::Error::Task(format!("page writer: {e}")))?,
            None => Ok(()),
        }
    }
}

#[async_trait]
impl Sink for StoreSink {
    async fn page(
        &mut self,
        records: Records,
        cursor: Option<String>,
    ) -> cloudwarden_connectors::Result<()> {
        self.records += records.len() as u64;
        self.send(Write::Page(Box::new(records), cursor)).await
    }

    async fn keep(&mut self, state: String) -> cloudwarden_connectors::Result<()> {
        self.send(Write::State(state)).await
    }

    fn note(&mut self, message: String) {
        if !self.notes.contains(&message) {
            self.notes.push(message);
        }
    }
}

/// Where a scan reports what it is doing (the job's subscribers).
pub type Progress = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

/// What ended a scan early.
enum Stop {
    Unauthorized(String),
    Cancelled,
}

/// Runs every phase the connector can read. Returns the report; the caller sets the status.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    store: &SharedBackend,
    instance: &str,
    connector: &dyn Connector,
    auth: Auth,
    cancel: CancellationToken,
    run_id: &str,
    only: Option<&[Phase]>,
    progress: Progress,
) -> Result<(ScanReport, Option<String>)> {
    let start = Instant::now();
    let http = Http::new(cancel.clone())
        .map_err(|e| crate::Error::Validation(e.to_string()))?
        .only_to(connector.api_base());
    let ctx = Ctx {
        http: http.clone(),
        auth,
    };
    let caps = connector.info().capabilities;
    let mut phases = Vec::new();
    let mut stop: Option<Stop> = None;
    let permissions = match connector.permissions(&ctx).await {
        Ok(mut p) => {
            p.checked_at_ms = Some(super::api::now_ms());
            let json = serde_json::to_string(&p).unwrap_or_default();
            store.set_instance_permissions(instance, &json).await?;
            Some(p)
        }
        Err(CError::Unauthorized(m)) => {
            stop = Some(Stop::Unauthorized(m));
            None
        }
        Err(CError::Cancelled) => {
            stop = Some(Stop::Cancelled);
            None
        }
        Err(e) => return Err(crate::Error::Validation(e.to_string())),
    };
    for phase in Phase::ALL {
        let readable = match phase {
            Phase::Accounts => caps.accounts,
            Phase::Groups => caps.groups,
            Phase::Privileges => caps.privileges,
            Phase::Activities => caps.activities,
            Phase::Files => caps.files,
            Phase::OauthGrants => caps.oauth_apps,
        };
        let phase_start = Instant::now();
        let report = |status: P, records: u64, detail: Option<String>| PhaseReport {
            phase: phase.as_str().into(),
            status,
            records,
            detail,
            duration_ms: u64::try_from(phase_start.elapsed().as_millis()).unwrap_or(u64::MAX),
        };
        if stop.is_some() || only.is_some_and(|o| !o.contains(&phase)) {
            phases.push(report(P::NotRun, 0, None));
            continue;
        }
        if !readable {
            phases.push(report(P::Skipped, 0, None));
            continue;
        }
        if let Some(missing) = permissions.as_ref().and_then(|p| p.missing_for(phase)) {
            let status = if missing.licence {
                P::Unavailable
            } else {
                P::MissingPermission
            };
            phases.push(report(
                status,
                0,
                Some(format!(
                    "{}: {}",
                    missing.name,
                    missing.fix.clone().unwrap_or_default()
                )),
            ));
            continue;
        }
        let reading = format!("reading {}", phase.as_str());
        store.set_scan_progress(instance, &reading).await?;
        progress(&reading);
        let resource = cursor_key(phase);
        let resume = store.cursor(instance, &resource).await?;
        let state = store.cursor(instance, &state_key(phase)).await?;
        let since_ms = if phase == Phase::Activities {
            Some(match store.newest_activity_ms(instance).await? {
                Some(newest) => newest - LAG_MS,
                None => super::api::now_ms() - BACKFILL_MS,
            })
        } else {
            None
        };
        let mut sink = StoreSink::new(store, instance, phase, &resource, progress.clone());
        let mut result = connector
            .scan(
                &ctx,
                phase,
                PhaseStart {
                    resume,
                    since_ms,
                    state,
                },
                &mut sink,
            )
            .await;
        if let Err(e) = sink.finish().await {
            if result.is_ok() {
                result = Err(CError::Config(format!("cannot store a page: {e}")));
            }
        }
        let n = sink.records;
        let notes = (!sink.notes.is_empty()).then(|| sink.notes.join("; "));
        phases.push(match result {
            Ok(()) => {
                // Done: the next run starts this phase from the beginning (activities from
                // the newest stored event).
                store
                    .set_cursor(instance, &resource, None, super::api::now_ms())
                    .await?;
                report(P::Completed, n, notes)
            }
            Err(CError::Unauthorized(m)) => {
                stop = Some(Stop::Unauthorized(m.clone()));
                report(P::Failed, n, Some(m))
            }
            Err(CError::Cancelled) => {
                stop = Some(Stop::Cancelled);
                report(P::Cancelled, n, None)
            }
            Err(CError::Forbidden(m)) => report(P::MissingPermission, n, Some(m)),
            Err(CError::Unavailable(m)) => report(P::Unavailable, n, Some(m)),
            Err(e) => report(P::Failed, n, Some(e.to_string())),
        });
    }
    let c = http.counters().snapshot();
    let status = match &stop {
        Some(Stop::Cancelled) => RunStatus::Cancelled,
        Some(Stop::Unauthorized(_)) => RunStatus::Failed,
        // Phases left out on purpose (`only`) are `not_run` and do not make a scan partial.
        None if phases.iter().all(|p| p.status.is_fine()) => RunStatus::Completed,
        None => RunStatus::Partial,
    };
    let error = match stop {
        Some(Stop::Unauthorized(m)) => Some(
            match cloudwarden_connectors::m365::signin_error::explain(&m) {
                Some(p) => format!("{} ({})", p.message, p.code),
                None => format!(
                    "the vendor refused the credential ({m}); reconnect the instance with a new token"
                ),
            },
        ),
        _ => None,
    };
    Ok((
        ScanReport {
            instance_id: instance.to_owned(),
            run_id: run_id.to_owned(),
            status,
            phases,
            requests: c.requests,
            retries: c.retries,
            throttles: c.throttles,
            duration_ms: u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
        },
        error,
    ))
}

/// The report of a scan continued after renewing the credential: the phases in `rerun` from
/// `second` (with what they read before the interruption added), the others from `first`;
/// counters added up.
pub fn merge(first: ScanReport, second: ScanReport, rerun: &[Phase]) -> ScanReport {
    let phases: Vec<PhaseReport> = first
        .phases
        .into_iter()
        .map(|p| {
            if !rerun.iter().any(|r| r.as_str() == p.phase) {
                return p;
            }
            match second.phases.iter().find(|q| q.phase == p.phase) {
                Some(q) => PhaseReport {
                    records: q.records + p.records,
                    duration_ms: q.duration_ms + p.duration_ms,
                    ..q.clone()
                },
                None => p,
            }
        })
        .collect();
    let status = match second.status {
        RunStatus::Cancelled | RunStatus::Failed => second.status,
        _ if phases.iter().all(|p| p.status.is_fine()) => RunStatus::Completed,
        _ => RunStatus::Partial,
    };
    ScanReport {
        instance_id: second.instance_id,
        run_id: second.run_id,
        status,
        phases,
        requests: first.requests + second.requests,
        retries: first.retries + second.retries,
        throttles: first.throttles + second.throttles,
        duration_ms: first.duration_ms + second.duration_ms,
    }
}
