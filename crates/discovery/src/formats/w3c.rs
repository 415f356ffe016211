//! W3C extended log format (IIS, Forefront TMG) and Blue Coat / Symantec ProxySG ELFF: space
//! separated columns named by a `#Fields:` header; values with spaces are double-quoted. Without
//! a header the vendor's default column order is used.

use crate::fields::{count, host_of, user};
use crate::record::{Action, Parsed, Reason, Record};
use crate::time::date_clock;

use super::{Format, Layout};

/// An ELFF dialect.
pub struct Elff {
    id: &'static str,
    name: &'static str,
    vendor: &'static str,
    /// Column order when a file has no `#Fields:` header.
    default: &'static [&'static str],
}

/// IIS 8.5+/10 default W3C fields (the order IIS writes when all default fields are selected).
pub static W3C: Elff = Elff {
    id: "w3c",
    name: "W3C extended log (IIS, Forefront TMG)",
    vendor: "Microsoft (generic W3C)",
    default: &[
        "date",
        "time",
        "s-ip",
        "cs-method",
        "cs-uri-stem",
        "cs-uri-query",
        "s-port",
        "cs-username",
        "c-ip",
        "cs(User-Agent)",
        "cs(Referer)",
        "cs-host",
        "sc-status",
        "sc-substatus",
        "sc-win32-status",
        "time-taken",
    ],
};

/// ProxySG default "main" access-log format.
pub static BLUECOAT: Elff = Elff {
    id: "bluecoat",
    name: "Blue Coat / Symantec ProxySG (ELFF)",
    vendor: "Broadcom (Blue Coat)",
    default: &[
        "date",
        "time",
        "time-taken",
        "c-ip",
        "sc-status",
        "s-action",
        "sc-bytes",
        "cs-bytes",
        "cs-method",
        "cs-uri-scheme",
        "cs-host",
        "cs-uri-port",
        "cs-uri-path",
        "cs-uri-query",
        "cs-username",
        "cs-auth-group",
        "s-supplier-name",
        "rs(Content-Type)",
        "cs(Referer)",
        "sc-filter-result",
        "cs-categories",
        "x-virus-id",
        "s-ip",
    ],
};

// Roles, in this order.
const DATE: usize = 0;
const TIME: usize = 1;
const CLIENT: usize = 2;
const USER: usize = 3;
const HOST: usize = 4;
const URL: usize = 5;
const DEST_IP: usize = 6;
const UP: usize = 7;
const DOWN: usize = 8;
const FILTER: usize = 9;
const ACTION: usize = 10;
const STATUS: usize = 11;

const ROLES: &[&[&str]] = &[
    &["date"],
    &["time"],
    &["c-ip", "x-forwarded-for"],
    &["cs-username", "cs-userdn"],
    &["cs-host", "r-host", "x-cs-host", "cs(Host)"],
    &["cs-uri", "r-uri", "cs-uri-stem"],
    &["r-ip", "s-ip", "r-supplier-ip", "s-supplier-ip"],
    &["cs-bytes"],
    &["sc-bytes"],
    &["sc-filter-result"],
    &["s-action"],
    &["sc-status"],
];

/// Columns of an ELFF line: space separated, `"quoted values"` may hold spaces.
fn columns(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = line;
    std::iter::from_fn(move || {
        rest = rest.trim_ascii_start();
        if rest.is_empty() {
            return None;
        }
        if let Some(body) = rest.strip_prefix(b"\"") {
            let end = memchr::memchr(b'"', body).unwrap_or(body.len());
            let v = &body[..end];
            rest = body.get(end + 1..).unwrap_or_default();
            return Some(v);
        }
        let end = rest
            .iter()
            .position(|c| *c == b' ' || *c == b'\t')
            .unwrap_or(rest.len());
        let v = &rest[..end];
        rest = &rest[end..];
        Some(v)
    })
}

impl Elff {
    fn default_layout(&self) -> Layout {
        Layout::new(self.default.iter().map(|s| (*s).to_owned()).collect()).with_roles(ROLES)
    }
}

impl Format for Elff {
    fn id(&self) -> &'static str {
        self.id
    }
    fn name(&self) -> &'static str {
        self.name
    }
    fn vendor(&self) -> &'static str {
        self.vendor
    }

    fn header(&self, line: &[u8]) -> Option<Layout> {
        let fields = line.strip_prefix(b"#Fields:")?;
        let names = fields
            .split(|c| *c == b' ' || *c == b'\t')
            .filter(|f| !f.is_empty())
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        Some(Layout::new(names).with_roles(ROLES))
    }

    fn parse<'a>(&self, line: &'a [u8], layout: Option<&Layout>) -> Parsed<'a> {
        if line.trim_ascii().is_empty() {
            return Reason::Empty.into();
        }
        if line[0] == b'#' {
            return Reason::Header.into();
        }
        let fallback;
        let layout = match layout {
            Some(l) if !l.roles.is_empty() => l,
            _ => {
                fallback = self.default_layout();
                &fallback
            }
        };
        let mut cols: [&[u8]; 64] = [b""; 64];
        let mut n = 0;
        for c in columns(line).take(64) {
            cols[n] = c;
            n += 1;
        }
        if n < layout.columns.len().min(64) {
            return Reason::TooFewFields.into();
        }
        let get = |role: usize| layout.roles.get(role).copied().flatten().map(|i| cols[i]);
        let (Some(d), Some(t)) = (get(DATE), get(TIME)) else {
            return Reason::TooFewFields.into();
        };
        let Some(timestamp_ms) = date_clock(d, t) else {
            return Reason::BadTimestamp.into();
        };
        let host = get(HOST)
            .filter(|h| *h != b"-")
            .and_then(host_of)
            .or_else(|| {
                get(URL)
                    .filter(|u| memchr::memmem::find(u, b"://").is_some())
                    .and_then(host_of)
            })
            .or_else(|| get(DEST_IP).and_then(host_of));
        let Some(host) = host else {
            return Reason::NoDestination.into();
        };
        let (Some(up), Some(down)) = (
            count(get(UP).unwrap_or_default()),
            count(get(DOWN).unwrap_or_default()),
        ) else {
            return Reason::BadNumber.into();
        };
        let filter = get(FILTER).unwrap_or_default();
        let action = get(ACTION).unwrap_or_default();
        let blocked = filter.eq_ignore_ascii_case(b"DENIED")
            || memchr::memmem::find(action, b"DENIED").is_some()
            || (get(FILTER).is_some() && get(STATUS) == Some(b"403") && filter != b"OBSERVED");
        Parsed::Record(Record {
            timestamp_ms,
            src_ip: crate::fields::text_or_empty(get(CLIENT)),
            user: get(USER).and_then(user),
            host,
            bytes_up: up,
            bytes_down: down,
            action: Action::from_blocked(blocked),
        })
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        if line.starts_with(b"#Software: SGOS")
            || line.starts_with(b"#Remark: ") && self.id == "bluecoat"
        {
            return if self.id == "bluecoat" { 1.0 } else { 0.0 };
        }
        if let Some(fields) = line.strip_prefix(b"#Fields:") {
            let proxy = memchr::memmem::find(fields, b"sc-filter-result").is_some()
                || memchr::memmem::find(fields, b"s-action").is_some();
            return match (self.id, proxy) {
                ("bluecoat", true) | ("w3c", false) => 1.0,
                _ => 0.2,
            };
        }
        if line.starts_with(b"#") {
            return 0.0;
        }
        let mut c = columns(line);
        let (d, t) = (c.next().unwrap_or_default(), c.next().unwrap_or_default());
        if date_clock(d, t).is_none() {
            return 0.0;
        }
        let n = 2 + c.count();
        if n == self.default.len() {
            0.8
        } else {
            0.3
        }
    }
}
