//! Precision and recall of host → app attribution on a labelled set of real host names
//! (`attribution.tsv`): each host with the app that really owns or serves it, or `-` when no
//! app of the catalog should get it (shared infrastructure, owners without an app, hosts the
//! routing lists grouped with the wrong app). Labelled by ownership, not by any source list.
//!
//! `cargo test -p cloudwarden-catalog --test attribution -- --nocapture` prints the figures
//! and every miss; docs/benchmarks.md reports them.

use std::collections::HashSet;

use cloudwarden_catalog::Catalog;

struct Row<'a> {
    host: &'a str,
    expected: Option<&'a str>,
    /// The attribution before domain rules needed evidence (commit b435772).
    before: Option<&'a str>,
}

fn rows(text: &str) -> Vec<Row<'_>> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            let host = cols.next().unwrap_or_default().trim();
            let expected = cols.next().unwrap_or_default().trim();
            let before = cols.next().unwrap_or_default().trim();
            Row {
                host,
                expected: (expected != "-").then_some(expected),
                before: (before != "-").then_some(before),
            }
        })
        .collect()
}

#[test]
fn attribution_is_precise_and_recalls_the_apps() {
    let text = include_str!("attribution.tsv");
    let rows = rows(text);
    let catalog = Catalog::builtin().unwrap();
    let matcher = catalog.matcher().unwrap();

    // The set is what the issue asks for: ≥ 500 distinct hosts, at least a third of them hosts
    // that must match no app or another app than the catalog said before.
    let distinct: HashSet<&str> = rows.iter().map(|r| r.host).collect();
    assert_eq!(distinct.len(), rows.len(), "a host is listed twice");
    assert!(rows.len() >= 500, "{} hosts", rows.len());
    let none = rows.iter().filter(|r| r.expected.is_none()).count();
    let changed = rows
        .iter()
        .filter(|r| r.expected.is_some() && r.expected != r.before)
        .count();
    assert!(
        (none + changed) * 3 >= rows.len(),
        "{none} + {changed} of {} must match no app or another app",
        rows.len()
    );
    for r in &rows {
        if let Some(id) = r.expected {
            assert!(
                catalog.get(id).is_some(),
                "{}: no app {id} in the catalog",
                r.host
            );
        }
    }

    let (mut made, mut correct, mut wanted) = (0usize, 0usize, 0usize);
    let mut wrong = Vec::new();
    let mut missed = Vec::new();
    for r in &rows {
        let got = matcher
            .lookup(r.host)
            .map(|h| catalog.apps[h.app as usize].id.as_str());
        if r.expected.is_some() {
            wanted += 1;
        }
        if let Some(g) = got {
            made += 1;
            if Some(g) == r.expected {
                correct += 1;
            } else {
                wrong.push(format!(
                    "{} → {g} (expected {})",
                    r.host,
                    r.expected.unwrap_or("-")
                ));
            }
        } else if let Some(e) = r.expected {
            missed.push(format!("{} (expected {e})", r.host));
        }
    }
    let (mut b_made, mut b_correct) = (0usize, 0usize);
    for r in &rows {
        if let Some(b) = r.before {
            b_made += 1;
            if Some(b) == r.expected {
                b_correct += 1;
            }
        }
    }
    println!(
        "before evidence was required: {b_made} attributed, {b_correct} correctly: precision \
         {:.1} %, recall {:.1} %",
        b_correct as f64 * 100.0 / b_made.max(1) as f64,
        b_correct as f64 * 100.0 / wanted_of(&rows).max(1) as f64
    );
    let precision = correct as f64 / made.max(1) as f64;
    let recall = correct as f64 / wanted.max(1) as f64;
    println!(
        "attribution: {} hosts ({none} that must match no app), {made} attributed, {correct} \
         correctly: precision {:.1} %, recall {:.1} %",
        rows.len(),
        precision * 100.0,
        recall * 100.0
    );
    println!("wrong ({}):\n  {}", wrong.len(), wrong.join("\n  "));
    println!("missed ({}):\n  {}", missed.len(), missed.join("\n  "));
    assert!(precision >= 0.99, "precision {precision:.3}: {wrong:#?}");
    assert!(recall >= 0.90, "recall {recall:.3}: {missed:#?}");
}

fn wanted_of(rows: &[Row<'_>]) -> usize {
    rows.iter().filter(|r| r.expected.is_some()).count()
}
