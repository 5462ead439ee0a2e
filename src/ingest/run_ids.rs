//! The ids an ingest (or a merge of stores) has stored so far, in bounded memory (issue 20).
//!
//! A duplicate is the same record: the same id in the same table at the same time (within
//! [`MARGIN`], the precision two export shapes may differ by), as
//! [`StoredIds`](super::dedupe::StoredIds) finds it in the store (which also looks only in files
//! of the record's event type, as the store keeps them). So the ids are kept by table and hour of
//! their time, and a record is looked up in the hours its time can reach. Up to [`IN_MEMORY`]
//! ids are held in hash sets; past that, the hours touched least recently are written to the
//! staging folder as sorted runs of 128-bit hashes (16 bytes an id on disk) with one key of every
//! [`PAGE`] kept in memory, and a lookup in such an hour reads one page of each of its runs. Exports come roughly in time order, so
//! the hours written out are seldom looked in again, and memory stays flat whatever the size of
//! the input; an input in random time order is as exact, only slower. The files go with the
//! staging folder when the ingest commits or fails.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use foldhash::{HashMap, HashMapExt};

use super::dedupe::MARGIN;
use crate::error::{Error, Result};
use crate::store::IdSet;

/// Ids held in memory before the hours touched least recently are written out (about 25 bytes
/// each in a hash set: 32 MB).
pub const IN_MEMORY: usize = 1 << 20;
/// Ids of a run between two keys of its in-memory index: one read of 4 KiB a lookup.
const PAGE: usize = 256;
/// Runs an hour may have before they are merged into one.
const MAX_RUNS: usize = 4;
const HOUR: i64 = 3_600_000_000;

/// An hour of one table.
type Key = (&'static str, i64);

/// The ids seen in this run.
pub(crate) struct RunIds {
    inner: Mutex<Inner>,
}

struct Inner {
    dir: PathBuf,
    in_memory_limit: usize,
    hours: HashMap<Key, Hour>,
    in_memory: usize,
    clock: u64,
    files: u64,
    /// Ids written out so far (for the summary and the tests).
    spilled: u64,
}

#[derive(Default)]
struct Hour {
    ids: IdSet,
    runs: Vec<Run>,
    touched: u64,
}

/// The file of one spill, open for the lookups that read it back.
struct Spill {
    path: PathBuf,
    /// Read only under the [`RunIds`] lock, so its shared offset is never moved by another read.
    file: File,
}

/// A sorted run of one hour's id hashes in a file of a spill, with the first hash of every page.
struct Run {
    spill: Arc<Spill>,
    /// Where in the file it starts, in ids.
    start: u64,
    len: usize,
    index: Vec<u128>,
}

impl RunIds {
    /// At most `in_memory_limit` ids held in memory; runs written out go to `dir` (made when
    /// first needed; the caller removes it).
    pub(crate) fn new(dir: PathBuf, in_memory_limit: usize) -> RunIds {
        RunIds {
            inner: Mutex::new(Inner {
                dir,
                in_memory_limit: in_memory_limit.max(1),
                hours: HashMap::new(),
                in_memory: 0,
                clock: 0,
                files: 0,
                spilled: 0,
            }),
        }
    }

    /// Whether a record of `table` with id hash `h` near time `t` was seen in this run.
    #[cfg(test)]
    fn contains(&self, table: &'static str, t: i64, h: u128) -> Result<bool> {
        self.inner.lock().expect("run ids").contains(table, t, h)
    }

    /// Records the id unless it was seen: true when it is new (two workers with the same new id:
    /// one of them gets true).
    pub(crate) fn insert(&self, table: &'static str, t: i64, h: u128) -> Result<bool> {
        let mut inner = self.inner.lock().expect("run ids");
        if inner.contains(table, t, h)? {
            return Ok(false);
        }
        inner.clock += 1;
        let clock = inner.clock;
        let hour = inner.hours.entry((table, t.div_euclid(HOUR))).or_default();
        hour.touched = clock;
        hour.ids.insert(h);
        inner.in_memory += 1;
        if inner.in_memory > inner.in_memory_limit {
            inner.spill()?;
        }
        Ok(true)
    }

    /// Ids written out to disk so far.
    pub(crate) fn spilled(&self) -> u64 {
        self.inner.lock().expect("run ids").spilled
    }
}

impl Inner {
    fn contains(&mut self, table: &'static str, t: i64, h: u128) -> Result<bool> {
        let first = t.saturating_sub(MARGIN).div_euclid(HOUR);
        let last = t.saturating_add(MARGIN).div_euclid(HOUR);
        for hour in first..=last {
            let Some(hr) = self.hours.get(&(table, hour)) else { continue };
            if hr.ids.contains(&h) {
                return Ok(true);
            }
            for run in &hr.runs {
                if run.contains(h)? {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Writes out the hours touched least recently until half the limit is left in memory, all
    /// into one file (an input spread over many hours makes few files). An hour's earlier runs
    /// are merged into its new one once it would have [`MAX_RUNS`].
    fn spill(&mut self) -> Result<()> {
        let mut order: Vec<(u64, Key)> =
            self.hours.iter().filter(|(_, h)| !h.ids.is_empty()).map(|(k, h)| (h.touched, *k)).collect();
        order.sort_unstable();
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        self.files += 1;
        let path = self.dir.join(format!("ids-{:06}.bin", self.files));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        let spill = Arc::new(Spill { path, file });
        let path = &spill.path;
        let mut out = BufWriter::with_capacity(1 << 16, &spill.file);
        let mut at = 0u64;
        for (_, key) in order {
            if self.in_memory <= self.in_memory_limit / 2 {
                break;
            }
            let hour = self.hours.get_mut(&key).expect("listed above");
            let mut ids: Vec<u128> = std::mem::take(&mut hour.ids).into_iter().collect();
            self.in_memory -= ids.len();
            self.spilled += ids.len() as u64;
            if hour.runs.len() + 1 >= MAX_RUNS {
                for run in std::mem::take(&mut hour.runs) {
                    ids.extend(run.read_all()?);
                }
            }
            ids.sort_unstable();
            for h in &ids {
                out.write_all(&h.to_le_bytes()).map_err(|e| Error::io(path, e))?;
            }
            let index = ids.iter().step_by(PAGE).copied().collect();
            hour.runs.push(Run { spill: spill.clone(), start: at, len: ids.len(), index });
            at += ids.len() as u64;
        }
        out.flush().map_err(|e| Error::io(path, e))?;
        Ok(())
    }
}

impl Run {
    /// `n` ids of the run from its `from`th.
    fn read(&self, from: usize, n: usize) -> Result<Vec<u128>> {
        let (path, mut f) = (&self.spill.path, &self.spill.file);
        let mut buf = vec![0u8; n * 16];
        f.seek(SeekFrom::Start((self.start + from as u64) * 16)).map_err(|e| Error::io(path, e))?;
        f.read_exact(&mut buf).map_err(|e| Error::io(path, e))?;
        Ok(buf.chunks_exact(16).map(|c| u128::from_le_bytes(c.try_into().expect("16 bytes"))).collect())
    }

    fn contains(&self, h: u128) -> Result<bool> {
        let page = match self.index.partition_point(|k| *k <= h) {
            0 => return Ok(false),
            i => i - 1,
        };
        if self.index[page] == h {
            return Ok(true);
        }
        let start = page * PAGE;
        Ok(self.read(start, PAGE.min(self.len - start))?.binary_search(&h).is_ok())
    }

    fn read_all(&self) -> Result<Vec<u128>> {
        self.read(0, self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The naive reference: every (table, hour, id) in one set, looked up over the same hours.
    fn naive(
        seen: &std::collections::HashSet<(&'static str, i64, u128)>,
        table: &'static str,
        t: i64,
        h: u128,
    ) -> bool {
        let (first, last) = ((t - MARGIN).div_euclid(HOUR), (t + MARGIN).div_euclid(HOUR));
        (first..=last).any(|hour| seen.contains(&(table, hour, h)))
    }

    #[test]
    fn finds_every_id_seen_whether_in_memory_or_written_out() {
        let dir = tempfile::tempdir().unwrap();
        let ids = RunIds::new(dir.path().join("ids"), 50);
        let mut seen = std::collections::HashSet::new();
        // A pseudo-random walk over times (mostly forward, sometimes back by days), ids drawn
        // from a small pool so that repeats happen in and out of the margin.
        let mut x: u64 = 12345;
        let mut t: i64 = 1_700_000_000_000_000;
        let (mut new, mut repeats) = (0, 0);
        for _ in 0..20_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            t += match x >> 60 {
                0 => -((x >> 20) as i64 % (3 * 24 * HOUR)),
                _ => (x >> 24) as i64 % (HOUR / 60),
            };
            let h = u128::from((x >> 33) % 200) * 0x9e37_79b9_7f4a_7c15;
            let table = if x & 1 == 0 { "signins" } else { "audits" };
            let expected = naive(&seen, table, t, h);
            assert_eq!(ids.contains(table, t, h).unwrap(), expected, "lookup at {t}");
            let inserted = ids.insert(table, t, h).unwrap();
            assert_eq!(inserted, !expected);
            if inserted {
                seen.insert((table, t.div_euclid(HOUR), h));
                new += 1;
            } else {
                repeats += 1;
            }
        }
        let spilled = ids.spilled();
        assert!(spilled > 1000, "the limit of 50 wrote ids out: {spilled}");
        assert!(new > 1000 && repeats > 500, "both cases exercised: {new} new, {repeats} repeats");
        let inner = ids.inner.lock().unwrap();
        assert!(inner.in_memory <= 50, "memory bounded: {}", inner.in_memory);
        assert!(inner.hours.values().all(|h| h.runs.len() < MAX_RUNS), "runs merged");
        // One file a spill, whatever the hours it writes out (each spill writes at least 25 ids).
        assert!(inner.files * 25 <= spilled, "{} files for {spilled} ids", inner.files);
    }
}
