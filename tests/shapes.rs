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
