//! Any bytes through what an ingest does to a file: decode (gzip, BOM, UTF-16), sniff CSV or
//! JSON, split into records, and read each record as every kind. Nothing may panic, hang, or
//! allocate without bound (the inflate cap and record limit are small here).
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use signin_insights::ingest::{decode, delimited, split, tables};
use signin_insights::normalize::{inventory, read_record};

fn records(text: &str) {
    if tables::is_response(text) {
        if let Ok(rows) = tables::rows(text) {
            for r in rows.into_iter().filter_map(|r| r.text.ok()) {
                let _ = read_record(&r, None, None);
            }
        }
        return;
    }
    let _ = read_record(text, None, None);
    let _ = read_record(text, None, Some("https://graph.microsoft.com/v1.0/$metadata#servicePrincipals"));
    let _ = inventory::parse_object(text, None);
}

fuzz_target!(|data: &[u8]| {
    let Ok(mut stream) = decode::decode(Box::new(std::io::Cursor::new(data.to_vec())), 1 << 20, Default::default()) else { return };
    let mut all = Vec::new();
    if stream.by_ref().take(4 << 20).read_to_end(&mut all).is_err() {
        return;
    }
    if delimited::looks_like_csv(&all) {
        let _ = delimited::blocks(&all[..], "InteractiveSignIns_fuzz.csv", 1 << 16, |b| {
            for s in &b.spans {
                if let Ok(t) = std::str::from_utf8(&b.bytes[s.start..s.end]) {
                    records(t);
                }
            }
            true
        });
        return;
    }
    // Again with a tiny record limit, so that over-long records and lines are skipped: the
    // records found still lie in their block and in stream order.
    let mut tiny = split::Splitter::new(&all[..], 32);
    let mut last = 0u64;
    while let Ok(Some(block)) = tiny.next_block() {
        for s in &block.spans {
            assert!(s.start <= s.end && s.end <= block.bytes.len());
            assert!(s.offset >= last && s.line >= 1);
            last = s.offset;
        }
    }
    let mut sp = split::Splitter::new(&all[..], 1 << 20);
    while let Ok(Some(block)) = sp.next_block() {
        for (i, s) in block.spans.iter().enumerate() {
            assert!(s.start <= s.end && s.end <= block.bytes.len());
            let _ = block.context_of(i);
            if let Ok(t) = std::str::from_utf8(&block.bytes[s.start..s.end]) {
                records(t);
            }
        }
    }
});
