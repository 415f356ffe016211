//! The vendors' time stamps: RFC 3339 (GitHub, Microsoft Graph) ↔ milliseconds since the epoch.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// `2024-05-01T10:00:00Z`, with an offset or any number of fraction digits (Graph writes
/// seven), → ms since the epoch. A time stamp without an offset is read as UTC.
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(s, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339))
        .ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// ms since the epoch → `YYYY-MM-DDTHH:MM:SSZ`, to the second (rounded down: a query from
/// this time reads at most a second more, never less).
pub fn format_rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn times_round_trip() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_ms("2024-05-01T10:00:00.250+02:00"),
            Some(1_714_550_400_250)
        );
        assert_eq!(
            parse_rfc3339_ms("2024-05-01T08:00:00.2500000Z"),
            Some(1_714_550_400_250),
            "Graph's seven fraction digits"
        );
        assert_eq!(
            parse_rfc3339_ms("2024-05-01T08:00:00"),
            Some(1_714_550_400_000)
        );
        assert_eq!(parse_rfc3339_ms("yesterday"), None);
        assert_eq!(format_rfc3339(1_714_550_400_250), "2024-05-01T08:00:00Z");
        assert_eq!(
            parse_rfc3339_ms(&format_rfc3339(1_700_000_000_000)),
            Some(1_700_000_000_000)
        );
    }
}
