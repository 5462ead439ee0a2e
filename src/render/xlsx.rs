//! Report rows -> an Excel workbook (rust_xlsxwriter): one sheet per report, the header row
//! bold and frozen, an autofilter over the table, column widths fitted to the content (capped),
//! timestamps as Excel dates (in the display zone, UTC unless `--tz`, shown
//! `yyyy-mm-dd hh:mm:ss`), counts and percentages as
//! numbers. Text that a spreadsheet would take for a formula (`= + - @`, tab, CR first) is
//! written with Excel's quote prefix: shown as typed, never evaluated, and still text if the
//! cell is edited.

use rust_xlsxwriter::{DocProperties, Format, Workbook, XlsxError};

use crate::domain::{Cell, Zone};

/// Data rows a worksheet holds (1,048,576 rows, one of them the header).
pub const MAX_ROWS: usize = 1_048_575;

/// One sheet: its name, caption (stored as the workbook's title) and rows.
pub struct Sheet<'a> {
    pub name: &'a str,
    pub caption: &'a str,
    pub headers: &'a [&'a str],
    pub rows: Vec<Vec<Cell>>,
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
    let excel = |e: XlsxError| format!("xlsx: {e}");
    let mut wb = Workbook::new();
    let title: Vec<&str> = sheets.iter().map(|s| s.caption).collect();
    wb.set_properties(&DocProperties::new().set_title(title.join("; ")).set_comment(format!(
        "Written by signin-insights {}; times are {}",
        env!("CARGO_PKG_VERSION"),
        zone.name()
    )));
    let header = Format::new().set_bold().set_background_color("EEF1F6");
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let percent = Format::new().set_num_format("0.00");
    let literal = Format::new().set_quote_prefix();
    for s in sheets {
        if s.rows.len() > MAX_ROWS {
            return Err(format!(
                "{} rows do not fit in an Excel worksheet ({MAX_ROWS} at most); use --format csv, or narrow the selection",
                s.rows.len()
            ));
        }
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(s.name)).map_err(excel)?;
        let mut widths: Vec<usize> = s.headers.iter().map(|h| h.chars().count() + 2).collect();
        for (c, h) in s.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &header).map_err(excel)?;
        }
        for (r, row) in s.rows.iter().enumerate() {
            let r = (r + 1) as u32;
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
        ws.set_freeze_panes(1, 0).map_err(excel)?;
        if !s.headers.is_empty() {
            ws.autofilter(0, 0, s.rows.len() as u32, (s.headers.len() - 1) as u16).map_err(excel)?;
        }
    }
    wb.save_to_buffer().map_err(excel)
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
        let sheet = Sheet { name: "s", caption: "", headers: &["a"], rows: vec![vec![Cell::Text(Some(long))]] };
        assert!(workbook(&[sheet], Zone::UTC).is_ok());
        assert_eq!(fit("short"), "short");
    }

    #[test]
    fn more_rows_than_a_worksheet_holds_are_refused() {
        let sheet = Sheet { name: "signIn", caption: "", headers: &["id"], rows: vec![Vec::new(); MAX_ROWS + 1] };
        let e = workbook(&[sheet], Zone::UTC).unwrap_err();
        assert!(e.contains("1048576 rows") && e.contains("--format csv"), "{e}");
    }
}
