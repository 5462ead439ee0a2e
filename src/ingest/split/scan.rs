//! Byte scanners over a buffer of JSON text: whitespace, the end of a string (SWAR for short
//! strings, memchr for long ones), the end of a value (nesting bounded), a page's head (is this
//! object an envelope holding records, or a record?). They never parse values.

pub(super) enum Scan {
    Complete(usize),
    NeedMore,
    Invalid { at: usize, reason: &'static str },
}

pub(super) enum Head {
    /// Position after the record array's `[`, and where the `@odata.context` string is.
    Envelope(usize, Option<(usize, usize)>),
    Record(usize),
    NeedMore,
    Invalid {
        at: usize,
        reason: &'static str,
    },
}

pub(super) fn skip_ws(b: &[u8], mut i: usize, newlines: bool) -> usize {
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t' || b[i] == b'\r' || (newlines && b[i] == b'\n')) {
        i += 1;
    }
    i
}

pub(super) fn skip_inline_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

pub(super) fn trim_end(b: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && b[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    end
}

pub(super) fn next_is_newline(b: &[u8], mut i: usize) -> bool {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r') {
        i += 1;
    }
    i < b.len() && b[i] == b'\n'
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `x` equal to `b` (exact for the lowest such byte, which is
/// all the caller uses).
fn bytes_equal(x: u64, b: u8) -> u64 {
    let y = x ^ (ONES * u64::from(b));
    y.wrapping_sub(ONES) & !y & HIGHS
}

/// Position of the first `"`, `\\` or newline at or after `j`, eight bytes at a time for the
/// first 64 bytes (most strings in a sign-in are keys, ids and enum values, and end there),
/// then by memchr's SIMD search.
fn next_special(b: &[u8], mut j: usize) -> Option<usize> {
    let swar_end = (j + 64).min(b.len());
    while j + 8 <= swar_end {
        let x = u64::from_le_bytes(b[j..j + 8].try_into().expect("8 bytes"));
        let m = bytes_equal(x, b'"') | bytes_equal(x, b'\\') | bytes_equal(x, b'\n');
        if m != 0 {
            return Some(j + (m.trailing_zeros() / 8) as usize);
        }
        j += 8;
    }
    memchr::memchr3(b'"', b'\\', b'\n', b.get(j..).unwrap_or_default()).map(|n| j + n)
}

/// End of the string starting at `b[i] == '"'`, exclusive.
pub(super) fn scan_string(b: &[u8], i: usize) -> Scan {
    let mut j = i + 1;
    loop {
        let Some(k) = next_special(b, j) else { return Scan::NeedMore };
        match b[k] {
            b'"' => return Scan::Complete(k + 1),
            b'\\' => match b.get(k + 1) {
                None => return Scan::NeedMore,
                Some(b'\n') => return Scan::Invalid { at: k + 1, reason: "line break inside a string" },
                Some(_) => j = k + 2,
            },
            _ => return Scan::Invalid { at: k, reason: "line break inside a string" },
        }
    }
}

/// Maximum nesting the splitter follows; deeper input is rejected, not recursed into.
const MAX_DEPTH: usize = 1024;

/// End of the object or array starting at `b[i]`.
pub(super) fn scan_value(b: &[u8], i: usize) -> Scan {
    let mut stack: Vec<u8> = Vec::with_capacity(16);
    let mut j = i;
    while j < b.len() {
        match b[j] {
            b'"' => match scan_string(b, j) {
                Scan::Complete(e) => {
                    j = e;
                    continue;
                }
                other => return other,
            },
            b'{' => stack.push(b'}'),
            b'[' => stack.push(b']'),
            c @ (b'}' | b']') => {
                if stack.pop() != Some(c) {
                    return Scan::Invalid { at: j, reason: "mismatched bracket" };
                }
                if stack.is_empty() {
                    return Scan::Complete(j + 1);
                }
            }
            _ => {}
        }
        if stack.len() > MAX_DEPTH {
            return Scan::Invalid { at: j, reason: "nesting deeper than 1024 levels" };
        }
        j += 1;
    }
    Scan::NeedMore
}

/// End of any JSON value at `b[i]` (scalars end at `,` `]` `}` or whitespace).
pub(super) fn scan_any(b: &[u8], i: usize) -> Scan {
    match b[i] {
        b'{' | b'[' => scan_value(b, i),
        b'"' => scan_string(b, i),
        _ => match b[i..].iter().position(|c| matches!(c, b',' | b']' | b'}') || c.is_ascii_whitespace()) {
            Some(n) if n > 0 => Scan::Complete(i + n),
            Some(_) => Scan::Invalid { at: i, reason: "unexpected character" },
            None => Scan::NeedMore,
        },
    }
}

/// `"key": value` then an optional comma, from `b[i] == '"'`.
pub(super) fn scan_member(b: &[u8], i: usize) -> Scan {
    let key_end = match scan_string(b, i) {
        Scan::Complete(e) => e,
        other => return other,
    };
    let c = skip_ws(b, key_end, true);
    if c >= b.len() {
        return Scan::NeedMore;
    }
    if b[c] != b':' {
        return Scan::Invalid { at: c, reason: "expected ':' after a key" };
    }
    let v = skip_ws(b, c + 1, true);
    if v >= b.len() {
        return Scan::NeedMore;
    }
    let end = match scan_any(b, v) {
        Scan::Complete(e) => e,
        other => return other,
    };
    let n = skip_ws(b, end, true);
    if n >= b.len() {
        return Scan::NeedMore;
    }
    match b[n] {
        b',' => Scan::Complete(n + 1),
        b'}' => Scan::Complete(n),
        _ => Scan::Invalid { at: n, reason: "expected ',' or '}' after a value" },
    }
}

/// A top-level object: a page/batch envelope (returns the position after its record array's
/// `[`) or a record (returns its end).
pub(super) fn scan_head(b: &[u8], start: usize) -> Head {
    let mut i = start + 1;
    let mut context = None;
    loop {
        i = skip_ws(b, i, true);
        if i >= b.len() {
            return Head::NeedMore;
        }
        match b[i] {
            b'}' => return Head::Record(i + 1),
            b'"' => {}
            _ => return Head::Invalid { at: i, reason: "expected a key" },
        }
        let key_end = match scan_string(b, i) {
            Scan::Complete(e) => e,
            Scan::NeedMore => return Head::NeedMore,
            Scan::Invalid { at, reason } => return Head::Invalid { at, reason },
        };
        let key = &b[i + 1..key_end - 1];
        let c = skip_ws(b, key_end, true);
        if c >= b.len() {
            return Head::NeedMore;
        }
        if b[c] != b':' {
            return Head::Invalid { at: c, reason: "expected ':' after a key" };
        }
        let v = skip_ws(b, c + 1, true);
        if v >= b.len() {
            return Head::NeedMore;
        }
        if (key == b"value" || key == b"records") && b[v] == b'[' {
            return Head::Envelope(v + 1, context);
        }
        let end = match scan_any(b, v) {
            Scan::Complete(e) => e,
            Scan::NeedMore => return Head::NeedMore,
            Scan::Invalid { at, reason } => return Head::Invalid { at, reason },
        };
        if key == b"@odata.context" && b[v] == b'"' {
            context = Some((v, end));
        }
        i = skip_ws(b, end, true);
        if i >= b.len() {
            return Head::NeedMore;
        }
        match b[i] {
            b',' => i += 1,
            b'}' => return Head::Record(i + 1),
            _ => return Head::Invalid { at: i, reason: "expected ',' or '}' after a value" },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_ends_are_found_at_every_length_and_offset() {
        for len in 0..150 {
            for esc in [None, Some(0), Some(7), Some(63)] {
                let mut body = "é".repeat(len / 2) + &"a".repeat(len % 2);
                if let Some(e) = esc.filter(|&e| e <= body.len() && body.is_char_boundary(e)) {
                    body.insert_str(e, "\\\"");
                }
                let text = format!("x\"{body}\"tail");
                match scan_string(text.as_bytes(), 1) {
                    Scan::Complete(end) => assert_eq!(end, text.len() - 4, "{text:?}"),
                    _ => panic!("{text:?}"),
                }
                assert!(matches!(scan_string(format!("\"{body}").as_bytes(), 0), Scan::NeedMore));
                assert!(matches!(scan_string(format!("\"{body}\n\"").as_bytes(), 0), Scan::Invalid { .. }));
            }
        }
    }
}
