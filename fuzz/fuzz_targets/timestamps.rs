//! Timestamp parsing: never panics, and whatever parses formats to a form that parses back to
//! the same instant.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signin_insights::time::{format_timestamp, parse_timestamp};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Some(us) = parse_timestamp(s) {
        let shown = format_timestamp(us);
        assert_eq!(parse_timestamp(&shown), Some(us), "{s:?} -> {shown}");
    }
});
