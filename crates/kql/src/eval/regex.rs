//! Regular expressions. Kusto's regex page (`regex.md`) documents the syntax of the Rust `regex`
//! crate itself (Unicode `\d` and `\w`, class set operations `&&` `--` `~~`, `\<` `\>`, the
//! flags `i m s R U u x`), which is what the evaluator uses, so patterns need no translation.
//! Earlier Kusto documentation named RE2; where RE2 differs (`\d` is ASCII-only in RE2,
//! `\C`, `\Q...\E`), the evaluator follows the current page.

use std::sync::Arc;

use regex::{Regex, RegexBuilder};

/// Patterns compile to at most this many bytes of program (hostile patterns fail instead of
/// exhausting memory).
const SIZE_LIMIT: usize = 8 << 20;

/// Compiles a pattern with optional flags (`i`, `m`, `s`, `U`, `x`); the error is the crate's
/// message.
pub fn compile(pattern: &str, flags: &str) -> Result<Arc<Regex>, String> {
    let mut b = RegexBuilder::new(pattern);
    b.size_limit(SIZE_LIMIT).dfa_size_limit(SIZE_LIMIT);
    for f in flags.chars() {
        match f {
            'i' => b.case_insensitive(true),
            'm' => b.multi_line(true),
            's' => b.dot_matches_new_line(true),
            'U' => b.swap_greed(true),
            'x' => b.ignore_whitespace(true),
            'R' => b.crlf(true),
            'u' => b.unicode(true),
            other => return Err(format!("unknown regex flag '{other}'")),
        };
    }
    b.build().map(Arc::new).map_err(|e| e.to_string())
}

/// Rewrites Kusto's replacement syntax (`\1`, `\2`, ... for groups; `$` literal) into the
/// `regex` crate's (`${1}`, `$$`).
pub fn rewrite_template(rewrite: &str) -> String {
    let mut out = String::with_capacity(rewrite.len() + 8);
    let mut chars = rewrite.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut n = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    n.push(d);
                    chars.next();
                }
                out.push_str("${");
                out.push_str(&n);
                out.push('}');
            }
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_and_flags() {
        assert_eq!(rewrite_template(r"\1 and \2$"), "${1} and ${2}$$");
        assert!(compile("a+", "i").unwrap().is_match("AA"));
        assert!(compile("a+", "q").is_err());
        assert!(compile("(", "").is_err());
        assert!(compile(r"\d", "").unwrap().is_match("٣"));
    }
}
