//! Cisco Umbrella proxy logs as exported to S3: quoted CSV, no header. Columns (0-based):
//! 0 timestamp `2021-01-13 19:55:27` (UTC), 1 identity (the most granular one), 2 internal IP,
//! 3 external IP, 4 destination IP, 5 content type, 6 verdict (`ALLOWED`/`BLOCKED`), 7 URL,
//! 8 referer, 9 user agent, 10 status code, 11 request size, 12 response size, 13 response body
//! size, 14 SHA-256, 15 categories, 16 AV detections, 17 PUAs, 18 AMP disposition, 19 AMP
//! malware name, 20 AMP score, 21 identity type, 22 blocked categories, 23 all identities,
//! 24 all identity types, 25 request method, … (later schema versions append columns).
//! The identity is a user only when its type is a user type (`AD Users` …), not a computer or
//! network.

use crate::fields::{count, host_of, user};
use crate::record::{Action, Parsed, Reason, Record};
use crate::time::iso8601;

use super::{Format, Layout};

pub struct CiscoUmbrella;

const TIME: usize = 0;
const IDENTITY: usize = 1;
const INTERNAL_IP: usize = 2;
const EXTERNAL_IP: usize = 3;
const DEST_IP: usize = 4;
const VERDICT: usize = 6;
const URL: usize = 7;
const REQUEST_SIZE: usize = 11;
const RESPONSE_SIZE: usize = 12;
const IDENTITY_TYPE: usize = 21;
const FIELDS: usize = IDENTITY_TYPE + 1;
/// Columns every version of the export has.
const REQUIRED: usize = RESPONSE_SIZE + 1;

/// Comma-separated, double-quoted columns; spaces before a quote are skipped (the exports have
/// `, "3.4.5.6"`), doubled quotes inside stay doubled.
fn columns(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(line);
    std::iter::from_fn(move || {
        let r = rest?;
        let trimmed = r.trim_ascii_start();
        if let Some(body) = trimmed.strip_prefix(b"\"") {
            let mut i = 0;
            while i < body.len() {
                if body[i] == b'"' {
                    if body.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    let after = &body[i + 1..];
                    rest = memchr::memchr(b',', after).map(|p| &after[p + 1..]);
                    return Some(&body[..i]);
                }
                i += 1;
            }
            rest = None;
            return Some(body);
        }
        match memchr::memchr(b',', r) {
            Some(p) => {
                rest = Some(&r[p + 1..]);
                Some(r[..p].trim_ascii())
            }
            None => {
                rest = None;
                Some(r.trim_ascii())
            }
        }
    })
}

impl Format for CiscoUmbrella {
    fn id(&self) -> &'static str {
        "cisco_umbrella"
    }
    fn name(&self) -> &'static str {
        "Cisco Umbrella proxy log (S3 CSV)"
    }
    fn vendor(&self) -> &'static str {
        "Cisco"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        if line.trim_ascii().is_empty() {
            return Reason::Empty.into();
        }
        let mut f: [&[u8]; FIELDS] = [b""; FIELDS];
        let mut n = 0;
        for (slot, c) in f.iter_mut().zip(columns(line)) {
            *slot = c;
            n += 1;
        }
        if f[TIME].eq_ignore_ascii_case(b"timestamp") {
            return Reason::Header.into();
        }
        if n < REQUIRED {
            return Reason::TooFewFields.into();
        }
        let Some(timestamp_ms) = iso8601(f[TIME]) else {
            return Reason::BadTimestamp.into();
        };
        let Some(host) = host_of(f[URL]).or_else(|| host_of(f[DEST_IP])) else {
            return Reason::NoDestination.into();
        };
        let (Some(up), Some(down)) = (count(f[REQUEST_SIZE]), count(f[RESPONSE_SIZE])) else {
            return Reason::BadNumber.into();
        };
        let src = if f[INTERNAL_IP].is_empty() {
            f[EXTERNAL_IP]
        } else {
            f[INTERNAL_IP]
        };
        let is_user = memchr::memmem::find(f[IDENTITY_TYPE], b"User").is_some();
        Parsed::Record(Record {
            timestamp_ms,
            src_ip: std::str::from_utf8(src).unwrap_or(""),
            user: if is_user { user(f[IDENTITY]) } else { None },
            host,
            bytes_up: up,
            bytes_down: down,
            action: Action::from_blocked(f[VERDICT].eq_ignore_ascii_case(b"BLOCKED")),
        })
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        let mut c = columns(line);
        let time = c.next().unwrap_or_default();
        let verdict = c.nth(VERDICT - 1).unwrap_or_default();
        let dated = time.len() == 19 && iso8601(time).is_some();
        if dated && (verdict == b"ALLOWED" || verdict == b"BLOCKED") {
            1.0
        } else {
            0.0
        }
    }
}
