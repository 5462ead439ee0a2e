//! AD FS relying-party trusts, as `Get-AdfsRelyingPartyTrust | ConvertTo-Json` writes them:
//! PascalCase properties; at the default depth nested objects become type-name strings, deeper
//! exports give `Uri` objects (`AbsoluteUri`, `OriginalString`); lists may be `null`. Only what
//! the migration checks and the report read is kept. Pure, no I/O.

use serde_json::Value;

use super::Refusal;

/// The rule sets of a trust, in the order the report lists them.
pub const RULE_SETS: [&str; 5] = [
    "IssuanceTransformRules",
    "IssuanceAuthorizationRules",
    "DelegationAuthorizationRules",
    "ImpersonationAuthorizationRules",
    "AdditionalAuthenticationRules",
];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RpTrust {
    pub name: String,
    pub identifiers: Vec<String>,
    pub reply_urls: Vec<String>,
    pub additional_wsfed_endpoints: usize,
    pub allowed_authentication_class_references: usize,
    pub always_require_authentication: bool,
    pub auto_update_enabled: bool,
    pub claims_provider_names: Vec<String>,
    pub encrypted_name_id_required: bool,
    pub has_encryption_certificate: bool,
    pub monitoring_enabled: bool,
    pub not_before_skew: i64,
    pub request_mfa_from_claims_providers: bool,
    pub signed_saml_requests_required: bool,
    pub token_lifetime: i64,
    /// (rule set name, rule text) for each non-empty rule set.
    pub rules: Vec<(&'static str, String)>,
}

/// True for an object that looks like a relying-party trust export.
pub fn looks_like_trust(v: &Value) -> bool {
    v.get("Identifier").is_some()
        && ["IssuanceTransformRules", "ClaimsProviderName", "SamlEndpoints", "WSFedEndpoint"]
            .iter()
            .any(|k| v.get(k).is_some())
}

/// A URL from a string or a `System.Uri` object.
fn url(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if s.contains("://") => Some(s.clone()),
        Value::Object(o) => ["AbsoluteUri", "OriginalString"].iter().find_map(|k| o.get(*k).and_then(url)),
        _ => None,
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn count(v: Option<&Value>) -> usize {
    match v {
        Some(Value::Array(a)) => a.len(),
        Some(Value::String(s)) if !s.trim().is_empty() => 1,
        _ => 0,
    }
}

fn flag(v: Option<&Value>) -> Result<bool, String> {
    match v {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") || s.is_empty() => Ok(false),
        Some(other) => Err(format!("not a boolean: {other}")),
    }
}

fn number(v: Option<&Value>) -> Result<i64, String> {
    match v {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n.as_i64().ok_or_else(|| format!("not an integer: {n}")),
        Some(Value::String(s)) => s.trim().parse().map_err(|_| format!("not an integer: {s:?}")),
        Some(other) => Err(format!("not an integer: {other}")),
    }
}

/// Reads one trust.
pub fn parse(record: &str) -> Result<RpTrust, Refusal> {
    let v: Value = serde_json::from_str(record).map_err(|e| Refusal(format!("not JSON: {e}")))?;
    let field = |name: &str| v.get(name);
    let wrap = |name: &str, r: Result<bool, String>| r.map_err(|e| Refusal(format!("`{name}`: {e}")));
    let name = field("Name").and_then(Value::as_str).map(str::to_string).unwrap_or_default();
    let identifiers = strings(field("Identifier"));
    if identifiers.is_empty() {
        return Err(Refusal("a relying-party trust without an `Identifier`".into()));
    }
    let mut reply_urls: Vec<String> = field("WSFedEndpoint").and_then(url).into_iter().collect();
    if let Some(Value::Array(eps)) = field("SamlEndpoints") {
        for ep in eps {
            let loc = ep.get("Location").and_then(url).or_else(|| ep.get("ResponseLocation").and_then(url));
            reply_urls.extend(loc);
        }
    }
    reply_urls.dedup();
    let rules = RULE_SETS
        .iter()
        .filter_map(|set| {
            field(set).and_then(Value::as_str).filter(|t| !t.trim().is_empty()).map(|t| (*set, t.to_string()))
        })
        .collect();
    Ok(RpTrust {
        name,
        identifiers,
        reply_urls,
        additional_wsfed_endpoints: count(field("AdditionalWSFedEndpoint")),
        allowed_authentication_class_references: count(field("AllowedAuthenticationClassReferences")),
        always_require_authentication: wrap("AlwaysRequireAuthentication", flag(field("AlwaysRequireAuthentication")))?,
        auto_update_enabled: wrap("AutoUpdateEnabled", flag(field("AutoUpdateEnabled")))?,
        claims_provider_names: strings(field("ClaimsProviderName")),
        encrypted_name_id_required: wrap("EncryptedNameIdRequired", flag(field("EncryptedNameIdRequired")))?,
        has_encryption_certificate: field("EncryptionCertificate").is_some_and(|c| !c.is_null()),
        monitoring_enabled: wrap("MonitoringEnabled", flag(field("MonitoringEnabled")))?,
        not_before_skew: number(field("NotBeforeSkew")).map_err(|e| Refusal(format!("`NotBeforeSkew`: {e}")))?,
        request_mfa_from_claims_providers: wrap(
            "RequestMFAFromClaimsProviders",
            flag(field("RequestMFAFromClaimsProviders")),
        )?,
        signed_saml_requests_required: wrap("SignedSamlRequestsRequired", flag(field("SignedSamlRequestsRequired")))?,
        token_lifetime: number(field("TokenLifetime")).map_err(|e| Refusal(format!("`TokenLifetime`: {e}")))?,
        rules,
    })
}
