//! Pieces shared by the fake vendor APIs: the deterministic generator, calendar arithmetic,
//! request counters, the fault schedule and small HTTP helpers.

pub(crate) mod faults;
pub(crate) mod http;
pub(crate) mod rng;
pub(crate) mod stats;
pub(crate) mod time;
