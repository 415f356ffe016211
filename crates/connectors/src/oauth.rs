//! OAuth 2.0 with the `oauth2` crate over the connectors' own HTTP client: the authorization
//! code flow with PKCE (S256) and `state` through the system browser and a loopback redirect on
//! `127.0.0.1` with a random port (RFC 8252), the device flow (RFC 8628), client credentials,
//! and refresh with rotation. Tokens leave this module only as [`Tokens`], which the engine
//! keeps in the OS keychain.

use std::time::{SystemTime, UNIX_EPOCH};

use std::time::Duration;

use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    DeviceAuthorizationUrl, HttpRequest, HttpResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RefreshToken, RequestTokenError, Scope, StandardDeviceAuthorizationResponse,
    TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::{Error, Result};

/// Where a vendor's OAuth endpoints are, and the app registered there.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Endpoints {
    pub client_id: String,
    /// Only for confidential clients (client credentials, GitHub OAuth apps); never stored
    /// with the endpoints (the engine keeps it in the keychain).
    #[serde(skip)]
    pub client_secret: Option<String>,
    pub auth_url: String,
    pub token_url: String,
    pub device_url: Option<String>,
}

impl std::fmt::Debug for Endpoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoints")
            .field("client_id", &self.client_id)
            .field("token_url", &self.token_url)
            .finish_non_exhaustive()
    }
}

/// An access token with what renews it.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// When the access token expires (ms since the epoch).
    #[serde(default)]
    pub expires_at_ms: Option<i64>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("refreshable", &self.refresh_token.is_some())
            .field("expires_at_ms", &self.expires_at_ms)
            .finish_non_exhaustive()
    }
}

impl Tokens {
    /// Whether the access token expires within a minute.
    pub fn expiring(&self, now_ms: i64) -> bool {
        self.expires_at_ms.is_some_and(|at| at - 60_000 <= now_ms)
    }
}

/// What the analyst must do to approve a device flow.
#[derive(Debug, Clone)]
pub struct DeviceStart {
    pub user_code: String,
    pub verification_uri: String,
    pub expires_in_s: u64,
    /// Passed back to [`device_finish`].
    pub details: StandardDeviceAuthorizationResponse,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

/// The `oauth2` crate's HTTP interface over our configured `reqwest` client. A named type
/// (not a closure) keeps the futures `Send`, so scans can run on any worker.
struct Client<'a>(&'a reqwest::Client);

impl<'c> oauth2::AsyncHttpClient<'c> for Client<'_> {
    type Error = HttpError;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>,
    >;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(send(self.0, request))
    }
}

async fn send(client: &reqwest::Client, request: HttpRequest) -> Result<HttpResponse, HttpError> {
    let (parts, body) = request.into_parts();
    let resp = client
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        // Without the URL: a token request's query may carry a code.
        .map_err(|e| HttpError(e.without_url().to_string()))?;
    let mut status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| HttpError(e.without_url().to_string()))?;
    // GitHub answers token-endpoint errors (`authorization_pending`, `slow_down`,
    // `bad_refresh_token` …) with 200; RFC 6749 §5.2 says 400, which is what the `oauth2`
    // crate expects to read them as errors (and to keep polling on `authorization_pending`).
    if status == reqwest::StatusCode::OK {
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        if v.get("error").is_some()
            && v.get("access_token").is_none()
            && v.get("device_code").is_none()
        {
            status = reqwest::StatusCode::BAD_REQUEST;
        }
    }
    let mut out = http::Response::builder().status(status);
    for (k, v) in &headers {
        out = out.header(k, v);
    }
    out.body(bytes.to_vec())
        .map_err(|e| HttpError(e.to_string()))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn url_err(e: impl std::fmt::Display) -> Error {
    Error::Config(format!("OAuth endpoint: {e}"))
}

/// An endpoint a code, client secret or refresh token may be sent to: `https`, or `http` to a
/// loopback test server. Checked each time, so a token URL stored with an instance and
/// rewritten in the database never receives a secret in clear or on another scheme.
fn endpoint(url: &str, what: &str) -> Result<String> {
    let parsed = url::Url::parse(url).map_err(url_err)?;
    crate::paging::check_endpoint(&parsed, what)?;
    Ok(url.to_owned())
}

fn tokens_of(t: &impl TokenResponse) -> Tokens {
    Tokens {
        access_token: t.access_token().secret().clone(),
        refresh_token: t.refresh_token().map(|r| r.secret().clone()),
        expires_at_ms: t
            .expires_in()
            .map(|d| now_ms() + i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2)),
    }
}

/// A token error as the analyst should read it. A refused refresh token (`invalid_grant`,
/// GitHub's `bad_refresh_token` sent with status 200) means reconnecting.
fn token_error<RE: std::error::Error + 'static, ER: oauth2::ErrorResponse>(
    e: RequestTokenError<RE, ER>,
) -> Error {
    match e {
        RequestTokenError::ServerResponse(r) => {
            let text = r.to_string();
            if text.contains("invalid_grant") {
                Error::Unauthorized("the refresh token was revoked or has expired".into())
            } else {
                Error::Unauthorized(text)
            }
        }
        RequestTokenError::Parse(_, body) => {
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            match v.get("error").and_then(|e| e.as_str()) {
                Some("bad_refresh_token" | "invalid_grant") => {
                    Error::Unauthorized("the refresh token was revoked or has expired".into())
                }
                Some(other) => Error::Unauthorized(format!(
                    "{other}: {}",
                    v.get("error_description")
                        .and_then(|d| d.as_str())
                        .unwrap_or_default()
                )),
                None => Error::Decode {
                    url: "token endpoint".into(),
                    message: "not a token response".into(),
                },
            }
        }
        RequestTokenError::Request(e) => Error::Network {
            url: "token endpoint".into(),
            message: e.to_string(),
        },
        RequestTokenError::Other(m) => Error::Decode {
            url: "token endpoint".into(),
            message: m,
        },
    }
}

/// Starts a device flow: show `user_code` and `verification_uri` to the analyst.
pub async fn device_start(
    http: &reqwest::Client,
    ep: &Endpoints,
    scopes: &[&str],
) -> Result<DeviceStart> {
    let device_url = ep
        .device_url
        .as_deref()
        .ok_or_else(|| Error::Config("this vendor has no device flow".into()))?;
    let client = BasicClient::new(ClientId::new(ep.client_id.clone()))
        .set_auth_uri(AuthUrl::new(endpoint(&ep.auth_url, "authorization URL")?).map_err(url_err)?)
        .set_token_uri(TokenUrl::new(endpoint(&ep.token_url, "token URL")?).map_err(url_err)?)
        .set_device_authorization_url(
            DeviceAuthorizationUrl::new(endpoint(device_url, "device authorization URL")?)
                .map_err(url_err)?,
        );
    let http_client = Client(http);
    let details: StandardDeviceAuthorizationResponse = client
        .exchange_device_code()
        .add_scopes(scopes.iter().map(|s| Scope::new((*s).to_owned())))
        .request_async(&http_client)
        .await
        .map_err(|e| match e {
            RequestTokenError::ServerResponse(r) => {
                Error::Config(format!("the device flow was refused: {}", r.error()))
            }
            other => Error::Network {
                url: device_url.to_owned(),
                message: other.to_string(),
            },
        })?;
    Ok(DeviceStart {
        user_code: details.user_code().secret().clone(),
        verification_uri: details.verification_uri().to_string(),
        expires_in_s: details.expires_in().as_secs(),
        details,
    })
}

/// Polls until the analyst approves (or denies, or the code expires) and returns the tokens.
pub async fn device_finish(
    http: &reqwest::Client,
    ep: &Endpoints,
    start: &DeviceStart,
) -> Result<Tokens> {
    let client = BasicClient::new(ClientId::new(ep.client_id.clone()))
        .set_token_uri(TokenUrl::new(endpoint(&ep.token_url, "token URL")?).map_err(url_err)?);
    let http_client = Client(http);
    let token = client
        .exchange_device_access_token(&start.details)
        .request_async(&http_client, tokio::time::sleep, None)
        .await
        .map_err(token_error)?;
    Ok(tokens_of(&token))
}

/// A new access token for `refresh_token`; the vendor may rotate the refresh token too.
pub async fn refresh(
    http: &reqwest::Client,
    ep: &Endpoints,
    refresh_token: &str,
) -> Result<Tokens> {
    let client = BasicClient::new(ClientId::new(ep.client_id.clone()))
        .set_token_uri(TokenUrl::new(endpoint(&ep.token_url, "token URL")?).map_err(url_err)?);
    let client = with_secret(client, ep);
    let http_client = Client(http);
    let token = client
        .exchange_refresh_token(&RefreshToken::new(refresh_token.to_owned()))
        .request_async(&http_client)
        .await
        .map_err(token_error)?;
    let mut tokens = tokens_of(&token);
    if tokens.refresh_token.is_none() {
        // No rotation: the old refresh token stays valid.
        tokens.refresh_token = Some(refresh_token.to_owned());
    }
    Ok(tokens)
}

/// Sends the client secret (if any) in the request body, which every vendor we talk to accepts
/// (Microsoft's identity platform and GitHub both document it).
fn with_secret<A, B, C, D, E>(
    client: oauth2::basic::BasicClient<A, B, C, D, E>,
    ep: &Endpoints,
) -> oauth2::basic::BasicClient<A, B, C, D, E>
where
    A: oauth2::EndpointState,
    B: oauth2::EndpointState,
    C: oauth2::EndpointState,
    D: oauth2::EndpointState,
    E: oauth2::EndpointState,
{
    let client = client.set_auth_type(AuthType::RequestBody);
    match ep.client_secret.as_deref().filter(|s| !s.is_empty()) {
        Some(secret) => client.set_client_secret(ClientSecret::new(secret.to_owned())),
        None => client,
    }
}

/// Tokens of an admin-consented app registration (OAuth client credentials): no user, no
/// refresh token; a new access token is requested the same way when it expires.
pub async fn client_credentials(
    http: &reqwest::Client,
    ep: &Endpoints,
    scopes: &[&str],
) -> Result<Tokens> {
    if ep.client_secret.as_deref().is_none_or(str::is_empty) {
        return Err(Error::Config(
            "client credentials need the client secret".into(),
        ));
    }
    let client = BasicClient::new(ClientId::new(ep.client_id.clone()))
        .set_token_uri(TokenUrl::new(endpoint(&ep.token_url, "token URL")?).map_err(url_err)?);
    let client = with_secret(client, ep);
    let http_client = Client(http);
    let token = client
        .exchange_client_credentials()
        .add_scopes(scopes.iter().map(|s| Scope::new((*s).to_owned())))
        .request_async(&http_client)
        .await
        .map_err(token_error)?;
    Ok(tokens_of(&token))
}

/// An authorization-code flow under way: the URL to open in the system browser, and the
/// loopback listener that receives the browser's redirect (RFC 8252 §7.3: `127.0.0.1`, a port
/// chosen by the OS, any path).
pub struct AuthorizationFlow {
    /// Open this in the system browser.
    pub authorize_url: String,
    pub redirect_uri: String,
    listener: TcpListener,
    state: CsrfToken,
    verifier: PkceCodeVerifier,
}

impl std::fmt::Debug for AuthorizationFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationFlow")
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// The path of the loopback redirect.
const CALLBACK_PATH: &str = "/oauth/callback";

/// Starts an authorization-code flow with PKCE (S256) and a random `state`: binds the
/// loopback listener and builds the authorization URL. `extra` adds vendor parameters (e.g.
/// Microsoft's `prompt=select_account`).
pub async fn authorize_start(
    ep: &Endpoints,
    scopes: &[&str],
    extra: &[(&str, &str)],
) -> Result<AuthorizationFlow> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| Error::Config(format!("cannot listen on 127.0.0.1 for the redirect: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::Config(format!("loopback listener: {e}")))?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}{CALLBACK_PATH}");
    let client = BasicClient::new(ClientId::new(ep.client_id.clone()))
        .set_auth_uri(AuthUrl::new(endpoint(&ep.auth_url, "authorization URL")?).map_err(url_err)?)
        .set_redirect_uri(RedirectUrl::new(redirect_uri.clone()).map_err(url_err)?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(scopes.iter().map(|s| Scope::new((*s).to_owned())))
        .set_pkce_challenge(challenge);
    for (k, v) in extra {
        request = request.add_extra_param(*k, *v);
    }
    let (url, state) = request.url();
    Ok(AuthorizationFlow {
        authorize_url: url.to_string(),
        redirect_uri,
        listener,
        state,
        verifier,
    })
}

/// What the browser is shown after the redirect.
fn callback_page(ok: bool, message: &str) -> String {
    let title = if ok {
        "Cloudwarden is connected"
    } else {
        "Cloudwarden could not connect"
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{message}</p>\
         <p>You can close this window and return to Cloudwarden.</p></body></html>"
    );
    let status = if ok { "200 OK" } else { "400 Bad Request" };
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// The query of the request line `GET /oauth/callback?… HTTP/1.1`, if it is the callback.
fn callback_query(head: &str) -> Option<Vec<(String, String)>> {
    let line = head.lines().next()?;
    let mut parts = line.split_whitespace();
    if parts.next()? != "GET" {
        return None;
    }
    let target = url::Url::parse(&format!("http://127.0.0.1{}", parts.next()?)).ok()?;
    (target.path() == CALLBACK_PATH).then(|| target.query_pairs().into_owned().collect())
}

/// Waits (up to `timeout`) for the browser's redirect, checks `state`, answers the browser
/// with a page to close, and exchanges the code (with the PKCE verifier) for tokens. Requests
/// for other paths (a browser's `/favicon.ico`) get 404 and the wait goes on.
pub async fn authorize_finish(
    http: &reqwest::Client,
    ep: &Endpoints,
    flow: AuthorizationFlow,
    timeout: Duration,
) -> Result<Tokens> {
    let AuthorizationFlow {
        redirect_uri,
        listener,
        state,
        verifier,
        ..
    } = flow;
    // Connections are served side by side, each with its own deadline: a client that
    // trickles one byte every few seconds (or never speaks) cannot hold the browser's real
    // redirect behind it.
    let wait = async {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let (stream, _) = accepted
                        .map_err(|e| Error::Config(format!("loopback listener: {e}")))?;
                    if connections.len() >= MAX_CONNECTIONS {
                        continue; // dropped: closes the socket
                    }
                    let state = state.secret().clone();
                    connections.spawn(async move {
                        tokio::time::timeout(CONNECTION_DEADLINE, serve(stream, &state))
                            .await
                            .ok()
                            .flatten()
                    });
                }
                Some(done) = connections.join_next(), if !connections.is_empty() => {
                    if let Ok(Some(outcome)) = done {
                        return outcome;
                    }
                }
            }
        }
    };
    let code = tokio::time::timeout(timeout, wait).await.map_err(|_| {
        Error::Unauthorized("the sign-in in the browser did not complete in time".into())
    })??;
    let client = BasicClient::new(ClientId::new(ep.client_id.clone()))
        .set_token_uri(TokenUrl::new(endpoint(&ep.token_url, "token URL")?).map_err(url_err)?)
        .set_redirect_uri(RedirectUrl::new(redirect_uri).map_err(url_err)?);
    let client = with_secret(client, ep);
    let http_client = Client(http);
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&http_client)
        .await
        .map_err(token_error)?;
    Ok(tokens_of(&token))
}

/// Connections to the loopback listener served at once; more are closed.
const MAX_CONNECTIONS: usize = 32;
/// How long one connection may take to send its request head, in all.
const CONNECTION_DEADLINE: Duration = Duration::from_secs(5);

/// Serves one connection to the loopback listener: `Some` with the sign-in's outcome when it
/// is this flow's redirect; `None` (after a 404 or a refusal page) when it is not.
async fn serve(mut stream: tokio::net::TcpStream, state: &str) -> Option<Result<String>> {
    let mut buf = vec![0u8; 8192];
    let mut len = 0;
    // The request head only; a redirect carries no body.
    while len < buf.len() {
        match stream.read(&mut buf[len..]).await {
            Ok(0) | Err(_) => break,
            Ok(n) => len += n,
        }
        if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    let head = String::from_utf8_lossy(&buf[..len]).into_owned();
    let Some(query) = callback_query(&head) else {
        let _ = stream
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await;
        return None;
    };
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if get("state").as_deref() != Some(state) {
        // Not this sign-in's redirect (a stale tab, another program): refused, and the real
        // redirect is still awaited.
        let page = callback_page(
            false,
            "This page does not belong to the sign-in Cloudwarden is waiting for.",
        );
        let _ = stream.write_all(page.as_bytes()).await;
        let _ = stream.shutdown().await;
        return None;
    }
    let outcome = if let Some(err) = get("error") {
        Err(Error::Unauthorized(match get("error_description") {
            Some(d) => format!("{err}: {d}"),
            None => err,
        }))
    } else {
        get("code")
            .ok_or_else(|| Error::Unauthorized("the redirect carried no authorization code".into()))
    };
    let page = match &outcome {
        Ok(_) => callback_page(true, "The authorization was received."),
        Err(e) => callback_page(false, &html_escape(&e.to_string())),
    };
    let _ = stream.write_all(page.as_bytes()).await;
    let _ = stream.shutdown().await;
    Some(outcome)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn reads_the_callback_request_line() {
        let q =
            callback_query("GET /oauth/callback?code=abc&state=x%20y HTTP/1.1\r\nHost: a\r\n\r\n")
                .unwrap();
        assert_eq!(
            q,
            vec![
                ("code".into(), "abc".into()),
                ("state".into(), "x y".into())
            ]
        );
        assert!(callback_query("GET /favicon.ico HTTP/1.1\r\n\r\n").is_none());
        assert!(callback_query("POST /oauth/callback HTTP/1.1\r\n\r\n").is_none());
        assert!(callback_query("").is_none());
    }

    #[tokio::test]
    async fn authorization_url_has_pkce_state_and_a_loopback_redirect() {
        let ep = Endpoints {
            client_id: "cid".into(),
            client_secret: None,
            auth_url: "https://login.example/authorize".into(),
            token_url: "https://login.example/token".into(),
            device_url: None,
        };
        let flow = authorize_start(&ep, &["User.Read.All"], &[("prompt", "select_account")])
            .await
            .unwrap();
        let url = url::Url::parse(&flow.authorize_url).unwrap();
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["code_challenge"].len(), 43);
        assert_eq!(q["state"], *flow.state.secret());
        assert_eq!(q["prompt"], "select_account");
        assert!(q["redirect_uri"].starts_with("http://127.0.0.1:"));
        assert_eq!(q["redirect_uri"], flow.redirect_uri);
    }

    #[tokio::test]
    async fn a_client_trickling_bytes_cannot_stall_the_real_redirect() {
        let ep = Endpoints {
            client_id: "cid".into(),
            client_secret: None,
            auth_url: "https://login.example/authorize".into(),
            token_url: "http://127.0.0.1:9/token".into(),
            device_url: None,
        };
        let flow = authorize_start(&ep, &[], &[]).await.unwrap();
        let addr = flow
            .redirect_uri
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let state = flow.state.secret().clone();
        // Three clients send one byte every 2 s, forever; the browser comes 1 s later.
        let mut stallers = Vec::new();
        for _ in 0..3 {
            let addr = addr.clone();
            stallers.push(tokio::spawn(async move {
                let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
                for b in b"GET /oauth/callback?state=x".iter().cycle() {
                    if s.write_all(&[*b]).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }));
        }
        let browser = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
            let path = format!("/oauth/callback?error=access_denied&state={state}");
            s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
                .await
                .unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).await.unwrap();
            out
        });
        let http = crate::http::Http::new(tokio_util::sync::CancellationToken::new()).unwrap();
        // Served while the stalling clients still trickle (before, the first one held the
        // listener until the whole wait timed out: "did not complete in time").
        let err = authorize_finish(http.token_client(), &ep, flow, Duration::from_secs(30))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("access_denied"), "{err}");
        assert!(browser.await.unwrap().contains("could not connect"));
        for s in stallers {
            s.abort();
        }
    }

    #[tokio::test]
    async fn a_wrong_state_is_refused_and_the_real_redirect_still_awaited() {
        let ep = Endpoints {
            client_id: "cid".into(),
            client_secret: None,
            auth_url: "https://login.example/authorize".into(),
            token_url: "http://127.0.0.1:9/token".into(),
            device_url: None,
        };
        let flow = authorize_start(&ep, &[], &[]).await.unwrap();
        let redirect = flow.redirect_uri.clone();
        let state = flow.state.secret().clone();
        let browser = tokio::spawn(async move {
            let addr = redirect
                .trim_start_matches("http://")
                .split('/')
                .next()
                .unwrap()
                .to_owned();
            // A silent connection, a favicon request, a forged state, then the real redirect
            // (the user denied consent).
            let idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
            let mut pages = Vec::new();
            for path in [
                "/favicon.ico".to_owned(),
                "/oauth/callback?code=c&state=forged".to_owned(),
                format!("/oauth/callback?error=access_denied&state={state}"),
            ] {
                let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
                s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
                    .await
                    .unwrap();
                let mut out = String::new();
                s.read_to_string(&mut out).await.unwrap();
                pages.push(out);
            }
            drop(idle);
            pages
        });
        let http = crate::http::Http::new(tokio_util::sync::CancellationToken::new()).unwrap();
        let err = authorize_finish(http.token_client(), &ep, flow, Duration::from_secs(60))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("access_denied"), "{err}");
        let pages = browser.await.unwrap();
        assert!(pages[0].starts_with("HTTP/1.1 404"), "{}", pages[0]);
        assert!(pages[1].contains("does not belong"), "{}", pages[1]);
        assert!(pages[2].contains("could not connect"), "{}", pages[2]);
    }
}
