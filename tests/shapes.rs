//! Every Graph container shape and text encoding counts every record: BOM arrays (which
//! DuckDB reads as one row), UTF-16 LE/BE from PowerShell, back-to-back arrays, single objects,
//! pages with `@odata` keys before and after `value`, JSON lines, gzip.

use std::io::Write;
use std::path::Path;

use signin_insights::store::Store;

use crate::util::ingest_with;

fn rec(i: u32) -> String {
    format!(
        r#"{{"id":"r{i}","createdDateTime":"2024-05-0{}T10:00:00Z","appId":"app{}","appDisplayName":"App {}","status":{{"errorCode":{}}},"signInEventTypes":["interactiveUser"]}}"#,
        1 + i % 3,
        i % 2,
        i % 2,
        if i.is_multiple_of(4) { 50126 } else { 0 }
    )
}

fn count(text: &[u8]) -> (u64, u64, u64) {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("export.json");
    std::fs::write(&f, text).unwrap();
    let store = Store::open(dir.path().join("store"));
    let s = ingest_with(&store, &[f], 2);
    (s.records_read, s.stored, s.quarantined + s.file_problems)
}

fn utf16(text: &str, le: bool) -> Vec<u8> {
    let mut out = if le { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
    for u in text.encode_utf16() {
        out.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
    }
    out
}

#[test]
fn every_container_counts_every_record() {
    let recs: Vec<String> = (0..10).map(rec).collect();
    let array = format!("[{}]", recs.join(","));
    let pretty = format!("[\r\n    {}\r\n]", recs.join(",\r\n    "));
    let page = |rs: &[String]| {
        format!(r#"{{"@odata.context":"x","@odata.nextLink":"y","value":[{}],"@odata.count":5}}"#, rs.join(","))
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("array", array.clone().into_bytes()),
        ("BOM array", [&b"\xEF\xBB\xBF"[..], array.as_bytes()].concat()),
        ("pretty CRLF array", pretty.clone().into_bytes()),
        ("back-to-back arrays", format!("[{}]\n[{}]\n", recs[..4].join(","), recs[4..].join(",")).into_bytes()),
        ("two pages", format!("{}\n{}", page(&recs[..5]), page(&recs[5..])).into_bytes()),
        ("JSON lines", recs.join("\n").into_bytes()),
        ("JSON lines CRLF no final newline", recs.join("\r\n").into_bytes()),
        ("UTF-16 LE array", utf16(&pretty, true)),
        ("UTF-16 BE page", utf16(&page(&recs), false)),
    ];
    for (name, bytes) in cases {
        assert_eq!(count(&bytes), (10, 10, 0), "{name}");
    }
    assert_eq!(count(rec(1).as_bytes()), (1, 1, 0), "single object");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(recs.join("\n").as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    assert_eq!(count(&[gz.clone(), gz].concat()), (20, 10, 0), "two gzip members, the records joined as `}}{{`");
}

#[test]
fn unicode_survives_utf16_and_escapes() {
    let text = r#"[{"id":"u1","createdDateTime":"2024-05-01T10:00:00Z","appId":"a","appDisplayName":"経費 \ud83d\ude80 Müller","status":{"errorCode":0}}]"#;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("u.json");
    std::fs::write(&f, utf16(text, true)).unwrap();
    let store = Store::open(dir.path().join("store"));
    assert_eq!(ingest_with(&store, &[f], 1).stored, 1);
    let rows = crate::golden::report_json(&store, "apps", None);
    assert!(rows.contains("経費 🚀 Müller"), "{rows}");
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn a_truncated_gzip_keeps_every_whole_record_before_the_cut() {
    let recs: Vec<String> = (0..4000).map(rec).collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(recs.join("\n").as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let cut = &gz[..gz.len() * 2 / 3];
    // What a reader can still inflate from the cut file: the whole records in it.
    let mut inflated = Vec::new();
    let _ = std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(cut), &mut inflated);
    let whole = inflated.split(|&b| b == b'\n').filter(|l| l.ends_with(b"}")).count() as u64;
    assert!(whole > 1000);
    let (read, stored, problems) = count(cut);
    assert_eq!(stored, whole);
    // Every whole record is read, the cut one is quarantined, and the read error is a file problem.
    assert_eq!(read, whole + 1);
    assert_eq!(problems, 2);
}

/// Every stored column of every sign-in of `store`, by id (the source file, line and original
/// text aside, which differ between shapes by design).
fn stored_rows(store: &Store) -> std::collections::BTreeMap<String, Vec<String>> {
    use arrow_array::Array;
    use signin_insights::store::{SIGNINS, reader, schema};
    let manifest = store.manifest().unwrap();
    let skip = [schema::SOURCE_FILE, schema::SOURCE_LINE, schema::RAW];
    let columns: Vec<String> = schema::signins_schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .filter(|n| !skip.contains(&n.as_str()))
        .collect();
    let names: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut out = std::collections::BTreeMap::new();
    for rg in reader::row_groups(store, SIGNINS, manifest.files(SIGNINS)).unwrap() {
        for b in rg.read(&names).unwrap() {
            for i in 0..b.num_rows() {
                let cells: Vec<String> = (0..b.num_columns())
                    .map(|c| {
                        let col = b.column(c);
                        if col.is_null(i) {
                            return "∅".to_string();
                        }
                        arrow_cast_display(col.as_ref(), i)
                    })
                    .collect();
                let id_col = b.schema().index_of(schema::ID).unwrap();
                out.insert(format!("{}|{}", rg.entry.event_type, cells[id_col]), cells);
            }
        }
    }
    out
}

/// One cell as text (dictionary values resolved).
fn arrow_cast_display(col: &dyn arrow_array::Array, i: usize) -> String {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Int32Type, Int64Type, TimestampMicrosecondType};
    use arrow_schema::DataType;
    match col.data_type() {
        DataType::Dictionary(_, _) => {
            let d = col.as_dictionary::<Int32Type>();
            let k = d.keys().value(i) as usize;
            d.values().as_string::<i32>().value(k).to_string()
        }
        DataType::Utf8 => col.as_string::<i32>().value(i).to_string(),
        DataType::Int32 => col.as_primitive::<Int32Type>().value(i).to_string(),
        DataType::Int64 => col.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::Timestamp(_, _) => col.as_primitive::<TimestampMicrosecondType>().value(i).to_string(),
        DataType::Boolean => col.as_boolean().value(i).to_string(),
        other => panic!("a column of type {other}"),
    }
}

#[test]
fn every_shape_stores_the_same_dimensions_of_the_same_sign_ins() {
    use signin_insights::generate::{GenOptions, Shape, generate};
    let dir = tempfile::tempdir().unwrap();
    let shapes = [Shape::Graph, Shape::Array, Shape::Jsonl, Shape::LogAnalytics, Shape::Diagnostic, Shape::Csv];
    let mut stored = Vec::new();
    for shape in shapes {
        let input = dir.path().join(format!("{shape:?}"));
        generate(&GenOptions { records: 600, seed: 11, shape, per_file: 250, ..GenOptions::default() }, &input)
            .unwrap();
        let store = Store::open(dir.path().join(format!("store-{shape:?}")));
        let s = ingest_with(&store, &[input], 2);
        assert_eq!(s.quarantined + s.file_problems, 0, "{shape:?}: {:?}", s.diagnostics);
        stored.push(stored_rows(&store));
    }
    let graph = &stored[0];
    assert_eq!(graph.len(), 600);
    // The dimensions are there, not all null.
    let schema = signin_insights::store::schema::signins_schema();
    let names: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .filter(|n| !["source_file", "source_line", "raw"].contains(&n.as_str()))
        .collect();
    for (c, name) in names.iter().enumerate() {
        let filled = graph.values().filter(|row| row[c] != "∅").count();
        let optional = ["credential_key_id", "service_principal_id", "service_principal_name", "additional_details"];
        assert!(filled > 0 || optional.contains(&name.as_str()), "column {name} is never filled");
    }
    // The dimensions of the workbooks (format 3); the other columns are compared through the
    // reports by `sample_reports_are_identical_across_shapes_of_the_same_data`.
    let dims = [
        "client_app_used",
        "conditional_access_status",
        "authentication_requirement",
        "ip_address",
        "auth_methods",
        "auth_steps",
        "authentication_protocol",
        "incoming_token_type",
        "risk_level",
        "risk_state",
        "user_type",
        "home_tenant_id",
        "resource_tenant_id",
        "cross_tenant_access_type",
        "user_agent",
        "client_credential_type",
        "country",
        "state",
        "city",
        "operating_system",
        "browser",
        "trust_type",
        "is_compliant",
        "is_managed",
        "ca_policies",
    ];
    for (shape, rows) in shapes.iter().zip(&stored).skip(1) {
        for (id, want) in graph {
            let got = rows.get(id).unwrap_or_else(|| panic!("{shape:?} lacks {id}"));
            for (c, name) in names.iter().enumerate().filter(|(_, n)| dims.contains(&n.as_str())) {
                assert_eq!(got[c], want[c], "{shape:?}: {id}: column {name}");
            }
        }
        assert_eq!(rows.len(), graph.len(), "{shape:?}");
    }
}

/// A real public export (msticpy's Log Analytics `SigninLogs` rows, JSON lines with the nested
/// columns as objects) stores the same workbook dimensions whatever container it comes in, and
/// they are the values of its own columns: a breakdown over six dimensions equals a count made
/// here from the rows' `ClientAppUsed`, `LocationDetails`, `DeviceDetail`,
/// `ConditionalAccessStatus` and `RiskLevelDuringSignIn`, and `ca-policies` sees every policy of
/// `ConditionalAccessPolicies` with its sign-ins.
#[test]
fn a_public_export_gives_the_same_dimensions_in_every_container() {
    use std::collections::BTreeMap;

    use serde_json::{Value, json};

    use crate::util::{run, testdata};
    let text = std::fs::read_to_string(testdata("public/msticpy/aad_logons.pkl.jsonl")).unwrap();
    let rows: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 86);
    let dir = tempfile::tempdir().unwrap();
    let containers = [
        ("lines", text.clone()),
        ("array", serde_json::to_string_pretty(&rows).unwrap()),
        ("page", json!({"@odata.context": "x", "value": rows}).to_string()),
    ];
    let by = "client-app,city,os,browser,ca-status,risk";
    let mut answers = Vec::new();
    for (name, body) in &containers {
        let input = write(dir.path(), &format!("{name}.json"), body.as_bytes());
        let store = dir.path().join(format!("store-{name}")).to_string_lossy().to_string();
        let r = run(&["ingest", "--quiet", "--store", &store, &input.to_string_lossy()]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let report = |args: &[&str]| {
            let mut a = vec!["report"];
            a.extend(args);
            a.extend(["--store", &store, "--period", "D3650", "--format", "json", "--quiet"]);
            a.extend(["--event-types", "interactiveUser,nonInteractiveUser"]);
            let r = run(&a);
            assert_eq!(r.code, 0, "{name}: {}", r.stderr);
            serde_json::from_str::<Value>(&r.stdout).unwrap()["value"].clone()
        };
        answers.push((report(&["breakdown", "--by", by]), report(&["ca-policies"])));
    }
    for (name, a) in containers.iter().map(|c| c.0).zip(&answers).skip(1) {
        assert_eq!(a, &answers[0], "{name} differs from lines");
    }

    // The count made here, from the rows' own columns.
    let obj = |v: &Value| match v {
        Value::String(s) => serde_json::from_str::<Value>(s).unwrap_or(Value::Null),
        other => other.clone(),
    };
    let text_of = |v: &Value| v.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let mut want: BTreeMap<Vec<Option<String>>, u64> = BTreeMap::new();
    let mut policies: BTreeMap<String, u64> = BTreeMap::new();
    // The export holds some sign-ins twice (the same `Id`): the store keeps each once.
    let mut seen = std::collections::HashSet::new();
    for r in rows.iter().filter(|r| seen.insert(r["Id"].as_str().unwrap().to_string())) {
        let (loc, dev) = (obj(&r["LocationDetails"]), obj(&r["DeviceDetail"]));
        let key = vec![
            Some(text_of(&r["ClientAppUsed"]).unwrap_or_else(|| "Unknown".into())),
            text_of(&loc["countryOrRegion"]),
            text_of(&loc["state"]),
            text_of(&loc["city"]),
            text_of(&dev["operatingSystem"]),
            text_of(&dev["browser"]),
            text_of(&r["ConditionalAccessStatus"]),
            text_of(&r["RiskLevelDuringSignIn"]),
        ];
        *want.entry(key).or_default() += 1;
        // Every row of the `SigninLogs` table is an interactive sign-in (whatever its older
        // `IsInteractive` column says), and ca-policies reads those.
        for p in obj(&r["ConditionalAccessPolicies"]).as_array().into_iter().flatten() {
            *policies.entry(p["id"].as_str().unwrap().to_lowercase()).or_default() += 1;
        }
    }
    let fields = [
        "clientAppUsed",
        "countryOrRegion",
        "state",
        "city",
        "operatingSystem",
        "browser",
        "conditionalAccessStatus",
        "riskLevelDuringSignIn",
    ];
    let got: BTreeMap<Vec<Option<String>>, u64> = answers[0]
        .0
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let key = fields.iter().map(|f| g[*f].as_str().map(str::to_string)).collect();
            (key, g["signInCount"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(got, want);
    assert!(want.len() > 3, "the export has several distinct combinations");
    let got: BTreeMap<String, u64> = answers[0]
        .1
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["policyId"].as_str().unwrap().to_string(), p["signIns"]["total"].as_u64().unwrap()))
        .collect();
    assert!(!got.is_empty());
    assert_eq!(got, policies);
}
