//! `signin-insights report REPORT`: one report from the store. The reports, their names, help
//! and the options each accepts come from the [catalog](crate::report::catalog); this file maps
//! the flags to the library's options and prints the answer.

use clap::builder::PossibleValue;

use super::note;
use super::{Config, FormatArg, StoreArg, WindowArgs, with_stdout};
use crate::domain::EventType;
use crate::domain::Outcome;
use crate::error::{Error, Result};
use crate::render::{Format, Rendered, render};
use crate::report::catalog::{self, Opt, Options, Query, Report, Sort};
use crate::report::{Request, auth_events, auth_registration, breakdown, credentials, latest_event_in, span_in};
use crate::scan::Window;
use crate::store::Store;
use crate::store::manifest::Manifest;

/// A report name on the command line: every report of the catalog, with its Graph name as an
/// alias and its line of help.
#[derive(Clone, Copy, Debug)]
pub struct ReportName(&'static Report);

impl clap::ValueEnum for ReportName {
    fn value_variants<'a>() -> &'a [Self] {
        static NAMES: std::sync::OnceLock<Vec<ReportName>> = std::sync::OnceLock::new();
        NAMES.get_or_init(|| catalog::REPORTS.iter().map(|r| ReportName(r)).collect())
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let value = PossibleValue::new(self.0.name).help(self.0.about);
        Some(match self.0.graph_name {
            Some(g) => value.alias(g),
            None => value,
        })
    }
}

/// `report apps --sort`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum SortArg {
    Total,
    Failed,
}

/// `report registration-events --status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum EventStatus {
    Success,
    Failure,
}

/// `report registration-events --feature`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum EventFeature {
    Registration,
    Reset,
}

/// Graph `includedUserTypes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum UserTypesArg {
    All,
    Member,
    Guest,
}

/// Graph `includedUserRoles`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum UserRolesArg {
    All,
    #[value(name = "privilegedAdmin", alias = "privileged-admin")]
    PrivilegedAdmin,
    Admin,
    User,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The report (its Graph name is accepted too).
    report: ReportName,
    /// user: the user (a UPN, display name, user id, or part of one); ip: the IP address.
    subject: Option<String>,
    #[command(flatten)]
    store: StoreArg,
    #[command(flatten)]
    window: WindowArgs,
    /// How to print the report (default: a table on a terminal, JSON otherwise).
    #[arg(long, value_enum, help_heading = "Output")]
    format: Option<FormatArg>,
    /// Rows to keep (apps, adfs), or error codes per app (app-errors, default 5).
    #[arg(long, help_heading = "Output")]
    top: Option<usize>,
    /// Event types to read instead of the report's default, comma-separated
    /// (e.g. interactiveUser,nonInteractiveUser).
    #[arg(long, value_delimiter = ',', help_heading = "Filters")]
    event_types: Option<Vec<String>>,
    /// Only this application: an appId, its display name, or part of it (several matches are
    /// all counted and listed on stderr).
    #[arg(long, help_heading = "Filters")]
    app: Option<String>,
    /// apps: order by total sign-ins (top apps, the default) or by failed sign-ins (most failed).
    #[arg(long, value_enum, help_heading = "Report options")]
    sort: Option<SortArg>,
    /// credentials: only those expiring within this long after as-of (e.g. 30d, 12h, 2w).
    #[arg(long, value_parser = parse_duration_arg, help_heading = "Report options")]
    expiring_within: Option<i64>,
    /// credentials: only those expired at as-of.
    #[arg(long, help_heading = "Report options")]
    expired: bool,
    /// credentials: only inventory credentials with no sign-in in the window.
    #[arg(long, help_heading = "Report options")]
    unused: bool,
    /// adfs: list every claim rule of the relying-party trusts with its classification.
    #[arg(long, help_heading = "Report options")]
    rules: bool,
    /// breakdown: the dimensions to group by, comma-separated (app, resource, user, client-app,
    /// protocol, token-type, country, city, ip, os, browser, trust-type, compliant, managed,
    /// ca-status, risk, risk-state, auth-requirement, user-type, cross-tenant, home-tenant,
    /// resource-tenant, error-code, outcome, event-type, day, hour). legacy-auth: `app` (the
    /// default) or `user`. auth-registration: `feature` (usersRegisteredByFeature, the default)
    /// or `method` (usersRegisteredByMethod).
    #[arg(long, help_heading = "Report options")]
    by: Option<String>,
    /// ca-policies: one row per overall conditionalAccessStatus instead of one per policy.
    #[arg(long, help_heading = "Report options")]
    all_enabled: bool,
    /// breakdown: only sign-ins from this client app (`Unknown` for an empty one).
    #[arg(long, help_heading = "Filters")]
    client_app: Option<String>,
    /// breakdown: only sign-ins from this country or region (two-letter code).
    #[arg(long, help_heading = "Filters")]
    country: Option<String>,
    /// breakdown: only sign-ins from this IP address.
    #[arg(long, help_heading = "Filters")]
    ip: Option<String>,
    /// breakdown: only sign-ins with this outcome (success, interrupted, failure).
    #[arg(long, help_heading = "Filters")]
    outcome: Option<String>,
    /// breakdown: only sign-ins with this error code.
    #[arg(long, allow_negative_numbers = true, help_heading = "Filters")]
    error_code: Option<i32>,
    /// cross-tenant, mfa-gaps: our tenant's id (default: the tenant every sign-in names as its
    /// home or resource tenant).
    #[arg(long, help_heading = "Filters")]
    tenant: Option<String>,
    /// auth-registration: which users (Graph includedUserTypes; default all).
    #[arg(long, value_enum, help_heading = "Report options")]
    user_types: Option<UserTypesArg>,
    /// auth-registration: which users (Graph includedUserRoles; `user` = not an admin; default
    /// all).
    #[arg(long, value_enum, help_heading = "Report options")]
    user_roles: Option<UserRolesArg>,
    /// auth-registration, registration-events: only users whose name or UPN contains this;
    /// breakdown and the workbook reports: only this user's sign-ins (a UPN, user id, display
    /// name or part of one; several users matching is an error that lists them).
    #[arg(long, help_heading = "Filters")]
    user: Option<String>,
    /// registration-events: only this feature.
    #[arg(long, value_enum, help_heading = "Report options")]
    feature: Option<EventFeature>,
    /// registration-events: only this method (a usageAuthMethod id, e.g. mobilePhone).
    #[arg(long, help_heading = "Report options")]
    method: Option<String>,
    /// registration-events: only successes or only failures.
    #[arg(long, value_enum, help_heading = "Report options")]
    status: Option<EventStatus>,
    /// Read the store even if it fails the quick verification.
    #[arg(long)]
    no_verify: bool,
}

impl Args {
    /// The filters given, as a person typed them, for saying why nothing matched; personal
    /// values (a user, an address) are not repeated when `hide_personal` (`--pseudonymize`).
    fn filters_given(&self, hide_personal: bool) -> Vec<String> {
        let mut f = Vec::new();
        let mut add = |flag: &str, v: Option<String>| {
            if let Some(v) = v {
                let personal = matches!(flag, "--user" | "--ip");
                f.push(if personal && hide_personal { format!("{flag} (hidden)") } else { format!("{flag} {v:?}") });
            }
        };
        add("--app", self.app.clone());
        add("--user", self.user.clone());
        add("--client-app", self.client_app.clone());
        add("--country", self.country.clone());
        add("--ip", self.ip.clone());
        add("--outcome", self.outcome.clone());
        add("--error-code", self.error_code.map(|c| c.to_string()));
        add("--event-types", self.event_types.as_ref().map(|t| t.join(",")));
        f
    }

    /// The report options given on this command line, in the catalog's terms.
    fn given(&self) -> Vec<Opt> {
        let flags = [
            (Opt::ExpiringWithin, self.expiring_within.is_some()),
            (Opt::Expired, self.expired),
            (Opt::Unused, self.unused),
            (Opt::By, self.by.is_some()),
            (Opt::UserTypes, self.user_types.is_some()),
            (Opt::UserRoles, self.user_roles.is_some()),
            (Opt::User, self.user.is_some()),
            (Opt::Feature, self.feature.is_some()),
            (Opt::Method, self.method.is_some()),
            (Opt::Status, self.status.is_some()),
            (Opt::Rules, self.rules),
            (Opt::Top, self.top.is_some()),
            (Opt::EventTypes, self.event_types.is_some()),
            (Opt::App, self.app.is_some()),
            (Opt::Sort, self.sort.is_some()),
            (Opt::AllEnabled, self.all_enabled),
            (Opt::ClientApp, self.client_app.is_some()),
            (Opt::Country, self.country.is_some()),
            (Opt::Ip, self.ip.is_some()),
            (Opt::Outcome, self.outcome.is_some()),
            (Opt::ErrorCode, self.error_code.is_some()),
            (Opt::Tenant, self.tenant.is_some()),
            (Opt::Subject, self.subject.is_some()),
        ];
        flags.into_iter().filter(|(_, given)| *given).map(|(o, _)| o).collect()
    }

    /// The report options, mapped from the command line to the library's types; `report` says
    /// how `--by` reads.
    fn options(&self, report: &Report, apps: Option<Vec<String>>) -> Result<Options> {
        use auth_registration::{By, Population, UserRoles, UserTypes};
        let by = self.by.as_deref().map(str::trim);
        let mut dims = None;
        let mut legacy_by_user = false;
        let mut registration_by = By::Feature;
        if let Some(by) = by {
            if report.options.contains(&Opt::ByDims) {
                dims = Some(breakdown::Dim::parse_list_with(by, &[breakdown::Dim::Method])?);
            } else if report.options.contains(&Opt::ByUser) {
                legacy_by_user = match by.to_ascii_lowercase().as_str() {
                    "user" => true,
                    "app" => false,
                    _ => return Err(Error::Usage(format!("--by for {}: `app` or `user`, not {by:?}", report.name))),
                };
            } else if report.options.contains(&Opt::By) {
                registration_by = match by.to_ascii_lowercase().as_str() {
                    "feature" => By::Feature,
                    "method" => By::Method,
                    _ => {
                        return Err(Error::Usage(format!(
                            "--by for {}: `feature` or `method`, not {by:?}",
                            report.name
                        )));
                    }
                };
            }
        }
        let outcome = match self.outcome.as_deref() {
            None => None,
            Some(o) => Some(
                Outcome::parse(o)
                    .ok_or_else(|| Error::Usage(format!("--outcome: success, interrupted or failure, not {o:?}")))?,
            ),
        };
        Ok(Options {
            sort: match self.sort {
                Some(SortArg::Failed) => Sort::Failed,
                _ => Sort::Total,
            },
            credentials: credentials::Filter {
                expiring_within_us: self.expiring_within,
                expired: self.expired,
                unused: self.unused,
            },
            rules: self.rules,
            by: registration_by,
            population: Population {
                types: match self.user_types {
                    None | Some(UserTypesArg::All) => UserTypes::All,
                    Some(UserTypesArg::Member) => UserTypes::Member,
                    Some(UserTypesArg::Guest) => UserTypes::Guest,
                },
                roles: match self.user_roles {
                    None | Some(UserRolesArg::All) => UserRoles::All,
                    Some(UserRolesArg::PrivilegedAdmin) => UserRoles::PrivilegedAdmin,
                    Some(UserRolesArg::Admin) => UserRoles::Admin,
                    Some(UserRolesArg::User) => UserRoles::User,
                },
                search: self.user.clone(),
            },
            events: auth_events::EventFilter {
                user: self.user.clone(),
                feature: self.feature.map(|f| format!("{f:?}").to_lowercase()),
                method: self.method.clone(),
                success: self.status.map(|s| s == EventStatus::Success),
            },
            app: apps.clone(),
            dims,
            filter: breakdown::Filter {
                app: apps,
                user: self.user.clone(),
                client_app: self.client_app.clone(),
                country: self.country.clone(),
                ip: self.ip.clone(),
                outcome,
                error_code: self.error_code,
                ..breakdown::Filter::default()
            },
            legacy_by_user,
            all_enabled: self.all_enabled,
            tenant: self.tenant.clone(),
            subject: self.subject.clone(),
        })
    }
}

/// `--user` of a report that filters by user: a UPN or user id as given, or the UPN of the one
/// user a display name or a part names (said on stderr); several users are a usage error.
fn user_filter(store: &Store, manifest: &Manifest, window: &Window, given: &str, config: &Config) -> Result<String> {
    let none = Options::default();
    let q = Query {
        store,
        manifest,
        request: Request::new(window.clone()),
        options: &none,
        as_of_given: false,
        pseudonymized: config.pseudonymizer.is_some(),
    };
    let (value, resolved) = crate::report::investigate::user::filter_value(&q, given)?;
    if let Some(who) = resolved
        && !config.quiet
        && config.pseudonymizer.is_none()
    {
        note!("signin-insights: --user {given:?}: counting the sign-ins of {who}");
    }
    Ok(value)
}

/// Opens the manifest and refuses a store whose files do not match it.
pub fn checked_manifest(store: &Store, no_verify: bool) -> Result<Manifest> {
    if !store.manifest_path().exists() {
        return Err(Error::Usage(format!(
            "{}: no store here; run `signin-insights ingest` first",
            store.root().display()
        )));
    }
    let mut manifest = store.manifest()?;
    let mut problems = store.quick_check(&manifest);
    // An ingest that committed between reading the manifest and checking its files removes
    // files the older manifest lists: check the newer one (a few times, then say what is wrong).
    for _ in 0..3 {
        if problems.is_empty() || no_verify {
            break;
        }
        let newer = store.manifest()?;
        if newer.generation == manifest.generation {
            break;
        }
        manifest = newer;
        problems = store.quick_check(&manifest);
    }
    if !problems.is_empty() && !no_verify {
        for p in &problems {
            note!("signin-insights: {p}");
        }
        return Err(Error::Unverified { path: store.root().to_path_buf(), problems: problems.len() });
    }
    Ok(manifest)
}

fn parse_duration_arg(s: &str) -> std::result::Result<i64, String> {
    credentials::parse_duration(s).ok_or_else(|| format!("expected a duration like 30d, 12h or 2w, got {s:?}"))
}

pub fn parse_event_types(names: &[String]) -> Result<Vec<EventType>> {
    names.iter().map(|n| EventType::parse(n).ok_or_else(|| Error::Usage(format!("unknown event type {n:?}")))).collect()
}

pub fn run(args: &Args, config: &Config) -> Result<u8> {
    let report = args.report.0;
    let store = args.store.open();
    let manifest = checked_manifest(&store, args.no_verify)?;
    // As-of is the latest event of the table the report reads.
    let latest = latest_event_in(&manifest, report.table);
    let window = args.window.resolve(span_in(&manifest, report.table), Some(30), config.zone)?;
    args.window.warn_future(&window, latest, config);
    let event_types = args.event_types.as_deref().map(parse_event_types).transpose()?;
    let format = config.format(args.format)?;
    if args.top == Some(0) {
        return Err(Error::Usage("--top 0 keeps nothing: give 1 or more".into()));
    }
    if let Some(refusal) = catalog::refuse_options(report, &args.given()) {
        return Err(refusal);
    }
    let apps = args.app.as_deref().map(|given| super::resolve_app_arg(&store, &manifest, given, config)).transpose()?;
    let mut options = args.options(report, apps)?;
    if let Some(given) = &args.user
        && report.options.contains(&Opt::UserFilter)
    {
        options.filter.user = Some(user_filter(&store, &manifest, &window, given, config)?);
    }
    let span = span_in(&manifest, report.table);
    let answer = store.retrying(manifest, |manifest| {
        let window = args.window.resolve(span_in(manifest, report.table), Some(30), config.zone)?;
        let query = Query {
            store: &store,
            manifest,
            request: Request { window, event_types: event_types.clone(), top: args.top },
            options: &options,
            as_of_given: args.window.as_of.is_some(),
            pseudonymized: config.pseudonymizer.is_some(),
        };
        catalog::answer(report, &query)
    })?;
    if format != Format::Table && !config.quiet {
        note!("signin-insights: {}", answer.caption_text);
    }
    if let Some((opened, selected)) = answer.scanned
        && std::env::var_os("SIGNIN_INSIGHTS_SCAN_STATS").is_some()
    {
        note!("signin-insights: opened {opened} of {selected} row groups");
    }
    if !config.quiet {
        for n in &answer.notes {
            note!("signin-insights: warning: {n}");
        }
    }
    if !config.quiet && answer.rows.is_empty() && answer.sections.is_empty() && answer.object.is_none() {
        let counted =
            catalog::counted(report.table, &event_types.clone().unwrap_or_else(|| report.event_types.to_vec()));
        if let Some(why) =
            super::why_empty(span, report.table, &counted, &window, &args.filters_given(config.pseudonymizer.is_some()))
        {
            note!("signin-insights: {why}");
        }
    }
    let context = answer.context();
    let rendered = Rendered {
        rows: answer.rows.as_ref(),
        context: &context,
        caption: &answer.caption_text,
        object: answer.object.as_ref(),
        annotations: &answer.annotations,
        sections: &answer.sections,
    };
    with_stdout(|out| render(&rendered, &config.render_options(format), out))?;
    Ok(0)
}
