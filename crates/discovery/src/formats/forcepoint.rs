//! Forcepoint (Websense) Web Security Cloud CSV log export: quoted, comma-separated, no header.
//! Columns (0-based), as the exported files show them: 0 date `DD/MM/YYYY`, 1 time (UTC),
//! 2 user (`anonymous` when unauthenticated), 3 workstation, 4 categories, 5 action
//! (`Allowed`, `Blocked` …), 6 risk classes, 7 policy, 8 URL (`HTTPS://host/path` or
//! `host:443/` for CONNECT), 9 connection IP (the client's public, translated address),
//! 10 destination IP, 11 source IP (`Not available` when unknown; the connection IP is used
//! then), 12 and 13 unmapped (`None` in every sample), 14 user agent, 15 HTTP status, 16 HTTP
//! method. No byte counts.

use crate::fields::{csv, host_of, user};
use crate::record::{Action, Parsed, Reason, Record};
use crate::time::{clock, days_from_civil};

use super::{Format, Layout};

pub struct Forcepoint;

const DATE: usize = 0;
const TIME: usize = 1;
const USER: usize = 2;
const ACTION: usize = 5;
const URL: usize = 8;
const CONNECTION_IP: usize = 9;
const DEST_IP: usize = 10;
const SOURCE_IP: usize = 11;
const FIELDS: usize = SOURCE_IP + 1;

/// `16/12/2022` → days since the epoch.
fn day_month_year(b: &[u8]) -> Option<i64> {
    if b.len() != 10 || b[2] != b'/' || b[5] != b'/' {
        return None;
    }
    let num = |s: &[u8]| std::str::from_utf8(s).ok()?.parse::<u32>().ok();
    let (d, m, y) = (num(&b[0..2])?, num(&b[3..5])?, num(&b[6..10])?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(i64::from(y), m, d))
}

fn action_blocked(a: &[u8]) -> bool {
    let has = |s: &[u8]| a.windows(s.len()).any(|w| w.eq_ignore_ascii_case(s));
    (has(b"block") || has(b"denied")) && !has(b"not block")
}

/// An address column, `None` for the `Not available` placeholder.
fn address(b: &[u8]) -> Option<&[u8]> {
    (!b.is_empty() && b != b"Not available" && b != b"-").then_some(b)
}

impl Format for Forcepoint {
    fn id(&self) -> &'static str {
        "forcepoint"
    }
    fn name(&self) -> &'static str {
        "Forcepoint Web Security (CSV export)"
    }
    fn vendor(&self) -> &'static str {
        "Forcepoint"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        if line.trim_ascii().is_empty() {
            return Reason::Empty.into();
        }
        let mut f: [&[u8]; FIELDS] = [b""; FIELDS];
        let mut n = 0;
        for (slot, c) in f.iter_mut().zip(csv(line, b',')) {
            *slot = c.trim_ascii();
            n += 1;
        }
        if f[DATE].eq_ignore_ascii_case(b"date") {
            return Reason::Header.into();
        }
        if n < FIELDS {
            return Reason::TooFewFields.into();
        }
        let timestamp_ms = match (day_month_year(f[DATE]), clock(f[TIME])) {
            (Some(d), Some(t)) => d * 86_400_000 + t,
            _ => return Reason::BadTimestamp.into(),
        };
        let host = host_of(f[URL]).or_else(|| address(f[DEST_IP]).and_then(host_of));
        let Some(host) = host else {
            return Reason::NoDestination.into();
        };
        let src = address(f[SOURCE_IP])
            .or_else(|| address(f[CONNECTION_IP]))
            .unwrap_or_default();
        let name = if f[USER].eq_ignore_ascii_case(b"anonymous") {
            None
        } else {
            user(f[USER])
        };
        Parsed::Record(Record {
            timestamp_ms,
            src_ip: std::str::from_utf8(src).unwrap_or(""),
            user: name,
            host,
            bytes_up: 0,
            bytes_down: 0,
            action: Action::from_blocked(action_blocked(f[ACTION])),
        })
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        let mut c = csv(line, b',');
        let (d, t) = (c.next().unwrap_or_default(), c.next().unwrap_or_default());
        if day_month_year(d).is_some() && clock(t).is_some() && c.count() + 2 >= FIELDS {
            1.0
        } else {
            0.0
        }
    }
}
