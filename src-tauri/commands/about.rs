use cloudwarden_engine::api;
use cloudwarden_engine::domain::About;

/// Name, version, licence and third-party attributions.
#[tauri::command]
#[specta::specta]
pub fn get_about() -> About {
    api::about()
}
