//! The Content Hub branding rule: "Sentinel" alone must be written "Microsoft Sentinel".
//!
//! The PR validation (`validMSBranding.ts`) tests description-like strings with
//! `/(?<!Microsoft\s)(?<!\S)Sentinel(?!\S)/`: a bare "Sentinel" surrounded by whitespace (or at
//! the start/end of the text) that is not preceded by "Microsoft ".

use super::Findings;
use crate::diagnostic::Diagnostic;

/// Byte offsets of every bare "Sentinel" in `text`.
pub fn bare_sentinel(text: &str) -> Vec<usize> {
    const WORD: &str = "Sentinel";
    let mut out = Vec::new();
    for (at, _) in text.match_indices(WORD) {
        let before = &text[..at];
        let after = &text[at + WORD.len()..];
        let space_before = before.chars().next_back().is_none_or(char::is_whitespace);
        let space_after = after.chars().next().is_none_or(char::is_whitespace);
        let microsoft = before
            .strip_suffix(|c: char| c.is_whitespace())
            .is_some_and(|b| b.ends_with("Microsoft"));
        if space_before && space_after && !microsoft {
            out.push(at);
        }
    }
    out
}

/// Findings for one description-like text.
pub fn description(text: &str) -> Findings {
    if bare_sentinel(text).is_empty() {
        return Vec::new();
    }
    vec![
        Diagnostic::error("branding", "\"Sentinel\" is used without \"Microsoft\"")
            .with_hint("write \"Microsoft Sentinel\": the Content Hub PR validation rejects a bare \"Sentinel\""),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_validator_regex() {
        assert_eq!(bare_sentinel("push data to Sentinel using"), [13]);
        assert_eq!(bare_sentinel("Sentinel rocks"), [0]);
        assert!(bare_sentinel("push to Microsoft Sentinel now").is_empty());
        assert!(bare_sentinel("push to Sentinel.").is_empty());
        assert!(bare_sentinel("the SentinelOne agent").is_empty());
        assert!(bare_sentinel("Microsoft\nSentinel").is_empty());
        assert_eq!(bare_sentinel("(Sentinel )").len(), 0);
    }
}
