//! Cisco Firepower Threat Defense syslog. Connection events `%FTD-1-430002` (start) and
//! `%FTD-1-430003` (end) carry `Key: value, Key: value` pairs: `SrcIP`, `DstIP`, `User`, `URL`,
//! `ReferencedHost`, `InitiatorBytes`, `ResponderBytes`, `AccessControlRuleAction` (`Allow`,
//! `Trust`, `Monitor`, `Block`, `Block with reset`, `Interactive Block` …). Intrusion and file
//! events (430001, 430004, 430005) are not traffic; the ASA-style messages an FTD also writes
//! (`%FTD-6-302014` …) are read as in [`super::cisco_asa`].

use crate::fields::{count, host_of, user};
use crate::record::{Action, Parsed, Reason, Record};
use crate::time::iso8601;

use super::cisco_asa::{self, Message};
use super::{Format, Layout};

pub struct CiscoFirepower;

/// Where a value ends: before the `, ` that starts the next `Key: ` (keys are letters, digits,
/// `_`, `-` and spaces, starting with a letter).
fn value_end(v: &[u8]) -> usize {
    let mut i = 0;
    while let Some(p) = memchr::memmem::find(&v[i..], b", ") {
        let sep = i + p;
        let rest = &v[sep + 2..];
        let key_len = rest
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b' '))
            .count();
        if key_len > 0 && rest[0].is_ascii_alphabetic() && rest.get(key_len) == Some(&b':') {
            return sep;
        }
        i = sep + 2;
    }
    v.len()
}

/// The value of `key` in a `Key: value, Key: value` list.
pub fn field<'a>(text: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(p) = memchr::memmem::find(&text[from..], key) {
        let at = from + p;
        let end = at + key.len();
        let starts = at == 0 || text[..at].ends_with(b", ");
        if starts && text[end..].starts_with(b": ") {
            let v = &text[end + 2..];
            return Some(&v[..value_end(v)]);
        }
        from = end;
    }
    None
}

/// `Block`, `Block with reset`, `Interactive Block`… stopped the connection.
fn rule_blocked(action: &[u8]) -> bool {
    action.windows(5).any(|w| w.eq_ignore_ascii_case(b"block"))
}

fn connection<'a>(m: &Message<'a>) -> Parsed<'a> {
    let t = m.text;
    let host = field(t, b"URL")
        .and_then(host_of)
        .or_else(|| field(t, b"ReferencedHost").and_then(host_of))
        .or_else(|| field(t, b"DstIP").and_then(host_of));
    let Some(host) = host else {
        return Reason::NoDestination.into();
    };
    let timestamp_ms = match m.time() {
        Some(i64::MIN) => field(t, b"FirstPacketSecond")
            .and_then(iso8601)
            .unwrap_or(i64::MIN),
        Some(ms) => ms,
        None => return Reason::BadTimestamp.into(),
    };
    let (Some(up), Some(down)) = (
        count(field(t, b"InitiatorBytes").unwrap_or_default()),
        count(field(t, b"ResponderBytes").unwrap_or_default()),
    ) else {
        return Reason::BadNumber.into();
    };
    let user = field(t, b"User")
        .filter(|u| !matches!(*u, b"No Authentication Required" | b"Not Found"))
        .and_then(user);
    Parsed::Record(Record {
        timestamp_ms,
        src_ip: crate::fields::text_or_empty(field(t, b"SrcIP")),
        user,
        host,
        bytes_up: up,
        bytes_down: down,
        action: Action::from_blocked(
            field(t, b"AccessControlRuleAction").is_some_and(rule_blocked),
        ),
    })
}

impl Format for CiscoFirepower {
    fn id(&self) -> &'static str {
        "cisco_firepower"
    }
    fn name(&self) -> &'static str {
        "Cisco Firepower Threat Defense (syslog connection events)"
    }
    fn vendor(&self) -> &'static str {
        "Cisco"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        if line.trim_ascii().is_empty() {
            return Reason::Empty.into();
        }
        let Some(m) = Message::parse(line) else {
            return Reason::Syntax.into();
        };
        match m.id {
            b"430002" | b"430003" => connection(&m),
            b"430001" | b"430004" | b"430005" => Reason::NotTraffic.into(),
            _ => cisco_asa::record(&m),
        }
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        match Message::parse(line) {
            Some(m) if m.id.starts_with(b"43000") => 1.0,
            Some(_) if memchr::memmem::find(line, b"%FTD-").is_some() => 0.8,
            _ => 0.0,
        }
    }
}
