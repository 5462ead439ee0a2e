//! The Log Analytics query API response, `{"tables":[{"name","columns":[{"name","type"}],
//! "rows":[[...]]}]}`: positional rows, turned into one object per row keyed by column name, so
//! that they read like any other Log Analytics export. The splitter hands the whole response
//! over as one record (the API caps a response at 64 MB, below the record limit).

use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Deserialize)]
struct Response<'a> {
    #[serde(borrow)]
    tables: Vec<Table<'a>>,
}

#[derive(Deserialize)]
struct Table<'a> {
    #[serde(borrow, default)]
    name: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    columns: Vec<Column<'a>>,
    #[serde(borrow)]
    rows: Vec<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
struct Column<'a> {
    #[serde(borrow)]
    name: std::borrow::Cow<'a, str>,
}

/// One row as a JSON object, or why it is not one; `label` names it (`table PrimaryResult,
/// row 3`).
pub struct Row {
    pub label: String,
    pub text: Result<String, String>,
}

/// True when `record` looks like a query API response (cheap: its first key is `tables`).
pub fn is_response(record: &str) -> bool {
    let body = record.trim_start().strip_prefix('{').unwrap_or("").trim_start();
    body.starts_with("\"tables\"")
}

/// The rows of a response; `Err` when the document is not a well-formed response.
pub fn rows(record: &str) -> Result<Vec<Row>, String> {
    let resp: Response<'_> =
        serde_json::from_str(record).map_err(|e| format!("not a Log Analytics query response: {e}"))?;
    let mut out = Vec::new();
    for (t, table) in resp.tables.iter().enumerate() {
        let name = table.name.as_deref().map_or_else(|| format!("#{}", t + 1), str::to_string);
        for (r, row) in table.rows.iter().enumerate() {
            let label = format!("table {name}, row {}", r + 1);
            let text = if row.len() != table.columns.len() {
                Err(format!("{} values for {} columns", row.len(), table.columns.len()))
            } else {
                let mut s = String::with_capacity(row.iter().map(|v| v.get().len() + 24).sum());
                s.push('{');
                for (i, (col, value)) in table.columns.iter().zip(row).enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    s.push_str(&serde_json::to_string(&col.name).expect("a string serialises"));
                    s.push(':');
                    s.push_str(value.get());
                }
                s.push('}');
                Ok(s)
            };
            out.push(Row { label, text });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_objects() {
        let doc = r#"{"tables":[{"name":"PrimaryResult","columns":[{"name":"Id","type":"string"},{"name":"Status","type":"dynamic"}],
            "rows":[["a","{\"errorCode\":0}"],["b",null],["c"]]}]}"#;
        assert!(is_response(doc));
        let rows = rows(doc).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].text.as_deref().unwrap(), r#"{"Id":"a","Status":"{\"errorCode\":0}"}"#);
        assert_eq!(rows[1].text.as_deref().unwrap(), r#"{"Id":"b","Status":null}"#);
        assert_eq!(rows[2].label, "table PrimaryResult, row 3");
        assert!(rows[2].text.is_err());
        assert!(!is_response(r#"{"id":"x","tables":[]}"#));
    }
}
