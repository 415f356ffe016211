//! Long work — scans of an instance, uploads of logs — as the front ends see it.

use serde::{Deserialize, Serialize};
use specta::Type;

/// Where a job stands (stored in `jobs.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum JobState {
    Running,
    Completed,
    Failed,
    Cancelled,
    /// Its process stopped; resumed at the next start or by `cloudwarden jobs resume`.
    Interrupted,
    /// An interrupted job another job took over.
    Resumed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Completed => "completed",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
            JobState::Interrupted => "interrupted",
            JobState::Resumed => "resumed",
        }
    }
}

impl std::fmt::Display for JobState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scan or upload, running or done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct JobInfo {
    pub job_id: String,
    /// `scan` or `upload`.
    pub kind: String,
    /// The instance scanned, or the upload's report.
    pub subject: String,
    pub state: JobState,
    /// The process that runs or ran it: `<program> pid <pid> on <host>`.
    pub owner: String,
    /// The last progress it reported.
    pub progress: Option<String>,
    pub error: Option<String>,
    #[specta(type = u32)]
    pub created_at_ms: i64,
    #[specta(type = Option<u32>)]
    pub finished_at_ms: Option<i64>,
}

/// What a job reports while it runs, and once when it ends: pushed to the app (a Tauri
/// channel) instead of being polled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct JobEvent {
    pub job_id: String,
    pub kind: String,
    pub subject: String,
    /// `running` while it runs; its final state once.
    pub state: JobState,
    pub progress: Option<String>,
    pub error: Option<String>,
}
