//! String matching with Kusto's semantics: case-sensitive and case-insensitive `contains`,
//! `startswith`, `endswith`, and the term operators `has`, `hasprefix`, `hassuffix` (a term is
//! a maximal run of alphanumeric characters; `has` matches whole terms).

use std::borrow::Cow;

/// Lower-cases for case-insensitive comparison (ASCII without allocating when possible).
pub fn fold(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        }
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

/// Case-insensitive equality.
pub fn eq_ci(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// A term character (Kusto splits strings into terms at every other character).
pub fn is_term_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Which term boundaries a match must sit on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term {
    /// Whole terms (`has`).
    Whole,
    /// Start of a term (`hasprefix`).
    Prefix,
    /// End of a term (`hassuffix`).
    Suffix,
}

/// True when `needle` occurs in `hay` on term boundaries. Both are already folded for a
/// case-insensitive match. An empty needle matches (like Kusto's `has ""`).
pub fn has_term(hay: &str, needle: &str, mode: Term) -> bool {
    if needle.is_empty() {
        return true;
    }
    let starts_with_term = needle.chars().next().is_some_and(is_term_char);
    let ends_with_term = needle.chars().next_back().is_some_and(is_term_char);
    let mut from = 0;
    while let Some(pos) = hay[from..].find(needle) {
        let start = from + pos;
        let end = start + needle.len();
        let before_ok = !starts_with_term
            || mode == Term::Suffix
            || hay[..start]
                .chars()
                .next_back()
                .is_none_or(|c| !is_term_char(c));
        let after_ok = !ends_with_term
            || mode == Term::Prefix
            || hay[end..].chars().next().is_none_or(|c| !is_term_char(c));
        if before_ok && after_ok {
            return true;
        }
        from = start + hay[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms() {
        assert!(has_term("north america", "america", Term::Whole));
        assert!(!has_term("north america", "amer", Term::Whole));
        assert!(has_term("north america", "ame", Term::Prefix));
        assert!(!has_term("north america", "mer", Term::Prefix));
        assert!(has_term("north america", "ica", Term::Suffix));
        assert!(!has_term("kustoexplorerqueryrun", "explorer", Term::Whole));
        assert!(has_term("a-b c", "-b", Term::Whole));
        assert!(has_term("north america", "north america", Term::Whole));
    }
}
