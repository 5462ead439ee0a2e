//! AD FS application activity (SPEC 3.6, Graph `getRelyingPartyDetailedSummary`): AD FS
//! sign-ins in the window per relying party identifier, with counts, success rate and unique
//! users. Microsoft's own relying parties are left out. Migration readiness needs the
//! relying-party trust export; without it every row is `needsReview` with no details.

use std::collections::HashSet;

use arrow_array::RecordBatch;
use serde::Serialize;

use super::adfs_checks;
use super::catalog::{Answer, Caption, Opt, Report};
use super::{Request, Tabular, row_id};
use crate::domain::{Cell, EventType, Percent};
use crate::error::{Error, Result};
use crate::merge_fields;
use crate::normalize::rp_trust::{self, RpTrust};
use crate::scan::{self, Aggregate, Columns, Groups, Latest, is_success};
use crate::store::schema::{CREATED, ERROR_CODE, ID, RESOURCE_DISPLAY_NAME, RESOURCE_ID, USER_ID, USER_PRINCIPAL_NAME};
use crate::store::{ADFS_SIGNINS, RP_TRUSTS, Store, manifest::Manifest, rp_trusts};

pub const TYPE_NAME: &str = "relyingPartyDetailedSummary";

pub const REPORT: Report = Report {
    name: "adfs",
    graph_name: Some("getRelyingPartyDetailedSummary"),
    about: "AD FS application activity per relying party (getRelyingPartyDetailedSummary).",
    title: "AD FS application activity",
    table: ADFS_SIGNINS,
    event_types: &EventType::ALL,
    options: &[Opt::Rules, Opt::Top, Opt::EventTypes],
    run: |q| {
        if q.options.rules {
            let rows = rules(q.store, q.manifest)?.ok_or_else(|| {
                Error::Usage(
                    "no relying-party trust export in the store; ingest `Get-AdfsRelyingPartyTrust | ConvertTo-Json` \
                     first"
                        .into(),
                )
            })?;
            let caption = Caption::Own("AD FS claim rules of the relying-party trusts".into());
            return Ok(Answer::rows("adfsClaimRule", rows).with_caption(caption));
        }
        let answer = Answer::rows(TYPE_NAME, compute(q.store, q.manifest, &q.request)?);
        Ok(if q.manifest.files(RP_TRUSTS).is_empty() {
            answer.with_caption(Caption::WindowAnd(
                "; no relying-party trust configuration supplied, so migration status is needsReview".into(),
            ))
        } else {
            answer
        })
    },
};

/// A Graph `keyValuePair` of `migrationValidationDetails`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyValue {
    pub name: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RelyingPartyActivity {
    pub id: String,
    pub relying_party_id: String,
    pub relying_party_name: Option<String>,
    /// The Connect Health service of the forest: not in the sign-in logs.
    pub service_id: String,
    pub successful_sign_in_count: u64,
    pub failed_sign_in_count: u64,
    pub total_sign_in_count: u64,
    /// Percent, as Graph's examples show it.
    pub sign_in_success_rate: Percent,
    pub unique_user_count: u64,
    pub migration_status: &'static str,
    pub reply_urls: Vec<String>,
    pub migration_validation_details: Vec<KeyValue>,
    /// `noTrustConfiguration` (sign-ins, no trust in the export) or `noSignIns` (a trust
    /// nobody signed in to in the window); an OData instance annotation Graph clients ignore.
    #[serde(rename = "@signinInsights.finding", skip_serializing_if = "Option::is_none")]
    pub finding: Option<&'static str>,
}

impl Tabular for RelyingPartyActivity {
    fn headers() -> &'static [&'static str] {
        &["relyingPartyName", "relyingPartyId", "successful", "failed", "total", "successRate", "users", "migration"]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::text(self.relying_party_name.as_deref()),
            Cell::text(Some(&self.relying_party_id)),
            Cell::Int(Some(self.successful_sign_in_count as i64)),
            Cell::Int(Some(self.failed_sign_in_count as i64)),
            Cell::Int(Some(self.total_sign_in_count as i64)),
            Cell::Percent(self.sign_in_success_rate),
            Cell::Int(Some(self.unique_user_count as i64)),
            Cell::text(Some(self.migration_status)),
        ]
    }
}

/// Relying parties of Microsoft's own (Entra ID itself, the device registration service).
pub fn is_microsoft(rp: &str) -> bool {
    let rp = rp.trim();
    rp.eq_ignore_ascii_case("urn:federation:MicrosoftOnline")
        || rp.get(..11).is_some_and(|p| p.eq_ignore_ascii_case("urn:ms-drs:"))
}

#[derive(Default)]
struct RpState {
    succeeded: u64,
    failed: u64,
    /// Lower-cased UPN, else `id:` + user id.
    users: HashSet<String>,
    name: Latest<Option<String>>,
}
merge_fields!(RpState { succeeded, failed, users, name });

#[derive(Default)]
struct Agg(Groups<RpState>);
merge_fields!(Agg { 0 });

impl Aggregate for Agg {
    type Output = Vec<(String, RpState)>;

    fn update(&mut self, batch: &RecordBatch, _: EventType) {
        let c = Columns(batch);
        let (created, ids, codes) = (c.times(CREATED), c.text(ID), c.ints(ERROR_CODE));
        let (rps, names) = (c.dict(RESOURCE_ID), c.dict(RESOURCE_DISPLAY_NAME));
        let (upns, user_ids) = (c.text(USER_PRINCIPAL_NAME), c.text(USER_ID));
        let rows: Vec<usize> = (0..batch.num_rows())
            .filter(|&i| rps.get(i).is_some_and(|rp| !rp.trim().is_empty() && !is_microsoft(rp)))
            .collect();
        let slots = self.0.slots(&rps, rows.iter().copied());
        for (i, s) in rows.into_iter().zip(slots) {
            let st = &mut self.0.states[s];
            if is_success(codes, i) {
                st.succeeded += 1;
            } else {
                st.failed += 1;
            }
            if let Some(upn) = scan::text_at(upns, i).filter(|u| !u.trim().is_empty()) {
                st.users.insert(upn.trim().to_lowercase());
            } else if let Some(id) = scan::text_at(user_ids, i).filter(|u| !u.trim().is_empty()) {
                st.users.insert(format!("id:{}", id.trim().to_ascii_lowercase()));
            }
            st.name.offer(created.value(i), ids.value(i), || names.get(i).map(str::to_string));
        }
    }

    fn finish(self) -> Vec<(String, RpState)> {
        self.0.into_sorted()
    }
}

/// The stored relying-party trusts, parsed; `None` when no trust export was ingested.
pub fn load_trusts(store: &Store, manifest: &Manifest) -> Result<Option<Vec<RpTrust>>> {
    Ok(rp_trusts::load(store, manifest)?.map(|raws| raws.iter().filter_map(|r| rp_trust::parse(r).ok()).collect()))
}

/// Fills the migration fields from the trusts; adds the trusts nobody signed in to.
fn apply_trusts(rows: &mut Vec<RelyingPartyActivity>, trusts: &[RpTrust]) {
    let find =
        |rp: &str| trusts.iter().position(|t| t.identifiers.iter().any(|i| i.trim().eq_ignore_ascii_case(rp.trim())));
    let mut used = vec![false; trusts.len()];
    for row in rows.iter_mut() {
        match find(&row.relying_party_id) {
            Some(i) => {
                used[i] = true;
                fill(row, &trusts[i]);
            }
            None => row.finding = Some("noTrustConfiguration"),
        }
    }
    for (t, _) in trusts.iter().zip(used).filter(|(_, u)| !u) {
        let Some(rp) = t.identifiers.iter().find(|i| !is_microsoft(i)) else { continue };
        let mut row = RelyingPartyActivity {
            id: row_id("relyingParty", rp),
            relying_party_id: rp.clone(),
            relying_party_name: Some(t.name.clone()),
            service_id: String::new(),
            successful_sign_in_count: 0,
            failed_sign_in_count: 0,
            total_sign_in_count: 0,
            sign_in_success_rate: Percent::of(0, 0),
            unique_user_count: 0,
            migration_status: "needsReview",
            reply_urls: Vec::new(),
            migration_validation_details: Vec::new(),
            finding: Some("noSignIns"),
        };
        fill(&mut row, t);
        rows.push(row);
    }
}

fn fill(row: &mut RelyingPartyActivity, t: &RpTrust) {
    let checks = adfs_checks::checks(t);
    row.migration_status = adfs_checks::status(&checks);
    row.reply_urls = t.reply_urls.clone();
    row.migration_validation_details =
        checks.iter().map(|c| KeyValue { name: c.name.to_string(), value: c.value() }).collect();
}

/// Rows by total sign-ins, most first, then by relying party identifier.
pub fn compute(store: &Store, manifest: &Manifest, req: &Request) -> Result<Vec<RelyingPartyActivity>> {
    let sel = req.selection(ADFS_SIGNINS, REPORT.event_types);
    let cols = [ID, CREATED, RESOURCE_ID, RESOURCE_DISPLAY_NAME, USER_PRINCIPAL_NAME, USER_ID, ERROR_CODE];
    let mut rows: Vec<RelyingPartyActivity> = scan::run(store, manifest, &sel, &cols, Agg::default)?
        .into_iter()
        .map(|(rp, st)| {
            let total = st.succeeded + st.failed;
            RelyingPartyActivity {
                id: row_id("relyingParty", &rp),
                relying_party_name: st.name.value,
                service_id: String::new(),
                successful_sign_in_count: st.succeeded,
                failed_sign_in_count: st.failed,
                total_sign_in_count: total,
                sign_in_success_rate: Percent::of(st.succeeded, total),
                unique_user_count: st.users.len() as u64,
                migration_status: "needsReview",
                reply_urls: Vec::new(),
                migration_validation_details: Vec::new(),
                finding: None,
                relying_party_id: rp,
            }
        })
        .collect();
    if let Some(trusts) = load_trusts(store, manifest)? {
        apply_trusts(&mut rows, &trusts);
    }
    rows.sort_by(|a, b| {
        b.total_sign_in_count.cmp(&a.total_sign_in_count).then(a.relying_party_id.cmp(&b.relying_party_id))
    });
    Ok(rows)
}

/// One claim rule of a trust, classified (`report adfs --rules`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleRow {
    pub relying_party_id: String,
    pub relying_party_name: String,
    pub rule_set: &'static str,
    /// 1-based position of the rule in its rule set.
    pub index: usize,
    pub line: usize,
    pub column: usize,
    /// The known migratable pattern, when the rule is one.
    pub pattern: Option<&'static str>,
    /// The portal's detail codes.
    pub codes: Vec<&'static str>,
    /// Why the rule could not be parsed.
    pub error: Option<String>,
    pub rule: String,
}

impl Tabular for RuleRow {
    fn headers() -> &'static [&'static str] {
        &["relyingPartyName", "ruleSet", "index", "line", "pattern", "codes", "error"]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::text(Some(&self.relying_party_name)),
            Cell::text(Some(self.rule_set)),
            Cell::Int(Some(self.index as i64)),
            Cell::Int(Some(self.line as i64)),
            Cell::text(self.pattern),
            Cell::text(Some(&self.codes.join(" "))),
            Cell::text(self.error.as_deref()),
        ]
    }
}

/// Every rule of every stored trust, by trust name then rule set order; `None` without a trust
/// export.
pub fn rules(store: &Store, manifest: &Manifest) -> Result<Option<Vec<RuleRow>>> {
    let Some(mut trusts) = load_trusts(store, manifest)? else { return Ok(None) };
    trusts.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = Vec::new();
    for t in &trusts {
        for r in adfs_checks::classified_rules(t) {
            let (pattern, codes, error) = match r.classification {
                Ok(c) => (c.pattern, c.codes, None),
                Err(e) => (None, Vec::new(), Some(e)),
            };
            out.push(RuleRow {
                relying_party_id: t.identifiers.first().cloned().unwrap_or_default(),
                relying_party_name: t.name.clone(),
                rule_set: r.rule_set,
                index: r.index,
                line: r.line,
                column: r.column,
                pattern,
                codes,
                error,
                rule: r.text,
            });
        }
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::is_microsoft;

    #[test]
    fn microsoft_relying_parties() {
        assert!(is_microsoft(" urn:federation:microsoftonline "));
        assert!(is_microsoft("URN:MS-DRS:adfs.contoso.example"));
        assert!(!is_microsoft("urn:ms-drs"));
        assert!(!is_microsoft("https://app.contoso.example/"));
        assert!(!is_microsoft("ü"));
    }
}
