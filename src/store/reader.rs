//! Parquet files of the store -> Arrow record batches, one row group at a time, reading only
//! the columns asked for. Row groups are the unit of parallelism for `scan`.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{BooleanArray, RecordBatch};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowPredicateFn, ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowFilter,
};
use parquet::file::statistics::Statistics;
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
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| footer(store, table, want.as_ref(), entry)))
                .unwrap_or_else(|_| {
                    Err(Error::Other(format!(
                        "{}: the Parquet reader failed on this file's footer; the store is damaged",
                        store.path_of(&entry.path).display()
                    )))
                })
        })
        .collect::<Result<_>>()?;
    Ok(per_file.into_iter().flatten().collect())
}

/// One file's footer, checked, as its row groups.
fn footer(
    store: &Store,
    table: &str,
    want: Option<&arrow_schema::SchemaRef>,
    entry: &FileEntry,
) -> Result<Vec<RowGroup>> {
    let path = store.file(&entry.path)?;
    let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
    let meta = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(|e| Error::parquet(&path, e))?;
    let len = file.metadata().map_err(|e| Error::io(&path, e))?.len();
    if let Some(reason) = chunks_outside(meta.metadata(), len) {
        return Err(Error::Schema { path: path.clone(), table: table.to_string(), reason });
    }
    if let Some(reason) = want.and_then(|w| schema_mismatch(w, meta.schema())) {
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
}

/// A column chunk the footer places outside the file (the Parquet reader panics on negative
/// offsets rather than failing).
fn chunks_outside(meta: &parquet::file::metadata::ParquetMetaData, file_len: u64) -> Option<String> {
    for (g, rg) in meta.row_groups().iter().enumerate() {
        for c in rg.columns() {
            let start = c.dictionary_page_offset().unwrap_or_else(|| c.data_page_offset());
            let size = c.compressed_size();
            let end = u64::try_from(start).ok().zip(u64::try_from(size).ok()).and_then(|(a, b)| a.checked_add(b));
            if end.is_none_or(|e| e > file_len) || rg.num_rows() < 0 {
                return Some(format!(
                    "row group {g}, column {:?}: bytes {start}+{size} lie outside the file's {file_len}",
                    c.column_path().string()
                ));
            }
        }
    }
    None
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
    /// Reads the named columns of this row group as batches of up to 64 Ki rows. A panic of the
    /// Parquet reader on a damaged file (it has some) is an error naming the file.
    pub fn read(&self, columns: &[&str]) -> Result<Vec<RecordBatch>> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.read_unguarded(columns))).unwrap_or_else(|_| {
            Err(Error::Other(format!(
                "{}: the Parquet reader failed on this file; the store is damaged",
                self.path.display()
            )))
        })
    }

    fn read_unguarded(&self, columns: &[&str]) -> Result<Vec<RecordBatch>> {
        self.read_with(columns, None)
    }

    /// Reads the named columns of the rows for which `keep` is true. `keep` sees only the
    /// `filter` columns; the others are decoded for the rows it keeps (late materialisation):
    /// reading one user's sign-ins costs what their few rows cost, plus the filter columns.
    pub fn read_where(&self, filter: &[&str], keep: Keep, columns: &[&str]) -> Result<Vec<RecordBatch>> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.read_with(columns, Some((filter, keep)))))
            .unwrap_or_else(|_| {
                Err(Error::Other(format!(
                    "{}: the Parquet reader failed on this file; the store is damaged",
                    self.path.display()
                )))
            })
    }

    fn read_with(&self, columns: &[&str], filter: Option<(&[&str], Keep)>) -> Result<Vec<RecordBatch>> {
        let file = File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        let mut builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.meta.clone());
        let mask = ProjectionMask::columns(builder.parquet_schema(), columns.iter().copied());
        if let Some((names, keep)) = filter {
            let on = ProjectionMask::columns(builder.parquet_schema(), names.iter().copied());
            let predicate = ArrowPredicateFn::new(on, move |batch: RecordBatch| Ok(keep(&batch)));
            builder = builder.with_row_filter(RowFilter::new(vec![Box::new(predicate)]));
        }
        let reader = builder
            .with_projection(mask)
            .with_row_groups(vec![self.index])
            .with_batch_size(64 * 1024)
            .build()
            .map_err(|e| Error::parquet(&self.path, e))?;
        reader.map(|b| b.map_err(|e| Error::arrow(&self.path, e))).collect()
    }

    /// Whether this row group can hold a row whose text column `column` is exactly `value`: false
    /// only when the column's statistics (minimum and maximum) leave it out.
    pub fn may_hold(&self, column: &str, value: &str) -> bool {
        let rg = self.meta.metadata().row_group(self.index);
        let Some(chunk) = rg.columns().iter().find(|c| c.column_path().string() == column) else { return true };
        match chunk.statistics() {
            Some(Statistics::ByteArray(s)) => match (s.min_opt(), s.max_opt()) {
                (Some(min), Some(max)) => min.data() <= value.as_bytes() && value.as_bytes() <= max.data(),
                _ => true,
            },
            _ => true,
        }
    }
}

impl RowGroup {
    /// Its rows' bytes, decoded (as the footer says).
    pub fn byte_size(&self) -> i64 {
        self.meta.metadata().row_group(self.index).total_byte_size()
    }

    /// The least and greatest value of the 64-bit column `column` (a time) by the row group's
    /// statistics; `None` when it has none.
    pub fn range_of(&self, column: &str) -> Option<(i64, i64)> {
        let rg = self.meta.metadata().row_group(self.index);
        let chunk = rg.columns().iter().find(|c| c.column_path().string() == column)?;
        match chunk.statistics() {
            Some(Statistics::Int64(s)) => s.min_opt().copied().zip(s.max_opt().copied()),
            _ => None,
        }
    }
}

/// A row group's bloom filter on one column: says for sure when a value is not there.
pub struct ValueFilter(parquet::bloom_filter::Sbbf);

impl ValueFilter {
    /// False only when no row of the row group has `value` in the column.
    pub fn may_hold(&self, value: &str) -> bool {
        self.0.check(value)
    }
}

/// The largest bloom filter read: a footer that claims more is not believed.
const MAX_FILTER_BYTES: i64 = 16 << 20;

impl RowGroup {
    /// The bloom filter the writer kept for text column `column`; `None` when it kept none
    /// (files written before they were), or the footer places it outside the file or makes it
    /// larger than any written: the caller then reads the values themselves.
    pub fn value_filter(&self, column: &str) -> Option<ValueFilter> {
        let rg = self.meta.metadata().row_group(self.index);
        let chunk = rg.columns().iter().find(|c| c.column_path().string() == column)?;
        let (offset, len) = (chunk.bloom_filter_offset()?, i64::from(chunk.bloom_filter_length()?));
        let file = File::open(&self.path).ok()?;
        let file_len = i64::try_from(file.metadata().ok()?.len()).ok()?;
        if offset < 0 || len <= 0 || len > MAX_FILTER_BYTES || offset.checked_add(len)? > file_len {
            return None;
        }
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            parquet::bloom_filter::Sbbf::read_from_column_chunk(chunk, &file)
        }))
        .ok()?
        .ok()?
        .map(ValueFilter)
    }
}

/// Which rows of a batch of filter columns to read.
pub type Keep = Arc<dyn Fn(&RecordBatch) -> BooleanArray + Send + Sync>;
