//! github.com's OAuth endpoints: the device flow, the authorization-code flow with PKCE, and
//! refresh-token rotation. As on github.com, errors of the token endpoint are answered with
//! 200 and an `error` field, in JSON when the client sends `Accept: application/json`,
//! otherwise form-encoded.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::auth::{split_scopes, AuthCode, AuthState, DeviceStatus, REFRESH_LIFETIME_SECS};
use super::server::Shared;
use crate::common::http::{
    form, html, json_response, param, params, redirect, s256, with_query, Params,
};
use crate::common::rng::ALNUM;

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const DEVICE_ERRORS: &str =
    "https://docs.github.com/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow";
const TOKEN_ERRORS: &str =
    "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors";

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("json"))
}

/// A 200 answer with `fields`, JSON or form-encoded as the client accepts.
fn reply(headers: &HeaderMap, fields: Vec<(&'static str, Value)>) -> Response {
    if wants_json(headers) {
        let m: Map<String, Value> = fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        return json_response(StatusCode::OK, &Value::Object(m));
    }
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        match v {
            Value::String(s) => ser.append_pair(k, &s),
            other => ser.append_pair(k, &other.to_string()),
        };
    }
    let mut r = (StatusCode::OK, ser.finish()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
    );
    r
}

#[derive(Debug, Clone, Copy)]
enum OAuthError {
    AuthorizationPending,
    SlowDown(u64),
    ExpiredToken,
    AccessDenied,
    IncorrectDeviceCode,
    IncorrectClientCredentials,
    UnsupportedGrantType,
    BadVerificationCode,
    RedirectUriMismatch,
    BadRefreshToken,
}

impl OAuthError {
    fn fields(self) -> Vec<(&'static str, Value)> {
        let (code, description, uri) = match self {
            OAuthError::AuthorizationPending => (
                "authorization_pending",
                "The authorization request is still pending.",
                DEVICE_ERRORS,
            ),
            OAuthError::SlowDown(_) => (
                "slow_down",
                "Too many requests have been made in the same timeframe.",
                DEVICE_ERRORS,
            ),
            OAuthError::ExpiredToken => (
                "expired_token",
                "The device code has expired.",
                DEVICE_ERRORS,
            ),
            OAuthError::AccessDenied => (
                "access_denied",
                "The authorization request was denied.",
                DEVICE_ERRORS,
            ),
            OAuthError::IncorrectDeviceCode => (
                "incorrect_device_code",
                "The device_code provided is not valid.",
                DEVICE_ERRORS,
            ),
            OAuthError::IncorrectClientCredentials => (
                "incorrect_client_credentials",
                "The client_id and/or client_secret passed are incorrect.",
                TOKEN_ERRORS,
            ),
            OAuthError::UnsupportedGrantType => (
                "unsupported_grant_type",
                "The grant type is not supported.",
                DEVICE_ERRORS,
            ),
            OAuthError::BadVerificationCode => (
                "bad_verification_code",
                "The code passed is incorrect or expired.",
                TOKEN_ERRORS,
            ),
            OAuthError::RedirectUriMismatch => (
                "redirect_uri_mismatch",
                "The redirect_uri MUST match the registered callback URL for this application.",
                TOKEN_ERRORS,
            ),
            OAuthError::BadRefreshToken => (
                "bad_refresh_token",
                "The refresh token passed is incorrect or expired.",
                TOKEN_ERRORS,
            ),
        };
        let mut f = vec![
            ("error", Value::from(code)),
            ("error_description", Value::from(description)),
            ("error_uri", Value::from(uri)),
        ];
        if let OAuthError::SlowDown(interval) = self {
            f.push(("interval", Value::from(interval)));
        }
        f
    }
}

fn tokens(
    auth: &mut AuthState,
    client_id: &str,
    scopes: Vec<String>,
) -> Vec<(&'static str, Value)> {
    let (access, refresh) = auth.issue(client_id, scopes);
    let scope = auth
        .access
        .get(&access)
        .map(|g| g.scopes.join(","))
        .unwrap_or_default();
    vec![
        ("access_token", Value::from(access)),
        ("expires_in", Value::from(auth.access_lifetime.as_secs())),
        ("refresh_token", Value::from(refresh)),
        (
            "refresh_token_expires_in",
            Value::from(REFRESH_LIFETIME_SECS),
        ),
        ("scope", Value::from(scope)),
        ("token_type", Value::from("bearer")),
    ]
}

/// `POST /login/device/code`: `client_id`, `scope`.
pub(crate) async fn device_code(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let f = form(&headers, q.as_deref(), &body);
    let mut auth = s.auth();
    let client_id = param(&f, "client_id");
    if !auth.client_ok(client_id, None, false) {
        return reply(&headers, OAuthError::IncorrectClientCredentials.fields());
    }
    let scopes = split_scopes(param(&f, "scope").unwrap_or(""));
    let (device_code, user_code) = auth.new_device(client_id.unwrap_or_default(), scopes);
    let interval = auth.device_interval;
    drop(auth);
    reply(
        &headers,
        vec![
            ("device_code", Value::from(device_code)),
            ("user_code", Value::from(user_code)),
            (
                "verification_uri",
                Value::from(format!("{}/login/device", s.base)),
            ),
            (
                "expires_in",
                Value::from(super::auth::DEVICE_CODE_LIFETIME_SECS),
            ),
            ("interval", Value::from(interval)),
        ],
    )
}

/// `GET /login/device`: the page the user would type the code into.
pub(crate) async fn device_page() -> Response {
    html(
        StatusCode::OK,
        "<!doctype html><title>Device activation</title><h1>Device activation</h1>\
         <p>Enter the code displayed on your device.</p>"
            .to_owned(),
    )
}

fn device_grant(
    auth: &mut AuthState,
    f: &Params,
) -> Result<Vec<(&'static str, Value)>, OAuthError> {
    let code = param(f, "device_code").unwrap_or_default();
    let now = Instant::now();
    let dev = auth
        .devices
        .get_mut(code)
        .ok_or(OAuthError::IncorrectDeviceCode)?;
    if param(f, "client_id") != Some(dev.client_id.as_str()) {
        return Err(OAuthError::IncorrectClientCredentials);
    }
    if now >= dev.expires_at {
        return Err(OAuthError::ExpiredToken);
    }
    if dev.interval > 0
        && dev
            .last_poll
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs(dev.interval))
    {
        dev.interval += 5;
        dev.last_poll = Some(now);
        return Err(OAuthError::SlowDown(dev.interval));
    }
    dev.last_poll = Some(now);
    match dev.status {
        DeviceStatus::Pending => Err(OAuthError::AuthorizationPending),
        DeviceStatus::Denied => Err(OAuthError::AccessDenied),
        DeviceStatus::Approved => {
            let (client_id, scopes) = (dev.client_id.clone(), dev.scopes.clone());
            auth.devices.remove(code);
            auth.user_codes.retain(|_, d| d != code);
            Ok(tokens(auth, &client_id, scopes))
        }
    }
}

fn refresh_grant(
    auth: &mut AuthState,
    f: &Params,
) -> Result<Vec<(&'static str, Value)>, OAuthError> {
    let token = param(f, "refresh_token").unwrap_or_default();
    let grant = auth.refresh.get(token).ok_or(OAuthError::BadRefreshToken)?;
    if param(f, "client_id") != Some(grant.client_id.as_str())
        || !auth.client_ok(param(f, "client_id"), param(f, "client_secret"), true)
    {
        return Err(OAuthError::IncorrectClientCredentials);
    }
    let grant = auth
        .refresh
        .remove(token)
        .ok_or(OAuthError::BadRefreshToken)?;
    Ok(tokens(auth, &grant.client_id, grant.scopes))
}

fn code_grant(auth: &mut AuthState, f: &Params) -> Result<Vec<(&'static str, Value)>, OAuthError> {
    let code = param(f, "code").unwrap_or_default();
    // A code is single-use: taken out whatever the outcome.
    let grant: AuthCode = auth
        .codes
        .remove(code)
        .ok_or(OAuthError::BadVerificationCode)?;
    if Instant::now() >= grant.expires_at {
        return Err(OAuthError::BadVerificationCode);
    }
    if param(f, "client_id") != Some(grant.client_id.as_str())
        || !auth.client_ok(param(f, "client_id"), param(f, "client_secret"), true)
    {
        return Err(OAuthError::IncorrectClientCredentials);
    }
    if let Some(uri) = param(f, "redirect_uri") {
        if uri != grant.redirect_uri {
            return Err(OAuthError::RedirectUriMismatch);
        }
    }
    if let Some(challenge) = &grant.challenge {
        match param(f, "code_verifier") {
            Some(v) if s256(v) == *challenge => {}
            _ => return Err(OAuthError::BadVerificationCode),
        }
    }
    Ok(tokens(auth, &grant.client_id, grant.scopes))
}

/// `POST /login/oauth/access_token`: the device, refresh-token and authorization-code grants.
pub(crate) async fn access_token(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let f = form(&headers, q.as_deref(), &body);
    let mut auth = s.auth();
    let result = match param(&f, "grant_type") {
        Some(DEVICE_GRANT) => device_grant(&mut auth, &f),
        Some("refresh_token") => refresh_grant(&mut auth, &f),
        Some("authorization_code") => code_grant(&mut auth, &f),
        None if param(&f, "code").is_some() => code_grant(&mut auth, &f),
        _ => Err(OAuthError::UnsupportedGrantType),
    };
    drop(auth);
    match result {
        Ok(fields) => reply(&headers, fields),
        Err(e) => reply(&headers, e.fields()),
    }
}

/// `GET /login/oauth/authorize`: `client_id`, `redirect_uri`, `scope`, `state`,
/// `code_challenge`, `code_challenge_method=S256`. The user is taken to have approved at
/// once: 302 to `redirect_uri?code=…&state=…`.
pub(crate) async fn authorize(State(s): State<Arc<Shared>>, RawQuery(q): RawQuery) -> Response {
    let p = params(q.as_deref());
    let mut auth = s.auth();
    if !auth.client_ok(param(&p, "client_id"), None, false) {
        return html(
            StatusCode::NOT_FOUND,
            "<h1>404: application not found</h1>".to_owned(),
        );
    }
    let Some(redirect_uri) = param(&p, "redirect_uri").filter(|u| !u.is_empty()) else {
        return html(
            StatusCode::BAD_REQUEST,
            "<h1>The redirect_uri is missing.</h1>".to_owned(),
        );
    };
    let state = param(&p, "state").unwrap_or("");
    let challenge = param(&p, "code_challenge").filter(|c| !c.is_empty());
    if challenge.is_some() && param(&p, "code_challenge_method") != Some("S256") {
        return redirect(&with_query(
            redirect_uri,
            &[
                ("error", "invalid_request"),
                ("error_description", "code_challenge_method must be S256"),
                ("state", state),
            ],
        ));
    }
    let code = auth.random(ALNUM, 20);
    auth.codes.insert(
        code.clone(),
        AuthCode {
            client_id: param(&p, "client_id").unwrap_or_default().to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            scopes: split_scopes(param(&p, "scope").unwrap_or("")),
            challenge: challenge.map(str::to_owned),
            expires_at: Instant::now() + Duration::from_secs(600),
        },
    );
    drop(auth);
    redirect(&with_query(
        redirect_uri,
        &[("code", &code), ("state", state)],
    ))
}
