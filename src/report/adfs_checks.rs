//! The migration checks of a relying-party trust (SPEC 3.6, docs/graph-schemas.md 1.4): each check's
//! condition is the public readiness tool's rule, its severity when tripped the portal's
//! documented outcome (Pass/Fail checks fail, Pass/Warning checks warn), in Graph's encoding
//! (0 pass, 1 fail, 2 warning). The rule checks parse the claim rules and accept the known
//! migratable patterns only.

use super::claim_policy::{self, Classification};
use crate::normalize::claim_rules;
use crate::normalize::rp_trust::RpTrust;

pub const PASS: u8 = 0;
pub const FAIL: u8 = 1;
pub const WARNING: u8 = 2;

/// One check's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub result: u8,
    pub message: String,
}

impl Check {
    /// Graph's `keyValuePair.value`: `{"result": n, "message": "..."}` as JSON text.
    pub fn value(&self) -> String {
        format!(
            "{{\"result\": {}, \"message\": {}}}",
            self.result,
            serde_json::to_string(&self.message).expect("a string serialises")
        )
    }
}

/// One classified rule of a trust, for `report adfs --rules`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassifiedRule {
    pub rule_set: &'static str,
    pub index: usize,
    pub line: usize,
    pub column: usize,
    pub text: String,
    /// The pattern, the detail codes, or the parse error.
    pub classification: Result<Classification, String>,
}

/// Every rule of every rule set of `t`, parsed and classified.
pub fn classified_rules(t: &RpTrust) -> Vec<ClassifiedRule> {
    let mut out = Vec::new();
    for (set, text) in &t.rules {
        for (i, p) in claim_rules::parse(text).into_iter().enumerate() {
            out.push(ClassifiedRule {
                rule_set: set,
                index: i + 1,
                line: p.line,
                column: p.column,
                text: p.text,
                classification: p.rule.map(|r| claim_policy::classify(&r)),
            });
        }
    }
    out
}

/// Pass when every rule of `set` is one of `known` patterns; else `tripped` with the count.
fn rule_check(
    rules: &[ClassifiedRule],
    set: &str,
    name: &'static str,
    known: &[&str],
    tripped: u8,
    none: &str,
) -> Check {
    let of_set: Vec<&ClassifiedRule> = rules.iter().filter(|r| r.rule_set == set).collect();
    if of_set.is_empty() {
        return Check { name, result: PASS, message: none.to_string() };
    }
    let bad = of_set
        .iter()
        .filter(|r| !matches!(&r.classification, Ok(c) if c.pattern.is_some_and(|p| known.contains(&p))))
        .count();
    if bad == 0 {
        Check { name, result: PASS, message: format!("All {} rules follow a migratable pattern.", of_set.len()) }
    } else {
        Check {
            name,
            result: tripped,
            message: format!("{bad} of {} rules cannot be migrated as they are.", of_set.len()),
        }
    }
}

fn flag_check(name: &'static str, on: bool, tripped: u8, on_msg: &str, off_msg: &str) -> Check {
    if on {
        Check { name, result: tripped, message: on_msg.to_string() }
    } else {
        Check { name, result: PASS, message: off_msg.to_string() }
    }
}

/// The sixteen checks Graph names, in Graph's order.
pub fn checks(t: &RpTrust) -> Vec<Check> {
    let rules = classified_rules(t);
    let cps = &t.claims_provider_names;
    let cp_bad = cps.len() > 1 || (cps.len() == 1 && !cps[0].eq_ignore_ascii_case("Active Directory"));
    vec![
        flag_check(
            "AdditionalWSFedEndpointCheckResult",
            t.additional_wsfed_endpoints > 0,
            FAIL,
            "Additional WS-Federation endpoints are configured; Entra ID supports one.",
            "No additional WS-Federation endpoints were found.",
        ),
        flag_check(
            "AllowedAuthenticationClassReferencesCheckResult",
            t.allowed_authentication_class_references > 0,
            FAIL,
            "AllowedAuthenticationClassReferences restricts the authentication types; use Conditional Access.",
            "AllowedAuthenticationClassReferences is not set up.",
        ),
        flag_check(
            "AlwaysRequireAuthenticationCheckResult",
            t.always_require_authentication,
            FAIL,
            "AlwaysRequireAuthentication is set; use Conditional Access session controls.",
            "AlwaysRequireAuthentication is not set.",
        ),
        flag_check(
            "AutoUpdateEnabledCheckResult",
            t.auto_update_enabled,
            WARNING,
            "The trust is updated from federation metadata, which Entra ID does not do.",
            "AutoUpdateEnabled is not set.",
        ),
        flag_check(
            "ClaimsProviderNameCheckResult",
            cp_bad,
            FAIL,
            "Claims are accepted from a provider other than Active Directory; use B2B.",
            "Claims come from Active Directory only.",
        ),
        Check { name: "EncryptClaimsCheckResult", result: PASS, message: "Claim encryption is supported.".into() },
        flag_check(
            "EncryptedNameIdRequiredCheckResult",
            t.encrypted_name_id_required && t.has_encryption_certificate,
            FAIL,
            "The NameID must be encrypted; Entra ID encrypts whole tokens only.",
            "An encrypted NameID is not required.",
        ),
        flag_check(
            "MonitoringEnabledCheckResult",
            t.monitoring_enabled,
            WARNING,
            "Federation metadata monitoring is on, which Entra ID does not do.",
            "MonitoringEnabled is not set.",
        ),
        flag_check(
            "NotBeforeSkewCheckResult",
            t.not_before_skew > 0,
            WARNING,
            &format!("NotBeforeSkew is {} minutes; Entra ID handles clock skew by default.", t.not_before_skew),
            "NotBeforeSkew is not set.",
        ),
        flag_check(
            "RequestMFAFromClaimsProvidersCheckResult",
            t.request_mfa_from_claims_providers,
            WARNING,
            "MFA is requested from claims providers; review how MFA is done after the move.",
            "RequestMFAFromClaimsProviders is not set.",
        ),
        flag_check(
            "SignedSamlRequestsRequiredCheckResult",
            t.signed_saml_requests_required,
            FAIL,
            "Signed SAML requests are required; Entra ID accepts them without verifying the signature.",
            "Signed SAML requests are not required.",
        ),
        rule_check(
            &rules,
            "AdditionalAuthenticationRules",
            "AdditionalAuthenticationRulesCheckResult",
            &["MfaForUser", "MfaForGroup", "MfaForUnregisteredDevices", "MfaForExtranet"],
            WARNING,
            "No additional authentication rules.",
        ),
        flag_check(
            "TokenLifetimeCheckResult",
            t.token_lifetime > 0 && t.token_lifetime < 10,
            WARNING,
            &format!("TokenLifetime is {} minutes, below Entra ID's minimum of 10.", t.token_lifetime),
            "TokenLifetime is the default or at least 10 minutes.",
        ),
        rule_check(
            &rules,
            "DelegationAuthorizationRules",
            "DelegationAuthorizationRulesCheckResult",
            &[],
            FAIL,
            "No delegation authorization rules.",
        ),
        rule_check(
            &rules,
            "IssuanceAuthorizationRules",
            "IssuanceAuthorizationRulesCheckResult",
            &["PermitAll", "PermitGroup"],
            WARNING,
            "No issuance authorization rules.",
        ),
        rule_check(
            &rules,
            "IssuanceTransformRules",
            "IssuanceTransformRulesCheckResult",
            &["LdapAttributes"],
            WARNING,
            "No issuance transform rules.",
        ),
    ]
}

/// Graph `migrationStatus`: any fail -> additionalStepsRequired, else any warning ->
/// needsReview, else ready.
pub fn status(checks: &[Check]) -> &'static str {
    if checks.iter().any(|c| c.result == FAIL) {
        "additionalStepsRequired"
    } else if checks.iter().any(|c| c.result == WARNING) {
        "needsReview"
    } else {
        "ready"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_trust_is_ready_and_each_setting_trips_its_check() {
        let plain = RpTrust { name: "x".into(), identifiers: vec!["https://x/".into()], ..RpTrust::default() };
        let all = checks(&plain);
        assert_eq!(all.len(), 16);
        assert_eq!(status(&all), "ready");
        let trip = |t: RpTrust| {
            let c = checks(&t);
            let tripped: Vec<(&str, u8)> = c.iter().filter(|c| c.result != PASS).map(|c| (c.name, c.result)).collect();
            (tripped, status(&c))
        };
        assert_eq!(
            trip(RpTrust { additional_wsfed_endpoints: 1, ..plain.clone() }),
            (vec![("AdditionalWSFedEndpointCheckResult", FAIL)], "additionalStepsRequired")
        );
        assert_eq!(
            trip(RpTrust { monitoring_enabled: true, ..plain.clone() }),
            (vec![("MonitoringEnabledCheckResult", WARNING)], "needsReview")
        );
        assert_eq!(
            trip(RpTrust { token_lifetime: 5, ..plain.clone() }),
            (vec![("TokenLifetimeCheckResult", WARNING)], "needsReview")
        );
        assert_eq!(trip(RpTrust { token_lifetime: 60, ..plain.clone() }).0, vec![]);
        assert_eq!(
            trip(RpTrust { claims_provider_names: vec!["Partner".into()], ..plain.clone() }).0,
            vec![("ClaimsProviderNameCheckResult", FAIL)]
        );
        assert_eq!(trip(RpTrust { claims_provider_names: vec!["Active Directory".into()], ..plain.clone() }).0, vec![]);
        // EncryptedNameIdRequired fails only with an encryption certificate.
        assert_eq!(trip(RpTrust { encrypted_name_id_required: true, ..plain.clone() }).0, vec![]);
        let permit = "=> issue(Type = \"http://schemas.microsoft.com/authorization/claims/permit\", Value = \"true\");";
        assert_eq!(
            trip(RpTrust { rules: vec![("IssuanceAuthorizationRules", permit.into())], ..plain.clone() }).0,
            vec![]
        );
        let odd = "c:[Type == \"x\", Value =~ \"^a\"] => issue(claim = c);";
        assert_eq!(
            trip(RpTrust { rules: vec![("IssuanceTransformRules", odd.into())], ..plain.clone() }).0,
            vec![("IssuanceTransformRulesCheckResult", WARNING)]
        );
        assert_eq!(
            trip(RpTrust { rules: vec![("DelegationAuthorizationRules", permit.into())], ..plain.clone() }).0,
            vec![("DelegationAuthorizationRulesCheckResult", FAIL)]
        );
        // Each trippable check, tripped alone by one hand-made trust.
        let rule = |set: &'static str, text: &str| vec![(set, text.to_string())];
        let odd = "c:[Type == \"x\"] => add(Type = \"y\", Value = c.Value);";
        let cases: Vec<(RpTrust, &str, u8)> = vec![
            (RpTrust { additional_wsfed_endpoints: 2, ..plain.clone() }, "AdditionalWSFedEndpointCheckResult", FAIL),
            (
                RpTrust { allowed_authentication_class_references: 1, ..plain.clone() },
                "AllowedAuthenticationClassReferencesCheckResult",
                FAIL,
            ),
            (
                RpTrust { always_require_authentication: true, ..plain.clone() },
                "AlwaysRequireAuthenticationCheckResult",
                FAIL,
            ),
            (RpTrust { auto_update_enabled: true, ..plain.clone() }, "AutoUpdateEnabledCheckResult", WARNING),
            (
                RpTrust { claims_provider_names: vec!["Active Directory".into(), "Partner".into()], ..plain.clone() },
                "ClaimsProviderNameCheckResult",
                FAIL,
            ),
            (
                RpTrust { encrypted_name_id_required: true, has_encryption_certificate: true, ..plain.clone() },
                "EncryptedNameIdRequiredCheckResult",
                FAIL,
            ),
            (RpTrust { monitoring_enabled: true, ..plain.clone() }, "MonitoringEnabledCheckResult", WARNING),
            (RpTrust { not_before_skew: 2, ..plain.clone() }, "NotBeforeSkewCheckResult", WARNING),
            (
                RpTrust { request_mfa_from_claims_providers: true, ..plain.clone() },
                "RequestMFAFromClaimsProvidersCheckResult",
                WARNING,
            ),
            (
                RpTrust { signed_saml_requests_required: true, ..plain.clone() },
                "SignedSamlRequestsRequiredCheckResult",
                FAIL,
            ),
            (
                RpTrust { rules: rule("AdditionalAuthenticationRules", odd), ..plain.clone() },
                "AdditionalAuthenticationRulesCheckResult",
                WARNING,
            ),
            (RpTrust { token_lifetime: 9, ..plain.clone() }, "TokenLifetimeCheckResult", WARNING),
            (
                RpTrust { rules: rule("DelegationAuthorizationRules", odd), ..plain.clone() },
                "DelegationAuthorizationRulesCheckResult",
                FAIL,
            ),
            (
                RpTrust { rules: rule("IssuanceAuthorizationRules", odd), ..plain.clone() },
                "IssuanceAuthorizationRulesCheckResult",
                WARNING,
            ),
            (
                RpTrust { rules: rule("IssuanceTransformRules", odd), ..plain.clone() },
                "IssuanceTransformRulesCheckResult",
                WARNING,
            ),
        ];
        let mut names: Vec<&str> = cases.iter().map(|c| c.1).collect();
        names.push("EncryptClaimsCheckResult");
        names.sort_unstable();
        let mut all_names: Vec<&str> = checks(&plain).iter().map(|c| c.name).collect();
        all_names.sort_unstable();
        assert_eq!(names, all_names, "every check but EncryptClaims (always a pass) is tripped once");
        for (trust, name, result) in cases {
            let (tripped, st) = trip(trust);
            assert_eq!(tripped, vec![(name, result)]);
            assert_eq!(st, if result == FAIL { "additionalStepsRequired" } else { "needsReview" });
        }
        let value = Check { name: "n", result: 2, message: "say \"hi\"".into() }.value();
        assert_eq!(value, r#"{"result": 2, "message": "say \"hi\""}"#);
    }
}
