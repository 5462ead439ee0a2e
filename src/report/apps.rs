//! Application activity (SPEC 3.1, Graph `getAzureADApplicationSignInSummary`): interactive
//! user sign-ins per appId with success and failure counts, named by the app's latest sign-in.

use arrow_array::RecordBatch;
use serde::Serialize;

pub use super::catalog::Sort;
use super::catalog::{Answer, Opt, Report};
use super::{Request, Tabular};
use crate::domain::{Cell, EventType, Percent};
use crate::error::Result;
use crate::merge_fields;
use crate::scan::{self, Aggregate, Columns, Groups, Latest, is_success, rows_by_app};
use crate::store::schema::{APP_DISPLAY_NAME, APP_ID, CREATED, ERROR_CODE, ID};
use crate::store::{SIGNINS, Store, manifest::Manifest};

pub const TYPE_NAME: &str = "applicationSignInSummary";

pub const REPORT: Report = Report {
    name: "apps",
    graph_name: Some("getAzureADApplicationSignInSummary"),
    about: "Application activity (getAzureADApplicationSignInSummary).",
    title: "Application activity",
    table: SIGNINS,
    event_types: &[EventType::InteractiveUser],
    options: &[Opt::Top, Opt::EventTypes, Opt::App, Opt::Sort],
    run: |q| Ok(Answer::rows(TYPE_NAME, compute(q.store, q.manifest, &q.request, q.options.sort)?)),
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppActivity {
    pub id: String,
    pub app_display_name: Option<String>,
    pub successful_sign_in_count: u64,
    pub failed_sign_in_count: u64,
    pub success_percentage: Percent,
}

impl Tabular for AppActivity {
    fn headers() -> &'static [&'static str] {
        &["appDisplayName", "appId", "successful", "failed", "successPercentage"]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::text(self.app_display_name.as_deref()),
            Cell::text(Some(&self.id)),
            Cell::Int(Some(self.successful_sign_in_count as i64)),
            Cell::Int(Some(self.failed_sign_in_count as i64)),
            Cell::Percent(self.success_percentage),
        ]
    }
    fn app_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

#[derive(Default)]
struct AppState {
    succeeded: u64,
    failed: u64,
    name: Latest<Option<String>>,
}
merge_fields!(AppState { succeeded, failed, name });

#[derive(Default)]
struct Agg(Groups<AppState>);
merge_fields!(Agg { 0 });

impl Aggregate for Agg {
    type Output = Vec<AppActivity>;

    fn update(&mut self, batch: &RecordBatch, _: EventType) {
        let c = Columns(batch);
        let (ids, codes) = (c.text(ID), c.ints(ERROR_CODE));
        let names = c.dict(APP_DISPLAY_NAME);
        for (i, s, t) in rows_by_app(&mut self.0, batch) {
            let st = &mut self.0.states[s];
            if is_success(codes, i) {
                st.succeeded += 1;
            } else {
                st.failed += 1;
            }
            st.name.offer(t, ids.value(i), || names.get(i).map(str::to_string));
        }
    }

    fn finish(self) -> Vec<AppActivity> {
        self.0
            .into_sorted()
            .into_iter()
            .map(|(app, s)| AppActivity {
                id: app,
                app_display_name: s.name.value,
                successful_sign_in_count: s.succeeded,
                failed_sign_in_count: s.failed,
                success_percentage: Percent::of(s.succeeded, s.succeeded + s.failed),
            })
            .collect()
    }
}

/// Rows sorted by total (or failed) sign-ins desc, then appId.
pub fn compute(store: &Store, manifest: &Manifest, req: &Request, sort: Sort) -> Result<Vec<AppActivity>> {
    let sel = req.selection(SIGNINS, REPORT.event_types);
    let mut rows =
        scan::run(store, manifest, &sel, &[ID, CREATED, APP_ID, APP_DISPLAY_NAME, ERROR_CODE], Agg::default)?;
    let total = |r: &AppActivity| r.successful_sign_in_count + r.failed_sign_in_count;
    match sort {
        Sort::Total => rows.sort_by(|a, b| total(b).cmp(&total(a)).then_with(|| a.id.cmp(&b.id))),
        Sort::Failed => rows.sort_by(|a, b| {
            b.failed_sign_in_count
                .cmp(&a.failed_sign_in_count)
                .then_with(|| total(b).cmp(&total(a)))
                .then_with(|| a.id.cmp(&b.id))
        }),
    }
    Ok(rows)
}
