//! What a hostile export, a tampered store or a careless analyst can do (issue 18): each test
//! is one way in that used to work, shown closed.

use std::path::{Path, PathBuf};

use crate::shapes::write;
use crate::util::run;

const GOOD: &str =
    r#"{"id":"g1","createdDateTime":"2024-05-01T10:00:00Z","appId":"a","appDisplayName":"A","status":{"errorCode":0}}"#;

fn good(id: &str) -> String {
    GOOD.replace("g1", id)
}

/// A store holding `n` good sign-ins, in `dir/store`.
fn store_with(dir: &Path, n: usize) -> PathBuf {
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    let lines: Vec<String> = (0..n).map(|i| good(&format!("s{i}"))).collect();
    write(&input, "signins.jsonl", lines.join("\n").as_bytes());
    let store = dir.join("store");
    let r = run(&["ingest", "--quiet", "--store", &s(&store), &s(&input)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    store
}

fn s(p: &Path) -> String {
    p.to_string_lossy().to_string()
}

#[test]
fn an_output_never_replaces_the_store_a_folder_a_link_or_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with(dir.path(), 3);
    let manifest = std::fs::read(store.join("manifest.json")).unwrap();
    for target in [store.join("manifest.json"), store.join("new.html"), store.clone()] {
        let r = run(&["html", "--quiet", "--store", &s(&store), "--out", &s(&target)]);
        assert_eq!(r.code, 2, "{}: {}", target.display(), r.stderr);
    }
    assert_eq!(std::fs::read(store.join("manifest.json")).unwrap(), manifest, "the store is untouched");
    assert!(!store.join("new.html").exists());
    #[cfg(unix)]
    {
        let page = dir.path().join("page.html");
        std::fs::write(&page, "old").unwrap();
        let link = dir.path().join("link.html");
        std::os::unix::fs::symlink(&page, &link).unwrap();
        let r = run(&["html", "--quiet", "--store", &s(&store), "--out", &s(&link)]);
        assert!(r.code == 2 && r.stderr.contains("symbolic link"), "{}", r.stderr);
        assert_eq!(std::fs::read_to_string(&page).unwrap(), "old");
        // A pipe is written through, not replaced by a regular file.
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(&fifo).unwrap())
        };
        let r = run(&["html", "--quiet", "--store", &s(&store), "--out", &s(&fifo)]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let got = reader.join().unwrap();
        assert!(got.starts_with(b"<!doctype html>"), "the page came through the pipe");
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "still a pipe");
        // A regular file is replaced, and no partial file is left beside it.
        let r = run(&["html", "--quiet", "--store", &s(&store), "--out", &s(&page)]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(std::fs::read_to_string(&page).unwrap().starts_with("<!doctype html>"));
        let partials = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".partial"));
        assert_eq!(partials.count(), 0);
    }
}

#[test]
fn manifest_paths_cannot_leave_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with(dir.path(), 3);
    let manifest_path = store.join("manifest.json");
    let manifest = std::fs::read_to_string(&manifest_path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let rel = v["tables"]["signins"][0]["path"].as_str().unwrap().to_string();
    let victim = dir.path().join("victim");
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::copy(store.join(&rel), victim.join("x.parquet")).unwrap();
    let tampered = ["../victim/x.parquet", "/etc/x.parquet", "signins/../../victim/x.parquet", "credentials/x.parquet"];
    let store_s = s(&store);
    for bad in tampered {
        std::fs::write(&manifest_path, manifest.replace(&rel, bad)).unwrap();
        for args in [vec!["report", "apps"], vec!["store", "verify"], vec!["signins", "--no-verify"]] {
            let mut args = args.clone();
            args.extend(["--store", store_s.as_str()]);
            let r = run(&args);
            assert_eq!(r.code, 1, "{bad} {args:?}: {}", r.stderr);
            assert!(r.stderr.contains("damaged") && r.stderr.contains(bad), "{bad}: {}", r.stderr);
        }
        // An ingest that would replace or remove files is refused before it touches any.
        let more = dir.path().join("more");
        std::fs::create_dir_all(&more).unwrap();
        write(&more, "m.jsonl", good("m1").as_bytes());
        let r = run(&["ingest", "--quiet", "--store", &s(&store), &s(&more)]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(victim.join("x.parquet").exists());
    }
    // A link inside the store that leads out of it is refused too.
    std::fs::write(&manifest_path, &manifest).unwrap();
    #[cfg(unix)]
    {
        let file = store.join(&rel);
        let folder = file.parent().unwrap().to_path_buf();
        std::fs::copy(&file, victim.join(file.file_name().unwrap())).unwrap();
        std::fs::remove_dir_all(&folder).unwrap();
        std::os::unix::fs::symlink(&victim, &folder).unwrap();
        let r = run(&["report", "apps", "--no-verify", "--store", &s(&store)]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains("outside the store"), "{}", r.stderr);
        let r = run(&["store", "verify", "--store", &s(&store)]);
        assert_ne!(r.code, 0, "{}", r.stdout);
        // The next ingest's clean-up of orphans does not follow the link either.
        std::fs::write(victim.join("planted.parquet"), b"x").unwrap();
        let r = run(&["ingest", "--quiet", "--store", &s(&store), &s(&dir.path().join("in"))]);
        assert_ne!(r.code, 101, "{}", r.stderr);
        assert!(victim.join("planted.parquet").exists(), "a file outside the store was removed");
    }
}

#[test]
fn windows_are_bounded_and_a_reversed_one_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with(dir.path(), 3);
    let st = s(&store);
    let started = std::time::Instant::now();
    for (args, said) in [
        (vec!["report", "mfa-summary", "--period", "D99999999"], "at most 3660"),
        (vec!["report", "password-resets", "--period", "D3661", "--as-of", "2024-05-01"], "at most 3660"),
        (vec!["report", "mfa-summary", "--since", "0001-01-01"], "at most 3660"),
        (vec!["report", "password-resets", "--since", "1900-01-01", "--until", "2026-01-01"], "at most 3660"),
        (vec!["report", "apps", "--since", "2026-10-30", "--until", "2026-10-20"], "the window is empty"),
        (vec!["signins", "--since", "2024-05-02", "--until", "2024-05-01"], "2024-05-01T10:00:00Z"),
        (vec!["report", "apps", "--top", "0"], "--top 0"),
        (vec!["--threads", "10000", "report", "apps"], "10000"),
    ] {
        let mut args = args.clone();
        args.extend(["--store", st.as_str()]);
        let r = run(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(said), "{args:?}: {}", r.stderr);
    }
    assert!(started.elapsed().as_secs() < 30, "refused at once, not computed");
    // A long window is fine for a report that does not list its days.
    let r = run(&["report", "apps", "--store", &st, "--since", "1900-01-01", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // No audit records and no --as-of: no day rows (they were dated 1970).
    let r = run(&["report", "password-resets", "--store", &st, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["value"], serde_json::json!([]), "{}", r.stdout);
    // A given as-of is said as given.
    let r = run(&["report", "apps", "--store", &st, "--as-of", "2024-05-02", "--format", "table"]);
    assert!(r.stdout.contains("as given by --as-of") && !r.stdout.contains("latest event"), "{}", r.stdout);
}

/// Runs an ingest of `input` into a new store; returns the run.
fn ingest(dir: &Path, input: &Path, extra: &[&str]) -> crate::util::Run {
    let store = dir.join("store");
    let mut args = vec!["ingest".to_string(), "--store".into(), s(&store)];
    args.extend(extra.iter().map(|a| a.to_string()));
    args.push(s(input));
    run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn folders_are_read_whole_and_every_entry_not_read_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(input.join(".dir")).unwrap();
    write(&input, "a.jsonl", good("a").as_bytes());
    write(&input, ".hidden.jsonl", good("h").as_bytes());
    write(&input.join(".dir"), "x.jsonl", good("x").as_bytes());
    #[cfg(unix)]
    {
        // Two links back up: the walk used to run forever.
        std::os::unix::fs::symlink("..", input.join("up")).unwrap();
        std::os::unix::fs::symlink(".", input.join(".dir/here")).unwrap();
        std::os::unix::fs::symlink("nowhere", input.join("dangling.jsonl")).unwrap();
        let made = std::process::Command::new("mkfifo").arg(input.join("pipe.jsonl")).status().unwrap();
        assert!(made.success());
    }
    let started = std::time::Instant::now();
    let r = ingest(dir.path(), &input, &[]);
    assert!(started.elapsed().as_secs() < 60);
    assert!(r.stderr.contains("3 stored"), "hidden files and folders are read: {}", r.stderr);
    #[cfg(unix)]
    {
        assert_eq!(r.code, 3, "what was not read makes the ingest incomplete: {}", r.stderr);
        for said in ["a link loop", "a link to nothing", "not a regular file"] {
            assert!(r.stderr.contains(said), "{said}: {}", r.stderr);
        }
    }
}

#[test]
fn the_store_inside_the_input_folder_is_not_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    write(&input, "a.jsonl", format!("{}\n{}", good("a"), good("b")).as_bytes());
    let store = input.join("store");
    for _ in 0..2 {
        let r = run(&["ingest", "--store", &s(&store), &s(&input)]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let r = run(&["ingest", "--store", &s(&store), &s(&input)]);
    assert!(r.stderr.contains("the store's own folder") && r.stderr.contains("1 files"), "{}", r.stderr);
    assert!(r.stderr.contains("2 records read, 0 stored, 2 duplicates"), "{}", r.stderr);
}

#[test]
fn a_small_file_of_rejects_cannot_fill_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    // A million empty objects: a few kilobytes of gzip, each a record refused for its missing id.
    let text = "{}\n".repeat(1_000_000);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gz, text.as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    assert!(bytes.len() < 20_000, "{}", bytes.len());
    write(&input, "bomb.jsonl.gz", &bytes);
    let r = ingest(dir.path(), &input, &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("1000000 quarantined"), "every reject is counted: {}", r.stderr);
    assert!(r.stderr.contains("990000 more rejected records were counted but not kept"), "{}", r.stderr);
    let quarantine = std::fs::read_dir(dir.path().join("store/quarantine")).unwrap().next().unwrap().unwrap().path();
    let size = std::fs::metadata(&quarantine).unwrap().len();
    assert!(size < 5 << 20, "the quarantine kept {size} bytes");
    // The limits are the analyst's to set.
    let dir = tempfile::tempdir().unwrap();
    let r = ingest(dir.path(), &input, &["--quarantine-per-file", "5"]);
    assert!(r.stderr.contains("999995 more rejected records"), "{}", r.stderr);
}

#[test]
fn a_store_file_of_another_table_is_named_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with(dir.path(), 3);
    // A Parquet file of the audits table, from another store.
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let audit = r#"{"id":"a1","activityDateTime":"2024-05-01T10:00:00Z","activityDisplayName":"Reset password (self-service)","result":"success"}"#;
    write(&other, "audit.jsonl", audit.as_bytes());
    let r = run(&["ingest", "--quiet", "--store", &s(&other.join("store")), &s(&other.join("audit.jsonl"))]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let om: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(other.join("store/manifest.json")).unwrap()).unwrap();
    let audit_file = other.join("store").join(om["tables"]["audits"][0]["path"].as_str().unwrap());
    // Put it in place of a sign-in file, the manifest's size made to match.
    let manifest_path = store.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    let rel = m["tables"]["signins"][0]["path"].as_str().unwrap().to_string();
    std::fs::copy(&audit_file, store.join(&rel)).unwrap();
    m["tables"]["signins"][0]["bytes"] = std::fs::metadata(&audit_file).unwrap().len().into();
    std::fs::write(&manifest_path, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let more = dir.path().join("more.jsonl");
    std::fs::write(&more, good("m1")).unwrap();
    for args in [
        vec!["report", "apps"],
        vec!["report", "app-errors", "--no-verify"],
        vec!["signins", "--format", "csv"],
        vec!["store", "verify"],
        vec!["ingest", &s(&more)],
    ] {
        let mut args = args.clone();
        let st = s(&store);
        args.extend(["--store", st.as_str()]);
        let r = run(&args);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        let said = format!("{}", store.join(&rel).display());
        assert!(r.stderr.contains(&said) || r.stdout.contains(&said), "{args:?}: {} {}", r.stderr, r.stdout);
    }
}

/// Runs the binary on a pseudo-terminal (`script`), as a person would; returns what the
/// terminal received.
fn on_terminal(args: &[&str]) -> String {
    let bin = env!("CARGO_BIN_EXE_signin-insights");
    let quoted: Vec<String> =
        std::iter::once(bin).chain(args.iter().copied()).map(|a| format!("'{}'", a.replace('\'', "'\\''"))).collect();
    let out = std::process::Command::new("script")
        .args(["-q", "-e", "-c", &format!("{} 2>&1", quoted.join(" ")), "/dev/null"])
        .env("COLUMNS", "200")
        .output()
        .expect("script runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn nothing_from_the_logs_drives_a_terminal() {
    if std::process::Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIPPED: `script` (util-linux) is not installed, no terminal to test on");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A file name with a newline and an escape, and log text with screen clears, a window
    // title, a bell, a backspace and a right-to-left override.
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let hostile = "\\u001b[2J\\u001b]0;owned\\u0007\\b\\u202etxt.exe\\u009b1m";
    let record = GOOD.replace("\"appDisplayName\":\"A\"", &format!("\"appDisplayName\":\"A{hostile}\""));
    write(&input, "x\nsignin-insights: forged\u{1b}[31m.jsonl", format!("{record}\n{{\"id\":").as_bytes());
    let store = dir.path().join("store");
    // (`--quiet`: the progress bar's own escape sequences are the tool's, not the logs'.)
    let shown = on_terminal(&["ingest", "--quiet", "--store", &s(&store), &s(&input)]);
    assert!(!shown.contains('\u{1b}') && !shown.contains("\nsignin-insights: forged"), "{shown:?}");
    assert!(shown.contains("x\\nsignin-insights: forged\\u{1b}[31m.jsonl"), "{shown:?}");
    for format in ["csv", "json", "jsonl", "table"] {
        let shown = on_terminal(&["report", "apps", "--store", &s(&store), "--format", format]);
        for bad in ['\u{1b}', '\u{7}', '\u{8}', '\u{202e}', '\u{9b}'] {
            assert!(!shown.contains(bad), "{format}: {bad:?} reached the terminal: {shown:?}");
        }
        assert!(shown.contains("0;owned"), "{format}: {shown:?}");
    }
    // A pipe gets the exact bytes.
    let r = run(&["report", "apps", "--store", &s(&store), "--format", "csv"]);
    assert!(r.stdout.contains("\u{1b}[2J") && r.stdout.contains('\u{202e}'), "{:?}", r.stdout);
}

#[test]
fn a_report_during_ingests_sees_the_store_before_or_after_never_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with(dir.path(), 3);
    let st = s(&store);
    // Two inventories that replace each other's snapshot on every ingest.
    let inventory = |key: &str| {
        format!(
            r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#applications","value":[
            {{"id":"o1","appId":"a","displayName":"A","passwordCredentials":[{{"keyId":"{key}","endDateTime":"2025-01-01T00:00:00Z"}}]}}]}}"#
        )
    };
    for (name, key) in
        [("a.json", "11111111-1111-1111-1111-111111111111"), ("b.json", "22222222-2222-2222-2222-222222222222")]
    {
        std::fs::write(dir.path().join(name), inventory(key)).unwrap();
    }
    let ingest_one = |name: &str| {
        let r = run(&["ingest", "--quiet", "--store", &st, &s(&dir.path().join(name))]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    };
    let report = || run(&["report", "credentials", "--store", &st, "--format", "json", "--quiet"]);
    ingest_one("a.json");
    let state_a = report().stdout;
    ingest_one("b.json");
    let state_b = report().stdout;
    assert_ne!(state_a, state_b);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            for i in 0..80 {
                ingest_one(if i % 2 == 0 { "a.json" } else { "b.json" });
            }
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        });
        let mut reports = 0;
        while !stop.load(std::sync::atomic::Ordering::Relaxed) || reports < 10 {
            let r = report();
            assert_eq!(r.code, 0, "a report failed during an ingest: {}", r.stderr);
            assert!(r.stdout == state_a || r.stdout == state_b, "neither before nor after: {}", r.stdout);
            reports += 1;
        }
    });
}

#[test]
fn an_unpaired_utf16_surrogate_is_said_and_a_failed_ingest_leaves_no_staging() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    // UTF-16LE with a BOM; the app name holds a high surrogate with no low one after it.
    let text = GOOD.replace("\"A\"", "\"A\u{e000}B\"");
    let mut units: Vec<u16> = text.encode_utf16().collect();
    let at = units.iter().position(|&u| u == 0xe000).unwrap();
    units[at] = 0xd800;
    let mut bytes = vec![0xff, 0xfe];
    bytes.extend(units.iter().flat_map(|u| u.to_le_bytes()));
    write(&input, "utf16.json", &bytes);
    let r = ingest(dir.path(), &input, &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("1 unpaired UTF-16 surrogate was replaced by U+FFFD"), "{}", r.stderr);
    assert!(r.stderr.contains("1 stored"), "the record is still stored: {}", r.stderr);
    // An ingest that fails (here: a damaged store) removes what it staged.
    let store = dir.path().join("store");
    let manifest = store.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rel = v["tables"]["signins"][0]["path"].as_str().unwrap().to_string();
    std::fs::write(store.join(&rel), b"not parquet").unwrap();
    let r = ingest(dir.path(), &input, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!store.join(".staging").exists(), "staging left behind");
}

/// Writes the store a fuzz input describes: two bytes of manifest length, the manifest, then
/// the bytes of the file its first `signins` entry names.
fn store_from_fuzz_input(dir: &Path, input: &[u8]) -> PathBuf {
    let n = usize::from(u16::from_le_bytes([input[0], input[1]]));
    let (manifest, file) = (&input[2..2 + n], &input[2 + n..]);
    let store = dir.join("store");
    std::fs::create_dir_all(&store).unwrap();
    // The store format of the day the input was found; today's, so that the file is read.
    let mut m: serde_json::Value = serde_json::from_slice(manifest).unwrap();
    m["format"] = signin_insights::store::manifest::FORMAT.into();
    std::fs::write(store.join("manifest.json"), serde_json::to_vec(&m).unwrap()).unwrap();
    let path = store.join(m["tables"]["signins"][0]["path"].as_str().unwrap());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, file).unwrap();
    store
}

#[test]
fn a_damaged_parquet_footer_found_by_the_fuzzer_is_an_error_naming_the_file() {
    // fuzz/fuzz_targets/store_files.rs found it: a column chunk at a negative offset, on which
    // the Parquet reader panics.
    let input = std::fs::read(crate::util::testdata("hostile/store-negative-chunk-offset")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = store_from_fuzz_input(dir.path(), &input);
    for args in [vec!["report", "apps", "--no-verify"], vec!["store", "verify"], vec!["signins", "--format", "json"]] {
        let mut args = args.clone();
        let st = s(&store);
        args.extend(["--store", st.as_str()]);
        let r = run(&args);
        assert_eq!(r.code, 1, "{args:?}: {} {}", r.stdout, r.stderr);
        assert!((r.stderr.clone() + &r.stdout).contains("part-g000001-w0-00001.parquet"), "{args:?}: {}", r.stderr);
    }
}
