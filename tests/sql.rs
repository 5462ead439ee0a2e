//! Under `--features sql`: every file of `sql/` run by polars over generated data gives the same
//! rows as the native report (a second, independent engine for each report), and the `sql`
//! command answers ad hoc queries in every format.

use std::collections::BTreeMap;

use signin_insights::generate::auth_methods::write_auth_methods;
use signin_insights::generate::{GenOptions, Shape, generate};
use signin_insights::render::Cell;
use signin_insights::report::auth_registration::{self, Population};
use signin_insights::report::window::{Period, Window};
use signin_insights::report::{Request, app_daily, apps, auth_events, auth_usage, latest_event_in};
use signin_insights::store::{AUDITS, SIGNINS, Store};
use signin_insights::time::{day_of, format_day, format_timestamp_utc};

/// A window bound as the SQL files take it: UTC `YYYY-MM-DDTHH:MM:SS.ffffff`.
fn bound(us: i64) -> String {
    let t = chrono::DateTime::from_timestamp_micros(us).expect("valid");
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

use crate::util::{ingest_with, run, testdata};

fn text(c: &Cell) -> String {
    match c {
        Cell::Int(Some(n)) => n.to_string(),
        // FLOOR(...) gives a float: an integral one compares as the integer it is.
        Cell::Text(Some(t)) => match t.parse::<f64>() {
            Ok(f) if f.fract() == 0.0 && t.contains('.') => format!("{}", f as i64),
            _ => t.clone(),
        },
        Cell::Time(Some(t)) => format_timestamp_utc(*t),
        Cell::Percent(p) => p.0.to_string(),
        _ => "null".into(),
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or("null".into(), |v| v.to_string())
}

/// The native reports as the rows each SQL file returns (days without events left out).
fn native(store: &Store, signins: &Window, audits: &Window) -> BTreeMap<&'static str, Vec<Vec<String>>> {
    let manifest = store.manifest().unwrap();
    let req = Request { window: signins.clone(), event_types: None, top: None, app: None };
    let mut out = BTreeMap::new();
    out.insert(
        "apps",
        apps::compute(store, &manifest, &req, apps::Sort::Total)
            .unwrap()
            .iter()
            .map(|a| {
                let total = a.successful_sign_in_count + a.failed_sign_in_count;
                vec![
                    a.id.clone(),
                    opt(a.app_display_name.clone()),
                    a.successful_sign_in_count.to_string(),
                    a.failed_sign_in_count.to_string(),
                    ((a.successful_sign_in_count * 20_000 + total) / (2 * total)).to_string(),
                ]
            })
            .collect(),
    );
    let mut daily: Vec<Vec<String>> = app_daily::compute(store, &manifest, &req)
        .unwrap()
        .iter()
        .map(|d| {
            vec![
                d.app_id.clone(),
                format_day(day_of(d.aggregated_event_date_time.0)),
                opt(d.status.error_code),
                d.sign_in_count.to_string(),
            ]
        })
        .collect();
    daily.sort();
    out.insert("app-daily-counts", daily);
    let (mfa, _) = auth_usage::mfa(store, &manifest, &req).unwrap();
    out.insert(
        "mfa-summary",
        mfa.iter()
            .filter(|d| d.total_sign_ins > 0)
            .map(|d| {
                [
                    day_of(d.created_date_time.0) as u64,
                    d.total_sign_ins,
                    d.single_factor_sign_ins,
                    d.multi_factor_sign_ins,
                ]
                .iter()
                .enumerate()
                .map(|(i, v)| if i == 0 { format_day(*v as i64) } else { v.to_string() })
                .collect()
            })
            .collect(),
    );
    let who = Population::default();
    let f = auth_registration::by_feature(&auth_registration::users(store, &manifest, &who).unwrap(), &who);
    let mut row = vec![f.total_user_count.to_string()];
    row.extend(f.user_registration_feature_counts.iter().map(|c| c.user_count.to_string()));
    out.insert("auth-registration-feature", vec![row]);
    let events = auth_events::load(store, &manifest, audits).unwrap();
    out.insert(
        "password-resets",
        auth_events::password_resets(&events, audits)
            .iter()
            .filter(|r| {
                r.password_resets_by_admin_count
                    + r.password_resets_self_service_count
                    + r.change_password_self_service_count
                    > 0
            })
            .map(|r| {
                vec![
                    format_day(day_of(r.aggregated_date_time.0)),
                    r.password_resets_by_admin_count.to_string(),
                    r.password_resets_self_service_count.to_string(),
                    r.change_password_self_service_count.to_string(),
                ]
            })
            .collect(),
    );
    out
}

#[test]
fn every_portable_sql_report_equals_the_native_one_in_polars() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let opts = GenOptions {
        records: 4_000,
        days: 12,
        seed: 11,
        shape: Shape::Graph,
        per_file: 1_500,
        ..GenOptions::default()
    };
    generate(&opts, &input).unwrap();
    write_auth_methods(&opts, &input).unwrap();
    let store = Store::open(dir.path().join("store"));
    ingest_with(&store, &[input], 2);
    let manifest = store.manifest().unwrap();
    let signins = Window::resolve(&Period::Days(7), latest_event_in(&manifest, SIGNINS));
    let audits = Window::resolve(&Period::Days(7), latest_event_in(&manifest, AUDITS));
    let want = native(&store, &signins, &audits);
    let mut checked = 0;
    for entry in std::fs::read_dir(testdata("../sql")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "sql") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let query = std::fs::read_to_string(&path)
            .unwrap()
            .replace("{start}", &bound(signins.start_us))
            .replace("{end}", &bound(signins.end_us))
            .replace("{audit_start}", &bound(audits.start_us))
            .replace("{audit_end}", &bound(audits.end_us));
        let result =
            signin_insights::scan::sql::run(&store, &manifest, &query).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut got: Vec<Vec<String>> = result.rows.iter().map(|r| r.iter().map(text).collect()).collect();
        if name == "app-daily-counts" {
            got.sort();
        }
        let expected = want.get(name.as_str()).unwrap_or_else(|| panic!("no native counterpart for sql/{name}.sql"));
        assert!(!expected.is_empty(), "{name}: nothing to compare");
        assert_eq!(&got, expected, "sql/{name}.sql differs from the native report");
        checked += 1;
    }
    assert_eq!(checked, want.len(), "every native counterpart has its SQL file");
}

#[test]
fn the_sql_command_answers_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store").to_string_lossy().to_string();
    let case = testdata("golden/auth-methods");
    let inputs: Vec<String> =
        ["signins.json", "registrations.json"].iter().map(|f| case.join(f).to_string_lossy().to_string()).collect();
    assert_eq!(run(&["ingest", "--quiet", "--store", &store, &inputs[0], &inputs[1]]).code, 0);
    let q = "SELECT event_type, COUNT(*) AS n FROM signins GROUP BY event_type ORDER BY event_type";
    let csv = run(&["sql", q, "--store", &store, "--format", "csv"]);
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    assert_eq!(csv.stdout, "event_type,n\r\ninteractiveUser,9\r\nnonInteractiveUser,1\r\n");
    let json = run(&["sql", q, "--store", &store, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["value"][0], serde_json::json!({"event_type": "interactiveUser", "n": 9}));
    let users = run(&[
        "sql",
        "SELECT user_principal_name FROM registrations ORDER BY 1",
        "--store",
        &store,
        "--format",
        "jsonl",
    ]);
    assert_eq!(users.stdout.lines().count(), 3, "{}", users.stdout);
    let bad = run(&["sql", "SELECT nope FROM signins", "--store", &store]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}
