//! Command-line behaviour: exit codes, messages that name file and position, bad input that
//! leaves good records ingested, dedupe across ingests, verification, the store lock.

use std::path::Path;

use crate::shapes::write;
use crate::util::{run, testdata, xlsx_part};

fn store_arg(dir: &Path) -> String {
    dir.join("store").to_string_lossy().to_string()
}

const GOOD: &str =
    r#"{"id":"g1","createdDateTime":"2024-05-01T10:00:00Z","appId":"a","appDisplayName":"A","status":{"errorCode":0}}"#;

fn good(id: &str) -> String {
    GOOD.replace("g1", id)
}

#[test]
fn bad_input_is_quarantined_with_file_and_position_and_good_records_kept() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    // JSON lines with a broken line in the middle.
    write(
        &input,
        "lines.jsonl",
        format!("{}\n{{\"id\":\"x\",\"createdDateTime\":\n{}\n", good("l1"), good("l2")).as_bytes(),
    );
    // A truncated array.
    write(&input, "truncated.json", format!("[{},{},{{\"id\":\"t3\",\"crea", good("t1"), good("t2")).as_bytes());
    // Wrong types, missing fields, a bad time.
    let bad = [
        r#"{"id":"w1","createdDateTime":"2024-05-01T10:00:00Z","status":{"errorCode":"50126"}}"#,
        r#"{"id":"w2","createdDateTime":"2024-05-01T10:00:00Z","appDisplayName":42}"#,
        r#"{"createdDateTime":"2024-05-01T10:00:00Z"}"#,
        r#"{"id":"w4"}"#,
        r#"{"id":"w5","createdDateTime":"last tuesday"}"#,
    ];
    write(&input, "types.json", format!("[{},{}]", bad.join(","), good("w6")).as_bytes());
    // Invalid UTF-8 inside a string, between good records.
    let mut bytes = format!("{}\n", good("u1")).into_bytes();
    bytes.extend(b"{\"id\":\"u2\",\"createdDateTime\":\"2024-05-01T10:00:00Z\",\"appDisplayName\":\"\xff\xfe\"}\n");
    bytes.extend(format!("{}\n", good("u3")).as_bytes());
    write(&input, "utf8.jsonl", &bytes);
    write(&input, "empty.json", b"");
    write(&input, "README.txt", b"These are the exports from the tenant.\nAsk Bob.\n");

    let r = run(&["ingest", "--store", &store_arg(dir.path()), &input.to_string_lossy()]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let lines = input.join("lines.jsonl").to_string_lossy().to_string();
    assert!(r.stderr.contains(&format!("{lines}:2 (byte ")), "{}", r.stderr);
    assert!(r.stderr.contains("`status.errorCode`"), "{}", r.stderr);
    assert!(r.stderr.contains("`appDisplayName`"), "{}", r.stderr);
    assert!(r.stderr.contains("missing `id`"), "{}", r.stderr);
    assert!(r.stderr.contains("missing `createdDateTime`"), "{}", r.stderr);
    assert!(r.stderr.contains("not a timestamp"), "{}", r.stderr);
    assert!(r.stderr.contains("truncated record"), "{}", r.stderr);
    assert!(r.stderr.contains("invalid UTF-8"), "{}", r.stderr);
    assert!(r.stderr.contains("empty.json: empty"), "{}", r.stderr);
    assert!(r.stderr.contains("README.txt:1 (byte 0): not JSON"), "{}", r.stderr);
    // 2 + 2 + 1 + 2 good records; 1 + 1 + 5 + 1 + 1 (README) rejected records; 1 empty file.
    assert!(
        r.stderr.contains("ingest: 6 files, 16 records read, 7 stored, 0 duplicates skipped, 9 quarantined"),
        "{}",
        r.stderr
    );

    let q = std::fs::read_to_string(dir.path().join("store/quarantine/ingest-000001.jsonl")).unwrap();
    assert_eq!(q.lines().count(), 10, "9 records and 1 file problem:\n{q}");
    assert!(q.contains("\\\"errorCode\\\":\\\"50126\\\""), "the rejected text is kept");

    let s = run(&["signins", "--store", &store_arg(dir.path()), "--format", "csv"]);
    assert_eq!(s.code, 0, "{}", s.stderr);
    let mut ids: Vec<&str> = s.stdout.lines().skip(1).map(|l| l.split(',').nth(1).unwrap()).collect();
    ids.sort();
    assert_eq!(ids, ["l1", "l2", "t1", "t2", "u1", "u3", "w6"]);
}

/// Every report that reads only the store (no flags needed).
const REPORTS: [&str; 12] = [
    "apps",
    "app-errors",
    "app-daily",
    "app-last-signin",
    "service-principals",
    "credentials",
    "auth-usage",
    "mfa-summary",
    "auth-registration",
    "registration-events",
    "registration-activity",
    "password-resets",
];

#[test]
fn the_same_export_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    let sample = testdata("sample").to_string_lossy().to_string();
    let first = run(&["ingest", "--store", &store, &sample]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stderr.contains("1641 records read, 1626 stored, 15 duplicates skipped, 0 quarantined"),
        "{}",
        first.stderr
    );
    let before: Vec<String> =
        REPORTS.iter().map(|r| run(&["report", r, "--store", &store, "--format", "json"]).stdout).collect();
    let second = run(&["ingest", "--store", &store, &sample]);
    assert!(second.stderr.contains("1641 records read, 0 stored, 1641 duplicates skipped"), "{}", second.stderr);
    let after: Vec<String> =
        REPORTS.iter().map(|r| run(&["report", r, "--store", &store, "--format", "json"]).stdout).collect();
    assert_eq!(before, after);
    let v = run(&["store", "verify", "--store", &store]);
    assert_eq!(v.code, 0);
    assert!(v.stdout.contains("1630 rows, 0 problems"), "{}", v.stdout);
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    assert_eq!(run(&["report", "no-such-report"]).code, 2);
    assert_eq!(run(&["frobnicate"]).code, 2);
    let r = run(&["report", "apps", "--store", &store]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no store here"), "{}", r.stderr);
    let r = run(&["ingest", "--store", &store, "/no/such/file.json"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("/no/such/file.json: no such file"), "{}", r.stderr);
    let golden = testdata("golden/small/signins.json").to_string_lossy().to_string();
    assert_eq!(run(&["ingest", "--store", &store, &golden]).code, 0);
    let r = run(&["report", "apps", "--store", &store, "--period", "week"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--period"), "{}", r.stderr);
    assert_eq!(run(&["report", "apps", "--store", &store, "--since", "yesterday"]).code, 2);
    // The workbook reports' own options.
    let r = run(&["report", "breakdown", "--store", &store]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("needs --by") && r.stderr.contains("client-app"), "{}", r.stderr);
    let r = run(&["report", "breakdown", "--by", "app,planet", "--store", &store]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown dimension \"planet\""), "{}", r.stderr);
    assert_eq!(run(&["report", "breakdown", "--by", "app,app", "--store", &store]).code, 2);
    let r = run(&["report", "legacy-auth", "--by", "country", "--store", &store]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("`app` or `user`"), "{}", r.stderr);
    let r = run(&["report", "apps", "--all-enabled", "--store", &store]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--all-enabled applies to `report ca-policies`"), "{}", r.stderr);
    assert_eq!(run(&["report", "breakdown", "--by", "app", "--outcome", "pending", "--store", &store]).code, 2);
}

/// An export made without `Prefer: include-unknown-enum-members` has report-only results as
/// `unknownFutureValue`: `ca-policies` says so, and counts them as not applied.
#[test]
fn ca_policies_say_when_report_only_results_are_unknown() {
    use signin_insights::generate::{GenOptions, Shape, generate};
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    let caption = |unknown_enum: bool| {
        let input = dir.path().join(format!("in-{unknown_enum}"));
        let opts = GenOptions { records: 300, shape: Shape::Jsonl, unknown_enum, ..GenOptions::default() };
        generate(&opts, &input).unwrap();
        let store = format!("{store}-{unknown_enum}");
        assert_eq!(run(&["ingest", "--quiet", "--store", &store, &input.to_string_lossy()]).code, 0);
        let r = run(&["report", "ca-policies", "--store", &store, "--format", "json"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let report_only = v["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["policyDisplayName"].as_str().unwrap().contains("report-only"))
            .cloned()
            .unwrap();
        (r.stderr, report_only)
    };
    let (said, row) = caption(true);
    assert!(said.contains("unknownFutureValue") && said.contains("include-unknown-enum-members"), "{said}");
    assert_eq!(row["signIns"]["notApplied"], row["signIns"]["total"], "{row}");
    assert_eq!(row["reportOnly"], false, "an unknown result is not known to be report-only");
    let (said, row) = caption(false);
    assert!(!said.contains("unknownFutureValue"), "{said}");
    assert_eq!(row["reportOnly"], true);
    assert!(row["signIns"]["success"].as_u64().unwrap() > 0, "{row}");
}

#[test]
fn json_output_is_one_envelope_and_csv_is_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    let sample = testdata("sample").to_string_lossy().to_string();
    assert_eq!(run(&["ingest", "--quiet", "--store", &store, &sample]).code, 0);
    let r = run(&["report", "apps", "--store", &store, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("stdout is one JSON document");
    assert!(v["@odata.context"].as_str().unwrap().ends_with("#Collection(microsoft.graph.applicationSignInSummary)"));
    assert_eq!(v.as_object().unwrap().len(), 3, "context, window, value");
    // The window, exact: 30 days ending at the latest sign-in of any type.
    let w = &v["@signinInsights.window"];
    let t = |k: &str| signin_insights::domain::time::parse_timestamp(w[k].as_str().unwrap()).unwrap();
    assert_eq!(t("endDateTime") - t("startDateTime"), 30 * 86_400_000_000, "{w}");
    assert_eq!(t("endDateTime") - t("asOfDateTime"), 1, "{w}");
    assert_eq!((w["period"].as_str(), w["counted"].as_str()), (Some("D30"), Some("interactive user sign-ins")));
    let all = run(&["signins", "--store", &store, "--format", "jsonl"]);
    let latest = all
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter_map(|r| r["createdDateTime"].as_str().and_then(signin_insights::domain::time::parse_timestamp))
        .max()
        .unwrap();
    assert_eq!(t("asOfDateTime"), latest);
    let total: u64 = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["successfulSignInCount"].as_u64().unwrap() + r["failedSignInCount"].as_u64().unwrap())
        .sum();
    let drill =
        run(&["signins", "--store", &store, "--event-type", "interactiveUser", "--period", "D30", "--format", "jsonl"]);
    assert_eq!(drill.stdout.lines().count() as u64, total, "the drill-down lists the sign-ins behind the figure");
    for line in drill.stdout.lines() {
        let rec: serde_json::Value = serde_json::from_str(line).expect("original record");
        assert_eq!(rec["signInEventTypes"][0], "interactiveUser");
    }
    let csv = run(&["report", "apps", "--store", &store, "--format", "csv"]).stdout;
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\") Test App\""), "{csv}");
}

#[test]
fn a_damaged_store_is_named_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    let golden = testdata("golden/small/signins.json").to_string_lossy().to_string();
    assert_eq!(run(&["ingest", "--store", &store, &golden]).code, 0);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("store/manifest.json")).unwrap()).unwrap();
    let victim = manifest["tables"]["signins"][0]["path"].as_str().unwrap().to_string();
    let path = dir.path().join("store").join(&victim);
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid..mid + 16].fill(0xAB);
    std::fs::write(&path, &bytes).unwrap();
    let v = run(&["store", "verify", "--store", &store]);
    assert_eq!(v.code, 1);
    assert!(v.stderr.contains(&victim), "{}", v.stderr);
    std::fs::write(&path, &bytes[..mid]).unwrap();
    let r = run(&["report", "apps", "--store", &store]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains(&victim) && r.stderr.contains("failed verification"), "{}", r.stderr);
    std::fs::remove_file(&path).unwrap();
    let v = run(&["store", "verify", "--store", &store]);
    assert!(v.stderr.contains(&victim), "{}", v.stderr);
    assert_eq!(
        run(&["report", "apps", "--store", &store, "--no-verify"]).code,
        1,
        "a missing file still fails the read"
    );
}

#[test]
fn a_second_ingest_is_refused_while_one_runs() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    std::fs::create_dir_all(&store).unwrap();
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.path().join("store/.lock"))
        .unwrap();
    lock.lock().unwrap();
    let golden = testdata("golden/small/signins.json").to_string_lossy().to_string();
    let r = run(&["ingest", "--store", &store, &golden]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("locked by another ingest"), "{}", r.stderr);
    drop(lock);
    assert_eq!(run(&["ingest", "--store", &store, &golden]).code, 0);
}

#[test]
fn an_interrupted_ingest_leaves_the_old_numbers() {
    use signin_insights::generate::{GenOptions, Shape, generate};
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    let golden = testdata("golden/small/signins.json").to_string_lossy().to_string();
    assert_eq!(run(&["ingest", "--store", &store, &golden]).code, 0);
    let before = run(&["report", "apps", "--store", &store, "--format", "json", "--period", "D30"]).stdout;
    let big = dir.path().join("big");
    generate(&GenOptions { records: 60_000, shape: Shape::Jsonl, ..GenOptions::default() }, &big).unwrap();
    // The after-state: the same two ingests, uninterrupted, into another store.
    let other = dir.path().join("other").to_string_lossy().to_string();
    assert_eq!(run(&["ingest", "--quiet", "--store", &other, &golden]).code, 0);
    assert_eq!(run(&["ingest", "--quiet", "--store", &other, &big.to_string_lossy()]).code, 0);
    let after = run(&["report", "apps", "--store", &other, "--format", "json", "--period", "D30"]).stdout;
    assert_ne!(before, after);
    let mut killed_midway = 0;
    for delay_ms in [30, 150, 400] {
        let mut child = crate::util::bin()
            .args(["ingest", "--quiet", "--threads", "1", "--store", &store, &big.to_string_lossy()])
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let v = run(&["store", "verify", "--store", &store]);
        assert_eq!(v.code, 0, "after a kill at {delay_ms} ms: {}{}", v.stdout, v.stderr);
        let now = run(&["report", "apps", "--store", &store, "--format", "json", "--period", "D30"]).stdout;
        assert!(now == before || now == after, "a kill at {delay_ms} ms left a mix of old and new numbers");
        if !finished && now == before {
            killed_midway += 1;
        }
    }
    assert!(killed_midway > 0, "no kill landed during an ingest: the test proved nothing");
}

/// The public Log Analytics samples: every record is read and accounted for. msticpy's
/// `SigninLogs` dump holds 86 rows of 45 sign-ins (41 rows repeat an `Id`); OTRF's four
/// `AuditLogs` rows (two of them typed `Application` / `ServicePrincipal` by the query that
/// made them) hold three audit records, one `Id` appearing twice.
#[test]
fn public_log_analytics_samples_are_read_or_quarantined_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    let f = testdata("public/msticpy/aad_logons.pkl.jsonl").to_string_lossy().to_string();
    let r = run(&["ingest", "--store", &store, &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("86 records read, 45 stored, 41 duplicates skipped, 0 quarantined"), "{}", r.stderr);
    // Every stored row is an interactive sign-in (table SigninLogs); the window holds them all.
    let r = run(&["report", "apps", "--store", &store, "--format", "json", "--since", "2000-01-01"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let total: u64 = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["successfulSignInCount"].as_u64().unwrap() + a["failedSignInCount"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 45);
    let f = testdata("public/otrf-security-datasets/AADAuditEvents.json").to_string_lossy().to_string();
    let r = run(&["ingest", "--store", &store, &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("4 records read, 3 stored, 1 duplicates skipped, 0 quarantined"), "{}", r.stderr);
    let info = run(&["store", "info", "--store", &store]);
    assert!(info.stdout.contains("audits: 3 rows"), "{}", info.stdout);
    assert!(info.stdout.contains("2021-08-02T13:25:12.246Z .. 2021-08-02T13:29:25.983Z"), "{}", info.stdout);
    assert_eq!(run(&["store", "verify", "--store", &store]).code, 0);
}

#[test]
fn hostile_records_are_bounded_errors_not_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("hostile.jsonl");
    let ok = |id: &str| good(id);
    let deep = format!(
        "{{\"id\":\"d\",\"createdDateTime\":\"2024-05-01T10:00:00Z\",\"x\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let lines = [
        ok("h1"),
        "{\"id\":\"n\u{0}ul\",\"createdDateTime\":\"2024-05-01T10:00:00Z\"}".to_string(),
        r#"{"id":"s","createdDateTime":"2024-05-01T10:00:00Z","appDisplayName":"\ud800"}"#.to_string(),
        r#"{"id":"k","id":"k2","createdDateTime":"2024-05-01T10:00:00Z"}"#.to_string(),
        r#"{"id":"r","createdDateTime":"2024-05-01T10:00:00Z","status":{"errorCode":1e400}}"#.to_string(),
        deep,
        "\u{0}\u{0}\u{0}".to_string(),
        ok("h2"),
    ];
    std::fs::write(&input, lines.join("\n")).unwrap();
    let r = run(&["ingest", "--store", &store_arg(dir.path()), &input.to_string_lossy()]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    // The 100,000-deep record is valid JSON and its nesting sits in a field the reports do not
    // read: serde skips it without recursion, so it is stored, not refused.
    assert!(r.stderr.contains("8 records read, 3 stored, 0 duplicates skipped, 5 quarantined"), "{}", r.stderr);
    for needle in [
        "hostile.jsonl:2 (byte 111): `id`: control character",
        "hostile.jsonl:3 (byte 166): `appDisplayName`:",
        "hostile.jsonl:4 (byte 244): duplicate field `id` (column 14 of the record)",
        "hostile.jsonl:5 (byte 306): `status.errorCode`: number out of range",
        "hostile.jsonl:7 (byte 200444): not a JSON object",
    ] {
        assert!(r.stderr.contains(needle), "{needle}: {}", r.stderr);
    }
    let s = run(&["signins", "--store", &store_arg(dir.path()), "--format", "jsonl"]);
    assert_eq!(s.stdout.lines().count(), 3);
    assert!(s.stdout.lines().any(|l| l.len() > 200_000), "the deep record is kept whole");
}

/// Credential inventory: a newer export of an origin replaces the older one (and only that
/// origin); `--kind credentials` reads objects without credential lists and refuses sign-ins;
/// an inventory without sign-ins needs an explicit as-of.
#[test]
fn a_newer_inventory_replaces_the_older_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    let ctx = r#""@odata.context":"https://graph.microsoft.com/v1.0/$metadata#applications""#;
    let secret = |key: &str| {
        format!(
            r#"{{"keyId":"{key}","displayName":"s","startDateTime":"2024-01-01T00:00:00Z","endDateTime":"2024-06-01T00:00:00Z"}}"#
        )
    };
    let app = |keys: &[&str]| {
        let list: Vec<String> = keys.iter().map(|k| secret(k)).collect();
        format!(
            r#"{{{ctx},"value":[{{"id":"o1","appId":"app1","displayName":"One","keyCredentials":[],"passwordCredentials":[{}]}}]}}"#,
            list.join(",")
        )
    };
    let sp = r#"[{"id":"p1","appId":"app2","displayName":"Two","servicePrincipalType":"Application","keyCredentials":[],"passwordCredentials":[]}]"#;
    write(dir.path(), "old.json", app(&["k1", "k2"]).as_bytes());
    write(dir.path(), "sp.json", sp.as_bytes());
    write(dir.path(), "new.json", app(&["k2", "k3"]).as_bytes());
    let path = |n: &str| dir.path().join(n).to_string_lossy().to_string();
    let keys = |extra: &[&str]| {
        let mut args = vec!["report", "credentials", "--store", &store, "--format", "json"];
        if !extra.contains(&"--as-of") {
            args.extend(["--as-of", "2024-05-01"]);
        }
        args.extend(extra);
        let r = run(&args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        v["value"].as_array().unwrap().iter().map(|r| r["keyId"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };

    let r = run(&["ingest", "--store", &store, &path("old.json"), &path("sp.json")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("1 applications with 2 credentials stored"), "{}", r.stderr);
    assert_eq!(keys(&[]), ["k1", "k2"]);
    let r = run(&["report", "credentials", "--store", &store]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--as-of"), "{}", r.stderr);

    let r = run(&["ingest", "--store", &store, "--kind", "credentials", &path("new.json")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(keys(&[]), ["k2", "k3"]);
    // The service principal snapshot was not touched: app2 is still an unused app.
    let r = run(&["report", "app-last-signin", "--store", &store, "--format", "csv", "--as-of", "2024-05-01"]);
    assert!(r.stdout.contains("Two,app2,,,"), "{}", r.stdout);
    assert!(r.stdout.contains("One,app1,,,"), "{}", r.stdout);
    // Expiry filters: 31 days after as-of.
    assert_eq!(keys(&["--expiring-within", "31d"]), ["k2", "k3"]);
    assert_eq!(keys(&["--expiring-within", "30d"]).len(), 0);
    assert_eq!(keys(&["--expired", "--as-of", "2024-06-01"]).len(), 2);
    let r = run(&["report", "apps", "--store", &store, "--unused", "--as-of", "2024-05-01"]);
    assert_eq!(r.code, 2);

    // A sign-in is not an inventory object.
    write(dir.path(), "signin.json", good("x1").as_bytes());
    let r = run(&["ingest", "--store", &store, "--kind", "credentials", &path("signin.json")]);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr.contains("cannot tell whether this object is an application or a service principal"),
        "{}",
        r.stderr
    );
    let v = run(&["store", "verify", "--store", &store]);
    assert_eq!(v.code, 0, "{}", v.stdout);
    assert!(v.stdout.contains("0 orphaned files"), "{}", v.stdout);
}

/// The Sentinel training lab's portal CSV export (BOM, CRLF, `[UTC]` headers, US-locale times,
/// `_dynamic`/`_string` pairs, multi-line JSON cells): every row is read, the 56 sign-ins are
/// stored, and the application activity equals a count made here straight from the CSV.
#[test]
fn portal_csv_exports_are_read_row_by_row() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    let folder = testdata("public/azure-sentinel-training-lab");
    let r = run(&["ingest", "--store", &store, &folder.to_string_lossy()]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    // 56 sign-ins + 4 hunting rows without sign-in columns + 5 audit rows + 1 aggregate row.
    assert!(r.stderr.contains("66 records read, 56 stored, 0 duplicates skipped, 10 quarantined"), "{}", r.stderr);
    assert!(r.stderr.contains("AuditLogs_Hunting.csv:2 (byte"), "{}", r.stderr);

    // Independent count: status from Status_dynamic or Status_string, else ResultType.
    let mut rdr = csv::Reader::from_path(folder.join("sign-in_adelete.csv")).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h.trim_start_matches('\u{feff}') == name).unwrap();
    let (app, app_name, dynamic, string, result) =
        (col("AppId"), col("AppDisplayName"), col("Status_dynamic"), col("Status_string"), col("ResultType"));
    let mut want: std::collections::BTreeMap<String, (String, u64, u64)> = Default::default();
    for row in rdr.records() {
        let row = row.unwrap();
        let status = if row[dynamic].is_empty() { &row[string] } else { &row[dynamic] };
        let code = serde_json::from_str::<serde_json::Value>(status)
            .ok()
            .and_then(|v| v["errorCode"].as_i64())
            .unwrap_or_else(|| row[result].parse().unwrap());
        let e = want.entry(row[app].to_string()).or_insert((row[app_name].to_string(), 0, 0));
        if code == 0 {
            e.1 += 1;
        } else {
            e.2 += 1;
        }
    }
    let r = run(&["report", "apps", "--store", &store, "--format", "json", "--since", "2000-01-01"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let got: std::collections::BTreeMap<String, (String, u64, u64)> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let n = |k: &str| a[k].as_u64().unwrap();
            let name = a["appDisplayName"].as_str().unwrap().to_string();
            (a["id"].as_str().unwrap().to_string(), (name, n("successfulSignInCount"), n("failedSignInCount")))
        })
        .collect();
    assert_eq!(got.len(), 14);
    assert_eq!(got, want);
}

/// AD FS sign-ins (Log Analytics `ADFSSignInLogs` rows, diagnostic category `ADFSSignInLogs`)
/// go to their own table: Entra reports do not count them, and their ids are deduplicated apart
/// from Entra sign-in ids.
#[test]
fn ad_fs_sign_ins_have_their_own_table() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    let la = r#"{"Id":"same","CreatedDateTime":"2024-05-01T10:00:00Z","Type":"ADFSSignInLogs","IsInteractive":true,"ResourceIdentity":"https://rp.example/","ResourceDisplayName":"RP","ResultType":"0","UserPrincipalName":"ana@contoso.example"}"#;
    let diag = r#"{"time":"2024-05-01T11:00:00Z","category":"ADFSSignInLogs","resultType":"0","properties":{"id":"adfs2","createdDateTime":"2024-05-01T11:00:00+00:00","resourceId":"https://rp.example/","tokenIssuerType":"ADFederationServices","status":{"errorCode":0},"signInEventTypes":["interactiveUser"]}}"#;
    write(dir.path(), "adfs.jsonl", format!("{la}\n{diag}\n{la}\n{}\n", good("same")).as_bytes());
    let path = dir.path().join("adfs.jsonl").to_string_lossy().to_string();
    let r = run(&["ingest", "--store", &store, &path]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The second AD FS "same" is a duplicate; the Entra sign-in "same" is not.
    assert!(r.stderr.contains("4 records read, 3 stored, 1 duplicates skipped, 0 quarantined"), "{}", r.stderr);
    let info = run(&["store", "info", "--store", &store]);
    assert!(info.stdout.contains("adfs_signins: 2 rows"), "{}", info.stdout);
    assert!(info.stdout.contains("signins: 1 rows"), "{}", info.stdout);
    let apps = run(&["report", "apps", "--store", &store, "--format", "csv"]);
    assert_eq!(apps.stdout.lines().count(), 2, "only the Entra sign-in: {}", apps.stdout);
    assert_eq!(run(&["store", "verify", "--store", &store]).code, 0);
}

/// A gzip bomb (10 MiB of sign-ins then 200 MiB of zeros, 200 KB compressed) against a 16 MiB
/// inflate cap: the sign-ins before the cap are stored, the file is reported, nothing more is
/// inflated.
#[test]
fn a_gzip_bomb_is_a_bounded_file_error() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.jsonl.gz");
    let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(&path).unwrap(), flate2::Compression::best());
    let mut n = 0;
    let mut written = 0;
    while written < 10 << 20 {
        let line = format!("{}\n", good(&format!("b{n}")));
        gz.write_all(line.as_bytes()).unwrap();
        written += line.len();
        n += 1;
    }
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..200 {
        gz.write_all(&zeros).unwrap();
    }
    gz.finish().unwrap();
    let r = run(&["ingest", "--store", &store_arg(dir.path()), "--max-inflated-mib", "16", &path.to_string_lossy()]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("inflated size exceeds the limit of 16777216 bytes"), "{}", r.stderr);
    assert!(r.stderr.contains(&format!("{n} records read, {n} stored")), "{n}: {}", r.stderr);
}

/// Storage-account blobs of diagnostic settings: `PT1H.json` (one record per line) in their
/// `insights-logs-<category>/tenantId=.../y=/m=/d=/h=/m=` folders, next to an Event Hub
/// `{"records":[...]}` capture; and the admin center's per-type CSV downloads with their odd
/// headers (trailing spaces, double spaces, duplicates).
#[test]
fn diagnostic_blobs_and_admin_center_downloads() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    let input = dir.path().join("in");
    let rec = |id: &str, cat: &str, code: i64| {
        format!(
            r#"{{"time":"2024-06-20T05:10:00.0000000Z","resourceId":"/tenants/t/providers/Microsoft.aadiam","category":"{cat}","resultType":"{code}","properties":{{"id":"{id}","createdDateTime":"2024-06-20T05:09:59.5+00:00","appId":"a1","appDisplayName":"App One","status":{{"errorCode":{code}}}}}}}"#
        )
    };
    let blob = input.join("insights-logs-signinlogs/tenantId=t/y=2024/m=06/d=20/h=05/m=00");
    std::fs::create_dir_all(&blob).unwrap();
    write(&blob, "PT1H.json", format!("{}\n{}", rec("d1", "SignInLogs", 0), rec("d2", "SignInLogs", 50126)).as_bytes());
    let sp = input.join("insights-logs-serviceprincipalsigninlogs/tenantId=t/y=2024/m=06/d=20/h=05/m=00");
    std::fs::create_dir_all(&sp).unwrap();
    write(&sp, "PT1H.json", rec("d3", "ServicePrincipalSignInLogs", 0).as_bytes());
    write(
        &input,
        "eventhub.json",
        format!(r#"{{"records":[{},{}]}}"#, rec("d4", "NonInteractiveUserSignInLogs", 0), rec("d1", "SignInLogs", 0))
            .as_bytes(),
    );
    let header = "Date (UTC),Request ID,User agent,Correlation ID,User ID,User,Username,Incoming token type,Application,Application ID ,Resource,Resource ID ,Status,Sign-in error code,Failure reason,Autonomous system  number,Incoming token type";
    write(
        &input,
        "InteractiveSignIns_2024-06-19_2024-06-21.csv",
        format!("\u{feff}{header}\r\n2024-06-20T06:00:00Z,c1,Mozilla,corr,u1,Ana,ana@contoso.example,none,App One,a1,Graph,00000003-0000-0000-c000-000000000000,Failure,50126,Invalid password,8075,none\r\n").as_bytes(),
    );
    write(
        &input,
        "ApplicationSignIns_2024-06-19_2024-06-21.csv",
        "Date (UTC),Request ID,Correlation ID,Service principal ID,Service principal name,Credential key ID,Credential thumbprint,Application,Application ID ,Status,Sign-in error code,Failure reason\n6/20/2024 7:00:00 AM,c2,corr,sp1,Daemon,k1,,Daemon,a2,Success,0,\n".as_bytes(),
    );
    let r = run(&["ingest", "--store", &store, &input.to_string_lossy()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("7 records read, 6 stored, 1 duplicates skipped, 0 quarantined"), "{}", r.stderr);
    let info = run(&["store", "info", "--store", &store]).stdout;
    for line in ["interactiveUser: 3", "nonInteractiveUser: 1", "servicePrincipal: 2"] {
        assert!(info.contains(line), "{line}: {info}");
    }
    // The interactive sign-ins of App One: d1 ok, d2 and c1 failed (50126).
    let apps = run(&["report", "apps", "--store", &store, "--format", "csv"]).stdout;
    assert!(apps.contains("App One,a1,1,2,33.33"), "{apps}");
    let keys = run(&["report", "credentials", "--store", &store, "--format", "csv"]).stdout;
    assert!(keys.contains("k1,,,Daemon,a2,2024-06-20T07:00:00Z"), "{keys}");
}

/// A JSON line longer than the record limit (64 MiB) is quarantined and skipped without being
/// held in memory; the lines around it are stored.
#[test]
fn an_over_long_line_is_a_bounded_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.jsonl");
    let mut text = format!("{}\n{{\"id\":\"long\",\"pad\":\"", good("before"));
    text.push_str(&"x".repeat(70 << 20));
    text.push_str(&format!("\"}}\n{}\n", good("after")));
    std::fs::write(&path, text).unwrap();
    let r = run(&["ingest", "--store", &store_arg(dir.path()), &path.to_string_lossy()]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("3 records read, 2 stored, 0 duplicates skipped, 1 quarantined"), "{}", r.stderr);
    let at =
        format!("long.jsonl:2 (byte {}): record larger than the 64 MiB limit (line skipped)", good("before").len() + 1);
    assert!(r.stderr.contains(&at), "{}", r.stderr);
}

/// `--kind adfs` takes sign-ins that name no table as AD FS ones; `--kind audits` reads audit
/// records; each refuses the other kind with a reason.
#[test]
fn kinds_adfs_and_audits() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    let audit =
        r#"{"id":"a1","activityDateTime":"2024-05-01T10:00:00Z","category":"UserManagement","result":"success"}"#;
    write(dir.path(), "adfs.jsonl", format!("{}\n{audit}\n", good("g1")).as_bytes());
    let path = dir.path().join("adfs.jsonl").to_string_lossy().to_string();
    let r = run(&["ingest", "--store", &store, "--kind", "adfs", &path]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("adfs.jsonl:2 (byte 111): not an AD FS sign-in"), "{}", r.stderr);
    let r = run(&["ingest", "--store", &store, "--kind", "audits", &path]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("2 records read, 1 stored"), "{}", r.stderr);
    assert!(r.stderr.contains("adfs.jsonl:1 (byte 0): not an audit record"), "{}", r.stderr);
    let info = run(&["store", "info", "--store", &store]).stdout;
    assert!(info.contains("adfs_signins: 1 rows") && info.contains("audits: 1 rows"), "{info}");
}

/// A relying-party trust export is a snapshot: the same export again changes nothing, a newer
/// one replaces it; `--kind rp-trusts` refuses what is not a trust.
#[test]
fn relying_party_trusts_are_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    let trusts = testdata("golden/adfs/rp-trusts.json").to_string_lossy().to_string();
    let r = run(&["ingest", "--store", &store, &trusts]);
    assert!(r.stderr.contains("4 records read, 4 stored, 0 duplicates skipped"), "{}", r.stderr);
    let r = run(&["ingest", "--store", &store, &trusts]);
    assert!(r.stderr.contains("4 records read, 0 stored, 4 duplicates skipped"), "{}", r.stderr);
    let one = r#"[{"Name":"Only","Identifier":["https://only.example/"],"IssuanceTransformRules":"","ClaimsProviderName":[]}]"#;
    write(dir.path(), "newer.json", one.as_bytes());
    let r = run(&["ingest", "--store", &store, &dir.path().join("newer.json").to_string_lossy()]);
    assert!(r.stderr.contains("1 records read, 1 stored"), "{}", r.stderr);
    let rules = run(&["report", "adfs", "--store", &store, "--rules", "--format", "csv"]);
    assert_eq!(rules.stdout.lines().count(), 1, "the newer export has no rules: {}", rules.stdout);
    let info = run(&["store", "info", "--store", &store]).stdout;
    assert!(info.contains("rp_trusts: 1 rows"), "{info}");
    write(dir.path(), "signin.json", good("x").as_bytes());
    let r =
        run(&["ingest", "--store", &store, "--kind", "rp-trusts", &dir.path().join("signin.json").to_string_lossy()]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("without an `Identifier`"), "{}", r.stderr);
    assert_eq!(run(&["store", "verify", "--store", &store]).code, 0);
}

#[test]
fn registrations_are_a_snapshot_and_the_auth_reports_say_what_they_lack() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    let case = testdata("golden/auth-methods");
    let regs = case.join("registrations.json").to_string_lossy().to_string();
    // No registrations yet: a usage error that says what to ingest.
    write(dir.path(), "signin.json", good("x").as_bytes());
    assert_eq!(
        run(&["ingest", "--quiet", "--store", &store, &dir.path().join("signin.json").to_string_lossy()]).code,
        0
    );
    let r = run(&["report", "auth-registration", "--store", &store]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--kind registrations"), "{}", r.stderr);
    // The same export twice changes nothing; a newer one replaces the snapshot whole.
    let r = run(&["ingest", "--store", &store, &regs]);
    assert!(r.stderr.contains("3 records read, 3 stored, 0 duplicates skipped"), "{}", r.stderr);
    let r = run(&["ingest", "--store", &store, &regs]);
    assert!(r.stderr.contains("3 records read, 0 stored, 3 duplicates skipped"), "{}", r.stderr);
    let ps = case.join("registrations-powershell.json").to_string_lossy().to_string();
    let r = run(&["ingest", "--store", &store, "--kind", "registrations", &ps]);
    assert!(r.stderr.contains("1 records read, 1 stored"), "{}", r.stderr);
    let r = run(&["report", "auth-registration", "--store", &store, "--format", "jsonl"]);
    assert!(r.stdout.starts_with(r#"{"totalUserCount":1,"#), "{}", r.stdout);
    // A sign-in read as a registration is quarantined with the reason.
    let r = run(&[
        "ingest",
        "--store",
        &store,
        "--kind",
        "registrations",
        &dir.path().join("signin.json").to_string_lossy(),
    ]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("missing `userPrincipalName`"), "{}", r.stderr);
    // Flags of one report are refused on another.
    for args in [
        ["report", "apps", "--user", "ana"],
        ["report", "auth-usage", "--by", "method"],
        ["report", "auth-registration", "--status", "failure"],
        // Role names are in no export.
        ["report", "auth-registration", "--user-roles", "privilegedAdmin"],
    ] {
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["--store", &store]);
        assert_eq!(run(&a).code, 2, "{args:?}");
    }
    assert_eq!(run(&["store", "verify", "--store", &store]).code, 0);
}

#[test]
fn a_store_of_an_older_format_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::write(store.join("manifest.json"), r#"{"format":1,"generation":3,"tables":{},"ingests":[]}"#).unwrap();
    let r = run(&["report", "apps", "--store", &store.to_string_lossy()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("older signin-insights") && r.stderr.contains("new store"), "{}", r.stderr);
}

#[test]
fn xlsx_workbooks_hold_the_report_as_typed_cells() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    let case = testdata("golden/credentials");
    let inputs: Vec<String> = ["signins.json", "applications.json", "servicePrincipals.json"]
        .iter()
        .map(|f| case.join(f).to_string_lossy().to_string())
        .collect();
    let mut args = vec!["ingest", "--quiet", "--store", &store];
    args.extend(inputs.iter().map(String::as_str));
    assert_eq!(run(&args).code, 0);
    let out = crate::util::bin()
        .args(["report", "credentials", "--store", &store, "--period", "D7", "--format", "xlsx"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(
        &run(&["report", "credentials", "--store", &store, "--period", "D7", "--format", "json"]).stdout,
    )
    .unwrap();
    let rows = json["value"].as_array().unwrap().len();
    let sheet = xlsx_part(&out.stdout, "xl/worksheets/sheet1.xml");
    let book = xlsx_part(&out.stdout, "xl/workbook.xml");
    assert!(book.contains("name=\"appCredentialSignInActivity\""), "{book}");
    // Header frozen, an autofilter over header and rows, one row per credential.
    assert!(sheet.contains("ySplit=\"1\"") && sheet.contains("state=\"frozen\""), "{sheet}");
    assert!(sheet.contains(&format!("<autoFilter ref=\"A1:J{}\"/>", rows + 1)), "{sheet}");
    assert_eq!(sheet.matches("<row ").count(), rows + 1);
    // Days to expiry are numbers (K1 expires 17 days after as-of), expiry an Excel date:
    // 2024-05-20T00:00:00Z is serial 45432.
    assert!(sheet.contains("<v>17</v>") && sheet.contains("<v>45432</v>"), "{sheet}");
    let styles = xlsx_part(&out.stdout, "xl/styles.xml");
    assert!(styles.contains("yyyy-mm-dd hh:mm:ss"), "{styles}");

    // Formula-like text keeps Excel's quote prefix.
    let hostile = r#"{"id":"x1","createdDateTime":"2024-05-01T10:00:00Z","appId":"=cmd|' /C calc'!A0","appDisplayName":"@SUM(1)","status":{"errorCode":0}}"#;
    write(dir.path(), "hostile.json", hostile.as_bytes());
    let other = dir.path().join("other").to_string_lossy().to_string();
    assert_eq!(
        run(&["ingest", "--quiet", "--store", &other, &dir.path().join("hostile.json").to_string_lossy()]).code,
        0
    );
    let out = crate::util::bin().args(["report", "apps", "--store", &other, "--format", "xlsx"]).output().unwrap();
    assert!(out.status.success());
    let styles = xlsx_part(&out.stdout, "xl/styles.xml");
    let strings = xlsx_part(&out.stdout, "xl/sharedStrings.xml");
    assert!(styles.contains("quotePrefix=\"1\""), "{styles}");
    assert!(strings.contains("@SUM(1)") && strings.contains("=cmd|"), "{strings}");
    let sheet = xlsx_part(&out.stdout, "xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>"), "no cell is a formula: {sheet}");
}

/// Every UPN, user id, user display name and IP address of the sample's sign-ins,
/// registrations and audit records (values of six characters or more).
fn personal_values(dir: &Path) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for (r, _) in crate::naive::all_records(dir) {
        let mut stack = vec![r];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::Object(m) => {
                    // A User target names its user by `id` and `displayName`.
                    let user = m.get("type").and_then(|t| t.as_str()) == Some("User");
                    for (k, v) in m {
                        let personal = ["userPrincipalName", "userId", "userDisplayName", "ipAddress"]
                            .contains(&k.as_str())
                            || (user && (k == "id" || k == "displayName"));
                        match v {
                            serde_json::Value::String(s) if personal && s.chars().count() >= 6 => {
                                out.insert(s);
                            }
                            other => stack.push(other),
                        }
                    }
                }
                serde_json::Value::Array(a) => stack.extend(a),
                _ => {}
            }
        }
    }
    out
}

#[test]
fn pseudonymised_outputs_hold_no_personal_value_and_join_on_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    let sample = testdata("sample");
    assert_eq!(run(&["ingest", "--quiet", "--store", &store, &sample.to_string_lossy()]).code, 0);
    let key = dir.path().join("k.key").to_string_lossy().to_string();
    let other_key = dir.path().join("k2.key").to_string_lossy().to_string();
    assert_eq!(run(&["keygen", "--quiet", "--out", &key]).code, 0);
    assert_eq!(run(&["keygen", "--quiet", "--out", &other_key]).code, 0);
    assert_eq!(run(&["keygen", "--quiet", "--out", &key]).code, 1, "a key file is never overwritten");
    let personal = personal_values(&sample);
    assert!(personal.len() > 50, "the sample has users and addresses: {}", personal.len());

    let html = dir.path().join("p.html").to_string_lossy().to_string();
    let outputs = |key: &str| -> Vec<String> {
        let mut out: Vec<String> = REPORTS
            .iter()
            .map(|r| run(&["--pseudonymize", key, "report", r, "--store", &store, "--format", "json"]).stdout)
            .collect();
        out.push(
            run(&["--pseudonymize", key, "report", "registration-events", "--store", &store, "--format", "csv"]).stdout,
        );
        out.push(
            run(&[
                "--pseudonymize",
                key,
                "report",
                "auth-registration",
                "--user",
                "a",
                "--store",
                &store,
                "--format",
                "csv",
            ])
            .stdout,
        );
        out.push(run(&["--pseudonymize", key, "signins", "--store", &store, "--format", "json"]).stdout);
        out.push(run(&["--pseudonymize", key, "signins", "--store", &store, "--format", "csv"]).stdout);
        assert_eq!(run(&["--pseudonymize", key, "html", "--quiet", "--store", &store, "--out", &html]).code, 0);
        out.push(std::fs::read_to_string(&html).unwrap());
        out
    };
    let first = outputs(&key);
    let all = first.join("\n");
    let leaked: Vec<&String> = personal.iter().filter(|p| all.contains(p.as_str())).collect();
    assert!(
        leaked.is_empty(),
        "{} personal values in pseudonymised output, e.g. {:?}",
        leaked.len(),
        &leaked[..leaked.len().min(5)]
    );
    assert!(all.contains("upn-") && all.contains("ip-") && all.contains("name-") && all.contains("user-"));
    // Stable under one key, different under another.
    assert_eq!(outputs(&key), first);
    let second = outputs(&other_key).join("\n");
    let token = |s: &str| s[s.find("upn-").unwrap()..][..28].to_string();
    assert!(!second.contains(&token(&all)));
    // Joinable: a user's token in the registrations equals the same user's in the sign-ins.
    let regs: serde_json::Value = serde_json::from_str(
        &run(&[
            "--pseudonymize",
            &key,
            "report",
            "auth-registration",
            "--user",
            "a",
            "--store",
            &store,
            "--format",
            "json",
        ])
        .stdout,
    )
    .unwrap();
    let some_upn = regs["value"][0]["userPrincipalName"].as_str().unwrap();
    assert!(
        first.iter().any(|o| o.contains("\"userPrincipalName\":\"upn-") && o.contains(some_upn)),
        "{some_upn} not in the sign-ins"
    );
    // Without the flag the values are there.
    let plain = run(&["report", "registration-events", "--store", &store, "--format", "json"]).stdout;
    assert!(personal.iter().any(|p| plain.contains(p.as_str())));
}

#[test]
fn an_as_of_after_the_clock_is_warned_about_not_used_against_the_clock() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    let records = [good("ok"), good("typo").replace("2024-05-01T10:00:00Z", "9024-05-01T10:00:00Z")];
    write(dir.path(), "future.json", records.join("\n").as_bytes());
    assert_eq!(
        run(&["ingest", "--quiet", "--store", &store, &dir.path().join("future.json").to_string_lossy()]).code,
        0
    );
    let apps = run(&["report", "apps", "--store", &store, "--format", "csv"]);
    assert_eq!(apps.code, 0);
    assert!(apps.stderr.contains("warning: the latest event is dated 9024-05-01T10:00:00Z"), "{}", apps.stderr);
    // The window still ends at the latest event: the tool never measures against the clock.
    assert!(apps.stderr.contains("(the latest sign-in in the store)") && apps.stdout.ends_with("A,a,1,0,100\r\n"));
    let signins = run(&["signins", "--store", &store, "--period", "D30", "--format", "csv"]);
    assert!(signins.stderr.contains("warning: the latest event"), "{}", signins.stderr);
    // Not when the window does not end at as-of: given by --as-of, or by --since/--until.
    for quiet in [
        run(&["report", "apps", "--store", &store, "--as-of", "2024-05-02"]),
        run(&["report", "apps", "--store", &store, "--since", "2024-05-01"]),
        run(&["signins", "--store", &store]),
        run(&["report", "apps", "--store", &store, "--quiet"]),
    ] {
        assert!(!quiet.stderr.contains("warning"), "{}", quiet.stderr);
    }
}

#[test]
fn the_store_layout_is_in_utc_days_whatever_the_zone_of_the_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let input = testdata("golden/small/signins.json").to_string_lossy().to_string();
    let layout = |tz: Option<&str>| -> Vec<String> {
        let store = dir.path().join(format!("store-{}", tz.unwrap_or("utc").replace('/', "-")));
        let store = store.to_string_lossy().to_string();
        let mut args = vec!["ingest", "--quiet", "--store", &store, &input];
        if let Some(z) = tz {
            args.extend(["--tz", z]);
        }
        assert_eq!(run(&args).code, 0);
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(Path::new(&store).join("manifest.json")).unwrap()).unwrap();
        let mut dirs: Vec<String> = manifest["tables"]["signins"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().rsplit_once('/').unwrap().0.to_string())
            .collect();
        dirs.sort();
        dirs
    };
    let utc = layout(None);
    // `s01` at 2024-05-02T15:00:00Z is 3 May in Kiritimati (UTC+14), 2 May in UTC.
    assert!(utc.contains(&"signins/event_type=servicePrincipal/date=2024-05-02".to_string()), "{utc:?}");
    assert_eq!(layout(Some("Pacific/Kiritimati")), utc);
}

#[test]
fn time_zones_move_day_boundaries_and_show_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    // 21:30Z is 23:30 on 1 May in Amsterdam (UTC+2 in summer), 22:30Z is 00:30 on 2 May.
    let records: Vec<String> =
        [("z1", "2024-05-01T21:30:00Z"), ("z2", "2024-05-01T22:30:00Z"), ("z3", "2024-05-02T10:00:00Z")]
            .iter()
            .map(|(id, t)| good(id).replace("2024-05-01T10:00:00Z", t))
            .collect();
    write(dir.path(), "tz.json", records.join("\n").as_bytes());
    assert_eq!(run(&["ingest", "--quiet", "--store", &store, &dir.path().join("tz.json").to_string_lossy()]).code, 0);
    let daily = |tz: Option<&str>| -> Vec<(String, u64)> {
        let mut args = vec!["report", "app-daily", "--store", &store, "--format", "json", "--period", "D7"];
        if let Some(z) = tz {
            args.extend(["--tz", z]);
        }
        let v: serde_json::Value = serde_json::from_str(&run(&args).stdout).unwrap();
        v["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["aggregatedEventDateTime"].as_str().unwrap().to_string(), r["signInCount"].as_u64().unwrap()))
            .collect()
    };
    assert_eq!(daily(None), vec![("2024-05-01T00:00:00Z".into(), 2), ("2024-05-02T00:00:00Z".into(), 1)]);
    assert_eq!(
        daily(Some("Europe/Amsterdam")),
        vec![("2024-05-01T00:00:00+02:00".into(), 1), ("2024-05-02T00:00:00+02:00".into(), 2)]
    );
    // West of UTC the same sign-ins fall on other days: 1 May 17:30 and 18:30, 2 May 06:00 in New York.
    assert_eq!(
        daily(Some("america/new_york")),
        vec![("2024-05-01T00:00:00-04:00".into(), 2), ("2024-05-02T00:00:00-04:00".into(), 1)]
    );
    // The drill-down's day is the zone's day; times show the offset.
    let r = run(&["signins", "--store", &store, "--day", "2024-05-02", "--tz", "Europe/Amsterdam", "--format", "csv"]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", r.stdout);
    assert!(
        lines[1].starts_with("2024-05-02T12:00:00+02:00,z3") && lines[2].starts_with("2024-05-02T00:30:00+02:00,z2"),
        "{}",
        r.stdout
    );
    // A date on the command line is the zone's midnight: since 2 May 00:00 in Amsterdam is 22:00Z on 1 May.
    let r =
        run(&["signins", "--store", &store, "--since", "2024-05-02", "--tz", "Europe/Amsterdam", "--format", "csv"]);
    assert_eq!(r.stdout.lines().count(), 3, "{}", r.stdout);
    assert_eq!(run(&["report", "apps", "--store", &store, "--tz", "Mars/Olympus"]).code, 2);
    // Across the spring clock change: 10 March 2024 starts at -05:00 in New York, 11 March at
    // -04:00; 03:30Z on 11 March is 23:30 on 10 March there.
    write(dir.path(), "dst.json", good("d1").replace("2024-05-01T10:00:00Z", "2024-03-11T03:30:00Z").as_bytes());
    assert_eq!(run(&["ingest", "--quiet", "--store", &store, &dir.path().join("dst.json").to_string_lossy()]).code, 0);
    let march = |format: &str| {
        let window = ["--since", "2024-03-10", "--until", "2024-03-12", "--tz", "America/New_York"];
        let mut args = vec!["report", "app-daily", "--store", &store, "--format", format];
        args.extend(window);
        run(&args).stdout
    };
    assert!(march("csv").contains("\r\n2024-03-10,"), "{}", march("csv"));
    assert!(march("json").contains("\"aggregatedEventDateTime\": \"2024-03-10T00:00:00-05:00\""), "{}", march("json"));
}

/// `--app` filters the sign-ins a workbook report counts, so it also works where the rows name
/// no application (`legacy-auth --by user`).
#[test]
fn app_filters_the_sign_ins_of_a_workbook_report() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_arg(dir.path());
    let input = testdata("golden/workbooks/signins.json").to_string_lossy().to_string();
    assert_eq!(run(&["ingest", "--quiet", "--store", &store, &input]).code, 0);
    let rows = |app: &str| {
        let args = ["report", "legacy-auth", "--by", "user", "--app", app, "--period", "D7", "--store", &store];
        let r = run(&[&args[..], &["--format", "json"]].concat());
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        v["value"].as_array().unwrap().len()
    };
    // Exchange Online (A1) has the four (user, client app) pairs of the case's README; the
    // portal (A2) no legacy sign-in.
    assert_eq!(rows("11111111-1111-1111-1111-111111111111"), 4);
    assert_eq!(rows("22222222-2222-2222-2222-222222222222"), 0);
}
