//! An analyst's custom CSV mapping, built at run time, through the whole pipeline: header lines
//! of every file (and archive member) skipped, every other line a record or a reason, the
//! format reported as `custom:<name>`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::Write;
use std::sync::atomic::AtomicBool;

use cloudwarden_discovery::pipeline::{run, Options, Progress};
use cloudwarden_discovery::{all_formats, CustomFormat, Format, TimeLayout};

fn mapping() -> CustomFormat {
    CustomFormat {
        name: "Branch proxy".into(),
        delimiter: ';',
        has_header: true,
        timestamp: 0,
        timestamp_layout: TimeLayout::DateTime,
        src_ip: Some(1),
        user: Some(2),
        host: None,
        url: Some(3),
        bytes_up: Some(4),
        bytes_down: Some(5),
        action: Some(6),
        blocked_values: vec!["DENY".into()],
    }
}

const HEADER: &str = "time;client;user;url;sent;received;action";

/// Writes `lines` lines: every 10th a bad time stamp, every 10th (+5) too short; the rest are
/// transactions to dropbox (allowed, 100 bytes up) or mega (denied, 10 bytes down).
fn body(lines: u64) -> (String, u64) {
    let mut s = String::new();
    let mut good = 0;
    for i in 0..lines {
        match i % 10 {
            0 => s.push_str("not a time;10.0.0.1;bob;https://www.dropbox.com/;1;1;ALLOW\n"),
            5 => s.push_str("2024-03-01 10:00:00;10.0.0.1\n"),
            n if n % 2 == 0 => {
                good += 1;
                s.push_str(&format!(
                    "2024-03-01 10:{:02}:00;10.0.0.{};\"Doe, Jane\";https://www.dropbox.com/home;100;0;ALLOW\n",
                    i % 60,
                    i % 7
                ));
            }
            _ => {
                good += 1;
                s.push_str("2024-03-02 08:00:00;10.0.0.9;-;https://mega.nz/file;0;10;deny\n");
            }
        }
    }
    (s, good)
}

#[test]
fn a_custom_csv_runs_through_the_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("proxy-1.csv");
    let (text, good_plain) = body(10_000);
    // A byte order mark before the header, and a last line without a line break.
    let mut f = std::fs::File::create(&plain).unwrap();
    write!(f, "\u{feff}{HEADER}\r\n{text}").unwrap();
    f.write_all(b"2024-03-02 09:00:00;10.0.0.9;carol;mega.nz:443;0;10;DENY")
        .unwrap();
    drop(f);
    let gz = dir.path().join("proxy-2.csv.gz");
    let (text2, good_gz) = body(1_000);
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    write!(enc, "{HEADER}\n{text2}").unwrap();
    enc.finish().unwrap();

    let parser = mapping().parser().unwrap();
    let options = Options {
        format: Some(&parser),
        candidates: all_formats(),
        threads: 2,
        max_archive_members: cloudwarden_discovery::input::MAX_ARCHIVE_MEMBERS,
    };
    let out = run(
        &[plain, gz],
        options,
        &Progress::default(),
        &AtomicBool::new(false),
    )
    .unwrap();
    drop(parser); // the run borrowed it; nothing outlives it

    assert_eq!(out.files.len(), 2);
    for file in &out.files {
        assert_eq!(file.format, "custom:Branch proxy");
        assert_eq!(file.confidence, 1.0);
    }
    assert_eq!(out.files[0].lines.total, 1 + 10_000 + 1);
    assert_eq!(out.files[0].lines.parsed, good_plain + 1);
    assert_eq!(out.files[1].lines.total, 1 + 1_000);
    assert_eq!(out.files[1].lines.parsed, good_gz);
    let reasons = &out.lines.skipped_by_reason;
    assert_eq!(reasons.get("header"), Some(&2), "one header per file");
    assert_eq!(reasons.get("bad_timestamp"), Some(&1_100));
    assert_eq!(reasons.get("too_few_fields"), Some(&1_100));
    assert_eq!(out.lines.parsed + out.lines.skipped, out.lines.total);
    assert!(
        out.samples.iter().all(|s| s.reason != "header"),
        "headers are not malformed"
    );

    let rollup = out.aggregate.roll_up(|h| h.to_owned());
    let stats = |host: &str| {
        let i = rollup.keys.iter().position(|k| k == host).unwrap();
        &rollup.totals[i]
    };
    let dropbox = stats("www.dropbox.com");
    let mega = stats("mega.nz");
    assert_eq!(
        dropbox.stats.transactions + mega.stats.transactions,
        good_plain + good_gz + 1
    );
    assert_eq!(dropbox.stats.blocked, 0);
    assert_eq!(
        mega.stats.blocked, mega.stats.transactions,
        "deny in any case"
    );
    assert_eq!(dropbox.stats.bytes_up, dropbox.stats.transactions * 100);
    assert_eq!(mega.stats.bytes_down, mega.stats.transactions * 10);
    assert_eq!(dropbox.users, 1, "the quoted user with a comma is one user");
    assert_eq!(mega.users, 1, "`-` is no user; carol is one");
    assert_eq!(rollup.keys.len(), 2);
}

#[test]
fn without_a_header_the_first_line_is_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-header.csv");
    std::fs::write(
        &path,
        "2024-03-01 10:00:00;10.0.0.1;bob;https://www.dropbox.com/;1;1;ALLOW\n",
    )
    .unwrap();
    let parser = CustomFormat {
        has_header: false,
        ..mapping()
    }
    .parser()
    .unwrap();
    assert_eq!(parser.header_lines(), 0);
    let out = run(
        &[path],
        Options {
            format: Some(&parser),
            candidates: all_formats(),
            threads: 1,
            max_archive_members: cloudwarden_discovery::input::MAX_ARCHIVE_MEMBERS,
        },
        &Progress::default(),
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!((out.lines.total, out.lines.parsed), (1, 1));
}
