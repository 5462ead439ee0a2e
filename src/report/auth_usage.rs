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
use super::{Request, row_id};
use crate::error::Result;
use crate::normalize::{EventType, METHOD_SEPARATOR};
use crate::render::{Cell, Tabular, Timestamp};
use crate::report::window::Window;
use crate::scan::{self, Aggregate, Columns, Groups, Selection};
use crate::store::SIGNINS;
use crate::store::schema::{AUTH_METHODS, AUTHENTICATION_REQUIREMENT, CREATED, ERROR_CODE};
use crate::store::{Store, manifest::Manifest};
use crate::time::{day_of, day_start, format_day};

pub const USAGE_TYPE_NAME: &str = "userSignInUsageByAuthMethodActivity";
pub const MFA_TYPE_NAME: &str = "userMfaSignInSummary";

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
            Cell::Text(Some(format_day(day_of(self.created_date_time.0)))),
            Cell::Int(Some(self.total_sign_ins as i64)),
            Cell::Int(Some(self.single_factor_sign_ins as i64)),
            Cell::Int(Some(self.multi_factor_sign_ins as i64)),
        ]
    }
}

/// Rows that are successful sign-ins inside the window.
fn successes(batch: &RecordBatch, window: &Window) -> Vec<usize> {
    let c = Columns(batch);
    let (created, codes) = (c.times(CREATED), c.ints(ERROR_CODE));
    (0..batch.num_rows())
        .filter(|&i| codes.is_valid(i) && codes.value(i) == 0 && window.contains(created.value(i)))
        .collect()
}

/// Successful sign-ins per distinct `auth_methods` text; `""` holds those without any
/// authentication details (a null column value).
#[derive(Default)]
struct UsageAgg {
    combos: Groups<u64>,
    without_details: u64,
}

impl Aggregate for UsageAgg {
    fn update(&mut self, batch: &RecordBatch, _: EventType, window: &Window) {
        let methods = Columns(batch).dict(AUTH_METHODS);
        let (null, present): (Vec<usize>, Vec<usize>) =
            successes(batch, window).into_iter().partition(|&i| methods.get(i).is_none());
        self.without_details += null.len() as u64;
        for s in self.combos.slots(&methods, &present) {
            self.combos.states[s] += 1;
        }
    }

    fn merge(&mut self, other: Self) {
        self.without_details += other.without_details;
        self.combos.merge_with(other.combos, |a, b| *a += b);
    }
}

/// What a report says besides its rows: things the reader must know to trust the numbers.
pub type Notes = Vec<String>;

fn selection(req: &Request) -> Selection {
    Selection {
        table: SIGNINS,
        event_types: req.event_types_or(&[EventType::InteractiveUser]),
        window: req.window.clone(),
    }
}

/// `userSignInsByAuthMethodSummary`: Graph's methods in Graph's order, then other methods and
/// uncurated names by count (descending) and name.
pub fn usage(store: &Store, manifest: &Manifest, req: &Request) -> Result<(Vec<MethodUsage>, Notes)> {
    let agg = scan::run(store, manifest, &selection(req), &[CREATED, ERROR_CODE, AUTH_METHODS], UsageAgg::default)?;
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

#[derive(Default, Clone, Copy)]
struct DayCounts {
    total: u64,
    single: u64,
    multi: u64,
}

#[derive(Default)]
struct MfaAgg {
    days: HashMap<i64, DayCounts>,
}

impl Aggregate for MfaAgg {
    fn update(&mut self, batch: &RecordBatch, _: EventType, window: &Window) {
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
        for i in successes(batch, window) {
            let d = self.days.entry(day_of(created.value(i))).or_default();
            d.total += 1;
            match req.key(i).and_then(|k| kinds[k]) {
                Some(true) => d.multi += 1,
                Some(false) => d.single += 1,
                None => {}
            }
        }
    }

    fn merge(&mut self, other: Self) {
        for (day, o) in other.days {
            let d = self.days.entry(day).or_default();
            d.total += o.total;
            d.single += o.single;
            d.multi += o.multi;
        }
    }
}

/// `userMfaSignInSummary`: one row per UTC day the window touches, zero days included (an
/// open-ended window starts at the first day with sign-ins).
pub fn mfa(store: &Store, manifest: &Manifest, req: &Request) -> Result<(Vec<MfaDay>, Notes)> {
    let cols = [CREATED, ERROR_CODE, AUTHENTICATION_REQUIREMENT];
    let agg = scan::run(store, manifest, &selection(req), &cols, MfaAgg::default)?;
    let days: BTreeMap<i64, DayCounts> = agg.days.into_iter().collect();
    let w = &req.window;
    let first = if w.start_us == i64::MIN { days.keys().next().copied() } else { Some(day_of(w.start_us)) };
    let last = day_of(w.end_us - 1);
    let mut rows = Vec::new();
    let mut unsplit = 0;
    if let Some(first) = first {
        for day in first..=last {
            let d = days.get(&day).copied().unwrap_or_default();
            unsplit += d.total - d.single - d.multi;
            rows.push(MfaDay {
                id: row_id(MFA_TYPE_NAME, &format_day(day)),
                created_date_time: Timestamp(day_start(day)),
                total_sign_ins: d.total,
                single_factor_sign_ins: d.single,
                multi_factor_sign_ins: d.multi,
            });
        }
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
