//! `cloudwarden`: the command-line front end over `engine::api`.

mod catalog;
mod connectors;
mod discover;
mod investigate;
mod jobs;
mod output;
mod policies;
mod status;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "cloudwarden",
    version,
    about = "Local-first cloud access security broker"
)]
struct Cli {
    /// Data directory (default: $CLOUDWARDEN_DATA_DIR, else ~/.local/share/cloudwarden).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Version, data directory, database and keychain status.
    Status,
    /// The Cloud App Catalog: stats, search, host matching, app records.
    #[command(subcommand)]
    Catalog(catalog::Command),
    /// Cloud Discovery: parse firewall/proxy logs and report the cloud apps in use.
    Discover(discover::DiscoverArgs),
    /// The app connectors this build has.
    Connectors,
    /// Connect an app instance.
    #[command(subcommand)]
    Connect(connectors::Connect),
    /// Connected instances with status and record counts; enable, disable, remove, schedule.
    Instances(connectors::InstancesArgs),
    /// Scan an instance now.
    Scan {
        /// The instance id (`cloudwarden instances`).
        instance: String,
    },
    /// People: accounts read by connectors, correlated across instances by e-mail address.
    #[command(subcommand)]
    Accounts(investigate::AccountsCommand),
    /// The activity log across connected instances: filtered, newest first, paged.
    #[command(subcommand)]
    Activities(investigate::ActivitiesCommand),
    /// Files (and repositories) with their sharing, filtered and paged in the engine.
    #[command(subcommand)]
    Files(investigate::FilesCommand),
    /// Third-party OAuth apps and credentials with access.
    #[command(subcommand, name = "oauth-grants")]
    OauthGrants(connectors::ListCommand),
    /// What changed between the last two scans of each instance (or two chosen scans).
    Changes(investigate::ChangesArgs),
    /// Third-party OAuth apps across instances: permission levels with reasons, approve, ban.
    #[command(subcommand)]
    OauthApps(investigate::OauthAppsCommand),
    /// Directory roles held by accounts of connected apps (active, through groups, eligible).
    #[command(subcommand)]
    Privileges(connectors::ListCommand),
    /// The audit log: reveals of pseudonyms, anonymization turned on or off.
    #[command(subcommand)]
    Audit(jobs::AuditCommand),
    /// Scans and uploads: running, done, interrupted (a killed process) — and resuming them.
    #[command(subcommand)]
    Jobs(jobs::JobsCommand),
    /// Policies: templates, create, test (a dry run), enable, disable.
    #[command(subcommand)]
    Policies(policies::PoliciesCommand),
    /// Evaluates the enabled policies now: over new data, or again since a time.
    Evaluate {
        /// Evaluate again what occurred since this RFC 3339 time.
        #[arg(long)]
        since: Option<String>,
    },
    /// Alerts raised by policies: list, show, triage.
    #[command(subcommand)]
    Alerts(policies::AlertsCommand),
    /// The analyst's IP ranges: corporate, VPN, risky, cloud provider.
    #[command(subcommand, name = "ip-ranges")]
    IpRanges(policies::IpRangesCommand),
    /// Alert forwarding to a SIEM: CEF over syslog (UDP, TCP, TLS) and webhooks.
    #[command(subcommand)]
    Forwarding(policies::ForwardingCommand),
}

/// Options every command receives.
#[derive(Debug, Clone)]
pub struct Global {
    pub data_dir: Option<PathBuf>,
    pub json: bool,
}

fn main() -> ExitCode {
    sigpipe::reset();
    let cli = Cli::parse();
    let global = Global {
        data_dir: cli.data_dir,
        json: cli.json,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return output::fail(&anyhow::Error::from(e)),
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Status => status::run(&global).await,
            Command::Catalog(command) => catalog::run(&global, command).await,
            Command::Discover(args) => discover::run(&global, args).await,
            Command::Connectors => connectors::connectors(&global).await,
            Command::Connect(c) => connectors::connect(&global, c).await,
            Command::Instances(args) => connectors::instances(&global, args).await,
            Command::Audit(c) => jobs::audit(&global, c).await,
            Command::Jobs(c) => jobs::jobs(&global, c).await,
            Command::Scan { instance } => connectors::scan(&global, &instance).await,
            Command::Accounts(c) => investigate::accounts(&global, c).await,
            Command::Activities(c) => investigate::activities(&global, c).await,
            Command::Files(c) => investigate::files(&global, c).await,
            Command::OauthGrants(c) => connectors::list(&global, "oauth-grants", c).await,
            Command::OauthApps(c) => investigate::oauth_apps(&global, c).await,
            Command::Changes(a) => investigate::changes(&global, a).await,
            Command::Privileges(c) => connectors::list(&global, "privileges", c).await,
            Command::Policies(c) => policies::policies(&global, c).await,
            Command::Evaluate { since } => policies::evaluate(&global, since).await,
            Command::Alerts(c) => policies::alerts(&global, c).await,
            Command::IpRanges(c) => policies::ip_ranges(&global, c).await,
            Command::Forwarding(c) => policies::forwarding(&global, c).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => output::fail(&e),
    }
}
