//! Authentication method usage (SPEC 3.9) from successful interactive user sign-ins:
//! Graph `userSignInsByAuthMethodSummary(period)` (sign-ins per method used, from
//! `authenticationDetails`) and `userMfaSignInSummary` (per UTC day, split by
//! `authenticationRequirement`).
//!
//! A sign-in that used two methods (password, then a push notification) counts once for each;
//! steps satisfied by a claim in the token or "Previously satisfied" are no method use (the
//! ingest already left them out of the `auth_methods` column). Names the curated table
//! ([`auth_methods`](super::auth_methods)) does not know are counted under their own text and
//! named in a note.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use arrow_array::{Array, RecordBatch};
use serde::{Deserialize, Serialize};

use super::auth_methods::{SIGN_IN_METHODS, lookup};
use super::catalog::{Answer, Opt, Report};
use super::{Request, Tabular, row_id};
use crate::domain::time::format_day;
use crate::domain::{Cell, EventType, Timestamp, Zone};
use crate::error::{Error, Result};
use crate::merge_fields;
use crate::normalize::METHOD_SEPARATOR;
use crate::scan::{self, Aggregate, Columns, Groups, is_success};
use crate::store::schema::{AUTH_METHODS, AUTHENTICATION_REQUIREMENT, CREATED, ERROR_CODE};
use crate::store::{SIGNINS, Store, manifest::Manifest};

pub const USAGE_TYPE_NAME: &str = "userSignInUsageByAuthMethodActivity";
pub const MFA_TYPE_NAME: &str = "userMfaSignInSummary";

pub const USAGE_REPORT: Report = Report {
    name: "auth-usage",
    graph_name: Some("userSignInsByAuthMethodSummary"),
    about: "Successful interactive sign-ins per authentication method used (userSignInsByAuthMethodSummary).",
    title: "Successful interactive sign-ins by authentication method",
    table: SIGNINS,
    event_types: &[EventType::InteractiveUser],
    options: &[Opt::EventTypes],
    run: |q| {
        let (rows, notes) = usage(q.store, q.manifest, &q.request)?;
        Ok(Answer::rows(USAGE_TYPE_NAME, rows).with_notes(notes))
    },
};

pub const MFA_REPORT: Report = Report {
    name: "mfa-summary",
    graph_name: Some("userMfaSignInSummary"),
    about: "Successful interactive sign-ins per day, single- versus multi-factor (userMfaSignInSummary).",
    title: "Successful interactive sign-ins by authentication requirement",
    table: SIGNINS,
    event_types: &[EventType::InteractiveUser],
    options: &[Opt::EventTypes],
    run: |q| {
        if let Some(problem) = q.request.window.too_many_days() {
            return Err(Error::Usage(problem));
        }
        // No sign-ins and nothing that ends the window: no days to list.
        let w = &q.request.window;
        if q.latest(SIGNINS).is_none() && !q.as_of_given && w.end_us == w.as_of_us + 1 {
            return Ok(Answer::rows(MFA_TYPE_NAME, Vec::<MfaDay>::new()));
        }
        let (rows, notes) = mfa(q.store, q.manifest, &q.request)?;
        Ok(Answer::rows(MFA_TYPE_NAME, rows).with_notes(notes))
    },
};

/// The methods Graph's example response lists, in its order: always present, zero or not.
pub const GRAPH_ORDER: &[&str] = &[
    "password",
    "sms",
    "smsSignIn",
    "mobilePhone",
    "alternateMobilePhone",
    "officePhone",
    "microsoftAuthenticatorPush",
    "oneTimePasscode",
    "microsoftAuthenticatorPasswordless",
    "windowsHelloForBusiness",
    "fido2SecurityKey",
    "temporaryAccessPass",
    "macOsSecureEnclaveKey",
    "passKeyDeviceBound",
    "passKeySynced",
    "externalAuthMethod",
];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodUsage {
    pub authentication_method: String,
    pub success_activity_count: u64,
    /// The names the logs used for it (table and CSV only).
    #[serde(skip)]
    pub logged_as: Vec<String>,
}

impl Tabular for MethodUsage {
    fn headers() -> &'static [&'static str] {
        &["authenticationMethod", "successActivityCount", "loggedAs"]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::text(Some(&self.authentication_method)),
            Cell::Int(Some(self.success_activity_count as i64)),
            Cell::Text(Some(self.logged_as.join("; "))),
        ]
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaDay {
    pub id: String,
    pub created_date_time: Timestamp,
    pub total_sign_ins: u64,
    pub single_factor_sign_ins: u64,
    pub multi_factor_sign_ins: u64,
}

impl Tabular for MfaDay {
    fn headers() -> &'static [&'static str] {
        &["day", "totalSignIns", "singleFactorSignIns", "multiFactorSignIns"]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::Text(Some(format_day(self.created_date_time.day()))),
            Cell::Int(Some(self.total_sign_ins as i64)),
            Cell::Int(Some(self.single_factor_sign_ins as i64)),
            Cell::Int(Some(self.multi_factor_sign_ins as i64)),
        ]
    }
}

/// The successful sign-ins of `batch`.
fn successes(batch: &RecordBatch) -> Vec<usize> {
    let codes = Columns(batch).ints(ERROR_CODE);
    (0..batch.num_rows()).filter(|&i| is_success(codes, i)).collect()
}

/// Successful sign-ins per distinct `auth_methods` text; `""` holds those without any
/// authentication details (a null column value).
#[derive(Default)]
struct UsageAgg {
    combos: Groups<u64>,
    without_details: u64,
}
merge_fields!(UsageAgg { combos, without_details });

impl Aggregate for UsageAgg {
    type Output = Self;

    fn update(&mut self, batch: &RecordBatch, _: EventType) {
        let methods = Columns(batch).dict(AUTH_METHODS);
        let (null, present): (Vec<usize>, Vec<usize>) =
            successes(batch).into_iter().partition(|&i| methods.get(i).is_none());
        self.without_details += null.len() as u64;
        for s in self.combos.slots(&methods, present) {
            self.combos.states[s] += 1;
        }
    }

    fn finish(self) -> Self {
        self
    }
}

/// What a report says besides its rows: things the reader must know to trust the numbers.
pub type Notes = Vec<String>;

/// `userSignInsByAuthMethodSummary`: Graph's methods in Graph's order, then other methods and
/// uncurated names by count (descending) and name.
pub fn usage(store: &Store, manifest: &Manifest, req: &Request) -> Result<(Vec<MethodUsage>, Notes)> {
    let sel = req.selection(SIGNINS, USAGE_REPORT.event_types);
    let agg = scan::run(store, manifest, &sel, &[CREATED, ERROR_CODE, AUTH_METHODS], UsageAgg::default)?;
    let mut counts: HashMap<String, (u64, BTreeSet<String>)> = HashMap::new();
    let mut unknown = BTreeSet::new();
    for (combo, n) in agg.combos.into_sorted() {
        for name in combo.split(METHOD_SEPARATOR).filter(|m| !m.is_empty()) {
            let id = match lookup(SIGN_IN_METHODS, name) {
                Some(id) => id.to_string(),
                None => {
                    unknown.insert(name.to_string());
                    name.to_string()
                }
            };
            let e = counts.entry(id).or_default();
            e.0 += n;
            e.1.insert(name.to_string());
        }
    }
    let mut rows: Vec<MethodUsage> = GRAPH_ORDER
        .iter()
        .map(|&id| {
            let (n, names) = counts.remove(id).unwrap_or_default();
            MethodUsage {
                authentication_method: id.to_string(),
                success_activity_count: n,
                logged_as: names.into_iter().collect(),
            }
        })
        .collect();
    let mut rest: Vec<MethodUsage> = counts
        .into_iter()
        .map(|(id, (n, names))| MethodUsage {
            authentication_method: id,
            success_activity_count: n,
            logged_as: names.into_iter().collect(),
        })
        .collect();
    rest.sort_by(|a, b| {
        b.success_activity_count
            .cmp(&a.success_activity_count)
            .then_with(|| a.authentication_method.cmp(&b.authentication_method))
    });
    rows.extend(rest);
    let mut notes = Vec::new();
    if !unknown.is_empty() {
        let list: Vec<String> = unknown.iter().map(|u| format!("{u:?}")).collect();
        notes.push(format!(
            "method names with no curated usageAuthMethod id, counted under their own text: {}",
            list.join(", ")
        ));
    }
    if agg.without_details > 0 {
        notes.push(format!(
            "{} successful interactive sign-ins in the window carry no authenticationDetails (Graph v1.0 exports \
             and older Log Analytics rows lack them) and are not counted by method",
            agg.without_details
        ));
    }
    Ok((rows, notes))
}

/// Successful sign-ins of a day: all, single-factor, multi-factor.
type DayCounts = [u64; 3];

struct MfaAgg {
    zone: Zone,
    days: HashMap<i64, DayCounts>,
}
merge_fields!(MfaAgg { days });

impl Aggregate for MfaAgg {
    type Output = BTreeMap<i64, DayCounts>;

    fn update(&mut self, batch: &RecordBatch, _: EventType) {
        let c = Columns(batch);
        let (created, req) = (c.times(CREATED), c.dict(AUTHENTICATION_REQUIREMENT));
        // The requirement of each dictionary value, looked up once per batch.
        let kinds: Vec<Option<bool>> = (0..req.values.len())
            .map(|k| {
                let v = req.values.is_valid(k).then(|| req.values.value(k).trim());
                match v {
                    Some(v) if v.eq_ignore_ascii_case("multiFactorAuthentication") => Some(true),
                    Some(v) if v.eq_ignore_ascii_case("singleFactorAuthentication") => Some(false),
                    _ => None,
                }
            })
            .collect();
        for i in successes(batch) {
            let d = self.days.entry(self.zone.day_of(created.value(i))).or_default();
            d[0] += 1;
            match req.key(i).and_then(|k| kinds[k]) {
                Some(true) => d[2] += 1,
                Some(false) => d[1] += 1,
                None => {}
            }
        }
    }

    fn finish(self) -> BTreeMap<i64, DayCounts> {
        self.days.into_iter().collect()
    }
}

/// `userMfaSignInSummary`: one row per UTC day the window touches, zero days included (an
/// open-ended window starts at the first day with sign-ins).
pub fn mfa(store: &Store, manifest: &Manifest, req: &Request) -> Result<(Vec<MfaDay>, Notes)> {
    let cols = [CREATED, ERROR_CODE, AUTHENTICATION_REQUIREMENT];
    let sel = req.selection(SIGNINS, MFA_REPORT.event_types);
    let zone = req.zone();
    let days = scan::run(store, manifest, &sel, &cols, || MfaAgg { zone, days: HashMap::new() })?;
    let mut rows = Vec::new();
    let mut unsplit = 0;
    for day in req.window.days(days.keys().next().copied()).into_iter().flatten() {
        let [total, single, multi] = days.get(&day).copied().unwrap_or_default();
        unsplit += total - single - multi;
        rows.push(MfaDay {
            id: row_id(MFA_TYPE_NAME, &format_day(day)),
            created_date_time: zone.at(zone.day_start(day)),
            total_sign_ins: total,
            single_factor_sign_ins: single,
            multi_factor_sign_ins: multi,
        });
    }
    let mut notes = Vec::new();
    if unsplit > 0 {
        notes.push(format!(
            "{unsplit} successful interactive sign-ins have no authenticationRequirement; they are in totalSignIns \
             but neither single- nor multi-factor"
        ));
    }
    Ok((rows, notes))
}
