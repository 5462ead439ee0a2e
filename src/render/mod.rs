//! Report models -> bytes: terminal tables, the Graph JSON envelope, JSON lines and CSV.
//! Renderers receive rows already sorted; they never see Arrow. Every value from the logs is
//! untrusted: CSV cells that a spreadsheet would run as a formula are prefixed with `'`, and
//! control characters are made visible in terminal tables.

pub mod html;
pub mod labels;
pub mod overview;
pub mod page_sections;
pub mod pseudo;
pub mod table;
pub mod terminal;
pub mod workbook_page;
pub mod xlsx;
pub mod xlsx_book;

use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;

use crate::domain::{Cell, Zone};
use crate::report::investigate::Section;
use crate::report::{Collection, Rows};
use pseudo::Pseudonymizer;

/// Output format (SPEC section 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
    /// An Excel workbook, one sheet (binary: to a file, not a terminal).
    Xlsx,
}

/// How rows become bytes: the format, the key that replaces personal values (if any), and the
/// zone times are shown in (each time carries it too; a workbook also names it).
#[derive(Clone, Copy)]
pub struct Options<'a> {
    pub format: Format,
    pub pseudonymizer: Option<&'a Pseudonymizer>,
    pub zone: Zone,
    /// A table for a person on a terminal this many columns wide ([`table::write_fitted`]);
    /// `None` for a pipe or a file, which get the exact table.
    pub width: Option<usize>,
}

/// The rows of one report, with what the output needs to say about them.
pub struct Rendered<'a> {
    pub rows: &'a dyn Rows,
    /// `@odata.context` of the JSON envelope.
    pub context: &'a str,
    /// One line stating what is counted and the window, shown above a table.
    pub caption: &'a str,
    /// A report that Graph returns as one object (a complex type, e.g.
    /// `userRegistrationFeatureSummary`) rather than a collection: JSON is the object with its
    /// `@odata.context`, JSON lines the object on one line, a table or CSV the `rows`.
    pub object: Option<&'a Value>,
    /// Members of the JSON envelope between `@odata.context` and `value`.
    pub annotations: &'a serde_json::Map<String, Value>,
    /// A page of small tables (`report user`): JSON is `object`; a table, CSV and a workbook
    /// show the object's plain members as a summary, then each section.
    pub sections: &'a [Section],
}

/// Writes `r` as `opts` say.
pub fn render(r: &Rendered<'_>, opts: &Options<'_>, out: &mut dyn Write) -> io::Result<()> {
    let p = opts.pseudonymizer;
    let users = pseudo::ids_are_users(r.context);
    if let (false, Format::Table | Format::Csv | Format::Xlsx) = (r.sections.is_empty(), opts.format) {
        return write_sections(r, opts, out);
    }
    match (opts.format, r.object) {
        (Format::Json, Some(object)) => {
            let mut envelope = serde_json::Map::new();
            envelope.insert("@odata.context".into(), r.context.into());
            envelope.extend(r.annotations.clone());
            match pseudo::json(p, object.clone(), false) {
                Value::Object(members) => envelope.extend(members),
                other => {
                    envelope.insert("value".into(), other);
                }
            }
            serde_json::to_writer_pretty(&mut *out, &envelope)?;
            out.write_all(b"\n")
        }
        (Format::Jsonl, Some(object)) => {
            serde_json::to_writer(&mut *out, &pseudo::json(p, object.clone(), false))?;
            out.write_all(b"\n")
        }
        (Format::Json, None) if !r.annotations.is_empty() => {
            let rows = (0..r.rows.len())
                .map(|i| Ok(pseudo::json(p, r.rows.json(i)?, users)))
                .collect::<io::Result<Vec<_>>>()?;
            let mut envelope = serde_json::Map::new();
            envelope.insert("@odata.context".into(), r.context.into());
            envelope.extend(r.annotations.clone());
            envelope.insert("value".into(), Value::Array(rows));
            serde_json::to_writer_pretty(&mut *out, &envelope)?;
            out.write_all(b"\n")
        }
        (Format::Json, None) if p.is_none() => {
            r.rows.write_collection(r.context, out)?;
            out.write_all(b"\n")
        }
        (Format::Json, None) => {
            let rows = (0..r.rows.len())
                .map(|i| Ok(pseudo::json(p, r.rows.json(i)?, users)))
                .collect::<io::Result<Vec<_>>>()?;
            write_envelope(r.context, &rows, out)
        }
        (Format::Jsonl, None) => {
            for i in 0..r.rows.len() {
                serde_json::to_writer(&mut *out, &pseudo::json(p, r.rows.json(i)?, users))?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
        (Format::Csv, _) => write_csv(r.rows.headers(), pseudo::cells(p, r.rows).into_iter(), out),
        (Format::Xlsx, _) => {
            let name = sheet_name(r.context);
            let sheet = xlsx::Sheet {
                name: &name,
                caption: r.caption,
                headers: r.rows.headers(),
                rows: pseudo::cells(p, r.rows),
                title: false,
            };
            out.write_all(&xlsx::workbook(&[sheet], opts.zone).map_err(io::Error::other)?)
        }
        (Format::Table, _) => {
            let mut rows = pseudo::cells(p, r.rows);
            let headers = r.rows.headers();
            // On a terminal, in the order a person reads (pipes keep Graph's order).
            let order = opts.width.and(labels::person_order(r.context));
            match order.and_then(|(col, desc, words)| Some((headers.iter().position(|h| *h == col)?, desc, words))) {
                Some((i, desc, words)) => {
                    sort_for_people(&mut rows, i, desc);
                    write_table(&format!("{}; {words}", r.caption), headers, &rows, opts.width, out)
                }
                None => write_table(r.caption, headers, &rows, opts.width, out),
            }
        }
    }
}

/// Rows by column `i` (times and numbers by value), `desc` largest first; empty cells last
/// either way, ties in the order given.
fn sort_for_people(rows: &mut [Vec<Cell>], i: usize, desc: bool) {
    let key = |c: Option<&Cell>| match c {
        Some(Cell::Time(Some(t))) => Some(t.us),
        Some(Cell::Int(Some(n))) => Some(*n),
        Some(Cell::Percent(p)) => Some(p.0 as i64),
        _ => None,
    };
    rows.sort_by(|a, b| match (key(a.get(i)), key(b.get(i))) {
        (Some(x), Some(y)) if desc => y.cmp(&x),
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

/// The plain members of a page's object (text, numbers, and the members of an object member
/// such as `signIns.total`), as (member, value) rows.
fn summary(object: Option<&Value>, p: Option<&Pseudonymizer>) -> Vec<Vec<Cell>> {
    let Some(Value::Object(o)) = object.cloned().map(|o| pseudo::json(p, o, false)) else { return Vec::new() };
    let cell = |v: &Value| match v {
        Value::Null => Cell::Text(None),
        Value::Number(n) if n.is_i64() => Cell::Int(n.as_i64()),
        Value::String(s) => Cell::Text(Some(s.clone())),
        Value::Array(items) => Cell::Text(Some(
            items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(", "),
        )),
        other => Cell::Text(Some(other.to_string())),
    };
    let mut rows = Vec::new();
    for (k, v) in &o {
        match v {
            Value::Object(inner) => {
                rows.extend(inner.iter().map(|(ik, iv)| vec![Cell::Text(Some(format!("{k}.{ik}"))), cell(iv)]))
            }
            // Sections (arrays of rows, even empty ones) are shown as their own tables.
            Value::Array(items) if items.is_empty() || items.iter().any(Value::is_object) => {}
            v => rows.push(vec![Cell::Text(Some(k.clone())), cell(v)]),
        }
    }
    rows
}

/// A page of sections as a table (a heading per section), CSV (a block per section: its name
/// on a line, its header, its rows, an empty line) or a workbook (a sheet per section).
fn write_sections(r: &Rendered<'_>, opts: &Options<'_>, out: &mut dyn Write) -> io::Result<()> {
    let p = opts.pseudonymizer;
    let head = summary(r.object, p);
    // (name, title, headers, rows) of the summary and each section.
    type Block<'b> = (&'b str, &'b str, &'b [&'b str], Vec<Vec<Cell>>);
    let blocks: Vec<Block<'_>> = std::iter::once(("summary", "Summary", &["member", "value"][..], head))
        .chain(r.sections.iter().map(|s| (s.name, s.title, s.headers, pseudo::cells(p, s))))
        .collect();
    match opts.format {
        Format::Xlsx => {
            let sheets: Vec<xlsx::Sheet<'_>> = blocks
                .iter()
                .map(|(name, title, headers, rows)| xlsx::Sheet {
                    name,
                    caption: if *name == "summary" { r.caption } else { title },
                    headers,
                    rows: rows.clone(),
                    title: false,
                })
                .collect();
            out.write_all(&xlsx::workbook(&sheets, opts.zone).map_err(io::Error::other)?)
        }
        Format::Csv => {
            for (name, _, headers, rows) in &blocks {
                writeln!(out, "{name}\r")?;
                write_csv(headers, rows.iter().cloned(), &mut *out)?;
                write!(out, "\r\n")?;
            }
            Ok(())
        }
        _ => {
            write_caption(r.caption, opts.width, out)?;
            for (_, title, headers, rows) in &blocks {
                writeln!(out)?;
                if rows.is_empty() {
                    writeln!(out, "{title}: none")?;
                    continue;
                }
                // The summary's member names (`signIns.total`) in words on a terminal.
                let worded: Vec<Vec<Cell>>;
                let rows = match (opts.width, *headers) {
                    (Some(_), ["member", "value"]) => {
                        worded = rows
                            .iter()
                            .map(|r| {
                                let mut r = r.clone();
                                if let Some(Cell::Text(Some(m))) = r.first_mut() {
                                    *m = m.split('.').map(labels::human).collect::<Vec<_>>().join(": ");
                                }
                                r
                            })
                            .collect();
                        &worded
                    }
                    _ => rows,
                };
                write_table(&format!("{title} ({})", rows.len()), headers, rows, opts.width, out)?;
            }
            Ok(())
        }
    }
}

/// A caption, then the table: fitted to `width` (a terminal), or exact.
pub fn write_table(
    caption: &str,
    headers: &[&str],
    rows: &[Vec<Cell>],
    width: Option<usize>,
    out: &mut dyn Write,
) -> io::Result<()> {
    write_caption(caption, width, out)?;
    match width {
        Some(w) => table::write_fitted(headers, rows, w, out),
        None => table::write(headers, rows, out),
    }
}

/// A caption on one line, or broken at spaces to fit a terminal's `width`.
fn write_caption(caption: &str, width: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
    match width {
        Some(w) => table::wrap_words(caption, w).iter().try_for_each(|l| writeln!(out, "{l}")),
        None => writeln!(out, "{caption}"),
    }
}

/// The Graph type of an `@odata.context` (`...#Collection(microsoft.graph.signIn)` -> `signIn`),
/// the name of a report's worksheet.
fn sheet_name(context: &str) -> String {
    let tail = context.rsplit("microsoft.graph.").next().unwrap_or(context);
    let name: String = tail.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    if name.is_empty() { "report".into() } else { name }
}

/// `{"@odata.context": ..., "value": [...]}`, one document.
pub fn write_envelope<T: Serialize>(context: &str, rows: &[T], out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &Collection { context, value: rows })?;
    out.write_all(b"\n")
}

/// RFC 4180 CSV; cells that start with `= + - @`, a tab or a CR are prefixed with `'`.
pub fn write_csv(headers: &[&str], rows: impl Iterator<Item = Vec<Cell>>, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    w.write_record(headers)?;
    for row in rows {
        w.write_record(row.iter().map(|c| match c {
            Cell::Text(_) => neutralise(&c.plain()),
            _ => c.plain(),
        }))?;
    }
    w.flush()
}

/// Makes a cell inert for spreadsheets (SPEC section 4).
pub fn neutralise(s: &str) -> String {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Zone;
    use crate::report::Tabular;

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Row {
        user_principal_name: &'static str,
        ip_address: &'static str,
        app_display_name: &'static str,
        sign_in_count: u64,
        created_date_time: crate::domain::Timestamp,
    }

    impl Tabular for Row {
        fn headers() -> &'static [&'static str] {
            &["userPrincipalName", "ipAddress", "appDisplayName", "signInCount", "createdDateTime"]
        }
        fn cells(&self) -> Vec<Cell> {
            vec![
                Cell::text(Some(self.user_principal_name)),
                Cell::text(Some(self.ip_address)),
                Cell::text(Some(self.app_display_name)),
                Cell::Int(Some(self.sign_in_count as i64)),
                Cell::Time(Some(self.created_date_time)),
            ]
        }
    }

    fn rendered(format: Format, p: Option<&Pseudonymizer>, zone: Zone) -> String {
        let rows = vec![Row {
            user_principal_name: "Ana@Contoso.example",
            ip_address: "10.0.0.1",
            app_display_name: "Portal",
            sign_in_count: 1234,
            created_date_time: zone.at(1_777_600_000_000_000),
        }];
        let r = Rendered {
            rows: &rows,
            context: "ctx",
            caption: "caption",
            object: None,
            annotations: &Default::default(),
            sections: &[],
        };
        let mut out = Vec::new();
        render(&r, &Options { format, pseudonymizer: p, zone, width: None }, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_key_and_the_zone_are_values_of_each_render() {
        let key = Pseudonymizer::from_key(b"0123456789abcdef");
        let token = key.token(pseudo::Kind::Upn, "ana@contoso.example");
        for format in [Format::Json, Format::Jsonl, Format::Csv, Format::Table] {
            let plain = rendered(format, None, Zone::UTC);
            assert!(plain.contains("Ana@Contoso.example") && plain.contains("10.0.0.1"), "{plain}");
            let hidden = rendered(format, Some(&key), Zone::UTC);
            assert!(!hidden.contains("Ana@Contoso") && !hidden.contains("10.0.0.1"), "{format:?}: {hidden}");
            assert!(hidden.contains(&token) && hidden.contains("Portal"), "{format:?}: {hidden}");
            // One render with a key leaves the next one without it untouched.
            assert_eq!(rendered(format, None, Zone::UTC), plain);
        }
        let ktm = Zone::parse("Asia/Kathmandu").unwrap();
        assert!(rendered(Format::Json, None, Zone::UTC).contains("\"2026-05-01T01:46:40Z\""));
        assert!(rendered(Format::Json, None, ktm).contains("\"2026-05-01T07:31:40+05:45\""));
    }

    #[test]
    fn csv_neutralises_formulas() {
        let mut out = Vec::new();
        let rows = vec![vec![Cell::text(Some("=cmd|' /C calc'!A0")), Cell::Int(Some(-5)), Cell::text(Some("a,\"b\""))]];
        write_csv(&["a", "b", "c"], rows.into_iter(), &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "a,b,c\r\n'=cmd|' /C calc'!A0,-5,\"a,\"\"b\"\"\"\r\n");
        for p in ["+1", "-1", "@x", "\tx", "\rx"] {
            assert!(neutralise(p).starts_with('\''));
        }
    }
}
