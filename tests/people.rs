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
    let sample = dir.path().join("s");
    let r = run(&[
        "ingest",
        "--quiet",
        "--store",
        &sample.display().to_string(),
        &testdata("sample").display().to_string(),
    ]);
    assert!(r.code == 0 || r.code == 3, "{}", r.stderr);
    let store = sample.display().to_string();
    let Some(narrow) = on_terminal(&["report", "app-errors", "--store", &store], 50) else { return };
    assert!(narrow.lines().all(|l| l.width() <= 50), "{narrow}");
    assert!(narrow.contains("not shown at this width"), "{narrow}");
    assert!(narrow.contains("--format csv"), "says where every column is: {narrow}");
    let wide = on_terminal(&["report", "app-errors", "--store", &store], 200).unwrap();
    assert!(!wide.contains("not shown at this width"), "{wide}");
    assert!(wide.contains("00000002-0000-0ff1-ce00-000000000000"), "ids whole when there is room: {wide}");
}
