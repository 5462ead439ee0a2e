//! Audit records -> a typed [`Audit`]: Graph `directoryAudit` (camelCase), Log Analytics
//! `AuditLogs` rows (PascalCase, `InitiatedBy` as JSON text) and diagnostic-settings `AuditLogs`
//! records (the object in `properties`, `result` sometimes a number). Pure, no I/O.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::{Refusal, describe, truncate};
use crate::domain::time::parse_timestamp;

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
    pub correlation_id: Option<Cow<'a, str>>,
    /// `initiatedBy.user.id` and `.displayName`.
    pub initiated_by_user_id: Option<String>,
    pub initiated_by_user_name: Option<String>,
    /// The first target resource of type `User`: the user an event is about (the one who
    /// registered a method, whose password was reset).
    pub target_user: TargetUser,
    /// `additionalDetails` as compact JSON text (`[{"key":..,"value":..}]`), when not empty.
    pub additional_details: Option<String>,
    /// Every target resource as compact JSON text of [`Target`]s, when there are any.
    pub targets: Option<String>,
}

/// A target resource as stored: what the consent and sensitive-operation reports read. Every
/// shape's member names (`displayName`, `DisplayName`) become Graph's; values are kept as the
/// export wrote them (a modified property's values are usually JSON text themselves).
#[derive(Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    #[serde(default)]
    pub modified_properties: Vec<Property>,
}

/// A modified property of a target.
#[derive(Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Property {
    pub display_name: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// Member `key` of an object, in Graph's camelCase or PowerShell's PascalCase (any case).
fn member<'v>(v: &'v Value, key: &str) -> &'v Value {
    static NULL: Value = Value::Null;
    match v {
        Value::Object(m) => {
            m.get(key).or_else(|| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)).unwrap_or(&NULL)
        }
        _ => &NULL,
    }
}

/// Text of a value: a string trimmed (none when empty); a number or a boolean as written.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_string),
        Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
        _ => None,
    }
}

/// The targets of a record, in every shape.
fn targets_of(targets: &Value) -> Vec<Target> {
    targets
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t.is_object())
        .map(|t| Target {
            kind: text_of(member(t, "type")),
            id: text_of(member(t, "id")),
            display_name: text_of(member(t, "displayName")),
            user_principal_name: text_of(member(t, "userPrincipalName")),
            modified_properties: member(t, "modifiedProperties")
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| Property {
                    display_name: text_of(member(p, "displayName")),
                    old_value: text_of(member(p, "oldValue")),
                    new_value: text_of(member(p, "newValue")),
                })
                .collect(),
        })
        .collect()
}

/// A user an audit event targets.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TargetUser {
    pub id: Option<String>,
    pub user_principal_name: Option<String>,
    pub display_name: Option<String>,
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
    #[serde(borrow, rename = "correlationId", alias = "CorrelationId")]
    correlation_id: Option<Cow<'a, str>>,
    /// A list, or JSON text holding one (Log Analytics).
    #[serde(borrow, rename = "targetResources", alias = "TargetResources")]
    target_resources: Option<&'a RawValue>,
    #[serde(borrow, rename = "additionalDetails", alias = "AdditionalDetails")]
    additional_details: Option<&'a RawValue>,
}

/// A JSON value, or the JSON a text value holds (Log Analytics writes `dynamic` columns as
/// text); `Null` when absent or empty.
fn json_or_text(raw: Option<&RawValue>, field: &str) -> Result<Value, Refusal> {
    match raw.map(|r| serde_json::from_str::<Value>(r.get())) {
        Some(Ok(Value::String(s))) if !s.trim().is_empty() => {
            serde_json::from_str(&s).map_err(|e| Refusal(format!("`{field}` text is not JSON: {e}")))
        }
        Some(Ok(Value::String(_))) | None => Ok(Value::Null),
        Some(Ok(v)) => Ok(v),
        Some(Err(e)) => Err(Refusal(format!("`{field}`: {e}"))),
    }
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
    let initiated = json_or_text(raw.initiated_by, "initiatedBy")?;
    let targets = json_or_text(raw.target_resources, "targetResources")?;
    let details = json_or_text(raw.additional_details, "additionalDetails")?;
    let text = |v: &Value| v.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let all = targets_of(&targets);
    let user = all.iter().find(|t| t.kind.as_deref().is_some_and(|k| k.eq_ignore_ascii_case("user")));
    let target_user = user.map_or_else(TargetUser::default, |u| TargetUser {
        id: u.id.clone(),
        user_principal_name: u.user_principal_name.clone(),
        display_name: u.display_name.clone(),
    });
    let (by_user, by_app) = (member(&initiated, "user"), member(&initiated, "app"));
    Ok(Audit {
        id,
        activity_us,
        category: raw.category,
        activity_display_name: raw.activity_display_name.or(raw.operation_name),
        result,
        result_reason: raw.result_reason,
        logged_by_service: raw.logged_by_service,
        operation_type: raw.operation_type,
        initiated_by_user: text(member(by_user, "userPrincipalName")),
        initiated_by_app: text(member(by_app, "displayName")),
        correlation_id: raw.correlation_id,
        initiated_by_user_id: text(member(by_user, "id")),
        initiated_by_user_name: text(member(by_user, "displayName")),
        target_user,
        additional_details: match details {
            Value::Array(a) if !a.is_empty() => Some(Value::Array(a).to_string()),
            _ => None,
        },
        targets: (!all.is_empty()).then(|| serde_json::to_string(&all).unwrap_or_default()),
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
        // The user an event is about is its first target of type User, in either shape.
        let reg = r#"{"id":"r1","activityDateTime":"2022-06-27T10:03:43.009984+00:00","activityDisplayName":"Admin registered security info",
            "loggedByService":"Authentication Methods","correlationId":"c1","resultReason":"Admin registered temporary access pass method for user",
            "initiatedBy":{"user":{"id":"admin-id","displayName":"Admin","userPrincipalName":"admin@x"}},
            "targetResources":[{"id":"g1","type":"Group"},{"id":"u1","displayName":"Ana","type":"User","userPrincipalName":"ana@x"}],
            "additionalDetails":[]}"#;
        let a = parse(reg, None).unwrap();
        assert_eq!(
            (
                a.target_user.id.as_deref(),
                a.target_user.user_principal_name.as_deref(),
                a.target_user.display_name.as_deref()
            ),
            (Some("u1"), Some("ana@x"), Some("Ana"))
        );
        assert_eq!(
            (a.initiated_by_user_id.as_deref(), a.correlation_id.as_deref(), a.additional_details),
            (Some("admin-id"), Some("c1"), None)
        );
        let la = r#"{"Id":"r2","ActivityDateTime":"2022-06-27T10:03:43Z","OperationName":"Reset password (self-service)",
            "TargetResources":"[{\"id\":\"u2\",\"type\":\"User\",\"userPrincipalName\":\"bo@x\"}]",
            "AdditionalDetails":"[{\"key\":\"Method\",\"value\":\"Email\"}]"}"#;
        let a = parse(la, None).unwrap();
        assert_eq!(a.target_user.user_principal_name.as_deref(), Some("bo@x"));
        assert_eq!(a.additional_details.as_deref(), Some(r#"[{"key":"Method","value":"Email"}]"#));
        assert!(
            parse(r#"{"id":"x","activityDateTime":"2022-06-27T10:03:43Z","targetResources":"not json"}"#, None)
                .is_err()
        );
    }
}
