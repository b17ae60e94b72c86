//! Stream declarations resolved for storage: column types, their SQLite affinities and
//! the conversion of received JSON records into typed rows, with the service's silent
//! behaviours (unknown columns dropped, mismatches nulled, long values truncated).
//!
//! Records are parsed without building a JSON tree: each property keeps its raw JSON
//! text and is converted straight to the declared column type. An array of flat records (the
//! common shape: strings without escapes, numbers, literals) is read by a small scanner; any
//! other body, malformed ones included, by serde_json, whose errors are the ones reported.
//! Both give each value the same conversion.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use rusqlite::types::Value as SqlValue;
use rusqlite::types::ValueRef;
use serde::de::{
    Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::Value;
use serde_json::value::RawValue;
use time::format_description::well_known::Rfc3339;

use crate::config::StreamDecl;
use crate::swar;
use ccfgen_push::StreamType;
use ccfgen_push::integer;

use crate::introspect::DiagnosticKind;
use crate::pool::{self, Pool};

/// The SQLite column type storing values of `ty`.
pub(crate) fn sql_affinity(ty: StreamType) -> &'static str {
    match ty {
        StreamType::Int | StreamType::Long | StreamType::Boolean => "INTEGER",
        StreamType::Real => "REAL",
        StreamType::String | StreamType::Guid | StreamType::DateTime | StreamType::Dynamic => {
            "TEXT"
        }
    }
}

/// Converts a stored SQLite value of a `ty` column back to the JSON the stream received.
pub(crate) fn stored_to_json(ty: StreamType, value: SqlValue) -> Value {
    match (ty, value) {
        (_, SqlValue::Null) => Value::Null,
        (StreamType::Boolean, SqlValue::Integer(i)) => Value::Bool(i != 0),
        (_, SqlValue::Integer(i)) => Value::from(i),
        (_, SqlValue::Real(f)) => Value::from(f),
        (StreamType::Dynamic, SqlValue::Text(text)) => {
            // A truncated dynamic value is no longer JSON: hand back the text.
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        }
        (_, SqlValue::Text(text)) => Value::String(text),
        (_, SqlValue::Blob(bytes)) => Value::String(String::from_utf8_lossy(&bytes).into()),
    }
}

/// A declared stream ready for storage.
#[derive(Debug, Clone)]
pub(crate) struct Schema {
    pub(crate) name: String,
    pub(crate) columns: Vec<(String, StreamType)>,
    /// Column names sorted, with their position, for binary search.
    sorted: Vec<(String, usize)>,
}

impl Schema {
    /// Resolves the declaration's types; the error names the first unknown type.
    pub(crate) fn new(decl: &StreamDecl) -> Result<Schema, String> {
        let mut columns = Vec::with_capacity(decl.columns.len());
        let mut sorted: Vec<(String, usize)> = Vec::with_capacity(decl.columns.len());
        for column in &decl.columns {
            let ty = StreamType::parse_stream(&column.type_name).ok_or_else(|| {
                format!(
                    "stream {}: column {} has unknown type {:?}",
                    decl.name, column.name, column.type_name
                )
            })?;
            sorted.push((column.name.clone(), columns.len()));
            columns.push((column.name.clone(), ty));
        }
        sorted.sort();
        if let Some(pair) = sorted.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            return Err(format!(
                "stream {}: column {} declared twice",
                decl.name, pair[0].0
            ));
        }
        Ok(Schema {
            name: decl.name.clone(),
            columns,
            sorted,
        })
    }

    /// Position of the column named `name`.
    fn position(&self, name: &str) -> Option<usize> {
        let found = self.sorted.binary_search_by(|(n, _)| n.as_str().cmp(name));
        found.ok().map(|i| self.sorted[i].1)
    }
}

/// One received record: its properties in order, each value still raw JSON text.
pub(crate) struct RawRecord<'a>(pub(crate) Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for RawRecord<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RecordVisitor;
        impl<'de> Visitor<'de> for RecordVisitor {
            type Value = RawRecord<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<RawRecord<'de>, M::Error> {
                let mut properties = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(Key(key)) = map.next_key()? {
                    properties.push((key, map.next_value()?));
                }
                Ok(RawRecord(properties))
            }
        }
        deserializer.deserialize_map(RecordVisitor)
    }
}

/// A property name, borrowed from the body unless it holds escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a property name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl RawRecord<'_> {
    /// The raw value of property `name` (the last one when repeated).
    pub(crate) fn get(&self, name: &str) -> Option<&RawValue> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| *v)
    }
}

/// One silent behaviour, aggregated over a request per (column, kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) column: String,
    pub(crate) kind: DiagnosticKind,
    pub(crate) count: u64,
    pub(crate) first_record: u64,
    pub(crate) detail: String,
}

/// The typed rows of a batch, plus what was silently changed. Text values point into the
/// received body where they appear there unchanged (no escapes, not truncated, datetimes already
/// in UTC wire form), so storing a batch allocates nothing per value.
#[derive(Debug, Default)]
pub(crate) struct Coerced {
    /// The inflated request body.
    body: Vec<u8>,
    /// Text that differs from the body: unescaped strings, normalised datetimes.
    owned: String,
    /// `records` rows of `width` cells.
    cells: Vec<Cell>,
    width: usize,
    records: usize,
    pub(crate) findings: Vec<Finding>,
}

impl Drop for Coerced {
    /// Gives the batch's buffers back for the next request's.
    fn drop(&mut self) {
        pool::INFLATED.give_filled(std::mem::take(&mut self.body));
        pool::BYTES.give(std::mem::take(&mut self.owned).into_bytes());
        CELLS.give(std::mem::take(&mut self.cells));
    }
}

/// Typed cells of batches, reused across requests.
static CELLS: Pool<Cell> = Pool::new();

/// One stored value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    /// UTF-8 text at `body[start..end]`.
    Body {
        start: usize,
        end: usize,
    },
    /// UTF-8 text at `owned[start..end]`.
    Owned {
        start: usize,
        end: usize,
    },
}

impl Coerced {
    /// Number of records (rows).
    pub(crate) fn len(&self) -> usize {
        self.records
    }

    /// Whether the batch has no records.
    pub(crate) fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// The rows in order, one cell per declared column.
    pub(crate) fn rows(&self) -> impl Iterator<Item = &[Cell]> {
        (0..self.records).map(|i| &self.cells[i * self.width..(i + 1) * self.width])
    }

    /// The cells of row `i`, one per declared column.
    pub(crate) fn cells(&self, i: usize) -> &[Cell] {
        &self.cells[i * self.width..(i + 1) * self.width]
    }

    /// The SQLite value of `cell`, borrowing its text.
    pub(crate) fn value(&self, cell: &Cell) -> ValueRef<'_> {
        match *cell {
            Cell::Null => ValueRef::Null,
            Cell::Integer(i) => ValueRef::Integer(i),
            Cell::Real(f) => ValueRef::Real(f),
            Cell::Body { start, end } => ValueRef::Text(&self.body[start..end]),
            Cell::Owned { start, end } => ValueRef::Text(&self.owned.as_bytes()[start..end]),
        }
    }

    /// The text of `cell`, of a column of type `ty`, when it is the content of a JSON string
    /// of the body exactly as received: text taken from the body (a string without escapes,
    /// maybe truncated at a character boundary) in a column other than `dynamic` (whose body
    /// text is the value's JSON). Such text is valid UTF-8 holding no control character, no
    /// quote and no backslash (the parser accepts none of them unescaped in a string), so it
    /// is its own JSON string content.
    pub(crate) fn json_string(&self, cell: &Cell, ty: StreamType) -> Option<&[u8]> {
        match *cell {
            Cell::Body { start, end } if ty != StreamType::Dynamic => Some(&self.body[start..end]),
            _ => None,
        }
    }

    /// Row `i` as owned values.
    #[cfg(test)]
    pub(crate) fn row(&self, i: usize) -> Vec<SqlValue> {
        self.rows()
            .nth(i)
            .expect("row exists")
            .iter()
            .map(|cell| match self.value(cell) {
                ValueRef::Null => SqlValue::Null,
                ValueRef::Integer(i) => SqlValue::Integer(i),
                ValueRef::Real(f) => SqlValue::Real(f),
                ValueRef::Text(t) => SqlValue::Text(String::from_utf8(t.to_vec()).expect("UTF-8")),
                ValueRef::Blob(b) => SqlValue::Blob(b.to_vec()),
            })
            .collect()
    }
}

#[derive(Default)]
struct Findings {
    list: Vec<Finding>,
    index: HashMap<(String, DiagnosticKind), usize>,
}

impl Findings {
    fn note(
        &mut self,
        column: &str,
        kind: DiagnosticKind,
        record: usize,
        detail: impl FnOnce() -> String,
    ) {
        let key = (column.to_owned(), kind);
        if let Some(&i) = self.index.get(&key) {
            self.list[i].count += 1;
            return;
        }
        self.index.insert(key, self.list.len());
        self.list.push(Finding {
            column: column.to_owned(),
            kind,
            count: 1,
            first_record: record as u64,
            detail: detail(),
        });
    }
}

/// Parses `body` — a JSON array of objects, or one object when `single` — straight into rows of
/// `schema`'s columns (no JSON tree, no allocation per value). The error is the parser's, for a
/// body that is not JSON or not objects.
pub(crate) fn coerce(
    schema: &Schema,
    body: Vec<u8>,
    single: bool,
    max_field: usize,
) -> Result<Coerced, serde_json::Error> {
    coerce_with(schema, body, single, max_field, true)
}

/// [`coerce`]; with `fast`, an array of flat records is first read by [`scan_records`].
fn coerce_with(
    schema: &Schema,
    body: Vec<u8>,
    single: bool,
    max_field: usize,
    fast: bool,
) -> Result<Coerced, serde_json::Error> {
    let mut out = Coerced {
        body: Vec::new(),
        owned: String::from_utf8(pool::BYTES.take(0)).unwrap_or_default(),
        cells: CELLS.take(0),
        width: schema.columns.len(),
        records: 0,
        findings: Vec::new(),
    };
    let mut findings = Findings::default();
    {
        let mut sink = RowSink {
            schema,
            body: &body,
            max_field,
            owned: &mut out.owned,
            cells: &mut out.cells,
            findings: &mut findings,
            records: 0,
        };
        // Valid UTF-8 (checked once, fast) is parsed as text, without a UTF-8 check per string;
        // otherwise as bytes, for the parser's own error and position.
        match std::str::from_utf8(&body) {
            Ok(text) if !single && fast && scan_records(text, &mut sink) => {}
            Ok(text) => {
                // what the scan did is undone: the parser starts over
                sink.cells.clear();
                sink.owned.clear();
                *sink.findings = Findings::default();
                sink.records = 0;
                parse(serde_json::Deserializer::from_str(text), &mut sink, single)?
            }
            Err(_) => parse(
                serde_json::Deserializer::from_slice(&body),
                &mut sink,
                single,
            )?,
        }
        out.records = sink.records;
    }
    out.body = body;
    out.findings = findings.list;
    Ok(out)
}

/// Reads `text`, an array of records, into `sink` as the parser ([`RecordsVisitor`]) would, for
/// the common shape only: records whose values are strings without escapes, numbers, `true`,
/// `false` and `null`. Each value goes through the same conversions ([`ValueSeed`], and the raw
/// text for `dynamic` columns), the same column lookup and the same findings, in the same
/// order. Returns false, having stopped, on anything else (an escape, a nested value, an
/// integer of more than 18 digits, a malformed or truncated body): the caller then undoes what
/// was stored and runs the parser, whose result and errors stand.
fn scan_records(text: &str, sink: &mut RowSink<'_>) -> bool {
    let mut scan = Scan { text, at: 0 };
    scan.records(sink).is_some()
}

/// A position in a body being read by [`scan_records`].
struct Scan<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scan<'a> {
    /// The next byte, after JSON whitespace.
    fn next(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(self.at) {
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(b);
            }
            self.at += 1;
        }
        None
    }

    /// Consumes `b` as the next byte (after whitespace).
    fn eat(&mut self, b: u8) -> Option<()> {
        (self.next()? == b).then(|| self.at += 1)
    }

    fn records(&mut self, sink: &mut RowSink<'_>) -> Option<()> {
        self.eat(b'[')?;
        if self.next()? == b']' {
            self.at += 1;
        } else {
            loop {
                self.record(sink)?;
                match self.next()? {
                    b',' => self.at += 1,
                    b']' => {
                        self.at += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        // nothing but whitespace after the array
        self.next().is_none().then_some(())
    }

    /// One record, as [`RecordSeed`] stores it.
    fn record(&mut self, sink: &mut RowSink<'_>) -> Option<()> {
        self.eat(b'{')?;
        let width = sink.schema.columns.len();
        sink.cells.resize(sink.cells.len() + width, Cell::Null);
        let mut hint = 0;
        if self.next()? == b'}' {
            self.at += 1;
        } else {
            loop {
                if self.next()? != b'"' {
                    return None;
                }
                let key = self.string()?;
                self.eat(b':')?;
                self.next()?;
                match sink.column(key, &mut hint) {
                    None => {
                        self.scalar()?;
                    }
                    Some(column) => {
                        let converted = self.value(sink, sink.schema.columns[column].1)?;
                        sink.store(column, key, converted);
                    }
                }
                match self.next()? {
                    b',' => self.at += 1,
                    b'}' => {
                        self.at += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        sink.records += 1;
        if sink.records == 1 {
            sink.reserve_like_first();
        }
        Some(())
    }

    /// The value at the current position converted for a column of type `ty`.
    fn value(
        &mut self,
        sink: &mut RowSink<'_>,
        ty: StreamType,
    ) -> Option<Result<Cell, &'static str>> {
        type E = serde::de::value::Error;
        let start = self.at;
        let scalar = self.scalar()?;
        if ty == StreamType::Dynamic {
            // the value's JSON text as received
            return Some(Ok(sink.borrowed(&self.text[start..self.at])));
        }
        let seed = ValueSeed { sink, ty };
        let converted = match scalar {
            Scalar::Null => Visitor::visit_unit::<E>(seed),
            Scalar::Bool(v) => seed.visit_bool::<E>(v),
            Scalar::String(v) => seed.visit_borrowed_str::<E>(v),
            Scalar::U64(v) => seed.visit_u64::<E>(v),
            Scalar::I64(v) => seed.visit_i64::<E>(v),
            Scalar::F64(v) => seed.visit_f64::<E>(v),
        };
        converted.ok()
    }

    /// Reads a scalar value (the parser's kind and value of it), or `None` for anything else.
    fn scalar(&mut self) -> Option<Scalar<'a>> {
        let bytes = self.text.as_bytes();
        let literal = |scan: &mut Self, word: &[u8], value: Scalar<'a>| {
            bytes[scan.at..].starts_with(word).then(|| {
                scan.at += word.len();
                value
            })
        };
        match *bytes.get(self.at)? {
            b'"' => self.string().map(Scalar::String),
            b'n' => literal(self, b"null", Scalar::Null),
            b't' => literal(self, b"true", Scalar::Bool(true)),
            b'f' => literal(self, b"false", Scalar::Bool(false)),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// A string without escapes at the current `"`: its content.
    fn string(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        let start = self.at + 1;
        let mut i = start;
        loop {
            if let Some(chunk) = bytes.get(i..i + 8) {
                let found = swar::json_special(u64::from_le_bytes(chunk.try_into().ok()?));
                if found == 0 {
                    i += 8;
                    continue;
                }
                // to the first one (little-endian: the lowest byte is the first)
                i += (found.trailing_zeros() / 8) as usize;
            }
            match *bytes.get(i)? {
                b'"' => break,
                b'\\' => return None,
                b if b < 0x20 => return None,
                _ => i += 1,
            }
        }
        self.at = i + 1;
        self.text.get(start..i)
    }

    /// A number as the parser reads it: an integer of at most 18 digits as `u64` (`i64` when
    /// negative; `-0` is the float -0.0, as the parser has it), a number with a fraction or an
    /// exponent as the parser's `f64` of its text.
    fn number(&mut self) -> Option<Scalar<'a>> {
        let bytes = self.text.as_bytes();
        let start = self.at;
        let mut i = start;
        let negative = bytes[i] == b'-';
        if negative {
            i += 1;
        }
        let digits = |i: &mut usize| {
            let from = *i;
            while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i - from
        };
        let first = *bytes.get(i)?;
        let integer = digits(&mut i);
        if integer == 0 || (first == b'0' && integer > 1) {
            return None;
        }
        let mut float = false;
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            if digits(&mut i) == 0 {
                return None;
            }
            float = true;
        }
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(bytes.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if digits(&mut i) == 0 {
                return None;
            }
            float = true;
        }
        self.at = i;
        let text = &self.text[start..i];
        if float {
            return serde_json::from_str::<f64>(text).ok().map(Scalar::F64);
        }
        if integer > 18 {
            return None;
        }
        let magnitude: u64 = text.trim_start_matches('-').parse().ok()?;
        Some(match (negative, magnitude) {
            (false, v) => Scalar::U64(v),
            (true, 0) => Scalar::F64(-0.0),
            (true, v) => Scalar::I64(-i64::try_from(v).ok()?),
        })
    }
}

/// A scalar JSON value as the parser visits it.
enum Scalar<'a> {
    Null,
    Bool(bool),
    String(&'a str),
    U64(u64),
    I64(i64),
    F64(f64),
}

/// Runs the parser over the whole body.
fn parse<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    sink: &mut RowSink<'_>,
    single: bool,
) -> Result<(), serde_json::Error> {
    if single {
        RecordSeed(sink).deserialize(&mut de)?;
    } else {
        de.deserialize_seq(RecordsVisitor(sink))?;
    }
    de.end()
}

/// Where [`coerce`] puts what it parses.
struct RowSink<'s> {
    schema: &'s Schema,
    /// The body, to turn borrowed text into offsets.
    body: &'s [u8],
    max_field: usize,
    owned: &'s mut String,
    cells: &'s mut Vec<Cell>,
    findings: &'s mut Findings,
    records: usize,
}

impl RowSink<'_> {
    /// The column of property `key`, trying `hint` (the column after the previous property)
    /// first; an undeclared property is noted as dropped.
    fn column(&mut self, key: &str, hint: &mut usize) -> Option<usize> {
        let schema = self.schema;
        let column = match schema.columns.get(*hint) {
            Some((name, _)) if name == key => Some(*hint),
            _ => schema.position(key),
        };
        match column {
            Some(column) => *hint = column + 1,
            None => self
                .findings
                .note(key, DiagnosticKind::DroppedColumn, self.records, || {
                    format!("column {key:?} is not declared in stream {}", schema.name)
                }),
        }
        column
    }

    /// Stores the converted value of `column` in the current record (the last `width` cells),
    /// truncated, or NULL with a finding for a value of another JSON kind.
    fn store(&mut self, column: usize, key: &str, converted: Result<Cell, &'static str>) {
        let ty = self.schema.columns[column].1;
        let cell = match converted {
            Ok(cell) => self.truncate(cell, key, ty),
            Err(kind) => {
                self.findings
                    .note(key, DiagnosticKind::TypeMismatch, self.records, || {
                        format!("declared {}, received {kind}", ty.as_str())
                    });
                Cell::Null
            }
        };
        let at = self.cells.len() - self.schema.columns.len() + column;
        self.cells[at] = cell;
    }

    /// The stored form of the JSON string `text` (`borrowed` from the body when it had no
    /// escapes) for a column of type `ty`; the JSON kind for a mismatch.
    fn text(&mut self, ty: StreamType, text: &str, borrowed: bool) -> Result<Cell, &'static str> {
        let cell = |sink: &mut Self, text: &str| {
            if borrowed {
                sink.borrowed(text)
            } else {
                sink.own(text)
            }
        };
        match ty {
            StreamType::String => Ok(cell(self, text)),
            // Most datetimes arrive already in the stored form: kept as they are, without
            // parsing and formatting them again (a tenth of the ingest CPU for typical records).
            StreamType::DateTime if is_stored_utc_form(text) => Ok(cell(self, text)),
            StreamType::DateTime => {
                // The one datetime rule, shared with the push client's validation.
                let utc = ccfgen_push::rfc3339::parse(text)
                    .map(|t| t.to_offset(time::UtcOffset::UTC))
                    .and_then(|t| t.format(&Rfc3339).ok())
                    .ok_or("string")?;
                Ok(if utc == text {
                    cell(self, text)
                } else {
                    self.own(&utc)
                })
            }
            _ => Err("string"),
        }
    }

    /// Reserves the cells of as many records as the body holds if they are the size of the
    /// first one (measured to the end of its last value taken from the body), at most one cell
    /// per body byte: one allocation instead of growing the cells record by record.
    fn reserve_like_first(&mut self) {
        let end = self
            .cells
            .iter()
            .filter_map(|cell| match cell {
                Cell::Body { end, .. } => Some(*end),
                _ => None,
            })
            .max();
        if let Some(end) = end.filter(|&end| end > 0) {
            let records = self.body.len() / end + 1;
            // (at most a cell per body byte: an estimate, not a promise)
            let cells = records.saturating_mul(self.schema.columns.len());
            self.cells.reserve(cells.min(self.body.len()));
        }
    }

    /// A cell for `text`, a slice of the body.
    fn borrowed(&self, text: &str) -> Cell {
        let start = text.as_ptr() as usize - self.body.as_ptr() as usize;
        debug_assert!(start + text.len() <= self.body.len());
        Cell::Body {
            start,
            end: start + text.len(),
        }
    }

    /// A cell for `text`, copied.
    fn own(&mut self, text: &str) -> Cell {
        let start = self.owned.len();
        self.owned.push_str(text);
        Cell::Owned {
            start,
            end: self.owned.len(),
        }
    }

    /// Cuts a text value longer than `max_field` bytes at a character boundary, noting it.
    fn truncate(&mut self, cell: Cell, key: &str, ty: StreamType) -> Cell {
        let (Cell::Body { start, end } | Cell::Owned { start, end }) = cell else {
            return cell;
        };
        let max = self.max_field;
        if end - start <= max {
            return cell;
        }
        let bytes = match cell {
            Cell::Body { .. } => &self.body[start..end],
            _ => &self.owned.as_bytes()[start..end],
        };
        // A UTF-8 continuation byte is 0b10xxxxxx: back up to the start of a character.
        let mut cut = max;
        while cut > 0 && bytes[cut] & 0xC0 == 0x80 {
            cut -= 1;
        }
        let original = end - start;
        self.findings
            .note(key, DiagnosticKind::Truncated, self.records, || {
                format!(
                    "{} value of {original} bytes truncated to {max}",
                    ty.as_str()
                )
            });
        let end = start + cut;
        match cell {
            Cell::Body { .. } => Cell::Body { start, end },
            _ => Cell::Owned { start, end },
        }
    }
}

/// Whether `text` is a datetime exactly as it is stored: what formatting it in UTC as RFC 3339
/// gives (`YYYY-MM-DDTHH:MM:SS`, then `.` and 1–9 digits not ending in `0` when there is a
/// fraction, then `Z`), for a date and time that exist. Such text is stored unchanged; anything
/// else goes through parsing and formatting.
pub(crate) fn is_stored_utc_form(text: &str) -> bool {
    let b = text.as_bytes();
    // `YYYY-MM-DDTHH:MM:SS` `Z`, or with `.` and 1 to 9 digits before the `Z`
    if !matches!(b.len(), 20 | 22..=30) || b[b.len() - 1] != b'Z' {
        return false;
    }
    match b.first_chunk::<19>() {
        Some(head) if ccfgen_base::datetime::is_plain_head(head) => {}
        _ => return false,
    }
    match &b[19..b.len() - 1] {
        [] => true,
        [b'.', fraction @ ..] => {
            fraction.iter().all(u8::is_ascii_digit) && fraction.last() != Some(&b'0')
        }
        _ => false,
    }
}

/// One property value converted for a column of type `ty` as it is parsed: the cell, or the
/// JSON kind of a value that does not fit (consumed all the same). The conversions are those of
/// serde's own `i32`, `i64`, `f64`, `bool` and `String`.
struct ValueSeed<'a, 's> {
    sink: &'a mut RowSink<'s>,
    ty: StreamType,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_> {
    type Value = Result<Cell, &'static str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_> {
    type Value = Result<Cell, &'static str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Ok(Cell::Null))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(match self.ty {
            StreamType::Boolean => Ok(Cell::Integer(v.into())),
            _ => Err("boolean"),
        })
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(match self.ty {
            StreamType::Real => Ok(Cell::Real(v as f64)),
            ty => integer(ty, |width| integer::from_i64(width, v)),
        })
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(match self.ty {
            StreamType::Real => Ok(Cell::Real(v as f64)),
            ty => integer(ty, |width| integer::from_u64(width, v)),
        })
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        // An integer literal beyond u64 arrives here too (the parser reads it as a float).
        Ok(match self.ty {
            StreamType::Real => Ok(Cell::Real(v)),
            ty => integer(ty, |width| integer::from_f64(width, v)).map_err(|_| "real number"),
        })
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(self.sink.text(self.ty, v, true))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.sink.text(self.ty, v, false))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Err("array"))
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Err("object"))
    }
}

/// The cell of a JSON number in a column of type `ty` by the one integer rule
/// ([`ccfgen_push::integer`], shared with the push client's validation); the JSON kind for a
/// mismatch (a non-integer column, or a number the rule refuses).
fn integer(
    ty: StreamType,
    read: impl FnOnce(integer::Width) -> Result<i64, integer::Refusal>,
) -> Result<Cell, &'static str> {
    let width = match ty {
        StreamType::Int => integer::Width::Int,
        StreamType::Long => integer::Width::Long,
        _ => return Err("integer"),
    };
    read(width).map(Cell::Integer).map_err(|_| "integer")
}

/// The array of records.
struct RecordsVisitor<'a, 's>(&'a mut RowSink<'s>);

impl<'de> Visitor<'de> for RecordsVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(RecordSeed(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

/// One record, appended to the sink as a row.
struct RecordSeed<'a, 's>(&'a mut RowSink<'s>);

impl<'de> DeserializeSeed<'de> for RecordSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        let sink = self.0;
        let width = sink.schema.columns.len();
        sink.cells.resize(sink.cells.len() + width, Cell::Null);
        // Records usually list their fields in column order: try the next column first.
        let mut hint = 0;
        while let Some(Key(key)) = map.next_key()? {
            let Some(column) = sink.column(&key, &mut hint) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let converted = match sink.schema.columns[column].1 {
                StreamType::Dynamic => {
                    // The value's JSON text as received.
                    let raw: &RawValue = map.next_value()?;
                    Ok(sink.borrowed(raw.get()))
                }
                ty => map.next_value_seed(ValueSeed {
                    sink: &mut *sink,
                    ty,
                })?,
            };
            sink.store(column, &key, converted);
        }
        sink.records += 1;
        if sink.records == 1 {
            sink.reserve_like_first();
        }
        Ok(())
    }
}

/// The JSON kind of `value`, for messages.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "real number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StreamColumn;
    use serde_json::json;

    fn schema() -> Schema {
        Schema::new(&StreamDecl::new(
            "Custom-T",
            vec![
                StreamColumn::new("TimeGenerated", "datetime"),
                StreamColumn::new("Msg", "string"),
                StreamColumn::new("N", "int"),
                StreamColumn::new("Big", "long"),
                StreamColumn::new("R", "real"),
                StreamColumn::new("Ok", "boolean"),
                StreamColumn::new("D", "dynamic"),
            ],
        ))
        .expect("valid schema")
    }

    /// The scan gives what the parser gives (cells, text, findings) or leaves the body to it,
    /// for well-formed bodies of every value kind and for each prefix of one (malformed).
    #[test]
    fn the_scan_reads_records_as_the_parser_does() {
        let values = [
            r#""2026-01-01T00:00:00Z""#,
            r#""2026-01-01T02:00:00+02:00""#,
            r#""2026-01-01T00:00:00.1234567890Z""#,
            r#""plain é 💥 text""#,
            r#""""#,
            r#""esc\"aped""#,
            r#""\u00e9""#,
            "0",
            "-0",
            "7",
            "-7",
            "2147483648",
            "-2147483649",
            "123456789012345678",
            "-123456789012345678",
            "1234567890123456789",
            "-9223372036854775808",
            "18446744073709551616",
            "1.5",
            "-0.0",
            "1e5",
            "1E+2",
            "2.5e-3",
            "1e400",
            "0.1",
            "true",
            "false",
            "null",
            "[1, 2]",
            r#"{"a": 1}"#,
            "01",
            "1.",
            ".5",
            "+1",
            "-",
            "tru",
            "nul",
        ];
        let names = ["TimeGenerated", "Msg", "N", "Big", "R", "Ok", "D", "Extra"];
        let mut bodies: Vec<String> = Vec::new();
        for (k, value) in values.iter().enumerate() {
            // each value in each column, between ordinary ones, in two layouts
            let record: Vec<String> = names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let v = if i == k % names.len() {
                        *value
                    } else {
                        values[(k + i) % 8]
                    };
                    format!("\"{name}\": {v}")
                })
                .collect();
            bodies.push(format!("[{{{}}}]", record.join(",")));
            bodies.push(format!(
                " \n[ {{ {} }} ,\t{{\"N\": {value}, \"N\": 3}}, {{}} ]\r\n",
                record.join(" , ")
            ));
            bodies.push(format!(
                "[{{\"D\": {value}}}, {{\"Msg\": {value}, \"Nope\": {value}}}]"
            ));
        }
        let full = bodies[0].clone() + "";
        let full = format!(
            "[{}, {}]",
            &full[1..full.len() - 1],
            &full[1..full.len() - 1]
        );
        for end in 0..full.len() {
            if full.is_char_boundary(end) {
                bodies.push(full[..end].to_owned());
            }
        }
        bodies.extend(
            [
                "[]",
                " [ ] ",
                "[] x",
                "[{}]",
                "[{},]",
                "[,]",
                "{}",
                "[{\"N\":1}",
                "[{\"N\" 1}]",
            ]
            .map(str::to_owned),
        );
        let schema = schema();
        let mut scanned = 0;
        for body in &bodies {
            for max_field in [100, 8] {
                let fast = coerce_with(&schema, body.clone().into_bytes(), false, max_field, true);
                let slow = coerce_with(&schema, body.clone().into_bytes(), false, max_field, false);
                match (fast, slow) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(a.records, b.records, "{body}");
                        assert_eq!(a.cells, b.cells, "{body}");
                        assert_eq!(a.owned, b.owned, "{body}");
                        assert_eq!(a.findings, b.findings, "{body}");
                    }
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{body}"),
                    (a, b) => panic!(
                        "{body}: {:?} / {:?}",
                        a.map(|c| c.records),
                        b.map(|c| c.records)
                    ),
                }
            }
            scanned += usize::from(scan_records_of(&schema, body));
        }
        // the common shape is scanned, not left to the parser (the prefixes are malformed)
        assert!(scanned >= values.len() / 2, "{scanned} of {}", bodies.len());
        assert!(scan_records_of(
            &schema,
            r#"[{"TimeGenerated": "2026-01-01T00:00:00Z", "Msg": "x", "N": -1, "R": 1.5,
                "Ok": true, "D": 3, "Extra": null}]"#
        ));
    }

    /// Whether [`scan_records`] reads `body` itself.
    fn scan_records_of(schema: &Schema, body: &str) -> bool {
        let (mut owned, mut cells, mut findings) = (String::new(), Vec::new(), Findings::default());
        let mut sink = RowSink {
            schema,
            body: body.as_bytes(),
            max_field: 100,
            owned: &mut owned,
            cells: &mut cells,
            findings: &mut findings,
            records: 0,
        };
        scan_records(body, &mut sink)
    }

    fn coerce_text(text: &str, max_field: usize) -> Coerced {
        coerce(&schema(), text.as_bytes().to_vec(), false, max_field).expect("array of objects")
    }

    /// What the general path (parse, then format in UTC) stores for a datetime string.
    fn stored_by_parsing(text: &str) -> Option<String> {
        ccfgen_push::rfc3339::parse(text)
            .map(|t| t.to_offset(time::UtcOffset::UTC))
            .and_then(|t| t.format(&Rfc3339).ok())
    }

    #[test]
    fn datetimes_kept_as_received_are_exactly_those_parsing_would_store_unchanged() {
        let mut cases: Vec<String> = [
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00.5Z",
            "2026-01-01T00:00:00.50Z",
            "2026-01-01T00:00:00.123456789Z",
            "2026-01-01T00:00:00.1234567891Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00.000Z",
            "2026-01-01t00:00:00Z",
            "2026-01-01T00:00:00z",
            "2026-01-01 00:00:00Z",
            "2026-01-01T00:00:00+00:00",
            "2026-01-01T02:00:00+02:00",
            "2026-01-01T23:59:60Z",
            "2016-12-31T23:59:60Z",
            "2024-02-29T12:00:00Z",
            "2023-02-29T12:00:00Z",
            "1900-02-29T12:00:00Z",
            "2000-02-29T12:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-01-00T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:60:00Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z",
            "+2026-01-01T00:00:00Z",
            "2026-1-01T00:00:00Z",
            "2026-01-01T00:00:0aZ",
            "2026-01-01T00:00:00.1a2Z",
            "yesterday",
            "",
        ]
        .map(str::to_owned)
        .to_vec();
        cases.extend(
            ccfgen_push::rfc3339::EXAMPLES
                .iter()
                .map(|(text, _)| (*text).to_owned()),
        );
        for month in 1..=12 {
            for day in [1, 28, 29, 30, 31] {
                for year in [1999, 2000, 2024, 2100] {
                    cases.push(format!("{year:04}-{month:02}-{day:02}T13:45:07.25Z"));
                }
            }
        }
        for text in &cases {
            let general = stored_by_parsing(text);
            if is_stored_utc_form(text) {
                assert_eq!(general.as_deref(), Some(text.as_str()), "{text}");
            } else {
                assert_ne!(general.as_deref(), Some(text.as_str()), "{text}");
            }
        }
    }

    #[test]
    fn converts_each_type() {
        let text = json!([{
            "TimeGenerated": "2024-01-01T02:00:00+02:00", "Msg": "hi", "N": 7,
            "Big": 9_000_000_000i64, "R": 1.5, "Ok": true, "D": {"a": [1]}
        }])
        .to_string();
        let out = coerce_text(&text, 100);
        assert!(out.findings.is_empty());
        assert_eq!(
            out.row(0),
            vec![
                SqlValue::Text("2024-01-01T00:00:00Z".into()),
                SqlValue::Text("hi".into()),
                SqlValue::Integer(7),
                SqlValue::Integer(9_000_000_000),
                SqlValue::Real(1.5),
                SqlValue::Integer(1),
                SqlValue::Text(r#"{"a":[1]}"#.into()),
            ]
        );
    }

    /// The datetime rule the push client validates with is the one the emulator stores by:
    /// what validation accepts is stored, what it refuses would be NULL.
    #[test]
    fn datetimes_follow_the_shared_rule() {
        for (value, valid) in ccfgen_push::rfc3339::EXAMPLES {
            let text = json!([{ "TimeGenerated": value }]).to_string();
            let out = coerce_text(&text, 100);
            assert_eq!(out.row(0)[0] != SqlValue::Null, *valid, "{value}");
            assert_eq!(out.findings.is_empty(), *valid, "{value}");
        }
    }

    /// The integer rule the push client validates with is the one the emulator stores by:
    /// what validation accepts is stored as that integer, what it refuses is NULL (`3.0` in
    /// an `int` column included, as the service stores a floating-point value there).
    #[test]
    fn integers_follow_the_shared_rule() {
        for (number, width, stored) in integer::EXAMPLES {
            let (column, at) = match width {
                integer::Width::Int => ("N", 2),
                integer::Width::Long => ("Big", 3),
            };
            let text = format!(r#"[{{"{column}":{number}}}]"#);
            let out = coerce_text(&text, 100);
            let expected = stored.map_or(SqlValue::Null, SqlValue::Integer);
            assert_eq!(out.row(0)[at], expected, "{text}");
            assert_eq!(out.findings.is_empty(), stored.is_some(), "{text}");
        }
    }

    #[test]
    fn silent_behaviours_are_aggregated_per_column() {
        let text = json!([
            {"Msg": "x".repeat(10), "N": 3_000_000_000i64, "Extra": 1},
            {"Msg": 5, "N": "7", "Extra": 2, "TimeGenerated": "yesterday"},
        ])
        .to_string();
        let out = coerce_text(&text, 4);
        let summary: Vec<(&str, DiagnosticKind, u64, u64)> = out
            .findings
            .iter()
            .map(|f| (f.column.as_str(), f.kind, f.count, f.first_record))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("Msg", DiagnosticKind::Truncated, 1, 0),
                ("N", DiagnosticKind::TypeMismatch, 2, 0),
                ("Extra", DiagnosticKind::DroppedColumn, 2, 0),
                ("Msg", DiagnosticKind::TypeMismatch, 1, 1),
                ("TimeGenerated", DiagnosticKind::TypeMismatch, 1, 1),
            ]
        );
        assert_eq!(out.row(0)[1], SqlValue::Text("xxxx".into()));
        assert_eq!(out.row(1)[1], SqlValue::Null);
    }

    #[test]
    fn escaped_keys_and_values_are_decoded() {
        let text = r#"[{"M\u0073g": "a\"b", "R": 2, "N": 1.0, "D": [1, {"x": null}]}]"#;
        let out = coerce_text(text, 100);
        assert_eq!(out.row(0)[1], SqlValue::Text("a\"b".into()));
        assert_eq!(out.row(0)[4], SqlValue::Real(2.0));
        assert_eq!(out.row(0)[2], SqlValue::Null, "1.0 is not an int");
        assert_eq!(out.row(0)[6], SqlValue::Text(r#"[1, {"x": null}]"#.into()));
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].detail, "declared int, received real number");
    }

    #[test]
    fn every_json_kind_is_named_in_a_mismatch_and_consumed() {
        for (value, kind) in [
            ("true", "boolean"),
            ("-3", "integer"),
            ("18446744073709551615", "integer"),
            ("2.5e3", "real number"),
            (r#"[1, [2, {"a": "]"}]]"#, "array"),
            (r#"{"a": {"b": [1]}, "c": "}"}"#, "object"),
        ] {
            let text = format!(r#"[{{"Msg": {value}, "N": 7}}]"#);
            let out = coerce_text(&text, 100);
            assert_eq!(out.row(0)[1], SqlValue::Null, "{value}");
            assert_eq!(out.row(0)[2], SqlValue::Integer(7), "{value}");
            assert_eq!(out.findings.len(), 1, "{value}");
            assert_eq!(
                out.findings[0].detail,
                format!("declared string, received {kind}")
            );
        }
        let out = coerce_text(
            r#"[{"Ok": "true", "Big": 18446744073709551615, "R": -0}]"#,
            100,
        );
        assert_eq!(out.row(0)[5], SqlValue::Null);
        assert_eq!(out.row(0)[3], SqlValue::Null, "beyond i64");
        assert_eq!(out.row(0)[4], SqlValue::Real(0.0));
        assert_eq!(out.findings[0].detail, "declared boolean, received string");
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let out = coerce_text(
            r#"[{"Msg": "ééé"}, {"Msg": "\u00e9\u00e9"}, {"Msg": "abc"}]"#,
            3,
        );
        assert_eq!(out.row(0)[1], SqlValue::Text("é".into()));
        assert_eq!(out.row(1)[1], SqlValue::Text("é".into()));
        assert_eq!(out.row(2)[1], SqlValue::Text("abc".into()));
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].count, 2);
    }

    #[test]
    fn text_is_borrowed_unless_it_changed() {
        let text = r#"[{"TimeGenerated": "2024-01-01T00:00:00Z", "Msg": "plain", "D": [1]},
                       {"TimeGenerated": "2024-01-01T02:00:00+02:00", "Msg": "a\nb"}]"#;
        let out = coerce_text(text, 100);
        let rows: Vec<&[Cell]> = out.rows().collect();
        assert!(matches!(rows[0][0], Cell::Body { .. }));
        assert!(matches!(rows[0][1], Cell::Body { .. }));
        assert!(matches!(rows[0][6], Cell::Body { .. }));
        assert!(matches!(rows[1][0], Cell::Owned { .. }));
        assert!(matches!(rows[1][1], Cell::Owned { .. }));
        assert_eq!(out.row(1)[0], SqlValue::Text("2024-01-01T00:00:00Z".into()));
        assert_eq!(out.row(1)[1], SqlValue::Text("a\nb".into()));
        assert_eq!(out.row(1)[6], SqlValue::Null);
    }

    #[test]
    fn a_single_object_is_one_row_and_shape_errors_are_the_parsers() {
        let out = coerce(&schema(), br#"{"N": 1}"#.to_vec(), true, 100).expect("object");
        assert_eq!(
            (out.len(), out.row(0)[2].clone()),
            (1, SqlValue::Integer(1))
        );
        let err = coerce(&schema(), b"[{}, 1]".to_vec(), false, 100).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid type: integer `1`, expected a JSON object")
        );
        assert!(coerce(&schema(), b"[{}] x".to_vec(), false, 100).is_err());
        assert_eq!(
            coerce(&schema(), b"[]".to_vec(), false, 100).unwrap().len(),
            0
        );
        // Invalid UTF-8 gets the parser's message and position.
        let bad = b"[{\"Msg\": \"ok\"},\n {\"Msg\": \"\xff\"}]".to_vec();
        let expected = serde_json::from_slice::<Value>(&bad)
            .unwrap_err()
            .to_string();
        let err = coerce(&schema(), bad, false, 100).unwrap_err();
        assert_eq!(err.to_string(), expected);
        assert!(expected.contains("line 2"), "{expected}");
    }

    #[test]
    fn unknown_type_is_rejected() {
        let decl = StreamDecl::new("Custom-T", vec![StreamColumn::new("G", "guid")]);
        assert!(Schema::new(&decl).unwrap_err().contains("guid"));
    }
}
