//! Aligned terminal tables. Numbers are right-aligned; long text is cut with an ellipsis;
//! control characters from the logs are shown escaped so that they cannot drive the terminal.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

use super::Cell;

const MAX_WIDTH: usize = 48;

/// Replaces control and bidirectional formatting characters (ESC, CR, U+202E, ...) by their
/// escaped form and cuts to `max` columns.
pub fn sanitize(s: &str, max: usize) -> String {
    let escaped = super::terminal::escape(s).into_owned();
    if escaped.width() <= max {
        return escaped;
    }
    let mut out = String::new();
    let mut width = 0;
    for ch in escaped.chars() {
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
}
