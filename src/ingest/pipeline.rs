//! The threads of an ingest: scanner threads (one file at a time each) decode and split their
//! inputs into blocks of record spans; worker threads (one per core) take whole blocks from a
//! bounded channel, read each record ([`dispatch`](super::dispatch)) and write Parquet. The
//! channel keeps memory flat whatever the input size, and block buffers go back to a pool.

use std::fs;
use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::dedupe::Dedupe;
use super::dispatch::{Place, one_record};
use super::snapshots::Collected;
use super::summary::{Diagnostic, Quarantine};
use super::{IngestOptions, Input, Progress, decode, delimited, split, tables};
use crate::error::Result;
use crate::store::Transaction;
use crate::store::audits::AuditWriter;
use crate::store::credentials::Sourced;
use crate::store::registrations::StoredRegistration;
use crate::store::rp_trusts::StoredTrust;
use crate::store::writer::{PartitionWriters, StagedFile};

/// The records of the snapshot tables, collected by the workers.
#[derive(Default)]
pub(crate) struct Snapshots {
    pub inventory: Collected<Sourced>,
    pub trusts: Collected<StoredTrust>,
    pub registrations: Collected<StoredRegistration>,
}

/// Bytes of blocks between the scanners and the workers. The channel bounds the number of
/// blocks; this bounds their bytes, which matters when records near the size limit make blocks
/// of tens of megabytes: a scanner waits until the workers have taken enough of them.
struct InFlight {
    bytes: Mutex<usize>,
    freed: std::sync::Condvar,
    limit: usize,
    /// A worker failed: nobody waits any more.
    closed: AtomicBool,
}

impl InFlight {
    /// Waits until `n` more bytes fit (a block larger than the limit waits for an empty pipe).
    fn take(&self, n: usize) {
        let mut b = self.bytes.lock().expect("in flight");
        while *b > 0 && *b + n > self.limit && !self.closed.load(Ordering::Relaxed) {
            b = self.freed.wait(b).expect("in flight");
        }
        *b += n;
    }

    fn give(&self, n: usize) {
        let mut b = self.bytes.lock().expect("in flight");
        *b = b.saturating_sub(n);
        self.freed.notify_all();
    }

    fn close(&self) {
        let _b = self.bytes.lock().expect("in flight");
        self.closed.store(true, Ordering::Relaxed);
        self.freed.notify_all();
    }
}

/// Shared state of one ingest's threads.
pub(crate) struct Shared {
    /// The ids this ingest stored and those the store held before.
    pub dedupe: Dedupe,
    pub read: AtomicU64,
    pub stored: AtomicU64,
    pub duplicates: AtomicU64,
    pub raw_bytes: Arc<AtomicU64>,
    pub quarantine: Quarantine,
    buffers: split::BufferPool,
    pub snapshots: Snapshots,
    /// Set by a worker that failed (e.g. disk full): scanners stop, the ingest is not committed.
    failed: AtomicBool,
    in_flight: InFlight,
}

impl Shared {
    pub(crate) fn new(dedupe: Dedupe, quarantine: Quarantine) -> Shared {
        Shared {
            dedupe,
            read: AtomicU64::new(0),
            stored: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            raw_bytes: Arc::new(AtomicU64::new(0)),
            quarantine,
            buffers: split::BufferPool::default(),
            snapshots: Snapshots::default(),
            failed: AtomicBool::new(false),
            in_flight: InFlight {
                bytes: Mutex::new(0),
                freed: std::sync::Condvar::new(),
                limit: 64 << 20,
                closed: AtomicBool::new(false),
            },
        }
    }
}

/// A block of one input, on its way from a scanner to a worker.
struct Work {
    input: usize,
    block: split::Block,
}

/// Runs the scanners and workers over `inputs`; returns the files the workers staged.
pub(crate) fn run_threads(
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
        Input::Skipped { .. } => Box::new(std::io::empty()),
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
    tx: &SyncSender<Work>,
) -> Result<()> {
    let file_problem = |reason: String| {
        shared
            .quarantine
            .add(Diagnostic { file: name.to_string(), line: 0, offset: 0, reason, record: String::new() }, true)
    };
    match input {
        Input::Skipped { reason, problem: true, .. } => return file_problem(reason.clone()),
        Input::Skipped { problem: false, .. } => return Ok(()),
        _ => {}
    }
    let replaced = Arc::new(AtomicU64::new(0));
    let surrogates = || match replaced.load(Ordering::Relaxed) {
        0 => Ok(()),
        n => file_problem(format!(
            "{n} unpaired UTF-16 surrogate{} replaced by U+FFFD: the stored text differs from the file there",
            if n == 1 { " was" } else { "s were" }
        )),
    };
    let decoded = open_input(input, shared.raw_bytes.clone())
        .and_then(|r| decode::decode(r, opts.max_inflated, replaced.clone()));
    let stream = match decoded {
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
            shared.in_flight.take(block.bytes.len());
            !shared.failed.load(Ordering::Relaxed) && tx.send(Work { input: i, block }).is_ok()
        });
        if let Err(e) = read {
            file_problem(format!("CSV read error, the rest of the file was not read: {e}"))?;
        } else if !any {
            file_problem("empty: a CSV header and no rows".into())?;
        }
        return surrogates();
    }
    let mut splitter = split::Splitter::new(stream, opts.max_record).with_pool(shared.buffers.clone());
    let mut any = false;
    loop {
        match splitter.next_block() {
            Ok(Some(block)) => {
                any |= !block.spans.is_empty() || !block.rejects.is_empty();
                shared.in_flight.take(block.bytes.len());
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
        shared.quarantine.add(
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
    surrogates()
}

/// One worker's writers: sign-ins (Entra and AD FS) by partition, and audit records.
pub(crate) struct Writers {
    pub signins: PartitionWriters,
    pub audits: AuditWriter,
}

impl Writers {
    fn finish(self) -> Result<Vec<StagedFile>> {
        let mut files = self.signins.finish()?;
        files.extend(self.audits.finish()?);
        Ok(files)
    }
}

/// A worker: normalises records, drops duplicates, writes the rest. On an error it raises
/// `failed` and keeps draining the queue so that no scanner blocks on a full channel.
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
        shared.in_flight.close();
        while rx.lock().expect("work queue").recv().is_ok() {}
    }
    result
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
            shared.quarantine.add(
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
            let text = match simdutf8::compat::from_utf8(bytes) {
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
        shared.in_flight.give(block.bytes.len());
        shared.buffers.give(block.bytes);
    }
    writers.finish()
}
