//! The `credentials` table: the credential inventory (applications and service principals with
//! their key and password credentials), one row per credential, or one row with a null key id
//! for an object that has none. It is a snapshot, not a log: each ingest that brings objects of
//! an origin replaces the stored snapshot of that origin (one file per origin).
//!
//! Layout: `<store>/credentials/origin=<application|servicePrincipal>/part-g<generation>.parquet`.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use arrow_array::builder::{Int64Builder, StringBuilder, TimestampMicrosecondBuilder};
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use super::manifest::Manifest;
use super::reader;
use super::writer::{StagedFile, WriteOptions, stage_snapshot};
use super::{CREDENTIALS, Store};
use crate::error::{Error, Result};
use crate::normalize::inventory::{Credential, InventoryObject, Origin};

const ORIGIN: &str = "origin";
const OBJECT_ID: &str = "object_id";
const APP_ID: &str = "app_id";
const OBJECT_DISPLAY_NAME: &str = "object_display_name";
const KEY_ID: &str = "key_id";
const KEY_TYPE: &str = "key_type";
const KEY_USAGE: &str = "key_usage";
const KEY_DISPLAY_NAME: &str = "key_display_name";
const START: &str = "start";
const END: &str = "end";
const SOURCE_FILE: &str = "source_file";
const SOURCE_LINE: &str = "source_line";
const RAW: &str = "raw";

pub fn credentials_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let ts = || DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
            Arc::new(Schema::new(vec![
                Field::new(ORIGIN, DataType::Utf8, false),
                Field::new(OBJECT_ID, DataType::Utf8, false),
                Field::new(APP_ID, DataType::Utf8, false),
                Field::new(OBJECT_DISPLAY_NAME, DataType::Utf8, true),
                Field::new(KEY_ID, DataType::Utf8, true),
                Field::new(KEY_TYPE, DataType::Utf8, true),
                Field::new(KEY_USAGE, DataType::Utf8, true),
                Field::new(KEY_DISPLAY_NAME, DataType::Utf8, true),
                Field::new(START, ts(), true),
                Field::new(END, ts(), true),
                Field::new(SOURCE_FILE, DataType::Utf8, false),
                Field::new(SOURCE_LINE, DataType::Int64, false),
                Field::new(RAW, DataType::Utf8, true),
            ]))
        })
        .clone()
}

/// An inventory object as read from an export: the object, where it came from, and its text.
#[derive(Clone, Debug)]
pub struct Sourced {
    pub object: InventoryObject,
    pub file: String,
    pub line: u64,
    pub raw: Option<String>,
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InventoryRow {
    pub origin: Origin,
    pub object_id: String,
    pub app_id: String,
    pub object_display_name: Option<String>,
    /// `None` for an object without credentials.
    pub credential: Option<Credential>,
}

/// The rows `objects` make, in a canonical order (for comparing snapshots).
pub fn rows_of(objects: &[Sourced]) -> Vec<InventoryRow> {
    let mut rows: Vec<InventoryRow> = objects
        .iter()
        .flat_map(|s| {
            let o = &s.object;
            let row = |credential: Option<Credential>| InventoryRow {
                origin: o.origin,
                object_id: o.object_id.clone(),
                app_id: o.app_id.clone(),
                object_display_name: o.display_name.clone(),
                credential,
            };
            if o.credentials.is_empty() {
                vec![row(None)]
            } else {
                o.credentials.iter().map(|c| row(Some(c.clone()))).collect()
            }
        })
        .collect();
    canonical(&mut rows);
    rows
}

pub fn canonical(rows: &mut [InventoryRow]) {
    rows.sort_by(|a, b| {
        let key = |r: &InventoryRow| {
            (r.origin, r.object_id.clone(), r.credential.as_ref().map(|c| (c.key_id.clone(), c.key_usage)))
        };
        key(a).cmp(&key(b))
    });
}

/// Writes the snapshot of one origin to a staged file.
pub fn stage(
    staging: &Path,
    generation: u64,
    origin: Origin,
    objects: &[Sourced],
    opts: &WriteOptions,
) -> Result<StagedFile> {
    let mut origin_b = StringBuilder::new();
    let mut object_id = StringBuilder::new();
    let mut app_id = StringBuilder::new();
    let mut object_name = StringBuilder::new();
    let mut key_id = StringBuilder::new();
    let mut key_type = StringBuilder::new();
    let mut key_usage = StringBuilder::new();
    let mut key_name = StringBuilder::new();
    let mut start = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut end = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut source_file = StringBuilder::new();
    let mut source_line = Int64Builder::new();
    let mut raw = StringBuilder::new();
    for s in objects {
        let o = &s.object;
        let creds: Vec<Option<&Credential>> =
            if o.credentials.is_empty() { vec![None] } else { o.credentials.iter().map(Some).collect() };
        for c in creds {
            origin_b.append_value(origin.as_str());
            object_id.append_value(&o.object_id);
            app_id.append_value(&o.app_id);
            object_name.append_option(o.display_name.as_deref());
            key_id.append_option(c.map(|c| &c.key_id));
            key_type.append_option(c.map(|c| c.key_type));
            key_usage.append_option(c.map(|c| c.key_usage));
            key_name.append_option(c.and_then(|c| c.display_name.as_deref()));
            start.append_option(c.and_then(|c| c.start_us));
            end.append_option(c.and_then(|c| c.end_us));
            source_file.append_value(&s.file);
            source_line.append_value(s.line as i64);
            raw.append_option(s.raw.as_deref().filter(|_| opts.keep_raw));
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(origin_b.finish()),
        Arc::new(object_id.finish()),
        Arc::new(app_id.finish()),
        Arc::new(object_name.finish()),
        Arc::new(key_id.finish()),
        Arc::new(key_type.finish()),
        Arc::new(key_usage.finish()),
        Arc::new(key_name.finish()),
        Arc::new(start.finish()),
        Arc::new(end.finish()),
        Arc::new(source_file.finish()),
        Arc::new(source_line.finish()),
        Arc::new(raw.finish()),
    ];
    let batch = RecordBatch::try_new(credentials_schema(), columns).map_err(|e| Error::arrow(staging, e))?;
    let o = origin.as_str();
    let rel_path = format!("{CREDENTIALS}/origin={o}/part-g{generation:06}.parquet");
    stage_snapshot(
        staging,
        &format!("credentials-{o}-g{generation:06}.parquet"),
        (CREDENTIALS, o, rel_path),
        &batch,
        opts,
    )
}

fn known(value: &str) -> &'static str {
    ["certificate", "clientSecret", "sign", "verify"].into_iter().find(|k| *k == value).unwrap_or("unknownFutureValue")
}

/// Every row of the stored inventory, in file order.
pub fn load(store: &Store, manifest: &Manifest) -> Result<Vec<InventoryRow>> {
    let mut out = Vec::new();
    for rg in reader::row_groups(store, CREDENTIALS, manifest.files(CREDENTIALS))? {
        let cols =
            [ORIGIN, OBJECT_ID, APP_ID, OBJECT_DISPLAY_NAME, KEY_ID, KEY_TYPE, KEY_USAGE, KEY_DISPLAY_NAME, START, END];
        for b in rg.read(&cols)? {
            let text = |name: &str| {
                b.column_by_name(name)
                    .and_then(|c| c.as_any().downcast_ref::<StringArray>())
                    .expect("credentials schema")
            };
            let time = |name: &str| {
                b.column_by_name(name)
                    .and_then(|c| c.as_any().downcast_ref::<TimestampMicrosecondArray>())
                    .expect("credentials schema")
            };
            let opt = |a: &StringArray, i: usize| a.is_valid(i).then(|| a.value(i).to_string());
            let opt_time = |a: &TimestampMicrosecondArray, i: usize| a.is_valid(i).then(|| a.value(i));
            let (origin, object_id, app_id, object_name) =
                (text(ORIGIN), text(OBJECT_ID), text(APP_ID), text(OBJECT_DISPLAY_NAME));
            let (key_id, key_type, key_usage, key_name) =
                (text(KEY_ID), text(KEY_TYPE), text(KEY_USAGE), text(KEY_DISPLAY_NAME));
            let (start, end) = (time(START), time(END));
            for i in 0..b.num_rows() {
                let Some(origin) = Origin::parse(origin.value(i)) else { continue };
                out.push(InventoryRow {
                    origin,
                    object_id: object_id.value(i).to_string(),
                    app_id: app_id.value(i).to_string(),
                    object_display_name: opt(object_name, i),
                    credential: key_id.is_valid(i).then(|| Credential {
                        key_id: key_id.value(i).to_string(),
                        key_type: known(key_type.value(i)),
                        key_usage: known(key_usage.value(i)),
                        display_name: opt(key_name, i),
                        start_us: opt_time(start, i),
                        end_us: opt_time(end, i),
                    }),
                });
            }
        }
    }
    Ok(out)
}

/// Every column, for the verifier.
pub fn column_names() -> Vec<String> {
    credentials_schema().fields().iter().map(|f| f.name().clone()).collect()
}
