//! The report models read Graph's own response shapes and write them back the same: field
//! names, nesting and enum spellings. Graph's documentation examples carry quirks a model must
//! survive: offsets written `-8:00`, `expirationDate` where the schema says
//! `expirationDateTime`, members in any order, and only the populated `signInActivity` fields.
//!
//! The docs examples themselves are CC-BY-4.0 and not copied here; the responses below are
//! written for this test in the same shapes. Set `SIGNIN_INSIGHTS_GRAPH_EXAMPLES` to a folder
//! holding the docs' `reportroot-list-serviceprincipalsigninactivities.example-response.json`
//! and `reportroot-list-appcredentialsigninactivities.example-response.json` to check those too.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use signin_insights::domain::time::parse_timestamp;
use signin_insights::normalize::registration::Registration;
use signin_insights::report::auth_events::{PasswordResetsDay, RegistrationActivity, UserEvent};
use signin_insights::report::auth_registration::{FeatureSummary, MethodSummary};
use signin_insights::report::auth_usage::{MethodUsage, MfaDay};
use signin_insights::report::credentials::AppCredentialActivity;
use signin_insights::report::service_principals::ServicePrincipalActivity;

/// Names the docs use where the schema has another.
fn schema_name(k: &str) -> &str {
    match k {
        "expirationDate" => "expirationDateTime",
        k => k,
    }
}

/// Every member of `doc` is in `ours` under its schema name, with an equal value (timestamps
/// equal as instants, nested objects recursively); members only `ours` has are null.
fn same_shape(doc: &Value, ours: &Value, path: &str) -> Result<(), String> {
    match (doc, ours) {
        (Value::Object(d), Value::Object(o)) => {
            // OData control information (`@odata.type`) is not a property.
            for (k, v) in d.iter().filter(|(k, _)| !k.starts_with("@odata.")) {
                let name = schema_name(k);
                let got = o.get(name).ok_or_else(|| format!("{path}.{k}: missing (as {name})"))?;
                same_shape(v, got, &format!("{path}.{name}"))?;
            }
            let extra: Vec<&String> = o
                .iter()
                .filter(|(k, v)| !d.keys().any(|dk| schema_name(dk) == k.as_str()) && !v.is_null())
                .filter(|(k, _)| !k.starts_with("@odata."))
                .map(|(k, _)| k)
                .collect();
            if extra.is_empty() { Ok(()) } else { Err(format!("{path}: non-null members the source lacks: {extra:?}")) }
        }
        (Value::String(d), Value::String(o)) if path.ends_with("DateTime") => {
            match (parse_timestamp(d), parse_timestamp(o)) {
                (Some(a), Some(b)) if a == b => Ok(()),
                _ => Err(format!("{path}: {d:?} became {o:?}")),
            }
        }
        (d, o) if d == o => Ok(()),
        (d, o) => Err(format!("{path}: {d} became {o}")),
    }
}

/// Reads a Graph envelope into `T`s, writes them back, and compares the shapes.
fn round_trip<T: DeserializeOwned + Serialize>(text: &str) -> Result<usize, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let items = doc["value"].as_array().ok_or("no value array")?;
    for (i, item) in items.iter().enumerate() {
        let model: T = serde_json::from_value(item.clone()).map_err(|e| format!("value[{i}]: {e}"))?;
        let back = serde_json::to_value(&model).map_err(|e| e.to_string())?;
        same_shape(item, &back, &format!("value[{i}]"))?;
        // And the model's own output reads back to the same model.
        let again: T = serde_json::from_value(back.clone()).map_err(|e| format!("value[{i}] again: {e}"))?;
        if serde_json::to_value(&again).map_err(|e| e.to_string())? != back {
            return Err(format!("value[{i}]: a second round trip changed it"));
        }
    }
    Ok(items.len())
}

const SERVICE_PRINCIPALS: &str = r#"{
  "@odata.context": "https://graph.microsoft.com/beta/$metadata#reports/servicePrincipalSignInActivities",
  "value": [
    {
      "appId": "0a1b2c3d-1111-4e5f-8a9b-0c1d2e3f4a5b",
      "applicationAuthenticationClientSignInActivity": {
        "lastSignInDateTime": "2024-03-01T00:00:00-8:00",
        "lastSignInRequestId": "9d1f0c2e-1b3a-4c5d-8e6f-7a8b9c0d1e2f"
      },
      "applicationAuthenticationResourceSignInActivity": null,
      "delegatedClientSignInActivity": {
        "lastSignInDateTime": "2024-01-01T00:00:00-8:00",
        "lastSignInRequestId": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "lastSuccessfulSignInDateTime": "2023-12-31T23:00:00Z",
        "lastSuccessfulSignInRequestId": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"
      },
      "delegatedResourceSignInActivity": {
        "lastSignInDateTime": "2024-02-01T00:00:00.5+01:00",
        "lastSignInRequestId": "3c4d5e6f-7a8b-4c9d-0e1f-2a3b4c5d6e7f"
      },
      "id": "MGExYjJjM2QtMTExMS00ZTVmLThhOWItMGMxZDJlM2Y0YTVi",
      "lastSignInActivity": {
        "lastSignInDateTime": "2024-03-01T08:00:00Z",
        "lastSignInRequestId": "9d1f0c2e-1b3a-4c5d-8e6f-7a8b9c0d1e2f"
      }
    }
  ]
}"#;

const CREDENTIALS: &str = r#"{
  "value": [
    {
      "appId": "0a1b2c3d-2222-4e5f-8a9b-0c1d2e3f4a5b",
      "appObjectId": "4d5e6f7a-8b9c-4d0e-1f2a-3b4c5d6e7f80",
      "credentialOrigin": "application",
      "expirationDate": "2024-04-01T21:36:48-8:00",
      "id": "NWU2ZjdhOGItOWMwZC00ZTFmLTJhM2ItNGM1ZDZlN2Y4MDkxfGFwcGxpY2F0aW9u",
      "keyId": "5e6f7a8b-9c0d-4e1f-2a3b-4c5d6e7f8091",
      "keyType":"certificate",
      "keyUsage": "sign",
      "resourceId": "00000003-0000-0000-c000-000000000000",
      "servicePrincipalObjectId": "6f7a8b9c-0d1e-4f2a-3b4c-5d6e7f809102",
      "signInActivity": {
        "lastSignInDateTime": "2024-03-18T00:00:00-8:00",
        "lastSignInRequestId": "request-1"
      }
    },
    {
      "@signinInsights.finding": "unused",
      "appId": "0a1b2c3d-3333-4e5f-8a9b-0c1d2e3f4a5b",
      "credentialOrigin": "servicePrincipal",
      "createdDateTime": "2023-05-11T08:36:48Z",
      "expirationDateTime": "2024-05-11T08:36:48Z",
      "id": "N2E4YjljMGQtMWUyZi00YTNiLTRjNWQtNmU3ZjgwOTEwMjEzfHNlcnZpY2VQcmluY2lwYWw=",
      "keyId": "7a8b9c0d-1e2f-4a3b-4c5d-6e7f80910213",
      "keyType": "clientSecret",
      "keyUsage": "verify",
      "servicePrincipalObjectId": "8b9c0d1e-2f3a-4b4c-5d6e-7f8091021324",
      "signInActivity": {}
    }
  ]
}"#;

#[test]
fn service_principal_activity_reads_and_writes_graph_shapes() {
    assert_eq!(round_trip::<ServicePrincipalActivity>(SERVICE_PRINCIPALS), Ok(1));
}

#[test]
fn credential_activity_reads_and_writes_graph_shapes() {
    assert_eq!(round_trip::<AppCredentialActivity>(CREDENTIALS), Ok(2));
    // The docs' `expirationDate` is written back under the schema's name, in UTC.
    let doc: Value = serde_json::from_str(CREDENTIALS).unwrap();
    let row: AppCredentialActivity = serde_json::from_value(doc["value"][0].clone()).unwrap();
    let back = serde_json::to_value(&row).unwrap();
    assert_eq!(back["expirationDateTime"], "2024-04-02T05:36:48Z");
    assert!(back.get("expirationDate").is_none());
}

#[test]
fn the_shape_check_catches_renamed_nested_and_misspelled_members() {
    let doc: Value =
        serde_json::from_str(r#"{"keyType":"certificate","signInActivity":{"lastSignInRequestId":"x"}}"#).unwrap();
    let ok: Value = serde_json::from_str(
        r#"{"keyType":"certificate","signInActivity":{"lastSignInRequestId":"x","lastSignInDateTime":null}}"#,
    )
    .unwrap();
    assert_eq!(same_shape(&doc, &ok, ""), Ok(()));
    for bad in [
        r#"{"keyType":"Certificate","signInActivity":{"lastSignInRequestId":"x"}}"#,
        r#"{"keyType":"certificate","signInActivity":{"lastSigninRequestId":"x"}}"#,
        r#"{"keyType":"certificate","lastSignInRequestId":"x"}"#,
        r#"{"keyType":"certificate","signInActivity":{"lastSignInRequestId":"x"},"keyUsage":"sign"}"#,
    ] {
        let v: Value = serde_json::from_str(bad).unwrap();
        assert!(same_shape(&doc, &v, "").is_err(), "{bad}");
    }
}

/// Authentication methods responses in the shapes of Graph's examples (graph-schemas.md 2),
/// with their `@odata.type` annotations and their quirks: the registration example's counts
/// exceed its total, the MFA example's parts exceed its total, the preferred method is empty.
const REGISTRATION_DETAILS: &str = r#"{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#reports/authenticationMethods/userRegistrationDetails",
  "value": [
    {
      "id": "5c1f2a3b-0000-4c5d-8e6f-7a8b9c0d1e2f",
      "userPrincipalName": "NoraK@contoso.example",
      "userDisplayName": "Nora Kaur",
      "isAdmin": true,
      "isSsprRegistered": true,
      "isSsprEnabled": true,
      "isSsprCapable": true,
      "isMfaRegistered": true,
      "isMfaCapable": true,
      "isPasswordlessCapable": false,
      "lastUpdatedDateTime": "2025-07-16T16:19:18.1234567Z",
      "methodsRegistered": ["microsoftAuthenticatorPush", "passKeyDeviceBound"],
      "isSystemPreferredAuthenticationMethodEnabled": true,
      "systemPreferredAuthenticationMethods": ["push"],
      "userPreferredMethodForSecondaryAuthentication": "",
      "userType": "member",
      "defaultMfaMethod": "microsoftAuthenticatorPush"
    }
  ]
}"#;

const USAGE: &str = r##"{ "value": [
  { "@odata.type": "#microsoft.graph.userSignInUsageByAuthMethodActivity", "authenticationMethod": "password", "successActivityCount": 1470 },
  { "@odata.type": "#microsoft.graph.userSignInUsageByAuthMethodActivity", "authenticationMethod": "smsSignIn", "successActivityCount": 0 }
] }"##;

const MFA: &str = r##"{ "value": [
  { "@odata.type": "#microsoft.graph.userMfaSignInSummary", "id": "77ff7728-fa29-e570-c035-4e77f4ac00c5",
    "createdDateTime": "2025-07-16T00:00:00Z", "totalSignIns": 1000, "singleFactorSignIns": 100, "multiFactorSignIns": 9900 }
] }"##;

const EVENTS: &str = r##"{ "value": [
  { "@odata.type": "#microsoft.graph.userEventsSummary", "id": "5c1f2a3b-0000-4c5d-8e6f-7a8b9c0d1e2f", "feature": "registration",
    "userPrincipalName": "NoraK@contoso.example", "userDisplayName": "Nora Kaur", "isSuccess": false,
    "authMethod": "mobileSMS", "failureReason": "User failed to register Phone.", "eventDateTime": "2025-07-16T16:19:18Z" }
] }"##;

const ACTIVITY: &str = r##"{ "value": [
  { "@odata.type": "#microsoft.graph.userRegistrationActivitySummary", "id": "8998b7bb-ece5-4255-8df9-4317c8a738b8",
    "feature": "registration", "successfulActivityCount": 83, "failureActivityCount": 214, "authMethod": "microsoftAuthenticatorPush" }
] }"##;

const RESETS: &str = r##"{ "value": [
  { "@odata.type": "#microsoft.graph.userPasswordResetsAndChangesSummary", "id": "0b2f4c1e-5a6d-4e7f-8091-a2b3c4d5e6f7",
    "aggregatedDateTime": "2025-07-16T00:00:00Z", "passwordResetsByAdminCount": 2, "passwordResetsSelfServiceCount": 7,
    "changePasswordSelfServiceCount": 3 }
] }"##;

const BY_FEATURE: &str = r##"{ "@odata.type": "#microsoft.graph.userRegistrationFeatureSummary",
  "totalUserCount": 23123, "userTypes": "all", "userRoles": "all",
  "userRegistrationFeatureCounts": [
    { "feature": "ssprRegistered", "userCount": 23423 }, { "feature": "ssprEnabled", "userCount": 4234 },
    { "feature": "ssprCapable", "userCount": 4234 }, { "feature": "passwordlessCapable", "userCount": 323 },
    { "feature": "mfaCapable", "userCount": 3345 } ] }"##;

const BY_METHOD: &str = r##"{ "@odata.type": "#microsoft.graph.userRegistrationMethodSummary",
  "totalUserCount": 12, "userTypes": "member", "userRoles": "admin",
  "userRegistrationMethodCounts": [ { "authenticationMethod": "microsoftAuthenticatorPush", "userCount": 9 },
    { "authenticationMethod": "fido2SecurityKey", "userCount": 2 } ] }"##;

/// One object (a complex type, not a collection) through `T` and back.
fn object_round_trip<T: DeserializeOwned + Serialize>(text: &str) -> Result<(), String> {
    round_trip::<T>(&format!("{{\"value\":[{text}]}}")).map(|_| ())
}

#[test]
fn auth_methods_models_read_and_write_graph_shapes() {
    assert_eq!(round_trip::<Registration>(REGISTRATION_DETAILS), Ok(1));
    assert_eq!(round_trip::<MethodUsage>(USAGE), Ok(2));
    assert_eq!(round_trip::<MfaDay>(MFA), Ok(1));
    assert_eq!(round_trip::<UserEvent>(EVENTS), Ok(1));
    assert_eq!(round_trip::<RegistrationActivity>(ACTIVITY), Ok(1));
    assert_eq!(round_trip::<PasswordResetsDay>(RESETS), Ok(1));
    assert_eq!(object_round_trip::<FeatureSummary>(BY_FEATURE), Ok(()));
    assert_eq!(object_round_trip::<MethodSummary>(BY_METHOD), Ok(()));
    // The beta-only member is omitted when absent, as v1.0 responses have it.
    let v1: Value = serde_json::from_str(REGISTRATION_DETAILS).unwrap();
    let mut user = v1["value"][0].clone();
    user.as_object_mut().unwrap().remove("defaultMfaMethod");
    let back = serde_json::to_value(serde_json::from_value::<Registration>(user).unwrap()).unwrap();
    assert!(back.get("defaultMfaMethod").is_none());
    // A user type Graph does not have is refused, not passed through.
    assert!(
        object_round_trip::<FeatureSummary>(&BY_FEATURE.replace("\"userTypes\": \"all\"", "\"userTypes\": \"robot\""))
            .is_err()
    );
}

/// The Graph documentation's own examples. They are CC-BY-4.0, so the repository does not
/// carry them: `cargo test` lists this test as ignored, with the reason; run it with
/// `SIGNIN_INSIGHTS_GRAPH_EXAMPLES=<folder> cargo test --release graph_docs -- --ignored`.
#[test]
#[ignore = "SKIPPED: needs SIGNIN_INSIGHTS_GRAPH_EXAMPLES, a folder of the Graph docs' example responses (CC-BY-4.0, not in the repository)"]
fn graph_docs_examples() {
    let dir = std::env::var_os("SIGNIN_INSIGHTS_GRAPH_EXAMPLES")
        .expect("SIGNIN_INSIGHTS_GRAPH_EXAMPLES: the folder of the Graph docs' example responses");
    let dir = std::path::PathBuf::from(dir);
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let sp = read("reportroot-list-serviceprincipalsigninactivities.example-response.json");
    assert_eq!(round_trip::<ServicePrincipalActivity>(&sp), Ok(2));
    let creds = read("reportroot-list-appcredentialsigninactivities.example-response.json");
    assert_eq!(round_trip::<AppCredentialActivity>(&creds), Ok(2));
    let regs = read("authenticationmethodsroot-list-userregistrationdetails.example-response.json");
    assert_eq!(round_trip::<Registration>(&regs), Ok(3));
}
