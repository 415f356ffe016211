//! One error type for the engine, with a closed [`ErrorCode`] the UI branches on.

use std::path::PathBuf;

/// What a front end can act on. Add a code only when the UI does something different for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The thing asked for does not exist.
    NotFound,
    /// The input was rejected; the message says what to change.
    Validation,
    /// The analyst cancelled the operation.
    Cancelled,
    /// Anything else: a bug or an environment problem; the message says what happened.
    Internal,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot use data directory {}: {source}", path.display())]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no data directory: set CLOUDWARDEN_DATA_DIR or pass --data-dir")]
    NoDataDir,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("the database was written by a newer Cloudwarden (schema {found}, this build knows {known}); upgrade Cloudwarden")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("{0}")]
    Validation(String),
    #[error("{}: {source}", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0} not found")]
    NotFound(String),
    #[error("keychain: {0}")]
    Keychain(String),
    #[error("background task failed: {0}")]
    Task(String),
    #[error("cancelled")]
    Cancelled,
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Validation(_) => ErrorCode::Validation,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Cancelled => ErrorCode::Cancelled,
            _ => ErrorCode::Internal,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
