//! `cloudwarden catalog stats|search|match|show`.

use clap::Subcommand;
use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::catalog::{AppQuery, AppSort, FactorFilter};
use serde_json::json;

use crate::{output, Global};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apps, domains, categories and data sources of the catalog.
    Stats,
    /// Search apps by name, vendor or domain.
    Search {
        /// Text to look for.
        query: String,
        /// Only this category (id, e.g. cloud-storage).
        #[arg(long)]
        category: Option<String>,
        /// Factor filter FACTOR=VALUE (yes, no, unknown, known or a level); repeatable.
        #[arg(long = "factor", value_name = "FACTOR=VALUE")]
        factors: Vec<String>,
        /// Most results.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// The app each host belongs to.
    Match {
        #[arg(required = true)]
        hosts: Vec<String>,
    },
    /// The full record of an app with the source of every factor.
    Show { id: String },
}

pub async fn run(global: &Global, command: Command) -> anyhow::Result<()> {
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let result = execute(&engine, global, command).await;
    engine.close().await;
    result
}

async fn execute(engine: &Engine, global: &Global, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Stats => {
            let stats = engine.catalog_stats().await?;
            if global.json {
                return output::json(&stats);
            }
            println!("{} apps, {} domain rules", stats.apps, stats.domains);
            let mut cats: Vec<_> = stats.categories.iter().collect();
            cats.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            for (name, n) in cats {
                println!("  {n:>5}  {name}");
            }
            println!("sources:");
            for s in &stats.sources {
                println!("  {} ({}, as of {})", s.id, s.license, s.as_of);
            }
            Ok(())
        }
        Command::Search {
            query,
            category,
            factors,
            limit,
        } => {
            let factors = factors
                .iter()
                .map(|f| {
                    f.split_once('=')
                        .map(|(k, v)| FactorFilter {
                            factor: k.trim().into(),
                            value: v.trim().into(),
                        })
                        .ok_or_else(|| anyhow::anyhow!("--factor {f}: expected FACTOR=VALUE"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let query = AppQuery {
                text: Some(query),
                category,
                factors,
                sort: AppSort::Name,
                limit,
                ..AppQuery::default()
            };
            let page = engine.search_apps(&query).await?;
            if global.json {
                let rows: Vec<_> = page
                    .rows
                    .iter()
                    .map(|r| json!({"id": r.id, "name": r.name, "category": r.category, "score": r.score, "domains": r.domains}))
                    .collect();
                return output::json(&rows);
            }
            for r in &page.rows {
                println!(
                    "{:<32} {:<28} {:>5}  {}",
                    r.id,
                    r.category.as_deref().unwrap_or("—"),
                    r.score
                        .map(|s| format!("{s:.1}"))
                        .unwrap_or_else(|| "n/a".into()),
                    r.domains.join(", ")
                );
            }
            println!("{} of {} apps", page.rows.len(), page.total);
            Ok(())
        }
        Command::Match { hosts } => {
            let matches = engine.match_hosts(&hosts).await?;
            if global.json {
                return output::json(&matches);
            }
            for m in &matches {
                match &m.app {
                    Some(a) => println!(
                        "{}\t{} ({}, {})",
                        m.host,
                        a.name,
                        a.category.as_deref().unwrap_or("no category"),
                        a.score
                            .map(|s| format!("score {s:.1}"))
                            .unwrap_or_else(|| "not enough data".into())
                    ),
                    None => println!("{}\t—", m.host),
                }
            }
            Ok(())
        }
        Command::Show { id } => {
            let app = engine.app_detail(&id).await?;
            if global.json {
                return output::json(&app);
            }
            println!("{} ({})", app.name, app.id);
            if let Some(v) = &app.vendor {
                println!("vendor: {} [{}]", v.value, v.source);
            }
            let score = app
                .score
                .map(|s| format!("{s:.1} / 10"))
                .unwrap_or_else(|| "not enough data".into());
            println!("score: {score} (coverage {:.0} %)", app.coverage * 100.0);
            if let Some(o) = &app.score_override {
                println!("  overridden by an analyst: {}", o.note);
            }
            println!(
                "domains: {}",
                app.domains
                    .iter()
                    .map(|d| d.pattern.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            println!(
                "categories: {}",
                app.categories
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            for g in &app.groups {
                let s = g
                    .score
                    .map(|s| format!("{s:.1}"))
                    .unwrap_or_else(|| "—".into());
                println!("{} ({s})", g.name);
                for f in g.factors.iter().filter(|f| f.value.is_some()) {
                    let src = f.source.as_ref().map(|s| s.name.as_str()).unwrap_or("?");
                    println!(
                        "  {:<40} {:<12} {} as of {}",
                        f.name,
                        f.value.as_deref().unwrap_or(""),
                        src,
                        f.as_of.as_deref().unwrap_or("")
                    );
                }
            }
            Ok(())
        }
    }
}
