//! The AD FS claim rule parser on any text: never panics, every rule it returns (parsed or not)
//! carries a position inside the text, and every parsed rule classifies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signin_insights::normalize::claim_rules::parse;
use signin_insights::report::claim_policy::classify;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lines = text.matches('\n').count() + 1;
    for p in parse(text) {
        assert!(p.line >= 1 && p.line <= lines && p.column >= 1, "{p:?}");
        if let Ok(rule) = &p.rule {
            let c = classify(rule);
            assert!(c.pattern.is_some() != !c.codes.is_empty(), "{c:?}");
        }
    }
});
