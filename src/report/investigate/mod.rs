//! The investigation views of SPEC 6.6: everything the store knows about one user (`report user
//! USER`, `user.rs`) or one IP address (`report ip ADDRESS`, `ip.rs`), the page an analyst
//! opens first.
//!
//! Both read the subject's sign-ins once: the scan evaluates the subject's filter on one or two
//! columns and decodes the other columns only for the rows it keeps (late materialisation), and
//! a row group whose statistics leave the subject out is not opened. The few rows found are
//! then counted row at a time into [`Section`]s: small tables, each a member of the JSON object,
//! a table on a terminal, a sheet of a workbook.

pub mod ip;
pub mod user;

use std::collections::{BTreeMap, BTreeSet};

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, RecordBatch};
use serde_json::{Value, json};

use super::Rows;
use super::breakdown::{client_app_name, is_legacy, is_risky};
use crate::domain::{Cell, EventType, Outcome, Zone};
use crate::error::Result;
use crate::normalize::METHOD_SEPARATOR;
use crate::scan::{self, Aggregate, Columns, Merge, Selection, Where};
use crate::store::Store;
use crate::store::manifest::Manifest;
use crate::store::schema::*;

/// One of the subject's sign-ins, as the page needs it.
#[derive(Clone, Debug, Default)]
pub struct Hit {
    pub id: String,
    pub t: i64,
    pub app_id: Option<String>,
    pub app_name: Option<String>,
    pub resource_id: Option<String>,
    pub resource_name: Option<String>,
    pub user_id: Option<String>,
    pub upn: Option<String>,
    pub user_name: Option<String>,
    pub code: Option<i32>,
    pub reason: Option<String>,
    pub ip: Option<String>,
    pub client_app: Option<String>,
    pub requirement: Option<String>,
    pub ca_status: Option<String>,
    pub methods: Option<String>,
    pub risk_level: Option<String>,
    pub risk_state: Option<String>,
    pub user_type: Option<String>,
    pub home_tenant: Option<String>,
    pub country: Option<String>,
    pub state: Option<String>,
    pub city: Option<String>,
    pub os: Option<String>,
    pub browser: Option<String>,
    pub trust_type: Option<String>,
    pub compliant: Option<bool>,
    pub managed: Option<bool>,
}

impl Hit {
    pub fn outcome(&self) -> Outcome {
        Outcome::of(self.code)
    }
    /// The user: the UPN lower-cased, else the user id (as the breakdown counts users).
    pub fn user_key(&self) -> Option<String> {
        self.upn.as_deref().map(str::to_lowercase).or_else(|| self.user_id.clone())
    }
}

pub(crate) const COLUMNS: [&str; 28] = [
    ID,
    APP_ID,
    APP_DISPLAY_NAME,
    RESOURCE_ID,
    RESOURCE_DISPLAY_NAME,
    USER_ID,
    USER_PRINCIPAL_NAME,
    USER_DISPLAY_NAME,
    ERROR_CODE,
    FAILURE_REASON,
    IP_ADDRESS,
    CLIENT_APP_USED,
    AUTHENTICATION_REQUIREMENT,
    CONDITIONAL_ACCESS_STATUS,
    AUTH_METHODS,
    RISK_LEVEL,
    RISK_STATE,
    USER_TYPE,
    HOME_TENANT_ID,
    COUNTRY,
    STATE,
    CITY,
    OPERATING_SYSTEM,
    BROWSER,
    TRUST_TYPE,
    IS_COMPLIANT,
    IS_MANAGED,
    CREATED,
];

/// The text of row `i` of a text column, dictionary-encoded or plain; empty is none.
pub(crate) fn text_of(batch: &RecordBatch, name: &str, i: usize) -> Option<String> {
    let col = batch.column_by_name(name)?;
    let v = if let Some(d) = col.as_dictionary_opt::<Int32Type>() {
        let k = d.keys();
        if !k.is_valid(i) {
            return None;
        }
        let values = d.values().as_string::<i32>();
        let k = k.value(i) as usize;
        values.is_valid(k).then(|| values.value(k))?
    } else {
        let s = col.as_string::<i32>();
        s.is_valid(i).then(|| s.value(i))?
    };
    Some(v.trim()).filter(|v| !v.is_empty()).map(str::to_string)
}

/// The hits of one scan: merged by appending, sorted by time then id at the end.
struct Collect(Vec<Hit>);

impl Merge for Collect {
    fn merge(&mut self, other: Collect) {
        self.0.extend(other.0);
    }
}

impl Aggregate for Collect {
    type Output = Vec<Hit>;
    fn update(&mut self, batch: &RecordBatch, _: EventType) {
        push_hits(batch, &mut self.0);
    }
    fn finish(mut self) -> Vec<Hit> {
        sort_hits(&mut self.0);
        self.0
    }
}

/// Hits in time order, then id.
fn sort_hits(hits: &mut [Hit]) {
    hits.sort_by(|a, b| (a.t, &a.id).cmp(&(b.t, &b.id)));
}

/// Appends the rows of `batch` (read with [`COLUMNS`]) as hits.
fn push_hits(batch: &RecordBatch, out: &mut Vec<Hit>) {
    {
        let c = Columns(batch);
        let (created, codes, ids) = (c.times(CREATED), c.ints(ERROR_CODE), c.text(ID));
        let (compliant, managed) = (c.bools(IS_COMPLIANT), c.bools(IS_MANAGED));
        let t = |name: &str, i: usize| text_of(batch, name, i);
        for i in 0..batch.num_rows() {
            out.push(Hit {
                id: ids.value(i).to_string(),
                t: created.value(i),
                app_id: t(APP_ID, i),
                app_name: t(APP_DISPLAY_NAME, i),
                resource_id: t(RESOURCE_ID, i),
                resource_name: t(RESOURCE_DISPLAY_NAME, i),
                user_id: t(USER_ID, i),
                upn: t(USER_PRINCIPAL_NAME, i),
                user_name: t(USER_DISPLAY_NAME, i),
                code: codes.is_valid(i).then(|| codes.value(i)),
                reason: t(FAILURE_REASON, i),
                ip: t(IP_ADDRESS, i),
                client_app: t(CLIENT_APP_USED, i),
                requirement: t(AUTHENTICATION_REQUIREMENT, i),
                ca_status: t(CONDITIONAL_ACCESS_STATUS, i),
                methods: t(AUTH_METHODS, i),
                risk_level: t(RISK_LEVEL, i),
                risk_state: t(RISK_STATE, i),
                user_type: t(USER_TYPE, i),
                home_tenant: t(HOME_TENANT_ID, i),
                country: t(COUNTRY, i),
                state: t(STATE, i),
                city: t(CITY, i),
                os: t(OPERATING_SYSTEM, i),
                browser: t(BROWSER, i),
                trust_type: t(TRUST_TYPE, i),
                compliant: compliant.is_valid(i).then(|| compliant.value(i)),
                managed: managed.is_valid(i).then(|| managed.value(i)),
            });
        }
    }
}

/// The sign-ins of `sel` that `filter` keeps, sorted by time then id, and the row groups opened
/// of those selected.
pub fn hits(
    store: &Store,
    manifest: &Manifest,
    sel: &Selection,
    filter: &Where<'_>,
) -> Result<(Vec<Hit>, usize, usize)> {
    scan::run_where(store, manifest, sel, Some(filter), &COLUMNS, || Collect(Vec::new()))
}

/// A section of the page: a member of the JSON object (`name`), a titled table elsewhere.
pub struct Section {
    pub name: &'static str,
    pub title: &'static str,
    pub headers: &'static [&'static str],
    /// Each row as its JSON object (members named by `headers`).
    pub rows: Vec<Value>,
}

impl Section {
    fn new(name: &'static str, title: &'static str, headers: &'static [&'static str], rows: Vec<Value>) -> Section {
        Section { name, title, headers, rows }
    }
}

fn cell_of(v: &Value) -> Cell {
    match v {
        Value::Null => Cell::Text(None),
        Value::Number(n) if n.is_i64() => Cell::Int(n.as_i64()),
        Value::String(s) => Cell::Text(Some(s.clone())),
        other => Cell::Text(Some(other.to_string())),
    }
}

impl Rows for Section {
    fn headers(&self) -> &'static [&'static str] {
        self.headers
    }
    fn len(&self) -> usize {
        self.rows.len()
    }
    fn cells(&self, i: usize) -> Vec<Cell> {
        self.headers.iter().map(|h| cell_of(&self.rows[i][*h])).collect()
    }
    fn json(&self, i: usize) -> serde_json::Result<Value> {
        Ok(self.rows[i].clone())
    }
    fn write_collection(&self, context: &str, out: &mut dyn std::io::Write) -> serde_json::Result<()> {
        serde_json::to_writer_pretty(out, &super::Collection { context, value: self.rows.as_slice() })
    }
    fn retain_apps(&mut self, ids: &[String]) {
        self.rows.retain(|r| r["appId"].as_str().is_some_and(|a| super::is_one_of(a, ids)));
    }
    fn truncate(&mut self, n: usize) {
        self.rows.truncate(n);
    }
}

/// The rows of a page of sections, which has none of its own.
#[derive(serde::Serialize)]
pub struct Nothing;

impl super::Tabular for Nothing {
    fn headers() -> &'static [&'static str] {
        &[]
    }
    fn cells(&self) -> Vec<Cell> {
        Vec::new()
    }
}

/// `{total, success, interrupted, failure}` of `hits`.
pub fn outcomes(hits: &[Hit]) -> Value {
    let n = |o: Outcome| hits.iter().filter(|h| h.outcome() == o).count();
    json!({
        "total": hits.len(),
        "success": n(Outcome::Success),
        "interrupted": n(Outcome::Interrupted),
        "failure": n(Outcome::Failure),
    })
}

/// Sign-ins, failures (not successes), first and last sign-in of a group of hits.
struct Tally {
    count: u64,
    failures: u64,
    first: i64,
    last: i64,
    /// The latest hit's index.
    latest: usize,
}

/// Groups `hits` by `key` (a hit without one is left out): per key its tally, by signInCount
/// desc then key.
fn tally<K: Ord + Clone>(hits: &[Hit], key: impl Fn(&Hit) -> Option<K>) -> Vec<(K, Tally)> {
    let mut groups: BTreeMap<K, Tally> = BTreeMap::new();
    for (i, h) in hits.iter().enumerate() {
        let Some(k) = key(h) else { continue };
        let g = groups.entry(k).or_insert(Tally { count: 0, failures: 0, first: h.t, last: h.t, latest: i });
        g.count += 1;
        g.failures += u64::from(h.outcome() != Outcome::Success);
        g.first = g.first.min(h.t);
        // Hits are in (time, id) order: a later index is the later sign-in.
        g.last = g.last.max(h.t);
        g.latest = i;
    }
    let mut out: Vec<(K, Tally)> = groups.into_iter().collect();
    out.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(&b.0)));
    out
}

fn at(zone: Zone, us: i64) -> Value {
    serde_json::to_value(zone.at(us)).unwrap_or(Value::Null)
}

/// The sections both pages share, computed from the subject's hits.
fn common(hits: &[Hit], zone: Zone) -> Vec<Section> {
    // Sign-ins per outcome of each day of the zone, in day order.
    let mut per_day: BTreeMap<i64, [u64; 3]> = BTreeMap::new();
    for h in hits {
        per_day.entry(zone.day_of(h.t)).or_default()[h.outcome() as usize] += 1;
    }
    let days = per_day
        .into_iter()
        .map(|(d, n)| {
            json!({
                "date": crate::domain::time::format_day(d), "signInCount": n.iter().sum::<u64>(),
                "successCount": n[Outcome::Success as usize], "interruptedCount": n[Outcome::Interrupted as usize],
                "failureCount": n[Outcome::Failure as usize],
            })
        })
        .collect();
    let apps = tally(hits, |h| h.app_id.as_ref().map(|a| a.to_lowercase()))
        .into_iter()
        .map(|(id, g)| {
            let h = &hits[g.latest];
            json!({"appId": id, "appDisplayName": h.app_name, "signInCount": g.count, "failureCount": g.failures,
                   "lastSignInDateTime": at(zone, g.last)})
        })
        .collect();
    let resources = tally(hits, |h| h.resource_id.as_ref().map(|a| a.to_lowercase()))
        .into_iter()
        .map(|(id, g)| {
            json!({"resourceId": id, "resourceDisplayName": hits[g.latest].resource_name, "signInCount": g.count})
        })
        .collect();
    let countries = tally(hits, |h| Some(h.country.clone()))
        .into_iter()
        .map(|(c, g)| {
            json!({"countryOrRegion": c, "signInCount": g.count, "firstSignInDateTime": at(zone, g.first),
                              "lastSignInDateTime": at(zone, g.last)})
        })
        .collect();
    let cities = tally(hits, |h| Some((h.country.clone(), h.state.clone(), h.city.clone())))
        .into_iter()
        .map(|((c, s, ci), g)| {
            json!({"countryOrRegion": c, "state": s, "city": ci, "signInCount": g.count,
                   "firstSignInDateTime": at(zone, g.first), "lastSignInDateTime": at(zone, g.last)})
        })
        .collect();
    let client_apps = tally(hits, |h| Some(client_app_name(h.client_app.as_deref()).to_string()))
        .into_iter()
        .map(|(c, g)| {
            json!({"clientAppUsed": c, "legacy": is_legacy(Some(&c)), "signInCount": g.count,
                              "failureCount": g.failures, "lastSignInDateTime": at(zone, g.last)})
        })
        .collect();
    let failures = tally(hits, |h| (h.outcome() != Outcome::Success).then_some((h.code.is_none(), h.code)))
        .into_iter()
        .map(|((_, code), g)| {
            json!({"errorCode": code, "outcome": Outcome::of(code).name(), "failureReason": hits[g.latest].reason,
                   "signInCount": g.count, "lastSignInDateTime": at(zone, g.last)})
        })
        .collect();
    vec![
        Section::new("days", "Sign-ins per day", &DAY_HEADERS, days),
        Section::new("apps", "Applications", &APP_HEADERS, apps),
        Section::new("resources", "Resources", &["resourceDisplayName", "resourceId", "signInCount"], resources),
        Section::new("countries", "Countries", &PLACE_HEADERS, countries),
        Section::new("locations", "Cities", &CITY_HEADERS, cities),
        Section::new("clientApps", "Client apps", &CLIENT_HEADERS, client_apps),
        Section::new("failures", "Failures and interrupts", &FAILURE_HEADERS, failures),
    ]
}

const DAY_HEADERS: [&str; 5] = ["date", "signInCount", "successCount", "interruptedCount", "failureCount"];
const APP_HEADERS: [&str; 5] = ["appDisplayName", "appId", "signInCount", "failureCount", "lastSignInDateTime"];
const PLACE_HEADERS: [&str; 4] = ["countryOrRegion", "signInCount", "firstSignInDateTime", "lastSignInDateTime"];
const CITY_HEADERS: [&str; 6] =
    ["countryOrRegion", "state", "city", "signInCount", "firstSignInDateTime", "lastSignInDateTime"];
const CLIENT_HEADERS: [&str; 5] = ["clientAppUsed", "legacy", "signInCount", "failureCount", "lastSignInDateTime"];
const FAILURE_HEADERS: [&str; 5] = ["errorCode", "outcome", "signInCount", "lastSignInDateTime", "failureReason"];

/// Devices, Conditional Access, MFA and risk: the user page's sections about how they signed in.
fn how(hits: &[Hit], zone: Zone) -> Vec<Section> {
    let devices =
        tally(hits, |h| Some((h.os.clone(), h.browser.clone(), h.compliant, h.managed, h.trust_type.clone())))
            .into_iter()
            .map(|((os, browser, compliant, managed, trust), g)| {
                json!({"operatingSystem": os, "browser": browser, "isCompliant": compliant, "isManaged": managed,
               "trustType": trust, "signInCount": g.count, "lastSignInDateTime": at(zone, g.last)})
            })
            .collect();
    let ca = tally(hits, |h| Some(h.ca_status.clone()))
        .into_iter()
        .map(|(s, g)| json!({"conditionalAccessStatus": s, "signInCount": g.count, "failureCount": g.failures}))
        .collect();
    let requirement = tally(hits, |h| Some(h.requirement.clone()))
        .into_iter()
        .map(|(s, g)| json!({"authenticationRequirement": s, "signInCount": g.count}))
        .collect();
    // Each method a sign-in used, once per sign-in.
    let mut methods: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    for h in hits {
        let used: BTreeSet<&str> =
            h.methods.as_deref().unwrap_or("").split(METHOD_SEPARATOR).filter(|m| !m.is_empty()).collect();
        for m in used {
            let e = methods.entry(m.to_string()).or_insert((0, h.t));
            e.0 += 1;
            e.1 = e.1.max(h.t);
        }
    }
    let mut methods: Vec<(String, (u64, i64))> = methods.into_iter().collect();
    methods.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(&b.0)));
    let methods = methods
        .into_iter()
        .map(
            |(m, (n, last))| json!({"authenticationMethod": m, "signInCount": n, "lastSignInDateTime": at(zone, last)}),
        )
        .collect();
    let risky = hits
        .iter()
        .rev()
        .filter(|h| is_risky(h.risk_level.as_deref(), h.risk_state.as_deref()))
        .map(|h| {
            json!({"createdDateTime": at(zone, h.t), "riskLevelDuringSignIn": h.risk_level, "riskState": h.risk_state,
                   "ipAddress": h.ip, "countryOrRegion": h.country, "appDisplayName": h.app_name, "errorCode": h.code,
                   "id": h.id})
        })
        .collect();
    vec![
        Section::new("devices", "Devices", &DEVICE_HEADERS, devices),
        Section::new(
            "conditionalAccess",
            "Conditional Access",
            &["conditionalAccessStatus", "signInCount", "failureCount"],
            ca,
        ),
        Section::new(
            "authenticationRequirements",
            "MFA required",
            &["authenticationRequirement", "signInCount"],
            requirement,
        ),
        Section::new(
            "authenticationMethods",
            "Methods used",
            &["authenticationMethod", "signInCount", "lastSignInDateTime"],
            methods,
        ),
        Section::new("riskySignIns", "Risky sign-ins (latest first)", &RISK_HEADERS, risky),
    ]
}

const DEVICE_HEADERS: [&str; 7] =
    ["operatingSystem", "browser", "isCompliant", "isManaged", "trustType", "signInCount", "lastSignInDateTime"];
const RISK_HEADERS: [&str; 8] = [
    "createdDateTime",
    "riskLevelDuringSignIn",
    "riskState",
    "ipAddress",
    "countryOrRegion",
    "appDisplayName",
    "errorCode",
    "id",
];

/// The page's JSON object: `head` members, then one member per section.
pub fn object(head: serde_json::Map<String, Value>, sections: &[Section]) -> Value {
    let mut o = head;
    for s in sections {
        o.insert(s.name.into(), Value::Array(s.rows.clone()));
    }
    Value::Object(o)
}

/// First and last sign-in of `hits` as JSON (null when none).
fn span(hits: &[Hit], zone: Zone) -> (Value, Value) {
    match (hits.first(), hits.last()) {
        (Some(a), Some(b)) => (at(zone, a.t), at(zone, b.t)),
        _ => (Value::Null, Value::Null),
    }
}
