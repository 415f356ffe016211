//! Sophos Firewall (XG / SFOS) syslog, `key=value` / `key="value"`. `log_type="Content
//! Filtering"` (web) and `log_type="Firewall"` logs are records: `url` (else `domain`, else
//! `dst_ip`), `src_ip`, `user_name`, `sent_bytes`/`recv_bytes`, `log_subtype` or `status`
//! (`Allowed`/`Allow`, `Denied`/`Deny`, `Warned` …). Time: `timestamp` (RFC 3339) when there is
//! one, else `date`, `time` and `timezone` (an offset or `GMT`/`UTC`; a zone name such as `IST`
//! is read as UTC). Other log types (events, anti-virus, IPS …) are not traffic.

use crate::fields::{count, host_of, kv, user};
use crate::record::{Action, Parsed, Reason, Record};
use crate::time::{date_clock, iso8601, offset};

use super::{Format, Layout};
use crate::fields::blocked;

pub struct Sophos;

fn timestamp(line: &[u8]) -> Option<i64> {
    if let Some(t) = kv(line, b"timestamp").and_then(iso8601) {
        return Some(t);
    }
    let ms = date_clock(kv(line, b"date")?, kv(line, b"time")?)?;
    Some(ms - kv(line, b"timezone").and_then(offset).unwrap_or(0))
}

impl Format for Sophos {
    fn id(&self) -> &'static str {
        "sophos"
    }
    fn name(&self) -> &'static str {
        "Sophos Firewall XG/SFOS (key=value syslog)"
    }
    fn vendor(&self) -> &'static str {
        "Sophos"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        if line.trim_ascii().is_empty() {
            return Reason::Empty.into();
        }
        let Some(log_type) = kv(line, b"log_type") else {
            return Reason::Syntax.into();
        };
        if log_type != b"Content Filtering" && log_type != b"Firewall" {
            return Reason::NotTraffic.into();
        }
        let host = kv(line, b"url")
            .and_then(host_of)
            .or_else(|| kv(line, b"domain").and_then(host_of))
            .or_else(|| kv(line, b"dst_ip").and_then(host_of));
        let Some(host) = host else {
            return Reason::NoDestination.into();
        };
        let Some(timestamp_ms) = timestamp(line) else {
            return Reason::BadTimestamp.into();
        };
        let (Some(up), Some(down)) = (
            count(kv(line, b"sent_bytes").unwrap_or_default()),
            count(kv(line, b"recv_bytes").unwrap_or_default()),
        ) else {
            return Reason::BadNumber.into();
        };
        let denied = kv(line, b"log_subtype").is_some_and(blocked)
            || kv(line, b"status").is_some_and(blocked);
        Parsed::Record(Record {
            timestamp_ms,
            src_ip: crate::fields::text_or_empty(kv(line, b"src_ip")),
            user: kv(line, b"user_name").and_then(user),
            host,
            bytes_up: up,
            bytes_down: down,
            action: Action::from_blocked(denied),
        })
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        let hits = [
            &b"log_id"[..],
            b"log_component",
            b"log_subtype",
            b"device_name",
        ]
        .iter()
        .filter(|k| kv(line, k).is_some())
        .count();
        match (kv(line, b"log_type").is_some(), hits) {
            (true, 3..) => 1.0,
            (true, 1..) => 0.5,
            _ => 0.0,
        }
    }
}
