//! `signin-insights generate`: seeded synthetic exports.

use std::path::PathBuf;

use super::Config;
use super::note;
use crate::error::Result;
use crate::generate::adfs::write_adfs;
use crate::generate::auth_methods::write_auth_methods;
use crate::generate::inventory::write_inventory;
use crate::generate::{GenOptions, Shape, generate};

/// `--format` of `generate`: the container shape of the files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ShapeArg {
    /// Graph REST pages: `{"@odata.context":...,"value":[...],"@odata.nextLink":...}`.
    Graph,
    /// PowerShell `ConvertTo-Json` arrays, pretty, one per page, back to back; every other file has a BOM.
    Array,
    /// One compact record per line.
    Jsonl,
    /// Log Analytics / Sentinel rows as JSON lines (PascalCase columns, the table in `Type`).
    LogAnalytics,
    /// Diagnostic-settings records in `{"records":[...]}` batches.
    Diagnostic,
    /// The Log Analytics portal's "Export to CSV" of those rows.
    Csv,
}

impl From<ShapeArg> for Shape {
    fn from(s: ShapeArg) -> Shape {
        match s {
            ShapeArg::Graph => Shape::Graph,
            ShapeArg::Array => Shape::Array,
            ShapeArg::Jsonl => Shape::Jsonl,
            ShapeArg::LogAnalytics => Shape::LogAnalytics,
            ShapeArg::Diagnostic => Shape::Diagnostic,
            ShapeArg::Csv => Shape::Csv,
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Sign-ins to write (of every type).
    #[arg(long)]
    records: u64,
    /// Days they spread over, ending at --end.
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// The seed: the same seed writes the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The export shape to write.
    #[arg(long, value_enum, default_value = "graph")]
    format: ShapeArg,
    /// Records per file.
    #[arg(long, default_value_t = 50_000)]
    per_file: u64,
    /// Percent of each file repeated in the next (overlapping exports).
    #[arg(long, default_value_t = 2)]
    overlap: u64,
    /// Latest event time (default 2026-11-01T00:00:00Z).
    #[arg(long)]
    end: Option<String>,
    /// Write .gz files.
    #[arg(long)]
    gzip: bool,
    /// Write report-only Conditional Access results as `unknownFutureValue`, as Graph does for
    /// an export made without `Prefer: include-unknown-enum-members`.
    #[arg(long)]
    unknown_enum: bool,
    /// Also write a credential inventory that fits the sign-ins (Graph applications and
    /// servicePrincipals pages) into OUT/inventory/.
    #[arg(long)]
    inventory: bool,
    /// Also write this many AD FS sign-ins (Log Analytics ADFSSignInLogs rows) into
    /// OUT/adfs-signins.jsonl.
    #[arg(long, default_value_t = 0)]
    adfs: u64,
    /// Also write the users' authentication method registrations (OUT/registrations/) and a
    /// month of registration, reset and password change audit events (OUT/audits/).
    #[arg(long)]
    auth_methods: bool,
    /// The folder to write into (made if missing); `-`: the sign-ins to stdout, one file after
    /// the other (JSON lines shapes only), e.g. `generate ... --out - | signin-insights ingest -`.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: &Args, config: &Config) -> Result<u8> {
    let mut opts = GenOptions {
        records: args.records,
        days: args.days,
        seed: args.seed,
        shape: args.format.into(),
        per_file: args.per_file,
        overlap_percent: args.overlap.min(100),
        gzip: args.gzip,
        unknown_enum: args.unknown_enum,
        ..GenOptions::default()
    };
    if let Some(end) = &args.end {
        opts.end_us = super::parse_time_arg(config.zone, "end", end)?;
    }
    if args.out.as_os_str() == "-" {
        if args.adfs > 0 || args.auth_methods || args.inventory {
            return Err(crate::error::Error::Usage(
                "generate --out - writes the sign-ins only; --adfs, --auth-methods and --inventory need a folder"
                    .into(),
            ));
        }
        let stdout = std::io::stdout();
        let mut w = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
        let s = crate::generate::generate_stream(&opts, &mut w)?;
        if !config.quiet {
            note!("generate: {} records written ({} distinct sign-ins) to stdout", s.written, s.distinct);
        }
        return Ok(0);
    }
    let s = generate(&opts, &args.out)?;
    if args.adfs > 0 {
        let path = write_adfs(opts.seed, args.adfs, opts.days, opts.end_us, &args.out)?;
        let trusts = crate::generate::adfs::write_rp_trusts(&args.out)?;
        if !config.quiet {
            note!("generate: {} AD FS sign-ins in {}", args.adfs, path.display());
            note!("generate: the relying-party trusts in {}", trusts.display());
        }
    }
    if args.auth_methods {
        for (path, n) in write_auth_methods(&opts, &args.out)? {
            if !config.quiet {
                note!("generate: {n} records in {}", path.display());
            }
        }
    }
    if args.inventory {
        let dir = args.out.join("inventory");
        let (files, objects) = write_inventory(&opts, &dir)?;
        if !config.quiet {
            note!(
                "generate: {} inventory files, {objects} applications and service principals in {}",
                files.len(),
                dir.display()
            );
        }
    }
    if !config.quiet {
        note!(
            "generate: {} files, {} records written ({} distinct sign-ins), {:.1} MB in {}",
            s.files.len(),
            s.written,
            s.distinct,
            s.bytes as f64 / 1e6,
            args.out.display()
        );
    }
    Ok(0)
}
