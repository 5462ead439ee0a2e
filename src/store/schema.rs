//! The `signins` table's Arrow schema and the builder that turns [`SignIn`]s into record batches.
//!
//! Low-cardinality text (app, resource, failure reason, ...) is dictionary-encoded so that scans
//! group on dense integer keys. `event_type` and `date` are not columns: they are the Hive
//! partition folders. `raw` keeps the original record text; `source_file`/`source_line` say
//! where it came from.

use std::sync::{Arc, OnceLock};

use arrow_array::builder::{BooleanBuilder, Int32Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder};
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
/// Every step of `authenticationDetails`: method and success (`normalize::Steps`).
pub const AUTH_STEPS: &str = "auth_steps";
pub const AUTHENTICATION_PROTOCOL: &str = "authentication_protocol";
pub const INCOMING_TOKEN_TYPE: &str = "incoming_token_type";
/// `riskLevelDuringSignIn`.
pub const RISK_LEVEL: &str = "risk_level";
pub const RISK_STATE: &str = "risk_state";
pub const USER_TYPE: &str = "user_type";
pub const HOME_TENANT_ID: &str = "home_tenant_id";
pub const RESOURCE_TENANT_ID: &str = "resource_tenant_id";
pub const CROSS_TENANT_ACCESS_TYPE: &str = "cross_tenant_access_type";
pub const USER_AGENT: &str = "user_agent";
pub const CLIENT_CREDENTIAL_TYPE: &str = "client_credential_type";
/// `location.countryOrRegion`.
pub const COUNTRY: &str = "country";
pub const STATE: &str = "state";
pub const CITY: &str = "city";
/// `deviceDetail.operatingSystem`, and so on.
pub const OPERATING_SYSTEM: &str = "operating_system";
pub const BROWSER: &str = "browser";
pub const TRUST_TYPE: &str = "trust_type";
/// `appliedConditionalAccessPolicies`: id, name and result of each (`normalize::Policies`).
pub const CA_POLICIES: &str = "ca_policies";
pub const IS_COMPLIANT: &str = "is_compliant";
pub const IS_MANAGED: &str = "is_managed";
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
                Field::new(AUTH_STEPS, dict(), true),
                Field::new(AUTHENTICATION_PROTOCOL, dict(), true),
                Field::new(INCOMING_TOKEN_TYPE, dict(), true),
                Field::new(RISK_LEVEL, dict(), true),
                Field::new(RISK_STATE, dict(), true),
                Field::new(USER_TYPE, dict(), true),
                Field::new(HOME_TENANT_ID, dict(), true),
                Field::new(RESOURCE_TENANT_ID, dict(), true),
                Field::new(CROSS_TENANT_ACCESS_TYPE, dict(), true),
                Field::new(USER_AGENT, dict(), true),
                Field::new(CLIENT_CREDENTIAL_TYPE, dict(), true),
                Field::new(COUNTRY, dict(), true),
                Field::new(STATE, dict(), true),
                Field::new(CITY, dict(), true),
                Field::new(OPERATING_SYSTEM, dict(), true),
                Field::new(BROWSER, dict(), true),
                Field::new(TRUST_TYPE, dict(), true),
                Field::new(CA_POLICIES, dict(), true),
                Field::new(IS_COMPLIANT, DataType::Boolean, true),
                Field::new(IS_MANAGED, DataType::Boolean, true),
                Field::new(SOURCE_FILE, dict(), false),
                Field::new(SOURCE_LINE, DataType::Int64, false),
                Field::new(RAW, DataType::Utf8, true),
            ]))
        })
        .clone()
}

use super::dict::Dict;

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
    auth_steps: Dict,
    authentication_protocol: Dict,
    incoming_token_type: Dict,
    risk_level: Dict,
    risk_state: Dict,
    user_type: Dict,
    home_tenant_id: Dict,
    resource_tenant_id: Dict,
    cross_tenant_access_type: Dict,
    user_agent: Dict,
    client_credential_type: Dict,
    country: Dict,
    state: Dict,
    city: Dict,
    operating_system: Dict,
    browser: Dict,
    trust_type: Dict,
    ca_policies: Dict,
    is_compliant: BooleanBuilder,
    is_managed: BooleanBuilder,
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
            auth_steps: Dict::new(),
            authentication_protocol: Dict::new(),
            incoming_token_type: Dict::new(),
            risk_level: Dict::new(),
            risk_state: Dict::new(),
            user_type: Dict::new(),
            home_tenant_id: Dict::new(),
            resource_tenant_id: Dict::new(),
            cross_tenant_access_type: Dict::new(),
            user_agent: Dict::new(),
            client_credential_type: Dict::new(),
            country: Dict::new(),
            state: Dict::new(),
            city: Dict::new(),
            operating_system: Dict::new(),
            browser: Dict::new(),
            trust_type: Dict::new(),
            ca_policies: Dict::new(),
            is_compliant: BooleanBuilder::new(),
            is_managed: BooleanBuilder::new(),
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
        self.auth_steps.append_option(s.auth_steps.as_deref());
        self.authentication_protocol.append_option(s.authentication_protocol.as_deref());
        self.incoming_token_type.append_option(s.incoming_token_type.as_deref());
        self.risk_level.append_option(s.risk_level.as_deref());
        self.risk_state.append_option(s.risk_state.as_deref());
        self.user_type.append_option(s.user_type.as_deref());
        self.home_tenant_id.append_option(s.home_tenant_id.as_deref());
        self.resource_tenant_id.append_option(s.resource_tenant_id.as_deref());
        self.cross_tenant_access_type.append_option(s.cross_tenant_access_type.as_deref());
        self.user_agent.append_option(s.user_agent.as_deref());
        self.client_credential_type.append_option(s.client_credential_type.as_deref());
        self.country.append_option(s.location.country.as_deref());
        self.state.append_option(s.location.state.as_deref());
        self.city.append_option(s.location.city.as_deref());
        self.operating_system.append_option(s.device.operating_system.as_deref());
        self.browser.append_option(s.device.browser.as_deref());
        self.trust_type.append_option(s.device.trust_type.as_deref());
        self.ca_policies.append_option(s.ca_policies.as_deref());
        self.is_compliant.append_option(s.device.is_compliant);
        self.is_managed.append_option(s.device.is_managed);
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
            Arc::new(self.auth_steps.finish()),
            Arc::new(self.authentication_protocol.finish()),
            Arc::new(self.incoming_token_type.finish()),
            Arc::new(self.risk_level.finish()),
            Arc::new(self.risk_state.finish()),
            Arc::new(self.user_type.finish()),
            Arc::new(self.home_tenant_id.finish()),
            Arc::new(self.resource_tenant_id.finish()),
            Arc::new(self.cross_tenant_access_type.finish()),
            Arc::new(self.user_agent.finish()),
            Arc::new(self.client_credential_type.finish()),
            Arc::new(self.country.finish()),
            Arc::new(self.state.finish()),
            Arc::new(self.city.finish()),
            Arc::new(self.operating_system.finish()),
            Arc::new(self.browser.finish()),
            Arc::new(self.trust_type.finish()),
            Arc::new(self.ca_policies.finish()),
            Arc::new(self.is_compliant.finish()),
            Arc::new(self.is_managed.finish()),
            Arc::new(self.source_file.finish()),
            Arc::new(self.source_line.finish()),
            Arc::new(raw.finish()),
        ];
        self.rows = 0;
        self.bytes = 0;
        RecordBatch::try_new(signins_schema(), columns).expect("builder columns match the schema")
    }
}
