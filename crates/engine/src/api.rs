//! The one facade over the engine: the desktop app's commands and the CLI call these
//! functions and nothing else.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::domain::{About, Attribution, DatabaseInfo, DatabaseKind, Settings, Status, Theme};
use crate::secrets::SecretStore;
use crate::store::{Store, DATABASE_FILE};
use crate::{Error, Result};

/// Environment variable that overrides the default data directory.
pub const DATA_DIR_ENV: &str = "CLOUDWARDEN_DATA_DIR";

/// Version of this build.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

const THEME_KEY: &str = "ui.theme";

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
    store: Store,
    secrets: SecretStore,
}

impl Engine {
    /// Opens the data directory (see [`resolve_data_dir`]), creating it and the database if
    /// needed and applying pending migrations.
    pub async fn open(explicit_data_dir: Option<&Path>) -> Result<Engine> {
        let data_dir = resolve_data_dir(explicit_data_dir)?;
        std::fs::create_dir_all(&data_dir).map_err(|source| Error::DataDir {
            path: data_dir.clone(),
            source,
        })?;
        let data_dir = data_dir.canonicalize().map_err(|source| Error::DataDir {
            path: data_dir.clone(),
            source,
        })?;
        let store = Store::open(&data_dir.join(DATABASE_FILE)).await?;
        Ok(Engine {
            data_dir,
            store,
            secrets: SecretStore::default(),
        })
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

    pub async fn close(&self) {
        self.store.close().await;
    }
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
        data_sources: Vec::new(),
        components: vec![
            component(
                "Tauri",
                "Apache-2.0 OR MIT",
                "https://tauri.app",
                "desktop shell",
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

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
