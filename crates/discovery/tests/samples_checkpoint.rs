//! Check Point Log Exporter samples from `../shared/testdata/discovery/checkpoint`: specific lines,
//! specific values.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cloudwarden_discovery::formats::by_id;
use cloudwarden_discovery::record::{Action, Parsed, Reason};
use support::{detected, parse_all, records, sample};

#[test]
fn checkpoint_firewall_logs() {
    let data = sample("checkpoint/test-checkpoint.log");
    let parsed = parse_all(by_id("checkpoint").unwrap(), &data);
    assert_eq!(parsed.len(), 21);
    let recs = records(&parsed);
    assert_eq!(recs.len(), 14);
    let https = recs[1]; // line 4: service_id https
    assert_eq!(https.timestamp_ms, 1_585_487_962_000); // 2020-03-29T13:19:22Z
    assert_eq!(https.src_ip, "192.168.1.100");
    assert_eq!(
        https.host, "194.29.39.10",
        "no resource: the destination IP"
    );
    assert_eq!(https.user, None);
    assert_eq!((https.bytes_up, https.bytes_down), (0, 0));
    assert_eq!(https.action, Action::Allowed);
    let Parsed::Record(drop) = &parsed[16] else {
        panic!("line 17 is a record")
    };
    assert_eq!(drop.timestamp_ms, 1_585_548_822_000); // 2020-03-30T06:13:42Z
    assert_eq!(drop.host, "2.21.41.118");
    assert_eq!(drop.action, Action::Blocked, "action Drop");
}

#[test]
fn checkpoint_non_traffic_products() {
    let data = sample("checkpoint/test-checkpoint.log");
    let parsed = parse_all(by_id("checkpoint").unwrap(), &data);
    // System Monitor (1, 2), Security Gateway/Management (6, 9, 12), the Application Control
    // and URL Filtering database updates (14, 15).
    for line in [1, 2, 6, 9, 12, 14, 15] {
        assert_eq!(
            parsed[line - 1],
            Parsed::Skip(Reason::NotTraffic),
            "line {line}"
        );
    }
}

#[test]
fn checkpoint_url_filtering_fields() {
    // The sample has no web log; this one has the same syntax with the URL Filtering fields.
    let line = br#"<134>1 2020-03-30T07:20:35Z gw-da58d3 CheckPoint 8363 - [action:"Block"; origin:"192.168.1.100"; product:"URL Filtering"; src:"192.168.1.20"; dst:"104.16.1.1"; src_user_name:"Jane Doe (jdoe)"; resource:"https://WWW.Dropbox.com/s/abc?dl=1"; client_outbound_bytes:"1200"; client_inbound_bytes:"34000"; proto:"6"; service:"443"; service_id:"https"]"#;
    match by_id("checkpoint").unwrap().parse(line, None) {
        Parsed::Record(r) => {
            assert_eq!(r.timestamp_ms, 1_585_552_835_000);
            assert_eq!(r.host, "www.dropbox.com");
            assert_eq!(r.src_ip, "192.168.1.20");
            assert_eq!(r.user.as_deref(), Some("Jane Doe (jdoe)"));
            assert_eq!((r.bytes_up, r.bytes_down), (1200, 34000));
            assert_eq!(r.action, Action::Blocked);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn checkpoint_garbage() {
    let f = by_id("checkpoint").unwrap();
    assert_eq!(f.parse(b"", None), Parsed::Skip(Reason::Empty));
    assert_eq!(f.parse(b"hello world", None), Parsed::Skip(Reason::Syntax));
    let bad = br#"<134>1 2020-03-30T07:20:35Z gw CheckPoint 1 - [action:"Accept"; dst:"1.2.3.4"; sent_bytes:"x"]"#;
    assert_eq!(f.parse(bad, None), Parsed::Skip(Reason::BadNumber));
    let no_time = br#"<134>1 yesterday gw CheckPoint 1 - [action:"Accept"; dst:"1.2.3.4"]"#;
    assert_eq!(f.parse(no_time, None), Parsed::Skip(Reason::BadTimestamp));
}

#[test]
fn checkpoint_is_detected() {
    assert_eq!(
        detected(&sample("checkpoint/test-checkpoint.log")),
        "checkpoint"
    );
}
