//! Streaming input: a JSON array (read element by element) or NDJSON (line by line), detected
//! from the first non-blank byte. Memory stays bounded by the largest record, whatever the
//! input size: the input is never materialised. Records are handed over as JSON text (an
//! NDJSON line, or an array element with its insignificant whitespace removed), so a consumer
//! can check and forward them without building a `Value`.

use std::io::{BufRead, Read};

/// Longest NDJSON line accepted (a record larger than the API's 50 MiB inflated limit can never
/// be sent anyway).
pub const MAX_LINE_BYTES: usize = 50 * 1024 * 1024 + 2;

/// The detected input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `[ {...}, {...} ]`
    JsonArray,
    /// One JSON value per line.
    Ndjson,
    /// Nothing but whitespace.
    Empty,
}

/// One input item.
#[derive(Debug)]
pub enum Item<'a> {
    /// One record's text: an NDJSON line (trimmed, not empty, not parsed yet) or an element of
    /// a JSON array (valid JSON, whitespace outside strings removed).
    Line {
        /// Position in the source (array index or non-blank line number, from 0).
        ordinal: u64,
        /// The record's JSON text.
        text: &'a [u8],
    },
    /// An NDJSON line too long to be a record.
    Unparseable {
        /// Position in the source.
        ordinal: u64,
        /// The line (at most 64 KiB of it).
        text: Vec<u8>,
        /// The parser's message.
        error: String,
    },
}

/// Reading failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError<E> {
    /// I/O error.
    #[error("read error: {0}")]
    Io(#[from] std::io::Error),
    /// A JSON array is malformed; the records after this point cannot be read.
    #[error("invalid JSON after record {ordinal} (line {line}, column {column}): {message}")]
    Syntax {
        /// Records read before the error.
        ordinal: u64,
        /// Line of the error.
        line: usize,
        /// Column of the error.
        column: usize,
        /// Parser message.
        message: String,
    },
    /// The callback asked to stop.
    #[error("stopped")]
    Stopped(E),
}

/// Calls `f` for every record of `input`, in order. Returns the detected format.
pub fn for_each_record<R: BufRead, E>(
    mut input: R,
    mut f: impl FnMut(Item<'_>) -> Result<(), E>,
) -> Result<Format, ReadError<E>> {
    match first_byte(&mut input)? {
        (None, _) => Ok(Format::Empty),
        (Some(b'['), prefix) if prefix.is_empty() => {
            read_array(input, &mut f)?;
            Ok(Format::JsonArray)
        }
        (Some(_), prefix) => {
            read_ndjson(input, prefix, &mut f)?;
            Ok(Format::Ndjson)
        }
    }
}

const BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// Skips a UTF-8 BOM and whitespace; returns the next byte without consuming it, and the
/// bytes consumed that must be put back in front of the first line: the start of a BOM that
/// turned out not to be one (a BOM can be split across reads of a pipe).
fn first_byte<R: BufRead>(input: &mut R) -> std::io::Result<(Option<u8>, Vec<u8>)> {
    let mut bom = 0; // BOM bytes matched so far
    loop {
        let buf = input.fill_buf()?;
        if bom < BOM.len() && bom != usize::MAX {
            let want = &BOM[bom..];
            let n = want.len().min(buf.len());
            if n > 0 && buf[..n] == want[..n] {
                input.consume(n);
                bom += n;
                if bom == BOM.len() {
                    bom = usize::MAX; // a whole BOM: skipped
                }
                continue;
            }
            if bom > 0 {
                // Not a BOM after all: the consumed bytes are the input's first bytes.
                return Ok((Some(BOM[0]), BOM[..bom].to_vec()));
            }
            bom = usize::MAX;
        }
        if buf.is_empty() {
            return Ok((None, Vec::new()));
        }
        let skip = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if skip < buf.len() {
            let b = buf[skip];
            input.consume(skip);
            return Ok((Some(b), Vec::new()));
        }
        let n = buf.len();
        input.consume(n);
    }
}

fn read_ndjson<R: BufRead, E>(
    mut input: R,
    prefix: Vec<u8>,
    f: &mut impl FnMut(Item<'_>) -> Result<(), E>,
) -> Result<(), ReadError<E>> {
    let mut line = prefix; // the first line starts with the bytes `first_byte` consumed
    let mut ordinal = 0u64;
    let mut first = true;
    loop {
        if !first {
            line.clear();
        }
        first = false;
        let held = line.len();
        let n = (&mut input)
            .take((MAX_LINE_BYTES - held) as u64)
            .read_until(b'\n', &mut line)?;
        if n == 0 && line.is_empty() {
            return Ok(());
        }
        if line.len() >= MAX_LINE_BYTES && line.last() != Some(&b'\n') {
            // Discard the rest of the over-long line, keeping memory bounded.
            loop {
                let buf = input.fill_buf()?;
                if buf.is_empty() {
                    break;
                }
                if let Some(pos) = buf.iter().position(|&b| b == b'\n') {
                    input.consume(pos + 1);
                    break;
                }
                let len = buf.len();
                input.consume(len);
            }
            line.truncate(64 * 1024);
            f(Item::Unparseable {
                ordinal,
                text: std::mem::take(&mut line),
                error: format!("line longer than {MAX_LINE_BYTES} bytes"),
            })
            .map_err(ReadError::Stopped)?;
            ordinal += 1;
            continue;
        }
        let text = trim(&line);
        if text.is_empty() {
            continue;
        }
        f(Item::Line { ordinal, text }).map_err(ReadError::Stopped)?;
        ordinal += 1;
    }
}

/// `bytes` without leading and trailing ASCII whitespace: an NDJSON line as it is read (a
/// line left empty is blank and skipped).
pub fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |p| p + 1);
    &bytes[start..end]
}

/// Splits a top-level JSON array into the text of its elements (strings, escapes and nesting
/// tracked, whitespace outside strings dropped), so an element costs about what an NDJSON line
/// costs. The consumer parses each element: a malformed element is dead-lettered like a bad
/// NDJSON line, and reading goes on. A broken array (not closed, an empty element, text after
/// the closing bracket) stops with [`ReadError::Syntax`].
///
/// The input is scanned [`BLOCK`] bytes at a time: in a block without a backslash the strings
/// are found at once from the bit mask of its quotes (see [`classify`]), and only the bytes
/// outside strings that can end an element or change its nesting (brackets, commas,
/// whitespace) are visited. A block with a backslash (or after an escape), the last bytes of a
/// buffer and everything after the closing bracket take the byte-by-byte path; both paths
/// split and compact alike. An element that lies within one buffer and has no whitespace to
/// drop is handed over from the buffer, without a copy.
fn read_array<R: BufRead, E>(
    mut input: R,
    f: &mut impl FnMut(Item<'_>) -> Result<(), E>,
) -> Result<(), ReadError<E>> {
    input.consume(1); // the `[` that `first_byte` looked at
    let mut scan = ArrayScan {
        element: Vec::new(),
        too_long: false,
        ordinal: 0,
        line: 1,
        line_start: 0,
        offset: 1,
        run: 0,
        depth: 0,
        in_string: false,
        escaped: false,
        after_comma: false,
        closed: false,
    };
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let n = buf.len();
        scan.run = 0;
        let mut i = 0;
        while i < n {
            if !scan.closed
                && !scan.escaped
                && let Some(block) = buf.get(i..i + BLOCK)
            {
                let masks = classify(block.try_into().expect("a block"));
                if masks.backslash == 0 {
                    i = scan.block(buf, i, &masks, f)?;
                    continue;
                }
            }
            let end = (i + BLOCK).min(n);
            scan.bytes(buf, i, end, f)?;
            i = end;
        }
        scan.push(&buf[scan.run..n]);
        scan.consumed(buf);
        input.consume(n);
    }
    if scan.closed {
        Ok(())
    } else {
        Err(scan.syntax(&[], 0, "the array is not closed (input ended)"))
    }
}

/// Bytes classified at a time by [`read_array`]: one bit per byte in a `u64`.
const BLOCK: usize = 64;

/// Bit masks of a block: bit `i` stands for byte `i`.
#[derive(Debug, PartialEq, Eq)]
struct Masks {
    /// `"`
    quote: u64,
    /// `\`
    backslash: u64,
    /// `,`
    comma: u64,
    /// Bytes that may matter outside strings: every byte below `-` (whitespace, and the
    /// quote and comma, which are masked out), and `[`, `]`, `{`, `}` with the four bytes
    /// that share their bit pattern (`Y`, `_`, `y`, DEL: never significant, visited for
    /// nothing).
    candidate: u64,
}

/// The masks of `block`, with SSE2 (part of every x86-64 CPU) 16 bytes at a time.
#[cfg(target_arch = "x86_64")]
#[inline]
fn classify(block: &[u8; BLOCK]) -> Masks {
    // SAFETY: SSE2 is in the x86-64 baseline: every CPU this code runs on has it (the
    // compiler enables it for every x86_64 target), which is all `classify_sse2` requires.
    unsafe { classify_sse2(block) }
}

/// [`classify`]'s body, compiled with SSE2 (safe code: the intrinsics are called in a
/// function that enables their target feature, and no pointer is dereferenced).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn classify_sse2(block: &[u8; BLOCK]) -> Masks {
    use std::arch::x86_64::{
        _mm_and_si128, _mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set_epi64x, _mm_set1_epi8,
    };
    let splat = |b: u8| _mm_set1_epi8(b as i8);
    let word = |at: usize| i64::from_le_bytes(block[at..at + 8].try_into().expect("8 bytes"));
    // The four masks of the 16 bytes at `16 * k`, shifted to their place in the block.
    let part = |k: usize| {
        let v = _mm_set_epi64x(word(16 * k + 8), word(16 * k));
        let quote = _mm_cmpeq_epi8(v, splat(b'"'));
        let backslash = _mm_cmpeq_epi8(v, splat(b'\\'));
        let comma = _mm_cmpeq_epi8(v, splat(b','));
        // v <= 0x2C (unsigned): min(v, 0x2C) == v
        let low = _mm_cmpeq_epi8(_mm_min_epu8(v, splat(b'-' - 1)), v);
        let bracket = _mm_cmpeq_epi8(_mm_and_si128(v, splat(0xD9)), splat(0x59));
        let mask = |m| u64::from(_mm_movemask_epi8(m) as u16) << (16 * k);
        [
            mask(quote),
            mask(backslash),
            mask(comma),
            mask(_mm_or_si128(low, bracket)),
        ]
    };
    let [a, b, c, d] = [part(0), part(1), part(2), part(3)];
    Masks {
        quote: a[0] | b[0] | c[0] | d[0],
        backslash: a[1] | b[1] | c[1] | d[1],
        comma: a[2] | b[2] | c[2] | d[2],
        candidate: a[3] | b[3] | c[3] | d[3],
    }
}

/// The masks of `block`, eight bytes at a time in a `u64` (SWAR).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn classify_swar(block: &[u8; BLOCK]) -> Masks {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOWS: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte that is zero (exact: no carry crosses a byte).
    let zero = |x: u64| !(((x & LOWS) + LOWS) | x) & HIGHS;
    // The high bit of each byte below `n` (n <= 0x80).
    let below = |x: u64, n: u8| !(((x & LOWS) + ONES * u64::from(0x80 - n)) | x) & HIGHS;
    // One bit per byte: the high bits gathered into the top byte.
    let pack = |m: u64| ((m >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8;
    let mut masks = Masks {
        quote: 0,
        backslash: 0,
        comma: 0,
        candidate: 0,
    };
    for (k, chunk) in block.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let quote = zero(x ^ (ONES * u64::from(b'"')));
        let backslash = zero(x ^ (ONES * u64::from(b'\\')));
        let comma = zero(x ^ (ONES * u64::from(b',')));
        let candidate = below(x, b'-') | zero((x & (ONES * 0xD9)) ^ (ONES * 0x59));
        let shift = 8 * k;
        masks.quote |= u64::from(pack(quote)) << shift;
        masks.backslash |= u64::from(pack(backslash)) << shift;
        masks.comma |= u64::from(pack(comma)) << shift;
        masks.candidate |= u64::from(pack(candidate)) << shift;
    }
    masks
}

#[cfg(not(target_arch = "x86_64"))]
use classify_swar as classify;

/// Bit `i` of the result is the XOR of bits `0..=i` of `x`: with `x` the quotes of a block,
/// the bytes from an opening quote (included) to its closing quote (excluded).
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// Index of the first quote or backslash in `bytes`. Strings in records are short (a few dozen bytes),
/// so eight bytes are tested at a time inline (SWAR) rather than through a SIMD search whose
/// call and setup would cost more than the scan.
fn quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let mut i = 0;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let hits =
            has_zero(word ^ (ONES * u64::from(b'"'))) | has_zero(word ^ (ONES * u64::from(b'\\')));
        if hits != 0 {
            return Some(i + hits.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    bytes[i..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\')
        .map(|k| i + k)
}

/// The state of [`read_array`]: the element being collected, the scanner's state, and where
/// it is (lines are counted per buffer, not per byte; a position is worked out only for an
/// error).
struct ArrayScan {
    /// The element's text copied so far (when it spans buffers or whitespace was dropped).
    element: Vec<u8>,
    too_long: bool,
    ordinal: u64,
    /// Line (from 1) at the start of the current buffer.
    line: usize,
    /// Absolute offset of the first byte of that line.
    line_start: usize,
    /// Absolute offset of the start of the current buffer.
    offset: usize,
    /// `buf[run..]` (up to the scanner) is element text not yet copied into `element`.
    run: usize,
    depth: u32,
    in_string: bool,
    /// Inside a string, after a backslash.
    escaped: bool,
    after_comma: bool,
    closed: bool,
}

impl ArrayScan {
    /// Scans the block `buf[base..base + BLOCK]`, which has no backslash and does not start
    /// after one; returns where to go on: after the block, or after the closing bracket.
    fn block<E>(
        &mut self,
        buf: &[u8],
        base: usize,
        masks: &Masks,
        f: &mut impl FnMut(Item<'_>) -> Result<(), E>,
    ) -> Result<usize, ReadError<E>> {
        let inside = prefix_xor(masks.quote) ^ if self.in_string { !0 } else { 0 };
        self.in_string = inside >> 63 == 1;
        let outside = !inside & !masks.quote;
        let commas = masks.comma & outside;
        let others = masks.candidate & !masks.comma & outside;
        // Bits of the bytes not visited yet. Commas matter only between elements (depth 0):
        // the many inside a record are not visited.
        let mut ahead = !0u64;
        loop {
            let live = ahead
                & if self.depth == 0 {
                    others | commas
                } else {
                    others
                };
            if live == 0 {
                return Ok(base + BLOCK);
            }
            let k = live.trailing_zeros();
            ahead = (!1u64) << k;
            let i = base + k as usize;
            match buf[i] {
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' if self.depth > 0 => self.depth -= 1,
                b' ' | b'\n' | b'\r' | b'\t' | b'\x0C' => {
                    // Dropped, with the whitespace that follows it in the block (an indented
                    // array has runs of it).
                    if i > self.run {
                        self.push(&buf[self.run..i]);
                    }
                    let mut j = i + 1;
                    while j < base + BLOCK && buf[j].is_ascii_whitespace() {
                        j += 1;
                    }
                    self.run = j;
                    ahead = (!0u64).checked_shl((j - base) as u32).unwrap_or(0);
                }
                _ => {
                    if self.outside(buf, i, f)? {
                        // The bracket is outside strings; what follows it is checked byte
                        // by byte.
                        self.in_string = false;
                        return Ok(i + 1);
                    }
                }
            }
        }
    }

    /// Scans `buf[from..to]` byte by byte (strings skipped to their next quote or backslash).
    fn bytes<E>(
        &mut self,
        buf: &[u8],
        from: usize,
        to: usize,
        f: &mut impl FnMut(Item<'_>) -> Result<(), E>,
    ) -> Result<(), ReadError<E>> {
        let mut i = from;
        while i < to {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    i += 1;
                    continue;
                }
                match quote_or_backslash(&buf[i..to]) {
                    None => i = to,
                    Some(k) => {
                        if buf[i + k] == b'"' {
                            self.in_string = false;
                        } else {
                            self.escaped = true;
                        }
                        i += k + 1;
                    }
                }
                continue;
            }
            let b = buf[i];
            if self.closed && !b.is_ascii_whitespace() {
                return Err(self.syntax(buf, i, "trailing characters after the array"));
            }
            if b == b'"' {
                self.in_string = true;
            } else {
                self.outside(buf, i, f)?;
            }
            i += 1;
        }
        Ok(())
    }

    /// Handles `buf[i]`, a byte outside strings and not a quote; true if it closed the array.
    fn outside<E>(
        &mut self,
        buf: &[u8],
        i: usize,
        f: &mut impl FnMut(Item<'_>) -> Result<(), E>,
    ) -> Result<bool, ReadError<E>> {
        match buf[i] {
            b if b.is_ascii_whitespace() => {
                if i > self.run {
                    self.push(&buf[self.run..i]);
                }
                self.run = i + 1;
            }
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' if self.depth > 0 => self.depth -= 1,
            b',' if self.depth == 0 => {
                if self.run == i && self.element.is_empty() && !self.too_long {
                    return Err(self.syntax(buf, i, "expected a value before `,`"));
                }
                self.emit(buf, i, f)?;
                self.after_comma = true;
                self.run = i + 1;
            }
            b']' if self.depth == 0 => {
                if self.run == i && self.element.is_empty() && !self.too_long {
                    if self.after_comma {
                        return Err(self.syntax(buf, i, "trailing comma before `]`"));
                    }
                } else {
                    self.emit(buf, i, f)?;
                }
                self.closed = true;
                self.run = i + 1;
                return Ok(true);
            }
            _ => {}
        }
        Ok(false)
    }

    fn push(&mut self, bytes: &[u8]) {
        if self.element.len() + bytes.len() <= MAX_LINE_BYTES {
            self.element.extend_from_slice(bytes);
        } else {
            self.too_long = true;
        }
    }

    /// Hands over the element that ends at `buf[end]`: straight from the buffer when nothing
    /// of it was copied yet.
    fn emit<E>(
        &mut self,
        buf: &[u8],
        end: usize,
        f: &mut impl FnMut(Item<'_>) -> Result<(), E>,
    ) -> Result<(), ReadError<E>> {
        let ordinal = self.ordinal;
        let rest = &buf[self.run..end];
        let result = if self.element.is_empty() && !self.too_long && rest.len() <= MAX_LINE_BYTES {
            f(Item::Line {
                ordinal,
                text: rest,
            })
        } else {
            self.push(rest);
            if self.too_long {
                self.element.truncate(64 * 1024);
                f(Item::Unparseable {
                    ordinal,
                    text: std::mem::take(&mut self.element),
                    error: format!("array element longer than {MAX_LINE_BYTES} bytes"),
                })
            } else {
                f(Item::Line {
                    ordinal,
                    text: &self.element,
                })
            }
        };
        self.element.clear();
        self.too_long = false;
        self.ordinal += 1;
        result.map_err(ReadError::Stopped)
    }

    /// Advances the line count past a fully scanned buffer.
    fn consumed(&mut self, buf: &[u8]) {
        self.line += memchr::memchr_iter(b'\n', buf).count();
        if let Some(last) = memchr::memrchr(b'\n', buf) {
            self.line_start = self.offset + last + 1;
        }
        self.offset += buf.len();
    }

    /// A syntax error at `buf[at]` (the current buffer).
    fn syntax<E>(&self, buf: &[u8], at: usize, message: &str) -> ReadError<E> {
        let before = &buf[..at.min(buf.len())];
        let line = self.line + memchr::memchr_iter(b'\n', before).count();
        let line_start =
            memchr::memrchr(b'\n', before).map_or(self.line_start, |p| self.offset + p + 1);
        ReadError::Syntax {
            ordinal: self.ordinal,
            line,
            column: self.offset + at - line_start + 1,
            message: message.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    fn collect(input: &[u8]) -> (Result<Format, ReadError<()>>, Vec<String>) {
        let mut out = Vec::new();
        let r = for_each_record(BufReader::with_capacity(7, input), |item| {
            out.push(match item {
                Item::Line { ordinal, text } => {
                    match serde_json::from_slice::<serde_json::Value>(text) {
                        Ok(value) => format!("{ordinal}:{value}"),
                        Err(_) => format!("{ordinal}!{}", String::from_utf8_lossy(text)),
                    }
                }
                Item::Unparseable { ordinal, text, .. } => {
                    format!("{ordinal}!{}", String::from_utf8_lossy(&text))
                }
            });
            Ok(())
        });
        (r, out)
    }

    #[test]
    fn json_array_is_streamed_element_by_element() {
        let (r, out) = collect(b"\xEF\xBB\xBF \n [ {\"a\":1},\n {\"b\":[2,3]} , 4 ]\n ");
        assert_eq!(r.unwrap(), Format::JsonArray);
        assert_eq!(out, vec!["0:{\"a\":1}", "1:{\"b\":[2,3]}", "2:4"]);
    }

    /// Found by the `push_reader` fuzz target: a BOM split across reads (a pipe delivering
    /// one byte at a time) was not recognised, and an array was read as one NDJSON line.
    #[test]
    fn a_bom_split_across_reads_is_still_skipped() {
        let read = |input: &[u8], capacity: usize| {
            let mut texts = Vec::new();
            let r = for_each_record(std::io::BufReader::with_capacity(capacity, input), |item| {
                if let Item::Line { text, .. } = item {
                    texts.push(String::from_utf8_lossy(text).into_owned());
                }
                Ok::<(), ()>(())
            });
            (r.ok(), texts)
        };
        for capacity in [1, 2, 3, 64] {
            let (format, texts) = read(b"\xEF\xBB\xBF[{\"a\":1},2]", capacity);
            assert_eq!(format, Some(Format::JsonArray), "capacity {capacity}");
            assert_eq!(texts, ["{\"a\":1}", "2"]);
            // Not a BOM: the bytes stay part of the first line.
            let (format, texts) = read(b"\xEF\xBB{\"a\":1}\n2", capacity);
            assert_eq!(format, Some(Format::Ndjson), "capacity {capacity}");
            assert_eq!(texts, ["\u{FFFD}{\"a\":1}", "2"]);
        }
    }

    #[test]
    fn array_elements_are_compacted_outside_strings() {
        let input = b"[\n  {\n    \"a b\" : \" x\\\" \\\\ y \",\n    \"n\": [ 1, 2 ]\n  }\n]";
        let mut texts = Vec::new();
        for_each_record::<_, ()>(&input[..], |item| {
            let Item::Line { text, .. } = item else {
                panic!("{item:?}")
            };
            texts.push(String::from_utf8(text.to_vec()).unwrap());
            Ok(())
        })
        .unwrap();
        assert_eq!(texts, vec![r#"{"a b":" x\" \\ y ","n":[1,2]}"#]);
    }

    #[test]
    fn compaction_does_not_depend_on_buffer_boundaries() {
        let input = "[ {\"k\\\"ey\" : \"a \\\\\\\" ,b\\u00e9\", \"n\" :\t[1 , {\"x\":\"]\"} ]} ,\n\
                     \"long string with spaces and a \\\" quote inside it\" , 12.5e3 ,true ]  \n";
        let texts = |capacity: usize| {
            let mut texts = Vec::new();
            for_each_record::<_, ()>(
                BufReader::with_capacity(capacity, input.as_bytes()),
                |item| {
                    let Item::Line { text, .. } = item else {
                        panic!("{item:?}")
                    };
                    texts.push(String::from_utf8(text.to_vec()).unwrap());
                    Ok(())
                },
            )
            .unwrap();
            texts
        };
        let expected = vec![
            r#"{"k\"ey":"a \\\" ,b\u00e9","n":[1,{"x":"]"}]}"#.to_owned(),
            r#""long string with spaces and a \" quote inside it""#.to_owned(),
            "12.5e3".to_owned(),
            "true".to_owned(),
        ];
        for capacity in 1..=40 {
            assert_eq!(texts(capacity), expected, "buffer of {capacity} bytes");
        }
    }

    #[test]
    fn quote_or_backslash_finds_the_first_one_at_any_position() {
        for len in 0..40 {
            for at in 0..len {
                for c in [b'"', b'\\'] {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = c;
                    // A later hit of the other kind must not win.
                    if at + 1 < len {
                        bytes[at + 1] = if c == b'"' { b'\\' } else { b'"' };
                    }
                    assert_eq!(quote_or_backslash(&bytes), Some(at), "{len} {at}");
                }
            }
            assert_eq!(quote_or_backslash(&vec![0xFF; len]), None);
        }
    }

    #[test]
    fn a_malformed_element_is_handed_over_and_reading_goes_on() {
        let (r, out) = collect(b"[{\"a\":1},{\"b\":\n2,},[1,{\"c\":\"]\"}] , 5]");
        assert_eq!(r.unwrap(), Format::JsonArray);
        assert_eq!(
            out,
            vec!["0:{\"a\":1}", "1!{\"b\":2,}", "2:[1,{\"c\":\"]\"}]", "3:5"]
        );
        let (r, out) = collect(b"[ ]");
        assert_eq!(r.unwrap(), Format::JsonArray);
        assert!(out.is_empty());
    }

    #[test]
    fn a_broken_array_reports_where() {
        let cases: [(&[u8], u64, usize, usize, &str); 4] = [
            (b"[{\"a\":1},\n{\"b\":2}", 1, 2, 8, "not closed"),
            (b"[{\"a\":1}] trailing", 1, 1, 11, "trailing characters"),
            (b"[1,\n,2]", 1, 2, 1, "expected a value"),
            (b"[1,2,]", 2, 1, 6, "trailing comma"),
        ];
        for (input, ordinal, line, column, message) in cases {
            match collect(input).0.unwrap_err() {
                ReadError::Syntax {
                    ordinal: o,
                    line: l,
                    column: c,
                    message: m,
                } => {
                    assert_eq!((o, l, c), (ordinal, line, column), "{m}");
                    assert!(m.contains(message), "{m}");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn ndjson_lines_blank_lines_and_bad_lines() {
        let (r, out) = collect(b"{\"a\":1}\r\n\n  \n{oops\n{\"c\":3}");
        assert_eq!(r.unwrap(), Format::Ndjson);
        assert_eq!(out, vec!["0:{\"a\":1}", "1!{oops", "2:{\"c\":3}"]);
        let (r, out) = collect(b"   \n\t");
        assert_eq!(r.unwrap(), Format::Empty);
        assert!(out.is_empty());
    }

    #[test]
    fn consumer_can_stop_the_reader() {
        let mut seen = 0;
        let r = for_each_record(&b"[1,2,3,4]"[..], |_| {
            seen += 1;
            if seen == 2 { Err("enough") } else { Ok(()) }
        });
        assert!(matches!(r, Err(ReadError::Stopped("enough"))));
        assert_eq!(seen, 2);
    }

    #[test]
    fn memory_is_bounded_for_a_large_array() {
        // A reader that generates a 200 MB array on the fly: if the reader materialised the
        // input this test would need gigabytes; it must stream in constant memory.
        struct Gen {
            left: u64,
            buf: Vec<u8>,
            pos: usize,
            started: bool,
        }
        impl Read for Gen {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                if self.pos == self.buf.len() {
                    self.buf.clear();
                    self.pos = 0;
                    if !self.started {
                        self.buf.push(b'[');
                        self.started = true;
                    } else if self.left == 0 {
                        return Ok(0);
                    } else {
                        self.left -= 1;
                        self.buf.extend_from_slice(b"{\"Msg\":\"");
                        self.buf.extend(std::iter::repeat_n(b'x', 1000));
                        self.buf
                            .extend_from_slice(if self.left == 0 { b"\"}]" } else { b"\"}," });
                    }
                }
                let n = out.len().min(self.buf.len() - self.pos);
                out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
                self.pos += n;
                Ok(n)
            }
        }
        let n = 200_000;
        let generator = Gen {
            left: n,
            buf: Vec::new(),
            pos: 0,
            started: false,
        };
        let mut count = 0u64;
        let r = for_each_record::<_, ()>(BufReader::new(generator), |item| {
            assert!(matches!(item, Item::Line { .. }));
            count += 1;
            Ok(())
        });
        assert_eq!(r.unwrap(), Format::JsonArray);
        assert_eq!(count, n);
    }

    /// An element, as read: ordinal, whether it is a `Line`, text.
    type Element = (u64, bool, Vec<u8>);
    /// A syntax error: ordinal, line, column, message.
    type Syntax = (u64, usize, usize, String);

    /// `input` (an array: `[` first) read with a buffer of `capacity` bytes.
    fn split(input: &[u8], capacity: usize) -> (Vec<Element>, Result<(), Syntax>) {
        let mut items = Vec::new();
        let r = for_each_record::<_, ()>(BufReader::with_capacity(capacity, input), |item| {
            items.push(match item {
                Item::Line { ordinal, text } => (ordinal, true, text.to_vec()),
                Item::Unparseable { ordinal, text, .. } => (ordinal, false, text),
            });
            Ok(())
        });
        let r = match r {
            Ok(format) => {
                assert_eq!(format, Format::JsonArray);
                Ok(())
            }
            Err(ReadError::Syntax {
                ordinal,
                line,
                column,
                message,
            }) => Err((ordinal, line, column, message)),
            Err(e) => panic!("{e}"),
        };
        (items, r)
    }

    /// The array splitting rules, spelt out one byte at a time: what the scanner must do
    /// whatever the buffer size and whichever path (block or byte) it takes.
    fn reference(input: &[u8]) -> (Vec<Element>, Result<(), Syntax>) {
        assert_eq!(input[0], b'[');
        let mut items = Vec::new();
        let mut element = Vec::new();
        let (mut depth, mut in_string, mut escaped) = (0u32, false, false);
        let (mut after_comma, mut closed) = (false, false);
        let (mut line, mut line_start) = (1, 0);
        let error = |items: &Vec<Element>, line, column, message: &str| {
            Err((items.len() as u64, line, column, message.to_owned()))
        };
        for (i, &b) in input.iter().enumerate().skip(1) {
            let column = i - line_start + 1;
            if b == b'\n' {
                line += 1;
                line_start = i + 1;
            }
            if in_string {
                element.push(b);
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                }
                continue;
            }
            if b.is_ascii_whitespace() {
                continue;
            }
            if closed {
                return (
                    items.clone(),
                    error(&items, line, column, "trailing characters after the array"),
                );
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth > 0 => depth -= 1,
                b',' if depth == 0 => {
                    if element.is_empty() {
                        let e = error(&items, line, column, "expected a value before `,`");
                        return (items, e);
                    }
                    items.push((items.len() as u64, true, std::mem::take(&mut element)));
                    after_comma = true;
                    continue;
                }
                b']' if depth == 0 => {
                    if !element.is_empty() {
                        items.push((items.len() as u64, true, std::mem::take(&mut element)));
                    } else if after_comma {
                        let e = error(&items, line, column, "trailing comma before `]`");
                        return (items, e);
                    }
                    closed = true;
                    continue;
                }
                _ => {}
            }
            element.push(b);
        }
        if closed {
            (items, Ok(()))
        } else {
            let column = input.len() - line_start + 1;
            let e = error(
                &items,
                line,
                column,
                "the array is not closed (input ended)",
            );
            (items, e)
        }
    }

    /// xorshift64*: deterministic test data without a dependency.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
        }

        fn pick<'a>(&mut self, from: &[&'a [u8]]) -> &'a [u8] {
            from[self.below(from.len())]
        }
    }

    /// A random JSON value with random whitespace, strings with escapes (quotes, backslashes,
    /// brackets and commas escaped or not), non-ASCII text and nesting.
    fn value(rng: &mut Rng, out: &mut Vec<u8>, depth: usize) {
        const WS: &[&[u8]] = &[b"", b"", b"", b" ", b"\n", b"\r\n  ", b"\t", b"\x0c"];
        const PIECES: &[&[u8]] = &[
            b"a",
            b"long run of plain text ",
            b"\\\"",
            b"\\\\",
            b"\\n",
            b"[",
            b"]",
            b"{",
            b"}",
            b",",
            b" ",
            "\u{e9}\u{20ac}".as_bytes(),
            b"\\u00e9",
            b"Y_y\x7f",
            b":",
        ];
        let ws = |rng: &mut Rng, out: &mut Vec<u8>| out.extend_from_slice(rng.pick(WS));
        ws(rng, out);
        match if depth > 3 {
            3 + rng.below(3)
        } else {
            rng.below(6)
        } {
            0 | 1 => {
                let (open, close) = if rng.below(2) == 0 {
                    (b'{', b'}')
                } else {
                    (b'[', b']')
                };
                out.push(open);
                for k in 0..rng.below(6) {
                    if k > 0 {
                        ws(rng, out);
                        out.push(b',');
                    }
                    if open == b'{' {
                        ws(rng, out);
                        out.extend_from_slice(b"\"k\"");
                        ws(rng, out);
                        out.push(b':');
                    }
                    value(rng, out, depth + 1);
                }
                ws(rng, out);
                out.push(close);
            }
            2 | 3 => {
                out.push(b'"');
                for _ in 0..rng.below(12) {
                    out.extend_from_slice(rng.pick(PIECES));
                }
                out.push(b'"');
            }
            _ => out.extend_from_slice(rng.pick(&[b"12.5e3", b"-7", b"true", b"null"])),
        }
        ws(rng, out);
    }

    #[test]
    fn the_scanner_agrees_with_the_reference_on_random_arrays() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut elements = 0;
        for case in 0..3000 {
            let mut input = b"[".to_vec();
            for k in 0..rng.below(12) {
                if k > 0 {
                    input.push(b',');
                }
                value(&mut rng, &mut input, 0);
            }
            input.push(b']');
            // Most cases are corrupted: a byte changed, inserted or removed, or the input cut.
            for _ in 0..rng.below(3) {
                if input.len() < 2 {
                    break;
                }
                let at = 1 + rng.below(input.len() - 1);
                let byte = rng.pick(&[b"\"", b"\\", b",", b"]", b"[", b"{", b"}", b" ", b"x"])[0];
                match rng.below(4) {
                    0 => input[at] = byte,
                    1 => input.insert(at, byte),
                    2 => drop(input.remove(at)),
                    _ => input.truncate(at.max(1)),
                }
            }
            if rng.below(4) == 0 {
                input.extend_from_slice(rng.pick(&[b" \n", b" x", b",", b"]"]));
            }
            let expected = reference(&input);
            elements += expected.0.len();
            for capacity in [1, 3, 63, 64, 65, 100, 128, 1000, 1 << 16] {
                assert_eq!(
                    split(&input, capacity),
                    expected,
                    "case {case}, buffer of {capacity} bytes: {}",
                    String::from_utf8_lossy(&input)
                );
            }
        }
        assert!(
            elements > 10_000,
            "the cases hand over elements: {elements}"
        );
    }

    #[test]
    fn blocks_split_like_bytes_at_every_alignment() {
        // Records longer than a block, with escaped quotes and brackets, whitespace to drop
        // and nesting, shifted by 0..64 bytes so that every byte meets every block boundary.
        let record = "{\"Msg\" : \"a \\\"quoted\\\" [x], {y} \\\\\",\n  \"Ok\":true,\t\"N\":[1, {\"d\":[]}],\
                      \"Long\":\"0123456789012345678901234567890123456789012345678901234567890123456789\"}";
        let compact = "{\"Msg\":\"a \\\"quoted\\\" [x], {y} \\\\\",\"Ok\":true,\"N\":[1,{\"d\":[]}],\
                       \"Long\":\"0123456789012345678901234567890123456789012345678901234567890123456789\"}";
        for shift in 0..64 {
            let mut input = b"[".to_vec();
            input.extend(std::iter::repeat_n(b' ', shift));
            for k in 0..5 {
                if k > 0 {
                    input.extend_from_slice(b" ,\n");
                }
                input.extend_from_slice(record.as_bytes());
            }
            input.extend_from_slice(b"\n]\n");
            let (items, r) = split(&input, 1 << 16);
            assert_eq!(r, Ok(()));
            assert_eq!(items.len(), 5);
            for (ordinal, (o, line, text)) in items.iter().enumerate() {
                assert_eq!((*o, *line), (ordinal as u64, true));
                assert_eq!(std::str::from_utf8(text).unwrap(), compact, "shift {shift}");
            }
            assert_eq!(split(&input, 1 << 16), reference(&input));
        }
    }

    #[test]
    fn truncated_and_trailing_input_is_reported_after_long_elements() {
        let long = format!("{{\"a\":\"{}\"}}", "x".repeat(200));
        let cases = [
            (format!("[{long},{long}"), "not closed"),
            (format!("[{long},{long}]  x"), "trailing characters"),
            (format!("[{long},{long},]"), "trailing comma"),
            (format!("[{long},  ,{long}]"), "expected a value"),
            (format!("[{long},\"abc \\\" ]"), "not closed"),
        ];
        for (input, message) in cases {
            for capacity in [7, 64, 1 << 16] {
                let (items, r) = split(input.as_bytes(), capacity);
                let (ordinal, _, _, m) = r.unwrap_err();
                assert!(m.contains(message), "{m}");
                assert_eq!(ordinal as usize, items.len());
                assert_eq!(
                    split(input.as_bytes(), capacity),
                    reference(input.as_bytes())
                );
            }
        }
    }

    #[test]
    fn classifiers_mark_the_right_bytes() {
        let mut rng = Rng(7);
        for _ in 0..2000 {
            let mut block = [0u8; BLOCK];
            for b in &mut block {
                *b = if rng.below(2) == 0 {
                    rng.pick(&[b"\"", b"\\", b",", b"[", b"]", b"{", b"}", b" ", b"-", b"a"])[0]
                } else {
                    rng.below(256) as u8
                };
            }
            let bit = |pred: &dyn Fn(u8) -> bool| {
                (0..BLOCK).fold(0u64, |m, i| m | (u64::from(pred(block[i])) << i))
            };
            let expected = Masks {
                quote: bit(&|b| b == b'"'),
                backslash: bit(&|b| b == b'\\'),
                comma: bit(&|b| b == b','),
                candidate: bit(&|b| b < b'-' || b & 0xD9 == 0x59),
            };
            assert_eq!(classify(&block), expected);
            assert_eq!(classify_swar(&block), expected);
        }
        for b in [
            b'[', b']', b'{', b'}', b' ', b'\t', b'\n', b'\r', 0x0C, b',',
        ] {
            assert!(b < b'-' || b & 0xD9 == 0x59, "{b:#x} is a candidate");
        }
        assert_eq!(prefix_xor(0b1000_0100), 0b0111_1100);
    }
}
