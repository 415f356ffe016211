//! An analyst's own CSV/TSV layout: which column holds the time stamp, the source, the user,
//! the destination, the byte counts and the action. [`CustomFormat`] is the mapping as the UI
//! edits and stores it; [`CustomFormat::parser`] checks it and builds the [`CustomParser`] the
//! pipeline runs (id `custom:<name>`).
//!
//! Fields are split RFC 4180 style: a field in double quotes keeps its delimiters, and a doubled
//! quote inside it is one quote. Spaces around a field are ignored. A quote left open at the
//! end of the line (a field running over a line break) makes the line a syntax error. A UTF-8
//! byte order mark at the start of a line is skipped.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::fields::{count, host_of, text_or_empty, user};
use crate::record::{Action, Parsed, Reason, Record};
use crate::time::{common_log, date_clock, epoch_millis, epoch_seconds, iso8601, slash_date_time};

use super::{Format, Layout};

/// The delimiters a custom format may use.
pub const DELIMITERS: [char; 4] = [',', '\t', ';', '|'];

/// The largest column index a mapping may use.
pub const MAX_COLUMN: u32 = 1023;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How the time stamp column is written. Times without an offset are UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeLayout {
    /// Unix seconds, optionally with a fraction: `1652116204`, `1652116204.250`.
    EpochSeconds,
    /// Unix milliseconds: `1652116204250`.
    EpochMillis,
    /// ISO 8601 / RFC 3339: `2022-05-09T17:10:04Z`, `2022-05-09 19:10:04.250+02:00`.
    Iso8601,
    /// `2022-05-09 17:10:04` (or with `T`, optional `.fff`), UTC.
    DateTime,
    /// Web server common log: `09/May/2022:17:10:04 +0000`, with or without `[ ]`.
    CommonLog,
    /// US spreadsheet style `05/09/2022 17:10:04` (month first; seconds optional), UTC.
    MonthDayYear,
    /// European spreadsheet style `09/05/2022 17:10:04` (day first; seconds optional), UTC.
    DayMonthYear,
}

impl TimeLayout {
    /// Every layout, in the order a picker shows them.
    pub const ALL: [TimeLayout; 7] = [
        TimeLayout::Iso8601,
        TimeLayout::DateTime,
        TimeLayout::EpochSeconds,
        TimeLayout::EpochMillis,
        TimeLayout::CommonLog,
        TimeLayout::MonthDayYear,
        TimeLayout::DayMonthYear,
    ];

    /// An example of the layout, for a picker.
    pub fn example(self) -> &'static str {
        match self {
            TimeLayout::EpochSeconds => "1652116204",
            TimeLayout::EpochMillis => "1652116204250",
            TimeLayout::Iso8601 => "2022-05-09T17:10:04Z",
            TimeLayout::DateTime => "2022-05-09 17:10:04",
            TimeLayout::CommonLog => "09/May/2022:17:10:04 +0000",
            TimeLayout::MonthDayYear => "05/09/2022 17:10:04",
            TimeLayout::DayMonthYear => "09/05/2022 17:10:04",
        }
    }

    /// The time stamp in `b` → UTC milliseconds.
    pub fn parse(self, b: &[u8]) -> Option<i64> {
        let b = b.trim_ascii();
        match self {
            TimeLayout::EpochSeconds => epoch_seconds(b),
            TimeLayout::EpochMillis => epoch_millis(b),
            TimeLayout::Iso8601 => iso8601(b),
            TimeLayout::DateTime => {
                if b.len() < 19 || !matches!(b[10], b' ' | b'T') {
                    return None;
                }
                date_clock(&b[..10], &b[11..])
            }
            TimeLayout::CommonLog => {
                let inner = b.strip_prefix(b"[").unwrap_or(b);
                common_log(inner.strip_suffix(b"]").unwrap_or(inner))
            }
            TimeLayout::MonthDayYear => slash_date_time(b, true),
            TimeLayout::DayMonthYear => slash_date_time(b, false),
        }
    }
}

/// An analyst's mapping of a delimited log's columns (0-based indices) to traffic fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomFormat {
    /// The analyst's name for it; the format id is `custom:<name>`.
    pub name: String,
    /// `,`, tab, `;` or `|` ([`DELIMITERS`]).
    pub delimiter: char,
    /// The first line of every file holds column names.
    #[serde(default)]
    pub has_header: bool,
    /// Column of the time stamp (required).
    pub timestamp: u32,
    pub timestamp_layout: TimeLayout,
    #[serde(default)]
    pub src_ip: Option<u32>,
    #[serde(default)]
    pub user: Option<u32>,
    /// Column of the destination host (or `host:port`, or IP). Read first when both this and
    /// `url` are set; at least one of them is required.
    #[serde(default)]
    pub host: Option<u32>,
    /// Column of the URL, whose host is the destination.
    #[serde(default)]
    pub url: Option<u32>,
    /// Bytes sent by the client.
    #[serde(default)]
    pub bytes_up: Option<u32>,
    /// Bytes received by the client.
    #[serde(default)]
    pub bytes_down: Option<u32>,
    /// Column of the device's decision.
    #[serde(default)]
    pub action: Option<u32>,
    /// Values of the action column that mean blocked (any case). Empty: the usual words
    /// (`deny`, `denied`, `block`, `blocked`, `drop`, `reject`, `reset` …).
    #[serde(default)]
    pub blocked_values: Vec<String>,
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Timestamp,
    SrcIp,
    User,
    Host,
    Url,
    BytesUp,
    BytesDown,
    Action,
}

const ROLES: usize = 8;

impl Role {
    fn label(self) -> &'static str {
        match self {
            Role::Timestamp => "the time stamp",
            Role::SrcIp => "the source IP",
            Role::User => "the user",
            Role::Host => "the destination host",
            Role::Url => "the URL",
            Role::BytesUp => "the bytes sent",
            Role::BytesDown => "the bytes received",
            Role::Action => "the action",
        }
    }
}

impl CustomFormat {
    /// The format id in reports and uploads: `custom:<name>`.
    pub fn id(&self) -> String {
        format!("custom:{}", self.name.trim())
    }

    /// The roles that have a column, in a fixed order.
    fn columns(&self) -> Vec<(Role, u32)> {
        [
            (Role::Timestamp, Some(self.timestamp)),
            (Role::SrcIp, self.src_ip),
            (Role::User, self.user),
            (Role::Host, self.host),
            (Role::Url, self.url),
            (Role::BytesUp, self.bytes_up),
            (Role::BytesDown, self.bytes_down),
            (Role::Action, self.action),
        ]
        .into_iter()
        .filter_map(|(role, column)| column.map(|c| (role, c)))
        .collect()
    }

    /// Checks the mapping; the message says what to fix.
    pub fn validate(&self) -> Result<(), String> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err("give the custom format a name".into());
        }
        if name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(
                "the custom format's name must be at most 64 characters, without control characters"
                    .into(),
            );
        }
        if !DELIMITERS.contains(&self.delimiter) {
            return Err(format!(
                "the delimiter must be a comma, a tab, a semicolon or a pipe, not {:?}",
                self.delimiter
            ));
        }
        if self.host.is_none() && self.url.is_none() {
            return Err("choose the destination column: the host or the URL".into());
        }
        let columns = self.columns();
        for (i, &(role, column)) in columns.iter().enumerate() {
            if column > MAX_COLUMN {
                return Err(format!(
                    "column {column} ({}) is too large: columns are numbered from 0 to {MAX_COLUMN}",
                    role.label()
                ));
            }
            if let Some(&(other, _)) = columns[..i].iter().find(|&&(_, c)| c == column) {
                return Err(format!(
                    "column {column} is chosen for both {} and {}; each column can hold one field",
                    other.label(),
                    role.label()
                ));
            }
        }
        if self.action.is_none() && self.blocked_values.iter().any(|v| !v.trim().is_empty()) {
            return Err("blocked values are given but no action column is chosen".into());
        }
        Ok(())
    }

    /// The checked parser for this mapping.
    pub fn parser(&self) -> Result<CustomParser, String> {
        self.validate()?;
        let mut slots = Vec::new();
        for (role, column) in self.columns() {
            let column = column as usize;
            if slots.len() <= column {
                slots.resize(column + 1, None);
            }
            slots[column] = Some(role);
        }
        Ok(CustomParser {
            id: self.id(),
            name: self.name.trim().to_owned(),
            // `validate` accepted only ASCII delimiters.
            sep: u8::try_from(self.delimiter).unwrap_or(b','),
            slots,
            layout: self.timestamp_layout,
            blocked: self
                .blocked_values
                .iter()
                .map(|v| v.trim().as_bytes().to_vec())
                .filter(|v| !v.is_empty())
                .collect(),
            header_lines: u64::from(self.has_header),
            format: self.clone(),
        })
    }
}

/// A checked [`CustomFormat`], ready to parse lines (see [`CustomFormat::parser`]).
#[derive(Debug, Clone)]
pub struct CustomParser {
    id: String,
    name: String,
    sep: u8,
    /// Column index → the role it holds.
    slots: Vec<Option<Role>>,
    layout: TimeLayout,
    blocked: Vec<Vec<u8>>,
    header_lines: u64,
    format: CustomFormat,
}

impl CustomParser {
    /// The mapping this parser was built from.
    pub fn format(&self) -> &CustomFormat {
        &self.format
    }

    fn is_blocked(&self, action: &[u8]) -> bool {
        let action = action.trim_ascii();
        if self.blocked.is_empty() {
            crate::fields::blocked(action)
        } else {
            self.blocked.iter().any(|b| b.eq_ignore_ascii_case(action))
        }
    }
}

/// One field of a delimited line.
#[derive(Debug, Clone, Copy, Default)]
struct Cell<'a> {
    /// The text between the quotes (doubled quotes still doubled), or the trimmed field.
    raw: &'a [u8],
    quoted: bool,
    /// The closing quote is missing.
    open: bool,
}

impl<'a> Cell<'a> {
    /// The field's bytes with doubled quotes made single.
    fn bytes(&self) -> Cow<'a, [u8]> {
        if self.quoted && memchr::memmem::find(self.raw, b"\"\"").is_some() {
            let mut out = Vec::with_capacity(self.raw.len());
            let mut i = 0;
            while i < self.raw.len() {
                out.push(self.raw[i]);
                i += if self.raw[i] == b'"' && self.raw.get(i + 1) == Some(&b'"') {
                    2
                } else {
                    1
                };
            }
            Cow::Owned(out)
        } else {
            Cow::Borrowed(self.raw)
        }
    }

    /// The field as text (no user name or host needs a replacement character: invalid UTF-8 is
    /// no text).
    fn text(&self) -> Option<Cow<'a, str>> {
        match self.bytes() {
            Cow::Borrowed(b) => std::str::from_utf8(b).ok().map(Cow::Borrowed),
            Cow::Owned(v) => String::from_utf8(v).ok().map(Cow::Owned),
        }
    }

    fn host(&self) -> Option<Cow<'a, str>> {
        match self.text()? {
            Cow::Borrowed(s) => host_of(s.as_bytes()),
            Cow::Owned(s) => host_of(s.as_bytes()).map(|h| Cow::Owned(h.into_owned())),
        }
    }
}

/// The fields of a line, RFC 4180 style.
fn cells(line: &[u8], sep: u8) -> impl Iterator<Item = Cell<'_>> {
    let mut rest = Some(line);
    std::iter::from_fn(move || {
        let r = rest?;
        // Spaces before an opening quote are not part of the field (a tab is, when it is the
        // delimiter: it ends an empty field).
        let start = r
            .iter()
            .position(|&c| !(c == b' ' || (c == b'\t' && sep != b'\t')))
            .unwrap_or(r.len());
        if let Some(body) = r[start..].strip_prefix(b"\"") {
            let mut i = 0;
            while i < body.len() {
                if body[i] == b'"' {
                    if body.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    let after = &body[i + 1..];
                    rest = memchr::memchr(sep, after).map(|p| &after[p + 1..]);
                    return Some(Cell {
                        raw: &body[..i],
                        quoted: true,
                        open: false,
                    });
                }
                i += 1;
            }
            rest = None;
            return Some(Cell {
                raw: body,
                quoted: true,
                open: true,
            });
        }
        let (field, next) = match memchr::memchr(sep, r) {
            Some(p) => (&r[..p], Some(&r[p + 1..])),
            None => (r, None),
        };
        rest = next;
        Some(Cell {
            raw: field.trim_ascii(),
            quoted: false,
            open: false,
        })
    })
}

/// A line without its byte order mark and line break.
fn clean(line: &[u8]) -> &[u8] {
    let line = line.strip_prefix(BOM).unwrap_or(line);
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The columns of `line` as text, for a preview of a file's first lines: quotes removed,
/// doubled quotes made single, invalid UTF-8 replaced. A delimiter outside [`DELIMITERS`]
/// gives the whole line as one column.
pub fn split_columns(line: &[u8], delimiter: char) -> Vec<String> {
    let line = clean(line);
    let Some(sep) = u8::try_from(delimiter).ok().filter(u8::is_ascii) else {
        return vec![String::from_utf8_lossy(line).into_owned()];
    };
    cells(line, sep)
        .map(|c| String::from_utf8_lossy(&c.bytes()).into_owned())
        .collect()
}

impl Format for CustomParser {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn vendor(&self) -> &str {
        "Custom"
    }

    fn header_lines(&self) -> u64 {
        self.header_lines
    }

    fn parse<'a>(&self, line: &'a [u8], _: Option<&Layout>) -> Parsed<'a> {
        let line = clean(line);
        if line.trim_ascii().is_empty() {
            return Reason::Empty.into();
        }
        let mut found: [Option<Cell<'a>>; ROLES] = [None; ROLES];
        let mut n = 0;
        // Slots first: no field after the last mapped one is even split.
        for (slot, cell) in self.slots.iter().zip(cells(line, self.sep)) {
            if cell.open {
                return Reason::Syntax.into();
            }
            if let Some(role) = slot {
                found[*role as usize] = Some(cell);
            }
            n += 1;
        }
        if n < self.slots.len() {
            return Reason::TooFewFields.into();
        }
        let get = |role: Role| found[role as usize];
        let Some(timestamp_ms) = get(Role::Timestamp).and_then(|c| self.layout.parse(c.raw)) else {
            return Reason::BadTimestamp.into();
        };
        let host = get(Role::Host)
            .and_then(|c| c.host())
            .or_else(|| get(Role::Url).and_then(|c| c.host()));
        let Some(host) = host else {
            return Reason::NoDestination.into();
        };
        let bytes = |role: Role| get(role).map_or(Some(0), |c| count(c.raw));
        let (Some(bytes_up), Some(bytes_down)) = (bytes(Role::BytesUp), bytes(Role::BytesDown))
        else {
            return Reason::BadNumber.into();
        };
        let user = get(Role::User).and_then(|c| match c.text()? {
            Cow::Borrowed(s) => user(s.as_bytes()),
            Cow::Owned(s) => user(s.as_bytes()).is_some().then_some(Cow::Owned(s)),
        });
        Parsed::Record(Record {
            timestamp_ms,
            src_ip: text_or_empty(get(Role::SrcIp).map(|c| c.raw)),
            user,
            host,
            bytes_up,
            bytes_down,
            action: Action::from_blocked(get(Role::Action).is_some_and(|c| self.is_blocked(c.raw))),
        })
    }

    fn sniff(&self, line: &[u8]) -> f32 {
        if matches!(self.parse(line, None), Parsed::Record(_)) {
            1.0
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

    use super::*;

    /// `time,client,user,url,sent,received,verdict` with ISO time stamps.
    fn csv() -> CustomFormat {
        CustomFormat {
            name: "Proxy export".into(),
            delimiter: ',',
            has_header: true,
            timestamp: 0,
            timestamp_layout: TimeLayout::Iso8601,
            src_ip: Some(1),
            user: Some(2),
            host: None,
            url: Some(3),
            bytes_up: Some(4),
            bytes_down: Some(5),
            action: Some(6),
            blocked_values: vec!["Denied".into(), "quarantined".into()],
        }
    }

    fn record<'a>(p: &CustomParser, line: &'a str) -> Record<'a> {
        match p.parse(line.as_bytes(), None) {
            Parsed::Record(r) => r,
            Parsed::Skip(reason) => panic!("{line}: {reason:?}"),
        }
    }

    fn skip(p: &CustomParser, line: &str) -> Reason {
        match p.parse(line.as_bytes(), None) {
            Parsed::Skip(reason) => reason,
            Parsed::Record(r) => panic!("{line}: parsed as {r:?}"),
        }
    }

    #[test]
    fn reads_every_mapped_column() {
        let p = csv().parser().unwrap();
        let r = record(
            &p,
            "2022-05-09T17:10:04.250Z,10.0.0.7,alice,https://WWW.Dropbox.com/home?x=1,1200,56000,Allowed",
        );
        assert_eq!(r.timestamp_ms, 1_652_116_204_250);
        assert_eq!(r.src_ip, "10.0.0.7");
        assert_eq!(r.user.as_deref(), Some("alice"));
        assert_eq!(r.host, "www.dropbox.com");
        assert_eq!((r.bytes_up, r.bytes_down), (1200, 56000));
        assert_eq!(r.action, Action::Allowed);
        assert_eq!(p.id(), "custom:Proxy export");
        assert_eq!(p.name(), "Proxy export");
        assert_eq!(p.header_lines(), 1);
    }

    #[test]
    fn quoted_fields_keep_commas_and_undouble_quotes() {
        let p = csv().parser().unwrap();
        let r = record(
            &p,
            r#""2022-05-09T17:10:04Z", "10.0.0.7","O""Brien, Pat","https://a.example.com/x,y",1,2,"DENIED""#,
        );
        assert_eq!(r.user.as_deref(), Some("O\"Brien, Pat"));
        assert_eq!(r.host, "a.example.com");
        assert_eq!((r.bytes_up, r.bytes_down), (1, 2));
        assert_eq!(
            r.action,
            Action::Blocked,
            "blocked values match in any case"
        );
        assert_eq!(
            skip(
                &p,
                r#"2022-05-09T17:10:04Z,10.0.0.7,"alice,https://a.com/,1,2,x"#
            ),
            Reason::Syntax,
            "a quote left open"
        );
    }

    #[test]
    fn tab_separated_with_a_host_column() {
        let f = CustomFormat {
            name: "tsv".into(),
            delimiter: '\t',
            has_header: false,
            timestamp: 2,
            timestamp_layout: TimeLayout::EpochSeconds,
            src_ip: Some(0),
            user: None,
            host: Some(1),
            url: None,
            bytes_up: None,
            bytes_down: Some(3),
            action: None,
            blocked_values: vec![],
        };
        let p = f.parser().unwrap();
        assert_eq!(p.header_lines(), 0);
        let r = record(&p, "10.1.1.1\tLogin.Yahoo.com:443\t1157689312.049\t19763");
        assert_eq!(r.timestamp_ms, 1_157_689_312_049);
        assert_eq!((r.src_ip, r.host.as_ref()), ("10.1.1.1", "login.yahoo.com"));
        assert_eq!((r.bytes_up, r.bytes_down, r.user), (0, 19763, None));
        // An empty field between two tabs is a field (the source IP here), not skipped.
        let r = record(&p, "\tfiles.example.com\t1157689312\t0");
        assert_eq!((r.src_ip, r.host.as_ref()), ("", "files.example.com"));
        assert_eq!(
            skip(&p, "10.1.1.1\tx.com\t1157689312"),
            Reason::TooFewFields
        );
    }

    #[test]
    fn host_column_falls_back_to_the_url() {
        let mut f = csv();
        f.host = Some(7);
        let p = f.parser().unwrap();
        let r = record(
            &p,
            "2022-05-09T17:10:04Z,10.0.0.7,-,https://from-url.com/a,0,0,ok,Host.Example.org",
        );
        assert_eq!(r.host, "host.example.org", "the host column comes first");
        assert_eq!(r.user, None, "- is no user");
        let r = record(
            &p,
            "2022-05-09T17:10:04Z,10.0.0.7,,https://from-url.com/a,0,0,ok,",
        );
        assert_eq!(r.host, "from-url.com");
        assert_eq!(
            skip(&p, "2022-05-09T17:10:04Z,10.0.0.7,,-,0,0,ok,"),
            Reason::NoDestination
        );
    }

    #[test]
    fn default_blocked_words_when_no_values_are_given() {
        let mut f = csv();
        f.blocked_values = vec![];
        let p = f.parser().unwrap();
        let line =
            |action: &str| format!("2022-05-09T17:10:04Z,10.0.0.7,bob,http://a.com/,0,0,{action}");
        assert_eq!(record(&p, &line("deny")).action, Action::Blocked);
        assert_eq!(record(&p, &line("Blocked")).action, Action::Blocked);
        assert_eq!(record(&p, &line("Denied")).action, Action::Blocked);
        assert_eq!(record(&p, &line("allow")).action, Action::Allowed);
        // With explicit values, only those block.
        let p = csv().parser().unwrap();
        assert_eq!(record(&p, &line("deny")).action, Action::Allowed);
        assert_eq!(record(&p, &line(" Quarantined ")).action, Action::Blocked);
    }

    #[test]
    fn every_time_layout() {
        let cases = [
            (TimeLayout::EpochSeconds, "1652116204.25", 1_652_116_204_250),
            (TimeLayout::EpochMillis, "1652116204250", 1_652_116_204_250),
            (
                TimeLayout::Iso8601,
                "2022-05-09T19:10:04.250+02:00",
                1_652_116_204_250,
            ),
            (
                TimeLayout::DateTime,
                "2022-05-09 17:10:04.250",
                1_652_116_204_250,
            ),
            (
                TimeLayout::CommonLog,
                "[09/May/2022:19:10:04 +0200]",
                1_652_116_204_000,
            ),
            (
                TimeLayout::CommonLog,
                "09/May/2022:17:10:04 +0000",
                1_652_116_204_000,
            ),
            (
                TimeLayout::MonthDayYear,
                "05/09/2022 17:10:04",
                1_652_116_204_000,
            ),
            (
                TimeLayout::DayMonthYear,
                "09/05/2022 17:10:04",
                1_652_116_204_000,
            ),
        ];
        for (layout, text, ms) in cases {
            let f = CustomFormat {
                timestamp_layout: layout,
                ..csv()
            };
            let p = f.parser().unwrap();
            let line = format!("\"{text}\",10.0.0.7,a,http://a.com/,0,0,ok");
            assert_eq!(record(&p, &line).timestamp_ms, ms, "{layout:?} {text}");
            assert!(layout.parse(layout.example().as_bytes()).is_some());
            // Another layout's text is a bad time stamp.
            let other = if layout == TimeLayout::EpochMillis {
                "2022-05-09"
            } else {
                "yesterday"
            };
            assert_eq!(
                skip(&p, &format!("{other},10.0.0.7,a,http://a.com/,0,0,ok")),
                Reason::BadTimestamp,
                "{layout:?}"
            );
        }
        assert_eq!(TimeLayout::DateTime.parse(b"2022-05-09T17:10:04Z"), None);
        assert_eq!(
            TimeLayout::EpochMillis.parse(b"1652116204250"),
            Some(1_652_116_204_250)
        );
    }

    #[test]
    fn malformed_lines_get_their_reason() {
        let p = csv().parser().unwrap();
        assert_eq!(skip(&p, ""), Reason::Empty);
        assert_eq!(skip(&p, " \r"), Reason::Empty);
        assert_eq!(
            skip(&p, "2022-05-09T17:10:04Z,10.0.0.7"),
            Reason::TooFewFields
        );
        assert_eq!(
            skip(&p, "2022-05-09T17:10:04Z,10.0.0.7,a,http://a.com/,12k,0,ok"),
            Reason::BadNumber
        );
        assert_eq!(
            skip(&p, "time,client,user,url,sent,received,verdict"),
            Reason::BadTimestamp,
            "out of place, a header line is malformed"
        );
        assert_eq!(
            skip(&p, "2022-05-09T17:10:04Z,10.0.0.7,a,http://a.com/,0,0"),
            Reason::TooFewFields
        );
        // A byte order mark before the first field does not spoil the time stamp.
        let r = record(
            &p,
            "\u{feff}2022-05-09T17:10:04Z,10.0.0.7,a,http://a.com/,0,0,ok",
        );
        assert_eq!(r.timestamp_ms, 1_652_116_204_000);
        assert_eq!(
            p.sniff(b"2022-05-09T17:10:04Z,10.0.0.7,a,http://a.com/,0,0,ok"),
            1.0
        );
        assert_eq!(p.sniff(b"garbage"), 0.0);
    }

    #[test]
    fn validation_says_what_to_fix() {
        let err = |f: CustomFormat| f.validate().unwrap_err();
        assert!(csv().validate().is_ok());
        assert!(err(CustomFormat {
            name: "  ".into(),
            ..csv()
        })
        .contains("name"));
        assert!(err(CustomFormat {
            delimiter: ':',
            ..csv()
        })
        .contains("delimiter"));
        assert!(err(CustomFormat {
            url: None,
            host: None,
            ..csv()
        })
        .contains("destination"));
        let dup = err(CustomFormat {
            user: Some(0),
            ..csv()
        });
        assert!(
            dup.contains("column 0") && dup.contains("time stamp") && dup.contains("user"),
            "{dup}"
        );
        assert!(err(CustomFormat {
            bytes_down: Some(5000),
            ..csv()
        })
        .contains("too large"));
        assert!(err(CustomFormat {
            action: None,
            ..csv()
        })
        .contains("no action column"));
        assert!(CustomFormat {
            action: None,
            blocked_values: vec![" ".into()],
            ..csv()
        }
        .validate()
        .is_ok());
        assert!(CustomFormat {
            delimiter: ':',
            ..csv()
        }
        .parser()
        .is_err());
    }

    #[test]
    fn serde_round_trip() {
        let f = csv();
        let json = serde_json::to_string(&f).unwrap();
        assert!(json.contains("\"timestamp_layout\":\"iso8601\""), "{json}");
        let back: CustomFormat = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f);
        // Optional columns may be left out.
        let min: CustomFormat = serde_json::from_str(
            r#"{"name":"min","delimiter":"\t","timestamp":0,"timestamp_layout":"epoch_millis","url":1}"#,
        )
        .unwrap();
        assert_eq!(min.delimiter, '\t');
        assert!(!min.has_header && min.user.is_none() && min.blocked_values.is_empty());
        assert!(min.validate().is_ok());
    }

    #[test]
    fn split_columns_for_a_preview() {
        assert_eq!(
            split_columns(b"a,\"b,c\",,\"d\"\"e\",f\r\n", ','),
            vec!["a", "b,c", "", "d\"e", "f"]
        );
        assert_eq!(split_columns(b"a\t\tb", '\t'), vec!["a", "", "b"]);
        assert_eq!(split_columns(b"x;\"open", ';'), vec!["x", "open"]);
        assert_eq!(split_columns(b"\xEF\xBB\xBFh1|h2", '|'), vec!["h1", "h2"]);
        assert_eq!(split_columns(b"a\xffb,c", ','), vec!["a\u{fffd}b", "c"]);
        assert_eq!(split_columns(b"a,b", '\u{e9}'), vec!["a,b"]);
        assert_eq!(split_columns(b"", ','), vec![""]);
    }
}
