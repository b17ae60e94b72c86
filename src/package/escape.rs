//! ARM expression escaping for literal text (packaging.md §5).
//!
//! ARM reads a string that starts with `[` and ends with `]` as an expression; a leading `[[`
//! makes it a literal and loses one `[` per evaluation. A package is evaluated once at install
//! (top-level resources) and the content templates it stores are evaluated again when they are
//! deployed, so literal text needs one extra `[` per evaluation it goes through. The official
//! packager escapes nothing: a description or query that happens to look like `[…]` breaks
//! the install.

use serde_json::Value;

/// How many times ARM evaluates the strings at a place in the package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// A top-level resource, variable or parameter: evaluated at install.
    Install,
    /// Inside a content template's `mainTemplate`: at install, then again at deploy.
    ContentTemplate,
}

impl Level {
    fn brackets(self) -> usize {
        match self {
            Level::Install => 1,
            Level::ContentTemplate => 2,
        }
    }
}

/// Whether ARM would evaluate `text` as an expression.
pub fn looks_like_expression(text: &str) -> bool {
    text.starts_with('[') && text.ends_with(']')
}

/// `text` as a literal at `level`: unchanged unless it looks like an expression.
pub fn literal(text: &str, level: Level) -> String {
    if looks_like_expression(text) {
        format!("{}{text}", "[".repeat(level.brackets()))
    } else {
        text.to_string()
    }
}

/// Escapes every string (not object key) in `value` as a literal at `level`.
pub fn literal_value(value: &mut Value, level: Level) {
    match value {
        Value::String(s) if looks_like_expression(s) => *s = literal(s, level),
        Value::Array(items) => items.iter_mut().for_each(|v| literal_value(v, level)),
        Value::Object(map) => map.values_mut().for_each(|v| literal_value(v, level)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_bracketed_text_is_escaped_once_per_evaluation() {
        assert_eq!(
            literal("[Docs](https://x) and more", Level::Install),
            "[Docs](https://x) and more"
        );
        assert_eq!(literal("[beta] title]", Level::Install), "[[beta] title]");
        assert_eq!(
            literal("[beta] title]", Level::ContentTemplate),
            "[[[beta] title]"
        );
        let mut v = json!({"a": ["[x]", "y"], "[k]": "[z]"});
        literal_value(&mut v, Level::Install);
        assert_eq!(v, json!({"a": ["[[x]", "y"], "[k]": "[[z]"}));
    }
}
