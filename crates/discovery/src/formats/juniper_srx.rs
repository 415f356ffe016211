//! Juniper SRX structured syslog (RFC 5424, `[junos@… key="value" …]`), `RT_FLOW` session
//! events: `RT_FLOW_SESSION_CREATE` (a session, no bytes yet), `RT_FLOW_SESSION_CLOSE`
//! (`bytes-from-client`/`bytes-from-server`) and `RT_FLOW_SESSION_DENY` (blocked), also in
//! their logical-system `_LS` forms. Keys: `source-address`, `destination-address`,
//! `username`. The time is the header's. AppTrack events repeat the same sessions and other
//! events are not sessions: both are not traffic.

use crate::fields::{count, host_of, kv, user};
use crate::record::{Action, Parsed, Reason, Record};

use super::checkpoint::Rfc5424;
use super::{Format, Layout};

pub struct JuniperSrx;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Event {
    Create,
    Close,
    Deny,
}

fn event(msgid: &[u8]) -> Option<Event> {
    let base = msgid.strip_suffix(b"_LS").unwrap_or(msgid);
    match base {
        b"RT_FLOW_SESSION_CREATE" => Some(Event::Create),
        b"RT_FLOW_SESSION_CLOSE" => Some(Event::Close),
        b"RT_FLOW_SESSION_DENY" => Some(Event::Deny),
        _ => None,
    }
}

impl Format for JuniperSrx {
    fn id(&self) -> &'static str {
        "juniper_srx"
    }
    fn name(&self) -> &'static str {
        "Juniper SRX (structured syslog, RT_FLOW sessions)"
    }
    fn vendor(&self) -> &'static str {
        "Juniper Networks"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        if line.trim_ascii().is_empty() {
            return Reason::Empty.into();
        }
        let Some(h) = Rfc5424::parse(line) else {
            return Reason::Syntax.into();
        };
        if !h.rest.starts_with(b"[junos@") {
            return Reason::Syntax.into();
        }
        let Some(ev) = event(h.msgid) else {
            return Reason::NotTraffic.into();
        };
        let sd = h.rest;
        let Some(host) = kv(sd, b"destination-address").and_then(host_of) else {
            return Reason::NoDestination.into();
        };
        let Some(timestamp_ms) = h.timestamp() else {
            return Reason::BadTimestamp.into();
        };
        if ev == Event::Create {
            // `SESSION_CLOSE` of the same session carries its bytes; count it there.
            return Reason::SessionStart.into();
        }
        let (up, down) = if ev == Event::Close {
            match (
                count(kv(sd, b"bytes-from-client").unwrap_or_default()),
                count(kv(sd, b"bytes-from-server").unwrap_or_default()),
            ) {
                (Some(up), Some(down)) => (up, down),
                _ => return Reason::BadNumber.into(),
            }
        } else {
            (0, 0)
        };
        Parsed::Record(Record {
            timestamp_ms,
            src_ip: crate::fields::text_or_empty(kv(sd, b"source-address")),
            user: kv(sd, b"username").and_then(user),
            host,
            bytes_up: up,
            bytes_down: down,
            action: Action::from_blocked(ev == Event::Deny),
        })
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        match Rfc5424::parse(line) {
            Some(h) if h.rest.starts_with(b"[junos@") => {
                if h.app == b"RT_FLOW" || event(h.msgid).is_some() {
                    1.0
                } else {
                    0.8
                }
            }
            _ => 0.0,
        }
    }
}
