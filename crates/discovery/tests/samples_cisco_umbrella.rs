//! Cisco Umbrella proxy-log samples from `../shared/testdata/discovery/cisco_umbrella`: specific
//! lines, specific values.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cloudwarden_discovery::formats::by_id;
use cloudwarden_discovery::record::{Action, Parsed, Reason};
use support::{detected, parse_all, records, sample};

const FILE: &str = "cisco_umbrella/test-umbrella-proxylogs.log";

#[test]
fn cisco_umbrella_proxy_logs() {
    let data = sample(FILE);
    let parsed = parse_all(by_id("cisco_umbrella").unwrap(), &data);
    assert_eq!(parsed.len(), 9);
    let recs = records(&parsed);
    assert_eq!(recs.len(), 9);
    let r = recs[0];
    assert_eq!(r.timestamp_ms, 1_506_988_373_000); // 2017-10-02 23:52:53
    assert_eq!(r.src_ip, "192.192.192.135", "internal IP");
    assert_eq!(
        r.host, "google.com",
        "from the URL http://google.com/the.js"
    );
    assert_eq!((r.bytes_up, r.bytes_down), (562, 1489));
    assert_eq!(r.user, None, "identity type Roaming Computer: not a user");
    assert_eq!(r.action, Action::Allowed);
    let net = recs[1];
    assert_eq!(net.timestamp_ms, 1_678_258_472_000); // 2023-03-08 06:54:32
    assert_eq!(
        net.src_ip, "101.102.103.104",
        "no internal IP: the external one"
    );
    assert_eq!(net.host, "luna.avcdn.net");
    assert_eq!((net.bytes_up, net.bytes_down), (0, 797));
    assert_eq!(recs[5].host, "analyticsnew.overwolf.com");
    assert_eq!(recs[5].action, Action::Blocked);
    assert_eq!(recs[7].action, Action::Blocked);
    assert_eq!(
        recs.iter().filter(|r| r.action == Action::Blocked).count(),
        2
    );
}

#[test]
fn cisco_umbrella_users_headers_and_garbage() {
    let f = by_id("cisco_umbrella").unwrap();
    let data = sample(FILE);
    let first = String::from_utf8(data.split(|&c| c == b'\n').next().unwrap().to_vec()).unwrap();
    let user_line = first
        .replacen("\"TheComputerName\"", "\"Jane Doe (jdoe@example.com)\"", 1)
        .replacen("\"Roaming Computer\"", "\"AD Users\"", 1);
    match f.parse(user_line.as_bytes(), None) {
        Parsed::Record(r) => assert_eq!(r.user.as_deref(), Some("Jane Doe (jdoe@example.com)")),
        other => panic!("{other:?}"),
    }
    let header =
        b"\"Timestamp\",\"Policy Identity\",\"Internal IP\",\"External IP\",\"Destination IP\"";
    assert_eq!(f.parse(header, None), Parsed::Skip(Reason::Header));
    assert_eq!(
        f.parse(b"\"2017-10-02 23:52:53\",\"x\",\"1.2.3.4\"", None),
        Parsed::Skip(Reason::TooFewFields)
    );
    let bad = first.replacen("\"562\"", "\"big\"", 1);
    assert_eq!(
        f.parse(bad.as_bytes(), None),
        Parsed::Skip(Reason::BadNumber)
    );
    assert_eq!(f.parse(b"", None), Parsed::Skip(Reason::Empty));
}

#[test]
fn cisco_umbrella_is_detected() {
    assert_eq!(detected(&sample(FILE)), "cisco_umbrella");
}
