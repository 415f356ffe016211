//! Aggregation whose memory grows with distinct hosts, users, IPs and days — never with lines.
//! Each worker keeps its own [`Aggregate`]; they are merged at the end, then rolled up per app
//! (through the catalog matcher) or per unmatched registrable domain.

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::record::{Action, Record};
use crate::time::day_of;

/// Counters for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub transactions: u64,
    pub bytes_up: u64,
    pub bytes_down: u64,
    pub blocked: u64,
    /// UTC ms; `i64::MAX`/`i64::MIN` until a record is added.
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            transactions: 0,
            bytes_up: 0,
            bytes_down: 0,
            blocked: 0,
            first_seen_ms: i64::MAX,
            last_seen_ms: i64::MIN,
        }
    }
}

impl Stats {
    #[inline]
    fn add(&mut self, r: &Record<'_>) {
        self.transactions += 1;
        self.bytes_up += r.bytes_up;
        self.bytes_down += r.bytes_down;
        self.blocked += u64::from(r.action == Action::Blocked);
        self.first_seen_ms = self.first_seen_ms.min(r.timestamp_ms);
        self.last_seen_ms = self.last_seen_ms.max(r.timestamp_ms);
    }

    pub fn merge(&mut self, o: &Stats) {
        self.transactions += o.transactions;
        self.bytes_up += o.bytes_up;
        self.bytes_down += o.bytes_down;
        self.blocked += o.blocked;
        self.first_seen_ms = self.first_seen_ms.min(o.first_seen_ms);
        self.last_seen_ms = self.last_seen_ms.max(o.last_seen_ms);
    }
}

/// Strings seen, numbered.
#[derive(Debug, Default)]
struct Interner {
    ids: FxHashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    #[inline]
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.ids.insert(s.into(), id);
        self.names.push(s.into());
        id
    }
}

/// Per-host traffic with its users, source IPs and days.
#[derive(Debug, Default)]
pub struct Aggregate {
    hosts: Interner,
    users: Interner,
    ips: Interner,
    by_host: Vec<Stats>,
    by_host_user: FxHashMap<(u32, u32), Stats>,
    by_host_ip: FxHashMap<(u32, u32), Stats>,
    by_host_day: FxHashMap<(u32, i32), Stats>,
}

impl Aggregate {
    #[inline]
    pub fn add(&mut self, r: &Record<'_>) {
        let h = self.hosts.id(&r.host);
        if h as usize >= self.by_host.len() {
            self.by_host.push(Stats::default());
        }
        self.by_host[h as usize].add(r);
        if let Some(u) = &r.user {
            let u = self.users.id(u);
            self.by_host_user.entry((h, u)).or_default().add(r);
        }
        if !r.src_ip.is_empty() {
            let ip = self.ips.id(r.src_ip);
            self.by_host_ip.entry((h, ip)).or_default().add(r);
        }
        self.by_host_day
            .entry((h, day_of(r.timestamp_ms)))
            .or_default()
            .add(r);
    }

    /// Adds everything `other` counted.
    pub fn merge(&mut self, other: Aggregate) {
        let hmap: Vec<u32> = other.hosts.names.iter().map(|n| self.hosts.id(n)).collect();
        let umap: Vec<u32> = other.users.names.iter().map(|n| self.users.id(n)).collect();
        let imap: Vec<u32> = other.ips.names.iter().map(|n| self.ips.id(n)).collect();
        self.by_host
            .resize(self.hosts.names.len(), Stats::default());
        for (h, s) in other.by_host.iter().enumerate() {
            self.by_host[hmap[h] as usize].merge(s);
        }
        for ((h, u), s) in other.by_host_user {
            self.by_host_user
                .entry((hmap[h as usize], umap[u as usize]))
                .or_default()
                .merge(&s);
        }
        for ((h, i), s) in other.by_host_ip {
            self.by_host_ip
                .entry((hmap[h as usize], imap[i as usize]))
                .or_default()
                .merge(&s);
        }
        for ((h, d), s) in other.by_host_day {
            self.by_host_day
                .entry((hmap[h as usize], d))
                .or_default()
                .merge(&s);
        }
    }

    pub fn hosts(&self) -> usize {
        self.hosts.names.len()
    }

    /// Rolls hosts up to keys (an app, an unmatched domain, an IP) chosen by `key_of(host)`,
    /// called once per distinct host.
    pub fn roll_up<K: Ord + Clone + std::hash::Hash>(
        &self,
        mut key_of: impl FnMut(&str) -> K,
    ) -> Rollup<'_, K> {
        let mut index: FxHashMap<K, u32> = FxHashMap::default();
        let mut keys: Vec<K> = Vec::new();
        let host_key: Vec<u32> = self
            .hosts
            .names
            .iter()
            .map(|h| {
                let k = key_of(h);
                *index.entry(k.clone()).or_insert_with(|| {
                    keys.push(k);
                    u32::try_from(keys.len() - 1).unwrap_or(u32::MAX)
                })
            })
            .collect();
        let mut totals = vec![KeyTotals::default(); keys.len()];
        for (h, s) in self.by_host.iter().enumerate() {
            let t = &mut totals[host_key[h] as usize];
            t.stats.merge(s);
            t.hosts.push(self.hosts.names[h].to_string());
        }
        let mut users: FxHashMap<(u32, u32), Stats> = FxHashMap::default();
        for (&(h, u), s) in &self.by_host_user {
            users.entry((host_key[h as usize], u)).or_default().merge(s);
        }
        let mut ips: FxHashMap<(u32, u32), Stats> = FxHashMap::default();
        for (&(h, i), s) in &self.by_host_ip {
            ips.entry((host_key[h as usize], i)).or_default().merge(s);
        }
        let mut days: FxHashMap<(u32, i32), Stats> = FxHashMap::default();
        for (&(h, d), s) in &self.by_host_day {
            days.entry((host_key[h as usize], d)).or_default().merge(s);
        }
        for &(k, _) in users.keys() {
            totals[k as usize].users += 1;
        }
        for &(k, _) in ips.keys() {
            totals[k as usize].ips += 1;
        }
        for t in &mut totals {
            t.hosts.sort_unstable();
        }
        Rollup {
            keys,
            totals,
            users,
            ips,
            days,
            user_names: &self.users.names,
            ip_names: &self.ips.names,
        }
    }
}

/// Totals for one key after the roll-up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KeyTotals {
    pub stats: Stats,
    pub users: u64,
    pub ips: u64,
    /// The hosts that rolled up into this key.
    pub hosts: Vec<String>,
}

/// Everything per key: totals, per user, per source IP, per day. Keys are numbered; user and
/// IP names are borrowed from the aggregate.
#[derive(Debug)]
pub struct Rollup<'a, K> {
    pub keys: Vec<K>,
    /// Indexed like `keys`.
    pub totals: Vec<KeyTotals>,
    users: FxHashMap<(u32, u32), Stats>,
    ips: FxHashMap<(u32, u32), Stats>,
    days: FxHashMap<(u32, i32), Stats>,
    user_names: &'a [Box<str>],
    ip_names: &'a [Box<str>],
}

impl<K> Rollup<'_, K> {
    /// `(key index, user, stats)` for every key × user, sorted by key then user.
    pub fn users(&self) -> Vec<(u32, &str, Stats)> {
        let mut v: Vec<_> = self
            .users
            .iter()
            .map(|(&(k, u), s)| (k, &*self.user_names[u as usize], *s))
            .collect();
        v.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        v
    }

    /// `(key index, source IP, stats)` for every key × IP, sorted.
    pub fn ips(&self) -> Vec<(u32, &str, Stats)> {
        let mut v: Vec<_> = self
            .ips
            .iter()
            .map(|(&(k, i), s)| (k, &*self.ip_names[i as usize], *s))
            .collect();
        v.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        v
    }

    /// `(key index, day since the epoch, stats)`, sorted.
    pub fn days(&self) -> Vec<(u32, i32, Stats)> {
        let mut v: Vec<_> = self.days.iter().map(|(&(k, d), s)| (k, d, *s)).collect();
        v.sort_unstable_by_key(|x| (x.0, x.1));
        v
    }
}
