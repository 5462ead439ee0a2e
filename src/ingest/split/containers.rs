//! Containers: Graph pages (`{"value":[...]}`, `@odata.*` keys before or after the array,
//! `{"records":[...]}` batches), top-level arrays, and single objects. The splitter follows
//! strings and brackets to find each element's end; broken structure is rejected through the
//! line it is on, and reading goes on at the next line in top-level mode.

use std::io::Read;
use std::sync::Arc;

use super::scan::{
    Head, Scan, next_is_newline, scan_any, scan_head, scan_member, scan_value, skip_inline_ws, trim_end,
};
use super::{Block, Mode, Splitter, Step};

impl<R: Read> Splitter<R> {
    /// The next item of a page, an array or the top level, at `p` (past whitespace).
    pub(super) fn step_container(&mut self, out: &mut Block, p: usize) -> Step {
        let c = self.buf[p];
        match self.mode {
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
            Mode::Lines => unreachable!("lines are split by step_line"),
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
