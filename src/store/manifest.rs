//! The store's manifest: the one file that says which Parquet files make up each table.
//! Readers trust only the files it lists; replacing it (write, fsync, rename) is the commit point
//! of an ingest, so a store shows either the old or the new contents, never a mix.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// 2: `signins` gained `auth_methods`, `audits` the target user and more; `registrations`.
/// 3: `signins` gained the dimensions of the workbooks (client protocol, token type, risk, user
/// type, tenants, cross-tenant access, location, device, user agent, credential type, the
/// Conditional Access policies and every authentication step).
pub const FORMAT: u32 = 4;

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: u32,
    /// Incremented by every committed ingest.
    pub generation: u64,
    /// Table name -> files, in a stable order.
    pub tables: BTreeMap<String, Vec<FileEntry>>,
    pub ingests: Vec<IngestRecord>,
}

/// One Parquet file of a table. `path` is relative to the store, `/`-separated.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    pub path: String,
    pub event_type: String,
    pub date: String,
    pub rows: u64,
    pub bytes: u64,
    /// Earliest and latest `created`, UTC microseconds.
    pub min_time_us: i64,
    pub max_time_us: i64,
}

/// What one committed ingest did.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct IngestRecord {
    pub generation: u64,
    pub files_read: u64,
    pub records_read: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub quarantined: u64,
    pub quarantine_file: Option<String>,
}

impl Manifest {
    pub fn load(path: &Path) -> Result<Manifest> {
        match fs::read(path) {
            Ok(bytes) => {
                let m: Manifest = serde_json::from_slice(&bytes)
                    .map_err(|e| Error::Manifest { path: path.into(), reason: e.to_string() })?;
                if let Err(reason) = m.check_paths() {
                    return Err(Error::Manifest { path: path.into(), reason });
                }
                if m.format != FORMAT {
                    return Err(Error::Manifest {
                        path: path.into(),
                        reason: if m.format < FORMAT {
                            format!(
                                "store format {} was written by an older signin-insights (this one writes {FORMAT}); \
                                 ingest the exports into a new store",
                                m.format
                            )
                        } else {
                            format!("unsupported store format {} (this signin-insights reads {FORMAT})", m.format)
                        },
                    });
                }
                Ok(m)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok(Manifest { format: FORMAT, ..Manifest::default() })
            }
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Atomically replaces the manifest at `path`.
    pub fn save(&self, path: &Path) -> Result<()> {
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_vec_pretty(self).map_err(|e| Error::Other(e.to_string()))?;
        let mut f = fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        f.write_all(&text).and_then(|_| f.sync_all()).map_err(|e| Error::io(&tmp, e))?;
        fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
        if let Some(dir) = path.parent() {
            sync_dir(dir);
        }
        Ok(())
    }

    pub fn files(&self, table: &str) -> &[FileEntry] {
        self.tables.get(table).map_or(&[], Vec::as_slice)
    }

    /// Every path must stay inside its table's folder (or `quarantine/`): relative, `/`-separated,
    /// no `.` or `..` or empty component, no backslash, colon or NUL, starting with the table's
    /// name. A manifest is trusted with nothing else, so a tampered one is refused, naming the
    /// entry.
    fn check_paths(&self) -> std::result::Result<(), String> {
        for (table, files) in &self.tables {
            if !super::TABLES.contains(&table.as_str()) {
                return Err(format!("damaged: unknown table {table:?}"));
            }
            for f in files {
                if !f.path.ends_with(".parquet") || !inside(&f.path, table) {
                    return Err(format!("damaged: the {table} entry {:?} is not a file of the {table} folder", f.path));
                }
            }
        }
        for q in self.ingests.iter().filter_map(|i| i.quarantine_file.as_deref()) {
            if !inside(q, "quarantine") {
                return Err(format!("damaged: the quarantine entry {q:?} is not a file of the quarantine folder"));
            }
        }
        Ok(())
    }
}

/// `rel` is `folder/...`, made of plain names only.
fn inside(rel: &str, folder: &str) -> bool {
    let mut parts = rel.split('/');
    parts.next() == Some(folder)
        && rel.split('/').count() >= 2
        && parts.all(|p| !p.is_empty() && p != "." && p != ".." && !p.contains(['\\', ':', '\0']))
}

/// Makes a rename durable. Best effort: not every platform can open a directory.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}
