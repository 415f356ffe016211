//! Barracuda WAF web-firewall samples from `../shared/testdata/discovery/barracuda`: specific lines,
//! specific values.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;

use cloudwarden_discovery::detect::detect;
use cloudwarden_discovery::formats::{all, by_id, Format, Layout};
use cloudwarden_discovery::record::{Action, Parsed, Reason, Record};

fn sample(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/discovery")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the shared test data sits beside the repository)",
            path.display()
        )
    })
}

/// Parses every line of a file as the format would in a run (headers update the layout).
fn parse_all<'a>(format: &dyn Format, data: &'a [u8]) -> Vec<Parsed<'a>> {
    let mut layout: Option<Layout> = None;
    data.split(|&c| c == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .map(|line| {
            if let Some(h) = format.header(line) {
                layout = Some(h);
            }
            format.parse(line, layout.as_ref())
        })
        .collect()
}

fn records<'a>(parsed: &'a [Parsed<'a>]) -> Vec<&'a Record<'a>> {
    parsed
        .iter()
        .filter_map(|p| {
            if let Parsed::Record(r) = p {
                Some(r)
            } else {
                None
            }
        })
        .collect()
}

/// The format detection picks for a whole sample file.
fn detected(data: &[u8]) -> &'static str {
    detect(data, &all())
        .expect("a format is detected")
        .format
        .id()
}

const FILE: &str = "barracuda/test-web-firewall.log";

fn first_line() -> String {
    let data = sample(FILE);
    String::from_utf8(data.split(|&c| c == b'\n').next().unwrap().to_vec()).unwrap()
}

#[test]
fn barracuda_web_firewall() {
    let data = sample(FILE);
    let parsed = parse_all(by_id("barracuda").unwrap(), &data);
    assert_eq!(parsed.len(), 5);
    let recs = records(&parsed);
    assert_eq!(recs.len(), 5);
    let r = recs[0];
    assert_eq!(r.timestamp_ms, 1_677_678_884_502); // 2023-03-01 14:54:44.502 +0100
    assert_eq!(r.src_ip, "81.2.69.144", "client IP");
    assert_eq!(
        r.host, "67.43.156.4",
        "service IP: WF logs have no host name"
    );
    assert_eq!(r.user, None, "user \"-\"");
    assert_eq!((r.bytes_up, r.bytes_down), (0, 0));
    assert_eq!(r.action, Action::Allowed, "LOG");
    let deny = recs[4]; // DENY CHALLENGE WITH CAPTCHA (a follow-up action with spaces)
    assert_eq!(deny.timestamp_ms, 1_678_274_347_530); // 2023-03-08 12:19:07.530 +0100
    assert_eq!(deny.action, Action::Blocked);
    assert_eq!(deny.src_ip, "81.2.69.144");
}

#[test]
fn barracuda_user_other_logs_and_garbage() {
    let f = by_id("barracuda").unwrap();
    let with_user = first_line().replacen("61507 \"-\" \"-\"", "61507 \"Jane Doe\" \"-\"", 1);
    match f.parse(with_user.as_bytes(), None) {
        Parsed::Record(r) => assert_eq!(r.user.as_deref(), Some("Jane Doe")),
        other => panic!("{other:?}"),
    }
    let system = b"<129>2023-03-01 14:54:44.502 +0100  barracuda SYS ALER 12345 Admin logged in";
    assert_eq!(f.parse(system, None), Parsed::Skip(Reason::NotTraffic));
    let bad_zone = first_line().replacen("+0100", "CEST", 1);
    assert_eq!(
        f.parse(bad_zone.as_bytes(), None),
        Parsed::Skip(Reason::BadTimestamp)
    );
    assert_eq!(
        f.parse(
            b"<129>2023-03-01 14:54:44.502 +0100 barracuda WF ALER X",
            None
        ),
        Parsed::Skip(Reason::TooFewFields)
    );
    assert_eq!(f.parse(b"hello world", None), Parsed::Skip(Reason::Syntax));
    assert_eq!(f.parse(b"", None), Parsed::Skip(Reason::Empty));
}

#[test]
fn barracuda_is_detected() {
    assert_eq!(detected(&sample(FILE)), "barracuda");
}
