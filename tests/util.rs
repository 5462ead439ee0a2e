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
