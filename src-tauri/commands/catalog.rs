//! Cloud App Catalog commands.

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::catalog::{
    AppDetail, AppPage, AppQuery, CatalogStats, CategoryInfo, CustomAppInput, FactorInfo,
    HostMatch, ImportPreview, ScoreMetric, SourceInfo,
};
use tauri::{AppHandle, State};

use crate::error::CommandResult;
use crate::files::{choose, ChosenFile, Dialog, FileGrants};

#[tauri::command]
#[specta::specta]
pub async fn get_catalog_stats(engine: State<'_, Engine>) -> CommandResult<CatalogStats> {
    Ok(engine.catalog_stats().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_catalog_sources(engine: State<'_, Engine>) -> CommandResult<Vec<SourceInfo>> {
    Ok(engine.catalog_sources().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn search_apps(engine: State<'_, Engine>, query: AppQuery) -> CommandResult<AppPage> {
    Ok(engine.search_apps(&query).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_app(engine: State<'_, Engine>, id: String) -> CommandResult<AppDetail> {
    Ok(engine.app_detail(&id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn match_hosts(
    engine: State<'_, Engine>,
    hosts: Vec<String>,
) -> CommandResult<Vec<HostMatch>> {
    Ok(engine.match_hosts(&hosts).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_categories(engine: State<'_, Engine>) -> CommandResult<Vec<CategoryInfo>> {
    Ok(engine.catalog_categories().await?)
}

#[tauri::command]
#[specta::specta]
pub fn list_factors(engine: State<'_, Engine>) -> Vec<FactorInfo> {
    engine.catalog_factors()
}

#[tauri::command]
#[specta::specta]
pub async fn get_score_metric(engine: State<'_, Engine>) -> CommandResult<ScoreMetric> {
    Ok(engine.score_metric().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_score_metric(
    engine: State<'_, Engine>,
    metric: ScoreMetric,
) -> CommandResult<ScoreMetric> {
    Ok(engine.set_score_metric(&metric).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_score_override(
    engine: State<'_, Engine>,
    id: String,
    score: f64,
    note: String,
) -> CommandResult<AppDetail> {
    Ok(engine.set_score_override(&id, score, &note).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn clear_score_override(
    engine: State<'_, Engine>,
    id: String,
) -> CommandResult<AppDetail> {
    Ok(engine.clear_score_override(&id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn save_custom_app(
    engine: State<'_, Engine>,
    input: CustomAppInput,
) -> CommandResult<AppDetail> {
    Ok(engine.save_custom_app(&input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_custom_app(engine: State<'_, Engine>, id: String) -> CommandResult<()> {
    Ok(engine.delete_custom_app(&id).await?)
}

/// Asks where to save, then writes the custom apps; how many, or `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn export_custom_apps(
    app: AppHandle,
    engine: State<'_, Engine>,
) -> CommandResult<Option<u32>> {
    let chosen = choose(
        &app,
        Dialog::Save {
            name: "cloudwarden-custom-apps.json",
            filter: "JSON",
            extensions: &["json"],
        },
    )
    .await;
    let Some(path) = chosen.first() else {
        return Ok(None);
    };
    Ok(Some(engine.export_custom_apps_to(path).await?))
}

/// A custom-apps file the analyst chose, with what importing it would do.
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
pub struct ImportChoice {
    pub file: ChosenFile,
    pub preview: ImportPreview,
}

/// Asks for a custom-apps file and reads it without saving: the apps it holds and the
/// built-in apps it would replace (which need the analyst's confirmation). `None` when
/// cancelled.
#[tauri::command]
#[specta::specta]
pub async fn choose_custom_apps_import(
    app: AppHandle,
    engine: State<'_, Engine>,
    grants: State<'_, FileGrants>,
) -> CommandResult<Option<ImportChoice>> {
    let chosen = choose(&app, Dialog::OpenJson).await;
    let Some(path) = chosen.first() else {
        return Ok(None);
    };
    let preview = engine.preview_custom_apps_import(path).await?;
    Ok(Some(ImportChoice {
        file: grants.grant_read(path),
        preview,
    }))
}

/// Imports the chosen file; replacing built-in apps only when `replace_builtin` (confirmed).
#[tauri::command]
#[specta::specta]
pub async fn import_custom_apps(
    engine: State<'_, Engine>,
    grants: State<'_, FileGrants>,
    file: String,
    replace_builtin: bool,
) -> CommandResult<u32> {
    let path = grants.read_path(&file)?;
    Ok(engine
        .import_custom_apps_from(&path, replace_builtin)
        .await?)
}

/// Tags apps sanctioned, unsanctioned or monitored (`None` clears), from the catalog list or
/// an app's page; returns how many.
#[tauri::command]
#[specta::specta]
pub async fn set_app_tags(
    engine: State<'_, Engine>,
    app_ids: Vec<String>,
    tag: Option<cloudwarden_engine::domain::discovery::AppTag>,
) -> CommandResult<u32> {
    Ok(engine.set_app_tags(&app_ids, tag).await?)
}
