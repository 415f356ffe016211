//! Pieces shared by the fake vendor APIs: the deterministic generator, calendar arithmetic,
//! request counters, the fault schedule, small HTTP helpers and a JSON writer.

pub(crate) mod faults;
pub(crate) mod http;
pub(crate) mod json;
pub(crate) mod rng;
pub(crate) mod stats;
pub(crate) mod time;
