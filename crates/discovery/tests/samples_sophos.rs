//! Sophos XG/SFOS content-filtering samples from `../shared/testdata/discovery/sophos`: specific
//! lines, specific values.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cloudwarden_discovery::formats::by_id;
use cloudwarden_discovery::record::{Action, Parsed, Reason};
use support::{detected, parse_all, records, sample};

const FILE: &str = "sophos/test-sophos-18-5-content-filtering-http.log";

fn first_line() -> String {
    let data = sample(FILE);
    let line = data.split(|&c| c == b'\n').next().unwrap();
    String::from_utf8(line.to_vec()).unwrap()
}

#[test]
fn sophos_content_filtering() {
    let data = sample(FILE);
    let parsed = parse_all(by_id("sophos").unwrap(), &data);
    assert_eq!(parsed.len(), 8);
    let recs = records(&parsed);
    assert_eq!(recs.len(), 8, "every line is a web request");
    let r = recs[0];
    assert_eq!(r.timestamp_ms, 1_480_703_223_000); // 2016-12-02 18:27:03 GMT
    assert_eq!(r.host, "floater.baldrys.ca");
    assert_eq!(r.src_ip, "192.168.73.220");
    assert_eq!(r.user.as_deref(), Some("rich"));
    assert_eq!((r.bytes_up, r.bytes_down), (0, 15940));
    assert_eq!(r.action, Action::Allowed);
    assert_eq!(recs[2].host, "the.earth.li");
    assert_eq!(recs[4].action, Action::Blocked, "log_subtype Denied");
    assert_eq!(recs[4].bytes_down, 1_594_715);
    assert_eq!(recs[5].host, "www.vancity.com");
    assert_eq!(recs[5].action, Action::Blocked);
    assert_eq!(
        recs[6].action,
        Action::Allowed,
        "Warned: the user may go on"
    );
    assert_eq!(
        recs[7].host, "www.google.ca",
        "from the URL (domain=\"www. google.ca\" has a stray space)"
    );
}

#[test]
fn sophos_other_log_types_and_time_zones() {
    let f = by_id("sophos").unwrap();
    let event = first_line().replace("log_type=\"Content Filtering\"", "log_type=\"Event\"");
    assert_eq!(
        f.parse(event.as_bytes(), None),
        Parsed::Skip(Reason::NotTraffic)
    );
    let offset = first_line().replace("timezone=\"GMT\"", "timezone=\"+01:00\"");
    match f.parse(offset.as_bytes(), None) {
        Parsed::Record(r) => assert_eq!(r.timestamp_ms, 1_480_703_223_000 - 3_600_000),
        other => panic!("{other:?}"),
    }
    let iso = format!("{} timestamp=\"2016-12-02T19:27:03+0100\"", first_line());
    match f.parse(iso.as_bytes(), None) {
        Parsed::Record(r) => assert_eq!(r.timestamp_ms, 1_480_703_223_000),
        other => panic!("{other:?}"),
    }
    let bad = first_line().replace("recv_bytes=15940", "recv_bytes=lots");
    assert_eq!(
        f.parse(bad.as_bytes(), None),
        Parsed::Skip(Reason::BadNumber)
    );
    assert_eq!(f.parse(b"a=b c=d", None), Parsed::Skip(Reason::Syntax));
    assert_eq!(f.parse(b"", None), Parsed::Skip(Reason::Empty));
}

#[test]
fn sophos_is_detected() {
    assert_eq!(detected(&sample(FILE)), "sophos");
}
