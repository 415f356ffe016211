//! Cloudwarden engine: everything the desktop app and the CLI do goes through [`api`].
//!
//! The engine never depends on Tauri; it owns the data directory, the SQLite store,
//! the keychain and (in later issues) scans, discovery, policies and reports.
#![forbid(unsafe_code)]

pub mod anonymize;
pub mod api;
mod backend;
pub mod catalog;
pub mod discovery;
pub mod discovery_export;
pub mod domain;
pub mod error;
mod forward;
pub mod investigate_export;
pub mod permissions;
mod policy;
pub mod scan;
pub mod secrets;
mod store;

pub use error::{Error, ErrorCode, Result};
