//! The error every command returns: a closed code the UI branches on and a message for the
//! analyst. Messages come from `engine::Error`, which never carries secrets.

use cloudwarden_engine::{Error, ErrorCode};
use serde::Serialize;
use specta::Type;

#[derive(Debug, Serialize, Type)]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
}

impl From<Error> for CommandError {
    fn from(error: Error) -> Self {
        CommandError {
            code: error.code(),
            message: error.to_string(),
        }
    }
}

pub type CommandResult<T> = Result<T, CommandError>;
