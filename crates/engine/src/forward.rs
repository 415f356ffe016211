//! Sending alerts to a SIEM: CEF over syslog (UDP, TCP, TLS) and JSON webhooks.
//!
//! CEF follows ArcSight's "Implementing ArcSight Common Event Format (CEF)" (rev. 25):
//! `CEF:0|Vendor|Product|Version|Signature ID|Name|Severity|Extension`, header fields with
//! `\` and `|` escaped, extension values with `\`, `=` and line breaks escaped. The syslog
//! header is RFC 5424's; on TCP and TLS each message ends with a line feed (RFC 6587
//! non-transparent framing, which CEF receivers expect). Webhooks get a JSON POST, signed with
//! HMAC-SHA256 of the body (`X-Cloudwarden-Signature: sha256=<hex>`) when a secret is set.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UdpSocket};

use crate::domain::policies::{Alert, EntityKind, ForwardConfig, Severity, SyslogTransport};
use crate::{Error, Result};

/// How long connecting and sending may take before the attempt counts as failed.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// CEF severity (0–10).
fn cef_severity(s: Severity) -> u8 {
    match s {
        Severity::Low => 3,
        Severity::Medium => 6,
        Severity::High => 9,
    }
}

/// Syslog severity: notice, warning, error.
fn syslog_severity(s: Severity) -> u8 {
    match s {
        Severity::Low => 5,
        Severity::Medium => 4,
        Severity::High => 3,
    }
}

fn header_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

fn ext_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('=', "\\=")
        .replace('\r', "\\r")
        .replace('\n', "\\n")
}

/// Cuts `s` to at most `max` characters.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The alert as a CEF record (`event`: raised, updated, status or test).
pub fn cef(alert: &Alert, event: &str) -> String {
    let first = |k: EntityKind| {
        alert
            .entities
            .iter()
            .find(|e| e.kind == k)
            .map(|e| e.id.clone())
    };
    let mut ext: Vec<(&str, String)> = vec![
        ("rt", alert.last_seen_ms.to_string()),
        ("start", alert.first_seen_ms.to_string()),
        ("end", alert.last_seen_ms.to_string()),
        ("cnt", alert.count.to_string()),
        ("externalId", alert.id.clone()),
        ("cat", event.to_owned()),
        ("outcome", alert.status.as_str().to_owned()),
        ("msg", cut(&alert.description, 1000)),
        ("cs1Label", "policy".into()),
        ("cs1", alert.policy_name.clone()),
        ("cs2Label", "policyId".into()),
        ("cs2", alert.policy_id.clone()),
    ];
    if let Some(r) = alert.resolution {
        ext.push(("cs3Label", "resolution".into()));
        ext.push(("cs3", r.as_str().into()));
    }
    if let Some(a) = first(EntityKind::Account) {
        ext.push(("suser", a));
    }
    if let Some(ip) = first(EntityKind::Ip) {
        ext.push(("src", ip));
    }
    if let Some(f) = first(EntityKind::File) {
        ext.push(("fname", f));
    }
    if let Some(app) = first(EntityKind::OauthApp).or_else(|| first(EntityKind::App)) {
        ext.push(("cs4Label", "app".into()));
        ext.push(("cs4", app));
    }
    if let Some(c) = first(EntityKind::Country) {
        ext.push(("cs5Label", "country".into()));
        ext.push(("cs5", c));
    }
    if let Some(i) = first(EntityKind::Instance) {
        ext.push(("deviceExternalId", i));
    }
    let ext: Vec<String> = ext
        .into_iter()
        .map(|(k, v)| format!("{k}={}", ext_escape(&v)))
        .collect();
    format!(
        "CEF:0|Cloudwarden|Cloudwarden|{}|{}|{}|{}|{}",
        header_escape(crate::api::VERSION),
        header_escape(&alert.policy_id),
        header_escape(&cut(&alert.title, 256)),
        cef_severity(alert.severity),
        ext.join(" ")
    )
}

/// The CEF record in an RFC 5424 syslog message (facility local0).
pub fn syslog_line(alert: &Alert, event: &str, now_ms: i64) -> String {
    let pri = 16 * 8 + u32::from(syslog_severity(alert.severity));
    let host = hostname();
    format!(
        "<{pri}>1 {} {host} cloudwarden - alert - {}",
        crate::discovery_export::iso_time(now_ms),
        cef(alert, event)
    )
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or_else(|| "-".into())
}

/// The JSON a webhook receives.
pub fn webhook_body(alert: &Alert, event: &str, now_ms: i64) -> Result<Vec<u8>> {
    serde_json::to_vec(&serde_json::json!({
        "event": event,
        "sent_at_ms": now_ms,
        "source": "cloudwarden",
        "alert": alert,
    }))
    .map_err(|e| Error::Validation(e.to_string()))
}

/// `sha256=<hex HMAC-SHA256 of body>`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(), // HMAC takes keys of any length
    };
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

fn failed(what: impl std::fmt::Display) -> Error {
    Error::Validation(what.to_string())
}

async fn timed<T>(
    what: &str,
    f: impl std::future::Future<Output = std::io::Result<T>>,
) -> Result<T> {
    match tokio::time::timeout(SEND_TIMEOUT, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(failed(format!("{what}: {e}"))),
        Err(_) => Err(failed(format!("{what}: no answer within {SEND_TIMEOUT:?}"))),
    }
}

/// The trust for a TLS syslog target: the PEM certificates given, or the system's.
fn tls_config(ca_pem: Option<&str>) -> Result<rustls::ClientConfig> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    match ca_pem.filter(|p| !p.trim().is_empty()) {
        Some(pem) => {
            use rustls::pki_types::pem::PemObject;
            use rustls::pki_types::CertificateDer;
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                let cert = cert.map_err(|e| failed(format!("the CA certificate: {e}")))?;
                roots
                    .add(cert)
                    .map_err(|e| failed(format!("the CA certificate: {e}")))?;
            }
            if roots.is_empty() {
                return Err(failed("the CA certificate PEM holds no certificate"));
            }
            Ok(rustls::ClientConfig::builder()
                .with_root_certificates(roots)
                .with_no_client_auth())
        }
        None => {
            use rustls_platform_verifier::ConfigVerifierExt;
            rustls::ClientConfig::with_platform_verifier()
                .map_err(|e| failed(format!("the system's certificates: {e}")))
        }
    }
}

/// Sends syslog lines to a target; every line is sent or the call fails.
pub async fn send_syslog(config: &ForwardConfig, lines: &[String]) -> Result<()> {
    let ForwardConfig::Syslog {
        host,
        port,
        transport,
        ca_pem,
    } = config
    else {
        return Err(failed("not a syslog target"));
    };
    let addr = format!("{host}:{port}");
    match transport {
        SyslogTransport::Udp => {
            let target = timed("resolving the syslog host", tokio::net::lookup_host(&addr))
                .await?
                .next()
                .ok_or_else(|| failed(format!("{host} does not resolve")))?;
            let local = if target.is_ipv4() {
                "0.0.0.0:0"
            } else {
                "[::]:0"
            };
            let socket = timed("opening a UDP socket", UdpSocket::bind(local)).await?;
            timed("connecting over UDP", socket.connect(target)).await?;
            for line in lines {
                // One datagram per message; RFC 5426 asks receivers for at least 2048 octets.
                timed("sending over UDP", socket.send(line.as_bytes())).await?;
            }
            Ok(())
        }
        SyslogTransport::Tcp => {
            let mut stream = timed("connecting over TCP", TcpStream::connect(&addr)).await?;
            for line in lines {
                timed(
                    "sending over TCP",
                    stream.write_all(format!("{line}\n").as_bytes()),
                )
                .await?;
            }
            timed("sending over TCP", stream.flush()).await?;
            let _ = stream.shutdown().await;
            Ok(())
        }
        SyslogTransport::Tls => {
            let config = Arc::new(tls_config(ca_pem.as_deref())?);
            let name = rustls::pki_types::ServerName::try_from(host.clone())
                .map_err(|_| failed(format!("{host} is not a host name for TLS")))?;
            let tcp = timed("connecting over TCP", TcpStream::connect(&addr)).await?;
            let mut stream = timed(
                "the TLS handshake",
                tokio_rustls::TlsConnector::from(config).connect(name, tcp),
            )
            .await?;
            for line in lines {
                timed(
                    "sending over TLS",
                    stream.write_all(format!("{line}\n").as_bytes()),
                )
                .await?;
            }
            timed("sending over TLS", stream.flush()).await?;
            let _ = stream.shutdown().await;
            Ok(())
        }
    }
}

/// Posts one webhook body.
pub async fn send_webhook(
    client: &reqwest::Client,
    url: &str,
    event: &str,
    body: Vec<u8>,
    secret: Option<&str>,
) -> Result<()> {
    let mut req = client
        .post(url)
        .header("Content-Type", "application/json")
        .header("X-Cloudwarden-Event", event)
        .timeout(SEND_TIMEOUT);
    if let Some(s) = secret {
        req = req.header("X-Cloudwarden-Signature", signature(s, &body));
    }
    let resp = req
        .body(body)
        .send()
        .await
        .map_err(|e| failed(format!("posting to the webhook: {e}")))?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(failed(format!("the webhook answered {}", resp.status())))
    }
}

/// The HTTP client webhooks are posted with.
pub fn webhook_client() -> Result<reqwest::Client> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .user_agent(concat!("Cloudwarden/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(SEND_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| failed(format!("the webhook client: {e}")))
}

/// How long to wait before attempt `attempts + 1`: 5 s doubling to an hour.
pub fn backoff_ms(attempts: u32) -> i64 {
    (5_000i64 << attempts.min(10)).min(3_600_000)
}

/// Deliveries are given up (failed, retried from the log) after this many attempts (about a
/// day of retries).
pub const MAX_ATTEMPTS: u32 = 30;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policies::{AlertStatus, Entity};

    fn alert() -> Alert {
        Alert {
            id: "alert_1".into(),
            policy_id: "pol_1".into(),
            policy_name: "Impossible travel".into(),
            severity: Severity::High,
            title: "Impossible travel: a|b=c".into(),
            description: "line one\nline = two \\ back".into(),
            status: AlertStatus::Open,
            resolution: None,
            assignee: None,
            entities: vec![
                Entity {
                    kind: EntityKind::Account,
                    id: "alice@contoso.com".into(),
                    label: "alice@contoso.com".into(),
                    instance_id: Some("inst_1".into()),
                },
                Entity {
                    kind: EntityKind::Ip,
                    id: "203.0.113.9".into(),
                    label: "203.0.113.9".into(),
                    instance_id: None,
                },
            ],
            count: 2,
            first_seen_ms: 1_000,
            last_seen_ms: 2_000,
            created_at_ms: 3_000,
            updated_at_ms: 3_000,
        }
    }

    #[test]
    fn cef_escapes_headers_and_extensions() {
        let c = cef(&alert(), "raised");
        assert!(c.starts_with("CEF:0|Cloudwarden|Cloudwarden|"), "{c}");
        assert!(c.contains("|pol_1|Impossible travel: a\\|b=c|9|"), "{c}");
        assert!(c.contains("msg=line one\\nline \\= two \\\\ back"), "{c}");
        assert!(c.contains("suser=alice@contoso.com"));
        assert!(c.contains("src=203.0.113.9"));
        assert!(c.contains("cnt=2"));
        assert!(!c.contains('\n'));
        let line = syslog_line(&alert(), "raised", 0);
        assert!(line.starts_with("<131>1 1970-01-01T00:00:00"), "{line}");
    }

    #[test]
    fn signatures_are_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_grows_to_an_hour() {
        assert_eq!(backoff_ms(0), 5_000);
        assert_eq!(backoff_ms(1), 10_000);
        assert_eq!(backoff_ms(20), 3_600_000);
    }
}
