//! Jobs: scans and uploads as persisted, leased work. A job holds the lease of its subject
//! while its process lives (a heartbeat renews it); a process that dies leaves a job whose
//! lease expires — or whose process is gone from this host — and the next engine to open the
//! data directory marks it `interrupted`; [`Engine::resume_interrupted_jobs`] runs it again
//! from its cursors. Progress and ends are pushed to subscribers ([`Engine::subscribe_jobs`])
//! and ends with committed data to the commit hooks ([`Engine::on_commit`]), where later work
//! (policy evaluation) attaches.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::{new_id, now_ms, Engine};
use crate::backend::{retry_busy, JobRow, NewJob, SharedBackend};
use crate::domain::discovery::DiscoveryRequest;
use crate::domain::jobs::{JobEvent, JobInfo, JobState};
use crate::{Error, Result};

/// How long a lease lasts without a heartbeat.
pub(crate) const LEASE_MS: i64 = 30_000;
/// How often a running job renews its lease.
const HEARTBEAT: Duration = Duration::from_secs(5);

/// A function called after a job's data is committed.
pub type CommitHook = Arc<dyn Fn(&JobEvent) + Send + Sync>;

/// The job events and commit hooks of an engine (shared by its clones).
pub(crate) struct JobBus {
    events: broadcast::Sender<JobEvent>,
    hooks: std::sync::RwLock<Vec<CommitHook>>,
}

impl Default for JobBus {
    fn default() -> Self {
        JobBus {
            events: broadcast::channel(256).0,
            hooks: std::sync::RwLock::default(),
        }
    }
}

impl std::fmt::Debug for JobBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JobBus")
    }
}

impl JobBus {
    fn emit(&self, event: JobEvent) {
        let _ = self.events.send(event);
    }

    fn committed(&self, event: &JobEvent) {
        let hooks: Vec<CommitHook> = self.hooks.read().map(|h| h.clone()).unwrap_or_default();
        for hook in hooks {
            // A hook that panics must not take the job's end down with it.
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(event))).is_err() {
                tracing::warn!(job = %event.job_id, "a commit hook panicked");
            }
        }
    }
}

/// This process as a job owner: `(description, pid, host)`.
fn owner() -> &'static (String, i64, String) {
    static OWNER: OnceLock<(String, i64, String)> = OnceLock::new();
    OWNER.get_or_init(|| {
        let program = std::env::current_exe()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "cloudwarden".into());
        let pid = std::process::id();
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "localhost".into());
        (
            format!("{program} pid {pid} on {host}"),
            i64::from(pid),
            host,
        )
    })
}

/// Whether the owner of a running job is gone: its lease expired, or it ran on this host in
/// a process that no longer exists.
fn owner_dead(row: &JobRow, now: i64) -> bool {
    let (_, pid, host) = owner();
    if row.lease_expires_ms < now {
        return true;
    }
    row.owner_host == *host && row.owner_pid != *pid && !process_alive(row.owner_pid)
}

#[cfg(target_os = "linux")]
fn process_alive(pid: i64) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(not(target_os = "linux"))]
fn process_alive(_pid: i64) -> bool {
    true // the lease decides
}

fn info(row: JobRow) -> JobInfo {
    JobInfo {
        job_id: row.job_id,
        kind: row.kind,
        subject: row.subject,
        state: row.state,
        owner: row.owner,
        progress: row.progress,
        error: row.error,
        created_at_ms: row.created_at_ms,
        finished_at_ms: row.finished_at_ms,
    }
}

/// A running job's lease; renewed until [`Lease::finish`] (or drop).
pub(crate) struct Lease {
    store: SharedBackend,
    bus: Arc<JobBus>,
    job_id: String,
    kind: String,
    subject: String,
    beat: tokio::task::JoinHandle<()>,
}

impl Lease {
    fn event(&self, state: JobState, progress: Option<String>, error: Option<String>) -> JobEvent {
        JobEvent {
            job_id: self.job_id.clone(),
            kind: self.kind.clone(),
            subject: self.subject.clone(),
            state,
            progress,
            error,
        }
    }

    /// A function reporting progress, for work on other tasks.
    pub fn reporter(&self) -> Arc<dyn Fn(&str) + Send + Sync> {
        let (bus, event) = (self.bus.clone(), self.event(JobState::Running, None, None));
        Arc::new(move |text: &str| {
            bus.emit(JobEvent {
                progress: Some(text.to_owned()),
                ..event.clone()
            });
        })
    }

    /// Ends the job in `state` (`completed`, `failed`, `cancelled`). `committed`: what it
    /// read is stored — the commit hooks run.
    pub async fn finish(
        self,
        state: JobState,
        summary: Option<String>,
        error: Option<String>,
        committed: bool,
    ) -> Result<()> {
        self.beat.abort();
        if let Some(s) = &summary {
            retry_busy(|| self.store.set_job_progress(&self.job_id, s)).await?;
        }
        let now = now_ms();
        retry_busy(|| {
            self.store
                .finish_job(&self.job_id, state, error.as_deref(), now)
        })
        .await?;
        let event = self.event(state, summary, error);
        self.bus.emit(event.clone());
        if committed {
            self.bus.committed(&event);
        }
        Ok(())
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.beat.abort();
    }
}

/// What an interrupted job runs again.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum JobParams {
    /// A scan of every phase (`None`) or of these phases.
    Scan { phases: Option<Vec<String>> },
    /// An upload, as requested.
    Upload { request: DiscoveryRequest },
}

impl Engine {
    /// Starts a job holding the lease of `subject`: refused, naming the process, while a live
    /// process runs a job of the same kind and subject. `on_lost` is cancelled when the lease
    /// is lost (another process found this one dead — it was suspended past the lease).
    pub(crate) async fn begin_job(
        &self,
        params: &JobParams,
        subject: &str,
        on_lost: Option<CancellationToken>,
    ) -> Result<Lease> {
        let kind = match params {
            JobParams::Scan { .. } => "scan",
            JobParams::Upload { .. } => "upload",
        };
        let now = now_ms();
        let job_id = new_id("job", now);
        let (description, pid, host) = owner();
        let params_json =
            serde_json::to_string(params).map_err(|e| Error::Validation(e.to_string()))?;
        let new_job = NewJob {
            job_id: &job_id,
            kind,
            subject,
            params: &params_json,
            owner: description,
            owner_pid: *pid,
            owner_host: host,
            lease_ms: LEASE_MS,
        };
        let dead = |row: &JobRow| owner_dead(row, now);
        let taken = retry_busy(|| self.store.take_job(&new_job, now, &dead)).await?;
        if let Err(running) = taken {
            let what = if kind == "scan" {
                "already scanning"
            } else {
                "already uploading"
            };
            return Err(Error::Validation(format!(
                "{what} (by {}, started {})",
                running.owner,
                crate::discovery_export::iso_time(running.created_at_ms)
            )));
        }
        let beat = {
            let (store, id) = (self.store.clone(), job_id.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(HEARTBEAT).await;
                    match store.renew_job(&id, now_ms(), LEASE_MS).await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::warn!(job = %id, "the job's lease was taken over; stopping");
                            if let Some(t) = &on_lost {
                                t.cancel();
                            }
                            return;
                        }
                        // A busy database: the next beat tries again, well inside the lease.
                        Err(e) => tracing::debug!(job = %id, "lease renewal: {e}"),
                    }
                }
            })
        };
        let lease = Lease {
            store: self.store.clone(),
            bus: self.job_bus.clone(),
            job_id,
            kind: kind.to_owned(),
            subject: subject.to_owned(),
            beat,
        };
        self.job_bus
            .emit(lease.event(JobState::Running, None, None));
        Ok(lease)
    }

    /// Marks the running jobs whose process is gone `interrupted`, with what they left
    /// half-done (an instance left `scanning`, an open scan run). Runs when an engine opens;
    /// returns how many it found.
    pub async fn recover_jobs(&self) -> Result<u32> {
        let now = now_ms();
        let mut n = 0;
        for row in self.store.jobs_in_state(JobState::Running).await? {
            if owner_dead(&row, now) && self.store.interrupt_job(&row, now).await? {
                tracing::info!(job = %row.job_id, kind = %row.kind, subject = %row.subject, "interrupted job found");
                n += 1;
            }
        }
        Ok(n)
    }

    /// Runs every interrupted job again, one after the other: a scan resumes from its
    /// stored cursors; an upload (which stores nothing until its one final transaction) runs
    /// again from its files. Returns the jobs that ran.
    pub async fn resume_interrupted_jobs(&self) -> Result<Vec<JobInfo>> {
        self.recover_jobs().await?;
        let mut ran = Vec::new();
        for row in self.store.jobs_in_state(JobState::Interrupted).await? {
            // Another process may resume it at the same moment: one of them marks it.
            if !self.store.mark_job_resumed(&row.job_id).await? {
                continue;
            }
            let params: JobParams = match serde_json::from_str(&row.params) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(job = %row.job_id, "cannot resume: {e}");
                    continue;
                }
            };
            let outcome = match params {
                JobParams::Scan { phases } => {
                    let phases: Option<Vec<cloudwarden_connectors::model::Phase>> =
                        phases.map(|p| {
                            p.iter()
                                .filter_map(|s| {
                                    cloudwarden_connectors::model::Phase::ALL
                                        .into_iter()
                                        .find(|x| x.as_str() == s)
                                })
                                .collect()
                        });
                    match self.store.instance(&row.subject).await? {
                        None => continue, // removed since
                        Some(_) => self
                            .scan_instance_phases(&row.subject, phases.as_deref())
                            .await
                            .map(|_| ()),
                    }
                }
                JobParams::Upload { request } => self
                    .discover(
                        request,
                        Arc::new(cloudwarden_discovery::pipeline::Progress::default()),
                        Arc::new(AtomicBool::new(false)),
                    )
                    .await
                    .map(|_| ()),
            };
            if let Err(e) = &outcome {
                tracing::warn!(job = %row.job_id, "resumed job failed: {e}");
            }
            // The job that ran it (or, when it could not start, the interrupted one).
            if let Some(job) = self.store.latest_job(&row.kind, &row.subject).await? {
                ran.push(info(job));
            }
        }
        Ok(ran)
    }

    /// The newest jobs, newest first.
    pub async fn jobs(&self, limit: u32) -> Result<Vec<JobInfo>> {
        Ok(self
            .store
            .recent_jobs(i64::from(limit.clamp(1, 1000)))
            .await?
            .into_iter()
            .map(info)
            .collect())
    }

    /// Progress and ends of every job this engine runs, as they happen.
    pub fn subscribe_jobs(&self) -> broadcast::Receiver<JobEvent> {
        self.job_bus.events.subscribe()
    }

    /// Calls `hook` after each job whose data was committed (a completed scan or upload),
    /// on the task that ran it.
    pub fn on_commit(&self, hook: impl Fn(&JobEvent) + Send + Sync + 'static) {
        if let Ok(mut hooks) = self.job_bus.hooks.write() {
            hooks.push(Arc::new(hook));
        }
    }
}

/// The params of a scan job.
pub(crate) fn scan_params(only: Option<&[cloudwarden_connectors::model::Phase]>) -> JobParams {
    JobParams::Scan {
        phases: only.map(|p| p.iter().map(|x| x.as_str().to_owned()).collect()),
    }
}
