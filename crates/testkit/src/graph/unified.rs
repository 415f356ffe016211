//! The unified audit log through Microsoft Purview's audit log query API (Graph v1.0,
//! `microsoft.graph.security`): `POST /security/auditLog/queries` creates a query for a
//! time range (and optional record types, operations, users …), `GET …/queries/{id}`
//! reports its status (`notStarted` → `running` → `succeeded`), and
//! `GET …/queries/{id}/records` pages its records (security-auditcoreroot-post-auditlogqueries.md,
//! security-auditlogquery-get.md, security-auditlogquery-list-records.md).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use serde_json::Value;

use super::api::query_or_return;
use super::auth::Caller;
use super::odata::{bad_request, entity, error, forbidden, page, query};
use super::server::Shared;
use super::tenant::AuditRecord;
use crate::common::json::Obj;
use crate::common::time::parse_rfc3339;

/// The permissions that read the audit log (least privileged first): one per service, or
/// all of it.
pub(crate) const AUDIT_QUERY: &[&str] = &[
    "AuditLogsQuery.Read.All",
    "AuditLogsQuery-Exchange.Read.All",
    "AuditLogsQuery-SharePoint.Read.All",
    "AuditLogsQuery-OneDrive.Read.All",
];

/// Records a page, when the request names no `$top` (the page documents none).
const RECORDS_PAGE: usize = 1_000;

/// A query as created.
#[derive(Debug, Clone)]
pub(crate) struct AuditQuery {
    id: String,
    display_name: Option<String>,
    start_ms: i64,
    end_ms: i64,
    record_types: Vec<String>,
    operations: Vec<String>,
    /// Status reads left before it has succeeded.
    polls_left: u32,
    /// The records it found (indices into the tenant's log), once succeeded.
    results: Option<Arc<Vec<u32>>>,
}

impl AuditQuery {
    fn status(&self) -> &'static str {
        match (&self.results, self.polls_left) {
            (Some(_), _) => "succeeded",
            (None, 0) => "running",
            (None, _) => "notStarted",
        }
    }
}

/// The queries of a tenant, and how long they take.
#[derive(Debug, Default)]
pub(crate) struct Queries {
    by_id: HashMap<String, AuditQuery>,
    /// Status reads a new query takes to succeed.
    pub polls: u32,
    /// The tenant may search its audit log (licence and auditing on).
    pub disabled: bool,
}

fn render_query(o: &mut Obj<'_>, q: &AuditQuery) {
    o.opt_str("displayName", q.display_name.as_deref())
        .ts("filterEndDateTime", q.end_ms)
        .ts("filterStartDateTime", q.start_ms)
        .str("id", &q.id)
        .array("operationFilters", |w| {
            for op in &q.operations {
                w.str(op);
            }
        })
        .array("recordTypeFilters", |w| {
            for t in &q.record_types {
                w.str(t);
            }
        })
        .str("status", q.status());
}

fn refused(s: &Shared, caller: &Caller) -> Option<Response> {
    if !caller.has_any(AUDIT_QUERY) {
        return Some(forbidden());
    }
    if s.queries().disabled {
        return Some(error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Audit log search is not available for this tenant: it needs a Microsoft 365 licence that includes auditing, with auditing turned on.",
        ));
    }
    None
}

/// `POST /v1.0/security/auditLog/queries`: 201 with the query (`notStarted`).
pub(crate) async fn create(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    if let Some(r) = refused(&s, &caller) {
        return r;
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("The request body is not valid JSON.");
    };
    let time = |k: &str| v.get(k).and_then(Value::as_str).and_then(parse_rfc3339);
    let (Some(start_ms), Some(end_ms)) = (time("filterStartDateTime"), time("filterEndDateTime"))
    else {
        return bad_request("filterStartDateTime and filterEndDateTime are required.");
    };
    let list = |k: &str| -> Vec<String> {
        v.get(k)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    let mut queries = s.queries();
    let q = AuditQuery {
        id: s.guid(),
        display_name: v
            .get("displayName")
            .and_then(Value::as_str)
            .map(str::to_owned),
        start_ms,
        end_ms,
        record_types: list("recordTypeFilters"),
        operations: list("operationFilters"),
        polls_left: queries.polls,
        results: None,
    };
    let body = crate::graph::odata::entity_body(
        &format!(
            "{}/v1.0/$metadata#security/auditLog/queries/$entity",
            s.base
        ),
        None,
        |o| render_query(o, &q),
    );
    queries.by_id.insert(q.id.clone(), q);
    crate::common::http::json_bytes(StatusCode::CREATED, body, crate::graph::odata::JSON)
}

/// `GET /v1.0/security/auditLog/queries`.
pub(crate) async fn list(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> Response {
    if let Some(r) = refused(&s, &caller) {
        return r;
    }
    let q = query_or_return!(q.as_deref(), 999);
    let rows: Vec<AuditQuery> = s.queries().by_id.values().cloned().collect();
    page(
        &s.base,
        uri.path(),
        &q,
        "security/auditLog/queries",
        &rows,
        render_query,
    )
}

/// `GET /v1.0/security/auditLog/queries/{id}`: each read moves a query on; once it has
/// succeeded its records are fixed.
pub(crate) async fn get(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    if let Some(r) = refused(&s, &caller) {
        return r;
    }
    let q = query_or_return!(q.as_deref(), 999);
    let log = &s.index.tenant.unified_audit;
    let mut queries = s.queries();
    let Some(query) = queries.by_id.get_mut(&id) else {
        return not_found(&id);
    };
    if query.results.is_none() {
        if query.polls_left > 0 {
            query.polls_left -= 1;
        } else {
            query.results = Some(Arc::new(matching(log, query)));
        }
    }
    let select = q.select.as_deref();
    entity(
        &format!(
            "{}/v1.0/$metadata#security/auditLog/queries/$entity",
            s.base
        ),
        select,
        |o| render_query(o, query),
    )
}

fn not_found(id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("The audit log query {id} was not found."),
    )
}

/// The records a query finds, oldest first.
fn matching(log: &[AuditRecord], q: &AuditQuery) -> Vec<u32> {
    let from = log.partition_point(|r| r.created_at_ms < q.start_ms);
    let to = log.partition_point(|r| r.created_at_ms <= q.end_ms);
    (from..to)
        .filter(|&i| {
            let r = &log[i];
            (q.record_types.is_empty()
                || q.record_types
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(r.record_type)))
                && (q.operations.is_empty()
                    || q.operations
                        .iter()
                        .any(|o| o.eq_ignore_ascii_case(r.operation)))
        })
        .map(|i| i as u32)
        .collect()
}

/// `GET /v1.0/security/auditLog/queries/{id}/records`: the records of a query that has
/// succeeded, a page at a time.
pub(crate) async fn records(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Some(r) = refused(&s, &caller) {
        return r;
    }
    let mut q = query_or_return!(raw.as_deref(), RECORDS_PAGE);
    if crate::graph::odata::option(&q.params, "top").is_none() {
        q.top = RECORDS_PAGE;
    }
    let results = {
        let queries = s.queries();
        let Some(query) = queries.by_id.get(&id) else {
            return not_found(&id);
        };
        match &query.results {
            Some(r) => Arc::clone(r),
            None => {
                return bad_request(format!(
                    "The audit log query {id} has not succeeded yet (status {}).",
                    query.status()
                ))
            }
        }
    };
    let log = &s.index.tenant.unified_audit;
    let tenant = &s.index.tenant.tenant_id;
    page(
        &s.base,
        uri.path(),
        &q,
        &format!("security/auditLog/queries('{id}')/records"),
        &results,
        |o, &i| record(o, &log[i as usize], tenant),
    )
}

/// An `auditLogRecord`, its `auditData` in the Office 365 Management Activity schema.
fn record(o: &mut Obj<'_>, r: &AuditRecord, tenant: &str) {
    let data_type = match r.record_type {
        "SharePointSharingOperation" => {
            "#microsoft.graph.security.sharePointSharingOperationAuditRecord"
        }
        "SharePointFileOperation" if r.service == "OneDrive" => {
            "#microsoft.graph.security.oneDriveAuditRecord"
        }
        "SharePointFileOperation" => "#microsoft.graph.security.sharePointFileOperationAuditRecord",
        "ExchangeItemAggregated" => {
            "#microsoft.graph.security.exchangeAggregatedMailboxAuditRecord"
        }
        _ => "#microsoft.graph.security.exchangeMailboxAuditRecord",
    };
    let exchange = r.service == "Exchange";
    o.empty_array("administrativeUnits")
        .object("auditData", |o| {
            o.str("@odata.type", data_type)
                .str("ClientIP", &r.client_ip);
            if exchange {
                o.str("ClientInfoString", r.client);
            }
            o.ts("CreationTime", r.created_at_ms)
                .str("Id", &r.id)
                .str("ObjectId", &r.object_id)
                .str("Operation", r.operation)
                .str("OrganizationId", tenant)
                .str(
                    "ResultStatus",
                    if r.succeeded { "Succeeded" } else { "Failed" },
                );
            if !exchange {
                o.str("UserAgent", r.client);
            }
            o.str("UserId", &r.user_principal_name)
                .str("UserKey", &r.user_key)
                .str("Workload", r.service);
        })
        .str("auditLogRecordType", r.record_type)
        .str("clientIp", &r.client_ip)
        .ts("createdDateTime", r.created_at_ms)
        .str("id", &r.id)
        .str("objectId", &r.object_id)
        .str("operation", r.operation)
        .str("organizationId", tenant)
        .str("service", r.service)
        .str("userId", &r.user_principal_name)
        .str("userPrincipalName", &r.user_principal_name)
        .str("userType", "regular");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_runs_then_succeeds() {
        let mut q = AuditQuery {
            id: "q".into(),
            display_name: None,
            start_ms: 0,
            end_ms: 10,
            record_types: Vec::new(),
            operations: Vec::new(),
            polls_left: 1,
            results: None,
        };
        assert_eq!(q.status(), "notStarted");
        q.polls_left = 0;
        assert_eq!(q.status(), "running");
        q.results = Some(Arc::new(Vec::new()));
        assert_eq!(q.status(), "succeeded");
    }
}
