//! CSV exports -> record blocks: each row becomes a JSON object keyed by column name, so that
//! it reads like a Log Analytics row. Two CSV families exist:
//!
//! - the Log Analytics / Sentinel portal's "Export to CSV": column names, datetime columns
//!   suffixed ` [UTC]` with `M/D/YYYY, h:mm:ss.fff AM/PM` values, `X_dynamic` / `X_string`
//!   pairs from union queries, JSON text in cells, `TRUE`/`FALSE`;
//! - the Entra admin center's sign-in download: display-name headers (`Date (UTC)`,
//!   `Request ID`, `Application ID `, ...), one file per sign-in type, the type known only from
//!   the file name (`InteractiveSignIns_...`, `ApplicationSignIns_...`).
//!
//! Headers are matched case- and whitespace-insensitively. The row object is what gets stored as
//! the original record: nothing in it is invented except `Type`, added from the file name of an
//! admin-center download.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;
use std::rc::Rc;

use super::split::{Block, Reject, Span};

/// Admin-center display header (lower case, single spaces) -> Log Analytics column.
const DISPLAY_HEADERS: &[(&str, &str)] = &[
    ("date (utc)", "CreatedDateTime"),
    ("date", "CreatedDateTime"),
    ("request id", "Id"),
    ("correlation id", "CorrelationId"),
    ("user id", "UserId"),
    ("user", "UserDisplayName"),
    ("username", "UserPrincipalName"),
    ("user type", "UserType"),
    ("application", "AppDisplayName"),
    ("application id", "AppId"),
    ("resource", "ResourceDisplayName"),
    ("resource id", "ResourceIdentity"),
    ("ip address", "IPAddress"),
    ("location", "Location"),
    // A word (Success, Failure, Interrupted); the code is in "Sign-in error code".
    ("status", "StatusText"),
    ("sign-in error code", "ResultType"),
    ("failure reason", "ResultDescription"),
    ("client app", "ClientAppUsed"),
    ("authentication requirement", "AuthenticationRequirement"),
    ("conditional access", "ConditionalAccessStatus"),
    ("service principal id", "ServicePrincipalId"),
    ("service principal name", "ServicePrincipalName"),
    ("credential key id", "ServicePrincipalCredentialKeyId"),
    ("credential thumbprint", "ServicePrincipalCredentialThumbprint"),
    ("managed identity type", "ManagedIdentityType"),
    ("user agent", "UserAgent"),
    ("cross tenant access type", "CrossTenantAccessType"),
    ("incoming token type", "IncomingTokenType"),
    ("authentication protocol", "AuthenticationProtocol"),
    ("client credential type", "ClientCredentialType"),
    ("home tenant id", "HomeTenantId"),
    ("resource tenant id", "ResourceTenantId"),
    // The device, in columns of its own (read as `deviceDetail`).
    ("operating system", "DeviceOperatingSystem"),
    ("browser", "DeviceBrowser"),
    ("compliant", "DeviceIsCompliant"),
    ("managed", "DeviceIsManaged"),
    ("join type", "DeviceTrustType"),
];

/// The file-name prefixes of the admin center's downloads -> Log Analytics table.
const DOWNLOAD_FILES: &[(&str, &str)] = &[
    ("noninteractivesignins", "AADNonInteractiveUserSignInLogs"),
    ("interactivesignins", "SigninLogs"),
    ("applicationsignins", "AADServicePrincipalSignInLogs"),
    ("msisignins", "AADManagedIdentitySignInLogs"),
];

fn squash(h: &str) -> String {
    h.trim().trim_start_matches('\u{feff}').split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase()
}

/// Column names for a header row; the second value is true for an admin-center download.
fn columns(headers: &csv::StringRecord) -> (Vec<String>, bool) {
    let squashed: Vec<String> = headers.iter().map(squash).collect();
    let display = squashed.iter().any(|h| h == "date (utc)" || h == "request id");
    let names = headers
        .iter()
        .zip(&squashed)
        .map(|(raw, low)| {
            if display {
                if let Some((_, la)) = DISPLAY_HEADERS.iter().find(|(d, _)| d == low) {
                    return la.to_string();
                }
                return raw.trim().to_string();
            }
            // Log Analytics: `CreatedDateTime [UTC]` -> `CreatedDateTime`; `Status_dynamic` /
            // `Status_string` -> `Status`.
            let name = raw.trim().trim_start_matches('\u{feff}');
            let name = name.split(" [").next().unwrap_or(name).trim();
            let name = name.strip_suffix("_dynamic").or_else(|| name.strip_suffix("_string")).unwrap_or(name);
            name.to_string()
        })
        .collect();
    (names, display)
}

/// The table an admin-center download holds, from its file name.
fn table_from_file_name(file: &str) -> Option<&'static str> {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file).to_ascii_lowercase();
    DOWNLOAD_FILES.iter().find(|(prefix, _)| base.starts_with(prefix)).map(|(_, t)| *t)
}

/// True when the decoded text starts like a CSV file (a header line with a comma), not JSON.
pub fn looks_like_csv(head: &[u8]) -> bool {
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let first = text.iter().position(|b| !b.is_ascii_whitespace()).map(|i| text[i]);
    if matches!(first, Some(b'{' | b'[') | None) {
        return false;
    }
    let line_end = memchr::memchr(b'\n', text).unwrap_or(text.len());
    memchr::memchr(b',', &text[..line_end]).is_some()
}

/// Where the newlines of a stream are, for the lines of records: the csv crate's own line
/// numbers fall one short after each CRLF. Holds only the newlines read ahead of the record
/// being numbered (the reader's buffer), so it stays small.
struct Lines<R> {
    inner: R,
    at: u64,
    newlines: Rc<RefCell<VecDeque<u64>>>,
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut q = self.newlines.borrow_mut();
        q.extend(memchr::memchr_iter(b'\n', &buf[..n]).map(|i| self.at + i as u64));
        self.at += n as u64;
        Ok(n)
    }
}

/// Numbers records in stream order.
struct LineOf {
    newlines: Rc<RefCell<VecDeque<u64>>>,
    passed: u64,
}

impl LineOf {
    /// The 1-based line and byte offset of a record the csv crate says starts at `byte`: a
    /// record "starting" on the `\n` of a CRLF starts after it.
    fn at(&mut self, byte: u64) -> (u64, u64) {
        let mut q = self.newlines.borrow_mut();
        let mut start = byte;
        while let Some(&nl) = q.front() {
            if nl > byte {
                break;
            }
            if nl == byte {
                start = byte + 1;
            }
            q.pop_front();
            self.passed += 1;
        }
        (self.passed + 1, start)
    }
}

/// Reads `reader` as CSV and hands blocks of row objects to `send` (which returns false to
/// stop). A row that cannot be read is rejected with its line; the rest are still read.
pub fn blocks(reader: impl Read, file: &str, max_block: usize, mut send: impl FnMut(Block) -> bool) -> csv::Result<()> {
    let newlines = Rc::new(RefCell::new(VecDeque::new()));
    let mut line_of = LineOf { newlines: newlines.clone(), passed: 0 };
    let reader = Lines { inner: reader, at: 0, newlines };
    let mut rdr = csv::ReaderBuilder::new().flexible(true).has_headers(true).from_reader(reader);
    let headers = rdr.headers()?.clone();
    let (names, display) = columns(&headers);
    let table = if display { table_from_file_name(file) } else { None };
    let mut block = Block::default();
    let mut row = csv::StringRecord::new();
    loop {
        let before = rdr.position().clone();
        match rdr.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {
                let (line, offset) = line_of.at(row.position().map_or(before.byte(), csv::Position::byte));
                if row.len() != names.len() {
                    let reason = format!("{} fields where the header has {}", row.len(), names.len());
                    let text = row.iter().collect::<Vec<_>>().join(",").into_bytes();
                    block.rejects.push(Reject { line, offset, reason, text });
                } else {
                    let start = block.bytes.len();
                    write_object(&mut block.bytes, &names, &row, table);
                    block.spans.push(Span { start, end: block.bytes.len(), line, offset });
                }
            }
            Err(e) => {
                let (line, offset) = line_of.at(e.position().map_or(before.byte(), csv::Position::byte));
                let reason = format!("unreadable CSV row: {e}");
                block.rejects.push(Reject { line, offset, reason, text: Vec::new() });
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    // An I/O error ends the file; what was read is kept.
                    break;
                }
            }
        }
        if block.bytes.len() >= max_block && !send(std::mem::take(&mut block)) {
            return Ok(());
        }
    }
    if !block.spans.is_empty() || !block.rejects.is_empty() {
        send(block);
    }
    Ok(())
}

/// `{"<name>":"<cell>",...}`: every cell a JSON string; of a `_dynamic`/`_string` pair the
/// non-empty one.
fn write_object(out: &mut Vec<u8>, names: &[String], row: &csv::StringRecord, table: Option<&str>) {
    let mut seen: Vec<&str> = Vec::with_capacity(names.len());
    out.push(b'{');
    for (i, name) in names.iter().enumerate() {
        let cell = &row[i];
        if seen.contains(&name.as_str()) {
            continue;
        }
        // The first of two columns with one name wins unless it is empty.
        let cell = if cell.is_empty() {
            names[i + 1..]
                .iter()
                .zip(row.iter().skip(i + 1))
                .find(|(n, c)| *n == name && !c.is_empty())
                .map_or(cell, |x| x.1)
        } else {
            cell
        };
        if !seen.is_empty() {
            out.push(b',');
        }
        seen.push(name);
        serde_json::to_writer(&mut *out, name).expect("writing to a Vec");
        out.push(b':');
        serde_json::to_writer(&mut *out, cell).expect("writing to a Vec");
    }
    if let Some(t) = table.filter(|_| !seen.contains(&"Type")) {
        out.extend_from_slice(b",\"Type\":");
        serde_json::to_writer(&mut *out, t).expect("writing to a Vec");
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str, file: &str) -> (Vec<serde_json::Value>, Vec<(u64, String)>) {
        let mut out = (Vec::new(), Vec::new());
        blocks(text.as_bytes(), file, 1 << 20, |b| {
            for s in &b.spans {
                out.0.push(serde_json::from_slice(&b.bytes[s.start..s.end]).unwrap());
            }
            out.1.extend(b.rejects.into_iter().map(|r| (r.line, r.reason)));
            true
        })
        .unwrap();
        out
    }

    #[test]
    fn log_analytics_export() {
        let text = "\u{feff}Id,CreatedDateTime [UTC],Status_dynamic,Status_string,IsInteractive,Type\r\n\
                    a,\"4/28/2021, 2:08:45.221 PM\",\"{\"\"errorCode\"\":0}\",,TRUE,SigninLogs\r\n\
                    b,\"4/28/2021, 2:09:45.221 PM\",,\"{\"\"errorCode\"\":50126}\",FALSE,SigninLogs\r\n\
                    c,short\r\n";
        assert!(looks_like_csv(text.as_bytes()));
        let (ok, bad) = rows(text, "x.csv");
        assert_eq!(ok[0]["CreatedDateTime"], "4/28/2021, 2:08:45.221 PM");
        assert_eq!(ok[0]["Status"], "{\"errorCode\":0}");
        assert_eq!(ok[1]["Status"], "{\"errorCode\":50126}");
        assert_eq!(ok[1]["IsInteractive"], "FALSE");
        assert_eq!(bad, vec![(4, "2 fields where the header has 6".to_string())]);
        // LF, and a cell over two lines: the rows after it keep their file lines.
        let (ok, bad) = rows("Id,B\na,\"x\ny\"\nb,2\nc\n", "x.csv");
        assert_eq!((ok.len(), bad[0].0), (2, 5));
    }

    #[test]
    fn admin_center_download() {
        let text = "Date (UTC),Request ID,Application,Application ID ,Resource ID ,Status,Sign-in error code,Autonomous system  number\n\
                    2025-12-04T08:19:41Z,r1,Portal,app1,res1,Failure,50126,8075\n";
        let (ok, _) = rows(text, "/exports/ApplicationSignIns_2025-12-01_2025-12-05.csv");
        let r = &ok[0];
        assert_eq!(
            (r["Id"].as_str(), r["AppId"].as_str(), r["ResourceIdentity"].as_str()),
            (Some("r1"), Some("app1"), Some("res1"))
        );
        assert_eq!((r["ResultType"].as_str(), r["StatusText"].as_str()), (Some("50126"), Some("Failure")));
        assert_eq!(r["Type"], "AADServicePrincipalSignInLogs");
        assert_eq!(r["Autonomous system  number"], "8075");
        assert!(!looks_like_csv(b"  {\"a\":1}"));
        assert!(!looks_like_csv(b"\xEF\xBB\xBF[1]"));
    }
}
