//! Investigation: the activity log, filtered and paged in the engine.

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::investigate::{ActivityFilter, ActivityPage};
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
