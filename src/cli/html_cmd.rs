//! `signin-insights html --out FILE.html`: the self-contained hand-over page.

use std::path::PathBuf;

use super::note;
use super::report_cmd::checked_manifest;
use super::{Config, StoreArg, WindowArgs, out_file};
use crate::error::{Error, Result};
use crate::render::html::write_page;
use crate::render::overview::{self, Inputs, Limits, Windows};
use crate::report::{latest_event_in, span_in};
use crate::store::manifest::Manifest;
use crate::store::{ADFS_SIGNINS, AUDITS, SIGNINS};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    store: StoreArg,
    #[command(flatten)]
    window: WindowArgs,
    /// The HTML file to write.
    #[arg(long)]
    out: PathBuf,
    /// Applications that get a daily chart (those with most sign-ins).
    #[arg(long, default_value_t = 12)]
    chart_apps: usize,
    /// Sign-ins embedded under one bar of a daily chart.
    #[arg(long, default_value_t = 50)]
    per_bar: usize,
    /// Rows of one table.
    #[arg(long, default_value_t = 500)]
    table_rows: usize,
    /// Add a section about this user (a UPN, display name, user id or part of one; repeatable):
    /// their `report user` page.
    #[arg(long)]
    user: Vec<String>,
    /// Read the store even if it fails the quick verification.
    #[arg(long)]
    no_verify: bool,
}

/// The windows of the three event tables of a hand-over (each ends at its own latest event
/// unless `--as-of`; 30 days unless told).
pub(super) fn windows(window: &WindowArgs, m: &Manifest, config: &Config) -> Result<Windows> {
    let resolve = |table| window.resolve(span_in(m, table), Some(30), config.zone);
    Ok(Windows { signins: resolve(SIGNINS)?, adfs: resolve(ADFS_SIGNINS)?, audits: resolve(AUDITS)? })
}

/// Warns when the sign-in window ends at a latest event after this machine's clock.
pub(super) fn warn_future(window: &WindowArgs, m: &Manifest, config: &Config) -> Result<()> {
    let latest = [SIGNINS, ADFS_SIGNINS, AUDITS].iter().filter_map(|t| latest_event_in(m, t)).max();
    window.warn_future(&windows(window, m, config)?.signins, latest, config);
    Ok(())
}

pub fn run(args: &Args, config: &Config) -> Result<u8> {
    let store = args.store.open();
    let out = out_file::check(&args.out, &store)?;
    let manifest = checked_manifest(&store, args.no_verify)?;
    let windows = |m: &Manifest| windows(&args.window, m, config);
    warn_future(&args.window, &manifest, config)?;
    let limits = Limits {
        chart_apps: args.chart_apps,
        per_bar: args.per_bar,
        table_rows: args.table_rows.max(1),
        ..Limits::default()
    };
    let store_arg = args.store.store.to_string_lossy().to_string();
    let page = store.retrying(manifest, |manifest| {
        overview::page(&Inputs {
            store: &store,
            manifest,
            windows: &windows(manifest)?,
            limits: &limits,
            store_arg: &store_arg,
            pseudonymizer: config.pseudonymizer.as_ref(),
            users: &args.user,
        })
    })?;
    let mut bytes = Vec::new();
    write_page(&page, &mut bytes).map_err(|e| Error::io(&args.out, e))?;
    out.write(&bytes)?;
    if !config.quiet {
        let names: Vec<&str> = page.sections.iter().filter(|s| !s.is_empty()).map(|s| s.id).collect();
        let empty: Vec<&str> = page.sections.iter().filter(|s| s.is_empty()).map(|s| s.id).collect();
        note!(
            "html: {} ({:.1} MB): {}; {} drill-down cells{}",
            args.out.display(),
            bytes.len() as f64 / 1e6,
            names.join(", "),
            page.drill.cells.len(),
            if empty.is_empty() {
                String::new()
            } else {
                format!("; nothing to show (the page says why): {}", empty.join(", "))
            }
        );
    }
    Ok(0)
}
