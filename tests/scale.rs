//! A year of a large tenant in one store (issue 19): an ingest reads the stored ids only where
//! its records fall (their table, event type and day, the neighbouring day near midnight), so
//! its cost follows its input, not the store; and still nothing is counted twice.

use std::path::Path;

use signin_insights::store::{SIGNINS, Store};

use crate::util::ingest_with;

const DAY: i64 = 86_400_000_000;
/// 2026-10-01T00:00:00Z.
const OCT_1: i64 = 1_790_812_800_000_000;

fn at(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us).unwrap().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn sign_in(id: &str, us: i64, kind: &str) -> String {
    format!(
        r#"{{"id":"{id}","createdDateTime":"{}","appId":"a","appDisplayName":"A","status":{{"errorCode":0}},"signInEventTypes":["{kind}"]}}"#,
        at(us)
    )
}

fn write(dir: &Path, name: &str, lines: &[String]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

/// Rows of the stored files of `kind` whose span, widened by an hour either side, holds `t`:
/// what an ingest of one record at `t` may read, worked out from the manifest alone.
fn rows_near(store: &Store, kind: &str, t: i64) -> u64 {
    let hour = 3_600_000_000;
    store
        .manifest()
        .unwrap()
        .files(SIGNINS)
        .iter()
        .filter(|f| f.event_type == kind && f.min_time_us - hour <= t && t <= f.max_time_us + hour)
        .map(|f| f.rows)
        .sum()
}

#[test]
fn an_ingest_reads_the_stored_ids_only_where_its_records_fall() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("store"));
    // 30 days, 10 interactive and 10 non-interactive sign-ins a day, at 01:00 + k minutes.
    let mut month = Vec::new();
    for d in 0..30 {
        for k in 0..10 {
            let t = OCT_1 + d * DAY + 3_600_000_000 + k * 60_000_000;
            month.push(sign_in(&format!("i-{d}-{k}"), t, "interactiveUser"));
            month.push(sign_in(&format!("n-{d}-{k}"), t, "nonInteractiveUser"));
        }
    }
    let first = ingest_with(&store, &[write(dir.path(), "month.jsonl", &month)], 2);
    assert_eq!((first.stored, first.duplicates, first.stored_ids_read), (600, 0, 0));

    // One new sign-in on day 15 among that day's: only day 15's interactive ids are read.
    let t = OCT_1 + 15 * DAY + 3_600_000_000 + 5 * 60_000_000 + 1;
    let want = rows_near(&store, "interactiveUser", t);
    assert_eq!(want, 10, "the store holds ten interactive sign-ins on that day");
    // Each row group's bloom filter on the id rules the new id out: no id is read at all.
    let one = ingest_with(&store, &[write(dir.path(), "one.jsonl", &[sign_in("new", t, "interactiveUser")])], 2);
    assert_eq!((one.stored, one.duplicates), (1, 0));
    assert_eq!(one.stored_ids_read, 0, "ids read for one new sign-in");

    // The same again is a duplicate: the filters let it through only where it is, its own
    // one-row file (the month's file of that day, ten ids, is ruled out).
    let again = ingest_with(&store, &[write(dir.path(), "again.jsonl", &[sign_in("new", t, "interactiveUser")])], 2);
    assert_eq!((again.stored, again.duplicates), (0, 1));
    assert_eq!(again.stored_ids_read, 1);

    // The whole month again: every record a duplicate, every file read once.
    let month_again = ingest_with(&store, &[write(dir.path(), "month2.jsonl", &month)], 2);
    assert_eq!((month_again.stored, month_again.duplicates), (0, 600));
    // Every stored file read at most once (the one-row file of day 15 only if a lookup got to
    // it before finding its id in the month's file).
    assert!((600..=601).contains(&month_again.stored_ids_read), "read {}", month_again.stored_ids_read);

    // Near midnight: the same sign-in stored at 23:59:59.999999 on day 20 and exported again
    // a microsecond later, in the next day's partition, is a duplicate.
    let late = OCT_1 + 21 * DAY - 1;
    let edge = ingest_with(&store, &[write(dir.path(), "edge.jsonl", &[sign_in("edge", late, "interactiveUser")])], 2);
    assert_eq!(edge.stored, 1);
    let twin =
        ingest_with(&store, &[write(dir.path(), "twin.jsonl", &[sign_in("edge", late + 2, "interactiveUser")])], 2);
    assert_eq!((twin.stored, twin.duplicates), (0, 1), "the twin across midnight is a duplicate");
    // ... while a sign-in hours away from every stored one reads no stored id at all.
    let far = OCT_1 + 15 * DAY + 12 * 3_600_000_000;
    let other = ingest_with(&store, &[write(dir.path(), "far.jsonl", &[sign_in("far", far, "interactiveUser")])], 2);
    assert_eq!((other.stored, other.stored_ids_read), (1, 0));
    assert_eq!(store.verify().unwrap().problems, Vec::<String>::new());
}

/// A store written before the files kept bloom filters on the id: each file a lookup needs is
/// read whole, and duplicates are still found.
#[test]
fn files_without_id_filters_are_read_whole_and_still_find_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("store"));
    let day: Vec<String> = (0..10)
        .map(|k| sign_in(&format!("i-{k}"), OCT_1 + 3_600_000_000 + k * 60_000_000, "interactiveUser"))
        .collect();
    ingest_with(&store, &[write(dir.path(), "day.jsonl", &day)], 2);
    strip_id_filters(&dir.path().join("store"));
    assert_eq!(store.verify().unwrap().problems, Vec::<String>::new(), "the rewritten store verifies");
    let t = OCT_1 + 3_600_000_000 + 5 * 60_000_000 + 1;
    let one = ingest_with(&store, &[write(dir.path(), "one.jsonl", &[sign_in("new", t, "interactiveUser")])], 2);
    assert_eq!((one.stored, one.duplicates, one.stored_ids_read), (1, 0, 10), "the day's file read whole");
    let old = ingest_with(&store, &[write(dir.path(), "old.jsonl", &[day[3].clone()])], 2);
    assert_eq!((old.stored, old.duplicates), (0, 1), "a stored sign-in is still a duplicate");
}

/// Rewrites every sign-in file of the store at `root` without bloom filters (as the files of
/// earlier versions were), and the manifest's sizes to match.
fn strip_id_filters(root: &Path) {
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let manifest_path = root.join("manifest.json");
    let mut manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    for f in manifest["tables"]["signins"].as_array_mut().unwrap() {
        let path = root.join(f["path"].as_str().unwrap());
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap()).unwrap();
        assert!(
            reader.metadata().row_group(0).columns().iter().any(|c| c.bloom_filter_offset().is_some()),
            "the store writes filters"
        );
        let schema = reader.schema().clone();
        let batches: Vec<_> = reader.build().unwrap().map(Result::unwrap).collect();
        let mut w = ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema, None).unwrap();
        for b in &batches {
            w.write(b).unwrap();
        }
        w.close().unwrap();
        f["bytes"] = serde_json::json!(std::fs::metadata(&path).unwrap().len());
    }
    std::fs::write(&manifest_path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
}

/// A store whose partitions have several files each: the sample in two ingests, then generated
/// sign-ins written by two workers.
fn many_files(dir: &Path) -> String {
    use signin_insights::generate::{GenOptions, Shape, generate};
    let store = dir.join("store").display().to_string();
    let big = dir.join("big");
    generate(&GenOptions { records: 20_000, shape: Shape::Jsonl, ..GenOptions::default() }, &big).unwrap();
    for input in
        [crate::util::testdata("sample/graph-pages"), crate::util::testdata("sample/powershell-arrays"), big.clone()]
    {
        let r =
            crate::util::run(&["ingest", "--quiet", "--threads", "2", "--store", &store, &input.display().to_string()]);
        assert!(r.code == 0 || r.code == 3, "{}", r.stderr);
    }
    store
}

/// Every report a person or a script asks, as bytes.
fn all_reports(store: &str) -> Vec<String> {
    let mut out = Vec::new();
    for r in
        ["apps", "app-daily", "app-errors", "app-last-signin", "service-principals", "failure-analysis", "legacy-auth"]
    {
        let got = crate::util::run(&["report", r, "--store", store, "--format", "json"]);
        assert_eq!(got.code, 0, "{r}: {}", got.stderr);
        out.push(got.stdout);
    }
    out.push(crate::util::run(&["signins", "--store", store, "--format", "csv"]).stdout);
    out
}

/// (partitions, files) of the sign-ins.
fn layout(store: &str) -> (usize, usize) {
    let m = Store::open(store).manifest().unwrap();
    let files = m.files(SIGNINS);
    let parts: std::collections::BTreeSet<(&str, &str)> =
        files.iter().map(|f| (f.event_type.as_str(), f.date.as_str())).collect();
    (parts.len(), files.len())
}

#[test]
fn compaction_leaves_one_sorted_file_per_partition_and_every_report_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let store = many_files(dir.path());
    let (parts, files) = layout(&store);
    assert!(files > parts, "the test store has partitions of several files: {files} files, {parts} partitions");
    let before = all_reports(&store);
    let r = crate::util::run(&["store", "compact", "--store", &store]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(layout(&store), (parts, parts), "one file per partition");
    assert_eq!(all_reports(&store), before, "a report changed");
    let v = crate::util::run(&["store", "verify", "--store", &store]);
    assert!(v.stdout.contains("0 problems, 0 orphaned files"), "{}{}", v.stdout, v.stderr);
    // Rows in time order within each rewritten file (a partition of one file is left as the
    // ingest wrote it).
    let s = Store::open(&store);
    let rewritten: Vec<_> =
        s.manifest().unwrap().files(SIGNINS).iter().filter(|f| f.path.ends_with("-compact.parquet")).cloned().collect();
    assert!(rewritten.len() > 1, "{} files rewritten", rewritten.len());
    for f in &rewritten {
        let mut last = i64::MIN;
        for rg in signin_insights::store::reader::row_groups(&s, SIGNINS, std::slice::from_ref(f)).unwrap() {
            for b in rg.read(&["created"]).unwrap() {
                let t = b.column(0).as_any().downcast_ref::<arrow_array::TimestampMicrosecondArray>().unwrap();
                for i in 0..t.len() {
                    assert!(t.value(i) >= last, "{}: rows out of time order", f.path);
                    last = t.value(i);
                }
            }
        }
    }
    // Nothing left to do the second time.
    let again = crate::util::run(&["store", "compact", "--store", &store]);
    assert!(again.stderr.contains("0 partitions rewritten"), "{}", again.stderr);
}

/// A compaction that holds a few rows at a time (many slices of time per partition) writes
/// the same sorted rows: every report and every original record as before.
#[test]
fn compaction_in_small_slices_keeps_every_row_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = many_files(dir.path());
    let (parts, _) = layout(&store);
    let mut before = all_reports(&store);
    before.push(crate::util::run(&["signins", "--store", &store, "--format", "jsonl"]).stdout);
    let s = Store::open(&store);
    // A small budget for the writer: row groups close as an ingest's would under it.
    let opts = signin_insights::store::writer::WriteOptions { memory_budget: 256 << 10, ..Default::default() };
    let seen = std::sync::Mutex::new(Vec::new());
    let progress = |done: u64, total: u64| seen.lock().unwrap().push((done, total));
    let summary = signin_insights::store::compact::compact_sliced(&s, &opts, 2, 100_000, &progress).unwrap();
    assert!(summary.slices > 5 * summary.partitions, "{summary:?}");
    // The progress told: from nothing to every row rewritten, never going back.
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.first(), Some(&(0, summary.rows)));
    assert_eq!(seen.last(), Some(&(summary.rows, summary.rows)));
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
    assert_eq!(layout(&store), (parts, parts), "one file per partition");
    let mut after = all_reports(&store);
    after.push(crate::util::run(&["signins", "--store", &store, "--format", "jsonl"]).stdout);
    assert_eq!(after, before, "a report or a record changed");
    assert_eq!(s.verify().unwrap().problems, Vec::<String>::new());
    for f in s.manifest().unwrap().files(SIGNINS).iter().filter(|f| f.path.ends_with("-compact.parquet")) {
        let mut last = (i64::MIN, String::new());
        let groups = signin_insights::store::reader::row_groups(&s, SIGNINS, std::slice::from_ref(f)).unwrap();
        for rg in &groups {
            // About 110 KB each under this budget; 2.3 MB when row groups were cut by rows only.
            assert!(rg.byte_size() < 1 << 20, "{}: a row group of {} bytes", f.path, rg.byte_size());
        }
        for rg in groups {
            for b in rg.read(&["created", "id"]).unwrap() {
                let col = |n: &str| b.column_by_name(n).unwrap().clone();
                let (t, id) = (col("created"), col("id"));
                let t = t.as_any().downcast_ref::<arrow_array::TimestampMicrosecondArray>().unwrap();
                let id = id.as_any().downcast_ref::<arrow_array::StringArray>().unwrap();
                for i in 0..t.len() {
                    let now = (t.value(i), id.value(i).to_string());
                    assert!(now >= last, "{}: rows out of order", f.path);
                    last = now;
                }
            }
        }
    }
}

#[test]
fn a_killed_compaction_leaves_a_store_that_verifies_and_reports_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let store = many_files(dir.path());
    let before = all_reports(&store);
    kill_at_moments(&store, &["store", "compact", "--quiet", "--store", &store], |delay_ms| {
        assert_eq!(all_reports(&store), before, "after a kill at {delay_ms} ms a report changed");
    });
}

/// Runs `args` four times, killed (SIGKILL) after 5 to 300 ms; after each kill `store` verifies
/// and `check(delay)` holds. At least one kill must land before the command committed, or the
/// test proved nothing.
fn kill_at_moments(store: &str, args: &[&str], check: impl Fn(u64)) {
    let generation = || Store::open(store).manifest().unwrap().generation;
    let mut killed_midway = 0;
    for delay_ms in [5, 40, 120, 300] {
        let start = generation();
        let mut child = crate::util::bin().args(args).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let v = crate::util::run(&["store", "verify", "--store", store]);
        assert_eq!(v.code, 0, "after a kill at {delay_ms} ms: {}{}", v.stdout, v.stderr);
        check(delay_ms);
        if !finished && generation() == start {
            killed_midway += 1;
        }
    }
    assert!(killed_midway > 0, "no kill of {args:?} landed before it committed: the test proved nothing");
}

#[test]
fn a_damaged_manifest_cannot_make_compaction_write_outside_its_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let store = many_files(dir.path());
    let manifest = Path::new(&store).join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    // Every interactive partition renamed to a path that climbs out of the store.
    let damaged = text.replace("\"event_type\": \"interactiveUser\"", "\"event_type\": \"../../../escaped\"");
    assert_ne!(damaged, text, "the manifest's spelling changed: the test damages nothing");
    std::fs::write(&manifest, damaged).unwrap();
    let r = crate::util::run(&["store", "compact", "--store", &store]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("the store is damaged"), "{}", r.stderr);
    let escaped: Vec<_> = walk(dir.path()).into_iter().filter(|p| p.to_string_lossy().contains("escaped")).collect();
    assert!(escaped.is_empty(), "{escaped:?}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

/// Every report over every table (sign-ins, AD FS, audits, inventory, registrations, trusts),
/// as bytes.
fn reports_of_every_table(store: &str) -> Vec<String> {
    let mut out = all_reports(store);
    for r in ["adfs", "credentials", "auth-registration", "registration-events", "consents", "password-resets"] {
        let got = crate::util::run(&["report", r, "--store", store, "--format", "json"]);
        assert_eq!(got.code, 0, "{r}: {}", got.stderr);
        out.push(got.stdout);
    }
    out
}

fn ingest_cli(store: &str, inputs: &[&Path]) {
    let mut args = vec!["ingest", "--quiet", "--threads", "2", "--store", store];
    let inputs: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    args.extend(inputs.iter().map(String::as_str));
    let r = crate::util::run(&args);
    assert!(r.code == 0 || r.code == 3, "{}", r.stderr);
}

#[test]
fn stores_ingested_on_two_machines_merge_into_the_store_one_ingest_of_everything_makes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Generated sign-ins with AD FS, in files that overlap (2% of each repeated in the next).
    let generated = d.join("generated");
    let r = crate::util::run(&[
        "generate",
        "--records",
        "6000",
        "--per-file",
        "1500",
        "--adfs",
        "800",
        "--format",
        "jsonl",
        "--out",
        &generated.display().to_string(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut files: Vec<_> = std::fs::read_dir(&generated).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    let sample = crate::util::testdata("sample/graph-pages");
    let arrays = crate::util::testdata("sample/powershell-arrays");
    // Machine A: the sample (sign-ins, audits, inventory, registrations) and the first half of
    // the generated files; machine B: the same sample sign-ins as PowerShell arrays (the same
    // records in another shape), the second half, and one file A has too.
    let half = files.len() / 2;
    let (a, b) = (d.join("a").display().to_string(), d.join("b").display().to_string());
    let mut on_a: Vec<&Path> = vec![&sample];
    on_a.extend(files[..half].iter().map(|p| p.as_path()));
    let mut on_b: Vec<&Path> = vec![&arrays];
    on_b.extend(files[half - 1..].iter().map(|p| p.as_path()));
    ingest_cli(&a, &on_a);
    ingest_cli(&b, &on_b);
    // The reference: one store that ingested everything.
    let one = d.join("one").display().to_string();
    let mut all: Vec<&Path> = vec![&sample, &arrays];
    all.extend(files.iter().map(|p| p.as_path()));
    ingest_cli(&one, &all);

    let merged = d.join("merged").display().to_string();
    let r = crate::util::run(&["store", "merge", "--store", &merged, &a, &b]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("duplicates skipped"), "{}", r.stderr);
    let rows = |s: &str| -> u64 {
        let m = Store::open(s).manifest().unwrap();
        signin_insights::store::TABLES.iter().map(|t| m.files(t).iter().map(|f| f.rows).sum::<u64>()).sum()
    };
    assert_eq!(rows(&merged), rows(&one), "rows of every table");
    assert!(rows(&a) + rows(&b) > rows(&one), "the two machines' stores overlap: the test proves no dedupe");
    assert_eq!(reports_of_every_table(&merged), reports_of_every_table(&one));
    let v = crate::util::run(&["store", "verify", "--store", &merged]);
    assert!(v.stdout.contains("0 problems, 0 orphaned files"), "{}{}", v.stdout, v.stderr);

    // Merging again adds nothing and keeps the snapshots the store has, saying so.
    let again = crate::util::run(&["store", "merge", "--store", &merged, &a]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stderr.contains(" 0 stored"), "{}", again.stderr);
    assert!(again.stderr.contains("kept the store's own credentials"), "{}", again.stderr);
    assert_eq!(rows(&merged), rows(&one));
    // A store is not merged into itself, and a folder that is no store is named.
    let itself = crate::util::run(&["store", "merge", "--store", &merged, &merged]);
    assert_eq!(itself.code, 2, "{}", itself.stderr);
    assert!(itself.stderr.contains("cannot be merged into itself"), "{}", itself.stderr);
    let none = crate::util::run(&["store", "merge", "--store", &merged, &d.join("nowhere").display().to_string()]);
    assert_eq!(none.code, 2, "{}", none.stderr);
    assert!(none.stderr.contains("not a store"), "{}", none.stderr);
    // ... and a refused merge makes no store.
    let fresh = d.join("fresh");
    let refused = crate::util::run(&[
        "store",
        "merge",
        "--store",
        &fresh.display().to_string(),
        &d.join("nowhere").display().to_string(),
    ]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(!fresh.exists(), "a refused merge made {}", fresh.display());
}

#[test]
fn an_ingest_that_leaves_a_partition_with_many_files_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store").display().to_string();
    let t = OCT_1 + 3_600_000_000;
    for k in 0..signin_insights::ingest::CROWDED {
        let f = write(dir.path(), &format!("{k}.jsonl"), &[sign_in(&format!("s{k}"), t + k as i64, "interactiveUser")]);
        let r = crate::util::run(&["ingest", "--quiet", "--store", &store, &f.display().to_string()]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let said = r.stderr.contains("store compact");
        assert_eq!(said, k + 1 >= signin_insights::ingest::CROWDED, "after {} ingests: {}", k + 1, r.stderr);
        if said {
            assert!(r.stderr.contains("signins interactiveUser 2026-10-01"), "{}", r.stderr);
        }
    }
    let r = crate::util::run(&["store", "compact", "--quiet", "--store", &store]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let f = write(dir.path(), "last.jsonl", &[sign_in("last", t + 99, "interactiveUser")]);
    let r = crate::util::run(&["ingest", "--quiet", "--store", &store, &f.display().to_string()]);
    assert!(!r.stderr.contains("store compact"), "after compaction: {}", r.stderr);
}

#[test]
fn a_store_built_through_a_pipe_holds_what_generate_and_ingest_of_the_files_store() {
    // benches/scale.sh builds its large stores with `generate --out - | ingest -`: the same
    // sign-ins, so the same reports, as the files generate writes, ingested.
    let dir = tempfile::tempdir().unwrap();
    let args = ["--records", "3000", "--per-file", "1000", "--format", "jsonl", "--seed", "4"];
    let files = dir.path().join("files");
    let mut gen_files = vec!["generate", "--quiet", "--out"];
    let files_s = files.display().to_string();
    gen_files.push(&files_s);
    gen_files.extend(args);
    assert_eq!(crate::util::run(&gen_files).code, 0);
    let from_files = dir.path().join("from-files").display().to_string();
    ingest_cli(&from_files, &[&files]);

    let piped = dir.path().join("piped").display().to_string();
    let mut generate = crate::util::bin()
        .args(["generate", "--quiet", "--out", "-"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let ingest = crate::util::bin()
        .args(["ingest", "--store", &piped, "-"])
        .stdin(generate.stdout.take().unwrap())
        .output()
        .unwrap();
    assert!(generate.wait().unwrap().success());
    let said = String::from_utf8_lossy(&ingest.stderr);
    assert_eq!(ingest.status.code(), Some(0), "{said}");
    // 3000 sign-ins and the 2% of each of the first two files written again in the next.
    assert!(said.contains("3040 records read, 3000 stored, 40 duplicates skipped"), "{said}");
    assert_eq!(all_reports(&piped), all_reports(&from_files));
    // Shapes that are not lines are refused with a usage error.
    let r = crate::util::run(&["generate", "--records", "10", "--format", "graph", "--out", "-"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("JSON lines only"), "{}", r.stderr);
}

#[test]
fn a_killed_merge_leaves_the_target_as_it_was_or_merged() {
    let dir = tempfile::tempdir().unwrap();
    let source = many_files(dir.path());
    let target = dir.path().join("target").display().to_string();
    ingest_cli(&target, &[&crate::util::testdata("sample/graph-pages")]);
    let before = all_reports(&target);
    // What a finished merge gives, on a copy made the same way.
    let done = dir.path().join("done").display().to_string();
    ingest_cli(&done, &[&crate::util::testdata("sample/graph-pages")]);
    assert_eq!(crate::util::run(&["store", "merge", "--quiet", "--store", &done, &source]).code, 0);
    let after = all_reports(&done);
    assert_ne!(before, after, "the merge changes nothing: the test proves nothing");
    kill_at_moments(&target, &["store", "merge", "--quiet", "--store", &target, &source], |delay_ms| {
        let now = all_reports(&target);
        assert!(
            now == before || now == after,
            "after a kill at {delay_ms} ms the reports are neither before nor after"
        );
    });
}

/// The latest-of-each reports read the sign-in id in a second pass, only at the times a first
/// pass without it found (`scan::latest`): ties of time across files and ingests are still
/// broken by the greater id, for the attempt, the success and the name alike.
#[test]
fn the_latest_of_each_app_is_exact_on_ties_of_time_across_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store").to_string_lossy().to_string();
    let t = OCT_1 + 10 * 3_600_000_000;
    let rec = |id: &str, us: i64, name: &str, code: i32| {
        format!(
            r#"{{"id":"{id}","createdDateTime":"{}","appId":"a","appDisplayName":"{name}","resourceId":"r","resourceDisplayName":"R","status":{{"errorCode":{code}}},"signInEventTypes":["interactiveUser"]}}"#,
            at(us)
        )
    };
    // Three ingests, so three files; at `t`: s-2 (a success), s-5 (a failure, the greatest id
    // and the name "A new"), s-1 (a success). An hour earlier, s-9 (a greater id, but earlier).
    let inputs = [
        write(dir.path(), "one.jsonl", &[rec("s-2", t, "A", 0), rec("s-9", t - 3_600_000_000, "A old", 0)]),
        write(dir.path(), "two.jsonl", &[rec("s-5", t, "A new", 50126)]),
        write(dir.path(), "three.jsonl", &[rec("s-1", t, "A", 0)]),
    ];
    for input in &inputs {
        ingest_cli(&store, &[input.as_path()]);
    }
    let json = |report: &str| -> serde_json::Value {
        let r = crate::util::run(&["report", report, "--store", &store, "--format", "json", "--quiet"]);
        assert_eq!(r.code, 0, "{report}: {}", r.stderr);
        serde_json::from_str(&r.stdout).unwrap()
    };
    let last = json("app-last-signin");
    let a = &last["value"][0]["signInActivity"];
    assert_eq!(a["lastSignInRequestId"], "s-5", "{last}");
    assert_eq!(a["lastSuccessfulSignInRequestId"], "s-2", "{last}");
    assert_eq!(last["value"][0]["appDisplayName"], "A new", "{last}");
    let sp = json("service-principals");
    let app = sp["value"].as_array().unwrap().iter().find(|r| r["appId"] == "a").unwrap();
    assert_eq!(app["delegatedClientSignInActivity"]["lastSignInRequestId"], "s-5", "{sp}");
    assert_eq!(app["delegatedClientSignInActivity"]["lastSuccessfulSignInRequestId"], "s-2", "{sp}");
    let resource = sp["value"].as_array().unwrap().iter().find(|r| r["appId"] == "r").unwrap();
    assert_eq!(resource["delegatedResourceSignInActivity"]["lastSignInRequestId"], "s-5", "{sp}");
    // The name beside the id is the latest sign-in's (s-5's), in the table and CSV.
    let r = crate::util::run(&["report", "service-principals", "--store", &store, "--format", "csv", "--quiet"]);
    assert!(r.stdout.lines().any(|l| l.starts_with("A new,a,")), "{}", r.stdout);
}

/// One ingest whose ids outgrow the memory it may hold for them: past the limit they go to disk
/// by hour, and every duplicate is still found, in time order or shuffled, whatever the threads.
#[test]
fn an_ingest_larger_than_its_id_memory_finds_every_duplicate() {
    use signin_insights::generate::{GenOptions, Shape, generate};
    use signin_insights::ingest::{self, IngestOptions};
    let dir = tempfile::tempdir().unwrap();
    // 6,000 sign-ins over 2 days in files of 1,000 that repeat 10% of each other.
    let opts = GenOptions {
        records: 6_000,
        days: 2,
        seed: 23,
        shape: Shape::Jsonl,
        per_file: 1_000,
        overlap_percent: 10,
        ..GenOptions::default()
    };
    let generated = generate(&opts, &dir.path().join("in")).unwrap();
    // The same lines shuffled (a fixed permutation) into one file, each line twice.
    let mut lines: Vec<String> = generated
        .files
        .iter()
        .flat_map(|f| std::fs::read_to_string(f).unwrap().lines().map(str::to_string).collect::<Vec<_>>())
        .collect();
    let n = lines.len();
    let mut x: u64 = 7;
    for i in (1..n).rev() {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        lines.swap(i, (x >> 33) as usize % (i + 1));
    }
    let twice: Vec<String> = lines.iter().chain(lines.iter().rev()).cloned().collect();
    let shuffled = write(dir.path(), "shuffled.jsonl", &twice);
    let distinct: std::collections::HashSet<String> = lines
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].as_str().unwrap().to_string())
        .collect();

    let run = |name: &str, input: &Path, limit: usize, threads: usize| {
        let store = Store::open(dir.path().join(name));
        let inputs = ingest::expand(&[input.to_path_buf()], None).unwrap();
        let o = IngestOptions { threads, ids_in_memory: limit, ..IngestOptions::default() };
        let s = ingest::ingest(&store, &inputs, &o, &ingest::Silent).unwrap();
        (s, all_reports(dir.path().join(name).to_str().unwrap()))
    };
    let (plenty, reports) = run("plenty", &dir.path().join("in"), 1 << 20, 2);
    assert_eq!(plenty.stored as usize, distinct.len());
    assert_eq!(plenty.duplicates as usize, n - distinct.len());
    assert!(plenty.duplicates > 400, "the exports overlap: {}", plenty.duplicates);
    assert_eq!(plenty.run_ids_written, 0);
    for (name, input, threads) in [
        ("ordered", dir.path().join("in"), 2),
        ("shuffled", shuffled, 1),
        ("shuffled2", dir.path().join("shuffled.jsonl"), 2),
    ] {
        let (s, r) = run(name, &input, 100, threads);
        assert_eq!(s.stored as usize, distinct.len(), "{name}");
        assert_eq!(s.duplicates as usize, s.records_read as usize - distinct.len(), "{name}");
        assert!(s.run_ids_written > 5_000, "{name}: ids went to disk ({})", s.run_ids_written);
        assert_eq!(r, reports, "{name}: every report as with the ids in memory");
    }
    // Everything again, shuffled, into a store that holds it: with 400 stored ids in memory the
    // files looked in longest ago are dropped and read again, and every record is a duplicate.
    let store = Store::open(dir.path().join("ordered"));
    let inputs = ingest::expand(&[dir.path().join("shuffled.jsonl")], None).unwrap();
    let o = IngestOptions { threads: 2, ids_in_memory: 100, ..IngestOptions::default() };
    let again = ingest::ingest(&store, &inputs, &o, &ingest::Silent).unwrap();
    assert_eq!((again.stored, again.duplicates), (0, 2 * n as u64));
    // (Without dropping, each file is read once or twice: 11,803 ids.)
    assert!(again.stored_ids_read > 10 * distinct.len() as u64, "files read again: {}", again.stored_ids_read);
    assert_eq!(all_reports(dir.path().join("ordered").to_str().unwrap()), reports);
}
