//! Where values are inside a JSON text, by JSON path — the JSON counterpart of
//! [`crate::source::TomlSpans`], for findings about hand-written connector files.
//!
//! Parsing with `serde_json` gives values without positions. Findings are rare, so positions
//! are found afterwards and only on demand: [`locate`] scans the text once for a set of
//! wanted paths and skips every subtree that leads to none of them. A path that does not
//! exist resolves to its closest existing ancestor (a missing key points at the object that
//! should hold it).

use std::fmt;
use std::ops::Range;

/// One step of a [`JsonPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
}

/// A path from the document root to a value: `properties.dataFlows[0].transformKql`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JsonPath(Vec<Segment>);

impl JsonPath {
    /// The document root.
    pub fn root() -> JsonPath {
        JsonPath(Vec::new())
    }

    /// This path extended by an object member.
    pub fn key(&self, key: impl Into<String>) -> JsonPath {
        let mut p = self.clone();
        p.0.push(Segment::Key(key.into()));
        p
    }

    /// This path extended by an array element.
    pub fn index(&self, index: usize) -> JsonPath {
        let mut p = self.clone();
        p.0.push(Segment::Index(index));
        p
    }

    /// This path extended by several members: `keys(&["properties", "schema"])`.
    pub fn keys(&self, keys: &[&str]) -> JsonPath {
        let mut p = self.clone();
        p.0.extend(keys.iter().map(|k| Segment::Key((*k).to_string())));
        p
    }

    /// This path followed by `other`.
    pub fn join(&self, other: &JsonPath) -> JsonPath {
        let mut p = self.clone();
        p.0.extend(other.0.iter().cloned());
        p
    }

    /// Appends a step in place.
    pub fn push(&mut self, segment: Segment) {
        self.0.push(segment);
    }

    /// Removes the last step in place.
    pub fn pop(&mut self) -> Option<Segment> {
        self.0.pop()
    }

    /// The steps.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// Whether this is the root.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("$");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Segment::Index(n) => write!(f, "[{n}]")?,
                Segment::Key(k) if is_plain_key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Segment::Key(k) => write!(f, "[{}]", serde_json::Value::from(k.as_str()))?,
            }
        }
        Ok(())
    }
}

fn is_plain_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// Where one value is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The member name including its quotes, when the value is an object member.
    pub key: Option<Range<usize>>,
    /// The value (for a string: including its quotes).
    pub value: Range<usize>,
    /// How many leading segments of the wanted path exist (all of them unless the path was
    /// missing and an ancestor was returned).
    pub depth: usize,
}

/// Finds each wanted path in `text` (valid JSON). Each answer is the span of the path, or of
/// its deepest existing ancestor; `None` only when the text is not JSON at all.
pub fn locate(text: &str, wanted: &[&JsonPath]) -> Vec<Option<Span>> {
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        pos: 0,
        wanted,
        found: vec![None; wanted.len()],
        stack: Vec::new(),
        open: wanted.len(),
    };
    scanner.skip_ws();
    let start = scanner.pos;
    if scanner.value(None, start).is_err() {
        // Keep whatever was found before the text went wrong.
    }
    scanner.found
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    wanted: &'a [&'a JsonPath],
    found: Vec<Option<Span>>,
    /// The path of the value being scanned.
    stack: Vec<StackSeg<'a>>,
    /// Wanted paths not found exactly yet; the scan stops when none is left.
    open: usize,
}

#[derive(Clone, Copy)]
enum StackSeg<'a> {
    /// Raw member name (without quotes; escapes compared after decoding when present).
    Key(&'a str),
    Index(usize),
}

struct Bad;

impl<'a> Scanner<'a> {
    /// Which wanted paths have the current stack as a prefix (or equal).
    fn interest(&self) -> bool {
        self.wanted
            .iter()
            .any(|w| w.0.len() >= self.stack.len() && self.prefix_matches(w))
    }

    fn prefix_matches(&self, w: &JsonPath) -> bool {
        self.stack.iter().zip(&w.0).all(|(s, seg)| match (s, seg) {
            (StackSeg::Index(a), Segment::Index(b)) => a == b,
            (StackSeg::Key(raw), Segment::Key(k)) => key_equals(raw, k),
            _ => false,
        })
    }

    /// Records the value just scanned for every wanted path it is, or is the deepest
    /// ancestor of so far.
    fn record(&mut self, key: Option<Range<usize>>, value: Range<usize>) {
        let depth = self.stack.len();
        for i in 0..self.wanted.len() {
            let w = self.wanted[i];
            if w.0.len() < depth || !self.prefix_matches(w) {
                continue;
            }
            let better = self.found[i].as_ref().is_none_or(|f| f.depth < depth);
            if better {
                if depth == w.0.len() {
                    self.open -= 1;
                }
                self.found[i] = Some(Span {
                    key: key.clone(),
                    value: value.clone(),
                    depth,
                });
            }
        }
    }

    fn value(&mut self, key: Option<Range<usize>>, start: usize) -> Result<(), Bad> {
        if self.open == 0 {
            // Everything is found; nothing later can be a better answer.
            return Err(Bad);
        }
        let interesting = self.interest();
        match self.peek() {
            Some(b'{') => {
                if interesting {
                    self.object()?;
                } else {
                    self.skip_container()?;
                }
            }
            Some(b'[') => {
                if interesting {
                    self.array()?;
                } else {
                    self.skip_container()?;
                }
            }
            Some(b'"') => self.string()?,
            Some(_) => self.scalar(),
            None => return Err(Bad),
        }
        if interesting {
            self.record(key, start..self.pos);
        }
        Ok(())
    }

    fn object(&mut self) -> Result<(), Bad> {
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            let key_start = self.pos;
            self.string()?;
            let key_end = self.pos;
            let raw =
                std::str::from_utf8(&self.bytes[key_start + 1..key_end - 1]).map_err(|_| Bad)?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(Bad);
            }
            self.pos += 1;
            self.skip_ws();
            self.stack.push(StackSeg::Key(raw));
            let start = self.pos;
            let r = self.value(Some(key_start..key_end), start);
            self.stack.pop();
            r?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(Bad),
            }
        }
    }

    fn array(&mut self) -> Result<(), Bad> {
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        let mut i = 0;
        loop {
            self.skip_ws();
            self.stack.push(StackSeg::Index(i));
            let start = self.pos;
            let r = self.value(None, start);
            self.stack.pop();
            r?;
            i += 1;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(Bad),
            }
        }
    }

    /// Skips an object or array without looking inside (strings are still honoured).
    fn skip_container(&mut self) -> Result<(), Bad> {
        let mut depth = 0usize;
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'"' => {
                    self.string()?;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        return Ok(());
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        Err(Bad)
    }

    fn string(&mut self) -> Result<(), Bad> {
        if self.peek() != Some(b'"') {
            return Err(Bad);
        }
        self.pos += 1;
        // the next quote or backslash, found a word at a time
        while let Some(rest) = self.bytes.get(self.pos..) {
            match memchr::memchr2(b'"', b'\\', rest) {
                Some(i) if rest[i] == b'"' => {
                    self.pos += i + 1;
                    return Ok(());
                }
                Some(i) => self.pos += i + 2,
                None => break,
            }
        }
        Err(Bad)
    }

    fn scalar(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace() {
                break;
            }
            self.pos += 1;
        }
    }

    fn skip_ws(&mut self) {
        while self
            .bytes
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_whitespace())
        {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }
}

/// Compares a raw member name (as written between the quotes) with a decoded key.
fn key_equals(raw: &str, key: &str) -> bool {
    if !raw.contains('\\') {
        return raw == key;
    }
    serde_json::from_str::<String>(&format!("\"{raw}\"")).is_ok_and(|k| k == key)
}

/// The byte offset in the raw JSON string literal `literal` (quotes included) of byte
/// `offset` of its decoded text; the end of the literal when `offset` is past the end.
pub fn string_offset(literal: &str, offset: usize) -> usize {
    let bytes = literal.as_bytes();
    if bytes.first() != Some(&b'"') {
        return 0;
    }
    let mut raw = 1;
    let mut decoded = 0;
    while raw < bytes.len() && decoded < offset {
        match bytes[raw] {
            b'"' => break,
            b'\\' => {
                let (raw_len, dec_len) = escape_lengths(&bytes[raw..]);
                raw += raw_len;
                decoded += dec_len;
            }
            b => {
                let len = utf8_len(b);
                raw += len;
                decoded += len;
            }
        }
    }
    raw.min(bytes.len())
}

/// (raw bytes, decoded UTF-8 bytes) of the escape sequence at the start of `s`.
fn escape_lengths(s: &[u8]) -> (usize, usize) {
    if s.get(1) != Some(&b'u') {
        return (2, 1);
    }
    let hex = |at: usize| {
        s.get(at..at + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok())
    };
    match hex(2) {
        Some(0xD800..=0xDBFF) if s.get(6..8) == Some(b"\\u") && hex(8).is_some() => (12, 4),
        Some(cp) => (6, char::from_u32(cp).map_or(3, char::len_utf8)),
        None => (2, 1),
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
  "name": "X",
  "properties": {
    "streamDeclarations": { "Custom-A.b": { "columns": [ {"name": "a"}, {"name": "b", "type": "int"} ] } },
    "dataFlows": [ { "transformKql": "source | extend \"x\" = 1" } ]
  }
}"#;

    fn at<'t>(text: &'t str, p: &JsonPath) -> (&'t str, usize) {
        let s = locate(text, &[p])[0].clone().unwrap();
        (&text[s.value], s.depth)
    }

    #[test]
    fn finds_values_keys_and_ancestors() {
        let root = JsonPath::root();
        let cols = root.keys(&["properties", "streamDeclarations", "Custom-A.b", "columns"]);
        assert_eq!(at(DOC, &cols.index(1).key("type")).0, "\"int\"");
        assert_eq!(at(DOC, &root.key("name")).0, "\"X\"");
        // A missing member falls back to the object that should hold it.
        let (text, depth) = at(DOC, &cols.index(0).key("type"));
        assert_eq!(text, "{\"name\": \"a\"}");
        assert_eq!(depth, 5);
        let s = locate(DOC, &[&root.key("name")])[0].clone().unwrap();
        assert_eq!(&DOC[s.key.unwrap()], "\"name\"");
        assert_eq!(
            cols.index(1).key("type").to_string(),
            "properties.streamDeclarations[\"Custom-A.b\"].columns[1].type"
        );
        // Several paths in one scan, in the order asked.
        let a = root.key("name");
        let b = root.keys(&["properties", "dataFlows"]).index(0);
        let found = locate(DOC, &[&b, &a]);
        assert!(DOC[found[0].clone().unwrap().value].starts_with("{ \"transformKql\""));
        assert_eq!(&DOC[found[1].clone().unwrap().value], "\"X\"");
    }

    #[test]
    fn arrays_at_the_root() {
        let text = "[ {\"a\": 1}, {\"a\": [true, null]} ]";
        let p = JsonPath::root().index(1).key("a").index(1);
        assert_eq!(at(text, &p).0, "null");
        assert_eq!(p.to_string(), "[1].a[1]");
    }

    #[test]
    fn skipped_containers_honour_strings_and_nesting() {
        // Brackets and escaped quotes inside strings of a skipped value are not structure.
        let text = r#"{"skip": {"a": "}]\"[{", "b": [[{}], {"c": "]"}]}, "x": [1, {"y": "z"}]}"#;
        let p = JsonPath::root().key("x").index(1).key("y");
        assert_eq!(at(text, &p).0, "\"z\"");
        // Unbalanced or unterminated input: no panic; what was found before is kept.
        for bad in [
            r#"{"skip": {"a": [}, "x": 1}"#,
            r#"{"skip": {"a": "]}"#,
            r#"{"skip": [[[["#,
            r#"{"skip": }}}]]], "x": 1}"#,
        ] {
            let found = locate(bad, &[&JsonPath::root().key("x")]);
            assert_eq!(found.len(), 1, "{bad}");
        }
        let found = locate(
            r#"{"x": 1, "skip": {"a": [}"#,
            &[&JsonPath::root().key("x")],
        );
        assert_eq!(
            &r#"{"x": 1, "skip": {"a": [}"#[found[0].clone().unwrap().value],
            "1"
        );
    }

    #[test]
    fn decoded_offsets_map_to_raw_offsets() {
        let lit = r#""a\"b\u00e9c\ud83d\ude00d""#;
        // decoded: a " b é(2) c 😀(4) d
        assert_eq!(string_offset(lit, 0), 1);
        assert_eq!(string_offset(lit, 1), 2);
        assert_eq!(string_offset(lit, 2), 4);
        assert_eq!(string_offset(lit, 3), 5);
        assert_eq!(string_offset(lit, 5), 11);
        assert_eq!(string_offset(lit, 6), 12);
        assert_eq!(string_offset(lit, 10), 24);
        assert_eq!(&lit[string_offset(lit, 10)..], "d\"");
    }
}
