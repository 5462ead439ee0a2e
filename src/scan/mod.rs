//! Parallel scans and group-bys over the store's row groups (rayon).
//!
//! A report supplies an [`Aggregate`] and a [`Selection`] (table, event types, [`Window`]).
//! [`run`] prunes partitions and files by the selection, reads the row groups in parallel, keeps
//! only the rows inside the window (so no aggregate checks it again), folds the batches of each
//! rayon job into one state with `update`, combines the states with [`Merge`], and ends with
//! `finish`, which turns the state into the report's sorted rows. Because states hold only counts and
//! order-independent maxima ([`merge`]), the thread count and the order of row groups cannot
//! change a digit of the output.

pub mod latest;
pub mod merge;
#[cfg(feature = "sql")]
pub mod sql;
pub mod window;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, TimestampMicrosecondType};
use arrow_array::{Array, BooleanArray, Int32Array, PrimitiveArray, RecordBatch, StringArray};
use rayon::prelude::*;
use std::sync::Arc;

use crate::domain::EventType;
use crate::error::{Error, Result};
use crate::store::manifest::{FileEntry, Manifest};
use crate::store::reader::{Keep, RowGroup};
use crate::store::schema::CREATED;
use crate::store::{Store, reader};
pub use merge::{Groups, Latest, Merge};
pub use window::{Period, Window};

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

/// State folded over record batches, merged across threads, and finished into rows. See the
/// module doc.
pub trait Aggregate: Merge + Send + Sized {
    type Output;
    /// Folds in `batch`: rows of one event type, every one inside the selection's window.
    fn update(&mut self, batch: &RecordBatch, event_type: EventType);
    /// The report's rows, sorted.
    fn finish(self) -> Self::Output;
}

/// Two aggregates fed by one scan (each reads the columns it needs of the batches both see):
/// a report and the names beside its ids, say, without reading the store twice.
impl<A: Aggregate, B: Aggregate> Aggregate for (A, B) {
    type Output = (A::Output, B::Output);

    fn update(&mut self, batch: &RecordBatch, event_type: EventType) {
        self.0.update(batch, event_type);
        self.1.update(batch, event_type);
    }

    fn finish(self) -> Self::Output {
        (self.0.finish(), self.1.finish())
    }
}

/// Runs `make()`-fresh aggregates over every selected row group in parallel, merges them and
/// finishes the result. `columns` are the columns `update` reads (`created` is always read:
/// the window needs it).
pub fn run<A: Aggregate>(
    store: &Store,
    manifest: &Manifest,
    sel: &Selection,
    columns: &[&str],
    make: impl Fn() -> A + Sync,
) -> Result<A::Output> {
    Ok(run_where(store, manifest, sel, None, columns, make)?.0)
}

/// Which rows a scan reads: `keep` sees the `columns` of each batch, and only the row groups
/// `open` allows are read at all.
pub struct Where<'a> {
    pub columns: &'a [&'a str],
    pub keep: Keep,
    pub open: Box<dyn Fn(&RowGroup) -> bool + Send + Sync>,
}

/// [`run`], reading only the rows `filter` keeps (the other columns are decoded for those rows
/// only); also says how many row groups were opened, of how many selected.
pub fn run_where<A: Aggregate>(
    store: &Store,
    manifest: &Manifest,
    sel: &Selection,
    filter: Option<&Where<'_>>,
    columns: &[&str],
    make: impl Fn() -> A + Sync,
) -> Result<(A::Output, usize, usize)> {
    let (state, opened, selected) = fold(store, manifest, sel, filter, columns, None, make)?;
    Ok((state.finish(), opened, selected))
}

/// The merged state of [`run_where`], not finished. A text column named in `blank` is not read:
/// `update` sees it empty on every row.
fn fold<A: Aggregate>(
    store: &Store,
    manifest: &Manifest,
    sel: &Selection,
    filter: Option<&Where<'_>>,
    columns: &[&str],
    blank: Option<&str>,
    make: impl Fn() -> A + Sync,
) -> Result<(A, usize, usize)> {
    let mut columns: Vec<&str> = columns.iter().copied().filter(|c| Some(*c) != blank).collect();
    if !columns.contains(&CREATED) {
        columns.push(CREATED);
    }
    let all = reader::row_groups(store, sel.table, &sel.files(manifest))?;
    let selected = all.len();
    let groups: Vec<RowGroup> = match filter {
        Some(f) => all.into_iter().filter(|rg| (f.open)(rg)).collect(),
        None => all,
    };
    // Each rayon job folds its share of the row groups into one state (so a state is made and
    // merged once per job, not once per row group), then the jobs' states are merged.
    let state = groups
        .par_iter()
        .try_fold(&make, |mut agg, rg| {
            let event_type = EventType::parse(&rg.entry.event_type).unwrap_or(EventType::Unknown);
            let batches = match filter {
                Some(f) => rg.read_where(f.columns, f.keep.clone(), &columns)?,
                None => rg.read(&columns)?,
            };
            for batch in batches {
                let mut batch = inside(&batch, &sel.window).map_err(|e| Error::arrow(&rg.path, e))?;
                if let Some(name) = blank {
                    batch = with_blank(&batch, name).map_err(|e| Error::arrow(&rg.path, e))?;
                }
                if batch.num_rows() > 0 {
                    agg.update(&batch, event_type);
                }
            }
            Ok::<A, Error>(agg)
        })
        .try_reduce(&make, |mut a, b| {
            a.merge(b);
            Ok(a)
        })?;
    Ok((state, groups.len(), selected))
}

/// `batch` with a text column `name` of empty strings added.
fn with_blank(batch: &RecordBatch, name: &str) -> std::result::Result<RecordBatch, arrow_schema::ArrowError> {
    let empty: arrow_array::ArrayRef =
        Arc::new(StringArray::from_iter_values(std::iter::repeat_n("", batch.num_rows())));
    let mut fields: Vec<arrow_schema::FieldRef> = batch.schema().fields().iter().cloned().collect();
    fields.push(Arc::new(arrow_schema::Field::new(name, arrow_schema::DataType::Utf8, true)));
    let mut arrays = batch.columns().to_vec();
    arrays.push(empty);
    RecordBatch::try_new(Arc::new(arrow_schema::Schema::new(fields)), arrays)
}

/// The rows of `batch` whose `created` lies inside `window`: the batch itself when all do (most
/// row groups), else a filtered copy.
fn inside(batch: &RecordBatch, window: &Window) -> std::result::Result<RecordBatch, arrow_schema::ArrowError> {
    let created = Columns(batch).times(CREATED);
    if created.values().iter().all(|&t| window.contains(t)) {
        return Ok(batch.clone());
    }
    let keep: BooleanArray = created.values().iter().map(|&t| Some(window.contains(t))).collect();
    arrow_select::filter::filter_record_batch(batch, &keep)
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
    pub fn bools(&self, name: &str) -> &'a BooleanArray {
        self.col(name).as_boolean()
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

impl DictText<'_> {
    /// The latest row (the later time, then the greater sign-in id, as [`Latest`] orders them)
    /// of each dictionary key among the rows `take` accepts (it sees the row and its key);
    /// `None` for a key no such row has. One pass, no hashing: the way to feed a per-key
    /// [`Latest`] once per batch rather than once per row.
    pub fn latest_by_key(
        &self,
        created: &PrimitiveArray<TimestampMicrosecondType>,
        ids: &StringArray,
        take: impl Fn(usize, usize) -> bool,
    ) -> Vec<Option<usize>> {
        let mut best: Vec<Option<usize>> = vec![None; self.values.len()];
        for i in 0..self.keys.len() {
            let Some(k) = self.key(i) else { continue };
            if !take(i, k) {
                continue;
            }
            let later = best[k].is_none_or(|j| {
                let (t, u) = (created.value(i), created.value(j));
                t > u || (t == u && ids.value(i) > ids.value(j))
            });
            if later {
                best[k] = Some(i);
            }
        }
        best
    }
}

/// Text of row `i` of a plain text column.
pub fn text_at(a: &StringArray, i: usize) -> Option<&str> {
    a.is_valid(i).then(|| a.value(i))
}

/// Each row of `batch` with its group slot by appId and its time: the opening of every per-app
/// report's `update`.
pub fn rows_by_app<S: Default>(groups: &mut Groups<S>, batch: &RecordBatch) -> Vec<(usize, usize, i64)> {
    let c = Columns(batch);
    let created = c.times(CREATED);
    let slots = groups.slots(&c.dict(crate::store::schema::APP_ID), 0..batch.num_rows());
    slots.into_iter().enumerate().map(|(i, s)| (i, s, created.value(i))).collect()
}

/// Whether row `i` of an error-code column is a success (`errorCode == 0`); a missing code is
/// not a proven success.
pub fn is_success(codes: &Int32Array, i: usize) -> bool {
    codes.is_valid(i) && codes.value(i) == 0
}
