//! Typed rows <-> a Hive-partitioned Parquet store on disk; the only module that touches
//! Parquet. Owns the manifest (what the store holds), the ingest transaction (lock, staging,
//! atomic commit), dedupe by sign-in id, the quarantine, and `store info` / `store verify`.
//!
//! Layout:
//! ```text
//! <store>/manifest.json                  the commit point: tables -> files, ingest history
//! <store>/signins/event_type=<t>/date=YYYY-MM-DD/part-*.parquet
//! <store>/adfs_signins/event_type=<t>/date=YYYY-MM-DD/part-*.parquet   AD FS sign-ins
//! <store>/audits/part-*.parquet               directory audit records
//! <store>/credentials/origin=<o>/part-*.parquet   the credential inventory (a snapshot per origin)
//! <store>/rp_trusts/part-*.parquet            AD FS relying-party trusts (a snapshot)
//! <store>/registrations/part-*.parquet        users' authentication method registrations (a snapshot)
//! <store>/quarantine/ingest-<generation>.jsonl
//! <store>/.staging/<generation>/         files of an ingest in progress
//! <store>/.lock                          held by a running ingest
//! ```

pub mod audits;
pub mod compact;
pub mod credentials;
mod dict;
pub mod manifest;
pub mod reader;
pub mod registrations;
pub mod rp_trusts;
pub mod schema;
pub mod writer;

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};

use arrow_array::{Array, StringArray};
use rayon::prelude::*;

use crate::error::{Error, Result};
use manifest::{FileEntry, IngestRecord, Manifest, sync_dir};
use writer::StagedFile;

pub const SIGNINS: &str = "signins";
/// AD FS sign-ins (Log Analytics `ADFSSignInLogs`, diagnostic category `ADFSSignInLogs`): the
/// `signins` schema, `resource_id` holding the relying party identifier.
pub const ADFS_SIGNINS: &str = "adfs_signins";
pub const CREDENTIALS: &str = "credentials";
/// Directory audit records.
pub const AUDITS: &str = "audits";
/// AD FS relying-party trusts (a snapshot).
pub const RP_TRUSTS: &str = "rp_trusts";
/// Users' authentication method registrations, `userRegistrationDetails` (a snapshot).
pub const REGISTRATIONS: &str = "registrations";
/// Every table folder of the store.
pub const TABLES: [&str; 6] = [SIGNINS, ADFS_SIGNINS, AUDITS, CREDENTIALS, RP_TRUSTS, REGISTRATIONS];

/// The Arrow schema of every file of `table`; `None` for a name that is no table.
pub fn schema_of(table: &str) -> Option<arrow_schema::SchemaRef> {
    Some(match table {
        SIGNINS | ADFS_SIGNINS => schema::signins_schema(),
        AUDITS => audits::audits_schema(),
        CREDENTIALS => credentials::credentials_schema(),
        RP_TRUSTS => rp_trusts::rp_trusts_schema(),
        REGISTRATIONS => registrations::registrations_schema(),
        _ => return None,
    })
}

/// A store folder. Opening does not create it; the first ingest does.
#[derive(Clone, Debug)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    pub fn open(root: impl Into<PathBuf>) -> Store {
        Store { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.root.join("manifest.json")
    }

    pub fn manifest(&self) -> Result<Manifest> {
        Manifest::load(&self.manifest_path())
    }

    /// Absolute path of a manifest-relative path.
    pub fn path_of(&self, rel: &str) -> PathBuf {
        rel.split('/').fold(self.root.clone(), |p, part| p.join(part))
    }

    /// The file a manifest entry names, refused when a link takes it outside the store (the
    /// manifest checked the path's text on load; this checks what it resolves to).
    pub fn file(&self, rel: &str) -> Result<PathBuf> {
        let path = self.path_of(rel);
        let (Ok(root), Ok(real)) = (self.root.canonicalize(), path.canonicalize()) else {
            return Ok(path); // not there: opening it says so, naming it
        };
        if real.starts_with(&root) {
            Ok(path)
        } else {
            Err(Error::Manifest {
                path: self.manifest_path(),
                reason: format!("damaged: the entry {rel:?} resolves to {}, outside the store", real.display()),
            })
        }
    }

    /// Runs `f` on `manifest`; when a file it lists has vanished because an ingest committed a
    /// newer manifest meanwhile (a snapshot replaced, orphans removed), runs it once more on the
    /// new one. A reader thus sees the store before or after an ingest, never an error between.
    pub fn retrying<T>(&self, manifest: Manifest, f: impl Fn(&Manifest) -> Result<T>) -> Result<T> {
        match f(&manifest) {
            Err(e) if e.is_missing_file() => match self.manifest() {
                Ok(newer) if newer.generation != manifest.generation => f(&newer),
                _ => Err(e),
            },
            other => other,
        }
    }

    /// Starts an ingest: takes the lock (refusing if another ingest still holds it after
    /// [`LOCK_WAIT_MS`]), removes what a killed ingest left behind, and prepares a staging folder.
    pub fn begin(&self) -> Result<Transaction> {
        fs::create_dir_all(&self.root).map_err(|e| Error::io(&self.root, e))?;
        let lock_path = self.root.join(".lock");
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io(&lock_path, e))?;
        // A lock just released can still be held for a moment by a process another thread of
        // this one is starting (the child has a copy of the lock's descriptor until it execs):
        // a short wait before refusing. Another ingest in progress is refused after it.
        let mut waited = 0;
        loop {
            match lock.try_lock() {
                Ok(()) => break,
                Err(fs::TryLockError::WouldBlock) if waited < LOCK_WAIT_MS => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                    waited += 10;
                }
                Err(fs::TryLockError::WouldBlock) => return Err(Error::Locked { path: self.root.clone() }),
                Err(fs::TryLockError::Error(e)) => return Err(Error::io(&lock_path, e)),
            }
        }
        let manifest = self.manifest()?;
        self.remove_orphans(&manifest)?;
        let generation = manifest.generation + 1;
        let staging = self.root.join(".staging").join(generation.to_string());
        fs::create_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
        Ok(Transaction { store: self.clone(), _lock: lock, manifest, staging, generation })
    }

    /// Files under the table folders that the manifest does not list (left by a killed ingest).
    pub fn orphans(&self, manifest: &Manifest) -> Vec<PathBuf> {
        let listed: HashSet<PathBuf> = manifest.tables.values().flatten().map(|f| self.path_of(&f.path)).collect();
        let mut out = Vec::new();
        let mut stack: Vec<PathBuf> = TABLES.iter().map(|t| self.root.join(t)).collect();
        while let Some(dir) = stack.pop() {
            let Ok(rd) = fs::read_dir(&dir) else { continue };
            for e in rd.flatten() {
                let p = e.path();
                // The entry's own type: a link is never followed, so a link planted in the
                // store cannot lead the removal of orphans outside it.
                let Ok(kind) = e.file_type() else { continue };
                if kind.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "parquet") && !listed.contains(&p) {
                    out.push(p);
                }
            }
        }
        out.sort();
        out
    }

    fn remove_orphans(&self, manifest: &Manifest) -> Result<()> {
        for p in self.orphans(manifest) {
            fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
        }
        let staging = self.root.join(".staging");
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
        }
        Ok(())
    }

    /// The 128-bit hashes of every stored sign-in and audit id (each hashed with its table):
    /// ids are unique within a table. (An ingest reads only the files it needs:
    /// [`Store::file_id_hashes`].)
    pub fn id_hashes(&self, manifest: &Manifest) -> Result<Vec<u128>> {
        let mut all = Vec::new();
        for table in [SIGNINS, ADFS_SIGNINS, AUDITS] {
            for f in manifest.files(table) {
                all.extend(self.file_id_hashes(table, f)?);
            }
        }
        Ok(all)
    }

    /// The id hashes of one row group of a stored file of `table`, sorted.
    pub fn group_id_hashes(&self, table: &str, rg: &reader::RowGroup) -> Result<Vec<u128>> {
        let mut out = Vec::with_capacity(rg.rows);
        for batch in rg.read(&[schema::ID])? {
            let ids = batch.column(0).as_any().downcast_ref::<StringArray>().expect("id is Utf8");
            out.extend(ids.iter().flatten().map(|id| id_hash(table, id)));
        }
        out.sort_unstable();
        Ok(out)
    }

    /// The id hashes of one stored file of `table`, sorted.
    pub fn file_id_hashes(&self, table: &str, file: &manifest::FileEntry) -> Result<Vec<u128>> {
        let groups = reader::row_groups(self, table, std::slice::from_ref(file))?;
        let parts: Vec<Vec<u128>> =
            groups.par_iter().map(|rg| self.group_id_hashes(table, rg)).collect::<Result<_>>()?;
        let mut all: Vec<u128> = parts.into_iter().flatten().collect();
        all.sort_unstable();
        Ok(all)
    }

    /// Fast check before a report: every listed file is there with the size the manifest says.
    pub fn quick_check(&self, manifest: &Manifest) -> Vec<String> {
        let mut problems = Vec::new();
        for f in manifest.tables.values().flatten() {
            let p = match self.file(&f.path) {
                Ok(p) => p,
                Err(e) => {
                    problems.push(e.to_string());
                    continue;
                }
            };
            match fs::metadata(&p) {
                Ok(m) if m.len() == f.bytes => {}
                Ok(m) => problems.push(format!("{}: size {} but the manifest says {}", p.display(), m.len(), f.bytes)),
                Err(e) => problems.push(format!("{}: {e}", p.display())),
            }
        }
        problems
    }

    /// Full check: every listed file reads to the end with the row count the manifest says;
    /// files nobody lists are reported too.
    pub fn verify(&self) -> Result<Verification> {
        let manifest = self.manifest()?;
        let mut problems = self.quick_check(&manifest);
        let files: Vec<(&FileEntry, &str, Vec<String>)> = manifest
            .tables
            .iter()
            .flat_map(|(table, files)| files.iter().map(move |f| (f, table.as_str(), table_columns(table))))
            .filter(|(f, _, _)| self.file(&f.path).is_ok_and(|p| fs::metadata(p).is_ok_and(|m| m.len() == f.bytes)))
            .collect();
        let mut deep: Vec<String> = files
            .par_iter()
            .filter_map(|(f, table, columns)| {
                let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
                let rows = reader::row_groups(self, table, std::slice::from_ref(*f)).and_then(|groups| {
                    let mut rows = 0u64;
                    for rg in &groups {
                        for b in rg.read(&columns)? {
                            rows += b.num_rows() as u64;
                        }
                    }
                    Ok(rows)
                });
                match rows {
                    Ok(n) if n == f.rows => None,
                    Ok(n) => {
                        Some(format!("{}: {n} rows but the manifest says {}", self.path_of(&f.path).display(), f.rows))
                    }
                    Err(e) => Some(e.to_string()),
                }
            })
            .collect();
        deep.sort();
        problems.extend(deep);
        let orphans = self.orphans(&manifest);
        let rows = manifest.tables.values().flatten().map(|f| f.rows).sum();
        Ok(Verification { files: manifest.tables.values().map(Vec::len).sum(), rows, problems, orphans })
    }
}

fn table_columns(table: &str) -> Vec<String> {
    if table == CREDENTIALS {
        return credentials::column_names();
    }
    if table == AUDITS {
        return audits::column_names();
    }
    if table == RP_TRUSTS {
        return rp_trusts::column_names();
    }
    if table == REGISTRATIONS {
        return registrations::column_names();
    }
    schema::signins_schema().fields().iter().map(|f| f.name().clone()).collect()
}

/// What `store verify` found.
#[derive(Debug)]
pub struct Verification {
    pub files: usize,
    pub rows: u64,
    pub problems: Vec<String>,
    /// Files left by an ingest that was killed before its commit; never read, removed by the
    /// next ingest.
    pub orphans: Vec<PathBuf>,
}

/// The dedupe key of a sign-in id in `table`. The `signins` key is the id's own hash; other
/// tables seed it with their name, so their id spaces stay apart.
pub fn id_hash(table: &str, id: &str) -> u128 {
    if table == SIGNINS {
        xxhash_rust::xxh3::xxh3_128(id.as_bytes())
    } else {
        xxhash_rust::xxh3::xxh3_128_with_seed(id.as_bytes(), xxhash_rust::xxh3::xxh3_64(table.as_bytes()))
    }
}

/// Ids are already uniform 128-bit hashes: hashing them again would only cost time.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 ^= u64::from_le_bytes(b);
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64 ^ (v >> 64) as u64;
    }
}

/// How long an ingest waits for the store's lock before saying another one holds it.
pub const LOCK_WAIT_MS: u64 = 500;

pub type IdSet = HashSet<u128, BuildHasherDefault<IdHasher>>;

/// An ingest in progress. Dropping it without `commit` leaves the store as it was, and removes
/// what it staged.
pub struct Transaction {
    store: Store,
    _lock: fs::File,
    manifest: Manifest,
    staging: PathBuf,
    generation: u64,
}

impl Drop for Transaction {
    /// A failed or abandoned ingest cleans up after itself (the lock is still held here); what a
    /// killed one leaves, the next ingest removes.
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(self.store.root.join(".staging"));
    }
}

impl Transaction {
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Moves the staged files into place and replaces the manifest: the commit point.
    /// `files` are added to their tables; each of `snapshots` replaces the file of its table
    /// (`credentials`, `rp_trusts`, `registrations`) and kind (the credential origin). A quarantine file, when given, is moved to `quarantine/`.
    /// Moves staged files into their partitions; the folders they went to.
    fn install<'f>(&self, files: impl Iterator<Item = &'f StagedFile>) -> Result<BTreeSet<PathBuf>> {
        let mut dirs = BTreeSet::new();
        for f in files {
            let dest = self.store.path_of(&f.entry.path);
            let dir = dest.parent().expect("partition path has a parent").to_path_buf();
            fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            fs::rename(&f.staged, &dest).map_err(|e| Error::io(&dest, e))?;
            dirs.insert(dir);
        }
        Ok(dirs)
    }

    /// Commits a compaction: `files` take the place of the listed files `replaced` (paths), in
    /// one step, the manifest's rename. Until then the store is as before (the staged files are
    /// removed by the next transaction); after it the replaced files are removed (a report that
    /// read the old manifest and finds one gone reads again with the new one; a kill before
    /// they are all gone leaves orphans, which the next transaction removes).
    pub fn commit_replacing(mut self, files: Vec<StagedFile>, replaced: &BTreeSet<String>) -> Result<Manifest> {
        for d in &self.install(files.iter())? {
            sync_dir(d);
        }
        for table in self.manifest.tables.values_mut() {
            table.retain(|f| !replaced.contains(&f.path));
        }
        for f in files {
            self.manifest.tables.entry(f.table.to_string()).or_default().push(f.entry);
        }
        for t in [SIGNINS, ADFS_SIGNINS] {
            if let Some(table) = self.manifest.tables.get_mut(t) {
                table.sort_by(|a, b| (&a.event_type, &a.date, &a.path).cmp(&(&b.event_type, &b.date, &b.path)));
            }
        }
        self.manifest.generation = self.generation;
        self.manifest.save(&self.store.manifest_path())?;
        for path in replaced {
            if let Ok(p) = self.store.file(path) {
                let _ = fs::remove_file(p);
            }
        }
        let _ = fs::remove_dir_all(self.store.root.join(".staging"));
        Ok(std::mem::take(&mut self.manifest))
    }

    pub fn commit(
        mut self,
        files: Vec<StagedFile>,
        snapshots: Vec<StagedFile>,
        quarantine: Option<PathBuf>,
        mut record: IngestRecord,
    ) -> Result<Manifest> {
        let root = self.store.root.clone();
        let mut dirs = self.install(files.iter().chain(&snapshots))?;
        if let Some(q) = quarantine {
            let dir = root.join("quarantine");
            fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            let name = format!("ingest-{:06}.jsonl", self.generation);
            fs::rename(&q, dir.join(&name)).map_err(|e| Error::io(&q, e))?;
            dirs.insert(dir);
            record.quarantine_file = Some(format!("quarantine/{name}"));
        }
        for d in &dirs {
            sync_dir(d);
        }
        for f in files {
            self.manifest.tables.entry(f.table.to_string()).or_default().push(f.entry);
        }
        self.manifest.tables.entry(SIGNINS.to_string()).or_default();
        for t in [SIGNINS, ADFS_SIGNINS] {
            if let Some(table) = self.manifest.tables.get_mut(t) {
                table.sort_by(|a, b| (&a.event_type, &a.date, &a.path).cmp(&(&b.event_type, &b.date, &b.path)));
            }
        }
        for snap in snapshots {
            let table = self.manifest.tables.entry(snap.table.to_string()).or_default();
            table.retain(|f| f.event_type != snap.entry.event_type);
            table.push(snap.entry);
            table.sort_by(|a, b| a.path.cmp(&b.path));
        }
        self.manifest.generation = self.generation;
        record.generation = self.generation;
        self.manifest.ingests.push(record);
        self.manifest.save(&self.store.manifest_path())?;
        // The replaced snapshot files are left in place: a report that read the manifest before
        // this commit may still open them. Unlisted now, they are orphans, which the next
        // ingest removes; a report that still finds one gone retries on the new manifest.
        let _ = fs::remove_dir_all(root.join(".staging"));
        Ok(std::mem::take(&mut self.manifest))
    }
}

#[cfg(test)]
mod tests {
    use super::manifest::{FORMAT, IngestRecord};
    use super::writer::{PartitionWriters, WriteOptions};
    use super::*;

    fn record() -> IngestRecord {
        IngestRecord {
            generation: 0,
            files_read: 1,
            records_read: 2,
            stored: 2,
            duplicates: 0,
            quarantined: 0,
            quarantine_file: None,
        }
    }

    /// Two sign-ins on two days, staged by a worker's writers.
    fn stage_two(txn: &Transaction) -> Vec<writer::StagedFile> {
        let mut w = PartitionWriters::new(txn.staging(), "g1-w0".into(), WriteOptions::default());
        for (id, day) in [("a", "2026-10-01"), ("b", "2026-10-02")] {
            let text = format!(
                r#"{{"id":"{id}","createdDateTime":"{day}T10:00:00Z","appId":"x","signInEventTypes":["interactiveUser"],"status":{{"errorCode":0}}}}"#
            );
            let s = crate::normalize::normalize(&text, None).expect("a sign-in");
            w.append(SIGNINS, &s, &text, "in.json", 1).expect("append");
        }
        w.finish().expect("staged")
    }

    #[test]
    fn a_commit_is_all_or_nothing_and_one_ingest_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("store"));
        assert_eq!(store.manifest().unwrap().format, FORMAT, "no store yet reads as an empty one");

        // An ingest that is dropped before its commit leaves nothing a reader sees.
        let txn = store.begin().unwrap();
        assert!(matches!(store.begin(), Err(Error::Locked { .. })), "a second ingest is refused");
        let staged = stage_two(&txn);
        assert_eq!(staged.len(), 2, "one file per day");
        drop(txn);
        assert!(store.manifest().unwrap().files(SIGNINS).is_empty());

        let txn = store.begin().unwrap();
        assert!(!store.root().join(".staging").join("1").read_dir().unwrap().any(|_| true), "leftovers removed");
        let staged = stage_two(&txn);
        let m = txn.commit(staged, Vec::new(), None, record()).unwrap();
        assert_eq!(m.generation, 1);
        assert_eq!(m.files(SIGNINS).iter().map(|f| f.date.as_str()).collect::<Vec<_>>(), ["2026-10-01", "2026-10-02"]);
        assert_eq!(m.files(SIGNINS).iter().map(|f| f.rows).sum::<u64>(), 2);
        assert_eq!(store.manifest().unwrap(), m, "the manifest on disk is the committed one");
        let mut ids = store.id_hashes(&m).unwrap();
        ids.sort_unstable();
        let mut want = vec![id_hash(SIGNINS, "a"), id_hash(SIGNINS, "b")];
        want.sort_unstable();
        assert_eq!(ids, want);
        assert_ne!(id_hash(SIGNINS, "a"), id_hash(AUDITS, "a"), "tables keep their id spaces apart");
        let v = store.verify().unwrap();
        assert!(v.problems.is_empty() && v.orphans.is_empty() && v.rows == 2, "{v:?}");

        // A file the manifest does not list is an orphan, never read; a listed file that
        // changed size fails the quick check.
        let first = store.path_of(&m.files(SIGNINS)[0].path);
        let orphan = first.with_file_name("part-orphan.parquet");
        fs::copy(&first, &orphan).unwrap();
        assert_eq!(store.orphans(&m), vec![orphan.clone()]);
        fs::write(&first, b"short").unwrap();
        let problems = store.quick_check(&m);
        assert!(problems.len() == 1 && problems[0].contains("size 5 but the manifest says"), "{problems:?}");
        // The next ingest removes the orphan.
        drop(store.begin().unwrap());
        assert!(!orphan.exists());
    }

    #[test]
    fn a_store_of_another_format_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.json");
        let old = Manifest { format: FORMAT - 1, ..Manifest::default() };
        old.save(&path).unwrap();
        let e = Manifest::load(&path).unwrap_err().to_string();
        assert!(e.contains("older signin-insights") && e.contains("ingest the exports into a new store"), "{e}");
        Manifest { format: FORMAT + 1, ..Manifest::default() }.save(&path).unwrap();
        assert!(Manifest::load(&path).unwrap_err().to_string().contains("unsupported store format"));
    }
}
