//! What the service does with a transformation's output before it stores a row in the table:
//! output columns the table does not have are dropped; each table column takes the output
//! column of the same name (or null); a value whose type does not fit the column is stored as
//! null; text (and the JSON text of a dynamic value) longer than 64 KB is truncated;
//! `TimeGenerated` missing, null, more than 2 days before the received time or more than a day
//! after it is replaced by the received time.
//!
//! Sources (Azure Monitor documentation, `MicrosoftDocs/azure-monitor-docs`):
//! * `logs/log-standard-columns.md` (ms.date 05/26/2024): "The TimeGenerated value cannot be
//!   older than 2 days before received time or more than a day in the future. If in some
//!   situation, the value is older than 2 days or more than a day in the future, it would be
//!   replaced with the actual received time."
//! * `vm/data-collection-log-text.md` (ms.date 03/03/2025): TimeGenerated "will be automatically
//!   populated with the time the record is added to the Log Analytics workspace. You can
//!   override this value using a transformation"; "If this was not provided, then
//!   TimeGenerated would be populated with the ingestion time."
//! * the Logs Ingestion API limits (`logs/includes/azure-monitor-limits-custom-logs.md`): field
//!   values over 64 KB are truncated.
//!
//! The documentation does not say how a value of another type is converted; like the
//! emulator's stream rule, a value is kept when it is of the column's kind (integers widen to
//! `long` and `real`) and stored as null otherwise — and every such null is reported.

use super::time::{TICKS_PER_DAY, write_datetime_short};
use super::value::{Value, write_json};
use crate::{Column, ScalarType};

/// Text values longer than this many bytes (UTF-8) are truncated.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// The standard time column.
pub const TIME_GENERATED: &str = "TimeGenerated";
/// `TimeGenerated` may be this much older than the received time.
pub const MAX_AGE_TICKS: i64 = 2 * TICKS_PER_DAY;
/// `TimeGenerated` may be this much later than the received time.
pub const MAX_AHEAD_TICKS: i64 = TICKS_PER_DAY;

/// Why a stored `TimeGenerated` is the received time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFix {
    /// The transformation does not output `TimeGenerated`.
    Missing,
    /// It outputs null.
    Null,
    /// It is more than 2 days before the received time (the value it had).
    TooOld(i64),
    /// It is more than a day after the received time (the value it had).
    TooNew(i64),
}

/// One change the service makes to one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The value of table column `column` does not fit its type and is stored as null.
    TypeMismatch {
        /// Index of the table column.
        column: usize,
        /// The value's kind (`string`, `long`, `array` ...).
        kind: &'static str,
    },
    /// The value of table column `column` was longer than 64 KB and is truncated.
    Truncated {
        /// Index of the table column.
        column: usize,
        /// Its length in bytes before truncation.
        bytes: usize,
    },
    /// `TimeGenerated` was replaced by the received time.
    TimeGenerated(TimeFix),
}

/// Stores transformation output rows into a table's columns.
#[derive(Debug, Clone)]
pub struct TableWriter {
    table: Vec<Column>,
    /// Per table column: the output column it takes its value from.
    source: Vec<Option<usize>>,
    dropped: Vec<String>,
    unproduced: Vec<String>,
    time_generated: Option<usize>,
}

impl TableWriter {
    /// A writer from the transformation's output columns into the table's columns.
    pub fn new(output: &[Column], table: &[Column]) -> TableWriter {
        let source: Vec<Option<usize>> = table
            .iter()
            .map(|t| output.iter().position(|o| o.name == t.name))
            .collect();
        let dropped = output
            .iter()
            .filter(|o| !table.iter().any(|t| t.name == o.name))
            .map(|o| o.name.clone())
            .collect();
        let unproduced = table
            .iter()
            .zip(&source)
            .filter(|(_, s)| s.is_none())
            .map(|(t, _)| t.name.clone())
            .collect();
        let time_generated = table
            .iter()
            .position(|t| t.name == TIME_GENERATED && t.ty == ScalarType::DateTime);
        TableWriter {
            table: table.to_vec(),
            source,
            dropped,
            unproduced,
            time_generated,
        }
    }

    /// The table's columns (the stored rows' order).
    pub fn table_columns(&self) -> &[Column] {
        &self.table
    }

    /// Per table column: the output column it takes its value from.
    pub(crate) fn sources(&self) -> &[Option<usize>] {
        &self.source
    }

    /// The table's `TimeGenerated` column (of type `datetime`), whose value the window rule
    /// may replace.
    pub(crate) fn time_generated(&self) -> Option<usize> {
        self.time_generated
    }

    /// Output columns the table does not have (dropped from every row).
    pub fn dropped_columns(&self) -> &[String] {
        &self.dropped
    }

    /// Table columns no output column fills (null in every row; `TimeGenerated` gets the
    /// received time).
    pub fn unproduced_columns(&self) -> &[String] {
        &self.unproduced
    }

    /// The row the table stores for one output row received at `received` (ticks); the
    /// changes made are appended to `changes`.
    pub fn store(
        &self,
        mut row: Vec<Value>,
        received: i64,
        changes: &mut Vec<Change>,
    ) -> Vec<Value> {
        let mut out = Vec::with_capacity(self.table.len());
        for (i, (column, source)) in self.table.iter().zip(&self.source).enumerate() {
            let value = match source.and_then(|s| row.get_mut(s)) {
                Some(v) => std::mem::take(v),
                None => Value::Null,
            };
            out.push(fit(value, column.ty, i, changes));
        }
        if let Some(t) = self.time_generated {
            let fix = match (&out[t], self.source[t]) {
                (_, None) => Some(TimeFix::Missing),
                (Value::Null, _) => Some(TimeFix::Null),
                (Value::DateTime(v), _) if *v < received - MAX_AGE_TICKS => {
                    Some(TimeFix::TooOld(*v))
                }
                (Value::DateTime(v), _) if *v > received + MAX_AHEAD_TICKS => {
                    Some(TimeFix::TooNew(*v))
                }
                _ => None,
            };
            if let Some(fix) = fix {
                out[t] = Value::DateTime(received);
                changes.push(Change::TimeGenerated(fix));
            }
        }
        out
    }
}

/// The kind of a value for messages.
pub fn kind_name(v: &Value) -> &'static str {
    v.type_name().unwrap_or("null")
}

/// The value a column of type `ty` stores.
fn fit(value: Value, ty: ScalarType, column: usize, changes: &mut Vec<Change>) -> Value {
    use Value as V;
    let kept = match (ty, value) {
        (_, V::Null) => return V::Null,
        (ScalarType::String, V::String(s)) => V::String(s),
        (ScalarType::Int, V::Int(i)) => V::Int(i),
        (ScalarType::Int, V::Long(l)) if i32::try_from(l).is_ok() => V::Int(l as i32),
        (ScalarType::Long, V::Int(i)) => V::Long(i64::from(i)),
        (ScalarType::Long, V::Long(l)) => V::Long(l),
        (ScalarType::Real | ScalarType::Decimal, V::Int(i)) => V::Real(f64::from(i)),
        (ScalarType::Real | ScalarType::Decimal, V::Long(l)) => V::Real(l as f64),
        (ScalarType::Real | ScalarType::Decimal, V::Real(r)) => V::Real(r),
        (ScalarType::Bool, V::Bool(b)) => V::Bool(b),
        (ScalarType::DateTime, V::DateTime(t)) => V::DateTime(t),
        (ScalarType::TimeSpan, V::TimeSpan(t)) => V::TimeSpan(t),
        (ScalarType::Guid, V::Guid(g)) => V::Guid(g),
        (ScalarType::Guid, V::String(s)) => V::String(s),
        (ScalarType::Dynamic | ScalarType::Unknown, v) => v,
        (_, other) => {
            changes.push(Change::TypeMismatch {
                column,
                kind: kind_name(&other),
            });
            return V::Null;
        }
    };
    truncate(kept, column, changes)
}

/// Cuts text (and the JSON text of arrays and bags) to [`MAX_VALUE_BYTES`].
fn truncate(v: Value, column: usize, changes: &mut Vec<Change>) -> Value {
    match &v {
        Value::String(s) if s.len() > MAX_VALUE_BYTES => {
            changes.push(Change::Truncated {
                column,
                bytes: s.len(),
            });
            Value::string(cut(s))
        }
        Value::Array(_) | Value::Bag(_) => {
            let mut text = String::new();
            write_json(&v, &mut text);
            if text.len() > MAX_VALUE_BYTES {
                changes.push(Change::Truncated {
                    column,
                    bytes: text.len(),
                });
                // a truncated dynamic value is no longer JSON: its text is stored
                Value::string(cut(&text))
            } else {
                v
            }
        }
        _ => v,
    }
}

fn cut(s: &str) -> &str {
    let mut end = MAX_VALUE_BYTES.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A stored row as JSON, in table column order (datetimes in RFC 3339 with the fraction
/// trimmed, as the Log Analytics APIs return them).
pub fn row_json(table: &[Column], row: &[Value]) -> serde_json::Map<String, serde_json::Value> {
    table
        .iter()
        .zip(row)
        .map(|(c, v)| {
            let json = match v {
                Value::DateTime(t) => {
                    let mut s = String::new();
                    write_datetime_short(*t, &mut s);
                    serde_json::Value::String(s)
                }
                other => other.to_json(),
            };
            (c.name.clone(), json)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_rules() {
        let output = [
            Column::new("TimeGenerated", ScalarType::DateTime),
            Column::new("N", ScalarType::Long),
            Column::new("Extra", ScalarType::String),
            Column::new("Msg", ScalarType::Dynamic),
        ];
        let table = [
            Column::new("TimeGenerated", ScalarType::DateTime),
            Column::new("Msg", ScalarType::String),
            Column::new("N", ScalarType::Int),
            Column::new("Absent", ScalarType::Real),
        ];
        let w = TableWriter::new(&output, &table);
        assert_eq!(w.dropped_columns(), ["Extra"]);
        assert_eq!(w.unproduced_columns(), ["Absent"]);
        let received = 700_000 * TICKS_PER_DAY;
        let mut changes = Vec::new();
        let row = w.store(
            vec![
                Value::DateTime(received - 3 * TICKS_PER_DAY),
                Value::Long(5_000_000_000),
                Value::string("x"),
                Value::string(&"é".repeat(40_000)),
            ],
            received,
            &mut changes,
        );
        assert_eq!(row[0], Value::DateTime(received));
        assert_eq!(row[1].as_str().map(str::len), Some(MAX_VALUE_BYTES));
        assert!(row[2].is_null());
        assert!(row[3].is_null());
        assert_eq!(
            changes,
            [
                Change::Truncated {
                    column: 1,
                    bytes: 80_000
                },
                Change::TypeMismatch {
                    column: 2,
                    kind: "long"
                },
                Change::TimeGenerated(TimeFix::TooOld(received - 3 * TICKS_PER_DAY)),
            ]
        );
    }
}
