//! Export files -> the store. Walks the inputs, decodes each file ([`decode`]), splits it into
//! record spans ([`split`], or rows of a CSV file, [`delimited`]) on scanner threads, and hands
//! whole blocks to worker threads that read each record, dedupe by id and write Parquet (sign-ins,
//! AD FS sign-ins, audits) or collect snapshots (credential inventory, relying-party trusts). A bounded channel between the two keeps memory
//! flat whatever the input size. Records that cannot be read are quarantined with file, line,
//! byte offset and reason; the rest of the file is still ingested.

pub mod decode;
pub mod delimited;
pub mod split;
pub mod tables;

use std::fs;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::domain::EventType;
use crate::error::{Error, Result};
use crate::normalize::inventory::{self, Origin};
use crate::normalize::{Record, normalize, read_record};
use crate::store::audits::AuditWriter;
use crate::store::credentials::{self, Sourced};
use crate::store::manifest::IngestRecord;
use crate::store::registrations::{self, StoredRegistration};
use crate::store::rp_trusts::{self, StoredTrust};
use crate::store::writer::{PartitionWriters, StagedFile, WriteOptions};
use crate::store::{ADFS_SIGNINS, AUDITS, IdSet, SIGNINS, Store, Transaction, id_hash};

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

/// A record or file that was not ingested, as written to the quarantine file.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    /// 1-based line in the decoded text; 0 when the problem concerns the whole file.
    pub line: u64,
    /// Byte offset in the decoded text.
    pub offset: u64,
    pub reason: String,
    /// The rejected text (cut to 1 MiB).
    pub record: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.reason)
        } else {
            write!(f, "{}:{} (byte {}): {}", self.file, self.line, self.offset, self.reason)
        }
    }
}

/// What an ingest did: the numbers of the summary line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IngestSummary {
    pub files: u64,
    pub records_read: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub quarantined: u64,
    /// Problems that concern a file rather than a record (empty, unreadable, truncated).
    pub file_problems: u64,
    pub bytes: u64,
    pub seconds: f64,
    /// The first diagnostics, for the terminal; all of them are in `quarantine_file`.
    pub diagnostics: Vec<Diagnostic>,
    pub quarantine_file: Option<PathBuf>,
    /// Credential inventory snapshots this ingest stored (each replaced the previous one of
    /// its origin).
    pub inventory: Vec<InventorySummary>,
}

/// One stored inventory snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InventorySummary {
    pub origin: Origin,
    pub objects: u64,
    pub credentials: u64,
}

impl std::fmt::Display for InventorySummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (what, one) = match self.origin {
            Origin::Application => ("applications", "application"),
            Origin::ServicePrincipal => ("service principals", "service principal"),
        };
        write!(
            f,
            "credential inventory: {} {what} with {} credentials stored (replacing any earlier {one} inventory)",
            self.objects, self.credentials
        )
    }
}

impl IngestSummary {
    /// The one summary line of SPEC section 5.
    pub fn line(&self) -> String {
        let mb = self.bytes as f64 / 1e6;
        let rate = if self.seconds > 0.0 { mb / self.seconds } else { 0.0 };
        format!(
            "ingest: {} files, {} records read, {} stored, {} duplicates skipped, {} quarantined, {:.1} MB in {:.2} s ({:.1} MB/s)",
            self.files, self.records_read, self.stored, self.duplicates, self.quarantined, mb, self.seconds, rate
        )
    }

    /// True when something was not ingested (exit code 3).
    pub fn incomplete(&self) -> bool {
        self.quarantined > 0 || self.file_problems > 0
    }
}

const SHOWN_DIAGNOSTICS: usize = 20;
const SHARDS: usize = 64;

/// Shared state of one ingest's threads.
struct Shared {
    seen: Vec<Mutex<IdSet>>,
    read: AtomicU64,
    stored: AtomicU64,
    duplicates: AtomicU64,
    quarantined: AtomicU64,
    file_problems: AtomicU64,
    raw_bytes: Arc<AtomicU64>,
    quarantine: Mutex<Quarantine>,
    buffers: split::BufferPool,
    /// Inventory objects read so far, with the input index for a deterministic order.
    inventory: Mutex<Vec<(usize, Sourced)>>,
    /// Relying-party trusts read so far, likewise.
    rp_trusts: Mutex<Vec<(usize, StoredTrust)>>,
    /// Users' registration details read so far, likewise.
    registrations: Mutex<Vec<(usize, StoredRegistration)>>,
    /// Set by a worker that failed (e.g. disk full): scanners stop, the ingest is not committed.
    failed: std::sync::atomic::AtomicBool,
}

struct Quarantine {
    path: PathBuf,
    out: Option<BufWriter<fs::File>>,
    shown: Vec<Diagnostic>,
}

impl Shared {
    /// True the first time an id is seen in the store or this ingest.
    fn first_sighting(&self, table: &str, id: &str) -> bool {
        let h = id_hash(table, id);
        self.seen[(h as usize) % SHARDS].lock().expect("dedupe shard").insert(h)
    }

    fn quarantine(&self, d: Diagnostic, whole_file: bool) -> Result<()> {
        if whole_file {
            self.file_problems.fetch_add(1, Ordering::Relaxed);
        } else {
            self.quarantined.fetch_add(1, Ordering::Relaxed);
        }
        let mut q = self.quarantine.lock().expect("quarantine");
        if q.out.is_none() {
            let f = fs::File::create(&q.path).map_err(|e| Error::io(&q.path, e))?;
            q.out = Some(BufWriter::new(f));
        }
        let path = q.path.clone();
        let out = q.out.as_mut().expect("opened above");
        serde_json::to_writer(&mut *out, &d).map_err(|e| Error::Other(e.to_string()))?;
        out.write_all(b"\n").map_err(|e| Error::io(&path, e))?;
        if q.shown.len() < SHOWN_DIAGNOSTICS {
            q.shown.push(d);
        }
        Ok(())
    }
}

/// A block of one input, on its way from a scanner to a worker.
struct Work {
    input: usize,
    block: split::Block,
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
    let shared = Shared {
        seen: shard(existing),
        read: AtomicU64::new(0),
        stored: AtomicU64::new(0),
        duplicates: AtomicU64::new(0),
        quarantined: AtomicU64::new(0),
        file_problems: AtomicU64::new(0),
        raw_bytes: Arc::new(AtomicU64::new(0)),
        quarantine: Mutex::new(Quarantine {
            path: txn.staging().join("quarantine.jsonl"),
            out: None,
            shown: Vec::new(),
        }),
        buffers: split::BufferPool::default(),
        inventory: Mutex::new(Vec::new()),
        rp_trusts: Mutex::new(Vec::new()),
        registrations: Mutex::new(Vec::new()),
        failed: std::sync::atomic::AtomicBool::new(false),
    };
    progress.start(inputs.iter().map(Input::size).sum());
    let names: Vec<String> = inputs.iter().map(Input::name).collect();
    let threads = opts.threads.max(1);
    let staged = run_threads(&txn, inputs, &names, opts, threads, &shared, progress);
    progress.finish();
    let staged = staged?;

    let q = shared.quarantine.into_inner().expect("quarantine");
    let quarantine_file = match q.out {
        Some(mut w) => {
            w.flush().map_err(|e| Error::io(&q.path, e))?;
            w.into_inner()
                .map_err(|e| Error::io(&q.path, e.into_error()))?
                .sync_all()
                .map_err(|e| Error::io(&q.path, e))?;
            Some(q.path.clone())
        }
        None => None,
    };
    let (mut snapshots, inventory, mut kept, mut dropped) =
        stage_inventory(store, &txn, shared.inventory.into_inner().expect("inventory"), &opts.write)?;
    let trusts = shared.rp_trusts.into_inner().expect("rp trusts");
    let read_trusts = trusts.len() as u64;
    if let Some(staged) = stage_rp_trusts(store, &txn, trusts, &opts.write)? {
        kept += staged.entry.rows;
        dropped += read_trusts - staged.entry.rows;
        snapshots.push(staged);
    } else {
        dropped += read_trusts;
    }
    let registrations = shared.registrations.into_inner().expect("registrations");
    let read_registrations = registrations.len() as u64;
    if let Some(staged) = stage_registrations(store, &txn, registrations, &opts.write)? {
        kept += staged.entry.rows;
        dropped += read_registrations - staged.entry.rows;
        snapshots.push(staged);
    } else {
        dropped += read_registrations;
    }
    let mut summary = IngestSummary {
        files: inputs.len() as u64,
        records_read: shared.read.load(Ordering::Relaxed),
        stored: shared.stored.load(Ordering::Relaxed) + kept,
        duplicates: shared.duplicates.load(Ordering::Relaxed) + dropped,
        quarantined: shared.quarantined.load(Ordering::Relaxed),
        file_problems: shared.file_problems.load(Ordering::Relaxed),
        bytes: shared.raw_bytes.load(Ordering::Relaxed),
        seconds: 0.0,
        diagnostics: q.shown,
        quarantine_file: None,
        inventory,
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
    let manifest = txn.commit(staged, snapshots, quarantine_file, record)?;
    summary.quarantine_file =
        manifest.ingests.last().and_then(|r| r.quarantine_file.as_deref()).map(|p| store.path_of(p));
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Writes one snapshot per origin read. An object read twice (the same origin and object id)
/// is kept once: the copy read last, in input and line order. A snapshot equal to the stored
/// one is not written again and its objects count as duplicates, so ingesting the same export
/// twice changes nothing. Returns the staged files, what they hold, and how many objects were
/// kept and dropped as duplicates.
fn stage_inventory(
    store: &Store,
    txn: &Transaction,
    mut read: Vec<(usize, Sourced)>,
    write: &crate::store::writer::WriteOptions,
) -> Result<(Vec<StagedFile>, Vec<InventorySummary>, u64, u64)> {
    if read.is_empty() {
        return Ok(Default::default());
    }
    read.sort_by_key(|(input, s)| (*input, s.line));
    let stored = credentials::load(store, txn.manifest())?;
    let mut files = Vec::new();
    let mut summaries = Vec::new();
    let (mut kept, mut dropped) = (0, 0);
    for origin in Origin::ALL {
        let mut latest: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        let mine: Vec<&Sourced> = read.iter().map(|(_, s)| s).filter(|s| s.object.origin == origin).collect();
        for (i, s) in mine.iter().enumerate() {
            latest.insert(s.object.object_id.to_ascii_lowercase(), i);
        }
        if mine.is_empty() {
            continue;
        }
        let mut keep: Vec<usize> = latest.into_values().collect();
        keep.sort_unstable();
        dropped += (mine.len() - keep.len()) as u64;
        let objects: Vec<Sourced> = keep.iter().map(|&i| mine[i].clone()).collect();
        let mut before: Vec<_> = stored.iter().filter(|r| r.origin == origin).cloned().collect();
        credentials::canonical(&mut before);
        if before == credentials::rows_of(&objects) {
            dropped += keep.len() as u64;
            continue;
        }
        kept += keep.len() as u64;
        summaries.push(InventorySummary {
            origin,
            objects: objects.len() as u64,
            credentials: objects.iter().map(|s| s.object.credentials.len() as u64).sum(),
        });
        files.push(credentials::stage(txn.staging(), txn.generation(), origin, &objects, write)?);
    }
    Ok((files, summaries, kept, dropped))
}

/// Writes the trusts read as the new snapshot, one per name (the copy read last wins); `None`
/// when none was read or they equal the stored snapshot.
fn stage_rp_trusts(
    store: &Store,
    txn: &Transaction,
    mut read: Vec<(usize, StoredTrust)>,
    write: &crate::store::writer::WriteOptions,
) -> Result<Option<StagedFile>> {
    if read.is_empty() {
        return Ok(None);
    }
    read.sort_by_key(|(input, t)| (*input, t.line));
    let mut by_name: std::collections::BTreeMap<String, StoredTrust> = std::collections::BTreeMap::new();
    for (_, t) in read {
        by_name.insert(t.name.to_lowercase(), t);
    }
    let trusts: Vec<StoredTrust> = by_name.into_values().collect();
    let before = rp_trusts::load(store, txn.manifest())?.unwrap_or_default();
    if before == trusts.iter().map(|t| t.raw.clone()).collect::<Vec<_>>() {
        return Ok(None);
    }
    rp_trusts::stage(txn.staging(), txn.generation(), &trusts, write).map(Some)
}

/// Writes the registrations read as the new snapshot, one per user object id (the copy read
/// last wins); `None` when none was read or they equal the stored snapshot.
fn stage_registrations(
    store: &Store,
    txn: &Transaction,
    mut read: Vec<(usize, StoredRegistration)>,
    write: &crate::store::writer::WriteOptions,
) -> Result<Option<StagedFile>> {
    if read.is_empty() {
        return Ok(None);
    }
    read.sort_by_key(|(input, r)| (*input, r.line));
    let mut by_id: std::collections::BTreeMap<String, StoredRegistration> = std::collections::BTreeMap::new();
    for (_, r) in read {
        by_id.insert(r.registration.id.to_ascii_lowercase(), r);
    }
    let rows: Vec<StoredRegistration> = by_id.into_values().collect();
    let before = registrations::load(store, txn.manifest())?.unwrap_or_default();
    let states = |rows: &[StoredRegistration]| rows.iter().map(|r| r.registration.clone()).collect::<Vec<_>>();
    if states(&before) == states(&rows) {
        return Ok(None);
    }
    registrations::stage(txn.staging(), txn.generation(), &rows, write).map(Some)
}

fn shard(existing: Vec<u128>) -> Vec<Mutex<IdSet>> {
    let mut shards: Vec<IdSet> = (0..SHARDS).map(|_| IdSet::default()).collect();
    for set in &mut shards {
        set.reserve(existing.len() / SHARDS + 1);
    }
    for h in existing {
        shards[(h as usize) % SHARDS].insert(h);
    }
    shards.into_iter().map(Mutex::new).collect()
}

fn run_threads(
    txn: &Transaction,
    inputs: &[Input],
    names: &[String],
    opts: &IngestOptions,
    threads: usize,
    shared: &Shared,
    progress: &dyn Progress,
) -> Result<Vec<StagedFile>> {
    let (tx, rx) = sync_channel::<Work>(threads * 2);
    let rx = Mutex::new(rx);
    let next_input = AtomicUsize::new(0);
    let scanners = threads.min(inputs.len()).max(1);
    std::thread::scope(|scope| {
        let mut scanner_handles = Vec::new();
        for _ in 0..scanners {
            let tx = tx.clone();
            let next_input = &next_input;
            scanner_handles.push(scope.spawn(move || -> Result<()> {
                loop {
                    let i = next_input.fetch_add(1, Ordering::Relaxed);
                    if i >= inputs.len() {
                        return Ok(());
                    }
                    scan_input(i, &inputs[i], &names[i], opts, shared, &tx)?;
                }
            }));
        }
        drop(tx);
        let workers: Vec<_> = (0..threads)
            .map(|w| {
                let rx = &rx;
                let prefix = format!("g{:06}-w{w}", txn.generation());
                scope.spawn(move || {
                    let writers = Writers {
                        signins: PartitionWriters::new(txn.staging(), prefix.clone(), opts.write.clone()),
                        audits: AuditWriter::new(txn.staging(), &prefix, opts.write.clone()),
                    };
                    work(rx, writers, names, opts, shared)
                })
            })
            .collect();
        while !workers.iter().all(|h| h.is_finished()) {
            progress.read(shared.raw_bytes.load(Ordering::Relaxed));
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut files = Vec::new();
        let mut first_err = None;
        for h in scanner_handles {
            if let Err(e) = h.join().expect("scanner thread panicked") {
                first_err.get_or_insert(e);
            }
        }
        for h in workers {
            match h.join().expect("worker thread panicked") {
                Ok(f) => files.extend(f),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(files),
        }
    })
}

fn open_input(input: &Input, counter: Arc<AtomicU64>) -> std::io::Result<Box<dyn Read + Send>> {
    Ok(match input {
        Input::File(p) => Box::new(decode::Counting::new(fs::File::open(p)?, counter)),
        Input::Stdin => Box::new(decode::Counting::new(std::io::stdin(), counter)),
    })
}

/// The first line of a decoded stream (up to 64 KiB), and the stream again from its start.
fn sniff(mut stream: Box<dyn Read + Send>) -> std::io::Result<(Vec<u8>, Box<dyn Read + Send>)> {
    let mut head = vec![0u8; 64 << 10];
    let mut len = 0;
    while len < head.len() && !head[..len].contains(&b'\n') {
        match stream.read(&mut head[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    head.truncate(len);
    let again: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(head.clone()).chain(stream));
    Ok((head, again))
}

/// Splits one input into blocks and sends them to the workers. File-level problems
/// (unreadable, empty, not JSON, truncated) are quarantined here.
fn scan_input(
    i: usize,
    input: &Input,
    name: &str,
    opts: &IngestOptions,
    shared: &Shared,
    tx: &std::sync::mpsc::SyncSender<Work>,
) -> Result<()> {
    let file_problem = |reason: String| {
        shared
            .quarantine(Diagnostic { file: name.to_string(), line: 0, offset: 0, reason, record: String::new() }, true)
    };
    let stream = match open_input(input, shared.raw_bytes.clone()).and_then(|r| decode::decode(r, opts.max_inflated)) {
        Ok(s) => s,
        Err(e) => return file_problem(format!("cannot read: {e}")),
    };
    let (is_csv, stream) = match sniff(stream) {
        Ok((head, stream)) => (delimited::looks_like_csv(&head), stream),
        Err(e) => return file_problem(format!("cannot read: {e}")),
    };
    if is_csv {
        let mut any = false;
        let read = delimited::blocks(stream, name, split::BLOCK, |block| {
            any |= !block.spans.is_empty() || !block.rejects.is_empty();
            !shared.failed.load(Ordering::Relaxed) && tx.send(Work { input: i, block }).is_ok()
        });
        if let Err(e) = read {
            file_problem(format!("CSV read error, the rest of the file was not read: {e}"))?;
        } else if !any {
            file_problem("empty: a CSV header and no rows".into())?;
        }
        return Ok(());
    }
    let mut splitter = split::Splitter::new(stream, opts.max_record).with_pool(shared.buffers.clone());
    let mut any = false;
    loop {
        match splitter.next_block() {
            Ok(Some(block)) => {
                any |= !block.spans.is_empty() || !block.rejects.is_empty();
                if shared.failed.load(Ordering::Relaxed) || tx.send(Work { input: i, block }).is_err() {
                    return Ok(()); // a worker failed; its error is reported from there
                }
            }
            Ok(None) => break,
            Err(e) => {
                file_problem(format!("read error, the rest of the file was not read: {e}"))?;
                break;
            }
        }
    }
    if let Some((at, e)) = splitter.take_error() {
        file_problem(format!(
            "read error after byte {at} of the decoded text, the rest of the file was not read: {e}"
        ))?;
    }
    for w in std::mem::take(&mut splitter.warnings) {
        shared.quarantine(
            Diagnostic {
                file: name.to_string(),
                line: w.line,
                offset: w.offset,
                reason: w.reason,
                record: String::new(),
            },
            true,
        )?;
    }
    if !any {
        file_problem("empty: no records found".into())?;
    }
    Ok(())
}

/// A worker: normalises records, drops duplicates, writes the rest. On an error it raises
/// `failed` and keeps draining the queue so that no scanner blocks on a full channel.
/// One worker's writers: sign-ins (Entra and AD FS) by partition, and audit records.
struct Writers {
    signins: PartitionWriters,
    audits: AuditWriter,
}

impl Writers {
    fn finish(self) -> Result<Vec<StagedFile>> {
        let mut files = self.signins.finish()?;
        files.extend(self.audits.finish()?);
        Ok(files)
    }
}

fn work(
    rx: &Mutex<Receiver<Work>>,
    writers: Writers,
    names: &[String],
    opts: &IngestOptions,
    shared: &Shared,
) -> Result<Vec<StagedFile>> {
    let result = work_loop(rx, writers, names, opts, shared);
    if result.is_err() {
        shared.failed.store(true, Ordering::Relaxed);
        while rx.lock().expect("work queue").recv().is_ok() {}
    }
    result
}

/// Where a record came from.
struct Place<'a> {
    input: usize,
    name: &'a String,
    line: u64,
    offset: u64,
    context: Option<&'a str>,
    /// Which row of a query API response.
    label: Option<&'a str>,
}

impl Place<'_> {
    fn refuse(&self, shared: &Shared, reason: String, bytes: &[u8]) -> Result<()> {
        shared.quarantine(
            Diagnostic {
                file: self.name.clone(),
                line: self.line,
                offset: self.offset,
                reason: match self.label {
                    Some(l) => format!("{l}: {reason}"),
                    None => reason,
                },
                record: String::from_utf8_lossy(&bytes[..bytes.len().min(1 << 20)]).into_owned(),
            },
            false,
        )
    }
}

/// Stores a sign-in unless its id is already in `table`.
#[allow(clippy::too_many_arguments)]
fn store_sign_in(
    table: &'static str,
    s: &crate::normalize::SignIn<'_>,
    text: &str,
    at: &Place<'_>,
    shared: &Shared,
    writers: &mut Writers,
    stored: &mut u64,
    duplicates: &mut u64,
) -> Result<()> {
    if shared.first_sighting(table, &s.id) {
        writers.signins.append(table, s, text, at.name, at.line)?;
        *stored += 1;
    } else {
        *duplicates += 1;
    }
    Ok(())
}

/// Reads one record and stores, skips (duplicate), collects (inventory) or quarantines it.
fn one_record(
    text: &str,
    at: &Place<'_>,
    opts: &IngestOptions,
    shared: &Shared,
    writers: &mut Writers,
    stored: &mut u64,
    duplicates: &mut u64,
) -> Result<()> {
    let record = match opts.kind {
        Kind::Auto => read_record(text, opts.hint, at.context),
        Kind::SignIns => normalize(text, opts.hint).map(Record::SignIn),
        Kind::Credentials => inventory::parse_object(text, at.context).map(Record::Inventory),
        Kind::RpTrusts => crate::normalize::rp_trust::parse(text).map(Record::RpTrust),
        Kind::Registrations => crate::normalize::registration::parse(text).map(Record::Registration),
        // A sign-in that names no table is taken as AD FS here.
        Kind::Adfs => match read_record(text, opts.hint, at.context) {
            Ok(Record::SignIn(s) | Record::AdfsSignIn(s)) => Ok(Record::AdfsSignIn(s)),
            Ok(_) => Err(crate::normalize::Refusal("not an AD FS sign-in (--kind adfs)".into())),
            Err(e) => Err(e),
        },
        // A record that reads as nothing else is read as an audit record all the same.
        Kind::Audits => match read_record(text, None, at.context) {
            Ok(Record::Audit(a)) => Ok(Record::Audit(a)),
            Ok(_) => Err(crate::normalize::Refusal("not an audit record (--kind audits)".into())),
            Err(_) => crate::normalize::audit::parse(text, None).map(Record::Audit),
        },
    };
    match record {
        Ok(Record::SignIn(s)) => store_sign_in(SIGNINS, &s, text, at, shared, writers, stored, duplicates)?,
        Ok(Record::AdfsSignIn(s)) => store_sign_in(ADFS_SIGNINS, &s, text, at, shared, writers, stored, duplicates)?,
        Ok(Record::Audit(a)) => {
            if shared.first_sighting(AUDITS, &a.id) {
                writers.audits.append(&a, text, at.name, at.line)?;
                *stored += 1;
            } else {
                *duplicates += 1;
            }
        }
        Ok(Record::RpTrust(trust)) => {
            let stored_trust = StoredTrust {
                name: trust.name,
                identifier: trust.identifiers.first().cloned().unwrap_or_default(),
                file: at.name.clone(),
                line: at.line,
                raw: text.to_string(),
            };
            shared.rp_trusts.lock().expect("rp trusts").push((at.input, stored_trust));
        }
        Ok(Record::Registration(registration)) => {
            let raw = opts.write.keep_raw.then(|| text.to_string());
            let stored = StoredRegistration { registration, file: at.name.clone(), line: at.line, raw };
            shared.registrations.lock().expect("registrations").push((at.input, stored));
        }
        Ok(Record::Inventory(object)) => {
            let raw = opts.write.keep_raw.then(|| text.to_string());
            let sourced = Sourced { object, file: at.name.clone(), line: at.line, raw };
            shared.inventory.lock().expect("inventory").push((at.input, sourced));
        }
        Err(refusal) => at.refuse(shared, refusal.0, text.as_bytes())?,
    }
    Ok(())
}

fn work_loop(
    rx: &Mutex<Receiver<Work>>,
    mut writers: Writers,
    names: &[String],
    opts: &IngestOptions,
    shared: &Shared,
) -> Result<Vec<StagedFile>> {
    loop {
        let next = rx.lock().expect("work queue").recv();
        let Ok(Work { input, block }) = next else { break };
        let name = &names[input];
        let mut stored = 0;
        let mut duplicates = 0;
        for r in &block.rejects {
            shared.quarantine(
                Diagnostic {
                    file: name.clone(),
                    line: r.line,
                    offset: r.offset,
                    reason: r.reason.clone(),
                    record: String::from_utf8_lossy(&r.text).into_owned(),
                },
                false,
            )?;
        }
        shared.read.fetch_add((block.spans.len() + block.rejects.len()) as u64, Ordering::Relaxed);
        for (k, span) in block.spans.iter().enumerate() {
            let bytes = &block.bytes[span.start..span.end];
            let at =
                Place { input, name, line: span.line, offset: span.offset, context: block.context_of(k), label: None };
            let text = match std::str::from_utf8(bytes) {
                Ok(text) => text,
                Err(e) => {
                    let reason = format!("invalid UTF-8 at byte {} of the record", e.valid_up_to());
                    at.refuse(shared, reason, bytes)?;
                    continue;
                }
            };
            if !tables::is_response(text) {
                one_record(text, &at, opts, shared, &mut writers, &mut stored, &mut duplicates)?;
                continue;
            }
            // A query API response: each row is a record.
            match tables::rows(text) {
                Err(reason) => at.refuse(shared, reason, bytes)?,
                Ok(rows) => {
                    shared.read.fetch_add(rows.len() as u64, Ordering::Relaxed);
                    shared.read.fetch_sub(1, Ordering::Relaxed);
                    for row in rows {
                        let at = Place { label: Some(&row.label), ..at };
                        match row.text {
                            Ok(t) => one_record(&t, &at, opts, shared, &mut writers, &mut stored, &mut duplicates)?,
                            Err(reason) => at.refuse(shared, reason, b"")?,
                        }
                    }
                }
            }
        }
        shared.stored.fetch_add(stored, Ordering::Relaxed);
        shared.duplicates.fetch_add(duplicates, Ordering::Relaxed);
        shared.buffers.give(block.bytes);
    }
    writers.finish()
}
