//! `cloudwarden audit list` and `cloudwarden jobs list|resume`.

use clap::Subcommand;
use cloudwarden_engine::api::Engine;

use crate::{output, Global};

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// The newest entries first.
    List {
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// The newest scans and uploads first, with their state and owner.
    List {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Runs the scans and uploads a killed or crashed process left interrupted, from where
    /// they stopped (the desktop app does this at start).
    Resume,
}

pub async fn audit(global: &Global, command: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::List { limit } = command;
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let log = engine.audit_log(limit).await;
    engine.close().await;
    let log = log?;
    if global.json {
        return output::json(&log);
    }
    if log.is_empty() {
        println!("the audit log is empty");
    }
    for e in log {
        println!(
            "{}  {:<18} {:<24} {}",
            cloudwarden_engine::discovery_export::iso_time(e.at_ms),
            e.action,
            if e.subject.is_empty() {
                "—"
            } else {
                &e.subject
            },
            e.detail
        );
    }
    Ok(())
}

pub async fn jobs(global: &Global, command: JobsCommand) -> anyhow::Result<()> {
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let result = match command {
        JobsCommand::List { limit } => engine.jobs(limit).await,
        JobsCommand::Resume => engine.resume_interrupted_jobs().await,
    };
    engine.close().await;
    let jobs = result?;
    if global.json {
        return output::json(&jobs);
    }
    if jobs.is_empty() {
        println!("no jobs");
    }
    for j in jobs {
        println!(
            "{}  {:<6} {:<11} {:<24} {}  {}{}",
            j.job_id,
            j.kind,
            j.state,
            j.subject,
            cloudwarden_engine::discovery_export::iso_time(j.created_at_ms),
            j.progress.unwrap_or_default(),
            j.error.map(|e| format!(" — {e}")).unwrap_or_default()
        );
    }
    Ok(())
}
