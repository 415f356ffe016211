//! UTC calendar arithmetic for RFC 3339 timestamps, without a date-time dependency.

use std::time::{SystemTime, UNIX_EPOCH};

pub(crate) const DAY_MS: i64 = 86_400_000;

/// The current time in unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number from [`days_from_civil`].
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2011-01-26T19:01:12Z` (whole seconds, as GitHub renders REST timestamps).
pub(crate) fn format_rfc3339(ms: i64) -> String {
    let mut out = Vec::with_capacity(20);
    push_rfc3339(&mut out, ms, false);
    String::from_utf8(out).unwrap_or_default()
}

/// `2011-01-26T19:01:12.3450000Z`: [`push_rfc3339`] with ticks, as a `String`.
#[cfg(test)]
pub(crate) fn format_rfc3339_ticks(ms: i64) -> String {
    let mut out = Vec::with_capacity(28);
    push_rfc3339(&mut out, ms, true);
    String::from_utf8(out).unwrap_or_default()
}

/// Appends [`format_rfc3339`] of `ms` to `out` without allocating; with `ticks`, seven
/// fractional digits (`2011-01-26T19:01:12.3450000Z`), as Microsoft Graph renders the times
/// of audit logs and sign-ins.
pub(crate) fn push_rfc3339(out: &mut Vec<u8>, ms: i64, ticks: bool) {
    fn two(out: &mut Vec<u8>, v: i64) {
        out.push(b'0' + (v / 10) as u8);
        out.push(b'0' + (v % 10) as u8);
    }
    let secs = ms.div_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    if (0..=9999).contains(&y) {
        two(out, y / 100);
        two(out, y % 100);
    } else {
        use std::io::Write as _;
        // Writing to a Vec cannot fail.
        let _ = write!(out, "{y:04}");
    }
    out.push(b'-');
    two(out, i64::from(m));
    out.push(b'-');
    two(out, i64::from(d));
    out.push(b'T');
    two(out, rem / 3600);
    out.push(b':');
    two(out, rem % 3600 / 60);
    out.push(b':');
    two(out, rem % 60);
    if ticks {
        let frac = ms.rem_euclid(1000);
        out.push(b'.');
        out.push(b'0' + (frac / 100) as u8);
        two(out, frac % 100);
        out.extend_from_slice(b"0000");
    }
    out.push(b'Z');
}

fn digits(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0i64, |n, c| n * 10 + i64::from(c - b'0')))
}

/// `YYYY-MM-DD` as the unix milliseconds of its UTC midnight.
pub(crate) fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = digits(&b[0..4])?;
    let m = u32::try_from(digits(&b[5..7])?).ok()?;
    let d = u32::try_from(digits(&b[8..10])?).ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) * DAY_MS)
}

/// `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)` as unix milliseconds.
pub(crate) fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ') {
        return None;
    }
    let day = parse_date(s.get(..10)?)?;
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, se) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &b[19..];
    let mut frac_ms = 0i64;
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        let f = &frac[..n];
        let ms = f
            .iter()
            .take(3)
            .fold(0i64, |a, c| a * 10 + i64::from(c - b'0'));
        frac_ms = ms * 10i64.pow(3u32.saturating_sub(f.len().min(3) as u32));
        rest = &frac[n..];
    }
    let offset_min = match rest {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), hh0, hh1, b':', mm0, mm1] => {
            let v = digits(&[*hh0, *hh1])? * 60 + digits(&[*mm0, *mm1])?;
            if *sign == b'-' {
                -v
            } else {
                v
            }
        }
        _ => return None,
    };
    Some(day + ((h * 60 + mi - offset_min) * 60 + se) * 1000 + frac_ms)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn round_trips_rfc3339() {
        let ms = parse_rfc3339("2011-01-26T19:01:12Z").unwrap();
        assert_eq!(ms, 1_296_068_472_000);
        assert_eq!(format_rfc3339(ms), "2011-01-26T19:01:12Z");
        assert_eq!(parse_rfc3339("2011-01-26T20:01:12+01:00"), Some(ms));
        assert_eq!(parse_rfc3339("2011-01-26T19:01:12.5Z"), Some(ms + 500));
        assert_eq!(parse_date("2024-02-29"), Some(1_709_164_800_000));
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            format_rfc3339_ticks(ms + 45),
            "2011-01-26T19:01:12.0450000Z"
        );
        assert_eq!(parse_rfc3339("2011-01-26T19:01:12.0450000Z"), Some(ms + 45));
        assert_eq!(parse_rfc3339("2011-01-26"), None);
        assert_eq!(parse_date("2011-13-01"), None);
    }

    #[test]
    fn formats_as_format_did() {
        for ms in [
            0i64,
            1,
            999,
            -1,
            1_296_068_472_045,
            1_760_000_000_000,
            253_402_300_799_999,
            253_402_300_800_000,
            -62_167_219_200_001,
        ] {
            let secs = ms.div_euclid(1000);
            let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
            let rem = secs.rem_euclid(86_400);
            let whole = format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
                rem / 3600,
                rem % 3600 / 60,
                rem % 60
            );
            assert_eq!(format_rfc3339(ms), whole);
            let ticks = format!(
                "{}.{:03}0000Z",
                whole.trim_end_matches('Z'),
                ms.rem_euclid(1000)
            );
            assert_eq!(format_rfc3339_ticks(ms), ticks);
        }
    }
}
