//! Cloud Discovery: turns firewall and proxy logs into traffic records and aggregates them
//! per cloud app. Parsers are pure functions over bytes (`formats/<id>.rs`); `input` opens
//! plain and compressed files as streams; `pipeline` parses them in parallel with progress and
//! cancellation; `aggregate` keeps memory bounded by distinct keys, not by lines.
#![forbid(unsafe_code)]

pub mod aggregate;
pub mod detect;
pub mod fields;
pub mod formats;
pub mod input;
pub mod pipeline;
pub mod record;
pub mod time;

pub use formats::custom::{split_columns, CustomFormat, CustomParser, TimeLayout};
pub use formats::{by_id as format_by_id, Format};

/// Every built-in format (built once).
pub fn all_formats() -> &'static [&'static dyn Format] {
    static ALL: std::sync::OnceLock<Vec<&'static dyn Format>> = std::sync::OnceLock::new();
    ALL.get_or_init(formats::all)
}
pub use record::{Action, Parsed, Reason, Record};
