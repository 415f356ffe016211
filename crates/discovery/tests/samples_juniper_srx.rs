//! Juniper SRX RT_FLOW samples from `../shared/testdata/discovery/juniper_srx`: specific lines,
//! specific values.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cloudwarden_discovery::formats::by_id;
use cloudwarden_discovery::record::{Action, Parsed, Reason};
use support::{detected, parse_all, records, sample};

fn lines(data: &[u8]) -> Vec<&[u8]> {
    data.split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn juniper_srx_sessions() {
    let data = sample("juniper_srx/test-flow.log");
    let parsed = parse_all(by_id("juniper_srx").unwrap(), &data);
    assert_eq!(parsed.len(), 26);
    assert_eq!(records(&parsed).len(), 11);
    let rec = |line: usize| match &parsed[line - 1] {
        Parsed::Record(r) => r.clone(),
        other => panic!("line {line}: {other:?}"),
    };
    // SESSION_CREATE (2019-11-14T09:37:51.184+01:00): counted once, at its SESSION_CLOSE.
    assert_eq!(parsed[0], Parsed::Skip(Reason::SessionStart));
    let creates = parsed
        .iter()
        .filter(|p| **p == Parsed::Skip(Reason::SessionStart))
        .count();
    assert_eq!(creates, 6);
    let deny = rec(2);
    assert_eq!(deny.src_ip, "10.0.0.26");
    assert_eq!(deny.action, Action::Blocked);
    let close = rec(8); // 2019-04-12T14:29:06.576Z, NATed source
    assert_eq!(close.timestamp_ms, 1_555_079_346_576);
    assert_eq!(
        (close.src_ip, close.host.as_ref()),
        ("10.3.255.203", "67.43.156.15")
    );
    assert_eq!((close.bytes_up, close.bytes_down), (337, 535));
    let no_zone = rec(12); // 2015-09-25T14:19:53.846Z
    assert_eq!(no_zone.timestamp_ms, 1_443_190_793_846);
    assert_eq!(rec(20).action, Action::Blocked, "RT_FLOW_SESSION_DENY_LS");
    assert_eq!((rec(23).bytes_up, rec(23).bytes_down), (9530, 9670));
}

#[test]
fn juniper_srx_apptrack_is_not_traffic() {
    let data = sample("juniper_srx/test-flow.log");
    let parsed = parse_all(by_id("juniper_srx").unwrap(), &data);
    for line in [13, 14, 15, 16, 17, 18, 21, 22, 25] {
        assert_eq!(
            parsed[line - 1],
            Parsed::Skip(Reason::NotTraffic),
            "line {line}"
        );
    }
}

#[test]
fn juniper_srx_user_and_garbage() {
    let f = by_id("juniper_srx").unwrap();
    let data = sample("juniper_srx/test-flow.log");
    let with_user = String::from_utf8(lines(&data)[7].to_vec())
        .unwrap()
        .replace("username=\"N/A\"", "username=\"jdoe\"");
    match f.parse(with_user.as_bytes(), None) {
        Parsed::Record(r) => assert_eq!(r.user.as_deref(), Some("jdoe")),
        other => panic!("{other:?}"),
    }
    let bad = String::from_utf8(lines(&data)[7].to_vec())
        .unwrap()
        .replace("bytes-from-client=\"337\"", "bytes-from-client=\"x\"");
    assert_eq!(
        f.parse(bad.as_bytes(), None),
        Parsed::Skip(Reason::BadNumber)
    );
    assert_eq!(
        f.parse(
            b"Nov 14 09:37:51 SRX RT_FLOW: RT_FLOW_SESSION_CLOSE: session closed",
            None
        ),
        Parsed::Skip(Reason::Syntax)
    );
    assert_eq!(f.parse(b"", None), Parsed::Skip(Reason::Empty));
}

#[test]
fn juniper_srx_is_detected() {
    assert_eq!(
        detected(&sample("juniper_srx/test-flow.log")),
        "juniper_srx"
    );
}
