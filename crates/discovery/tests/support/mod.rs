//! Helpers shared by the sample tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // not every test file uses every helper

use std::path::PathBuf;

use cloudwarden_discovery::detect::detect;
use cloudwarden_discovery::formats::{all, Format, Layout};
use cloudwarden_discovery::record::{Parsed, Record};

/// A file from `../shared/testdata/discovery`.
pub fn sample(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/discovery")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the shared test data sits beside the repository)",
            path.display()
        )
    })
}

/// Parses every line of a file as the format would in a run (headers update the layout).
pub fn parse_all<'a>(format: &dyn Format, data: &'a [u8]) -> Vec<Parsed<'a>> {
    let mut layout: Option<Layout> = None;
    data.split(|&c| c == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .map(|line| {
            if let Some(h) = format.header(line) {
                layout = Some(h);
            }
            format.parse(line, layout.as_ref())
        })
        .collect()
}

/// The records among parse results.
pub fn records<'a>(parsed: &'a [Parsed<'a>]) -> Vec<&'a Record<'a>> {
    parsed
        .iter()
        .filter_map(|p| {
            if let Parsed::Record(r) = p {
                Some(r)
            } else {
                None
            }
        })
        .collect()
}

/// The format detection picks for a whole sample file.
pub fn detected(data: &[u8]) -> &'static str {
    detect(data, &all())
        .expect("a format is detected")
        .format
        .id()
}
