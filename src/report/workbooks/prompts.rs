//! `report auth-prompts` (SPEC 6.5, the "Authentication Prompts Analysis" workbook): each
//! authentication prompt, by method (or user, app, any `--by` dimensions), and prompts per
//! sign-in.

use serde::Serialize;

use super::super::breakdown::{self, Dim, Fig, Filter, Group, KeyedRow, KeyedRows, Spec};
use super::super::catalog::{Answer, Caption, Opt, Report};
use crate::domain::{EventType, Percent, Zone};
use crate::store::SIGNINS;

pub const TYPE_NAME: &str = "authenticationPromptSummary";

const FIGURES: &[&str] = &[
    "promptCount",
    "successCount",
    "failureCount",
    "signInCount",
    "promptsPerSignIn",
    "userCount",
    "lastSignInDateTime",
];

pub const REPORT: Report = Report {
    name: "auth-prompts",
    graph_name: None,
    about: "Authentication prompts (each step that asked for a method) per method (--by user, app, ...).",
    title: "Authentication prompts",
    table: SIGNINS,
    event_types: &[EventType::InteractiveUser],
    options: &[Opt::ByDims, Opt::Top, Opt::EventTypes, Opt::AppFilter, Opt::UserFilter, Opt::ClientApp, Opt::Country],
    run: |q| {
        let by = super::dims_or(q, &[Dim::Method], true)?;
        let filter = Filter { prompted_only: true, no_sync_account: true, ..q.options.filter.clone() };
        let spec = Spec { dims: by.clone(), filter: filter.clone(), prompts: true, ..Spec::default() };
        let groups = breakdown::run(q.store, q.manifest, &q.request, REPORT.event_types, &spec)?;
        // The totals from one group of everything: a sign-in with two methods is one sign-in.
        let all = Spec { dims: Vec::new(), filter, prompts: true, ..Spec::default() };
        let totals = Totals::of(breakdown::run(q.store, q.manifest, &q.request, REPORT.event_types, &all)?);
        let rows = prompt_rows(&by, groups, q.request.zone());
        let caption = format!(
            "; a prompt is a step of authenticationDetails whose method is not empty and not \"Previously \
             satisfied\" (a password and an MFA approval are two), succeeded or not as the step says; the \
             directory synchronization account left out; {} prompts ({} succeeded) in {} sign-ins, {} per \
             sign-in, {} users",
            totals.prompts, totals.success, totals.sign_ins, totals.prompts_per_sign_in, totals.users
        );
        Ok(Answer::rows(TYPE_NAME, rows).with_caption(Caption::WindowAnd(caption)).with_totals(&totals))
    },
};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub prompts: u64,
    pub success: u64,
    pub failure: u64,
    /// Sign-ins with at least one prompt.
    pub sign_ins: u64,
    pub users: u64,
    pub prompts_per_sign_in: Percent,
    pub prompts_per_user: Percent,
}

impl Totals {
    fn of(groups: Vec<Group>) -> Totals {
        let Some(g) = groups.into_iter().next() else { return Totals::default() };
        let s = &g.state;
        let users = s.users.len() as u64;
        Totals {
            prompts: s.prompts,
            success: s.prompts_ok,
            failure: s.prompts - s.prompts_ok,
            sign_ins: s.sign_ins(),
            users,
            prompts_per_sign_in: Percent::ratio(s.prompts, s.sign_ins()),
            prompts_per_user: Percent::ratio(s.prompts, users),
        }
    }
}

/// By promptCount desc, then the keys.
fn prompt_rows(by: &[Dim], groups: Vec<Group>, zone: Zone) -> KeyedRows {
    let figs = |g: &Group| {
        let s = &g.state;
        vec![
            Fig::Count(s.prompts),
            Fig::Count(s.prompts_ok),
            Fig::Count(s.prompts - s.prompts_ok),
            Fig::Count(s.sign_ins()),
            Fig::Percent(Percent::ratio(s.prompts, s.sign_ins())),
            Fig::Count(s.users.len() as u64),
            Fig::Time(s.last.map(|t| zone.at(t))),
        ]
    };
    KeyedRows::new(by, FIGURES, groups, zone, figs, |a: &KeyedRow, b: &KeyedRow| {
        b.count("promptCount").cmp(&a.count("promptCount")).then_with(|| a.cmp_keys(b))
    })
}
