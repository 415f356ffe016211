//! Real vendor samples from `../shared/testdata/discovery`: specific lines, specific values.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cloudwarden_discovery::formats::by_id;
use cloudwarden_discovery::record::{Action, Parsed, Reason};
use support::{parse_all, records, sample};

#[test]
fn squid_native() {
    let data = sample("squid/test-access.log");
    let parsed = parse_all(by_id("squid").unwrap(), &data);
    assert_eq!(parsed.len(), 100);
    let recs = records(&parsed);
    assert_eq!(recs.len(), 100, "every line of the sample is a transaction");
    let first = recs[0];
    assert_eq!(first.timestamp_ms, 1_157_689_312_049);
    assert_eq!(first.src_ip, "10.105.21.199");
    assert_eq!(first.host, "login.yahoo.com");
    assert_eq!(first.user.as_deref(), Some("badeyek"));
    assert_eq!(first.bytes_down, 19763);
    assert_eq!(first.action, Action::Allowed);
    assert_eq!(recs[1].host, "www.goonernews.com");
    assert_eq!(recs[1].bytes_down, 10182);
}

#[test]
fn squid_rejects_garbage_with_a_reason() {
    let f = by_id("squid").unwrap();
    assert_eq!(f.parse(b"", None), Parsed::Skip(Reason::Empty));
    assert_eq!(
        f.parse(b"hello world", None),
        Parsed::Skip(Reason::TooFewFields)
    );
    assert_eq!(
        f.parse(
            b"notatime 1 10.0.0.1 TCP_MISS/200 5 GET http://a.com/ - DIRECT/1.2.3.4 -",
            None
        ),
        Parsed::Skip(Reason::BadTimestamp)
    );
    assert_eq!(
        f.parse(
            b"1157689312.049 1 10.0.0.1 TCP_DENIED/403 x GET http://a.com/ - NONE/- -",
            None
        ),
        Parsed::Skip(Reason::BadNumber)
    );
    match f.parse(
        b"1157689312.049 1 10.0.0.1 TCP_DENIED/403 0 GET http://a.com/ - NONE/- -",
        None,
    ) {
        Parsed::Record(r) => {
            assert_eq!(r.action, Action::Blocked);
            assert_eq!(r.user, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn w3c_iis_without_header_uses_the_default_layout() {
    let data = sample("w3c_iis/test-iis10-access.log");
    let parsed = parse_all(by_id("w3c").unwrap(), &data);
    let recs = records(&parsed);
    assert_eq!(recs.len(), parsed.len());
    let r = recs[1];
    assert_eq!(r.timestamp_ms, 1_651_973_161_000); // 2022-05-08 01:26:01 UTC
    assert_eq!(r.src_ip, "10.119.38.250");
    assert_eq!(r.host, "itwebcert.acxiom.com");
}

#[test]
fn bluecoat_elff_with_fields_header() {
    let data = sample("bluecoat_proxysg/test-proxy-main.log");
    let parsed = parse_all(by_id("bluecoat").unwrap(), &data);
    let recs = records(&parsed);
    assert!(recs.len() >= 10, "{} records", recs.len());
    assert!(parsed.contains(&Parsed::Skip(Reason::Header)));
    for r in &recs {
        assert!(
            !r.host.is_empty() && r.timestamp_ms > 1_600_000_000_000,
            "{r:?}"
        );
    }
}

#[test]
fn fortigate_key_values() {
    let data = sample("fortigate/test-fortinet.log");
    let parsed = parse_all(by_id("fortigate").unwrap(), &data);
    let recs = records(&parsed);
    let web = recs[0];
    // date=2020-04-23 time=12:17:48 tz="-0500" → 17:17:48 UTC
    assert_eq!(web.timestamp_ms, 1_587_662_268_000);
    assert_eq!(web.host, "elastic.co");
    assert_eq!(web.src_ip, "192.168.2.1");
    assert_eq!(web.user.as_deref(), Some("elasticuser"));
    assert_eq!((web.bytes_up, web.bytes_down), (1152, 1130));
    assert_eq!(web.action, Action::Blocked);
    let deny = recs[1];
    assert_eq!(
        deny.host, "67.43.156.13",
        "no host name: the destination IP stays an IP"
    );
    assert_eq!(deny.action, Action::Blocked);
    assert!(
        parsed.contains(&Parsed::Skip(Reason::NotTraffic)),
        "system events are not traffic"
    );
}

#[test]
fn cef_extensions() {
    let data = sample("cef/test-cef.log");
    let parsed = parse_all(by_id("cef").unwrap(), &data);
    let recs = records(&parsed);
    let r = recs[0];
    assert_eq!(r.host, "www.example.com", "the request URL's host");
    assert_eq!(r.src_ip, "89.160.20.156");
    assert_eq!(
        r.timestamp_ms,
        i64::MIN,
        "no rt/start: the run uses the file's time"
    );
}

#[test]
fn leef_attributes_and_malformed_lines() {
    let data = sample("leef/leef1.log");
    let parsed = parse_all(by_id("leef").unwrap(), &data);
    let recs = records(&parsed);
    assert_eq!(recs[0].host, "192.168.0.1");
    assert_eq!(recs[0].user.as_deref(), Some("mike"));
    assert_eq!(recs[0].timestamp_ms, 1_388_577_600_000);
    assert!(parsed
        .iter()
        .any(|p| matches!(p, Parsed::Skip(Reason::NoDestination))));
    let nss = sample("zscaler/zscaler-nss.log");
    let parsed = parse_all(by_id("leef").unwrap(), &nss);
    let r = records(&parsed)[0];
    assert_eq!(
        (r.host.as_ref(), r.src_ip, r.bytes_up, r.bytes_down),
        ("10.66.69.21", "10.11.12.13", 14754, 898)
    );
    assert_eq!(r.action, Action::Blocked, "EventID Drop");
}
