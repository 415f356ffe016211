//! App connector commands.

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::connectors::{
    AuthorizeFlow, AuthorizeStart, ConnectGithub, ConnectGithubDevice, ConnectM365, ConnectorView,
    DeviceCode, InstanceView, ScanReport, UpdateCredentials,
};
use tauri::State;

use crate::error::CommandResult;

#[tauri::command]
#[specta::specta]
pub fn list_connectors(engine: State<'_, Engine>) -> Vec<ConnectorView> {
    engine.connectors()
}

#[tauri::command]
#[specta::specta]
pub async fn list_instances(engine: State<'_, Engine>) -> CommandResult<Vec<InstanceView>> {
    Ok(engine.instances().await?)
}

/// Connects a GitHub organisation with a token (kept in the keychain) and checks it.
#[tauri::command]
#[specta::specta]
pub async fn connect_github(
    engine: State<'_, Engine>,
    input: ConnectGithub,
) -> CommandResult<InstanceView> {
    Ok(engine.connect_github(input).await?)
}

/// Starts the OAuth device flow for a GitHub organisation: the UI shows the code.
#[tauri::command]
#[specta::specta]
pub async fn github_device_start(
    engine: State<'_, Engine>,
    input: ConnectGithubDevice,
) -> CommandResult<DeviceCode> {
    Ok(engine.github_device_start(input).await?)
}

/// Waits for the analyst's approval on GitHub, then creates and checks the instance.
#[tauri::command]
#[specta::specta]
pub async fn github_device_finish(
    engine: State<'_, Engine>,
    flow_id: String,
) -> CommandResult<InstanceView> {
    Ok(engine.github_device_finish(&flow_id).await?)
}

/// Connects a Microsoft 365 tenant with an app registration's client credentials.
#[tauri::command]
#[specta::specta]
pub async fn connect_m365(
    engine: State<'_, Engine>,
    input: ConnectM365,
) -> CommandResult<InstanceView> {
    Ok(engine.connect_m365(input).await?)
}

/// Starts an authorization-code flow (PKCE, loopback redirect): the UI opens the URL in the
/// system browser, then calls `authorize_finish`.
#[tauri::command]
#[specta::specta]
pub async fn authorize_start(
    engine: State<'_, Engine>,
    input: AuthorizeStart,
) -> CommandResult<AuthorizeFlow> {
    Ok(engine.authorize_start(input).await?)
}

/// Waits for the browser to come back, then creates (or re-authorizes) and checks the
/// instance.
#[tauri::command]
#[specta::specta]
pub async fn authorize_finish(
    engine: State<'_, Engine>,
    flow_id: String,
) -> CommandResult<InstanceView> {
    Ok(engine.authorize_finish(&flow_id).await?)
}

/// Abandons a pending OAuth flow.
#[tauri::command]
#[specta::specta]
pub fn cancel_flow(engine: State<'_, Engine>, flow_id: String) -> CommandResult<bool> {
    Ok(engine.cancel_flow(&flow_id)?)
}

/// Replaces an instance's token or client secret, then checks it.
#[tauri::command]
#[specta::specta]
pub async fn update_credentials(
    engine: State<'_, Engine>,
    id: String,
    input: UpdateCredentials,
) -> CommandResult<InstanceView> {
    Ok(engine.update_credentials(&id, input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn test_connection(engine: State<'_, Engine>, id: String) -> CommandResult<InstanceView> {
    Ok(engine.test_connection(&id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn scan_instance(engine: State<'_, Engine>, id: String) -> CommandResult<ScanReport> {
    Ok(engine.scan_instance(&id).await?)
}

#[tauri::command]
#[specta::specta]
pub fn cancel_scan(engine: State<'_, Engine>, id: String) -> bool {
    engine.cancel_scan(&id)
}

#[tauri::command]
#[specta::specta]
pub async fn set_instance_enabled(
    engine: State<'_, Engine>,
    id: String,
    enabled: bool,
) -> CommandResult<InstanceView> {
    Ok(engine.set_instance_enabled(&id, enabled).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn remove_instance(
    engine: State<'_, Engine>,
    id: String,
    purge: bool,
) -> CommandResult<()> {
    Ok(engine.remove_instance(&id, purge).await?)
}
