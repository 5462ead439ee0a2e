//! Latest-of-each reports in two passes. A state made only of [`Latest`](super::Latest)
//! maxima (the latest sign-in of each app, of each role...) needs the sign-in id only to break
//! ties of time, yet the id is the widest column a scan of every sign-in reads. So the first
//! pass reads every row but not the id (each maximum then holds the right time and an
//! arbitrary row of that time), and the second reads again, with ids, only the rows at one of
//! those times, opening only the row groups whose statistics can hold one. Every maximum's true
//! row is among them (it has its maximum's time), so the second pass's state is the one a
//! single pass over everything would give, digit for digit; and it must find every maximum at
//! the time the first found, or the statistics of a damaged file misled it and one pass over
//! everything is made instead.

use std::sync::Arc;

use arrow_array::{BooleanArray, RecordBatch};

use super::{Aggregate, Columns, Selection, Where, fold};
use crate::error::Result;
use crate::store::Store;
use crate::store::manifest::Manifest;
use crate::store::schema::{CREATED, ID};

/// An aggregate whose state is only [`Latest`](super::Latest)-like maxima over (time, sign-in
/// id): no counts, nothing that depends on how many rows it saw.
pub trait Latests: Aggregate {
    /// Pushes the time every maximum of the state holds.
    fn times(&self, into: &mut Vec<i64>);
}

impl<A: Latests, B: Latests> Latests for (A, B) {
    fn times(&self, into: &mut Vec<i64>) {
        self.0.times(into);
        self.1.times(into);
    }
}

/// [`super::run`] for a [`Latests`] aggregate, in the two passes of the module doc.
pub fn run_latest<A: Latests>(
    store: &Store,
    manifest: &Manifest,
    sel: &Selection,
    columns: &[&str],
    make: impl Fn() -> A + Sync,
) -> Result<A::Output> {
    let (first, _, _) = fold(store, manifest, sel, None, columns, Some(ID), &make)?;
    let mut found = Vec::new();
    first.times(&mut found);
    found.sort_unstable();
    let mut times = found.clone();
    times.dedup();
    let times = Arc::new(times);
    let at = times.clone();
    let keep = Arc::new(move |b: &RecordBatch| -> BooleanArray {
        Columns(b).times(CREATED).values().iter().map(|t| Some(at.binary_search(t).is_ok())).collect()
    });
    let open = Box::new(move |rg: &crate::store::reader::RowGroup| match rg.range_of(CREATED) {
        // The first time at or after the group's least: inside it when not past its greatest.
        Some((min, max)) => times.get(times.partition_point(|&t| t < min)).is_some_and(|&t| t <= max),
        None => true,
    });
    let filter = Where { columns: &[CREATED], keep, open };
    let (state, _, _) = fold(store, manifest, sel, Some(&filter), columns, None, &make)?;
    // The second pass finds every maximum again, at its time; when it does not, a row group's
    // statistics (of a damaged or tampered file) left out a row: one pass over everything.
    let mut again = Vec::new();
    state.times(&mut again);
    again.sort_unstable();
    if again != found {
        return Ok(fold(store, manifest, sel, None, columns, None, &make)?.0.finish());
    }
    Ok(state.finish())
}
