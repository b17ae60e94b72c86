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

/// Splits a top-level JSON array into the text of its elements with a byte scanner (strings,
/// escapes and nesting tracked, whitespace outside strings dropped), so an element costs what
/// an NDJSON line costs. The consumer parses each element: a malformed element is
/// dead-lettered like a bad NDJSON line, and reading goes on. A broken array (not closed, an
/// empty element, text after the closing bracket) stops with [`ReadError::Syntax`].
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
    };
    let (mut depth, mut in_string, mut escaped) = (0u32, false, false);
    let (mut after_comma, mut closed) = (false, false);
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let n = buf.len();
        let mut i = 0;
        // `buf[run..i]` is element text not yet copied: it is copied in one go when whitespace
        // outside a string, the element's end or the buffer's end interrupts it.
        let mut run = 0;
        while i < n {
            if in_string {
                if escaped {
                    escaped = false;
                    i += 1;
                    continue;
                }
                match quote_or_backslash(&buf[i..]) {
                    None => i = n,
                    Some(k) => {
                        if buf[i + k] == b'"' {
                            in_string = false;
                        } else {
                            escaped = true;
                        }
                        i += k + 1;
                    }
                }
                continue;
            }
            let b = buf[i];
            if b.is_ascii_whitespace() {
                scan.push(&buf[run..i]);
                i += 1;
                run = i;
                continue;
            }
            if closed {
                return Err(scan.syntax(buf, i, "trailing characters after the array"));
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth > 0 => depth -= 1,
                b',' if depth == 0 => {
                    scan.push(&buf[run..i]);
                    if scan.element.is_empty() && !scan.too_long {
                        return Err(scan.syntax(buf, i, "expected a value before `,`"));
                    }
                    scan.emit(f)?;
                    after_comma = true;
                    run = i + 1;
                }
                b']' if depth == 0 => {
                    scan.push(&buf[run..i]);
                    if scan.element.is_empty() && !scan.too_long {
                        if after_comma {
                            return Err(scan.syntax(buf, i, "trailing comma before `]`"));
                        }
                    } else {
                        scan.emit(f)?;
                    }
                    closed = true;
                    run = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        scan.push(&buf[run..n]);
        scan.consumed(buf);
        input.consume(n);
    }
    if closed {
        Ok(())
    } else {
        Err(scan.syntax(&[], 0, "the array is not closed (input ended)"))
    }
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

/// The element being collected by [`read_array`], and where the scanner is (lines are
/// counted per buffer, not per byte; a position is worked out only for an error).
struct ArrayScan {
    element: Vec<u8>,
    too_long: bool,
    ordinal: u64,
    /// Line (from 1) at the start of the current buffer.
    line: usize,
    /// Absolute offset of the first byte of that line.
    line_start: usize,
    /// Absolute offset of the start of the current buffer.
    offset: usize,
}

impl ArrayScan {
    fn push(&mut self, bytes: &[u8]) {
        if self.element.len() + bytes.len() <= MAX_LINE_BYTES {
            self.element.extend_from_slice(bytes);
        } else {
            self.too_long = true;
        }
    }

    fn emit<E>(
        &mut self,
        f: &mut impl FnMut(Item<'_>) -> Result<(), E>,
    ) -> Result<(), ReadError<E>> {
        let ordinal = self.ordinal;
        let result = if self.too_long {
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
}
