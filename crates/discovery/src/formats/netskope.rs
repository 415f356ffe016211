//! Netskope web transaction logs (Log Streaming / transaction events), one JSON object per line
//! with W3C-style keys, `-` for an empty value: `date` and `time` (UTC; else `x-cs-timestamp`,
//! an epoch), `cs-username`, `x-cs-userip` (else `x-cs-src-ip`, `c-ip`), `cs-host` (else
//! `x-cs-sni`, the host of `x-cs-url`, `x-cs-dst-ip`), `cs-bytes`/`sc-bytes`, and
//! `x-policy-action` or `x-cs-ssl-engine-action` (`Block` when the TLS handshake was refused).

use serde::Deserialize;

use crate::record::{Action, Parsed, Reason, Record};
use crate::time::{date_clock, epoch_any};

use super::zscaler::{Count, Text};
use super::{Format, Layout};
use crate::fields::blocked;

pub struct Netskope;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Transaction<'a> {
    #[serde(borrow)]
    date: Text<'a>,
    #[serde(borrow)]
    time: Text<'a>,
    #[serde(borrow, rename = "x-cs-timestamp")]
    epoch: Text<'a>,
    #[serde(borrow, rename = "cs-username")]
    user: Text<'a>,
    #[serde(borrow, rename = "x-cs-userip")]
    user_ip: Text<'a>,
    #[serde(borrow, rename = "x-cs-src-ip")]
    src_ip: Text<'a>,
    #[serde(borrow, rename = "c-ip")]
    client_ip: Text<'a>,
    #[serde(borrow, rename = "cs-host")]
    host: Text<'a>,
    #[serde(borrow, rename = "x-cs-sni")]
    sni: Text<'a>,
    #[serde(borrow, rename = "x-cs-url")]
    url: Text<'a>,
    #[serde(borrow, rename = "x-cs-dst-ip")]
    dst_ip: Text<'a>,
    #[serde(rename = "cs-bytes")]
    up: Count,
    #[serde(rename = "sc-bytes")]
    down: Count,
    #[serde(borrow, rename = "x-policy-action")]
    policy_action: Text<'a>,
    #[serde(borrow, rename = "x-cs-ssl-engine-action")]
    ssl_action: Text<'a>,
}

/// An address field, without the `-` placeholder.
fn address<'a>(t: &Text<'a>) -> Option<&'a str> {
    let s = t.borrowed();
    (!matches!(s, "" | "-")).then_some(s)
}

impl Format for Netskope {
    fn id(&self) -> &'static str {
        "netskope"
    }
    fn name(&self) -> &'static str {
        "Netskope web transaction log (JSON)"
    }
    fn vendor(&self) -> &'static str {
        "Netskope"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        let line = line.trim_ascii();
        if line.is_empty() {
            return Reason::Empty.into();
        }
        let Ok(t) = serde_json::from_slice::<Transaction>(line) else {
            return Reason::Syntax.into();
        };
        let host = t
            .host
            .host()
            .or_else(|| t.sni.host())
            .or_else(|| t.url.host())
            .or_else(|| t.dst_ip.host());
        let Some(host) = host else {
            return Reason::NoDestination.into();
        };
        let timestamp_ms = match (&t.date.0, &t.time.0) {
            (Some(d), Some(c)) => date_clock(d.as_bytes(), c.as_bytes()),
            _ => t.epoch.0.as_deref().and_then(|e| epoch_any(e.as_bytes())),
        };
        let Some(timestamp_ms) = timestamp_ms else {
            return Reason::BadTimestamp.into();
        };
        let (Some(up), Some(down)) = (t.up.get(), t.down.get()) else {
            return Reason::BadNumber.into();
        };
        let block = blocked(t.policy_action.bytes()) || blocked(t.ssl_action.bytes());
        Parsed::Record(Record {
            timestamp_ms,
            src_ip: address(&t.user_ip)
                .or_else(|| address(&t.src_ip))
                .or_else(|| address(&t.client_ip))
                .unwrap_or(""),
            user: t.user.user(),
            host,
            bytes_up: up,
            bytes_down: down,
            action: Action::from_blocked(block),
        })
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        let line = line.trim_ascii();
        let has = |k: &[u8]| memchr::memmem::find(line, k).is_some();
        if !line.starts_with(b"{") {
            0.0
        } else if has(b"\"x-type\": \"http_transaction\"")
            || has(b"\"x-type\":\"http_transaction\"")
        {
            1.0
        } else if has(b"\"x-cs-access-method\"") || (has(b"\"cs-host\"") && has(b"\"sc-bytes\"")) {
            0.9
        } else {
            0.0
        }
    }
}
