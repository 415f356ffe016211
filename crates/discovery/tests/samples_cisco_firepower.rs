//! Cisco Firepower (FTD) connection-event samples from `../shared/testdata/discovery/cisco_firepower`:
//! specific lines, specific values.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cloudwarden_discovery::formats::by_id;
use cloudwarden_discovery::record::{Action, Parsed, Reason};
use support::{detected, parse_all, records, sample};

#[test]
fn cisco_firepower_connection_events() {
    let data = sample("cisco_firepower/test-security-connection.log");
    let parsed = parse_all(by_id("cisco_firepower").unwrap(), &data);
    assert_eq!(parsed.len(), 13);
    let recs = records(&parsed);
    assert_eq!(recs.len(), 13, "every line is a connection event");
    let icmp = recs[0]; // 430002, ICMP: no URL, no ports
    assert_eq!(icmp.timestamp_ms, 1_565_885_011_000); // 2019-08-15T16:03:31Z
    assert_eq!(
        (icmp.src_ip, icmp.host.as_ref()),
        ("10.0.100.30", "10.0.1.20")
    );
    assert_eq!(icmp.user, None, "User: No Authentication Required");
    assert_eq!((icmp.bytes_up, icmp.bytes_down), (98, 0));
    let http = recs[5]; // 430003 with URL
    assert_eq!(http.host, "eu-central-1.ec2.archive.ubuntu.com");
    assert_eq!((http.bytes_up, http.bytes_down), (97_454, 41_319_018));
    assert_eq!(http.action, Action::Allowed);
    assert_eq!(recs[7].host, "www.eicar.org");
    let blocked = recs[9]; // "Aug 14 2019 15:09:41 siem-ftd", Block, URL with a port
    assert_eq!(blocked.timestamp_ms, 1_565_795_381_000);
    assert_eq!(blocked.host, "10.0.100.30");
    assert_eq!((blocked.bytes_up, blocked.bytes_down), (365, 1927));
    assert_eq!(blocked.action, Action::Blocked);
    assert_eq!(recs[8].action, Action::Blocked, "Block (ICMP start event)");
    assert_eq!(recs[11].action, Action::Blocked, "Block with reset");
    assert_eq!(recs[12].action, Action::Allowed, "Trust");
    assert_eq!(recs[10].action, Action::Allowed, "Monitor");
    assert_eq!(recs[10].user.as_deref(), Some("Default-AD\\user1"));
    assert_eq!(recs[10].timestamp_ms, 1_679_906_497_000); // 2023-03-27T08:41:37Z
    assert_eq!(recs[11].user, None, "User: Not Found");
}

#[test]
fn cisco_firepower_other_messages() {
    let f = by_id("cisco_firepower").unwrap();
    let intrusion = b"2019-08-15T16:03:31Z firepower  %FTD-1-430001: EventPriority: High, \
SrcIP: 10.0.1.20, DstIP: 81.2.69.144, Message: a rule fired";
    assert_eq!(f.parse(intrusion, None), Parsed::Skip(Reason::NotTraffic));
    let teardown = b"2019-08-15T16:03:31Z firepower  %FTD-6-302014: Teardown TCP connection 9 \
for outside:81.2.69.144/443 to inside:10.0.1.20/50000 duration 0:00:05 bytes 4242 TCP FINs";
    match f.parse(teardown, None) {
        Parsed::Record(r) => {
            assert_eq!((r.src_ip, r.host.as_ref()), ("10.0.1.20", "81.2.69.144"));
            assert_eq!(r.bytes_down, 4242);
            assert_eq!(r.timestamp_ms, 1_565_885_011_000);
        }
        other => panic!("{other:?}"),
    }
    let bad = b"2019-08-15T16:03:31Z fp %FTD-1-430003: SrcIP: 10.0.1.20, DstIP: 81.2.69.144, \
InitiatorBytes: lots, ResponderBytes: 0";
    assert_eq!(f.parse(bad, None), Parsed::Skip(Reason::BadNumber));
    let no_dst = b"2019-08-15T16:03:31Z fp %FTD-1-430003: SrcIP: 10.0.1.20, InitiatorBytes: 1";
    assert_eq!(f.parse(no_dst, None), Parsed::Skip(Reason::NoDestination));
    assert_eq!(f.parse(b"hello", None), Parsed::Skip(Reason::Syntax));
}

#[test]
fn cisco_firepower_is_detected() {
    assert_eq!(
        detected(&sample("cisco_firepower/test-security-connection.log")),
        "cisco_firepower"
    );
}
