use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::{Settings, Theme};
use tauri::State;

use crate::error::CommandResult;

#[tauri::command]
#[specta::specta]
pub async fn get_settings(engine: State<'_, Engine>) -> CommandResult<Settings> {
    Ok(engine.settings().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_theme(engine: State<'_, Engine>, theme: Theme) -> CommandResult<Settings> {
    Ok(engine.set_theme(theme).await?)
}

/// The audit log, newest first: reveals of pseudonyms and changes to anonymization.
#[tauri::command]
#[specta::specta]
pub async fn list_audit_log(
    engine: State<'_, Engine>,
    limit: u32,
) -> CommandResult<Vec<cloudwarden_engine::domain::AuditEntry>> {
    Ok(engine.audit_log(limit).await?)
}
