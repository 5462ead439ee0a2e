//! Graph `userRegistrationDetails` (reports/authenticationMethods) -> a typed
//! [`Registration`]: who is registered for which authentication methods and what they are
//! capable of. Graph camelCase, or the PascalCase of PowerShell's
//! `Get-MgReportAuthenticationMethodUserRegistrationDetail | ConvertTo-Json` (times as
//! `/Date(ms)/`); flags may be `TRUE` text and lists JSON text (CSV exports). Pure, no I/O.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::flex::{FlexBool, FlexList};
use super::{Refusal, describe, truncate};
use crate::domain::Timestamp;
use crate::domain::time::parse_timestamp;

/// One user's registration state, in Graph's member order (v1.0, then beta's `defaultMfaMethod`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    pub id: String,
    pub user_principal_name: String,
    pub user_display_name: Option<String>,
    pub is_admin: Option<bool>,
    pub is_sspr_registered: bool,
    pub is_sspr_enabled: bool,
    pub is_sspr_capable: bool,
    pub is_mfa_registered: bool,
    pub is_mfa_capable: bool,
    pub is_passwordless_capable: bool,
    pub last_updated_date_time: Option<Timestamp>,
    pub methods_registered: Vec<String>,
    pub is_system_preferred_authentication_method_enabled: Option<bool>,
    pub system_preferred_authentication_methods: Vec<String>,
    pub user_preferred_method_for_secondary_authentication: Option<String>,
    pub user_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub default_mfa_method: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRegistration<'a> {
    #[serde(borrow, alias = "Id")]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "UserPrincipalName")]
    user_principal_name: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "UserDisplayName")]
    user_display_name: Option<Cow<'a, str>>,
    #[serde(alias = "IsAdmin")]
    is_admin: Option<FlexBool>,
    #[serde(alias = "IsSsprRegistered")]
    is_sspr_registered: Option<FlexBool>,
    #[serde(alias = "IsSsprEnabled")]
    is_sspr_enabled: Option<FlexBool>,
    #[serde(alias = "IsSsprCapable")]
    is_sspr_capable: Option<FlexBool>,
    #[serde(alias = "IsMfaRegistered")]
    is_mfa_registered: Option<FlexBool>,
    #[serde(alias = "IsMfaCapable")]
    is_mfa_capable: Option<FlexBool>,
    #[serde(alias = "IsPasswordlessCapable")]
    is_passwordless_capable: Option<FlexBool>,
    #[serde(borrow, alias = "LastUpdatedDateTime")]
    last_updated_date_time: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "MethodsRegistered")]
    methods_registered: Option<FlexList<'a>>,
    #[serde(alias = "IsSystemPreferredAuthenticationMethodEnabled")]
    is_system_preferred_authentication_method_enabled: Option<FlexBool>,
    #[serde(borrow, alias = "SystemPreferredAuthenticationMethods")]
    system_preferred_authentication_methods: Option<FlexList<'a>>,
    #[serde(borrow, alias = "UserPreferredMethodForSecondaryAuthentication")]
    user_preferred_method_for_secondary_authentication: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "UserType")]
    user_type: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "DefaultMfaMethod")]
    default_mfa_method: Option<Cow<'a, str>>,
}

fn text(c: Option<Cow<'_, str>>) -> Option<String> {
    c.map(|c| c.trim().to_string()).filter(|c| !c.is_empty())
}

fn list(l: Option<FlexList<'_>>) -> Vec<String> {
    l.map(|l| l.0.into_iter().map(|m| m.trim().to_string()).filter(|m| !m.is_empty()).collect()).unwrap_or_default()
}

/// Reads one `userRegistrationDetails` object. `id` and `userPrincipalName` are required; an
/// absent flag reads as false (Graph never omits them; projections of an export may).
pub fn parse(record: &str) -> Result<Registration, Refusal> {
    let raw: RawRegistration<'_> =
        serde_json::from_str(record).map_err(|e| Refusal(describe::<RawRegistration<'_>>(record, &e)))?;
    let id = text(raw.id).ok_or_else(|| Refusal("missing `id` (the user's object id)".into()))?;
    let upn = text(raw.user_principal_name).ok_or_else(|| Refusal("missing `userPrincipalName`".into()))?;
    let last_updated = match text(raw.last_updated_date_time) {
        None => None,
        Some(t) => Some(Timestamp::utc(
            parse_timestamp(&t)
                .ok_or_else(|| Refusal(format!("`lastUpdatedDateTime` is not a timestamp: {:?}", truncate(&t, 64))))?,
        )),
    };
    let flag = |b: Option<FlexBool>| b.and_then(|b| b.0);
    Ok(Registration {
        id,
        user_principal_name: upn,
        user_display_name: text(raw.user_display_name),
        is_admin: flag(raw.is_admin),
        is_sspr_registered: flag(raw.is_sspr_registered).unwrap_or(false),
        is_sspr_enabled: flag(raw.is_sspr_enabled).unwrap_or(false),
        is_sspr_capable: flag(raw.is_sspr_capable).unwrap_or(false),
        is_mfa_registered: flag(raw.is_mfa_registered).unwrap_or(false),
        is_mfa_capable: flag(raw.is_mfa_capable).unwrap_or(false),
        is_passwordless_capable: flag(raw.is_passwordless_capable).unwrap_or(false),
        last_updated_date_time: last_updated,
        methods_registered: list(raw.methods_registered),
        is_system_preferred_authentication_method_enabled: flag(raw.is_system_preferred_authentication_method_enabled),
        system_preferred_authentication_methods: list(raw.system_preferred_authentication_methods),
        user_preferred_method_for_secondary_authentication: text(
            raw.user_preferred_method_for_secondary_authentication,
        ),
        user_type: text(raw.user_type),
        default_mfa_method: text(raw.default_mfa_method),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_and_powershell_shapes() {
        let g = r#"{"id":"u1","userPrincipalName":"AlexW@Contoso.com","userDisplayName":"Alex Wilber","isAdmin":false,
            "isSsprRegistered":false,"isSsprEnabled":false,"isSsprCapable":false,"isMfaRegistered":true,"isMfaCapable":true,
            "isPasswordlessCapable":false,"lastUpdatedDateTime":"2023-03-13T19:15:41.6195833Z",
            "methodsRegistered":["microsoftAuthenticatorPush","softwareOneTimePasscode"],
            "isSystemPreferredAuthenticationMethodEnabled":true,"systemPreferredAuthenticationMethods":["push"],
            "userPreferredMethodForSecondaryAuthentication":"push","userType":"member"}"#;
        let r = parse(g).unwrap();
        assert_eq!((r.is_mfa_capable, r.is_admin, r.methods_registered.len()), (true, Some(false), 2));
        assert_eq!(r.last_updated_date_time.unwrap().us, parse_timestamp("2023-03-13T19:15:41.619583Z").unwrap());
        let ps = r#"{"Id":"u2","UserPrincipalName":"b@x","IsMfaCapable":"TRUE","MethodsRegistered":"[\"email\"]",
            "LastUpdatedDateTime":"\/Date(1678734941619)\/","UserPreferredMethodForSecondaryAuthentication":"","UserType":"guest"}"#;
        let r = parse(ps).unwrap();
        assert_eq!(
            (r.is_mfa_capable, r.is_sspr_enabled, r.methods_registered.clone()),
            (true, false, vec!["email".into()])
        );
        assert_eq!(
            (r.user_preferred_method_for_secondary_authentication, r.user_type.as_deref()),
            (None, Some("guest"))
        );
        assert_eq!(parse(r#"{"id":"u3"}"#).unwrap_err().0, "missing `userPrincipalName`");
        assert!(
            parse(r#"{"id":"u3","userPrincipalName":"x","isMfaCapable":"maybe"}"#)
                .unwrap_err()
                .0
                .contains("isMfaCapable")
        );
        assert!(parse(r#"{"id":"u3","userPrincipalName":"x","lastUpdatedDateTime":"soon"}"#).is_err());
    }
}
