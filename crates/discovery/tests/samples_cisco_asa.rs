//! Cisco ASA syslog samples from `../shared/testdata/discovery/cisco_asa`: specific lines, specific
//! values.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cloudwarden_discovery::formats::by_id;
use cloudwarden_discovery::record::{Action, Parsed, Reason, Record};
use support::{detected, parse_all, records, sample};

/// The sample's 92 lines, parsed.
fn asa(data: &[u8]) -> Vec<Parsed<'_>> {
    let parsed = parse_all(by_id("cisco_asa").unwrap(), data);
    assert_eq!(parsed.len(), 92);
    parsed
}

fn rec<'a>(parsed: &'a [Parsed<'a>], line: usize) -> &'a Record<'a> {
    match &parsed[line - 1] {
        Parsed::Record(r) => r,
        other => panic!("line {line}: {other:?}"),
    }
}

#[test]
fn cisco_asa_every_line_is_a_record_or_not_traffic() {
    let data = sample("cisco_asa/test-sample.log");
    let parsed = asa(&data);
    assert_eq!(records(&parsed).len(), 47);
    let starts = parsed
        .iter()
        .filter(|p| **p == Parsed::Skip(Reason::SessionStart))
        .count();
    assert_eq!(starts, 15, "302013/302015 built messages");
    for (i, p) in parsed.iter().enumerate() {
        assert!(
            matches!(
                p,
                Parsed::Record(_) | Parsed::Skip(Reason::NotTraffic | Reason::SessionStart)
            ),
            "line {}: {p:?}",
            i + 1
        );
    }
    // NAT translations, ICMP teardowns, spoof and no-connection denies, IPsec SA events.
    for line in [6, 14, 48, 55, 87] {
        assert_eq!(
            parsed[line - 1],
            Parsed::Skip(Reason::NotTraffic),
            "line {line}"
        );
    }
}

#[test]
fn cisco_asa_deny_and_access_lists() {
    let data = sample("cisco_asa/test-sample.log");
    let parsed = asa(&data);
    let deny = rec(&parsed, 1); // %ASA-4-106023: Deny tcp src dmz:10.1.2.30/63016 dst outside:192.168.0.8/53
    assert_eq!(deny.timestamp_ms, 1_366_018_610_000); // Apr 15 2013 09:36:50
    assert_eq!(deny.src_ip, "10.1.2.30");
    assert_eq!(deny.host, "192.168.0.8");
    assert_eq!(deny.action, Action::Blocked);
    let tz = rec(&parsed, 3); // "Apr 15 2014 09:34:34 EDT": the zone name is ignored
    assert_eq!(tz.timestamp_ms, 1_397_554_474_000);
    assert_eq!((tz.src_ip, tz.host.as_ref()), ("10.1.2.16", "192.168.0.89"));
    assert_eq!(tz.action, Action::Allowed, "access-list … permitted");
    assert_eq!(
        rec(&parsed, 4).action,
        Action::Blocked,
        "access-list … denied"
    );
    assert_eq!(rec(&parsed, 37).action, Action::Allowed, "est-allowed");
}

#[test]
fn cisco_asa_connections() {
    let data = sample("cisco_asa/test-sample.log");
    let parsed = asa(&data);
    // Built (outbound, and inbound with an identity-firewall user): counted at the teardown.
    assert_eq!(parsed[6], Parsed::Skip(Reason::SessionStart));
    assert_eq!(parsed[71], Parsed::Skip(Reason::SessionStart));
    // Teardown: total bytes, user with its domain.
    let down = rec(&parsed, 83);
    assert_eq!(down.timestamp_ms, 1_610_737_957_000); // Jan 15 2021 19:12:37
    assert_eq!(
        (down.src_ip, down.host.as_ref()),
        ("67.43.156.15", "1.128.3.4")
    );
    assert_eq!(down.user.as_deref(), Some("domain\\USER001"));
    assert_eq!((down.bytes_up, down.bytes_down), (0, 9610));
    // UDP teardown: the side on port 53 is the server.
    let udp = rec(&parsed, 12);
    assert_eq!(
        (udp.src_ip, udp.host.as_ref()),
        ("10.123.1.35", "192.168.2.222")
    );
    assert_eq!(udp.bytes_down, 140);
    // User names with spaces and non-ASCII letters.
    assert_eq!(rec(&parsed, 88).user.as_deref(), Some("First Last"));
    assert_eq!(rec(&parsed, 89).user.as_deref(), Some("Speciäl Ö01"));
}

#[test]
fn cisco_asa_urls() {
    let data = sample("cisco_asa/test-sample.log");
    let parsed = asa(&data);
    let url = rec(&parsed, 70); // 10.5.111.32 Accessed URL 192.168.2.32:http://example.com
    assert_eq!(url.timestamp_ms, 1_258_380_756_000); // Nov 16 2009 14:12:36
    assert_eq!(
        (url.src_ip, url.host.as_ref()),
        ("10.5.111.32", "example.com")
    );
    let path_only = rec(&parsed, 69); // 192.168.2.1:/app — no host in the URL
    assert_eq!(path_only.host, "192.168.2.1");
    let named = rec(&parsed, 73);
    assert_eq!(named.src_ip, "192.168.0.1");
    assert_eq!(named.user.as_deref(), Some("USER001"));
    assert_eq!(named.host, "testingserver.com");
    let denied = rec(&parsed, 71); // %ASA-5-304002: Access denied URL …
    assert_eq!(denied.host, "www.example.net");
    assert_eq!(denied.src_ip, "10.69.6.39");
    assert_eq!(denied.action, Action::Blocked);
}

#[test]
fn cisco_asa_time_sources_and_garbage() {
    let f = by_id("cisco_asa").unwrap();
    let yearless = b"Apr 15 09:36:50 fw01 %ASA-6-302014: Teardown TCP connection 1 for \
outside:1.2.3.4/443 to inside:10.0.0.1/50000 duration 0:00:01 bytes 10 TCP FINs";
    match f.parse(yearless, None) {
        Parsed::Record(r) => {
            assert_eq!(r.timestamp_ms, i64::MIN, "a syslog time without a year");
            assert_eq!((r.src_ip, r.host.as_ref()), ("10.0.0.1", "1.2.3.4"));
        }
        other => panic!("{other:?}"),
    }
    let bad_bytes = b"Apr 15 2013 09:36:50: %ASA-6-302014: Teardown TCP connection 1 for \
outside:1.2.3.4/443 to inside:10.0.0.1/50000 duration 0:00:01 bytes many";
    assert_eq!(f.parse(bad_bytes, None), Parsed::Skip(Reason::BadNumber));
    let bad_time = b"Apr 15 2013 29:36:50: %ASA-4-106023: Deny tcp src a:1.1.1.1/1 dst b:2.2.2.2/2";
    assert_eq!(f.parse(bad_time, None), Parsed::Skip(Reason::BadTimestamp));
    assert_eq!(
        f.parse(
            b"Apr 15 2013 09:36:50: %ASA-6-302013: Built something odd",
            None
        ),
        Parsed::Skip(Reason::Syntax)
    );
    assert_eq!(f.parse(b"no tag here", None), Parsed::Skip(Reason::Syntax));
    assert_eq!(f.parse(b"", None), Parsed::Skip(Reason::Empty));
}

#[test]
fn cisco_asa_is_detected() {
    assert_eq!(detected(&sample("cisco_asa/test-sample.log")), "cisco_asa");
}
