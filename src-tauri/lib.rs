//! The Cloudwarden desktop shell: a window, thin commands over `engine::api`, nothing else.
#![forbid(unsafe_code)]

pub mod commands;
pub mod error;
pub mod files;

use std::process::ExitCode;

use cloudwarden_engine::api::Engine;
use tauri::{Emitter, Manager};
use tauri_specta::{collect_commands, Builder};

/// Every command the UI may call; also the source of `ui/src/ipc/bindings.ts`.
pub fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .disable_serde_phases()
        .commands(collect_commands![
            commands::status::get_status,
            commands::settings::get_settings,
            commands::settings::set_theme,
            commands::settings::list_audit_log,
            commands::about::get_about,
            commands::catalog::get_catalog_stats,
            commands::catalog::list_catalog_sources,
            commands::catalog::search_apps,
            commands::catalog::get_app,
            commands::catalog::match_hosts,
            commands::catalog::list_categories,
            commands::catalog::list_factors,
            commands::catalog::get_score_metric,
            commands::catalog::set_score_metric,
            commands::catalog::set_score_override,
            commands::catalog::clear_score_override,
            commands::catalog::save_custom_app,
            commands::catalog::delete_custom_app,
            commands::catalog::export_custom_apps,
            commands::catalog::set_app_tags,
            commands::catalog::choose_custom_apps_import,
            commands::catalog::import_custom_apps,
            commands::connectors::list_connectors,
            commands::connectors::list_instances,
            commands::connectors::connect_github,
            commands::connectors::github_device_start,
            commands::connectors::github_device_finish,
            commands::connectors::connect_m365,
            commands::connectors::authorize_start,
            commands::connectors::authorize_finish,
            commands::connectors::cancel_flow,
            commands::connectors::update_credentials,
            commands::connectors::test_connection,
            commands::connectors::scan_instance,
            commands::connectors::cancel_scan,
            commands::connectors::set_instance_enabled,
            commands::connectors::remove_instance,
            commands::discovery::list_log_formats,
            commands::discovery::list_custom_formats,
            commands::discovery::save_custom_format,
            commands::discovery::delete_custom_format,
            commands::discovery::choose_log_files,
            commands::discovery::preview_log,
            commands::discovery::start_discovery,
            commands::discovery::cancel_discovery,
            commands::discovery::list_reports,
            commands::discovery::get_report,
            commands::discovery::get_usage_detail,
            commands::discovery::rename_report,
            commands::discovery::delete_report,
            commands::discovery::set_app_tag,
            commands::discovery::export_report_csv,
            commands::discovery::get_block_list_plan,
            commands::discovery::get_block_list,
            commands::discovery::export_block_list,
            commands::discovery::get_discovery_settings,
            commands::discovery::set_discovery_settings,
            commands::discovery::reveal_user,
            commands::jobs::list_jobs,
            commands::investigate::list_activities,
            commands::investigate::get_activity,
            commands::investigate::export_activities,
            commands::investigate::list_activity_queries,
            commands::investigate::save_activity_query,
            commands::investigate::delete_activity_query,
            commands::investigate::list_people,
            commands::investigate::link_account,
            commands::investigate::list_files,
            commands::investigate::get_file,
            commands::investigate::list_oauth_apps,
            commands::investigate::set_oauth_app_status,
            commands::investigate::ban_oauth_app,
            commands::investigate::list_snapshots,
            commands::investigate::get_changes,
            commands::jobs::watch_jobs,
            commands::policies::list_policy_templates,
            commands::policies::list_policies,
            commands::policies::create_policy_from_template,
            commands::policies::save_policy,
            commands::policies::set_policy_enabled,
            commands::policies::delete_policy,
            commands::policies::test_policy,
            commands::policies::evaluate_policies,
            commands::policies::list_alerts,
            commands::policies::get_alert,
            commands::policies::set_alerts_status,
            commands::policies::assign_alert,
            commands::policies::comment_alert,
            commands::policies::list_ip_ranges,
            commands::policies::add_ip_range,
            commands::policies::remove_ip_range,
            commands::policies::list_forward_targets,
            commands::policies::save_forward_target,
            commands::policies::delete_forward_target,
            commands::policies::test_forward_target,
            commands::policies::list_deliveries,
            commands::policies::retry_deliveries,
            commands::policies::list_alert_actions,
            commands::policies::run_alert_action,
        ])
}

/// Writes the TypeScript bindings for [`specta_builder`] to `path`.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    specta_builder()
        .export(
            specta_typescript::Typescript::default()
                .header("// Generated from the Rust commands by `make bindings`. Do not edit.\n/* eslint-disable */\n// @ts-nocheck"),
            path,
        )
        .map_err(|e| e.to_string())
}

pub fn run() -> ExitCode {
    // The log goes to stderr, or to the file CLOUDWARDEN_LOG_FILE names (the end-to-end
    // harness reads it: a webview's driver drops what the app prints).
    let log_file = std::env::var_os("CLOUDWARDEN_LOG_FILE").and_then(|path| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()
    });
    let writer = match log_file {
        Some(file) => {
            tracing_subscriber::fmt::writer::BoxMakeWriter::new(std::sync::Mutex::new(file))
        }
        None => tracing_subscriber::fmt::writer::BoxMakeWriter::new(std::io::stderr),
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CLOUDWARDEN_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(false)
        .with_writer(writer)
        .init();

    let engine = match tauri::async_runtime::block_on(Engine::open(None)) {
        Ok(engine) => engine,
        Err(e) => {
            tracing::error!("cannot open the data directory: {e}");
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(data_dir = %engine.data_dir().display(), "engine open");
    let builder = specta_builder();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(builder.invoke_handler())
        // Files dropped on the window become handles here, before the page sees them.
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                let grants = window.state::<files::FileGrants>();
                let dropped: Vec<files::ChosenFile> =
                    paths.iter().map(|p| grants.grant_read(p)).collect();
                let _ = window.emit("files-dropped", dropped);
            }
        })
        .setup(move |app| {
            builder.mount_events(app);
            // Periodic incremental scans of the connected apps (activities every 15 min, the
            // rest every 12 h by default); its first round, at start, resumes the scans and
            // uploads a killed or crashed process left interrupted.
            tauri::async_runtime::spawn(engine.clone().run_scheduler());
            // High-severity alerts as desktop notifications (the alert stays in the app).
            let mut high = engine.subscribe_high_alerts();
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                use tauri_plugin_notification::NotificationExt;
                loop {
                    match high.recv().await {
                        Ok(a) => {
                            let body: String = a.description.chars().take(200).collect();
                            if let Err(e) = handle
                                .notification()
                                .builder()
                                .title(format!("High-severity alert: {}", a.title))
                                .body(body)
                                .show()
                            {
                                tracing::info!("desktop notification not shown: {e}");
                            }
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(_) => break,
                    }
                }
            });
            app.manage(engine);
            app.manage(files::FileGrants::default());
            Ok(())
        })
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
