//! The command line (SPEC section 5). clap lives here only; each subcommand has its own file
//! holding its arguments and a short `run` that wires library stages together.

mod demo_cmd;
mod generate_cmd;
mod html_cmd;
mod ingest_cmd;
mod out_file;
mod report_cmd;
mod signins_cmd;
mod sql_cmd;
mod store_cmd;
mod xlsx_cmd;

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::domain::Zone;
use crate::error::{Error, Result};
use crate::render::pseudo::Pseudonymizer;
use crate::render::{self, Format};
use crate::report::names;
use crate::scan::{Period, Window};
use crate::store::Store;
use crate::store::manifest::Manifest;

#[derive(Parser, Debug)]
#[command(
    name = "signin-insights",
    version,
    about = "Recompute the Microsoft Entra ID Usage & insights reports offline from exported sign-in logs"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// No progress bar and no summary line.
    #[arg(long, global = true)]
    quiet: bool,
    /// Worker threads (default: one per core; at most 256).
    #[arg(long, global = true, value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: Option<u16>,
    /// Replace user principal names, user ids, user display names and IP addresses in every
    /// output with keyed tokens (HMAC-SHA256; the same value gives the same token under the same
    /// key). KEYFILE is made by `signin-insights keygen`.
    #[arg(long, global = true, value_name = "KEYFILE")]
    pseudonymize: Option<PathBuf>,
    /// Bucket days and show times in this zone (e.g. Europe/Amsterdam); default UTC, as Graph.
    /// Every time shown carries its offset; times given without one are read in this zone.
    #[arg(long, global = true, value_name = "ZONE")]
    tz: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Read exported sign-in logs into the store.
    Ingest(ingest_cmd::Args),
    /// Compute a Usage & insights report from the store.
    #[command(after_help = REPORT_EXAMPLES)]
    Report(report_cmd::Args),
    /// List the sign-ins behind a figure (drill-down).
    Signins(signins_cmd::Args),
    /// Write the self-contained HTML report (no network needed to open it).
    Html(html_cmd::Args),
    /// Write the hand-over workbook: a summary sheet, then a sheet per report.
    Xlsx(xlsx_cmd::Args),
    /// Ad hoc SQL over the store (a build with `--features sql`).
    Sql(sql_cmd::Args),
    /// Inspect or verify the store.
    Store(store_cmd::Args),
    /// Write seeded synthetic exports.
    Generate(generate_cmd::Args),
    /// Run the main job on the bundled sample in testdata/.
    Demo,
    /// Write a new random key for --pseudonymize.
    Keygen {
        /// The key file to create (never overwritten).
        #[arg(long)]
        out: PathBuf,
    },
}

/// Examples under `report --help`, one or two per kind of report.
const REPORT_EXAMPLES: &str = "\
Examples:
  signin-insights report apps --period D7 --sort failed --top 10
  signin-insights report app-errors --app \"Exchange\"           (an appId, a name or part of one)
  signin-insights report service-principals --format csv > sp.csv
  signin-insights report credentials --expiring-within 30d
  signin-insights report adfs --rules
  signin-insights report auth-registration --by method --user-roles admin
  signin-insights report registration-events --status failure --method mobilePhone
  signin-insights report breakdown --by app,country,outcome --client-app IMAP4
  signin-insights report legacy-auth --by user
  signin-insights report ca-policies --all-enabled
  signin-insights report mfa-gaps --by user --since 2026-10-01 --until 2026-11-01
  signin-insights report cross-tenant --tenant <our tenant id>
  signin-insights report user ana                                 (a UPN, name, id or part)
  signin-insights report ip 203.0.113.7 --format xlsx > ip.xlsx

Each option says which reports it applies to; giving it to another report is a usage error that
names the reports that take it.";

/// `--format`, on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Aligned columns for a person (the default on a terminal, fitted to its width).
    Table,
    /// The Graph envelope, {"@odata.context", "value"} (the default into a pipe or a file).
    Json,
    /// One JSON object per line.
    Jsonl,
    /// RFC 4180, every column, cells that look like formulas neutralised.
    Csv,
    /// An Excel workbook, one sheet (binary: to a file, not a terminal).
    Xlsx,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Csv => Format::Csv,
            FormatArg::Xlsx => Format::Xlsx,
        }
    }
}

/// Flags every command resolves once.
pub struct Config {
    pub quiet: bool,
    pub threads: Option<usize>,
    pub stdout_is_terminal: bool,
    pub stderr_is_terminal: bool,
    /// `--tz`: the zone days are counted in and times shown in.
    pub zone: Zone,
    /// `--pseudonymize`: the key that replaces personal values in every output.
    pub pseudonymizer: Option<Pseudonymizer>,
}

impl Config {
    /// How rows become bytes in `format`, with this run's key and zone.
    pub fn render_options(&self, format: Format) -> render::Options<'_> {
        render::Options {
            format,
            pseudonymizer: self.pseudonymizer.as_ref(),
            zone: self.zone,
            width: self.table_width(),
        }
    }

    /// The width a table for a person is fitted to: `$COLUMNS`, else the terminal's, when
    /// standard output is a terminal; `None` (the exact table) for a pipe or a file.
    pub fn table_width(&self) -> Option<usize> {
        if !self.stdout_is_terminal {
            return None;
        }
        let columns = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok()).filter(|&c| c > 0);
        let terminal = || console::Term::stdout().size_checked().map(|(_, cols)| usize::from(cols));
        Some(columns.or_else(terminal).unwrap_or(80).max(20))
    }

    /// A progress bar on stderr when it is a terminal and `--quiet` was not given.
    pub fn progress(&self) -> Bar {
        Bar(self.bar("{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})"))
    }

    /// A progress bar counting rows, on stderr when it is a terminal and `--quiet` was not given.
    pub fn progress_rows(&self) -> RowBar {
        RowBar(self.bar("{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} rows ({eta} left)"))
    }

    /// A bar drawn with `template`, or a hidden one for a pipe or `--quiet`.
    fn bar(&self, template: &str) -> indicatif::ProgressBar {
        if self.quiet || !self.stderr_is_terminal {
            return indicatif::ProgressBar::hidden();
        }
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(indicatif::ProgressStyle::with_template(template).expect("valid template"));
        bar
    }

    /// The default format: a table for people, JSON for scripts. A workbook is not written to
    /// a terminal.
    pub fn format(&self, asked: Option<FormatArg>) -> Result<Format> {
        match asked.map(Format::from) {
            Some(Format::Xlsx) if self.stdout_is_terminal => Err(Error::Usage(
                "--format xlsx writes a workbook to standard output: redirect it to a file (> report.xlsx)".into(),
            )),
            Some(f) => Ok(f),
            None => Ok(if self.stdout_is_terminal { Format::Table } else { Format::Json }),
        }
    }
}

/// An ingest's progress as a bar on the terminal.
pub struct Bar(indicatif::ProgressBar);

impl crate::ingest::Progress for Bar {
    fn start(&self, total_bytes: u64) {
        self.0.set_length(total_bytes);
    }
    fn read(&self, bytes_so_far: u64) {
        self.0.set_position(bytes_so_far);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// Rows done of rows to do, as a bar on the terminal (`store compact`).
pub struct RowBar(indicatif::ProgressBar);

impl RowBar {
    pub fn at(&self, done: u64, total: u64) {
        self.0.set_length(total);
        self.0.set_position(done);
    }

    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// `--store`, shared by the commands that read or write a store.
#[derive(Args, Debug, Clone)]
pub struct StoreArg {
    /// The store folder.
    #[arg(long, env = "SIGNIN_INSIGHTS_STORE", default_value = "signin-insights-store")]
    pub store: PathBuf,
}

impl StoreArg {
    pub fn open(&self) -> Store {
        Store::open(&self.store)
    }
}

/// The window arguments of SPEC section 2.
#[derive(Args, Debug, Clone, Default)]
pub struct WindowArgs {
    /// D1, D7, D30 or any Dn: the n days ending at as-of.
    #[arg(long, conflicts_with_all = ["since", "until"])]
    pub period: Option<String>,
    /// Start of the window (inclusive): a timestamp or YYYY-MM-DD.
    #[arg(long)]
    pub since: Option<String>,
    /// End of the window (exclusive): a timestamp or YYYY-MM-DD.
    #[arg(long)]
    pub until: Option<String>,
    /// The end of a Dn window (default: the latest event in the store).
    #[arg(long)]
    pub as_of: Option<String>,
}

fn parse_time_arg(zone: Zone, name: &str, s: &str) -> Result<i64> {
    zone.parse_local(s).ok_or_else(|| Error::Usage(format!("--{name}: not a timestamp or YYYY-MM-DD: {s:?}")))
}

impl WindowArgs {
    /// Resolves the window, its times read and its days counted in `zone`; `default` applies
    /// when no window argument was given.
    /// `data` is the time span of the events the command reads, if any: the end is the default
    /// as-of, and both are said when the window is refused.
    pub fn resolve(&self, data: Option<(i64, i64)>, default: Option<u32>, zone: Zone) -> Result<Window> {
        let as_of = match &self.as_of {
            Some(s) => Some(parse_time_arg(zone, "as-of", s)?),
            None => data.map(|d| d.1),
        };
        let period = match (&self.period, &self.since, &self.until) {
            (Some(p), _, _) => Period::parse_days(p)
                .ok_or_else(|| Error::Usage(format!("--period: expected Dn (e.g. D7, D30), got {p:?}")))?,
            (None, None, None) => match default {
                Some(n) => Period::Days(n),
                None => Period::Range { since: None, until: None },
            },
            (None, since, until) => Period::Range {
                since: since.as_deref().map(|s| parse_time_arg(zone, "since", s)).transpose()?,
                until: until.as_deref().map(|s| parse_time_arg(zone, "until", s)).transpose()?,
            },
        };
        let window = Window { as_of_given: self.as_of.is_some(), ..Window::resolve(&period, as_of, zone) };
        match window.problem() {
            None => Ok(window),
            Some(problem) => Err(Error::Usage(format!("{problem}{}", what_the_store_holds(data, zone)))),
        }
    }

    /// Warns (not with `--quiet`) when a `Dn` window ends at an as-of taken from the data that
    /// lies after this machine's clock: the tool never measures against the clock, but says when
    /// the data looks wrong. Windows given by `--since`/`--until` do not end at as-of.
    pub fn warn_future(&self, window: &Window, latest: Option<i64>, config: &Config) {
        if self.as_of.is_some() || window.period.is_empty() || config.quiet {
            return;
        }
        let now = chrono::Utc::now().timestamp_micros();
        if let Some(note) = crate::scan::window::future_as_of_note(latest, now, config.zone) {
            note!("signin-insights: warning: {note}");
        }
    }
}

/// The appIds `--app GIVEN` stands for (SPEC 7): an id as given; else the applications of that
/// name, or whose name contains it, said on stderr when there are several or the match is a
/// part; nothing known by that name is a usage error with the nearest names.
pub fn resolve_app_arg(store: &Store, manifest: &Manifest, given: &str, config: &Config) -> Result<Vec<String>> {
    if render::table::is_guid(given.trim()) {
        return Ok(vec![given.trim().to_string()]);
    }
    let known = names::known_apps(store, manifest)?;
    let apps = names::resolve_app(&known, given)?;
    if !config.quiet && (apps.how == names::How::Part || apps.ids.len() > 1) {
        let how = if apps.how == names::How::Part { "whose name contains it" } else { "of that name" };
        let n = apps.ids.len();
        let which = if n == 1 { "application".to_string() } else { format!("{n} applications") };
        note!("signin-insights: --app {given:?}: counting the {which} {how}: {}", apps.listed());
    }
    Ok(apps.ids)
}

/// Why a report over `table` came out empty, for a person (SPEC 7): the window misses the
/// data, or the filters match nothing in it; with what the store holds. `None` when the store
/// holds nothing of the table (the caption says so).
/// `span` is the first and last event of the table; `counted` what the report counts, in words.
pub fn why_empty(
    span: Option<(i64, i64)>,
    table: &str,
    counted: &str,
    window: &Window,
    filters: &[String],
) -> Option<String> {
    let (first, last) = span?;
    let z = window.zone;
    let noun = format!("{}s", crate::report::catalog::latest_noun(table));
    let span = format!("the store's {noun} span {} to {}", z.describe(first), z.describe(last));
    if window.end_us <= first || (window.start_us != i64::MIN && window.start_us > last) {
        return Some(format!(
            "nothing to show: the window holds none of the store's {noun}; {span}; give --as-of, --since or --until \
             within it"
        ));
    }
    if !filters.is_empty() {
        return Some(format!("nothing to show: no {counted} in the window match {}; {span}", filters.join(" and ")));
    }
    Some(format!("nothing to show: the window holds no {counted} this report lists; {span}"))
}

/// "; the events read span A to B", or that there are none.
fn what_the_store_holds(data: Option<(i64, i64)>, zone: Zone) -> String {
    match data {
        Some((a, b)) => format!("; the events it reads span {} to {}", zone.format(a), zone.format(b)),
        None => "; the store holds none of the events it reads".into(),
    }
}

/// One line on stderr; on a terminal, control and bidirectional formatting characters in it
/// (from file names and log text) are shown escaped, so a name cannot forge a line or drive the
/// terminal. (So a note is one line: a list in it is separated by `; `.)
pub fn note_line(line: &str) {
    if io::stderr().is_terminal() {
        eprintln!("{}", render::terminal::escape(line));
    } else {
        eprintln!("{line}");
    }
}

/// `eprintln!` through [`note_line`].
macro_rules! note {
    ($($arg:tt)*) => { $crate::cli::note_line(&format!($($arg)*)) };
}
pub(crate) use note;

/// Runs the command line and returns the process exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            note!("signin-insights: {e}");
            ExitCode::from(if matches!(e, Error::Usage(_)) { 2 } else { 1 })
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    let zone = match &cli.tz {
        None => Zone::UTC,
        Some(name) => Zone::parse(name).ok_or_else(|| {
            Error::Usage(format!("--tz: unknown time zone {name:?} (an IANA name, e.g. Europe/Amsterdam or UTC)"))
        })?,
    };
    let config = Config {
        quiet: cli.quiet,
        threads: cli.threads.map(usize::from),
        stdout_is_terminal: io::stdout().is_terminal(),
        stderr_is_terminal: io::stderr().is_terminal(),
        zone,
        pseudonymizer: cli.pseudonymize.as_deref().map(Pseudonymizer::load).transpose()?,
    };
    let work = || match cli.command {
        Command::Ingest(a) => ingest_cmd::run(&a, &config),
        Command::Report(a) => report_cmd::run(&a, &config),
        Command::Signins(a) => signins_cmd::run(&a, &config),
        Command::Html(a) => html_cmd::run(&a, &config),
        Command::Xlsx(a) => xlsx_cmd::run(&a, &config),
        Command::Sql(a) => sql_cmd::run(&a, &config),
        Command::Keygen { out } => keygen(&out, &config),
        Command::Store(a) => store_cmd::run(&a, &config),
        Command::Generate(a) => generate_cmd::run(&a, &config),
        Command::Demo => demo_cmd::run(&config),
    };
    match config.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map_err(|e| Error::Other(e.to_string()))?
            .install(work),
        None => work(),
    }
}

/// Writes a new key file, readable by its owner only; an existing file is never replaced.
fn keygen(out: &std::path::Path, config: &Config) -> Result<u8> {
    use std::io::Write as _;
    let text = crate::render::pseudo::new_key_text()?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(out).map_err(|e| Error::io(out, e))?;
    f.write_all(text.as_bytes()).and_then(|_| f.sync_all()).map_err(|e| Error::io(out, e))?;
    if !config.quiet {
        note!(
            "keygen: {} written; keep it with the store's owner: whoever has it can test a guess at a pseudonymised value",
            out.display()
        );
    }
    Ok(0)
}

/// Runs `f` on a buffered, locked stdout; a closed pipe ends the output quietly. On a terminal,
/// what would drive it (control and bidirectional formatting characters from the logs) is shown
/// escaped; a file or a pipe gets the exact bytes.
pub fn with_stdout(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    let stdout = io::stdout();
    let terminal = stdout.is_terminal();
    let buffered = io::BufWriter::new(stdout.lock());
    let mut out: Box<dyn Write> =
        if terminal { Box::new(render::terminal::Escaping::new(buffered)) } else { Box::new(buffered) };
    let res = f(&mut out).and_then(|_| out.flush());
    match res {
        Err(e) if !is_broken_pipe(&e) => Err(Error::io("<stdout>", e)),
        _ => Ok(()),
    }
}

/// A closed pipe (`| head`), also when a writer (CSV) wrapped the error in its own.
fn is_broken_pipe(e: &io::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = e.get_ref().map(|inner| inner as _);
    if e.kind() == io::ErrorKind::BrokenPipe {
        return true;
    }
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<io::Error>()
            && io.kind() == io::ErrorKind::BrokenPipe
        {
            return true;
        }
        if let Some(csv::ErrorKind::Io(io)) = s.downcast_ref::<csv::Error>().map(csv::Error::kind)
            && io.kind() == io::ErrorKind::BrokenPipe
        {
            return true;
        }
        source = s.source();
    }
    false
}

#[cfg(test)]
mod help_tests {
    use clap::CommandFactory;

    #[test]
    fn every_option_of_every_command_says_what_it_does() {
        let cli = super::Cli::command();
        let mut missing = Vec::new();
        for cmd in std::iter::once(&cli).chain(cli.get_subcommands()) {
            for arg in cmd.get_arguments() {
                if arg.get_id() == "help" || arg.get_id() == "version" {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{} --{}", cmd.get_name(), arg.get_id()));
                }
            }
        }
        assert!(missing.is_empty(), "options without help: {missing:?}");
    }
}
