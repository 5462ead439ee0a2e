//! `store compact` (SPEC 5): the files of each sign-in partition (table, event type, UTC day)
//! rewritten as one, its rows sorted by time (then id), so a daily job's many small files become
//! one per partition and row-group statistics prune windows. Atomic like an ingest: the new files
//! are staged and the manifest is swapped by rename ([`Transaction::commit_replacing`]); a killed
//! compaction leaves the store as it was. Every row, column and original record is kept as
//! stored (the rows are read and written as Arrow, in the files' own schema); reports read the
//! same rows before and after.
//!
//! Memory: one partition at a time, whole (its rows sorted in memory), so a compaction needs
//! about the size of the largest partition's columns in memory; a streaming merge would bound
//! it further.

use std::collections::{BTreeMap, BTreeSet};

use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, RecordBatch, StringArray, UInt32Array, cast::AsArray};

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
}

/// Rewrites every sign-in partition of `store` that has at least `min_files` files as one file.
pub fn compact(store: &Store, opts: &WriteOptions, min_files: usize) -> Result<CompactSummary> {
    let txn = store.begin()?;
    let mut summary = CompactSummary::default();
    let mut staged = Vec::new();
    let mut replaced = BTreeSet::new();
    for table in [SIGNINS, ADFS_SIGNINS] {
        let mut parts: BTreeMap<(&str, &str), Vec<&FileEntry>> = BTreeMap::new();
        for f in txn.manifest().files(table) {
            parts.entry((f.event_type.as_str(), f.date.as_str())).or_default().push(f);
        }
        for ((event_type, date), files) in parts {
            if files.len() < min_files.max(2) {
                continue;
            }
            // The new file's name is made from the partition's: only from an event type and a
            // day this version writes, never from whatever a damaged manifest says.
            let (Some(kind), Some(day)) = (EventType::parse(event_type), parse_day(date)) else {
                return Err(Error::Other(format!(
                    "{table}: the manifest lists a partition {event_type:?} {date:?} this version never writes: the store is damaged"
                )));
            };
            let file = rewrite(store, &txn, table, kind.as_str(), &format_day(day), &files, opts)?;
            summary.partitions += 1;
            summary.files_before += files.len();
            summary.files_after += 1;
            summary.rows += file.entry.rows;
            replaced.extend(files.iter().map(|f| f.path.clone()));
            staged.push(file);
        }
    }
    let manifest = if staged.is_empty() { txn.manifest().clone() } else { txn.commit_replacing(staged, &replaced)? };
    summary.files_now = [SIGNINS, ADFS_SIGNINS].iter().map(|t| manifest.files(t).len()).sum();
    Ok(summary)
}

/// The rows of `files` (one partition) as one staged file, sorted by time then id.
fn rewrite(
    store: &Store,
    txn: &Transaction,
    table: &'static str,
    event_type: &str,
    date: &str,
    files: &[&FileEntry],
    opts: &WriteOptions,
) -> Result<StagedFile> {
    let entries: Vec<FileEntry> = files.iter().map(|f| (*f).clone()).collect();
    let groups = reader::row_groups(store, table, &entries)?;
    let schema = super::schema_of(table).ok_or_else(|| Error::Other(format!("{table}: no schema")))?;
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let mut batches: Vec<RecordBatch> = Vec::new();
    for rg in &groups {
        batches.extend(rg.read(&names)?);
    }
    let Some(first) = batches.first() else {
        return Err(Error::Other(format!("{table} {event_type} {date}: the partition's files hold no rows")));
    };
    let file_schema = first.schema();
    let all = arrow_select::concat::concat_batches(&file_schema, &batches).map_err(|e| Error::Other(e.to_string()))?;
    drop(batches);
    let column = |name: &str| {
        all.column_by_name(name).cloned().ok_or_else(|| Error::Other(format!("{table}: no column {name}")))
    };
    let (created, ids) = (column(schema::CREATED)?, column(schema::ID)?);
    let created = created
        .as_primitive_opt::<TimestampMicrosecondType>()
        .ok_or_else(|| Error::Other(format!("{table}: created is not a timestamp")))?;
    let ids =
        ids.as_any().downcast_ref::<StringArray>().ok_or_else(|| Error::Other(format!("{table}: id is not text")))?;
    let mut order: Vec<u32> = (0..all.num_rows() as u32).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (a as usize, b as usize);
        created.value(a).cmp(&created.value(b)).then_with(|| ids.value(a).cmp(ids.value(b)))
    });
    let order = UInt32Array::from(order);
    let sorted = arrow_select::take::take_record_batch(&all, &order).map_err(|e| Error::Other(e.to_string()))?;
    drop(all);
    let name = format!("part-{:06}-compact.parquet", txn.generation());
    let rel_path = format!("{table}/event_type={event_type}/date={date}/{name}");
    let mut out = BatchFile::new(txn.staging(), table, rel_path, opts);
    let span = (
        files.iter().map(|f| f.min_time_us).min().unwrap_or(i64::MAX),
        files.iter().map(|f| f.max_time_us).max().unwrap_or(i64::MIN),
    );
    out.write(&sorted, span)?;
    out.finish(event_type, date)?
        .ok_or_else(|| Error::Other(format!("{table} {event_type} {date}: the partition's files hold no rows")))
}
