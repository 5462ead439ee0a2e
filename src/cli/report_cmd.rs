//! `signin-insights report REPORT`: one Usage & insights report from the store.

use super::{Config, StoreArg, WindowArgs, with_stdout};
use crate::error::{Error, Result};
use crate::normalize::EventType;
use crate::render::{Format, Rendered, Tabular, render, render_object};
use crate::report::{
    self, Request, adfs, app_daily, app_errors, app_last_signin, apps, auth_events, auth_registration, auth_usage,
    context, credentials, service_principals,
};
use crate::store::manifest::Manifest;
use crate::store::{ADFS_SIGNINS, AUDITS, RP_TRUSTS, SIGNINS, Store};

/// The reports of this version, with their Graph names as aliases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportName {
    /// Application activity (getAzureADApplicationSignInSummary).
    #[value(alias = "getAzureADApplicationSignInSummary")]
    Apps,
    /// Daily detail per app and error code (applicationSignInDetailedSummary).
    #[value(alias = "applicationSignInDetailedSummary")]
    AppDaily,
    /// Top sign-in errors per application.
    AppErrors,
    /// Last sign-in per application (signInActivity).
    AppLastSignin,
    /// Service principal sign-in activity, as client and resource (servicePrincipalSignInActivities).
    #[value(alias = "servicePrincipalSignInActivities")]
    ServicePrincipals,
    /// Application credential activity, joined with the credential inventory
    /// (appCredentialSignInActivities).
    #[value(alias = "appCredentialSignInActivities")]
    Credentials,
    /// AD FS application activity per relying party (getRelyingPartyDetailedSummary).
    #[value(alias = "getRelyingPartyDetailedSummary")]
    Adfs,
    /// Successful interactive sign-ins per authentication method used
    /// (userSignInsByAuthMethodSummary).
    #[value(alias = "userSignInsByAuthMethodSummary")]
    AuthUsage,
    /// Successful interactive sign-ins per day, single- versus multi-factor (userMfaSignInSummary).
    #[value(alias = "userMfaSignInSummary")]
    MfaSummary,
    /// Users registered per feature or method (usersRegisteredByFeature,
    /// usersRegisteredByMethod), or one user's registration (--user).
    #[value(alias = "userRegistrationDetails")]
    AuthRegistration,
    /// Security-info registration and password reset events per user (userEventsSummary).
    #[value(alias = "userEventsSummary")]
    RegistrationEvents,
    /// Registration and reset successes and failures per method (userRegistrationActivity).
    #[value(alias = "userRegistrationActivity")]
    RegistrationActivity,
    /// Password resets and changes per day (userPasswordResetsAndChangesSummary).
    #[value(alias = "userPasswordResetsAndChangesSummary")]
    PasswordResets,
}

/// `report registration-events --status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EventStatus {
    Success,
    Failure,
}

/// `report registration-events --feature`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EventFeature {
    Registration,
    Reset,
}

/// What `report auth-registration` counts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RegistrationBy {
    Feature,
    Method,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    report: ReportName,
    #[command(flatten)]
    store: StoreArg,
    #[command(flatten)]
    window: WindowArgs,
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Rows to keep (apps), or error codes per app (app-errors, default 5).
    #[arg(long)]
    top: Option<usize>,
    /// Event types to read instead of the report's default, comma-separated
    /// (e.g. interactiveUser,nonInteractiveUser).
    #[arg(long, value_delimiter = ',')]
    event_types: Option<Vec<String>>,
    /// Only this appId.
    #[arg(long)]
    app: Option<String>,
    /// apps: order by total sign-ins (top apps) or by failed sign-ins (most failed).
    #[arg(long, value_enum, default_value = "total")]
    sort: apps::Sort,
    /// credentials: only those expiring within this long after as-of (e.g. 30d, 12h, 2w).
    #[arg(long, value_parser = parse_duration_arg)]
    expiring_within: Option<i64>,
    /// credentials: only those expired at as-of.
    #[arg(long)]
    expired: bool,
    /// credentials: only inventory credentials with no sign-in in the window.
    #[arg(long)]
    unused: bool,
    /// adfs: list every claim rule of the relying-party trusts with its classification.
    #[arg(long)]
    rules: bool,
    /// auth-registration: count users per feature (usersRegisteredByFeature) or per method
    /// (usersRegisteredByMethod).
    #[arg(long, value_enum, default_value = "feature")]
    by: RegistrationBy,
    /// auth-registration: which users (Graph includedUserTypes).
    #[arg(long, value_enum, default_value = "all")]
    user_types: auth_registration::UserTypes,
    /// auth-registration: which users (Graph includedUserRoles; `user` = not an admin).
    #[arg(long, value_enum, default_value = "all")]
    user_roles: auth_registration::UserRoles,
    /// auth-registration, registration-events: only users whose name or UPN contains this.
    #[arg(long)]
    user: Option<String>,
    /// registration-events: only this feature.
    #[arg(long, value_enum)]
    feature: Option<EventFeature>,
    /// registration-events: only this method (a usageAuthMethod id, e.g. mobilePhone).
    #[arg(long)]
    method: Option<String>,
    /// registration-events: only successes or only failures.
    #[arg(long, value_enum)]
    status: Option<EventStatus>,
    /// Read the store even if it fails the quick verification.
    #[arg(long)]
    no_verify: bool,
}

/// Opens the manifest and refuses a store whose files do not match it.
pub fn checked_manifest(store: &Store, no_verify: bool) -> Result<Manifest> {
    if !store.manifest_path().exists() {
        return Err(Error::Usage(format!(
            "{}: no store here; run `signin-insights ingest` first",
            store.root().display()
        )));
    }
    let manifest = store.manifest()?;
    let problems = store.quick_check(&manifest);
    if !problems.is_empty() && !no_verify {
        for p in &problems {
            eprintln!("signin-insights: {p}");
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
    let store = args.store.open();
    let manifest = checked_manifest(&store, args.no_verify)?;
    // As-of is the latest event of the table the report reads.
    let table = match args.report {
        ReportName::Adfs => ADFS_SIGNINS,
        ReportName::RegistrationEvents | ReportName::RegistrationActivity | ReportName::PasswordResets => AUDITS,
        _ => SIGNINS,
    };
    let latest = report::latest_event_in(&manifest, table);
    let window = args.window.resolve(latest, Some(30))?;
    args.window.warn_future(&window, latest, config);
    let req = Request {
        window,
        event_types: args.event_types.as_deref().map(parse_event_types).transpose()?,
        top: args.top,
        app: args.app.clone(),
    };
    let format = config.format(args.format)?;
    if args.report != ReportName::Credentials && (args.expiring_within.is_some() || args.expired || args.unused) {
        return Err(Error::Usage("--expiring-within, --expired and --unused apply to `report credentials`".into()));
    }
    if args.report == ReportName::Credentials
        && report::latest_event(&manifest).is_none()
        && args.window.as_of.is_none()
    {
        return Err(Error::Usage(
            "the store holds no sign-ins to take as-of from; give --as-of to measure expiry against".into(),
        ));
    }
    let mut caption = match latest {
        None if args.window.as_of.is_none() => {
            let what = match table {
                ADFS_SIGNINS => "AD FS sign-ins",
                AUDITS => "audit records",
                _ => "sign-ins",
            };
            format!("{} (the store holds no {what})", label(args.report))
        }
        _ => format!("{} ({})", label(args.report), req.window.describe()),
    };
    if args.report == ReportName::Adfs && manifest.files(RP_TRUSTS).is_empty() {
        caption.push_str("; no relying-party trust configuration supplied, so migration status is needsReview");
    }
    let registration_flags = args.by != RegistrationBy::Feature
        || args.user_types != auth_registration::UserTypes::All
        || args.user_roles != auth_registration::UserRoles::All;
    if registration_flags && args.report != ReportName::AuthRegistration {
        return Err(Error::Usage("--by, --user-types and --user-roles apply to `report auth-registration`".into()));
    }
    if args.user.is_some() && !matches!(args.report, ReportName::AuthRegistration | ReportName::RegistrationEvents) {
        return Err(Error::Usage(
            "--user applies to `report auth-registration` and `report registration-events`".into(),
        ));
    }
    let event_flags = args.feature.is_some() || args.method.is_some() || args.status.is_some();
    if event_flags && args.report != ReportName::RegistrationEvents {
        return Err(Error::Usage("--feature, --method and --status apply to `report registration-events`".into()));
    }
    if args.report == ReportName::AuthRegistration {
        return registration(args, &store, &manifest, format, config);
    }
    if args.rules && args.report != ReportName::Adfs {
        return Err(Error::Usage("--rules applies to `report adfs`".into()));
    }
    if format != Format::Table && !config.quiet {
        eprintln!("signin-insights: {caption}");
    }
    match args.report {
        ReportName::Apps => {
            emit(&apps::compute(&store, &manifest, &req, args.sort)?, apps::TYPE_NAME, &caption, format)
        }
        ReportName::AppDaily => {
            emit(&app_daily::compute(&store, &manifest, &req)?, app_daily::TYPE_NAME, &caption, format)
        }
        ReportName::AppErrors => {
            emit(&app_errors::compute(&store, &manifest, &req)?, app_errors::TYPE_NAME, &caption, format)
        }
        ReportName::AppLastSignin => {
            emit(&app_last_signin::compute(&store, &manifest, &req)?, app_last_signin::TYPE_NAME, &caption, format)
        }
        ReportName::ServicePrincipals => emit(
            &service_principals::compute(&store, &manifest, &req)?,
            service_principals::TYPE_NAME,
            &caption,
            format,
        ),
        ReportName::Credentials => {
            let filter = credentials::Filter {
                expiring_within_us: args.expiring_within,
                expired: args.expired,
                unused: args.unused,
            };
            emit(&credentials::compute(&store, &manifest, &req, &filter)?, credentials::TYPE_NAME, &caption, format)
        }
        ReportName::Adfs if args.rules => match adfs::rules(&store, &manifest)? {
            Some(rows) => emit(&rows, "adfsClaimRule", "AD FS claim rules of the relying-party trusts", format),
            None => Err(Error::Usage(
                "no relying-party trust export in the store; ingest `Get-AdfsRelyingPartyTrust | ConvertTo-Json` first"
                    .into(),
            )),
        },
        ReportName::Adfs => emit(&adfs::compute(&store, &manifest, &req)?, adfs::TYPE_NAME, &caption, format),
        ReportName::AuthUsage => {
            let (rows, notes) = auth_usage::usage(&store, &manifest, &req)?;
            warn(&notes, config);
            emit(&rows, auth_usage::USAGE_TYPE_NAME, &caption, format)
        }
        ReportName::MfaSummary => {
            let (rows, notes) = auth_usage::mfa(&store, &manifest, &req)?;
            warn(&notes, config);
            emit(&rows, auth_usage::MFA_TYPE_NAME, &caption, format)
        }
        ReportName::AuthRegistration => unreachable!("answered above"),
        ReportName::RegistrationEvents => {
            let events = auth_events::load(&store, &manifest, &req.window)?;
            let filter = auth_events::EventFilter {
                user: args.user.clone(),
                feature: args.feature.map(|f| format!("{f:?}").to_lowercase()),
                method: args.method.clone(),
                success: args.status.map(|s| s == EventStatus::Success),
            };
            let (rows, notes) = auth_events::user_events(&events, &filter);
            warn(&notes, config);
            emit(&rows, auth_events::EVENTS_TYPE_NAME, &caption, format)
        }
        ReportName::RegistrationActivity => {
            let events = auth_events::load(&store, &manifest, &req.window)?;
            let (rows, notes) = auth_events::registration_activity(&events);
            warn(&notes, config);
            emit(&rows, auth_events::ACTIVITY_TYPE_NAME, &caption, format)
        }
        ReportName::PasswordResets => {
            let events = auth_events::load(&store, &manifest, &req.window)?;
            emit(&auth_events::password_resets(&events, &req.window), auth_events::RESETS_TYPE_NAME, &caption, format)
        }
    }?;
    Ok(0)
}

/// `report auth-registration`: no window (the registrations are a snapshot).
fn registration(args: &Args, store: &Store, manifest: &Manifest, format: Format, config: &Config) -> Result<u8> {
    use auth_registration::{DETAILS_TYPE_NAME, FEATURE_TYPE_NAME, METHOD_TYPE_NAME, Population};
    let who = Population { types: args.user_types, roles: args.user_roles, search: args.user.clone() };
    let users = auth_registration::users(store, manifest, &who)?;
    let as_of = users.iter().filter_map(|u| u.last_updated_date_time).max();
    let as_of =
        as_of.map_or("no lastUpdatedDateTime".into(), |t| format!("as of {}", crate::time::format_timestamp(t.0)));
    let scope = format!("userTypes {}, userRoles {}", args.user_types.as_str(), args.user_roles.as_str());
    let caption = |what: &str| format!("{what} ({scope}; {} users, {as_of})", users.len());
    let say = |caption: &str| {
        if format != Format::Table && !config.quiet {
            eprintln!("signin-insights: {caption}");
        }
    };
    if let Some(q) = &args.user {
        // A name searched for is itself personal: not repeated in pseudonymised output.
        let shown = if crate::render::pseudo::active().is_some() { "(search hidden)".into() } else { format!("{q:?}") };
        let caption = caption(&format!("Registration details of users matching {shown}"));
        say(&caption);
        emit(&users, DETAILS_TYPE_NAME, &caption, format)?;
        return Ok(0);
    }
    match args.by {
        RegistrationBy::Feature => {
            let (s, caption) = (auth_registration::by_feature(&users, &who), caption("Users registered by feature"));
            say(&caption);
            let ctx = report::object_context(FEATURE_TYPE_NAME);
            let r = Rendered { rows: &s.user_registration_feature_counts, context: &ctx, caption: &caption };
            with_stdout(|w| render_object(&s, &r, format, w))?;
        }
        RegistrationBy::Method => {
            let (s, caption) = (auth_registration::by_method(&users, &who), caption("Users registered by method"));
            say(&caption);
            let ctx = report::object_context(METHOD_TYPE_NAME);
            let r = Rendered { rows: &s.user_registration_method_counts, context: &ctx, caption: &caption };
            with_stdout(|w| render_object(&s, &r, format, w))?;
        }
    }
    Ok(0)
}

/// What a report says besides its rows, on stderr (not with `--quiet`).
fn warn(notes: &[String], config: &Config) {
    if !config.quiet {
        for n in notes {
            eprintln!("signin-insights: warning: {n}");
        }
    }
}

fn label(r: ReportName) -> &'static str {
    match r {
        ReportName::Apps => "Application activity",
        ReportName::AppDaily => "Application activity by day",
        ReportName::AppErrors => "Top sign-in errors per application",
        ReportName::AppLastSignin => "Last sign-in per application",
        ReportName::ServicePrincipals => "Service principal sign-in activity",
        ReportName::Credentials => "Application credential activity",
        ReportName::Adfs => "AD FS application activity",
        ReportName::AuthUsage => "Successful interactive sign-ins by authentication method",
        ReportName::MfaSummary => "Successful interactive sign-ins by authentication requirement",
        ReportName::AuthRegistration => "Authentication method registration",
        ReportName::RegistrationEvents => "Registration and reset events",
        ReportName::RegistrationActivity => "Registration and reset activity by method",
        ReportName::PasswordResets => "Password resets and changes by day",
    }
}

pub fn emit<T: Tabular>(rows: &[T], type_name: &str, caption: &str, format: Format) -> Result<()> {
    let ctx = context(type_name);
    with_stdout(|out| render(&Rendered { rows, context: &ctx, caption }, format, out))
}
