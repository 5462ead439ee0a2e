//! The sign-in workbooks of SPEC 6.2 to 6.5, each a preset of the [breakdown](super::breakdown)
//! engine: which dimensions, which filter, and how its groups become the workbook's rows. This
//! file holds legacy authentication, failure analysis and Conditional Access; `mfa.rs`,
//! `prompts.rs`, `risk.rs` and `tenants.rs` (cross-tenant, and which tenant is ours) the rest.

pub mod mfa;
pub mod prompts;
pub mod risk;
pub mod tenants;

use serde::Serialize;

use super::Tabular;
use super::breakdown::{self, Bucket, Dim, Filter, Group, Spec, Val};
use super::catalog::{Answer, Caption, Opt, Query, Report};
use crate::domain::{Cell, EventType, Outcome, Timestamp};
use crate::error::{Error, Result};
use crate::store::SIGNINS;

pub const LEGACY_TYPE: &str = "legacyAuthenticationSignInSummary";
pub const LEGACY_USER_TYPE: &str = "legacyAuthenticationUserSummary";
pub const FAILURE_TYPE: &str = "signInFailureSummary";
pub const POLICY_TYPE: &str = "conditionalAccessPolicySummary";
pub const STATUS_TYPE: &str = "conditionalAccessStatusSummary";

pub const LEGACY_REPORT: Report = Report {
    name: "legacy-auth",
    graph_name: None,
    about: "Sign-ins using legacy authentication, per client app and application (--by user: per user).",
    title: "Sign-ins using legacy authentication",
    table: SIGNINS,
    event_types: &EventType::USERS,
    options: &[Opt::ByUser, Opt::Top, Opt::EventTypes, Opt::AppFilter],
    run: |q| {
        let by_user = q.options.legacy_by_user;
        // `--app` keeps the sign-ins to that app (the rows per user name no app).
        let app = q.options.filter.app.clone();
        let filter = Filter { app, legacy_only: true, same_tenant_only: true, ..Filter::default() };
        let dims = if by_user { vec![Dim::User, Dim::ClientApp] } else { vec![Dim::ClientApp, Dim::App] };
        let groups = breakdown::run(
            q.store,
            q.manifest,
            &q.request,
            LEGACY_REPORT.event_types,
            &Spec { dims, filter, ..Spec::default() },
        )?;
        let caption = Caption::WindowAnd(
            "; client apps other than Browser and Mobile Apps and Desktop clients (an empty one is Unknown, \
             counted as legacy), cross-tenant sign-ins left out; interrupts count as failures"
                .into(),
        );
        let zone = q.request.zone();
        Ok(if by_user {
            Answer::rows(LEGACY_USER_TYPE, legacy_user_rows(groups, zone))
        } else {
            Answer::rows(LEGACY_TYPE, legacy_rows(groups, zone))
        }
        .with_caption(caption))
    },
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LegacyAuth {
    pub client_app_used: String,
    pub app_id: Option<String>,
    pub app_display_name: Option<String>,
    pub sign_in_count: u64,
    pub success_count: u64,
    pub failure_count: u64,
    pub user_count: u64,
    pub last_sign_in_date_time: Option<Timestamp>,
}

impl Tabular for LegacyAuth {
    fn headers() -> &'static [&'static str] {
        &["clientAppUsed", "appDisplayName", "appId", "signIns", "success", "failure", "users", "lastSignInDateTime"]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::text(Some(&self.client_app_used)),
            Cell::text(self.app_display_name.as_deref()),
            Cell::text(self.app_id.as_deref()),
            Cell::Int(Some(self.sign_in_count as i64)),
            Cell::Int(Some(self.success_count as i64)),
            Cell::Int(Some(self.failure_count as i64)),
            Cell::Int(Some(self.user_count as i64)),
            Cell::Time(self.last_sign_in_date_time),
        ]
    }
    fn app_id(&self) -> Option<&str> {
        self.app_id.as_deref()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LegacyAuthUser {
    pub user_principal_name: Option<String>,
    pub user_display_name: Option<String>,
    pub client_app_used: String,
    pub sign_in_count: u64,
    pub success_count: u64,
    pub failure_count: u64,
    pub last_sign_in_date_time: Option<Timestamp>,
}

impl Tabular for LegacyAuthUser {
    fn headers() -> &'static [&'static str] {
        &[
            "userPrincipalName",
            "userDisplayName",
            "clientAppUsed",
            "signIns",
            "success",
            "failure",
            "lastSignInDateTime",
        ]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::text(self.user_principal_name.as_deref()),
            Cell::text(self.user_display_name.as_deref()),
            Cell::text(Some(&self.client_app_used)),
            Cell::Int(Some(self.sign_in_count as i64)),
            Cell::Int(Some(self.success_count as i64)),
            Cell::Int(Some(self.failure_count as i64)),
            Cell::Time(self.last_sign_in_date_time),
        ]
    }
}

/// The `--by` dimensions of a preset that takes them, else `default`; `lists` says whether it
/// takes a list dimension (`method`).
fn dims_or(q: &Query<'_>, default: &[Dim], lists: bool) -> Result<Vec<Dim>> {
    match &q.options.dims {
        None => Ok(default.to_vec()),
        Some(d) if !lists && d.iter().any(|d| d.is_list()) => {
            Err(Error::Usage("--by method applies to `report auth-prompts`".into()))
        }
        Some(d) => Ok(d.clone()),
    }
}

fn text(v: &Val) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn name(g: &Group, slot: usize) -> Option<String> {
    g.state.names.get(slot).and_then(|l| l.value.clone())
}

/// Rows by userCount desc, signInCount desc, clientAppUsed, appId (SPEC 6.2).
fn legacy_rows(groups: Vec<Group>, zone: crate::domain::Zone) -> Vec<LegacyAuth> {
    let mut rows: Vec<LegacyAuth> = groups
        .into_iter()
        .map(|g| {
            let s = &g.state;
            let success = s.count(Outcome::Success);
            LegacyAuth {
                client_app_used: text(&g.key[0]).unwrap_or_else(|| "Unknown".into()),
                app_id: text(&g.key[1]),
                app_display_name: name(&g, 1),
                sign_in_count: s.sign_ins(),
                success_count: success,
                failure_count: s.sign_ins() - success,
                user_count: s.users.len() as u64,
                last_sign_in_date_time: s.last.map(|t| zone.at(t)),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (b.user_count, b.sign_in_count)
            .cmp(&(a.user_count, a.sign_in_count))
            .then_with(|| a.client_app_used.cmp(&b.client_app_used))
            .then_with(|| (a.app_id.is_none(), &a.app_id).cmp(&(b.app_id.is_none(), &b.app_id)))
    });
    rows
}

/// Rows by signInCount desc, then UPN and clientAppUsed.
fn legacy_user_rows(groups: Vec<Group>, zone: crate::domain::Zone) -> Vec<LegacyAuthUser> {
    let mut rows: Vec<LegacyAuthUser> = groups
        .into_iter()
        .map(|g| {
            let s = &g.state;
            let success = s.count(Outcome::Success);
            LegacyAuthUser {
                user_principal_name: text(&g.key[0]),
                user_display_name: name(&g, 0),
                client_app_used: text(&g.key[1]).unwrap_or_else(|| "Unknown".into()),
                sign_in_count: s.sign_ins(),
                success_count: success,
                failure_count: s.sign_ins() - success,
                last_sign_in_date_time: s.last.map(|t| zone.at(t)),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.sign_in_count
            .cmp(&a.sign_in_count)
            .then_with(|| {
                (a.user_principal_name.is_none(), &a.user_principal_name)
                    .cmp(&(b.user_principal_name.is_none(), &b.user_principal_name))
            })
            .then_with(|| a.client_app_used.cmp(&b.client_app_used))
    });
    rows
}

pub const FAILURE_REPORT: Report = Report {
    name: "failure-analysis",
    graph_name: None,
    about: "Why sign-ins fail: each error code with its outcome (interrupted or failure), sign-ins, users and apps.",
    title: "Sign-in failure analysis",
    table: SIGNINS,
    event_types: &[EventType::InteractiveUser],
    options: &[Opt::Top, Opt::EventTypes, Opt::AppFilter],
    run: |q| {
        let filter = Filter { app: q.options.filter.app.clone(), ..Filter::default() };
        let spec = Spec { dims: vec![Dim::ErrorCode], filter, apps: true, reason: true, ..Spec::default() };
        let groups = breakdown::run(q.store, q.manifest, &q.request, FAILURE_REPORT.event_types, &spec)?;
        let (rows, totals) = failure_rows(groups, q.request.zone());
        let caption = format!(
            "; {} sign-ins: {} succeeded, {} interrupted (the user was asked to act: MFA, consent, a password change), {} failed",
            totals.all, totals.success, totals.interrupted, totals.failure
        );
        Ok(Answer::rows(FAILURE_TYPE, rows).with_caption(Caption::WindowAnd(caption)).with_totals(&totals))
    },
};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub success: u64,
    pub interrupted: u64,
    pub failure: u64,
    pub all: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailureCode {
    pub error_code: Option<i64>,
    pub outcome: Outcome,
    pub failure_reason: Option<String>,
    pub sign_in_count: u64,
    pub user_count: u64,
    pub app_count: u64,
    pub last_sign_in_date_time: Option<Timestamp>,
}

impl Tabular for FailureCode {
    fn headers() -> &'static [&'static str] {
        &["errorCode", "outcome", "signIns", "users", "apps", "lastSignInDateTime", "failureReason"]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::Int(self.error_code),
            Cell::Text(Some(self.outcome.name().into())),
            Cell::Int(Some(self.sign_in_count as i64)),
            Cell::Int(Some(self.user_count as i64)),
            Cell::Int(Some(self.app_count as i64)),
            Cell::Time(self.last_sign_in_date_time),
            Cell::text(self.failure_reason.as_deref()),
        ]
    }
}

/// One row per error code other than 0 (a missing code is a failure row with `errorCode`
/// null), by signInCount desc, errorCode asc (null last); and the totals per outcome.
fn failure_rows(groups: Vec<Group>, zone: crate::domain::Zone) -> (Vec<FailureCode>, Totals) {
    let mut totals = Totals::default();
    let mut rows = Vec::new();
    for g in groups {
        let code = match &g.key[0] {
            Val::Int(c) => Some(*c),
            _ => None,
        };
        let s = g.state;
        let outcome = Outcome::of(code.and_then(|c| i32::try_from(c).ok()));
        let n = s.sign_ins();
        totals.all += n;
        match outcome {
            Outcome::Success => {
                totals.success += n;
                continue;
            }
            Outcome::Interrupted => totals.interrupted += n,
            Outcome::Failure => totals.failure += n,
        }
        rows.push(FailureCode {
            error_code: code,
            outcome,
            failure_reason: s.reason.value.clone(),
            sign_in_count: n,
            user_count: s.users.len() as u64,
            app_count: s.apps.len() as u64,
            last_sign_in_date_time: s.last.map(|t| zone.at(t)),
        });
    }
    rows.sort_by(|a, b| {
        b.sign_in_count
            .cmp(&a.sign_in_count)
            .then_with(|| (a.error_code.is_none(), a.error_code).cmp(&(b.error_code.is_none(), b.error_code)))
    });
    (rows, totals)
}

pub const POLICY_REPORT: Report = Report {
    name: "ca-policies",
    graph_name: None,
    about: "Conditional Access insights: per policy, sign-ins and users per result (--all-enabled: the overall status).",
    title: "Conditional Access policies",
    table: SIGNINS,
    event_types: &[EventType::InteractiveUser],
    options: &[Opt::AllEnabled, Opt::EventTypes, Opt::AppFilter, Opt::Top],
    run: |q| {
        let filter = Filter { app: q.options.filter.app.clone(), ..Filter::default() };
        if q.options.all_enabled {
            let spec = Spec { dims: vec![Dim::CaStatus], filter, ..Spec::default() };
            let groups = breakdown::run(q.store, q.manifest, &q.request, POLICY_REPORT.event_types, &spec)?;
            return Ok(Answer::rows(STATUS_TYPE, status_rows(groups)).with_caption(Caption::WindowAnd(
                "; all enabled policies together (conditionalAccessStatus of each sign-in)".into(),
            )));
        }
        let spec = Spec { dims: vec![Dim::Policy], filter, ..Spec::default() };
        let groups = breakdown::run(q.store, q.manifest, &q.request, POLICY_REPORT.event_types, &spec)?;
        let unknown = groups.iter().any(|g| {
            g.state.latest_result.value.as_deref().is_some_and(|r| r.eq_ignore_ascii_case("unknownFutureValue"))
        });
        let rows = policy_rows(groups);
        let mut caption = String::from(
            "; each sign-in counts for every policy in its appliedConditionalAccessPolicies; report-only results \
             count in their bucket",
        );
        if unknown {
            caption.push_str(
                ". Some results are unknownFutureValue: the export was made without \
                 `Prefer: include-unknown-enum-members`, so report-only results are unknown (counted as not applied)",
            );
        }
        Ok(Answer::rows(POLICY_TYPE, rows).with_caption(Caption::WindowAnd(caption)))
    },
};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultCounts {
    pub success: u64,
    pub failure: u64,
    pub user_action_required: u64,
    pub not_applied: u64,
    pub total: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicySummary {
    pub policy_id: String,
    pub policy_display_name: Option<String>,
    pub report_only: bool,
    pub sign_ins: ResultCounts,
    pub users: ResultCounts,
}

impl Tabular for PolicySummary {
    fn headers() -> &'static [&'static str] {
        &[
            "policyDisplayName",
            "policyId",
            "reportOnly",
            "signIns",
            "success",
            "failure",
            "userActionRequired",
            "notApplied",
            "users",
            "usersSuccess",
            "usersFailure",
            "usersUserActionRequired",
            "usersNotApplied",
        ]
    }
    fn cells(&self) -> Vec<Cell> {
        let n = |v: u64| Cell::Int(Some(v as i64));
        vec![
            Cell::text(self.policy_display_name.as_deref()),
            Cell::text(Some(&self.policy_id)),
            Cell::Text(Some(self.report_only.to_string())),
            n(self.sign_ins.total),
            n(self.sign_ins.success),
            n(self.sign_ins.failure),
            n(self.sign_ins.user_action_required),
            n(self.sign_ins.not_applied),
            n(self.users.total),
            n(self.users.success),
            n(self.users.failure),
            n(self.users.user_action_required),
            n(self.users.not_applied),
        ]
    }
}

/// One row per policy id, by policyDisplayName then policyId (SPEC 6.4).
fn policy_rows(groups: Vec<Group>) -> Vec<PolicySummary> {
    let mut rows: Vec<PolicySummary> = groups
        .into_iter()
        .map(|g| {
            let s = &g.state;
            let counts = |v: [u64; 4], total: u64| ResultCounts {
                success: v[Bucket::Success as usize],
                failure: v[Bucket::Failure as usize],
                user_action_required: v[Bucket::UserActionRequired as usize],
                not_applied: v[Bucket::NotApplied as usize],
                total,
            };
            let users = s.bucket_users.each_ref().map(|u| u.len() as u64);
            PolicySummary {
                policy_id: text(g.key.last().unwrap_or(&Val::Null)).unwrap_or_default(),
                policy_display_name: name(&g, 0),
                report_only: s
                    .latest_result
                    .value
                    .as_deref()
                    .is_some_and(|r| r.len() >= 10 && r[..10].eq_ignore_ascii_case("reportOnly")),
                sign_ins: counts(s.buckets, s.buckets.iter().sum()),
                users: counts(users, s.users.len() as u64),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.policy_display_name.is_none(), &a.policy_display_name, &a.policy_id).cmp(&(
            b.policy_display_name.is_none(),
            &b.policy_display_name,
            &b.policy_id,
        ))
    });
    rows
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusSummary {
    pub conditional_access_status: Option<String>,
    pub sign_in_count: u64,
    pub user_count: u64,
}

impl Tabular for StatusSummary {
    fn headers() -> &'static [&'static str] {
        &["conditionalAccessStatus", "signIns", "users"]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::text(self.conditional_access_status.as_deref()),
            Cell::Int(Some(self.sign_in_count as i64)),
            Cell::Int(Some(self.user_count as i64)),
        ]
    }
}

/// The workbook's "all enabled policies": one row per status, success, failure, notApplied
/// first (each even when zero), then any other status (or spelling) the export holds, then none.
fn status_rows(groups: Vec<Group>) -> Vec<StatusSummary> {
    let mut rows: Vec<StatusSummary> = ["success", "failure", "notApplied"]
        .iter()
        .map(|s| StatusSummary { conditional_access_status: Some(s.to_string()), sign_in_count: 0, user_count: 0 })
        .collect();
    for g in groups {
        let status = text(&g.key[0]);
        let row = StatusSummary {
            conditional_access_status: status.clone(),
            sign_in_count: g.state.sign_ins(),
            user_count: g.state.users.len() as u64,
        };
        // Each stored spelling is one group: matched exactly, so that two spellings of one status
        // cannot overwrite each other (their users could not be added up).
        match rows[..3].iter_mut().find(|r| r.conditional_access_status == status) {
            Some(r) => *r = row,
            None => rows.push(row),
        }
    }
    let mut rest = rows.split_off(3);
    rest.sort_by(|a, b| {
        (a.conditional_access_status.is_none(), &a.conditional_access_status)
            .cmp(&(b.conditional_access_status.is_none(), &b.conditional_access_status))
    });
    rows.append(&mut rest);
    rows
}
