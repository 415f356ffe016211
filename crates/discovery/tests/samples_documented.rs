//! Formats without a public sample under a usable licence: fixtures written from the vendors'
//! documented log formats (the documentation is cited per test).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

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

/// iboss web logs as the iboss reporter forwards them over syslog with Log Format "JSON", log
/// type "URL": an RFC 3164 header, then one JSON object whose keys are documented by the iboss
/// integration of Datadog — setup
/// <https://github.com/DataDog/integrations-core/blob/master/iboss/README.md> and pipeline
/// <https://github.com/DataDog/integrations-core/blob/master/iboss/assets/logs/iboss.yaml>
/// (`logTime`+`time` in UTC → timestamp, `sourceIpAddress` → client IP, `username` → user,
/// `host`/`url`, `upstreamByteUsage` → bytes from the client, `downstreamByteUsage` → bytes to
/// the client, `action`, `logType` `WEB_LOG`/`DLP`/`AUDIT`). Values are made up.
const IBOSS_JSON: [&str; 5] = [
    r#"<46>Jun  3 14:02:11 acme.ibosscloud.com {"exception":"-","totalByteUsage":"50041","sourcePort":"52114","privateIp":"10.40.2.15","sAction":"Allowed","sourceIpAddress":"10.40.2.15","responseCode":"200","productVersion":"10.3.3.125","proxyRule":"Default","host":"www.Dropbox.com","action":"Allowed","uriPath":"\/home","iboss":"acme.ibosscloud.com","ipAddress":"162.125.1.18","ibossIpAddress":"10.40.0.2","destinationPort":"443","logType":"WEB_LOG","scheme":"https","requestMethod":"GET","categoryName":"Online Storage;Business","upstreamByteUsage":"1830","applicationName":"C:\\\\chrome.exe","proxyTransactionStartTime":"1748959330.412","userAgent":"Mozilla\/5.0","publicIp":"203.0.113.9","url":"https:\/\/www.dropbox.com\/home?preview=1","logTime":"2025-06-03","downstreamByteUsage":"48211","location":"eu-west","time":"14:02:10","username":"jdoe"}"#,
    r#"<46>Jun  3 14:05:42 acme.ibosscloud.com {"totalByteUsage":"512","privateIp":"10.40.2.16","sAction":"Soft-blocked","sourceIpAddress":"10.40.2.16","responseCode":"302","host":"-","action":"Soft-blocked","iboss":"acme.ibosscloud.com","ipAddress":"31.216.145.5","logType":"WEB_LOG","description":"Website is part of the \"Unsanctioned\" list","upstreamByteUsage":"0","proxyTransactionStartTime":"1748959541.020","url":"https:\/\/mega.nz\/file\/abc","logTime":"2025-06-03","downstreamByteUsage":"512","time":"14:05:41","username":"-"}"#,
    r#"<46>Jun  3 14:09:01 acme.ibosscloud.com {"sourceIpAddress":"10.40.2.17","host":"files.example.com","action":"Blocked","iboss":"acme.ibosscloud.com","logType":"DLP","logSubType":"DLP","upstreamByteUsage":"32918","proxyTransactionStartTime":"-","url":"https:\/\/files.example.com\/upload","logTime":"2025-06-03","downstreamByteUsage":"0","time":"14:09:00","username":"asmith"}"#,
    r#"<46>Jun  3 14:10:12 acme.ibosscloud.com {"sourceIpAddress":"-","host":"-","action":"Allowed","iboss":"acme.ibosscloud.com","logType":"AUDIT","audit":"1","url":"User logged in","logTime":"2025-06-03","time":"14:10:11","username":"admin"}"#,
    r#"<46>Jun  3 14:11:00 acme.ibosscloud.com {"sourceIpAddress":"10.40.2.18","host":"www.example.com","action":"Allowed","iboss":"acme.ibosscloud.com","logType":"WEB_LOG","upstreamByteUsage":"12k","downstreamByteUsage":"0","logTime":"2025-06-03","time":"14:10:59"}"#,
];

#[test]
fn iboss_json_fixture() {
    let f = by_id("iboss").unwrap();
    let parse = |line: &'static str| f.parse(line.as_bytes(), None);
    let Parsed::Record(r) = parse(IBOSS_JSON[0]) else {
        panic!("not parsed")
    };
    assert_eq!(r.timestamp_ms, 1_748_959_330_000); // logTime + time, UTC
    assert_eq!(r.src_ip, "10.40.2.15");
    assert_eq!(r.user.as_deref(), Some("jdoe"));
    assert_eq!(r.host, "www.dropbox.com");
    assert_eq!((r.bytes_up, r.bytes_down), (1830, 48211));
    assert_eq!(r.action, Action::Allowed);

    // No host field: the host of the (JSON-escaped) URL; a soft block is a block; `-` is no user.
    let Parsed::Record(r) = parse(IBOSS_JSON[1]) else {
        panic!("not parsed")
    };
    assert_eq!(r.timestamp_ms, 1_748_959_541_000);
    assert_eq!(
        (r.src_ip, r.user.is_none(), r.host.as_ref()),
        ("10.40.2.16", true, "mega.nz")
    );
    assert_eq!(
        (r.bytes_up, r.bytes_down, r.action),
        (0, 512, Action::Blocked)
    );

    // A DLP event is a web transaction too.
    let Parsed::Record(r) = parse(IBOSS_JSON[2]) else {
        panic!("not parsed")
    };
    assert_eq!(r.timestamp_ms, 1_748_959_740_000);
    assert_eq!(
        (r.host.as_ref(), r.user.as_deref(), r.bytes_up, r.action),
        ("files.example.com", Some("asmith"), 32918, Action::Blocked)
    );

    // An audit event ("url" is a message there) is not traffic; a bad count is malformed.
    assert_eq!(parse(IBOSS_JSON[3]), Parsed::Skip(Reason::NotTraffic));
    assert_eq!(parse(IBOSS_JSON[4]), Parsed::Skip(Reason::BadNumber));
    // Without logTime/time, the transaction start (epoch seconds) is the time.
    let Parsed::Record(r) = parse(
        r#"{"sourceIpAddress":"10.40.2.19","host":"a.example.com","logType":"WEB_LOG","proxyTransactionStartTime":"1748959330.412"}"#,
    ) else {
        panic!("not parsed")
    };
    assert_eq!(r.timestamp_ms, 1_748_959_330_412);
    assert_eq!(
        parse(
            r#"<46>Jun  3 14:11:00 acme.ibosscloud.com {"host":"a.example.com","logType":"WEB_LOG"}"#
        ),
        Parsed::Skip(Reason::BadTimestamp)
    );
    assert_eq!(
        parse(r#"<46>Jun  3 14:11:00 acme.ibosscloud.com {"host":"a.exa"#),
        Parsed::Skip(Reason::Syntax)
    );
    assert_eq!(parse(""), Parsed::Skip(Reason::Empty));

    for line in &IBOSS_JSON {
        assert!(f.sniff(line.as_bytes()) > 0.9, "{line}");
    }
    let file = IBOSS_JSON.join("\n");
    assert_eq!(support::detected(file.as_bytes()), "iboss");
}

/// iboss web logs in CEF, as iboss forwards them to Microsoft Sentinel (data connector
/// <https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/iboss/Data%20Connectors/template_ibossAMA.json>);
/// the keys are those the iboss solution's parser reads
/// (<https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/iboss/Parsers/ibossUrlEvent.yaml>):
/// vendor `iboss`, `flexString2` = `URL` for URL events, `deviceCustomDate1` the event time,
/// `src`, `suser`, `dhost`, `request`, `dst`, `out` (sent), `in` (received), `act`.
const IBOSS_CEF: [&str; 3] = [
    "<134>Jun  3 14:02:11 acme.ibosscloud.com CEF:0|iboss|iboss Secure Cloud Gateway|10.3|Allowed|URL Event|3|flexString1=Default Rule flexString1Label=Rule flexString2=URL flexString2Label=Log Type src=10.40.2.15 spt=52114 smac=00:11:22:33:44:55 suser=jdoe out=1830 dst=162.125.1.18 dpt=443 in=48211 dhost=www.dropbox.com request=https://www.dropbox.com/home requestMethod=GET cs2=Online Storage cs2Label=Category act=Allowed deviceCustomDate1=Jun 03 2025 14:02:10 deviceCustomDate1Label=Event Time",
    "<134>Jun  3 14:05:42 acme.ibosscloud.com CEF:0|iboss|iboss Secure Cloud Gateway|10.3|Blocked|URL Event|5|flexString2=URL src=10.40.2.16 suser=- out=0 in=512 dst=31.216.145.5 request=https://MEGA.nz/file/abc act=Blocked deviceCustomDate1=Jun 03 2025 14:05:41",
    "<134>Jun  3 14:10:12 acme.ibosscloud.com CEF:0|iboss|iboss Secure Cloud Gateway|10.3|Info|Audit Event|1|flexString2=AUDIT suser=admin deviceCustomDate1=Jun 03 2025 14:10:11",
];

#[test]
fn iboss_cef_fixture() {
    let f = by_id("iboss").unwrap();
    let Parsed::Record(r) = f.parse(IBOSS_CEF[0].as_bytes(), None) else {
        panic!("not parsed")
    };
    assert_eq!(r.timestamp_ms, 1_748_959_330_000);
    assert_eq!(r.src_ip, "10.40.2.15");
    assert_eq!(r.user.as_deref(), Some("jdoe"));
    assert_eq!(r.host, "www.dropbox.com");
    assert_eq!((r.bytes_up, r.bytes_down), (1830, 48211));
    assert_eq!(r.action, Action::Allowed);
    let Parsed::Record(r) = f.parse(IBOSS_CEF[1].as_bytes(), None) else {
        panic!("not parsed")
    };
    assert_eq!(r.timestamp_ms, 1_748_959_541_000);
    assert_eq!(
        (r.host.as_ref(), r.user.is_none(), r.bytes_down, r.action),
        ("mega.nz", true, 512, Action::Blocked)
    );
    assert_eq!(
        f.parse(IBOSS_CEF[2].as_bytes(), None),
        Parsed::Skip(Reason::NotTraffic)
    );
    // Another vendor's CEF is not iboss.
    let other = b"CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232";
    assert_eq!(f.parse(other, None), Parsed::Skip(Reason::Syntax));
    assert_eq!(f.sniff(other), 0.0);
    assert_eq!(f.sniff(IBOSS_CEF[0].as_bytes()), 1.0);
    let file = IBOSS_CEF.join("\n");
    assert_eq!(
        support::detected(file.as_bytes()),
        "iboss",
        "iboss, not generic CEF"
    );
}
