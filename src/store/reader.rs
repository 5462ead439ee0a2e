//! Parquet files of the store -> Arrow record batches, one row group at a time, reading only
//! the columns asked for. Row groups are the unit of parallelism for `scan`.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::RecordBatch;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use rayon::prelude::*;

use super::Store;
use super::manifest::FileEntry;
use crate::error::{Error, Result};

/// One row group of one file: the smallest piece of work a scan hands to a thread.
#[derive(Clone)]
pub struct RowGroup {
    pub entry: Arc<FileEntry>,
    pub path: PathBuf,
    pub index: usize,
    pub rows: usize,
    meta: ArrowReaderMetadata,
}

/// Loads the footers of `files` of `table` (in parallel) and lists their row groups. A file
/// whose columns are not the table's (a tampered or misplaced file) is an error naming it: the
/// scans after this rely on every column being there with its type.
pub fn row_groups(store: &Store, table: &str, files: &[FileEntry]) -> Result<Vec<RowGroup>> {
    let want = super::schema_of(table);
    let per_file: Vec<Vec<RowGroup>> = files
        .par_iter()
        .map(|entry| {
            let path = store.file(&entry.path)?;
            let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
            let meta =
                ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(|e| Error::parquet(&path, e))?;
            if let Some(reason) = want.as_ref().and_then(|w| schema_mismatch(w, meta.schema())) {
                return Err(Error::Schema { path: path.clone(), table: table.to_string(), reason });
            }
            let entry = Arc::new(entry.clone());
            Ok(meta
                .metadata()
                .row_groups()
                .iter()
                .enumerate()
                .map(|(index, rg)| RowGroup {
                    entry: entry.clone(),
                    path: path.clone(),
                    index,
                    rows: rg.num_rows() as usize,
                    meta: meta.clone(),
                })
                .collect())
        })
        .collect::<Result<_>>()?;
    Ok(per_file.into_iter().flatten().collect())
}

/// How `got` differs from the table's schema `want`: a column missing or of another type.
fn schema_mismatch(want: &arrow_schema::Schema, got: &arrow_schema::Schema) -> Option<String> {
    for f in want.fields() {
        match got.field_with_name(f.name()) {
            Err(_) => return Some(format!("no column {:?}", f.name())),
            Ok(g) if g.data_type() != f.data_type() => {
                return Some(format!("column {:?} is {} where {} is expected", f.name(), g.data_type(), f.data_type()));
            }
            Ok(_) => {}
        }
    }
    None
}

impl RowGroup {
    /// Reads the named columns of this row group as batches of up to 64 Ki rows.
    pub fn read(&self, columns: &[&str]) -> Result<Vec<RecordBatch>> {
        let file = File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.meta.clone());
        let mask = ProjectionMask::columns(builder.parquet_schema(), columns.iter().copied());
        let reader = builder
            .with_projection(mask)
            .with_row_groups(vec![self.index])
            .with_batch_size(64 * 1024)
            .build()
            .map_err(|e| Error::parquet(&self.path, e))?;
        reader.map(|b| b.map_err(|e| Error::arrow(&self.path, e))).collect()
    }
}
