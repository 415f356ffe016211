//! Time stamps as logs write them → UTC milliseconds. No allocation, no time-zone database:
//! formats carry either UTC, an explicit offset, or a Unix epoch.

/// Days from 1970-01-01 to the civil date (proleptic Gregorian; H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    let mut n: u32 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Some(n)
}

/// `YYYY-MM-DD` (or `YYYY/MM/DD`) → days since the epoch.
pub fn date(b: &[u8]) -> Option<i64> {
    if b.len() != 10 {
        return None;
    }
    let (y, m, d) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(i64::from(y), m, d))
}

/// `HH:MM:SS[.fff]` → milliseconds since midnight.
pub fn clock(b: &[u8]) -> Option<i64> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, mi, s) = (num(&b[0..2])?, num(&b[3..5])?, num(&b[6..8])?);
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut ms = 0i64;
    if b.len() > 9 && (b[8] == b'.' || b[8] == b',') {
        let frac = &b[9..b.len().min(12)];
        let f = i64::from(num(frac)?);
        ms = f * 10i64.pow(3 - u32::try_from(frac.len()).unwrap_or(3));
    } else if b.len() != 8 {
        return None;
    }
    Some(((i64::from(h) * 60 + i64::from(mi)) * 60 + i64::from(s)) * 1000 + ms)
}

/// `date` and `clock` fields in UTC → epoch milliseconds.
pub fn date_clock(d: &[u8], t: &[u8]) -> Option<i64> {
    Some(date(d)? * 86_400_000 + clock(t)?)
}

/// A time-zone offset `+hh:mm`, `-hhmm`, `Z` → milliseconds to subtract for UTC.
pub fn offset(b: &[u8]) -> Option<i64> {
    match b {
        b"" | b"Z" | b"z" | b"UTC" | b"GMT" => Some(0),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let digits: Vec<u8> = rest.iter().copied().filter(u8::is_ascii_digit).collect();
            if digits.len() != 4 && digits.len() != 2 {
                return None;
            }
            let h = i64::from(num(&digits[0..2])?);
            let m = if digits.len() == 4 {
                i64::from(num(&digits[2..4])?)
            } else {
                0
            };
            let ms = (h * 60 + m) * 60_000;
            Some(if *sign == b'+' { ms } else { -ms })
        }
        _ => None,
    }
}

/// ISO 8601 / RFC 3339 (`2024-03-22T16:24:15.123Z`, `2024-03-22 16:24:15+02:00`) → UTC ms.
pub fn iso8601(b: &[u8]) -> Option<i64> {
    if b.len() < 19 || !(b[10] == b'T' || b[10] == b' ' || b[10] == b't') {
        return None;
    }
    let days = date(&b[0..10])?;
    // Clock runs until the zone designator.
    let rest = &b[11..];
    let end = rest
        .iter()
        .position(|&c| c == b'Z' || c == b'z' || c == b'+' || c == b'-')
        .unwrap_or(rest.len());
    let t = clock(&rest[..end])?;
    let off = offset(&rest[end..])?;
    Some(days * 86_400_000 + t - off)
}

/// A Unix epoch in seconds with optional fraction (`1157689312.049`) → ms.
pub fn epoch_seconds(b: &[u8]) -> Option<i64> {
    let (int, frac) = match memchr::memchr(b'.', b) {
        Some(p) => (&b[..p], &b[p + 1..]),
        None => (b, &b""[..]),
    };
    if int.is_empty() || int.len() > 11 || !int.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut secs: i64 = 0;
    for &c in int {
        secs = secs * 10 + i64::from(c - b'0');
    }
    let mut ms = 0i64;
    let mut scale = 100;
    for &c in frac.iter().take(3) {
        if !c.is_ascii_digit() {
            return None;
        }
        ms += i64::from(c - b'0') * scale;
        scale /= 10;
    }
    Some(secs * 1000 + ms)
}

/// An epoch that may be in s, ms, µs or ns (FortiGate `eventtime`, Netskope `timestamp`).
pub fn epoch_any(b: &[u8]) -> Option<i64> {
    if b.contains(&b'.') {
        return epoch_seconds(b);
    }
    if b.is_empty() || b.len() > 19 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut n: i64 = 0;
    for &c in b {
        n = n.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
    }
    Some(match b.len() {
        0..=11 => n * 1000,
        12..=14 => n,
        15..=17 => n / 1000,
        _ => n / 1_000_000,
    })
}

const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// A three-letter month name → 1–12.
pub fn month(b: &[u8]) -> Option<u32> {
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(b))
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// `10/Oct/2000:13:55:36 -0700` (Apache/Squid common log) → UTC ms.
pub fn common_log(b: &[u8]) -> Option<i64> {
    if b.len() < 20 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' {
        return None;
    }
    let d = num(&b[0..2])?;
    let m = month(&b[3..6])?;
    let y = num(&b[7..11])?;
    let t = clock(&b[12..20])?;
    let off = offset(b.get(21..).unwrap_or(b"").trim_ascii())?;
    Some(days_from_civil(i64::from(y), m, d) * 86_400_000 + t - off)
}

/// A Unix epoch in milliseconds (`1652116204000`, a fraction of a millisecond is dropped) → ms.
pub fn epoch_millis(b: &[u8]) -> Option<i64> {
    let int = match memchr::memchr(b'.', b) {
        Some(p) if b[p + 1..].iter().all(u8::is_ascii_digit) => &b[..p],
        Some(_) => return None,
        None => b,
    };
    if int.is_empty() || int.len() > 15 || !int.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut ms: i64 = 0;
    for &c in int {
        ms = ms * 10 + i64::from(c - b'0');
    }
    Some(ms)
}

/// A number of 1 to `max` digits.
fn short_num(b: &[u8], max: usize) -> Option<u32> {
    if b.len() > max {
        return None;
    }
    num(b)
}

/// `H:MM[:SS[.fff]]` with a one- or two-digit hour → milliseconds since midnight.
fn loose_clock(b: &[u8]) -> Option<i64> {
    let mut parts = b.splitn(3, |&c| c == b':');
    let h = short_num(parts.next()?, 2)?;
    let m = parts.next()?;
    if m.len() != 2 {
        return None;
    }
    let m = num(m)?;
    if h > 23 || m > 59 {
        return None;
    }
    let mut ms = (i64::from(h) * 60 + i64::from(m)) * 60_000;
    if let Some(rest) = parts.next() {
        let s = num(rest.get(..2)?)?;
        if s > 60 {
            return None;
        }
        ms += i64::from(s) * 1000;
        if let Some(frac) = rest.get(2..).filter(|f| !f.is_empty()) {
            let digits = frac
                .strip_prefix(b".")
                .or_else(|| frac.strip_prefix(b","))?;
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let kept = &digits[..digits.len().min(3)];
            let scale = 10i64.pow(3 - u32::try_from(kept.len()).unwrap_or(3));
            ms += i64::from(num(kept)?) * scale;
        }
    }
    Some(ms)
}

/// `MM/DD/YYYY HH:MM[:SS]` (`month_first`) or `DD/MM/YYYY HH:MM[:SS]` in UTC, as spreadsheets
/// write them: one- or two-digit day and month, `/`, `-` or `.` between them → UTC ms.
pub fn slash_date_time(b: &[u8], month_first: bool) -> Option<i64> {
    let b = b.trim_ascii();
    let split = b.iter().position(|&c| c == b' ' || c == b'T')?;
    let (d, t) = (&b[..split], b[split + 1..].trim_ascii_start());
    let sep = *d.iter().find(|c| matches!(c, b'/' | b'-' | b'.'))?;
    let mut parts = d.split(|&c| c == sep);
    let (a, c, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 {
        return None;
    }
    let (a, c, y) = (short_num(a, 2)?, short_num(c, 2)?, num(y)?);
    let (m, day) = if month_first { (a, c) } else { (c, a) };
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    Some(days_from_civil(i64::from(y), m, day) * 86_400_000 + loose_clock(t)?)
}

/// Day number (days since the epoch) of a UTC millisecond time stamp.
pub fn day_of(ms: i64) -> i32 {
    i32::try_from(ms.div_euclid(86_400_000)).unwrap_or(0)
}

/// Days since the epoch → `YYYY-MM-DD`.
pub fn format_day(days: i32) -> String {
    let z = i64::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_common_shapes() {
        assert_eq!(epoch_seconds(b"1157689312.049"), Some(1_157_689_312_049));
        assert_eq!(
            date_clock(b"2022-05-09", b"17:10:04"),
            Some(1_652_116_204_000)
        );
        assert_eq!(
            iso8601(b"2022-05-09T19:10:04+02:00"),
            Some(1_652_116_204_000)
        );
        assert_eq!(
            iso8601(b"2022-05-09T17:10:04.500Z"),
            Some(1_652_116_204_500)
        );
        assert_eq!(
            common_log(b"09/May/2022:17:10:04 +0000"),
            Some(1_652_116_204_000)
        );
        assert_eq!(epoch_any(b"1587230269052907555"), Some(1_587_230_269_052));
        assert_eq!(epoch_any(b"1592961368"), Some(1_592_961_368_000));
        assert_eq!(format_day(day_of(1_652_116_204_000)), "2022-05-09");
        assert_eq!(epoch_millis(b"1652116204000"), Some(1_652_116_204_000));
        assert_eq!(epoch_millis(b"1652116204000.7"), Some(1_652_116_204_000));
        assert_eq!(epoch_millis(b"16521x"), None);
        assert_eq!(
            slash_date_time(b"05/09/2022 17:10:04", true),
            Some(1_652_116_204_000)
        );
        assert_eq!(
            slash_date_time(b"9/5/2022 17:10:04.250", false),
            Some(1_652_116_204_250)
        );
        assert_eq!(
            slash_date_time(b"09.05.2022 7:10", false),
            Some(1_652_080_200_000)
        );
        assert_eq!(slash_date_time(b"13/13/2022 17:10:04", true), None);
        assert_eq!(slash_date_time(b"05/09/22 17:10:04", true), None);
        assert_eq!(date(b"2022-13-09"), None);
        assert_eq!(clock(b"25:00:00"), None);
    }
}
