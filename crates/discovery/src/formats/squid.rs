//! Squid native `access.log`:
//! `time elapsed client action/code size method URL user hierarchy/peer type`.

use crate::fields::{count, host_of_str, user_str, words};
use crate::record::{Action, Parsed, Reason, Record};
use crate::time::epoch_seconds;

use super::{Format, Layout};

pub struct Squid;

impl Format for Squid {
    fn id(&self) -> &'static str {
        "squid"
    }
    fn name(&self) -> &'static str {
        "Squid native access log"
    }
    fn vendor(&self) -> &'static str {
        "Squid"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        if line.trim_ascii().is_empty() {
            return Reason::Empty.into();
        }
        if line.first() == Some(&b'#') {
            return Reason::Header.into();
        }
        // Validate the line once; fields are then sliced without re-checking.
        let Ok(line) = std::str::from_utf8(line) else {
            return Reason::Encoding.into();
        };
        let mut w = words(line.as_bytes()).map(|b| {
            let start = b.as_ptr() as usize - line.as_ptr() as usize;
            line.get(start..start + b.len()).unwrap_or_default()
        });
        let (
            Some(ts),
            Some(_elapsed),
            Some(client),
            Some(code),
            Some(size),
            Some(_method),
            Some(url),
        ) = (
            w.next(),
            w.next(),
            w.next(),
            w.next(),
            w.next(),
            w.next(),
            w.next(),
        )
        else {
            return Reason::TooFewFields.into();
        };
        let Some(timestamp_ms) = epoch_seconds(ts.as_bytes()) else {
            return Reason::BadTimestamp.into();
        };
        let Some(bytes_down) = count(size.as_bytes()) else {
            return Reason::BadNumber.into();
        };
        let Some(host) = host_of_str(url) else {
            return Reason::NoDestination.into();
        };
        let src_ip = client;
        // TCP_DENIED, UDP_DENIED, TCP_DENIED_REPLY…
        let blocked = code.get(4..10) == Some("DENIED");
        Parsed::Record(Record {
            timestamp_ms,
            src_ip,
            user: w.next().and_then(user_str),
            host,
            bytes_up: 0,
            bytes_down,
            action: Action::from_blocked(blocked),
        })
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        let mut w = words(line);
        let ts = w.next().unwrap_or_default();
        let _ = w.next();
        let _ = w.next();
        let code = w.next().unwrap_or_default();
        if epoch_seconds(ts).is_some()
            && memchr::memchr(b'/', code).is_some()
            && code
                .iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_' || *c == b'/')
        {
            1.0
        } else {
            0.0
        }
    }
}
