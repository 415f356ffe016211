//! Cloud App Catalog commands.

use std::path::PathBuf;

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::catalog::{
    AppDetail, AppPage, AppQuery, CatalogStats, CategoryInfo, CustomAppInput, FactorInfo,
    HostMatch, ScoreMetric, SourceInfo,
};
use tauri::State;

use crate::error::CommandResult;

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

/// Writes the custom apps to `path` (chosen in a save dialog); returns how many.
#[tauri::command]
#[specta::specta]
pub async fn export_custom_apps(engine: State<'_, Engine>, path: PathBuf) -> CommandResult<u32> {
    Ok(engine.export_custom_apps_to(&path).await?)
}

/// Reads custom apps from `path` (chosen in an open dialog); returns how many.
#[tauri::command]
#[specta::specta]
pub async fn import_custom_apps(engine: State<'_, Engine>, path: PathBuf) -> CommandResult<u32> {
    Ok(engine.import_custom_apps_from(&path, false).await?)
}
