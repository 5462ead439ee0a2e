//! `report risky-sign-ins` (SPEC 6.5): sign-ins Identity Protection found risky, by user and IP
//! address (or any `--by` dimensions), per risk level, with the latest risk state.

use super::super::breakdown::{self, Dim, Fig, Filter, Group, KeyedRow, KeyedRows, Spec, Split};
use super::super::catalog::{Answer, Caption, Opt, Report};
use crate::domain::{EventType, Outcome, Zone};
use crate::store::SIGNINS;
use crate::store::schema::RISK_STATE;

pub const TYPE_NAME: &str = "riskySignInSummary";

const FIGURES: &[&str] = &[
    "signInCount",
    "highRiskCount",
    "mediumRiskCount",
    "lowRiskCount",
    "successCount",
    "failureCount",
    "userCount",
    "latestRiskState",
    "lastSignInDateTime",
];

pub const REPORT: Report = Report {
    name: "risky-sign-ins",
    graph_name: None,
    about: "Risky sign-ins (risk level low, medium or high, or a risk state) per user and IP address.",
    title: "Risky sign-ins",
    table: SIGNINS,
    event_types: &EventType::USERS,
    options: &[
        Opt::ByDims,
        Opt::Top,
        Opt::EventTypes,
        Opt::AppFilter,
        Opt::UserFilter,
        Opt::Ip,
        Opt::Country,
        Opt::Outcome,
    ],
    run: |q| {
        let by = super::dims_or(q, &[Dim::User, Dim::Ip], false)?;
        let filter = Filter { risky_only: true, ..q.options.filter.clone() };
        let spec = Spec {
            dims: by.clone(),
            filter,
            split: Some(Split::RiskLevel),
            latest: Some(RISK_STATE),
            ..Spec::default()
        };
        let groups = breakdown::run(q.store, q.manifest, &q.request, REPORT.event_types, &spec)?;
        let rows = risk_rows(&by, groups, q.request.zone());
        let caption = "; a sign-in is risky when its riskLevelDuringSignIn is low, medium or high, or its riskState \
                       is set and not none (hidden levels count only by their state); the risk state is the latest \
                       sign-in's";
        Ok(Answer::rows(TYPE_NAME, rows).with_caption(Caption::WindowAnd(caption.into())))
    },
};

/// By highRiskCount, mediumRiskCount, lowRiskCount and signInCount, all desc, then the keys.
fn risk_rows(by: &[Dim], groups: Vec<Group>, zone: Zone) -> KeyedRows {
    let figs = |g: &Group| {
        let s = &g.state;
        let success = s.count(Outcome::Success);
        vec![
            Fig::Count(s.sign_ins()),
            Fig::Count(s.buckets[0]),
            Fig::Count(s.buckets[1]),
            Fig::Count(s.buckets[2]),
            Fig::Count(success),
            Fig::Count(s.sign_ins() - success),
            Fig::Count(s.users.len() as u64),
            Fig::Text(s.latest_result.value.clone()),
            Fig::Time(s.last.map(|t| zone.at(t))),
        ]
    };
    KeyedRows::new(by, FIGURES, groups, zone, figs, |a: &KeyedRow, b: &KeyedRow| {
        let k = |r: &KeyedRow| {
            (r.count("highRiskCount"), r.count("mediumRiskCount"), r.count("lowRiskCount"), r.count("signInCount"))
        };
        k(b).cmp(&k(a)).then_with(|| a.cmp_keys(b))
    })
}
