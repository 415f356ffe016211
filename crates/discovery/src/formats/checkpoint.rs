//! Check Point Log Exporter, syslog format: an RFC 5424 header, then
//! `[key:"value"; key:"value"; …]`. Firewall, URL Filtering and Application Control logs with a
//! destination are records: `src`, `dst`, `src_user_name`/`user`, `resource` (the URL), `action`
//! (`Accept`, `Drop`, `Reject`, `Block`, `Prevent` …), `sent_bytes`/`received_bytes` or
//! `client_outbound_bytes`/`client_inbound_bytes`. The time is the header's (or `time`, an
//! epoch, without one). Other products (System Monitor, management, threat prevention …) and
//! product updates are not traffic.

use crate::fields::{count, host_of, user};
use crate::record::{Action, Parsed, Reason, Record};
use crate::time::{epoch_any, iso8601};

use super::{Format, Layout};
use crate::fields::blocked;

pub struct CheckPoint;

/// The fields of an RFC 5424 syslog header (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID …`); `-`
/// stays `-`.
pub struct Rfc5424<'a> {
    pub time: &'a [u8],
    pub host: &'a [u8],
    pub app: &'a [u8],
    pub msgid: &'a [u8],
    /// Structured data and message.
    pub rest: &'a [u8],
}

impl<'a> Rfc5424<'a> {
    pub fn parse(line: &'a [u8]) -> Option<Rfc5424<'a>> {
        let body = line.trim_ascii_start().strip_prefix(b"<")?;
        let close = memchr::memchr(b'>', body)?;
        if close == 0 || close > 3 || !body[..close].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut rest = &body[close + 1..];
        let mut next = || {
            let s = rest.trim_ascii_start();
            let end = memchr::memchr(b' ', s).unwrap_or(s.len());
            rest = &s[end..];
            Some(&s[..end]).filter(|w| !w.is_empty())
        };
        let version = next()?;
        if version.is_empty() || version.len() > 2 || !version.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let (time, host, app, _proc, msgid) = (next()?, next()?, next()?, next()?, next()?);
        Some(Rfc5424 {
            time,
            host,
            app,
            msgid,
            rest: rest.trim_ascii_start(),
        })
    }

    /// The header time in UTC ms; `None` when it is `-` or not RFC 3339.
    pub fn timestamp(&self) -> Option<i64> {
        iso8601(self.time)
    }
}

/// The value of `key` in `[key:"value"; key:"value"]` (raw: escapes such as `\"` stay).
pub fn field<'a>(body: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(p) = memchr::memmem::find(&body[from..], key) {
        let at = from + p;
        let end = at + key.len();
        let boundary = at == 0 || matches!(body[at - 1], b'[' | b' ' | b';');
        if boundary && body[end..].starts_with(b":\"") {
            let v = &body[end + 2..];
            let mut i = 0;
            while i < v.len() {
                match v[i] {
                    b'\\' => i += 2,
                    b'"' => return Some(&v[..i]),
                    _ => i += 1,
                }
            }
            return Some(v);
        }
        from = end;
    }
    None
}

/// Products whose logs are connections or web requests.
fn traffic_product(product: &[u8]) -> bool {
    let has = |s: &[u8]| product.windows(s.len()).any(|w| w.eq_ignore_ascii_case(s));
    has(b"firewall") || has(b"url filtering") || has(b"application control")
}

fn cp_blocked(action: &[u8]) -> bool {
    blocked(action) || action.eq_ignore_ascii_case(b"prevent")
}

impl Format for CheckPoint {
    fn id(&self) -> &'static str {
        "checkpoint"
    }
    fn name(&self) -> &'static str {
        "Check Point Log Exporter (syslog)"
    }
    fn vendor(&self) -> &'static str {
        "Check Point"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        if line.trim_ascii().is_empty() {
            return Reason::Empty.into();
        }
        let header = Rfc5424::parse(line);
        let body = match &header {
            Some(h) => h.rest,
            None => line,
        };
        let Some(open) = memchr::memchr(b'[', body) else {
            return Reason::Syntax.into();
        };
        let body = &body[open..];
        if field(body, b"product").is_some_and(|p| !traffic_product(p)) {
            return Reason::NotTraffic.into();
        }
        let resource = field(body, b"resource");
        let dst = field(body, b"dst");
        if resource.is_none() && dst.is_none() {
            return if field(body, b"loguid").is_some() {
                Reason::NotTraffic.into()
            } else {
                Reason::Syntax.into()
            };
        }
        let Some(host) = resource.and_then(host_of).or_else(|| dst.and_then(host_of)) else {
            return Reason::NoDestination.into();
        };
        let timestamp_ms = match header.as_ref().map(|h| h.time) {
            Some(t) if t != b"-" => iso8601(t),
            _ => field(body, b"time").and_then(epoch_any),
        };
        let Some(timestamp_ms) = timestamp_ms else {
            return Reason::BadTimestamp.into();
        };
        let up = field(body, b"client_outbound_bytes").or_else(|| field(body, b"sent_bytes"));
        let down = field(body, b"client_inbound_bytes").or_else(|| field(body, b"received_bytes"));
        let (Some(up), Some(down)) = (
            count(up.unwrap_or_default()),
            count(down.unwrap_or_default()),
        ) else {
            return Reason::BadNumber.into();
        };
        let user = field(body, b"src_user_name")
            .and_then(user)
            .or_else(|| field(body, b"user").and_then(user));
        Parsed::Record(Record {
            timestamp_ms,
            src_ip: crate::fields::text_or_empty(field(body, b"src")),
            user,
            host,
            bytes_up: up,
            bytes_down: down,
            action: Action::from_blocked(field(body, b"action").is_some_and(cp_blocked)),
        })
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        let from_checkpoint = Rfc5424::parse(line).is_some_and(|h| h.app == b"CheckPoint");
        let body_like = memchr::memmem::find(line, b"; product:\"").is_some()
            || memchr::memmem::find(line, b"[action:\"").is_some()
            || memchr::memmem::find(line, b"; loguid:\"").is_some();
        match (from_checkpoint, body_like) {
            (true, _) => 1.0,
            (false, true) => 0.7,
            _ => 0.0,
        }
    }
}
