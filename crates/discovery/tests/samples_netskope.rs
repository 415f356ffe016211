//! Netskope transaction-log samples from `../shared/testdata/discovery/netskope`: specific lines,
//! specific values.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cloudwarden_discovery::formats::by_id;
use cloudwarden_discovery::record::{Action, Parsed, Reason};
use support::{detected, parse_all, records, sample};

const FILE: &str = "netskope/test-transaction.log";

#[test]
fn netskope_transactions() {
    let data = sample(FILE);
    let parsed = parse_all(by_id("netskope").unwrap(), &data);
    assert_eq!(parsed.len(), 4);
    let recs = records(&parsed);
    assert_eq!(recs.len(), 4);
    let bing = recs[0];
    assert_eq!(bing.timestamp_ms, 1_722_875_060_000); // 2024-08-05 16:24:20
    assert_eq!(bing.host, "www.bing.com");
    assert_eq!(
        bing.src_ip, "10.5.78.159",
        "x-cs-userip, not the public c-ip"
    );
    assert_eq!(bing.user.as_deref(), Some("vikash.ranjan@riverbed.com"));
    assert_eq!((bing.bytes_up, bing.bytes_down), (2971, 2050));
    assert_eq!(bing.action, Action::Allowed, "x-policy-action allow");
    let malformed_http = recs[1]; // PRI method, x-cs-url "-"
    assert_eq!(malformed_http.host, "us-west1-b-osconfig.googleapis.com");
    assert_eq!(
        (malformed_http.bytes_up, malformed_http.bytes_down),
        (18, 0)
    );
    let ssl_error = recs[2];
    assert_eq!(ssl_error.host, "achecker-alliances.eu.goskope.com");
    assert_eq!(ssl_error.src_ip, "216.160.83.56");
    assert_eq!(
        ssl_error.action,
        Action::Blocked,
        "x-cs-ssl-engine-action Block (handshake refused)"
    );
    assert_eq!(recs[3].timestamp_ms, 1_722_875_063_000);
}

#[test]
fn netskope_epoch_numbers_and_garbage() {
    let f = by_id("netskope").unwrap();
    let epoch = br#"{"x-cs-timestamp": 1722875060, "x-cs-sni": "Teams.Microsoft.com", "cs-bytes": 10, "sc-bytes": 20, "x-policy-action": "block", "cs-username": "-"}"#;
    match f.parse(epoch, None) {
        Parsed::Record(r) => {
            assert_eq!(r.timestamp_ms, 1_722_875_060_000);
            assert_eq!(r.host, "teams.microsoft.com");
            assert_eq!((r.bytes_up, r.bytes_down), (10, 20));
            assert_eq!(r.user, None);
            assert_eq!(r.action, Action::Blocked);
        }
        other => panic!("{other:?}"),
    }
    let bad =
        br#"{"date": "2024-08-05", "time": "16:24:20", "cs-host": "a.example", "sc-bytes": "x"}"#;
    assert_eq!(f.parse(bad, None), Parsed::Skip(Reason::BadNumber));
    let no_host = br#"{"date": "2024-08-05", "time": "16:24:20", "cs-host": "-"}"#;
    assert_eq!(f.parse(no_host, None), Parsed::Skip(Reason::NoDestination));
    assert_eq!(f.parse(b"[1, 2", None), Parsed::Skip(Reason::Syntax));
}

#[test]
fn netskope_is_detected() {
    assert_eq!(detected(&sample(FILE)), "netskope");
}
