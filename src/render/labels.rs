//! Column names for people. Machine outputs (JSON, CSV) keep the Graph member names
//! (`successPercentage`); a table on a terminal shows these words instead ("success %").
//! A name not in the list is split at its capitals ("lastNonInteractive" -> "last non
//! interactive").

/// The words a person reads for the column `header`.
pub fn human(header: &str) -> String {
    if let Some((_, label)) = LABELS.iter().find(|(h, _)| *h == header) {
        return (*label).to_string();
    }
    split_camel(header)
}

/// How a person reads a report's rows on a terminal when that differs from Graph's order (by
/// id): (column, newest or largest first, the words that say so). Service principals by their
/// latest sign-in, the most recent first; credentials by days left, the expired first.
pub fn person_order(context: &str) -> Option<(&'static str, bool, &'static str)> {
    if context.ends_with("servicePrincipalSignInActivity)") {
        Some(("lastSignIn", true, "latest sign-in first"))
    } else if context.ends_with("appCredentialSignInActivity)") {
        Some(("daysLeft", false, "fewest days left first"))
    } else {
        None
    }
}

/// Whether the column holds codes (error codes), which are not numbers a person adds up: they
/// get no thousands separators.
pub fn is_code(header: &str) -> bool {
    let h = header.to_ascii_lowercase();
    h.ends_with("code") || h == "rank" || h.ends_with("year")
}

/// The column that names what the id column `header` identifies (`appId` -> `appDisplayName`),
/// if the table has one: the id may then be shortened.
pub fn name_column_of<'h>(header: &str, headers: &[&'h str]) -> Option<&'h str> {
    let stem = header.strip_suffix("Id")?;
    let candidates = [format!("{stem}DisplayName"), format!("{stem}Name")];
    let mut found = headers.iter().copied().find(|h| candidates.iter().any(|c| c == h));
    if found.is_none() && stem == "app" {
        found = headers.iter().copied().find(|h| *h == "app");
    }
    if found.is_none() && (stem == "servicePrincipal" || stem == "policy" || stem == "key") {
        found = headers.iter().copied().find(|h| h.ends_with("DisplayName"));
    }
    found
}

fn split_camel(header: &str) -> String {
    let mut out = String::with_capacity(header.len() + 4);
    let mut prev_lower = false;
    for ch in header.chars() {
        if ch.is_ascii_uppercase() && prev_lower {
            out.push(' ');
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        out.push(ch.to_ascii_lowercase());
    }
    out
}

/// Graph member -> the words shown. Short, because terminals are narrow; the caption and the
/// README say what each counts.
const LABELS: &[(&str, &str)] = &[
    ("appDisplayName", "app"),
    ("appId", "app id"),
    ("app", "app"),
    ("successfulSignInCount", "successful"),
    ("failedSignInCount", "failed"),
    ("successPercentage", "success %"),
    ("successRate", "success %"),
    ("shareOfFailures", "% of failures"),
    ("signInCount", "sign-ins"),
    ("signIns", "sign-ins"),
    ("totalSignIns", "sign-ins"),
    ("successCount", "successful"),
    ("failureCount", "failed"),
    ("interruptedCount", "interrupted"),
    ("success", "successful"),
    ("failure", "failed"),
    ("failed", "failed"),
    ("successful", "successful"),
    ("userCount", "users"),
    ("users", "users"),
    ("apps", "apps"),
    ("errorCode", "error code"),
    ("failureReason", "failure reason"),
    ("firstSignInDateTime", "first sign-in"),
    ("lastSignInDateTime", "last sign-in"),
    ("lastSignIn", "last sign-in"),
    ("lastNonInteractive", "last non-interactive"),
    ("lastSuccessful", "last successful"),
    ("lastSuccess", "last successful"),
    ("createdDateTime", "time"),
    ("activityDateTime", "time"),
    ("eventDateTime", "time"),
    ("userPrincipalName", "user"),
    ("userDisplayName", "name"),
    ("ipAddress", "IP address"),
    ("clientAppUsed", "client app"),
    ("countryOrRegion", "country"),
    ("operatingSystem", "OS"),
    ("conditionalAccessStatus", "CA status"),
    ("authenticationRequirement", "requirement"),
    ("eventType", "event type"),
    ("policyDisplayName", "policy"),
    ("policyId", "policy id"),
    ("reportOnly", "report-only"),
    ("userActionRequired", "action required"),
    ("notApplied", "not applied"),
    ("usersSuccess", "users successful"),
    ("usersFailure", "users failed"),
    ("usersUserActionRequired", "users action required"),
    ("usersNotApplied", "users not applied"),
    ("singleFactorSignInCount", "single-factor"),
    ("multiFactorSignInCount", "multi-factor"),
    ("singleFactorSignIns", "single-factor"),
    ("multiFactorSignIns", "multi-factor"),
    ("singleFactorPercentage", "single-factor %"),
    ("singleFactorUserCount", "single-factor users"),
    ("authenticationMethod", "method"),
    ("authMethod", "method"),
    ("successActivityCount", "successful sign-ins"),
    ("loggedAs", "logged as"),
    ("percentOfUsers", "% of users"),
    ("promptCount", "prompts"),
    ("promptsPerSignIn", "prompts per sign-in"),
    ("relyingPartyName", "relying party"),
    ("relyingPartyId", "identifier"),
    ("total", "total"),
    ("uniqueUserCount", "users"),
    ("migration", "migration"),
    ("delegatedClient", "delegated client"),
    ("delegatedResource", "delegated resource"),
    ("appAuthClient", "app-only client"),
    ("appAuthResource", "app-only resource"),
    ("servicePrincipalId", "service principal"),
    ("keyId", "key id"),
    ("daysLeft", "days left"),
    ("expires", "expires"),
    ("externalTenantId", "external tenant"),
    ("crossTenantAccessType", "access type"),
    ("highRiskCount", "high"),
    ("mediumRiskCount", "medium"),
    ("lowRiskCount", "low"),
    ("latestRiskState", "latest risk state"),
    ("activityDisplayName", "activity"),
    ("initiatedByUser", "by user"),
    ("initiatedByApp", "by app"),
    ("targetDisplayName", "target"),
    ("targetUserPrincipalName", "target user"),
    ("targetUserDisplayName", "target name"),
    ("targetType", "target type"),
    ("consentType", "consent"),
    ("onBehalfOfAll", "for all users"),
    ("passwordResetsByAdminCount", "admin resets"),
    ("passwordResetsSelfServiceCount", "self-service resets"),
    ("changePasswordSelfServiceCount", "self-service changes"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_words_and_ids_find_their_names() {
        assert_eq!(human("successPercentage"), "success %");
        assert_eq!(human("lastNonInteractiveX"), "last non interactive x");
        assert_eq!(human("day"), "day");
        assert!(is_code("errorCode") && !is_code("signInCount"));
        let h = ["appDisplayName", "appId", "policyId", "policyDisplayName"];
        assert_eq!(name_column_of("appId", &h), Some("appDisplayName"));
        assert_eq!(name_column_of("policyId", &h), Some("policyDisplayName"));
        assert_eq!(name_column_of("keyId", &["keyId", "type"]), None);
        assert_eq!(name_column_of("appId", &["app", "appId"]), Some("app"));
        let mut seen = std::collections::HashSet::new();
        for (h, _) in LABELS {
            assert!(seen.insert(*h), "{h} twice");
        }
    }
}
