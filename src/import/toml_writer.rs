//! Writes a spec as a readable `ccfgen.toml`, laid out like the bundled examples: `[solution]`
//! with inline `author`/`support`/`categories`, `[[connectors]]`, `[[connectors.tables]]` with
//! one inline table per column, multi-line strings for descriptions and transforms, and
//! verbatim `ui` members as `[connectors.ui]` sub-tables. The text always parses back to the
//! same spec ([`write()`] checks it and falls back to the plain serializer if it ever did not).

use toml::Value;

use crate::spec::Spec;

/// The spec as `ccfgen.toml` text.
pub fn write(spec: &Spec) -> String {
    let text = layout(spec);
    match toml::from_str::<Spec>(&text) {
        Ok(back) if back == *spec => text,
        _ => toml::to_string(spec).expect("specs serialize"),
    }
}

fn layout(spec: &Spec) -> String {
    let Ok(Value::Table(root)) = Value::try_from(spec) else {
        return toml::to_string(spec).expect("specs serialize");
    };
    let mut out = String::from(
        "# Written by `ccfgen import`. Values equal to ccfgen's defaults are left out;\n# `ccfgen import` reports anything it could not carry over.\n",
    );
    if let Some(Value::Table(solution)) = root.get("solution") {
        out.push_str("\n[solution]\n");
        let mut deferred = Vec::new();
        for (k, v) in solution {
            match v {
                Value::Array(items) if k == "release_notes" => {
                    deferred.extend(items.iter().cloned())
                }
                _ => out.push_str(&entry(k, v)),
            }
        }
        for note in deferred {
            out.push_str("\n[[solution.release_notes]]\n");
            if let Value::Table(t) = note {
                for (k, v) in &t {
                    out.push_str(&entry(k, v));
                }
            }
        }
    }
    for c in root
        .get("connectors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Value::Table(c) = c else { continue };
        out.push_str("\n[[connectors]]\n");
        for (k, v) in c {
            match (k.as_str(), v) {
                ("ui" | "tables", _) => {}
                (_, Value::Array(items))
                    if items.iter().all(Value::is_table) && !items.is_empty() =>
                {
                    out.push_str(&format!("{} = [\n", key(k)));
                    for i in items {
                        out.push_str(&format!("  {},\n", inline(i)));
                    }
                    out.push_str("]\n");
                }
                _ => out.push_str(&entry(k, v)),
            }
        }
        if let Some(Value::Table(ui)) = c.get("ui") {
            out.push_str("\n[connectors.ui]\n");
            sections(&mut out, "connectors.ui", ui);
        }
        for t in c
            .get("tables")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Value::Table(t) = t else { continue };
            out.push_str("\n[[connectors.tables]]\n");
            for (k, v) in t {
                match (k.as_str(), v) {
                    ("columns", Value::Array(cols)) => {
                        out.push_str("columns = [\n");
                        for col in cols {
                            out.push_str(&format!("  {},\n", inline(col)));
                        }
                        out.push_str("]\n");
                    }
                    _ => out.push_str(&entry(k, v)),
                }
            }
        }
    }
    if let Some(Value::Table(package)) = root.get("package")
        && !package.is_empty()
    {
        out.push_str("\n[package]\n");
        for (k, v) in package {
            out.push_str(&entry(k, v));
        }
    }
    out
}

/// A table's members in their order: the trailing run of tables and arrays of tables as
/// `[prefix.key]` / `[[prefix.key]]` sections, everything before it as `key = value` (inline
/// tables where a section would move a member after a later one).
fn sections(out: &mut String, prefix: &str, table: &toml::Table) {
    let sectionable = |v: &Value| match v {
        Value::Table(_) => true,
        Value::Array(items) => !items.is_empty() && items.iter().all(Value::is_table),
        _ => false,
    };
    let keys: Vec<(&String, &Value)> = table.iter().collect();
    let tail = keys
        .iter()
        .rposition(|(_, v)| !sectionable(v))
        .map_or(0, |i| i + 1);
    for (k, v) in &keys[..tail] {
        out.push_str(&entry(k, v));
    }
    for (k, v) in &keys[tail..] {
        let path = format!("{prefix}.{}", key(k));
        match v {
            Value::Table(t) => {
                out.push_str(&format!("\n[{path}]\n"));
                sections(out, &path, t);
            }
            Value::Array(items) => {
                for item in items {
                    if let Value::Table(t) = item {
                        out.push_str(&format!("\n[[{path}]]\n"));
                        sections(out, &path, t);
                    }
                }
            }
            _ => {}
        }
    }
}

/// `key = value` with a final newline; strings holding newlines as multi-line strings.
fn entry(k: &str, v: &Value) -> String {
    match v {
        Value::String(s)
            if s.contains('\n') && !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') =>
        {
            format!("{} = \"\"\"\n{}\"\"\"\n", key(k), multiline_body(s))
        }
        _ => format!("{} = {}\n", key(k), inline(v)),
    }
}

/// The inside of a multi-line basic string holding `s`.
fn multiline_body(s: &str) -> String {
    let mut body = s.replace('\\', "\\\\").replace("\"\"\"", "\"\"\\\"");
    if body.ends_with('"') {
        body.pop();
        body.push_str("\\\"");
    }
    body
}

fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        format!("\"{}\"", crate::templates::toml_basic_string_body(k))
    }
}

fn inline(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{}\"", crate::templates::toml_basic_string_body(s)),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => {
            let text = f.to_string();
            if text.contains(['.', 'e', 'E', 'n', 'i']) {
                text
            } else {
                format!("{text}.0")
            }
        }
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => d.to_string(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(inline).collect::<Vec<_>>().join(", ")
        ),
        Value::Table(t) if t.is_empty() => "{}".to_string(),
        Value::Table(t) => format!(
            "{{ {} }}",
            t.iter()
                .map(|(k, v)| format!("{} = {}", key(k), inline(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_round_trip_through_the_layout() {
        for name in ["cvebuster", "contoso", "fabrikam"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("examples/{name}/ccfgen.toml"));
            let spec: Spec = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let text = layout(&spec);
            let back: Spec =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
            assert_eq!(back, spec, "{name}");
            assert!(text.contains("columns = [\n  { name = "), "{text}");
        }
    }
}
