//! McAfee (Skyhigh) Web Gateway default access log:
//! `[10/Oct/2016:08:28:30 +0000] "user" 10.0.0.1 200 "GET http://host/ HTTP/1.1" "categories"
//! "reputation" "media type" 1234 "user agent" "virus name" "block reason id" "application"`.
//! A non-zero block reason id means the gateway blocked the request.

use crate::fields::{count, host_of, user};
use crate::record::{Action, Parsed, Reason, Record};
use crate::time::common_log;

use super::{Format, Layout};

pub struct McafeeSwg;

/// Tokens of the line: `[bracketed]`, `"quoted"` (quotes removed) or bare words.
fn tokens(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = line;
    std::iter::from_fn(move || {
        rest = rest.trim_ascii_start();
        let (open, close) = match rest.first()? {
            b'[' => (1, b']'),
            b'"' => (1, b'"'),
            _ => (0, b' '),
        };
        let body = &rest[open..];
        let end = memchr::memchr(close, body).unwrap_or(body.len());
        let token = &body[..end];
        rest = body.get(end + usize::from(open == 1)..).unwrap_or_default();
        Some(token)
    })
}

impl Format for McafeeSwg {
    fn id(&self) -> &'static str {
        "mcafee_swg"
    }
    fn name(&self) -> &'static str {
        "McAfee / Skyhigh Web Gateway (default access log)"
    }
    fn vendor(&self) -> &'static str {
        "Skyhigh Security (McAfee)"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        if line.trim_ascii().is_empty() {
            return Reason::Empty.into();
        }
        if line.first() == Some(&b'#') {
            return Reason::Header.into();
        }
        if line.first() != Some(&b'[') {
            return Reason::Syntax.into();
        }
        let t: Vec<&[u8]> = tokens(line).take(13).collect();
        if t.len() < 9 {
            return Reason::TooFewFields.into();
        }
        let Some(timestamp_ms) = common_log(t[0]) else {
            return Reason::BadTimestamp.into();
        };
        let mut request = t[4].split(|c| *c == b' ');
        let (_method, url) = (request.next(), request.next());
        let Some(host) = url.and_then(host_of) else {
            return Reason::NoDestination.into();
        };
        let Some(bytes_down) = count(t[8]) else {
            return Reason::BadNumber.into();
        };
        let blocked = t
            .get(11)
            .is_some_and(|id| !id.is_empty() && *id != b"0" && *id != b"-");
        Parsed::Record(Record {
            timestamp_ms,
            src_ip: std::str::from_utf8(t[2]).unwrap_or(""),
            user: user(t[1]),
            host,
            bytes_up: 0,
            bytes_down,
            action: Action::from_blocked(blocked),
        })
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        if line.first() != Some(&b'[') {
            return 0.0;
        }
        let t: Vec<&[u8]> = tokens(line).take(13).collect();
        if t.len() >= 12 && common_log(t[0]).is_some() && t[3].iter().all(u8::is_ascii_digit) {
            1.0
        } else {
            0.0
        }
    }
}
