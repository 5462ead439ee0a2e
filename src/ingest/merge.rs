//! `store merge`: the rows of other stores added to this one, as an ingest adds a file's, so that
//! several machines can each ingest their own exports and one store ends up holding them all.
//!
//! A merged row is checked against the target exactly as an ingested record is ([`Dedupe`]): a
//! sign-in, AD FS sign-in or audit record whose id the target (or an earlier source of this
//! merge) already holds near the same time is a duplicate and skipped, so stores built from
//! overlapping exports never count a record twice. Rows are copied as stored (every column, the
//! original record included), one source file at a time, a row group at a time; memory holds a
//! row group and, as in an ingest, the ids added so far (about 25 bytes a row). Snapshots (the credential inventory, the
//! relying-party trusts, the registration details) are copied when the target has none of
//! their kind; otherwise the target's is kept, since nothing says which is newer.
//!
//! Atomic like an ingest: everything is staged and committed with one rename of the manifest; a
//! killed merge leaves the target as it was. A source is only read.

use std::path::PathBuf;

use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, BooleanArray, RecordBatch, StringArray, cast::AsArray};

use super::dedupe::Dedupe;
use super::run_ids::IN_MEMORY;
use crate::domain::EventType;
use crate::domain::time::{format_day, parse_day};
use crate::error::{Error, Result};
use crate::normalize::inventory::Origin;
use crate::store::manifest::{FileEntry, IngestRecord, Manifest};
use crate::store::writer::{BatchFile, StagedFile, WriteOptions};
use crate::store::{
    ADFS_SIGNINS, AUDITS, CREDENTIALS, REGISTRATIONS, RP_TRUSTS, SIGNINS, Store, audits, reader, schema, schema_of,
};

/// What a merge did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergeSummary {
    /// Stored files of the sources read, and their rows.
    pub files_read: u64,
    pub rows_read: u64,
    /// Rows added to the target, and rows it (or an earlier source) already held.
    pub stored: u64,
    pub duplicates: u64,
    /// Snapshots copied (table and kind), and those the target already had and kept.
    pub snapshots_copied: Vec<String>,
    pub snapshots_kept: Vec<String>,
}

/// Adds the rows of every store of `sources` to `target`, skipping those it already holds.
pub fn merge(target: &Store, sources: &[Store], opts: &WriteOptions) -> Result<MergeSummary> {
    // Every source checked before the target is touched (or made).
    let target_root = canonical(target.root());
    let mut manifests = Vec::new();
    for source in sources {
        if canonical(source.root()) == target_root {
            return Err(Error::Usage(format!("{}: a store cannot be merged into itself", source.root().display())));
        }
        manifests.push(open_source(source)?);
    }
    let txn = target.begin()?;
    let dedupe = Dedupe::new(target, txn.manifest(), txn.staging().join("ids"), IN_MEMORY);
    let mut summary = MergeSummary::default();
    let (mut staged, mut snapshots) = (Vec::new(), Vec::new());
    let mut have: Vec<(&'static str, String)> = [CREDENTIALS, RP_TRUSTS, REGISTRATIONS]
        .iter()
        .flat_map(|t| txn.manifest().files(t).iter().map(|f| (*t, f.event_type.clone())))
        .collect();
    for (n, (source, manifest)) in sources.iter().zip(&manifests).enumerate() {
        for table in [SIGNINS, ADFS_SIGNINS, AUDITS] {
            for (k, f) in manifest.files(table).iter().enumerate() {
                let name = format!("part-g{:06}-merge{n}-{k:05}.parquet", txn.generation());
                summary.files_read += 1;
                summary.rows_read += f.rows;
                if let Some(file) = copy_new_rows(source, table, f, &name, &txn, &dedupe, opts, &mut summary)? {
                    staged.push(file);
                }
            }
        }
        for table in [CREDENTIALS, RP_TRUSTS, REGISTRATIONS] {
            for f in manifest.files(table) {
                let kind = snapshot_kind(table, f)?;
                let what = format!("{table} {kind}");
                if have.iter().any(|(t, k)| *t == table && *k == kind) {
                    summary.snapshots_kept.push(what);
                    continue;
                }
                snapshots.push(copy_snapshot(source, table, kind, f, &txn)?);
                have.push((table, kind.to_string()));
                summary.snapshots_copied.push(what);
            }
        }
    }
    let record = IngestRecord {
        generation: 0,
        files_read: summary.files_read,
        records_read: summary.rows_read,
        stored: summary.stored,
        duplicates: summary.duplicates,
        quarantined: 0,
        quarantine_file: None,
    };
    txn.commit(staged, snapshots, None, record)?;
    Ok(summary)
}

fn canonical(p: &std::path::Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// A source's manifest, with every listed file present at its size.
fn open_source(source: &Store) -> Result<Manifest> {
    if !source.manifest_path().is_file() {
        return Err(Error::Usage(format!("{}: not a store (no manifest.json)", source.root().display())));
    }
    let manifest = source.manifest()?;
    if let Some(problem) = source.quick_check(&manifest).first() {
        return Err(Error::Other(format!("{}: {problem}; run `store verify` on it", source.root().display())));
    }
    Ok(manifest)
}

/// The partition a source file says it belongs to (folder, event type, day), as this version
/// spells it: a name is made only from an event type and a day this version writes, never from
/// what a manifest says. The audits have one folder and no partitions.
fn partition(table: &str, f: &FileEntry) -> Result<(String, String, String)> {
    if table == AUDITS {
        return Ok((AUDITS.to_string(), String::new(), String::new()));
    }
    match (EventType::parse(&f.event_type), parse_day(&f.date)) {
        (Some(kind), Some(day)) => {
            let (kind, day) = (kind.as_str(), format_day(day));
            Ok((format!("{table}/event_type={kind}/date={day}"), kind.to_string(), day))
        }
        _ => Err(Error::Other(format!(
            "{table}: the source lists a partition {:?} {:?} this version never writes: the store is damaged",
            f.event_type, f.date
        ))),
    }
}

/// The rows of one source file the target does not hold yet, staged as one file (none when
/// every row was a duplicate).
#[allow(clippy::too_many_arguments)]
fn copy_new_rows(
    source: &Store,
    table: &'static str,
    f: &FileEntry,
    name: &str,
    txn: &crate::store::Transaction,
    dedupe: &Dedupe,
    opts: &WriteOptions,
    summary: &mut MergeSummary,
) -> Result<Option<StagedFile>> {
    let (folder, event_type, date) = partition(table, f)?;
    let groups = reader::row_groups(source, table, std::slice::from_ref(f))?;
    let schema = schema_of(table).ok_or_else(|| Error::Other(format!("{table}: no schema")))?;
    let names: Vec<&str> = schema.fields().iter().map(|c| c.name().as_str()).collect();
    let time_column = if table == AUDITS { audits::ACTIVITY } else { schema::CREATED };
    let mut out = BatchFile::new(txn.staging(), table, format!("{folder}/{name}"), opts);
    for rg in &groups {
        for batch in rg.read(&names)? {
            let (times, ids) = time_and_id(&batch, time_column, source, f)?;
            let (mut keep, mut min, mut max) = (Vec::with_capacity(batch.num_rows()), i64::MAX, i64::MIN);
            for i in 0..batch.num_rows() {
                let new = dedupe.first_sighting(table, &event_type, times.value(i), ids.value(i))?;
                if new {
                    min = min.min(times.value(i));
                    max = max.max(times.value(i));
                }
                keep.push(new);
            }
            let kept = arrow_select::filter::filter_record_batch(&batch, &BooleanArray::from(keep))
                .map_err(|e| Error::Other(e.to_string()))?;
            summary.duplicates += (batch.num_rows() - kept.num_rows()) as u64;
            summary.stored += kept.num_rows() as u64;
            out.write(&kept, (min, max))?;
        }
    }
    out.finish(&event_type, &date)
}

/// A batch's time and id columns, as the table's schema has them.
fn time_and_id<'b>(
    batch: &'b RecordBatch,
    time_column: &str,
    source: &Store,
    f: &FileEntry,
) -> Result<(&'b arrow_array::PrimitiveArray<TimestampMicrosecondType>, &'b StringArray)> {
    let damaged = || Error::Other(format!("{}: unexpected time or id column", source.path_of(&f.path).display()));
    let times = batch
        .column_by_name(time_column)
        .and_then(|c| c.as_primitive_opt::<TimestampMicrosecondType>())
        .filter(|c| c.null_count() == 0)
        .ok_or_else(damaged)?;
    let ids = batch
        .column_by_name(schema::ID)
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        .filter(|c| c.null_count() == 0)
        .ok_or_else(damaged)?;
    Ok((times, ids))
}

/// Which snapshot of its table a source file is, as this version spells it.
fn snapshot_kind(table: &'static str, f: &FileEntry) -> Result<&'static str> {
    match table {
        CREDENTIALS => Origin::parse(&f.event_type).map(Origin::as_str).ok_or_else(|| {
            Error::Other(format!(
                "{table}: the source lists an origin {:?} this version never writes: the store is damaged",
                f.event_type
            ))
        }),
        _ => Ok(table),
    }
}

/// A source's snapshot file, checked and copied to the staging folder under the target's name
/// for it.
fn copy_snapshot(
    source: &Store,
    table: &'static str,
    kind: &'static str,
    f: &FileEntry,
    txn: &crate::store::Transaction,
) -> Result<StagedFile> {
    let generation = txn.generation();
    let rel_path = match table {
        CREDENTIALS => format!("{CREDENTIALS}/origin={kind}/part-g{generation:06}.parquet"),
        _ => format!("{table}/part-g{generation:06}.parquet"),
    };
    // Its footer and columns checked as a report would.
    reader::row_groups(source, table, std::slice::from_ref(f))?;
    let from = source.file(&f.path)?;
    let staged = txn.staging().join(rel_path.replace('/', "-"));
    let bytes = std::fs::copy(&from, &staged).map_err(|e| Error::io(&from, e))?;
    let entry = FileEntry { path: rel_path, event_type: kind.to_string(), bytes, ..f.clone() };
    Ok(StagedFile { table, staged, entry })
}
