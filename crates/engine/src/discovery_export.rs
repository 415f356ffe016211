//! Exports of Cloud Discovery: a report as CSV, and block lists of unsanctioned apps in the
//! syntaxes of common proxies and firewalls.

use std::collections::BTreeSet;

use cloudwarden_catalog::model::{self, App, MatchKind};
use cloudwarden_discovery::time::{day_of, format_day};

use crate::domain::discovery::{BlockListFormat, DiscoveredApp, UnmatchedDomain};
use crate::{Error, Result};

/// `YYYY-MM-DDTHH:MM:SSZ` for milliseconds since the epoch.
pub fn iso_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        format_day(day_of(ms)),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// A text cell a spreadsheet will not run: a value that starts with `=`, `+`, `-`, `@`, a
/// tab or a carriage return is read as a formula by Excel, LibreOffice and Sheets, so it is
/// prefixed with `'` (OWASP, CSV injection). App names, custom apps and log-derived hosts
/// are not ours to trust.
pub fn text_cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// A report's apps and unmatched domains as CSV (one header row, then one row each); text
/// cells neutralised with [`text_cell`].
pub fn report_csv(apps: &[DiscoveredApp], domains: &[UnmatchedDomain]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| Error::Validation(format!("CSV export: {e}"));
    w.write_record([
        "type",
        "name",
        "app_id",
        "category",
        "risk_score",
        "tag",
        "transactions",
        "bytes_up",
        "bytes_down",
        "bytes_total",
        "users",
        "ips",
        "blocked",
        "first_seen",
        "last_seen",
    ])
    .map_err(err)?;
    for a in apps {
        w.write_record([
            "app".to_owned(),
            text_cell(&a.name),
            text_cell(&a.app_id),
            text_cell(a.category.as_deref().unwrap_or_default()),
            a.score.map(|s| format!("{s:.1}")).unwrap_or_default(),
            a.tag.map(|t| t.as_str().to_owned()).unwrap_or_default(),
            a.transactions.to_string(),
            a.bytes_up.to_string(),
            a.bytes_down.to_string(),
            (a.bytes_up.saturating_add(a.bytes_down)).to_string(),
            a.users.to_string(),
            a.ips.to_string(),
            a.blocked.to_string(),
            iso_time(a.first_seen_ms),
            iso_time(a.last_seen_ms),
        ])
        .map_err(err)?;
    }
    for d in domains {
        w.write_record([
            match &d.shared {
                Some(_) => "shared_infrastructure".to_owned(),
                None => format!("unmatched_{}", d.kind),
            },
            text_cell(&d.domain),
            String::new(),
            text_cell(d.shared.as_deref().unwrap_or_default()),
            String::new(),
            String::new(),
            d.transactions.to_string(),
            d.bytes_up.to_string(),
            d.bytes_down.to_string(),
            (d.bytes_up.saturating_add(d.bytes_down)).to_string(),
            d.users.to_string(),
            d.ips.to_string(),
            d.blocked.to_string(),
            iso_time(d.first_seen_ms),
            iso_time(d.last_seen_ms),
        ])
        .map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Validation(format!("CSV export: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Validation(format!("CSV export: {e}")))
}

/// One block-list entry: a host, and whether its subdomains are covered too.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub host: String,
    pub subdomains: bool,
}

/// The entries that block `apps`: every domain rule of every app, without duplicates and
/// without hosts a suffix entry already covers.
pub fn entries(apps: &[&App]) -> Vec<Entry> {
    let mut all = BTreeSet::new();
    for app in apps {
        for rule in &app.domains {
            let host = rule
                .pattern
                .trim()
                .trim_start_matches("*.")
                .to_ascii_lowercase();
            if host.is_empty() {
                continue;
            }
            all.insert(Entry {
                subdomains: rule.kind == MatchKind::Suffix || rule.pattern.starts_with("*."),
                host,
            });
        }
    }
    let suffixes: BTreeSet<String> = all
        .iter()
        .filter(|e| e.subdomains)
        .map(|e| e.host.clone())
        .collect();
    let covered = |host: &str, own_suffix: bool| {
        let mut rest = host;
        if !own_suffix && suffixes.contains(host) {
            return true;
        }
        while let Some((_, parent)) = rest.split_once('.') {
            if suffixes.contains(parent) {
                return true;
            }
            rest = parent;
        }
        false
    };
    all.into_iter()
        .filter(|e| !covered(&e.host, e.subdomains))
        .collect()
}

/// A block list in `format` for `apps` (names in the header comment).
///
/// Every host must be a DNS name ([`model::check_domain_pattern`]): a pattern stored before
/// patterns were checked, or edited by hand, is refused with the app that holds it, never
/// written out — in a firewall's syntax a quote or newline would end the statement. Names in
/// comments lose every character that could end the comment line.
pub fn block_list(
    format: BlockListFormat,
    apps: &[&App],
    generated: &str,
) -> Result<(String, usize)> {
    for app in apps {
        for rule in &app.domains {
            let host = rule.pattern.strip_prefix("*.").unwrap_or(&rule.pattern);
            model::check_domain_pattern(host).map_err(|e| {
                Error::Validation(format!(
                    "the block list was not written: app {} ({}) has a domain pattern that is \
                     not a DNS name — {e}. Edit or delete the app in the catalog.",
                    comment_safe(&app.name),
                    app.id.escape_debug()
                ))
            })?;
        }
    }
    let entries = entries(apps);
    let names: Vec<String> = apps.iter().map(|a| comment_safe(&a.name)).collect();
    let header = |c: &str| {
        format!(
            "{c} Cloudwarden block list of unsanctioned apps, generated {generated}\n{c} Apps ({}): {}\n",
            names.len(),
            names.join(", ")
        )
    };
    let mut out = String::new();
    let mut n = 0;
    match format {
        BlockListFormat::Plain => {
            out.push_str(&header("#"));
            out.push_str("# A domain listed here covers its subdomains unless marked exact.\n");
            for e in &entries {
                out.push_str(&e.host);
                out.push('\n');
                n += 1;
            }
        }
        BlockListFormat::Squid => {
            out.push_str(&header("#"));
            for e in &entries {
                let dot = if e.subdomains { "." } else { "" };
                out.push_str(&format!(
                    "acl cloudwarden_unsanctioned dstdomain {dot}{}\n",
                    e.host
                ));
                n += 1;
            }
            if n > 0 {
                out.push_str("http_access deny cloudwarden_unsanctioned\n");
            }
        }
        BlockListFormat::PanosEdl => {
            // PAN-OS domain lists take no comments: the header goes nowhere.
            for e in &entries {
                out.push_str(&e.host);
                out.push('\n');
                n += 1;
                if e.subdomains {
                    out.push_str(&format!("*.{}\n", e.host));
                    n += 1;
                }
            }
        }
        BlockListFormat::Zscaler => {
            for e in &entries {
                let dot = if e.subdomains { "." } else { "" };
                out.push_str(&format!("{dot}{}\n", e.host));
                n += 1;
            }
        }
        BlockListFormat::Fortigate => {
            out.push_str(&header("#"));
            out.push_str("config webfilter urlfilter\n    edit 0\n        set name \"cloudwarden-unsanctioned\"\n        config entries\n");
            let mut id = 0;
            let mut entry = |url: &str, kind: &str, out: &mut String| {
                id += 1;
                out.push_str(&format!(
                    "            edit {id}\n                set url \"{url}\"\n                set type {kind}\n                set action block\n            next\n"
                ));
            };
            for e in &entries {
                entry(&e.host, "simple", &mut out);
                n += 1;
                if e.subdomains {
                    entry(&format!("*.{}", e.host), "wildcard", &mut out);
                    n += 1;
                }
            }
            out.push_str("        end\n    next\nend\n");
        }
    }
    Ok((out, n))
}

/// `text` with every character that could end a comment line or disguise text replaced by
/// U+FFFD, for names that go into comments.
fn comment_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if model::is_hidden_char(c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use cloudwarden_catalog::model::{DomainRole, DomainRule};

    fn app(name: &str, rules: &[(&str, MatchKind)]) -> App {
        App {
            id: name.to_ascii_lowercase(),
            name: name.into(),
            aliases: vec![],
            vendor: None,
            domains: rules
                .iter()
                .map(|(p, k)| DomainRule {
                    pattern: (*p).into(),
                    kind: *k,
                    role: DomainRole::Primary,
                    sources: vec![],
                    trust: Default::default(),
                })
                .collect(),
            categories: vec![],
            factors: Default::default(),
            links: vec![],
        }
    }

    #[test]
    fn entries_drop_hosts_a_suffix_covers() {
        let a = app(
            "Dropbox",
            &[
                ("dropbox.com", MatchKind::Suffix),
                ("www.dropbox.com", MatchKind::Exact),
                ("dropboxapi.com", MatchKind::Suffix),
                ("dl.dropboxusercontent.com", MatchKind::Exact),
            ],
        );
        let b = app(
            "Box",
            &[
                ("box.com", MatchKind::Suffix),
                ("dropbox.com", MatchKind::Exact),
            ],
        );
        let e = entries(&[&a, &b]);
        let hosts: Vec<(&str, bool)> = e.iter().map(|e| (e.host.as_str(), e.subdomains)).collect();
        assert_eq!(
            hosts,
            vec![
                ("box.com", true),
                ("dl.dropboxusercontent.com", false),
                ("dropbox.com", true),
                ("dropboxapi.com", true),
            ]
        );
    }

    #[test]
    fn hostile_names_and_patterns_never_reach_a_block_list() {
        // An app stored before names were checked: its name tries to end the header comment.
        let evil = app(
            "Evil App\nhttp_access allow all\u{2028}x",
            &[("evil.example", MatchKind::Suffix)],
        );
        for format in [
            BlockListFormat::Plain,
            BlockListFormat::Squid,
            BlockListFormat::PanosEdl,
            BlockListFormat::Zscaler,
            BlockListFormat::Fortigate,
        ] {
            let (text, _) = block_list(format, &[&evil], "x").unwrap();
            assert!(
                !text.lines().any(|l| l.starts_with("http_access allow")),
                "{format:?}: {text}"
            );
            assert!(!text.contains('\u{2028}'));
            // Every line is a comment or one of the syntax's own statements.
            for line in text.lines() {
                assert!(
                    line.starts_with('#')
                        || line.starts_with("acl cloudwarden_unsanctioned dstdomain ")
                        || line.starts_with("http_access deny ")
                        || line.trim_start().starts_with("edit ")
                        || line.trim_start().starts_with("set ")
                        || [
                            "next",
                            "end",
                            "config webfilter urlfilter",
                            "config entries"
                        ]
                        .contains(&line.trim())
                        || model::check_domain_pattern(line.trim_start_matches(['.', '*'])).is_ok(),
                    "{format:?}: {line:?}"
                );
            }
        }
        // A pattern that would close FortiGate's `set url "…"` and open `config system admin`.
        let closing = app(
            "Evil",
            &[(
                "x.com\"\n            next\n        end\nconfig system admin",
                MatchKind::Exact,
            )],
        );
        for format in [BlockListFormat::Fortigate, BlockListFormat::Squid] {
            let err = block_list(format, &[&closing], "x")
                .unwrap_err()
                .to_string();
            assert!(err.contains("not a DNS name"), "{err}");
            assert!(err.contains("Edit or delete the app"), "{err}");
        }
    }

    #[test]
    fn every_syntax() {
        let a = app(
            "Dropbox",
            &[
                ("dropbox.com", MatchKind::Suffix),
                ("db.tt", MatchKind::Exact),
            ],
        );
        let (plain, n) = block_list(BlockListFormat::Plain, &[&a], "2026-11-28").unwrap();
        assert_eq!(n, 2);
        assert!(plain.starts_with("# Cloudwarden block list"));
        assert!(plain.ends_with("db.tt\ndropbox.com\n"));
        let (squid, _) = block_list(BlockListFormat::Squid, &[&a], "x").unwrap();
        assert!(squid.contains("acl cloudwarden_unsanctioned dstdomain db.tt\nacl cloudwarden_unsanctioned dstdomain .dropbox.com\nhttp_access deny cloudwarden_unsanctioned\n"));
        let (edl, n) = block_list(BlockListFormat::PanosEdl, &[&a], "x").unwrap();
        assert_eq!(
            (edl.as_str(), n),
            ("db.tt\ndropbox.com\n*.dropbox.com\n", 3)
        );
        let (z, _) = block_list(BlockListFormat::Zscaler, &[&a], "x").unwrap();
        assert_eq!(z, "db.tt\n.dropbox.com\n");
        let (f, n) = block_list(BlockListFormat::Fortigate, &[&a], "x").unwrap();
        assert_eq!(n, 3);
        assert!(f.contains("config webfilter urlfilter\n"));
        assert!(f.contains("edit 3\n                set url \"*.dropbox.com\"\n                set type wildcard\n                set action block\n"));
        assert!(f.trim_end().ends_with("end"));
    }

    #[test]
    fn csv_cells_a_spreadsheet_would_run_are_neutralised() {
        let app = |name: &str| DiscoveredApp {
            app_id: "custom-1".into(),
            name: name.into(),
            category: Some("@SUM(1)".into()),
            score: None,
            confidence: crate::domain::catalog::Confidence::NotEnoughData,
            transactions: 1,
            bytes_up: 0,
            bytes_down: 0,
            users: 1,
            ips: 1,
            blocked: 0,
            first_seen_ms: 0,
            last_seen_ms: 0,
            tag: None,
        };
        let hostile = [
            "=HYPERLINK(\"http://x.invalid\",\"click\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ];
        let apps: Vec<DiscoveredApp> = hostile.iter().map(|n| app(n)).collect();
        let domains = [UnmatchedDomain {
            shared: None,
            domain: "=cmd|' /C calc'!A0".into(),
            kind: "host".into(),
            transactions: 1,
            bytes_up: 0,
            bytes_down: 0,
            users: 1,
            ips: 1,
            blocked: 0,
            first_seen_ms: 0,
            last_seen_ms: 0,
        }];
        let csv = report_csv(&apps, &domains).unwrap();
        let mut rows = csv::ReaderBuilder::new()
            .from_reader(csv.as_bytes())
            .into_records()
            .map(Result::unwrap);
        for name in hostile {
            let row = rows.next().unwrap();
            assert_eq!(&row[1], format!("'{name}"), "{row:?}");
            assert_eq!(&row[3], "'@SUM(1)");
        }
        assert_eq!(&rows.next().unwrap()[1], "'=cmd|' /C calc'!A0");
        // Ordinary text is untouched.
        assert_eq!(text_cell("Dropbox"), "Dropbox");
        assert_eq!(text_cell("a-b.example.com"), "a-b.example.com");
    }

    #[test]
    fn csv_quotes_and_formats_times() {
        assert_eq!(iso_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_time(1_764_363_000_123), "2025-11-28T20:50:00Z");
        let apps = [DiscoveredApp {
            app_id: "acme".into(),
            name: "Acme, Inc \"Cloud\"".into(),
            category: Some("storage".into()),
            score: Some(6.25),
            confidence: crate::domain::catalog::Confidence::High,
            transactions: 3,
            bytes_up: 10,
            bytes_down: 20,
            users: 1,
            ips: 2,
            blocked: 0,
            first_seen_ms: 0,
            last_seen_ms: 1000,
            tag: Some(crate::domain::discovery::AppTag::Unsanctioned),
        }];
        let csv = report_csv(&apps, &[]).unwrap();
        let line = csv.lines().nth(1).unwrap();
        assert_eq!(
            line,
            "app,\"Acme, Inc \"\"Cloud\"\"\",acme,storage,6.2,unsanctioned,3,10,20,30,1,2,0,1970-01-01T00:00:00Z,1970-01-01T00:00:01Z"
        );
    }
}
