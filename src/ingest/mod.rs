//! Export files -> the store. Walks the inputs, decodes each file ([`decode`]), splits it into
//! record spans ([`split`], or rows of a CSV file, [`delimited`]) on scanner threads, and hands
//! whole blocks to worker threads (`pipeline`) that read each record (`dispatch`), dedupe by id
//! and write Parquet (sign-ins, AD FS sign-ins, audits) or collect the snapshot tables
//! (credential inventory, relying-party trusts, registrations: `snapshots`). Records that
//! cannot be read are quarantined with file, line, byte offset and reason (`summary`); the rest
//! of the file is still ingested. Then everything staged is committed at once.

pub mod decode;
pub mod delimited;
mod dispatch;
mod pipeline;
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
pub use summary::{Diagnostic, IngestSummary, InventorySummary};

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
        }
    }
}

/// One input: a file on disk or standard input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Stdin,
}

impl Input {
    pub fn name(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Stdin => "<stdin>".into(),
        }
    }

    fn size(&self) -> u64 {
        match self {
            Input::File(p) => fs::metadata(p).map_or(0, |m| m.len()),
            Input::Stdin => 0,
        }
    }
}

/// Expands the command-line paths: folders are walked recursively in name order, skipping
/// hidden entries; `-` is standard input.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<Input>> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Input::Stdin);
        } else if p.is_dir() {
            walk(p, &mut out)?;
        } else if p.exists() {
            out.push(Input::File(p.clone()));
        } else {
            return Err(Error::Usage(format!("{}: no such file or folder", p.display())));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<Input>) -> Result<()> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.is_file() {
            out.push(Input::File(p));
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

/// Ingests `inputs` into `store`, telling `progress` the raw bytes read so far.
pub fn ingest(store: &Store, inputs: &[Input], opts: &IngestOptions, progress: &dyn Progress) -> Result<IngestSummary> {
    let started = Instant::now();
    let txn = store.begin()?;
    let existing = store.id_hashes(txn.manifest())?;
    let shared = pipeline::Shared::new(existing, summary::Quarantine::new(txn.staging().join("quarantine.jsonl")));
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
    let (quarantined, file_problems) =
        (shared.quarantine.records.load(Ordering::Relaxed), shared.quarantine.file_problems.load(Ordering::Relaxed));
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
        files: inputs.len() as u64,
        records_read: read,
        stored: stored + kept,
        duplicates: duplicates + dropped,
        quarantined,
        file_problems,
        bytes,
        seconds: 0.0,
        diagnostics,
        quarantine_file: None,
        inventory: inventory_summary,
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
    let manifest = txn.commit(staged, snapshot_files, quarantine_file, record)?;
    summary.quarantine_file =
        manifest.ingests.last().and_then(|r| r.quarantine_file.as_deref()).map(|p| store.path_of(p));
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}
