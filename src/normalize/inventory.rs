//! Graph `application` and `servicePrincipal` objects -> the credential inventory (SPEC section
//! 1, table `credentials`): each object's appId, object id and name, and its `keyCredentials`
//! (certificates) and `passwordCredentials` (client secrets). Pure, no I/O.
//!
//! Accepts Graph's camelCase and the PascalCase of PowerShell's `Get-MgApplication |
//! ConvertTo-Json`; times may be ISO or PowerShell's `/Date(ms)/`. Whether an object is an
//! application or a service principal comes from, in order: its `@odata.type`, the page's
//! `@odata.context`, a property only one of the two has.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::{Refusal, describe, truncate};
use crate::domain::time::parse_timestamp;

/// Which kind of directory object a credential belongs to (Graph `applicationKeyOrigin`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    Application,
    ServicePrincipal,
}

impl Origin {
    pub const ALL: [Origin; 2] = [Origin::Application, Origin::ServicePrincipal];

    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Application => "application",
            Origin::ServicePrincipal => "servicePrincipal",
        }
    }

    pub fn parse(s: &str) -> Option<Origin> {
        Origin::ALL.into_iter().find(|o| o.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// From an `@odata.type` (`#microsoft.graph.application`) or `@odata.context`
    /// (`.../$metadata#servicePrincipals(id,appId)`).
    fn from_odata(s: &str) -> Option<Origin> {
        let tail = s.rsplit('#').next()?.trim_start_matches("microsoft.graph.");
        let name: String = tail.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        match name.to_ascii_lowercase().as_str() {
            "application" | "applications" => Some(Origin::Application),
            "serviceprincipal" | "serviceprincipals" => Some(Origin::ServicePrincipal),
            _ => None,
        }
    }
}

/// One credential of an application or service principal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    pub key_id: String,
    /// Graph `applicationKeyType`: `certificate`, `clientSecret`, or `unknownFutureValue`.
    pub key_type: &'static str,
    /// Graph `applicationKeyUsage`: `sign`, `verify`, or `unknownFutureValue`.
    pub key_usage: &'static str,
    pub display_name: Option<String>,
    pub start_us: Option<i64>,
    pub end_us: Option<i64>,
}

/// An application or service principal of the inventory, with its credentials (possibly none:
/// an app without credentials still counts for the unused-applications finding).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InventoryObject {
    pub origin: Origin,
    pub object_id: String,
    pub app_id: String,
    pub display_name: Option<String>,
    pub credentials: Vec<Credential>,
}

#[derive(Deserialize)]
struct RawKey<'a> {
    #[serde(borrow, rename = "keyId", alias = "KeyId")]
    key_id: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "type", alias = "Type")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "usage", alias = "Usage")]
    usage: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "displayName", alias = "DisplayName")]
    display_name: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "startDateTime", alias = "StartDateTime", alias = "StartDate")]
    start: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "endDateTime", alias = "EndDateTime", alias = "EndDate")]
    end: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RawObject<'a> {
    #[serde(borrow, rename = "@odata.type")]
    odata_type: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "id", alias = "Id", alias = "ObjectId")]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "appId", alias = "AppId")]
    app_id: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "displayName", alias = "DisplayName")]
    display_name: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "keyCredentials", alias = "KeyCredentials")]
    key_credentials: Option<Vec<RawKey<'a>>>,
    #[serde(borrow, rename = "passwordCredentials", alias = "PasswordCredentials")]
    password_credentials: Option<Vec<RawKey<'a>>>,
    // Properties only a service principal has.
    #[serde(rename = "servicePrincipalType", alias = "ServicePrincipalType")]
    sp_type: Option<IgnoredAny>,
    #[serde(rename = "servicePrincipalNames", alias = "ServicePrincipalNames")]
    sp_names: Option<IgnoredAny>,
    #[serde(rename = "appOwnerOrganizationId", alias = "AppOwnerOrganizationId")]
    app_owner: Option<IgnoredAny>,
    // Properties only an application has.
    #[serde(rename = "signInAudience", alias = "SignInAudience")]
    audience: Option<IgnoredAny>,
    #[serde(rename = "identifierUris", alias = "IdentifierUris")]
    identifier_uris: Option<IgnoredAny>,
    #[serde(rename = "requiredResourceAccess", alias = "RequiredResourceAccess")]
    required_access: Option<IgnoredAny>,
}

/// Graph `keyCredential.type` -> `applicationKeyType`.
fn key_type(kind: Option<&str>) -> &'static str {
    match kind.map(str::trim) {
        Some(t) if t.eq_ignore_ascii_case("AsymmetricX509Cert") || t.eq_ignore_ascii_case("X509CertAndPassword") => {
            "certificate"
        }
        _ => "unknownFutureValue",
    }
}

fn key_usage(usage: Option<&str>) -> &'static str {
    match usage.map(str::trim) {
        Some(u) if u.eq_ignore_ascii_case("Verify") => "verify",
        Some(u) if u.eq_ignore_ascii_case("Sign") => "sign",
        _ => "unknownFutureValue",
    }
}

fn time(field: &str, value: Option<Cow<'_, str>>) -> Result<Option<i64>, Refusal> {
    match value {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Ok(None),
        Some(v) => parse_timestamp(&v)
            .map(Some)
            .ok_or_else(|| Refusal(format!("`{field}` is not a timestamp: {:?}", truncate(&v, 64)))),
    }
}

fn credentials(list: Vec<RawKey<'_>>, field: &str, password: bool) -> Result<Vec<Credential>, Refusal> {
    list.into_iter()
        .enumerate()
        .map(|(i, k)| {
            let key_id = match k.key_id {
                Some(id) if !id.trim().is_empty() => id.trim().to_string(),
                _ => return Err(Refusal(format!("`{field}[{i}]` has no `keyId`"))),
            };
            Ok(Credential {
                key_id,
                // A password credential is a client secret; Graph lists no type or usage for
                // it, and a secret is only ever presented to be verified.
                key_type: if password { "clientSecret" } else { key_type(k.kind.as_deref()) },
                key_usage: if password { "verify" } else { key_usage(k.usage.as_deref()) },
                display_name: k.display_name.map(Cow::into_owned),
                start_us: time(&format!("{field}[{i}].startDateTime"), k.start)?,
                end_us: time(&format!("{field}[{i}].endDateTime"), k.end)?,
            })
        })
        .collect()
}

/// Reads one application or service principal object. `context` is the `@odata.context` of the
/// page it came in, if any.
pub fn parse_object(record: &str, context: Option<&str>) -> Result<InventoryObject, Refusal> {
    let raw: RawObject<'_> =
        serde_json::from_str(record).map_err(|e| Refusal(describe::<RawObject<'_>>(record, &e)))?;
    let origin = raw
        .odata_type
        .as_deref()
        .and_then(Origin::from_odata)
        .or_else(|| context.and_then(Origin::from_odata))
        .or_else(|| {
            let sp = raw.sp_type.is_some() || raw.sp_names.is_some() || raw.app_owner.is_some();
            let app = raw.audience.is_some() || raw.identifier_uris.is_some() || raw.required_access.is_some();
            match (app, sp) {
                (true, false) => Some(Origin::Application),
                (false, true) => Some(Origin::ServicePrincipal),
                _ => None,
            }
        })
        .ok_or_else(|| {
            Refusal(
                "cannot tell whether this object is an application or a service principal (no `@odata.type`, page `@odata.context` or telling property)"
                    .into(),
            )
        })?;
    let object_id = match raw.id {
        Some(id) if !id.trim().is_empty() => id.trim().to_string(),
        _ => return Err(Refusal("missing `id` (the object id)".into())),
    };
    let app_id = match raw.app_id {
        Some(id) if !id.trim().is_empty() => id.trim().to_string(),
        _ => return Err(Refusal("missing `appId`".into())),
    };
    let mut creds = credentials(raw.key_credentials.unwrap_or_default(), "keyCredentials", false)?;
    creds.extend(credentials(raw.password_credentials.unwrap_or_default(), "passwordCredentials", true)?);
    Ok(InventoryObject {
        origin,
        object_id,
        app_id,
        display_name: raw.display_name.map(Cow::into_owned),
        credentials: creds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_timestamp;

    #[test]
    fn graph_application_with_both_kinds_of_credential() {
        let app = r#"{"id":"6920CAA5-1cae-4bc8-bf59-9c0b8495d240","appId":"f4d9654f-0305-4072-878c-8bf266dfe146",
            "displayName":"Payroll","signInAudience":"AzureADMyOrg",
            "keyCredentials":[{"customKeyIdentifier":"AB","displayName":"CN=payroll","endDateTime":"2021-04-02T05:36:48Z",
              "key":null,"keyId":"83f45296-fb8f-4aaa-a399-ac51084e02b7","startDateTime":"2021-01-01T00:00:00Z",
              "type":"AsymmetricX509Cert","usage":"Verify"}],
            "passwordCredentials":[{"displayName":"ci","endDateTime":"2022-01-01T00:00:00-8:00","hint":"abc",
              "keyId":"8a37cfec-b0a1-4cb1-ac08-c52b03834f4a","secretText":null,"startDateTime":"2021-01-01T00:00:00Z"}]}"#;
        let o = parse_object(app, None).unwrap();
        assert_eq!(o.origin, Origin::Application);
        assert_eq!(o.object_id, "6920CAA5-1cae-4bc8-bf59-9c0b8495d240");
        assert_eq!(o.credentials.len(), 2);
        let (cert, secret) = (&o.credentials[0], &o.credentials[1]);
        assert_eq!((cert.key_type, cert.key_usage), ("certificate", "verify"));
        assert_eq!(cert.end_us, parse_timestamp("2021-04-02T05:36:48Z"));
        assert_eq!((secret.key_type, secret.key_usage), ("clientSecret", "verify"));
        assert_eq!(secret.end_us, parse_timestamp("2022-01-01T08:00:00Z"));
    }

    #[test]
    fn origin_from_type_context_or_telling_property() {
        let bare = r#"{"id":"o1","appId":"a1","keyCredentials":[]}"#;
        assert!(parse_object(bare, None).unwrap_err().0.contains("cannot tell"));
        let ctx = "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals(id,appId,keyCredentials)";
        assert_eq!(parse_object(bare, Some(ctx)).unwrap().origin, Origin::ServicePrincipal);
        let typed = r##"{"@odata.type":"#microsoft.graph.application","id":"o1","appId":"a1","keyCredentials":[]}"##;
        assert_eq!(parse_object(typed, Some(ctx)).unwrap().origin, Origin::Application);
        let sp = r#"{"id":"o1","appId":"a1","servicePrincipalType":"Application","passwordCredentials":[]}"#;
        assert_eq!(parse_object(sp, None).unwrap().origin, Origin::ServicePrincipal);
    }

    #[test]
    fn powershell_pascal_case_and_dotnet_dates() {
        let ps = r#"{"AppId":"A1","Id":"O1","DisplayName":"X","ServicePrincipalType":"Application",
            "KeyCredentials":[{"KeyId":"K1","Type":"AsymmetricX509Cert","Usage":"Sign",
              "StartDateTime":"/Date(1609459200000)/","EndDateTime":null}],"PasswordCredentials":[]}"#;
        let o = parse_object(ps, None).unwrap();
        assert_eq!((o.origin, o.app_id.as_str(), o.object_id.as_str()), (Origin::ServicePrincipal, "A1", "O1"));
        let k = &o.credentials[0];
        assert_eq!(
            (k.key_id.as_str(), k.key_usage, k.start_us, k.end_us),
            ("K1", "sign", Some(1_609_459_200_000_000), None)
        );
    }

    #[test]
    fn bad_credentials_are_refused_with_the_field() {
        let no_key = r#"{"id":"o","appId":"a","signInAudience":"x","passwordCredentials":[{"displayName":"s"}]}"#;
        assert_eq!(parse_object(no_key, None).unwrap_err().0, "`passwordCredentials[0]` has no `keyId`");
        let bad_time =
            r#"{"id":"o","appId":"a","signInAudience":"x","keyCredentials":[{"keyId":"k","endDateTime":"soon"}]}"#;
        assert!(parse_object(bad_time, None).unwrap_err().0.contains("keyCredentials[0].endDateTime"));
    }
}
