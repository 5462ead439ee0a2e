//! What an ingest tells: the quarantine (every record or file that was not ingested, with file,
//! line, byte offset and reason, written as JSON lines beside the staged files) and the numbers
//! of the one summary line of SPEC section 5.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::normalize::inventory::Origin;

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
    /// Rejects counted but not kept in the quarantine file (past its limits).
    pub not_kept: u64,
    /// Credential inventory snapshots this ingest stored (each replaced the previous one of
    /// its origin).
    pub inventory: Vec<InventorySummary>,
    /// Ids of stored records read to find duplicates: those of the stored files whose time span
    /// holds a record of this ingest (see `ingest::dedupe`), not the whole store.
    pub stored_ids_read: u64,
    /// Ids of this ingest written to disk to keep its memory flat (`IngestOptions::ids_in_memory`).
    pub run_ids_written: u64,
    /// The partitions this ingest added to that now have many files (`store compact` makes
    /// each one file).
    pub crowded: Vec<Crowded>,
}

/// A partition with many files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crowded {
    /// Table, event type and day, e.g. `signins interactiveUser 2026-10-31`.
    pub partition: String,
    pub files: usize,
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

/// How many diagnostics the summary carries for the terminal; all are in the quarantine file.
const SHOWN_DIAGNOSTICS: usize = 20;

/// How much of the rejected text one ingest keeps in its quarantine: a hostile or broken export
/// can reject a million tiny records from a few kilobytes of gzip, and the quarantine must not
/// amplify that onto the disk. Every reject is counted whatever the limits; problems of whole
/// files are always kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuarantineLimits {
    /// Rejected records kept per input file.
    pub per_file: u64,
    /// Rejected records kept per ingest.
    pub per_ingest: u64,
    /// Bytes of rejected text kept per ingest.
    pub bytes: u64,
}

impl Default for QuarantineLimits {
    fn default() -> Self {
        QuarantineLimits { per_file: 10_000, per_ingest: 100_000, bytes: 256 << 20 }
    }
}

/// The quarantine of one ingest: a JSON lines file made on the first problem, the first
/// diagnostics for the terminal, and the counts of rejected records and file problems.
pub(crate) struct Quarantine {
    inner: Mutex<QuarantineFile>,
    limits: QuarantineLimits,
    pub(crate) records: AtomicU64,
    pub(crate) file_problems: AtomicU64,
    /// Rejects counted but, past the limits, not written.
    pub(crate) not_kept: AtomicU64,
}

struct QuarantineFile {
    path: PathBuf,
    out: Option<BufWriter<fs::File>>,
    shown: Vec<Diagnostic>,
    kept: u64,
    bytes: u64,
    per_file: std::collections::HashMap<String, u64>,
}

impl Quarantine {
    pub(crate) fn new(path: PathBuf, limits: QuarantineLimits) -> Quarantine {
        Quarantine {
            inner: Mutex::new(QuarantineFile {
                path,
                out: None,
                shown: Vec::new(),
                kept: 0,
                bytes: 0,
                per_file: Default::default(),
            }),
            limits,
            records: AtomicU64::new(0),
            file_problems: AtomicU64::new(0),
            not_kept: AtomicU64::new(0),
        }
    }

    /// Counts `d` and writes it unless past the limits; `whole_file` counts it as a problem of a
    /// file rather than of a record.
    pub(crate) fn add(&self, d: Diagnostic, whole_file: bool) -> Result<()> {
        if whole_file {
            self.file_problems.fetch_add(1, Ordering::Relaxed);
        } else {
            self.records.fetch_add(1, Ordering::Relaxed);
        }
        let mut q = self.inner.lock().expect("quarantine");
        if !whole_file {
            let size = (d.record.len() + d.reason.len()) as u64;
            let of_file = q.per_file.get(&d.file).copied().unwrap_or(0);
            if of_file >= self.limits.per_file
                || q.kept >= self.limits.per_ingest
                || q.bytes.saturating_add(size) > self.limits.bytes
            {
                self.not_kept.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
            *q.per_file.entry(d.file.clone()).or_default() += 1;
            q.kept += 1;
            q.bytes += size;
        }
        let path = q.path.clone();
        if q.out.is_none() {
            let f = fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
            q.out = Some(BufWriter::new(f));
        }
        let out = q.out.as_mut().expect("opened above");
        serde_json::to_writer(&mut *out, &d).map_err(|e| Error::io(&path, e.into()))?;
        out.write_all(b"\n").map_err(|e| Error::io(&path, e))?;
        if q.shown.len() < SHOWN_DIAGNOSTICS {
            q.shown.push(d);
        }
        Ok(())
    }

    /// Syncs the file; returns its path (if any problem was written) and the diagnostics shown.
    pub(crate) fn finish(self) -> Result<(Option<PathBuf>, Vec<Diagnostic>)> {
        let q = self.inner.into_inner().expect("quarantine");
        let file = match q.out {
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
        Ok((file, q.shown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_and_the_quarantine_count_what_happened() {
        let dir = tempfile::tempdir().unwrap();
        let q = Quarantine::new(dir.path().join("q.jsonl"), QuarantineLimits::default());
        let none = Quarantine::new(dir.path().join("none.jsonl"), QuarantineLimits::default());
        assert_eq!(none.finish().unwrap().0, None, "no problem, no file");
        for i in 0..25 {
            let d =
                Diagnostic { file: "a.json".into(), line: i, offset: 10 * i, reason: "bad".into(), record: "{".into() };
            q.add(d, i == 0).unwrap();
        }
        assert_eq!((q.records.load(Ordering::Relaxed), q.file_problems.load(Ordering::Relaxed)), (24, 1));
        let (file, shown) = q.finish().unwrap();
        assert_eq!(shown.len(), SHOWN_DIAGNOSTICS);
        assert_eq!(shown[0].to_string(), "a.json: bad", "a whole-file problem names no line");
        assert_eq!(shown[1].to_string(), "a.json:1 (byte 10): bad");
        let text = fs::read_to_string(file.unwrap()).unwrap();
        assert_eq!(text.lines().count(), 25, "every diagnostic is in the file");
        // Past the limits, rejects are counted, not kept; problems of whole files are kept.
        let limits = QuarantineLimits { per_file: 2, per_ingest: 3, bytes: 1 << 20 };
        let q = Quarantine::new(dir.path().join("capped.jsonl"), limits);
        let d =
            |file: &str| Diagnostic { file: file.into(), line: 1, offset: 0, reason: "r".into(), record: "{".into() };
        for file in ["a", "a", "a", "b", "b", "c"] {
            q.add(d(file), false).unwrap();
        }
        q.add(d("c"), true).unwrap();
        assert_eq!((q.records.load(Ordering::Relaxed), q.not_kept.load(Ordering::Relaxed)), (6, 3));
        let text = fs::read_to_string(q.finish().unwrap().0.unwrap()).unwrap();
        assert_eq!(text.lines().count(), 4, "a, a, b (the ingest limit), and the file problem: {text}");
        let s = IngestSummary {
            files: 2,
            records_read: 10,
            stored: 7,
            duplicates: 2,
            quarantined: 1,
            bytes: 2_000_000,
            seconds: 0.5,
            ..IngestSummary::default()
        };
        assert!(s.incomplete());
        assert_eq!(
            s.line(),
            "ingest: 2 files, 10 records read, 7 stored, 2 duplicates skipped, 1 quarantined, 2.0 MB in 0.50 s (4.0 MB/s)"
        );
    }
}
