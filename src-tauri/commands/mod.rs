//! Thin commands over `engine::api`: convert arguments, call one function, convert the result.

pub mod about;
pub mod catalog;
pub mod connectors;
pub mod discovery;
pub mod investigate;
pub mod jobs;
pub mod policies;
pub mod settings;
pub mod status;
