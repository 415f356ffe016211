//! Host → app: exact host first, then the longest suffix rule, never crossing into a
//! multi-tenant platform (a PSL PRIVATE suffix such as `herokuapp.com`: `x.herokuapp.com` is a
//! customer's site, not Heroku) unless a tenant rule says the platform's sub-domains are the
//! app (`acme.slack.com`-style hosts under `s3.amazonaws.com`). Unmatched hosts are reported
//! by registrable domain (eTLD+1 from the Public Suffix List).
//!
//! Only rules whose evidence holds attribute traffic (`Trust::Unverified` rules are related
//! domains, shown but never matched), and hosts at or under a curated shared-infrastructure
//! suffix (CDN edges, hosting, object storage, reverse zones) belong to no single app unless an
//! analyst's rule names the tenant host itself.

use publicsuffix::{List, Psl};
use rustc_hash::FxHashMap;

use crate::model::{App, DomainRole, DomainRule, MatchKind, SharedInfra};

/// Which rule decided a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    Exact,
    Tenant,
    Suffix,
}

/// A match: the index of the app in the list the matcher was built from, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub app: u32,
    pub by: MatchedBy,
}

#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    exact: Option<u32>,
    tenant: Option<u32>,
    suffix: Option<u32>,
    /// This name is a multi-tenant platform suffix (PSL PRIVATE section).
    private: bool,
    /// Every direct sub-domain of this name is a platform suffix (`*.name` in the PSL).
    private_children: bool,
    /// This name is shared infrastructure (index into `Matcher::shared`).
    shared: Option<u16>,
    /// This name is a vendor's CDN that unrelated sites embed: attributed, never blocked.
    embedded: Option<u16>,
}

/// Longest host the matcher looks at; longer input is treated as unmatched.
const MAX_HOST: usize = 253;
/// Most labels considered.
const MAX_LABELS: usize = 32;

pub struct Matcher {
    table: FxHashMap<Box<str>, Entry>,
    psl: List,
    shared: Vec<SharedInfra>,
    /// Names with shared infrastructure or a multi-tenant platform below them → that suffix.
    covers: FxHashMap<Box<str>, Box<str>>,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("names", &self.table.len())
            .finish()
    }
}

impl Matcher {
    /// Builds the matcher. When two apps claim the same pattern the later one wins, so custom
    /// apps appended after the built-in catalog override it. Rules that do not attribute
    /// (related, unverified domains) are left out.
    pub fn new<'a>(
        apps: impl IntoIterator<Item = &'a App>,
        psl_text: &str,
        shared: &[SharedInfra],
    ) -> Result<Matcher, String> {
        let psl: List = psl_text
            .parse()
            .map_err(|e| format!("public suffix list: {e}"))?;
        let mut table: FxHashMap<Box<str>, Entry> = FxHashMap::default();
        let mut covers: FxHashMap<Box<str>, Box<str>> = FxHashMap::default();
        let mut cover = |suffix: &str| {
            let mut rest = suffix;
            while let Some((_, parent)) = rest.split_once('.') {
                if !parent.contains('.') {
                    break;
                }
                covers.entry(parent.into()).or_insert_with(|| suffix.into());
                rest = parent;
            }
        };
        for (name, children) in private_suffixes(psl_text) {
            cover(name);
            let e = table.entry(name.into()).or_default();
            if children {
                e.private_children = true;
            } else {
                e.private = true;
            }
        }
        if shared.len() > usize::from(u16::MAX) {
            return Err("too many shared-infrastructure suffixes".into());
        }
        for (i, s) in shared.iter().enumerate() {
            cover(&s.suffix);
            let e = table.entry(s.suffix.as_str().into()).or_default();
            if s.owner.is_some() {
                e.embedded = u16::try_from(i).ok();
            } else {
                e.shared = u16::try_from(i).ok();
            }
        }
        for (i, app) in apps.into_iter().enumerate() {
            let i = u32::try_from(i).map_err(|_| "too many apps".to_string())?;
            for rule in app.domains.iter().filter(|r| r.attributes()) {
                let e = table.entry(rule.pattern.as_str().into()).or_default();
                // A later app claiming the pattern takes it over entirely.
                for slot in [&mut e.exact, &mut e.tenant, &mut e.suffix] {
                    if slot.is_some_and(|owner| owner != i) {
                        *slot = None;
                    }
                }
                match (rule.kind, rule.role) {
                    (MatchKind::Exact, _) => e.exact = Some(i),
                    (MatchKind::Suffix, DomainRole::Tenant) => e.tenant = Some(i),
                    (MatchKind::Suffix, _) => e.suffix = Some(i),
                }
            }
        }
        table.shrink_to_fit();
        covers.shrink_to_fit();
        Ok(Matcher {
            table,
            psl,
            shared: shared.to_vec(),
            covers,
        })
    }

    /// The app serving `host` (any case, optional trailing dot), or `None`.
    pub fn lookup(&self, host: &str) -> Option<Hit> {
        let host = host.strip_suffix('.').unwrap_or(host);
        if host.is_empty() || host.len() > MAX_HOST {
            return None;
        }
        if host.bytes().any(|b| b.is_ascii_uppercase()) {
            let mut buf = [0u8; MAX_HOST];
            let lower = &mut buf[..host.len()];
            lower.copy_from_slice(host.as_bytes());
            lower.make_ascii_lowercase();
            return std::str::from_utf8(lower)
                .ok()
                .and_then(|h| self.lookup_lower(h));
        }
        self.lookup_lower(host)
    }

    /// [`Matcher::lookup`] for a host already in lower case without a trailing dot.
    pub fn lookup_lower(&self, host: &str) -> Option<Hit> {
        // Candidate names from the whole host down to the last label.
        let mut starts = [0usize; MAX_LABELS];
        let mut n = 1;
        for (i, b) in host.bytes().enumerate() {
            if b == b'.' && n < MAX_LABELS {
                starts[n] = i + 1;
                n += 1;
            }
        }
        let mut entries: [Option<&Entry>; MAX_LABELS] = [None; MAX_LABELS];
        for (slot, &start) in entries.iter_mut().zip(&starts[..n]) {
            *slot = self.table.get(&host[start..]);
        }
        if let Some(e) = entries[0] {
            if let Some(app) = e.exact {
                return Some(Hit {
                    app,
                    by: MatchedBy::Exact,
                });
            }
            if e.shared.is_some() {
                return None;
            }
            if let Some(app) = e.tenant {
                return Some(Hit {
                    app,
                    by: MatchedBy::Tenant,
                });
            }
            if let Some(app) = e.suffix {
                return Some(Hit {
                    app,
                    by: MatchedBy::Suffix,
                });
            }
        }
        for i in 1..n {
            let parent_wild = i + 1 < n && entries[i + 1].is_some_and(|p| p.private_children);
            let Some(e) = entries[i] else {
                if parent_wild {
                    return None;
                }
                continue;
            };
            if e.shared.is_some() {
                // Shared infrastructure: only a rule naming the tenant host (above) attributes.
                return None;
            }
            if let Some(app) = e.tenant {
                return Some(Hit {
                    app,
                    by: MatchedBy::Tenant,
                });
            }
            if e.private || parent_wild {
                // A sub-domain of a hosting platform is somebody else's site.
                return None;
            }
            if let Some(app) = e.suffix {
                return Some(Hit {
                    app,
                    by: MatchedBy::Suffix,
                });
            }
        }
        None
    }

    /// The shared-infrastructure suffix `host` is at or under, if any (`d1.cloudfront.net` →
    /// Amazon CloudFront).
    pub fn shared_infra(&self, host: &str) -> Option<&SharedInfra> {
        self.walk(host, |e| e.shared)
    }

    /// The shared suffix, attributed to its owner or not, that keeps `host` out of block lists.
    fn never_blocked(&self, host: &str) -> Option<&SharedInfra> {
        self.walk(host, |e| e.shared.or(e.embedded))
    }

    fn walk(&self, host: &str, pick: impl Fn(&Entry) -> Option<u16>) -> Option<&SharedInfra> {
        let host = host.strip_suffix('.').unwrap_or(host);
        let mut rest = host;
        loop {
            if let Some(i) = self.table.get(rest).and_then(&pick) {
                return self.shared.get(usize::from(i));
            }
            rest = rest.split_once('.')?.1;
        }
    }

    /// Every shared-infrastructure suffix this matcher knows.
    pub fn shared(&self) -> &[SharedInfra] {
        &self.shared
    }

    /// Why `rule` must stay out of a block list, or `None` when blocking it harms no one else:
    /// it is shared infrastructure or under it (unless an analyst named that tenant host), a
    /// shared suffix or a multi-tenant platform lies under it (`amazonaws.com` covers
    /// `s3.amazonaws.com`), or it is itself a multi-tenant platform suffix (PSL PRIVATE) that is
    /// not the app's own tenant space.
    pub fn block_exclusion(&self, rule: &DomainRule) -> Option<String> {
        let pattern = rule.pattern.as_str();
        if let Some(s) = self.never_blocked(pattern) {
            let tenant_host = pattern != s.suffix
                && s.owner.is_none()
                && rule.trust == crate::model::Trust::Analyst;
            if !tenant_host {
                return Some(format!(
                    "shared infrastructure: {} ({}) serves many unrelated sites",
                    s.provider,
                    s.kind.label()
                ));
            }
        }
        if let Some(under) = self.covers.get(pattern) {
            let what = self
                .never_blocked(under)
                .map(|s| format!("{} ({})", s.provider, s.kind.label()))
                .unwrap_or_else(|| "a multi-tenant hosting platform".to_owned());
            return Some(format!(
                "covers {under}, {what}: blocking it would block other customers' sites"
            ));
        }
        let platform = self
            .table
            .get(pattern)
            .is_some_and(|e| e.private || e.private_children);
        if platform && rule.role != DomainRole::Tenant {
            return Some(
                "a multi-tenant hosting platform (Public Suffix List): its sub-domains are other \
                 customers' sites"
                    .to_owned(),
            );
        }
        None
    }

    /// The registrable domain (eTLD+1, platform suffixes included) of `host`, for reporting
    /// hosts no app claims. `None` for IP addresses and bare suffixes.
    pub fn registrable_domain<'h>(&self, host: &'h str) -> Option<&'h str> {
        if host.parse::<std::net::IpAddr>().is_ok() {
            return None;
        }
        let host = host.strip_suffix('.').unwrap_or(host);
        let domain = self.psl.domain(host.as_bytes())?;
        let len = domain.as_bytes().len();
        host.get(host.len() - len..)
    }
}

/// `(name, is_wildcard)` for every rule of the PSL PRIVATE section: `*.x` yields `(x, true)`.
fn private_suffixes(psl_text: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut in_private = false;
    for line in psl_text.lines() {
        let line = line.trim();
        if line.contains("===BEGIN PRIVATE DOMAINS===") {
            in_private = true;
            continue;
        }
        if line.contains("===END PRIVATE DOMAINS===") {
            in_private = false;
            continue;
        }
        if !in_private || line.is_empty() || line.starts_with("//") || line.starts_with('!') {
            continue;
        }
        match line.strip_prefix("*.") {
            Some(parent) => out.push((parent, true)),
            None => out.push((line, false)),
        }
    }
    out
}
