//! `report user` and `report ip` (SPEC 6.6): which user an input means (exit 2 when it is
//! several or none), and the pages against a naive count over the original records.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::naive::Win;
use crate::naive_workbooks::{self, WRow};
use crate::util::{run, testdata};

fn ingested(dir: &std::path::Path, input: &std::path::Path) -> String {
    let store = dir.join("store").to_string_lossy().to_string();
    let r = run(&["ingest", "--quiet", "--store", &store, &input.to_string_lossy()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    store
}

#[test]
fn the_user_meant_is_found_or_the_candidates_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let store = ingested(dir.path(), &testdata("golden/investigate/signins.json"));
    let user = |who: &str, extra: &[&str]| {
        let mut args = vec!["report", "user", who, "--store", &store, "--format", "json"];
        args.extend(extra);
        run(&args)
    };
    // Two users called Ben Ode: both listed with their sign-ins, exit 2.
    let r = user("Ben Ode", &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("matches 2 users"), "{}", r.stderr);
    assert!(r.stderr.contains("ben@contoso.com (Ben Ode, id 0000000b-0000-0000-0000-00000000000b): 4 sign-ins"));
    assert!(r.stderr.contains("ben.ode_fabrikam.com#EXT#@contoso.onmicrosoft.com (Ben Ode, id 0000000c"));
    assert!(r.stdout.is_empty());
    // A part of both UPNs: the same two.
    assert_eq!(user("ben", &[]).code, 2);
    // Exact, in another case: the UPN; the user id of the guest.
    let page = |r: crate::util::Run| -> Value {
        assert_eq!(r.code, 0, "{}", r.stderr);
        serde_json::from_str(&r.stdout).unwrap()
    };
    assert_eq!(page(user("BEN@CONTOSO.COM", &[]))["userId"], "0000000b-0000-0000-0000-00000000000b");
    let guest = page(user("0000000C-0000-0000-0000-00000000000C", &[]));
    assert_eq!(guest["userType"], "guest");
    assert_eq!(guest["signIns"], json!({"total": 1, "success": 1, "interrupted": 0, "failure": 0}));
    // Nobody: said with what the store holds.
    let r = user("bem@contoso.com", &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no user in the store matches") && r.stderr.contains("ben@contoso.com"), "{}", r.stderr);
    // Under pseudonymisation the candidates are not named.
    let key = dir.path().join("key").to_string_lossy().to_string();
    assert_eq!(run(&["keygen", "--quiet", "--out", &key]).code, 0);
    let r = run(&["--pseudonymize", &key, "report", "user", "Ben Ode", "--store", &store]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("matches 2 users") && !r.stderr.contains("contoso"), "{}", r.stderr);
    let r = run(&["--pseudonymize", &key, "report", "user", "ben@contoso.com", "--store", &store, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !r.stdout.contains("contoso") && !r.stdout.contains("198.51.100.7") && !r.stderr.contains("contoso"),
        "{}",
        r.stdout
    );
    // The argument belongs to these two reports only; they need it.
    let r = run(&["report", "apps", "ben", "--store", &store]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("`report user` and `report ip`"), "{}", r.stderr);
    let r = run(&["report", "user", "--store", &store]);
    assert_eq!(r.code, 2);
    // An address no sign-in came from.
    let r = run(&["report", "ip", "192.0.2.1", "--store", &store]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("192.0.2.1") && r.stderr.contains("2024-06-01T08:00:00Z"), "{}", r.stderr);
}

#[test]
fn the_html_page_has_a_section_per_user_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let store = ingested(dir.path(), &testdata("golden/investigate/signins.json"));
    let out = dir.path().join("page.html").to_string_lossy().to_string();
    let r =
        run(&["html", "--quiet", "--store", &store, "--out", &out, "--user", "fabrikam", "--user", "ana@contoso.com"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = std::fs::read_to_string(&out).unwrap();
    let one = &page[page.find("id=\"user-1\"").expect("a section for the first user")..];
    let one = &one[..one.find("</section>").unwrap()];
    assert!(one.contains("ben.ode_fabrikam.com#EXT#@contoso.onmicrosoft.com") && one.contains("1 sign-ins"), "{one}");
    assert!(page.contains("id=\"user-2\"") && page.contains("ana@contoso.com (Ana Lima)"));
    // Several users meant: no page, exit 2, as `report user`.
    let other = dir.path().join("other.html");
    let r = run(&["html", "--quiet", "--store", &store, "--out", &other.to_string_lossy(), "--user", "Ben Ode"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!other.exists());
}

/// Rows `{key: value, signInCount}` of `rows` by `key`, count desc then key, as SPEC 6.6 sorts.
fn counted(rows: &[&WRow], field: &str, key: impl Fn(&WRow) -> Option<String>) -> Vec<Value> {
    let mut n: BTreeMap<String, u64> = BTreeMap::new();
    for r in rows {
        if let Some(k) = key(r) {
            *n.entry(k).or_default() += 1;
        }
    }
    let mut v: Vec<(String, u64)> = n.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.into_iter().map(|(k, c)| json!({field: k, "signInCount": c})).collect()
}

fn text(r: &WRow, path: &[&str]) -> Option<String> {
    let mut v = &r.r;
    for p in path {
        v = v.get(p)?;
    }
    v.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

fn outcomes(rows: &[&WRow]) -> Value {
    let n = |o: &str| rows.iter().filter(|r| r.outcome() == o).count();
    json!({"total": rows.len(), "success": n("success"), "interrupted": n("interrupted"), "failure": n("failure")})
}

/// Only the named members of each row.
fn only(rows: &Value, fields: &[&str]) -> Vec<Value> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| Value::Object(fields.iter().map(|f| (f.to_string(), r[*f].clone())).collect()))
        .collect()
}

#[test]
fn user_and_ip_pages_equal_a_naive_count() {
    use signin_insights::generate::{GenOptions, Shape, generate};
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    generate(
        &GenOptions { records: 4000, seed: 17, shape: Shape::Jsonl, per_file: 1500, ..GenOptions::default() },
        &input,
    )
    .unwrap();
    let store = ingested(dir.path(), &input);
    let rows = naive_workbooks::load(&input);
    let latest = rows.iter().map(|r| r.t).max().unwrap();
    let w = Win { start: latest - 7 * 86_400_000_000, end: latest + 1, zone: None };
    let inside: Vec<&WRow> = rows.iter().filter(|r| r.t > w.start && r.t <= latest).collect();
    // Users by user id; the three with the most sign-ins in the window, and an address.
    let by_id = counted(&inside, "id", |r| text(r, &["userId"]).map(|s| s.to_lowercase()));
    let mut checked = 0;
    for id in by_id.iter().take(3).map(|v| v["id"].as_str().unwrap().to_string()) {
        let mine: Vec<&WRow> = inside
            .iter()
            .copied()
            .filter(|r| text(r, &["userId"]).is_some_and(|u| u.eq_ignore_ascii_case(&id)))
            .collect();
        let r = run(&["report", "user", &id, "--store", &store, "--period", "D7", "--format", "json"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let page: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(page["signIns"], outcomes(&mine), "{id}");
        let apps = counted(&mine, "appId", |r| text(r, &["appId"]).map(|s| s.to_lowercase()));
        assert_eq!(only(&page["apps"], &["appId", "signInCount"]), apps, "{id}");
        let countries = counted(&mine, "countryOrRegion", |r| text(r, &["location", "countryOrRegion"]));
        assert_eq!(only(&page["countries"], &["countryOrRegion", "signInCount"]), countries, "{id}");
        // IPs with first and last seen.
        let ips = counted(&mine, "ipAddress", |r| text(r, &["ipAddress"]));
        let with_span: Vec<Value> = ips
            .into_iter()
            .map(|mut v| {
                let ip = v["ipAddress"].as_str().unwrap().to_string();
                let ts: Vec<i64> =
                    mine.iter().filter(|r| text(r, &["ipAddress"]).as_deref() == Some(&ip)).map(|r| r.t).collect();
                v["firstSignInDateTime"] = json!(w.ts(*ts.iter().min().unwrap()));
                v["lastSignInDateTime"] = json!(w.ts(*ts.iter().max().unwrap()));
                v
            })
            .collect();
        let got =
            only(&page["ipAddresses"], &["ipAddress", "signInCount", "firstSignInDateTime", "lastSignInDateTime"]);
        assert_eq!(got, with_span, "{id}");
        let first = mine.iter().map(|r| r.t).min().unwrap();
        assert_eq!(page["firstSignInDateTime"], json!(w.ts(first)));

        // The page of this user's most used address: its users and apps.
        let ip = page["ipAddresses"][0]["ipAddress"].as_str().unwrap().to_string();
        let from: Vec<&WRow> =
            inside.iter().copied().filter(|r| text(r, &["ipAddress"]).as_deref() == Some(&ip)).collect();
        let r = run(&["report", "ip", &ip, "--store", &store, "--period", "D7", "--format", "json"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let page: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(page["signIns"], outcomes(&from), "{ip}");
        let users: BTreeSet<String> =
            from.iter().filter_map(|r| text(r, &["userPrincipalName"]).map(|u| u.to_lowercase())).collect();
        assert_eq!(page["userCount"], json!(users.len()));
        let got: Vec<Value> = only(&page["users"], &["userPrincipalName", "signInCount"])
            .into_iter()
            .map(|mut v| {
                v["userPrincipalName"] = json!(v["userPrincipalName"].as_str().unwrap().to_lowercase());
                v
            })
            .collect();
        let want = counted(&from, "userPrincipalName", |r| text(r, &["userPrincipalName"]).map(|u| u.to_lowercase()));
        assert_eq!(got, want, "{ip}");
        let apps = counted(&from, "appId", |r| text(r, &["appId"]).map(|s| s.to_lowercase()));
        assert_eq!(only(&page["apps"], &["appId", "signInCount"]), apps, "{ip}");
        checked += 1;
    }
    assert_eq!(checked, 3);
}

/// The public OTRF SimuLand audit export (Log Analytics rows, the same record twice): the
/// secret added to SimuLandApp (its `KeyDescription` new value holds one key, KeyType Password,
/// the old value none) and the delegated grant of `User.Read Mail.ReadWrite` to Microsoft Graph.
#[test]
fn sensitive_operations_of_a_real_audit_export() {
    let dir = tempfile::tempdir().unwrap();
    let store = ingested(dir.path(), &testdata("public/otrf-security-datasets/AADAuditEvents.json"));
    let r = run(&["report", "sensitive-operations", "--store", &store, "--period", "D3650", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let rows = only(&v["value"], &["kind", "activityDisplayName", "initiatedByUser", "targetDisplayName", "detail"]);
    assert_eq!(
        rows,
        [
            json!({"kind": "credentials", "activityDisplayName": "Update application \u{2013} Certificates and secrets management",
                   "initiatedByUser": "pgustavo@simulandlabs.com", "targetDisplayName": "SimuLandApp", "detail": "Password"}),
            json!({"kind": "permissions", "activityDisplayName": "Add delegated permission grant",
                   "initiatedByUser": "pgustavo@simulandlabs.com", "targetDisplayName": "Microsoft Graph",
                   "detail": "User.Read Mail.ReadWrite"}),
        ]
    );
    let r = run(&["report", "consents", "--store", &store, "--period", "D3650", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("\"value\": []"), "no Consent to application event in this export: {}", r.stdout);
}
