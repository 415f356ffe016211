//! HTTP pieces every fake shares: query and form parameters, JSON, HTML and redirect
//! answers, and the PKCE S256 transform.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The decoded query string, in order.
pub(crate) type Params = Vec<(String, String)>;

pub(crate) fn params(raw: Option<&str>) -> Params {
    raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

pub(crate) fn param<'a>(p: &'a Params, key: &str) -> Option<&'a str> {
    p.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// The request's parameters: the query string, then a form or JSON body.
pub(crate) fn form(headers: &HeaderMap, query: Option<&str>, body: &Bytes) -> Params {
    let mut p = params(query);
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.contains("json"));
    if json {
        if let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(body) {
            for (k, v) in m {
                let v = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                p.push((k, v));
            }
        }
    } else {
        p.extend(form_urlencoded::parse(body).into_owned());
    }
    p
}

/// `body` as JSON with `content_type`.
pub(crate) fn json_with(status: StatusCode, body: &Value, content_type: &'static str) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut r = (status, bytes).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A JSON body already written (see [`crate::common::json`]), with `content_type`.
pub(crate) fn json_bytes(
    status: StatusCode,
    body: Vec<u8>,
    content_type: &'static str,
) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// The `Content-Type` of plain JSON answers.
pub(crate) const JSON: &str = "application/json; charset=utf-8";

pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    json_with(status, body, JSON)
}

pub(crate) fn html(status: StatusCode, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

/// `302 Found` to `to`.
pub(crate) fn redirect(to: &str) -> Response {
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// `uri` with `pairs` appended to its query string.
pub(crate) fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{}", ser.finish())
}

/// The PKCE `S256` code challenge of `verifier` (RFC 7636).
pub(crate) fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}
