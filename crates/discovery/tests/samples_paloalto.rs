//! PAN-OS syslog CSV samples from `../shared/testdata/discovery/paloalto`: specific lines, specific values.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cloudwarden_discovery::formats::by_id;
use cloudwarden_discovery::record::{Action, Parsed, Reason};
use support::{detected, parse_all, records, sample};

#[test]
fn paloalto_threat_url_matches_elastics_reading() {
    let data = sample("paloalto/test-panw-panos-threat-url-no-xff-sample.log");
    let f = by_id("paloalto").unwrap();
    let parsed = parse_all(f, &data);
    assert_eq!(parsed.len(), 1);
    let r = records(&parsed)[0];
    // generated time 2018/11/30 16:44:36, read as UTC
    assert_eq!(r.timestamp_ms, 1_543_596_276_000);
    assert_eq!(
        r.host, "consent.cmp.oath.com",
        "url.domain in the expected JSON"
    );
    assert_eq!(r.src_ip, "192.168.15.224", "source.ip in the expected JSON");
    assert_eq!(r.user, None, "no source user in the log");
    assert_eq!(
        (r.bytes_up, r.bytes_down),
        (0, 0),
        "THREAT logs carry no bytes"
    );
    assert_eq!(
        r.action,
        Action::Allowed,
        "action alert lets the request through"
    );
}

#[test]
fn paloalto_threat_block_url() {
    let data = sample("paloalto/test-panw-panos-threat-sample.first5lines.log");
    let parsed = parse_all(by_id("paloalto").unwrap(), &data);
    let recs = records(&parsed);
    assert_eq!(recs.len(), parsed.len(), "all five lines are THREAT/url");
    assert!(recs
        .iter()
        .all(|r| r.host == "consent.cmp.oath.com" && r.action == Action::Blocked));
    assert_eq!(recs[0].src_ip, "192.168.15.224");
}

#[test]
fn paloalto_traffic() {
    let data = sample("paloalto/test-panw-panos-traffic-sample.first34lines.log");
    let parsed = parse_all(by_id("paloalto").unwrap(), &data);
    assert_eq!(parsed.len(), 34);
    let recs = records(&parsed);
    assert_eq!(recs.len(), 33, "every TRAFFIC log but the session start");
    // Line 23 is subtype `start` ("log at session start"): its `end` log counts the session.
    assert_eq!(parsed[22], Parsed::Skip(Reason::SessionStart));
    let first = recs[0];
    assert_eq!(first.timestamp_ms, 1_543_594_147_000); // 2018/11/30 16:09:07
    assert_eq!(first.src_ip, "192.168.15.207");
    assert_eq!(first.host, "175.16.199.1", "no URL: the destination IP");
    assert_eq!((first.bytes_up, first.bytes_down), (1758, 5976));
    assert_eq!(first.action, Action::Allowed);
    // Line 24 has subtype `drop`, line 25 subtype `deny` (both with action `allow`).
    assert_eq!(recs[22].timestamp_ms, 1_543_594_172_000);
    assert_eq!((recs[22].bytes_up, recs[22].bytes_down), (624, 0));
    assert_eq!(recs[22].action, Action::Blocked);
    assert_eq!(recs[23].action, Action::Blocked);
    assert_eq!(
        recs.iter().filter(|r| r.action == Action::Blocked).count(),
        2
    );
}

#[test]
fn paloalto_other_types_and_garbage() {
    let f = by_id("paloalto").unwrap();
    assert_eq!(f.parse(b"", None), Parsed::Skip(Reason::Empty));
    let system = b"Nov 30 16:09:08 PA-220 1,2018/11/30 16:09:08,012801096514,SYSTEM,general,0,\
2018/11/30 16:09:08,,general,,0,0,general,informational,\"User admin logged in\",1234,0x0";
    assert_eq!(f.parse(system, None), Parsed::Skip(Reason::NotTraffic));
    let virus = b"Nov 30 16:44:36 PA-220 1,2018/11/30 16:44:36,012801096514,THREAT,virus,2049,\
2018/11/30 16:44:36,192.168.15.224,175.16.199.1";
    assert_eq!(f.parse(virus, None), Parsed::Skip(Reason::NotTraffic));
    let short = b"Nov 30 16:09:08 PA-220 1,2018/11/30 16:09:07,012801096514,TRAFFIC,end,2049,\
2018/11/30 16:09:07,192.168.15.207,175.16.199.1";
    assert_eq!(f.parse(short, None), Parsed::Skip(Reason::TooFewFields));
    assert_eq!(
        f.parse(b"Nov 30 16:09:08 PA-220 hello, world", None),
        Parsed::Skip(Reason::Syntax)
    );
}

#[test]
fn paloalto_is_detected() {
    for file in [
        "paloalto/test-panw-panos-traffic-sample.first34lines.log",
        "paloalto/test-panw-panos-threat-sample.first5lines.log",
    ] {
        assert_eq!(detected(&sample(file)), "paloalto", "{file}");
    }
}
