//! Writes a JSON document as YAML in the style of the Azure-Sentinel repository's content
//! files: block mappings and sequences (two-space indentation, sequence items indented under
//! their key), multi-line text as literal block scalars (`|`, `|-`, `|+` by its final line
//! breaks), plain scalars where they cannot be misread, double-quoted ones elsewhere.
//!
//! A text is written plain only when it starts with a letter, holds nothing YAML gives a
//! meaning to (`: `, ` #`, flow indicators, quotes at the start) and is no word that YAML 1.1
//! or 1.2 reads as a boolean or null (`yes`, `off`, `null`…): PyYAML (the repository's PR
//! checks) and YamlDotNet (the packager) then read it back as the same text. Versions such as
//! `1.0.0` are written plain too (no schema reads them as numbers). Everything the writer
//! produces is read back by [`to_yaml`] with [`crate::yaml_spans`] and compared with the
//! document; a document that would not round-trip is written with every text double-quoted.

use serde_json::{Map, Value};

/// `doc` as YAML text (ends with a line break). The result parses back to `doc`
/// ([`crate::yaml_spans`], YAML 1.2 core schema).
pub fn to_yaml(doc: &Value) -> String {
    let text = write(doc, false);
    if round_trips(&text, doc) {
        text
    } else {
        write(doc, true)
    }
}

fn round_trips(text: &str, doc: &Value) -> bool {
    crate::yaml_spans::Document::parse(text).is_ok_and(|d| same(&d.root.to_json(), doc))
}

/// Equality where numbers compare by value (`0` and `0.0` are one number to YAML readers).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        _ => a == b,
    }
}

fn write(doc: &Value, quoted: bool) -> String {
    let mut out = String::new();
    match doc {
        Value::Object(m) if !m.is_empty() => mapping(m, 0, quoted, &mut out),
        Value::Array(a) if !a.is_empty() => sequence(a, 0, quoted, &mut out),
        v => {
            out.push_str(&inline(v, quoted));
            out.push('\n');
        }
    }
    out
}

fn indent(n: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn mapping(m: &Map<String, Value>, level: usize, quoted: bool, out: &mut String) {
    for (k, v) in m {
        indent(level, out);
        out.push_str(&scalar_text(k, quoted));
        out.push(':');
        value_after_key(v, level, quoted, out);
    }
}

/// A value after `key:` (or after `- ` when the item is a scalar).
fn value_after_key(v: &Value, level: usize, quoted: bool, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            mapping(m, level + 2, quoted, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            sequence(a, level + 2, quoted, out);
        }
        Value::String(s) if !quoted && block_literal(s) => {
            out.push_str(" |");
            out.push_str(chomping(s));
            out.push('\n');
            let body = s.strip_suffix('\n').unwrap_or(s);
            let body = body.trim_end_matches('\n');
            for line in body.split('\n') {
                if !line.is_empty() {
                    indent(level + 2, out);
                    out.push_str(line);
                }
                out.push('\n');
            }
            // `|+` keeps the further line breaks as empty lines.
            let trailing = s.len() - s.trim_end_matches('\n').len();
            for _ in 1..trailing {
                out.push('\n');
            }
        }
        v => {
            out.push(' ');
            out.push_str(&inline(v, quoted));
            out.push('\n');
        }
    }
}

fn sequence(a: &[Value], level: usize, quoted: bool, out: &mut String) {
    for v in a {
        indent(level, out);
        out.push('-');
        match v {
            Value::Object(m) if !m.is_empty() => {
                // The first member on the dash's line, the others under it.
                let mut inner = String::new();
                mapping(m, level + 2, quoted, &mut inner);
                out.push(' ');
                out.push_str(&inner[level + 2..]);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                sequence(items, level + 2, quoted, out);
            }
            v => value_after_key(v, level, quoted, out),
        }
    }
}

/// `|` (one final line break), `|-` (none) or `|+` (more).
fn chomping(s: &str) -> &'static str {
    let trailing = s.len() - s.trim_end_matches('\n').len();
    match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    }
}

/// Whether a text is written as a literal block: it has a line break, and every line can be
/// written as it is (printable, not starting with a space or tab on the first line — the
/// block's indentation is taken from it — and no line of only spaces).
fn block_literal(s: &str) -> bool {
    let body = s.trim_end_matches('\n');
    if !s.contains('\n') || body.is_empty() || body.starts_with('\n') {
        return false;
    }
    if body.starts_with([' ', '\t']) {
        return false;
    }
    body.split('\n').all(|line| {
        !(line
            .chars()
            .any(|c| needs_escape(c) || c == '\t' && line.trim().is_empty())
            || (!line.is_empty() && line.trim_matches([' ', '\t']).is_empty())
            || line.ends_with([' ', '\t']))
    })
}

/// A character a YAML text may not hold as it is (written as an escape in double quotes).
fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn inline(v: &Value, quoted: bool) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar_text(s, quoted),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// Words YAML 1.1 or 1.2 reads as booleans or null.
const RESERVED: &[&str] = &[
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
];

fn scalar_text(s: &str, quoted: bool) -> String {
    if !quoted && plain(s) {
        s.to_string()
    } else {
        double_quoted(s)
    }
}

/// Whether a text can be written plain (see the module header).
fn plain(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let version = s.split('.').count() >= 3
        && s.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if version || is_guid(s) {
        return true;
    }
    first.is_alphabetic()
        && !RESERVED.contains(&s.to_ascii_lowercase().as_str())
        && !s.ends_with([' ', ':'])
        && !s.contains(": ")
        && !s.contains(" #")
        && s.chars().all(|c| {
            c.is_alphanumeric()
                || matches!(
                    c,
                    ' ' | '_' | '-' | '.' | '/' | '(' | ')' | '\'' | '+' | '@' | '&' | ':' | '='
                )
        })
}

/// `8-4-4-4-12` hexadecimal digits: no YAML schema reads that as anything but text.
fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A double-quoted scalar: JSON escapes (which YAML reads the same), with the characters
/// YAML 1.1 takes as line breaks or that are not printable escaped too.
fn double_quoted(s: &str) -> String {
    let json = serde_json::to_string(s).unwrap_or_default();
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if matches!(
            c,
            '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}'
        ) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_the_repositorys_style() {
        let doc = json!({
            "id": "8d2b6f4c-1a37-4e9b-b5c8-7f0e3a2d9c14",
            "name": "Gambit Security - Critical Policy Issue",
            "description": "'Creates an incident.'\n",
            "severity": "High",
            "requiredDataConnectors": [{"connectorId": "GambitSecurityPush", "dataTypes": ["GambitPoliciesIssues_CL"]}],
            "triggerThreshold": 0,
            "tactics": [],
            "query": "T\n| where x == \"a\"",
            "version": "1.0.0",
        });
        assert_eq!(
            to_yaml(&doc),
            "id: 8d2b6f4c-1a37-4e9b-b5c8-7f0e3a2d9c14\nname: Gambit Security - Critical Policy Issue\ndescription: |\n  'Creates an incident.'\nseverity: High\nrequiredDataConnectors:\n  - connectorId: GambitSecurityPush\n    dataTypes:\n      - GambitPoliciesIssues_CL\ntriggerThreshold: 0\ntactics: []\nquery: |-\n  T\n  | where x == \"a\"\nversion: 1.0.0\n"
        );
    }

    #[test]
    fn every_awkward_text_round_trips() {
        for s in [
            "yes",
            "No",
            "1.0",
            "0x1F",
            "",
            " leading",
            "trailing ",
            "a: b",
            "a #b",
            "- x",
            "[x]",
            "{x}",
            "'q'",
            "\"q\"",
            "two\n\nlines\n\n\n",
            "  indented\nfirst",
            "tab\there\n",
            "line \nwith trailing space\n",
            "\nleading break",
            "nel\u{85}sep\u{2028}",
            "ctrl\u{1}\n",
            "~",
            "&anchor",
            "*alias",
            "!tag",
            "%directive",
            "@at",
            "`tick`",
            "key:",
            "ünïcode: text",
        ] {
            let doc = json!({"k": s, "list": [s, {"m": s}], s: 1});
            let text = to_yaml(&doc);
            let back = crate::yaml_spans::Document::parse(&text)
                .unwrap_or_else(|e| panic!("{s:?}: {e}\n{text}"))
                .root
                .to_json();
            assert_eq!(back, doc, "{s:?} written as\n{text}");
        }
    }
}
