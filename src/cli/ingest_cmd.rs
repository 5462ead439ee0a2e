//! `signin-insights ingest`: export files -> store, with a progress bar and a summary line.

use std::path::PathBuf;

use super::note;
use super::{Config, StoreArg};
use crate::domain::EventType;
use crate::error::{Error, Result};
use crate::ingest::{self, IngestOptions, Kind, QuarantineLimits};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    store: StoreArg,
    /// What the inputs hold: `auto` (detected per record), `signins`, `adfs`, `audits`,
    /// `credentials` (applications and service principals), `rp-trusts` (AD FS relying-party
    /// trusts), `registrations` (users' authentication method registrations), or a sign-in
    /// event type, which also sets the event type of records that carry
    /// none.
    #[arg(long, default_value = "auto")]
    kind: String,
    /// Keep only the typed columns, not the original record text (faster, smaller).
    #[arg(long)]
    no_raw: bool,
    /// Memory each worker may fill with rows and row groups in progress, in MiB: lower means
    /// less memory and smaller row groups.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(4..=4096))]
    memory_mib: u64,
    /// Largest inflated size of one gzip file, in MiB.
    #[arg(long, default_value_t = 64 * 1024)]
    max_inflated_mib: u64,
    /// Rejected records whose text the quarantine keeps, per input file (all are counted).
    #[arg(long, default_value_t = 10_000)]
    quarantine_per_file: u64,
    /// Rejected records whose text the quarantine keeps, per ingest (all are counted).
    #[arg(long, default_value_t = 100_000)]
    quarantine_records: u64,
    /// MiB of rejected text the quarantine keeps per ingest.
    #[arg(long, default_value_t = 256)]
    quarantine_mib: u64,
    /// Files or folders (walked recursively); `-` reads standard input.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

pub fn run(args: &Args, config: &Config) -> Result<u8> {
    let (kind, hint) = match args.kind.to_ascii_lowercase().as_str() {
        "auto" => (Kind::Auto, None),
        "signins" => (Kind::SignIns, None),
        "credentials" => (Kind::Credentials, None),
        "adfs" => (Kind::Adfs, None),
        "audits" => (Kind::Audits, None),
        "rp-trusts" | "rp_trusts" => (Kind::RpTrusts, None),
        "registrations" => (Kind::Registrations, None),
        k => match EventType::parse(k) {
            Some(t) => (Kind::SignIns, Some(t)),
            None => {
                return Err(Error::Usage(format!(
                    "--kind {k}: this version ingests auto, signins, adfs, audits, credentials, rp-trusts, registrations, or a sign-in event type (interactiveUser, nonInteractiveUser, servicePrincipal, managedIdentity)"
                )));
            }
        },
    };
    let inputs = ingest::expand(&args.paths, Some(&args.store.store))?;
    for i in &inputs {
        if let ingest::Input::Skipped { path, reason, problem: false } = i
            && !config.quiet
        {
            note!("signin-insights: skipped {}: {reason}", path.display());
        }
    }
    if inputs.is_empty() && !config.quiet {
        note!("signin-insights: no files found under the given paths; nothing to ingest");
    }
    let quarantine = QuarantineLimits {
        per_file: args.quarantine_per_file,
        per_ingest: args.quarantine_records,
        bytes: args.quarantine_mib.saturating_mul(1 << 20),
    };
    let mut opts =
        IngestOptions { hint, kind, max_inflated: args.max_inflated_mib << 20, quarantine, ..IngestOptions::default() };
    opts.write.keep_raw = !args.no_raw;
    opts.write.memory_budget = (args.memory_mib << 20) as usize;
    if let Some(n) = config.threads {
        opts.threads = n.max(1);
    }
    let summary = ingest::ingest(&args.store.open(), &inputs, &opts, &config.progress())?;
    for d in &summary.diagnostics {
        note!("signin-insights: {d}");
    }
    let problems = summary.quarantined + summary.file_problems;
    if problems > summary.diagnostics.len() as u64 {
        note!("signin-insights: ... {} more", problems - summary.diagnostics.len() as u64);
    }
    if let Some(q) = &summary.quarantine_file {
        note!("signin-insights: rejected records and file problems are in {}", q.display());
    }
    if summary.not_kept > 0 {
        note!(
            "signin-insights: {} more rejected records were counted but not kept in the quarantine (its limits: \
             --quarantine-per-file {}, --quarantine-records {}, --quarantine-mib {})",
            summary.not_kept,
            args.quarantine_per_file,
            args.quarantine_records,
            args.quarantine_mib
        );
    }
    if let Some(most) = summary.crowded.first() {
        note!(
            "signin-insights: {} this ingest added to {} {} files or more (the most: {} files in {}); \
             `signin-insights store compact` rewrites each as one file, which reports read faster",
            if summary.crowded.len() == 1 {
                "1 partition".to_string()
            } else {
                format!("{} partitions", summary.crowded.len())
            },
            if summary.crowded.len() == 1 { "has" } else { "have" },
            ingest::CROWDED,
            most.files,
            most.partition
        );
    }
    if !config.quiet {
        for inv in &summary.inventory {
            note!("{inv}");
        }
        note!("{}", summary.line());
    }
    Ok(if summary.incomplete() { 3 } else { 0 })
}
