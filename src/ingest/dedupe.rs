//! Which ids the store already holds, read only where this ingest's records fall (issue 19).
//!
//! A duplicate is the same record: the same table, the same event type and the same time. So a
//! record is looked up only in the stored files of its table and event type whose time span
//! (from the manifest, widened by [`MARGIN`]) holds its time: one day's partition, and the
//! neighbouring day's near midnight, where the same sign-in exported in another shape may have
//! landed (Log Analytics and Graph write its time with different precision). Files no record
//! falls in are never opened. In a file, the first [`SPARSE_LOOKUPS`] lookups go through each
//! row group's bloom filter on the id: a row group is read only when its filter cannot rule the
//! id out (a new id passes one in a hundred), so a handful of new records into a store of
//! hundreds of millions reads almost no id. A file looked in more often than that (a day's
//! export into its day) has all its ids read and kept sorted (16 bytes an id); past a limit of
//! ids held (issue 20) the files looked in longest ago are dropped and read again if a record
//! needs them, so memory stays flat however many days the input touches. Files written without
//! filters (before they were kept) are read whole at the first lookup. An ingest into a large
//! store thus costs what its input touches, not what the store holds. The ids this run stores
//! are kept by [`RunIds`].

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::run_ids::RunIds;
use crate::domain::MICROS_PER_DAY;
use crate::error::{Error, Result};
use crate::store::manifest::{FileEntry, Manifest};
use crate::store::reader::{RowGroup, ValueFilter};
use crate::store::schema::ID;
use crate::store::{ADFS_SIGNINS, AUDITS, SIGNINS, Store, id_hash};

/// How far apart in time the same record may be stored by two export shapes: a stored file is
/// looked in when a record's time lies within its span widened by this much either side.
pub const MARGIN: i64 = 3_600_000_000;

/// Lookups in one file that go through its row groups' bloom filters; after them the file's
/// ids are read whole (one binary search a lookup rather than a filter check per row group).
const SPARSE_LOOKUPS: u32 = 256;

/// Stored ids held whole for each id of the run held in memory: four, so that the files of one
/// busy day stay held while the run's ids of that day are in memory.
const STORED_PER_RUN: usize = 4;

/// What an ingest (or a merge of stores) has seen: the ids it stored so far, and the store's own.
pub(crate) struct Dedupe {
    /// The 128-bit hashes of the ids stored in this run, by table and hour, in bounded memory.
    pub run: RunIds,
    /// The ids the store held before, read where this run's records fall.
    pub stored: StoredIds,
}

impl Dedupe {
    /// At most `ids_in_memory` of this run's ids in memory (the rest written to `run_dir`, see
    /// [`RunIds`]) and [`STORED_PER_RUN`] times as many of the store's.
    pub(crate) fn new(store: &Store, manifest: &Manifest, run_dir: PathBuf, ids_in_memory: usize) -> Dedupe {
        Dedupe {
            run: RunIds::new(run_dir, ids_in_memory),
            stored: StoredIds::new(store, manifest, ids_in_memory.saturating_mul(STORED_PER_RUN)),
        }
    }

    /// True the first time an id is seen in the store or this run: a record of `table`,
    /// event type `kind` (empty for audits), at time `t`.
    pub(crate) fn first_sighting(&self, table: &'static str, kind: &str, t: i64, id: &str) -> Result<bool> {
        let h = id_hash(table, id);
        if self.stored.contains(table, kind, t, id, h)? {
            return Ok(false);
        }
        // The run's check and insert are one step: of two workers with the same new id, one
        // inserts it first.
        self.run.insert(table, t, h)
    }
}

/// The stored ids an ingest compares with, loaded file by file as records need them.
pub(crate) struct StoredIds {
    store: Store,
    files: Vec<(&'static str, FileEntry)>,
    /// table -> event type -> UTC day -> the files whose widened span touches that day.
    index: HashMap<&'static str, HashMap<String, HashMap<i64, Vec<usize>>>>,
    loaded: Vec<FileIds>,
    /// The files whose ids are held whole, and how many ids.
    resident: Mutex<Resident>,
    /// Counts lookups in whole files: when each was last looked in.
    clock: AtomicU64,
    /// Stored ids read so far.
    pub ids_read: AtomicU64,
}

/// The files whose ids are held whole: past the limit those looked in longest ago are dropped
/// (and read again if a record needs them), so an ingest's memory does not grow with the days
/// its input touches.
struct Resident {
    /// (file, ids).
    held: Vec<(usize, usize)>,
    total: usize,
    limit: usize,
}

impl StoredIds {
    pub(crate) fn new(store: &Store, manifest: &Manifest, in_memory: usize) -> StoredIds {
        let mut files = Vec::new();
        let mut index: HashMap<&'static str, HashMap<String, HashMap<i64, Vec<usize>>>> = HashMap::new();
        for table in [SIGNINS, ADFS_SIGNINS, AUDITS] {
            for f in manifest.files(table) {
                let i = files.len();
                files.push((table, f.clone()));
                if f.rows == 0 || f.min_time_us > f.max_time_us {
                    continue;
                }
                let days = index.entry(table).or_default().entry(f.event_type.clone()).or_default();
                let first = f.min_time_us.saturating_sub(MARGIN).div_euclid(MICROS_PER_DAY);
                let last = f.max_time_us.saturating_add(MARGIN).div_euclid(MICROS_PER_DAY);
                for day in first..=last {
                    days.entry(day).or_default().push(i);
                }
            }
        }
        let loaded = files.iter().map(|_| FileIds::default()).collect();
        let resident = Mutex::new(Resident { held: Vec::new(), total: 0, limit: in_memory });
        StoredIds {
            store: store.clone(),
            files,
            index,
            loaded,
            resident,
            clock: AtomicU64::new(0),
            ids_read: AtomicU64::new(0),
        }
    }

    /// Whether a stored record of `table` and event type `kind` (empty for audits) near time
    /// `t` has the id `id` (hash `h`).
    pub(crate) fn contains(&self, table: &str, kind: &str, t: i64, id: &str, h: u128) -> Result<bool> {
        let Some(candidates) =
            self.index.get(table).and_then(|k| k.get(kind)).and_then(|d| d.get(&t.div_euclid(MICROS_PER_DAY)))
        else {
            return Ok(false);
        };
        for &i in candidates {
            let (_, f) = &self.files[i];
            if t < f.min_time_us.saturating_sub(MARGIN) || t > f.max_time_us.saturating_add(MARGIN) {
                continue;
            }
            let found = self
                .in_file(i, id, h)
                .map_err(|e| Error::Other(format!("reading the stored ids to find duplicates: {e}")))?;
            if found {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether stored file `i` holds id `id` (hash `h`).
    fn in_file(&self, i: usize, id: &str, h: u128) -> std::result::Result<bool, String> {
        let (table, f) = &self.files[i];
        let slot = &self.loaded[i];
        let whole = |slot: &FileIds| -> std::result::Result<bool, String> {
            slot.used.store(self.clock.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
            let mut all = slot.all.lock().expect("stored ids");
            let ids = match &*all {
                Some(ids) => ids.clone(),
                None => {
                    let ids = Arc::new(self.store.file_id_hashes(table, f).map_err(|e| e.to_string())?);
                    self.ids_read.fetch_add(ids.len() as u64, Ordering::Relaxed);
                    *all = Some(ids.clone());
                    drop(all);
                    self.keep(i, ids.len());
                    ids
                }
            };
            Ok(ids.binary_search(&h).is_ok())
        };
        if slot.whole.load(Ordering::Acquire) {
            return whole(slot);
        }
        let mut sparse = slot.sparse.lock().expect("stored ids");
        sparse.lookups += 1;
        if sparse.lookups > SPARSE_LOOKUPS {
            sparse.groups = Some(Vec::new());
            slot.whole.store(true, Ordering::Release);
            drop(sparse);
            return whole(slot);
        }
        if sparse.groups.is_none() {
            let groups = crate::store::reader::row_groups(&self.store, table, std::slice::from_ref(f))
                .map_err(|e| e.to_string())?;
            let filtered: Vec<Group> =
                groups.into_iter().map(|rg| Group { filter: rg.value_filter(ID), ids: None, rg }).collect();
            // A file written without filters is read whole.
            if filtered.iter().any(|g| g.filter.is_none()) {
                sparse.lookups = SPARSE_LOOKUPS;
                slot.whole.store(true, Ordering::Release);
                drop(sparse);
                return whole(slot);
            }
            sparse.groups = Some(filtered);
        }
        for g in sparse.groups.iter_mut().flatten() {
            if g.ids.is_none() && g.filter.as_ref().is_none_or(|f| f.may_hold(id)) {
                let ids = self.store.group_id_hashes(table, &g.rg).map_err(|e| e.to_string())?;
                self.ids_read.fetch_add(ids.len() as u64, Ordering::Relaxed);
                g.ids = Some(ids);
            }
            if g.ids.as_ref().is_some_and(|ids| ids.binary_search(&h).is_ok()) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Counts file `i`'s `n` ids as held, and past the limit drops the files looked in longest
    /// ago (never the one just read).
    fn keep(&self, i: usize, n: usize) {
        let victims: Vec<usize> = {
            let mut r = self.resident.lock().expect("stored ids");
            r.held.push((i, n));
            r.total += n;
            let mut v = Vec::new();
            while r.total > r.limit && r.held.len() > 1 {
                let Some(k) = (0..r.held.len())
                    .filter(|&k| r.held[k].0 != i)
                    .min_by_key(|&k| self.loaded[r.held[k].0].used.load(Ordering::Relaxed))
                else {
                    break;
                };
                let (j, m) = r.held.swap_remove(k);
                r.total -= m;
                v.push(j);
            }
            v
        };
        // Each file's own lock is taken with no other held (a worker reading a file holds its lock).
        for j in victims {
            *self.loaded[j].all.lock().expect("stored ids") = None;
        }
    }
}

/// One stored file's ids, as lookups need them.
#[derive(Default)]
struct FileIds {
    /// All of them, sorted, once the file has been looked in often (`None` again when dropped
    /// to keep memory flat).
    all: Mutex<Option<Arc<Vec<u128>>>>,
    /// Lookups go to `all` (reading the file again if it was dropped).
    whole: AtomicBool,
    /// The lookup clock when it was last looked in whole.
    used: AtomicU64,
    /// Until then: the lookups so far, and each row group with its filter and, once a lookup
    /// could not rule it out, its ids.
    sparse: Mutex<Sparse>,
}

#[derive(Default)]
struct Sparse {
    lookups: u32,
    /// `None` until the first lookup reads the footer; emptied when the file is read whole.
    groups: Option<Vec<Group>>,
}

struct Group {
    rg: RowGroup,
    filter: Option<ValueFilter>,
    /// Its ids, sorted, once read.
    ids: Option<Vec<u128>>,
}
