//! Report models -> bytes: terminal tables, the Graph JSON envelope, JSON lines and CSV.
//! Renderers receive rows already sorted; they never see Arrow. Every value from the logs is
//! untrusted: CSV cells that a spreadsheet would run as a formula are prefixed with `'`, and
//! control characters are made visible in terminal tables.

pub mod html;
pub mod pseudo;
pub mod table;
pub mod xlsx;

use std::io::{self, Write};

use serde::{Serialize, Serializer};

use crate::time::format_timestamp;

/// Output format (SPEC section 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
    /// An Excel workbook, one sheet (binary: to a file, not a terminal).
    Xlsx,
}

/// A percentage in hundredths, rounded half away from zero in integer arithmetic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Percent(pub u64);

impl Percent {
    /// `part` of `total` as a percentage with two decimals; 0 when `total` is 0.
    pub fn of(part: u64, total: u64) -> Percent {
        if total == 0 {
            return Percent(0);
        }
        let (p, t) = (u128::from(part), u128::from(total));
        Percent(((p * 20_000 + t) / (2 * t)) as u64)
    }
}

impl std::fmt::Display for Percent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (whole, frac) = (self.0 / 100, self.0 % 100);
        match frac {
            0 => write!(f, "{whole}"),
            x if x % 10 == 0 => write!(f, "{whole}.{}", x / 10),
            x => write!(f, "{whole}.{x:02}"),
        }
    }
}

impl Serialize for Percent {
    /// A JSON number: `100`, `96.5`, `3.13`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_multiple_of(100) { s.serialize_u64(self.0 / 100) } else { s.serialize_f64(self.0 as f64 / 100.0) }
    }
}

/// A UTC timestamp rendered as Graph does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub i64);

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_timestamp(self.0))
    }
}

/// Reads every timestamp form the exports use (Graph's own examples carry `-8:00` offsets).
impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        crate::time::parse_timestamp(&s)
            .map(Timestamp)
            .ok_or_else(|| serde::de::Error::custom(format!("not a timestamp: {s:?}")))
    }
}

/// One cell of a table or CSV row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
    Percent(Percent),
    Time(Option<i64>),
}

impl Cell {
    pub fn text(s: Option<&str>) -> Cell {
        Cell::Text(s.map(str::to_string))
    }

    fn is_numeric(&self) -> bool {
        matches!(self, Cell::Int(_) | Cell::Percent(_))
    }

    fn plain(&self) -> String {
        match self {
            Cell::Text(s) => s.clone().unwrap_or_default(),
            Cell::Int(n) => n.map(|n| n.to_string()).unwrap_or_default(),
            Cell::Percent(p) => p.to_string(),
            Cell::Time(t) => t.map(format_timestamp).unwrap_or_default(),
        }
    }
}

/// A report row that renders as JSON (its Graph shape, via serde) and as a flat row of cells.
pub trait Tabular: Serialize {
    fn headers() -> &'static [&'static str];
    fn cells(&self) -> Vec<Cell>;
}

/// The rows of one report, with what the output needs to say about them.
pub struct Rendered<'a, T> {
    pub rows: &'a [T],
    /// `@odata.context` of the JSON envelope.
    pub context: &'a str,
    /// One line stating the window, shown above a table.
    pub caption: &'a str,
}

/// Writes `r` in `format`.
pub fn render<T: Tabular>(r: &Rendered<'_, T>, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Json if pseudo::active().is_some() => {
            let users = pseudo::ids_are_users(r.context);
            let rows = r.rows.iter().map(|row| pseudo::value(row, users)).collect::<Result<Vec<_>, _>>()?;
            write_envelope(r.context, &rows, out)
        }
        Format::Json => write_envelope(r.context, r.rows, out),
        Format::Jsonl => {
            let users = pseudo::ids_are_users(r.context);
            for row in r.rows {
                serde_json::to_writer(&mut *out, &pseudo::value(row, users)?)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
        Format::Csv => write_csv(T::headers(), pseudo::rows(r.rows).into_iter(), out),
        Format::Xlsx => {
            let name = sheet_name(r.context);
            let sheet =
                xlsx::Sheet { name: &name, caption: r.caption, headers: T::headers(), rows: pseudo::rows(r.rows) };
            out.write_all(&xlsx::workbook(&[sheet]).map_err(io::Error::other)?)
        }
        Format::Table => {
            let rows = pseudo::rows(r.rows);
            writeln!(out, "{}", r.caption)?;
            table::write(T::headers(), &rows, out)
        }
    }
}

/// A report that Graph returns as one object (a complex type, e.g.
/// `userRegistrationFeatureSummary`) rather than a collection: JSON is the object with its
/// `@odata.context`, JSON lines the object on one line, a table or CSV its `rows`.
pub fn render_object<T: Serialize, R: Tabular>(
    object: &T,
    r: &Rendered<'_, R>,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    #[derive(Serialize)]
    struct WithContext<'a, T> {
        #[serde(rename = "@odata.context")]
        context: &'a str,
        #[serde(flatten)]
        object: &'a T,
    }
    match format {
        Format::Json => {
            let object = pseudo::value(object, false)?;
            serde_json::to_writer_pretty(&mut *out, &WithContext { context: r.context, object: &object })?;
            out.write_all(b"\n")
        }
        Format::Jsonl => {
            serde_json::to_writer(&mut *out, &pseudo::value(object, false)?)?;
            out.write_all(b"\n")
        }
        Format::Csv | Format::Table | Format::Xlsx => render(r, format, out),
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
    #[derive(Serialize)]
    struct Envelope<'a, T> {
        #[serde(rename = "@odata.context")]
        context: &'a str,
        value: &'a [T],
    }
    serde_json::to_writer_pretty(&mut *out, &Envelope { context, value: rows })?;
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

    #[test]
    fn percent_rounds_half_away_from_zero_exactly() {
        assert_eq!(Percent::of(1, 32).to_string(), "3.13"); // 3.125
        assert_eq!(Percent::of(1, 8).to_string(), "12.5");
        assert_eq!(Percent::of(2, 3).to_string(), "66.67");
        assert_eq!(Percent::of(1, 3).to_string(), "33.33");
        assert_eq!(Percent::of(5, 5).to_string(), "100");
        assert_eq!(Percent::of(0, 0).to_string(), "0");
        assert_eq!(Percent::of(1, 200).to_string(), "0.5");
        assert_eq!(Percent::of(1, 400).to_string(), "0.25");
        assert_eq!(Percent::of(1, 800).to_string(), "0.13"); // 0.125
        assert_eq!(serde_json::to_string(&Percent::of(5, 5)).unwrap(), "100");
        assert_eq!(serde_json::to_string(&Percent::of(1, 32)).unwrap(), "3.13");
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
