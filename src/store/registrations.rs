//! The `registrations` table: Graph `userRegistrationDetails`, one row per user, a snapshot
//! like the credential inventory (an ingest that brings registrations replaces the stored
//! ones; the report is a point-in-time list of every user). Lists are kept as text joined by
//! the method separator so the table reads in any Parquet tool.
//!
//! Layout: `<store>/registrations/part-g<generation>.parquet`.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use arrow_array::builder::{BooleanBuilder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use super::manifest::Manifest;
use super::writer::{StagedFile, WriteOptions, stage_snapshot};
use super::{REGISTRATIONS, Store, reader};
use crate::domain::Timestamp;
use crate::error::{Error, Result};
use crate::normalize::METHOD_SEPARATOR;
use crate::normalize::registration::Registration;

/// A registration as stored: the user's state, where it was read, and the record text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRegistration {
    pub registration: Registration,
    pub file: String,
    pub line: u64,
    pub raw: Option<String>,
}

const FLAGS: [&str; 6] = [
    "is_sspr_registered",
    "is_sspr_enabled",
    "is_sspr_capable",
    "is_mfa_registered",
    "is_mfa_capable",
    "is_passwordless_capable",
];

pub fn registrations_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let mut fields = vec![
                Field::new("id", DataType::Utf8, false),
                Field::new("user_principal_name", DataType::Utf8, false),
                Field::new("user_display_name", DataType::Utf8, true),
                Field::new("user_type", DataType::Utf8, true),
                Field::new("is_admin", DataType::Boolean, true),
            ];
            fields.extend(FLAGS.iter().map(|f| Field::new(*f, DataType::Boolean, false)));
            fields.extend([
                Field::new("last_updated", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), true),
                Field::new("methods_registered", DataType::Utf8, false),
                Field::new("is_system_preferred_enabled", DataType::Boolean, true),
                Field::new("system_preferred_methods", DataType::Utf8, false),
                Field::new("user_preferred_method", DataType::Utf8, true),
                Field::new("default_mfa_method", DataType::Utf8, true),
                Field::new("source_file", DataType::Utf8, false),
                Field::new("source_line", DataType::Int64, false),
                Field::new("raw", DataType::Utf8, true),
            ]);
            Arc::new(Schema::new(fields))
        })
        .clone()
}

fn join(list: &[String]) -> String {
    list.join(&METHOD_SEPARATOR.to_string())
}

fn split(text: &str) -> Vec<String> {
    text.split(METHOD_SEPARATOR).filter(|m| !m.is_empty()).map(str::to_string).collect()
}

fn flags(r: &Registration) -> [bool; 6] {
    [
        r.is_sspr_registered,
        r.is_sspr_enabled,
        r.is_sspr_capable,
        r.is_mfa_registered,
        r.is_mfa_capable,
        r.is_passwordless_capable,
    ]
}

/// Writes the snapshot to a staged file.
pub fn stage(staging: &Path, generation: u64, rows: &[StoredRegistration], opts: &WriteOptions) -> Result<StagedFile> {
    let text = || StringBuilder::new();
    let (mut id, mut upn, mut name, mut kind) = (text(), text(), text(), text());
    let mut admin = BooleanBuilder::new();
    let mut flag_b: Vec<BooleanBuilder> = FLAGS.iter().map(|_| BooleanBuilder::new()).collect();
    let mut updated = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let (mut methods, mut sys_methods, mut preferred, mut default_mfa) = (text(), text(), text(), text());
    let mut sys_enabled = BooleanBuilder::new();
    let (mut file, mut line, mut raw) = (text(), Int64Builder::new(), text());
    for s in rows {
        let r = &s.registration;
        id.append_value(&r.id);
        upn.append_value(&r.user_principal_name);
        name.append_option(r.user_display_name.as_deref());
        kind.append_option(r.user_type.as_deref());
        admin.append_option(r.is_admin);
        for (b, v) in flag_b.iter_mut().zip(flags(r)) {
            b.append_value(v);
        }
        updated.append_option(r.last_updated_date_time.map(|t| t.us));
        methods.append_value(join(&r.methods_registered));
        sys_enabled.append_option(r.is_system_preferred_authentication_method_enabled);
        sys_methods.append_value(join(&r.system_preferred_authentication_methods));
        preferred.append_option(r.user_preferred_method_for_secondary_authentication.as_deref());
        default_mfa.append_option(r.default_mfa_method.as_deref());
        file.append_value(&s.file);
        line.append_value(s.line as i64);
        raw.append_option(s.raw.as_deref());
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(upn.finish()),
        Arc::new(name.finish()),
        Arc::new(kind.finish()),
        Arc::new(admin.finish()),
    ];
    columns.extend(flag_b.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    columns.extend([
        Arc::new(updated.finish()) as ArrayRef,
        Arc::new(methods.finish()),
        Arc::new(sys_enabled.finish()),
        Arc::new(sys_methods.finish()),
        Arc::new(preferred.finish()),
        Arc::new(default_mfa.finish()),
        Arc::new(file.finish()),
        Arc::new(line.finish()),
        Arc::new(raw.finish()),
    ]);
    let batch = RecordBatch::try_new(registrations_schema(), columns).map_err(|e| Error::arrow(staging, e))?;
    let rel_path = format!("{REGISTRATIONS}/part-g{generation:06}.parquet");
    stage_snapshot(
        staging,
        &format!("registrations-g{generation:06}.parquet"),
        (REGISTRATIONS, REGISTRATIONS, rel_path),
        &batch,
        opts,
    )
}

/// The stored registrations, in file order, without their record text (`raw` is `None`);
/// `None` when none was ever ingested.
pub fn load(store: &Store, manifest: &Manifest) -> Result<Option<Vec<StoredRegistration>>> {
    let files = manifest.files(REGISTRATIONS);
    if files.is_empty() {
        return Ok(None);
    }
    let names = column_names();
    let names: Vec<&str> = names.iter().map(String::as_str).filter(|&n| n != "raw").collect();
    let mut out = Vec::new();
    for rg in reader::row_groups(store, super::REGISTRATIONS, files)? {
        for b in rg.read(&names)? {
            let s = |n: &str| b.column_by_name(n).expect("registrations column").as_string::<i32>();
            let bools = |n: &str| -> &BooleanArray { b.column_by_name(n).expect("registrations column").as_boolean() };
            let opt = |a: &StringArray, i: usize| a.is_valid(i).then(|| a.value(i).to_string());
            let opt_bool = |a: &BooleanArray, i: usize| a.is_valid(i).then(|| a.value(i));
            let (id, upn, name, kind) = (s("id"), s("user_principal_name"), s("user_display_name"), s("user_type"));
            let admin = bools("is_admin");
            let flag: Vec<&BooleanArray> = FLAGS.iter().map(|f| bools(f)).collect();
            let updated = b
                .column_by_name("last_updated")
                .expect("registrations column")
                .as_primitive::<TimestampMicrosecondType>();
            let (methods, sys_methods) = (s("methods_registered"), s("system_preferred_methods"));
            let (preferred, default_mfa, file) =
                (s("user_preferred_method"), s("default_mfa_method"), s("source_file"));
            let sys_enabled = bools("is_system_preferred_enabled");
            let line = b.column_by_name("source_line").expect("registrations column").as_primitive::<Int64Type>();
            for i in 0..b.num_rows() {
                out.push(StoredRegistration {
                    registration: Registration {
                        id: id.value(i).to_string(),
                        user_principal_name: upn.value(i).to_string(),
                        user_display_name: opt(name, i),
                        is_admin: opt_bool(admin, i),
                        is_sspr_registered: flag[0].value(i),
                        is_sspr_enabled: flag[1].value(i),
                        is_sspr_capable: flag[2].value(i),
                        is_mfa_registered: flag[3].value(i),
                        is_mfa_capable: flag[4].value(i),
                        is_passwordless_capable: flag[5].value(i),
                        last_updated_date_time: updated.is_valid(i).then(|| Timestamp::utc(updated.value(i))),
                        methods_registered: split(methods.value(i)),
                        is_system_preferred_authentication_method_enabled: opt_bool(sys_enabled, i),
                        system_preferred_authentication_methods: split(sys_methods.value(i)),
                        user_preferred_method_for_secondary_authentication: opt(preferred, i),
                        user_type: opt(kind, i),
                        default_mfa_method: opt(default_mfa, i),
                    },
                    file: file.value(i).to_string(),
                    line: line.value(i) as u64,
                    raw: None,
                });
            }
        }
    }
    Ok(Some(out))
}

/// Every column, for the verifier.
pub fn column_names() -> Vec<String> {
    registrations_schema().fields().iter().map(|f| f.name().clone()).collect()
}
