//! Cisco Meraki MX `urls` samples from `../shared/testdata/discovery/cisco_meraki`: specific lines,
//! specific values.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cloudwarden_discovery::formats::by_id;
use cloudwarden_discovery::record::{Action, Parsed, Reason};
use support::{detected, parse_all, records, sample};

const FILE: &str = "cisco_meraki/test-urls.log";

#[test]
fn cisco_meraki_urls() {
    let data = sample(FILE);
    let parsed = parse_all(by_id("cisco_meraki").unwrap(), &data);
    assert_eq!(parsed.len(), 3);
    let recs = records(&parsed);
    assert_eq!(recs.len(), 3);
    let r = recs[0];
    assert_eq!(r.timestamp_ms, 1_647_479_503_348); // epoch 1647479503.348215340
    assert_eq!(r.src_ip, "10.0.1.29", "port dropped");
    assert_eq!(
        r.host, "bitbucket.org",
        "request: UNKNOWN https://bitbucket.org/..."
    );
    assert_eq!(r.user, None);
    assert_eq!((r.bytes_up, r.bytes_down), (0, 0));
    assert_eq!(r.action, Action::Allowed);
    assert_eq!(recs[1].host, "lh3.googleusercontent.com");
    assert_eq!(recs[1].src_ip, "10.0.0.234");
    assert_eq!(
        recs[2].host, "lh3.googleusercontent.com",
        "an agent='…' with spaces before the request"
    );
}

#[test]
fn cisco_meraki_other_events_and_garbage() {
    let f = by_id("cisco_meraki").unwrap();
    let flow = b"<134>1 1647479503.348215340 MX84 flows src=10.0.1.29 dst=8.8.8.8 \
mac=78:7B:8A:CC:05:18 protocol=udp sport=55719 dport=53 pattern: allow all";
    assert_eq!(f.parse(flow, None), Parsed::Skip(Reason::NotTraffic));
    let no_url = b"<134>1 1647479503.348 MX84 urls src=10.0.1.29:60336 dst=89.160.20.156:80 \
mac=78:7B:8A:CC:05:18 request: GET /relative";
    match f.parse(no_url, None) {
        Parsed::Record(r) => assert_eq!(r.host, "89.160.20.156", "the destination IP"),
        other => panic!("{other:?}"),
    }
    let bad_time =
        b"<134>1 16474x9503 MX84 urls src=10.0.1.29:1 dst=1.2.3.4:80 request: GET http://a.b/";
    assert_eq!(f.parse(bad_time, None), Parsed::Skip(Reason::BadTimestamp));
    assert_eq!(f.parse(b"hello world", None), Parsed::Skip(Reason::Syntax));
    assert_eq!(f.parse(b"", None), Parsed::Skip(Reason::Empty));
}

#[test]
fn cisco_meraki_is_detected() {
    assert_eq!(detected(&sample(FILE)), "cisco_meraki");
}
