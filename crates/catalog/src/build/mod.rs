//! The offline, deterministic catalog builder: pinned open data in → `data/catalog.json`,
//! `data/NOTICE` and a copy of the Public Suffix List out. Same input, same bytes.
//!
//! Rules (see `reference/catalog-recipe.md`): every value carries its source; a factor with no
//! evidence stays unknown; only permissive sources go into the default artifact.

mod category_map;
mod evidence;
pub mod probo;
mod seeds;
pub mod sources;
mod v2fly;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use publicsuffix::{List, Psl};

use crate::model::{
    App, CategoryRef, DomainRole, DomainRule, FactorValue, Link, MatchKind, Source, Sourced,
};

/// Everything the builder writes.
#[derive(Debug)]
pub struct Output {
    pub catalog_json: String,
    /// The share-alike overlay (Probo, CC BY-SA 4.0), applied only when the analyst opts in.
    pub overlay_json: String,
    pub notice: String,
    pub psl: String,
    pub apps: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Parse { path: PathBuf, message: String },
}

pub type Result<T> = std::result::Result<T, BuildError>;

/// Registrable domains that host many distinct apps: apps under them are keyed by host.
const UMBRELLA: &[&str] = &[
    "google.com",
    "microsoft.com",
    "live.com",
    "office.com",
    "amazon.com",
    "apple.com",
    "yahoo.com",
    "adobe.com",
    "atlassian.com",
    "atlassian.net",
    "salesforce.com",
    "zoho.com",
    "zoho.eu",
    "ibm.com",
    "oracle.com",
    "sap.com",
    "cisco.com",
    "autodesk.com",
    "intuit.com",
    "windows.net",
    "azure.com",
    "cloud.microsoft",
    "googleapis.com",
    "amazonaws.com",
];

/// Shared infrastructure: a v2fly rule on these is an app's dependency, not the app.
const SHARED_PROVIDERS: &[&str] = &[
    "amazonaws.com",
    "cloudfront.net",
    "azureedge.net",
    "azurefd.net",
    "cloudflare.net",
    "cloudflare.com",
    "akamaized.net",
    "akamaihd.net",
    "akamai.net",
    "edgekey.net",
    "edgesuite.net",
    "fastly.net",
    "fastly.com",
    "googleapis.com",
    "gstatic.com",
    "googleusercontent.com",
    "arkoselabs.com",
    "sentry.io",
    "datadoghq.com",
    "imgix.net",
    "jsdelivr.net",
    "unpkg.com",
    "cdnjs.com",
    "b-cdn.net",
    "herokuapp.com",
    "github.io",
    "azurewebsites.net",
    "windows.net",
    "hcaptcha.com",
    "recaptcha.net",
    "doubleclick.net",
    "googletagmanager.com",
    "google-analytics.com",
    "segment.io",
    "segment.com",
    "stripe.com",
    "intercom.io",
    "intercomcdn.com",
    "zendesk.com",
    "hubspot.com",
    "optimizely.com",
];

/// An app while it is being assembled.
#[derive(Debug, Default)]
struct Draft {
    id: String,
    name: String,
    aliases: BTreeSet<String>,
    vendor: Option<Sourced<String>>,
    /// (pattern, kind) → (role, sources)
    domains: BTreeMap<(String, MatchKind), (DomainRole, BTreeSet<String>)>,
    categories: Vec<CategoryRef>,
    factors: BTreeMap<String, FactorValue>,
    links: Vec<Link>,
}

/// The catalog under construction.
pub(crate) struct Builder {
    root: PathBuf,
    psl: List,
    drafts: Vec<Draft>,
    /// Key (registrable domain, or host under an umbrella domain) → draft index.
    keys: HashMap<String, usize>,
    /// (pattern, kind) → draft that owns it; the first claim wins.
    claims: HashMap<(String, MatchKind), usize>,
    ids: HashMap<String, usize>,
    /// Lower-case name or alias → draft index.
    names: HashMap<String, usize>,
}

/// Builds the catalog from the source folder (`shared/catalog-sources`).
pub fn build(sources_dir: &Path) -> Result<Output> {
    let psl_path = sources_dir.join("public-suffix-list/public_suffix_list.dat");
    let psl_text = read(&psl_path)?;
    let psl: List = psl_text.parse().map_err(|e| BuildError::Parse {
        path: psl_path.clone(),
        message: format!("{e}"),
    })?;
    let mut b = Builder {
        root: sources_dir.to_path_buf(),
        psl,
        drafts: Vec::new(),
        keys: HashMap::new(),
        claims: HashMap::new(),
        ids: HashMap::new(),
        names: HashMap::new(),
    };
    // Seeds, in precedence order for names and display categories.
    seeds::curated(&mut b)?;
    seeds::twofa(&mut b)?;
    seeds::fedramp(&mut b)?;
    seeds::wappalyzer(&mut b)?;
    seeds::sso_tax(&mut b)?;
    seeds::passkeys(&mut b)?;
    seeds::trustlists(&mut b)?;
    seeds::generative_ai(&mut b)?;
    evidence::apple_shared_credentials(&mut b)?;
    v2fly::apply(&mut b)?;
    // Evidence that only enriches existing apps.
    evidence::hsts(&mut b)?;
    evidence::hibp(&mut b)?;
    evidence::diodb(&mut b)?;
    evidence::bug_bounty(&mut b)?;
    evidence::apple_password_rules(&mut b)?;

    let overlay = probo::overlay(&b)?;
    let apps = b.finish();
    let sources = sources::all();
    Ok(Output {
        catalog_json: render(&sources, &apps),
        overlay_json: render_overlay(&overlay),
        notice: notice(&sources),
        psl: psl_text,
        apps: apps.len(),
    })
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| BuildError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn read_json(path: &Path) -> Result<serde_json::Value> {
    serde_json::from_str(&read(path)?).map_err(|e| BuildError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

impl Builder {
    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Lower-case host from a domain or URL, without `www.`, port, path or trailing dot.
    fn host(&self, raw: &str) -> Option<String> {
        let s = raw.trim();
        let s = s.split_once("://").map(|(_, r)| r).unwrap_or(s);
        let s = s.split(['/', '?', '#']).next()?;
        let s = s.rsplit_once('@').map(|(_, h)| h).unwrap_or(s);
        let s = s.split(':').next()?;
        let s = s.trim_end_matches('.').to_ascii_lowercase();
        let s = s.strip_prefix("www.").map(str::to_owned).unwrap_or(s);
        let valid = !s.is_empty()
            && s.contains('.')
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            && s.parse::<std::net::IpAddr>().is_err();
        valid.then_some(s)
    }

    /// Registrable domain of a host.
    fn registrable(&self, host: &str) -> Option<String> {
        let d = self.psl.domain(host.as_bytes())?;
        std::str::from_utf8(d.as_bytes()).ok().map(str::to_owned)
    }

    /// The key that identifies an app by this host: its registrable domain, or the host
    /// itself under an umbrella domain.
    fn key(&self, host: &str) -> Option<String> {
        let reg = self.registrable(host)?;
        if UMBRELLA.contains(&reg.as_str()) {
            Some(host.to_owned())
        } else {
            Some(reg)
        }
    }

    /// The app with this host's key, if any.
    fn find(&self, host: &str) -> Option<usize> {
        let key = self.key(host)?;
        self.keys.get(&key).copied()
    }

    /// Finds the app for `host` or creates it with `name`; registers `host` as its primary.
    fn seed(&mut self, name: &str, host: &str, source: &str) -> Option<usize> {
        let key = self.key(host)?;
        // Same app: same key, or same name on the same registrable domain (a login host under
        // an umbrella domain, e.g. id.atlassian.com for "Atlassian Cloud").
        let same_name = || {
            let &i = self.names.get(&name.trim().to_lowercase())?;
            let reg = self.registrable(host)?;
            self.drafts[i]
                .domains
                .keys()
                .any(|(p, _)| self.registrable(p).as_deref() == Some(reg.as_str()))
                .then_some(i)
        };
        if let Some(i) = self.keys.get(&key).copied().or_else(same_name) {
            self.add_name(i, name);
            self.keys.entry(key.clone()).or_insert(i);
            self.add_domain(i, &key, MatchKind::Suffix, DomainRole::Primary, source);
            return Some(i);
        }
        let i = self.drafts.len();
        let id = self.unique_id(name, &key);
        self.ids.insert(id.clone(), i);
        self.drafts.push(Draft {
            id,
            name: name.trim().to_owned(),
            ..Draft::default()
        });
        self.names.entry(name.trim().to_lowercase()).or_insert(i);
        self.keys.insert(key.clone(), i);
        self.add_domain(i, &key, MatchKind::Suffix, DomainRole::Primary, source);
        Some(i)
    }

    /// Records another name of app `i` (as an alias unless it is the name).
    fn add_name(&mut self, i: usize, name: &str) {
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        self.names.entry(name.to_lowercase()).or_insert(i);
        let d = &mut self.drafts[i];
        if !d.name.eq_ignore_ascii_case(name) {
            d.aliases.insert(name.to_owned());
        }
    }

    fn unique_id(&self, name: &str, key: &str) -> String {
        let base = slug(name);
        let base = if base.is_empty() { slug(key) } else { base };
        if !self.ids.contains_key(&base) {
            return base;
        }
        let with_domain = format!("{base}-{}", slug(key));
        if !self.ids.contains_key(&with_domain) {
            return with_domain;
        }
        (2..)
            .map(|n| format!("{with_domain}-{n}"))
            .find(|c| !self.ids.contains_key(c))
            .unwrap_or(with_domain)
    }

    /// Adds a domain rule unless another app already owns the pattern.
    fn add_domain(
        &mut self,
        i: usize,
        pattern: &str,
        kind: MatchKind,
        role: DomainRole,
        source: &str,
    ) {
        let k = (pattern.to_owned(), kind);
        match self.claims.get(&k) {
            Some(&owner) if owner != i => return,
            Some(_) => {}
            None => {
                self.claims.insert(k.clone(), i);
            }
        }
        let entry = self.drafts[i]
            .domains
            .entry(k)
            .or_insert_with(|| (role, BTreeSet::new()));
        // The strongest role wins (Primary < Additional < Service < Tenant in declaration
        // order; a tenant rule must stay a tenant rule).
        if role == DomainRole::Tenant || (entry.0 != DomainRole::Tenant && role < entry.0) {
            entry.0 = role;
        }
        entry.1.insert(source.to_owned());
    }

    /// Links another key (an additional domain) to app `i`.
    fn alias_key(&mut self, i: usize, host: &str, source: &str, role: DomainRole) {
        let Some(key) = self.key(host) else { return };
        match self.keys.get(&key) {
            Some(&j) if j != i => return,
            Some(_) => {}
            None => {
                self.keys.insert(key.clone(), i);
            }
        }
        self.add_domain(i, &key, MatchKind::Suffix, role, source);
    }

    fn add_category(&mut self, i: usize, id: &str, source: &str, source_value: &str) {
        let d = &mut self.drafts[i];
        if d.categories.iter().any(|c| c.id == id) {
            return;
        }
        d.categories.push(CategoryRef {
            id: id.to_owned(),
            source: source.to_owned(),
            source_value: source_value.to_owned(),
        });
    }

    /// Sets a factor unless a value from an earlier (more trusted) source is already there.
    fn set_factor(&mut self, i: usize, id: &str, value: FactorValue) {
        self.drafts[i].factors.entry(id.to_owned()).or_insert(value);
    }

    fn add_link(&mut self, i: usize, kind: &str, url: &str, source: &str) {
        let d = &mut self.drafts[i];
        if !d.links.iter().any(|l| l.kind == kind) {
            d.links.push(Link {
                kind: kind.to_owned(),
                url: url.to_owned(),
                source: source.to_owned(),
            });
        }
    }

    fn set_vendor(&mut self, i: usize, vendor: &str, source: &str) {
        let d = &mut self.drafts[i];
        if d.vendor.is_none() && !vendor.trim().is_empty() {
            d.vendor = Some(Sourced {
                value: vendor.trim().to_owned(),
                source: source.to_owned(),
            });
        }
    }

    /// App index by case-insensitive name or alias.
    fn by_name(&self) -> HashMap<String, usize> {
        let mut m = HashMap::new();
        for (i, d) in self.drafts.iter().enumerate() {
            m.entry(d.name.to_lowercase()).or_insert(i);
            for a in &d.aliases {
                m.entry(a.to_lowercase()).or_insert(i);
            }
        }
        m
    }

    fn finish(self) -> Vec<App> {
        let mut apps: Vec<App> = self
            .drafts
            .into_iter()
            .map(|d| App {
                id: d.id,
                name: d.name,
                aliases: d.aliases.into_iter().collect(),
                vendor: d.vendor,
                domains: d
                    .domains
                    .into_iter()
                    .map(|((pattern, kind), (role, sources))| DomainRule {
                        pattern,
                        kind,
                        role,
                        sources: sources.into_iter().collect(),
                    })
                    .collect(),
                categories: d.categories,
                factors: d.factors,
                links: d.links,
            })
            .filter(|a| !a.domains.is_empty())
            .collect();
        for app in &mut apps {
            app.domains
                .sort_by(|a, b| (a.role, &a.pattern, a.kind).cmp(&(b.role, &b.pattern, b.kind)));
        }
        apps.sort_by(|a, b| a.id.cmp(&b.id));
        apps
    }
}

/// `Slack Technologies` → `slack-technologies`.
pub fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// One JSON document, one app per line, so a refresh shows up as a readable diff.
fn render(sources: &[Source], apps: &[App]) -> String {
    let mut s = String::from("{\"format\":1,\n\"sources\":[\n");
    for (n, src) in sources.iter().enumerate() {
        s.push_str(&serde_json::to_string(src).unwrap_or_default());
        s.push_str(if n + 1 < sources.len() { ",\n" } else { "\n" });
    }
    s.push_str("],\n\"apps\":[\n");
    for (n, app) in apps.iter().enumerate() {
        s.push_str(&serde_json::to_string(app).unwrap_or_default());
        s.push_str(if n + 1 < apps.len() { ",\n" } else { "\n" });
    }
    s.push_str("]}\n");
    s
}

fn render_overlay(overlay: &probo::Overlay) -> String {
    let mut s = String::from("{\"source\":");
    s.push_str(&serde_json::to_string(&overlay.source).unwrap_or_default());
    s.push_str(",\n\"factors\":{\n");
    let n = overlay.factors.len();
    for (k, (id, f)) in overlay.factors.iter().enumerate() {
        s.push_str(&serde_json::to_string(id).unwrap_or_default());
        s.push(':');
        s.push_str(&serde_json::to_string(f).unwrap_or_default());
        s.push_str(if k + 1 < n { ",\n" } else { "\n" });
    }
    s.push_str("}}\n");
    s
}

fn notice(sources: &[Source]) -> String {
    let mut s = String::from(
        "Cloudwarden app catalog — third-party data notices\n\
         ==================================================\n\n\
         The catalog in this folder (catalog.json) is built by `make catalog` from the open\n\
         data sets below. Each value in it names its source. The share-alike Probo data is not\n\
         in catalog.json: it is the separate overlay-probo.json, licensed CC BY-SA 4.0, which\n\
         the app applies only when the analyst turns it on. Licences and attributions:\n\n",
    );
    let overlay = probo::source();
    for src in sources.iter().chain(std::iter::once(&overlay)) {
        s.push_str(&format!(
            "* {} — {}\n  {}\n  {} (as of {}{})\n\n",
            src.name,
            src.license,
            src.attribution,
            src.url,
            src.as_of,
            if src.commit.is_empty() {
                String::new()
            } else {
                format!(", {}", src.commit)
            }
        ));
    }
    s
}
