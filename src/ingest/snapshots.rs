//! The snapshot tables: the credential inventory (one snapshot per origin), the AD FS
//! relying-party trusts and the users' registrations. Their records are few, so the workers
//! collect them in memory; after the scan, each part read becomes one staged file that replaces
//! the stored one at commit, unless it equals it.
//!
//! One rule for all three: an object read twice is kept once, the copy read last (in input and
//! line order) wins, and a snapshot equal to the stored one is not written again (its records
//! count as duplicates), so ingesting the same export twice changes nothing.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use crate::error::Result;
use crate::normalize::inventory::Origin;
use crate::store::credentials::{self, Sourced};
use crate::store::manifest::Manifest;
use crate::store::registrations::{self, StoredRegistration};
use crate::store::rp_trusts::{self, StoredTrust};
use crate::store::writer::{StagedFile, WriteOptions};
use crate::store::{Store, Transaction};

/// A record of a snapshot table, as the ingest collects it.
pub(crate) trait Snapshot: Clone + Send {
    /// The part of the table one snapshot replaces (the inventory has one per origin).
    type Part: Copy + Ord;
    fn part(&self) -> Self::Part;
    /// Records with the same key are the same object.
    fn key(&self) -> String;
    /// Where the record was read in its input.
    fn line(&self) -> u64;
    /// The kept records in the order they are stored (default: the order they were read in).
    fn order(_kept: &mut [Self]) {}
    /// Whether the store holds exactly `kept` as `part`.
    fn unchanged(store: &Store, manifest: &Manifest, part: Self::Part, kept: &[Self]) -> Result<bool>;
    fn stage(txn: &Transaction, part: Self::Part, kept: &[Self], write: &WriteOptions) -> Result<StagedFile>;
}

impl Snapshot for Sourced {
    type Part = Origin;
    fn part(&self) -> Origin {
        self.object.origin
    }
    fn key(&self) -> String {
        self.object.object_id.to_ascii_lowercase()
    }
    fn line(&self) -> u64 {
        self.line
    }
    fn unchanged(store: &Store, manifest: &Manifest, origin: Origin, kept: &[Self]) -> Result<bool> {
        let mut before: Vec<_> =
            credentials::load(store, manifest)?.into_iter().filter(|r| r.origin == origin).collect();
        credentials::canonical(&mut before);
        Ok(before == credentials::rows_of(kept))
    }
    fn stage(txn: &Transaction, origin: Origin, kept: &[Self], write: &WriteOptions) -> Result<StagedFile> {
        credentials::stage(txn.staging(), txn.generation(), origin, kept, write)
    }
}

impl Snapshot for StoredTrust {
    type Part = ();
    fn part(&self) {}
    fn key(&self) -> String {
        self.name.to_lowercase()
    }
    fn line(&self) -> u64 {
        self.line
    }
    fn order(kept: &mut [Self]) {
        kept.sort_by_key(Snapshot::key);
    }
    fn unchanged(store: &Store, manifest: &Manifest, _: (), kept: &[Self]) -> Result<bool> {
        let before = rp_trusts::load(store, manifest)?.unwrap_or_default();
        Ok(before.iter().eq(kept.iter().map(|t| &t.raw)))
    }
    fn stage(txn: &Transaction, _: (), kept: &[Self], write: &WriteOptions) -> Result<StagedFile> {
        rp_trusts::stage(txn.staging(), txn.generation(), kept, write)
    }
}

impl Snapshot for StoredRegistration {
    type Part = ();
    fn part(&self) {}
    fn key(&self) -> String {
        self.registration.id.to_ascii_lowercase()
    }
    fn line(&self) -> u64 {
        self.line
    }
    fn order(kept: &mut [Self]) {
        kept.sort_by_key(Snapshot::key);
    }
    fn unchanged(store: &Store, manifest: &Manifest, _: (), kept: &[Self]) -> Result<bool> {
        let before = registrations::load(store, manifest)?.unwrap_or_default();
        Ok(before.iter().map(|r| &r.registration).eq(kept.iter().map(|r| &r.registration)))
    }
    fn stage(txn: &Transaction, _: (), kept: &[Self], write: &WriteOptions) -> Result<StagedFile> {
        registrations::stage(txn.staging(), txn.generation(), kept, write)
    }
}

/// Records of one snapshot table collected by the workers, each with the index of its input.
pub(crate) struct Collected<T>(Mutex<Vec<(usize, T)>>);

impl<T> Default for Collected<T> {
    fn default() -> Self {
        Collected(Mutex::new(Vec::new()))
    }
}

impl<T: Snapshot> Collected<T> {
    pub(crate) fn push(&self, input: usize, record: T) {
        self.0.lock().expect("snapshot records").push((input, record));
    }

    /// The records in reading order (input, then line).
    fn into_read(self) -> Vec<T> {
        let mut read = self.0.into_inner().expect("snapshot records");
        read.sort_by_key(|(input, r)| (*input, r.line()));
        read.into_iter().map(|(_, r)| r).collect()
    }
}

/// What staging a snapshot table gave: the staged files, the records of each part written,
/// and how many records were kept and dropped as duplicates.
pub(crate) struct Staged<T: Snapshot> {
    pub files: Vec<StagedFile>,
    pub parts: Vec<(T::Part, Vec<T>)>,
    pub kept: u64,
    pub dropped: u64,
}

/// Stages a new snapshot of every part of `collected` (see the module doc).
pub(crate) fn stage<T: Snapshot>(
    store: &Store,
    txn: &Transaction,
    collected: Collected<T>,
    write: &WriteOptions,
) -> Result<Staged<T>> {
    let read = collected.into_read();
    let mut staged = Staged { files: Vec::new(), parts: Vec::new(), kept: 0, dropped: 0 };
    let parts: BTreeSet<T::Part> = read.iter().map(T::part).collect();
    for part in parts {
        let mine: Vec<&T> = read.iter().filter(|r| r.part() == part).collect();
        let mut last: HashMap<String, usize> = HashMap::new();
        for (i, r) in mine.iter().enumerate() {
            last.insert(r.key(), i);
        }
        let mut keep: Vec<usize> = last.into_values().collect();
        keep.sort_unstable();
        staged.dropped += (mine.len() - keep.len()) as u64;
        let mut kept: Vec<T> = keep.iter().map(|&i| mine[i].clone()).collect();
        T::order(&mut kept);
        if T::unchanged(store, txn.manifest(), part, &kept)? {
            staged.dropped += kept.len() as u64;
            continue;
        }
        staged.kept += kept.len() as u64;
        staged.files.push(T::stage(txn, part, &kept, write)?);
        staged.parts.push((part, kept));
    }
    Ok(staged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::REGISTRATIONS;

    fn registration(id: &str, upn: &str, line: u64) -> StoredRegistration {
        let text = format!(r#"{{"id":"{id}","userPrincipalName":"{upn}","isMfaCapable":true}}"#);
        let registration = crate::normalize::registration::parse(&text).expect("a registration");
        StoredRegistration { registration, file: "in.json".into(), line, raw: Some(text) }
    }

    fn collect(records: Vec<(usize, StoredRegistration)>) -> Collected<StoredRegistration> {
        let c = Collected::default();
        for (input, r) in records {
            c.push(input, r);
        }
        c
    }

    #[test]
    fn the_copy_read_last_wins_and_an_unchanged_snapshot_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("store"));
        let write = WriteOptions::default();
        // Collected out of order, as workers push them: u1 twice (ids ignore case).
        let read = || {
            collect(vec![
                (1, registration("U1", "late@x.example", 5)),
                (0, registration("u2", "two@x.example", 2)),
                (0, registration("u1", "early@x.example", 9)),
            ])
        };
        let txn = store.begin().unwrap();
        let staged = stage(&store, &txn, read(), &write).unwrap();
        assert_eq!((staged.kept, staged.dropped, staged.files.len()), (2, 1, 1));
        let kept: Vec<&str> = staged.parts[0].1.iter().map(|r| r.registration.user_principal_name.as_str()).collect();
        assert_eq!(kept, ["late@x.example", "two@x.example"], "input 1 is read after input 0; stored in key order");
        let record = crate::store::manifest::IngestRecord {
            generation: 0,
            files_read: 2,
            records_read: 3,
            stored: 2,
            duplicates: 1,
            quarantined: 0,
            quarantine_file: None,
        };
        let m = txn.commit(Vec::new(), staged.files, None, record).unwrap();
        assert_eq!(m.files(REGISTRATIONS).len(), 1);
        // The same export again: nothing written, every record a duplicate.
        let txn = store.begin().unwrap();
        let again = stage(&store, &txn, read(), &write).unwrap();
        assert_eq!((again.kept, again.dropped, again.files.len()), (0, 3, 0));
        // A changed user makes a new snapshot of the whole table.
        let changed =
            collect(vec![(0, registration("u1", "renamed@x.example", 1)), (0, registration("u2", "two@x.example", 2))]);
        let next = stage(&store, &txn, changed, &write).unwrap();
        assert_eq!((next.kept, next.dropped, next.files.len()), (2, 0, 1));
    }
}
