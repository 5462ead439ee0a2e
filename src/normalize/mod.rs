//! Raw record bytes -> a typed [`SignIn`] that borrows from the record. Pure, no I/O.
//!
//! Reads only the fields the reports need (serde skips the rest) and is strict about their
//! types: a record whose `status.errorCode` is a string or whose `appId` is a number is refused
//! with a reason naming the field, because a silently coerced record is a miscounted one.

pub mod inventory;

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::time::parse_timestamp;
pub use inventory::{InventoryObject, Origin};

/// The sign-in event types of Graph beta `signInEventTypes`, plus `Unknown` for anything else.
/// The partition folder names come from here, never from record text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    InteractiveUser,
    NonInteractiveUser,
    ServicePrincipal,
    ManagedIdentity,
    Unknown,
}

impl EventType {
    pub const ALL: [EventType; 5] = [
        EventType::InteractiveUser,
        EventType::NonInteractiveUser,
        EventType::ServicePrincipal,
        EventType::ManagedIdentity,
        EventType::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::InteractiveUser => "interactiveUser",
            EventType::NonInteractiveUser => "nonInteractiveUser",
            EventType::ServicePrincipal => "servicePrincipal",
            EventType::ManagedIdentity => "managedIdentity",
            EventType::Unknown => "unknown",
        }
    }

    /// Case-insensitive; `None` for anything not a known event type.
    pub fn parse(s: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// A normalised sign-in, borrowing its text from the raw record where it can.
#[derive(Debug, Default, PartialEq)]
pub struct SignIn<'a> {
    pub id: Cow<'a, str>,
    pub created_us: i64,
    pub event_type: Option<EventType>,
    pub app_id: Option<Cow<'a, str>>,
    pub app_display_name: Option<Cow<'a, str>>,
    pub resource_id: Option<Cow<'a, str>>,
    pub resource_display_name: Option<Cow<'a, str>>,
    pub user_id: Option<Cow<'a, str>>,
    pub user_principal_name: Option<Cow<'a, str>>,
    pub user_display_name: Option<Cow<'a, str>>,
    /// `None` when the record carries no `status.errorCode`: unknown, which counts as a failure.
    pub error_code: Option<i32>,
    pub failure_reason: Option<Cow<'a, str>>,
    pub additional_details: Option<Cow<'a, str>>,
    pub ip_address: Option<Cow<'a, str>>,
    pub client_app_used: Option<Cow<'a, str>>,
    pub correlation_id: Option<Cow<'a, str>>,
    pub service_principal_id: Option<Cow<'a, str>>,
    pub service_principal_name: Option<Cow<'a, str>>,
    pub credential_key_id: Option<Cow<'a, str>>,
    pub authentication_requirement: Option<Cow<'a, str>>,
    pub conditional_access_status: Option<Cow<'a, str>>,
}

impl SignIn<'_> {
    /// The event type with the fallbacks applied (see [`normalize`]).
    pub fn kind(&self) -> EventType {
        self.event_type.unwrap_or(EventType::Unknown)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawStatus<'a> {
    error_code: Option<i64>,
    #[serde(borrow)]
    failure_reason: Option<Cow<'a, str>>,
    #[serde(borrow)]
    additional_details: Option<Cow<'a, str>>,
}

/// The Graph `signIn` fields the reports read. Unknown fields are skipped.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSignIn<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    created_date_time: Option<Cow<'a, str>>,
    #[serde(borrow)]
    sign_in_event_types: Option<Vec<Cow<'a, str>>>,
    is_interactive: Option<bool>,
    #[serde(borrow)]
    app_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    app_display_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    resource_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    resource_display_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user_principal_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user_display_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    status: Option<RawStatus<'a>>,
    #[serde(borrow)]
    ip_address: Option<Cow<'a, str>>,
    #[serde(borrow)]
    client_app_used: Option<Cow<'a, str>>,
    #[serde(borrow)]
    correlation_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    service_principal_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    service_principal_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    service_principal_credential_key_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    authentication_requirement: Option<Cow<'a, str>>,
    #[serde(borrow)]
    conditional_access_status: Option<Cow<'a, str>>,
    /// Present only in applications and service principals (the credential inventory).
    #[serde(alias = "KeyCredentials")]
    key_credentials: Option<IgnoredAny>,
    #[serde(alias = "PasswordCredentials")]
    password_credentials: Option<IgnoredAny>,
    /// Present only so a page envelope mistaken for a record is recognised.
    #[serde(rename = "value")]
    envelope_value: Option<IgnoredAny>,
}

/// Why a record was refused. The text names the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

/// Normalises one Graph `signIn` record.
///
/// Event type: the first of `signInEventTypes` when present; else `hint` (the table or
/// category an export came from); else `isInteractive` (v1.0 exports); else interactiveUser,
/// since Graph v1.0 lists only interactive sign-ins.
pub fn normalize(record: &str, hint: Option<EventType>) -> Result<SignIn<'_>, Refusal> {
    // `from_str`: the caller validated UTF-8 once already (it needs the text for the raw column).
    match read_record(record, hint, None)? {
        Record::SignIn(s) => Ok(s),
        Record::Inventory(_) => {
            Err(Refusal("an application or service principal object (credential inventory), not a sign-in".into()))
        }
    }
}

/// What one record of an export is.
// The large variant is the common one: boxing it would cost an allocation per sign-in.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, PartialEq)]
pub enum Record<'a> {
    SignIn(SignIn<'a>),
    /// An application or service principal with its credentials (`--kind credentials`).
    Inventory(InventoryObject),
}

/// Reads a record of any kind: a Graph `signIn`, or an application or service principal (it
/// carries `keyCredentials` or `passwordCredentials`, which no sign-in has). `context` is the
/// `@odata.context` of the page the record came in.
pub fn read_record<'a>(record: &'a str, hint: Option<EventType>, context: Option<&str>) -> Result<Record<'a>, Refusal> {
    let raw: RawSignIn<'_> =
        serde_json::from_str(record).map_err(|e| Refusal(describe::<RawSignIn<'_>>(record, &e)))?;
    if raw.key_credentials.is_some() || raw.password_credentials.is_some() {
        return inventory::parse_object(record, context).map(Record::Inventory);
    }
    sign_in(raw, hint).map(Record::SignIn)
}

fn sign_in(raw: RawSignIn<'_>, hint: Option<EventType>) -> Result<SignIn<'_>, Refusal> {
    if raw.envelope_value.is_some() && raw.id.is_none() {
        return Err(Refusal("a page object (with `value`) where a sign-in record was expected".into()));
    }
    let id = match raw.id {
        Some(id) if !id.trim().is_empty() => id,
        _ => return Err(Refusal("missing `id`".into())),
    };
    let created = raw.created_date_time.ok_or_else(|| Refusal("missing `createdDateTime`".into()))?;
    let created_us = parse_timestamp(&created)
        .ok_or_else(|| Refusal(format!("`createdDateTime` is not a timestamp: {:?}", truncate(&created, 64))))?;
    let event_type = match raw.sign_in_event_types.as_deref() {
        Some([first, ..]) => EventType::parse(first).unwrap_or(EventType::Unknown),
        _ => hint.unwrap_or(match raw.is_interactive {
            Some(false) => EventType::NonInteractiveUser,
            _ => EventType::InteractiveUser,
        }),
    };
    let (error_code, failure_reason, additional_details) = match raw.status {
        Some(s) => {
            let code = match s.error_code {
                None => None,
                Some(c) => {
                    Some(i32::try_from(c).map_err(|_| Refusal(format!("`status.errorCode` {c} is out of range")))?)
                }
            };
            (code, s.failure_reason, s.additional_details)
        }
        None => (None, None, None),
    };
    Ok(SignIn {
        id,
        created_us,
        event_type: Some(event_type),
        app_id: raw.app_id,
        app_display_name: raw.app_display_name,
        resource_id: raw.resource_id,
        resource_display_name: raw.resource_display_name,
        user_id: raw.user_id,
        user_principal_name: raw.user_principal_name,
        user_display_name: raw.user_display_name,
        error_code,
        failure_reason,
        additional_details,
        ip_address: raw.ip_address,
        client_app_used: raw.client_app_used,
        correlation_id: raw.correlation_id,
        service_principal_id: raw.service_principal_id,
        service_principal_name: raw.service_principal_name,
        credential_key_id: raw.service_principal_credential_key_id,
        authentication_requirement: raw.authentication_requirement,
        conditional_access_status: raw.conditional_access_status,
    })
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// A serde error with the dotted path of the field it concerns, found by a second, slower
/// parse that only runs for refused records.
fn describe<'a, T: Deserialize<'a>>(record: &'a str, e: &serde_json::Error) -> String {
    let mut de = serde_json::Deserializer::from_str(record);
    let path = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(err) => err.path().to_string(),
        Ok(_) => String::new(),
    };
    // serde's "at line L column C" counts within the record; say so, since the caller adds the
    // record's own line in the file.
    let msg = e.to_string();
    let msg = match msg.rfind(" at line ") {
        Some(i) if e.line() <= 1 => format!("{} (column {} of the record)", &msg[..i], e.column()),
        Some(i) => format!("{} (line {}, column {} of the record)", &msg[..i], e.line(), e.column()),
        None => msg,
    };
    if path.is_empty() || path == "." { msg } else { format!("`{path}`: {msg}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_record() {
        let r = r#"{"id":"x1","createdDateTime":"2024-05-01T10:00:00.1234567Z","appId":"a","appDisplayName":"Caf\u00e9",
            "status":{"errorCode":50126,"failureReason":"bad"},"signInEventTypes":["nonInteractiveUser"],"extra":{"deep":[1,2]}}"#;
        let s = normalize(r, None).unwrap();
        assert_eq!(s.id, "x1");
        assert_eq!(s.kind(), EventType::NonInteractiveUser);
        assert_eq!(s.error_code, Some(50126));
        assert_eq!(s.app_display_name.as_deref(), Some("Café"));
        assert_eq!(s.created_us % 1_000_000, 123_456);
    }

    #[test]
    fn event_type_fallbacks() {
        let base = |extra: &str| format!(r#"{{"id":"x","createdDateTime":"2024-05-01T10:00:00Z"{extra}}}"#);
        let kind = |s: &str, hint| normalize(s, hint).unwrap().kind();
        assert_eq!(kind(&base(""), None), EventType::InteractiveUser);
        assert_eq!(kind(&base(r#","isInteractive":false"#), None), EventType::NonInteractiveUser);
        assert_eq!(kind(&base(""), Some(EventType::ServicePrincipal)), EventType::ServicePrincipal);
        assert_eq!(kind(&base(r#","signInEventTypes":["weird"]"#), None), EventType::Unknown);
    }

    #[test]
    fn refusals_name_the_field() {
        let e =
            normalize(r#"{"id":"x","createdDateTime":"2024-05-01T10:00:00Z","status":{"errorCode":"50126"}}"#, None);
        assert!(e.unwrap_err().0.starts_with("`status.errorCode`"));
        let e = normalize(r#"{"id":"x","createdDateTime":"2024-05-01T10:00:00Z","appId":5}"#, None);
        assert!(e.unwrap_err().0.starts_with("`appId`"));
        assert_eq!(normalize(r#"{"createdDateTime":"2024-05-01T10:00:00Z"}"#, None).unwrap_err().0, "missing `id`");
        assert!(normalize(r#"{"id":"x"}"#, None).unwrap_err().0.contains("createdDateTime"));
        assert!(normalize(r#"{"id":"x","createdDateTime":"soon"}"#, None).unwrap_err().0.contains("not a timestamp"));
        assert!(
            normalize(
                r#"{"id":"x","createdDateTime":"2024-05-01T10:00:00Z","status":{"errorCode":99999999999}}"#,
                None
            )
            .is_err()
        );
        let s = normalize(r#"{"id":"x","createdDateTime":"2024-05-01T10:00:00Z","status":{}}"#, None).unwrap();
        assert_eq!(s.error_code, None);
    }
}
