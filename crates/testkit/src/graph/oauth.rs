//! The Microsoft identity platform (v2.0 endpoints): client credentials, the authorization
//! code flow with PKCE for a public client on a loopback redirect URI, and refresh-token
//! rotation. Errors carry the AAD body: `{"error", "error_description": "AADSTS…",
//! "error_codes", "timestamp", "trace_id", "correlation_id", "error_uri"}`.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::auth::{AuthCode, AuthState, Caller, Principal, Subject};
use super::server::Shared;
use crate::common::http::{
    form, html, json_response, param, params, redirect, s256, with_query, Params,
};
use crate::common::time::{format_rfc3339, now_ms};

const GRAPH_DEFAULT: &[&str] = &[
    "https://graph.microsoft.com/.default",
    "00000003-0000-0000-c000-000000000000/.default",
];

/// Which tenant a `{tenant}` path segment names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Authority {
    /// The tenant id or a verified domain.
    Tenant,
    /// `organizations` or `common`: resolved by the user who signs in.
    Multi,
}

fn authority(s: &Shared, segment: &str) -> Option<Authority> {
    let t = &s.index.tenant;
    if segment.eq_ignore_ascii_case(&t.tenant_id)
        || t.verified_domains()
            .iter()
            .any(|d| d.eq_ignore_ascii_case(segment))
    {
        Some(Authority::Tenant)
    } else if segment.eq_ignore_ascii_case("organizations")
        || segment.eq_ignore_ascii_case("common")
    {
        Some(Authority::Multi)
    } else {
        None
    }
}

/// An identity-platform error.
struct AadError {
    status: StatusCode,
    error: &'static str,
    code: u32,
    message: String,
}

fn fail(
    status: StatusCode,
    error: &'static str,
    code: u32,
    message: impl Into<String>,
) -> AadError {
    AadError {
        status,
        error,
        code,
        message: message.into(),
    }
}

fn missing(name: &str) -> AadError {
    fail(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        900_144,
        format!("The request body must contain the following parameter: '{name}'."),
    )
}

fn no_store(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

impl AadError {
    fn into_response(self, s: &Shared) -> Response {
        let (trace, correlation) = (s.guid(), s.guid());
        let ts = format_rfc3339(now_ms()).replace('T', " ");
        let description = format!(
            "AADSTS{}: {} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {ts}",
            self.code, self.message
        );
        no_store(json_response(
            self.status,
            &json!({
                "error": self.error,
                "error_description": description,
                "error_codes": [self.code],
                "timestamp": ts,
                "trace_id": trace,
                "correlation_id": correlation,
                "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.code),
            }),
        ))
    }
}

/// The identity platform's answer to a failing path or server error.
pub(crate) fn failure(s: &Shared, status: StatusCode) -> Response {
    let (error, code, message) = if status.is_server_error() {
        (
            "temporarily_unavailable",
            90_033,
            "A transient error has occurred. Please try again.",
        )
    } else if status == StatusCode::UNAUTHORIZED {
        (
            "invalid_client",
            7_000_215,
            "Invalid client secret provided.",
        )
    } else {
        ("invalid_request", 90_014, "The request is not valid.")
    };
    fail(status, error, code, message).into_response(s)
}

/// `client_id` and `client_secret`, from HTTP Basic or the form.
fn client(headers: &HeaderMap, f: &Params) -> (Option<String>, Option<String>) {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then_some(rest)
        })
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|raw| String::from_utf8(raw).ok());
    if let Some(pair) = basic {
        let decode = |s: &str| -> String {
            form_urlencoded::parse(format!("v={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        if let Some((id, secret)) = pair.split_once(':') {
            return (Some(decode(id)), Some(decode(secret)));
        }
    }
    (
        param(f, "client_id").map(str::to_owned),
        param(f, "client_secret").map(str::to_owned),
    )
}

fn check_client(auth: &AuthState, id: Option<&str>, tenant: &str) -> Result<(), AadError> {
    let id = id
        .filter(|i| !i.is_empty())
        .ok_or_else(|| missing("client_id"))?;
    if id != auth.client_id {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700_016,
            format!(
                "Application with identifier '{id}' was not found in the directory '{tenant}'. \
                 This can happen if the application has not been installed by the administrator \
                 of the tenant or consented to by any user in the tenant."
            ),
        ));
    }
    Ok(())
}

fn wrong_secret(client_id: &str) -> AadError {
    fail(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        7_000_215,
        format!(
            "Invalid client secret provided. Ensure the secret being sent in the request is the \
             client secret value, not the client secret ID, for a secret added to app '{client_id}'."
        ),
    )
}

fn subject(s: &Shared, user: usize) -> Subject<'_> {
    let t = &s.index.tenant;
    let u = &t.users[user];
    Subject {
        tenant_id: &t.tenant_id,
        user_id: &u.id,
        upn: &u.user_principal_name,
        name: &u.display_name,
    }
}

type Fields = Map<String, Value>;

fn client_credentials(
    s: &Shared,
    auth: &mut AuthState,
    f: &Params,
    who: (Option<String>, Option<String>),
    authority: Authority,
    tenant: &str,
) -> Result<Fields, AadError> {
    if authority == Authority::Multi {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            50_059,
            "No tenant-identifying information found in either the request or implied by any \
             provided credentials.",
        ));
    }
    check_client(auth, who.0.as_deref(), tenant)?;
    match who.1.as_deref() {
        None | Some("") => {
            return Err(fail(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7_000_218,
                "The request body must contain the following parameter: 'client_assertion' or \
                 'client_secret'.",
            ))
        }
        Some(secret) if secret != auth.client_secret => return Err(wrong_secret(&auth.client_id)),
        Some(_) => {}
    }
    let scope = param(f, "scope").ok_or_else(|| missing("scope"))?;
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    if scopes.len() != 1 || !scopes[0].ends_with("/.default") {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1_002_012,
            format!(
                "The provided value for scope {scope} is not valid. Client credential flows must \
                 have a scope value with /.default suffixed to the resource identifier \
                 (application ID URI)."
            ),
        ));
    }
    if !GRAPH_DEFAULT
        .iter()
        .any(|d| d.eq_ignore_ascii_case(scopes[0]))
    {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "invalid_resource",
            500_011,
            format!(
                "The resource principal named {} was not found in the tenant named {tenant}.",
                scopes[0].trim_end_matches("/.default")
            ),
        ));
    }
    let caller = Caller {
        principal: Principal::App,
        permissions: auth.app_roles.clone().into(),
    };
    let (token, lifetime) = auth.issue(caller, &subject(s, 0));
    let mut m = Map::new();
    m.insert("token_type".into(), Value::from("Bearer"));
    m.insert("expires_in".into(), Value::from(lifetime));
    m.insert("ext_expires_in".into(), Value::from(lifetime));
    m.insert("access_token".into(), Value::from(token));
    Ok(m)
}

/// Access, refresh (and ID) tokens for `user`.
fn user_tokens(
    s: &Shared,
    auth: &mut AuthState,
    client_id: &str,
    user: usize,
    openid: bool,
) -> Fields {
    let scopes = auth.delegated_scopes.clone();
    let caller = Caller {
        principal: Principal::Delegated(user),
        permissions: scopes.clone().into(),
    };
    let (token, lifetime) = auth.issue(caller, &subject(s, user));
    let refresh = auth.new_refresh(client_id, user);
    let mut m = Map::new();
    m.insert("token_type".into(), Value::from("Bearer"));
    m.insert("scope".into(), Value::from(scopes.join(" ")));
    m.insert("expires_in".into(), Value::from(lifetime));
    m.insert("ext_expires_in".into(), Value::from(lifetime));
    m.insert("access_token".into(), Value::from(token));
    m.insert("refresh_token".into(), Value::from(refresh));
    if openid {
        m.insert(
            "id_token".into(),
            Value::from(auth.id_token(&subject(s, user))),
        );
    }
    m
}

fn secret_if_given(auth: &AuthState, secret: Option<&str>) -> Result<(), AadError> {
    match secret {
        Some(x) if !x.is_empty() && x != auth.client_secret => Err(wrong_secret(&auth.client_id)),
        _ => Ok(()),
    }
}

fn authorization_code(
    s: &Shared,
    auth: &mut AuthState,
    f: &Params,
    who: (Option<String>, Option<String>),
    tenant: &str,
) -> Result<Fields, AadError> {
    check_client(auth, who.0.as_deref(), tenant)?;
    secret_if_given(auth, who.1.as_deref())?;
    let code = param(f, "code").ok_or_else(|| missing("code"))?;
    let redirect_uri = param(f, "redirect_uri").ok_or_else(|| missing("redirect_uri"))?;
    // A code is single-use: taken out whatever the outcome.
    let Some(grant) = auth.codes.remove(code) else {
        return Err(if auth.redeemed.contains(code) {
            fail(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                54_005,
                "OAuth2 Authorization code was already redeemed, please retry with a new valid \
                 code or use an existing refresh token.",
            )
        } else {
            fail(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                9_002_313,
                "Invalid request. Request is malformed or invalid.",
            )
        });
    };
    auth.redeemed.insert(code.to_owned());
    if Instant::now() >= grant.expires_at {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70_008,
            "The provided authorization code or refresh token has expired due to inactivity. \
             Send a new interactive authorization request for this user and resource.",
        ));
    }
    if who.0.as_deref() != Some(grant.client_id.as_str()) {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70_000,
            "Provided grant is invalid or malformed.",
        ));
    }
    if redirect_uri != grant.redirect_uri {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            500_112,
            "The reply address does not match the reply address provided when requesting the \
             authorization code.",
        ));
    }
    match param(f, "code_verifier") {
        Some(v) if s256(v) == grant.challenge => {}
        _ => {
            return Err(fail(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                501_481,
                "The Code_Verifier does not match the code_challenge supplied in the \
                 authorization request.",
            ))
        }
    }
    Ok(user_tokens(
        s,
        auth,
        &grant.client_id,
        grant.user,
        grant.openid,
    ))
}

fn refresh_grant(
    s: &Shared,
    auth: &mut AuthState,
    f: &Params,
    who: (Option<String>, Option<String>),
    tenant: &str,
) -> Result<Fields, AadError> {
    check_client(auth, who.0.as_deref(), tenant)?;
    secret_if_given(auth, who.1.as_deref())?;
    let token = param(f, "refresh_token").ok_or_else(|| missing("refresh_token"))?;
    let Some(grant) = auth.refresh.remove(token) else {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70_008,
            "The provided authorization code or refresh token has expired due to inactivity. \
             Send a new interactive authorization request for this user and resource.",
        ));
    };
    if who.0.as_deref() != Some(grant.client_id.as_str()) {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70_000,
            "Provided grant is invalid or malformed.",
        ));
    }
    let openid = param(f, "scope").is_some_and(|sc| sc.split_whitespace().any(|x| x == "openid"));
    Ok(user_tokens(s, auth, &grant.client_id, grant.user, openid))
}

/// `POST /{tenant}/oauth2/v2.0/token`.
pub(crate) async fn token(
    State(s): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f = form(&headers, None, &body);
    let Some(authority) = authority(&s, &tenant) else {
        return fail(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90_002,
            format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID \
                 and are signing into the correct cloud."
            ),
        )
        .into_response(&s);
    };
    let who = client(&headers, &f);
    let mut auth = s.auth();
    let result = match param(&f, "grant_type") {
        None => Err(missing("grant_type")),
        Some("client_credentials") => {
            client_credentials(&s, &mut auth, &f, who, authority, &tenant)
        }
        Some("authorization_code") => authorization_code(&s, &mut auth, &f, who, &tenant),
        Some("refresh_token") => refresh_grant(&s, &mut auth, &f, who, &tenant),
        Some(other) => Err(fail(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70_003,
            format!("The app requested an unsupported grant type '{other}'."),
        )),
    };
    drop(auth);
    match result {
        Ok(fields) => no_store(json_response(StatusCode::OK, &Value::Object(fields))),
        Err(e) => e.into_response(&s),
    }
}

/// Whether `uri` is an RFC 8252 loopback redirect: `http://127.0.0.1[:port][/…]` or
/// `http://localhost[:port][/…]`.
pub(crate) fn loopback(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        Some(_) => return false,
        None => authority,
    };
    host == "127.0.0.1" || host.eq_ignore_ascii_case("localhost")
}

fn page(status: StatusCode, code: u32, message: &str) -> Response {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    html(
        status,
        format!(
            "<!doctype html><title>Sign in to your account</title>\
             <h1>Sorry, but we're having trouble signing you in.</h1>\
             <p>AADSTS{code}: {escaped}</p>"
        ),
    )
}

/// `GET /{tenant}/oauth2/v2.0/authorize`: the administrator signs in as `users[0]` and
/// accepts the consent prompt at once (unless consent is turned off): 302 to
/// `redirect_uri?code=…&state=…&session_state=…`.
pub(crate) async fn authorize(
    State(s): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let p = params(q.as_deref());
    if authority(&s, &tenant).is_none() {
        return page(
            StatusCode::BAD_REQUEST,
            90_002,
            &format!("Tenant '{tenant}' not found."),
        );
    }
    let mut auth = s.auth();
    let client_id = param(&p, "client_id").unwrap_or_default();
    if client_id != auth.client_id {
        return page(
            StatusCode::BAD_REQUEST,
            700_016,
            &format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'."),
        );
    }
    let redirect_uri = param(&p, "redirect_uri").unwrap_or_default();
    if !loopback(redirect_uri) {
        return page(
            StatusCode::BAD_REQUEST,
            50_011,
            &format!(
                "The redirect URI '{redirect_uri}' specified in the request does not match the \
                 redirect URIs configured for the application '{client_id}'."
            ),
        );
    }
    let state = param(&p, "state").unwrap_or("");
    let refuse = |error: &str, description: &str| {
        redirect(&with_query(
            redirect_uri,
            &[
                ("error", error),
                ("error_description", description),
                ("state", state),
            ],
        ))
    };
    if param(&p, "response_type") != Some("code") {
        return refuse(
            "unsupported_response_type",
            "AADSTS700054: response_type must be 'code' for this application.",
        );
    }
    let Some(scope) = param(&p, "scope").filter(|x| !x.trim().is_empty()) else {
        return refuse(
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'scope'.",
        );
    };
    let Some(challenge) = param(&p, "code_challenge").filter(|c| !c.is_empty()) else {
        return refuse(
            "invalid_request",
            "AADSTS9002325: Proof Key for Code Exchange is required for cross-origin \
             authorization code redemption.",
        );
    };
    if param(&p, "code_challenge_method") != Some("S256") {
        return refuse(
            "invalid_request",
            "AADSTS501491: The code_challenge_method must be 'S256'.",
        );
    }
    if !auth.consent {
        return redirect(&with_query(
            redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_subcode", "cancel"),
                (
                    "error_description",
                    "AADSTS65004: User declined to consent to access the app.",
                ),
                ("state", state),
            ],
        ));
    }
    let code = auth.new_code(AuthCode {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        challenge: challenge.to_owned(),
        user: 0,
        openid: scope.split_whitespace().any(|x| x == "openid"),
        expires_at: Instant::now() + AuthState::code_lifetime(),
    });
    let session = auth.guid();
    drop(auth);
    redirect(&with_query(
        redirect_uri,
        &[
            ("code", &code),
            ("state", state),
            ("session_state", &session),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::loopback;

    #[test]
    fn accepts_loopback_redirects_only() {
        assert!(loopback("http://127.0.0.1:53682/callback"));
        assert!(loopback("http://localhost:8400/"));
        assert!(loopback("http://localhost"));
        assert!(!loopback("https://127.0.0.1:8400/"));
        assert!(!loopback("http://127.0.0.1.evil.com/"));
        assert!(!loopback("http://example.com:8400/"));
        assert!(!loopback("http://127.0.0.1:x/"));
    }
}
