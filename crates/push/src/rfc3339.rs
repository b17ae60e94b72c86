//! The one datetime rule of ccfgen, shared by the push client's validation and the emulator:
//! a `datetime` value is an RFC 3339 timestamp — `YYYY-MM-DDThh:mm:ss[.fraction]` followed by
//! `Z` or a numeric offset (`+02:00`). The Logs Ingestion API stores NULL for a datetime it
//! cannot read as one (the request still succeeds), so ISO 8601 forms without an offset
//! (`2025-11-06T10:30:00`), with a space instead of `T` (`2025-11-06 10:30:00`), dates alone
//! or week dates are invalid before sending rather than delivered as NULL.
//! [`EXAMPLES`] pins the rule: the validation's and the emulator's tests run it.
//!
//! Also the serde helpers of generated code: `#[serde(with = "ccfgen_push::rfc3339")]` for
//! required datetime columns and `#[serde(with = "ccfgen_push::rfc3339::option")]` for
//! optional ones.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub use time::serde::rfc3339::{deserialize, serialize};

/// The same for `Option<OffsetDateTime>`.
pub mod option {
    pub use time::serde::rfc3339::option::{deserialize, serialize};
}

/// Reads a datetime value by the rule; `None` when the service would store NULL.
pub fn parse(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// Whether `text` is a datetime value by the rule.
pub fn is_valid(text: &str) -> bool {
    parse(text).is_some()
}

/// Why `text` is not a datetime value, with the form to use instead.
pub fn explain(text: &str) -> String {
    let looks_like_time = text.len() >= 10 && text.as_bytes()[..4].iter().all(u8::is_ascii_digit);
    let hint = if !looks_like_time {
        ""
    } else if text.as_bytes().get(10) == Some(&b' ') {
        ": use `T` between date and time, and an offset"
    } else if text.len() == 10 {
        ": a date alone is not a timestamp; add a time and an offset"
    } else {
        ": add `Z` (UTC) or an offset such as `+02:00`"
    };
    format!(
        "{text:?} is not an RFC 3339 timestamp (e.g. 2025-11-06T10:30:00Z){hint}; the service would store NULL"
    )
}

/// The rule by example: (value, valid). Validation and the emulator are tested against it.
pub const EXAMPLES: &[(&str, bool)] = &[
    ("2025-11-06T10:30:00Z", true),
    ("2025-11-06T10:30:00z", true),
    ("2025-11-06t10:30:00Z", true),
    ("2025-11-06T10:30:00.5Z", true),
    ("2025-11-06T10:30:00.123456789Z", true),
    ("2025-11-06T10:30:00+02:00", true),
    ("2025-11-06T10:30:00-05:30", true),
    ("2025-11-06T10:30:00+00:00", true),
    ("2024-02-29T23:59:59Z", true),
    ("2025-11-06T10:30:00", false),
    ("2025-11-06 10:30:00", false),
    ("2025-11-06 10:30:00Z", true), // RFC 3339 section 5.6 allows the space
    ("2025-11-06", false),
    ("2025-11-06T10:30Z", false),
    ("2025-11-06T10:30:00+0200", false),
    ("2025-11-06T10:30:00 Z", false),
    ("2025-02-30T10:30:00Z", false),
    ("2025-11-06T24:00:00Z", false),
    ("2025-W45-4T10:30:00Z", false),
    ("20251106T103000Z", false),
    ("yesterday", false),
    ("", false),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_by_example() {
        for (text, valid) in EXAMPLES {
            assert_eq!(is_valid(text), *valid, "{text}");
        }
    }

    #[test]
    fn explanations_say_what_to_change() {
        assert!(explain("2025-11-06 10:30:00").contains("use `T`"));
        assert!(explain("2025-11-06T10:30:00").contains("add `Z`"));
        assert!(explain("2025-11-06").contains("a date alone"));
        assert!(explain("yesterday").contains("store NULL"));
    }
}
