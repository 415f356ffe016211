//! Menlo Security web-log samples from `../shared/testdata/discovery/menlo`: specific lines, specific
//! values.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cloudwarden_discovery::formats::by_id;
use cloudwarden_discovery::record::{Action, Parsed, Reason};
use support::{detected, parse_all, records, sample};

const FILE: &str = "menlo/test-web.log";

#[test]
fn menlo_web_events() {
    let data = sample(FILE);
    let parsed = parse_all(by_id("menlo").unwrap(), &data);
    assert_eq!(parsed.len(), 5);
    let recs = records(&parsed);
    assert_eq!(recs.len(), 5);
    let download = recs[0];
    assert_eq!(download.timestamp_ms, 1_686_029_841_600); // 2023-06-06T05:37:21.600000
    assert_eq!(download.host, "www.google.com");
    assert_eq!(download.src_ip, "192.168.1.1", "x-client-ip (xff_ip is NA)");
    assert_eq!(download.user.as_deref(), Some("test-user"));
    assert_eq!(
        (download.bytes_up, download.bytes_down),
        (0, 265_026),
        "file_download: file_size"
    );
    assert_eq!(
        download.action,
        Action::Allowed,
        "isolate: visited in isolation"
    );
    let blocked = recs[1]; // dst is an array here
    assert_eq!(blocked.timestamp_ms, 1_686_029_839_000); // 2023-06-06T05:37:19
    assert_eq!(blocked.action, Action::Blocked, "pe_action block");
    assert_eq!(recs[2].src_ip, "67.43.156.53");
    assert_eq!(recs[2].action, Action::Blocked);
    let post = recs[3]; // form_post, categories is an array
    assert_eq!(post.timestamp_ms, 1_686_029_824_821);
    assert_eq!((post.bytes_up, post.bytes_down), (0, 0), "file_size NA");
    assert_eq!(post.action, Action::Allowed);
}

#[test]
fn menlo_wrapped_and_garbage() {
    let f = by_id("menlo").unwrap();
    let wrapped = br#"{"event": {"event_time": "2023-06-06T05:37:19", "url": "https://Docs.Example.com/x", "userid": "u1", "xff_ip": "10.1.2.3", "x-client-ip": "67.43.156.53", "pe_action": "allow", "name": "file_upload", "file_size": 512}}"#;
    match f.parse(wrapped, None) {
        Parsed::Record(r) => {
            assert_eq!(r.host, "docs.example.com");
            assert_eq!(r.src_ip, "10.1.2.3", "xff_ip: the client behind a proxy");
            assert_eq!((r.bytes_up, r.bytes_down), (512, 0));
        }
        other => panic!("{other:?}"),
    }
    let no_time = br#"{"url": "https://a.example/", "pe_action": "allow"}"#;
    assert_eq!(f.parse(no_time, None), Parsed::Skip(Reason::BadTimestamp));
    let no_host = br#"{"event_time": "2023-06-06T05:37:19", "pe_action": "allow"}"#;
    assert_eq!(f.parse(no_host, None), Parsed::Skip(Reason::NoDestination));
    assert_eq!(f.parse(b"{not json", None), Parsed::Skip(Reason::Syntax));
    assert_eq!(f.parse(b"", None), Parsed::Skip(Reason::Empty));
}

#[test]
fn menlo_is_detected() {
    assert_eq!(detected(&sample(FILE)), "menlo");
}
