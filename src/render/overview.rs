//! The hand-over page (`signin-insights html`): every report family that has data, computed
//! with the same functions as `report` and named as the [catalog](crate::report::catalog)
//! names them, laid out as [`html`](super::html) sections: tables, daily charts whose bars list
//! that day's sign-ins, and highlights (expired and expiring credentials, unused apps, relying
//! parties by readiness).
//!
//! Embedded data is capped so a page of a large tenant stays usable: daily charts for the apps
//! with most sign-ins, a bounded number of sign-ins per bar, a bounded number of table rows;
//! each cap is said on the page with the command that lists everything.

use std::collections::BTreeMap;

use super::html::{
    AMBER, BLUE, Block, DayBar, Drill, DrillCell, GREEN, GREY, Page, RED, Section, bar_list, day_chart, shell_quote,
};
use super::page_sections::{self, section};
use super::pseudo::{self, Pseudonymizer};
use super::workbook_page;
use crate::domain::time::format_day;
use crate::domain::{Cell, EventType};
use crate::error::Result;
use crate::report::catalog::{self, Answer, Options, Query};
use crate::report::{
    Request, adfs, app_daily, app_errors, app_last_signin, apps, auth_events, auth_registration, auth_usage,
    credentials, headline, latest_event, service_principals, signins,
};
use crate::scan::Window;
use crate::store::manifest::Manifest;
use crate::store::{ADFS_SIGNINS, AUDITS, CREDENTIALS, REGISTRATIONS, RP_TRUSTS, SIGNINS, Store};

/// How much the page embeds.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Apps that get a daily chart (those with most sign-ins).
    pub chart_apps: usize,
    /// Sign-ins listed under one bar.
    pub per_bar: usize,
    /// Rows of one table.
    pub table_rows: usize,
    /// Days of one chart (the latest).
    pub chart_days: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { chart_apps: 12, per_bar: 50, table_rows: 500, chart_days: 400 }
    }
}

/// The windows of the three event tables (each has its own as-of).
pub struct Windows {
    pub signins: Window,
    pub adfs: Window,
    pub audits: Window,
}

fn request(window: &Window) -> Request {
    Request::new(window.clone())
}

/// Every day the window touches, oldest first (an open-ended window starts at `first_data`),
/// at most `limit` of them (the latest).
pub(super) fn days_of(w: &Window, first_data: Option<i64>, limit: usize) -> Vec<i64> {
    let Some(days) = w.days(first_data) else { return Vec::new() };
    let (first, last) = (*days.start(), *days.end());
    (first.max(last - limit as i64 + 1)..=last).collect()
}

/// What the page is made of: the store and how the commands on the page name it, the windows,
/// the caps, and the key that replaces personal values (if any).
pub struct Inputs<'a> {
    pub store: &'a Store,
    pub manifest: &'a Manifest,
    pub windows: &'a Windows,
    pub limits: &'a Limits,
    pub store_arg: &'a str,
    pub pseudonymizer: Option<&'a Pseudonymizer>,
    /// `html --user`: a section per user (their `report user` page).
    pub users: &'a [String],
}

/// The window as command-line arguments (with a leading space).
fn window_args(win: &Window) -> String {
    let z = win.zone;
    if win.period.is_empty() {
        let since =
            if win.start_us == i64::MIN { String::new() } else { format!(" --since {}", z.format(win.start_us)) };
        format!("{since} --until {}", z.format(win.end_us))
    } else {
        format!(" --period {}", win.period)
    }
}

/// `report NAME` and the window, as a command on the page names it.
pub(super) fn report_args(name: &str, win: &Window) -> String {
    format!("report {name}{}", window_args(win))
}

/// Builds the page.
pub fn page(inputs: &Inputs<'_>) -> Result<Page> {
    let Inputs { store, manifest, windows: w, limits, store_arg, pseudonymizer: p, .. } = *inputs;
    let mut drill = Drill::default();
    let mut sections = Vec::new();
    let has = |t: &str| !manifest.files(t).is_empty();
    let cmd = |rest: &str| format!("signin-insights {rest} --store {}", shell_quote(store_arg));
    let req = request(&w.signins);

    if has(SIGNINS) {
        let activity = apps::compute(store, manifest, &req, apps::Sort::Total)?;
        if !activity.is_empty() {
            sections.push(apps_section(inputs, &req, &activity, &mut drill, &cmd)?);
            let errors = app_errors::compute(store, manifest, &Request { top: Some(5), ..req.clone() })?;
            let mut blocks = vec![Block::Note(format!(
                "The five most frequent error codes of each application's failed sign-ins ({}).",
                catalog::title_and_window(&app_errors::REPORT, &req)
            ))];
            blocks.extend(Block::rows(
                &errors,
                p,
                limits.table_rows,
                |_| None,
                &cmd(&report_args(app_errors::REPORT.name, &w.signins)),
            ));
            sections.push(section("errors", blocks));
        }
        let last = app_last_signin::compute(store, manifest, &req)?;
        if !last.is_empty() {
            let unused = last.iter().filter(|a| a.sign_in_activity.last_sign_in_date_time.is_none()).count();
            let mut blocks = vec![Block::Note(format!(
                "Latest user sign-in per application; {unused} applications of the credential inventory had none in the window (greyed)."
            ))];
            let unused_row = |c: &[Cell]| matches!(c.get(2), Some(Cell::Time(None))).then_some("unused");
            blocks.extend(Block::rows(
                &last,
                p,
                limits.table_rows,
                unused_row,
                &cmd(&report_args(app_last_signin::REPORT.name, &w.signins)),
            ));
            sections.push(section("last-sign-in", blocks));
        }
        sections.extend(workbook_page::workbook_sections(inputs, &req, &cmd)?);
        sections.extend(workbook_page::user_sections(inputs, &req, &cmd)?);
        let app_only = [EventType::ServicePrincipal, EventType::ManagedIdentity];
        if manifest
            .files(SIGNINS)
            .iter()
            .any(|f| EventType::parse(&f.event_type).is_some_and(|t| app_only.contains(&t)))
        {
            let sps = service_principals::compute(store, manifest, &req)?;
            let mut blocks = vec![Block::Note(
                "Latest sign-in of each service principal as a client and as a resource, delegated and app-only."
                    .into(),
            )];
            blocks.extend(Block::rows(
                &sps,
                p,
                limits.table_rows,
                |_| None,
                &cmd(&report_args(service_principals::REPORT.name, &w.signins)),
            ));
            sections.push(section("service-principals", blocks));
        }
    }
    if has(CREDENTIALS) && latest_event(manifest).is_some() {
        let creds = credentials::compute(store, manifest, &req, &credentials::Filter::default())?;
        let expired = creds.iter().filter(|c| c.days_to_expiry.is_some_and(|d| d < 0)).count();
        let soon = creds.iter().filter(|c| c.days_to_expiry.is_some_and(|d| (0..=30).contains(&d))).count();
        let mut blocks = vec![Block::Note(format!(
            "Credentials of the inventory joined with service principal sign-ins: {expired} expired (red), {soon} expiring within 30 days of as-of (amber)."
        ))];
        let class = |c: &[Cell]| match c.get(8) {
            Some(Cell::Int(Some(d))) if *d < 0 => Some("expired"),
            Some(Cell::Int(Some(d))) if *d <= 30 => Some("soon"),
            _ => None,
        };
        blocks.extend(Block::rows(
            &creds,
            p,
            limits.table_rows,
            class,
            &cmd(&report_args(credentials::REPORT.name, &w.signins)),
        ));
        sections.push(section("credentials", blocks));
    }
    if has(ADFS_SIGNINS) || has(RP_TRUSTS) {
        let rps = adfs::compute(store, manifest, &request(&w.adfs))?;
        let mut blocks = vec![Block::Note(format!(
            "AD FS relying parties ({}), with their migration readiness.",
            w.adfs.words("AD FS sign-in")
        ))];
        if !has(RP_TRUSTS) {
            blocks.push(Block::Note(
                "No relying-party trust export in the store: readiness is needsReview for all.".into(),
            ));
        }
        let class = |c: &[Cell]| match c.get(7) {
            Some(Cell::Text(Some(s))) if s == "ready" => Some("ready"),
            Some(Cell::Text(Some(s))) if s == "additionalStepsRequired" => Some("steps"),
            Some(Cell::Text(Some(_))) => Some("review"),
            _ => None,
        };
        let mut table = Block::rows(&rps, p, limits.table_rows, class, &cmd(&report_args(adfs::REPORT.name, &w.adfs)));
        page_sections::with_adfs_checks(&mut table, &rps, has(RP_TRUSTS));
        blocks.extend(table);
        sections.push(section("adfs", blocks));
    }
    let auth = auth_section(inputs, &cmd)?;
    if !auth.blocks.is_empty() {
        sections.push(auth);
    }

    let facts = facts(manifest, w, store_arg);
    let headline = headline::figures(store, manifest, &req, &request(&w.adfs))?;
    let sections = page_sections::complete(sections, inputs);
    Ok(Page { title: "Usage & insights".into(), facts, headline, sections, drill })
}

/// The facts a hand-over starts with: the store, the windows of the tables it holds, its
/// record counts, the zone of its times, and the version that made it.
pub fn facts(manifest: &Manifest, w: &Windows, store_arg: &str) -> Vec<(String, String)> {
    let has = |t: &str| !manifest.files(t).is_empty();
    let mut facts = vec![("Store".to_string(), store_arg.to_string())];
    // A window is shown only for what the store holds (an empty table has no as-of).
    facts.push((
        "Sign-in window".into(),
        if has(SIGNINS) { w.signins.words("sign-in") } else { "no sign-ins in the store".into() },
    ));
    if has(ADFS_SIGNINS) {
        facts.push(("AD FS window".into(), w.adfs.words("AD FS sign-in")));
    }
    if has(AUDITS) {
        facts.push(("Audit window".into(), w.audits.words("audit event")));
    }
    let counts: Vec<String> = manifest
        .tables
        .iter()
        .filter(|(_, f)| !f.is_empty())
        .map(|(t, f)| format!("{t} {}", crate::domain::group_thousands(f.iter().map(|e| e.rows as i64).sum())))
        .collect();
    facts.push(("Records in the store".into(), counts.join(", ")));
    let zone = w.signins.zone.name();
    facts.push((
        "Times".into(),
        if zone == "UTC" {
            "UTC; days are UTC calendar days, as Graph reports them".into()
        } else {
            format!("{zone} (every time shows its offset); days are {zone} calendar days")
        },
    ));
    facts.push(("Made by".into(), format!("signin-insights {}", env!("CARGO_PKG_VERSION"))));
    facts
}

fn apps_section(
    inputs: &Inputs<'_>,
    req: &Request,
    activity: &Vec<apps::AppActivity>,
    drill: &mut Drill,
    cmd: &dyn Fn(&str) -> String,
) -> Result<Section> {
    let Inputs { store, manifest, limits, pseudonymizer: p, .. } = *inputs;
    let zone = req.zone();
    let mut blocks = vec![Block::Note(format!(
        "Interactive user sign-ins per application, {}. Select a column to sort.",
        req.window.words("sign-in")
    ))];
    blocks.extend(Block::rows(
        activity,
        p,
        limits.table_rows,
        |_| None,
        &cmd(&report_args(apps::REPORT.name, &req.window)),
    ));
    // Daily charts of the apps with most sign-ins.
    let daily = app_daily::compute(store, manifest, req)?;
    let mut per_app: BTreeMap<&str, BTreeMap<i64, (u64, u64)>> = BTreeMap::new();
    for d in &daily {
        let e = per_app.entry(d.app_id.as_str()).or_default().entry(d.aggregated_event_date_time.day()).or_default();
        if d.status.error_code == Some(0) {
            e.0 += d.sign_in_count;
        } else {
            e.1 += d.sign_in_count;
        }
    }
    let first_data = daily.iter().map(|d| d.aggregated_event_date_time.day()).min();
    let days = days_of(&req.window, first_data, limits.chart_days);
    let charted: Vec<&apps::AppActivity> = activity.iter().take(limits.chart_apps).collect();
    blocks.push(Block::Heading("Sign-ins per day".into()));
    if activity.len() > charted.len() {
        blocks.push(Block::Note(format!(
            "Charts for the {} applications with most sign-ins; for any other: {}",
            charted.len(),
            cmd(&format!("report {} --app <appId>{}", app_daily::REPORT.name, window_args(&req.window)))
        )));
    }
    for (chart, app) in charted.iter().enumerate() {
        let name = app.app_display_name.clone().unwrap_or_else(|| app.id.clone());
        let filter = signins::Filter { app: Some(vec![app.id.clone()]), ..signins::Filter::default() };
        let rows = signins::compute(store, manifest, &[EventType::InteractiveUser], &req.window, &filter)?;
        let mut by_day: BTreeMap<i64, Vec<&signins::SignInRow>> = BTreeMap::new();
        for r in &rows {
            by_day.entry(zone.day_of(r.created_date_time.us)).or_default().push(r);
        }
        let counts = per_app.get(app.id.as_str());
        let bars: Vec<DayBar> = days
            .iter()
            .map(|&day| {
                let (ok, failed) = counts.and_then(|c| c.get(&day)).copied().unwrap_or_default();
                let listed = by_day.get(&day).map_or(&[][..], Vec::as_slice);
                let app_day = format!(
                    "signins --app {} --day {} --event-type interactiveUser",
                    shell_quote(&app.id),
                    format_day(day)
                );
                // A drill-down cell per part of the bar: its failed sign-ins, its successful ones.
                let mut part = |n: u64, failures: bool| {
                    (n > 0).then(|| {
                        let rows: Vec<&&signins::SignInRow> =
                            listed.iter().filter(|r| (r.error_code != Some(0)) == failures).collect();
                        let what = if failures { "failed" } else { "successful" };
                        drill.add(DrillCell {
                            title: format!("{name}, {}: {n} {what} sign-ins of {}", format_day(day), ok + failed),
                            columns: vec!["time", "user", "status", "error code", "failure reason", "IP address"],
                            rows: rows.iter().take(limits.per_bar).map(|r| drill_row(r, p)).collect(),
                            omitted: (rows.len().saturating_sub(limits.per_bar)) as u64,
                            command: cmd(&if failures {
                                format!("{app_day} --failed")
                            } else {
                                format!("{app_day} --error-code 0")
                            }),
                        })
                    })
                };
                let ok_key = part(ok, false);
                let failed_key = part(failed, true);
                DayBar { label: format_day(day), values: vec![ok, failed], drill: vec![ok_key, failed_key] }
            })
            .collect();
        blocks.push(Block::Chart(day_chart(
            chart,
            &name,
            "sign-ins",
            &[("successful", GREEN), ("failed", RED)],
            &bars,
        )));
    }
    Ok(section("apps", blocks))
}

/// A catalog report's answer for the page (default options but `options`).
pub(super) fn answer(inputs: &Inputs<'_>, req: &Request, name: &str, options: &Options) -> Result<Answer> {
    let report = catalog::find(name).expect("a report of the catalog");
    let q = Query {
        store: inputs.store,
        manifest: inputs.manifest,
        request: req.clone(),
        options,
        as_of_given: false,
        pseudonymized: inputs.pseudonymizer.is_some(),
    };
    catalog::answer(report, &q)
}

fn drill_row(r: &signins::SignInRow, p: Option<&Pseudonymizer>) -> Vec<String> {
    let personal = |kind, v: &Option<String>| pseudo::text(p, kind, v.as_deref().unwrap_or_default());
    vec![
        r.created_date_time.to_string(),
        personal(pseudo::Kind::Upn, &r.user_principal_name),
        if r.error_code == Some(0) { "success".into() } else { "failure".into() },
        r.error_code.map(|c| c.to_string()).unwrap_or_default(),
        r.failure_reason.clone().unwrap_or_default(),
        personal(pseudo::Kind::Ip, &r.ip_address),
    ]
}

fn auth_section(inputs: &Inputs<'_>, cmd: &dyn Fn(&str) -> String) -> Result<Section> {
    let Inputs { store, manifest, windows: w, limits, pseudonymizer: p, .. } = *inputs;
    let mut blocks = Vec::new();
    let req = request(&w.signins);
    if !manifest.files(SIGNINS).is_empty() {
        let (usage, notes) = auth_usage::usage(store, manifest, &req)?;
        if usage.iter().any(|u| u.success_activity_count > 0) {
            blocks.push(Block::Heading("Sign-ins by authentication method".into()));
            let used: Vec<(String, u64)> = {
                let mut v: Vec<(String, u64)> = usage
                    .iter()
                    .filter(|u| u.success_activity_count > 0)
                    .map(|u| (u.authentication_method.clone(), u.success_activity_count))
                    .collect();
                v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                v
            };
            blocks.push(Block::Chart(bar_list("Successful interactive sign-ins per method used", &used)));
            blocks.extend(notes.into_iter().map(Block::Note));
            blocks.extend(Block::rows(
                &usage,
                p,
                limits.table_rows,
                |_| None,
                &cmd(&report_args(auth_usage::USAGE_REPORT.name, &w.signins)),
            ));
            let (mfa, notes) = auth_usage::mfa(store, manifest, &req)?;
            let bars: Vec<DayBar> = mfa
                .iter()
                .rev()
                .take(limits.chart_days)
                .rev()
                .map(|d| DayBar {
                    label: format_day(d.created_date_time.day()),
                    values: vec![
                        d.multi_factor_sign_ins,
                        d.single_factor_sign_ins,
                        d.total_sign_ins - d.single_factor_sign_ins - d.multi_factor_sign_ins,
                    ],
                    drill: Vec::new(),
                })
                .collect();
            blocks.push(Block::Heading("Sign-ins by authentication requirement".into()));
            blocks.push(Block::Chart(day_chart(
                1000,
                "Successful interactive sign-ins per day",
                "sign-ins",
                &[("multi-factor", GREEN), ("single-factor", AMBER), ("not stated", GREY)],
                &bars,
            )));
            blocks.extend(notes.into_iter().map(Block::Note));
        }
    }
    if !manifest.files(REGISTRATIONS).is_empty() {
        let who = auth_registration::Population::default();
        let users = auth_registration::users(store, manifest, &who)?;
        let features = auth_registration::by_feature(&users, &who);
        let methods = auth_registration::by_method(&users, &who);
        blocks.push(Block::Heading(format!("Registration ({} users)", features.total_user_count)));
        blocks.extend(Block::rows(
            &features.user_registration_feature_counts,
            p,
            limits.table_rows,
            |_| None,
            &cmd(&format!("report {}", auth_registration::REPORT.name)),
        ));
        let items: Vec<(String, u64)> = methods
            .user_registration_method_counts
            .iter()
            .map(|m| (m.authentication_method.clone(), m.user_count))
            .collect();
        blocks.push(Block::Chart(bar_list("Users per registered method", &items)));
    }
    if !manifest.files(AUDITS).is_empty() {
        let events = auth_events::load(store, manifest, &w.audits)?;
        let (rows, notes) = auth_events::user_events(&events, &auth_events::EventFilter::default(), w.audits.zone);
        if !rows.is_empty() {
            blocks.push(Block::Heading(format!("Registration and reset events ({})", w.audits.words("audit event"))));
            blocks.extend(notes.into_iter().map(Block::Note));
            let failed =
                |c: &[Cell]| matches!(c.get(5), Some(Cell::Text(Some(s))) if s == "failure").then_some("expired");
            blocks.extend(Block::rows(
                &rows,
                p,
                limits.table_rows,
                failed,
                &cmd(&report_args(auth_events::EVENTS_REPORT.name, &w.audits)),
            ));
        }
        let resets = auth_events::password_resets(&events, &w.audits);
        if resets.iter().any(|r| {
            r.password_resets_by_admin_count
                + r.password_resets_self_service_count
                + r.change_password_self_service_count
                > 0
        }) {
            let bars: Vec<DayBar> = resets
                .iter()
                .rev()
                .take(limits.chart_days)
                .rev()
                .map(|r| DayBar {
                    label: format_day(r.aggregated_date_time.day()),
                    values: vec![
                        r.password_resets_self_service_count,
                        r.password_resets_by_admin_count,
                        r.change_password_self_service_count,
                    ],
                    drill: Vec::new(),
                })
                .collect();
            blocks.push(Block::Heading("Password resets and changes".into()));
            blocks.push(Block::Chart(day_chart(
                1001,
                "Successful resets and changes per day",
                "events",
                &[("self-service reset", BLUE), ("reset by admin", AMBER), ("self-service change", GREEN)],
                &bars,
            )));
        }
    }
    Ok(section("auth-methods", blocks))
}
