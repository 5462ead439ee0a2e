//! Text from the logs on a terminal. A terminal obeys control characters (ESC sequences clear
//! the screen, retitle the window or forge a hyperlink, BEL, backspace and a carriage return
//! overwrite what was shown) and reorders text around Unicode bidirectional formatting
//! characters (U+202E shows `exe.txt` for `txt.exe`). On a terminal every such character is
//! shown escaped (`\u{1b}`); files and pipes get the exact bytes.

use std::borrow::Cow;
use std::io::{self, Write};

/// True for a character that drives a terminal or reorders what it shows: C0 and C1 controls
/// and DEL (tab and newline are the caller's to keep), the bidirectional marks, embeddings,
/// overrides and isolates, and the line and paragraph separators.
pub fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `s` with every [`unsafe_char`] escaped, newlines and tabs included.
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_keeping(s, &[])
}

fn escape_keeping<'a>(s: &'a str, keep: &[char]) -> Cow<'a, str> {
    if !s.chars().any(|c| unsafe_char(c) && !keep.contains(&c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if unsafe_char(c) && !keep.contains(&c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A writer of UTF-8 text for a terminal: every [`unsafe_char`] but newline, tab and the
/// carriage return of a CRLF is escaped. A character split across two writes is held until
/// it is whole.
pub struct Escaping<W: Write> {
    inner: W,
    /// Bytes of an unfinished character, or a carriage return waiting to see its newline.
    pending: Vec<u8>,
}

impl<W: Write> Escaping<W> {
    pub fn new(inner: W) -> Self {
        Escaping { inner, pending: Vec::new() }
    }

    fn emit(&mut self, text: &str) -> io::Result<()> {
        let mut chars = text.chars().peekable();
        let mut out = String::with_capacity(text.len());
        while let Some(c) = chars.next() {
            match c {
                '\n' | '\t' => out.push(c),
                '\r' if chars.peek() == Some(&'\n') => out.push(c),
                c if unsafe_char(c) => out.extend(c.escape_default()),
                c => out.push(c),
            }
        }
        self.inner.write_all(out.as_bytes())
    }
}

impl<W: Write> Write for Escaping<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut bytes = std::mem::take(&mut self.pending);
        bytes.extend_from_slice(buf);
        let valid = match std::str::from_utf8(&bytes) {
            Ok(_) => bytes.len(),
            // An incomplete character at the end waits for the next write; invalid bytes are
            // shown escaped.
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(e) => {
                let at = e.valid_up_to();
                let text = String::from_utf8_lossy(&bytes[..at + e.error_len().unwrap_or(1)]).into_owned();
                self.emit(&text)?;
                self.pending = bytes[at + e.error_len().unwrap_or(1)..].to_vec();
                return Ok(buf.len());
            }
        };
        let mut end = valid;
        // A trailing carriage return waits: it is kept only before a newline.
        if end > 0 && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        let text = std::str::from_utf8(&bytes[..end]).expect("checked above").to_string();
        self.pending = bytes[end..].to_vec();
        self.emit(&text)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> Drop for Escaping<W> {
    fn drop(&mut self) {
        // What is still held is shown escaped: a lone carriage return, a cut character.
        if !self.pending.is_empty() {
            let text = String::from_utf8_lossy(&self.pending).into_owned();
            self.pending.clear();
            let shown = escape_keeping(&text, &['\n', '\t']).into_owned();
            let _ = self.inner.write_all(shown.as_bytes());
            let _ = self.inner.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(chunks: &[&[u8]]) -> String {
        let mut out = Vec::new();
        {
            let mut w = Escaping::new(&mut out);
            for c in chunks {
                w.write_all(c).unwrap();
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn what_drives_a_terminal_is_shown_escaped() {
        let hostile = "a\u{1b}[2Jb\u{1b}]0;title\u{7}c\u{8}d\u{202e}txt.exe\u{9b}e\r\n";
        assert_eq!(
            through(&[hostile.as_bytes()]),
            "a\\u{1b}[2Jb\\u{1b}]0;title\\u{7}c\\u{8}d\\u{202e}txt.exe\\u{9b}e\r\n"
        );
        // Split anywhere, even inside a character or between CR and LF, the result is the same.
        let bytes = hostile.as_bytes();
        for cut in 0..bytes.len() {
            assert_eq!(through(&[&bytes[..cut], &bytes[cut..]]), through(&[bytes]), "cut at {cut}");
        }
        assert_eq!(through(&[b"x\ry"]), "x\\ry", "a lone carriage return overwrites: escaped");
        assert_eq!(through(&[b"end\r"]), "end\\r");
        assert_eq!(through(&["tab\tand\nnewline".as_bytes()]), "tab\tand\nnewline");
        assert_eq!(escape("name\nsignin-insights: forged"), "name\\nsignin-insights: forged");
        assert_eq!(escape("plain café"), "plain café");
        assert!(unsafe_char('\u{2066}') && unsafe_char('\u{7f}') && !unsafe_char('é'));
    }
}
