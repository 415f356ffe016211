//! Palo Alto Networks PAN-OS syslog: a CSV payload behind a syslog header. Field positions
//! (0-based, PAN-OS syslog field docs): 1 receive time, 3 type, 4 subtype, 6 generated time
//! `YYYY/MM/DD HH:MM:SS`, 7 source, 8 destination, 12 source user, 14 application, 30 action;
//! TRAFFIC: 32 bytes sent, 33 bytes received; THREAT: 31 URL/file name (quoted).
//! TRAFFIC logs and THREAT logs of subtype `url` are records; every other type or threat subtype
//! is a valid event but not traffic. The generated time is read as UTC.

use crate::fields::{count, csv, host_of, user};
use crate::record::{Action, Parsed, Reason, Record};
use crate::time::date_clock;

use super::{Format, Layout};

pub struct PaloAlto;

/// Fields read from a line; the TRAFFIC byte counts are the last ones needed.
const FIELDS: usize = 34;
const RECEIVE_TIME: usize = 1;
const TYPE: usize = 3;
const SUBTYPE: usize = 4;
const GENERATED_TIME: usize = 6;
const SRC: usize = 7;
const DST: usize = 8;
const SRC_USER: usize = 12;
const ACTION: usize = 30;
const URL: usize = 31;
const BYTES_SENT: usize = 32;
const BYTES_RECEIVED: usize = 33;

/// The CSV payload: from the field before the first comma (the syslog header has no commas).
fn payload(line: &[u8]) -> Option<&[u8]> {
    let comma = memchr::memchr(b',', line)?;
    let start = memchr::memrchr2(b' ', b'\t', &line[..comma]).map_or(0, |p| p + 1);
    Some(&line[start..])
}

/// `2018/11/30 16:44:36` → UTC ms.
fn pan_time(b: &[u8]) -> Option<i64> {
    if b.len() != 19 || b[10] != b' ' {
        return None;
    }
    date_clock(&b[..10], &b[11..])
}

/// Whether a PAN-OS action (`allow`, `deny`, `drop`, `reset-both`, `block-url`, `alert` …)
/// stopped the session.
pub fn pan_blocked(action: &[u8]) -> bool {
    action.starts_with(b"block")
        || action.starts_with(b"drop")
        || action.starts_with(b"reset")
        || matches!(action, b"deny" | b"sinkhole" | b"override-lockout")
}

impl Format for PaloAlto {
    fn id(&self) -> &'static str {
        "paloalto"
    }
    fn name(&self) -> &'static str {
        "Palo Alto Networks PAN-OS (syslog CSV: TRAFFIC, THREAT/url)"
    }
    fn vendor(&self) -> &'static str {
        "Palo Alto Networks"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        if line.trim_ascii().is_empty() {
            return Reason::Empty.into();
        }
        let Some(body) = payload(line) else {
            return Reason::Syntax.into();
        };
        let mut f: [&[u8]; FIELDS] = [b""; FIELDS];
        let mut n = 0;
        for (slot, field) in f.iter_mut().zip(csv(body, b',')) {
            *slot = field;
            n += 1;
        }
        if n <= TYPE || pan_time(f[RECEIVE_TIME]).is_none() {
            return Reason::Syntax.into();
        }
        let traffic = match f[TYPE] {
            b"TRAFFIC" => true,
            b"THREAT" if f[SUBTYPE] == b"url" => false,
            t if !t.is_empty() && t.iter().all(|c| c.is_ascii_uppercase() || *c == b'-') => {
                return Reason::NotTraffic.into();
            }
            _ => return Reason::Syntax.into(),
        };
        let needed = if traffic { BYTES_RECEIVED + 1 } else { URL + 1 };
        if n < needed {
            return Reason::TooFewFields.into();
        }
        let Some(timestamp_ms) = pan_time(f[GENERATED_TIME]) else {
            return Reason::BadTimestamp.into();
        };
        let host = if traffic {
            host_of(f[DST])
        } else {
            host_of(f[URL]).or_else(|| host_of(f[DST]))
        };
        let Some(host) = host else {
            return Reason::NoDestination.into();
        };
        let (up, down) = if traffic {
            match (count(f[BYTES_SENT]), count(f[BYTES_RECEIVED])) {
                (Some(up), Some(down)) => (up, down),
                _ => return Reason::BadNumber.into(),
            }
        } else {
            (0, 0)
        };
        if traffic && f[SUBTYPE] == b"start" {
            // "Log at session start": the `end` log of the session carries its bytes.
            return Reason::SessionStart.into();
        }
        // A TRAFFIC subtype `deny`/`drop` is a session the firewall refused, whatever the action.
        let blocked =
            pan_blocked(f[ACTION]) || (traffic && matches!(f[SUBTYPE], b"deny" | b"drop"));
        Parsed::Record(Record {
            timestamp_ms,
            src_ip: std::str::from_utf8(f[SRC]).unwrap_or(""),
            user: user(f[SRC_USER]),
            host,
            bytes_up: up,
            bytes_down: down,
            action: Action::from_blocked(blocked),
        })
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        let Some(body) = payload(line) else {
            return 0.0;
        };
        let mut f = csv(body, b',');
        let (_, received, _, kind) = (f.next(), f.next(), f.next(), f.next());
        let known = matches!(
            kind,
            Some(
                b"TRAFFIC"
                    | b"THREAT"
                    | b"SYSTEM"
                    | b"CONFIG"
                    | b"HIP-MATCH"
                    | b"GLOBALPROTECT"
                    | b"USERID"
                    | b"AUTH"
                    | b"DECRYPTION"
                    | b"TUNNEL"
                    | b"CORRELATION"
                    | b"IPTAG"
            )
        );
        if known && received.and_then(pan_time).is_some() {
            1.0
        } else {
            0.0
        }
    }
}
