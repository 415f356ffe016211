//! `cloudwarden activities list` and `export`: the activity log across instances, filtered and paged in the
//! engine. `--json` prints `{"items": [...], "next_cursor": "..." | null}`; `--cursor`
//! continues where a page ended.

use clap::{Args, Subcommand};
use cloudwarden_engine::api::Engine;
use cloudwarden_engine::discovery_export::iso_time;
use cloudwarden_engine::domain::investigate::{
    ActivityCategory, ActivityFilter, ActivityOutcome, BanReport, ExportFormat, FileFilter,
    OauthAppFilter, OauthAppStatus, PermissionLevel, PersonFilter, SharingLevel,
};

use crate::{output, Global};

#[derive(Debug, Subcommand)]
pub enum ActivitiesCommand {
    /// One page of the activity log, newest first.
    List(ActivityArgs),
    /// Every event the filters select, to a CSV or JSON file (streamed).
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// csv (normalised fields) or json (normalised fields and the vendor's record).
    #[arg(long, default_value = "csv")]
    format: String,
    /// The file to write (replaced only once the export is complete).
    #[arg(long)]
    out: std::path::PathBuf,
    #[command(flatten)]
    filter: FilterArgs,
}

#[derive(Debug, Args)]
pub struct ActivityArgs {
    #[command(flatten)]
    filter: FilterArgs,
    /// Continue after the page that printed this cursor.
    #[arg(long)]
    cursor: Option<String>,
    /// Rows on the page (at most 1,000).
    #[arg(long, default_value_t = 100)]
    limit: u32,
}

#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Start from a query saved in the app (by name); the flags below narrow it further.
    #[arg(long)]
    saved: Option<String>,
    /// Only this instance (`cloudwarden instances`).
    #[arg(long)]
    instance: Option<String>,
    /// Only this connector app (`github`, `m365`).
    #[arg(long)]
    app: Option<String>,
    /// Only this actor (user principal name or login).
    #[arg(long)]
    user: Option<String>,
    /// Only this IP address, or a network in CIDR notation (10.1.0.0/16).
    #[arg(long)]
    ip: Option<String>,
    /// sign_in, admin, file, sharing, mail, oauth, repository, membership or other.
    #[arg(long)]
    category: Option<String>,
    /// Only this action, as the vendor names it (FileDownloaded, repo.create).
    #[arg(long)]
    action: Option<String>,
    /// success, failure or unknown.
    #[arg(long)]
    outcome: Option<String>,
    /// From this time on (RFC 3339, e.g. 2026-12-01T00:00:00Z).
    #[arg(long)]
    since: Option<String>,
    /// Before this time (RFC 3339).
    #[arg(long)]
    until: Option<String>,
    /// Words that must all start a word of the actor, action or object.
    #[arg(long)]
    text: Option<String>,
    /// Exactly this object (a file's URL, a repository's name).
    #[arg(long)]
    object: Option<String>,
}

fn time(flag: &str, v: Option<&str>) -> anyhow::Result<Option<i64>> {
    v.map(|s| {
        cloudwarden_connectors::dates::parse_rfc3339_ms(s).ok_or_else(|| {
            anyhow::anyhow!("--{flag} \"{s}\" is not an RFC 3339 time (2026-12-01T00:00:00Z)")
        })
    })
    .transpose()
}

impl FilterArgs {
    /// The filter: the saved query named by `--saved` (if any), each flag given replacing
    /// its field.
    async fn resolve(&self, engine: &Engine) -> anyhow::Result<ActivityFilter> {
        let mut f = self.filter()?;
        if let Some(name) = &self.saved {
            let saved = engine.activity_queries().await?;
            let Some(q) = saved.into_iter().find(|q| q.name == *name) else {
                anyhow::bail!("no saved query is named \"{name}\"");
            };
            let s = q.filter;
            f = ActivityFilter {
                instance_id: f.instance_id.or(s.instance_id),
                app: f.app.or(s.app),
                user: f.user.or(s.user),
                ip: f.ip.or(s.ip),
                category: f.category.or(s.category),
                action: f.action.or(s.action),
                outcome: f.outcome.or(s.outcome),
                since_ms: f.since_ms.or(s.since_ms),
                until_ms: f.until_ms.or(s.until_ms),
                text: f.text.or(s.text),
                object: f.object.or(s.object),
            };
        }
        Ok(f)
    }

    fn filter(&self) -> anyhow::Result<ActivityFilter> {
        let category = choice(
            "category",
            self.category.as_deref(),
            ActivityCategory::parse,
            "sign_in, admin, file, sharing, mail, oauth, repository, membership or other",
        )?;
        let outcome = choice(
            "outcome",
            self.outcome.as_deref(),
            ActivityOutcome::parse,
            "success, failure or unknown",
        )?;
        Ok(ActivityFilter {
            instance_id: self.instance.clone(),
            app: self.app.clone(),
            user: self.user.clone(),
            ip: self.ip.clone(),
            category,
            action: self.action.clone(),
            outcome,
            since_ms: time("since", self.since.as_deref())?,
            until_ms: time("until", self.until.as_deref())?,
            text: self.text.clone(),
            object: self.object.clone(),
        })
    }
}

pub async fn activities(global: &Global, command: ActivitiesCommand) -> anyhow::Result<()> {
    let args = match command {
        ActivitiesCommand::List(args) => args,
        ActivitiesCommand::Export(args) => return export(global, args).await,
    };
    args.filter.filter()?; // bad flags fail before the store opens
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let page = match args.filter.resolve(&engine).await {
        Ok(filter) => engine
            .activities(&filter, args.cursor.as_deref(), Some(args.limit))
            .await
            .map_err(anyhow::Error::from),
        Err(e) => Err(e),
    };
    engine.close().await;
    let page = page?;
    if global.json {
        return output::json(&page);
    }
    if page.items.is_empty() {
        println!("no activity matches");
    }
    for r in &page.items {
        println!(
            "{}  {:<10} {:<10} {:<8} {:<32} {:<30} {}",
            iso_time(r.occurred_at_ms),
            r.instance_name,
            r.category.as_str(),
            r.outcome.as_str(),
            r.action,
            r.actor.as_deref().unwrap_or("—"),
            r.object.as_deref().unwrap_or("")
        );
    }
    if let Some(c) = &page.next_cursor {
        println!("more: --cursor {c}");
    }
    Ok(())
}

async fn export(global: &Global, args: ExportArgs) -> anyhow::Result<()> {
    let format = choice(
        "format",
        Some(&args.format),
        ExportFormat::parse,
        "csv or json",
    )?
    .unwrap_or(ExportFormat::Csv);
    args.filter.filter()?;
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let done = match args.filter.resolve(&engine).await {
        Ok(filter) => engine
            .export_activities(&filter, format, &args.out)
            .await
            .map_err(anyhow::Error::from),
        Err(e) => Err(e),
    };
    engine.close().await;
    let done = done?;
    if global.json {
        return output::json(&done);
    }
    println!(
        "wrote {} events ({} bytes) to {}",
        done.rows, done.bytes, done.path
    );
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// People (accounts correlated across instances by e-mail address), in key order.
    List(PeopleArgs),
    /// Count an account as part of another person (overrides the e-mail rule).
    Link {
        /// The instance of the account (`cloudwarden instances`).
        #[arg(long)]
        instance: String,
        /// The account's id in the instance (`external_id` in `accounts list --json`).
        #[arg(long)]
        account: String,
        /// The person's key (their e-mail address, as `accounts list` shows it).
        #[arg(long)]
        person: String,
    },
    /// Undo a link: the account goes back to the person the rule gives it.
    Unlink {
        #[arg(long)]
        instance: String,
        #[arg(long)]
        account: String,
    },
}

#[derive(Debug, Args)]
pub struct PeopleArgs {
    /// Only people with an administrator account.
    #[arg(long)]
    admins: bool,
    /// Only people with an external account (guest, outside collaborator).
    #[arg(long)]
    external: bool,
    /// Only people with an account the vendor reports without a second factor (MFA).
    #[arg(long)]
    no_mfa: bool,
    /// Only people none of whose accounts signed in or acted for N days.
    #[arg(long, value_name = "N")]
    inactive_days: Option<u32>,
    /// Only people with an account in this connector app (`github`, `m365`).
    #[arg(long)]
    app: Option<String>,
    /// Only people with an account in this instance.
    #[arg(long)]
    instance: Option<String>,
    /// Words in a login, display name or e-mail address.
    #[arg(long)]
    text: Option<String>,
    /// Continue after the page that printed this cursor.
    #[arg(long)]
    cursor: Option<String>,
    /// People on the page (at most 1,000).
    #[arg(long, default_value_t = 100)]
    limit: u32,
}

pub async fn accounts(global: &Global, command: AccountsCommand) -> anyhow::Result<()> {
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let result = accounts_with(global, &engine, command).await;
    engine.close().await;
    result
}

async fn accounts_with(
    global: &Global,
    engine: &Engine,
    command: AccountsCommand,
) -> anyhow::Result<()> {
    let args = match command {
        AccountsCommand::List(args) => args,
        AccountsCommand::Link {
            instance,
            account,
            person,
        } => {
            engine
                .link_account(&instance, &account, Some(&person))
                .await?;
            println!("{account} of {instance} now counts as {person}");
            return Ok(());
        }
        AccountsCommand::Unlink { instance, account } => {
            engine.link_account(&instance, &account, None).await?;
            println!("{account} of {instance} is back with the person the rule gives it");
            return Ok(());
        }
    };
    let filter = PersonFilter {
        instance_id: args.instance,
        app: args.app,
        admins: args.admins,
        external: args.external,
        without_mfa: args.no_mfa,
        inactive_days: args.inactive_days,
        text: args.text,
    };
    let page = engine
        .people(&filter, args.cursor.as_deref(), Some(args.limit))
        .await?;
    if global.json {
        return output::json(&page);
    }
    if page.items.is_empty() {
        println!("no one matches");
    }
    for p in &page.items {
        let marks = [(p.admin, "admin"), (p.external, "external")]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, m)| *m)
            .collect::<Vec<_>>()
            .join(", ");
        println!(
            "{}  {}  {}{}",
            p.key,
            p.display_name.as_deref().unwrap_or(""),
            p.apps.join("+"),
            if marks.is_empty() {
                String::new()
            } else {
                format!("  [{marks}]")
            }
        );
        for a in &p.accounts {
            println!(
                "    {:<10} {:<36} {:<6} {:<8} {:<9} {}{}",
                a.instance_name,
                a.login,
                a.kind.as_str(),
                if a.is_admin { "admin" } else { "" },
                match a.mfa {
                    Some(true) => "mfa",
                    Some(false) => "no mfa",
                    None => "mfa n/a",
                },
                a.roles.join(", "),
                a.last_activity_ms
                    .or(a.last_sign_in_ms)
                    .map(|t| format!("  last active {}", iso_time(t)))
                    .unwrap_or_default()
            );
        }
    }
    if let Some(c) = &page.next_cursor {
        println!("more: --cursor {c}");
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum FilesCommand {
    /// Files (and repositories) with who can reach them, newest modified first.
    List(FileArgs),
}

#[derive(Debug, Args)]
pub struct FileArgs {
    /// public, external, internal or private.
    #[arg(long)]
    sharing: Option<String>,
    /// Shared with someone whose e-mail address is in this domain.
    #[arg(long, value_name = "DOMAIN")]
    shared_with_domain: Option<String>,
    /// Owned by this account.
    #[arg(long)]
    owner: Option<String>,
    /// Only files owned by an external user (a guest).
    #[arg(long)]
    external_owner: bool,
    /// Only files not modified for N days (with --sharing public: stale public files).
    #[arg(long, value_name = "N")]
    stale_days: Option<u32>,
    /// Only this connector app (`github`, `m365`).
    #[arg(long)]
    app: Option<String>,
    /// Only this instance.
    #[arg(long)]
    instance: Option<String>,
    /// Words that must all start a word of the name or owner.
    #[arg(long)]
    text: Option<String>,
    /// Continue after the page that printed this cursor.
    #[arg(long)]
    cursor: Option<String>,
    /// Files on the page (at most 1,000).
    #[arg(long, default_value_t = 100)]
    limit: u32,
}

pub async fn files(global: &Global, command: FilesCommand) -> anyhow::Result<()> {
    let FilesCommand::List(args) = command;
    let sharing = choice(
        "sharing",
        args.sharing.as_deref(),
        SharingLevel::parse,
        "public, external, internal or private",
    )?;
    let filter = FileFilter {
        instance_id: args.instance,
        app: args.app,
        sharing,
        shared_with_domain: args.shared_with_domain,
        owner: args.owner,
        external_owner: args.external_owner,
        stale_days: args.stale_days,
        text: args.text,
    };
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let page = engine
        .files(&filter, args.cursor.as_deref(), Some(args.limit))
        .await;
    engine.close().await;
    let page = page?;
    if global.json {
        return output::json(&page);
    }
    if page.items.is_empty() {
        println!("no file matches");
    }
    for f in &page.items {
        println!(
            "{}  {:<10} {:<8} {:<30} {}{}",
            f.modified_at_ms
                .map(iso_time)
                .unwrap_or_else(|| "—".repeat(20)),
            f.instance_name,
            f.sharing.as_str(),
            f.owner.as_deref().unwrap_or("—"),
            f.name,
            if f.domains.is_empty() {
                String::new()
            } else {
                format!("  shared with {}", f.domains.join(", "))
            }
        );
    }
    if let Some(c) = &page.next_cursor {
        println!("more: --cursor {c}");
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum OauthAppsCommand {
    /// Third-party OAuth apps across instances, highest permission level first.
    List {
        /// high, medium or low.
        #[arg(long)]
        level: Option<String>,
        /// approved, banned or unset.
        #[arg(long)]
        status: Option<String>,
        /// Only this connector app (`github`, `m365`).
        #[arg(long)]
        app: Option<String>,
        /// Words in the app's name or publisher.
        #[arg(long)]
        text: Option<String>,
        #[arg(long)]
        cursor: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Revokes every grant of the app through the vendor's API and marks it banned.
    Ban {
        /// The app's key (`oauth-apps list` shows it).
        key: String,
        /// Show exactly which grants and requests, change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do it without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Marks the app approved.
    Approve { key: String },
    /// Clears the decision on the app.
    Unset { key: String },
}

pub async fn oauth_apps(global: &Global, command: OauthAppsCommand) -> anyhow::Result<()> {
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let result = oauth_apps_with(global, &engine, command).await;
    engine.close().await;
    result
}

fn print_ban(report: &BanReport) {
    for s in &report.steps {
        println!(
            "{:<12} {:<14} {}{}",
            format!("{:?}", s.outcome).to_lowercase(),
            s.instance_name,
            s.request.as_deref().unwrap_or(&s.what),
            s.detail
                .as_deref()
                .map(|d| format!("\n             {d}"))
                .unwrap_or_default()
        );
    }
}

async fn oauth_apps_with(
    global: &Global,
    engine: &Engine,
    command: OauthAppsCommand,
) -> anyhow::Result<()> {
    match command {
        OauthAppsCommand::List {
            level,
            status,
            app,
            text,
            cursor,
            limit,
        } => {
            let level = choice(
                "level",
                level.as_deref(),
                PermissionLevel::parse,
                "high, medium or low",
            )?;
            let status = choice(
                "status",
                status.as_deref(),
                OauthAppStatus::parse,
                "approved, banned or unset",
            )?;
            let filter = OauthAppFilter {
                level,
                status,
                app,
                text,
            };
            let page = engine
                .oauth_apps(&filter, cursor.as_deref(), Some(limit))
                .await?;
            if global.json {
                return output::json(&page);
            }
            if page.items.is_empty() {
                println!("no OAuth app matches");
            }
            for a in &page.items {
                println!(
                    "{:<7} {:<9} {:<40} users {:<5} {}  [{}]",
                    a.level.as_str(),
                    a.status.as_str(),
                    a.name,
                    a.users,
                    a.publisher.as_deref().unwrap_or("publisher unknown"),
                    a.key
                );
                for p in a.permissions.iter().filter(|p| p.level == a.level) {
                    println!("        {} ({}): {}", p.name, p.kind, p.reason);
                }
            }
            if let Some(c) = &page.next_cursor {
                println!("more: --cursor {c}");
            }
            Ok(())
        }
        OauthAppsCommand::Ban { key, dry_run, yes } => {
            if !dry_run && !yes {
                // Show the plan, then ask.
                let plan = engine.ban_oauth_app(&key, true).await?;
                println!(
                    "Banning {} revokes these grants ({} steps):",
                    plan.app.name,
                    plan.steps.len()
                );
                print_ban(&plan);
                if !confirm("Revoke them now?")? {
                    println!("nothing changed");
                    return Ok(());
                }
            }
            let report = engine.ban_oauth_app(&key, dry_run).await?;
            if global.json {
                return output::json(&report);
            }
            if dry_run {
                println!("dry run: nothing was sent or changed");
            }
            print_ban(&report);
            Ok(())
        }
        OauthAppsCommand::Approve { key } => {
            let app = engine
                .set_oauth_app_status(&key, OauthAppStatus::Approved)
                .await?;
            println!("{} is approved", app.name);
            Ok(())
        }
        OauthAppsCommand::Unset { key } => {
            let app = engine
                .set_oauth_app_status(&key, OauthAppStatus::Unset)
                .await?;
            println!("{} is undecided", app.name);
            Ok(())
        }
    }
}

/// Asks on the terminal; anything but y/yes is no (and so is no terminal).
pub(crate) fn confirm(question: &str) -> anyhow::Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "not a terminal: pass --yes to ban without asking, or --dry-run to see the plan"
        );
    }
    print!("{question} [y/N] ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim().to_lowercase().as_str(), "y" | "yes"))
}

#[derive(Debug, Args)]
pub struct ChangesArgs {
    /// Only this instance (every instance without it).
    #[arg(long)]
    instance: Option<String>,
    /// The earlier scan (run id, as `--list` shows); with --to.
    #[arg(long)]
    from: Option<String>,
    /// The later scan; with --from.
    #[arg(long)]
    to: Option<String>,
    /// List the scans that can be compared instead.
    #[arg(long)]
    list: bool,
}

pub async fn changes(global: &Global, args: ChangesArgs) -> anyhow::Result<()> {
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let result = changes_with(global, &engine, args).await;
    engine.close().await;
    result
}

async fn changes_with(global: &Global, engine: &Engine, args: ChangesArgs) -> anyhow::Result<()> {
    if args.list {
        let snaps = engine.snapshots(args.instance.as_deref()).await?;
        if global.json {
            return output::json(&snaps);
        }
        for s in &snaps {
            println!(
                "{}  {:<16} {}",
                iso_time(s.taken_at_ms),
                s.instance_name,
                s.run_id
            );
        }
        return Ok(());
    }
    let report = engine
        .changes(
            args.instance.as_deref(),
            args.from.as_deref(),
            args.to.as_deref(),
        )
        .await?;
    if global.json {
        return output::json(&report);
    }
    for c in &report.instances {
        println!(
            "{} ({}): {} → {}",
            c.instance_name,
            c.app,
            iso_time(c.from.taken_at_ms),
            iso_time(c.to.taken_at_ms)
        );
        let list = |title: &str, items: Vec<String>| {
            if !items.is_empty() {
                println!("  {title} ({}):", items.len());
                for i in items {
                    println!("    {i}");
                }
            }
        };
        list(
            "new accounts",
            c.new_accounts.iter().map(|a| a.login.clone()).collect(),
        );
        list(
            "removed accounts",
            c.removed_accounts.iter().map(|a| a.login.clone()).collect(),
        );
        list(
            "new administrators",
            c.new_admins.iter().map(|a| a.login.clone()).collect(),
        );
        list(
            "role changes",
            c.role_changes
                .iter()
                .map(|a| format!("{}: +{:?} -{:?}", a.login, a.roles_added, a.roles_removed))
                .collect(),
        );
        list(
            "newly public files",
            c.newly_public_files
                .iter()
                .map(|f| f.name.clone())
                .collect(),
        );
        list(
            "newly shared outside",
            c.newly_external_files
                .iter()
                .map(|f| format!("{} with {}", f.name, f.new_external.join(", ")))
                .collect(),
        );
        list(
            "new OAuth grants",
            c.new_grants
                .iter()
                .map(|g| format!("{} ({})", g.app_name, g.level.as_str()))
                .collect(),
        );
        list(
            "removed OAuth grants",
            c.removed_grants
                .iter()
                .map(|g| g.app_name.clone())
                .collect(),
        );
        list(
            "apps newly holding high-level permissions",
            c.new_high_apps.clone(),
        );
        if !c.not_compared.is_empty() {
            println!(
                "  not compared (a scan did not read them in full): {}",
                c.not_compared.join(", ")
            );
        }
    }
    for w in &report.waiting {
        println!("{w}: one scan so far — scan it again to see what changes");
    }
    Ok(())
}

/// A flag's word as the value it names; an error listing `choices` for any other word.
fn choice<T>(
    flag: &str,
    word: Option<&str>,
    parse: impl Fn(&str) -> Option<T>,
    choices: &str,
) -> anyhow::Result<Option<T>> {
    word.map(|w| parse(w).ok_or_else(|| anyhow::anyhow!("unknown {flag} \"{w}\": {choices}")))
        .transpose()
}
