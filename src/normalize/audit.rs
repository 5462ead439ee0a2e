//! Audit records -> a typed [`Audit`]: Graph `directoryAudit` (camelCase), Log Analytics
//! `AuditLogs` rows (PascalCase, `InitiatedBy` as JSON text) and diagnostic-settings `AuditLogs`
//! records (the object in `properties`, `result` sometimes a number). Pure, no I/O.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::{Refusal, describe, truncate};
use crate::time::parse_timestamp;

/// A normalised audit record.
#[derive(Debug, Default, PartialEq)]
pub struct Audit<'a> {
    pub id: Cow<'a, str>,
    pub activity_us: i64,
    /// The audit category (`UserManagement`, `ApplicationManagement`, ...).
    pub category: Option<Cow<'a, str>>,
    pub activity_display_name: Option<Cow<'a, str>>,
    pub result: Option<String>,
    pub result_reason: Option<Cow<'a, str>>,
    pub logged_by_service: Option<Cow<'a, str>>,
    pub operation_type: Option<Cow<'a, str>>,
    /// `initiatedBy.user.userPrincipalName`.
    pub initiated_by_user: Option<String>,
    /// `initiatedBy.app.displayName`.
    pub initiated_by_app: Option<String>,
}

#[derive(Deserialize)]
struct RawAudit<'a> {
    #[serde(borrow, rename = "id", alias = "Id")]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "activityDateTime", alias = "ActivityDateTime")]
    activity_date_time: Option<Cow<'a, str>>,
    /// Seen where `activityDateTime` belongs in some Graph exports.
    #[serde(borrow, rename = "createdDateTime")]
    created_date_time: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "TimeGenerated")]
    time_generated: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "category", alias = "Category")]
    category: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "activityDisplayName", alias = "ActivityDisplayName")]
    activity_display_name: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "OperationName")]
    operation_name: Option<Cow<'a, str>>,
    /// `success`/`failure`, or a number in some diagnostic records.
    #[serde(borrow, rename = "result", alias = "Result")]
    result: Option<&'a RawValue>,
    #[serde(borrow, rename = "resultReason", alias = "ResultReason")]
    result_reason: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "loggedByService", alias = "LoggedByService")]
    logged_by_service: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "operationType", alias = "AADOperationType")]
    operation_type: Option<Cow<'a, str>>,
    /// An object, or JSON text holding one (Log Analytics).
    #[serde(borrow, rename = "initiatedBy", alias = "InitiatedBy")]
    initiated_by: Option<&'a RawValue>,
}

/// Reads an audit record; `time` is the diagnostic envelope's, used when the record has none.
pub fn parse<'a>(record: &'a str, time: Option<&str>) -> Result<Audit<'a>, Refusal> {
    let raw: RawAudit<'a> = serde_json::from_str(record).map_err(|e| Refusal(describe::<RawAudit<'_>>(record, &e)))?;
    let id = match raw.id {
        Some(id) if !id.trim().is_empty() => id,
        _ => return Err(Refusal("missing `id`".into())),
    };
    let (when, field) = match (raw.activity_date_time, raw.created_date_time, raw.time_generated, time) {
        (Some(t), ..) if !t.trim().is_empty() => (t.into_owned(), "activityDateTime"),
        (_, Some(t), ..) if !t.trim().is_empty() => (t.into_owned(), "createdDateTime"),
        (_, _, Some(t), _) if !t.trim().is_empty() => (t.into_owned(), "TimeGenerated"),
        (_, _, _, Some(t)) => (t.to_string(), "time"),
        _ => return Err(Refusal("missing `activityDateTime`".into())),
    };
    let activity_us = parse_timestamp(&when)
        .ok_or_else(|| Refusal(format!("`{field}` is not a timestamp: {:?}", truncate(&when, 64))))?;
    let result = match raw.result.map(|r| serde_json::from_str::<Value>(r.get())) {
        None | Some(Ok(Value::Null)) => None,
        Some(Ok(Value::String(s))) => Some(s),
        Some(Ok(Value::Number(n))) => Some(n.to_string()),
        Some(_) => return Err(Refusal("`result` is neither text nor a number".into())),
    };
    let initiated: Value = match raw.initiated_by.map(|r| serde_json::from_str::<Value>(r.get())) {
        Some(Ok(Value::String(s))) if !s.trim().is_empty() => {
            serde_json::from_str(&s).map_err(|e| Refusal(format!("`InitiatedBy` text is not JSON: {e}")))?
        }
        Some(Ok(v)) => v,
        _ => Value::Null,
    };
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
    Ok(Audit {
        id,
        activity_us,
        category: raw.category,
        activity_display_name: raw.activity_display_name.or(raw.operation_name),
        result,
        result_reason: raw.result_reason,
        logged_by_service: raw.logged_by_service,
        operation_type: raw.operation_type,
        initiated_by_user: text(&initiated["user"]["userPrincipalName"]),
        initiated_by_app: text(&initiated["app"]["displayName"]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_log_analytics_and_diagnostic_shapes() {
        let graph = r#"{"id":"d1","category":"UserManagement","activityDisplayName":"Reset password (self-service)",
            "activityDateTime":"2024-05-01T10:00:00Z","result":"success","loggedByService":"Self-service Password Management",
            "initiatedBy":{"user":{"userPrincipalName":"ana@contoso.example"}}}"#;
        let a = parse(graph, None).unwrap();
        assert_eq!(
            (a.result.as_deref(), a.initiated_by_user.as_deref()),
            (Some("success"), Some("ana@contoso.example"))
        );
        let la = r#"{"Id":"d2","ActivityDateTime":"2021-08-02T13:29:25.983Z","Category":"ApplicationManagement",
            "OperationName":"Update application","Result":"success","AADOperationType":"Update",
            "InitiatedBy":"{\"app\":{\"displayName\":\"Graph Explorer\"}}","Type":"AuditLogs"}"#;
        let a = parse(la, None).unwrap();
        assert_eq!(
            (a.activity_display_name.as_deref(), a.initiated_by_app.as_deref()),
            (Some("Update application"), Some("Graph Explorer"))
        );
        let props = r#"{"id":"d3","category":"Authorization","result":0,"activityDisplayName":"x"}"#;
        let a = parse(props, Some("2022-04-02T08:50:06.9024666Z")).unwrap();
        assert_eq!(
            (a.result.as_deref(), a.activity_us),
            (Some("0"), parse_timestamp("2022-04-02T08:50:06.902466Z").unwrap())
        );
        assert_eq!(parse(r#"{"id":"x"}"#, None).unwrap_err().0, "missing `activityDateTime`");
    }
}
