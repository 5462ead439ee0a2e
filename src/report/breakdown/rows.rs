//! The rows of `report breakdown`: the dimension values, named after their Graph fields, then
//! the figures.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::{Dim, Group, Val};
use crate::domain::{Cell, Outcome, Percent, Timestamp, Zone};
use crate::report::Rows;

/// A breakdown row: the dimension values, then the figures.
pub struct BreakdownRow {
    /// (field, value) of each dimension's fields, display names included.
    pub keys: Vec<(&'static str, Val)>,
    pub sign_in_count: u64,
    pub success_count: u64,
    pub interrupted_count: u64,
    pub failure_count: u64,
    pub success_percentage: Percent,
    pub user_count: u64,
    pub last_sign_in_date_time: Option<Timestamp>,
    /// How `day` and `hour` values are written.
    zone: Zone,
}

fn key_json(field: &str, v: &Val, zone: Zone) -> serde_json::Value {
    match (field, v) {
        (_, Val::Null) => serde_json::Value::Null,
        ("date", Val::Int(day)) => crate::domain::time::format_day(*day).into(),
        ("hour", Val::Int(us)) => zone.format(*us).into(),
        (_, Val::Int(n)) => (*n).into(),
        (_, Val::Bool(b)) => (*b).into(),
        (_, Val::Text(s)) => s.to_string().into(),
    }
}

fn key_cell(field: &str, v: &Val, zone: Zone) -> Cell {
    match (field, v) {
        ("date", Val::Int(day)) => Cell::Text(Some(crate::domain::time::format_day(*day))),
        ("hour", Val::Int(us)) => Cell::Time(Some(zone.at(*us))),
        ("errorCode", Val::Int(n)) => Cell::Int(Some(*n)),
        ("errorCode", Val::Null) => Cell::Int(None),
        (_, Val::Int(n)) => Cell::Int(Some(*n)),
        (_, Val::Bool(b)) => Cell::Text(Some(b.to_string())),
        (_, Val::Text(s)) => Cell::Text(Some(s.to_string())),
        (_, Val::Null) => Cell::Text(None),
    }
}

impl Serialize for BreakdownRow {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.keys.len() + 7))?;
        for (field, v) in &self.keys {
            m.serialize_entry(field, &key_json(field, v, self.zone))?;
        }
        m.serialize_entry("signInCount", &self.sign_in_count)?;
        m.serialize_entry("successCount", &self.success_count)?;
        m.serialize_entry("interruptedCount", &self.interrupted_count)?;
        m.serialize_entry("failureCount", &self.failure_count)?;
        m.serialize_entry("successPercentage", &self.success_percentage)?;
        m.serialize_entry("userCount", &self.user_count)?;
        m.serialize_entry("lastSignInDateTime", &self.last_sign_in_date_time)?;
        m.end()
    }
}

/// The rows of a breakdown, with headers made for its dimensions.
pub struct BreakdownRows {
    headers: &'static [&'static str],
    pub rows: Vec<BreakdownRow>,
}

const FIGURES: [&str; 7] = [
    "signInCount",
    "successCount",
    "interruptedCount",
    "failureCount",
    "successPercentage",
    "userCount",
    "lastSignInDateTime",
];

/// The headers of a list of dimensions, made once per list (a table's headers are `'static`).
fn headers_for(dims: &[Dim]) -> &'static [&'static str] {
    static MADE: OnceLock<Mutex<HashMap<Vec<Dim>, &'static [&'static str]>>> = OnceLock::new();
    let mut made = MADE.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    made.entry(dims.to_vec()).or_insert_with(|| {
        let h: Vec<&'static str> =
            dims.iter().flat_map(|d| d.fields().iter().copied()).chain(FIGURES.iter().copied()).collect();
        Box::leak(h.into_boxed_slice())
    })
}

impl BreakdownRows {
    pub fn new(dims: &[Dim], groups: Vec<Group>, zone: Zone) -> BreakdownRows {
        let mut rows: Vec<BreakdownRow> = groups
            .into_iter()
            .map(|g| {
                let mut keys = Vec::new();
                let mut vals = g.key.into_iter();
                for (slot, d) in dims.iter().enumerate() {
                    let fields = d.fields();
                    for f in &fields[..d.key_len()] {
                        keys.push((*f, vals.next().unwrap_or(Val::Null)));
                    }
                    if d.name_column().is_some() {
                        let name = g.state.names.get(slot).and_then(|n| n.value.clone());
                        keys.push((fields[d.key_len()], Val::text(name.as_deref())));
                    }
                }
                let s = &g.state;
                let success = s.count(Outcome::Success);
                BreakdownRow {
                    keys,
                    sign_in_count: s.sign_ins(),
                    success_count: success,
                    interrupted_count: s.count(Outcome::Interrupted),
                    failure_count: s.count(Outcome::Failure),
                    success_percentage: Percent::of(success, s.sign_ins()),
                    user_count: s.users.len() as u64,
                    last_sign_in_date_time: s.last.map(|t| zone.at(t)),
                    zone,
                }
            })
            .collect();
        // signInCount desc, then the keys ascending (nulls last); display names are not keys.
        let key_fields: Vec<bool> = dims
            .iter()
            .flat_map(|d| {
                let n = d.key_len();
                (0..d.fields().len()).map(move |i| i < n)
            })
            .collect();
        rows.sort_by(|a, b| {
            b.sign_in_count.cmp(&a.sign_in_count).then_with(|| {
                a.keys
                    .iter()
                    .zip(&b.keys)
                    .zip(&key_fields)
                    .filter(|(_, k)| **k)
                    .map(|((x, y), _)| x.1.cmp(&y.1))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            })
        });
        BreakdownRows { headers: headers_for(dims), rows }
    }
}

impl Rows for BreakdownRows {
    fn headers(&self) -> &'static [&'static str] {
        self.headers
    }
    fn len(&self) -> usize {
        self.rows.len()
    }
    fn cells(&self, i: usize) -> Vec<Cell> {
        let r = &self.rows[i];
        let mut cells: Vec<Cell> = r.keys.iter().map(|(f, v)| key_cell(f, v, r.zone)).collect();
        cells.extend([
            Cell::Int(Some(r.sign_in_count as i64)),
            Cell::Int(Some(r.success_count as i64)),
            Cell::Int(Some(r.interrupted_count as i64)),
            Cell::Int(Some(r.failure_count as i64)),
            Cell::Percent(r.success_percentage),
            Cell::Int(Some(r.user_count as i64)),
            Cell::Time(r.last_sign_in_date_time),
        ]);
        cells
    }
    fn json(&self, i: usize) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(&self.rows[i])
    }
    fn write_collection(&self, context: &str, out: &mut dyn std::io::Write) -> serde_json::Result<()> {
        serde_json::to_writer_pretty(out, &crate::report::Collection { context, value: self.rows.as_slice() })
    }
    fn retain_app(&mut self, app: &str) {
        self.rows.retain(|r| {
            r.keys.iter().any(|(f, v)| *f == "appId" && v.as_str().is_some_and(|a| a.eq_ignore_ascii_case(app)))
        });
    }
    fn truncate(&mut self, n: usize) {
        self.rows.truncate(n);
    }
}
