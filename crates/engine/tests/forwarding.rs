//! Alerts forwarded to local listeners: CEF over syslog on UDP, TCP and TLS (a private CA),
//! and a signed JSON webhook; a listener that is down gets the alert once it is back, and
//! nothing is lost or sent twice.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::sync::{Arc, Mutex};

use cloudwarden_engine::api::Engine;
use cloudwarden_engine::domain::investigate::ActivityFilter;
use cloudwarden_engine::domain::policies::{
    ActivityCondition, AlertFilter, DeliveryState, ForwardConfig, ForwardTargetInput,
    PolicyDefinition, PolicyInput, Severity, SyslogTransport,
};
use cloudwarden_testkit::github::{AuditEvent, FakeGithub};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, UdpSocket};

const TOKEN: &str = "ghp_cloudwardenTestToken";

/// A GitHub tenant scanned once, a policy on `repo.destroy`, and a planted deletion scanned:
/// one alert. Returns the engine and the alert id.
async fn one_alert(engine: &Engine) -> (FakeGithub, String) {
    let mut t = support::github::tenant(71);
    t.audit_events.retain(|e| e.action != "repo.destroy");
    let fake = FakeGithub::start(t.clone(), TOKEN).await.unwrap();
    let i = support::github::connect(engine, &fake, "Acme", TOKEN).await;
    engine
        .create_policy(PolicyInput {
            name: "Repository deleted".into(),
            description: "A repository was deleted.".into(),
            severity: Severity::High,
            enabled: true,
            template_id: None,
            definition: PolicyDefinition::Activity(ActivityCondition {
                filter: ActivityFilter {
                    action: Some("repo.destroy".into()),
                    ..ActivityFilter::default()
                },
                ..ActivityCondition::default()
            }),
            scope: Default::default(),
            actions: Vec::new(),
        })
        .await
        .unwrap();
    engine.scan_instance(&i.id).await.unwrap();
    engine.evaluations_settled().await;
    let newest = t.audit_events.iter().map(|e| e.timestamp_ms).max().unwrap();
    fake.add_audit_event(AuditEvent {
        document_id: "planted-destroy".into(),
        timestamp_ms: newest + 60_000,
        created_at_ms: newest + 60_000,
        action: "repo.destroy".into(),
        actor: "mallory".into(),
        repo: Some("acme/payroll".into()),
        ..t.audit_events[0].clone()
    });
    engine.scan_instance(&i.id).await.unwrap();
    engine.evaluations_settled().await;
    let alerts = engine
        .alerts(&AlertFilter::default(), None, None)
        .await
        .unwrap()
        .items;
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    (fake, alerts[0].id.clone())
}

fn syslog(
    host: &str,
    port: u16,
    transport: SyslogTransport,
    ca: Option<String>,
) -> ForwardTargetInput {
    ForwardTargetInput {
        name: format!("SIEM {transport}"),
        enabled: true,
        min_severity: Severity::Medium,
        config: ForwardConfig::Syslog {
            host: host.into(),
            port,
            transport,
            ca_pem: ca,
        },
        secret: None,
    }
}

fn assert_cef(line: &str, alert_id: &str) {
    assert!(line.starts_with("<131>1 "), "{line}");
    let cef = &line[line.find("CEF:0|").expect("a CEF record")..];
    let header: Vec<&str> = cef.splitn(8, '|').collect();
    assert_eq!(&header[..3], ["CEF:0", "Cloudwarden", "Cloudwarden"]);
    assert_eq!(header[5], "Repository deleted: mallory");
    assert_eq!(header[6], "9", "high severity");
    let ext = header[7];
    assert!(ext.contains(&format!("externalId={alert_id}")), "{ext}");
    assert!(ext.contains("suser=mallory"), "{ext}");
    assert!(
        ext.contains("cs1Label=policy cs1=Repository deleted"),
        "{ext}"
    );
    assert!(ext.contains("cnt=1"), "{ext}");
    assert!(ext.contains("cat=raised"), "{ext}");
}

#[tokio::test]
async fn alerts_reach_syslog_over_udp_tcp_and_tls() {
    let dir = tempfile::tempdir().unwrap();
    let engine = support::engine(&dir).await;

    let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tls = TcpListener::bind("127.0.0.1:0").await.unwrap();
    // A private CA's certificate for "localhost".
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));

    for (port, transport, ca) in [
        (udp.local_addr().unwrap().port(), SyslogTransport::Udp, None),
        (tcp.local_addr().unwrap().port(), SyslogTransport::Tcp, None),
        (
            tls.local_addr().unwrap().port(),
            SyslogTransport::Tls,
            Some(cert.pem()),
        ),
    ] {
        let host = if transport == SyslogTransport::Tls {
            "localhost"
        } else {
            "127.0.0.1"
        };
        engine
            .save_forward_target(None, syslog(host, port, transport, ca))
            .await
            .unwrap();
    }
    let tcp_lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let tls_lines = Arc::new(Mutex::new(Vec::<String>::new()));
    {
        let lines = tcp_lines.clone();
        tokio::spawn(async move {
            loop {
                let (s, _) = tcp.accept().await.unwrap();
                let mut r = BufReader::new(s).lines();
                while let Ok(Some(l)) = r.next_line().await {
                    lines.lock().unwrap().push(l);
                }
            }
        });
        let lines = tls_lines.clone();
        tokio::spawn(async move {
            loop {
                let (s, _) = tls.accept().await.unwrap();
                let s = acceptor.accept(s).await.unwrap();
                let mut r = BufReader::new(s).lines();
                while let Ok(Some(l)) = r.next_line().await {
                    lines.lock().unwrap().push(l);
                }
            }
        });
    }

    let (_fake, alert_id) = one_alert(&engine).await;
    engine.forward_due().await.unwrap();
    let mut buf = vec![0u8; 65_536];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), udp.recv(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_cef(std::str::from_utf8(&buf[..n]).unwrap(), &alert_id);
    for lines in [&tcp_lines, &tls_lines] {
        for _ in 0..100 {
            if !lines.lock().unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let got = lines.lock().unwrap().clone();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_cef(&got[0], &alert_id);
    }
    let log = engine.deliveries(100).await.unwrap();
    assert_eq!(log.len(), 3);
    assert!(log
        .iter()
        .all(|d| d.state == DeliveryState::Delivered && d.attempts == 1));
    engine.close().await;
}

/// A webhook listener on `listener`: records each request's headers and body, answers 200.
fn serve_webhook(listener: TcpListener, got: Arc<Mutex<Vec<(String, String)>>>) {
    tokio::spawn(async move {
        loop {
            let (s, _) = listener.accept().await.unwrap();
            let got = got.clone();
            tokio::spawn(async move {
                let mut r = BufReader::new(s);
                let mut head = String::new();
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).await.unwrap() == 0 || line == "\r\n" {
                        break;
                    }
                    head.push_str(&line);
                }
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                let mut body = vec![0u8; len];
                r.read_exact(&mut body).await.unwrap();
                got.lock()
                    .unwrap()
                    .push((head.to_lowercase(), String::from_utf8(body).unwrap()));
                r.get_mut()
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await
                    .unwrap();
            });
        }
    });
}

/// The delivery log once its newest entry satisfies `done` (10 s at most).
async fn wait_for(
    engine: &Engine,
    done: impl Fn(&cloudwarden_engine::domain::policies::Delivery) -> bool,
) -> Vec<cloudwarden_engine::domain::policies::Delivery> {
    for _ in 0..200 {
        let log = engine.deliveries(10).await.unwrap();
        if log.first().is_some_and(&done) {
            return log;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "the delivery never got there: {:?}",
        engine.deliveries(10).await.unwrap()
    );
}

#[tokio::test]
async fn a_webhook_that_is_down_gets_the_alert_when_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let engine = support::engine(&dir).await;
    // A port with nothing listening yet.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let target = engine
        .save_forward_target(
            None,
            ForwardTargetInput {
                name: "SOAR".into(),
                enabled: true,
                min_severity: Severity::Low,
                config: ForwardConfig::Webhook {
                    url: format!("http://127.0.0.1:{port}/hooks/cloudwarden"),
                },
                secret: Some("s3cret".into()),
            },
        )
        .await
        .unwrap();
    assert!(target.signed);
    let (_fake, alert_id) = one_alert(&engine).await;
    // The forwarder (in the background, or this call) tries and fails.
    engine.forward_due().await.unwrap();
    let log = wait_for(&engine, |d| d.attempts >= 1).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].state, DeliveryState::Pending, "kept to try again");
    assert!(
        log[0].last_error.as_deref().unwrap().contains("webhook"),
        "{log:?}"
    );
    assert!(log[0].next_attempt_ms > log[0].created_at_ms);

    // The listener comes back; the retry delivers it, once.
    let got = Arc::new(Mutex::new(Vec::new()));
    serve_webhook(
        TcpListener::bind(("127.0.0.1", port)).await.unwrap(),
        got.clone(),
    );
    assert_eq!(engine.retry_deliveries(None).await.unwrap(), 1);
    engine.forward_due().await.unwrap();
    let log = wait_for(&engine, |d| d.state == DeliveryState::Delivered).await;
    assert_eq!(log[0].attempts, 2);
    engine.forward_due().await.unwrap();
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "delivered exactly once");
    let (head, body) = &got[0];
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["event"], "raised");
    assert_eq!(json["alert"]["id"], alert_id.as_str());
    assert_eq!(json["alert"]["severity"], "high");
    assert!(head.contains("x-cloudwarden-event: raised"), "{head}");
    // The signature is HMAC-SHA256 of the body with the secret.
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"s3cret").unwrap();
    mac.update(body.as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(
        head.contains(&format!("x-cloudwarden-signature: sha256={hex}")),
        "{head}"
    );
    engine.close().await;
}
