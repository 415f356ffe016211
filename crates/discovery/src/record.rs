//! What a parser makes of one line.

use std::borrow::Cow;

/// Whether the device let the transaction through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Action {
    #[default]
    Allowed,
    Blocked,
}

impl Action {
    /// `Blocked` when `blocked`, else `Allowed`.
    pub fn from_blocked(blocked: bool) -> Action {
        if blocked {
            Action::Blocked
        } else {
            Action::Allowed
        }
    }
}

/// One transaction: who talked to which destination, when, how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    /// UTC, milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    /// Source IP address as written in the log (empty when the format has none).
    pub src_ip: &'a str,
    /// User name when the device knows it.
    pub user: Option<Cow<'a, str>>,
    /// Destination host in lower case (from the URL, SNI or host field); a bare IP stays an IP.
    pub host: Cow<'a, str>,
    /// Bytes sent by the client.
    pub bytes_up: u64,
    /// Bytes received by the client.
    pub bytes_down: u64,
    pub action: Action,
}

/// Why a line gave no record. Every line is either a record or one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// An empty line.
    Empty,
    /// A comment or header line (`#Fields:` …).
    Header,
    /// A valid event that is not web/network traffic (a login, a config change …).
    NotTraffic,
    /// The start of a session whose end the device also logs, with the bytes (PAN-OS
    /// `start`, ASA `Built`, SRX `SESSION_CREATE`): counted once, at its end.
    SessionStart,
    /// Fewer fields than the format has.
    TooFewFields,
    /// The time stamp cannot be read.
    BadTimestamp,
    /// A byte count or port is not a number.
    BadNumber,
    /// No destination host, URL or IP.
    NoDestination,
    /// Not text (invalid UTF-8 where text is needed).
    Encoding,
    /// The line does not have the format's shape.
    Syntax,
}

impl Reason {
    /// Stable name used in reports and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Empty => "empty",
            Reason::Header => "header",
            Reason::NotTraffic => "not_traffic",
            Reason::SessionStart => "session_start",
            Reason::TooFewFields => "too_few_fields",
            Reason::BadTimestamp => "bad_timestamp",
            Reason::BadNumber => "bad_number",
            Reason::NoDestination => "no_destination",
            Reason::Encoding => "encoding",
            Reason::Syntax => "syntax",
        }
    }

    /// Whether the line is malformed (as opposed to a header or a non-traffic event).
    pub fn is_malformed(self) -> bool {
        !matches!(
            self,
            Reason::Empty | Reason::Header | Reason::NotTraffic | Reason::SessionStart
        )
    }
}

/// The result of parsing one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed<'a> {
    Record(Record<'a>),
    Skip(Reason),
}

impl<'a> From<Reason> for Parsed<'a> {
    fn from(r: Reason) -> Self {
        Parsed::Skip(r)
    }
}
