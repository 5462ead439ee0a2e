//! Output for people (SPEC 7): tables on a real terminal (a pty made by `script`) fit its width,
//! while a pipe gets the exact table; captions say what is counted; empty answers are explained.

use std::path::Path;
use std::process::Command;

use unicode_width::UnicodeWidthStr;

use crate::util::{bin, run, testdata};

/// A store of the bundled sample plus a generated export of every kind, made once per test.
fn store(dir: &Path) -> String {
    let input = dir.join("in");
    let b = env!("CARGO_BIN_EXE_signin-insights");
    let gen_args = ["generate", "--quiet", "--records", "3000", "--auth-methods", "--inventory", "--adfs", "500"];
    let out = Command::new(b).args(gen_args).arg("--out").arg(&input).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let store = dir.join("store");
    let r = bin().args(["ingest", "--quiet", "--store"]).arg(&store).arg(&input).output().unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    store.display().to_string()
}

/// A store of the bundled sample alone (some of its records are quarantined on purpose).
fn sample_store(dir: &Path) -> String {
    let store = dir.join("s").display().to_string();
    let r = run(&["ingest", "--quiet", "--store", &store, &testdata("sample").display().to_string()]);
    assert!(r.code == 0 || r.code == 3, "{}", r.stderr);
    store
}

/// `signin-insights ARGS` on a terminal `cols` wide: what the terminal shows. `None` (said
/// loudly) where `script` is not installed.
fn on_terminal(args: &[&str], cols: usize) -> Option<String> {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIPPED: `script` (util-linux) is not installed; terminal widths are not checked");
        return None;
    }
    let b = env!("CARGO_BIN_EXE_signin-insights");
    let quoted: Vec<String> = std::iter::once(b).chain(args.iter().copied()).map(|a| format!("'{a}'")).collect();
    let out = Command::new("script")
        .args(["-qec", &format!("stty cols {cols} rows 40; {}", quoted.join(" ")), "/dev/null"])
        .env_remove("COLUMNS")
        .env_remove("SIGNIN_INSIGHTS_STORE")
        .output()
        .unwrap();
    Some(String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n"))
}

/// The reports of the catalog that answer without an argument (all but `user`, `ip` and
/// `breakdown`), in the catalog's order: those the hand-over workbook asks.
const REPORTS: &[&str] = &[
    "apps",
    "app-daily",
    "app-errors",
    "app-last-signin",
    "service-principals",
    "credentials",
    "adfs",
    "auth-usage",
    "mfa-summary",
    "auth-registration",
    "registration-events",
    "registration-activity",
    "password-resets",
    "legacy-auth",
    "failure-analysis",
    "ca-policies",
    "mfa-gaps",
    "auth-prompts",
    "cross-tenant",
    "risky-sign-ins",
    "consents",
    "sensitive-operations",
];

#[test]
fn every_report_fits_an_80_column_terminal_and_a_pipe_gets_the_exact_table() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    for report in REPORTS {
        let Some(shown) = on_terminal(&["report", report, "--store", &store], 80) else { return };
        assert!(shown.lines().count() > 3, "{report}: {shown}");
        for line in shown.lines() {
            // Warnings on stderr are the terminal's to wrap; the table and caption are ours.
            if line.starts_with("signin-insights:") {
                continue;
            }
            assert!(line.width() <= 80, "{report}: a line of {} columns:\n{line}\n{shown}", line.width());
        }
        // A pipe gets the Graph names and the values unchanged, however wide.
        let piped = run(&["report", report, "--store", &store, "--format", "table"]);
        assert_eq!(piped.code, 0, "{report}: {}", piped.stderr);
        let csv = run(&["report", report, "--store", &store, "--format", "csv"]);
        let graph_names: Vec<&str> = csv.stdout.lines().next().unwrap_or_default().split(',').collect();
        let header: Vec<&str> = piped
            .stdout
            .lines()
            .find(|l| l.starts_with(graph_names[0]))
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        assert_eq!(header, graph_names, "{report}: the Graph names, all of them, on a pipe");
        assert!(!piped.stdout.contains("(not shown at this width"), "{report}: a pipe is not fitted");
    }
    let apps = on_terminal(&["report", "apps", "--store", &store], 80).unwrap();
    assert!(apps.contains("success") && !apps.contains("successPercentage"), "words for headers:\n{apps}");
    let piped = run(&["report", "apps", "--store", &store, "--format", "table"]);
    assert!(piped.stdout.contains("successPercentage"), "{}", piped.stdout);
    // Numbers over a thousand carry separators on the terminal only.
    let failures = on_terminal(&["report", "failure-analysis", "--store", &store], 100).unwrap();
    let piped = run(&["report", "failure-analysis", "--store", &store, "--format", "csv"]);
    let big: Vec<&str> = piped.stdout.lines().skip(1).filter_map(|l| l.split(',').nth(2)).collect();
    let over = big.iter().filter_map(|n| n.parse::<i64>().ok()).find(|&n| n >= 1000);
    if let Some(n) = over {
        let grouped = format!("{},{:03}", n / 1000, n % 1000);
        assert!(failures.contains(&grouped), "{grouped} in\n{failures}");
    }
    // Error codes are codes: no separators.
    assert!(failures.contains("50126") && !failures.contains("50,126"), "{failures}");
}

#[test]
fn a_narrow_terminal_names_what_it_leaves_out_and_a_wide_one_shows_everything() {
    let dir = tempfile::tempdir().unwrap();
    let store = sample_store(dir.path());
    let Some(narrow) = on_terminal(&["report", "app-errors", "--store", &store], 50) else { return };
    assert!(narrow.lines().all(|l| l.width() <= 50), "{narrow}");
    assert!(narrow.contains("not shown at this width"), "{narrow}");
    assert!(narrow.contains("--format csv"), "says where every column is: {narrow}");
    let wide = on_terminal(&["report", "app-errors", "--store", &store], 200).unwrap();
    assert!(!wide.contains("not shown at this width"), "{wide}");
    assert!(wide.contains("00000002-0000-0ff1-ce00-000000000000"), "ids whole when there is room: {wide}");
}

/// The caption of each report on a golden case, written out by hand from the case's README (its
/// as-of, the event types the report reads, SPEC 7's words).
#[test]
fn every_caption_says_what_is_counted_and_over_which_window() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        // small: as-of s01, 2024-05-02T15:00:00Z.
        (
            "small",
            &[
                (
                    "apps",
                    "Application activity: interactive user sign-ins, 7 days to 2 May 2024 15:00 UTC (the latest sign-in in the store)",
                ),
                (
                    "app-daily",
                    "Application activity by day: interactive user sign-ins, 7 days to 2 May 2024 15:00 UTC (the latest sign-in in the store)",
                ),
                (
                    "app-errors",
                    "Top sign-in errors per application: interactive and non-interactive user sign-ins, 7 days to 2 May 2024 15:00 UTC (the latest sign-in in the store)",
                ),
                (
                    "app-last-signin",
                    "Last sign-in per application: interactive and non-interactive user sign-ins, 7 days to 2 May 2024 15:00 UTC (the latest sign-in in the store)",
                ),
                (
                    "service-principals",
                    "Service principal sign-in activity: sign-ins of any type, 7 days to 2 May 2024 15:00 UTC (the latest sign-in in the store)",
                ),
            ],
        ),
        // credentials: as-of s4, 2024-05-03T00:00:00Z.
        (
            "credentials",
            &[(
                "credentials",
                "Application credential activity: service principal sign-ins, 7 days to 3 May 2024 00:00 UTC (the latest sign-in in the store)",
            )],
        ),
        // adfs: as-of f6, 2024-05-05T12:00:00Z (the AD FS table's own latest).
        (
            "adfs",
            &[(
                "adfs",
                "AD FS application activity: AD FS sign-ins, 7 days to 5 May 2024 12:00 UTC (the latest AD FS sign-in in the store)",
            )],
        ),
        // auth-methods: sign-ins to l1, 2024-05-03T15:00Z; audits to 2024-05-03T12:00Z; the
        // registration snapshot's latest lastUpdatedDateTime 2024-05-03T00:00Z, four users.
        (
            "auth-methods",
            &[
                (
                    "auth-usage",
                    "Successful interactive sign-ins by authentication method: interactive user sign-ins, 7 days to 3 May 2024 15:00 UTC (the latest sign-in in the store)",
                ),
                (
                    "mfa-summary",
                    "Successful interactive sign-ins by authentication requirement: interactive user sign-ins, 7 days to 3 May 2024 15:00 UTC (the latest sign-in in the store)",
                ),
                (
                    "registration-events",
                    "Registration and reset events: audit events, 7 days to 3 May 2024 12:00 UTC (the latest audit event in the store)",
                ),
                (
                    "password-resets",
                    "Password resets and changes by day: audit events, 7 days to 3 May 2024 12:00 UTC (the latest audit event in the store)",
                ),
                (
                    "auth-registration",
                    "Users registered by feature: 4 users (userTypes all, userRoles all), registration details as of 3 May 2024 00:00 UTC (the latest lastUpdatedDateTime)",
                ),
            ],
        ),
        // audit-ops: audits to 2024-06-03T11:00Z.
        (
            "audit-ops",
            &[
                (
                    "consents",
                    "Consent grants: audit events, 7 days to 3 Jun 2024 11:00 UTC (the latest audit event in the store); ",
                ),
                (
                    "sensitive-operations",
                    "Sensitive operations: audit events, 7 days to 3 Jun 2024 11:00 UTC (the latest audit event in the store); ",
                ),
            ],
        ),
        // workbooks: sign-ins to 2024-05-03T00:00Z.
        (
            "workbooks",
            &[
                (
                    "legacy-auth",
                    "Sign-ins using legacy authentication: interactive and non-interactive user sign-ins, 7 days to 3 May 2024 00:00 UTC (the latest sign-in in the store); ",
                ),
                (
                    "failure-analysis",
                    "Sign-in failure analysis: interactive user sign-ins, 7 days to 3 May 2024 00:00 UTC (the latest sign-in in the store); ",
                ),
                (
                    "ca-policies",
                    "Conditional Access policies: interactive user sign-ins, 7 days to 3 May 2024 00:00 UTC (the latest sign-in in the store); ",
                ),
                (
                    "mfa-gaps",
                    "Sign-ins not protected by MFA: interactive user sign-ins, 7 days to 3 May 2024 00:00 UTC (the latest sign-in in the store); ",
                ),
                (
                    "auth-prompts",
                    "Authentication prompts: interactive user sign-ins, 7 days to 3 May 2024 00:00 UTC (the latest sign-in in the store); ",
                ),
                (
                    "cross-tenant",
                    "Cross-tenant sign-ins: interactive user sign-ins, 7 days to 3 May 2024 00:00 UTC (the latest sign-in in the store); ",
                ),
                (
                    "risky-sign-ins",
                    "Risky sign-ins: interactive and non-interactive user sign-ins, 7 days to 3 May 2024 00:00 UTC (the latest sign-in in the store); ",
                ),
            ],
        ),
    ];
    for (case, reports) in cases {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("s").display().to_string();
        let mut args = vec!["ingest".to_string(), "--quiet".into(), "--store".into(), store.clone()];
        for e in std::fs::read_dir(testdata(&format!("golden/{case}"))).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "json") {
                args.push(p.display().to_string());
            }
        }
        let r = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(r.code, 0, "{case}: {}", r.stderr);
        for (report, want) in *reports {
            let r = run(&["report", report, "--store", &store, "--period", "D7", "--format", "csv"]);
            assert_eq!(r.code, 0, "{case} {report}: {}", r.stderr);
            let said = r.stderr.lines().find_map(|l| l.strip_prefix("signin-insights: ")).unwrap_or_default();
            if want.ends_with("; ") {
                assert!(said.starts_with(want), "{case} {report}:\n  said {said}\n  want {want}…");
            } else {
                assert_eq!(said, *want, "{case} {report}");
            }
        }
    }
}

#[test]
fn an_empty_store_and_an_empty_table_say_so_rather_than_show_a_window() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s").display().to_string();
    let adfs = testdata("golden/adfs/adfs-signins.json").display().to_string();
    assert_eq!(run(&["ingest", "--quiet", "--store", &store, &adfs]).code, 0);
    let r = run(&["report", "apps", "--store", &store, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("Application activity: the store holds no sign-ins\n"), "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v.get("@signinInsights.window").is_none(), "no window without data: {v}");
    let page = dir.path().join("p.html");
    let h = run(&["html", "--store", &store, "--out", &page.display().to_string()]);
    assert_eq!(h.code, 0, "{}", h.stderr);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("no sign-ins in the store") && !html.contains("1970"), "the header shows no 1970 window");
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    r.records().map(|x| x.unwrap().iter().map(str::to_string).collect()).collect()
}

#[test]
fn app_takes_an_id_a_name_or_a_part_and_says_what_it_took() {
    let dir = tempfile::tempdir().unwrap();
    let store = sample_store(dir.path());
    // Every (appId, name) the store holds, read row by row from the drill-down.
    let all = run(&["signins", "--store", &store, "--format", "csv"]);
    let pairs: Vec<(String, String)> =
        csv_rows(&all.stdout).into_iter().map(|r| (r[4].to_lowercase(), r[3].clone())).collect();
    let ids_named = |f: &dyn Fn(&str) -> bool| -> std::collections::BTreeSet<String> {
        pairs.iter().filter(|(_, n)| f(&n.to_lowercase())).map(|(i, _)| i.clone()).collect()
    };
    let apps_of = |args: &[&str]| {
        let mut a = vec!["report", "apps", "--store", &store, "--format", "csv"];
        a.extend_from_slice(args);
        let r = run(&a);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        (csv_rows(&r.stdout), r.stderr)
    };
    let (every, _) = apps_of(&[]);
    // A name gives the rows its id gives.
    let home = every.iter().find(|r| r[0] == "OfficeHome").expect("OfficeHome in the sample");
    assert_eq!(apps_of(&["--app", "officehome"]).0, apps_of(&["--app", &home[1]]).0);
    assert_eq!(apps_of(&["--app", "officehome"]).0, vec![home.clone()]);
    // A part: every app any of whose names contains it, listed on stderr.
    let want = ids_named(&|n| n.contains("exchange"));
    assert!(!want.is_empty());
    let (rows, said) = apps_of(&["--app", "EXCHANGE"]);
    let got: std::collections::BTreeSet<String> = rows.iter().map(|r| r[1].to_lowercase()).collect();
    let expected: std::collections::BTreeSet<String> =
        every.iter().map(|r| r[1].to_lowercase()).filter(|i| want.contains(i)).collect();
    assert_eq!(got, expected);
    assert!(said.contains("whose name contains it") && said.contains("Exchange"), "{said}");
    // Nothing by that name: a usage error with the nearest names.
    let r = run(&["report", "app-errors", "--store", &store, "--app", "OficeHome"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no application in the store") && r.stderr.contains("OfficeHome"), "{}", r.stderr);
    // signins --app takes a name as well.
    let by_name = run(&["signins", "--store", &store, "--app", "OfficeHome", "--format", "csv"]);
    let naive = pairs.iter().filter(|(i, _)| *i == home[1].to_lowercase()).count();
    assert_eq!(csv_rows(&by_name.stdout).len(), naive);
}

#[test]
fn user_takes_a_upn_or_a_part_and_a_whole_match_wins() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let all = run(&["signins", "--store", &store, "--format", "csv"]);
    let upns: Vec<String> = csv_rows(&all.stdout).into_iter().map(|r| r[5].to_lowercase()).collect();
    let one = upns.iter().find(|u| u.contains('.') && u.ends_with("@contoso.com")).unwrap().clone();
    let whole = run(&["signins", "--store", &store, "--user", &one.to_uppercase(), "--format", "csv"]);
    let got = csv_rows(&whole.stdout);
    assert_eq!(got.len(), upns.iter().filter(|u| **u == one).count());
    assert!(got.iter().all(|r| r[5].to_lowercase() == one));
    // The first name and a dot: part of many UPNs, of no display name (they have a space).
    let part = &one[..=one.find('.').unwrap()];
    let r = run(&["signins", "--store", &store, "--user", part, "--format", "csv"]);
    let naive = upns.iter().filter(|u| u.contains(part)).count();
    assert_eq!(csv_rows(&r.stdout).len(), naive, "{part}");
    let users: std::collections::BTreeSet<&String> = upns.iter().filter(|u| u.contains(part)).collect();
    if users.len() > 1 {
        assert!(r.stderr.contains(&format!("sign-ins of {} users", users.len())), "{}", r.stderr);
    }
}

#[test]
fn an_empty_answer_says_why_and_a_reversed_window_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = sample_store(dir.path());
    let later = run(&["report", "apps", "--store", &store, "--as-of", "2030-01-01", "--format", "csv"]);
    assert_eq!(later.code, 0);
    assert!(later.stderr.contains("the window holds none of the store's sign-ins"), "{}", later.stderr);
    // The store's span, from its rows, in words.
    let all = run(&["signins", "--store", &store, "--format", "csv"]);
    let mut times: Vec<String> = csv_rows(&all.stdout).into_iter().map(|r| r[0].clone()).collect();
    times.sort();
    let words = |t: &str| {
        const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let month = MONTHS[t[5..7].parse::<usize>().unwrap() - 1];
        format!("{} {month} {} {} UTC", t[8..10].trim_start_matches('0'), &t[..4], &t[11..16])
    };
    let span = format!("span {} to {}", words(&times[0]), words(times.last().unwrap()));
    assert!(later.stderr.contains(&span), "{span} in {}", later.stderr);
    let filtered = run(&["report", "failure-analysis", "--store", &store, "--country", "ZZ", "--format", "csv"]);
    assert_eq!(filtered.code, 2, "failure-analysis takes no --country: {}", filtered.stderr);
    let filtered =
        run(&["report", "breakdown", "--by", "app", "--store", &store, "--country", "ZZ", "--format", "csv"]);
    assert_eq!(filtered.code, 0, "{}", filtered.stderr);
    assert!(
        filtered.stderr.contains("no interactive user sign-ins in the window match --country \"ZZ\""),
        "{}",
        filtered.stderr
    );
    let nobody = run(&["signins", "--store", &store, "--user", "no-such-person", "--format", "csv"]);
    assert!(nobody.stderr.contains("match --user \"no-such-person\""), "{}", nobody.stderr);
    // Under --pseudonymize the name searched for is not repeated.
    let key = dir.path().join("k");
    assert_eq!(run(&["keygen", "--quiet", "--out", &key.display().to_string()]).code, 0);
    let k = key.display().to_string();
    let hidden =
        run(&["--pseudonymize", &k, "signins", "--store", &store, "--user", "no-such-person", "--format", "csv"]);
    assert!(
        hidden.stderr.contains("--user (hidden)") && !hidden.stderr.contains("no-such-person"),
        "{}",
        hidden.stderr
    );
    let hidden = run(&[
        "--pseudonymize",
        &k,
        "report",
        "breakdown",
        "--by",
        "app",
        "--store",
        &store,
        "--user",
        "nobody@x",
        "--format",
        "csv",
    ]);
    // A user filter of the workbook reports names one user: none is a usage error.
    assert_eq!(hidden.code, 2, "{}", hidden.stderr);
    assert!(hidden.stderr.contains("(hidden)") && !hidden.stderr.contains("nobody@x"), "{}", hidden.stderr);
    let reversed = run(&["report", "apps", "--store", &store, "--since", "2026-10-30", "--until", "2026-10-20"]);
    assert_eq!(reversed.code, 2);
    assert!(reversed.stderr.contains("the window is empty"), "{}", reversed.stderr);
}

#[test]
fn service_principals_carry_the_name_of_their_latest_sign_in() {
    // The golden small case renames Alpha ("Alpha Prime" is its latest sign-in's name, a tie
    // broken by the greater id), plus a generated store.
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small").display().to_string();
    let r =
        run(&["ingest", "--quiet", "--store", &small, &testdata("golden/small/signins.json").display().to_string()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let sp = run(&["report", "service-principals", "--store", &small, "--period", "D7", "--format", "csv"]);
    assert!(sp.stdout.contains("\nAlpha Prime,11111111-1111-1111-1111-111111111111,"), "{}", sp.stdout);
    let store = store(dir.path());
    let sp = run(&["report", "service-principals", "--store", &store, "--period", "D7", "--format", "csv"]);
    assert_eq!(sp.code, 0, "{}", sp.stderr);
    // The naive name: the appDisplayName of the app's latest sign-in of any type in the window.
    let all = run(&["signins", "--store", &store, "--period", "D7", "--format", "csv"]);
    let mut latest: std::collections::HashMap<String, (String, String, String)> = Default::default();
    for r in csv_rows(&all.stdout) {
        let key = r[4].to_lowercase();
        let e = latest.entry(key).or_insert_with(|| (String::new(), String::new(), String::new()));
        if (r[0].as_str(), r[1].as_str()) > (e.0.as_str(), e.1.as_str()) && !r[3].is_empty() {
            *e = (r[0].clone(), r[1].clone(), r[3].clone());
        }
    }
    let rows = csv_rows(&sp.stdout);
    let mut checked = 0;
    for r in &rows {
        if let Some((_, _, name)) = latest.get(&r[1].to_lowercase()) {
            assert_eq!(&r[0], name, "{r:?}");
            checked += 1;
        } else {
            assert!(!r[0].is_empty(), "a resource is named by its resourceDisplayName: {r:?}");
        }
    }
    assert!(checked > 5, "{checked} of {}", rows.len());
    let json = run(&["report", "service-principals", "--store", &store, "--format", "json"]);
    assert!(!json.stdout.contains("displayName"), "Graph's type has no name member");
}

#[test]
fn generated_method_names_are_all_in_the_curated_table() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let r = run(&["report", "auth-usage", "--store", &store, "--format", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("no curated"), "the tool's own generator trips its warning: {}", r.stderr);
    let prompts = run(&["report", "auth-prompts", "--store", &store, "--format", "csv"]);
    assert!(prompts.stdout.contains("Email verification code"), "{}", prompts.stdout);
}

#[test]
fn generated_ad_fs_data_shows_every_readiness_outcome() {
    let dir = tempfile::tempdir().unwrap();
    // `store` ingests the generated export, relying-party trusts included, and fails on any
    // quarantined record.
    let store = store(dir.path());
    let r = run(&["report", "adfs", "--store", &store, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let rows = v["value"].as_array().unwrap();
    let status = |name: &str| {
        let row = rows.iter().find(|r| r["relyingPartyName"] == name).unwrap_or_else(|| panic!("{name}: {v}"));
        (
            row["migrationStatus"].as_str().unwrap().to_string(),
            row["@signinInsights.finding"].as_str().map(str::to_string),
        )
    };
    assert_eq!(status("Expenses (legacy)"), ("ready".into(), None));
    assert_eq!(status("HR Portal"), ("needsReview".into(), None));
    assert_eq!(status("Wiki — Ünïcode"), ("additionalStepsRequired".into(), None));
    assert_eq!(status("=Payroll").1.as_deref(), Some("noTrustConfiguration"));
    assert_eq!(status("Archive").1.as_deref(), Some("noSignIns"));
    assert!(!r.stdout.contains("Microsoft Office 365 Identity Platform"), "Microsoft's own trust is left out");
}

#[test]
fn html_tables_show_words_with_the_graph_name_on_hover() {
    let dir = tempfile::tempdir().unwrap();
    let store = sample_store(dir.path());
    let page = dir.path().join("p.html");
    assert_eq!(run(&["html", "--quiet", "--store", &store, "--out", &page.display().to_string()]).code, 0);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains(r#"title="successPercentage">success %</th>"#), "human header, Graph name on hover");
    assert!(html.contains(r#"title="appDisplayName">app</th>"#));
}

#[test]
fn the_handover_workbook_has_a_summary_then_a_sheet_per_report_with_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s").display().to_string();
    let (sample, adfs) = (testdata("sample").display().to_string(), testdata("golden/adfs").display().to_string());
    let r = run(&["ingest", "--quiet", "--store", &store, &sample, &adfs]);
    assert!(r.code == 0 || r.code == 3, "{}", r.stderr);
    let out = dir.path().join("book.xlsx");
    let r = run(&["xlsx", "--store", &store, "--out", &out.display().to_string()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let bytes = std::fs::read(&out).unwrap();

    // Each report's rows and caption, as `report NAME --format csv` gives them.
    let csv_rows = |name: &str| -> (Vec<Vec<String>>, String) {
        let r = run(&["report", name, "--store", &store, "--format", "csv"]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(r.stdout.as_bytes());
        let rows = reader.records().map(|rec| rec.unwrap().iter().map(str::to_string).collect()).collect();
        let caption = r.stderr.lines().next().unwrap_or_default().trim_start_matches("signin-insights: ").to_string();
        (rows, caption)
    };
    type Rows = (Vec<Vec<String>>, String);
    let with_rows: Vec<(&str, Rows)> =
        REPORTS.iter().map(|n| (*n, csv_rows(n))).filter(|(_, (rows, _))| !rows.is_empty()).collect();
    let book = crate::util::xlsx_part(&bytes, "xl/workbook.xml");
    let names: Vec<&str> = book.split("<sheet name=\"").skip(1).map(|s| &s[..s.find('"').unwrap()]).collect();
    let want: Vec<&str> = std::iter::once("summary").chain(with_rows.iter().map(|(n, _)| *n)).collect();
    assert_eq!(names, want, "the summary, then a sheet per report with rows");
    assert!(with_rows.len() < REPORTS.len(), "the sample has every report: no empty one is checked");

    // The summary: every report listed with its row count (the empty ones too); a sheet's name
    // links to it; the headline figures as the reports that detail them count.
    let summary = crate::util::xlsx_cells(&bytes, 1);
    for name in REPORTS {
        let n = with_rows.iter().find(|(r, _)| r == name).map_or(0, |(_, (rows, _))| rows.len());
        let row = summary.iter().find(|r| r.first().map(String::as_str) == Some(*name)).expect("listed");
        assert_eq!(row[1], n.to_string(), "{name}: rows in the summary");
    }
    let summary_xml = crate::util::xlsx_part(&bytes, "xl/worksheets/sheet1.xml");
    assert_eq!(summary_xml.matches("<hyperlink ").count(), with_rows.len(), "a link per sheet");
    let figure = |label: &str| {
        summary.iter().find(|r| r.first().is_some_and(|c| c == label)).map(|r| r[1].parse::<f64>().unwrap()).unwrap()
    };
    let r = run(&["report", "failure-analysis", "--store", &store, "--format", "json"]);
    let totals = &serde_json::from_str::<serde_json::Value>(&r.stdout).unwrap()["@signinInsights.totals"];
    let (all, failed) = (totals["all"].as_f64().unwrap(), totals["failure"].as_f64().unwrap());
    assert_eq!(figure("Interactive sign-ins"), all);
    assert!((figure("Failed") - failed / all).abs() < 1e-9, "failed share");

    // Each sheet: the caption in a title row, the header frozen under it with a filter, the
    // rows of the CSV (dates as dates, numbers as numbers).
    let styles = crate::util::xlsx_part(&bytes, "xl/styles.xml");
    assert!(styles.contains("formatCode=\"yyyy-mm-dd hh:mm:ss\""), "a date format");
    for (i, (name, (rows, caption))) in with_rows.iter().enumerate() {
        let xml = crate::util::xlsx_part(&bytes, &format!("xl/worksheets/sheet{}.xml", i + 2));
        assert!(xml.contains("ySplit=\"2\"") && xml.contains("topLeftCell=\"A3\""), "{name}: header frozen");
        assert!(xml.contains("<autoFilter ref=\"A2:"), "{name}: a filter on the header row");
        let cells = crate::util::xlsx_cells(&bytes, i + 2);
        assert_eq!(&cells[0][0], caption, "{name}: the caption as the sheet's title");
        assert_eq!(cells.len() - 2, rows.len(), "{name}: rows");
        // Every value of the CSV is in the sheet: text as text, numbers and dates as numbers.
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let got = cells[r + 2].get(c).map(String::as_str).unwrap_or("");
                // CSV prefixes text a spreadsheet would run with ' (the sheet uses Excel's quote prefix).
                let same = got == v
                    || v.strip_prefix('\'').is_some_and(|t| t == got && t.starts_with(['=', '+', '-', '@']))
                    || (v.ends_with('Z') && got.parse::<f64>().is_ok())
                    || v.parse::<f64>().is_ok_and(|x| got.parse::<f64>().is_ok_and(|y| (x - y).abs() < 1e-9));
                assert!(same, "{name} row {r} column {c}: {got:?} for {v:?}");
            }
        }
    }
    // Conditional formatting: credentials by days left (expired red, within 30 days amber), AD
    // FS readiness, success rates from red to green.
    let sheet_of = |name: &str| {
        let i = with_rows.iter().position(|(n, _)| *n == name).expect("a sheet");
        crate::util::xlsx_part(&bytes, &format!("xl/worksheets/sheet{}.xml", i + 2))
    };
    let creds = sheet_of("credentials");
    assert!(creds.contains("operator=\"lessThan\"") && creds.contains("operator=\"between\""), "credentials expiry");
    assert!(
        creds.contains("type=\"containsBlanks\"") && creds.contains("stopIfTrue=\"1\""),
        "a blank is not 0 days left"
    );
    let adfs = sheet_of("adfs");
    assert!(adfs.contains("additionalStepsRequired") && adfs.contains("needsReview"), "AD FS readiness");
    assert!(sheet_of("apps").contains("<colorScale>"), "success rates coloured");

    // A store of sign-ins only: the reports of other exports are on the summary, saying what
    // is missing.
    let only = dir.path().join("only").display().to_string();
    let one = testdata("sample/graph-pages/signins-0001.json.gz").display().to_string();
    assert_eq!(run(&["ingest", "--quiet", "--store", &only, &one]).code, 0);
    let r = run(&["xlsx", "--store", &only, "--out", &out.display().to_string()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let summary = crate::util::xlsx_cells(&std::fs::read(&out).unwrap(), 1);
    let line = |name: &str| summary.iter().find(|r| r.first().is_some_and(|c| c == name)).expect("listed").clone();
    assert_eq!(line("auth-registration")[1], "0");
    assert!(line("auth-registration")[2].contains("no registration details"), "{:?}", line("auth-registration"));
    assert!(line("adfs")[2].contains("no AD FS sign-ins"), "{:?}", line("adfs"));
}

#[test]
fn a_terminal_shows_credentials_by_days_left_and_service_principals_by_latest_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let store = sample_store(dir.path());
    // (report, the column a person reads it by, newest or largest first)
    for (report, column, desc) in [("credentials", "daysLeft", false), ("service-principals", "lastSignIn", true)] {
        let r = run(&["report", report, "--store", &store, "--format", "csv"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let mut reader = csv::Reader::from_reader(r.stdout.as_bytes());
        let headers = reader.headers().unwrap().clone();
        let at = headers.iter().position(|h| h == column).unwrap();
        let rows: Vec<Vec<String>> =
            reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
        // The order a person reads: by the column (numbers as numbers, times as written sort as
        // times), empty last, ties as Graph orders them; the rows named by their first id column.
        let id = headers.iter().position(|h| h == "keyId" || h == "appId").unwrap();
        let mut want: Vec<&Vec<String>> = rows.iter().collect();
        want.sort_by(|a, b| {
            let (x, y) = (&a[at], &b[at]);
            match (x.is_empty(), y.is_empty()) {
                (false, true) => std::cmp::Ordering::Less,
                (true, false) => std::cmp::Ordering::Greater,
                (true, true) => std::cmp::Ordering::Equal,
                _ if column == "daysLeft" => x.parse::<i64>().unwrap().cmp(&y.parse::<i64>().unwrap()),
                _ if desc => y.cmp(x),
                _ => x.cmp(y),
            }
        });
        assert!(
            want.iter().map(|r| &r[at]).ne(rows.iter().map(|r| &r[at])),
            "{report}: Graph's order is already the person's"
        );
        let Some(shown) = on_terminal(&["report", report, "--store", &store], 400) else { return };
        let positions: Vec<usize> = want
            .iter()
            .map(|r| {
                let key = &r[id];
                shown.find(key.as_str()).unwrap_or_else(|| panic!("{report}: {key} not shown:\n{shown}"))
            })
            .collect();
        let mut sorted = positions.clone();
        sorted.sort();
        assert_eq!(positions, sorted, "{report}: rows not in the order a person reads:\n{shown}");
        assert!(shown.contains(if desc { "latest sign-in first" } else { "fewest days left first" }), "{shown}");
    }
}

#[test]
fn user_filters_of_the_workbook_reports_take_a_name_or_part_and_list_several_matches() {
    let dir = tempfile::tempdir().unwrap();
    let store = sample_store(dir.path());
    let r = run(&["report", "risky-sign-ins", "--store", &store, "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(r.stdout.as_bytes());
    let first = reader.records().next().expect("a risky sign-in").unwrap();
    let (upn, name) = (first[0].to_string(), first[1].to_string());
    let by = |user: &str| run(&["report", "risky-sign-ins", "--store", &store, "--format", "csv", "--user", user]);
    let want = by(&upn);
    assert_eq!(want.code, 0, "{}", want.stderr);
    for given in [name.clone(), name.to_uppercase(), upn[..upn.find('@').unwrap() + 1].to_string()] {
        let got = by(&given);
        assert_eq!(got.code, 0, "{given}: {}", got.stderr);
        assert_eq!(got.stdout, want.stdout, "--user {given:?} is not {upn}");
        assert!(got.stderr.contains(&format!("counting the sign-ins of {upn}")), "{}", got.stderr);
    }
    let several = run(&["report", "mfa-gaps", "--store", &store, "--user", "contoso"]);
    assert_eq!(several.code, 2, "{}", several.stderr);
    assert!(several.stderr.contains("matches") && several.stderr.contains("@contoso.com"), "{}", several.stderr);
}
