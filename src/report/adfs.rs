//! AD FS application activity (SPEC 3.6, Graph `getRelyingPartyDetailedSummary`): AD FS
//! sign-ins in the window per relying party identifier, with counts, success rate and unique
//! users. Microsoft's own relying parties are left out. Migration readiness needs the
//! relying-party trust export; without it every row is `needsReview` with no details.

use std::collections::HashSet;

use arrow_array::{Array, RecordBatch};
use serde::Serialize;

use super::{Request, row_id};
use crate::error::Result;
use crate::normalize::EventType;
use crate::render::{Cell, Percent, Tabular};
use crate::report::window::Window;
use crate::scan::{self, Aggregate, Columns, Groups, Latest, Selection};
use crate::store::schema::{CREATED, ERROR_CODE, ID, RESOURCE_DISPLAY_NAME, RESOURCE_ID, USER_ID, USER_PRINCIPAL_NAME};
use crate::store::{ADFS_SIGNINS, Store, manifest::Manifest};

pub const TYPE_NAME: &str = "relyingPartyDetailedSummary";

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
    let rp = rp.trim().to_ascii_lowercase();
    rp == "urn:federation:microsoftonline" || rp.starts_with("urn:ms-drs:")
}

#[derive(Default)]
struct RpState {
    succeeded: u64,
    failed: u64,
    /// Lower-cased UPN, else `id:` + user id.
    users: HashSet<String>,
    name: Latest<Option<String>>,
}

#[derive(Default)]
struct Agg(Groups<RpState>);

impl Aggregate for Agg {
    fn update(&mut self, batch: &RecordBatch, _: EventType, window: &Window) {
        let c = Columns(batch);
        let (created, ids, codes) = (c.times(CREATED), c.text(ID), c.ints(ERROR_CODE));
        let (rps, names) = (c.dict(RESOURCE_ID), c.dict(RESOURCE_DISPLAY_NAME));
        let (upns, user_ids) = (c.text(USER_PRINCIPAL_NAME), c.text(USER_ID));
        let rows: Vec<usize> = (0..batch.num_rows())
            .filter(|&i| window.contains(created.value(i)))
            .filter(|&i| rps.get(i).is_some_and(|rp| !rp.trim().is_empty() && !is_microsoft(rp)))
            .collect();
        let slots = self.0.slots(&rps, &rows);
        for (i, s) in rows.into_iter().zip(slots) {
            let st = &mut self.0.states[s];
            if codes.is_valid(i) && codes.value(i) == 0 {
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

    fn merge(&mut self, other: Self) {
        self.0.merge_with(other.0, |a, b| {
            a.succeeded += b.succeeded;
            a.failed += b.failed;
            a.users.extend(b.users);
            a.name.merge(b.name);
        });
    }
}

/// Rows by total sign-ins, most first, then by relying party identifier.
pub fn compute(store: &Store, manifest: &Manifest, req: &Request) -> Result<Vec<RelyingPartyActivity>> {
    let sel =
        Selection { table: ADFS_SIGNINS, event_types: req.event_types_or(&EventType::ALL), window: req.window.clone() };
    let cols = [ID, CREATED, RESOURCE_ID, RESOURCE_DISPLAY_NAME, USER_PRINCIPAL_NAME, USER_ID, ERROR_CODE];
    let agg = scan::run(store, manifest, &sel, &cols, Agg::default)?;
    let mut rows: Vec<RelyingPartyActivity> = agg
        .0
        .into_sorted()
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
                relying_party_id: rp,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.total_sign_in_count.cmp(&a.total_sign_in_count).then(a.relying_party_id.cmp(&b.relying_party_id))
    });
    if let Some(n) = req.top {
        rows.truncate(n);
    }
    Ok(rows)
}
