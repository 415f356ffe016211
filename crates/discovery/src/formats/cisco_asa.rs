//! Cisco ASA syslog (`%ASA-<level>-<id>: text`; Firepower Threat Defense writes the same
//! messages as `%FTD-…`). The device time stamp before the tag (`Apr 15 2013 09:36:50`, optionally
//! with a zone name, which is ignored, or RFC 3339) is read as UTC; without a year there is no
//! usable time and the run uses the file's.
//!
//! Records come from the connection and access messages:
//! * 302013/302015 built TCP/UDP connection (no bytes yet; `inbound`/`outbound` says which side
//!   started it),
//! * 302014/302016 TCP/UDP teardown: `bytes N` is the total of both directions, counted as
//!   downloaded (the ASA does not split it); the initiator is the side with the higher port,
//! * 106023 deny by access group and 106100 access-list hit (`denied` → blocked),
//! * 304001 URL accessed, 304002 URL access denied.
//!
//! Every other message id is a valid event that is not a transaction.

use std::borrow::Cow;

use crate::fields::{count, host_of, user, words};
use crate::record::{Action, Parsed, Reason, Record};
use crate::time::{clock, days_from_civil, iso8601, month};

use super::{Format, Layout};

pub struct CiscoAsa;

/// The tags that start a message.
const TAGS: [&[u8]; 4] = [b"%ASA-", b"%FTD-", b"%PIX-", b"%FWSM-"];

/// A message: what precedes the tag (syslog header, device time stamp), the message id, and the
/// text after the id.
pub struct Message<'a> {
    pub header: &'a [u8],
    pub id: &'a [u8],
    pub text: &'a [u8],
}

impl<'a> Message<'a> {
    /// Finds the tag (`%ASA-6-302013:`, `%ASA-session-5-106100:`, `%FTD-1-430003:`).
    pub fn parse(line: &'a [u8]) -> Option<Message<'a>> {
        let (at, tag) = TAGS
            .iter()
            .filter_map(|t| memchr::memmem::find(line, t).map(|p| (p, t.len())))
            .min()?;
        let rest = &line[at + tag..];
        let end = rest
            .iter()
            .position(|&c| c == b':' || c == b' ')
            .unwrap_or(rest.len());
        let id = rest[..end].rsplit(|&c| c == b'-').next()?;
        if id.len() != 6 || !id.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let text = rest[end..].strip_prefix(b":").unwrap_or(&rest[end..]);
        Some(Message {
            header: &line[..at],
            id,
            text: text.trim_ascii(),
        })
    }

    /// The device time: `Some(i64::MIN)` when the header has no dated time stamp, `None` when
    /// it has one that cannot be read.
    pub fn time(&self) -> Option<i64> {
        header_time(self.header)
    }
}

/// A time stamp in a syslog/ASA header: `Mmm dd yyyy HH:MM:SS` anywhere in it, or an RFC 3339
/// word. `Some(i64::MIN)` when there is none (no time, or a syslog time without a year).
pub fn header_time(header: &[u8]) -> Option<i64> {
    let mut w: [&[u8]; 8] = [b""; 8];
    let mut n = 0;
    for word in words(header).take(8) {
        w[n] = word.strip_suffix(b":").unwrap_or(word);
        n += 1;
    }
    let w = &w[..n];
    for (i, word) in w.iter().enumerate() {
        if word.len() >= 19 && word[4] == b'-' {
            if let Some(t) = iso8601(word) {
                return Some(t);
            }
        }
        let Some(m) = month(word) else {
            continue;
        };
        let (Some(d), Some(y), Some(t)) = (w.get(i + 1), w.get(i + 2), w.get(i + 3)) else {
            continue;
        };
        if y.len() != 4 || !y.iter().all(u8::is_ascii_digit) {
            continue;
        }
        let d: u32 = std::str::from_utf8(d).ok()?.parse().ok()?;
        let y: i64 = std::str::from_utf8(y).ok()?.parse().ok()?;
        if !(1..=31).contains(&d) {
            return None;
        }
        return Some(days_from_civil(y, m, d) * 86_400_000 + clock(t)?);
    }
    Some(i64::MIN)
}

/// One side of a connection as the ASA writes it.
#[derive(Debug, Default, Clone, Copy)]
struct End<'a> {
    ip: &'a [u8],
    port: Option<u32>,
    /// Identity-firewall user `(DOMAIN\user)` written right after the address.
    user: &'a [u8],
}

/// A parenthesised group at the start of `s`: its content and what follows.
fn group(s: &[u8]) -> Option<(&[u8], &[u8])> {
    let body = s.strip_prefix(b"(")?;
    let close = memchr::memchr(b')', body)?;
    Some((&body[..close], &body[close + 1..]))
}

/// `ifc:ip/port[(user)]` (302xxx, 106023), followed in built messages by ` (mapped/port)` and
/// then possibly `(user)`. Returns the end and the text after it.
fn colon_end(s: &[u8]) -> Option<(End<'_>, &[u8])> {
    let stop = s
        .iter()
        .position(|&c| c == b' ' || c == b'(' || c == b',')
        .unwrap_or(s.len());
    let word = &s[..stop];
    let addr = &word[memchr::memchr(b':', word)? + 1..];
    let (ip, port) = match memchr::memrchr(b'/', addr) {
        Some(p) => (&addr[..p], port_of(&addr[p + 1..])),
        None => (addr, None),
    };
    let mut rest = &s[stop..];
    let mut user = &b""[..];
    if let Some((u, after)) = group(rest) {
        user = u;
        rest = after;
    } else if let Some((mapped, after)) = group(rest.trim_ascii_start()) {
        if memchr::memchr(b'/', mapped).is_some() {
            rest = after;
            if let Some((u, after)) = group(rest) {
                user = u;
                rest = after;
            }
        }
    }
    Some((End { ip, port, user }, rest))
}

/// `ifc/ip(port)[(user)]` (106100).
fn slash_end(s: &[u8]) -> Option<End<'_>> {
    let s = s.trim_ascii();
    let slash = memchr::memchr(b'/', s)?;
    let rest = &s[slash + 1..];
    let open = memchr::memchr(b'(', rest).unwrap_or(rest.len());
    let ip = rest[..open].trim_ascii();
    let (port, after) = group(&rest[open..]).map_or((None, &b""[..]), |(p, a)| (port_of(p), a));
    let user = group(after.trim_ascii_start()).map_or(&b""[..], |(u, _)| u);
    Some(End { ip, port, user })
}

fn port_of(b: &[u8]) -> Option<u32> {
    count(b)
        .filter(|_| !b.is_empty())
        .and_then(|p| u32::try_from(p).ok())
}

/// The text after `word ` (a space-delimited word) in `s`.
fn after<'a>(s: &'a [u8], word: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(p) = memchr::memmem::find(&s[from..], word) {
        let at = from + p;
        let end = at + word.len();
        if (at == 0 || s[at - 1] == b' ') && s.get(end) == Some(&b' ') {
            return Some(&s[end + 1..]);
        }
        from = end;
    }
    None
}

/// A user name without the ASA's local-database domain (`LOCAL\jdoe` → `jdoe`).
fn idfw_user(u: &[u8]) -> Option<Cow<'_, str>> {
    user(u.strip_prefix(b"LOCAL\\").unwrap_or(u))
}

/// The trailing `(user)` of a message, when it is not an address.
fn trailing_user(text: &[u8]) -> &[u8] {
    let Some(body) = text.strip_suffix(b")") else {
        return b"";
    };
    let Some(open) = memchr::memrchr(b'(', body) else {
        return b"";
    };
    let u = &body[open + 1..];
    if memchr::memchr(b'/', u).is_some() || u.is_empty() {
        b""
    } else {
        u
    }
}

/// A transaction between `src` and `dst`.
struct Flow<'a> {
    src: End<'a>,
    dst: End<'a>,
    host: Option<Cow<'a, str>>,
    user: &'a [u8],
    bytes_down: u64,
    blocked: bool,
}

fn connection<'a>(id: &[u8], text: &'a [u8]) -> Result<Flow<'a>, Reason> {
    let from = after(text, b"for").ok_or(Reason::Syntax)?;
    let (a, rest) = colon_end(from).ok_or(Reason::Syntax)?;
    let to = after(rest, b"to").ok_or(Reason::Syntax)?;
    let (b, rest) = colon_end(to).ok_or(Reason::Syntax)?;
    if matches!(id, b"302013" | b"302015") {
        // Built: the teardown of the same connection carries its bytes; count it there.
        return Err(Reason::SessionStart);
    }
    // The server is the side on the lower port.
    let (src, dst) = match (a.port, b.port) {
        (Some(pa), Some(pb)) if pb < pa => (a, b),
        _ => (b, a),
    };
    let n = after(rest, b"bytes").ok_or(Reason::TooFewFields)?;
    let n = n.split(|&c| c == b' ').next().unwrap_or_default();
    let bytes_down = count(n).ok_or(Reason::BadNumber)?;
    let user = if src.user.is_empty() {
        trailing_user(text)
    } else {
        src.user
    };
    Ok(Flow {
        src,
        dst,
        host: None,
        user,
        bytes_down,
        blocked: false,
    })
}

/// `Deny tcp src dmz:10.1.2.30/63016 dst outside:192.168.0.8/53 by access-group …`
fn deny(text: &[u8]) -> Result<Flow<'_>, Reason> {
    let (src, _) = colon_end(after(text, b"src").ok_or(Reason::Syntax)?).ok_or(Reason::Syntax)?;
    let (dst, _) = colon_end(after(text, b"dst").ok_or(Reason::Syntax)?).ok_or(Reason::Syntax)?;
    Ok(Flow {
        src,
        dst,
        host: None,
        user: src.user,
        bytes_down: 0,
        blocked: true,
    })
}

/// `access-list acl_in permitted tcp inside/10.1.2.16(2241) -> outside/192.168.0.89(2000) hit-cnt …`
fn access_list(text: &[u8]) -> Result<Flow<'_>, Reason> {
    let mut w = words(text);
    let (Some(_), Some(_acl), Some(verdict), Some(_proto)) =
        (w.next(), w.next(), w.next(), w.next())
    else {
        return Err(Reason::TooFewFields);
    };
    let arrow = memchr::memmem::find(text, b" -> ").ok_or(Reason::Syntax)?;
    let left = &text[..arrow];
    let left = &left[memchr::memrchr(b' ', left.trim_ascii_end()).map_or(0, |p| p + 1)..];
    let right = &text[arrow + 4..];
    let right = &right[..memchr::memmem::find(right, b" hit-cnt").unwrap_or(right.len())];
    let src = slash_end(left).ok_or(Reason::Syntax)?;
    let dst = slash_end(right).ok_or(Reason::Syntax)?;
    Ok(Flow {
        src,
        dst,
        host: None,
        user: src.user,
        bytes_down: 0,
        blocked: verdict == b"denied",
    })
}

/// `10.5.111.32 Accessed URL 192.168.2.32:http://example.com` (the client may be written
/// `user@ip(DOMAIN\user)`).
fn url_accessed(text: &[u8]) -> Result<Flow<'_>, Reason> {
    let p = memchr::memmem::find(text, b" Accessed URL ").ok_or(Reason::Syntax)?;
    let client = &text[..p];
    let target = text[p + 14..].trim_ascii();
    let (named, client) = match memchr::memchr(b'@', client) {
        Some(at) => (&client[..at], &client[at + 1..]),
        None => (&b""[..], client),
    };
    let open = memchr::memchr(b'(', client).unwrap_or(client.len());
    let idfw = group(&client[open..]).map_or(&b""[..], |(u, _)| u);
    let (dest_ip, url) = match memchr::memmem::find(target, b"://") {
        Some(_) => {
            let colon = memchr::memchr(b':', target).unwrap_or(0);
            (&target[..colon], target)
        }
        None => match memchr::memmem::find(target, b":/") {
            Some(c) => (&target[..c], &b""[..]),
            None => (target, &b""[..]),
        },
    };
    Ok(Flow {
        src: End {
            ip: &client[..open],
            ..End::default()
        },
        dst: End {
            ip: dest_ip,
            ..End::default()
        },
        host: host_of(url),
        user: if named.is_empty() { idfw } else { named },
        bytes_down: 0,
        blocked: false,
    })
}

/// `Access denied URL http://www.example.net/x SRC 10.69.6.39 DEST 192.168.0.19 on interface …`
fn url_denied(text: &[u8]) -> Result<Flow<'_>, Reason> {
    let url = after(text, b"URL").ok_or(Reason::Syntax)?;
    let url = url.split(|&c| c == b' ').next().unwrap_or_default();
    let word = |key: &[u8]| {
        after(text, key)
            .and_then(|s| s.split(|&c| c == b' ').next())
            .unwrap_or_default()
    };
    Ok(Flow {
        src: End {
            ip: word(b"SRC"),
            ..End::default()
        },
        dst: End {
            ip: word(b"DEST"),
            ..End::default()
        },
        host: host_of(url),
        user: b"",
        bytes_down: 0,
        blocked: true,
    })
}

/// The record of an ASA message, or why there is none. Shared with the Firepower format, whose
/// devices also write these messages.
pub fn record<'a>(m: &Message<'a>) -> Parsed<'a> {
    let flow = match m.id {
        b"302013" | b"302014" | b"302015" | b"302016" => connection(m.id, m.text),
        b"106023" => deny(m.text),
        b"106100" => access_list(m.text),
        b"304001" => url_accessed(m.text),
        b"304002" => url_denied(m.text),
        _ => return Reason::NotTraffic.into(),
    };
    let flow = match flow {
        Ok(f) => f,
        Err(reason) => return reason.into(),
    };
    let Some(timestamp_ms) = m.time() else {
        return Reason::BadTimestamp.into();
    };
    let Some(host) = flow.host.or_else(|| host_of(flow.dst.ip)) else {
        return Reason::NoDestination.into();
    };
    Parsed::Record(Record {
        timestamp_ms,
        src_ip: std::str::from_utf8(flow.src.ip).unwrap_or(""),
        user: idfw_user(flow.user),
        host,
        bytes_up: 0,
        bytes_down: flow.bytes_down,
        action: Action::from_blocked(flow.blocked),
    })
}

impl Format for CiscoAsa {
    fn id(&self) -> &'static str {
        "cisco_asa"
    }
    fn name(&self) -> &'static str {
        "Cisco ASA (syslog)"
    }
    fn vendor(&self) -> &'static str {
        "Cisco"
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        if line.trim_ascii().is_empty() {
            return Reason::Empty.into();
        }
        match Message::parse(line) {
            Some(m) => record(&m),
            None => Reason::Syntax.into(),
        }
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        match Message::parse(line) {
            Some(_) if memchr::memmem::find(line, b"%FTD-").is_some() => 0.5,
            Some(_) => 1.0,
            None => 0.0,
        }
    }
}
