//! Daily detail (SPEC 3.2, Graph `applicationSignInDetailedSummary`): interactive user
//! sign-ins per (appId, UTC day, errorCode), with the status of the group's latest sign-in.
//! The data behind the per-app daily chart.

use std::collections::HashMap;

use arrow_array::{Array, RecordBatch};
use serde::Serialize;

use super::{Request, row_id};
use crate::error::Result;
use crate::normalize::EventType;
use crate::render::{Cell, Tabular, Timestamp};
use crate::report::window::Window;
use crate::scan::{self, Aggregate, Columns, Groups, Latest, Selection, rows_by_app};
use crate::store::SIGNINS;
use crate::store::schema::{ADDITIONAL_DETAILS, APP_DISPLAY_NAME, APP_ID, CREATED, ERROR_CODE, FAILURE_REASON, ID};
use crate::store::{Store, manifest::Manifest};
use crate::time::{day_of, day_start, format_day};

pub const TYPE_NAME: &str = "applicationSignInDetailedSummary";

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInStatus {
    pub error_code: Option<i32>,
    pub failure_reason: Option<String>,
    pub additional_details: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppDailyDetail {
    pub id: String,
    pub app_id: String,
    pub app_display_name: Option<String>,
    pub aggregated_event_date_time: Timestamp,
    pub sign_in_count: u64,
    pub status: SignInStatus,
}

impl Tabular for AppDailyDetail {
    fn headers() -> &'static [&'static str] {
        &["day", "appDisplayName", "appId", "errorCode", "signInCount", "failureReason"]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::Text(Some(format_day(day_of(self.aggregated_event_date_time.0)))),
            Cell::text(self.app_display_name.as_deref()),
            Cell::text(Some(&self.app_id)),
            Cell::Int(self.status.error_code.map(i64::from)),
            Cell::Int(Some(self.sign_in_count as i64)),
            Cell::text(self.status.failure_reason.as_deref()),
        ]
    }
}

type Detail = (Option<String>, Option<String>, Option<String>);

#[derive(Default)]
struct DayState {
    count: u64,
    latest: Latest<Detail>,
}

#[derive(Default)]
struct Agg(Groups<HashMap<(i64, Option<i32>), DayState>>);

impl Aggregate for Agg {
    fn update(&mut self, batch: &RecordBatch, _: EventType, window: &Window) {
        let c = Columns(batch);
        let (ids, codes) = (c.text(ID), c.ints(ERROR_CODE));
        let (names, reasons, details) = (c.dict(APP_DISPLAY_NAME), c.dict(FAILURE_REASON), c.dict(ADDITIONAL_DETAILS));
        for (i, s, t) in rows_by_app(&mut self.0, batch, window) {
            let code = codes.is_valid(i).then(|| codes.value(i));
            let st = self.0.states[s].entry((day_of(t), code)).or_default();
            st.count += 1;
            st.latest.offer(t, ids.value(i), || {
                (
                    names.get(i).map(str::to_string),
                    reasons.get(i).map(str::to_string),
                    details.get(i).map(str::to_string),
                )
            });
        }
    }

    fn merge(&mut self, other: Self) {
        self.0.merge_with(other.0, |mine, theirs| {
            for (k, v) in theirs {
                let e = mine.entry(k).or_default();
                e.count += v.count;
                e.latest.merge(v.latest);
            }
        });
    }
}

/// Rows sorted by appId, day, then errorCode (unknown codes last).
pub fn compute(store: &Store, manifest: &Manifest, req: &Request) -> Result<Vec<AppDailyDetail>> {
    let sel = Selection {
        table: SIGNINS,
        event_types: req.event_types_or(&[EventType::InteractiveUser]),
        window: req.window.clone(),
    };
    let cols = [ID, CREATED, APP_ID, APP_DISPLAY_NAME, ERROR_CODE, FAILURE_REASON, ADDITIONAL_DETAILS];
    let agg = scan::run(store, manifest, &sel, &cols, Agg::default)?;
    let mut rows = Vec::new();
    for (app, days) in agg.0.into_sorted() {
        if req.app.as_ref().is_some_and(|a| !a.eq_ignore_ascii_case(&app)) {
            continue;
        }
        let mut days: Vec<_> = days.into_iter().collect();
        days.sort_by_key(|((day, code), _)| (*day, code.is_none(), *code));
        for ((day, code), st) in days {
            let (name, reason, details) = st.latest.value;
            let code_text = code.map_or("null".to_string(), |c| c.to_string());
            rows.push(AppDailyDetail {
                id: row_id(TYPE_NAME, &format!("{app}|{}|{code_text}", format_day(day))),
                app_id: app.clone(),
                app_display_name: name,
                aggregated_event_date_time: Timestamp(day_start(day)),
                sign_in_count: st.count,
                status: SignInStatus { error_code: code, failure_reason: reason, additional_details: details },
            });
        }
    }
    Ok(rows)
}
