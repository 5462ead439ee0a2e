//! The hand-over workbook (`signin-insights xlsx --out FILE`): every report of the
//! [catalog](crate::report::catalog) that answers without an argument, each over the window of
//! the table it reads, as a sheet when it has rows; a summary sheet first with the facts of the
//! store, the [headline figures](crate::report::headline) and a linked list of the sheets, the
//! reports without rows included with their caption (which says what the store lacks).

use super::overview::{Windows, facts};
use super::pseudo::{self, Pseudonymizer};
use super::xlsx::{self, Contents, MAX_ROWS, Sheet, Summary};
use crate::domain::Cell;
use crate::error::{Error, Result};
use crate::report::catalog::{self, Options, Query};
use crate::report::{Request, headline};
use crate::scan::Window;
use crate::store::manifest::Manifest;
use crate::store::{ADFS_SIGNINS, AUDITS, Store};

/// Reports left out of the workbook: those that need an argument (a user, an address) and the
/// free breakdown (its default grouping repeats `apps`).
const LEFT_OUT: &[&str] = &["user", "ip", "breakdown"];

/// What the workbook is made of.
pub struct BookInputs<'a> {
    pub store: &'a Store,
    pub manifest: &'a Manifest,
    pub windows: &'a Windows,
    pub store_arg: &'a str,
    pub pseudonymizer: Option<&'a Pseudonymizer>,
    /// Whether `--as-of` was given (the windows end there rather than at the data's latest).
    pub as_of_given: bool,
}

/// (name, caption, headers, rows) of a report with rows.
type Table = (&'static str, String, &'static [&'static str], Vec<Vec<Cell>>);

/// The window a report over `table` is asked for.
fn window_of<'w>(windows: &'w Windows, table: &str) -> &'w Window {
    match table {
        ADFS_SIGNINS => &windows.adfs,
        AUDITS => &windows.audits,
        _ => &windows.signins,
    }
}

/// The workbook, as bytes.
pub fn book(inputs: &BookInputs<'_>) -> Result<Vec<u8>> {
    let BookInputs { store, manifest, windows, store_arg, pseudonymizer: p, as_of_given } = *inputs;
    let options = Options::default();
    let mut tables: Vec<Table> = Vec::new();
    let mut contents = Vec::new();
    for report in catalog::REPORTS.iter().filter(|r| !LEFT_OUT.contains(&r.name)) {
        let q = Query {
            store,
            manifest,
            request: Request::new(window_of(windows, report.table).clone()),
            options: &options,
            as_of_given,
            pseudonymized: p.is_some(),
        };
        let answer = match catalog::answer(report, &q) {
            Ok(a) => a,
            // A report that needs an export the store lacks says so on the summary.
            Err(Error::Usage(why)) => {
                let caption = format!("{}: {why}", report.title);
                let name = report.name.to_string();
                contents.push(Contents { sheet: None, report: name, caption, rows: 0, note: None });
                continue;
            }
            Err(e) => return Err(e),
        };
        let n = answer.rows.len();
        let mut cells = pseudo::cells(p, answer.rows.as_ref());
        // The title row and the header take two of the worksheet's rows.
        let room = MAX_ROWS - 1;
        let note = (n > room).then(|| {
            format!(
                "The sheet holds the first {room} of {n} rows (all a worksheet holds); all of them: signin-insights report {} --format csv",
                report.name
            )
        });
        cells.truncate(room);
        contents.push(Contents {
            sheet: (n > 0).then(|| report.name.to_string()),
            report: report.name.to_string(),
            caption: answer.caption_text.clone(),
            rows: n,
            note,
        });
        if n > 0 {
            tables.push((report.name, answer.caption_text, answer.rows.headers(), cells));
        }
    }
    let sheets: Vec<Sheet<'_>> = tables
        .iter_mut()
        .map(|(name, caption, headers, rows)| Sheet { name, caption, headers, rows: std::mem::take(rows), title: true })
        .collect();
    let figures = headline::figures(
        store,
        manifest,
        &Request::new(windows.signins.clone()),
        &Request::new(windows.adfs.clone()),
    )?;
    let facts = facts(manifest, windows, store_arg);
    let summary = Summary { title: "Usage & insights", facts: &facts, figures: &figures, contents: &contents };
    xlsx::handover(&summary, &sheets, windows.signins.zone).map_err(Error::Other)
}
