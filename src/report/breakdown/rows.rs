//! Rows keyed by dimensions: `report breakdown` and every preset whose rows are its groups
//! (`mfa-gaps`, `auth-prompts`, `risky-sign-ins`). The dimension values, named after their
//! Graph fields, then the preset's figures.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::{Dim, Group, Val};
use crate::domain::{Cell, Outcome, Percent, Timestamp, Zone};
use crate::report::Rows;

/// A figure of a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Fig {
    Count(u64),
    /// A percentage or a ratio with two decimals.
    Percent(Percent),
    Time(Option<Timestamp>),
    Text(Option<String>),
}

impl Fig {
    fn cell(&self) -> Cell {
        match self {
            Fig::Count(n) => Cell::Int(Some(*n as i64)),
            Fig::Percent(p) => Cell::Percent(*p),
            Fig::Time(t) => Cell::Time(*t),
            Fig::Text(t) => Cell::text(t.as_deref()),
        }
    }
}

impl Serialize for Fig {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Fig::Count(n) => s.serialize_u64(*n),
            Fig::Percent(p) => p.serialize(s),
            Fig::Time(t) => t.serialize(s),
            Fig::Text(t) => t.serialize(s),
        }
    }
}

/// A row: the dimension values, then the figures.
pub struct KeyedRow {
    /// (field, value) of each dimension's fields, display names included.
    pub keys: Vec<(&'static str, Val)>,
    /// One per name of the rows' figures.
    pub figs: Vec<Fig>,
    figures: &'static [&'static str],
    /// How `day` and `hour` values are written.
    zone: Zone,
}

impl KeyedRow {
    /// The figure named `name`.
    pub fn fig(&self, name: &str) -> Option<&Fig> {
        self.figures.iter().position(|f| *f == name).map(|i| &self.figs[i])
    }

    /// The count named `name` (0 when the row has none).
    pub fn count(&self, name: &str) -> u64 {
        match self.fig(name) {
            Some(Fig::Count(n)) => *n,
            _ => 0,
        }
    }

    /// Orders by the key fields (not the display names) ascending, nulls last.
    pub fn cmp_keys(&self, other: &KeyedRow) -> Ordering {
        self.keys
            .iter()
            .zip(&other.keys)
            .filter(|((f, _), _)| !is_name_field(f))
            .map(|((_, x), (_, y))| x.cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

fn is_name_field(f: &str) -> bool {
    matches!(f, "appDisplayName" | "resourceDisplayName" | "userDisplayName" | "policyDisplayName")
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

impl Serialize for KeyedRow {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.keys.len() + self.figs.len()))?;
        for (field, v) in &self.keys {
            m.serialize_entry(field, &key_json(field, v, self.zone))?;
        }
        for (name, fig) in self.figures.iter().zip(&self.figs) {
            m.serialize_entry(name, fig)?;
        }
        m.end()
    }
}

/// Rows keyed by a list of dimensions, with headers made for them.
pub struct KeyedRows {
    headers: &'static [&'static str],
    pub rows: Vec<KeyedRow>,
}

/// The headers of a list of dimensions and figures, made once per list (a table's headers are
/// `'static`).
fn headers_for(dims: &[Dim], figures: &'static [&'static str]) -> &'static [&'static str] {
    type Made = HashMap<(Vec<Dim>, Vec<&'static str>), &'static [&'static str]>;
    static MADE: OnceLock<Mutex<Made>> = OnceLock::new();
    let mut made = MADE.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    made.entry((dims.to_vec(), figures.to_vec())).or_insert_with(|| {
        let h: Vec<&'static str> =
            dims.iter().flat_map(|d| d.fields().iter().copied()).chain(figures.iter().copied()).collect();
        Box::leak(h.into_boxed_slice())
    })
}

/// The (field, value) pairs of a group's key in the order of `dims`, display names included. A
/// list dimension's value is the key's last one, its name the last name slot.
pub fn keys_of(dims: &[Dim], g: &Group) -> Vec<(&'static str, Val)> {
    let plain = dims.iter().filter(|d| !d.is_list()).count();
    let mut keys = Vec::new();
    let mut vals = g.key.iter();
    let mut slot = 0;
    for d in dims {
        let fields = d.fields();
        let name_slot = if d.is_list() {
            keys.push((fields[0], g.key.last().cloned().unwrap_or(Val::Null)));
            plain
        } else {
            for f in &fields[..d.key_len()] {
                keys.push((*f, vals.next().cloned().unwrap_or(Val::Null)));
            }
            slot += 1;
            slot - 1
        };
        if fields.len() > d.key_len() {
            let name = g.state.names.get(name_slot).and_then(|n| n.value.clone());
            keys.push((fields[d.key_len()], Val::text(name.as_deref())));
        }
    }
    keys
}

impl KeyedRows {
    /// Rows of `groups` with `figures` (named by `figures`), in the order `order` gives.
    pub fn new(
        dims: &[Dim],
        figures: &'static [&'static str],
        groups: Vec<Group>,
        zone: Zone,
        figs: impl Fn(&Group) -> Vec<Fig>,
        order: impl Fn(&KeyedRow, &KeyedRow) -> Ordering,
    ) -> KeyedRows {
        let mut rows: Vec<KeyedRow> =
            groups.iter().map(|g| KeyedRow { keys: keys_of(dims, g), figs: figs(g), figures, zone }).collect();
        rows.sort_by(order);
        KeyedRows { headers: headers_for(dims, figures), rows }
    }
}

const FIGURES: &[&str] = &[
    "signInCount",
    "successCount",
    "interruptedCount",
    "failureCount",
    "successPercentage",
    "userCount",
    "lastSignInDateTime",
];

/// The rows of `report breakdown` (SPEC 6.1): signInCount desc, then the keys ascending (nulls
/// last); display names are not keys.
pub fn breakdown_rows(dims: &[Dim], groups: Vec<Group>, zone: Zone) -> KeyedRows {
    let figs = |g: &Group| {
        let s = &g.state;
        let success = s.count(Outcome::Success);
        vec![
            Fig::Count(s.sign_ins()),
            Fig::Count(success),
            Fig::Count(s.count(Outcome::Interrupted)),
            Fig::Count(s.count(Outcome::Failure)),
            Fig::Percent(Percent::of(success, s.sign_ins())),
            Fig::Count(s.users.len() as u64),
            Fig::Time(s.last.map(|t| zone.at(t))),
        ]
    };
    KeyedRows::new(dims, FIGURES, groups, zone, figs, |a, b| {
        b.count("signInCount").cmp(&a.count("signInCount")).then_with(|| a.cmp_keys(b))
    })
}

impl Rows for KeyedRows {
    fn headers(&self) -> &'static [&'static str] {
        self.headers
    }
    fn len(&self) -> usize {
        self.rows.len()
    }
    fn cells(&self, i: usize) -> Vec<Cell> {
        let r = &self.rows[i];
        let mut cells: Vec<Cell> = r.keys.iter().map(|(f, v)| key_cell(f, v, r.zone)).collect();
        cells.extend(r.figs.iter().map(Fig::cell));
        cells
    }
    fn json(&self, i: usize) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(&self.rows[i])
    }
    fn write_collection(&self, context: &str, out: &mut dyn std::io::Write) -> serde_json::Result<()> {
        serde_json::to_writer_pretty(out, &crate::report::Collection { context, value: self.rows.as_slice() })
    }
    fn retain_apps(&mut self, ids: &[String]) {
        self.rows.retain(|r| {
            r.keys.iter().any(|(f, v)| *f == "appId" && v.as_str().is_some_and(|a| super::super::is_one_of(a, ids)))
        });
    }
    fn truncate(&mut self, n: usize) {
        self.rows.truncate(n);
    }
}
