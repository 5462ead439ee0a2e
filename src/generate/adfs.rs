//! Seeded AD FS sign-ins as Log Analytics `ADFSSignInLogs` rows: a handful of relying parties
//! (one of them Microsoft's own, which the report leaves out), users whose UPN case varies
//! between sign-ins, some sign-ins with only a user id, AD FS error codes, and relying parties
//! renamed over time.

use std::fmt::Write as _;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Rng, js};
use crate::domain::MICROS_PER_DAY;
use crate::domain::time::format_timestamp_utc;
use crate::error::{Error, Result};

/// (identifier, names over time).
const RELYING_PARTIES: &[(&str, &[&str])] = &[
    ("https://expenses.contoso.example/", &["Contoso Expenses", "Expenses (legacy)"]),
    ("https://hr.contoso.example", &["HR Portal"]),
    ("urn:federation:MicrosoftOnline", &["Microsoft Office 365 Identity Platform"]),
    ("https://wiki.contoso.example/adfs/ls", &["Wiki", "Wiki — Ünïcode"]),
    ("urn:contoso:payroll", &["=Payroll"]),
];

/// The relying-party trusts as `Get-AdfsRelyingPartyTrust | ConvertTo-Json` writes them
/// (PowerShell 7, UTF-8), one of every readiness outcome: the expenses trust at every default
/// (`ready`); HR with monitoring on, a five-minute token lifetime and a `=~` transform
/// (`needsReview`); the wiki with an extra WS-Fed endpoint, a delegation rule and MFA for a group
/// (`additionalStepsRequired`); Microsoft's own (left out of the report); an archive nobody
/// signs in to (finding `noSignIns`). The payroll party has sign-ins but no trust here (finding
/// `noTrustConfiguration`).
const RP_TRUSTS: &str = r#"[
  {
    "Name": "Expenses (legacy)",
    "Identifier": [
      "https://expenses.contoso.example/"
    ],
    "Enabled": true,
    "ClaimsProviderName": [],
    "AdditionalWSFedEndpoint": [],
    "DelegationAuthorizationRules": null,
    "ImpersonationAuthorizationRules": null,
    "AdditionalAuthenticationRules": null,
    "IssuanceAuthorizationRules": "@RuleTemplate = \"AllowAllAuthzRule\"\r\n => issue(Type = \"http://schemas.microsoft.com/authorization/claims/permit\", Value = \"true\");\r\n",
    "IssuanceTransformRules": "@RuleTemplate = \"LdapClaims\"\r\n@RuleName = \"Mail and UPN\"\r\nc:[Type == \"http://schemas.microsoft.com/ws/2008/06/identity/claims/windowsaccountname\", Issuer == \"AD AUTHORITY\"]\r\n => issue(store = \"Active Directory\", types = (\"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress\", \"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn\"), query = \";mail,userPrincipalName;{0}\", param = c.Value);\r\n",
    "MonitoringEnabled": false,
    "TokenLifetime": 0,
    "EncryptClaims": true,
    "SamlEndpoints": [],
    "WSFedEndpoint": "https://expenses.contoso.example/wsfed"
  },
  {
    "Name": "HR Portal",
    "Identifier": [
      "https://hr.contoso.example"
    ],
    "Enabled": true,
    "ClaimsProviderName": [
      "Active Directory"
    ],
    "AdditionalWSFedEndpoint": [],
    "DelegationAuthorizationRules": null,
    "ImpersonationAuthorizationRules": null,
    "AdditionalAuthenticationRules": null,
    "IssuanceAuthorizationRules": "=> issue(Type = \"http://schemas.microsoft.com/authorization/claims/permit\", Value = \"true\");",
    "IssuanceTransformRules": "c:[Type == \"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn\", Value =~ \"@contoso\\.example$\"]\r\n => issue(claim = c);",
    "MonitoringEnabled": true,
    "TokenLifetime": 5,
    "EncryptClaims": true,
    "WSFedEndpoint": {
      "AbsoluteUri": "https://hr.contoso.example/adfs/post",
      "OriginalString": "https://hr.contoso.example/adfs/post"
    }
  },
  {
    "Name": "Wiki — Ünïcode",
    "Identifier": [
      "https://wiki.contoso.example/adfs/ls",
      "urn:contoso:wiki"
    ],
    "Enabled": true,
    "ClaimsProviderName": [],
    "AdditionalWSFedEndpoint": [
      "https://wiki.contoso.example/ws2"
    ],
    "DelegationAuthorizationRules": "c:[Type == \"http://schemas.microsoft.com/ws/2008/06/identity/claims/primarysid\", Value == \"S-1-5-21-7\"] => issue(Type = \"http://schemas.microsoft.com/authorization/claims/permit\", Value = \"true\");",
    "ImpersonationAuthorizationRules": null,
    "AdditionalAuthenticationRules": "c:[Type == \"http://schemas.microsoft.com/ws/2008/06/identity/claims/groupsid\", Value == \"S-1-5-21-9\"]\r\n => issue(Type = \"http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationmethod\", Value = \"http://schemas.microsoft.com/claims/multipleauthn\");",
    "IssuanceAuthorizationRules": "@RuleTemplate = \"AllowAllAuthzRule\"\r\n => issue(Type = \"http://schemas.microsoft.com/authorization/claims/permit\", Value = \"true\");\r\n",
    "IssuanceTransformRules": null,
    "MonitoringEnabled": false,
    "TokenLifetime": 0,
    "EncryptClaims": true,
    "SamlEndpoints": [
      {
        "Binding": "POST",
        "Index": 0,
        "IsDefault": false,
        "Location": {
          "AbsoluteUri": "https://wiki.contoso.example/saml"
        },
        "Protocol": "SAMLAssertionConsumer",
        "ResponseLocation": null
      }
    ]
  },
  {
    "Name": "Microsoft Office 365 Identity Platform",
    "Identifier": [
      "urn:federation:MicrosoftOnline"
    ],
    "Enabled": true,
    "ClaimsProviderName": [],
    "AdditionalWSFedEndpoint": [],
    "DelegationAuthorizationRules": null,
    "ImpersonationAuthorizationRules": null,
    "AdditionalAuthenticationRules": null,
    "IssuanceAuthorizationRules": null,
    "IssuanceTransformRules": null,
    "MonitoringEnabled": false,
    "TokenLifetime": 0,
    "WSFedEndpoint": "https://login.microsoftonline.com/login.srf"
  },
  {
    "Name": "Archive",
    "Identifier": [
      "https://archive.contoso.example/"
    ],
    "Enabled": true,
    "ClaimsProviderName": [],
    "AdditionalWSFedEndpoint": [],
    "DelegationAuthorizationRules": null,
    "ImpersonationAuthorizationRules": null,
    "AdditionalAuthenticationRules": null,
    "IssuanceAuthorizationRules": "@RuleTemplate = \"AllowAllAuthzRule\"\r\n => issue(Type = \"http://schemas.microsoft.com/authorization/claims/permit\", Value = \"true\");\r\n",
    "IssuanceTransformRules": "@RuleTemplate = \"LdapClaims\"\r\n@RuleName = \"UPN\"\r\nc:[Type == \"http://schemas.microsoft.com/ws/2008/06/identity/claims/windowsaccountname\", Issuer == \"AD AUTHORITY\"]\r\n => issue(store = \"Active Directory\", types = (\"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn\"), query = \";userPrincipalName;{0}\", param = c.Value);\r\n",
    "MonitoringEnabled": false,
    "TokenLifetime": 0,
    "EncryptClaims": true,
    "WSFedEndpoint": "https://archive.contoso.example/wsfed"
  }
]
"#;

/// Writes the relying-party trust export ([`RP_TRUSTS`]) as `dir/rp-trusts.json`.
pub fn write_rp_trusts(dir: &Path) -> Result<PathBuf> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = dir.join("rp-trusts.json");
    fs::write(&path, RP_TRUSTS).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

/// AD FS result codes (0 = success).
const RESULTS: &[(&str, &str)] = &[("0", ""), ("0", ""), ("0", ""), ("364", "MSIS7012"), ("30", "MSIS7066")];

/// Writes `n` AD FS sign-ins ending at `end_us` over `days` into `dir/adfs-signins.jsonl`.
pub fn write_adfs(seed: u64, n: u64, days: u32, end_us: i64, dir: &Path) -> Result<PathBuf> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = dir.join("adfs-signins.jsonl");
    let mut text = String::new();
    let span = i64::from(days.max(1)) * MICROS_PER_DAY;
    for k in 0..n {
        let mut rng = Rng::new(seed ^ 0xadf5 ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let t = end_us - rng.below(span as u64) as i64;
        let (rp, names) = *rng.pick(RELYING_PARTIES);
        let name = if t > end_us - span / 2 { names[names.len() - 1] } else { names[0] };
        let (code, reason) = *rng.pick(RESULTS);
        let user = rng.below(12);
        let upn = match rng.below(10) {
            0 => String::new(),
            1 => format!("User{user}@Contoso.Example"),
            _ => format!("user{user}@contoso.example"),
        };
        let _ = writeln!(
            text,
            "{{\"Id\":\"{}\",\"CreatedDateTime\":\"{}\",\"TimeGenerated\":\"{}\",\"Type\":\"ADFSSignInLogs\",\"Category\":\"ADFSSignInLogs\",\"ResourceIdentity\":{},\"ResourceDisplayName\":{},\"UserPrincipalName\":\"{upn}\",\"UserId\":\"u{user}\",\"ResultType\":\"{code}\",\"ResultDescription\":\"{reason}\",\"IsInteractive\":true,\"TokenIssuerType\":\"ADFederationServices\"}}",
            rng.uuid(),
            format_timestamp_utc(t),
            format_timestamp_utc(t),
            js(rp),
            js(name),
        );
    }
    let mut f = fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
    f.write_all(text.as_bytes()).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}
