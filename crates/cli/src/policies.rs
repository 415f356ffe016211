//! `cloudwarden policies …`, `cloudwarden evaluate`, `cloudwarden alerts …` and
//! `cloudwarden ip-ranges …`.

use clap::{Subcommand, ValueEnum};
use cloudwarden_engine::api::Engine;
use cloudwarden_engine::discovery_export::iso_time;
use cloudwarden_engine::domain::policies::{
    AlertDetail, AlertFilter, AlertStatus, IpTag, Policy, PolicyInput, Resolution, Severity,
};

use crate::{output, Global};

#[derive(Debug, Subcommand)]
pub enum PoliciesCommand {
    /// Ready-made policies, described in plain words.
    Templates,
    /// Policies with their kind, severity, state and alert counts.
    List,
    /// One policy in full.
    Show {
        id: String,
    },
    /// Creates a policy from a template (`--template ID`, disabled until enabled) or from a
    /// JSON definition (`--file policy.json`, a PolicyInput).
    Create {
        #[arg(long, conflicts_with = "file", required_unless_present = "file")]
        template: Option<String>,
        /// The policy's name (default: the template's).
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        file: Option<std::path::PathBuf>,
    },
    /// What a policy would have raised over the last days; nothing is raised.
    Test {
        id: String,
        #[arg(long, default_value_t = 7)]
        days: u32,
    },
    Enable {
        id: String,
    },
    Disable {
        id: String,
    },
    /// Deletes a policy (its alerts stay).
    Delete {
        id: String,
    },
    /// Imports Sigma rules (a file, or every .yml below a folder) as enabled policies:
    /// prints what was imported, what is not applicable (with the reason) and what is invalid.
    #[command(name = "import-sigma")]
    ImportSigma {
        path: std::path::PathBuf,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum StatusArg {
    Open,
    InProgress,
    Resolved,
    Dismissed,
}

impl From<StatusArg> for AlertStatus {
    fn from(s: StatusArg) -> Self {
        match s {
            StatusArg::Open => AlertStatus::Open,
            StatusArg::InProgress => AlertStatus::InProgress,
            StatusArg::Resolved => AlertStatus::Resolved,
            StatusArg::Dismissed => AlertStatus::Dismissed,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum SeverityArg {
    Low,
    Medium,
    High,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Self {
        match s {
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum ResolutionArg {
    TruePositive,
    Benign,
    FalsePositive,
}

impl From<ResolutionArg> for Resolution {
    fn from(r: ResolutionArg) -> Self {
        match r {
            ResolutionArg::TruePositive => Resolution::TruePositive,
            ResolutionArg::Benign => Resolution::Benign,
            ResolutionArg::FalsePositive => Resolution::FalsePositive,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Alerts, newest first.
    List {
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        #[arg(long, value_enum)]
        severity: Option<SeverityArg>,
        /// Only this policy's alerts.
        #[arg(long)]
        policy: Option<String>,
        /// Only alerts naming this user, address, file or app.
        #[arg(long)]
        entity: Option<String>,
        #[arg(long)]
        cursor: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// One alert with its evidence and history.
    Show { id: String },
    /// Marks an alert as being worked on.
    Start {
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Resolves an alert with what it turned out to be.
    Resolve {
        id: String,
        #[arg(long = "as", value_enum)]
        resolution: ResolutionArg,
        #[arg(long)]
        note: Option<String>,
    },
    /// Dismisses an alert.
    Dismiss {
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Opens a closed alert again.
    Reopen {
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Adds a comment to an alert's history.
    Comment { id: String, text: String },
    /// Assigns an alert to someone (an empty name unassigns it).
    Assign { id: String, assignee: String },
    /// The governance actions an alert allows, on which of its entities.
    Actions { id: String },
    /// Runs a governance action on one entity of an alert: `--dry-run` shows the requests;
    /// otherwise it asks (or takes `--yes`) before sending them.
    Act {
        id: String,
        /// revoke_sessions, disable_account, revoke_grant, remove_sharing,
        /// remove_outside_collaborator or revoke_saml_credential.
        action: String,
        /// The entity's id (an account, a file, an OAuth app key).
        entity: String,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum TagArg {
    Corporate,
    Vpn,
    Risky,
    CloudProvider,
}

impl From<TagArg> for IpTag {
    fn from(t: TagArg) -> Self {
        match t {
            TagArg::Corporate => IpTag::Corporate,
            TagArg::Vpn => IpTag::Vpn,
            TagArg::Risky => IpTag::Risky,
            TagArg::CloudProvider => IpTag::CloudProvider,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum IpRangesCommand {
    /// The ranges, by tag.
    List,
    /// Adds (or re-tags) an address or CIDR network.
    Add {
        cidr: String,
        #[arg(long, value_enum)]
        tag: TagArg,
        #[arg(long, default_value = "")]
        name: String,
    },
    Remove {
        cidr: String,
    },
}

fn print_policy(p: &Policy) {
    println!(
        "{}  {:<8} {:<10} {:<8} {:>3} open / {:>3} alerts  {}",
        p.id,
        if p.enabled { "enabled" } else { "disabled" },
        p.kind,
        p.severity,
        p.open_alerts,
        p.alerts,
        p.name
    );
}

pub async fn policies(global: &Global, command: PoliciesCommand) -> anyhow::Result<()> {
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let result = run_policies(global, &engine, command).await;
    engine.close().await;
    result
}

async fn run_policies(
    global: &Global,
    engine: &Engine,
    command: PoliciesCommand,
) -> anyhow::Result<()> {
    let one = |p: Policy| -> anyhow::Result<()> {
        if global.json {
            return output::json(&p);
        }
        print_policy(&p);
        Ok(())
    };
    match command {
        PoliciesCommand::Templates => {
            let t = engine.policy_templates();
            if global.json {
                return output::json(&t);
            }
            for t in t {
                println!("{:<34} {:<10} {:<7} {}", t.id, t.kind, t.severity, t.name);
                println!("{:<34} {}", "", t.description);
            }
            Ok(())
        }
        PoliciesCommand::List => {
            let list = engine.policies().await?;
            if global.json {
                return output::json(&list);
            }
            if list.is_empty() {
                println!("no policies: create one with cloudwarden policies create --template ID");
            }
            list.iter().for_each(print_policy);
            Ok(())
        }
        PoliciesCommand::Show { id } => {
            let p = engine.policy(&id).await?;
            if global.json {
                return output::json(&p);
            }
            print_policy(&p);
            println!("{}", p.description);
            println!("{}", serde_json::to_string_pretty(&p.definition)?);
            Ok(())
        }
        PoliciesCommand::Create {
            template: Some(t),
            name,
            ..
        } => one(engine.create_policy_from_template(&t, name).await?),
        PoliciesCommand::Create {
            file: Some(f),
            name,
            ..
        } => {
            let text =
                std::fs::read_to_string(&f).map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
            let mut input: PolicyInput = serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{} is not a policy: {e}", f.display()))?;
            if let Some(n) = name {
                input.name = n;
            }
            one(engine.create_policy(input).await?)
        }
        PoliciesCommand::Create { .. } => Err(anyhow::anyhow!("give --template ID or --file F")),
        PoliciesCommand::Test { id, days } => {
            let t = engine.test_policy(&id, days).await?;
            if global.json {
                return output::json(&t);
            }
            println!(
                "{} alert(s) on {} record(s) in the last {} days ({} activities read)",
                t.matches, t.records, t.days, t.activities
            );
            for m in &t.sample {
                println!("  {}", m.title);
                for e in m.evidence.iter().take(5) {
                    println!("    {}  {}", iso_time(e.occurred_at_ms), e.summary);
                }
            }
            Ok(())
        }
        PoliciesCommand::Enable { id } => one(engine.set_policy_enabled(&id, true).await?),
        PoliciesCommand::Disable { id } => one(engine.set_policy_enabled(&id, false).await?),
        PoliciesCommand::ImportSigma { path } => {
            let r = engine.import_sigma(&path).await?;
            if global.json {
                return output::json(&r);
            }
            println!(
                "{} imported, {} not applicable, {} invalid",
                r.imported,
                r.not_applicable.len(),
                r.invalid.len()
            );
            for n in &r.not_applicable {
                println!("  not applicable: {} — {}", n.title, n.reason);
            }
            for i in &r.invalid {
                println!("  invalid: {} — {}", i.file, i.error);
            }
            Ok(())
        }
        PoliciesCommand::Delete { id } => {
            engine.delete_policy(&id).await?;
            if global.json {
                return output::json(&serde_json::json!({ "deleted": id }));
            }
            println!("deleted {id}");
            Ok(())
        }
    }
}

pub async fn evaluate(global: &Global, since: Option<String>) -> anyhow::Result<()> {
    let since_ms = since
        .map(|s| {
            cloudwarden_connectors::dates::parse_rfc3339_ms(&s).ok_or_else(|| {
                anyhow::anyhow!("--since \"{s}\" is not an RFC 3339 time (2026-12-01T00:00:00Z)")
            })
        })
        .transpose()?;
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let summary = engine.evaluate(since_ms).await;
    engine.close().await;
    let s = summary?;
    if global.json {
        return output::json(&s);
    }
    println!(
        "{} policies over {} activities: {} matches, {} alerts raised, {} updated ({} ms)",
        s.policies, s.activities, s.matches, s.alerts_raised, s.alerts_updated, s.elapsed_ms
    );
    Ok(())
}

fn print_detail(d: &AlertDetail) {
    let a = &d.alert;
    println!("{}  [{}] {}  ({})", a.id, a.severity, a.title, a.status);
    if let Some(r) = a.resolution {
        println!("resolution: {r}");
    }
    if let Some(who) = &a.assignee {
        println!("assigned to: {who}");
    }
    println!("policy: {} ({})", a.policy_name, a.policy_id);
    if let Some(author) = d.policy.as_ref().and_then(|p| match &p.definition {
        cloudwarden_engine::domain::policies::PolicyDefinition::Sigma(s) => Some(&s.author),
        _ => None,
    }) {
        println!("rule author: {author}");
    }
    println!("{}", a.description);
    println!(
        "{} record(s), first {}, last {}",
        a.count,
        iso_time(a.first_seen_ms),
        iso_time(a.last_seen_ms)
    );
    for e in &a.entities {
        println!("  {:<9} {}", e.kind, e.label);
    }
    println!("evidence:");
    for e in &d.evidence {
        println!("  {}  {}", iso_time(e.occurred_at_ms), e.summary);
    }
    if !d.comments.is_empty() {
        println!("history:");
        for c in &d.comments {
            println!(
                "  {}  {} {}: {}",
                iso_time(c.at_ms),
                c.author,
                c.kind,
                c.text
            );
        }
    }
}

pub async fn alerts(global: &Global, command: AlertsCommand) -> anyhow::Result<()> {
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let result = run_alerts(global, &engine, command).await;
    engine.close().await;
    result
}

async fn run_alerts(
    global: &Global,
    engine: &Engine,
    command: AlertsCommand,
) -> anyhow::Result<()> {
    let detail = match command {
        AlertsCommand::List {
            status,
            severity,
            policy,
            entity,
            cursor,
            limit,
        } => {
            let filter = AlertFilter {
                status: status.map(Into::into),
                severity: severity.map(Into::into),
                policy_id: policy,
                entity,
            };
            let page = engine
                .alerts(&filter, cursor.as_deref(), Some(limit))
                .await?;
            if global.json {
                return output::json(&page);
            }
            if page.items.is_empty() {
                println!("no alerts");
            }
            for a in &page.items {
                println!(
                    "{}  {:<6} {:<11} {:>4}×  {}  {}",
                    a.id,
                    a.severity,
                    a.status,
                    a.count,
                    iso_time(a.last_seen_ms),
                    a.title
                );
            }
            if let Some(c) = page.next_cursor {
                println!("more: --cursor {c}");
            }
            return Ok(());
        }
        AlertsCommand::Show { id } => engine.alert(&id).await?,
        AlertsCommand::Start { id, note } => {
            engine
                .set_alert_status(&id, AlertStatus::InProgress, None, note)
                .await?
        }
        AlertsCommand::Resolve {
            id,
            resolution,
            note,
        } => {
            engine
                .set_alert_status(&id, AlertStatus::Resolved, Some(resolution.into()), note)
                .await?
        }
        AlertsCommand::Dismiss { id, note } => {
            engine
                .set_alert_status(&id, AlertStatus::Dismissed, None, note)
                .await?
        }
        AlertsCommand::Reopen { id, note } => {
            engine
                .set_alert_status(&id, AlertStatus::Open, None, note)
                .await?
        }
        AlertsCommand::Comment { id, text } => engine.comment_alert(&id, &text).await?,
        AlertsCommand::Assign { id, assignee } => engine.assign_alert(&id, Some(assignee)).await?,
        AlertsCommand::Actions { id } => {
            let options = engine.alert_actions(&id).await?;
            if global.json {
                return output::json(&options);
            }
            if options.is_empty() {
                println!("no governance action applies to this alert's entities");
            }
            for o in options {
                println!("{:<28} {:<40} {}", o.action, o.entity.id, o.label);
            }
            return Ok(());
        }
        AlertsCommand::Act {
            id,
            action,
            entity,
            dry_run,
            yes,
        } => {
            let kind = cloudwarden_engine::domain::policies::ActionKind::parse(&action)
                .ok_or_else(|| {
                    anyhow::anyhow!("\"{action}\" is not an action (see alerts actions)")
                })?;
            let plan = engine.run_alert_action(&id, kind, &entity, true).await?;
            let report = if dry_run {
                plan
            } else {
                if !yes {
                    for s in &plan.steps {
                        println!("  {}  {}", s.what, s.request.as_deref().unwrap_or(""));
                    }
                    if !crate::investigate::confirm("Send these requests now?")? {
                        anyhow::bail!("nothing was sent");
                    }
                }
                engine.run_alert_action(&id, kind, &entity, false).await?
            };
            if global.json {
                return output::json(&report);
            }
            for s in &report.steps {
                println!(
                    "{:<10} {}  {}{}",
                    s.outcome.as_str(),
                    s.what,
                    s.request.as_deref().unwrap_or(""),
                    s.detail
                        .as_deref()
                        .map(|d| format!(" — {d}"))
                        .unwrap_or_default()
                );
            }
            return Ok(());
        }
    };
    if global.json {
        return output::json(&detail);
    }
    print_detail(&detail);
    Ok(())
}

pub async fn ip_ranges(global: &Global, command: IpRangesCommand) -> anyhow::Result<()> {
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let result = async {
        match command {
            IpRangesCommand::List => {
                let list = engine.ip_ranges().await?;
                if global.json {
                    return output::json(&list);
                }
                if list.is_empty() {
                    println!(
                        "no IP ranges: add one with cloudwarden ip-ranges add CIDR --tag corporate"
                    );
                }
                for r in list {
                    println!("{:<40} {:<14} {}", r.cidr, r.tag, r.name);
                }
                Ok(())
            }
            IpRangesCommand::Add { cidr, tag, name } => {
                let r = engine.add_ip_range(&cidr, tag.into(), &name).await?;
                if global.json {
                    return output::json(&r);
                }
                println!("{} tagged {}", r.cidr, r.tag);
                Ok(())
            }
            IpRangesCommand::Remove { cidr } => {
                engine.remove_ip_range(&cidr).await?;
                if global.json {
                    return output::json(&serde_json::json!({ "removed": cidr }));
                }
                println!("removed {cidr}");
                Ok(())
            }
        }
    }
    .await;
    engine.close().await;
    result
}

#[derive(Debug, Subcommand)]
pub enum ForwardingCommand {
    /// Forwarding targets.
    List,
    /// Adds a target: CEF over syslog (`--syslog HOST:PORT`) or a JSON webhook (`--webhook`).
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, conflicts_with = "webhook", required_unless_present = "webhook")]
        syslog: Option<String>,
        #[arg(long, value_enum, default_value = "udp")]
        transport: TransportArg,
        /// TLS: a PEM file of the CA certificates to trust instead of the system's.
        #[arg(long)]
        ca: Option<std::path::PathBuf>,
        #[arg(long)]
        webhook: Option<String>,
        /// Webhook: the environment variable holding the signing secret.
        #[arg(long)]
        secret_env: Option<String>,
        #[arg(long, value_enum, default_value = "low")]
        min_severity: SeverityArg,
    },
    Remove {
        id: String,
    },
    /// Sends a test alert to a target now.
    Test {
        id: String,
    },
    /// The delivery log, newest first.
    Log {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Tries deliveries given up on again (of one target, or all).
    Retry {
        id: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum TransportArg {
    Udp,
    Tcp,
    Tls,
}

pub async fn forwarding(global: &Global, command: ForwardingCommand) -> anyhow::Result<()> {
    use cloudwarden_engine::domain::policies::{
        ForwardConfig, ForwardTargetInput, SyslogTransport,
    };
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let result = async {
        match command {
            ForwardingCommand::List => {
                let list = engine.forward_targets().await?;
                if global.json {
                    return output::json(&list);
                }
                if list.is_empty() {
                    println!("no forwarding targets: add one with cloudwarden forwarding add");
                }
                for t in list {
                    let to = match &t.config {
                        ForwardConfig::Syslog {
                            host,
                            port,
                            transport,
                            ..
                        } => {
                            format!("syslog {transport}://{host}:{port}")
                        }
                        ForwardConfig::Webhook { url } => format!("webhook {url}"),
                    };
                    println!(
                        "{}  {:<8} ≥{:<7} {}  {}",
                        t.id,
                        if t.enabled { "enabled" } else { "disabled" },
                        t.min_severity,
                        t.name,
                        to
                    );
                }
                Ok(())
            }
            ForwardingCommand::Add {
                name,
                syslog,
                transport,
                ca,
                webhook,
                secret_env,
                min_severity,
            } => {
                let config = match (syslog, webhook) {
                    (Some(s), _) => {
                        let (host, port) = s.rsplit_once(':').ok_or_else(|| {
                            anyhow::anyhow!("--syslog wants HOST:PORT (e.g. siem.example.com:514)")
                        })?;
                        let port: u16 = port
                            .parse()
                            .map_err(|_| anyhow::anyhow!("\"{port}\" is not a port"))?;
                        let ca_pem = ca
                            .map(|f| {
                                std::fs::read_to_string(&f)
                                    .map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))
                            })
                            .transpose()?;
                        ForwardConfig::Syslog {
                            host: host.trim_matches(['[', ']']).to_owned(),
                            port,
                            transport: match transport {
                                TransportArg::Udp => SyslogTransport::Udp,
                                TransportArg::Tcp => SyslogTransport::Tcp,
                                TransportArg::Tls => SyslogTransport::Tls,
                            },
                            ca_pem,
                        }
                    }
                    (None, Some(url)) => ForwardConfig::Webhook { url },
                    (None, None) => anyhow::bail!("give --syslog HOST:PORT or --webhook URL"),
                };
                let secret = secret_env
                    .map(|v| {
                        std::env::var(&v)
                            .map_err(|_| anyhow::anyhow!("the environment variable {v} is not set"))
                    })
                    .transpose()?;
                let t = engine
                    .save_forward_target(
                        None,
                        ForwardTargetInput {
                            name,
                            enabled: true,
                            min_severity: min_severity.into(),
                            config,
                            secret,
                        },
                    )
                    .await?;
                if global.json {
                    return output::json(&t);
                }
                println!("{}  {}", t.id, t.name);
                Ok(())
            }
            ForwardingCommand::Remove { id } => {
                engine.delete_forward_target(&id).await?;
                if global.json {
                    return output::json(&serde_json::json!({ "removed": id }));
                }
                println!("removed {id}");
                Ok(())
            }
            ForwardingCommand::Test { id } => {
                let d = engine.test_forward_target(&id).await?;
                if global.json {
                    return output::json(&d);
                }
                println!(
                    "{}{}",
                    d.state,
                    d.last_error.map(|e| format!(": {e}")).unwrap_or_default()
                );
                Ok(())
            }
            ForwardingCommand::Log { limit } => {
                let log = engine.deliveries(limit).await?;
                if global.json {
                    return output::json(&log);
                }
                for d in log {
                    println!(
                        "{}  {:<9} {:<7} {:<20} {} ({} attempts){}",
                        iso_time(d.created_at_ms),
                        d.state,
                        d.event,
                        d.target_name,
                        d.alert_id,
                        d.attempts,
                        d.last_error.map(|e| format!(" — {e}")).unwrap_or_default()
                    );
                }
                Ok(())
            }
            ForwardingCommand::Retry { id } => {
                let n = engine.retry_deliveries(id.as_deref()).await?;
                if global.json {
                    return output::json(&serde_json::json!({ "retried": n }));
                }
                println!("{n} deliveries will be tried again");
                Ok(())
            }
        }
    }
    .await;
    engine.close().await;
    result
}
