//! Zscaler NSS web samples (JSON, LEEF) from `../shared/testdata/discovery/zscaler`, and the CSV
//! encoding of the same event: specific lines, specific values.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cloudwarden_discovery::formats::by_id;
use cloudwarden_discovery::record::{Action, Parsed, Reason};
use support::{detected, parse_all, records, sample};

#[test]
fn zscaler_json_wrapped_web_events() {
    let data = sample("zscaler/test-web.log");
    let parsed = parse_all(by_id("zscaler").unwrap(), &data);
    assert_eq!(parsed.len(), 6);
    let recs = records(&parsed);
    assert_eq!(recs.len(), 6, "every line is a web transaction");
    let r = recs[0];
    assert_eq!(r.timestamp_ms, 1_640_934_427_000); // Fri Dec 31 07:07:07 2021 UTC
    assert_eq!(r.host, "www.example.com");
    assert_eq!(r.src_ip, "81.2.69.193");
    assert_eq!(r.user.as_deref(), Some("test@example.com"));
    assert_eq!((r.bytes_up, r.bytes_down), (600, 65));
    assert_eq!(r.action, Action::Blocked);
    assert_eq!(recs[1].host, "www.example.com.com", "eurl with a path");
    assert_eq!((recs[1].bytes_up, recs[1].bytes_down), (218, 14230));
    let last = recs[5];
    assert_eq!(last.timestamp_ms, 1_661_764_835_000); // "Thu Aug 29 09:20:35 2022"
    assert_eq!(last.host, "www.example.com", "eurl host:port");
    assert_eq!((last.bytes_up, last.bytes_down), (555, 65));
    assert_eq!(last.action, Action::Allowed);
}

#[test]
fn zscaler_json_unwrapped_numbers_and_other_feeds() {
    let f = by_id("zscaler").unwrap();
    let bare = br#"{"time":"Fri Dec 31 07:07:07 2021","login":"a@b.c","hostname":"Drive.Google.com","action":"Allowed","reqsize":120,"respsize":"2048","cip":"10.0.0.5"}"#;
    match f.parse(bare, None) {
        Parsed::Record(r) => {
            assert_eq!(r.host, "drive.google.com");
            assert_eq!((r.bytes_up, r.bytes_down), (120, 2048));
            assert_eq!(r.src_ip, "10.0.0.5");
            assert_eq!(r.action, Action::Allowed);
        }
        other => panic!("{other:?}"),
    }
    let fw = br#"{ "sourcetype" : "zscalernss-fw", "event" :{"datetime":"Fri Dec 31 07:07:07 2021","csip":"10.0.0.5"}}"#;
    assert_eq!(f.parse(fw, None), Parsed::Skip(Reason::NotTraffic));
    let bad = br#"{"time":"Fri Dec 31 07:07:07 2021","eurl":"a.com","reqsize":"lots"}"#;
    assert_eq!(f.parse(bad, None), Parsed::Skip(Reason::BadNumber));
    let no_time = br#"{"time":"yesterday","eurl":"a.com"}"#;
    assert_eq!(f.parse(no_time, None), Parsed::Skip(Reason::BadTimestamp));
    assert_eq!(f.parse(b"{\"eurl\": ", None), Parsed::Skip(Reason::Syntax));
    assert_eq!(f.parse(b"  ", None), Parsed::Skip(Reason::Empty));
}

/// The first JSON sample event written in the CSV encoding (default NSS web field order).
const CSV_LINE: &str =
    "\"Fri Dec 31 07:07:07 2021\",\"test@example.com\",\"HTTP\",\"www.example.com\",\
\"Blocked\",\"General Browsing\",\"General Browsing\",\"600\",\"65\",\"0\",\"0\",\"Business Use\",\
\"Information Technology\",\"Web Search\",\"None\",\"None\",\"0\",\"None\",\"None\",\"Test DB\",\
\"Unknown\",\"81.2.69.193\",\"81.2.69.145\",\"CONNECT\",\"200\",\
\"Windows Microsoft Windows 10 Pro ZTunnel/1.0\",\"None\",\"FwFilter\",\"Zscaler Proxy Traffic\",\
\"Other\",\"None\",\"administrator1\",\"TestMachine35\"";

#[test]
fn zscaler_csv_and_tsv_read_like_the_json() {
    let f = by_id("zscaler").unwrap();
    let json = sample("zscaler/test-web.log");
    let first_json = json.split(|&c| c == b'\n').next().unwrap();
    let Parsed::Record(expected) = f.parse(first_json, None) else {
        panic!("the JSON line is a record")
    };
    assert_eq!(
        f.parse(CSV_LINE.as_bytes(), None),
        Parsed::Record(expected.clone())
    );
    let tsv = CSV_LINE.replace("\",\"", "\"\t\"");
    assert_eq!(f.parse(tsv.as_bytes(), None), Parsed::Record(expected));
    assert_eq!(
        f.parse(
            b"\"Fri Dec 31 07:07:07 2021\",\"test@example.com\",\"HTTP\"",
            None
        ),
        Parsed::Skip(Reason::TooFewFields)
    );
    assert!(f.sniff(CSV_LINE.as_bytes()) > 0.5);
}

#[test]
fn zscaler_leef_firewall_event() {
    let data = sample("zscaler/zscaler-nss.log");
    let parsed = parse_all(by_id("zscaler").unwrap(), &data);
    let r = records(&parsed)[0];
    assert_eq!(
        r.host, "10.66.69.21",
        "dst: a firewall event has no host name"
    );
    assert_eq!(r.src_ip, "10.11.12.13");
    assert_eq!((r.bytes_up, r.bytes_down), (14754, 898));
    assert_eq!(r.user.as_deref(), Some("GCL->SBL-1"));
    assert_eq!(r.action, Action::Blocked, "EventID Drop");
    assert_eq!(
        r.timestamp_ms,
        i64::MIN,
        "no devTime and a syslog header without a year: the run uses the file's time"
    );
}

#[test]
fn zscaler_is_detected() {
    assert_eq!(detected(&sample("zscaler/test-web.log")), "zscaler");
    assert_eq!(detected(&sample("zscaler/zscaler-nss.log")), "zscaler");
    assert_eq!(detected(CSV_LINE.as_bytes()), "zscaler");
}
