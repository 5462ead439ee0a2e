//! Criterion benchmarks, one group per pipeline stage, each with its throughput:
//! split (bytes -> record spans), normalize (record -> typed sign-in), write (typed rows ->
//! Parquet), and scan (the app reports over a store); and `limits`, what no ingest of the same
//! text can beat on one core: reading it from the page cache, checking the text is JSON without
//! keeping anything, the fastest parse of the 14 report columns DuckDB is given in
//! `benches/compare.sh`, and zstd at the store's level on the record text alone. Inputs come from
//! the seeded generator.
//! Run: `cargo bench` (or `cargo bench -- scan` for one group).

use std::borrow::Cow;
use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use signin_insights::domain::Zone;
use signin_insights::generate::{GenOptions, Shape, generate};
use signin_insights::ingest::{self, IngestOptions, split::Splitter};
use signin_insights::normalize::normalize;
use signin_insights::report::{Request, app_errors, apps, latest_event};
use signin_insights::scan::{Period, Window};
use signin_insights::store::Store;
use signin_insights::store::writer::{PartitionWriters, WriteOptions};

struct Corpus {
    _dir: tempfile::TempDir,
    graph: Vec<u8>,
    lines: Vec<u8>,
    lines_file: PathBuf,
    records: Vec<Vec<u8>>,
    store: PathBuf,
}

fn corpus(records: u64) -> Corpus {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |shape, name: &str| {
        let out = dir.path().join(name);
        let opts = GenOptions { records, shape, per_file: records, overlap_percent: 0, ..GenOptions::default() };
        generate(&opts, &out).expect("generate").files.swap_remove(0)
    };
    let graph = std::fs::read(write(Shape::Graph, "graph")).expect("read");
    let lines_file = write(Shape::Jsonl, "lines");
    let lines = std::fs::read(&lines_file).expect("read");
    let records = lines.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect();
    let store = dir.path().join("store");
    let inputs = ingest::expand(&[dir.path().join("lines")], None).expect("inputs");
    ingest::ingest(&Store::open(&store), &inputs, &IngestOptions::default(), &ingest::Silent).expect("ingest");
    Corpus { _dir: dir, graph, lines, lines_file, records, store }
}

fn count_spans(text: &[u8]) -> usize {
    let mut s = Splitter::new(text, 64 << 20);
    let mut n = 0;
    while let Some(b) = s.next_block().expect("in memory") {
        n += b.spans.len();
    }
    n
}

fn stages(c: &mut Criterion) {
    let corpus = corpus(20_000);

    let mut g = c.benchmark_group("split");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(corpus.graph.len() as u64));
    g.bench_function("graph pages", |b| b.iter(|| black_box(count_spans(&corpus.graph))));
    g.throughput(Throughput::Bytes(corpus.lines.len() as u64));
    g.bench_function("json lines", |b| b.iter(|| black_box(count_spans(&corpus.lines))));
    g.finish();

    let mut g = c.benchmark_group("normalize");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(corpus.records.iter().map(Vec::len).sum::<usize>() as u64));
    g.bench_function("graph signIn", |b| {
        b.iter(|| {
            corpus
                .records
                .iter()
                .map(|r| normalize(std::str::from_utf8(r).expect("utf-8"), None).expect("valid").created_us)
                .sum::<i64>()
        })
    });
    g.finish();

    let parsed: Vec<_> = corpus
        .records
        .iter()
        .map(|r| normalize(std::str::from_utf8(r).expect("utf-8"), None).expect("valid"))
        .collect();
    let texts: Vec<&str> = corpus.records.iter().map(|r| std::str::from_utf8(r).expect("utf-8")).collect();
    let mut g = c.benchmark_group("write");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(corpus.records.iter().map(Vec::len).sum::<usize>() as u64));
    for (name, keep_raw) in [("typed + raw", true), ("typed only", false)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let dir = tempfile::tempdir().expect("tempdir");
                let opts = WriteOptions { keep_raw, ..WriteOptions::default() };
                let mut w = PartitionWriters::new(dir.path(), "bench".into(), opts);
                for (s, t) in parsed.iter().zip(&texts) {
                    w.append(signin_insights::store::SIGNINS, s, t, "bench.jsonl", 1).expect("append");
                }
                black_box(w.finish().expect("finish").len())
            })
        });
    }
    g.finish();

    let store = Store::open(&corpus.store);
    let manifest = store.manifest().expect("manifest");
    let window = Window::resolve(&Period::Days(30), latest_event(&manifest), Zone::UTC);
    let req = Request::new(window);
    let mut g = c.benchmark_group("scan");
    g.sample_size(20);
    g.throughput(Throughput::Elements(corpus.records.len() as u64));
    g.bench_function("apps", |b| {
        b.iter(|| black_box(apps::compute(&store, &manifest, &req, apps::Sort::Total).expect("apps").len()))
    });
    g.bench_function("app-errors", |b| {
        b.iter(|| black_box(app_errors::compute(&store, &manifest, &req).expect("errors").len()))
    });
    g.finish();
}

/// The columns `benches/duckdb_side.py` gives DuckDB's `read_json`, as borrowed text.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // read to be parsed, not used
struct ReportColumns<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    created_date_time: Option<Cow<'a, str>>,
    #[serde(borrow)]
    app_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    app_display_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    resource_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    resource_display_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user_principal_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    ip_address: Option<Cow<'a, str>>,
    #[serde(borrow)]
    client_app_used: Option<Cow<'a, str>>,
    #[serde(borrow)]
    correlation_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    service_principal_credential_key_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    sign_in_event_types: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow)]
    status: Option<ReportStatus<'a>>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct ReportStatus<'a> {
    error_code: Option<i64>,
    #[serde(borrow)]
    failure_reason: Option<Cow<'a, str>>,
    #[serde(borrow)]
    additional_details: Option<Cow<'a, str>>,
}

/// What one core cannot beat on the same text (see the module comment).
fn limits(c: &mut Criterion) {
    let corpus = corpus(20_000);
    let texts: Vec<&str> = corpus.records.iter().map(|r| std::str::from_utf8(r).expect("utf-8")).collect();
    let mut g = c.benchmark_group("limits");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(corpus.lines.len() as u64));
    g.bench_function("read from the page cache", |b| {
        b.iter(|| black_box(std::fs::read(&corpus.lines_file).expect("read").len()))
    });
    g.bench_function("utf-8 check", |b| b.iter(|| black_box(simdutf8::basic::from_utf8(&corpus.lines).is_ok())));
    g.throughput(Throughput::Bytes(texts.iter().map(|t| t.len()).sum::<usize>() as u64));
    g.bench_function("check the record is JSON, nothing kept (serde_json)", |b| {
        b.iter(|| texts.iter().filter(|t| serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok()).count())
    });
    g.bench_function("parse the 14 report columns (serde_json)", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| serde_json::from_str::<ReportColumns<'_>>(t).expect("valid").id.map_or(0, |i| i.len()))
                .sum::<usize>()
        })
    });
    g.bench_function("zstd level 1 on the record text, 1 MiB at a time", |b| {
        b.iter(|| corpus.lines.chunks(1 << 20).map(|c| zstd::bulk::compress(c, 1).expect("zstd").len()).sum::<usize>())
    });
    g.finish();
}

criterion_group!(benches, stages, limits);
criterion_main!(benches);
