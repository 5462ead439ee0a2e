//! Last sign-in per application (SPEC 3.4): a Graph `signInActivity` per appId over user
//! sign-ins in the window: latest interactive (any status), latest non-interactive, latest
//! successful; request id = sign-in id. Apps of the credential inventory that nobody signed in
//! to in the window are listed with empty activity (the "unused application" finding).

use std::collections::{BTreeMap, HashSet};

use arrow_array::RecordBatch;
use serde::{Deserialize, Serialize};

use super::catalog::{Answer, Opt, Report};
use super::{Request, Tabular};
use crate::domain::{Cell, EventType, Timestamp, Zone};
use crate::error::Result;
use crate::merge_fields;
use crate::scan::latest::{Latests, run_latest};
use crate::scan::{Aggregate, Columns, Groups, Latest, is_success, rows_by_app};
use crate::store::schema::{APP_DISPLAY_NAME, APP_ID, CREATED, ERROR_CODE, ID};
use crate::store::{SIGNINS, Store, credentials, manifest::Manifest};

pub const TYPE_NAME: &str = "appLastSignIn";

pub const REPORT: Report = Report {
    name: "app-last-signin",
    graph_name: None,
    about: "Last sign-in per application (signInActivity).",
    title: "Last sign-in per application",
    table: SIGNINS,
    event_types: &EventType::USERS,
    options: &[Opt::EventTypes, Opt::App],
    run: |q| Ok(Answer::rows(TYPE_NAME, compute(q.store, q.manifest, &q.request)?)),
};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInActivity {
    pub last_sign_in_date_time: Option<Timestamp>,
    pub last_sign_in_request_id: Option<String>,
    pub last_non_interactive_sign_in_date_time: Option<Timestamp>,
    pub last_non_interactive_sign_in_request_id: Option<String>,
    pub last_successful_sign_in_date_time: Option<Timestamp>,
    pub last_successful_sign_in_request_id: Option<String>,
}

impl SignInActivity {
    /// From the latest sign-in (any status), the latest non-interactive one and the latest
    /// successful one; request id = sign-in id; times shown in `zone`.
    pub fn from_latest(
        zone: Zone,
        last: &Latest<()>,
        non_interactive: &Latest<()>,
        successful: &Latest<()>,
    ) -> SignInActivity {
        let at = |l: &Latest<()>| (l.time().map(|t| zone.at(t)), l.id().map(str::to_string));
        let (last_sign_in_date_time, last_sign_in_request_id) = at(last);
        let (last_non_interactive_sign_in_date_time, last_non_interactive_sign_in_request_id) = at(non_interactive);
        let (last_successful_sign_in_date_time, last_successful_sign_in_request_id) = at(successful);
        SignInActivity {
            last_sign_in_date_time,
            last_sign_in_request_id,
            last_non_interactive_sign_in_date_time,
            last_non_interactive_sign_in_request_id,
            last_successful_sign_in_date_time,
            last_successful_sign_in_request_id,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppLastSignIn {
    pub id: String,
    pub app_id: String,
    pub app_display_name: Option<String>,
    pub sign_in_activity: SignInActivity,
}

impl Tabular for AppLastSignIn {
    fn headers() -> &'static [&'static str] {
        &["appDisplayName", "appId", "lastSignIn", "lastNonInteractive", "lastSuccessful"]
    }
    fn cells(&self) -> Vec<Cell> {
        let a = &self.sign_in_activity;
        vec![
            Cell::text(self.app_display_name.as_deref()),
            Cell::text(Some(&self.app_id)),
            Cell::Time(a.last_sign_in_date_time),
            Cell::Time(a.last_non_interactive_sign_in_date_time),
            Cell::Time(a.last_successful_sign_in_date_time),
        ]
    }
    fn app_id(&self) -> Option<&str> {
        Some(&self.app_id)
    }
}

#[derive(Default)]
struct AppState {
    name: Latest<Option<String>>,
    interactive: Latest<()>,
    non_interactive: Latest<()>,
    successful: Latest<()>,
}
merge_fields!(AppState { name, interactive, non_interactive, successful });

struct Agg {
    zone: Zone,
    apps: Groups<AppState>,
}
merge_fields!(Agg { apps });

impl Aggregate for Agg {
    type Output = Vec<AppLastSignIn>;

    fn update(&mut self, batch: &RecordBatch, event_type: EventType) {
        let c = Columns(batch);
        let (ids, codes) = (c.text(ID), c.ints(ERROR_CODE));
        let names = c.dict(APP_DISPLAY_NAME);
        for (i, s, t) in rows_by_app(&mut self.apps, batch) {
            let st = &mut self.apps.states[s];
            let id = ids.value(i);
            st.name.offer(t, id, || names.get(i).map(str::to_string));
            match event_type {
                EventType::InteractiveUser => st.interactive.offer(t, id, || ()),
                EventType::NonInteractiveUser => st.non_interactive.offer(t, id, || ()),
                _ => {}
            }
            if is_success(codes, i) {
                st.successful.offer(t, id, || ());
            }
        }
    }

    fn finish(self) -> Vec<AppLastSignIn> {
        let zone = self.zone;
        self.apps
            .into_sorted()
            .into_iter()
            .map(|(app, st)| AppLastSignIn {
                id: app.clone(),
                app_id: app,
                app_display_name: st.name.value,
                sign_in_activity: SignInActivity::from_latest(
                    zone,
                    &st.interactive,
                    &st.non_interactive,
                    &st.successful,
                ),
            })
            .collect()
    }
}

impl Latests for Agg {
    fn times(&self, into: &mut Vec<i64>) {
        for st in &self.apps.states {
            into.extend(st.name.time());
            into.extend([&st.interactive, &st.non_interactive, &st.successful].into_iter().filter_map(Latest::time));
        }
    }
}

/// Rows sorted by appId. Applications and service principals of the credential inventory with
/// no sign-in in the window are listed too, with an empty `signInActivity` (unused apps).
pub fn compute(store: &Store, manifest: &Manifest, req: &Request) -> Result<Vec<AppLastSignIn>> {
    let sel = req.selection(SIGNINS, REPORT.event_types);
    let cols = [ID, CREATED, APP_ID, APP_DISPLAY_NAME, ERROR_CODE];
    let mut rows = run_latest(store, manifest, &sel, &cols, || Agg { zone: req.zone(), apps: Groups::default() })?;
    let seen: HashSet<String> = rows.iter().map(|r| r.app_id.to_ascii_lowercase()).collect();
    // One row per unused appId: the application's name before the service principal's.
    let mut unused: BTreeMap<String, AppLastSignIn> = BTreeMap::new();
    let mut inventory = credentials::load(store, manifest)?;
    inventory.sort_by_key(|r| r.origin);
    for r in inventory {
        let key = r.app_id.to_ascii_lowercase();
        if seen.contains(&key) || unused.contains_key(&key) {
            continue;
        }
        let row = AppLastSignIn {
            id: r.app_id.clone(),
            app_id: r.app_id,
            app_display_name: r.object_display_name,
            sign_in_activity: SignInActivity::default(),
        };
        unused.insert(key, row);
    }
    rows.extend(unused.into_values());
    rows.sort_by(|a, b| a.app_id.cmp(&b.app_id));
    Ok(rows)
}
