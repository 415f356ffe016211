//! `cloudwarden catalog stats|search|match|show|custom|import|export|override`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::catalog::{
    AppQuery, AppSort, Confidence, CustomAppInput, CustomFactorInput, FactorFilter,
};
use cloudwarden_engine::domain::discovery::AppTag;
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
        /// Only apps tagged sanctioned, unsanctioned or monitored.
        #[arg(long)]
        tag: Option<String>,
        /// Most results.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Tags apps sanctioned, unsanctioned or monitored (`none` clears), one or many at once.
    Tag {
        #[arg(required = true)]
        apps: Vec<String>,
        /// sanctioned, unsanctioned, monitored or none.
        #[arg(long = "as", value_name = "TAG")]
        tag: String,
    },
    /// The app each host belongs to.
    Match {
        #[arg(required = true)]
        hosts: Vec<String>,
    },
    /// The full record of an app with the source of every factor.
    Show { id: String },
    /// The analyst's own apps: list, add, edit, delete.
    #[command(subcommand)]
    Custom(CustomCommand),
    /// Imports custom apps from a file `catalog export` wrote.
    Import {
        file: PathBuf,
        /// Allow apps that replace built-in apps of the same id (refused otherwise).
        #[arg(long)]
        replace_builtin: bool,
    },
    /// Writes the custom apps to a file.
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Sets an app's risk score (0–10) with a note, or clears the override.
    Override {
        app: String,
        #[arg(long, required_unless_present = "clear")]
        score: Option<f64>,
        /// Why (shown beside the score).
        #[arg(long, required_unless_present = "clear")]
        note: Option<String>,
        #[arg(long, conflicts_with_all = ["score", "note"])]
        clear: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CustomCommand {
    /// The custom apps.
    List,
    /// Adds an app.
    Add(CustomArgs),
    /// Replaces an app's name, domains, categories, vendor and factors.
    Edit {
        id: String,
        #[command(flatten)]
        app: CustomArgs,
    },
    /// Deletes an app.
    Delete { id: String },
}

#[derive(Debug, Args)]
pub struct CustomArgs {
    #[arg(long)]
    name: String,
    /// example.com (and its subdomains), *.example.com, or =host.example.com (exactly);
    /// repeatable.
    #[arg(long = "domain", required = true, value_name = "PATTERN")]
    domains: Vec<String>,
    /// Category id (`cloudwarden catalog stats`); repeatable.
    #[arg(long = "category", value_name = "ID")]
    categories: Vec<String>,
    #[arg(long)]
    vendor: Option<String>,
    /// A risk factor with the document that says so; repeatable.
    #[arg(long = "factor", value_name = "FACTOR=VALUE@CITATION")]
    factors: Vec<String>,
}

impl CustomArgs {
    fn input(self, id: Option<String>) -> anyhow::Result<CustomAppInput> {
        let factors = self
            .factors
            .iter()
            .map(|f| {
                let (factor, rest) = f.split_once('=').ok_or_else(|| {
                    anyhow::anyhow!("--factor {f}: expected FACTOR=VALUE@CITATION")
                })?;
                let (value, citation) = rest.split_once('@').ok_or_else(|| {
                    anyhow::anyhow!("--factor {f}: a factor needs its citation: FACTOR=VALUE@URL")
                })?;
                Ok(CustomFactorInput {
                    factor: factor.trim().into(),
                    value: value.trim().into(),
                    citation: citation.trim().into(),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(CustomAppInput {
            id,
            name: self.name,
            vendor: self.vendor,
            domains: self.domains,
            categories: self.categories,
            factors,
        })
    }
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
            tag,
            limit,
        } => {
            let tag = tag.as_deref().map(parse_tag).transpose()?.flatten();
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
                tag,
                sort: AppSort::Name,
                limit,
                ..AppQuery::default()
            };
            let page = engine.search_apps(&query).await?;
            if global.json {
                let rows: Vec<_> = page
                    .rows
                    .iter()
                    .map(|r| json!({"id": r.id, "name": r.name, "category": r.category, "score": r.score, "confidence": r.confidence, "tag": r.tag, "domains": r.domains, "matched": r.matched}))
                    .collect();
                return output::json(&rows);
            }
            for r in &page.rows {
                let why = match r.matched.as_deref() {
                    Some(m) if m != "name" => format!("matched {m}"),
                    _ => r.domains.join(", "),
                };
                let low = if r.confidence == Confidence::Low {
                    "?"
                } else {
                    " "
                };
                println!(
                    "{:<32} {:<28} {:>5}{low} {why}",
                    r.id,
                    r.category.as_deref().unwrap_or("—"),
                    r.score
                        .map(|s| format!("{s:.1}"))
                        .unwrap_or_else(|| "n/a".into()),
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
            let confidence = match app.confidence {
                Confidence::High => "",
                Confidence::Low => ", low confidence",
                Confidence::NotEnoughData => ", not enough data",
            };
            println!(
                "score: {score} (0–10, 10 = safest; coverage {:.0} %{confidence})",
                app.coverage * 100.0
            );
            if let Some(o) = &app.score_override {
                println!("  overridden by an analyst: {}", o.note);
            }
            println!("domains (evidence):");
            for d in app.domains.iter().filter(|d| d.attributes) {
                let never = if d.kept_out_of_block_lists.is_some() {
                    ", never blocked"
                } else {
                    ""
                };
                println!("  {:<40} {} [{}{never}]", d.pattern, d.role, d.trust);
            }
            let related: Vec<&str> = app
                .domains
                .iter()
                .filter(|d| !d.attributes)
                .map(|d| d.pattern.as_str())
                .collect();
            if !related.is_empty() {
                println!(
                    "related, unverified (never attributed nor blocked): {}",
                    related.join(", ")
                );
            }
            println!(
                "categories: {}",
                app.categories
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            for g in &app.groups {
                if !g.assessed {
                    println!("{} (not assessed: no open data source covers it)", g.name);
                    continue;
                }
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
        Command::Custom(c) => custom(engine, global, c).await,
        Command::Tag { apps, tag } => {
            let tag = parse_tag(&tag)?;
            let n = engine.set_app_tags(&apps, tag).await?;
            if global.json {
                return output::json(&json!({"tagged": n, "tag": tag.map(|t| t.as_str())}));
            }
            println!("tagged {n} app(s)");
            Ok(())
        }
        Command::Import {
            file,
            replace_builtin,
        } => {
            let preview = engine.preview_custom_apps_import(&file).await?;
            let n = engine
                .import_custom_apps_from(&file, replace_builtin)
                .await?;
            if global.json {
                return output::json(&json!({
                    "imported": n,
                    "apps": preview.apps,
                    "replaced_builtin": preview.replaces_builtin,
                }));
            }
            println!("imported {n} apps");
            if !preview.replaces_builtin.is_empty() {
                println!(
                    "replaced built-in apps: {}",
                    preview.replaces_builtin.join(", ")
                );
            }
            Ok(())
        }
        Command::Export { out } => {
            let n = engine.export_custom_apps_to(&out).await?;
            if global.json {
                return output::json(&json!({"exported": n, "path": out.display().to_string()}));
            }
            println!("{n} custom apps written to {}", out.display());
            Ok(())
        }
        Command::Override {
            app,
            score,
            note,
            clear,
        } => {
            let detail = match (clear, score, note) {
                (true, _, _) => engine.clear_score_override(&app).await?,
                (false, Some(score), Some(note)) => {
                    engine.set_score_override(&app, score, &note).await?
                }
                _ => anyhow::bail!("give --score N and --note TEXT, or --clear"),
            };
            if global.json {
                return output::json(&detail);
            }
            let score = detail
                .score
                .map(|s| format!("{s:.1}"))
                .unwrap_or_else(|| "n/a".into());
            println!("{}: score {score}", detail.name);
            Ok(())
        }
    }
}

/// `none` → `None`; a tag name → the tag.
fn parse_tag(t: &str) -> anyhow::Result<Option<AppTag>> {
    match t {
        "none" => Ok(None),
        t => AppTag::parse(t).map(Some).ok_or_else(|| {
            anyhow::anyhow!("unknown tag \"{t}\": sanctioned, unsanctioned, monitored or none")
        }),
    }
}

async fn custom(engine: &Engine, global: &Global, command: CustomCommand) -> anyhow::Result<()> {
    match command {
        CustomCommand::List => {
            let export: serde_json::Value =
                serde_json::from_str(&engine.export_custom_apps().await?)?;
            let apps = export["apps"].as_array().cloned().unwrap_or_default();
            if global.json {
                return output::json(&apps);
            }
            if apps.is_empty() {
                println!(
                    "no custom apps: cloudwarden catalog custom add --name NAME --domain DOMAIN"
                );
            }
            for a in apps {
                let domains: Vec<&str> = a["domains"]
                    .as_array()
                    .map(|d| d.iter().filter_map(|d| d["pattern"].as_str()).collect())
                    .unwrap_or_default();
                println!(
                    "{:<32} {:<32} {}",
                    a["id"].as_str().unwrap_or(""),
                    a["name"].as_str().unwrap_or(""),
                    domains.join(", ")
                );
            }
            Ok(())
        }
        CustomCommand::Add(args) => {
            let detail = engine.save_custom_app(&args.input(None)?).await?;
            if global.json {
                return output::json(&detail);
            }
            println!("{}", detail.id);
            Ok(())
        }
        CustomCommand::Edit { id, app } => {
            let detail = engine.save_custom_app(&app.input(Some(id))?).await?;
            if global.json {
                return output::json(&detail);
            }
            println!("{}", detail.id);
            Ok(())
        }
        CustomCommand::Delete { id } => {
            engine.delete_custom_app(&id).await?;
            if global.json {
                return output::json(&json!({"deleted": id}));
            }
            println!("deleted {id}");
            Ok(())
        }
    }
}
