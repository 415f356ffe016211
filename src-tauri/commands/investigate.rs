//! Investigation: the activity log, filtered and paged in the engine.

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::investigate::{
    ActivityDetail, ActivityExport, ActivityFilter, ActivityPage, BanReport, ChangeReport,
    ExportFormat, FileDetail, FileFilter, FilePage, OauthAppFilter, OauthAppPage, OauthAppRow,
    OauthAppStatus, PeoplePage, PersonFilter, SavedActivityQuery, SnapshotInfo,
};
use tauri::{AppHandle, State};

use crate::error::CommandResult;
use crate::files::{choose, Dialog};

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

/// Asks where to save (suggesting `file_name`), then writes every event the filter selects
/// as CSV or JSON; `None` when the analyst cancels.
#[tauri::command]
#[specta::specta]
pub async fn export_activities(
    app: AppHandle,
    engine: State<'_, Engine>,
    filter: ActivityFilter,
    format: ExportFormat,
    file_name: String,
) -> CommandResult<Option<ActivityExport>> {
    let (label, ext) = match format {
        ExportFormat::Csv => ("CSV", "csv"),
        ExportFormat::Json => ("JSON", "json"),
    };
    let chosen = choose(
        &app,
        Dialog::Save {
            name: &file_name,
            filter: label,
            extensions: &[ext],
        },
    )
    .await;
    let Some(path) = chosen.first() else {
        return Ok(None);
    };
    Ok(Some(engine.export_activities(&filter, format, path).await?))
}

/// The activity-log queries the analyst saved, by name.
#[tauri::command]
#[specta::specta]
pub async fn list_activity_queries(
    engine: State<'_, Engine>,
) -> CommandResult<Vec<SavedActivityQuery>> {
    Ok(engine.activity_queries().await?)
}

/// Saves a filter under a name (replacing a query of that name).
#[tauri::command]
#[specta::specta]
pub async fn save_activity_query(
    engine: State<'_, Engine>,
    name: String,
    filter: ActivityFilter,
) -> CommandResult<SavedActivityQuery> {
    Ok(engine.save_activity_query(&name, &filter).await?)
}

/// Deletes a saved query.
#[tauri::command]
#[specta::specta]
pub async fn delete_activity_query(engine: State<'_, Engine>, id: u32) -> CommandResult<()> {
    Ok(engine.delete_activity_query(i64::from(id)).await?)
}

/// A page of people (accounts correlated across instances), in key order.
#[tauri::command]
#[specta::specta]
pub async fn list_people(
    engine: State<'_, Engine>,
    filter: PersonFilter,
    cursor: Option<String>,
    limit: Option<u32>,
) -> CommandResult<PeoplePage> {
    Ok(engine.people(&filter, cursor.as_deref(), limit).await?)
}

/// Counts an account as part of the person `person` (`None`: back to the e-mail rule).
#[tauri::command]
#[specta::specta]
pub async fn link_account(
    engine: State<'_, Engine>,
    instance_id: String,
    external_id: String,
    person: Option<String>,
) -> CommandResult<()> {
    Ok(engine
        .link_account(&instance_id, &external_id, person.as_deref())
        .await?)
}

/// A page of files (and repositories), newest modified first.
#[tauri::command]
#[specta::specta]
pub async fn list_files(
    engine: State<'_, Engine>,
    filter: FileFilter,
    cursor: Option<String>,
    limit: Option<u32>,
) -> CommandResult<FilePage> {
    Ok(engine.files(&filter, cursor.as_deref(), limit).await?)
}

/// One file with its collaborators and the vendor's record, for the detail drawer.
#[tauri::command]
#[specta::specta]
pub async fn get_file(
    engine: State<'_, Engine>,
    instance_id: String,
    external_id: String,
) -> CommandResult<FileDetail> {
    Ok(engine.file(&instance_id, &external_id).await?)
}

/// A page of third-party OAuth apps, highest permission level first.
#[tauri::command]
#[specta::specta]
pub async fn list_oauth_apps(
    engine: State<'_, Engine>,
    filter: OauthAppFilter,
    cursor: Option<String>,
    limit: Option<u32>,
) -> CommandResult<OauthAppPage> {
    Ok(engine.oauth_apps(&filter, cursor.as_deref(), limit).await?)
}

/// Marks an OAuth app approved (or undecided).
#[tauri::command]
#[specta::specta]
pub async fn set_oauth_app_status(
    engine: State<'_, Engine>,
    key: String,
    status: OauthAppStatus,
) -> CommandResult<OauthAppRow> {
    Ok(engine.set_oauth_app_status(&key, status).await?)
}

/// Bans an OAuth app: with `dry_run`, the grants and requests it would revoke; otherwise
/// revokes them through the vendor's API.
#[tauri::command]
#[specta::specta]
pub async fn ban_oauth_app(
    engine: State<'_, Engine>,
    key: String,
    dry_run: bool,
) -> CommandResult<BanReport> {
    Ok(engine.ban_oauth_app(&key, dry_run).await?)
}

/// The snapshots of completed full scans that can be compared, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_snapshots(
    engine: State<'_, Engine>,
    instance_id: Option<String>,
) -> CommandResult<Vec<SnapshotInfo>> {
    Ok(engine.snapshots(instance_id.as_deref()).await?)
}

/// What changed between two scans (the last two of each instance by default).
#[tauri::command]
#[specta::specta]
pub async fn get_changes(
    engine: State<'_, Engine>,
    instance_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> CommandResult<ChangeReport> {
    Ok(engine
        .changes(instance_id.as_deref(), from.as_deref(), to.as_deref())
        .await?)
}
