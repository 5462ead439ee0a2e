//! The sections of the hand-over page, named once: their anchors and titles in page order, and
//! for a section with nothing to show, why (SPEC 7: an empty answer is explained). The page
//! keeps every section of this list, an empty one greyed with its reason, so a reader sees what
//! was looked at and found empty rather than wondering what is missing.

use super::html::{Block, Detail, Section};
use super::overview::Inputs;
use crate::domain::EventType;
use crate::report::adfs::{KeyValue, RelyingPartyActivity};
use crate::report::adfs_checks::{FAIL, WARNING};
use crate::store::{AUDITS, CREDENTIALS, REGISTRATIONS, SIGNINS};

/// (anchor, title) of every section, in the order of the page.
pub const SECTIONS: &[(&str, &str)] = &[
    ("apps", "Application activity"),
    ("errors", "Top errors per application"),
    ("last-sign-in", "Last sign-in and unused applications"),
    ("failure-analysis", "Why sign-ins fail"),
    ("legacy-auth", "Legacy authentication"),
    ("ca-policies", "Conditional Access policies"),
    ("mfa-gaps", "Sign-ins without MFA"),
    ("auth-prompts", "Authentication prompts"),
    ("cross-tenant", "Cross-tenant sign-ins"),
    ("consents", "Consent grants"),
    ("sensitive-operations", "Sensitive operations"),
    ("risky-sign-ins", "Risky sign-ins"),
    ("service-principals", "Service principal sign-ins"),
    ("credentials", "Application credentials"),
    ("adfs", "AD FS applications"),
    ("auth-methods", "Authentication methods"),
];

/// The section `id` of [`SECTIONS`] with `blocks`.
pub fn section(id: &'static str, blocks: Vec<Block>) -> Section {
    let title = SECTIONS.iter().find(|(i, _)| *i == id).map_or(id, |(_, t)| t);
    Section { id, title, blocks }
}

/// `sections` in page order, with every section of the list the page lacks added, saying why
/// it is empty; sections not in the list (users) keep their place at the end.
pub fn complete(sections: Vec<Section>, inputs: &Inputs<'_>) -> Vec<Section> {
    let mut have: Vec<Option<Section>> = sections.into_iter().map(Some).collect();
    let mut out = Vec::new();
    for (id, title) in SECTIONS {
        match have.iter_mut().find(|s| s.as_ref().is_some_and(|s| s.id == *id)) {
            Some(s) => out.extend(s.take()),
            None => out.push(Section::empty(id, title, why_empty(id, inputs))),
        }
    }
    out.extend(have.into_iter().flatten());
    out
}

const EXPORTS: &str = "README, Getting the exports";

/// Why section `id` has nothing to show, from what the store holds.
fn why_empty(id: &str, inputs: &Inputs<'_>) -> String {
    let m = inputs.manifest;
    let has = |t: &str| !m.files(t).is_empty();
    let sign_in_window = inputs.windows.signins.words("sign-in");
    let audit_window = inputs.windows.audits.words("audit event");
    let no_sign_ins = format!("The store holds no sign-ins: ingest a sign-in export ({EXPORTS}).");
    let stored_types = |types: &[EventType]| {
        m.files(SIGNINS).iter().any(|f| EventType::parse(&f.event_type).is_some_and(|t| types.contains(&t)))
    };
    match id {
        "consents" | "sensitive-operations" if !has(AUDITS) => {
            format!("The store holds no directory audit events: ingest an audit export ({EXPORTS}).")
        }
        "consents" => format!("No consent to an application was recorded in the audit window ({audit_window})."),
        "sensitive-operations" => format!("No sensitive operation was recorded in the audit window ({audit_window})."),
        "service-principals" if !stored_types(&[EventType::ServicePrincipal, EventType::ManagedIdentity]) => format!(
            "The store holds no service principal or managed identity sign-ins: export those sign-in types too ({EXPORTS})."
        ),
        "credentials" if !has(CREDENTIALS) => format!(
            "The store holds no credential inventory: ingest the applications and service principals export ({EXPORTS})."
        ),
        "credentials" => "The store holds no sign-ins to date the credential report by.".into(),
        "adfs" => format!("The store holds no AD FS sign-ins and no relying-party trust export ({EXPORTS})."),
        "auth-methods" if !has(SIGNINS) && !has(REGISTRATIONS) && !has(AUDITS) => format!(
            "The store holds no sign-ins, registration details or audit events to count methods from ({EXPORTS})."
        ),
        "auth-methods" => format!(
            "No successful interactive sign-in names its method, and no registration detail or registration event is stored ({sign_in_window})."
        ),
        _ if !has(SIGNINS) => no_sign_ins,
        _ if !stored_types(&[EventType::InteractiveUser]) && id != "legacy-auth" && id != "service-principals" => {
            format!("The store holds no interactive user sign-ins: export that sign-in type too ({EXPORTS}).")
        }
        "legacy-auth" => format!(
            "No user sign-in used legacy authentication ({sign_in_window}): every client was a browser or a modern \
             mobile or desktop client, or the sign-in was cross-tenant."
        ),
        "ca-policies" => format!(
            "No interactive user sign-in names an applied Conditional Access policy ({sign_in_window}): the export's \
             appliedConditionalAccessPolicies are empty or missing."
        ),
        "mfa-gaps" => format!("No successful interactive user sign-in ({sign_in_window})."),
        "auth-prompts" => format!("No interactive user sign-in prompted for a method ({sign_in_window})."),
        "cross-tenant" => format!("No interactive user sign-in crossed tenants ({sign_in_window})."),
        "risky-sign-ins" => format!("No user sign-in was risky at sign-in ({sign_in_window})."),
        "service-principals" => format!("No service principal or managed identity sign-in ({sign_in_window})."),
        _ => format!("No interactive user sign-ins in the window ({sign_in_window})."),
    }
}

/// What an AD FS relying party's row opens to: its failed and warned migration checks (or that
/// all passed, or why there are none).
pub fn adfs_checks(rp: &RelyingPartyActivity, trusts: bool) -> Detail {
    let check = |kv: &KeyValue| -> Option<(u8, String)> {
        let v: serde_json::Value = serde_json::from_str(&kv.value).ok()?;
        let result = v["result"].as_u64()? as u8;
        let name = super::labels::human(kv.name.trim_end_matches("CheckResult"));
        Some((result, format!("{name}: {}", v["message"].as_str().unwrap_or(""))))
    };
    let checks: Vec<(u8, String)> = rp.migration_validation_details.iter().filter_map(check).collect();
    let failed: Vec<String> = checks.iter().filter(|c| c.0 == FAIL).map(|c| c.1.clone()).collect();
    let warned: Vec<String> = checks.iter().filter(|c| c.0 == WARNING).map(|c| c.1.clone()).collect();
    let mut lines: Vec<(&'static str, String)> = failed.iter().map(|l| ("fail", l.clone())).collect();
    lines.extend(warned.iter().map(|l| ("warn", l.clone())));
    let summary = if !trusts || checks.is_empty() {
        lines.push((
            "warn",
            if !trusts || rp.finding == Some("noTrustConfiguration") {
                "No relying-party trust configuration for this party in the store: its checks cannot run."
            } else {
                "No checks recorded."
            }
            .to_string(),
        ));
        "not checked".to_string()
    } else if failed.is_empty() && warned.is_empty() {
        lines.push(("pass", format!("All {} checks passed.", checks.len())));
        format!("all {} passed", checks.len())
    } else {
        let mut parts = Vec::new();
        if !failed.is_empty() {
            parts.push(format!("{} failed", failed.len()));
        }
        if !warned.is_empty() {
            parts.push(format!("{} warned", warned.len()));
        }
        format!("{} of {}", parts.join(", "), checks.len())
    };
    Detail { summary, lines }
}

/// The AD FS table's rows with what each opens to.
pub fn with_adfs_checks(blocks: &mut [Block], rps: &[RelyingPartyActivity], trusts_stored: bool) {
    if let Some(Block::Table { rows, details, .. }) = blocks.first_mut() {
        *details = rps.iter().take(rows.len()).map(|rp| Some(adfs_checks(rp, trusts_stored))).collect();
    }
}
