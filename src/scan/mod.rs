//! Parallel scans and group-bys over the store's row groups (rayon).
//!
//! A report supplies an [`Aggregate`]: `update` folds one record batch into integer state,
//! `merge` combines two states, and the report's own `finish` turns the state into sorted rows.
//! Because states hold only counts and order-independent maxima, the thread count and the
//! order of row groups cannot change a digit of the output.

#[cfg(feature = "sql")]
pub mod sql;

use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, TimestampMicrosecondType};
use arrow_array::{Array, Int32Array, PrimitiveArray, RecordBatch, StringArray};
use rayon::prelude::*;

use crate::error::Result;
use crate::normalize::EventType;
use crate::report::window::Window;
use crate::store::manifest::{FileEntry, Manifest};
use crate::store::{Store, reader};

/// Which sign-ins a scan reads: the table (`signins` or `adfs_signins`), the event types and
/// the time window.
#[derive(Clone, Debug)]
pub struct Selection {
    pub table: &'static str,
    pub event_types: Vec<EventType>,
    pub window: Window,
}

impl Selection {
    /// The files that can hold selected rows (partition and time-range pruning).
    pub fn files(&self, manifest: &Manifest) -> Vec<FileEntry> {
        manifest
            .files(self.table)
            .iter()
            .filter(|f| EventType::parse(&f.event_type).is_some_and(|t| self.event_types.contains(&t)))
            .filter(|f| f.max_time_us >= self.window.start_us && f.min_time_us < self.window.end_us)
            .cloned()
            .collect()
    }
}

/// State folded over record batches. See the module doc.
pub trait Aggregate: Send + Sized {
    /// Folds in `batch`, whose rows all have `event_type`; rows outside `window` are skipped.
    fn update(&mut self, batch: &RecordBatch, event_type: EventType, window: &Window);
    fn merge(&mut self, other: Self);
}

/// Runs `make()`-fresh aggregates over every selected row group in parallel and merges them.
pub fn run<A: Aggregate>(
    store: &Store,
    manifest: &Manifest,
    sel: &Selection,
    columns: &[&str],
    make: impl Fn() -> A + Sync,
) -> Result<A> {
    let groups = reader::row_groups(store, &sel.files(manifest))?;
    groups
        .par_iter()
        .map(|rg| {
            let mut agg = make();
            let event_type = EventType::parse(&rg.entry.event_type).unwrap_or(EventType::Unknown);
            for batch in rg.read(columns)? {
                agg.update(&batch, event_type, &sel.window);
            }
            Ok(agg)
        })
        .try_reduce(&make, |mut a, b| {
            a.merge(b);
            Ok(a)
        })
}

/// Typed access to a batch's columns by name. Panics on a schema mismatch, which the store's
/// fixed schema rules out.
pub struct Columns<'a>(pub &'a RecordBatch);

impl<'a> Columns<'a> {
    fn col(&self, name: &str) -> &'a dyn Array {
        self.0.column_by_name(name).unwrap_or_else(|| panic!("column {name} not read")).as_ref()
    }
    pub fn times(&self, name: &str) -> &'a PrimitiveArray<TimestampMicrosecondType> {
        self.col(name).as_primitive::<TimestampMicrosecondType>()
    }
    pub fn ints(&self, name: &str) -> &'a Int32Array {
        self.col(name).as_primitive::<Int32Type>()
    }
    pub fn text(&self, name: &str) -> &'a StringArray {
        self.col(name).as_string::<i32>()
    }
    pub fn dict(&self, name: &str) -> DictText<'a> {
        let d = self.col(name).as_dictionary::<Int32Type>();
        DictText { keys: d.keys(), values: d.values().as_string::<i32>() }
    }
}

/// A dictionary-encoded text column: dense keys into a small value array.
pub struct DictText<'a> {
    pub keys: &'a PrimitiveArray<Int32Type>,
    pub values: &'a StringArray,
}

impl<'a> DictText<'a> {
    /// Dictionary key of row `i`; `None` for null.
    pub fn key(&self, i: usize) -> Option<usize> {
        self.keys.is_valid(i).then(|| self.keys.value(i) as usize)
    }
    pub fn get(&self, i: usize) -> Option<&'a str> {
        self.key(i).filter(|&k| self.values.is_valid(k)).map(|k| self.values.value(k))
    }
}

/// Text of row `i` of a plain text column.
pub fn text_at(a: &StringArray, i: usize) -> Option<&str> {
    a.is_valid(i).then(|| a.value(i))
}

/// Groups rows by a text key into a `Vec` of states, looking each dictionary key up once per
/// batch instead of hashing every row.
pub struct Groups<S> {
    pub index: HashMap<String, usize>,
    pub states: Vec<S>,
}

impl<S> Default for Groups<S> {
    fn default() -> Self {
        Groups { index: HashMap::new(), states: Vec::new() }
    }
}

impl<S: Default> Groups<S> {
    pub fn slot(&mut self, key: &str) -> usize {
        if let Some(&i) = self.index.get(key) {
            return i;
        }
        self.states.push(S::default());
        self.index.insert(key.to_string(), self.states.len() - 1);
        self.states.len() - 1
    }

    /// The group slot of each of `rows`, looking each dictionary key up once per batch
    /// (null keys go to the empty-string group).
    pub fn slots(&mut self, dict: &DictText<'_>, rows: &[usize]) -> Vec<usize> {
        let null_key = dict.values.len();
        let mut cache = vec![usize::MAX; null_key + 1];
        rows.iter()
            .map(|&row| {
                let k = dict.key(row).unwrap_or(null_key);
                if cache[k] == usize::MAX {
                    cache[k] = self.slot(if k == null_key { "" } else { dict.values.value(k) });
                }
                cache[k]
            })
            .collect()
    }

    /// Merges `other` into `self` with `f(mine, theirs)`.
    pub fn merge_with(&mut self, other: Groups<S>, mut f: impl FnMut(&mut S, S)) {
        let mut theirs: Vec<Option<S>> = other.states.into_iter().map(Some).collect();
        for (key, i) in other.index {
            let slot = self.slot(&key);
            f(&mut self.states[slot], theirs[i].take().expect("each slot once"));
        }
    }

    /// Consumes the groups as (key, state) pairs in key order.
    pub fn into_sorted(self) -> Vec<(String, S)> {
        let mut states: Vec<Option<S>> = self.states.into_iter().map(Some).collect();
        let mut out: Vec<(String, S)> =
            self.index.into_iter().map(|(k, i)| (k, states[i].take().expect("each slot once"))).collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

/// The rows of `batch` inside `window`, each as (row, group slot by appId, created): the
/// opening of every per-app report's `update`.
pub fn rows_by_app<S: Default>(
    groups: &mut Groups<S>,
    batch: &RecordBatch,
    window: &Window,
) -> Vec<(usize, usize, i64)> {
    let c = Columns(batch);
    let created = c.times(crate::store::schema::CREATED);
    let rows: Vec<usize> = (0..batch.num_rows()).filter(|&i| window.contains(created.value(i))).collect();
    let slots = groups.slots(&c.dict(crate::store::schema::APP_ID), &rows);
    rows.into_iter().zip(slots).map(|(i, s)| (i, s, created.value(i))).collect()
}

/// The latest of a set of sign-ins by (created, id), with a value taken from it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Latest<T> {
    pub at: Option<(i64, String)>,
    pub value: T,
}

impl<T> Latest<T> {
    /// True when (`t`, `id`) is later than the current latest: the caller then calls `set`.
    pub fn beats(&self, t: i64, id: &str) -> bool {
        match &self.at {
            None => true,
            Some((ct, cid)) => t > *ct || (t == *ct && id > cid.as_str()),
        }
    }

    pub fn set(&mut self, t: i64, id: &str, value: T) {
        self.at = Some((t, id.to_string()));
        self.value = value;
    }

    pub fn offer(&mut self, t: i64, id: &str, value: impl FnOnce() -> T) {
        if self.beats(t, id) {
            self.set(t, id, value());
        }
    }

    pub fn merge(&mut self, other: Latest<T>) {
        if let Some((t, id)) = &other.at
            && self.beats(*t, id)
        {
            *self = other;
        }
    }

    pub fn time(&self) -> Option<i64> {
        self.at.as_ref().map(|a| a.0)
    }

    pub fn id(&self) -> Option<&str> {
        self.at.as_ref().map(|a| a.1.as_str())
    }
}
