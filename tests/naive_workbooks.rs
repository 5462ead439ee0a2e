//! The naive reference of the workbook reports (SPEC 6.1 to 6.4): row at a time over
//! `serde_json::Value` records, `BTreeMap` groups, its own copy of the interrupt list and its
//! own reading of every field. Written from the SPEC, not from the engine.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use serde_json::{Value, json};

use crate::naive::{Win, all_records, percent, rfc3339};

/// SPEC 6.0, copied by hand.
const INTERRUPTS: &[i64] = &[
    50058, 50140, 51006, 50059, 65001, 52004, 50055, 50144, 50072, 50074, 16000, 16001, 16003, 50127, 50125, 50129,
    50143, 81010, 81014, 81012, 29200, 50019, 50076, 50097, 50158, 165100, 50148,
];

#[derive(Clone, Debug)]
pub struct WRow {
    pub id: String,
    pub t: i64,
    pub kind: String,
    pub r: Value,
}

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = v;
    for p in path {
        v = v.get(p)?;
    }
    v.as_str().map(str::trim).filter(|s| !s.is_empty())
}

impl WRow {
    fn code(&self) -> Option<i64> {
        self.r.get("status").and_then(|s| s.get("errorCode")).and_then(Value::as_i64)
    }
    pub fn outcome(&self) -> &'static str {
        match self.code() {
            Some(0) => "success",
            Some(c) if INTERRUPTS.contains(&c) => "interrupted",
            _ => "failure",
        }
    }
    fn user(&self) -> Option<String> {
        s(&self.r, &["userPrincipalName"])
            .map(str::to_lowercase)
            .or_else(|| s(&self.r, &["userId"]).map(str::to_string))
    }
    fn client_app(&self) -> String {
        s(&self.r, &["clientAppUsed"]).unwrap_or("Unknown").to_string()
    }
    /// The value of one key field of a dimension (SPEC 6.1).
    fn key(&self, dim: &str, w: &Win) -> Vec<Value> {
        let t = |p: &[&str]| s(&self.r, p).map_or(Value::Null, |v| json!(v));
        match dim {
            "app" => vec![t(&["appId"])],
            "resource" => vec![t(&["resourceId"])],
            "protocol" => vec![t(&["authenticationProtocol"])],
            "token-type" => vec![t(&["incomingTokenType"])],
            "os" => vec![t(&["deviceDetail", "operatingSystem"])],
            "browser" => vec![t(&["deviceDetail", "browser"])],
            "trust-type" => vec![t(&["deviceDetail", "trustType"])],
            "managed" => vec![self.r["deviceDetail"].get("isManaged").cloned().unwrap_or(Value::Null)],
            "risk-state" => vec![t(&["riskState"])],
            "auth-requirement" => vec![t(&["authenticationRequirement"])],
            // Graph writes member and guest; an export may capitalise them (SPEC 6.0 keeps the
            // two values as Graph spells them).
            "user-type" => vec![match s(&self.r, &["userType"]) {
                Some(u) if u.eq_ignore_ascii_case("member") => json!("member"),
                Some(u) if u.eq_ignore_ascii_case("guest") => json!("guest"),
                Some(u) => json!(u),
                None => Value::Null,
            }],
            "resource-tenant" => vec![t(&["resourceTenantId"])],
            "user" => vec![self.user().map_or(Value::Null, |u| json!(u))],
            "client-app" => vec![json!(self.client_app())],
            "country" => vec![t(&["location", "countryOrRegion"])],
            "city" => vec![t(&["location", "countryOrRegion"]), t(&["location", "state"]), t(&["location", "city"])],
            "ip" => vec![t(&["ipAddress"])],
            "compliant" => vec![self.r["deviceDetail"].get("isCompliant").cloned().unwrap_or(Value::Null)],
            "ca-status" => vec![t(&["conditionalAccessStatus"])],
            "risk" => vec![t(&["riskLevelDuringSignIn"])],
            "cross-tenant" => vec![t(&["crossTenantAccessType"])],
            "home-tenant" => vec![t(&["homeTenantId"])],
            "error-code" => vec![self.code().map_or(Value::Null, |c| json!(c))],
            "outcome" => vec![json!(self.outcome())],
            "event-type" => vec![json!(self.kind)],
            "day" => {
                let d = w.day(self.t);
                let date = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(d);
                vec![json!(date.format("%Y-%m-%d").to_string())]
            }
            "hour" => {
                // The first instant of the row's local hour: walk back a minute at a time while
                // the local date, hour and offset stay those of the sign-in.
                let hour_of = |us: i64| {
                    let s = w.ts(us);
                    let offset = if s.ends_with('Z') { "Z".to_string() } else { s[s.len() - 6..].to_string() };
                    (s[..13].to_string(), offset)
                };
                let mut start = self.t - self.t.rem_euclid(60_000_000);
                while hour_of(start - 60_000_000) == hour_of(self.t) {
                    start -= 60_000_000;
                }
                vec![json!(w.ts(start))]
            }
            other => panic!("the naive reference has no dimension {other}"),
        }
    }
    fn name_of(&self, dim: &str) -> Option<(&'static str, Option<String>)> {
        let n = |f: &str| s(&self.r, &[f]).map(str::to_string);
        match dim {
            "app" => Some(("appDisplayName", n("appDisplayName"))),
            "resource" => Some(("resourceDisplayName", n("resourceDisplayName"))),
            "user" => Some(("userDisplayName", n("userDisplayName"))),
            _ => None,
        }
    }
}

fn fields(dim: &str) -> &'static [&'static str] {
    match dim {
        "app" => &["appId"],
        "resource" => &["resourceId"],
        "protocol" => &["authenticationProtocol"],
        "token-type" => &["incomingTokenType"],
        "os" => &["operatingSystem"],
        "browser" => &["browser"],
        "trust-type" => &["trustType"],
        "managed" => &["isManaged"],
        "risk-state" => &["riskState"],
        "auth-requirement" => &["authenticationRequirement"],
        "user-type" => &["userType"],
        "resource-tenant" => &["resourceTenantId"],
        "user" => &["userPrincipalName"],
        "client-app" => &["clientAppUsed"],
        "country" => &["countryOrRegion"],
        "city" => &["countryOrRegion", "state", "city"],
        "ip" => &["ipAddress"],
        "compliant" => &["isCompliant"],
        "ca-status" => &["conditionalAccessStatus"],
        "risk" => &["riskLevelDuringSignIn"],
        "cross-tenant" => &["crossTenantAccessType"],
        "home-tenant" => &["homeTenantId"],
        "error-code" => &["errorCode"],
        "outcome" => &["outcome"],
        "event-type" => &["signInEventType"],
        "day" => &["date"],
        "hour" => &["hour"],
        other => panic!("no dimension {other}"),
    }
}

/// Every distinct user sign-in (interactive and non-interactive) under `dir`.
pub fn load(dir: &Path) -> Vec<WRow> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (r, _) in all_records(dir) {
        let Some(kind) = r.get("signInEventTypes").and_then(|k| k[0].as_str()).map(str::to_string) else { continue };
        if !kind.ends_with("User") || r.get("Type").is_some() {
            continue;
        }
        let id = r["id"].as_str().unwrap().to_string();
        if !seen.insert(id.clone()) {
            continue;
        }
        let t = rfc3339(r["createdDateTime"].as_str().unwrap());
        out.push(WRow { id, t, kind, r });
    }
    out
}

fn inside<'a>(rows: &'a [WRow], w: &Win, kinds: &[&str]) -> Vec<&'a WRow> {
    rows.iter().filter(|r| kinds.contains(&r.kind.as_str()) && r.t >= w.start && r.t < w.end).collect()
}

/// Null sorts after every value; numbers by value, text by code points.
fn cmp_val(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => std::cmp::Ordering::Equal,
        (Value::Null, _) => std::cmp::Ordering::Greater,
        (_, Value::Null) => std::cmp::Ordering::Less,
        (Value::Number(x), Value::Number(y)) => x.as_i64().cmp(&y.as_i64()),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        // Hours in time order (a local hour lived twice, the clock going back, is two hours).
        (Value::String(x), Value::String(y)) => {
            match (chrono::DateTime::parse_from_rfc3339(x), chrono::DateTime::parse_from_rfc3339(y)) {
                (Ok(x), Ok(y)) => x.cmp(&y),
                _ => x.cmp(y),
            }
        }
        _ => a.as_str().cmp(&b.as_str()),
    }
}

#[derive(Default)]
struct G<'a> {
    rows: Vec<&'a WRow>,
}

fn latest<'a>(rows: &[&'a WRow], f: impl Fn(&WRow) -> bool) -> Option<&'a WRow> {
    rows.iter().copied().filter(|r| f(r)).max_by(|a, b| (a.t, &a.id).cmp(&(b.t, &b.id)))
}

fn users(rows: &[&WRow]) -> usize {
    rows.iter().filter_map(|r| r.user()).collect::<BTreeSet<_>>().len()
}

/// `report breakdown --by dims` over interactive user sign-ins.
pub fn breakdown(rows: &[WRow], w: &Win, dims: &[&str]) -> Vec<Value> {
    let mut groups: Vec<(Vec<Value>, G<'_>)> = Vec::new();
    for r in inside(rows, w, &["interactiveUser"]) {
        let key: Vec<Value> = dims.iter().flat_map(|d| r.key(d, w)).collect();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.rows.push(r),
            None => groups.push((key, G { rows: vec![r] })),
        }
    }
    let mut out: Vec<(u64, Vec<Value>, Value)> = groups
        .into_iter()
        .map(|(key, g)| {
            let mut o = serde_json::Map::new();
            let mut k = key.iter();
            for d in dims {
                for f in fields(d) {
                    o.insert(f.to_string(), k.next().unwrap().clone());
                }
                // The name of the group's latest sign-in, even when that one has none.
                if let Some((field, _)) = g.rows[0].name_of(d) {
                    let l = latest(&g.rows, |_| true).unwrap();
                    o.insert(field.into(), json!(l.name_of(d).unwrap().1));
                }
            }
            let n = g.rows.len() as u64;
            let count = |o: &str| g.rows.iter().filter(|r| r.outcome() == o).count() as u64;
            o.insert("signInCount".into(), json!(n));
            o.insert("successCount".into(), json!(count("success")));
            o.insert("interruptedCount".into(), json!(count("interrupted")));
            o.insert("failureCount".into(), json!(count("failure")));
            o.insert("successPercentage".into(), percent(count("success"), n));
            o.insert("userCount".into(), json!(users(&g.rows)));
            o.insert("lastSignInDateTime".into(), json!(w.ts(g.rows.iter().map(|r| r.t).max().unwrap())));
            (n, key, Value::Object(o))
        })
        .collect();
    out.sort_by(|a, b| {
        b.0.cmp(&a.0).then_with(|| {
            a.1.iter().zip(&b.1).map(|(x, y)| cmp_val(x, y)).find(|o| o.is_ne()).unwrap_or(std::cmp::Ordering::Equal)
        })
    });
    out.into_iter().map(|(_, _, v)| v).collect()
}

fn legacy_rows<'a>(rows: &'a [WRow], w: &Win) -> Vec<&'a WRow> {
    inside(rows, w, &["interactiveUser", "nonInteractiveUser"])
        .into_iter()
        .filter(|r| !["browser", "mobile apps and desktop clients"].contains(&r.client_app().to_lowercase().as_str()))
        .filter(|r| match (s(&r.r, &["homeTenantId"]), s(&r.r, &["resourceTenantId"])) {
            (Some(h), Some(t)) => h.eq_ignore_ascii_case(t),
            _ => true,
        })
        .collect()
}

/// `report legacy-auth` (SPEC 6.2).
pub fn legacy_auth(rows: &[WRow], w: &Win) -> Vec<Value> {
    let mut groups: BTreeMap<(String, Option<String>), Vec<&WRow>> = BTreeMap::new();
    for r in legacy_rows(rows, w) {
        groups.entry((r.client_app(), s(&r.r, &["appId"]).map(str::to_string))).or_default().push(r);
    }
    let mut out: Vec<(usize, usize, Value)> = groups
        .into_iter()
        .map(|((client, app), g)| {
            let ok = g.iter().filter(|r| r.code() == Some(0)).count();
            let name = latest(&g, |_| true).map(|r| s(&r.r, &["appDisplayName"]));
            let v = json!({
                "clientAppUsed": client, "appId": app, "appDisplayName": name.flatten(),
                "signInCount": g.len(), "successCount": ok, "failureCount": g.len() - ok,
                "userCount": users(&g), "lastSignInDateTime": w.ts(g.iter().map(|r| r.t).max().unwrap()),
            });
            (users(&g), g.len(), v)
        })
        .collect();
    // BTreeMap order is (clientAppUsed, appId) with a null appId first: the SPEC puts it last.
    out.sort_by(|a, b| {
        (b.0, b.1).cmp(&(a.0, a.1)).then_with(|| {
            let k = |v: &Value| (v["clientAppUsed"].as_str().unwrap().to_string(), v["appId"].clone());
            let (ka, kb) = (k(&a.2), k(&b.2));
            ka.0.cmp(&kb.0).then_with(|| cmp_val(&ka.1, &kb.1))
        })
    });
    out.into_iter().map(|(_, _, v)| v).collect()
}

/// `report failure-analysis` (SPEC 6.3): rows and totals.
pub fn failure_analysis(rows: &[WRow], w: &Win) -> (Vec<Value>, Value) {
    let sel = inside(rows, w, &["interactiveUser"]);
    let n = |o: &str| sel.iter().filter(|r| r.outcome() == o).count();
    let totals =
        json!({"success": n("success"), "interrupted": n("interrupted"), "failure": n("failure"), "all": sel.len()});
    let mut groups: BTreeMap<(bool, Option<i64>), Vec<&WRow>> = BTreeMap::new();
    for r in sel.iter().copied().filter(|r| r.code() != Some(0)) {
        groups.entry((r.code().is_none(), r.code())).or_default().push(r);
    }
    let mut out: Vec<(usize, Value)> = groups
        .into_iter()
        .map(|((_, code), g)| {
            let apps: BTreeSet<String> = g.iter().filter_map(|r| s(&r.r, &["appId"])).map(str::to_lowercase).collect();
            let last = latest(&g, |_| true).unwrap();
            let reason = last.r["status"].get("failureReason").and_then(Value::as_str);
            let v = json!({
                "errorCode": code, "outcome": g[0].outcome(), "failureReason": reason,
                "signInCount": g.len(), "userCount": users(&g), "appCount": apps.len(),
                "lastSignInDateTime": w.ts(last.t),
            });
            (g.len(), v)
        })
        .collect();
    // Stable: the BTreeMap already ordered the codes, null last.
    out.sort_by_key(|r| std::cmp::Reverse(r.0));
    (out.into_iter().map(|(_, v)| v).collect(), totals)
}

/// `report ca-policies` (SPEC 6.4).
pub fn ca_policies(rows: &[WRow], w: &Win) -> Vec<Value> {
    let bucket = |res: &str| match res {
        "success" | "reportOnlySuccess" => 0,
        "failure" | "reportOnlyFailure" => 1,
        "reportOnlyInterrupted" => 2,
        _ => 3,
    };
    let mut by_policy: BTreeMap<String, Vec<(&WRow, &Value)>> = BTreeMap::new();
    for r in inside(rows, w, &["interactiveUser"]) {
        let mut seen = HashSet::new();
        for p in r.r.get("appliedConditionalAccessPolicies").and_then(Value::as_array).into_iter().flatten() {
            let Some(id) = s(p, &["id"]).map(str::to_lowercase) else { continue };
            if seen.insert(id.clone()) {
                by_policy.entry(id).or_default().push((r, p));
            }
        }
    }
    let mut out: Vec<Value> = by_policy
        .into_iter()
        .map(|(id, entries)| {
            let last = entries.iter().max_by(|a, b| (a.0.t, &a.0.id).cmp(&(b.0.t, &b.0.id))).unwrap();
            let named = Some(last);
            let mut signins = [0usize; 4];
            let mut us: [BTreeSet<String>; 4] = Default::default();
            for (r, p) in &entries {
                let b = bucket(s(p, &["result"]).unwrap_or(""));
                signins[b] += 1;
                if let Some(u) = r.user() {
                    us[b].insert(u);
                }
            }
            let all: Vec<&WRow> = entries.iter().map(|e| e.0).collect();
            let result = s(last.1, &["result"]).unwrap_or("");
            json!({
                "policyId": id,
                "policyDisplayName": named.and_then(|e| s(e.1, &["displayName"])),
                "reportOnly": result.starts_with("reportOnly"),
                "signIns": {"success": signins[0], "failure": signins[1], "userActionRequired": signins[2],
                            "notApplied": signins[3], "total": entries.len()},
                "users": {"success": us[0].len(), "failure": us[1].len(), "userActionRequired": us[2].len(),
                          "notApplied": us[3].len(), "total": users(&all)},
            })
        })
        .collect();
    out.sort_by(|a, b| {
        cmp_val(&a["policyDisplayName"], &b["policyDisplayName"])
            .then_with(|| a["policyId"].as_str().cmp(&b["policyId"].as_str()))
    });
    out
}
