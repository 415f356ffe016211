//! iboss (cloud and on-premises secure web gateway) web logs, as the iboss reporter forwards
//! them over syslog, in the two documented encodings:
//!
//! * **JSON** (Log Format "JSON", log type "URL"), one object per line after an RFC 3164 syslog
//!   header (`<46>May  6 06:14:53 tenant.ibosscloud.com {…}`), or bare. Documented by the iboss
//!   integration of Datadog (setup and pipeline,
//!   <https://github.com/DataDog/integrations-core/tree/master/iboss>,
//!   `assets/logs/iboss.yaml`): `logTime` (`YYYY-MM-DD`) and `time` (`HH:MM:SS`) in UTC, else
//!   `proxyTransactionStartTime` (epoch seconds); `sourceIpAddress` (else `privateIp`);
//!   `username`; `host`, else `url`, else the destination `ipAddress`; `upstreamByteUsage`
//!   (client → server) and `downstreamByteUsage` (server → client); `action` (else `sAction`):
//!   `Allowed`, `Blocked`, `Soft-blocked`; `logType`: `WEB_LOG` and `DLP` events are web
//!   transactions, other types (audit …) are not traffic.
//! * **CEF** (`CEF:0|iboss|…`), as iboss forwards to Microsoft Sentinel; keys from the iboss
//!   solution's `ibossUrlEvent` parser
//!   (<https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/iboss/Parsers/ibossUrlEvent.yaml>):
//!   `flexString2` = `URL` for URL events, `deviceCustomDate1` the event time (else `rt`,
//!   `start`), `src`, `suser`, `dhost` (else `request`, else `dst`), `out` (sent) and `in`
//!   (received) bytes, `act` the device action.
//!
//! A soft block shows the user a warning page instead of the site: the logged transaction did
//! not reach the site, so it counts as blocked (continuing is logged as another transaction).

use serde::Deserialize;

use crate::record::{Action, Parsed, Reason, Record};
use crate::time::{date_clock, epoch_seconds};

use super::cef::{ext, split, web_record};
use super::zscaler::{Count, Text};
use super::{Format, Layout};

pub struct Iboss;

/// The keys of an iboss JSON web log this parser reads.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Web<'a> {
    #[serde(borrow)]
    log_time: Text<'a>,
    #[serde(borrow)]
    time: Text<'a>,
    #[serde(borrow)]
    proxy_transaction_start_time: Text<'a>,
    #[serde(borrow)]
    source_ip_address: Text<'a>,
    #[serde(borrow)]
    private_ip: Text<'a>,
    #[serde(borrow)]
    username: Text<'a>,
    #[serde(borrow)]
    host: Text<'a>,
    #[serde(borrow)]
    url: Text<'a>,
    #[serde(borrow)]
    ip_address: Text<'a>,
    upstream_byte_usage: Count,
    downstream_byte_usage: Count,
    #[serde(borrow)]
    action: Text<'a>,
    #[serde(borrow, rename = "sAction")]
    s_action: Text<'a>,
    #[serde(borrow)]
    log_type: Text<'a>,
}

/// An address field without iboss' `-` placeholder.
fn address<'a>(t: &Text<'a>) -> Option<&'a str> {
    let s = t.borrowed();
    (!matches!(s, "" | "-")).then_some(s)
}

/// `Blocked`, `Soft-blocked`, and the generic deny words.
fn is_blocked(action: &[u8]) -> bool {
    action.windows(5).any(|w| w.eq_ignore_ascii_case(b"block")) || crate::fields::blocked(action)
}

/// The JSON object of a line, after any syslog header.
fn json(line: &[u8]) -> Option<&[u8]> {
    let start = memchr::memchr(b'{', line)?;
    Some(line[start..].trim_ascii_end())
}

/// Whether a CEF line comes from iboss.
fn is_iboss_cef(header: &[&[u8]; 7]) -> bool {
    header[1].trim_ascii().eq_ignore_ascii_case(b"iboss")
}

fn parse_json(object: &[u8]) -> Parsed<'_> {
    let Ok(w) = serde_json::from_slice::<Web>(object) else {
        return Reason::Syntax.into();
    };
    let log_type = w.log_type.bytes();
    let traffic = matches!(log_type, b"" | b"-" | b"WEB_LOG" | b"DLP" | b"URL");
    if !traffic {
        return Reason::NotTraffic.into();
    }
    let dated = match (w.log_time.0.as_deref(), w.time.0.as_deref()) {
        (Some(d), Some(t)) => date_clock(d.as_bytes(), t.as_bytes()),
        _ => None,
    };
    let Some(timestamp_ms) =
        dated.or_else(|| epoch_seconds(w.proxy_transaction_start_time.bytes()))
    else {
        return Reason::BadTimestamp.into();
    };
    let host = w
        .host
        .host()
        .or_else(|| w.url.host())
        .or_else(|| w.ip_address.host());
    let Some(host) = host else {
        return Reason::NoDestination.into();
    };
    let (Some(up), Some(down)) = (w.upstream_byte_usage.get(), w.downstream_byte_usage.get())
    else {
        return Reason::BadNumber.into();
    };
    let action = if w.action.0.is_some() {
        w.action.bytes()
    } else {
        w.s_action.bytes()
    };
    Parsed::Record(Record {
        timestamp_ms,
        src_ip: address(&w.source_ip_address)
            .or_else(|| address(&w.private_ip))
            .unwrap_or(""),
        user: w.username.user(),
        host,
        bytes_up: up,
        bytes_down: down,
        action: Action::from_blocked(is_blocked(action)),
    })
}

fn parse_cef(e: &[u8]) -> Parsed<'_> {
    if ext(e, b"flexString2").is_some_and(|t| !t.eq_ignore_ascii_case(b"URL")) {
        return Reason::NotTraffic.into();
    }
    web_record(e, &[b"deviceCustomDate1", b"rt", b"start"], is_blocked)
}

impl Format for Iboss {
    fn id(&self) -> &'static str {
        "iboss"
    }
    fn name(&self) -> &'static str {
        "iboss web gateway log (syslog JSON or CEF)"
    }
    fn vendor(&self) -> &'static str {
        "iboss"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        if line.trim_ascii().is_empty() {
            return Reason::Empty.into();
        }
        if let Some((header, e)) = split(line) {
            return if is_iboss_cef(&header) {
                parse_cef(e)
            } else {
                Reason::Syntax.into()
            };
        }
        match json(line) {
            Some(object) => parse_json(object),
            None => Reason::Syntax.into(),
        }
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        if let Some((header, _)) = split(line) {
            return if is_iboss_cef(&header) { 1.0 } else { 0.0 };
        }
        let Some(object) = json(line) else {
            return 0.0;
        };
        let has = |k: &[u8]| memchr::memmem::find(object, k).is_some();
        if has(b"\"iboss\":") || has(b"\"ibossIpAddress\":") {
            1.0
        } else if has(b"\"upstreamByteUsage\":") && has(b"\"downstreamByteUsage\":") {
            0.9
        } else {
            0.0
        }
    }
}
