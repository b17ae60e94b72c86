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
    plainly_valid(text.as_bytes()) || parse(text).is_some()
}

/// Whether `text` is `YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm)` with every field in
/// range (a fraction of 1 to 9 digits, a second up to 59, an offset up to 23:59), checked
/// without the parser: the form nearly every record uses, all of it valid by the rule.
/// `false` means "ask the parser" (`t`, `z`, a space, a leap second, …).
fn plainly_valid(text: &[u8]) -> bool {
    match text.first_chunk::<19>() {
        Some(head) if ccfgen_base::datetime::is_plain_head(head) => {}
        _ => return false,
    }
    let mut rest = &text[19..];
    if let [b'.', fraction @ ..] = rest {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if !(1..=9).contains(&digits) {
            return false;
        }
        rest = &fraction[digits..];
    }
    match rest {
        b"Z" => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            let offset = [*h1, *h2, *m1, *m2];
            offset.iter().all(u8::is_ascii_digit)
                && (h1 - b'0') * 10 + (h2 - b'0') <= 23
                && (m1 - b'0') * 10 + (m2 - b'0') <= 59
        }
        _ => false,
    }
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

    /// The parser-free check says yes only to what the parser accepts, and to all of it in
    /// its form.
    #[test]
    fn the_plain_form_is_checked_without_the_parser_alike() {
        let mut plain = 0;
        for year in [
            "0000", "0001", "1900", "1999", "2000", "2023", "2024", "2100", "9999",
        ] {
            for month in 0..=13 {
                for day in [0, 1, 28, 29, 30, 31, 32] {
                    for time in ["00:00:00", "23:59:59", "24:00:00", "12:60:00", "12:00:60"] {
                        for rest in [
                            "Z",
                            "z",
                            ".5Z",
                            ".123456789Z",
                            ".1234567890Z",
                            ".Z",
                            "+00:00",
                            "-23:59",
                            "+24:00",
                            "+05:60",
                            "+0200",
                            "",
                            "ZZ",
                            " Z",
                        ] {
                            let text = format!("{year}-{month:02}-{day:02}T{time}{rest}");
                            let fast = plainly_valid(text.as_bytes());
                            let parsed = parse(&text).is_some();
                            assert!(!fast || parsed, "{text}: plain but refused by the parser");
                            // Left to the parser: leap seconds, `z`, over 9 digits.
                            let left = time.ends_with(":60")
                                || rest.contains('z')
                                || rest == ".1234567890Z";
                            if !left {
                                assert_eq!(fast, parsed, "{text}");
                            }
                            plain += usize::from(fast);
                        }
                    }
                }
            }
        }
        assert!(plain > 4000, "{plain}");
        for (text, valid) in EXAMPLES {
            assert!(!plainly_valid(text.as_bytes()) || *valid, "{text}");
        }
        for text in [
            "2025-11-06T10:30:00",
            "2025-11-06x10:30:00Z",
            "2025-11-06T10:30:0Z",
        ] {
            assert!(!plainly_valid(text.as_bytes()), "{text}");
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
