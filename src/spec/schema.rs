//! The JSON Schema of `ccfgen.toml` (generated with schemars from [`crate::spec::model`]),
//! written to `schema/ccfgen.schema.json` so editors complete and validate specs that start
//! with a `#:schema` line. Also answers "did you mean …?" for unknown keys.

use serde_json::Value;

use crate::spec::Spec;

/// The schema as a JSON value.
pub fn spec_schema() -> Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Spec)).expect("schema serializes");
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "$id".to_string(),
            Value::String("https://github.com/ccfgen/ccfgen/schema/ccfgen.schema.json".to_string()),
        );
    }
    schema
}

/// The schema file text: pretty JSON with a final newline (what `ccfgen schema` prints).
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&spec_schema()).expect("schema serializes");
    text.push('\n');
    text
}

/// For an unknown key at `path` (`connectors[0].tables[0].colums`), the closest known key of
/// the same object, if one is close enough to be a typo.
pub fn suggest_key(path: &str) -> Option<String> {
    let schema = spec_schema();
    let mut segments: Vec<&str> = path
        .split('.')
        .map(|s| s.split('[').next().unwrap_or(s))
        .collect();
    let unknown = segments.pop()?;
    let mut node = &schema;
    for seg in segments {
        node = property(&schema, node, seg)?;
    }
    let props = object_properties(&schema, node)?;
    props
        .keys()
        .map(|k| {
            (
                distance(&k.to_ascii_lowercase(), &unknown.to_ascii_lowercase()),
                k,
            )
        })
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| k.clone())
}

/// Follows `$ref`, `anyOf` (Option) and array `items` to the object schema under `node`.
fn object_properties<'a>(
    root: &'a Value,
    node: &'a Value,
) -> Option<&'a serde_json::Map<String, Value>> {
    let node = deref(root, node);
    if let Some(p) = node.get("properties").and_then(Value::as_object) {
        return Some(p);
    }
    if let Some(items) = node.get("items") {
        return object_properties(root, items);
    }
    node.get("anyOf")
        .and_then(Value::as_array)?
        .iter()
        .find_map(|alt| object_properties(root, alt))
}

fn property<'a>(root: &'a Value, node: &'a Value, key: &str) -> Option<&'a Value> {
    object_properties(root, node)?.get(key)
}

fn deref<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix("#/$defs/")
            .and_then(|name| root.get("$defs")?.get(name))
            .map(|n| deref(root, n))
            .unwrap_or(node),
        None => node,
    }
}

/// Levenshtein distance.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_typos() {
        assert_eq!(
            suggest_key("connectors[0].tables[0].colums").as_deref(),
            Some("columns")
        );
        assert_eq!(suggest_key("solution.verison").as_deref(), Some("version"));
        assert_eq!(
            suggest_key("connectors[0].tables[0].columns[1].descripton").as_deref(),
            Some("description")
        );
        assert_eq!(
            suggest_key("solution.support.emial").as_deref(),
            Some("email")
        );
        assert_eq!(suggest_key("solution.zzzzzzzzz"), None);
    }
}
