//! Registration and reset events (SPEC 3.9) from the `audits` table: Graph `userEventsSummary`
//! (one row per registration or reset event), `userRegistrationActivity(period)` (success and
//! failure counts per feature and method) and `userPasswordResetsAndChangesSummary` (per UTC
//! day: resets by admin, self-service resets, self-service changes).
//!
//! Which audit activities count is the table [`ACTIVITIES`] (docs/graph-schemas.md 3.6; Microsoft
//! documents no mapping). Password resets count the Self-service Password Management service's
//! own events only: an admin reset also writes a Core Directory `Reset user password`, and
//! counting both would count the reset twice. The method of an event is the longest curated
//! method name in its result reason or additional details; a self-service reset that names
//! none takes the last method named by the reset flow's progress events (same correlation id,
//! not later than the reset). An event whose method cannot be told is listed as
//! `unknownFutureValue`, and the report says how many there were.

use std::collections::{BTreeMap, HashMap};

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, RecordBatch, StringArray};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::auth_methods::AUDIT_METHODS;
use super::auth_usage::Notes;
use super::catalog::{Answer, Opt, Query, Report};
use super::{Tabular, row_id};
use crate::domain::time::format_day;
use crate::domain::{Cell, Timestamp, Zone};
use crate::error::{Error, Result};
use crate::scan::{Columns, Window, text_at};
use crate::store::audits::{
    ACTIVITY, ACTIVITY_DISPLAY_NAME, ADDITIONAL_DETAILS, CORRELATION_ID, ID, INITIATED_BY_USER, INITIATED_BY_USER_ID,
    INITIATED_BY_USER_NAME, RESULT, RESULT_REASON, TARGET_USER_ID, TARGET_USER_NAME, TARGET_USER_PRINCIPAL_NAME,
};
use crate::store::{AUDITS, Store, manifest::Manifest, reader};

pub const EVENTS_TYPE_NAME: &str = "userEventsSummary";
pub const ACTIVITY_TYPE_NAME: &str = "userRegistrationActivitySummary";
pub const RESETS_TYPE_NAME: &str = "userPasswordResetsAndChangesSummary";

pub const EVENTS_REPORT: Report = Report {
    name: "registration-events",
    graph_name: Some("userEventsSummary"),
    about: "Security-info registration and password reset events per user (userEventsSummary).",
    title: "Registration and reset events",
    table: AUDITS,
    event_types: &[],
    options: &[Opt::User, Opt::Feature, Opt::Method, Opt::Status],
    run: |q| {
        let events = load(q.store, q.manifest, &q.request.window)?;
        let (rows, notes) = user_events(&events, &q.options.events, q.request.zone());
        Ok(Answer::rows(EVENTS_TYPE_NAME, rows).with_notes(notes))
    },
};

pub const ACTIVITY_REPORT: Report = Report {
    name: "registration-activity",
    graph_name: Some("userRegistrationActivity"),
    about: "Registration and reset successes and failures per method (userRegistrationActivity).",
    title: "Registration and reset activity by method",
    table: AUDITS,
    event_types: &[],
    options: &[],
    run: |q: &Query<'_>| {
        let events = load(q.store, q.manifest, &q.request.window)?;
        let (rows, notes) = registration_activity(&events);
        Ok(Answer::rows(ACTIVITY_TYPE_NAME, rows).with_notes(notes))
    },
};

pub const RESETS_REPORT: Report = Report {
    name: "password-resets",
    graph_name: Some("userPasswordResetsAndChangesSummary"),
    about: "Password resets and changes per day (userPasswordResetsAndChangesSummary).",
    title: "Password resets and changes by day",
    table: AUDITS,
    event_types: &[],
    options: &[],
    run: |q| {
        if let Some(problem) = q.request.window.too_many_days() {
            return Err(Error::Usage(problem));
        }
        // No audit records and nothing that ends the window: no days to list.
        let w = &q.request.window;
        if q.latest(AUDITS).is_none() && !q.as_of_given && w.end_us == w.as_of_us + 1 {
            return Ok(Answer::rows(RESETS_TYPE_NAME, Vec::<PasswordResetsDay>::new()));
        }
        let events = load(q.store, q.manifest, &q.request.window)?;
        Ok(Answer::rows(RESETS_TYPE_NAME, password_resets(&events, &q.request.window)))
    },
};

/// The `authMethod` of an event whose method the logs do not tell.
pub const UNKNOWN_METHOD: &str = "unknownFutureValue";

/// What an audit activity is to these reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// A security-info registration (feature `registration`).
    Registration,
    /// A registration that did not complete: a failure whatever its `result`.
    RegistrationAbandoned,
    /// A self-service password reset (feature `reset`; also a self-service reset per day).
    SelfServiceReset,
    /// A reset the service refused: a failure whatever its `result`.
    ResetBlocked,
    /// A step of a self-service reset flow: only a source of the reset's method.
    ResetProgress,
    /// A password reset by an admin (per day only).
    AdminReset,
    /// A self-service password change (per day only).
    SelfServiceChange,
}

/// Audit `activityDisplayName` -> class, compared ignoring case and surrounding spaces.
pub const ACTIVITIES: &[(&str, Class)] = &[
    ("User registered security info", Class::Registration),
    ("Admin registered security info", Class::Registration),
    ("Security info saved for self-service password reset", Class::Registration),
    ("User registered for self-service password reset", Class::Registration),
    ("User canceled security info registration", Class::RegistrationAbandoned),
    ("Reset password (self-service)", Class::SelfServiceReset),
    ("Blocked from self-service password reset", Class::ResetBlocked),
    ("Self-service password reset flow activity progress", Class::ResetProgress),
    ("Reset password (by admin)", Class::AdminReset),
    ("Change password (self-service)", Class::SelfServiceChange),
];

pub fn class_of(activity: &str) -> Option<Class> {
    let a = activity.trim();
    ACTIVITIES.iter().find(|(name, _)| name.eq_ignore_ascii_case(a)).map(|(_, c)| *c)
}

/// The curated method the text names: the longest name of [`AUDIT_METHODS`] found in it as
/// whole words, ignoring case.
pub fn method_in(text: &str) -> Option<&'static str> {
    let hay = text.to_lowercase();
    let bytes = hay.as_bytes();
    let word = |i: usize| bytes.get(i).is_some_and(|b| b.is_ascii_alphanumeric());
    AUDIT_METHODS
        .iter()
        .filter(|(name, _)| {
            let needle = name.to_lowercase();
            hay.match_indices(&needle).any(|(at, _)| (at == 0 || !word(at - 1)) && !word(at + needle.len()))
        })
        .max_by_key(|(name, _)| name.len())
        .map(|(_, id)| *id)
}

/// One audit event these reports read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub audit_id: String,
    pub at: i64,
    pub class: Class,
    pub success: bool,
    pub reason: Option<String>,
    pub method: Option<&'static str>,
    pub correlation_id: Option<String>,
    pub user_id: Option<String>,
    pub user_principal_name: Option<String>,
    pub user_display_name: Option<String>,
}

impl Event {
    pub fn feature(&self) -> Option<&'static str> {
        match self.class {
            Class::Registration | Class::RegistrationAbandoned => Some("registration"),
            Class::SelfServiceReset | Class::ResetBlocked => Some("reset"),
            _ => None,
        }
    }
}

const COLUMNS: [&str; 13] = [
    ID,
    ACTIVITY,
    ACTIVITY_DISPLAY_NAME,
    RESULT,
    RESULT_REASON,
    ADDITIONAL_DETAILS,
    CORRELATION_ID,
    INITIATED_BY_USER,
    INITIATED_BY_USER_ID,
    INITIATED_BY_USER_NAME,
    TARGET_USER_ID,
    TARGET_USER_PRINCIPAL_NAME,
    TARGET_USER_NAME,
];

fn events_of(b: &RecordBatch, window: &Window) -> Vec<Event> {
    let c = Columns(b);
    let text = |n: &str| -> &StringArray { b.column_by_name(n).expect("audits column").as_string::<i32>() };
    let times = b.column_by_name(ACTIVITY).expect("audits column").as_primitive::<TimestampMicrosecondType>();
    let (activity, result) = (c.dict(ACTIVITY_DISPLAY_NAME), c.dict(RESULT));
    let (ids, reasons, details, corr) = (text(ID), text(RESULT_REASON), text(ADDITIONAL_DETAILS), text(CORRELATION_ID));
    let (by_upn, by_id, by_name) = (text(INITIATED_BY_USER), text(INITIATED_BY_USER_ID), text(INITIATED_BY_USER_NAME));
    let (t_id, t_upn, t_name) = (text(TARGET_USER_ID), text(TARGET_USER_PRINCIPAL_NAME), text(TARGET_USER_NAME));
    let owned = |a: &StringArray, i: usize| text_at(a, i).map(str::to_string);
    // Classify each dictionary value once per batch.
    let classes: Vec<Option<Class>> = (0..activity.values.len())
        .map(|k| activity.values.is_valid(k).then(|| class_of(activity.values.value(k))).flatten())
        .collect();
    let mut out = Vec::new();
    for i in 0..b.num_rows() {
        let Some(class) = activity.key(i).and_then(|k| classes[k]) else { continue };
        if !window.contains(times.value(i)) && class != Class::ResetProgress {
            continue;
        }
        let reason = owned(reasons, i).filter(|r| !r.trim().is_empty());
        let method = reason.as_deref().and_then(method_in).or_else(|| text_at(details, i).and_then(detail_method));
        let success = result.get(i).is_some_and(|r| r.trim().eq_ignore_ascii_case("success"))
            && !matches!(class, Class::RegistrationAbandoned | Class::ResetBlocked);
        // The user the event is about: its target user, else the user who did it.
        let target = text_at(t_id, i).is_some() || text_at(t_upn, i).is_some();
        let (uid, upn, name) = if target {
            (owned(t_id, i), owned(t_upn, i), owned(t_name, i))
        } else {
            (owned(by_id, i), owned(by_upn, i), owned(by_name, i))
        };
        out.push(Event {
            audit_id: ids.value(i).to_string(),
            at: times.value(i),
            class,
            success,
            reason,
            method,
            correlation_id: owned(corr, i).filter(|c| !c.trim().is_empty()),
            user_id: uid,
            user_principal_name: upn,
            user_display_name: name,
        });
    }
    out
}

/// The method named by the values of `additionalDetails` (JSON text of key/value pairs).
fn detail_method(details: &str) -> Option<&'static str> {
    let v: serde_json::Value = serde_json::from_str(details).ok()?;
    v.as_array()?.iter().filter_map(|kv| kv["value"].as_str()).find_map(method_in)
}

/// The events in `window` (and every reset-flow progress event, which only lends methods),
/// sorted by time then audit id, resets given their flow's method.
pub fn load(store: &Store, manifest: &Manifest, window: &Window) -> Result<Vec<Event>> {
    let groups = reader::row_groups(store, AUDITS, manifest.files(AUDITS))?;
    let per_group: Vec<Vec<Event>> = groups
        .par_iter()
        .map(|rg| Ok(rg.read(&COLUMNS)?.iter().flat_map(|b| events_of(b, window)).collect()))
        .collect::<Result<_>>()?;
    let mut events: Vec<Event> = per_group.into_iter().flatten().collect();
    events.sort_by(|a, b| (a.at, &a.audit_id).cmp(&(b.at, &b.audit_id)));
    // The latest method a flow's progress named, as the flow goes.
    let mut flow: HashMap<String, &'static str> = HashMap::new();
    for e in &mut events {
        let Some(c) = e.correlation_id.clone() else { continue };
        match e.class {
            Class::ResetProgress => {
                if let Some(m) = e.method {
                    flow.insert(c, m);
                }
            }
            Class::SelfServiceReset | Class::ResetBlocked if e.method.is_none() => e.method = flow.get(&c).copied(),
            _ => {}
        }
    }
    events.retain(|e| e.class != Class::ResetProgress && window.contains(e.at));
    Ok(events)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserEvent {
    pub id: String,
    pub feature: String,
    pub user_principal_name: String,
    pub user_display_name: String,
    pub is_success: bool,
    pub auth_method: String,
    pub failure_reason: String,
    pub event_date_time: Timestamp,
}

impl Tabular for UserEvent {
    fn headers() -> &'static [&'static str] {
        &["eventDateTime", "userPrincipalName", "userDisplayName", "feature", "authMethod", "status", "failureReason"]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::Time(Some(self.event_date_time)),
            Cell::text(Some(&self.user_principal_name)),
            Cell::text(Some(&self.user_display_name)),
            Cell::text(Some(&self.feature)),
            Cell::text(Some(&self.auth_method)),
            Cell::text(Some(if self.is_success { "success" } else { "failure" })),
            Cell::text(Some(&self.failure_reason)),
        ]
    }
}

/// The `registration-events` filters (all optional, all must hold).
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    /// Case-insensitive part of the user's name or UPN.
    pub user: Option<String>,
    /// `registration` or `reset`.
    pub feature: Option<String>,
    /// A `usageAuthMethod` id, ignoring case.
    pub method: Option<String>,
    /// `true` for successes only, `false` for failures only.
    pub success: Option<bool>,
}

fn unknown_note(n: usize) -> Option<String> {
    (n > 0).then(|| {
        format!(
            "{n} events name no method this version recognises (in the result reason, the additional details or, \
             for a reset, its flow); they are listed as {UNKNOWN_METHOD}"
        )
    })
}

/// `userEventsSummary`: newest first, times shown in `zone`.
pub fn user_events(events: &[Event], filter: &EventFilter, zone: Zone) -> (Vec<UserEvent>, Notes) {
    let mut rows = Vec::new();
    let mut unknown = 0;
    for e in events.iter().rev() {
        let Some(feature) = e.feature() else { continue };
        let method = e.method.unwrap_or(UNKNOWN_METHOD);
        let upn = e.user_principal_name.clone().unwrap_or_default();
        let name = e.user_display_name.clone().unwrap_or_default();
        let keep = filter.user.as_deref().is_none_or(|q| {
            let q = q.trim().to_lowercase();
            upn.to_lowercase().contains(&q) || name.to_lowercase().contains(&q)
        }) && filter.feature.as_deref().is_none_or(|f| f.eq_ignore_ascii_case(feature))
            && filter.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
            && filter.success.is_none_or(|s| s == e.success);
        if !keep {
            continue;
        }
        unknown += usize::from(e.method.is_none());
        rows.push(UserEvent {
            id: e.user_id.clone().unwrap_or_default(),
            feature: feature.to_string(),
            user_principal_name: upn,
            user_display_name: name,
            is_success: e.success,
            auth_method: method.to_string(),
            failure_reason: if e.success { String::new() } else { e.reason.clone().unwrap_or_default() },
            event_date_time: zone.at(e.at),
        });
    }
    (rows, unknown_note(unknown).into_iter().collect())
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationActivity {
    pub id: String,
    pub feature: String,
    pub successful_activity_count: u64,
    pub failure_activity_count: u64,
    pub auth_method: String,
}

impl Tabular for RegistrationActivity {
    fn headers() -> &'static [&'static str] {
        &["feature", "authMethod", "successfulActivityCount", "failureActivityCount"]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::text(Some(&self.feature)),
            Cell::text(Some(&self.auth_method)),
            Cell::Int(Some(self.successful_activity_count as i64)),
            Cell::Int(Some(self.failure_activity_count as i64)),
        ]
    }
}

/// The rows Graph's example lists for each feature, zero or not, in its order.
const REGISTRATION_METHODS: &[&str] = &[
    "windowsHelloForBusiness",
    "microsoftAuthenticatorPush",
    "email",
    "mobilePhone",
    "officePhone",
    "alternateMobilePhone",
    "securityQuestion",
    "softwareOneTimePasscode",
    "hardwareOneTimePasscode",
    "fido2SecurityKey",
    "temporaryAccessPass",
    "microsoftAuthenticatorPasswordless",
    "macOsSecureEnclaveKey",
    "passKeyDeviceBound",
    "passKeyDeviceBoundAuthenticator",
    "passKeyDeviceBoundWindowsHello",
    "externalAuthMethod",
];
const RESET_METHODS: &[&str] = &[
    "email",
    "mobilePhone",
    "officePhone",
    "alternateMobilePhone",
    "securityQuestion",
    "microsoftAuthenticatorPush",
    "sms",
    "oneTimePasscode",
];

/// `userRegistrationActivity(period)`: per feature, Graph's methods in Graph's order, then any
/// other method seen (by name).
pub fn registration_activity(events: &[Event]) -> (Vec<RegistrationActivity>, Notes) {
    let mut counts: BTreeMap<(&str, &str), (u64, u64)> = BTreeMap::new();
    let mut unknown = 0;
    for e in events {
        let Some(feature) = e.feature() else { continue };
        unknown += usize::from(e.method.is_none());
        let c = counts.entry((feature, e.method.unwrap_or(UNKNOWN_METHOD))).or_default();
        if e.success { c.0 += 1 } else { c.1 += 1 }
    }
    let mut rows = Vec::new();
    for (feature, listed) in [("registration", REGISTRATION_METHODS), ("reset", RESET_METHODS)] {
        let mut push = |method: &str, (ok, failed): (u64, u64)| {
            rows.push(RegistrationActivity {
                id: row_id(ACTIVITY_TYPE_NAME, &format!("{feature}|{method}")),
                feature: feature.to_string(),
                successful_activity_count: ok,
                failure_activity_count: failed,
                auth_method: method.to_string(),
            })
        };
        for m in listed {
            push(m, counts.remove(&(feature, *m)).unwrap_or_default());
        }
        let others: Vec<(&str, (u64, u64))> =
            counts.iter().filter(|((f, _), _)| *f == feature).map(|((_, m), c)| (*m, *c)).collect();
        for (m, c) in others {
            push(m, c);
        }
    }
    (rows, unknown_note(unknown).into_iter().collect())
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordResetsDay {
    pub id: String,
    pub aggregated_date_time: Timestamp,
    pub password_resets_by_admin_count: u64,
    pub password_resets_self_service_count: u64,
    pub change_password_self_service_count: u64,
}

impl Tabular for PasswordResetsDay {
    fn headers() -> &'static [&'static str] {
        &["day", "passwordResetsByAdminCount", "passwordResetsSelfServiceCount", "changePasswordSelfServiceCount"]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::Text(Some(format_day(self.aggregated_date_time.day()))),
            Cell::Int(Some(self.password_resets_by_admin_count as i64)),
            Cell::Int(Some(self.password_resets_self_service_count as i64)),
            Cell::Int(Some(self.change_password_self_service_count as i64)),
        ]
    }
}

/// `userPasswordResetsAndChangesSummary`: successful resets and changes per day the window
/// touches (in its zone), zero days included (an open-ended window starts at the first event's
/// day).
pub fn password_resets(events: &[Event], window: &Window) -> Vec<PasswordResetsDay> {
    let zone = window.zone;
    let mut days: BTreeMap<i64, [u64; 3]> = BTreeMap::new();
    for e in events.iter().filter(|e| e.success) {
        let slot = match e.class {
            Class::AdminReset => 0,
            Class::SelfServiceReset => 1,
            Class::SelfServiceChange => 2,
            _ => continue,
        };
        days.entry(zone.day_of(e.at)).or_default()[slot] += 1;
    }
    let Some(span) = window.days(events.first().map(|e| zone.day_of(e.at))) else { return Vec::new() };
    span.map(|day| {
        let [admin, reset, change] = days.get(&day).copied().unwrap_or_default();
        PasswordResetsDay {
            id: row_id(RESETS_TYPE_NAME, &format_day(day)),
            aggregated_date_time: zone.at(zone.day_start(day)),
            password_resets_by_admin_count: admin,
            password_resets_self_service_count: reset,
            change_password_self_service_count: change,
        }
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_are_found_as_whole_words_longest_first() {
        assert_eq!(method_in("Admin registered temporary access pass method for user"), Some("temporaryAccessPass"));
        assert_eq!(
            method_in("User registered Authenticator app with notification and code."),
            Some("microsoftAuthenticatorPush")
        );
        assert_eq!(method_in("User registered Office Phone."), Some("officePhone"));
        assert_eq!(method_in("User registered Alternate phone."), Some("alternateMobilePhone"));
        assert_eq!(method_in("User registered Phone."), Some("mobilePhone"));
        assert_eq!(method_in("User registered Passkey (device-bound)."), Some("passKeyDeviceBound"));
        assert_eq!(method_in("User deleted SMSes"), None);
        assert_eq!(method_in("User registered all required security info."), None);
    }

    #[test]
    fn activities_are_classified_ignoring_case_and_spaces() {
        assert_eq!(class_of(" reset password (self-service) "), Some(Class::SelfServiceReset));
        assert_eq!(class_of("User registered security info"), Some(Class::Registration));
        assert_eq!(class_of("Reset user password"), None);
    }
}
