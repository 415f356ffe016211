//! Cloud Discovery commands.

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::discovery::{
    AppTag, BlockList, BlockListFormat, BlockListPlan, CustomFormatDef, DiscoveryProgress,
    DiscoveryRequest, DiscoveryResult, DiscoverySettings, ExportResult, FormatInfo, LogPreview,
    ReportInfo, ReportView, RevealedUser, UsageDetail,
};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::error::CommandResult;
use crate::files::{choose, ChosenFile, Dialog, FileGrants};

/// Log files the analyst picks in the open dialog (none when cancelled), as handles.
#[tauri::command]
#[specta::specta]
pub async fn choose_log_files(
    app: AppHandle,
    grants: State<'_, FileGrants>,
) -> CommandResult<Vec<ChosenFile>> {
    let paths = choose(&app, Dialog::OpenLogs).await;
    Ok(paths.iter().map(|p| grants.grant_read(p)).collect())
}

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

/// The first lines of a chosen log split into columns, to map a custom format.
#[tauri::command]
#[specta::specta]
pub async fn preview_log(
    engine: State<'_, Engine>,
    grants: State<'_, FileGrants>,
    file: String,
    delimiter: Option<char>,
) -> CommandResult<LogPreview> {
    let path = grants.read_path(&file)?;
    Ok(engine.preview_log(&path, delimiter).await?)
}

/// Runs an upload as job `job_id`, streaming progress to `progress` until it ends.
#[tauri::command]
#[specta::specta]
/// `request.files` are handles of chosen files.
pub async fn start_discovery(
    engine: State<'_, Engine>,
    grants: State<'_, FileGrants>,
    job_id: String,
    mut request: DiscoveryRequest,
    progress: Channel<DiscoveryProgress>,
) -> CommandResult<DiscoveryResult> {
    request.files = request
        .files
        .iter()
        .map(|h| grants.read_path(h).map(|p| p.display().to_string()))
        .collect::<Result<_, _>>()?;
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

/// Asks where to save (suggesting `file_name`), then writes the report as CSV; `None` when
/// the analyst cancels.
#[tauri::command]
#[specta::specta]
pub async fn export_report_csv(
    app: AppHandle,
    engine: State<'_, Engine>,
    report_id: String,
    file_name: String,
) -> CommandResult<Option<ExportResult>> {
    let chosen = choose(
        &app,
        Dialog::Save {
            name: &file_name,
            filter: "CSV",
            extensions: &["csv"],
        },
    )
    .await;
    let Some(path) = chosen.first() else {
        return Ok(None);
    };
    Ok(Some(engine.export_discovery_csv(&report_id, path).await?))
}

/// Every domain the block list of unsanctioned apps would carry, with why, and what is kept
/// out of it (shared infrastructure).
#[tauri::command]
#[specta::specta]
pub async fn get_block_list_plan(engine: State<'_, Engine>) -> CommandResult<BlockListPlan> {
    Ok(engine.block_list_plan().await?)
}

/// The block list of unsanctioned apps without the domains the analyst unticked (`skip`), to
/// preview and copy.
#[tauri::command]
#[specta::specta]
pub async fn get_block_list(
    engine: State<'_, Engine>,
    format: BlockListFormat,
    skip: Vec<String>,
) -> CommandResult<BlockList> {
    let (text, entries, apps) = engine.block_list(format, &skip).await?;
    Ok(BlockList {
        format,
        text,
        entries,
        apps,
    })
}

/// Asks where to save (suggesting `file_name`), then writes the block list of unsanctioned
/// apps; `None` when the analyst cancels.
#[tauri::command]
#[specta::specta]
pub async fn export_block_list(
    app: AppHandle,
    engine: State<'_, Engine>,
    format: BlockListFormat,
    skip: Vec<String>,
    file_name: String,
) -> CommandResult<Option<ExportResult>> {
    let ext = file_name
        .rsplit_once('.')
        .map_or("txt", |(_, e)| e)
        .to_owned();
    let chosen = choose(
        &app,
        Dialog::Save {
            name: &file_name,
            filter: "Block list",
            extensions: &[ext.as_str()],
        },
    )
    .await;
    let Some(path) = chosen.first() else {
        return Ok(None);
    };
    Ok(Some(engine.export_block_list(format, &skip, path).await?))
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
