//! The package files' JSON text: what PowerShell 7's `ConvertTo-Json -Depth 50 | Out-File`
//! writes (Newtonsoft.Json, indented by two spaces, `"key": value`, non-ASCII kept literally,
//! `'` not escaped, U+0085/U+2028/U+2029 escaped, a final newline). ccfgen writes package
//! files this way in both modes, so a package it builds diffs cleanly against an official one.

use serde_json::Value;

/// `value` as the official packager serializes it, with a final newline.
pub fn to_text(value: &Value) -> String {
    let text = serde_json::to_string_pretty(value).expect("JSON values serialize");
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        match c {
            // serde_json writes these literally; Newtonsoft escapes them (they break JavaScript).
            '\u{0085}' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_convertto_json_layout() {
        let v = json!({"a": [], "b": {}, "c": [1, {"d": "it's • <x>"}], "e": "line\u{2028}sep"});
        assert_eq!(
            to_text(&v),
            "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    {\n      \"d\": \"it's • <x>\"\n    }\n  ],\n  \"e\": \"line\\u2028sep\"\n}\n"
        );
    }
}
