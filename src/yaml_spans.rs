//! An order-preserving YAML document tree with the place of every key and value — the YAML
//! counterpart of [`crate::json_spans`], for findings inside solution content files
//! (`Analytic Rules/*.yaml`, `Hunting Queries/*.yaml`, `Parsers/*.yaml`).
//!
//! The text is read by `saphyr-parser` (a YAML 1.2 event parser that gives each event a start
//! and end marker) and built into a tree of [`Node`]s, each with its byte span and 1-based
//! line:column. Mapping entries keep their order and their key's place. A scalar's decoded
//! value can be mapped back into the text ([`Document::scalar_offset`]): a KQL finding at
//! byte 40 of a `query: |` block scalar, or of a double-quoted string full of escapes, points
//! at the right line and column of the file.
//!
//! [`Node::to_json`] converts to `serde_json::Value` (key order kept) with the YAML 1.2 core
//! schema: plain `null`/`~`/empty → null, `true`/`false`, integers, floats; quoted and block
//! scalars are strings. Aliases are expanded while building (so the tree has none), within the
//! node budget.
//!
//! Parsing never panics and never allocates without bound: a text over [`MAX_BYTES`], nesting
//! deeper than [`MAX_DEPTH`] or more than [`MAX_NODES`] nodes (alias expansions included) is
//! an error, as is any syntax error, a second document or an alias to an unknown anchor.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span};
use serde_json::{Map, Number, Value};

/// The largest text parsed (the limit `ccfgen check` has for JSON files).
pub const MAX_BYTES: usize = 32 << 20;
/// The deepest nesting of collections accepted.
pub const MAX_DEPTH: usize = 128;
/// The most nodes a document may have, alias expansions and anchor copies included.
pub const MAX_NODES: usize = 1_000_000;

/// A 1-based line and column (in characters) in the text, as YAML counts them: `\n`, `\r\n`
/// and a lone `\r` end a line; a byte order mark is no column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Why a text is not a YAML document this module reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at line {} column {}", pos.line, pos.column)]
pub struct YamlError {
    /// What is wrong (the parser's words for syntax errors).
    pub message: String,
    /// Byte offset in the text where it went wrong.
    pub offset: usize,
    /// Line and column of `offset`.
    pub pos: Pos,
}

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    /// Unquoted: `key: value`.
    Plain,
    /// `'single quoted'` (`''` is a quote).
    SingleQuoted,
    /// `"double quoted"` (backslash escapes).
    DoubleQuoted,
    /// A literal block scalar: `|`, `|-`, `|+`.
    Literal,
    /// A folded block scalar: `>`, `>-`, `>+`.
    Folded,
}

impl From<ScalarStyle> for Style {
    fn from(s: ScalarStyle) -> Style {
        match s {
            ScalarStyle::SingleQuoted => Style::SingleQuoted,
            ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
            ScalarStyle::Literal => Style::Literal,
            ScalarStyle::Folded => Style::Folded,
            _ => Style::Plain,
        }
    }
}

/// A scalar: its decoded text and how it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The decoded value (escapes, folding and indentation applied).
    pub value: String,
    /// How it was written.
    pub style: Style,
}

/// One `key: value` of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key node (usually a plain scalar).
    pub key: Node,
    /// The value node.
    pub value: Node,
}

/// What a node holds.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A scalar (strings, numbers, booleans, null are all scalars in the tree).
    Scalar(Scalar),
    /// A sequence, block (`- a`) or flow (`[a, b]`).
    Sequence(Vec<Node>),
    /// A mapping, block or flow, entries in written order (duplicates kept).
    Mapping(Vec<Entry>),
}

/// One node of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Byte range in the text: a scalar's text (quotes included; a block scalar's content,
    /// from its first content character), a collection from its first character.
    pub span: Range<usize>,
    /// Line and column of `span.start`.
    pub pos: Pos,
    /// For an alias (`*x`), whose `span` is the alias itself: the span of the anchored node
    /// it copies, where its text is written (scalar offsets map there). `None` for a node
    /// written in place.
    pub alias_of: Option<Range<usize>>,
    /// The tag as written (`!!str`, `!Custom`), if any.
    pub tag: Option<String>,
    /// What it holds.
    pub kind: NodeKind,
    /// Nodes in this subtree (itself included).
    size: usize,
    /// Whether the node's written text (its span, or for an alias the anchored node's)
    /// starts with its properties: an anchor or a tag written before it (`&a |`, `!!str x`).
    props: bool,
}

impl Node {
    /// The scalar, if this node is one.
    pub fn scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The decoded text of a scalar that is not null (a plain `null`, `~` or empty value
    /// is none).
    pub fn as_str(&self) -> Option<&str> {
        self.scalar()
            .filter(|_| !self.is_null())
            .map(|s| s.value.as_str())
    }

    /// Whether this is a null scalar: plain `null`/`Null`/`NULL`/`~` or nothing at all.
    pub fn is_null(&self) -> bool {
        match &self.kind {
            NodeKind::Scalar(s) => {
                s.style == Style::Plain && self.tag.is_none() && is_null_text(&s.value)
            }
            _ => false,
        }
    }

    /// The items of a sequence (empty for other nodes).
    pub fn items(&self) -> &[Node] {
        match &self.kind {
            NodeKind::Sequence(items) => items,
            _ => &[],
        }
    }

    /// The entries of a mapping, in written order (empty for other nodes).
    pub fn entries(&self) -> &[Entry] {
        match &self.kind {
            NodeKind::Mapping(entries) => entries,
            _ => &[],
        }
    }

    /// Whether this is a mapping.
    pub fn is_mapping(&self) -> bool {
        matches!(self.kind, NodeKind::Mapping(_))
    }

    /// Whether this is a sequence.
    pub fn is_sequence(&self) -> bool {
        matches!(self.kind, NodeKind::Sequence(_))
    }

    /// The entry whose key is the scalar `key` (the last one when it is written twice, as
    /// in [`Node::to_json`]).
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries()
            .iter()
            .rev()
            .find(|e| e.key.scalar().is_some_and(|s| s.value == key))
    }

    /// The value of the entry named `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// Nodes in this subtree (itself included).
    pub fn size(&self) -> usize {
        self.size
    }

    /// What kind of node this is, in words for messages: `a mapping`, `a sequence`,
    /// `a string`, `a number`, `a boolean`, `null`.
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            NodeKind::Mapping(_) => "a mapping",
            NodeKind::Sequence(_) => "a sequence",
            NodeKind::Scalar(_) => match self.to_json_shallow() {
                Value::Null => "null",
                Value::Bool(_) => "a boolean",
                Value::Number(_) => "a number",
                _ => "a string",
            },
        }
    }

    /// The JSON value of this node (mapping key order kept; the last of duplicate keys
    /// wins; non-scalar keys are written as their JSON text).
    pub fn to_json(&self) -> Value {
        match &self.kind {
            NodeKind::Scalar(_) => self.to_json_shallow(),
            NodeKind::Sequence(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Mapping(entries) => {
                let mut map = Map::new();
                for e in entries {
                    let key = match &e.key.kind {
                        NodeKind::Scalar(s) => s.value.clone(),
                        _ => e.key.to_json().to_string(),
                    };
                    // Remove first so that a duplicate key takes its last place, as a
                    // fresh insert would (serde_json's preserve_order keeps the first).
                    map.shift_remove(&key);
                    map.insert(key, e.value.to_json());
                }
                Value::Object(map)
            }
        }
    }

    fn to_json_shallow(&self) -> Value {
        let NodeKind::Scalar(s) = &self.kind else {
            return Value::Null;
        };
        let tag = self.tag.as_deref().unwrap_or("");
        if s.style != Style::Plain || tag == "!!str" || tag == "!" {
            return Value::String(s.value.clone());
        }
        resolve_plain(&s.value)
    }
}

fn is_null_text(t: &str) -> bool {
    matches!(t, "" | "~" | "null" | "Null" | "NULL")
}

/// The YAML 1.2 core schema for a plain scalar.
fn resolve_plain(t: &str) -> Value {
    if is_null_text(t) {
        return Value::Null;
    }
    match t {
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    let unsigned = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits(unsigned, 10) {
        if let Ok(n) = t.parse::<i64>() {
            return Value::Number(n.into());
        }
        if let Ok(n) = t.trim_start_matches('+').parse::<u64>() {
            return Value::Number(n.into());
        }
    }
    if let Some(h) = t.strip_prefix("0x").filter(|h| digits(h, 16))
        && let Ok(n) = u64::from_str_radix(h, 16)
    {
        return Value::Number(n.into());
    }
    if let Some(o) = t.strip_prefix("0o").filter(|o| digits(o, 8))
        && let Ok(n) = u64::from_str_radix(o, 8)
    {
        return Value::Number(n.into());
    }
    if is_core_float(t)
        && let Some(n) = t.parse::<f64>().ok().and_then(Number::from_f64)
    {
        return Value::Number(n);
    }
    // `.inf`/`.nan` and numbers JSON cannot hold stay text.
    Value::String(t.to_string())
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_core_float(t: &str) -> bool {
    let b = t.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int_digits = i - int_start;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if int_digits == 0 && i == frac_start {
            return false;
        }
    } else if int_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}

/// A parsed YAML text: its root node and what is needed to map positions.
#[derive(Debug, Clone)]
pub struct Document {
    /// The root node (a null scalar at 1:1 for a text without content).
    pub root: Node,
    text: String,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
}

impl Document {
    /// Parses one YAML document.
    pub fn parse(text: &str) -> Result<Document, YamlError> {
        let line_starts = line_starts(text);
        let mut doc = Document {
            root: Node {
                span: 0..0,
                pos: Pos { line: 1, column: 1 },
                alias_of: None,
                tag: None,
                kind: NodeKind::Scalar(Scalar {
                    value: String::new(),
                    style: Style::Plain,
                }),
                size: 1,
                props: false,
            },
            text: text.to_string(),
            line_starts,
        };
        if text.len() > MAX_BYTES {
            return Err(doc.error(
                format!("the text is larger than {} MiB", MAX_BYTES >> 20),
                0,
            ));
        }
        if let Some(root) = Builder::new(&doc).build()? {
            doc.root = root;
        }
        Ok(doc)
    }

    /// The text parsed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Line and column (1-based, characters) of a byte offset (clamped to the text), counted
    /// as for [`Pos`].
    pub fn pos(&self, offset: usize) -> Pos {
        self.pos_with(offset, |start, offset| {
            self.text
                .get(start..offset)
                .map_or(offset - start, |s| s.chars().count())
        })
    }

    /// Line and column of a byte offset (clamped to the text): the line is found among the
    /// line starts, the column is `chars(line content start, offset) + 1`, where the line's
    /// content starts after the byte order marks that begin it (the parser skips them without
    /// counting, any number of them, on any line). `chars` counts the characters between two
    /// byte offsets; every position of the module is made here, so a node's position and
    /// [`Document::pos`] of its span's start agree by construction.
    fn pos_with(&self, offset: usize, chars: impl FnOnce(usize, usize) -> usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let mut start = self.line_starts[line - 1];
        while offset >= start + 3 && self.text[start..].starts_with('\u{feff}') {
            start += 3;
        }
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(chars(start, offset) + 1).unwrap_or(u32::MAX),
        }
    }

    /// The byte offset in the text of byte `decoded` of `node`'s decoded scalar value: where
    /// a character of the value is written, escapes, quotes, folding and block indentation
    /// accounted for (for an alias, in the anchored scalar it copies: [`Node::alias_of`]). An
    /// offset past the end of the value maps to the end of the scalar's text; a node that is
    /// not a scalar maps to its start.
    pub fn scalar_offset(&self, node: &Node, decoded: usize) -> usize {
        let Some(scalar) = node.scalar() else {
            return node.span.start;
        };
        let written = node.alias_of.as_ref().unwrap_or(&node.span);
        let raw = self.text.get(written.clone()).unwrap_or("");
        written.start + align(raw, scalar, node.props, decoded)
    }

    /// Line and column of byte `decoded` of `node`'s decoded scalar value
    /// ([`Document::scalar_offset`]).
    pub fn scalar_pos(&self, node: &Node, decoded: usize) -> Pos {
        self.pos(self.scalar_offset(node, decoded))
    }

    /// Every key written twice in one mapping: (the earlier entry's key, the later one's).
    pub fn duplicate_keys(&self) -> Vec<(&Node, &Node)> {
        let mut out = Vec::new();
        let mut stack = vec![&self.root];
        while let Some(node) = stack.pop() {
            match &node.kind {
                NodeKind::Scalar(_) => {}
                NodeKind::Sequence(items) => stack.extend(items.iter().rev()),
                NodeKind::Mapping(entries) => {
                    let mut seen: HashMap<&str, &Node> = HashMap::new();
                    for e in entries {
                        if let Some(s) = e.key.scalar()
                            && let Some(first) = seen.insert(s.value.as_str(), &e.key)
                        {
                            out.push((first, &e.key));
                        }
                    }
                    stack.extend(entries.iter().rev().map(|e| &e.value));
                }
            }
        }
        out.sort_by_key(|(_, later)| later.span.start);
        out
    }

    fn error(&self, message: String, offset: usize) -> YamlError {
        YamlError {
            message,
            offset,
            pos: self.pos(offset),
        }
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    let b = text.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        // `\r\n` and lone `\r` both end a line, as for the parser.
        if c == b'\n' || (c == b'\r' && b.get(i + 1) != Some(&b'\n')) {
            starts.push(i + 1);
        }
    }
    starts
}

/// A tag as written: `!!str` for the core schema's, `!name` for local ones.
fn tag_text(tag: &saphyr_parser::Tag) -> String {
    if tag.is_yaml_core_schema() {
        format!("!!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

/// A collection being built.
struct Open {
    start: usize,
    pos: Pos,
    props: bool,
    tag: Option<String>,
    anchor: usize,
    /// Mapping: `Some` (with a pending key); sequence: `None`.
    mapping: Option<Option<Node>>,
    items: Vec<Node>,
    entries: Vec<Entry>,
    size: usize,
}

struct Builder<'d> {
    doc: &'d Document,
    /// Byte offset of each character, when the text is not ASCII (markers count characters).
    char_bytes: Option<Vec<usize>>,
    /// How far the scanner's character index has run ahead of the text: it counts the
    /// bytes, not the characters, of a directive's name and parameters (`%FOO é`), so after
    /// non-ASCII directives every marker's index is too large by the same amount (see
    /// [`Builder::resync`]).
    drift: usize,
    stack: Vec<Open>,
    anchors: HashMap<usize, Node>,
    /// Nodes made so far, copies for anchors and aliases included.
    budget: usize,
}

impl<'d> Builder<'d> {
    fn new(doc: &'d Document) -> Builder<'d> {
        let text = &doc.text;
        let char_bytes = (!text.is_ascii()).then(|| {
            let mut v: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            v.push(text.len());
            v
        });
        Builder {
            doc,
            char_bytes,
            drift: 0,
            stack: Vec::new(),
            anchors: HashMap::new(),
            budget: 0,
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.char_bytes {
            Some(v) => v.get(char_index).copied().unwrap_or(self.doc.text.len()),
            None => char_index.min(self.doc.text.len()),
        }
    }

    /// The byte offset of a marker (its character index, less the drift).
    fn byte_of(&self, marker: &Marker) -> usize {
        self.byte(marker.index().saturating_sub(self.drift))
    }

    /// Measures the drift at an explicit document start (`---`), which ends the directives:
    /// the marker's line is right and its column is right (counted after the byte order marks
    /// that start the line), so the character it stands for is known without its index.
    fn resync(&mut self, marker: &Marker) {
        let text = &self.doc.text;
        let Some(&line_start) = marker
            .line()
            .checked_sub(1)
            .and_then(|l| self.doc.line_starts.get(l))
        else {
            return;
        };
        let mut start = line_start;
        while text[start..].starts_with('\u{feff}') {
            start += 3;
        }
        let written = self.char_index(start) + marker.col();
        self.drift = marker.index().saturating_sub(written);
    }

    fn err(&self, message: impl Into<String>, offset: usize) -> YamlError {
        self.doc.error(message.into(), offset)
    }

    /// The character index of a byte offset (a character boundary, or the end of the text).
    fn char_index(&self, offset: usize) -> usize {
        match &self.char_bytes {
            Some(v) => v.partition_point(|&b| b < offset),
            None => offset,
        }
    }

    /// The byte offset and position of a span's start. The position is derived from the
    /// offset, as [`Document::pos`] derives it (in O(log n) rather than by counting the line's
    /// characters), never taken from the marker's line and column: those are not always the
    /// text's (the scanner moves an empty node at the end of a text without a final line
    /// break to a line that is not there; it counts bytes as columns in a directive).
    fn start_of(&self, span: &Span) -> (usize, Pos) {
        let offset = self.byte_of(&span.start);
        let pos = self.doc.pos_with(offset, |start, offset| {
            self.char_index(offset) - self.char_index(start)
        });
        (offset, pos)
    }

    fn spend(&mut self, n: usize, offset: usize) -> Result<(), YamlError> {
        self.budget = self.budget.saturating_add(n);
        if self.budget > MAX_NODES {
            return Err(self.err(
                format!("more than {MAX_NODES} nodes (aliases expanded)"),
                offset,
            ));
        }
        Ok(())
    }

    fn build(mut self) -> Result<Option<Node>, YamlError> {
        let text: &str = &self.doc.text;
        let mut root: Option<Node> = None;
        let mut documents = 0usize;
        for event in Parser::new_from_str(text) {
            let (event, span) = match event {
                Ok(e) => e,
                Err(e) => {
                    // The error may come before the document start (in the directives).
                    self.resync(e.marker());
                    let offset = self.byte_of(e.marker());
                    return Err(self.err(e.info().to_string(), offset));
                }
            };
            if matches!(event, Event::DocumentStart(true)) {
                self.resync(&span.start);
            }
            let (offset, pos) = self.start_of(&span);
            match event {
                Event::StreamEnd => break,
                Event::DocumentStart(_) => {
                    documents += 1;
                    if documents > 1 {
                        return Err(self.err("a second YAML document (only one is read)", offset));
                    }
                }
                Event::Scalar(value, style, anchor, tag) => {
                    self.spend(1, offset)?;
                    let end = self.byte_of(&span.end).max(offset);
                    let node = Node {
                        span: offset..end,
                        pos,
                        alias_of: None,
                        // The parser starts a node's span at its properties, when it has any.
                        props: anchor != 0 || tag.is_some(),
                        tag: tag.as_deref().map(tag_text),
                        kind: NodeKind::Scalar(Scalar {
                            value: value.into_owned(),
                            style: style.into(),
                        }),
                        size: 1,
                    };
                    self.complete(node, anchor, &mut root)?;
                }
                Event::Alias(id) => {
                    let Some(target) = self.anchors.get(&id) else {
                        return Err(self.err("an alias to an unknown anchor", offset));
                    };
                    let n = target.size;
                    let mut node = target.clone();
                    self.spend(n, offset)?;
                    node.alias_of = Some(node.alias_of.take().unwrap_or(node.span));
                    node.span = offset..self.byte_of(&span.end).max(offset);
                    node.pos = pos;
                    self.complete(node, 0, &mut root)?;
                }
                Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                    self.spend(1, offset)?;
                    if self.stack.len() >= MAX_DEPTH {
                        return Err(self.err(
                            format!("collections nested deeper than {MAX_DEPTH}"),
                            offset,
                        ));
                    }
                    let mapping = matches!(event, Event::MappingStart(..));
                    self.stack.push(Open {
                        start: offset,
                        pos,
                        props: anchor != 0 || tag.is_some(),
                        tag: tag.as_deref().map(tag_text),
                        anchor,
                        mapping: mapping.then_some(None),
                        items: Vec::new(),
                        entries: Vec::new(),
                        size: 1,
                    });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let Some(open) = self.stack.pop() else {
                        return Err(self.err("an unbalanced collection end", offset));
                    };
                    let end = self.byte_of(&span.end).max(open.start);
                    let kind = match open.mapping {
                        Some(pending) => {
                            if pending.is_some() {
                                return Err(self.err("a mapping key without a value", offset));
                            }
                            NodeKind::Mapping(open.entries)
                        }
                        None => NodeKind::Sequence(open.items),
                    };
                    let node = Node {
                        span: open.start..end,
                        pos: open.pos,
                        alias_of: None,
                        tag: open.tag,
                        kind,
                        size: open.size,
                        props: open.props,
                    };
                    self.complete(node, open.anchor, &mut root)?;
                }
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
            }
        }
        if !self.stack.is_empty() {
            return Err(self.err("the text ends inside a collection", text.len()));
        }
        Ok(root)
    }

    /// Puts a finished node into its parent (or makes it the root) and records its anchor.
    fn complete(
        &mut self,
        node: Node,
        anchor: usize,
        root: &mut Option<Node>,
    ) -> Result<(), YamlError> {
        if anchor != 0 {
            self.spend(node.size, node.span.start)?;
            self.anchors.insert(anchor, node.clone());
        }
        let Some(parent) = self.stack.last_mut() else {
            if root.is_some() {
                return Err(self.err("a second root node", node.span.start));
            }
            *root = Some(node);
            return Ok(());
        };
        parent.size = parent.size.saturating_add(node.size);
        match &mut parent.mapping {
            None => parent.items.push(node),
            Some(pending) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => parent.entries.push(Entry { key, value: node }),
            },
        }
        Ok(())
    }
}

/// The byte offset in `raw` (a scalar's written text) of byte `decoded` of its value; `props`:
/// whether `raw` starts with the node's properties ([`Node::props`]).
///
/// Characters that are not white space are written as they are, or as an escape (double
/// quotes), or doubled (`''` in single quotes); white space may be removed (indentation,
/// folded line breaks, trailing spaces) or added (a folded line break becomes a space). The
/// value is walked along the written text, so every visible character maps exactly; added
/// white space maps to the written place where it was added.
///
/// Where the text starts is decided from what the parser says, never guessed from the text:
/// the parser starts a node's span at its properties when it has any (`&a`, `!!str`, in
/// either order, each followed by white space, line breaks or comments); the scanner starts
/// a block scalar's token at its first content line (at the block's indentation: whatever is
/// written there, `| where`, `&x` or `>`, is content) when it has one, and at its header
/// otherwise. A block scalar's span therefore starts with its header exactly when the node
/// has properties or its value has no content line (nothing but line breaks: a content line
/// adds at least one character that is not one).
fn align(raw: &str, scalar: &Scalar, props: bool, decoded: usize) -> usize {
    let value = scalar.value.as_str();
    // Properties are separated from each other and from the content by YAML white space
    // and line breaks (not other Unicode white space) and comments.
    const YAML_SPACE: [char; 4] = [' ', '\t', '\r', '\n'];
    let mut skip = 0usize;
    while props && matches!(raw.as_bytes().get(skip), Some(b'!' | b'&')) {
        skip += property_len(&raw[skip..]);
        let rest = &raw[skip..];
        skip += rest.len() - rest.trim_start_matches(YAML_SPACE).len();
        // A comment may follow the properties (`&a # note` then the value on the next
        // line); it ends at `\n`, `\r\n` or a lone `\r`.
        while raw[skip..].starts_with('#') {
            let rest = &raw[skip..];
            skip += rest.find(['\r', '\n']).unwrap_or(rest.len());
            let rest = &raw[skip..];
            skip += rest.len() - rest.trim_start_matches(YAML_SPACE).len();
        }
    }
    let base = skip;
    let raw = &raw[base..];
    let rb = raw.as_bytes();
    let mut r = 0usize;
    match scalar.style {
        Style::SingleQuoted | Style::DoubleQuoted => {
            if matches!(rb.first(), Some(b'\'' | b'"')) {
                r = 1;
            }
        }
        Style::Literal | Style::Folded => {
            // The header (`|-2  # comment`) is one line: content starts on the next. A line
            // ends at `\n`, `\r\n` or a lone `\r`, as for the parser.
            let header = props || value.bytes().all(|b| b == b'\n');
            if header && matches!(rb.first(), Some(b'|' | b'>')) {
                let eol = raw.find(['\r', '\n']).unwrap_or(raw.len());
                r = if raw[eol..].starts_with("\r\n") {
                    eol + 2
                } else {
                    (eol + 1).min(raw.len())
                };
            }
        }
        Style::Plain => {}
    }
    let double = scalar.style == Style::DoubleQuoted;
    let single = scalar.style == Style::SingleQuoted;
    let raw_end = match scalar.style {
        Style::SingleQuoted | Style::DoubleQuoted if raw.len() >= 2 => raw.len() - 1,
        _ => raw.len(),
    };
    for (i, d) in value.char_indices() {
        // Where `d` is written (found while walking on).
        let mut at;
        loop {
            at = r;
            if r >= raw_end {
                break;
            }
            let c = raw[r..].chars().next().unwrap_or(' ');
            if double && c == '\\' {
                let (len, produced) = escape(&raw[r..]);
                match produced {
                    // A line continuation: nothing in the value.
                    None => {
                        r += len;
                        continue;
                    }
                    Some(p) if p == d => {
                        r += len;
                        break;
                    }
                    // White space added by folding before an escape.
                    Some(_) if d.is_whitespace() => break,
                    Some(_) => {
                        r += len;
                        continue;
                    }
                }
            }
            if single && d == '\'' && raw[r..].starts_with("''") {
                r += 2;
                break;
            }
            if c == d {
                r += c.len_utf8();
                break;
            }
            if d.is_whitespace() {
                if c.is_whitespace() {
                    // Folding: a written line break or indentation stands for this one.
                    r += c.len_utf8();
                }
                break;
            }
            if c.is_whitespace() {
                r += c.len_utf8();
                continue;
            }
            // Unexpected text (should not happen): keep the place and go on.
            break;
        }
        if i >= decoded {
            return base + at.min(raw.len());
        }
    }
    base + raw_end.min(raw.len()).max(r.min(raw.len()))
}

/// The length of the node property at the start of `s` (`&` or `!`), as the scanner reads
/// it: an anchor's name ends at white space, a line break, a NUL, a byte order mark or a flow
/// indicator (`,[]{}`), not at other Unicode white space (`&a\u{b}b` is one anchor); a
/// verbatim tag (`!<…>`) after its `>`; another tag where an anchor would end (the scanner
/// refuses a tag followed by anything else).
fn property_len(s: &str) -> usize {
    if s.starts_with("!<") {
        return s.find('>').map_or(s.len(), |i| i + 1);
    }
    let ends = |c: char| {
        matches!(
            c,
            ' ' | '\t' | '\r' | '\n' | '\0' | '\u{feff}' | ',' | '[' | ']' | '{' | '}'
        )
    };
    let rest = s.get(1..).unwrap_or("");
    1 + rest.find(ends).unwrap_or(rest.len())
}

/// The length of the escape at the start of `s` (a backslash) and the character it stands
/// for; `None` for a line continuation (a backslash before a line break, with the next
/// line's indentation).
fn escape(s: &str) -> (usize, Option<char>) {
    let b = s.as_bytes();
    let hex = |n: usize| {
        s.get(2..2 + n)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32)
            .map(|c| (2 + n, Some(c)))
    };
    match b.get(1) {
        Some(b'x') => hex(2).unwrap_or((2, Some('x'))),
        Some(b'u') => hex(4).unwrap_or((2, Some('u'))),
        Some(b'U') => hex(8).unwrap_or((2, Some('U'))),
        Some(b'\r' | b'\n') => {
            let mut i = 1;
            if b.get(i) == Some(&b'\r') {
                i += 1;
            }
            if b.get(i) == Some(&b'\n') {
                i += 1;
            }
            while matches!(b.get(i), Some(b' ' | b'\t')) {
                i += 1;
            }
            (i, None)
        }
        Some(_) => {
            let c = s[1..].chars().next().unwrap_or('\\');
            let produced = match c {
                '0' => '\0',
                'a' => '\u{7}',
                'b' => '\u{8}',
                't' | '\t' => '\t',
                'n' => '\n',
                'v' => '\u{b}',
                'f' => '\u{c}',
                'r' => '\r',
                'e' => '\u{1b}',
                ' ' => ' ',
                'N' => '\u{85}',
                '_' => '\u{a0}',
                'L' => '\u{2028}',
                'P' => '\u{2029}',
                other => other,
            };
            (1 + c.len_utf8(), Some(produced))
        }
        None => (1, Some('\\')),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> Document {
        Document::parse(t).unwrap_or_else(|e| panic!("{e}\n{t}"))
    }

    /// The written text at the place of decoded byte `at` of `key`'s value.
    fn written_at<'d>(doc: &'d Document, key: &str, at: usize) -> &'d str {
        let node = doc.root.get(key).unwrap();
        &doc.text()[doc.scalar_offset(node, at)..]
    }

    const RULE: &str = "id: 0b9ae89d-8cad-461c-808f-0494f70ad5c4\n\
name: \"Rule \\\"quoted\\\" \\u00e9t\\u00e9\"\n\
description: |\n  Line one.\n  Line two.\n\
severity: High\n\
requiredDataConnectors:\n  - connectorId: X\n    dataTypes:\n      - X_CL\n\
queryFrequency: 5m\n\
tactics: [Persistence, 'Defense Evasion']\n\
query: |\n  X_CL\n  | where A == \"é\"\n  | extend B = 1\n\
entityMappings:\n  - entityType: Account\n    fieldMappings:\n      - identifier: Name\n        columnName: A\n\
version: 1.0.0\n\
kind: Scheduled\n";

    #[test]
    fn keys_and_values_have_line_and_column() {
        let doc = parse(RULE);
        let root = &doc.root;
        let e = root.entry("severity").unwrap();
        assert_eq!(e.key.pos, Pos { line: 6, column: 1 });
        assert_eq!(
            e.value.pos,
            Pos {
                line: 6,
                column: 11
            }
        );
        assert_eq!(&doc.text()[e.value.span.clone()], "High");
        let dt = &root.get("requiredDataConnectors").unwrap().items()[0]
            .get("dataTypes")
            .unwrap()
            .items()[0];
        assert_eq!(dt.as_str(), Some("X_CL"));
        assert_eq!(
            dt.pos,
            Pos {
                line: 10,
                column: 9
            }
        );
        let tactics = root.get("tactics").unwrap().items();
        assert_eq!(tactics[1].as_str(), Some("Defense Evasion"));
        assert_eq!(
            tactics[1].pos,
            Pos {
                line: 12,
                column: 24
            }
        );
        assert_eq!(doc.pos(tactics[1].span.start), tactics[1].pos);
        let ident = &root.get("entityMappings").unwrap().items()[0]
            .get("fieldMappings")
            .unwrap()
            .items()[0];
        assert_eq!(ident.entry("columnName").unwrap().key.pos.line, 21);
    }

    #[test]
    fn json_keeps_order_and_types() {
        let doc = parse(RULE);
        let v = doc.root.to_json();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "id",
                "name",
                "description",
                "severity",
                "requiredDataConnectors",
                "queryFrequency",
                "tactics",
                "query",
                "entityMappings",
                "version",
                "kind"
            ]
        );
        assert_eq!(v["name"], "Rule \"quoted\" été");
        assert_eq!(v["description"], "Line one.\nLine two.\n");
        assert_eq!(v["query"], "X_CL\n| where A == \"é\"\n| extend B = 1\n");
        assert_eq!(v["version"], "1.0.0");
        let scalars = parse(
            "a: 1\nb: -2.5e3\nc: true\nd: ~\ne:\nf: '1'\ng: 0x1f\nh: .inf\ni: 1.0\nj: !!str 7\nk: 99999999999999999999\nl: 1_000\n",
        )
        .root
        .to_json();
        assert_eq!(
            scalars,
            serde_json::json!({"a": 1, "b": -2500.0, "c": true, "d": null, "e": null, "f": "1",
                "g": 31, "h": ".inf", "i": 1.0, "j": "7", "k": 1e20, "l": "1_000"})
        );
    }

    #[test]
    fn block_scalar_offsets_point_into_the_file() {
        let doc = parse(RULE);
        let query = doc.root.get("query").unwrap();
        let value = &query.scalar().unwrap().value;
        let at = value.find("where").unwrap();
        assert!(written_at(&doc, "query", at).starts_with("where A == \"é\""));
        assert_eq!(
            doc.scalar_pos(query, at),
            Pos {
                line: 15,
                column: 5
            }
        );
        let at = value.find("extend").unwrap();
        assert_eq!(
            doc.scalar_pos(query, at),
            Pos {
                line: 16,
                column: 5
            }
        );
        // The end of the value is the end of the scalar's text.
        assert_eq!(doc.scalar_offset(query, value.len()), query.span.end);
    }

    #[test]
    fn a_block_scalar_whose_content_starts_with_a_pipe_after_an_empty_line() {
        // Found by the yaml_spans fuzz target: the span starts at the first content line,
        // `| where …`, which is not the block header.
        let doc = parse("query: |\n  \n  | where A == 1\n  | extend B = 2\n");
        let value = &doc.root.get("query").unwrap().scalar().unwrap().value;
        assert_eq!(value, "\n| where A == 1\n| extend B = 2\n");
        let at = value.find("where").unwrap();
        assert!(written_at(&doc, "query", at).starts_with("where A == 1"));
        let at = value.find("extend").unwrap();
        assert!(written_at(&doc, "query", at).starts_with("extend B"));
        // A header with indicators and a comment is still the header.
        let doc = parse("query: |-2 # c\n  | where A\n");
        let value = &doc.root.get("query").unwrap().scalar().unwrap().value;
        assert!(written_at(&doc, "query", value.find("where").unwrap()).starts_with("where A"));
    }

    #[test]
    fn a_non_ascii_directive_does_not_move_what_follows() {
        // Fuzz finding #4 of yaml_spans: the scanner counts the bytes of a directive's name
        // and parameters as characters, so every index after `%FOO é` was one too large (per
        // extra byte) and spans pointed past their text.
        let texts = [
            "%FOO \u{e9}\n---\nb: 2\n",
            "%\u{e9}\u{fc} x \u{1f600}\n%BAR\n---\nb: 2\n",
            "\u{feff}%YAML 1.2\n%\u{fffd}x y\n---\nb: 2\n",
            // The fuzz input (its invalid UTF-8 as the harness reads it).
            "%\u{fffd}a: a:[ !\n---\nb: 2[1\u{fffd}\n 2:\"\nb:",
        ];
        for text in texts {
            let doc = parse(text);
            let e = &doc.root.entries()[0];
            let line = text.lines().position(|l| l.contains("b:")).unwrap() + 1;
            assert_eq!(
                e.key.pos,
                Pos {
                    line: line as u32,
                    column: 1
                },
                "{text:?}"
            );
            assert_eq!(&text[e.key.span.clone()], "b", "{text:?}");
            assert!(text[e.value.span.clone()].starts_with('2'), "{text:?}");
            let mut stack = vec![&doc.root];
            while let Some(n) = stack.pop() {
                assert_eq!(doc.pos(n.span.start), n.pos, "{text:?} {:?}", n.span);
                stack.extend(n.items());
                stack.extend(n.entries().iter().flat_map(|e| [&e.key, &e.value]));
            }
        }
        // Errors after and among the directives are located in the text.
        let e = Document::parse("%\u{e9}\u{e9}\n---\na: [\n").unwrap_err();
        assert_eq!((e.offset, e.pos), (15, Pos { line: 4, column: 1 }), "{e}");
        let e = Document::parse("%YAML 1.2\n%\u{fffd}x y\n\u{feff}---\n").unwrap_err();
        assert!(e.message.contains("byte order mark"), "{e}");
        assert_eq!(e.pos, Pos { line: 3, column: 1 }, "{e}");
    }

    #[test]
    fn escapes_and_quotes_are_accounted_for() {
        let doc = parse(RULE);
        let name = doc.root.get("name").unwrap();
        let value = &name.scalar().unwrap().value;
        let at = value.find("été").unwrap();
        assert!(written_at(&doc, "name", at).starts_with("\\u00e9t\\u00e9\""));
        let at = value.find("quoted").unwrap();
        assert!(written_at(&doc, "name", at).starts_with("quoted\\\""));
        let doc = parse("q: 'it''s X_CL'\nd: \"a\\\n   b\\tc\"\n");
        assert!(written_at(&doc, "q", 5).starts_with("X_CL"));
        assert_eq!(doc.root.get("d").unwrap().as_str(), Some("ab\tc"));
        assert!(written_at(&doc, "d", 1).starts_with("b\\tc"));
        assert!(written_at(&doc, "d", 3).starts_with("c\""));
    }

    #[test]
    fn folded_and_multi_line_plain_scalars() {
        let doc = parse("f: >-\n  T\n  | where X\n\np: one\n  two three\n");
        assert_eq!(doc.root.get("f").unwrap().as_str(), Some("T | where X"));
        assert!(written_at(&doc, "f", 2).starts_with("| where X"));
        assert_eq!(doc.root.get("p").unwrap().as_str(), Some("one two three"));
        assert!(written_at(&doc, "p", 4).starts_with("two three"));
        assert_eq!(
            doc.scalar_pos(doc.root.get("p").unwrap(), 8),
            Pos { line: 6, column: 7 }
        );
    }

    #[test]
    fn flow_collections_and_non_ascii_columns() {
        let doc = parse("é: {a: [1, \"x\"], 'b': {c: d}}\nz: [é, ü]\n");
        let a = doc.root.get("é").unwrap().get("a").unwrap();
        assert_eq!(a.pos, Pos { line: 1, column: 8 });
        assert_eq!(&doc.text()[a.items()[1].span.clone()], "\"x\"");
        let z = doc.root.get("z").unwrap().items();
        assert_eq!(z[1].pos, Pos { line: 2, column: 8 });
        assert_eq!(&doc.text()[z[1].span.clone()], "ü");
        assert_eq!(doc.pos(z[1].span.start), z[1].pos);
    }

    #[test]
    fn crlf_bom_and_empty_documents() {
        let doc = parse("\u{feff}a: 1\r\nb: |\r\n  x\r\n  y\r\n");
        assert_eq!(doc.root.get("b").unwrap().as_str(), Some("x\ny\n"));
        let b = doc.root.get("b").unwrap();
        assert_eq!(b.pos.line, 3);
        assert_eq!(doc.scalar_pos(b, 2), Pos { line: 4, column: 3 });
        for empty in ["", "# only a comment\n", "---\n"] {
            let d = parse(empty);
            assert!(d.root.is_null(), "{empty:?}");
            assert_eq!(d.root.to_json(), Value::Null);
        }
    }

    #[test]
    fn duplicates_anchors_and_aliases() {
        let doc = parse("a: &x [1, 2]\nb: *x\na: 3\n");
        assert_eq!(doc.root.to_json(), serde_json::json!({"b": [1, 2], "a": 3}));
        let dups = doc.duplicate_keys();
        assert_eq!(dups.len(), 1);
        assert_eq!(dups[0].0.pos.line, 1);
        assert_eq!(dups[0].1.pos.line, 3);
        assert_eq!(doc.root.get("b").unwrap().pos, Pos { line: 2, column: 4 });
    }

    #[test]
    fn an_aliased_scalar_maps_into_its_anchor() {
        // Found by the yaml_spans fuzz target (`&x c: *x`): the offsets of an aliased scalar's
        // value pointed into the alias `*x`, where none of it is written.
        let doc = parse("a: &x \"X_\\u0043L\"\nb: *x\n");
        let b = doc.root.get("b").unwrap();
        assert_eq!(b.as_str(), Some("X_CL"));
        assert_eq!(&doc.text()[b.span.clone()], "*x");
        assert_eq!(b.pos, Pos { line: 2, column: 4 });
        assert_eq!(
            &doc.text()[b.alias_of.clone().unwrap()],
            "&x \"X_\\u0043L\""
        );
        assert!(written_at(&doc, "b", 0).starts_with("X_\\u0043L"));
        assert!(written_at(&doc, "b", 2).starts_with("\\u0043L"));
        assert!(written_at(&doc, "b", 3).starts_with("L\""));
        assert_eq!(doc.root.get("a").unwrap().alias_of, None);
        let doc = parse("&x c: *x");
        let e = &doc.root.entries()[0];
        assert_eq!(e.value.as_str(), Some("c"));
        assert_eq!(&doc.text()[doc.scalar_offset(&e.value, 0)..], "c: *x");
        // The items of an aliased collection are written where the anchored ones are.
        let doc = parse("a: &l [p, q]\nb: *l\n");
        let b = doc.root.get("b").unwrap();
        assert_eq!(&doc.text()[b.alias_of.clone().unwrap()], "&l [p, q]");
        assert_eq!(
            &doc.text()[doc.scalar_offset(&b.items()[1], 0)..],
            "q]\nb: *l\n"
        );
    }

    #[test]
    fn an_anchor_name_holding_other_white_space_is_skipped_whole() {
        // Found by the yaml_spans fuzz target: a vertical tab inside an anchor name was taken
        // for the end of the node's properties, so offsets pointed into the anchor.
        let doc = parse("k: &a\u{b}\u{e9}x: (x\n");
        let k = doc.root.get("k").unwrap();
        assert_eq!(k.as_str(), Some("(x"));
        assert!(written_at(&doc, "k", 0).starts_with("(x"));
        let doc = parse("k: &a\u{b}b\n  v w\n");
        assert!(written_at(&doc, "k", 0).starts_with("v w"));
    }

    #[test]
    fn a_block_scalar_header_ended_by_a_lone_carriage_return() {
        // Found by the yaml_spans fuzz target: a lone `\r` ends a line for the parser, but
        // the block scalar's header line was looked for up to `\n` only, so the content's
        // offsets pointed past the text; and a block scalar's span that starts at its
        // content (`&`) was read as starting at an anchor.
        let doc = parse("|\r&");
        assert_eq!(doc.root.as_str(), Some("&\n"));
        assert_eq!(doc.scalar_offset(&doc.root, 0), 2);
        let doc = parse("k: |\r  v w\r");
        assert!(written_at(&doc, "k", 0).starts_with("v w"));
        let doc = parse("k: |\r\n  v w\r\n");
        assert!(written_at(&doc, "k", 0).starts_with("v w"));
    }

    #[test]
    fn a_comment_after_a_node_s_properties_is_skipped() {
        // Found by the yaml_spans fuzz target: `&a # c` followed by the value on the next
        // line (after a lone `\r`) mapped the value's offsets into the comment.
        let doc = parse("k: &a # c\r  v w\r");
        assert_eq!(doc.root.get("k").unwrap().as_str(), Some("v w"));
        assert!(written_at(&doc, "k", 0).starts_with("v w"));
        let doc = parse("k: !!str # c\n  v w\n");
        assert!(written_at(&doc, "k", 0).starts_with("v w"));
    }

    /// Every visible character of every scalar value of `text` is written at its mapped
    /// place (or, in double quotes, an escape is), as the fuzz target checks.
    fn assert_visible_characters_map_to_themselves(text: &str) {
        let doc = parse(text);
        let mut stack = vec![&doc.root];
        while let Some(n) = stack.pop() {
            if let Some(s) = n.scalar() {
                for (i, c) in s.value.char_indices().filter(|(_, c)| !c.is_whitespace()) {
                    let at = &text[doc.scalar_offset(n, i)..];
                    assert!(
                        at.starts_with(c)
                            || (s.style == Style::DoubleQuoted && at.starts_with('\\')),
                        "{c:?} (byte {i} of {:?}) written as {at:?} in {text:?}",
                        s.value
                    );
                }
            }
            stack.extend(n.items());
            stack.extend(n.entries().iter().flat_map(|e| [&e.key, &e.value]));
        }
    }

    #[test]
    fn a_block_scalar_s_first_content_line_that_looks_like_its_header() {
        // Found by the yaml_spans fuzz target (`&f |\n|.`): with properties, the span starts
        // at them and goes on through the header; the header `|` was taken for the start of
        // the content because the value `|.` starts with it, so `.` mapped to the second `|`.
        // Whether the span starts with a header comes from the parser (properties, or no
        // content line), not from comparing the text with the value.
        let doc = parse("&f |\n|.");
        assert_eq!(doc.root.as_str(), Some("|.\n"));
        assert_eq!(doc.scalar_offset(&doc.root, 0), 5);
        assert_eq!(doc.scalar_offset(&doc.root, 1), 6);
        let doc = parse("k: &a |\n  |\n");
        assert_eq!(doc.root.get("k").unwrap().as_str(), Some("|\n"));
        assert_eq!(
            doc.scalar_pos(doc.root.get("k").unwrap(), 0),
            Pos { line: 2, column: 3 }
        );
        for text in [
            "&f |\n|.",
            "&f |\n|",
            "k: &a |\n  |\n",
            "k: &a |\n  |x y\n",
            "k: &a |-\n  |- x\n",
            "k: !!str |2+\n  |2+ # not a comment\n\n",
            "k: &a >\n  > a\n  b\n",
            "k: &a >-\n  >\n\n  >\n",
            "k: &a !!str |\n  &a !!str |\n",
            "k: &a # c\n  |\n  |.\n",
            "k: &a\r  |\r  |.\r",
            // Without properties the span starts at the content, whatever it looks like.
            "k: |\n  |\n",
            "k: |\n  |-\n  x\n",
            "k: >\n  >\n  >\n",
            "k: |1\n   |\n",
            "- |\n  &x |\n- >\n  !t >\n",
            // Without content the span starts at the header.
            "k: |+\n\n\n",
            "k: &a |+\n\n",
        ] {
            assert_visible_characters_map_to_themselves(text);
        }
    }

    #[test]
    fn errors_are_located_and_limits_hold() {
        let e = Document::parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.pos.line >= 1 && e.offset <= 14, "{e}");
        let e = Document::parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert!(e.message.contains("second YAML document"), "{e}");
        assert_eq!(e.pos.line, 2);
        let e = Document::parse("a: *nope\n").unwrap_err();
        assert!(e.message.contains("unknown anchor"), "{e}");
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        let e = Document::parse(&deep).unwrap_err();
        assert!(e.message.contains("nested deeper"), "{e}");
        assert!(Document::parse(&"[".repeat(MAX_DEPTH).to_string()).is_err());
        // A billion laughs stops at the node budget.
        let mut laughs = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..9 {
            let prev = (b'a' + i) as char;
            let next = (b'a' + i + 1) as char;
            laughs.push_str(&format!(
                "{next}: &{next} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let e = Document::parse(&laughs).unwrap_err();
        assert!(e.message.contains("nodes"), "{e}");
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A small deterministic generator of YAML-ish texts (the fuzz target goes further).
        let alphabet: &[&str] = &[
            "a", ":", " ", "\n", "-", "[", "]", "{", "}", ",", "\"", "'", "\\", "|", ">", "#",
            "&x", "*x", "!!str", "é", "\t", "?", "---", "...", "\\u00", "  ", "\r\n", "%YAML",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..4000 {
            let mut t = String::new();
            for _ in 0..(seed % 40) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                t.push_str(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            if let Ok(doc) = Document::parse(&t) {
                let _ = doc.root.to_json();
                let mut stack = vec![&doc.root];
                while let Some(n) = stack.pop() {
                    assert!(n.span.start <= n.span.end && n.span.end <= t.len(), "{t:?}");
                    if let Some(s) = n.scalar() {
                        for cut in 0..=s.value.len() {
                            let o = doc.scalar_offset(n, cut);
                            assert!(o <= t.len() && t.is_char_boundary(o), "{t:?}");
                        }
                    }
                    stack.extend(n.items());
                    for e in n.entries() {
                        stack.push(&e.key);
                        stack.push(&e.value);
                    }
                }
            }
        }
    }
}
