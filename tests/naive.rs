//! A deliberately naive, row-at-a-time reference implementation of the reports, written
//! independently of the engine: it parses files with `serde_json::Value` (streaming over the
//! whole text), timestamps with chrono's RFC 3339 parser, groups with `BTreeMap`s, and rounds
//! percentages with its own formula. Every parallel report must equal it.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

#[derive(Clone, Debug)]
pub struct Row {
    pub id: String,
    pub created_us: i64,
    pub kind: String,
    pub app_id: String,
    pub app_name: Option<String>,
    pub resource_id: Option<String>,
    pub code: Option<i64>,
    pub reason: Option<String>,
    pub details: Option<String>,
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn text_of(p: &Path) -> String {
    let raw = std::fs::read(p).expect("read");
    let mut bytes = Vec::new();
    if raw.starts_with(&[0x1f, 0x8b]) {
        flate2::read::MultiGzDecoder::new(&raw[..]).read_to_end(&mut bytes).expect("gunzip");
    } else {
        bytes = raw;
    }
    let s = String::from_utf8(bytes).expect("utf-8");
    s.strip_prefix('\u{feff}').unwrap_or(&s).to_string()
}

fn ms(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

/// Every distinct sign-in under `dir` (first copy of each id wins; copies are identical).
pub fn load(dir: &Path) -> Vec<Row> {
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for f in files(dir) {
        let text = text_of(&f);
        for value in serde_json::Deserializer::from_str(&text).into_iter::<Value>() {
            let value = value.expect("reference inputs are valid JSON");
            let records: Vec<Value> = match value {
                Value::Array(a) => a,
                Value::Object(ref o) if o.get("value").is_some_and(Value::is_array) => {
                    o["value"].as_array().expect("array").clone()
                }
                other => vec![other],
            };
            for r in records {
                let id = ms(&r, "id").expect("id");
                if !seen.insert(id.clone()) {
                    continue;
                }
                let created = chrono::DateTime::parse_from_rfc3339(&ms(&r, "createdDateTime").expect("time"))
                    .expect("rfc3339")
                    .timestamp_micros();
                let status = r.get("status").cloned().unwrap_or(Value::Null);
                rows.push(Row {
                    id,
                    created_us: created,
                    kind: r["signInEventTypes"][0].as_str().unwrap_or("interactiveUser").to_string(),
                    app_id: ms(&r, "appId").unwrap_or_default(),
                    app_name: ms(&r, "appDisplayName"),
                    resource_id: ms(&r, "resourceId"),
                    code: status.get("errorCode").and_then(Value::as_i64),
                    reason: ms(&status, "failureReason"),
                    details: ms(&status, "additionalDetails"),
                });
            }
        }
    }
    rows
}

/// Half away from zero to two decimals, by long division on the remainder.
pub fn percent(part: u64, total: u64) -> Value {
    if total == 0 {
        return json!(0);
    }
    let scaled = part * 10_000;
    let mut hundredths = scaled / total;
    if (scaled % total) * 2 >= total {
        hundredths += 1;
    }
    if hundredths.is_multiple_of(100) { json!(hundredths / 100) } else { json!(hundredths as f64 / 100.0) }
}

fn ts(us: i64) -> String {
    let dt = chrono::DateTime::from_timestamp_micros(us).expect("valid");
    let s = dt.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}Z")
}

/// Is `a` later than `b` by (created, id)?
fn later(a: &Row, b: &Row) -> bool {
    (a.created_us, &a.id) > (b.created_us, &b.id)
}

pub struct Win {
    pub start: i64,
    pub end: i64,
}

fn selected<'a>(rows: &'a [Row], kinds: &[&str], w: &Win) -> Vec<&'a Row> {
    rows.iter()
        .filter(|r| kinds.contains(&r.kind.as_str()) && r.created_us >= w.start && r.created_us < w.end)
        .collect()
}

pub fn apps(rows: &[Row], w: &Win) -> Value {
    let mut by_app: BTreeMap<&str, (u64, u64, &Row)> = BTreeMap::new();
    for r in selected(rows, &["interactiveUser"], w) {
        let e = by_app.entry(&r.app_id).or_insert((0, 0, r));
        if r.code == Some(0) {
            e.0 += 1
        } else {
            e.1 += 1
        }
        if later(r, e.2) {
            e.2 = r;
        }
    }
    let mut out: Vec<(u64, &str, Value)> = by_app
        .into_iter()
        .map(|(app, (s, f, latest))| {
            (
                s + f,
                app,
                json!({"id": app, "appDisplayName": latest.app_name, "successfulSignInCount": s,
                       "failedSignInCount": f, "successPercentage": percent(s, s + f)}),
            )
        })
        .collect();
    out.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    Value::Array(out.into_iter().map(|x| x.2).collect())
}

pub fn app_errors(rows: &[Row], w: &Win, top: usize) -> Value {
    let sel = selected(rows, &["interactiveUser", "nonInteractiveUser"], w);
    let mut apps: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in sel {
        apps.entry(&r.app_id).or_default().push(r);
    }
    let mut out = Vec::new();
    for (app, rs) in apps {
        let latest = rs.iter().copied().reduce(|a, b| if later(b, a) { b } else { a }).expect("non-empty");
        let fails: Vec<&Row> = rs.iter().copied().filter(|r| r.code != Some(0)).collect();
        let mut codes: BTreeMap<(bool, Option<i64>), Vec<&Row>> = BTreeMap::new();
        for r in &fails {
            codes.entry((r.code.is_none(), r.code)).or_default().push(r);
        }
        let mut ranked: Vec<_> = codes.into_iter().collect();
        ranked.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
        for (i, ((_, code), rs)) in ranked.into_iter().take(top).enumerate() {
            let l = rs.iter().copied().reduce(|a, b| if later(b, a) { b } else { a }).expect("non-empty");
            out.push(json!({"appId": app, "appDisplayName": latest.app_name, "rank": i + 1, "errorCode": code,
                "failureReason": l.reason, "signInCount": rs.len(), "shareOfFailures": percent(rs.len() as u64, fails.len() as u64)}));
        }
    }
    Value::Array(out)
}

pub fn app_daily(rows: &[Row], w: &Win) -> Vec<Value> {
    let mut groups: BTreeMap<(&str, i64, bool, Option<i64>), Vec<&Row>> = BTreeMap::new();
    for r in selected(rows, &["interactiveUser"], w) {
        let day = r.created_us.div_euclid(86_400_000_000);
        groups.entry((&r.app_id, day, r.code.is_none(), r.code)).or_default().push(r);
    }
    groups
        .into_iter()
        .map(|((app, day, _, code), rs)| {
            let l = rs.iter().copied().reduce(|a, b| if later(b, a) { b } else { a }).expect("non-empty");
            json!({"appId": app, "appDisplayName": l.app_name, "aggregatedEventDateTime": ts(day * 86_400_000_000),
                   "signInCount": rs.len(), "status": {"errorCode": code, "failureReason": l.reason, "additionalDetails": l.details}})
        })
        .collect()
}

fn latest_of(rs: Vec<&Row>) -> Option<&Row> {
    rs.into_iter().reduce(|a, b| if later(b, a) { b } else { a })
}

pub fn app_last_signin(rows: &[Row], w: &Win) -> Value {
    let sel = selected(rows, &["interactiveUser", "nonInteractiveUser"], w);
    let mut apps: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in sel {
        apps.entry(&r.app_id).or_default().push(r);
    }
    let pair = |r: Option<&Row>| (r.map(|r| ts(r.created_us)), r.map(|r| r.id.clone()));
    Value::Array(
        apps.into_iter()
            .map(|(app, rs)| {
                let name = latest_of(rs.clone()).and_then(|r| r.app_name.clone());
                let (a, b) = pair(latest_of(rs.iter().copied().filter(|r| r.kind == "interactiveUser").collect()));
                let (c, d) = pair(latest_of(rs.iter().copied().filter(|r| r.kind == "nonInteractiveUser").collect()));
                let (e, f) = pair(latest_of(rs.iter().copied().filter(|r| r.code == Some(0)).collect()));
                json!({"id": app, "appId": app, "appDisplayName": name, "signInActivity": {
                    "lastSignInDateTime": a, "lastSignInRequestId": b,
                    "lastNonInteractiveSignInDateTime": c, "lastNonInteractiveSignInRequestId": d,
                    "lastSuccessfulSignInDateTime": e, "lastSuccessfulSignInRequestId": f}})
            })
            .collect(),
    )
}

/// SPEC 3.7: per app id, as client (appId) and resource (resourceId), delegated (user sign-ins)
/// and app-only (service principal and managed identity sign-ins).
pub fn service_principals(rows: &[Row], w: &Win) -> Value {
    use base64::Engine;
    let kinds = ["interactiveUser", "nonInteractiveUser", "servicePrincipal", "managedIdentity"];
    let mut by_app: BTreeMap<String, [Vec<&Row>; 4]> = BTreeMap::new();
    for r in selected(rows, &kinds, w) {
        let user = r.kind.ends_with("User");
        let roles = if user { (0, 1) } else { (2, 3) };
        if !r.app_id.is_empty() {
            by_app.entry(r.app_id.clone()).or_default()[roles.0].push(r);
        }
        if let Some(res) = r.resource_id.as_ref().filter(|s| !s.is_empty()) {
            by_app.entry(res.clone()).or_default()[roles.1].push(r);
        }
    }
    let activity = |rs: &[&Row]| -> Value {
        if rs.is_empty() {
            return Value::Null;
        }
        let pair = |r: Option<&Row>| (r.map(|r| ts(r.created_us)), r.map(|r| r.id.clone()));
        let (a, b) = pair(latest_of(rs.to_vec()));
        let (c, d) = pair(latest_of(rs.iter().copied().filter(|r| r.kind == "nonInteractiveUser").collect()));
        let (e, f) = pair(latest_of(rs.iter().copied().filter(|r| r.code == Some(0)).collect()));
        json!({"lastSignInDateTime": a, "lastSignInRequestId": b,
               "lastNonInteractiveSignInDateTime": c, "lastNonInteractiveSignInRequestId": d,
               "lastSuccessfulSignInDateTime": e, "lastSuccessfulSignInRequestId": f})
    };
    Value::Array(
        by_app
            .into_iter()
            .map(|(app, roles)| {
                let all: Vec<&Row> = roles.iter().flatten().copied().collect();
                json!({"id": base64::engine::general_purpose::STANDARD.encode(&app), "appId": app,
                       "delegatedClientSignInActivity": activity(&roles[0]),
                       "delegatedResourceSignInActivity": activity(&roles[1]),
                       "applicationAuthenticationClientSignInActivity": activity(&roles[2]),
                       "applicationAuthenticationResourceSignInActivity": activity(&roles[3]),
                       "lastSignInActivity": activity(&all)})
            })
            .collect(),
    )
}
