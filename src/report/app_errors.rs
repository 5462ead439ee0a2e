//! Top sign-in errors per application (SPEC 3.3): user sign-ins (interactive and
//! non-interactive) in the window; per app the failing error codes by count desc, then code asc,
//! with the failure reason of the latest sign-in with that code and the code's share of the
//! app's failures. A missing error code is a failure listed as `errorCode: null`, after all codes.

use std::collections::HashMap;

use arrow_array::{Array, RecordBatch};
use serde::Serialize;

use super::{Request, USER_TYPES};
use crate::error::Result;
use crate::normalize::EventType;
use crate::render::{Cell, Percent, Tabular};
use crate::report::window::Window;
use crate::scan::{self, Aggregate, Columns, Groups, Latest, Selection, rows_by_app};
use crate::store::SIGNINS;
use crate::store::schema::{APP_DISPLAY_NAME, APP_ID, CREATED, ERROR_CODE, FAILURE_REASON, ID};
use crate::store::{Store, manifest::Manifest};

pub const TYPE_NAME: &str = "appSignInError";

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
}

#[derive(Default)]
struct CodeState {
    count: u64,
    reason: Latest<Option<String>>,
}

#[derive(Default)]
struct AppState {
    name: Latest<Option<String>>,
    codes: HashMap<Option<i32>, CodeState>,
}

#[derive(Default)]
struct Agg(Groups<AppState>);

impl Aggregate for Agg {
    fn update(&mut self, batch: &RecordBatch, _: EventType, window: &Window) {
        let c = Columns(batch);
        let (ids, codes) = (c.text(ID), c.ints(ERROR_CODE));
        let (names, reasons) = (c.dict(APP_DISPLAY_NAME), c.dict(FAILURE_REASON));
        for (i, s, t) in rows_by_app(&mut self.0, batch, window) {
            let st = &mut self.0.states[s];
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

    fn merge(&mut self, other: Self) {
        self.0.merge_with(other.0, |a, b| {
            a.name.merge(b.name);
            for (code, cs) in b.codes {
                let e = a.codes.entry(code).or_default();
                e.count += cs.count;
                e.reason.merge(cs.reason);
            }
        });
    }
}

/// Rows sorted by appId, then rank; `req.top` codes per app (default 5).
pub fn compute(store: &Store, manifest: &Manifest, req: &Request) -> Result<Vec<AppError>> {
    let sel = Selection { table: SIGNINS, event_types: req.event_types_or(&USER_TYPES), window: req.window.clone() };
    let cols = [ID, CREATED, APP_ID, APP_DISPLAY_NAME, ERROR_CODE, FAILURE_REASON];
    let agg = scan::run(store, manifest, &sel, &cols, Agg::default)?;
    let top = req.top.unwrap_or(5);
    let mut rows = Vec::new();
    for (app, st) in agg.0.into_sorted() {
        if req.app.as_ref().is_some_and(|a| !a.eq_ignore_ascii_case(&app)) {
            continue;
        }
        let failures: u64 = st.codes.values().map(|c| c.count).sum();
        let mut codes: Vec<_> = st.codes.into_iter().collect();
        codes.sort_by(|(ca, a), (cb, b)| b.count.cmp(&a.count).then((ca.is_none(), ca).cmp(&(cb.is_none(), cb))));
        for (rank, (code, cs)) in codes.into_iter().take(top).enumerate() {
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
    Ok(rows)
}
