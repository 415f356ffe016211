//! Test doubles for Cloudwarden's connectors, engine tests and benchmarks.
//!
//! Every fake listens on `127.0.0.1` only, follows the vendor's published API description
//! (paths, query parameters, headers, JSON field names, pagination) and can inject the
//! failures a connector must survive: rate limits, 5xx, slow responses, expired tokens and
//! features missing from the tenant's licence.
//!
//! - [`github`]: a GitHub REST API and OAuth server over a generated organisation of any size.
//! - [`graph`]: Microsoft Graph v1.0 and the Microsoft identity platform over a generated
//!   Entra ID / Microsoft 365 tenant of any size.
#![forbid(unsafe_code)]

mod common;
pub mod github;
pub mod graph;
