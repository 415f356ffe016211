//! Every parser survives arbitrary bytes and truncated lines: no panic, and every line is
//! accounted for (a record or a reason), in parsing and through the whole pipeline.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use cloudwarden_discovery::all_formats;
use cloudwarden_discovery::pipeline::{run, Options, Progress};
use cloudwarden_discovery::record::Parsed;
use proptest::prelude::*;

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
        for f in all_formats() {
            let _ = f.parse(&line, None);
            let _ = f.sniff(&line);
            let _ = f.header(&line);
        }
    }

    #[test]
    fn printable_noise_never_panics(line in "[ -~\t]{0,300}") {
        for f in all_formats() {
            let _ = f.parse(line.as_bytes(), None);
        }
    }
}

#[test]
fn every_prefix_of_every_real_sample_line_is_handled() {
    for line in samples() {
        for f in all_formats() {
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
