//! OData as Graph speaks it: query options (`$top`, `$select`, `$skiptoken`, `$filter`,
//! with or without the `$`), collections with `@odata.nextLink`, and Graph error bodies.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;

use crate::common::http::{json_bytes, params, Params};
use crate::common::json::{Json, Obj, Select};
use crate::common::time::{format_rfc3339, now_ms};

/// The `Content-Type` of Graph's JSON answers.
pub(crate) const JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// A Graph error whose body the gate writes, once it knows the request ids.
#[derive(Debug, Clone)]
pub(crate) struct PendingError {
    pub code: String,
    pub message: String,
}

/// `{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}`.
pub(crate) fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let mut r = status.into_response();
    r.extensions_mut().insert(PendingError {
        code: code.to_owned(),
        message: message.into(),
    });
    r
}

pub(crate) fn bad_request(message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, "BadRequest", message)
}

pub(crate) fn forbidden() -> Response {
    error(
        StatusCode::FORBIDDEN,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}

pub(crate) fn not_premium() -> Response {
    error(
        StatusCode::FORBIDDEN,
        "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
        "Neither tenant is B2C or tenant doesn't have premium license",
    )
}

pub(crate) fn directory_not_found(id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
    )
}

pub(crate) fn item_not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "itemNotFound",
        "The resource could not be found.",
    )
}

/// Writes the body of a [`PendingError`] and the request-id headers.
pub(crate) fn finish(r: &mut Response, request_id: &str, client_request_id: &str) {
    if let Some(e) = r.extensions_mut().remove::<PendingError>() {
        let body = json!({"error": {
            "code": e.code,
            "message": e.message,
            "innerError": {
                "date": format_rfc3339(now_ms()),
                "request-id": request_id,
                "client-request-id": client_request_id,
            },
        }});
        *r.body_mut() = Body::from(serde_json::to_vec(&body).unwrap_or_default());
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    }
    for (name, value) in [
        ("request-id", request_id),
        ("client-request-id", client_request_id),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            r.headers_mut().insert(name, v);
        }
    }
}

/// Why a request's query options are refused (400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// `BadRequest` with this message.
    BadRequest(String),
    /// `Request_UnsupportedQuery`: valid OData the fake (like Graph, for some properties)
    /// does not support.
    Unsupported,
}

impl Rejection {
    pub(crate) fn response(self) -> Response {
        match self {
            Rejection::BadRequest(m) => bad_request(m),
            Rejection::Unsupported => error(
                StatusCode::BAD_REQUEST,
                "Request_UnsupportedQuery",
                "Unsupported Query.",
            ),
        }
    }
}

/// The value of query option `name`, given as `$name` or `name` (case-insensitive).
pub(crate) fn option<'a>(p: &'a Params, name: &str) -> Option<&'a str> {
    p.iter()
        .find(|(k, _)| k.strip_prefix('$').unwrap_or(k).eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The query options of one request.
#[derive(Debug)]
pub(crate) struct Query {
    pub params: Params,
    pub top: usize,
    /// `$select`, lower-cased.
    pub select: Option<Vec<String>>,
    pub skiptoken: Option<String>,
    pub filter: Option<String>,
    pub expand: Option<String>,
}

impl Query {
    /// Whether `$select` names `field` (case-insensitive).
    pub(crate) fn selects(&self, field: &str) -> bool {
        self.select
            .as_ref()
            .is_some_and(|s| s.iter().any(|f| f.eq_ignore_ascii_case(field)))
    }
}

/// Reads the query options; `$top` defaults to 100 and is capped at `cap`.
pub(crate) fn query(raw: Option<&str>, cap: usize) -> Result<Query, Rejection> {
    let p = params(raw);
    let top = match option(&p, "top") {
        None => 100.min(cap),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => n.min(cap),
            _ => {
                return Err(Rejection::BadRequest(format!(
                    "Invalid page size specified: '{v}'."
                )))
            }
        },
    };
    let select = option(&p, "select").map(|s| {
        s.split(',')
            .map(|f| f.trim().to_lowercase())
            .filter(|f| !f.is_empty())
            .collect()
    });
    let owned = |k: &str| option(&p, k).map(str::to_owned);
    Ok(Query {
        top,
        select,
        skiptoken: owned("skiptoken"),
        filter: owned("filter").filter(|f| !f.trim().is_empty()),
        expand: owned("expand"),
        params: p,
    })
}

/// Percent-encodes a query component, leaving the characters Graph writes as they are
/// (`$`, `,`, `:`, `'`, parentheses …) and writing spaces as `%20`.
fn escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~,:'$()!*@/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `{base}{path}?…` with the request's options but `key` (e.g. `$skiptoken`, `token`) set to
/// `token`, as Graph writes `@odata.nextLink`.
pub(crate) fn link(base: &str, path: &str, p: &Params, key: &str, token: &str) -> String {
    let bare = key.trim_start_matches('$');
    let mut parts: Vec<String> = p
        .iter()
        .filter(|(k, _)| !k.trim_start_matches('$').eq_ignore_ascii_case(bare))
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect();
    parts.push(format!("{key}={}", escape(token)));
    format!("{base}{path}?{}", parts.join("&"))
}

/// Where a collection continues.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Next<'a> {
    /// `@odata.nextLink`: the next page.
    Page(&'a str),
    /// `@odata.deltaLink`: the next `delta` round.
    Delta(&'a str),
}

/// A collection: `{"@odata.context", "@odata.deltaLink"? | "@odata.nextLink"?, "value"}`,
/// the items of `value` written by `items`.
pub(crate) fn collection(
    context: &str,
    next: Option<Next<'_>>,
    items: impl FnOnce(&mut Json),
) -> Response {
    json_bytes(StatusCode::OK, collection_body(context, next, items), JSON)
}

/// The body of a [`collection`].
pub(crate) fn collection_body(
    context: &str,
    next: Option<Next<'_>>,
    items: impl FnOnce(&mut Json),
) -> Vec<u8> {
    let mut w = Json::with_capacity(256);
    w.object(|o| {
        o.str("@odata.context", context);
        match next {
            Some(Next::Delta(url)) => {
                o.str("@odata.deltaLink", url);
            }
            Some(Next::Page(url)) => {
                o.str("@odata.nextLink", url);
            }
            None => {}
        }
        o.array("value", items);
    });
    w.into_bytes()
}

/// One entity with its `@odata.context`: the fields `fields` writes that `select` names.
pub(crate) fn entity(
    context: &str,
    select: Select<'_>,
    fields: impl FnOnce(&mut Obj<'_>),
) -> Response {
    json_bytes(StatusCode::OK, entity_body(context, select, fields), JSON)
}

/// The body of an [`entity`].
pub(crate) fn entity_body(
    context: &str,
    select: Select<'_>,
    fields: impl FnOnce(&mut Obj<'_>),
) -> Vec<u8> {
    let mut w = Json::with_capacity(1024);
    w.object_select(select, |o| {
        o.str("@odata.context", context);
        fields(o);
    });
    w.into_bytes()
}

/// An opaque `$skiptoken` for a position in a fixed list.
pub(crate) fn offset_token(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("RFNwdAIA:{offset}"))
}

pub(crate) fn parse_offset_token(t: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t.trim())
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("RFNwdAIA:")?
        .parse()
        .ok()
}

/// One page of a fixed list, `$top` items from the `$skiptoken` position, each written by
/// `fields` and cut to `$select`.
pub(crate) fn page<T>(
    base: &str,
    path: &str,
    q: &Query,
    context: &str,
    items: &[T],
    fields: impl Fn(&mut Obj<'_>, &T),
) -> Response {
    let start = match q.skiptoken.as_deref() {
        None => 0,
        Some(t) => match parse_offset_token(t) {
            Some(o) => o.min(items.len()),
            None => return bad_request("Invalid skip token."),
        },
    };
    let end = (start + q.top).min(items.len());
    let next =
        (end < items.len()).then(|| link(base, path, &q.params, "$skiptoken", &offset_token(end)));
    let select = q.select.as_deref();
    collection(
        &format!("{base}/v1.0/$metadata#{context}"),
        next.as_deref().map(Next::Page),
        |w| {
            w.each(items[start..end].iter(), |w, x| {
                w.object_select(select, |o| fields(o, x))
            })
        },
    )
}

/// One comparison of a `$filter`: `field op value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Clause {
    pub field: String,
    pub op: String,
    pub value: String,
}

/// Splits `a eq 'x' and b ge 2024-01-01T00:00:00Z` into clauses joined by `and` (no `or`,
/// no parentheses). `None` for anything else.
pub(crate) fn clauses(filter: &str) -> Option<Vec<Clause>> {
    let words: Vec<&str> = filter.split_whitespace().collect();
    let mut out = Vec::new();
    for chunk in words.split(|w| w.eq_ignore_ascii_case("and")) {
        let [field, op, value] = chunk else {
            return None;
        };
        let op = op.to_lowercase();
        if !matches!(op.as_str(), "eq" | "ne" | "gt" | "ge" | "lt" | "le") {
            return None;
        }
        out.push(Clause {
            field: (*field).to_owned(),
            op,
            value: (*value).to_owned(),
        });
    }
    (!out.is_empty()).then_some(out)
}

/// A quoted OData string literal's content (`'it''s'` → `it's`).
pub(crate) fn string_literal(v: &str) -> Option<String> {
    let inner = v.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(inner.replace("''", "'"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn parses_options_and_writes_links() {
        let q = query(Some("$top=5&select=id,displayName&%24filter=x"), 999).unwrap();
        assert_eq!(q.top, 5);
        assert!(q.selects("displayname"));
        assert_eq!(q.filter.as_deref(), Some("x"));
        assert_eq!(query(Some("$top=5000"), 999).unwrap().top, 999);
        assert!(query(Some("$top=abc"), 999).is_err());
        let l = link(
            "http://h",
            "/v1.0/users",
            &q.params,
            "$skiptoken",
            &offset_token(5),
        );
        assert!(
            l.starts_with("http://h/v1.0/users?$top=5&select=id,displayName&$filter=x&$skiptoken=")
        );
        assert_eq!(parse_offset_token(&offset_token(42)), Some(42));
        assert_eq!(parse_offset_token("garbage"), None);
    }

    #[test]
    fn splits_filters() {
        let c = clauses(
            "activityDateTime ge 2024-05-01T10:00:00Z and activityDateTime lt 2024-05-02T00:00:00Z",
        )
        .unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].op, "lt");
        assert!(clauses("activityDateTime ge").is_none());
        assert!(clauses("a eq 1 or b eq 2").is_none());
        assert_eq!(string_literal("'it''s'").as_deref(), Some("it's"));
    }
}
