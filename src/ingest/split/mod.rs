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

mod containers;
mod lines;
mod oversize;
mod scan;

use std::io::{self, Read};
use std::sync::{Arc, Mutex};

use oversize::SkipValue;
use scan::skip_ws;

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

    fn step(&mut self, out: &mut Block) -> Step {
        let p = skip_ws(&self.buf, self.pos, self.mode != Mode::Lines);
        if p >= self.buf.len() {
            return Step::NeedMore(p);
        }
        match self.mode {
            Mode::Lines => self.step_line(out, p),
            _ => self.step_container(out, p),
        }
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
}

enum Step {
    Progress,
    NeedMore(usize),
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
    fn records_across_block_boundaries() {
        let rec = format!("{{\"id\":\"{}\"}}", "x".repeat(1000));
        let text = format!("[{}]", vec![rec.as_str(); 10_000].join(","));
        let (recs, rejs) = split(&text);
        assert_eq!((recs.len(), rejs.len()), (10_000, 0));
        assert!(recs.iter().all(|r| r == &rec));
    }
}
