//! The `signins` table's Arrow schema and the builder that turns [`SignIn`]s into record batches.
//!
//! Low-cardinality text (app, resource, failure reason, ...) is dictionary-encoded so that scans
//! group on dense integer keys. `event_type` and `date` are not columns: they are the Hive
//! partition folders. `raw` keeps the original record text; `source_file`/`source_line` say
//! where it came from.

use std::sync::{Arc, OnceLock};

use arrow_array::builder::{
    Int32Builder, Int64Builder, StringBuilder, StringDictionaryBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::normalize::SignIn;

pub const ID: &str = "id";
pub const CREATED: &str = "created";
pub const APP_ID: &str = "app_id";
pub const APP_DISPLAY_NAME: &str = "app_display_name";
pub const RESOURCE_ID: &str = "resource_id";
pub const RESOURCE_DISPLAY_NAME: &str = "resource_display_name";
pub const USER_ID: &str = "user_id";
pub const USER_PRINCIPAL_NAME: &str = "user_principal_name";
pub const USER_DISPLAY_NAME: &str = "user_display_name";
pub const ERROR_CODE: &str = "error_code";
pub const FAILURE_REASON: &str = "failure_reason";
pub const ADDITIONAL_DETAILS: &str = "additional_details";
pub const IP_ADDRESS: &str = "ip_address";
pub const CLIENT_APP_USED: &str = "client_app_used";
pub const CORRELATION_ID: &str = "correlation_id";
pub const SERVICE_PRINCIPAL_ID: &str = "service_principal_id";
pub const SERVICE_PRINCIPAL_NAME: &str = "service_principal_name";
pub const CREDENTIAL_KEY_ID: &str = "credential_key_id";
pub const AUTHENTICATION_REQUIREMENT: &str = "authentication_requirement";
pub const CONDITIONAL_ACCESS_STATUS: &str = "conditional_access_status";
/// The methods the sign-in used (`authenticationDetails`), joined by `METHOD_SEPARATOR`.
pub const AUTH_METHODS: &str = "auth_methods";
pub const SOURCE_FILE: &str = "source_file";
pub const SOURCE_LINE: &str = "source_line";
pub const RAW: &str = "raw";

fn dict() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// The schema of every Parquet file of the `signins` table.
pub fn signins_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Arc::new(Schema::new(vec![
                Field::new(ID, DataType::Utf8, false),
                Field::new(CREATED, DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), false),
                Field::new(APP_ID, dict(), true),
                Field::new(APP_DISPLAY_NAME, dict(), true),
                Field::new(RESOURCE_ID, dict(), true),
                Field::new(RESOURCE_DISPLAY_NAME, dict(), true),
                Field::new(USER_ID, DataType::Utf8, true),
                Field::new(USER_PRINCIPAL_NAME, DataType::Utf8, true),
                Field::new(USER_DISPLAY_NAME, DataType::Utf8, true),
                Field::new(ERROR_CODE, DataType::Int32, true),
                Field::new(FAILURE_REASON, dict(), true),
                Field::new(ADDITIONAL_DETAILS, dict(), true),
                Field::new(IP_ADDRESS, DataType::Utf8, true),
                Field::new(CLIENT_APP_USED, dict(), true),
                Field::new(CORRELATION_ID, DataType::Utf8, true),
                Field::new(SERVICE_PRINCIPAL_ID, dict(), true),
                Field::new(SERVICE_PRINCIPAL_NAME, dict(), true),
                Field::new(CREDENTIAL_KEY_ID, dict(), true),
                Field::new(AUTHENTICATION_REQUIREMENT, dict(), true),
                Field::new(CONDITIONAL_ACCESS_STATUS, dict(), true),
                Field::new(AUTH_METHODS, dict(), true),
                Field::new(SOURCE_FILE, dict(), false),
                Field::new(SOURCE_LINE, DataType::Int64, false),
                Field::new(RAW, DataType::Utf8, true),
            ]))
        })
        .clone()
}

type Dict = StringDictionaryBuilder<Int32Type>;

/// Accumulates sign-ins of one partition until they are written as a batch.
pub struct SignInBatchBuilder {
    id: StringBuilder,
    created: TimestampMicrosecondBuilder,
    app_id: Dict,
    app_display_name: Dict,
    resource_id: Dict,
    resource_display_name: Dict,
    user_id: StringBuilder,
    user_principal_name: StringBuilder,
    user_display_name: StringBuilder,
    error_code: Int32Builder,
    failure_reason: Dict,
    additional_details: Dict,
    ip_address: StringBuilder,
    client_app_used: Dict,
    correlation_id: StringBuilder,
    service_principal_id: Dict,
    service_principal_name: Dict,
    credential_key_id: Dict,
    authentication_requirement: Dict,
    conditional_access_status: Dict,
    auth_methods: Dict,
    source_file: Dict,
    source_line: Int64Builder,
    raw: StringBuilder,
    rows: usize,
    bytes: usize,
}

impl Default for SignInBatchBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl SignInBatchBuilder {
    pub fn new() -> Self {
        SignInBatchBuilder {
            id: StringBuilder::new(),
            created: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            app_id: Dict::new(),
            app_display_name: Dict::new(),
            resource_id: Dict::new(),
            resource_display_name: Dict::new(),
            user_id: StringBuilder::new(),
            user_principal_name: StringBuilder::new(),
            user_display_name: StringBuilder::new(),
            error_code: Int32Builder::new(),
            failure_reason: Dict::new(),
            additional_details: Dict::new(),
            ip_address: StringBuilder::new(),
            client_app_used: Dict::new(),
            correlation_id: StringBuilder::new(),
            service_principal_id: Dict::new(),
            service_principal_name: Dict::new(),
            credential_key_id: Dict::new(),
            authentication_requirement: Dict::new(),
            conditional_access_status: Dict::new(),
            auth_methods: Dict::new(),
            source_file: Dict::new(),
            source_line: Int64Builder::new(),
            raw: StringBuilder::new(),
            rows: 0,
            bytes: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Approximate bytes buffered (dominated by the raw text).
    pub fn buffered_bytes(&self) -> usize {
        self.bytes
    }

    pub fn append(&mut self, s: &SignIn<'_>, raw: Option<&str>, source_file: &str, source_line: u64) {
        self.id.append_value(&s.id);
        self.created.append_value(s.created_us);
        self.app_id.append_option(s.app_id.as_deref());
        self.app_display_name.append_option(s.app_display_name.as_deref());
        self.resource_id.append_option(s.resource_id.as_deref());
        self.resource_display_name.append_option(s.resource_display_name.as_deref());
        self.user_id.append_option(s.user_id.as_deref());
        self.user_principal_name.append_option(s.user_principal_name.as_deref());
        self.user_display_name.append_option(s.user_display_name.as_deref());
        self.error_code.append_option(s.error_code);
        self.failure_reason.append_option(s.failure_reason.as_deref());
        self.additional_details.append_option(s.additional_details.as_deref());
        self.ip_address.append_option(s.ip_address.as_deref());
        self.client_app_used.append_option(s.client_app_used.as_deref());
        self.correlation_id.append_option(s.correlation_id.as_deref());
        self.service_principal_id.append_option(s.service_principal_id.as_deref());
        self.service_principal_name.append_option(s.service_principal_name.as_deref());
        self.credential_key_id.append_option(s.credential_key_id.as_deref());
        self.authentication_requirement.append_option(s.authentication_requirement.as_deref());
        self.conditional_access_status.append_option(s.conditional_access_status.as_deref());
        self.auth_methods.append_option(s.auth_methods.as_deref());
        self.source_file.append_value(source_file);
        self.source_line.append_value(source_line as i64);
        self.raw.append_option(raw);
        self.rows += 1;
        self.bytes += 200 + raw.map_or(0, str::len);
    }

    pub fn finish(&mut self) -> RecordBatch {
        // Start the next batch at this batch's size: growing the text buffers by doubling
        // costs a copy and fresh pages at every step.
        let (rows, raw_bytes, id_bytes) = (self.rows, self.raw.values_slice().len(), self.id.values_slice().len());
        let mut raw = std::mem::replace(&mut self.raw, StringBuilder::with_capacity(rows, raw_bytes + raw_bytes / 8));
        let mut id = std::mem::replace(&mut self.id, StringBuilder::with_capacity(rows, id_bytes + 64));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id.finish()),
            Arc::new(self.created.finish()),
            Arc::new(self.app_id.finish()),
            Arc::new(self.app_display_name.finish()),
            Arc::new(self.resource_id.finish()),
            Arc::new(self.resource_display_name.finish()),
            Arc::new(self.user_id.finish()),
            Arc::new(self.user_principal_name.finish()),
            Arc::new(self.user_display_name.finish()),
            Arc::new(self.error_code.finish()),
            Arc::new(self.failure_reason.finish()),
            Arc::new(self.additional_details.finish()),
            Arc::new(self.ip_address.finish()),
            Arc::new(self.client_app_used.finish()),
            Arc::new(self.correlation_id.finish()),
            Arc::new(self.service_principal_id.finish()),
            Arc::new(self.service_principal_name.finish()),
            Arc::new(self.credential_key_id.finish()),
            Arc::new(self.authentication_requirement.finish()),
            Arc::new(self.conditional_access_status.finish()),
            Arc::new(self.auth_methods.finish()),
            Arc::new(self.source_file.finish()),
            Arc::new(self.source_line.finish()),
            Arc::new(raw.finish()),
        ];
        self.rows = 0;
        self.bytes = 0;
        RecordBatch::try_new(signins_schema(), columns).expect("builder columns match the schema")
    }
}
