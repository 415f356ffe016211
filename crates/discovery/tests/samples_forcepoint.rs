//! Forcepoint Web Security CSV-export samples from `../shared/testdata/discovery/forcepoint`: specific
//! lines, specific values.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;

use cloudwarden_discovery::detect::detect;
use cloudwarden_discovery::formats::{all, by_id, Format, Layout};
use cloudwarden_discovery::record::{Action, Parsed, Reason, Record};

fn sample(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/discovery")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the shared test data sits beside the repository)",
            path.display()
        )
    })
}

/// Parses every line of a file as the format would in a run (headers update the layout).
fn parse_all<'a>(format: &dyn Format, data: &'a [u8]) -> Vec<Parsed<'a>> {
    let mut layout: Option<Layout> = None;
    data.split(|&c| c == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .map(|line| {
            if let Some(h) = format.header(line) {
                layout = Some(h);
            }
            format.parse(line, layout.as_ref())
        })
        .collect()
}

fn records<'a>(parsed: &'a [Parsed<'a>]) -> Vec<&'a Record<'a>> {
    parsed
        .iter()
        .filter_map(|p| {
            if let Parsed::Record(r) = p {
                Some(r)
            } else {
                None
            }
        })
        .collect()
}

/// The format detection picks for a whole sample file.
fn detected(data: &[u8]) -> &'static str {
    detect(data, &all())
        .expect("a format is detected")
        .format
        .id()
}

#[test]
fn forcepoint_connect_line() {
    let data = sample("forcepoint/forcepoint-web-test.log");
    let parsed = parse_all(by_id("forcepoint").unwrap(), &data);
    let r = records(&parsed)[0];
    assert_eq!(r.timestamp_ms, 1_671_174_325_000); // 16/12/2022 07:05:25 (day first)
    assert_eq!(r.host, "aom-au.nearmap.com", "URL aom-au.nearmap.com:443/");
    assert_eq!(r.user, None, "anonymous");
    assert_eq!(
        r.src_ip, "202.4.188.96",
        "source IP Not available: the connection IP"
    );
    assert_eq!((r.bytes_up, r.bytes_down), (0, 0));
    assert_eq!(r.action, Action::Allowed);
}

#[test]
fn forcepoint_full_sample() {
    let data = sample("forcepoint/full-sample.first9lines.log");
    let parsed = parse_all(by_id("forcepoint").unwrap(), &data);
    assert_eq!(parsed.len(), 9);
    let recs = records(&parsed);
    assert_eq!(recs.len(), 9);
    let r = recs[0];
    assert_eq!(r.timestamp_ms, 1_671_174_375_000); // 16/12/2022 07:06:15
    assert_eq!(
        r.host, "fundingchoicesmessages.google.com",
        "HTTPS://… upper-case scheme"
    );
    assert_eq!(r.src_ip, "10.0.0.133");
    assert_eq!(
        r.user.as_deref(),
        Some("dom.tmw@12345-54321-nosuchdomain.autoregistration.proxy")
    );
    assert_eq!(recs[2].host, "ss-prod-an1-notif-37.aws.adobess.com");
    assert_eq!(recs[7].host, "polka.typekit.com");
    assert_eq!(recs[7].src_ip, "203.0.113.227");
    assert_eq!(recs[8].host, "www.msftconnecttest.com");
    assert!(recs.iter().all(|r| r.action == Action::Allowed));
}

#[test]
fn forcepoint_blocked_headers_and_garbage() {
    let f = by_id("forcepoint").unwrap();
    let data = sample("forcepoint/forcepoint-web-test.log");
    let line = String::from_utf8(data.split(|&c| c == b'\n').next().unwrap().to_vec()).unwrap();
    let blocked = line.replacen("\"Allowed\"", "\"Blocked\"", 1);
    match f.parse(blocked.as_bytes(), None) {
        Parsed::Record(r) => assert_eq!(r.action, Action::Blocked),
        other => panic!("{other:?}"),
    }
    let us_date = line.replacen("16/12/2022", "12/16/2022", 1);
    assert_eq!(
        f.parse(us_date.as_bytes(), None),
        Parsed::Skip(Reason::BadTimestamp)
    );
    assert_eq!(
        f.parse(
            b"\"Date\",\"Time\",\"User\",\"Workstation\",\"Category\"",
            None
        ),
        Parsed::Skip(Reason::Header)
    );
    assert_eq!(
        f.parse(b"\"16/12/2022\",\"07:05:25\",\"anonymous\"", None),
        Parsed::Skip(Reason::TooFewFields)
    );
    assert_eq!(f.parse(b"", None), Parsed::Skip(Reason::Empty));
}

#[test]
fn forcepoint_is_detected() {
    assert_eq!(
        detected(&sample("forcepoint/full-sample.first9lines.log")),
        "forcepoint"
    );
    assert_eq!(
        detected(&sample("forcepoint/forcepoint-web-test.log")),
        "forcepoint"
    );
}
