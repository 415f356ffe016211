//! The audit logs (directory audits and sign-ins): events ordered by (time, id), newest
//! first, a `$filter` on their time, and `$skiptoken`s holding the (time, id) of the last
//! event served, so that events arriving during a paged read never shift it.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, RwLock};

use axum::extract::{Extension, RawQuery, State};
use axum::http::Uri;
use axum::response::Response;
use base64::Engine as _;

use super::api::AUDIT;
use super::auth::Caller;
use super::odata::{
    bad_request, clauses, collection, forbidden, link, not_premium, query, Next, Query,
};
use super::render;
use super::server::Shared;
use super::tenant::{DirectoryAudit, SignIn};
use crate::common::json::Obj;
use crate::common::time::{parse_date, parse_rfc3339};

/// (time in unix ms, id).
pub(crate) type Key = (i64, String);

/// An event with a time.
pub(crate) trait Timed {
    fn key(&self) -> Key;
}

impl Timed for DirectoryAudit {
    fn key(&self) -> Key {
        (self.activity_at_ms, self.id.clone())
    }
}

impl Timed for SignIn {
    fn key(&self) -> Key {
        (self.created_at_ms, self.id.clone())
    }
}

/// An inclusive time window, unix ms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Window {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// Reads `field ge|gt|le|lt|eq <RFC 3339 time>` clauses joined by `and`.
pub(crate) fn window(filter: Option<&str>, field: &str) -> Option<Window> {
    let mut w = Window::default();
    let Some(filter) = filter else {
        return Some(w);
    };
    for c in clauses(filter)? {
        if !c.field.eq_ignore_ascii_case(field) {
            return None;
        }
        let t = parse_rfc3339(&c.value).or_else(|| parse_date(&c.value))?;
        let lower = |w: &mut Window, x: i64| w.from = Some(w.from.map_or(x, |f| f.max(x)));
        let upper = |w: &mut Window, x: i64| w.to = Some(w.to.map_or(x, |u| u.min(x)));
        match c.op.as_str() {
            "ge" => lower(&mut w, t),
            "gt" => lower(&mut w, t + 1),
            "le" => upper(&mut w, t),
            "lt" => upper(&mut w, t - 1),
            "eq" => {
                lower(&mut w, t);
                upper(&mut w, t);
            }
            _ => return None,
        }
    }
    Some(w)
}

pub(crate) fn encode_cursor(k: &Key) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}|{}", k.0, k.1))
}

pub(crate) fn decode_cursor(s: &str) -> Option<Key> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (t, id) = text.split_once('|')?;
    Some((t.parse().ok()?, id.to_owned()))
}

pub(crate) struct EventLog<T> {
    events: BTreeMap<Key, T>,
}

impl<T: Timed> EventLog<T> {
    pub(crate) fn new(events: Vec<T>) -> EventLog<T> {
        EventLog {
            events: events.into_iter().map(|e| (e.key(), e)).collect(),
        }
    }

    /// Add (or replace, by time and id) one event.
    pub(crate) fn insert(&mut self, e: T) {
        self.events.insert(e.key(), e);
    }

    pub(crate) fn len(&self) -> usize {
        self.events.len()
    }

    /// Up to `top` events of `w` after `cursor` in the order asked for, and the cursor of
    /// the next page if there is one.
    pub(crate) fn page(
        &self,
        w: Window,
        cursor: Option<&Key>,
        top: usize,
        ascending: bool,
    ) -> (Vec<&T>, Option<Key>) {
        // An empty id sorts before every real one at the same millisecond.
        let mut lo = w
            .from
            .map_or(Bound::Unbounded, |t| Bound::Included((t, String::new())));
        let mut hi = w.to.map_or(Bound::Unbounded, |t| {
            Bound::Excluded((t.saturating_add(1), String::new()))
        });
        if let Some(c) = cursor {
            if ascending {
                let tighter = match &lo {
                    Bound::Included(l) | Bound::Excluded(l) => c >= l,
                    Bound::Unbounded => true,
                };
                if tighter {
                    lo = Bound::Excluded(c.clone());
                }
            } else {
                let tighter = match &hi {
                    Bound::Included(h) | Bound::Excluded(h) => c < h,
                    Bound::Unbounded => true,
                };
                if tighter {
                    hi = Bound::Excluded(c.clone());
                }
            }
        }
        let empty = match (&lo, &hi) {
            (Bound::Included(a), Bound::Excluded(b)) => a > b,
            (Bound::Excluded(a), Bound::Excluded(b)) => a >= b,
            _ => false,
        };
        if empty {
            return (Vec::new(), None);
        }
        let range = self.events.range((lo, hi)).map(|(_, e)| e);
        let mut out: Vec<&T> = if ascending {
            range.take(top + 1).collect()
        } else {
            range.rev().take(top + 1).collect()
        };
        let more = out.len() > top;
        out.truncate(top);
        let next = if more {
            out.last().map(|e| e.key())
        } else {
            None
        };
        (out, next)
    }
}

/// `$orderby`: `field` (ascending), `field desc` (the default) or `field asc`.
fn ascending(q: &Query, field: &str) -> Option<bool> {
    let Some(o) = super::odata::option(&q.params, "orderby") else {
        return Some(false);
    };
    let mut words = o.split_whitespace();
    if !words.next()?.eq_ignore_ascii_case(field) {
        return None;
    }
    match words.next().map(str::to_lowercase).as_deref() {
        None | Some("asc") => Some(true),
        Some("desc") => Some(false),
        Some(_) => None,
    }
}

fn serve<T: Timed>(
    s: &Shared,
    uri: &Uri,
    raw: Option<&str>,
    log: &RwLock<EventLog<T>>,
    field: &str,
    context: &str,
    render: fn(&mut Obj<'_>, &T),
) -> Response {
    let q = match query(raw, 1_000) {
        Ok(q) => q,
        Err(r) => return r.response(),
    };
    let Some(w) = window(q.filter.as_deref(), field) else {
        return bad_request("Invalid filter clause");
    };
    let Some(asc) = ascending(&q, field) else {
        return bad_request("Invalid orderby clause");
    };
    let cursor = match q.skiptoken.as_deref() {
        None => None,
        Some(t) => match decode_cursor(t) {
            Some(k) => Some(k),
            None => return bad_request("Invalid skip token."),
        },
    };
    let log = log
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (events, next) = log.page(w, cursor.as_ref(), q.top, asc);
    let next = next.map(|k| {
        link(
            &s.base,
            uri.path(),
            &q.params,
            "$skiptoken",
            &encode_cursor(&k),
        )
    });
    let select = q.select.as_deref();
    collection(
        &format!("{}/v1.0/$metadata#{context}", s.base),
        next.as_deref().map(Next::Page),
        |w| {
            w.each(events.into_iter(), |w, e| {
                w.object_select(select, |o| render(o, e));
            });
        },
    )
}

/// `GET /v1.0/auditLogs/directoryAudits`.
pub(crate) async fn directory_audits(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> Response {
    if !caller.has_any(AUDIT) {
        return forbidden();
    }
    serve(
        &s,
        &uri,
        q.as_deref(),
        &s.audits,
        "activityDateTime",
        "auditLogs/directoryAudits",
        render::directory_audit,
    )
}

/// `GET /v1.0/auditLogs/signIns` (Entra ID P1 or P2).
pub(crate) async fn sign_ins(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> Response {
    if !caller.has_any(AUDIT) {
        return forbidden();
    }
    if !s.premium() {
        return not_premium();
    }
    serve(
        &s,
        &uri,
        q.as_deref(),
        &s.sign_ins,
        "createdDateTime",
        "auditLogs/signIns",
        render::sign_in,
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    struct E(i64, &'static str);
    impl Timed for E {
        fn key(&self) -> Key {
            (self.0, self.1.to_owned())
        }
    }

    fn ids(v: &[&E]) -> Vec<&'static str> {
        v.iter().map(|e| e.1).collect()
    }

    #[test]
    fn reads_time_filters() {
        let t = parse_rfc3339("2024-05-01T10:00:00Z").unwrap();
        let w = window(
            Some("activityDateTime ge 2024-05-01T10:00:00Z"),
            "activityDateTime",
        );
        assert_eq!(
            w,
            Some(Window {
                from: Some(t),
                to: None
            })
        );
        let w = window(
            Some("activityDateTime gt 2024-05-01T10:00:00Z and activityDateTime lt 2024-05-01T10:00:01Z"),
            "activityDateTime",
        );
        assert_eq!(
            w,
            Some(Window {
                from: Some(t + 1),
                to: Some(t + 999)
            })
        );
        assert_eq!(
            window(
                Some("createdDateTime ge 2024-05-01T10:00:00Z"),
                "activityDateTime"
            ),
            None
        );
        assert_eq!(
            window(Some("activityDateTime ge yesterday"), "activityDateTime"),
            None
        );
        assert_eq!(
            window(
                Some("activityDateTime ge '2024-05-01T10:00:00Z'"),
                "activityDateTime"
            ),
            None
        );
        assert_eq!(
            decode_cursor(&encode_cursor(&(5, "a|b".into()))),
            Some((5, "a|b".into()))
        );
    }

    #[test]
    fn pages_newest_first_and_stays_stable_when_events_arrive() {
        let mut log = EventLog::new(vec![E(1, "a"), E(2, "b"), E(3, "c"), E(4, "d")]);
        let (p1, next) = log.page(Window::default(), None, 2, false);
        assert_eq!(ids(&p1), ["d", "c"]);
        let next = next.unwrap();
        // A late event inside the unread part appears; one above the cursor waits for the
        // next query.
        log.insert(E(2, "late"));
        log.insert(E(9, "new"));
        let (p2, next) = log.page(Window::default(), Some(&next), 2, false);
        assert_eq!(ids(&p2), ["late", "b"]);
        let (p3, next) = log.page(Window::default(), next.as_ref(), 2, false);
        assert_eq!(ids(&p3), ["a"]);
        assert!(next.is_none());
        let w = Window {
            from: Some(2),
            to: Some(3),
        };
        let (asc, _) = log.page(w, None, 10, true);
        assert_eq!(ids(&asc), ["b", "late", "c"]);
        let (none, _) = log.page(
            Window {
                from: Some(5),
                to: Some(4),
            },
            None,
            10,
            false,
        );
        assert!(none.is_empty());
    }
}
