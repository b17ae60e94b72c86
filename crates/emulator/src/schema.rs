//! Stream declarations resolved for storage: column types, their SQLite affinities and
//! the conversion of received JSON records into typed rows, with the service's silent
//! behaviours (unknown columns dropped, mismatches nulled, long values truncated).
//!
//! Records are parsed without building a JSON tree: each property keeps its raw JSON
//! text and is converted straight to the declared column type.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use rusqlite::types::Value as SqlValue;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::StreamDecl;
use ccfgen_push::StreamType;

use crate::introspect::DiagnosticKind;

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

/// Typed rows for a batch plus what was silently changed.
#[derive(Debug, Default)]
pub(crate) struct Coerced {
    pub(crate) rows: Vec<Vec<SqlValue>>,
    pub(crate) findings: Vec<Finding>,
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

/// Converts received records into rows of `schema`'s columns.
pub(crate) fn coerce(schema: &Schema, records: &[RawRecord<'_>], max_field: usize) -> Coerced {
    let mut findings = Findings::default();
    let mut rows = Vec::with_capacity(records.len());
    for (record_index, record) in records.iter().enumerate() {
        let mut row = vec![SqlValue::Null; schema.columns.len()];
        for (key, raw) in &record.0 {
            let key = key.as_ref();
            let Some(column) = schema.position(key) else {
                findings.note(key, DiagnosticKind::DroppedColumn, record_index, || {
                    format!("column {key:?} is not declared in stream {}", schema.name)
                });
                continue;
            };
            let ty = schema.columns[column].1;
            row[column] = match convert(ty, raw.get()) {
                Some(converted) => truncate_text(converted, max_field, |original| {
                    findings.note(key, DiagnosticKind::Truncated, record_index, || {
                        format!(
                            "{} value of {original} bytes truncated to {max_field}",
                            ty.as_str()
                        )
                    });
                }),
                None => {
                    findings.note(key, DiagnosticKind::TypeMismatch, record_index, || {
                        format!("declared {}, received {}", ty.as_str(), raw_kind(raw.get()))
                    });
                    SqlValue::Null
                }
            };
        }
        rows.push(row);
    }
    Coerced {
        rows,
        findings: findings.list,
    }
}

/// The stored form of the raw JSON `raw` for a column of type `ty`; `None` for a type
/// mismatch.
fn convert(ty: StreamType, raw: &str) -> Option<SqlValue> {
    if raw == "null" {
        return Some(SqlValue::Null);
    }
    match ty {
        // `guid` is refused in declarations (streams have none); it would be a string.
        StreamType::String | StreamType::Guid => {
            serde_json::from_str::<String>(raw).ok().map(SqlValue::Text)
        }
        StreamType::Int => serde_json::from_str::<i32>(raw)
            .ok()
            .map(|i| SqlValue::Integer(i.into())),
        StreamType::Long => serde_json::from_str::<i64>(raw).ok().map(SqlValue::Integer),
        StreamType::Real => serde_json::from_str::<f64>(raw).ok().map(SqlValue::Real),
        StreamType::Boolean => serde_json::from_str::<bool>(raw)
            .ok()
            .map(|b| SqlValue::Integer(b.into())),
        StreamType::DateTime => {
            let text = serde_json::from_str::<Cow<'_, str>>(raw).ok()?;
            let parsed = OffsetDateTime::parse(&text, &Rfc3339).ok()?;
            let utc = parsed.to_offset(time::UtcOffset::UTC);
            utc.format(&Rfc3339).ok().map(SqlValue::Text)
        }
        StreamType::Dynamic => Some(SqlValue::Text(raw.to_owned())),
    }
}

/// The JSON kind of a raw value, for messages.
fn raw_kind(raw: &str) -> &'static str {
    match raw.as_bytes().first() {
        Some(b'"') => "string",
        Some(b'{') => "object",
        Some(b'[') => "array",
        Some(b't' | b'f') => "boolean",
        Some(b'n') => "null",
        _ if raw.contains(['.', 'e', 'E']) => "real number",
        _ => "integer",
    }
}

/// Cuts text values longer than `max` bytes at a character boundary, calling
/// `on_truncate` with the original length.
fn truncate_text(value: SqlValue, max: usize, on_truncate: impl FnOnce(usize)) -> SqlValue {
    match value {
        SqlValue::Text(mut text) if text.len() > max => {
            on_truncate(text.len());
            let mut end = max;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
            SqlValue::Text(text)
        }
        other => other,
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

    fn parse(text: &str) -> Vec<RawRecord<'_>> {
        serde_json::from_str(text).expect("array of objects")
    }

    #[test]
    fn converts_each_type() {
        let text = json!([{
            "TimeGenerated": "2024-01-01T02:00:00+02:00", "Msg": "hi", "N": 7,
            "Big": 9_000_000_000i64, "R": 1.5, "Ok": true, "D": {"a": [1]}
        }])
        .to_string();
        let out = coerce(&schema(), &parse(&text), 100);
        assert!(out.findings.is_empty());
        assert_eq!(
            out.rows[0],
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

    #[test]
    fn silent_behaviours_are_aggregated_per_column() {
        let text = json!([
            {"Msg": "x".repeat(10), "N": 3_000_000_000i64, "Extra": 1},
            {"Msg": 5, "N": "7", "Extra": 2, "TimeGenerated": "yesterday"},
        ])
        .to_string();
        let out = coerce(&schema(), &parse(&text), 4);
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
        assert_eq!(out.rows[0][1], SqlValue::Text("xxxx".into()));
        assert_eq!(out.rows[1][1], SqlValue::Null);
    }

    #[test]
    fn escaped_keys_and_values_are_decoded() {
        let text = r#"[{"M\u0073g": "a\"b", "R": 2, "N": 1.0, "D": [1, {"x": null}]}]"#;
        let out = coerce(&schema(), &parse(text), 100);
        assert_eq!(out.rows[0][1], SqlValue::Text("a\"b".into()));
        assert_eq!(out.rows[0][4], SqlValue::Real(2.0));
        assert_eq!(out.rows[0][2], SqlValue::Null, "1.0 is not an int");
        assert_eq!(out.rows[0][6], SqlValue::Text(r#"[1, {"x": null}]"#.into()));
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].detail, "declared int, received real number");
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let cut = truncate_text(SqlValue::Text("ééé".into()), 3, |_| {});
        assert_eq!(cut, SqlValue::Text("é".into()));
    }

    #[test]
    fn unknown_type_is_rejected() {
        let decl = StreamDecl::new("Custom-T", vec![StreamColumn::new("G", "guid")]);
        assert!(Schema::new(&decl).unwrap_err().contains("guid"));
    }
}
