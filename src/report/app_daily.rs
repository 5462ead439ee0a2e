//! Daily detail (SPEC 3.2, Graph `applicationSignInDetailedSummary`): interactive user
//! sign-ins per (appId, day, errorCode), with the status of the group's latest sign-in. Days
//! are UTC calendar days, or those of the window's zone. The data behind the per-app daily chart.

use std::collections::HashMap;

use arrow_array::{Array, RecordBatch};
use serde::Serialize;

use super::catalog::{Answer, Opt, Report};
use super::{Request, Tabular, row_id};
use crate::domain::time::format_day;
use crate::domain::{Cell, EventType, Timestamp, Zone};
use crate::error::Result;
use crate::merge_fields;
use crate::scan::{self, Aggregate, Columns, Groups, Latest, rows_by_app};
use crate::store::schema::{ADDITIONAL_DETAILS, APP_DISPLAY_NAME, APP_ID, CREATED, ERROR_CODE, FAILURE_REASON, ID};
use crate::store::{SIGNINS, Store, manifest::Manifest};

pub const TYPE_NAME: &str = "applicationSignInDetailedSummary";

pub const REPORT: Report = Report {
    name: "app-daily",
    graph_name: Some("applicationSignInDetailedSummary"),
    about: "Daily detail per app and error code (applicationSignInDetailedSummary).",
    title: "Application activity by day",
    table: SIGNINS,
    event_types: &[EventType::InteractiveUser],
    options: &[Opt::EventTypes, Opt::App],
    run: |q| Ok(Answer::rows(TYPE_NAME, compute(q.store, q.manifest, &q.request)?)),
};

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
            Cell::Text(Some(format_day(self.aggregated_event_date_time.day()))),
            Cell::text(self.app_display_name.as_deref()),
            Cell::text(Some(&self.app_id)),
            Cell::Int(self.status.error_code.map(i64::from)),
            Cell::Int(Some(self.sign_in_count as i64)),
            Cell::text(self.status.failure_reason.as_deref()),
        ]
    }
    fn app_id(&self) -> Option<&str> {
        Some(&self.app_id)
    }
}

type Detail = (Option<String>, Option<String>, Option<String>);

#[derive(Default)]
struct DayState {
    count: u64,
    latest: Latest<Detail>,
}
merge_fields!(DayState { count, latest });

struct Agg {
    zone: Zone,
    apps: Groups<HashMap<(i64, Option<i32>), DayState>>,
}
merge_fields!(Agg { apps });

impl Aggregate for Agg {
    type Output = Vec<AppDailyDetail>;

    fn update(&mut self, batch: &RecordBatch, _: EventType) {
        let c = Columns(batch);
        let (ids, codes) = (c.text(ID), c.ints(ERROR_CODE));
        let (names, reasons, details) = (c.dict(APP_DISPLAY_NAME), c.dict(FAILURE_REASON), c.dict(ADDITIONAL_DETAILS));
        for (i, s, t) in rows_by_app(&mut self.apps, batch) {
            let code = codes.is_valid(i).then(|| codes.value(i));
            let st = self.apps.states[s].entry((self.zone.day_of(t), code)).or_default();
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

    /// Rows sorted by appId, day, then errorCode (unknown codes last).
    fn finish(self) -> Vec<AppDailyDetail> {
        let mut rows = Vec::new();
        for (app, days) in self.apps.into_sorted() {
            let mut days: Vec<_> = days.into_iter().collect();
            days.sort_by_key(|((day, code), _)| (*day, code.is_none(), *code));
            for ((day, code), st) in days {
                let (name, reason, details) = st.latest.value;
                let code_text = code.map_or("null".to_string(), |c| c.to_string());
                rows.push(AppDailyDetail {
                    id: row_id(TYPE_NAME, &format!("{app}|{}|{code_text}", format_day(day))),
                    app_id: app.clone(),
                    app_display_name: name,
                    aggregated_event_date_time: self.zone.at(self.zone.day_start(day)),
                    sign_in_count: st.count,
                    status: SignInStatus { error_code: code, failure_reason: reason, additional_details: details },
                });
            }
        }
        rows
    }
}

/// Rows sorted by appId, day, then errorCode (unknown codes last).
pub fn compute(store: &Store, manifest: &Manifest, req: &Request) -> Result<Vec<AppDailyDetail>> {
    let sel = req.selection(SIGNINS, REPORT.event_types);
    let cols = [ID, CREATED, APP_ID, APP_DISPLAY_NAME, ERROR_CODE, FAILURE_REASON, ADDITIONAL_DETAILS];
    scan::run(store, manifest, &sel, &cols, || Agg { zone: req.zone(), apps: Groups::default() })
}
