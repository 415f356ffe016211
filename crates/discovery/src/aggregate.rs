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
        // Saturating: a line claiming 2^64 - 1 bytes must not wrap a host's total around.
        self.transactions = self.transactions.saturating_add(1);
        self.bytes_up = self.bytes_up.saturating_add(r.bytes_up);
        self.bytes_down = self.bytes_down.saturating_add(r.bytes_down);
        self.blocked = self
            .blocked
            .saturating_add(u64::from(r.action == Action::Blocked));
        self.first_seen_ms = self.first_seen_ms.min(r.timestamp_ms);
        self.last_seen_ms = self.last_seen_ms.max(r.timestamp_ms);
    }

    pub fn merge(&mut self, o: &Stats) {
        self.transactions = self.transactions.saturating_add(o.transactions);
        self.bytes_up = self.bytes_up.saturating_add(o.bytes_up);
        self.bytes_down = self.bytes_down.saturating_add(o.bytes_down);
        self.blocked = self.blocked.saturating_add(o.blocked);
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

/// Days past which a host's days get a hash index (below it, a scan of the short list is
/// faster than hashing).
const DAYS_INDEXED_FROM: usize = 16;

/// Traffic of one host, with its days. Logs are roughly in time order, so the last day is
/// almost always the one a record belongs to; a host seen on many days (a log spanning years,
/// or one crafted with a different day on every line) gets a hash index, so finding a day
/// never takes time that grows with the days already seen.
#[derive(Debug, Clone, Default)]
struct HostEntry {
    stats: Stats,
    days: Vec<(i32, Stats)>,
    index: Option<Box<FxHashMap<i32, u32>>>,
}

impl HostEntry {
    #[inline]
    fn add(&mut self, r: &Record<'_>) {
        self.stats.add(r);
        self.day(day_of(r.timestamp_ms)).add(r);
    }

    /// The counters of `day`, added when missing.
    #[inline]
    fn day(&mut self, day: i32) -> &mut Stats {
        let n = self.days.len();
        if n > 0 && self.days[n - 1].0 == day {
            return &mut self.days[n - 1].1;
        }
        let found = match &self.index {
            Some(index) => index.get(&day).map(|&i| i as usize),
            None => self.days.iter().position(|(d, _)| *d == day),
        };
        let i = match found {
            Some(i) => i,
            None => {
                self.days.push((day, Stats::default()));
                let i = self.days.len() - 1;
                let slot = u32::try_from(i).unwrap_or(u32::MAX);
                match &mut self.index {
                    Some(index) => {
                        index.insert(day, slot);
                    }
                    None if self.days.len() > DAYS_INDEXED_FROM => {
                        self.index = Some(Box::new(
                            self.days
                                .iter()
                                .enumerate()
                                .map(|(i, (d, _))| (*d, u32::try_from(i).unwrap_or(u32::MAX)))
                                .collect(),
                        ));
                    }
                    None => {}
                }
                i
            }
        };
        &mut self.days[i].1
    }
}

/// Per-host traffic with its clients (user + source IP) and days.
#[derive(Debug, Default)]
pub struct Aggregate {
    hosts: Interner,
    /// A client is a user name and a source IP, interned together as `user \0 ip`: one lookup
    /// per line instead of two; split again at the roll-up.
    clients: Interner,
    by_host: Vec<HostEntry>,
    by_host_client: FxHashMap<(u32, u32), Stats>,
    scratch: String,
}

impl Aggregate {
    #[inline]
    pub fn add(&mut self, r: &Record<'_>) {
        let h = self.hosts.id(&r.host);
        if h as usize >= self.by_host.len() {
            self.by_host.push(HostEntry::default());
        }
        self.by_host[h as usize].add(r);
        if r.user.is_none() && r.src_ip.is_empty() {
            return;
        }
        self.scratch.clear();
        if let Some(u) = &r.user {
            self.scratch.push_str(u);
        }
        self.scratch.push('\0');
        self.scratch.push_str(r.src_ip);
        let c = self.clients.id(&self.scratch);
        self.by_host_client.entry((h, c)).or_default().add(r);
    }

    /// Adds everything `other` counted.
    pub fn merge(&mut self, other: Aggregate) {
        let hmap: Vec<u32> = other.hosts.names.iter().map(|n| self.hosts.id(n)).collect();
        let cmap: Vec<u32> = other
            .clients
            .names
            .iter()
            .map(|n| self.clients.id(n))
            .collect();
        self.by_host
            .resize(self.hosts.names.len(), HostEntry::default());
        for (h, e) in other.by_host.into_iter().enumerate() {
            let mine = &mut self.by_host[hmap[h] as usize];
            mine.stats.merge(&e.stats);
            for (day, s) in e.days {
                mine.day(day).merge(&s);
            }
        }
        for ((h, c), s) in other.by_host_client {
            self.by_host_client
                .entry((hmap[h as usize], cmap[c as usize]))
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
        let mut days: FxHashMap<(u32, i32), Stats> = FxHashMap::default();
        for (h, e) in self.by_host.iter().enumerate() {
            let k = host_key[h];
            let t = &mut totals[k as usize];
            t.stats.merge(&e.stats);
            t.hosts.push(self.hosts.names[h].to_string());
            for (d, s) in &e.days {
                days.entry((k, *d)).or_default().merge(s);
            }
        }
        // Split clients into users and IPs (interned again, so names are shared).
        let mut user_names = Interner::default();
        let mut ip_names = Interner::default();
        let mut users: FxHashMap<(u32, u32), Stats> = FxHashMap::default();
        let mut ips: FxHashMap<(u32, u32), Stats> = FxHashMap::default();
        for (&(h, c), s) in &self.by_host_client {
            let k = host_key[h as usize];
            let (user, ip) = self.clients.names[c as usize]
                .split_once('\0')
                .unwrap_or(("", ""));
            if !user.is_empty() {
                users.entry((k, user_names.id(user))).or_default().merge(s);
            }
            if !ip.is_empty() {
                ips.entry((k, ip_names.id(ip))).or_default().merge(s);
            }
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
            user_names: user_names.names,
            ip_names: ip_names.names,
            _aggregate: std::marker::PhantomData,
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
    user_names: Vec<Box<str>>,
    ip_names: Vec<Box<str>>,
    _aggregate: std::marker::PhantomData<&'a Aggregate>,
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_host_with_many_days_finds_them_through_an_index() {
        let mut host = HostEntry::default();
        for day in (0..1_000).rev() {
            host.day(day).transactions += 1;
        }
        // Past a handful of days, lookups go through the index, not a scan of the list.
        let index = host.index.as_ref().unwrap();
        assert_eq!(index.len(), 1_000);
        for (i, (day, _)) in host.days.iter().enumerate() {
            assert_eq!(index[day] as usize, i);
        }
        for day in 0..1_000 {
            host.day(day).transactions += 1;
        }
        assert_eq!(host.days.len(), 1_000);
        assert!(host.days.iter().all(|(_, s)| s.transactions == 2));
        // Few days stay a plain list.
        let mut small = HostEntry::default();
        for day in 0..DAYS_INDEXED_FROM as i32 {
            small.day(day);
        }
        assert!(small.index.is_none());
    }
}
