//! Column names as KQL text: whether a name can be written bare, and its bracketed form
//! otherwise (`['my-field']`). The answer comes from the lexer and the keyword tables the
//! parser uses, so generated queries agree with what the analyser accepts.

use std::borrow::Cow;

use crate::keywords::keyword_is_identifier;
use crate::lexer::lex;
use crate::token::TokenKind;

/// True if `name` can be written bare wherever a column name goes (referenced, declared,
/// listed in `project-away`): it scans as one identifier, or as a keyword that may be used
/// as a plain name anywhere, and starts with a letter or `_` (names starting with a digit,
/// which Kusto scans as identifiers too, and `$left`-like names are always bracketed).
pub fn is_plain_name(name: &str) -> bool {
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return false;
    }
    let tokens = lex(name);
    match tokens.as_slice() {
        [t, eof]
            if eof.kind == TokenKind::Eof && t.span == (0..name.len()) && t.problem.is_none() =>
        {
            t.kind == TokenKind::Ident
                || (t.kind == TokenKind::Keyword && keyword_is_identifier(name))
        }
        _ => false,
    }
}

/// `name` as KQL text: bare when [`is_plain_name`], otherwise a bracketed string literal
/// (`['it\'s']`) whose value is exactly `name`.
pub fn quote_name(name: &str) -> Cow<'_, str> {
    if is_plain_name(name) {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len() + 4);
    out.push_str("['");
    for c in name.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push_str("']");
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_bracketed() {
        for plain in ["Computer", "_raw", "Time", "VulnId", "x1"] {
            assert!(is_plain_name(plain), "{plain}");
        }
        for quoted in [
            "time",
            "startswith",
            "first",
            "date",
            "where",
            "my-field",
            "1x",
            "a b",
            "",
            "$left",
            "true",
        ] {
            assert!(!is_plain_name(quoted), "{quoted}");
        }
        assert_eq!(quote_name("it's"), r"['it\'s']");
        assert_eq!(quote_name("a\\b"), r"['a\\b']");
        assert_eq!(quote_name("Msg"), "Msg");
    }

    #[test]
    fn bracketed_value_is_the_name() {
        for name in [
            "it's",
            "a\\b",
            "line\nbreak",
            "tab\there",
            "é-ü",
            "\u{1}",
            "where",
        ] {
            let q = quote_name(name);
            let literal = &q[1..q.len() - 1];
            assert_eq!(crate::lexer::string_value(literal), name, "{q}");
        }
    }
}
