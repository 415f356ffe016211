//! Long work — scans of an instance, uploads of logs — as the front ends see it.

use serde::{Deserialize, Serialize};
use specta::Type;

/// A scan or upload, running or done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct JobInfo {
    pub job_id: String,
    /// `scan` or `upload`.
    pub kind: String,
    /// The instance scanned, or the upload's report.
    pub subject: String,
    /// `running`, `completed`, `failed`, `cancelled`, `interrupted` (its process stopped;
    /// resumed at the next start or by `cloudwarden jobs resume`) or `resumed`.
    pub state: String,
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
    pub state: String,
    pub progress: Option<String>,
    pub error: Option<String>,
}
