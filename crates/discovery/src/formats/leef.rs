//! IBM QRadar Log Event Extended Format: `LEEF:1.0|Vendor|Product|Version|EventID|k=v<TAB>k=v`
//! or `LEEF:2.0|…|EventID|Delimiter|k=v<D>k=v` (delimiter a character, `xHH` or `^`),
//! optionally behind a syslog header.

use crate::fields::{count, host_of, user};
use crate::record::{Action, Parsed, Reason, Record};

use super::cef::cef_time;
use super::{Format, Layout};
use crate::fields::blocked;

pub struct Leef;

/// A parsed LEEF line: the event id and the attribute list with its delimiter.
pub struct Event<'a> {
    pub vendor: &'a [u8],
    pub product: &'a [u8],
    pub event_id: &'a [u8],
    attrs: &'a [u8],
    delim: u8,
}

impl<'a> Event<'a> {
    pub fn parse(line: &'a [u8]) -> Option<Event<'a>> {
        let start = memchr::memmem::find(line, b"LEEF:")?;
        let mut rest = &line[start + 5..];
        let mut next = || {
            let p = memchr::memchr(b'|', rest)?;
            let field = &rest[..p];
            rest = &rest[p + 1..];
            Some(field)
        };
        let version = next()?;
        let (vendor, product, _ver, event_id) = (next()?, next()?, next()?, next()?);
        let delim = if version.starts_with(b"2") {
            let d = next()?;
            match d {
                [c] => *c,
                [b'x' | b'X', h @ ..] | [b'0', b'x' | b'X', h @ ..] => {
                    u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?
                }
                b"" => b'\t',
                _ => return None,
            }
        } else {
            b'\t'
        };
        Some(Event {
            vendor,
            product,
            event_id,
            attrs: rest,
            delim,
        })
    }

    /// The value of attribute `key`.
    pub fn get(&self, key: &[u8]) -> Option<&'a [u8]> {
        self.attrs.split(|&c| c == self.delim).find_map(|kv| {
            let eq = memchr::memchr(b'=', kv)?;
            (kv[..eq].trim_ascii() == key).then(|| kv[eq + 1..].trim_ascii())
        })
    }
}

/// A record from a LEEF event, for the generic format and the Zscaler NSS feeds.
pub fn record<'a>(e: &Event<'a>) -> Parsed<'a> {
    let host = e
        .get(b"url")
        .and_then(host_of)
        .or_else(|| e.get(b"dhost").and_then(host_of))
        .or_else(|| e.get(b"host").and_then(host_of))
        .or_else(|| e.get(b"dst").and_then(host_of));
    let Some(host) = host else {
        return Reason::NoDestination.into();
    };
    let timestamp_ms = match e.get(b"devTime") {
        Some(t) => match cef_time(t) {
            Some(ms) => ms,
            None => return Reason::BadTimestamp.into(),
        },
        None => i64::MIN,
    };
    let (Some(up), Some(down)) = (
        count(
            e.get(b"srcBytes")
                .or_else(|| e.get(b"reqsize"))
                .unwrap_or_default(),
        ),
        count(
            e.get(b"dstBytes")
                .or_else(|| e.get(b"respsize"))
                .unwrap_or_default(),
        ),
    ) else {
        return Reason::BadNumber.into();
    };
    let blocked_event = e
        .get(b"action")
        .map(blocked)
        .unwrap_or_else(|| blocked(e.event_id));
    Parsed::Record(Record {
        timestamp_ms,
        src_ip: crate::fields::text_or_empty(e.get(b"src")),
        user: e
            .get(b"usrName")
            .or_else(|| e.get(b"userName"))
            .and_then(user),
        host,
        bytes_up: up,
        bytes_down: down,
        action: Action::from_blocked(blocked_event),
    })
}

impl Format for Leef {
    fn id(&self) -> &'static str {
        "leef"
    }
    fn name(&self) -> &'static str {
        "Log Event Extended Format (LEEF 1.0/2.0)"
    }
    fn vendor(&self) -> &'static str {
        "IBM QRadar (generic)"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        if line.trim_ascii().is_empty() {
            return Reason::Empty.into();
        }
        match Event::parse(line) {
            Some(e) => record(&e),
            None => Reason::Syntax.into(),
        }
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        if Event::parse(line).is_some() {
            0.9
        } else {
            0.0
        }
    }
}
