//! What a connector call can fail with, each case with what the analyst can do about it.

/// A connector failure. `Unauthorized` and `Forbidden` are the vendor's answers, not bugs:
/// the scan turns them into an instance status with the fix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The credential was refused (401): expired, revoked or wrong.
    #[error("the vendor refused the credential ({0}); reconnect the instance with a valid token")]
    Unauthorized(String),
    /// The credential works but lacks a permission for this resource (403/404 on a protected
    /// resource).
    #[error("missing permission: {0}")]
    Forbidden(String),
    /// The resource needs a plan or licence the tenant does not have.
    #[error("not available for this tenant: {0}")]
    Unavailable(String),
    /// Any other HTTP status after retries.
    #[error("{method} {url} answered {status}: {message}")]
    Status {
        method: String,
        url: String,
        status: u16,
        message: String,
    },
    /// A cursor the vendor no longer honours (410 Gone, e.g. an expired Graph delta token):
    /// `code` says what to do with what was kept (Graph: `resyncChangesApplyDifferences`,
    /// `resyncChangesUploadDifferences`), `location` where to start again.
    #[error("{url} is gone ({code}); it has to be read again from its start")]
    Gone {
        url: String,
        code: String,
        location: Option<String>,
    },
    /// The network failed after retries.
    #[error("cannot reach {url}: {message}")]
    Network { url: String, message: String },
    /// The answer is not what the vendor documents.
    #[error("unexpected answer from {url}: {message}")]
    Decode { url: String, message: String },
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("cancelled")]
    Cancelled,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
