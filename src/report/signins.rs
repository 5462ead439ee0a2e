//! Sign-in drill-down (SPEC 3.5): the stored sign-ins behind any figure, filtered by app, day,
//! error code or failure, user, event type and window; newest first (created desc, id desc).
//! JSON output is the original records; table and CSV show the key columns.
//!
//! The key columns of every match are held in memory (about 150 bytes a row); the original
//! records, several kilobytes each, are not: [`records`] copies those of the rows asked for to
//! an unlinked temporary file in one more parallel scan, and each is read back when written out.

use std::collections::{HashMap, HashSet};

use std::sync::Arc;

use arrow_array::{Array, BooleanArray, RecordBatch};
use serde::Serialize;

use super::Tabular;
use crate::domain::Outcome;
use crate::domain::{Cell, EventType, Timestamp, Zone};
use crate::error::{Error, Result};
use crate::merge_fields;
use crate::scan::{self, Aggregate, Columns, Selection, Where, Window, text_at};
use crate::store::SIGNINS;
use crate::store::schema::{
    APP_DISPLAY_NAME, APP_ID, AUTHENTICATION_REQUIREMENT, BROWSER, CITY, CLIENT_APP_USED, CONDITIONAL_ACCESS_STATUS,
    COUNTRY, CREATED, ERROR_CODE, FAILURE_REASON, ID, IP_ADDRESS, OPERATING_SYSTEM, RAW, USER_DISPLAY_NAME, USER_ID,
    USER_PRINCIPAL_NAME,
};
use crate::store::{Store, manifest::Manifest};

/// Which sign-ins to list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// appIds (case-insensitive; [`super::names`] resolves names).
    pub app: Option<Vec<String>>,
    /// A calendar day of the window's zone.
    pub day: Option<i64>,
    pub error_code: Option<i32>,
    pub failed: bool,
    /// A UPN, user id or display name, or part of a UPN or display name, ignoring case (SPEC 7):
    /// when some sign-ins match whole, only those are kept.
    pub user: Option<String>,
    /// IP address, exactly.
    pub ip: Option<String>,
    /// `countryOrRegion`, case-insensitive.
    pub country: Option<String>,
    /// `clientAppUsed`, case-insensitive (`Unknown` for an empty one).
    pub client_app: Option<String>,
    /// Success, interrupted or failure (SPEC 6.0).
    pub outcome: Option<Outcome>,
    /// `conditionalAccessStatus`, case-insensitive.
    pub ca_status: Option<String>,
    pub limit: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInRow {
    pub created_date_time: Timestamp,
    pub id: String,
    pub event_type: &'static str,
    pub app_id: Option<String>,
    pub app_display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub error_code: Option<i32>,
    pub failure_reason: Option<String>,
    pub ip_address: Option<String>,
    pub outcome: &'static str,
    pub client_app_used: Option<String>,
    pub country_or_region: Option<String>,
    pub city: Option<String>,
    pub operating_system: Option<String>,
    pub browser: Option<String>,
    pub conditional_access_status: Option<String>,
    pub authentication_requirement: Option<String>,
    /// `--user` matched its UPN, user id or display name whole (not only a part).
    #[serde(skip)]
    pub user_matched_whole: bool,
}

impl Tabular for SignInRow {
    fn headers() -> &'static [&'static str] {
        &[
            "createdDateTime",
            "id",
            "eventType",
            "appDisplayName",
            "appId",
            "userPrincipalName",
            "errorCode",
            "failureReason",
            "ipAddress",
            "outcome",
            "clientAppUsed",
            "countryOrRegion",
            "city",
            "operatingSystem",
            "browser",
            "conditionalAccessStatus",
            "authenticationRequirement",
        ]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::Time(Some(self.created_date_time)),
            Cell::text(Some(&self.id)),
            Cell::text(Some(self.event_type)),
            Cell::text(self.app_display_name.as_deref()),
            Cell::text(self.app_id.as_deref()),
            Cell::text(self.user_principal_name.as_deref()),
            Cell::Int(self.error_code.map(i64::from)),
            Cell::text(self.failure_reason.as_deref()),
            Cell::text(self.ip_address.as_deref()),
            Cell::text(Some(self.outcome)),
            Cell::text(self.client_app_used.as_deref()),
            Cell::text(self.country_or_region.as_deref()),
            Cell::text(self.city.as_deref()),
            Cell::text(self.operating_system.as_deref()),
            Cell::text(self.browser.as_deref()),
            Cell::text(self.conditional_access_status.as_deref()),
            Cell::text(self.authentication_requirement.as_deref()),
        ]
    }
    fn app_id(&self) -> Option<&str> {
        self.app_id.as_deref()
    }
}

struct Agg<'f> {
    filter: &'f Filter,
    zone: Zone,
    rows: Vec<SignInRow>,
}
merge_fields!(Agg<'_> { rows });

impl Aggregate for Agg<'_> {
    type Output = Vec<SignInRow>;

    fn update(&mut self, batch: &RecordBatch, event_type: EventType) {
        let c = Columns(batch);
        let (created, ids, codes) = (c.times(CREATED), c.text(ID), c.ints(ERROR_CODE));
        let (apps, names, reasons) = (c.dict(APP_ID), c.dict(APP_DISPLAY_NAME), c.dict(FAILURE_REASON));
        let (upns, ips) = (c.text(USER_PRINCIPAL_NAME), c.text(IP_ADDRESS));
        let (user_ids, user_names) = (c.text(USER_ID), c.text(USER_DISPLAY_NAME));
        let want_user = self.filter.user.as_deref().map(|u| u.trim().to_lowercase());
        // (whole, part) matches of `--user` on row i.
        let user_match = |i: usize| -> (bool, bool) {
            let Some(want) = &want_user else { return (true, true) };
            let mut whole = false;
            let mut part = false;
            for v in [text_at(upns, i), text_at(user_ids, i), text_at(user_names, i)].into_iter().flatten() {
                let v = v.trim().to_lowercase();
                whole |= v == *want;
                part |= v.contains(want.as_str());
            }
            (whole, part)
        };
        let (clients, countries, cities) = (c.dict(CLIENT_APP_USED), c.dict(COUNTRY), c.dict(CITY));
        let (oses, browsers) = (c.dict(OPERATING_SYSTEM), c.dict(BROWSER));
        let (ca, requirements) = (c.dict(CONDITIONAL_ACCESS_STATUS), c.dict(AUTHENTICATION_REQUIREMENT));
        let f = self.filter;
        let is = |want: &Option<String>, v: Option<&str>| {
            want.as_ref().is_none_or(|w| v.is_some_and(|v| v.trim().eq_ignore_ascii_case(w.trim())))
        };
        let text =
            |d: &crate::scan::DictText<'_>, i| d.get(i).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        for i in 0..batch.num_rows() {
            let t = created.value(i);
            let code = codes.is_valid(i).then(|| codes.value(i));
            let outcome = Outcome::of(code);
            let client = crate::report::breakdown::client_app_name(clients.get(i));
            let keep = f.day.is_none_or(|d| self.zone.day_of(t) == d)
                && f.ip.as_ref().is_none_or(|ip| text_at(ips, i).is_some_and(|x| x.trim() == ip.trim()))
                && is(&f.country, countries.get(i))
                && is(&f.client_app, Some(client))
                && is(&f.ca_status, ca.get(i))
                && f.outcome.is_none_or(|o| o == outcome)
                && f.error_code.is_none_or(|e| code == Some(e))
                && (!f.failed || code != Some(0))
                && user_match(i).1
                && f.app.as_ref().is_none_or(|ids| apps.get(i).is_some_and(|x| crate::report::is_one_of(x, ids)));
            if keep {
                self.rows.push(SignInRow {
                    created_date_time: self.zone.at(t),
                    id: ids.value(i).to_string(),
                    event_type: event_type.as_str(),
                    app_id: apps.get(i).map(str::to_string),
                    app_display_name: names.get(i).map(str::to_string),
                    user_principal_name: text_at(upns, i).map(str::to_string),
                    error_code: code,
                    failure_reason: reasons.get(i).map(str::to_string),
                    ip_address: text_at(ips, i).map(str::to_string),
                    outcome: outcome.name(),
                    client_app_used: text(&clients, i),
                    country_or_region: text(&countries, i),
                    city: text(&cities, i),
                    operating_system: text(&oses, i),
                    browser: text(&browsers, i),
                    conditional_access_status: text(&ca, i),
                    authentication_requirement: text(&requirements, i),
                    user_matched_whole: user_match(i).0,
                });
            }
        }
    }

    /// Newest first (created desc, id desc).
    fn finish(self) -> Vec<SignInRow> {
        let mut rows = self.rows;
        // A user named whole beats every user whose name only contains what was typed.
        if self.filter.user.is_some() && rows.iter().any(|r| r.user_matched_whole) {
            rows.retain(|r| r.user_matched_whole);
        }
        rows.sort_by(|a, b| b.created_date_time.cmp(&a.created_date_time).then_with(|| b.id.cmp(&a.id)));
        if let Some(n) = self.filter.limit {
            rows.truncate(n);
        }
        rows
    }
}

/// The matching sign-ins, newest first (their key columns; [`records`] gives the originals).
pub fn compute(
    store: &Store,
    manifest: &Manifest,
    event_types: &[EventType],
    window: &Window,
    filter: &Filter,
) -> Result<Vec<SignInRow>> {
    let sel = Selection { table: SIGNINS, event_types: event_types.to_vec(), window: window.clone() };
    let cols = [
        ID,
        CREATED,
        APP_ID,
        APP_DISPLAY_NAME,
        ERROR_CODE,
        FAILURE_REASON,
        USER_PRINCIPAL_NAME,
        USER_ID,
        USER_DISPLAY_NAME,
        IP_ADDRESS,
        CLIENT_APP_USED,
        COUNTRY,
        CITY,
        OPERATING_SYSTEM,
        BROWSER,
        CONDITIONAL_ACCESS_STATUS,
        AUTHENTICATION_REQUIREMENT,
    ];
    let zone = window.zone;
    let sel = Selection { window: narrowed(window, filter), ..sel };
    let pre = prefilter(filter);
    Ok(scan::run_where(store, manifest, &sel, pre.as_ref(), &cols, || Agg { filter, zone, rows: Vec::new() })?.0)
}

/// The window a scan for `filter` reads: only `--day`'s part of it when one is given (so only
/// that day's partitions are opened).
fn narrowed(window: &Window, filter: &Filter) -> Window {
    match filter.day {
        Some(day) => window.on_day(day),
        None => window.clone(),
    }
}

/// The filters on the app and the error code, read first: the other columns are decoded only
/// for the rows they keep (a day's failures of one app are a few percent of its rows). `None`
/// when neither is given. A superset of what [`Agg::update`] keeps, which checks every filter.
fn prefilter(filter: &Filter) -> Option<Where<'static>> {
    let apps = filter.app.clone();
    let codes = filter.failed || filter.error_code.is_some() || filter.outcome.is_some();
    if apps.is_none() && !codes {
        return None;
    }
    let (failed, error_code, outcome) = (filter.failed, filter.error_code, filter.outcome);
    let keep = Arc::new(move |b: &RecordBatch| -> BooleanArray {
        let c = Columns(b);
        let (app, code) = (c.dict(APP_ID), c.ints(ERROR_CODE));
        (0..b.num_rows())
            .map(|i| {
                let code = code.is_valid(i).then(|| code.value(i));
                Some(
                    apps.as_ref().is_none_or(|ids| app.get(i).is_some_and(|x| crate::report::is_one_of(x, ids)))
                        && (!failed || code != Some(0))
                        && error_code.is_none_or(|e| code == Some(e))
                        && outcome.is_none_or(|o| o == Outcome::of(code)),
                )
            })
            .collect()
    });
    Some(Where { columns: &[APP_ID, ERROR_CODE], keep, open: Box::new(|_| true) })
}

/// The original records of some sign-ins, in a temporary file that is unlinked as soon as it is
/// made (nothing is left behind, even if the process is killed) and readable only by its owner.
pub struct Records {
    file: std::sync::Mutex<std::fs::File>,
    /// Sign-in id -> where its text is in the file.
    at: HashMap<String, (u64, usize)>,
}

impl Records {
    /// The original record of sign-in `id`; `None` when the store kept none (`--no-raw`).
    pub fn get(&self, id: &str) -> std::io::Result<Option<String>> {
        use std::io::{Read, Seek, SeekFrom};
        let Some(&(offset, len)) = self.at.get(id) else { return Ok(None) };
        let mut f = self.file.lock().expect("records file");
        f.seek(SeekFrom::Start(offset))?;
        let mut buf = vec![0; len];
        f.read_exact(&mut buf)?;
        String::from_utf8(buf).map(Some).map_err(std::io::Error::other)
    }
}

/// Copies the original records of `rows` (found by id in the same selection) to a temporary file.
pub fn records(
    store: &Store,
    manifest: &Manifest,
    event_types: &[EventType],
    window: &Window,
    rows: &[SignInRow],
) -> Result<Records> {
    let file = spill_file()?;
    // Only the span of the rows asked for is read, and the record text only of their rows.
    let times = || rows.iter().map(|r| r.created_date_time.us);
    let (Some(first), Some(last)) = (times().min(), times().max()) else {
        return Ok(Records { file: std::sync::Mutex::new(file), at: HashMap::new() });
    };
    let wanted: HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let sink = std::sync::Mutex::new((file, 0u64));
    let window = Window {
        start_us: window.start_us.max(first),
        end_us: window.end_us.min(last.saturating_add(1)),
        ..window.clone()
    };
    let sel = Selection { table: SIGNINS, event_types: event_types.to_vec(), window };
    let ids: HashSet<String> = wanted.iter().map(|s| s.to_string()).collect();
    let keep = Arc::new(move |b: &RecordBatch| -> BooleanArray {
        let id = Columns(b).text(ID);
        (0..b.num_rows()).map(|i| Some(ids.contains(id.value(i)))).collect()
    });
    let only = Where { columns: &[ID], keep, open: Box::new(|_| true) };
    let (copied, _, _) = scan::run_where(store, manifest, &sel, Some(&only), &[ID, CREATED, RAW], || Copy {
        wanted: &wanted,
        sink: &sink,
        at: Vec::new(),
        error: Vec::new(),
    })?;
    let Copy { at, error, .. } = copied;
    if let Some(e) = error.into_iter().next() {
        return Err(Error::io(std::env::temp_dir(), e));
    }
    let (file, _) = sink.into_inner().expect("records file");
    Ok(Records { file: std::sync::Mutex::new(file), at: at.into_iter().collect() })
}

/// A new file in the temporary folder, created exclusively, owner-only, and unlinked at once.
fn spill_file() -> Result<std::fs::File> {
    let dir = std::env::temp_dir();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let path = dir.join(format!("signin-insights-{}-{nanos}.records", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true).write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let file = opts.open(&path).map_err(|e| Error::io(&path, e))?;
    #[cfg(unix)]
    let _ = std::fs::remove_file(&path);
    Ok(file)
}

/// Copies the wanted records' text to the sink as the scan finds them.
struct Copy<'a> {
    wanted: &'a HashSet<&'a str>,
    sink: &'a std::sync::Mutex<(std::fs::File, u64)>,
    at: Vec<(String, (u64, usize))>,
    error: Vec<std::io::Error>,
}
merge_fields!(Copy<'_> { at, error });

impl Aggregate for Copy<'_> {
    type Output = Self;

    fn update(&mut self, batch: &RecordBatch, _: EventType) {
        use std::io::Write;
        let c = Columns(batch);
        let (ids, raws) = (c.text(ID), c.text(RAW));
        for i in 0..batch.num_rows() {
            let id = ids.value(i);
            let Some(text) = text_at(raws, i).filter(|_| self.wanted.contains(id)) else { continue };
            let mut sink = self.sink.lock().expect("records file");
            let offset = sink.1;
            match sink.0.write_all(text.as_bytes()) {
                Ok(()) => {
                    sink.1 += text.len() as u64;
                    self.at.push((id.to_string(), (offset, text.len())));
                }
                Err(e) => self.error.push(e),
            }
        }
    }

    fn finish(self) -> Self {
        self
    }
}

/// One JSON document on one line: whitespace outside strings removed.
pub fn compact_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for ch in text.chars() {
        if in_string {
            out.push(ch);
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == '"' {
                in_string = false;
            }
        } else if ch == '"' {
            in_string = true;
            out.push(ch);
        } else if !ch.is_whitespace() {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn compact_keeps_strings() {
        assert_eq!(
            super::compact_json("{\n  \"a b\": \"x \\\" y\",\n  \"c\": [1, 2]\n}"),
            "{\"a b\":\"x \\\" y\",\"c\":[1,2]}"
        );
    }
}
