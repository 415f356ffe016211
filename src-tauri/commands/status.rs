use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::Status;
use tauri::State;

use crate::error::CommandResult;

/// Version, data directory, database and keychain status.
#[tauri::command]
#[specta::specta]
pub async fn get_status(engine: State<'_, Engine>) -> CommandResult<Status> {
    Ok(engine.status().await?)
}
