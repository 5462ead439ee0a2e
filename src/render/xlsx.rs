//! Report rows -> an Excel workbook (rust_xlsxwriter): one sheet per report, the header row
//! bold and frozen (under the caption in a title row, for the hand-over workbook), an
//! autofilter over the table, column widths fitted to the content (capped), timestamps as
//! Excel dates (in the display zone, UTC unless `--tz`, shown `yyyy-mm-dd hh:mm:ss`), counts and
//! percentages as numbers, and conditional formatting a reader scans by: success rates from
//! red to green, single-factor shares the other way, other shares as bars, failure counts as
//! red bars, credentials expired (red) and expiring within 30 days (amber), AD FS readiness.
//! The hand-over workbook ([`handover`]) starts with a summary sheet: the facts, the headline
//! figures and a linked list of the sheets. Text that a spreadsheet would take for a formula (`= + - @`, tab, CR first) is
//! written with Excel's quote prefix: shown as typed, never evaluated, and still text if the
//! cell is edited.

use rust_xlsxwriter::{
    ConditionalFormat3ColorScale, ConditionalFormatBlank, ConditionalFormatCell, ConditionalFormatCellRule,
    ConditionalFormatDataBar, ConditionalFormatText, ConditionalFormatTextRule, DocProperties, Format, Url, Workbook,
    Worksheet, XlsxError,
};

use crate::domain::{Cell, Zone};
use crate::report::headline::Figure;

/// Data rows a worksheet holds (1,048,576 rows, one of them the header).
pub const MAX_ROWS: usize = 1_048_575;

/// One sheet: its name, caption (stored as the workbook's title) and rows.
pub struct Sheet<'a> {
    pub name: &'a str,
    pub caption: &'a str,
    pub headers: &'a [&'a str],
    pub rows: Vec<Vec<Cell>>,
    /// The caption in a title row above the header (a sheet for a person rather than a script).
    pub title: bool,
}

/// Excel's serial date of a UTC instant in microseconds; `None` outside Excel's 1900-9999.
fn serial(us: i64) -> Option<f64> {
    const UNIX_EPOCH_SERIAL: f64 = 25_569.0;
    let days = us as f64 / 86_400_000_000.0 + UNIX_EPOCH_SERIAL;
    // 1900-03-01 (Excel's 1900 leap-year bug lies before it) to 9999-12-31.
    (61.0..2_958_466.0).contains(&days).then_some(days)
}

/// Characters an Excel cell holds.
const MAX_CELL_CHARS: usize = 32_767;

/// `t` cut to what a cell holds, the cut said at its end (one long value must not make the
/// whole workbook fail).
fn fit(t: &str) -> std::borrow::Cow<'_, str> {
    let n = t.chars().count();
    if n <= MAX_CELL_CHARS {
        return std::borrow::Cow::Borrowed(t);
    }
    let note = format!(" … [cut: {n} characters, a cell holds {MAX_CELL_CHARS}]");
    let keep: String = t.chars().take(MAX_CELL_CHARS - note.chars().count()).collect();
    std::borrow::Cow::Owned(keep + &note)
}

fn formula_like(s: &str) -> bool {
    matches!(s.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'))
}

/// Sheet names: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    let clean: String = name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    if clean.is_empty() { "report".into() } else { clean }
}

/// The workbook of `sheets`, as bytes; its properties say times are in `zone`. A sheet with
/// more rows than Excel holds is an error that names the limit.
pub fn workbook(sheets: &[Sheet<'_>], zone: Zone) -> Result<Vec<u8>, String> {
    let mut wb = Workbook::new();
    let title: Vec<&str> = sheets.iter().map(|s| s.caption).collect();
    properties(&mut wb, &title.join("; "), zone);
    for s in sheets {
        add_sheet(&mut wb, s)?;
    }
    wb.save_to_buffer().map_err(excel)
}

fn excel(e: XlsxError) -> String {
    format!("xlsx: {e}")
}

fn properties(wb: &mut Workbook, title: &str, zone: Zone) {
    wb.set_properties(&DocProperties::new().set_title(title).set_comment(format!(
        "Written by signin-insights {}; times are {}",
        env!("CARGO_PKG_VERSION"),
        zone.name()
    )));
}

/// One line of the hand-over's list of sheets: the sheet (if the report had rows), its caption
/// and its row count, and what the reader should know (rows left out).
pub struct Contents {
    pub sheet: Option<String>,
    pub report: String,
    pub caption: String,
    pub rows: usize,
    pub note: Option<String>,
}

/// The summary sheet of the hand-over: a title, (label, value) facts, the headline figures and
/// the list of sheets.
pub struct Summary<'a> {
    pub title: &'a str,
    pub facts: &'a [(String, String)],
    pub figures: &'a [Figure],
    pub contents: &'a [Contents],
}

/// Characters of a caption on one line of the summary sheet.
const CAPTION_CHARS: usize = 95;

/// The hand-over workbook: the summary sheet first, then `sheets`.
pub fn handover(summary: &Summary<'_>, sheets: &[Sheet<'_>], zone: Zone) -> Result<Vec<u8>, String> {
    let mut wb = Workbook::new();
    properties(&mut wb, summary.title, zone);
    let ws = wb.add_worksheet();
    ws.set_name("summary").map_err(excel)?;
    let big = Format::new().set_bold().set_font_size(16);
    let bold = Format::new().set_bold();
    let header = Format::new().set_bold().set_background_color("EEF1F6");
    let share = Format::new().set_num_format("0.0%").set_bold().set_align(rust_xlsxwriter::FormatAlign::Right);
    let count = Format::new().set_num_format("#,##0").set_bold().set_align(rust_xlsxwriter::FormatAlign::Right);
    let muted = Format::new().set_font_color("5B6475").set_text_wrap().set_align(rust_xlsxwriter::FormatAlign::Top);
    let top = Format::new().set_align(rust_xlsxwriter::FormatAlign::Top).set_num_format("#,##0");
    let wrapped = Format::new().set_text_wrap().set_align(rust_xlsxwriter::FormatAlign::Top);
    let link = Format::new()
        .set_font_color("0563C1")
        .set_underline(rust_xlsxwriter::FormatUnderline::Single)
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    ws.write_string_with_format(0, 0, summary.title, &big).map_err(excel)?;
    let mut r = 2u32;
    for (k, v) in summary.facts {
        ws.write_string_with_format(r, 0, k, &bold).map_err(excel)?;
        ws.write_string(r, 1, fit(v)).map_err(excel)?;
        r += 1;
    }
    if !summary.figures.is_empty() {
        r += 1;
        ws.write_string_with_format(r, 0, "Headline figures", &big).map_err(excel)?;
        r += 1;
        for (c, h) in ["figure", "value", "what is counted"].iter().enumerate() {
            ws.write_string_with_format(r, c as u16, *h, &header).map_err(excel)?;
        }
        r += 1;
        for f in summary.figures {
            ws.write_string(r, 0, f.label).map_err(excel)?;
            match f.share() {
                Some(x) => ws.write_number_with_format(r, 1, x, &share),
                None if f.of.is_some() => ws.write_string(r, 1, "n/a"),
                None => ws.write_number_with_format(r, 1, f.count as f64, &count),
            }
            .map_err(excel)?;
            ws.write_string_with_format(r, 2, &f.detail, &muted).map_err(excel)?;
            r += 1;
        }
    }
    r += 1;
    ws.write_string_with_format(r, 0, "Sheets", &big).map_err(excel)?;
    r += 1;
    for (c, h) in ["sheet", "rows", "what it counts"].iter().enumerate() {
        ws.write_string_with_format(r, c as u16, *h, &header).map_err(excel)?;
    }
    r += 1;
    for c in summary.contents {
        match &c.sheet {
            Some(name) => {
                let url = Url::new(format!("internal:'{name}'!A1")).set_text(name.as_str());
                ws.write_url_with_format(r, 0, url, &link)
            }
            None => ws.write_string_with_format(r, 0, &c.report, &muted),
        }
        .map_err(excel)?;
        ws.write_number_with_format(r, 1, c.rows as f64, &top).map_err(excel)?;
        let said = match &c.note {
            Some(n) => format!("{}. {n}", c.caption),
            None => c.caption.clone(),
        };
        ws.write_string_with_format(r, 2, fit(&said), &wrapped).map_err(excel)?;
        // Spreadsheets do not grow a row for wrapped text written by a program: say its height.
        let lines = said.chars().count().div_ceil(CAPTION_CHARS).clamp(1, 12);
        ws.set_row_height(r, 15.0 * lines as f64).map_err(excel)?;
        r += 1;
    }
    ws.set_column_width(0, 26).map_err(excel)?;
    ws.set_column_width(1, 14).map_err(excel)?;
    ws.set_column_width(2, CAPTION_CHARS as f64 + 5.0).map_err(excel)?;
    ws.set_landscape().set_print_fit_to_pages(1, 0);
    for s in sheets {
        add_sheet(&mut wb, s)?;
    }
    wb.save_to_buffer().map_err(excel)
}

fn add_sheet(wb: &mut Workbook, s: &Sheet<'_>) -> Result<(), String> {
    if s.rows.len() > MAX_ROWS - usize::from(s.title) {
        return Err(format!(
            "{} rows do not fit in an Excel worksheet ({MAX_ROWS} at most); use --format csv, or narrow the selection",
            s.rows.len()
        ));
    }
    let header = Format::new().set_bold().set_background_color("EEF1F6");
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let percent = Format::new().set_num_format("0.00");
    let literal = Format::new().set_quote_prefix();
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(s.name)).map_err(excel)?;
    let top = u32::from(s.title);
    if s.title {
        ws.write_string_with_format(0, 0, fit(s.caption), &Format::new().set_bold().set_font_size(13))
            .map_err(excel)?;
    }
    let mut widths: Vec<usize> = s.headers.iter().map(|h| h.chars().count() + 2).collect();
    for (c, h) in s.headers.iter().enumerate() {
        // A sheet for a person names its columns in words (as the HTML page does).
        let h = if s.title { super::labels::human(h) } else { h.to_string() };
        ws.write_string_with_format(top, c as u16, &h, &header).map_err(excel)?;
    }
    for (r, row) in s.rows.iter().enumerate() {
        let r = r as u32 + top + 1;
        for (c, cell) in row.iter().enumerate() {
            let col = c as u16;
            let shown = match cell {
                Cell::Text(Some(t)) if formula_like(t) => {
                    ws.write_string_with_format(r, col, fit(t), &literal).map_err(excel)?;
                    t.chars().count()
                }
                Cell::Text(Some(t)) => {
                    ws.write_string(r, col, fit(t)).map_err(excel)?;
                    t.chars().count()
                }
                Cell::Int(Some(n)) => {
                    ws.write_number(r, col, *n as f64).map_err(excel)?;
                    n.to_string().len()
                }
                Cell::Percent(p) => {
                    ws.write_number_with_format(r, col, p.0 as f64 / 100.0, &percent).map_err(excel)?;
                    6
                }
                Cell::Time(Some(t)) => match serial(t.zone.local_micros(t.us)) {
                    Some(d) => {
                        ws.write_number_with_format(r, col, d, &date).map_err(excel)?;
                        19
                    }
                    None => {
                        let text = t.to_string();
                        ws.write_string(r, col, &text).map_err(excel)?;
                        text.len()
                    }
                },
                Cell::Text(None) | Cell::Int(None) | Cell::Time(None) => 0,
            };
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(shown + 2);
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (*w).min(60) as f64).map_err(excel)?;
    }
    ws.set_freeze_panes(top + 1, 0).map_err(excel)?;
    if s.title {
        // Printed: landscape, one page wide, the header on every page.
        ws.set_landscape().set_print_fit_to_pages(1, 0);
        ws.set_repeat_rows(top, top).map_err(excel)?;
    }
    if !s.headers.is_empty() {
        ws.autofilter(top, 0, top + s.rows.len() as u32, (s.headers.len() - 1) as u16).map_err(excel)?;
    }
    if !s.rows.is_empty() {
        highlight(ws, s, top + 1, top + s.rows.len() as u32).map_err(excel)?;
    }
    Ok(())
}

/// Red, amber and green fills with dark text (Excel's own "light red fill" family).
fn fill(kind: &str) -> Format {
    let (font, back) = match kind {
        "red" => ("9C0006", "FFC7CE"),
        "amber" => ("9C5700", "FFEB9C"),
        _ => ("006100", "C6EFCE"),
    };
    Format::new().set_font_color(font).set_background_color(back)
}

/// The conditional formats of a sheet's columns, chosen by the column's header and kind, over
/// the data rows `first..=last`.
fn highlight(ws: &mut Worksheet, s: &Sheet<'_>, first: u32, last: u32) -> Result<(), XlsxError> {
    for (c, h) in s.headers.iter().enumerate() {
        let col = c as u16;
        let lower = h.to_ascii_lowercase();
        let kind = s.rows.iter().map(|r| r.get(c)).find(|v| !matches!(v, Some(Cell::Text(None) | Cell::Int(None))));
        match kind {
            Some(Some(Cell::Percent(_))) if lower.contains("success") => {
                let scale = ConditionalFormat3ColorScale::new()
                    .set_minimum_color("F8696B")
                    .set_midpoint_color("FFEB84")
                    .set_maximum_color("63BE7B");
                ws.add_conditional_format(first, col, last, col, &scale)?;
            }
            Some(Some(Cell::Percent(_))) if lower.contains("singlefactor") => {
                let scale = ConditionalFormat3ColorScale::new()
                    .set_minimum_color("63BE7B")
                    .set_midpoint_color("FFEB84")
                    .set_maximum_color("F8696B");
                ws.add_conditional_format(first, col, last, col, &scale)?;
            }
            Some(Some(Cell::Percent(_))) => {
                ws.add_conditional_format(first, col, last, col, &ConditionalFormatDataBar::new())?;
            }
            Some(Some(Cell::Int(_))) if lower.starts_with("fail") || lower.contains("failedsignin") => {
                let bar = ConditionalFormatDataBar::new().set_fill_color("FF8A80");
                ws.add_conditional_format(first, col, last, col, &bar)?;
            }
            Some(Some(Cell::Int(_))) if lower.starts_with("days") => {
                let expired = ConditionalFormatCell::new()
                    .set_rule(ConditionalFormatCellRule::LessThan(0))
                    .set_format(fill("red"));
                let soon = ConditionalFormatCell::new()
                    .set_rule(ConditionalFormatCellRule::Between(0, 30))
                    .set_format(fill("amber"));
                // A blank (no expiry known) is not 0 days left: it stops the rules below it.
                let blank = ConditionalFormatBlank::new().set_stop_if_true(true);
                ws.add_conditional_format(first, col, last, col, &blank)?;
                ws.add_conditional_format(first, col, last, col, &expired)?;
                ws.add_conditional_format(first, col, last, col, &soon)?;
            }
            Some(Some(Cell::Text(_))) if lower.starts_with("migration") => {
                for (word, colour) in [("additionalStepsRequired", "red"), ("needsReview", "amber"), ("ready", "green")]
                {
                    let rule = ConditionalFormatText::new()
                        .set_rule(ConditionalFormatTextRule::BeginsWith(word.into()))
                        .set_format(fill(colour));
                    ws.add_conditional_format(first, col, last, col, &rule)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_dates_and_names() {
        // 2024-05-01T12:00:00Z is Excel serial 45413.5.
        let us = crate::domain::time::parse_timestamp("2024-05-01T12:00:00Z").unwrap();
        assert_eq!(serial(us), Some(45_413.5));
        assert_eq!(serial(crate::domain::time::parse_timestamp("1800-01-01T00:00:00Z").unwrap()), None);
        assert_eq!(sheet_name("userSignInUsageByAuthMethodActivity"), "userSignInUsageByAuthMethodActi");
        assert_eq!(sheet_name("a/b[c]"), "abc");
        assert!(formula_like("=1") && formula_like("\tx") && !formula_like("x=1"));
    }

    #[test]
    fn a_value_longer_than_a_cell_is_cut_and_says_so() {
        let long = "x".repeat(1 << 20);
        let shown = fit(&long);
        assert_eq!(shown.chars().count(), MAX_CELL_CHARS);
        assert!(shown.ends_with("[cut: 1048576 characters, a cell holds 32767]"), "{}", &shown[32_700..]);
        let sheet =
            Sheet { name: "s", caption: "", headers: &["a"], rows: vec![vec![Cell::Text(Some(long))]], title: false };
        assert!(workbook(&[sheet], Zone::UTC).is_ok());
        assert_eq!(fit("short"), "short");
    }

    #[test]
    fn more_rows_than_a_worksheet_holds_are_refused() {
        let sheet =
            Sheet { name: "signIn", caption: "", headers: &["id"], rows: vec![Vec::new(); MAX_ROWS + 1], title: false };
        let e = workbook(&[sheet], Zone::UTC).unwrap_err();
        assert!(e.contains("1048576 rows") && e.contains("--format csv"), "{e}");
    }
}
