//! The organisation audit log: events ordered by (`@timestamp`, `_document_id`), the search
//! `phrase`, and the opaque `after`/`before` cursors of its `Link` headers.

use std::collections::BTreeMap;
use std::ops::Bound;

use base64::Engine as _;

use super::tenant::AuditEvent;
use crate::common::time::{parse_date, parse_rfc3339, DAY_MS};

pub(crate) type Key = (i64, String);

fn key(e: &AuditEvent) -> Key {
    (e.timestamp_ms, e.document_id.clone())
}

/// GitHub's cursor shape: base64 of `<timestamp in e-notation>|<document id>`.
pub(crate) fn encode_cursor(k: &Key) -> String {
    let sci = format!("{:e}", k.0 as f64).replace('e', "e+");
    base64::engine::general_purpose::STANDARD.encode(format!("{sci}|{}", k.1))
}

pub(crate) fn decode_cursor(s: &str) -> Option<Key> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (ts, id) = text.split_once('|')?;
    let ts: f64 = ts.parse().ok()?;
    if !ts.is_finite() || id.is_empty() {
        return None;
    }
    Some((ts.round() as i64, id.to_owned()))
}

/// Which events `include` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Include {
    Web,
    Git,
    All,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Action,
    Actor,
    User,
    Repo,
    Operation,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    field: Field,
    value: String,
    negated: bool,
}

/// A parsed `phrase`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Phrase {
    /// Inclusive lower bound, unix ms.
    pub from_ms: Option<i64>,
    /// Exclusive upper bound, unix ms.
    pub until_ms: Option<i64>,
    pub has_created: bool,
    terms: Vec<Term>,
}

/// `[start, end)` of a `created` value: a date covers its day, a date-time its instant.
fn span(v: &str) -> Option<(i64, i64)> {
    if let Some(d) = parse_date(v) {
        return Some((d, d + DAY_MS));
    }
    parse_rfc3339(v).map(|t| (t, t + 1))
}

impl Phrase {
    /// Parses `created:>=2024-01-01T00:00:00Z action:team.add_member -actor:bob …`.
    /// Supported qualifiers: `created` (`>=`, `>`, `<=`, `<`, `=`, `A..B`, with dates or
    /// RFC 3339 times), `action` (exact, or a whole category without a dot: `action:team`),
    /// `actor`, `user`, `repo`, `operation`; a leading `-` negates a term.
    pub(crate) fn parse(s: &str) -> Result<Phrase, String> {
        let mut p = Phrase::default();
        for token in s.split_whitespace() {
            let (negated, token) = match token.strip_prefix('-') {
                Some(t) => (true, t),
                None => (false, token),
            };
            let Some((k, v)) = token.split_once(':') else {
                return Err(format!("unsupported search term `{token}`"));
            };
            let v = v.trim_matches('"');
            let field = match k {
                "created" if !negated => {
                    p.created(v)
                        .ok_or_else(|| format!("invalid created qualifier `{v}`"))?;
                    continue;
                }
                "action" => Field::Action,
                "actor" => Field::Actor,
                "user" => Field::User,
                "repo" => Field::Repo,
                "operation" => Field::Operation,
                _ => return Err(format!("unsupported qualifier `{k}`")),
            };
            p.terms.push(Term {
                field,
                value: v.to_owned(),
                negated,
            });
        }
        Ok(p)
    }

    fn lower(&mut self, t: i64) {
        self.from_ms = Some(self.from_ms.map_or(t, |f| f.max(t)));
    }

    fn upper(&mut self, t: i64) {
        self.until_ms = Some(self.until_ms.map_or(t, |u| u.min(t)));
    }

    fn created(&mut self, v: &str) -> Option<()> {
        self.has_created = true;
        if let Some(x) = v.strip_prefix(">=") {
            self.lower(span(x)?.0);
        } else if let Some(x) = v.strip_prefix('>') {
            self.lower(span(x)?.1);
        } else if let Some(x) = v.strip_prefix("<=") {
            self.upper(span(x)?.1);
        } else if let Some(x) = v.strip_prefix('<') {
            self.upper(span(x)?.0);
        } else if let Some((a, b)) = v.split_once("..") {
            if a != "*" {
                self.lower(span(a)?.0);
            }
            if b != "*" {
                self.upper(span(b)?.1);
            }
        } else {
            let (a, b) = span(v.strip_prefix('=').unwrap_or(v))?;
            self.lower(a);
            self.upper(b);
        }
        Some(())
    }

    fn matches(&self, e: &AuditEvent) -> bool {
        self.terms.iter().all(|t| {
            let hit = match t.field {
                Field::Action if t.value.contains('.') => e.action == t.value,
                Field::Action => e.action.split('.').next() == Some(t.value.as_str()),
                Field::Actor => e.actor.eq_ignore_ascii_case(&t.value),
                Field::User => e
                    .user
                    .as_deref()
                    .is_some_and(|u| u.eq_ignore_ascii_case(&t.value)),
                Field::Repo => e
                    .repo
                    .as_deref()
                    .is_some_and(|r| r.eq_ignore_ascii_case(&t.value)),
                Field::Operation => e.operation_type == t.value,
            };
            hit != t.negated
        })
    }
}

/// One audit-log request.
pub(crate) struct Query {
    pub phrase: Phrase,
    pub include: Include,
    pub ascending: bool,
    pub after: Option<Key>,
    pub before: Option<Key>,
    pub per_page: usize,
}

/// One page, in output order, with the cursors of its `Link` relations.
pub(crate) struct Page<'a> {
    pub events: Vec<&'a AuditEvent>,
    pub next_after: Option<Key>,
    pub prev_before: Option<Key>,
}

#[derive(Default)]
pub(crate) struct AuditLog {
    events: BTreeMap<Key, AuditEvent>,
}

fn tighter_lower(a: Bound<Key>, b: Bound<Key>) -> Bound<Key> {
    match (&a, &b) {
        (Bound::Unbounded, _) => b,
        (_, Bound::Unbounded) => a,
        (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y) | Bound::Excluded(y)) => {
            if x > y || (x == y && matches!(a, Bound::Excluded(_))) {
                a
            } else {
                b
            }
        }
    }
}

fn tighter_upper(a: Bound<Key>, b: Bound<Key>) -> Bound<Key> {
    match (&a, &b) {
        (Bound::Unbounded, _) => b,
        (_, Bound::Unbounded) => a,
        (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y) | Bound::Excluded(y)) => {
            if x < y || (x == y && matches!(a, Bound::Excluded(_))) {
                a
            } else {
                b
            }
        }
    }
}

/// Whether `BTreeMap::range` accepts the bounds (it panics on an empty inverted range).
fn non_empty(lo: &Bound<Key>, hi: &Bound<Key>) -> bool {
    match (lo, hi) {
        (Bound::Unbounded, _) | (_, Bound::Unbounded) => true,
        (Bound::Included(a), Bound::Included(b)) => a <= b,
        (Bound::Included(a) | Bound::Excluded(a), Bound::Included(b) | Bound::Excluded(b)) => a < b,
    }
}

impl AuditLog {
    pub(crate) fn new(events: Vec<AuditEvent>) -> AuditLog {
        AuditLog {
            events: events.into_iter().map(|e| (key(&e), e)).collect(),
        }
    }

    /// Add (or replace, by `_document_id` and time) one event.
    pub(crate) fn insert(&mut self, e: AuditEvent) {
        self.events.insert(key(&e), e);
    }

    pub(crate) fn len(&self) -> usize {
        self.events.len()
    }

    pub(crate) fn query(&self, q: &Query) -> Page<'_> {
        // An empty document id sorts before every real one at the same millisecond.
        let mut lo = q
            .phrase
            .from_ms
            .map_or(Bound::Unbounded, |t| Bound::Included((t, String::new())));
        let mut hi = q
            .phrase
            .until_ms
            .map_or(Bound::Unbounded, |t| Bound::Excluded((t, String::new())));
        // `after` continues in the current order, `before` goes back against it.
        let (forward, backwards_page) = match (&q.after, &q.before) {
            (Some(c), _) => {
                if q.ascending {
                    lo = tighter_lower(lo, Bound::Excluded(c.clone()));
                } else {
                    hi = tighter_upper(hi, Bound::Excluded(c.clone()));
                }
                (q.ascending, false)
            }
            (None, Some(c)) => {
                if q.ascending {
                    hi = tighter_upper(hi, Bound::Excluded(c.clone()));
                } else {
                    lo = tighter_lower(lo, Bound::Excluded(c.clone()));
                }
                (!q.ascending, true)
            }
            (None, None) => (q.ascending, false),
        };
        let mut events = Vec::with_capacity(q.per_page + 1);
        if non_empty(&lo, &hi) {
            let range = self.events.range((lo, hi)).map(|(_, e)| e);
            let wanted = |e: &&AuditEvent| {
                let kind_ok = match q.include {
                    Include::All => true,
                    Include::Git => e.is_git(),
                    Include::Web => !e.is_git(),
                };
                kind_ok && q.phrase.matches(e)
            };
            if forward {
                events.extend(range.filter(wanted).take(q.per_page + 1));
            } else {
                events.extend(range.rev().filter(wanted).take(q.per_page + 1));
            }
        }
        let more = events.len() > q.per_page;
        events.truncate(q.per_page);
        if backwards_page {
            events.reverse();
        }
        let first = events.first().map(|e| key(e));
        let last = events.last().map(|e| key(e));
        let had_cursor = q.after.is_some() || q.before.is_some();
        let (next_after, prev_before) = if backwards_page {
            (last, if more { first } else { None })
        } else {
            (
                if more { last } else { None },
                if had_cursor { first } else { None },
            )
        };
        Page {
            events,
            next_after,
            prev_before,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn cursors_round_trip_in_githubs_shape() {
        let k = (1_615_336_378_833, "YAvEarPYGmkxkP0nnFx8mQ".to_owned());
        let c = encode_cursor(&k);
        assert_eq!(
            c,
            "MS42MTUzMzYzNzg4MzNlKzEyfFlBdkVhclBZR21reGtQMG5uRng4bVE="
        );
        assert_eq!(decode_cursor(&c), Some(k));
        assert_eq!(decode_cursor("not a cursor"), None);
    }

    #[test]
    fn parses_phrases() {
        let p = Phrase::parse("created:>=2024-01-02 action:team -actor:bob").unwrap();
        assert_eq!(p.from_ms, Some(parse_date("2024-01-02").unwrap()));
        assert!(p.has_created);
        let p = Phrase::parse("created:2024-01-01..2024-01-03").unwrap();
        assert_eq!(p.until_ms, Some(parse_date("2024-01-04").unwrap()));
        let p = Phrase::parse("created:>2024-01-01T10:00:00Z").unwrap();
        assert_eq!(
            p.from_ms,
            Some(parse_rfc3339("2024-01-01T10:00:00Z").unwrap() + 1)
        );
        assert!(Phrase::parse("created:>=yesterday").is_err());
        assert!(Phrase::parse("country:DE").is_err());
    }
}
