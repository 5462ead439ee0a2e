//! The HTML hand-over in a real browser: headless Chromium opens the page from a file with
//! name resolution switched off, and the tests read the DOM it built (sections, numbers equal to
//! the JSON reports, the script ran to its end), its console (no errors) and its network log (no
//! request made by the page), and save a screenshot of each section for a person to look at.
//! Hostile log text must stay text.
//!
//! Without Chromium the tests say so and pass, except under CI (`CI` set), where `.ci/run`
//! installs it and its absence is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::naive::{Win, rfc3339};
use crate::naive_workbooks;
use crate::shapes::write;
use crate::util::{run, testdata, xlsx_part};

fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("sh").args(["-c", &format!("command -v {name}")]).output()
            && out.status.success()
        {
            return Some(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
        }
    }
    assert!(std::env::var_os("CI").is_none(), "CI must have Chromium: .ci/run installs Debian's chromium");
    eprintln!("Chromium not found: the browser tests are skipped (apt-get install chromium to run them)");
    None
}

/// What the browser made of a page.
struct Opened {
    dom: String,
    /// The attributes of `<body>` after the page's script ran (`data-ready`, `data-errors`).
    body: String,
    console: Vec<String>,
    /// URLs the page itself asked for (the browser's own background requests left out).
    requests: Vec<String>,
}

/// The flags that keep a headless browser quiet and off the network.
fn base_args(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-sync",
        "--disable-extensions",
        "--disable-domain-reliability",
        "--metrics-recording-only",
        "--no-pings",
        "--hide-scrollbars",
        // Every name fails to resolve, so nothing can leave the machine whatever is asked.
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

fn open(browser: &Path, page: &Path, fragment: &str, work: &Path) -> Opened {
    let net = work.join("net.json");
    let _ = std::fs::remove_file(&net);
    let mut args = base_args(&work.join("profile"));
    args.extend([
        "--enable-logging=stderr".to_string(),
        "--v=0".to_string(),
        format!("--log-net-log={}", net.display()),
        "--dump-dom".to_string(),
        format!("file://{}{fragment}", page.display()),
    ]);
    let out = Command::new(browser).args(&args).output().expect("chromium runs");
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Refused to") || l.contains("Uncaught"))
        .map(str::to_string)
        .collect();
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    let body =
        dom.find("<body").map(|i| dom[i..i + dom[i..].find('>').expect("body tag")].to_string()).unwrap_or_default();
    Opened { dom, body, console, requests: page_requests(&net) }
}

/// URL requests the page started: Chromium logs its own with the initiator "not an origin".
fn page_requests(net: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(net).expect("net log written");
    // The log may be cut off at exit without its closing brackets.
    let log: Value = serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(','))))
        .expect("net log is JSON");
    let kinds = &log["constants"]["logEventTypes"];
    let start = kinds["URL_REQUEST_START_JOB"].as_i64().expect("event type known");
    log["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"].as_i64() == Some(start))
        .filter(|e| e["params"]["initiator"].as_str() != Some("not an origin"))
        .filter_map(|e| e["params"]["url"].as_str().map(str::to_string))
        .filter(|u| !u.starts_with("file:"))
        .collect()
}

fn screenshot(browser: &Path, page: &Path, fragment: &str, png: &Path, work: &Path) {
    let mut args = base_args(&work.join("profile"));
    args.extend([
        "--window-size=1280,1800".to_string(),
        format!("--screenshot={}", png.display()),
        format!("file://{}{fragment}", page.display()),
    ]);
    let out = Command::new(browser).args(&args).output().expect("chromium runs");
    assert!(out.status.success() && png.exists(), "no screenshot {}", png.display());
}

/// Where the screenshots go: beside the build, so they outlive the test's temporary folder.
fn output_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("test-output").join("html");
    std::fs::create_dir_all(&dir).expect("output dir");
    dir
}

/// The rows of the first table of section `id` in a DOM dump, as cell texts.
fn table_rows(dom: &str, id: &str) -> Vec<Vec<String>> {
    let start = dom.find(&format!("<section id=\"{id}\"")).unwrap_or_else(|| panic!("no section {id}"));
    let section = &dom[start..];
    let body = &section[section.find("<tbody>").expect("a table") + 7..];
    let body = &body[..body.find("</tbody>").expect("table end")];
    body.split("<tr")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let inner = &cell[cell.find('>').expect("td") + 1..];
                    inner[..inner.find("</td>").expect("td end")].to_string()
                })
                .collect()
        })
        .collect()
}

/// A number cell's value as shown (thousands separators dropped).
fn num(cell: &str) -> u64 {
    cell.rsplit('>').next().unwrap().replace(',', "").parse().unwrap_or_else(|_| panic!("not a number: {cell}"))
}

/// The (count, of) of headline figure `id` in a DOM dump.
fn figure(dom: &str, id: &str) -> (u64, Option<u64>) {
    let at = dom.find(&format!("data-figure=\"{id}\"")).unwrap_or_else(|| panic!("no headline figure {id}"));
    let tag = &dom[at..at + dom[at..].find('>').unwrap()];
    let attr =
        |name: &str| tag.split(&format!("{name}=\"")).nth(1).map(|v| v[..v.find('"').unwrap()].parse::<u64>().unwrap());
    (attr("data-n").expect("data-n"), attr("data-of"))
}

/// The markup of section `id` in a DOM dump.
fn section<'a>(dom: &'a str, id: &str) -> &'a str {
    let s = &dom[dom.find(&format!("<section id=\"{id}\"")).unwrap_or_else(|| panic!("no section {id}"))..];
    &s[..s.find("</section>").unwrap()]
}

fn csv_report(store: &str, args: &[&str]) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut a = vec!["report"];
    a.extend(args);
    a.extend(["--store", store, "--format", "csv"]);
    let r = run(&a);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut reader = csv::Reader::from_reader(r.stdout.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|rec| headers.iter().zip(rec.unwrap().iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect())
        .collect()
}

fn json_report(store: &str, args: &[&str]) -> Value {
    let mut a = vec!["report"];
    a.extend(args);
    a.extend(["--store", store, "--format", "json"]);
    let r = run(&a);
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).expect("JSON report")
}

#[test]
fn the_page_opens_offline_with_every_section_and_the_reports_numbers() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store").to_string_lossy().to_string();
    let sample = testdata("sample").to_string_lossy().to_string();
    let adfs = testdata("golden/adfs").to_string_lossy().to_string();
    let r = run(&["ingest", "--quiet", "--store", &store, &sample, &adfs]);
    assert!(r.code == 0 || r.code == 3, "{}", r.stderr);
    let page = dir.path().join("report.html");
    let r = run(&["html", "--store", &store, "--out", &page.to_string_lossy()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&page).unwrap();
    for forbidden in ["<link", "src=\"http", "src='http", "@import", "url(http"] {
        assert!(!text.contains(forbidden), "the page refers outside itself: {forbidden}");
    }

    let opened = open(&browser, &page, "", dir.path());
    assert_eq!(opened.body, "<body data-ready=\"1\"", "the page's script did not finish, or failed");
    assert!(opened.console.is_empty(), "console: {:#?}", opened.console);
    assert!(opened.requests.is_empty(), "the page made requests: {:?}", opened.requests);
    let sections = [
        "apps",
        "errors",
        "last-sign-in",
        "legacy-auth",
        "failure-analysis",
        "ca-policies",
        "service-principals",
        "credentials",
        "adfs",
        "auth-methods",
    ];
    for id in sections {
        assert!(opened.dom.contains(&format!("<section id=\"{id}\"")), "section {id} missing");
    }

    // Application activity: every row's counts equal the JSON report's.
    let apps = json_report(&store, &["apps"]);
    let want: Vec<(String, u64, u64)> = apps["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                a["successfulSignInCount"].as_u64().unwrap(),
                a["failedSignInCount"].as_u64().unwrap(),
            )
        })
        .collect();
    let got: Vec<(String, u64, u64)> =
        table_rows(&opened.dom, "apps").iter().map(|r| (r[1].clone(), num(&r[2]), num(&r[3]))).collect();
    assert_eq!(got, want, "apps table");
    // Credentials: the rows, and the expired ones highlighted.
    let creds = json_report(&store, &["credentials"]);
    let rows = table_rows(&opened.dom, "credentials");
    assert_eq!(rows.len(), creds["value"].as_array().unwrap().len());
    let expired = section(&opened.dom, "credentials").matches("<tr class=\"expired\"").count();
    assert!(expired > 0, "no expired credential highlighted");
    // Authentication methods: the usage table equals `report auth-usage`.
    let usage = json_report(&store, &["auth-usage"]);
    let want: Vec<(String, String)> = usage["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["authenticationMethod"].as_str().unwrap().to_string(), u["successActivityCount"].to_string()))
        .collect();
    let got: Vec<(String, String)> =
        table_rows(&opened.dom, "auth-methods").iter().map(|r| (r[0].clone(), num(&r[1]).to_string())).collect();
    assert_eq!(got, want, "auth-usage table");

    // Headline figures: the sign-in figures equal the naive count over the sample (30 days to
    // the latest sign-in), the others the reports that detail them.
    let as_of = rfc3339(apps["@signinInsights.window"]["asOfDateTime"].as_str().unwrap());
    let w = Win { start: as_of - 30 * 86_400_000_000 + 1, end: as_of + 1, zone: None };
    for (id, n, of) in naive_workbooks::headline(&naive_workbooks::load(&testdata("sample")), &w) {
        assert_eq!(figure(&opened.dom, id), (n, of), "headline figure {id}");
    }
    let days: Vec<i64> =
        csv_report(&store, &["credentials"]).iter().filter_map(|c| c["daysLeft"].parse().ok()).collect();
    assert_eq!(
        figure(&opened.dom, "credentials-expiring"),
        (days.iter().filter(|d| (0..=30).contains(*d)).count() as u64, None)
    );
    let rps = json_report(&store, &["adfs"]);
    let rps = rps["value"].as_array().unwrap();
    let ready = rps.iter().filter(|r| r["migrationStatus"] == "ready").count() as u64;
    assert_eq!(figure(&opened.dom, "adfs-ready"), (ready, Some(rps.len() as u64)));

    // Every section is on the page once; one without data says why.
    for id in [
        "apps",
        "errors",
        "last-sign-in",
        "failure-analysis",
        "legacy-auth",
        "ca-policies",
        "mfa-gaps",
        "auth-prompts",
        "cross-tenant",
        "consents",
        "sensitive-operations",
        "risky-sign-ins",
        "service-principals",
        "credentials",
        "adfs",
        "auth-methods",
    ] {
        assert_eq!(opened.dom.matches(&format!("<section id=\"{id}\"")).count(), 1, "section {id}");
    }
    let consents = json_report(&store, &["consents"]);
    assert!(
        consents["value"].as_array().unwrap().is_empty(),
        "the sample has consents now: pick another empty section"
    );
    let empty = section(&opened.dom, "consents");
    assert!(empty.contains("class=\"empty\"") && empty.contains("No consent to an application"), "{empty}");
    assert!(opened.dom.contains("<a href=\"#consents\" class=\"empty\""), "the menu does not grey the empty section");

    // AD FS rows open to their checks: as many failed and warned as the JSON's details say.
    let summaries: Vec<String> = section(&opened.dom, "adfs")
        .split("<summary>")
        .skip(1)
        .map(|s| s[..s.find("</summary>").unwrap()].to_string())
        .collect();
    let want: Vec<String> = rps
        .iter()
        .map(|r| {
            let results: Vec<u64> = r["migrationValidationDetails"]
                .as_array()
                .unwrap()
                .iter()
                .map(|kv| {
                    serde_json::from_str::<Value>(kv["value"].as_str().unwrap()).unwrap()["result"].as_u64().unwrap()
                })
                .collect();
            let (failed, warned) =
                (results.iter().filter(|r| **r == 1).count(), results.iter().filter(|r| **r == 2).count());
            match (results.len(), failed, warned) {
                (0, _, _) => "not checked".to_string(),
                (n, 0, 0) => format!("all {n} passed"),
                (n, 0, w) => format!("{w} warned of {n}"),
                (n, f, 0) => format!("{f} failed of {n}"),
                (n, f, w) => format!("{f} failed, {w} warned of {n}"),
            }
        })
        .collect();
    assert_eq!(summaries, want, "AD FS checks");
    assert!(want.iter().any(|s| s.contains("failed")) && want.iter().any(|s| s.contains("warned")));

    // The filter box keeps the rows holding every word typed.
    let filtered = open(&browser, &page, "#only=apps&filter=office", dir.path());
    let shown = section(&filtered.dom, "apps").split("<tbody>").nth(1).unwrap().split("</tbody>").next().unwrap();
    let visible = shown.split("<tr").skip(1).filter(|r| !r[..r.find('>').unwrap()].contains("hidden")).count();
    let want = apps["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| format!("{}{}", a["appDisplayName"], a["id"]).to_lowercase().contains("office"))
        .count();
    assert!(want > 0 && want < apps["value"].as_array().unwrap().len(), "a filter that keeps some rows: {want}");
    assert_eq!(visible, want, "rows left by the filter");

    // A failed part of a bar lists that day's failed sign-ins of the app: the ones `signins`
    // lists for the command the panel shows.
    let marker = "id=\"drill-data\">";
    let data = &text[text.find(marker).unwrap() + marker.len()..];
    let data: Value = serde_json::from_str(&data[..data.find("</script>").unwrap()]).unwrap();
    let cells = data["cells"].as_array().unwrap();
    let k = cells.iter().position(|c| c["command"].as_str().unwrap().contains("--failed")).expect("a failed part");
    let command: Vec<&str> = cells[k]["command"].as_str().unwrap().split(' ').collect();
    let arg = |flag: &str| command[command.iter().position(|a| *a == flag).unwrap() + 1];
    let r = run(&[
        "signins",
        "--store",
        &store,
        "--app",
        arg("--app"),
        "--day",
        arg("--day"),
        "--event-type",
        "interactiveUser",
        "--failed",
        "--format",
        "csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let failed = r.stdout.lines().count() - 1;
    assert!(text.contains(&format!("data-part=\"{k}\"")), "the part of cell {k} is not on the page");
    let drilled = open(&browser, &page, &format!("#only=apps&drill={k}"), dir.path());
    assert!(drilled.console.is_empty() && drilled.requests.is_empty());
    let panel = &drilled.dom[drilled.dom.find(&format!("data-shown=\"{k}\"")).expect("the panel shows the cell")..];
    let panel = &panel[..panel.find("</table>").unwrap()];
    assert_eq!(panel.matches("<tr class=\"failed\">").count(), failed.min(50), "failed sign-ins listed");
    assert_eq!(panel.matches("<tr").count() - 1, failed.min(50), "only failed sign-ins listed");

    let out = output_dir();
    for id in sections {
        screenshot(&browser, &page, &format!("#only={id}"), &out.join(format!("section-{id}.png")), dir.path());
    }
    screenshot(&browser, &page, &format!("#only=apps&drill={k}"), &out.join("section-apps-drill.png"), dir.path());
    screenshot(&browser, &page, "#only=adfs&open=1", &out.join("section-adfs-checks.png"), dir.path());
    screenshot(&browser, &page, "", &out.join("page-top.png"), dir.path());
    eprintln!("screenshots in {}", out.display());
}

/// (formula-like string cells, those of them without Excel's quote prefix) of a workbook's
/// first sheet.
fn xlsx_formula_like_cells_without_prefix(bytes: &[u8]) -> (usize, usize) {
    let part = |name: &str| xlsx_part(bytes, name);
    let (sheet, strings, styles) =
        (part("xl/worksheets/sheet1.xml"), part("xl/sharedStrings.xml"), part("xl/styles.xml"));
    let strings: Vec<String> = strings
        .split("<si>")
        .skip(1)
        .map(|si| {
            let t = &si[si.find("<t").unwrap()..];
            t[t.find('>').unwrap() + 1..t.find("</t>").unwrap()].to_string()
        })
        .collect();
    let xfs = &styles[styles.find("<cellXfs").unwrap()..styles.find("</cellXfs>").unwrap()];
    let quoted: Vec<bool> =
        xfs.split("<xf ").skip(1).map(|xf| xf.split('>').next().unwrap().contains("quotePrefix=\"1\"")).collect();
    let (mut like, mut bare) = (0, 0);
    for c in sheet.split("<c ").skip(1) {
        let head = c.split('>').next().unwrap();
        if !head.contains("t=\"s\"") {
            continue;
        }
        let style: usize = head.split("s=\"").nth(1).map_or(0, |s| s.split('"').next().unwrap().parse().unwrap());
        let idx: usize = c[c.find("<v>").unwrap() + 3..c.find("</v>").unwrap()].parse().unwrap();
        let text = &strings[idx];
        let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r'])
            || text.starts_with("_x0009_")
            || text.starts_with("_x000D_");
        if formula {
            like += 1;
            bare += usize::from(!quoted[style]);
        }
    }
    (like, bare)
}

#[test]
fn the_checks_see_a_request_and_a_console_error_when_there_is_one() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("control.html");
    std::fs::write(
        &page,
        "<!doctype html><body><img src=\"http://control.invalid/x.png\"><script>console.error('control')</script></body>",
    )
    .unwrap();
    let opened = open(&browser, &page, "", dir.path());
    assert!(opened.requests.iter().any(|u| u.contains("control.invalid")), "{:?}", opened.requests);
    assert!(opened.console.iter().any(|l| l.contains("control")), "{:?}", opened.console);
}

/// Every text field of every kind of record holds markup, script, a `javascript:` URL or a
/// spreadsheet formula; nothing of it may run or become markup.
#[test]
fn hostile_log_text_stays_text_in_the_browser_and_in_csv() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store").to_string_lossy().to_string();
    let payloads = [
        "<script>document.body.setAttribute('data-pwned','script')</script>",
        "\"><img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">",
        "javascript:document.body.setAttribute('data-pwned','url')",
        "=HYPERLINK(\"http://x\",\"y\")",
        "+1",
        "-1",
        "@SUM(1)",
        "\tTAB",
        "\rCR",
        "</script><script>document.body.setAttribute('data-pwned','break')</script>",
    ];
    let mut records = Vec::new();
    for (i, p) in payloads.iter().enumerate() {
        let p = serde_json::to_string(p).unwrap();
        let day = 1 + i % 3;
        records.push(format!(
            r#"{{"id":"h{i}","createdDateTime":"2024-05-0{day}T10:00:00Z","appId":{p},"appDisplayName":{p},"userPrincipalName":{p},"userDisplayName":{p},"ipAddress":{p},"userAgent":{p},"clientAppUsed":{p},"resourceDisplayName":{p},"signInEventTypes":["interactiveUser"],"status":{{"errorCode":{},"failureReason":{p}}},"authenticationRequirement":"singleFactorAuthentication","authenticationDetails":[{{"authenticationMethod":{p},"succeeded":true}}]}}"#,
            if i % 2 == 0 { 0 } else { 50126 }
        ));
        records.push(format!(
            r#"{{"Type":"ADFSSignInLogs","Id":"f{i}","CreatedDateTime":"2024-05-02T10:00:00Z","ResourceIdentity":{p},"ResourceDisplayName":{p},"UserPrincipalName":{p},"ResultType":"0"}}"#
        ));
        records.push(format!(
            r#"{{"id":"r{i}","userPrincipalName":{p},"userDisplayName":{p},"isMfaRegistered":true,"methodsRegistered":[{p}],"userType":"member"}}"#
        ));
        records.push(format!(
            r#"{{"id":"e{i}","activityDateTime":"2024-05-02T10:00:00Z","activityDisplayName":"User registered security info","result":"failure","resultReason":{p},"targetResources":[{{"id":{p},"type":"User","userPrincipalName":{p},"displayName":{p}}}]}}"#
        ));
    }
    let trust = serde_json::json!([{
        "Name": payloads[1], "Identifier": [payloads[0]], "IssuanceTransformRules": payloads[9], "ClaimsProviderName": []
    }]);
    write(dir.path(), "hostile.jsonl", records.join("\n").as_bytes());
    write(dir.path(), "trust.json", trust.to_string().as_bytes());
    let r = run(&["ingest", "--quiet", "--store", &store, &dir.path().to_string_lossy()]);
    assert!(r.code == 0 || r.code == 3, "{}", r.stderr);

    // CSV: every cell a spreadsheet would run starts with a quote.
    let csv = run(&["report", "apps", "--store", &store, "--period", "D30", "--format", "csv"]).stdout;
    let mut rd = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
    let mut cells = 0;
    for row in rd.records() {
        for cell in row.unwrap().iter() {
            cells += 1;
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "live formula in CSV: {cell:?}");
        }
    }
    assert!(cells > 0);
    // XLSX: every string cell a spreadsheet would run has the quote-prefix style.
    let out = crate::util::bin().args(["report", "apps", "--store", &store, "--format", "xlsx"]).output().unwrap();
    assert!(out.status.success());
    // Six payloads start like a formula (= + - @ tab CR), each in two columns (name, appId).
    assert_eq!(xlsx_formula_like_cells_without_prefix(&out.stdout), (12, 0));

    let page = dir.path().join("hostile.html");
    let r = run(&["html", "--store", &store, "--out", &page.to_string_lossy()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&page).unwrap();
    assert_eq!(text.matches("<script").count(), 2, "only the page's own two script elements");
    assert!(!text.contains("<img") && !text.contains("href=\"javascript"), "markup from the logs");
    let Some(browser) = chromium() else { return };
    // Every bar's drill-down open at once (one per chart).
    let cells = text.matches("\" data-drill=\"").count();
    assert!(cells >= payloads.len(), "a bar per hostile app: {cells}");
    let all = format!("#only=apps&drill={}", (0..cells).map(|k| k.to_string()).collect::<Vec<_>>().join(","));
    for fragment in ["", all.as_str()] {
        let opened = open(&browser, &page, fragment, dir.path());
        // Only the page's own attribute: no data-pwned, no data-errors.
        assert_eq!(opened.body, "<body data-ready=\"1\"", "log text ran as script, or the script failed ({fragment})");
        assert!(!opened.dom.contains("<img"), "log text became markup ({fragment})");
        assert!(opened.console.is_empty(), "console ({fragment}): {:#?}", opened.console);
        assert!(opened.requests.is_empty(), "requests ({fragment}): {:?}", opened.requests);
    }
    let drilled = open(&browser, &page, &all, dir.path());
    assert_eq!(drilled.dom.matches("<h4>").count(), cells, "every drill-down panel open");
    assert!(
        drilled.dom.contains("<td>&lt;script&gt;") && drilled.dom.contains("<td>\"&gt;&lt;img"),
        "payloads shown as text"
    );
    screenshot(&browser, &page, &all, &output_dir().join("hostile-apps-drill.png"), dir.path());
}
