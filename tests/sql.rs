//! Under `--features sql`: every file of `sql/` run by polars gives the same rows as the native
//! report (a second, independent engine for each report), over generated data and over the
//! hand-made golden cases (ties, renames, missing error codes, unknown keys, Microsoft's relying
//! parties), and the `sql` command answers ad hoc queries in every format.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use signin_insights::domain::EventType;
use signin_insights::domain::time::{format_day, format_timestamp_utc};
use signin_insights::domain::{Cell, Zone};
use signin_insights::generate::auth_methods::write_auth_methods;
use signin_insights::generate::{GenOptions, Shape, adfs::write_adfs, generate, inventory::write_inventory};
use signin_insights::normalize::METHOD_SEPARATOR;
use signin_insights::report::app_last_signin::SignInActivity;
use signin_insights::report::auth_registration::{self, Population};
use signin_insights::report::{
    Request, adfs, app_daily, app_errors, app_last_signin, apps, auth_events, auth_usage, credentials, latest_event_in,
    service_principals, signins,
};
use signin_insights::scan::{Period, Window};
use signin_insights::store::{ADFS_SIGNINS, AUDITS, SIGNINS, Store};

use crate::util::{ingest_with, run, testdata};

/// Every file under `dir`.
fn walk(dir: PathBuf) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(p)) } else { out.push(p) }
    }
    out
}

/// The store's tables a query reads (the words after FROM and JOIN).
fn tables_read(query: &str) -> Vec<String> {
    let words: Vec<&str> = query.split_whitespace().collect();
    let mut out: Vec<String> = words
        .windows(2)
        .filter(|w| w[0].eq_ignore_ascii_case("FROM") || w[0].eq_ignore_ascii_case("JOIN"))
        .map(|w| w[1].trim_end_matches([')', ',']).to_string())
        .filter(|t| ["signins", "adfs_signins", "audits", "credentials", "registrations"].contains(&t.as_str()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A window bound as the SQL files take it: UTC `YYYY-MM-DDTHH:MM:SS.ffffff`.
fn bound(us: i64) -> String {
    let t = chrono::DateTime::from_timestamp_micros(us).expect("valid");
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

fn text(c: &Cell) -> String {
    match c {
        Cell::Int(Some(n)) => n.to_string(),
        // FLOOR(...) gives a float: an integral one compares as the integer it is.
        Cell::Text(Some(t)) => match t.parse::<f64>() {
            Ok(f) if f.fract() == 0.0 && t.contains('.') => format!("{}", f as i64),
            _ => t.clone(),
        },
        Cell::Time(Some(t)) => format_timestamp_utc(t.us),
        Cell::Percent(p) => p.0.to_string(),
        _ => "null".into(),
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or("null".into(), |v| v.to_string())
}

fn row<const N: usize>(cells: [String; N]) -> Vec<String> {
    cells.to_vec()
}

/// What the SQL files are given: the windows (each ending at its table's latest record), the
/// top-N and the drill-down app.
struct Params {
    signins: Window,
    audits: Window,
    adfs: Window,
    top: usize,
    app: String,
}

impl Params {
    fn fill(&self, query: &str) -> String {
        query
            .replace("{start}", &bound(self.signins.start_us))
            .replace("{end}", &bound(self.signins.end_us))
            .replace("{audit_start}", &bound(self.audits.start_us))
            .replace("{audit_end}", &bound(self.audits.end_us))
            .replace("{adfs_start}", &bound(self.adfs.start_us))
            .replace("{adfs_end}", &bound(self.adfs.end_us))
            .replace("{top}", &self.top.to_string())
            .replace("{sep}", &METHOD_SEPARATOR.to_string())
            .replace("{rs}", &signin_insights::normalize::RECORD_SEPARATOR.to_string())
            .replace("{app}", &self.app.replace('\'', "''"))
    }
}

/// (time, request id) rows of the kinds of a `signInActivity` that are set.
fn activity_rows(a: &SignInActivity, kinds: [&str; 3]) -> Vec<[String; 3]> {
    let pairs = [
        (&a.last_sign_in_date_time, &a.last_sign_in_request_id),
        (&a.last_non_interactive_sign_in_date_time, &a.last_non_interactive_sign_in_request_id),
        (&a.last_successful_sign_in_date_time, &a.last_successful_sign_in_request_id),
    ];
    kinds
        .iter()
        .zip(pairs)
        .filter_map(|(kind, (t, id))| Some([kind.to_string(), format_timestamp_utc(t.as_ref()?.us), id.clone()?]))
        .collect()
}

/// The native reports as the rows each SQL file returns (days without events, relying parties
/// without sign-ins and apps without activity left out where the SQL has no row for them).
fn native(store: &Store, p: &Params) -> BTreeMap<&'static str, Vec<Vec<String>>> {
    let manifest = store.manifest().unwrap();
    let req = Request { window: p.signins.clone(), event_types: None, top: None };
    let mut out = BTreeMap::new();
    let hundredths = |part: u64, total: u64| signin_insights::domain::Percent::of(part, total).0.to_string();
    out.insert(
        "apps",
        apps::compute(store, &manifest, &req, apps::Sort::Total)
            .unwrap()
            .iter()
            .map(|a| {
                let (s, f) = (a.successful_sign_in_count, a.failed_sign_in_count);
                row([a.id.clone(), opt(a.app_display_name.clone()), s.to_string(), f.to_string(), hundredths(s, s + f)])
            })
            .collect(),
    );
    out.insert(
        "app-daily",
        app_daily::compute(store, &manifest, &req)
            .unwrap()
            .iter()
            .map(|d| {
                row([
                    d.app_id.clone(),
                    opt(d.app_display_name.clone()),
                    format_day(d.aggregated_event_date_time.day()),
                    opt(d.status.error_code),
                    d.sign_in_count.to_string(),
                    opt(d.status.failure_reason.clone()),
                    opt(d.status.additional_details.clone()),
                ])
            })
            .collect(),
    );
    out.insert(
        "app-errors",
        app_errors::compute(store, &manifest, &Request { top: Some(p.top), ..req.clone() })
            .unwrap()
            .iter()
            .map(|e| {
                row([
                    e.app_id.clone(),
                    opt(e.app_display_name.clone()),
                    e.rank.to_string(),
                    opt(e.error_code),
                    opt(e.failure_reason.clone()),
                    e.sign_in_count.to_string(),
                    e.share_of_failures.0.to_string(),
                ])
            })
            .collect(),
    );
    let (mut last, mut unused) = (Vec::new(), Vec::new());
    for a in app_last_signin::compute(store, &manifest, &req).unwrap() {
        let kinds = activity_rows(&a.sign_in_activity, ["interactive", "nonInteractive", "successful"]);
        if kinds.is_empty() {
            unused.push(row([a.app_id.clone(), opt(a.app_display_name.clone())]));
        }
        for [kind, t, id] in kinds {
            last.push(row([a.app_id.clone(), opt(a.app_display_name.clone()), kind, t, id]));
        }
    }
    out.insert("app-last-signin", last);
    out.insert("app-unused", unused);
    let mut sp = Vec::new();
    for r in service_principals::compute(store, &manifest, &req).unwrap() {
        let roles = [
            ("applicationAuthenticationClient", &r.application_authentication_client_sign_in_activity),
            ("applicationAuthenticationResource", &r.application_authentication_resource_sign_in_activity),
            ("delegatedClient", &r.delegated_client_sign_in_activity),
            ("delegatedResource", &r.delegated_resource_sign_in_activity),
            ("last", &r.last_sign_in_activity),
        ];
        for (role, a) in roles {
            let Some(a) = a else { continue };
            let mut kinds = activity_rows(a, ["attempt", "nonInteractive", "successful"]);
            kinds.sort();
            for [kind, t, id] in kinds {
                sp.push(row([r.app_id.clone(), role.to_string(), kind, t, id]));
            }
        }
    }
    out.insert("service-principals", sp);
    out.insert(
        "credentials",
        credentials::compute(store, &manifest, &req, &credentials::Filter::default())
            .unwrap()
            .iter()
            .map(|c| {
                let a = &c.sign_in_activity;
                let finding = c.finding.map(|f| serde_json::to_value(f).unwrap().as_str().unwrap().to_string());
                row([
                    c.key_id.clone(),
                    opt(c.credential_origin.clone()),
                    opt(c.app_id.clone()),
                    opt(c.key_type.clone()),
                    opt(c.key_usage.clone()),
                    opt(c.expiration_date_time.map(|t| format_timestamp_utc(t.us))),
                    opt(c.resource_id.clone()),
                    opt(a.last_sign_in_date_time.map(|t| format_timestamp_utc(t.us))),
                    opt(a.last_sign_in_request_id.clone()),
                    opt(a.last_successful_sign_in_date_time.map(|t| format_timestamp_utc(t.us))),
                    opt(a.last_successful_sign_in_request_id.clone()),
                    opt(finding),
                ])
            })
            .collect(),
    );
    let adfs_req = Request { window: p.adfs.clone(), event_types: None, top: None };
    out.insert(
        "adfs",
        adfs::compute(store, &manifest, &adfs_req)
            .unwrap()
            .iter()
            .filter(|r| r.total_sign_in_count > 0)
            .map(|r| {
                row([
                    r.relying_party_id.clone(),
                    opt(r.relying_party_name.clone()),
                    r.successful_sign_in_count.to_string(),
                    r.failed_sign_in_count.to_string(),
                    r.total_sign_in_count.to_string(),
                    r.unique_user_count.to_string(),
                    r.sign_in_success_rate.0.to_string(),
                ])
            })
            .collect(),
    );
    // `--app` as the command line takes it (an id or a name), resolved as the CLI resolves it.
    let known = signin_insights::report::names::known_apps(store, &manifest).unwrap();
    let ids =
        signin_insights::report::names::resolve_app(&known, &p.app).map_or_else(|_| vec![p.app.clone()], |a| a.ids);
    let filter = signins::Filter { app: Some(ids), failed: true, ..signins::Filter::default() };
    out.insert(
        "signins",
        signins::compute(store, &manifest, &[EventType::InteractiveUser], &p.signins, &filter)
            .unwrap()
            .iter()
            .map(|s| {
                row([
                    format_timestamp_utc(s.created_date_time.us),
                    s.id.clone(),
                    "interactiveUser".to_string(),
                    opt(s.app_display_name.clone()),
                    opt(s.app_id.clone()),
                    opt(s.user_principal_name.clone()),
                    opt(s.error_code),
                    opt(s.failure_reason.clone()),
                    opt(s.ip_address.clone()),
                ])
            })
            .collect(),
    );
    let (usage, _) = auth_usage::usage(store, &manifest, &req).unwrap();
    out.insert(
        "auth-usage",
        usage.iter().map(|u| row([u.authentication_method.clone(), u.success_activity_count.to_string()])).collect(),
    );
    let (mfa, _) = auth_usage::mfa(store, &manifest, &req).unwrap();
    out.insert(
        "mfa-summary",
        mfa.iter()
            .filter(|d| d.total_sign_ins > 0)
            .map(|d| {
                row([
                    format_day(d.created_date_time.day()),
                    d.total_sign_ins.to_string(),
                    d.single_factor_sign_ins.to_string(),
                    d.multi_factor_sign_ins.to_string(),
                ])
            })
            .collect(),
    );
    let who = Population::default();
    // Without registrations the native reports refuse to run, and the SQL files are not run.
    let users = auth_registration::users(store, &manifest, &who).unwrap_or_default();
    let f = auth_registration::by_feature(&users, &who);
    let mut features = vec![f.total_user_count.to_string()];
    features.extend(f.user_registration_feature_counts.iter().map(|c| c.user_count.to_string()));
    out.insert("auth-registration-feature", vec![features]);
    let m = auth_registration::by_method(&users, &who);
    out.insert(
        "auth-registration-method",
        m.user_registration_method_counts
            .iter()
            .map(|c| row([c.authentication_method.clone(), c.user_count.to_string(), m.total_user_count.to_string()]))
            .collect(),
    );
    // The workbook reports, through the catalog as the command line asks them.
    let answer = |name: &str| -> Vec<serde_json::Value> {
        let report = signin_insights::report::catalog::find(name).unwrap();
        let options = signin_insights::report::catalog::Options::default();
        let q = signin_insights::report::catalog::Query {
            store,
            manifest: &manifest,
            request: req.clone(),
            options: &options,
            as_of_given: false,
            pseudonymized: false,
        };
        let a = signin_insights::report::catalog::answer(report, &q).unwrap();
        (0..a.rows.len()).map(|i| a.rows.json(i).unwrap()).collect()
    };
    let v = |x: &serde_json::Value| match x {
        serde_json::Value::Null => "null".to_string(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let sort_null = |x: &serde_json::Value| (if x.is_null() { "1" } else { "0" }).to_string();
    out.insert(
        "legacy-auth",
        answer("legacy-auth")
            .iter()
            .map(|r| {
                let f = ["clientAppUsed", "appId", "appDisplayName", "signInCount", "successCount", "failureCount"];
                let mut cells: Vec<String> = f.iter().map(|k| v(&r[*k])).collect();
                cells.extend([v(&r["userCount"]), v(&r["lastSignInDateTime"]), sort_null(&r["appId"])]);
                cells
            })
            .collect(),
    );
    out.insert(
        "failure-analysis",
        answer("failure-analysis")
            .iter()
            .map(|r| {
                ["errorCode", "outcome", "failureReason", "signInCount", "userCount", "appCount", "lastSignInDateTime"]
                    .iter()
                    .map(|k| v(&r[*k]))
                    .collect()
            })
            .collect(),
    );
    out.insert(
        "ca-policies",
        answer("ca-policies")
            .iter()
            .map(|r| {
                let mut cells = vec![v(&r["policyId"]), v(&r["policyDisplayName"]), v(&r["reportOnly"])];
                for part in ["signIns", "users"] {
                    for b in ["success", "failure", "userActionRequired", "notApplied", "total"] {
                        cells.push(v(&r[part][b]));
                    }
                }
                cells.push(sort_null(&r["policyDisplayName"]));
                cells
            })
            .collect(),
    );
    let fields = |r: &serde_json::Value, names: &[&str]| names.iter().map(|k| v(&r[*k])).collect::<Vec<String>>();
    out.insert(
        "risky-sign-ins",
        answer("risky-sign-ins")
            .iter()
            .map(|r| {
                let mut cells = fields(
                    r,
                    &[
                        "userPrincipalName",
                        "userDisplayName",
                        "ipAddress",
                        "signInCount",
                        "highRiskCount",
                        "mediumRiskCount",
                        "lowRiskCount",
                        "successCount",
                        "failureCount",
                        "userCount",
                        "latestRiskState",
                        "lastSignInDateTime",
                    ],
                );
                cells.extend([sort_null(&r["userPrincipalName"]), sort_null(&r["ipAddress"])]);
                cells
            })
            .collect(),
    );
    out.insert(
        "mfa-gaps",
        answer("mfa-gaps")
            .iter()
            .map(|r| {
                let count = |k: &str| r[k].as_u64().unwrap_or(0);
                let mut cells = fields(
                    r,
                    &["appId", "appDisplayName", "signInCount", "singleFactorSignInCount", "multiFactorSignInCount"],
                );
                cells.push(hundredths(count("singleFactorSignInCount"), count("signInCount")));
                cells.extend(fields(r, &["userCount", "singleFactorUserCount", "lastSignInDateTime"]));
                cells.push(sort_null(&r["appId"]));
                cells
            })
            .collect(),
    );
    out.insert(
        "cross-tenant",
        answer("cross-tenant")
            .iter()
            .map(|r| {
                let mut cells = fields(
                    r,
                    &[
                        "direction",
                        "externalTenantId",
                        "crossTenantAccessType",
                        "signInCount",
                        "successCount",
                        "failureCount",
                        "userCount",
                        "appCount",
                        "lastSignInDateTime",
                    ],
                );
                cells.push(sort_null(&r["crossTenantAccessType"]));
                cells
            })
            .collect(),
    );
    out.insert(
        "auth-prompts",
        answer("auth-prompts")
            .iter()
            .map(|r| {
                let count = |k: &str| r[k].as_u64().unwrap_or(0);
                let mut cells =
                    fields(r, &["authenticationMethod", "promptCount", "successCount", "failureCount", "signInCount"]);
                cells.push(
                    signin_insights::domain::Percent::ratio(count("promptCount"), count("signInCount")).0.to_string(),
                );
                cells.extend(fields(r, &["userCount", "lastSignInDateTime"]));
                cells
            })
            .collect(),
    );
    let events = auth_events::load(store, &manifest, &p.audits).unwrap();
    out.insert(
        "password-resets",
        auth_events::password_resets(&events, &p.audits)
            .iter()
            .filter(|r| {
                r.password_resets_by_admin_count
                    + r.password_resets_self_service_count
                    + r.change_password_self_service_count
                    > 0
            })
            .map(|r| {
                row([
                    format_day(r.aggregated_date_time.day()),
                    r.password_resets_by_admin_count.to_string(),
                    r.password_resets_self_service_count.to_string(),
                    r.change_password_self_service_count.to_string(),
                ])
            })
            .collect(),
    );
    out
}

/// Runs every file of `sql/` whose tables `store` has through polars and compares it with the
/// native report; returns the names of the files with rows on both sides.
fn check_store(store: &Store, days: u32, app: Option<&str>) -> Vec<String> {
    let manifest = store.manifest().unwrap();
    let window = |table| Window::resolve(&Period::Days(days), latest_event_in(&manifest, table), Zone::UTC);
    let signins = window(SIGNINS);
    let req = Request { window: signins.clone(), event_types: None, top: None };
    // The drill-down follows the app with the most sign-ins, as an analyst would.
    let first = apps::compute(store, &manifest, &req, apps::Sort::Total).unwrap().first().map(|a| a.id.clone());
    let p = Params {
        signins,
        audits: window(AUDITS),
        adfs: window(ADFS_SIGNINS),
        top: 2,
        app: app.map(str::to_string).or(first).unwrap_or_default(),
    };
    let want = native(store, &p);
    let present: Vec<String> = manifest.tables.iter().filter(|(_, f)| !f.is_empty()).map(|(t, _)| t.clone()).collect();
    let mut compared = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(testdata("../sql"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let query = p.fill(&std::fs::read_to_string(&path).unwrap());
        let expected = want.get(name.as_str()).unwrap_or_else(|| panic!("no native counterpart for sql/{name}.sql"));
        if tables_read(&query).iter().any(|t| !present.contains(t)) {
            continue;
        }
        let result = signin_insights::scan::sql::run(store, &manifest, &query, Zone::UTC)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let got: Vec<Vec<String>> = result.rows.iter().map(|r| r.iter().map(text).collect()).collect();
        assert_eq!(&got, expected, "sql/{name}.sql differs from the native report over {}", store.root().display());
        if !got.is_empty() {
            compared.push(name);
        }
    }
    compared
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
    // Log Analytics rows too: their service principal sign-ins carry no status (no error code).
    generate(&GenOptions { records: 1_500, seed: 12, shape: Shape::LogAnalytics, ..opts.clone() }, &input.join("la"))
        .unwrap();
    write_auth_methods(&opts, &input).unwrap();
    write_inventory(&opts, &input).unwrap();
    write_adfs(opts.seed, 600, opts.days, opts.end_us, &input).unwrap();
    let store = Store::open(dir.path().join("store"));
    ingest_with(&store, &[input], 2);
    let compared = check_store(&store, 7, None);
    let mut all: Vec<String> = std::fs::read_dir(testdata("../sql"))
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            p.extension().is_some_and(|e| e == "sql").then(|| p.file_stem().unwrap().to_string_lossy().to_string())
        })
        .collect();
    all.sort();
    assert_eq!(compared, all, "every SQL file is compared on rows, not on two empty results");
}

#[test]
fn the_portable_sql_keeps_the_golden_cases_edge_cases() {
    // Each hand-made case in a store of its own (each has its own as-of), 30-day windows.
    // (case, its inputs, the drill-down app, the files that must compare rows there)
    type Case<'a> = (&'a str, &'a [&'a str], Option<&'a str>, &'a [&'a str]);
    let cases: [Case<'_>; 6] = [
        (
            "small",
            &["signins.json"],
            Some("beta"),
            &["app-daily", "app-errors", "app-last-signin", "apps", "service-principals", "signins"],
        ),
        (
            "credentials",
            &["signins.json", "applications.json", "servicePrincipals.json"],
            None,
            &["app-unused", "credentials", "service-principals"],
        ),
        ("adfs", &["adfs-signins.json", "rp-trusts.json"], None, &["adfs"]),
        (
            "auth-methods",
            &[
                "signins.json",
                "signins-log-analytics.json",
                "registrations.json",
                "audits.json",
                "audits-log-analytics.json",
            ],
            None,
            &["auth-registration-feature", "auth-registration-method", "auth-usage", "mfa-summary", "password-resets"],
        ),
        ("workbooks", &["signins.json"], None, &["ca-policies", "cross-tenant", "failure-analysis", "legacy-auth"]),
        ("investigate", &["signins.json"], None, &["auth-prompts", "mfa-gaps", "risky-sign-ins"]),
    ];
    for (case, files, app, must) in cases {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("store"));
        let inputs: Vec<PathBuf> = files.iter().map(|f| testdata(&format!("golden/{case}/{f}"))).collect();
        ingest_with(&store, &inputs, 1);
        let compared = check_store(&store, 30, app);
        for name in must {
            assert!(compared.iter().any(|c| c == name), "{case}: {name} has no rows to compare ({compared:?})");
        }
    }
}

#[test]
fn queries_on_partition_columns_never_open_the_other_partitions_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store").to_string_lossy().to_string();
    let input = testdata("golden/small/signins.json").to_string_lossy().to_string();
    assert_eq!(run(&["ingest", "--quiet", "--store", &store, &input]).code, 0);
    // Spoil the interactive sign-ins of 1 May (not the first file: its schema is read).
    let spoiled = Path::new(&store).join("signins/event_type=interactiveUser/date=2024-05-01");
    let part = walk(spoiled).pop().expect("a file of 1 May");
    std::fs::write(&part, b"not parquet").unwrap();
    let count = |filter: &str| {
        let q = format!("SELECT COUNT(*) AS n FROM signins WHERE {filter}");
        run(&["sql", &q, "--store", &store, "--no-verify", "--format", "csv"])
    };
    // 2 May: a03, a04, a05, b02, b03, c01, s01; non-interactive: a05, c01, x01.
    let by_day = count("date >= CAST(TIMESTAMP '2024-05-02T00:00:01.000000' AS DATE)");
    assert_eq!((by_day.code, by_day.stdout.as_str()), (0, "n\r\n7\r\n"), "{}", by_day.stderr);
    let by_type = count("event_type = 'nonInteractiveUser'");
    assert_eq!((by_type.code, by_type.stdout.as_str()), (0, "n\r\n3\r\n"), "{}", by_type.stderr);
    // A bound on `created` alone has to open every file: the spoiled one is reported.
    let by_time = count("created >= TIMESTAMP '2024-05-02T00:00:00'");
    assert_eq!(by_time.code, 1, "{}", by_time.stderr);
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
    // A store file polars cannot read is a failure (1), not a bad query, and names the file.
    let part =
        walk(Path::new(&store).join("signins")).into_iter().find(|p| p.extension().is_some_and(|e| e == "parquet"));
    let part = part.expect("a sign-in file");
    std::fs::write(&part, b"not parquet").unwrap();
    let broken = run(&["sql", q, "--store", &store, "--no-verify"]);
    assert_eq!(broken.code, 1, "{}", broken.stderr);
    assert!(broken.stderr.contains("parquet"), "{}", broken.stderr);
    std::fs::remove_file(&part).unwrap();
    let missing = run(&["sql", q, "--store", &store, "--no-verify"]);
    assert_eq!(missing.code, 1, "{}", missing.stderr);
    assert!(missing.stderr.contains("part-"), "{}", missing.stderr);
}
