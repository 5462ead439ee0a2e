//! `signin-insights signins`: the sign-ins behind a figure. JSON and JSON lines give the
//! original records; table and CSV the key columns.

use super::note;
use super::report_cmd::{checked_manifest, parse_event_types};
use super::{Config, FormatArg, StoreArg, WindowArgs, with_stdout};
use crate::domain::EventType;
use crate::domain::time::parse_day;
use crate::error::{Error, Result};
use crate::render::pseudo::{self, Pseudonymizer};
use crate::render::{Format, Rendered, render};
use crate::report::signins::{self, Filter, compact_json};
use crate::report::{context, latest_event, span_in};
use crate::store::SIGNINS;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    store: StoreArg,
    /// An appId, an app's display name, or part of it (several matches are all listed).
    #[arg(long)]
    app: Option<String>,
    /// A day, YYYY-MM-DD: a UTC day, or a day of the --tz zone.
    #[arg(long)]
    day: Option<String>,
    /// Only sign-ins with this error code (0 for successes).
    #[arg(long, conflicts_with = "failed")]
    error_code: Option<i32>,
    /// Only failed sign-ins (errorCode != 0).
    #[arg(long)]
    failed: bool,
    /// A UPN, user id or display name, or part of a UPN or name, ignoring case (whole matches
    /// beat parts; several users are listed on stderr).
    #[arg(long)]
    user: Option<String>,
    /// Only sign-ins from this IP address.
    #[arg(long)]
    ip: Option<String>,
    /// Only sign-ins from this country or region (two-letter code, e.g. DE).
    #[arg(long)]
    country: Option<String>,
    /// Only sign-ins from this client app (e.g. Browser, IMAP4; `Unknown` for an empty one).
    #[arg(long)]
    client_app: Option<String>,
    /// Only sign-ins with this outcome: success, interrupted (the user was asked to act) or failure.
    #[arg(long)]
    outcome: Option<String>,
    /// Only sign-ins with this Conditional Access status (success, failure, notApplied).
    #[arg(long)]
    ca_status: Option<String>,
    /// Event types, comma-separated (default: all).
    #[arg(long, value_delimiter = ',')]
    event_type: Option<Vec<String>>,
    #[command(flatten)]
    window: WindowArgs,
    /// How to print them: JSON and JSON lines give the original records; table and CSV the key
    /// columns (default: a table on a terminal, JSON otherwise).
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// At most this many sign-ins (newest first).
    #[arg(long)]
    limit: Option<usize>,
    /// Read the store even if it fails the quick verification.
    #[arg(long)]
    no_verify: bool,
}

pub fn run(args: &Args, config: &Config) -> Result<u8> {
    let store = args.store.open();
    let manifest = checked_manifest(&store, args.no_verify)?;
    let latest = latest_event(&manifest);
    let window = args.window.resolve(span_in(&manifest, SIGNINS), None, config.zone)?;
    args.window.warn_future(&window, latest, config);
    let event_types = match &args.event_type {
        Some(names) => parse_event_types(names)?,
        None => EventType::ALL.to_vec(),
    };
    let day = match &args.day {
        Some(d) => Some(parse_day(d).ok_or_else(|| Error::Usage(format!("--day: expected YYYY-MM-DD, got {d:?}")))?),
        None => None,
    };
    let apps = args.app.as_deref().map(|given| super::resolve_app_arg(&store, &manifest, given, config)).transpose()?;
    let filter = Filter {
        app: apps,
        day,
        error_code: args.error_code,
        failed: args.failed,
        user: args.user.clone(),
        ip: args.ip.clone(),
        country: args.country.clone(),
        client_app: args.client_app.clone(),
        outcome: match args.outcome.as_deref() {
            None => None,
            Some(o) => Some(
                crate::domain::Outcome::parse(o)
                    .ok_or_else(|| Error::Usage(format!("--outcome: success, interrupted or failure, not {o:?}")))?,
            ),
        },
        ca_status: args.ca_status.clone(),
        limit: args.limit,
    };
    let format = config.format(args.format)?;
    let with_raw = matches!(format, Format::Json | Format::Jsonl);
    let span = span_in(&manifest, SIGNINS);
    let (rows, records) = store.retrying(manifest, |manifest| {
        let rows = signins::compute(&store, manifest, &event_types, &window, &filter)?;
        let records =
            if with_raw { Some(signins::records(&store, manifest, &event_types, &window, &rows)?) } else { None };
        Ok((rows, records))
    })?;
    if !config.quiet {
        note!("signin-insights: {} sign-ins ({})", rows.len(), window.words("sign-in"));
        if let Some(given) = &args.user
            && config.pseudonymizer.is_none()
        {
            let users: std::collections::BTreeSet<&str> =
                rows.iter().filter_map(|r| r.user_principal_name.as_deref()).collect();
            if users.len() > 1 {
                let shown: Vec<&str> = users.iter().take(10).copied().collect();
                let more = if users.len() > 10 { format!(" and {} more", users.len() - 10) } else { String::new() };
                note!(
                    "signin-insights: --user {given:?}: sign-ins of {} users: {}{more}",
                    users.len(),
                    shown.join(", ")
                );
            }
        }
        if rows.is_empty() {
            let filters: Vec<String> = [
                ("--app", args.app.clone()),
                ("--user", args.user.clone()),
                ("--day", args.day.clone()),
                ("--error-code", args.error_code.map(|c| c.to_string())),
                ("--failed", args.failed.then(String::new)),
                ("--ip", args.ip.clone()),
                ("--country", args.country.clone()),
                ("--client-app", args.client_app.clone()),
                ("--outcome", args.outcome.clone()),
                ("--ca-status", args.ca_status.clone()),
                ("--event-type", args.event_type.as_ref().map(|t| t.join(","))),
            ]
            .into_iter()
            .filter_map(|(flag, v)| {
                // A user or an address is not repeated under --pseudonymize.
                let hidden = config.pseudonymizer.is_some() && matches!(flag, "--user" | "--ip");
                v.map(|v| match (v.is_empty(), hidden) {
                    (true, _) => flag.to_string(),
                    (false, true) => format!("{flag} (hidden)"),
                    (false, false) => format!("{flag} {v:?}"),
                })
            })
            .collect();
            let counted = crate::report::catalog::counted(SIGNINS, &event_types);
            if let Some(why) = super::why_empty(span, SIGNINS, &counted, &window, &filters) {
                note!("signin-insights: {why}");
            }
        }
    }
    let p = config.pseudonymizer.as_ref();
    with_stdout(|out| match format {
        Format::Json => {
            write!(out, "{{\"@odata.context\":{},\"value\":[", serde_json::to_string(&context("signIn"))?)?;
            for (i, r) in rows.iter().enumerate() {
                out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
                out.write_all(record_json(r, records.as_ref(), p)?.as_bytes())?;
            }
            out.write_all(b"\n]}\n")
        }
        Format::Jsonl => {
            for r in &rows {
                out.write_all(record_json(r, records.as_ref(), p)?.as_bytes())?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
        _ => {
            let caption = window.words("sign-in");
            // A person at a terminal gets the newest screenfuls; files and pipes get every row.
            let shown = match config.table_width() {
                Some(_) if format == Format::Table && args.limit.is_none() => rows.len().min(ON_A_TERMINAL),
                _ => rows.len(),
            };
            if shown < rows.len() {
                note!(
                    "signin-insights: showing the newest {shown} of {} sign-ins; all of them: --format csv > \
                     signins.csv (or --limit N, or a filter: --user, --app, --failed, --day)",
                    crate::render::table::group_thousands(rows.len() as i64)
                );
            }
            let rows = rows[..shown].to_vec();
            let rendered = Rendered {
                rows: &rows,
                context: &context("signIn"),
                caption: &caption,
                object: None,
                annotations: &Default::default(),
                sections: &[],
            };
            render(&rendered, &config.render_options(format), out)
        }
    })?;
    Ok(0)
}

/// The sign-ins a table on a terminal shows unless `--limit` says otherwise: a few screenfuls.
const ON_A_TERMINAL: usize = 100;

/// The original record on one line; the key columns when the store was ingested without it
/// (`ingest --no-raw`). Personal values replaced under `p`.
fn record_json(
    r: &signins::SignInRow,
    records: Option<&signins::Records>,
    p: Option<&Pseudonymizer>,
) -> std::io::Result<String> {
    let raw = match records {
        Some(records) => records.get(&r.id)?,
        None => None,
    };
    match (&raw, p) {
        (Some(raw), None) => Ok(compact_json(raw)),
        (Some(raw), Some(p)) => {
            let mut v: serde_json::Value = serde_json::from_str(raw)?;
            p.json(&mut v, false);
            Ok(v.to_string())
        }
        (None, _) => Ok(serde_json::to_string(&pseudo::json(p, serde_json::to_value(r)?, false))?),
    }
}
