//! Application credential activity (SPEC 3.8, Graph `appCredentialSignInActivities`): service
//! principal sign-ins grouped by `servicePrincipalCredentialKeyId`, full outer joined with the
//! credential inventory by keyId (compared case-insensitively). A credential nobody used in the
//! window and a key the inventory does not know both get a row, flagged in
//! `@signinInsights.finding` (an OData instance annotation, which Graph clients ignore).

use std::collections::{BTreeMap, HashMap};

use arrow_array::RecordBatch;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::app_last_signin::SignInActivity;
use super::catalog::{Answer, Opt, Report};
use super::{Request, Tabular};
use crate::domain::{Cell, EventType, MICROS_PER_DAY, Timestamp, Zone};
use crate::error::{Error, Result};
use crate::merge_fields;
use crate::normalize::inventory::Origin;
use crate::scan::{self, Aggregate, Columns, Groups, Latest, Merge, is_success};
use crate::store::credentials::{self, InventoryRow};
use crate::store::schema::{
    APP_DISPLAY_NAME, APP_ID, CLIENT_CREDENTIAL_TYPE, CREATED, CREDENTIAL_KEY_ID, ERROR_CODE, ID, RESOURCE_ID,
    SERVICE_PRINCIPAL_ID,
};
use crate::store::{SIGNINS, Store, manifest::Manifest};

pub const TYPE_NAME: &str = "appCredentialSignInActivity";

pub const REPORT: Report = Report {
    name: "credentials",
    graph_name: Some("appCredentialSignInActivities"),
    about: "Application credential activity, joined with the credential inventory (appCredentialSignInActivities).",
    title: "Application credential activity",
    table: SIGNINS,
    event_types: &[EventType::ServicePrincipal],
    options: &[Opt::ExpiringWithin, Opt::Expired, Opt::Unused, Opt::EventTypes, Opt::App],
    run: |q| {
        if q.latest(SIGNINS).is_none() && !q.as_of_given {
            return Err(Error::Usage(
                "the store holds no sign-ins to take as-of from; give --as-of to measure expiry against".into(),
            ));
        }
        Ok(Answer::rows(TYPE_NAME, compute(q.store, q.manifest, &q.request, &q.options.credentials)?))
    },
};

/// Why a row deserves a look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Finding {
    /// In the inventory, no sign-in with it in the window.
    Unused,
    /// Used in sign-ins, absent from the inventory (deleted since, or the inventory is partial).
    NotInInventory,
}

impl Finding {
    fn as_str(self) -> &'static str {
        match self {
            Finding::Unused => "unused",
            Finding::NotInInventory => "not in inventory",
        }
    }
}

/// One row, in the field order of the Graph resource page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppCredentialActivity {
    /// base64 of `keyId|credentialOrigin` (origin empty for a key missing from the inventory).
    pub id: String,
    pub key_id: String,
    pub key_type: Option<String>,
    pub key_usage: Option<String>,
    pub app_id: Option<String>,
    pub app_object_id: Option<String>,
    pub service_principal_object_id: Option<String>,
    /// The resource of the latest sign-in with this key.
    pub resource_id: Option<String>,
    pub credential_origin: Option<String>,
    pub created_date_time: Option<Timestamp>,
    /// Graph's list examples spell it `expirationDate`; the schema says `expirationDateTime`.
    #[serde(alias = "expirationDate")]
    pub expiration_date_time: Option<Timestamp>,
    pub sign_in_activity: SignInActivity,
    #[serde(rename = "@signinInsights.finding", default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<Finding>,
    /// For people (tables): the app's name and the days from as-of to expiry.
    #[serde(skip)]
    pub app_display_name: Option<String>,
    #[serde(skip)]
    pub days_to_expiry: Option<i64>,
}

impl Tabular for AppCredentialActivity {
    fn headers() -> &'static [&'static str] {
        &["keyId", "type", "origin", "app", "appId", "lastSignIn", "lastSuccess", "expires", "daysLeft", "finding"]
    }
    fn cells(&self) -> Vec<Cell> {
        let a = &self.sign_in_activity;
        vec![
            Cell::text(Some(&self.key_id)),
            Cell::text(self.key_type.as_deref()),
            Cell::text(self.credential_origin.as_deref()),
            Cell::text(self.app_display_name.as_deref()),
            Cell::text(self.app_id.as_deref()),
            Cell::Time(a.last_sign_in_date_time),
            Cell::Time(a.last_successful_sign_in_date_time),
            Cell::Time(self.expiration_date_time),
            Cell::Int(self.days_to_expiry),
            Cell::text(self.finding.map(Finding::as_str)),
        ]
    }
    fn app_id(&self) -> Option<&str> {
        self.app_id.as_deref()
    }
}

/// `--expiring-within`, `--expired`, `--unused`; all given ones must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Expiry in (as-of, as-of + this], microseconds.
    pub expiring_within_us: Option<i64>,
    /// Expiry at or before as-of.
    pub expired: bool,
    /// No sign-in in the window (inventory credentials only).
    pub unused: bool,
}

impl Filter {
    fn keeps(&self, row: &AppCredentialActivity, as_of: i64) -> bool {
        let end = row.expiration_date_time.map(|t| t.us);
        self.expiring_within_us.is_none_or(|d| end.is_some_and(|e| e > as_of && e <= as_of.saturating_add(d)))
            && (!self.expired || end.is_some_and(|e| e <= as_of))
            && (!self.unused || row.finding == Some(Finding::Unused))
    }
}

/// Parses `30d`, `12h`, `2w` (also `P30D`-less plain days: `30`).
pub fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    let (n, unit) = match s.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => (&s[..i], c.to_ascii_lowercase()),
        _ => (s, 'd'),
    };
    let n: i64 = n.trim().parse().ok().filter(|&n| n >= 0)?;
    let unit_us = match unit {
        'h' => 3_600_000_000,
        'd' => MICROS_PER_DAY,
        'w' => 7 * MICROS_PER_DAY,
        _ => return None,
    };
    n.checked_mul(unit_us)
}

/// The latest sign-in with a key (with what it says about the app) and the latest success.
#[derive(Default)]
struct KeyState {
    attempt: Latest<Seen>,
    success: Latest<()>,
    /// The key's type as the latest sign-in that says it (`clientCredentialType` `certificate`
    /// or `clientSecret`) gives it: the type of a key missing from the inventory.
    key_type: Latest<&'static str>,
}
merge_fields!(KeyState { attempt, success, key_type });

/// Graph `keyType` of a sign-in's `clientCredentialType`, where it names one.
fn key_type_of(credential_type: &str) -> Option<&'static str> {
    match credential_type.trim() {
        t if t.eq_ignore_ascii_case("certificate") => Some("certificate"),
        t if t.eq_ignore_ascii_case("clientSecret") => Some("clientSecret"),
        _ => None,
    }
}

#[derive(Default, Clone)]
struct Seen {
    app_id: Option<String>,
    app_display_name: Option<String>,
    service_principal_id: Option<String>,
    resource_id: Option<String>,
}

/// Sign-ins with a credential, by key id.
#[derive(Default)]
struct Agg(Groups<KeyState>);
merge_fields!(Agg { 0 });

impl Aggregate for Agg {
    type Output = Vec<(String, KeyState)>;

    fn update(&mut self, batch: &RecordBatch, _: EventType) {
        let c = Columns(batch);
        let (created, ids, codes) = (c.times(CREATED), c.text(ID), c.ints(ERROR_CODE));
        let keys = c.dict(CREDENTIAL_KEY_ID);
        let (apps, sps, resources) = (c.dict(APP_ID), c.dict(SERVICE_PRINCIPAL_ID), c.dict(RESOURCE_ID));
        let names = c.dict(APP_DISPLAY_NAME);
        let types = c.dict(CLIENT_CREDENTIAL_TYPE);
        let rows: Vec<usize> =
            (0..batch.num_rows()).filter(|&i| keys.get(i).is_some_and(|k| !k.trim().is_empty())).collect();
        let slots = self.0.slots(&keys, rows.iter().copied());
        let owned = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_string);
        for (i, s) in rows.into_iter().zip(slots) {
            let (t, id) = (created.value(i), ids.value(i));
            let st = &mut self.0.states[s];
            st.attempt.offer(t, id, || Seen {
                app_id: owned(apps.get(i)),
                app_display_name: owned(names.get(i)),
                service_principal_id: owned(sps.get(i)),
                resource_id: owned(resources.get(i)),
            });
            if is_success(codes, i) {
                st.success.offer(t, id, || ());
            }
            if let Some(kind) = types.get(i).and_then(key_type_of) {
                st.key_type.offer(t, id, || kind);
            }
        }
    }

    fn finish(self) -> Vec<(String, KeyState)> {
        self.0.into_sorted()
    }
}

fn activity(state: Option<&KeyState>, zone: Zone) -> SignInActivity {
    let at = |t: Option<i64>, id: Option<&str>| (t.map(|t| zone.at(t)), id.map(str::to_string));
    let Some(st) = state else { return SignInActivity::default() };
    let (last_sign_in_date_time, last_sign_in_request_id) = at(st.attempt.time(), st.attempt.id());
    let (last_successful_sign_in_date_time, last_successful_sign_in_request_id) =
        at(st.success.time(), st.success.id());
    SignInActivity {
        last_sign_in_date_time,
        last_sign_in_request_id,
        last_successful_sign_in_date_time,
        last_successful_sign_in_request_id,
        ..SignInActivity::default()
    }
}

fn row_id(key_id: &str, origin: Option<Origin>) -> String {
    let text = format!("{key_id}|{}", origin.map_or("", Origin::as_str));
    base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
}

/// Object ids and names of the inventory by lower-cased appId.
#[derive(Default)]
struct Directory<'a> {
    application: HashMap<String, &'a InventoryRow>,
    service_principal: HashMap<String, &'a InventoryRow>,
}

impl<'a> Directory<'a> {
    fn new(rows: &'a [InventoryRow]) -> Self {
        let mut d = Directory::default();
        for r in rows {
            let map = match r.origin {
                Origin::Application => &mut d.application,
                Origin::ServicePrincipal => &mut d.service_principal,
            };
            map.entry(r.app_id.to_ascii_lowercase()).or_insert(r);
        }
        d
    }

    fn object_id(&self, origin: Origin, app_id: &str) -> Option<String> {
        let map = match origin {
            Origin::Application => &self.application,
            Origin::ServicePrincipal => &self.service_principal,
        };
        map.get(&app_id.to_ascii_lowercase()).map(|r| r.object_id.clone())
    }

    fn name(&self, app_id: &str) -> Option<String> {
        let key = app_id.to_ascii_lowercase();
        [&self.application, &self.service_principal]
            .into_iter()
            .find_map(|m| m.get(&key).and_then(|r| r.object_display_name.clone()))
    }
}

/// Rows sorted by keyId, then origin.
pub fn compute(
    store: &Store,
    manifest: &Manifest,
    req: &Request,
    filter: &Filter,
) -> Result<Vec<AppCredentialActivity>> {
    let sel = req.selection(SIGNINS, REPORT.event_types);
    let cols = [
        ID,
        CREATED,
        CREDENTIAL_KEY_ID,
        APP_ID,
        APP_DISPLAY_NAME,
        SERVICE_PRINCIPAL_ID,
        RESOURCE_ID,
        ERROR_CODE,
        CLIENT_CREDENTIAL_TYPE,
    ];
    let zone = req.zone();
    // Key ids differing only in case are one key (shown as first spelled, in code-point order).
    let mut used: BTreeMap<String, (String, KeyState)> = BTreeMap::new();
    for (key, st) in scan::run(store, manifest, &sel, &cols, Agg::default)? {
        let key = key.trim().to_string();
        let slot = used.entry(key.to_ascii_lowercase()).or_insert_with(|| (key, KeyState::default()));
        slot.1.merge(st);
    }
    let inventory = credentials::load(store, manifest)?;
    let dir = Directory::new(&inventory);
    let as_of = req.window.as_of_us;
    let days_left = |end: Option<i64>| end.map(|e| (e - as_of).div_euclid(MICROS_PER_DAY));
    let mut rows = Vec::new();
    let mut matched = std::collections::HashSet::new();
    for r in &inventory {
        let Some(c) = &r.credential else { continue };
        let key = c.key_id.to_ascii_lowercase();
        let state = used.get(&key).map(|(_, st)| st);
        if state.is_some() {
            matched.insert(key);
        }
        let seen = state.map(|s| &s.attempt.value);
        let (app_object_id, service_principal_object_id) = match r.origin {
            Origin::Application => (
                Some(r.object_id.clone()),
                dir.object_id(Origin::ServicePrincipal, &r.app_id)
                    .or_else(|| seen.and_then(|s| s.service_principal_id.clone())),
            ),
            Origin::ServicePrincipal => (dir.object_id(Origin::Application, &r.app_id), Some(r.object_id.clone())),
        };
        rows.push(AppCredentialActivity {
            id: row_id(&c.key_id, Some(r.origin)),
            key_id: c.key_id.clone(),
            key_type: Some(c.key_type.to_string()),
            key_usage: Some(c.key_usage.to_string()),
            app_id: Some(r.app_id.clone()),
            app_object_id,
            service_principal_object_id,
            resource_id: seen.and_then(|s| s.resource_id.clone()),
            credential_origin: Some(r.origin.as_str().to_string()),
            created_date_time: c.start_us.map(|t| zone.at(t)),
            expiration_date_time: c.end_us.map(|t| zone.at(t)),
            sign_in_activity: activity(state, zone),
            finding: state.is_none().then_some(Finding::Unused),
            app_display_name: dir.name(&r.app_id).or_else(|| r.object_display_name.clone()),
            days_to_expiry: days_left(c.end_us),
        });
    }
    for (lower, (key, st)) in &used {
        if matched.contains(lower) {
            continue;
        }
        let seen = &st.attempt.value;
        let app_id = seen.app_id.clone();
        let lookup = |origin| app_id.as_deref().and_then(|a| dir.object_id(origin, a));
        rows.push(AppCredentialActivity {
            id: row_id(key, None),
            key_id: key.clone(),
            key_type: st.key_type.at.is_some().then(|| st.key_type.value.to_string()),
            key_usage: None,
            app_object_id: lookup(Origin::Application),
            service_principal_object_id: lookup(Origin::ServicePrincipal).or_else(|| seen.service_principal_id.clone()),
            resource_id: seen.resource_id.clone(),
            credential_origin: None,
            created_date_time: None,
            expiration_date_time: None,
            sign_in_activity: activity(Some(st), zone),
            finding: Some(Finding::NotInInventory),
            app_display_name: app_id.as_deref().and_then(|a| dir.name(a)).or_else(|| seen.app_display_name.clone()),
            days_to_expiry: None,
            app_id,
        });
    }
    rows.retain(|r| filter.keeps(r, as_of));
    rows.sort_by(|a, b| {
        (&a.key_id, &a.credential_origin, &a.app_object_id, &a.service_principal_object_id).cmp(&(
            &b.key_id,
            &b.credential_origin,
            &b.app_object_id,
            &b.service_principal_object_id,
        ))
    });
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30d"), Some(30 * MICROS_PER_DAY));
        assert_eq!(parse_duration("2W"), Some(14 * MICROS_PER_DAY));
        assert_eq!(parse_duration("12h"), Some(12 * 3_600_000_000));
        assert_eq!(parse_duration("7"), Some(7 * MICROS_PER_DAY));
        assert_eq!(parse_duration("-1d"), None);
        assert_eq!(parse_duration("3y"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn ids_follow_graph() {
        // The id of the Graph docs' example: base64 of "83f45296-...|application".
        assert_eq!(
            row_id("83f45296-fb8f-4aaa-a399-ac51084e02b7", Some(Origin::Application)),
            "ODNmNDUyOTYtZmI4Zi00YWFhLWEzOTktYWM1MTA4NGUwMmI3fGFwcGxpY2F0aW9u"
        );
    }
}
