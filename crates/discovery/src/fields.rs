//! Field helpers shared by the parsers: whitespace and CSV splitting, key=value lookup,
//! URL → host, numbers. All borrow from the line; none allocates unless a value must change.

use std::borrow::Cow;

/// Splits on runs of spaces/tabs.
pub fn words(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|&c| c == b' ' || c == b'\t')
        .filter(|w| !w.is_empty())
}

/// Splits a delimited line, honouring double quotes (a quoted field keeps its delimiters; the
/// quotes are removed; doubled quotes inside stay doubled — hosts and numbers never have them).
pub struct Csv<'a> {
    rest: Option<&'a [u8]>,
    sep: u8,
}

pub fn csv(line: &[u8], sep: u8) -> Csv<'_> {
    Csv {
        rest: Some(line),
        sep,
    }
}

impl<'a> Iterator for Csv<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        if let Some(body) = rest.strip_prefix(b"\"") {
            // Find the closing quote that is not doubled.
            let mut i = 0;
            while i < body.len() {
                if body[i] == b'"' {
                    if body.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    let field = &body[..i];
                    let after = &body[i + 1..];
                    self.rest = match memchr::memchr(self.sep, after) {
                        Some(p) => Some(&after[p + 1..]),
                        None => None,
                    };
                    return Some(field);
                }
                i += 1;
            }
            self.rest = None;
            return Some(body);
        }
        match memchr::memchr(self.sep, rest) {
            Some(p) => {
                self.rest = Some(&rest[p + 1..]);
                Some(&rest[..p])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// The value of `key` in a `key=value key2="quoted value"` line (FortiGate, Sophos, CEF
/// extensions, Juniper structured data). `key` must start the line or follow a space/tab or
/// `|`/`[`.
pub fn kv<'a>(line: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(p) = memchr::memmem::find(&line[from..], key) {
        let at = from + p;
        let end = at + key.len();
        let boundary = at == 0
            || matches!(
                line[at - 1],
                b' ' | b'\t' | b'|' | b'[' | b',' | b';' | b'>'
            );
        if boundary && line.get(end) == Some(&b'=') {
            let v = &line[end + 1..];
            if let Some(q) = v.strip_prefix(b"\"") {
                let close = memchr::memchr(b'"', q).unwrap_or(q.len());
                return Some(&q[..close]);
            }
            let stop = v
                .iter()
                .position(|&c| c == b' ' || c == b'\t' || c == b']')
                .unwrap_or(v.len());
            return Some(&v[..stop]);
        }
        from = end;
    }
    None
}

/// An action word that means the device stopped the traffic: `deny`, `blocked`, `drop`,
/// `reject`, `reset` … (any case). Vendors with their own vocabulary wrap this.
pub fn blocked(action: &[u8]) -> bool {
    const WORDS: [&[u8]; 9] = [
        b"deny",
        b"denied",
        b"blocked",
        b"block",
        b"drop",
        b"dropped",
        b"reject",
        b"rejected",
        b"reset",
    ];
    WORDS.iter().any(|w| action.eq_ignore_ascii_case(w))
}

/// A text field as `&str`, or `""` when it is missing or not UTF-8 (source IPs and the like).
pub fn text_or_empty(b: Option<&[u8]>) -> &str {
    b.and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("")
}

/// A non-negative integer; `-` and empty read as 0.
pub fn count(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b == b"-" {
        return Some(0);
    }
    let mut n: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(n)
}

/// Text of a field, or `None` when it is not UTF-8.
pub fn text(b: &[u8]) -> Option<&str> {
    std::str::from_utf8(b).ok()
}

/// A user name field: `-`, empty and similar placeholders are no user.
pub fn user(b: &[u8]) -> Option<Cow<'_, str>> {
    match b {
        b"" | b"-" | b"--" | b"N/A" | b"n/a" | b"\"\"" | b"unknown" | b"Unknown" | b"None" => None,
        _ => text(b).map(Cow::Borrowed),
    }
}

/// [`user`] for text already known to be UTF-8.
pub fn user_str(s: &str) -> Option<Cow<'_, str>> {
    match s {
        "" | "-" | "--" | "N/A" | "n/a" | "\"\"" | "unknown" | "Unknown" | "None" => None,
        _ => Some(Cow::Borrowed(s)),
    }
}

/// The destination host of a URL, `host:port`, or bare host, in lower case. IPv6 brackets are
/// removed. `None` when nothing host-like is left.
pub fn host_of(raw: &[u8]) -> Option<Cow<'_, str>> {
    let (a, b, upper) = host_range(raw)?;
    let text = std::str::from_utf8(&raw[a..b]).ok()?;
    Some(if upper {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    })
}

/// [`host_of`] for text already known to be UTF-8 (no second validation).
pub fn host_of_str(raw: &str) -> Option<Cow<'_, str>> {
    let (a, b, upper) = host_range(raw.as_bytes())?;
    let text = raw.get(a..b)?;
    Some(if upper {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    })
}

/// Byte range of the host in `raw`, and whether it has upper-case letters.
fn host_range(raw: &[u8]) -> Option<(usize, usize, bool)> {
    let mut s = raw;
    // Skip everything up to "://" (a scheme, or a prefix such as "10.0.0.1:http://").
    let mut from = 0;
    while let Some(p) = memchr::memchr(b':', &s[from..]) {
        let at = from + p;
        if s[at + 1..].starts_with(b"//") {
            s = &s[at + 3..];
            break;
        }
        from = at + 1;
    }
    // One pass: find the end of the authority, the last '@', the colons, and check the bytes.
    let mut end = s.len();
    let mut at = None;
    let mut colons = 0usize;
    let mut first_colon = 0usize;
    let mut upper = false;
    let mut valid = true;
    for (i, &c) in s.iter().enumerate() {
        match c {
            b'/' | b'?' | b'#' | b' ' => {
                end = i;
                break;
            }
            b'@' => {
                at = Some(i);
                colons = 0;
                valid = true;
                upper = false;
            }
            b':' => {
                if colons == 0 {
                    first_colon = i;
                }
                colons += 1;
            }
            b'A'..=b'Z' => upper = true,
            b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'[' | b']' => {}
            _ => valid = false,
        }
    }
    let start = at.map_or(0, |a| a + 1);
    let authority = &s[start..end];
    let host = if let Some(inner) = authority.strip_prefix(b"[") {
        &inner[..memchr::memchr(b']', inner)?]
    } else if colons == 1 {
        // host:port (a bare IPv6 address has several colons and keeps them).
        &s[start..first_colon]
    } else {
        authority
    };
    let host = host.strip_suffix(b".").unwrap_or(host);
    if !valid || host.is_empty() || host == b"-" || host.contains(&b'[') || host.contains(&b']') {
        return None;
    }
    // `host` is a sub-slice of `raw`: report its position.
    let offset = host.as_ptr() as usize - raw.as_ptr() as usize;
    Some((offset, offset + host.len(), upper))
}

/// Strips a syslog header (`<PRI>` and an RFC 3164 or RFC 5424 prefix) up to `marker`, returning
/// the rest starting at the marker.
pub fn after<'a>(line: &'a [u8], marker: &[u8]) -> Option<&'a [u8]> {
    memchr::memmem::find(line, marker).map(|p| &line[p..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_from_urls() {
        let h = |s: &str| host_of(s.as_bytes()).map(|c| c.into_owned());
        assert_eq!(
            h("http://www.Example.com/a?b"),
            Some("www.example.com".into())
        );
        assert_eq!(h("login.yahoo.com:443"), Some("login.yahoo.com".into()));
        assert_eq!(h("https://user@host.io:8443/x"), Some("host.io".into()));
        assert_eq!(h("[2001:db8::1]:443"), Some("2001:db8::1".into()));
        assert_eq!(h("2001:db8::1"), Some("2001:db8::1".into()));
        assert_eq!(h("10.0.0.1"), Some("10.0.0.1".into()));
        assert_eq!(h("-"), None);
        assert_eq!(h("bad host"), Some("bad".into()));
    }

    #[test]
    fn key_values() {
        let line =
            b"date=2020-04-23 devname=\"fw 1\" hostname=\"elastic.co\" sentbyte=1152 xsentbyte=9";
        assert_eq!(kv(line, b"devname"), Some(&b"fw 1"[..]));
        assert_eq!(kv(line, b"hostname"), Some(&b"elastic.co"[..]));
        assert_eq!(kv(line, b"sentbyte"), Some(&b"1152"[..]));
        assert_eq!(kv(line, b"missing"), None);
    }

    #[test]
    fn csv_with_quotes() {
        let f: Vec<&[u8]> = csv(b"a,\"b,c\",,\"d\"\"e\",f", b',').collect();
        assert_eq!(f, vec![&b"a"[..], b"b,c", b"", b"d\"\"e", b"f"]);
    }
}
