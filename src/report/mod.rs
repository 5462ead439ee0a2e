//! One file per report: its Graph-shaped model, the [`Aggregate`](crate::scan::Aggregate) that
//! builds it, and its order. Semantics are SPEC section 3; success is `errorCode == 0`, and a
//! missing error code counts as a failure (it is not a proven success).

pub mod adfs;
pub mod adfs_checks;
pub mod app_daily;
pub mod app_errors;
pub mod app_last_signin;
pub mod apps;
pub mod auth_events;
pub mod auth_methods;
pub mod auth_registration;
pub mod auth_usage;
pub mod credentials;
pub mod overview;
pub mod service_principals;
pub mod signins;
pub mod window;

use uuid::Uuid;

use crate::normalize::EventType;
use crate::store::SIGNINS;
use crate::store::manifest::Manifest;
use window::Window;

/// The latest event time in the `signins` table: the default as-of.
pub fn latest_event(manifest: &Manifest) -> Option<i64> {
    latest_event_in(manifest, SIGNINS)
}

/// The latest event time in `table`.
pub fn latest_event_in(manifest: &Manifest, table: &str) -> Option<i64> {
    manifest.files(table).iter().map(|f| f.max_time_us).max()
}

/// Deterministic id of a report row that Graph leaves opaque: UUID v5 of its grouping key.
pub fn row_id(kind: &str, key: &str) -> String {
    const NAMESPACE: Uuid = Uuid::from_u128(0x6c1f_3d2e_9a4b_5c6d_8e7f_0a1b_2c3d_4e5f);
    Uuid::new_v5(&NAMESPACE, format!("{kind}|{key}").as_bytes()).to_string()
}

/// What every report is asked: the window and, where it applies, which event types to read.
#[derive(Clone, Debug)]
pub struct Request {
    pub window: Window,
    /// Overrides the report's default event types (`--event-types`).
    pub event_types: Option<Vec<EventType>>,
    pub top: Option<usize>,
    pub app: Option<String>,
}

impl Request {
    pub fn event_types_or(&self, default: &[EventType]) -> Vec<EventType> {
        self.event_types.clone().unwrap_or_else(|| default.to_vec())
    }
}

/// Graph `@odata.context` for a single object of `type_name`.
pub fn object_context(type_name: &str) -> String {
    format!("https://graph.microsoft.com/beta/$metadata#microsoft.graph.{type_name}")
}

/// Graph `@odata.context` for a collection of `type_name`.
pub fn context(type_name: &str) -> String {
    format!("https://graph.microsoft.com/beta/$metadata#Collection(microsoft.graph.{type_name})")
}

pub const USER_TYPES: [EventType; 2] = [EventType::InteractiveUser, EventType::NonInteractiveUser];
