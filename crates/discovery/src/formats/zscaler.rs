//! Zscaler Internet Access NSS web logs, in the three encodings NSS feeds use:
//!
//! * **JSON**, one object per line, bare or wrapped as
//!   `{ "sourcetype" : "zscalernss-web", "event" :{…}}`. Keys: `time`
//!   (`Fri Dec 31 07:07:07 2021`, UTC) or `epochtime`, `login`, `hostname`/`eurl`/`url`, `action`
//!   (`Allowed`/`Blocked`), `reqsize`, `respsize`, `cip`, `sip`. A wrapper whose `sourcetype` is
//!   not a web feed (firewall, DNS, tunnel …) is not read: those feeds have other keys.
//! * **CSV** (comma- or tab-separated, values optionally double-quoted) in the default NSS web
//!   field order, [`CSV_FIELDS`].
//! * **LEEF** (`LEEF:1.0|Zscaler|NSS…|…`), read like any LEEF event ([`super::leef::record`]).

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::fields::{count, csv, host_of, user};
use crate::record::{Action, Parsed, Reason, Record};
use crate::time::{clock, days_from_civil, iso8601, month};

use super::leef;
use super::{Format, Layout};
use crate::fields::blocked;

pub struct Zscaler;

/// The default NSS web feed fields, in order (the CSV encoding has no header line).
pub const CSV_FIELDS: [&str; 33] = [
    "time",
    "login",
    "proto",
    "eurl",
    "action",
    "appname",
    "appclass",
    "reqsize",
    "respsize",
    "stime",
    "ctime",
    "urlclass",
    "urlsupercat",
    "urlcat",
    "malwarecat",
    "threatname",
    "riskscore",
    "dlpeng",
    "dlpdict",
    "location",
    "dept",
    "cip",
    "sip",
    "reqmethod",
    "respcode",
    "ua",
    "ereferer",
    "ruletype",
    "rulelabel",
    "contenttype",
    "unscannabletype",
    "deviceowner",
    "devicehostname",
];
const CSV_TIME: usize = 0;
const CSV_LOGIN: usize = 1;
const CSV_EURL: usize = 3;
const CSV_ACTION: usize = 4;
const CSV_REQSIZE: usize = 7;
const CSV_RESPSIZE: usize = 8;
const CSV_CIP: usize = 21;
const CSV_SIP: usize = 22;

/// A JSON value read as text: a string (borrowed from the line when it has no escapes), a number
/// or boolean as its text, the first string of an array. `null` and objects are no text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Text<'a>(pub Option<Cow<'a, str>>);

impl<'a> Text<'a> {
    /// The text as a slice of the line: `""` when absent or unescaped into a new string (which
    /// IP addresses never are).
    pub fn borrowed(&self) -> &'a str {
        match self.0 {
            Some(Cow::Borrowed(s)) => s,
            _ => "",
        }
    }

    pub fn bytes(&self) -> &[u8] {
        self.0.as_deref().unwrap_or_default().as_bytes()
    }

    /// The destination host in the text (URL, `host:port`, host or IP), borrowed when possible.
    pub fn host(&self) -> Option<Cow<'a, str>> {
        match &self.0 {
            Some(Cow::Borrowed(s)) => host_of(s.as_bytes()),
            Some(Cow::Owned(s)) => host_of(s.as_bytes()).map(|h| Cow::Owned(h.into_owned())),
            None => None,
        }
    }

    /// The text as a user name (placeholders such as `-`, `N/A`, `None` are no user).
    pub fn user(self) -> Option<Cow<'a, str>> {
        match self.0? {
            Cow::Borrowed(s) => user(s.as_bytes()),
            Cow::Owned(s) => user(s.as_bytes()).is_some().then_some(Cow::Owned(s)),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'a>, E> {
                Ok(Text(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Text<'a>, E> {
                Ok(Text(Some(Cow::Owned(v))))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Text<'a>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Text<'a>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Text<'a>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Text<'a>, E> {
                Ok(Text(Some(Cow::Borrowed(if v { "true" } else { "false" }))))
            }
            fn visit_unit<E>(self) -> Result<Text<'a>, E> {
                Ok(Text(None))
            }
            fn visit_none<E>(self) -> Result<Text<'a>, E> {
                Ok(Text(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Text<'a>, D::Error> {
                Text::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text<'a>, A::Error> {
                let mut first = None;
                while let Some(Text(t)) = seq.next_element::<Text<'a>>()? {
                    if first.is_none() {
                        first = t;
                    }
                }
                Ok(Text(first))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text<'a>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A JSON byte count written as a number or a string (`600`, `"600"`, `"-"`, `"NA"`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    #[default]
    Absent,
    Value(u64),
    /// Present but not a non-negative integer.
    Bad,
}

impl Count {
    /// The count, 0 when absent, `None` when not a number.
    pub fn get(self) -> Option<u64> {
        match self {
            Count::Absent => Some(0),
            Count::Value(n) => Some(n),
            Count::Bad => None,
        }
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a byte count")
            }
            fn visit_u64<E>(self, v: u64) -> Result<Count, E> {
                Ok(Count::Value(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Count, E> {
                Ok(u64::try_from(v).map_or(Count::Bad, Count::Value))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Count, E> {
                let whole = v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 1.8e19;
                Ok(if whole {
                    Count::Value(v as u64)
                } else {
                    Count::Bad
                })
            }
            fn visit_str<E>(self, v: &str) -> Result<Count, E> {
                Ok(match v.trim() {
                    "NA" | "N/A" | "None" | "null" => Count::Absent,
                    t => count(t.as_bytes()).map_or(Count::Bad, Count::Value),
                })
            }
            fn visit_unit<E>(self) -> Result<Count, E> {
                Ok(Count::Absent)
            }
            fn visit_none<E>(self) -> Result<Count, E> {
                Ok(Count::Absent)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Count, D::Error> {
                Count::deserialize(d)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Count, E> {
                Ok(Count::Bad)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Count, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Count::Bad)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Count, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Count::Bad)
            }
        }
        d.deserialize_any(V)
    }
}

/// The keys of an NSS web event this parser reads (an `event` object wraps the real event).
#[derive(Deserialize, Default)]
#[serde(default)]
struct Web<'a> {
    #[serde(borrow)]
    event: Option<Box<Web<'a>>>,
    #[serde(borrow)]
    sourcetype: Text<'a>,
    #[serde(borrow)]
    time: Text<'a>,
    epochtime: Count,
    #[serde(borrow)]
    login: Text<'a>,
    #[serde(borrow)]
    hostname: Text<'a>,
    #[serde(borrow)]
    eurl: Text<'a>,
    #[serde(borrow)]
    url: Text<'a>,
    #[serde(borrow)]
    action: Text<'a>,
    reqsize: Count,
    respsize: Count,
    #[serde(borrow)]
    cip: Text<'a>,
    #[serde(borrow)]
    sip: Text<'a>,
}

/// `Fri Dec 31 07:07:07 2021` (UTC; the weekday may be missing) or ISO 8601 → UTC ms.
pub fn nss_time(b: &[u8]) -> Option<i64> {
    if let Some(t) = iso8601(b) {
        return Some(t);
    }
    let mut w = b.split(|&c| c == b' ').filter(|x| !x.is_empty());
    let mut first = w.next()?;
    if month(first).is_none() {
        first = w.next()?;
    }
    let m = month(first)?;
    let (d, t, y) = (w.next()?, w.next()?, w.next()?);
    let d: u32 = std::str::from_utf8(d).ok()?.parse().ok()?;
    let y: i64 = std::str::from_utf8(y).ok()?.parse().ok()?;
    if !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400_000 + clock(t)?)
}

fn json(line: &[u8]) -> Parsed<'_> {
    let Ok(top) = serde_json::from_slice::<Web>(line) else {
        return Reason::Syntax.into();
    };
    let web_feed = top
        .sourcetype
        .0
        .as_deref()
        .is_none_or(|s| s.contains("web"));
    let w = match top.event {
        Some(e) => *e,
        None => top,
    };
    if !web_feed {
        return Reason::NotTraffic.into();
    }
    let host = w
        .hostname
        .host()
        .or_else(|| w.eurl.host())
        .or_else(|| w.url.host())
        .or_else(|| w.sip.host());
    let Some(host) = host else {
        return Reason::NoDestination.into();
    };
    let timestamp_ms = match (&w.time.0, w.epochtime) {
        (Some(t), _) => nss_time(t.as_bytes()),
        (None, Count::Value(secs)) => i64::try_from(secs).ok().and_then(|s| s.checked_mul(1000)),
        (None, _) => None,
    };
    let Some(timestamp_ms) = timestamp_ms else {
        return Reason::BadTimestamp.into();
    };
    let (Some(up), Some(down)) = (w.reqsize.get(), w.respsize.get()) else {
        return Reason::BadNumber.into();
    };
    Parsed::Record(Record {
        timestamp_ms,
        src_ip: w.cip.borrowed(),
        user: w.login.user(),
        host,
        bytes_up: up,
        bytes_down: down,
        action: Action::from_blocked(blocked(w.action.bytes())),
    })
}

/// The separator of a CSV line: a tab when there is one, else a comma.
fn separator(line: &[u8]) -> u8 {
    if memchr::memchr(b'\t', line).is_some() {
        b'\t'
    } else {
        b','
    }
}

fn delimited(line: &[u8]) -> Parsed<'_> {
    let mut f: [&[u8]; CSV_SIP + 1] = [b""; CSV_SIP + 1];
    let mut n = 0;
    for (slot, field) in f.iter_mut().zip(csv(line, separator(line))) {
        *slot = field.trim_ascii();
        n += 1;
    }
    if f[CSV_TIME] == b"time" {
        return Reason::Header.into();
    }
    if n < f.len() {
        return Reason::TooFewFields.into();
    }
    let Some(timestamp_ms) = nss_time(f[CSV_TIME]) else {
        return Reason::BadTimestamp.into();
    };
    let Some(host) = host_of(f[CSV_EURL]).or_else(|| host_of(f[CSV_SIP])) else {
        return Reason::NoDestination.into();
    };
    let (Some(up), Some(down)) = (count(f[CSV_REQSIZE]), count(f[CSV_RESPSIZE])) else {
        return Reason::BadNumber.into();
    };
    Parsed::Record(Record {
        timestamp_ms,
        src_ip: std::str::from_utf8(f[CSV_CIP]).unwrap_or(""),
        user: user(f[CSV_LOGIN]),
        host,
        bytes_up: up,
        bytes_down: down,
        action: Action::from_blocked(blocked(f[CSV_ACTION])),
    })
}

impl Format for Zscaler {
    fn id(&self) -> &'static str {
        "zscaler"
    }
    fn name(&self) -> &'static str {
        "Zscaler Internet Access NSS web log (JSON, CSV, LEEF)"
    }
    fn vendor(&self) -> &'static str {
        "Zscaler"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() {
            return Reason::Empty.into();
        }
        if trimmed.starts_with(b"{") {
            return json(trimmed);
        }
        if let Some(e) = leef::Event::parse(line) {
            return leef::record(&e);
        }
        if trimmed.starts_with(b"#") {
            return Reason::Header.into();
        }
        delimited(trimmed)
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        let line = line.trim_ascii();
        if line.starts_with(b"{") {
            let has = |k: &[u8]| memchr::memmem::find(line, k).is_some();
            return if has(b"\"zscalernss-") {
                1.0
            } else if has(b"\"eurl\"") || (has(b"\"reqsize\"") && has(b"\"respsize\"")) {
                0.9
            } else {
                0.0
            };
        }
        if let Some(e) = leef::Event::parse(line) {
            return if e.vendor == b"Zscaler" { 1.0 } else { 0.0 };
        }
        let mut f = csv(line, separator(line));
        let time = f.next().unwrap_or_default().trim_ascii();
        if nss_time(time).is_some() && f.count() + 1 >= CSV_FIELDS.len() {
            0.8
        } else {
            0.0
        }
    }
}
