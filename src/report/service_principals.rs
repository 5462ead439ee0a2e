//! Service principal sign-in activity (SPEC 3.7, Graph `servicePrincipalSignInActivities`):
//! per appId, when it last signed in as a client or was signed in to as a resource, with users
//! (delegated) and as itself (application authentication). Each role is a Graph
//! `signInActivity`, or null when the role has no sign-in in the window.

use arrow_array::{Array, RecordBatch};
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::app_last_signin::SignInActivity;
use super::catalog::{Answer, Opt, Report};
use super::names::DisplayNames;
use super::{Request, Tabular};
use crate::domain::{Cell, EventType, Zone};
use crate::error::Result;
use crate::merge_fields;
use crate::scan::latest::{Latests, run_latest};
use crate::scan::{Aggregate, Columns, Groups, Latest, Merge, is_success};
use crate::store::schema::{APP_ID, CREATED, ERROR_CODE, ID, RESOURCE_ID};
use crate::store::{SIGNINS, Store, manifest::Manifest};

pub const TYPE_NAME: &str = "servicePrincipalSignInActivity";

pub const REPORT: Report = Report {
    name: "service-principals",
    graph_name: Some("servicePrincipalSignInActivities"),
    about: "Service principal sign-in activity, as client and resource (servicePrincipalSignInActivities).",
    title: "Service principal sign-in activity",
    table: SIGNINS,
    event_types: &[
        EventType::InteractiveUser,
        EventType::NonInteractiveUser,
        EventType::ServicePrincipal,
        EventType::ManagedIdentity,
    ],
    options: &[Opt::EventTypes, Opt::App],
    run: |q| {
        // Names beside the ids for a person (table and CSV; Graph's JSON has none), from the
        // same scan.
        let sel = q.request.selection(SIGNINS, REPORT.event_types);
        let mut cols = COLUMNS.to_vec();
        cols.extend(DisplayNames::COLUMNS.iter().filter(|c| !COLUMNS.contains(c)));
        let make = || (Agg { zone: q.request.zone(), apps: Groups::default() }, DisplayNames::default());
        let (mut rows, names) = run_latest(q.store, q.manifest, &sel, &cols, make)?;
        for r in &mut rows {
            r.display_name = names.get(&r.app_id.to_lowercase()).cloned();
        }
        Ok(Answer::rows(TYPE_NAME, rows))
    },
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipalActivity {
    /// base64 of the appId, as Graph shows it.
    pub id: String,
    pub app_id: String,
    pub delegated_client_sign_in_activity: Option<SignInActivity>,
    pub delegated_resource_sign_in_activity: Option<SignInActivity>,
    pub application_authentication_client_sign_in_activity: Option<SignInActivity>,
    pub application_authentication_resource_sign_in_activity: Option<SignInActivity>,
    pub last_sign_in_activity: Option<SignInActivity>,
    /// The application's or resource's name, from its latest sign-in in the window: shown in
    /// the table and CSV, not part of Graph's type.
    #[serde(skip)]
    pub display_name: Option<String>,
}

impl Tabular for ServicePrincipalActivity {
    fn headers() -> &'static [&'static str] {
        &[
            "appDisplayName",
            "appId",
            "lastSignIn",
            "delegatedClient",
            "delegatedResource",
            "appAuthClient",
            "appAuthResource",
        ]
    }
    fn cells(&self) -> Vec<Cell> {
        let last = |a: &Option<SignInActivity>| Cell::Time(a.as_ref().and_then(|a| a.last_sign_in_date_time));
        vec![
            Cell::text(self.display_name.as_deref()),
            Cell::text(Some(&self.app_id)),
            last(&self.last_sign_in_activity),
            last(&self.delegated_client_sign_in_activity),
            last(&self.delegated_resource_sign_in_activity),
            last(&self.application_authentication_client_sign_in_activity),
            last(&self.application_authentication_resource_sign_in_activity),
        ]
    }
    fn app_id(&self) -> Option<&str> {
        Some(&self.app_id)
    }
}

/// The latest attempt, success and non-interactive sign-in of one role.
#[derive(Clone, Default)]
struct Role {
    attempt: Latest<()>,
    success: Latest<()>,
    non_interactive: Latest<()>,
}
merge_fields!(Role { attempt, success, non_interactive });

impl Role {
    /// `None` for a role nobody signed in with, as Graph shows it (`null`).
    fn activity(&self, zone: Zone) -> Option<SignInActivity> {
        self.attempt.at.as_ref()?;
        Some(SignInActivity::from_latest(zone, &self.attempt, &self.non_interactive, &self.success))
    }
}

/// Roles in Graph's order: delegated client, delegated resource, app-only client, app-only
/// resource.
type Roles = [Role; 4];

struct Agg {
    zone: Zone,
    apps: Groups<Roles>,
}
merge_fields!(Agg { apps });

impl Aggregate for Agg {
    type Output = Vec<ServicePrincipalActivity>;

    fn update(&mut self, batch: &RecordBatch, event_type: EventType) {
        let (client, resource) = match event_type {
            EventType::InteractiveUser | EventType::NonInteractiveUser => (0, 1),
            EventType::ServicePrincipal | EventType::ManagedIdentity => (2, 3),
            EventType::Unknown => return,
        };
        let non_interactive = event_type == EventType::NonInteractiveUser;
        let c = Columns(batch);
        let (created, ids, codes) = (c.times(CREATED), c.text(ID), c.ints(ERROR_CODE));
        let (apps, resources) = (c.dict(APP_ID), c.dict(RESOURCE_ID));
        // Rows without an app or resource id have no role to credit. Each role of each id is
        // offered its batch's latest attempt and latest success once.
        for (role, dict) in [(client, &apps), (resource, &resources)] {
            let named: Vec<bool> =
                (0..dict.values.len()).map(|k| dict.values.is_valid(k) && !dict.values.value(k).is_empty()).collect();
            let attempts = dict.latest_by_key(created, ids, |_, k| named[k]);
            let successes = dict.latest_by_key(created, ids, |i, k| named[k] && is_success(codes, i));
            for (k, (attempt, success)) in attempts.into_iter().zip(successes).enumerate() {
                let Some(a) = attempt else { continue };
                let r = &mut self.apps.get_mut(dict.values.value(k))[role];
                r.attempt.offer(created.value(a), ids.value(a), || ());
                if non_interactive {
                    r.non_interactive.offer(created.value(a), ids.value(a), || ());
                }
                if let Some(s) = success {
                    r.success.offer(created.value(s), ids.value(s), || ());
                }
            }
        }
    }

    /// Rows sorted by appId.
    fn finish(self) -> Vec<ServicePrincipalActivity> {
        let zone = self.zone;
        self.apps
            .into_sorted()
            .into_iter()
            .map(|(app, roles)| {
                let mut all = Role::default();
                for r in &roles {
                    all.merge(r.clone());
                }
                let [dc, dr, ac, ar] = &roles;
                ServicePrincipalActivity {
                    id: base64::engine::general_purpose::STANDARD.encode(app.as_bytes()),
                    delegated_client_sign_in_activity: dc.activity(zone),
                    delegated_resource_sign_in_activity: dr.activity(zone),
                    application_authentication_client_sign_in_activity: ac.activity(zone),
                    application_authentication_resource_sign_in_activity: ar.activity(zone),
                    last_sign_in_activity: all.activity(zone),
                    app_id: app,
                    display_name: None,
                }
            })
            .collect()
    }
}

impl Latests for Agg {
    fn times(&self, into: &mut Vec<i64>) {
        for role in self.apps.states.iter().flatten() {
            into.extend([&role.attempt, &role.success, &role.non_interactive].into_iter().filter_map(Latest::time));
        }
    }
}

/// Rows sorted by appId.
pub fn compute(store: &Store, manifest: &Manifest, req: &Request) -> Result<Vec<ServicePrincipalActivity>> {
    let sel = req.selection(SIGNINS, REPORT.event_types);
    run_latest(store, manifest, &sel, COLUMNS, || Agg { zone: req.zone(), apps: Groups::default() })
}

/// The columns [`Agg`] reads.
const COLUMNS: &[&str] = &[ID, CREATED, APP_ID, RESOURCE_ID, ERROR_CODE];
