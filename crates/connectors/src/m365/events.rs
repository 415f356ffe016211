//! Audit-log events read as typed views borrowing from the page's text: only the fields an
//! activity needs, every one optional, and no JSON tree built per event (the event's own text
//! is kept as its raw JSON).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::{Error, Result};

/// `directoryAudit`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Audit<'a> {
    #[serde(borrow)]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub activity_date_time: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub activity_display_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub initiated_by: Option<Initiator<'a>>,
    #[serde(borrow)]
    pub target_resources: Option<Vec<Target<'a>>>,
    /// `success`, `failure`, `timeout`.
    #[serde(borrow)]
    pub result: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub(super) struct Initiator<'a> {
    #[serde(borrow)]
    pub user: Option<UserIdentity<'a>>,
    #[serde(borrow)]
    pub app: Option<AppIdentity<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UserIdentity<'a> {
    #[serde(borrow)]
    pub user_principal_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub ip_address: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AppIdentity<'a> {
    #[serde(borrow)]
    pub display_name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Target<'a> {
    #[serde(borrow)]
    pub user_principal_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub display_name: Option<Cow<'a, str>>,
}

/// `signIn`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SignIn<'a> {
    #[serde(borrow)]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub created_date_time: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub user_principal_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub app_display_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub ip_address: Option<Cow<'a, str>>,
    pub status: Option<SignInStatus>,
    #[serde(borrow)]
    pub device_detail: Option<DeviceDetail<'a>>,
}

/// `deviceDetail` of a sign-in: the browser and system it came from.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DeviceDetail<'a> {
    #[serde(borrow)]
    pub browser: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub operating_system: Option<Cow<'a, str>>,
}

/// `microsoft.graph.security.auditLogRecord`: one unified audit log record.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Record<'a> {
    #[serde(borrow)]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub created_date_time: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub operation: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub user_principal_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub user_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub object_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub client_ip: Option<Cow<'a, str>>,
    pub audit_data: Option<AuditData>,
}

/// The fields of a record's `auditData` (the Office 365 Management Activity schema: open
/// properties with capitalised names, whose types vary by workload) an activity needs; a
/// field that is not text is left out rather than failing the record.
#[derive(Deserialize)]
pub(super) struct AuditData {
    /// SharePoint and OneDrive: the browser or client.
    #[serde(default, rename = "UserAgent", deserialize_with = "lenient")]
    pub user_agent: Option<String>,
    /// Exchange: the mail client.
    #[serde(default, rename = "ClientInfoString", deserialize_with = "lenient")]
    pub client_info: Option<String>,
    /// `Succeeded`, `Failed`, `PartiallySucceeded` …
    #[serde(default, rename = "ResultStatus", deserialize_with = "lenient")]
    pub result_status: Option<String>,
}

/// Text when the value is a non-empty string, else nothing.
fn lenient<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<String>, D::Error> {
    let v = Option::<&'de RawValue>::deserialize(d)?;
    Ok(
        v.and_then(|r| serde_json::from_str::<Cow<'_, str>>(r.get()).ok())
            .filter(|s| !s.is_empty())
            .map(Cow::into_owned),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SignInStatus {
    pub error_code: Option<i64>,
}

/// An event of an audit-log page; a field of an unexpected type is a decode error naming it.
pub(super) fn parse<'a, T: Deserialize<'a>>(raw: &'a RawValue) -> Result<T> {
    serde_json::from_str(raw.get()).map_err(|e| Error::Decode {
        url: "auditLogs".into(),
        message: format!("an event: {e}"),
    })
}

/// A text field, owned, when present and not empty.
pub(super) fn some(field: &Option<Cow<'_, str>>) -> Option<String> {
    field
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}
