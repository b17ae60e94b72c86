//! Checks a JSON record against a stream's columns before it is sent: it must be an object,
//! carry every required column, have no unknown fields (unless allowed), and each value must
//! fit its declared type (`int` range, RFC 3339 / ISO 8601 `datetime`, …).

use serde_json::Value;

use crate::record::{Column, StreamType};

/// What to do with fields that the stream does not declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownFields {
    /// The record is invalid (the service would silently drop the field).
    #[default]
    Reject,
    /// The field is sent anyway (the service drops it).
    Allow,
}

/// Validation settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidationOptions {
    /// Handling of undeclared fields.
    pub unknown_fields: UnknownFields,
}

/// Validates `record` and returns every problem found (empty = valid).
pub fn validate(record: &Value, columns: &[Column], options: ValidationOptions) -> Vec<String> {
    let mut problems = Vec::new();
    let Value::Object(map) = record else {
        problems.push(format!("record is a JSON {}, not an object", kind(record)));
        return problems;
    };
    for col in columns {
        match map.get(col.name.as_ref()) {
            None | Some(Value::Null) if col.required => {
                problems.push(format!("required column {} is missing", col.name));
            }
            None | Some(Value::Null) => {}
            Some(v) => {
                if let Err(why) = check_type(v, col.ty) {
                    problems.push(format!("column {} ({}): {why}", col.name, col.ty));
                }
            }
        }
    }
    if options.unknown_fields == UnknownFields::Reject {
        for key in map.keys() {
            if !columns.iter().any(|c| c.name == key.as_str()) {
                let hint = columns
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(key))
                    .map(|c| format!(" (did you mean {}?)", c.name))
                    .unwrap_or_default();
                problems.push(format!("field {key} is not a column of the stream{hint}"));
            }
        }
    }
    problems
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn check_type(v: &Value, ty: StreamType) -> Result<(), String> {
    let expected = |what: &str| Err(format!("expected {what}, found {} {}", kind(v), short(v)));
    match ty {
        StreamType::Dynamic => Ok(()),
        StreamType::String => match v {
            Value::String(_) => Ok(()),
            _ => expected("a string"),
        },
        StreamType::Boolean => match v {
            Value::Bool(_) => Ok(()),
            _ => expected("true or false"),
        },
        StreamType::Real => match v {
            Value::Number(_) => Ok(()),
            _ => expected("a number"),
        },
        StreamType::Int | StreamType::Long => {
            let Value::Number(n) = v else {
                return expected("an integer");
            };
            let value = n.as_i64().or_else(|| {
                // 3.0 is an integer; 3.5 is not.
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
                    .map(|f| f as i64)
            });
            match (value, ty) {
                (None, _) if n.is_u64() => Err(format!("{n} is out of the 64-bit range")),
                (None, _) => expected("an integer"),
                (Some(i), StreamType::Int) if i32::try_from(i).is_err() => {
                    Err(format!("{n} is out of the 32-bit int range"))
                }
                _ => Ok(()),
            }
        }
        StreamType::DateTime => match v {
            Value::String(s) if parse_datetime(s) => Ok(()),
            Value::String(s) => Err(format!(
                "{s:?} is not an RFC 3339 / ISO 8601 timestamp (e.g. 2025-11-06T10:30:00Z)"
            )),
            _ => expected("an RFC 3339 timestamp string"),
        },
    }
}

fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.len() > 40 {
        let mut end = 40;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &text[..end])
    } else {
        text
    }
}

/// Accepts RFC 3339 (`2025-11-06T10:30:00Z`, offsets, fractions) and the ISO 8601 forms without
/// an offset or with a space separator, which the service reads as UTC.
pub fn parse_datetime(s: &str) -> bool {
    use time::format_description::well_known::{Iso8601, Rfc3339};
    if time::OffsetDateTime::parse(s, &Rfc3339).is_ok()
        || time::OffsetDateTime::parse(s, &Iso8601::DEFAULT).is_ok()
    {
        return true;
    }
    let t = s.replacen(' ', "T", 1);
    time::PrimitiveDateTime::parse(&t, &Iso8601::DEFAULT).is_ok()
        || time::OffsetDateTime::parse(&t, &Rfc3339).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const COLS: &[Column] = &[
        Column::new("TimeGenerated", StreamType::DateTime, true),
        Column::new("Count", StreamType::Int, false),
        Column::new("Big", StreamType::Long, false),
        Column::new("Score", StreamType::Real, false),
        Column::new("Ok", StreamType::Boolean, false),
        Column::new("Name", StreamType::String, false),
        Column::new("Extra", StreamType::Dynamic, false),
    ];

    fn check(v: Value) -> Vec<String> {
        validate(&v, COLS, ValidationOptions::default())
    }

    #[test]
    fn valid_records_pass() {
        assert!(check(json!({"TimeGenerated":"2025-11-06T10:30:00Z"})).is_empty());
        assert!(check(json!({
            "TimeGenerated":"2025-11-06T10:30:00.123+02:00","Count":-5,"Big":9007199254740993i64,
            "Score":1,"Ok":false,"Name":"x","Extra":{"a":[1]}
        }))
        .is_empty());
        for ts in [
            "2025-11-06T10:30:00",
            "2025-11-06 10:30:00",
            "2025-11-06T10:30:00.5Z",
        ] {
            assert!(parse_datetime(ts), "{ts}");
        }
        assert!(check(json!({"TimeGenerated":"2025-11-06T10:30:00Z","Count":3.0})).is_empty());
    }

    #[test]
    fn every_problem_is_reported_with_the_column() {
        let p = check(json!({
            "Count": 3_000_000_000u64, "Big": 1.5, "Score": "high", "Ok": "true",
            "Name": 5, "TimeGenerated": "yesterday", "name": "dup"
        }));
        let text = p.join("\n");
        assert!(
            text.contains("Count (int): 3000000000 is out of the 32-bit int range"),
            "{text}"
        );
        assert!(text.contains("Big (long): expected an integer"), "{text}");
        assert!(text.contains("Score (real): expected a number"), "{text}");
        assert!(
            text.contains("Ok (boolean): expected true or false"),
            "{text}"
        );
        assert!(text.contains("Name (string): expected a string"), "{text}");
        assert!(text.contains("\"yesterday\" is not an RFC 3339"), "{text}");
        assert!(
            text.contains("field name is not a column of the stream (did you mean Name?)"),
            "{text}"
        );
        assert_eq!(p.len(), 7);
        assert_eq!(
            check(json!({})),
            vec!["required column TimeGenerated is missing"]
        );
        assert_eq!(
            check(json!([1])),
            vec!["record is a JSON array, not an object"]
        );
        let allow = ValidationOptions {
            unknown_fields: UnknownFields::Allow,
        };
        assert!(
            validate(
                &json!({"TimeGenerated":"2025-11-06T10:30:00Z","zz":1}),
                COLS,
                allow
            )
            .is_empty()
        );
    }
}
