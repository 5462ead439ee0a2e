//! Helpers shared by the tests: running the binary, ingesting into temporary stores.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use signin_insights::ingest::{self, IngestOptions, IngestSummary};
use signin_insights::store::Store;

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_signin-insights"));
    c.env_remove("SIGNIN_INSIGHTS_STORE");
    c
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(args: &[&str]) -> Run {
    let Output { status, stdout, stderr } = bin().args(args).output().expect("binary runs");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

pub fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join(rel)
}

/// Ingests `paths` into `store` with the library, no progress bar.
pub fn ingest_with(store: &Store, paths: &[PathBuf], threads: usize) -> IngestSummary {
    let inputs = ingest::expand(paths, None).expect("inputs exist");
    let opts = IngestOptions { threads, ..IngestOptions::default() };
    ingest::ingest(store, &inputs, &opts, &ingest::Silent).expect("ingest runs")
}

/// The named part of an .xlsx (a zip of XML files) as text.
pub fn xlsx_part(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an xlsx is a zip");
    let mut text = String::new();
    zip.by_name(name).expect("part present").read_to_string(&mut text).unwrap();
    text
}

pub fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool")
}

/// The cells of worksheet `n` (1-based) of a workbook as text, by row and column from A1:
/// shared strings resolved, numbers as written, missing cells empty.
pub fn xlsx_cells(bytes: &[u8], n: usize) -> Vec<Vec<String>> {
    let unescape = |s: &str| {
        s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
    };
    let strings: Vec<String> = xlsx_part(bytes, "xl/sharedStrings.xml")
        .split("<si>")
        .skip(1)
        .map(|si| {
            si.split("<t")
                .skip(1)
                .filter_map(|t| {
                    let body = &t[t.find('>')? + 1..];
                    Some(unescape(&body[..body.find("</t>")?]))
                })
                .collect()
        })
        .collect();
    let sheet = xlsx_part(bytes, &format!("xl/worksheets/sheet{n}.xml"));
    let mut grid: Vec<Vec<String>> = Vec::new();
    for c in sheet.split("<c ").skip(1) {
        let head = &c[..c.find('>').expect("cell tag")];
        let attr = |name: &str| head.split(&format!(" {name}=\"")).nth(1).map(|v| &v[..v.find('"').unwrap()]);
        let at = head.split("r=\"").nth(1).map(|v| &v[..v.find('"').unwrap()]).expect("cell reference");
        let letters: String = at.chars().take_while(char::is_ascii_uppercase).collect();
        let col = letters.bytes().fold(0usize, |n, b| n * 26 + (b - b'A' + 1) as usize) - 1;
        let row: usize = at[letters.len()..].parse::<usize>().expect("row number") - 1;
        let value = if head.ends_with('/') {
            String::new()
        } else {
            c.split("<v>").nth(1).map(|v| v[..v.find("</v>").unwrap()].to_string()).unwrap_or_default()
        };
        let text =
            if attr("t") == Some("s") { strings[value.parse::<usize>().expect("string index")].clone() } else { value };
        if grid.len() <= row {
            grid.resize(row + 1, Vec::new());
        }
        if grid[row].len() <= col {
            grid[row].resize(col + 1, String::new());
        }
        grid[row][col] = text;
    }
    grid
}
