//! One file per report: its Graph-shaped model, the [`Aggregate`](crate::scan::Aggregate) that
//! builds it, its order, and its entry in the [`catalog`] (the place to start reading: every
//! report described once, for the command line, the captions, the HTML page and the workbook).
//! Semantics are SPEC section 3 (`docs/SPEC.md`); success is `errorCode == 0`, and a missing
//! error code counts as a failure (it is not a proven success).

pub mod adfs;
pub mod adfs_checks;
pub mod app_daily;
pub mod app_errors;
pub mod app_last_signin;
pub mod apps;
pub mod audit_ops;
pub mod auth_events;
pub mod auth_methods;
pub mod auth_registration;
pub mod auth_usage;
pub mod breakdown;
pub mod catalog;
pub mod claim_policy;
pub mod credentials;
pub mod headline;
pub mod investigate;
pub mod names;
pub mod service_principals;
pub mod signins;
pub mod workbooks;

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::domain::{Cell, EventType, Zone};
use crate::scan::{Selection, Window};
use crate::store::SIGNINS;
use crate::store::manifest::Manifest;

/// The latest event time in the `signins` table: the default as-of.
pub fn latest_event(manifest: &Manifest) -> Option<i64> {
    latest_event_in(manifest, SIGNINS)
}

/// The latest event time in `table`.
pub fn latest_event_in(manifest: &Manifest, table: &str) -> Option<i64> {
    manifest.files(table).iter().map(|f| f.max_time_us).max()
}

/// The earliest and latest event time in `table`, if it holds any.
pub fn span_in(manifest: &Manifest, table: &str) -> Option<(i64, i64)> {
    let files = manifest.files(table);
    Some((files.iter().map(|f| f.min_time_us).min()?, files.iter().map(|f| f.max_time_us).max()?))
}

/// Deterministic id of a report row that Graph leaves opaque: UUID v5 of its grouping key.
pub fn row_id(kind: &str, key: &str) -> String {
    const NAMESPACE: Uuid = Uuid::from_u128(0x6c1f_3d2e_9a4b_5c6d_8e7f_0a1b_2c3d_4e5f);
    Uuid::new_v5(&NAMESPACE, format!("{kind}|{key}").as_bytes()).to_string()
}

/// What every report is asked: the window (with the zone its days are counted in) and, where
/// it applies, which event types to read and how many error codes per app to keep.
#[derive(Clone, Debug)]
pub struct Request {
    pub window: Window,
    /// Overrides the report's default event types (`--event-types`).
    pub event_types: Option<Vec<EventType>>,
    /// `app-errors`: error codes per application (default 5).
    pub top: Option<usize>,
}

impl Request {
    pub fn new(window: Window) -> Request {
        Request { window, event_types: None, top: None }
    }

    pub fn event_types_or(&self, default: &[EventType]) -> Vec<EventType> {
        self.event_types.clone().unwrap_or_else(|| default.to_vec())
    }

    /// The zone days are bucketed in and times shown in.
    pub fn zone(&self) -> Zone {
        self.window.zone
    }

    /// The rows of `table` a report reads: the asked event types (else `default`) in the window.
    pub fn selection(&self, table: &'static str, default: &[EventType]) -> Selection {
        Selection { table, event_types: self.event_types_or(default), window: self.window.clone() }
    }
}

/// Graph `@odata.context` for a single object of `type_name`.
pub fn object_context(type_name: &str) -> String {
    format!("https://graph.microsoft.com/beta/$metadata#microsoft.graph.{type_name}")
}

/// Graph `@odata.context` for a collection of `type_name`.
pub fn context(type_name: &str) -> String {
    format!("https://graph.microsoft.com/beta/$metadata#Collection(microsoft.graph.{type_name})")
}

/// Graph's shape of a collection answer.
#[derive(Serialize)]
pub struct Collection<'a, T> {
    #[serde(rename = "@odata.context")]
    pub context: &'a str,
    pub value: &'a [T],
}

/// A report row: its Graph shape (serde) and a flat row of cells for tables, CSV and sheets.
pub trait Tabular: Serialize {
    fn headers() -> &'static [&'static str];
    fn cells(&self) -> Vec<Cell>;
    /// The application the row is about, for `--app`; `None` for rows about no application.
    fn app_id(&self) -> Option<&str> {
        None
    }
}

/// The rows of any report, whatever their type: what the renderers, the HTML page and the
/// workbook take.
pub trait Rows {
    fn headers(&self) -> &'static [&'static str];
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn cells(&self, i: usize) -> Vec<Cell>;
    /// Row `i` in its Graph shape.
    fn json(&self, i: usize) -> serde_json::Result<Value>;
    /// The rows as Graph returns a collection, `{"@odata.context": ..., "value": [...]}`, pretty,
    /// written straight from the rows (no `Value` per row: a report may have many).
    fn write_collection(&self, context: &str, out: &mut dyn std::io::Write) -> serde_json::Result<()>;
    /// Keeps the rows about the applications `ids` (appIds, ignoring case).
    fn retain_apps(&mut self, ids: &[String]);
    fn truncate(&mut self, n: usize);
}

/// Whether the appId `id` is one of `ids` (ignoring case and surrounding space).
pub fn is_one_of(id: &str, ids: &[String]) -> bool {
    let id = id.trim();
    ids.iter().any(|i| i.trim().eq_ignore_ascii_case(id))
}

impl<T: Tabular> Rows for Vec<T> {
    fn headers(&self) -> &'static [&'static str] {
        T::headers()
    }
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn cells(&self, i: usize) -> Vec<Cell> {
        self[i].cells()
    }
    fn json(&self, i: usize) -> serde_json::Result<Value> {
        serde_json::to_value(&self[i])
    }
    fn write_collection(&self, context: &str, out: &mut dyn std::io::Write) -> serde_json::Result<()> {
        serde_json::to_writer_pretty(out, &Collection { context, value: self.as_slice() })
    }
    fn retain_apps(&mut self, ids: &[String]) {
        self.retain(|r| r.app_id().is_some_and(|a| is_one_of(a, ids)));
    }
    fn truncate(&mut self, n: usize) {
        Vec::truncate(self, n);
    }
}
