//! Checks a JSON record against a stream's columns before it is sent: it must be an object,
//! carry every required column, have no unknown fields (unless allowed), and each value must
//! fit its declared type (integers by [`crate::integer`]'s rule, RFC 3339 `datetime` by
//! [`crate::rfc3339`]'s, …).

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
            None if col.required => {
                problems.push(format!("required column {} is missing", col.name));
            }
            Some(Value::Null) if col.required => {
                problems.push(format!("required column {} is null", col.name));
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

/// The service's per-value limit: longer string values are stored truncated (the request
/// still succeeds). 64 KB in Microsoft's service limits; the emulator cuts at 64 KiB.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// The values of a valid record that the service would truncate: string values of the
/// declared columns longer than [`MAX_VALUE_BYTES`] (UTF-8 bytes), one message each.
pub fn oversized(record: &Value, columns: &[Column]) -> Vec<String> {
    let Value::Object(map) = record else {
        return Vec::new();
    };
    columns
        .iter()
        .filter_map(|c| match map.get(c.name.as_ref()) {
            Some(Value::String(s)) if s.len() > MAX_VALUE_BYTES => Some(format!(
                "column {}: a value of {} bytes, over the service's {MAX_VALUE_BYTES}-byte per-value limit: the service stores it truncated",
                c.name,
                s.len()
            )),
            _ => None,
        })
        .collect()
}

/// Whether `text` is one JSON object that [`validate`] accepts, decided while parsing,
/// without building a `Value` (the fast path for NDJSON lines, which are then sent as they
/// are). `false` means "not sure": parse the text and call [`validate`] for the verdict and
/// the messages. Never `true` for a record [`validate`] would reject.
pub fn is_valid_text(text: &[u8], columns: &[Column], options: ValidationOptions) -> bool {
    if columns.len() > MAX_FAST_COLUMNS {
        return false;
    }
    // One UTF-8 check of the whole line is cheaper than serde_json's check of every string.
    let Ok(text) = std::str::from_utf8(text) else {
        return false;
    };
    // serde_json skips ignored strings without pairing surrogate escapes: a lone `\ud800` in
    // an ignored field would pass here and fail a real parse (found by the push_reader fuzz
    // target). Text with a surrogate escape takes the full check.
    if has_surrogate_escape(text.as_bytes()) {
        return false;
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let check = fast::RecordCheck { columns, options };
    matches!(
        serde::Deserializer::deserialize_map(&mut de, check),
        Ok(true)
    ) && de.end().is_ok()
}

/// Whether `text` holds a `\uD800`–`\uDFFF` escape (possibly escaped itself: then the full
/// check decides, which is only slower). Backslashes are looked for with `memchr` (most
/// records have none): a `memmem` search would build its searcher on every call.
fn has_surrogate_escape(text: &[u8]) -> bool {
    memchr::memchr_iter(b'\\', text).any(|at| {
        text.get(at + 1) == Some(&b'u')
            && matches!(text.get(at + 2), Some(b'd' | b'D'))
            && matches!(
                text.get(at + 3),
                Some(b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F')
            )
    })
}

/// Columns the fast path tracks (a stream has at most 500).
const MAX_FAST_COLUMNS: usize = 512;

/// The visitors of [`is_valid_text`].
mod fast {
    use std::borrow::Cow;
    use std::fmt;

    use serde::de::{self, MapAccess, SeqAccess, Visitor};

    use super::{MAX_FAST_COLUMNS, UnknownFields, ValidationOptions, parse_datetime};
    use crate::record::{Column, StreamType};

    pub(super) struct RecordCheck<'c> {
        pub(super) columns: &'c [Column],
        pub(super) options: ValidationOptions,
    }

    impl<'de> Visitor<'de> for RecordCheck<'_> {
        type Value = bool;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            let mut seen = [0u64; MAX_FAST_COLUMNS / 64];
            let mut present = [0u64; MAX_FAST_COLUMNS / 64];
            // Records usually list their fields in column order: try the next column first.
            let mut next = 0;
            while let Some(Text(key)) = map.next_key()? {
                let found = match self.columns.get(next) {
                    Some(c) if c.name == key => Some(next),
                    _ => self.columns.iter().position(|c| c.name == key),
                };
                let Some(i) = found else {
                    if self.options.unknown_fields == UnknownFields::Reject {
                        return Ok(false);
                    }
                    map.next_value::<Strict>()?;
                    continue;
                };
                next = i + 1;
                let (word, bit) = (i / 64, 1u64 << (i % 64));
                if seen[word] & bit != 0 {
                    return Ok(false); // a repeated column: let the full check decide
                }
                seen[word] |= bit;
                match map.next_value::<Scalar<'de>>()? {
                    Scalar::Null => {}
                    // Over the per-value limit: the full check counts it.
                    Scalar::Str(s) if s.len() > super::MAX_VALUE_BYTES => return Ok(false),
                    value if fits(&value, self.columns[i].ty) => present[word] |= bit,
                    _ => return Ok(false),
                }
            }
            Ok(self
                .columns
                .iter()
                .enumerate()
                .all(|(i, c)| !c.required || present[i / 64] & (1u64 << (i % 64)) != 0))
        }
    }

    /// Whether a value certainly fits `ty` (integers by [`crate::integer`]'s rule).
    fn fits(value: &Scalar<'_>, ty: StreamType) -> bool {
        match (ty, value) {
            (StreamType::Dynamic, _) => true,
            (StreamType::String, Scalar::Str(_)) => true,
            // Sent as a string (ccfgen declares guid columns string in the stream), stored
            // in a guid column: the value must have a GUID's shape.
            (StreamType::Guid, Scalar::Str(s)) => super::is_guid(s),
            (StreamType::Boolean, Scalar::Bool) => true,
            (StreamType::Real, Scalar::Int(_) | Scalar::UInt(_) | Scalar::Float) => true,
            (StreamType::Int | StreamType::Long, Scalar::Int(i)) => {
                crate::integer::from_i64(super::integer_width(ty), *i).is_ok()
            }
            (StreamType::Int | StreamType::Long, Scalar::UInt(u)) => {
                crate::integer::from_u64(super::integer_width(ty), *u).is_ok()
            }
            (StreamType::DateTime, Scalar::Str(s)) => parse_datetime(s),
            _ => false,
        }
    }

    /// A string, borrowed from the input when it has no escapes.
    struct Text<'de>(Cow<'de, str>);

    impl<'de> de::Deserialize<'de> for Text<'de> {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_str(TextVisitor)
        }
    }

    struct TextVisitor;

    impl<'de> Visitor<'de> for TextVisitor {
        type Value = Text<'de>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
            Ok(Text(Cow::Borrowed(v)))
        }

        fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
            Ok(Text(Cow::Owned(v.to_owned())))
        }
    }

    /// Any JSON value, skipped with the checks a real parse makes: `IgnoredAny` lets numbers
    /// out of the f64 range and lone surrogate escapes through (found by the push_reader fuzz
    /// target), which a `Value` parse — and the service — refuse.
    struct Strict;

    impl<'de> de::Deserialize<'de> for Strict {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(StrictVisitor)
        }
    }

    struct StrictVisitor;

    impl<'de> Visitor<'de> for StrictVisitor {
        type Value = Strict;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON value")
        }

        fn visit_unit<E>(self) -> Result<Strict, E> {
            Ok(Strict)
        }

        fn visit_none<E>(self) -> Result<Strict, E> {
            Ok(Strict)
        }

        fn visit_bool<E>(self, _: bool) -> Result<Strict, E> {
            Ok(Strict)
        }

        fn visit_i64<E>(self, _: i64) -> Result<Strict, E> {
            Ok(Strict)
        }

        fn visit_u64<E>(self, _: u64) -> Result<Strict, E> {
            Ok(Strict)
        }

        fn visit_f64<E>(self, _: f64) -> Result<Strict, E> {
            Ok(Strict)
        }

        fn visit_borrowed_str<E>(self, _: &'de str) -> Result<Strict, E> {
            Ok(Strict)
        }

        fn visit_str<E>(self, _: &str) -> Result<Strict, E> {
            Ok(Strict)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
            while seq.next_element::<Strict>()?.is_some() {}
            Ok(Strict)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
            while map.next_entry::<Strict, Strict>()?.is_some() {}
            Ok(Strict)
        }
    }

    /// What the type check needs to know about a value.
    enum Scalar<'de> {
        Null,
        Bool,
        Int(i64),
        UInt(u64),
        Float,
        Str(Cow<'de, str>),
        Composite,
    }

    impl<'de> de::Deserialize<'de> for Scalar<'de> {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(ScalarVisitor)
        }
    }

    struct ScalarVisitor;

    impl<'de> Visitor<'de> for ScalarVisitor {
        type Value = Scalar<'de>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON value")
        }

        fn visit_unit<E>(self) -> Result<Scalar<'de>, E> {
            Ok(Scalar::Null)
        }

        fn visit_none<E>(self) -> Result<Scalar<'de>, E> {
            Ok(Scalar::Null)
        }

        fn visit_bool<E>(self, _: bool) -> Result<Scalar<'de>, E> {
            Ok(Scalar::Bool)
        }

        fn visit_i64<E>(self, v: i64) -> Result<Scalar<'de>, E> {
            Ok(Scalar::Int(v))
        }

        fn visit_u64<E>(self, v: u64) -> Result<Scalar<'de>, E> {
            Ok(Scalar::UInt(v))
        }

        fn visit_f64<E>(self, _: f64) -> Result<Scalar<'de>, E> {
            Ok(Scalar::Float)
        }

        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Scalar<'de>, E> {
            Ok(Scalar::Str(Cow::Borrowed(v)))
        }

        fn visit_str<E>(self, v: &str) -> Result<Scalar<'de>, E> {
            Ok(Scalar::Str(Cow::Owned(v.to_owned())))
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar<'de>, A::Error> {
            while seq.next_element::<Strict>()?.is_some() {}
            Ok(Scalar::Composite)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar<'de>, A::Error> {
            while map.next_entry::<Strict, Strict>()?.is_some() {}
            Ok(Scalar::Composite)
        }
    }
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
        StreamType::Guid => match v {
            Value::String(s) if is_guid(s) => Ok(()),
            Value::String(s) => Err(format!(
                "{:?} is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, hexadecimal); the table's guid column would store NULL",
                short_str(s)
            )),
            _ => expected("a GUID string"),
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
            // The one integer rule, shared with the emulator: `3.0` is a float, stored NULL.
            let width = integer_width(ty);
            crate::integer::from_number(width, n)
                .map(drop)
                .map_err(|refusal| crate::integer::explain(width, &n.to_string(), refusal))
        }
        StreamType::DateTime => match v {
            Value::String(s) if parse_datetime(s) => Ok(()),
            Value::String(s) => Err(crate::rfc3339::explain(s)),
            _ => expected("an RFC 3339 timestamp string"),
        },
    }
}

/// Whether `s` has the shape of a GUID as Kusto reads one: 8-4-4-4-12 hexadecimal digits.
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn short_str(s: &str) -> &str {
    let mut end = s.len().min(40);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
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

/// The [`crate::integer::Width`] of an `int` or `long` column (`long` for any other type).
fn integer_width(ty: StreamType) -> crate::integer::Width {
    match ty {
        StreamType::Int => crate::integer::Width::Int,
        _ => crate::integer::Width::Long,
    }
}

/// Whether `s` is a `datetime` value: the one rule of [`crate::rfc3339`] (RFC 3339 with an
/// offset), which the emulator applies too.
pub fn parse_datetime(s: &str) -> bool {
    crate::rfc3339::is_valid(s)
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
        // The shared datetime rule, by example, through both validators.
        for (ts, valid) in crate::rfc3339::EXAMPLES {
            let record = json!({"TimeGenerated": ts});
            assert_eq!(check(record.clone()).is_empty(), *valid, "{ts}");
            let text = record.to_string();
            assert_eq!(
                is_valid_text(text.as_bytes(), COLS, ValidationOptions::default()),
                *valid,
                "{ts}"
            );
        }
    }

    /// The integer rule the emulator stores by is the one validation checks: what validation
    /// accepts is stored as that integer, what it refuses would be NULL (`3.0` included).
    #[test]
    fn integers_follow_the_shared_rule() {
        for (number, width, stored) in crate::integer::EXAMPLES {
            let column = match width {
                crate::integer::Width::Int => "Count",
                crate::integer::Width::Long => "Big",
            };
            let text = format!(r#"{{"TimeGenerated":"2025-11-06T10:30:00Z","{column}":{number}}}"#);
            let record: Value = serde_json::from_str(&text).unwrap();
            let problems = check(record);
            assert_eq!(
                problems.is_empty(),
                stored.is_some(),
                "{text}: {problems:?}"
            );
            assert_eq!(
                is_valid_text(text.as_bytes(), COLS, ValidationOptions::default()),
                stored.is_some(),
                "{text}"
            );
        }
        let p = check(json!({"TimeGenerated":"2025-11-06T10:30:00Z","Count":3.0})).join("\n");
        assert!(p.contains("Count (int): 3.0 is not an integer"), "{p}");
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
        assert!(text.contains("Big (long): 1.5 is not an integer"), "{text}");
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
            check(json!({"TimeGenerated": null})),
            vec!["required column TimeGenerated is null"]
        );
        let guid = [Column::new("Key", StreamType::Guid, false)];
        let allow = ValidationOptions {
            unknown_fields: UnknownFields::Allow,
        };
        for (value, ok) in [
            ("0f8fad5b-d9cb-469f-a165-70867728950e", true),
            ("0F8FAD5B-D9CB-469F-A165-70867728950E", true),
            ("0f8fad5bd9cb469fa16570867728950e", false),
            ("{0f8fad5b-d9cb-469f-a165-70867728950e}", false),
            ("0f8fad5b-d9cb-469f-a165-70867728950g", false),
            ("not-a-guid", false),
        ] {
            let record = json!({ "Key": value });
            assert_eq!(validate(&record, &guid, allow).is_empty(), ok, "{value}");
            assert_eq!(
                is_valid_text(record.to_string().as_bytes(), &guid, allow),
                ok,
                "{value}"
            );
        }
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

    #[test]
    fn the_fast_check_never_accepts_what_validate_rejects() {
        let cases = [
            r#"{"TimeGenerated":"2025-11-06T10:30:00Z"}"#,
            r#"{"TimeGenerated":"2025-11-06T10:30:00Z","Count":-5,"Big":9007199254740993,"Score":1,"Ok":false,"Name":"x","Extra":{"a":[1]}}"#,
            r#"{"TimeGenerated":"2025-11-06T10:30:00+01:00","Name":"caf\u00e9","Extra":null}"#,
            r#"{"TimeGenerated":"2025-11-06 10:30:00","Name":"x"}"#,
            r#"{"TimeGenerated":"2025-11-06T10:30:00Z","Count":3.0}"#,
            r#"{"TimeGenerated":"2025-11-06T10:30:00Z","Count":3000000000}"#,
            r#"{"TimeGenerated":"2025-11-06T10:30:00Z","Big":18446744073709551615}"#,
            r#"{"TimeGenerated":"2025-11-06T10:30:00Z","Big":1.5}"#,
            r#"{"TimeGenerated":"2025-11-06T10:30:00Z","Score":"high"}"#,
            r#"{"TimeGenerated":"2025-11-06T10:30:00Z","Ok":"true"}"#,
            r#"{"TimeGenerated":"2025-11-06T10:30:00Z","Name":5}"#,
            r#"{"TimeGenerated":"yesterday"}"#,
            r#"{"TimeGenerated":null}"#,
            r#"{"Name":"no time"}"#,
            r#"{"TimeGenerated":"2025-11-06T10:30:00Z","name":"dup"}"#,
            r#"{"TimeGenerated":"2025-11-06T10:30:00Z","Name":"a","Name":5}"#,
            r#"{"TimeGenerated":"2025-11-06T10:30:00Z"} trailing"#,
            r#"{"TimeGenerated":"2025-11-06T10:30:00Z","Namame":"\ud800"}"#,
            r#"{"TimeGenerated":"2025-11-06T10:30:00Z","Namame":"\ud83d\ude00"}"#,
            r#"{"TimeGenerated":"2025-11-06T10:30:00Z","ExtraScore":2036853e75808}"#,
            r#"{"TimeGenerated":"2025-11-06T10:30:00Z","Extra":[{"a":1e999}]}"#,
            r#"[{"TimeGenerated":"2025-11-06T10:30:00Z"}]"#,
            r#""text""#,
            r#"{"TimeGenerated":"2025-11-06T10:30:00Z""#,
        ];
        let allow = ValidationOptions {
            unknown_fields: UnknownFields::Allow,
        };
        for options in [ValidationOptions::default(), allow] {
            let mut fast = 0;
            for text in cases {
                if !is_valid_text(text.as_bytes(), COLS, options) {
                    continue;
                }
                fast += 1;
                let value: Value = serde_json::from_str(text).unwrap();
                assert!(validate(&value, COLS, options).is_empty(), "{text}");
            }
            assert!(fast >= 3, "the fast path is taken for plain valid records");
        }
        assert!(is_valid_text(
            cases[1].as_bytes(),
            COLS,
            ValidationOptions::default()
        ));
        assert!(!is_valid_text(
            cases[14].as_bytes(),
            COLS,
            ValidationOptions::default()
        ));
        assert!(is_valid_text(cases[14].as_bytes(), COLS, allow));
        assert!(is_valid_text(br#"{"any":[1,{"x":2}]}"#, &[], allow));
        assert!(!is_valid_text(b"[1]", &[], allow));
    }

    #[test]
    fn surrogate_escapes_are_found_anywhere() {
        for (text, found) in [
            (r#""\ud800""#, true),
            (r#""\uDBFF\uDC00""#, true),
            (r#""a\\\udc00""#, true), // `\\` then `\udc00`
            // An escaped backslash then `ud800`: not an escape, but counted (the full check
            // then decides).
            (r#""a\\ud800""#, true),
            (r#""\u00e9 \n \\ \ud7ff \ue000""#, false),
            (r#""\u"#, false),
            (r#""\ud"#, false),
            (r#""no escape at all""#, false),
        ] {
            assert_eq!(has_surrogate_escape(text.as_bytes()), found, "{text}");
        }
    }
}
