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
    App, CategoryRef, DomainRole, DomainRule, FactorValue, Link, MatchKind, SharedInfra, Source,
    Sourced, Trust,
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
    /// What the evidence rules cost: apps and domain rules left out or kept as related only.
    pub honesty: Honesty,
}

/// What the evidence rules of the build left out (reported by `make catalog`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Honesty {
    /// Rules at or under a shared-infrastructure suffix, dropped.
    pub shared_rules_dropped: usize,
    /// Rules only a routing list names, without the app's brand: kept as related only.
    pub unverified_rules: usize,
    /// Apps left with no rule that may attribute traffic, dropped.
    pub apps_dropped: usize,
    /// Routing-list rules moved to the app whose own domain carries the same name.
    pub rules_moved: usize,
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

/// Registrable domains whose v2fly suffix rules are skipped outright (an app's dependency, not
/// the app). Overlaps `curated/shared-infrastructure.json`, which is the cited list: folding this
/// one into it (with imgix.net and the vendors' own domains handled by the brand moves) is left
/// to do — dropping it alone costs precision (imgix customer hosts become attributed).
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
    /// Names of the routing lists the app's domains came from (brands too).
    lists: BTreeSet<String>,
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
    /// Curated shared infrastructure (`curated/shared-infrastructure.json`).
    shared: Vec<SharedInfra>,
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
        shared: curated_shared()?,
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
    let reviewed = Reviewed::load()?;
    let shared = b.shared.clone();
    let (apps, honesty) = b.finish(&reviewed);
    let sources = sources::all();
    Ok(Output {
        catalog_json: render(&sources, &shared, &apps),
        overlay_json: render_overlay(&overlay),
        notice: notice(&sources),
        psl: psl_text,
        apps: apps.len(),
        honesty,
    })
}

fn curated_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("curated")
        .join(name)
}

/// `curated/shared-infrastructure.json`, checked: every entry a DNS suffix with a reference.
fn curated_shared() -> Result<Vec<SharedInfra>> {
    let path = curated_path("shared-infrastructure.json");
    let doc = read_json(&path)?;
    let entries: Vec<SharedInfra> =
        serde_json::from_value(doc["entries"].clone()).map_err(|e| BuildError::Parse {
            path: path.clone(),
            message: e.to_string(),
        })?;
    for e in &entries {
        if crate::model::check_domain_pattern(&e.suffix).is_err()
            || !e.reference.starts_with("https://")
            || e.provider.trim().is_empty()
        {
            return Err(BuildError::Parse {
                path,
                message: format!(
                    "entry {} needs a DNS suffix, a provider and an https reference",
                    e.suffix
                ),
            });
        }
    }
    Ok(entries)
}

/// Reviewed display names and categories (`curated/names.json`, `curated/categories.json`),
/// applied by app id after the sources are merged, so ids never change.
#[derive(Debug, Default)]
pub(crate) struct Reviewed {
    names: BTreeMap<String, String>,
    categories: BTreeMap<String, String>,
}

impl Reviewed {
    fn load() -> Result<Reviewed> {
        let map = |file: &str, key: &str| -> Result<BTreeMap<String, String>> {
            let path = curated_path(file);
            let doc = read_json(&path)?;
            serde_json::from_value(doc[key].clone()).map_err(|e| BuildError::Parse {
                path,
                message: e.to_string(),
            })
        };
        let reviewed = Reviewed {
            names: map("names.json", "names")?,
            categories: map("categories.json", "categories")?,
        };
        if let Some((id, cat)) = reviewed
            .categories
            .iter()
            .find(|(_, c)| !crate::categories::is_known(c))
        {
            return Err(BuildError::Parse {
                path: curated_path("categories.json"),
                message: format!("{id}: {cat} is not a category of the taxonomy"),
            });
        }
        Ok(reviewed)
    }
}

/// Whether a source vouches that a domain is the app's: every source but the routing lists
/// and Apple's shared-credential groups (which group domains, not own them).
fn vouches(source: &str) -> bool {
    source != sources::V2FLY && source != sources::APPLE
}

/// Words too common to identify a brand inside another domain name.
const GENERIC_WORDS: &[&str] = &[
    "account",
    "accounts",
    "login",
    "signin",
    "auth",
    "portal",
    "secure",
    "admin",
    "console",
    "dashboard",
    "help",
    "support",
    "apps",
    "bank",
    "book",
    "books",
    "card",
    "chat",
    "china",
    "cloud",
    "code",
    "data",
    "docs",
    "drive",
    "free",
    "game",
    "games",
    "global",
    "group",
    "health",
    "home",
    "india",
    "japan",
    "jobs",
    "labs",
    "learn",
    "link",
    "live",
    "mail",
    "maps",
    "media",
    "meet",
    "mobile",
    "music",
    "news",
    "office",
    "online",
    "open",
    "photo",
    "photos",
    "play",
    "plus",
    "radio",
    "search",
    "shop",
    "site",
    "smart",
    "sports",
    "store",
    "studio",
    "team",
    "teams",
    "tech",
    "travel",
    "video",
    "work",
    "world",
    "services",
    "service",
    "software",
    "systems",
    "network",
    "digital",
    "official",
    "company",
    "international",
    "technologies",
    "technology",
];

/// The brands an app goes by: compact forms of its name, aliases, vendor, routing-list names
/// and the labels of its domains that other sources vouch for, plus their distinctive words.
struct Brands {
    compact: Vec<String>,
    words: Vec<String>,
    /// The vendor's words: a label that is one of them is the vendor's, not a shortened brand.
    vendor_words: Vec<String>,
}

/// The labels a vendor's own domain would have: `Cisco Systems, Inc.` → `ciscosystems`,
/// `cisco`; `Microsoft Corporation` → `microsoft`.
fn vendor_keys(vendor: &str) -> Vec<String> {
    const SUFFIXES: &[&str] = &[
        "inc",
        "llc",
        "ltd",
        "limited",
        "corp",
        "corporation",
        "co",
        "company",
        "gmbh",
        "ag",
        "sa",
        "sas",
        "bv",
        "nv",
        "plc",
        "pty",
        "srl",
        "ab",
        "as",
        "oy",
        "kk",
        "group",
        "holdings",
        "technologies",
        "technology",
        "systems",
        "software",
        "labs",
        "the",
    ];
    let words: Vec<String> = vendor
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::to_ascii_lowercase)
        .filter(|w| !w.is_empty() && !SUFFIXES.contains(&w.as_str()))
        .collect();
    let mut keys = vec![words.concat()];
    if let Some(first) = words.first() {
        keys.push(first.clone());
    }
    keys.retain(|k| k.len() >= 3);
    keys.dedup();
    keys
}

fn compact(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl Brands {
    fn of(names: impl IntoIterator<Item = String>) -> Brands {
        let mut compacts = BTreeSet::new();
        let mut words = BTreeSet::new();
        for n in names {
            let c = compact(&n);
            if c.len() >= 2 && !GENERIC_WORDS.contains(&c.as_str()) {
                compacts.insert(c);
            }
            for w in n.split(|c: char| !c.is_ascii_alphanumeric()) {
                let w = w.to_ascii_lowercase();
                if w.len() >= 4 && !GENERIC_WORDS.contains(&w.as_str()) {
                    words.insert(w);
                }
            }
        }
        Brands {
            compact: compacts.into_iter().collect(),
            words: words.into_iter().collect(),
            vendor_words: Vec::new(),
        }
    }

    /// These brands without the words of `other` (a product's name without its vendor's).
    fn without_words(mut self, other: &Brands) -> Brands {
        self.words.retain(|w| !other.words.contains(w));
        self.vendor_words.clone_from(&other.words);
        self
    }

    /// Whether a registrable domain's label (`hpsmart` of `hpsmart.com`) carries a brand.
    fn carried_by(&self, label: &str) -> bool {
        let label = compact(label);
        self.compact.iter().any(|c| {
            label.starts_with(c.as_str())
                || (c.len() >= 4 && label.contains(c.as_str()))
                // A shortened brand (`youtu.be`): most of it, never a common word.
                || (label.len() >= 5
                    && label.len() * 10 >= c.len() * 7
                    && !GENERIC_WORDS.contains(&label.as_str())
                    && !self.vendor_words.contains(&label)
                    && c.starts_with(label.as_str()))
        }) || self.words.iter().any(|w| label.contains(w.as_str()))
    }
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
        // The rule is the host the source gave (`bugzilla.mozilla.org`), not its whole
        // registrable domain: the source vouches for the host only.
        if let Some(i) = self.keys.get(&key).copied().or_else(same_name) {
            self.add_name(i, name);
            self.keys.entry(key.clone()).or_insert(i);
            self.add_domain(i, host, MatchKind::Suffix, DomainRole::Primary, source);
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
        self.add_domain(i, host, MatchKind::Suffix, DomainRole::Primary, source);
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

    /// Whether `pattern` is at or under a curated shared-infrastructure suffix.
    fn is_shared(&self, pattern: &str) -> bool {
        self.shared.iter().filter(|s| s.owner.is_none()).any(|s| {
            pattern == s.suffix
                || (pattern.len() > s.suffix.len()
                    && pattern.ends_with(s.suffix.as_str())
                    && pattern.as_bytes()[pattern.len() - s.suffix.len() - 1] == b'.')
        })
    }

    /// Why a rule is trusted: see [`Trust`].
    fn trust(&self, pattern: &str, sources: &BTreeSet<String>, brands: &Brands) -> Trust {
        if sources.contains(sources::CURATED) {
            return Trust::Vendor;
        }
        // Apple's shared-credential groups, like routing lists, group domains that share a
        // sign-in (`alibaba.com` with AliExpress), not domains that are the app.
        if sources.iter().any(|s| vouches(s)) {
            return Trust::Listed;
        }
        let label = self
            .registrable(pattern)
            .and_then(|r| r.split('.').next().map(str::to_owned))
            .unwrap_or_default();
        if brands.carried_by(&label) {
            Trust::Brand
        } else {
            Trust::Unverified
        }
    }

    fn finish(mut self, reviewed: &Reviewed) -> (Vec<App>, Honesty) {
        let mut honesty = Honesty::default();
        let mut drafts = std::mem::take(&mut self.drafts);
        // 1. Each rule's evidence.
        let mut rules: Vec<Vec<DomainRule>> = Vec::with_capacity(drafts.len());
        let mut vendor_only: std::collections::HashSet<(usize, String)> =
            std::collections::HashSet::new();
        let vendor_labels: Vec<Vec<String>> = drafts
            .iter()
            .map(|d| {
                d.vendor
                    .as_ref()
                    .map(|v| vendor_keys(&v.value))
                    .unwrap_or_default()
            })
            .collect();
        for d in &mut drafts {
            // The app's brands: its names and the domains non-routing sources vouch for.
            // (Umbrella domains are no app's brand: `mail.google.com` does not make every
            // `google.*` domain Gmail's.)
            let vouched_regs: BTreeSet<String> = d
                .domains
                .iter()
                .filter(|(_, (_, src))| src.iter().any(|s| vouches(s)))
                .filter_map(|((p, _), _)| self.registrable(p))
                .collect();
            let vouched = vouched_regs
                .iter()
                .filter(|r| !UMBRELLA.contains(&r.as_str()))
                .filter_map(|r| r.split('.').next().map(str::to_owned))
                .collect::<Vec<_>>();
            // Registrable domains the app lives *below* (`bugzilla.mozilla.org`): a routing
            // list's rule on the whole registrable domain claims more than the app.
            let below: BTreeSet<String> = vouched_regs
                .iter()
                .filter(|r| {
                    !d.domains
                        .iter()
                        .any(|((p, _), (_, src))| p == *r && src.iter().any(|s| vouches(s)))
                })
                .cloned()
                .collect();
            let own: Vec<String> = std::iter::once(d.name.clone())
                .chain(d.aliases.iter().cloned())
                .chain(vouched)
                .collect();
            // The vendor's brand alone does not make a domain the product's (`alibaba.com` is
            // not AliExpress, `ciscolive.com` not Webex, even when the product's name carries
            // the vendor's): such rules go to the vendor's own app when it has one (step 2),
            // else stay related.
            // A routing list's name is a brand only when it carries one of the app's own: a
            // list attaches to the app most of its domains belong to, which may be another
            // company's (the `espn` list shares trackers with Adobe's).
            let vendor = Brands::of(d.vendor.iter().map(|v| v.value.clone()).collect::<Vec<_>>());
            let first = Brands::of(own.clone()).without_words(&vendor);
            let lists: Vec<String> = d
                .lists
                .iter()
                .filter(|l| first.carried_by(l))
                .cloned()
                .collect();
            let brands =
                Brands::of(own.into_iter().chain(lists).collect::<Vec<_>>()).without_words(&vendor);
            let mut domains = Vec::with_capacity(d.domains.len());
            for ((pattern, kind), (role, sources)) in std::mem::take(&mut d.domains) {
                if self.is_shared(&pattern) {
                    honesty.shared_rules_dropped += 1;
                    continue;
                }
                let mut trust = self.trust(&pattern, &sources, &brands);
                if trust == Trust::Brand && below.contains(&pattern) {
                    trust = Trust::Unverified;
                }
                if trust == Trust::Unverified
                    && self.label(&pattern).is_some_and(|l| vendor.carried_by(&l))
                {
                    vendor_only.insert((rules.len(), pattern.clone()));
                }
                domains.push(DomainRule {
                    pattern,
                    kind,
                    role,
                    sources: sources.into_iter().collect(),
                    trust,
                });
            }
            // A source that gives a sign-in or app host (`auth.opera.com`, `web.any.do`)
            // vouches for the site it belongs to, unless the host is a product of its own
            // (`bugzilla.mozilla.org`, `adfox.yandex.ru`) or the site is an umbrella domain or
            // another app's.
            let name_brand = Brands::of(vec![d.name.clone()]).without_words(&vendor);
            let mut sites = Vec::new();
            for r in &domains {
                if r.trust != Trust::Listed || r.role != DomainRole::Primary {
                    continue;
                }
                let Some(reg) = self.registrable(&r.pattern) else {
                    continue;
                };
                let sub = r.pattern.split('.').next().unwrap_or_default();
                if reg == r.pattern
                    || UMBRELLA.contains(&reg.as_str())
                    || self.is_shared(&reg)
                    || name_brand.carried_by(sub)
                    || domains
                        .iter()
                        .any(|x| x.pattern == reg && x.trust != Trust::Unverified)
                {
                    continue;
                }
                sites.push(DomainRule {
                    pattern: reg,
                    kind: MatchKind::Suffix,
                    role: DomainRole::Additional,
                    sources: r.sources.clone(),
                    trust: Trust::Site,
                });
            }
            sites.sort_by(|a, b| a.pattern.cmp(&b.pattern));
            sites.dedup_by(|a, b| a.pattern == b.pattern);
            for site in sites {
                match domains
                    .iter_mut()
                    .find(|x| x.pattern == site.pattern && x.kind == site.kind)
                {
                    // A routing list named it too: now it has a source.
                    Some(x) => {
                        x.trust = Trust::Site;
                        x.sources.extend(site.sources);
                        x.sources.sort();
                        x.sources.dedup();
                    }
                    None => domains.push(site),
                }
            }
            rules.push(domains);
        }
        // A site rule never takes a domain another app holds on stronger evidence.
        let strong: HashMap<(String, MatchKind), usize> = rules
            .iter()
            .enumerate()
            .flat_map(|(i, d)| {
                d.iter()
                    .filter(|r| r.attributes() && r.trust != Trust::Site)
                    .map(move |r| ((r.pattern.clone(), r.kind), i))
            })
            .collect();
        for (i, domains) in rules.iter_mut().enumerate() {
            domains.retain(|r| {
                r.trust != Trust::Site
                    || strong
                        .get(&(r.pattern.clone(), r.kind))
                        .is_none_or(|&o| o == i)
            });
        }
        let mut site_seen: HashMap<(String, MatchKind), usize> = HashMap::new();
        for (i, domains) in rules.iter_mut().enumerate() {
            // Two apps' sites on one domain: the first keeps it.
            domains.retain(|r| {
                r.trust != Trust::Site
                    || *site_seen.entry((r.pattern.clone(), r.kind)).or_insert(i) == i
            });
        }
        // 2. An unverified rule whose registrable label is exactly another app's own primary
        //    label (`netflix.ca` grouped with HBO Max; Netflix is `netflix.com`) moves to that
        //    app, on the strength of the brand.
        let mut owner_of_label: HashMap<String, Option<usize>> = HashMap::new();
        for (i, domains) in rules.iter().enumerate() {
            for r in domains.iter().filter(|r| {
                r.role == DomainRole::Primary && matches!(r.trust, Trust::Vendor | Trust::Listed)
            }) {
                // Only an app that is a whole registrable domain owns its label (`google.com`
                // does, `mail.google.com` does not).
                if self.registrable(&r.pattern).as_deref() != Some(r.pattern.as_str()) {
                    continue;
                }
                let Some(label) = self.label(&r.pattern) else {
                    continue;
                };
                if label.len() < 4 || GENERIC_WORDS.contains(&label.as_str()) {
                    continue;
                }
                owner_of_label
                    .entry(label)
                    .and_modify(|o| {
                        if *o != Some(i) {
                            *o = None;
                        }
                    })
                    .or_insert(Some(i));
            }
        }
        let taken: std::collections::HashSet<(String, MatchKind)> = rules
            .iter()
            .flatten()
            .filter(|r| r.attributes())
            .map(|r| (r.pattern.clone(), r.kind))
            .collect();
        let own_labels: Vec<BTreeSet<String>> = rules
            .iter()
            .map(|domains| {
                domains
                    .iter()
                    .filter(|r| {
                        matches!(r.trust, Trust::Vendor | Trust::Listed)
                            && self.registrable(&r.pattern).as_deref() == Some(r.pattern.as_str())
                    })
                    .filter_map(|r| self.label(&r.pattern))
                    .collect()
            })
            .collect();
        let mut moves = Vec::new();
        for (i, domains) in rules.iter_mut().enumerate() {
            domains.retain(|r| {
                if r.trust != Trust::Unverified || taken.contains(&(r.pattern.clone(), r.kind)) {
                    return true;
                }
                let owner = |l: &String| owner_of_label.get(l).copied().flatten();
                let label = self
                    .label(&r.pattern)
                    .filter(|l| !own_labels[i].contains(l));
                // A rule carrying only the vendor's brand goes to the vendor's own app.
                // Else the app whose own label the domain's starts with (`gitlab-static.net` →
                // GitLab, `spotifycdn.com` → Spotify): the longest such label, 6 letters or more.
                // (Not an umbrella company's: `googlevideo.com` is YouTube's, not Google's.)
                let by_prefix = |l: &String| {
                    let l = compact(l);
                    (6..l.len()).rev().find_map(|n| {
                        let p = l.get(..n)?;
                        let umbrella = UMBRELLA.iter().any(|u| u.split('.').next() == Some(p));
                        (!umbrella).then(|| owner(&p.to_owned())).flatten()
                    })
                };
                let to = label
                    .as_ref()
                    .and_then(owner)
                    .or_else(|| {
                        vendor_only
                            .contains(&(i, r.pattern.clone()))
                            .then(|| vendor_labels[i].iter().find_map(owner))
                            .flatten()
                    })
                    .or_else(|| label.as_ref().and_then(by_prefix));
                match to {
                    Some(j) if j != i => {
                        let mut moved = r.clone();
                        moved.trust = Trust::Brand;
                        moved.role = DomainRole::Additional;
                        moves.push((j, moved));
                        false
                    }
                    _ => true,
                }
            });
        }
        // A rule carrying the vendor's brand stays the product's when the vendor has no app
        // of its own (`anthropic.com` for Claude).
        for (i, domains) in rules.iter_mut().enumerate() {
            let vendor_app = vendor_labels[i]
                .iter()
                .find_map(|l| owner_of_label.get(l).copied().flatten());
            if vendor_app.is_some() {
                continue;
            }
            for r in domains.iter_mut() {
                if r.trust == Trust::Unverified && vendor_only.contains(&(i, r.pattern.clone())) {
                    r.trust = Trust::Brand;
                }
            }
        }
        honesty.rules_moved = moves.len();
        for (j, r) in moves {
            if !rules[j]
                .iter()
                .any(|x| x.pattern == r.pattern && x.kind == r.kind)
            {
                rules[j].push(r);
            }
        }
        // 3. Assemble; apps with nothing that attributes traffic are left out.
        let mut apps = Vec::with_capacity(drafts.len());
        for (d, mut domains) in drafts.into_iter().zip(rules) {
            honesty.unverified_rules += domains.iter().filter(|r| !r.attributes()).count();
            if !domains.iter().any(DomainRule::attributes) {
                if !domains.is_empty() {
                    honesty.apps_dropped += 1;
                }
                continue;
            }
            // Related, unverified rules are never the app's primary domain.
            for r in &mut domains {
                if !r.attributes() && r.role == DomainRole::Primary {
                    r.role = DomainRole::Service;
                }
            }
            domains.sort_by(|a, b| {
                (!a.attributes(), a.role, &a.pattern, a.kind).cmp(&(
                    !b.attributes(),
                    b.role,
                    &b.pattern,
                    b.kind,
                ))
            });
            let mut name = d.name;
            let mut aliases = d.aliases;
            if let Some(reviewed) = reviewed.names.get(&d.id) {
                if *reviewed != name {
                    aliases.remove(reviewed);
                    if !name.eq_ignore_ascii_case(reviewed) {
                        aliases.insert(name);
                    }
                    name = reviewed.clone();
                }
            }
            let mut categories = d.categories;
            if let Some(cat) = reviewed.categories.get(&d.id) {
                categories.retain(|c| &c.id != cat);
                categories.insert(
                    0,
                    CategoryRef {
                        id: cat.clone(),
                        source: sources::CURATED.to_owned(),
                        source_value: "reviewed against the Defender for Cloud Apps taxonomy"
                            .to_owned(),
                    },
                );
            }
            apps.push(App {
                id: d.id,
                name,
                aliases: aliases.into_iter().collect(),
                vendor: d.vendor,
                domains,
                categories,
                factors: d.factors,
                links: d.links,
            });
        }
        apps.sort_by(|a, b| a.id.cmp(&b.id));
        (apps, honesty)
    }

    /// Whether `host`'s registrable domain carries `name` as a brand.
    fn carries_name(&self, name: &str, host: &str) -> bool {
        self.label(host)
            .is_some_and(|l| Brands::of(vec![name.to_owned()]).carried_by(&l))
    }

    /// The first label of a pattern's registrable domain (`netflix` of `www.netflix.ca`).
    fn label(&self, pattern: &str) -> Option<String> {
        let reg = self.registrable(pattern)?;
        reg.split('.').next().map(str::to_owned)
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
fn render(sources: &[Source], shared: &[SharedInfra], apps: &[App]) -> String {
    let mut s = String::from("{\"format\":1,\n\"sources\":[\n");
    for (n, src) in sources.iter().enumerate() {
        s.push_str(&serde_json::to_string(src).unwrap_or_default());
        s.push_str(if n + 1 < sources.len() { ",\n" } else { "\n" });
    }
    s.push_str("],\n\"shared\":[\n");
    for (n, e) in shared.iter().enumerate() {
        s.push_str(&serde_json::to_string(e).unwrap_or_default());
        s.push_str(if n + 1 < shared.len() { ",\n" } else { "\n" });
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
