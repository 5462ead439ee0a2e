//! The sections of the hand-over page made from the sign-in workbooks (SPEC 6.2 to 6.5) and the
//! investigation pages of `html --user` (SPEC 6.6): each a catalog report's answer laid out as
//! notes, bar lists and tables, and only when it has rows.

use std::collections::BTreeMap;

use super::html::{AMBER, Block, DayBar, GREEN, RED, Section, bar_list, day_chart};
use super::overview::{Inputs, answer, days_of, report_args};
use super::page_sections::section;
use crate::domain::time::format_day;
use crate::domain::{Cell, EventType, Outcome};
use crate::error::Result;
use crate::report::Request;
use crate::report::breakdown::{self, Dim, Spec, Val};
use crate::report::catalog::{Caption, Options};

/// The sign-in workbooks (SPEC 6.2 to 6.4): legacy authentication by client app and application,
/// the outcomes of interactive sign-ins per day with the top interrupts and failures, and one
/// row per Conditional Access policy with its result buckets. Each only when it has rows.
pub(super) fn workbook_sections(
    inputs: &Inputs<'_>,
    req: &Request,
    cmd: &dyn Fn(&str) -> String,
) -> Result<Vec<Section>> {
    let Inputs { store, manifest, limits, pseudonymizer: p, .. } = *inputs;
    let none = Options::default();
    let mut sections = Vec::new();

    let legacy = answer(inputs, req, "legacy-auth", &none)?;
    if !legacy.rows.is_empty() {
        let mut per_client: BTreeMap<String, u64> = BTreeMap::new();
        for i in 0..legacy.rows.len() {
            // By member name (the Graph shape), not by the table's column order.
            let row = legacy.rows.json(i).map_err(|e| crate::error::Error::Other(e.to_string()))?;
            if let (Some(client), Some(n)) = (row["clientAppUsed"].as_str(), row["signInCount"].as_u64()) {
                *per_client.entry(client.to_string()).or_default() += n;
            }
        }
        let mut bars: Vec<(String, u64)> = per_client.into_iter().collect();
        bars.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut blocks = vec![
            Block::Note(format!(
                "Interactive and non-interactive user sign-ins from clients that cannot do modern authentication \
                 (anything but Browser and Mobile Apps and Desktop clients; an empty client app counts as Unknown, \
                 and legacy). Cross-tenant sign-ins are left out; interrupts count as failures ({}).",
                req.window.words("sign-in")
            )),
            Block::Chart(bar_list("Sign-ins per legacy client app", &bars)),
        ];
        blocks.extend(Block::rows(
            legacy.rows.as_ref(),
            p,
            limits.table_rows,
            |_| None,
            &cmd(&report_args("legacy-auth", &req.window)),
        ));
        sections.push(section("legacy-auth", blocks));
    }

    let failures = answer(inputs, req, "failure-analysis", &none)?;
    let totals = failures.annotations.get("@signinInsights.totals").cloned().unwrap_or_default();
    let all = totals.get("all").and_then(serde_json::Value::as_u64).unwrap_or(0);
    if all > 0 {
        let n = |k: &str| totals.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0);
        let mut blocks = vec![Block::Note(format!(
            "Interactive user sign-ins by outcome ({}): {} succeeded, {} were interrupted (the user was asked to act: \
             MFA, consent, a password change; not a failure of the user) and {} failed, of {all}.",
            req.window.words("sign-in"),
            n("success"),
            n("interrupted"),
            n("failure"),
        ))];
        let spec = Spec { dims: vec![Dim::Day, Dim::Outcome], ..Spec::default() };
        let groups = breakdown::run(store, manifest, req, &[EventType::InteractiveUser], &spec)?;
        let mut per_day: BTreeMap<i64, [u64; 3]> = BTreeMap::new();
        for g in &groups {
            if let (Val::Int(day), Some(o)) = (&g.key[0], g.key[1].as_str().and_then(Outcome::parse)) {
                per_day.entry(*day).or_default()[o as usize] += g.state.sign_ins();
            }
        }
        let days = days_of(&req.window, per_day.keys().next().copied(), limits.chart_days);
        let bars: Vec<DayBar> = days
            .iter()
            .map(|d| DayBar {
                label: format_day(*d),
                values: per_day.get(d).copied().unwrap_or_default().to_vec(),
                drill: Vec::new(),
            })
            .collect();
        let series = [("success", GREEN), ("interrupted", AMBER), ("failure", RED)];
        blocks.push(Block::Chart(day_chart(
            1000,
            "Interactive sign-ins per day by outcome",
            "sign-ins",
            &series,
            &bars,
        )));
        blocks.push(Block::Heading("Error codes, most frequent first (interrupts in amber)".into()));
        let class = |c: &[Cell]| match c.get(1) {
            Some(Cell::Text(Some(o))) if o == "interrupted" => Some("soon"),
            _ => None,
        };
        blocks.extend(Block::rows(
            failures.rows.as_ref(),
            p,
            limits.table_rows,
            class,
            &cmd(&report_args("failure-analysis", &req.window)),
        ));
        sections.push(section("failure-analysis", blocks));
    }

    let policies = answer(inputs, req, "ca-policies", &none)?;
    if !policies.rows.is_empty() {
        let mut blocks = vec![Block::Note(format!(
            "Every Conditional Access policy applied to interactive user sign-ins, with the sign-ins and users of each \
             result: success, failure, user action required (report-only interrupts) and not applied; report-only \
             policies in amber. {}",
            match &policies.caption {
                Caption::WindowAnd(more) => capitalised(more.trim_start_matches("; ")),
                _ => String::new(),
            }
        ))];
        let class = |c: &[Cell]| matches!(c.get(2), Some(Cell::Text(Some(t))) if t == "true").then_some("soon");
        blocks.extend(Block::rows(
            policies.rows.as_ref(),
            p,
            limits.table_rows,
            class,
            &cmd(&report_args("ca-policies", &req.window)),
        ));
        sections.push(section("ca-policies", blocks));
    }
    sections.extend(more_workbooks(inputs, req, cmd)?);
    Ok(sections)
}

/// The caption's words after the window, as a sentence.
fn said(caption: &Caption) -> String {
    match caption {
        Caption::WindowAnd(more) => capitalised(more.trim_start_matches("; ")),
        _ => String::new(),
    }
}

/// Bars of `rows` (by member name): the sum of `value` per `label`, largest first.
fn bars_of(rows: &dyn crate::report::Rows, label: &str, value: &str) -> Vec<(String, u64)> {
    let mut per: BTreeMap<String, u64> = BTreeMap::new();
    for i in 0..rows.len() {
        let Ok(row) = rows.json(i) else { continue };
        let name = row[label].as_str().map(str::to_string).unwrap_or_else(|| "(none)".into());
        *per.entry(name).or_default() += row[value].as_u64().unwrap_or(0);
    }
    let mut bars: Vec<(String, u64)> = per.into_iter().filter(|(_, n)| *n > 0).collect();
    bars.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    bars.truncate(15);
    bars
}

/// MFA gaps, authentication prompts, cross-tenant and risky sign-ins (SPEC 6.5).
fn more_workbooks(inputs: &Inputs<'_>, req: &Request, cmd: &dyn Fn(&str) -> String) -> Result<Vec<Section>> {
    let Inputs { limits, pseudonymizer: p, .. } = *inputs;
    let none = Options::default();
    let mut sections = Vec::new();
    let table = |a: &crate::report::catalog::Answer, name: &str, class: &dyn Fn(&[Cell]) -> Option<&'static str>| {
        Block::rows(a.rows.as_ref(), p, limits.table_rows, class, &cmd(&report_args(name, &req.window)))
    };

    let gaps = answer(inputs, req, "mfa-gaps", &none)?;
    if !gaps.rows.is_empty() {
        let mut blocks = vec![
            Block::Note(format!(
                "Interactive user sign-ins ({}). {}",
                req.window.words("sign-in"),
                said(&gaps.caption)
            )),
            Block::Chart(bar_list(
                "Single-factor sign-ins per application",
                &bars_of(gaps.rows.as_ref(), "appDisplayName", "singleFactorSignInCount"),
            )),
        ];
        blocks.extend(table(&gaps, "mfa-gaps", &|_| None));
        sections.push(section("mfa-gaps", blocks));
    }

    let prompts = answer(inputs, req, "auth-prompts", &none)?;
    if !prompts.rows.is_empty() {
        let mut blocks = vec![
            Block::Note(format!(
                "Interactive user sign-ins ({}). {}",
                req.window.words("sign-in"),
                said(&prompts.caption)
            )),
            Block::Chart(bar_list(
                "Prompts per method",
                &bars_of(prompts.rows.as_ref(), "authenticationMethod", "promptCount"),
            )),
        ];
        blocks.extend(table(&prompts, "auth-prompts", &|_| None));
        sections.push(section("auth-prompts", blocks));
    }

    let tenants = answer(inputs, req, "cross-tenant", &none)?;
    if !tenants.rows.is_empty() {
        let mut blocks = vec![Block::Note(format!(
            "Interactive user sign-ins ({}). {}",
            req.window.words("sign-in"),
            said(&tenants.caption)
        ))];
        let inbound = |c: &[Cell]| matches!(c.first(), Some(Cell::Text(Some(d))) if d == "inbound").then_some("soon");
        blocks.extend(table(&tenants, "cross-tenant", &inbound));
        sections.push(section("cross-tenant", blocks));
    }

    // The audit reports, over the audit window.
    let audits = Request::new(inputs.windows.audits.clone());
    for (name, what) in [("consents", "Consent to application events"), ("sensitive-operations", "Audit events")] {
        let a = answer(inputs, &audits, name, &none)?;
        if a.rows.is_empty() {
            continue;
        }
        let mut blocks =
            vec![Block::Note(format!("{what} ({}). {}", audits.window.words("audit event"), said(&a.caption)))];
        blocks.extend(Block::rows(
            a.rows.as_ref(),
            p,
            limits.table_rows,
            |_| None,
            &cmd(&report_args(name, &audits.window)),
        ));
        sections.push(section(name, blocks));
    }

    let risky = answer(inputs, req, "risky-sign-ins", &none)?;
    if !risky.rows.is_empty() {
        let mut blocks = vec![Block::Note(format!(
            "Interactive and non-interactive user sign-ins ({}). {} High-risk rows in red, medium in amber.",
            req.window.words("sign-in"),
            said(&risky.caption)
        ))];
        // userPrincipalName, userDisplayName, ipAddress, signInCount, high, medium, ...
        let level = |c: &[Cell]| match (c.get(4), c.get(5)) {
            (Some(Cell::Int(Some(h))), _) if *h > 0 => Some("expired"),
            (_, Some(Cell::Int(Some(m)))) if *m > 0 => Some("soon"),
            _ => None,
        };
        blocks.extend(table(&risky, "risky-sign-ins", &level));
        sections.push(section("risky-sign-ins", blocks));
    }
    Ok(sections)
}

/// A section per `html --user`: their `report user` page as tables.
pub(super) fn user_sections(inputs: &Inputs<'_>, req: &Request, cmd: &dyn Fn(&str) -> String) -> Result<Vec<Section>> {
    let mut sections = Vec::new();
    for (n, who) in inputs.users.iter().enumerate() {
        let options = Options { subject: Some(who.clone()), ..Options::default() };
        // Ids of sections are fixed words; the user's name is only ever text.
        let (id, title) = USER_IDS.get(n).copied().unwrap_or(("user-more", "User"));
        let all = if inputs.pseudonymizer.is_some() {
            cmd("report user USER")
        } else {
            cmd(&format!("report user {}", super::html::shell_quote(who)))
        };
        // A user the input does not name exactly once fails the page, as `report user` does.
        let answer = answer(inputs, req, "user", &options)?;
        let mut blocks = vec![Block::Note(capitalised(&answer.caption_text))];
        for s in &answer.sections {
            if s.rows.is_empty() {
                continue;
            }
            blocks.push(Block::Heading(s.title.to_string()));
            blocks.extend(Block::rows(s, inputs.pseudonymizer, inputs.limits.table_rows, |_| None, &all));
        }
        sections.push(Section { id, title, blocks });
    }
    Ok(sections)
}

const USER_IDS: [(&str, &str); 8] = [
    ("user-1", "User 1"),
    ("user-2", "User 2"),
    ("user-3", "User 3"),
    ("user-4", "User 4"),
    ("user-5", "User 5"),
    ("user-6", "User 6"),
    ("user-7", "User 7"),
    ("user-8", "User 8"),
];

/// `s` with its first letter in upper case, ending with a full stop.
pub(super) fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    let mut out: String = c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default();
    if !out.is_empty() && !out.ends_with('.') {
        out.push('.');
    }
    out
}
