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
    pub key_id: Option<String>,
    pub sp_id: Option<String>,
    pub cred_type: Option<String>,
}

/// One credential of the inventory (or an object without credentials: `key_id` None).
#[derive(Clone, Debug)]
pub struct Cred {
    pub origin: &'static str,
    pub object_id: String,
    pub app_id: String,
    pub name: Option<String>,
    pub key_id: Option<String>,
    pub key_type: &'static str,
    pub key_usage: &'static str,
    pub start: Option<i64>,
    pub end: Option<i64>,
}

fn is_inventory(r: &Value) -> bool {
    r.get("keyCredentials").is_some() || r.get("passwordCredentials").is_some()
}

/// Every JSON record under `dir` with the `@odata.context` of its page.
fn records(dir: &Path) -> Vec<(Value, Option<String>)> {
    let mut out = Vec::new();
    for f in files(dir) {
        let text = text_of(&f);
        for value in serde_json::Deserializer::from_str(&text).into_iter::<Value>() {
            match value.expect("reference inputs are valid JSON") {
                Value::Array(a) => out.extend(a.into_iter().map(|r| (r, None))),
                Value::Object(o) if o.get("value").is_some_and(Value::is_array) => {
                    let ctx = o.get("@odata.context").and_then(Value::as_str).map(str::to_string);
                    out.extend(o["value"].as_array().expect("array").iter().map(|r| (r.clone(), ctx.clone())));
                }
                other => out.push((other, None)),
            }
        }
    }
    out
}

/// Every JSON record under `dir` with its page's `@odata.context`.
pub fn all_records(dir: &Path) -> Vec<(Value, Option<String>)> {
    records(dir)
}

pub fn rfc3339(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s).expect("rfc3339").timestamp_micros()
}

/// The credential inventory under `dir`: every application and service principal, by the
/// `@odata.type` of each object or else the page's `@odata.context`.
pub fn inventory(dir: &Path) -> Vec<Cred> {
    let mut objects: BTreeMap<(&'static str, String), Vec<Cred>> = BTreeMap::new();
    for (r, ctx) in records(dir) {
        if !is_inventory(&r) {
            continue;
        }
        let hint = format!("{} {}", ms(&r, "@odata.type").unwrap_or_default(), ctx.unwrap_or_default());
        let origin = if hint.contains("microsoft.graph.servicePrincipal") || hint.contains("#servicePrincipals") {
            "servicePrincipal"
        } else {
            assert!(hint.contains("application"), "{hint}");
            "application"
        };
        let base = Cred {
            origin,
            object_id: ms(&r, "id").expect("id"),
            app_id: ms(&r, "appId").expect("appId"),
            name: ms(&r, "displayName"),
            key_id: None,
            key_type: "",
            key_usage: "",
            start: None,
            end: None,
        };
        let mut creds = Vec::new();
        for (list, password) in [("keyCredentials", false), ("passwordCredentials", true)] {
            for k in r[list].as_array().into_iter().flatten() {
                creds.push(Cred {
                    key_id: ms(k, "keyId"),
                    key_type: match (password, k["type"].as_str()) {
                        (true, _) => "clientSecret",
                        (false, Some("AsymmetricX509Cert")) => "certificate",
                        _ => "unknownFutureValue",
                    },
                    key_usage: match (password, k["usage"].as_str()) {
                        (true, _) | (false, Some("Verify")) => "verify",
                        (false, Some("Sign")) => "sign",
                        _ => "unknownFutureValue",
                    },
                    start: ms(k, "startDateTime").map(|s| rfc3339(&s)),
                    end: ms(k, "endDateTime").map(|s| rfc3339(&s)),
                    ..base.clone()
                });
            }
        }
        if creds.is_empty() {
            creds.push(base.clone());
        }
        objects.insert((origin, base.object_id.to_lowercase()), creds);
    }
    objects.into_values().flatten().collect()
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
    for (r, _) in records(dir) {
        // Inventory objects and AD FS rows (Log Analytics, with a `Type`) are read elsewhere.
        // Registrations and audit records are read by `naive_auth`.
        let other = r.get("isMfaRegistered").is_some() || r.get("activityDisplayName").is_some();
        if is_inventory(&r) || r.get("Type").is_some() || other {
            continue;
        }
        let id = ms(&r, "id").expect("id");
        if !seen.insert(id.clone()) {
            continue;
        }
        let status = r.get("status").cloned().unwrap_or(Value::Null);
        rows.push(Row {
            id,
            created_us: rfc3339(&ms(&r, "createdDateTime").expect("time")),
            kind: r["signInEventTypes"][0].as_str().unwrap_or("interactiveUser").to_string(),
            app_id: ms(&r, "appId").unwrap_or_default(),
            app_name: ms(&r, "appDisplayName"),
            resource_id: ms(&r, "resourceId"),
            code: status.get("errorCode").and_then(Value::as_i64),
            reason: ms(&status, "failureReason"),
            details: ms(&status, "additionalDetails"),
            key_id: ms(&r, "servicePrincipalCredentialKeyId"),
            sp_id: ms(&r, "servicePrincipalId"),
            cred_type: ms(&r, "clientCredentialType"),
        });
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

pub fn ts(us: i64) -> String {
    let dt = chrono::DateTime::from_timestamp_micros(us).expect("valid");
    let s = dt.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}Z")
}

/// Is `a` later than `b` by (created, id)?
fn later(a: &Row, b: &Row) -> bool {
    (a.created_us, &a.id) > (b.created_us, &b.id)
}

/// A window, and the zone its days are counted in and its times shown in (`None`: UTC).
pub struct Win {
    pub start: i64,
    pub end: i64,
    pub zone: Option<chrono_tz::Tz>,
}

impl Win {
    /// `us` as Graph writes it: UTC with `Z`, or the local time with its offset.
    pub fn ts(&self, us: i64) -> String {
        let Some(tz) = self.zone else { return ts(us) };
        let local = chrono::DateTime::from_timestamp_micros(us).expect("valid").with_timezone(&tz);
        let s = local.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
        let s = s.trim_end_matches('0').trim_end_matches('.');
        format!("{s}{}", local.format("%:z"))
    }

    /// The calendar day (days since 1970-01-01) of `us` in the zone.
    pub fn day(&self, us: i64) -> i64 {
        let utc = chrono::DateTime::from_timestamp_micros(us).expect("valid");
        let date = match self.zone {
            Some(tz) => utc.with_timezone(&tz).date_naive(),
            None => utc.date_naive(),
        };
        (date - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days()
    }

    /// The first instant of day `d` in the zone, as Graph writes it.
    pub fn day_ts(&self, d: i64) -> String {
        let mut t = d * 86_400_000_000 - 15 * 3_600_000_000;
        // The first minute whose local day is `d` (midnight, or later where a clock change skips it).
        while self.day(t) < d {
            t += 60_000_000;
        }
        self.ts(t)
    }
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
        let day = w.day(r.created_us);
        groups.entry((&r.app_id, day, r.code.is_none(), r.code)).or_default().push(r);
    }
    groups
        .into_iter()
        .map(|((app, day, _, code), rs)| {
            let l = rs.iter().copied().reduce(|a, b| if later(b, a) { b } else { a }).expect("non-empty");
            json!({"appId": app, "appDisplayName": l.app_name, "aggregatedEventDateTime": w.day_ts(day),
                   "signInCount": rs.len(), "status": {"errorCode": code, "failureReason": l.reason, "additionalDetails": l.details}})
        })
        .collect()
}

fn latest_of(rs: Vec<&Row>) -> Option<&Row> {
    rs.into_iter().reduce(|a, b| if later(b, a) { b } else { a })
}

pub fn app_last_signin(rows: &[Row], w: &Win, inv: &[Cred]) -> Value {
    let sel = selected(rows, &["interactiveUser", "nonInteractiveUser"], w);
    let mut apps: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in sel {
        apps.entry(&r.app_id).or_default().push(r);
    }
    // Unused: inventory apps without a sign-in; the application's name before the SP's.
    let mut unused: BTreeMap<String, Value> = BTreeMap::new();
    for origin in ["application", "servicePrincipal"] {
        for c in inv.iter().filter(|c| c.origin == origin) {
            if apps.keys().any(|a| a.eq_ignore_ascii_case(&c.app_id)) || unused.contains_key(&c.app_id.to_lowercase()) {
                continue;
            }
            let empty = json!({"lastSignInDateTime": null, "lastSignInRequestId": null,
                "lastNonInteractiveSignInDateTime": null, "lastNonInteractiveSignInRequestId": null,
                "lastSuccessfulSignInDateTime": null, "lastSuccessfulSignInRequestId": null});
            unused.insert(
                c.app_id.to_lowercase(),
                json!({"id": c.app_id, "appId": c.app_id, "appDisplayName": c.name, "signInActivity": empty}),
            );
        }
    }
    let pair = |r: Option<&Row>| (r.map(|r| w.ts(r.created_us)), r.map(|r| r.id.clone()));
    let mut out: Vec<Value> = apps
        .into_iter()
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
        .collect();
    out.extend(unused.into_values());
    out.sort_by(|a, b| a["appId"].as_str().cmp(&b["appId"].as_str()));
    Value::Array(out)
}

/// SPEC 3.8: service principal sign-ins by credential key id, full outer joined with the
/// inventory; then the filters.
pub fn credentials(rows: &[Row], w: &Win, inv: &[Cred], as_of: i64, filter: (Option<i64>, bool, bool)) -> Value {
    use base64::Engine;
    let b64 = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
    let mut used: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    for r in selected(rows, &["servicePrincipal"], w) {
        if let Some(k) = r.key_id.as_ref().filter(|k| !k.is_empty()) {
            used.entry(k.to_lowercase()).or_default().push(r);
        }
    }
    let object = |origin: &str, app: &str| {
        inv.iter().find(|c| c.origin == origin && c.app_id.eq_ignore_ascii_case(app)).map(|c| c.object_id.clone())
    };
    let nonempty = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
    let activity = |rs: Option<&Vec<&Row>>| {
        let rs = rs.cloned().unwrap_or_default();
        let last = latest_of(rs.clone());
        let ok = latest_of(rs.into_iter().filter(|r| r.code == Some(0)).collect());
        json!({"lastSignInDateTime": last.map(|r| w.ts(r.created_us)), "lastSignInRequestId": last.map(|r| r.id.clone()),
               "lastNonInteractiveSignInDateTime": null, "lastNonInteractiveSignInRequestId": null,
               "lastSuccessfulSignInDateTime": ok.map(|r| w.ts(r.created_us)), "lastSuccessfulSignInRequestId": ok.map(|r| r.id.clone())})
    };
    let mut out = Vec::new();
    for c in inv {
        let Some(key) = &c.key_id else { continue };
        let rs = used.get(&key.to_lowercase());
        let last = rs.and_then(|rs| latest_of(rs.clone()));
        let (app_obj, sp_obj) = if c.origin == "application" {
            (
                Some(c.object_id.clone()),
                object("servicePrincipal", &c.app_id).or_else(|| last.and_then(|r| nonempty(&r.sp_id))),
            )
        } else {
            (object("application", &c.app_id), Some(c.object_id.clone()))
        };
        let mut row = json!({"id": b64(format!("{key}|{}", c.origin)), "keyId": key, "keyType": c.key_type,
            "keyUsage": c.key_usage, "appId": c.app_id, "appObjectId": app_obj, "servicePrincipalObjectId": sp_obj,
            "resourceId": last.and_then(|r| nonempty(&r.resource_id)), "credentialOrigin": c.origin,
            "createdDateTime": c.start.map(|t| w.ts(t)), "expirationDateTime": c.end.map(|t| w.ts(t)), "signInActivity": activity(rs)});
        if rs.is_none() {
            row["@signinInsights.finding"] = json!("unused");
        }
        out.push(row);
    }
    for (key, rs) in &used {
        if inv.iter().any(|c| c.key_id.as_ref().is_some_and(|k| k.eq_ignore_ascii_case(key))) {
            continue;
        }
        let last = latest_of(rs.clone()).expect("used");
        let app = nonempty(&Some(last.app_id.clone()));
        let key = last.key_id.clone().expect("key").trim().to_string();
        // keyType: the latest sign-in whose clientCredentialType names one (SPEC 3.8 / issue 15).
        let typed = |r: &&Row| {
            let t = r.cred_type.as_deref().unwrap_or("").trim().to_lowercase();
            t == "certificate" || t == "clientsecret"
        };
        let key_type = latest_of(rs.iter().copied().filter(typed).collect()).map(|r| {
            if r.cred_type.as_deref().unwrap().trim().eq_ignore_ascii_case("certificate") {
                "certificate"
            } else {
                "clientSecret"
            }
        });
        out.push(json!({"id": b64(format!("{key}|")), "keyId": key, "keyType": key_type, "keyUsage": null,
            "appId": app, "appObjectId": app.as_deref().and_then(|a| object("application", a)),
            "servicePrincipalObjectId": app.as_deref().and_then(|a| object("servicePrincipal", a)).or_else(|| nonempty(&last.sp_id)),
            "resourceId": nonempty(&last.resource_id), "credentialOrigin": null, "createdDateTime": null,
            "expirationDateTime": null, "signInActivity": activity(Some(rs)), "@signinInsights.finding": "notInInventory"}));
    }
    let (within, expired, unused) = filter;
    let end_of = |r: &Value| r["expirationDateTime"].as_str().map(rfc3339);
    out.retain(|r| {
        within.is_none_or(|d| end_of(r).is_some_and(|e| e > as_of && e <= as_of + d))
            && (!expired || end_of(r).is_some_and(|e| e <= as_of))
            && (!unused || r["@signinInsights.finding"] == "unused")
    });
    let key = |r: &Value| {
        let s = |k: &str| r[k].as_str().map(str::to_string);
        (s("keyId"), s("credentialOrigin"), s("appObjectId"), s("servicePrincipalObjectId"))
    };
    out.sort_by_key(key);
    Value::Array(out)
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
        let pair = |r: Option<&Row>| (r.map(|r| w.ts(r.created_us)), r.map(|r| r.id.clone()));
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

/// SPEC 3.6 over the AD FS rows of `dir` (`adfs-signins.jsonl`): per relying party, Microsoft's
/// own left out, users by lower-cased UPN else user id, named by the latest sign-in; by total
/// then identifier. Row ids are left out (the engine's are UUIDs of the identifier).
pub fn adfs(dir: &Path, w: &Win) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("adfs-signins.jsonl")).expect("adfs file");
    #[derive(Default)]
    struct Rp {
        ok: u64,
        failed: u64,
        users: HashSet<String>,
        latest: Option<(i64, String, Option<String>)>,
    }
    let mut rps: BTreeMap<String, Rp> = BTreeMap::new();
    let mut seen = HashSet::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let r: Value = serde_json::from_str(line).expect("json");
        let id = ms(&r, "Id").expect("id");
        let t = rfc3339(&ms(&r, "CreatedDateTime").expect("time"));
        let rp = ms(&r, "ResourceIdentity").unwrap_or_default();
        let lower = rp.to_lowercase();
        if !seen.insert(id.clone()) || t < w.start || t >= w.end || rp.is_empty() {
            continue;
        }
        if lower == "urn:federation:microsoftonline" || lower.starts_with("urn:ms-drs:") {
            continue;
        }
        let e = rps.entry(rp).or_default();
        if ms(&r, "ResultType").as_deref() == Some("0") {
            e.ok += 1;
        } else {
            e.failed += 1;
        }
        match ms(&r, "UserPrincipalName").filter(|u| !u.is_empty()) {
            Some(upn) => e.users.insert(upn.to_lowercase()),
            None => e.users.insert(format!("id:{}", ms(&r, "UserId").unwrap_or_default().to_lowercase())),
        };
        if e.latest.as_ref().is_none_or(|(lt, lid, _)| (t, &id) > (*lt, lid)) {
            e.latest = Some((t, id, ms(&r, "ResourceDisplayName")));
        }
    }
    let mut out: Vec<(u64, String, Value)> = rps
        .into_iter()
        .map(|(rp, e)| {
            let total = e.ok + e.failed;
            let v = json!({"relyingPartyId": rp, "relyingPartyName": e.latest.and_then(|l| l.2), "serviceId": "",
                "successfulSignInCount": e.ok, "failedSignInCount": e.failed, "totalSignInCount": total,
                "signInSuccessRate": percent(e.ok, total), "uniqueUserCount": e.users.len(),
                "migrationStatus": "needsReview", "replyUrls": [], "migrationValidationDetails": []});
            (total, rp, v)
        })
        .collect();
    out.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    out.into_iter().map(|x| x.2).collect()
}
