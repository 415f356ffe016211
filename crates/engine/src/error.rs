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
    /// A credential or sign-in refused for a reason the analyst can fix: `message` in plain
    /// words, `field` the form field it concerns (`tenant`, `client_id`, `client_secret`,
    /// `registration`), `detail` the vendor's own text (e.g. `AADSTS7000215: …`).
    #[error("{message}")]
    Credential {
        field: String,
        message: String,
        detail: String,
    },
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Validation(_) | Error::Credential { .. } => ErrorCode::Validation,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Cancelled => ErrorCode::Cancelled,
            _ => ErrorCode::Internal,
        }
    }
}

impl Error {
    /// The form field a credential error concerns.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Credential { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The vendor's own words behind a credential error.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Error::Credential { detail, .. } => Some(detail),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
