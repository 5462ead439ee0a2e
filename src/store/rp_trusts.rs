//! The `rp_trusts` table: the AD FS relying-party trust export, a snapshot like the credential
//! inventory (the last ingest that brings trusts replaces the stored ones). Each row keeps the
//! trust's JSON whole, always (also with `--no-raw`): the migration checks read it at report time.
//!
//! Layout: `<store>/rp_trusts/part-g<generation>.parquet`.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use arrow_array::builder::{Int64Builder, StringBuilder};
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use super::manifest::Manifest;
use super::writer::{StagedFile, WriteOptions, stage_snapshot};
use super::{RP_TRUSTS, Store, reader};
use crate::error::{Error, Result};

const NAME: &str = "name";
const IDENTIFIER: &str = "identifier";
const SOURCE_FILE: &str = "source_file";
const SOURCE_LINE: &str = "source_line";
const RAW: &str = "raw";

pub fn rp_trusts_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Arc::new(Schema::new(vec![
                Field::new(NAME, DataType::Utf8, false),
                Field::new(IDENTIFIER, DataType::Utf8, false),
                Field::new(SOURCE_FILE, DataType::Utf8, false),
                Field::new(SOURCE_LINE, DataType::Int64, false),
                Field::new(RAW, DataType::Utf8, false),
            ]))
        })
        .clone()
}

/// A trust as read: its name, first identifier, origin and text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredTrust {
    pub name: String,
    pub identifier: String,
    pub file: String,
    pub line: u64,
    pub raw: String,
}

/// Writes the snapshot to a staged file.
pub fn stage(staging: &Path, generation: u64, trusts: &[StoredTrust], opts: &WriteOptions) -> Result<StagedFile> {
    let (mut name, mut id, mut file_b, mut line_b, mut raw) =
        (StringBuilder::new(), StringBuilder::new(), StringBuilder::new(), Int64Builder::new(), StringBuilder::new());
    for t in trusts {
        name.append_value(&t.name);
        id.append_value(&t.identifier);
        file_b.append_value(&t.file);
        line_b.append_value(t.line as i64);
        raw.append_value(&t.raw);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(name.finish()),
        Arc::new(id.finish()),
        Arc::new(file_b.finish()),
        Arc::new(line_b.finish()),
        Arc::new(raw.finish()),
    ];
    let batch = RecordBatch::try_new(rp_trusts_schema(), columns).map_err(|e| Error::arrow(staging, e))?;
    let rel_path = format!("{RP_TRUSTS}/part-g{generation:06}.parquet");
    stage_snapshot(
        staging,
        &format!("rp-trusts-g{generation:06}.parquet"),
        (RP_TRUSTS, RP_TRUSTS, rel_path),
        &batch,
        opts,
    )
}

/// The stored trusts' texts, in file order; `None` when no trust export was ever ingested.
pub fn load(store: &Store, manifest: &Manifest) -> Result<Option<Vec<String>>> {
    let files = manifest.files(RP_TRUSTS);
    if files.is_empty() {
        return Ok(None);
    }
    let mut out = Vec::new();
    for rg in reader::row_groups(store, super::RP_TRUSTS, files)? {
        for b in rg.read(&[RAW])? {
            let raw = b.column(0).as_any().downcast_ref::<StringArray>().expect("raw is Utf8");
            out.extend((0..raw.len()).filter(|&i| raw.is_valid(i)).map(|i| raw.value(i).to_string()));
        }
    }
    Ok(Some(out))
}

/// Every column, for the verifier.
pub fn column_names() -> Vec<String> {
    rp_trusts_schema().fields().iter().map(|f| f.name().clone()).collect()
}
