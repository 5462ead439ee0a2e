//! Export files -> the store. Walks the inputs, decodes each file ([`decode`]), splits it into
//! record spans ([`split`], or rows of a CSV file, [`delimited`]) on scanner threads, and hands
//! whole blocks to worker threads (`pipeline`) that read each record (`dispatch`), dedupe by id
//! and write Parquet (sign-ins, AD FS sign-ins, audits) or collect the snapshot tables
//! (credential inventory, relying-party trusts, registrations: `snapshots`). Records that
//! cannot be read are quarantined with file, line, byte offset and reason (`summary`); the rest
//! of the file is still ingested. Then everything staged is committed at once.

pub mod decode;
mod dedupe;
pub mod delimited;
mod dispatch;
pub mod merge;
mod pipeline;
mod run_ids;
mod snapshots;
pub mod split;
mod summary;
pub mod tables;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::domain::EventType;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::manifest::IngestRecord;
use crate::store::writer::WriteOptions;
pub use summary::{Diagnostic, IngestSummary, InventorySummary, QuarantineLimits};

/// How an ingest runs.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    pub threads: usize,
    pub write: WriteOptions,
    /// Largest single record accepted, in bytes.
    pub max_record: usize,
    /// Largest inflated size of one gzip file.
    pub max_inflated: u64,
    /// Event type for records that carry none (set by `--kind` or detected from the source).
    pub hint: Option<EventType>,
    pub kind: Kind,
    /// How much rejected text the quarantine keeps.
    pub quarantine: QuarantineLimits,
    /// Ids of this run held in memory to find duplicates, and four times as many of the store's
    /// (16 bytes each): past that, this run's go to disk by hour (`run_ids`) and the stored files
    /// looked in longest ago are dropped, to be read again when needed (`dedupe`). Memory stays
    /// flat whatever the input size.
    pub ids_in_memory: usize,
}

/// What the inputs hold (`--kind`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    /// Decided per record (see `normalize::read_record`): an inventory object, a trust, a
    /// registration or an audit record says so by its fields; anything else is a sign-in.
    #[default]
    Auto,
    SignIns,
    /// Applications and service principals, with or without credentials.
    Credentials,
    /// AD FS sign-ins, also those that name no table.
    Adfs,
    /// Directory audit records.
    Audits,
    /// AD FS relying-party trusts (`Get-AdfsRelyingPartyTrust | ConvertTo-Json`).
    RpTrusts,
    /// Users' authentication method registrations (`userRegistrationDetails`).
    Registrations,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            threads: rayon::current_num_threads(),
            write: WriteOptions::default(),
            max_record: 64 << 20,
            max_inflated: 64 << 30,
            hint: None,
            kind: Kind::Auto,
            quarantine: QuarantineLimits::default(),
            ids_in_memory: run_ids::IN_MEMORY,
        }
    }
}

/// One input: a file on disk or standard input, or an entry of a folder that is not read, with
/// the reason (reported as a problem of that file, so that nothing is skipped silently).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Stdin,
    /// Not read: `problem` when it should have been (exit 3), not for the store's own folder.
    Skipped {
        path: PathBuf,
        reason: String,
        problem: bool,
    },
}

impl Input {
    pub fn name(&self) -> String {
        match self {
            Input::File(p) | Input::Skipped { path: p, .. } => p.display().to_string(),
            Input::Stdin => "<stdin>".into(),
        }
    }

    fn size(&self) -> u64 {
        match self {
            Input::File(p) => fs::metadata(p).map_or(0, |m| m.len()),
            Input::Stdin | Input::Skipped { .. } => 0,
        }
    }
}

/// Expands the command-line paths: folders are walked recursively in name order, hidden
/// entries included; `-` is standard input; a path named on the command line is read whatever
/// it is (a pipe from `<(zcat ...)` too). In a folder, a link back to a folder already walked
/// (a loop), a link to nothing, a pipe, socket or device, and the store's own folder (`store`)
/// are not read: each is listed as [`Input::Skipped`] with the reason.
pub fn expand(paths: &[PathBuf], store: Option<&Path>) -> Result<Vec<Input>> {
    let store = store.and_then(|s| s.canonicalize().ok());
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Input::Stdin);
        } else if p.is_dir() {
            walk(p, store.as_deref(), &mut seen, &mut out)?;
        } else if p.exists() {
            out.push(Input::File(p.clone()));
        } else {
            return Err(Error::Usage(format!("{}: no such file or folder", p.display())));
        }
    }
    Ok(out)
}

fn walk(
    dir: &Path,
    store: Option<&Path>,
    seen: &mut std::collections::HashSet<PathBuf>,
    out: &mut Vec<Input>,
) -> Result<()> {
    let real = dir.canonicalize().map_err(|e| Error::io(dir, e))?;
    if store.is_some_and(|s| real == s) {
        let reason = "the store's own folder, not read (it is no export)".into();
        out.push(Input::Skipped { path: dir.to_path_buf(), reason, problem: false });
        return Ok(());
    }
    if !seen.insert(real.clone()) {
        let reason = format!("leads back to {}, a folder already read (a link loop): not read again", real.display());
        out.push(Input::Skipped { path: dir.to_path_buf(), reason, problem: true });
        return Ok(());
    }
    let mut entries: Vec<PathBuf> =
        fs::read_dir(dir).map_err(|e| Error::io(dir, e))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        match fs::metadata(&p) {
            Ok(m) if m.is_dir() => walk(&p, store, seen, out)?,
            Ok(m) if m.is_file() => out.push(Input::File(p)),
            Ok(_) => {
                let reason = "not a regular file (a pipe, socket or device)".into();
                out.push(Input::Skipped { path: p, reason, problem: true })
            }
            Err(e) if fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) => {
                out.push(Input::Skipped { path: p, reason: format!("a link to nothing ({e})"), problem: true })
            }
            Err(e) => out.push(Input::Skipped { path: p, reason: format!("cannot read: {e}"), problem: true }),
        }
    }
    Ok(())
}

/// What an ingest tells of its progress: how many bytes the inputs hold (0 for standard input),
/// how many have been read so far, and that it is done. The command line shows a bar; a library
/// caller may ignore it ([`Silent`]).
pub trait Progress: Sync {
    fn start(&self, _total_bytes: u64) {}
    fn read(&self, _bytes_so_far: u64) {}
    fn finish(&self) {}
}

/// Progress nobody watches.
pub struct Silent;

impl Progress for Silent {}

/// A sign-in partition with this many files or more after an ingest is worth compacting: a daily
/// job adds a file or two to each day it touches, and a report opens every file of its window.
pub const CROWDED: usize = 8;

/// The partitions an ingest touched that now have [`CROWDED`] files or more, most files first.
fn crowded(
    manifest: &crate::store::manifest::Manifest,
    touched: &std::collections::BTreeSet<(&str, String, String)>,
) -> Vec<summary::Crowded> {
    let mut out: Vec<summary::Crowded> = touched
        .iter()
        .filter(|(table, _, _)| [crate::store::SIGNINS, crate::store::ADFS_SIGNINS].contains(table))
        .map(|(table, event_type, date)| summary::Crowded {
            partition: format!("{table} {event_type} {date}"),
            files: manifest.files(table).iter().filter(|f| &f.event_type == event_type && &f.date == date).count(),
        })
        .filter(|c| c.files >= CROWDED)
        .collect();
    out.sort_by(|a, b| b.files.cmp(&a.files).then_with(|| a.partition.cmp(&b.partition)));
    out
}

/// Ingests `inputs` into `store`, telling `progress` the raw bytes read so far.
pub fn ingest(store: &Store, inputs: &[Input], opts: &IngestOptions, progress: &dyn Progress) -> Result<IngestSummary> {
    let started = Instant::now();
    let txn = store.begin()?;
    let dedupe = dedupe::Dedupe::new(store, txn.manifest(), txn.staging().join("ids"), opts.ids_in_memory);
    let quarantine = summary::Quarantine::new(txn.staging().join("quarantine.jsonl"), opts.quarantine);
    let shared = pipeline::Shared::new(dedupe, quarantine);
    progress.start(inputs.iter().map(Input::size).sum());
    let names: Vec<String> = inputs.iter().map(Input::name).collect();
    let threads = opts.threads.max(1);
    let staged = pipeline::run_threads(&txn, inputs, &names, opts, threads, &shared, progress);
    progress.finish();
    let staged = staged?;

    let (read, stored, duplicates, bytes) = (
        shared.read.load(Ordering::Relaxed),
        shared.stored.load(Ordering::Relaxed),
        shared.duplicates.load(Ordering::Relaxed),
        shared.raw_bytes.load(Ordering::Relaxed),
    );
    let (quarantined, file_problems, not_kept) = (
        shared.quarantine.records.load(Ordering::Relaxed),
        shared.quarantine.file_problems.load(Ordering::Relaxed),
        shared.quarantine.not_kept.load(Ordering::Relaxed),
    );
    let (quarantine_file, diagnostics) = shared.quarantine.finish()?;
    let collected = shared.snapshots;
    let inventory = snapshots::stage(store, &txn, collected.inventory, &opts.write)?;
    let trusts = snapshots::stage(store, &txn, collected.trusts, &opts.write)?;
    let registrations = snapshots::stage(store, &txn, collected.registrations, &opts.write)?;
    let kept = inventory.kept + trusts.kept + registrations.kept;
    let dropped = inventory.dropped + trusts.dropped + registrations.dropped;
    let inventory_summary = inventory
        .parts
        .iter()
        .map(|(origin, objects)| InventorySummary {
            origin: *origin,
            objects: objects.len() as u64,
            credentials: objects.iter().map(|s| s.object.credentials.len() as u64).sum(),
        })
        .collect();
    let mut snapshot_files = inventory.files;
    snapshot_files.extend(trusts.files);
    snapshot_files.extend(registrations.files);
    let mut summary = IngestSummary {
        // What was read or should have been: not the store's own folder.
        files: inputs.iter().filter(|i| !matches!(i, Input::Skipped { problem: false, .. })).count() as u64,
        records_read: read,
        stored: stored + kept,
        duplicates: duplicates + dropped,
        quarantined,
        file_problems,
        bytes,
        seconds: 0.0,
        diagnostics,
        quarantine_file: None,
        not_kept,
        inventory: inventory_summary,
        stored_ids_read: shared.dedupe.stored.ids_read.load(Ordering::Relaxed),
        run_ids_written: shared.dedupe.run.spilled(),
        crowded: Vec::new(),
    };
    let record = IngestRecord {
        generation: 0,
        files_read: summary.files,
        records_read: summary.records_read,
        stored: summary.stored,
        duplicates: summary.duplicates,
        quarantined: summary.quarantined,
        quarantine_file: None,
    };
    let touched: std::collections::BTreeSet<(&str, String, String)> =
        staged.iter().map(|f| (f.table, f.entry.event_type.clone(), f.entry.date.clone())).collect();
    let manifest = txn.commit(staged, snapshot_files, quarantine_file, record)?;
    summary.crowded = crowded(&manifest, &touched);
    summary.quarantine_file =
        manifest.ingests.last().and_then(|r| r.quarantine_file.as_deref()).map(|p| store.path_of(p));
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}
