//! Barracuda WAF web-firewall samples from `../shared/testdata/discovery/barracuda`: specific lines,
//! specific values.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cloudwarden_discovery::formats::by_id;
use cloudwarden_discovery::record::{Action, Parsed, Reason};
use support::{detected, parse_all, records, sample};

const FILE: &str = "barracuda/test-web-firewall.log";

fn first_line() -> String {
    let data = sample(FILE);
    String::from_utf8(data.split(|&c| c == b'\n').next().unwrap().to_vec()).unwrap()
}

#[test]
fn barracuda_web_firewall() {
    let data = sample(FILE);
    let parsed = parse_all(by_id("barracuda").unwrap(), &data);
    assert_eq!(parsed.len(), 5);
    let recs = records(&parsed);
    assert_eq!(recs.len(), 5);
    let r = recs[0];
    assert_eq!(r.timestamp_ms, 1_677_678_884_502); // 2023-03-01 14:54:44.502 +0100
    assert_eq!(r.src_ip, "81.2.69.144", "client IP");
    assert_eq!(
        r.host, "67.43.156.4",
        "service IP: WF logs have no host name"
    );
    assert_eq!(r.user, None, "user \"-\"");
    assert_eq!((r.bytes_up, r.bytes_down), (0, 0));
    assert_eq!(r.action, Action::Allowed, "LOG");
    let deny = recs[4]; // DENY CHALLENGE WITH CAPTCHA (a follow-up action with spaces)
    assert_eq!(deny.timestamp_ms, 1_678_274_347_530); // 2023-03-08 12:19:07.530 +0100
    assert_eq!(deny.action, Action::Blocked);
    assert_eq!(deny.src_ip, "81.2.69.144");
}

#[test]
fn barracuda_user_other_logs_and_garbage() {
    let f = by_id("barracuda").unwrap();
    let with_user = first_line().replacen("61507 \"-\" \"-\"", "61507 \"Jane Doe\" \"-\"", 1);
    match f.parse(with_user.as_bytes(), None) {
        Parsed::Record(r) => assert_eq!(r.user.as_deref(), Some("Jane Doe")),
        other => panic!("{other:?}"),
    }
    let system = b"<129>2023-03-01 14:54:44.502 +0100  barracuda SYS ALER 12345 Admin logged in";
    assert_eq!(f.parse(system, None), Parsed::Skip(Reason::NotTraffic));
    let bad_zone = first_line().replacen("+0100", "CEST", 1);
    assert_eq!(
        f.parse(bad_zone.as_bytes(), None),
        Parsed::Skip(Reason::BadTimestamp)
    );
    assert_eq!(
        f.parse(
            b"<129>2023-03-01 14:54:44.502 +0100 barracuda WF ALER X",
            None
        ),
        Parsed::Skip(Reason::TooFewFields)
    );
    assert_eq!(f.parse(b"hello world", None), Parsed::Skip(Reason::Syntax));
    assert_eq!(f.parse(b"", None), Parsed::Skip(Reason::Empty));
}

#[test]
fn barracuda_is_detected() {
    assert_eq!(detected(&sample(FILE)), "barracuda");
}
