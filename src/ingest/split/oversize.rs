//! Records over the size limit inside an array, a page or at the top level: the splitter
//! follows the value's structure (strings, escapes, nesting) across as many reads as it takes,
//! without keeping it, and goes on after it. A value cut by the end of the stream is a warning
//! that the file looks truncated.

use std::io::{self, Read};

use super::{Mode, Reject, Splitter};

impl<R: Read> Splitter<R> {
    /// Discards the value starting at `pos` up to its end, reading as needed, without keeping
    /// it: an over-long record costs no memory. A value cut by the end of the stream is a
    /// warning that the file looks truncated.
    pub(super) fn skip_value(&mut self) -> io::Result<()> {
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
}

/// Where a value being skipped stands: its nesting depth, and whether inside a string (after a
/// backslash), across as many reads as the value takes.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct SkipValue {
    started: bool,
    depth: u64,
    in_string: bool,
    escaped: bool,
    scalar: bool,
}

impl SkipValue {
    /// Follows `b`, the next bytes of the value; `Some(n)` when the value ends after `n` of them.
    pub(super) fn feed(&mut self, b: &[u8]) -> Option<usize> {
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
