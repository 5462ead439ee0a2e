//! Bytes on disk -> a UTF-8 byte stream. Detects gzip by its magic number (any number of
//! members), then the text encoding by BOM (UTF-8, UTF-16 LE/BE) or, without a BOM, by the NUL
//! pattern of UTF-16 text. Everything downstream sees UTF-8 without a BOM; byte offsets in
//! diagnostics count bytes of that decoded stream.

use std::io::{self, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use encoding_rs::{Decoder, UTF_16BE, UTF_16LE};
use flate2::bufread::MultiGzDecoder;

/// The text encoding found at the start of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
}

/// Counts raw (on-disk) bytes as they are read, for progress and throughput.
pub struct Counting<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R> Counting<R> {
    pub fn new(inner: R, counter: Arc<AtomicU64>) -> Self {
        Counting { inner, counter }
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Refuses to inflate more than `limit` bytes: a gzip bomb becomes a bounded error.
struct Limited<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("inflated size exceeds the limit of {} bytes (gzip bomb?)", self.limit),
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Wraps a raw stream so that it yields UTF-8 text bytes. `replaced` counts the unpaired
/// UTF-16 surrogates decoding replaced by U+FFFD (the text then differs from the file).
pub fn decode(
    mut raw: Box<dyn Read + Send>,
    max_inflated: u64,
    replaced: Arc<AtomicU64>,
) -> io::Result<Box<dyn Read + Send>> {
    let magic = read_head(&mut raw, 2)?;
    let gzip = magic.starts_with(&[0x1f, 0x8b]);
    let raw: Box<dyn Read + Send> = Box::new(io::Cursor::new(magic).chain(raw));
    let mut text: Box<dyn Read + Send> = if gzip {
        let inflated = MultiGzDecoder::new(BufReader::with_capacity(1 << 20, raw));
        Box::new(Limited { inner: inflated, left: max_inflated, limit: max_inflated })
    } else {
        raw
    };
    let head = read_head(&mut text, 4)?;
    let (encoding, bom) = sniff_encoding(&head);
    let text: Box<dyn Read + Send> = Box::new(io::Cursor::new(head[bom..].to_vec()).chain(text));
    Ok(match encoding {
        Encoding::Utf8 => text,
        Encoding::Utf16Le => Box::new(Utf16Reader::new(text, UTF_16LE.new_decoder_without_bom_handling(), replaced)),
        Encoding::Utf16Be => Box::new(Utf16Reader::new(text, UTF_16BE.new_decoder_without_bom_handling(), replaced)),
    })
}

/// Reads up to `n` bytes (fewer only at end of stream).
fn read_head(r: &mut Box<dyn Read + Send>, n: u64) -> io::Result<Vec<u8>> {
    let mut head = Vec::new();
    r.by_ref().take(n).read_to_end(&mut head)?;
    Ok(head)
}

/// BOM first; without one, UTF-16 shows as a NUL in every other byte of ASCII text.
pub fn sniff_encoding(head: &[u8]) -> (Encoding, usize) {
    match head {
        [0xEF, 0xBB, 0xBF, ..] => (Encoding::Utf8, 3),
        [0xFF, 0xFE, ..] => (Encoding::Utf16Le, 2),
        [0xFE, 0xFF, ..] => (Encoding::Utf16Be, 2),
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => (Encoding::Utf16Le, 0),
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => (Encoding::Utf16Be, 0),
        _ => (Encoding::Utf8, 0),
    }
}

/// Streams UTF-16 through encoding_rs into UTF-8. Unpaired surrogates become U+FFFD, and are
/// counted.
struct Utf16Reader<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    output: Vec<u8>,
    out_pos: usize,
    eof: bool,
    replaced: Arc<AtomicU64>,
}

impl<R: Read> Utf16Reader<R> {
    fn new(inner: R, decoder: Decoder, replaced: Arc<AtomicU64>) -> Self {
        Utf16Reader { inner, decoder, input: Vec::new(), output: Vec::new(), out_pos: 0, eof: false, replaced }
    }

    /// Decodes what `input` holds into `output`, each malformed sequence as U+FFFD.
    fn decode_input(&mut self) {
        let cap = self.decoder.max_utf8_buffer_length(self.input.len()).unwrap_or(self.input.len() * 3 + 16);
        self.output.resize(cap, 0);
        let (mut read, mut written) = (0, 0);
        loop {
            let (result, r, w) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[read..],
                &mut self.output[written..],
                self.eof,
            );
            read += r;
            written += w;
            match result {
                encoding_rs::DecoderResult::Malformed(_, _) => {
                    self.replaced.fetch_add(1, Ordering::Relaxed);
                    let fffd = "\u{fffd}".as_bytes();
                    if self.output.len() < written + fffd.len() {
                        self.output.resize(written + fffd.len() + 16, 0);
                    }
                    self.output[written..written + fffd.len()].copy_from_slice(fffd);
                    written += fffd.len();
                }
                encoding_rs::DecoderResult::OutputFull => {
                    let more = self.decoder.max_utf8_buffer_length(self.input.len() - read).unwrap_or(1 << 16);
                    self.output.resize(written + more + 16, 0);
                }
                encoding_rs::DecoderResult::InputEmpty => break,
            }
        }
        self.input.drain(..read);
        self.output.truncate(written);
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos == self.output.len() {
            if self.eof && self.input.is_empty() {
                return Ok(0);
            }
            let mut block = vec![0u8; 256 * 1024];
            let n = if self.eof { 0 } else { self.inner.read(&mut block)? };
            if n == 0 {
                self.eof = true;
            }
            self.input.extend_from_slice(&block[..n]);
            self.output.clear();
            self.out_pos = 0;
            self.decode_input();
            if self.eof {
                self.input.clear();
            }
        }
        let n = buf.len().min(self.output.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.output[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}
