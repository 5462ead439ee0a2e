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

fn latest<'a>(rows: &[&'a WRow], f: impl Fn(&WRow) -> bool) -> Option<&'a WRow> {
    rows.iter().copied().filter(|r| f(r)).max_by(|a, b| (a.t, &a.id).cmp(&(b.t, &b.id)))
}

fn users(rows: &[&WRow]) -> usize {
    rows.iter().filter_map(|r| r.user()).collect::<BTreeSet<_>>().len()
}

/// Rows grouped by the key of `dims`, in order of first appearance.
fn group_by<'a>(rows: impl IntoIterator<Item = &'a WRow>, w: &Win, dims: &[&str]) -> Vec<(Vec<Value>, Vec<&'a WRow>)> {
    let mut groups: Vec<(Vec<Value>, Vec<&WRow>)> = Vec::new();
    for r in rows {
        let key: Vec<Value> = dims.iter().flat_map(|d| r.key(d, w)).collect();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    groups
}

/// The JSON members of a group's key, display names included (the group's latest sign-in's,
/// even when that one has none).
fn key_members(dims: &[&str], key: &[Value], g: &[&WRow]) -> serde_json::Map<String, Value> {
    let mut o = serde_json::Map::new();
    let mut k = key.iter();
    for d in dims {
        for f in fields(d) {
            o.insert(f.to_string(), k.next().unwrap().clone());
        }
        if let Some((field, _)) = g[0].name_of(d) {
            let l = latest(g, |_| true).unwrap();
            o.insert(field.into(), json!(l.name_of(d).unwrap().1));
        }
    }
    o
}

fn cmp_keys(a: &[Value], b: &[Value]) -> std::cmp::Ordering {
    a.iter().zip(b).map(|(x, y)| cmp_val(x, y)).find(|o| o.is_ne()).unwrap_or(std::cmp::Ordering::Equal)
}

/// `report breakdown --by dims` over interactive user sign-ins.
pub fn breakdown(rows: &[WRow], w: &Win, dims: &[&str]) -> Vec<Value> {
    let mut out: Vec<(u64, Vec<Value>, Value)> = group_by(inside(rows, w, &["interactiveUser"]), w, dims)
        .into_iter()
        .map(|(key, g)| {
            let mut o = key_members(dims, &key, &g);
            let n = g.len() as u64;
            let count = |o: &str| g.iter().filter(|r| r.outcome() == o).count() as u64;
            o.insert("signInCount".into(), json!(n));
            o.insert("successCount".into(), json!(count("success")));
            o.insert("interruptedCount".into(), json!(count("interrupted")));
            o.insert("failureCount".into(), json!(count("failure")));
            o.insert("successPercentage".into(), percent(count("success"), n));
            o.insert("userCount".into(), json!(users(&g)));
            o.insert("lastSignInDateTime".into(), json!(w.ts(g.iter().map(|r| r.t).max().unwrap())));
            (n, key, Value::Object(o))
        })
        .collect();
    out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| cmp_keys(&a.1, &b.1)));
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

fn eq(v: Option<&str>, want: &str) -> bool {
    v.is_some_and(|v| v.eq_ignore_ascii_case(want))
}

/// Our tenant: the one named (home or resource) by the most of `rows`; then the resource of
/// the most; then the smallest id.
pub fn local_tenant(rows: &[&WRow]) -> Option<String> {
    let mut named: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for r in rows {
        let h = s(&r.r, &["homeTenantId"]).map(str::to_lowercase);
        let t = s(&r.r, &["resourceTenantId"]).map(str::to_lowercase);
        for id in [&h, &t].into_iter().flatten().collect::<BTreeSet<_>>() {
            named.entry(id.clone()).or_default().0 += 1;
        }
        if let Some(t) = t {
            named.entry(t).or_default().1 += 1;
        }
    }
    let best = named.values().max()?;
    named.iter().find(|(_, v)| *v == best).map(|(k, _)| k.clone())
}

/// `report mfa-gaps --by dims` (SPEC 6.5): successful interactive sign-ins, those into another
/// tenant's resource left out; rows with a single-factor sign-in.
pub fn mfa_gaps(rows: &[WRow], w: &Win, dims: &[&str]) -> (Vec<Value>, Value) {
    let ok: Vec<&WRow> = inside(rows, w, &["interactiveUser"]).into_iter().filter(|r| r.code() == Some(0)).collect();
    let local = local_tenant(&ok);
    let kept: Vec<&WRow> = ok
        .into_iter()
        .filter(|r| match (&local, s(&r.r, &["resourceTenantId"])) {
            (Some(l), Some(t)) => t.eq_ignore_ascii_case(l),
            _ => true,
        })
        .collect();
    let req = |r: &WRow| s(&r.r, &["authenticationRequirement"]).map(str::to_string);
    let single = |r: &WRow| eq(req(r).as_deref(), "singleFactorAuthentication");
    let multi = |r: &WRow| eq(req(r).as_deref(), "multiFactorAuthentication");
    let (n1, n2) = (kept.iter().filter(|r| single(r)).count(), kept.iter().filter(|r| multi(r)).count());
    let totals = json!({
        "signIns": kept.len(), "singleFactor": n1, "multiFactor": n2, "unknown": kept.len() - n1 - n2,
        "singleFactorPercentage": percent(n1 as u64, kept.len() as u64),
    });
    let mut out: Vec<(usize, usize, Vec<Value>, Value)> = group_by(kept, w, dims)
        .into_iter()
        .filter(|(_, g)| g.iter().any(|r| single(r)))
        .map(|(key, g)| {
            let sf: Vec<&WRow> = g.iter().copied().filter(|r| single(r)).collect();
            let mut o = key_members(dims, &key, &g);
            o.insert("signInCount".into(), json!(g.len()));
            o.insert("singleFactorSignInCount".into(), json!(sf.len()));
            o.insert("multiFactorSignInCount".into(), json!(g.iter().filter(|r| multi(r)).count()));
            o.insert("singleFactorPercentage".into(), percent(sf.len() as u64, g.len() as u64));
            o.insert("userCount".into(), json!(users(&g)));
            o.insert("singleFactorUserCount".into(), json!(users(&sf)));
            o.insert("lastSignInDateTime".into(), json!(w.ts(g.iter().map(|r| r.t).max().unwrap())));
            (users(&sf), sf.len(), key, Value::Object(o))
        })
        .collect();
    out.sort_by(|a, b| (b.0, b.1).cmp(&(a.0, a.1)).then_with(|| cmp_keys(&a.2, &b.2)));
    (out.into_iter().map(|r| r.3).collect(), totals)
}

/// The prompts of a sign-in: (method, succeeded) of each step whose method is not empty and
/// not "Previously satisfied".
fn prompts(r: &WRow) -> Vec<(String, bool)> {
    let steps = r.r.get("authenticationDetails").and_then(Value::as_array).cloned().unwrap_or_default();
    steps
        .iter()
        .filter_map(|st| {
            let m = s(st, &["authenticationMethod"])?;
            (!m.eq_ignore_ascii_case("Previously satisfied"))
                .then(|| (m.to_string(), st.get("succeeded").and_then(Value::as_bool) == Some(true)))
        })
        .collect()
}

/// `report auth-prompts --by dims` (SPEC 6.5), `method` among the dimensions or not.
pub fn auth_prompts(rows: &[WRow], w: &Win, dims: &[&str]) -> (Vec<Value>, Value) {
    let sel: Vec<&WRow> = inside(rows, w, &["interactiveUser"])
        .into_iter()
        .filter(|r| !eq(s(&r.r, &["userDisplayName"]), "On-Premises Directory Synchronization Service Account"))
        .filter(|r| !prompts(r).is_empty())
        .collect();
    let all: Vec<(String, bool)> = sel.iter().flat_map(|r| prompts(r)).collect();
    let ok = all.iter().filter(|p| p.1).count();
    let ratio = |a: usize, b: usize| percent(a as u64, b as u64 * 100);
    let totals = json!({
        "prompts": all.len(), "success": ok, "failure": all.len() - ok, "signIns": sel.len(), "users": users(&sel),
        "promptsPerSignIn": ratio(all.len(), sel.len()), "promptsPerUser": ratio(all.len(), users(&sel)),
    });
    // One entry per (sign-in, method) when grouped by method, else per sign-in.
    let by_method = dims.contains(&"method");
    // Per key: (sign-in, its prompts in the group, of which succeeded).
    type Entries<'a> = Vec<(&'a WRow, usize, usize)>;
    let mut groups: Vec<(Vec<Value>, Entries<'_>)> = Vec::new();
    for r in &sel {
        let ps = prompts(r);
        let entries: Vec<(Option<String>, usize, usize)> = if by_method {
            let methods: BTreeSet<&String> = ps.iter().map(|p| &p.0).collect();
            methods
                .into_iter()
                .map(|m| {
                    let mine: Vec<&(String, bool)> = ps.iter().filter(|p| &p.0 == m).collect();
                    (Some(m.clone()), mine.len(), mine.iter().filter(|p| p.1).count())
                })
                .collect()
        } else {
            vec![(None, ps.len(), ps.iter().filter(|p| p.1).count())]
        };
        for (m, n, k) in entries {
            let mut key: Vec<Value> = Vec::new();
            for d in dims {
                if *d == "method" {
                    key.push(json!(m.clone().unwrap()));
                } else {
                    key.extend(r.key(d, w));
                }
            }
            match groups.iter_mut().find(|(g, _)| *g == key) {
                Some((_, g)) => g.push((r, n, k)),
                None => groups.push((key, vec![(r, n, k)])),
            }
        }
    }
    let mut out: Vec<(usize, Vec<Value>, Value)> = groups
        .into_iter()
        .map(|(key, g)| {
            let rs: Vec<&WRow> = g.iter().map(|e| e.0).collect();
            let (n, k) = g.iter().fold((0, 0), |(n, k), e| (n + e.1, k + e.2));
            let mut o = serde_json::Map::new();
            let mut kv = key.iter();
            for d in dims {
                if *d == "method" {
                    o.insert("authenticationMethod".into(), kv.next().unwrap().clone());
                    continue;
                }
                for f in fields(d) {
                    o.insert(f.to_string(), kv.next().unwrap().clone());
                }
                if let Some((field, _)) = rs[0].name_of(d) {
                    o.insert(field.into(), json!(latest(&rs, |_| true).unwrap().name_of(d).unwrap().1));
                }
            }
            o.insert("promptCount".into(), json!(n));
            o.insert("successCount".into(), json!(k));
            o.insert("failureCount".into(), json!(n - k));
            o.insert("signInCount".into(), json!(rs.len()));
            o.insert("promptsPerSignIn".into(), ratio(n, rs.len()));
            o.insert("userCount".into(), json!(users(&rs)));
            o.insert("lastSignInDateTime".into(), json!(w.ts(rs.iter().map(|r| r.t).max().unwrap())));
            (n, key, Value::Object(o))
        })
        .collect();
    out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| cmp_keys(&a.1, &b.1)));
    (out.into_iter().map(|r| r.2).collect(), totals)
}

/// `report cross-tenant` (SPEC 6.5).
pub fn cross_tenant(rows: &[WRow], w: &Win) -> (Vec<Value>, Value) {
    let sel = inside(rows, w, &["interactiveUser"]);
    let Some(local) = local_tenant(&sel) else { return (Vec::new(), Value::Null) };
    let other = |p: &str, r: &WRow| s(&r.r, &[p]).map(str::to_lowercase).filter(|t| *t != local);
    // (direction, external tenant, (null access type last, access type)).
    type Key = (String, String, (bool, Option<String>));
    let mut groups: BTreeMap<Key, Vec<&WRow>> = BTreeMap::new();
    let (mut inbound, mut outbound, mut within) = (0, 0, 0);
    for r in &sel {
        let (dir, ext) = match (other("homeTenantId", r), other("resourceTenantId", r)) {
            (Some(h), _) => ("inbound", h),
            (None, Some(t)) => ("outbound", t),
            (None, None) => {
                within += 1;
                continue;
            }
        };
        if dir == "inbound" {
            inbound += 1
        } else {
            outbound += 1
        }
        let access = s(&r.r, &["crossTenantAccessType"]).map(str::to_string);
        groups.entry((dir.into(), ext, (access.is_none(), access))).or_default().push(r);
    }
    let totals = json!({"localTenantId": local, "inbound": inbound, "outbound": outbound, "withinTenant": within});
    let mut out: Vec<(usize, Value)> = groups
        .into_iter()
        .map(|((dir, ext, (_, access)), g)| {
            let ok = g.iter().filter(|r| r.code() == Some(0)).count();
            let apps: BTreeSet<String> = g.iter().filter_map(|r| s(&r.r, &["appId"])).map(str::to_lowercase).collect();
            let v = json!({
                "direction": dir, "externalTenantId": ext, "crossTenantAccessType": access,
                "signInCount": g.len(), "successCount": ok, "failureCount": g.len() - ok, "userCount": users(&g),
                "appCount": apps.len(), "lastSignInDateTime": w.ts(g.iter().map(|r| r.t).max().unwrap()),
            });
            (g.len(), v)
        })
        .collect();
    out.sort_by_key(|r| std::cmp::Reverse(r.0));
    (out.into_iter().map(|r| r.1).collect(), totals)
}

/// `report risky-sign-ins --by dims` (SPEC 6.5) over interactive and non-interactive sign-ins.
pub fn risky(rows: &[WRow], w: &Win, dims: &[&str]) -> Vec<Value> {
    let level = |r: &WRow| s(&r.r, &["riskLevelDuringSignIn"]).map(str::to_lowercase);
    let sel: Vec<&WRow> = inside(rows, w, &["interactiveUser", "nonInteractiveUser"])
        .into_iter()
        .filter(|r| {
            ["low", "medium", "high"].contains(&level(r).as_deref().unwrap_or(""))
                || s(&r.r, &["riskState"]).is_some_and(|st| !st.eq_ignore_ascii_case("none"))
        })
        .collect();
    let mut out: Vec<([usize; 4], Vec<Value>, Value)> = group_by(sel, w, dims)
        .into_iter()
        .map(|(key, g)| {
            let at = |l: &str| g.iter().filter(|r| level(r).as_deref() == Some(l)).count();
            let ok = g.iter().filter(|r| r.code() == Some(0)).count();
            let last = latest(&g, |_| true).unwrap();
            let mut o = key_members(dims, &key, &g);
            o.insert("signInCount".into(), json!(g.len()));
            o.insert("highRiskCount".into(), json!(at("high")));
            o.insert("mediumRiskCount".into(), json!(at("medium")));
            o.insert("lowRiskCount".into(), json!(at("low")));
            o.insert("successCount".into(), json!(ok));
            o.insert("failureCount".into(), json!(g.len() - ok));
            o.insert("userCount".into(), json!(users(&g)));
            o.insert("latestRiskState".into(), json!(s(&last.r, &["riskState"])));
            o.insert("lastSignInDateTime".into(), json!(w.ts(last.t)));
            ([at("high"), at("medium"), at("low"), g.len()], key, Value::Object(o))
        })
        .collect();
    out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| cmp_keys(&a.1, &b.1)));
    out.into_iter().map(|r| r.2).collect()
}

/// The sign-in figures of the hand-over's headline (SPEC 7), as (figure, count, of): the
/// interactive sign-ins, failed and interrupted of them, their distinct users and applications,
/// the multi-factor share of the successful ones, and the legacy share of same-tenant user
/// sign-ins.
pub fn headline(rows: &[WRow], w: &Win) -> Vec<(&'static str, u64, Option<u64>)> {
    let interactive = inside(rows, w, &["interactiveUser"]);
    let n = interactive.len() as u64;
    let count = |o: &str| interactive.iter().filter(|r| r.outcome() == o).count() as u64;
    let apps: BTreeSet<String> =
        interactive.iter().filter_map(|r| s(&r.r, &["appId"]).map(str::to_lowercase)).collect();
    let ok: Vec<&&WRow> = interactive.iter().filter(|r| r.code() == Some(0)).collect();
    let multi = ok
        .iter()
        .filter(|r| {
            s(&r.r, &["authenticationRequirement"]).is_some_and(|v| v.eq_ignore_ascii_case("multiFactorAuthentication"))
        })
        .count() as u64;
    let same_tenant = inside(rows, w, &["interactiveUser", "nonInteractiveUser"])
        .into_iter()
        .filter(|r| match (s(&r.r, &["homeTenantId"]), s(&r.r, &["resourceTenantId"])) {
            (Some(h), Some(t)) => h.eq_ignore_ascii_case(t),
            _ => true,
        })
        .count() as u64;
    vec![
        ("sign-ins", n, None),
        ("failed", count("failure"), Some(n)),
        ("interrupted", count("interrupted"), Some(n)),
        ("users", users(&interactive) as u64, None),
        ("apps", apps.len() as u64, None),
        ("mfa", multi, Some(ok.len() as u64)),
        ("legacy", legacy_rows(rows, w).len() as u64, Some(same_tenant)),
    ]
}
