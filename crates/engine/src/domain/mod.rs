//! Nouns the engine hands to its front ends. All are plain data, serialisable and typed for
//! the generated TypeScript bindings.

use serde::{Deserialize, Serialize};
use specta::Type;

/// One entry of the audit log: what the analyst did that touches privacy (a pseudonym
/// revealed, anonymization turned on or off), when, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct AuditEntry {
    #[specta(type = u32)]
    pub at_ms: i64,
    /// `reveal_user`, `anonymization_on`, `anonymization_off`.
    pub action: String,
    /// The pseudonym revealed; empty for settings.
    pub subject: String,
    /// The reason the analyst gave, or what changed.
    pub detail: String,
}

/// What `cloudwarden status` and the Settings page show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct Status {
    pub version: String,
    pub data_dir: String,
    pub database: DatabaseInfo,
    pub keychain: KeychainStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct DatabaseInfo {
    /// `sqlite` today; `postgres` in team mode.
    pub kind: DatabaseKind,
    pub path: String,
    /// Version of the last migration applied.
    pub schema_version: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum DatabaseKind {
    Sqlite,
}

/// Whether secrets (OAuth tokens, API keys) can be stored, and why not when they can't.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct KeychainStatus {
    pub available: bool,
    pub detail: String,
}

/// Colour scheme of the desktop app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Follow the operating system.
    #[default]
    Auto,
    Light,
    Dark,
}

/// The analyst's preferences, stored in the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct Settings {
    pub theme: Theme,
}

/// What the About page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct About {
    pub name: String,
    pub version: String,
    pub license: String,
    pub repository: String,
    /// Third-party data sets shipped in this build, with the attribution their licence asks for.
    pub data_sources: Vec<Attribution>,
    /// Main third-party software components.
    pub components: Vec<Attribution>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct Attribution {
    pub name: String,
    pub license: String,
    pub url: String,
    /// What Cloudwarden uses it for.
    pub usage: String,
}

pub mod catalog;
pub mod connectors;
pub mod discovery;
pub mod investigate;
pub mod jobs;
pub mod policies;
