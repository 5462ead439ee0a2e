//! One cell of a report row as a table, CSV or spreadsheet shows it: typed, so that numbers
//! align right, stay numbers in a workbook, and times carry their zone.

use super::{Percent, Timestamp};

/// One cell of a table or CSV row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
    Percent(Percent),
    Time(Option<Timestamp>),
}

impl Cell {
    pub fn text(s: Option<&str>) -> Cell {
        Cell::Text(s.map(str::to_string))
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Cell::Int(_) | Cell::Percent(_))
    }

    /// The cell as plain text: times in their zone, nothing for null.
    pub fn plain(&self) -> String {
        match self {
            Cell::Text(s) => s.clone().unwrap_or_default(),
            Cell::Int(n) => n.map(|n| n.to_string()).unwrap_or_default(),
            Cell::Percent(p) => p.to_string(),
            Cell::Time(t) => t.map(|t| t.to_string()).unwrap_or_default(),
        }
    }
}

/// `1234567` -> `1,234,567`.
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}
