//! The shape of a spec checked against its JSON Schema ([`super::schema`]) before it is
//! deserialized, so that every shape problem is reported at once, each at its place: a missing
//! required key, an unknown key (with "did you mean"; a misspelled required key is one finding,
//! not two), a value of the wrong kind, an enum value that is not one of the choices.
//!
//! Deserializing stops at the first problem; this pass does not. What it lets through is
//! deserialized as before, and whatever serde still refuses (a malformed date, say) is
//! reported then.

use std::sync::OnceLock;

use serde_json::Value as Schema;
use toml::Value;

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::source::{SourceFile, TomlSpans};

/// Every shape problem of `doc` (the whole spec as a TOML table).
pub fn check(doc: &toml::Table, spans: &TomlSpans, source: &SourceFile) -> Diagnostics {
    let root = schema();
    let mut walk = Walk {
        root,
        spans,
        source,
        out: Diagnostics::new(),
    };
    walk.table(String::new(), doc, root);
    walk.out
}

/// The spec schema, built once.
fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(super::schema::spec_schema)
}

struct Walk<'a> {
    root: &'a Schema,
    spans: &'a TomlSpans,
    source: &'a SourceFile,
    out: Diagnostics,
}

/// What a schema node expects, after `$ref` and `Option`'s `anyOf [T, null]`.
struct Expect<'a> {
    node: &'a Schema,
    /// The node came from a `$ref` (a Rust type): its `enum`/`oneOf` choices are enforced by
    /// deserialization. Inline `enum`s are advice (the column types, which a rule reports).
    named: bool,
}

impl<'a> Walk<'a> {
    fn resolve(&self, mut node: &'a Schema) -> Expect<'a> {
        let mut named = false;
        for _ in 0..8 {
            if let Some(r) = node.get("$ref").and_then(Schema::as_str) {
                match r
                    .strip_prefix("#/$defs/")
                    .and_then(|n| self.root.get("$defs")?.get(n))
                {
                    Some(target) => {
                        node = target;
                        named = true;
                        continue;
                    }
                    None => break,
                }
            }
            if let Some(alts) = node.get("anyOf").and_then(Schema::as_array)
                && let Some(inner) = alts
                    .iter()
                    .find(|a| a.get("type").and_then(Schema::as_str) != Some("null"))
            {
                node = inner;
                continue;
            }
            break;
        }
        Expect { node, named }
    }

    fn at_key(&self, path: &str) -> Location {
        Location::new(self.source, self.spans.key_span(path))
    }

    fn at_value(&self, path: &str) -> Location {
        Location::new(self.source, self.spans.value_span(path))
    }

    fn value(&mut self, path: String, value: &Value, node: &'a Schema) {
        let Expect { node, named } = self.resolve(node);
        if node.as_bool() == Some(true) || node.as_object().is_some_and(|o| o.is_empty()) {
            return;
        }
        if let Some(choices) = node.get("oneOf").and_then(Schema::as_array) {
            let consts: Vec<&str> = choices
                .iter()
                .filter_map(|c| c.get("const").and_then(Schema::as_str))
                .collect();
            if !consts.is_empty() {
                self.choice(&path, value, &consts);
                return;
            }
        }
        let types = types_of(node);
        let kind_ok = types.iter().any(|t| accepts(t, value));
        if !types.is_empty() && !kind_ok {
            let expected = types
                .iter()
                .filter(|t| **t != "null")
                .map(|t| article(t))
                .collect::<Vec<_>>()
                .join(" or ");
            self.out.push(
                Diagnostic::error(
                    "spec-type",
                    format!(
                        "`{}` must be {expected}, not {}",
                        last_key(&path),
                        article(kind_of(value))
                    ),
                )
                .with_hint("see schema/ccfgen.schema.json or `ccfgen init` for the expected shape")
                .at(self.at_value(&path)),
            );
            return;
        }
        match value {
            Value::Table(t) => self.table(path, t, node),
            Value::Array(items) => {
                let items_schema = node.get("items").unwrap_or(&Schema::Bool(true));
                for (i, item) in items.iter().enumerate() {
                    self.value(format!("{path}[{i}]"), item, items_schema);
                }
            }
            Value::String(_) if named => {
                if let Some(choices) = node.get("enum").and_then(Schema::as_array) {
                    let consts: Vec<&str> = choices.iter().filter_map(Schema::as_str).collect();
                    self.choice(&path, value, &consts);
                }
            }
            Value::Integer(n) => {
                let min = node.get("minimum").and_then(Schema::as_i64);
                let max = match node.get("format").and_then(Schema::as_str) {
                    Some("uint32") => Some(i64::from(u32::MAX)),
                    Some("uint16") => Some(i64::from(u16::MAX)),
                    Some("uint8") => Some(i64::from(u8::MAX)),
                    Some("int32") => Some(i64::from(i32::MAX)),
                    _ => None,
                };
                if min.is_some_and(|m| *n < m) || max.is_some_and(|m| *n > m) {
                    self.out.push(
                        Diagnostic::error(
                            "spec-type",
                            format!(
                                "`{}` is {n}, out of the range {}–{}",
                                last_key(&path),
                                min.map_or_else(|| "…".to_string(), |m| m.to_string()),
                                max.map_or_else(|| "…".to_string(), |m| m.to_string())
                            ),
                        )
                        .with_hint("write a number in range")
                        .at(self.at_value(&path)),
                    );
                }
            }
            _ => {}
        }
    }

    fn choice(&mut self, path: &str, value: &Value, choices: &[&str]) {
        let Some(text) = value.as_str() else {
            self.out.push(
                Diagnostic::error(
                    "spec-type",
                    format!(
                        "`{}` must be a string, not {}",
                        last_key(path),
                        article(kind_of(value))
                    ),
                )
                .with_hint(format!("use one of: {}", quoted_list(choices)))
                .at(self.at_value(path)),
            );
            return;
        };
        if choices.contains(&text) {
            return;
        }
        let hint = match closest(text, choices.iter().copied()) {
            Some(c) => format!(
                "did you mean `{c}`? The choices are {}",
                quoted_list(choices)
            ),
            None => format!("use one of: {}", quoted_list(choices)),
        };
        self.out.push(
            Diagnostic::error(
                "spec-type",
                format!("`{}` cannot be `{text}`", last_key(path)),
            )
            .with_hint(hint)
            .at(self.at_value(path)),
        );
    }

    fn table(&mut self, path: String, table: &toml::Table, node: &'a Schema) {
        let node = self.resolve(node).node;
        let props = node.get("properties").and_then(Schema::as_object);
        let extra = node.get("additionalProperties");
        let required: Vec<&str> = node
            .get("required")
            .and_then(Schema::as_array)
            .map(|r| r.iter().filter_map(Schema::as_str).collect())
            .unwrap_or_default();
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|k| !table.contains_key(*k))
            .collect();
        let mut explained = Vec::new();
        for (key, value) in table {
            let child = join(&path, key);
            match props.and_then(|p| p.get(key)) {
                Some(schema) => self.value(child, value, schema),
                None => match extra {
                    Some(Schema::Bool(false)) | None if props.is_some() => {
                        let known = props.into_iter().flat_map(|p| p.keys().map(String::as_str));
                        let missing_match = closest(key, missing.iter().copied());
                        let hint = match missing_match.or_else(|| closest(key, known)) {
                            Some(k) if missing_match.is_some() => {
                                explained.push(k);
                                format!("did you mean `{k}`? It is required")
                            }
                            Some(k) => format!("did you mean `{k}`?"),
                            None => {
                                "remove it, or see schema/ccfgen.schema.json for the known keys"
                                    .to_string()
                            }
                        };
                        self.out.push(
                            Diagnostic::error("spec-unknown-key", format!("unknown key `{key}`"))
                                .with_hint(hint)
                                .at(self.at_key(&child)),
                        );
                    }
                    Some(schema) if !schema.is_boolean() => self.value(child, value, schema),
                    _ => {}
                },
            }
        }
        for key in missing.into_iter().filter(|k| !explained.contains(k)) {
            let what = props
                .and_then(|p| p.get(key))
                .and_then(|s| s.get("description"))
                .and_then(Schema::as_str)
                .and_then(|d| d.lines().next())
                .map(|d| format!(": {}", d.trim()))
                .unwrap_or_default();
            let place = if path.is_empty() {
                "the spec".to_string()
            } else {
                format!("`{}`", last_key(&path))
            };
            self.out.push(
                Diagnostic::error(
                    "spec-missing-key",
                    format!("{place} has no `{key}`, which is required"),
                )
                .with_hint(format!("add `{key} = …`{what}"))
                .at(self.at_key(&path)),
            );
        }
    }
}

/// `a.b` + `c` → `a.b.c`.
fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The last key of a path (`connectors[0].tables[1].columns[2]` → `columns[2]`).
fn last_key(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

fn types_of(node: &Schema) -> Vec<&str> {
    match node.get("type") {
        Some(Schema::String(t)) => vec![t.as_str()],
        Some(Schema::Array(ts)) => ts.iter().filter_map(Schema::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether a TOML value is of JSON Schema type `ty` (TOML dates stand for strings: the spec's
/// date keys take either).
fn accepts(ty: &str, value: &Value) -> bool {
    matches!(
        (ty, value),
        ("string", Value::String(_) | Value::Datetime(_))
            | ("integer", Value::Integer(_))
            | ("number", Value::Integer(_) | Value::Float(_))
            | ("boolean", Value::Boolean(_))
            | ("array", Value::Array(_))
            | ("object", Value::Table(_))
    )
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "string",
        Value::Integer(_) => "integer",
        Value::Float(_) => "number",
        Value::Boolean(_) => "boolean",
        Value::Datetime(_) => "date",
        Value::Array(_) => "array",
        Value::Table(_) => "table",
    }
}

fn article(kind: &str) -> String {
    match kind {
        "object" | "table" => "a table".to_string(),
        "array" => "an array".to_string(),
        "integer" => "an integer".to_string(),
        k => format!("a {k}"),
    }
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The candidate closest to `word` if it is close enough to be a typo (case ignored).
pub(crate) fn closest<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let word = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (super::schema::distance(&c.to_ascii_lowercase(), &word), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        let source = SourceFile::new("t.toml", text.to_string());
        let spans = TomlSpans::index(text).unwrap();
        let doc: toml::Table = toml::from_str(text).unwrap();
        check(&doc, &spans, &source)
            .into_iter()
            .map(|d| format!("{}: {}", d.rule, d.message))
            .collect()
    }

    #[test]
    fn every_missing_key_is_reported() {
        let found = problems("[solution]\nname = \"x\"\ndescription = \"d\"\n");
        for key in [
            "version",
            "publisher_id",
            "offer_id",
            "author",
            "support",
            "categories",
        ] {
            assert!(
                found.iter().any(|f| f.contains(&format!("no `{key}`"))),
                "{key}: {found:?}"
            );
        }
    }

    #[test]
    fn misspelled_required_key_is_one_finding() {
        let found = problems(
            "[solution]\nname='x'\nversion='3.0.0'\npublisher_id='a'\noffer_id='b'\ndescription='d'\n\
             author={name='a'}\nsupport={name='s',email='a@b.c',tier='Partner'}\ncategories={domains=[]}\n\
             [[connectors]]\n[[connectors.tables]]\nname='A_CL'\ncolumns=[{name='A', typ='string'}]\n",
        );
        assert_eq!(found, ["spec-unknown-key: unknown key `typ`"], "{found:?}");
    }

    #[test]
    fn kinds_and_choices() {
        let found = problems(
            "[solution]\nname=1\nsupport={name='s',tier='partner'}\n[package]\ncompat='offical'\n",
        );
        assert!(
            found.contains(&"spec-type: `name` must be a string, not an integer".to_string()),
            "{found:?}"
        );
        assert!(
            found.contains(&"spec-type: `tier` cannot be `partner`".to_string()),
            "{found:?}"
        );
        assert!(
            found.contains(&"spec-type: `compat` cannot be `offical`".to_string()),
            "{found:?}"
        );
    }
}
