//! Connect-time values in connector files: `{{name}}` placeholders (which the packager turns
//! into `[[parameters('name')]`), escaped ARM expressions `[[parameters('dcrConfig').x]` and
//! plain ARM expressions `[concat(…)]` (packaging.md §1.4, §3.8, §5, §12.4).
//!
//! A value that mixes the forms (`"[{{dataCollectionRuleImmutableId}}"`), a placeholder whose
//! braces or name are broken, or an expression whose brackets do not balance
//! (`"[[parameters('auth').appId]]"`) deploys a connector that cannot connect.

use super::Findings;
use crate::diagnostic::Diagnostic;

/// Whether `text` is exactly one `{{name}}` placeholder.
pub fn is_placeholder(text: &str) -> bool {
    text.strip_prefix("{{")
        .and_then(|t| t.strip_suffix("}}"))
        .is_some_and(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Whether `text` is an ARM expression (`[…]`) or an escaped one (`[[…]`).
pub fn is_expression(text: &str) -> bool {
    text.starts_with('[') && text.ends_with(']')
}

/// Findings for one string value.
pub fn value(text: &str) -> Findings {
    let mut out = Vec::new();
    let has_braces = text.contains("{{") || text.contains("}}");
    if has_braces && let Some(bad) = broken_placeholder(text) {
        out.push(
            Diagnostic::error(
                "placeholder",
                format!("`{bad}` is not a well-formed placeholder"),
            )
            .with_hint("write placeholders as `{{name}}` with letters and digits only"),
        );
    }
    if text.starts_with('[') && text.contains("{{") {
        let name = placeholder_names(text).next().unwrap_or("name");
        out.push(
            Diagnostic::error(
                "placeholder",
                format!("`{text}` mixes a `{{{{…}}}}` placeholder with an ARM expression bracket"),
            )
            .with_hint(format!(
                "write either the placeholder alone (`{{{{{name}}}}}`) or the escaped parameter (`[[parameters('…').{name}]`)"
            )),
        );
        return out;
    }
    if let Some(inner) = text.strip_prefix("[[") {
        if !balanced_expression(&format!("[{inner}")) {
            out.push(
                Diagnostic::error("placeholder", format!("escaped expression `{text}` is malformed"))
                    .with_hint("an escaped expression is `[[` + expression + `]`, e.g. `[[parameters('auth').appId]`; check the brackets and quotes"),
            );
        }
    } else if text.starts_with('[') && looks_like_call(&text[1..]) && !balanced_expression(text) {
        out.push(
            Diagnostic::error(
                "placeholder",
                format!("ARM expression `{text}` is malformed"),
            )
            .with_hint("an expression is `[` + function call + `]`; check the brackets and quotes"),
        );
    }
    out
}

fn placeholder_names(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices("{{").filter_map(move |(at, _)| {
        let rest = &text[at + 2..];
        let end = rest.find("}}")?;
        Some(&rest[..end])
    })
}

/// The first piece of `text` around `{{`/`}}` that is not a `{{name}}` placeholder.
fn broken_placeholder(text: &str) -> Option<&str> {
    let mut i = 0;
    let bytes = text.as_bytes();
    while i + 1 < bytes.len() {
        if &bytes[i..i + 2] == b"{{" {
            let rest = &text[i + 2..];
            let name_len = rest
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            if name_len == 0 || !rest[name_len..].starts_with("}}") {
                let end = rest.find("}}").map_or(text.len(), |e| i + 2 + e + 2);
                return Some(&text[i..end]);
            }
            i += 2 + name_len + 2;
        } else if &bytes[i..i + 2] == b"}}" {
            return Some(&text[..i + 2]);
        } else {
            i += 1;
        }
    }
    None
}

fn looks_like_call(text: &str) -> bool {
    let name_len = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    name_len > 0 && text[name_len..].starts_with('(')
}

/// `[expr]` with balanced parentheses and brackets outside `'…'` string literals.
fn balanced_expression(text: &str) -> bool {
    let Some(body) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) else {
        return false;
    };
    let mut stack = Vec::new();
    let mut in_string = false;
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                } else {
                    in_string = false;
                }
            }
            continue;
        }
        match c {
            '\'' => in_string = true,
            '(' | '[' => stack.push(c),
            ')' | ']' => {
                let open = if c == ')' { '(' } else { '[' };
                if stack.pop() != Some(open) {
                    return false;
                }
            }
            _ => {}
        }
    }
    stack.is_empty() && !in_string
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_values_pass() {
        for ok in [
            "{{dataCollectionEndpoint}}",
            "[[parameters('dcrConfig').dataCollectionRuleImmutableId]",
            "[concat('/subscriptions/',parameters('subscription'),'/x')]",
            "[variables('workspaceResourceId')]",
            "Custom-Stream",
            "{{location}}",
            "[[concat(parameters('innerWorkspace'),'/Microsoft.SecurityInsights/', 'x', parameters('guidValue'))]",
            "[not an expression",
        ] {
            assert!(value(ok).is_empty(), "{ok}: {:?}", value(ok));
        }
        assert!(is_placeholder("{{appId}}"));
        assert!(!is_placeholder("{{app id}}"));
        assert!(is_expression("[[parameters('auth').appId]"));
    }

    #[test]
    fn broken_values_fail() {
        for bad in [
            "[{{dataCollectionRuleImmutableId}}",
            "{{dataCollectionEndpoint}",
            "{{data-collection}}",
            "x}}",
            "[[parameters('auth').appId]]",
            "[concat('a', parameters('b')]",
            "[[parameters('auth).appId]",
        ] {
            assert_eq!(value(bad).len(), 1, "{bad}: {:?}", value(bad));
        }
    }
}
