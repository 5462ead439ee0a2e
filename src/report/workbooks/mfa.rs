//! `report mfa-gaps` (SPEC 6.5, the "Multi-Factor Authentication Gaps" workbook): successful
//! sign-ins that only asked for one factor, by app (or any `--by` dimensions).

use serde::Serialize;

use super::super::breakdown::{self, Dim, Fig, Filter, Group, KeyedRows, Spec, Split};
use super::super::catalog::{Answer, Caption, Opt, Report};
use super::tenants::{inside_tenant, local_tenant};
use crate::domain::{EventType, Outcome, Percent};
use crate::store::SIGNINS;

pub const TYPE_NAME: &str = "mfaGapSummary";

const SINGLE: usize = 0;
const MULTI: usize = 1;

const FIGURES: &[&str] = &[
    "signInCount",
    "singleFactorSignInCount",
    "multiFactorSignInCount",
    "singleFactorPercentage",
    "userCount",
    "singleFactorUserCount",
    "lastSignInDateTime",
];

pub const REPORT: Report = Report {
    name: "mfa-gaps",
    graph_name: None,
    about: "Successful sign-ins that asked for one factor only, per app (--by user, country, ...).",
    title: "Sign-ins not protected by MFA",
    table: SIGNINS,
    event_types: &[EventType::InteractiveUser],
    options: &[
        Opt::ByDims,
        Opt::Tenant,
        Opt::Top,
        Opt::EventTypes,
        Opt::AppFilter,
        Opt::UserFilter,
        Opt::ClientApp,
        Opt::Country,
    ],
    run: |q| {
        let by = super::dims_or(q, &[Dim::App], false)?;
        let mut dims = by.clone();
        for d in [Dim::HomeTenant, Dim::ResourceTenant] {
            if !dims.contains(&d) {
                dims.push(d);
            }
        }
        let filter = Filter { outcome: Some(Outcome::Success), ..q.options.filter.clone() };
        let spec = Spec { dims: dims.clone(), filter, split: Some(Split::Requirement), ..Spec::default() };
        let groups = breakdown::run(q.store, q.manifest, &q.request, REPORT.event_types, &spec)?;
        let home = breakdown::key_at(&dims, Dim::HomeTenant).unwrap_or(0);
        let res = breakdown::key_at(&dims, Dim::ResourceTenant).unwrap_or(0);
        let local = match &q.options.tenant {
            Some(t) => Some(t.trim().to_ascii_lowercase()),
            None => local_tenant(&groups, home, res),
        };
        let keep: usize = by.iter().map(|d| d.key_len()).sum();
        let groups = inside_tenant(groups, &dims, local.as_deref(), keep);
        let totals = Totals::of(&groups);
        let rows = gap_rows(&by, groups, q.request.zone());
        let tenant = match &local {
            Some(t) => format!("sign-ins into other tenants than ours ({t}) left out"),
            None => "no sign-in names a tenant, so none is left out as another tenant's".into(),
        };
        let caption = format!(
            "; successful sign-ins (errorCode 0) whose authenticationRequirement is singleFactorAuthentication, \
             per row with at least one; {tenant}; of {} successful sign-ins {} were single-factor ({}%), {} \
             multi-factor, {} did not say",
            totals.sign_ins, totals.single_factor, totals.single_factor_percentage, totals.multi_factor, totals.unknown
        );
        Ok(Answer::rows(TYPE_NAME, rows).with_caption(Caption::WindowAnd(caption)).with_totals(&totals))
    },
};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub sign_ins: u64,
    pub single_factor: u64,
    pub multi_factor: u64,
    /// No requirement, or another value.
    pub unknown: u64,
    pub single_factor_percentage: Percent,
}

impl Totals {
    fn of(groups: &[Group]) -> Totals {
        let mut t = Totals::default();
        for g in groups {
            let b = &g.state.buckets;
            t.sign_ins += g.state.sign_ins();
            t.single_factor += b[SINGLE];
            t.multi_factor += b[MULTI];
            t.unknown += b[2] + b[3];
        }
        t.single_factor_percentage = Percent::of(t.single_factor, t.sign_ins);
        t
    }
}

/// Rows with a single-factor sign-in, by singleFactorUserCount desc, singleFactorSignInCount
/// desc, then the keys.
fn gap_rows(by: &[Dim], groups: Vec<Group>, zone: crate::domain::Zone) -> KeyedRows {
    let groups: Vec<Group> = groups.into_iter().filter(|g| g.state.buckets[SINGLE] > 0).collect();
    let figs = |g: &Group| {
        let s = &g.state;
        vec![
            Fig::Count(s.sign_ins()),
            Fig::Count(s.buckets[SINGLE]),
            Fig::Count(s.buckets[MULTI]),
            Fig::Percent(Percent::of(s.buckets[SINGLE], s.sign_ins())),
            Fig::Count(s.users.len() as u64),
            Fig::Count(s.bucket_users[SINGLE].len() as u64),
            Fig::Time(s.last.map(|t| zone.at(t))),
        ]
    };
    KeyedRows::new(by, FIGURES, groups, zone, figs, |a, b| {
        let k = |r: &breakdown::KeyedRow| (r.count("singleFactorUserCount"), r.count("singleFactorSignInCount"));
        k(b).cmp(&k(a)).then_with(|| a.cmp_keys(b))
    })
}
