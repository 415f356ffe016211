//! Fortinet FortiGate syslog, `key=value` (traffic and UTM/web-filter logs).

use crate::fields::{blocked, count, host_of, kv, user};
use crate::record::{Action, Parsed, Reason, Record};
use crate::time::{date_clock, epoch_any, offset};

use super::{Format, Layout};

pub struct Fortigate;

impl Format for Fortigate {
    fn id(&self) -> &'static str {
        "fortigate"
    }
    fn name(&self) -> &'static str {
        "Fortinet FortiGate (key=value syslog)"
    }
    fn vendor(&self) -> &'static str {
        "Fortinet"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        if line.trim_ascii().is_empty() {
            return Reason::Empty.into();
        }
        let Some(log_type) = kv(line, b"type") else {
            return Reason::Syntax.into();
        };
        if log_type != b"traffic" && log_type != b"utm" {
            return Reason::NotTraffic.into();
        }
        let timestamp_ms = match (kv(line, b"date"), kv(line, b"time")) {
            (Some(d), Some(t)) => {
                date_clock(d, t).map(|ms| ms - kv(line, b"tz").and_then(offset).unwrap_or(0))
            }
            _ => kv(line, b"eventtime").and_then(epoch_any),
        };
        let Some(timestamp_ms) = timestamp_ms else {
            return Reason::BadTimestamp.into();
        };
        let host = kv(line, b"hostname")
            .and_then(host_of)
            .or_else(|| kv(line, b"dstip").and_then(host_of));
        let Some(host) = host else {
            return Reason::NoDestination.into();
        };
        let (Some(up), Some(down)) = (
            count(kv(line, b"sentbyte").unwrap_or_default()),
            count(kv(line, b"rcvdbyte").unwrap_or_default()),
        ) else {
            return Reason::BadNumber.into();
        };
        let src_ip = crate::fields::text_or_empty(kv(line, b"srcip"));
        let user = kv(line, b"user")
            .and_then(user)
            .or_else(|| kv(line, b"unauthuser").and_then(user));
        Parsed::Record(Record {
            timestamp_ms,
            src_ip,
            user,
            host,
            bytes_up: up,
            bytes_down: down,
            action: Action::from_blocked(kv(line, b"action").is_some_and(blocked)),
        })
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        let hits = [&b"devid"[..], b"logid", b"srcip", b"dstip", b"vd"]
            .iter()
            .filter(|k| kv(line, k).is_some())
            .count();
        if kv(line, b"type").is_some() && hits >= 3 {
            1.0
        } else {
            0.0
        }
    }
}
