//! End-to-end Cloud Discovery throughput on a deterministic Squid log.
//!
//!     cargo bench -p cloudwarden-discovery --bench discover -- [SIZE_MB] [PATH] [--garbage=PCT]
//!
//! Generates PATH (default `target/bench/squid-<SIZE>mb.log`, 2048 MB) once, then parses,
//! matches every host against the catalog and aggregates per app, user, IP and day, on all
//! cores. Prints lines/s and the peak resident memory of this process.
//!
//! `--garbage=PCT` replaces PCT % of the lines by malformed ones (noise, invalid UTF-8, cut
//! lines, bad time stamps) and checks that exactly those lines are skipped and every other
//! line parsed; the expected counts are written beside the file as `<PATH>.expected`.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use cloudwarden_catalog::Catalog;
use cloudwarden_discovery::formats::by_id;
use cloudwarden_discovery::pipeline::{run, Options, Progress};

/// Expected line counts of a generated file: `(good, garbage)`.
fn generate(path: &PathBuf, size: u64, garbage_pct: u64) -> std::io::Result<(u64, u64)> {
    let catalog = Catalog::builtin().map_err(std::io::Error::other)?;
    // An organisation: 500 users, each on one workstation IP, each using ~40 of 4,000 hosts
    // (most popular hosts first, like real traffic).
    let hosts: Vec<String> = catalog
        .apps
        .iter()
        .take(3000)
        .flat_map(|a| {
            a.domains
                .iter()
                .take(1)
                .map(|d| format!("www.{}", d.pattern))
        })
        .chain((0..1000).map(|i| format!("cdn{i}.unknown-site-{}.example.com", i % 300)))
        .collect();
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut seed: u64 = 42;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut written = 0u64;
    let (mut good, mut bad) = (0u64, 0u64);
    let mut t: u64 = 1_700_000_000_000;
    let codes = [
        "TCP_MISS/200",
        "TCP_TUNNEL/200",
        "TCP_HIT/200",
        "TCP_DENIED/403",
        "TCP_REFRESH_MODIFIED/200",
    ];
    let methods = ["GET", "CONNECT", "POST", "GET", "GET"];
    while written < size {
        let r = next();
        t += r % 50;
        let user = (r >> 44) % 500;
        // Skewed host choice: a user's favourite hosts come back most often.
        let pick = ((r >> 8) % 40) * ((r >> 14) % 40) / 40;
        let host = &hosts[((user * 7919 + pick * 104_729) % hosts.len() as u64) as usize];
        let code = codes[(r >> 20) as usize % codes.len()];
        let method = methods[(r >> 24) as usize % methods.len()];
        let url = if method == "CONNECT" {
            format!("{host}:443")
        } else {
            format!("http://{host}/path/{}", r % 997)
        };
        let line = format!(
            "{}.{:03} {:>6} 10.1.{}.{} {} {} {} {} user{} DIRECT/203.0.113.{} text/html\n",
            t / 1000,
            t % 1000,
            r % 9000,
            user / 250,
            user % 250,
            code,
            (r >> 12) % 200_000,
            method,
            url,
            user,
            (r >> 52) % 250
        );
        if garbage_pct > 0 && (r >> 33) % 100 < garbage_pct {
            let g = garbage(r, &line);
            out.write_all(&g)?;
            written += g.len() as u64;
            bad += 1;
            continue;
        }
        out.write_all(line.as_bytes())?;
        written += line.len() as u64;
        good += 1;
    }
    out.flush()?;
    Ok((good, bad))
}

/// A line no Squid parser may accept, of one of four kinds, ending in `\n`.
fn garbage(r: u64, line: &str) -> Vec<u8> {
    let mut g: Vec<u8> = match r % 4 {
        // Invalid UTF-8 and control bytes (never a line break).
        0 => (0..(20 + r % 60))
            .map(|i| match ((r >> (i % 56)) ^ i.wrapping_mul(0x9E37)) as u8 {
                b'\n' | b'\r' => 0xfe,
                b => b,
            })
            .collect(),
        // The first four fields of a real line: too few.
        1 => line
            .split(' ')
            .filter(|f| !f.is_empty())
            .take(4)
            .collect::<Vec<_>>()
            .join(" ")
            .into_bytes(),
        // A real line with its time stamp destroyed.
        2 => format!(
            "not-a-time{}",
            &line[line.find(' ').unwrap_or(0)..line.len() - 1]
        )
        .into_bytes(),
        // Printable noise.
        _ => format!("garbage {r:x} <<>> ;; %%%").into_bytes(),
    };
    if r.is_multiple_of(4) {
        g.insert(0, 0xff); // never a digit: never a time stamp
    }
    g.push(b'\n');
    g
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_owned)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let garbage_pct: u64 = std::env::args()
        .find_map(|a| a.strip_prefix("--garbage=").and_then(|p| p.parse().ok()))
        .unwrap_or(0)
        .min(100);
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let size_mb: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(2048);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench");
    let path = args.get(1).map(PathBuf::from).unwrap_or_else(|| {
        root.join(if garbage_pct > 0 {
            format!("squid-{size_mb}mb-garbage{garbage_pct}.log")
        } else {
            format!("squid-{size_mb}mb.log")
        })
    });
    let expected_path = PathBuf::from(format!("{}.expected", path.display()));
    if !path.exists() {
        let _ = std::fs::create_dir_all(&root);
        eprintln!("generating {} ({size_mb} MB)…", path.display());
        match generate(&path, size_mb << 20, garbage_pct) {
            Ok((good, bad)) => {
                let _ = std::fs::write(&expected_path, format!("{good} {bad}\n"));
            }
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        }
    }
    let expected: Option<(u64, u64)> = std::fs::read_to_string(&expected_path).ok().and_then(|s| {
        let mut it = s.split_whitespace().map(|n| n.parse::<u64>().ok());
        Some((it.next()??, it.next()??))
    });
    let Some(squid) = by_id("squid") else {
        eprintln!("error: no squid format");
        std::process::exit(1);
    };
    let catalog = match Catalog::builtin() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let start = Instant::now();
    let matcher = match catalog.matcher() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let options = Options {
        format: Some(squid),
        candidates: &[],
        threads,
        max_archive_members: cloudwarden_discovery::input::MAX_ARCHIVE_MEMBERS,
    };
    let outcome = match run(
        std::slice::from_ref(&path),
        options,
        &Progress::default(),
        &AtomicBool::new(false),
    ) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let parsed_at = start.elapsed().as_secs_f64();
    let rollup = outcome
        .aggregate
        .roll_up(|host| match matcher.lookup_lower(host) {
            Some(hit) => catalog.apps[hit.app as usize].id.clone(),
            None => matcher.registrable_domain(host).unwrap_or(host).to_owned(),
        });
    let secs = start.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
    println!(
        "file: {} ({:.0} MB)",
        path.display(),
        bytes as f64 / 1048576.0
    );
    println!(
        "lines: {} parsed of {}; {} hosts → {} apps/domains",
        outcome.lines.parsed,
        outcome.lines.total,
        outcome.aggregate.hosts(),
        rollup.keys.len()
    );
    println!("time: {secs:.2} s on {threads} threads (parse + aggregate {parsed_at:.2} s, match + roll-up {:.2} s)", secs - parsed_at);
    println!(
        "throughput: {:.2} M lines/s, {:.0} MB/s",
        outcome.lines.total as f64 / secs / 1e6,
        bytes as f64 / secs / 1048576.0
    );
    println!("peak RSS: {:.0} MB", peak_rss_mb());
    if let Some((good, bad)) = expected {
        let skipped: Vec<String> = outcome
            .lines
            .skipped_by_reason
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        println!("skipped by reason: {}", skipped.join(", "));
        if outcome.lines.parsed == good && outcome.lines.skipped == bad {
            println!("counts: correct ({good} good lines parsed, {bad} garbage lines skipped)");
        } else {
            eprintln!(
                "error: counts differ: expected {good} parsed and {bad} skipped, got {} and {}",
                outcome.lines.parsed, outcome.lines.skipped
            );
            std::process::exit(1);
        }
    }
}
