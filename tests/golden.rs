//! Golden outputs: hand-made inputs under `testdata/golden/<case>/`, expected outputs in
//! `expected/`, each checked by hand (the case's README shows the arithmetic). Adding a case
//! means adding files; this test runs the CLI on every expected file it finds.

use std::path::Path;

use signin_insights::store::Store;

use crate::util::{run, testdata};

/// Runs `report <name> --format json` on `store`.
pub fn report_json(store: &Store, name: &str, period: Option<&str>) -> String {
    let root = store.root().to_string_lossy().to_string();
    let mut args = vec!["report", name, "--store", &root, "--format", "json"];
    if let Some(p) = period {
        args.extend(["--period", p]);
    }
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

/// The command line an expected file stands for, from its name.
fn args_for(name: &str) -> Vec<String> {
    let stem = name.rsplit_once('.').map_or(name, |x| x.0);
    let format = if name.ends_with(".csv") { "csv" } else { "json" };
    let mut args: Vec<String> = match stem {
        "signins-alpha-0502-failed" => {
            ["signins", "--app", "11111111-1111-1111-1111-111111111111", "--day", "2024-05-02", "--failed"]
                .map(String::from)
                .to_vec()
        }
        // user-<USER>, ip-<ADDRESS>
        _ if stem.starts_with("user-") || stem.starts_with("ip-") => {
            let (report, subject) = stem.split_once('-').expect("a dash");
            ["report", report, subject].map(String::from).to_vec()
        }
        // auth-registration-<feature|method>[-<userTypes>-<userRoles>] or auth-registration-user-<q>
        _ if stem.starts_with("auth-registration-") => {
            let rest: Vec<&str> = stem["auth-registration-".len()..].split('-').collect();
            let mut args: Vec<String> = vec!["report".into(), "auth-registration".into()];
            match rest.as_slice() {
                ["user", q] => args.extend(["--user".into(), q.to_string()]),
                [by] => args.extend(["--by".into(), by.to_string()]),
                [by, types, roles] => {
                    args.extend(["--by", by, "--user-types", types, "--user-roles", roles].map(String::from))
                }
                _ => panic!("unknown auth-registration case {name}"),
            }
            args
        }
        // <report>-D<n>[-expiring-<duration>|-expired|-unused|-success|-failure]
        _ => {
            let at = (1..stem.len())
                .find(|&i| stem[i..].starts_with("-D") && stem[i + 2..].starts_with(|c: char| c.is_ascii_digit()))
                .expect("<report>-D<n>[-<filter>]");
            let (report, rest) = (&stem[..at], &stem[at + 1..]);
            let (period, filter) = rest.split_once('-').unwrap_or((rest, ""));
            let mut args: Vec<String> = vec!["report".into(), report.into(), "--period".into(), period.into()];
            match filter.split_once('-') {
                Some(("expiring", d)) => args.extend(["--expiring-within".into(), d.into()]),
                Some(("by", dims)) => args.extend(["--by".into(), dims.into()]),
                Some(("all", "enabled")) => args.push("--all-enabled".into()),
                None if filter.is_empty() => {}
                None if filter == "success" || filter == "failure" => args.extend(["--status".into(), filter.into()]),
                None => args.push(format!("--{filter}")),
                Some(_) => panic!("unknown filter in {name}"),
            }
            args
        }
    };
    args.extend(["--format".into(), format.into()]);
    args
}

/// Fails with a unified diff (golden file first) when `got` is not `want`.
fn assert_golden(name: &str, got: &str, want: &str) {
    if got != want {
        let diff = similar::TextDiff::from_lines(want, got);
        let shown = diff.unified_diff().context_radius(3).header(&format!("{name} (golden)"), "output").to_string();
        panic!("{name} differs from its golden file:\n{shown}");
    }
}

/// Ingests the case's `*.json` inputs and compares every file of `expected/` with the output of
/// the command its name stands for; returns how many were compared.
fn check_case(case: &Path) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let store_s = store.to_string_lossy().to_string();
    let mut inputs: Vec<String> = std::fs::read_dir(case)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| p.to_string_lossy().to_string())
        .collect();
    inputs.sort();
    let mut args = vec!["ingest", "--quiet", "--store", &store_s];
    args.extend(inputs.iter().map(String::as_str));
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut checked = 0;
    for e in std::fs::read_dir(case.join("expected")).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let mut args = args_for(&name);
        args.extend(["--store".into(), store_s.clone()]);
        let r = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let want = std::fs::read_to_string(&path).unwrap();
        assert_golden(&name, &r.stdout, &want);
        checked += 1;
    }
    checked
}

#[test]
fn golden_small() {
    assert!(check_case(&testdata("golden/small")) >= 7);
}

#[test]
fn golden_workbooks() {
    assert!(check_case(&testdata("golden/workbooks")) >= 8);
}

#[test]
fn golden_audit_ops() {
    assert!(check_case(&testdata("golden/audit-ops")) >= 3);
}

#[test]
fn golden_investigate() {
    assert!(check_case(&testdata("golden/investigate")) >= 4);
}

#[test]
fn golden_credentials() {
    assert!(check_case(&testdata("golden/credentials")) >= 7);
}

#[test]
fn sample_reports_are_identical_across_shapes_of_the_same_data() {
    use signin_insights::generate::{GenOptions, Shape, generate};
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    let shapes = [Shape::Graph, Shape::Array, Shape::Jsonl, Shape::LogAnalytics, Shape::Diagnostic, Shape::Csv];
    for shape in shapes {
        let input = dir.path().join(format!("{shape:?}"));
        generate(&GenOptions { records: 800, seed: 3, shape, per_file: 300, ..GenOptions::default() }, &input).unwrap();
        let store = Store::open(dir.path().join(format!("store-{shape:?}")));
        crate::util::ingest_with(&store, &[input], 2);
        let all: Vec<String> = [
            "apps",
            "app-errors",
            "app-daily",
            "app-last-signin",
            "service-principals",
            "credentials",
            "auth-usage",
            "mfa-summary",
        ]
        .iter()
        .map(|r| report_json(&store, r, Some("D7")))
        .collect();
        outputs.push(all);
    }
    for (shape, out) in shapes.iter().zip(&outputs).skip(1) {
        assert_eq!(outputs[0], *out, "{shape:?} differs from Graph pages");
    }
}

#[test]
fn golden_auth_methods() {
    assert!(check_case(&testdata("golden/auth-methods")) >= 12);
}

#[test]
fn golden_adfs() {
    assert!(check_case(&testdata("golden/adfs")) >= 4);
}
