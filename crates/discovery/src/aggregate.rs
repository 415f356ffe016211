//! Aggregation whose memory grows with distinct hosts, users, IPs and days — never with lines.
//! Each worker keeps its own [`Aggregate`]; they are merged at the end, then rolled up per app
//! (through the catalog matcher) or per unmatched registrable domain.

use std::collections::BTreeMap;

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

    /// Rolls hosts up to keys (an app, an unmatched domain, an IP) chosen by `key_of(host)`.
    pub fn roll_up<K: Ord + Clone>(&self, mut key_of: impl FnMut(&str) -> K) -> Rollup<K> {
        let keys: Vec<K> = self.hosts.names.iter().map(|h| key_of(h)).collect();
        let mut out = Rollup::default();
        for (h, s) in self.by_host.iter().enumerate() {
            let e = out.totals.entry(keys[h].clone()).or_default();
            e.stats.merge(s);
            e.hosts.push(self.hosts.names[h].to_string());
        }
        for (&(h, u), s) in &self.by_host_user {
            out.users
                .entry((
                    keys[h as usize].clone(),
                    self.users.names[u as usize].to_string(),
                ))
                .or_default()
                .merge(s);
        }
        for (&(h, i), s) in &self.by_host_ip {
            out.ips
                .entry((
                    keys[h as usize].clone(),
                    self.ips.names[i as usize].to_string(),
                ))
                .or_default()
                .merge(s);
        }
        for (&(h, d), s) in &self.by_host_day {
            out.days
                .entry((keys[h as usize].clone(), d))
                .or_default()
                .merge(s);
        }
        for ((k, _), _) in out.users.iter() {
            if let Some(t) = out.totals.get_mut(k) {
                t.users += 1;
            }
        }
        for ((k, _), _) in out.ips.iter() {
            if let Some(t) = out.totals.get_mut(k) {
                t.ips += 1;
            }
        }
        for t in out.totals.values_mut() {
            t.hosts.sort_unstable();
        }
        out
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

/// Everything per key: totals, per user, per source IP, per day.
#[derive(Debug)]
pub struct Rollup<K: Ord> {
    pub totals: BTreeMap<K, KeyTotals>,
    pub users: BTreeMap<(K, String), Stats>,
    pub ips: BTreeMap<(K, String), Stats>,
    pub days: BTreeMap<(K, i32), Stats>,
}

impl<K: Ord> Default for Rollup<K> {
    fn default() -> Self {
        Rollup {
            totals: BTreeMap::new(),
            users: BTreeMap::new(),
            ips: BTreeMap::new(),
            days: BTreeMap::new(),
        }
    }
}
