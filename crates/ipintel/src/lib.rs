//! Offline IP intelligence: an IP address's country and autonomous system (ASN and its
//! holder's name), from openly licensed data bundled with the app — no service is asked.
//!
//! The data (see `data/NOTICE`) is the ip-location-db project's `geo-whois-asn-country`
//! (CC0) and `asn` (CC BY 4.0: RouteViews, DB-IP, NRO) sets, converted by `make ip-data`
//! (the `ipdb-build` binary) into `data/ipdb.bin.zst`: sorted, non-overlapping ranges per
//! address family, looked up by binary search. [`IpIntel::bundled`] decompresses it once per
//! process (about 20 ms); a look-up then takes a few tens of nanoseconds and allocates
//! nothing.

#![forbid(unsafe_code)]

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

/// The bundled database, compressed (`make ip-data` refreshes it).
const BUNDLED: &[u8] = include_bytes!("../data/ipdb.bin.zst");

const MAGIC: &[u8; 8] = b"CWIPDB1\n";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("reading the IP database: {0}")]
    Io(#[from] std::io::Error),
    #[error("the IP database is damaged: {0}")]
    Format(&'static str),
    #[error("{file} line {line}: {reason}")]
    Source {
        file: String,
        line: u64,
        reason: String,
    },
}

pub type Result<T> = std::result::Result<T, Error>;

/// What is known of one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IpInfo<'a> {
    /// ISO 3166-1 alpha-2 country code of the address's registration, upper case.
    pub country: Option<&'a str>,
    /// Autonomous system number of the network that announces the address.
    pub asn: Option<u32>,
    /// The autonomous system's holder, e.g. `Cloudflare, Inc.`.
    pub as_name: Option<&'a str>,
}

/// Sorted, non-overlapping `[start, end]` ranges with a value each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ranges<K, V> {
    starts: Vec<K>,
    ends: Vec<K>,
    values: Vec<V>,
}

impl<K: Copy + Ord, V: Copy> Ranges<K, V> {
    /// Ranges from `(start, end, value)` in any order. Adjacent ranges with the same value
    /// are merged; where ranges overlap, the earlier start wins.
    pub fn build(mut items: Vec<(K, K, V)>, next: impl Fn(K) -> Option<K>) -> Self
    where
        V: PartialEq,
    {
        items.sort_by_key(|&(s, _, _)| s);
        let mut out = Ranges {
            starts: Vec::with_capacity(items.len()),
            ends: Vec::with_capacity(items.len()),
            values: Vec::with_capacity(items.len()),
        };
        for (start, end, value) in items {
            if end < start {
                continue;
            }
            let Some(last) = out.ends.len().checked_sub(1) else {
                out.push(start, end, value);
                continue;
            };
            let prev_end = out.ends[last];
            if start <= prev_end {
                // Overlap: keep what is already there, add what sticks out.
                if end > prev_end {
                    if let Some(s) = next(prev_end) {
                        out.push(s, end, value);
                    }
                }
                continue;
            }
            if next(prev_end) == Some(start) && out.values[last] == value {
                out.ends[last] = end;
            } else {
                out.push(start, end, value);
            }
        }
        out
    }

    fn push(&mut self, start: K, end: K, value: V) {
        self.starts.push(start);
        self.ends.push(end);
        self.values.push(value);
    }

    /// The value of the range holding `key`.
    #[inline]
    pub fn get(&self, key: K) -> Option<V> {
        let i = self.starts.partition_point(|&s| s <= key).checked_sub(1)?;
        (self.ends[i] >= key).then(|| self.values[i])
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }
}

/// Country and AS ranges for IPv4 and IPv6, and the AS holders' names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpIntel {
    /// Where the data comes from and its versions, as `key=value` lines.
    pub meta: String,
    v4_country: Ranges<u32, [u8; 2]>,
    v6_country: Ranges<u128, [u8; 2]>,
    v4_asn: Ranges<u32, u32>,
    v6_asn: Ranges<u128, u32>,
    /// Sorted by ASN.
    as_names: Vec<(u32, Box<str>)>,
}

fn next_u32(k: u32) -> Option<u32> {
    k.checked_add(1)
}
fn next_u128(k: u128) -> Option<u128> {
    k.checked_add(1)
}

/// The address a look-up uses: IPv4-mapped and IPv4-compatible IPv6 addresses are IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

impl IpIntel {
    /// The database bundled with this build, decompressed on first use.
    pub fn bundled() -> &'static IpIntel {
        static DB: OnceLock<IpIntel> = OnceLock::new();
        DB.get_or_init(|| {
            // The bundled file is checked by this crate's tests; a damaged build still runs,
            // without IP intelligence, rather than crash the app.
            IpIntel::from_compressed(BUNDLED).unwrap_or_default()
        })
    }

    /// Country and AS of `ip`; empty for private, reserved and unknown addresses.
    #[inline]
    pub fn lookup(&self, ip: IpAddr) -> IpInfo<'_> {
        let (country, asn) = match canonical(ip) {
            IpAddr::V4(v4) => {
                let k = u32::from(v4);
                (self.v4_country.get(k), self.v4_asn.get(k))
            }
            IpAddr::V6(v6) => {
                let k = u128::from(v6);
                (self.v6_country.get(k), self.v6_asn.get(k))
            }
        };
        IpInfo {
            country: country.and_then(|c| std::str::from_utf8(self.code(&c)).ok()),
            asn,
            as_name: asn.and_then(|a| self.as_name(a)),
        }
    }

    /// [`IpIntel::lookup`] of a textual address; `None` when it is not one.
    pub fn lookup_str(&self, ip: &str) -> Option<IpInfo<'_>> {
        ip.trim().parse::<IpAddr>().ok().map(|ip| self.lookup(ip))
    }

    fn code<'a>(&'a self, c: &[u8; 2]) -> &'a [u8] {
        // The codes live in the range tables; return a slice borrowed from a static table
        // of all two-letter codes so the look-up borrows nothing transient.
        let i = usize::from(c[0].wrapping_sub(b'A')) * 26 + usize::from(c[1].wrapping_sub(b'A'));
        CODES.get(i * 2..i * 2 + 2).unwrap_or(b"")
    }

    /// The holder of autonomous system `asn`.
    pub fn as_name(&self, asn: u32) -> Option<&str> {
        let i = self.as_names.binary_search_by_key(&asn, |(a, _)| *a).ok()?;
        Some(&self.as_names[i].1)
    }

    /// Range counts: `(v4 country, v6 country, v4 AS, v6 AS, AS names)`.
    pub fn counts(&self) -> (usize, usize, usize, usize, usize) {
        (
            self.v4_country.len(),
            self.v6_country.len(),
            self.v4_asn.len(),
            self.v6_asn.len(),
            self.as_names.len(),
        )
    }

    /// Builds from ip-location-db CSV files: `country` rows `start,end,CC` and `asn` rows
    /// `start,end,ASN,name`, addresses in text form (IPv4 or IPv6 in one file or several).
    pub fn from_csv(
        country: &mut [(&str, &mut dyn Read)],
        asn: &mut [(&str, &mut dyn Read)],
        meta: String,
    ) -> Result<IpIntel> {
        let mut c4 = Vec::new();
        let mut c6 = Vec::new();
        let mut a4 = Vec::new();
        let mut a6 = Vec::new();
        let mut names = std::collections::BTreeMap::<u32, Box<str>>::new();
        for (file, reader) in country.iter_mut() {
            each_range(file, &mut **reader, |s, e, row| {
                let code: [u8; 2] = match row.get(2).map(|c| c.trim().to_ascii_uppercase()) {
                    Some(cc) if cc.len() == 2 && cc.bytes().all(|b| b.is_ascii_uppercase()) => {
                        let b = cc.as_bytes();
                        [b[0], b[1]]
                    }
                    _ => return, // reserved rows without a code
                };
                match (s, e) {
                    (IpAddr::V4(s), IpAddr::V4(e)) => c4.push((u32::from(s), u32::from(e), code)),
                    (IpAddr::V6(s), IpAddr::V6(e)) => c6.push((u128::from(s), u128::from(e), code)),
                    _ => {}
                }
            })?;
        }
        for (file, reader) in asn.iter_mut() {
            each_range(file, &mut **reader, |s, e, row| {
                let Some(number) = row.get(2).and_then(|n| n.trim().parse::<u32>().ok()) else {
                    return;
                };
                if let Some(name) = row.get(3).map(str::trim).filter(|n| !n.is_empty()) {
                    names.entry(number).or_insert_with(|| name.into());
                }
                match (s, e) {
                    (IpAddr::V4(s), IpAddr::V4(e)) => a4.push((u32::from(s), u32::from(e), number)),
                    (IpAddr::V6(s), IpAddr::V6(e)) => {
                        a6.push((u128::from(s), u128::from(e), number))
                    }
                    _ => {}
                }
            })?;
        }
        Ok(IpIntel {
            meta,
            v4_country: Ranges::build(c4, next_u32),
            v6_country: Ranges::build(c6, next_u128),
            v4_asn: Ranges::build(a4, next_u32),
            v6_asn: Ranges::build(a6, next_u128),
            as_names: names.into_iter().collect(),
        })
    }

    /// The database as bytes (before compression).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        put_bytes(&mut out, self.meta.as_bytes());
        put_ranges(&mut out, &self.v4_country, |k| k.to_le_bytes(), |v| *v);
        put_ranges(&mut out, &self.v6_country, |k| k.to_le_bytes(), |v| *v);
        put_ranges(
            &mut out,
            &self.v4_asn,
            |k| k.to_le_bytes(),
            |v| v.to_le_bytes(),
        );
        put_ranges(
            &mut out,
            &self.v6_asn,
            |k| k.to_le_bytes(),
            |v| v.to_le_bytes(),
        );
        put_len(&mut out, self.as_names.len());
        for (asn, name) in &self.as_names {
            out.extend_from_slice(&asn.to_le_bytes());
            put_bytes(&mut out, name.as_bytes());
        }
        out
    }

    /// The database compressed as it is bundled.
    pub fn to_compressed(&self) -> Result<Vec<u8>> {
        Ok(zstd::encode_all(&self.to_bytes()[..], 19)?)
    }

    pub fn from_compressed(bytes: &[u8]) -> Result<IpIntel> {
        IpIntel::from_bytes(&zstd::decode_all(bytes)?)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<IpIntel> {
        let mut r = Reader { rest: bytes };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(Error::Format("not a Cloudwarden IP database"));
        }
        let meta = String::from_utf8(r.bytes()?.to_vec())
            .map_err(|_| Error::Format("metadata is not UTF-8"))?;
        let v4_country = r.ranges(u32_le, |b| [b[0], b[1]], 4, 2)?;
        let v6_country = r.ranges(u128_le, |b| [b[0], b[1]], 16, 2)?;
        let v4_asn = r.ranges(u32_le, u32_le, 4, 4)?;
        let v6_asn = r.ranges(u128_le, u32_le, 16, 4)?;
        let n = r.len()?;
        let mut as_names = Vec::with_capacity(n);
        for _ in 0..n {
            let asn = u32_le(r.take(4)?);
            let name = std::str::from_utf8(r.bytes()?)
                .map_err(|_| Error::Format("an AS name is not UTF-8"))?;
            as_names.push((asn, name.into()));
        }
        if !r.rest.is_empty() {
            return Err(Error::Format("trailing bytes"));
        }
        if !as_names.is_sorted_by_key(|(a, _): &(u32, Box<str>)| *a) {
            return Err(Error::Format("AS names out of order"));
        }
        Ok(IpIntel {
            meta,
            v4_country,
            v6_country,
            v4_asn,
            v6_asn,
            as_names,
        })
    }
}

/// Calls `f` with each CSV row's `start,end` addresses and the row (no header; rows with
/// fewer than three fields are skipped).
fn each_range(
    file: &str,
    reader: &mut dyn Read,
    mut f: impl FnMut(IpAddr, IpAddr, &csv::StringRecord),
) -> Result<()> {
    let mut rows = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    for (i, row) in rows.records().enumerate() {
        let line = i as u64 + 1;
        let fail = |reason: String| Error::Source {
            file: file.to_owned(),
            line,
            reason,
        };
        let row = row.map_err(|e| fail(e.to_string()))?;
        let (Some(s), Some(e), Some(_)) = (row.get(0), row.get(1), row.get(2)) else {
            continue;
        };
        let addr = |a: &str| {
            a.trim()
                .parse::<IpAddr>()
                .map_err(|_| fail(format!("{a} is not an IP address")))
        };
        f(addr(s)?, addr(e)?, &row);
    }
    Ok(())
}

/// All two-letter codes `AA`…`ZZ`, so a look-up can return a `&str` into static memory.
static CODES: [u8; 26 * 26 * 2] = {
    let mut out = [0u8; 26 * 26 * 2];
    let mut i = 0;
    while i < 26 * 26 {
        out[i * 2] = b'A' + (i / 26) as u8;
        out[i * 2 + 1] = b'A' + (i % 26) as u8;
        i += 1;
    }
    out
};

fn put_len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_len(out, b.len());
    out.extend_from_slice(b);
}

fn put_ranges<K: Copy, V: Copy, const KN: usize, const VN: usize>(
    out: &mut Vec<u8>,
    r: &Ranges<K, V>,
    key: impl Fn(&K) -> [u8; KN],
    value: impl Fn(&V) -> [u8; VN],
) {
    put_len(out, r.starts.len());
    // Column by column: sorted starts and ends compress far better than interleaved rows.
    for k in &r.starts {
        out.extend_from_slice(&key(k));
    }
    for k in &r.ends {
        out.extend_from_slice(&key(k));
    }
    for v in &r.values {
        out.extend_from_slice(&value(v));
    }
}

fn u32_le(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[..4]);
    u32::from_le_bytes(a)
}

fn u128_le(b: &[u8]) -> u128 {
    let mut a = [0u8; 16];
    a.copy_from_slice(&b[..16]);
    u128::from_le_bytes(a)
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.rest.len() < n {
            return Err(Error::Format("truncated"));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn len(&mut self) -> Result<usize> {
        Ok(u32_le(self.take(4)?) as usize)
    }

    fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.len()?;
        self.take(n)
    }

    fn ranges<K: Ord + Copy, V>(
        &mut self,
        key: impl Fn(&[u8]) -> K,
        value: impl Fn(&[u8]) -> V,
        kn: usize,
        vn: usize,
    ) -> Result<Ranges<K, V>> {
        let n = self.len()?;
        let starts: Vec<K> = self.take(n * kn)?.chunks_exact(kn).map(&key).collect();
        let ends: Vec<K> = self.take(n * kn)?.chunks_exact(kn).map(&key).collect();
        let values: Vec<V> = self.take(n * vn)?.chunks_exact(vn).map(value).collect();
        let ordered = starts.windows(2).all(|w| w[0] < w[1])
            && ends.iter().zip(&starts).all(|(e, s)| e >= s)
            && ends.iter().zip(starts.iter().skip(1)).all(|(e, s)| e < s);
        if !ordered {
            return Err(Error::Format("ranges out of order or overlapping"));
        }
        Ok(Ranges {
            starts,
            ends,
            values,
        })
    }
}

/// Whether `ip` is one no registry places: private, loopback, link-local, shared (CGNAT),
/// documentation, multicast or unspecified. Such addresses have no country or AS.
pub fn is_internal(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64.0.0/10 shared address space
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        }
    }
}

/// An IPv4 address from its number (for benchmarks and tests).
pub fn v4(n: u32) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(n))
}

/// An IPv6 address from its number (for benchmarks and tests).
pub fn v6(n: u128) -> IpAddr {
    IpAddr::V6(Ipv6Addr::from(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> IpIntel {
        let mut c4 = "1.0.0.0,1.0.0.255,AU\n1.0.1.0,1.0.3.255,CN\n1.0.4.0,1.0.7.255,AU\n\
                      8.8.8.0,8.8.8.255,US\n"
            .as_bytes();
        let mut c6 = "2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,JP\n".as_bytes();
        let mut a4 =
            "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n8.8.8.0,8.8.8.255,15169,Google LLC\n"
                .as_bytes();
        let mut a6 =
            "2001:200::,2001:200:1b9:ffff:ffff:ffff:ffff:ffff,2500,WIDE Project\n".as_bytes();
        IpIntel::from_csv(
            &mut [("c4", &mut c4), ("c6", &mut c6)],
            &mut [("a4", &mut a4), ("a6", &mut a6)],
            "test=1".into(),
        )
        .unwrap_or_default()
    }

    #[test]
    fn looks_up_country_and_as_at_range_edges() {
        let db = sample();
        let at = |s: &str| db.lookup_str(s).unwrap_or_default();
        assert_eq!(at("1.0.0.0").country, Some("AU"));
        assert_eq!(at("1.0.0.255").country, Some("AU"));
        assert_eq!(at("1.0.0.255").asn, Some(13335));
        assert_eq!(at("1.0.0.255").as_name, Some("Cloudflare, Inc."));
        assert_eq!(at("1.0.1.0").country, Some("CN"));
        assert_eq!(at("1.0.1.0").asn, None);
        assert_eq!(at("8.8.8.8").as_name, Some("Google LLC"));
        assert_eq!(at("8.8.9.0"), IpInfo::default());
        assert_eq!(at("0.255.255.255"), IpInfo::default());
        assert_eq!(at("::ffff:8.8.8.8").country, Some("US"), "IPv4-mapped");
        assert_eq!(at("2001:200:1b9::1").asn, Some(2500));
        assert_eq!(at("2001:200:1ba::1").asn, None);
        assert_eq!(at("2001:200:1ba::1").country, Some("JP"));
        assert!(db.lookup_str("not an ip").is_none());
    }

    #[test]
    fn adjacent_ranges_with_one_value_merge_and_overlaps_keep_the_first() {
        let r = Ranges::build(
            vec![(10u32, 19, 'a'), (0, 9, 'a'), (20, 29, 'b'), (25, 40, 'c')],
            next_u32,
        );
        assert_eq!(r.len(), 3);
        assert_eq!(r.get(0), Some('a'));
        assert_eq!(r.get(19), Some('a'));
        assert_eq!(r.get(27), Some('b'));
        assert_eq!(r.get(30), Some('c'));
        assert_eq!(r.get(41), None);
    }

    #[test]
    fn survives_a_round_trip_and_refuses_damage() {
        let db = sample();
        let packed = db.to_compressed().unwrap_or_default();
        assert_eq!(IpIntel::from_compressed(&packed).ok(), Some(db.clone()));
        let bytes = db.to_bytes();
        assert!(IpIntel::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(IpIntel::from_bytes(b"garbage!").is_err());
    }

    #[test]
    fn the_bundled_database_covers_the_world() {
        let db = IpIntel::from_compressed(BUNDLED);
        let db = match db {
            Ok(db) => db,
            Err(e) => panic!("bundled IP database: {e}"),
        };
        let (c4, c6, a4, a6, names) = db.counts();
        assert!(c4 > 100_000 && c6 > 50_000 && a4 > 100_000 && a6 > 50_000 && names > 50_000);
        assert!(db.meta.contains("geo-whois-asn-country"), "{}", db.meta);
        // Addresses whose registration does not move: Google's and Cloudflare's resolvers,
        // an IPv6 block of the Korean registry.
        let google = db.lookup_str("8.8.8.8").unwrap_or_default();
        assert_eq!(google.country, Some("US"));
        assert_eq!(google.asn, Some(15169));
        assert_eq!(
            db.lookup_str("1.1.1.1").unwrap_or_default().asn,
            Some(13335)
        );
        assert_eq!(
            db.lookup_str("2001:230::1").unwrap_or_default().country,
            Some("KR")
        );
        assert_eq!(
            db.lookup_str("10.1.2.3").unwrap_or_default(),
            IpInfo::default()
        );
        assert_eq!(IpIntel::bundled().counts(), db.counts());
    }

    #[test]
    fn internal_addresses_are_recognised() {
        for ip in [
            "10.0.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "100.64.0.1",
            "fd00::1",
            "fe80::1",
            "::1",
        ] {
            assert!(is_internal(ip.parse().unwrap_or(v4(0))), "{ip}");
        }
        for ip in ["8.8.8.8", "100.128.0.1", "2001:4860::8888"] {
            assert!(!is_internal(ip.parse().unwrap_or(v4(0x0a00_0001))), "{ip}");
        }
    }
}
