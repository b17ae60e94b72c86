//! Stream declarations resolved for storage: column types, their SQLite affinities and
//! the conversion of one received JSON record into a typed row, with the service's
//! silent behaviours (unknown columns dropped, mismatches nulled, long values truncated).

use std::collections::HashMap;

use rusqlite::types::Value as SqlValue;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::StreamDecl;
use crate::introspect::DiagnosticKind;

/// A DCR stream column type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnType {
    String,
    Int,
    Long,
    Real,
    Boolean,
    DateTime,
    Dynamic,
}

impl ColumnType {
    /// Parses a stream type name case-insensitively (`bool` is accepted for `boolean`).
    pub(crate) fn parse(name: &str) -> Option<ColumnType> {
        Some(match name.to_ascii_lowercase().as_str() {
            "string" => ColumnType::String,
            "int" => ColumnType::Int,
            "long" => ColumnType::Long,
            "real" => ColumnType::Real,
            "boolean" | "bool" => ColumnType::Boolean,
            "datetime" => ColumnType::DateTime,
            "dynamic" => ColumnType::Dynamic,
            _ => return None,
        })
    }

    /// The DCR spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ColumnType::String => "string",
            ColumnType::Int => "int",
            ColumnType::Long => "long",
            ColumnType::Real => "real",
            ColumnType::Boolean => "boolean",
            ColumnType::DateTime => "datetime",
            ColumnType::Dynamic => "dynamic",
        }
    }

    /// The SQLite column type used for storage.
    pub(crate) fn affinity(self) -> &'static str {
        match self {
            ColumnType::Int | ColumnType::Long | ColumnType::Boolean => "INTEGER",
            ColumnType::Real => "REAL",
            ColumnType::String | ColumnType::DateTime | ColumnType::Dynamic => "TEXT",
        }
    }

    /// Converts a stored SQLite value back to the JSON the stream received.
    pub(crate) fn to_json(self, value: SqlValue) -> Value {
        match (self, value) {
            (_, SqlValue::Null) => Value::Null,
            (ColumnType::Boolean, SqlValue::Integer(i)) => Value::Bool(i != 0),
            (_, SqlValue::Integer(i)) => Value::from(i),
            (_, SqlValue::Real(f)) => Value::from(f),
            (ColumnType::Dynamic, SqlValue::Text(text)) => {
                // A truncated dynamic value is no longer JSON: hand back the text.
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            }
            (_, SqlValue::Text(text)) => Value::String(text),
            (_, SqlValue::Blob(bytes)) => Value::String(String::from_utf8_lossy(&bytes).into()),
        }
    }
}

/// A declared stream ready for storage.
#[derive(Debug, Clone)]
pub(crate) struct Schema {
    pub(crate) name: String,
    pub(crate) columns: Vec<(String, ColumnType)>,
    index: HashMap<String, usize>,
}

impl Schema {
    /// Resolves the declaration's types; the error names the first unknown type.
    pub(crate) fn new(decl: &StreamDecl) -> Result<Schema, String> {
        let mut columns = Vec::with_capacity(decl.columns.len());
        let mut index = HashMap::new();
        for column in &decl.columns {
            let ty = ColumnType::parse(&column.type_name).ok_or_else(|| {
                format!(
                    "stream {}: column {} has unknown type {:?}",
                    decl.name, column.name, column.type_name
                )
            })?;
            if index.insert(column.name.clone(), columns.len()).is_some() {
                return Err(format!(
                    "stream {}: column {} declared twice",
                    decl.name, column.name
                ));
            }
            columns.push((column.name.clone(), ty));
        }
        Ok(Schema {
            name: decl.name.clone(),
            columns,
            index,
        })
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

/// Converts received records (JSON objects) into rows of `schema`'s columns.
pub(crate) fn coerce(schema: &Schema, records: &[Map<String, Value>], max_field: usize) -> Coerced {
    let mut findings = Findings::default();
    let mut rows = Vec::with_capacity(records.len());
    for (record_index, record) in records.iter().enumerate() {
        let mut row = vec![SqlValue::Null; schema.columns.len()];
        for (key, value) in record {
            let Some(&column) = schema.index.get(key) else {
                findings.note(key, DiagnosticKind::DroppedColumn, record_index, || {
                    format!("column {key:?} is not declared in stream {}", schema.name)
                });
                continue;
            };
            let ty = schema.columns[column].1;
            row[column] = match convert(ty, value) {
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
                        format!("declared {}, received {}", ty.as_str(), json_kind(value))
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

/// The stored form of `value` for a column of type `ty`; `None` for a type mismatch.
fn convert(ty: ColumnType, value: &Value) -> Option<SqlValue> {
    if value.is_null() {
        return Some(SqlValue::Null);
    }
    match ty {
        ColumnType::String => value.as_str().map(|s| SqlValue::Text(s.to_owned())),
        ColumnType::Int => value
            .as_i64()
            .and_then(|i| i32::try_from(i).ok())
            .map(|i| SqlValue::Integer(i.into())),
        ColumnType::Long => value.as_i64().map(SqlValue::Integer),
        ColumnType::Real => value.as_f64().map(SqlValue::Real),
        ColumnType::Boolean => value.as_bool().map(|b| SqlValue::Integer(b.into())),
        ColumnType::DateTime => {
            let parsed = OffsetDateTime::parse(value.as_str()?, &Rfc3339).ok()?;
            let utc = parsed.to_offset(time::UtcOffset::UTC);
            utc.format(&Rfc3339).ok().map(SqlValue::Text)
        }
        ColumnType::Dynamic => Some(SqlValue::Text(value.to_string())),
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

    fn objects(value: Value) -> Vec<Map<String, Value>> {
        value
            .as_array()
            .expect("array")
            .iter()
            .map(|v| v.as_object().expect("object").clone())
            .collect()
    }

    #[test]
    fn converts_each_type() {
        let records = objects(json!([{
            "TimeGenerated": "2024-01-01T02:00:00+02:00", "Msg": "hi", "N": 7,
            "Big": 9_000_000_000i64, "R": 1.5, "Ok": true, "D": {"a": [1]}
        }]));
        let out = coerce(&schema(), &records, 100);
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
        let records = objects(json!([
            {"Msg": "x".repeat(10), "N": 3_000_000_000i64, "Extra": 1},
            {"Msg": 5, "N": "7", "Extra": 2, "TimeGenerated": "yesterday"},
        ]));
        let out = coerce(&schema(), &records, 4);
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
