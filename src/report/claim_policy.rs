//! Migration policy for AD FS claim rules (SPEC 3.6): what a parsed rule
//! ([`claim_rules`](crate::normalize::claim_rules)) means for moving its relying party to Entra
//! ID: a known migratable pattern (`PermitAll`, `PermitGroup`, `LdapAttributes`, ...) or the
//! portal's detail codes (`UNSUPPORTED_CONDITION_PARAMETER`, `EXTERNAL_ATTRIBUTE_STORE`, ...).
//! The readiness checks of [`adfs_checks`](super::adfs_checks) are built on it.

use crate::normalize::claim_rules::{Condition, Expr, Issuance, Op, Rule, Test};

const PERMIT: &str = "http://schemas.microsoft.com/authorization/claims/permit";
const DENY: &str = "http://schemas.microsoft.com/authorization/claims/deny";
const GROUP_SID: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groupsid";
const PRIMARY_SID: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/primarysid";
const WINDOWS_ACCOUNT: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/windowsaccountname";
const AUTH_METHOD: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationmethod";
const MULTIPLE_AUTHN: &str = "http://schemas.microsoft.com/claims/multipleauthn";
const INSIDE_CORPNET: &str = "http://schemas.microsoft.com/ws/2012/01/insidecorporatenetwork";
const IS_REGISTERED: &str = "http://schemas.microsoft.com/2012/01/devicecontext/claims/isregistereduser";
const PROXY_SID: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/proxysid";
const PROXY_TRUST: &str = "http://schemas.microsoft.com/authorization/claims/permit";
/// Claims Entra ID issues itself and a claims mapping may not set.
const RESTRICTED: [&str; 6] = [
    "http://schemas.microsoft.com/identity/claims/tenantid",
    "http://schemas.microsoft.com/identity/claims/objectidentifier",
    "http://schemas.microsoft.com/identity/claims/identityprovider",
    "http://schemas.microsoft.com/claims/authnmethodsreferences",
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationinstant",
    "http://schemas.microsoft.com/identity/claims/scope",
];

/// The issuers a migrated rule may match on (AD and the Federation Service itself).
const SUPPORTED_ISSUERS: [&str; 2] = ["AD AUTHORITY", "LOCAL AUTHORITY"];

/// What a rule is, for the migration report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classification {
    /// A known migratable pattern (`PermitAll`, `PermitGroup`, `LdapAttributes`, ...).
    pub pattern: Option<&'static str>,
    /// The portal's detail codes, when the rule is not migratable as is.
    pub codes: Vec<&'static str>,
}

fn str_arg<'a>(iss: &'a Issuance, name: &str) -> Option<&'a str> {
    match iss.arg(name) {
        Some(Expr::Str(s)) => Some(s.as_str()),
        _ => None,
    }
}

fn tests_of(c: &Condition) -> &[Test] {
    match c {
        Condition::Match { tests, .. } | Condition::Aggregate { tests, .. } => tests,
    }
}

/// `[Type == <t>, Value == "..."]` with nothing else.
fn is_type_value(c: &Condition, types: &[&str]) -> bool {
    let Condition::Match { tests, .. } = c else { return false };
    let ty = tests
        .iter()
        .any(|t| t.property.eq_ignore_ascii_case("Type") && t.op == Op::Eq && types.contains(&t.value.as_str()));
    let val = tests.iter().any(|t| t.property.eq_ignore_ascii_case("Value") && t.op == Op::Eq);
    ty && val && tests.len() == 2
}

fn mentions_regex_replace(e: &Expr) -> bool {
    match e {
        Expr::Call { name, args } => {
            name.eq_ignore_ascii_case("RegexReplace") || args.iter().any(mentions_regex_replace)
        }
        Expr::Tuple(items) | Expr::Concat(items) => items.iter().any(mentions_regex_replace),
        _ => false,
    }
}

/// Classifies one rule: the known migratable patterns first, else every detail code that
/// applies, else `UNSUPPORTED_RULE_TYPE`.
pub fn classify(rule: &Rule) -> Classification {
    let iss = &rule.issuance;
    let ty = str_arg(iss, "Type");
    let value = str_arg(iss, "Value");
    let conds = &rule.conditions;
    let pattern = match (conds.as_slice(), ty, value, iss.add) {
        ([], Some(PERMIT), Some(v), false) if v.eq_ignore_ascii_case("true") => Some("PermitAll"),
        ([c], Some(PERMIT), Some(_), false) if is_type_value(c, &[GROUP_SID]) => Some("PermitGroup"),
        ([c], Some(PERMIT), Some(_), false) if is_type_value(c, &[PRIMARY_SID]) => Some("PermitUser"),
        ([c], Some(DENY), Some(_), false) if is_type_value(c, &[GROUP_SID]) => Some("DenyGroup"),
        ([c], Some(AUTH_METHOD), Some(MULTIPLE_AUTHN), false) if is_type_value(c, &[GROUP_SID]) => Some("MfaForGroup"),
        ([c], Some(AUTH_METHOD), Some(MULTIPLE_AUTHN), false) if is_type_value(c, &[PRIMARY_SID]) => Some("MfaForUser"),
        ([c], Some(AUTH_METHOD), Some(MULTIPLE_AUTHN), false) if is_type_value(c, &[INSIDE_CORPNET]) => {
            Some("MfaForExtranet")
        }
        ([c], Some(AUTH_METHOD), Some(MULTIPLE_AUTHN), false) if is_type_value(c, &[IS_REGISTERED]) => {
            Some("MfaForUnregisteredDevices")
        }
        ([c], Some(PROXY_TRUST), Some(_), false) if is_type_value(c, &[PROXY_SID]) => Some("ProxySid"),
        _ => None,
    };
    let ldap = match (conds.as_slice(), str_arg(iss, "store")) {
        ([Condition::Match { tests, .. }], Some(store)) if store == "Active Directory" && !iss.add => tests
            .iter()
            .any(|t| t.property.eq_ignore_ascii_case("Type") && t.op == Op::Eq && t.value == WINDOWS_ACCOUNT)
            .then_some("LdapAttributes"),
        _ => None,
    };
    let pass_through = (conds.len() == 1 && iss.claim.is_some() && !iss.add)
        .then(|| {
            tests_of(&conds[0])
                .iter()
                .all(|t| t.op == Op::Eq && t.property.eq_ignore_ascii_case("Type"))
                .then_some("PassThrough")
        })
        .flatten();
    let mut codes = Vec::new();
    if conds.iter().flat_map(tests_of).any(|t| matches!(t.op, Op::Matches | Op::NotMatches)) {
        codes.push("UNSUPPORTED_CONDITION_PARAMETER");
    }
    if conds.len() > 1 {
        codes.push("UNSUPPORTED_CONDITION_CLASS");
    }
    if conds.iter().any(|c| matches!(c, Condition::Aggregate { .. })) {
        codes.push("UNSUPPORTED_CONDITION_FUNCTION");
    }
    if conds.iter().flat_map(tests_of).any(|t| {
        t.property.eq_ignore_ascii_case("Issuer") && !SUPPORTED_ISSUERS.iter().any(|s| s.eq_ignore_ascii_case(&t.value))
    }) {
        codes.push("CONDITION_MATCHES_UNSUPPORTED_ISSUER");
    }
    if iss.add {
        codes.push("UNSUPPORTED_ISSUANCE_CLASS");
    }
    if str_arg(iss, "store").is_some_and(|s| s != "Active Directory") {
        codes.push("EXTERNAL_ATTRIBUTE_STORE");
    }
    if iss.args.iter().any(|(_, e)| mentions_regex_replace(e)) {
        codes.push("UNSUPPORTED_ISSUANCE_TRANSFORMATION");
    }
    let issued: Vec<&str> = match (ty, iss.arg("types")) {
        (Some(t), _) => vec![t],
        (None, Some(Expr::Tuple(items))) => items
            .iter()
            .filter_map(|e| match e {
                Expr::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    if issued.iter().any(|t| RESTRICTED.iter().any(|r| r.eq_ignore_ascii_case(t))) {
        codes.push("RESTRICTED_CLAIM_ISSUED");
    }
    let pattern = if codes.is_empty() { pattern.or(ldap).or(pass_through) } else { None };
    if pattern.is_none() && codes.is_empty() {
        codes.push("UNSUPPORTED_RULE_TYPE");
    }
    Classification { pattern, codes }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::claim_rules::parse;

    fn one(text: &str) -> Classification {
        let parsed = parse(text);
        assert_eq!(parsed.len(), 1, "{parsed:?}");
        classify(parsed[0].rule.as_ref().unwrap_or_else(|e| panic!("{e}: {text}")))
    }

    fn pattern(text: &str) -> Option<&'static str> {
        let c = one(text);
        assert!(c.codes.is_empty(), "{c:?}");
        c.pattern
    }

    #[test]
    fn migratable_patterns() {
        let permit = r#"@RuleTemplate = "AllowAllAuthzRule"
            => issue(Type = "http://schemas.microsoft.com/authorization/claims/permit", Value = "true");"#;
        assert_eq!(pattern(permit), Some("PermitAll"));
        let group = r#"@RuleName = "Finance only"
            c:[Type == "http://schemas.microsoft.com/ws/2008/06/identity/claims/groupsid", Value == "S-1-5-21-1-2-3-1104", Issuer == "AD AUTHORITY"]
            => issue(Type = "http://schemas.microsoft.com/authorization/claims/permit", Value = "PermitUsersWithClaim");"#;
        // Three tests (Type, Value, Issuer) is not the plain group pattern.
        assert_eq!(one(group).codes, vec!["UNSUPPORTED_RULE_TYPE"]);
        let group = r#"c:[Type == "http://schemas.microsoft.com/ws/2008/06/identity/claims/groupsid", Value == "S-1-5-21-1-2-3-1104"]
            => issue(Type = "http://schemas.microsoft.com/authorization/claims/permit", Value = "PermitUsersWithClaim");"#;
        assert_eq!(pattern(group), Some("PermitGroup"));
        let ldap = r#"@RuleTemplate = "LdapClaims"
            @RuleName = "Attributes"
            c:[Type == "http://schemas.microsoft.com/ws/2008/06/identity/claims/windowsaccountname", Issuer == "AD AUTHORITY"]
            => issue(store = "Active Directory", types = ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"), query = ";mail,userPrincipalName;{0}", param = c.Value);"#;
        assert_eq!(pattern(ldap), Some("LdapAttributes"));
        let mfa = r#"c:[Type == "http://schemas.microsoft.com/ws/2008/06/identity/claims/groupsid", Value == "S-1-5-21-9"]
            => issue(Type = "http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationmethod", Value = "http://schemas.microsoft.com/claims/multipleauthn");"#;
        assert_eq!(pattern(mfa), Some("MfaForGroup"));
        let extranet = r#"c:[Type == "http://schemas.microsoft.com/ws/2012/01/insidecorporatenetwork", Value == "false"]
            => issue(Type = "http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationmethod", Value = "http://schemas.microsoft.com/claims/multipleauthn");"#;
        assert_eq!(pattern(extranet), Some("MfaForExtranet"));
        let unregistered = r#"c:[Type == "http://schemas.microsoft.com/2012/01/devicecontext/claims/isregistereduser", Value == "false"]
            => issue(Type = "http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationmethod", Value = "http://schemas.microsoft.com/claims/multipleauthn");"#;
        assert_eq!(pattern(unregistered), Some("MfaForUnregisteredDevices"));
        let user = r#"c:[Type == "http://schemas.microsoft.com/ws/2008/06/identity/claims/primarysid", Value == "S-1-5-21-1"]
            => issue(Type = "http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationmethod", Value = "http://schemas.microsoft.com/claims/multipleauthn");"#;
        assert_eq!(pattern(user), Some("MfaForUser"));
        let proxy = r#"c:[Type == "http://schemas.microsoft.com/ws/2008/06/identity/claims/proxysid", Value == "S-1-5-21-2"]
            => issue(Type = "http://schemas.microsoft.com/authorization/claims/permit", Value = "true");"#;
        assert_eq!(pattern(proxy), Some("ProxySid"));
        let pass = r#"c:[Type == "http://schemas.xmlsoap.org/claims/Group"] => issue(claim = c);"#;
        assert_eq!(pattern(pass), Some("PassThrough"));
    }

    #[test]
    fn every_detail_code() {
        let cases = [
            (r#"c:[Type == "t", Value =~ "^adm"] => issue(claim = c);"#, "UNSUPPORTED_CONDITION_PARAMETER"),
            (
                r#"c1:[Type == "a"] && c2:[Type == "b"] => issue(Type = "x", Value = c1.Value + c2.Value);"#,
                "UNSUPPORTED_CONDITION_CLASS",
            ),
            (
                r#"NOT EXISTS([Type == "http://schemas.microsoft.com/ws/2008/06/identity/claims/groupsid"]) => issue(Type = "x", Value = "y");"#,
                "UNSUPPORTED_CONDITION_FUNCTION",
            ),
            (r#"COUNT([Type == "g"]) > 2 => issue(Type = "x", Value = "y");"#, "UNSUPPORTED_CONDITION_FUNCTION"),
            (
                r#"c:[Type == "t", Issuer == "partner.example"] => issue(claim = c);"#,
                "CONDITION_MATCHES_UNSUPPORTED_ISSUER",
            ),
            (r#"c:[Type == "t"] => add(Type = "tmp", Value = c.Value);"#, "UNSUPPORTED_ISSUANCE_CLASS"),
            (
                r#"c:[Type == "w"] => issue(store = "SQL Store", types = ("x"), query = "SELECT a FROM b WHERE c={0}", param = c.Value);"#,
                "EXTERNAL_ATTRIBUTE_STORE",
            ),
            (
                r#"c:[Type == "u"] => issue(Type = "u2", Value = RegexReplace(c.Value, "@contoso\\.com$", ""));"#,
                "UNSUPPORTED_ISSUANCE_TRANSFORMATION",
            ),
            (
                r#"c:[Type == "oid"] => issue(Type = "http://schemas.microsoft.com/identity/claims/objectidentifier", Value = c.Value);"#,
                "RESTRICTED_CLAIM_ISSUED",
            ),
            (r#"c:[Type == "a"] => issue(Type = "b", Value = c.Value);"#, "UNSUPPORTED_RULE_TYPE"),
        ];
        for (text, code) in cases {
            let c = one(text);
            assert!(c.codes.contains(&code), "{code}: {c:?} for {text}");
            assert_eq!(c.pattern, None, "{text}");
        }
    }
}
