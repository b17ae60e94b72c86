//! `ccfgen infer`: proposes a `[[connectors.tables]]` block from sample JSON events (one object,
//! an array of objects, or NDJSON).
//!
//! Types are merged across every event: integers widen to `long` and `real`, strings that are
//! all RFC 3339 timestamps become `datetime`, all GUIDs become `guid`, objects and arrays (or
//! mixed kinds) become `dynamic`; a key missing from some events is `optional`. A key that is
//! not a legal column name (or is reserved) stays in the stream under its own name and a
//! transform copies it to a legal table column.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde_json::Value;

use crate::rules::naming;

/// Reading the sample failed.
#[derive(Debug, thiserror::Error)]
pub enum InferError {
    /// The text is not JSON, a JSON array, or NDJSON.
    #[error("line {line}: not JSON: {message}")]
    Json {
        /// 1-based line of the problem.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// A value that is not an object was found where an event was expected.
    #[error("event {index} is a {kind}, not a JSON object")]
    NotAnObject {
        /// 0-based event index.
        index: usize,
        /// What it is instead.
        kind: &'static str,
    },
    /// No events.
    #[error("the sample holds no events")]
    Empty,
}

/// The type seen for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Seen {
    Null,
    Bool,
    Int,
    Long,
    Real,
    DateTime,
    Guid,
    String,
    Dynamic,
}

impl Seen {
    fn of(v: &Value) -> Seen {
        match v {
            Value::Null => Seen::Null,
            Value::Bool(_) => Seen::Bool,
            Value::Number(n) => match n.as_i64() {
                Some(i) if i32::try_from(i).is_ok() => Seen::Int,
                Some(_) => Seen::Long,
                None if n.is_u64() => Seen::Real,
                None => Seen::Real,
            },
            Value::String(s) if is_datetime(s) => Seen::DateTime,
            Value::String(s) if is_guid(s) => Seen::Guid,
            Value::String(_) => Seen::String,
            Value::Array(_) | Value::Object(_) => Seen::Dynamic,
        }
    }

    fn merge(self, other: Seen) -> Seen {
        use Seen::*;
        match (self, other) {
            (a, b) if a == b => a,
            (Null, x) | (x, Null) => x,
            (Int | Long | Real, Int | Long | Real) => self.max(other),
            (DateTime | Guid | String, DateTime | Guid | String) => String,
            _ => Dynamic,
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            Seen::Null | Seen::String => "string",
            Seen::Bool => "boolean",
            Seen::Int => "int",
            Seen::Long => "long",
            Seen::Real => "real",
            Seen::DateTime => "datetime",
            Seen::Guid => "guid",
            Seen::Dynamic => "dynamic",
        }
    }
}

/// One proposed column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposedColumn {
    /// Column name.
    pub name: String,
    /// Type name.
    pub ty: &'static str,
    /// `both`, `stream` or `table`.
    pub in_: &'static str,
    /// Missing from some events.
    pub optional: bool,
    /// Why the column looks the way it does, if notable.
    pub note: Option<String>,
}

/// The proposal for one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// Table name.
    pub table: String,
    /// Events read.
    pub events: usize,
    /// Columns in first-seen order.
    pub columns: Vec<ProposedColumn>,
    /// A transform, when the derived one will not do (renamed keys).
    pub transform: Option<String>,
}

/// Parses the sample text into events.
pub fn parse_events(text: &str) -> Result<Vec<Value>, InferError> {
    let trimmed = text.trim_start();
    let values: Vec<Value> = if trimmed.starts_with('[') {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => items,
            Ok(_) => unreachable!("starts with ["),
            Err(e) => {
                return Err(InferError::Json {
                    line: e.line(),
                    message: e.to_string(),
                });
            }
        }
    } else {
        let mut out = Vec::new();
        let stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
        for v in stream {
            match v {
                Ok(v) => out.push(v),
                Err(e) => {
                    return Err(InferError::Json {
                        line: e.line(),
                        message: e.to_string(),
                    });
                }
            }
        }
        out
    };
    if values.is_empty() {
        return Err(InferError::Empty);
    }
    for (index, v) in values.iter().enumerate() {
        if !v.is_object() {
            let kind = match v {
                Value::Array(_) => "array",
                Value::String(_) => "string",
                Value::Number(_) => "number",
                Value::Bool(_) => "boolean",
                _ => "null",
            };
            return Err(InferError::NotAnObject { index, kind });
        }
    }
    Ok(values)
}

/// Proposes columns for `table` from events.
pub fn infer(events: &[Value], table: &str) -> Proposal {
    let mut seen: IndexMap<String, (Seen, usize)> = IndexMap::new();
    for e in events {
        if let Value::Object(map) = e {
            for (k, v) in map {
                let entry = seen.entry(k.clone()).or_insert((Seen::Null, 0));
                entry.0 = entry.0.merge(Seen::of(v));
                entry.1 += 1;
            }
        }
    }
    let mut columns = Vec::new();
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    let mut used: Vec<String> = seen.keys().map(|k| k.to_ascii_lowercase()).collect();
    let has_time_generated = seen
        .get("TimeGenerated")
        .is_some_and(|(t, _)| *t == Seen::DateTime);
    for (key, (ty, count)) in &seen {
        let optional = *count < events.len();
        let legal = naming::column_name(key).is_empty();
        let is_tg_wrong_type = key == "TimeGenerated" && !has_time_generated;
        if legal && !is_tg_wrong_type {
            columns.push(ProposedColumn {
                name: key.clone(),
                ty: ty.type_name(),
                in_: "both",
                optional,
                note: (*ty == Seen::Null)
                    .then(|| "only null values seen; assumed string".to_string()),
            });
            continue;
        }
        let mut new = naming::rename_suggestion(key);
        while used.contains(&new.to_ascii_lowercase()) {
            new.push('_');
        }
        used.push(new.to_ascii_lowercase());
        let stream_ty = if *ty == Seen::Guid { Seen::String } else { *ty };
        columns.push(ProposedColumn {
            name: key.clone(),
            ty: stream_ty.type_name(),
            in_: "stream",
            optional,
            note: Some(format!(
                "`{key}` is not a legal table column name; the transform copies it to `{new}`"
            )),
        });
        columns.push(ProposedColumn {
            name: new.clone(),
            ty: ty.type_name(),
            in_: "table",
            optional,
            note: None,
        });
        renames.insert(key.clone(), new);
    }
    if !has_time_generated {
        columns.insert(
            0,
            ProposedColumn {
                name: "TimeGenerated".to_string(),
                ty: "datetime",
                in_: "table",
                optional: false,
                note: Some("set to the ingestion time by the transform".to_string()),
            },
        );
    }
    let transform = (!renames.is_empty()).then(|| {
        let mut extend = Vec::new();
        if !has_time_generated {
            extend.push("TimeGenerated = now()".to_string());
        }
        for (old, new) in &renames {
            let conv = columns
                .iter()
                .find(|c| &c.name == new)
                .filter(|c| c.ty == "guid")
                .map(|_| "toguid");
            let src = crate::transform::quote_identifier(old);
            extend.push(match conv {
                Some(f) => format!("{new} = {f}({src})"),
                None => format!("{new} = {src}"),
            });
        }
        let away: Vec<String> = renames
            .keys()
            .map(|k| crate::transform::quote_identifier(k))
            .collect();
        format!(
            "source | extend {} | project-away {}",
            extend.join(", "),
            away.join(", ")
        )
    });
    Proposal {
        table: table.to_string(),
        events: events.len(),
        columns,
        transform,
    }
}

/// The proposal as a `[[connectors.tables]]` TOML block.
pub fn to_toml(p: &Proposal) -> String {
    let q = |s: &str| format!("\"{}\"", crate::templates::toml_basic_string_body(s));
    let mut out = format!(
        "# Proposed by `ccfgen infer` from {} event(s).\n[[connectors.tables]]\nname = {}\n",
        p.events,
        q(&p.table)
    );
    if let Some(t) = &p.transform {
        out.push_str(&format!("transform = {}\n", q(t)));
    }
    out.push_str("columns = [\n");
    for c in &p.columns {
        let mut fields = vec![
            format!("name = {}", q(&c.name)),
            format!("type = {}", q(c.ty)),
        ];
        if c.in_ != "both" {
            fields.push(format!("in = {}", q(c.in_)));
        }
        if c.optional {
            fields.push("optional = true".to_string());
        }
        out.push_str(&format!("  {{ {} }},", fields.join(", ")));
        if let Some(n) = &c.note {
            out.push_str(&format!("  # {n}"));
        }
        out.push('\n');
    }
    out.push_str("]\n");
    out
}

fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn is_datetime(s: &str) -> bool {
    use time::format_description::well_known::{Iso8601, Rfc3339};
    s.len() >= 19
        && s.as_bytes()[4] == b'-'
        && (time::OffsetDateTime::parse(s, &Rfc3339).is_ok()
            || time::PrimitiveDateTime::parse(s, &Iso8601::DEFAULT).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_types_across_events() {
        let events = parse_events(
            "{\"aa\": 1, \"bb\": \"2024-01-02T03:04:05Z\", \"cc\": {\"x\": 1}, \"id\": \"7d444840-9dc0-11d1-b245-5ffdce74fad2\"}\n{\"aa\": 2.5, \"bb\": \"2024-01-02T03:04:06Z\", \"dd\": true, \"id\": \"7d444840-9dc0-11d1-b245-5ffdce74fad3\"}\n",
        )
        .unwrap();
        let p = infer(&events, "Foo_CL");
        let by_name = |n: &str| p.columns.iter().find(|c| c.name == n).unwrap().clone();
        assert_eq!(by_name("TimeGenerated").in_, "table");
        assert_eq!(by_name("aa").ty, "real");
        assert_eq!(by_name("bb").ty, "datetime");
        assert_eq!(by_name("cc").ty, "dynamic");
        assert!(by_name("cc").optional && by_name("dd").optional);
        assert_eq!(by_name("dd").ty, "boolean");
        // `id` is reserved: kept in the stream, copied to a legal guid column.
        assert_eq!(by_name("id").in_, "stream");
        assert_eq!(by_name("id").ty, "string");
        assert_eq!(by_name("idValue").ty, "guid");
        assert_eq!(
            p.transform.as_deref(),
            Some("source | extend TimeGenerated = now(), idValue = toguid(id) | project-away id")
        );
        let toml = to_toml(&p);
        assert!(
            toml.contains("{ name = \"aa\", type = \"real\" },"),
            "{toml}"
        );
    }

    #[test]
    fn rejects_non_objects() {
        assert!(matches!(
            parse_events("[1]"),
            Err(InferError::NotAnObject {
                index: 0,
                kind: "number"
            })
        ));
        assert!(matches!(parse_events("  "), Err(InferError::Empty)));
        assert!(matches!(
            parse_events("{\"a\": }"),
            Err(InferError::Json { line: 1, .. })
        ));
    }
}
