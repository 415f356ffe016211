//! `cloudwarden discover FILE… | discover formats`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use cloudwarden_discovery::pipeline::Progress;
use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::discovery::{
    AppTag, BlockListFormat, CustomFormatDef, DiscoveryRequest, DiscoverySettings,
};
use serde_json::json;

use crate::{output, Global};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DiscoverArgs {
    #[command(subcommand)]
    command: Option<Command>,
    /// Log files: plain, .gz, .bz2, .zst or .zip (every member).
    files: Vec<PathBuf>,
    /// Log format id, or `auto` to detect it per file.
    #[arg(long, default_value = "auto")]
    format: String,
    /// Report to create or add to.
    #[arg(long)]
    report: Option<String>,
    /// Parse and aggregate without storing anything.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The log formats Cloudwarden reads, built-in and the analyst's own.
    Formats,
    /// Saves a custom CSV/TSV format from a JSON column mapping (use it as `custom:NAME`).
    DefineFormat {
        /// JSON: {"name", "delimiter", "has_header", "timestamp", "timestamp_layout", "src_ip",
        /// "user", "host", "url", "bytes_up", "bytes_down", "action", "blocked_values"}.
        file: PathBuf,
    },
    /// Tags an app sanctioned, unsanctioned or monitored (`none` clears the tag).
    Tag { app_id: String, tag: String },
    /// Prints the block list of unsanctioned apps.
    BlockList {
        /// plain, squid, panos_edl, zscaler or fortigate.
        #[arg(long, default_value = "plain")]
        syntax: String,
        /// Writes it to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Leaves this domain out (repeat for more); shared infrastructure is always left out.
        #[arg(long, value_name = "DOMAIN")]
        skip: Vec<String>,
        /// Lists every domain with why it is there, and what is kept out, instead of the list.
        #[arg(long)]
        explain: bool,
    },
    /// The reports with their uploads and line counts.
    Reports,
    /// One report: summary, apps, unmatched domains and uploads.
    Report {
        /// The report id (`cloudwarden discover reports`).
        id: String,
    },
    /// Writes a report's apps and unmatched domains as CSV.
    ExportCsv {
        #[arg(long, value_name = "ID")]
        report: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Deletes a report with its uploads and usage.
    DeleteReport { id: String },
    /// Turns anonymization of users and source addresses in new uploads on or off (written
    /// to the audit log); without an argument, shows it.
    Anonymize {
        #[arg(value_parser = ["on", "off"])]
        state: Option<String>,
    },
    /// The real user name or address behind a pseudonym (the reveal and its reason go to the
    /// audit log).
    Reveal {
        pseudonym: String,
        #[arg(long)]
        reason: String,
    },
}

async fn subcommand(global: &Global, command: Command) -> anyhow::Result<()> {
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let result = match command {
        Command::Formats => {
            let list = engine.discovery_formats().await?;
            if global.json {
                output::json(&list)
            } else {
                for f in list {
                    println!("{:<16} {} ({})", f.id, f.name, f.vendor);
                }
                Ok(())
            }
        }
        Command::DefineFormat { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let def: CustomFormatDef = serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{}: not a format definition: {e}", file.display()))?;
            let saved = engine.save_custom_format(def).await?;
            if global.json {
                output::json(&saved)
            } else {
                println!("saved format custom:{}", saved.name);
                Ok(())
            }
        }
        Command::Tag { app_id, tag } => {
            let parsed = match tag.as_str() {
                "none" => None,
                t => Some(AppTag::parse(t).ok_or_else(|| {
                    anyhow::anyhow!(
                        "unknown tag \"{t}\": sanctioned, unsanctioned, monitored or none"
                    )
                })?),
            };
            engine.set_app_tag(&app_id, parsed).await?;
            if global.json {
                output::json(&json!({"app_id": app_id, "tag": parsed.map(|t| t.as_str())}))
            } else {
                Ok(())
            }
        }
        Command::BlockList {
            syntax,
            out,
            skip,
            explain,
        } => {
            let format = BlockListFormat::parse(&syntax).ok_or_else(|| {
                anyhow::anyhow!(
                    "unknown syntax \"{syntax}\": plain, squid, panos_edl, zscaler or fortigate"
                )
            })?;
            if explain {
                let plan = engine.block_list_plan().await?;
                if global.json {
                    return output::json(&plan);
                }
                for d in &plan.domains {
                    let state = match &d.excluded {
                        Some(why) => format!("KEPT OUT — {why}"),
                        None if skip.contains(&d.domain) => "skipped".to_owned(),
                        None => "blocked".to_owned(),
                    };
                    let dot = if d.subdomains { "*." } else { "" };
                    println!("{dot}{}\t{state}\t{}", d.domain, d.reason);
                }
                println!(
                    "{} apps; {} related, unverified domains left out",
                    plan.apps, plan.unverified_left_out
                );
                return Ok(());
            }
            match out {
                Some(path) => {
                    let done = engine.export_block_list(format, &skip, &path).await?;
                    if global.json {
                        output::json(&done)
                    } else {
                        println!(
                            "{} entries for {} apps written to {}",
                            done.entries, done.apps, done.path
                        );
                        Ok(())
                    }
                }
                None => {
                    let (text, entries, apps) = engine.block_list(format, &skip).await?;
                    if global.json {
                        output::json(&json!({"text": text, "entries": entries, "apps": apps}))
                    } else {
                        print!("{text}");
                        Ok(())
                    }
                }
            }
        }
        Command::Reports => {
            let reports = engine.discovery_reports().await?;
            if global.json {
                output::json(&reports)
            } else {
                if reports.is_empty() {
                    println!("no reports yet: cloudwarden discover --report NAME FILE…");
                }
                for r in reports {
                    println!(
                        "{}  {:<32} {} uploads, {} lines ({} skipped)",
                        r.report_id, r.name, r.uploads, r.lines_total, r.lines_skipped
                    );
                }
                Ok(())
            }
        }
        Command::Report { id } => {
            let view = engine.discovery_report_view(&id).await?;
            if global.json {
                output::json(&view)
            } else {
                let s = &view.summary;
                println!("{} ({})", view.info.name, view.info.report_id);
                println!(
                    "{} apps, {} unmatched domains, {} users, {} source IPs, {} transactions",
                    s.apps, s.unmatched_domains, s.users, s.ips, s.transactions
                );
                for a in &view.apps {
                    println!(
                        "  {:<32} {:>10} transactions  {:>6} users  {}",
                        a.name,
                        a.transactions,
                        a.users,
                        a.tag.map(|t| t.as_str()).unwrap_or("")
                    );
                }
                for u in &view.uploads {
                    println!(
                        "  upload {}: {} lines{}",
                        u.file_name,
                        u.lines.total,
                        u.error
                            .as_deref()
                            .map(|e| format!(" — not read: {e}"))
                            .unwrap_or_default()
                    );
                }
                Ok(())
            }
        }
        Command::ExportCsv { report, out } => {
            let done = engine.export_discovery_csv(&report, &out).await?;
            if global.json {
                output::json(&done)
            } else {
                println!("{} rows written to {}", done.entries, done.path);
                Ok(())
            }
        }
        Command::Anonymize { state } => {
            let settings = match state.as_deref() {
                None => engine.discovery_settings().await?,
                Some(on) => {
                    engine
                        .set_discovery_settings(DiscoverySettings {
                            anonymize_users: on == "on",
                        })
                        .await?
                }
            };
            if global.json {
                output::json(&settings)
            } else {
                println!(
                    "anonymization {}",
                    if settings.anonymize_users {
                        "on"
                    } else {
                        "off"
                    }
                );
                Ok(())
            }
        }
        Command::Reveal { pseudonym, reason } => {
            let revealed = engine.reveal_user(&pseudonym, &reason).await?;
            if global.json {
                output::json(&revealed)
            } else {
                println!("{} = {}", revealed.pseudonym, revealed.name);
                Ok(())
            }
        }
        Command::DeleteReport { id } => {
            engine.delete_discovery_report(&id).await?;
            if global.json {
                output::json(&json!({"deleted": id}))
            } else {
                println!("deleted report {id}");
                Ok(())
            }
        }
    };
    engine.close().await;
    result
}

pub async fn run(global: &Global, args: DiscoverArgs) -> anyhow::Result<()> {
    if let Some(command) = args.command {
        return subcommand(global, command).await;
    }
    if args.files.is_empty() {
        anyhow::bail!("give one or more log files (cloudwarden discover FILE…), or `cloudwarden discover formats`");
    }
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let request = DiscoveryRequest {
        files: args.files.iter().map(|f| f.display().to_string()).collect(),
        format: Some(args.format),
        report: args.report,
        dry_run: args.dry_run,
    };
    let progress = Arc::new(Progress::default());
    let cancel = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let bar = std::io::stderr().is_terminal().then(|| {
        let (progress, done) = (progress.clone(), done.clone());
        std::thread::spawn(move || progress_bar(&progress, &done))
    });
    let result = engine.discover(request, progress, cancel).await;
    done.store(true, Ordering::Relaxed);
    if let Some(bar) = bar {
        let _ = bar.join();
    }
    engine.close().await;
    let result = result?;
    if global.json {
        let apps: Vec<_> = result
            .apps
            .iter()
            .map(|a| {
                json!({"app_id": a.app_id, "name": a.name, "category": a.category, "score": a.score,
                       "transactions": a.transactions, "bytes_up": a.bytes_up, "bytes_down": a.bytes_down,
                       "users": a.users, "ips": a.ips, "blocked": a.blocked})
            })
            .collect();
        let domains: Vec<_> = result
            .unmatched_domains
            .iter()
            .map(|d| json!({"domain": d.domain, "transactions": d.transactions, "bytes_up": d.bytes_up, "bytes_down": d.bytes_down}))
            .collect();
        return output::json(&json!({
            "report_id": result.report_id,
            "format": result.format,
            "files": result.files,
            "lines": result.lines,
            "malformed_samples": result.malformed_samples,
            "apps": apps,
            "unmatched_domains": domains,
        }));
    }
    println!(
        "{} lines: {} parsed, {} skipped in {:.1} s{}",
        result.lines.total,
        result.lines.parsed,
        result.lines.skipped,
        result.duration_ms as f64 / 1000.0,
        result
            .report_id
            .as_deref()
            .map(|r| format!(" → report {r}"))
            .unwrap_or_else(|| " (dry run, nothing stored)".into())
    );
    for (reason, n) in &result.lines.skipped_by_reason {
        println!("  skipped {n:>8}  {reason}");
    }
    for s in &result.malformed_samples {
        println!("  {}:{} {}: {}", s.file, s.line, s.reason, s.text);
    }
    println!(
        "{} apps, {} unmatched domains",
        result.apps.len(),
        result.unmatched_domains.len()
    );
    for a in result.apps.iter().take(25) {
        println!(
            "  {:<34} {:>10} tx {:>12} B up {:>14} B down {:>5} users {:>5}",
            a.name,
            a.transactions,
            a.bytes_up,
            a.bytes_down,
            a.users,
            a.score
                .map(|s| format!("{s:.1}"))
                .unwrap_or_else(|| "n/a".into())
        );
    }
    Ok(())
}

fn progress_bar(p: &Progress, done: &AtomicBool) {
    let start = Instant::now();
    let mut err = std::io::stderr();
    while !done.load(Ordering::Relaxed) {
        std::thread::park_timeout(Duration::from_millis(250));
        let secs = start.elapsed().as_secs_f64().max(0.001);
        let lines = p.lines.load(Ordering::Relaxed);
        let read = p.file_bytes.load(Ordering::Relaxed).max(
            p.bytes
                .load(Ordering::Relaxed)
                .min(p.total_file_bytes.load(Ordering::Relaxed)),
        );
        let total = p.total_file_bytes.load(Ordering::Relaxed).max(1);
        let pct = (read as f64 * 100.0 / total as f64).min(100.0);
        let rate = lines as f64 / secs;
        let eta = if read > 0 {
            (total - read.min(total)) as f64 * secs / read as f64
        } else {
            0.0
        };
        let _ = write!(
            err,
            "\r{pct:5.1} %  {lines} lines  {:.2} M lines/s  ETA {eta:.0} s   ",
            rate / 1e6
        );
        let _ = err.flush();
    }
    let _ = writeln!(err);
}
