//! Streaming input: a JSON array (read element by element) or NDJSON (line by line), detected
//! from the first non-blank byte. Memory stays bounded by the largest record, whatever the
//! input size: the input is never materialised. Records are handed over as JSON text (an
//! NDJSON line, or an array element with its insignificant whitespace removed), so a consumer
//! can check and forward them without building a `Value`.

use std::cell::RefCell;
use std::fmt;
use std::io::{BufRead, Read};

use serde::de::{self, SeqAccess, Visitor};
use serde_json::value::RawValue;

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
        None => Ok(Format::Empty),
        Some(b'[') => {
            read_array(input, &mut f)?;
            Ok(Format::JsonArray)
        }
        Some(_) => {
            read_ndjson(input, &mut f)?;
            Ok(Format::Ndjson)
        }
    }
}

/// Skips a UTF-8 BOM and whitespace; returns the next byte without consuming it.
fn first_byte<R: BufRead>(input: &mut R) -> std::io::Result<Option<u8>> {
    let mut at_start = true;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        if at_start && buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
            input.consume(3);
            at_start = false;
            continue;
        }
        at_start = false;
        let skip = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if skip < buf.len() {
            let b = buf[skip];
            input.consume(skip);
            return Ok(Some(b));
        }
        let n = buf.len();
        input.consume(n);
    }
}

fn read_ndjson<R: BufRead, E>(
    mut input: R,
    f: &mut impl FnMut(Item<'_>) -> Result<(), E>,
) -> Result<(), ReadError<E>> {
    let mut line = Vec::new();
    let mut ordinal = 0u64;
    loop {
        line.clear();
        let n = (&mut input)
            .take(MAX_LINE_BYTES as u64)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
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

fn trim(bytes: &[u8]) -> &[u8] {
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

/// Streams the elements of a top-level array through serde without collecting them.
fn read_array<R: BufRead, E>(
    input: R,
    f: &mut impl FnMut(Item<'_>) -> Result<(), E>,
) -> Result<(), ReadError<E>> {
    let stopped: RefCell<Option<E>> = RefCell::new(None);
    let count = RefCell::new(0u64);
    let mut de = serde_json::Deserializer::from_reader(input);
    let visitor = ElementVisitor {
        f,
        stopped: &stopped,
        count: &count,
    };
    let result = de::Deserializer::deserialize_seq(&mut de, visitor).and_then(|()| de.end());
    if let Some(e) = stopped.into_inner() {
        return Err(ReadError::Stopped(e));
    }
    result.map_err(|e| {
        if e.is_io() {
            ReadError::Io(std::io::Error::other(e.to_string()))
        } else {
            ReadError::Syntax {
                ordinal: *count.borrow(),
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            }
        }
    })
}

struct ElementVisitor<'a, F, E> {
    f: &'a mut F,
    stopped: &'a RefCell<Option<E>>,
    count: &'a RefCell<u64>,
}

impl<'de, F, E> Visitor<'de> for ElementVisitor<'_, F, E>
where
    F: FnMut(Item<'_>) -> Result<(), E>,
{
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut compact = Vec::new();
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            let ordinal = *self.count.borrow();
            *self.count.borrow_mut() += 1;
            compact_json(raw.get().as_bytes(), &mut compact);
            if let Err(e) = (self.f)(Item::Line {
                ordinal,
                text: &compact,
            }) {
                *self.stopped.borrow_mut() = Some(e);
                return Err(de::Error::custom("stopped by the consumer"));
            }
        }
        Ok(())
    }
}

/// Copies valid JSON `text` into `out` without the whitespace outside strings (a pretty-printed
/// array element is sent as compactly as an NDJSON line).
fn compact_json(text: &[u8], out: &mut Vec<u8>) {
    out.clear();
    if !text.iter().any(|b| b.is_ascii_whitespace()) {
        out.extend_from_slice(text);
        return;
    }
    let mut in_string = false;
    let mut escaped = false;
    for &b in text {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if !b.is_ascii_whitespace() {
            out.push(b);
            in_string = b == b'"';
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
    fn broken_array_reports_position_after_the_good_records() {
        let (r, out) = collect(b"[{\"a\":1},{\"b\":\n2,}]");
        assert_eq!(out.len(), 1);
        match r.unwrap_err() {
            ReadError::Syntax { ordinal, line, .. } => assert_eq!((ordinal, line), (1, 2)),
            other => panic!("{other:?}"),
        }
        let (r, _) = collect(b"[{\"a\":1}] trailing");
        assert!(matches!(r, Err(ReadError::Syntax { .. })));
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
