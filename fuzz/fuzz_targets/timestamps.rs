//! Timestamp parsing: never panics, and whatever parses formats to a form that parses back to
//! the same instant.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signin_insights::domain::Zone;
use signin_insights::domain::time::{format_timestamp_utc, parse_timestamp};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Some(us) = parse_timestamp(s) {
        let shown = format_timestamp_utc(us);
        assert_eq!(parse_timestamp(&shown), Some(us), "{s:?} -> {shown}");
        // Shown in a zone with its offset, it is the same instant (from 1970 on: earlier local
        // mean times have offsets in seconds, which Graph's form cannot write).
        if (0..253_402_000_000_000_000).contains(&us) {
            let local = Zone::parse("Asia/Kathmandu").expect("a zone").format(us);
            assert_eq!(parse_timestamp(&local), Some(us), "{s:?} -> {local}");
        }
    }
});
