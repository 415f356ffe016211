//! The Cloud App Catalog: apps built from open data (every value with its source), the
//! host → app matcher and the 0–10 risk score. Pure: no I/O beyond the offline builder.
#![forbid(unsafe_code)]

pub mod build;
pub mod categories;
pub mod factors;
pub mod matcher;
pub mod model;
pub mod score;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

pub use matcher::{Hit, MatchedBy, Matcher};
pub use model::{App, SharedInfra, Source};

/// The built catalog shipped with this build (`make catalog` regenerates it).
const BUILTIN_JSON: &str = include_str!("../data/catalog.json");
/// Share-alike overlay (Probo, CC BY-SA 4.0): applied only when the analyst opts in.
pub const OVERLAY_PROBO_JSON: &str = include_str!("../data/overlay-probo.json");
/// The Public Suffix List the catalog was built with (MPL-2.0, shipped unmodified).
pub const PUBLIC_SUFFIX_LIST: &str = include_str!("../data/public_suffix_list.dat");
/// The attributions the catalog's data licences require.
pub const NOTICE: &str = include_str!("../data/NOTICE");

/// `../shared/catalog-sources` beside the repository (or `CLOUDWARDEN_CATALOG_SOURCES`).
pub fn default_sources_dir() -> PathBuf {
    std::env::var_os("CLOUDWARDEN_CATALOG_SOURCES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/catalog-sources")
        })
}

#[derive(Debug, Serialize, Deserialize)]
struct Document {
    format: u32,
    sources: Vec<Source>,
    #[serde(default)]
    shared: Vec<SharedInfra>,
    apps: Vec<App>,
}

/// A loaded catalog.
#[derive(Debug)]
pub struct Catalog {
    pub sources: Vec<Source>,
    /// Shared infrastructure: suffixes never attributed to one app nor blocked.
    pub shared: Vec<SharedInfra>,
    pub apps: Vec<App>,
    by_id: HashMap<String, usize>,
}

/// Counts for `cloudwarden catalog stats`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub apps: usize,
    pub domains: usize,
    pub with_category: usize,
    pub categories: BTreeMap<String, usize>,
    pub factors: BTreeMap<String, usize>,
}

impl Catalog {
    /// The catalog compiled into this build, parsed once.
    pub fn builtin() -> Result<&'static Catalog, String> {
        static BUILTIN: OnceLock<Result<Catalog, String>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| Catalog::from_json(BUILTIN_JSON))
            .as_ref()
            .map_err(Clone::clone)
    }

    pub fn from_json(text: &str) -> Result<Catalog, String> {
        let doc: Document = serde_json::from_str(text).map_err(|e| format!("catalog: {e}"))?;
        let mut c = Catalog::new(doc.sources, doc.apps);
        c.shared = doc.shared;
        Ok(c)
    }

    pub fn new(sources: Vec<Source>, apps: Vec<App>) -> Catalog {
        let by_id = apps
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.clone(), i))
            .collect();
        Catalog {
            sources,
            shared: Vec::new(),
            apps,
            by_id,
        }
    }

    pub fn get(&self, id: &str) -> Option<&App> {
        self.by_id.get(id).map(|&i| &self.apps[i])
    }

    pub fn stats(&self) -> Stats {
        let mut categories: BTreeMap<String, usize> = BTreeMap::new();
        let mut factors: BTreeMap<String, usize> = BTreeMap::new();
        let mut with_category = 0;
        for app in &self.apps {
            if let Some(c) = app.category() {
                with_category += 1;
                *categories
                    .entry(categories::name(c).to_owned())
                    .or_default() += 1;
            }
            for f in app.factors.keys() {
                *factors.entry(f.clone()).or_default() += 1;
            }
        }
        Stats {
            apps: self.apps.len(),
            domains: self
                .apps
                .iter()
                .map(|a| a.domains.iter().filter(|d| d.attributes()).count())
                .sum(),
            with_category,
            categories,
            factors,
        }
    }

    /// The share-alike overlay compiled into this build.
    pub fn probo_overlay() -> Result<build::probo::Overlay, String> {
        serde_json::from_str(OVERLAY_PROBO_JSON).map_err(|e| format!("overlay: {e}"))
    }

    /// A matcher over these apps (indices into `self.apps`).
    pub fn matcher(&self) -> Result<Matcher, String> {
        Matcher::new(&self.apps, PUBLIC_SUFFIX_LIST, &self.shared)
    }
}
