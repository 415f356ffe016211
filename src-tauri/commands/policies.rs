//! Policies, alerts, IP ranges and alert forwarding.

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::policies::{
    AlertDetail, AlertFilter, AlertPage, AlertStatus, Delivery, EvaluationSummary, ForwardTarget,
    ForwardTargetInput, IpRange, IpTag, Policy, PolicyInput, PolicyTemplate, PolicyTest,
    Resolution,
};
use tauri::State;

use crate::error::CommandResult;

/// Ready-made policies, described in plain words.
#[tauri::command]
#[specta::specta]
pub async fn list_policy_templates(
    engine: State<'_, Engine>,
) -> CommandResult<Vec<PolicyTemplate>> {
    Ok(engine.policy_templates())
}

/// Every policy with its alert counts.
#[tauri::command]
#[specta::specta]
pub async fn list_policies(engine: State<'_, Engine>) -> CommandResult<Vec<Policy>> {
    Ok(engine.policies().await?)
}

/// Creates a policy from a template (disabled, to be tested first).
#[tauri::command]
#[specta::specta]
pub async fn create_policy_from_template(
    engine: State<'_, Engine>,
    template_id: String,
    name: Option<String>,
) -> CommandResult<Policy> {
    Ok(engine
        .create_policy_from_template(&template_id, name)
        .await?)
}

/// Creates a policy (`id` None) or replaces one's settings.
#[tauri::command]
#[specta::specta]
pub async fn save_policy(
    engine: State<'_, Engine>,
    id: Option<String>,
    input: PolicyInput,
) -> CommandResult<Policy> {
    Ok(match id {
        Some(id) => engine.update_policy(&id, input).await?,
        None => engine.create_policy(input).await?,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn set_policy_enabled(
    engine: State<'_, Engine>,
    id: String,
    enabled: bool,
) -> CommandResult<Policy> {
    Ok(engine.set_policy_enabled(&id, enabled).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_policy(engine: State<'_, Engine>, id: String) -> CommandResult<()> {
    Ok(engine.delete_policy(&id).await?)
}

/// What a policy would have raised over the last `days`; nothing is raised.
#[tauri::command]
#[specta::specta]
pub async fn test_policy(
    engine: State<'_, Engine>,
    id: String,
    days: u32,
) -> CommandResult<PolicyTest> {
    Ok(engine.test_policy(&id, days).await?)
}

/// Evaluates the enabled policies now (over new data, or again since `since_ms`).
#[tauri::command]
#[specta::specta]
pub async fn evaluate_policies(
    engine: State<'_, Engine>,
    since_ms: Option<f64>,
) -> CommandResult<EvaluationSummary> {
    Ok(engine.evaluate(since_ms.map(|t| t as i64)).await?)
}

/// A page of alerts, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_alerts(
    engine: State<'_, Engine>,
    filter: AlertFilter,
    cursor: Option<String>,
    limit: Option<u32>,
) -> CommandResult<AlertPage> {
    Ok(engine.alerts(&filter, cursor.as_deref(), limit).await?)
}

/// One alert with its evidence, history and policy.
#[tauri::command]
#[specta::specta]
pub async fn get_alert(engine: State<'_, Engine>, id: String) -> CommandResult<AlertDetail> {
    Ok(engine.alert(&id).await?)
}

/// Moves alerts along their lifecycle (one or many: bulk actions).
#[tauri::command]
#[specta::specta]
pub async fn set_alerts_status(
    engine: State<'_, Engine>,
    ids: Vec<String>,
    status: AlertStatus,
    resolution: Option<Resolution>,
    note: Option<String>,
) -> CommandResult<Vec<AlertDetail>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(
            engine
                .set_alert_status(&id, status, resolution, note.clone())
                .await?,
        );
    }
    Ok(out)
}

#[tauri::command]
#[specta::specta]
pub async fn assign_alert(
    engine: State<'_, Engine>,
    id: String,
    assignee: Option<String>,
) -> CommandResult<AlertDetail> {
    Ok(engine.assign_alert(&id, assignee).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn comment_alert(
    engine: State<'_, Engine>,
    id: String,
    text: String,
) -> CommandResult<AlertDetail> {
    Ok(engine.comment_alert(&id, &text).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_ip_ranges(engine: State<'_, Engine>) -> CommandResult<Vec<IpRange>> {
    Ok(engine.ip_ranges().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn add_ip_range(
    engine: State<'_, Engine>,
    cidr: String,
    tag: IpTag,
    name: String,
) -> CommandResult<IpRange> {
    Ok(engine.add_ip_range(&cidr, tag, &name).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn remove_ip_range(engine: State<'_, Engine>, cidr: String) -> CommandResult<()> {
    Ok(engine.remove_ip_range(&cidr).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_forward_targets(engine: State<'_, Engine>) -> CommandResult<Vec<ForwardTarget>> {
    Ok(engine.forward_targets().await?)
}

/// Adds (`id` None) or changes a forwarding target.
#[tauri::command]
#[specta::specta]
pub async fn save_forward_target(
    engine: State<'_, Engine>,
    id: Option<String>,
    input: ForwardTargetInput,
) -> CommandResult<ForwardTarget> {
    Ok(engine.save_forward_target(id.as_deref(), input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_forward_target(engine: State<'_, Engine>, id: String) -> CommandResult<()> {
    Ok(engine.delete_forward_target(&id).await?)
}

/// Sends a test alert to a target now.
#[tauri::command]
#[specta::specta]
pub async fn test_forward_target(engine: State<'_, Engine>, id: String) -> CommandResult<Delivery> {
    Ok(engine.test_forward_target(&id).await?)
}

/// The delivery log, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_deliveries(
    engine: State<'_, Engine>,
    limit: u32,
) -> CommandResult<Vec<Delivery>> {
    Ok(engine.deliveries(limit).await?)
}

/// Tries waiting and given-up deliveries again now.
#[tauri::command]
#[specta::specta]
pub async fn retry_deliveries(
    engine: State<'_, Engine>,
    target_id: Option<String>,
) -> CommandResult<u32> {
    Ok(engine.retry_deliveries(target_id.as_deref()).await?)
}

/// The governance actions an alert allows.
#[tauri::command]
#[specta::specta]
pub async fn list_alert_actions(
    engine: State<'_, Engine>,
    id: String,
) -> CommandResult<Vec<cloudwarden_engine::domain::policies::ActionOption>> {
    Ok(engine.alert_actions(&id).await?)
}

/// Runs a governance action from an alert: `dry_run` first (what would be sent), then for real
/// once the analyst confirms.
#[tauri::command]
#[specta::specta]
pub async fn run_alert_action(
    engine: State<'_, Engine>,
    id: String,
    action: cloudwarden_engine::domain::policies::ActionKind,
    entity_id: String,
    dry_run: bool,
) -> CommandResult<cloudwarden_engine::domain::policies::ActionReport> {
    Ok(engine
        .run_alert_action(&id, action, &entity_id, dry_run)
        .await?)
}
