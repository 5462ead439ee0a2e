//! `signin-insights xlsx --out FILE.xlsx`: the hand-over workbook (a summary sheet, then a
//! sheet per report with rows).

use std::path::PathBuf;

use super::html_cmd::{warn_future, windows};
use super::note;
use super::report_cmd::checked_manifest;
use super::{Config, StoreArg, WindowArgs, out_file};
use crate::error::Result;
use crate::render::xlsx_book::{BookInputs, book};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    store: StoreArg,
    #[command(flatten)]
    window: WindowArgs,
    /// The workbook to write (.xlsx).
    #[arg(long)]
    out: PathBuf,
    /// Read the store even if it fails the quick verification.
    #[arg(long)]
    no_verify: bool,
}

pub fn run(args: &Args, config: &Config) -> Result<u8> {
    let store = args.store.open();
    let out = out_file::check(&args.out, &store)?;
    let manifest = checked_manifest(&store, args.no_verify)?;
    warn_future(&args.window, &manifest, config)?;
    let store_arg = args.store.store.to_string_lossy().to_string();
    let bytes = store.retrying(manifest, |manifest| {
        book(&BookInputs {
            store: &store,
            manifest,
            windows: &windows(&args.window, manifest, config)?,
            store_arg: &store_arg,
            pseudonymizer: config.pseudonymizer.as_ref(),
            as_of_given: args.window.as_of.is_some(),
        })
    })?;
    out.write(&bytes)?;
    if !config.quiet {
        note!("xlsx: {} ({:.1} MB)", args.out.display(), bytes.len() as f64 / 1e6);
    }
    Ok(0)
}
