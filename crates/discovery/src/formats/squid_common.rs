//! Squid "common" (Apache CLF-style) log:
//! `client ident user [10/Oct/2000:13:55:36 -0700] "GET http://host/ HTTP/1.0" 200 2326 TCP_MISS:DIRECT`.

use crate::fields::{count, host_of, user, words};
use crate::record::{Action, Parsed, Reason, Record};
use crate::time::common_log;

use super::{Format, Layout};

pub struct SquidCommon;

impl Format for SquidCommon {
    fn id(&self) -> &'static str {
        "squid_common"
    }
    fn name(&self) -> &'static str {
        "Squid common log format"
    }
    fn vendor(&self) -> &'static str {
        "Squid"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        if line.trim_ascii().is_empty() {
            return Reason::Empty.into();
        }
        let (Some(open), Some(close)) = (memchr::memchr(b'[', line), memchr::memchr(b']', line))
        else {
            return Reason::Syntax.into();
        };
        if close < open {
            return Reason::Syntax.into();
        }
        let mut head = words(&line[..open]);
        let (Some(client), Some(_ident), Some(who)) = (head.next(), head.next(), head.next())
        else {
            return Reason::TooFewFields.into();
        };
        let Some(timestamp_ms) = common_log(&line[open + 1..close]) else {
            return Reason::BadTimestamp.into();
        };
        let rest = &line[close + 1..];
        let (Some(q1), Some(q2)) = (memchr::memchr(b'"', rest), memchr::memrchr(b'"', rest)) else {
            return Reason::Syntax.into();
        };
        if q2 <= q1 {
            return Reason::Syntax.into();
        }
        let mut request = words(&rest[q1 + 1..q2]);
        let (_method, url) = (request.next(), request.next());
        let Some(host) = url.and_then(host_of) else {
            return Reason::NoDestination.into();
        };
        let mut tail = words(&rest[q2 + 1..]);
        let (status, size, squid) = (
            tail.next().unwrap_or_default(),
            tail.next().unwrap_or_default(),
            tail.next().unwrap_or_default(),
        );
        let Some(bytes_down) = count(size) else {
            return Reason::BadNumber.into();
        };
        let Ok(src_ip) = std::str::from_utf8(client) else {
            return Reason::Encoding.into();
        };
        let blocked = memchr::memmem::find(squid, b"DENIED").is_some()
            || status == b"403" && squid.starts_with(b"NONE");
        Parsed::Record(Record {
            timestamp_ms,
            src_ip,
            user: user(who),
            host,
            bytes_up: 0,
            bytes_down,
            action: Action::from_blocked(blocked),
        })
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        match (memchr::memchr(b'[', line), memchr::memchr(b']', line)) {
            (Some(o), Some(c))
                if c > o
                    && common_log(&line[o + 1..c]).is_some()
                    && memchr::memchr(b'"', line).is_some() =>
            {
                if memchr::memmem::find(line, b"TCP_").is_some()
                    || memchr::memmem::find(line, b"NONE").is_some()
                {
                    1.0
                } else {
                    0.6
                }
            }
            _ => 0.0,
        }
    }
}
