//! Investigation: the activity log across connected instances, filtered, sorted and paged in
//! the engine (keyset pages with an opaque cursor).

use serde::{Deserialize, Serialize};
use specta::Type;

pub use cloudwarden_connectors::normalize::{
    Category as ActivityCategory, Outcome as ActivityOutcome,
};

/// What to show of the activity log. Every field narrows; `None` leaves it open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(default)]
pub struct ActivityFilter {
    pub instance_id: Option<String>,
    /// Connector app (`github`, `m365`).
    pub app: Option<String>,
    /// The actor as the vendor names it (user principal name, login).
    pub user: Option<String>,
    /// An IP address, or a network in CIDR notation (`10.1.0.0/16`, `2001:db8::/32`).
    pub ip: Option<String>,
    pub category: Option<ActivityCategory>,
    pub action: Option<String>,
    pub outcome: Option<ActivityOutcome>,
    /// From this time on (ms since the epoch).
    #[specta(type = Option<u32>)]
    pub since_ms: Option<i64>,
    /// Before this time (ms since the epoch).
    #[specta(type = Option<u32>)]
    pub until_ms: Option<i64>,
    /// Words that must all appear (as word prefixes) in the actor, action or object.
    pub text: Option<String>,
}

/// One event of the activity log, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ActivityRow {
    pub instance_id: String,
    pub instance_name: String,
    pub app: String,
    pub event_id: String,
    #[specta(type = u32)]
    pub occurred_at_ms: i64,
    pub actor: Option<String>,
    pub category: ActivityCategory,
    pub action: String,
    pub outcome: ActivityOutcome,
    /// What it acted on (a file, repository, user, app…), as the vendor names it.
    pub object: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A page of the activity log, newest first, and the cursor of the next one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ActivityPage {
    pub items: Vec<ActivityRow>,
    /// Pass back to read on; `None` when there is nothing more.
    pub next_cursor: Option<String>,
}

/// One event with the vendor's own record, for the detail drawer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ActivityDetail {
    pub row: ActivityRow,
    /// The vendor's event as it was read (JSON).
    pub raw: String,
}

/// What an export of the activity log is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// One header row, then one row per event (normalised fields).
    Csv,
    /// A JSON array: one object per event, the normalised fields and the vendor's record.
    Json,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "json" => Some(ExportFormat::Json),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }
}

/// A written export of the activity log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ActivityExport {
    pub path: String,
    #[specta(type = u32)]
    pub rows: u64,
    #[specta(type = u32)]
    pub bytes: u64,
}

/// A filter of the activity log the analyst saved under a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct SavedActivityQuery {
    #[specta(type = u32)]
    pub id: i64,
    pub name: String,
    pub filter: ActivityFilter,
    #[specta(type = u32)]
    pub updated_at_ms: i64,
}
