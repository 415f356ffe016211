//! App connectors: each vendor's API turned into normalized records.
//!
//! [`http`] is the one configured HTTP client every connector uses (auth injection, retries
//! with `Retry-After` and jittered backoff, per-host rate limits, cancellation, counters);
//! [`paging`] follows the vendors' pagination; [`model`] is the normalized schema and the
//! connector contract; one module per vendor implements it.
#![forbid(unsafe_code)]

pub mod dates;
pub mod error;
pub mod github;
pub mod http;
pub mod m365;
pub mod model;
pub mod normalize;
pub mod oauth;
pub mod paging;

pub use error::{Error, Result};
pub use model::{Capabilities, Connector, ConnectorInfo, Phase};

/// Every connector this build has.
pub fn all() -> Vec<ConnectorInfo> {
    vec![github::info(), m365::info()]
}
