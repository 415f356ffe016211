//! Menlo Security web logs (log API export), one JSON object per line, bare or as
//! `{"event": {…}}`. Keys: `event_time` (ISO 8601, UTC), `userid`, `url` (else `domain`, else
//! the first `dst` address), `xff_ip` (the client behind a proxy) or `x-client-ip`, `pe_action`
//! (`allow`, `block`, `isolate` — an isolated page was still visited, so only `block` is
//! blocked), `name` (the event: `page_request`, `file_download`, `form_post` …) and `file_size`,
//! counted as downloaded or uploaded bytes for download and upload events. No other byte counts.

use serde::Deserialize;

use crate::record::{Action, Parsed, Reason, Record};
use crate::time::iso8601;

use super::zscaler::{Count, Text};
use super::{Format, Layout};
use crate::fields::blocked;

pub struct Menlo;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Web<'a> {
    #[serde(borrow)]
    event: Option<Box<Web<'a>>>,
    #[serde(borrow)]
    event_time: Text<'a>,
    #[serde(borrow)]
    userid: Text<'a>,
    #[serde(borrow)]
    url: Text<'a>,
    #[serde(borrow)]
    domain: Text<'a>,
    #[serde(borrow)]
    dst: Text<'a>,
    #[serde(borrow)]
    xff_ip: Text<'a>,
    #[serde(borrow, rename = "x-client-ip")]
    client_ip: Text<'a>,
    #[serde(borrow)]
    pe_action: Text<'a>,
    #[serde(borrow)]
    name: Text<'a>,
    file_size: Count,
}

/// An address field, without Menlo's `NA` placeholder.
fn address<'a>(t: &Text<'a>) -> Option<&'a str> {
    let s = t.borrowed();
    (!matches!(s, "" | "NA" | "-")).then_some(s)
}

impl Format for Menlo {
    fn id(&self) -> &'static str {
        "menlo"
    }
    fn name(&self) -> &'static str {
        "Menlo Security web log (JSON)"
    }
    fn vendor(&self) -> &'static str {
        "Menlo Security"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        let line = line.trim_ascii();
        if line.is_empty() {
            return Reason::Empty.into();
        }
        let Ok(top) = serde_json::from_slice::<Web>(line) else {
            return Reason::Syntax.into();
        };
        let w = match top.event {
            Some(e) => *e,
            None => top,
        };
        let host = w
            .url
            .host()
            .or_else(|| w.domain.host())
            .or_else(|| w.dst.host());
        let Some(host) = host else {
            return Reason::NoDestination.into();
        };
        let Some(timestamp_ms) = w
            .event_time
            .0
            .as_deref()
            .and_then(|t| iso8601(t.as_bytes()))
        else {
            return Reason::BadTimestamp.into();
        };
        let Some(size) = w.file_size.get() else {
            return Reason::BadNumber.into();
        };
        let event = w.name.bytes();
        let has = |s: &[u8]| memchr::memmem::find(event, s).is_some();
        let (up, down) = if has(b"upload") {
            (size, 0)
        } else if has(b"download") {
            (0, size)
        } else {
            (0, 0)
        };
        Parsed::Record(Record {
            timestamp_ms,
            src_ip: address(&w.xff_ip)
                .or_else(|| address(&w.client_ip))
                .unwrap_or(""),
            user: w.userid.user(),
            host,
            bytes_up: up,
            bytes_down: down,
            action: Action::from_blocked(blocked(w.pe_action.bytes())),
        })
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        let line = line.trim_ascii();
        let has = |k: &[u8]| memchr::memmem::find(line, k).is_some();
        if !line.starts_with(b"{") {
            0.0
        } else if has(b"\"Menlo Security\"") {
            1.0
        } else if has(b"\"pe_action\"") && has(b"\"event_time\"") {
            0.9
        } else {
            0.0
        }
    }
}
