//! The `audits` table: directory audit records (Graph `directoryAudit`), the input of the
//! registration and reset event reports. One file per ingest worker; row groups are cut small
//! so a worker's memory stays bounded however many records come.
//!
//! Layout: `<store>/audits/part-g<generation>-w<worker>.parquet`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use arrow_array::builder::{Int64Builder, StringBuilder, TimestampMicrosecondBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;

use super::AUDITS;
use super::manifest::FileEntry;
use super::writer::{StagedFile, WriteOptions, writer_properties};
use crate::error::{Error, Result};
use crate::normalize::audit::Audit;

pub const ID: &str = "id";
pub const ACTIVITY: &str = "activity";
pub const CATEGORY: &str = "category";
pub const ACTIVITY_DISPLAY_NAME: &str = "activity_display_name";
pub const RESULT: &str = "result";
pub const RESULT_REASON: &str = "result_reason";
pub const LOGGED_BY_SERVICE: &str = "logged_by_service";
pub const OPERATION_TYPE: &str = "operation_type";
pub const INITIATED_BY_USER: &str = "initiated_by_user";
pub const INITIATED_BY_APP: &str = "initiated_by_app";
pub const CORRELATION_ID: &str = "correlation_id";
pub const INITIATED_BY_USER_ID: &str = "initiated_by_user_id";
pub const INITIATED_BY_USER_NAME: &str = "initiated_by_user_name";
/// The first target resource of type `User`.
pub const TARGET_USER_ID: &str = "target_user_id";
pub const TARGET_USER_PRINCIPAL_NAME: &str = "target_user_principal_name";
pub const TARGET_USER_NAME: &str = "target_user_name";
/// `additionalDetails` as compact JSON text.
pub const ADDITIONAL_DETAILS: &str = "additional_details";
/// Every target resource with its modified properties, as compact JSON (`normalize::audit::Target`).
pub const TARGETS: &str = "targets";
pub const SOURCE_FILE: &str = "source_file";
pub const SOURCE_LINE: &str = "source_line";
pub const RAW: &str = "raw";

const BATCH_ROWS: usize = 8192;
/// Rows per row group: small, since audit records carry their raw text.
const ROW_GROUP_ROWS: usize = 16 * 1024;

fn dict() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

pub fn audits_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Arc::new(Schema::new(vec![
                Field::new(ID, DataType::Utf8, false),
                Field::new(ACTIVITY, DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), false),
                Field::new(CATEGORY, dict(), true),
                Field::new(ACTIVITY_DISPLAY_NAME, dict(), true),
                Field::new(RESULT, dict(), true),
                Field::new(RESULT_REASON, DataType::Utf8, true),
                Field::new(LOGGED_BY_SERVICE, dict(), true),
                Field::new(OPERATION_TYPE, dict(), true),
                Field::new(INITIATED_BY_USER, DataType::Utf8, true),
                Field::new(INITIATED_BY_APP, dict(), true),
                Field::new(CORRELATION_ID, DataType::Utf8, true),
                Field::new(INITIATED_BY_USER_ID, DataType::Utf8, true),
                Field::new(INITIATED_BY_USER_NAME, DataType::Utf8, true),
                Field::new(TARGET_USER_ID, DataType::Utf8, true),
                Field::new(TARGET_USER_PRINCIPAL_NAME, DataType::Utf8, true),
                Field::new(TARGET_USER_NAME, DataType::Utf8, true),
                Field::new(ADDITIONAL_DETAILS, DataType::Utf8, true),
                Field::new(TARGETS, DataType::Utf8, true),
                Field::new(SOURCE_FILE, dict(), false),
                Field::new(SOURCE_LINE, DataType::Int64, false),
                Field::new(RAW, DataType::Utf8, true),
            ]))
        })
        .clone()
}

use super::dict::Dict;

#[derive(Default)]
struct Builder {
    id: StringBuilder,
    activity: TimestampMicrosecondBuilder,
    category: Dict,
    activity_display_name: Dict,
    result: Dict,
    result_reason: StringBuilder,
    logged_by_service: Dict,
    operation_type: Dict,
    initiated_by_user: StringBuilder,
    initiated_by_app: Dict,
    correlation_id: StringBuilder,
    initiated_by_user_id: StringBuilder,
    initiated_by_user_name: StringBuilder,
    target_user_id: StringBuilder,
    target_user_principal_name: StringBuilder,
    target_user_name: StringBuilder,
    additional_details: StringBuilder,
    targets: StringBuilder,
    source_file: Dict,
    source_line: Int64Builder,
    raw: StringBuilder,
    rows: usize,
}

impl Builder {
    fn append(&mut self, a: &Audit<'_>, raw: Option<&str>, source_file: &str, source_line: u64) {
        self.id.append_value(&a.id);
        self.activity.append_value(a.activity_us);
        self.category.append_option(a.category.as_deref());
        self.activity_display_name.append_option(a.activity_display_name.as_deref());
        self.result.append_option(a.result.as_deref());
        self.result_reason.append_option(a.result_reason.as_deref());
        self.logged_by_service.append_option(a.logged_by_service.as_deref());
        self.operation_type.append_option(a.operation_type.as_deref());
        self.initiated_by_user.append_option(a.initiated_by_user.as_deref());
        self.initiated_by_app.append_option(a.initiated_by_app.as_deref());
        self.correlation_id.append_option(a.correlation_id.as_deref());
        self.initiated_by_user_id.append_option(a.initiated_by_user_id.as_deref());
        self.initiated_by_user_name.append_option(a.initiated_by_user_name.as_deref());
        self.target_user_id.append_option(a.target_user.id.as_deref());
        self.target_user_principal_name.append_option(a.target_user.user_principal_name.as_deref());
        self.target_user_name.append_option(a.target_user.display_name.as_deref());
        self.additional_details.append_option(a.additional_details.as_deref());
        self.targets.append_option(a.targets.as_deref());
        self.source_file.append_value(source_file);
        self.source_line.append_value(source_line as i64);
        self.raw.append_option(raw);
        self.rows += 1;
    }

    fn finish(&mut self) -> RecordBatch {
        let mut b = std::mem::take(self);
        let columns: Vec<ArrayRef> = vec![
            Arc::new(b.id.finish()),
            Arc::new(b.activity.finish().with_timezone("UTC")),
            Arc::new(b.category.finish()),
            Arc::new(b.activity_display_name.finish()),
            Arc::new(b.result.finish()),
            Arc::new(b.result_reason.finish()),
            Arc::new(b.logged_by_service.finish()),
            Arc::new(b.operation_type.finish()),
            Arc::new(b.initiated_by_user.finish()),
            Arc::new(b.initiated_by_app.finish()),
            Arc::new(b.correlation_id.finish()),
            Arc::new(b.initiated_by_user_id.finish()),
            Arc::new(b.initiated_by_user_name.finish()),
            Arc::new(b.target_user_id.finish()),
            Arc::new(b.target_user_principal_name.finish()),
            Arc::new(b.target_user_name.finish()),
            Arc::new(b.additional_details.finish()),
            Arc::new(b.targets.finish()),
            Arc::new(b.source_file.finish()),
            Arc::new(b.source_line.finish()),
            Arc::new(b.raw.finish()),
        ];
        RecordBatch::try_new(audits_schema(), columns).expect("builder columns match the schema")
    }
}

/// One worker's audit file, opened at the first record.
pub struct AuditWriter {
    staging: PathBuf,
    name: String,
    opts: WriteOptions,
    open: Option<(ArrowWriter<File>, Builder)>,
    rows: u64,
    in_group: usize,
    min: i64,
    max: i64,
}

impl AuditWriter {
    /// `prefix` makes the file name unique across workers and ingests (e.g. `g000007-w1`).
    pub fn new(staging: &Path, prefix: &str, opts: WriteOptions) -> Self {
        AuditWriter {
            staging: staging.to_path_buf(),
            name: format!("part-{prefix}.parquet"),
            opts,
            open: None,
            rows: 0,
            in_group: 0,
            min: i64::MAX,
            max: i64::MIN,
        }
    }

    fn path(&self) -> PathBuf {
        self.staging.join(format!("audits-{}", self.name))
    }

    pub fn append(&mut self, a: &Audit<'_>, raw: &str, source_file: &str, source_line: u64) -> Result<()> {
        if self.open.is_none() {
            let path = self.path();
            let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
            let w = ArrowWriter::try_new(file, audits_schema(), Some(writer_properties(&self.opts)))
                .map_err(|e| Error::parquet(&path, e))?;
            self.open = Some((w, Builder::default()));
        }
        let path = self.path();
        let (w, b) = self.open.as_mut().expect("opened above");
        b.append(a, self.opts.keep_raw.then_some(raw), source_file, source_line);
        self.rows += 1;
        self.in_group += 1;
        self.min = self.min.min(a.activity_us);
        self.max = self.max.max(a.activity_us);
        if b.rows >= BATCH_ROWS {
            w.write(&b.finish()).map_err(|e| Error::parquet(&path, e))?;
        }
        if self.in_group >= ROW_GROUP_ROWS {
            w.flush().map_err(|e| Error::parquet(&path, e))?;
            self.in_group = 0;
        }
        Ok(())
    }

    /// Closes the file, if any record came.
    pub fn finish(mut self) -> Result<Option<StagedFile>> {
        let path = self.path();
        let Some((mut w, mut b)) = self.open.take() else { return Ok(None) };
        if b.rows > 0 {
            w.write(&b.finish()).map_err(|e| Error::parquet(&path, e))?;
        }
        let file = w.into_inner().map_err(|e| Error::parquet(&path, e))?;
        file.sync_all().map_err(|e| Error::io(&path, e))?;
        let bytes = file.metadata().map_err(|e| Error::io(&path, e))?.len();
        Ok(Some(StagedFile {
            table: AUDITS,
            staged: path,
            entry: FileEntry {
                path: format!("{AUDITS}/{}", self.name),
                event_type: String::new(),
                date: String::new(),
                rows: self.rows,
                bytes,
                min_time_us: self.min,
                max_time_us: self.max,
            },
        }))
    }
}

/// Every column, for the verifier.
pub fn column_names() -> Vec<String> {
    audits_schema().fields().iter().map(|f| f.name().clone()).collect()
}
