//! Application activity (SPEC 3.1, Graph `getAzureADApplicationSignInSummary`): interactive
//! user sign-ins per appId with success and failure counts, named by the app's latest sign-in.

use arrow_array::RecordBatch;
use serde::Serialize;

use super::Request;
use crate::error::Result;
use crate::normalize::EventType;
use crate::render::{Cell, Percent, Tabular};
use crate::scan::{self, Aggregate, Columns, Groups, Latest, Selection, rows_by_app};
use crate::store::SIGNINS;
use crate::store::schema::{APP_DISPLAY_NAME, APP_ID, CREATED, ERROR_CODE, ID};
use crate::store::{Store, manifest::Manifest};

pub const TYPE_NAME: &str = "applicationSignInSummary";

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
}

#[derive(Default)]
struct AppState {
    succeeded: u64,
    failed: u64,
    name: Latest<Option<String>>,
}

#[derive(Default)]
struct Agg(Groups<AppState>);

impl Aggregate for Agg {
    fn update(&mut self, batch: &RecordBatch, _: EventType, window: &crate::report::window::Window) {
        let c = Columns(batch);
        let (ids, codes) = (c.text(ID), c.ints(ERROR_CODE));
        let names = c.dict(APP_DISPLAY_NAME);
        for (i, s, t) in rows_by_app(&mut self.0, batch, window) {
            let st = &mut self.0.states[s];
            if codes.is_valid(i) && codes.value(i) == 0 {
                st.succeeded += 1;
            } else {
                st.failed += 1;
            }
            st.name.offer(t, ids.value(i), || names.get(i).map(str::to_string));
        }
    }

    fn merge(&mut self, other: Self) {
        self.0.merge_with(other.0, |a, b| {
            a.succeeded += b.succeeded;
            a.failed += b.failed;
            a.name.merge(b.name);
        });
    }
}

use arrow_array::Array;

/// How the app list is ordered: the portal's "top apps" and "most failed" views.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Sort {
    #[default]
    Total,
    Failed,
}

/// Rows sorted by total (or failed) sign-ins desc, then appId.
pub fn compute(store: &Store, manifest: &Manifest, req: &Request, sort: Sort) -> Result<Vec<AppActivity>> {
    let sel = Selection {
        table: SIGNINS,
        event_types: req.event_types_or(&[EventType::InteractiveUser]),
        window: req.window.clone(),
    };
    let agg = scan::run(store, manifest, &sel, &[ID, CREATED, APP_ID, APP_DISPLAY_NAME, ERROR_CODE], Agg::default)?;
    let mut rows: Vec<AppActivity> = agg
        .0
        .into_sorted()
        .into_iter()
        .filter(|(app, _)| req.app.as_ref().is_none_or(|a| a.eq_ignore_ascii_case(app)))
        .map(|(app, s)| AppActivity {
            id: app,
            app_display_name: s.name.value,
            successful_sign_in_count: s.succeeded,
            failed_sign_in_count: s.failed,
            success_percentage: Percent::of(s.succeeded, s.succeeded + s.failed),
        })
        .collect();
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
    if let Some(n) = req.top {
        rows.truncate(n);
    }
    Ok(rows)
}
