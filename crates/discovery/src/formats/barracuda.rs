//! Barracuda Web Application Firewall syslog, web firewall logs (`WF`): space-separated,
//! `<PRI>date time zone unit WF severity attack client-ip client-port service-ip service-port
//! rule rule-type action follow-up-action [attack details] method url protocol "session-id"
//! "user-agent" proxy-ip proxy-port "user" referer unique-id`. The follow-up action may hold
//! spaces, so the fields after the attack details are read from the end of the line.
//! A WAF guards the company's own services: the destination is the service IP (these logs have
//! no host name), the action `DENY`/`BLOCK` is blocked, `LOG`/`ALLOW` let the request through.
//! Other log types (system, audit, access, network firewall) are not read: not traffic here.

use crate::fields::{host_of, user, words};
use crate::record::{Action, Parsed, Reason, Record};
use crate::time::{date_clock, offset};

use super::{Format, Layout};
use crate::fields::blocked;

pub struct Barracuda;

/// Leading fields: date, time, zone, unit, log type, severity, attack, client IP, client port,
/// service IP, service port, rule, rule type, action.
const LEADING: usize = 14;
const DATE: usize = 0;
const TIME: usize = 1;
const ZONE: usize = 2;
const LOG_TYPE: usize = 4;
const CLIENT_IP: usize = 7;
const SERVICE_IP: usize = 9;
const ACTION: usize = 13;

/// The words of a line from its end: a `"quoted value"` is one word (its quotes kept).
fn words_from_end(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = line;
    std::iter::from_fn(move || {
        rest = rest.trim_ascii_end();
        if rest.is_empty() {
            return None;
        }
        let start = if rest.ends_with(b"\"") && rest.len() > 1 {
            memchr::memrchr(b'"', &rest[..rest.len() - 1]).unwrap_or_default()
        } else {
            memchr::memrchr2(b' ', b'\t', rest).map_or(0, |p| p + 1)
        };
        let word = &rest[start..];
        rest = &rest[..start];
        Some(word)
    })
}

fn unquote(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\"")
        .and_then(|s| s.strip_suffix(b"\""))
        .unwrap_or(b)
}

impl Format for Barracuda {
    fn id(&self) -> &'static str {
        "barracuda"
    }
    fn name(&self) -> &'static str {
        "Barracuda Web Application Firewall (web firewall log)"
    }
    fn vendor(&self) -> &'static str {
        "Barracuda Networks"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        if line.trim_ascii().is_empty() {
            return Reason::Empty.into();
        }
        let body = match line.trim_ascii_start().strip_prefix(b"<") {
            Some(b) => match memchr::memchr(b'>', b) {
                Some(p) => &b[p + 1..],
                None => return Reason::Syntax.into(),
            },
            None => line,
        };
        let mut f: [&[u8]; LEADING] = [b""; LEADING];
        let mut n = 0;
        for (slot, w) in f.iter_mut().zip(words(body)) {
            *slot = w;
            n += 1;
        }
        if n <= LOG_TYPE {
            return Reason::Syntax.into();
        }
        let time = date_clock(f[DATE], f[TIME]);
        if f[LOG_TYPE] != b"WF" {
            return if time.is_some() {
                Reason::NotTraffic.into()
            } else {
                Reason::Syntax.into()
            };
        }
        if n < LEADING {
            return Reason::TooFewFields.into();
        }
        let (Some(time), Some(zone)) = (time, offset(f[ZONE])) else {
            return Reason::BadTimestamp.into();
        };
        let Some(host) = host_of(f[SERVICE_IP]) else {
            return Reason::NoDestination.into();
        };
        // From the end: unique id, referer, user.
        let mut tail = words_from_end(body);
        let (_id, _referer, name) = (tail.next(), tail.next(), tail.next());
        let name = name.map(unquote).unwrap_or_default();
        Parsed::Record(Record {
            timestamp_ms: time - zone,
            src_ip: std::str::from_utf8(f[CLIENT_IP]).unwrap_or(""),
            user: user(name),
            host,
            bytes_up: 0,
            bytes_down: 0,
            action: Action::from_blocked(blocked(f[ACTION])),
        })
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        let body = line
            .trim_ascii_start()
            .strip_prefix(b"<")
            .and_then(|b| memchr::memchr(b'>', b).map(|p| &b[p + 1..]));
        let Some(body) = body else {
            return 0.0;
        };
        let mut w = words(body);
        let (d, t, z, _unit, kind) = (w.next(), w.next(), w.next(), w.next(), w.next());
        let dated = matches!((d, t), (Some(d), Some(t)) if date_clock(d, t).is_some());
        let zoned = z.is_some_and(|z| offset(z).is_some());
        let known = matches!(
            kind,
            Some(b"WF" | b"TR" | b"SYS" | b"AUDIT" | b"NF" | b"PF")
        );
        if dated && zoned && known {
            1.0
        } else {
            0.0
        }
    }
}
