//! Cloud Discovery commands.

use std::path::PathBuf;

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::discovery::{
    AppTag, BlockList, BlockListFormat, CustomFormatDef, DiscoveryProgress, DiscoveryRequest,
    DiscoveryResult, DiscoverySettings, ExportResult, FormatInfo, LogPreview, ReportInfo,
    ReportView, RevealedUser, UsageDetail,
};
use tauri::ipc::Channel;
use tauri::State;

use crate::error::CommandResult;

/// Built-in formats, then the analyst's custom ones (`custom:<name>`).
#[tauri::command]
#[specta::specta]
pub async fn list_log_formats(engine: State<'_, Engine>) -> CommandResult<Vec<FormatInfo>> {
    Ok(engine.discovery_formats().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_custom_formats(engine: State<'_, Engine>) -> CommandResult<Vec<CustomFormatDef>> {
    Ok(engine.custom_formats().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn save_custom_format(
    engine: State<'_, Engine>,
    format: CustomFormatDef,
) -> CommandResult<CustomFormatDef> {
    Ok(engine.save_custom_format(format).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_custom_format(engine: State<'_, Engine>, name: String) -> CommandResult<()> {
    Ok(engine.delete_custom_format(&name).await?)
}

/// The first lines of a log split into columns, to map a custom format.
#[tauri::command]
#[specta::specta]
pub async fn preview_log(
    engine: State<'_, Engine>,
    path: PathBuf,
    delimiter: Option<char>,
) -> CommandResult<LogPreview> {
    Ok(engine.preview_log(&path, delimiter).await?)
}

/// Runs an upload as job `job_id`, streaming progress to `progress` until it ends.
#[tauri::command]
#[specta::specta]
pub async fn start_discovery(
    engine: State<'_, Engine>,
    job_id: String,
    request: DiscoveryRequest,
    progress: Channel<DiscoveryProgress>,
) -> CommandResult<DiscoveryResult> {
    let send = move |p: DiscoveryProgress| {
        let _ = progress.send(p);
    };
    Ok(engine.discover_job(&job_id, request, send).await?)
}

#[tauri::command]
#[specta::specta]
pub fn cancel_discovery(engine: State<'_, Engine>, job_id: String) -> bool {
    engine.cancel_discovery(&job_id)
}

#[tauri::command]
#[specta::specta]
pub async fn list_reports(engine: State<'_, Engine>) -> CommandResult<Vec<ReportInfo>> {
    Ok(engine.discovery_reports().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_report(engine: State<'_, Engine>, report_id: String) -> CommandResult<ReportView> {
    Ok(engine.discovery_report_view(&report_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_usage_detail(
    engine: State<'_, Engine>,
    report_id: String,
    kind: String,
    key: String,
) -> CommandResult<UsageDetail> {
    Ok(engine
        .discovery_usage_detail(&report_id, &kind, &key)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn rename_report(
    engine: State<'_, Engine>,
    report_id: String,
    name: String,
) -> CommandResult<ReportInfo> {
    Ok(engine.rename_discovery_report(&report_id, &name).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_report(engine: State<'_, Engine>, report_id: String) -> CommandResult<()> {
    Ok(engine.delete_discovery_report(&report_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_app_tag(
    engine: State<'_, Engine>,
    app_id: String,
    tag: Option<AppTag>,
) -> CommandResult<()> {
    Ok(engine.set_app_tag(&app_id, tag).await?)
}

/// Writes the report as CSV to `path` (chosen in a save dialog).
#[tauri::command]
#[specta::specta]
pub async fn export_report_csv(
    engine: State<'_, Engine>,
    report_id: String,
    path: PathBuf,
) -> CommandResult<ExportResult> {
    Ok(engine.export_discovery_csv(&report_id, &path).await?)
}

/// The block list of unsanctioned apps, to preview and copy.
#[tauri::command]
#[specta::specta]
pub async fn get_block_list(
    engine: State<'_, Engine>,
    format: BlockListFormat,
) -> CommandResult<BlockList> {
    let (text, entries, apps) = engine.block_list(format).await?;
    Ok(BlockList {
        format,
        text,
        entries,
        apps,
    })
}

/// Writes the block list of unsanctioned apps to `path` (chosen in a save dialog).
#[tauri::command]
#[specta::specta]
pub async fn export_block_list(
    engine: State<'_, Engine>,
    format: BlockListFormat,
    path: PathBuf,
) -> CommandResult<ExportResult> {
    Ok(engine.export_block_list(format, &path).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_discovery_settings(engine: State<'_, Engine>) -> CommandResult<DiscoverySettings> {
    Ok(engine.discovery_settings().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_discovery_settings(
    engine: State<'_, Engine>,
    settings: DiscoverySettings,
) -> CommandResult<DiscoverySettings> {
    Ok(engine.set_discovery_settings(settings).await?)
}

/// Shows the real name behind a pseudonym; the engine writes the reveal to the audit log.
#[tauri::command]
#[specta::specta]
pub async fn reveal_user(
    engine: State<'_, Engine>,
    pseudonym: String,
    reason: String,
) -> CommandResult<RevealedUser> {
    Ok(engine.reveal_user(&pseudonym, &reason).await?)
}
