//! What a transformation receives: a JSON record converted to the stream declaration's typed
//! columns, with the service's silent behaviours (properties the stream does not declare are
//! dropped; a value whose JSON type does not match its column is null). The rule is the
//! emulator's (`crates/emulator/src/schema.rs`): strings only from JSON strings, `int` from
//! integers that fit 32 bits, `long` from integers, `real` from numbers, `boolean` from
//! booleans, `datetime` from ISO 8601 / RFC 3339 strings, `dynamic` from anything.

use std::sync::Arc;

use super::time;
use super::value::Value;
use crate::{Column, ScalarType};

/// A record converted to a stream's columns.
#[derive(Debug, Clone, Default)]
pub struct InputRow {
    /// One value per stream column, in declaration order.
    pub values: Vec<Value>,
    /// What the conversion changed.
    pub issues: Vec<InputIssue>,
}

/// A silent change made while converting a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputIssue {
    /// The record has a property the stream does not declare (dropped).
    Undeclared(String),
    /// The value's JSON type does not fit the column type (stored as null).
    TypeMismatch {
        /// The column.
        column: String,
        /// The column's type.
        expected: ScalarType,
        /// The JSON kind received (`string`, `integer`, `object` ...).
        received: &'static str,
    },
}

/// Converts a JSON record to the stream's typed row.
pub fn input_row(
    record: &serde_json::Map<String, serde_json::Value>,
    columns: &[Column],
) -> InputRow {
    let mut row = InputRow {
        values: vec![Value::Null; columns.len()],
        issues: Vec::new(),
    };
    // Records usually list their properties in column order: try the column after the
    // previous one first (a wide stream is then not searched once per property).
    let mut next = 0;
    for (key, value) in record {
        let found = match columns.get(next) {
            Some(c) if c.name == *key => Some(next),
            _ => columns.iter().position(|c| c.name == *key),
        };
        let Some(i) = found else {
            row.issues.push(InputIssue::Undeclared(key.clone()));
            continue;
        };
        next = i + 1;
        match stream_value(value, columns[i].ty) {
            Some(v) => row.values[i] = v,
            None => row.issues.push(InputIssue::TypeMismatch {
                column: key.clone(),
                expected: columns[i].ty,
                received: json_kind(value),
            }),
        }
    }
    row
}

/// The value of a JSON value in a column of type `ty`; `None` for a type mismatch (JSON `null`
/// is a null of any type).
pub fn stream_value(json: &serde_json::Value, ty: ScalarType) -> Option<Value> {
    use serde_json::Value as J;
    if json.is_null() {
        return Some(Value::Null);
    }
    Some(match (ty, json) {
        (ScalarType::String, J::String(s)) => Value::String(Arc::from(s.as_str())),
        (ScalarType::Int, J::Number(n)) => Value::Int(i32::try_from(n.as_i64()?).ok()?),
        (ScalarType::Long, J::Number(n)) => Value::Long(n.as_i64()?),
        (ScalarType::Real | ScalarType::Decimal, J::Number(n)) => Value::Real(n.as_f64()?),
        (ScalarType::Bool, J::Bool(b)) => Value::Bool(*b),
        (ScalarType::DateTime, J::String(s)) => Value::DateTime(iso_datetime(s)?),
        (ScalarType::Dynamic | ScalarType::Unknown, other) => Value::from_json(other),
        (ScalarType::Guid, J::String(s)) => Value::Guid(super::value::parse_guid(s, false)?),
        (ScalarType::TimeSpan, J::String(s)) => Value::TimeSpan(time::parse_timespan(s)?),
        _ => return None,
    })
}

/// ISO 8601 / RFC 3339 only (`2024-05-01T10:00:00Z`, with an offset, without a zone, or with
/// a space instead of `T`), as the Logs Ingestion API reads `datetime` columns.
fn iso_datetime(s: &str) -> Option<i64> {
    let t = s.trim();
    let b = t.as_bytes();
    let iso_shape =
        b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-';
    if !iso_shape {
        return None;
    }
    time::parse_datetime(t)
}

/// The JSON kind of a value, for messages.
pub(crate) fn json_kind(value: &serde_json::Value) -> &'static str {
    use serde_json::Value as J;
    match value {
        J::Null => "null",
        J::Bool(_) => "boolean",
        J::Number(n) if n.is_f64() => "real number",
        J::Number(_) => "integer",
        J::String(_) => "string",
        J::Array(_) => "array",
        J::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn converts_like_the_emulator() {
        let cols = [
            Column::new("TimeGenerated", ScalarType::DateTime),
            Column::new("N", ScalarType::Int),
            Column::new("S", ScalarType::String),
            Column::new("D", ScalarType::Dynamic),
        ];
        let rec = json!({"TimeGenerated": "2024-05-01T10:00:00+02:00", "N": 5000000000i64, "S": 5, "D": {"a": 1}, "X": 1});
        let row = input_row(rec.as_object().unwrap(), &cols);
        assert_eq!(
            row.values[0].to_kusto_string(),
            "2024-05-01T08:00:00.0000000Z"
        );
        assert!(row.values[1].is_null());
        assert!(row.values[2].is_null());
        assert_eq!(row.values[3].to_json_text(), r#"{"a":1}"#);
        assert_eq!(row.issues.len(), 3);
        assert!(stream_value(&json!("Sat, 8 Nov 14 15:05:02 GMT"), ScalarType::DateTime).is_none());
    }
}
