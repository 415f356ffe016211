//! Investigation: the activity log, filtered and paged in the engine.

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::investigate::{ActivityDetail, ActivityFilter, ActivityPage};
use tauri::State;

use crate::error::CommandResult;

/// A page of the activity log, newest first; `cursor` is the `next_cursor` of the page before.
#[tauri::command]
#[specta::specta]
pub async fn list_activities(
    engine: State<'_, Engine>,
    filter: ActivityFilter,
    cursor: Option<String>,
    limit: Option<u32>,
) -> CommandResult<ActivityPage> {
    Ok(engine.activities(&filter, cursor.as_deref(), limit).await?)
}

/// One event with the vendor's raw record, for the detail drawer.
#[tauri::command]
#[specta::specta]
pub async fn get_activity(
    engine: State<'_, Engine>,
    instance_id: String,
    event_id: String,
) -> CommandResult<ActivityDetail> {
    Ok(engine.activity(&instance_id, &event_id).await?)
}
