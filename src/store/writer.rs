//! Typed sign-ins -> staged Parquet files, one open file per partition (event type x UTC day)
//! per ingest worker. Memory is bounded: batches are cut at a row or byte size, and when the
//! buffered total passes the budget the largest row group in progress is closed.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fs::File;
use std::path::{Path, PathBuf};

use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use super::manifest::FileEntry;
use super::schema::{self, SignInBatchBuilder, signins_schema};
use crate::domain::EventType;
use crate::domain::MICROS_PER_DAY;
use crate::domain::time::format_day;
use crate::error::{Error, Result};
use crate::normalize::SignIn;

const BATCH_ROWS: usize = 8192;
const BATCH_BYTES: usize = 1 << 20;
/// Appends between two checks of the memory budget.
const BUDGET_CHECK_EVERY: u64 = 512;
/// A partition that received no row in this many appends is closed: exports are mostly in time
/// order, so a day that has gone quiet rarely comes back (if it does, a new file is opened).
const IDLE_APPENDS: u64 = 50_000;
const ROW_GROUP_ROWS: usize = 128 * 1024;
/// The chance that the id filter of a row group lets through an id the row group lacks.
const ID_FILTER_FPP: f64 = 0.01;

/// How an ingest writes its Parquet files.
#[derive(Clone, Debug)]
pub struct WriteOptions {
    /// Keep the original record text (the `raw` column). Off: typed columns only, faster.
    pub keep_raw: bool,
    /// zstd level of every column.
    pub zstd_level: i32,
    /// Bytes one worker may buffer across its open partitions before closing row groups early.
    pub memory_budget: usize,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions { keep_raw: true, zstd_level: 1, memory_budget: 32 << 20 }
    }
}

pub fn writer_properties(opts: &WriteOptions) -> WriterProperties {
    let level = ZstdLevel::try_new(opts.zstd_level).unwrap_or_default();
    let mut b = WriterProperties::builder()
        .set_compression(Compression::ZSTD(level))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("signin-insights {}", env!("CARGO_PKG_VERSION")));
    for col in [schema::RAW, schema::ID, schema::CORRELATION_ID] {
        b = b.set_column_dictionary_enabled(ColumnPath::from(col), false);
    }
    // A bloom filter on the id of every row group: an ingest of a few records looks them up
    // without reading the ids of the files their day holds (`ingest::dedupe`). Sized for a
    // full row group, folded down by the writer to the rows it got (about 1.6 bytes a row).
    b = b
        .set_column_bloom_filter_enabled(ColumnPath::from(schema::ID), true)
        .set_column_bloom_filter_fpp(ColumnPath::from(schema::ID), ID_FILTER_FPP)
        .set_column_bloom_filter_max_ndv(ColumnPath::from(schema::ID), ROW_GROUP_ROWS as u64);
    // Statistics are kept for the row groups only (no page index: no reader skips pages), and
    // only where a reader prunes on them: times, ids, users and addresses (`RowGroup::may_hold`,
    // `range_of`). The dictionary-encoded columns are grouped on, never pruned on, and Parquet
    // finds the least and greatest value of such a column by comparing the text of every row
    // (5% of an ingest's time before they were left out).
    b = b.set_statistics_enabled(EnabledStatistics::Chunk);
    b = b.set_column_statistics_enabled(ColumnPath::from(schema::RAW), EnabledStatistics::None);
    // The sign-ins' dictionary-encoded and numeric columns are stored uncompressed: their pages
    // are small (keys a few bits wide), and Parquet makes a new zstd compressor and decompressor
    // for every compressed column chunk it reads, which cost a report more than the pages.
    // (1 M sign-ins: `report app-errors` 0.19 -> 0.08 s, the store 315 -> 326 MB.)
    for col in signins_schema().fields() {
        let path = || ColumnPath::from(col.name().as_str());
        if matches!(col.data_type(), arrow_schema::DataType::Dictionary(..)) {
            b = b.set_column_statistics_enabled(path(), EnabledStatistics::None);
        }
        if !matches!(col.data_type(), arrow_schema::DataType::Utf8) {
            b = b.set_column_compression(path(), Compression::UNCOMPRESSED);
        }
    }
    b.build()
}

/// Writes one batch as a snapshot file of `table` (`event_type` says which snapshot of the table
/// it replaces) to `staging/<name>`, to be moved to `rel_path` at commit.
pub fn stage_snapshot(
    staging: &Path,
    name: &str,
    (table, event_type, rel_path): (&'static str, &str, String),
    batch: &arrow_array::RecordBatch,
    opts: &WriteOptions,
) -> Result<StagedFile> {
    let staged = staging.join(name);
    let file = File::create(&staged).map_err(|e| Error::io(&staged, e))?;
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(writer_properties(opts)))
        .map_err(|e| Error::parquet(&staged, e))?;
    w.write(batch).map_err(|e| Error::parquet(&staged, e))?;
    w.close().map_err(|e| Error::parquet(&staged, e))?;
    let bytes = std::fs::metadata(&staged).map_err(|e| Error::io(&staged, e))?.len();
    Ok(StagedFile {
        table,
        staged,
        entry: FileEntry {
            path: rel_path,
            event_type: event_type.to_string(),
            date: String::new(),
            rows: batch.num_rows() as u64,
            bytes,
            min_time_us: 0,
            max_time_us: 0,
        },
    })
}

/// Arrow batches of one table, already in its schema, written as one staged file: what a
/// compaction or a merge of stores writes. Opened at the first batch; nothing is staged when no
/// batch came.
pub struct BatchFile {
    table: &'static str,
    staged: PathBuf,
    rel_path: String,
    opts: WriteOptions,
    writer: Option<ArrowWriter<File>>,
    rows: u64,
    min: i64,
    max: i64,
}

impl BatchFile {
    /// `rel_path`: where the file goes in the store; it is staged under the same name with
    /// `-` for `/`.
    pub fn new(staging: &Path, table: &'static str, rel_path: String, opts: &WriteOptions) -> BatchFile {
        BatchFile {
            table,
            staged: staging.join(rel_path.replace('/', "-")),
            rel_path,
            opts: opts.clone(),
            writer: None,
            rows: 0,
            min: i64::MAX,
            max: i64::MIN,
        }
    }

    /// Appends `batch`, whose event times lie in `[min, max]`, in slices of an ingest's batch
    /// size, so that row groups are cut as an ingest cuts them.
    pub fn write(&mut self, batch: &arrow_array::RecordBatch, (min, max): (i64, i64)) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let path = &self.staged;
        if self.writer.is_none() {
            let out = File::create(path).map_err(|e| Error::io(path, e))?;
            let w = ArrowWriter::try_new(out, batch.schema(), Some(writer_properties(&self.opts)))
                .map_err(|e| Error::parquet(path, e))?;
            self.writer = Some(w);
        }
        let w = self.writer.as_mut().expect("opened above");
        let mut at = 0;
        while at < batch.num_rows() {
            let n = (batch.num_rows() - at).min(BATCH_ROWS);
            w.write(&batch.slice(at, n)).map_err(|e| Error::parquet(path, e))?;
            // A row group closes at the memory an ingest's worker may hold, as an ingest closes
            // its: one row group of a compacted day is then no larger than an ingest's.
            if w.memory_size() > self.opts.memory_budget {
                w.flush().map_err(|e| Error::parquet(path, e))?;
            }
            at += n;
        }
        self.rows += batch.num_rows() as u64;
        self.min = self.min.min(min);
        self.max = self.max.max(max);
        Ok(())
    }

    /// Closes the file and says what the manifest is to list for it (`event_type` and `date`
    /// empty for the audits).
    pub fn finish(self, event_type: &str, date: &str) -> Result<Option<StagedFile>> {
        let Some(w) = self.writer else { return Ok(None) };
        let path = self.staged;
        let file = w.into_inner().map_err(|e| Error::parquet(&path, e))?;
        file.sync_all().map_err(|e| Error::io(&path, e))?;
        let bytes = file.metadata().map_err(|e| Error::io(&path, e))?.len();
        Ok(Some(StagedFile {
            table: self.table,
            staged: path,
            entry: FileEntry {
                path: self.rel_path,
                event_type: event_type.to_string(),
                date: date.to_string(),
                rows: self.rows,
                bytes,
                min_time_us: self.min,
                max_time_us: self.max,
            },
        }))
    }
}

/// A file written to the staging folder, with its future place in the store.
#[derive(Debug)]
pub struct StagedFile {
    /// The table it belongs to.
    pub table: &'static str,
    pub staged: PathBuf,
    pub entry: FileEntry,
}

/// A partition: table, event type, UTC day.
type Key = (&'static str, EventType, i64);

struct Part {
    builder: SignInBatchBuilder,
    writer: ArrowWriter<File>,
    staged: PathBuf,
    rel_path: String,
    rows: u64,
    min: i64,
    max: i64,
    last_append: u64,
}

impl Part {
    /// Creates the staged file `name` for the partition `(event_type, day)`.
    fn open(
        staging: &Path,
        name: String,
        (table, event_type, day): Key,
        props: &WriterProperties,
        now: u64,
    ) -> Result<Part> {
        let staged = staging.join(&name);
        let rel_path = format!("{table}/event_type={}/date={}/{name}", event_type.as_str(), format_day(day));
        let file = File::create(&staged).map_err(|e| Error::io(&staged, e))?;
        let writer = ArrowWriter::try_new(file, signins_schema(), Some(props.clone()))
            .map_err(|e| Error::parquet(&staged, e))?;
        Ok(Part {
            builder: SignInBatchBuilder::new(),
            writer,
            staged,
            rel_path,
            rows: 0,
            min: i64::MAX,
            max: i64::MIN,
            last_append: now,
        })
    }

    fn memory(&self) -> usize {
        // Builders grow by doubling: count their capacity as twice what they hold.
        self.writer.memory_size() + 2 * self.builder.buffered_bytes()
    }

    /// Writes the last rows and the footer, and syncs the file.
    fn close(mut self, (table, event_type, day): Key) -> Result<StagedFile> {
        self.write_batch()?;
        let file = self.writer.into_inner().map_err(|e| Error::parquet(&self.staged, e))?;
        file.sync_all().map_err(|e| Error::io(&self.staged, e))?;
        let bytes = file.metadata().map_err(|e| Error::io(&self.staged, e))?.len();
        Ok(StagedFile {
            table,
            staged: self.staged,
            entry: FileEntry {
                path: self.rel_path,
                event_type: event_type.as_str().to_string(),
                date: format_day(day),
                rows: self.rows,
                bytes,
                min_time_us: self.min,
                max_time_us: self.max,
            },
        })
    }

    fn write_batch(&mut self) -> Result<()> {
        if !self.builder.is_empty() {
            let batch = self.builder.finish();
            self.writer.write(&batch).map_err(|e| Error::parquet(&self.staged, e))?;
        }
        Ok(())
    }
}

/// One worker's open partition files.
pub struct PartitionWriters {
    staging: PathBuf,
    prefix: String,
    opts: WriteOptions,
    props: WriterProperties,
    parts: HashMap<Key, Part>,
    done: Vec<StagedFile>,
    seq: u32,
    appends: u64,
    /// Record text appended since the memory budget was last checked.
    bytes_since_check: usize,
}

impl PartitionWriters {
    /// `prefix` makes file names unique across workers and ingests (e.g. `g000007-w1`).
    pub fn new(staging: &Path, prefix: String, opts: WriteOptions) -> Self {
        let props = writer_properties(&opts);
        PartitionWriters {
            staging: staging.to_path_buf(),
            prefix,
            opts,
            props,
            parts: HashMap::new(),
            done: Vec::new(),
            seq: 0,
            appends: 0,
            bytes_since_check: 0,
        }
    }

    /// Appends a sign-in to `table` (`signins` or `adfs_signins`).
    pub fn append(
        &mut self,
        table: &'static str,
        s: &SignIn<'_>,
        raw: &str,
        source_file: &str,
        source_line: u64,
    ) -> Result<()> {
        // The `date=` partition is the UTC day, whatever `--tz` the command was given: the
        // layout must not depend on how one ingest was run.
        let key = (table, s.kind(), s.created_us.div_euclid(MICROS_PER_DAY));
        let part = match self.parts.entry(key) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(v) => {
                self.seq += 1;
                let name = format!("part-{}-{:05}.parquet", self.prefix, self.seq);
                v.insert(Part::open(&self.staging, name, key, &self.props, self.appends)?)
            }
        };
        part.builder.append(s, self.opts.keep_raw.then_some(raw), source_file, source_line);
        part.rows += 1;
        part.min = part.min.min(s.created_us);
        part.max = part.max.max(s.created_us);
        part.last_append = self.appends;
        if part.builder.len() >= BATCH_ROWS || part.builder.buffered_bytes() >= BATCH_BYTES {
            part.write_batch()?;
        }
        self.appends += 1;
        // Every few hundred rows, and at once after a large record: a few records near the size
        // limit would otherwise pass the budget many times over before the next check.
        self.bytes_since_check += raw.len();
        if self.appends.is_multiple_of(BUDGET_CHECK_EVERY) || self.bytes_since_check >= self.opts.memory_budget / 8 {
            self.bytes_since_check = 0;
            self.enforce_budget()?;
        }
        Ok(())
    }

    /// Spills the partitions holding the most memory (rows not yet written, and the row group
    /// in progress, which `memory_size` counts unencoded) until the worker is under budget.
    fn enforce_budget(&mut self) -> Result<()> {
        let now = self.appends;
        let idle: Vec<_> =
            self.parts.iter().filter(|(_, p)| now - p.last_append > IDLE_APPENDS).map(|(k, _)| *k).collect();
        for key in idle {
            let part = self.parts.remove(&key).expect("listed above");
            self.done.push(part.close(key)?);
        }
        let mut total: usize = self.parts.values().map(Part::memory).sum();
        while total > self.opts.memory_budget {
            let Some(p) = self.parts.values_mut().filter(|p| p.memory() > 0).max_by_key(|p| p.memory()) else {
                break;
            };
            let before = p.memory();
            p.write_batch()?;
            p.writer.flush().map_err(|e| Error::parquet(&p.staged, e))?;
            total = total - before + p.memory();
        }
        Ok(())
    }

    /// Closes every file; returns them with their manifest entries (paths not yet in place).
    pub fn finish(mut self) -> Result<Vec<StagedFile>> {
        let mut out = std::mem::take(&mut self.done);
        for (key, p) in self.parts {
            out.push(p.close(key)?);
        }
        Ok(out)
    }
}
