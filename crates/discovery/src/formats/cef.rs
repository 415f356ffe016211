//! ArcSight Common Event Format: `CEF:0|Vendor|Product|Version|ID|Name|Severity|k=v k=v…`,
//! optionally behind a syslog header. Extension values may contain spaces: a value runs until
//! the next ` key=`.

use crate::fields::{count, host_of, user};
use crate::record::{Action, Parsed, Reason, Record};
use crate::time::{epoch_any, iso8601, month};

use super::{Format, Layout};
use crate::fields::blocked;

pub struct Cef;

/// The value of `key` in a CEF extension (values may hold spaces; `\=` is an escaped `=`).
pub fn ext<'a>(ext: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(p) = memchr::memmem::find(&ext[from..], key) {
        let at = from + p;
        let end = at + key.len();
        if (at == 0 || ext[at - 1] == b' ') && ext.get(end) == Some(&b'=') {
            let v = &ext[end + 1..];
            return Some(&v[..value_end(v)]);
        }
        from = end;
    }
    None
}

/// Where a value ends: before the space that starts the next `key=`.
fn value_end(v: &[u8]) -> usize {
    let mut i = 0;
    while let Some(p) = memchr::memchr(b' ', &v[i..]) {
        let sp = i + p;
        let rest = &v[sp + 1..];
        let key_len = rest
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c == b'.')
            .count();
        if key_len > 0 && rest.get(key_len) == Some(&b'=') {
            return sp;
        }
        i = sp + 1;
    }
    v.len()
}

/// `rt`/`start`/`end` as CEF writes them: epoch ms, or `MMM dd yyyy HH:mm:ss`, or ISO 8601.
pub fn cef_time(b: &[u8]) -> Option<i64> {
    if b.iter().all(u8::is_ascii_digit) {
        return epoch_any(b);
    }
    if let Some(t) = iso8601(b) {
        return Some(t);
    }
    // "Jan 18 2021 10:20:30" (UTC assumed; a trailing zone name is ignored)
    let mut w = b.split(|&c| c == b' ').filter(|x| !x.is_empty());
    let (m, d, y, t) = (w.next()?, w.next()?, w.next()?, w.next()?);
    let m = month(m)?;
    let d: u32 = std::str::from_utf8(d).ok()?.parse().ok()?;
    let y: i64 = std::str::from_utf8(y).ok()?.parse().ok()?;
    Some(crate::time::days_from_civil(y, m, d) * 86_400_000 + crate::time::clock(t)?)
}

/// The header fields and the extension of a CEF line.
pub fn split(line: &[u8]) -> Option<([&[u8]; 7], &[u8])> {
    let start = memchr::memmem::find(line, b"CEF:")?;
    let body = &line[start..];
    let mut parts = [&b""[..]; 7];
    let mut rest = body;
    for part in &mut parts {
        // `\|` is an escaped pipe inside a header field.
        let mut i = 0;
        loop {
            let p = memchr::memchr(b'|', &rest[i..])?;
            if p + i > 0 && rest[p + i - 1] == b'\\' {
                i += p + 1;
                continue;
            }
            *part = &rest[..i + p];
            rest = &rest[i + p + 1..];
            break;
        }
    }
    Some((parts, rest))
}

/// The web transaction of a CEF extension `e`: destination from `dhost`, `request` or `dst`;
/// time from the first of `time_keys` present (the file's time when none is); `out`/`in`
/// bytes; `src`, `suser`; `act` judged by `is_blocked`. Shared by vendors that speak CEF.
pub(crate) fn web_record<'a>(
    e: &'a [u8],
    time_keys: &[&[u8]],
    is_blocked: fn(&[u8]) -> bool,
) -> Parsed<'a> {
    let host = ext(e, b"dhost")
        .and_then(host_of)
        .or_else(|| ext(e, b"request").and_then(host_of))
        .or_else(|| ext(e, b"dst").and_then(host_of));
    let Some(host) = host else {
        return Reason::NoDestination.into();
    };
    let timestamp_ms = match time_keys.iter().find_map(|k| ext(e, k)) {
        Some(t) => match cef_time(t) {
            Some(ms) => ms,
            None => return Reason::BadTimestamp.into(),
        },
        // The run uses the file's time.
        None => i64::MIN,
    };
    let (Some(up), Some(down)) = (
        count(ext(e, b"out").unwrap_or_default()),
        count(ext(e, b"in").unwrap_or_default()),
    ) else {
        return Reason::BadNumber.into();
    };
    Parsed::Record(Record {
        timestamp_ms,
        src_ip: crate::fields::text_or_empty(ext(e, b"src")),
        user: ext(e, b"suser").and_then(user),
        host,
        bytes_up: up,
        bytes_down: down,
        action: Action::from_blocked(ext(e, b"act").is_some_and(is_blocked)),
    })
}

impl Format for Cef {
    fn id(&self) -> &'static str {
        "cef"
    }
    fn name(&self) -> &'static str {
        "Common Event Format (CEF)"
    }
    fn vendor(&self) -> &'static str {
        "ArcSight (generic)"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        if line.trim_ascii().is_empty() {
            return Reason::Empty.into();
        }
        let Some((_, e)) = split(line) else {
            return Reason::Syntax.into();
        };
        web_record(e, &[b"rt", b"start", b"end"], blocked)
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        if memchr::memmem::find(line, b"CEF:").is_some() && split(line).is_some() {
            1.0
        } else {
            0.0
        }
    }
}
