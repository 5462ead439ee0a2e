//! Registration (SPEC 3.9): Graph `usersRegisteredByFeature` and `usersRegisteredByMethod`
//! over the `registrations` snapshot, for all users or only members / guests and admins /
//! non-admins, and the per-user list with the portal's search by name or UPN.
//!
//! A feature count is the number of users with that `is…` flag set; a method count the number
//! of users with the method in `methodsRegistered`. `userRoles=user` means not known to be an
//! admin (`isAdmin` false or absent). `privilegedAdmin` needs role names the export lacks.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::Tabular;
use super::catalog::{Answer, Caption, Opt, Query, Report};
use crate::domain::{Cell, Percent};
use crate::error::{Error, Result};
use crate::normalize::registration::Registration;
use crate::store::{REGISTRATIONS, registrations};
use crate::store::{Store, manifest::Manifest};

pub const FEATURE_TYPE_NAME: &str = "userRegistrationFeatureSummary";
pub const METHOD_TYPE_NAME: &str = "userRegistrationMethodSummary";
pub const DETAILS_TYPE_NAME: &str = "userRegistrationDetails";

pub const REPORT: Report = Report {
    name: "auth-registration",
    graph_name: Some("userRegistrationDetails"),
    about: "Users registered per feature or method (usersRegisteredByFeature, usersRegisteredByMethod), or one \
            user's registration (--user).",
    title: "Authentication method registration",
    table: REGISTRATIONS,
    event_types: &[],
    options: &[Opt::By, Opt::UserTypes, Opt::UserRoles, Opt::User],
    run: answer,
};

/// What `auth-registration` counts by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum By {
    #[default]
    Feature,
    Method,
}

/// The registrations are a snapshot: no window; the caption says whom it counts and as of when.
fn answer(q: &Query<'_>) -> Result<Answer> {
    let who = &q.options.population;
    let zone = q.request.zone();
    let mut users = users(q.store, q.manifest, who)?;
    for t in users.iter_mut().filter_map(|u| u.last_updated_date_time.as_mut()) {
        t.zone = zone;
    }
    let as_of = users.iter().filter_map(|u| u.last_updated_date_time).max();
    let as_of = as_of.map_or("none says when it was updated".into(), |t| {
        format!("registration details as of {} (the latest lastUpdatedDateTime)", zone.describe(t.us))
    });
    let scope = format!("userTypes {}, userRoles {}", who.types.as_str(), who.roles.as_str());
    let caption = |what: &str| Caption::Own(format!("{what}: {} users ({scope}), {as_of}", users.len()));
    if let Some(search) = &who.search {
        // A name searched for is itself personal: not repeated in pseudonymised output.
        let shown = if q.pseudonymized { "(search hidden)".into() } else { format!("{search:?}") };
        let caption = caption(&format!("Registration details of users matching {shown}"));
        return Ok(Answer::rows(DETAILS_TYPE_NAME, users).with_caption(caption));
    }
    Ok(match q.options.by {
        By::Feature => {
            let s = by_feature(&users, who);
            Answer::object(FEATURE_TYPE_NAME, &s, s.user_registration_feature_counts.clone())?
                .with_caption(caption("Users registered by feature"))
        }
        By::Method => {
            let s = by_method(&users, who);
            Answer::object(METHOD_TYPE_NAME, &s, s.user_registration_method_counts.clone())?
                .with_caption(caption("Users registered by method"))
        }
    })
}

/// Graph `includedUserTypes`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UserTypes {
    #[default]
    All,
    Member,
    Guest,
}

/// Graph `includedUserRoles`. `privilegedAdmin` is accepted only to be refused with the reason
/// (see the module doc).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UserRoles {
    #[default]
    All,
    PrivilegedAdmin,
    Admin,
    User,
}

impl UserTypes {
    pub fn as_str(self) -> &'static str {
        match self {
            UserTypes::All => "all",
            UserTypes::Member => "member",
            UserTypes::Guest => "guest",
        }
    }
}

impl UserRoles {
    pub fn as_str(self) -> &'static str {
        match self {
            UserRoles::All => "all",
            UserRoles::PrivilegedAdmin => "privilegedAdmin",
            UserRoles::Admin => "admin",
            UserRoles::User => "user",
        }
    }
}

/// Who a report counts.
#[derive(Clone, Debug, Default)]
pub struct Population {
    pub types: UserTypes,
    pub roles: UserRoles,
    /// Case-insensitive part of the display name or UPN.
    pub search: Option<String>,
}

impl Population {
    fn includes(&self, r: &Registration) -> bool {
        let kind = r.user_type.as_deref().unwrap_or_default();
        let type_ok = match self.types {
            UserTypes::All => true,
            UserTypes::Member => kind.eq_ignore_ascii_case("member"),
            UserTypes::Guest => kind.eq_ignore_ascii_case("guest"),
        };
        let role_ok = match self.roles {
            UserRoles::All => true,
            UserRoles::Admin | UserRoles::PrivilegedAdmin => r.is_admin == Some(true),
            UserRoles::User => r.is_admin != Some(true),
        };
        let search_ok = self.search.as_deref().is_none_or(|q| {
            let q = q.trim().to_lowercase();
            r.user_principal_name.to_lowercase().contains(&q)
                || r.user_display_name.as_deref().is_some_and(|n| n.to_lowercase().contains(&q))
        });
        type_ok && role_ok && search_ok
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeatureCount {
    pub feature: String,
    pub user_count: u64,
    /// Of the users counted (table and CSV only).
    #[serde(skip)]
    pub of: u64,
}

impl Tabular for FeatureCount {
    fn headers() -> &'static [&'static str] {
        &["feature", "userCount", "percentOfUsers"]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::text(Some(&self.feature)),
            Cell::Int(Some(self.user_count as i64)),
            Cell::Percent(Percent::of(self.user_count, self.of)),
        ]
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeatureSummary {
    pub total_user_count: u64,
    pub user_registration_feature_counts: Vec<FeatureCount>,
    pub user_roles: UserRoles,
    pub user_types: UserTypes,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodCount {
    pub authentication_method: String,
    pub user_count: u64,
    #[serde(skip)]
    pub of: u64,
}

impl Tabular for MethodCount {
    fn headers() -> &'static [&'static str] {
        &["authenticationMethod", "userCount", "percentOfUsers"]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::text(Some(&self.authentication_method)),
            Cell::Int(Some(self.user_count as i64)),
            Cell::Percent(Percent::of(self.user_count, self.of)),
        ]
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodSummary {
    pub total_user_count: u64,
    pub user_registration_method_counts: Vec<MethodCount>,
    pub user_roles: UserRoles,
    pub user_types: UserTypes,
}

impl Tabular for Registration {
    fn headers() -> &'static [&'static str] {
        &[
            "userPrincipalName",
            "userDisplayName",
            "userType",
            "isAdmin",
            "isMfaCapable",
            "isSsprCapable",
            "isPasswordlessCapable",
            "methodsRegistered",
            "lastUpdatedDateTime",
        ]
    }
    fn cells(&self) -> Vec<Cell> {
        let flag = |b: bool| Cell::text(Some(if b { "yes" } else { "no" }));
        vec![
            Cell::text(Some(&self.user_principal_name)),
            Cell::text(self.user_display_name.as_deref()),
            Cell::text(self.user_type.as_deref()),
            Cell::text(self.is_admin.map(|a| if a { "yes" } else { "no" })),
            flag(self.is_mfa_capable),
            flag(self.is_sspr_capable),
            flag(self.is_passwordless_capable),
            Cell::Text(Some(self.methods_registered.join(", "))),
            Cell::Time(self.last_updated_date_time),
        ]
    }
}

/// The stored registrations of `who`, in UPN order; a usage error when there are none, or for
/// `privilegedAdmin`.
pub fn users(store: &Store, manifest: &Manifest, who: &Population) -> Result<Vec<Registration>> {
    if who.roles == UserRoles::PrivilegedAdmin {
        return Err(Error::Usage(
            "--user-roles privilegedAdmin needs each user's role names, which userRegistrationDetails does not \
             carry (only isAdmin); use --user-roles admin"
                .into(),
        ));
    }
    let stored = registrations::load(store, manifest)?.ok_or_else(|| {
        Error::Usage(
            "no registration details in the store; ingest a userRegistrationDetails export \
             (`ingest --kind registrations`) first"
                .into(),
        )
    })?;
    let mut rows: Vec<Registration> = stored.into_iter().map(|s| s.registration).filter(|r| who.includes(r)).collect();
    rows.sort_by(|a, b| {
        (a.user_principal_name.to_lowercase(), &a.id).cmp(&(b.user_principal_name.to_lowercase(), &b.id))
    });
    Ok(rows)
}

/// `usersRegisteredByFeature`: Graph's five features in Graph's order.
pub fn by_feature(users: &[Registration], who: &Population) -> FeatureSummary {
    let total = users.len() as u64;
    let count = |f: fn(&Registration) -> bool| users.iter().filter(|r| f(r)).count() as u64;
    type Flag = fn(&Registration) -> bool;
    let features: [(&str, Flag); 5] = [
        ("ssprRegistered", |r| r.is_sspr_registered),
        ("ssprEnabled", |r| r.is_sspr_enabled),
        ("ssprCapable", |r| r.is_sspr_capable),
        ("passwordlessCapable", |r| r.is_passwordless_capable),
        ("mfaCapable", |r| r.is_mfa_capable),
    ];
    FeatureSummary {
        total_user_count: total,
        user_registration_feature_counts: features
            .iter()
            .map(|(name, f)| FeatureCount { feature: name.to_string(), user_count: count(*f), of: total })
            .collect(),
        user_roles: who.roles,
        user_types: who.types,
    }
}

/// `usersRegisteredByMethod`: each method any user registered, by user count (descending)
/// then name. A method listed twice for one user counts once.
pub fn by_method(users: &[Registration], who: &Population) -> MethodSummary {
    let total = users.len() as u64;
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for r in users {
        let mut mine: Vec<&str> = r.methods_registered.iter().map(String::as_str).collect();
        mine.sort_unstable();
        mine.dedup();
        for m in mine {
            *counts.entry(m).or_default() += 1;
        }
    }
    let mut rows: Vec<MethodCount> = counts
        .into_iter()
        .map(|(m, n)| MethodCount { authentication_method: m.to_string(), user_count: n, of: total })
        .collect();
    rows.sort_by(|a, b| {
        b.user_count.cmp(&a.user_count).then_with(|| a.authentication_method.cmp(&b.authentication_method))
    });
    MethodSummary {
        total_user_count: total,
        user_registration_method_counts: rows,
        user_roles: who.roles,
        user_types: who.types,
    }
}
