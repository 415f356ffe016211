//! The one HTTP client of every connector: credentials injected per request, per-host rate
//! limits seeded from the vendors' documented limits, retries on 429/5xx/timeouts that honour
//! `Retry-After` (and GitHub's `X-RateLimit-Reset`) with jittered exponential backoff, a
//! cancellation token, and counters a scan reports as progress.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rand::Rng;
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::{Error, Result};

/// How a request proves who it is. Secrets stay in memory only for the request.
#[derive(Clone, Default)]
pub enum Auth {
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// `Authorization: Basic …`.
    Basic { user: String, password: String },
    /// A vendor-specific header, e.g. `X-Api-Key`.
    Header { name: String, value: String },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Auth::None => "Auth::None",
            Auth::Bearer(_) => "Auth::Bearer(..)",
            Auth::Basic { .. } => "Auth::Basic(..)",
            Auth::Header { .. } => "Auth::Header(..)",
        })
    }
}

/// What the client does on failures.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries of a 5xx, a timeout or a network error before giving up.
    pub max_retries: u32,
    /// First backoff; doubles per attempt with ±50 % jitter, capped at `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Longest total time a request may wait on rate limits (429, `Retry-After`) before failing:
    /// throttling delays a scan, it never drops data.
    pub max_throttle_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 6,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(60),
            max_throttle_wait: Duration::from_secs(30 * 60),
        }
    }
}

/// Counters of one client (one scan), read for progress.
#[derive(Debug, Default)]
pub struct Counters {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub throttles: AtomicU64,
    pub bytes: AtomicU64,
}

/// A snapshot of [`Counters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CounterSnapshot {
    pub requests: u64,
    pub retries: u64,
    pub throttles: u64,
    pub bytes: u64,
}

impl Counters {
    pub fn snapshot(&self) -> CounterSnapshot {
        CounterSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttles: self.throttles.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }
}

/// A token bucket per host: `rate` requests per second with bursts of `burst`.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
    rate: f64,
    burst: f64,
}

/// A JSON answer.
#[derive(Debug)]
pub struct Response {
    pub url: Url,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A successful answer's body as received, for readers that decode it themselves (large
/// pages whose items are kept as their own text).
#[derive(Debug)]
pub struct RawResponse {
    pub url: Url,
    pub status: u16,
    pub headers: HeaderMap,
    pub bytes: bytes::Bytes,
}

/// The configured client.
#[derive(Debug, Clone)]
pub struct Http {
    /// API requests: redirects are followed to the same origin only (the credential goes
    /// with them).
    client: reqwest::Client,
    /// OAuth token, device and refresh requests: redirects are never followed — a redirect
    /// would re-send the client secret or a code to wherever it points.
    token_client: reqwest::Client,
    policy: RetryPolicy,
    limits: Arc<Mutex<HashMap<String, Bucket>>>,
    /// Requests per second and burst per host; others get `default_rate`.
    host_rates: Arc<HashMap<String, (f64, f64)>>,
    default_rate: (f64, f64),
    counters: Arc<Counters>,
    cancel: CancellationToken,
    /// Sent with every request (a vendor's media type and API version, `Prefer`); they
    /// replace the defaults of the same name.
    headers: Arc<HeaderMap>,
    /// The one origin requests that carry a credential may go to: the instance's API
    /// ([`Http::only_to`]). A next-page link or stored cursor pointing elsewhere is refused
    /// before the token is sent.
    origin: Option<url::Origin>,
}

/// Documented sustained limits, as requests per second and burst, per host or per
/// `host path-class` (see [`buckets`]):
/// GitHub REST 5,000 requests/hour per token (≈ 1.4/s, bursts allowed), and on top of it
/// the audit log's own 1,750 queries/hour per user and IP ("Each audit log API endpoint has
/// a rate limit of 1,750 queries per hour", docs.github.com, using-the-audit-log-api-for-
/// your-enterprise); Microsoft Graph ≈ 2,000 requests / 20 s per app per tenant for
/// directory reads.
pub fn documented_rates() -> HashMap<String, (f64, f64)> {
    HashMap::from([
        ("api.github.com".to_owned(), (1.39, 100.0)),
        (
            format!("api.github.com {AUDIT_LOG}"),
            (1_750.0 / 3_600.0, 100.0),
        ),
        ("graph.microsoft.com".to_owned(), (100.0, 200.0)),
    ])
}

/// The path class of GitHub's audit-log endpoints (`/orgs/{org}/audit-log`,
/// `/enterprises/{e}/audit-log`).
const AUDIT_LOG: &str = "audit-log";

/// The token buckets a request to `url` draws from: its host's, and its path class's where
/// that has a limit of its own.
pub fn buckets(url: &Url) -> Vec<String> {
    let host = url.host_str().unwrap_or_default().to_owned();
    let mut out = vec![host.clone()];
    if url.path().split('/').any(|s| s == AUDIT_LOG) {
        out.push(format!("{host} {AUDIT_LOG}"));
    }
    out
}

impl Http {
    /// A client with the default retry policy and the documented per-host limits; hosts
    /// without a documented limit (test fakes, GitHub Enterprise Server) are not throttled
    /// on our side beyond `Retry-After`.
    pub fn new(cancel: CancellationToken) -> Result<Http> {
        Self::with_policy(RetryPolicy::default(), cancel)
    }

    pub fn with_policy(policy: RetryPolicy, cancel: CancellationToken) -> Result<Http> {
        // reqwest is built without a bundled crypto provider: use ring's, once per process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let builder = || {
            reqwest::Client::builder()
                .user_agent(concat!("Cloudwarden/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(Duration::from_secs(15))
                .timeout(Duration::from_secs(120))
        };
        let same_origin = reqwest::redirect::Policy::custom(|attempt| {
            let first = attempt.previous().first().map(Url::origin);
            if attempt.previous().len() > 5 {
                attempt.error("too many redirects")
            } else if first.is_some_and(|o| o == attempt.url().origin()) {
                attempt.follow()
            } else {
                attempt.stop()
            }
        });
        let client = builder()
            .redirect(same_origin)
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        // The oauth2 crate's documentation: the HTTP client must not follow redirects.
        let token_client = builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(Http {
            client,
            token_client,
            policy,
            limits: Arc::default(),
            host_rates: Arc::new(documented_rates()),
            default_rate: (f64::INFINITY, f64::INFINITY),
            counters: Arc::default(),
            cancel,
            headers: Arc::default(),
            origin: None,
        })
    }

    /// This client, sending credentials to `base`'s origin only.
    #[must_use]
    pub fn only_to(mut self, base: &Url) -> Http {
        self.origin = Some(base.origin());
        self
    }

    pub fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    pub fn cancel_token(&self) -> &CancellationToken {
        &self.cancel
    }

    /// The client for OAuth token requests (same TLS, timeouts, user agent; never follows a
    /// redirect).
    pub fn token_client(&self) -> &reqwest::Client {
        &self.token_client
    }

    /// A client that also sends `headers` with every request.
    pub fn with_headers(&self, headers: &[(&'static str, &str)]) -> Result<Http> {
        let mut map = (*self.headers).clone();
        for (name, value) in headers {
            map.insert(*name, header_value(value)?);
        }
        Ok(Http {
            headers: Arc::new(map),
            ..self.clone()
        })
    }

    async fn wait_for_slot(&self, url: &Url) -> Result<()> {
        for key in buckets(url) {
            self.wait_for_bucket(key).await?;
        }
        Ok(())
    }

    async fn wait_for_bucket(&self, host: String) -> Result<()> {
        let (rate, burst) = self
            .host_rates
            .get(&host)
            .copied()
            .unwrap_or(self.default_rate);
        if !rate.is_finite() {
            return Ok(());
        }
        loop {
            let wait = {
                let mut limits = self.limits.lock().await;
                let b = limits.entry(host.clone()).or_insert(Bucket {
                    tokens: burst,
                    last: Instant::now(),
                    rate,
                    burst,
                });
                let now = Instant::now();
                b.tokens =
                    (b.tokens + now.duration_since(b.last).as_secs_f64() * b.rate).min(b.burst);
                b.last = now;
                if b.tokens >= 1.0 {
                    b.tokens -= 1.0;
                    return Ok(());
                }
                Duration::from_secs_f64((1.0 - b.tokens) / b.rate)
            };
            self.sleep(wait).await?;
        }
    }

    async fn sleep(&self, d: Duration) -> Result<()> {
        tokio::select! {
            () = tokio::time::sleep(d) => Ok(()),
            () = self.cancel.cancelled() => Err(Error::Cancelled),
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.policy.base_backoff.as_secs_f64() * 2f64.powi(attempt.min(20) as i32);
        let jitter = rand::thread_rng().gen_range(0.5..1.5);
        Duration::from_secs_f64((base * jitter).min(self.policy.max_backoff.as_secs_f64()))
    }

    /// GETs `url` and decodes its JSON body, with retries.
    pub async fn get(&self, url: &Url, auth: &Auth) -> Result<Response> {
        self.request(Method::GET, url, auth, None).await
    }

    /// DELETEs `url` with retries (a DELETE is idempotent: a retried one that finds the
    /// thing gone answers 404, which the caller reads as done).
    pub async fn delete(&self, url: &Url, auth: &Auth) -> Result<Response> {
        self.request(Method::DELETE, url, auth, None).await
    }

    /// GETs `url` with retries; the body is left undecoded.
    pub async fn get_raw(&self, url: &Url, auth: &Auth) -> Result<RawResponse> {
        self.send(Method::GET, url, auth, None).await
    }

    /// Sends a request with retries and decodes the JSON answer. 401 → [`Error::Unauthorized`],
    /// 403 (not a rate limit) → [`Error::Forbidden`], 404 → [`Error::Status`] with 404 (a caller
    /// that knows what a 404 means there maps it).
    pub async fn request(
        &self,
        method: Method,
        url: &Url,
        auth: &Auth,
        body: Option<&Value>,
    ) -> Result<Response> {
        let raw = self.send(method, url, auth, body).await?;
        Ok(Response {
            status: raw.status,
            body: decode(&raw.bytes),
            url: raw.url,
            headers: raw.headers,
        })
    }

    /// [`Http::request`] without decoding a successful answer.
    async fn send(
        &self,
        method: Method,
        url: &Url,
        auth: &Auth,
        body: Option<&Value>,
    ) -> Result<RawResponse> {
        crate::paging::check_endpoint(url, "request URL")?;
        if let (Some(origin), false) = (&self.origin, matches!(auth, Auth::None)) {
            if url.origin() != *origin {
                return Err(Error::Config(format!(
                    "refused to send this instance's credential to {}: its API is {}",
                    url.origin().ascii_serialization(),
                    origin.ascii_serialization()
                )));
            }
        }
        let mut attempt = 0u32;
        let mut throttled = Duration::ZERO;
        loop {
            if self.cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            self.wait_for_slot(url).await?;
            let mut req = self
                .client
                .request(method.clone(), url.clone())
                .header(reqwest::header::ACCEPT, "application/json");
            if !self.headers.is_empty() {
                req = req.headers((*self.headers).clone());
            }
            req = match auth {
                Auth::None => req,
                Auth::Bearer(t) => req.bearer_auth(t),
                Auth::Basic { user, password } => req.basic_auth(user, Some(password)),
                Auth::Header { name, value } => req.header(name.as_str(), value.as_str()),
            };
            if let Some(b) = body {
                req = req.json(b);
            }
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let sent = tokio::select! {
                r = req.send() => r,
                () = self.cancel.cancelled() => return Err(Error::Cancelled),
            };
            let resp = match sent {
                Ok(r) => r,
                Err(e)
                    if attempt < self.policy.max_retries
                        && (e.is_timeout() || e.is_connect() || e.is_request()) =>
                {
                    attempt += 1;
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(%url, attempt, "network error, retrying: {e}");
                    self.sleep(self.backoff(attempt)).await?;
                    continue;
                }
                Err(e) => {
                    return Err(Error::Network {
                        url: redact(url),
                        // reqwest's Display appends the whole URL, query included.
                        message: e.without_url().to_string(),
                    });
                }
            };
            let status = resp.status();
            let headers = resp.headers().clone();
            if let Some(wait) = rate_limited(status, &headers) {
                self.counters.throttles.fetch_add(1, Ordering::Relaxed);
                let wait = wait.unwrap_or_else(|| self.backoff(attempt.max(1)));
                throttled += wait;
                if throttled > self.policy.max_throttle_wait {
                    return Err(Error::Status {
                        method: method.to_string(),
                        url: redact(url),
                        status: status.as_u16(),
                        message: format!(
                            "still rate limited after waiting {} s",
                            throttled.as_secs()
                        ),
                    });
                }
                tracing::debug!(%url, ?wait, "rate limited, waiting");
                self.sleep(wait).await?;
                continue;
            }
            let bytes = tokio::select! {
                b = resp.bytes() => b,
                () = self.cancel.cancelled() => return Err(Error::Cancelled),
            };
            let bytes = match bytes {
                Ok(b) => b,
                Err(e) if attempt < self.policy.max_retries => {
                    attempt += 1;
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(%url, attempt, "body read failed, retrying: {e}");
                    self.sleep(self.backoff(attempt)).await?;
                    continue;
                }
                Err(e) => {
                    return Err(Error::Network {
                        url: redact(url),
                        // reqwest's Display appends the whole URL, query included.
                        message: e.without_url().to_string(),
                    });
                }
            };
            self.counters
                .bytes
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            if status.is_server_error() && attempt < self.policy.max_retries {
                attempt += 1;
                self.counters.retries.fetch_add(1, Ordering::Relaxed);
                let wait = retry_after(&headers).unwrap_or_else(|| self.backoff(attempt));
                tracing::debug!(%url, %status, attempt, "server error, retrying");
                self.sleep(wait).await?;
                continue;
            }
            if status.is_success() {
                return Ok(RawResponse {
                    url: url.clone(),
                    status: status.as_u16(),
                    headers,
                    bytes,
                });
            }
            let body = decode(&bytes);
            let message = || {
                body.get("message")
                    .or_else(|| body.pointer("/error/message"))
                    .or_else(|| body.get("error_description"))
                    .and_then(Value::as_str)
                    .map_or_else(|| status.to_string(), str::to_owned)
            };
            return match status {
                StatusCode::UNAUTHORIZED => Err(Error::Unauthorized(message())),
                StatusCode::GONE => Err(Error::Gone {
                    url: redact(url),
                    code: body
                        .pointer("/error/code")
                        .and_then(Value::as_str)
                        .unwrap_or("gone")
                        .to_owned(),
                    location: headers
                        .get(reqwest::header::LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned),
                }),
                StatusCode::FORBIDDEN => {
                    Err(Error::Forbidden(format!("{} ({})", message(), redact(url))))
                }
                s => Err(Error::Status {
                    method: method.to_string(),
                    url: redact(url),
                    status: s.as_u16(),
                    message: message(),
                }),
            };
        }
    }
}

/// A body as JSON: `null` when empty, the start of the text as a string when not JSON.
fn decode(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(bytes).unwrap_or_else(|_| {
        Value::String(String::from_utf8_lossy(bytes).chars().take(500).collect())
    })
}

/// The URL without its query string (which may carry cursors or, for some vendors, keys).
fn redact(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.to_string()
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate(v)?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(when.saturating_sub(now)))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` (and the two obsolete forms) → seconds since the epoch.
fn httpdate(s: &str) -> Option<u64> {
    httpdate::parse_http_date(s)
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs())
}

/// Whether an answer is a rate limit, and how long it asks to wait (`None` = back off).
/// 429 always; 403 only with GitHub's rate-limit signals (`Retry-After`, or
/// `X-RateLimit-Remaining: 0` with `X-RateLimit-Reset`); 503 with `Retry-After` is a server
/// asking to come back later (Graph does that) and is retried by the 5xx path.
fn rate_limited(status: StatusCode, headers: &HeaderMap) -> Option<Option<Duration>> {
    let remaining_zero = headers
        .get("x-ratelimit-remaining")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == "0");
    let reset = || {
        let at: u64 = headers
            .get("x-ratelimit-reset")?
            .to_str()
            .ok()?
            .trim()
            .parse()
            .ok()?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
        Some(Duration::from_secs(at.saturating_sub(now) + 1))
    };
    match status {
        StatusCode::TOO_MANY_REQUESTS => Some(retry_after(headers).or_else(reset)),
        StatusCode::FORBIDDEN if headers.contains_key(RETRY_AFTER) => Some(retry_after(headers)),
        StatusCode::FORBIDDEN if remaining_zero => Some(reset()),
        _ => None,
    }
}

/// A header value, for callers that set custom ones.
pub fn header_value(v: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(v).map_err(|e| Error::Config(format!("header value: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        assert_eq!(httpdate("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(
            retry_after(&h),
            Some(Duration::ZERO),
            "a date in the past: go now"
        );
    }

    #[test]
    fn the_github_audit_log_draws_from_its_own_documented_bucket() {
        let audit = Url::parse("https://api.github.com/orgs/acme/audit-log?per_page=100").unwrap();
        assert_eq!(
            buckets(&audit),
            ["api.github.com", "api.github.com audit-log"]
        );
        let (rate, _) = documented_rates()["api.github.com audit-log"];
        assert!((rate * 3_600.0 - 1_750.0).abs() < 1e-6);
        let members = Url::parse("https://api.github.com/orgs/acme/members").unwrap();
        assert_eq!(buckets(&members), ["api.github.com"]);
    }

    /// A server on 127.0.0.1 answering every request with `status` and `Location`, counting
    /// the requests it gets.
    async fn redirector(
        location: impl Fn(u16) -> String + Send + 'static,
    ) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = hits.clone();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let reply = format!(
                    "HTTP/1.1 307 Temporary Redirect\r\nLocation: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    location(port)
                );
                let _ = s.write_all(reply.as_bytes()).await;
            }
        });
        (port, hits)
    }

    #[tokio::test]
    async fn token_requests_never_follow_redirects_and_api_requests_stay_on_their_origin() {
        let (elsewhere, elsewhere_hits) = redirector(|p| format!("http://127.0.0.1:{p}/")).await;
        let (token, _) = redirector(move |_| format!("http://127.0.0.1:{elsewhere}/steal")).await;
        let http = Http::new(CancellationToken::new()).unwrap();
        // A token endpoint answering 307 to another port: the secret is not sent on.
        let ep = crate::oauth::Endpoints {
            client_id: "cid".into(),
            client_secret: Some("s3cret".into()),
            auth_url: format!("http://127.0.0.1:{token}/authorize"),
            token_url: format!("http://127.0.0.1:{token}/token"),
            device_url: None,
        };
        assert!(
            crate::oauth::client_credentials(http.token_client(), &ep, &["x"])
                .await
                .is_err()
        );
        // An API request redirected to another origin is not followed either.
        let url = Url::parse(&format!("http://127.0.0.1:{token}/v1.0/users")).unwrap();
        let r = http.get(&url, &Auth::Bearer("t".into())).await;
        assert!(matches!(r, Err(Error::Status { status: 307, .. })), "{r:?}");
        assert_eq!(
            elsewhere_hits.load(Ordering::SeqCst),
            0,
            "nothing reached the other port"
        );
    }

    #[tokio::test]
    async fn credentials_go_over_https_or_loopback_and_only_to_the_instances_api() {
        let (port, hits) = redirector(|p| format!("http://127.0.0.1:{p}/")).await;
        let base = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
        let http = Http::new(CancellationToken::new()).unwrap().only_to(&base);
        let token = Auth::Bearer("t".into());
        // Not https, not loopback: refused before anything is sent (no name is looked up).
        for bad in [
            "http://api.example.invalid/orgs/acme",
            "ftp://127.0.0.1/x",
            "file:///etc/passwd",
        ] {
            let e = http
                .get(&Url::parse(bad).unwrap(), &token)
                .await
                .unwrap_err();
            assert!(matches!(e, Error::Config(_)), "{bad}: {e}");
            assert!(e.to_string().contains("must be https"), "{e}");
        }
        // A loopback URL on another port (a rewritten stored cursor): refused, not sent.
        let other = Url::parse("http://127.0.0.1:9/v1.0/users?$skiptoken=x").unwrap();
        let e = http.get(&other, &token).await.unwrap_err();
        assert!(e.to_string().contains("refused to send"), "{e}");
        assert_eq!(hits.load(Ordering::SeqCst), 0);
        // The instance's own API is reached.
        let own = base.join("v1.0/users").unwrap();
        let _ = http.get(&own, &token).await;
        assert!(hits.load(Ordering::SeqCst) >= 1);
    }

    #[tokio::test]
    async fn token_urls_must_be_https_or_loopback() {
        let http = Http::new(CancellationToken::new()).unwrap();
        for bad in ["http://login.example.invalid/token", "file:///tmp/token"] {
            let ep = crate::oauth::Endpoints {
                client_id: "cid".into(),
                client_secret: Some("s3cret".into()),
                auth_url: "https://login.example.invalid/authorize".into(),
                token_url: bad.into(),
                device_url: None,
            };
            let e = crate::oauth::client_credentials(http.token_client(), &ep, &["x"])
                .await
                .unwrap_err();
            assert!(e.to_string().contains("must be https"), "{bad}: {e}");
        }
    }

    #[tokio::test]
    async fn network_errors_carry_no_query_string() {
        // A port nothing listens on (bound, then closed).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let http = Http::with_policy(
            RetryPolicy {
                max_retries: 0,
                ..RetryPolicy::default()
            },
            CancellationToken::new(),
        )
        .unwrap();
        let url = Url::parse(&format!(
            "http://127.0.0.1:{port}/v1.0/users?$skiptoken=SECRET-CURSOR&code=abc"
        ))
        .unwrap();
        let e = http.get(&url, &Auth::None).await.unwrap_err();
        let text = e.to_string();
        assert!(matches!(e, Error::Network { .. }), "{text}");
        assert!(
            !text.contains("SECRET-CURSOR") && !text.contains("code=abc"),
            "{text}"
        );
    }

    #[test]
    fn rate_limits_are_recognised() {
        let mut h = HeaderMap::new();
        assert_eq!(rate_limited(StatusCode::TOO_MANY_REQUESTS, &h), Some(None));
        assert_eq!(
            rate_limited(StatusCode::FORBIDDEN, &h),
            None,
            "a plain 403 is a permission"
        );
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("1"));
        assert_eq!(
            rate_limited(StatusCode::FORBIDDEN, &h),
            Some(Some(Duration::from_secs(1)))
        );
        h.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(
            rate_limited(StatusCode::FORBIDDEN, &h),
            Some(Some(Duration::from_secs(3)))
        );
    }
}
