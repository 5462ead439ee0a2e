//! Ad hoc SQL over the store (`--features sql`): every table of the manifest registered as a
//! polars lazy scan of exactly the files the manifest lists (never a glob, which could read the
//! files of an interrupted ingest), with the Hive partition columns (`event_type`, `date`,
//! `origin`) and polars' predicate and projection pushdown; the query is polars-sql. Times are
//! UTC wall-clock times (stored UTC instants, zone dropped), as the portable SQL of `sql/` expects.
//!
//! The result comes back as header names and [`Cell`] rows, so every output format renders it.

use polars::prelude::*;
use polars::sql::SQLContext;

use crate::domain::{Cell, Zone};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::manifest::Manifest;

/// A query's result: column names and rows.
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A query polars cannot plan or type is the caller's mistake (exit 2); a store file it cannot
/// read, or a computation that fails on the data, is a failure (exit 1).
fn polars_error(e: PolarsError) -> Error {
    match e {
        PolarsError::IO { .. }
        | PolarsError::ComputeError(_)
        | PolarsError::OutOfBounds(_)
        | PolarsError::NoData(_) => Error::Other(format!("sql: {e}")),
        _ => Error::Usage(format!("sql: {e}")),
    }
}

/// The SQL context with each non-empty table of the store registered under its name.
pub fn context(store: &Store, manifest: &Manifest) -> Result<SQLContext> {
    let ctx = SQLContext::new();
    for (table, files) in &manifest.tables {
        if files.is_empty() {
            continue;
        }
        // Hive `key=value` folders are read from after the table's own folder only.
        let root = format!("{}/", store.path_of(table).display());
        let paths: Vec<PlRefPath> = files
            .iter()
            .map(|f| Ok(PlRefPath::new(store.file(&f.path)?.to_string_lossy().to_string())))
            .collect::<Result<_>>()?;
        let args = ScanArgsParquet {
            hive_options: HiveOptions {
                enabled: Some(true),
                hive_start_idx: root.len(),
                schema: None,
                try_parse_dates: true,
            },
            glob: false,
            ..ScanArgsParquet::default()
        };
        let mut lf = LazyFrame::scan_parquet_files(paths.into(), args).map_err(polars_error)?;
        // UTC instants as UTC wall-clock times: `TIMESTAMP '...'` then compares with
        // them (polars refuses to compare a zoned column with a zone-less value).
        let zoned: Vec<Expr> = lf
            .collect_schema()
            .map_err(polars_error)?
            .iter()
            .filter_map(|(name, dt)| match dt {
                DataType::Datetime(unit, Some(_)) => Some(col(name.clone()).cast(DataType::Datetime(*unit, None))),
                _ => None,
            })
            .collect();
        ctx.register(table, lf.with_columns(zoned));
    }
    Ok(ctx)
}

/// Runs `query` over the store; times in the result are shown in `zone`.
pub fn run(store: &Store, manifest: &Manifest, query: &str, zone: Zone) -> Result<Table> {
    let mut ctx = context(store, manifest)?;
    let df = ctx.execute(query).and_then(LazyFrame::collect).map_err(polars_error)?;
    let headers: Vec<String> = df.get_column_names().iter().map(|n| n.to_string()).collect();
    let mut rows: Vec<Vec<Cell>> = (0..df.height()).map(|_| Vec::with_capacity(headers.len())).collect();
    for col in df.columns() {
        let cells = cells_of(col, zone).map_err(polars_error)?;
        for (row, cell) in rows.iter_mut().zip(cells) {
            row.push(cell);
        }
    }
    Ok(Table { headers, rows })
}

/// One column as cells: integers as numbers, timestamps as times, dates as `YYYY-MM-DD`,
/// everything else as its text.
fn cells_of(col: &Column, zone: Zone) -> PolarsResult<Vec<Cell>> {
    Ok(match col.dtype() {
        dt if dt.is_integer() => col.cast(&DataType::Int64)?.i64()?.iter().map(Cell::Int).collect(),
        DataType::Datetime(unit, _) => {
            let per_us = match unit {
                TimeUnit::Nanoseconds => 1_000,
                TimeUnit::Microseconds | TimeUnit::Milliseconds => 1,
            };
            let times = col.cast(&DataType::Int64)?;
            times
                .i64()?
                .iter()
                .map(|v| {
                    Cell::Time(v.map(|v| {
                        zone.at(match unit {
                            TimeUnit::Milliseconds => v * 1_000,
                            _ => v / per_us,
                        })
                    }))
                })
                .collect()
        }
        DataType::Date => col
            .cast(&DataType::Int32)?
            .i32()?
            .iter()
            .map(|d| Cell::Text(d.map(|d| crate::domain::time::format_day(i64::from(d)))))
            .collect(),
        _ => col.cast(&DataType::String)?.str()?.iter().map(|s| Cell::Text(s.map(str::to_string))).collect(),
    })
}
