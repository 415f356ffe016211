//! Alert forwarding as the front ends see it: targets (Settings → Alert forwarding), the
//! delivery log, and the forwarder that sends what is due.
//!
//! Recording an alert queues one delivery per enabled target in the same transaction, so an
//! alert is never lost between being raised and being sent. The forwarder sends what is due
//! after every evaluation and status change, and on its own when a retry falls due (5 s
//! doubling to an hour, given up after 30 attempts — the log's "retry" starts again).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{new_id, now_ms, Engine};
use crate::backend::DueDelivery;
use crate::domain::policies::{
    Alert, AlertStatus, Delivery, DeliveryState, ForwardConfig, ForwardTarget, ForwardTargetInput,
    Severity, SyslogTransport,
};
use crate::forward;
use crate::secrets::Secret;
use crate::{Error, Result};

/// The forwarder's wake-up call and stop signal.
#[derive(Debug, Default)]
pub(crate) struct Forwarder {
    wake: Notify,
    stop: CancellationToken,
    /// One drain at a time.
    lock: tokio::sync::Mutex<()>,
}

fn secret_key(target_id: &str) -> String {
    format!("forward-secret:{target_id}")
}

fn validate(input: &ForwardTargetInput) -> Result<()> {
    let bad = |m: String| Err(Error::Validation(m));
    if input.name.trim().is_empty() {
        return bad("a forwarding target needs a name".into());
    }
    match &input.config {
        ForwardConfig::Syslog {
            host,
            port,
            transport,
            ..
        } => {
            if host.trim().is_empty() || host.contains(char::is_whitespace) {
                return bad(format!("\"{host}\" is not a host name or address"));
            }
            if *port == 0 {
                return bad(
                    "the syslog port is 1–65535 (514 for UDP and TCP, 6514 for TLS)".into(),
                );
            }
            if *transport == SyslogTransport::Tls
                && rustls::pki_types::ServerName::try_from(host.trim()).is_err()
            {
                return bad(format!("\"{host}\" is not a host name TLS can check"));
            }
            Ok(())
        }
        ForwardConfig::Webhook { url } => match url::Url::parse(url.trim()) {
            Ok(u) if matches!(u.scheme(), "https" | "http") && u.host().is_some() => Ok(()),
            _ => bad(format!("\"{url}\" is not an http(s) URL")),
        },
    }
}

impl Engine {
    /// Starts the forwarder (when a runtime runs): it sends what is due until the engine
    /// closes.
    pub(crate) fn start_forwarder(&self) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let engine = Engine {
            job_bus: Arc::default(),
            ..self.clone()
        };
        handle.spawn(async move {
            let f = engine.forwarder.clone();
            loop {
                let wait = match engine.store.next_delivery_due().await {
                    Ok(Some(t)) => Duration::from_millis((t - now_ms()).clamp(0, 60_000) as u64),
                    _ => Duration::from_secs(60),
                };
                tokio::select! {
                    _ = f.stop.cancelled() => return,
                    _ = f.wake.notified() => {}
                    _ = tokio::time::sleep(wait) => {}
                }
                if let Err(e) = engine.forward_due().await {
                    tracing::warn!("forwarding alerts: {e}");
                }
            }
        });
    }

    /// Wakes the forwarder (new deliveries were queued).
    pub(crate) fn wake_forwarder(&self) {
        self.forwarder.wake.notify_one();
    }

    /// Stops the forwarder after one last attempt at what is due.
    pub(crate) async fn stop_forwarder(&self) {
        if let Err(e) = self.forward_due().await {
            tracing::warn!("forwarding alerts: {e}");
        }
        self.forwarder.stop.cancel();
    }

    pub async fn forward_targets(&self) -> Result<Vec<ForwardTarget>> {
        self.store.forward_targets().await
    }

    /// Adds a target (`id` None) or changes one; a webhook secret goes to the keychain.
    pub async fn save_forward_target(
        &self,
        id: Option<&str>,
        input: ForwardTargetInput,
    ) -> Result<ForwardTarget> {
        validate(&input)?;
        let now = now_ms();
        let existing = match id {
            Some(id) => Some(
                self.forward_targets()
                    .await?
                    .into_iter()
                    .find(|t| t.id == id)
                    .ok_or_else(|| Error::NotFound(format!("forwarding target {id}")))?,
            ),
            None => None,
        };
        let id = existing
            .as_ref()
            .map(|t| t.id.clone())
            .unwrap_or_else(|| new_id("fwd", now));
        let webhook = matches!(input.config, ForwardConfig::Webhook { .. });
        let mut signed = existing.as_ref().is_some_and(|t| t.signed) && webhook;
        match input.secret.as_deref().map(str::trim) {
            Some("") => {
                self.secrets.delete(&secret_key(&id)).await?;
                signed = false;
            }
            Some(s) if webhook => {
                self.secrets.set(&secret_key(&id), &Secret::new(s)).await?;
                signed = true;
            }
            _ => {}
        }
        let t = ForwardTarget {
            id,
            name: input.name.trim().to_owned(),
            enabled: input.enabled,
            min_severity: input.min_severity,
            config: input.config,
            signed,
        };
        self.store.save_forward_target(&t, now).await?;
        self.store
            .audit("forward.save", &t.id, &t.name, now)
            .await?;
        Ok(t)
    }

    pub async fn delete_forward_target(&self, id: &str) -> Result<()> {
        if !self.store.delete_forward_target(id).await? {
            return Err(Error::NotFound(format!("forwarding target {id}")));
        }
        self.secrets.delete(&secret_key(id)).await?;
        self.store.audit("forward.delete", id, "", now_ms()).await?;
        Ok(())
    }

    /// Sends a test alert to a target now and returns its delivery.
    pub async fn test_forward_target(&self, id: &str) -> Result<Delivery> {
        let t = self
            .forward_targets()
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| Error::NotFound(format!("forwarding target {id}")))?;
        let now = now_ms();
        let alert = Alert {
            id: new_id("test", now),
            policy_id: "test".into(),
            policy_name: "Forwarding test".into(),
            severity: Severity::Low,
            title: "Cloudwarden forwarding test".into(),
            description: format!("A test alert sent to {} from Cloudwarden.", t.name),
            status: AlertStatus::Open,
            resolution: None,
            assignee: None,
            entities: Vec::new(),
            count: 1,
            first_seen_ms: now,
            last_seen_ms: now,
            created_at_ms: now,
            updated_at_ms: now,
        };
        let payload =
            serde_json::to_string(&alert).map_err(|e| Error::Validation(e.to_string()))?;
        self.store
            .enqueue_deliveries(
                &[(t.id.clone(), alert.id.clone(), "test".into(), payload)],
                now,
            )
            .await?;
        self.forward_due().await?;
        self.store
            .deliveries(200)
            .await?
            .into_iter()
            .find(|d| d.alert_id == alert.id)
            .ok_or_else(|| Error::NotFound("the test delivery".into()))
    }

    /// The delivery log, newest first.
    pub async fn deliveries(&self, limit: u32) -> Result<Vec<Delivery>> {
        self.store.deliveries(limit.clamp(1, 10_000)).await
    }

    /// Makes the deliveries given up on or waiting for their next attempt (of one target, or
    /// all) due now, and wakes the forwarder; how many.
    pub async fn retry_deliveries(&self, target_id: Option<&str>) -> Result<u32> {
        let n = self.store.retry_deliveries(target_id, now_ms()).await?;
        self.wake_forwarder();
        Ok(n)
    }

    /// Sends every delivery that is due; returns `(delivered, failed attempts)`.
    pub async fn forward_due(&self) -> Result<(u32, u32)> {
        let _one = self.forwarder.lock.lock().await;
        let targets = self.store.forward_targets().await?;
        let (mut delivered, mut failed) = (0, 0);
        let client = forward::webhook_client()?;
        loop {
            let now = now_ms();
            let due = self.store.due_deliveries(now, 200).await?;
            if due.is_empty() {
                break;
            }
            for t in &targets {
                let mine: Vec<&DueDelivery> = due.iter().filter(|d| d.target_id == t.id).collect();
                if mine.is_empty() {
                    continue;
                }
                let (ok, bad) = self.deliver(t, &mine, &client).await?;
                delivered += ok;
                failed += bad;
            }
            if due.len() < 200 || failed > 0 {
                break;
            }
        }
        Ok((delivered, failed))
    }

    /// Sends one target's due deliveries (syslog: over one connection).
    async fn deliver(
        &self,
        t: &ForwardTarget,
        due: &[&DueDelivery],
        client: &reqwest::Client,
    ) -> Result<(u32, u32)> {
        let now = now_ms();
        // The alert as it is now (a test carries its own).
        let mut alerts = Vec::with_capacity(due.len());
        for d in due {
            let alert = if d.payload.is_empty() {
                self.store.alert(&d.alert_id).await?
            } else {
                serde_json::from_str::<Alert>(&d.payload).ok()
            };
            alerts.push(alert);
        }
        let outcome: Vec<Result<()>> = match &t.config {
            ForwardConfig::Syslog { .. } => {
                let lines: Vec<String> = due
                    .iter()
                    .zip(&alerts)
                    .filter_map(|(d, a)| a.as_ref().map(|a| forward::syslog_line(a, &d.event, now)))
                    .collect();
                let sent = forward::send_syslog(&t.config, &lines).await;
                due.iter()
                    .map(|_| {
                        sent.as_ref()
                            .map(|_| ())
                            .map_err(|e| Error::Validation(e.to_string()))
                    })
                    .collect()
            }
            ForwardConfig::Webhook { url } => {
                let secret = if t.signed {
                    self.secrets.get(&secret_key(&t.id)).await?
                } else {
                    None
                };
                let mut out = Vec::with_capacity(due.len());
                let mut down: Option<String> = None;
                for (d, a) in due.iter().zip(&alerts) {
                    let Some(a) = a else {
                        out.push(Ok(()));
                        continue;
                    };
                    // After a failure the rest wait for the next attempt, in order.
                    if let Some(e) = &down {
                        out.push(Err(Error::Validation(e.clone())));
                        continue;
                    }
                    let body = forward::webhook_body(a, &d.event, now)?;
                    let sent = forward::send_webhook(
                        client,
                        url,
                        &d.event,
                        body,
                        secret.as_ref().map(Secret::expose),
                    )
                    .await;
                    if let Err(e) = &sent {
                        down = Some(e.to_string());
                    }
                    out.push(sent);
                }
                out
            }
        };
        let (mut ok, mut bad) = (0, 0);
        for (d, result) in due.iter().zip(outcome) {
            let attempts = u32::try_from(d.attempts).unwrap_or(u32::MAX) + 1;
            match result {
                Ok(()) => {
                    ok += 1;
                    self.store
                        .delivery_done(d.delivery_id, DeliveryState::Delivered, None, now, now)
                        .await?;
                }
                Err(e) => {
                    bad += 1;
                    let state = if attempts >= forward::MAX_ATTEMPTS {
                        DeliveryState::Failed
                    } else {
                        DeliveryState::Pending
                    };
                    let next = now + forward::backoff_ms(attempts - 1);
                    self.store
                        .delivery_done(d.delivery_id, state, Some(&e.to_string()), next, now)
                        .await?;
                }
            }
        }
        Ok((ok, bad))
    }
}
