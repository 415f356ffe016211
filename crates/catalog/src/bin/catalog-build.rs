//! `make catalog`: rebuilds `crates/catalog/data/` from the pinned open data sets.
//!
//!     catalog-build [SOURCES_DIR] [OUT_DIR]
//!
//! Defaults: `../shared/catalog-sources` beside the repository, and `crates/catalog/data`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut args = std::env::args_os().skip(1);
    let sources = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(cloudwarden_catalog::default_sources_dir);
    let out = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("data"));
    let output = match cloudwarden_catalog::build::build(&sources) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let files = [
        ("catalog.json", &output.catalog_json),
        ("overlay-probo.json", &output.overlay_json),
        ("NOTICE", &output.notice),
        ("public_suffix_list.dat", &output.psl),
    ];
    for (name, content) in files {
        if let Err(e) = std::fs::write(out.join(name), content) {
            eprintln!("error: {}: {e}", out.join(name).display());
            return ExitCode::FAILURE;
        }
    }
    println!(
        "catalog: {} apps, {} bytes → {}",
        output.apps,
        output.catalog_json.len(),
        out.display()
    );
    let h = &output.honesty;
    println!(
        "evidence: {} rules on shared infrastructure dropped, {} routing-list rules kept as \
         related (unverified), {} moved to the app whose brand they carry, {} apps with no \
         attributable domain left out",
        h.shared_rules_dropped, h.unverified_rules, h.rules_moved, h.apps_dropped
    );
    ExitCode::SUCCESS
}
