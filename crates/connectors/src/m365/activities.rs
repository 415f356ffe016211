//! Directory audits and sign-ins, read as concurrent time windows with a resumable cursor,
//! then the unified audit log (file, sharing and mailbox activity) through an audit log
//! query.

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use url::Url;

use super::*;

/// Audit-log windows read at once (sources × windows in flight).
const WINDOWS_IN_FLIGHT: usize = 8;
/// Windows per source: the span from `since` to now is cut in this many equal parts.
const WINDOWS_PER_SOURCE: i64 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Source {
    Audits,
    SignIns,
}

/// One time window of one audit source: `[from, to)` (`to: None` is open-ended, so events
/// that arrive during the scan are read), and the page to read next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Window {
    source: Source,
    from: i64,
    #[serde(default)]
    to: Option<i64>,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    done: bool,
}

/// How late unified audit log records arrive: Microsoft documents most within 60 to 90
/// minutes of the event, so a scan re-reads that much before where the others start
/// (records are kept once by id).
const UNIFIED_LAG_MS: i64 = 90 * 60_000;
/// Longest wait for an audit log query to finish within one scan; the next scan waits for
/// the same query (its id is in the cursor).
const QUERY_WAIT_MS: u64 = 5 * 60_000;

/// The unified audit log part of the cursor: the range asked for, the query once created,
/// and the page of its records to read next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Unified {
    from: i64,
    to: i64,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    done: bool,
}

/// The activities phase's cursor: every window's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Windows {
    windows: Vec<Window>,
    #[serde(default)]
    unified: Option<Unified>,
}

impl Windows {
    /// `[since, now)` cut into equal windows per source; the last one stays open.
    fn split(since: i64, now: i64) -> Windows {
        let span = (now - since).max(0);
        // Short spans (incremental scans) are one window per source.
        let parts = if span >= 3_600_000 {
            WINDOWS_PER_SOURCE
        } else {
            1
        };
        let mut windows = Vec::new();
        for source in [Source::Audits, Source::SignIns] {
            for k in 0..parts {
                let from = since + span * k / parts;
                let to = (k + 1 < parts).then(|| since + span * (k + 1) / parts);
                windows.push(Window {
                    source,
                    from,
                    to,
                    next: None,
                    done: false,
                });
            }
        }
        Windows {
            windows,
            unified: Some(Unified {
                from: since - UNIFIED_LAG_MS,
                to: now,
                query: None,
                next: None,
                done: false,
            }),
        }
    }
}

impl M365 {
    /// A directory audit event; `None` without an id or a time.
    pub(super) fn audit_activity(raw: &RawValue) -> Result<Option<Activity>> {
        let e: events::Audit = events::parse(raw)?;
        let (Some(id), Some(at)) = (
            e.id,
            e.activity_date_time.as_deref().and_then(parse_rfc3339_ms),
        ) else {
            return Ok(None);
        };
        let user = e.initiated_by.as_ref().and_then(|i| i.user.as_ref());
        let target = e.target_resources.unwrap_or_default().into_iter().next();
        Ok(Some(Activity {
            event_id: id.into_owned(),
            occurred_at_ms: at,
            actor: user
                .and_then(|u| events::some(&u.user_principal_name))
                .or_else(|| {
                    e.initiated_by
                        .as_ref()
                        .and_then(|i| i.app.as_ref())
                        .and_then(|a| events::some(&a.display_name))
                }),
            action: events::some(&e.activity_display_name).unwrap_or_default(),
            target: target.and_then(|t| {
                events::some(&t.user_principal_name).or_else(|| events::some(&t.display_name))
            }),
            ip: user.and_then(|u| events::some(&u.ip_address)),
            user_agent: None,
            outcome: events::some(&e.result),
            raw: Raw::from_json(raw),
        }))
    }

    /// A sign-in (event ids prefixed `signin:`); `None` without an id or a time.
    pub(super) fn sign_in_activity(raw: &RawValue) -> Result<Option<Activity>> {
        let e: events::SignIn = events::parse(raw)?;
        let (Some(id), Some(at)) = (
            e.id,
            e.created_date_time.as_deref().and_then(parse_rfc3339_ms),
        ) else {
            return Ok(None);
        };
        let failed = e.status.and_then(|s| s.error_code).is_some_and(|c| c != 0);
        Ok(Some(Activity {
            event_id: format!("signin:{id}"),
            occurred_at_ms: at,
            actor: events::some(&e.user_principal_name),
            action: if failed { "Sign-in failed" } else { "Sign-in" }.into(),
            target: events::some(&e.app_display_name),
            ip: events::some(&e.ip_address),
            // v1.0 sign-ins name the browser and system, not the raw user agent.
            user_agent: e.device_detail.and_then(|d| {
                match (events::some(&d.browser), events::some(&d.operating_system)) {
                    (Some(b), Some(o)) => Some(format!("{b} on {o}")),
                    (b, o) => b.or(o),
                }
            }),
            outcome: Some(if failed { "failure" } else { "success" }.into()),
            raw: Raw::from_json(raw),
        }))
    }

    /// A unified audit log record (event ids prefixed `ual:`): who did what to which file
    /// or mailbox, from where, with which client, and whether it succeeded; `None` without
    /// an id or a time.
    pub(super) fn record_activity(raw: &RawValue) -> Result<Option<Activity>> {
        let e: events::Record = events::parse(raw)?;
        let (Some(id), Some(at)) = (
            e.id,
            e.created_date_time.as_deref().and_then(parse_rfc3339_ms),
        ) else {
            return Ok(None);
        };
        let data = e.audit_data.as_ref();
        Ok(Some(Activity {
            event_id: format!("ual:{id}"),
            occurred_at_ms: at,
            actor: events::some(&e.user_principal_name).or_else(|| events::some(&e.user_id)),
            action: events::some(&e.operation).unwrap_or_default(),
            target: events::some(&e.object_id),
            ip: events::some(&e.client_ip),
            user_agent: data.and_then(|d| d.user_agent.clone().or_else(|| d.client_info.clone())),
            outcome: data.and_then(|d| d.result_status.clone()),
            raw: Raw::from_json(raw),
        }))
    }

    /// Directory audits and sign-ins from `since`, read as several time windows per source at
    /// once (Graph pages each window newest first; windows are independent, so their pages are
    /// fetched concurrently). Every stored page carries the state of all windows, so a killed
    /// scan resumes each window where it stopped, from the same start time.
    pub(super) async fn scan_activities(
        &self,
        ctx: &Ctx,
        start: PhaseStart,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let mut state = match start
            .resume
            .as_deref()
            .and_then(|s| serde_json::from_str::<Windows>(s).ok())
        {
            Some(mut w) => {
                // A resumed run re-reads the open-ended windows it had finished: events may
                // have arrived since (duplicates are dropped by event id).
                for w in w.windows.iter_mut().filter(|w| w.to.is_none() && w.done) {
                    w.done = false;
                    w.next = None;
                }
                w
            }
            None => Windows::split(start.since_ms.unwrap_or(0), now_ms()),
        };
        // A window's next page is requested as soon as its previous one arrives; pages are
        // stored in the order they arrive (each cursor holds every window's position), so
        // reading goes on while earlier pages are written.
        let mut in_flight = futures_util::stream::FuturesUnordered::new();
        let mut busy = vec![false; state.windows.len()];
        loop {
            for (i, flag) in busy.iter_mut().enumerate() {
                if in_flight.len() >= WINDOWS_IN_FLIGHT {
                    break;
                }
                if *flag || state.windows[i].done {
                    continue;
                }
                *flag = true;
                let url = self.window_url(&state.windows[i])?;
                let (http, auth, source) =
                    (ctx.http.clone(), ctx.auth.clone(), state.windows[i].source);
                // Fetched, decoded and mapped on its own task: decoding uses every core.
                let task = tokio::spawn(async move {
                    let resp = http.get_raw(&url, &auth).await?;
                    let page = RawPage::parse(&resp)?;
                    let mut records = Records::default();
                    for e in &page.value {
                        records.activities.extend(match source {
                            Source::Audits => Self::audit_activity(e),
                            Source::SignIns => Self::sign_in_activity(e),
                        }?);
                    }
                    Ok::<_, Error>((records, page.next(&resp)?))
                });
                in_flight.push(async move { (i, task.await) });
            }
            let Some((i, page)) = in_flight.next().await else {
                return self.read_unified(ctx, &mut state, sink).await;
            };
            busy[i] = false;
            let source = state.windows[i].source;
            let page = page.map_err(|e| Error::Config(format!("audit-log reader: {e}")))?;
            let (records, next) = match page {
                Ok(r) => r,
                Err(e) if source == Source::SignIns && needs_premium(&e) => {
                    sink.note(
                        "sign-in logs need Microsoft Entra ID P1 or P2; directory audits were read"
                            .into(),
                    );
                    for w in state.windows.iter_mut().filter(|w| w.source == source) {
                        w.done = true;
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            let w = &mut state.windows[i];
            w.done = next.is_none();
            w.next = next.map(String::from);
            sink.page(records, serde_json::to_string(&state).ok())
                .await?;
        }
    }

    /// The unified audit log of the cursor's range: an audit log query is created
    /// (security-auditcoreroot-post-auditlogqueries.md: `POST /security/auditLog/queries`
    /// with `filterStartDateTime`, `filterEndDateTime`), polled until it has succeeded
    /// (security-auditlogquery-get.md: `status`), and its records read page by page
    /// (security-auditlogquery-list-records.md). The query id and the next page are in the
    /// cursor, so a killed scan goes on with the same query. Without AuditLogsQuery.Read.All
    /// or an auditing licence the log is left out with a note.
    async fn read_unified(
        &self,
        ctx: &Ctx,
        state: &mut Windows,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        if state.unified.as_ref().is_none_or(|u| u.done) {
            return Ok(());
        }
        // A query the service no longer has (404) is asked again, a few times at most.
        let mut fresh_queries = 0;
        let id = loop {
            let Some(Unified {
                from, to, query, ..
            }) = state.unified.clone()
            else {
                return Ok(());
            };
            let id = match query {
                Some(id) => id,
                None => match self.create_query(ctx, from, to).await {
                    Ok(id) => {
                        fresh_queries += 1;
                        if let Some(u) = state.unified.as_mut() {
                            u.query = Some(id.clone());
                            u.next = None;
                        }
                        sink.page(Records::default(), serde_json::to_string(&state).ok())
                            .await?;
                        id
                    }
                    Err(Error::Forbidden(m)) => {
                        sink.note(unified_fix(&m));
                        if let Some(u) = state.unified.as_mut() {
                            u.done = true;
                        }
                        return Ok(());
                    }
                    Err(e) => return Err(e),
                },
            };
            match self.wait_for_query(ctx, &id).await {
                Ok(Some(())) => break id,
                // Still running: the phase stops here with its cursor kept (the query id),
                // so the next scan waits for the same query — its range is not lost.
                Ok(None) => {
                    return Err(Error::Unavailable(
                        "the unified audit log query is still running; the next scan reads it"
                            .into(),
                    ))
                }
                Err(Error::Status { status: 404, .. }) if fresh_queries < 3 => {
                    self.forget_query(state, sink).await?;
                }
                // Failed or cancelled: asked again by the next scan, for the same range.
                Err(Error::Unavailable(m)) => {
                    self.forget_query(state, sink).await?;
                    return Err(Error::Unavailable(m));
                }
                Err(e) => return Err(e),
            }
        };
        let first = self.url(&format!("security/auditLog/queries/{id}/records"), &[])?;
        let mut url = match state.unified.as_ref().and_then(|u| u.next.as_deref()) {
            Some(next) => parse_url(next)?,
            None => first,
        };
        // The next page is fetched while the one before is stored.
        let fetch = |url: Url| {
            let (http, auth) = (ctx.http.clone(), ctx.auth.clone());
            tokio::spawn(async move {
                let resp = http.get_raw(&url, &auth).await?;
                let page = RawPage::parse(&resp)?;
                let mut records = Records::default();
                for r in &page.value {
                    records.activities.extend(Self::record_activity(r)?);
                }
                Ok::<_, Error>((records, page.next(&resp)?))
            })
        };
        let mut pending = Some(fetch(url.clone()));
        while let Some(task) = pending.take() {
            let (records, next) = match task
                .await
                .map_err(|e| Error::Config(format!("audit log reader: {e}")))?
            {
                Ok(page) => page,
                // The query expired while its records were read: the next scan asks again
                // for the same range (records already stored are kept once by id).
                Err(Error::Status { status: 404, .. }) => {
                    self.forget_query(state, sink).await?;
                    return Err(Error::Unavailable(
                        "the unified audit log query expired while its records were read; the next scan asks again"
                            .into(),
                    ));
                }
                Err(e) => return Err(e),
            };
            if let Some(n) = &next {
                url = n.clone();
                pending = Some(fetch(url.clone()));
            }
            if let Some(u) = state.unified.as_mut() {
                u.next = next.as_ref().map(Url::to_string);
                u.done = next.is_none();
            }
            sink.page(records, serde_json::to_string(&state).ok())
                .await?;
        }
        Ok(())
    }

    /// Drops the cursor's query (and its next page), keeping the range to ask for again.
    async fn forget_query(&self, state: &mut Windows, sink: &mut dyn Sink) -> Result<()> {
        if let Some(u) = state.unified.as_mut() {
            u.query = None;
            u.next = None;
        }
        sink.page(Records::default(), serde_json::to_string(&state).ok())
            .await
    }

    /// Creates an audit log query for `[from, to]`; its id.
    async fn create_query(&self, ctx: &Ctx, from: i64, to: i64) -> Result<String> {
        let body = serde_json::json!({
            "displayName": "Cloudwarden activities",
            "filterStartDateTime": format_rfc3339(from),
            "filterEndDateTime": format_rfc3339(to),
        });
        let resp = ctx
            .http
            .request(
                reqwest::Method::POST,
                &self.url("security/auditLog/queries", &[])?,
                &ctx.auth,
                Some(&body),
            )
            .await?;
        resp.body
            .get("id")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Error::Decode {
                url: resp.url.path().to_owned(),
                message: "an audit log query without an id".into(),
            })
    }

    /// Polls a query until it has succeeded (`Some`), or `None` after [`QUERY_WAIT_MS`];
    /// a failed or cancelled query is [`Error::Unavailable`]. Waits double from 1 s to 30 s
    /// (or as `Retry-After` says).
    async fn wait_for_query(&self, ctx: &Ctx, id: &str) -> Result<Option<()>> {
        let url = self.url(
            &format!("security/auditLog/queries/{id}"),
            &[("$select", "id,status")],
        )?;
        let started = std::time::Instant::now();
        let mut wait = std::time::Duration::from_secs(1);
        loop {
            let resp = ctx.http.get(&url, &ctx.auth).await?;
            match resp.body.get("status").and_then(serde_json::Value::as_str) {
                Some("succeeded") => return Ok(Some(())),
                Some(s @ ("failed" | "cancelled")) => {
                    return Err(Error::Unavailable(format!(
                        "the unified audit log query {s}; the next scan asks again"
                    )))
                }
                _ => {}
            }
            if started.elapsed().as_millis() as u64 > QUERY_WAIT_MS {
                return Ok(None);
            }
            let pause = crate::http::retry_after(&resp.headers).unwrap_or(wait);
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = ctx.http.cancel_token().cancelled() => return Err(Error::Cancelled),
            }
            wait = (wait * 2).min(std::time::Duration::from_secs(30));
        }
    }

    /// The page of a window to read next.
    fn window_url(&self, w: &Window) -> Result<Url> {
        if let Some(next) = &w.next {
            return parse_url(next);
        }
        let (path, field) = match w.source {
            Source::Audits => ("auditLogs/directoryAudits", "activityDateTime"),
            Source::SignIns => ("auditLogs/signIns", "createdDateTime"),
        };
        // directoryaudit-list.md: activityDateTime supports `eq`, `ge`, `le`; signin-list.md:
        // createdDateTime `eq`, `le`, `ge` — no `lt`. So a window is `[from, to]` and an event
        // at `to` is read by both windows that share the edge; the store keeps it once
        // (unique by instance, time and event id).
        let mut filter = format!("{field} ge {}", format_rfc3339(w.from));
        if let Some(to) = w.to {
            filter.push_str(&format!(" and {field} le {}", format_rfc3339(to)));
        }
        // signin-list.md: "The maximum and default page size is 1,000 objects";
        // directoryaudit-list.md states no maximum: 999, the directory's page limit.
        let top = match w.source {
            Source::Audits => "999",
            Source::SignIns => "1000",
        };
        self.url(path, &[("$filter", &filter), ("$top", top)])
    }
}

/// What to do when the audit log query API refuses: the permission, or the licence.
fn unified_fix(message: &str) -> String {
    if message.contains("licen") || message.contains("not available") {
        "file, sharing and mailbox activity (the unified audit log) is not available: the tenant needs a Microsoft 365 licence that includes auditing, with auditing turned on".into()
    } else {
        "file, sharing and mailbox activity (the unified audit log) needs AuditLogsQuery.Read.All: grant it to the app registration and give admin consent".into()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn audit_windows_cover_the_span_without_gaps() {
        let w = Windows::split(1_000, 1_000 + 7 * 86_400_000);
        assert_eq!(w.windows.len(), 2 * WINDOWS_PER_SOURCE as usize);
        for source in [Source::Audits, Source::SignIns] {
            let mine: Vec<&Window> = w.windows.iter().filter(|x| x.source == source).collect();
            assert_eq!(mine[0].from, 1_000);
            for pair in mine.windows(2) {
                assert_eq!(pair[0].to, Some(pair[1].from), "contiguous");
            }
            assert_eq!(
                mine.last().unwrap().to,
                None,
                "the newest window stays open"
            );
        }
        // An incremental scan of a few minutes is one window per source.
        assert_eq!(Windows::split(0, 600_000).windows.len(), 2);
        // The cursor round-trips.
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(serde_json::from_str::<Windows>(&json).unwrap(), w);
    }

    #[test]
    fn unified_audit_log_records_are_read_leniently() {
        let raw = |text: &str| serde_json::value::RawValue::from_string(text.into()).unwrap();
        let r = r##"{"id": "r1", "createdDateTime": "2024-05-01T10:00:00Z", "operation": "FileDownloaded",
            "userPrincipalName": "ann@contoso.com", "objectId": "https://contoso.sharepoint.com/a.docx",
            "clientIp": "10.0.0.1", "auditData": {"@odata.type": "#microsoft.graph.security.sharePointFileOperationAuditRecord",
            "UserAgent": "OneDriveiOSApp/15.1", "ResultStatus": "Succeeded", "Nested": {"x": [1]}}}"##;
        let a = M365::record_activity(&raw(r)).unwrap().unwrap();
        assert_eq!(a.event_id, "ual:r1");
        assert_eq!(a.action, "FileDownloaded");
        assert_eq!(
            a.target.as_deref(),
            Some("https://contoso.sharepoint.com/a.docx")
        );
        assert_eq!(a.user_agent.as_deref(), Some("OneDriveiOSApp/15.1"));
        assert_eq!(a.outcome.as_deref(), Some("Succeeded"));
        // Open properties of another type do not fail the record.
        let odd = r#"{"id": "r2", "createdDateTime": "2024-05-01T10:00:00Z", "operation": "Send",
            "auditData": {"ClientInfoString": 42, "ResultStatus": null}}"#;
        let a = M365::record_activity(&raw(odd)).unwrap().unwrap();
        assert_eq!((a.user_agent, a.outcome), (None, None));
    }

    #[test]
    fn activities_from_audits_and_sign_ins() {
        let raw = |text: &str| serde_json::value::RawValue::from_string(text.into()).unwrap();
        let audit = r#"{"id": "a1", "activityDateTime": "2024-05-01T10:00:00Z",
            "activityDisplayName": "Add member to \"Global Administrator\"", "extra": {"deep": [1, 2]},
            "initiatedBy": {"user": {"userPrincipalName": "ann@contoso.com", "ipAddress": "10.0.0.1"}, "app": null},
            "targetResources": [{"userPrincipalName": "bob@contoso.com"}, {"displayName": "Role"}]}"#;
        let a = M365::audit_activity(&raw(audit)).unwrap().unwrap();
        assert_eq!(a.event_id, "a1");
        assert_eq!(a.occurred_at_ms, 1_714_557_600_000);
        assert_eq!(a.action, r#"Add member to "Global Administrator""#);
        assert_eq!(a.actor.as_deref(), Some("ann@contoso.com"));
        assert_eq!(a.target.as_deref(), Some("bob@contoso.com"));
        assert_eq!(a.ip.as_deref(), Some("10.0.0.1"));
        assert_eq!(a.raw.as_str(), audit, "the event's own text is kept");
        // Done by an app: the app is the actor; no user, no address.
        let by_app = r#"{"id": "a2", "activityDateTime": "2024-05-01T10:00:00Z",
            "activityDisplayName": "Update application", "targetResources": null,
            "initiatedBy": {"user": null, "app": {"displayName": "Provisioning"}}}"#;
        let a = M365::audit_activity(&raw(by_app)).unwrap().unwrap();
        assert_eq!(a.actor.as_deref(), Some("Provisioning"));
        assert_eq!((a.target, a.ip), (None, None));
        let s = r#"{"id": "s1", "createdDateTime": "2024-05-01T10:00:00Z", "userPrincipalName": "bob@contoso.com",
            "appDisplayName": "Office 365 Exchange Online", "ipAddress": "10.0.0.2", "status": {"errorCode": 50126}}"#;
        let s = M365::sign_in_activity(&raw(s)).unwrap().unwrap();
        assert_eq!(s.event_id, "signin:s1");
        assert_eq!(s.action, "Sign-in failed");
        assert_eq!(s.target.as_deref(), Some("Office 365 Exchange Online"));
        // Without an id or a time there is no activity; a field of the wrong type is an error.
        assert!(M365::audit_activity(&raw(r#"{"id": "x"}"#))
            .unwrap()
            .is_none());
        let wrong = raw(
            r#"{"id": "s2", "createdDateTime": "2024-05-01T10:00:00Z", "status": {"errorCode": "x"}}"#,
        );
        assert!(matches!(
            M365::sign_in_activity(&wrong),
            Err(Error::Decode { .. })
        ));
    }
}
