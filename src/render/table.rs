//! Aligned tables. Numbers are right-aligned; long text is cut with an ellipsis; control
//! characters from the logs are shown escaped so that they cannot drive the terminal.
//!
//! [`write`] is the exact table a pipe or a file gets: Graph member names, every value as the
//! other formats write it. [`write_fitted`] is the table a person reads on a terminal of a given
//! width (SPEC 7): words for headers, numbers with thousands separators, times to the minute,
//! ids shortened where the row shows the name, long text cut, and the columns that still do not
//! fit named below the table.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

use super::Cell;
use super::labels;
pub use crate::domain::group_thousands;

const MAX_WIDTH: usize = 48;

/// Replaces control and bidirectional formatting characters (ESC, CR, U+202E, ...) by their
/// escaped form and cuts to `max` columns.
pub fn sanitize(s: &str, max: usize) -> String {
    cut(&super::terminal::escape(s), max)
}

pub fn write(headers: &[&str], rows: &[Vec<Cell>], out: &mut dyn Write) -> io::Result<()> {
    let texts: Vec<Vec<String>> =
        rows.iter().map(|r| r.iter().map(|c| sanitize(&c.plain(), MAX_WIDTH)).collect()).collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for r in &texts {
        for (i, t) in r.iter().enumerate() {
            widths[i] = widths[i].max(t.width());
        }
    }
    let line = |cells: &[String], numeric: &dyn Fn(usize) -> bool| {
        let mut s = String::new();
        for (i, t) in cells.iter().enumerate() {
            let pad = " ".repeat(widths[i] - t.width());
            if i > 0 {
                s.push_str("  ");
            }
            if numeric(i) {
                s.push_str(&pad);
                s.push_str(t);
            } else {
                s.push_str(t);
                if i + 1 < cells.len() {
                    s.push_str(&pad);
                }
            }
        }
        s
    };
    let head: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    let numeric_col = |i: usize| rows.first().is_some_and(|r| r[i].is_numeric());
    writeln!(out, "{}", line(&head, &numeric_col))?;
    writeln!(out, "{}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "))?;
    for (r, cells) in texts.iter().zip(rows) {
        writeln!(out, "{}", line(r, &|i| cells[i].is_numeric()))?;
    }
    if rows.is_empty() {
        writeln!(out, "(no rows)")?;
    }
    Ok(())
}

/// What a column holds, for fitting it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Number,
    Time,
    Text,
    /// Ids the row also names: shortened first.
    NamedId,
}

/// The gap between two columns.
const GAP: usize = 2;
/// The narrowest a text column is cut to (shorter text is never cut).
const MIN_TEXT: usize = 12;
/// A shortened GUID: its first eight digits and `…`.
const SHORT_ID: usize = 9;

/// Writes `rows` for a person on a terminal `width` columns wide (see the module doc). The
/// caption is the caller's; the rows are the same as [`write`]'s.
pub fn write_fitted(headers: &[&str], rows: &[Vec<Cell>], width: usize, out: &mut dyn Write) -> io::Result<()> {
    // A column empty in every row says nothing at this width: it is named below instead.
    let empty: Vec<usize> =
        (0..headers.len()).filter(|&i| !rows.is_empty() && rows.iter().all(|r| r[i].plain().is_empty())).collect();
    if empty.is_empty() || empty.len() == headers.len() {
        return fit_columns(headers, rows, width, out);
    }
    let keep = |i: &usize| !empty.contains(i);
    let kept_headers: Vec<&str> = (0..headers.len()).filter(keep).map(|i| headers[i]).collect();
    let kept_rows: Vec<Vec<Cell>> =
        rows.iter().map(|r| (0..r.len()).filter(keep).map(|i| r[i].clone()).collect()).collect();
    fit_columns(&kept_headers, &kept_rows, width, out)?;
    let names: Vec<String> = empty.iter().map(|&i| labels::human(headers[i])).collect();
    for l in wrap_words(&format!("(empty in every row: {})", names.join(", ")), width) {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

fn fit_columns(headers: &[&str], rows: &[Vec<Cell>], width: usize, out: &mut dyn Write) -> io::Result<()> {
    let n = headers.len();
    let labels: Vec<String> = headers.iter().map(|h| labels::human(h)).collect();
    let kinds: Vec<Kind> = (0..n)
        .map(|i| {
            let filled = || rows.iter().filter(|r| !r[i].plain().is_empty());
            if filled().next().is_some() && filled().all(|r| r[i].is_numeric()) {
                Kind::Number
            } else if rows.iter().any(|r| matches!(r[i], Cell::Time(Some(_)))) || headers[i] == "ipAddress" {
                // Times and addresses are read whole or not at all.
                Kind::Time
            } else if labels::name_column_of(headers[i], headers).is_some()
                && rows.iter().all(|r| r[i].plain().is_empty() || is_guid(&r[i].plain()))
            {
                Kind::NamedId
            } else {
                Kind::Text
            }
        })
        .collect();
    let texts: Vec<Vec<String>> =
        rows.iter().map(|r| r.iter().enumerate().map(|(i, c)| person_text(c, headers[i])).collect()).collect();
    let data_width = |i: usize| texts.iter().map(|r| r[i].width()).max().unwrap_or(0);
    // Text longer than MAX_WIDTH is cut even on a wide terminal, as on a pipe.
    let natural: Vec<usize> = (0..n)
        .map(|i| {
            let data = if kinds[i] == Kind::Text { data_width(i).min(MAX_WIDTH) } else { data_width(i) };
            data.max(labels[i].width())
        })
        .collect();
    // The narrowest each column may become: its data (numbers and times are never cut; text to
    // MIN_TEXT, ids to SHORT_ID) and its header on at most two lines.
    let min: Vec<usize> = (0..n)
        .map(|i| {
            let data = match kinds[i] {
                Kind::Number | Kind::Time => data_width(i),
                Kind::Text => data_width(i).min(MIN_TEXT),
                Kind::NamedId => data_width(i).min(SHORT_ID),
            };
            data.max(two_line_width(&labels[i])).min(natural[i])
        })
        .collect();
    let total = |w: &[usize]| w.iter().sum::<usize>() + GAP * w.len().saturating_sub(1);
    // Names (of apps, users, policies) are cut only when the other text is as short as it goes.
    let is_name = |i: usize| {
        let h = headers[i];
        h.ends_with("Name") || h == "app" || h == "userPrincipalName"
    };
    // The widths of the columns `cols`: headers onto two lines, then ids shortened, then the
    // widest text cut a column at a time.
    let fit = |cols: &[usize]| {
        let mut w: Vec<usize> = cols.iter().map(|&i| natural[i]).collect();
        for step in [Kind::Number, Kind::NamedId] {
            for (j, &i) in cols.iter().enumerate() {
                if total(&w) > width && (kinds[i] == step || (step == Kind::Number && kinds[i] == Kind::Time)) {
                    w[j] = min[i];
                }
            }
        }
        for names_too in [false, true] {
            while total(&w) > width {
                let Some(j) = (0..cols.len())
                    .filter(|&j| w[j] > min[cols[j]] && (names_too || !is_name(cols[j])))
                    .max_by_key(|&j| (w[j] - min[cols[j]], usize::MAX - j))
                else {
                    break;
                };
                let slack = w[j] - min[cols[j]];
                w[j] -= (total(&w) - width).min(slack).min(slack.div_ceil(2).max(1));
            }
        }
        w
    };
    // Columns that do not fit even so are left out: first those a person needs least (record
    // ids, ids the row names, event types), then from the right; the first column always stays.
    let minor = |i: usize| kinds[i] == Kind::NamedId || matches!(headers[i], "id" | "eventType" | "correlationId");
    let mut drop_order: Vec<usize> = (1..n).collect();
    drop_order.sort_by_key(|&i| (!minor(i), std::cmp::Reverse(i)));
    let mut cols: Vec<usize> = (0..n).collect();
    let mut w = fit(&cols);
    let mut left_out = Vec::new();
    for &i in &drop_order {
        if total(&w) <= width {
            break;
        }
        cols.retain(|&c| c != i);
        left_out.push(i);
        w = fit(&cols);
    }
    left_out.sort_unstable();
    let heads: Vec<Vec<String>> = cols.iter().zip(&w).map(|(&i, &w)| header_lines(&labels[i], w)).collect();
    let head_lines = heads.iter().map(Vec::len).max().unwrap_or(1);
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (j, t) in cells.iter().enumerate() {
            let pad = " ".repeat(w[j].saturating_sub(t.width()));
            if j > 0 {
                s.push_str(&" ".repeat(GAP));
            }
            if kinds[cols[j]] == Kind::Number {
                s.push_str(&pad);
                s.push_str(t);
            } else {
                s.push_str(t);
                s.push_str(&pad);
            }
        }
        s.trim_end().to_string()
    };
    for l in 0..head_lines {
        // A header of fewer lines than the tallest sits on the bottom line, over its column.
        let cells: Vec<String> = heads
            .iter()
            .map(|h| {
                let offset = head_lines - h.len();
                if l >= offset { h[l - offset].clone() } else { String::new() }
            })
            .collect();
        writeln!(out, "{}", line(&cells))?;
    }
    writeln!(out, "{}", w.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join(&" ".repeat(GAP)))?;
    for r in &texts {
        let cells: Vec<String> = cols
            .iter()
            .zip(&w)
            .map(|(&i, &w)| {
                if kinds[i] == Kind::NamedId && w < r[i].width() && is_guid(&r[i]) {
                    format!("{}…", &r[i][..w.saturating_sub(1).min(8)])
                } else {
                    cut(&r[i], w)
                }
            })
            .collect();
        writeln!(out, "{}", line(&cells))?;
    }
    if rows.is_empty() {
        writeln!(out, "(no rows)")?;
    }
    if !left_out.is_empty() {
        let left: Vec<&str> = left_out.iter().map(|&i| labels[i].as_str()).collect();
        for l in
            wrap_words(&format!("(not shown at this width: {}; --format csv has every column)", left.join(", ")), width)
        {
            writeln!(out, "{l}")?;
        }
    }
    Ok(())
}

/// A cell as a person reads it: thousands separators (not in codes), times to the minute in
/// their zone, control characters escaped.
fn person_text(c: &Cell, header: &str) -> String {
    match c {
        Cell::Int(Some(n)) if !labels::is_code(header) => group_thousands(*n),
        Cell::Time(Some(t)) => t.zone.format_minutes(t.us),
        _ => super::terminal::escape(&c.plain()).into_owned(),
    }
}

/// `8-4-4-4-12` hex digits: an id a person would rather see named.
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter()
            .enumerate()
            .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

/// `s` (already escaped) cut to `max` columns with `…`.
fn cut(s: &str, max: usize) -> String {
    if s.width() <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut width = 0;
    for ch in s.chars() {
        let w = ch.to_string().width();
        if width + w > max.saturating_sub(1) {
            break;
        }
        width += w;
        out.push(ch);
    }
    out.push('…');
    out
}

/// The narrowest width at which `label` wraps onto at most two lines without cutting a word.
fn two_line_width(label: &str) -> usize {
    let longest = label.split(' ').map(UnicodeWidthStr::width).max().unwrap_or(0);
    (longest..=label.width()).find(|&w| wrap_words(label, w).len() <= 2).unwrap_or(label.width())
}

/// A header in a column `width` wide: on one line, else two, the second cut if it must be.
fn header_lines(label: &str, width: usize) -> Vec<String> {
    let mut lines = wrap_words(label, width);
    if lines.len() > 2 {
        let rest = lines[1..].join(" ");
        lines.truncate(1);
        lines.push(rest);
    }
    lines.into_iter().map(|l| cut(&l, width)).collect()
}

/// `text` broken into lines of at most `width` columns at spaces (a longer word is a line of
/// its own).
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !line.is_empty() && line.width() + 1 + word.width() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_long_text_cut() {
        assert_eq!(sanitize("a\u{1b}[31mb", 48), "a\\u{1b}[31mb");
        assert_eq!(sanitize(&"x".repeat(60), 10).chars().count(), 10);
        assert_eq!(sanitize("日本語", 48), "日本語");
        assert_eq!(sanitize("a\u{202e}b", 48), "a\\u{202e}b");
    }

    fn row(name: &str, id: &str, code: i64, count: i64, reason: &str) -> Vec<Cell> {
        vec![
            Cell::text(Some(name)),
            Cell::text(Some(id)),
            Cell::Int(Some(code)),
            Cell::Int(Some(count)),
            Cell::text(Some(reason)),
        ]
    }

    fn fitted(width: usize) -> String {
        let headers = ["appDisplayName", "appId", "errorCode", "signInCount", "failureReason"];
        let rows = vec![
            row("Office 365 Exchange Online", "00000002-0000-0ff1-ce00-000000000000", 50126, 1234567, &"x".repeat(70)),
            row("Teams", "1fec8e78-bce4-4aaf-ab1b-5451cc387264", 50074, 3, "Strong Authentication is required."),
        ];
        let mut out = Vec::new();
        write_fitted(&headers, &rows, width, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_fitted_table_keeps_to_the_width_and_reads_as_words() {
        let wide = fitted(200);
        assert!(wide.contains("1,234,567") && wide.contains("50126") && !wide.contains("50,126"), "{wide}");
        assert!(wide.contains("00000002-0000-0ff1-ce00-000000000000"), "ids whole when they fit: {wide}");
        assert!(wide.starts_with("app  "), "words for headers: {wide}");
        for width in [80, 60, 40] {
            let t = fitted(width);
            for l in t.lines() {
                assert!(l.width() <= width, "{width}: {l:?} is {} wide\n{t}", l.width());
            }
        }
        let narrow = fitted(80);
        assert!(narrow.contains("00000002…") && narrow.contains("1,234,567"), "{narrow}");
        assert!(narrow.contains("Office 365 Exchange Online"), "names stay whole before the reasons are cut: {narrow}");
        let tiny = fitted(40);
        assert!(tiny.replace('\n', " ").contains("not shown at this width: app id, failure reason"), "{tiny}");
        assert!(tiny.contains("Office 365 Exchange O…"), "the room of a column left out goes to the others: {tiny}");
        assert_eq!(group_thousands(-1234), "-1,234");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(wrap_words("a bb ccc", 4), ["a bb", "ccc"]);
    }
}
