//! The one integer rule of ccfgen, shared by the push client's validation and the emulator:
//! an `int` or `long` column takes a JSON number written as an integer — digits with an
//! optional minus sign, no fraction and no exponent — within the column's range (`int`:
//! 32 bits, `long`: 64 bits, both signed). The service stores NULL for a floating-point value
//! in an integer column (Azure Data Explorer's "ingestion behavior of invalid data": "floating
//! point value ingested into an int column — NULL value filled"), `3.0` and `3e2` included, and
//! still answers 204; so such values are invalid before sending rather than delivered as NULL.
//!
//! The rule works on a number as a JSON parser reports it (signed, unsigned or floating
//! point), so validation (over a `serde_json::Number`) and the emulator (a serde visitor)
//! decide alike. [`EXAMPLES`] pins it: the validation's and the emulator's tests run it.

/// The width of an integer column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// `int`: a signed 32-bit integer.
    Int,
    /// `long`: a signed 64-bit integer.
    Long,
}

/// Why a JSON number is not a value of an integer column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Written with a fraction or an exponent (or an integer beyond 64 bits, which a JSON
    /// parser reads as floating point): the service stores NULL.
    NotAnInteger,
    /// An integer outside the column's range.
    OutOfRange,
}

/// The stored value of a JSON integer read as signed.
pub fn from_i64(width: Width, v: i64) -> Result<i64, Refusal> {
    match width {
        Width::Int if i32::try_from(v).is_err() => Err(Refusal::OutOfRange),
        _ => Ok(v),
    }
}

/// The stored value of a JSON integer read as unsigned.
pub fn from_u64(width: Width, v: u64) -> Result<i64, Refusal> {
    i64::try_from(v)
        .map_err(|_| Refusal::OutOfRange)
        .and_then(|v| from_i64(width, v))
}

/// The stored value of a JSON number read as floating point: never one (`3.0` included).
pub fn from_f64(_width: Width, _v: f64) -> Result<i64, Refusal> {
    Err(Refusal::NotAnInteger)
}

/// The stored value of a parsed JSON number.
pub fn from_number(width: Width, n: &serde_json::Number) -> Result<i64, Refusal> {
    if let Some(v) = n.as_i64() {
        from_i64(width, v)
    } else if let Some(v) = n.as_u64() {
        from_u64(width, v)
    } else {
        from_f64(width, n.as_f64().unwrap_or(f64::NAN))
    }
}

/// Why `number` (as written) was refused for a column of `width`, with what to write instead.
pub fn explain(width: Width, number: &str, refusal: Refusal) -> String {
    match (refusal, width) {
        (Refusal::OutOfRange, Width::Int) => {
            format!("{number} is out of the 32-bit int range")
        }
        (Refusal::OutOfRange, Width::Long) => format!("{number} is out of the 64-bit range"),
        (Refusal::NotAnInteger, _) => format!(
            "{number} is not an integer (an integer column takes digits without a fraction or \
             exponent, e.g. 3 rather than 3.0); the service would store NULL"
        ),
    }
}

/// The rule by example: (JSON number as written, column width, stored value or `None` when
/// refused). Validation and the emulator are tested against it.
pub const EXAMPLES: &[(&str, Width, Option<i64>)] = &[
    ("3", Width::Int, Some(3)),
    ("-3", Width::Int, Some(-3)),
    ("0", Width::Int, Some(0)),
    // serde_json (validation and emulator alike) reads `-0` as floating point: write `0`.
    ("-0", Width::Int, None),
    ("2147483647", Width::Int, Some(2_147_483_647)),
    ("-2147483648", Width::Int, Some(-2_147_483_648)),
    ("2147483648", Width::Int, None),
    ("-2147483649", Width::Int, None),
    ("2147483648", Width::Long, Some(2_147_483_648)),
    ("9223372036854775807", Width::Long, Some(i64::MAX)),
    ("-9223372036854775808", Width::Long, Some(i64::MIN)),
    ("9223372036854775808", Width::Long, None),
    ("18446744073709551615", Width::Long, None),
    ("18446744073709551616", Width::Long, None),
    ("3.0", Width::Int, None),
    ("3.0", Width::Long, None),
    ("-0.0", Width::Int, None),
    ("3.5", Width::Int, None),
    ("3e2", Width::Int, None),
    ("3E0", Width::Long, None),
    ("1e3", Width::Long, None),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_by_example() {
        for (text, width, stored) in EXAMPLES {
            let n: serde_json::Number = serde_json::from_str(text).unwrap();
            assert_eq!(from_number(*width, &n).ok(), *stored, "{text} as {width:?}");
        }
    }

    #[test]
    fn refusals_say_why() {
        let n: serde_json::Number = serde_json::from_str("3.0").unwrap();
        let refusal = from_number(Width::Int, &n).unwrap_err();
        assert_eq!(refusal, Refusal::NotAnInteger);
        let text = explain(Width::Int, "3.0", refusal);
        assert!(text.contains("3 rather than 3.0"), "{text}");
        let n: serde_json::Number = serde_json::from_str("2147483648").unwrap();
        assert_eq!(from_number(Width::Int, &n), Err(Refusal::OutOfRange));
        assert_eq!(
            explain(Width::Int, "2147483648", Refusal::OutOfRange),
            "2147483648 is out of the 32-bit int range"
        );
    }
}
