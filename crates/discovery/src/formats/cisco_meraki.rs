//! Cisco Meraki MX syslog: `<PRI>1 EPOCH DEVICE TYPE …`. `urls` events are records:
//! `src=ip:port dst=ip:port mac=… [agent='…'] request: METHOD URL` (no user, no byte counts).
//! Other event types (`flows`, `firewall`, `ids-alerts`, `events`, `security_event` …) are not
//! read: not traffic for this parser.

use std::borrow::Cow;

use crate::fields::{host_of, kv, words};
use crate::record::{Action, Parsed, Reason, Record};
use crate::time::epoch_seconds;

use super::{Format, Layout};

pub struct CiscoMeraki;

/// The header words after `<PRI>`: version, epoch time, device name, event type.
fn header(line: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let body = line.trim_ascii_start().strip_prefix(b"<")?;
    let close = memchr::memchr(b'>', body)?;
    let mut w = words(&body[close + 1..]);
    let (version, time, device, kind) = (w.next()?, w.next()?, w.next()?, w.next()?);
    if version != b"1" || !time.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some((time, device, kind))
}

/// The address of `ip:port`, `[v6]:port` or a bare IP.
fn address(b: &[u8]) -> &[u8] {
    if let Some(inner) = b.strip_prefix(b"[") {
        return &inner[..memchr::memchr(b']', inner).unwrap_or(inner.len())];
    }
    match memchr::memchr(b':', b) {
        Some(p) if memchr::memchr(b':', &b[p + 1..]).is_none() => &b[..p],
        _ => b,
    }
}

/// The URL of `request: METHOD URL`.
fn request_url(line: &[u8]) -> Option<&[u8]> {
    let p = memchr::memmem::find(line, b" request: ")?;
    let mut w = words(&line[p + 10..]);
    let _method = w.next()?;
    w.next()
}

impl Format for CiscoMeraki {
    fn id(&self) -> &'static str {
        "cisco_meraki"
    }
    fn name(&self) -> &'static str {
        "Cisco Meraki MX syslog (urls)"
    }
    fn vendor(&self) -> &'static str {
        "Cisco"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        if line.trim_ascii().is_empty() {
            return Reason::Empty.into();
        }
        let Some((time, _device, kind)) = header(line) else {
            return Reason::Syntax.into();
        };
        if kind != b"urls" {
            return Reason::NotTraffic.into();
        }
        let Some(timestamp_ms) = epoch_seconds(time) else {
            return Reason::BadTimestamp.into();
        };
        let dst = kv(line, b"dst").map(address);
        let host: Option<Cow<'a, str>> = request_url(line)
            .and_then(host_of)
            .or_else(|| dst.and_then(host_of));
        let Some(host) = host else {
            return Reason::NoDestination.into();
        };
        Parsed::Record(Record {
            timestamp_ms,
            src_ip: crate::fields::text_or_empty(kv(line, b"src").map(address)),
            user: None,
            host,
            bytes_up: 0,
            bytes_down: 0,
            action: Action::Allowed,
        })
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        match header(line) {
            Some((time, _, kind)) if epoch_seconds(time).is_some() => {
                if kind == b"urls" && request_url(line).is_some() {
                    1.0
                } else if kv(line, b"src").is_some() || kind == b"events" {
                    0.6
                } else {
                    0.0
                }
            }
            _ => 0.0,
        }
    }
}
