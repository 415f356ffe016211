//! Formats without a public sample under a usable licence: fixtures written from the vendors'
//! documented log formats (the documentation is cited per test).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use cloudwarden_discovery::formats::by_id;
use cloudwarden_discovery::record::{Action, Parsed, Reason};

/// Squid `logformat common` (squid.conf.documented: `%>a %[ui %[un [%tl] "%rm %ru HTTP/%rv" %>Hs %<st %Ss:%Sh`).
#[test]
fn squid_common_fixture() {
    let f = by_id("squid_common").unwrap();
    let line = br#"192.168.1.20 - alice [09/May/2022:17:10:04 +0200] "GET https://www.Dropbox.com/home HTTP/1.1" 200 5120 TCP_MISS:HIER_DIRECT"#;
    let Parsed::Record(r) = f.parse(line, None) else {
        panic!("not parsed")
    };
    assert_eq!(r.timestamp_ms, 1_652_109_004_000); // 15:10:04 UTC
    assert_eq!(r.src_ip, "192.168.1.20");
    assert_eq!(r.user.as_deref(), Some("alice"));
    assert_eq!(r.host, "www.dropbox.com");
    assert_eq!(r.bytes_down, 5120);
    assert_eq!(r.action, Action::Allowed);
    let denied = br#"192.168.1.20 - - [09/May/2022:17:10:05 +0000] "CONNECT files.example.com:443 HTTP/1.1" 403 3900 TCP_DENIED:HIER_NONE"#;
    let Parsed::Record(r) = f.parse(denied, None) else {
        panic!("not parsed")
    };
    assert_eq!(
        (r.host.as_ref(), r.user.is_none(), r.action),
        ("files.example.com", true, Action::Blocked)
    );
    assert_eq!(f.parse(b"192.168.1.20 - - [not a date] \"GET http://a.com/ HTTP/1.1\" 200 1 TCP_MISS:HIER_DIRECT", None), Parsed::Skip(Reason::BadTimestamp));
    assert!(f.sniff(line) > 0.9);
    assert_eq!(by_id("squid").unwrap().sniff(line), 0.0);
}

/// McAfee Web Gateway default access log (Web Gateway product guide, "Default access log format").
#[test]
fn mcafee_swg_fixture() {
    let f = by_id("mcafee_swg").unwrap();
    let allowed = br#"[12/Jan/2021:10:11:12 +0100] "jdoe" 10.1.1.10 200 "GET https://www.dropbox.com/home HTTP/1.1" "Online Storage" "Minimal Risk" "text/html" 5120 "Mozilla/5.0 (Windows NT 10.0)" "" "0" "Dropbox""#;
    let Parsed::Record(r) = f.parse(allowed, None) else {
        panic!("not parsed")
    };
    assert_eq!(r.timestamp_ms, 1_610_442_672_000); // 09:11:12 UTC
    assert_eq!(
        (r.src_ip, r.user.as_deref(), r.host.as_ref()),
        ("10.1.1.10", Some("jdoe"), "www.dropbox.com")
    );
    assert_eq!((r.bytes_down, r.action), (5120, Action::Allowed));
    let blocked = br#"[12/Jan/2021:10:11:13 +0100] "" 10.1.1.11 403 "CONNECT mega.nz:443 HTTP/1.1" "File Sharing" "Medium Risk" "" 0 "curl/8.0" "" "14" """#;
    let Parsed::Record(r) = f.parse(blocked, None) else {
        panic!("not parsed")
    };
    assert_eq!(
        (r.host.as_ref(), r.user.is_none(), r.action),
        ("mega.nz", true, Action::Blocked)
    );
    assert_eq!(
        f.parse(b"[12/Jan/2021:10:11:13 +0100] \"x\" 1.2.3.4", None),
        Parsed::Skip(Reason::TooFewFields)
    );
    assert!(f.sniff(allowed) > 0.9);
}
