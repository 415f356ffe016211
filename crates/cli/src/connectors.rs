//! `cloudwarden connectors | connect | instances | scan | accounts|activities|files|oauth-grants|privileges list`.

use clap::{Args, Subcommand};
use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::connectors::{
    AuthorizeStart, ConnectGithub, ConnectGithubDevice, ConnectM365, InstanceView,
};
use serde_json::json;

use crate::{output, Global};

#[derive(Debug, Subcommand)]
pub enum Connect {
    /// Connect a GitHub organisation (prints the instance id and runs the permissions scan).
    Github(ConnectGithubArgs),
    /// Connect a Microsoft 365 tenant (prints the instance id and runs the permissions scan).
    M365(ConnectM365Args),
}

#[derive(Debug, Args)]
pub struct ConnectM365Args {
    /// A name for this instance.
    #[arg(long)]
    name: String,
    /// The directory (tenant) id or a verified domain.
    #[arg(long)]
    tenant: String,
    /// The app registration's application (client) id.
    #[arg(long)]
    client_id: String,
    /// Environment variable that holds the client secret (client credentials; it goes to the
    /// keychain, never to disk).
    #[arg(long, value_name = "VAR", required_unless_present = "interactive")]
    client_secret_env: Option<String>,
    /// Sign in as an administrator in the browser (authorization code + PKCE, delegated
    /// permissions) instead of client credentials.
    #[arg(long, conflicts_with = "client_secret_env")]
    interactive: bool,
    /// Microsoft Graph base URL: `https://graph.microsoft.com/v1.0` (default), a national
    /// cloud's, or a test fake.
    #[arg(long)]
    graph_url: Option<String>,
    /// Microsoft identity platform base URL: `https://login.microsoftonline.com` (default).
    #[arg(long)]
    login_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct ConnectGithubArgs {
    /// A name for this instance.
    #[arg(long)]
    name: String,
    /// The organisation's login.
    #[arg(long)]
    org: String,
    /// API base URL: GitHub Enterprise Server (`https://HOST/api/v3`) or a test fake.
    #[arg(long)]
    api_url: Option<String>,
    /// Environment variable that holds the token (it goes to the keychain, never to disk).
    #[arg(long, value_name = "VAR")]
    token_env: Option<String>,
    /// Authorize in the browser with the OAuth device flow (needs --client-id).
    #[arg(long, conflicts_with = "token_env")]
    device: bool,
    /// The OAuth app's client id, for --device ("Enable Device Flow" ticked on GitHub).
    #[arg(long, requires = "device")]
    client_id: Option<String>,
    /// OAuth base URL for --device: `https://github.com` (default) or `https://HOST` (Server).
    #[arg(long, requires = "device")]
    oauth_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ListCommand {
    /// List the stored records.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this instance.
    #[arg(long)]
    instance: Option<String>,
    /// At most this many rows.
    #[arg(long, default_value_t = 1000)]
    limit: u32,
}

fn instance_json(i: &InstanceView) -> serde_json::Value {
    json!({
        "id": i.id,
        "app": i.app,
        "name": i.name,
        "status": i.status,
        "status_detail": i.status_detail,
        "last_scan_at": i.last_scan_at,
        "counts": {
            "accounts": i.counts.accounts,
            "groups": i.counts.groups,
            "activities": i.counts.activities,
            "files": i.counts.files,
            "oauth_grants": i.counts.oauth_grants,
        },
    })
}

pub async fn connectors(global: &Global) -> anyhow::Result<()> {
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let list = engine.connectors();
    engine.close().await;
    if global.json {
        return output::json(&list);
    }
    for c in list {
        println!("{:<10} {:<10} auth: {}", c.id, c.name, c.auth.join(", "));
    }
    Ok(())
}

fn print_connected(global: &Global, instance: &InstanceView) -> anyhow::Result<()> {
    if global.json {
        return output::json(&instance_json(instance));
    }
    println!("{}", instance.id);
    eprintln!(
        "status: {}{}",
        instance.status,
        instance
            .status_detail
            .as_deref()
            .map(|d| format!(" — {d}"))
            .unwrap_or_default()
    );
    Ok(())
}

async fn connect_m365(global: &Global, args: ConnectM365Args) -> anyhow::Result<()> {
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let result = async {
        if args.interactive {
            let flow = engine
                .authorize_start(AuthorizeStart {
                    app: "m365".into(),
                    name: args.name,
                    org: None,
                    tenant: Some(args.tenant),
                    client_id: args.client_id,
                    client_secret: None,
                    api_url: args.graph_url,
                    login_url: args.login_url,
                    instance_id: None,
                })
                .await?;
            eprintln!(
                "sign in as an administrator: open {}\n(waiting for the browser to come back to {})",
                flow.authorize_url, flow.redirect_uri
            );
            return engine.authorize_finish(&flow.flow_id).await;
        }
        let var = args.client_secret_env.unwrap_or_default();
        let secret = std::env::var(&var).map_err(|_| {
            cloudwarden_engine::Error::Validation(format!("${var} is not set"))
        })?;
        engine
            .connect_m365(ConnectM365 {
                name: args.name,
                tenant: args.tenant,
                client_id: args.client_id,
                client_secret: secret,
                api_url: args.graph_url,
                login_url: args.login_url,
            })
            .await
    }
    .await;
    engine.close().await;
    print_connected(global, &result?)
}

pub async fn connect(global: &Global, command: Connect) -> anyhow::Result<()> {
    let args = match command {
        Connect::Github(args) => args,
        Connect::M365(args) => return connect_m365(global, args).await,
    };
    if args.device {
        let client_id = args.client_id.ok_or_else(|| {
            anyhow::anyhow!("give --client-id (the OAuth app's client id) with --device")
        })?;
        let engine = Engine::open(global.data_dir.as_deref()).await?;
        let result = async {
            let code = engine
                .github_device_start(ConnectGithubDevice {
                    name: args.name,
                    org: args.org,
                    api_url: args.api_url,
                    client_id,
                    oauth_url: args.oauth_url,
                })
                .await?;
            eprintln!(
                "open {} and enter the code {} (it expires in {} min)",
                code.verification_uri,
                code.user_code,
                code.expires_in_s / 60
            );
            engine.github_device_finish(&code.flow_id).await
        }
        .await;
        engine.close().await;
        let instance = result?;
        if global.json {
            return output::json(&instance_json(&instance));
        }
        println!("{}", instance.id);
        eprintln!("status: {}", instance.status);
        return Ok(());
    }
    let var = args.token_env.ok_or_else(|| {
        anyhow::anyhow!("give --token-env VAR (the variable that holds the token)")
    })?;
    let token = std::env::var(&var).map_err(|_| anyhow::anyhow!("${var} is not set"))?;
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let result = engine
        .connect_github(ConnectGithub {
            name: args.name,
            org: args.org,
            api_url: args.api_url,
            token,
        })
        .await;
    engine.close().await;
    print_connected(global, &result?)
}

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct InstancesArgs {
    #[command(subcommand)]
    command: Option<InstancesCommand>,
}

#[derive(Debug, clap::Subcommand)]
enum InstancesCommand {
    /// Scans it again (scheduled and on demand).
    Enable { id: String },
    /// Stops scanning it; what it read stays.
    Disable { id: String },
    /// Removes it and its credentials from the keychain; `--purge` deletes what it read too.
    Remove {
        id: String,
        #[arg(long)]
        purge: bool,
    },
    /// How often the scheduler reads its activities, and everything.
    Schedule {
        id: String,
        /// Minutes between activities scans (at least 1).
        #[arg(long, value_name = "MIN")]
        activities_every: u32,
        /// Hours between full scans (at least 1).
        #[arg(long, value_name = "HOURS")]
        full_every: u32,
    },
}

async fn instance_command(global: &Global, command: InstancesCommand) -> anyhow::Result<()> {
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let result = match command {
        InstancesCommand::Enable { id } => engine.set_instance_enabled(&id, true).await.map(Some),
        InstancesCommand::Disable { id } => engine.set_instance_enabled(&id, false).await.map(Some),
        InstancesCommand::Remove { id, purge } => {
            engine.remove_instance(&id, purge).await.map(|()| None)
        }
        InstancesCommand::Schedule {
            id,
            activities_every,
            full_every,
        } => engine
            .set_scan_schedule(
                &id,
                activities_every.saturating_mul(60),
                full_every.saturating_mul(3600),
            )
            .await
            .map(Some),
    };
    engine.close().await;
    match result? {
        Some(i) if global.json => output::json(&i),
        Some(i) => {
            println!(
                "{}  {}  {} · activities every {} min · everything every {} h",
                i.id,
                i.name,
                i.status,
                i.activities_every_s / 60,
                i.full_every_s / 3600
            );
            Ok(())
        }
        None if global.json => output::json(&serde_json::json!({"removed": true})),
        None => {
            println!("removed");
            Ok(())
        }
    }
}

pub async fn instances(global: &Global, args: InstancesArgs) -> anyhow::Result<()> {
    if let Some(command) = args.command {
        return instance_command(global, command).await;
    }
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let list = engine.instances().await;
    engine.close().await;
    let list = list?;
    if global.json {
        return output::json(&list.iter().map(instance_json).collect::<Vec<_>>());
    }
    for i in list {
        println!(
            "{}  {:<8} {:<20} {:<10} accounts {} · activities {} · files {} · grants {}",
            i.id,
            i.app,
            i.name,
            i.status,
            i.counts.accounts,
            i.counts.activities,
            i.counts.files,
            i.counts.oauth_grants
        );
    }
    Ok(())
}

pub async fn scan(global: &Global, instance: &str) -> anyhow::Result<()> {
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let report = engine.scan_instance(instance).await;
    engine.close().await;
    let report = report?;
    if global.json {
        return output::json(&report);
    }
    for p in &report.phases {
        println!(
            "{:<13} {:<19} {:>8} records{}",
            p.phase,
            p.status,
            p.records,
            p.detail
                .as_deref()
                .map(|d| format!("  {d}"))
                .unwrap_or_default()
        );
    }
    println!(
        "{}: {} requests, {} retries, {} throttled, {} ms",
        report.status, report.requests, report.retries, report.throttles, report.duration_ms
    );
    Ok(())
}

pub async fn list(global: &Global, kind: &str, command: ListCommand) -> anyhow::Result<()> {
    let ListCommand::List(args) = command;
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let rows = engine
        .list_records(kind, args.instance.as_deref(), args.limit)
        .await;
    engine.close().await;
    let rows = rows?;
    if global.json {
        return output::json(&rows);
    }
    for r in rows {
        println!("{r}");
    }
    Ok(())
}
