//! `signin-insights store info|verify|compact|merge`.

use super::note;
use super::{Config, StoreArg, with_stdout};
use crate::error::{Error, Result};
use crate::store::{CREDENTIALS, REGISTRATIONS, RP_TRUSTS};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand, Debug)]
enum Action {
    /// Tables, rows, time range and size.
    Info(StoreArg),
    /// Every file readable and every count equal to the manifest's.
    Verify(StoreArg),
    /// Rewrite each sign-in partition (event type, day) that has several files as one file,
    /// its rows sorted by time; atomic (a killed compaction leaves the store as it was).
    Compact(StoreArg),
    /// Add the rows of other stores to this one (created if needed), skipping the records it
    /// already holds, as an ingest does: several machines ingest their own exports, then one
    /// store holds them all. Atomic; the sources are only read.
    Merge(MergeArgs),
}

#[derive(clap::Args, Debug)]
struct MergeArgs {
    #[command(flatten)]
    target: StoreArg,
    /// The stores whose rows are added (each a folder with a manifest.json).
    #[arg(required = true, value_name = "SOURCE")]
    sources: Vec<std::path::PathBuf>,
}

pub fn run(args: &Args, config: &Config) -> Result<u8> {
    match &args.action {
        Action::Info(s) => {
            let store = s.open();
            if !store.manifest_path().exists() {
                return Err(Error::Usage(format!("{}: no store here", store.root().display())));
            }
            let m = store.manifest()?;
            with_stdout(|out| {
                writeln!(out, "store {} (generation {})", store.root().display(), m.generation)?;
                for (table, files) in &m.tables {
                    let rows: u64 = files.iter().map(|f| f.rows).sum();
                    let bytes: u64 = files.iter().map(|f| f.bytes).sum();
                    let min = files.iter().map(|f| f.min_time_us).min();
                    let max = files.iter().map(|f| f.max_time_us).max();
                    // Snapshots (inventory, trusts, registrations) have no event times.
                    let range = match (min, max) {
                        _ if [CREDENTIALS, RP_TRUSTS, REGISTRATIONS].contains(&table.as_str()) => String::new(),
                        (Some(a), Some(b)) => format!(", {} .. {}", config.zone.format(a), config.zone.format(b)),
                        _ => ", empty".into(),
                    };
                    writeln!(
                        out,
                        "{table}: {rows} rows in {} files, {:.1} MB{range}",
                        files.len(),
                        bytes as f64 / 1e6
                    )?;
                    // Per event type (sign-ins) or origin (credentials).
                    let mut by_type = std::collections::BTreeMap::<&str, u64>::new();
                    for f in files {
                        *by_type.entry(f.event_type.as_str()).or_default() += f.rows;
                    }
                    for (t, n) in by_type.into_iter().filter(|(t, _)| !t.is_empty()) {
                        writeln!(out, "  {t}: {n}")?;
                    }
                }
                let quarantined: u64 = m.ingests.iter().map(|i| i.quarantined).sum();
                writeln!(out, "ingests: {}, records quarantined: {quarantined}", m.ingests.len())
            })?;
            Ok(0)
        }
        Action::Compact(s) => {
            let store = s.open();
            if !store.manifest_path().exists() {
                return Err(Error::Usage(format!("{}: no store here", store.root().display())));
            }
            let started = std::time::Instant::now();
            let bar = config.progress_rows();
            let c = crate::store::compact::compact(
                &store,
                &crate::store::writer::WriteOptions::default(),
                2,
                &|done, total| bar.at(done, total),
            )?;
            bar.finish();
            if !config.quiet {
                note!(
                    "compact: {} partitions rewritten, {} files into {}, {} rows; {} sign-in files in the store; {:.2} s",
                    c.partitions,
                    c.files_before,
                    c.files_after,
                    crate::render::table::group_thousands(i64::try_from(c.rows).unwrap_or(i64::MAX)),
                    c.files_now,
                    started.elapsed().as_secs_f64()
                );
            }
            Ok(0)
        }
        Action::Merge(m) => {
            let started = std::time::Instant::now();
            let sources: Vec<_> = m.sources.iter().map(crate::store::Store::open).collect();
            let opts = crate::store::writer::WriteOptions::default();
            let r = crate::ingest::merge::merge(&m.target.open(), &sources, &opts)?;
            for kept in &r.snapshots_kept {
                note!(
                    "signin-insights: kept the store's own {kept} snapshot (a source has one too; ingest its export again to replace it)"
                );
            }
            if !config.quiet {
                note!(
                    "merge: {} {}, {} files, {} rows read, {} stored, {} duplicates skipped{}; {:.2} s",
                    sources.len(),
                    if sources.len() == 1 { "store" } else { "stores" },
                    r.files_read,
                    r.rows_read,
                    r.stored,
                    r.duplicates,
                    if r.snapshots_copied.is_empty() {
                        String::new()
                    } else {
                        format!(", snapshots copied: {}", r.snapshots_copied.join(", "))
                    },
                    started.elapsed().as_secs_f64()
                );
            }
            Ok(0)
        }
        Action::Verify(s) => {
            let store = s.open();
            if !store.manifest_path().exists() {
                return Err(Error::Usage(format!("{}: no store here", store.root().display())));
            }
            let v = store.verify()?;
            for p in &v.problems {
                note!("signin-insights: {p}");
            }
            for o in &v.orphans {
                note!(
                    "signin-insights: not in the manifest (left by an interrupted ingest or compaction, ignored, removed by the next one): {}",
                    o.display()
                );
            }
            with_stdout(|out| {
                let verdict = if v.problems.is_empty() { "ok" } else { "FAILED" };
                writeln!(
                    out,
                    "verify: {verdict}: {} files, {} rows, {} problems, {} orphaned files",
                    v.files,
                    v.rows,
                    v.problems.len(),
                    v.orphans.len()
                )
            })?;
            Ok(if v.problems.is_empty() { 0 } else { 1 })
        }
    }
}
