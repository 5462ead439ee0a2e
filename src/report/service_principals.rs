//! Service principal sign-in activity (SPEC 3.7, Graph `servicePrincipalSignInActivities`):
//! per appId, when it last signed in as a client or was signed in to as a resource, with users
//! (delegated) and as itself (application authentication). Each role is a Graph
//! `signInActivity`, or null when the role has no sign-in in the window.

use arrow_array::{Array, RecordBatch};
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::Request;
use super::app_last_signin::SignInActivity;
use crate::error::Result;
use crate::normalize::EventType;
use crate::render::{Cell, Tabular};
use crate::report::window::Window;
use crate::scan::{self, Aggregate, Columns, Groups, Latest, Selection};
use crate::store::SIGNINS;
use crate::store::schema::{APP_ID, CREATED, ERROR_CODE, ID, RESOURCE_ID};
use crate::store::{Store, manifest::Manifest};

pub const TYPE_NAME: &str = "servicePrincipalSignInActivity";

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
}

impl Tabular for ServicePrincipalActivity {
    fn headers() -> &'static [&'static str] {
        &["appId", "lastSignIn", "delegatedClient", "delegatedResource", "appAuthClient", "appAuthResource"]
    }
    fn cells(&self) -> Vec<Cell> {
        let last =
            |a: &Option<SignInActivity>| Cell::Time(a.as_ref().and_then(|a| a.last_sign_in_date_time).map(|t| t.0));
        vec![
            Cell::text(Some(&self.app_id)),
            last(&self.last_sign_in_activity),
            last(&self.delegated_client_sign_in_activity),
            last(&self.delegated_resource_sign_in_activity),
            last(&self.application_authentication_client_sign_in_activity),
            last(&self.application_authentication_resource_sign_in_activity),
        ]
    }
}

/// The latest attempt, success and non-interactive sign-in of one role.
#[derive(Clone, Default)]
struct Role {
    attempt: Latest<()>,
    success: Latest<()>,
    non_interactive: Latest<()>,
}

impl Role {
    fn offer(&mut self, t: i64, id: &str, success: bool, non_interactive: bool) {
        self.attempt.offer(t, id, || ());
        if success {
            self.success.offer(t, id, || ());
        }
        if non_interactive {
            self.non_interactive.offer(t, id, || ());
        }
    }

    fn merge(&mut self, other: Role) {
        self.attempt.merge(other.attempt);
        self.success.merge(other.success);
        self.non_interactive.merge(other.non_interactive);
    }

    /// `None` for a role nobody signed in with, as Graph shows it (`null`).
    fn activity(&self) -> Option<SignInActivity> {
        self.attempt.at.as_ref()?;
        Some(SignInActivity::from_latest(&self.attempt, &self.non_interactive, &self.success))
    }
}

/// Roles in Graph's order: delegated client, delegated resource, app-only client, app-only resource.
#[derive(Clone, Default)]
struct Roles([Role; 4]);

#[derive(Default)]
struct Agg(Groups<Roles>);

impl Aggregate for Agg {
    fn update(&mut self, batch: &RecordBatch, event_type: EventType, window: &Window) {
        let (client, resource) = match event_type {
            EventType::InteractiveUser | EventType::NonInteractiveUser => (0, 1),
            EventType::ServicePrincipal | EventType::ManagedIdentity => (2, 3),
            EventType::Unknown => return,
        };
        let non_interactive = event_type == EventType::NonInteractiveUser;
        let c = Columns(batch);
        let (created, ids, codes) = (c.times(CREATED), c.text(ID), c.ints(ERROR_CODE));
        let (apps, resources) = (c.dict(APP_ID), c.dict(RESOURCE_ID));
        let rows: Vec<usize> = (0..batch.num_rows()).filter(|&i| window.contains(created.value(i))).collect();
        // Rows without an app or resource id have no role to credit.
        let with = |d: &scan::DictText<'_>| {
            rows.iter().copied().filter(|&i| d.get(i).is_some_and(|s| !s.is_empty())).collect::<Vec<_>>()
        };
        for (role, dict) in [(client, &apps), (resource, &resources)] {
            let picked = with(dict);
            let slots = self.0.slots(dict, &picked);
            for (i, s) in picked.into_iter().zip(slots) {
                let success = codes.is_valid(i) && codes.value(i) == 0;
                self.0.states[s].0[role].offer(created.value(i), ids.value(i), success, non_interactive);
            }
        }
    }

    fn merge(&mut self, other: Self) {
        self.0.merge_with(other.0, |a, b| {
            for (mine, theirs) in a.0.iter_mut().zip(b.0) {
                mine.merge(theirs);
            }
        });
    }
}

/// Rows sorted by appId; `req.app` keeps one.
pub fn compute(store: &Store, manifest: &Manifest, req: &Request) -> Result<Vec<ServicePrincipalActivity>> {
    let types = [
        EventType::InteractiveUser,
        EventType::NonInteractiveUser,
        EventType::ServicePrincipal,
        EventType::ManagedIdentity,
    ];
    let sel = Selection { table: SIGNINS, event_types: req.event_types_or(&types), window: req.window.clone() };
    let agg = scan::run(store, manifest, &sel, &[ID, CREATED, APP_ID, RESOURCE_ID, ERROR_CODE], Agg::default)?;
    Ok(agg
        .0
        .into_sorted()
        .into_iter()
        .filter(|(app, _)| req.app.as_ref().is_none_or(|a| a.eq_ignore_ascii_case(app)))
        .map(|(app, roles)| {
            let mut all = Role::default();
            for r in &roles.0 {
                all.merge(r.clone());
            }
            let [dc, dr, ac, ar] = &roles.0;
            ServicePrincipalActivity {
                id: base64::engine::general_purpose::STANDARD.encode(app.as_bytes()),
                delegated_client_sign_in_activity: dc.activity(),
                delegated_resource_sign_in_activity: dr.activity(),
                application_authentication_client_sign_in_activity: ac.activity(),
                application_authentication_resource_sign_in_activity: ar.activity(),
                last_sign_in_activity: all.activity(),
                app_id: app,
            }
        })
        .collect())
}
