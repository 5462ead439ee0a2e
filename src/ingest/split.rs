//! A UTF-8 JSON text stream -> record spans, without parsing the records.
//!
//! Accepts every Graph-style container, detected from content: `{"value":[...]}` pages (one or
//! several, `@odata.*` keys before or after `value`, and `{"records":[...]}` batches), top-level
//! arrays (compact, pretty, or several back to back), single objects, and JSON lines. It reads
//! fixed-size blocks, so memory does not grow with file size, and hands out whole blocks with the
//! spans of the records inside them, so that records are parsed in parallel elsewhere.
//!
//! Parsing never fails: structure it cannot follow becomes a [`Reject`] with line, byte offset
//! and reason, and the splitter resynchronises at the next line that starts a JSON value.

use std::io::{self, Read};
use std::sync::{Arc, Mutex};

/// Bytes read from the stream per block.
pub const BLOCK: usize = 2 << 20;

/// One record inside a [`Block`]'s bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    /// 1-based line of the record's first byte.
    pub line: u64,
    /// Byte offset of the record's first byte in the decoded stream.
    pub offset: u64,
}

/// Text the splitter could not turn into a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reject {
    pub line: u64,
    pub offset: u64,
    pub reason: String,
    pub text: Vec<u8>,
}

/// A block of the stream and the records found in it.
#[derive(Debug, Default)]
pub struct Block {
    pub bytes: Vec<u8>,
    pub spans: Vec<Span>,
    pub rejects: Vec<Reject>,
    /// `(first span, @odata.context)`: the page context that applies from that span on.
    pub contexts: Vec<(usize, Option<Arc<str>>)>,
}

impl Block {
    /// The `@odata.context` of the page span `i` came in, if it came in one that had it.
    pub fn context_of(&self, i: usize) -> Option<&str> {
        let at = self.contexts.partition_point(|(first, _)| *first <= i);
        at.checked_sub(1).and_then(|k| self.contexts[k].1.as_deref())
    }
}

/// Block buffers handed back by the consumers for reuse, so that a long ingest does not
/// allocate and free a multi-megabyte buffer per block (the system allocator keeps such blocks
/// around, which showed as hundreds of MB of resident memory).
#[derive(Clone, Default)]
pub struct BufferPool(Arc<Mutex<Vec<Vec<u8>>>>);

impl BufferPool {
    const KEEP: usize = 8;

    /// Returns a buffer for reuse.
    pub fn give(&self, mut buf: Vec<u8>) {
        buf.clear();
        let mut free = self.0.lock().expect("buffer pool");
        if free.len() < Self::KEEP {
            free.push(buf);
        }
    }

    fn take(&self) -> Vec<u8> {
        self.0.lock().expect("buffer pool").pop().unwrap_or_default()
    }
}

/// Where the splitter is in the container structure, at item granularity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Between top-level values.
    Top,
    /// Inside an array whose elements are records; `envelope` when it is a page's `value`.
    Array { envelope: bool },
    /// In a page object after its record array, skipping the remaining keys.
    EnvelopeRest,
    /// One record per line (JSON lines), decided from the first record.
    Lines,
}

enum Scan {
    Complete(usize),
    NeedMore,
    Invalid { at: usize, reason: &'static str },
}

enum Head {
    /// Position after the record array's `[`, and where the `@odata.context` string is.
    Envelope(usize, Option<(usize, usize)>),
    Record(usize),
    NeedMore,
    Invalid {
        at: usize,
        reason: &'static str,
    },
}

/// Pulls blocks with their record spans out of a UTF-8 JSON stream.
pub struct Splitter<R> {
    reader: R,
    buf: Vec<u8>,
    pos: usize,
    /// Stream offset and line number of `buf[0]`.
    base_offset: u64,
    base_line: u64,
    /// Line counting cursor within `buf`.
    line_pos: usize,
    line_at_pos: u64,
    mode: Mode,
    eof: bool,
    seen_value: bool,
    max_record: usize,
    /// Dropping an over-long line up to its newline (JSON lines only).
    skipping: bool,
    /// Dropping an over-long value of an array, a page or the top level up to its end.
    skipping_value: Option<SkipValue>,
    /// A read error that ended the stream early; what was read before it is still split.
    error: Option<io::Error>,
    pool: BufferPool,
    /// `@odata.context` of the page being read.
    context: Option<Arc<str>>,
    pub warnings: Vec<Reject>,
}

impl<R: Read> Splitter<R> {
    pub fn new(reader: R, max_record: usize) -> Self {
        Splitter {
            reader,
            buf: Vec::new(),
            pos: 0,
            base_offset: 0,
            base_line: 1,
            line_pos: 0,
            line_at_pos: 1,
            mode: Mode::Top,
            eof: false,
            seen_value: false,
            max_record,
            skipping: false,
            skipping_value: None,
            error: None,
            pool: BufferPool::default(),
            context: None,
            warnings: Vec::new(),
        }
    }

    /// Takes block buffers from `pool` instead of allocating them.
    pub fn with_pool(mut self, pool: BufferPool) -> Self {
        self.pool = pool;
        self
    }

    fn line_of(&mut self, pos: usize) -> u64 {
        if pos < self.line_pos {
            self.line_pos = 0;
            self.line_at_pos = self.base_line;
        }
        self.line_at_pos += memchr::memchr_iter(b'\n', &self.buf[self.line_pos..pos]).count() as u64;
        self.line_pos = pos;
        self.line_at_pos
    }

    fn reject(&mut self, out: &mut Block, start: usize, end: usize, reason: &str) {
        const KEEP: usize = 1 << 20;
        let line = self.line_of(start);
        let end = end.min(self.buf.len());
        let mut text = self.buf[start..end.min(start + KEEP)].to_vec();
        let mut reason = reason.to_string();
        if end - start > KEEP {
            text.truncate(KEEP);
            reason.push_str(&format!(" (text cut to {KEEP} of {} bytes)", end - start));
        }
        out.rejects.push(Reject { line, offset: self.base_offset + start as u64, reason, text });
    }

    /// Reads until at least one more byte is buffered; false at end of stream.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let old = self.buf.len();
        // Exact: growing by doubling would double every pooled buffer too. `read_to_end` on a
        // `Take` appends into spare capacity without zeroing it first.
        self.buf.reserve_exact(BLOCK);
        match (&mut self.reader).take(BLOCK as u64).read_to_end(&mut self.buf) {
            Ok(n) if n < BLOCK => self.eof = true,
            Ok(_) => {}
            Err(e) => {
                // Keep the bytes read before the error (read_to_end leaves them in the buffer):
                // the records in them are still ingested, the cut one is quarantined.
                self.eof = true;
                self.error = Some(e);
            }
        }
        Ok(self.buf.len() > old)
    }

    /// The read error that ended the stream early, if any, with the offset it happened at.
    pub fn take_error(&mut self) -> Option<(u64, io::Error)> {
        let at = self.base_offset + self.buf.len() as u64;
        self.error.take().map(|e| (at, e))
    }

    /// The next block, or `None` at end of stream. An I/O error ends the stream.
    pub fn next_block(&mut self) -> io::Result<Option<Block>> {
        let mut out = Block::default();
        loop {
            if self.skipping && out.spans.is_empty() && out.rejects.is_empty() {
                self.skip_line()?;
            }
            if self.skipping_value.is_some() && out.spans.is_empty() && out.rejects.is_empty() {
                self.skip_value()?;
            }
            if self.pos >= self.buf.len() && !self.fill()? {
                break;
            }
            match self.step(&mut out) {
                Step::Progress => {
                    if self.pos >= BLOCK && (!out.spans.is_empty() || !out.rejects.is_empty()) {
                        break;
                    }
                }
                Step::NeedMore(item_start) => {
                    if self.eof {
                        self.at_eof(&mut out, item_start);
                        break;
                    }
                    if !out.spans.is_empty() || !out.rejects.is_empty() {
                        // Hand the finished records out; keep the unfinished item for next time.
                        self.pos = item_start;
                        break;
                    }
                    if self.buf.len() - item_start > self.max_record {
                        let limit = self.max_record >> 20;
                        if self.mode == Mode::Lines {
                            // Nothing in `out` points into the buffer: drop the line and go on
                            // at the next one.
                            let reason = format!("record larger than the {limit} MiB limit (line skipped)");
                            self.reject(&mut out, item_start, item_start + 4096, &reason);
                            self.skipping = true;
                            self.pos = item_start;
                            break;
                        }
                        // Inside an array, a page or between top-level values: follow the
                        // value's structure to its end without keeping it, and go on after it.
                        let reason = format!("record larger than the {limit} MiB limit (record skipped)");
                        self.reject(&mut out, item_start, item_start + 4096, &reason);
                        self.skipping_value = Some(SkipValue::default());
                        self.pos = item_start;
                        break;
                    }
                    self.pos = item_start;
                    self.fill()?;
                }
            }
        }
        if out.spans.is_empty() && out.rejects.is_empty() && self.pos >= self.buf.len() && self.eof {
            self.buf.clear();
            return Ok(None);
        }
        // Move the unconsumed tail into a fresh buffer; the block keeps the consumed part.
        let mut tail = self.pool.take();
        tail.extend_from_slice(&self.buf[self.pos..]);
        let line = self.line_of(self.pos);
        self.base_offset += self.pos as u64;
        self.base_line = line;
        self.line_pos = 0;
        self.line_at_pos = line;
        self.buf.truncate(self.pos);
        out.bytes = std::mem::replace(&mut self.buf, tail);
        self.pos = 0;
        Ok(Some(out))
    }

    /// Discards bytes up to and including the next newline, reading as needed, without
    /// keeping them: an over-long line costs no memory.
    fn skip_line(&mut self) -> io::Result<()> {
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[self.pos..]) {
                self.pos += i + 1;
                self.skipping = false;
                return Ok(());
            }
            // No newline in what is buffered, so no line to count: just move the offset on.
            self.base_offset += self.buf.len() as u64;
            self.buf.clear();
            self.pos = 0;
            self.line_pos = 0;
            self.line_at_pos = self.base_line;
            if !self.fill()? {
                self.skipping = false;
                return Ok(());
            }
        }
    }

    /// Discards the value starting at `pos` up to its end, reading as needed, without keeping
    /// it: an over-long record costs no memory. A value cut by the end of the stream is a
    /// warning that the file looks truncated.
    fn skip_value(&mut self) -> io::Result<()> {
        loop {
            let state = self.skipping_value.as_mut().expect("skipping a value");
            if let Some(n) = state.feed(&self.buf[self.pos..]) {
                self.pos += n;
                self.skipping_value = None;
                return Ok(());
            }
            // The whole buffer is inside the value: drop it, keeping count of its lines.
            let line = self.line_of(self.buf.len());
            self.base_offset += self.buf.len() as u64;
            self.base_line = line;
            self.buf.clear();
            self.pos = 0;
            self.line_pos = 0;
            self.line_at_pos = line;
            if !self.fill()? {
                self.skipping_value = None;
                self.warnings.push(Reject {
                    line,
                    offset: self.base_offset,
                    reason: "end of file inside the skipped over-long record: the file looks truncated".into(),
                    text: Vec::new(),
                });
                self.mode = Mode::Top;
                return Ok(());
            }
        }
    }

    fn at_eof(&mut self, out: &mut Block, item_start: usize) {
        let rest = &self.buf[item_start..];
        if rest.iter().any(|b| !b.is_ascii_whitespace()) {
            let what = match self.mode {
                Mode::Lines | Mode::Top => "truncated record: unexpected end of file",
                _ => "truncated record: unexpected end of file inside an array",
            };
            self.reject(out, item_start, self.buf.len(), what);
        } else if self.mode != Mode::Top && self.mode != Mode::Lines {
            let line = self.line_of(self.buf.len());
            self.warnings.push(Reject {
                line,
                offset: self.base_offset + self.buf.len() as u64,
                reason: "end of file inside an array or page: the file looks truncated".into(),
                text: Vec::new(),
            });
        }
        self.pos = self.buf.len();
        self.mode = Mode::Top;
    }

    fn record(&mut self, out: &mut Block, start: usize, end: usize) {
        let line = self.line_of(start);
        let same = match (out.contexts.last(), &self.context) {
            (Some((_, Some(a))), Some(b)) => Arc::ptr_eq(a, b),
            (Some((_, None)), None) => true,
            (None, None) => true,
            _ => false,
        };
        if !same {
            out.contexts.push((out.spans.len(), self.context.clone()));
        }
        out.spans.push(Span { start, end, line, offset: self.base_offset + start as u64 });
    }

    fn step(&mut self, out: &mut Block) -> Step {
        let p = skip_ws(&self.buf, self.pos, self.mode != Mode::Lines);
        if p >= self.buf.len() {
            return Step::NeedMore(p);
        }
        let c = self.buf[p];
        match self.mode {
            Mode::Lines => {
                let line_end = match memchr::memchr(b'\n', &self.buf[p..]) {
                    Some(i) => p + i,
                    None if self.eof => self.buf.len(),
                    None => return Step::NeedMore(p),
                };
                if p == line_end {
                    self.pos = (line_end + 1).min(self.buf.len());
                    return Step::Progress;
                }
                // One object per line is the rule: hand the line over (serde validates it).
                // Several objects may share a line (`}{` where gzip members or files were
                // joined): only then follow the structure.
                let end = trim_end(&self.buf, p, line_end);
                if c == b'{'
                    && self.buf[end - 1] == b'}'
                    && memchr::memmem::find(&self.buf[p + 1..end], b"}{").is_none()
                {
                    self.record(out, p, end);
                    self.pos = (line_end + 1).min(self.buf.len());
                    return Step::Progress;
                }
                if c == b'{'
                    && let Scan::Complete(end) = scan_value(&self.buf[..line_end], p)
                {
                    self.record(out, p, end);
                    self.pos = end;
                    return Step::Progress;
                }
                let reason = if c == b'{' {
                    "invalid JSON: the record does not end on its line"
                } else {
                    "not a JSON object (expected one object per line)"
                };
                self.reject(out, p, end, reason);
                self.pos = (line_end + 1).min(self.buf.len());
                Step::Progress
            }
            Mode::Top => match c {
                b'[' => {
                    self.seen_value = true;
                    self.mode = Mode::Array { envelope: false };
                    self.pos = p + 1;
                    Step::Progress
                }
                b'{' => match scan_head(&self.buf, p) {
                    Head::Envelope(after, context) => {
                        self.context = context
                            .and_then(|(a, b)| serde_json::from_slice::<String>(&self.buf[a..b]).ok())
                            .map(Arc::from);
                        self.seen_value = true;
                        self.mode = Mode::Array { envelope: true };
                        self.pos = after;
                        Step::Progress
                    }
                    Head::Record(end) => {
                        let first = !self.seen_value;
                        let one_line = !self.buf[p..end].contains(&b'\n') && next_is_newline(&self.buf, end);
                        self.seen_value = true;
                        self.record(out, p, end);
                        self.pos = end;
                        if first && one_line {
                            self.mode = Mode::Lines;
                        }
                        Step::Progress
                    }
                    Head::NeedMore => Step::NeedMore(p),
                    Head::Invalid { at, reason } => self.resync(out, p, at, reason),
                },
                b']' | b',' => {
                    self.pos = p + 1;
                    Step::Progress
                }
                _ => self.junk(out, p),
            },
            Mode::Array { envelope } => {
                if c == b']' {
                    self.mode = if envelope { Mode::EnvelopeRest } else { Mode::Top };
                    self.pos = p + 1;
                    return Step::Progress;
                }
                if c == b',' {
                    self.pos = p + 1;
                    return Step::Progress;
                }
                let scanned = if c == b'{' { scan_value(&self.buf, p) } else { scan_any(&self.buf, p) };
                match scanned {
                    Scan::Complete(end) => {
                        if c == b'{' {
                            self.record(out, p, end);
                        } else {
                            self.reject(out, p, end, "array element is not a JSON object");
                        }
                        self.pos = end;
                        Step::Progress
                    }
                    Scan::NeedMore => Step::NeedMore(p),
                    Scan::Invalid { at, reason } => self.resync(out, p, at, reason),
                }
            }
            Mode::EnvelopeRest => match c {
                b',' => {
                    self.pos = p + 1;
                    Step::Progress
                }
                b'}' => {
                    self.mode = Mode::Top;
                    self.context = None;
                    self.pos = p + 1;
                    Step::Progress
                }
                b'"' => match scan_member(&self.buf, p) {
                    Scan::Complete(end) => {
                        self.pos = end;
                        Step::Progress
                    }
                    Scan::NeedMore => Step::NeedMore(p),
                    Scan::Invalid { at, reason } => self.resync(out, p, at, reason),
                },
                _ => self.resync(out, p, p, "unexpected character in a page object"),
            },
        }
    }

    /// Text that does not start a JSON value: reject it up to the next line that does.
    fn junk(&mut self, out: &mut Block, start: usize) -> Step {
        let mut i = start;
        loop {
            match memchr::memchr(b'\n', &self.buf[i..]) {
                Some(n) => {
                    i += n + 1;
                    let q = skip_inline_ws(&self.buf, i);
                    if q >= self.buf.len() {
                        if !self.eof {
                            return Step::NeedMore(start);
                        }
                        i = self.buf.len();
                        break;
                    }
                    if matches!(self.buf[q], b'{' | b'[') {
                        break;
                    }
                }
                None if self.eof => {
                    i = self.buf.len();
                    break;
                }
                None => return Step::NeedMore(start),
            }
        }
        let end = trim_end(&self.buf, start, i);
        self.reject(out, start, end, "not JSON: expected '{' or '['");
        self.pos = i;
        Step::Progress
    }

    /// Broken structure: reject from `start` through the line holding `at`, then go on from
    /// the next line in top-level mode.
    fn resync(&mut self, out: &mut Block, start: usize, at: usize, reason: &str) -> Step {
        let nl = memchr::memchr(b'\n', &self.buf[at..]).map_or(self.buf.len(), |n| at + n);
        let end = trim_end(&self.buf, start, nl);
        let start_line = self.line_of(start);
        let line = self.line_of(at);
        let reason = if line == start_line {
            format!("invalid JSON: {reason}")
        } else {
            format!("invalid JSON: {reason} at line {line}")
        };
        self.reject(out, start, end.max(at.min(self.buf.len())), &reason);
        self.pos = nl;
        if self.mode != Mode::Lines {
            self.mode = Mode::Top;
        }
        Step::Progress
    }
}

enum Step {
    Progress,
    NeedMore(usize),
}

/// Where a value being skipped stands: its nesting depth, and whether inside a string (after a
/// backslash), across as many reads as the value takes.
#[derive(Clone, Copy, Debug, Default)]
struct SkipValue {
    started: bool,
    depth: u64,
    in_string: bool,
    escaped: bool,
    scalar: bool,
}

impl SkipValue {
    /// Follows `b`, the next bytes of the value; `Some(n)` when the value ends after `n` of them.
    fn feed(&mut self, b: &[u8]) -> Option<usize> {
        for (i, &c) in b.iter().enumerate() {
            if !self.started {
                self.started = true;
                match c {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth = 1,
                    _ => self.scalar = true,
                }
                continue;
            }
            if self.scalar {
                if matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n') {
                    return Some(i);
                }
            } else if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if c == b'\\' {
                    self.escaped = true;
                } else if c == b'"' {
                    self.in_string = false;
                    if self.depth == 0 {
                        return Some(i + 1);
                    }
                }
            } else {
                match c {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth -= 1;
                        if self.depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
            }
        }
        None
    }
}

fn skip_ws(b: &[u8], mut i: usize, newlines: bool) -> usize {
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t' || b[i] == b'\r' || (newlines && b[i] == b'\n')) {
        i += 1;
    }
    i
}

fn skip_inline_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

fn trim_end(b: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && b[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    end
}

fn next_is_newline(b: &[u8], mut i: usize) -> bool {
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
fn scan_string(b: &[u8], i: usize) -> Scan {
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
fn scan_value(b: &[u8], i: usize) -> Scan {
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
fn scan_any(b: &[u8], i: usize) -> Scan {
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
fn scan_member(b: &[u8], i: usize) -> Scan {
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
fn scan_head(b: &[u8], start: usize) -> Head {
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

    fn split(text: &str) -> (Vec<String>, Vec<(u64, String)>) {
        let mut s = Splitter::new(text.as_bytes(), 1 << 20);
        let (mut recs, mut rejs) = (Vec::new(), Vec::new());
        while let Some(b) = s.next_block().unwrap() {
            for sp in &b.spans {
                recs.push(String::from_utf8(b.bytes[sp.start..sp.end].to_vec()).unwrap());
            }
            for r in b.rejects {
                rejs.push((r.line, r.reason));
            }
        }
        (recs, rejs)
    }

    #[test]
    fn containers() {
        let page = r#"{"@odata.context":"x","value":[{"id":"a"},{"id":"b","s":"}]"}],"@odata.nextLink":"n"}"#;
        assert_eq!(split(page).0, vec![r#"{"id":"a"}"#, r#"{"id":"b","s":"}]"}"#]);
        let two_pages = format!("{page}\n{page}");
        assert_eq!(split(&two_pages).0.len(), 4);
        assert_eq!(split("[\n  {\"id\": \"a\"},\n  {\"id\": \"b\"}\n]\n[{\"id\":\"c\"}]").0.len(), 3);
        assert_eq!(split("{\"id\":\"a\"}\n{\"id\":\"b\"}\r\n\n{\"id\":\"c\"}").0.len(), 3);
        assert_eq!(split("{\n \"id\": \"a\"\n}\n").0, vec!["{\n \"id\": \"a\"\n}"]);
        assert_eq!(split(r#"{"records":[{"id":"a"}]}"#).0.len(), 1);
    }

    #[test]
    fn page_context_follows_each_record() {
        let text = concat!(
            r##"{"@odata.context":"https:\/\/graph\/v1.0\/$metadata#applications","value":[{"id":"a"},{"id":"b"}]}"##,
            "\n[{\"id\":\"c\"}]\n",
            r##"{"@odata.context":"#servicePrincipals","value":[{"id":"d"}]}"##,
        );
        let mut s = Splitter::new(text.as_bytes(), 1 << 20);
        let mut seen = Vec::new();
        while let Some(b) = s.next_block().unwrap() {
            for i in 0..b.spans.len() {
                seen.push(b.context_of(i).map(str::to_string));
            }
        }
        let apps = Some("https://graph/v1.0/$metadata#applications".to_string());
        assert_eq!(seen, vec![apps.clone(), apps, None, Some("#servicePrincipals".into())]);
    }

    #[test]
    fn bad_input_is_rejected_and_good_records_kept() {
        let (recs, rejs) = split("{\"id\":\"a\"}\n{\"id\":\"b\",\n{\"id\":\"c\"}\nhello\n");
        assert_eq!(recs, vec![r#"{"id":"a"}"#, r#"{"id":"c"}"#]);
        assert_eq!(rejs.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 4], "{rejs:?}");
        assert!(rejs[0].1.contains("does not end on its line"), "{rejs:?}");
        let (recs, rejs) = split("[{\"id\":\"a\"},{\"id\":\"b");
        assert_eq!(recs.len(), 1);
        assert!(rejs[0].1.contains("truncated"), "{rejs:?}");
        let (recs, rejs) = split("not json at all\nreally\n[{\"id\":\"a\"}]");
        assert_eq!((recs.len(), rejs.len()), (1, 1));
        let (recs, rejs) = split("[{\"id\":\"a\"}, 5, {\"id\":\"b\"}]");
        assert_eq!((recs.len(), rejs.len()), (2, 1));
    }

    #[test]
    fn an_over_long_line_is_skipped_and_the_next_lines_kept() {
        let big = format!("{{\"id\":\"{}\"}}", "x".repeat(3 * BLOCK));
        let text = format!("{{\"id\":\"a\"}}\n{big}\n{{\"id\":\"b\"}}\n{{\"id\":\"c\"}}\n");
        let mut s = Splitter::new(text.as_bytes(), 1 << 20);
        let (mut recs, mut rejs) = (Vec::new(), Vec::new());
        while let Some(b) = s.next_block().unwrap() {
            for sp in &b.spans {
                recs.push((sp.line, String::from_utf8(b.bytes[sp.start..sp.end].to_vec()).unwrap()));
            }
            rejs.extend(b.rejects.into_iter().map(|r| (r.line, r.offset, r.reason, r.text.len())));
        }
        assert_eq!(
            recs,
            vec![(1, r#"{"id":"a"}"#.into()), (3, r#"{"id":"b"}"#.into()), (4, r#"{"id":"c"}"#.into())],
            "{rejs:?}"
        );
        assert_eq!(rejs.len(), 1, "{rejs:?}");
        assert_eq!((rejs[0].0, rejs[0].1, rejs[0].3), (2, 11, 4096));
        assert!(rejs[0].2.contains("line skipped"));
    }

    #[test]
    fn an_over_long_record_in_an_array_or_page_is_skipped_and_the_rest_kept() {
        // Pretty-printed (lines inside), with brackets and escaped quotes in its strings.
        let filler = "x\\\"]}{[".repeat(BLOCK / 2);
        let big = format!("{{\n  \"id\": \"big\",\n  \"s\": \"{filler}\",\n  \"n\": [{{\"a\": 1}}]\n}}");
        let page = format!(
            "{{\"@odata.context\":\"c\",\"value\":[{{\"id\":\"a\"}},\n{big},\n{{\"id\":\"b\"}}],\"@odata.nextLink\":\"n\"}}\n"
        );
        let text = format!("{page}[{big}, {{\"id\":\"c\"}}]\n{big}\n{{\"id\":\"d\"}}\n");
        let mut s = Splitter::new(text.as_bytes(), 1 << 20);
        let (mut recs, mut rejs) = (Vec::new(), Vec::new());
        while let Some(b) = s.next_block().unwrap() {
            for sp in &b.spans {
                recs.push((sp.line, sp.offset, String::from_utf8(b.bytes[sp.start..sp.end].to_vec()).unwrap()));
            }
            rejs.extend(b.rejects.into_iter().map(|r| (r.line, r.offset, r.reason)));
        }
        let at = |needle: &str, from: usize| text[from..].find(needle).unwrap() + from;
        let b_at = at(r#"{"id":"b"}"#, 0);
        let c_at = at(r#"{"id":"c"}"#, 0);
        let d_at = at(r#"{"id":"d"}"#, 0);
        let line = |at: usize| 1 + text[..at].matches('\n').count() as u64;
        assert_eq!(
            recs,
            vec![
                (1, 31, r#"{"id":"a"}"#.to_string()),
                (line(b_at), b_at as u64, r#"{"id":"b"}"#.to_string()),
                (line(c_at), c_at as u64, r#"{"id":"c"}"#.to_string()),
                (line(d_at), d_at as u64, r#"{"id":"d"}"#.to_string()),
            ],
            "{rejs:?}"
        );
        assert_eq!(rejs.len(), 3, "{rejs:?}");
        assert!(rejs.iter().all(|r| r.2.contains("record skipped")), "{rejs:?}");
        assert_eq!((rejs[0].0, rejs[0].1), (2, 43));
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        // Cut inside the big record: the file is reported truncated, nothing else is lost.
        let cut = &text[..page.len() + 1 + big.len() / 2];
        let mut s = Splitter::new(cut.as_bytes(), 1 << 20);
        let mut n = 0;
        while let Some(b) = s.next_block().unwrap() {
            n += b.spans.len();
        }
        assert_eq!(n, 2);
        assert!(s.warnings.iter().any(|w| w.reason.contains("truncated")), "{:?}", s.warnings);
    }

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

    #[test]
    fn records_across_block_boundaries() {
        let rec = format!("{{\"id\":\"{}\"}}", "x".repeat(1000));
        let text = format!("[{}]", vec![rec.as_str(); 10_000].join(","));
        let (recs, rejs) = split(&text);
        assert_eq!((recs.len(), rejs.len()), (10_000, 0));
        assert!(recs.iter().all(|r| r == &rec));
    }
}
