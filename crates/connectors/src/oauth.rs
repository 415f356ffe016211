//! OAuth 2.0 with the `oauth2` crate over the connectors' own HTTP client: the device flow
//! (RFC 8628), refresh with rotation, and client credentials. Tokens leave this module only as
//! [`Tokens`], which the engine keeps in the OS keychain.

use std::time::{SystemTime, UNIX_EPOCH};

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, ClientId, ClientSecret, DeviceAuthorizationUrl, HttpRequest, HttpResponse,
    RefreshToken, RequestTokenError, Scope, StandardDeviceAuthorizationResponse, TokenResponse,
    TokenUrl,
};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Where a vendor's OAuth endpoints are, and the app registered there.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Endpoints {
    pub client_id: String,
    /// Only for confidential clients (client credentials); never for the device flow.
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
        .map_err(|e| HttpError(e.to_string()))?;
    let mut status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.map_err(|e| HttpError(e.to_string()))?;
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
        .set_auth_uri(AuthUrl::new(ep.auth_url.clone()).map_err(url_err)?)
        .set_token_uri(TokenUrl::new(ep.token_url.clone()).map_err(url_err)?)
        .set_device_authorization_url(
            DeviceAuthorizationUrl::new(device_url.to_owned()).map_err(url_err)?,
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
        .set_token_uri(TokenUrl::new(ep.token_url.clone()).map_err(url_err)?);
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
    let mut client = BasicClient::new(ClientId::new(ep.client_id.clone()))
        .set_token_uri(TokenUrl::new(ep.token_url.clone()).map_err(url_err)?);
    if let Some(secret) = &ep.client_secret {
        client = client.set_client_secret(ClientSecret::new(secret.clone()));
    }
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
