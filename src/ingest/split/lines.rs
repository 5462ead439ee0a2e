//! JSON lines: one record per line, decided from the first record of a stream. A line is
//! handed over whole without following its structure (serde validates it later); only a line
//! holding several objects (`}{`, where gzip members or files were joined) is followed. A line
//! over the record limit is dropped up to its newline without being kept.

use std::io::{self, Read};

use super::scan::{Scan, scan_value, trim_end};
use super::{Block, Splitter, Step};

impl<R: Read> Splitter<R> {
    /// One line at `p` (past leading spaces).
    pub(super) fn step_line(&mut self, out: &mut Block, p: usize) -> Step {
        let c = self.buf[p];
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
        if c == b'{' && self.buf[end - 1] == b'}' && memchr::memmem::find(&self.buf[p + 1..end], b"}{").is_none() {
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

    /// Discards bytes up to and including the next newline, reading as needed, without
    /// keeping them: an over-long line costs no memory.
    pub(super) fn skip_line(&mut self) -> io::Result<()> {
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
}
