//! Every parser survives arbitrary bytes and truncated lines: no panic, and every line is
//! accounted for (a record or a reason), in parsing and through the whole pipeline.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use cloudwarden_discovery::pipeline::{run, Options, Progress};
use cloudwarden_discovery::record::Parsed;
use cloudwarden_discovery::{
    all_formats, format_by_id, split_columns, CustomFormat, CustomParser, Format, TimeLayout,
};
use proptest::prelude::*;

/// Lines of formats that have no real sample in the shared test data, written from their
/// documentation (see `samples_documented.rs`).
const DOCUMENTED: [&str; 2] = [
    r#"<46>Jun  3 14:02:11 acme.ibosscloud.com {"sourceIpAddress":"10.40.2.15","host":"www.Dropbox.com","action":"Allowed","iboss":"acme.ibosscloud.com","logType":"WEB_LOG","upstreamByteUsage":"1830","url":"https:\/\/www.dropbox.com\/home?preview=1","logTime":"2025-06-03","downstreamByteUsage":"48211","time":"14:02:10","username":"j\u00f6rg"}"#,
    "<134>Jun  3 14:02:11 acme.ibosscloud.com CEF:0|iboss|iboss Secure Cloud Gateway|10.3|Allowed|URL Event|3|flexString2=URL src=10.40.2.15 suser=jdoe out=1830 in=48211 dhost=www.dropbox.com act=Allowed deviceCustomDate1=Jun 03 2025 14:02:10",
];

/// Custom mappings in the shapes analysts use: CSV with a URL column and a header, TSV with a
/// host column, semicolons with every optional column, pipes with the destination last.
fn custom_parsers() -> Vec<CustomParser> {
    let base = CustomFormat {
        name: "csv".into(),
        delimiter: ',',
        has_header: true,
        timestamp: 0,
        timestamp_layout: TimeLayout::Iso8601,
        src_ip: Some(1),
        user: None,
        host: None,
        url: Some(2),
        bytes_up: None,
        bytes_down: Some(3),
        action: None,
        blocked_values: vec![],
    };
    let formats = [
        base.clone(),
        CustomFormat {
            name: "tsv".into(),
            delimiter: '\t',
            timestamp_layout: TimeLayout::EpochSeconds,
            host: Some(2),
            url: None,
            ..base.clone()
        },
        CustomFormat {
            name: "semicolons".into(),
            delimiter: ';',
            timestamp_layout: TimeLayout::DayMonthYear,
            user: Some(4),
            host: Some(5),
            bytes_up: Some(6),
            action: Some(7),
            blocked_values: vec!["Blocked".into(), "x".into()],
            ..base.clone()
        },
        CustomFormat {
            name: "pipes".into(),
            delimiter: '|',
            timestamp: 3,
            timestamp_layout: TimeLayout::CommonLog,
            src_ip: None,
            url: Some(0),
            bytes_down: None,
            ..base
        },
    ];
    formats.iter().map(|f| f.parser().unwrap()).collect()
}

/// Every format a run can use: the built-in ones and custom mappings.
fn every_format(custom: &[CustomParser]) -> Vec<&dyn Format> {
    let mut all: Vec<&dyn Format> = all_formats().to_vec();
    all.extend(custom.iter().map(|c| c as &dyn Format));
    all
}

fn samples() -> Vec<Vec<u8>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/discovery");
    let mut lines = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap().flatten() {
        if !dir.path().is_dir() {
            continue;
        }
        for file in std::fs::read_dir(dir.path()).unwrap().flatten() {
            if file.path().extension().is_some_and(|e| e == "log") {
                let data = std::fs::read(file.path()).unwrap();
                lines.extend(data.split(|&c| c == b'\n').take(5).map(<[u8]>::to_vec));
            }
        }
    }
    lines
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(line in proptest::collection::vec(any::<u8>(), 0..400)) {
        let custom = custom_parsers();
        for f in every_format(&custom) {
            let _ = f.parse(&line, None);
            let _ = f.sniff(&line);
            let _ = f.header(&line);
        }
        for sep in [',', '\t', ';', '|', 'é'] {
            let _ = split_columns(&line, sep);
        }
    }

    #[test]
    fn printable_noise_never_panics(line in "[ -~\t]{0,300}") {
        let custom = custom_parsers();
        for f in every_format(&custom) {
            let _ = f.parse(line.as_bytes(), None);
        }
    }

    /// Delimited text with quotes, the custom parser's hard case: no panic, no empty host, and
    /// a preview has one column per unquoted delimiter.
    #[test]
    fn delimited_noise_is_handled(line in "[a-z0-9 ,;|\t\"./:@-]{0,200}") {
        for f in custom_parsers() {
            if let Parsed::Record(r) = f.parse(line.as_bytes(), None) {
                prop_assert!(!r.host.is_empty());
            }
        }
        if !line.contains('"') {
            prop_assert_eq!(split_columns(line.as_bytes(), ';').len(), line.matches(';').count() + 1);
        }
    }
}

#[test]
fn every_prefix_of_every_real_sample_line_is_handled() {
    let custom = custom_parsers();
    let mut lines = samples();
    lines.extend(DOCUMENTED.iter().map(|l| l.as_bytes().to_vec()));
    lines.push(b"2024-03-01T10:00:00Z,10.0.0.1,\"https://a.example.com/x,y\",12".to_vec());
    lines.push(b"1709287200\t10.0.0.1\ta.example.com\t12".to_vec());
    lines.push(b"01/03/2024 10:00;10.0.0.1;-;1;\"O\"\"Neil\";a.example.com;3;Blocked".to_vec());
    lines.push(b"https://a.example.com/|1.2.3.4|x|[01/Mar/2024:10:00:00 +0000]".to_vec());
    for line in lines {
        for f in every_format(&custom) {
            for cut in 0..=line.len() {
                let prefix = &line[..cut];
                match f.parse(prefix, None) {
                    Parsed::Record(r) => assert!(
                        !r.host.is_empty(),
                        "{}: empty host from {:?}",
                        f.id(),
                        String::from_utf8_lossy(prefix)
                    ),
                    Parsed::Skip(_) => {}
                }
                let _ = f.sniff(prefix);
            }
        }
    }
}

#[test]
fn documented_and_custom_lines_parse() {
    let iboss = format_by_id("iboss").unwrap();
    for line in DOCUMENTED {
        assert!(
            matches!(iboss.parse(line.as_bytes(), None), Parsed::Record(_)),
            "{line}"
        );
    }
    let custom = custom_parsers();
    let lines = [
        "2024-03-01T10:00:00Z,10.0.0.1,\"https://a.example.com/x,y\",12",
        "1709287200\t10.0.0.1\ta.example.com\t12",
        "01/03/2024 10:00;10.0.0.1;-;1;\"O\"\"Neil\";a.example.com;3;Blocked",
        "https://a.example.com/|1.2.3.4|x|[01/Mar/2024:10:00:00 +0000]",
    ];
    for (f, line) in custom.iter().zip(lines) {
        match f.parse(line.as_bytes(), None) {
            Parsed::Record(r) => assert_eq!(r.host, "a.example.com", "{}", f.id()),
            Parsed::Skip(reason) => panic!("{}: {line}: {reason:?}", f.id()),
        }
    }
}

/// iboss never takes another format's real line: detection of the real
/// samples stays with their own format.
#[test]
fn iboss_claims_no_other_sample() {
    let iboss = format_by_id("iboss").unwrap();
    for line in samples() {
        assert_eq!(
            iboss.sniff(&line),
            0.0,
            "{}",
            String::from_utf8_lossy(&line)
        );
        assert!(
            !matches!(iboss.parse(&line, None), Parsed::Record(_)),
            "{}",
            String::from_utf8_lossy(&line)
        );
    }
}

#[test]
fn the_pipeline_accounts_for_every_line_of_a_mixed_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.log");
    let good = "1157689312.049   5006 10.105.21.199 TCP_MISS/200 19763 CONNECT login.yahoo.com:443 badeyek DIRECT/175.16.199.115 -";
    let mut f = std::fs::File::create(&path).unwrap();
    let mut expected_good = 0u64;
    for i in 0..50_000u64 {
        match i % 10 {
            0 => writeln!(f, "garbage line {i}").unwrap(),
            5 => f.write_all(&[0xff, 0xfe, b' ', b'x', b'\n']).unwrap(),
            _ => {
                writeln!(f, "{good}").unwrap();
                expected_good += 1;
            }
        }
    }
    f.write_all(good.as_bytes()).unwrap(); // a last line without a line break
    expected_good += 1;
    drop(f);
    let squid = cloudwarden_discovery::format_by_id("squid").unwrap();
    let options = Options {
        format: Some(squid),
        candidates: all_formats(),
        threads: 2,
        max_archive_members: cloudwarden_discovery::input::MAX_ARCHIVE_MEMBERS,
    };
    let out = run(
        &[path],
        options,
        &Progress::default(),
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(out.lines.total, 50_001);
    assert_eq!(out.lines.parsed, expected_good);
    assert_eq!(out.lines.skipped, 10_000);
    assert_eq!(
        out.lines.skipped_by_reason.get("too_few_fields"),
        Some(&5_000)
    );
    assert_eq!(out.lines.skipped_by_reason.get("encoding"), Some(&5_000));
    assert_eq!(out.lines.parsed + out.lines.skipped, out.lines.total);
    // The first samples carry file names and line numbers.
    assert_eq!(
        out.samples
            .iter()
            .find(|s| s.reason == "too_few_fields")
            .map(|s| s.line),
        Some(1)
    );
}
