//! `report consents` and `report sensitive-operations` (SPEC 6.5): the audit events of the "App
//! Consent Audit" and "Sensitive Operations Report" workbooks, each with who did it, when, and
//! the target, read from the stored target resources and their modified properties.
//!
//! Decided where the workbooks are loose (reference/workbooks.md 7 and 7b):
//! - A consent grant is a "Consent to application" event. "Revoke consent" is not a grant (the
//!   workbook's `contains "Consent"` takes it in), and the permission-grant events that come
//!   with a consent are sensitive operations, so a grant is not counted twice.
//! - Its permissions are every `Scope:` of every grant in `ConsentAction.Permissions` (the
//!   workbook reads the first grant only, and lets trailing fields leak into the scopes); admin
//!   consent is `ConsentContext.IsAdminConsent` true, "for all users" is
//!   `ConsentContext.OnBehalfOfAll` true.
//! - Operations are matched by name ignoring case, surrounding spaces and the kind of dash (the
//!   workbook's own list has an en dash and a trailing space), never by a part of a name.
//! - Role assignments count whoever receives the role; a group membership only when the member
//!   is a service principal, as in the workbook.

use std::collections::BTreeSet;

use arrow_array::RecordBatch;
use serde::Serialize;

use super::Tabular;
use super::catalog::{Answer, Caption, Report};
use super::investigate::text_of;
use crate::domain::{Cell, Timestamp, Zone};
use crate::error::Result;
use crate::normalize::audit::Target;
use crate::scan::{Columns, Window};
use crate::store::audits::{
    ACTIVITY, ACTIVITY_DISPLAY_NAME, CORRELATION_ID, ID, INITIATED_BY_APP, INITIATED_BY_USER, RESULT, TARGETS,
};
use crate::store::manifest::Manifest;
use crate::store::{AUDITS, Store, reader};

pub const CONSENT_TYPE: &str = "consentGrant";
pub const SENSITIVE_TYPE: &str = "sensitiveOperation";

pub const CONSENTS_REPORT: Report = Report {
    name: "consents",
    graph_name: None,
    about: "Consent grants to applications (audits): admin or user, for whom, the permissions, who consented.",
    title: "Consent grants",
    table: AUDITS,
    event_types: &[],
    options: &[super::catalog::Opt::Top],
    run: |q| {
        let events = load(q.store, q.manifest, &q.request.window)?;
        let rows = consents(&events, q.request.zone());
        let caption = "; \"Consent to application\" events, newest first; admin consent and \"for all users\" as \
                       the event's ConsentContext says; the permissions are the scopes of every grant it records";
        Ok(Answer::rows(CONSENT_TYPE, rows).with_caption(Caption::WindowAnd(caption.into())))
    },
};

pub const SENSITIVE_REPORT: Report = Report {
    name: "sensitive-operations",
    graph_name: None,
    about: "Sensitive operations (audits): credentials added to apps, permissions and roles granted, federation and domains.",
    title: "Sensitive operations",
    table: AUDITS,
    event_types: &[],
    options: &[super::catalog::Opt::Top],
    run: |q| {
        let events = load(q.store, q.manifest, &q.request.window)?;
        let rows = sensitive(&events, q.request.zone());
        let caption = "; credentials added to applications and service principals, application permissions, \
                       delegated grants and consents, directory role assignments (and groups joined by service \
                       principals), federation and domain changes; newest first";
        Ok(Answer::rows(SENSITIVE_TYPE, rows).with_caption(Caption::WindowAnd(caption.into())))
    },
};

/// One stored audit event, as these reports read it.
#[derive(Debug, Default)]
pub struct Event {
    pub id: String,
    pub at: i64,
    pub activity: String,
    pub result: Option<String>,
    pub by_user: Option<String>,
    pub by_app: Option<String>,
    pub correlation_id: Option<String>,
    pub targets: Vec<Target>,
}

impl Event {
    /// The new value of the first modified property named `name` (ignoring case), its JSON
    /// string quotes taken off.
    fn new_value(&self, name: &str) -> Option<String> {
        self.targets
            .iter()
            .flat_map(|t| &t.modified_properties)
            .find(|p| p.display_name.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(name)))
            .and_then(|p| p.new_value.as_deref())
            .map(unquote)
    }
}

/// A modified property's value without the JSON string quotes the service writes around it.
fn unquote(v: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => v.to_string(),
    }
    .trim()
    .to_string()
}

/// An operation name as compared: lower case, one kind of dash, single spaces, trimmed.
fn op(name: &str) -> String {
    name.replace(['\u{2013}', '\u{2014}'], "-").split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The audit events in the window, newest first (time desc, then id desc).
pub fn load(store: &Store, manifest: &Manifest, window: &Window) -> Result<Vec<Event>> {
    let cols =
        [ID, ACTIVITY, ACTIVITY_DISPLAY_NAME, RESULT, INITIATED_BY_USER, INITIATED_BY_APP, CORRELATION_ID, TARGETS];
    let mut out = Vec::new();
    for rg in reader::row_groups(store, AUDITS, manifest.files(AUDITS))? {
        for b in rg.read(&cols)? {
            events_of(&b, window, &mut out);
        }
    }
    out.sort_by(|a, b| (b.at, &b.id).cmp(&(a.at, &a.id)));
    Ok(out)
}

fn events_of(b: &RecordBatch, window: &Window, out: &mut Vec<Event>) {
    let times = Columns(b).times(ACTIVITY);
    let t = |n: &str, i: usize| text_of(b, n, i);
    for i in 0..b.num_rows() {
        if !window.contains(times.value(i)) {
            continue;
        }
        let Some(activity) = t(ACTIVITY_DISPLAY_NAME, i) else { continue };
        out.push(Event {
            id: t(ID, i).unwrap_or_default(),
            at: times.value(i),
            activity,
            result: t(RESULT, i),
            by_user: t(INITIATED_BY_USER, i),
            by_app: t(INITIATED_BY_APP, i),
            correlation_id: t(CORRELATION_ID, i),
            targets: t(TARGETS, i).and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default(),
        });
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentGrant {
    pub activity_date_time: Timestamp,
    pub result: Option<String>,
    pub app_display_name: Option<String>,
    /// The service principal consented to (the target's id).
    pub service_principal_id: Option<String>,
    /// `admin` or `user`.
    pub consent_type: String,
    pub on_behalf_of_all: bool,
    /// The scopes granted, space-separated, in the order first written.
    pub permissions: Option<String>,
    pub initiated_by_user: Option<String>,
    pub initiated_by_app: Option<String>,
    pub correlation_id: Option<String>,
    pub id: String,
}

impl Tabular for ConsentGrant {
    fn headers() -> &'static [&'static str] {
        &[
            "activityDateTime",
            "appDisplayName",
            "consentType",
            "onBehalfOfAll",
            "permissions",
            "initiatedByUser",
            "initiatedByApp",
            "result",
            "servicePrincipalId",
            "id",
        ]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::Time(Some(self.activity_date_time)),
            Cell::text(self.app_display_name.as_deref()),
            Cell::text(Some(&self.consent_type)),
            Cell::Text(Some(self.on_behalf_of_all.to_string())),
            Cell::text(self.permissions.as_deref()),
            Cell::text(self.initiated_by_user.as_deref()),
            Cell::text(self.initiated_by_app.as_deref()),
            Cell::text(self.result.as_deref()),
            Cell::text(self.service_principal_id.as_deref()),
            Cell::text(Some(&self.id)),
        ]
    }
}

/// The scopes of every grant in a `ConsentAction.Permissions` value (`[] => [[Id: ..., Scope: a
/// b, CreatedDateTime: ...]]`): the words after each `Scope:` up to the next field or bracket.
pub fn scopes(permissions: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // Only what the grant became (after `=>`), when the value says both.
    let after = permissions.rsplit_once("=>").map_or(permissions, |(_, new)| new);
    for (at, _) in after.match_indices("Scope:") {
        let rest = &after[at + "Scope:".len()..];
        let end = rest.find([',', ']']).unwrap_or(rest.len());
        for s in rest[..end].split_whitespace() {
            if !out.iter().any(|o| o == s) {
                out.push(s.to_string());
            }
        }
    }
    out
}

fn is_true(v: Option<String>) -> bool {
    v.is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn consents(events: &[Event], zone: Zone) -> Vec<ConsentGrant> {
    events
        .iter()
        .filter(|e| op(&e.activity) == "consent to application")
        .map(|e| {
            let app = e
                .targets
                .iter()
                .find(|t| t.kind.as_deref().is_some_and(|k| k.eq_ignore_ascii_case("ServicePrincipal")));
            let app = app.or(e.targets.first());
            let scopes = e.new_value("ConsentAction.Permissions").map(|p| scopes(&p)).unwrap_or_default();
            ConsentGrant {
                activity_date_time: zone.at(e.at),
                result: e.result.clone(),
                app_display_name: app.and_then(|t| t.display_name.clone()),
                service_principal_id: app.and_then(|t| t.id.clone()),
                consent_type: if is_true(e.new_value("ConsentContext.IsAdminConsent")) { "admin" } else { "user" }
                    .into(),
                on_behalf_of_all: is_true(e.new_value("ConsentContext.OnBehalfOfAll")),
                permissions: (!scopes.is_empty()).then(|| scopes.join(" ")),
                initiated_by_user: e.by_user.clone(),
                initiated_by_app: e.by_app.clone(),
                correlation_id: e.correlation_id.clone(),
                id: e.id.clone(),
            }
        })
        .collect()
}

/// The kinds of sensitive operation and the operation names of each (compared by [`op`]).
const KINDS: [(&str, &[&str]); 4] = [
    (
        "credentials",
        &[
            "Add service principal credentials",
            "Update application - Certificates and secrets management",
            "Update service principal - Certificates and secrets management",
        ],
    ),
    (
        "permissions",
        &["Add app role assignment to service principal", "Add delegated permission grant", "Consent to application"],
    ),
    (
        "roles",
        &["Add member to role", "Add eligible member to role", "Add scoped member to role", "Add member to group"],
    ),
    (
        "federation",
        &[
            "Set domain authentication",
            "Set federation settings on domain",
            "Add unverified domain",
            "Add verified domain",
            "Verify domain",
        ],
    ),
];

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SensitiveOperation {
    pub activity_date_time: Timestamp,
    /// credentials, permissions, roles or federation.
    pub kind: String,
    pub activity_display_name: String,
    pub result: Option<String>,
    pub initiated_by_user: Option<String>,
    pub initiated_by_app: Option<String>,
    /// The first target: its name, or for a user their UPN and display name (personal values
    /// in members of their own, so `--pseudonymize` replaces them).
    pub target_display_name: Option<String>,
    pub target_user_principal_name: Option<String>,
    pub target_user_display_name: Option<String>,
    pub target_type: Option<String>,
    /// What changed: the credential type, the role or permission, the scopes, the domain.
    pub detail: Option<String>,
    pub correlation_id: Option<String>,
    pub id: String,
}

impl Tabular for SensitiveOperation {
    fn headers() -> &'static [&'static str] {
        &[
            "activityDateTime",
            "kind",
            "activityDisplayName",
            "initiatedByUser",
            "initiatedByApp",
            "targetDisplayName",
            "targetUserPrincipalName",
            "targetUserDisplayName",
            "targetType",
            "detail",
            "result",
            "id",
        ]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::Time(Some(self.activity_date_time)),
            Cell::text(Some(&self.kind)),
            Cell::text(Some(&self.activity_display_name)),
            Cell::text(self.initiated_by_user.as_deref()),
            Cell::text(self.initiated_by_app.as_deref()),
            Cell::text(self.target_display_name.as_deref()),
            Cell::text(self.target_user_principal_name.as_deref()),
            Cell::text(self.target_user_display_name.as_deref()),
            Cell::text(self.target_type.as_deref()),
            Cell::text(self.detail.as_deref()),
            Cell::text(self.result.as_deref()),
            Cell::text(Some(&self.id)),
        ]
    }
}

/// The credential types a credentials change added: the `KeyType=` of each key in a modified
/// property's new value that is not in its old value.
fn added_key_types(e: &Event) -> Option<String> {
    let mut types = BTreeSet::new();
    for p in e.targets.iter().flat_map(|t| &t.modified_properties) {
        let keys = |v: &Option<String>| -> BTreeSet<String> {
            v.as_deref().map_or_else(BTreeSet::new, |v| {
                v.split("KeyIdentifier=")
                    .skip(1)
                    .map(|k| k.split([',', ']']).next().unwrap_or("").trim().to_string())
                    .collect()
            })
        };
        let (old, new) = (keys(&p.old_value), p.new_value.as_deref().unwrap_or(""));
        for key in new.split("KeyIdentifier=").skip(1) {
            let id = key.split([',', ']']).next().unwrap_or("").trim();
            if old.contains(id) {
                continue;
            }
            if let Some(t) = key.split("KeyType=").nth(1) {
                types.insert(t.split([',', ']']).next().unwrap_or("").trim().to_string());
            }
        }
    }
    (!types.is_empty()).then(|| types.into_iter().collect::<Vec<_>>().join(", "))
}

fn sensitive(events: &[Event], zone: Zone) -> Vec<SensitiveOperation> {
    let mut out = Vec::new();
    for e in events {
        let name = op(&e.activity);
        let Some((kind, _)) = KINDS.iter().find(|(_, ops)| ops.iter().any(|o| op(o) == name)) else { continue };
        let first = e.targets.first();
        let target_type = first.and_then(|t| t.kind.clone());
        // A group membership is sensitive here when the member is a service principal.
        if name == "add member to group"
            && !target_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("ServicePrincipal"))
        {
            continue;
        }
        let detail = match *kind {
            "credentials" => added_key_types(e).or_else(|| Some("Other/not logged".into())),
            "roles" => e.new_value("Role.DisplayName").or_else(|| e.new_value("Group.DisplayName")),
            "permissions" => e
                .new_value("AppRole.Value")
                .or_else(|| e.new_value("DelegatedPermissionGrant.Scope"))
                .or_else(|| e.new_value("ConsentAction.Permissions").map(|p| scopes(&p).join(" ")))
                .filter(|s| !s.is_empty()),
            _ => first.and_then(|t| t.display_name.clone()),
        };
        let user = target_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("User"));
        out.push(SensitiveOperation {
            activity_date_time: zone.at(e.at),
            kind: kind.to_string(),
            activity_display_name: e.activity.clone(),
            result: e.result.clone(),
            initiated_by_user: e.by_user.clone(),
            initiated_by_app: e.by_app.clone(),
            target_display_name: first.filter(|_| !user).and_then(|t| t.display_name.clone()),
            target_user_principal_name: first.filter(|_| user).and_then(|t| t.user_principal_name.clone()),
            target_user_display_name: first.filter(|_| user).and_then(|t| t.display_name.clone()),
            target_type,
            detail,
            correlation_id: e.correlation_id.clone(),
            id: e.id.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_of_every_grant_and_nothing_after_them() {
        let v = "[] => [[Id: abc, ClientId: c1, PrincipalId: , ResourceId: r1, ConsentType: AllPrincipals, \
                 Scope:  User.Read openid profile, CreatedDateTime: , LastModifiedDateTime: ]]; \
                 [[Id: d, ResourceId: r2, ConsentType: AllPrincipals, Scope: Mail.Read User.Read]]";
        assert_eq!(scopes(v), ["User.Read", "openid", "profile", "Mail.Read"]);
        assert_eq!(scopes("[[ConsentType: Principal, Scope: offline_access]]"), ["offline_access"]);
        assert!(scopes("nothing here").is_empty());
    }

    #[test]
    fn operation_names_ignore_case_spaces_and_dashes() {
        assert_eq!(
            op("Update application \u{2013} Certificates and secrets management "),
            op("update application - certificates and secrets management")
        );
        assert_ne!(op("Add service principal"), op("Add service principal credentials"));
    }

    #[test]
    fn a_credentials_change_names_the_keys_it_added() {
        let e = Event {
            targets: vec![Target {
                modified_properties: vec![crate::normalize::audit::Property {
                    display_name: Some("KeyDescription".into()),
                    old_value: Some("[\"[KeyIdentifier=k1,KeyType=Password,KeyUsage=Verify,DisplayName=old]\"]".into()),
                    new_value: Some(
                        "[\"[KeyIdentifier=k1,KeyType=Password,KeyUsage=Verify,DisplayName=old]\",\
                         \"[KeyIdentifier=k2,KeyType=AsymmetricX509Cert,KeyUsage=Verify,DisplayName=CN=x]\"]"
                            .into(),
                    ),
                }],
                ..Target::default()
            }],
            ..Event::default()
        };
        assert_eq!(added_key_types(&e).as_deref(), Some("AsymmetricX509Cert"));
    }
}
