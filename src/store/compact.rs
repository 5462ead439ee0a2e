//! `store compact` (SPEC 5): the files of each sign-in partition (table, event type, UTC day)
//! rewritten as one, its rows sorted by time (then id), so a daily job's many small files become
//! one per partition and row-group statistics prune windows. Each partition atomic like an
//! ingest: its new file is staged and the manifest is swapped by rename
//! ([`Transaction::commit_replacing`]); a killed compaction leaves every partition as it was or
//! compacted, and every report as it was. Every row, column and original record is kept as
//! stored (the rows are read and written as Arrow, in the files' own schema); reports read the
//! same rows before and after.
//!
//! Memory: one slice of one partition at a time (about 32 MB of decoded rows, twice while it is
//! sorted), whatever the partition's size; see [`rewrite`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, RecordBatch, StringArray, UInt32Array, cast::AsArray};
use rayon::prelude::*;

use super::manifest::FileEntry;
use super::writer::{BatchFile, StagedFile, WriteOptions};
use super::{ADFS_SIGNINS, SIGNINS, Store, Transaction, reader, schema};
use crate::domain::EventType;
use crate::domain::time::{format_day, parse_day};
use crate::error::{Error, Result};

/// What a compaction did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactSummary {
    /// Partitions rewritten, and the files they had and have.
    pub partitions: usize,
    pub files_before: usize,
    pub files_after: usize,
    pub rows: u64,
    /// The store's sign-in files after (all partitions).
    pub files_now: usize,
    /// Slices of time the partitions were rewritten in (see [`compact`]'s memory).
    pub slices: usize,
}

/// Told the rows rewritten so far and the rows to rewrite, after each slice.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Rewrites every sign-in partition of `store` that has at least `min_files` files as one file.
pub fn compact(store: &Store, opts: &WriteOptions, min_files: usize, progress: Progress<'_>) -> Result<CompactSummary> {
    compact_sliced(store, opts, min_files, SLICE_BYTES, progress)
}

/// [`compact`], holding about `slice_bytes` of decoded rows at a time (tests give a few rows).
pub fn compact_sliced(
    store: &Store,
    opts: &WriteOptions,
    min_files: usize,
    slice_bytes: i64,
    progress: Progress<'_>,
) -> Result<CompactSummary> {
    let mut summary = CompactSummary::default();
    // Each partition is its own transaction (its own lock, staging and manifest swap), so the
    // disk holds one partition twice at most, never the store; a killed compaction leaves the
    // partitions done compacted and the others as they were: the same rows either way.
    let mut keys = Vec::new();
    let mut to_do = 0u64;
    let before = store.manifest()?;
    for table in [SIGNINS, ADFS_SIGNINS] {
        let mut parts: BTreeMap<(String, String), (usize, u64)> = BTreeMap::new();
        for f in before.files(table) {
            let p = parts.entry((f.event_type.clone(), f.date.clone())).or_default();
            *p = (p.0 + 1, p.1.saturating_add(f.rows));
        }
        to_do = parts
            .values()
            .filter(|(files, _)| *files >= min_files.max(2))
            .fold(to_do, |a, (_, rows)| a.saturating_add(*rows));
        keys.extend(parts.into_keys().map(|p| (table, p)));
    }
    let done = std::sync::atomic::AtomicU64::new(0);
    let step = |rows: usize| {
        let now = done.fetch_add(rows as u64, std::sync::atomic::Ordering::Relaxed) + rows as u64;
        progress(now, to_do.max(now));
    };
    progress(0, to_do);
    for (table, (event_type, date)) in keys {
        let txn = store.begin()?;
        let files: Vec<FileEntry> = txn
            .manifest()
            .files(table)
            .iter()
            .filter(|f| f.event_type == event_type && f.date == date)
            .cloned()
            .collect();
        if files.len() < min_files.max(2) {
            continue;
        }
        // The new file's name is made from the partition's: only from an event type and a day
        // this version writes, never from whatever a damaged manifest says.
        let (Some(kind), Some(day)) = (EventType::parse(&event_type), parse_day(&date)) else {
            return Err(Error::Other(format!(
                "{table}: the manifest lists a partition {event_type:?} {date:?} this version never writes: the store is damaged"
            )));
        };
        let (file, slices) =
            rewrite(store, &txn, table, (kind.as_str(), &format_day(day)), &files, (opts, slice_bytes), &step)?;
        summary.slices += slices;
        summary.partitions += 1;
        summary.files_before += files.len();
        summary.files_after += 1;
        summary.rows += file.entry.rows;
        let replaced: BTreeSet<String> = files.iter().map(|f| f.path.clone()).collect();
        txn.commit_replacing(vec![file], &replaced)?;
    }
    let manifest = store.manifest()?;
    summary.files_now = [SIGNINS, ADFS_SIGNINS].iter().map(|t| manifest.files(t).len()).sum();
    Ok(summary)
}

/// Decoded bytes of the rows one slice of a partition holds in memory at a time.
const SLICE_BYTES: i64 = 32 << 20;

/// The rows of `files` (one partition) as one staged file, sorted by time then id, a slice of
/// time at a time: the partition's times are read first (8 bytes a row), cut into slices of
/// about [`SLICE_BYTES`] of rows, and each slice is read from the row groups whose times reach
/// into it (only its rows decoded in full), sorted and written. Exports are in time order, so
/// a row group reaches into one slice or two. The rows written are counted against the rows
/// read: a row group that lied about its rows cannot make a compaction drop one.
fn rewrite(
    store: &Store,
    txn: &Transaction,
    table: &'static str,
    (event_type, date): (&str, &str),
    files: &[FileEntry],
    (opts, slice_bytes): (&WriteOptions, i64),
    step: &dyn Fn(usize),
) -> Result<(StagedFile, usize)> {
    let groups = reader::row_groups(store, table, files)?;
    let schema = super::schema_of(table).ok_or_else(|| Error::Other(format!("{table}: no schema")))?;
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let empty = || Error::Other(format!("{table} {event_type} {date}: the partition's files hold no rows"));
    // Every row's time, and each row group's least and greatest (from its rows, not its
    // statistics).
    let per_group: Vec<Vec<i64>> = groups
        .par_iter()
        .map(|rg| {
            let mut t = Vec::with_capacity(rg.rows);
            for b in rg.read(&[schema::CREATED])? {
                let c = b
                    .column(0)
                    .as_primitive_opt::<TimestampMicrosecondType>()
                    .ok_or_else(|| Error::Other(format!("{}: created is not a timestamp", rg.path.display())))?;
                t.extend(c.values().iter().copied());
            }
            Ok(t)
        })
        .collect::<Result<_>>()?;
    let spans: Vec<Option<(i64, i64)>> =
        per_group.iter().map(|t| t.iter().min().copied().zip(t.iter().max().copied())).collect();
    let mut times: Vec<i64> = per_group.into_iter().flatten().collect();
    times.sort_unstable();
    let total = times.len();
    if total == 0 {
        return Err(empty());
    }
    let bytes: i64 = groups.iter().map(|g| g.byte_size()).sum();
    let per_slice = usize::try_from(slice_bytes / (bytes / total as i64).max(1)).unwrap_or(1).max(1);
    let mut starts: Vec<i64> = times.iter().step_by(per_slice).copied().collect();
    starts.dedup();
    drop(times);

    let name = format!("part-{:06}-compact.parquet", txn.generation());
    let rel_path = format!("{table}/event_type={event_type}/date={date}/{name}");
    let mut out = BatchFile::new(txn.staging(), table, rel_path, opts);
    let span = (
        files.iter().map(|f| f.min_time_us).min().unwrap_or(i64::MAX),
        files.iter().map(|f| f.max_time_us).max().unwrap_or(i64::MIN),
    );
    let mut written = 0usize;
    for (i, &lo) in starts.iter().enumerate() {
        let hi = starts.get(i + 1).copied().unwrap_or(i64::MAX);
        let reaching: Vec<&reader::RowGroup> = groups
            .iter()
            .zip(&spans)
            .filter(|(_, s)| s.is_some_and(|(min, max)| max >= lo && min < hi))
            .map(|(g, _)| g)
            .collect();
        let keep: reader::Keep = Arc::new(move |b: &RecordBatch| {
            let t = b.column(0).as_primitive::<TimestampMicrosecondType>();
            t.values().iter().map(|&t| Some(t >= lo && t < hi)).collect()
        });
        let parts: Vec<Vec<RecordBatch>> = reaching
            .par_iter()
            .map(|rg| rg.read_where(&[schema::CREATED], keep.clone(), &names))
            .collect::<Result<_>>()?;
        let batches: Vec<RecordBatch> = parts.into_iter().flatten().collect();
        let Some(first) = batches.first() else { continue };
        let slice =
            arrow_select::concat::concat_batches(&first.schema(), &batches).map_err(|e| Error::Other(e.to_string()))?;
        drop(batches);
        let sorted = sorted_by_time_then_id(table, &slice)?;
        drop(slice);
        written += sorted.num_rows();
        out.write(&sorted, span)?;
        step(sorted.num_rows());
    }
    if written != total {
        return Err(Error::Other(format!(
            "{table} {event_type} {date}: {total} rows read but {written} sorted; the partition's files are damaged, \
             nothing was changed"
        )));
    }
    Ok((out.finish(event_type, date)?.ok_or_else(empty)?, starts.len()))
}

/// `batch`'s rows sorted by time, then id.
fn sorted_by_time_then_id(table: &str, batch: &RecordBatch) -> Result<RecordBatch> {
    let column = |name: &str| {
        batch.column_by_name(name).cloned().ok_or_else(|| Error::Other(format!("{table}: no column {name}")))
    };
    let (created, ids) = (column(schema::CREATED)?, column(schema::ID)?);
    let created = created
        .as_primitive_opt::<TimestampMicrosecondType>()
        .ok_or_else(|| Error::Other(format!("{table}: created is not a timestamp")))?;
    let ids =
        ids.as_any().downcast_ref::<StringArray>().ok_or_else(|| Error::Other(format!("{table}: id is not text")))?;
    let mut order: Vec<u32> = (0..batch.num_rows() as u32).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (a as usize, b as usize);
        created.value(a).cmp(&created.value(b)).then_with(|| ids.value(a).cmp(ids.value(b)))
    });
    let order = UInt32Array::from(order);
    arrow_select::take::take_record_batch(batch, &order).map_err(|e| Error::Other(e.to_string()))
}
