//! Jobs (scans, uploads): the list, and their progress pushed to the page as it happens.

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::jobs::{JobEvent, JobInfo};
use tauri::ipc::Channel;
use tauri::State;

use crate::error::CommandResult;

/// The newest jobs, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_jobs(engine: State<'_, Engine>, limit: u32) -> CommandResult<Vec<JobInfo>> {
    Ok(engine.jobs(limit).await?)
}

/// Sends every job event to `events` until the page goes away (the channel closes).
#[tauri::command]
#[specta::specta]
pub fn watch_jobs(engine: State<'_, Engine>, events: Channel<JobEvent>) {
    let mut rx = engine.subscribe_jobs();
    tauri::async_runtime::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(event) => {
                    if events.send(event).is_err() {
                        return;
                    }
                }
                // A slow page missed some progress: the next event brings it up to date.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}
