//! The error every command returns: a closed code the UI branches on and a message for the
//! analyst. Messages come from `engine::Error`, which never carries secrets.

use cloudwarden_engine::{Error, ErrorCode};
use serde::Serialize;
use specta::Type;

#[derive(Debug, Serialize, Type)]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
    /// The form field the error concerns (`tenant`, `client_id`, `client_secret`,
    /// `registration`), for errors shown beside it.
    pub field: Option<String>,
    /// The vendor's own words behind the message (an `AADSTS…` code and text).
    pub detail: Option<String>,
}

impl From<Error> for CommandError {
    fn from(error: Error) -> Self {
        CommandError {
            code: error.code(),
            field: error.field().map(str::to_owned),
            detail: error.detail().map(str::to_owned),
            message: error.to_string(),
        }
    }
}

pub type CommandResult<T> = Result<T, CommandError>;
