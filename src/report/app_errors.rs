//! Top sign-in errors per application (SPEC 3.3): user sign-ins (interactive and
//! non-interactive) in the window; per app the failing error codes by count desc, then code asc,
//! with the failure reason of the latest sign-in with that code and the code's share of the
//! app's failures. A missing error code is a failure listed as `errorCode: null`, after all codes.

use std::collections::HashMap;

use arrow_array::{Array, RecordBatch};
use serde::Serialize;

use super::catalog::{Answer, Opt, Report};
use super::{Request, Tabular};
use crate::domain::{Cell, EventType, Percent};
use crate::error::Result;
use crate::merge_fields;
use crate::scan::{self, Aggregate, Columns, Groups, Latest, rows_by_app};
use crate::store::schema::{APP_DISPLAY_NAME, APP_ID, CREATED, ERROR_CODE, FAILURE_REASON, ID};
use crate::store::{SIGNINS, Store, manifest::Manifest};

pub const TYPE_NAME: &str = "appSignInError";

pub const REPORT: Report = Report {
    name: "app-errors",
    graph_name: None,
    about: "Top sign-in errors per application.",
    title: "Top sign-in errors per application",
    table: SIGNINS,
    event_types: &EventType::USERS,
    options: &[Opt::TopPerApp, Opt::EventTypes, Opt::App],
    run: |q| Ok(Answer::rows(TYPE_NAME, compute(q.store, q.manifest, &q.request)?)),
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppError {
    pub app_id: String,
    pub app_display_name: Option<String>,
    pub rank: u32,
    pub error_code: Option<i32>,
    pub failure_reason: Option<String>,
    pub sign_in_count: u64,
    pub share_of_failures: Percent,
}

impl Tabular for AppError {
    fn headers() -> &'static [&'static str] {
        &["appDisplayName", "appId", "rank", "errorCode", "signInCount", "shareOfFailures", "failureReason"]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::text(self.app_display_name.as_deref()),
            Cell::text(Some(&self.app_id)),
            Cell::Int(Some(i64::from(self.rank))),
            Cell::Int(self.error_code.map(i64::from)),
            Cell::Int(Some(self.sign_in_count as i64)),
            Cell::Percent(self.share_of_failures),
            Cell::text(self.failure_reason.as_deref()),
        ]
    }
    fn app_id(&self) -> Option<&str> {
        Some(&self.app_id)
    }
}

#[derive(Default)]
struct CodeState {
    count: u64,
    reason: Latest<Option<String>>,
}
merge_fields!(CodeState { count, reason });

#[derive(Default)]
struct AppState {
    name: Latest<Option<String>>,
    codes: HashMap<Option<i32>, CodeState>,
}
merge_fields!(AppState { name, codes });

struct Agg {
    top: usize,
    apps: Groups<AppState>,
}
merge_fields!(Agg { apps });

impl Aggregate for Agg {
    type Output = Vec<AppError>;

    fn update(&mut self, batch: &RecordBatch, _: EventType) {
        let c = Columns(batch);
        let (ids, codes) = (c.text(ID), c.ints(ERROR_CODE));
        let (names, reasons) = (c.dict(APP_DISPLAY_NAME), c.dict(FAILURE_REASON));
        for (i, s, t) in rows_by_app(&mut self.apps, batch) {
            let st = &mut self.apps.states[s];
            let id = ids.value(i);
            st.name.offer(t, id, || names.get(i).map(str::to_string));
            let code = codes.is_valid(i).then(|| codes.value(i));
            if code != Some(0) {
                let cs = st.codes.entry(code).or_default();
                cs.count += 1;
                cs.reason.offer(t, id, || reasons.get(i).map(str::to_string));
            }
        }
    }

    /// Rows sorted by appId, then rank; `top` codes per app.
    fn finish(self) -> Vec<AppError> {
        let mut rows = Vec::new();
        for (app, st) in self.apps.into_sorted() {
            let failures: u64 = st.codes.values().map(|c| c.count).sum();
            let mut codes: Vec<_> = st.codes.into_iter().collect();
            codes.sort_by(|(ca, a), (cb, b)| b.count.cmp(&a.count).then((ca.is_none(), ca).cmp(&(cb.is_none(), cb))));
            for (rank, (code, cs)) in codes.into_iter().take(self.top).enumerate() {
                rows.push(AppError {
                    app_id: app.clone(),
                    app_display_name: st.name.value.clone(),
                    rank: rank as u32 + 1,
                    error_code: code,
                    failure_reason: cs.reason.value,
                    sign_in_count: cs.count,
                    share_of_failures: Percent::of(cs.count, failures),
                });
            }
        }
        rows
    }
}

/// Rows sorted by appId, then rank; `req.top` codes per app (default 5).
pub fn compute(store: &Store, manifest: &Manifest, req: &Request) -> Result<Vec<AppError>> {
    let sel = req.selection(SIGNINS, REPORT.event_types);
    let cols = [ID, CREATED, APP_ID, APP_DISPLAY_NAME, ERROR_CODE, FAILURE_REASON];
    let top = req.top.unwrap_or(5);
    scan::run(store, manifest, &sel, &cols, || Agg { top, apps: Groups::default() })
}
