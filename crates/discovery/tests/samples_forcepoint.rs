//! Forcepoint Web Security CSV-export samples from `../shared/testdata/discovery/forcepoint`: specific
//! lines, specific values.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cloudwarden_discovery::formats::by_id;
use cloudwarden_discovery::record::{Action, Parsed, Reason};
use support::{detected, parse_all, records, sample};

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
