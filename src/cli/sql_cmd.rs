//! `signin-insights sql "SELECT ..."`: ad hoc SQL over the store (built with `--features sql`).

use super::{Config, FormatArg, StoreArg};
use crate::error::Result;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The query, in polars SQL. Tables: signins, adfs_signins, audits, credentials,
    /// registrations, rp_trusts (those the store holds), with their partition columns
    /// (event_type, date, origin).
    query: String,
    #[command(flatten)]
    store: StoreArg,
    /// How to print the result (default: a table on a terminal, JSON otherwise).
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Read the store even if it fails the quick verification.
    #[arg(long)]
    no_verify: bool,
}

#[cfg(not(feature = "sql"))]
pub fn run(_args: &Args, _config: &Config) -> Result<u8> {
    Err(crate::error::Error::Usage(
        "this signin-insights was built without the SQL engine: build it with `cargo build --release --features sql`"
            .into(),
    ))
}

#[cfg(feature = "sql")]
pub fn run(args: &Args, config: &Config) -> Result<u8> {
    use super::report_cmd::checked_manifest;
    use super::{note, with_stdout};
    use crate::domain::Cell;
    use crate::render::{Format, table, write_csv, xlsx};
    use serde_json::{Map, Value};

    let store = args.store.open();
    let manifest = checked_manifest(&store, args.no_verify)?;
    let format = config.format(args.format)?;
    let mut result = crate::scan::sql::run(&store, &manifest, &args.query, config.zone)?;
    let headers: Vec<&str> = result.headers.iter().map(String::as_str).collect();
    if let Some(p) = &config.pseudonymizer {
        for row in &mut result.rows {
            p.cells(&headers, row);
        }
    }
    if !config.quiet {
        let n = result.rows.len();
        note!("signin-insights: {n} row{}", if n == 1 { "" } else { "s" });
    }
    let object = |row: &[Cell]| -> Value {
        let mut m = Map::new();
        for (h, c) in headers.iter().zip(row) {
            let v = match c {
                Cell::Int(Some(n)) => Value::from(*n),
                Cell::Text(Some(t)) => Value::from(t.as_str()),
                Cell::Time(Some(t)) => Value::from(t.to_string()),
                Cell::Percent(p) => Value::from(p.0 as f64 / 100.0),
                _ => Value::Null,
            };
            m.insert(h.to_string(), v);
        }
        Value::Object(m)
    };
    with_stdout(|out| match format {
        Format::Table => match config.table_width() {
            Some(w) => table::write_fitted(&headers, &result.rows, w, out),
            None => table::write(&headers, &result.rows, out),
        },
        Format::Csv => write_csv(&headers, result.rows.iter().cloned(), out),
        Format::Json => {
            let rows: Vec<Value> = result.rows.iter().map(|r| object(r)).collect();
            serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "value": rows }))?;
            out.write_all(b"\n")
        }
        Format::Jsonl => {
            for r in &result.rows {
                serde_json::to_writer(&mut *out, &object(r))?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
        Format::Xlsx => {
            let sheet = xlsx::Sheet {
                name: "sql",
                caption: &args.query,
                headers: &headers,
                rows: result.rows.clone(),
                title: false,
            };
            out.write_all(&xlsx::workbook(&[sheet], config.zone).map_err(std::io::Error::other)?)
        }
    })?;
    Ok(0)
}
