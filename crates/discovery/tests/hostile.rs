//! Hostile uploads: absurd counters, a log with a different day on every line, archives with
//! too many or broken members, and a parser that panics. None may poison a report, stall the
//! run or lose results without a word.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use cloudwarden_discovery::formats::Layout;
use cloudwarden_discovery::input::MAX_ARCHIVE_MEMBERS;
use cloudwarden_discovery::pipeline::{run, Options, Outcome, PipelineError, Progress};
use cloudwarden_discovery::record::Parsed;
use cloudwarden_discovery::{all_formats, format_by_id, Format};

fn squid_line(secs: i64, bytes: &str, host: &str) -> String {
    format!("{secs}.000   5 10.1.2.3 TCP_MISS/200 {bytes} GET http://{host}/ alice DIRECT/1.2.3.4 text/html\n")
}

fn options(format: Option<&dyn Format>, max_members: usize) -> Options<'_> {
    Options {
        format,
        candidates: all_formats(),
        threads: 2,
        max_archive_members: max_members,
    }
}

fn go(files: &[PathBuf], options: Options<'_>) -> Result<Outcome, PipelineError> {
    run(
        files,
        options,
        &Progress::default(),
        &AtomicBool::new(false),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn counters_saturate_instead_of_wrapping() {
    let dir = tempfile::tempdir().unwrap();
    let max = u64::MAX.to_string();
    let text = [
        squid_line(1_700_000_000, &max, "big.example.com"),
        squid_line(1_700_000_001, &max, "big.example.com"),
        squid_line(1_700_000_002, "10", "big.example.com"),
        squid_line(1_700_000_003, "10", "small.example.com"),
    ]
    .concat();
    let path = write(dir.path(), "access.log", &text);
    let out = go(&[path], options(format_by_id("squid"), MAX_ARCHIVE_MEMBERS)).unwrap();
    assert_eq!(out.lines.parsed, 4);
    let rollup = out.aggregate.roll_up(|h| h.to_owned());
    let by = |host: &str| {
        let i = rollup.keys.iter().position(|k| k == host).unwrap();
        rollup.totals[i].stats
    };
    assert_eq!(by("big.example.com").bytes_down, u64::MAX, "wrapped around");
    assert_eq!(by("big.example.com").transactions, 3);
    assert_eq!(by("small.example.com").bytes_down, 10);
    let days = rollup.days();
    assert_eq!(days.len(), 2);
    assert!(days.iter().any(|(_, _, s)| s.bytes_down == u64::MAX));
}

#[test]
fn a_host_seen_on_every_day_for_centuries_keeps_every_day() {
    // 60,000 distinct days on one host, out of order: each day is found again, none doubled.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..60_000i64 {
        // A stride coprime to 60,000 visits every day once, in no sorted order.
        let day = (i * 7_919) % 60_000;
        text.push_str(&squid_line(day * 86_400 + 3_600, "1", "one.example.com"));
    }
    // Each day again, so every lookup must find the day it made.
    for day in 0..60_000i64 {
        text.push_str(&squid_line(day * 86_400 + 7_200, "2", "one.example.com"));
    }
    let path = write(dir.path(), "days.log", &text);
    let out = go(&[path], options(format_by_id("squid"), MAX_ARCHIVE_MEMBERS)).unwrap();
    assert_eq!(out.lines.parsed, 120_000);
    let rollup = out.aggregate.roll_up(|h| h.to_owned());
    let days = rollup.days();
    assert_eq!(days.len(), 60_000);
    assert!(days
        .iter()
        .all(|(_, _, s)| s.transactions == 2 && s.bytes_down == 3));
}

/// A zip archive of `members` (name, bytes), stored uncompressed.
fn zip(path: &Path, members: &[(String, Vec<u8>)]) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = zip::ZipWriter::new(file);
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in members {
        w.start_file(name.as_str(), opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn an_archive_with_too_many_members_is_refused_before_any_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.zip");
    let members: Vec<(String, Vec<u8>)> = (0..12)
        .map(|i| {
            (
                format!("part-{i}.log"),
                squid_line(1_700_000_000, "1", "a.example.com").into_bytes(),
            )
        })
        .collect();
    zip(&path, &members);
    let err = go(
        std::slice::from_ref(&path),
        options(format_by_id("squid"), 10),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("the archive has 12 files, more than the 10 one upload reads"),
        "{text}"
    );
    // Under the cap every member is read.
    let out = go(&[path], options(format_by_id("squid"), 12)).unwrap();
    assert_eq!(out.files.len(), 12);
    assert_eq!(out.lines.parsed, 12);
}

#[test]
fn a_bad_member_is_reported_and_the_others_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.zip");
    let good = |host: &str| {
        (0..100)
            .map(|i| squid_line(1_700_000_000 + i, "5", host))
            .collect::<String>()
            .into_bytes()
    };
    let corrupt_marker = b"CORRUPTME-".repeat(50);
    let mut broken = good("broken.example.com");
    broken.extend_from_slice(&corrupt_marker);
    zip(
        &path,
        &[
            ("a.log".into(), good("first.example.com")),
            (
                "README.txt".into(),
                b"These are our proxy logs, 2026.\n".to_vec(),
            ),
            ("b.log".into(), broken),
            ("c.log".into(), good("last.example.com")),
        ],
    );
    // Corrupt the stored bytes of b.log: its checksum no longer matches.
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes
        .windows(corrupt_marker.len())
        .position(|w| w == corrupt_marker.as_slice())
        .unwrap();
    bytes[at] = b'X';
    std::fs::write(&path, &bytes).unwrap();

    let out = go(&[path], options(None, MAX_ARCHIVE_MEMBERS)).unwrap();
    let file = |suffix: &str| out.files.iter().find(|f| f.name.ends_with(suffix)).unwrap();
    assert_eq!(out.files.len(), 4, "{:?}", out.files);
    assert_eq!(file(":a.log").lines.parsed, 100);
    assert_eq!(file(":c.log").lines.parsed, 100);
    assert!(file(":a.log").error.is_none());
    let readme = file(":README.txt").error.as_deref().unwrap();
    assert!(readme.contains("not recognised"), "{readme}");
    let broken = file(":b.log").error.as_deref().unwrap();
    assert!(broken.to_lowercase().contains("checksum"), "{broken}");
    let rollup = out.aggregate.roll_up(|h| h.to_owned());
    assert!(rollup.keys.iter().any(|k| k == "first.example.com"));
    assert!(rollup.keys.iter().any(|k| k == "last.example.com"));
}

/// A format whose parser has a bug: it panics on a line holding `boom`.
struct Buggy;

impl Format for Buggy {
    fn id(&self) -> &str {
        "buggy"
    }
    fn name(&self) -> &str {
        "Buggy"
    }
    fn vendor(&self) -> &str {
        "Test"
    }
    fn parse<'a>(&self, line: &'a [u8], layout: Option<&Layout>) -> Parsed<'a> {
        assert!(!line.windows(4).any(|w| w == b"boom"), "index out of range");
        format_by_id("squid").unwrap().parse(line, layout)
    }
    fn sniff(&self, _line: &[u8]) -> f32 {
        0.0
    }
}

#[test]
fn a_parser_that_panics_fails_the_run_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let fine = write(
        dir.path(),
        "fine.log",
        &squid_line(1_700_000_000, "1", "a.example.com"),
    );
    let mut text = squid_line(1_700_000_000, "1", "a.example.com").repeat(1000);
    text.push_str("boom\n");
    let bad = write(dir.path(), "bad.log", &text);
    let buggy = Buggy;
    let err = go(&[fine, bad], options(Some(&buggy), MAX_ARCHIVE_MEMBERS)).unwrap_err();
    match &err {
        PipelineError::Parser { file, format, .. } => {
            assert_eq!(file, "bad.log");
            assert_eq!(format, "buggy");
        }
        other => panic!("expected a parser error, got {other:?}"),
    }
    assert!(err.to_string().contains("index out of range"), "{err}");
}
