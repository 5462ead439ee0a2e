//! Raw record text -> a typed [`Record`]: a [`SignIn`] that borrows from the record (Entra ID or
//! AD FS; Graph camelCase, Log Analytics PascalCase or a diagnostic-settings envelope), an audit
//! record, a credential inventory object, or an AD FS relying-party trust. Pure, no I/O.
//!
//! Reads only the fields the reports need (serde skips the rest) and is strict about their
//! types: a record whose `status.errorCode` is a string or whose `appId` is a number is refused
//! with a reason naming the field, because a silently coerced record is a miscounted one. The
//! text forms Log Analytics and CSV exports use are accepted by name (`flex`), nothing else.

pub mod audit;
pub mod claim_rules;
mod flex;
pub mod inventory;
pub mod registration;
pub mod rp_trust;

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::domain::EventType;
use crate::domain::time::parse_timestamp;
pub use flex::METHOD_SEPARATOR;
use flex::{AuthMethods, FlexBool, FlexCode, FlexDevice, FlexList, FlexLocation, FlexPolicies, FlexStatus};
pub use flex::{Device, Location, Policies, RECORD_SEPARATOR, Steps};
pub use inventory::{InventoryObject, Origin};

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
    /// The authentication methods the sign-in used, from `authenticationDetails` (see
    /// [`flex::AuthMethods`]): joined by [`METHOD_SEPARATOR`], `None` without any steps.
    pub auth_methods: Option<String>,
    /// Every step of `authenticationDetails` ([`Steps`]), `None` without any.
    pub auth_steps: Option<String>,
    pub authentication_protocol: Option<Cow<'a, str>>,
    pub incoming_token_type: Option<Cow<'a, str>>,
    /// `riskLevelDuringSignIn`.
    pub risk_level: Option<Cow<'a, str>>,
    pub risk_state: Option<Cow<'a, str>>,
    /// `member` or `guest` (Log Analytics' `Member`/`Guest` in Graph's case), else as given.
    pub user_type: Option<Cow<'a, str>>,
    pub home_tenant_id: Option<Cow<'a, str>>,
    pub resource_tenant_id: Option<Cow<'a, str>>,
    pub cross_tenant_access_type: Option<Cow<'a, str>>,
    pub user_agent: Option<Cow<'a, str>>,
    pub client_credential_type: Option<Cow<'a, str>>,
    pub location: Location<'a>,
    pub device: Device<'a>,
    /// `appliedConditionalAccessPolicies` ([`Policies`]); `None` when the export has none.
    pub ca_policies: Option<String>,
}

impl SignIn<'_> {
    /// The event type with the fallbacks applied (see [`normalize`]).
    pub fn kind(&self) -> EventType {
        self.event_type.unwrap_or(EventType::Unknown)
    }
}

/// The fields the reports read, under their Graph names (camelCase), their Log Analytics column
/// names (PascalCase, `ResourceIdentity` for `resourceId`), and the diagnostic-settings envelope
/// (`time`, `category`, `resultType`, `properties`). Unknown fields are skipped.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSignIn<'a> {
    #[serde(borrow, alias = "Id")]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "CreatedDateTime")]
    created_date_time: Option<Cow<'a, str>>,
    /// Log Analytics ingestion time: the only time column of the service principal and
    /// managed identity tables.
    #[serde(borrow, rename = "TimeGenerated")]
    time_generated: Option<Cow<'a, str>>,
    /// Diagnostic-settings envelope time.
    #[serde(borrow)]
    time: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "SignInEventTypes")]
    sign_in_event_types: Option<FlexList<'a>>,
    #[serde(alias = "IsInteractive")]
    is_interactive: Option<FlexBool>,
    #[serde(borrow, alias = "AppId")]
    app_id: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "AppDisplayName")]
    app_display_name: Option<Cow<'a, str>>,
    /// Graph `resourceId`. Log Analytics `ResourceId` is the envelope's resource path and is
    /// not read; its `ResourceIdentity` is this.
    #[serde(borrow, alias = "ResourceIdentity")]
    resource_id: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "ResourceDisplayName")]
    resource_display_name: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "UserId")]
    user_id: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "UserPrincipalName")]
    user_principal_name: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "UserDisplayName")]
    user_display_name: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "Status")]
    status: Option<FlexStatus<'a>>,
    /// Log Analytics / envelope error code, when there is no `status`.
    #[serde(rename = "ResultType", alias = "resultType")]
    result_type: Option<FlexCode>,
    #[serde(borrow, rename = "ResultDescription", alias = "resultDescription")]
    result_description: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "IPAddress")]
    ip_address: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "ClientAppUsed")]
    client_app_used: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "CorrelationId")]
    correlation_id: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "ServicePrincipalId")]
    service_principal_id: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "ServicePrincipalName")]
    service_principal_name: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "ServicePrincipalCredentialKeyId")]
    service_principal_credential_key_id: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "AuthenticationRequirement")]
    authentication_requirement: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "ConditionalAccessStatus")]
    conditional_access_status: Option<Cow<'a, str>>,
    #[serde(alias = "AuthenticationDetails")]
    authentication_details: Option<AuthMethods>,
    #[serde(borrow, alias = "AuthenticationProtocol")]
    authentication_protocol: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "IncomingTokenType")]
    incoming_token_type: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "RiskLevelDuringSignIn")]
    risk_level_during_sign_in: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "RiskState")]
    risk_state: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "UserType")]
    user_type: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "HomeTenantId")]
    home_tenant_id: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "ResourceTenantId")]
    resource_tenant_id: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "CrossTenantAccessType")]
    cross_tenant_access_type: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "UserAgent")]
    user_agent: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "ClientCredentialType")]
    client_credential_type: Option<Cow<'a, str>>,
    /// Graph `location`; Log Analytics `Location` is the country code alone; the admin center's
    /// `Location` is "City, State, CC".
    #[serde(borrow, alias = "Location")]
    location: Option<FlexLocation<'a>>,
    /// Log Analytics `LocationDetails` (Graph's `location`).
    #[serde(borrow, rename = "LocationDetails")]
    location_details: Option<FlexLocation<'a>>,
    #[serde(borrow, alias = "DeviceDetail")]
    device_detail: Option<FlexDevice<'a>>,
    /// The admin center's device columns (`Operating System`, `Browser`, `Compliant`, `Managed`,
    /// `Join Type`), as `ingest::delimited` names them.
    #[serde(borrow, rename = "DeviceOperatingSystem")]
    device_os: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "DeviceBrowser")]
    device_browser: Option<Cow<'a, str>>,
    #[serde(rename = "DeviceIsCompliant")]
    device_compliant: Option<FlexBool>,
    #[serde(rename = "DeviceIsManaged")]
    device_managed: Option<FlexBool>,
    #[serde(borrow, rename = "DeviceTrustType")]
    device_trust_type: Option<Cow<'a, str>>,
    #[serde(alias = "ConditionalAccessPolicies")]
    applied_conditional_access_policies: Option<FlexPolicies>,
    /// Log Analytics table name. (Taken as the table first: in `AuditLogs` rows `Category` is
    /// the audit category.)
    #[serde(borrow, rename = "Type")]
    table: Option<Cow<'a, str>>,
    /// Diagnostic category (also a Log Analytics column).
    #[serde(borrow, alias = "Category")]
    category: Option<Cow<'a, str>>,
    /// A diagnostic-settings record's Graph object.
    #[serde(borrow)]
    properties: Option<&'a serde_json::value::RawValue>,
    /// Present only in applications and service principals (the credential inventory).
    #[serde(alias = "KeyCredentials")]
    key_credentials: Option<IgnoredAny>,
    #[serde(alias = "PasswordCredentials")]
    password_credentials: Option<IgnoredAny>,
    /// Present only in audit records (Graph `directoryAudit`, Log Analytics `AuditLogs`).
    #[serde(alias = "ActivityDisplayName")]
    activity_display_name: Option<IgnoredAny>,
    #[serde(alias = "ActivityDateTime")]
    activity_date_time: Option<IgnoredAny>,
    /// Present only in user registration details (reports/authenticationMethods).
    #[serde(alias = "IsMfaRegistered")]
    is_mfa_registered: Option<IgnoredAny>,
    #[serde(alias = "MethodsRegistered")]
    methods_registered: Option<IgnoredAny>,
    /// Present only in AD FS relying-party trusts (`Get-AdfsRelyingPartyTrust`).
    #[serde(rename = "Identifier")]
    rp_identifier: Option<IgnoredAny>,
    #[serde(rename = "IssuanceTransformRules")]
    rp_transform_rules: Option<IgnoredAny>,
    #[serde(rename = "ClaimsProviderName")]
    rp_claims_providers: Option<IgnoredAny>,
    /// Present only so a page envelope mistaken for a record is recognised.
    #[serde(rename = "value")]
    envelope_value: Option<IgnoredAny>,
}

/// What a Log Analytics table or diagnostic category holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    SignIns(EventType),
    AdfsSignIns,
    Audits,
    Other,
}

/// From the Log Analytics `Type` (table) or the diagnostic `category`.
/// Table and category names, compared case-insensitively (no allocation per record).
const SOURCES: [(&str, Source); 10] = [
    // The table is `SigninLogs`, the category `SignInLogs`: one name, case aside.
    ("SigninLogs", Source::SignIns(EventType::InteractiveUser)),
    ("AADNonInteractiveUserSignInLogs", Source::SignIns(EventType::NonInteractiveUser)),
    ("NonInteractiveUserSignInLogs", Source::SignIns(EventType::NonInteractiveUser)),
    ("AADServicePrincipalSignInLogs", Source::SignIns(EventType::ServicePrincipal)),
    ("ServicePrincipalSignInLogs", Source::SignIns(EventType::ServicePrincipal)),
    ("MicrosoftServicePrincipalSignInLogs", Source::SignIns(EventType::ServicePrincipal)),
    ("AADManagedIdentitySignInLogs", Source::SignIns(EventType::ManagedIdentity)),
    ("ManagedIdentitySignInLogs", Source::SignIns(EventType::ManagedIdentity)),
    ("ADFSSignInLogs", Source::AdfsSignIns),
    ("AuditLogs", Source::Audits),
];

fn source_of(name: &str) -> Source {
    let n = name.trim();
    SOURCES.iter().find(|(s, _)| s.eq_ignore_ascii_case(n)).map_or(Source::Other, |(_, src)| *src)
}

/// Why a record was refused. The text names the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

/// Normalises one Entra ID sign-in (Graph, Log Analytics row or diagnostic record); any other
/// kind of record is refused, saying what it is.
///
/// Event type: the first of `signInEventTypes` when present; else the Log Analytics table or
/// diagnostic category; else `hint` (`--kind`); else `isInteractive` (v1.0 exports); else
/// interactiveUser, since Graph v1.0 lists only interactive sign-ins.
pub fn normalize(record: &str, hint: Option<EventType>) -> Result<SignIn<'_>, Refusal> {
    // `from_str`: the caller validated UTF-8 once already (it needs the text for the raw column).
    match read_record(record, hint, None)? {
        Record::SignIn(s) => Ok(s),
        Record::Inventory(_) => {
            Err(Refusal("an application or service principal object (credential inventory), not a sign-in".into()))
        }
        Record::AdfsSignIn(_) => Err(Refusal("an AD FS sign-in, not an Entra ID sign-in".into())),
        Record::Audit(_) => Err(Refusal("an audit record, not a sign-in".into())),
        Record::RpTrust(_) => Err(Refusal("an AD FS relying-party trust, not a sign-in".into())),
        Record::Registration(_) => Err(Refusal("a user's authentication method registration, not a sign-in".into())),
    }
}

/// What one record of an export is.
// The large variant is the common one: boxing it would cost an allocation per sign-in.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, PartialEq)]
pub enum Record<'a> {
    SignIn(SignIn<'a>),
    /// An AD FS sign-in (`ADFSSignInLogs`): `resource_id` is the relying party identifier.
    AdfsSignIn(SignIn<'a>),
    /// A directory audit record (Graph `directoryAudit`, `AuditLogs`).
    Audit(audit::Audit<'a>),
    /// An AD FS relying-party trust (stored as its text; the checks read it at report time).
    RpTrust(rp_trust::RpTrust),
    /// An application or service principal with its credentials (`--kind credentials`).
    Inventory(InventoryObject),
    /// A user's authentication method registration (`userRegistrationDetails`).
    Registration(registration::Registration),
}

/// Reads a record of any kind: an Entra ID or AD FS sign-in, an audit record, an application or
/// service principal (it carries `keyCredentials` or `passwordCredentials`, which no sign-in
/// has), an AD FS relying-party trust, or a user's registration details (`isMfaRegistered`,
/// `methodsRegistered`). `context` is the `@odata.context` of the page the
/// record came in.
pub fn read_record<'a>(record: &'a str, hint: Option<EventType>, context: Option<&str>) -> Result<Record<'a>, Refusal> {
    let raw: RawSignIn<'_> =
        serde_json::from_str(record).map_err(|e| Refusal(describe::<RawSignIn<'_>>(record, &e)))?;
    if raw.key_credentials.is_some() || raw.password_credentials.is_some() {
        return inventory::parse_object(record, context).map(Record::Inventory);
    }
    if raw.is_mfa_registered.is_some() || raw.methods_registered.is_some() {
        return registration::parse(record).map(Record::Registration);
    }
    if raw.rp_identifier.is_some() && (raw.rp_transform_rules.is_some() || raw.rp_claims_providers.is_some()) {
        return rp_trust::parse(record).map(Record::RpTrust);
    }
    sign_in(record, raw, hint)
}

fn sign_in<'a>(record: &'a str, raw: RawSignIn<'a>, hint: Option<EventType>) -> Result<Record<'a>, Refusal> {
    if raw.envelope_value.is_some() && raw.id.is_none() {
        return Err(Refusal("a page object (with `value`) where a sign-in record was expected".into()));
    }
    // The Log Analytics table, else the diagnostic category, names what the record is.
    let named = raw.table.as_deref().or(raw.category.as_deref());
    // An audit record says so by its activity, whatever its `category` (an audit category) or
    // its `Type` (overwritten in some hunting exports).
    let audit = raw.activity_display_name.is_some() || raw.activity_date_time.is_some();
    let source = if audit { Some(Source::Audits) } else { named.map(source_of) };
    let wrap = if source == Some(Source::AdfsSignIns) { Record::AdfsSignIn } else { Record::SignIn };
    match source {
        Some(Source::Audits) => {
            return match raw.properties {
                Some(props) => audit::parse(props.get(), raw.time.as_deref())
                    .map_err(|r| Refusal(format!("in `properties`: {}", r.0))),
                None => audit::parse(record, None),
            }
            .map(Record::Audit);
        }
        Some(Source::Other) => {
            let name = named.unwrap_or_default();
            return Err(Refusal(format!("a record of table or category {name:?}, which holds no sign-ins")));
        }
        _ => {}
    }
    if let Some(props) = raw.properties {
        // A diagnostic-settings record: the sign-in is `properties`; the envelope supplies the
        // category, and the time and result where `properties` lacks them.
        let kind = match source {
            Some(Source::SignIns(kind)) => Some(kind),
            Some(Source::AdfsSignIns) => None,
            _ => return Err(Refusal("a diagnostic-settings record without a `category`".into())),
        };
        let mut inner: RawSignIn<'a> = serde_json::from_str(props.get())
            .map_err(|e| Refusal(format!("in `properties`: {}", describe::<RawSignIn<'_>>(props.get(), &e))))?;
        if inner.properties.is_some() {
            return Err(Refusal("`properties` nested in `properties`".into()));
        }
        inner.created_date_time = inner.created_date_time.filter(|c| !c.trim().is_empty()).or(raw.time);
        inner.result_type = inner.result_type.or(raw.result_type);
        inner.result_description = inner.result_description.or(raw.result_description);
        return fields(inner, kind, hint).map(wrap);
    }
    let from_table = match source {
        Some(Source::SignIns(kind)) => Some(kind),
        _ => None,
    };
    fields(raw, from_table, hint).map(wrap)
}

/// The typed sign-in from a record's own fields. Event type: `signInEventTypes`, else the
/// table or category, else `hint` (`--kind`), else `isInteractive`.
fn fields<'a>(raw: RawSignIn<'a>, source: Option<EventType>, hint: Option<EventType>) -> Result<SignIn<'a>, Refusal> {
    let id = match raw.id {
        Some(id) if !id.trim().is_empty() => id,
        _ => return Err(Refusal("missing `id`".into())),
    };
    let (created, field) = match (raw.created_date_time, raw.time_generated) {
        (Some(c), _) if !c.trim().is_empty() => (c, "createdDateTime"),
        (_, Some(t)) if !t.trim().is_empty() => (t, "TimeGenerated"),
        _ => return Err(Refusal("missing `createdDateTime`".into())),
    };
    let created_us = parse_timestamp(&created)
        .ok_or_else(|| Refusal(format!("`{field}` is not a timestamp: {:?}", truncate(&created, 64))))?;
    let listed = raw.sign_in_event_types.and_then(|l| l.0.into_iter().next());
    let event_type = match listed {
        Some(first) => EventType::parse(&first).unwrap_or(EventType::Unknown),
        None => source.or(hint).unwrap_or(match raw.is_interactive.and_then(|b| b.0) {
            Some(false) => EventType::NonInteractiveUser,
            _ => EventType::InteractiveUser,
        }),
    };
    let status = raw.status.and_then(|s| s.0);
    let (code, failure_reason, additional_details) = match status {
        Some(s) if s.error_code.is_some() || raw.result_type.is_none() => {
            (s.error_code, s.failure_reason, s.additional_details)
        }
        // No status (the service principal and managed identity tables), or one without a
        // code: the Log Analytics result columns, an empty description meaning none.
        s => (
            raw.result_type.and_then(|c| c.0),
            s.and_then(|s| s.failure_reason).or(raw.result_description.filter(|d| !d.trim().is_empty())),
            None,
        ),
    };
    let error_code = match code {
        None => None,
        Some(c) => Some(i32::try_from(c).map_err(|_| Refusal(format!("`status.errorCode` {c} is out of range")))?),
    };
    let (auth_methods, auth_steps) = raw.authentication_details.map_or((None, None), |a| (a.0, a.1));
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
        ip_address: dim(raw.ip_address),
        client_app_used: dim(raw.client_app_used),
        correlation_id: raw.correlation_id,
        service_principal_id: raw.service_principal_id,
        service_principal_name: raw.service_principal_name,
        credential_key_id: raw.service_principal_credential_key_id,
        authentication_requirement: dim(raw.authentication_requirement),
        conditional_access_status: dim(raw.conditional_access_status),
        auth_methods,
        auth_steps,
        authentication_protocol: dim(raw.authentication_protocol),
        incoming_token_type: dim(raw.incoming_token_type),
        risk_level: dim(raw.risk_level_during_sign_in),
        risk_state: dim(raw.risk_state),
        user_type: dim(raw.user_type).map(|t| match t {
            t if t.eq_ignore_ascii_case("member") => Cow::Borrowed("member"),
            t if t.eq_ignore_ascii_case("guest") => Cow::Borrowed("guest"),
            t => t,
        }),
        home_tenant_id: dim(raw.home_tenant_id),
        resource_tenant_id: dim(raw.resource_tenant_id),
        cross_tenant_access_type: dim(raw.cross_tenant_access_type),
        user_agent: dim(raw.user_agent),
        client_credential_type: dim(raw.client_credential_type),
        location: {
            // Log Analytics has both: the details, and the country code alone.
            let details = raw.location_details.and_then(|l| l.0);
            let plain = raw.location.and_then(|l| l.0);
            match (details, plain) {
                (Some(mut d), Some(p)) => {
                    d.country = d.country.or(p.country);
                    d
                }
                (d, p) => d.or(p).unwrap_or_default(),
            }
        },
        device: raw.device_detail.and_then(|d| d.0).unwrap_or_else(|| Device {
            operating_system: dim(raw.device_os),
            browser: dim(raw.device_browser),
            is_compliant: raw.device_compliant.and_then(|b| b.0),
            is_managed: raw.device_managed.and_then(|b| b.0),
            trust_type: dim(raw.device_trust_type),
        }),
        ca_policies: raw.applied_conditional_access_policies.and_then(|p| p.0),
    })
}

/// A dimension's text: trimmed, and none when empty.
fn dim(s: Option<Cow<'_, str>>) -> Option<Cow<'_, str>> {
    let s = s?;
    let trimmed = s.trim();
    if trimmed.is_empty() {
        return None;
    }
    Some(match s {
        Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
        Cow::Owned(o) if o.len() == trimmed.len() => Cow::Owned(o),
        Cow::Owned(o) => Cow::Owned(o.trim().to_string()),
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
    fn log_analytics_rows() {
        // Service principal table: no Status, no CreatedDateTime; ResourceId is the envelope path.
        let sp = r#"{"Id":"s1","TimeGenerated":"2024-05-01T10:00:00Z","Type":"AADServicePrincipalSignInLogs",
            "AppId":"a","ResourceId":"/tenants/t/providers/Microsoft.aadiam","ResourceIdentity":"r",
            "ResultType":"7000215","ResultDescription":"Invalid client secret","ServicePrincipalCredentialKeyId":"k"}"#;
        let s = normalize(sp, None).unwrap();
        assert_eq!(
            (s.kind(), s.error_code, s.resource_id.as_deref()),
            (EventType::ServicePrincipal, Some(7000215), Some("r"))
        );
        assert_eq!(
            (s.failure_reason.as_deref(), s.credential_key_id.as_deref()),
            (Some("Invalid client secret"), Some("k"))
        );
        // Non-interactive table: Status and SignInEventTypes are JSON text; an empty description is none.
        let ni = r#"{"Id":"n1","CreatedDateTime":"2024-05-01T10:00:00Z","Type":"AADNonInteractiveUserSignInLogs",
            "Status":"{\"errorCode\":0,\"additionalDetails\":\"MFA\"}","SignInEventTypes":"[\"nonInteractiveUser\"]",
            "ResultType":"0","ResultDescription":"","IsInteractive":"FALSE"}"#;
        let s = normalize(ni, None).unwrap();
        assert_eq!(
            (s.kind(), s.error_code, s.additional_details.as_deref()),
            (EventType::NonInteractiveUser, Some(0), Some("MFA"))
        );
        // The table outranks --kind.
        assert_eq!(normalize(sp, Some(EventType::InteractiveUser)).unwrap().kind(), EventType::ServicePrincipal);
        for (record, reason) in [
            (r#"{"Id":"x","TimeGenerated":"2024-05-01T10:00:00Z","Type":"AzureActivity"}"#, "holds no sign-ins"),
            (
                r#"{"Id":"x","Type":"Application","ActivityDisplayName":"Add app","ActivityDateTime":"2024-05-01T10:00:00Z"}"#,
                "an audit record, not a sign-in",
            ),
            (
                r#"{"Id":"x","TimeGenerated":"2024-05-01T10:00:00Z","Type":"SigninLogs","ResultType":"Other"}"#,
                "ResultType",
            ),
        ] {
            let e = normalize(record, None).unwrap_err().0;
            assert!(e.contains(reason), "{e}");
        }
    }

    #[test]
    fn diagnostic_settings_records() {
        let rec = r#"{"time":"2019-10-18T09:45:48.0729893Z","resourceId":"/tenants/t/providers/Microsoft.aadiam",
            "category":"MicrosoftServicePrincipalSignInLogs","resultType":"50140","correlationId":"envelope",
            "properties":{"id":"p1","appId":"a","resourceId":"r","correlationId":"c","status":{"failureReason":"KMSI"}}}"#;
        let s = normalize(rec, None).unwrap();
        assert_eq!((s.id.as_ref(), s.kind(), s.resource_id.as_deref()), ("p1", EventType::ServicePrincipal, Some("r")));
        // The time, and the code the status lacks, come from the envelope; the rest from properties.
        assert_eq!(s.created_us, parse_timestamp("2019-10-18T09:45:48.0729893Z").unwrap());
        assert_eq!((s.error_code, s.failure_reason.as_deref()), (Some(50140), Some("KMSI")));
        assert_eq!(s.correlation_id.as_deref(), Some("c"));
        let audit = r#"{"time":"2024-01-01T00:00:00Z","category":"AuditLogs","properties":{"id":"x"}}"#;
        assert!(normalize(audit, None).unwrap_err().0.contains("audit record"));
        let bad = r#"{"time":"2024-01-01T00:00:00Z","category":"SignInLogs","properties":{"id":5}}"#;
        assert!(normalize(bad, None).unwrap_err().0.starts_with("in `properties`: `id`"));
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
